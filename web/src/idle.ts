// Whether the person at this page is idle: no key, pointer, touch or scroll for five minutes
// (as Mattermost's "away"). Every page's sockets to the person's own topics say so to the
// server, which calls someone away only when all their pages are idle, in every tool.
import type { BellClientFrame } from "./generated/notify/BellClientFrame.ts";

export const IDLE_AFTER_MS = 5 * 60_000;

/** The rule, without the DOM: activity resets the clock; idle once it is old enough. */
export class Idleness {
  private last: number;
  private idle = false;

  constructor(
    now: number,
    private readonly after = IDLE_AFTER_MS,
  ) {
    this.last = now;
  }

  /** Input happened: returns true when this ends an idle spell. */
  activity(now: number): boolean {
    this.last = now;
    if (!this.idle) return false;
    this.idle = false;
    return true;
  }

  /** Time passed: returns true when this starts an idle spell. */
  tick(now: number): boolean {
    if (this.idle || now - this.last < this.after) return false;
    this.idle = true;
    return true;
  }

  get isIdle(): boolean {
    return this.idle;
  }

  /** When the next `tick` may change something. */
  dueAt(): number {
    return this.last + this.after;
  }
}

type Listener = (idle: boolean) => void;

const listeners = new Set<Listener>();
let state: Idleness | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;

function tell(idle: boolean) {
  for (const l of listeners) l(idle);
}

function schedule() {
  if (timer) clearTimeout(timer);
  timer = null;
  if (!state || state.isIdle) return;
  timer = setTimeout(
    () => {
      if (state?.tick(Date.now())) tell(true);
      else schedule();
    },
    Math.max(1000, state.dueAt() - Date.now()),
  );
}

let lastSeen = 0;
function onInput() {
  if (!state) return;
  const now = Date.now();
  // Pointer moves come by the hundred: a second's precision is plenty.
  if (now - lastSeen < 1000 && !state.isIdle) return;
  lastSeen = now;
  if (state.activity(now)) tell(false);
  schedule();
}

const EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart", "scroll"] as const;

function onVisible() {
  if (document.visibilityState === "visible") onInput();
}

/** Calls `listener` with each change of idleness; returns the unsubscription. */
export function watchIdle(listener: Listener): () => void {
  listeners.add(listener);
  if (!state) {
    state = new Idleness(Date.now());
    for (const e of EVENTS) window.addEventListener(e, onInput, { passive: true, capture: true });
    document.addEventListener("visibilitychange", onVisible);
    schedule();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0 || !state) return;
    for (const e of EVENTS) window.removeEventListener(e, onInput, { capture: true });
    document.removeEventListener("visibilitychange", onVisible);
    if (timer) clearTimeout(timer);
    state = timer = null;
  };
}

/** Whether this page is idle now. */
export function isIdle(): boolean {
  return state?.isIdle ?? false;
}

/** The frame a page sends on its person's own topics. */
export function statusFrame(idle: boolean): BellClientFrame {
  return { type: "status", status: idle ? "away" : "online" };
}

/**
 * Reports this page's idleness through `publish` (a socket on one of the person's own topics):
 * each change, and `resend` on each (re)subscription, since a new connection starts active on
 * the server. `stop` ends the reporting.
 */
export function reportIdleness(publish: (frame: ReturnType<typeof statusFrame>) => unknown): { resend: () => void; stop: () => void } {
  return {
    resend: () => {
      if (isIdle()) publish(statusFrame(true));
    },
    stop: watchIdle((idle) => publish(statusFrame(idle))),
  };
}
