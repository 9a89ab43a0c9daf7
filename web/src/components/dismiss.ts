// A menu or panel that closes as people expect: Escape (focus back on what opened it) or a press
// anywhere outside it.
import { useEffect } from "preact/hooks";

/** While `open`: Escape calls `close` then `onEscape`; a pointer press outside `inside` calls `close`. */
export function useDismiss(open: boolean, close: () => void, inside: (target: Node) => boolean, onEscape?: () => void) {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      close();
      onEscape?.();
    };
    const onDown = (e: PointerEvent) => {
      if (!inside(e.target as Node)) close();
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("pointerdown", onDown);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("pointerdown", onDown);
    };
  }, [open]);
}
