// One video call: the signalling over the realtime topic `video:{room}` (the pads' TopicSocket,
// which reconnects by itself), the RTCPeerConnection the server negotiates (it always offers), the
// local camera/microphone/screen, and what the UI shows (people, streams, chat, lobby, notices).
// No UI here: the screens read this object and call its methods; `subscribe` tells them to redraw.
import type { MessageKey, Params } from "../i18n/index.ts";
import { type ConnState, TopicSocket } from "../realtime.ts";
import { chooseSpeaker, tileKey } from "./layout.ts";
import { type Devices, listDevices, mediaErrorKind, openBoth, openCamera, openMic, openScreen } from "./media.ts";
import { SerialQueue, out, parseFrame } from "./signalling.ts";
import { readLevels, readQuality } from "./stats.ts";
import type { ChatLine, DeniedReason, IceServer, Knocker, Participant, Quality, Room, ServerFrame, Source, TrackInfo } from "./types.ts";

export type Phase = "prejoin" | "joining" | "waiting" | "call" | "ended" | "left";

export interface Notice {
  id: number;
  kind: "info" | "warning" | "error";
  key: MessageKey;
  params?: Params;
}

const STATS_EVERY_MS = 3000;
const SPEAKER_EVERY_MS = 300;
const SPEAKER_HOLD_MS = 1200;
const NUDGE_EVERY_MS = 5000;

declare global {
  interface Window {
    __videoCall?: VideoCall;
  }
}

export class VideoCall {
  readonly roomId: string;
  room: Room | null = null;
  conn: ConnState = "connecting";
  phase: Phase = "prejoin";
  /** Why I could not join (shown on the pre-join screen) or was sent out (the end screen). */
  denied: DeniedReason | string | null = null;
  /** The subscription was refused (the room does not exist or was deleted). */
  gone = false;
  /** The people in the call (me included once joined), by participant id. */
  readonly people = new Map<string, Participant>();
  selfId: string | null = null;
  moderator = false;
  name = "";
  password = "";
  /** True between a dropped socket and the `joined` answering our resume. */
  reconnecting = false;
  joinedAt: number | null = null;

  // Local media. The mic track stays while muted (enabled = false); the camera track is stopped
  // when the camera is off (its light goes out).
  mic: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  micOn = true;
  camOn = true;
  hand = false;
  micId: string | null = null;
  camId: string | null = null;
  devices: Devices = { audioinput: [], videoinput: [] };
  micError: ReturnType<typeof mediaErrorKind> | null = null;
  camError: ReturnType<typeof mediaErrorKind> | null = null;
  private cameraStream: MediaStream | null = null;
  private screenStream: MediaStream | null = null;

  // The peer connection and what its m-lines carry.
  pc: RTCPeerConnection | null = null;
  tracks: Record<string, TrackInfo> = {};
  /** Remote streams by tileKey(participant, source). */
  readonly remote = new Map<string, MediaStream>();
  private readonly receivers = new Map<string, RTCRtpReceiver>();
  private offers: SerialQueue | null = null;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private resumeToken: string | null = null;

  // What the screens show besides the people.
  chat: ChatLine[] = [];
  unread = 0;
  chatVisible = false;
  readonly knocks = new Map<string, Knocker>();
  notices: Notice[] = [];
  speaker: string | null = null;
  quality: Quality = "unknown";
  private sentQuality: Quality | null = null;
  private speakerSeen = 0;
  private readonly visible = new Map<string, boolean>();
  private readonly nudged = new Map<string, number>();
  private noticeSeq = 0;

  private readonly socket: TopicSocket;
  private subscriptions = 0;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private speakerTimer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<() => void>();
  private destroyed = false;

