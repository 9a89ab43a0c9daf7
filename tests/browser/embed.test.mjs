// End-to-end test of embedding: a pad shown in another site's frame. Two tiny sites on other
// origins (http://localhost:PORT: another *site* than the server's 127.0.0.1, so the browser
// treats the frame as third-party, cookies included) each serve a page with an iframe to the pad
// `?embed=1`. The instance lists only the first: there the pad loads without the app's header, a
// guest names themself and types (the WebSocket and the guest cookie work inside the frame);
// the second site's frame is refused by the browser (CSP frame-ancestors).
import assert from "node:assert/strict";
import http from "node:http";
import { after, afterEach, before, describe, it } from "node:test";
import { launchBrowser } from "./lib/browser.mjs";
import { apiCall, closeContext as closeTracked, login, openContext } from "./lib/helpers.mjs";
import { startServer } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const PAD = "wiki-embedded";

let server;
let browser;
const open = new Set();
const sites = [];

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

/** A site of its own serving one page that frames `src`; resolves with its port. */
function startSite(frameSrc) {
  const site = http.createServer((req, res) => {
    if (req.url === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (req.url !== "/") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="fr"><head><title>Le wiki de l'asso</title></head><body>
<h1>Le wiki de l'asso</h1>
<iframe src="${frameSrc()}" title="Pad" width="100%" height="600" frameborder="0"></iframe>
</body></html>`);
  });
  sites.push(site);
  return new Promise((resolve) => site.listen(0, "127.0.0.1", () => resolve(site.address().port)));
}

/** The frame showing the pad, once it has navigated there. */
async function padFrame(page) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const f = page.frames().find((fr) => fr !== page.mainFrame() && fr.url().includes(`/p/${PAD}`));
    if (f) return f;
    if (Date.now() > deadline) throw new Error(`no frame on /p/${PAD}: ${page.frames().map((fr) => fr.url())}`);
    await page.waitForTimeout(100);
  }
}

describe("Embedding", { concurrency: false }, () => {
  let allowedPort;
  let otherPort;

  before(async () => {
    // The sites start first: the instance is told the allowed one's address.
    const src = () => `${server.url}/p/${PAD}?embed=1`;
    allowedPort = await startSite(src);
    otherPort = await startSite(src);
    server = await startServer({
      adminPassword: ADMIN_PASSWORD,
      env: { NICHOIR_INSTANCE_EMBED_ALLOWED_ORIGINS: `http://localhost:${allowedPort}` },
    });
    browser = await launchBrowser();
  });

  afterEach(() => {
    for (const g of open) g.assertClean();
  });

  after(async () => {
    for (const g of open) await g.close().catch(() => {});
    await browser?.close().catch(() => {});
    for (const s of sites) s.close();
    if (server) {
      if (process.env.NICHOIR_TEST_LOG) console.log(server.logs());
      await server.stop();
    }
  });

  it("the pad's share panel offers the iframe and the YesWiki code", async () => {
    const admin = await newContext();
    const { page } = admin;
    await login(page, "admin", ADMIN_PASSWORD);
    const made = await apiCall(page, "POST", "/api/v1/pads", { name: PAD });
    assert.equal(made.status, 201, made.text);
    await page.goto(`/p/${PAD}`);
    await page.getByRole("button", { name: "Share" }).click();
    const html = await page.getByLabel("HTML code (Moodle, WordPress, any site)").inputValue();
    assert.equal(html, `<iframe src="${server.url}/p/${PAD}?embed=1" title="${PAD} on Nichoir" width="100%" height="600" frameborder="0"></iframe>`);
    assert.equal(await page.getByLabel("Code for a YesWiki page").inputValue(), `""${html}""`);
    await page.getByText(`http://localhost:${allowedPort}`).waitFor();
    await closeContext(admin);
  });

  it("a listed site shows the pad alone; a guest names themself and types", async () => {
    const visitor = await newContext({ alsoHosts: [`localhost:${allowedPort}`] });
    const { page } = visitor;
    await page.goto(`http://localhost:${allowedPort}/`);
    const frame = await padFrame(page);
    // The guest gives a name before the pad connects.
    await frame.getByRole("heading", { name: "Your name" }).waitFor({ timeout: 20_000 });
    await frame.getByLabel("Name").fill("Zoé du wiki");
    await frame.getByRole("button", { name: "Continue" }).click();
    await frame.waitForFunction(() => !!window.__padView && !window.__padView.state.readOnly && document.querySelector(".pad-loading") === null, null, { timeout: 20_000 });
    // The tool alone: no header, no footer; a link to the full app, in a new tab.
    assert.equal(await frame.locator(".site-header, .site-footer").count(), 0);
    const full = frame.locator("a.embed-open");
    assert.equal(await full.getAttribute("target"), "_blank");
    assert.equal(await full.getAttribute("rel"), "noopener");
    assert.equal(await full.getAttribute("href"), `${server.url}/p/${PAD}`);
    // Typing goes over the frame's WebSocket, as the frame's guest.
    await frame.locator(".cm-content").click();
    await page.keyboard.type("Bonjour depuis le wiki");
    await frame.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"), null, { timeout: 15_000 });
    const res = await fetch(`${server.url}/api/v1/pads/${PAD}`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).text, "Bonjour depuis le wiki");
    const me = await frame.evaluate(async () => (await (await fetch("/api/v1/guest")).json()).display_name);
    assert.equal(me, "Zoé du wiki", "the frame kept its guest cookie");
    // Back in the frame later: the same guest, not asked again (this Chromium gives third-party
    // frames no localStorage: the name the guest chose says it).
    await page.reload();
    const again = await padFrame(page);
    await again.waitForFunction(() => !!window.__padView && document.querySelector(".pad-loading") === null, null, { timeout: 20_000 }).catch(async (e) => {
      throw new Error(`${e.message}\n${await again.evaluate(() => document.body.innerText).catch((x) => x.message)}`);
    });
    assert.equal(await again.getByRole("heading", { name: "Your name" }).count(), 0);
    await closeContext(visitor);
  });

  it("a site the instance does not list gets no pad: the browser refuses the frame", async () => {
    const visitor = await newContext({ alsoHosts: [`localhost:${otherPort}`] });
    const { page } = visitor;
    // The one console error this page must produce: Chromium's refusal, naming the directive.
    visitor.allowConsoleError(/^Framing '[^']*' violates the following Content Security Policy directive: "frame-ancestors http:\/\/localhost:\d+"\. The request has been blocked\./);
    const refused = page.waitForEvent("console", { predicate: (m) => m.type() === "error" && /frame-ancestors/.test(m.text()), timeout: 20_000 });
    await page.goto(`http://localhost:${otherPort}/`);
    const msg = await refused;
    assert.match(msg.text(), new RegExp(`frame-ancestors http://localhost:${allowedPort}`));
    // Nothing of the app runs in the frame.
    await page.waitForTimeout(500);
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      const app = await f.evaluate(() => !!document.querySelector("#app, .embed-view, .cm-content")).catch(() => false);
      assert.equal(app, false, `the frame shows the app: ${f.url()}`);
    }
    await closeContext(visitor);
  });
});
