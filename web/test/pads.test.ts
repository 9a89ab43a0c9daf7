import assert from "node:assert/strict";
import { test } from "node:test";
import { applyToRuns, parseRuns, runsLength, runsToRanges } from "../src/pads/authorship.ts";
import { mapRuns, opFromChanges } from "../src/pads/changes.ts";
import { PadClient, type OutMessage } from "../src/pads/client.ts";
import { apply, transform, type Op } from "../src/pads/ot.ts";
import { backoffDelay, roomHint, socketPath } from "../src/realtime.ts";
import { UndoManager } from "../src/pads/undo.ts";
import { doubledMarker } from "../src/pads/list-markers.ts";

// ---- a tiny server with the engine's semantics (crates/pad/src/service/) ----

interface Stored {
  rev: number;
  op: Op;
  author: string;
  client_id: string;
  seq: number;
}

type Event = { type: "ack"; rev: number; client_id: string; seq: number; ops?: Stored[] } | { type: "ops"; ops: Stored[] } | { type: "synced"; rev: number };

class FakeServer {
  doc = "";
  revs: Stored[] = [];
  conns = new Map<number, { author: string; inbox: Event[] }>();
  /** Edits received and not stored yet: the next `commit` takes them all as one batch. */
  queue: { conn: number; msg: OutMessage & { type: "op" } }[] = [];
  /** `receive` commits once this many edits wait (`settle` commits whatever is left). */
  batchSize = 1;
  private nextConn = 1;

  get rev(): number {
    return this.revs.length;
  }

  connect(author: string): number {
    const id = this.nextConn++;
    this.conns.set(id, { author, inbox: [] });
    return id;
  }

  disconnect(conn: number): void {
    this.conns.delete(conn);
  }

  receive(conn: number, msg: OutMessage): void {
    const c = this.conns.get(conn);
    if (!c) return; // the connection is gone: the message is lost
    if (msg.type === "sync") {
      c.inbox.push({ type: "ops", ops: this.revs.slice(msg.rev) });
      c.inbox.push({ type: "synced", rev: this.rev });
      return;
    }
    this.queue.push({ conn, msg });
    if (this.queue.length >= this.batchSize) this.commit();
  }

  /** Stores the waiting edits as one batch and sends it: `ops` to everyone, `ack` with the same `ops` to authors. */
  commit(): void {
    const batch: Stored[] = [];
    const authors = new Map<number, Stored>();
    const later: [number, Stored][] = [];
    for (const { conn, msg } of this.queue.splice(0)) {
      const c = this.conns.get(conn);
      const dup = this.revs.find((r) => r.client_id === msg.client_id && r.seq === msg.seq);
      if (dup) {
        // Stored in an earlier batch: acknowledged at once; in this batch: after it.
        if (batch.includes(dup)) later.push([conn, dup]);
        else c?.inbox.push({ type: "ack", rev: dup.rev, client_id: msg.client_id, seq: msg.seq });
        continue;
      }
      assert.ok(msg.rev <= this.rev - batch.length, "rev from the future");
      let op = msg.op;
      for (const r of this.revs.slice(msg.rev)) op = transform(r.op, op)[1];
      this.doc = apply(this.doc, op);
      const stored: Stored = { rev: this.rev + 1, op, author: c?.author ?? "?", client_id: msg.client_id, seq: msg.seq };
      this.revs.push(stored);
      batch.push(stored);
      authors.set(conn, stored);
    }
    if (!batch.length) return;
    for (const [id, c] of this.conns) {
      const own = authors.get(id);
      c.inbox.push(own ? { type: "ack", rev: own.rev, client_id: own.client_id, seq: own.seq, ops: batch } : { type: "ops", ops: batch });
    }
    for (const [conn, dup] of later) {
      this.conns.get(conn)?.inbox.push({ type: "ack", rev: dup.rev, client_id: dup.client_id, seq: dup.seq });
    }
  }
}

