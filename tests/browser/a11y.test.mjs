// Accessibility (issue 18): axe-core's WCAG 2.1 A/AA rules find no violation on any page of the
// app, in the light and the dark theme, with real content on the pages (a pad with Markdown marks
// and author colours, a poll, a chat channel with a message, a wiki page).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { axeViolations, formatViolations } from "./lib/axe.mjs";
import { apiCall, closeContext as closeTracked, login, openContext } from "./lib/helpers.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const PAD = "a11y-notes";
const TEAM = "club";
const CHANNEL = "general";
const WIKI = "handbook";

let server;
let browser;
const open = new Set();
/** Filled by the first test: the poll's id. */
let pollId;

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

/** A context in one theme: the system preference and the stored choice (theme.ts) agree. */
async function themedContext(theme) {
  const g = await newContext({ colorScheme: theme, reducedMotion: "reduce" });
  await g.context.addInitScript((t) => localStorage.setItem("nichoir.theme", t), theme);
  return g;
}

/** Waits until the page shows `ready`, the web fonts are in and the theme is the one asked for. */
async function settle(page, ready, theme) {
  await page.locator(ready).first().waitFor();
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  // Transitions on colours (hover, theme) would let axe read a colour half-way.
  await page.waitForTimeout(300);
}

/** Every page of the app with what shows that it has rendered its content. */
function pages() {
  return [
    { name: "home", path: "/", ready: 'a.tool-card[href="/pads"]' },
    { name: "pads", path: "/pads", ready: "#my-pads a" },
    { name: "pad", path: `/p/${PAD}`, ready: ".cm-content .cm-line", after: showAuthors },
    { name: "polls", path: "/polls", ready: "main h1" },
    { name: "poll", path: () => `/poll/${pollId}`, ready: "main h1" },
    { name: "new poll", path: "/poll/new", ready: "main form" },
    { name: "chat channel", path: `/chat/${TEAM}/${CHANNEL}`, ready: ".chat-post" },
    { name: "wikis", path: "/wikis", ready: "main h1" },
    { name: "wiki page", path: `/w/${WIKI}/Welcome`, ready: "main h1" },
    { name: "video", path: "/video", ready: "main h1" },
    { name: "about", path: "/about", ready: ".about-layout" },
    { name: "account", path: "/account", ready: "main form" },
    { name: "admin", path: "/admin", ready: "main h1" },
  ];
}

/** Author colours on, the chat open with the guest's name in their colour, a comment card shown. */
async function showAuthors(page) {
  await page.locator(".pad-comment-card").first().waitFor();
  const toggle = page.getByRole("button", { name: "Author colours" });
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  await page.locator(".pad-show-authors .cm-content [class*=pad-a]").first().waitFor();
  const chat = page.getByRole("button", { name: /^Chat/ });
  if ((await chat.getAttribute("aria-expanded")) !== "true") await chat.click();
  await page.locator("#pad-chat .pad-chat-name").first().waitFor();
}

async function checkAll(theme) {
  const g = await themedContext(theme);
  const { page } = g;
  await login(page, "admin", ADMIN_PASSWORD);
  const found = [];
  for (const p of pages()) {
    const path = typeof p.path === "function" ? p.path() : p.path;
    await page.goto(path);
    await settle(page, p.ready, theme);
    if (p.after) {
      await p.after(page);
      await page.waitForTimeout(300);
    }
    const report = formatViolations(await axeViolations(page), `${theme} ${p.name} (${path})`);
    if (report) found.push(report);
  }
  await closeContext(g);

  // Signed out: the sign-in form.
  const out = await themedContext(theme);
  await out.page.goto("/login");
  await settle(out.page, "input[name=username]", theme);
  const report = formatViolations(await axeViolations(out.page), `${theme} login (/login)`);
  if (report) found.push(report);
  await closeContext(out);
  return found;
}

