import assert from "node:assert/strict";
import { test } from "node:test";
import { addDays, addMonths, daysInMonth, monthGrid, monthTitle, moveFocus, parseIsoDate, shiftMonth, weekday, weekdayNames } from "../src/polls/calendar.ts";
import { createBody, defaultSettings, settingsFromView, settingsPatch, validateSettings } from "../src/polls/form.ts";
import {
  addSlot,
  buildClassicOptions,
  buildDateOptions,
  classicItem,
  copyTimesToAll,
  daysFromOptions,
  moveItem,
  removeSlot,
  removedWithAnswers,
  timeSlot,
  toggleDay,
  updateSlot,
  type DayEntry,
} from "../src/polls/options.ts";
import { ballotBody, barWidths, computeBest, hiddenReason, initialBallot, pickAnswer, totalsText, yesBlocked } from "../src/polls/tally.ts";
import { dateInZone, dateOptionLabel, dayLabel, endOfDay, groupByDay, timeInZone, zoneOffsetMinutes, zonedToUtc } from "../src/polls/time.ts";
import type { Participant, PollOption, PollView } from "../src/polls/types.ts";

function opt(id: number, extra: Partial<PollOption> = {}): PollOption {
  return {
    id,
    label: "",
    url: null,
    image_url: null,
    date: null,
    start: null,
    end: null,
    starts_at: null,
    ends_at: null,
    yes: null,
    maybe: null,
    no: null,
    remaining: null,
    ...extra,
  };
}

function row(id: number, answers: Participant["answers"]): Participant {
  return { id, name: `P${id}`, answers, created_at: "", updated_at: "", editable: false };
}

function view(extra: Partial<PollView> = {}, poll: Partial<PollView["poll"]> = {}): PollView {
  return {
    poll: {
      id: "abc",
      kind: "date",
      title: "T",
      description: "",
      description_html: "",
      author_name: "Ana",
      timezone: "Europe/Paris",
      answers: "yes_maybe_no",
      deadline: null,
      results: "everyone",
      max_yes: null,
      one_choice: false,
      edit_mode: "own",
      closed: false,
      closed_reason: null,
      final_option: null,
      protected: false,
      created_at: "2026-11-01T10:00:00Z",
      updated_at: "2026-11-01T10:00:00Z",
      version: 1,
      ...poll,
    },
    options: [],
    results_visible: true,
    participants: [],
    best: [],
    comments: [],
    me: { rows: [] },
    admin: null,
    ...extra,
  };
}

// ---------------------------------------------------------------- time zones

test("zone offsets follow daylight saving time", () => {
  assert.equal(zoneOffsetMinutes(Date.UTC(2026, 0, 15, 12), "Europe/Paris"), 60);
  assert.equal(zoneOffsetMinutes(Date.UTC(2026, 6, 15, 12), "Europe/Paris"), 120);
  assert.equal(zoneOffsetMinutes(Date.UTC(2026, 0, 15, 12), "America/New_York"), -300);
  assert.equal(zoneOffsetMinutes(Date.UTC(2026, 0, 15, 12), "Asia/Kolkata"), 330);
  assert.equal(zoneOffsetMinutes(Date.UTC(2026, 0, 15, 12), "UTC"), 0);
});

test("wall-clock times in a zone become UTC instants", () => {
  assert.equal(zonedToUtc("2026-12-03", "18:00", "Europe/Paris")?.toISOString(), "2026-12-03T17:00:00.000Z");
  assert.equal(zonedToUtc("2026-07-03", "18:00", "Europe/Paris")?.toISOString(), "2026-07-03T16:00:00.000Z");
  assert.equal(zonedToUtc("2026-12-03", "18:00", "America/Los_Angeles")?.toISOString(), "2026-12-04T02:00:00.000Z");
  assert.equal(zonedToUtc("2026-12-03", "00:30", "Pacific/Auckland")?.toISOString(), "2026-12-02T11:30:00.000Z");
  // The day of the change: 2026-03-29 in Paris, 01:30 is still winter time, 03:30 is summer time.
  assert.equal(zonedToUtc("2026-03-29", "01:30", "Europe/Paris")?.toISOString(), "2026-03-29T00:30:00.000Z");
  assert.equal(zonedToUtc("2026-03-29", "03:30", "Europe/Paris")?.toISOString(), "2026-03-29T01:30:00.000Z");
  assert.equal(zonedToUtc("2026-13-01", "10:00", "UTC"), null);
  assert.equal(zonedToUtc("2026-12-01", "25:00", "UTC"), null);
  assert.equal(zonedToUtc("2026-12-01", "10:00", "Not/AZone"), null);
});