/** A client with its document, its outbox (messages on the wire) and its connection. */
class Peer {
  doc = "";
  outbox: OutMessage[] = [];
  conn = 0;
  client: PadClient;
  constructor(
    readonly server: FakeServer,
    readonly author: string,
    id: string,
  ) {
    this.client = new PadClient(
      {
        send: (m) => this.outbox.push(m),
        applyRemote: (op) => {
          this.doc = apply(this.doc, op);
        },
        reset: (s) => {
          this.doc = s.text;
        },
      },
      id,
    );
  }

  join(): void {
    this.conn = this.server.connect(this.author);
    this.outbox = [];
    this.client.connected();
    this.client.onState({ rev: this.server.rev, text: this.server.doc });
  }

  leave(): void {
    this.server.disconnect(this.conn);
    this.conn = 0;
    this.client.disconnected();
  }

  edit(pos: number, insert: string, del = 0): void {
    const len = [...this.doc].length;
    pos = Math.min(pos, len);
    del = Math.min(del, len - pos);
    const op: Op = [];
    if (pos) op.push(pos);
    if (insert) op.push(insert);
    if (del) op.push(-del);
    if (len - pos - del) op.push(len - pos - del);
    this.doc = apply(this.doc, op);
    this.client.applyLocal(op);
  }

  /** Delivers one message each way; true if anything moved. */
  step(): boolean {
    let moved = false;
    const out = this.outbox.shift();
    if (out) {
      this.server.receive(this.conn, out);
      moved = true;
    }
    const inbox = this.server.conns.get(this.conn)?.inbox;
    const ev = inbox?.shift();
    if (ev) {
      if (ev.type === "ack") {
        if (ev.ops) this.client.onOps(ev.ops);
        else this.client.onAck(ev);
      } else if (ev.type === "ops") this.client.onOps(ev.ops);
      else this.client.onSynced();
      moved = true;
    }
    return moved;
  }
}

function settle(peers: Peer[]): void {
  for (let i = 0; i < 100000; i++) {
    if (peers.map((p) => p.step()).some(Boolean)) continue;
    const server = peers[0]?.server;
    if (!server?.queue.length) return;
    server.commit();
  }
  throw new Error("did not settle");
}

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test("client: phases and one op in flight", () => {
  const sent: OutMessage[] = [];
  const c = new PadClient({ send: (m) => sent.push(m), applyRemote: () => {}, reset: () => {} }, "me");
  c.connected();
  c.onState({ rev: 3, text: "abc" });
  assert.equal(c.phase, "synchronized");
  c.applyLocal([3, "d"]);
  assert.equal(c.phase, "awaitingConfirm");
  assert.deepEqual(sent, [{ type: "op", client_id: "me", seq: 1, rev: 3, op: [3, "d"] }]);
  c.applyLocal([4, "e"]);
  c.applyLocal([5, "f"]);
  assert.equal(c.phase, "awaitingWithBuffer");
  assert.deepEqual(c.buffer, [4, "ef"]);
  assert.equal(sent.length, 1);
  // Ops before the state and old ops are ignored; an ack for another seq too.
  c.onAck({ rev: 4, client_id: "me", seq: 7 });
  assert.equal(c.phase, "awaitingWithBuffer");
  c.onAck({ rev: 4, client_id: "me", seq: 1 });
  assert.equal(c.rev, 4);
  assert.deepEqual(sent[1], { type: "op", client_id: "me", seq: 2, rev: 4, op: [4, "ef"] });
  c.onAck({ rev: 5, client_id: "me", seq: 2 });
  assert.equal(c.phase, "synchronized");
});

test("client: an edit whose ack never comes asks for a sync, and a lost sync is asked again", () => {
  const sent: OutMessage[] = [];
  let now = 1_000;
  const c = new PadClient({ send: (m) => sent.push(m), applyRemote: () => {}, reset: () => {} }, "me", () => now);
  c.connected();
  c.onState({ rev: 3, text: "abc" });
  assert.equal(c.checkStalled(10_000), false, "nothing in flight");
  c.applyLocal([3, "d"]);
  now += 9_999;
  assert.equal(c.checkStalled(10_000), false, "not yet");
  now += 1;
  assert.equal(c.checkStalled(10_000), true);
  assert.deepEqual(sent[1], { type: "sync", rev: 3 });
  // The answer to that sync is lost too: asked again later, not at once.
  assert.equal(c.checkStalled(10_000), false);
  now += 10_000;
  assert.equal(c.checkStalled(10_000), true);
  assert.deepEqual(sent[2], { type: "sync", rev: 3 });
  // The sync brings our own revision: that is the ack; nothing is stalled any more.
  c.onOps([{ rev: 4, op: [3, "d"], client_id: "me", seq: 1 }]);
  c.onSynced();
  assert.equal(c.phase, "synchronized");
  now += 60_000;
  assert.equal(c.checkStalled(10_000), false);
  assert.equal(sent.length, 3);
});

