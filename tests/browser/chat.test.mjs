// End-to-end tests of the chat: the admin creates a team and a channel through the UI; Bob (a
// second browser) joins the team and the channel; they talk live; Bob's sidebar shows the unread
// channel and the @mention count while he looks at another channel, and both clear when he opens
// it (on the server too); a direct message; a thread reply seen live in the other's thread panel; a
// reaction and its count; a search whose result opens the permalink; the phone layout (390×844).
// An attached image seen by the other as its thumbnail, and a link preview card for a pad; the
// image viewer (arrows, download, Escape, backdrop, focus, a phone).
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import zlib from "node:zlib";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { apiCall, closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";
import { BROWSER_TESTS_DIR } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const BOB_PASSWORD = "another long passphrase for bob";
const ARTIFACTS = join(BROWSER_TESTS_DIR, "artifacts");
const TEAM = "asso-velo";
const BUDGET = `/chat/${TEAM}/budget-2027`;
const TOWN = `/chat/${TEAM}/town-square`;

let server;
let browser;
const open = new Set();

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

/** Waits until the chat follows its realtime topic (so live events can be checked). */
async function live(page) {
  await page.locator('.chat-app[data-live="connected"]').waitFor({ timeout: 15_000 });
}

const composer = (page) => page.locator(".chat-channel .chat-composer-input");
const threadComposer = (page) => page.locator(".chat-panel .chat-composer-input");
const postIn = (page, text) => page.locator(".chat-channel .chat-list > .chat-post", { hasText: text });
const sideLink = (page, name) => page.locator(`.chat-sidebar a.chat-side-link[data-channel="${name}"]`);

/** A PNG of one colour, `w` × `h` (RGB rows, filter 0, zlib): a photo-sized picture for the viewer. */
function solidPng(w, h, [r, g, b]) {
  const row = Buffer.alloc(1 + 3 * w);
  for (let x = 0; x < w; x++) row.set([r, g, b], 1 + 3 * x);
  const chunk = (kind, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(kind), data])));
    return Buffer.concat([len, Buffer.from(kind), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

async function send(page, text, box = composer(page)) {
  await box.click();
  await box.fill(text);
  await box.press("Enter");
  await page.locator(".chat-post:not(.is-pending)", { hasText: text }).first().waitFor();
}

describe("Chat", { concurrency: false }, () => {
  let admin;
  let bob;

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, async (s, b) => {
    [server, browser] = [s, b];
    await mkdir(ARTIFACTS, { recursive: true });
  }, open);

  it("the admin creates a team and a channel, through the UI", async () => {
    admin = await newContext();
    const { page } = admin;
    await login(page, "admin", ADMIN_PASSWORD);
    await page.goto("/");
    const card = page.locator('a.tool-card[href="/chat"]');
    await card.waitFor();
    assert.equal(await card.locator(".badge").count(), 0, "no 'Coming soon' badge on the Chat card");
    await card.click();
    await page.waitForURL((u) => u.pathname === "/chat");
    await page.getByRole("heading", { level: 1, name: "Chat" }).waitFor();
    await page.locator("#chat-my-teams").getByText("You are not in any team yet.").waitFor();

    // Nothing filled: the client says what is missing.
    const form = page.locator("#chat-create-team");
    await form.getByRole("button", { name: "Create the team" }).click();
    await form.getByText("Give it a name.").waitFor();
    await form.getByLabel("Team name").fill("Asso vélo");
    assert.equal(await page.locator("#chat-team-name").inputValue(), TEAM, "the address follows the name");
    await form.getByText(`/chat/${TEAM}`).waitFor();
    await form.getByLabel(/^Description/).fill("Bike repair workshops and rides.");
    assert.equal(await form.getByRole("checkbox", { name: /Open team/ }).isChecked(), true);
    await noCspViolation(page);
    await form.getByRole("button", { name: "Create the team" }).click();

    // The team opens on its town square.
    await page.waitForURL((u) => u.pathname === TOWN);
    await live(page);
    await sideLink(page, "town-square").waitFor();
    await page.locator(".chat-side-teamname", { hasText: "Asso vélo" }).waitFor();
    await page.waitForFunction(() => document.title.includes("Chat"));

    // A public channel, from the sidebar's "+".
    await page.getByRole("button", { name: "Create a channel" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.getByLabel("Name", { exact: true }).fill("Budget 2027");
    assert.equal(await dialog.getByLabel("Address").inputValue(), "budget-2027");
    await dialog.getByLabel(/^Purpose/).fill("Prepare next year's budget");
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL((u) => u.pathname === BUDGET);
    await page.locator(".chat-head-name", { hasText: "Budget 2027" }).waitFor();
    await page.locator(".chat-intro", { hasText: "Prepare next year's budget" }).waitFor();
    await sideLink(page, "budget-2027").waitFor();
    assert.equal(await sideLink(page, "budget-2027").getAttribute("aria-current"), "page");

    await send(page, "Welcome to the budget channel");
    await noCspViolation(page);
  });

  it("Bob joins the open team, then the channel from the channel browser", async () => {
    const invite = await apiCall(admin.page, "POST", "/api/v1/admin/invites", {});
    assert.equal(invite.status, 201, invite.text);
    bob = await newContext();
    await bob.page.goto("/login");
    const reg = await bob.page.evaluate(async (token) => {
      const res = await fetch("/api/v1/auth/register", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: "bob", password: "another long passphrase for bob", display_name: "Bob Martin", invite: token }),
      });
      return res.status;
    }, invite.body.token);
    assert.equal(reg, 201);
    await login(bob.page, "bob", BOB_PASSWORD);

    const { page } = bob;
    await page.goto("/chat");
    await page.locator("#chat-my-teams").getByText("You are not in any team yet.").waitFor();
    await page.locator("#chat-open-teams").getByRole("button", { name: "Join Asso vélo" }).click();
    await page.waitForURL((u) => u.pathname === TOWN);
    await live(page);
    assert.equal(await sideLink(page, "budget-2027").count(), 0, "not in the budget channel yet");

    await page.getByRole("button", { name: "Browse channels" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.getByLabel("Find a channel").fill("budg");
    await dialog.getByRole("button", { name: "Join Budget 2027" }).click();
    await page.waitForURL((u) => u.pathname === BUDGET);
    await postIn(page, "Welcome to the budget channel").waitFor();
    await sideLink(page, "budget-2027").waitFor();
    await page.locator(".chat-head-members", { hasText: "2" }).waitFor();
  });

  it("they chat in the channel, live", async () => {
    await live(admin.page);
    await send(bob.page, "Hello admin, I have the numbers");
    await postIn(admin.page, "Hello admin, I have the numbers").waitFor();
    await send(admin.page, "Great, thanks Bob");
    await postIn(bob.page, "Great, thanks Bob").waitFor();
    // Bob's two lines and the admin's answer: the author is shown once per group.
    const line = postIn(bob.page, "Great, thanks Bob");
    await line.locator(".chat-post-author", { hasText: "admin" }).waitFor();

    // Typing indicator.
    await composer(bob.page).fill("typing something");
    await admin.page.locator(".chat-channel .chat-typing", { hasText: "Bob Martin is typing…" }).waitFor();
    await composer(bob.page).fill("");

    // An incoming webhook (a CI server) posts under the name it gives, with a BOT tag.
    const { body: channels } = await apiCall(admin.page, "GET", `/api/v1/chat/teams/${TEAM}/channels`);
    const budget = channels.find((c) => c.name === "budget-2027");
    const hook = await apiCall(admin.page, "POST", `/api/v1/chat/channels/${budget.id}/webhooks`, { display_name: "CI" });
    assert.equal(hook.status, 201, hook.text);
    const sent = await fetch(hook.body.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "Build 42 passed", username: "ci-bot" }) });
    assert.equal(sent.status, 200);
    const fromHook = postIn(bob.page, "Build 42 passed");
    await fromHook.locator(".chat-post-author", { hasText: "ci-bot" }).waitFor();
    await fromHook.locator(".chat-bot-tag", { hasText: "BOT" }).waitFor();
  });

  it("a PNG attached with the paperclip shows as a thumbnail to the other; a pad link gets a card", async () => {
    // A valid 2×2 PNG.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
      "base64",
    );
    const chooser = bob.page.waitForEvent("filechooser");
    await bob.page.locator(".chat-channel").getByRole("button", { name: "Attach a file" }).click();
    await (await chooser).setFiles({ name: "dots.png", mimeType: "image/png", buffer: png });
    const chip = bob.page.locator(".chat-channel .chat-attachment", { hasText: "dots.png" });
    await chip.waitFor();
    await chip.getByText(/\d+ B/).waitFor();
    await composer(bob.page).fill("Here is the chart");
    await composer(bob.page).press("Enter");
    await bob.page.locator(".chat-channel .chat-attachment").waitFor({ state: "detached" });

    const img = postIn(admin.page, "Here is the chart").locator('.chat-files img[alt="dots.png"]');
    await img.waitFor();
    assert.match(await img.getAttribute("src"), /\/thumbnail/);
    await admin.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
    assert.match(await img.locator("xpath=..").getAttribute("href"), /^\/api\/v1\/chat\/files\/f_/);

    // A link to a pad of this instance: a card under the message.
    const created = await apiCall(admin.page, "POST", "/api/v1/pads", { name: "budget-notes" });
    assert.equal(created.status, 201, created.text);
    const padUrl = new URL(created.body.url, server.url).href;
    await composer(admin.page).fill(`The notes: [budget notes](${padUrl})`);
    await composer(admin.page).press("Enter");
    await postIn(bob.page, "The notes: budget notes").waitFor();
    const card = postIn(bob.page, "The notes:").locator('.chat-preview[data-kind="pad"]');
    await card.waitFor();
    assert.equal(await card.locator(".chat-preview-title").textContent(), "budget-notes");
    assert.equal(await card.getAttribute("href"), "/p/budget-notes");
    await noCspViolation(bob.page);
    await noCspViolation(admin.page);
  });

  /** The focus lands on the element labelled `label` (the browser may move it a frame or two
   * after the dialog closes: the page behind stops being inert then). */
  async function focusComesTo(page, label) {
    const ok = await page
      .waitForFunction((l) => document.activeElement?.getAttribute("aria-label") === l, label, { timeout: 3000 })
      .then(() => true)
      .catch(() => false);
    const now = await page.evaluate(() => (document.activeElement?.outerHTML ?? "none").slice(0, 160));
    assert.ok(ok, `the focus went back to "${label}", not to ${now}`);
  }

  it("an image opens in the viewer: arrows through the channel's images, download, Escape, backdrop, phone", async () => {
    // Bob posts two more pictures in one message: with "dots.png" before, three in the channel.
    const chooser = bob.page.waitForEvent("filechooser");
    await bob.page.locator(".chat-channel").getByRole("button", { name: "Attach a file" }).click();
    await (await chooser).setFiles([
      { name: "ride-start.png", mimeType: "image/png", buffer: solidPng(800, 500, [40, 120, 200]) },
      { name: "ride-end.png", mimeType: "image/png", buffer: solidPng(300, 600, [200, 80, 40]) },
    ]);
    await bob.page.locator(".chat-channel .chat-attachment", { hasText: "ride-end.png" }).getByText(/\d+ (B|KB)/).waitFor();
    await bob.page.locator(".chat-channel .chat-attachment", { hasText: "ride-start.png" }).getByText(/\d+ (B|KB)/).waitFor();
    await composer(bob.page).fill("Photos of the ride");
    await composer(bob.page).press("Enter");
    await bob.page.locator(".chat-channel .chat-attachment").waitFor({ state: "detached" });

    const { page } = admin;
    await postIn(page, "Photos of the ride").locator('.chat-files img[alt="ride-end.png"]').waitFor();
    const thumb = postIn(page, "Here is the chart").getByRole("link", { name: "Open the image dots.png" });
    await thumb.click();
    const viewer = page.getByRole("dialog", { name: "dots.png" });
    await viewer.waitFor();
    assert.equal(new URL(page.url()).pathname, BUDGET, "no navigation to the raw file");
    assert.equal(page.context().pages().length, 1, "no new tab");
    await viewer.getByText("Posted by Bob Martin").waitFor();
    await viewer.getByText(/^\d+ B$/).waitFor();
    await viewer.getByText("Image 1 of 3").waitFor();
    const full = viewer.locator("img.chat-lightbox-img");
    assert.match(await full.getAttribute("src"), /^\/api\/v1\/chat\/files\/f_[^/]+$/, "the file itself, not its thumbnail");
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await full.elementHandle());
    const inViewer = () => page.evaluate(() => !!document.activeElement?.closest("dialog.chat-lightbox"));
    assert.ok(await inViewer(), "the focus moved into the viewer");

    // Right arrow key, the next button, the left arrow key; the list wraps around. The pictures
    // come in the order the page shows them.
    const names = ["dots.png", ...(await postIn(page, "Photos of the ride").locator(".chat-files img").evaluateAll((imgs) => imgs.map((i) => i.alt)))];
    assert.deepEqual([...names].sort(), ["dots.png", "ride-end.png", "ride-start.png"]);
    await page.keyboard.press("ArrowRight");
    await page.getByRole("dialog", { name: names[1] }).getByText("Image 2 of 3").waitFor();
    await page.getByRole("button", { name: "Next image" }).click();
    await page.getByRole("dialog", { name: names[2] }).getByText("Image 3 of 3").waitFor();
    await page.keyboard.press("ArrowRight");
    await page.getByRole("dialog", { name: "dots.png" }).getByText("Image 1 of 3").waitFor();
    await page.keyboard.press("ArrowLeft");
    await page.getByRole("dialog", { name: names[2] }).waitFor();
    await page.keyboard.press("ArrowLeft");
    const shown = page.getByRole("dialog", { name: names[1] });
    await shown.waitFor();
    // Fitted to the window: 800 × 500 and 300 × 600 pictures in a 1280 × 860 window keep their size, whole.
    const full2 = shown.locator("img.chat-lightbox-img");
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await full2.elementHandle());
    const box = await full2.boundingBox();
    assert.ok(box && box.width <= 800.5 && box.height <= 600.5 && box.width >= 299.5 && box.y >= 0 && box.y + box.height <= 860, JSON.stringify(box));
    await page.screenshot({ path: join(ARTIFACTS, "chat-lightbox.png") });

    // Tab stays in the viewer.
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press("Tab");
      assert.ok(await inViewer(), `Tab ${i + 1} left the viewer`);
    }
    await page.keyboard.press("Shift+Tab");
    assert.ok(await inViewer(), "Shift+Tab left the viewer");

    const download = page.waitForEvent("download");
    await shown.getByRole("link", { name: "Download" }).click();
    assert.equal((await download).suggestedFilename(), names[1]);

    // Escape closes; the focus goes back to the thumbnail of the picture shown.
    await page.keyboard.press("Escape");
    await page.locator("dialog.chat-lightbox").waitFor({ state: "detached" });
    await focusComesTo(page, `Open the image ${names[1]}`);

    // A click on the dark area around the picture closes it too; focus back on the thumbnail.
    await thumb.click();
    await viewer.waitFor();
    await page.mouse.click(20, 840);
    await page.locator("dialog.chat-lightbox").waitFor({ state: "detached" });
    await focusComesTo(page, "Open the image dots.png");
    await noCspViolation(page);

    // On a phone: the whole screen, the picture fitted to its width.
    const phone = await newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    await login(phone.page, "bob", BOB_PASSWORD);
    await phone.page.goto(BUDGET);
    await live(phone.page);
    await postIn(phone.page, "Photos of the ride").getByRole("link", { name: "Open the image ride-start.png" }).click();
    const small = phone.page.getByRole("dialog", { name: "ride-start.png" });
    await small.waitFor();
    const dbox = await small.boundingBox();
    const near = (a, b) => Math.abs(a - b) < 1;
    assert.ok(dbox && near(dbox.x, 0) && near(dbox.y, 0) && near(dbox.width, 390) && near(dbox.height, 844), `full screen: ${JSON.stringify(dbox)}`);
    const img = small.locator("img.chat-lightbox-img");
    await phone.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
    const ibox = await img.boundingBox();
    assert.ok(ibox && ibox.x >= 0 && ibox.x + ibox.width <= 390, `fitted: ${JSON.stringify(ibox)}`);
    await noHorizontalOverflow(phone.page);
    await phone.page.screenshot({ path: join(ARTIFACTS, "chat-lightbox-phone.png") });
    await small.getByRole("button", { name: "Next image" }).tap();
    await phone.page.getByRole("dialog", { name: names[(names.indexOf("ride-start.png") + 1) % names.length] }).waitFor();
    await phone.page.locator("dialog.chat-lightbox").getByRole("button", { name: "Close" }).tap();
    await phone.page.locator("dialog.chat-lightbox").waitFor({ state: "detached" });
    await noCspViolation(phone.page);
    await closeContext(phone);
  });

  it("unread and mention counts update live in Bob's sidebar and clear when he opens the channel", async () => {
    const { page } = bob;
    await page.goto(TOWN);
    await live(page);
    const link = sideLink(page, "budget-2027");
    await link.waitFor();
    assert.equal(await link.evaluate((a) => a.classList.contains("is-unread")), false);

    await send(admin.page, "A plain update about the budget");
    await page.locator('.chat-sidebar a.chat-side-link.is-unread[data-channel="budget-2027"]').waitFor();
    assert.equal(await link.locator(".chat-badge").count(), 0, "no mention badge for a plain message");

    await send(admin.page, "@bob can you check the numbers?");
    await link.locator(".chat-badge", { hasText: "1" }).waitFor();
    await page.waitForFunction(() => document.title.startsWith("(1) "));
    await page.screenshot({ path: join(ARTIFACTS, "chat-unread.png") });

    await link.click();
    await page.waitForURL((u) => u.pathname === BUDGET);
    await postIn(page, "@bob can you check the numbers?").waitFor();
    // The mention is highlighted for Bob, and the "new messages" line shows where he left off.
    await page.locator(".chat-post.is-mention", { hasText: "check the numbers" }).waitFor();
    await page.locator("#chat-new-line").waitFor();
    await page.waitForFunction(() => !document.title.startsWith("("));
    // Read on the server too (other devices): a reload shows nothing unread.
    await page.waitForFunction(async () => {
      const ch = await (await fetch("/api/v1/chat/teams/asso-velo/channels")).json();
      const b = ch.find((c) => c.name === "budget-2027");
      return b && b.me.unread === 0 && b.me.mentions === 0;
    });
    await page.goto(TOWN);
    await live(page);
    await link.waitFor();
    assert.equal(await link.evaluate((a) => a.classList.contains("is-unread")), false);
    assert.equal(await link.locator(".chat-badge").count(), 0);
  });

  it("a direct message between them", async () => {
    const { page } = bob;
    await page.getByRole("button", { name: "New direct message" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.getByLabel("Find people").fill("adm");
    await dialog.getByRole("checkbox", { name: /admin/ }).check();
    await dialog.getByRole("button", { name: "Go" }).click();
    await page.waitForURL((u) => u.pathname === `/chat/${TEAM}/messages/@admin`);
    await send(page, "Psst, a private question");

    // The admin is in the budget channel: the conversation appears with its badge.
    const apage = admin.page;
    const dm = apage.locator(".chat-sidebar a.chat-side-link", { hasText: "Bob Martin" });
    await dm.locator(".chat-badge", { hasText: "1" }).waitFor();
    await dm.click();
    await apage.waitForURL((u) => u.pathname === `/chat/${TEAM}/messages/@bob`);
    await postIn(apage, "Psst, a private question").waitFor();
    await send(apage, "Private answer");
    await postIn(page, "Private answer").waitFor();
  });

  it("a thread reply shows live in the other's thread panel", async () => {
    await bob.page.goto(BUDGET);
    await admin.page.goto(BUDGET);
    await live(bob.page);
    await live(admin.page);
    // Bob opens the thread of his own message.
    const root = postIn(bob.page, "Hello admin, I have the numbers").first();
    await root.hover();
    await root.getByRole("button", { name: "Reply", exact: true }).click();
    const panel = bob.page.locator(".chat-panel");
    await panel.getByRole("heading", { name: "Thread" }).waitFor();
    await panel.locator(".chat-post", { hasText: "Hello admin, I have the numbers" }).waitFor();

    // The admin answers in the thread.
    const aroot = postIn(admin.page, "Hello admin, I have the numbers").first();
    await aroot.hover();
    await aroot.getByRole("button", { name: "Reply", exact: true }).click();
    await send(admin.page, "Let's review them on Thursday", threadComposer(admin.page));

    await panel.locator(".chat-post", { hasText: "Let's review them on Thursday" }).waitFor();
    await root.locator(".chat-replies-link", { hasText: "1 reply" }).waitFor();
    await bob.page.screenshot({ path: join(ARTIFACTS, "chat-thread.png") });
    // Escape closes the panel.
    await threadComposer(bob.page).click();
    await bob.page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    await admin.page.keyboard.press("Escape");
  });

  it("a reaction is seen by the other with its count", async () => {
    const post = postIn(bob.page, "Great, thanks Bob");
    await post.hover();
    await post.locator(".chat-post-actions").getByRole("button", { name: "Add a reaction" }).click();
    await bob.page.getByRole("button", { name: "React with thumbsup" }).click();
    await post.getByRole("button", { name: "thumbsup: 1 reaction" }).waitFor();

    const apost = postIn(admin.page, "Great, thanks Bob");
    const reaction = apost.getByRole("button", { name: "thumbsup: 1 reaction" });
    await reaction.waitFor();
    assert.equal(await reaction.getAttribute("aria-pressed"), "false");
    await reaction.click();
    await apost.getByRole("button", { name: "thumbsup: 2 reactions" }).waitFor();
    await post.getByRole("button", { name: "thumbsup: 2 reactions" }).waitFor();
    assert.equal(await post.getByRole("button", { name: "thumbsup: 2 reactions" }).getAttribute("aria-pressed"), "true");
    await admin.page.screenshot({ path: join(ARTIFACTS, "chat-channel.png") });
  });

  it("a search finds a message, and its permalink opens the channel around it", async () => {
    const { page } = bob;
    await page.goto(TOWN);
    await live(page);
    await page.getByRole("searchbox", { name: "Search messages" }).fill("numbers from:admin");
    await page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
    const panel = page.locator(".chat-panel");
    await panel.getByRole("heading", { name: "Search results" }).waitFor();
    const result = panel.locator(".chat-result", { hasText: "can you check the numbers" });
    await result.waitFor();
    await result.locator(".chat-result-channel", { hasText: "Budget 2027" }).waitFor();
    assert.equal(await panel.locator(".chat-result", { hasText: "I have the numbers" }).count(), 0, "from:admin leaves Bob's message out");
    await page.screenshot({ path: join(ARTIFACTS, "chat-search.png") });
    await result.getByRole("link").click();
    await page.waitForURL((u) => /^\/chat\/asso-velo\/pl\/\d+$/.test(u.pathname));
    await page.locator(".chat-post.is-highlight", { hasText: "can you check the numbers" }).waitFor();
    await page.locator(".chat-head-name", { hasText: "Budget 2027" }).waitFor();
    // The permalink works from a fresh load too.
    const url = page.url();
    await page.goto(url);
    await page.locator(".chat-post.is-highlight", { hasText: "can you check the numbers" }).waitFor();
    await noCspViolation(page);
  });

  it("editing and deleting my messages (Up arrow edits the last one)", async () => {
    const { page } = bob;
    await page.goto(BUDGET);
    await live(page);
    await send(page, "Typo in this mesage");
    await composer(page).click();
    await page.keyboard.press("ArrowUp");
    const edit = page.locator(".chat-edit-input");
    await edit.waitFor();
    await edit.fill("No typo in this message");
    await edit.press("Enter");
    const post = postIn(page, "No typo in this message");
    await post.locator(".chat-edited").waitFor();
    await postIn(admin.page, "No typo in this message").locator(".chat-edited").waitFor();

    await post.hover();
    await post.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await page.locator(".chat-post-deleted", { hasText: "(message deleted)" }).first().waitFor();
    await admin.page.locator(".chat-post-deleted", { hasText: "(message deleted)" }).first().waitFor();
  });

  it("mention autocomplete, followed threads, the channel header, mute and archive", async () => {
    const { page } = admin;
    await page.goto(BUDGET);
    await live(page);
    // @mention autocomplete from the team's members.
    const box = composer(page);
    await box.click();
    await box.pressSequentially("Thanks @bo");
    await page.getByRole("option", { name: /@bob/ }).waitFor();
    await box.press("Enter");
    assert.equal(await box.inputValue(), "Thanks @bob ");
    await box.pressSequentially("see you");
    await box.press("Enter");
    await postIn(page, "Thanks @bob see you").waitFor();

    // Bob follows his thread: a new reply while he is elsewhere shows in Threads.
    await bob.page.goto(TOWN);
    await live(bob.page);
    const aroot = postIn(page, "Hello admin, I have the numbers").first();
    await aroot.locator(".chat-replies-link").click();
    await send(page, "Thursday 6 pm then", threadComposer(page));
    await page.keyboard.press("Escape");
    const threads = bob.page.locator(".chat-sidebar a.chat-side-link", { hasText: "Threads" });
    await bob.page.locator(".chat-sidebar a.chat-side-link.is-unread", { hasText: "Threads" }).waitFor();
    await threads.click();
    await bob.page.waitForURL((u) => u.pathname === `/chat/${TEAM}/threads`);
    const item = bob.page.locator(".chat-thread-item", { hasText: "Hello admin, I have the numbers" });
    await item.locator(".chat-unread-pill", { hasText: "1 new" }).waitFor();
    await item.click();
    await bob.page.locator(".chat-panel .chat-post", { hasText: "Thursday 6 pm then" }).waitFor();
    await item.locator(".chat-unread-pill").waitFor({ state: "detached" });
    await bob.page.keyboard.press("Escape");

    // The header, edited from the channel menu, shows live for Bob.
    await page.getByRole("button", { name: "Channel menu" }).click();
    await page.getByRole("menuitem", { name: "Edit header and purpose" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.getByLabel("Header").fill("Meeting on Thursday, 6 pm");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.locator(".chat-head-header", { hasText: "Meeting on Thursday, 6 pm" }).waitFor();
    await bob.page.goto(BUDGET);
    await bob.page.locator(".chat-head-header", { hasText: "Meeting on Thursday, 6 pm" }).waitFor();

    // Bob mutes the town square: greyed in his sidebar.
    await bob.page.goto(TOWN);
    await live(bob.page);
    await bob.page.getByRole("button", { name: "Channel menu" }).click();
    await bob.page.getByRole("menuitem", { name: "Mute the channel" }).click();
    await bob.page.locator('.chat-sidebar a.chat-side-link.is-muted[data-channel="town-square"]').waitFor();

    // An archived channel is read-only, with a banner.
    await page.getByRole("button", { name: "Create a channel" }).click();
    const create = page.locator("dialog[open]");
    await create.getByLabel("Name", { exact: true }).fill("Old stuff");
    await create.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/chat/${TEAM}/old-stuff`);
    await send(page, "Last words");
    await page.getByRole("button", { name: "Channel menu" }).click();
    await page.getByRole("menuitem", { name: "Archive the channel" }).click();
    await page.locator("dialog[open]").getByRole("button", { name: "Archive the channel" }).click();
    await page.getByText("This channel is archived: it is read-only.").waitFor();
    assert.equal(await composer(page).count(), 0, "no composer in an archived channel");
    await page.screenshot({ path: join(ARTIFACTS, "chat-archived.png") });
    await noCspViolation(page);
  });

  it("after a lost connection, what was missed arrives by catch-up", async () => {
    const g = await newContext();
    const { page, context } = g;
    const sent = [];
    page.on("websocket", (ws) => ws.on("framesent", (f) => sent.push(String(f.payload))));
    // Keeps the page's WebSockets reachable, to cut the connection as a network loss would.
    await context.addInitScript(() => {
      const Native = window.WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends Native {
        constructor(...args) {
          super(...args);
          window.__sockets.push(this);
        }
      };
    });
    await login(page, "bob", BOB_PASSWORD);
    await page.goto(BUDGET);
    await live(page);
    await admin.page.goto(BUDGET);
    await live(admin.page);
    // One live event so that the client has an event id to catch up from.
    await send(admin.page, "Before the tunnel");
    await postIn(page, "Before the tunnel").waitFor();
    // Whatever the page fetches while offline fails in the browser's console: that is the cut.
    g.allowOfflineErrors();
    // The drop is recorded as it happens (old and new values), not polled for: the page may
    // reconnect quickly.
    await page.evaluate(() => {
      window.__sawDrop = false;
      const app = document.querySelector(".chat-app");
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.oldValue !== "connected" || app.getAttribute("data-live") !== "connected") window.__sawDrop = true;
        }
      }).observe(app, { attributes: true, attributeFilter: ["data-live"], attributeOldValue: true });
    });
    // Cut first, then go offline: an offline context may hold back the closing handshake of a
    // loopback WebSocket, and with it the close event.
    await page.evaluate(() => window.__sockets.forEach((ws) => ws.close()));
    await context.setOffline(true);
    await page.waitForFunction(() => window.__sawDrop === true);
    await send(admin.page, "While you were in the tunnel");
    await context.setOffline(false);
    await live(page);
    await postIn(page, "While you were in the tunnel").waitFor();
    assert.ok(sent.some((f) => f.includes('"catch_up"')), "the client asked for a catch-up");
    assert.equal(await postIn(page, "While you were in the tunnel").count(), 1, "no duplicate");
    await closeContext(g);
  });

  it("older messages load when scrolling up (before= cursor)", async () => {
    const { page } = admin;
    await page.goto(BUDGET);
    await live(page);
    await page.getByRole("button", { name: "Create a channel" }).click();
    const create = page.locator("dialog[open]");
    await create.getByLabel("Name", { exact: true }).fill("History");
    await create.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/chat/${TEAM}/history`);
    const id = await page.evaluate(async () => {
      const chs = await (await fetch("/api/v1/chat/teams/asso-velo/channels")).json();
      return chs.find((c) => c.name === "history").id;
    });
    for (let i = 1; i <= 70; i++) {
      const r = await apiCall(page, "POST", `/api/v1/chat/channels/${id}/posts`, { text: `Line number ${i}` });
      assert.equal(r.status, 201, r.text);
    }
    await page.reload();
    await live(page);
    await postIn(page, "Line number 70").waitFor();
    assert.equal(await page.locator(".chat-channel .chat-post-body", { hasText: /^\s*Line number 1\s*$/ }).count(), 0, "the first page holds the newest 50");
    await page.locator(".chat-channel .chat-scroll").evaluate((el) => (el.scrollTop = 0));
    await page.locator(".chat-channel .chat-intro", { hasText: "This is the beginning of History." }).waitFor();
    await page.locator(".chat-channel .chat-post-body", { hasText: /^\s*Line number 1\s*$/ }).waitFor();
    assert.equal(await page.locator(".chat-channel .chat-list > .chat-post").count(), 70);
  });

  it("on a phone (390×844): the channel full screen, the sidebar as a drawer, the thread full screen", async () => {
    const phone = await newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const { page } = phone;
    await login(page, "bob", BOB_PASSWORD);
    await page.goto(BUDGET);
    await live(page);
    await postIn(page, "Great, thanks Bob").waitFor();
    await noHorizontalOverflow(page);
    assert.equal(await page.locator(".chat-sidebar").isVisible(), false, "the sidebar is a closed drawer");
    const box = await page.locator(".chat-channel").boundingBox();
    assert.ok(box && box.width >= 385, `the channel takes the width (${box?.width})`);
    await page.screenshot({ path: join(ARTIFACTS, "chat-phone.png") });

    await page.getByRole("button", { name: "Channels", exact: true }).click();
    await sideLink(page, "town-square").waitFor();
    await noHorizontalOverflow(page);
    await page.waitForTimeout(300); // the drawer's slide
    await page.screenshot({ path: join(ARTIFACTS, "chat-phone-drawer.png") });
    await sideLink(page, "town-square").click();
    await page.waitForURL((u) => u.pathname === TOWN);
    // The drawer closes after a choice (it slides out: wait for it rather than sample it).
    await page.locator(".chat-sidebar").waitFor({ state: "hidden" });

    await page.goto(BUDGET);
    await live(page);
    const root = postIn(page, "Hello admin, I have the numbers").first();
    await root.locator(".chat-replies-link").click();
    const panel = page.locator(".chat-panel");
    await panel.locator(".chat-post", { hasText: "Let's review them on Thursday" }).waitFor();
    const pbox = await panel.boundingBox();
    assert.ok(pbox && pbox.width >= 385, `the thread takes the screen (${pbox?.width})`);
    await noHorizontalOverflow(page);
    await page.screenshot({ path: join(ARTIFACTS, "chat-phone-thread.png") });
    await panel.getByRole("button", { name: "Close the panel" }).first().click();
    await panel.waitFor({ state: "detached" });
    await noCspViolation(page);
    await closeContext(phone);
  });

  it("dark theme and French", async () => {
    const g = await newContext({ colorScheme: "dark", locale: "fr-FR" });
    const { page } = g;
    await login(page, "bob", BOB_PASSWORD);
    await page.goto(BUDGET);
    await live(page);
    await page.locator(".chat-side-heading h3", { hasText: "Canaux" }).waitFor();
    await page.locator(".chat-side-heading h3", { hasText: "Messages directs" }).waitFor();
    await page.getByRole("textbox", { name: "Écrire à Budget 2027" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    await page.screenshot({ path: join(ARTIFACTS, "chat-dark-fr.png") });
    await closeContext(g);
  });
});
