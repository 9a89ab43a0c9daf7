// The editor's Markdown toolbar as pure text transformations: (text, selection) → (text, selection).

export interface Edit {
  text: string;
  start: number;
  end: number;
}

export type FormatAction = "bold" | "italic" | "heading" | "link" | "wikilink" | "list" | "code" | "table";

/** Placeholder words inserted when nothing is selected (translated by the caller). */
export interface Placeholders {
  bold: string;
  italic: string;
  heading: string;
  link: string;
  wikilink: string;
  list: string;
  code: string;
  column: string;
}

export const DEFAULT_PLACEHOLDERS: Placeholders = {
  bold: "bold text",
  italic: "italic text",
  heading: "Heading",
  link: "link text",
  wikilink: "Page name",
  list: "item",
  code: "code",
  column: "Column",
};

/** Replaces text[start, end) by `insert`, and selects `insert`'s [selFrom, selTo) (defaults: all of it). */
export function replaceRange(e: Edit, insert: string, selFrom = 0, selTo = insert.length): Edit {
  const text = e.text.slice(0, e.start) + insert + e.text.slice(e.end);
  return { text, start: e.start + selFrom, end: e.start + selTo };
}

/** Inserts text at the cursor (replacing the selection) and puts the cursor after it. */
export function insertAtCursor(e: Edit, insert: string): Edit {
  const before = e.text.slice(0, e.start);
  // A block (image, table) inserted mid-line goes on its own line.
  const pad = insert.includes("\n") && before && !before.endsWith("\n") ? "\n" : "";
  const full = pad + insert;
  return replaceRange(e, full, full.length, full.length);
}

function wrap(e: Edit, left: string, right: string, placeholder: string): Edit {
  const sel = e.text.slice(e.start, e.end);
  // Already wrapped: unwrap (the toolbar toggles).
  const before = e.text.slice(Math.max(0, e.start - left.length), e.start);
  const after = e.text.slice(e.end, e.end + right.length);
  if (sel && before === left && after === right) {
    const text = e.text.slice(0, e.start - left.length) + sel + e.text.slice(e.end + right.length);
    return { text, start: e.start - left.length, end: e.end - left.length };
  }
  const inner = sel || placeholder;
  return replaceRange(e, left + inner + right, left.length, left.length + inner.length);
}

/** The start of the line holding `pos`, and the end of the line holding `end`. */
function lineBounds(text: string, start: number, end: number): [number, number] {
  const from = text.lastIndexOf("\n", start - 1) + 1;
  let to = text.indexOf("\n", end > start && text[end - 1] === "\n" ? end - 1 : end);
  if (to < 0) to = text.length;
  return [from, to];
}

function prefixLines(e: Edit, prefix: string, placeholder: string, isPrefixed: RegExp): Edit {
  const [from, to] = lineBounds(e.text, e.start, e.end);
  const block = e.text.slice(from, to);
  const lines = block.split("\n");
  const all = lines.every((l) => isPrefixed.test(l) || l.trim() === "");
  let out: string;
  if (all && block.trim() !== "") out = lines.map((l) => l.replace(isPrefixed, "")).join("\n");
  else if (block.trim() === "") out = prefix + placeholder;
  else out = lines.map((l) => (l.trim() === "" ? l : prefix + l.replace(isPrefixed, ""))).join("\n");
  const text = e.text.slice(0, from) + out + e.text.slice(to);
  if (block.trim() === "") return { text, start: from + prefix.length, end: from + out.length };
  return { text, start: from, end: from + out.length };
}

/** Applies a toolbar button to the text and selection. */
export function applyFormat(e: Edit, action: FormatAction, ph: Placeholders = DEFAULT_PLACEHOLDERS): Edit {
  const sel = e.text.slice(e.start, e.end);
  switch (action) {
    case "bold":
      return wrap(e, "**", "**", ph.bold);
    case "italic":
      return wrap(e, "*", "*", ph.italic);
    case "wikilink":
      return wrap(e, "[[", "]]", ph.wikilink);
    case "heading":
      return prefixLines(e, "## ", ph.heading, /^#{1,6} /);
    case "list":
      return prefixLines(e, "- ", ph.list, /^[-*+] /);
    case "link": {
      if (/^https?:\/\/\S+$/.test(sel)) {
        const ins = `[${ph.link}](${sel})`;
        return replaceRange(e, ins, 1, 1 + ph.link.length);
      }
      const label = sel || ph.link;
      const ins = `[${label}](https://)`;
      // Select the address to type over it.
      return replaceRange(e, ins, label.length + 3, ins.length - 1);
    }
    case "code": {
      if (sel.includes("\n")) {
        const before = e.text.slice(0, e.start);
        const lead = before && !before.endsWith("\n") ? "\n" : "";
        const body = sel.endsWith("\n") ? sel : `${sel}\n`;
        const ins = `${lead}\`\`\`\n${body}\`\`\`\n`;
        return replaceRange(e, ins, lead.length + 4, lead.length + 4 + body.length - 1);
      }
      return wrap(e, "`", "`", ph.code);
    }
    case "table": {
      // Inserted after the selection, which stays in the text.
      e = { ...e, start: e.end };
      const before = e.text.slice(0, e.start);
      const lead = before === "" ? "" : before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      const c1 = `${ph.column} 1`;
      const c2 = `${ph.column} 2`;
      const ins = `${lead}| ${c1} | ${c2} |\n| --- | --- |\n|  |  |\n`;
      return replaceRange(e, ins, lead.length + 2, lead.length + 2 + c1.length);
    }
  }
}
