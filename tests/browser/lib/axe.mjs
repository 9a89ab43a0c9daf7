// Accessibility checks with axe-core, run inside the page under test. axe's source is read from
// node_modules and injected as an inline script, so the guard against requests to other hosts
// (browser.mjs) still holds and no CDN is involved.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let source = null;

async function axeSource() {
  source ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  return source;
}

/** The WCAG 2.1 A and AA rules: what issue 18 commits to, not axe's best-practice extras. */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * Runs axe on the page as it is now and returns its violations: rule id, impact, help and each
 * node with its target selectors, HTML and failure summary. `context` narrows the check (axe's
 * include/exclude); leave it out to check the whole document.
 */
export async function axeViolations(page, { context } = {}) {
  // Not page.addScriptTag({ content }): the app's CSP (script-src 'self') refuses an inline
  // <script>, which logs a console error and fails the guard. Evaluating the source over the
  // DevTools protocol runs it in the page's main world without a <script> element, so CSP does not
  // apply and the app's own policy stays on for everything else.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(await axeSource());
  }
  return page.evaluate(
    async ([tags, ctx]) => {
      const result = await window.axe.run(ctx ?? document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations"],
      });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary, html: n.html })),
      }));
    },
    [WCAG_TAGS, context ?? null],
  );
}

/** Violations as lines fit for an assertion message: rule, impact, help, then each node. */
export function formatViolations(violations, where = "") {
  if (!violations.length) return "";
  const lines = [];
  for (const v of violations) {
    lines.push(`${where ? `${where}: ` : ""}[${v.id}] (${v.impact}) ${v.help} — ${v.nodes.length} node(s)`);
    for (const n of v.nodes) {
      lines.push(`    at ${n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)).join(" , ")}`);
      lines.push(`       ${n.html.replace(/\s+/g, " ").slice(0, 200)}`);
      for (const s of (n.summary ?? "").split("\n")) if (s.trim()) lines.push(`       ${s.trim()}`);
    }
  }
  return lines.join("\n");
}
