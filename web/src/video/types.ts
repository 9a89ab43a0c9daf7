// Shapes of the video API (docs/video-api.md): rooms over HTTP, participants and frames over the
// realtime topic `video:{room}`. Generated from the server's Rust types (crates/video:
// `cargo test -p nichoir-video` writes them); ChatLine is the UI's own line, made of a `chat` frame.
import type { ChatAuthor } from "../generated/video/ChatAuthor.ts";
import type { ServerFrame } from "../generated/video/ServerFrame.ts";

export type { RoomView as Room } from "../generated/video/RoomView.ts";
export type { Quality } from "../generated/video/Quality.ts";
export type { Source } from "../generated/video/Source.ts";
export type { ParticipantView as Participant } from "../generated/video/ParticipantView.ts";
export type { IceServer } from "../generated/video/IceServer.ts";
/** What one m-line of an offer carries: mine to send on, or someone's source to me. */
export type { TrackInfo } from "../generated/video/TrackInfo.ts";
export type { Denied as DeniedReason } from "../generated/video/Denied.ts";
/** Someone waiting in the lobby, as the moderators see them. */
export type { Knocker } from "../generated/video/Knocker.ts";
/** What the server sends on `video:{room}` (`signalling.ts` checks each frame before use). */
export type { ServerFrame } from "../generated/video/ServerFrame.ts";

/** A line of the call's chat: a `chat` frame, with what the UI adds to the lines I sent. */
export type ChatLine = Omit<Extract<ServerFrame, { type: "chat" }>, "type" | "to"> & {
  /** Set on the lines I sent (private ones: to whom). */
  to?: ChatAuthor | null;
  mine?: boolean;
  /** Mine, not yet echoed by the server. */
  pending?: boolean;
};
