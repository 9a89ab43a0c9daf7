// Removing an image from a pad, as in a word processor: the Formatted mode's image offers
// "Remove image" on hover or when selected (a click selects it), Delete or Backspace removes a
// selected image, and the toolbar offers the same while the caret is on an image's line (the
// keyboard's way). The image's text goes as one edit, one undo step, through the ordinary edit
// path, so the others see it go. Its file on the server is deleted (DELETE
// /api/v1/pads/{id}/images/{image}, freeing its uploader's quota) only once the text has not named
// it for a while: an undo just after brings back an image that still loads. Leaving the page
// deletes the files waiting, when the text still does not name them.
//
// A refusal (403: someone else's image, and this person did not create the pad) is not told: the
// image left the text, which is all the person asked for and all anyone sees; its file stays until
// the pad goes. Nor is a 404 (someone else deleted it first) or a network failure.
import { type EditorState, type Extension } from "@codemirror/state";
import { EditorView, ViewPlugin, keymap } from "@codemirror/view";
import type { Tree } from "@lezer/common";
import { api } from "../api.ts";
import { FORMAT_EVENT, treeFor } from "./format.ts";

/** A removal is a step of its own in undo, as the image's arrival was (images.ts). */
const REMOVE_EVENT = `${FORMAT_EVENT}.image.remove`;

/** How long an image is out of the text before its file is deleted: an undo within it is free. */
export const DELETE_AFTER_MS = 10_000;

/** An image's markup in the text. */
export interface ImageMarkup {
  from: number;
  to: number;
  url: string;
}

/**
 * The pad and image a pad image's URL names (`/api/v1/pads/{id or read-only id}/images/{image}`,
 * as the editor writes it; crates/pad/src/images.rs `parse_image_url`); null for any other URL.
 */
