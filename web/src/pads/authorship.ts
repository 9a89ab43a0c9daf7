// Who wrote what: the pad's text as runs `[author_id, length]` in code points, moved through every
// op exactly like the text (the server keeps the same structure, crates/pad/src/authorship.rs).
// Pure: unit-tested in test/pads.test.ts.
import { cpLength, type Op } from "./ot.ts";

export type Run = [string, number];
export type Runs = Run[];

function push(out: Runs, author: string, n: number): void {
  if (n <= 0) return;
  const last = out[out.length - 1];
  if (last && last[0] === author) last[1] += n;
  else out.push([author, n]);
}

/** Total length in code points. */
export function runsLength(runs: Runs): number {
  let n = 0;
  for (const r of runs) n += r[1];
  return n;
}

/** Checks untrusted JSON (the `authorship` of a `state` event); bad entries are dropped. */
export function parseRuns(value: unknown): Runs {
  const out: Runs = [];
  if (!Array.isArray(value)) return out;
  for (const r of value) {
    if (Array.isArray(r) && typeof r[0] === "string" && typeof r[1] === "number" && Number.isInteger(r[1]) && r[1] > 0) {
      push(out, r[0], r[1]);
    }
  }
  return out;
}

/**
 * The runs after `author` applied `op`: inserts are the author's, retains keep their author,
 * deletes remove. A length mismatch never throws: missing text counts as unknown author "".
 */
export function applyToRuns(runs: Runs, op: Op, author: string): Runs {
  const out: Runs = [];
  let idx = 0;
  let left = runs[0]?.[1] ?? 0; // code points left in runs[idx]
  const take = (n: number, keep: boolean) => {
    while (n > 0) {
      if (idx >= runs.length) {
        if (keep) push(out, "", n);
        return;
      }
      if (left === 0) {
        idx++;
        left = runs[idx]?.[1] ?? 0;
        continue;
      }
      const used = Math.min(left, n);
      if (keep) push(out, runs[idx]![0], used);
      left -= used;
      n -= used;
    }
  };
  for (const c of op) {
    if (typeof c === "string") push(out, author, cpLength(c));
    else if (c > 0) take(c, true);
    else take(-c, false);
  }
  return out;
}

/**
 * Splits the runs into UTF-16 ranges of `doc` (for editor decorations), skipping ranges that fall
 * past the end of the document.
 */
export function runsToRanges(doc: string, runs: Runs): { from: number; to: number; author: string }[] {
  const ranges: { from: number; to: number; author: string }[] = [];
  let i = 0;
  for (const [author, n] of runs) {
    if (i >= doc.length) break;
    const from = i;
    for (let k = 0; k < n && i < doc.length; k++) {
      const c = doc.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < doc.length ? 2 : 1;
    }
    if (i > from) ranges.push({ from, to: i, author });
  }
  return ranges;
}
