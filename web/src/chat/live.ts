// The chat's client store (the pure reducer of state.ts behind a ref) and its realtime link: the
// topic `chat:{me}` through the pads' socket client, with the catch-up state machine of sync.ts.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { reportIdleness } from "../idle.ts";
import { type ConnState, TopicSocket } from "../realtime.ts";
import { type Action, type ChatState, initialState, reduce } from "./state.ts";
import { type ChatEvent, ChatSync, type SyncOutput } from "./sync.ts";

export interface ChatStore {
  readonly state: ChatState;
  dispatch(action: Action): void;
}

/** The store: `state` always current (also inside callbacks), a re-render on every change. */
export function useChatStore(meId: string, username: string): ChatStore {
  const ref = useRef<ChatState>(initialState(meId));
  const [, setTick] = useState(0);
  return useMemo<ChatStore>(
    () => ({
      get state() {
        return ref.current;
      },
      dispatch(action: Action) {
        const next = reduce(ref.current, action, username);
        if (next !== ref.current) {
          ref.current = next;
          setTick((n) => n + 1);
        }
      },
    }),
    [username],
  );
}

export interface LiveHandlers {
  /** Reload teams, channels and the open channel's posts over HTTP. */
  reload(): Promise<void>;
  /** Apply events (in order). */
  apply(events: ChatEvent[]): void;
}

export interface ChatLive {
  state: ConnState | null;
  /** Publishes on `chat:{me}`; false when not connected. */
  publish(data: Record<string, unknown>): boolean;
}

export function useChatLive(meId: string, handlers: LiveHandlers): ChatLive {
  const [state, setState] = useState<ConnState | null>(null);
  const h = useRef(handlers);
  h.current = handlers;
  const socketRef = useRef<TopicSocket | null>(null);

  useEffect(() => {
    const sync = new ChatSync();
    let alive = true;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const run = (outs: SyncOutput[]) => {
      for (const o of outs) {
        if (o.kind === "send") socket.publish(o.data);
        else if (o.kind === "apply") h.current.apply(o.events);
        else reload();
      }
    };
    const reload = () => {
      h.current.reload().then(
        () => alive && run(sync.loaded()),
        () => {
          // Try again a little later (the server may be restarting).
          if (!alive) return;
          if (retry) clearTimeout(retry);
          retry = setTimeout(() => {
            retry = null;
            if (alive && sync.phase === "loading") reload();
          }, 3000);
        },
      );
    };
    const idleness = reportIdleness((frame) => socket.publish(frame));
    const socket = new TopicSocket(`chat:${meId}`, {
      onSubscribed: () => {
        idleness.resend();
        run(sync.subscribed());
      },
      onEvent: (data) => run(sync.receive(data as ChatEvent)),
      onPresence: () => {},
      onFrameError: () => {},
      onState: setState,
      onClosed: () => sync.closed(),
    });
    socketRef.current = socket;
    socket.start();
    return () => {
      alive = false;
      if (retry) clearTimeout(retry);
      idleness.stop();
      socket.stop();
      socketRef.current = null;
      setState(null);
    };
  }, [meId]);

  return useMemo(
    () => ({
      state,
      publish: (data: Record<string, unknown>) => socketRef.current?.publish(data) ?? false,
    }),
    [state],
  );
}

/** True while the page is visible. */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => typeof document === "undefined" || document.visibilityState !== "hidden");
  useEffect(() => {
    const on = () => setVisible(document.visibilityState !== "hidden");
    document.addEventListener("visibilitychange", on);
    return () => document.removeEventListener("visibilitychange", on);
  }, []);
  return visible;
}
