// Signalling frames of the topic `video:{room}` (docs/video-api.md): parsing what the server sends,
// the frames the client sends, and the queue that handles offers strictly one at a time.
import type { ErrorCode } from "../generated/core/ErrorCode.ts";
import type { DeniedReason, Knocker, Participant, Room, Quality, ServerFrame, Source, TrackInfo } from "./types.ts";

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => !!x && typeof x === "object" && !Array.isArray(x);
const str = (x: unknown): x is string => typeof x === "string";
const SOURCES: readonly string[] = ["mic", "camera", "screen"];
const QUALITIES: readonly string[] = ["good", "fair", "poor", "unknown"];

/** A participant object, with defaults for absent flags; null when it has no id. */
export function parseParticipant(x: unknown): Participant | null {
  if (!isObj(x) || !str(x.id) || !x.id) return null;
  const q = str(x.quality) && QUALITIES.includes(x.quality) ? (x.quality as Quality) : "unknown";
  return {
    id: x.id,
    name: str(x.name) && x.name.trim() ? x.name : "?",
    user_id: str(x.user_id) ? x.user_id : null,
    moderator: x.moderator === true,
    audio: x.audio === true,
    video: x.video === true,
    screen: x.screen === true,
    hand: x.hand === true,
    quality: q,
    connected: x.connected !== false,
  };
}

function participants(x: unknown): Participant[] {
  return Array.isArray(x) ? x.map(parseParticipant).filter((p): p is Participant => p !== null) : [];
}

/** The `tracks` map of an offer; entries of an unknown shape are left out. */
export function parseTracks(x: unknown): Record<string, TrackInfo> {
  const out: Record<string, TrackInfo> = {};
  if (!isObj(x)) return out;
  for (const [mid, v] of Object.entries(x)) {
    if (!isObj(v)) continue;
    if (str(v.publish) && SOURCES.includes(v.publish)) out[mid] = { publish: v.publish as Source };
    else if (str(v.participant) && str(v.source) && SOURCES.includes(v.source)) out[mid] = { participant: v.participant, source: v.source as Source };
  }
  return out;
}

/** Someone knocking at the lobby; null when it has no id. */
function parseKnocker(x: unknown): Knocker | null {
  if (!isObj(x) || !str(x.id) || !x.id) return null;
  return { id: x.id, name: str(x.name) && x.name.trim() ? x.name : "?" };
}

/** An ICE candidate (`c`, whose `candidate` line is `line`) with its absent fields as null. */
function parseCandidate(c: Obj, line: string): Extract<ServerFrame, { type: "candidate" }>["candidate"] {
  return {
    candidate: line,
    sdpMid: str(c.sdpMid) ? c.sdpMid : null,
    sdpMLineIndex: typeof c.sdpMLineIndex === "number" ? c.sdpMLineIndex : null,
    usernameFragment: str(c.usernameFragment) ? c.usernameFragment : null,
  };
}

/** A server frame (the `data` of an event on the topic), or null when it is not one we know. */
export function parseFrame(d: Obj): ServerFrame | null {
  switch (d.type) {
    case "room":
      if (!isObj(d.room) || !str(d.room.id)) return null;
      return { type: "room", room: d.room as unknown as Room, participants: participants(d.participants) };
    case "joined": {
      const self = parseParticipant(d.self);
      if (!self) return null;
      return {
        type: "joined",
        self,
        resume: str(d.resume) ? d.resume : "",
        moderator: d.moderator === true,
        ice_servers: Array.isArray(d.ice_servers) ? (d.ice_servers.filter((s) => isObj(s) && (str(s.urls) || Array.isArray(s.urls))) as never[]) : [],
        // Not in the contract, but sent by the server: the people already in the call.
        participants: participants(d.participants),
      };
    }
    case "waiting":
      return { type: "waiting" };
    case "denied":
      return { type: "denied", reason: str(d.reason) ? (d.reason as DeniedReason) : "rejected" };
    case "offer":
      if (!str(d.sdp)) return null;
      return { type: "offer", sdp: d.sdp, tracks: parseTracks(d.tracks) };
    case "candidate":
      if (d.candidate === null || d.candidate === undefined) return { type: "candidate", candidate: null };
      if (!isObj(d.candidate) || !str(d.candidate.candidate)) return null;
      return { type: "candidate", candidate: parseCandidate(d.candidate, d.candidate.candidate) };
    case "participant_joined":
    case "participant": {
      const p = parseParticipant(d.participant);
      return p ? { type: d.type, participant: p } : null;
    }
    case "knock": {
      const p = parseKnocker(d.participant);
      return p ? { type: "knock", participant: p } : null;
    }
    case "participant_left":
    case "knock_done":
      return str(d.id) ? { type: d.type, id: d.id } : null;
    case "chat": {
      if (!str(d.text) || !isObj(d.from) || !str(d.from.id)) return null;
      const name = str(d.from.name) ? d.from.name : "?";
      return { type: "chat", from: { id: d.from.id, name }, text: d.text, at: str(d.at) ? d.at : new Date().toISOString(), private: d.private === true };
    }
    case "muted":
      return { type: "muted", by: str(d.by) ? d.by : "" };
    case "error":
      // An unknown code is kept as sent (shown to the person when there is no message).
      return { type: "error", code: str(d.code) ? (d.code as ErrorCode) : "internal", message: str(d.message) ? d.message : "" };
    default:
      return null;
  }
}

/** The frames the client sends. */
export const out = {
  join: (name: string, password?: string, resume?: string) => ({
    type: "join",
    name,
    ...(password ? { password } : {}),
    ...(resume ? { resume } : {}),
  }),
  answer: (sdp: string) => ({ type: "answer", sdp }),
  candidate: (candidate: RTCIceCandidateInit | null) => ({ type: "candidate", candidate }),
  media: (audio: boolean, video: boolean, screen: boolean) => ({ type: "media", audio, video, screen }),
  hand: (raised: boolean) => ({ type: "hand", raised }),
  quality: (level: Exclude<Quality, "unknown">) => ({ type: "quality", level }),
  chat: (text: string, to?: string | null) => ({ type: "chat", text, ...(to ? { to } : {}) }),
  pause: (participant: string, source: "camera" | "screen", paused: boolean) => ({ type: "pause", participant, source, paused }),
  leave: () => ({ type: "leave" }),
  admit: (id: string) => ({ type: "admit", id }),
  reject: (id: string) => ({ type: "reject", id }),
  mute: (id: string) => ({ type: "mute", id }),
  remove: (id: string) => ({ type: "remove", id }),
  lock: (locked: boolean) => ({ type: "lock", locked }),
};

/** The longest in-call message the server accepts. */
export const CHAT_MAX = 2000;
export const NAME_MAX = 64;

/**
 * Runs async tasks strictly one after the other (offers: set the remote description, answer, and
 * only then look at the next one). A failing task is reported and does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  constructor(private readonly onError: (e: unknown) => void) {}

  push(task: () => Promise<void>): Promise<void> {
    const run = async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (e) {
        if (!this.closed) this.onError(e);
      }
    };
    this.tail = this.tail.then(run);
    return this.tail;
  }

  /** Drops the tasks still waiting (a closed peer connection). */
  close(): void {
    this.closed = true;
  }
}