test("client: remote ops are transformed against the op in flight and the buffer", () => {
  const applied: Op[] = [];
  const sent: OutMessage[] = [];
  const c = new PadClient({ send: (m) => sent.push(m), applyRemote: (op) => applied.push(op), reset: () => {} }, "me");
  c.onOp({ rev: 1, op: ["x"] }); // before any state: ignored
  c.connected();
  c.onState({ rev: 0, text: "hello" });
  c.applyLocal([5, "!"]); // in flight
  c.applyLocal([6, "?"]); // buffer
  c.onOp({ rev: 1, op: ["A", 5], author: "u_other", client_id: "other", seq: 1 });
  assert.deepEqual(applied, [["A", 7]]);
  assert.deepEqual(c.inflight?.op, [6, "!"]);
  assert.deepEqual(c.buffer, [7, "?"]);
  c.onOp({ rev: 1, op: ["B", 5] }); // already seen
  assert.equal(applied.length, 1);
  // A remote op carrying our client id and seq is our ack (seen after a sync).
  c.onOp({ rev: 2, op: [6, "!"], client_id: "me", seq: 1 });
  assert.equal(c.rev, 2);
  assert.deepEqual(sent[sent.length - 1], { type: "op", client_id: "me", seq: 2, rev: 2, op: [7, "?"] });
});

test("client: a batch holding our edit acknowledges it; the buffer goes once, on the batch's last revision", () => {
  const applied: Op[] = [];
  const sent: OutMessage[] = [];
  const c = new PadClient({ send: (m) => sent.push(m), applyRemote: (op) => applied.push(op), reset: () => {} }, "me");
  c.connected();
  c.onState({ rev: 0, text: "ab" });
  c.applyLocal([2, "!"]); // in flight, seq 1
  c.applyLocal([3, "?"]); // buffer
  assert.equal(sent.length, 1);
  c.onOps([
    { rev: 1, op: ["X", 2], author: "u_o", client_id: "other", seq: 4 },
    { rev: 2, op: [3, "!"], author: "u_me", client_id: "me", seq: 1 },
    { rev: 3, op: [4, "Y"], author: "u_o", client_id: "other", seq: 5 },
  ]);
  // Before our edit: transformed against it and the buffer; after it: against the buffer only.
  assert.deepEqual(applied, [
    ["X", 4],
    [4, "Y", 1],
  ]);
  assert.equal(c.rev, 3);
  assert.equal(sent.length, 2, "the buffer is sent once, after the batch");
  assert.deepEqual(sent[1], { type: "op", client_id: "me", seq: 2, rev: 3, op: [5, "?"] });
  // A late plain ack for the edit already acknowledged by the batch changes nothing.
  c.onAck({ rev: 2, client_id: "me", seq: 1 });
  assert.equal(c.phase, "awaitingConfirm");
  assert.equal(c.inflight?.seq, 2);
});

test("client: a gap in revisions asks for a sync; refused edits are dropped, unstored ones resent", () => {
  const sent: OutMessage[] = [];
  const c = new PadClient({ send: (m) => sent.push(m), applyRemote: () => {}, reset: () => {} }, "me");
  c.connected();
  c.onState({ rev: 5, text: "" });
  assert.equal(c.onOp({ rev: 7, op: ["x"] }), false);
  assert.deepEqual(sent, [{ type: "sync", rev: 5 }]);
  c.onSynced();
  c.applyLocal(["a"]);
  assert.equal(c.onError({ code: "rate_limited", client_id: "me", seq: 1 }), "retry");
  assert.equal(c.onError({ code: "unavailable", client_id: "me", seq: 1 }), "retry");
  assert.equal(c.onError({ code: "invalid_op", client_id: "someone", seq: 1 }), "none");
  assert.equal(c.onError({ code: "invalid_op", client_id: "me", seq: 1 }), "resubscribe");
  c.discardPending();
  assert.equal(c.phase, "synchronized");
});

