// The realtime event stream of `chat:{me}` without gap or duplicate (docs/chat-api.md, Realtime).
// Pure: the caller feeds it socket happenings and performs what it answers.
//
// - First subscription (no event applied yet): the caller (re)loads channels and posts over HTTP
//   while live events are buffered; `loaded()` then gives the buffer in id order (the appliers are
//   idempotent, so an event already in the snapshot does no harm).
// - Re-subscription: `catch_up` after the last applied id; live events are buffered with the
//   catch-up batches until `caught_up`, then applied in id order, skipping ids already applied.
// - `resync` (the id is too old): reload, as on the first subscription.
// Events without an id (typing, presence) are not stored on the server: applied at once.

export interface ChatEvent {
  id?: number;
  type: string;
  [key: string]: unknown;
}

export type SyncPhase = "offline" | "loading" | "catching_up" | "live";

export type SyncOutput =
  /** Publish this on the topic. */
  | { kind: "send"; data: Record<string, unknown> }
  /** Apply these events, in this order. */
  | { kind: "apply"; events: ChatEvent[] }
  /** Reload channels and posts over HTTP, then call `loaded()`. */
  | { kind: "reload" };

/** How many applied ids are remembered to recognise duplicates (ids below the window are old). */
const WINDOW = 2000;

export class ChatSync {
  phase: SyncPhase = "offline";
  /** The highest event id applied, or null before the first one. */
  lastId: number | null = null;
  private buffer: ChatEvent[] = [];
  private applied = new Set<number>();
  private order: number[] = [];

  /** The socket (re)subscribed to `chat:{me}`. */
  subscribed(): SyncOutput[] {
    this.buffer = [];
    if (this.lastId === null) {
      this.phase = "loading";
      return [{ kind: "reload" }];
    }
    this.phase = "catching_up";
    return [{ kind: "send", data: { type: "catch_up", after: this.lastId } }];
  }

  /** The connection was lost: what was buffered is dropped (the catch-up will bring it again). */
  closed(): void {
    this.phase = "offline";
    this.buffer = [];
  }

  /** The HTTP reload asked by `subscribed()` or `resync` is done. */
  loaded(): SyncOutput[] {
    if (this.phase !== "loading") return [];
    const events = this.take(this.buffer, true);
    this.buffer = [];
    this.phase = "live";
    return events.length ? [{ kind: "apply", events }] : [];
  }

  /** An `event` frame's data. */
  receive(data: ChatEvent): SyncOutput[] {
    switch (data.type) {
      case "events": {
        const list = Array.isArray(data.events) ? (data.events as ChatEvent[]).filter(isEvent) : [];
        if (this.phase === "catching_up" || this.phase === "loading") {
          this.buffer.push(...list);
          return [];
        }
        const events = this.take(list, false);
        return events.length ? [{ kind: "apply", events }] : [];
      }
      case "caught_up": {
        if (this.phase !== "catching_up") return [];
        const events = this.take(this.buffer, false);
        this.buffer = [];
        this.phase = "live";
        const last = typeof data.last === "number" ? data.last : null;
        if (last !== null && (this.lastId === null || last > this.lastId)) this.lastId = last;
        return events.length ? [{ kind: "apply", events }] : [];
      }
      case "resync":
        this.buffer = [];
        this.phase = "loading";
        return [{ kind: "reload" }];
      default: {
        if (!isEvent(data)) return [];
        if (typeof data.id !== "number") return [{ kind: "apply", events: [data] }];
        if (this.phase === "catching_up" || this.phase === "loading") {
          this.buffer.push(data);
          return [];
        }
        const events = this.take([data], false);
        return events.length ? [{ kind: "apply", events }] : [];
      }
    }
  }

  /** Whether the event id was applied already. */
  seen(id: number): boolean {
    return this.applied.has(id) || (this.order.length >= WINDOW && id < (this.order[0] ?? 0));
  }

  /** Sorts by id, drops duplicates (and, unless `all`, ids already applied), marks them applied. */
  private take(list: ChatEvent[], all: boolean): ChatEvent[] {
    const withId = list.filter((e) => typeof e.id === "number").sort((a, b) => (a.id as number) - (b.id as number));
    const out: ChatEvent[] = list.filter((e) => typeof e.id !== "number");
    const batch = new Set<number>();
    for (const e of withId) {
      const id = e.id as number;
      if (batch.has(id)) continue;
      batch.add(id);
      if (!all && this.seen(id)) continue;
      out.push(e);
      this.mark(id);
    }
    return out;
  }

  private mark(id: number): void {
    if (!this.applied.has(id)) {
      this.applied.add(id);
      this.order.push(id);
      this.order.sort((a, b) => a - b);
      while (this.order.length > WINDOW) {
        const old = this.order.shift();
        if (old !== undefined) this.applied.delete(old);
      }
    }
    if (this.lastId === null || id > this.lastId) this.lastId = id;
  }
}

function isEvent(v: unknown): v is ChatEvent {
  return !!v && typeof v === "object" && typeof (v as { type?: unknown }).type === "string";
}
