// End-to-end tests of chat administration in the UI (web/src/chat/admin-team.tsx and
// admin-channel.tsx): from the sidebar's team menu, a team admin adds a member (an unknown name
// gives an inline error) and turns someone into a guest with one channel, who then sees only that
// channel; from the channel menu, they create an incoming webhook whose secret address is shown
// once (and works), delete it, and set the channel's retention; they import a small Mattermost
// bulk export (made here) and see the upload's progress, then the counts and the new channel. The
// team settings also open from the phone's drawer.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { apiCall, closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";
import { BROWSER_TESTS_DIR } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const BOB_PASSWORD = "another long passphrase for bob";
const ARTIFACTS = join(BROWSER_TESTS_DIR, "artifacts");
const TEAM = "atelier";
const PARTNERS = `/chat/${TEAM}/partners`;
const TOWN = `/chat/${TEAM}/town-square`;

let server;
let browser;
const open = new Set();

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

async function live(page) {
  await page.locator('.chat-app[data-live="connected"]').waitFor({ timeout: 15_000 });
}

const sideLink = (page, name) => page.locator(`.chat-sidebar a.chat-side-link[data-channel="${name}"]`);
const postIn = (page, text) => page.locator(".chat-channel .chat-list > .chat-post", { hasText: text });
const memberRow = (dialog, username) => dialog.locator(`li.chat-admin-member[data-username="${username}"]`);

