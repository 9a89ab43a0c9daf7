// End-to-end tests of video calls, through the SFU inside the server, with Chromium's fake camera,
// microphone and screen: the admin starts a call from /video; an anonymous guest joins by the link
// with a name; each sees the other's camera playing (frames decoded, bytes arriving); a muted
// microphone shows on the other's tile; a shared screen appears as a new tile; in-call chat (to
// everyone and private) and a raised hand; a password room refuses a wrong password and lets the
// right one in; the moderator removes the guest, who sees why; a phone (390×844) in the call has
// no horizontal overflow; a dropped socket shows "reconnecting" and the call resumes. Also: an
// off-screen tile is paused, a lobby (in French) and a locked room, a moderator's mute, a deleted room
// ends the call, a link to a missing room offers to create it.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { launchBrowser } from "./lib/browser.mjs";
import { closeContext as closeTracked, login, noCspViolation, noHorizontalOverflow, openContext } from "./lib/helpers.mjs";
import { BROWSER_TESTS_DIR, startServer } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const ARTIFACTS = join(BROWSER_TESTS_DIR, "artifacts");
const ROOM = "team-sync";
const SECRET_ROOM = "board-secret";
const SECRET = "open sesame 2027";

/** Chromium's fake devices, no permission prompts, loopback ICE candidates as plain addresses. */
const VIDEO_ARGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--allow-loopback-in-peer-connection",
  "--auto-select-desktop-capture-source=Entire screen",
  "--autoplay-policy=no-user-gesture-required",
];

let server;
let browser;
const open = new Set();

const newContext = (options = {}) => openContext(open, browser, server, { permissions: ["camera", "microphone"], ...options });
const closeContext = (g) => closeTracked(open, g);

const tile = (page, pid, source = "camera") => page.locator(`.video-tile[data-participant="${pid}"][data-source="${source}"]`);

/** Joins from the pre-join screen of the current page and returns my participant id. */
async function joinCall(page, name) {
  const field = page.getByLabel("Your name");
  await field.waitFor();
  if (name !== undefined) await field.fill(name);
  const join = page.getByRole("button", { name: "Join the call" });
  await page.waitForFunction(() => !document.querySelector(".video-join")?.disabled, null, { timeout: 15_000 });
  await join.click();
  await page.locator('.video-call[data-phase="call"]').waitFor({ timeout: 20_000 });
  const id = await page.evaluate(() => window.__videoCall?.selfId);
  assert.ok(id, "a participant id after joining");
  return id;
}

/** Waits until the tile of `pid`'s `source` plays decoded frames (on timeout, says what it saw). */
async function videoPlays(page, pid, source = "camera") {
  try {
    await page.waitForFunction(
      ([pid, source]) => {
        const v = document.querySelector(`.video-tile[data-participant="${pid}"][data-source="${source}"] video`);
        return !!v && v.videoWidth > 0 && v.readyState >= 2;
      },
      [pid, source],
      { timeout: 30_000 },
    );
  } catch (e) {
    const seen = await page.evaluate(
      async ([pid, source]) => {
        const call = window.__videoCall;
        const t = document.querySelector(`.video-tile[data-participant="${pid}"][data-source="${source}"]`);
        const v = t?.querySelector("video");
        const mid = call && Object.keys(call.tracks).find((m) => call.tracks[m].participant === pid && call.tracks[m].source === source);
        const tr = call?.pc?.getTransceivers().find((x) => x.mid === mid);
        const stats = [];
        if (tr) (await tr.receiver.getStats()).forEach((s) => s.type === "inbound-rtp" && stats.push({ bytes: s.bytesReceived, frames: s.framesDecoded, keyframes: s.keyFramesDecoded, pli: s.pliCount, nack: s.nackCount, lost: s.packetsLost }));
        const pairs = [];
        if (call?.pc) (await call.pc.getStats()).forEach((s) => s.type === "candidate-pair" && pairs.push(`${s.state}${s.nominated ? "*" : ""} req ${s.requestsSent}/${s.responsesReceived}`));
        const ice = call?.pc ? `${call.pc.iceConnectionState}/${call.pc.iceGatheringState}/${call.pc.signalingState}` : null;
        return { tile: t ? { ...t.dataset } : null, video: v ? { w: v.videoWidth, rs: v.readyState } : null, mid, pc: call?.pc?.connectionState, ice, pairs, stats };
      },
      [pid, source],
    );
    throw new Error(`${pid}'s ${source} does not play: ${JSON.stringify(seen)}\n${e.message}`);
  }
}

