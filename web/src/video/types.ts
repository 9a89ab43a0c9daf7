// Shapes of the video API (docs/video-api.md): rooms over HTTP, participants and frames over the
// realtime topic `video:{room}`. Generated from the server's Rust types (crates/video:
// `cargo test -p nichoir-video` writes them), but for ChatLine (the UI's own) and ServerFrame.
import type { ChatAuthor } from "../generated/video/ChatAuthor.ts";
import type { Denied } from "../generated/video/Denied.ts";
import type { IceServer } from "../generated/video/IceServer.ts";
import type { ParticipantView } from "../generated/video/ParticipantView.ts";
import type { RoomView } from "../generated/video/RoomView.ts";
import type { TrackInfo } from "../generated/video/TrackInfo.ts";

export type { RoomView as Room } from "../generated/video/RoomView.ts";
export type { Quality } from "../generated/video/Quality.ts";
export type { Source } from "../generated/video/Source.ts";
export type { ParticipantView as Participant } from "../generated/video/ParticipantView.ts";
export type { IceServer } from "../generated/video/IceServer.ts";
/** What one m-line of an offer carries: mine to send on, or someone's source to me. */
export type { TrackInfo } from "../generated/video/TrackInfo.ts";
export type { Denied as DeniedReason } from "../generated/video/Denied.ts";

export interface ChatLine {
  from: ChatAuthor;
  text: string;
  at: string;
  private: boolean;
  /** Set on the lines I sent (private ones: to whom). */
  to?: ChatAuthor | null;
  mine?: boolean;
  /** Mine, not yet echoed by the server. */
  pending?: boolean;
}

/** A server frame as `signalling.ts` reads it, forgiving (the wire's own type is
 * generated/video/ServerFrame.ts): a knock's {id, name} completed to a participant, any error
 * code kept as text, the browser's own candidate type. */
export type ServerFrame =
  | { type: "room"; room: RoomView; participants: ParticipantView[] }
  | { type: "joined"; self: ParticipantView; resume: string; moderator: boolean; ice_servers: IceServer[]; participants: ParticipantView[] }
  | { type: "waiting" }
  | { type: "denied"; reason: Denied | string }
  | { type: "offer"; sdp: string; tracks: Record<string, TrackInfo> }
  | { type: "candidate"; candidate: RTCIceCandidateInit | null }
  | { type: "participant_joined"; participant: ParticipantView }
  | { type: "participant"; participant: ParticipantView }
  | { type: "participant_left"; id: string }
  | { type: "chat"; from: ChatAuthor; text: string; at: string; private: boolean }
  | { type: "knock"; participant: ParticipantView }
  | { type: "knock_done"; id: string }
  | { type: "muted"; by: string }
  | { type: "error"; code: string; message: string };
