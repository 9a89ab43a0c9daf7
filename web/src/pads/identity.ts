// Who is at the keyboard of a pad page: the signed-in person, or a guest with a cookie. Shared by
// the pads list (creating, importing) and the pad page, which are separate chunks.
import { guestIdentity } from "../hooks/identity.ts";
import type { User } from "../types.ts";

export interface Me {
  id: string;
  name: string;
  color: string;
  guest: boolean;
}

/** Makes sure this browser has an identity: the signed-in user, or a guest (cookie + CSRF token). */
export async function identity(user: User | null): Promise<Me> {
  if (user) return { id: user.id, name: user.display_name || user.username, color: user.avatar_color, guest: false };
  const g = await guestIdentity();
  return { id: g.id, name: g.display_name, color: g.avatar_color, guest: true };
}
