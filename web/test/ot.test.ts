import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  OtError,
  apply,
  baseLen,
  compose,
  cpLength,
  cpToUtf16,
  deletedChars,
  diff,
  fromEditorChange,
  insertedChars,
  invert,
  isNoop,
  normalize,
  targetLen,
  toEditorChanges,
  transform,
  transformPosition,
  utf16ToCp,
  type EditorChange,
  type Op,
} from "../src/pads/ot.ts";

// The shared vectors of the Rust crate. Tests are bundled into web/.test-build/, one level below
// web/ like web/test/, so the same relative path works from the source and from the bundle.
const vectorsUrl = new URL("../../crates/ot/tests/vectors.json", import.meta.url);
type Case = Record<string, unknown> & { kind: string; name: string };
const cases = JSON.parse(readFileSync(vectorsUrl, "utf8")) as Case[];

const FAMILY = "👩\u200d👩\u200d👧";

const str = (c: Case, k: string) => {
  const v = c[k];
  assert.equal(typeof v, "string", `${c.name}: ${k}`);
  return v as string;
};
const op = (c: Case, k: string) => normalize(c[k]);

test("shared vectors: every case", () => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
  const seen = new Map<string, number>();
  for (const c of cases) {
    seen.set(c.kind, (seen.get(c.kind) ?? 0) + 1);
    const name = c.name;
    switch (c.kind) {
      case "apply":
        assert.deepEqual(normalize(c.op), c.normalized, name);
        assert.equal(apply(str(c, "doc"), op(c, "op")), c.result, name);
        break;
      case "compose": {
        const [a, b] = [op(c, "a"), op(c, "b")];
        assert.equal(apply(str(c, "doc"), a), c.a_applied, name);
        assert.deepEqual(compose(a, b), c.composed, name);
        assert.equal(apply(str(c, "doc"), compose(a, b)), c.result, name);
        assert.equal(apply(str(c, "a_applied"), b), c.result, name);
        break;
      }
      case "transform": {
        const [a, b] = [op(c, "a"), op(c, "b")];
        const [a2, b2] = transform(a, b);
        assert.deepEqual(a2, c.a_prime, name);
        assert.deepEqual(b2, c.b_prime, name);
        assert.equal(apply(str(c, "doc"), a), c.a_applied, name);
        assert.equal(apply(str(c, "doc"), b), c.b_applied, name);
        assert.equal(apply(str(c, "a_applied"), b2), c.result, name);
        assert.equal(apply(str(c, "b_applied"), a2), c.result, name);
        break;
      }
      case "invert": {
        const o = op(c, "op");
        assert.equal(apply(str(c, "doc"), o), c.result, name);
        assert.deepEqual(invert(o, str(c, "doc")), c.inverse, name);
        assert.equal(apply(str(c, "result"), invert(o, str(c, "doc"))), c.doc, name);
        break;
      }
      case "transform_position":
        assert.equal(transformPosition(op(c, "op"), c.pos as number, c.own as boolean), c.result, name);
        break;
      case "diff":
        assert.deepEqual(diff(str(c, "old"), str(c, "new")), c.op, name);
        assert.equal(apply(str(c, "old"), op(c, "op")), c.new, name);
        break;
      case "mismatch": {
        const run = {
          apply: () => apply(str(c, "doc"), op(c, "op")),
          invert: () => invert(op(c, "op"), str(c, "doc")),
          compose: () => compose(op(c, "a"), op(c, "b")),
          transform: () => transform(op(c, "a"), op(c, "b")),
        }[c.operation as string];
        assert.ok(run, `${name}: unknown operation`);
        assert.throws(run, OtError, name);
        break;
      }
      case "invalid":
        assert.throws(() => normalize(c.op), OtError, name);
        assert.throws(() => apply("", c.op as Op), OtError, name);
        break;
      default:
        assert.fail(`${name}: unknown kind ${c.kind}`);
    }
  }
  for (const kind of ["apply", "compose", "transform", "invert", "transform_position", "diff", "mismatch", "invalid"]) {
    assert.ok((seen.get(kind) ?? 0) > 0, kind);
  }
});

