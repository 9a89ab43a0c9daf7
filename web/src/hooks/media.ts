// One CSS media query followed from a component: the layouts that change in script, not only in
// CSS (the chat's phone drawer, the compact poll grid, the wiki's narrow history, the video grid
// on an upright phone).
import { useEffect, useState } from "preact/hooks";

/** True while the media query matches; false where matchMedia is missing (tests under Node). */
export function useMediaQuery(query: string): boolean {
  const [match, setMatch] = useState(() => typeof matchMedia === "function" && matchMedia(query).matches);
  useEffect(() => {
    if (typeof matchMedia !== "function") return;
    const mq = matchMedia(query);
    const on = () => setMatch(mq.matches);
    on();
    mq.addEventListener("change", on);
    return () => mq.removeEventListener("change", on);
  }, [query]);
  return match;
}
