// Removing an image from a pad without a browser (image-remove.ts, on a jsdom window): which pad
// and image a URL names, whether a text still names an image, which image the toolbar acts on,
// what text goes with it (its line, or a space beside it), that the removal is one undo step, and
// when its file is deleted (after the delay or when the page goes, never while the text names it,
// never another pad's). The Formatted mode's button and click (rich.ts) too.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { markdown, markdownLanguage } from "@codemirror/lang-markdown";
import { JSDOM } from "jsdom";
import {
  DELETE_AFTER_MS,
  imageAtSelection,
  imageRemoval,
  imageRemoving,
  imagesIn,
  imageStartingAt,
  namesImage,
  padImageOf,
  removeImage,
  selectedImage,
  type RemoveConfig,
} from "../src/pads/image-remove.ts";
import { FORMAT_EVENT } from "../src/pads/format.ts";
import { UndoManager } from "../src/pads/undo.ts";
import { apply } from "../src/pads/ot.ts";
import { opFromChanges } from "../src/pads/changes.ts";
import { richMode } from "../src/pads/rich.ts";
import { make } from "./marked-text.ts";

const dom = new JSDOM("<!doctype html><html><body></body></html>", { url: "https://pads.example.org/p/notes", pretendToBeVisual: true });
const win = dom.window;
Object.assign(globalThis, {
  window: win,
  document: win.document,
  MutationObserver: win.MutationObserver,
  requestAnimationFrame: win.requestAnimationFrame.bind(win),
  cancelAnimationFrame: win.cancelAnimationFrame.bind(win),
  getComputedStyle: win.getComputedStyle.bind(win),
  location: win.location,
  Window: win.Window,
  Node: win.Node,
  Element: win.Element,
  HTMLElement: win.HTMLElement,
});
// jsdom lays nothing out: CodeMirror measures what it draws.
win.HTMLElement.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, bottom: 16, right: 400, width: 400, height: 16, toJSON: () => ({}) });
win.Range.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, bottom: 16, right: 8, width: 8, height: 16, toJSON: () => ({}) });
win.Range.prototype.getClientRects = () => [] as unknown as DOMRectList;

// ---- text with a selection (marked-text.ts) ----

const IMG = "![plan](/api/v1/pads/r-ro/images/Img_1)";
const OTHER = "![cat](/api/v1/pads/r-ro/images/Img-2)";

/** The text once the image starting at the first `![` at or after `from` is removed. */
function removed(doc: string, nth = 0): string {
  const state = make(doc);
  const images = imagesIn(state, 0, doc.length);
  const image = images[nth];
  assert.ok(image, `an image in ${JSON.stringify(doc)}`);
  return state.update({ changes: imageRemoval(state, image.from, image.to) }).state.doc.toString();
}

test("a pad image's URL names its pad and image; nothing else does", () => {
  assert.deepEqual(padImageOf("/api/v1/pads/r-ro/images/Img_1"), { pad: "r-ro", image: "Img_1" });
  assert.deepEqual(padImageOf("/api/v1/pads/notes/images/a-b_C9"), { pad: "notes", image: "a-b_C9" });
  assert.deepEqual(padImageOf(`/api/v1/pads/notes/images/${"a".repeat(64)}`), { pad: "notes", image: "a".repeat(64) });
  for (const url of [
    `/api/v1/pads/notes/images/${"a".repeat(65)}`,
    "https://pads.example.org/api/v1/pads/notes/images/abc",
    "/api/v1/pads/notes/images/abc?size=2",
    "/api/v1/pads/notes/images/abc#x",
    "/api/v1/pads/a/b/images/abc",
    "/api/v1/pads//images/abc",
    "/api/v1/pads/notes/images/",
    "/api/v1/pads/notes/images/a.png",
    "/api/v1/pads/notes/files/abc",
    "https://tracker.example/pixel.png",
  ]) {
    assert.equal(padImageOf(url), null, url);
  }
});