test("a deadline day ends at 23:59 in the poll's zone", () => {
  assert.equal(endOfDay("2026-12-01", "Europe/Paris"), "2026-12-01T22:59:00Z");
  assert.equal(endOfDay("2026-06-01", "Europe/Paris"), "2026-06-01T21:59:00Z");
  assert.equal(endOfDay("2026-12-01", "UTC"), "2026-12-01T23:59:00Z");
  assert.equal(endOfDay("2026-12-01", "America/New_York"), "2026-12-02T04:59:00Z");
  assert.equal(endOfDay("nope", "UTC"), null);
});

test("instants read back as dates and times in a zone", () => {
  assert.equal(dateInZone("2026-12-01T22:59:00Z", "Europe/Paris"), "2026-12-01");
  assert.equal(dateInZone("2026-12-01T23:30:00Z", "Europe/Paris"), "2026-12-02");
  assert.equal(timeInZone("2026-12-03T17:00:00Z", "Europe/Paris"), "18:00");
  assert.equal(timeInZone("2026-12-03T17:00:00Z", "Asia/Tokyo"), "02:00");
  assert.equal(dateInZone("garbage", "UTC"), null);
});

test("date options show the viewer's time with the poll's time beside when they differ", () => {
  const o = { date: "2026-12-03", start: "18:00", end: "20:00", starts_at: "2026-12-03T17:00:00Z", ends_at: "2026-12-03T19:00:00Z" };
  assert.deepEqual(dateOptionLabel(o, "Europe/Paris", "Europe/Paris"), { day: "2026-12-03", time: "18:00 – 20:00", original: null });
  // Same offset, different zone names: nothing to add.
  assert.deepEqual(dateOptionLabel(o, "Europe/Paris", "Europe/Berlin"), { day: "2026-12-03", time: "18:00 – 20:00", original: null });
  assert.deepEqual(dateOptionLabel(o, "Europe/Paris", "America/New_York"), {
    day: "2026-12-03",
    time: "12:00 – 14:00",
    original: { day: "2026-12-03", time: "18:00 – 20:00", zone: "Europe/Paris" },
  });
  // In Tokyo it is the next day.
  assert.deepEqual(dateOptionLabel(o, "Europe/Paris", "Asia/Tokyo"), {
    day: "2026-12-04",
    time: "02:00 – 04:00",
    original: { day: "2026-12-03", time: "18:00 – 20:00", zone: "Europe/Paris" },
  });
  // A moment without an end.
  assert.equal(dateOptionLabel({ ...o, end: null, ends_at: null }, "Europe/Paris", "UTC").time, "17:00");
  // A whole day is a calendar day everywhere.
  assert.deepEqual(dateOptionLabel({ date: "2026-12-04", start: null, end: null, starts_at: null, ends_at: null }, "Europe/Paris", "Asia/Tokyo"), {
    day: "2026-12-04",
    time: null,
    original: null,
  });
});

test("day labels and grouping", () => {
  assert.equal(dayLabel("en", "2026-12-03"), "Thu 3 Dec");
  assert.equal(dayLabel("fr", "2026-12-03", { long: true, year: true }), "jeudi 3 décembre 2026");
  const groups = groupByDay(["a1", "a2", "b1", "a3"], (s) => s[0]!);
  assert.deepEqual(groups, [
    { day: "a", items: ["a1", "a2"] },
    { day: "b", items: ["b1"] },
    { day: "a", items: ["a3"] },
  ]);
});

// ---------------------------------------------------------------- calendar

