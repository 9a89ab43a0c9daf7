// The polls this browser created or answered without an account ("My polls on this device"):
// the links a guest would otherwise lose with the tab. Tokens, not URLs, are kept, so the links
// are built on the origin the browser uses (see ../device.ts for the storage rules).
import { deviceList, text, time } from "../device.ts";

export interface DevicePoll {
  id: string;
  title: string;
  /** Created here: the admin token (the secret admin link). */
  adminToken: string | null;
  /** Answered here: the token of the last row's personal edit link. */
  editToken: string | null;
  createdAt: number | null;
  answeredAt: number | null;
}

export const POLLS_KEY = "nichoir.device.polls";

/** When this browser last did something with the poll: the list's order. */
export const lastAt = (p: DevicePoll) => Math.max(p.createdAt ?? 0, p.answeredAt ?? 0);

function parse(raw: unknown): DevicePoll | null {
  const r = raw as Record<string, unknown>;
  const id = text(r.id);
  if (!id) return null;
  const p: DevicePoll = {
    id,
    title: typeof r.title === "string" ? r.title.slice(0, 500) : "",
    adminToken: text(r.adminToken),
    editToken: text(r.editToken),
    createdAt: time(r.createdAt),
    answeredAt: time(r.answeredAt),
  };
  // Neither created nor answered here: nothing to show, nothing to keep.
  if (p.createdAt === null && p.answeredAt === null) return null;
  if (p.createdAt === null) p.adminToken = null;
  return p;
}

const polls = deviceList<DevicePoll>(POLLS_KEY, parse, (p) => p.id, lastAt);

const blank = (id: string, title: string): DevicePoll => ({ id, title, adminToken: null, editToken: null, createdAt: null, answeredAt: null });

export function rememberCreatedPoll(poll: { id: string; title: string; adminToken: string }, now = Date.now()): void {
  const id = text(poll.id);
  if (!id) return;
  polls.update(id, (cur) => ({ ...(cur ?? blank(id, poll.title)), title: poll.title, adminToken: text(poll.adminToken), createdAt: now }));
}

/** A row sent from this browser; its edit link replaces the previous one (the newest row's). */
export function rememberAnsweredPoll(poll: { id: string; title: string; editToken: string | null }, now = Date.now()): void {
  const id = text(poll.id);
  if (!id) return;
  polls.update(id, (cur) => ({ ...(cur ?? blank(id, poll.title)), title: poll.title, editToken: text(poll.editToken), answeredAt: now }));
}

/** This browser's row was deleted: the poll stays only if it was created here. */
export function forgetAnswer(id: string): void {
  polls.update(id, (cur) => (cur && cur.createdAt !== null ? { ...cur, editToken: null, answeredAt: null } : null));
}

/** Keeps a remembered poll's title as its admin renames it; writes only when it changed. */
export function noteTitle(id: string, title: string): void {
  const cur = polls.read().find((p) => p.id === id);
  if (cur && cur.title !== title) polls.update(id, (p) => (p ? { ...p, title } : null));
}

export function forgetPoll(id: string): void {
  polls.update(id, () => null);
}

/** The polls remembered on this device, the latest first. */
export function rememberedPolls(): DevicePoll[] {
  return polls.read();
}