/** Registers an account with an invitation from the admin (registration starts a session: no CSRF token needed). */
async function register(adminPage, username, displayName, password) {
  const invite = await apiCall(adminPage, "POST", "/api/v1/admin/invites", {});
  assert.equal(invite.status, 201, invite.text);
  const res = await fetch(`${server.url}/api/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password, display_name: displayName, invite: invite.body.token }),
  });
  assert.equal(res.status, 201, await res.text());
}

/** Opens the team settings from the team menu of the sidebar. */
async function openTeamSettings(page, item) {
  await page.locator(".chat-sidebar").getByRole("button", { name: "Team menu" }).click();
  await page.getByRole("menuitem", { name: item }).click();
  const dialog = page.getByRole("dialog", { name: "Team settings: Atelier vélo" });
  await dialog.waitFor();
  return dialog;
}

/** Opens the channel settings from the channel menu of the channel on screen. */
async function openChannelSettings(page) {
  await page.locator(".chat-head").getByRole("button", { name: "Channel menu" }).click();
  await page.getByRole("menuitem", { name: "Channel settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Channel settings: Partners" });
  await dialog.waitFor();
  return dialog;
}

describe("Chat administration", { concurrency: false }, () => {
  let admin;

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, async (s, b) => {
    [server, browser] = [s, b];
    await mkdir(ARTIFACTS, { recursive: true });
  }, open);

  it("a team admin adds a member from the team menu; an unknown name is an inline error", async () => {
    admin = await newContext();
    const { page } = admin;
    await login(page, "admin", ADMIN_PASSWORD);
    const team = await apiCall(page, "POST", "/api/v1/chat/teams", { name: TEAM, display_name: "Atelier vélo" });
    assert.equal(team.status, 201, team.text);
    const partners = await apiCall(page, "POST", `/api/v1/chat/teams/${TEAM}/channels`, { name: "partners", display_name: "Partners", kind: "public" });
    assert.equal(partners.status, 201, partners.text);
    await register(page, "bob", "Bob Martin", BOB_PASSWORD);

    await page.goto(TOWN);
    await live(page);
    const dialog = await openTeamSettings(page, "Manage the team");
    assert.equal(await dialog.getByRole("tab", { name: "Members and roles" }).getAttribute("aria-selected"), "true");
    await memberRow(dialog, "admin").getByText("(you)").waitFor();
    assert.equal(await memberRow(dialog, "admin").getByRole("combobox").count(), 0, "no role menu for myself");

    // Nothing typed, then a name nobody has: said under the form.
    await dialog.getByRole("button", { name: "Add to the team" }).click();
    await dialog.getByText("Enter the username of an account on this instance.").waitFor();
    admin.allowHttpError(/\/api\/v1\/chat\/teams\/atelier\/members\/nobody-here$/, 404);
    await dialog.getByLabel("Username").fill("nobody-here");
    await dialog.getByRole("button", { name: "Add to the team" }).click();
    await dialog.getByText("There is no account named “nobody-here” on this instance.").waitFor();
    assert.equal(await dialog.getByLabel("Username").getAttribute("aria-invalid"), "true");

    await dialog.getByLabel("Username").fill("bob");
    assert.equal(await dialog.getByLabel("Role", { exact: true }).inputValue(), "member");
    await dialog.getByRole("button", { name: "Add to the team" }).click();
    await dialog.getByText("bob is now in the team. Role: Member.").waitFor();
    const bob = memberRow(dialog, "bob");
    await bob.getByText("Bob Martin", { exact: true }).waitFor();
    assert.equal(await bob.getByLabel("Role of Bob Martin").inputValue(), "member");
    assert.equal(await dialog.getByText("There is no account named").count(), 0, "the error went away");
    await noCspViolation(page);

    // On the server: Bob is a member, in the town square.
    const roster = await apiCall(page, "GET", `/api/v1/chat/teams/${TEAM}/members`);
    assert.equal(roster.body.find((m) => m.username === "bob")?.role, "member");
  });

  it("turns Bob into a guest with one channel: he then sees only that channel", async () => {
    const { page } = admin;
    const dialog = page.getByRole("dialog", { name: "Team settings: Atelier vélo" });
    const bob = memberRow(dialog, "bob");
    await bob.getByLabel("Role of Bob Martin").selectOption("guest");
    await bob.getByRole("group", { name: "Channels Bob Martin may use" }).waitFor();
    await bob.getByRole("button", { name: "Save the channels" }).click();
    await bob.getByText("Pick at least one channel.").waitFor();
    await bob.getByRole("checkbox", { name: "Partners" }).check();
    await bob.getByRole("button", { name: "Save the channels" }).click();
    await dialog.getByText("New role for Bob Martin: Guest.").waitFor();
    await bob.getByText("Channels: Partners").waitFor();
    assert.equal(await bob.getByLabel("Role of Bob Martin").inputValue(), "guest");
    await page.screenshot({ path: join(ARTIFACTS, "chat-admin-members.png") });

    // The tab list works with the arrow keys.
    await dialog.getByRole("tab", { name: "Members and roles" }).focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await dialog.getByRole("tab", { name: "Import" }).getAttribute("aria-selected"), "true");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // On the server: a guest, in Partners and no longer in the town square.
    const roster = await apiCall(page, "GET", `/api/v1/chat/teams/${TEAM}/members`);
    assert.equal(roster.body.find((m) => m.username === "bob")?.role, "guest");
    const { body: channels } = await apiCall(page, "GET", `/api/v1/chat/teams/${TEAM}/channels`);
    const town = channels.find((c) => c.name === "town-square");
    const partners = channels.find((c) => c.name === "partners");
    const inTown = await apiCall(page, "GET", `/api/v1/chat/channels/${town.id}/members`);
    assert.equal(
      inTown.body.some((m) => m.username === "bob"),
      false,
      "out of the town square",
    );
    const inPartners = await apiCall(page, "GET", `/api/v1/chat/channels/${partners.id}/members`);
    assert.equal(
      inPartners.body.some((m) => m.username === "bob"),
      true,
      "in Partners",
    );

    // Bob's own sidebar: Partners only, and no team menu.
    const g = await newContext();
    await login(g.page, "bob", BOB_PASSWORD);
    await g.page.goto(PARTNERS);
    await live(g.page);
    await sideLink(g.page, "partners").waitFor();
    assert.equal(await sideLink(g.page, "town-square").count(), 0, "a guest has no town square");
    assert.equal(await g.page.locator(".chat-sidebar").getByRole("button", { name: "Team menu" }).count(), 0);
    await closeContext(g);
  });

  it("creates an incoming webhook whose secret address is shown once, and deletes it", async () => {
    const { page } = admin;
    await page.goto(PARTNERS);
    await live(page);
    let dialog = await openChannelSettings(page);
    await dialog.getByText("No webhook in this channel yet.").waitFor();
    await dialog.getByRole("button", { name: "Create a webhook" }).click();
    await dialog.getByText("Give the webhook a name.").waitFor();
    await dialog.getByLabel("Webhook name").fill("CI");
    await dialog.getByRole("button", { name: "Create a webhook" }).click();

    const secret = dialog.locator(".chat-admin-secret");
    await secret.getByText("Webhook “CI” created").waitFor();
    await secret.getByText("Copy it now: it will not be shown again.").waitFor();
    const url = await secret.getByLabel("Secret address").inputValue();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/[A-Za-z0-9_-]{16,}$/);
    assert.equal(await secret.getByLabel("Secret address").evaluate((el) => el === document.activeElement), true, "the address has the focus");
    await secret.getByRole("button", { name: "Copy", exact: true }).click();
    await secret.getByRole("button", { name: "Copied", exact: true }).waitFor();
    await dialog.locator('li[data-hook="CI"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "chat-admin-webhook.png") });

    // The address works: a CI server posts under the hook's name.
    const sent = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "Deployed to staging" }) });
    assert.equal(sent.status, 200);

    // Once hidden, it is gone for good: reopening the dialog lists the hook without its address.
    await secret.getByRole("button", { name: "I have copied it" }).click();
    await secret.waitFor({ state: "detached" });
    await dialog.getByRole("button", { name: "Close" }).last().click();
    await dialog.waitFor({ state: "detached" });
    await postIn(page, "Deployed to staging").locator(".chat-post-author", { hasText: "CI" }).waitFor();
    dialog = await openChannelSettings(page);
    await dialog.locator('li[data-hook="CI"]').waitFor();
    assert.equal(await dialog.getByLabel("Secret address").count(), 0);
    assert.equal((await dialog.textContent()).includes("/hooks/"), false, "the secret is not shown again");

    // Delete it (confirmed): its address stops working.
    await dialog.getByRole("button", { name: "Delete the webhook CI" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete the webhook “CI”?" });
    await confirm.getByRole("button", { name: "Delete the webhook" }).click();
    await dialog.getByText("No webhook in this channel yet.").waitFor();
    const gone = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "too late" }) });
    assert.equal(gone.status, 404);
    await noCspViolation(page);
  });

  it("sets the channel's retention, then back to the instance default", async () => {
    const { page } = admin;
    const dialog = page.getByRole("dialog", { name: "Channel settings: Partners" });
    const section = dialog.locator("section", { has: page.getByRole("heading", { name: "Message retention" }) });
    await section.getByText("Now: the instance's rule applies: messages are kept for good.").waitFor();
    assert.equal(await section.getByRole("radio", { name: /Instance default/ }).isChecked(), true);
    await section.getByRole("radio", { name: /A duration for this channel/ }).check();
    await section.getByLabel("Days to keep messages").fill("0");
    await section.getByRole("button", { name: "Save" }).click();
    await section.getByText("Enter a whole number of days, from 1 to 36,500.").waitFor();
    await section.getByLabel("Days to keep messages").fill("30");
    await section.getByRole("button", { name: "Save" }).click();
    await section.getByText("Saved: messages are kept 30 days.").waitFor();
    await section.getByText("Now: messages are kept 30 days.").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "chat-admin-retention.png") });

    await section.getByRole("radio", { name: /Instance default/ }).check();
    await section.getByRole("button", { name: "Save" }).click();
    await section.getByText("Saved: the instance's rule applies: messages are kept for good.").waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // Bob, a plain member of Partners, is not offered the channel settings.
    const g = await newContext();
    await login(g.page, "bob", BOB_PASSWORD);
    await g.page.goto(PARTNERS);
    await live(g.page);
    await g.page.locator(".chat-head").getByRole("button", { name: "Channel menu" }).click();
    await g.page.getByRole("menuitem", { name: "Members", exact: true }).waitFor();
    assert.equal(await g.page.getByRole("menuitem", { name: "Channel settings" }).count(), 0);
    await closeContext(g);
  });

  it("imports a Mattermost export with the upload's progress, then shows the counts and the new channel", async () => {
    const { page } = admin;
    await page.goto(TOWN);
    await live(page);
    const lines = [
      { type: "version", version: 1 },
      { type: "team", team: { name: "old", display_name: "Old team", type: "O" } },
      { type: "channel", channel: { team: "old", name: "imported-news", display_name: "Imported news", type: "O", header: "From Mattermost", purpose: "" } },
      // Users are not imported: this one only makes the file big enough for its upload to be seen.
      { type: "user", user: { username: "zoe", nickname: "z".repeat(400_000) } },
      {
        type: "post",
        post: {
          team: "old",
          channel: "imported-news",
          user: "zoe",
          message: "Welcome to the imported news",
          create_at: 1_700_000_000_000,
          replies: [{ user: "admin", message: "Glad to be here", create_at: 1_700_000_060_000 }],
        },
      },
      { type: "post", post: { team: "old", channel: "imported-news", user: "admin", message: "Second imported message", create_at: 1_700_000_120_000 } },
      { type: "direct_post", direct_post: { message: "skipped" } },
    ];
    const jsonl = Buffer.from(lines.map((l) => JSON.stringify(l)).join("\n"));

    const dialog = await openTeamSettings(page, "Import from Slack or Mattermost");
    assert.equal(await dialog.getByRole("tab", { name: "Import" }).getAttribute("aria-selected"), "true");
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await dialog.getByText("Choose the export file.").waitFor();
    await dialog.getByLabel("Export file").setInputFiles({ name: "export.jsonl", mimeType: "application/octet-stream", buffer: jsonl });
    assert.equal(await dialog.getByRole("radio", { name: /Mattermost bulk export/ }).isChecked(), true, "a .jsonl file is a Mattermost export");

    // Record every state of the progress bar; slow the upload down so that it has some.
    await page.evaluate(() => {
      window.__progress = [];
      const note = () => {
        const el = document.querySelector("dialog[open] progress.chat-admin-progress");
        if (el) window.__progress.push({ value: el.hasAttribute("value") ? Number(el.getAttribute("value")) : null, label: el.previousElementSibling?.textContent ?? "" });
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"], characterData: true });
    });
    const cdp = await admin.context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 200 * 1024 });
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await dialog.locator("progress.chat-admin-progress").first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "chat-admin-import-progress.png") });

    const result = dialog.locator(".chat-admin-result");
    await result.getByText("Import finished").waitFor({ timeout: 60_000 });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
    await result.getByText("1 channel created").waitFor();
    await result.getByText("3 messages imported").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "chat-admin-import.png") });

    const seen = await page.evaluate(() => window.__progress);
    assert.ok(
      seen.some((p) => p.value !== null && /^Sending the file… \d+%$/.test(p.label)),
      `a progress bar with a percentage while sending: ${JSON.stringify(seen.slice(0, 5))}`,
    );
    assert.ok(
      seen.some((p) => p.value !== null && p.value > 0 && p.value < 100),
      `a percentage between 0 and 100: ${JSON.stringify(seen.map((p) => p.value))}`,
    );
    assert.ok(
      seen.some((p) => p.value === null && /^File sent\./.test(p.label)),
      "then the server's work",
    );
    assert.equal(await dialog.locator("progress").count(), 0, "no progress bar once done");

    // The new channel is in the sidebar at once, with the imported history.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await sideLink(page, "imported-news").click();
    await page.waitForURL((u) => u.pathname === `/chat/${TEAM}/imported-news`);
    await postIn(page, "Welcome to the imported news").locator(".chat-post-author", { hasText: "zoe" }).waitFor();
    await postIn(page, "Second imported message").waitFor();
    await noCspViolation(page);
  });

  it("an export that is not one is refused with the server's reason", async () => {
    const { page } = admin;
    admin.allowHttpError(/\/api\/v1\/chat\/teams\/atelier\/import\/mattermost$/, 422);
    const dialog = await openTeamSettings(page, "Import from Slack or Mattermost");
    await dialog.getByLabel("Export file").setInputFiles({ name: "notes.jsonl", mimeType: "application/octet-stream", buffer: Buffer.from('{"hello": "world"}\n') });
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    const alert = dialog.getByRole("alert");
    await alert.getByText("The import did not work").waitFor();
    await alert.getByText(/this is not a Mattermost bulk export/).waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  it("on a phone (390×844), the team settings open from the drawer and fit the screen", async () => {
    const phone = await newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const { page } = phone;
    await login(page, "admin", ADMIN_PASSWORD);
    await page.goto(TOWN);
    await live(page);
    await page.getByRole("button", { name: "Channels", exact: true }).click();
    await sideLink(page, "town-square").waitFor();
    const dialog = await openTeamSettings(page, "Manage the team");
    await memberRow(dialog, "bob").waitFor();
    const box = await dialog.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the dialog fits (${JSON.stringify(box)})`);
    await noHorizontalOverflow(page);
    await page.screenshot({ path: join(ARTIFACTS, "chat-admin-phone.png") });
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await dialog.waitFor({ state: "detached" });
    await noCspViolation(page);
    await closeContext(phone);
  });
});
