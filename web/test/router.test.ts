import assert from "node:assert/strict";
import { test } from "node:test";
import { PROTECTED, embedOf, matchRoute, safeNext, toolOf } from "../src/router.ts";
import { describeUserAgent } from "../src/ua.ts";

test("routes", () => {
  assert.equal(matchRoute("/").name, "home");
  assert.equal(matchRoute("/login").name, "login");
  assert.equal(matchRoute("/account/").name, "account");
  assert.deepEqual(matchRoute("/pads"), { name: "pads", params: {} });
  assert.deepEqual(matchRoute("/p/minutes-2026"), { name: "pad", params: { id: "minutes-2026" } });
  assert.deepEqual(matchRoute("/p/r-abc/"), { name: "pad", params: { id: "r-abc" } });
  assert.equal(matchRoute("/p/").name, "notFound");
  assert.equal(matchRoute("/p/a/b").name, "notFound");
  assert.deepEqual(matchRoute("/polls"), { name: "polls", params: {} });
  assert.deepEqual(matchRoute("/polls/"), { name: "polls", params: {} });
  assert.deepEqual(matchRoute("/chat"), { name: "chat", params: {} });
  assert.deepEqual(matchRoute("/video"), { name: "video", params: {} });
  assert.deepEqual(matchRoute("/video/"), { name: "video", params: {} });
  assert.deepEqual(matchRoute("/video/asso-velo-ca"), { name: "videoRoom", params: { room: "asso-velo-ca" } });
  assert.deepEqual(matchRoute("/video/Ab%2Dc"), { name: "videoRoom", params: { room: "Ab-c" } });
  assert.equal(matchRoute("/video/a/b").name, "notFound");
  assert.deepEqual(matchRoute("/wikis"), { name: "wikis", params: {} });
  assert.deepEqual(matchRoute("/invite/abc%2Ddef"), { name: "invite", params: { token: "abc-def" } });
  assert.equal(matchRoute("/invite/").name, "notFound");
  assert.deepEqual(matchRoute("/forgot-password"), { name: "forgotPassword", params: {} });
  // The reset token travels in the fragment, which never reaches the router or a server.
  assert.deepEqual(matchRoute("/reset-password"), { name: "resetPassword", params: {} });
  assert.deepEqual(matchRoute("/confirm-email"), { name: "confirmEmail", params: {} });
  assert.equal(matchRoute("/nope").name, "notFound");
  assert.equal(matchRoute("/pads/extra").name, "notFound");
});

test("poll routes", () => {
  assert.deepEqual(matchRoute("/poll/new"), { name: "pollNew", params: {} });
  assert.deepEqual(matchRoute("/poll/k3Jd9x"), { name: "poll", params: { id: "k3Jd9x" } });
  assert.deepEqual(matchRoute("/poll/k3Jd9x/", ""), { name: "poll", params: { id: "k3Jd9x" } });
  assert.deepEqual(matchRoute("/poll/k3Jd9x", "?edit=tok%2B1"), { name: "poll", params: { id: "k3Jd9x", edit: "tok+1" } });
  assert.deepEqual(matchRoute("/poll/k3Jd9x", "?other=1"), { name: "poll", params: { id: "k3Jd9x" } });
  assert.deepEqual(matchRoute("/poll/admin/s3cr3t"), { name: "pollAdmin", params: { token: "s3cr3t" } });
  assert.deepEqual(matchRoute("/poll/admin/a%2Db"), { name: "pollAdmin", params: { token: "a-b" } });
  assert.equal(matchRoute("/poll/admin").name, "notFound");
  assert.equal(matchRoute("/poll/admin/").name, "notFound");
  assert.equal(matchRoute("/poll").name, "notFound");
  assert.equal(matchRoute("/poll/a/b").name, "notFound");
  assert.equal(matchRoute("/poll/admin/a/b").name, "notFound");
});

