// End-to-end tests of pads: two people (the admin and a guest) typing into the same line at the
// same time, carets, the read-only link, the timeslider, export, the phone layout, the chat, saved
// revisions, pad passwords, imports (text files and Etherpad exports), and the CSP (CodeMirror's
// styles must go through CSSOM, never an inline <style>).
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";
import { createNamedPad, editorText, serverPad, waitForPad } from "./lib/pad.mjs";
import { BROWSER_TESTS_DIR } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const ARTIFACTS = join(BROWSER_TESTS_DIR, "artifacts");

let server;
let browser;
const open = new Set();

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

const serverText = (id) => serverPad(server.url, id);

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

describe("Pads", { concurrency: false }, () => {
  let admin;
  let guest;
  let padId;
  let readonlyId;
  let adminName;
  let guestName;

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, async (s, b) => {
    [server, browser] = [s, b];
    await mkdir(ARTIFACTS, { recursive: true });
  }, open);

  it("the admin creates a pad from /pads and types; CodeMirror's styles pass the CSP", async () => {
    admin = await newContext();
    const { page } = admin;
    await login(page, "admin", ADMIN_PASSWORD);
    adminName = await page.evaluate(async () => (await (await fetch("/api/v1/me")).json()).user.display_name);
    // The home page no longer says "Coming soon" for pads.
    await page.goto("/");
    await page.locator('a.tool-card[href="/pads"]').waitFor();
    assert.equal(await page.locator('a.tool-card[href="/pads"] .badge').count(), 0);
    // The list is light: the editor's chunk (CodeMirror) comes only with a pad.
    const scripts = [];
    page.on("request", (r) => r.resourceType() === "script" && scripts.push(new URL(r.url()).pathname));
    await page.locator('a.tool-card[href="/pads"]').click();
    await page.waitForURL((u) => u.pathname === "/pads");
    await page.getByRole("heading", { level: 2, name: "New pad" }).waitFor();
    assert.ok(scripts.some((p) => /\/chunks\/home-/.test(p)), `${scripts}`);
    assert.ok(!scripts.some((p) => /\/chunks\/pads-/.test(p)), `the pads list loads the editor: ${scripts}`);
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
    guest.allowOfflineErrors();
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
    // Who has text in the pad at that revision, as Etherpad's timeslider lists them.
    const present = [...new Set(atEarly.authorship.map((r) => r[0]).filter(Boolean))];
    assert.ok(present.length >= 1, JSON.stringify(atEarly));
    const expectedNames = present.map((id) => atEarly.authors.find((a) => a.id === id)?.name);
    assert.deepEqual(await ap.locator(".pad-ts-author-name").allTextContents(), expectedNames);
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

  it("chat: a message sent by one appears live for the other (unread badge), as plain text, and survives a reload", async () => {
    const ap = admin.page;
    const gp = guest.page;
    const guestColor = await gp.evaluate(async () => (await (await fetch("/api/v1/guest")).json()).avatar_color);
    // The guest opens the chat (closed by default); the admin keeps it closed.
    await gp.getByRole("button", { name: /^Chat/ }).click();
    const gchat = gp.locator("#pad-chat");
    await gchat.getByText("No messages yet.").waitFor();
    const hello = "Hello <b>admin</b> & co";
    await gchat.getByLabel("Message", { exact: true }).fill(hello);
    await gchat.getByLabel("Message", { exact: true }).press("Enter");
    await gchat.locator(".pad-chat-text", { hasText: hello }).waitFor();
    assert.equal(await gchat.getByLabel("Message", { exact: true }).inputValue(), "");
    // The admin sees an unread badge, then the message, in the guest's colour, as text.
    await ap.locator(".pad-chat-toggle .pad-unread[data-count='1']").waitFor();
    await ap.getByRole("button", { name: /^Chat/ }).click();
    const achat = ap.locator("#pad-chat");
    const line = achat.locator(".pad-chat-msg").filter({ hasText: hello });
    await line.waitFor();
    assert.equal(await line.locator(".pad-chat-text").textContent(), hello);
    assert.equal(await line.locator(".pad-chat-text b").count(), 0, "chat text is never HTML");
    assert.equal(await line.locator(".pad-chat-name").textContent(), guestName);
    // The guest's colour, darkened just enough to read at 4.5:1 when it is a light one (palette.ts).
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(guestColor.slice(i, i + 2), 16));
    const shown = await line.locator(".pad-chat-name").evaluate((el) => getComputedStyle(el).color);
    const [sr, sg, sb] = shown.match(/\d+/g).map(Number);
    const lum = (...c) => {
      const [x, y, z] = c.map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * x + 0.7152 * y + 0.0722 * z;
    };
    // Against the lighter of the two page backgrounds it is checked on (--surface, --bg).
    const reads = (l) => (lum(247, 247, 249) + 0.05) / (l + 0.05) >= 4.5;
    if (reads(lum(r, g, b))) assert.equal(shown, `rgb(${r}, ${g}, ${b})`);
    else assert.ok(reads(lum(sr, sg, sb)) && sr <= r && sg <= g && sb <= b, `${shown} for ${guestColor}`);
    assert.equal(await line.locator("time").textContent(), "now");
    assert.equal(await ap.locator(".pad-chat-toggle .pad-unread").count(), 0);
    // The admin answers; the guest sees it live.
    await achat.getByLabel("Message", { exact: true }).fill("Hi Camille!");
    await achat.getByRole("button", { name: "Send" }).click();
    await gchat.locator(".pad-chat-msg", { hasText: "Hi Camille!" }).locator(".pad-chat-name", { hasText: adminName }).waitFor();
    // After a reload the panel is still open (kept in localStorage) with the history, oldest first.
    await gp.reload();
    await waitForPad(gp);
    await gp.locator("#pad-chat .pad-chat-msg").nth(1).waitFor();
    assert.deepEqual(await gp.locator("#pad-chat .pad-chat-text").allTextContents(), [hello, "Hi Camille!"]);
    // A read-only viewer reads the chat but cannot write.
    const ro = await newContext();
    await ro.page.goto(`/p/${readonlyId}`);
    await waitForPad(ro.page, { editable: false });
    await ro.page.getByRole("button", { name: /^Chat/ }).click();
    await ro.page.locator("#pad-chat .pad-chat-text", { hasText: "Hi Camille!" }).waitFor();
    assert.equal(await ro.page.locator("#pad-chat input").count(), 0);
    await ro.page.getByText("you can read the chat, not write in it").waitFor();
    await closeContext(ro);
    // Long history: the newest 50 first, older ones when scrolling up.
    await gp.evaluate(async (id) => {
      const { csrf_token } = await (await fetch("/api/v1/guest")).json();
      for (let i = 1; i <= 60; i++) {
        const res = await fetch(`/api/v1/pads/${id}/chat`, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf_token }, body: JSON.stringify({ text: `line ${i}` }) });
        if (res.status !== 201) throw new Error(`chat POST: ${res.status}`);
      }
    }, padId);
    await gp.reload();
    await waitForPad(gp);
    await gp.locator("#pad-chat .pad-chat-text", { hasText: "line 60" }).waitFor();
    assert.equal(await gp.locator("#pad-chat .pad-chat-msg").count(), 50);
    await gp.locator("#pad-chat .pad-chat-list").evaluate((el) => el.scrollTo(0, 0));
    await gp.locator("#pad-chat .pad-chat-text", { hasText: hello }).waitFor();
    assert.equal(await gp.locator("#pad-chat .pad-chat-msg").count(), 62);
    assert.equal(await gp.locator("#pad-chat").getByRole("button", { name: "Older messages" }).count(), 0);
    await noCspViolation(ap);
    await noCspViolation(gp);
  });

  it("saved revisions: the admin stars a revision with a label; it is listed and marked on the slider", async () => {
    const ap = admin.page;
    await ap.getByRole("button", { name: "History", exact: true }).click();
    const panel = ap.locator("#pad-panel");
    await panel.getByText("No saved revision yet.").waitFor();
    const head = Number(await ap.locator("#pad-rev").getAttribute("max"));
    assert.ok(head > 2);
    await panel.getByRole("button", { name: "Save this revision" }).click();
    await panel.getByLabel(/Label for revision/).fill("Before the vote");
    await panel.getByRole("button", { name: `Save revision ${head}` }).click();
    await ap.getByText(`Revision ${head} saved.`).waitFor();
    const item = panel.locator(".pad-saved-list button", { hasText: "Before the vote" });
    await item.waitFor();
    await ap.locator(".pad-range-mark").first().waitFor();
    assert.equal(await ap.locator(".pad-range-mark").count(), 1);
    const saved = await (await fetch(`${server.url}/api/v1/pads/${padId}/saved-revisions`)).json();
    assert.deepEqual(
      saved.map((s) => [s.rev, s.label, s.saved_by]),
      [[head, "Before the vote", adminName]],
    );
    // Jump: move away, then pick the saved revision in the list.
    await ap.locator("#pad-rev").fill("1");
    await ap.locator('.pad-ts-text[data-rev="1"]').waitFor();
    await item.click();
    await ap.locator(`.pad-ts-text[data-rev="${head}"]`).waitFor();
    assert.equal(await ap.locator("#pad-rev").inputValue(), String(head));
    await ap.getByRole("button", { name: "Close panel" }).click();
  });

  it("pad password: the creator sets one; another person gets the password form, a wrong password is refused, the right one opens the pad", async () => {
    const ap = admin.page;
    const gp = guest.page;
    await createNamedPad(ap, "secret-pad");
    await caretAt(ap, 0);
    await ap.keyboard.type("Top secret.\n");
    await ap.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"));
    // The guest has the pad open before it gets a password.
    await gp.goto("/p/secret-pad");
    await waitForPad(gp);
    await ap.getByRole("button", { name: "Share" }).click();
    const panel = ap.locator("#pad-panel");
    await panel.getByText("Anyone with a link can open this pad.").waitFor();
    await panel.getByLabel("Pad password").fill("open sesame");
    await panel.getByRole("button", { name: "Set the password" }).click();
    await ap.getByText("Password set.").waitFor();
    await panel.getByText("This pad is protected by a password.").waitFor();
    await ap.locator(".pad-title .badge", { hasText: "Protected" }).waitFor();
    assert.equal((await fetch(`${server.url}/api/v1/pads/secret-pad`)).status, 403);

    // The guest, in the pad when it got a password, is taken out of it at once (the server's
    // `unsubscribed` frame, reason password_required): the password form, with no reload.
    await gp.getByRole("heading", { name: "This pad is protected" }).waitFor();
    // Opening it afresh: GET /api/v1/pads/secret-pad answers 403 password_required (a wrong
    // password, 403 too): both expected.
    guest.allowHttpError(/\/api\/v1\/pads\/secret-pad(\?text=false)?$/, 403);
    guest.allowHttpError(/\/api\/v1\/pads\/secret-pad\/unlock$/, 403);
    await gp.reload();
    await gp.getByRole("heading", { name: "This pad is protected" }).waitFor();
    await gp.getByLabel("Password").fill("open barley");
    await gp.getByRole("button", { name: "Open the pad" }).click();
    await gp.getByText("Wrong password.").waitFor();
    await gp.getByLabel("Password").fill("open sesame");
    await gp.getByRole("button", { name: "Open the pad" }).click();
    await waitForPad(gp);
    await gp.waitForFunction(() => window.__padView.state.doc.toString() === "Top secret.\n");
    // Edits sync both ways.
    await caretAt(gp, "Top secret.".length);
    await gp.keyboard.type(" Really.");
    await ap.waitForFunction(() => window.__padView.state.doc.toString() === "Top secret. Really.\n");
    // Given once: a reload opens the pad directly.
    await gp.reload();
    await waitForPad(gp);
    assert.equal(await gp.locator("#pad-unlock").count(), 0);
    await noCspViolation(gp);
  });

  it("import: a .md file replaces the text as one revision (after a warning); bad files are refused with a message", async () => {
    const ap = admin.page;
    const gp = guest.page;
    const panel = ap.locator("#pad-panel");
    const revBefore = await ap.evaluate(() => window.__padSession.client.rev);
    // Wrong extension: refused here, nothing sent.
    await panel.getByLabel("Import a file").setInputFiles({ name: "slides.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4") });
    await panel.getByText("Only .txt, .md, .html, .docx and .odt files can be imported.").waitFor();
    // Not UTF-8: the server answers 422, shown translated.
    admin.allowHttpError(/\/api\/v1\/pads\/secret-pad\/import\?format=txt$/, 422);
    await panel.getByLabel("Import a file").setInputFiles({ name: "bad.txt", mimeType: "text/plain", buffer: Buffer.from([0xff, 0xfe, 0x00, 0xc3]) });
    await ap.locator("dialog[open]").getByRole("button", { name: "Replace the text" }).click();
    await panel.getByText("This file could not be read").waitFor();
    // A Markdown file: warning, then the text is replaced for everyone.
    const md = "# Imported\n\nFrom **a file**, with é and 🙂.\n";
    await panel.getByLabel("Import a file").setInputFiles({ name: "notes.md", mimeType: "text/markdown", buffer: Buffer.from(md) });
    const dialog = ap.locator("dialog[open]");
    await dialog.getByText("Replace the text with “notes.md”?").waitFor();
    await dialog.getByRole("button", { name: "Replace the text" }).click();
    await ap.getByText(`File imported (revision ${revBefore + 1}).`).waitFor();
    for (const p of [ap, gp]) await p.waitForFunction((t) => window.__padView.state.doc.toString() === t, md);
    assert.equal(await ap.evaluate(() => window.__padSession.client.rev), revBefore + 1);
    // A word processor's file (the pad's own DOCX export): its heading and bold come back.
    const docx = Buffer.from(await ap.evaluate(async () => [...new Uint8Array(await (await fetch("/api/v1/pads/secret-pad/export?format=docx")).arrayBuffer())]));
    await ap.evaluate(() => window.__padView.dispatch({ changes: { from: 0, insert: "Draft. " } }));
    await gp.waitForFunction(() => window.__padView.state.doc.toString().startsWith("Draft. "));
    await panel.getByLabel("Import a file").setInputFiles({ name: "Compte rendu.docx", mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", buffer: docx });
    await ap.locator("dialog[open]").getByRole("button", { name: "Replace the text" }).click();
    await ap.getByText(`File imported (revision`).last().waitFor();
    for (const p of [ap, gp]) await p.waitForFunction(() => /^# Imported\n/.test(window.__padView.state.doc.toString()) && window.__padView.state.doc.toString().includes("**a file**"));
    await noCspViolation(ap);
  });

  it("import: an .etherpad file on /pads becomes a new pad with its text, history and chat", async () => {
    const ap = admin.page;
    await ap.goto("/pads");
    const card = ap.locator("#import-pad");
    await card.waitFor();
    // Not an Etherpad export: 400 invalid_json, shown translated.
    admin.allowHttpError(/\/api\/v1\/pads\/import-etherpad/, 400);
    await card.getByLabel("Import an Etherpad pad (.etherpad file)").setInputFiles({ name: "x.etherpad", mimeType: "application/json", buffer: Buffer.from("not json") });
    await card.getByText("This file is not an Etherpad export").waitFor();
    const file = {
      "pad:meeting": { atext: { text: "Hello world\n", attribs: "*0+c" }, pool: {}, head: 1 },
      "pad:meeting:revs:0": { changeset: "Z:1>5+5$Hello", meta: { author: "a.x1", timestamp: 1600000000000 } },
      "pad:meeting:revs:1": { changeset: "Z:6>6=5+6$ world", meta: { author: "a.y2", timestamp: 1600000001000 } },
      "globalAuthor:a.x1": { name: "Alice", colorId: 3 },
      "globalAuthor:a.y2": { name: "Bob", colorId: "#ff0000" },
      "pad:meeting:chat:0": { text: "first", userId: "a.x1", time: 1600000000500 },
      "pad:meeting:chat:1": { text: "second", userId: "a.y2", time: 1600000001500 },
    };
    await card.getByLabel("Name of the new pad").fill("from-etherpad");
    await card.getByLabel("Import an Etherpad pad (.etherpad file)").setInputFiles({ name: "meeting.etherpad", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) });
    await ap.waitForURL((u) => u.pathname === "/p/from-etherpad");
    await waitForPad(ap);
    assert.equal(await editorText(ap), "Hello world\n");
    const revs = await (await fetch(`${server.url}/api/v1/pads/from-etherpad/revisions`)).json();
    assert.ok(revs.length >= 2, JSON.stringify(revs));
    // The chat panel is open (kept from the chat test) and shows the imported chat.
    await ap.locator("#pad-chat .pad-chat-msg").nth(1).waitFor();
    assert.deepEqual(await ap.locator("#pad-chat .pad-chat-text").allTextContents(), ["first", "second"]);
    assert.deepEqual(await ap.locator("#pad-chat .pad-chat-name").allTextContents(), ["Alice", "Bob"]);

    // Back to the first pad for the last test.
    await ap.goto(`/p/${padId}`);
    await waitForPad(ap);
    await ap.getByRole("button", { name: "Share" }).click();
    await guest.page.goto(`/p/${padId}`);
    await waitForPad(guest.page);
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

  it("a guest finds the pads they created under “on this device”, and can forget one", async () => {
    const g = await newContext();
    const { page } = g;
    await createNamedPad(page, "guest-notes");
    await page.goto("/pads");
    const card = page.locator("#device-pads");
    await card.getByRole("link", { name: "guest-notes", exact: true }).waitFor();
    // A reload reads it from this browser again.
    await page.reload();
    await card.getByRole("link", { name: "guest-notes", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/p/guest-notes");
    await waitForPad(page);
    await page.goto("/pads");
    await card.getByRole("button", { name: "Forget guest-notes on this device" }).click();
    await card.waitFor({ state: "detached" });
    // Only the list forgets: the pad stays.
    assert.equal((await fetch(`${server.url}/api/v1/pads/guest-notes`)).status, 200);
    await closeContext(g);
  });

  it("a numbered list typed by hand stays as typed (the editor's own continuation gives way)", async () => {
    const g = await newContext();
    const { page } = g;
    await page.goto("/pads");
    await page.getByLabel("Pad name").fill("shopping");
    await page.getByRole("button", { name: "Create pad" }).click();
    await waitForPad(page);
    await caretAt(page, 0);
    await page.keyboard.type("1. bread\n2. milk\n");
    // Enter alone continues the list; typing on from there works too.
    await page.keyboard.type("eggs\n- a\n- b");
    await page.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"));
    assert.equal((await serverText("shopping")).text, "1. bread\n2. milk\n3. eggs\n- a\n- b");
    await closeContext(g);
  });
});
