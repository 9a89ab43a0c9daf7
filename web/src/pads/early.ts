// What a pad page opened from a link starts before its chunk has run (`ToolDef.prefetch`): the
// pad's facts and its socket, whose state is the pad's text. Part of the app's first bundle: it
// must not import the editor.
import { dropEarly, openEarly } from "../realtime.ts";
import { padTopic, padsApi, type PadMeta } from "./api.ts";

/** Facts older than this are asked for again. */
const FRESH_MS = 15_000;

const metas = new Map<string, { at: number; meta: Promise<PadMeta> }>();

export function prefetchPad(id: string): void {
  if (!id) return;
  const meta = padsApi.meta(id);
  // The page awaits it, and sees its error then; until then it is not an unhandled rejection.
  meta.catch(() => undefined);
  metas.set(id, { at: Date.now(), meta });
  openEarly(padTopic(id));
}

/** The facts asked for at boot, once, if still fresh. */
export function takeEarlyMeta(id: string): Promise<PadMeta> | null {
  const entry = metas.get(id);
  metas.delete(id);
  return entry && Date.now() - entry.at < FRESH_MS ? entry.meta : null;
}

/** Forgets what was started for a page that will not use it (a guest's, a locked pad's). */
export function dropEarlyPad(id: string): void {
  metas.delete(id);
  dropEarly(padTopic(id));
}
