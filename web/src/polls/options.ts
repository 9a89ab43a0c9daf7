// The option editors' models (selected days with their time slots; classic text options) and
// their conversion to and from the API's option lists. Pure; unit-tested in test/polls.test.ts.
import { compareIso, parseIsoDate } from "./calendar.ts";
import type { OptionInput, Participant, PollOption } from "./types.ts";

let keySeq = 0;
/** A stable key for list items (Preact keys, focus). */
export function newKey(): string {
  keySeq += 1;
  return `k${keySeq}`;
}

/** One option of a day: the whole day, or a start time with an optional end. */
export interface Slot {
  key: string;
  /** The existing option (admin edits keep its answers). */
  id?: number;
  whole: boolean;
  start: string;
  end: string;
}

export interface DayEntry {
  date: string;
  slots: Slot[];
}

export const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function wholeDay(id?: number): Slot {
  return id === undefined ? { key: newKey(), whole: true, start: "", end: "" } : { key: newKey(), id, whole: true, start: "", end: "" };
}

export function timeSlot(start = "", end = ""): Slot {
  return { key: newKey(), whole: false, start, end };
}

/** Selects a day (as a whole day) or, when it is selected, removes it. Days stay sorted. */
export function toggleDay(days: readonly DayEntry[], date: string): DayEntry[] {
  if (days.some((d) => d.date === date)) return days.filter((d) => d.date !== date);
  return [...days, { date, slots: [wholeDay()] }].sort((a, b) => compareIso(a.date, b.date));
}

/** Adds a time to a day; a new (never saved) whole-day slot is replaced by it. */
export function addSlot(days: readonly DayEntry[], date: string, slot: Slot = timeSlot()): DayEntry[] {
  return days.map((d) => {
    if (d.date !== date) return d;
    const kept = d.slots.filter((s) => !(s.whole && s.id === undefined));
    return { ...d, slots: [...kept, slot] };
  });
}

/** Removes a slot; a day left without any goes back to "whole day". */
export function removeSlot(days: readonly DayEntry[], date: string, key: string): DayEntry[] {
  return days.map((d) => {
    if (d.date !== date) return d;
    const slots = d.slots.filter((s) => s.key !== key);
    return { ...d, slots: slots.length ? slots : [wholeDay()] };
  });
}

export function updateSlot(days: readonly DayEntry[], date: string, key: string, patch: Partial<Pick<Slot, "start" | "end">>): DayEntry[] {
  return days.map((d) => (d.date !== date ? d : { ...d, slots: d.slots.map((s) => (s.key === key ? { ...s, ...patch } : s)) }));
}

/** Copies the times of one day to every other day (as new slots; the others' saved slots are kept). */
export function copyTimesToAll(days: readonly DayEntry[], from: string): DayEntry[] {
  const src = days.find((d) => d.date === from);
  if (!src) return [...days];
  const times = src.slots.filter((s) => !s.whole && s.start);
  if (!times.length) return [...days];
  return days.map((d) => {
    if (d.date === from) return d;
    const kept = d.slots.filter((s) => s.id !== undefined && !times.some((t) => !s.whole && s.start === t.start && s.end === t.end));
    const keptWhole = kept.filter((s) => s.whole);
    const keptTimed = kept.filter((s) => !s.whole);
    return { ...d, slots: [...keptWhole, ...keptTimed, ...times.map((t) => timeSlot(t.start, t.end))] };
  });
}

export type SlotProblem = "start_missing" | "start_invalid" | "end_invalid" | "end_before_start" | "duplicate";

export interface BuiltDateOptions {
  options: OptionInput[];
  /** Problems by slot key. */
  problems: Record<string, SlotProblem>;
}

