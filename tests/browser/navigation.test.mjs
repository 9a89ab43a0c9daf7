// End-to-end tests of the one navigation across the tools: the header's five tools with the
// current one highlighted (Home only on the home page), the phone menu (a real button, focus moved
// in and back, Escape closes), the recent items on the home page, the search across tools finding
// a pad by its text, and the language chosen on the account following it to another device.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { apiCall, closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";
import { BROWSER_TESTS_DIR } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const ARTIFACTS = join(BROWSER_TESTS_DIR, "artifacts");
const TOOLS = ["/pads", "/polls", "/chat", "/video", "/wikis"];

let server;
let browser;
const open = new Set();

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

/** The header links marked as the current page. */
async function currentLinks(page) {
  return page.locator('#site-nav a[aria-current="page"]').evaluateAll((els) => els.map((e) => e.getAttribute("href")));
}

/** Waits until the header marks exactly `href` as the current page. */
async function waitCurrent(page, href) {
  await page.locator(`#site-nav a[href="${href}"][aria-current="page"]`).waitFor({ state: "attached" });
  assert.deepEqual(await currentLinks(page), [href]);
}

/** A pad named `name` holding `text`, made through the API as the signed-in page. */
async function padWithText(page, name, text) {
  const made = await apiCall(page, "POST", "/api/v1/pads", { name });
  assert.equal(made.status, 201, made.text);
  const status = await page.evaluate(
    async ([name, text]) => {
      const me = await (await fetch("/api/v1/me")).json();
      const res = await fetch(`/api/v1/pads/${name}/import?format=txt`, {
        method: "POST",
        headers: { "Content-Type": "text/plain", "X-CSRF-Token": me.csrf_token },
        body: text,
      });
      return res.status;
    },
    [name, text],
  );
  assert.equal(status, 200);
}

