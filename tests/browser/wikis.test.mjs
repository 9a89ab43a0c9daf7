// End-to-end tests of the wikis: the admin creates a wiki from a template through the UI, follows a
// link to a missing page (asked for once) and creates it (toolbar, preview); a deleted page comes
// back from its page; a second person edits the same page at
// the same time, so that the first one gets a conflict and resolves it, then a merge; two revisions
// are compared (inline and side by side); the page is found by search; the Atom feed is valid and
// lists it; the phone layout (390×844) of a page; comments, watching and notifications;
// attachments; settings (colour, members, lock); export, import and deletion.
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
const SLUG = "fete-du-quartier";
const NOTES = "Meeting notes";
/** 1×1 transparent PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

let server;
let browser;
const open = new Set();

/** A page of a wiki that does not exist yet answers 404 (the UI then offers to create it). */
const MISSING_PAGE = /\/api\/v1\/wikis\/[^/]+\/pages\/[^/?]+(\/history)?(\?.*)?$/;

async function newContext(options) {
  const g = await openContext(open, browser, server, options);
  g.allowHttpError(MISSING_PAGE, 404);
  return g;
}
const closeContext = (g) => closeTracked(open, g);

const escapeRe = (s) => s.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&");

/** The page's own title (the page text may start with the same heading). */
function wikiH1(page, name) {
  return page.locator(".wiki-page-heading h1", { hasText: new RegExp(`^${escapeRe(name)}$`) });
}

async function confirmDialog(page, label) {
  const dialog = page.locator("dialog[open]");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: label, exact: true }).click();
  await dialog.waitFor({ state: "detached" });
}

/** The page's JSON as this browser's identity sees it. */
async function pageJson(page, name) {
  return page.evaluate(
    async ([slug, name]) => {
      const res = await fetch(`/api/v1/wikis/${slug}/pages/${encodeURIComponent(name.replace(/ /g, "_"))}`);
      return { status: res.status, body: await res.json() };
    },
    [SLUG, name],
  );
}

const notesPath = `/w/${SLUG}/Meeting_notes`;