test("a text names an image as an image or a link, by any pad's URL, never by a longer id", () => {
  assert.ok(namesImage(`Intro\n${IMG}\n`, "Img_1"));
  assert.ok(namesImage("see [the plan](/api/v1/pads/notes/images/Img_1) here", "Img_1"));
  assert.ok(namesImage("![x](/api/v1/pads/other/images/Img_1)", "Img_1"));
  assert.ok(!namesImage(`Intro\n${IMG}\n`, "Img"), "a prefix of the id");
  assert.ok(!namesImage(`Intro\n${IMG}\n`, "Img_12"));
  assert.ok(!namesImage("![x](/api/v1/pads/r-ro/images/Img_1b)", "Img_1"));
  assert.ok(!namesImage("![x](/api/v1/pads/r-ro/images/Img_1-2)", "Img_1"));
  assert.ok(!namesImage("Img_1 in words", "Img_1"));
});

test("an image alone on its line goes with its line", () => {
  assert.equal(removed(`Intro\n${IMG}\nEnd`), "Intro\nEnd");
  assert.equal(removed(`${IMG}\nEnd`), "End");
  // Blank around it on its line: still alone.
  assert.equal(removed(`Intro\n  ${IMG} \nEnd`), "Intro\nEnd");
  assert.equal(removed(`Intro\n\n${IMG}\n\nEnd`), "Intro\n\n\nEnd");
  // The second of two images, each on its line.
  assert.equal(removed(`${OTHER}\n${IMG}\nEnd`, 1), `${OTHER}\nEnd`);
});

test("an image amid text goes with one of the spaces around it", () => {
  assert.equal(removed(`see ${IMG} here`), "see here");
  assert.equal(removed(`${IMG} here`), "here");
  assert.equal(removed(`see ${IMG}`), "see");
  assert.equal(removed(`see${IMG}here`), "seehere");
  assert.equal(removed(`see ${IMG}here`), "see here");
  assert.equal(removed(`see${IMG} here`), "see here");
  assert.equal(removed(`a ${IMG} ${OTHER} b`, 1), `a ${IMG} b`);
  assert.equal(removed(`Line one\nsee ${IMG} here\nLine three`), "Line one\nsee here\nLine three");
});

test("an image at the document's end", () => {
  // Alone on the last line: the line break before it goes, no empty line stays.
  assert.equal(removed(`Intro\n${IMG}`), "Intro");
  assert.equal(removed(`Intro\n\n${IMG}`), "Intro\n");
  // The whole text.
  assert.equal(removed(IMG), "");
  // After text on the last line.
  assert.equal(removed(`Intro\nsee ${IMG}`), "Intro\nsee");
});

test("the images of a range, the one a widget starts, the selected one", () => {
  const doc = `a ${IMG} b ${OTHER}\n[link](/x) ![](/no-alt)`;
  const s = make(doc);
  const all = imagesIn(s, 0, doc.length);
  assert.deepEqual(
    all.map((i) => [doc.slice(i.from, i.to), i.url]),
    [
      [IMG, "/api/v1/pads/r-ro/images/Img_1"],
      [OTHER, "/api/v1/pads/r-ro/images/Img-2"],
      ["![](/no-alt)", "/no-alt"],
    ],
  );
  assert.equal(imageStartingAt(s, doc.indexOf(OTHER))?.url, "/api/v1/pads/r-ro/images/Img-2");
  assert.equal(imageStartingAt(s, doc.indexOf(OTHER) + 1), null);
  assert.equal(selectedImage(make(`a ⟨${IMG}⟩ b`))?.url, "/api/v1/pads/r-ro/images/Img_1");
  assert.equal(selectedImage(make(`a⟨ ${IMG}⟩ b`)), null, "more than the image");
  assert.equal(selectedImage(make(`a ${IMG}¦ b`)), null, "a caret");
});

