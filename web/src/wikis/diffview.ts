// The diff view model: the server's hunks (line kinds + word segments) as rows for the inline
// (unified) view and for the side-by-side view.
import type { WikiDiff, DiffLine } from "./types.ts";

export type InlineRow = { type: "hunk"; oldStart: number; newStart: number } | { type: "line"; line: DiffLine };

/** Hunk headers followed by their lines, in order. */
export function inlineRows(diff: WikiDiff): InlineRow[] {
  const rows: InlineRow[] = [];
  for (const h of diff.hunks) {
    rows.push({ type: "hunk", oldStart: h.old_start, newStart: h.new_start });
    for (const line of h.lines) rows.push({ type: "line", line });
  }
  return rows;
}

export type SideRow = { type: "hunk"; oldStart: number; newStart: number } | { type: "pair"; left: DiffLine | null; right: DiffLine | null };

/**
 * Side by side: an unchanged line on both sides; a run of removed and added lines between two
 * unchanged ones is paired line by line (removed on the left, added on the right), the longer
 * side's extra lines facing an empty cell.
 */
export function sideBySideRows(diff: WikiDiff): SideRow[] {
  const rows: SideRow[] = [];
  for (const h of diff.hunks) {
    rows.push({ type: "hunk", oldStart: h.old_start, newStart: h.new_start });
    let removed: DiffLine[] = [];
    let added: DiffLine[] = [];
    const flush = () => {
      const n = Math.max(removed.length, added.length);
      for (let i = 0; i < n; i++) rows.push({ type: "pair", left: removed[i] ?? null, right: added[i] ?? null });
      removed = [];
      added = [];
    };
    for (const line of h.lines) {
      if (line.kind === "same") {
        flush();
        rows.push({ type: "pair", left: line, right: line });
      } else if (line.kind === "removed") removed.push(line);
      else added.push(line);
    }
    flush();
  }
  return rows;
}

/** The line's whole text (its segments joined). */
export function lineText(line: DiffLine): string {
  return line.segments.map((s) => s.text).join("");
}

/** Whether a diff changes nothing (same revisions, or identical texts). */
export function isEmptyDiff(diff: WikiDiff): boolean {
  return diff.hunks.every((h) => h.lines.every((l) => l.kind === "same"));
}
