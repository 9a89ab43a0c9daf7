// The video rooms endpoints (docs/video-api.md) over the app's one API client (CSRF token, errors).
import { api } from "../api.ts";
import type { IceServers } from "../generated/video/IceServers.ts";
import type { NewRoom } from "../generated/video/NewRoom.ts";
import type { RoomAnswer } from "../generated/video/RoomAnswer.ts";
import type { RoomPatch } from "../generated/video/RoomPatch.ts";
import type { Room } from "./types.ts";

/** `POST /api/v1/video/rooms`: every field but `lobby` may be left out. */
export type { NewRoom as CreateRoomBody } from "../generated/video/NewRoom.ts";
/** `PATCH /api/v1/video/rooms/{id}`: absent fields stay; `password: ""` removes the password. */
export type { RoomPatch } from "../generated/video/RoomPatch.ts";

const enc = encodeURIComponent;

export const roomPath = (id: string) => `/api/v1/video/rooms/${enc(id)}`;

export const videoApi = {
  create: (body: NewRoom) => api.post<RoomAnswer>("/api/v1/video/rooms", body),
  mine: () => api.get<Room[] | { rooms: Room[] }>("/api/v1/video/rooms").then(roomList),
  get: (id: string) => api.get<Room | { room: Room }>(roomPath(id)).then(unwrapRoom),
  open: (id: string, title?: string) => api.put<RoomAnswer>(roomPath(id), { title }).then(unwrapRoom),
  patch: (id: string, body: RoomPatch) => api.patch<Room | { room: Room }>(roomPath(id), body).then(unwrapRoom),
  remove: (id: string) => api.del(roomPath(id)),
  ice: () => api.get<IceServers>("/api/v1/video/ice"),
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