test("lengths, builders and small helpers", () => {
  assert.equal(cpLength(FAMILY), 5);
  assert.equal(FAMILY.length, 8);
  assert.equal(cpLength("e\u0301"), 2);
  assert.equal(cpLength("日本語"), 3);
  assert.equal(cpLength("\ud800"), 1); // lone surrogate
  assert.deepEqual(normalize([1, 2, -1, "a", -2, "b", 3]), [3, "ab", -3, 3]);
  assert.deepEqual(normalize([0 + 1, "x", -1]), [1, "x", -1]);
  assert.equal(baseLen([2, "🙂", -3, 1]), 6);
  assert.equal(targetLen([2, "🙂", -3, 1]), 4);
  assert.equal(insertedChars([FAMILY, 1]), 5);
  assert.equal(deletedChars([-2, 1, -3]), 5);
  assert.ok(isNoop([5]));
  assert.ok(isNoop([]));
  assert.ok(!isNoop(["a"]));
  assert.ok(!isNoop([-1]));
  assert.throws(() => normalize([2 ** 32 + 1]), OtError);
  assert.deepEqual(normalize([2 ** 32]), [2 ** 32]);
  assert.throws(() => normalize([Number.NaN]), OtError);
  assert.throws(() => normalize([Infinity]), OtError);
});

test("utf16 <-> code point offsets", () => {
  const s = `a🙂e\u0301${FAMILY}日`;
  // a(0) 🙂(1..3) e(3) ◌́(4) family(5..13) 日(13)
  assert.equal(utf16ToCp(s, 0), 0);
  assert.equal(utf16ToCp(s, 1), 1);
  assert.throws(() => utf16ToCp(s, 2), OtError); // inside 🙂
  assert.equal(utf16ToCp(s, 3), 2);
  assert.equal(utf16ToCp(s, 4), 3); // between e and its accent: allowed (code point boundary)
  assert.equal(utf16ToCp(s, 5), 4);
  assert.throws(() => utf16ToCp(s, 6), OtError); // inside 👩
  assert.equal(utf16ToCp(s, 7), 5); // after 👩, before ZWJ
  assert.equal(utf16ToCp(s, s.length), cpLength(s));
  assert.throws(() => utf16ToCp(s, s.length + 1), OtError);
  assert.throws(() => utf16ToCp(s, -1), OtError);
  for (let cp = 0; cp <= cpLength(s); cp++) assert.equal(utf16ToCp(s, cpToUtf16(s, cp)), cp);
  assert.equal(cpToUtf16(s, 2), 3);
  assert.throws(() => cpToUtf16(s, cpLength(s) + 1), OtError);
});

/** Applies CodeMirror-style changes (offsets into the original) to a UTF-16 string. */
function applyEditorChanges(doc: string, changes: EditorChange[]): string {
  let out = "";
  let at = 0;
  for (const ch of changes) {
    assert.ok(ch.from >= at && ch.to >= ch.from && ch.to <= doc.length, JSON.stringify(changes));
    out += doc.slice(at, ch.from) + ch.insert;
    at = ch.to;
  }
  return out + doc.slice(at);
}

test("editor changes with emoji and combining marks", () => {
  const doc = `x🙂e\u0301${FAMILY}!`; // x 🙂 e ◌́ family ! → 10 code points, 14 UTF-16 units
  // Replace 🙂 (UTF-16 1..3) by "é".
  const o = fromEditorChange(doc, 1, 3, "é");
  assert.deepEqual(o, [1, "é", -1, 8]);
  assert.equal(apply(doc, o), `xée\u0301${FAMILY}!`);
  assert.deepEqual(toEditorChanges(doc, o), [{ from: 1, to: 3, insert: "é" }]);
  // Delete only the combining accent.
  const accent = fromEditorChange(doc, 4, 5, "");
  assert.deepEqual(accent, [3, -1, 6]);
  assert.equal(apply(doc, accent), `x🙂e${FAMILY}!`);
  // Insert a family at the end.
  const end = fromEditorChange(doc, doc.length, doc.length, FAMILY);
  assert.deepEqual(end, [10, FAMILY]);
  assert.deepEqual(toEditorChanges(doc, end), [{ from: 14, to: 14, insert: FAMILY }]);
  // A pure no-op change.
  assert.deepEqual(fromEditorChange(doc, 3, 3, ""), [10]);
  assert.deepEqual(toEditorChanges(doc, [10]), []);
  // Offsets inside a surrogate pair or reversed ranges are refused.
  assert.throws(() => fromEditorChange(doc, 2, 3, "a"), OtError);
  assert.throws(() => fromEditorChange(doc, 3, 1, "a"), OtError);
  // Several changes at once, offsets into the document before.
  const multi: Op = [1, -1, "Z", 2, -5, "日本", 1];
  const changes = toEditorChanges(doc, multi);
  assert.deepEqual(changes, [
    { from: 1, to: 3, insert: "Z" },
    { from: 5, to: 13, insert: "日本" },
  ]);
  assert.equal(applyEditorChanges(doc, changes), apply(doc, multi));
  assert.throws(() => toEditorChanges("ab", [3]), OtError);
  // RTL text.
  const he = "שלום";
  assert.deepEqual(fromEditorChange(he, 2, 4, "ל"), [2, "ל", -2]);
});