/** Bytes of video received so far on the call's peer connection (all inbound video streams). */
async function inboundVideoBytes(page) {
  return page.evaluate(async () => {
    const pc = window.__videoCall?.pc;
    if (!pc) return 0;
    const report = await pc.getStats();
    let bytes = 0;
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") bytes += s.bytesReceived || 0;
    });
    return bytes;
  });
}

async function bytesIncrease(page) {
  const a = await inboundVideoBytes(page);
  await page.waitForTimeout(1500);
  const b = await inboundVideoBytes(page);
  assert.ok(b > a, `inbound video bytes grow (${a} → ${b})`);
}

/** Audio packets received and lost so far on the call's peer connection. */
async function inboundAudio(page) {
  return page.evaluate(async () => {
    const report = await window.__videoCall.pc.getStats();
    const audio = { received: 0, lost: 0 };
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        audio.received += s.packetsReceived || 0;
        audio.lost += s.packetsLost || 0;
      }
    });
    return audio;
  });
}

/** Audio is never retransmitted, so a packet dropped anywhere between the other browser and this
 * one shows as lost here: the SFU once dropped a third of them. */
async function audioArrivesWhole(page) {
  const a = await inboundAudio(page);
  await page.waitForTimeout(2500);
  const b = await inboundAudio(page);
  const received = b.received - a.received;
  const lost = b.lost - a.lost;
  assert.ok(received >= 50, `audio packets arrive (${received} in 2.5 s)`);
  assert.ok(lost <= received * 0.1, `audio crosses the SFU whole: ${lost} lost for ${received} received`);
}

/** Bytes received so far for one participant's source (its receiver's inbound-rtp). */
async function bytesOf(page, pid, source) {
  return page.evaluate(
    async ([pid, source]) => {
      const call = window.__videoCall;
      const mid = Object.keys(call.tracks).find((m) => call.tracks[m].participant === pid && call.tracks[m].source === source);
      const tr = call.pc.getTransceivers().find((t) => t.mid === mid);
      if (!tr) return -1;
      let bytes = 0;
      (await tr.receiver.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp") bytes += s.bytesReceived || 0;
      });
      return bytes;
    },
    [pid, source],
  );
}

async function control(page, name) {
  await page.locator(`.video-controls [data-control="${name}"]`).click();
}

