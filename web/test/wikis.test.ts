import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes } from "../src/format.ts";
import { inlineRows, isEmptyDiff, lineText, sideBySideRows } from "../src/wikis/diffview.ts";
import {
  attachmentMarkdown,
  contrastText,
  displayName,
  fileHref,
  formatSizeChange,
  nameFromSegment,
  pageHref,
  pageKey,
  pageNameProblem,
  pageSegment,
  pastedName,
  slugProblem,
  suggestSlug,
  wikiToolHref,
} from "../src/wikis/names.ts";
import { snippetParts } from "../src/wikis/snippet.ts";
import { applyFormat, insertAtCursor, type Edit } from "../src/wikis/toolbar.ts";
import type { DiffLine, WikiDiff } from "../src/wikis/types.ts";

test("slug suggestion: lowercase ascii, hyphens, no accents, at most 63 characters", () => {
  assert.equal(suggestSlug("Fête du quartier"), "fete-du-quartier");
  assert.equal(suggestSlug("  Réunion   du Bureau 2027 !! "), "reunion-du-bureau-2027");
  assert.equal(suggestSlug("Œuvre & Cœur"), "oeuvre-coeur");
  assert.equal(suggestSlug("L'été à Zürich — Straße"), "l-ete-a-zurich-strasse");
  assert.equal(suggestSlug("___"), "");
  assert.equal(suggestSlug("日本語"), "");
  const long = suggestSlug("word ".repeat(30));
  assert.ok(long.length <= 63, long);
  assert.ok(!long.endsWith("-"));
  assert.equal(slugProblem(long), null);
});

test("slug rules as the server says them", () => {
  assert.equal(slugProblem("ab"), null);
  assert.equal(slugProblem("my-wiki2"), null);
  assert.equal(slugProblem("a"), "length");
  assert.equal(slugProblem("a".repeat(64)), "length");
  assert.equal(slugProblem("a_b"), "chars");
  assert.equal(slugProblem("Ab"), "chars");
  assert.equal(slugProblem("été"), "chars");
  assert.equal(slugProblem("-ab"), "hyphens");
  assert.equal(slugProblem("ab-"), "hyphens");
  assert.equal(slugProblem("a--b"), "hyphens");
});

test("page names in URLs: spaces as '_', the rest percent-encoded like the server", () => {
  assert.equal(pageSegment("Réunion du Bureau"), "R%C3%A9union_du_Bureau");
  assert.equal(pageSegment("a?b&c=d"), "a%3Fb%26c%3Dd");
  assert.equal(pageSegment("v1.2 notes~x"), "v1.2_notes~x");
  assert.equal(pageSegment("Qui (et où) ? 100% *!'"), "Qui_%28et_o%C3%B9%29_%3F_100%25_%2A%21%27");
  assert.equal(nameFromSegment("R%C3%A9union_du_Bureau"), "Réunion du Bureau");
  assert.equal(nameFromSegment("bad%E0%A4"), "bad%E0%A4");
  for (const name of ["Réunion du Bureau", "a?b&c=d", "Qui (et où) ? 100%", "emoji 🎉 page", "x+y"]) {
    assert.equal(nameFromSegment(pageSegment(name)), name);
    assert.match(pageSegment(name), /^[A-Za-z0-9\-._~%]+$/);
  }
  assert.equal(pageHref("club", "Réunion du Bureau"), "/w/club/R%C3%A9union_du_Bureau");
  assert.equal(pageHref("club", "Home", "edit"), "/w/club/Home/edit");
  assert.equal(pageHref("club", "Home", "history"), "/w/club/Home/history");
  assert.equal(pageHref("club", ""), "/w/club");
  assert.equal(wikiToolHref("club", "changes"), "/w/club/_changes");
  assert.equal(fileHref("club", "plan v2.png"), "/w/club/_files/plan%20v2.png");
});

test("page name keys and checks", () => {
  assert.equal(pageKey("Réunion  du_Bureau"), pageKey("réunion du bureau"));
  assert.equal(displayName("  Réunion__du   Bureau "), "Réunion du Bureau");
  assert.equal(pageNameProblem("Programme"), null);
  assert.equal(pageNameProblem(" _ "), "empty");
  assert.equal(pageNameProblem("a/b"), "chars");
  assert.equal(pageNameProblem("[[x]]"), "chars");
  assert.equal(pageNameProblem(".hidden"), "dots");
  assert.equal(pageNameProblem("a..b"), "dots");
  assert.equal(pageNameProblem("x".repeat(201)), "long");
});

