import assert from "node:assert/strict";
import { test } from "node:test";
import { roomList, unwrapRoom } from "../src/video/api.ts";
import { callDuration, chooseSpeaker, fitTiles, gridLayout, parseCapacity, qualityLevel, roomFromInput, ROOM_NAME, slugRoomName } from "../src/video/layout.ts";
import { SerialQueue, out, parseFrame, parseParticipant, parseTracks } from "../src/video/signalling.ts";
import { qualitySample } from "../src/video/stats.ts";

test("grid layout by number of tiles", () => {
  const g = (n: number, portrait = false) => {
    const { cols, rows } = gridLayout(n, portrait);
    return `${cols}x${rows}`;
  };
  assert.equal(g(0), "1x1");
  assert.equal(g(1), "1x1");
  assert.equal(g(2), "2x1");
  assert.equal(g(3), "2x2");
  assert.equal(g(4), "2x2");
  assert.equal(g(5), "3x2");
  assert.equal(g(6), "3x2");
  assert.equal(g(7), "3x3");
  assert.equal(g(9), "3x3");
  assert.equal(g(10), "4x3");
  assert.equal(g(12), "4x3");
  assert.equal(g(13), "4x4");
  // A phone held upright stacks.
  assert.equal(g(1, true), "1x1");
  assert.equal(g(2, true), "1x2");
  assert.equal(g(3, true), "2x2");
  assert.equal(g(6, true), "2x3");
  assert.equal(g(7, true), "3x3");
  assert.equal(g(12, true), "3x4");
  for (let n = 1; n <= 30; n++) {
    for (const p of [false, true]) {
      const { cols, rows } = gridLayout(n, p);
      assert.ok(cols * rows >= n, `${n} tiles fit`);
      assert.ok(cols * (rows - 1) < n, `${n}: no empty row`);
    }
  }
});

test("tiles keep 16:9 and fit the space", () => {
  assert.deepEqual(fitTiles(1, 1, 1600, 900, 8), { width: 1600, height: 900 });
  assert.deepEqual(fitTiles(1, 1, 1000, 900, 8), { width: 1000, height: 562 }, "width-bound");
  assert.deepEqual(fitTiles(1, 1, 1600, 450, 8), { width: 800, height: 450 }, "height-bound");
  const two = fitTiles(2, 1, 1256, 744, 8);
  assert.equal(two.width, 624);
  assert.equal(two.height, 351);
  const nine = fitTiles(3, 3, 1256, 744, 8);
  assert.ok(nine.width * 3 + 16 <= 1256 && nine.height * 3 + 16 <= 744);
  assert.deepEqual(fitTiles(2, 2, 0, 0, 8), { width: 0, height: 0 });
});

test("active speaker: loudest above the threshold, sticky against small differences", () => {
  const m = (o: Record<string, number>) => new Map(Object.entries(o));
  assert.equal(chooseSpeaker(m({}), null), null);
  assert.equal(chooseSpeaker(m({ a: 0.001, b: 0.01 }), null), null);
  assert.equal(chooseSpeaker(m({ a: 0.3, b: 0.1 }), null), "a");
  assert.equal(chooseSpeaker(m({ a: 0.3, b: 0.35 }), "a"), "a", "not clearly louder: keep");
  assert.equal(chooseSpeaker(m({ a: 0.1, b: 0.5 }), "a"), "b");
  assert.equal(chooseSpeaker(m({ a: 0.0, b: 0.2 }), "a"), "b", "the current one went quiet");
  assert.equal(chooseSpeaker(m({ a: 0.2 }), "gone"), "a");
  assert.equal(chooseSpeaker(m({ a: 0.05 }), null, 0.1), null);
});

test("connection quality from stats", () => {
  assert.equal(qualityLevel({}), "unknown");
  assert.equal(qualityLevel({ fractionLost: 0, rtt: 0.05 }), "good");
  assert.equal(qualityLevel({ fractionLost: 0.05, rtt: 0.05 }), "fair");
  assert.equal(qualityLevel({ fractionLost: 0.2 }), "poor");
  assert.equal(qualityLevel({ rtt: 0.5 }), "fair");
  assert.equal(qualityLevel({ rtt: 1.2 }), "poor");
  assert.equal(qualityLevel({ availableOutgoingBitrate: 100_000 }), "good", "a low rate matters only when sending video");
  assert.equal(qualityLevel({ availableOutgoingBitrate: 100_000, sendingVideo: true }), "poor");
  assert.equal(qualityLevel({ availableOutgoingBitrate: 300_000, sendingVideo: true, rtt: 0.01 }), "fair");
  assert.equal(qualityLevel({ fractionLost: null, rtt: null, availableOutgoingBitrate: 2_000_000, sendingVideo: true }), "good");
});

