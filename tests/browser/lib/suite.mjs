// One server and one browser for a `describe` block: started before its tests, every open
// context checked for problems (console errors, requests to other hosts) after each test, all
// closed at the end. NICHOIR_TEST_LOG=1 prints the server's log when the block ends.
import { after, afterEach, before } from "node:test";
import { launchBrowser } from "./browser.mjs";
import { startServer } from "./server.mjs";

/**
 * @param {{ adminPassword?: string, env?: Record<string,string>, browserArgs?: string[] }} opts
 * @param {(server: Awaited<ReturnType<typeof startServer>>, browser: import("playwright-core").Browser) => void | Promise<void>} started
 *   takes them (and may prepare more, awaited before the first test)
 * @param {Set<{ assertClean: () => void, close: () => Promise<void> }>} open  the test file's open contexts
 */
export function serverPerSuite(opts, started, open) {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ adminPassword: opts.adminPassword, env: opts.env });
    browser = await launchBrowser({ extraArgs: opts.browserArgs ?? [] });
    await started(server, browser);
  });

  afterEach(() => {
    for (const g of open) g.assertClean();
  });

  after(async () => {
    for (const g of open) await g.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (server) {
      if (process.env.NICHOIR_TEST_LOG) console.log(server.logs());
      await server.stop();
    }
  });
}