describe("accessibility (axe, WCAG 2.1 A/AA)", { concurrency: false }, () => {
  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, (s, b) => ([server, browser] = [s, b]), open);

  it("the admin fills every tool with something to look at", async () => {
    const g = await newContext();
    const { page } = g;
    await login(page, "admin", ADMIN_PASSWORD);

    // A pad typed into, so CodeMirror draws the Markdown marks and the author marks.
    await page.goto("/pads");
    await page.getByLabel("Pad name").fill(PAD);
    await page.getByRole("button", { name: "Create pad" }).click();
    await page.waitForURL((u) => u.pathname === `/p/${PAD}`);
    await page.locator(".cm-content").waitFor();
    await page.locator(".cm-content").click();
    await page.keyboard.type(
      "# Association notes\n## Agenda\nSome **bold** words and *emphasis*, `code` too.\n- first item\n- second item\n1. numbered\n> a quote\nSee [the site](https://example.org) for more.\n",
    );
    await page.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"));
    // A guest writes a line and a chat message: a second author colour, on the text and as a name.
    const guest = await newContext();
    await guest.page.goto(`/p/${PAD}`);
    await guest.page.locator(".cm-content .cm-line").first().waitFor();
    await guest.page.locator(".cm-content").click();
    await guest.page.keyboard.press("Control+End");
    await guest.page.keyboard.type("A guest adds **this** line.\n");
    await guest.page.waitForFunction(() => document.querySelector(".pad-conn")?.textContent?.includes("Saved"));
    await guest.page.getByRole("button", { name: /^Chat/ }).click();
    await guest.page.locator("#pad-chat").getByLabel("Message", { exact: true }).fill("Hello from a guest");
    await guest.page.locator("#pad-chat").getByRole("button", { name: "Send" }).click();
    await guest.page.locator("#pad-chat .pad-chat-msg").first().waitFor();
    await closeContext(guest);
    // A comment thread with a reply: its highlight in the text and its card in the margin.
    const padNow = await apiCall(page, "GET", `/api/v1/pads/${PAD}`);
    const at = padNow.body.text.indexOf("Association notes");
    const thread = await apiCall(page, "POST", `/api/v1/pads/${PAD}/comments`, {
      start: at,
      end: at + "Association notes".length,
      rev: padNow.body.pad.rev,
      text: "Should we say **which** association?",
    });
    assert.equal(thread.status, 201, thread.text);

    const poll = await apiCall(page, "POST", "/api/v1/polls", {
      kind: "classic",
      title: "Where do we meet?",
      description: "Pick **every** place that suits you.",
      author_name: "Admin",
      options: [{ label: "The library" }, { label: "The café" }, { label: "The town hall" }],
    });
    assert.equal(poll.status, 201, poll.text);
    pollId = poll.body.poll.id;
    const view = await apiCall(page, "GET", `/api/v1/polls/${pollId}`);
    const vote = await apiCall(page, "POST", `/api/v1/polls/${pollId}/votes`, {
      name: "Admin",
      answers: Object.fromEntries(view.body.options.map((o, i) => [String(o.id), ["yes", "maybe", "no"][i]])),
    });
    assert.equal(vote.status, 201, vote.text);

    const team = await apiCall(page, "POST", "/api/v1/chat/teams", { name: TEAM, display_name: "Club" });
    assert.equal(team.status, 201, team.text);
    const channels = await apiCall(page, "GET", `/api/v1/chat/teams/${TEAM}/channels`);
    let channel = (Array.isArray(channels.body) ? channels.body : channels.body?.channels ?? []).find((c) => c.name === CHANNEL);
    if (!channel) {
      const made = await apiCall(page, "POST", `/api/v1/chat/teams/${TEAM}/channels`, { name: CHANNEL, display_name: "General", kind: "public" });
      assert.equal(made.status, 201, made.text);
      channel = made.body;
    }
    const post = await apiCall(page, "POST", `/api/v1/chat/channels/${channel.id}/posts`, {
      text: "Welcome everyone! **Meeting** on Friday, see the [notes](/p/a11y-notes).",
    });
    assert.equal(post.status, 201, post.text);

    const wiki = await apiCall(page, "POST", "/api/v1/wikis", { slug: WIKI, title: "Handbook", template: "association", lang: "en" });
    assert.equal(wiki.status, 201, wiki.text);
    const saved = await apiCall(page, "PUT", `/api/v1/wikis/${WIKI}/pages/Welcome`, {
      text: "# Welcome\n\nThe **handbook** of the association.\n\n## Contents\n\n- [[Members]]\n- [[Missing page]]\n- [a link](https://example.org)\n",
      base_rev: null,
    });
    assert.ok(saved.status === 200 || saved.status === 201, saved.text);
    await closeContext(g);
  });

  for (const theme of ["light", "dark"]) {
    it(`no violation on any page in the ${theme} theme`, async () => {
      const found = await checkAll(theme);
      assert.equal(found.length, 0, `axe violations (WCAG 2.1 A/AA), ${theme} theme:\n${found.join("\n")}`);
    });
  }
});
