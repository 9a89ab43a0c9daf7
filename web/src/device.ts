// What this browser remembers of what was made or answered from it without an account, so that a
// guest who closes the tab finds it again ("on this device"). localStorage only: nothing leaves the
// browser. Anything unreadable in storage (another version, a hand edit, a full disk) reads as
// nothing rather than breaking the page that shows it.
import { getItem, setItem } from "./storage.ts";

/** How many entries a list keeps: the newest. */
export const DEVICE_LIMIT = 50;

/** Longest id, token or title kept: a bigger value is not ours, and must not fill the storage. */
const MAX_TEXT = 500;

export function text(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_TEXT ? v : null;
}

export function time(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null;
}

/**
 * A list kept under `key`: `parse` checks each stored entry (null drops it), `id` names an entry
 * (one per id, the first kept), `at` orders them (newest first).
 */
export interface DeviceList<T> {
  read(): T[];
  /** Stores `items`, newest first, at most `limit`, one per id. */
  write(items: T[]): void;
  /** Applies `change` to the entry `id` (undefined when absent); null removes it. */
  update(id: string, change: (cur: T | undefined) => T | null): void;
}

export function deviceList<T>(key: string, parse: (raw: unknown) => T | null, id: (t: T) => string, at: (t: T) => number, limit = DEVICE_LIMIT): DeviceList<T> {
  const tidy = (items: T[]): T[] => {
    const seen = new Set<string>();
    const out: T[] = [];
    for (const item of [...items].sort((a, b) => at(b) - at(a))) {
      if (seen.has(id(item))) continue;
      seen.add(id(item));
      out.push(item);
      if (out.length >= limit) break;
    }
    return out;
  };
  const read = (): T[] => {
    const raw = getItem(key);
    if (!raw) return [];
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return [];
    }
    if (!Array.isArray(data)) return [];
    const items: T[] = [];
    for (const entry of data) {
      const item = entry !== null && typeof entry === "object" ? parse(entry) : null;
      if (item) items.push(item);
    }
    return tidy(items);
  };
  const write = (items: T[]) => setItem(key, JSON.stringify(tidy(items)));
  const update = (which: string, change: (cur: T | undefined) => T | null) => {
    const items = read();
    const index = items.findIndex((i) => id(i) === which);
    const next = change(index >= 0 ? items[index] : undefined);
    if (index >= 0) items.splice(index, 1);
    if (next) items.push(next);
    write(items);
  };
  return { read, write, update };
}

// ---------------------------------------------------------------- pads

/** A pad created from this browser without an account. */
export interface DevicePad {
  id: string;
  createdAt: number;
}

export const PADS_KEY = "nichoir.device.pads";

const pads = deviceList<DevicePad>(
  PADS_KEY,
  (raw) => {
    const r = raw as Record<string, unknown>;
    const id = text(r.id);
    const createdAt = time(r.createdAt);
    return id && createdAt !== null ? { id, createdAt } : null;
  },
  (p) => p.id,
  (p) => p.createdAt,
);

/** Remembers a pad this browser's guest created (pads/home.tsx calls it after a creation). */
export function rememberPad(pad: { id: string }, now = Date.now()): void {
  const id = text(pad.id);
  if (id) pads.update(id, (cur) => ({ id, createdAt: cur?.createdAt ?? now }));
}

/** The pads remembered on this device, newest first. */
export function rememberedPads(): DevicePad[] {
  return pads.read();
}

export function forgetPad(id: string): void {
  pads.update(id, () => null);
}
