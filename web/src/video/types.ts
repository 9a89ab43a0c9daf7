// Shapes of the video API (docs/video-api.md): rooms over HTTP, participants and frames over the
// realtime topic `video:{room}`.

export interface Room {
  id: string;
  title: string;
  protected: boolean;
  lobby: boolean;
  capacity: number;
  locked: boolean;
  participants: number;
  owner: boolean;
  moderator: boolean;
  created_at: string;
  url: string;
}

export type Quality = "good" | "fair" | "poor" | "unknown";
export type Source = "mic" | "camera" | "screen";

export interface Participant {
  id: string;
  name: string;
  user_id: string | null;
  moderator: boolean;
  audio: boolean;
  video: boolean;
  screen: boolean;
  hand: boolean;
  quality: Quality;
  connected: boolean;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** What one m-line of an offer carries: mine to send on, or someone's source to me. */
export type TrackInfo = { publish: Source } | { participant: string; source: Source };

export type DeniedReason = "password" | "full" | "locked" | "rejected" | "removed" | "ended";

export interface ChatLine {
  from: { id: string; name: string };
  text: string;
  at: string;
  private: boolean;
  /** Set on the lines I sent (private ones: to whom). */
  to?: { id: string; name: string } | null;
  mine?: boolean;
  /** Mine, not yet echoed by the server. */
  pending?: boolean;
}

export type ServerFrame =
  | { type: "room"; room: Room; participants: Participant[] }
  | { type: "joined"; self: Participant; resume: string; moderator: boolean; ice_servers: IceServer[]; participants: Participant[] }
  | { type: "waiting" }
  | { type: "denied"; reason: DeniedReason | string }
  | { type: "offer"; sdp: string; tracks: Record<string, TrackInfo> }
  | { type: "candidate"; candidate: RTCIceCandidateInit | null }
  | { type: "participant_joined"; participant: Participant }
  | { type: "participant"; participant: Participant }
  | { type: "participant_left"; id: string }
  | { type: "chat"; from: { id: string; name: string }; text: string; at: string; private: boolean }
  | { type: "knock"; participant: Participant }
  | { type: "knock_done"; id: string }
  | { type: "muted"; by: string }
  | { type: "error"; code: string; message: string };
