// Comments on the pad's text (crates/pad/src/comments.rs): the threads' wire shape, the anchor
// transform twin of nichoir_ot::Operation::transform_range, and the CodeMirror field that keeps
// each thread's anchor in the editor's document and highlights it. Anchors move with every
// change of the editor (local typing and remote edits alike) by CodeMirror's own mapping, with
// the server's semantics: text typed at an edge stays outside, text inside joins, and a range
// whose text is all deleted collapses ("on deleted text").
import { StateEffect, StateField, type EditorState } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";
import { baseLen, cpLength, transformPosition, type Op } from "./ot.ts";
import type { Author } from "../generated/pads/Author.ts";
import type { CommentThread } from "../generated/pads/CommentThread.ts";

/** A thread as the server sends it; its anchor is in characters (code points) of the text at `rev`. */
export type { CommentThread } from "../generated/pads/CommentThread.ts";

/** The id of the anchor of a comment being written (not yet a thread). */
export const DRAFT = "__draft";

/** A thread's anchor in the editor: UTF-16 offsets of its document. */
export interface Anchor {
  id: string;
  from: number;
  to: number;
  resolved: boolean;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function author(v: unknown): Author {
  const a = (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
  return { id: str(a.id), name: str(a.name) || "?", color: str(a.color) };
}

/** A thread from the server (null: not one). */
export function readThread(v: unknown): CommentThread | null {
  if (!v || typeof v !== "object") return null;
  const d = v as Record<string, unknown>;
  const n = (x: unknown) => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : null);
  const [start, end, rev] = [n(d.start), n(d.end), n(d.rev)];
  if (typeof d.id !== "string" || start === null || end === null || rev === null) return null;
  const by = d.resolved_by && typeof d.resolved_by === "object" ? (d.resolved_by as Record<string, unknown>) : null;
  return {
    id: d.id,
    start,
    end,
    rev,
    detached: d.detached === true,
    quote: str(d.quote),
    author: author(d.author),
    created_at: str(d.created_at),
    resolved: d.resolved === true,
    resolved_by: by ? { id: str(by.id), name: str(by.name) } : null,
    resolved_at: typeof d.resolved_at === "string" ? d.resolved_at : null,
    comments: Array.isArray(d.comments)
      ? d.comments.map((c) => {
          const m = (c && typeof c === "object" ? c : {}) as Record<string, unknown>;
          return { id: str(m.id), author: author(m.author), text: str(m.text), created_at: str(m.created_at), edited_at: typeof m.edited_at === "string" ? m.edited_at : null };
        })
      : [],
  };
}

/**
 * Moves `[start, end)` (code points) through `op`, as the server does: the range keeps its
 * surviving characters and what is inserted between them; with none left it collapses where its
 * text was.
 */
export function transformRange(op: Op, start0: number, end0: number): [number, number] {
  const start = Math.max(0, Math.min(start0, baseLen(op)));
  const end = Math.max(start, Math.min(end0, baseLen(op)));
  let base = 0;
  let target = 0;
  let first = -1;
  let last = -1;
  for (const c of op) {
    if (base >= end) break;
    if (typeof c === "number" && c > 0) {
      const lo = Math.max(start, base);
      const hi = Math.min(end, base + c);
      if (lo < hi) {
        if (first < 0) first = target + (lo - base);
        last = target + (hi - base);
      }
      base += c;
      target += c;
    } else if (typeof c === "number") {
      base += -c;
    } else {
      target += cpLength(c);
    }
  }
  if (first >= 0) return [first, last];
  const p = transformPosition(op, start, true);
  return [p, p];
}

/** Replaces every anchor (`set`), adds or moves one (`put`), or forgets one (`drop`). */
export const anchorsEffect = StateEffect.define<{ set?: Anchor[]; put?: Anchor; drop?: string }>();
/** The thread whose card is open (its highlight stronger). */
export const activeEffect = StateEffect.define<string | null>();
/** Resolved threads are highlighted only while they are shown. */
export const showResolvedEffect = StateEffect.define<boolean>();

interface CommentsState {
  anchors: Map<string, Anchor>;
  active: string | null;
  showResolved: boolean;
}

export const commentsField = StateField.define<CommentsState>({
  create: () => ({ anchors: new Map(), active: null, showResolved: false }),
  update(value, tr) {
    let anchors = value.anchors;
    if (tr.docChanged && anchors.size) {
      const next = new Map<string, Anchor>();
      for (const a of anchors.values()) {
        const from = tr.changes.mapPos(a.from, 1);
        const to = a.to > a.from ? tr.changes.mapPos(a.to, -1) : from;
        next.set(a.id, { ...a, from, to: Math.max(from, to) });
      }
      anchors = next;
    }
    let { active, showResolved } = value;
    for (const e of tr.effects) {
      if (e.is(anchorsEffect)) {
        if (e.value.set) anchors = new Map(e.value.set.map((a) => [a.id, a]));
        if (e.value.put || e.value.drop) anchors = new Map(anchors);
        if (e.value.put) anchors.set(e.value.put.id, e.value.put);
        if (e.value.drop) anchors.delete(e.value.drop);
      } else if (e.is(activeEffect)) {
        active = e.value;
      } else if (e.is(showResolvedEffect)) {
        showResolved = e.value;
      }
    }
    if (anchors === value.anchors && active === value.active && showResolved === value.showResolved) return value;
    return { anchors, active, showResolved };
  },
  provide: (f) =>
    EditorView.decorations.compute([f], (state): DecorationSet => {
      const { anchors, active, showResolved } = state.field(f);
      const marks = [];
      for (const a of anchors.values()) {
        if (a.to <= a.from || (a.resolved && !showResolved && a.id !== active)) continue;
        const cls = a.id === active ? "pad-comment pad-comment-active" : a.id === DRAFT ? "pad-comment pad-comment-draft" : "pad-comment";
        marks.push(Decoration.mark({ class: cls, attributes: { "data-thread": a.id } }).range(a.from, a.to));
      }
      return Decoration.set(marks, true);
    }),
});

/** The event the editor's element fires when a highlighted comment is clicked (detail: id). */
export const COMMENT_CLICK = "pad-comment-click";

/** The comment field, and a click on a highlight telling the page which thread it is. */
export function commentsExtension() {
  return [
    commentsField,
    EditorView.domEventHandlers({
      click(e, view) {
        const el = e.target instanceof Element ? e.target.closest("[data-thread]") : null;
        const id = el?.getAttribute("data-thread");
        if (!id || id === DRAFT) return false;
        view.dom.dispatchEvent(new CustomEvent(COMMENT_CLICK, { detail: id }));
        return false;
      },
    }),
  ];
}

export function anchorsOf(state: EditorState): Map<string, Anchor> {
  return state.field(commentsField, false)?.anchors ?? new Map();
}
