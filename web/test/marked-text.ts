// A Markdown editor state written as text with its selection marked, for the pads' unit tests:
// "⟨" and "⟩" bound a selection, "¦" is a caret; with neither, the caret is at the end.
import { EditorSelection, EditorState } from "@codemirror/state";
import { markdown, markdownLanguage } from "@codemirror/lang-markdown";

export function make(marked: string): EditorState {
  let doc = "";
  let anchor = -1;
  let head = -1;
  for (const ch of marked) {
    if (ch === "⟨") anchor = doc.length;
    else if (ch === "⟩") head = doc.length;
    else if (ch === "¦") anchor = head = doc.length;
    else doc += ch;
  }
  if (anchor < 0) anchor = head = doc.length;
  return EditorState.create({ doc, selection: EditorSelection.single(anchor, head), extensions: [markdown({ base: markdownLanguage })] });
}
