// The rule behind lists.ts, without the editor (unit-tested in node).

const DOUBLED = /^(\s*)(?:\d{1,9}[.)]|[-*+]) (\d{1,9}[.)]|[-*+])$/;

/**
 * For a line's text before the caret, as a space is typed after it: the indentation and the
 * marker that should stay (the second), or null when the line is not a doubled marker.
 */
export function doubledMarker(before: string): { indent: string; marker: string } | null {
  const m = DOUBLED.exec(before);
  return m ? { indent: m[1] ?? "", marker: m[2] ?? "" } : null;
}
