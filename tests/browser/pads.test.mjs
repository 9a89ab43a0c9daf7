// End-to-end tests of pads: two people (the admin and a guest) typing into the same line at the
// same time, carets, the read-only link, the timeslider, export, the phone layout, and the CSP
// (CodeMirror's styles must go through CSSOM, never an inline <style>).
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { guardedContext, launchBrowser } from "./lib/browser.mjs";
import { BROWSER_TESTS_DIR, startServer } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const ARTIFACTS = join(BROWSER_TESTS_DIR, "artifacts");

let server;
let browser;
const open = new Set();

async function newContext(options) {
  const g = await guardedContext(browser, server, options);
  // Any CSP violation is recorded (Chromium also logs it as a console error, which fails the test).
  await g.context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || ""} ${e.sample || ""} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  open.add(g);
  return g;
}

async function closeContext(g) {
  open.delete(g);
  g.assertClean();
  await g.close();
}

async function login(page, username, password) {
  await page.goto("/login");
  await page.locator("input[name=username]").fill(username);
  await page.locator("input[name=password]").fill(password);
  await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.locator("form button[type=submit]").click()]);
}

/** Waits until the pad editor has loaded the pad (and is editable unless read-only). */
async function waitForPad(page, { editable = true } = {}) {
  await page.waitForFunction(
    (editable) => {
      const v = window.__padView;
      return !!v && document.querySelector(".pad-loading") === null && (!editable || !v.state.readOnly);
    },
    editable,
    { timeout: 20_000 },
  );
}

const editorText = (page) => page.evaluate(() => window.__padView.state.doc.toString());

async function serverText(id) {
  const res = await fetch(`${server.url}/api/v1/pads/${encodeURIComponent(id)}`);
  assert.equal(res.status, 200);
  return res.json();
}

/** Puts the caret at a UTF-16 offset and focuses the editor. */
async function caretAt(page, pos) {
  await page.evaluate((pos) => {
    const v = window.__padView;
    v.focus();
    v.dispatch({ selection: { anchor: Math.min(pos, v.state.doc.length) } });
  }, pos);
}

/** Types one character at a time with small random pauses. */
async function typeSlowly(page, text, seed) {
  let s = seed;
  for (const ch of text) {
    s = (s * 1103515245 + 12345) % 2147483648;
    await page.keyboard.type(ch);
    await page.waitForTimeout(5 + (s % 60));
  }
}

async function noCspViolation(page) {
  const v = await page.evaluate(() => window.__cspViolations ?? []);
  assert.deepEqual(v, [], `CSP violations on ${page.url()}`);
}

