// The message list's rows (pure): day separators, the "new messages" line, consecutive posts of
// one person grouped under one name, pending local copies at the end.
import { postAuthor } from "./names.ts";
import type { PendingPost, Post } from "./types.ts";

export type TimelineItem =
  | { kind: "day"; key: string; day: string }
  | { kind: "new"; key: string }
  | { kind: "post"; key: string; post: Post; continued: boolean }
  | { kind: "pending"; key: string; pending: PendingPost; continued: boolean };

/** Posts of one person less than this apart are grouped (as Mattermost does). */
export const GROUP_MS = 5 * 60 * 1000;

/** The local calendar day of an instant, "YYYY-MM-DD". */
export function localDay(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Who a post shows as speaking: an account, or a name a webhook or an import gave through it. */
function speaker(post: Post): string {
  const a = postAuthor(post);
  return a.via || a.bot ? `${post.user.id} ${a.bot ? "bot" : ""} ${a.name}` : post.user.id;
}

interface Prev {
  /** The account id, or what [`speaker`] makes of a post through a webhook or an import. */
  userId: string;
  at: number;
  rootId: number | null;
  deleted: boolean;
}

function continues(prev: Prev | null, userId: string, at: number, rootId: number | null): boolean {
  return !!prev && !prev.deleted && prev.userId === userId && at - prev.at >= 0 && at - prev.at < GROUP_MS && prev.rootId === rootId;
}

/**
 * @param newAfter posts with a greater id (not mine) start after the "new messages" line
 */
export function buildTimeline(posts: Post[], pending: PendingPost[], opts: { meId: string; newAfter: number | null }): TimelineItem[] {
  const out: TimelineItem[] = [];
  let day = "";
  let prev: Prev | null = null;
  let lineShown = false;
  for (const post of posts) {
    const d = localDay(post.created_at);
    if (d !== day) {
      day = d;
      out.push({ kind: "day", key: `day-${d}`, day: d });
      prev = null;
    }
    if (!lineShown && opts.newAfter !== null && post.id > opts.newAfter && post.user.id !== opts.meId) {
      lineShown = true;
      out.push({ kind: "new", key: "new" });
      prev = null;
    }
    const at = Date.parse(post.created_at);
    const who = speaker(post);
    out.push({ kind: "post", key: `p${post.id}`, post, continued: continues(prev, who, at, post.root_id) });
    prev = { userId: who, at, rootId: post.root_id, deleted: post.deleted };
  }
  for (const p of pending) {
    const d = localDay(p.created_at);
    if (d !== day) {
      day = d;
      out.push({ kind: "day", key: `day-${d}`, day: d });
      prev = null;
    }
    const at = Date.parse(p.created_at);
    out.push({ kind: "pending", key: `c${p.client_id}`, pending: p, continued: continues(prev, opts.meId, at, p.root_id) });
    prev = { userId: opts.meId, at, rootId: p.root_id, deleted: false };
  }
  return out;
}

/** My newest post that I may still edit (for Up arrow in an empty composer). */
export function lastOwnPost(posts: Post[], meId: string, rootId: number | null = null, inThread = false): Post | null {
  for (let i = posts.length - 1; i >= 0; i--) {
    const p = posts[i] as Post;
    // Not a message a webhook or an import posted through my account.
    if (p.user.id !== meId || p.deleted || speaker(p) !== meId) continue;
    if (inThread && p.root_id !== rootId && p.id !== rootId) continue;
    return p;
  }
  return null;
}

let seq = 0;
/** A client id for a message being sent (the server de-duplicates resends with it). */
export function newClientId(now = Date.now()): string {
  seq = (seq + 1) % 1_000_000;
  return `c${now.toString(36)}-${seq.toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** At most one "typing" frame every 3 seconds. */
export const TYPING_EVERY_MS = 3000;

export function shouldSendTyping(lastSent: number | null, now: number): boolean {
  return lastSent === null || now - lastSent >= TYPING_EVERY_MS;
}
