// Pasting from a word processor or a web page: the clipboard's HTML is sanitised (DOMPurify), then
// written as Markdown (turndown), so headings, lists, bold, italic, underline, strikethrough and
// links arrive as the pad's own formatting. A paste without HTML is left to the editor.
//
// Word processors say "bold" with styles more than with tags (Google Docs: <span
// style="font-weight:700">, wrapped in a <b style="font-weight:normal">; Word: mso-list styles
// on paragraphs for its lists). Style attributes are renamed before any parsing (see
// markdown.ts: Chromium logs a CSP violation for each one it parses) and read back from that
// inert data attribute by the rules below.
import DOMPurify from "dompurify";
import TurndownService from "turndown";
import { defuseHtml } from "./markdown.ts";

const STYLE = "data-blocked-style";

function styleOf(node: Node): string {
  return node.nodeType === 1 ? ((node as Element).getAttribute(STYLE) ?? "").toLowerCase() : "";
}

function styled(node: Node, re: RegExp): boolean {
  return re.test(styleOf(node));
}

const BOLD = /(?:^|[;\s])font-weight\s*:\s*(bold|bolder|[6-9]00)\b/;
const NOT_BOLD = /(?:^|[;\s])font-weight\s*:\s*(normal|[1-5]00)\b/;
const ITALIC = /(?:^|[;\s])font-style\s*:\s*italic/;
const UNDERLINE = /(?:^|[;\s])text-decoration[a-z-]*\s*:[^;]*underline/;
const STRIKE = /(?:^|[;\s])text-decoration[a-z-]*\s*:[^;]*line-through/;
const WORD_LIST = /mso-list\s*:\s*l\d+\s+level(\d+)/;
/** A marker Word writes before each list paragraph: a bullet glyph, a number, a letter. */
const WORD_MARKER = /^[\s\u00a0]*(?:[·•§o▪◦\-–*]|\(?[0-9]{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxlcdmIVXLCDM]{1,5}[.)])[\s\u00a0]+/;

/** Wraps inline content in a Markdown pair, keeping the spaces at its edges outside. */
function wrap(content: string, open: string, close = open): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(content)!;
  if (!m[2]) return content;
  return `${m[1]}${open}${m[2]}${close}${m[3]}`;
}

