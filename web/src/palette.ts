// The one palette of people's colours (avatars, pad authors, carets, pad chat names), and the
// contrast arithmetic that keeps any text drawn on or in those colours readable. The server picks
// a new account's colour from the same list (crates/auth/src/validate.rs, PALETTE); the unit test
// web/test/palette.test.ts holds both lists equal.
//
// Okabe & Ito's colour-blind-safe set without its yellow (a caret or dot in it vanishes on white)
// and black, plus Paul Tol's indigo and wine for two more dark hues: every pair stays apart under
// simulated protanopia and deuteranopia, which the former red/orange/amber trio did not.
export const PALETTE = [
  "#0072b2", // blue
  "#e69f00", // orange
  "#009e73", // bluish green
  "#cc79a7", // reddish purple
  "#56b4e9", // sky blue
  "#d55e00", // vermillion
  "#332288", // indigo
  "#882255", // wine
] as const;

const HEX = /^#[0-9a-fA-F]{6}$/;

export type Rgb = [number, number, number];

/** "#rrggbb" → [r, g, b] in 0–255 (grey for anything else). */
export function parseHex(color: string): Rgb {
  if (!HEX.test(color)) return [128, 128, 128];
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b]
    .map((v) =>
      Math.round(Math.min(255, Math.max(0, v)))
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** sRGB channel (0–255) → linear light (0–1). */
export function linear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance. */
export function luminance(color: string | Rgb): number {
  const [r, g, b] = (typeof color === "string" ? parseHex(color) : color).map(linear) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio (1–21). */
export function contrast(a: string | Rgb, b: string | Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `color` at `alpha` over the opaque `under` (what a translucent tint looks like on the page). */
export function over(color: string, alpha: number, under: string): string {
  const c = parseHex(color);
  const u = parseHex(under);
  return toHex([0, 1, 2].map((i) => c[i]! * alpha + u[i]! * (1 - alpha)) as Rgb);
}

/** The text colour for a label on a colour fill (avatar initials, caret name): white or near-black. */
export function inkOn(fill: string): string {
  return ["#ffffff", "#1c1c24", "#000000"].reduce((best, ink) => (contrast(ink, fill) > contrast(best, fill) + 0.01 ? ink : best));
}

/**
 * `color` itself when it reads at `min`:1 on every background given, else the same hue moved
 * towards black (light backgrounds) or white (dark ones) just far enough. A person's colour as the
 * text of their name, on light and dark pages alike, whatever colour an older account stored.
 */
export function readableOn(color: string, backgrounds: readonly string[], min = 4.5): string {
  const c = parseHex(HEX.test(color) ? color : "#6b7280");
  const dark = backgrounds.every((bg) => luminance(bg) < 0.18);
  const target: Rgb = dark ? [255, 255, 255] : [0, 0, 0];
  for (let step = 0; step <= 20; step++) {
    const t = step / 20;
    const hex = toHex([0, 1, 2].map((i) => c[i]! * (1 - t) + target[i]! * t) as Rgb);
    if (backgrounds.every((bg) => contrast(hex, bg) >= min)) return hex;
  }
  return dark ? "#ffffff" : "#000000";
}

/**
 * The page colours people's names are written on, per theme: app.css's --surface and --bg (the
 * unit test reads them there, so the two cannot drift apart).
 */
export const BACKGROUNDS = {
  light: ["#ffffff", "#f7f7f9"],
  dark: ["#17181f", "#0e0f13"],
} as const;
