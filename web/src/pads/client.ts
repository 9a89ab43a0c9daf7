// The client side of the pad protocol (crates/pad/src/topics.rs): an ot.js-style state machine
// (Synchronized / AwaitingConfirm / AwaitingWithBuffer) with at most one op in flight, plus the
// reconnect dance (state → sync → ops → synced → resend). The server sends each stored batch of
// edits as one list (`ops`, or `ack` with `ops` to an author): our own edit in the list is its
// acknowledgement. Pure: no DOM, no socket; the page gives it a `send` and an `applyRemote`, and
// feeds it the server's events. Unit-tested in test/pads.test.ts.
import { compose, isNoop, transform, type Op } from "./ot.ts";
import type { PadClientFrame } from "../generated/pads/PadClientFrame.ts";
import type { PadEvent } from "../generated/pads/PadEvent.ts";
import type { WireRev } from "../generated/pads/WireRev.ts";

/** What the client publishes on the pad topic (its edits and catch-up requests). */
export type OutMessage = Extract<PadClientFrame, { type: "op" | "sync" }>;

/** The parts of the `state` event the client needs (the page reads the rest). */
export type StateEvent = Pick<Extract<PadEvent, { type: "state" }>, "rev" | "text">;

/**
 * A remote revision (a `WireRev` of `ops` or `ack`) as the client reads it: its author, client
 * and seq may be missing.
 */
export type OpEvent = Pick<WireRev, "rev"> & { op: Op } & { [K in "author" | "client_id" | "seq"]?: WireRev[K] | null };

export interface ClientIO {
  send(msg: OutMessage): void;
  /** Applies `op` (already transformed against what is pending here) to the local document. */
  applyRemote(op: Op, author: string | null, rev: number): void;
  /** Replaces the document: a fresh `state` arrived and nothing local is pending. */
  reset(state: StateEvent): void;
}

export type Phase = "synchronized" | "awaitingConfirm" | "awaitingWithBuffer";

/** What the page should do about an error event. */
export type ErrorAction = "none" | "retry" | "resubscribe";

interface Inflight {
  op: Op;
  seq: number;
}

/** A random client id (one per page load). */
export function newClientId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return "c" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * How long an edit may wait for its acknowledgement before the client asks for a sync: past the
 * server's own patience with a silent pad owner (about 6 s before it answers `unavailable`).
 */
export const STALLED_AFTER_MS = 10_000;

export class PadClient {
  readonly clientId: string;
  /** The last server revision this document includes. */
  rev = 0;
  /** Sequence number of the last op given a number (increasing, never reused). */
  seq = 0;
  inflight: Inflight | null = null;
  buffer: Op | null = null;
  /** Subscribed and the connection is up. */
  online = false;
  /** A `state` was received since the last (re)subscription. */
  ready = false;
  /** A `sync` was sent; ops follow until `synced`. */
  syncing = false;
  /** At least one `state` was ever received (the document is known). */
  loaded = false;
  /** Inside `onOps`: an op to send waits for the end of the list (it is then on the latest revision). */
  private holding = false;
  private sendAfterHold = false;
  /** When the edit in flight, or a sync, was last sent (`checkStalled`). */
  private lastAsked = 0;

  constructor(
    private readonly io: ClientIO,
    clientId: string = newClientId(),
    private readonly now: () => number = Date.now,
  ) {
    this.clientId = clientId;
  }

  get phase(): Phase {
    if (!this.inflight) return "synchronized";
    return this.buffer ? "awaitingWithBuffer" : "awaitingConfirm";
  }

  /** Local ops not yet acknowledged (in flight first). */
  get pending(): Op[] {
    const out: Op[] = [];
    if (this.inflight) out.push(this.inflight.op);
    if (this.buffer) out.push(this.buffer);
    return out;
  }

  get hasPending(): boolean {
    return this.inflight !== null;
  }

  private get canSend(): boolean {
    return this.online && this.ready && !this.syncing;
  }

  private sendInflight(): void {
    if (this.holding) {
      this.sendAfterHold = true;
      return;
    }
    if (this.inflight && this.canSend) {
      this.io.send({ type: "op", client_id: this.clientId, seq: this.inflight.seq, rev: this.rev, op: this.inflight.op });
      this.lastAsked = this.now();
    }
  }

  private askSync(): void {
    this.syncing = true;
    this.lastAsked = this.now();
    this.io.send({ type: "sync", rev: this.rev });
  }

  /**
   * Called now and then by the page. Between the nodes of a cluster frames are at most once: an
   * edit's acknowledgement and the revision that carries it can both be lost, and no later
   * revision may come to show the gap. An edit unanswered for `after` ms asks for a sync, which
   * brings the missing revisions (ours among them: the ack) and resends what is still in flight
   * (the server applies an edit once). Returns whether it asked.
   */
  checkStalled(after = STALLED_AFTER_MS): boolean {
    // A sync whose answer was lost counts as stalled too: `syncing` would never end.
    if (!this.inflight || !this.online || !this.ready || this.holding) return false;
    if (this.now() - this.lastAsked < after) return false;
    this.askSync();
    return true;
  }