test("two clients typing concurrently converge (random interleavings)", () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const server = new FakeServer();
    server.doc = "shared line\n";
    // Batches of one, two or three edits, as the engine's group commit makes them.
    server.batchSize = 1 + (seed % 3);
    const a = new Peer(server, "u_a", "ca");
    const b = new Peer(server, "g_b", "cb");
    a.join();
    b.join();
    for (let i = 0; i < 60; i++) {
      const who = r() < 0.5 ? a : b;
      const len = [...who.doc].length;
      if (r() < 0.7) who.edit(Math.floor(r() * (len + 1)), r() < 0.1 ? "🙂" : String.fromCharCode(97 + Math.floor(r() * 26)));
      else who.edit(Math.floor(r() * (len + 1)), "", 1 + Math.floor(r() * 3));
      for (let k = Math.floor(r() * 4); k > 0; k--) (r() < 0.5 ? a : b).step();
    }
    settle([a, b]);
    assert.equal(a.doc, server.doc, `seed ${seed}`);
    assert.equal(b.doc, server.doc, `seed ${seed}`);
    assert.equal(a.client.rev, server.rev);
    assert.equal(b.client.rev, server.rev);
  }
});

test("reconnect: edits made offline are synced and sent once", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const r = rng(seed * 7);
    const server = new FakeServer();
    server.doc = "abc";
    const a = new Peer(server, "u_a", "ca");
    const b = new Peer(server, "u_b", "cb");
    a.join();
    b.join();
    a.edit(3, "1");
    // The op reaches the server or not; the ack is lost either way.
    if (r() < 0.5) a.step();
    a.server.conns.get(a.conn)!.inbox.length = 0;
    a.leave();
    // Offline: a keeps typing, b too.
    a.edit(0, "X");
    a.edit(1, "Y");
    b.edit(2, "b");
    settle([b]);
    // Back online: state, sync, ops, synced, resend.
    a.conn = server.connect("u_a");
    a.outbox = [];
    a.client.connected();
    a.client.onState({ rev: server.rev, text: server.doc });
    assert.equal(a.client.syncing, true);
    assert.deepEqual(a.outbox[0], { type: "sync", rev: a.client.rev });
    settle([a, b]);
    assert.equal(a.doc, server.doc, `seed ${seed}`);
    assert.equal(b.doc, server.doc, `seed ${seed}`);
    assert.equal([...server.doc].filter((c) => c === "1").length, 1, "the edit in flight is applied once");
    assert.ok(server.doc.includes("XY"));
  }
});

test("a fresh state with nothing pending replaces the document", () => {
  let doc = "old";
  const c = new PadClient({ send: () => {}, applyRemote: () => {}, reset: (s) => (doc = s.text) }, "me");
  c.connected();
  c.onState({ rev: 1, text: "old" });
  c.disconnected();
  c.connected();
  c.onState({ rev: 9, text: "new text" });
  assert.equal(doc, "new text");
  assert.equal(c.rev, 9);
});

test("authorship runs follow ops", () => {
  let runs = parseRuns([["u_a", 3], ["u_b", 2], ["bad"], ["u_b", 1]]);
  assert.deepEqual(runs, [
    ["u_a", 3],
    ["u_b", 3],
  ]);
  runs = applyToRuns(runs, [2, "xy", -2, 2], "g_c");
  assert.deepEqual(runs, [
    ["u_a", 2],
    ["g_c", 2],
    ["u_b", 2],
  ]);
  assert.equal(runsLength(runs), 6);
  runs = applyToRuns(runs, [6, "🙂"], "u_a");
  assert.deepEqual(runs[runs.length - 1], ["u_a", 1]);
  assert.deepEqual(
    runsToRanges("ab🙂c", [
      ["x", 2],
      ["y", 1],
      ["z", 1],
    ]),
    [
      { from: 0, to: 2, author: "x" },
      { from: 2, to: 4, author: "y" },
      { from: 4, to: 5, author: "z" },
    ],
  );
  assert.deepEqual(
    mapRuns(
      [
        ["a", 4],
        ["b", 4],
      ],
      [{ from: 2, to: 5, insertLength: 2 }],
      "c",
    ),
    [
      ["a", 2],
      ["c", 2],
      ["b", 3],
    ],
  );
});

