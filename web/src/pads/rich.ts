// The Formatted mode: the same CodeMirror document (the pad's Markdown), drawn as formatted text.
// rich-ranges.ts says what to hide and draw; this turns it into decorations for the visible part
// of the text and handles clicks on task boxes (a tick is an ordinary edit) and Ctrl/Cmd-click
// on links. Author colours and remote carets are decorations of their own: marks and widgets on
// the same document, drawn whatever this hides around them. An image is selected whole by a click
// (its markup, as a word processor selects a picture), and offers "Remove image" on hover and while
// selected (image-remove.ts does the removal).
import { syntaxTree } from "@codemirror/language";
import { Facet, type Range } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import { toggleTaskAt } from "./format.ts";
import { imageStartingAt, type ImageMarkup } from "./image-remove.ts";
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

/** The image's "Remove image" button: its name, and what it does (the session's). */
export interface ImageRemoveAction {
  label: () => string;
  run: (view: EditorView, image: ImageMarkup) => void;
}

/** Present when the text may lose images here (not in a read-only pad). */
const removeAction = Facet.define<ImageRemoveAction, ImageRemoveAction | null>({ combine: (v) => v[0] ?? null });

const SVG = "http://www.w3.org/2000/svg";

/** Below this size (CSS pixels, as drawn) the "Remove image" button is drawn beside the picture. */
const SMALL = { width: 96, height: 64 };

/** The bin of the design system's icons (components/icons.tsx `IconTrash`), drawn without Preact. */
function binIcon(): SVGElement {
  const svg = document.createElementNS(SVG, "svg");
  for (const [k, v] of Object.entries({
    width: "16",
    height: "16",
    viewBox: "0 0 24 24",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "1.8",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
  })) {
    svg.setAttribute(k, v);
  }
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3");
  svg.appendChild(path);
  return svg;
}

/**
 * An image of this instance (a pad's own), drawn in place of its `![alt](url)`; `selected`: the
 * selection is its markup. With a remove action, a "Remove image" button over its corner (beside
 * a small picture).
 */
class ImageWidget extends WidgetType {
  constructor(
    readonly url: string,
    readonly alt: string,
    readonly selected: boolean,
    readonly remove: ImageRemoveAction | null,
  ) {
    super();
  }
  eq(other: ImageWidget): boolean {
    return other.url === this.url && other.alt === this.alt && other.selected === this.selected && other.remove === this.remove;
  }
  /** Selecting or leaving the image keeps the element (the picture is not loaded again). */
  updateDOM(dom: HTMLElement, _view: EditorView, from: ImageWidget): boolean {
    if (from.url !== this.url || from.alt !== this.alt || from.remove !== this.remove) return false;
    dom.classList.toggle("is-selected", this.selected);
    return true;
  }
  toDOM(view: EditorView): HTMLElement {
    const box = document.createElement("span");
    box.className = "pad-rich-image-box";
    box.classList.toggle("is-selected", this.selected);
    const img = document.createElement("img");
    img.className = "pad-rich-image";
    img.src = this.url;
    img.alt = this.alt;
    img.loading = "lazy";
    img.draggable = false;
    box.appendChild(img);
    // On a small picture the button would hide what one clicks to select it: it goes beside it.
    const measure = () => box.classList.toggle("is-small", img.width < SMALL.width || img.height < SMALL.height);
    img.addEventListener("load", measure);
    const remove = this.remove;
    if (remove) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "pad-rich-image-remove";
      const label = remove.label();
      button.setAttribute("aria-label", label);
      button.title = label;
      button.appendChild(binIcon());
      // The editor keeps its focus and selection; the image is found where its widget is now.
      button.addEventListener("mousedown", (e) => e.preventDefault());
      button.addEventListener("click", (e) => {
        e.preventDefault();
        const image = imageStartingAt(view.state, view.posAtDOM(box));
        if (image && !view.state.readOnly) remove.run(view, image);
      });
      box.appendChild(button);
    }
    return box;
  }
  /** The button's events are its own; the editor handles the picture's (a click selects it). */
  ignoreEvent(e: Event): boolean {
    return !!(e.target as HTMLElement | null)?.closest?.(".pad-rich-image-remove");
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

interface Drawing {
  readonly: boolean;
  /** The main selection, when not empty (an image it covers exactly is drawn selected). */
  selection: { from: number; to: number } | null;
  remove: ImageRemoveAction | null;
}

function toDecoration(r: RichRange, d: Drawing): Range<Decoration> | null {
  const readonly = d.readonly;
  switch (r.kind) {
    case "image": {
      if (!r.url || !ownImage(r.url)) return null;
      const selected = !!d.selection && d.selection.from === r.from && d.selection.to === r.to;
      return Decoration.replace({ widget: new ImageWidget(r.url, r.alt ?? "", selected, readonly ? null : d.remove) }).range(r.from, r.to);
    }
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
  const main = view.state.selection.main;
  const drawing: Drawing = { readonly: view.state.readOnly, selection: main.empty ? null : { from: main.from, to: main.to }, remove: view.state.facet(removeAction) };
  const tree = syntaxTree(view.state);
  for (const { from, to } of view.visibleRanges) {
    for (const r of richRanges(view.state, from, to, tree)) {
      const d = toDecoration(r, drawing);
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
        // A click on a picture selects its markup (Delete, the toolbar or its button removes it).
        const box = target?.closest?.(".pad-rich-image-box");
        if (box && e.button === 0 && !(e.shiftKey || e.ctrlKey || e.metaKey || e.altKey)) {
          const image = imageStartingAt(view.state, view.posAtDOM(box));
          if (!image) return false;
          e.preventDefault();
          const sel = view.state.selection.main;
          if (sel.from !== image.from || sel.to !== image.to) view.dispatch({ selection: { anchor: image.from, head: image.to } });
          view.focus();
          return true;
        }
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

export interface RichOptions {
  /** The images' "Remove image" button (none without it). */
  removeImage?: ImageRemoveAction;
}

/** The Formatted mode's extension (the session swaps it in and out through a compartment). */
export function richMode(opts: RichOptions = {}) {
  return [plugin, EditorView.editorAttributes.of({ class: "pad-rich" }), opts.removeImage ? removeAction.of(opts.removeImage) : []];
}
