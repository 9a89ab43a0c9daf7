// Nichoir's `.etherpad` export imported by a real Etherpad 1.8.14, checked through Etherpad's
// HTTP API. Run by scripts/check-etherpad-roundtrip, which starts both servers and passes:
// NICHOIR_URL, ALICE_TOKEN, BRUNO_TOKEN (two admins of Nichoir: Nichoir's Etherpad API takes an
// admin's token as its key), ETHERPAD_URL, ETHERPAD_APIKEY, FIXTURE (an `.etherpad` file
// exported by a real Etherpad), ETHERPAD_DIR (Etherpad's install, for check-2x.mjs). Any mismatch
// throws: the process exits non-zero with the reason.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { checkAsEtherpad2 } from './check-2x.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const NICHOIR = env('NICHOIR_URL');
const ALICE = env('ALICE_TOKEN');
const BRUNO = env('BRUNO_TOKEN');
const ETHERPAD = env('ETHERPAD_URL');
const APIKEY = env('ETHERPAD_APIKEY');
const FIXTURE = env('FIXTURE');
const ETHERPAD_DIR = env('ETHERPAD_DIR');

const log = (msg) => console.log(`  ${msg}`);

async function nichoir(token, method, path, body, type) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = type ?? 'application/json';
  const res = await fetch(NICHOIR + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    throw new Error(`Nichoir ${method} ${path}: HTTP ${res.status} ${new TextDecoder().decode(bytes)}`);
  }
  return bytes;
}
const nichoirJson = async (...args) => JSON.parse(new TextDecoder().decode(await nichoir(...args)));