  constructor(roomId: string, name: string) {
    this.roomId = roomId;
    this.name = name;
    this.socket = new TopicSocket(`video:${roomId}`, {
      onSubscribed: () => this.onSubscribed(),
      onEvent: (data) => {
        const f = parseFrame(data);
        if (f) this.onFrame(f);
      },
      onPresence: () => {},
      onFrameError: (code) => {
        if (code === "not_found" && !this.socket.isSubscribed) {
          this.gone = true;
          this.emit();
        }
      },
      onState: (s) => {
        this.conn = s;
        this.emit();
      },
      onClosed: () => {
        if (this.phase === "call" || this.phase === "waiting" || this.phase === "joining") {
          this.reconnecting = true;
          this.emit();
        }
      },
    });
  }

  // ------------------------------------------------------------------ life cycle

  start(): void {
    window.__videoCall = this;
    this.socket.start();
    if (navigator.mediaDevices?.addEventListener) navigator.mediaDevices.addEventListener("devicechange", this.onDeviceChange);
  }

  /** Leaves the call (if in it), stops every device and the socket. */
  destroy(): void {
    if (this.destroyed) return;
    if (this.phase === "call" || this.phase === "waiting" || this.phase === "joining") this.send(out.leave());
    this.destroyed = true;
    this.closePeer();
    this.stopLocal();
    this.socket.stop();
    if (navigator.mediaDevices?.removeEventListener) navigator.mediaDevices.removeEventListener("devicechange", this.onDeviceChange);
    if (window.__videoCall === this) delete window.__videoCall;
    this.listeners.clear();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of [...this.listeners]) fn();
  }

  private send(frame: unknown): boolean {
    return this.socket.publish(frame);
  }

  get connected(): boolean {
    return this.socket.isSubscribed;
  }

  // ------------------------------------------------------------------ local media

  /** Opens the microphone and camera for the pre-join preview (each one alone if the other fails). */
  async startPreview(): Promise<void> {
    const needMic = !this.mic || this.mic.readyState !== "live";
    const needCam = this.camOn && (!this.camera || this.camera.readyState !== "live");
    if (needMic && needCam) {
      // Both at once: one permission prompt. When that fails, each alone says which one failed.
      try {
        const { mic, camera } = await openBoth(this.micId, this.camId);
        if (this.destroyed) {
          mic.stop();
          camera.stop();
          return;
        }
        this.useMic(mic);
        this.useCamera(camera);
        this.emit();
      } catch {
        /* below */
      }
    }
    await Promise.all([this.ensureMic(), this.camOn ? this.ensureCamera() : null]);
    await this.refreshDevices();
  }

  private useMic(track: MediaStreamTrack): void {
    this.mic = track;
    this.micError = null;
    track.enabled = this.micOn;
    this.micId = track.getSettings().deviceId ?? this.micId;
    this.published("mic");
  }

  private useCamera(track: MediaStreamTrack): void {
    this.camera = track;
    this.camError = null;
    this.camId = track.getSettings().deviceId ?? this.camId;
    this.cameraStream = new MediaStream([track]);
    this.published("camera");
  }

  /**
   * A device that opens after the call started (someone joined before the preview was ready): its
   * track goes on its m-line and the others are told.
   */
  private published(source: Source): void {
    if (this.phase !== "call" || !this.pc) return;
    void this.replaceOn(source).then(() => this.sendMedia());
  }

  private async ensureMic(): Promise<void> {
    if (this.mic && this.mic.readyState === "live") return;
    try {
      this.useMic(await openMic(this.micId));
    } catch (e) {
      this.mic = null;
      this.micError = mediaErrorKind(e);
      this.micOn = false;
    }
    if (this.destroyed) this.stopLocal();
    this.emit();
  }

  private async ensureCamera(): Promise<void> {
    if (this.camera && this.camera.readyState === "live") return;
    try {
      const track = await openCamera(this.camId);
      if (this.destroyed || !this.camOn) {
        track.stop();
        return;
      }
      this.useCamera(track);
    } catch (e) {
      this.camera = null;
      this.cameraStream = null;
      this.camError = mediaErrorKind(e);
      this.camOn = false;
    }
    this.emit();
  }

  async refreshDevices(): Promise<void> {
    try {
      this.devices = await listDevices();
    } catch {
      /* keep the old list */
    }
    this.emit();
  }

  private readonly onDeviceChange = () => void this.refreshDevices();

  /** My camera as a stream for my own tile (null when off). */
  get cameraPreview(): MediaStream | null {
    return this.camera && this.camOn ? this.cameraStream : null;
  }

  get screenPreview(): MediaStream | null {
    return this.screen ? this.screenStream : null;
  }

  async setMic(on: boolean): Promise<void> {
    if (on && !this.mic) {
      this.micOn = true;
      await this.ensureMic();
      if (!this.mic) return;
      await this.replaceOn("mic");
    }
    this.micOn = on && !!this.mic;
    if (this.mic) this.mic.enabled = this.micOn;
    this.sendMedia();
    this.emit();
  }

  async setCamera(on: boolean): Promise<void> {
    if (on) {
      this.camOn = true;
      this.emit();
      await this.ensureCamera();
    } else {
      this.camOn = false;
      this.camera?.stop();
      this.camera = null;
      this.cameraStream = null;
    }
    await this.replaceOn("camera");
    this.sendMedia();
    this.emit();
  }

  /** Switches to another microphone or camera. */
  async chooseDevice(kind: "audioinput" | "videoinput", deviceId: string): Promise<void> {
    if (kind === "audioinput") {
      this.micId = deviceId;
      const old = this.mic;
      this.mic = null;
      old?.stop();
      const wasOn = this.micOn;
      this.micOn = true;
      await this.ensureMic();
      if (this.mic) (this.mic as MediaStreamTrack).enabled = wasOn;
      this.micOn = wasOn && !!this.mic;
      await this.replaceOn("mic");
    } else {
      this.camId = deviceId;
      if (!this.camOn) {
        this.emit();
        return;
      }
      const old = this.camera;
      this.camera = null;
      old?.stop();
      await this.ensureCamera();
      await this.replaceOn("camera");
    }
    this.sendMedia();
    this.emit();
  }

  async startScreen(): Promise<void> {
    if (this.screen) return;
    let track: MediaStreamTrack;
    try {
      track = await openScreen();
    } catch (e) {
      if (mediaErrorKind(e) !== "denied") this.notify("error", "video.notice.screenFailed");
      return;
    }
    if (this.destroyed || this.phase !== "call") {
      track.stop();
      return;
    }
    this.screen = track;
    this.screenStream = new MediaStream([track]);
    // The browser's own "Stop sharing" button ends the track.
    track.addEventListener("ended", () => {
      if (this.screen === track) void this.stopScreen();
    });
    await this.replaceOn("screen");
    this.sendMedia();
    this.emit();
  }

  async stopScreen(): Promise<void> {
    const t = this.screen;
    if (!t) return;
    this.screen = null;
    this.screenStream = null;
    t.stop();
    await this.replaceOn("screen");
    this.sendMedia();
    this.emit();
  }

  private localTrack(source: Source): MediaStreamTrack | null {
    if (source === "mic") return this.mic;
    if (source === "camera") return this.camOn ? this.camera : null;
    return this.screen;
  }

  /** Puts my current track of `source` on the m-line the server gave me to publish it. */
  private async replaceOn(source: Source): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    for (const tr of pc.getTransceivers()) {
      const info = tr.mid ? this.tracks[tr.mid] : undefined;
      if (info && "publish" in info && info.publish === source && !isStopped(tr)) {
        try {
          await tr.sender.replaceTrack(this.localTrack(source));
        } catch {
          /* the next offer puts it on */
        }
      }
    }
  }

  private sendMedia(): void {
    if (this.phase !== "call") return;
    this.send(out.media(this.micOn && !!this.mic, this.camOn && !!this.camera, !!this.screen));
  }

  private stopLocal(): void {
    for (const t of [this.mic, this.camera, this.screen]) t?.stop();
    this.mic = null;
    this.camera = null;
    this.screen = null;
    this.cameraStream = null;
    this.screenStream = null;
  }

  // ------------------------------------------------------------------ joining

  /** Sends `join`; the answer is `joined`, `waiting` or `denied`. */
  join(name: string, password: string): boolean {
    this.name = name.trim();
    this.password = password;
    this.denied = null;
    if (!this.send(out.join(this.name, password || undefined))) return false;
    this.phase = "joining";
    this.emit();
    return true;
  }

  leave(): void {
    if (this.phase === "call" || this.phase === "waiting" || this.phase === "joining") this.send(out.leave());
    this.endCall("left");
  }

  /** Back to the pre-join screen after leaving (the preview opens again). */
  async rejoin(): Promise<void> {
    this.phase = "prejoin";
    this.denied = null;
    // A fresh `room` frame: who is in the call now.
    this.socket.resubscribe();
    this.emit();
    await this.startPreview();
  }

  private endCall(phase: "left" | "ended" | "prejoin"): void {
    this.closePeer();
    if (phase !== "prejoin") this.stopLocal();
    this.phase = phase;
    this.reconnecting = false;
    this.resumeToken = null;
    this.selfId = null;
    this.moderator = false;
    this.hand = false;
    this.joinedAt = null;
    this.knocks.clear();
    this.speaker = null;
    this.visible.clear();
    this.emit();
  }

  private onSubscribed(): void {
    this.subscriptions += 1;
    this.gone = false;
    if (this.subscriptions === 1) return;
    // Back after a network drop: the same participant comes back with the resume token.
    if ((this.phase === "call" || this.phase === "joining") && this.resumeToken) {
      this.send(out.join(this.name, this.password || undefined, this.resumeToken));
    } else if (this.phase === "waiting" || this.phase === "joining") {
      this.send(out.join(this.name, this.password || undefined));
    }
    this.emit();
  }

  // ------------------------------------------------------------------ frames

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "room": {
        this.room = f.room;
        const self = this.selfId ? this.people.get(this.selfId) : undefined;
        this.people.clear();
        for (const p of f.participants) this.people.set(p.id, p);
        if (self && !this.people.has(self.id) && this.phase === "call") this.people.set(self.id, self);
        this.dropGoneStreams();
        break;
      }
      case "joined":
        for (const p of f.participants) this.people.set(p.id, p);
        this.onJoined(f.self, f.resume, f.moderator, f.ice_servers);
        break;
      case "waiting":
        this.phase = "waiting";
        break;
      case "denied":
        this.onDenied(f.reason);
        break;
      case "offer": {
        const q = this.offers;
        if (q) void q.push(() => this.applyOffer(f.sdp, f.tracks));
        return;
      }
      case "candidate":
        this.onRemoteCandidate(f.candidate);
        return;
      case "participant_joined":
      case "participant": {
        const prev = this.people.get(f.participant.id);
        this.people.set(f.participant.id, f.participant);
        if (f.participant.id === this.selfId) this.moderator = f.participant.moderator || this.moderator;
        if (prev && prev.screen && !f.participant.screen) this.remote.delete(tileKey(prev.id, "screen"));
        break;
      }
      case "participant_left":
        this.people.delete(f.id);
        this.dropGoneStreams();
        break;
      case "chat":
        this.onChat(f.from, f.text, f.at, f.private);
        break;
      case "knock":
        this.knocks.set(f.participant.id, f.participant);
        break;
      case "knock_done":
        this.knocks.delete(f.id);
        break;
      case "muted":
        this.micOn = false;
        if (this.mic) this.mic.enabled = false;
        this.sendMedia();
        this.notify("warning", f.by ? "video.notice.mutedBy" : "video.notice.muted", { name: f.by });
        break;
      case "error":
        if (f.code === "media_failed" && this.phase === "call" && this.resumeToken) {
          // My peer connection failed (ICE could not get through): join again with the resume
          // token; the `joined` answer brings a fresh peer connection.
          this.reconnecting = true;
          this.send(out.join(this.name, this.password || undefined, this.resumeToken));
          break;
        }
        // A refused `join` (too many wrong passwords, a bad name): back to the pre-join screen,
        // where the person can try again.
        if (this.phase === "joining") this.phase = "prejoin";
        this.notify("error", "video.notice.refused", { message: f.message || f.code });
        break;
    }
    this.emit();
  }

  private onJoined(self: Participant, resume: string, moderator: boolean, iceServers: IceServer[]): void {
    this.selfId = self.id;
    this.moderator = moderator || self.moderator;
    this.resumeToken = resume || this.resumeToken;
    this.people.set(self.id, self);
    this.phase = "call";
    this.reconnecting = false;
    this.denied = null;
    this.joinedAt ??= Date.now();
    this.newPeer(iceServers);
    this.sendMedia();
    if (this.hand) this.send(out.hand(true));
    this.sentQuality = null;
    // Tiles that were off-screen before a reconnect stay paused.
    for (const [key, vis] of this.visible) {
      if (vis) continue;
      const [pid, source] = key.split(":");
      if (pid && (source === "camera" || source === "screen")) this.send(out.pause(pid, source, true));
    }
    this.startTimers();
  }

  private onDenied(reason: string): void {
    this.denied = reason;
    if (reason === "removed" || reason === "ended") {
      this.endCall("ended");
    } else {
      // password, full, locked, rejected: back to the pre-join screen with the reason.
      this.endCall("prejoin");
    }
  }

  // ------------------------------------------------------------------ peer connection

  private newPeer(iceServers: IceServer[]): void {
    this.closePeer();
    const pc = new RTCPeerConnection({ iceServers: iceServers as RTCIceServer[] });
    this.pc = pc;
    this.tracks = {};
    this.pendingCandidates = [];
    this.offers = new SerialQueue((e) => {
      if (this.pc === pc) this.notify("error", "video.notice.negotiation", { message: e instanceof Error ? e.message : String(e) });
    });
    pc.onicecandidate = (e) => {
      if (this.pc !== pc) return;
      this.send(out.candidate(e.candidate ? e.candidate.toJSON() : null));
    };
    pc.ontrack = (e) => {
      if (this.pc !== pc) return;
      const mid = e.transceiver.mid;
      const info = mid ? this.tracks[mid] : undefined;
      if (info && "participant" in info) {
        this.setRemote(info.participant, info.source, e.transceiver.receiver);
        this.emit();
      }
    };
    pc.onconnectionstatechange = () => this.pc === pc && this.emit();
  }

  private closePeer(): void {
    this.offers?.close();
    this.offers = null;
    this.stopTimers();
    const pc = this.pc;
    this.pc = null;
    if (pc) {
      pc.onicecandidate = null;
      pc.ontrack = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
    this.remote.clear();
    this.receivers.clear();
    this.tracks = {};
    this.pendingCandidates = [];
  }

  /** One offer: remote description, my tracks on the publish m-lines, answer. */
  private async applyOffer(sdp: string, tracks: Record<string, TrackInfo>): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    this.tracks = tracks;
    await pc.setRemoteDescription({ type: "offer", sdp });
    if (this.pc !== pc) return;
    for (const tr of pc.getTransceivers()) {
      const info = tr.mid ? tracks[tr.mid] : undefined;
      if (!info || !("publish" in info) || isStopped(tr)) continue;
      tr.direction = "sendonly";
      await tr.sender.replaceTrack(this.localTrack(info.publish));
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (this.pc !== pc) return;
    this.send(out.answer(pc.localDescription?.sdp ?? answer.sdp ?? ""));
    const waiting = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const c of waiting) await pc.addIceCandidate(c).catch(() => {});
    this.rebuildRemote(pc);
    this.emit();
  }

  private onRemoteCandidate(c: RTCIceCandidateInit | null): void {
    const pc = this.pc;
    if (!pc || !c) return;
    if (!pc.remoteDescription) {
      this.pendingCandidates.push(c);
      return;
    }
    pc.addIceCandidate(c).catch(() => {});
  }

  private setRemote(participant: string, source: Source, receiver: RTCRtpReceiver): void {
    const key = tileKey(participant, source);
    const track = receiver.track;
    const had = this.remote.get(key);
    if (!had || had.getTracks()[0] !== track) this.remote.set(key, new MediaStream([track]));
    this.receivers.set(key, receiver);
  }

  /** After each answer: which m-line carries whose source (mids may be reused for someone else). */
  private rebuildRemote(pc: RTCPeerConnection): void {
    const seen = new Set<string>();
    for (const tr of pc.getTransceivers()) {
      const info = tr.mid ? this.tracks[tr.mid] : undefined;
      if (!info || !("participant" in info) || isStopped(tr)) continue;
      this.setRemote(info.participant, info.source, tr.receiver);
      seen.add(tileKey(info.participant, info.source));
    }
    for (const key of [...this.remote.keys()]) {
      if (!seen.has(key)) {
        this.remote.delete(key);
        this.receivers.delete(key);
      }
    }
  }

  private dropGoneStreams(): void {
    for (const key of [...this.remote.keys()]) {
      const pid = key.slice(0, key.lastIndexOf(":"));
      if (!this.people.has(pid)) {
        this.remote.delete(key);
        this.receivers.delete(key);
      }
    }
  }

  /** A participant's stream of one source, when the server forwards it to me. */
  stream(participant: string, source: Source): MediaStream | null {
    return this.remote.get(tileKey(participant, source)) ?? null;
  }

  // ------------------------------------------------------------------ in the call

  setHand(raised: boolean): void {
    this.hand = raised;
    this.send(out.hand(raised));
    const me = this.selfId ? this.people.get(this.selfId) : undefined;
    if (me) this.people.set(me.id, { ...me, hand: raised });
    this.emit();
  }

  sendChat(text: string, to: Participant | null): boolean {
    const body = text.trim();
    if (!body || !this.selfId) return false;
    if (!this.send(out.chat(body, to?.id ?? null))) return false;
    this.chat = [
      ...this.chat,
      {
        from: { id: this.selfId, name: this.name },
        text: body,
        at: new Date().toISOString(),
        private: !!to,
        to: to ? { id: to.id, name: to.name } : null,
        mine: true,
        pending: true,
      },
    ];
    this.emit();
    return true;
  }

  private onChat(from: { id: string; name: string }, text: string, at: string, priv: boolean): void {
    // My own message coming back: already shown.
    if (from.id === this.selfId) {
      const mine = this.chat.find((l) => l.mine && l.pending && l.text === text);
      if (mine) {
        this.chat = this.chat.map((l) => (l === mine ? { ...l, at, pending: false } : l));
        return;
      }
    }
    this.chat = [...this.chat, { from, text, at, private: priv }];
    if (!this.chatVisible) this.unread += 1;
  }

  markChatRead(): void {
    if (this.unread) {
      this.unread = 0;
      this.emit();
    }
  }

  /** A remote video tile came into view or left it: ask the server to forward it or not. */
  setTileVisible(participant: string, source: "camera" | "screen", visible: boolean): void {
    const key = tileKey(participant, source);
    const before = this.visible.get(key);
    this.visible.set(key, visible);
    if (before === visible || (before === undefined && visible)) return;
    if (this.phase === "call") this.send(out.pause(participant, source, !visible));
  }

  /**
   * A remote video that shows no new frame: ask the server to restart forwarding it (pause, then
   * resume), which asks its sender for a keyframe. At most once every few seconds per video.
   */
  nudge(participant: string, source: "camera" | "screen"): void {
    const key = tileKey(participant, source);
    const now = Date.now();
    if (this.phase !== "call" || this.visible.get(key) === false || now - (this.nudged.get(key) ?? 0) < NUDGE_EVERY_MS) return;
    this.nudged.set(key, now);
    this.send(out.pause(participant, source, true));
    this.send(out.pause(participant, source, false));
  }

  admit(id: string): void {
    this.send(out.admit(id));
  }
  reject(id: string): void {
    this.send(out.reject(id));
  }
  muteOther(id: string): void {
    this.send(out.mute(id));
  }
  remove(id: string): void {
    this.send(out.remove(id));
  }
  lock(locked: boolean): void {
    this.send(out.lock(locked));
  }

  notify(kind: Notice["kind"], key: MessageKey, params?: Params): void {
    const n: Notice = { id: ++this.noticeSeq, kind, key, ...(params ? { params } : {}) };
    this.notices = [...this.notices, n].slice(-4);
    this.emit();
    setTimeout(() => this.dismiss(n.id), kind === "error" ? 9000 : 6000);
  }

  dismiss(id: number): void {
    const next = this.notices.filter((n) => n.id !== id);
    if (next.length !== this.notices.length) {
      this.notices = next;
      this.emit();
    }
  }

  get self(): Participant | null {
    return this.selfId ? (this.people.get(this.selfId) ?? null) : null;
  }

  /** The other people in the call, in the order they came. */
  get others(): Participant[] {
    return [...this.people.values()].filter((p) => p.id !== this.selfId);
  }

  // ------------------------------------------------------------------ measurements

  private startTimers(): void {
    this.stopTimers();
    this.statsTimer = setInterval(() => void this.measureQuality(), STATS_EVERY_MS);
    this.speakerTimer = setInterval(() => void this.measureSpeaker(), SPEAKER_EVERY_MS);
  }

  private stopTimers(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.speakerTimer) clearInterval(this.speakerTimer);
    this.statsTimer = null;
    this.speakerTimer = null;
  }

  /** My connection quality, measured every few seconds and sent when it changes. */
  private async measureQuality(): Promise<void> {
    const pc = this.pc;
    if (!pc || this.phase !== "call") return;
    const level = await readQuality(pc, (this.camOn && !!this.camera) || !!this.screen);
    if (level === null || this.pc !== pc) return;
    const changed = level !== this.quality;
    this.quality = level;
    if (level !== "unknown" && level !== this.sentQuality) {
      if (this.send(out.quality(level))) this.sentQuality = level;
    }
    if (changed) this.emit();
  }

  /** Who speaks: the loudest microphone, with a short hold through the pauses between words. */
  private async measureSpeaker(): Promise<void> {
    const pc = this.pc;
    if (!pc || this.phase !== "call") return;
    const mics: [string, RTCRtpReceiver][] = [];
    for (const [key, receiver] of this.receivers) {
      if (!key.endsWith(":mic")) continue;
      const pid = key.slice(0, -4);
      if (this.people.get(pid)?.audio !== false) mics.push([pid, receiver]);
    }
    const sender = this.mic && this.micOn ? pc.getSenders().find((s) => s.track === this.mic) : undefined;
    const levels = await readLevels(mics, this.selfId && sender ? { id: this.selfId, sender } : null);
    if (this.pc !== pc) return;
    const next = chooseSpeaker(levels, this.speaker);
    const now = Date.now();
    if (next !== null) this.speakerSeen = now;
    // Keep the highlight a moment through the pauses between words.
    const shown = next ?? (now - this.speakerSeen < SPEAKER_HOLD_MS ? this.speaker : null);
    if (shown !== this.speaker) {
      this.speaker = shown;
      this.emit();
    }
  }
}

function isStopped(tr: RTCRtpTransceiver): boolean {
  return (tr as RTCRtpTransceiver & { stopped?: boolean }).stopped === true || tr.currentDirection === "stopped";
}