test("calendar arithmetic", () => {
  assert.equal(daysInMonth(2024, 2), 29);
  assert.equal(daysInMonth(2026, 2), 28);
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  assert.equal(addDays("2026-03-01", -1), "2026-02-28");
  assert.equal(addMonths("2026-01-31", 1), "2026-02-28");
  assert.equal(addMonths("2026-01-15", -1), "2025-12-15");
  assert.deepEqual(shiftMonth({ year: 2026, month: 12 }, 1), { year: 2027, month: 1 });
  assert.deepEqual(shiftMonth({ year: 2026, month: 1 }, -13), { year: 2024, month: 12 });
  assert.equal(weekday("2026-12-03"), 4);
  assert.equal(parseIsoDate("2026-02-30"), null);
  assert.deepEqual(parseIsoDate("2026-02-28"), { year: 2026, month: 2, day: 28 });
});

test("month grid: whole weeks from Monday (or Sunday)", () => {
  const dec = monthGrid({ year: 2026, month: 12 });
  // 1 December 2026 is a Tuesday: the grid starts on Monday 30 November.
  assert.equal(dec[0]![0]!.iso, "2026-11-30");
  assert.equal(dec[0]![0]!.inMonth, false);
  assert.equal(dec[0]![1]!.iso, "2026-12-01");
  assert.equal(dec.length, 5);
  assert.ok(dec.every((w) => w.length === 7));
  assert.equal(dec.flat().filter((c) => c.inMonth).length, 31);
  assert.equal(dec[4]![6]!.iso, "2027-01-03");
  // February 2027 starts on a Monday and has exactly four weeks.
  const feb = monthGrid({ year: 2027, month: 2 });
  assert.equal(feb.length, 4);
  assert.equal(feb[0]![0]!.iso, "2027-02-01");
  const sun = monthGrid({ year: 2026, month: 12 }, 0);
  assert.equal(sun[0]![0]!.iso, "2026-11-29");
  assert.equal(weekdayNames("en", 1)[0], "Mon");
  assert.equal(weekdayNames("en", 0)[0], "Sun");
  assert.equal(monthTitle("en", { year: 2026, month: 12 }), "December 2026");
  assert.equal(monthTitle("fr", { year: 2026, month: 12 }), "décembre 2026");
});

test("keyboard moves in the month grid", () => {
  assert.equal(moveFocus("2026-12-03", "ArrowRight"), "2026-12-04");
  assert.equal(moveFocus("2026-12-01", "ArrowLeft"), "2026-11-30");
  assert.equal(moveFocus("2026-12-03", "ArrowDown"), "2026-12-10");
  assert.equal(moveFocus("2026-12-03", "ArrowUp"), "2026-11-26");
  assert.equal(moveFocus("2026-12-03", "Home"), "2026-11-30");
  assert.equal(moveFocus("2026-12-03", "End"), "2026-12-06");
  assert.equal(moveFocus("2026-12-31", "PageDown"), "2027-01-31");
  assert.equal(moveFocus("2026-03-31", "PageUp"), "2026-02-28");
  assert.equal(moveFocus("2026-12-03", "a"), null);
});

// ---------------------------------------------------------------- options

test("selected days and their slots become options", () => {
  let days: DayEntry[] = [];
  days = toggleDay(days, "2026-12-04");
  days = toggleDay(days, "2026-12-03");
  assert.deepEqual(
    days.map((d) => d.date),
    ["2026-12-03", "2026-12-04"],
  );
  // A whole day by default.
  assert.deepEqual(buildDateOptions(days).options, [
    { date: "2026-12-03", start: null, end: null },
    { date: "2026-12-04", start: null, end: null },
  ]);
  // Adding a time replaces the (new) whole-day slot.
  days = addSlot(days, "2026-12-03", timeSlot("18:00", "20:00"));
  days = addSlot(days, "2026-12-03", timeSlot("09:00", ""));
  const built = buildDateOptions(days);
  assert.deepEqual(built.problems, {});
  assert.deepEqual(built.options, [
    { date: "2026-12-03", start: "09:00", end: null },
    { date: "2026-12-03", start: "18:00", end: "20:00" },
    { date: "2026-12-04", start: null, end: null },
  ]);
  // Removing the last time gives the whole day back; toggling removes the day.
  const d3 = days[0]!;
  let fewer = removeSlot(days, "2026-12-03", d3.slots[0]!.key);
  fewer = removeSlot(fewer, "2026-12-03", fewer[0]!.slots[0]!.key);
  assert.equal(fewer[0]!.slots.length, 1);
  assert.equal(fewer[0]!.slots[0]!.whole, true);
  assert.deepEqual(
    toggleDay(days, "2026-12-03").map((d) => d.date),
    ["2026-12-04"],
  );
});

