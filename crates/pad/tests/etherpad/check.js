'use strict';
// Replays an .etherpad file with Etherpad's own changeset code and Etherpad 2.x's import checks
// (see README.md). Exit code 0 and the final text on stdout when the file would import.
const fs = require('fs');
const assert = require('assert').strict;
const Changeset = require('./Changeset');
const AttributePool = require('./AttributePool');

const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const padKey = Object.keys(data).find((k) => /^pad:[^:]+$/.test(k));
assert(padKey, 'no pad record');
const padId = padKey.slice(4);
const pad = data[padKey];
const pool = new AttributePool().fromJsonable(pad.pool);
assert(Number.isInteger(pad.head) && pad.head >= -1, 'head');
assert(Array.isArray(pad.savedRevisions), 'savedRevisions');

const attribKeys = (attribs) => (attribs.match(/\*[0-9a-z]+/g) || []).map((s) => {
  const a = pool.getAttrib(parseInt(s.slice(1), 36));
  assert(a, `attribute ${s} not in the pool`);
  return a[0];
});

const authors = new Set();
let atext = Changeset.makeAText('\n');
for (let r = 0; r <= pad.head; r++) {
  const rec = data[`${padKey}:revs:${r}`];
  assert(rec, `revision ${r} missing`);
  const {changeset, meta} = rec;
  try {
    assert.equal(typeof meta.author, 'string');
    if (meta.author) authors.add(meta.author);
    assert.equal(typeof meta.timestamp, 'number');
    assert(meta.timestamp > 0);
    Changeset.checkRep(changeset);
    const unpacked = Changeset.unpack(changeset);
    let text = atext.text;
    let bank = unpacked.charBank;
    const it = Changeset.opIterator(unpacked.ops);
    while (it.hasNext()) {
      const op = it.next();
      if (op.opcode === '=' || op.opcode === '-') {
        assert(text.length >= op.chars);
        const consumed = text.slice(0, op.chars);
        assert.equal(op.lines, (consumed.match(/\n/g) || []).length, 'newlines of a keep/delete');
        if (op.lines > 0) assert(consumed.endsWith('\n'), 'multi-line keep/delete ends a line');
        text = text.slice(op.chars);
      } else if (op.opcode === '+') {
        assert(bank.length >= op.chars, 'char bank too short');
        const chars = bank.slice(0, op.chars);
        assert.equal(op.lines, (chars.match(/\n/g) || []).length, 'newlines of an insert');
        if (op.lines > 0) assert(chars.endsWith('\n'), 'multi-line insert ends a line');
        bank = bank.slice(op.chars);
      }
      const keys = attribKeys(op.attribs);
      assert.deepEqual(keys, [...keys].sort(), 'attributes in canonical order');
    }
    assert.equal(bank, '', 'char bank fully used');
    atext = Changeset.applyToAText(changeset, atext, pool);
    if (r % 100 === 0) assert.deepEqual(meta.atext, atext, 'key revision text');
  } catch (err) {
    err.message = `revision ${r}: ${err.message}`;
    throw err;
  }
}
assert.deepEqual(pad.atext, atext, 'the pad text is the replayed text');
const poolAuthors = new Set();
pool.eachAttrib((k, v) => { if (k === 'author' && v) poolAuthors.add(v); });
for (const a of authors) assert(poolAuthors.has(a), `revision author ${a} not in the pool`);
for (const [k, v] of Object.entries(data)) {
  if (k.startsWith('globalAuthor:')) assert.equal(v.padIDs, padId, 'globalAuthor padIDs');
}
for (let c = 0; c <= (pad.chatHead ?? -1); c++) assert(data[`${padKey}:chat:${c}`], `chat ${c}`);
process.stdout.write(JSON.stringify({text: atext.text, attribs: atext.attribs}));
