// People's names as the server gives them (pure). A deleted account's name, and the name a
// deleted account's poll votes keep, are markers the server writes (nichoir_core::departure:
// DELETED_NAME, ANONYMOUS_VOTER): no living account may take the first, so the app shows both in
// the reader's language. Every other name is the person's own and is shown as is.
import type { Translate } from "./i18n/index.ts";

export const DELETED_NAME = "Deleted user";
export const ANONYMOUS_VOTER = "Anonymous";

/** A name to show: a marker in the reader's language, anything else untouched. */
export function personName(t: Translate, name: string): string {
  if (name === DELETED_NAME) return t("people.deleted");
  if (name === ANONYMOUS_VOTER) return t("people.anonymous");
  return name;
}
