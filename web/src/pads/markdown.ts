// The Markdown preview: marked renders, DOMPurify sanitises (its default safe set, minus inline
// styles, <style> and data attributes, and minus images from other hosts).
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

const marked = new Marked({
  gfm: true,
  breaks: true,
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
      const src = node.getAttribute("src") ?? "";
      let ok = false;
      try {
        const u = new URL(src, location.href);
        ok = u.origin === location.origin || u.protocol === "data:";
      } catch {
        ok = false;
      }
      if (!ok) node.removeAttribute("src");
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
