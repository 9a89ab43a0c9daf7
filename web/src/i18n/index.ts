// Pure i18n helpers (no DOM, no Preact): unit-tested in test/i18n.test.ts.
import { en, type MessageKey, type Messages } from "./en.ts";
import { fr } from "./fr.ts";

export type { MessageKey, Messages };
export const LANGUAGES = ["en", "fr"] as const;
export type Lang = (typeof LANGUAGES)[number];
export const dictionaries: Record<Lang, Messages> = { en, fr };
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The user's stored choice wins; otherwise the browser's preferred languages in order (fr* → French,
 * en* → English); when the browser asks for neither, the instance's default language.
 */
export function detectLanguage(stored: string | null | undefined, browser: readonly string[], fallback: Lang = "en"): Lang {
  if (isLang(stored)) return stored;
  for (const l of browser) {
    if (typeof l !== "string") continue;
    const lower = l.toLowerCase();
    if (lower.startsWith("fr")) return "fr";
    if (lower.startsWith("en")) return "en";
  }
  return fallback;
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** Looks a key up (falling back to English) and fills {placeholders}. Unknown placeholders stay as is. */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const template = dictionaries[lang][key] ?? en[key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole));
}

export function translator(lang: Lang): Translate {
  return (key, params) => translate(lang, key, params);
}

/** "3 hours" / "1 jour": plural-aware durations. */
export function duration(lang: Lang, n: number, unit: "hour" | "day"): string {
  const cat = new Intl.PluralRules(lang).select(n) === "one" ? "one" : "other";
  return translate(lang, `unit.${unit}.${cat}` as MessageKey, { n: n.toLocaleString(lang) });
}

/** Picks `<base>.one` or `<base>.other` by the language's plural rules and fills {count}. */
export function plural(lang: Lang, t: Translate, base: "admin.userCount", count: number): string {
  const cat = new Intl.PluralRules(lang).select(count) === "one" ? "one" : "other";
  return t(`${base}.${cat}`, { count: count.toLocaleString(lang) });
}

/** Medium date + short time in the UI language, or null when the value is absent or unparsable. */
export function formatDateTime(lang: Lang, iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  }).format(d);
}

export function formatDate(lang: Lang, iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long" }).format(d);
}

/** Greeting key by local hour. */
export function greetingKey(hour: number): MessageKey {
  if (hour >= 5 && hour < 12) return "home.morning";
  if (hour >= 12 && hour < 18) return "home.afternoon";
  return "home.evening";
}