test("the image the toolbar acts on: selected, under or beside the caret, or alone on its line", () => {
  const at = (marked: string) => {
    const s = make(marked);
    const image = imageAtSelection(s);
    return image && s.doc.sliceString(image.from, image.to);
  };
  // Selected exactly, or a selection holding one image and text.
  assert.equal(at(`Intro\n⟨${IMG}⟩\nEnd`), IMG);
  assert.equal(at(`In⟨tro\n${IMG}\nE⟩nd`), IMG);
  // A selection holding two images, or none, or cutting into one.
  assert.equal(at(`⟨${IMG} ${OTHER}⟩`), null);
  assert.equal(at(`⟨Intro⟩\n${IMG}`), null);
  assert.equal(at(`Intro ⟨![pl⟩an](/api/v1/pads/r-ro/images/Img_1)`), null);
  // The caret in the image's markup, at either end of it.
  assert.equal(at(`Intro\n![pl¦an](/api/v1/pads/r-ro/images/Img_1)\nEnd`), IMG);
  assert.equal(at(`Intro\n¦${IMG}\nEnd`), IMG);
  assert.equal(at(`Intro\n${IMG}¦\nEnd`), IMG);
  // Elsewhere on the line of a lone image; between two images, the one beside the caret.
  assert.equal(at(`some text ¦here ${IMG}`), IMG);
  assert.equal(at(`${IMG} ¦ ${OTHER}`), null);
  assert.equal(at(`${IMG}¦ ${OTHER}`), IMG);
  assert.equal(at(`${IMG} ¦${OTHER}`), OTHER);
  // Another line.
  assert.equal(at(`Int¦ro\n${IMG}\nEnd`), null);
  assert.equal(at("no images¦ at all"), null);
});

// ---- in an editor ----

const views: EditorView[] = [];

function editor(doc: string, extensions: Extension = []): EditorView {
  const parent = document.createElement("div");
  document.body.appendChild(parent);
  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions: [markdown({ base: markdownLanguage }), extensions] }) });
  views.push(view);
  return view;
}

/** Closes the editor (as the page does when it goes). */
function close(view: EditorView): void {
  const i = views.indexOf(view);
  if (i >= 0) views.splice(i, 1);
  view.destroy();
}

afterEach(() => {
  for (const v of views.splice(0)) v.destroy();
});

/** What the session does with each local edit (session.ts `onTransaction`): an edit of the format family is a step of its own. */
function recorder(undo: UndoManager, count: { edits: number }): Extension {
  return EditorView.updateListener.of((u) => {
    for (const tr of u.transactions) {
      if (!tr.docChanged) continue;
      count.edits++;
      const before = tr.startState.doc.toString();
      const changes: { from: number; to: number; insert: string }[] = [];
      tr.changes.iterChanges((from, to, _f, _t, ins) => changes.push({ from, to, insert: ins.toString() }));
      const formatting = tr.isUserEvent(FORMAT_EVENT);
      if (formatting) undo.breakGroup();
      undo.record(opFromChanges(before, changes), before, "edit");
      if (formatting) undo.breakGroup();
    }
  });
}

const cfg: RemoveConfig = { padId: "notes", readonlyId: () => "r-ro" };

/** Types `text` at the caret as a keyboard does. */
function type(view: EditorView, text: string): void {
  view.dispatch(view.state.replaceSelection(text), { userEvent: "input.type" });
}

test("removing an image is one edit and one undo step, between typing just before and after", () => {
  const undo = new UndoManager();
  const count = { edits: 0 };
  const view = editor(`Intro\n${IMG}\nEnd`, recorder(undo, count));
  view.dispatch({ selection: { anchor: 5 } });
  type(view, "!");
  const image = imageAtSelection(view.state.update({ selection: { anchor: 8 } }).state)!;
  assert.ok(image);
  count.edits = 0;
  assert.equal(removeImage(view, cfg, image), true);
  assert.equal(count.edits, 1, "one transaction");
  assert.equal(view.state.doc.toString(), "Intro!\nEnd");
  assert.deepEqual([view.state.selection.main.anchor, view.state.selection.main.head], [7, 7], "the caret where the image was");
  type(view, "?");
  assert.equal(view.state.doc.toString(), "Intro!\n?End");
  // Undo: the typing after, then the image (alone), then the typing before.
  let doc = view.state.doc.toString();
  doc = apply(doc, undo.popUndo()!);
  assert.equal(doc, "Intro!\nEnd");
  doc = apply(doc, undo.popUndo()!);
  assert.equal(doc, `Intro!\n${IMG}\nEnd`);
  doc = apply(doc, undo.popUndo()!);
  assert.equal(doc, `Intro\n${IMG}\nEnd`);
  assert.equal(undo.popUndo(), null);
});