describe("Navigation across the tools", { concurrency: false }, () => {
  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, async (s, b) => {
    [server, browser] = [s, b];
    await mkdir(ARTIFACTS, { recursive: true });
  }, open);

  it("desktop: the five tools in the header, the current one highlighted, recent items and search", async () => {
    const g = await newContext();
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    await padWithText(page, "meeting-notes", "Agenda\nthe cassowary budget for the summer fair");
    await page.goto("/");
    await page.locator("main h1").waitFor();
    for (const href of TOOLS) assert.ok(await page.locator(`#site-nav a[href="${href}"]`).isVisible(), `${href} in the header`);
    assert.equal(await page.getByRole("button", { name: "Menu" }).isVisible(), false, "no menu button on a wide screen");
    await waitCurrent(page, "/");

    // The home page lists what was touched lately, with its tool.
    const recent = page.locator('.recent-list a[href="/p/meeting-notes"]');
    await recent.waitFor();
    assert.match(await recent.innerText(), /meeting-notes[\s\S]*Pads/);
    assert.equal(await recent.locator(".tool-icon.tool-pads svg").count(), 1);
    await page.screenshot({ path: join(ARTIFACTS, "navigation-home.png") });

    // Each tool's pages highlight that tool, and Home no longer.
    await page.locator('#site-nav a[href="/polls"]').click();
    await page.waitForURL((u) => u.pathname === "/polls");
    await waitCurrent(page, "/polls");
    await recent.waitFor({ state: "detached" });
    await page.locator('#site-nav a[href="/wikis"]').click();
    await page.waitForURL((u) => u.pathname === "/wikis");
    await waitCurrent(page, "/wikis");
    await page.goto("/p/meeting-notes");
    await waitCurrent(page, "/pads");
    await page.goto("/account");
    await page.locator("main h1", { hasText: "Your account" }).waitFor();
    assert.deepEqual(await currentLinks(page), ["/account"]);

    // The chat keeps its full-height layout under the header.
    await page.goto("/chat");
    await waitCurrent(page, "/chat");
    const headerHeight = await page.locator("header.site-header").evaluate((h) => h.getBoundingClientRect().height);
    assert.ok(headerHeight <= 61, `the header keeps one row (${headerHeight}px)`);

    // The search box finds the pad by a word of its text; the snippet is text with the word marked.
    const box = page.getByRole("searchbox", { name: "Search pads, polls, chat and wikis" });
    await box.fill("cassow");
    await box.press("Enter");
    await page.waitForURL((u) => u.pathname === "/search" && u.searchParams.get("q") === "cassow");
    const hit = page.locator('#search-pads ~ .search-results a[href="/p/meeting-notes"]');
    await hit.waitFor();
    assert.equal(await hit.locator(".search-snippet mark").innerText(), "cassowary");
    assert.match(await hit.locator(".search-snippet").innerText(), /the cassowary budget for the summer fair/);
    assert.equal(await box.inputValue(), "cassow", "the box keeps the query");
    assert.deepEqual(await currentLinks(page), []);
    await hit.click();
    await page.waitForURL((u) => u.pathname === "/p/meeting-notes");
    await page.goto("/search?q=zzzqqq");
    await page.getByText("Nothing found for “zzzqqq”.").waitFor();
    await noCspViolation(page);
    await closeContext(g);
  });

  it("phone: the same links behind a menu button that takes focus and closes with Escape", async () => {
    const g = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    await page.locator(".recent-list").waitFor();
    await noHorizontalOverflow(page);
    const menu = page.getByRole("button", { name: "Menu" });
    const wikis = page.locator('#site-nav a[href="/wikis"]');
    assert.equal(await wikis.isVisible(), false, "the links wait behind the menu");
    assert.equal(await menu.getAttribute("aria-expanded"), "false");

    await menu.click();
    await wikis.waitFor({ state: "visible" });
    assert.equal(await menu.getAttribute("aria-expanded"), "true");
    assert.ok(await page.evaluate(() => document.getElementById("site-nav").contains(document.activeElement)), "focus moves into the menu");
    for (const href of TOOLS) assert.ok(await page.locator(`#site-nav a[href="${href}"]`).isVisible());
    await waitCurrent(page, "/");
    await page.screenshot({ path: join(ARTIFACTS, "navigation-phone-menu.png") });
    await noHorizontalOverflow(page);

    await page.keyboard.press("Escape");
    await wikis.waitFor({ state: "hidden" });
    assert.equal(await menu.getAttribute("aria-expanded"), "false");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-controls")), "site-nav", "focus back on the button");

    await menu.click();
    await wikis.click();
    await page.waitForURL((u) => u.pathname === "/wikis");
    await wikis.waitFor({ state: "hidden" });
    await menu.click();
    await waitCurrent(page, "/wikis");

    // The search sits in the menu.
    const box = page.getByRole("searchbox", { name: "Search pads, polls, chat and wikis" });
    await box.fill("cassowary");
    await box.press("Enter");
    await page.waitForURL((u) => u.pathname === "/search");
    await page.locator('.search-results a[href="/p/meeting-notes"]').waitFor();
    await noHorizontalOverflow(page);
    await closeContext(g);
  });

  it("the language chosen on the account follows it to another device; guests keep their browser's", async () => {
    const a = await newContext();
    await login(a.page, "admin", ADMIN_PASSWORD);
    await a.page.locator("#lang-select").selectOption("fr");
    await a.page.locator("#site-nav a[href='/']", { hasText: "Accueil" }).waitFor();
    // The choice reaches the account before the other device signs in.
    await a.page.waitForFunction(async () => (await (await fetch("/api/v1/me")).json()).user.language === "fr");

    const b = await newContext({ locale: "en-GB" });
    await b.page.goto("/about");
    await b.page.locator("main h1").waitFor();
    assert.equal(await b.page.evaluate(() => document.documentElement.lang), "en", "a guest gets the browser's language");
    await login(b.page, "admin", ADMIN_PASSWORD);
    await b.page.locator("#site-nav a[href='/']", { hasText: "Accueil" }).waitFor();
    assert.equal(await b.page.evaluate(() => document.documentElement.lang), "fr");
    await b.page.locator("#site-nav a[href='/polls']", { hasText: "Sondages" }).waitFor();

    // Back to English for the other tests of this server.
    await b.page.locator("#lang-select").selectOption("en");
    await b.page.waitForFunction(async () => (await (await fetch("/api/v1/me")).json()).user.language === "en");
    await closeContext(b);
    await closeContext(a);
  });
});