test("slot problems: missing start, bad order, duplicates", () => {
  let days = toggleDay([], "2026-12-03");
  days = addSlot(days, "2026-12-03", timeSlot("", ""));
  days = addSlot(days, "2026-12-03", timeSlot("20:00", "18:00"));
  days = addSlot(days, "2026-12-03", timeSlot("10:00", "11:00"));
  days = addSlot(days, "2026-12-03", timeSlot("10:00", "11:00"));
  const [missing, backwards, first, dup] = days[0]!.slots;
  const built = buildDateOptions(days);
  assert.equal(built.problems[missing!.key], "start_missing");
  assert.equal(built.problems[backwards!.key], "end_before_start");
  assert.equal(built.problems[first!.key], undefined);
  assert.equal(built.problems[dup!.key], "duplicate");
  assert.deepEqual(built.options, [{ date: "2026-12-03", start: "10:00", end: "11:00" }]);
  const fixed = updateSlot(days, "2026-12-03", missing!.key, { start: "08:00" });
  assert.equal(buildDateOptions(fixed).problems[missing!.key], undefined);
});

test("the same times for every day", () => {
  let days = toggleDay(toggleDay(toggleDay([], "2026-12-03"), "2026-12-04"), "2026-12-05");
  days = addSlot(days, "2026-12-03", timeSlot("18:00", "20:00"));
  days = addSlot(days, "2026-12-03", timeSlot("12:00", ""));
  days = copyTimesToAll(days, "2026-12-03");
  const built = buildDateOptions(days);
  assert.equal(built.options.length, 6);
  assert.deepEqual(
    built.options.filter((o) => o.date === "2026-12-05"),
    [
      { date: "2026-12-05", start: "12:00", end: null },
      { date: "2026-12-05", start: "18:00", end: "20:00" },
    ],
  );
});

test("existing options round-trip through the editor with their ids", () => {
  const options = [opt(1, { date: "2026-12-03", start: "18:00", end: "20:00" }), opt(2, { date: "2026-12-03", start: null }), opt(3, { date: "2026-12-05", start: "09:00" })];
  const days = daysFromOptions(options);
  assert.deepEqual(
    days.map((d) => [d.date, d.slots.length]),
    [
      ["2026-12-03", 2],
      ["2026-12-05", 1],
    ],
  );
  // Adding a time to a day keeps its saved whole-day option (it has an id).
  const more = addSlot(days, "2026-12-03", timeSlot("10:00", ""));
  const built = buildDateOptions(more);
  assert.deepEqual(built.options, [
    { id: 2, date: "2026-12-03", start: null, end: null },
    { date: "2026-12-03", start: "10:00", end: null },
    { id: 1, date: "2026-12-03", start: "18:00", end: "20:00" },
    { id: 3, date: "2026-12-05", start: "09:00", end: null },
  ]);
  // Removing an answered option is noticed; an unanswered one is not.
  const participants = [row(1, ["yes", null, "no"])];
  const without3 = built.options.filter((o) => o.id !== 3 && o.id !== 2);
  assert.deepEqual(
    removedWithAnswers(options, participants, without3).map((o) => o.id),
    [3],
  );
});

