// One WebSocket to /api/v1/ws following one topic, reconnecting with exponential backoff (capped
// at 5 s). Frames: crates/realtime/src/protocol.rs.

export type ConnState = "connecting" | "connected" | "reconnecting" | "offline";

export interface Peer {
  conn: number;
  id: string;
  display_name: string;
  avatar_color: string;
  guest: boolean;
}

export interface SocketHandlers {
  /** Subscribed to the topic (again, after a reconnect); `members` are the people there now. */
  onSubscribed(members: Peer[]): void;
  onEvent(data: Record<string, unknown>, from: Peer | null): void;
  onPresence(joined: Peer | null, left: Peer | null): void;
  /** A frame-level error (`{"type":"error"}` outside an event), e.g. a refused subscription. */
  onFrameError(code: string, message: string): void;
  onState(state: ConnState): void;
  onClosed(): void;
}

/** Dispatched on `window` when the server closed a socket because the session that opened it
 * ended (4001) or the account was disabled (4003): the app shell forgets the session. */
export const SESSION_ENDED_EVENT = "nichoir:session-ended";

/** Close codes of crates/realtime/src/hub.rs (`close`): access ended, do not reconnect. */
const ENDED: Record<number, string> = { 4001: "session_ended", 4003: "account_disabled" };
/** The account's rights changed: reconnect at once to get the new ones. */
const RIGHTS_CHANGED = 4002;

/** Delay before reconnect attempt `n` (0-based): 0.5 s, 1 s, 2 s, 4 s, then 5 s. */
export function backoffDelay(attempt: number): number {
  return Math.min(5000, 500 * 2 ** Math.max(0, attempt));
}

export class TopicSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private subscribed = false;
  state: ConnState = "connecting";

  constructor(
    private readonly topic: string,
    private readonly handlers: SocketHandlers,
  ) {}

  start(): void {
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, "bye");
    }
  }

  /** Drops the connection and reconnects now (e.g. after a rename, so others see the new name). */
  reconnect(): void {
    if (this.stopped) return;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000, "reconnect");
    }
    this.lost();
    this.attempt = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.open();
  }

  /** Unsubscribes and subscribes again: the server sends a fresh state. */
  resubscribe(): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.subscribed = false;
    this.ws.send(JSON.stringify({ type: "unsubscribe", topic: this.topic }));
    this.ws.send(subscribeFrame(this.topic));
  }

  /** Publishes `data` on the topic; false when not connected. */
  publish(data: unknown): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.subscribed) return false;
    this.ws.send(JSON.stringify({ type: "publish", topic: this.topic, data }));
    return true;
  }

  get isSubscribed(): boolean {
    return this.subscribed;
  }

  private setState(s: ConnState): void {
    if (this.state === s) return;
    this.state = s;
    this.handlers.onState(s);
  }

  private readonly onOnline = () => {
    if (this.stopped || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    this.open();
  };

  private readonly onOffline = () => {
    if (!this.subscribed) this.setState("offline");
  };

  private open(): void {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      // No attempt while the browser knows it is offline: the "online" event reconnects. A slow
      // check covers browsers whose onLine flag is not reliable.
      this.setState("offline");
      this.schedule();
      return;
    }
    // The first connection takes over a socket the page opened before its code ran, if any.
    const early = this.attempt === 0 ? takeEarly(this.topic) : null;
    let ws: WebSocket;
    try {
      ws = early?.ws ?? new WebSocket(socketUrl(this.topic));
    } catch {
      this.schedule();
      return;
    }
    this.ws = ws;
    // An early socket already open has sent its subscription; one still connecting sends it here.
    ws.onopen = () => ws.send(subscribeFrame(this.topic));
    ws.onmessage = (e) => this.receive(ws, String(e.data));
    if (early?.frames.length) {
      // After the caller's constructor, as frames from the network would come.
      const frames = early.frames;
      queueMicrotask(() => {
        for (const data of frames) this.receive(ws, data);
      });
    }
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.lost();
      const ended = ENDED[e.code];
      if (ended) {
        // Reconnecting would only be refused (or come back under another identity).
        this.stop();
        this.setState("offline");
        this.handlers.onFrameError(ended, e.reason);
        window.dispatchEvent(new CustomEvent(SESSION_ENDED_EVENT, { detail: ended }));
        return;
      }
      if (e.code === RIGHTS_CHANGED) this.attempt = 0;
      this.schedule();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private receive(ws: WebSocket, data: string): void {
    if (this.ws !== ws) return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    for (const frame of Array.isArray(msg) ? msg : [msg]) {
      // A frame may close or replace the socket (an access error): the rest is not for us.
      if (this.ws !== ws) return;
      if (frame && typeof frame === "object") this.onFrame(frame as Record<string, unknown>);
    }
  }

  private lost(): void {
    const was = this.subscribed;
    this.subscribed = false;
    if (was) this.handlers.onClosed();
    this.setState(navigator.onLine === false ? "offline" : "reconnecting");
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const delay = backoffDelay(this.attempt++);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }

  private onFrame(msg: Record<string, unknown>): void {
    switch (msg.type) {
      case "subscribed":
        if (msg.topic !== this.topic) return;
        this.subscribed = true;
        this.attempt = 0;
        this.setState("connected");
        this.handlers.onSubscribed(Array.isArray(msg.members) ? (msg.members as Peer[]) : []);
        return;
      case "event":
        if (msg.topic !== this.topic || !msg.data || typeof msg.data !== "object") return;
        this.handlers.onEvent(msg.data as Record<string, unknown>, (msg.from as Peer | null) ?? null);
        return;
      case "presence":
        if (msg.topic !== this.topic) return;
        this.handlers.onPresence((msg.joined as Peer | undefined) ?? null, (msg.left as Peer | undefined) ?? null);
        return;
      case "unsubscribed":
        // Sent unasked when who may follow the topic changed (a password was set): `reason`
        // is the refusal's code, handled as a refused subscription.
        if (msg.topic !== this.topic || typeof msg.reason !== "string") return;
        this.subscribed = false;
        this.handlers.onFrameError(msg.reason, "");
        return;
      case "error":
        this.handlers.onFrameError(String(msg.code ?? "internal"), String(msg.message ?? ""));
        return;
      default:
        return;
    }
  }
}