test("wiki routes", () => {
  assert.deepEqual(matchRoute("/wikis/"), { name: "wikis", params: {} });
  assert.deepEqual(matchRoute("/wikis/new"), { name: "wikiNew", params: {} });
  assert.deepEqual(matchRoute("/w/club"), { name: "wiki", params: { slug: "club", view: "page", page: "" } });
  assert.deepEqual(matchRoute("/w/club/"), { name: "wiki", params: { slug: "club", view: "page", page: "" } });
  assert.deepEqual(matchRoute("/w/club/R%C3%A9union_du_Bureau"), { name: "wiki", params: { slug: "club", view: "page", page: "Réunion du Bureau" } });
  assert.deepEqual(matchRoute("/w/club/Home", "?rev=3"), { name: "wiki", params: { slug: "club", view: "page", page: "Home", rev: "3" } });
  assert.deepEqual(matchRoute("/w/club/Home", "?rev=abc"), { name: "wiki", params: { slug: "club", view: "page", page: "Home" } });
  assert.deepEqual(matchRoute("/w/club/a%3Fb%26c/edit"), { name: "wiki", params: { slug: "club", view: "edit", page: "a?b&c" } });
  assert.deepEqual(matchRoute("/w/club/Home/history", "?from=1&to=4"), { name: "wiki", params: { slug: "club", view: "history", page: "Home", from: "1", to: "4" } });
  assert.deepEqual(matchRoute("/w/club/Home/history"), { name: "wiki", params: { slug: "club", view: "history", page: "Home" } });
  assert.deepEqual(matchRoute("/w/club/_changes"), { name: "wiki", params: { slug: "club", view: "changes", page: "" } });
  assert.deepEqual(matchRoute("/w/club/_search", "?q=budget%202027"), { name: "wiki", params: { slug: "club", view: "search", page: "", q: "budget 2027" } });
  assert.deepEqual(matchRoute("/w/club/_search"), { name: "wiki", params: { slug: "club", view: "search", page: "", q: "" } });
  for (const tool of ["settings", "files", "pages"]) {
    assert.deepEqual(matchRoute(`/w/club/_${tool}`), { name: "wiki", params: { slug: "club", view: tool, page: "" } });
  }
  // Attachments are files served by the server, not pages of the app.
  assert.equal(matchRoute("/w/club/_files/photo.png").name, "notFound");
  assert.equal(matchRoute("/w/club/_nope").name, "notFound");
  assert.equal(matchRoute("/w/club/Home/delete").name, "notFound");
  assert.equal(matchRoute("/w/club/Home/edit/more").name, "notFound");
  assert.equal(matchRoute("/w").name, "notFound");
  assert.equal(matchRoute("/w/").name, "notFound");
});

test("chat routes", () => {
  assert.deepEqual(matchRoute("/chat/"), { name: "chat", params: {} });
  assert.deepEqual(matchRoute("/chat/asso-velo"), { name: "chatTeam", params: { team: "asso-velo", view: "team" } });
  assert.deepEqual(matchRoute("/chat/asso-velo/town-square"), { name: "chatTeam", params: { team: "asso-velo", view: "channel", channel: "town-square" } });
  assert.deepEqual(matchRoute("/chat/asso-velo/town-square/"), { name: "chatTeam", params: { team: "asso-velo", view: "channel", channel: "town-square" } });
  assert.deepEqual(matchRoute("/chat/asso-velo/messages/@bob"), { name: "chatTeam", params: { team: "asso-velo", view: "dm", dm: "@bob" } });
  assert.deepEqual(matchRoute("/chat/asso-velo/messages/%40bob"), { name: "chatTeam", params: { team: "asso-velo", view: "dm", dm: "@bob" } });
  assert.deepEqual(matchRoute("/chat/asso-velo/messages/c_123"), { name: "chatTeam", params: { team: "asso-velo", view: "dm", dm: "c_123" } });
  assert.deepEqual(matchRoute("/chat/asso-velo/pl/120"), { name: "chatTeam", params: { team: "asso-velo", view: "permalink", post: "120" } });
  assert.deepEqual(matchRoute("/chat/asso-velo/threads"), { name: "chatTeam", params: { team: "asso-velo", view: "threads" } });
  // "pl" and "messages" alone are channel names.
  assert.deepEqual(matchRoute("/chat/asso-velo/pl"), { name: "chatTeam", params: { team: "asso-velo", view: "channel", channel: "pl" } });
  assert.equal(matchRoute("/chat/asso-velo/pl/abc").name, "notFound");
  assert.equal(matchRoute("/chat/asso-velo/town-square/extra").name, "notFound");
  assert.equal(matchRoute("/chat/a/b/c/d").name, "notFound");
  assert.ok(PROTECTED.has("chat"));
  assert.ok(PROTECTED.has("chatTeam"));
});

