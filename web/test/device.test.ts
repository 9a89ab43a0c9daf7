import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { DEVICE_LIMIT, PADS_KEY, forgetPad, rememberPad, rememberedPads } from "../src/device.ts";
import { POLLS_KEY, forgetAnswer, forgetPoll, noteTitle, rememberAnsweredPoll, rememberCreatedPoll, rememberedPolls } from "../src/polls/device.ts";

/** A localStorage as a browser has one (node has none); `full` makes every write throw. */
class FakeStorage {
  map = new Map<string, string>();
  full = false;
  writes = 0;
  getItem(k: string) {
    return this.map.has(k) ? this.map.get(k)! : null;
  }
  setItem(k: string, v: string) {
    if (this.full) throw new DOMException("quota", "QuotaExceededError");
    this.writes += 1;
    this.map.set(k, String(v));
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

let store: FakeStorage;
beforeEach(() => {
  store = new FakeStorage();
  (globalThis as { localStorage?: unknown }).localStorage = store;
});

test("a created poll is remembered with its admin token, a later answer adds the edit token", () => {
  rememberCreatedPoll({ id: "p1", title: "Réunion", adminToken: "adm" }, 1000);
  assert.deepEqual(rememberedPolls(), [{ id: "p1", title: "Réunion", adminToken: "adm", editToken: null, createdAt: 1000, answeredAt: null }]);
  rememberAnsweredPoll({ id: "p1", title: "Réunion (salle 2)", editToken: "e1" }, 2000);
  rememberAnsweredPoll({ id: "p2", title: "Pizza ?", editToken: "e2" }, 1500);
  assert.deepEqual(rememberedPolls(), [
    { id: "p1", title: "Réunion (salle 2)", adminToken: "adm", editToken: "e1", createdAt: 1000, answeredAt: 2000 },
    { id: "p2", title: "Pizza ?", adminToken: null, editToken: "e2", createdAt: null, answeredAt: 1500 },
  ]);
  // A second row from this browser: its edit link is the one kept.
  rememberAnsweredPoll({ id: "p2", title: "Pizza ?", editToken: "e3" }, 3000);
  assert.equal(rememberedPolls()[0]?.editToken, "e3");
  assert.equal(rememberedPolls().length, 2);
});

test("forgetting: a whole poll, or only this browser's answer", () => {
  rememberCreatedPoll({ id: "mine", title: "A", adminToken: "adm" }, 1);
  rememberAnsweredPoll({ id: "mine", title: "A", editToken: "e" }, 2);
  rememberAnsweredPoll({ id: "theirs", title: "B", editToken: "e" }, 3);
  forgetAnswer("mine");
  forgetAnswer("theirs");
  assert.deepEqual(rememberedPolls(), [{ id: "mine", title: "A", adminToken: "adm", editToken: null, createdAt: 1, answeredAt: null }]);
  forgetPoll("mine");
  forgetPoll("never-seen");
  assert.deepEqual(rememberedPolls(), []);
});

test("a title is refreshed only for a remembered poll, and only when it changed", () => {
  rememberCreatedPoll({ id: "p", title: "Old", adminToken: "t" }, 1);
  const before = store.writes;
  noteTitle("p", "Old");
  noteTitle("unknown", "X");
  assert.equal(store.writes, before);
  assert.equal(rememberedPolls().length, 1);
  noteTitle("p", "New");
  assert.equal(rememberedPolls()[0]?.title, "New");
});

test("bounded: the newest entries are kept", () => {
  for (let i = 0; i < DEVICE_LIMIT + 20; i++) rememberAnsweredPoll({ id: `p${i}`, title: `P${i}`, editToken: null }, i);
  const kept = rememberedPolls();
  assert.equal(kept.length, DEVICE_LIMIT);
  assert.equal(kept[0]?.id, `p${DEVICE_LIMIT + 19}`);
  assert.equal(kept.at(-1)?.id, "p20");
  assert.equal((JSON.parse(store.getItem(POLLS_KEY)!) as unknown[]).length, DEVICE_LIMIT);
});

test("corrupted storage reads as empty, never throws, and is replaced by the next write", () => {
  for (const bad of ["{not json", "null", "42", '"text"', '{"id":"p"}', '[null, 1, "x", []]']) {
    store.map.set(POLLS_KEY, bad);
    store.map.set(PADS_KEY, bad);
    assert.deepEqual(rememberedPolls(), [], bad);
    assert.deepEqual(rememberedPads(), [], bad);
  }
  rememberCreatedPoll({ id: "p", title: "T", adminToken: "a" }, 5);
  assert.equal(rememberedPolls().length, 1);
});

test("invalid entries are dropped one by one, the good ones kept", () => {
  store.map.set(
    POLLS_KEY,
    JSON.stringify([
      { id: "ok", title: "Fine", adminToken: "a", editToken: null, createdAt: 10, answeredAt: null },
      { id: "", title: "no id", createdAt: 1 },
      { id: "no-time", title: "x" },
      { id: "bad-time", title: "x", createdAt: "yesterday" },
      { id: "x".repeat(5000), title: "huge", createdAt: 1 },
      { id: "answered", title: 7, editToken: 12, answeredAt: 20, adminToken: "claimed" },
      { id: "ok", title: "duplicate, older", createdAt: 1 },
    ]),
  );
  assert.deepEqual(rememberedPolls(), [
    // An admin token without a creation here is not kept; a title that is not text is empty.
    { id: "answered", title: "", adminToken: null, editToken: null, createdAt: null, answeredAt: 20 },
    { id: "ok", title: "Fine", adminToken: "a", editToken: null, createdAt: 10, answeredAt: null },
  ]);
});

test("no storage at all (private mode, full disk): nothing is remembered, nothing throws", () => {
  store.full = true;
  rememberCreatedPoll({ id: "p", title: "T", adminToken: "a" }, 1);
  rememberPad({ id: "pad" });
  assert.deepEqual(rememberedPolls(), []);
  delete (globalThis as { localStorage?: unknown }).localStorage;
  assert.deepEqual(rememberedPolls(), []);
  assert.deepEqual(rememberedPads(), []);
  forgetPoll("p");
});

test("pads: remembered once with their creation time, newest first, forgettable", () => {
  rememberPad({ id: "minutes" }, 100);
  rememberPad({ id: "agenda" }, 200);
  rememberPad({ id: "minutes" }, 300);
  rememberPad({ id: "" }, 400);
  assert.deepEqual(rememberedPads(), [
    { id: "agenda", createdAt: 200 },
    { id: "minutes", createdAt: 100 },
  ]);
  forgetPad("agenda");
  assert.deepEqual(rememberedPads(), [{ id: "minutes", createdAt: 100 }]);
  for (let i = 0; i < DEVICE_LIMIT + 5; i++) rememberPad({ id: `p${i}` }, 1000 + i);
  assert.equal(rememberedPads().length, DEVICE_LIMIT);
  assert.ok(!rememberedPads().some((p) => p.id === "minutes"), "the oldest goes first");
});