test("editor changes become one op", () => {
  assert.deepEqual(opFromChanges("hello", [{ from: 5, to: 5, insert: "!" }]), [5, "!"]);
  const before = "a🙂b c";
  const op = opFromChanges(before, [
    { from: 0, to: 1, insert: "A" },
    { from: 4, to: 5, insert: "_" },
  ]);
  assert.equal(apply(before, op), "A🙂b_c");
});

test("own undo never removes someone else's text", () => {
  const u = new UndoManager(100, 0);
  let doc = "";
  const local = (op: Op) => {
    u.record(op, doc, "edit", 0);
    doc = apply(doc, op);
  };
  const remote = (op: Op) => {
    doc = apply(doc, op);
    u.transformRemote(op);
  };
  local(["hello"]);
  remote([5, " world"]);
  local([11, "!"]);
  remote(["<", 12]);
  assert.equal(doc, "<hello world!");
  const undo1 = u.popUndo()!;
  u.record(undo1, doc, "undo");
  doc = apply(doc, undo1);
  assert.equal(doc, "<hello world");
  const undo2 = u.popUndo()!;
  u.record(undo2, doc, "undo");
  doc = apply(doc, undo2);
  assert.equal(doc, "< world");
  const redo = u.popRedo()!;
  u.record(redo, doc, "redo");
  doc = apply(doc, redo);
  assert.equal(doc, "<hello world");
});

test("typing close together is undone in one step", () => {
  const u = new UndoManager(100, 1000);
  let doc = "";
  for (const [i, ch] of ["a", "b", "c"].entries()) {
    const op: Op = i ? [i, ch] : [ch];
    u.record(op, doc, "edit", i * 100);
    doc = apply(doc, op);
  }
  assert.equal(u.undoStack.length, 1);
  assert.equal(apply(doc, u.popUndo()!), "");
});

test("reconnect backoff grows and is capped at 5 s", () => {
  assert.equal(backoffDelay(0), 500);
  assert.equal(backoffDelay(1), 1000);
  assert.equal(backoffDelay(3), 4000);
  assert.equal(backoffDelay(4), 5000);
  assert.equal(backoffDelay(20), 5000);
});

test("raw HTML in Markdown is defused before parsing", async () => {
  const { defuseHtml } = await import("../src/pads/markdown.ts");
  assert.equal(defuseHtml("<img src=x onerror=alert(1)>"), "<img src=x data-blocked-onerror=alert(1)>");
  assert.equal(defuseHtml('<b/onclick="x" style="color:red">'), '<b/data-blocked-onclick="x" data-blocked-style="color:red">');
  assert.equal(defuseHtml("<style>b{}</style>"), "<x-style>b{}</x-style>");
  assert.equal(defuseHtml("<kbd>Ctrl</kbd>"), "<kbd>Ctrl</kbd>");
});

test("a remote op in the middle of typing keeps the typing group", () => {
  const u = new UndoManager(100, 1000);
  let doc = "";
  const local = (op: Op, now: number) => {
    u.record(op, doc, "edit", now);
    doc = apply(doc, op);
  };
  local(["ab"], 0);
  doc = apply(doc, ["X", 2]);
  u.transformRemote(["X", 2]);
  local([3, "c"], 100);
  assert.equal(u.undoStack.length, 1);
  assert.equal(apply(doc, u.popUndo()!), "X");
});

// ---- chat, import helpers (src/pads/chat.ts) ----

