// End-to-end tests of images in pads (issue 19): an image file pasted into the text is uploaded
// and written as `![name](url)`; it shows as an image in the Formatted mode (away from the caret's
// line) of both people's editors and in the preview, the Markdown mode shows its text, undo takes
// it back; the toolbar's Image button adds one too; a file that is not an image says so; and an
// image of another site in the text is never requested (the guarded contexts fail on any request
// to another host); a click selects an image and "Remove image" (the toolbar's, or the image's own
// button) takes it out of everyone's text, undo brings it back, and its file is deleted when the
// person leaves the page.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { closeContext as closeTracked, login, noCspViolation, openContext } from "./lib/helpers.mjs";
import { createNamedPad, editorText, serverPad, waitForPad } from "./lib/pad.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const IMAGE_LINE = /!\[garden\]\((\/api\/v1\/pads\/r-[A-Za-z0-9_-]+\/images\/[A-Za-z0-9_-]+)\)/;

let server;
let browser;
const open = new Set();
const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

const serverText = async (id) => (await serverPad(server.url, id)).text;

/** Waits until every page's editor and the server hold the same text that `ok` accepts. */
async function converged(id, pages, ok = () => true) {
  let last = [];
  for (let i = 0; i < 150; i++) {
    const texts = [...(await Promise.all(pages.map(editorText))), await serverText(id)];
    if (texts.every((t) => t === texts[0]) && ok(texts[0])) return texts[0];
    last = texts;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no convergence: ${JSON.stringify(last)}`);
}

/** Puts the caret at the end of the first occurrence of `word`. */
async function caretAfter(page, word) {
  await page.evaluate((word) => {
    const v = window.__padView;
    const at = v.state.doc.toString().indexOf(word);
    if (at < 0) throw new Error(`no ${word} in the pad`);
    v.focus();
    v.dispatch({ selection: { anchor: at + word.length } });
  }, word);
}

/**
 * Pastes a file as a browser does when an image was copied (a screenshot): a ClipboardEvent whose
 * DataTransfer holds the File. `kind`: "png" draws a real picture; "fake" is text called a PNG.
 */
async function pasteFile(page, name, kind) {
  await page.evaluate(
    async ([name, kind]) => {
      let blob;
      if (kind === "png") {
        const canvas = document.createElement("canvas");
        canvas.width = 24;
        canvas.height = 16;
        const ctx = canvas.getContext("2d");
        ctx.fillStyle = "#3a7d44";
        ctx.fillRect(0, 0, 24, 16);
        blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
      } else {
        blob = new Blob(["this is not a picture"], { type: "image/png" });
      }
      const dt = new DataTransfer();
      dt.items.add(new File([blob], name, { type: "image/png" }));
      // Copying an image from some applications also puts its name as text: the file wins.
      dt.setData("text/plain", name);
      const ev = new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true });
      window.__padView.contentDOM.dispatchEvent(ev);
    },
    [name, kind],
  );
}

/** The images the editor draws, with whether each loaded. */
const drawnImages = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll(".cm-content img.pad-rich-image")].map((img) => ({
      src: img.getAttribute("src"),
      alt: img.alt,
      loaded: img.complete && img.naturalWidth > 0,
    })),
  );

async function waitForDrawn(page, src) {
  await page.waitForFunction(
    (src) => [...document.querySelectorAll(".cm-content img.pad-rich-image")].some((img) => img.getAttribute("src") === src && img.complete && img.naturalWidth > 0),
    src,
    { timeout: 15_000 },
  );
}

describe("Pads: images", { concurrency: false }, () => {
  const padId = "garden-album";
  let alice;
  let bob;
  let imageUrl = "";

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, (s, b) => ([server, browser] = [s, b]), open);

  it("a pasted image file is uploaded and shows in both editors", async () => {
    alice = await newContext();
    const ap = alice.page;
    await login(ap, "admin", ADMIN_PASSWORD);
    await createNamedPad(ap, padId);
    await ap.locator(".cm-content").click();
    await ap.keyboard.type("Our garden in May\n");

    bob = await newContext();
    const bp = bob.page;
    await bp.goto(`/p/${padId}`);
    await waitForPad(bp);

    await caretAfter(ap, "May\n");
    await pasteFile(ap, "garden.png", "png");
    const text = await converged(padId, [ap, bp], (t) => IMAGE_LINE.test(t));
    imageUrl = IMAGE_LINE.exec(text)[1];
    assert.equal(text, `Our garden in May\n![garden](${imageUrl})`);
    // Not the plain text the clipboard also held.
    assert.ok(!text.includes("garden.png"), text);

    // Alice's caret is on the image's line: she sees its Markdown; away from it, the picture.
    assert.deepEqual(await drawnImages(ap), []);
    await caretAfter(ap, "Our");
    await waitForDrawn(ap, imageUrl);
    // Bob (Formatted too, his caret elsewhere) sees it without doing anything.
    await caretAfter(bp, "Our");
    await waitForDrawn(bp, imageUrl);
    assert.deepEqual(await drawnImages(bp), [{ src: imageUrl, alt: "garden", loaded: true }]);

    // The server serves it as the PNG it is.
    const res = await fetch(`${server.url}${imageUrl}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    await noCspViolation(ap);
    await noCspViolation(bp);
  });

  it("the Markdown mode shows the text, the preview the picture", async () => {
    const bp = bob.page;
    await bp.getByRole("button", { name: "Markdown", exact: true }).click();
    assert.deepEqual(await drawnImages(bp), []);
    assert.ok((await bp.locator(".cm-content").textContent()).includes(`![garden](${imageUrl})`));
    await bp.getByRole("button", { name: "Preview", exact: true }).click();
    const preview = bp.locator(".pad-preview img");
    await preview.waitFor();
    assert.equal(await preview.getAttribute("src"), imageUrl);
    await bp.waitForFunction(() => {
      const img = document.querySelector(".pad-preview img");
      return img && img.complete && img.naturalWidth > 0;
    });
    await bp.getByRole("button", { name: "Formatted", exact: true }).click();
  });

  it("another site's image is neither drawn nor requested", async () => {
    const ap = alice.page;
    const bp = bob.page;
    await caretAfter(ap, "May");
    await ap.keyboard.type(" ![tracker](https://tracker.example/pixel.png)");
    await converged(padId, [ap, bp], (t) => t.includes("tracker.example"));
    await caretAfter(ap, `${imageUrl})`);
    await caretAfter(bp, `${imageUrl})`);
    await bp.getByRole("button", { name: "Preview", exact: true }).click();
    await bp.getByRole("button", { name: "Preview", exact: true }).click();
    const previewLink = bp.locator(".pad-preview a[href='https://tracker.example/pixel.png']");
    await previewLink.waitFor();
    assert.equal(await bp.locator(".pad-preview img[src*='tracker']").count(), 0);
    for (const p of [ap, bp]) {
      assert.ok((await drawnImages(p)).every((i) => !i.src.includes("tracker")));
    }
    // afterEach: no request left for tracker.example.
  });

  it("undo takes the pasted image back, as one's own edit", async () => {
    const ap = alice.page;
    const bp = bob.page;
    const before = await editorText(ap);
    await caretAfter(ap, `${imageUrl})`);
    // Typed just before (a typing group of its own, 800 ms after the last): the image is still
    // an undo step of its own.
    await ap.waitForTimeout(900);
    await ap.keyboard.press("Enter");
    await ap.keyboard.type("And again:");
    await pasteFile(ap, "garden.png", "png");
    // The same picture again is the same image: the same URL.
    const twice = await converged(padId, [ap, bp], (t) => t.split(imageUrl).length === 3);
    assert.ok(twice.endsWith(`\nAnd again:\n![garden](${imageUrl})`), twice);
    await ap.keyboard.press("Control+z");
    const undone = await converged(padId, [ap, bp], (t) => t.split(imageUrl).length === 2);
    assert.equal(undone, `${before}\nAnd again:`);
    await ap.keyboard.press("Control+z");
    assert.equal(await converged(padId, [ap, bp], (t) => !t.includes("again")), before);
  });

  it("the toolbar's Image button adds a chosen file", async () => {
    const ap = alice.page;
    const bp = bob.page;
    await caretAfter(ap, "garden in May");
    const base64 = await ap.evaluate(() => {
      const canvas = document.createElement("canvas");
      canvas.width = 10;
      canvas.height = 30;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#c0392b";
      ctx.fillRect(0, 0, 10, 30);
      return canvas.toDataURL("image/png").split(",")[1];
    });
    const chooser = ap.waitForEvent("filechooser");
    await ap.getByRole("button", { name: "Insert an image", exact: true }).click();
    await (await chooser).setFiles({ name: "Tomato plants.png", mimeType: "image/png", buffer: Buffer.from(base64, "base64") });
    const text = await converged(padId, [ap, bp], (t) => t.includes("![Tomato plants]("));
    const url = /!\[Tomato plants\]\(([^)]+)\)/.exec(text)[1];
    assert.notEqual(url, imageUrl);
    await caretAfter(bp, "Our");
    await waitForDrawn(bp, url);
  });

  it("a file that is not the image it claims to be is refused, with a message", async () => {
    const ap = alice.page;
    const before = await editorText(ap);
    await caretAfter(ap, "Our");
    alice.allowHttpError(/\/api\/v1\/pads\/garden-album\/images$/, 415);
    await pasteFile(ap, "fake.png", "fake");
    await ap.locator(".toast", { hasText: "A pad takes PNG, JPEG, GIF and WebP images only." }).waitFor();
    assert.equal(await editorText(ap), before);
    // A read-only link: no Image button, nothing uploaded by a paste.
    const ro = await (await fetch(`${server.url}/api/v1/pads/${padId}`)).json();
    const reader = await newContext();
    const rp = reader.page;
    await rp.goto(`/p/${ro.pad.readonly_id}`);
    await rp.waitForFunction(() => !!window.__padView && document.querySelector(".pad-loading") === null);
    assert.equal(await rp.getByRole("button", { name: "Insert an image" }).count(), 0);
    await caretAfter(rp, "May");
    await waitForDrawn(rp, imageUrl);
    await closeContext(reader);
  });

  it("Remove image takes a picture out of everyone's text; its file goes when the page does", async () => {
    const ap = alice.page;
    const bp = bob.page;
    // A line of text, then a picture of its own (other bytes: another image) under it.
    await ap.evaluate(() => {
      const v = window.__padView;
      v.focus();
      v.dispatch({ selection: { anchor: v.state.doc.length } });
    });
    await ap.keyboard.press("Enter");
    await ap.keyboard.type("The pond in June");
    const before = await converged(padId, [ap, bp], (t) => t.endsWith("\nThe pond in June"));
    const base64 = await ap.evaluate(() => {
      const canvas = document.createElement("canvas");
      canvas.width = 160;
      canvas.height = 90;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#2e86c1";
      ctx.fillRect(0, 0, 160, 90);
      return canvas.toDataURL("image/png").split(",")[1];
    });
    const chooser = ap.waitForEvent("filechooser");
    await ap.getByRole("button", { name: "Insert an image", exact: true }).click();
    await (await chooser).setFiles({ name: "Pond.png", mimeType: "image/png", buffer: Buffer.from(base64, "base64") });
    const withPond = await converged(padId, [ap, bp], (t) => t.includes("![Pond]("));
    const url = /!\[Pond\]\(([^)]+)\)/.exec(withPond)[1];
    const markup = `![Pond](${url})`;
    assert.equal(withPond, `${before}\n${markup}`);
    assert.equal((await fetch(`${server.url}${url}`)).status, 200);

    // The caret on a line without an image: the toolbar's Remove image has nothing to act on.
    const toolbarRemove = ap.locator('.pad-format-bar button[aria-label="Remove image"]');
    const toolbarRemoveDisabled = (disabled) =>
      ap.waitForFunction((disabled) => document.querySelector('.pad-format-bar button[aria-label="Remove image"]')?.disabled === disabled, disabled);
    await caretAfter(ap, "pond in June");
    await caretAfter(bp, "Our");
    await waitForDrawn(ap, url);
    await waitForDrawn(bp, url);
    await toolbarRemoveDisabled(true);
    assert.equal(await toolbarRemove.getAttribute("title"), "Remove image");

    // A click on the picture selects it (its markup), still drawn, and enables the toolbar's entry.
    const picture = ap.locator(`.cm-content img.pad-rich-image[src="${url}"]`);
    await picture.click();
    const selected = await ap.evaluate(() => {
      const v = window.__padView;
      return v.state.sliceDoc(v.state.selection.main.from, v.state.selection.main.to);
    });
    assert.equal(selected, markup);
    await ap.locator(".cm-content .pad-rich-image-box.is-selected").waitFor();
    await toolbarRemoveDisabled(false);
    // The picture's own button shows while it is selected, the pointer elsewhere.
    await ap.mouse.move(0, 0);
    const ownButton = ap.locator(".cm-content .pad-rich-image-box.is-selected .pad-rich-image-remove");
    await ap.waitForFunction(() => getComputedStyle(document.querySelector(".cm-content .pad-rich-image-box.is-selected .pad-rich-image-remove")).opacity === "1");
    assert.equal(await ownButton.getAttribute("aria-label"), "Remove image");

    // The toolbar's Remove image: the picture's line goes, for Bob too.
    await toolbarRemove.click();
    assert.equal(await converged(padId, [ap, bp], (t) => !t.includes(url)), before);
    await bp.waitForFunction((src) => ![...document.querySelectorAll(".cm-content img.pad-rich-image")].some((img) => img.getAttribute("src") === src), url);
    await toolbarRemoveDisabled(true);

    // Undo (one step) brings it back at once, its file still there.
    await ap.keyboard.press("Control+z");
    assert.equal(await converged(padId, [ap, bp], (t) => t.includes(url)), withPond);
    await caretAfter(ap, "pond in June");
    await waitForDrawn(ap, url);
    await waitForDrawn(bp, url);

    // The picture's own button, shown when the pointer is on the picture, removes it again.
    await picture.hover();
    const onPicture = `.cm-content .pad-rich-image-box:has(img[src="${url}"]) .pad-rich-image-remove`;
    await ap.waitForFunction((sel) => getComputedStyle(document.querySelector(sel)).opacity === "1", onPicture);
    await ap.locator(onPicture).click();
    assert.equal(await converged(padId, [ap, bp], (t) => !t.includes(url)), before);
    assert.equal((await fetch(`${server.url}${url}`)).status, 200, "not deleted at once: an undo may bring it back");

    // Alice's page goes (as when a tab is closed) well before the delay: its going deletes the file
    // (a keepalive request, which the service worker lets go straight to the network).
    await ap.goto("/pads");
    let status = 0;
    for (let i = 0; i < 80 && status !== 404; i++) {
      status = (await fetch(`${server.url}${url}`)).status;
      if (status !== 404) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 404);
    // Bob's text never named it again: nothing of his asks for it.
    assert.equal(await serverText(padId), before);
    assert.ok((await drawnImages(bp)).every((i) => i.src !== url));
  });
});
