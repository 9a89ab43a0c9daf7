// Browser benchmark (issue 18, "Speed on a phone"): Lighthouse, mobile preset with its default
// (simulated) throttling, on each kind of page of the app filled with real content. Not a test: it
// prints figures for BENCHMARKS.md. Run from tests/browser against a release build:
//
//   NICHOIR_BIN=../../target/release/nichoir node bench/lighthouse.mjs [--runs 3] [--only pad,chat] [--details]
//
// A fresh server (temp data dir, an admin) is filled through the API as the a11y suite does: a pad
// with formatted text and a comment, a poll with votes, a chat channel with messages, a wiki with
// pages. Two Chromium profiles: one where the admin signed in through the form (the session cookie
// and the app's "signed in" mark in localStorage, which Lighthouse's reset leaves alone: it clears
// the HTTP cache, service workers and cache storage, so every run is a first load), one for guests.
// Per page the median run by performance score is printed: performance, accessibility, CLS, LCP,
// TBT (and the CLS of every run: shifts depend on the order answers arrive in); `--details` adds
// the failed accessibility audits, the elements that shifted and what held the first paint back,
// `--requests` the page's requests with their times.
// Lighthouse's scores count the main thread's time: on a machine busy with builds they drop, so the
// load average is printed with them.
import { launch } from "chrome-launcher";
import lighthouse from "lighthouse";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { launchBrowser, CHROMIUM_PATH } from "../lib/browser.mjs";
import { apiCall, login } from "../lib/helpers.mjs";
import { startServer } from "../lib/server.mjs";

const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(arg("runs") ?? 3);
const ONLY = arg("only")?.split(",");
const DETAILS = args.includes("--details");
const REQUESTS = args.includes("--requests");
const PASSWORD = "correct horse battery staple 42";
const PAD = "meeting-notes";
const TEAM = "club";
const CHANNEL = "general";
const WIKI = "handbook";

/** Minutes of a meeting, a few screens of Markdown with the marks the toolbar makes. */
function minutes() {
  const parts = ["# Meeting of the association", ""];
  for (let i = 1; i <= 12; i++) {
    parts.push(
      `## Item ${i}: the *garden* budget`,
      "",
      `Notes by **Ann** and _Bob_: ${i * 17} € asked, see [the previous minutes](/p/minutes-${i}).`,
      "",
      `- [ ] call the town hall about item ${i}`,
      `- [x] book the room`,
      "",
      `> A member's letter about item ${i}, read aloud.`,
      "",
    );
  }
  return parts.join("\n");
}

