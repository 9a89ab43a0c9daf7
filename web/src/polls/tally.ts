// Results and ballots: totals text, bars, best options, the answers of a ballot (one choice,
// full options). Pure; unit-tested in test/polls.test.ts.
import type { Answer, AnswerMode, Participant, Poll, PollOption, PollView } from "./types.ts";

export type Ballot = Record<number, Answer | null>;

/** "3 (+1)": yes count, with the "if need be" answers apart (only on yes/if-need-be/no polls). */
export function totalsText(yes: number | null, maybe: number | null, mode: AnswerMode): string {
  if (yes === null) return "–";
  if (mode === "yes_maybe_no" && maybe) return `${yes} (+${maybe})`;
  return String(yes);
}

/** Bar widths (percent of the participants) for yes and for if-need-be. */
export function barWidths(o: Pick<PollOption, "yes" | "maybe">, participants: number): { yes: number; maybe: number } {
  if (!participants || o.yes === null) return { yes: 0, maybe: 0 };
  const clamp = (n: number) => Math.max(0, Math.min(100, Math.round((n / participants) * 1000) / 10));
  const yes = clamp(o.yes);
  return { yes, maybe: Math.min(100 - yes, clamp(o.maybe ?? 0)) };
}

/** The best options as the server says (ties all listed); empty when nobody said yes. */
export function bestIds(view: Pick<PollView, "best">): Set<number> {
  return new Set(view.best ?? []);
}

/**
 * Best options computed from totals (most "yes"; "if need be" breaks no tie; none when nobody said
 * yes). The server sends `best`; this is its mirror for views built without it.
 */
export function computeBest(options: readonly Pick<PollOption, "id" | "yes">[]): number[] {
  let max = 0;
  for (const o of options) if ((o.yes ?? 0) > max) max = o.yes ?? 0;
  if (max === 0) return [];
  return options.filter((o) => (o.yes ?? 0) === max).map((o) => o.id);
}

/**
 * A fresh ballot: every option unanswered (a "no" one did not give is not counted as one, as in
 * Framadate and Rallly), or a participant's own answers.
 */
export function initialBallot(options: readonly PollOption[], row?: Participant | null): Ballot {
  const b: Ballot = {};
  options.forEach((o, i) => {
    b[o.id] = row ? (row.answers[i] ?? null) : null;
  });
  return b;
}

/**
 * Sets one answer. With `oneChoice`, saying yes or if-need-be to an option turns every other yes
 * or if-need-be into no.
 */
export function pickAnswer(ballot: Ballot, optionId: number, answer: Answer | null, oneChoice: boolean): Ballot {
  const next: Ballot = { ...ballot, [optionId]: answer };
  if (oneChoice && (answer === "yes" || answer === "maybe")) {
    for (const k of Object.keys(next)) {
      const id = Number(k);
      if (id !== optionId && (next[id] === "yes" || next[id] === "maybe")) next[id] = "no";
    }
  }
  return next;
}

/** The `answers` object of a vote: option id → answer, unanswered options left out. */
export function ballotBody(options: readonly PollOption[], ballot: Ballot): Record<string, Answer> {
  const out: Record<string, Answer> = {};
  for (const o of options) {
    const a = ballot[o.id];
    if (a) out[String(o.id)] = a;
  }
  return out;
}

/** A "yes" is refused on a full option, unless this row already holds one of its places. */
export function yesBlocked(o: Pick<PollOption, "remaining">, rowHadYes: boolean): boolean {
  return o.remaining === 0 && !rowHadYes;
}

/** Why the results are hidden from this viewer, or null when they are visible. */
export function hiddenReason(view: Pick<PollView, "results_visible" | "poll">): "after_voting" | "admin" | null {
  if (view.results_visible) return null;
  return view.poll.results === "after_voting" ? "after_voting" : "admin";
}

/** Answers available on a poll, in the order of the buttons. */
export function answerChoices(mode: AnswerMode): Answer[] {
  return mode === "yes_no" ? ["yes", "no"] : ["yes", "maybe", "no"];
}

export function canVote(poll: Pick<Poll, "closed">): boolean {
  return !poll.closed;
}

/** Counts of a participant's answers (for the compact list). */
export function rowSummary(row: Participant): { yes: number; maybe: number; no: number } {
  const s = { yes: 0, maybe: 0, no: 0 };
  for (const a of row.answers) if (a) s[a] += 1;
  return s;
}