test("pages other sites may frame, as the tools declare them", () => {
  assert.deepEqual(embedOf(matchRoute("/p/minutes")), { asksName: true });
  assert.deepEqual(embedOf(matchRoute("/p/r-abc")), { asksName: false });
  assert.deepEqual(embedOf(matchRoute("/poll/k3Jd9x")), { asksName: false });
  assert.deepEqual(embedOf(matchRoute("/w/asso/Accueil")), { asksName: false });
  assert.equal(embedOf(matchRoute("/w/asso/Accueil/edit")), null);
  assert.equal(embedOf(matchRoute("/poll/admin/s3cr3t")), null);
  assert.equal(embedOf(matchRoute("/pads")), null);
  assert.equal(embedOf(matchRoute("/chat/team")), null);
  assert.equal(embedOf(matchRoute("/video/room")), null);
  assert.equal(embedOf(matchRoute("/account")), null);
});

test("creating a wiki needs an account", () => {
  assert.ok(PROTECTED.has("wikiNew"));
  assert.ok(!PROTECTED.has("wikis"));
  assert.ok(!PROTECTED.has("wiki"));
});

test("post-login destination stays on this site", () => {
  assert.equal(safeNext("/account"), "/account");
  assert.equal(safeNext("//evil.example"), "/");
  assert.equal(safeNext("https://evil.example"), "/");
  assert.equal(safeNext("/\\evil"), "/");
  assert.equal(safeNext(null), "/");
  assert.equal(safeNext("/login?next=/"), "/");
});

test("user agents", () => {
  const chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
  assert.deepEqual(describeUserAgent(chrome), { browser: "Chrome", os: "Linux" });
  const ff = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
  assert.deepEqual(describeUserAgent(ff), { browser: "Firefox", os: "Windows" });
  const safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
  assert.deepEqual(describeUserAgent(safari), { browser: "Safari", os: "iOS" });
  assert.deepEqual(describeUserAgent(null), { browser: null, os: null });
});

test("idleness: five quiet minutes make a page idle, any input ends it", async () => {
  const { Idleness, IDLE_AFTER_MS, statusFrame } = await import("../src/idle.ts");
  const i = new Idleness(0);
  assert.equal(i.tick(IDLE_AFTER_MS - 1), false);
  assert.equal(i.activity(IDLE_AFTER_MS - 1), false, "activity while active changes nothing");
  assert.equal(i.tick(2 * IDLE_AFTER_MS - 2), false);
  assert.equal(i.tick(2 * IDLE_AFTER_MS - 1), true, "idle once the last input is five minutes old");
  assert.equal(i.tick(3 * IDLE_AFTER_MS), false, "said once");
  assert.equal(i.isIdle, true);
  assert.equal(i.activity(3 * IDLE_AFTER_MS), true, "back");
  assert.equal(i.dueAt(), 4 * IDLE_AFTER_MS);
  assert.deepEqual(statusFrame(true), { type: "status", status: "away" });
});

test("the tool of each page, for the header's highlight", () => {
  assert.equal(toolOf(matchRoute("/")), null);
  assert.equal(toolOf(matchRoute("/account")), null);
  assert.equal(toolOf(matchRoute("/search")), null);
  assert.equal(toolOf(matchRoute("/pads")), "pads");
  assert.equal(toolOf(matchRoute("/p/notes")), "pads");
  assert.equal(toolOf(matchRoute("/poll/abc")), "polls");
  assert.equal(toolOf(matchRoute("/poll/admin/tok")), "polls");
  assert.equal(toolOf(matchRoute("/chat/club/town-square")), "chat");
  assert.equal(toolOf(matchRoute("/video/room-1")), "video");
  assert.equal(toolOf(matchRoute("/w/club/Main_Page")), "wikis");
  assert.equal(toolOf(matchRoute("/wikis/new")), "wikis");
  assert.ok(PROTECTED.has("search"));
});
