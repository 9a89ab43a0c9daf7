// The video rooms endpoints (docs/video-api.md) over the app's one API client (CSRF token, errors).
import { api } from "../api.ts";
import type { User } from "../types.ts";
import type { IceServer, Room } from "./types.ts";

const enc = encodeURIComponent;

interface GuestAnswer {
  id: string;
  display_name: string;
  avatar_color: string;
  csrf_token: string;
}

/**
 * Makes sure this browser has an identity before a write or the realtime socket: the signed-in
 * user's session, or a guest (cookie + CSRF token). Returns the guest's name, if any.
 */
export async function ensureIdentity(user: User | null): Promise<string | null> {
  if (user) {
    if (!api.csrfToken) await api.get("/api/v1/me");
    return null;
  }
  const g = await api.get<GuestAnswer>("/api/v1/guest");
  api.setCsrfToken(g.csrf_token);
  return g.display_name;
}

export interface CreateRoomBody {
  name?: string;
  title?: string;
  password?: string;
  lobby?: boolean;
  capacity?: number;
}

export interface RoomPatch {
  title?: string;
  password?: string;
  lobby?: boolean;
  capacity?: number;
  locked?: boolean;
}

export const roomPath = (id: string) => `/api/v1/video/rooms/${enc(id)}`;

export const videoApi = {
  create: (body: CreateRoomBody) => api.post<{ room: Room }>("/api/v1/video/rooms", body),
  mine: () => api.get<Room[] | { rooms: Room[] }>("/api/v1/video/rooms").then(roomList),
  get: (id: string) => api.get<Room | { room: Room }>(roomPath(id)).then(unwrapRoom),
  open: (id: string, title?: string) => api.put<{ room: Room }>(roomPath(id), { title }).then(unwrapRoom),
  patch: (id: string, body: RoomPatch) => api.patch<Room | { room: Room }>(roomPath(id), body).then(unwrapRoom),
  remove: (id: string) => api.del(roomPath(id)),
  ice: () => api.get<{ ice_servers: IceServer[] }>("/api/v1/video/ice"),
};

/** A room answer, bare or wrapped in `{"room"}` (the create answer is wrapped). */
export function unwrapRoom(x: Room | { room: Room }): Room {
  return "room" in x && x.room && typeof x.room === "object" ? x.room : (x as Room);
}

/** The list of my rooms, bare or wrapped in `{"rooms"}`. */
export function roomList(x: Room[] | { rooms: Room[] }): Room[] {
  return Array.isArray(x) ? x : Array.isArray(x?.rooms) ? x.rooms : [];
}

/** The page of a room on this site. */
export const roomPage = (id: string) => `/video/${enc(id)}`;

/**
 * The room that belongs to something else of this site (a poll's meeting): the first person to ask
 * creates it under the chosen name and becomes its moderator; everyone after lands in the same room
 * (one idempotent PUT: no failed request for the browser to report).
 * Returns the room's page.
 */
export async function openLinkedRoom(user: User | null, name: string, title: string): Promise<string> {
  await ensureIdentity(user);
  await videoApi.open(name, title.trim().slice(0, 120) || undefined);
  return roomPage(name);
}
