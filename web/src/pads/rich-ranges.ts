// What the Formatted mode draws, as plain ranges over the Markdown text (rich.ts turns them into
// CodeMirror decorations). Read from the lezer Markdown tree: markup (`**`, `*`, `~~`, backticks,
// `<u>` tags, a link's brackets and address, "# ", "> ", escaping backslashes) is hidden, except
// where the person is working: an element holding a caret shows its marks, a line holding a
// caret shows its heading and quote marks, so the text can still be edited character by
// character. A selection (e.g. a word just made bold) shows no marks. List bullets and task boxes
// are always drawn as bullets and boxes, rules as a line. Pure; unit-tested in
// test/pads-rich.test.ts.
import type { EditorState } from "@codemirror/state";
import type { Tree } from "@lezer/common";
import { treeFor, underlines } from "./format.ts";

export interface RichRange {
  from: number;
  to: number;
  /** hide: markup not shown; bullet/check/hr/image: drawn instead of the text; line: a class on the line; mark: a class on the text. */
  kind: "hide" | "bullet" | "check" | "hr" | "image" | "line" | "mark";
  cls?: string;
  checked?: boolean;
  url?: string;
  /** An image's description. */
  alt?: string;
}

const INLINE_MARKS: Record<string, string> = {
  StrongEmphasis: "EmphasisMark",
  Emphasis: "EmphasisMark",
  Strikethrough: "StrikethroughMark",
  InlineCode: "CodeMark",
};

/** `tree`: the editor passes what it has parsed so far (drawing never waits for the parser). */
export function richRanges(state: EditorState, from: number, to: number, tree: Tree = treeFor(state, to)): RichRange[] {
  const out: RichRange[] = [];
  const doc = state.doc;
  const carets: number[] = [];
  const ends: number[] = [];
  const caretLines = new Set<number>();
  for (const r of state.selection.ranges) {
    if (r.empty) {
      carets.push(r.head);
      caretLines.add(doc.lineAt(r.head).number);
    } else ends.push(r.from, r.to);
  }
  const holdsCaret = (a: number, b: number) => carets.some((c) => a <= c && c <= b);
  const onCaretLine = (pos: number) => caretLines.has(doc.lineAt(pos).number);
  // A mark with a selection's end inside it shows, so one sees what one is cutting.
  const hide = (a: number, b: number) => {
    if (b <= a || ends.some((e) => a < e && e < b)) return;
    out.push({ from: a, to: b, kind: "hide" });
  };
  const lineClass = new Map<number, string>();
  const addLine = (pos: number, cls: string) => {
    const start = doc.lineAt(pos).from;
    const cur = lineClass.get(start);
    if (!cur || !cur.split(" ").includes(cls)) lineClass.set(start, cur ? `${cur} ${cls}` : cls);
  };
  const eachLine = (a: number, b: number, cls: string) => {
    for (let n = doc.lineAt(a).number, last = doc.lineAt(b).number; n <= last; n++) addLine(doc.line(n).from, cls);
  };
  const spaceAfter = (pos: number) => (doc.sliceString(pos, pos + 1) === " " ? pos + 1 : pos);

  tree.iterate({
    from,
    to,
    enter: (n) => {
      const name = n.name;
      const marks = INLINE_MARKS[name];
      if (marks) {
        if (holdsCaret(n.from, n.to)) return;
        for (const m of n.node.getChildren(marks)) hide(m.from, m.to);
        return name === "InlineCode" ? false : undefined;
      }
      switch (name) {
        case "Link": {
          const lm = n.node.getChildren("LinkMark");
          const url = n.node.getChild("URL");
          if (lm.length < 2 || lm[0]!.from !== n.from || !url) return;
          const text = { from: lm[0]!.to, to: lm[1]!.from };
          out.push({ ...text, kind: "mark", cls: "pad-rich-link", url: state.sliceDoc(url.from, url.to) });
          if (holdsCaret(n.from, n.to)) return;
          hide(lm[0]!.from, lm[0]!.to);
          hide(lm[1]!.from, n.to);
          return;
        }
        case "Image": {
          // `![alt](url)` is drawn as the image away from the caret's line (rich.ts draws only
          // this instance's images: another site's would be a request from the page).
          const lm = n.node.getChildren("LinkMark");
          const url = n.node.getChild("URL");
          if (lm.length < 2 || !url || onCaretLine(n.from) || onCaretLine(n.to) || ends.some((e) => n.from < e && e < n.to)) return false;
          out.push({ from: n.from, to: n.to, kind: "image", url: state.sliceDoc(url.from, url.to), alt: state.sliceDoc(lm[0]!.to, lm[1]!.from) });
          return false;
        }
        case "Escape":
          if (!holdsCaret(n.from, n.to)) hide(n.from, n.from + 1);
          return;
        case "HeaderMark": {
          const parent = n.node.parent;
          const level = parent && /^ATXHeading(\d)$/.exec(parent.name);
          if (!parent || !level) return;
          if (onCaretLine(n.from)) return;
          // The opening "# " with its space; a closing "##" with the space before it.
          if (n.from === parent.from) hide(n.from, spaceAfter(n.to));
          else hide(doc.sliceString(n.from - 1, n.from) === " " ? n.from - 1 : n.from, n.to);
          return;
        }
        case "ListItem": {
          const mark = n.node.getChild("ListMark");
          if (!mark) return;
          const task = n.node.getChild("Task")?.getChild("TaskMarker");
          const checked = task ? /x/i.test(state.sliceDoc(task.from, task.to)) : false;
          addLine(n.from, "pad-rich-li");
          if (task) {
            if (checked) addLine(n.from, "pad-rich-done");
            out.push({ from: mark.from, to: task.to, kind: "check", checked });
          } else if (n.node.parent?.name === "BulletList") {
            out.push({ from: mark.from, to: mark.to, kind: "bullet" });
          }
          return;
        }
        case "QuoteMark":
          if (!onCaretLine(n.from)) hide(n.from, spaceAfter(n.to));
          return;
        case "HorizontalRule":
          addLine(n.from, "pad-rich-hr");
          if (!onCaretLine(n.from)) out.push({ from: n.from, to: n.to, kind: "hr" });
          return;
        case "FencedCode":
        case "CodeBlock":
          eachLine(n.from, n.to, "pad-rich-codeblock");
          return;
        case "Blockquote":
          eachLine(n.from, n.to, "pad-rich-quote");
          return;
        default: {
          const h = /^(?:ATX|Setext)Heading(\d)$/.exec(name);
          if (h) eachLine(n.from, n.to, `pad-rich-h${h[1]}`);
          return;
        }
      }
    },
  });
  for (const u of underlines(state, from, to, tree)) {
    const open = u.marks[0]!;
    const close = u.marks[1]!;
    out.push({ from: open.to, to: close.from, kind: "mark", cls: "pad-rich-u" });
    if (holdsCaret(u.from, u.to)) continue;
    hide(open.from, open.to);
    hide(close.from, close.to);
  }
  for (const [pos, cls] of lineClass) out.push({ from: pos, to: pos, kind: "line", cls });
  return out.sort((a, b) => a.from - b.from || a.to - b.to);
}