test("quality numbers from a stats report: worst report, the selected pair only", () => {
  const report = (list: Record<string, unknown>[]) => ({ forEach: (cb: (s: Record<string, unknown> & { type: string }) => void) => list.forEach((s) => cb(s as never)) });
  assert.deepEqual(qualitySample(report([]), false), { fractionLost: null, rtt: null, availableOutgoingBitrate: null, sendingVideo: false });
  const r = report([
    { type: "remote-inbound-rtp", kind: "audio", fractionLost: 0.01, roundTripTime: 0.05 },
    { type: "remote-inbound-rtp", kind: "video", fractionLost: 0.2 },
    { type: "candidate-pair", nominated: false, state: "succeeded", availableOutgoingBitrate: 1 },
    { type: "candidate-pair", nominated: true, state: "succeeded", currentRoundTripTime: 0.9, availableOutgoingBitrate: 2_500_000 },
    { type: "outbound-rtp", kind: "video" },
  ]);
  assert.deepEqual(qualitySample(r, true), { fractionLost: 0.2, rtt: 0.05, availableOutgoingBitrate: 2_500_000, sendingVideo: true });
  assert.equal(qualityLevel(qualitySample(r, true)), "poor");
  const pairOnly = report([{ type: "candidate-pair", selected: true, state: "succeeded", currentRoundTripTime: 0.02, availableOutgoingBitrate: 900_000 }]);
  assert.equal(qualityLevel(qualitySample(pairOnly, true)), "good");
});

test("room names from what people type or paste", () => {
  assert.ok(ROOM_NAME.test("abc"));
  assert.ok(ROOM_NAME.test("asso-velo-ca"));
  assert.ok(!ROOM_NAME.test("ab"));
  assert.ok(!ROOM_NAME.test("-abc"));
  assert.ok(!ROOM_NAME.test("Abc"));
  assert.ok(!ROOM_NAME.test("a".repeat(65)));
  assert.equal(slugRoomName("Réunion du CA !"), "reunion-du-ca");
  assert.equal(slugRoomName("  --Hello  World-- "), "hello-world");
  assert.equal(roomFromInput(""), null);
  assert.equal(roomFromInput("  "), null);
  assert.equal(roomFromInput("https://meet.example.org/video/asso-velo-ca"), "asso-velo-ca");
  assert.equal(roomFromInput("http://127.0.0.1:8080/video/Xk3_9aB-cD2eF4gH?x=1"), "Xk3_9aB-cD2eF4gH");
  assert.equal(roomFromInput("/video/team-sync/"), "team-sync");
  assert.equal(roomFromInput("video/a%2Db"), "a-b");
  assert.equal(roomFromInput("Xk3_9aB-cD2eF4gH"), "Xk3_9aB-cD2eF4gH", "a generated token stays as is");
  assert.equal(roomFromInput("Team Sync"), "team-sync");
  assert.equal(roomFromInput("ab"), null);
});

test("call duration", () => {
  assert.equal(callDuration(0), "0:00");
  assert.equal(callDuration(65_000), "1:05");
  assert.equal(callDuration(3_723_000), "1:02:03");
  assert.equal(callDuration(-5), "0:00");
});

test("participants: defaults for absent flags, no id = not a participant", () => {
  assert.equal(parseParticipant({ name: "x" }), null);
  assert.equal(parseParticipant(null), null);
  const p = parseParticipant({ id: "p1", name: "Ana", audio: true, quality: "weird" });
  assert.deepEqual(p, { id: "p1", name: "Ana", user_id: null, moderator: false, audio: true, video: false, screen: false, hand: false, quality: "unknown", connected: true });
  assert.equal(parseParticipant({ id: "p1", name: "", connected: false })?.connected, false);
});