  /** The socket (re)subscribed: wait for `state`. */
  connected(): void {
    this.online = true;
    this.ready = false;
    this.syncing = false;
  }

  /** The socket closed: local edits keep buffering. */
  disconnected(): void {
    this.online = false;
    this.ready = false;
    this.syncing = false;
  }

  /** A local edit, already applied to the local document. */
  applyLocal(op: Op): void {
    if (isNoop(op)) return;
    if (!this.inflight) {
      this.inflight = { op, seq: ++this.seq };
      this.sendInflight();
    } else if (!this.buffer) {
      this.buffer = op;
    } else {
      this.buffer = compose(this.buffer, op);
    }
  }

  /** `state`: the whole pad (on every subscription). */
  onState(state: StateEvent): void {
    if (!this.online) return;
    this.ready = true;
    if (!this.loaded || !this.inflight) {
      // Nothing pending: take the server's text as is.
      this.loaded = true;
      this.rev = state.rev;
      this.buffer = null;
      this.inflight = null;
      this.io.reset(state);
      return;
    }
    // Edits are pending: catch up with every revision since the last one seen, then resend.
    this.askSync();
  }

  /** `synced`: every revision up to `rev` was sent; resend what is in flight (deduplicated by the server). */
  onSynced(): void {
    if (!this.syncing) return;
    this.syncing = false;
    this.sendInflight();
  }

  private advance(rev: number): void {
    this.rev = Math.max(this.rev, rev);
    if (this.buffer) {
      this.inflight = { op: this.buffer, seq: ++this.seq };
      this.buffer = null;
      this.sendInflight();
    } else {
      this.inflight = null;
    }
  }

  /** `ack`: the op in flight is revision `rev`. */
  onAck(ev: { rev: number; client_id?: string | null; seq?: number | null }): void {
    if (!this.ready || !this.inflight) return;
    if (ev.client_id !== this.clientId || ev.seq !== this.inflight.seq) return;
    this.advance(ev.rev);
  }

  /**
   * `op`: a revision by someone else (or ours, seen again after a sync: then it is the ack).
   * Returns false when a revision is missing (the caller should not see this in practice: the
   * client asks for a sync itself).
   */
  onOp(ev: OpEvent): boolean {
    if (!this.ready || !this.loaded) return true;
    if (ev.rev <= this.rev) return true;
    if (ev.rev !== this.rev + 1) {
      // A gap: ask for what is missing (the ops come again, in order).
      if (!this.syncing && this.online) {
        this.askSync();
      }
      return false;
    }
    if (ev.client_id === this.clientId && this.inflight && ev.seq === this.inflight.seq) {
      this.advance(ev.rev);
      return true;
    }
    let remote = ev.op;
    if (this.inflight) {
      const [r1, inflight] = transform(remote, this.inflight.op);
      this.inflight = { op: inflight, seq: this.inflight.seq };
      remote = r1;
      if (this.buffer) {
        const [r2, buffer] = transform(remote, this.buffer);
        this.buffer = buffer;
        remote = r2;
      }
    }
    this.rev = ev.rev;
    this.io.applyRemote(remote, ev.author ?? null, ev.rev);
    return true;
  }

  /**
   * A list of revisions in order (a stored batch, or part of a `sync` answer); our own edit in
   * it is its acknowledgement. The next edit is sent once, after the list, on its last revision
   * (the server then has fewer revisions to transform it against). What `onOp` throws is
   * rethrown, and nothing is sent then (the caller starts over).
   */
  onOps(events: OpEvent[]): void {
    this.holding = true;
    this.sendAfterHold = false;
    try {
      for (const ev of events) this.onOp(ev);
    } catch (e) {
      this.holding = false;
      this.sendAfterHold = false;
      throw e;
    }
    this.holding = false;
    if (this.sendAfterHold) {
      this.sendAfterHold = false;
      this.sendInflight();
    }
  }

  /** An `error` event; says what to do when it refused our edit in flight. */
  onError(ev: { code?: string; client_id?: string | null; seq?: number | null }): ErrorAction {
    if (!this.inflight || ev.client_id !== this.clientId || ev.seq !== this.inflight.seq) return "none";
    // The pad is unchanged: a rate-limited edit can be sent again, and so can one refused while
    // the server could not store it (its database, or in a cluster the pad's node, was
    // unreachable: an edit is applied once however often it is sent). Anything else was refused
    // for good, and the local text has diverged: drop what is pending and reload the pad.
    if (ev.code === "rate_limited" || ev.code === "unavailable") return "retry";
    return "resubscribe";
  }

  /** Sends the op in flight again (after a rate limit). */
  retry(): void {
    this.sendInflight();
  }

  /** Forgets pending edits; the next `state` replaces the document. */
  discardPending(): void {
    this.inflight = null;
    this.buffer = null;
    this.ready = false;
    this.syncing = false;
  }
}