/** The API options of the selected days: one per slot, in day order then time order. */
export function buildDateOptions(days: readonly DayEntry[]): BuiltDateOptions {
  const problems: Record<string, SlotProblem> = {};
  const options: OptionInput[] = [];
  const seen = new Set<string>();
  const sorted = [...days].sort((a, b) => compareIso(a.date, b.date));
  for (const d of sorted) {
    if (!parseIsoDate(d.date)) continue;
    const slots = [...d.slots].sort(slotOrder);
    for (const s of slots) {
      let opt: OptionInput;
      if (s.whole) {
        opt = { date: d.date, start: null, end: null };
      } else {
        const start = s.start.trim();
        const end = s.end.trim();
        if (!start) {
          problems[s.key] = "start_missing";
          continue;
        }
        if (!TIME_RE.test(start)) {
          problems[s.key] = "start_invalid";
          continue;
        }
        if (end && !TIME_RE.test(end)) {
          problems[s.key] = "end_invalid";
          continue;
        }
        if (end && end <= start) {
          problems[s.key] = "end_before_start";
          continue;
        }
        opt = { date: d.date, start, end: end || null };
      }
      const sig = `${opt.date}|${opt.start ?? ""}|${opt.end ?? ""}`;
      if (seen.has(sig)) {
        problems[s.key] = "duplicate";
        continue;
      }
      seen.add(sig);
      if (s.id !== undefined) opt.id = s.id;
      options.push(opt);
    }
  }
  return { options, problems };
}

function slotOrder(a: Slot, b: Slot): number {
  if (a.whole !== b.whole) return a.whole ? -1 : 1;
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.end < b.end ? -1 : a.end > b.end ? 1 : 0;
}

/** The editor's days from a poll's options (admin editing). */
export function daysFromOptions(options: readonly PollOption[]): DayEntry[] {
  const byDate = new Map<string, Slot[]>();
  for (const o of options) {
    if (!o.date) continue;
    const slot: Slot = o.start ? { key: newKey(), id: o.id, whole: false, start: o.start, end: o.end ?? "" } : wholeDay(o.id);
    const list = byDate.get(o.date);
    if (list) list.push(slot);
    else byDate.set(o.date, [slot]);
  }
  return [...byDate.entries()].sort((a, b) => compareIso(a[0], b[0])).map(([date, slots]) => ({ date, slots }));
}

// ---- classic options

export interface ClassicItem {
  key: string;
  id?: number;
  label: string;
  url: string;
  image_url: string;
}

export function classicItem(label = ""): ClassicItem {
  return { key: newKey(), label, url: "", image_url: "" };
}

export function classicFromOptions(options: readonly PollOption[]): ClassicItem[] {
  return options.map((o) => ({ key: newKey(), id: o.id, label: o.label, url: o.url ?? "", image_url: o.image_url ?? "" }));
}

/** Moves item `index` by `delta` places (−1 up, +1 down); out of range: unchanged. */
export function moveItem<T>(list: readonly T[], index: number, delta: number): T[] {
  const to = index + delta;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [it] = out.splice(index, 1);
  out.splice(to, 0, it as T);
  return out;
}

export type ClassicProblem = "label_missing" | "label_too_long" | "url_invalid" | "image_invalid" | "duplicate";

export const LABEL_MAX = 200;

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && !!u.host;
  } catch {
    return false;
  }
}

/**
 * The API options of the classic list. Empty rows (no label, no link) are skipped; a row with a
 * link but no label is a problem.
 */
export function buildClassicOptions(items: readonly ClassicItem[]): { options: OptionInput[]; problems: Record<string, ClassicProblem> } {
  const problems: Record<string, ClassicProblem> = {};
  const options: OptionInput[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    const label = it.label.trim();
    const url = it.url.trim();
    const image = it.image_url.trim();
    if (!label && !url && !image) continue;
    if (!label) {
      problems[it.key] = "label_missing";
      continue;
    }
    if ([...label].length > LABEL_MAX) {
      problems[it.key] = "label_too_long";
      continue;
    }
    if (url && !isHttpUrl(url)) {
      problems[it.key] = "url_invalid";
      continue;
    }
    if (image && !isHttpUrl(image)) {
      problems[it.key] = "image_invalid";
      continue;
    }
    const sig = label;
    if (seen.has(sig)) {
      problems[it.key] = "duplicate";
      continue;
    }
    seen.add(sig);
    const opt: OptionInput = { label, url: url || null, image_url: image || null };
    if (it.id !== undefined) opt.id = it.id;
    options.push(opt);
  }
  return { options, problems };
}

/** Existing options left out of a new list that somebody already answered (the admin is warned). */
export function removedWithAnswers(current: readonly PollOption[], participants: readonly Participant[], next: readonly OptionInput[]): PollOption[] {
  const kept = new Set(next.map((o) => o.id).filter((id): id is number => id !== undefined));
  return current.filter((o, i) => !kept.has(o.id) && participants.some((p) => p.answers[i] !== null && p.answers[i] !== undefined));
}
