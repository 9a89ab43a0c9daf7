// Helpers shared by the browser test files: guarded contexts tracked in a set (so that afterEach can
// check them and after can close them), signing in, and page-level assertions.
import assert from "node:assert/strict";
import { guardedContext } from "./browser.mjs";

/** Records every CSP violation of the context's pages in `window.__cspViolations` (see noCspViolation). */
export async function recordCspViolations(context) {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || ""} ${e.sample || ""} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

/**
 * A guarded context added to `open`; with `csp` (the default), CSP violations are recorded too
 * (Chromium also logs them as console errors, which fail the test).
 */
export async function openContext(open, browser, server, options, { csp = true } = {}) {
  const g = await guardedContext(browser, server, options);
  if (csp) await recordCspViolations(g.context);
  open.add(g);
  return g;
}

/** Removes a context from `open`, checks it had no problem, and closes it. */
export async function closeContext(open, g) {
  open.delete(g);
  g.assertClean();
  await g.close();
}

export async function login(page, username, password) {
  await page.goto("/login");
  await page.locator("input[name=username]").fill(username);
  await page.locator("input[name=password]").fill(password);
  await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.locator("form button[type=submit]").click()]);
}

export async function noCspViolation(page) {
  const v = await page.evaluate(() => window.__cspViolations ?? []);
  assert.deepEqual(v, [], `CSP violations on ${page.url()}`);
}

export async function noHorizontalOverflow(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `horizontal overflow on ${page.url()}: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
}

/** An API call from the page with the session's CSRF token (as the UI does). */
export async function apiCall(page, method, path, body) {
  return page.evaluate(
    async ([method, path, body]) => {
      const me = await (await fetch("/api/v1/me")).json();
      const res = await fetch(path, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf_token },
        body: body === null ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: res.status, body: json, text };
    },
    [method, path, body ?? null],
  );
}
