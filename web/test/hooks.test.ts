// The shared form hooks without a browser: useSubmit and useKeyedSubmit rendered by Preact in a
// jsdom document (busy while the action runs, the error mapped, STAY_BUSY, what run resolves to).
import assert from "node:assert/strict";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import { h, render } from "preact";
import { act } from "preact/test-utils";
import { type KeyedSubmit, STAY_BUSY, type Submit, useKeyedSubmit, useSubmit } from "../src/hooks/submit.ts";

const win = new JSDOM("<!doctype html><div id=root></div>").window;
Object.assign(globalThis, { document: win.document, window: win });

/** Renders a component calling `hook` and gives the latest value it returned. */
function mount<T>(hook: () => T): { current: () => T; unmount: () => void } {
  let latest: T | undefined;
  const root = win.document.getElementById("root")!;
  function Probe() {
    latest = hook();
    return null;
  }
  act(() => render(h(Probe, null), root));
  return { current: () => latest as T, unmount: () => act(() => render(null, root)) };
}

/** A promise and the functions that settle it. */
function deferred() {
  let resolve!: (v?: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test("useSubmit: busy while the action runs, then the error mapped, cleared by the next run", async () => {
  const h = mount<Submit<string>>(() => useSubmit((err) => `mapped: ${(err as Error).message}`));
  assert.equal(h.current().busy, false);
  const d = deferred();
  let done!: Promise<boolean>;
  await act(() => {
    done = h.current().run(() => d.promise);
  });
  assert.equal(h.current().busy, true);
  assert.equal(h.current().error, null);
  await act(async () => {
    d.reject(new Error("nope"));
    assert.equal(await done, false);
  });
  assert.equal(h.current().busy, false);
  assert.equal(h.current().error, "mapped: nope");
  await act(async () => {
    assert.equal(await h.current().run(async () => "fine"), true);
  });
  assert.equal(h.current().busy, false);
  assert.equal(h.current().error, null);
  h.unmount();
});

test("useSubmit: STAY_BUSY keeps the button busy; onSubmit prevents the browser's submission", async () => {
  const h = mount<Submit<unknown>>(() => useSubmit());
  const event = new win.Event("submit", { cancelable: true });
  await act(async () => {
    h.current().onSubmit(async () => STAY_BUSY)(event);
    await Promise.resolve();
  });
  assert.equal(event.defaultPrevented, true);
  assert.equal(h.current().busy, true);
  assert.equal(h.current().error, null);
  h.unmount();
});

test("useKeyedSubmit: busy names the action that runs; the mapping is told its key", async () => {
  const h = mount<KeyedSubmit<string, string>>(() => useKeyedSubmit((err, key: string) => `${key}: ${String(err)}`));
  const d = deferred();
  let done!: Promise<boolean>;
  await act(() => {
    done = h.current().run("bob", () => d.promise);
  });
  assert.equal(h.current().busy, "bob");
  await act(async () => {
    d.reject("gone");
    await done;
  });
  assert.equal(h.current().busy, null);
  assert.equal(h.current().error, "bob: gone");
  await act(() => h.current().setError(null));
  assert.equal(h.current().error, null);
  h.unmount();
});
