// What Etherpad 2.x checks in an `.etherpad` file before it keeps the pad, applied to Nichoir's
// export. Etherpad 2.x is not on npm (ep_etherpad-lite stops at 1.8.14), so its import cannot run
// here; its rules are few and written down: `setPadRaw` (src/node/utils/ImportEtherpad.ts: every
// record is the same pad's, a `globalAuthor`'s `padIDs` is that pad's id as a string) and
// `Pad.check()` (src/node/db/Pad.ts, run on the imported pad, an error refuses the file: the pool
// consistent, every revision's changeset valid and its attributes in canonical order — one per
// key, sorted by key — each key revision's atext the replay's, the pad's atext the last one,
// every revision author in the pool, every chat message present). The changeset algebra is
// Etherpad 1.8.14's own (checkRep, unpack, opIterator, applyToAText), which 2.x keeps.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

/** Throws, naming the rule, when Etherpad 2.x would refuse `records` as pad `padId`. */
export function checkAsEtherpad2(records, padId, etherpadDir) {
  const require = createRequire(`${etherpadDir}/src/package.json`);
  const Changeset = require('./static/js/Changeset');
  const AttributePool = require('./static/js/AttributePool');

  for (const [key, value] of Object.entries(records)) {
    const parts = key.split(':');
    if (parts[0] === 'globalAuthor' && parts.length === 2) {
      assert.equal(typeof value.padIDs, 'string', `${key}: padIDs is a string`);
      assert.equal(value.padIDs, padId, `${key}: padIDs is the pad's id`);
    } else if (parts[0] === 'pad') {
      assert.equal(parts[1], padId, `${key} is a record of pad ${padId}`);
    }
  }

  const pad = records[`pad:${padId}`];
  assert.ok(pad, `pad:${padId} is there`);
  const pool = new AttributePool().fromJsonable(pad.pool);
  checkPool(pool);

  const head = pad.head;
  assert.ok(Number.isInteger(head) && head >= -1, 'head is an integer ≥ -1');
  const saved = pad.savedRevisions ?? [];
  assert.ok(Array.isArray(saved), 'savedRevisions is an array');
  const savedNums = saved.map((s) => s.revNum).sort((a, b) => a - b);
  savedNums.forEach((n, i) => assert.ok(Number.isInteger(n) && n >= 0 && n <= head && (i === 0 || n > savedNums[i - 1]), `saved revision ${n}`));
  const savedIds = new Set();
  for (const s of saved) {
    assert.equal(typeof s.id, 'string', 'a saved revision has an id');
    assert.ok(!savedIds.has(s.id), `saved revision id ${s.id} is unique`);
    savedIds.add(s.id);
  }

  // 2.x's `getAllAuthors()`: the pool's authors, which must be every revision's too.
  const poolAuthors = [];
  pool.eachAttrib((k, v) => {
    if (k === 'author' && v) poolAuthors.push(v);
  });
  const authors = new Set(poolAuthors);
  let atext = Changeset.makeAText('\n');
  for (let r = 0; r <= head; r++) {
    const rev = records[`pad:${padId}:revs:${r}`];
    const where = `revision ${r}`;
    assert.ok(rev, `${where} is there`);
    const { changeset, meta } = rev;
    assert.equal(typeof meta?.author, 'string', `${where}: its author is a string`);
    if (meta.author) authors.add(meta.author);
    assert.ok(typeof meta.timestamp === 'number' && meta.timestamp > 0, `${where}: its timestamp is a positive number`);
    assert.equal(typeof changeset, 'string', `${where}: its changeset is a string`);
    Changeset.checkRep(changeset);
    const unpacked = Changeset.unpack(changeset);
    let text = atext.text;
    const ops = Changeset.opIterator(unpacked.ops);
    while (ops.hasNext()) {
      const op = ops.next();
      if (op.opcode === '=' || op.opcode === '-') {
        assert.ok(text.length >= op.chars, `${where}: an op keeps or removes text that exists`);
        const consumed = text.slice(0, op.chars);
        assert.equal(op.lines, (consumed.match(/\n/g) || []).length, `${where}: an op's line count`);
        if (op.lines > 0) assert.ok(consumed.endsWith('\n'), `${where}: an op over lines ends with a newline`);
        text = text.slice(op.chars);
      }
      assert.equal(op.attribs, canonical(op.attribs, pool), `${where}: attributes in canonical order`);
    }
    atext = Changeset.applyToAText(changeset, atext, pool);
    if (r % 100 === 0) assert.deepEqual(meta.atext, atext, `${where}: a key revision's atext is the replay's`);
  }
  assert.deepEqual(pad.atext, atext, "the pad's atext is the last revision's");
  assert.deepEqual(poolAuthors.sort(), [...authors].sort(), 'every revision author is in the pool');

  const chatHead = pad.chatHead ?? -1;
  assert.ok(Number.isInteger(chatHead) && chatHead >= -1, 'chatHead is an integer ≥ -1');
  for (let c = 0; c <= chatHead; c++) assert.ok(records[`pad:${padId}:chat:${c}`], `chat message ${c} is there`);
}

/** 2.x's `AttributePool.check()`. */
function checkPool(pool) {
  assert.ok(Number.isInteger(pool.nextNum) && pool.nextNum >= 0, 'the pool: nextNum');
  assert.equal(Object.keys(pool.numToAttrib).length, pool.nextNum, 'the pool: numToAttrib size');
  assert.equal(Object.keys(pool.attribToNum).length, pool.nextNum, 'the pool: attribToNum size');
  for (let i = 0; i < pool.nextNum; i++) {
    const attr = pool.numToAttrib[`${i}`];
    assert.ok(Array.isArray(attr) && attr.length === 2, `the pool: attribute ${i} is a pair`);
    assert.ok(typeof attr[0] === 'string' && typeof attr[1] === 'string', `the pool: attribute ${i} is two strings`);
    assert.equal(pool.attribToNum[String(attr)], i, `the pool: attribute ${i} found back`);
  }
}

/** An attribute string as 2.x's `AttributeMap.fromString(s, pool).toString()` writes it. */
function canonical(attribs, pool) {
  const map = new Map();
  for (const m of attribs.matchAll(/\*([0-9a-z]+)/g)) {
    const [k, v] = pool.getAttrib(parseInt(m[1], 36));
    map.set(k, v);
  }
  return [...map]
    .sort(([a], [b]) => (a > b ? 1 : a < b ? -1 : 0))
    .map((kv) => `*${pool.putAttrib(kv).toString(36)}`)
    .join('');
}