test("a read-only text loses no image", () => {
  const view = editor(IMG, EditorState.readOnly.of(true));
  assert.equal(removeImage(view, cfg, imageStartingAt(view.state, 0)!), false);
  assert.equal(view.state.doc.toString(), IMG);
});

test("Delete and Backspace remove a selected image, and only a selected one", () => {
  const view = editor(`Intro\n${IMG}\nEnd`, imageRemoving(cfg));
  const key = (name: string) => view.contentDOM.dispatchEvent(new win.KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true }));
  const from = 6;
  view.dispatch({ selection: { anchor: from, head: from + IMG.length } });
  key("Delete");
  assert.equal(view.state.doc.toString(), "Intro\nEnd");
  view.dispatch({ changes: { from: 6, insert: `${IMG}\n` }, selection: { anchor: from + IMG.length, head: from } });
  key("Backspace");
  assert.equal(view.state.doc.toString(), "Intro\nEnd");
  // A caret beside an image: the keys do what they always do (here, in a bare editor, nothing).
  view.dispatch({ changes: { from: 6, insert: `${IMG}\n` }, selection: { anchor: from + IMG.length } });
  assert.equal(key("Backspace"), true, "not handled");
  assert.equal(key("Delete"), true);
  assert.equal(view.state.doc.toString(), `Intro\n${IMG}\nEnd`);
});

// ---- the file: deleted once the text has not named it for a while, or when the page goes ----

interface Sent {
  url: string;
  method: string;
  keepalive: boolean;
}

function fakeFetch(): Sent[] {
  const sent: Sent[] = [];
  globalThis.fetch = (async (url: string, init?: RequestInit) => {
    sent.push({ url: String(url), method: init?.method ?? "GET", keepalive: !!init?.keepalive });
    return new Response(null, { status: 204 });
  }) as typeof fetch;
  return sent;
}

test("the file is deleted after the delay, by the pad's edit id, unless the text names it again", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sent = fakeFetch();
  const view = editor(`Intro\n${IMG}\n${OTHER}\nEnd`, imageRemoving(cfg));
  assert.ok(removeImage(view, cfg, imageStartingAt(view.state, 6)!));
  assert.deepEqual(sent, [], "not at once: an undo may bring it back");
  t.mock.timers.tick(DELETE_AFTER_MS - 1);
  assert.deepEqual(sent, []);
  t.mock.timers.tick(1);
  assert.deepEqual(sent, [{ url: "/api/v1/pads/notes/images/Img_1", method: "DELETE", keepalive: false }]);

  // Removed, then back (an undo) before the delay: the file stays.
  sent.length = 0;
  const other = imageStartingAt(view.state, view.state.doc.toString().indexOf(OTHER))!;
  assert.ok(removeImage(view, cfg, other));
  view.dispatch({ changes: { from: 6, insert: `${OTHER}\n` } });
  t.mock.timers.tick(DELETE_AFTER_MS);
  assert.deepEqual(sent, []);
});

test("leaving the page deletes the files waiting, with a request that outlives it", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sent = fakeFetch();
  const view = editor(`${IMG}\n${OTHER}\nEnd`, imageRemoving(cfg));
  assert.ok(removeImage(view, cfg, imageStartingAt(view.state, 0)!));
  win.dispatchEvent(new win.Event("pagehide"));
  assert.deepEqual(sent, [{ url: "/api/v1/pads/notes/images/Img_1", method: "DELETE", keepalive: true }]);
  // Nothing left to do after the delay.
  t.mock.timers.tick(DELETE_AFTER_MS);
  assert.equal(sent.length, 1);
  // The editor going (the page closes the pad) does the same.
  assert.ok(removeImage(view, cfg, imageStartingAt(view.state, 0)!));
  close(view);
  assert.deepEqual(sent[1], { url: "/api/v1/pads/notes/images/Img-2", method: "DELETE", keepalive: true });
});

