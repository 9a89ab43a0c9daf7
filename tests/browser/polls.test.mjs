// End-to-end tests of polls: the admin creates a date poll with times through the calendar; two
// guests vote (one on a phone-sized screen, in another time zone, with the compact layout) and each
// sees the other's answers arrive live; comments; editing one's own row and the personal edit link;
// the admin finalises from the admin link, then downloads the ICS and the CSV; a classic poll with a
// password asks for it; hidden results show their message; a deleted poll says so live; a guest's
// new poll keeps its links on reload and, with the polls it answers, is remembered on the device;
// signed in, "My polls" lists the polls answered too; in French, a server refusal reads in French.
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serverPerSuite } from "./lib/suite.mjs";
import { closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";
import { BROWSER_TESTS_DIR } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const ARTIFACTS = join(BROWSER_TESTS_DIR, "artifacts");

let server;
let browser;
const open = new Set();

const newContext = (options) => openContext(open, browser, server, options);
const closeContext = (g) => closeTracked(open, g);

/** Waits until the poll page follows its realtime topic. */
async function waitLive(page) {
  await page.locator('.poll-page[data-live="connected"]').waitFor({ timeout: 15_000 });
}

/** The poll as the server shows it to this page's identity. */
async function viewOf(page, id) {
  return page.evaluate(async (id) => (await (await fetch(`/api/v1/polls/${id}`)).json()), id);
}

/** Creates a poll through the API from the page (guest identity + CSRF token), as the UI would. */
async function createPollApi(page, body) {
  return page.evaluate(async (body) => {
    const g = await (await fetch("/api/v1/guest")).json();
    const res = await fetch("/api/v1/polls", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": g.csrf_token },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`create poll: ${res.status} ${await res.text()}`);
    return res.json();
  }, body);
}

const pathOf = (url) => new URL(url).pathname + new URL(url).search;

describe("Polls", { concurrency: false }, () => {
  let admin;
  let alice;
  let bob;
  let pollId;
  let publicUrl;
  let adminUrl;
  let day3;
  let day4;
  /** Option ids: 12:00 and 18:00–20:00 on day 3, whole day 4. */
  let noon;
  let evening;
  let wholeDay;
  let aliceEditUrl;

  serverPerSuite({ adminPassword: ADMIN_PASSWORD }, async (s, b) => {
    [server, browser] = [s, b];
    await mkdir(ARTIFACTS, { recursive: true });
  }, open);

  it("the admin creates a date poll with times, through the calendar", async () => {
    admin = await newContext({ timezoneId: "Europe/Paris" });
    const { page } = admin;
    await login(page, "admin", ADMIN_PASSWORD);
    // Home → Polls (no "Coming soon" any more) → New poll.
    await page.goto("/");
    await page.locator('a.tool-card[href="/polls"]').waitFor();
    assert.equal(await page.locator('a.tool-card[href="/polls"] .badge').count(), 0);
    await page.locator('a.tool-card[href="/polls"]').click();
    await page.waitForURL((u) => u.pathname === "/polls");
    await page.locator("#my-polls").getByText("No polls yet: the ones you create or answer will appear here.").waitFor();
    // Signed in, nothing is kept in the browser.
    assert.equal(await page.locator("#device-polls").count(), 0);
    await page.getByRole("link", { name: "New poll" }).click();
    await page.waitForURL((u) => u.pathname === "/poll/new");
    await page.getByRole("heading", { level: 1, name: "New poll" }).waitFor();

    // Nothing filled: the client-side checks speak, nothing is sent.
    await page.getByLabel("Title").fill("");
    await page.getByRole("button", { name: "Create the poll" }).click();
    await page.getByText("Give the poll a title.").waitFor();
    await page.getByText("Select at least one day.").waitFor();

    await page.getByLabel("Title").fill("December meeting");
    await page.getByLabel("Description").fill("**Agenda**: the budget <script>alert(1)</script>");
    assert.ok((await page.getByLabel("Your name", { exact: true }).inputValue()).length > 0, "the author's name is prefilled");
    // The time zone defaults to the browser's.
    assert.equal(await page.getByLabel("Time zone").inputValue(), "Europe/Paris");

    // Next month, days 3 and 4 (clicked in the calendar).
    const next = await page.evaluate(() => {
      const d = new Date();
      const y = d.getMonth() === 11 ? d.getFullYear() + 1 : d.getFullYear();
      const m = ((d.getMonth() + 1) % 12) + 1;
      return `${y}-${String(m).padStart(2, "0")}`;
    });
    day3 = `${next}-03`;
    day4 = `${next}-04`;
    await page.getByRole("button", { name: "Next month" }).click();
    await page.locator(`button[data-date="${day3}"]`).click();
    // Keyboard: from day 3, the right arrow then Enter selects day 4.
    await page.locator(`button[data-date="${day3}"]`).focus();
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction((d) => document.activeElement?.dataset?.date === d, day4);
    await page.keyboard.press("Enter");
    assert.equal(await page.locator(`button[data-date="${day3}"]`).getAttribute("aria-pressed"), "true");
    assert.equal(await page.locator(`button[data-date="${day4}"]`).getAttribute("aria-pressed"), "true");

    // Day 3: two times (18:00–20:00 and 12:00); day 4 stays a whole day.
    const d3 = page.locator(`[data-day="${day3}"]`);
    await d3.getByRole("button", { name: /^Add a time/ }).click();
    await d3.locator(".poll-slot").nth(0).locator("input[type=time]").nth(0).fill("18:00");
    await d3.locator(".poll-slot").nth(0).locator("input[type=time]").nth(1).fill("20:00");
    await d3.getByRole("button", { name: /^Add a time/ }).click();
    await d3.locator(".poll-slot").nth(1).locator("input[type=time]").nth(0).fill("12:00");
    await page.locator(`[data-day="${day4}"]`).getByText("Whole day").waitFor();

    // More settings: a deadline at the end of day 4.
    await page.locator("#poll-more summary").click();
    await page.getByLabel(/^Deadline/).fill(day4);
    await page.getByRole("button", { name: "Create the poll" }).click();

    // The address becomes the admin page's, which says the poll is ready, with both links apart.
    await page.waitForURL((u) => u.pathname.startsWith("/poll/admin/"));
    await page.getByText("Your poll is ready").waitFor();
    await page.getByRole("heading", { level: 1, name: "December meeting" }).waitFor();
    publicUrl = await page.getByLabel("Public link").inputValue();
    adminUrl = await page.getByLabel("Secret administration link").inputValue();
    assert.match(pathOf(publicUrl), /^\/poll\/[^/]+$/);
    assert.match(pathOf(adminUrl), /^\/poll\/admin\/[^/]+$/);
    assert.equal(new URL(publicUrl).host, server.host);
    assert.equal(pathOf(adminUrl), pathOf(page.url()));
    pollId = pathOf(publicUrl).split("/").pop();
    await page.screenshot({ path: join(ARTIFACTS, "poll-created.png"), fullPage: true });

    const v = await viewOf(page, pollId);
    assert.equal(v.poll.kind, "date");
    assert.equal(v.poll.timezone, "Europe/Paris");
    assert.equal(v.options.length, 3);
    assert.deepEqual(
      v.options.map((o) => [o.date, o.start, o.end]),
      [
        [day3, "12:00", null],
        [day3, "18:00", "20:00"],
        [day4, null, null],
      ],
    );
    [noon, evening, wholeDay] = v.options.map((o) => o.id);
    // The deadline is the end of day 4 in Paris.
    const paris = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "short" }).format(new Date(v.poll.deadline));
    assert.equal(paris, `${day4.slice(8, 10)}/${day4.slice(5, 7)}/${day4.slice(0, 4)}, 23:59`);

    // Go to the poll: the description is rendered and sanitised by the server.
    await page.getByRole("link", { name: "Open the public page" }).click();
    await page.waitForURL((u) => u.pathname === `/poll/${pollId}`);
    await page.getByRole("heading", { level: 1, name: "December meeting" }).waitFor();
    await page.locator(".poll-description strong", { hasText: "Agenda" }).waitFor();
    assert.equal(await page.locator(".poll-description script").count(), 0);
    await page.getByText(/Answers accepted until/).waitFor();
    await noCspViolation(page);
  });

  it("two people vote (one on a phone, in another time zone) and see each other's answers live", async () => {
    alice = await newContext({ timezoneId: "Europe/Paris" });
    bob = await newContext({ timezoneId: "America/New_York", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const ap = alice.page;
    const bp = bob.page;
    await Promise.all([ap.goto(pathOf(publicUrl)), bp.goto(pathOf(publicUrl))]);
    await Promise.all([waitLive(ap), waitLive(bp)]);

    // Alice: the wide table, grouped by day; Bob: the compact list, with New York times and the
    // poll's own (Paris) time beside.
    await ap.locator("table.poll-table").waitFor();
    assert.equal(await ap.locator("th.poll-group-head").count(), 2);
    assert.equal(await bp.locator("table.poll-table").count(), 0);
    await bp.locator(".poll-compact").waitFor();
    const bobEvening = bp.locator(`.poll-card[data-option="${evening}"]`);
    const v = await viewOf(ap, pollId);
    const ny = (iso) => new Intl.DateTimeFormat("en-GB", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
    const eveningOpt = v.options.find((o) => o.id === evening);
    await bobEvening.getByText(`${ny(eveningOpt.starts_at)} – ${ny(eveningOpt.ends_at)}`, { exact: true }).waitFor();
    await bobEvening.getByText("18:00 – 20:00 in Paris").waitFor();
    await noHorizontalOverflow(bp);
    await bp.evaluate(() => (window.__noReload = true));
    await ap.evaluate(() => (window.__noReload = true));

    // Alice votes in the table: yes 18:00, if need be 12:00, yes day 4.
    const row = ap.locator("tr.poll-new-row");
    await row.getByLabel("Your name").fill("Alice");
    await row.locator(`[data-option="${evening}"] [data-answer="yes"]`).click();
    await row.locator(`[data-option="${noon}"] [data-answer="maybe"]`).click();
    await row.locator(`[data-option="${wholeDay}"] [data-answer="yes"]`).click();
    assert.equal(await row.locator(`[data-option="${evening}"] [data-answer="yes"]`).getAttribute("aria-pressed"), "true");
    await row.getByRole("button", { name: "Send my answers" }).click();
    await ap.getByText("Your answers are saved").waitFor();
    aliceEditUrl = await ap.getByLabel("Personal link to change your answers").inputValue();
    assert.match(aliceEditUrl, new RegExp(`/poll/${pollId}\\?edit=.+`));
    await ap.locator(`tr[data-row] .poll-name`, { hasText: "Alice" }).waitFor();

    // Bob's phone updates without a reload.
    await bp.locator(`.poll-card[data-option="${evening}"] .poll-total-num`, { hasText: /^1$/ }).waitFor();
    await bp.locator(`.poll-card[data-option="${noon}"] .poll-total-num`, { hasText: "0 (+1)" }).waitFor();
    assert.equal(await bp.evaluate(() => window.__noReload), true, "Bob's page was not reloaded");

    // Bob votes on the phone: yes 18:00 only.
    await bp.locator(".poll-compact-form").getByLabel("Your name").fill("Bob");
    await bp.locator(`.poll-card[data-option="${evening}"] [data-answer="yes"]`).click();
    await bp.getByRole("button", { name: "Send my answers" }).click();
    await bp.getByText("Your answers are saved").waitFor();
    await bp.locator(`.poll-card[data-option="${evening}"] .poll-total-num`, { hasText: /^2$/ }).waitFor();
    // The best option is marked (text, not only a colour).
    await bp.locator(`.poll-card[data-option="${evening}"].is-best`).getByText("Best").waitFor();
    await noHorizontalOverflow(bp);
    await bp.screenshot({ path: join(ARTIFACTS, "poll-phone.png"), fullPage: true });

    // Alice's table: Bob's row and the new totals, live.
    await ap.locator("tr[data-row] .poll-name", { hasText: "Bob" }).waitFor();
    await ap.locator(`td.poll-total[data-option="${evening}"]`, { hasText: /^2$/ }).waitFor();
    await ap.locator(`td.poll-total[data-option="${noon}"]`, { hasText: "0 (+1)" }).waitFor();
    await ap.locator(`th.poll-opt.is-best[data-option="${evening}"]`).waitFor();
    // Cells say their answer in words; what Bob did not answer is no answer, not a "No".
    const bobRow = ap.locator("tr[data-row]", { has: ap.locator(".poll-name", { hasText: "Bob" }) });
    assert.deepEqual(await bobRow.locator("td .poll-ans-text").allTextContents(), ["Yes"]);
    assert.equal(await bobRow.locator("td .poll-ans-none").count(), 2);
    assert.equal(await ap.evaluate(() => window.__noReload), true, "Alice's page was not reloaded");
    // Each may edit their own row only.
    const aliceRow = ap.locator("tr[data-row]", { has: ap.locator(".poll-name", { hasText: "Alice" }) });
    await aliceRow.getByRole("button", { name: "Change the answers of Alice" }).waitFor();
    assert.equal(await bobRow.getByRole("button", { name: /Change the answers/ }).count(), 0);
    await ap.screenshot({ path: join(ARTIFACTS, "poll-table.png"), fullPage: true });
    await noCspViolation(ap);
    await noCspViolation(bp);
  });

  it("comments arrive live, as plain text", async () => {
    const ap = alice.page;
    const bp = bob.page;
    const text = "See you there <b>all</b> & co";
    const form = bp.locator("#poll-comments form");
    await form.getByLabel("Your name").fill("Bob");
    await form.getByLabel("Comment").fill(text);
    await form.getByRole("button", { name: "Add the comment" }).click();
    await bp.locator(".poll-comment-text", { hasText: text }).waitFor();
    await ap.locator(".poll-comment-text", { hasText: text }).waitFor();
    assert.equal(await ap.locator(".poll-comment-text b").count(), 0);
    await ap.locator(".poll-comment-author", { hasText: "Bob" }).waitFor();
  });

  it("a participant changes their row; the personal edit link opens it from another browser", async () => {
    const ap = alice.page;
    const bp = bob.page;
    const aliceRow = ap.locator("tr[data-row]", { has: ap.locator(".poll-name", { hasText: "Alice" }) });
    await aliceRow.getByRole("button", { name: "Change the answers of Alice" }).click();
    const editing = ap.locator("tr.is-editing");
    await editing.locator(`[data-option="${noon}"] [data-answer="yes"]`).click();
    await editing.getByRole("button", { name: "Save" }).click();
    await ap.locator(`td.poll-total[data-option="${noon}"]`, { hasText: /^1$/ }).waitFor();
    await bp.locator(`.poll-card[data-option="${noon}"] .poll-total-num`, { hasText: /^1$/ }).waitFor();

    // A fresh browser with Alice's personal link may change Alice's row (and only it).
    const other = await newContext({ timezoneId: "Europe/Paris" });
    const op = other.page;
    await op.goto(pathOf(aliceEditUrl));
    await op.getByText("You opened a personal link").waitFor();
    const row = op.locator("tr[data-row]", { has: op.locator(".poll-name", { hasText: "Alice" }) });
    await row.getByRole("button", { name: "Change the answers of Alice" }).click();
    const ed = op.locator("tr.is-editing");
    await ed.locator(`[data-option="${noon}"] [data-answer="no"]`).click();
    await ed.getByRole("button", { name: "Save" }).click();
    await op.locator(`td.poll-total[data-option="${noon}"]`, { hasText: /^0$/ }).waitFor();
    await ap.locator(`td.poll-total[data-option="${noon}"]`, { hasText: /^0$/ }).waitFor();
    assert.equal(await op.locator("tr[data-row]", { has: op.locator(".poll-name", { hasText: "Bob" }) }).getByRole("button", { name: /Change the answers/ }).count(), 0);
    await closeContext(other);
  });

  it("the admin finalises from the admin link; ICS and CSV download", async () => {
    const { page } = admin;
    const ap = alice.page;
    await page.goto(pathOf(adminUrl));
    await waitLive(page);
    await page.getByRole("heading", { level: 1, name: "December meeting" }).waitFor();
    assert.equal(await page.getByLabel("Public link").inputValue(), publicUrl);
    await page.getByText(/This poll will be deleted automatically on/).waitFor();
    // Every row may be changed here.
    await page.getByRole("button", { name: "Change the answers of Bob" }).waitFor();
    await page.getByRole("button", { name: "Change the answers of Alice" }).waitFor();

    // The best option is preselected.
    const select = page.getByLabel("Chosen option");
    assert.equal(await select.inputValue(), String(evening));
    await page.getByRole("button", { name: "Choose this option" }).click();
    await page.getByText("Chosen option:").waitFor();
    await page.locator(".poll-final").waitFor();

    // Everyone sees it first, live, with the calendar file.
    await ap.locator(".poll-final", { hasText: "18:00 – 20:00" }).waitFor();
    await ap.getByRole("link", { name: "Add to my calendar (.ics)" }).waitFor();
    await ap.getByText("This poll is closed").waitFor();
    await bob.page.locator(`.poll-card.is-final[data-option="${evening}"]`).waitFor();

    // ICS: one event on the chosen day.
    const [ics] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the chosen date (.ics)" }).click()]);
    const icsText = await readFile(await ics.path(), "utf8");
    assert.match(icsText, /BEGIN:VCALENDAR/);
    assert.match(icsText, /BEGIN:VEVENT/);
    assert.ok(icsText.includes(day3.replace(/-/g, "")), `the ICS has the chosen date ${day3}:\n${icsText}`);
    assert.match(icsText, /December meeting/);
    // The public page's link gives the same file.
    const [ics2] = await Promise.all([ap.waitForEvent("download"), ap.getByRole("link", { name: "Add to my calendar (.ics)" }).click()]);
    // DTSTAMP is the moment of the download: compare everything else.
    const withoutStamp = (t) => t.replace(/^DTSTAMP:.*$/m, "");
    assert.equal(withoutStamp(await readFile(await ics2.path(), "utf8")), withoutStamp(icsText));

    // CSV: both participants.
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the answers (CSV)" }).click()]);
    const csvText = await readFile(await csv.path(), "utf8");
    assert.match(csvText, /Alice/);
    assert.match(csvText, /Bob/);
    assert.ok(csvText.split(/\r?\n/).filter(Boolean).length >= 4, `header, two rows and totals:\n${csvText}`);

    // Undo, then choose again: the poll reopens only when asked.
    await page.getByRole("button", { name: "Undo the choice" }).click();
    await page.getByRole("button", { name: "Choose this option" }).waitFor();
    await ap.locator(".poll-final").waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Choose this option" }).click();
    await page.getByText("Chosen option:").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "poll-admin.png"), fullPage: true });
    await noCspViolation(page);

    // A video room for the meeting: the first to ask creates it, the next one lands in the same room.
    await ap.getByRole("button", { name: "Open a video room for it" }).click();
    await ap.waitForURL(/\/video\/poll-[0-9a-f]+$/);
    const roomUrl = ap.url();
    await ap.getByRole("heading", { level: 1, name: /December meeting · 18:00/ }).waitFor();
    const bp = bob.page;
    await bp.locator(".poll-final").getByRole("button", { name: "Open a video room for it" }).click();
    await bp.waitForURL(roomUrl);
    await bp.getByRole("heading", { level: 1, name: /December meeting · 18:00/ }).waitFor();
    await ap.goto(pathOf(publicUrl));
    await bp.goto(pathOf(publicUrl));

    // The poll is listed in "My polls".
    await page.goto("/polls");
    await page.locator("#my-polls").getByRole("link", { name: /December meeting/ }).first().waitFor();
    await page.locator("#my-polls").getByText("2 participants").waitFor();
  });

  it("the admin edits the settings and the options; participants see it live", async () => {
    const { page } = admin;
    const ap = alice.page;
    await page.goto(pathOf(adminUrl));
    await waitLive(page);
    const settings = page.locator("#poll-settings");
    await settings.getByLabel("Title").fill("December meeting (room 2)");
    await settings.getByRole("button", { name: "Save the settings" }).click();
    await settings.getByText("Settings saved.").waitFor();
    await ap.getByRole("heading", { level: 1, name: "December meeting (room 2)" }).waitFor();

    // A new time on day 4 (its whole-day option stays), then remove the 12:00 option, which has
    // answers: a warning first.
    const editor = page.locator("#poll-edit-options");
    const d4 = editor.locator(`[data-day="${day4}"]`);
    await d4.getByRole("button", { name: /^Add a time/ }).click();
    await d4.locator(".poll-slot").nth(1).locator("input[type=time]").nth(0).fill("09:00");
    await editor.getByRole("button", { name: "Save the options" }).click();
    await editor.getByText("Options saved.").waitFor();
    let v = await viewOf(page, pollId);
    assert.equal(v.options.length, 4);
    assert.ok(v.options.some((o) => o.date === day4 && o.start === "09:00"));
    await ap.locator("th.poll-opt").nth(3).waitFor();

    const d3 = editor.locator(`[data-day="${day3}"]`);
    await d3.getByRole("button", { name: /^Remove time 1 of/ }).click();
    await editor.getByRole("button", { name: "Save the options" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(/Their answers will be lost/).waitFor();
    await dialog.getByRole("button", { name: "Remove them" }).click();
    await editor.getByText("Options saved.").waitFor();
    v = await viewOf(page, pollId);
    assert.equal(v.options.length, 3);
    assert.ok(!v.options.some((o) => o.id === noon));
    assert.ok(v.options.some((o) => o.id === evening), "the other options keep their ids (and answers)");
    await ap.locator(`th.poll-opt[data-option="${noon}"]`).waitFor({ state: "detached" });
    await ap.locator(`td.poll-total[data-option="${evening}"]`, { hasText: /^2$/ }).waitFor();
    await noCspViolation(page);
  });

  it("a protected classic poll asks for its password", async () => {
    const { page } = admin;
    await page.goto("/poll/new");
    await page.getByRole("radio", { name: /Classic poll/ }).check();
    await page.getByLabel("Title").fill("Where do we eat?");
    await page.getByLabel("Option 1", { exact: true }).fill("Pizza");
    await page.getByLabel("Option 2", { exact: true }).fill("Sushi");
    await page.getByRole("button", { name: "Add an option" }).click();
    await page.getByLabel("Option 3", { exact: true }).fill("Tacos");
    await page.getByRole("button", { name: "Move option 3 up" }).click();
    assert.equal(await page.getByLabel("Option 2", { exact: true }).inputValue(), "Tacos");
    await page.locator("#poll-more summary").click();
    await page.getByLabel("Password").fill("open sesame");
    await page.getByRole("button", { name: "Create the poll" }).click();
    const link = await page.getByLabel("Public link").inputValue();
    const id = pathOf(link).split("/").pop();

    const guest = await newContext();
    const gp = guest.page;
    guest.allowHttpError(new RegExp(`/api/v1/polls/${id}$`), 403);
    guest.allowHttpError(new RegExp(`/api/v1/polls/${id}/unlock$`), 403);
    await gp.goto(pathOf(link));
    await gp.getByRole("heading", { name: "This poll is protected" }).waitFor();
    await gp.getByLabel("Password").fill("open barley");
    await gp.getByRole("button", { name: "Open the poll" }).click();
    await gp.getByText("Wrong password.").waitFor();
    await gp.getByLabel("Password").fill("open sesame");
    await gp.getByRole("button", { name: "Open the poll" }).click();
    await gp.getByRole("heading", { level: 1, name: "Where do we eat?" }).waitFor();
    assert.deepEqual(await gp.locator("th.poll-opt .poll-opt-main").allTextContents(), ["Pizza", "Tacos", "Sushi"]);
    // Given once: a reload opens it directly.
    await gp.reload();
    await gp.getByRole("heading", { level: 1, name: "Where do we eat?" }).waitFor();
    assert.equal(await gp.locator("#poll-unlock").count(), 0);
    await closeContext(guest);
  });

  it("hidden results say so; a deleted poll says so live", async () => {
    const guest = await newContext();
    const gp = guest.page;
    await gp.goto("/polls");
    const afterVoting = await createPollApi(gp, {
      kind: "classic",
      title: "Secret ballot",
      author_name: "Ana",
      results: "after_voting",
      options: [{ label: "Red" }, { label: "Blue" }],
    });
    const adminOnly = await createPollApi(gp, {
      kind: "classic",
      title: "Only for the author",
      author_name: "Ana",
      results: "admin",
      options: [{ label: "Red" }, { label: "Blue" }],
    });
    const voter = await newContext();
    const vp = voter.page;
    await vp.goto(`/poll/${afterVoting.poll.id}`);
    await vp.getByText("The results are visible after voting").waitFor();
    assert.equal(await vp.locator("td.poll-total").count(), 0);
    await vp.locator("tr.poll-new-row").getByLabel("Your name").fill("Carol");
    await vp.locator(`tr.poll-new-row [data-answer="yes"]`).first().click();
    await vp.getByRole("button", { name: "Send my answers" }).click();
    await vp.getByText("Your answers are saved").waitFor();
    // Once voted, the results show.
    await vp.locator("td.poll-total").first().waitFor();
    assert.equal(await vp.getByText("The results are visible after voting").count(), 0);

    await vp.goto(`/poll/${adminOnly.poll.id}`);
    await vp.getByText("Only the poll's author sees the results.").waitFor();
    await waitLive(vp);
    await vp.locator("tr.poll-new-row").getByLabel("Your name").fill("Carol");
    await vp.getByRole("button", { name: "Send my answers" }).click();
    await vp.getByText("Your answers are saved").waitFor();
    await vp.getByText("Only the poll's author sees the results.").waitFor();
    assert.equal(await vp.locator("td.poll-total").count(), 0);

    // The author deletes the poll from its admin page; the voter's page says so without a reload.
    await gp.goto(pathOf(adminOnly.admin_url));
    await gp.getByRole("button", { name: "Delete the poll" }).click();
    await gp.getByRole("dialog").getByRole("button", { name: "Delete the poll" }).click();
    await gp.getByText("This poll was deleted").waitFor();
    await vp.getByText("This poll was deleted").waitFor();
    await closeContext(voter);
    await closeContext(guest);
  });

  it("a guest's new poll survives a reload and is remembered on this device, as are the polls it answers", async () => {
    const guest = await newContext({ timezoneId: "Europe/Paris" });
    const gp = guest.page;
    await gp.goto("/polls");
    await gp.getByText(/this browser remembers the polls you create or answer here/).waitFor();
    assert.equal(await gp.locator("#device-polls").count(), 0, "nothing remembered yet");
    await gp.getByRole("link", { name: "New poll" }).click();
    await gp.waitForURL((u) => u.pathname === "/poll/new");
    await gp.getByRole("radio", { name: /Classic poll/ }).check();
    await gp.getByLabel("Title").fill("Picnic food");
    await gp.getByLabel("Your name", { exact: true }).fill("Gaby");
    await gp.getByLabel("Option 1", { exact: true }).fill("Salads");
    await gp.getByLabel("Option 2", { exact: true }).fill("Quiches");
    await gp.getByRole("button", { name: "Create the poll" }).click();

    // The address is the admin link: a reload keeps both links on screen.
    await gp.waitForURL((u) => u.pathname.startsWith("/poll/admin/"));
    await gp.getByText("Your poll is ready").waitFor();
    await gp.getByText("This browser also remembers it, under “My polls on this device”.").waitFor();
    const pub = await gp.getByLabel("Public link").inputValue();
    const adm = await gp.getByLabel("Secret administration link").inputValue();
    assert.equal(pathOf(adm), pathOf(gp.url()));
    const id = pathOf(pub).split("/").pop();
    await gp.reload();
    await gp.getByRole("heading", { level: 1, name: "Picnic food" }).waitFor();
    assert.equal(await gp.getByLabel("Public link").inputValue(), pub);
    assert.equal(await gp.getByLabel("Secret administration link").inputValue(), adm);
    assert.equal(await gp.getByText("Your poll is ready").count(), 0, "said once, right after creating");
    // Back leads to where the guest came from, not to an empty form.
    await gp.goBack();
    await gp.waitForURL((u) => u.pathname === "/polls");

    const mine = gp.locator(`#device-polls [data-poll="${id}"]`);
    await mine.getByRole("link", { name: "Picnic food", exact: true }).waitFor();
    assert.equal(await mine.getByRole("link", { name: "Administer the poll “Picnic food”" }).getAttribute("href"), pathOf(adm));
    await mine.getByText(/^created here on /).waitFor();

    // A poll made by someone else, answered from this browser: listed with the personal edit link.
    const other = await newContext();
    await other.page.goto("/polls");
    const theirs = await createPollApi(other.page, {
      kind: "classic",
      title: "Saturday or Sunday?",
      author_name: "Hugo",
      options: [{ label: "Saturday" }, { label: "Sunday" }],
    });
    await closeContext(other);
    await gp.goto(pathOf(theirs.url));
    await gp.locator("tr.poll-new-row").getByLabel("Your name").fill("Gaby");
    await gp.locator(`tr.poll-new-row [data-answer="yes"]`).first().click();
    await gp.getByRole("button", { name: "Send my answers" }).click();
    await gp.getByText("Your answers are saved").waitFor();
    const editUrl = await gp.getByLabel("Personal link to change your answers").inputValue();
    await gp.goto("/polls");
    const answered = gp.locator(`#device-polls [data-poll="${theirs.poll.id}"]`);
    await answered.getByText(/^you answered on /).waitFor();
    assert.equal(await answered.getByRole("link", { name: "Change my answers to “Saturday or Sunday?”" }).getAttribute("href"), pathOf(editUrl));
    assert.equal(await answered.getByRole("link", { name: /^Administer/ }).count(), 0, "no admin link for a poll answered only");
    // The latest first; both survive a reload.
    await gp.reload();
    await gp.locator("#device-polls [data-poll]").nth(1).waitFor();
    assert.deepEqual(await gp.locator("#device-polls [data-poll]").evaluateAll((els) => els.map((e) => e.dataset.poll)), [theirs.poll.id, id]);
    await gp.screenshot({ path: join(ARTIFACTS, "polls-device.png"), fullPage: true });

    // Forgotten on this device only: the poll itself stays.
    await answered.getByRole("button", { name: "Forget “Saturday or Sunday?” on this device" }).click();
    await gp.getByRole("dialog").getByRole("button", { name: "Forget" }).click();
    await answered.waitFor({ state: "detached" });
    await mine.waitFor();
    assert.equal((await viewOf(gp, theirs.poll.id)).participants.length, 1);
    await noCspViolation(gp);
    await closeContext(guest);
  });

  it("signed in, My polls lists the polls answered too", async () => {
    const { page } = admin;
    const guest = await newContext();
    await guest.page.goto("/polls");
    const theirs = await createPollApi(guest.page, {
      kind: "classic",
      title: "Which bakery?",
      author_name: "Iris",
      options: [{ label: "The corner one" }, { label: "The market stall" }],
    });
    await closeContext(guest);
    await page.goto(pathOf(theirs.url));
    await page.locator("tr.poll-new-row").getByLabel("Your name").fill("Admin");
    await page.locator(`tr.poll-new-row [data-answer="yes"]`).first().click();
    await page.getByRole("button", { name: "Send my answers" }).click();
    await page.getByText("Your answers are saved").waitFor();
    await page.goto("/polls");
    const item = page.locator(`#my-polls [data-poll="${theirs.poll.id}"]`);
    await item.getByText("You answered").waitFor();
    assert.equal(await item.getAttribute("data-role"), "answered");
    assert.equal(await item.getByRole("link", { name: /^Administer/ }).count(), 0);
    // The newest activity first: above the polls the admin created earlier.
    assert.equal(await page.locator("#my-polls [data-poll]").first().getAttribute("data-poll"), theirs.poll.id);
    assert.equal(await page.locator("#device-polls").count(), 0);
  });

  it("the create and admin pages fit a phone screen", async () => {
    const bp = bob.page;
    await bp.goto("/poll/new");
    await bp.getByRole("button", { name: "Next month" }).click();
    const first = bp.locator("button.poll-day").nth(10);
    await first.click();
    await bp.getByRole("button", { name: /^Add a time/ }).click();
    await bp.locator("#poll-more summary").click();
    await noHorizontalOverflow(bp);
    await bp.goto(pathOf(adminUrl));
    await waitLive(bp);
    await bp.locator(".poll-compact").waitFor();
    await noHorizontalOverflow(bp);
    await noCspViolation(bp);
  });

  it("in French, a refusal from the server reads in French, not in the server's English", async () => {
    const fr = await newContext({ timezoneId: "Europe/Paris", locale: "fr-FR" });
    fr.allowHttpError(/\/api\/v1\/polls$/, 422);
    const { page } = fr;
    await page.goto("/poll/new");
    await page.getByRole("radio", { name: /Sondage classique/ }).check();
    // A bell character pasted with the title: the form lets it through, the server refuses it.
    await page.getByLabel("Titre", { exact: true }).fill("Pique-nique\u0007");
    await page.getByLabel("Votre nom", { exact: true }).fill("Gaby");
    await page.getByLabel("Proposition 1", { exact: true }).fill("Salades");
    await page.getByLabel("Proposition 2", { exact: true }).fill("Quiches");
    await page.getByRole("button", { name: "Créer le sondage" }).click();
    await page.getByText("Titre : retirez les caractères de contrôle invisibles (souvent collés).").waitFor();
    const shown = await page.locator("main").innerText();
    assert.doesNotMatch(shown, /control characters|title:/, "no English from the server's message");
    assert.equal(new URL(page.url()).pathname, "/poll/new", "nothing was created");
    await closeContext(fr);
  });

  it("leaves no console error", async () => {
    for (const g of [admin, alice, bob]) await closeContext(g);
  });
});
