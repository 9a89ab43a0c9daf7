// End-to-end tests of favourites across the tools: a star toggle (a real button with
// aria-pressed) in a pad's header and on a poll's page; the starred items on the home page, above
// the recent items, and in the header's Favourites menu on a wide screen and in the phone menu;
// unstarring from the home page; axe finds nothing on the home page with the menu open; the
// lists (pads, my polls, wikis, my video rooms, the chat sidebar) mark starred items, from one
// request per page, and follow a star set on the item's page.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { axeViolations, formatViolations } from "./lib/axe.mjs";
import {
  apiCall,
  closeContext as closeTracked,
  login,
  noCspViolation,
  noHorizontalOverflow,
  openContext,
} from "./lib/helpers.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const PAD = "fav-minutes";

let server;
let browser;
const open = new Set();
/** The poll made by the first test. */
let pollId;

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

/** The star of the page's main item, waited for until the favourites are known. */
async function star(scope, name = "Favourite") {
  const b = scope.getByRole("button", { name, exact: true }).first();
  await b.waitFor();
  await b.page().waitForFunction((el) => !el.disabled, await b.elementHandle());
  return b;
}

async function pressed(button, value) {
  await button
    .page()
    .waitForFunction(
      ([el, v]) => el.getAttribute("aria-pressed") === v,
      [await button.elementHandle(), value],
    );
}