// Nichoir's Etherpad API, called as Etherpad's clients call it (form-encoded POST).
async function nichoirEtherpadApi(token, fn, params) {
  const res = await fetch(`${NICHOIR}/api/1.2.15/${fn}`, {
    method: 'POST',
    body: new URLSearchParams({ apikey: token, ...params }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.code !== 0) {
    throw new Error(`Nichoir's Etherpad API ${fn}: HTTP ${res.status} ${JSON.stringify(body)}`);
  }
  return body.data;
}

// Etherpad's own API; answers `data` or throws with Etherpad's message.
async function etherpad(fn, params = {}) {
  const url = `${ETHERPAD}/api/1.2.15/${fn}?${new URLSearchParams({ apikey: APIKEY, ...params })}`;
  const res = await fetch(url);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`Etherpad ${fn}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (body.code !== 0) throw new Error(`Etherpad ${fn}(${JSON.stringify(params)}): ${JSON.stringify(body)}`);
  return body.data;
}

const decodeEntities = (html) =>
  html
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');

// 1. The real Etherpad's file into Nichoir, as Alice.
const fixture = await readFile(FIXTURE);
const imported = await nichoirJson(ALICE, 'POST', '/api/v1/pads/import-etherpad?name=compte-rendu-aller-retour', fixture);
const padId = imported.pad.id;
log(`Etherpad's fixture imported into Nichoir as pad ${padId} (revision ${imported.pad.rev})`);

// 2. Alice adds a formatted section in Markdown (what the rich-text toolbar writes).
const before = await nichoirJson(ALICE, 'GET', `/api/v1/pads/${padId}`);
const section = [
  '## Décisions',
  '',
  'Texte **gras**, *italique*, <u>souligné</u>, ~~barré~~ et un [lien](https://framapad.org/abc).',
  '',
  '- point A',
  '  - point A.1',
  '- point B',
  '',
  '1. premier',
  '2. second',
  '',
].join('\n');
const withSection = `${before.text.replace(/\n*$/, '')}\n\n${section}`;
await nichoir(ALICE, 'POST', `/api/v1/pads/${padId}/import?format=md`, withSection, 'text/markdown');

// 3. Bruno adds a line through Nichoir's Etherpad API, and says something in the chat.
await nichoirEtherpadApi(BRUNO, 'appendText', { padID: padId, text: '\nBruno : d’accord pour jeudi.\n' });
await nichoir(BRUNO, 'POST', `/api/v1/pads/${padId}/chat`, { text: 'À jeudi !' });

const now = await nichoirJson(ALICE, 'GET', `/api/v1/pads/${padId}`);
const nichoirRev = now.pad.rev;
const nichoirTexts = [];
for (let r = 1; r <= nichoirRev; r++) {
  nichoirTexts[r] = (await nichoirJson(ALICE, 'GET', `/api/v1/pads/${padId}/revisions/${r}`)).text;
}
assert.equal(nichoirTexts[nichoirRev], now.text, "Nichoir's last revision is its text");
log(`Nichoir's pad has ${nichoirRev} revisions; its text:\n${now.text.replace(/^/gm, '    | ')}`);

// 4. Nichoir's `.etherpad` export.
const file = await nichoir(ALICE, 'GET', `/api/v1/pads/${padId}/export?format=etherpad`);
const records = JSON.parse(new TextDecoder().decode(file));
const padRecord = records[`pad:${padId}`];
assert.ok(padRecord, `the export holds pad:${padId}`);
log(`exported ${file.length} bytes, ${Object.keys(records).length} records, head ${padRecord.head}`);
// The checker itself: Etherpad's own file passes it, and the same file with one operation's
// attributes out of order (which 2.x refuses) does not.
{
  const own = JSON.parse(new TextDecoder().decode(fixture));
  const ownId = Object.keys(own).find((k) => /^pad:[^:]+$/.test(k)).slice(4);
  checkAsEtherpad2(own, ownId, ETHERPAD_DIR);
  const shuffled = structuredClone(own);
  const rev = Object.values(shuffled).find((v) => typeof v?.changeset === 'string' && /\*[0-9a-z]+\*[0-9a-z]+/.test(v.changeset));
  rev.changeset = rev.changeset.replace(/\*([0-9a-z]+)\*([0-9a-z]+)/, '*$2*$1');
  assert.throws(() => checkAsEtherpad2(shuffled, ownId, ETHERPAD_DIR), /canonical order/);
}
checkAsEtherpad2(records, padId, ETHERPAD_DIR);
log('the export passes the checks Etherpad 2.x makes on an imported pad (setPadRaw, Pad.check)');
{
  // Past 100 revisions a key revision carries its atext, which 2.x compares with the replay.
  const longId = 'longue-histoire';
  await nichoirEtherpadApi(ALICE, 'createPad', { padID: longId, text: '# Journal\n' });
  for (let i = 1; i <= 120; i++) {
    const who = i % 2 ? ALICE : BRUNO;
    await nichoirEtherpadApi(who, 'appendText', { padID: longId, text: `- entrée **${i}** par _${i % 2 ? 'Alice' : 'Bruno'}_\n` });
  }
  const long = await nichoir(ALICE, 'GET', `/api/v1/pads/${longId}/export?format=etherpad`);
  const longRecords = JSON.parse(new TextDecoder().decode(long));
  assert.ok(longRecords[`pad:${longId}`].head > 100, 'the long pad has more than 100 revisions');
  checkAsEtherpad2(longRecords, longId, ETHERPAD_DIR);
  log(`a pad of ${longRecords[`pad:${longId}`].head} revisions by two people passes them too`);
}

// 5. Etherpad's own import: the form its "Import" button posts, to a pad that does not exist
// yet (Etherpad refuses an .etherpad file over a pad with 10 revisions or more).
const epPad = 'retour-de-nichoir';
const form = new FormData();
form.append('file', new Blob([file], { type: 'application/octet-stream' }), `${padId}.etherpad`);
const importRes = await fetch(`${ETHERPAD}/p/${epPad}/import`, { method: 'POST', body: form });
const importBody = await importRes.text();
assert.equal(importRes.status, 200, `Etherpad's import answered HTTP ${importRes.status}: ${importBody}`);
const importJson = JSON.parse(importBody);
assert.deepEqual(
  { code: importJson.code, message: importJson.message, direct: importJson.data?.directDatabaseAccess },
  { code: 0, message: 'ok', direct: true },
  `Etherpad's import: ${importBody}`,
);
log(`Etherpad imported it: ${importBody}`);

// Etherpad 1.8's import writes the records without waiting for them: wait until the pad
// Etherpad serves is ours.
let count;
for (let i = 0; i < 100; i++) {
  count = (await etherpad('getRevisionsCount', { padID: epPad })).revisions;
  if (count === padRecord.head) break;
  await new Promise((r) => setTimeout(r, 100));
}

// 6. Etherpad shows the same history: as many revisions (ours, plus the one that lays the
// Markdown out as formatted lines), each replayed by Etherpad's changeset code to Nichoir's
// text at that revision.
assert.equal(count, padRecord.head, "Etherpad's revision count is the file's head");
assert.ok(
  count === nichoirRev || count === nichoirRev + 1,
  `Etherpad has ${count} revisions, Nichoir ${nichoirRev}`,
);
// 1.8 answers getText with a revision as the attributed text, 2.x as the text.
const textAt = async (rev) => {
  const t = (await etherpad('getText', { padID: epPad, rev: String(rev) })).text;
  return typeof t === 'string' ? t : t.text;
};
for (let r = 1; r <= nichoirRev; r++) {
  assert.equal(await textAt(r), `${nichoirTexts[r]}\n`, `revision ${r} replayed by Etherpad is Nichoir's`);
}
const replayedHead = (await etherpad('getText', { padID: epPad, rev: String(count) })).text;
assert.equal(
  typeof replayedHead === 'string' ? replayedHead : replayedHead.text,
  padRecord.atext.text,
  "Etherpad's replay of every changeset ends on the pad's text",
);
if (typeof replayedHead !== 'string') {
  assert.equal(replayedHead.attribs, padRecord.atext.attribs, "Etherpad's replay ends on the pad's attributes");
}
log(`every revision 1..${count} replays in Etherpad to Nichoir's text`);

// 7. The text as Etherpad gives it to its API clients, line by line: headings keep Etherpad's
// `*` line marker, list items get their bullet or number.
const epText = (await etherpad('getText', { padID: epPad })).text;
const lines = epText.split('\n').filter((l) => l.trim() !== '');
assert.deepEqual(
  lines,
  [
    '*Compte rendu',
    '*Ordre du jour',
    'Un gras, un italique, un souligné et un barré, les deux 🙂.',
    '\t* premier point',
    '\t\t* sous-point',
    '\t* second point',
    '\t1. un',
    '\t2. deux',
    '\ttexte en retrait', // indented in Etherpad, a quote in Nichoir, indented again
    '*Conclusion',
    'Fin.',
    'Ajout d\'Alice 🙂',
    'Et de Bruno.',
    '*Décisions',
    'Texte gras, italique, souligné, barré et un lien (https://framapad.org/abc).',
    '\t* point A',
    '\t\t* point A.1',
    '\t* point B',
    '\t1. premier',
    '\t2. second',
    'Bruno : d’accord pour jeudi.',
  ],
  `Etherpad's text:\n${epText}`,
);

// 8. The formatting, in Etherpad's own HTML (ep_headings2 for the headings).
const html = decodeEntities((await etherpad('getHTML', { padID: epPad })).html);
const expectHtml = [
  '<h1>Compte rendu</h1>',
  '<h2>Ordre du jour</h2>',
  '<strong>gras</strong>, un <em>italique</em>, un <u>souligné</u> et un <s>barré</s>',
  '<strong><em>les deux</em></strong>',
  '<ul class="bullet"><li>premier point<ul class="bullet"><li>sous-point</li></ul></li><li>second point</li></ul>',
  '<ol class="number"><li>un</li><li>deux</li></ol>',
  '<ul class="indent"><li>texte en retrait</li></ul>',
  '<h2>Décisions</h2>',
  'Texte <strong>gras</strong>, <em>italique</em>, <u>souligné</u>, <s>barré</s> et un lien (<a href="https://framapad.org/abc"',
  '<ul class="bullet"><li>point A<ul class="bullet"><li>point A.1</li></ul></li><li>point B</li></ul>',
  '<ol class="number"><li>premier</li><li>second</li></ol>',
];
// Etherpad 1.8 leaves some </li> out; compare with them put back where a list item ends. A list
// that counts from 1 may or may not say so (Etherpad's editor repeats `start` on every line of a
// numbered list; Nichoir writes it only where the count does not follow).
const normalHtml = html
  .replace(/<ol start="1" /g, '<ol ').replace(/<\/li>/g, '').replace(/(<li>[^<]*)(?=<li>|<\/ul>|<\/ol>)/g, '$1</li>').replace(/<\/ul>(?=<li>|<\/ul>)/g, '</ul></li>');
for (const piece of expectHtml) {
  assert.ok(normalHtml.includes(piece), `Etherpad's HTML holds ${piece}\n${html}`);
}
assert.match(html, /<h3>Conclusion<\/h3>/, 'the h3 heading');
log("Etherpad's HTML holds the headings, bold, italic, underline, strike-through, lists and the link");

// 9. Authors: Alice and Bruno, with their names; the chat, old and new.
const authorIds = (await etherpad('listAuthorsOfPad', { padID: epPad })).authorIDs;
const names = [];
for (const id of authorIds) names.push(await etherpad('getAuthorName', { authorID: id }));
// Nichoir's authors of the pad: Alice, Bruno, and the one it gave the fixture's revisions that
// Etherpad recorded without an author.
const nichoirNames = now.authors.map((a) => a.name).sort();
assert.ok(nichoirNames.includes('Alice Martin') && nichoirNames.includes('Bruno Petit'), `Nichoir's authors: ${JSON.stringify(now.authors)}`);
assert.deepEqual([...names].sort(), nichoirNames, `Etherpad's authors: ${JSON.stringify(authorIds)}`);
const messages = (await etherpad('getChatHistory', { padID: epPad })).messages;
assert.deepEqual(
  messages.map((m) => m.text),
  ['Bonjour', 'À jeudi !'],
  `Etherpad's chat: ${JSON.stringify(messages)}`,
);
assert.equal(messages[1].userName, 'Bruno Petit', "the chat message's author");
log(`authors in Etherpad: ${names.join(', ')}; chat: ${messages.length} messages`);

// Who wrote what: at Nichoir's last revision (before the one that lays out the formatting, which
// has no author), Etherpad's replay attributes Alice's section to Alice and Bruno's line to Bruno.
const lastOurs = (await etherpad('getText', { padID: epPad, rev: String(nichoirRev) })).text;
if (typeof lastOurs !== 'string') {
  const numToAttrib = padRecord.pool.numToAttrib;
  const authorNum = (name) => {
    const id = authorIds[names.indexOf(name)];
    const n = Object.keys(numToAttrib).find((k) => numToAttrib[k][0] === 'author' && numToAttrib[k][1] === id);
    assert.ok(n !== undefined, `${name}'s author attribute in the pool`);
    return Number(n);
  };
  // The author of each character, from Etherpad's attribute string (`*n` before `|l+c`).
  const owners = [];
  for (const m of lastOurs.attribs.matchAll(/((?:\*[0-9a-z]+)*)(?:\|[0-9a-z]+)?\+([0-9a-z]+)/g)) {
    const nums = [...m[1].matchAll(/\*([0-9a-z]+)/g)].map((a) => parseInt(a[1], 36));
    for (let i = 0; i < parseInt(m[2], 36); i++) owners.push(nums);
  }
  const ownerOf = (needle) => {
    const at = lastOurs.text.indexOf(needle);
    assert.ok(at >= 0, `${needle} at revision ${nichoirRev}`);
    return owners[at];
  };
  assert.deepEqual(ownerOf('## Décisions'), [authorNum('Alice Martin')], "Alice's section is hers in Etherpad");
  assert.deepEqual(ownerOf('Bruno : d’accord'), [authorNum('Bruno Petit')], "Bruno's line is his in Etherpad");
  log(`at revision ${nichoirRev} Etherpad attributes each person's text to them`);
}

// 10. Etherpad keeps working on the pad: an edit applies, its own export reads it, and that
// export comes back into Nichoir.
await etherpad('appendText', { padID: epPad, text: 'Retour sur Etherpad.\n' });
assert.equal((await etherpad('getRevisionsCount', { padID: epPad })).revisions, count + 1);
assert.ok((await etherpad('getText', { padID: epPad })).text.endsWith('Retour sur Etherpad.\n\n'));
const again = await fetch(`${ETHERPAD}/p/${epPad}/export/etherpad`);
assert.equal(again.status, 200, "Etherpad's own .etherpad export");
const againBytes = new Uint8Array(await again.arrayBuffer());
const back = await nichoirJson(ALICE, 'POST', '/api/v1/pads/import-etherpad?name=revenu-d-etherpad', againBytes);
const backText = (await nichoirJson(ALICE, 'GET', `/api/v1/pads/${back.pad.id}`)).text;
assert.ok(backText.includes('Retour sur Etherpad.'), `back in Nichoir:\n${backText}`);
assert.ok(backText.includes('## Décisions'), `back in Nichoir, with its headings:\n${backText}`);
log("Etherpad edits the pad, exports it, and Nichoir imports that export again");

console.log('check-etherpad-roundtrip: ok');