// ---- randomized checks (seeded, reproducible) ----

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["a", "b", " ", "\n", "é", "e\u0301", "🙂", FAMILY, "日", "本", "م", "ر", "ש", "ל", "\u200f", "ß"];

function randomText(rand: () => number, max: number): string {
  let s = "";
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

/** A random valid op on a document of `len` code points, built component by component. */
function randomOp(rand: () => number, len: number): Op {
  const raw: Op = [];
  let left = len;
  const steps = Math.floor(rand() * 8);
  for (let i = 0; i < steps; i++) {
    const kind = Math.floor(rand() * 3);
    const n = Math.min(left, 1 + Math.floor(rand() * 5));
    if (kind === 1) {
      const s = randomText(rand, 4);
      if (s) raw.push(s);
    } else if (n > 0) {
      raw.push(kind === 0 ? n : -n);
      left -= n;
    }
  }
  if (left > 0) raw.push(left);
  return normalize(raw);
}

test("randomized: TP1, compose, invert, positions, diff, editor changes", () => {
  const rand = mulberry32(0x5eed);
  for (let round = 0; round < 500; round++) {
    const doc = randomText(rand, 16);
    const n = cpLength(doc);
    const a = randomOp(rand, n);
    const b = randomOp(rand, n);
    const ctx = JSON.stringify({ round, doc, a, b });

    // TP1.
    const [a2, b2] = transform(a, b);
    assert.equal(apply(apply(doc, a), b2), apply(apply(doc, b), a2), ctx);
    assert.deepEqual(compose(a, b2), compose(b, a2), ctx);

    // Compose.
    const afterA = apply(doc, a);
    const c = randomOp(rand, cpLength(afterA));
    assert.equal(apply(doc, compose(a, c)), apply(afterA, c), ctx);

    // Invert.
    assert.equal(apply(afterA, invert(a, doc)), doc, ctx);

    // Positions stay in bounds and are monotonic.
    let prev = 0;
    const own = rand() < 0.5;
    for (let p = 0; p <= n; p++) {
      const q = transformPosition(a, p, own);
      assert.ok(q >= prev && q <= targetLen(a), ctx);
      prev = q;
    }

    // JSON round trip and canonical form.
    assert.deepEqual(normalize(JSON.parse(JSON.stringify(a))), a, ctx);

    // Diff.
    const other = randomText(rand, 16);
    assert.equal(apply(doc, diff(doc, other)), other, ctx);

    // Editor changes reproduce apply on the UTF-16 string.
    assert.equal(applyEditorChanges(doc, toEditorChanges(doc, a)), afterA, ctx);

    // An editor change at random code point boundaries.
    const i = Math.floor(rand() * (n + 1));
    const j = i + Math.floor(rand() * (n - i + 1));
    const ins = randomText(rand, 3);
    const [from, to] = [cpToUtf16(doc, i), cpToUtf16(doc, j)];
    const edit = fromEditorChange(doc, from, to, ins);
    assert.equal(apply(doc, edit), doc.slice(0, from) + ins + doc.slice(to), ctx);
  }
});
