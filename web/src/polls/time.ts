// Time zones without a library: wall-clock times in an IANA zone ↔ UTC instants, and the labels of
// date options in the viewer's zone (with the poll's own time beside). Pure; unit-tested in
// test/polls.test.ts.
import type { Lang } from "../i18n/index.ts";

/** The browser's IANA zone ("UTC" when the browser does not say). */
export function browserTimeZone(): string {
  try {
    const z = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return z && isValidTimeZone(z) ? z : "UTC";
  } catch {
    return "UTC";
  }
}

export function isValidTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Every zone the browser knows (sorted, with UTC), plus the ones given (e.g. the current value). */
export function timeZoneList(extra: readonly string[] = []): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  let zones: string[] = [];
  if (typeof supported === "function") {
    try {
      zones = supported("timeZone");
    } catch {
      zones = [];
    }
  }
  const all = new Set<string>([...zones, "UTC", ...extra.filter(Boolean)]);
  return [...all].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
}

/** "America/New_York" → "New York"; "UTC" stays. */
export function zoneCity(zone: string): string {
  const last = zone.split("/").pop() ?? zone;
  return last.replace(/_/g, " ");
}

const partsCache = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsCache.set(zone, f);
  }
  return f;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time of an instant in a zone. */
export function wallClock(ms: number, zone: string): WallClock {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(zone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") out[p.type] = Number.parseInt(p.value, 10);
  }
  return {
    year: out.year ?? 1970,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: (out.hour ?? 0) % 24,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** Minutes to add to UTC to get the zone's wall clock at that instant (Paris in winter: 60). */
export function zoneOffsetMinutes(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The UTC instant of a wall-clock date and time ("HH:MM") in a zone. Null for malformed input. */
export function zonedToUtc(date: string, time: string, zone: string): Date | null {
  const d = DATE_RE.exec(date);
  const t = TIME_RE.exec(time);
  if (!d || !t || !isValidTimeZone(zone)) return null;
  const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  if (m < 1 || m > 12 || day < 1 || day > new Date(Date.UTC(y, m, 0)).getUTCDate()) return null;
  const local = Date.UTC(y, m - 1, day, Number(t[1]), Number(t[2]));
  const first = zoneOffsetMinutes(local, zone);
  let ms = local - first * 60000;
  // Near a DST change the offset at the guess can differ from the offset at the result.
  const second = zoneOffsetMinutes(ms, zone);
  if (second !== first) ms = local - second * 60000;
  return new Date(ms);
}

/** RFC 3339 without milliseconds: "2026-12-01T22:59:00Z". */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A deadline chosen as a day: the end of that day (23:59) in the poll's zone, as a UTC instant. */
export function endOfDay(date: string, zone: string): string | null {
  const d = zonedToUtc(date, "23:59", zone);
  return d ? rfc3339(d) : null;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** The date ("YYYY-MM-DD") of an instant in a zone. */
export function dateInZone(iso: string, zone: string): string | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !isValidTimeZone(zone)) return null;
  const w = wallClock(ms, zone);
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}`;
}

/** The time ("HH:MM") of an instant in a zone. */
export function timeInZone(iso: string, zone: string): string | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !isValidTimeZone(zone)) return null;
  const w = wallClock(ms, zone);
  return `${pad2(w.hour)}:${pad2(w.minute)}`;
}

export function locale(lang: Lang): string {
  return lang === "fr" ? "fr-FR" : "en-GB";
}

/** "Thu 3 Dec" (with the year when asked) for a calendar date, whatever the zone. */
export function dayLabel(lang: Lang, date: string, opts: { year?: boolean; long?: boolean } = {}): string {
  const d = DATE_RE.exec(date);
  if (!d) return date;
  const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), 12);
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: "UTC",
    weekday: opts.long ? "long" : "short",
    day: "numeric",
    month: opts.long ? "long" : "short",
    ...(opts.year ? { year: "numeric" } : {}),
  }).format(new Date(ms));
}

/** "18:00" (24-hour clock in both languages, as the poll's own times are written). */
function clock(iso: string, zone: string): string {
  return timeInZone(iso, zone) ?? "";
}

/** The displayable parts of a date option for a viewer in `viewerZone`. */
export interface DateOptionLabel {
  /** The day the option falls on for the viewer ("YYYY-MM-DD"); groups columns. */
  day: string;
  /** "18:00 – 20:00", "18:00", or null for a whole day. */
  time: string | null;
  /** The same moment in the poll's zone when it reads differently there, e.g. "18:00 – 20:00" + zone. */
  original: { day: string; time: string; zone: string } | null;
}

export interface DateOptionLike {
  date: string | null;
  start: string | null;
  end: string | null;
  starts_at: string | null;
  ends_at: string | null;
}

export function dateOptionLabel(o: DateOptionLike, pollZone: string, viewerZone: string): DateOptionLabel {
  const pollDay = o.date ?? "";
  const pollTime = o.start ? (o.end ? `${o.start} – ${o.end}` : o.start) : null;
  if (!o.start || !o.starts_at || !isValidTimeZone(viewerZone)) {
    return { day: pollDay, time: pollTime, original: null };
  }
  const day = dateInZone(o.starts_at, viewerZone) ?? pollDay;
  const time = o.ends_at ? `${clock(o.starts_at, viewerZone)} – ${clock(o.ends_at, viewerZone)}` : clock(o.starts_at, viewerZone);
  const differs = viewerZone !== pollZone && (day !== pollDay || time !== pollTime);
  return { day, time, original: differs && pollTime ? { day: pollDay, time: pollTime, zone: pollZone } : null };
}

/** Every option's day for the viewer, grouped in order: consecutive options on one day share a header. */
export function groupByDay<T>(items: readonly T[], dayOf: (item: T) => string): { day: string; items: T[] }[] {
  const groups: { day: string; items: T[] }[] = [];
  for (const it of items) {
    const day = dayOf(it);
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.items.push(it);
    else groups.push({ day, items: [it] });
  }
  return groups;
}