async function noHorizontalOverflow(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `horizontal overflow on ${page.url()}: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
}

describe("Pads", { concurrency: false }, () => {
  let admin;
  let guest;
  let padId;
  let readonlyId;
  let adminName;
  let guestName;

  before(async () => {
    server = await startServer({ adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterEach(() => {
    for (const g of open) g.assertClean();
  });

  after(async () => {
    for (const g of open) await g.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (server) {
      if (process.env.NICHOIR_TEST_LOG) console.log(server.logs());
      await server.stop();
    }
  });

  it("the admin creates a pad from /pads and types; CodeMirror's styles pass the CSP", async () => {
    admin = await newContext();
    const { page } = admin;
    await login(page, "admin", ADMIN_PASSWORD);
    adminName = await page.evaluate(async () => (await (await fetch("/api/v1/me")).json()).user.display_name);
    // The home page no longer says "Coming soon" for pads.
    await page.goto("/");
    await page.locator('a.tool-card[href="/pads"]').waitFor();
    assert.equal(await page.locator('a.tool-card[href="/pads"] .badge').count(), 0);
    await page.locator('a.tool-card[href="/pads"]').click();
    await page.waitForURL((u) => u.pathname === "/pads");
    await page.getByRole("heading", { level: 2, name: "New pad" }).waitFor();
    await page.getByLabel("Pad name").fill("meeting-notes");
    await page.getByRole("button", { name: "Create pad" }).click();
    await page.waitForURL((u) => u.pathname === "/p/meeting-notes");
    padId = "meeting-notes";
    await waitForPad(page);
    await caretAt(page, 0);
    await page.keyboard.type("# Notes\nThe shared line: .\n");
    await page.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"));
    assert.equal((await serverText(padId)).text, "# Notes\nThe shared line: .\n");
    // CodeMirror's styles went through a constructed style sheet, not a <style> element.
    const styles = await page.evaluate(() => ({
      adopted: document.adoptedStyleSheets.length,
      styleTags: document.querySelectorAll("style").length,
      themed: getComputedStyle(document.querySelector(".cm-editor")).display,
    }));
    assert.ok(styles.adopted >= 1, "CodeMirror uses adoptedStyleSheets");
    assert.equal(styles.styleTags, 0);
    assert.equal(styles.themed, "flex", "CodeMirror's base theme applies");
    await noCspViolation(page);
    // The pad appears in "My pads".
    await page.goto("/pads");
    await page.locator("#my-pads").getByRole("link", { name: "meeting-notes", exact: true }).waitFor();
    await page.locator("#my-pads").getByRole("link", { name: "meeting-notes", exact: true }).click();
    await waitForPad(page);
    readonlyId = (await serverText(padId)).pad.readonly_id;
    assert.match(readonlyId, /^r-/);
  });

  it("the admin and a guest type into the same line at the same time and converge", async () => {
    guest = await newContext();
    const gp = guest.page;
    await gp.goto(`/p/${padId}`);
    await waitForPad(gp);
    guestName = await gp.evaluate(async () => (await (await fetch("/api/v1/guest")).json()).display_name);
    assert.ok(guestName);
    assert.equal(await editorText(gp), "# Notes\nThe shared line: .\n");
    const ap = admin.page;

    // Both in line 2: the admin after "The ", the guest after ": ".
    const line2 = "# Notes\n".length;
    await caretAt(ap, line2 + "The ".length);
    await caretAt(gp, line2 + "The shared line: ".length);
    const adminText = "admin-typed-thirty-characters!";
    const guestText = "GUEST-TYPED-THIRTY-CHARACTERS?";
    assert.equal(adminText.length, 30);
    assert.equal(guestText.length, 30);
    await Promise.all([typeSlowly(ap, adminText, 7), typeSlowly(gp, guestText, 11)]);

    // Everything settles: same text in both editors and on the server.
    const settled = async () => {
      const [a, g, s] = await Promise.all([editorText(ap), editorText(gp), serverText(padId)]);
      return a === g && g === s.text ? s.text : null;
    };
    let final = null;
    for (let i = 0; i < 100 && !final; i++) {
      final = await settled();
      if (!final) await ap.waitForTimeout(100);
    }
    assert.ok(final, `editors did not converge:\nadmin: ${await editorText(ap)}\nguest: ${await editorText(gp)}\nserver: ${(await serverText(padId)).text}`);
    assert.ok(final.includes(adminText), final);
    assert.ok(final.includes(guestText), final);
    assert.equal(final, `# Notes\nThe ${adminText}shared line: ${guestText}.\n`);

    // Each sees the other's caret, labelled with the other's name.
    await ap.locator(".pad-caret-label", { hasText: guestName }).waitFor({ state: "attached" });
    await gp.locator(".pad-caret-label", { hasText: adminName }).waitFor({ state: "attached" });
    // People on the pad: both, once each.
    await ap.getByRole("button", { name: /^People \(2\)$/ }).click();
    const people = ap.locator(".pad-person-name");
    await people.filter({ hasText: guestName }).waitFor();
    assert.equal(await people.count(), 2);
    await ap.getByRole("button", { name: "Close panel" }).click();

    // Author colours: marks on the text, tinted once the toggle is on.
    await ap.getByRole("button", { name: "Author colours" }).click();
    await ap.locator(".pad-show-authors .cm-content [class*=pad-a]").first().waitFor();
    const tinted = await ap.evaluate(() => {
      const el = document.querySelector(".pad-show-authors .cm-content [class*=pad-a]");
      return getComputedStyle(el).backgroundColor;
    });
    assert.notEqual(tinted, "rgba(0, 0, 0, 0)");

    // Own undo removes only the guest's own typing.
    await gp.evaluate(() => window.__padView.focus());
    await gp.keyboard.press("Control+z");
    const afterUndo = `# Notes\nThe ${adminText}shared line: .\n`;
    await gp.waitForFunction((t) => window.__padView.state.doc.toString() === t, afterUndo);
    await ap.waitForFunction((t) => window.__padView.state.doc.toString() === t, afterUndo);
    await gp.keyboard.press("Control+Shift+z");
    await gp.waitForFunction((t) => window.__padView.state.doc.toString() === t, final, { timeout: 5000 }).catch(async (e) => {
      throw new Error(`redo: ${JSON.stringify(await editorText(gp))} instead of ${JSON.stringify(final)}: ${e.message}`);
    });
    await ap.waitForFunction((t) => window.__padView.state.doc.toString() === t, final);
    await ap.screenshot({ path: join(ARTIFACTS, "pad-two-people.png") });
    await noCspViolation(ap);
    await noCspViolation(gp);
  });

  it("a guest renames themself and the others see the new name", async () => {
    const gp = guest.page;
    await gp.getByRole("button", { name: /^People/ }).click();
    await gp.getByLabel("Your name").fill("Camille");
    await gp.getByRole("button", { name: "Save" }).click();
    await gp.getByText("Name saved.").waitFor();
    const ap = admin.page;
    await ap.getByRole("button", { name: /^People/ }).click();
    await ap.locator(".pad-person-name", { hasText: "Camille" }).waitFor();
    await ap.getByRole("button", { name: "Close panel" }).click();
    await gp.getByRole("button", { name: "Close panel" }).click();
    // The caret label follows once the guest moves.
    await gp.evaluate(() => {
      const v = window.__padView;
      v.focus();
      v.dispatch({ selection: { anchor: 2 } });
    });
    await ap.locator(".pad-caret-label", { hasText: "Camille" }).waitFor({ state: "attached" });
    guestName = "Camille";
  });

  it("typing offline is kept, then merged on reconnect", async () => {
    const gp = guest.page;
    const ap = admin.page;
    const before = await editorText(gp);
    await guest.context.setOffline(true);
    await gp.evaluate(() => window.__padSession.reconnect());
    await gp.locator('.pad-conn[data-state="offline"], .pad-conn[data-state="reconnecting"]').waitFor();
    await caretAt(gp, 0);
    await gp.keyboard.type("offline\n");
    // Meanwhile the admin writes at the end.
    await caretAt(ap, (await editorText(ap)).length);
    await ap.keyboard.type(" online");
    await ap.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"));
    assert.equal(await editorText(gp), `offline\n${before}`);
    await guest.context.setOffline(false);
    await gp.locator('.pad-conn[data-state="connected"]').waitFor({ timeout: 15_000 });
    const expected = `offline\n${before} online`;
    for (const p of [gp, ap]) await p.waitForFunction((t) => window.__padView.state.doc.toString() === t, expected, { timeout: 15_000 });
    await gp.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"));
    assert.equal((await serverText(padId)).text, expected);
  });

  it("the Markdown preview renders sanitised HTML", async () => {
    const ap = admin.page;
    await ap.getByRole("button", { name: "Preview" }).click();
    await ap.locator(".pad-preview h1", { hasText: "Notes" }).waitFor();
    await ap.evaluate(() => {
      const v = window.__padView;
      v.dispatch({ changes: { from: v.state.doc.length, insert: '\n<img src=x onerror=alert(1)> <b/onclick="alert(2)" style="color:red">b</b> **bold**\n\n<style>p{}</style>\n' } });
    });
    await ap.locator(".pad-preview strong", { hasText: "bold" }).waitFor();
    assert.equal(await ap.locator(".pad-preview [onerror], .pad-preview [onclick], .pad-preview [style], .pad-preview style").count(), 0);
    await ap.getByRole("button", { name: "Preview" }).click();
    await noCspViolation(ap);
  });

  it("the read-only link shows the text, and typing there does nothing", async () => {
    const ro = await newContext();
    const { page } = ro;
    await page.goto(`/p/${readonlyId}`);
    await waitForPad(page, { editable: false });
    const expected = (await serverText(padId)).text;
    await page.waitForFunction((t) => window.__padView.state.doc.toString() === t, expected);
    await page.getByText("Read only").first().waitFor();
    await page.locator(".cm-content").click();
    await page.keyboard.type("zzz");
    await page.keyboard.press("Enter");
    await page.waitForTimeout(500);
    assert.equal(await editorText(page), expected);
    assert.equal((await serverText(padId)).text, expected);
    // Edits by others still arrive live.
    await admin.page.evaluate(() => {
      const v = window.__padView;
      v.dispatch({ changes: { from: v.state.doc.length, insert: "live!" } });
    });
    await page.waitForFunction(() => window.__padView.state.doc.toString().endsWith("live!"));
    await noCspViolation(page);
    await closeContext(ro);
  });

  it("the timeslider shows an earlier revision; export downloads the text", async () => {
    const ap = admin.page;
    await ap.getByRole("button", { name: "History" }).click();
    const slider = ap.locator("#pad-rev");
    await slider.waitFor();
    const revs = await (await fetch(`${server.url}/api/v1/pads/${padId}/revisions?limit=1000`)).json();
    assert.ok(revs.length >= 3);
    const early = revs[revs.length - 1].rev;
    const atEarly = await (await fetch(`${server.url}/api/v1/pads/${padId}/revisions/${early}`)).json();
    await slider.fill(String(early));
    await ap.locator(`.pad-ts-text[data-rev="${early}"]`).waitFor();
    assert.equal(await ap.locator(".pad-ts-text").textContent(), atEarly.text);
    await ap.getByText(`Revision ${early} of`).waitFor();
    // "Download this revision".
    const [revDownload] = await Promise.all([ap.waitForEvent("download"), ap.getByRole("link", { name: "Download this revision" }).click()]);
    assert.equal(await readFile(await revDownload.path(), "utf8"), atEarly.text);
    await ap.getByRole("button", { name: "Close panel" }).click();

    // Share panel: links and the export.
    await ap.getByRole("button", { name: "Share" }).click();
    assert.equal(await ap.getByLabel("Read-only link").inputValue(), `${server.url}/p/${readonlyId}`);
    assert.equal(await ap.getByLabel("Edit link").inputValue(), `${server.url}/p/${padId}`);
    const [download] = await Promise.all([ap.waitForEvent("download"), ap.getByRole("link", { name: "Text (.txt)" }).click()]);
    const current = (await serverText(padId)).text;
    assert.equal(await readFile(await download.path(), "utf8"), current);
    assert.equal(await editorText(ap), current);
    await noCspViolation(ap);
  });

  it("the pad works on a phone-sized screen", async () => {
    const phone = await newContext({ viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true });
    const { page } = phone;
    await page.goto(`/p/${padId}`);
    await waitForPad(page);
    await noHorizontalOverflow(page);
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByLabel("Read-only link").waitFor();
    await noHorizontalOverflow(page);
    const box = await page.locator(".cm-editor").boundingBox();
    assert.ok(box && box.width > 300 && box.width <= 390, `editor width ${box?.width}`);
    await page.screenshot({ path: join(ARTIFACTS, "pad-phone.png"), fullPage: true });
    await closeContext(phone);
  });

  it("the owner deletes the pad and the guest is told", async () => {
    const ap = admin.page;
    await ap.getByRole("button", { name: "Delete pad" }).click();
    const dialog = ap.locator("dialog[open]");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Delete pad" }).click();
    await ap.waitForURL((u) => u.pathname === "/pads");
    await guest.page.getByText("This pad was deleted.").first().waitFor();
    const res = await fetch(`${server.url}/api/v1/pads/${padId}`);
    assert.equal(res.status, 404);
    await closeContext(guest);
    await closeContext(admin);
  });
});
