// Issue 18: people's colours are one palette, readable wherever text is drawn on or in them, and
// apart for colour-blind people; the pad's Markdown marks read at 4.5:1 on every author tint.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SELECTION_ALPHA, TINT_ALPHA } from "../src/pads/colors.ts";
import { BACKGROUNDS, PALETTE, type Rgb, contrast, inkOn, linear, over, parseHex, readableOn } from "../src/palette.ts";

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), "utf8");
// The test bundle runs from web/.test-build/.
const APP_CSS = read("../src/styles/app.css");
const PADS_CSS = read("../src/pads/pads.css");

/** The custom properties with a hex value declared in `css`'s first block for `selector`. */
function vars(css: string, selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  assert.ok(start >= 0, `no ${selector} block`);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{6})\b/g)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}

const THEMES = {
  light: { ...vars(APP_CSS, ":root"), ...vars(PADS_CSS, ":root") },
  dark: { ...vars(APP_CSS, ':root[data-theme="dark"]'), ...vars(PADS_CSS, ':root[data-theme="dark"]') },
};

// Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
const PROTANOPIA = [
  [0.152286, 1.052583, -0.204868],
  [0.114503, 0.786281, 0.099216],
  [-0.003882, -0.048116, 1.051998],
];
const DEUTERANOPIA = [
  [0.367322, 0.860646, -0.227968],
  [0.280085, 0.672501, 0.047413],
  [-0.01182, 0.04294, 0.968881],
];

/** CIELAB (D65) of a linear RGB triple. */
function lab([r, g, b]: Rgb): Rgb {
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

/** How `color` looks to someone with that dichromacy (no matrix: typical vision), in CIELAB. */
function seen(color: string, matrix?: number[][]): Rgb {
  const l = parseHex(color).map(linear) as Rgb;
  const m = matrix ?? [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return lab(m.map((row) => clamp(row[0]! * l[0] + row[1]! * l[1] + row[2]! * l[2])) as Rgb);
}

/** CIE76 colour difference as seen with `matrix`; about 2.3 is just noticeable. */
function deltaE(a: string, b: string, matrix?: number[][]): number {
  const [p, q] = [seen(a, matrix), seen(b, matrix)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

const VISIONS = [
  ["typical vision", undefined],
  ["protanopia", PROTANOPIA],
  ["deuteranopia", DEUTERANOPIA],
] as const;

/** Apart at a glance for two neighbouring carets or avatars, not merely noticeably different. */
const MIN_DELTA_E = 15;

test("the simulation sees what colour-blind people are known not to", () => {
  // Red and green collapse under deuteranopia; under protanopia red darkens into an olive. The
  // palette this one replaced had its orange and amber collapse too (issue 18).
  assert.ok(deltaE("#d62728", "#2ca02c") > 50);
  assert.ok(deltaE("#d62728", "#2ca02c", DEUTERANOPIA) < 10);
  assert.ok(deltaE("#ff0000", "#6b6b00") > 50);
  assert.ok(deltaE("#ff0000", "#6b6b00", PROTANOPIA) < 5);
  assert.ok(deltaE("#ea580c", "#ca8a04", DEUTERANOPIA) < MIN_DELTA_E);
  // Blue against yellow survives both.
  assert.ok(deltaE("#0072b2", "#f0e442", DEUTERANOPIA) > 50);
});

test("every two colours of the palette stay apart, for typical and colour-blind vision", () => {
  assert.equal(new Set(PALETTE).size, PALETTE.length);
  for (const [vision, matrix] of VISIONS) {
    for (let i = 0; i < PALETTE.length; i++) {
      for (let j = i + 1; j < PALETTE.length; j++) {
        const d = deltaE(PALETTE[i]!, PALETTE[j]!, matrix);
        assert.ok(d >= MIN_DELTA_E, `${PALETTE[i]} and ${PALETTE[j]} are ${d.toFixed(1)} apart for ${vision}`);
      }
    }
  }
});

test("the server assigns new accounts colours from the same palette", () => {
  const rust = read("../../crates/auth/src/validate.rs");
  const block = /const PALETTE: &\[&str\] = &\[([^\]]*)\]/.exec(rust);
  assert.ok(block, "PALETTE in crates/auth/src/validate.rs");
  const colors = [...block[1]!.matchAll(/"(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  assert.deepEqual(colors, [...PALETTE]);
});

test("the page backgrounds in palette.ts are app.css's", () => {
  for (const theme of ["light", "dark"] as const) {
    assert.deepEqual([...BACKGROUNDS[theme]], [THEMES[theme]["--surface"], THEMES[theme]["--bg"]], theme);
  }
});

test("a name on a person's colour (avatar, caret label) reads at 4.5:1", () => {
  // Older accounts may hold any colour: the rule has to hold for those too.
  const others = ["#5b5bd6", "#ca8a04", "#16a34a", "#0284c7", "#777777", "#ff0000", "#00ff00", "#ffff00", "#000000", "#ffffff"];
  for (const fill of [...PALETTE, ...others]) {
    const ratio = contrast(inkOn(fill), fill);
    assert.ok(ratio >= 4.5, `${inkOn(fill)} on ${fill}: ${ratio.toFixed(2)}:1`);
  }
});

test("a name written in a person's colour reads at 4.5:1 in both themes", () => {
  const others = ["#5b5bd6", "#ca8a04", "#f0e442", "#475569", "#ffffff", "#000000"];
  for (const theme of ["light", "dark"] as const) {
    for (const color of [...PALETTE, ...others]) {
      const text = readableOn(color, BACKGROUNDS[theme]);
      for (const bg of BACKGROUNDS[theme]) {
        const ratio = contrast(text, bg);
        assert.ok(ratio >= 4.5, `${theme}: ${color} as ${text} on ${bg}: ${ratio.toFixed(2)}:1`);
      }
    }
    // A colour that already reads is left as it is.
  }
  assert.equal(readableOn("#332288", BACKGROUNDS.light), "#332288");
  assert.equal(readableOn("#e69f00", BACKGROUNDS.dark), "#e69f00");
});

test("the pad's text, Markdown marks, quotes and links read at 4.5:1 on every author tint", () => {
  for (const theme of ["light", "dark"] as const) {
    const v = THEMES[theme];
    const inks = { text: v["--text"]!, mark: v["--pad-mark"]!, quote: v["--pad-quote"]!, link: v["--pad-link"]! };
    for (const [name, ink] of Object.entries(inks)) assert.ok(ink, `${theme}: no colour for ${name}`);
    // The editor's own background, and the active line's.
    for (const base of [v["--surface"]!, v["--bg-subtle"]!]) {
      const unders = [base];
      for (const author of PALETTE) {
        const tint = over(author, TINT_ALPHA, base);
        unders.push(tint);
        // Another person's selection over that author's text.
        for (const selector of PALETTE) unders.push(over(selector, SELECTION_ALPHA, tint));
      }
      for (const under of unders) {
        for (const [name, ink] of Object.entries(inks)) {
          const ratio = contrast(ink, under);
          assert.ok(ratio >= 4.5, `${theme}: ${name} ${ink} on ${under}: ${ratio.toFixed(2)}:1`);
        }
      }
    }
  }
});
