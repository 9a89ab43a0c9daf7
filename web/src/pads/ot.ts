// Operational transformation for pads: the same algorithms and JSON format as the Rust crate
// `nichoir-ot` (crates/ot), checked against the shared vectors in crates/ot/tests/vectors.json.
//
// An op is an array walking the document from start to end: a positive integer keeps that many
// characters, a negative integer deletes that many, a non-empty string inserts it. Every length
// and position counts Unicode code points (not UTF-16 units); the helpers at the end convert to
// and from the UTF-16 offsets the editor (CodeMirror) uses.
//
// Ops produced here are canonical: no zero or empty component, adjacent components of one kind
// merged, an insert placed before a delete at the same position.

/** A text operation in the wire format, e.g. `[5, "hé🙂", -3, 2]`. */
export type Op = (number | string)[];

/** A change as CodeMirror's `changes` expects it: UTF-16 offsets into the document before. */
export type EditorChange = { from: number; to: number; insert: string };

/** Thrown on an invalid op or an op that does not fit the document or the other op. */
export class OtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OtError";
  }
}

/** Largest retain or delete length accepted (2^32), as in the Rust crate. */
export const MAX_COMPONENT_LEN = 2 ** 32;

// ---- code points ----

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** UTF-16 index reached by moving `n` code points from `start`, or -1 past the end. */
function advance(s: string, start: number, n: number): number {
  let i = start;
  for (let k = 0; k < n; k++) {
    if (i >= s.length) return -1;
    i += isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

/** Number of code points in `s` (a lone surrogate counts as one). */
export function cpLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i++;
    n++;
  }
  return n;
}

/** Splits `s` after `n` code points (all of it when shorter). */
function splitCp(s: string, n: number): [string, string] {
  const at = advance(s, 0, n);
  return at < 0 ? [s, ""] : [s.slice(0, at), s.slice(at)];
}

/** Code point offset of a UTF-16 offset; throws when it is out of range or splits a surrogate pair. */
export function utf16ToCp(s: string, utf16Offset: number): number {
  if (!Number.isInteger(utf16Offset) || utf16Offset < 0 || utf16Offset > s.length) {
    throw new OtError(`UTF-16 offset ${utf16Offset} out of range 0..${s.length}`);
  }
  if (utf16Offset > 0 && utf16Offset < s.length && isHigh(s.charCodeAt(utf16Offset - 1)) && isLow(s.charCodeAt(utf16Offset))) {
    throw new OtError(`UTF-16 offset ${utf16Offset} splits a surrogate pair`);
  }
  return cpLength(s.slice(0, utf16Offset));
}

/** UTF-16 offset of a code point offset; throws when past the end. */
export function cpToUtf16(s: string, cpOffset: number): number {
  if (!Number.isInteger(cpOffset) || cpOffset < 0) throw new OtError(`code point offset ${cpOffset} out of range`);
  const at = advance(s, 0, cpOffset);
  if (at < 0) throw new OtError(`code point offset ${cpOffset} past the end (${cpLength(s)})`);
  return at;
}

// ---- building and checking ----

/** Appends components in canonical form. */
class Builder {
  readonly op: Op = [];

  retain(n: number): this {
    if (n === 0) return this;
    const last = this.op.length - 1;
    const top = this.op[last];
    if (typeof top === "number" && top > 0) this.op[last] = top + n;
    else this.op.push(n);
    return this;
  }

  insert(s: string): this {
    if (s === "") return this;
    const op = this.op;
    const last = op.length - 1;
    const top = op[last];
    if (typeof top === "string") {
      op[last] = top + s;
    } else if (typeof top === "number" && top < 0) {
      // Insert goes before a trailing delete, merging with an insert already there.
      const prev = op[last - 1];
      if (typeof prev === "string") op[last - 1] = prev + s;
      else op.splice(last, 0, s);
    } else {
      op.push(s);
    }
    return this;
  }

  delete(n: number): this {
    if (n === 0) return this;
    const last = this.op.length - 1;
    const top = this.op[last];
    if (typeof top === "number" && top < 0) this.op[last] = top - n;
    else this.op.push(-n);
    return this;
  }
}

function checkComponent(c: unknown): number | string {
  if (typeof c === "string") {
    if (c === "") throw new OtError("empty insert");
    return c;
  }
  if (typeof c === "number") {
    if (!Number.isInteger(c) || c === 0 || Math.abs(c) > MAX_COMPONENT_LEN) {
      throw new OtError(`invalid length ${c}: must be a non-zero integer of at most 2^32`);
    }
    return c;
  }
  throw new OtError("an op component must be a number or a string");
}

