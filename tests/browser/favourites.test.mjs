// End-to-end tests of favourites across the tools: a star toggle (a real button with
// aria-pressed) in a pad's header and on a poll's page; the starred items on the home page, above
// the recent items, and in the header's Favourites menu on a wide screen and in the phone menu;
// unstarring from the home page; axe finds nothing on the home page with the menu open.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { axeViolations, formatViolations } from "./lib/axe.mjs";
import { apiCall, closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";

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
async function star(scope) {
  const b = scope.getByRole("button", { name: "Favourite", exact: true }).first();
  await b.waitFor();
  await b.page().waitForFunction((el) => !el.disabled, await b.elementHandle());
  return b;
}

async function pressed(button, value) {
  await button.page().waitForFunction(([el, v]) => el.getAttribute("aria-pressed") === v, [await button.elementHandle(), value]);
}

describe("Favourites across the tools", { concurrency: false }, () => {
  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, (s, b) => ([server, browser] = [s, b]), open);

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
    assert.deepEqual(await favs.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href"))), [`/poll/${pollId}`, `/p/${PAD}`]);
    const order = await page.evaluate(() => {
      const f = document.getElementById("favourites-title");
      const r = document.getElementById("recent-title");
      return f && r ? f.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
    });
    assert.ok(order, "favourites come before the recent items");
    const recentPad = page.locator(`ul.recent-list:not(.favourite-list) li:has(a[href="/p/${PAD}"])`);
    await recentPad.waitFor();
    assert.equal(await recentPad.getByRole("button", { name: "Favourite" }).getAttribute("aria-pressed"), "true");

    // The header's menu lists them, and leads to them.
    const menuButton = page.locator("#site-nav").getByRole("button", { name: "Favourites" });
    assert.equal(await menuButton.getAttribute("aria-expanded"), "false");
    await menuButton.click();
    assert.equal(await menuButton.getAttribute("aria-expanded"), "true");
    const panel = page.locator(".nav-fav-panel");
    await panel.locator(`a[href="/poll/${pollId}"]`, { hasText: "Picnic date" }).waitFor();
    const report = formatViolations(await axeViolations(page), "home with the favourites menu open");
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
    const g = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    await page.locator("ul.favourite-list").waitFor();
    await page.getByRole("button", { name: "Menu" }).click();
    const favButton = page.locator("#site-nav").getByRole("button", { name: "Favourites" });
    await favButton.waitFor({ state: "visible" });
    await favButton.click();
    const link = page.locator(`.nav-fav-panel a[href="/p/${PAD}"]`);
    await link.waitFor({ state: "visible" });
    await noHorizontalOverflow(page);
    const report = formatViolations(await axeViolations(page), "phone menu with favourites");
    assert.equal(report, "", report);
    await link.click();
    await page.waitForURL((u) => u.pathname === `/p/${PAD}`);
    const padStar = await star(page.locator(".pad-title"));
    assert.equal(await padStar.getAttribute("aria-pressed"), "true");
    await closeContext(g);
  });
});
