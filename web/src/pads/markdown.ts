// The Markdown preview: marked renders, DOMPurify sanitises (its default safe set, minus inline
// styles, <style> and data attributes, and minus images from other hosts: a Markdown image of
// another site becomes a link to it, a raw <img> of one loses its address, so the page never
// fetches from elsewhere; a pad's own images, paths of this instance, show).
//
// Chromium reports a CSP violation (a console error) as soon as HTML with an event handler or a
// style attribute is parsed, even in the inert document DOMPurify parses into. The violation is
// harmless (the CSP blocks it), but the raw HTML of a pad is defused before parsing anyway, so the
// console stays clean: such attributes are renamed to data-blocked-*, which DOMPurify then drops.
import DOMPurify from "dompurify";
import { Marked, type Token } from "marked";

/** Renames event-handler and style attributes and <style> tags in raw HTML (before any parsing). */
export function defuseHtml(html: string): string {
  return html.replace(/<(\/?)style\b/gi, "<$1x-style").replace(/([\s"'/])(on[a-z]+|style)(\s*=)/gi, "$1data-blocked-$2$3");
}

/** Whether an image's address is this instance's (or written in): one the page may load. */
function loadable(src: string): boolean {
  try {
    const u = new URL(src, location.href);
    return u.origin === location.origin || u.protocol === "data:";
  } catch {
    return false;
  }
}

const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    image({ href, text }) {
      if (loadable(href)) return false;
      return `<a href="${escapeAttr(href)}">${escapeAttr(text || href)}</a>`;
    },
  },
  walkTokens(token: Token) {
    if (token.type === "html" && "text" in token && typeof token.text === "string") {
      token.text = defuseHtml(token.text);
    }
  },
});

let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "IMG") {
      if (!loadable(node.getAttribute("src") ?? "")) node.removeAttribute("src");
    }
    if (node.tagName === "A" && node.hasAttribute("href")) {
      node.setAttribute("rel", "noopener noreferrer nofollow");
      node.setAttribute("target", "_blank");
    }
  });
}

/** Sanitised HTML for Markdown source. */
export function renderMarkdown(source: string): string {
  hook();
  const html = marked.parse(source, { async: false });
  return DOMPurify.sanitize(html, { FORBID_TAGS: ["style"], FORBID_ATTR: ["style"], ALLOW_DATA_ATTR: false });
}