test("attachment markdown and names", () => {
  assert.equal(attachmentMarkdown("club", "photo.png", "image/png"), "![photo.png](/w/club/_files/photo.png)");
  assert.equal(attachmentMarkdown("club", "plan [v2].pdf", "application/pdf"), "[plan \\[v2\\].pdf](/w/club/_files/plan%20%5Bv2%5D.pdf)");
  assert.equal(pastedName("image/png", new Date(2026, 10, 25, 9, 5, 7)), "image-20261125-090507.png");
  assert.equal(pastedName("image/jpeg", new Date(2026, 0, 1, 0, 0, 0)), "image-20260101-000000.jpg");
});

test("sizes and colours", () => {
  assert.equal(formatBytes(820, "en"), "820 B");
  assert.equal(formatBytes(1400000, "en"), "1.4 MB");
  assert.equal(formatBytes(25_000, "en"), "25 kB");
  assert.equal(formatSizeChange(12), "+12");
  assert.equal(formatSizeChange(-3), "\u22123");
  assert.equal(formatSizeChange(0), "0");
  assert.equal(contrastText("#2f855a"), "#ffffff");
  assert.equal(contrastText("#fde68a"), "#111111");
  assert.equal(contrastText("#ffffff"), "#111111");
  assert.equal(contrastText("#000000"), "#ffffff");
  assert.equal(contrastText("nonsense"), "#ffffff");
});

test("search snippets: marked matches become marks, brackets and HTML stay text", () => {
  const m = (w: string) => `\u0002${w}\u0003`;
  assert.deepEqual(snippetParts(`the ${m("budget")} for ${m("2027")} is`), [
    { text: "the ", mark: false },
    { text: "budget", mark: true },
    { text: " for ", mark: false },
    { text: "2027", mark: true },
    { text: " is", mark: false },
  ]);
  assert.deepEqual(snippetParts(`<b>not html</b> ${m("x")}`), [
    { text: "<b>not html</b> ", mark: false },
    { text: "x", mark: true },
  ]);
  assert.deepEqual(snippetParts("no match"), [{ text: "no match", mark: false }]);
  assert.deepEqual(snippetParts(`see [[${m("Programme")}]] and [x](y)`), [
    { text: "see [[", mark: false },
    { text: "Programme", mark: true },
    { text: "]] and [x](y)", mark: false },
  ]);
  assert.deepEqual(snippetParts("stray \u0003end"), [{ text: "stray end", mark: false }]);
  assert.deepEqual(snippetParts(""), []);
});

const seg = (text: string, changed = false) => ({ changed, text });
const same = (o: number, n: number, text: string): DiffLine => ({ kind: "same", old_line: o, new_line: n, segments: [seg(text)] });
const rem = (o: number, ...segments: { changed: boolean; text: string }[]): DiffLine => ({ kind: "removed", old_line: o, new_line: null, segments });
const add = (n: number, ...segments: { changed: boolean; text: string }[]): DiffLine => ({ kind: "added", old_line: null, new_line: n, segments });

test("diff view model: inline rows and side-by-side pairing", () => {
  const diff: WikiDiff = {
    added: 3,
    removed: 2,
    hunks: [
      {
        old_start: 1,
        new_start: 1,
        lines: [same(1, 1, "# Title"), rem(2, seg("Meet at "), seg("10", true)), rem(3, seg("Bring food")), add(2, seg("Meet at "), seg("11", true)), same(4, 3, "end")],
      },
      { old_start: 20, new_start: 19, lines: [same(20, 19, "x"), add(20, seg("new line", true)), add(21, seg("another", true))] },
    ],
  };
  const inline = inlineRows(diff);
  assert.equal(inline.length, 10);
  assert.deepEqual(inline[0], { type: "hunk", oldStart: 1, newStart: 1 });
  assert.equal(inline[6]!.type, "hunk");

  const side = sideBySideRows(diff);
  const pairs = side.filter((r) => r.type === "pair");
  assert.equal(side.length, 2 + 4 + 3);
  // The removed run [2, 3] faces the added run [2]: line 3 faces nothing.
  const p = side[2];
  assert.ok(p && p.type === "pair");
  assert.equal(p.left?.old_line, 2);
  assert.equal(p.right?.new_line, 2);
  const q = side[3];
  assert.ok(q && q.type === "pair");
  assert.equal(q.left?.old_line, 3);
  assert.equal(q.right, null);
  // Unchanged lines show on both sides.
  const first = side[1];
  assert.ok(first && first.type === "pair" && first.left === first.right);
  // Additions without removals: empty left cells.
  const last = pairs[pairs.length - 1];
  assert.ok(last && last.type === "pair" && last.left === null && last.right?.new_line === 21);
  assert.equal(lineText(rem(2, seg("Meet at "), seg("10", true))), "Meet at 10");
  assert.equal(isEmptyDiff(diff), false);
  assert.equal(isEmptyDiff({ added: 0, removed: 0, hunks: [] }), true);
});

const at = (text: string, start: number, end = start): Edit => ({ text, start, end });
const sel = (e: Edit) => e.text.slice(e.start, e.end);

