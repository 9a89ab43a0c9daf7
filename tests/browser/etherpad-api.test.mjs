// Etherpad's HTTP API driven by a real client library of it (npm `etherpad-lite-client`, the one
// Node integrations use), through the flow of Moodle's mod_etherpadlite: a group per course, an
// author per user, a session, a group pad; then the browser opens the pad with the `sessionID`
// cookie the integration sets, as an iframe of Moodle would, and is refused without it.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { closeContext as closeTracked, openContext } from "./lib/helpers.mjs";

const require = createRequire(import.meta.url);
const etherpadClient = require("etherpad-lite-client");

const ADMIN_PASSWORD = "correct horse battery staple 42";

let server;
let browser;
const open = new Set();

/** An admin's personal API token: the `apikey` an integration is configured with. */
async function adminApiKey() {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const { csrf_token: csrf } = await login.json();
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const made = await fetch(`${server.url}/api/v1/me/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Cookie: cookie, "X-CSRF-Token": csrf, Origin: server.url },
    body: JSON.stringify({ name: "moodle" }),
  });
  assert.equal(made.status, 201, await made.clone().text());
  return (await made.json()).token;
}

/** The library's callback API as promises; a refusal rejects with Etherpad's code and message. */
function promised(api) {
  return (fn, args = {}) =>
    new Promise((resolve, reject) =>
      api[fn](args, (err, data) => (err ? reject(Object.assign(new Error(`${fn}: ${err.message}`), err)) : resolve(data))),
    );
}

describe("Etherpad's HTTP API with etherpad-lite-client (Moodle's flow)", () => {
  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, (s, b) => ([server, browser] = [s, b]), open);

  it("a group per course, an author per user, a session, a group pad opened with the cookie", async () => {
    const { hostname, port } = new URL(server.url);
    const apikey = await adminApiKey();
    // The library's own default root (/api/1.2.12/), as integrations leave it.
    const call = promised(etherpadClient.connect({ apikey, host: hostname, port: Number(port) }));

    await call("checkToken");
    const { groupID } = await call("createGroupIfNotExistsFor", { groupMapper: "course-12" });
    assert.match(groupID, /^g\.[0-9A-Za-z]{16}$/);
    assert.equal((await call("createGroupIfNotExistsFor", { groupMapper: "course-12" })).groupID, groupID);
    const { padID } = await call("createGroupPad", { groupID, padName: "activity-3", text: "Consigne" });
    assert.equal(padID, `${groupID}$activity-3`);
    assert.deepEqual((await call("listPads", { groupID })).padIDs, [padID]);
    const { authorID } = await call("createAuthorIfNotExistsFor", { authorMapper: "user-7", name: "Marie Curie" });
    assert.match(authorID, /^a\.[0-9A-Za-z]{16}$/);
    assert.equal(await call("getAuthorName", { authorID }), "Marie Curie");
    const validUntil = Math.floor(Date.now() / 1000) + 3600;
    const { sessionID } = await call("createSession", { groupID, authorID, validUntil });
    assert.match(sessionID, /^s\.[0-9A-Za-z]{16}$/);
    assert.deepEqual(await call("getSessionInfo", { sessionID }), { groupID, authorID, validUntil });

    await call("setHTML", { padID, html: "<!DOCTYPE HTML><html><body>Lire le <strong>chapitre 2</strong><br><ul class=\"bullet\"><li>résumé</li><li>questions</li></ul></body></html>" });
    const { html } = await call("getHTML", { padID });
    assert.equal(
      html,
      "<!DOCTYPE HTML><html><body>Lire le <strong>chapitre 2</strong><br><ul class=\"bullet\"><li>r&#233;sum&#233;</li><li>questions</li></ul></body></html>",
    );
    const { text } = await call("getText", { padID });
    assert.match(text, /^Lire le \*\*chapitre 2\*\*\n/);
    await assert.rejects(call("getText", { padID: "no-such-pad" }), { code: 1, message: "padID does not exist" });
    await assert.rejects(
      promised(etherpadClient.connect({ apikey: "wrong", host: hostname, port: Number(port) }))("checkToken"),
      { code: 4, message: "no or wrong API Key" },
    );

    // The browser: refused without the cookie, in with it.
    const g = await openContext(open, browser, server, {});
    g.allowHttpError(/\/api\/v1\/pads\//, 403);
    const path = `/p/${encodeURIComponent(padID)}`;
    await g.page.goto(path);
    // The web app's message for a refusal (forbidden), in place of the editor.
    await g.page.getByText("This pad belongs to a group of another site (a Moodle course, a Nextcloud…): open it from that site, which lets you in.").waitFor({ timeout: 20_000 });
    assert.equal(await g.page.evaluate(() => !!window.__padView), false);

    await g.context.addCookies([{ name: "sessionID", value: sessionID, url: server.url }]);
    await g.page.goto(path);
    await g.page.waitForFunction(() => !!window.__padView && !window.__padView.state.readOnly && document.querySelector(".pad-loading") === null, null, {
      timeout: 20_000,
    });
    assert.match(await g.page.evaluate(() => window.__padView.state.doc.toString()), /chapitre 2/);
    await g.page.evaluate(() => {
      const v = window.__padView;
      v.focus();
      v.dispatch({ selection: { anchor: v.state.doc.length } });
    });
    await g.page.keyboard.type("\nLu par Marie");
    let seen = "";
    for (let i = 0; i < 100 && !seen.includes("Lu par Marie"); i++) {
      seen = (await call("getText", { padID })).text;
      if (!seen.includes("Lu par Marie")) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(seen, /Lu par Marie/);
    // What the browser wrote is the API author's.
    assert.ok((await call("listAuthorsOfPad", { padID })).authorIDs.includes(authorID));
    assert.deepEqual((await call("listPadsOfAuthor", { authorID })).padIDs, [padID]);
    const authors = await g.page.evaluate(async (id) => (await (await fetch(`/api/v1/pads/${encodeURIComponent(id)}`)).json()).authors, padID);
    assert.ok(authors.some((a) => a.name === "Marie Curie"), JSON.stringify(authors));
    await closeTracked(open, g);

    await call("deleteSession", { sessionID });
    await call("deleteGroup", { groupID });
    await assert.rejects(call("listPads", { groupID }), { code: 1, message: "groupID does not exist" });
  });
});
