// End-to-end tests of comments on a pad's text (issue 19): one person selects words and comments,
// another sees the card and the highlight live and replies, the first resolves the thread (it
// goes behind "Resolved (1)"), and text typed before the anchor keeps the highlight on the same
// words, in both editors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { closeContext as closeTracked, login, openContext } from "./lib/helpers.mjs";
import { createNamedPad, selectWord as select, waitForPad } from "./lib/pad.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";

let server;
let browser;
const open = new Set();
const newContext = (options) => openContext(open, browser, server, options);
void closeTracked;

/** The text the editor highlights as commented (a highlight may be cut by other marks). */
const highlighted = (page) => page.evaluate(() => [...document.querySelectorAll(".cm-content .pad-comment")].map((e) => e.textContent).join(""));

async function waitFor(what, fn) {
  let last;
  for (let i = 0; i < 100; i++) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

describe("Pads: comments", { concurrency: false }, () => {
  const padId = "comment-me";
  let alice;
  let bob;

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, (s, b) => ([server, browser] = [s, b]), open);

  it("a comment on selected words reaches another editor, who replies; the author resolves it", async () => {
    alice = await newContext();
    const ap = alice.page;
    await login(ap, "admin", ADMIN_PASSWORD);
    await createNamedPad(ap, padId);
    await ap.locator(".cm-content").click();
    await ap.keyboard.type("The budget is due on Friday.");

    bob = await newContext();
    const bp = bob.page;
    await bp.goto(`/p/${padId}`);
    await waitForPad(bp);
    await waitFor("bob's text", () => bp.evaluate(() => window.__padView.state.doc.toString().includes("Friday")));

    // Alice selects "due on Friday" and comments.
    await select(ap, "due on Friday");
    await ap.getByRole("button", { name: "Comment", exact: true }).click();
    const box = ap.getByRole("textbox", { name: "New comment" });
    await box.waitFor();
    await box.fill("Can we say Monday?");
    await ap.getByRole("region", { name: /New comment/ }).getByRole("button", { name: "Comment", exact: true }).click();
    const aliceCard = ap.getByRole("region", { name: /Comment by .*“due on Friday”/ });
    await aliceCard.waitFor();
    assert.equal(await highlighted(ap), "due on Friday");

    // Bob sees the card and the highlight without reloading, and replies.
    const bobCard = bp.getByRole("region", { name: /Comment by .*“due on Friday”/ });
    await bobCard.waitFor({ timeout: 10_000 });
    await bobCard.getByText("Can we say Monday?").waitFor();
    assert.equal(await waitFor("bob's highlight", async () => (await highlighted(bp)) || null), "due on Friday");
    await bobCard.getByRole("textbox", { name: "Reply" }).fill("Monday works.");
    await bobCard.getByRole("button", { name: "Reply", exact: true }).click();
    await aliceCard.getByText("Monday works.").waitFor({ timeout: 10_000 });
    // Bob changes his reply (his only: Alice's comment offers him no such button).
    assert.equal(await bobCard.getByRole("button", { name: "Change my comment" }).count(), 1);
    await bobCard.getByRole("button", { name: "Change my comment" }).click();
    await bobCard.getByRole("textbox", { name: "Change my comment" }).fill("Monday works, after 6 pm.");
    await bobCard.getByRole("button", { name: "Save", exact: true }).click();
    await aliceCard.getByText("Monday works, after 6 pm.").waitFor({ timeout: 10_000 });
    await aliceCard.getByText("(edited)").waitFor();

    // A click on the highlight in Bob's editor opens (focuses) the card.
    await bp.locator(".cm-content .pad-comment").first().click();
    await waitFor("the active card", () => bp.evaluate(() => document.querySelector(".pad-comment-card.is-active")?.getAttribute("data-thread") ?? null));

    // Typing before the anchor keeps the highlight on the same words, here and there.
    await ap.evaluate(() => {
      const v = window.__padView;
      v.focus();
      v.dispatch({ selection: { anchor: 0 } });
    });
    await ap.keyboard.type("Note: ");
    await waitFor("both texts", async () => (await bp.evaluate(() => window.__padView.state.doc.toString())) === "Note: The budget is due on Friday.");
    assert.equal(await highlighted(ap), "due on Friday");
    assert.equal(await highlighted(bp), "due on Friday");
    // Typed inside, the words join the comment; the server's anchor agrees after a reload.
    await bp.reload();
    await waitForPad(bp);
    await waitFor("highlight after reload", async () => (await highlighted(bp)) === "due on Friday");

    // Alice resolves: the thread goes behind "Resolved (1)" for both.
    await aliceCard.getByRole("button", { name: "Resolve", exact: true }).click();
    const toggle = (page) => page.getByRole("button", { name: "Resolved (1)" });
    await toggle(ap).waitFor();
    await toggle(bp).waitFor({ timeout: 10_000 });
    assert.equal(await ap.getByRole("region", { name: /Comment by .*“due on Friday”/ }).count(), 0);
    assert.equal(await highlighted(bp), "");
    await toggle(bp).click();
    const resolvedCard = bp.getByRole("region", { name: /Comment by .*“due on Friday”/ });
    await resolvedCard.getByText(/Resolved by/).waitFor();
    await resolvedCard.getByRole("button", { name: "Reopen" }).waitFor();
  });
});
