// Who writes from this browser: the signed-in member's session, or a guest (a cookie and a CSRF
// token from GET /api/v1/guest). Every tool that lets guests write asks through here.
import { api } from "../api.ts";
import type { User } from "../types.ts";

export interface GuestAnswer {
  id: string;
  display_name: string;
  avatar_color: string;
  csrf_token: string;
}

/** This browser's guest (made on the first call), whose CSRF token the API client keeps. */
export async function guestIdentity(): Promise<GuestAnswer> {
  const g = await api.get<GuestAnswer>("/api/v1/guest");
  api.setCsrfToken(g.csrf_token);
  return g;
}

/**
 * Makes sure this browser has an identity before a write: the signed-in user's session, or a guest.
 * The server also remembers votes and unlocked polls by this identity. No request once a CSRF
 * token is known.
 */
export async function ensureIdentity(user: User | null): Promise<void> {
  if (api.csrfToken) return;
  if (user) {
    await api.get("/api/v1/me");
    return;
  }
  await guestIdentity();
}

/**
 * Like ensureIdentity, for a video call, which shows the guest's name: a guest is always asked for
 * (returns its name), a member only when no CSRF token is known yet (returns null).
 */
export async function ensureNamedIdentity(user: User | null): Promise<string | null> {
  if (user) {
    if (!api.csrfToken) await api.get("/api/v1/me");
    return null;
  }
  return (await guestIdentity()).display_name;
}