/** Checks untrusted JSON and returns the canonical op; throws `OtError` when it is not an op. */
export function normalize(op: unknown): Op {
  if (!Array.isArray(op)) throw new OtError("an op must be an array");
  const b = new Builder();
  for (const raw of op) {
    const c = checkComponent(raw);
    if (typeof c === "string") b.insert(c);
    else if (c > 0) b.retain(c);
    else b.delete(-c);
  }
  return b.op;
}

/** Length in code points of the document the op applies to. */
export function baseLen(op: Op): number {
  let n = 0;
  for (const c of op) if (typeof c === "number") n += Math.abs(c);
  return n;
}

/** Length in code points of the document the op produces. */
export function targetLen(op: Op): number {
  let n = 0;
  for (const c of op) n += typeof c === "string" ? cpLength(c) : c > 0 ? c : 0;
  return n;
}

/** True when the op changes nothing. */
export function isNoop(op: Op): boolean {
  return op.every((c) => typeof c === "number" && c > 0);
}

/** Number of code points inserted / deleted. */
export function insertedChars(op: Op): number {
  let n = 0;
  for (const c of op) if (typeof c === "string") n += cpLength(c);
  return n;
}

export function deletedChars(op: Op): number {
  let n = 0;
  for (const c of op) if (typeof c === "number" && c < 0) n -= c;
  return n;
}

// ---- the algorithms ----

/** Applies `op` to `doc`, which must have exactly `baseLen(op)` code points. */
export function apply(doc: string, op: Op): string {
  const ops = normalize(op);
  const got = cpLength(doc);
  const expected = baseLen(ops);
  if (got !== expected) throw new OtError(`length mismatch: expected ${expected} characters, got ${got}`);
  const out: string[] = [];
  let i = 0;
  for (const c of ops) {
    if (typeof c === "string") {
      out.push(c);
    } else if (c > 0) {
      const j = advance(doc, i, c);
      out.push(doc.slice(i, j));
      i = j;
    } else {
      i = advance(doc, i, -c);
    }
  }
  return out.join("");
}

type Piece = { kind: "retain" | "delete"; n: number } | { kind: "insert"; n: number; s: string };

/** Walks an op's components, letting the caller consume them partially. */
class Cursor {
  private i = 0;
  constructor(private readonly ops: Op) {}

  next(): Piece | null {
    if (this.i >= this.ops.length) return null;
    const c = this.ops[this.i++]!;
    if (typeof c === "string") return { kind: "insert", n: cpLength(c), s: c };
    return c > 0 ? { kind: "retain", n: c } : { kind: "delete", n: -c };
  }

  /** What is left of `p` after consuming `m` code points of it, or the next piece. */
  advance(p: Piece, m: number): Piece | null {
    if (p.n > m) {
      if (p.kind === "insert") return { kind: "insert", n: p.n - m, s: splitCp(p.s, m)[1] };
      return { kind: p.kind, n: p.n - m };
    }
    return this.next();
  }
}

/** `apply(apply(s, a), b) === apply(s, compose(a, b))`; `b` must apply to the result of `a`. */
export function compose(a: Op, b: Op): Op {
  const opA = normalize(a);
  const opB = normalize(b);
  if (targetLen(opA) !== baseLen(opB)) {
    throw new OtError(`length mismatch: expected ${targetLen(opA)} characters, got ${baseLen(opB)}`);
  }
  const out = new Builder();
  const ca = new Cursor(opA);
  const cb = new Cursor(opB);
  let pa = ca.next();
  let pb = cb.next();
  for (;;) {
    if (pa === null && pb === null) break;
    if (pa !== null && pa.kind === "delete") {
      out.delete(pa.n);
      pa = ca.next();
      continue;
    }
    if (pb !== null && pb.kind === "insert") {
      out.insert(pb.s);
      pb = cb.next();
      continue;
    }
    if (pa === null || pb === null) throw new OtError("inconsistent operations");
    const m = Math.min(pa.n, pb.n);
    if (pa.kind === "retain" && pb.kind === "retain") out.retain(m);
    else if (pa.kind === "retain" && pb.kind === "delete") out.delete(m);
    else if (pa.kind === "insert" && pb.kind === "retain") out.insert(splitCp(pa.s, m)[0]);
    // insert then delete: nothing left of it.
    pa = ca.advance(pa, m);
    pb = cb.advance(pb, m);
  }
  return out.op;
}

/**
 * Transforms two concurrent ops on the same document into `[a', b']` with
 * `apply(apply(s, a), b') === apply(apply(s, b), a')`. At the same position `a`'s insert goes
 * first: pass as `a` the op the server already has.
 */
