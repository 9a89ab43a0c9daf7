// Chromium via playwright-core (never downloads a browser) plus the guards every test relies on:
// any console error, uncaught page error, or request to a host other than the server fails the test.
import { chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

/** Launches Chromium; `extraArgs` adds switches (e.g. the fake camera and microphone of the video tests). */
export function launchBrowser({ extraArgs = [] } = {}) {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/**
 * A browser context bound to the server, with guards.
 * @returns {Promise<{ context: import("playwright-core").BrowserContext, page: import("playwright-core").Page, problems: string[], assertClean: () => void, close: () => Promise<void> }>}
 */
export async function guardedContext(browser, server, options = {}) {
  // `alsoHosts`: hosts the test means the browser to visit too (the organisation's sign-in provider).
  const { alsoHosts = [], ...contextOptions } = options;
  const context = await browser.newContext({
    baseURL: server.url,
    locale: "en-US",
    colorScheme: "light",
    viewport: { width: 1280, height: 860 },
    ...contextOptions,
  });
  const problems = [];
  // Chromium logs "Failed to load resource: … status of 404" as a console error for any HTTP error
  // answer. A test that deliberately provokes one declares it; every other one fails the test.
  const allowed = [];
  // Console lines a test expects as a consequence of what it does to the browser (a network cut).
  const allowedText = [];
  const isAllowed = (msg) => {
    if (allowedText.some((re) => re.test(msg.text()))) return true;
    const m = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(msg.text());
    const url = msg.location()?.url ?? "";
    return !!m && allowed.some((a) => a.status === Number(m[1]) && a.url.test(url));
  };
  context.on("request", (req) => {
    const u = new URL(req.url());
    if (u.protocol === "data:" || u.protocol === "blob:") return;
    if (u.host !== server.host && !alsoHosts.includes(u.host)) problems.push(`request to another host: ${req.method()} ${req.url()}`);
  });
  const watched = new WeakSet();
  const watch = (page) => {
    if (watched.has(page)) return;
    watched.add(page);
    page.on("console", (msg) => {
      if (msg.type() === "error" && !isAllowed(msg)) {
        const loc = msg.location();
        problems.push(`console error on ${page.url()}: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ""}`);
      }
    });
    page.on("pageerror", (err) => problems.push(`uncaught error on ${page.url()}: ${err.stack || err.message}`));
  };
  context.on("page", watch);
  const page = await context.newPage();
  watch(page);
  return {
    context,
    page,
    problems,
    /** Declares an expected HTTP error answer (URL pattern + status) so its console line is not a failure. */
    allowHttpError(url, status) {
      allowed.push({ url, status });
    },
    /**
     * Declares that the test takes the network away (context.setOffline): the browser's own
     * "Failed to load resource: net::ERR_INTERNET_DISCONNECTED" lines are then expected.
     */
    allowOfflineErrors() {
      allowedText.push(/^Failed to load resource: net::ERR_INTERNET_DISCONNECTED/);
    },
    /**
     * Declares one console error the test provokes on purpose (a pattern as narrow as the message
     * allows: the browser refusing a frame, logged by the page that asked for it).
     */
    allowConsoleError(re) {
      allowedText.push(re);
    },
    assertClean() {
      if (problems.length) {
        const list = problems.splice(0, problems.length);
        throw new Error(`browser problems:\n - ${list.join("\n - ")}`);
      }
    },
    close: () => context.close(),
  };
}
