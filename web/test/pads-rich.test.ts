// The pad's rich-text editing without a browser: toolbar commands (text + selection → text +
// selection), active formats, the Formatted mode's decoration ranges, and the conversion of pasted
// HTML to Markdown (DOMPurify and turndown on a jsdom window).
import assert from "node:assert/strict";
import { test } from "node:test";
import { EditorSelection, EditorState } from "@codemirror/state";
import { markdown, markdownLanguage } from "@codemirror/lang-markdown";
import { JSDOM } from "jsdom";
import { activeFormats, formatChange, parsePrefix, setLink, type Command } from "../src/pads/format.ts";
import { richRanges } from "../src/pads/rich-ranges.ts";
import { htmlToMarkdown } from "../src/pads/paste.ts";
import { UndoManager } from "../src/pads/undo.ts";
import { apply, transform, type Op } from "../src/pads/ot.ts";
import { opFromChanges } from "../src/pads/changes.ts";
import { make } from "./marked-text.ts";

// ---- text with a selection (marked-text.ts) ----

function show(state: EditorState): string {
  const r = state.selection.main;
  const d = state.doc.toString();
  if (r.empty) return d.slice(0, r.head) + "¦" + d.slice(r.head);
  return d.slice(0, r.from) + "⟨" + d.slice(r.from, r.to) + "⟩" + d.slice(r.to);
}

function run(marked: string, cmd: Command): string {
  const state = make(marked);
  const spec = formatChange(state, cmd);
  if (!spec) return show(state);
  return show(state.update(spec).state);
}

test("bold wraps the selection, and unwraps it when on", () => {
  assert.equal(run("say ⟨hello⟩ world", "bold"), "say **⟨hello⟩** world");
  assert.equal(run("say **⟨hello⟩** world", "bold"), "say ⟨hello⟩ world");
  // Spaces at the edges stay outside (Markdown does not take "** hello**").
  assert.equal(run("say⟨ hello ⟩world", "bold"), "say **⟨hello⟩** world");
  // A caret in a word takes the word; a caret in a bold word unbolds it.
  assert.equal(run("say hel¦lo", "bold"), "say **hel¦lo**");
  assert.equal(run("say **hel¦lo** you", "bold"), "say hel¦lo you");
  // A caret in nothing: an empty pair to type into.
  assert.equal(run("a ¦", "bold"), "a **¦**");
});

test("inline formats: italic, strikethrough, underline, code, on several lines", () => {
  assert.equal(run("⟨word⟩", "italic"), "*⟨word⟩*");
  assert.equal(run("*⟨word⟩*", "italic"), "⟨word⟩");
  assert.equal(run("⟨word⟩", "strike"), "~~⟨word⟩~~");
  assert.equal(run("⟨word⟩", "underline"), "<u>⟨word⟩</u>");
  assert.equal(run("x <u>wo¦rd</u> y", "underline"), "x wo¦rd y");
  assert.equal(run("⟨word⟩", "code"), "`⟨word⟩`");
  // Each line's text, without its list marker.
  assert.equal(run("- ⟨one\n- two⟩", "bold"), "- **⟨one**\n- **two⟩**");
  // Code over several lines is a fenced block.
  assert.equal(run("⟨a\nb⟩", "code"), "```\n⟨a\nb⟩\n```");
  assert.equal(run("```\n¦a\nb\n```", "code"), "¦a\nb");
});

test("headings, lists, quotes toggle per line", () => {
  assert.equal(run("Ti¦tle", "h1"), "# Ti¦tle");
  assert.equal(run("# Ti¦tle", "h2"), "## Ti¦tle");
  assert.equal(run("## Ti¦tle", "h2"), "Ti¦tle");
  assert.equal(run("- Ti¦tle", "h3"), "### Ti¦tle");
  assert.equal(run("⟨one\n\ntwo⟩", "bullet"), "- ⟨one\n\n- two⟩");
  assert.equal(run("⟨- one\n- two⟩", "bullet"), "⟨one\ntwo⟩");
  assert.equal(run("⟨one\ntwo\nthree⟩", "numbered"), "1. ⟨one\n2. two\n3. three⟩");
  assert.equal(run("1. one\n¦", "numbered"), "1. one\n2. ¦");
  assert.equal(run("- ⟨one\n- two⟩", "check"), "- [ ] ⟨one\n- [ ] two⟩");
  assert.equal(run("- [ ] ¦one", "check"), "¦one");
  assert.equal(run("¦", "bullet"), "- ¦");
  assert.equal(run("⟨one\ntwo⟩", "quote"), "> ⟨one\n> two⟩");
  assert.equal(run("> - on¦e", "quote"), "- on¦e");
  assert.equal(run("- on¦e", "quote"), "> - on¦e");
  assert.equal(run("- [ ] on¦e", "task"), "- [x] on¦e");
});