test("chat messages are read defensively and merged by id, oldest first", async () => {
  const { mergeChat, readChatMessage } = await import("../src/pads/chat.ts");
  assert.equal(readChatMessage(null), null);
  assert.equal(readChatMessage({ id: "1", text: "x" }), null);
  const m = (id: number, text = `m${id}`) => readChatMessage({ id, author_id: "u", name: "A", color: "#112233", text, created_at: "2026-11-25T10:00:00Z" })!;
  assert.equal(readChatMessage({ id: 3, text: "<b>x</b>" })!.text, "<b>x</b>", "text is kept as is (shown as text)");
  assert.equal(readChatMessage({ id: 3, text: "x" })!.name, "?");
  const list = mergeChat([m(2), m(5)], [m(1), m(5, "again"), m(7)]);
  assert.deepEqual(
    list.map((x) => [x.id, x.text]),
    [
      [1, "m1"],
      [2, "m2"],
      [5, "again"],
      [7, "m7"],
    ],
  );
  const same = [m(1)];
  assert.equal(mergeChat(same, []), same);
});

test("chat times are relative today, a date otherwise", async () => {
  const { chatTime } = await import("../src/format.ts");
  const now = new Date(2026, 10, 25, 15, 30, 0);
  const at = (h: number, min: number, day = 25) => new Date(2026, 10, day, h, min, 0).toISOString();
  assert.equal(chatTime("en", at(15, 30), now), "now");
  assert.equal(chatTime("en", at(15, 25), now), "5 minutes ago");
  assert.equal(chatTime("fr", at(15, 25), now), "il y a 5 minutes");
  assert.equal(chatTime("en", at(13, 0), now), "2 hours ago");
  assert.match(chatTime("en", at(9, 5, 24), now), /24\/11\/2026.*09:05/);
  assert.equal(chatTime("en", "nope", now), "");
});

test("import formats come from the file name, else its type", async () => {
  const { importFormat } = await import("../src/pads/chat.ts");
  assert.equal(importFormat("notes.md"), "md");
  assert.equal(importFormat("NOTES.MARKDOWN"), "md");
  assert.equal(importFormat("page.htm"), "html");
  assert.equal(importFormat("a.txt"), "txt");
  assert.equal(importFormat("README", "text/plain"), "txt");
  assert.equal(importFormat("x.pdf", "application/pdf"), null);
  assert.equal(importFormat("pad.etherpad"), null);
  assert.equal(importFormat("Compte rendu.DOCX"), "docx");
  assert.equal(importFormat("cr.odt"), "odt");
  assert.equal(importFormat("sans-extension", "application/vnd.oasis.opendocument.text"), "odt");
});

test("sockets of a pad or a call carry the room for the cluster's proxy", () => {
  assert.equal(roomHint("pad:Ab-12"), "?room=pad%3AAb-12");
  assert.equal(roomHint("padro:r_1"), "?room=padro%3Ar_1");
  assert.equal(roomHint("video:Réunion du lundi"), "?room=video%3AR%C3%A9union%20du%20lundi");
  assert.equal(roomHint("chat:u_1"), "");
  assert.equal(roomHint("poll:x"), "");
  assert.equal(socketPath("pad:Ab-12"), "/api/v1/ws?batch=true&room=pad%3AAb-12");
  assert.equal(socketPath("chat:u_1"), "/api/v1/ws?batch=true");
});

// ---- typing a list by hand (pads/list-markers.ts) ----

test("a list marker typed after the one the editor continued with replaces it", () => {
  assert.deepEqual(doubledMarker("2. 2."), { indent: "", marker: "2." });
  assert.deepEqual(doubledMarker("  3. 3)"), { indent: "  ", marker: "3)" });
  assert.deepEqual(doubledMarker("- -"), { indent: "", marker: "-" });
  assert.deepEqual(doubledMarker("- *"), { indent: "", marker: "*" });
  // A number typed as text, a single marker, words: left alone.
  assert.equal(doubledMarker("2. 2"), null);
  assert.equal(doubledMarker("2."), null);
  assert.equal(doubledMarker("2. a."), null);
  assert.equal(doubledMarker("text 2. 2."), null);
  assert.equal(doubledMarker("2.  2."), null);
  assert.equal(doubledMarker(""), null);
});
