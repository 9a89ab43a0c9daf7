import assert from "node:assert/strict";
import { test } from "node:test";
import { EditorState } from "@codemirror/state";
import { anchorsEffect, anchorsOf, commentsField, readThread, transformRange } from "../src/pads/comments.ts";
import { apply, compose, type Op } from "../src/pads/ot.ts";

test("transformRange moves an anchor as the server does (crates/ot transform_range_cases)", () => {
  // "Hello world": the anchor is "world" (6..11).
  assert.deepEqual(transformRange([2, "ab", 9], 6, 11), [8, 13]);
  assert.deepEqual(transformRange([6, "X", 5], 6, 11), [7, 12]);
  assert.deepEqual(transformRange([11, "X"], 6, 11), [6, 11]);
  assert.deepEqual(transformRange([8, "X", 3], 6, 11), [6, 12]);
  assert.deepEqual(transformRange([4, -4, 3], 6, 11), [4, 7]);
  assert.deepEqual(transformRange([6, -5], 6, 11), [6, 6]);
  assert.deepEqual(transformRange([5, -6], 6, 11), [5, 5]);
  assert.deepEqual(transformRange([6, "earth", -5], 6, 11), [11, 11]);
  assert.deepEqual(transformRange(["abc", 11], 6, 6), [9, 9]);
  assert.deepEqual(transformRange([11], 20, 30), [11, 11]);
  // Code points, not UTF-16 units.
  assert.deepEqual(transformRange(["🙂", 11], 6, 11), [7, 12]);
});

test("transformRange: composed revisions give the range step by step gives while text is left", () => {
  const doc = "The budget is due on Friday.";
  const ops: Op[] = [
    ["Note: ", 28],
    [27, "next ", 7],
    [38, -1],
  ];
  let step: [number, number] = [14, 27];
  let text = doc;
  for (const op of ops) {
    step = transformRange(op, step[0], step[1]);
    text = apply(text, op);
  }
  const whole = ops.slice(1).reduce((a, b) => compose(a, b), ops[0]!);
  assert.deepEqual(transformRange(whole, 14, 27), step);
  assert.equal([...text].slice(step[0], step[1]).join(""), "due on next Friday");
});

test("the editor's anchors follow changes, collapse when their text goes, and read threads defensively", () => {
  let state = EditorState.create({ doc: "Hello world", extensions: [commentsField] });
  state = state.update({ effects: anchorsEffect.of({ put: { id: "t", from: 6, to: 11, resolved: false } }) }).state;
  state = state.update({
    changes: [
      { from: 0, insert: "Oh! " },
      { from: 11, insert: "!" },
    ],
  }).state;
  assert.deepEqual(anchorsOf(state).get("t"), { id: "t", from: 10, to: 15, resolved: false });
  state = state.update({ changes: { from: 6, insert: "X" } }).state;
  assert.deepEqual(anchorsOf(state).get("t"), { id: "t", from: 11, to: 16, resolved: false }, "typed at the start: outside");
  state = state.update({ changes: { from: 11, to: 16 } }).state;
  assert.deepEqual(anchorsOf(state).get("t"), { id: "t", from: 11, to: 11, resolved: false }, "collapsed, kept");
  assert.equal(readThread({ id: "x", start: -1, end: 2, rev: 0 }), null);
  assert.equal(readThread("nope"), null);
  const t = readThread({ id: "x", start: 1, end: 2, rev: 3, resolved: true, resolved_by: { id: "u", name: "Ana" }, comments: [{ id: "x", text: "hi", author: { name: "Bo" } }] });
  assert.equal(t?.resolved_by?.name, "Ana");
  assert.equal(t?.comments[0]?.author.name, "Bo");
});