test("Tab and Shift-Tab nest list items under the one above", () => {
  assert.equal(run("- one\n- tw¦o", "indent"), "- one\n  - tw¦o");
  assert.equal(run("1. one\n2. tw¦o", "indent"), "1. one\n   1. tw¦o");
  assert.equal(run("1. one\n   1. tw¦o", "outdent"), "1. one\n2. tw¦o");
  assert.equal(run("- one\n  - tw¦o", "outdent"), "- one\n- tw¦o");
  // Not a list: nothing for the command to do (Tab indents as before).
  assert.equal(formatChange(make("plain¦"), "indent"), null);
});

test("horizontal rule, links, clear formatting", () => {
  assert.equal(run("text¦", "hr"), "text\n\n---\n¦");
  assert.equal(run("¦", "hr"), "---\n¦");
  const link = (m: string, url: string) => {
    const s = make(m);
    const spec = setLink(s, url);
    return spec ? show(s.update(spec).state) : show(s);
  };
  assert.equal(link("see ⟨the site⟩", "https://example.org/a b"), "see [⟨the site⟩](https://example.org/a%20b)");
  assert.equal(link("see [the s¦ite](https://a.example)", "https://b.example"), "see [the s¦ite](https://b.example)");
  assert.equal(link("see [the s¦ite](https://a.example)", ""), "see the s¦ite");
  assert.equal(run("⟨**a** _b_ ~~c~~ <u>d</u> [e](f)⟩", "clear"), "⟨a b c d e⟩");
});

test("clear formatting makes the selected lines plain paragraphs", () => {
  // Headings, items, tasks, quotes: the markup goes, the text stays, inline marks too.
  assert.equal(run("## Ti¦tle", "clear"), "Ti¦tle");
  assert.equal(run("⟨# One\n- two\n1. three\n- [x] **four**\n> five⟩", "clear"), "⟨One\ntwo\nthree\nfour\nfive⟩");
  // Nested items lose their indentation; layers of markup all go.
  assert.equal(run("⟨- a\n  - b\n    1. c\n> - [ ] ## d⟩", "clear"), "⟨a\nb\nc\nd⟩");
  // Only the selected lines.
  assert.equal(run("# a\n- ⟨b⟩\n- c", "clear"), "# a\n⟨b⟩\n- c");
  // A setext heading loses its underline; a rule stays.
  assert.equal(run("Ti¦tle\n===\n\nx", "clear"), "Ti¦tle\n\nx");
  assert.equal(run("⟨a\n\n---\n\nb⟩", "clear"), "⟨a\n\n---\n\nb⟩");
  // A fully selected code block loses its fences; a marker in it is escaped, not made a heading.
  assert.equal(run("x\n```js\n⟨# not a title\n  1. y⟩\n```\nz", "clear"), "x\n\\⟨# not a title\n1\\. y⟩\nz");
  assert.equal(run("⟨```\ncode\n```⟩", "clear"), "⟨code⟩");
  // A partly selected code block stays code.
  assert.equal(run("```\n# a\n⟨- b⟩\n```", "clear"), "```\n# a\n⟨- b⟩\n```");
  // Nothing to clear: no change at all.
  assert.equal(formatChange(make("plain te¦xt"), "clear"), null);
});

test("clear formatting is one undo step, sent as one operation", () => {
  const s = make("⟨## **Title**\n- item⟩");
  const spec = formatChange(s, "clear")!;
  assert.equal(spec.userEvent, "input.format");
  const tr = s.update(spec);
  assert.equal(tr.state.doc.toString(), "Title\nitem");
  // The same change as one OT operation gives the same text, and one undo gives the text back.
  const before = s.doc.toString();
  const changes: { from: number; to: number; insert: string }[] = [];
  tr.changes.iterChanges((from, to, _f, _t, ins) => changes.push({ from, to, insert: ins.toString() }));
  const op = opFromChanges(before, changes);
  const after = apply(before, op);
  assert.equal(after, "Title\nitem");
  const undo = new UndoManager();
  undo.record(op, before, "edit");
  assert.equal(apply(after, undo.popUndo()!), before);
});