test("classic options: empty rows skipped, links checked, duplicates refused, reordering", () => {
  const a = { ...classicItem("Pizza"), url: "https://example.org/pizza" };
  const b = classicItem("Sushi");
  const empty = classicItem("");
  const built = buildClassicOptions([a, empty, b]);
  assert.deepEqual(built.problems, {});
  assert.deepEqual(built.options, [
    { label: "Pizza", url: "https://example.org/pizza", image_url: null },
    { label: "Sushi", url: null, image_url: null },
  ]);
  const bad = { ...classicItem("Tacos"), url: "javascript:alert(1)" };
  const noLabel = { ...classicItem(""), image_url: "https://example.org/x.png" };
  const dup = classicItem(" Pizza ");
  const p = buildClassicOptions([a, bad, noLabel, dup]).problems;
  assert.equal(p[bad.key], "url_invalid");
  assert.equal(p[noLabel.key], "label_missing");
  assert.equal(p[dup.key], "duplicate");
  assert.deepEqual(moveItem([1, 2, 3], 2, -1), [1, 3, 2]);
  assert.deepEqual(moveItem([1, 2, 3], 0, 1), [2, 1, 3]);
  assert.deepEqual(moveItem([1, 2, 3], 0, -1), [1, 2, 3]);
});

// ---------------------------------------------------------------- tallies

test("totals text, bars and best options", () => {
  assert.equal(totalsText(3, 1, "yes_maybe_no"), "3 (+1)");
  assert.equal(totalsText(3, 0, "yes_maybe_no"), "3");
  assert.equal(totalsText(3, 1, "yes_no"), "3");
  assert.equal(totalsText(null, null, "yes_maybe_no"), "–");
  assert.deepEqual(barWidths({ yes: 2, maybe: 1 }, 4), { yes: 50, maybe: 25 });
  assert.deepEqual(barWidths({ yes: 0, maybe: 0 }, 0), { yes: 0, maybe: 0 });
  assert.deepEqual(barWidths({ yes: null, maybe: null }, 3), { yes: 0, maybe: 0 });
  assert.deepEqual(computeBest([opt(1, { yes: 2, maybe: 0 }), opt(2, { yes: 3, maybe: 0 }), opt(3, { yes: 3, maybe: 2 })]), [2, 3]);
  assert.deepEqual(computeBest([opt(1, { yes: 0, maybe: 4 })]), []);
});

test("ballots: defaults, one choice, full options, request body", () => {
  const options = [opt(12), opt(14), opt(15)];
  const fresh = initialBallot(options);
  assert.deepEqual(fresh, { 12: null, 14: null, 15: null });
  assert.deepEqual(initialBallot(options, row(1, ["yes", null, "maybe"])), { 12: "yes", 14: null, 15: "maybe" });
  let b = pickAnswer(fresh, 12, "yes", false);
  b = pickAnswer(b, 14, "maybe", false);
  b = pickAnswer(b, 15, "no", false);
  assert.deepEqual(b, { 12: "yes", 14: "maybe", 15: "no" });
  assert.deepEqual(pickAnswer(b, 15, "yes", true), { 12: "no", 14: "no", 15: "yes" });
  assert.deepEqual(pickAnswer(b, 15, "no", true), { 12: "yes", 14: "maybe", 15: "no" });
  assert.deepEqual(ballotBody(options, { 12: "yes", 14: null, 15: "no" }), { "12": "yes", "15": "no" });
  assert.equal(yesBlocked({ remaining: 0 }, false), true);
  assert.equal(yesBlocked({ remaining: 0 }, true), false);
  assert.equal(yesBlocked({ remaining: null }, false), false);
});

test("why results are hidden", () => {
  assert.equal(hiddenReason(view()), null);
  assert.equal(hiddenReason(view({ results_visible: false }, { results: "after_voting" })), "after_voting");
  assert.equal(hiddenReason(view({ results_visible: false }, { results: "admin" })), "admin");
});

// ---------------------------------------------------------------- settings form

