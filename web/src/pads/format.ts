// The formatting commands of the pad's toolbar and shortcuts. A pad's one stored text is Markdown,
// so "bold" means writing `**` around the words: every command is an ordinary change of the text,
// sent, transformed and undone like typing. Inline elements are found in the lezer Markdown tree;
// line commands read a line's prefix (indentation, quote marks, heading or list marker). Pure over
// an EditorState (no DOM): unit-tested in test/pads-rich.test.ts.
//
// Underline has no Markdown syntax: it is written `<u>…</u>`, inline HTML that the preview
// (marked + DOMPurify) and the server's renderer (pulldown-cmark + ammonia) both keep.
import { ChangeSet, EditorSelection, type ChangeSpec, type EditorState, type SelectionRange, type Text, type TransactionSpec } from "@codemirror/state";
import { ensureSyntaxTree, syntaxTree } from "@codemirror/language";
import type { SyntaxNode, Tree } from "@lezer/common";

export type InlineFormat = "bold" | "italic" | "underline" | "strike" | "code";
export type LineFormat = "h1" | "h2" | "h3" | "bullet" | "numbered" | "check" | "quote";
/** What the toolbar shows as pressed. */
export type Format = InlineFormat | LineFormat | "link" | "codeblock";
export type Command = InlineFormat | LineFormat | "hr" | "clear" | "indent" | "outdent" | "task";

/** The user event of every formatting change (the session undoes each as one step). */
export const FORMAT_EVENT = "input.format";

const INLINE: Record<InlineFormat, { node: string | null; open: string; close: string }> = {
  bold: { node: "StrongEmphasis", open: "**", close: "**" },
  italic: { node: "Emphasis", open: "*", close: "*" },
  strike: { node: "Strikethrough", open: "~~", close: "~~" },
  code: { node: "InlineCode", open: "`", close: "`" },
  underline: { node: null, open: "<u>", close: "</u>" },
};

/** An inline element and the marks that make it (what unwrapping deletes). */
export interface Element {
  kind: InlineFormat | "link";
  from: number;
  to: number;
  marks: { from: number; to: number }[];
  /** Links: the destination. */
  url?: string;
}

/** The syntax tree covering at least up to `upto` (parsed now if the editor had not got there). */
export function treeFor(state: EditorState, upto = state.doc.length): Tree {
  return ensureSyntaxTree(state, Math.min(state.doc.length, upto), 200) ?? syntaxTree(state);
}

const MARK_OF: Record<string, string> = {
  StrongEmphasis: "EmphasisMark",
  Emphasis: "EmphasisMark",
  Strikethrough: "StrikethroughMark",
  InlineCode: "CodeMark",
};
const KIND_OF: Record<string, InlineFormat> = { StrongEmphasis: "bold", Emphasis: "italic", Strikethrough: "strike", InlineCode: "code" };

function elementOf(state: EditorState, node: SyntaxNode): Element | null {
  const kind = KIND_OF[node.name];
  if (kind) {
    const marks = node.getChildren(MARK_OF[node.name]!).map((m) => ({ from: m.from, to: m.to }));
    return { kind, from: node.from, to: node.to, marks };
  }
  if (node.name === "Link") {
    const lm = node.getChildren("LinkMark");
    const url = node.getChild("URL");
    if (lm.length < 2 || lm[0]!.from !== node.from || !url) return null;
    // "[" and everything from "]" on: "](url "title")".
    return {
      kind: "link",
      from: node.from,
      to: node.to,
      marks: [
        { from: lm[0]!.from, to: lm[0]!.to },
        { from: lm[1]!.from, to: node.to },
      ],
      url: state.sliceDoc(url.from, url.to),
    };
  }
  return null;
}

/**
 * `<u>…</u>` pairs inside the inline content of the blocks around [from, to]: each opening tag
 * pairs with the next closing one in the same block.
 */
export function underlines(state: EditorState, from: number, to: number, tree: Tree = treeFor(state, to)): Element[] {
  const out: Element[] = [];
  let open: { from: number; to: number; parent: number } | null = null;
  tree.iterate({
    from,
    to,
    enter: (n) => {
      if (n.name !== "HTMLTag") return;
      const tag = state.sliceDoc(n.from, n.to).toLowerCase();
      const parent = n.node.parent?.from ?? -1;
      if (tag === "<u>") open = { from: n.from, to: n.to, parent };
      else if (tag === "</u>" && open && open.parent === parent) {
        out.push({
          kind: "underline",
          from: open.from,
          to: n.to,
          marks: [
            { from: open.from, to: open.to },
            { from: n.from, to: n.to },
          ],
        });
        open = null;
      }
    },
  });
  return out;
}