describe("Favourites across the tools", { concurrency: false }, () => {
  serverPerSuite(
    { adminPassword: ADMIN_PASSWORD },
    (s, b) => ([server, browser] = [s, b]),
    open,
  );

  it("desktop: a star on a pad and a poll, then both on the home page and in the header's menu", async () => {
    const g = await newContext();
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    const made = await apiCall(page, "POST", "/api/v1/pads", { name: PAD });
    assert.equal(made.status, 201, made.text);
    const poll = await apiCall(page, "POST", "/api/v1/polls", {
      kind: "classic",
      title: "Picnic date",
      author_name: "Admin",
      options: [{ label: "Saturday" }, { label: "Sunday" }],
    });
    assert.equal(poll.status, 201, poll.text);
    pollId = poll.body.poll.id;

    // Nothing starred yet: the home page says how to star.
    await page.goto("/");
    await page.locator("#favourites-title").waitFor();
    await page.getByText("No favourites yet").waitFor();

    // The pad's header has the star; pressing it stars the pad for the server too.
    await page.goto(`/p/${PAD}`);
    const padStar = await star(page.locator(".pad-title"));
    assert.equal(await padStar.getAttribute("aria-pressed"), "false");
    assert.equal(await padStar.getAttribute("title"), "Add to favourites");
    await padStar.click();
    await pressed(padStar, "true");
    assert.equal(await padStar.getAttribute("title"), "Remove from favourites");

    await page.goto(`/poll/${pollId}`);
    await page.locator("main h1", { hasText: "Picnic date" }).waitFor();
    const pollStar = await star(page.locator("main .page-header, main"));
    assert.equal(await pollStar.getAttribute("aria-pressed"), "false");
    await pollStar.click();
    await pressed(pollStar, "true");

    const listed = await apiCall(page, "GET", "/api/v1/me/favourites");
    assert.deepEqual(
      listed.body.items.map((i) => [i.kind, i.title, i.path]),
      [
        ["poll", "Picnic date", `/poll/${pollId}`],
        ["pad", PAD, `/p/${PAD}`],
      ],
    );

    // Home: the favourites above the recent items, newest first; the recent pad shows its star on.
    await page.goto("/");
    const favs = page.locator("ul.favourite-list");
    await favs.locator(`a[href="/p/${PAD}"]`).waitFor();
    assert.deepEqual(
      await favs
        .locator("a")
        .evaluateAll((as) => as.map((a) => a.getAttribute("href"))),
      [`/poll/${pollId}`, `/p/${PAD}`],
    );
    const order = await page.evaluate(() => {
      const f = document.getElementById("favourites-title");
      const r = document.getElementById("recent-title");
      return f && r
        ? f.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING
        : 0;
    });
    assert.ok(order, "favourites come before the recent items");
    const recentPad = page.locator(
      `ul.recent-list:not(.favourite-list) li:has(a[href="/p/${PAD}"])`,
    );
    await recentPad.waitFor();
    assert.equal(
      await recentPad
        .getByRole("button", { name: "Favourite" })
        .getAttribute("aria-pressed"),
      "true",
    );

    // The header's menu lists them, and leads to them.
    const menuButton = page
      .locator("#site-nav")
      .getByRole("button", { name: "Favourites" });
    assert.equal(await menuButton.getAttribute("aria-expanded"), "false");
    await menuButton.click();
    assert.equal(await menuButton.getAttribute("aria-expanded"), "true");
    const panel = page.locator(".nav-fav-panel");
    await panel
      .locator(`a[href="/poll/${pollId}"]`, { hasText: "Picnic date" })
      .waitFor();
    const report = formatViolations(
      await axeViolations(page),
      "home with the favourites menu open",
    );
    assert.equal(report, "", report);
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    await menuButton.click();
    await panel.locator(`a[href="/p/${PAD}"]`).click();
    await page.waitForURL((u) => u.pathname === `/p/${PAD}`);
    await panel.waitFor({ state: "detached" });

    // Unstarring from the home page: gone there, in the menu and for the server.
    await page.goto("/");
    const pollRow = favs.locator(`li:has(a[href="/poll/${pollId}"])`);
    await pollRow.getByRole("button", { name: "Favourite" }).click();
    await pollRow.waitFor({ state: "detached" });
    await page.reload();
    await favs.locator(`a[href="/p/${PAD}"]`).waitFor();
    assert.equal(await favs.locator(`a[href="/poll/${pollId}"]`).count(), 0);
    await menuButton.click();
    await panel.locator(`a[href="/p/${PAD}"]`).waitFor();
    assert.equal(await panel.locator(`a[href="/poll/${pollId}"]`).count(), 0);
    await noCspViolation(page);
    await closeContext(g);
  });

  it("phone: the favourites open in place in the menu", async () => {
    const g = await newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    await page.locator("ul.favourite-list").waitFor();
    await page.getByRole("button", { name: "Menu" }).click();
    const favButton = page
      .locator("#site-nav")
      .getByRole("button", { name: "Favourites" });
    await favButton.waitFor({ state: "visible" });
    await favButton.click();
    const link = page.locator(`.nav-fav-panel a[href="/p/${PAD}"]`);
    await link.waitFor({ state: "visible" });
    await noHorizontalOverflow(page);
    const report = formatViolations(
      await axeViolations(page),
      "phone menu with favourites",
    );
    assert.equal(report, "", report);
    await link.click();
    await page.waitForURL((u) => u.pathname === `/p/${PAD}`);
    const padStar = await star(page.locator(".pad-title"));
    assert.equal(await padStar.getAttribute("aria-pressed"), "true");
    await closeContext(g);
  });

  it("lists: starred items carry a star, from one request per page", async () => {
    const g = await newContext();
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    const team = await apiCall(page, "POST", "/api/v1/chat/teams", {
      name: "fav-club",
      display_name: "Club",
    });
    assert.equal(team.status, 201, team.text);
    const channels = await apiCall(
      page,
      "GET",
      "/api/v1/chat/teams/fav-club/channels",
    );
    const square = (
      Array.isArray(channels.body)
        ? channels.body
        : (channels.body?.channels ?? [])
    ).find((c) => c.name === "town-square");
    assert.ok(square, channels.text);
    const wiki = await apiCall(page, "POST", "/api/v1/wikis", {
      slug: "fav-wiki",
      title: "Handbook",
    });
    assert.equal(wiki.status, 201, wiki.text);
    const room = await apiCall(page, "POST", "/api/v1/video/rooms", {
      name: "fav-room",
      title: "Choir practice",
    });
    assert.equal(room.status, 201, room.text);
    const other = await apiCall(page, "POST", "/api/v1/pads", {
      name: "fav-other",
    });
    assert.equal(other.status, 201, other.text);
    for (const [kind, id] of [
      ["wiki", "fav-wiki"],
      ["channel", square.id],
    ]) {
      const r = await apiCall(
        page,
        "PUT",
        `/api/v1/me/favourites/${kind}/${id}`,
      );
      assert.equal(r.status, 200, r.text);
    }

    // The pads list: the starred pad (first test) has its star, the other none; one request.
    const asked = [];
    page.on("request", (r) => {
      if (
        new URL(r.url()).pathname === "/api/v1/me/favourites" &&
        r.method() === "GET"
      )
        asked.push(r.url());
    });
    await page.goto("/pads");
    const mark = (scope) => scope.locator(".fav-mark");
    const padRow = (name) =>
      page.locator(`li.list-item:has(a.pad-link[href="/p/${name}"])`).first();
    await mark(padRow(PAD)).waitFor();
    assert.equal(
      await mark(padRow(PAD)).getAttribute("title"),
      "In your favourites",
    );
    assert.equal(await mark(padRow("fav-other")).count(), 0);
    assert.equal(asked.length, 1, "one GET of the favourites per page load");

    // My polls: no star until the poll is starred on its page.
    await page.goto("/polls");
    const pollRow = page.locator(`li.list-item[data-poll="${pollId}"]`);
    await pollRow.waitFor();
    assert.equal(await mark(pollRow).count(), 0);
    await page.goto(`/poll/${pollId}`);
    const pollStar = await star(page.locator("main"));
    await pollStar.click();
    await pressed(pollStar, "true");
    await page.goto("/polls");
    await mark(pollRow).waitFor();

    // Wikis and the chat sidebar.
    await page.goto("/wikis");
    await mark(page.locator('li.list-item[data-wiki="fav-wiki"]')).waitFor();
    await page.goto("/chat/fav-club/town-square");
    await mark(
      page.locator(
        '.chat-sidebar a.chat-side-link[data-channel="town-square"]',
      ),
    ).waitFor();

    // A video room: starred from its page, starred in "my rooms", unstarred there.
    await page.goto("/video/fav-room");
    const roomStar = await star(page.locator(".video-prejoin-head"));
    assert.equal(await roomStar.getAttribute("aria-pressed"), "false");
    await roomStar.click();
    await pressed(roomStar, "true");
    await page.goto("/video");
    const mine = page.locator('#video-mine li[data-room="fav-room"]');
    // In a list, each star says whose it is.
    const listStar = await star(mine, "Favourite: Choir practice");
    assert.equal(await listStar.getAttribute("aria-pressed"), "true");
    const listed = await apiCall(page, "GET", "/api/v1/me/favourites");
    assert.deepEqual(listed.body.items[0], {
      ...listed.body.items[0],
      kind: "video_room",
      tool: "video",
      title: "Choir practice",
      path: "/video/fav-room",
    });
    await listStar.click();
    await pressed(listStar, "false");
    const after = await apiCall(page, "GET", "/api/v1/me/favourites");
    assert.ok(
      !after.body.items.some((i) => i.kind === "video_room"),
      after.text,
    );
    await noCspViolation(page);
    await closeContext(g);
  });

  it("a favourite one can no longer open is named apart and can be removed", async () => {
    const g = await newContext();
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    // A member stars a public wiki of the admin's, which then becomes private.
    const invite = await apiCall(page, "POST", "/api/v1/admin/invites", {});
    assert.equal(invite.status, 201, invite.text);
    for (const [slug, title] of [
      ["fav-gone", "Soon private"],
      ["fav-gone-too", "Private too"],
    ]) {
      const wiki = await apiCall(page, "POST", "/api/v1/wikis", { slug, title, visibility: "public" });
      assert.equal(wiki.status, 201, wiki.text);
    }
    const reg = await fetch(`${server.url}/api/v1/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        username: "fav-member",
        password: "a long enough passphrase",
        display_name: "Member",
        invite: invite.body.token,
      }),
    });
    assert.equal(reg.status, 201, await reg.text());
    const m = await newContext();
    await login(m.page, "fav-member", "a long enough passphrase");
    for (const slug of ["fav-gone", "fav-gone-too"]) {
      const put = await apiCall(m.page, "PUT", `/api/v1/me/favourites/wiki/${slug}`);
      assert.ok(put.status < 300, put.text);
      const made = await apiCall(page, "PATCH", `/api/v1/wikis/${slug}`, { visibility: "private" });
      assert.equal(made.status, 200, made.text);
    }

    await m.page.goto("/");
    const line = m.page.locator(".favourites-unavailable");
    await line.getByText("2 of your favourites can no longer be opened by you").waitFor();
    assert.equal(await m.page.locator("#favourites-title").locator("xpath=..").getByText("Soon private").count(), 0, "its title is not shown");
    const deletes = [];
    m.page.on("request", (r) => {
      if (r.method() === "DELETE" && new URL(r.url()).pathname.startsWith("/api/v1/me/favourites")) {
        deletes.push([new URL(r.url()).pathname, r.postDataJSON()]);
      }
    });
    await line.getByRole("button", { name: "Remove them" }).click();
    await line.waitFor({ state: "detached" });
    // One request for the list, not one per favourite.
    assert.equal(deletes.length, 1, JSON.stringify(deletes));
    assert.equal(deletes[0][0], "/api/v1/me/favourites");
    assert.deepEqual(
      deletes[0][1].items.map((i) => `${i.kind}:${i.id}`).sort(),
      ["wiki:fav-gone", "wiki:fav-gone-too"],
    );
    const after = await apiCall(m.page, "GET", "/api/v1/me/favourites");
    assert.deepEqual(after.body.unavailable, [], after.text);
    await noCspViolation(m.page);
    await closeContext(m);
    await closeContext(g);
  });
});