test("settings validation mirrors the server's limits", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  const ok = { ...defaultSettings("Europe/Paris", "Ana"), title: "Réunion" };
  assert.deepEqual(validateSettings(ok, { creating: true, now }), {});
  const e = validateSettings(
    { ...ok, title: " ", author_name: "x".repeat(65), author_email: "nope", deadline: "2026-11-24", password: "abc", max_yes: "0", timezone: "Mars/Olympus" },
    { creating: true, now },
  );
  assert.equal(e.title, "polls.err.titleRequired");
  assert.equal(e.author_name, "polls.err.nameTooLong");
  assert.equal(e.author_email, "polls.err.emailInvalid");
  assert.equal(e.password, "polls.err.passwordLength");
  assert.equal(e.max_yes, "polls.err.maxYesRange");
  assert.equal(e.timezone, "polls.err.timezoneInvalid");
  assert.equal(e.deadline, "polls.err.deadlineInvalid");
  assert.equal(validateSettings({ ...ok, deadline: "2026-11-24" }, { creating: true, now }).deadline, "polls.err.deadlinePast");
  // Today is still open until 23:59 in the poll's zone.
  assert.equal(validateSettings({ ...ok, deadline: "2026-11-25" }, { creating: true, now }).deadline, undefined);
  assert.equal(validateSettings({ ...ok, deadline: "2026-11-24" }, { creating: false, now }).deadline, undefined);
  assert.equal(validateSettings({ ...ok, title: "é".repeat(200) }, { creating: true, now }).title, undefined);
  assert.equal(validateSettings({ ...ok, title: "é".repeat(201) }, { creating: true, now }).title, "polls.err.titleTooLong");
});

test("the create body", () => {
  const f = { ...defaultSettings("Europe/Paris", " Ana "), title: " Réunion ", deadline: "2026-12-01", author_email: "", notify_votes: true, max_yes: "5" };
  const body = createBody("date", f, [{ id: 3, date: "2026-12-03", start: "18:00", end: "20:00" }], "fr");
  assert.equal(body.language, "fr", "the author's mails speak the page's language");
  assert.equal(body.title, "Réunion");
  assert.equal(body.author_name, "Ana");
  assert.equal(body.deadline, "2026-12-01T22:59:00Z");
  assert.equal(body.author_email, null);
  assert.equal(body.notify_votes, false, "no notification without an email");
  assert.equal(body.max_yes, 5);
  assert.equal(body.password, null);
  assert.deepEqual(body.options, [{ date: "2026-12-03", start: "18:00", end: "20:00" }]);
});

test("the admin's settings patch only holds what changed", () => {
  const v = view(
    { admin: { author_email: "ana@example.org", notify_votes: true, notify_comments: false, remind: false, purge_at: null, public_url: "", admin_url: "", mail_enabled: true } },
    { deadline: "2026-12-01T22:59:00Z" },
  );
  const f = settingsFromView(v);
  assert.equal(f.deadline, "2026-12-01");
  assert.deepEqual(settingsPatch(f, v), {});
  assert.deepEqual(settingsPatch({ ...f, title: "New", max_yes: "3" }, v), { title: "New", max_yes: 3 });
  assert.deepEqual(settingsPatch({ ...f, removePassword: true }, v), { password: null });
  assert.deepEqual(settingsPatch({ ...f, deadline: "" }, v), { deadline: null });
  // Another zone moves the end of the same day.
  assert.deepEqual(settingsPatch({ ...f, timezone: "UTC" }, v), { timezone: "UTC", deadline: "2026-12-01T23:59:00Z" });
  // No email, no notifications.
  assert.deepEqual(settingsPatch({ ...f, author_email: "" }, v), { author_email: null, notify_votes: false });
});

test("a poll's video room name is the same for everyone and always a valid room name", async () => {
  const { pollRoomName } = await import("../src/polls/api.ts");
  const { ROOM_NAME } = await import("../src/video/layout.ts");
  for (const id of ["AbC_-x9ZqQ0tUv12", "aaaaaaaaaaaaaaaa", "AAAAAAAAAAAAAAAA", "é"]) {
    const name = pollRoomName(id);
    assert.match(name, ROOM_NAME, id);
    assert.equal(pollRoomName(id), name);
  }
  // Ids that differ only in case get different rooms.
  assert.notEqual(pollRoomName("Abcdefghijklmnop"), pollRoomName("abcdefghijklmnop"));
});
