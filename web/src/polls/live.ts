// Live updates of a poll: the realtime topic `poll:{id}` tells that something changed; the page
// re-fetches the view (which applies its own visibility rules). Uses the pads' socket client, which
// imports nothing else.
import { useEffect, useRef, useState } from "preact/hooks";
import { type ConnState, TopicSocket } from "../realtime.ts";

export function usePollLive(pollId: string | null, onChanged: () => void, onDeleted: () => void): ConnState | null {
  const [state, setState] = useState<ConnState | null>(null);
  const changed = useRef(onChanged);
  const deleted = useRef(onDeleted);
  changed.current = onChanged;
  deleted.current = onDeleted;
  useEffect(() => {
    if (!pollId) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let subscriptions = 0;
    // Several events in a burst (a vote, then its notification…) make one re-fetch.
    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        changed.current();
      }, 100);
    };
    const socket = new TopicSocket(`poll:${pollId}`, {
      onSubscribed: () => {
        subscriptions += 1;
        // After a reconnect, catch up with what happened while away.
        if (subscriptions > 1) schedule();
      },
      onEvent: (data) => {
        if (data.type === "changed") schedule();
        else if (data.type === "deleted") deleted.current();
      },
      onPresence: () => {},
      onFrameError: () => {},
      onState: setState,
      onClosed: () => {},
    });
    socket.start();
    return () => {
      if (timer) clearTimeout(timer);
      socket.stop();
      setState(null);
    };
  }, [pollId]);
  return state;
}
