// Typing a list by hand in a pad. Enter after "1. a" continues the list with "2. " (CodeMirror's
// Markdown keymap); someone who does not expect that types "2. " again and gets "2. 2. b". When a
// line starts with two list markers in a row as the space after the second is typed, the one
// they typed wins and the one the editor put there goes.
import { EditorView } from "@codemirror/view";
import { doubledMarker } from "./list-markers.ts";

/** The editor extension: replaces "2. 2" + space by "2. " on the line being typed. */
export const collapseDoubledMarkers = EditorView.inputHandler.of((view, from, to, text) => {
  if (text !== " " || from !== to) return false;
  const line = view.state.doc.lineAt(from);
  const found = doubledMarker(view.state.sliceDoc(line.from, from));
  if (!found) return false;
  const start = line.from + found.indent.length;
  view.dispatch({
    changes: { from: start, to: from, insert: `${found.marker} ` },
    selection: { anchor: start + found.marker.length + 1 },
    userEvent: "input.type",
  });
  return true;
});
