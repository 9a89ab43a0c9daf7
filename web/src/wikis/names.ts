// Pure helpers about wiki names and addresses (unit-tested in test/wikis.test.ts): slugs, page
// names in URLs (spaces as '_', the rest percent-encoded as the server does), attachment links.

/** Same rules as the server (crates/wikitext names.rs): 2–63 chars, a–z 0–9, inner single hyphens. */
export const SLUG_MAX = 63;

export { suggestSlug } from "../slug.ts";

export type SlugProblem = "length" | "chars" | "hyphens" | null;

/** What is wrong with a slug, as the server would say it (reserved words are left to the server). */
export function slugProblem(slug: string): SlugProblem {
  if (slug.length < 2 || slug.length > SLUG_MAX) return "length";
  if (!/^[a-z0-9-]+$/.test(slug)) return "chars";
  if (slug.startsWith("-") || slug.endsWith("-") || slug.includes("--")) return "hyphens";
  return null;
}

/** A page name as one URL path segment: spaces become '_', everything but A–Z a–z 0–9 - . _ ~ is percent-encoded (UTF-8). */
export function pageSegment(name: string): string {
  return encodeURIComponent(name.trim().replace(/ /g, "_")).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The page name a URL segment stands for ('_' is a space); a broken escape is kept as is. */
export function nameFromSegment(segment: string): string {
  let s = segment;
  try {
    s = decodeURIComponent(segment);
  } catch {
    /* keep it raw */
  }
  return s.replace(/_/g, " ");
}

/** The identity of a page name for matching: '_' is a space, spacing collapsed, case ignored. */
export function pageKey(name: string): string {
  return name.replace(/_/g, " ").split(/\s+/).filter(Boolean).join(" ").toLowerCase();
}

/** The display form of a name typed by someone: '_' as space, spacing collapsed, case kept. */
export function displayName(name: string): string {
  return name.replace(/_/g, " ").split(/\s+/).filter(Boolean).join(" ");
}

/** Characters a page name cannot hold (the server says the same). */
export function pageNameProblem(name: string): "empty" | "chars" | "dots" | "long" | null {
  const d = displayName(name);
  if (!d) return "empty";
  if ([...d].length > 200) return "long";
  if (/[/\\[\]|#<>{}]/.test(d)) return "chars";
  if (d.includes("..") || d.startsWith(".")) return "dots";
  return null;
}

const enc = encodeURIComponent;

/** Site paths of a wiki (front-end routes). `page` null or empty: the wiki's home. */
export const wikiHref = (slug: string) => `/w/${enc(slug)}`;
export function pageHref(slug: string, page: string | null | undefined, extra?: "edit" | "history"): string {
  if (!page) return wikiHref(slug);
  return `/w/${enc(slug)}/${pageSegment(page)}${extra ? `/${extra}` : ""}`;
}
export const wikiToolHref = (slug: string, tool: "changes" | "search" | "settings" | "files" | "pages") => `/w/${enc(slug)}/_${tool}`;

/** The address of an attachment (served by the server, not a front-end route). */
export function fileHref(slug: string, name: string): string {
  return `/w/${enc(slug)}/_files/${enc(name)}`;
}

/** Markdown for an uploaded file: an image shows, anything else is a link. */
export function attachmentMarkdown(slug: string, name: string, contentType: string): string {
  const label = name.replace(/([\\[\]])/g, "\\$1");
  const url = fileHref(slug, name);
  return contentType.startsWith("image/") ? `![${label}](${url})` : `[${label}](${url})`;
}

/** A file name for a pasted image (browsers call them all "image.png"). */
export function pastedName(type: string, now: Date): string {
  const ext = ({ "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp" } as Record<string, string>)[type] ?? "bin";
  const p = (n: number) => String(n).padStart(2, "0");
  return `image-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.${ext}`;
}

/** "+12" / "−3" / "0": a revision's size change (with a real minus sign). */
export function formatSizeChange(n: number): string {
  if (n > 0) return `+${n}`;
  if (n < 0) return `\u2212${-n}`;
  return "0";
}

/** Black or white text, whichever reads best on a #rrggbb background (WCAG relative luminance). */
export function contrastText(hex: string): "#ffffff" | "#111111" {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m || !m[1]) return "#ffffff";
  const v = parseInt(m[1], 16);
  const ch = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
  // Contrast with white vs with near-black.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0566 ? "#ffffff" : "#111111";
}

export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