test("active formats follow the selection", () => {
  const on = (m: string) => [...activeFormats(make(m))].sort();
  assert.deepEqual(on("a **b¦c** d"), ["bold"]);
  assert.deepEqual(on("a **⟨bc⟩** d"), ["bold"]);
  // At the edge of bold text, typing is not bold.
  assert.deepEqual(on("a **bc**¦ d"), []);
  assert.deepEqual(on("# a *b¦* c"), ["h1", "italic"]);
  assert.deepEqual(on("- [ ] x <u>y¦</u>"), ["check", "underline"]);
  assert.deepEqual(on("> 1. [li¦nk](u)"), ["link", "numbered", "quote"]);
  assert.equal(parsePrefix("---").bullet, "");
});

test("own undo takes back one's formatting only, after someone else's typing", () => {
  // Alice bolds a word (one step), Bob types in the same paragraph meanwhile.
  const before = "hello world";
  const s = make("hello ⟨world⟩");
  const tr = s.update(formatChange(s, "bold")!);
  const changes: { from: number; to: number; insert: string }[] = [];
  tr.changes.iterChanges((from, to, _f, _t, ins) => changes.push({ from, to, insert: ins.toString() }));
  const mine = opFromChanges(before, changes);
  const undo = new UndoManager();
  undo.record(mine, before, "edit");
  let doc = apply(before, mine);
  assert.equal(doc, "hello **world**");
  // Bob's edit was made on the text before Alice's; the server orders it after hers.
  const bob: Op = [5, " big", 6];
  const [, bobAfter] = transform(mine, bob);
  doc = apply(doc, bobAfter);
  undo.transformRemote(bobAfter);
  assert.equal(doc, "hello big **world**");
  doc = apply(doc, undo.popUndo()!);
  assert.equal(doc, "hello big world");
});

// ---- the Formatted mode's decorations ----

test("decoration ranges hide markup away from the caret and draw lists, rules, quotes", () => {
  const doc = "# Title\n\nSome **bold** and *it* ~~gone~~ <u>under</u> `code` [link](https://x.example) \\*\n\n- one\n- [x] done\n1. first\n\n> quoted\n\n---\n";
  const state = EditorState.create({ doc, selection: EditorSelection.cursor(doc.length), extensions: [markdown({ base: markdownLanguage })] });
  const ranges = richRanges(state, 0, doc.length);
  const hidden = ranges.filter((r) => r.kind === "hide").map((r) => doc.slice(r.from, r.to));
  assert.deepEqual(hidden, ["# ", "**", "**", "*", "*", "~~", "~~", "<u>", "</u>", "`", "`", "[", "](https://x.example)", "\\", "> "]);
  const widgets = ranges.filter((r) => r.kind === "bullet" || r.kind === "check" || r.kind === "hr").map((r) => [r.kind, doc.slice(r.from, r.to), r.checked ?? null]);
  assert.deepEqual(widgets, [
    ["bullet", "-", null],
    ["check", "- [x]", true],
    ["hr", "---", null],
  ]);
  const lines = ranges.filter((r) => r.kind === "line").map((r) => [state.doc.lineAt(r.from).number, r.cls]);
  assert.deepEqual(lines, [
    [1, "pad-rich-h1"],
    [5, "pad-rich-li"],
    [6, "pad-rich-li pad-rich-done"],
    [7, "pad-rich-li"],
    [9, "pad-rich-quote"],
    [11, "pad-rich-hr"],
  ]);
  const marks = ranges.filter((r) => r.kind === "mark").map((r) => [doc.slice(r.from, r.to), r.cls]);
  assert.deepEqual(marks, [
    ["under", "pad-rich-u"],
    ["link", "pad-rich-link"],
  ]);
});

