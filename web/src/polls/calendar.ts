// Calendar arithmetic on "YYYY-MM-DD" strings (no time zone involved: a calendar day is a label).
// Pure; unit-tested in test/polls.test.ts.
import type { Lang } from "../i18n/index.ts";
import { locale } from "./time.ts";

export interface YearMonth {
  year: number;
  /** 1–12 */
  month: number;
}

export interface DayCell {
  iso: string;
  day: number;
  inMonth: boolean;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`;
}

export function parseIsoDate(s: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function toUtcMs(iso: string): number {
  const p = parseIsoDate(iso);
  if (!p) return Number.NaN;
  return Date.UTC(p.year, p.month - 1, p.day);
}

function fromUtcMs(ms: number): string {
  const d = new Date(ms);
  return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function addDays(iso: string, n: number): string {
  const ms = toUtcMs(iso);
  if (Number.isNaN(ms)) return iso;
  return fromUtcMs(ms + n * 86_400_000);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(iso: string): number {
  return new Date(toUtcMs(iso)).getUTCDay();
}

export function shiftMonth(ym: YearMonth, n: number): YearMonth {
  const idx = ym.year * 12 + (ym.month - 1) + n;
  return { year: Math.floor(idx / 12), month: (idx % 12) + 1 };
}

/** The same day number `n` months later, clamped to the month's length (31 Jan + 1 → 28/29 Feb). */
export function addMonths(iso: string, n: number): string {
  const p = parseIsoDate(iso);
  if (!p) return iso;
  const ym = shiftMonth({ year: p.year, month: p.month }, n);
  return isoDate(ym.year, ym.month, Math.min(p.day, daysInMonth(ym.year, ym.month)));
}

export function monthOf(iso: string): YearMonth {
  const p = parseIsoDate(iso);
  return p ? { year: p.year, month: p.month } : { year: 1970, month: 1 };
}

/** Today in the browser's own calendar. */
export function todayIso(now: Date = new Date()): string {
  return isoDate(now.getFullYear(), now.getMonth() + 1, now.getDate());
}

/**
 * The weeks of a month view: full weeks starting on `weekStart` (1 = Monday, 0 = Sunday), with the
 * neighbouring months' days marked `inMonth: false`.
 */
export function monthGrid(ym: YearMonth, weekStart = 1): DayCell[][] {
  const first = isoDate(ym.year, ym.month, 1);
  const lead = (weekday(first) - weekStart + 7) % 7;
  const total = daysInMonth(ym.year, ym.month);
  const cells = Math.ceil((lead + total) / 7) * 7;
  const weeks: DayCell[][] = [];
  let iso = addDays(first, -lead);
  for (let i = 0; i < cells; i++) {
    if (i % 7 === 0) weeks.push([]);
    const p = parseIsoDate(iso)!;
    weeks[weeks.length - 1]!.push({ iso, day: p.day, inMonth: p.month === ym.month && p.year === ym.year });
    iso = addDays(iso, 1);
  }
  return weeks;
}

/** Where the focus goes in a month grid for a key (arrows, Home/End within the week, PageUp/PageDown). */
export function moveFocus(iso: string, key: string, weekStart = 1): string | null {
  switch (key) {
    case "ArrowLeft":
      return addDays(iso, -1);
    case "ArrowRight":
      return addDays(iso, 1);
    case "ArrowUp":
      return addDays(iso, -7);
    case "ArrowDown":
      return addDays(iso, 7);
    case "Home":
      return addDays(iso, -((weekday(iso) - weekStart + 7) % 7));
    case "End":
      return addDays(iso, 6 - ((weekday(iso) - weekStart + 7) % 7));
    case "PageUp":
      return addMonths(iso, -1);
    case "PageDown":
      return addMonths(iso, 1);
    default:
      return null;
  }
}

/** Short weekday names in grid order ("Mon".."Sun" / "lun.".."dim."), and the long ones for labels. */
export function weekdayNames(lang: Lang, weekStart = 1, style: "short" | "long" = "short"): string[] {
  const f = new Intl.DateTimeFormat(locale(lang), { weekday: style, timeZone: "UTC" });
  // 2021-01-03 was a Sunday.
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2021, 0, 3 + ((weekStart + i) % 7), 12))));
}

/** "December 2026" / "décembre 2026". */
export function monthTitle(lang: Lang, ym: YearMonth): string {
  return new Intl.DateTimeFormat(locale(lang), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(ym.year, ym.month - 1, 1, 12)));
}

export function compareIso(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
