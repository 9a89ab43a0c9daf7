// Editor changes (UTF-16 ranges of the document before, as CodeMirror's ChangeSet.iterChanges gives
// them) to pad ops (code points) and to authorship runs kept in UTF-16 units. Pure; unit-tested.
import { fromEditorChange, compose, type Op } from "./ot.ts";
import type { Runs } from "./authorship.ts";

/** One replacement: [from, to) of the document before becomes `insert`. Sorted, not overlapping. */
export interface Change {
  from: number;
  to: number;
  insert: string;
}

/** The op for several simultaneous changes (e.g. multiple cursors), all in `before`'s offsets. */
export function opFromChanges(before: string, changes: readonly Change[]): Op {
  if (changes.length === 0) return [];
  // Apply the last change first: the earlier ones keep their offsets in the text it produces.
  let doc = before;
  let op: Op | null = null;
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i]!;
    const step = fromEditorChange(doc, c.from, c.to, c.insert);
    op = op ? compose(op, step) : step;
    doc = doc.slice(0, c.from) + c.insert + doc.slice(c.to);
  }
  return op ?? [];
}

function push(out: Runs, author: string, n: number): void {
  if (n <= 0) return;
  const last = out[out.length - 1];
  if (last && last[0] === author) last[1] += n;
  else out.push([author, n]);
}

/** Moves authorship runs (in UTF-16 units) through changes; inserted text is `author`'s. */
export function mapRuns(runs: Runs, changes: readonly { from: number; to: number; insertLength: number }[], author: string): Runs {
  const out: Runs = [];
  let idx = 0;
  let left = runs[0]?.[1] ?? 0;
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
  let pos = 0;
  for (const c of changes) {
    take(c.from - pos, true);
    take(c.to - c.from, false);
    push(out, author, c.insertLength);
    pos = c.to;
  }
  // The rest, as long as the runs go.
  while (idx < runs.length) {
    if (left > 0) push(out, runs[idx]![0], left);
    idx++;
    left = runs[idx]?.[1] ?? 0;
  }
  return out;
}
