// End-to-end: a wiki's admin opens a public wiki to search engines from its settings (English),
// robots.txt then lists it; a wiki made members-only cannot stay open (the box is off and
// disabled); the French settings say the same; the About page links the source of this version.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { apiCall, closeContext as closeTracked, login, noCspViolation, openContext } from "./lib/helpers.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const SLUG = "jardin-partage";

let server;
let browser;
const open = new Set();
const closeContext = (g) => closeTracked(open, g);

async function robots(page) {
  // robots.txt may be kept ten minutes: ask the server each time.
  return page.evaluate(async () => (await fetch("/robots.txt", { cache: "no-store" })).text());
}

describe("Wikis and search engines", { concurrency: false }, () => {
  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, async (s, b) => {
    [server, browser] = [s, b];
  }, open);

  it("the admin opens a public wiki to search engines, and it closes when no longer public", async () => {
    const g = await openContext(open, browser, server);
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    const created = await apiCall(page, "POST", "/api/v1/wikis", { slug: SLUG, title: "Jardin partagé" });
    assert.equal(created.status, 201, created.text);
    assert.ok(!(await robots(page)).includes(`/w/${SLUG}/`));

    await page.goto(`/w/${SLUG}/_settings`);
    const general = page.locator("#wiki-general");
    const box = general.getByRole("checkbox", { name: /Let search engines index this wiki/ });
    await box.waitFor();
    assert.equal(await box.isChecked(), false, "off by default");
    await general.getByText("Its pages may then appear in Google, Bing and other search results.", { exact: false }).waitFor();
    await box.check();
    await general.getByRole("button", { name: "Save the settings" }).click();
    await general.getByText("Settings saved.").waitFor();
    assert.ok((await robots(page)).split("\n").includes(`Allow: /w/${SLUG}/`));

    // Members only: the box goes off and cannot be ticked; saving closes the wiki.
    await general.getByRole("radio", { name: /^Members of this instance/ }).check();
    assert.equal(await box.isChecked(), false);
    assert.equal(await box.isDisabled(), true);
    await general.getByText("Only a public wiki can be open to search engines.").waitFor();
    await general.getByRole("button", { name: "Save the settings" }).click();
    await general.getByText("Settings saved.").waitFor();
    assert.ok(!(await robots(page)).includes(`/w/${SLUG}/`));
    const wiki = await apiCall(page, "GET", `/api/v1/wikis/${SLUG}`);
    assert.equal(wiki.body.search_indexable, false);
    await noCspViolation(page);
    await closeContext(g);
  });

  it("in French, the setting and the source link read in French", async () => {
    const g = await openContext(open, browser, server, { locale: "fr-FR" });
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);
    await apiCall(page, "PATCH", `/api/v1/wikis/${SLUG}`, { visibility: "public" });
    await page.goto(`/w/${SLUG}/_settings`);
    const box = page.locator("#wiki-general").getByRole("checkbox", { name: /Laisser les moteurs de recherche indexer ce wiki/ });
    await box.waitFor();
    assert.equal(await box.isChecked(), false, "public again, but not reopened unasked");
    assert.equal(await box.isDisabled(), false);

    await page.goto("/about");
    const link = page.getByRole("link", { name: /^nichoir-.*\.tar\.gz$/ });
    await link.waitFor();
    assert.equal(await link.getAttribute("href"), "/source.tar.gz");
    await page.getByText("Code source de cette version précise", { exact: false }).waitFor();
    const head = await page.evaluate(async () => {
      const r = await fetch("/source.tar.gz");
      return { status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition") };
    });
    assert.equal(head.status, 200);
    assert.equal(head.type, "application/gzip");
    assert.match(head.disposition, /^attachment; filename="nichoir-[^"]+\.tar\.gz"$/);
    await closeContext(g);
  });
});