/** The blocks (paragraph, heading…) around [from, to]: where underline tags are paired. */
function blockSpan(state: EditorState, tree: Tree, from: number, to: number): { from: number; to: number } {
  const inline = (n: SyntaxNode | null): SyntaxNode | null => {
    for (let c = n; c; c = c.parent) if (c.name === "Paragraph" || /^(ATX|Setext)Heading/.test(c.name) || c.name === "TableCell") return c;
    return null;
  };
  const a = inline(tree.resolveInner(from, 1));
  const b = inline(tree.resolveInner(to, -1));
  return { from: a ? a.from : state.doc.lineAt(from).from, to: b ? b.to : state.doc.lineAt(to).to };
}

/** Inline elements (with their marks) overlapping [from, to]; an empty range takes those around it. */
export function elementsAt(state: EditorState, from: number, to: number, tree: Tree = treeFor(state, to)): Element[] {
  const out: Element[] = [];
  tree.iterate({
    from,
    to,
    enter: (n) => {
      if (!(n.name in KIND_OF) && n.name !== "Link") return;
      const touches = from === to ? n.from <= from && to <= n.to : n.from < to && n.to > from;
      if (!touches) return;
      const el = elementOf(state, n.node);
      if (el) out.push(el);
    },
  });
  const span = blockSpan(state, tree, from, to);
  for (const u of underlines(state, span.from, span.to, tree)) {
    const touches = from === to ? u.from <= from && to <= u.to : u.from < to && u.to > from;
    if (touches) out.push(u);
  }
  return out;
}

/** The innermost element of a kind that holds the whole range (a caret: strictly inside it). */
function enclosing(state: EditorState, kind: InlineFormat | "link", range: { from: number; to: number }, tree: Tree): Element | null {
  const list = elementsAt(state, range.from, range.to, tree).filter((e) => e.kind === kind);
  let best: Element | null = null;
  for (const e of list) {
    const inside = range.from === range.to ? e.from < range.from && range.to < e.to : e.from <= range.from && range.to <= e.to;
    if (inside && (!best || e.to - e.from < best.to - best.from)) best = e;
  }
  return best;
}

// ---- line prefixes ----

/** What starts a line: indentation, quote marks, then a heading or list marker, then the text. */
export interface LinePrefix {
  indent: string;
  quote: string;
  heading: number;
  /** "-", "*", "+" or "" */
  bullet: string;
  /** The number of a numbered item, or null. */
  number: number | null;
  /** " " or "x" for a task item, else null. */
  task: string | null;
  /** Length of the whole prefix (indentation, quote, marker and the spaces after it). */
  length: number;
  /** Length of the indentation and quote marks only. */
  base: number;
}