test("the caret's line and element show their markup", () => {
  const doc = "# Title\n\nSome **bold** and *it*";
  const at = (pos: number) => {
    const state = EditorState.create({ doc, selection: EditorSelection.cursor(pos), extensions: [markdown({ base: markdownLanguage })] });
    return richRanges(state, 0, doc.length)
      .filter((r) => r.kind === "hide")
      .map((r) => doc.slice(r.from, r.to));
  };
  // Caret in the heading: its "# " shows, the bold and italic stay hidden.
  assert.deepEqual(at(3), ["**", "**", "*", "*"]);
  // Caret in "bold": its stars show, the heading's and the italic's are hidden.
  assert.deepEqual(at(doc.indexOf("bold") + 2), ["# ", "*", "*"]);
  // A selection over a word (after the Bold button) shows it bold, without stars.
  const sel = EditorState.create({ doc, selection: EditorSelection.range(doc.indexOf("bold"), doc.indexOf("bold") + 4), extensions: [markdown({ base: markdownLanguage })] });
  assert.deepEqual(
    richRanges(sel, 0, doc.length)
      .filter((r) => r.kind === "hide")
      .map((r) => doc.slice(r.from, r.to)),
    ["# ", "**", "**", "*", "*"],
  );
});

// ---- pasting HTML ----

const win = new JSDOM("<!doctype html><html><body></body></html>").window as unknown as Window & typeof globalThis;

test("pasted HTML from a web page becomes Markdown", () => {
  const html =
    '<h2>Plan</h2><p>Some <b>bold</b>, <i>italic</i>, <u>under</u>, <s>old</s> and a <a href="https://example.org/x">link</a>.</p>' +
    "<ul><li>one</li><li>two<ul><li>inner</li></ul></li></ul><ol><li>first</li><li>second</li></ol><blockquote><p>said</p></blockquote>";
  assert.equal(
    htmlToMarkdown(html, win),
    "## Plan\n\nSome **bold**, *italic*, <u>under</u>, ~~old~~ and a [link](https://example.org/x).\n\n- one\n- two\n  - inner\n\n1. first\n2. second\n\n> said",
  );
});

test("pasted HTML from a word processor keeps headings, lists, bold, italic", () => {
  // The shape of what Word puts on the clipboard (trimmed): class names, mso styles, conditional
  // comments around list markers, a <style> block, <o:p> elements.
  const word = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style><!-- p.MsoNormal {margin:0cm;} --></style></head>
<body lang=FR><!--StartFragment--><h1 style='margin-top:12.0pt'><span style='font-family:"Calibri Light"'>Compte rendu<o:p></o:p></span></h1>
<p class=MsoNormal>Texte <b style='mso-bidi-font-weight:normal'>gras</b> et <i>italique</i><o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>premier<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level2 lfo1'><![if !supportLists]><span style='font-family:"Courier New"'>o<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span><![endif]>second<o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span><![endif]>un<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span>2.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span><![endif]>deux<o:p></o:p></p>
<p class=MsoNormal><span style='font-weight:bold'>styled bold</span> <span style='font-style:italic'>styled italic</span><!--EndFragment--></p></body></html>`;
  assert.equal(htmlToMarkdown(word, win), "# Compte rendu\n\nTexte **gras** et *italique*\n\n- premier\n  - second\n\n1. un\n2. deux\n\n**styled bold** *styled italic*");
});

test("Google Docs' bold wrapper does not make the whole paste bold", () => {
  const html =
    '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><p dir="ltr"><span style="font-weight:700;">Bold</span><span style="font-weight:400;"> plain</span></p></b>';
  assert.equal(htmlToMarkdown(html, win), "**Bold** plain");
});

test("scripts, styles, handlers and javascript: links are dropped", () => {
  const html =
    '<style>body{display:none}</style><script>alert("x")</script><p onclick="steal()">Hello <a href="javascript:alert(1)">there</a>' +
    '<img src="x" onerror="alert(2)"><iframe src="https://evil.example"></iframe></p><noscript>ns</noscript>';
  const md = htmlToMarkdown(html, win) ?? "";
  assert.ok(!/alert|steal|display|evil|iframe|javascript/i.test(md), md);
  assert.ok(md.startsWith("Hello there"), md);
});

test("code copied from an editor stays plain text", () => {
  const html = '<div style="white-space: pre;"><div><span>fn main() {</span></div><div><span>    x</span></div></div>';
  assert.equal(htmlToMarkdown(html, win), null);
});
