// Who is at the keyboard of a pad page: the signed-in person, or a guest with a cookie. Shared by
// the pads list (creating, importing) and the pad page, which are separate chunks.
import { api } from "../api.ts";
import type { User } from "../types.ts";

interface GuestAnswer {
  id: string;
  display_name: string;
  avatar_color: string;
  csrf_token: string;
}

export interface Me {
  id: string;
  name: string;
  color: string;
  guest: boolean;
}

/** Makes sure this browser has an identity: the signed-in user, or a guest (cookie + CSRF token). */
export async function identity(user: User | null): Promise<Me> {
  if (user) return { id: user.id, name: user.display_name || user.username, color: user.avatar_color, guest: false };
  const g = await api.get<GuestAnswer>("/api/v1/guest");
  api.setCsrfToken(g.csrf_token);
  return { id: g.id, name: g.display_name, color: g.avatar_color, guest: true };
}