test("server frames parse, unknown ones are dropped", () => {
  assert.equal(parseFrame({ type: "nope" }), null);
  assert.equal(parseFrame({ type: "offer" }), null);
  const room = { id: "r", title: "", protected: false, lobby: false, capacity: 12, locked: false, participants: 1, owner: false, moderator: false, created_at: "", url: "" };
  const r = parseFrame({ type: "room", room, participants: [{ id: "a", name: "A" }, { bad: 1 }] });
  assert.equal(r?.type, "room");
  if (r?.type === "room") assert.equal(r.participants.length, 1);
  const j = parseFrame({ type: "joined", self: { id: "me", name: "Me" }, resume: "tok", moderator: true, ice_servers: [{ urls: ["stun:x"] }, { nope: 1 }] });
  assert.ok(j && j.type === "joined");
  if (j?.type === "joined") {
    assert.equal(j.resume, "tok");
    assert.equal(j.moderator, true);
    assert.equal(j.ice_servers.length, 1);
  }
  const o = parseFrame({ type: "offer", sdp: "v=0", tracks: { "0": { publish: "mic" }, "1": { participant: "p", source: "camera" }, "2": { publish: "nose" }, "3": 7 } });
  assert.deepEqual(o, { type: "offer", sdp: "v=0", tracks: { "0": { publish: "mic" }, "1": { participant: "p", source: "camera" } } });
  assert.deepEqual(parseFrame({ type: "candidate", candidate: null }), { type: "candidate", candidate: null });
  assert.equal(parseFrame({ type: "candidate", candidate: { sdpMid: "0" } }), null);
  assert.deepEqual(parseFrame({ type: "candidate", candidate: { candidate: "candidate:1", sdpMLineIndex: 0 } }), {
    type: "candidate",
    candidate: { candidate: "candidate:1", sdpMid: null, sdpMLineIndex: 0, usernameFragment: null },
  });
  assert.deepEqual(parseFrame({ type: "knock", participant: { id: "k", name: "" } }), { type: "knock", participant: { id: "k", name: "?" } });
  assert.equal(parseFrame({ type: "knock", participant: { name: "K" } }), null);
  assert.deepEqual(parseFrame({ type: "error", code: "media_failed" }), { type: "error", code: "media_failed", message: "" });
  assert.deepEqual(parseFrame({ type: "denied", reason: "password" }), { type: "denied", reason: "password" });
  assert.deepEqual(parseFrame({ type: "participant_left", id: "p" }), { type: "participant_left", id: "p" });
  assert.equal(parseFrame({ type: "participant_left" }), null);
  const c = parseFrame({ type: "chat", from: { id: "p", name: "P" }, text: "hi", at: "2026-12-03T08:00:00Z", private: true });
  assert.deepEqual(c, { type: "chat", from: { id: "p", name: "P" }, text: "hi", at: "2026-12-03T08:00:00Z", private: true });
  assert.deepEqual(parseFrame({ type: "muted", by: "Ana" }), { type: "muted", by: "Ana" });
  assert.deepEqual(parseFrame({ type: "waiting" }), { type: "waiting" });
  assert.deepEqual(parseTracks(null), {});
});

test("client frames follow the contract", () => {
  assert.deepEqual(out.join("Ana"), { type: "join", name: "Ana" });
  assert.deepEqual(out.join("Ana", "pw", "tok"), { type: "join", name: "Ana", password: "pw", resume: "tok" });
  assert.deepEqual(out.chat("hi"), { type: "chat", text: "hi" });
  assert.deepEqual(out.chat("hi", "p2"), { type: "chat", text: "hi", to: "p2" });
  assert.deepEqual(out.media(true, false, false), { type: "media", audio: true, video: false, screen: false });
  assert.deepEqual(out.pause("p", "camera", true), { type: "pause", participant: "p", source: "camera", paused: true });
  assert.deepEqual(out.candidate(null), { type: "candidate", candidate: null });
  assert.deepEqual(out.lock(true), { type: "lock", locked: true });
});

test("the offer queue runs one task at a time, in order, past failures", async () => {
  const log: string[] = [];
  const errors: unknown[] = [];
  const q = new SerialQueue((e) => errors.push(e));
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let running = 0;
  const task =
    (name: string, ms: number, fail = false) =>
    async () => {
      running += 1;
      assert.equal(running, 1, "never two at once");
      log.push(`start ${name}`);
      await wait(ms);
      log.push(`end ${name}`);
      running -= 1;
      if (fail) throw new Error(name);
    };
  q.push(task("a", 20));
  q.push(task("b", 1, true));
  await q.push(task("c", 5));
  assert.deepEqual(log, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  assert.equal(errors.length, 1);
  q.close();
  await q.push(task("d", 1));
  assert.equal(log.length, 6, "nothing runs after close");
});

test("room answers, bare or wrapped", () => {
  const room = { id: "r" } as never;
  assert.equal(unwrapRoom({ room }), room);
  assert.equal(unwrapRoom(room), room);
  assert.deepEqual(roomList({ rooms: [room] }), [room]);
  assert.deepEqual(roomList([room]), [room]);
});

test("a typed room capacity: empty keeps it, a whole number of at least 2 sets it", () => {
  assert.equal(parseCapacity(""), null);
  assert.equal(parseCapacity("  "), null);
  assert.equal(parseCapacity("6"), 6);
  assert.equal(parseCapacity("1"), "invalid");
  assert.equal(parseCapacity("2.5"), "invalid");
  assert.equal(parseCapacity("many"), "invalid");
});
