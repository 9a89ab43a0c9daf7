// Images in pads without a browser: the text written for an image, the images of pasted HTML
// (written in: collected for upload; another site's: a link; a pad's own: kept), the decoding of
// `data:` URIs, and the Formatted mode's image ranges (drawn away from the caret's line only).
import assert from "node:assert/strict";
import { test } from "node:test";
import { EditorSelection, EditorState } from "@codemirror/state";
import { markdown, markdownLanguage } from "@codemirror/lang-markdown";
import { JSDOM } from "jsdom";
import { altText, dataUrlToBlob, imageInsert } from "../src/pads/images.ts";
import { htmlToMarkdown } from "../src/pads/paste.ts";
import { richRanges } from "../src/pads/rich-ranges.ts";

const win = new JSDOM("").window as unknown as Window & typeof globalThis;

function state(doc: string, caret: number): EditorState {
  return EditorState.create({ doc, selection: EditorSelection.single(caret), extensions: [markdown({ base: markdownLanguage })] });
}

test("an image's description is its file name, safe between brackets", () => {
  assert.equal(altText("Plan du jardin.png", "image"), "Plan du jardin");
  assert.equal(altText("a[1]\\b.JPEG", "image"), "a 1 b");
  assert.equal(altText("", "image"), "image");
  assert.equal(altText(".png", "image"), "image");
});

test("an image goes on a line of its own", () => {
  const s = state("before after", 6);
  assert.deepEqual(imageInsert(s, 6, "![x](/i)"), { from: 6, insert: "\n![x](/i)\n" });
  assert.deepEqual(imageInsert(s, 0, "![x](/i)"), { from: 0, insert: "![x](/i)\n" });
  assert.deepEqual(imageInsert(s, 12, "![x](/i)"), { from: 12, insert: "\n![x](/i)" });
  assert.deepEqual(imageInsert(state("", 0), 0, "![x](/i)"), { from: 0, insert: "![x](/i)" });
});

test("data: URIs are decoded here, only images", async () => {
  const png = dataUrlToBlob("data:image/png;base64,iVBORw0K");
  assert.ok(png);
  assert.equal(png.type, "image/png");
  assert.deepEqual([...new Uint8Array(await png.arrayBuffer())], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]);
  assert.equal(dataUrlToBlob("data:text/html;base64,PHA+"), null);
  assert.equal(dataUrlToBlob("https://x.example/a.png"), null);
  assert.equal(dataUrlToBlob("data:image/png;base64,%%%"), null);
});

test("pasted HTML: images written in are collected, others' become links, a pad's own stay", () => {
  const html =
    '<p>Voici <img src="data:image/png;base64,iVBORw0K" alt="le [plan]"> et ' +
    '<img src="https://tracker.example/pixel.gif?u=1" alt="logo"> puis ' +
    '<img src="https://x.example/photos/the%20cat.jpg"> et ' +
    '<img src="/api/v1/pads/r-abc/images/Xy_9" alt="ours"></p>';
  const images: string[] = [];
  const md = htmlToMarkdown(html, win, images);
  assert.equal(
    md,
    "Voici ![le plan](pad-image:0) et [logo](https://tracker.example/pixel.gif?u=1) puis " +
      "[the cat.jpg](https://x.example/photos/the%20cat.jpg) et ![ours](/api/v1/pads/r-abc/images/Xy_9)",
  );
  assert.deepEqual(images, ["data:image/png;base64,iVBORw0K"]);
  // Without a collector an image written in keeps its description only.
  assert.equal(htmlToMarkdown('<img src="data:image/png;base64,iVBORw0K" alt="plan">', win), "plan");
  // An image alone is something to paste.
  const alone: string[] = [];
  assert.equal(htmlToMarkdown('<img src="data:image/gif;base64,R0lGOD">', win, alone), "![](pad-image:0)");
  assert.equal(alone.length, 1);
});

test("the Formatted mode draws an image away from the caret's line", () => {
  const doc = "Title\n\n![the plan](/api/v1/pads/r-a/images/b)\n\nend";
  const start = doc.indexOf("![");
  const images = (caret: number) => richRanges(state(doc, caret), 0, doc.length).filter((r) => r.kind === "image");
  const away = images(0);
  assert.equal(away.length, 1);
  assert.deepEqual(
    { text: doc.slice(away[0]!.from, away[0]!.to), url: away[0]!.url, alt: away[0]!.alt },
    { text: "![the plan](/api/v1/pads/r-a/images/b)", url: "/api/v1/pads/r-a/images/b", alt: "the plan" },
  );
  assert.equal(images(start + 3).length, 0, "the caret's line shows the Markdown");
  assert.equal(images(doc.length).length, 1);
});