/** A socket opened and subscribed before the page that follows its topic exists (`openEarly`). */
interface EarlySocket {
  ws: WebSocket;
  /** What came before the page took it over, in order. */
  frames: string[];
  timer: ReturnType<typeof setTimeout>;
}

const early = new Map<string, EarlySocket>();

/** How long an early socket waits for its page before it is closed. */
const EARLY_WAIT_MS = 15_000;

/**
 * Opens and subscribes the socket of `topic` now, for the TopicSocket its page makes once its code
 * is loaded: on a pad opened from a link, the pad's state travels while the editor's code arrives.
 */
export function openEarly(topic: string): void {
  if (early.has(topic) || navigator.onLine === false || typeof WebSocket === "undefined") return;
  let ws: WebSocket;
  try {
    ws = new WebSocket(socketUrl(topic));
  } catch {
    return;
  }
  const entry: EarlySocket = { ws, frames: [], timer: setTimeout(() => dropEarly(topic), EARLY_WAIT_MS) };
  ws.onopen = () => ws.send(subscribeFrame(topic));
  ws.onmessage = (e) => entry.frames.push(String(e.data));
  ws.onclose = () => {
    if (early.get(topic) === entry) detachEarly(topic);
  };
  early.set(topic, entry);
}

/** Closes the early socket of `topic`, if one waits (its page will not take it). */
export function dropEarly(topic: string): void {
  const entry = detachEarly(topic);
  if (!entry) return;
  const ws = entry.ws;
  ws.onmessage = null;
  if (ws.readyState === WebSocket.CONNECTING) {
    // Chromium logs a socket closed before it opened as an error: close it once open.
    ws.onopen = () => ws.close(1000, "bye");
    ws.onerror = () => undefined;
  } else {
    ws.close(1000, "bye");
  }
}

function takeEarly(topic: string): EarlySocket | null {
  const entry = detachEarly(topic);
  // A socket that is closing is not worth taking: a new one is opened.
  return entry && entry.ws.readyState <= WebSocket.OPEN ? entry : null;
}

/** Takes the early socket of `topic` out of the waiting list, its timer and close handler gone. */
function detachEarly(topic: string): EarlySocket | null {
  const entry = early.get(topic);
  if (!entry) return null;
  early.delete(topic);
  clearTimeout(entry.timer);
  entry.ws.onclose = null;
  return entry;
}

function subscribeFrame(topic: string): string {
  return JSON.stringify({ type: "subscribe", topic });
}

function socketUrl(topic: string): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${socketPath(topic)}`;
}

/**
 * The routing hint of a topic whose work one node of a cluster does (a pad's edits, a call's
 * media): `?room=<topic>`, by which the proxy in front of the nodes sends the socket to the
 * same node for everyone in the room (deploy/haproxy-cluster.cfg). A wrong hint only costs a
 * forward between nodes. Other topics need none.
 */
export function roomHint(topic: string): string {
  return /^(pad|padro|video):/.test(topic) ? `?room=${encodeURIComponent(topic)}` : "";
}

/**
 * The socket's path for `topic`: `batch=true` (frames that piled up on the server come as one
 * JSON array: a busy channel costs a few messages a second, not hundreds) and the room hint.
 */
export function socketPath(topic: string): string {
  const hint = roomHint(topic);
  return `/api/v1/ws?batch=true${hint ? `&${hint.slice(1)}` : ""}`;
}