test("another pad's image leaves the text, its file stays", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sent = fakeFetch();
  const view = editor("![x](/api/v1/pads/r-elsewhere/images/Abc)\n![y](/uploads/y.png)\nEnd", imageRemoving(cfg));
  assert.ok(removeImage(view, cfg, imageStartingAt(view.state, 0)!));
  assert.ok(removeImage(view, cfg, imageStartingAt(view.state, 0)!));
  assert.equal(view.state.doc.toString(), "End");
  t.mock.timers.tick(DELETE_AFTER_MS);
  close(view);
  assert.deepEqual(sent, []);
});

test("the image named twice: removing one of them deletes nothing", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sent = fakeFetch();
  const view = editor(`${IMG}\nand again\n${IMG}`, imageRemoving(cfg));
  assert.ok(removeImage(view, cfg, imageStartingAt(view.state, 0)!));
  assert.equal(view.state.doc.toString(), `and again\n${IMG}`);
  t.mock.timers.tick(DELETE_AFTER_MS);
  close(view);
  assert.deepEqual(sent, []);
});

// ---- the Formatted mode: a click selects the image, its button removes it ----

test("the Formatted mode: a click selects the image, its button removes it", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sent = fakeFetch();
  const runs: string[] = [];
  const view = editor(`Intro\n\n${IMG}\n\nEnd`, [
    richMode({
      removeImage: {
        label: () => "Remove image",
        run: (v, image) => {
          runs.push(image.url);
          removeImage(v, cfg, image);
        },
      },
    }),
    imageRemoving(cfg),
  ]);
  const box = () => view.contentDOM.querySelector<HTMLElement>(".pad-rich-image-box");
  assert.ok(box(), "drawn away from the caret's line");
  const button = box()!.querySelector<HTMLButtonElement>("button.pad-rich-image-remove")!;
  assert.equal(button.getAttribute("aria-label"), "Remove image");
  assert.equal(button.type, "button");
  assert.equal(box()!.classList.contains("is-selected"), false);

  const img = box()!.querySelector("img")!;
  img.dispatchEvent(new win.MouseEvent("mousedown", { bubbles: true, cancelable: true, button: 0 }));
  const sel = view.state.selection.main;
  assert.deepEqual([sel.from, sel.to], [7, 7 + IMG.length], "the click selected its markup");
  assert.ok(box(), "still drawn as the image");
  assert.equal(box()!.querySelector("img"), img, "the same picture, not loaded again");
  assert.equal(box()!.classList.contains("is-selected"), true);

  box()!.querySelector<HTMLButtonElement>("button.pad-rich-image-remove")!.click();
  assert.deepEqual(runs, ["/api/v1/pads/r-ro/images/Img_1"]);
  assert.equal(view.state.doc.toString(), "Intro\n\n\nEnd");
  assert.equal(box(), null);
  t.mock.timers.tick(DELETE_AFTER_MS);
  assert.deepEqual(sent, [{ url: "/api/v1/pads/notes/images/Img_1", method: "DELETE", keepalive: false }]);
});

test("the Formatted mode without a remove action, or read-only, draws no button", () => {
  const plain = editor(`Intro\n\n${IMG}`, richMode());
  assert.ok(plain.contentDOM.querySelector(".pad-rich-image-box img"));
  assert.equal(plain.contentDOM.querySelector(".pad-rich-image-remove"), null);
  const ro = editor(`Intro\n\n${IMG}`, [richMode({ removeImage: { label: () => "Remove image", run: () => undefined } }), EditorState.readOnly.of(true)]);
  assert.ok(ro.contentDOM.querySelector(".pad-rich-image-box img"));
  assert.equal(ro.contentDOM.querySelector(".pad-rich-image-remove"), null);
});
