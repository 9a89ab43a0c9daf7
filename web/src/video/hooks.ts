// Preact glue: redraw when the call changes, attach a MediaStream to a <video>/<audio>.
import { useEffect, useReducer, useRef } from "preact/hooks";
import type { VideoCall } from "./call.ts";

/** Redraws the component whenever `call` reports a change. */
export function useCall(call: VideoCall | null): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => (call ? call.subscribe(() => bump(1)) : undefined), [call]);
}

/** A ref for a media element that plays `stream` (and stops showing it when it goes). */
export function useMediaStream<E extends HTMLMediaElement>(stream: MediaStream | null) {
  const ref = useRef<E>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (stream) el.play().catch(() => {});
  }, [stream]);
  return ref;
}
