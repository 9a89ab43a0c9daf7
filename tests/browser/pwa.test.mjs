// Nichoir as an installable app: the web app manifest (the instance's name, icons, the five tools
// as shortcuts), the service worker taking over and caching this build's shell, and, without the
// network, an honest offline page instead of the browser's error.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { guardedContext, launchBrowser } from "./lib/browser.mjs";
import { startServer } from "./lib/server.mjs";

let server;
let browser;

describe("Nichoir as an installable app", { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ adminPassword: "correct horse battery staple 42", env: { NICHOIR_INSTANCE_NAME: "Asso des Lilas" } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("serves a manifest with the instance's name, real icons and the five tools", async () => {
    const res = await fetch(`${server.url}/manifest.webmanifest`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/manifest\+json/);
    const m = await res.json();
    assert.equal(m.name, "Asso des Lilas");
    assert.equal(m.display, "standalone");
    assert.equal(m.start_url, "/");
    assert.deepEqual(
      m.shortcuts.map((s) => s.url),
      ["/pads", "/polls", "/chat", "/video", "/wikis"],
    );
    for (const icon of m.icons) {
      const r = await fetch(new URL(icon.src, server.url));
      assert.equal(r.status, 200, icon.src);
      assert.equal(r.headers.get("content-type"), icon.type, icon.src);
    }
    assert.ok(m.icons.some((i) => i.sizes === "512x512" && i.purpose === "maskable"), "a maskable icon for Android");
    const html = await (await fetch(`${server.url}/login`)).text();
    assert.match(html, /<link rel="manifest" href="\/manifest.webmanifest">/);
    assert.match(html, /apple-touch-icon/);
  });

  it("the service worker takes over; offline, the page says so honestly; back online, the app", async () => {
    const g = await guardedContext(browser, server);
    const { page, context } = g;
    await page.goto("/login");
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    // The worker cached this build's shell.
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith("nichoir-")));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    for (const path of [/^\/assets\/app-[A-Z0-9]{8}\.js$/, /^\/assets\/app-[A-Z0-9]{8}\.css$/, /^\/assets\/offline\.html$/, /^\/assets\/icons\/icon-192\.png$/]) {
      assert.ok(cached.some((p) => path.test(p)), `${path} in ${cached}`);
    }
    // Only what the app uses: not the server's compressed copies.
    assert.ok(!cached.some((p) => /\.(br|gz)$/.test(p)), `${cached}`);

    g.allowOfflineErrors();
    await context.setOffline(true);
    await page.goto("/pads");
    await page.getByRole("heading", { name: "You are offline" }).waitFor();
    await page.getByRole("heading", { name: "Vous êtes hors ligne" }).waitFor();
    // Styled by the cached stylesheet, not a bare page.
    assert.notEqual(await page.locator(".offline-card").evaluate((e) => getComputedStyle(e).display), "inline");

    await context.setOffline(false);
    await page.getByRole("link", { name: "Try again · Réessayer" }).click();
    await page.locator("input[name=username]").waitFor();
    g.assertClean();
    await g.close();
  });
});
