// End-to-end tests of rich-text editing in pads (issue 19): two people in one pad, one in the
// Formatted mode using the toolbar, the other typing Markdown in the same paragraph; both converge
// on one Markdown text, own undo takes back one's formatting only, pasted HTML becomes Markdown
// in both modes, task boxes tick, and each person's mode is remembered on their device.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";
import { createNamedPad, editorText, selectWord as select, serverPad, waitForPad } from "./lib/pad.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";

let server;
let browser;
const open = new Set();
const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

const serverText = async (id) => (await serverPad(server.url, id)).text;

/** A paste event carrying these clipboard types, dispatched on the editor as a browser would. */
async function paste(page, data) {
  return page.evaluate((data) => {
    const dt = new DataTransfer();
    for (const [type, value] of Object.entries(data)) dt.setData(type, value);
    const ev = new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true });
    window.__padView.contentDOM.dispatchEvent(ev);
  }, data);
}

/** Waits until every page's editor and the server hold the same text, and returns it. */
async function converged(id, pages) {
  let last = [];
  for (let i = 0; i < 100; i++) {
    const texts = [...(await Promise.all(pages.map(editorText))), await serverText(id)];
    if (texts.every((t) => t === texts[0])) {
      const pending = await Promise.all(pages.map((p) => p.evaluate(() => document.querySelector(".pad-conn")?.textContent ?? "")));
      if (pending.every((s) => s.includes("Saved"))) return texts[0];
    }
    last = texts;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no convergence: ${JSON.stringify(last)}`);
}

/** The text a line shows, without the remote carets' name labels. */
const lineText = (locator) =>
  locator.evaluate((el) => {
    const copy = el.cloneNode(true);
    for (const c of copy.querySelectorAll(".pad-caret")) c.remove();
    return copy.textContent;
  });

const pressed = (page, name) => page.getByRole("button", { name, exact: true }).getAttribute("aria-pressed");

describe("Pads: rich-text editing", { concurrency: false }, () => {
  const padId = "picnic-plans";
  let alice;
  let bob;

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, (s, b) => ([server, browser] = [s, b]), open);

  it("a newcomer writes in the Formatted mode; another person picks Markdown", async () => {
    alice = await newContext();
    const ap = alice.page;
    await login(ap, "admin", ADMIN_PASSWORD);
    await createNamedPad(ap, padId);
    assert.equal(await pressed(ap, "Formatted"), "true");
    assert.equal(await pressed(ap, "Markdown"), "false");
    await ap.getByRole("toolbar", { name: "Text formatting" }).waitFor();
    await ap.locator(".cm-content").click();
    await ap.keyboard.type("Plan the picnic today\napples\npears\n");

    bob = await newContext();
    const bp = bob.page;
    await bp.goto(`/p/${padId}`);
    await waitForPad(bp);
    assert.equal(await pressed(bp, "Formatted"), "true");
    await bp.getByRole("button", { name: "Markdown", exact: true }).click();
    assert.equal(await pressed(bp, "Markdown"), "true");
    // The mode is one's own: Alice's editor still draws formatting.
    assert.equal(await pressed(ap, "Formatted"), "true");
    assert.equal(await ap.locator(".cm-editor.pad-rich").count(), 1);
    assert.equal(await bp.locator(".cm-editor.pad-rich").count(), 0);
    assert.equal(await converged(padId, [ap, bp]), "Plan the picnic today\napples\npears\n");
  });

  it("Bold from the toolbar and Markdown typed in the same paragraph converge", async () => {
    const ap = alice.page;
    const bp = bob.page;
    await select(ap, "picnic");
    await select(bp, "today", { caretAtEnd: true });
    // Bob types while Alice clicks Bold.
    await Promise.all([
      (async () => {
        for (const ch of " at *noon*") {
          await bp.keyboard.type(ch);
          await bp.waitForTimeout(25);
        }
      })(),
      (async () => {
        await ap.waitForTimeout(60);
        await ap.getByRole("button", { name: "Bold", exact: true }).click();
      })(),
    ]);
    const text = await converged(padId, [ap, bp]);
    assert.equal(text, "Plan the **picnic** today at *noon*\napples\npears\n");
    // Alice's selection is the bold word: the button shows it, the stars are not drawn, the word
    // is bold. Bob sees the Markdown.
    assert.equal(await pressed(ap, "Bold"), "true");
    const firstLine = ap.locator(".cm-line").first();
    assert.equal(await lineText(firstLine), "Plan the picnic today at noon");
    const weight = await firstLine.locator("span", { hasText: /^picnic$/ }).last().evaluate((el) => getComputedStyle(el).fontWeight);
    assert.equal(weight, "700");
    assert.equal(await lineText(bp.locator(".cm-line").first()), "Plan the **picnic** today at *noon*");
  });

  it("a list from the toolbar, drawn with bullets; own undo takes back only one's formatting", async () => {
    const ap = alice.page;
    const bp = bob.page;
    await ap.evaluate(() => {
      const v = window.__padView;
      const d = v.state.doc.toString();
      v.focus();
      v.dispatch({ selection: { anchor: d.indexOf("apples"), head: d.indexOf("pears") + 5 } });
    });
    await ap.getByRole("button", { name: "Bulleted list", exact: true }).click();
    assert.equal(await converged(padId, [ap, bp]), "Plan the **picnic** today at *noon*\n- apples\n- pears\n");
    assert.equal(await pressed(ap, "Bulleted list"), "true");
    assert.equal(await ap.locator(".pad-rich-bullet").count(), 2);
    // Bob's own edit after Alice's: Alice's undo must leave it.
    await select(bp, "pears", { caretAtEnd: true });
    await bp.keyboard.type(" and plums");
    await converged(padId, [ap, bp]);
    await ap.locator(".cm-content").focus();
    await ap.keyboard.press("Control+z");
    assert.equal(await converged(padId, [ap, bp]), "Plan the **picnic** today at *noon*\napples\npears and plums\n");
    await ap.keyboard.press("Control+z");
    assert.equal(await converged(padId, [ap, bp]), "Plan the picnic today at *noon*\napples\npears and plums\n");
    // Redo puts the bold back.
    await ap.keyboard.press("Control+Shift+z");
    assert.equal(await converged(padId, [ap, bp]), "Plan the **picnic** today at *noon*\napples\npears and plums\n");
  });

  it("shortcuts, headings, task boxes that tick", async () => {
    const ap = alice.page;
    const bp = bob.page;
    await select(ap, "apples");
    await ap.keyboard.press("Control+i");
    await select(ap, "Plan", { caretAtEnd: true });
    await ap.getByRole("button", { name: "Heading 2", exact: true }).click();
    assert.equal(await pressed(ap, "Heading 2"), "true");
    await select(ap, "pears", { caretAtEnd: true });
    await ap.getByRole("button", { name: "Checklist", exact: true }).click();
    assert.equal(await converged(padId, [ap, bp]), "## Plan the **picnic** today at *noon*\n*apples*\n- [ ] pears and plums\n");
    // Away from the caret the heading's "## " is not drawn; the task is a box that ticks.
    await select(ap, "noon", { caretAtEnd: true });
    await select(ap, "apples", { caretAtEnd: true });
    assert.equal(await lineText(ap.locator(".cm-line.pad-rich-h2")), "Plan the picnic today at noon");
    await ap.locator("input.pad-rich-check").click();
    assert.equal(await converged(padId, [ap, bp]), "## Plan the **picnic** today at *noon*\n*apples*\n- [x] pears and plums\n");
    assert.equal(await ap.locator("input.pad-rich-check").isChecked(), true);
  });

  it("clear formatting makes headings, lists and tasks plain paragraphs, in one undo step", async () => {
    const ap = alice.page;
    const bp = bob.page;
    const before = "## Plan the **picnic** today at *noon*\n*apples*\n- [x] pears and plums\n";
    await ap.evaluate(() => {
      const v = window.__padView;
      v.focus();
      v.dispatch({ selection: { anchor: 0, head: v.state.doc.length } });
    });
    await ap.getByRole("button", { name: "Clear formatting", exact: true }).click();
    assert.equal(await converged(padId, [ap, bp]), "Plan the picnic today at noon\napples\npears and plums\n");
    assert.equal(await ap.locator(".cm-line.pad-rich-h2").count(), 0);
    assert.equal(await ap.locator("input.pad-rich-check").count(), 0);
    // One step of Alice's own undo gives everything back.
    await ap.locator(".cm-content").focus();
    await ap.keyboard.press("Control+z");
    assert.equal(await converged(padId, [ap, bp]), before);
    // The shortcut, on the heading the caret is in: only its line becomes a paragraph.
    await select(ap, "today", { caretAtEnd: true });
    await ap.keyboard.press("Control+Backslash");
    assert.equal(await converged(padId, [ap, bp]), "Plan the **picnic** today at *noon*\n*apples*\n- [x] pears and plums\n");
    await ap.keyboard.press("Control+z");
    assert.equal(await converged(padId, [ap, bp]), before);
  });

  it("pasted HTML becomes Markdown in both modes; scripts and styles go; plain text stays as it is", async () => {
    const ap = alice.page;
    const bp = bob.page;
    await ap.evaluate(() => {
      const v = window.__padView;
      v.focus();
      v.dispatch({ selection: { anchor: v.state.doc.length } });
    });
    await paste(ap, {
      "text/html":
        '<meta charset="utf-8"><style>p{color:red}</style><h2 style="margin:0">Agenda</h2><ul><li><b>Food</b></li><li><a href="https://example.org/map" onclick="steal()">Map</a></li></ul>' +
        '<p class=MsoNormal style="mso-line-height-alt:12pt"><span style="font-style:italic">Bring hats</span><script>window.__pwned = 1</script></p>',
      "text/plain": "Agenda Food Map Bring hats",
    });
    let text = await converged(padId, [ap, bp]);
    assert.ok(text.endsWith("\n## Agenda\n\n- **Food**\n- [Map](https://example.org/map)\n\n*Bring hats*"), JSON.stringify(text));
    assert.equal(await ap.evaluate(() => window.__pwned), undefined);
    // Bob, in the Markdown mode, pastes from a web page too.
    await bp.evaluate(() => {
      const v = window.__padView;
      v.focus();
      v.dispatch({ selection: { anchor: v.state.doc.length + 1 }, changes: { from: v.state.doc.length, insert: "\n" } });
    });
    await paste(bp, { "text/html": "<p>See <i>you</i> <s>soon</s></p>", "text/plain": "See you soon" });
    await paste(bp, { "text/plain": " a *plain* <b>paste</b>" });
    text = await converged(padId, [ap, bp]);
    assert.ok(text.endsWith("\nSee *you* ~~soon~~ a *plain* <b>paste</b>"), JSON.stringify(text));
    await noCspViolation(ap);
    await noCspViolation(bp);
  });

  it("the toolbar by keyboard: one tab stop, Alt+F10 from the text, arrows between buttons, Escape back", async () => {
    const ap = alice.page;
    // Listening for the file chooser long before Enter: Playwright turns the interception on
    // asynchronously, and a key press right after asking for it can come first.
    const chooser = ap.waitForEvent("filechooser");
    chooser.catch(() => {}); // awaited below; a failure before must not leave it unhandled
    const focused = () => ap.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? "");
    // Alt+F10 asks the page, which moves the focus once it has drawn.
    const focusMovesTo = (name) =>
      ap.waitForFunction((name) => (document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent) === name, name, { timeout: 5000 });
    const stops = await ap
      .getByRole("toolbar", { name: "Text formatting" })
      .evaluate((bar) => Array.from(bar.querySelectorAll("button")).filter((b) => b.tabIndex === 0).length);
    assert.equal(stops, 1, "the whole toolbar is one tab stop");
    await select(ap, "apples", { caretAtEnd: true });
    await ap.keyboard.press("Alt+F10");
    await focusMovesTo("Formatted");
    await ap.keyboard.press("ArrowRight");
    await ap.keyboard.press("ArrowRight");
    assert.equal(await focused(), "Bold");
    await ap.keyboard.press("ArrowLeft");
    await ap.keyboard.press("ArrowLeft");
    await ap.keyboard.press("ArrowLeft");
    assert.equal(await focused(), "Clear formatting", "left of the first is the last");
    // The image button, which a keyboard could not reach before: Enter opens the file chooser.
    for (let i = 0; i < 30 && (await focused()) !== "Insert an image"; i++) await ap.keyboard.press("ArrowLeft");
    assert.equal(await focused(), "Insert an image");
    await ap.keyboard.press("Enter");
    await (await chooser).setFiles([]);
    // Escape goes back to the text, and the toolbar's tab stop is now the button last used.
    const inText = () => ap.evaluate(() => !!document.activeElement?.closest(".cm-content"));
    await ap.keyboard.press("Escape");
    assert.equal(await inText(), true);
    await ap.keyboard.press("Alt+F10");
    await focusMovesTo("Insert an image");
    await ap.keyboard.press("Escape");
    assert.equal(await inText(), true);
  });

  it("each device keeps its mode; the toolbar fits a phone", async () => {
    const ap = alice.page;
    const bp = bob.page;
    await bp.reload();
    await waitForPad(bp);
    assert.equal(await pressed(bp, "Markdown"), "true");
    await ap.reload();
    await waitForPad(ap);
    assert.equal(await pressed(ap, "Formatted"), "true");
    await ap.setViewportSize({ width: 390, height: 800 });
    await noHorizontalOverflow(ap);
    const bar = await ap.getByRole("toolbar", { name: "Text formatting" }).evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(bar.scroll > bar.client, "the toolbar scrolls sideways on a phone");
    const size = await ap.getByRole("button", { name: "Bold", exact: true }).boundingBox();
    assert.ok(size && size.width >= 44 && size.height >= 44, JSON.stringify(size));
    await closeContext(bob);
    await closeContext(alice);
  });
});
