// The tiles of the call: a grid sized to the number of people, or, while someone shares a screen,
// the screen large on a stage with the people in a strip beside it (below it on a phone).
import { useEffect, useRef, useState } from "preact/hooks";
import { cx } from "../components/ui.tsx";
import { useMediaQuery } from "../hooks/media.ts";
import type { VideoCall } from "./call.ts";
import { fitTiles, gridLayout } from "./layout.ts";
import { Tile } from "./tiles.tsx";
import type { Participant } from "./types.ts";

/** The content size of an element, followed as it changes. */
function useSize<E extends HTMLElement>(key: unknown) {
  const ref = useRef<E>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver !== "function") return;
    const ro = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [key]);
  return [ref, size] as const;
}

const GAP = 8;

interface TileSpec {
  p: Participant;
  source: "camera" | "screen";
  isSelf: boolean;
}

export function CallGrid({ call }: { call: VideoCall }) {
  // A screen taller than wide (a phone held upright).
  const portrait = useMediaQuery("(max-aspect-ratio: 1/1)");
  const self = call.self;
  const others = call.others;
  const people: TileSpec[] = others.map((p) => ({ p, source: "camera" as const, isSelf: false }));
  if (self) people.push({ p: self, source: "camera", isSelf: true });
  const screens: TileSpec[] = others.filter((p) => p.screen && call.stream(p.id, "screen")).map((p) => ({ p, source: "screen" as const, isSelf: false }));
  if (self && call.screen) screens.push({ p: self, source: "screen", isSelf: true });
  const [gridRef, size] = useSize<HTMLDivElement>(screens.length > 0);
  const speaking = (p: Participant) => call.speaker === p.id && people.length > 1;
  const key = (s: TileSpec) => `${s.p.id}:${s.source}`;

  if (screens.length) {
    // A remote screen goes first on the stage; my own screen only when nobody else shares.
    const [main, ...rest] = [...screens].sort((a, b) => Number(a.isSelf) - Number(b.isSelf));
    const strip = [...rest, ...people];
    return (
      <div class={cx("video-stage-layout", portrait && "is-portrait")} data-layout="stage">
        <div class="video-stage">{main && <Tile key={key(main)} call={call} p={main.p} source={main.source} isSelf={main.isSelf} speaking={false} stage />}</div>
        <div class="video-strip" role="list">
          {strip.map((s) => (
            <div role="listitem" class="video-strip-item" key={key(s)}>
              <Tile call={call} p={s.p} source={s.source} isSelf={s.isSelf} speaking={s.source === "camera" && speaking(s.p)} />
            </div>
          ))}
        </div>
      </div>
    );
  }

  const { cols, rows } = gridLayout(people.length, portrait);
  // On a wide screen, tiles keep the 16:9 of a camera, centred; a phone held upright fills its cells.
  const fit = !portrait && rows <= 4 && size && size.width > 0 ? fitTiles(cols, rows, size.width, size.height, GAP) : null;
  const style = fit ? { "--cols": String(cols), "--rows": String(rows), "--tile-w": `${fit.width}px`, "--tile-h": `${fit.height}px` } : undefined;
  return (
    <div
      ref={gridRef}
      class={cx("video-grid", `cols-${cols}`, `rows-${Math.min(rows, 4)}`, rows > 4 && "is-scroll", fit && "is-fitted")}
      style={style}
      data-layout="grid"
      data-count={people.length}
    >
      {people.map((s) => (
        <Tile key={key(s)} call={call} p={s.p} source={s.source} isSelf={s.isSelf} speaking={speaking(s.p)} />
      ))}
    </div>
  );
}
