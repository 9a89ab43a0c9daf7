// The video rooms endpoints (docs/video-api.md) over the app's one API client (CSRF token, errors).
import { api } from "../api.ts";
import type { IceServer, Room } from "./types.ts";

const enc = encodeURIComponent;

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