export function transform(a: Op, b: Op): [Op, Op] {
  const opA = normalize(a);
  const opB = normalize(b);
  if (baseLen(opA) !== baseLen(opB)) {
    throw new OtError(`length mismatch: expected ${baseLen(opA)} characters, got ${baseLen(opB)}`);
  }
  const aPrime = new Builder();
  const bPrime = new Builder();
  const ca = new Cursor(opA);
  const cb = new Cursor(opB);
  let pa = ca.next();
  let pb = cb.next();
  for (;;) {
    if (pa === null && pb === null) break;
    if (pa !== null && pa.kind === "insert") {
      aPrime.insert(pa.s);
      bPrime.retain(pa.n);
      pa = ca.next();
      continue;
    }
    if (pb !== null && pb.kind === "insert") {
      aPrime.retain(pb.n);
      bPrime.insert(pb.s);
      pb = cb.next();
      continue;
    }
    if (pa === null || pb === null) throw new OtError("inconsistent operations");
    const m = Math.min(pa.n, pb.n);
    if (pa.kind === "retain" && pb.kind === "retain") {
      aPrime.retain(m);
      bPrime.retain(m);
    } else if (pa.kind === "delete" && pb.kind === "retain") {
      aPrime.delete(m);
    } else if (pa.kind === "retain" && pb.kind === "delete") {
      bPrime.delete(m);
    }
    // both deleted the same text: nothing to do.
    pa = ca.advance(pa, m);
    pb = cb.advance(pb, m);
  }
  return [aPrime.op, bPrime.op];
}

/** The op undoing `op`, given the document `op` applies to. */
export function invert(op: Op, doc: string): Op {
  const ops = normalize(op);
  const got = cpLength(doc);
  if (got !== baseLen(ops)) throw new OtError(`length mismatch: expected ${baseLen(ops)} characters, got ${got}`);
  const out = new Builder();
  let i = 0;
  for (const c of ops) {
    if (typeof c === "string") {
      out.delete(cpLength(c));
    } else if (c > 0) {
      out.retain(c);
      i = advance(doc, i, c);
    } else {
      const j = advance(doc, i, -c);
      out.insert(doc.slice(i, j));
      i = j;
    }
  }
  return out.op;
}

/**
 * Moves a caret (code points, clamped to `baseLen(op)`) through `op`. Text inserted exactly at the
 * caret goes before it when `own` (the author's caret follows its typing), after it otherwise.
 */
export function transformPosition(op: Op, pos: number, own: boolean): number {
  const ops = normalize(op);
  const p = Math.max(0, Math.min(pos, baseLen(ops)));
  let consumed = 0;
  let moved = p;
  for (const c of ops) {
    if (consumed > p) break;
    if (typeof c === "string") {
      if (consumed < p || own) moved += cpLength(c);
    } else if (c > 0) {
      consumed += c;
    } else {
      if (consumed < p) moved -= Math.min(-c, p - consumed);
      consumed -= c;
    }
  }
  return Math.min(moved, targetLen(ops));
}

/** A single-replacement op turning `oldText` into `newText` (common prefix and suffix kept). */
export function diff(oldText: string, newText: string): Op {
  const a = Array.from(oldText);
  const b = Array.from(newText);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return new Builder()
    .retain(prefix)
    .delete(a.length - prefix - suffix)
    .insert(b.slice(prefix, b.length - suffix).join(""))
    .retain(suffix).op;
}

// ---- editor (UTF-16) conversion ----

/** The op for one CodeMirror change: replace UTF-16 range [from, to) of `docBefore` by `insertedText`. */
export function fromEditorChange(docBefore: string, fromUtf16: number, toUtf16: number, insertedText: string): Op {
  if (toUtf16 < fromUtf16) throw new OtError(`change range ${fromUtf16}..${toUtf16} is reversed`);
  const from = utf16ToCp(docBefore, fromUtf16);
  const to = utf16ToCp(docBefore, toUtf16);
  const total = cpLength(docBefore);
  return new Builder()
    .retain(from)
    .insert(insertedText)
    .delete(to - from)
    .retain(total - to).op;
}

/** The changes to give CodeMirror for `op` on `docBefore`: UTF-16 offsets into `docBefore`, in order. */
export function toEditorChanges(docBefore: string, op: Op): EditorChange[] {
  const ops = normalize(op);
  const got = cpLength(docBefore);
  if (got !== baseLen(ops)) throw new OtError(`length mismatch: expected ${baseLen(ops)} characters, got ${got}`);
  const changes: EditorChange[] = [];
  let i = 0;
  let pending: EditorChange | null = null;
  for (const c of ops) {
    if (typeof c === "string") {
      if (pending) changes.push(pending);
      pending = { from: i, to: i, insert: c };
    } else if (c > 0) {
      if (pending) changes.push(pending);
      pending = null;
      i = advance(docBefore, i, c);
    } else {
      const j = advance(docBefore, i, -c);
      if (pending && pending.to === i) {
        pending.to = j;
      } else {
        if (pending) changes.push(pending);
        pending = { from: i, to: j, insert: "" };
      }
      i = j;
    }
  }
  if (pending) changes.push(pending);
  return changes;
}