function service(): TurndownService {
  const td = new TurndownService({
    headingStyle: "atx",
    hr: "---",
    bulletListMarker: "-",
    codeBlockStyle: "fenced",
    emDelimiter: "*",
    strongDelimiter: "**",
    linkStyle: "inlined",
  });
  // Kept when a pad is rendered: underline as inline HTML (Markdown has none).
  td.addRule("underline", { filter: ["u", "ins"], replacement: (c) => wrap(c, "<u>", "</u>") });
  td.addRule("strike", { filter: (node) => ["S", "DEL", "STRIKE"].includes(node.nodeName), replacement: (c) => wrap(c, "~~") });
  // Google Docs wraps a whole paste in <b style="font-weight:normal">.
  td.addRule("notBold", { filter: (node) => (node.nodeName === "B" || node.nodeName === "STRONG") && styled(node, NOT_BOLD), replacement: (c) => c });
  td.addRule("styledInline", {
    filter: (node) => node.nodeName === "SPAN" && (styled(node, BOLD) || styled(node, ITALIC) || styled(node, UNDERLINE) || styled(node, STRIKE)),
    replacement: (content, node) => {
      let c = content;
      if (styled(node, STRIKE)) c = wrap(c, "~~");
      if (styled(node, UNDERLINE)) c = wrap(c, "<u>", "</u>");
      if (styled(node, ITALIC)) c = wrap(c, "*");
      if (styled(node, BOLD)) c = wrap(c, "**");
      return c;
    },
  });
  // Word's list paragraphs: "<p class=MsoListParagraph… style='mso-list:l0 level2'>· text</p>".
  td.addRule("wordList", {
    filter: (node) => node.nodeName === "P" && (styled(node, WORD_LIST) || /\bMsoListParagraph/.test((node as Element).className ?? "")),
    replacement: (content, node) => {
      const level = Number(WORD_LIST.exec(styleOf(node))?.[1] ?? "1");
      const marker = WORD_MARKER.exec(content);
      const text = marker ? content.slice(marker[0].length) : content;
      const num = marker && /\d+/.exec(marker[0]);
      const bullet = num ? `${num[0]}. ` : "- ";
      // Word marks the first and last paragraph of each list (…CxSpFirst, …CxSpLast).
      const listOf = (el: Element | null) =>
        el && (styled(el, WORD_LIST) || /\bMsoListParagraph/.test(el.className ?? "")) ? (/mso-list\s*:\s*(l\d+)/.exec(styleOf(el))?.[1] ?? "l") : null;
      const own = listOf(node as Element);
      const cls = (node as Element).className ?? "";
      const first = /CxSpFirst/.test(cls) || listOf(node.previousElementSibling) !== own;
      const last = /CxSpLast/.test(cls) || listOf(node.nextElementSibling) !== own;
      const line = "  ".repeat(Math.max(0, level - 1)) + bullet + text.trim();
      return (first ? "\n\n" : "\n") + line + (last ? "\n\n" : "");
    },
  });
  // "- item", one space after the marker, nested lines indented to the item's text.
  td.addRule("listItem", {
    filter: "li",
    replacement: (content, node) => {
      const parent = node.parentNode as Element | null;
      let prefix = "- ";
      if (parent?.nodeName === "OL") {
        const start = Number(parent.getAttribute("start") ?? "1");
        prefix = `${(Number.isFinite(start) ? start : 1) + Array.prototype.indexOf.call(parent.children, node)}. `;
      }
      const body = content
        .replace(/^\n+/, "")
        .replace(/\n+$/, "\n")
        .replace(/\n/gm, `\n${" ".repeat(prefix.length)}`);
      return prefix + body.replace(/[ ]+$/, "") + (node.nextSibling && !/\n$/.test(body) ? "\n" : "");
    },
  });
  // Task lists from pages that render them (GitHub…).
  td.addRule("checkbox", {
    filter: (node) => node.nodeName === "INPUT" && (node as HTMLInputElement).type === "checkbox",
    replacement: (_c, node) => ((node as HTMLInputElement).checked ? "[x] " : "[ ] "),
  });
  // Images: those written in (`data:`) are collected for upload (images.ts) when the caller asks,
  // a pad's own stay; another site's image would be a request from the page: a link to it.
  td.addRule("image", {
    filter: "img",
    replacement: (_c, node) => {
      const el = node as Element;
      const src = (el.getAttribute("src") ?? "").trim();
      const alt = (el.getAttribute("alt") ?? "")
        .replace(/[[\]\\]/g, " ")
        .replace(/\s+/g, " ")
        .trim();
      if (/^data:image\//i.test(src)) {
        if (!collecting) return alt;
        collecting.push(src);
        return `![${alt}](pad-image:${collecting.length - 1})`;
      }
      const own = typeof location !== "undefined" && src.startsWith(`${location.origin}/`) ? src.slice(location.origin.length) : src;
      if (/^\/api\/v1\/pads\/[^/\s]+\/images\/[A-Za-z0-9_-]+$/.test(own)) return `![${alt}](${own})`;
      if (/^https?:\/\//i.test(src)) {
        const href = src.replace(/[()\s]/g, (ch) => encodeURIComponent(ch));
        return `[${alt || fileName(href)}](${href})`;
      }
      return alt;
    },
  });
  td.remove(["script", "style", "noscript", "title", "head", "meta", "link"]);
  return td;
}

/** The last segment of an address, as a link's words when an image had no description. */
function fileName(href: string): string {
  const last = href.split(/[?#]/)[0]!.split("/").pop() || href;
  try {
    return decodeURIComponent(last).replace(/[[\]\\]/g, " ");
  } catch {
    return last;
  }
}

let td: TurndownService | null = null;
/** Where the images written in of the HTML being converted go (see `images`). */
let collecting: string[] | null = null;

/**
 * Markdown for clipboard HTML, or null when the plain text is the better paste (nothing left once
 * sanitised, or code copied from an editor, whose HTML is lines of spans in `white-space: pre`).
 * `win` is the window whose DOM parses it (tests pass a jsdom one). `images`, when given, receives
 * the `data:` URIs of images written in, each written `![alt](pad-image:N)` (N its index) for the
 * caller to upload; without it they keep only their description.
 */
export function htmlToMarkdown(html: string, win: Window & typeof globalThis = window, images?: string[]): string | null {
  // <style> with its text, then every style and event-handler attribute renamed: nothing that
  // the CSP would object to reaches a parser.
  const defused = defuseHtml(html.replace(/<style\b[\s\S]*?<\/style\s*>/gi, ""));
  const purify = DOMPurify(win);
  const body = purify.sanitize(defused, {
    RETURN_DOM: true,
    ADD_ATTR: [STYLE],
    // Its value ("font-weight:700") is no address: without this, DOMPurify reads "font-weight:" as a URL scheme.
    ADD_URI_SAFE_ATTR: [STYLE],
    ALLOW_DATA_ATTR: false,
    FORBID_TAGS: ["style", "x-style", "form", "button", "select", "textarea"],
    ADD_FORBID_CONTENTS: ["x-style"],
  }) as HTMLElement;
  const first = body.firstElementChild;
  if (first && /white-space\s*:\s*pre/.test(styleOf(first))) return null;
  if (!body.textContent?.trim() && !body.querySelector("img")) return null;
  td ??= service();
  collecting = images ?? null;
  let converted: string;
  try {
    converted = td.turndown(body);
  } finally {
    collecting = null;
  }
  const md = converted
    .replace(/\u00a0/g, " ")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return md || null;
}
