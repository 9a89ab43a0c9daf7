// Per-author colour classes. The CSP allows no inline style attribute, so each author gets a class
// (`pad-a<n>`) whose rules go into one constructed style sheet (adoptedStyleSheets, CSSOM), the way
// CodeMirror's own styles are injected.
import { StyleModule } from "style-mod";
import { BACKGROUNDS, inkOn, readableOn } from "../palette.ts";

const HEX = /^#[0-9a-fA-F]{6}$/;
/** How strongly an author's text is tinted, and a remote selection: text stays readable on both (web/test/palette.test.ts). */
export const TINT_ALPHA = 0.16;
export const SELECTION_ALPHA = 0.2;
const ids = new Map<string, number>();
const colors = new Map<number, string>();
let sheet: CSSStyleSheet | null = null;

/** "#rrggbb" → "r, g, b" (grey for anything that is not a plain hex colour). */
export function rgb(color: string): string {
  if (!HEX.test(color)) return "128, 128, 128";
  const n = Number.parseInt(color.slice(1), 16);
  return `${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}`;
}

export function safeColor(color: string | null | undefined): string {
  return color && HEX.test(color) ? color : "#6b7280";
}

function styleSheet(): CSSStyleSheet | null {
  if (sheet) return sheet;
  if (typeof document === "undefined" || typeof CSSStyleSheet === "undefined" || !("adoptedStyleSheets" in document)) return null;
  sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  return sheet;
}

/** The class for an author's text, caret and selection; (re)defines its colour. */
export function authorClass(id: string, color?: string | null): string {
  let n = ids.get(id);
  if (n === undefined) {
    n = ids.size;
    ids.set(id, n);
  }
  if (color && HEX.test(color) && colors.get(n) !== color) {
    colors.set(n, color);
    const s = styleSheet();
    if (s) {
      const c = rgb(color);
      const cls = `pad-a${n}`;
      // Remove older rules for this class, then add the new colour.
      for (let i = s.cssRules.length - 1; i >= 0; i--) {
        const r = s.cssRules[i];
        if (r instanceof CSSStyleRule && r.selectorText.includes(`.${cls}`)) s.deleteRule(i);
      }
      s.insertRule(`.pad-show-authors .${cls} { background-color: rgba(${c}, ${TINT_ALPHA}); }`, s.cssRules.length);
      s.insertRule(`.pad-sel.${cls} { background-color: rgba(${c}, ${SELECTION_ALPHA}); }`, s.cssRules.length);
      s.insertRule(`.pad-caret.${cls} { border-color: ${color}; }`, s.cssRules.length);
      s.insertRule(`.pad-caret.${cls} .pad-caret-label { background-color: ${color}; color: ${inkOn(color)}; }`, s.cssRules.length);
      s.insertRule(`.pad-dot.${cls} { background-color: ${color}; }`, s.cssRules.length);
      // The name is text in the person's colour: the same hue, darkened or lightened per theme
      // until it reads at 4.5:1 (a light colour on white, a dark one on the dark theme).
      s.insertRule(`.pad-chat-name.${cls} { color: ${readableOn(color, BACKGROUNDS.light)}; }`, s.cssRules.length);
      s.insertRule(`:root[data-theme="dark"] .pad-chat-name.${cls} { color: ${readableOn(color, BACKGROUNDS.dark)}; }`, s.cssRules.length);
    }
  }
  return `pad-a${n}`;
}

/**
 * CodeMirror injects its styles with `style-mod`, which uses a constructed sheet only for shadow
 * roots and falls back to a `<style>` element with text for a document: the CSP refuses that. Give
 * the document the adopted-sheet style set first (made on a document-less stand-in, then shared),
 * so every CodeMirror rule goes through CSSOM (`insertRule` + `adoptedStyleSheets`).
 */
export function cspSafeEditorStyles(): void {
  if (typeof document === "undefined" || !("adoptedStyleSheets" in document)) return;
  const own = Object.getOwnPropertySymbols(document).some((s) => s.description === "styleSet");
  if (own) return;
  const standIn = { ownerDocument: document, adoptedStyleSheets: [] as CSSStyleSheet[] };
  StyleModule.mount(standIn as unknown as Document, []);
  const key = Object.getOwnPropertySymbols(standIn).find((s) => s.description === "styleSet");
  if (key) (document as unknown as Record<symbol, unknown>)[key] = (standIn as unknown as Record<symbol, unknown>)[key];
}
