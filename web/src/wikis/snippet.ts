// Search snippets: the server puts U+0002 before and U+0003 after each matched word (control
// characters that never occur in page text, so the wiki's own "[[links]]" stay as they are).
// Marked runs become <mark> in the UI; everything stays text (never injected as HTML).

export const MARK_START = "\u0002";
export const MARK_END = "\u0003";

export interface SnippetPart {
  text: string;
  mark: boolean;
}

/** Cuts a snippet into plain and marked parts; a stray marker is dropped. */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (text: string, mark: boolean) => {
    if (!text) return;
    const last = parts[parts.length - 1];
    if (last && last.mark === mark) last.text += text;
    else parts.push({ text, mark });
  };
  let inMark = false;
  let buf = "";
  for (const c of snippet) {
    if (c === MARK_START || c === MARK_END) {
      push(buf, inMark);
      buf = "";
      inMark = c === MARK_START;
    } else {
      buf += c;
    }
  }
  push(buf, inMark);
  return parts;
}
