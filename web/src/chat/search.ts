// Chat search queries (pure): `budget "exact phrase" in:town-square from:ana before:2026-12-01
// after:2026-11-01`. The server parses the query; here it is tidied (Mattermost habits such as
// `from:@ana` and `in:~channel` accepted) and checked, so a wrong date is said before asking.

export interface SearchQuery {
  words: string[];
  phrases: string[];
  in: string[];
  from: string[];
  before: string | null;
  after: string | null;
  /** Filters with an unusable value (`before:31/12`). */
  invalid: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Splits a query into words, "quoted phrases" and filters. */
export function parseSearch(q: string): SearchQuery {
  const out: SearchQuery = { words: [], phrases: [], in: [], from: [], before: null, after: null, invalid: [] };
  const re = /"([^"]*)"?|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(q)) !== null) {
    if (m[1] !== undefined) {
      const phrase = m[1].trim();
      if (phrase) out.phrases.push(phrase);
      continue;
    }
    const tok = m[2] ?? "";
    const f = /^(in|from|before|after|on):(.*)$/i.exec(tok);
    if (!f) {
      out.words.push(tok);
      continue;
    }
    const key = (f[1] ?? "").toLowerCase();
    const value = f[2] ?? "";
    if (!value) {
      out.invalid.push(tok);
      continue;
    }
    if (key === "in") out.in.push(value.replace(/^[~#]/, ""));
    else if (key === "from") out.from.push(value.replace(/^@/, ""));
    else if (!isDate(value)) out.invalid.push(tok);
    else if (key === "before") out.before = value;
    else if (key === "after") out.after = value;
    else {
      // on:DAY = after the day before, before the day after.
      const d = new Date(`${value}T00:00:00Z`);
      const prev = new Date(d.getTime() - 86_400_000).toISOString().slice(0, 10);
      const next = new Date(d.getTime() + 86_400_000).toISOString().slice(0, 10);
      out.after = prev;
      out.before = next;
    }
  }
  return out;
}

/** The query as the server expects it. */
export function buildSearch(q: SearchQuery): string {
  const parts: string[] = [];
  parts.push(...q.words);
  parts.push(...q.phrases.map((p) => `"${p.replace(/"/g, "")}"`));
  parts.push(...q.in.map((c) => `in:${c}`));
  parts.push(...q.from.map((u) => `from:${u}`));
  if (q.before) parts.push(`before:${q.before}`);
  if (q.after) parts.push(`after:${q.after}`);
  return parts.join(" ");
}

/** Whether the query asks for anything (a word, a phrase or a filter). */
export function isEmptySearch(q: SearchQuery): boolean {
  return !q.words.length && !q.phrases.length && !q.in.length && !q.from.length && !q.before && !q.after;
}

/** The terms to highlight in the results. */
export function highlightTerms(q: SearchQuery): string[] {
  return [...q.words, ...q.phrases].filter((w) => w.length > 0);
}
