// Browser benchmark (issue 19): how long a 1 MB formatted pad takes to show in the Formatted mode,
// from navigation to the first screen drawn with its formatting (headings styled, markup hidden).
// Not a test: it prints figures for BENCHMARKS.md. Run from tests/browser:
//
//   NICHOIR_BIN=../../target/release/nichoir node bench/pad-open.mjs [--runs 7] [--bytes 1000000]
//
// Each run opens the pad in a fresh browser context (nothing cached: the editor chunk is fetched
// and compiled, as on a first visit) and then once more in the same context (cached, as on the
// next visit). Both modes are measured: Formatted (the default) and Markdown.
import { launchBrowser } from "../lib/browser.mjs";
import { login } from "../lib/helpers.mjs";
import { startServer } from "../lib/server.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = opt("runs", 7);
const BYTES = opt("bytes", 1_000_000);
const PASSWORD = "correct horse battery staple 42";

/** About `bytes` of Markdown with every kind of formatting the toolbar makes, in sections. */
export function formattedDocument(bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const section = [
      `## Section ${i}: the *meeting* of the **association**`,
      "",
      `Minutes written by **Ann** and _Bob_, with <u>underlined</u> decisions, ~~struck~~ ideas and \`code ${i}\`.`,
      `See [the previous minutes](/p/minutes-${i}) for the context; nothing here is **final** yet.`,
      "",
      `- Budget line ${i}: **${i * 17} €** for the _garden_`,
      "  - a nested point with a [link](/p/n)",
      `- [ ] call the town hall about item ${i}`,
      `- [x] book the room for item ${i}`,
      `1. first vote (${i})`,
      "2. second vote",
      "",
      `> A quote from the members' letter number ${i}, with **bold** inside it.`,
      "",
      "---",
      "",
    ].join("\n");
    parts.push(section);
    size += section.length;
  }
  return parts.join("");
}

function stats(list) {
  const s = [...list].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { min: s[0], median: at(0.5), p90: at(0.9), max: s[s.length - 1] };
}

/**
 * Milliseconds from navigation start until the editor exists (`view`: the editor chunk fetched and
 * run), until it holds the pad's text (`loaded`: the state came over the socket), and until its
 * first screen is drawn (`drawn`), polled at every frame.
 */
async function openAndTime(page, id, mode, length) {
  await page.evaluate((m) => localStorage.setItem("nichoir.pad.mode", m), mode);
  await page.goto(`/p/${encodeURIComponent(id)}`);
  const handle = await page.waitForFunction(
    ([length, mode]) => {
      const t = (window.__benchTimes ??= {});
      const v = window.__padView;
      if (!v) return null;
      t.view ??= performance.now();
      if (v.state.doc.length !== length) return null;
      t.loaded ??= performance.now();
      // Drawn: the second heading is on screen and, in the Formatted mode, shown as formatting
      // (its `## ` hidden, links drawn as links); the caret's line, the first, keeps its markup.
      const lines = [...v.contentDOM.querySelectorAll(".cm-line")];
      const heading = lines.find((l) => l.textContent.includes("Section 1:"));
      if (!heading) return null;
      if (mode === "formatted" && (heading.textContent.startsWith("##") || !v.contentDOM.querySelector(".pad-rich-link"))) return null;
      return { ...t, drawn: performance.now() };
    },
    [length, mode],
    { polling: "raf", timeout: 60_000 },
  );
  return handle.jsonValue();
}

const server = await startServer({ adminPassword: PASSWORD });
let browser;
try {
  // Inside the try: a browser that fails to start must not leave the server running.
  browser = await launchBrowser();
  const text = formattedDocument(BYTES);
  const setup = await browser.newContext({ baseURL: server.url });
  const page = await setup.newPage();
  await login(page, "admin", PASSWORD);
  const id = await page.evaluate(async (text) => {
    const me = await (await fetch("/api/v1/me")).json();
    const headers = { "X-CSRF-Token": me.csrf_token };
    const created = await (
      await fetch("/api/v1/pads", { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: "{}" })
    ).json();
    const id = created.pad.id;
    const res = await fetch(`/api/v1/pads/${encodeURIComponent(id)}/import?format=md`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "text/markdown" },
      body: text,
    });
    if (!res.ok) throw new Error(`import: ${res.status} ${await res.text()}`);
    return id;
  }, text);
  const storage = await setup.storageState();
  await setup.close();
  // The server keeps the text as stored: measure against its length in UTF-16 units, as the editor.
  const length = text.length;

  const results = {};
  for (const mode of ["formatted", "markdown"]) {
    const cold = [];
    const warm = [];
    for (let r = 0; r < RUNS; r++) {
      const ctx = await browser.newContext({ baseURL: server.url, storageState: storage, viewport: { width: 1280, height: 860 } });
      const p = await ctx.newPage();
      await p.goto("/");
      cold.push(await openAndTime(p, id, mode, length));
      warm.push(await openAndTime(p, id, mode, length));
      await ctx.close();
    }
    results[mode] = { cold, warm };
  }
  const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));
  console.log(`pad of ${text.length} characters (${Buffer.byteLength(text)} bytes), ${RUNS} runs per mode, ms from navigation start`);
  for (const [mode, r] of Object.entries(results)) {
    for (const [visit, list] of [["first visit", r.cold], ["next visit", r.warm]]) {
      for (const phase of ["view", "loaded", "drawn"]) {
        console.log(`${mode.padEnd(9)} ${visit.padEnd(11)} ${phase.padEnd(6)} ${JSON.stringify(round(stats(list.map((x) => x[phase]))))}`);
      }
    }
  }
} finally {
  await browser?.close();
  await server.stop();
}
