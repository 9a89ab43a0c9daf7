// The topic socket without a server: a fake WebSocket class stands in for the browser's, so the
// tests see what is sent and decide what arrives. Covers the early socket (`openEarly`) that a
// pad page opened from a link takes over: nothing lost or doubled, whatever state it is in.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TopicSocket, dropEarly, openEarly, type SocketHandlers } from "../src/realtime.ts";

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static made: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: string[] = [];
  closed: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code: number) {
    this.closed = code;
    this.readyState = FakeSocket.CLOSED;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const listeners = { addEventListener: () => undefined, removeEventListener: () => undefined };
Object.assign(globalThis, {
  WebSocket: FakeSocket,
  window: listeners,
  location: { protocol: "http:", host: "nichoir.test" },
});
// Node 20 has no `navigator`; later versions have one without `onLine`: the socket then tries.
Object.defineProperty(globalThis, "navigator", { value: { onLine: true }, configurable: true });

/** Handlers that note what the socket tells its page. */
function recorder() {
  const seen: string[] = [];
  const handlers: SocketHandlers = {
    onSubscribed: (members) => seen.push(`subscribed ${members.length}`),
    onEvent: (data) => seen.push(`event ${String(data.n)}`),
    onPresence: () => seen.push("presence"),
    onFrameError: (code) => seen.push(`error ${code}`),
    onState: () => undefined,
    onClosed: () => seen.push("closed"),
  };
  return { seen, handlers };
}

const subscribe = (topic: string) => JSON.stringify({ type: "subscribe", topic });
const tick = () => new Promise((r) => setTimeout(r, 0));

test("an early socket that already has frames is taken over: they come first, in order, once", async () => {
  FakeSocket.made = [];
  openEarly("pad:a");
  const ws = FakeSocket.made[0]!;
  assert.equal(ws.url, "ws://nichoir.test/api/v1/ws?batch=true&room=pad%3Aa");
  ws.open();
  assert.deepEqual(ws.sent, [subscribe("pad:a")]);
  ws.receive({ type: "subscribed", topic: "pad:a", members: [] });
  ws.receive([
    { type: "event", topic: "pad:a", data: { n: 1 } },
    { type: "event", topic: "pad:a", data: { n: 2 } },
  ]);
  const { seen, handlers } = recorder();
  const socket = new TopicSocket("pad:a", handlers);
  socket.start();
  // The page's own frames come after the page's constructor, as from the network.
  assert.deepEqual(seen, []);
  await tick();
  ws.receive({ type: "event", topic: "pad:a", data: { n: 3 } });
  assert.deepEqual(seen, ["subscribed 0", "event 1", "event 2", "event 3"]);
  // No second socket, no second subscription.
  assert.equal(FakeSocket.made.length, 1);
  assert.deepEqual(ws.sent, [subscribe("pad:a")]);
  assert.ok(socket.publish({ x: 1 }));
  socket.stop();
});

test("an early socket still connecting is taken over and subscribes once when it opens", async () => {
  FakeSocket.made = [];
  openEarly("pad:b");
  const { seen, handlers } = recorder();
  const socket = new TopicSocket("pad:b", handlers);
  socket.start();
  const ws = FakeSocket.made[0]!;
  assert.equal(FakeSocket.made.length, 1);
  ws.open();
  assert.deepEqual(ws.sent, [subscribe("pad:b")]);
  ws.receive({ type: "subscribed", topic: "pad:b", members: [] });
  assert.deepEqual(seen, ["subscribed 0"]);
  socket.stop();
});

test("a closed or dropped early socket is not taken: the page opens its own", async () => {
  FakeSocket.made = [];
  openEarly("pad:c");
  FakeSocket.made[0]!.onclose?.({ code: 1006, reason: "" });
  const first = new TopicSocket("pad:c", recorder().handlers);
  first.start();
  assert.equal(FakeSocket.made.length, 2);
  first.stop();

  // Dropped while connecting: closed once open (closing earlier is a console error in Chromium).
  FakeSocket.made = [];
  openEarly("pad:d");
  dropEarly("pad:d");
  assert.equal(FakeSocket.made[0]!.closed, null);
  FakeSocket.made[0]!.open();
  assert.equal(FakeSocket.made[0]!.closed, 1000);
  assert.deepEqual(FakeSocket.made[0]!.sent, []);
  const second = new TopicSocket("pad:d", recorder().handlers);
  second.start();
  assert.equal(FakeSocket.made.length, 2);
  second.stop();
});

test("another topic's early socket is left alone, and one topic gets one early socket", () => {
  FakeSocket.made = [];
  openEarly("pad:e");
  openEarly("pad:e");
  assert.equal(FakeSocket.made.length, 1);
  const other = new TopicSocket("pad:f", recorder().handlers);
  other.start();
  assert.equal(FakeSocket.made.length, 2);
  other.stop();
  FakeSocket.made[0]!.open();
  dropEarly("pad:e");
  assert.equal(FakeSocket.made[0]!.closed, 1000);
});
