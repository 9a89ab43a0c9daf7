// @mention autocomplete (pure): which fragment the caret is in, which members match, completion.
import type { ChatMember } from "./types.ts";

export interface MentionFragment {
  /** Index of the '@'. */
  start: number;
  /** What follows the '@' up to the caret. */
  query: string;
}

/** The "@word" being typed at the caret, if any ('@' at the start or after a space or bracket). */
export function mentionAt(text: string, caret: number): MentionFragment | null {
  const before = text.slice(0, caret);
  const m = /(^|[\s([{"'])@([\p{L}\p{N}._-]*)$/u.exec(before);
  if (!m) return null;
  const query = m[2] ?? "";
  if (query.length > 64) return null;
  return { start: caret - query.length - 1, query };
}

/** Replaces the fragment by "@username " and gives the new caret position. */
export function completeMention(text: string, fragment: MentionFragment, caret: number, username: string): { text: string; caret: number } {
  const head = `${text.slice(0, fragment.start)}@${username}`;
  const rest = text.slice(caret);
  const sep = rest.startsWith(" ") ? "" : " ";
  return { text: head + sep + rest, caret: head.length + 1 };
}

export const SPECIAL_MENTIONS = ["here", "channel", "all"] as const;

export type MentionChoice = { kind: "user"; member: ChatMember } | { kind: "special"; name: (typeof SPECIAL_MENTIONS)[number] };

function fold(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

/** 0 best … 4 no match. */
function score(m: ChatMember, q: string): number {
  if (!q) return 3;
  const u = fold(m.username);
  const d = fold(m.display_name || "");
  if (u === q) return 0;
  if (u.startsWith(q)) return 1;
  if (d.startsWith(q) || d.split(/[\s.'-]+/).some((w) => w.startsWith(q))) return 2;
  if (u.includes(q) || d.includes(q)) return 3;
  return 4;
}

/** Members matching the query, best first (then alphabetically; at most `limit`), then @here/@channel/@all. */
export function rankMentions(members: ChatMember[], query: string, opts: { limit?: number; excludeId?: string; specials?: boolean } = {}): MentionChoice[] {
  const q = fold(query);
  const limit = opts.limit ?? 8;
  const users = members
    .filter((m) => m.id !== opts.excludeId)
    .map((m) => ({ m, s: score(m, q) }))
    .filter((x) => x.s < 4)
    .sort((a, b) => a.s - b.s || a.m.username.localeCompare(b.m.username))
    .map((x): MentionChoice => ({ kind: "user", member: x.m }));
  const specials: MentionChoice[] = opts.specials === false ? [] : SPECIAL_MENTIONS.filter((n) => n.startsWith(q)).map((name) => ({ kind: "special", name }));
  return [...users.slice(0, limit), ...specials];
}
