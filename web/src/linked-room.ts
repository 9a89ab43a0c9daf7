// The video room that belongs to something else of this site (a poll's meeting), opened from that
// tool without importing the video tool's code: the room is reached through the API and its page.
import { api } from "./api.ts";
import { ensureNamedIdentity } from "./hooks/identity.ts";
import type { User } from "./types.ts";

const enc = encodeURIComponent;

/**
 * The first person to ask creates the room under the chosen name and becomes its moderator;
 * everyone after lands in the same room (one idempotent PUT: no failed request for the browser to
 * report). Returns the room's page.
 */
export async function openLinkedRoom(user: User | null, name: string, title: string): Promise<string> {
  await ensureNamedIdentity(user);
  await api.put(`/api/v1/video/rooms/${enc(name)}`, { title: title.trim().slice(0, 120) || undefined });
  return `/video/${enc(name)}`;
}