describe("Video", { concurrency: false }, () => {
  let admin;
  let guest;
  let adminId;
  let guestId;
  /** The frames the admin's page sent on its sockets. */
  const adminSent = [];

  before(async () => {
    server = await startServer({ adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser({ extraArgs: VIDEO_ARGS });
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterEach(() => {
    for (const g of open) g.assertClean();
  });

  after(async () => {
    for (const g of open) await g.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (server) {
      if (process.env.NICHOIR_TEST_LOG) console.log(server.logs());
      await server.stop();
    }
  });

  it("the admin starts a call and a guest joins by the link: each sees the other's camera", async () => {
    admin = await newContext();
    const { page } = admin;
    page.on("websocket", (ws) => ws.on("framesent", (f) => adminSent.push(String(f.payload))));
    await login(page, "admin", ADMIN_PASSWORD);
    // Home → Video (no "Coming soon" badge any more).
    await page.goto("/");
    const card = page.locator('a.tool-card[href="/video"]');
    await card.waitFor();
    assert.equal(await card.locator(".badge").count(), 0, "no 'Coming soon' badge on the Video card");
    await card.click();
    await page.waitForURL((u) => u.pathname === "/video");
    await page.getByRole("heading", { level: 1, name: "Video" }).waitFor();
    await page.locator("#video-mine").getByText("You have not created a room yet.").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "video-home.png"), fullPage: true });

    const start = page.locator("#video-start");
    await start.getByLabel("Room name").fill(ROOM);
    await start.getByLabel("Title").fill("Team sync");
    await page.getByRole("button", { name: "Start the call" }).click();
    await page.waitForURL((u) => u.pathname === `/video/${ROOM}`);
    // Pre-join: the camera preview plays, the name comes from the account.
    await page.getByRole("heading", { level: 1, name: "Team sync" }).waitFor();
    await page.locator('.video-preview[data-preview="camera"] video').waitFor();
    await page.waitForFunction(() => (document.querySelector(".video-preview video")?.videoWidth ?? 0) > 0);
    assert.equal(await page.getByLabel("Your name").inputValue(), "admin");
    await page.getByText("Nobody is in the call yet.").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "video-prejoin.png") });
    adminId = await joinCall(page);

    // The guest: no account, opens the link, sees who is there, types a name.
    guest = await newContext();
    const g = guest.page;
    await g.goto(`/video/${ROOM}`);
    await g.getByText("admin is in the call.").waitFor({ timeout: 15_000 });
    assert.equal(await g.getByLabel("Your name").inputValue(), "");
    await g.getByRole("button", { name: "Join the call" }).click();
    await g.getByText("Type your name so others know who you are.").waitFor();
    guestId = await joinCall(g, "Bruno");

    // Each one sees the other's camera: frames decoded, bytes arriving.
    await videoPlays(page, guestId);
    await videoPlays(g, adminId);
    await bytesIncrease(page);
    await bytesIncrease(g);
    await audioArrivesWhole(page);
    await audioArrivesWhole(g);
    // Own tiles are mirrored; the other's name is shown.
    assert.equal(await tile(page, adminId).locator("video.is-mirrored").count(), 1);
    await tile(page, guestId).getByText("Bruno").waitFor();
    await tile(g, adminId).getByText("admin").waitFor();
    assert.equal(await page.locator(".video-grid").getAttribute("data-count"), "2");
    // The fake microphones beep: with mine muted, the guest's tile lights up as the active speaker.
    await control(page, "mic");
    await page.locator(`.video-tile[data-participant="${guestId}"][data-speaking="true"]`).waitFor({ timeout: 15_000 });
    await control(page, "mic");
    // My connection quality is measured and shown to the other side.
    await g.waitForFunction((pid) => document.querySelector(`.video-tile[data-participant="${pid}"] .video-quality`)?.dataset.quality !== "unknown", adminId, { timeout: 15_000 });
    await noCspViolation(page);
    await noCspViolation(g);
    await page.screenshot({ path: join(ARTIFACTS, "video-call.png") });
    await g.screenshot({ path: join(ARTIFACTS, "video-call-guest.png") });
  });

  it("a muted microphone shows on the other's tile", async () => {
    await control(guest.page, "mic");
    await guest.page.locator('.video-controls [data-control="mic"].is-off').waitFor();
    await tile(admin.page, guestId).and(admin.page.locator('[data-muted="true"]')).waitFor({ timeout: 10_000 });
    await tile(admin.page, guestId).locator(".video-muted-icon").waitFor();
    assert.equal(await guest.page.evaluate(() => window.__videoCall.mic?.enabled), false, "the track is disabled");
    await control(guest.page, "mic");
    await tile(admin.page, guestId).and(admin.page.locator('[data-muted="false"]')).waitFor({ timeout: 10_000 });
    // Camera off: the other sees the avatar instead of the video.
    await control(guest.page, "camera");
    await tile(admin.page, guestId).and(admin.page.locator('[data-video="false"]')).waitFor({ timeout: 10_000 });
    await control(guest.page, "camera");
    await videoPlays(admin.page, guestId);

    // In-call settings: another microphone; the guest keeps receiving the admin's sound.
    const a = admin.page;
    await a.locator(".video-settings-btn").click();
    const panel = a.locator(".video-settings");
    await panel.getByLabel("Camera").waitFor();
    const mics = panel.getByLabel("Microphone");
    const values = await mics.locator("option").evaluateAll((os) => os.map((o) => o.value));
    if (values.length > 1) {
      await mics.selectOption(values[1]);
      await a.waitForFunction((id) => window.__videoCall.mic?.getSettings().deviceId === id, values[1]);
    }
    await a.screenshot({ path: join(ARTIFACTS, "video-settings.png") });
    await a.locator(".video-settings-btn").click();
    const m0 = await bytesOf(guest.page, adminId, "mic");
    await guest.page.waitForTimeout(1500);
    assert.ok((await bytesOf(guest.page, adminId, "mic")) > m0, "the admin's sound still arrives");
  });

  it("a shared screen appears as a new tile on the other side, playing", async () => {
    await control(guest.page, "screen");
    await tile(guest.page, guestId, "screen").waitFor({ timeout: 15_000 });
    await videoPlays(admin.page, guestId, "screen");
    await admin.page.locator('[data-layout="stage"] .video-stage .video-tile[data-source="screen"]').waitFor();
    // The camera tiles stay in the strip.
    await videoPlays(admin.page, guestId, "camera");
    await admin.page.screenshot({ path: join(ARTIFACTS, "video-screen.png") });
    await control(guest.page, "screen");
    await tile(admin.page, guestId, "screen").waitFor({ state: "detached", timeout: 15_000 });
    await admin.page.locator('[data-layout="grid"]').waitFor();
  });

  it("in-call chat (to everyone and private) and a raised hand", async () => {
    const a = admin.page;
    const g = guest.page;
    await control(a, "chat");
    const box = a.getByRole("textbox", { name: "Message everyone" });
    await box.fill("Hello Bruno, can you hear me?");
    await box.press("Enter");
    await a.locator(".video-chat-line.is-mine", { hasText: "Hello Bruno, can you hear me?" }).waitFor();
    // The guest's chat button shows an unread count; opening the chat shows the message.
    await g.locator('.video-controls [data-control="chat"] .video-ctl-badge').waitFor({ timeout: 10_000 });
    await control(g, "chat");
    await g.locator(".video-chat-line", { hasText: "Hello Bruno, can you hear me?" }).getByText("admin").waitFor();
    // A private answer.
    await g.getByLabel("To", { exact: true }).selectOption({ label: "admin" });
    const gbox = g.getByRole("textbox", { name: "Private message to admin" });
    await gbox.fill("Loud and clear (just for you)");
    await g.getByRole("button", { name: "Send" }).click();
    await g.locator('.video-chat-line.is-mine[data-private="true"]', { hasText: "Loud and clear" }).getByText("privately to admin").waitFor();
    await a.locator('.video-chat-line[data-private="true"]', { hasText: "Loud and clear (just for you)" }).waitFor({ timeout: 10_000 });
    assert.equal(await a.locator(".video-chat-line", { hasText: "Loud and clear" }).count(), 1, "shown once");
    assert.equal(await g.locator(".video-chat-line", { hasText: "Loud and clear" }).count(), 1, "my own line is not doubled by the echo");
    await a.screenshot({ path: join(ARTIFACTS, "video-chat.png") });
    await control(g, "chat");

    await control(g, "hand");
    await tile(a, guestId).locator(".video-hand").waitFor({ timeout: 10_000 });
    assert.equal(await tile(a, guestId).getAttribute("data-hand"), "true");
    await control(a, "people");
    await a.locator(`.video-people [data-person="${guestId}"] .video-hand-sm`).waitFor();
    await a.screenshot({ path: join(ARTIFACTS, "video-people.png") });
    await control(a, "people");
    await control(g, "hand");
    await tile(a, guestId).and(a.locator('[data-hand="false"]')).waitFor({ timeout: 10_000 });
  });

  it("an off-screen video is paused, and comes back when shown again", async () => {
    const a = admin.page;
    const pauses = (paused) => adminSent.filter((f) => f.includes('"type":"pause"') && f.includes(`"participant":"${guestId}"`) && f.includes(`"paused":${paused}`)).length;
    const before = pauses(true);
    // The guest's tile leaves the view (as when scrolled away).
    await a.evaluate((pid) => {
      document.querySelector(`.video-tile[data-participant="${pid}"][data-source="camera"]`).hidden = true;
    }, guestId);
    for (let i = 0; i < 50 && pauses(true) === before; i++) await a.waitForTimeout(100);
    assert.ok(pauses(true) > before, "pause sent");
    await a.waitForTimeout(1000);
    const x = await bytesOf(a, guestId, "camera");
    await a.waitForTimeout(2000);
    const y = await bytesOf(a, guestId, "camera");
    assert.ok(y - x < 3000, `the server stopped forwarding it (${x} → ${y})`);
    const resumed = pauses(false);
    await a.evaluate((pid) => {
      document.querySelector(`.video-tile[data-participant="${pid}"][data-source="camera"]`).hidden = false;
    }, guestId);
    for (let i = 0; i < 50 && pauses(false) === resumed; i++) await a.waitForTimeout(100);
    assert.ok(pauses(false) > resumed, "resume sent");
    await a.waitForTimeout(500);
    const z = await bytesOf(a, guestId, "camera");
    await a.waitForTimeout(1500);
    assert.ok((await bytesOf(a, guestId, "camera")) > z, "forwarded again");
    await videoPlays(a, guestId);
  });

  it("a password room: a wrong password gets a clear error, the right one joins", async () => {
    const a = admin.page;
    const other = await newContext();
    // The admin creates it from /video in another tab of the same browser.
    const tab = await admin.context.newPage();
    await tab.goto("/video");
    const start = tab.locator("#video-start");
    await start.getByLabel("Room name").fill(SECRET_ROOM);
    await start.locator(".video-more summary").click();
    await start.getByLabel("Password").fill(SECRET);
    await tab.getByRole("button", { name: "Start the call" }).click();
    await tab.waitForURL((u) => u.pathname === `/video/${SECRET_ROOM}`);
    await tab.close();
    await a.bringToFront();

    const p = other.page;
    await p.goto(`/video/${SECRET_ROOM}`);
    await p.getByLabel("Room password").waitFor();
    await p.getByLabel("Your name").fill("Chloé");
    await p.getByLabel("Room password").fill("not the password");
    await p.getByRole("button", { name: "Join the call" }).click();
    await p.locator(".field-error", { hasText: "Wrong password." }).waitFor({ timeout: 10_000 });
    assert.equal(await p.locator(".video-call").count(), 0, "not in the call");
    await p.screenshot({ path: join(ARTIFACTS, "video-password.png") });
    await p.getByLabel("Room password").fill(SECRET);
    await p.getByRole("button", { name: "Join the call" }).click();
    await p.locator('.video-call[data-phase="call"]').waitFor({ timeout: 20_000 });
    await control(p, "leave");
    await p.getByText("You left the call").waitFor();
    assert.equal(await p.evaluate(() => window.__videoCall.camera), null, "the camera is released");
    // Rejoin: back to the pre-join screen (the password kept), then in the call again.
    await p.getByRole("button", { name: "Rejoin" }).click();
    await p.locator('.video-preview[data-preview="camera"] video').waitFor();
    assert.equal(await p.getByLabel("Room password").inputValue(), SECRET);
    await p.getByRole("button", { name: "Join the call" }).click();
    await p.locator('.video-call[data-phase="call"]').waitFor({ timeout: 20_000 });
    await control(p, "leave");
    await p.getByText("You left the call").waitFor();

    // The owner, from "My rooms", removes the password and sets a capacity: the room opens
    // without a password from then on.
    const mine = await admin.context.newPage();
    await mine.goto("/video");
    const row = mine.locator(`#video-mine [data-room="${SECRET_ROOM}"]`);
    await row.getByText("Password").waitFor();
    await row.getByRole("button", { name: `Settings of ${SECRET_ROOM}` }).click();
    const form = row.getByRole("form", { name: `Settings of ${SECRET_ROOM}` });
    await form.getByLabel("Maximum participants").fill("1");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByText("at least 2", { exact: false }).waitFor();
    await form.getByLabel("Maximum participants").fill("6");
    await form.getByLabel("Remove the password").check();
    await form.getByRole("button", { name: "Save" }).click();
    await form.waitFor({ state: "detached" });
    await row.getByText("Password").waitFor({ state: "detached" });
    await mine.close();
    const room = await p.evaluate(async (id) => (await fetch(`/api/v1/video/rooms/${id}`)).json(), SECRET_ROOM);
    assert.equal((room.room ?? room).capacity, 6);
    assert.equal((room.room ?? room).protected, false);
    await p.goto(`/video/${SECRET_ROOM}`);
    await p.getByLabel("Your name").waitFor();
    assert.equal(await p.getByLabel("Room password").count(), 0, "no password asked any more");
    await closeContext(other);
  });

  it("a lobby room: the newcomer waits until the moderator admits them; a locked room refuses", async () => {
    // The admin opens a lobby room in another tab and joins it as its moderator.
    const tab = await admin.context.newPage();
    await tab.goto("/video");
    const start = tab.locator("#video-start");
    await start.getByLabel("Room name").fill("lobby-room");
    await start.locator(".video-more summary").click();
    await start.getByLabel("Lobby").check();
    await start.getByRole("button", { name: "Start the call" }).click();
    await tab.waitForURL((u) => u.pathname === "/video/lobby-room");
    await joinCall(tab);

    const other = await newContext({ locale: "fr-FR" });
    const p = other.page;
    await p.goto("/video/lobby-room");
    // In French: the pre-join screen, then the lobby.
    await p.getByText("Un modérateur vous fera entrer.").waitFor();
    await p.getByLabel("Votre nom").fill("Élise");
    await p.getByRole("button", { name: "Rejoindre la réunion" }).click();
    await p.locator('[data-phase="waiting"]').getByText("En attente d'entrer").waitFor({ timeout: 10_000 });
    await p.screenshot({ path: join(ARTIFACTS, "video-lobby-waiting.png") });
    // The moderator is told and admits.
    const knock = tab.locator(".video-knock", { hasText: "Élise is asking to join" });
    await knock.waitFor({ timeout: 10_000 });
    await tab.screenshot({ path: join(ARTIFACTS, "video-lobby-knock.png") });
    await knock.getByRole("button", { name: "Admit" }).click();
    await p.locator('.video-call[data-phase="call"]').waitFor({ timeout: 15_000 });
    const eliseId = await p.evaluate(() => window.__videoCall.selfId);
    await videoPlays(tab, eliseId);
    await p.getByRole("button", { name: "Couper le micro (M)" }).waitFor();

    // In the call, the moderator changes the room's settings; everyone's top bar follows.
    await control(tab, "people");
    await tab.getByRole("button", { name: "Room settings" }).click();
    const settings = tab.locator(".video-people .video-room-settings");
    await settings.getByLabel("Title").fill("Monday meeting");
    await settings.getByRole("button", { name: "Save" }).click();
    await settings.waitFor({ state: "detached" });
    await p.locator(".video-topbar-title").getByText("Monday meeting").waitFor({ timeout: 10_000 });
    await tab.locator(".video-topbar-title").getByText("Monday meeting").waitFor({ timeout: 10_000 });

    // Locked: nobody new may join.
    await tab.getByRole("button", { name: "Lock the room" }).click();
    await tab.locator(".video-topbar-lock").waitFor({ timeout: 10_000 });
    const late = await newContext();
    await late.page.goto("/video/lobby-room");
    await late.page.getByText("The room is locked: nobody new can join.").first().waitFor({ timeout: 10_000 });
    await late.page.getByLabel("Your name").fill("Late Larry");
    await late.page.getByRole("button", { name: "Join the call" }).click();
    await late.page.getByText("A moderator locked this room: nobody new can join.").waitFor({ timeout: 10_000 });
    assert.equal(await late.page.locator(".video-call").count(), 0);
    await closeContext(late);

    // The owner deletes the room from "My rooms": the people in the call see that it ended.
    const mine = await admin.context.newPage();
    await mine.goto("/video");
    const row = mine.locator('#video-mine [data-room="lobby-room"]');
    await row.getByRole("button", { name: "Delete the room Monday meeting" }).click();
    await mine.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached" });
    await p.locator('[data-reason="ended"]').getByText("La réunion est terminée").waitFor({ timeout: 10_000 });
    await tab.locator('[data-reason="ended"]').waitFor({ timeout: 10_000 });
    await mine.close();
    await closeContext(other);
    await tab.close();
    await admin.page.bringToFront();
  });

  it("the moderator removes the guest, who sees the removed screen", async () => {
    const a = admin.page;
    await control(a, "people");
    // First a moderator's mute: the guest's microphone goes off and they are told.
    await a.locator(`.video-people [data-person="${guestId}"] [data-action="mute"]`).click();
    await guest.page.locator('[data-notice="video.notice.mutedBy"]', { hasText: "admin muted your microphone." }).waitFor({ timeout: 10_000 });
    await guest.page.locator('.video-controls [data-control="mic"].is-off').waitFor();
    assert.equal(await guest.page.evaluate(() => window.__videoCall.mic?.enabled), false);
    await tile(a, guestId).and(a.locator('[data-muted="true"]')).waitFor({ timeout: 10_000 });
    await a.locator(`.video-people [data-person="${guestId}"] [data-action="remove"]`).click();
    await a.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
    await guest.page.locator('[data-reason="removed"]').getByText("You were removed from the call").waitFor({ timeout: 10_000 });
    await tile(a, guestId).waitFor({ state: "detached", timeout: 10_000 });
    await guest.page.screenshot({ path: join(ARTIFACTS, "video-removed.png") });
    await control(a, "people");
    // The removed guest's camera and microphone are released.
    assert.equal(await guest.page.evaluate(() => window.__videoCall?.camera ?? null), null);
    await closeContext(guest);
  });

  it("a link to a room that does not exist offers to create it", async () => {
    const g = await newContext();
    g.allowHttpError(/\/api\/v1\/video\/rooms\/fresh-idea$/, 404);
    const p = g.page;
    await p.goto("/video");
    await p.getByLabel("Link or room name").fill("Fresh Idea");
    await p.getByRole("button", { name: "Join", exact: true }).click();
    await p.waitForURL((u) => u.pathname === "/video/fresh-idea");
    await p.getByRole("heading", { name: "No room at this address" }).waitFor();
    await p.getByRole("button", { name: "Create the room “fresh-idea”" }).click();
    await p.getByRole("heading", { level: 1, name: "fresh-idea" }).waitFor();
    await p.getByText("Nobody is in the call yet.").waitFor();
    await closeContext(g);
  });

  it("on a phone (390×844) the call fits the screen", async () => {
    const phone = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = phone.page;
    // Keeps the page's WebSockets reachable, to cut the connection as a network loss would.
    await phone.context.addInitScript(() => {
      const Native = window.WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends Native {
        constructor(...args) {
          super(...args);
          window.__sockets.push(this);
        }
      };
    });
    await p.goto(`/video/${ROOM}`);
    await p.getByText("admin is in the call.").waitFor({ timeout: 15_000 });
    await noHorizontalOverflow(p);
    await p.screenshot({ path: join(ARTIFACTS, "video-phone-prejoin.png"), fullPage: true });
    const phoneId = await joinCall(p, "Dana on a phone");
    await videoPlays(p, adminId);
    await videoPlays(admin.page, phoneId);
    await noHorizontalOverflow(p);
    for (const name of ["mic", "camera", "hand", "chat", "people", "leave"]) {
      const box = await p.locator(`.video-controls [data-control="${name}"]`).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, `${name} button on screen`);
    }
    await p.screenshot({ path: join(ARTIFACTS, "video-phone-call.png") });
    await control(p, "chat");
    await noHorizontalOverflow(p);
    await p.screenshot({ path: join(ARTIFACTS, "video-phone-chat.png") });
    await control(p, "chat");
    await noCspViolation(p);

    // A dropped socket: "reconnecting", then the same participant is back (resume). The banner may
    // come and go within milliseconds, so it is recorded as it appears rather than polled for.
    phone.allowOfflineErrors();
    await p.evaluate(() => {
      window.__sawBanner = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-banner="reconnecting"]')) window.__sawBanner = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await phone.context.setOffline(true);
    await p.evaluate(() => window.__sockets.forEach((ws) => ws.close()));
    await p.waitForFunction(() => window.__sawBanner === true, null, { timeout: 15_000 });
    await p.screenshot({ path: join(ARTIFACTS, "video-phone-reconnecting.png") });
    await phone.context.setOffline(false);
    await p.locator('[data-banner="reconnecting"]').waitFor({ state: "detached", timeout: 30_000 });
    assert.equal(await p.evaluate(() => window.__videoCall.selfId), phoneId, "the same participant came back");
    await videoPlays(p, adminId);
    await closeContext(phone);
  });
});