describe("Wikis", { concurrency: false }, () => {
  let admin;
  let bob;

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, async (s, b) => {
    [server, browser] = [s, b];
    await mkdir(ARTIFACTS, { recursive: true });
  }, open);

  it("the admin creates a wiki from a template, through the UI", async () => {
    admin = await newContext();
    const { page } = admin;
    await login(page, "admin", ADMIN_PASSWORD);
    await page.goto("/");
    const card = page.locator('a.tool-card[href="/wikis"]');
    await card.waitFor();
    assert.equal(await card.locator(".badge").count(), 0, "no 'Coming soon' badge on the Wikis card");
    await card.click();
    await page.waitForURL((u) => u.pathname === "/wikis");
    await page.getByRole("heading", { level: 1, name: "Wikis" }).waitFor();
    await page.locator("#my-wikis").getByText("You are not an admin or editor of any wiki yet.").waitFor();
    await page.locator("#wiki-directory").getByText("No public wiki yet.").waitFor();
    await page.getByRole("link", { name: "Create a wiki" }).click();
    await page.waitForURL((u) => u.pathname === "/wikis/new");
    await page.getByRole("heading", { level: 1, name: "Create a wiki" }).waitFor();

    // Nothing filled: the client says what is missing.
    await page.getByRole("button", { name: "Create the wiki" }).click();
    await page.getByText("Give the wiki a title.").waitFor();

    // The address follows the title until it is edited.
    await page.getByLabel("Title", { exact: true }).fill("Fête du quartier");
    assert.equal(await page.locator("#wiki-new-slug").inputValue(), SLUG);
    await page.locator(".wiki-slug-url", { hasText: `/w/${SLUG}/` }).waitFor();
    await page.locator("#wiki-new-slug").fill("Bad Slug");
    await page.getByText("Use only lowercase letters a–z, digits and hyphens.").waitFor();
    await page.locator("#wiki-new-slug").fill(SLUG);
    await page.getByLabel("Description").fill("Everything about the festival: programme, volunteers, practical information.");
    await page.getByRole("radio", { name: /Event/ }).check();
    assert.equal(await page.locator("#wiki-new-lang").inputValue(), "en", "the starting pages default to the UI language");
    await page.getByRole("radio", { name: /^Everyone/ }).check();
    await page.getByRole("radio", { name: /^People with an account/ }).check();
    await noCspViolation(page);
    await page.screenshot({ path: join(ARTIFACTS, "wiki-new.png"), fullPage: true });
    await page.getByRole("button", { name: "Create the wiki" }).click();

    await page.waitForURL((u) => u.pathname === `/w/${SLUG}`);
    await page.locator(".wiki-bar-title", { hasText: "Fête du quartier" }).waitFor();
    await wikiH1(page, "Home").waitFor();
    // The template's menu is the side navigation; the current page is marked.
    const nav = page.locator("#wiki-nav");
    for (const name of ["Home", "Programme", "Practical information", "Registration", "Volunteers"]) {
      await nav.getByRole("link", { name, exact: true }).waitFor();
    }
    assert.equal(await nav.locator('a[aria-current="page"]').first().textContent(), "Home");
    for (const name of ["Recent changes", "All pages", "Files", "Settings"]) await nav.getByRole("link", { name }).waitFor();
    // A table of contents for a page with headings.
    await page.locator(".wiki-toc").waitFor();
    // Internal links navigate inside the app (no reload).
    await page.evaluate(() => (window.__noReload = true));
    await nav.getByRole("link", { name: "Programme", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/Programme`);
    await wikiH1(page, "Programme").waitFor();
    assert.equal(await page.evaluate(() => window.__noReload), true, "client-side navigation");
    await noCspViolation(page);

    await page.goto("/wikis");
    await page.locator(`#my-wikis li[data-wiki="${SLUG}"]`).waitFor();
    await page.locator("#wiki-directory .wiki-card", { hasText: "Fête du quartier" }).waitFor();
    await page.locator("#wikis-q").fill("zzz-nothing");
    await page.getByText("No public wiki matches this search.").waitFor();
    await page.locator("#wikis-q").fill("festival");
    await page.locator("#wiki-directory .wiki-card", { hasText: "Fête du quartier" }).waitFor();
    await page.goto(`/w/${SLUG}`);
    await wikiH1(page, "Home").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "wiki-home.png"), fullPage: true });
  });

  it("follows a link to a missing page and creates it, with the toolbar and the preview", async () => {
    const { page } = admin;
    await page.goto(`/w/${SLUG}`);
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/Home/edit`);
    await wikiH1(page, "Editing Home").waitFor();
    const area = page.locator("#wiki-text");
    const original = await area.inputValue();
    assert.ok(original.length > 20, "the editor holds the page's source");
    await area.fill(`${original}\n\nNotes of our meetings: [[${NOTES}]].\n`);
    // Leaving with unsaved changes asks first.
    await page.locator("#wiki-nav").getByRole("link", { name: "Programme", exact: true }).click();
    await page.locator("dialog[open]").getByText("Leave without saving?").waitFor();
    await confirmDialog(page, "Cancel");
    // The confirmation gives the focus back to the link that asked it.
    const programmeLink = page.locator("#wiki-nav").getByRole("link", { name: "Programme", exact: true });
    await page.waitForFunction((el) => document.activeElement === el, await programmeLink.elementHandle(), { timeout: 3000 });
    assert.equal(new URL(page.url()).pathname, `/w/${SLUG}/Home/edit`);
    assert.ok((await area.inputValue()).includes(`[[${NOTES}]]`), "the text is still there");
    await page.getByRole("tab", { name: "Preview" }).click();
    const missingInPreview = page.locator("#wiki-panel-preview a.wikilink.missing", { hasText: NOTES });
    await missingInPreview.waitFor();
    await page.getByRole("tab", { name: "Write" }).click();
    await page.getByLabel("Summary of your changes").fill("link to the meeting notes");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/Home`);
    await page.getByText(/^Saved \(revision 2\)\./).waitFor();

    // The link to the missing page is styled as such and leads to an offer to create it.
    const missing = page.locator(".wiki-content a.wikilink.missing", { hasText: NOTES });
    await missing.waitFor();
    const style = await missing.evaluate((a) => getComputedStyle(a).borderBottomStyle);
    assert.equal(style, "dashed", "missing-page links are dashed");
    await missing.click();
    await page.waitForURL((u) => u.pathname === notesPath);
    await page.getByText("This page does not exist yet.").waitFor();
    await page.getByRole("link", { name: "Create it" }).click();
    await page.waitForURL((u) => u.pathname === `${notesPath}/edit`);
    await wikiH1(page, `Creating ${NOTES}`).waitFor();

    // The toolbar inserts Markdown around the selection.
    const area2 = page.locator("#wiki-text");
    await area2.fill("Agenda");
    await area2.evaluate((el) => el.setSelectionRange(0, 6));
    await page.getByRole("button", { name: "Bold", exact: true }).click();
    assert.equal(await area2.inputValue(), "**Agenda**");
    await area2.evaluate((el) => el.setSelectionRange(0, 0));
    await page.getByRole("button", { name: "Heading", exact: true }).click();
    assert.equal(await area2.inputValue(), "## **Agenda**");

    const text = [`# ${NOTES}`, "", "Agenda: budget and zanzibar trip.", "", "- Point one", "- Point two", "", "Decisions: none yet.", "", "Back to [[Home]].", ""].join("\n");
    await area2.fill(text);
    await page.getByRole("tab", { name: "Preview" }).click();
    await page.locator("#wiki-panel-preview h1", { hasText: NOTES }).waitFor();
    await page.locator("#wiki-panel-preview a.wikilink:not(.missing)", { hasText: "Home" }).waitFor();
    await noCspViolation(page);
    await page.screenshot({ path: join(ARTIFACTS, "wiki-editor-preview.png"), fullPage: true });
    await page.getByRole("tab", { name: "Write" }).click();
    await page.getByRole("button", { name: "Create the page" }).click();
    await page.waitForURL((u) => u.pathname === notesPath);
    await page.getByText(/^Page created \(revision 1\)\./).waitFor();
    await page.locator(".wiki-content li", { hasText: "Point two" }).waitFor();

    // Back home, the link is not missing any more.
    await page.locator(".wiki-content a.wikilink", { hasText: "Home" }).click();
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/Home`);
    await page.locator(".wiki-content a.wikilink:not(.missing)", { hasText: NOTES }).waitFor();
  });

  it("a page that does not exist yet is asked for once; a deleted one says so and comes back", async () => {
    const { page } = admin;
    // What the page view asks about the pages opened here (the page left may still be asking).
    const asked = [];
    const onRequest = (req) => {
      const u = new URL(req.url());
      if (/^\/api\/v1\/wikis\/[^/]+\/pages\/(Never_written|Short_lived)(\/|$)/.test(u.pathname) && req.method() === "GET") asked.push(`${req.method()} ${u.pathname}`);
    };
    page.on("request", onRequest);
    try {
      await page.goto(`/w/${SLUG}/Never_written`);
      await page.getByText("This page does not exist yet.").waitFor();
      await page.getByRole("link", { name: "Create it" }).waitFor();
      // A second request (the page's history, as before) would follow the first at once.
      await page.waitForTimeout(500);
      assert.deepEqual(asked, [`GET /api/v1/wikis/${SLUG}/pages/Never_written`]);

      const made = await apiCall(page, "PUT", `/api/v1/wikis/${SLUG}/pages/Short_lived`, { text: "Brief.", base_rev: null });
      assert.equal(made.status, 201, made.text);
      assert.equal((await apiCall(page, "DELETE", `/api/v1/wikis/${SLUG}/pages/Short_lived`)).status, 204);
      asked.length = 0;
      await page.goto(`/w/${SLUG}/Short_lived`);
      await page.getByText("This page was deleted.").waitFor();
      await page.waitForTimeout(500);
      assert.deepEqual(asked, [`GET /api/v1/wikis/${SLUG}/pages/Short_lived`], "the 404 says the page was deleted");
      await page.getByRole("button", { name: "Restore the page" }).click();
      await page.getByText("Page restored.").waitFor();
      await page.locator(".wiki-content", { hasText: "Brief." }).waitFor();
    } finally {
      page.off("request", onRequest);
    }
  });

  it("a second person edits the same page at the same time: conflict resolved, then merged", async () => {
    // Bob gets an account (invitation from the admin) and logs in in another browser.
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

    const { page } = admin;
    // The conflicting save is answered 409 on purpose.
    admin.allowHttpError(/\/api\/v1\/wikis\/[^/]+\/pages\/[^/?]+$/, 409);
    // Both open the editor on the same revision.
    await page.goto(`${notesPath}/edit`);
    await wikiH1(page, `Editing ${NOTES}`).waitFor();
    await bob.page.goto(`${notesPath}/edit`);
    await wikiH1(bob.page, `Editing ${NOTES}`).waitFor();

    // Bob saves first.
    const bobArea = bob.page.locator("#wiki-text");
    await bobArea.fill((await bobArea.inputValue()).replace("Agenda: budget and zanzibar trip.", "Agenda: budget, zanzibar trip and posters."));
    await bob.page.getByRole("button", { name: "Save", exact: true }).click();
    await bob.page.waitForURL((u) => u.pathname === notesPath);
    await bob.page.locator(".wiki-content", { hasText: "zanzibar trip and posters" }).waitFor();

    // The admin changed the same line: nothing is saved, the editor shows both versions.
    const area = page.locator("#wiki-text");
    await area.fill((await area.inputValue()).replace("Agenda: budget and zanzibar trip.", "Agenda: budget review and zanzibar trip."));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Someone else changed the same lines").waitFor();
    const marked = await area.inputValue();
    assert.match(marked, /^<{7} /m, "conflict markers in the editor");
    assert.match(marked, /^={7}$/m);
    assert.match(marked, /^>{7} /m);
    assert.ok(marked.includes("zanzibar trip and posters") && marked.includes("budget review"), marked);
    assert.equal(new URL(page.url()).pathname, `${notesPath}/edit`, "still in the editor");
    await page.screenshot({ path: join(ARTIFACTS, "wiki-conflict.png"), fullPage: true });

    // Saving with the markers still there asks first; the admin resolves them instead.
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await confirmDialog(page, "Cancel");
    const resolved = marked
      .split("\n")
      .filter((l) => !/^(<{7}|={7}|>{7})/.test(l) && !l.startsWith("Agenda:"))
      .join("\n")
      .replace(`# ${NOTES}\n`, `# ${NOTES}\n\nAgenda: budget review, zanzibar trip and posters.\n`);
    await area.fill(resolved);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((u) => u.pathname === notesPath);
    await page.getByText(/^Saved \(revision 3\)\./).waitFor();
    await page.locator(".wiki-content", { hasText: "budget review, zanzibar trip and posters" }).waitFor();
    let json = await pageJson(page, NOTES);
    assert.equal(json.body.page.rev, 3);
    assert.ok(!/^<{7}/m.test(json.body.text), "the stored text has no markers");

    // Different lines changed at the same time: merged, and the admin is told so.
    await page.goto(`${notesPath}/edit`);
    await wikiH1(page, `Editing ${NOTES}`).waitFor();
    await bob.page.goto(`${notesPath}/edit`);
    await wikiH1(bob.page, `Editing ${NOTES}`).waitFor();
    await bobArea.fill((await bobArea.inputValue()).replace("Decisions: none yet.", "Decisions: print 200 posters."));
    await bob.page.getByLabel("Summary of your changes").fill("decision about posters");
    await bob.page.getByRole("button", { name: "Save", exact: true }).click();
    await bob.page.waitForURL((u) => u.pathname === notesPath);
    await area.fill((await area.inputValue()).replace("- Point two", "- Point two (done)"));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((u) => u.pathname === notesPath);
    await page.getByText(/your edit was merged with theirs/).waitFor();
    await page.locator(".wiki-content", { hasText: "print 200 posters" }).waitFor();
    await page.locator(".wiki-content li", { hasText: "Point two (done)" }).waitFor();
    json = await pageJson(page, NOTES);
    assert.equal(json.body.page.rev, 5);
  });

  it("compares two revisions, inline and side by side, and restores one", async () => {
    const { page } = admin;
    await page.goto(notesPath);
    await page.getByRole("link", { name: "History", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `${notesPath}/history`);
    await wikiH1(page, `History of ${NOTES}`).waitFor();
    const revs = page.locator(".wiki-rev");
    await revs.first().waitFor();
    assert.equal(await revs.count(), 5);
    await page.locator('.wiki-rev[data-rev="4"]', { hasText: "decision about posters" }).waitFor();
    await page.locator('.wiki-rev[data-rev="4"]', { hasText: "Bob Martin" }).waitFor();
    await page.getByLabel("Compare from revision 1", { exact: true }).check();
    await page.getByLabel("Compare to revision 5", { exact: true }).check();
    await page.getByRole("button", { name: "Compare", exact: true }).click();
    const diff = page.locator("#wiki-diff");
    await diff.getByRole("heading", { name: "Changes from revision 1 to revision 5" }).waitFor();
    assert.equal(new URL(page.url()).search, "?from=1&to=5");
    await diff.locator(".wiki-diff-inline tr.is-added", { hasText: "print 200 posters" }).waitFor();
    await diff.locator(".wiki-diff-inline tr.is-removed", { hasText: "Decisions: none yet." }).waitFor();
    assert.ok((await diff.locator("ins.wiki-diff-word").count()) > 0, "changed words are highlighted");
    await diff.getByRole("button", { name: "Side by side" }).click();
    await diff.locator(".wiki-diff-side td.is-added", { hasText: "print 200 posters" }).waitFor();
    await diff.locator(".wiki-diff-side td.is-removed", { hasText: "none yet" }).waitFor();
    await noCspViolation(page);
    await page.screenshot({ path: join(ARTIFACTS, "wiki-diff.png"), fullPage: true });

    // An old revision, with its banner; restoring it makes a new revision.
    await page.goto(`${notesPath}?rev=1`);
    await page.getByText("You are reading an old version of this page.").waitFor();
    await page.locator(".wiki-content", { hasText: "Decisions: none yet." }).waitFor();
    await page.getByRole("button", { name: "Restore this revision" }).click();
    await confirmDialog(page, "Restore this revision");
    await page.waitForURL((u) => u.pathname === notesPath && u.search === "");
    await page.getByText("Revision 1 restored as revision 6.").waitFor();
    await page.locator(".wiki-content", { hasText: "Decisions: none yet." }).waitFor();
    // …and restoring revision 5 from the history brings the merged text back.
    await page.goto(`${notesPath}/history`);
    await page.getByRole("button", { name: "Restore revision 5" }).click();
    await confirmDialog(page, "Restore this revision");
    await page.getByText("Revision 5 restored as revision 7.").waitFor();
    await page.locator('.wiki-rev[data-rev="7"]').waitFor();
  });

  it("finds the page by search, in the wiki and across public wikis", async () => {
    const { page } = admin;
    await page.goto(`/w/${SLUG}`);
    await page.locator("#wiki-search-q").fill("zanzibar");
    await page.locator("#wiki-search-q").press("Enter");
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/_search` && u.searchParams.get("q") === "zanzibar");
    const hit = page.locator(".wiki-result", { hasText: NOTES });
    await hit.waitFor();
    assert.equal((await hit.locator("mark").first().textContent()).toLowerCase(), "zanzibar");
    assert.equal(await page.locator(".wiki-result-snippet b, .wiki-result-snippet script").count(), 0);
    await hit.getByRole("link", { name: NOTES }).click();
    await page.waitForURL((u) => u.pathname === notesPath);

    await page.goto("/wikis");
    await page.locator("#wikis-search-q").fill("zanzibar");
    await page.locator("#wiki-search-all").getByRole("button", { name: "Search" }).click();
    await page.locator("#wiki-search-all .wiki-result", { hasText: NOTES }).locator("mark").first().waitFor();
  });

  it("renames a page: the old name redirects; what links here", async () => {
    const { page } = admin;
    await page.goto(`/w/${SLUG}/Programme`);
    await wikiH1(page, "Programme").waitFor();
    const renameButton = page.getByRole("button", { name: "Rename", exact: true });
    // Escape closes the dialog and gives the focus back to the button that opened it.
    await renameButton.focus();
    await page.keyboard.press("Enter");
    await page.locator("dialog[open]").waitFor();
    await page.keyboard.press("Escape");
    await page.locator("dialog[open]").waitFor({ state: "detached" });
    await page.waitForFunction((el) => document.activeElement === el, await renameButton.elementHandle(), { timeout: 3000 });
    await renameButton.click();
    const dialog = page.locator("dialog[open]");
    await dialog.getByLabel("New name").fill("Programme 2027");
    await dialog.getByRole("button", { name: "Rename", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/Programme_2027`);
    await page.getByText("“Programme” is now called “Programme 2027”.").waitFor();
    // The old address still works and says where it came from.
    await page.goto(`/w/${SLUG}/Programme`);
    await wikiH1(page, "Programme 2027").waitFor();
    await page.getByText("(Redirected from “Programme”)").waitFor();
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/Programme_2027`);
    // Home links to the meeting notes.
    await page.goto(notesPath);
    await page.getByRole("button", { name: "What links here" }).click();
    await page.locator("#wiki-backlinks-list").getByRole("link", { name: "Home", exact: true }).waitFor();
  });

  it("publishes recent changes (author filter) and a valid Atom feed listing the page", async () => {
    const { page } = admin;
    await page.goto(`/w/${SLUG}/_changes`);
    await page.getByRole("heading", { level: 1, name: "Recent changes" }).waitFor();
    await page.locator(".wiki-change", { hasText: NOTES }).first().waitFor();
    await page.getByLabel("Author").fill("Bob Martin");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator(".wiki-change", { hasText: "decision about posters" }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll(".wiki-change")].every((li) => li.textContent.includes("Bob Martin")));

    const href = await page.locator("a.wiki-feed-link").getAttribute("href");
    assert.equal(href, `/api/v1/wikis/${SLUG}/feed.atom`);
    const res = await page.request.get(href);
    assert.equal(res.status(), 200);
    assert.match(res.headers()["content-type"], /^application\/atom\+xml/);
    const xml = await res.text();
    const feed = await page.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, "application/xml");
      if (doc.getElementsByTagName("parsererror").length) return { error: doc.getElementsByTagName("parsererror")[0].textContent };
      const ns = "http://www.w3.org/2005/Atom";
      const root = doc.documentElement;
      const one = (el, name) => el.getElementsByTagNameNS(ns, name)[0]?.textContent ?? null;
      return {
        root: root.localName,
        ns: root.namespaceURI,
        title: one(root, "title"),
        id: one(root, "id"),
        updated: one(root, "updated"),
        entries: [...root.getElementsByTagNameNS(ns, "entry")].map((e) => ({
          title: one(e, "title"),
          id: one(e, "id"),
          updated: one(e, "updated"),
          link: e.getElementsByTagNameNS(ns, "link")[0]?.getAttribute("href") ?? null,
        })),
      };
    }, xml);
    assert.equal(feed.error, undefined, `the feed is well-formed XML: ${feed.error}`);
    assert.equal(feed.root, "feed");
    assert.equal(feed.ns, "http://www.w3.org/2005/Atom");
    assert.equal(feed.title, "Fête du quartier");
    assert.ok(feed.id && feed.updated && !Number.isNaN(Date.parse(feed.updated)));
    assert.ok(feed.entries.length > 0);
    for (const e of feed.entries) assert.ok(e.title && e.id && e.updated && e.link, JSON.stringify(e));
    const entry = feed.entries.find((e) => e.title.includes(NOTES));
    assert.ok(entry, "the feed lists the page");
    assert.match(new URL(entry.link).pathname, /^\/w\/fete-du-quartier\/Meeting_notes$/);
  });

  it("a page on a phone (390×844): the menu collapses, nothing scrolls sideways", async () => {
    const phone = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const { page } = phone;
    await page.goto(notesPath);
    await wikiH1(page, NOTES).waitFor();
    const toggle = page.getByRole("button", { name: "Wiki menu" });
    await toggle.waitFor();
    assert.equal(await page.locator("#wiki-nav").isVisible(), false, "the menu is collapsed");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await noHorizontalOverflow(page);
    await page.screenshot({ path: join(ARTIFACTS, "wiki-phone.png"), fullPage: true });
    await toggle.click();
    await page.locator("#wiki-nav").waitFor({ state: "visible" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    await noHorizontalOverflow(page);
    await page.screenshot({ path: join(ARTIFACTS, "wiki-phone-menu.png"), fullPage: true });
    await page.locator("#wiki-nav").getByRole("link", { name: "Practical information", exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/w/${SLUG}/Practical_information`);
    await wikiH1(page, "Practical information").waitFor();
    await page.locator("#wiki-nav").waitFor({ state: "hidden" });
    await noHorizontalOverflow(page);
    // The history and its diff stay within the screen (inline only).
    await page.goto(`${notesPath}/history?from=1&to=5`);
    await page.locator("#wiki-diff .wiki-diff-inline").waitFor();
    assert.equal(await page.getByRole("button", { name: "Side by side" }).count(), 0);
    await noHorizontalOverflow(page);
    await page.screenshot({ path: join(ARTIFACTS, "wiki-phone-diff.png"), fullPage: true });
    await noCspViolation(page);
    await closeContext(phone);
  });

  it("comments, watching a page and the notifications of its changes", async () => {
    const { page } = admin;
    await page.goto(notesPath);
    const comments = page.locator("#comments");
    await comments.getByText("No comment yet.").waitFor();
    await comments.getByLabel("Add a comment").fill("Who brings the ladder?");
    await comments.getByRole("button", { name: "Send the comment" }).click();
    await comments.locator(".wiki-comment", { hasText: "Who brings the ladder?" }).waitFor();
    await bob.page.goto(notesPath);
    await bob.page.locator("#comments .wiki-comment", { hasText: "Who brings the ladder?" }).waitFor();
    // Bob may not delete the admin's comment; the admin may.
    assert.equal(await bob.page.locator("#comments .wiki-comment").getByRole("button").count(), 0);
    await comments.locator(".wiki-comment").getByRole("button", { name: /^Delete the comment of / }).click();
    await confirmDialog(page, "Delete");
    await comments.getByText("No comment yet.").waitFor();

    // The admin watches the page; Bob's next edit becomes a notification.
    await page.getByRole("button", { name: "Watch", exact: true }).click();
    await page.getByRole("button", { name: "Unwatch", exact: true }).waitFor();
    const before = await pageJson(bob.page, NOTES);
    const saved = await apiCall(bob.page, "PUT", `/api/v1/wikis/${SLUG}/pages/Meeting_notes`, {
      text: `${before.body.text}\nLadder: Bob.\n`,
      base_rev: before.body.page.rev,
      summary: "ladder",
    });
    assert.equal(saved.status, 200, saved.text);
    await page.goto("/wikis");
    const notif = page.locator("#wiki-notifications .wiki-notif", { hasText: NOTES });
    await notif.waitFor();
    await notif.getByText("Show the changes").click();
    await notif.locator("details[open]", { hasText: "Ladder: Bob." }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "wiki-notifications.png"), fullPage: true });
    await notif.getByRole("button", { name: "Mark as read" }).click();
    await page.locator("#wiki-notifications .wiki-notif.is-unread").waitFor({ state: "detached" });
  });

  it("attachments: upload from the editor, shown in the page and listed in Files", async () => {
    const { page } = admin;
    await page.goto(`${notesPath}/edit`);
    await wikiH1(page, `Editing ${NOTES}`).waitFor();
    const area = page.locator("#wiki-text");
    await area.evaluate((el) => el.setSelectionRange(el.value.length, el.value.length));
    await page.locator(".wiki-tb-attach input[type=file]").setInputFiles({ name: "plan.png", mimeType: "image/png", buffer: PNG });
    await page.waitForFunction(() => document.querySelector("#wiki-text").value.includes(`![plan.png](/w/fete-du-quartier/_files/plan.png)`));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL((u) => u.pathname === notesPath);
    const img = page.locator('.wiki-content img[src="/w/fete-du-quartier/_files/plan.png"]');
    await img.waitFor();
    const file = await page.request.get("/w/fete-du-quartier/_files/plan.png");
    assert.equal(file.status(), 200);
    assert.match(file.headers()["content-type"], /^image\/png/, "the attachment is served as the image it is");
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 1), "the image shows");

    await page.goto(`/w/${SLUG}/_files`);
    await page.locator(".wiki-files-table tr", { hasText: "plan.png" }).waitFor();
    await page.locator(".wiki-upload-btn input[type=file]").setInputFiles({ name: "agenda.txt", mimeType: "text/plain", buffer: Buffer.from("1. budget\n2. posters\n") });
    await page.getByText("agenda.txt uploaded.").waitFor();
    await page.locator(".wiki-files-table tr", { hasText: "agenda.txt" }).getByRole("button", { name: "Delete agenda.txt" }).click();
    await confirmDialog(page, "Delete");
    await page.locator(".wiki-files-table tr", { hasText: "agenda.txt" }).waitFor({ state: "detached" });
  });

  it("settings: colour, members, lock", async () => {
    const { page } = admin;
    await page.goto(`/w/${SLUG}/_settings`);
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    await page.locator("#wiki-general").getByTitle("#2b6cb0").click();
    await page.locator("#wiki-general").getByRole("button", { name: "Save the settings" }).click();
    await page.locator("#wiki-general").getByText("Settings saved.").waitFor();
    await page.waitForFunction(() => getComputedStyle(document.querySelector(".wiki-bar")).backgroundColor === "rgb(43, 108, 176)");

    // Bob becomes an editor.
    await page.locator("#wiki-member-name").fill("bob");
    await page.locator("#wiki-members").getByRole("button", { name: "Add", exact: true }).click();
    await page.locator('#wiki-members li[data-member="bob"]').waitFor();
    await bob.page.goto("/wikis");
    await bob.page.locator(`#my-wikis li[data-wiki="${SLUG}"]`, { hasText: "Editor" }).waitFor();

    // The menu (Markdown) with a preview.
    const menu = page.locator("#wiki-menu-text");
    await menu.fill(`${await menu.inputValue()}- [[${NOTES}]]\n`);
    await page.locator("#wiki-menu-settings").getByRole("button", { name: "Preview" }).click();
    await page.locator(".wiki-menu-preview a.wikilink", { hasText: NOTES }).waitFor();
    await page.locator("#wiki-menu-settings").getByRole("button", { name: "Save the menu" }).click();
    await page.locator("#wiki-nav").getByRole("link", { name: NOTES }).waitFor();

    // The instance admin locks the wiki: read-only, said in the bar.
    await page.getByRole("button", { name: "Lock the wiki" }).click();
    await page.locator(".wiki-bar-badge", { hasText: "Read-only" }).waitFor();
    await bob.page.goto(notesPath);
    await wikiH1(bob.page, NOTES).waitFor();
    assert.equal(await bob.page.getByRole("link", { name: "Edit", exact: true }).count(), 0, "no Edit button on a locked wiki");
    await page.getByRole("button", { name: "Unlock the wiki" }).click();
    await page.locator(".wiki-bar-badge").waitFor({ state: "detached" });
    await page.screenshot({ path: join(ARTIFACTS, "wiki-settings.png"), fullPage: true });
  });

  it("export, import and deletion of a wiki", async () => {
    const { page } = admin;
    await page.goto(`/w/${SLUG}/_settings`);
    const href = await page.locator("#wiki-export a").getAttribute("href");
    assert.equal(href, `/api/v1/wikis/${SLUG}/export.zip`);
    const res = await page.request.get(href);
    assert.equal(res.status(), 200, `export: ${res.status()} ${(await res.text()).slice(0, 200)}`);
    const zip = await res.body();
    assert.equal(zip.subarray(0, 2).toString(), "PK", "a zip archive");

    await page.goto("/wikis/new");
    await page.locator("#wiki-import summary").click();
    await page.locator("#wiki-import").getByLabel("Address").fill("fete-copy");
    await page.locator("#wiki-import").getByLabel(/^Title/).fill("Fête (copy)");
    await page.locator("#wiki-import-file").setInputFiles({ name: `${SLUG}.zip`, mimeType: "application/zip", buffer: zip });
    await page.locator("#wiki-import").getByRole("button", { name: "Import" }).click();
    await page.waitForURL((u) => u.pathname === "/w/fete-copy");
    await page.locator(".wiki-bar-title", { hasText: "Fête (copy)" }).waitFor();
    await page.goto(`/w/fete-copy/Meeting_notes/history`);
    await page.locator('.wiki-rev[data-rev="1"]').waitFor();
    const original = await pageJson(page, NOTES);
    assert.equal(await page.locator(".wiki-rev").count(), original.body.page.rev, "the whole history came along");

    // Deleting asks for the address.
    await page.goto("/w/fete-copy/_settings");
    await page.getByRole("button", { name: "Delete the wiki" }).click();
    const dialog = page.locator("dialog[open]");
    const confirm = dialog.getByRole("button", { name: "Delete for good" });
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel(/Type the wiki's address/).fill("fete-copy");
    await confirm.click();
    await page.waitForURL((u) => u.pathname === "/wikis");
    admin.allowHttpError(/\/api\/v1\/wikis\/fete-copy$/, 404);
    const gone = await page.evaluate(async () => (await fetch("/api/v1/wikis/fete-copy")).status);
    assert.equal(gone, 404);
  });
});
