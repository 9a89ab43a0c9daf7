// The bell (web/src/notifications.tsx), with two people: a mention from Bob's context shows in
// Ana's bell live, with an in-app alert; opening it goes to the message and clears it. With chat
// set to "nothing", a mention does not reach the bell; during do-not-disturb it arrives quietly
// (counted, no alert). The account page shows the notification settings. A call in a direct
// message rings the other context, with a sound; and presence is the person's in every tool:
// a pad page makes them online in chat, five idle minutes away, closing it offline.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { launchBrowser } from "./lib/browser.mjs";
import { apiCall, closeContext as closeTracked, login, openContext } from "./lib/helpers.mjs";
import { startServer } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const ANA_PASSWORD = "ana has a long passphrase too";

let server;
let browser;
const open = new Set();
const newContext = (options) => openContext(open, browser, server, options);

async function register(adminPage, username, password) {
  const invite = await apiCall(adminPage, "POST", "/api/v1/admin/invites", {});
  assert.equal(invite.status, 201, invite.text);
  const res = await fetch(`${server.url}/api/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password, display_name: username, invite: invite.body.token }),
  });
  assert.equal(res.status, 201, await res.text());
}

describe("Notifications", { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
  });
  afterEach(() => {
    for (const g of open) g.assertClean();
  });
  after(async () => {
    for (const g of open) await g.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it("a mention shows in the other person's bell, opens the message and clears; preferences and DND hold it back", async () => {
    const bob = await newContext();
    await login(bob.page, "admin", ADMIN_PASSWORD);
    await register(bob.page, "ana", ANA_PASSWORD);
    const team = await apiCall(bob.page, "POST", "/api/v1/chat/teams", { name: "club", display_name: "Club", open: true });
    assert.equal(team.status, 201, team.text);
    const channels = await apiCall(bob.page, "GET", "/api/v1/chat/teams/club/channels");
    const square = channels.body.find((c) => c.name === "town-square").id;

    const ana = await newContext();
    const page = ana.page;
    await login(page, "ana", ANA_PASSWORD);
    assert.equal((await apiCall(page, "POST", "/api/v1/chat/teams/club/join", {})).status, 200);
    await page.goto("/");
    const bell = page.locator(".bell-btn");
    await bell.waitFor();
    assert.equal(await bell.getAttribute("data-unread"), "0");
    // Let the bell's socket subscribe before Bob writes.
    await page.waitForTimeout(1000);

    const post = await apiCall(bob.page, "POST", `/api/v1/chat/channels/${square}/posts`, { text: "@ana the keys are at the bar" });
    assert.equal(post.status, 201, post.text);
    await page.locator('.bell-btn[data-unread="1"]').waitFor({ timeout: 10_000 });
    await page.locator(".bell-toast", { hasText: "the keys are at the bar" }).waitFor();

    await bell.click();
    const item = page.locator(".bell-item.unread", { hasText: "the keys are at the bar" });
    await item.waitFor();
    await item.getByText("Mentioned you").waitFor();
    await item.click();
    await page.waitForURL(new RegExp(`/chat/club/pl/${post.body.id}$|/chat/club/town-square`));
    await page.locator('.bell-btn[data-unread="0"]').waitFor({ timeout: 10_000 });

    // Chat set to "nothing": a mention does not reach the bell.
    await page.goto("/account#notifications");
    const select = page.locator("#notify-chat");
    await select.waitFor();
    await select.selectOption("none");
    await page.getByText("Saved.").first().waitFor();
    await apiCall(bob.page, "POST", `/api/v1/chat/channels/${square}/posts`, { text: "@ana nobody hears this" });
    await page.waitForTimeout(1500);
    assert.equal(await bell.getAttribute("data-unread"), "0");

    // Do not disturb: counted in the bell, no alert.
    await select.selectOption("mentions");
    await page.getByRole("button", { name: "Pause for 1 hour" }).click();
    await page.getByText(/Paused until/).waitFor();
    // The pause, asked before the level's change was answered, keeps that change.
    for (let i = 0; ; i++) {
      const saved = (await apiCall(page, "GET", "/api/v1/notifications/preferences")).body;
      if (saved.tools.chat === "mentions" && saved.dnd_until) break;
      assert.ok(i < 50, `both changes kept: ${JSON.stringify(saved)}`);
      await page.waitForTimeout(100);
    }
    await apiCall(bob.page, "POST", `/api/v1/chat/channels/${square}/posts`, { text: "@ana quietly please" });
    await page.locator('.bell-btn[data-unread="1"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator(".bell-toast").count(), 0, "no alert during do-not-disturb");
    await closeTracked(open, ana);
    await closeTracked(open, bob);
  });

  it("a call button in a direct message rings the other person, who answers into the room", async () => {
    const bob = await newContext();
    await login(bob.page, "admin", ADMIN_PASSWORD);
    const ana = await newContext();
    await login(ana.page, "ana", ANA_PASSWORD);
    // The first test left Ana in do-not-disturb, where calls do not ring: back to normal.
    assert.equal((await apiCall(ana.page, "PUT", "/api/v1/notifications/preferences", {})).status, 200);
    // Count the tones the page plays (the ring's sound is made with Web Audio, no file).
    await ana.page.addInitScript(() => {
      const make = AudioContext.prototype.createOscillator;
      window.__tones = 0;
      AudioContext.prototype.createOscillator = function () {
        window.__tones += 1;
        return make.call(this);
      };
    });
    await ana.page.goto("/");
    await ana.page.locator(".bell-btn").waitFor();
    // Browsers play sound only once the person touched the page.
    await ana.page.keyboard.press("Shift");
    await ana.page.waitForTimeout(1000);

    await bob.page.goto("/chat/club/messages/@ana");
    await bob.page.locator('.chat-app[data-live="connected"]').waitFor({ timeout: 15_000 });
    await bob.page.locator(".chat-call-btn").click();
    await bob.page.waitForURL(/\/video\/call-[0-9a-f]+$/);
    const room = new URL(bob.page.url()).pathname;

    const ring = ana.page.locator(".bell-ring");
    await ring.waitFor({ timeout: 10_000 });
    await ana.page.waitForFunction(() => window.__tones >= 2, null, { timeout: 5_000 });
    await ring.getByRole("button", { name: "Answer" }).click();
    await ana.page.waitForURL((u) => u.pathname === room);
    await ring.waitFor({ state: "detached" });
    await closeTracked(open, ana);
    await closeTracked(open, bob);
  });

  it("presence is the person's in every tool: a pad page shows online in chat, idle away, closed offline", async () => {
    const bob = await newContext();
    await login(bob.page, "admin", ADMIN_PASSWORD);
    const ana = await newContext();
    await login(ana.page, "ana", ANA_PASSWORD);
    const channels = await apiCall(bob.page, "GET", "/api/v1/chat/teams/club/channels");
    const square = channels.body.find((c) => c.name === "town-square").id;
    assert.equal((await apiCall(ana.page, "POST", `/api/v1/chat/channels/${square}/posts`, { text: "see you at the workshop" })).status, 201);
    // Ana leaves every page but the pads list, whose clock the test runs.
    await ana.page.goto("about:blank");
    await bob.page.goto("/chat/club/town-square");
    await bob.page.locator('.chat-app[data-live="connected"]').waitFor({ timeout: 15_000 });
    const post = bob.page.locator(".chat-post", { hasText: "see you at the workshop" });
    await post.waitFor();
    // Offline once the grace after Ana's earlier pages closed has passed (a few seconds, more
    // on a loaded machine): no dot. The dot may not be drawn yet at first, hence the wait.
    await bob.page.waitForTimeout(4000);
    await post.locator(".chat-presence").waitFor({ state: "detached", timeout: 15_000 });

    const pads = await ana.context.newPage();
    await pads.clock.install();
    await pads.goto("/pads");
    await pads.locator(".bell-btn").waitFor();
    await post.locator(".chat-presence.is-online").waitFor({ timeout: 10_000 });
    await pads.clock.fastForward("06:00");
    await post.locator(".chat-presence.is-away").waitFor({ timeout: 10_000 });
    await pads.mouse.move(40, 40);
    await pads.mouse.move(80, 80);
    await post.locator(".chat-presence.is-online").waitFor({ timeout: 10_000 });
    await pads.close();
    await post.locator(".chat-presence").waitFor({ state: "detached", timeout: 15_000 });
    await closeTracked(open, ana);
    await closeTracked(open, bob);
  });
});