test("toolbar: bold, italic, wiki link and code wrap the selection (and unwrap it)", () => {
  const bold = applyFormat(at("say hello now", 4, 9), "bold");
  assert.equal(bold.text, "say **hello** now");
  assert.equal(sel(bold), "hello");
  const back = applyFormat(bold, "bold");
  assert.equal(back.text, "say hello now");
  assert.equal(sel(back), "hello");
  const empty = applyFormat(at("ab", 1), "italic");
  assert.equal(empty.text, "a*italic text*b");
  assert.equal(sel(empty), "italic text");
  const wl = applyFormat(at("see Programme", 4, 13), "wikilink");
  assert.equal(wl.text, "see [[Programme]]");
  assert.equal(sel(wl), "Programme");
  const code = applyFormat(at("run make now", 4, 8), "code");
  assert.equal(code.text, "run `make` now");
  const block = applyFormat(at("intro\nline1\nline2", 6, 17), "code");
  assert.equal(block.text, "intro\n```\nline1\nline2\n```\n");
  assert.equal(sel(block), "line1\nline2");
});

test("toolbar: headings and lists prefix the selected lines (and toggle back)", () => {
  const h = applyFormat(at("one\ntwo\nthree", 5), "heading");
  assert.equal(h.text, "one\n## two\nthree");
  assert.equal(applyFormat(h, "heading").text, "one\ntwo\nthree");
  const l = applyFormat(at("a\nb\n\nc", 0, 6), "list");
  assert.equal(l.text, "- a\n- b\n\n- c");
  assert.equal(applyFormat(l, "list").text, "a\nb\n\nc");
  const emptyLine = applyFormat(at("x\n\ny", 2), "list");
  assert.equal(emptyLine.text, "x\n- item\ny");
  assert.equal(sel(emptyLine), "item");
});

test("toolbar: links and tables", () => {
  const link = applyFormat(at("the site", 4, 8), "link");
  assert.equal(link.text, "the [site](https://)");
  assert.equal(sel(link), "https://");
  const url = applyFormat(at("go https://example.org", 3, 22), "link", { bold: "", italic: "", heading: "", link: "text", wikilink: "", list: "", code: "", column: "Col" });
  assert.equal(url.text, "go [text](https://example.org)");
  assert.equal(sel(url), "text");
  const table = applyFormat(at("para", 4), "table");
  assert.equal(table.text, "para\n\n| Column 1 | Column 2 |\n| --- | --- |\n|  |  |\n");
  assert.equal(sel(table), "Column 1");
  const first = applyFormat(at("", 0), "table");
  assert.ok(first.text.startsWith("| Column 1"));
});

test("inserting an attachment at the cursor", () => {
  const e = insertAtCursor(at("before after", 7), "![a.png](/w/x/_files/a.png)");
  assert.equal(e.text, "before ![a.png](/w/x/_files/a.png)after");
  assert.equal(e.start, e.end);
  assert.equal(e.start, "before ![a.png](/w/x/_files/a.png)".length);
  const block = insertAtCursor(at("text", 4), "![a](u)\n");
  assert.equal(block.text, "text\n![a](u)\n");
});

test("uploads send the file as the raw body with its type and the CSRF token; a 409 keeps the conflict", async () => {
  const { ApiClient, ApiError, parseError } = await import("../src/api.ts");
  const { conflictOf } = await import("../src/wikis/api.ts");
  const calls: { url: string; init: RequestInit }[] = [];
  const api = new ApiClient({
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ name: "a.png", content_type: "image/png", size: 3, url: "/w/x/_files/a.png" }), { status: 201 });
    }) as unknown as typeof fetch,
  });
  api.setCsrfToken("tok");
  const blob = new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" });
  const res = await api.postBlob<{ name: string }>("/api/v1/wikis/x/files?name=a.png", blob);
  assert.equal(res.name, "a.png");
  const headers = calls[0]!.init.headers as Record<string, string>;
  assert.equal(headers["Content-Type"], "image/png");
  assert.equal(headers["X-CSRF-Token"], "tok");
  assert.equal(calls[0]!.init.body, blob);
  await api.postBlob("/p", new Blob(["x"]));
  assert.equal((calls[1]!.init.headers as Record<string, string>)["Content-Type"], "application/octet-stream");

  const body = { error: { code: "conflict", message: "m" }, conflict: { rev: 4, text: "<<<<<<< current\na\n=======\nb\n>>>>>>> yours\n" } };
  const err = parseError(409, body, null);
  assert.ok(err instanceof ApiError);
  assert.deepEqual(conflictOf(err), body.conflict);
  assert.equal(conflictOf(parseError(409, { error: { code: "conflict", message: "exists" } }, null)), null);
  assert.equal(conflictOf(new Error("x")), null);
});
