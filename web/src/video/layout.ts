// Pure rules of the call screen: the tile grid, the active speaker, the connection quality, room
// names typed or pasted by people. No DOM here (unit-tested in web/test/video.test.ts).
import type { Quality } from "./types.ts";

/** Columns × rows for `n` tiles: 1, 2, 3–4, 5–6, 7–9, 10–12 (then rows of four); tall screens stack. */
export function gridLayout(n: number, portrait = false): { cols: number; rows: number } {
  const count = Math.max(1, Math.floor(n));
  let cols: number;
  if (portrait) {
    cols = count <= 2 ? 1 : count <= 6 ? 2 : 3;
  } else {
    cols = count === 1 ? 1 : count <= 4 ? 2 : count <= 9 ? 3 : 4;
  }
  return { cols, rows: Math.ceil(count / cols) };
}

/**
 * The size of each tile so that `cols` × `rows` tiles of the given aspect ratio fit in a box of
 * `width` × `height` with `gap` between them (as large as possible, never wider than a cell).
 */
export function fitTiles(cols: number, rows: number, width: number, height: number, gap: number, aspect = 16 / 9): { width: number; height: number } {
  const c = Math.max(1, cols);
  const r = Math.max(1, rows);
  const cellW = Math.max(0, (width - gap * (c - 1)) / c);
  const cellH = Math.max(0, (height - gap * (r - 1)) / r);
  let w = cellW;
  let h = w / aspect;
  if (h > cellH) {
    h = cellH;
    w = h * aspect;
  }
  return { width: Math.floor(w), height: Math.floor(h) };
}

/** Audio levels (0–1) under this count as silence. */
export const SPEAKING_THRESHOLD = 0.02;

/**
 * The active speaker: the loudest level above the threshold; when nobody speaks, null. A current
 * speaker keeps the highlight unless someone is clearly louder (×1.5), so it does not flicker.
 */
export function chooseSpeaker(levels: ReadonlyMap<string, number>, current: string | null, threshold = SPEAKING_THRESHOLD): string | null {
  let best: string | null = null;
  let bestLevel = threshold;
  for (const [id, level] of levels) {
    if (level > bestLevel) {
      best = id;
      bestLevel = level;
    }
  }
  if (best === null) return null;
  if (current !== null && current !== best) {
    const cur = levels.get(current) ?? 0;
    if (cur > threshold && bestLevel < cur * 1.5) return current;
  }
  return best;
}

export interface QualitySample {
  /** Fraction of my packets lost on the way (remote-inbound-rtp fractionLost, 0–1). */
  fractionLost?: number | null;
  /** Round trip in seconds (remote-inbound-rtp roundTripTime or the candidate pair's). */
  rtt?: number | null;
  /** Bits per second the connection can send (candidate-pair availableOutgoingBitrate). */
  availableOutgoingBitrate?: number | null;
  /** Whether I send video (a low bitrate only matters then). */
  sendingVideo?: boolean;
}

/** My connection quality from one getStats() reading; "unknown" when there is nothing to judge. */
export function qualityLevel(s: QualitySample): Quality {
  const loss = s.fractionLost ?? null;
  const rtt = s.rtt ?? null;
  const rate = s.availableOutgoingBitrate ?? null;
  if (loss === null && rtt === null && rate === null) return "unknown";
  let level = 0; // 0 good, 1 fair, 2 poor
  if (loss !== null) level = Math.max(level, loss >= 0.1 ? 2 : loss >= 0.03 ? 1 : 0);
  if (rtt !== null) level = Math.max(level, rtt >= 0.8 ? 2 : rtt >= 0.35 ? 1 : 0);
  if (rate !== null && s.sendingVideo) level = Math.max(level, rate < 150_000 ? 2 : rate < 400_000 ? 1 : 0);
  return level === 0 ? "good" : level === 1 ? "fair" : "poor";
}

/** A chosen room name: lowercase letters, digits and dashes, 3–64, starting with a letter or digit. */
export const ROOM_NAME = /^[a-z0-9][a-z0-9-]{2,63}$/;

/** Turns typed text into a room name suggestion ("Réunion du CA" → "reunion-du-ca"). */
export function slugRoomName(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .replace(/-+$/, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}

/**
 * The room to open from what someone typed in "Join by link or name": a link to `/video/{room}`
 * (any host: the link may have been built with another base URL), or a name. Null when nothing usable.
 */
export function roomFromInput(text: string): string | null {
  const s = text.trim();
  if (!s) return null;
  const m = /(?:^|\/)video\/([^/?#\s]+)\/?(?:[?#].*)?$/.exec(s);
  if (m && m[1]) {
    let id = m[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      /* keep it raw */
    }
    return id || null;
  }
  if (/^[A-Za-z0-9_-]{16}$/.test(s)) return s; // a generated token, kept as is
  const slug = slugRoomName(s);
  return slug.length >= 3 ? slug : null;
}

/** Formats a call's length "4:05" / "1:02:03". */
export function callDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** The key of one participant's source (a tile, a remote stream). */
export const tileKey = (participant: string, source: string) => `${participant}:${source}`;

/** A capacity typed by a person: empty (no change), or an integer of at least 2. */
export function parseCapacity(text: string): number | null | "invalid" {
  if (!text.trim()) return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 2 ? n : "invalid";
}