const PREFIX = /^([ \t]*)((?:>[ \t]?)*)(?:(#{1,6})(?:[ \t]+|$)|([-*+])(?:[ \t]+|$)(?:\[([ xX])\](?:[ \t]+|$))?|(\d{1,9})[.)](?:[ \t]+|$)(?:\[([ xX])\](?:[ \t]+|$))?)?/;

export function parsePrefix(line: string): LinePrefix {
  const m = PREFIX.exec(line)!;
  const indent = m[1] ?? "";
  const quote = m[2] ?? "";
  // "---" or "***" is a rule, not an item.
  const rule = /^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/.test(line.slice(indent.length + quote.length));
  if (rule) return { indent, quote, heading: 0, bullet: "", number: null, task: null, length: indent.length + quote.length, base: indent.length + quote.length };
  const task = m[5] ?? m[7] ?? null;
  return {
    indent,
    quote,
    heading: m[3] ? m[3].length : 0,
    bullet: m[4] ?? "",
    number: m[6] !== undefined ? Number(m[6]) : null,
    task: task === null ? null : task.toLowerCase(),
    length: m[0].length,
    base: indent.length + quote.length,
  };
}

function isItem(p: LinePrefix): boolean {
  return p.bullet !== "" || p.number !== null;
}

/** Where a line's own text starts (after its block markers). */
export function contentStart(line: string): number {
  return parsePrefix(line).length;
}

// ---- commands ----

function rangeLines(state: EditorState, range: SelectionRange): { from: number; to: number; text: string; number: number }[] {
  const first = state.doc.lineAt(range.from).number;
  let last = state.doc.lineAt(range.to).number;
  // A selection ending at the start of a line does not take that line.
  if (last > first && state.doc.line(last).from === range.to) last--;
  const out = [];
  for (let n = first; n <= last; n++) {
    const l = state.doc.line(n);
    out.push({ from: l.from, to: l.to, text: l.text, number: n });
  }
  return out;
}

function mapRange(range: SelectionRange, changes: ChangeSet): SelectionRange {
  if (range.empty) {
    const p = changes.mapPos(range.head, 1);
    return EditorSelection.cursor(p);
  }
  const forward = range.head >= range.anchor;
  return EditorSelection.range(changes.mapPos(range.anchor, forward ? 1 : -1), changes.mapPos(range.head, forward ? -1 : 1));
}

/** Applies `perRange` to every selection range (changes in the document's offsets before). */
function byRange(state: EditorState, perRange: (range: SelectionRange) => { changes: ChangeSpec[]; range?: (cs: ChangeSet) => SelectionRange } | null): TransactionSpec | null {
  let any = false;
  const result = state.changeByRange((range) => {
    const r = perRange(range);
    if (!r || r.changes.length === 0) return { range };
    any = true;
    const cs = state.changes(r.changes);
    return { changes: cs, range: r.range ? r.range(cs) : mapRange(range, cs) };
  });
  if (!any) return null;
  return { ...result, userEvent: FORMAT_EVENT, scrollIntoView: true };
}

function unwrap(el: Element): ChangeSpec[] {
  return el.marks.map((m) => ({ from: m.from, to: m.to }));
}

function toggleInline(state: EditorState, kind: InlineFormat): TransactionSpec | null {
  const spec = INLINE[kind];
  const tree = treeFor(state, state.selection.ranges[state.selection.ranges.length - 1]!.to + 200);
  const multiLine = (r: SelectionRange) => state.doc.lineAt(r.from).number !== state.doc.lineAt(r.to).number;
  return byRange(state, (range) => {
    if (kind === "code" && (multiLine(range) || inFence(tree, range.from))) return codeBlock(state, range, tree);
    const el = enclosing(state, kind, range, tree);
    if (el) return { changes: unwrap(el) };
    if (range.empty) {
      const word = state.wordAt(range.head);
      if (word)
        return {
          changes: [
            { from: word.from, insert: spec.open },
            { from: word.to, insert: spec.close },
          ],
        };
      const at = range.head;
      return { changes: [{ from: at, insert: spec.open + spec.close }], range: () => EditorSelection.cursor(at + spec.open.length) };
    }
    // One wrap per line, around the line's text without its markers and outer spaces (Markdown
    // does not take "** word**").
    const changes: ChangeSpec[] = [];
    let first = -1;
    let last = -1;
    for (const l of rangeLines(state, range)) {
      let a = Math.max(range.from, l.from + contentStart(l.text));
      let b = Math.min(range.to, l.to);
      while (a < b && /\s/.test(state.sliceDoc(a, a + 1))) a++;
      while (b > a && /\s/.test(state.sliceDoc(b - 1, b))) b--;
      if (b <= a) continue;
      if (first < 0) first = a;
      last = b;
      changes.push({ from: a, insert: spec.open }, { from: b, insert: spec.close });
    }
    // The selection keeps the words, inside the marks.
    return { changes, range: (cs) => EditorSelection.range(cs.mapPos(first, 1), cs.mapPos(last, -1)) };
  });
}

function inFence(tree: Tree, pos: number): boolean {
  for (let n: SyntaxNode | null = tree.resolveInner(pos, 1); n; n = n.parent) if (n.name === "FencedCode") return true;
  return false;
}

/** Lines between ``` fences, or the fences taken away. */
function codeBlock(state: EditorState, range: SelectionRange, tree: Tree): { changes: ChangeSpec[] } | null {
  for (let n: SyntaxNode | null = tree.resolveInner(range.from, 1); n; n = n.parent) {
    if (n.name === "FencedCode") {
      const first = state.doc.lineAt(n.from);
      const last = state.doc.lineAt(n.to);
      const changes: ChangeSpec[] = [{ from: first.from, to: Math.min(first.to + 1, state.doc.length) }];
      if (last.number > first.number && /^\s*(`{3,}|~{3,})\s*$/.test(last.text)) changes.push({ from: last.from - 1, to: last.to });
      return { changes };
    }
  }
  const lines = rangeLines(state, range);
  const first = lines[0]!;
  const last = lines[lines.length - 1]!;
  return {
    changes: [
      { from: first.from, insert: "```\n" },
      { from: last.to, insert: "\n```" },
    ],
  };
}

/** The new prefix of a line for a line command (null: the line stays). */
function linePrefixFor(cmd: LineFormat, p: LinePrefix, on: boolean, n: number): string {
  const base = p.indent + p.quote;
  if (cmd === "quote") return on ? p.indent + "> " + p.quote : p.indent + p.quote.replace(/^>[ \t]?/, "");
  if (cmd === "h1" || cmd === "h2" || cmd === "h3") return on ? p.quote + "#".repeat(Number(cmd[1])) + " " : base;
  if (!on) return base;
  if (cmd === "bullet") return base + "- ";
  if (cmd === "check") return base + (p.number !== null ? `${p.number}. ` : "- ") + `[${p.task ?? " "}] `;
  return `${base}${n}. `;
}

function hasFormat(cmd: LineFormat, p: LinePrefix): boolean {
  switch (cmd) {
    case "quote":
      return p.quote !== "";
    case "h1":
    case "h2":
    case "h3":
      return p.heading === Number(cmd[1]);
    case "bullet":
      return p.bullet !== "" && p.task === null;
    case "numbered":
      return p.number !== null && p.task === null;
    case "check":
      return p.task !== null;
  }
}

/** The number a new numbered item on line `n` takes: one past the item just above at its indentation. */
function nextNumber(state: EditorState, n: number, indent: string): number {
  if (n <= 1) return 1;
  const p = parsePrefix(state.doc.line(n - 1).text);
  return p.number !== null && p.indent === indent ? p.number + 1 : 1;
}

function toggleLines(state: EditorState, cmd: LineFormat): TransactionSpec | null {
  return byRange(state, (range) => {
    const all = rangeLines(state, range);
    const lines = all.length > 1 ? all.filter((l) => l.text.trim() !== "" || cmd === "quote") : all;
    if (lines.length === 0) return null;
    const on = !lines.every((l) => hasFormat(cmd, parsePrefix(l.text)));
    const changes: ChangeSpec[] = [];
    let number = 0;
    for (const l of lines) {
      const p = parsePrefix(l.text);
      number = number === 0 ? (p.number !== null && cmd === "numbered" && !on ? p.number : nextNumber(state, l.number, p.indent)) : number + 1;
      const next = linePrefixFor(cmd, p, on, number);
      // A quote goes around whatever the line holds; the other commands replace its marker.
      const len = cmd === "quote" ? p.base : p.length;
      if (next !== l.text.slice(0, len)) changes.push({ from: l.from, to: l.from + len, insert: next });
    }
    return { changes };
  });
}

/** The item above `line` at the given indentation (stopping at a line indented less). */
function itemAbove(state: EditorState, line: number, indentLen: number, less = false): LinePrefix | null {
  for (let n = line - 1; n >= 1; n--) {
    const text = state.doc.line(n).text;
    if (text.trim() === "") continue;
    const p = parsePrefix(text);
    if (!isItem(p)) {
      if (p.indent.length === 0) return null;
      continue;
    }
    if (less ? p.indent.length < indentLen : p.indent.length === indentLen) return p;
    if (!less && p.indent.length < indentLen) return null;
  }
  return null;
}

/** Tab / Shift-Tab in a list: nests the item under the one above, or takes it one level out. */
function indentItems(state: EditorState, out: boolean): TransactionSpec | null {
  return byRange(state, (range) => {
    const changes: ChangeSpec[] = [];
    for (const l of rangeLines(state, range)) {
      const p = parsePrefix(l.text);
      if (!isItem(p) || p.quote) continue;
      let indent: string;
      let number = p.number;
      if (out) {
        if (p.indent.length === 0) continue;
        const parent = itemAbove(state, l.number, p.indent.length, true);
        indent = parent ? parent.indent : "";
        if (number !== null) number = parent && parent.number !== null ? parent.number + 1 : 1;
      } else {
        const sibling = itemAbove(state, l.number, p.indent.length);
        // A nested item starts where its parent's text starts.
        const width = sibling ? sibling.length - sibling.indent.length - (sibling.task !== null ? 4 : 0) : 2;
        indent = p.indent + " ".repeat(width);
        if (number !== null) {
          const above = itemAbove(state, l.number, indent.length);
          number = above && above.number !== null ? above.number + 1 : 1;
        }
      }
      const marker = number !== null ? `${number}. ` : `${p.bullet} `;
      const task = p.task !== null ? `[${p.task}] ` : "";
      changes.push({ from: l.from, to: l.from + p.length, insert: indent + marker + task });
    }
    return { changes };
  });
}

function horizontalRule(state: EditorState): TransactionSpec | null {
  const range = state.selection.main;
  const line = state.doc.lineAt(range.to);
  const prevBlank = line.number === 1 || state.doc.line(line.number - 1).text.trim() === "";
  if (line.text.trim() === "" && prevBlank) {
    const insert = line.number === state.doc.lines ? "---\n" : "---\n";
    return { changes: { from: line.from, to: line.to, insert }, selection: EditorSelection.cursor(line.from + insert.length), userEvent: FORMAT_EVENT, scrollIntoView: true };
  }
  // A blank line first: "---" right under text would make that text a heading.
  const insert = (line.text.trim() === "" ? "\n" : "\n\n") + "---\n";
  return { changes: { from: line.to, insert }, selection: EditorSelection.cursor(line.to + insert.length), userEvent: FORMAT_EVENT, scrollIntoView: true };
}

/** A fence line ("```js", "~~~") after any indentation and quote marks: its character and length. */
function fenceOf(text: string): { ch: string; len: number; info: string } | null {
  const m = /^[ \t]*(?:>[ \t]?)*(`{3,}|~{3,})(.*)$/.exec(text);
  if (!m || (m[1]![0] === "`" && m[2]!.includes("`"))) return null;
  return { ch: m[1]![0]!, len: m[1]!.length, info: m[2]!.trim() };
}

/** The fenced code blocks of a document up to line `upto`, as [opening line, closing line] (1-based; an unclosed one ends at the last line). */
function fencedBlocks(doc: Text, upto: number): { open: number; close: number; closed: boolean }[] {
  const out: { open: number; close: number; closed: boolean }[] = [];
  let open: { line: number; ch: string; len: number } | null = null;
  for (let n = 1; n <= doc.lines; n++) {
    if (!open && n > upto) break;
    const f = fenceOf(doc.line(n).text);
    if (!f) continue;
    if (!open) open = { line: n, ch: f.ch, len: f.len };
    else if (f.ch === open.ch && f.len >= open.len && f.info === "") {
      out.push({ open: open.line, close: n, closed: true });
      open = null;
    }
  }
  if (open) out.push({ open: open.line, close: doc.lines, closed: false });
  return out;
}

const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;

/**
 * The changes that turn lines `first`..`last` (1-based) of a Markdown document into plain
 * paragraphs, as Word's "Clear All Formatting" does: each line keeps its text and loses its block
 * markup — indentation, quote marks, heading marks, list and task markers (nested ones too), a
 * setext heading's underline — and a fenced code block whose content lines are all selected loses
 * its fences (its lines, now text, have a marker at their start escaped so they do not become
 * headings or items). Lines of a code block only partly selected stay as they are: there, "# x" is
 * code. Horizontal rules stay. Changes are in the document's offsets, ordered, not overlapping.
 */
export function clearBlockChanges(doc: Text, first: number, last: number): { from: number; to: number; insert: string }[] {
  const changes: { from: number; to: number; insert: string }[] = [];
  const lineOf = new Map<number, "fence" | "code" | "keep">();
  for (const b of fencedBlocks(doc, last)) {
    if (b.close < first || b.open > last) continue;
    const contentFrom = b.open + 1;
    const contentTo = b.closed ? b.close - 1 : b.close;
    const whole = first <= contentFrom && last >= contentTo;
    for (let n = b.open; n <= b.close; n++) {
      const isFence = n === b.open || (b.closed && n === b.close);
      lineOf.set(n, !whole ? "keep" : isFence ? "fence" : "code");
    }
  }
  // The fences of a fully selected block may lie just outside the selection.
  let lo = first;
  let hi = last;
  for (const [n, kind] of lineOf) {
    if (kind !== "fence") continue;
    lo = Math.min(lo, n);
    hi = Math.max(hi, n);
  }
  for (let n = lo; n <= hi; n++) {
    const line = doc.line(n);
    const kind = lineOf.get(n);
    if (kind === "keep" || ((n < first || n > last) && kind !== "fence")) continue;
    if (kind === "fence") {
      // The whole line goes with its line break (the one before it, on the document's last line).
      if (n < doc.lines) changes.push({ from: line.from, to: line.to + 1, insert: "" });
      else if (n > 1) changes.push({ from: line.from - 1, to: line.to, insert: "" });
      else changes.push({ from: line.from, to: line.to, insert: "" });
      continue;
    }
    const text = line.text;
    if (kind === "code") {
      // Code becoming text: its indentation goes, a leading marker is escaped.
      const lead = /^[ \t]*/.exec(text)![0].length;
      const rest = text.slice(lead);
      const p = parsePrefix(rest);
      const marker = p.length > 0 && (p.quote !== "" || p.heading > 0 || p.bullet !== "" || p.number !== null);
      const at = p.number !== null && p.quote === "" ? String(p.number).length : 0;
      if (lead > 0 || marker) changes.push({ from: line.from, to: line.from + lead + at, insert: marker ? rest.slice(0, at) + "\\" : "" });
      continue;
    }
    // Layers of markup ("> - [ ] ## x"): taken off one after another.
    let cut = 0;
    for (let guard = 0; guard < 32; guard++) {
      const p = parsePrefix(text.slice(cut));
      if (p.length === 0) break;
      cut += p.length;
    }
    // A rule ("---", "> ***") stays as it is.
    const rule = /^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/.test(text.slice(cut));
    if (cut > 0 && text.trim() !== "" && !rule) changes.push({ from: line.from, to: line.from + cut, insert: "" });
    // "Title" over "===" or "---": the underline goes (with its line break) when the title is cleared.
    if (n < doc.lines && text.trim() !== "" && !lineOf.has(n + 1)) {
      const under = doc.line(n + 1);
      const p = parsePrefix(text);
      if (SETEXT_UNDERLINE.test(under.text) && !isItem(p) && p.heading === 0 && p.quote === "" && p.indent.length < 4) {
        changes.push({ from: line.to, to: under.to, insert: "" });
        if (n + 1 <= last) n++;
      }
    }
  }
  return changes;
}

/**
 * Takes bold, italic, underline, strikethrough, code and links off the selection (or the caret's
 * words), and makes its lines plain paragraphs (see clearBlockChanges): one change, one undo step.
 */
function clearFormatting(state: EditorState): TransactionSpec | null {
  const tree = treeFor(state, state.selection.ranges[state.selection.ranges.length - 1]!.to + 200);
  return byRange(state, (range) => {
    const seen = new Set<number>();
    const changes: ChangeSpec[] = [];
    for (const el of elementsAt(state, range.from, range.to, tree)) {
      for (const m of el.marks) {
        if (seen.has(m.from)) continue;
        seen.add(m.from);
        changes.push({ from: m.from, to: m.to });
      }
    }
    const lines = rangeLines(state, range);
    changes.push(...clearBlockChanges(state.doc, lines[0]!.number, lines[lines.length - 1]!.number));
    return { changes };
  });
}

/** Ticks or unticks the task on each line of the selection (Mod-Enter; a click on the box). */
export function toggleTaskAt(state: EditorState, lineFrom: number): TransactionSpec | null {
  const line = state.doc.lineAt(lineFrom);
  const p = parsePrefix(line.text);
  if (p.task === null) return null;
  const at = line.from + line.text.lastIndexOf("[", p.length) + 1;
  return { changes: { from: at, to: at + 1, insert: p.task === " " ? "x" : " " }, userEvent: FORMAT_EVENT };
}

function toggleTasks(state: EditorState): TransactionSpec | null {
  return byRange(state, (range) => {
    const changes: ChangeSpec[] = [];
    for (const l of rangeLines(state, range)) {
      const t = toggleTaskAt(state, l.from);
      if (t?.changes) changes.push(t.changes as ChangeSpec);
    }
    return { changes };
  });
}

/** The change a toolbar button or shortcut makes, or null when it has nothing to do. */
export function formatChange(state: EditorState, cmd: Command): TransactionSpec | null {
  switch (cmd) {
    case "bold":
    case "italic":
    case "underline":
    case "strike":
    case "code":
      return toggleInline(state, cmd);
    case "h1":
    case "h2":
    case "h3":
    case "bullet":
    case "numbered":
    case "check":
    case "quote":
      return toggleLines(state, cmd);
    case "indent":
      return indentItems(state, false);
    case "outdent":
      return indentItems(state, true);
    case "hr":
      return horizontalRule(state);
    case "clear":
      return clearFormatting(state);
    case "task":
      return toggleTasks(state);
  }
}

/** The link around the main selection, if any (its destination prefills the link form). */
export function linkAt(state: EditorState): Element | null {
  const r = state.selection.main;
  return enclosing(state, "link", r, treeFor(state, r.to + 200)) ?? (r.empty ? enclosingTouching(state, r.head) : null);
}

function enclosingTouching(state: EditorState, pos: number): Element | null {
  return elementsAt(state, pos, pos).find((e) => e.kind === "link") ?? null;
}

/** A destination as it can sit inside "(…)": spaces and parentheses escaped. */
export function linkDestination(url: string): string {
  return url.trim().replace(/ /g, "%20").replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/</g, "%3C").replace(/>/g, "%3E");
}

/** Makes the selection a link to `url`, changes the link the caret is in, or (empty url) removes it. */
export function setLink(state: EditorState, url: string): TransactionSpec | null {
  const dest = linkDestination(url);
  const current = linkAt(state);
  if (current) {
    if (!dest) return { changes: unwrap(current), userEvent: FORMAT_EVENT };
    const textEnd = current.marks[1]!.from;
    return { changes: { from: textEnd, to: current.to, insert: `](${dest})` }, userEvent: FORMAT_EVENT };
  }
  if (!dest) return null;
  return byRange(state, (range) => {
    let from = range.from;
    let to = range.to;
    if (range.empty) {
      const word = state.wordAt(range.head);
      if (word) ({ from, to } = word);
    } else {
      // A link stays on one line.
      const line = state.doc.lineAt(from);
      to = Math.min(to, line.to);
      from = Math.max(from, line.from + contentStart(line.text));
    }
    if (to <= from) {
      const text = url.trim();
      return { changes: [{ from, insert: `[${text}](${dest})` }], range: () => EditorSelection.range(from + 1, from + 1 + text.length) };
    }
    return {
      changes: [
        { from, insert: "[" },
        { from: to, insert: `](${dest})` },
      ],
      range: () => EditorSelection.range(from + 1, to + 1),
    };
  });
}

// ---- what is on ----

/** The formats of the main selection: those that hold all of it. */
export function activeFormats(state: EditorState, tree: Tree = treeFor(state, state.selection.main.to + 200)): Set<Format> {
  const out = new Set<Format>();
  const range = state.selection.main;
  for (const kind of ["bold", "italic", "strike", "code", "underline", "link"] as const) {
    if (enclosing(state, kind, range, tree)) out.add(kind);
  }
  const lines = rangeLines(state, range);
  const prefixes = lines.filter((l) => l.text.trim() !== "" || lines.length === 1).map((l) => parsePrefix(l.text));
  if (prefixes.length > 0) {
    for (const f of ["h1", "h2", "h3", "bullet", "numbered", "check", "quote"] as const) {
      if (prefixes.every((p) => hasFormat(f, p))) out.add(f);
    }
  }
  // Setext headings ("Title" over "===") are headings too.
  for (let n: SyntaxNode | null = tree.resolveInner(range.head, -1); n; n = n.parent) {
    const m = /^(?:ATX|Setext)Heading([1-3])$/.exec(n.name);
    if (m) out.add(`h${m[1]}` as Format);
    if (n.name === "FencedCode" || n.name === "CodeBlock") out.add("codeblock");
  }
  return out;
}