export function padImageOf(url: string): { pad: string; image: string } | null {
  const m = /^\/api\/v1\/pads\/([^/?#]+)\/images\/([A-Za-z0-9_-]{1,64})$/.exec(url);
  return m ? { pad: m[1]!, image: m[2]! } : null;
}

/** Whether `text` still names image `image` (as an image or a link, any pad's URL): its file stays. */
export function namesImage(text: string, image: string): boolean {
  // Image ids are URL-safe base64: nothing in one is special in a pattern.
  return new RegExp(`/images/${image}(?![A-Za-z0-9_-])`).test(text);
}

/** The images whose markup meets `from`..`to`. */
export function imagesIn(state: EditorState, from: number, to: number, tree: Tree = treeFor(state, to)): ImageMarkup[] {
  const out: ImageMarkup[] = [];
  tree.iterate({
    from,
    to,
    enter: (n) => {
      if (n.name !== "Image") return;
      const url = n.node.getChild("URL");
      if (url && n.node.getChildren("LinkMark").length >= 2) out.push({ from: n.from, to: n.to, url: state.sliceDoc(url.from, url.to) });
      return false;
    },
  });
  return out;
}

/** The image drawn from `pos` (where a widget of the Formatted mode starts). */
export function imageStartingAt(state: EditorState, pos: number, tree?: Tree): ImageMarkup | null {
  return imagesIn(state, pos, pos + 1, tree).find((i) => i.from === pos) ?? null;
}

/** The main selection exactly covers one image's markup (a click on the image selects it so). */
export function selectedImage(state: EditorState, tree?: Tree): ImageMarkup | null {
  const sel = state.selection.main;
  if (sel.empty) return null;
  return imagesIn(state, sel.from, sel.to, tree).find((i) => i.from === sel.from && i.to === sel.to) ?? null;
}

/**
 * The image the toolbar's "Remove image" acts on: the selected one, else the one the caret is in
 * or beside, else the only one on the caret's line; null when that is not one image.
 */
export function imageAtSelection(state: EditorState, tree?: Tree): ImageMarkup | null {
  const sel = state.selection.main;
  if (!sel.empty) {
    const within = imagesIn(state, sel.from, sel.to, tree).filter((i) => i.from >= sel.from && i.to <= sel.to);
    return within.length === 1 ? within[0]! : (selectedImage(state, tree) ?? null);
  }
  const line = state.doc.lineAt(sel.head);
  const onLine = imagesIn(state, line.from, line.to, tree);
  return onLine.find((i) => i.from <= sel.head && sel.head <= i.to) ?? (onLine.length === 1 ? onLine[0]! : null);
}

/**
 * What removing the image at `from`..`to` deletes: alone on its line (as images are written), the
 * line with its break; amid text, the markup and one of the spaces around it.
 */
export function imageRemoval(state: EditorState, from: number, to: number): { from: number; to: number } {
  const doc = state.doc;
  const line = doc.lineAt(from);
  const before = doc.sliceString(line.from, from);
  const after = doc.sliceString(to, Math.max(to, line.to));
  if (to <= line.to && !before.trim() && !after.trim()) {
    if (line.to < doc.length) return { from: line.from, to: line.to + 1 };
    if (line.from > 0) return { from: line.from - 1, to: line.to };
    return { from: line.from, to: line.to };
  }
  const spaceBefore = before.endsWith(" ");
  const spaceAfter = after.startsWith(" ");
  if (spaceAfter && (spaceBefore || !before)) return { from, to: to + 1 };
  if (spaceBefore && !after) return { from: from - 1, to };
  if (spaceBefore && spaceAfter) return { from, to: to + 1 };
  return { from, to };
}

export interface RemoveConfig {
  /** The pad's id (an editor's link): the DELETE goes there. */
  padId: string;
  /** The pad's read-only id once known: the images the text names by it are this pad's. */
  readonlyId: () => string | null;
}

/** Images out of the text, waiting for their file's deletion, per editor. */
const waiting = new WeakMap<EditorView, Map<string, ReturnType<typeof setTimeout>>>();

/** Deletes the file of `image` unless the text names it again; failures are not told (above). */
function deleteFile(cfg: RemoveConfig, text: string, image: string, leaving: boolean): void {
  if (namesImage(text, image)) return;
  const path = `/api/v1/pads/${encodeURIComponent(cfg.padId)}/images/${encodeURIComponent(image)}`;
  if (leaving) {
    // The page is going: a request that outlives it.
    const headers: Record<string, string> = { Accept: "application/json" };
    if (api.csrfToken) headers["X-CSRF-Token"] = api.csrfToken;
    void fetch(path, { method: "DELETE", headers, credentials: "same-origin", keepalive: true }).catch(() => undefined);
  } else {
    api.del(path).catch(() => undefined);
  }
}

/**
 * Removes the image at `markup` from the text (one edit, one undo step) and plans its file's
 * deletion when it is this pad's image and the text no longer names it. False when the text
 * cannot be edited now.
 */
export function removeImage(view: EditorView, cfg: RemoveConfig, markup: ImageMarkup): boolean {
  if (view.state.readOnly) return false;
  const gone = imageRemoval(view.state, markup.from, markup.to);
  view.dispatch({
    changes: gone,
    selection: { anchor: gone.from },
    userEvent: REMOVE_EVENT,
    scrollIntoView: true,
  });
  view.focus();
  const named = padImageOf(markup.url);
  if (!named || (named.pad !== cfg.padId && named.pad !== cfg.readonlyId())) return true;
  const image = named.image;
  if (namesImage(view.state.doc.toString(), image)) return true;
  const timers = waiting.get(view);
  if (!timers) return true;
  clearTimeout(timers.get(image));
  timers.set(
    image,
    setTimeout(() => {
      timers.delete(image);
      deleteFile(cfg, view.state.doc.toString(), image, false);
    }, DELETE_AFTER_MS),
  );
  return true;
}

/** The editor's part: the waiting deletions (done when the page goes) and Delete/Backspace. */
export function imageRemoving(cfg: RemoveConfig): Extension {
  const flush = (view: EditorView) => {
    const timers = waiting.get(view);
    if (!timers) return;
    const text = view.state.doc.toString();
    for (const [image, timer] of timers) {
      clearTimeout(timer);
      deleteFile(cfg, text, image, true);
    }
    timers.clear();
  };
  const removeSelected = (view: EditorView) => {
    const image = selectedImage(view.state);
    return !!image && removeImage(view, cfg, image);
  };
  return [
    ViewPlugin.define((view) => {
      waiting.set(view, new Map());
      const onHide = () => flush(view);
      window.addEventListener("pagehide", onHide);
      return {
        destroy() {
          window.removeEventListener("pagehide", onHide);
          flush(view);
        },
      };
    }),
    keymap.of([
      { key: "Delete", run: removeSelected },
      { key: "Backspace", run: removeSelected },
    ]),
  ];
}