async function must(res, what) {
  if (res.status < 200 || res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res.body;
}

/** Fills every tool from a signed-in admin's page; returns the poll's id. */
export async function seed(page) {
  const pad = await must(await apiCall(page, "POST", "/api/v1/pads", { name: PAD }), "create pad");
  const imported = await page.evaluate(
    async ([id, text]) => {
      const me = await (await fetch("/api/v1/me")).json();
      const res = await fetch(`/api/v1/pads/${encodeURIComponent(id)}/import?format=md`, {
        method: "POST",
        headers: { "X-CSRF-Token": me.csrf_token, "Content-Type": "text/markdown" },
        body: text,
      });
      return { status: res.status, text: await res.text() };
    },
    [pad.pad?.id ?? PAD, minutes()],
  );
  if (imported.status >= 300) throw new Error(`import: ${imported.status} ${imported.text}`);
  const now = await must(await apiCall(page, "GET", `/api/v1/pads/${PAD}`), "get pad");
  const at = now.text.indexOf("Meeting of the association");
  await must(
    await apiCall(page, "POST", `/api/v1/pads/${PAD}/comments`, { start: at, end: at + 7, rev: now.pad.rev, text: "Which **meeting**?" }),
    "comment",
  );
  for (let i = 0; i < 3; i++) await must(await apiCall(page, "POST", "/api/v1/pads", { name: `notes-${i}` }), "more pads");

  const poll = await must(
    await apiCall(page, "POST", "/api/v1/polls", {
      kind: "classic",
      title: "Where do we meet?",
      description: "Pick **every** place that suits you.",
      author_name: "Admin",
      options: [{ label: "The library" }, { label: "The café" }, { label: "The town hall" }, { label: "The garden" }],
    }),
    "create poll",
  );
  const pollId = poll.poll.id;
  const view = await must(await apiCall(page, "GET", `/api/v1/polls/${pollId}`), "get poll");
  const names = ["Admin", "Ann", "Bob", "Chloé", "Dan", "Eve"];
  for (const [n, name] of names.entries()) {
    await must(
      await apiCall(page, "POST", `/api/v1/polls/${pollId}/votes`, {
        name,
        answers: Object.fromEntries(view.options.map((o, i) => [String(o.id), ["yes", "maybe", "no"][(i + n) % 3]])),
      }),
      "vote",
    );
  }

  await must(await apiCall(page, "POST", "/api/v1/chat/teams", { name: TEAM, display_name: "Club" }), "team");
  const channels = await must(await apiCall(page, "GET", `/api/v1/chat/teams/${TEAM}/channels`), "channels");
  let channel = (Array.isArray(channels) ? channels : channels?.channels ?? []).find((c) => c.name === CHANNEL);
  channel ??= await must(
    await apiCall(page, "POST", `/api/v1/chat/teams/${TEAM}/channels`, { name: CHANNEL, display_name: "General", kind: "public" }),
    "channel",
  );
  for (let i = 1; i <= 30; i++) {
    await must(
      await apiCall(page, "POST", `/api/v1/chat/channels/${channel.id}/posts`, {
        text: i % 5 === 0 ? `**Meeting** on Friday, see the [notes](/p/${PAD}) (message ${i}).` : `Message number ${i} about the garden and the budget.`,
      }),
      "post",
    );
  }

  await must(await apiCall(page, "POST", "/api/v1/wikis", { slug: WIKI, title: "Handbook", template: "association", lang: "en" }), "wiki");
  const r = await apiCall(page, "PUT", `/api/v1/wikis/${WIKI}/pages/Welcome`, {
    text: "# Welcome\n\nThe **handbook** of the association.\n\n## Contents\n\n- [[Members]]\n- [[Missing page]]\n- [a link](https://example.org)\n\n" +
      Array.from({ length: 8 }, (_, i) => `## Part ${i + 1}\n\nWhat the association does in part ${i + 1}, with *emphasis* and a [[Members|link]].\n`).join("\n"),
    base_rev: null,
  });
  await must(r, "wiki page");
  return pollId;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The pages measured, signed in or as a guest. */
export const pagesOf = (pollId) => [
  { name: "home", path: "/", signedIn: true },
  { name: "about", path: "/about", signedIn: true },
  { name: "pads list", path: "/pads", signedIn: true },
  { name: "polls list", path: "/polls", signedIn: true },
  { name: "poll (guest)", path: `/poll/${pollId}`, signedIn: false },
  { name: "pad", path: `/p/${PAD}`, signedIn: true },
  { name: "chat channel", path: `/chat/${TEAM}/${CHANNEL}`, signedIn: true },
  { name: "wiki page", path: `/w/${WIKI}/Welcome`, signedIn: true },
  { name: "sign-in", path: "/login", signedIn: false },
];

async function main() {
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const server = await startServer({ adminPassword: PASSWORD });
  const chromes = [];
  /** A Chromium for Lighthouse; `signIn`: the admin signs in once through the form in its profile. */
  async function lighthouseChrome(signIn) {
    const chrome = await launch({
      chromePath: CHROMIUM_PATH,
      chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    });
    chromes.push(chrome);
    if (signIn) {
      const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
      const page = await cdp.contexts()[0].newPage();
      await page.goto(`${server.url}/login`);
      await page.locator("input[name=username]").fill("admin");
      await page.locator("input[name=password]").fill(PASSWORD);
      await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.locator("form button[type=submit]").click()]);
      await page.close();
      await cdp.close();
    }
    return chrome;
  }

  try {
    const browser = await launchBrowser();
    const ctx = await browser.newContext({ baseURL: server.url });
    const page = await ctx.newPage();
    await login(page, "admin", PASSWORD);
    const pollId = await seed(page);
    await browser.close();

    const pages = pagesOf(pollId).filter((p) => !ONLY || ONLY.some((o) => p.name.startsWith(o)));

    const member = await lighthouseChrome(true);
    const guest = await lighthouseChrome(false);
    const rows = [];
    for (const p of pages) {
      const runs = [];
      for (let r = 0; r < RUNS; r++) {
        let lhr;
        // Lighthouse now and then fails to record the trace (NO_NAVSTART): such a run is made again.
        for (let attempt = 1; ; attempt++) {
          const result = await lighthouse(`${server.url}${p.path}`, {
            port: (p.signedIn ? member : guest).port,
            output: "json",
            logLevel: "error",
            onlyCategories: ["performance", "accessibility"],
          });
          lhr = result.lhr;
          if (!lhr.runtimeError) break;
          if (attempt === 3) throw new Error(`${p.name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
          console.error(`${p.name}: ${lhr.runtimeError.code}, once more`);
        }
        // A signed-in page that sent to the sign-in form would measure the wrong page.
        const landed = new URL(lhr.finalDisplayedUrl).pathname;
        if (landed !== p.path) throw new Error(`${p.name}: asked for ${p.path}, landed on ${landed}`);
        runs.push(lhr);
      }
      const perf = (l) => l.categories.performance.score;
      const lhr = runs.find((l) => perf(l) === median(runs.map(perf)));
      const a = lhr.audits;
      const row = {
        page: p.name,
        performance: Math.round(perf(lhr) * 100),
        accessibility: Math.round(lhr.categories.accessibility.score * 100),
        cls: Number(a["cumulative-layout-shift"].numericValue.toFixed(3)),
        lcp_ms: Math.round(a["largest-contentful-paint"].numericValue),
        tbt_ms: Math.round(a["total-blocking-time"].numericValue),
        fcp_ms: Math.round(a["first-contentful-paint"].numericValue),
        perf_runs: runs.map((l) => Math.round(perf(l) * 100)),
        // The shifts depend on the order in which answers arrive: the worst run says more than the median.
        cls_runs: runs.map((l) => Number(l.audits["cumulative-layout-shift"].numericValue.toFixed(3))),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
      if (REQUESTS) {
      // The page's requests as they went (not as simulated): what waits for what.
      for (const it of a["network-requests"].details.items) {
        console.log(`  ${Math.round(it.networkRequestTime)}-${Math.round(it.networkEndTime)} ms ${it.transferSize} B ${it.url.replace(server.url, "")}`);
      }
    }
    if (DETAILS) {
        for (const ref of lhr.categories.accessibility.auditRefs) {
          const audit = a[ref.id];
          if (audit.score !== null && audit.score < 1 && ref.weight > 0) {
            const items = (audit.details?.items ?? []).map((it) => it.node?.selector ?? it.node?.snippet ?? "").slice(0, 5);
            console.log(`  a11y ${ref.id}: ${audit.title} ${JSON.stringify(items)}`);
          }
        }
        for (const it of a["layout-shifts"]?.details?.items ?? []) {
          console.log(`  shift ${it.score?.toFixed?.(3)}: ${it.node?.selector ?? ""} ${it.node?.snippet ?? ""}`);
        }
        for (const id of ["render-blocking-resources", "largest-contentful-paint-element", "unused-javascript", "font-display"]) {
          const audit = a[id];
          if (!audit || audit.score === 1 || audit.score === null) continue;
          const items = (audit.details?.items ?? []).flatMap((it) => (it.items ? it.items : [it]));
          console.log(`  ${id}: ${audit.displayValue ?? ""} ${JSON.stringify(items.map((it) => it.url ?? it.node?.selector ?? it.phase ?? "").slice(0, 4))}`);
        }
      }
    }
    console.log("\n| page | performance | accessibility | CLS | CLS, worst run | LCP (ms) | TBT (ms) |\n|---|---|---|---|---|---|---|");
    for (const r of rows) console.log(`| ${r.page} | ${r.performance} | ${r.accessibility} | ${r.cls} | ${Math.max(...r.cls_runs)} | ${r.lcp_ms} | ${r.tbt_ms} |`);
    console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  } finally {
    for (const c of chromes) c.kill();
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
