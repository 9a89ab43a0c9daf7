// The poll settings form (create and admin edit): its model, the client-side checks mirroring the
// server's limits (docs/polls-api.md, Limits) and the request bodies. Pure; unit-tested.
import type { MessageKey } from "../i18n/index.ts";
import { dateInZone, endOfDay, isValidTimeZone } from "./time.ts";
import type { AnswerMode, CreatePollBody, EditMode, OptionInput, PollKind, PollView, ResultsMode } from "./types.ts";

export const LIMITS = {
  title: 200,
  description: 10_000,
  name: 64,
  options: 300,
  comment: 2_000,
  passwordMin: 4,
  passwordMax: 1_024,
  maxYes: 100_000,
} as const;

export interface SettingsForm {
  title: string;
  description: string;
  author_name: string;
  author_email: string;
  timezone: string;
  answers: AnswerMode;
  /** "YYYY-MM-DD" or "" (no deadline). */
  deadline: string;
  /** New password ("" keeps the current one when editing). */
  password: string;
  /** Admin edit: remove the password. */
  removePassword: boolean;
  results: ResultsMode;
  /** Digits or "" (no limit). */
  max_yes: string;
  one_choice: boolean;
  edit_mode: EditMode;
  notify_votes: boolean;
  notify_comments: boolean;
  remind: boolean;
}

export function defaultSettings(timezone: string, authorName = ""): SettingsForm {
  return {
    title: "",
    description: "",
    author_name: authorName,
    author_email: "",
    timezone,
    answers: "yes_maybe_no",
    deadline: "",
    password: "",
    removePassword: false,
    results: "everyone",
    max_yes: "",
    one_choice: false,
    edit_mode: "own",
    notify_votes: false,
    notify_comments: false,
    remind: false,
  };
}

export const chars = (s: string) => [...s].length;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type SettingsErrors = Partial<Record<keyof SettingsForm, MessageKey>>;

/**
 * Client-side checks. `creating`: the deadline must be in the future (the server only checks it at
 * creation); `hadPassword`: editing a protected poll (an empty password field keeps it).
 */
export function validateSettings(f: SettingsForm, opts: { creating: boolean; now?: Date }): SettingsErrors {
  const e: SettingsErrors = {};
  const title = f.title.trim();
  if (!title) e.title = "polls.err.titleRequired";
  else if (chars(title) > LIMITS.title) e.title = "polls.err.titleTooLong";
  if (chars(f.description) > LIMITS.description) e.description = "polls.err.descriptionTooLong";
  const name = f.author_name.trim();
  if (!name) e.author_name = "polls.err.nameRequired";
  else if (chars(name) > LIMITS.name) e.author_name = "polls.err.nameTooLong";
  const email = f.author_email.trim();
  if (email && !EMAIL_RE.test(email)) e.author_email = "polls.err.emailInvalid";
  if (!isValidTimeZone(f.timezone)) e.timezone = "polls.err.timezoneInvalid";
  if (f.deadline) {
    const end = isValidTimeZone(f.timezone) ? endOfDay(f.deadline, f.timezone) : null;
    if (!end) e.deadline = "polls.err.deadlineInvalid";
    else if (opts.creating && Date.parse(end) <= (opts.now ?? new Date()).getTime()) e.deadline = "polls.err.deadlinePast";
  }
  if (f.password && (chars(f.password) < LIMITS.passwordMin || chars(f.password) > LIMITS.passwordMax)) e.password = "polls.err.passwordLength";
  if (f.max_yes.trim()) {
    const n = Number(f.max_yes.trim());
    if (!/^\d+$/.test(f.max_yes.trim()) || n < 1 || n > LIMITS.maxYes) e.max_yes = "polls.err.maxYesRange";
  }
  return e;
}

/** A participant's or commenter's name: 1–64 characters. */
export function nameProblem(name: string): MessageKey | null {
  const n = name.trim();
  if (!n) return "polls.err.nameRequired";
  if (chars(n) > LIMITS.name) return "polls.err.nameTooLong";
  return null;
}

function maxYesValue(s: string): number | null {
  const v = s.trim();
  return v ? Number(v) : null;
}

/** `language`: the page's, which the author's mails speak (a guest has no account to keep one). */
export function createBody(kind: PollKind, f: SettingsForm, options: OptionInput[], language: string): CreatePollBody {
  const email = f.author_email.trim();
  return {
    kind,
    language,
    title: f.title.trim(),
    description: f.description,
    author_name: f.author_name.trim(),
    author_email: email || null,
    timezone: f.timezone,
    answers: f.answers,
    deadline: f.deadline ? endOfDay(f.deadline, f.timezone) : null,
    password: f.password ? f.password : null,
    results: f.results,
    max_yes: maxYesValue(f.max_yes),
    one_choice: f.one_choice,
    edit_mode: f.edit_mode,
    notify_votes: !!email && f.notify_votes,
    notify_comments: !!email && f.notify_comments,
    remind: !!email && !!f.deadline && f.remind,
    options: options.map((o) => {
      const { id: _id, ...rest } = o;
      return rest;
    }),
  };
}

/** The admin form filled from a poll. */
export function settingsFromView(view: PollView): SettingsForm {
  const p = view.poll;
  const a = view.admin;
  return {
    title: p.title,
    description: p.description,
    author_name: p.author_name,
    author_email: a?.author_email ?? "",
    timezone: p.timezone,
    answers: p.answers,
    deadline: p.deadline ? (dateInZone(p.deadline, p.timezone) ?? "") : "",
    password: "",
    removePassword: false,
    results: p.results,
    max_yes: p.max_yes === null ? "" : String(p.max_yes),
    one_choice: p.one_choice,
    edit_mode: p.edit_mode,
    notify_votes: a?.notify_votes ?? false,
    notify_comments: a?.notify_comments ?? false,
    remind: a?.remind ?? false,
  };
}

/** The PATCH body for the settings that changed (empty object: nothing to save). */
export function settingsPatch(f: SettingsForm, view: PollView): Record<string, unknown> {
  const before = settingsFromView(view);
  const out: Record<string, unknown> = {};
  const email = f.author_email.trim();
  if (f.title.trim() !== before.title) out.title = f.title.trim();
  if (f.description !== before.description) out.description = f.description;
  if (f.author_name.trim() !== before.author_name) out.author_name = f.author_name.trim();
  if (email !== before.author_email) out.author_email = email || null;
  if (f.timezone !== before.timezone) out.timezone = f.timezone;
  if (f.answers !== before.answers) out.answers = f.answers;
  // The deadline is a day in the poll's zone: a new zone moves it too.
  if (f.deadline !== before.deadline || (f.deadline && f.timezone !== before.timezone)) out.deadline = f.deadline ? endOfDay(f.deadline, f.timezone) : null;
  if (f.removePassword) out.password = null;
  else if (f.password) out.password = f.password;
  if (f.results !== before.results) out.results = f.results;
  if (f.max_yes.trim() !== before.max_yes) out.max_yes = maxYesValue(f.max_yes);
  if (f.one_choice !== before.one_choice) out.one_choice = f.one_choice;
  if (f.edit_mode !== before.edit_mode) out.edit_mode = f.edit_mode;
  const nv = !!email && f.notify_votes;
  const nc = !!email && f.notify_comments;
  const rm = !!email && !!f.deadline && f.remind;
  if (nv !== before.notify_votes) out.notify_votes = nv;
  if (nc !== before.notify_comments) out.notify_comments = nc;
  if (rm !== before.remind) out.remind = rm;
  return out;
}
