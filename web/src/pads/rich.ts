// The Formatted mode: the same CodeMirror document (the pad's Markdown), drawn as formatted text.
// rich-ranges.ts says what to hide and draw; this turns it into decorations for the visible part
// of the text and handles clicks on task boxes (a tick is an ordinary edit) and Ctrl/Cmd-click
// on links. Author colours and remote carets are decorations of their own: marks and widgets on
// the same document, drawn whatever this hides around them.
import { syntaxTree } from "@codemirror/language";
import type { Range } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import { toggleTaskAt } from "./format.ts";
import { richRanges, type RichRange } from "./rich-ranges.ts";

class BulletWidget extends WidgetType {
  eq(): boolean {
    return true;
  }
  toDOM(): HTMLElement {
    const s = document.createElement("span");
    s.className = "pad-rich-bullet";
    s.textContent = "•";
    return s;
  }
}

class CheckWidget extends WidgetType {
  constructor(
    readonly checked: boolean,
    readonly readonly: boolean,
  ) {
    super();
  }
  eq(other: CheckWidget): boolean {
    return other.checked === this.checked && other.readonly === this.readonly;
  }
  toDOM(): HTMLElement {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "pad-rich-check";
    box.checked = this.checked;
    box.disabled = this.readonly;
    // Inside the text the box is not a tab stop: Ctrl/Cmd-Enter ticks the caret's task.
    box.tabIndex = -1;
    box.setAttribute("aria-hidden", "true");
    return box;
  }
  ignoreEvent(): boolean {
    return false;
  }
}

class RuleWidget extends WidgetType {
  eq(): boolean {
    return true;
  }
  toDOM(): HTMLElement {
    const s = document.createElement("span");
    s.className = "pad-rich-rule";
    s.setAttribute("aria-hidden", "true");
    return s;
  }
}

/** An image of this instance (a pad's own), drawn in place of its `![alt](url)`. */
class ImageWidget extends WidgetType {
  constructor(
    readonly url: string,
    readonly alt: string,
  ) {
    super();
  }
  eq(other: ImageWidget): boolean {
    return other.url === this.url && other.alt === this.alt;
  }
  toDOM(): HTMLElement {
    const img = document.createElement("img");
    img.className = "pad-rich-image";
    img.src = this.url;
    img.alt = this.alt;
    img.loading = "lazy";
    img.draggable = false;
    return img;
  }
  ignoreEvent(): boolean {
    return false;
  }
}

/** Only this instance's images are drawn: any other would be a request to another host. */
export function ownImage(url: string): boolean {
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin && (u.protocol === "http:" || u.protocol === "https:");
  } catch {
    return false;
  }
}

const hidden = Decoration.replace({});
const bullet = Decoration.replace({ widget: new BulletWidget() });
const rule = Decoration.replace({ widget: new RuleWidget() });

function toDecoration(r: RichRange, readonly: boolean): Range<Decoration> | null {
  switch (r.kind) {
    case "image":
      return r.url && ownImage(r.url) ? Decoration.replace({ widget: new ImageWidget(r.url, r.alt ?? "") }).range(r.from, r.to) : null;
    case "hide":
      return hidden.range(r.from, r.to);
    case "bullet":
      return bullet.range(r.from, r.to);
    case "check":
      return Decoration.replace({ widget: new CheckWidget(!!r.checked, readonly) }).range(r.from, r.to);
    case "hr":
      return rule.range(r.from, r.to);
    case "line":
      return Decoration.line({ class: r.cls ?? "" }).range(r.from);
    case "mark":
      return Decoration.mark({ class: r.cls ?? "", attributes: r.url ? { title: r.url, "data-href": r.url } : {} }).range(r.from, r.to);
  }
}

function build(view: EditorView): DecorationSet {
  const out: Range<Decoration>[] = [];
  const readonly = view.state.readOnly;
  const tree = syntaxTree(view.state);
  for (const { from, to } of view.visibleRanges) {
    for (const r of richRanges(view.state, from, to, tree)) {
      const d = toDecoration(r, readonly);
      if (d) out.push(d);
    }
  }
  return Decoration.set(out, true);
}

/** Addresses a Ctrl/Cmd-click may open (never javascript: and the like). */
function openable(url: string): string | null {
  try {
    const u = new URL(url, location.href);
    return u.protocol === "http:" || u.protocol === "https:" || u.protocol === "mailto:" ? u.href : null;
  } catch {
    return null;
  }
}

const plugin = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = build(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged || u.selectionSet || syntaxTree(u.startState) !== syntaxTree(u.state) || u.startState.readOnly !== u.state.readOnly) {
        this.decorations = build(u.view);
      }
    }
  },
  {
    decorations: (v) => v.decorations,
    eventHandlers: {
      // The box shows the text's state (redrawn after the change): its own toggle is cancelled.
      click(e) {
        if (e.target instanceof HTMLInputElement && e.target.classList.contains("pad-rich-check")) {
          e.preventDefault();
          return true;
        }
        return false;
      },
      mousedown(e, view) {
        const target = e.target as HTMLElement | null;
        if (target instanceof HTMLInputElement && target.classList.contains("pad-rich-check")) {
          e.preventDefault();
          if (view.state.readOnly) return true;
          const spec = toggleTaskAt(view.state, view.posAtDOM(target));
          if (spec) view.dispatch(spec);
          return true;
        }
        const link = target?.closest?.(".pad-rich-link");
        if (link && (e.ctrlKey || e.metaKey)) {
          const url = openable(link.getAttribute("data-href") ?? "");
          if (url) {
            e.preventDefault();
            window.open(url, "_blank", "noopener,noreferrer");
            return true;
          }
        }
        return false;
      },
    },
  },
);

/** The Formatted mode's extension (the session swaps it in and out through a compartment). */
export function richMode() {
  return [plugin, EditorView.editorAttributes.of({ class: "pad-rich" })];
}
