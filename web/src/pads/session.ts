// A live pad: the CodeMirror editor, the OT client, the socket, own undo/redo, remote carets and
// authorship. The page (pads/page.tsx) renders around it and listens to `onUi`.
import { Annotation, Compartment, EditorSelection, EditorState, Prec, StateEffect, StateField, Transaction, type Extension } from "@codemirror/state";
import { Decoration, EditorView, WidgetType, drawSelection, highlightActiveLine, keymap, type DecorationSet } from "@codemirror/view";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { markdown, markdownLanguage } from "@codemirror/lang-markdown";
import { HighlightStyle, syntaxHighlighting, syntaxTree, defaultHighlightStyle } from "@codemirror/language";
import { tags } from "@lezer/highlight";
import { parseRuns, runsToRanges, type Runs } from "./authorship.ts";
import { mapRuns, opFromChanges, type Change } from "./changes.ts";
import { PadClient, type OpEvent } from "./client.ts";
import { padTopic } from "./api.ts";
import { readChatMessage, type ChatMessage } from "./chat.ts";
import { authorClass, cspSafeEditorStyles, safeColor } from "./colors.ts";
import { cpLength, cpToUtf16, diff, normalize, toEditorChanges, transformPosition, utf16ToCp, type Op } from "./ot.ts";
import { TopicSocket, type ConnState, type Peer } from "../realtime.ts";
import { UndoManager } from "./undo.ts";
import { collapseDoubledMarkers } from "./lists.ts";
import { FORMAT_EVENT, activeFormats, formatChange, linkAt, setLink, type Command, type Element as FormatElement, type Format } from "./format.ts";
import { htmlToMarkdown } from "./paste.ts";
import { imageEditing } from "./images.ts";
import { imageAtSelection, imageRemoving, removeImage, type RemoveConfig } from "./image-remove.ts";
import type { Translate } from "../i18n/index.ts";
import { richMode, type RichOptions } from "./rich.ts";
import { commentsExtension } from "./comments.ts";
import { SHORTCUTS, type EditMode } from "./toolbar.tsx";
import type { Author } from "../generated/pads/Author.ts";

/** Someone who wrote in the pad (crates/pad/src/model.rs `Author`). */
export type { Author } from "../generated/pads/Author.ts";

export interface Person {
  id: string;
  name: string;
  color: string;
  guest: boolean;
  conns: number[];
}

export interface PadUi {
  conn: ConnState;
  loaded: boolean;
  notFound: boolean;
  /** The pad has a password this person has not given (the subscription was refused). */
  locked: boolean;
  deleted: boolean;
  rev: number;
  pending: boolean;
  readonlyId: string | null;
  people: Person[];
  authors: Record<string, Author>;
  canUndo: boolean;
  canRedo: boolean;
  /** The formats of the selection (the toolbar's pressed buttons). */
  formats: Format[];
  /** The selection is on one image (the toolbar's "Remove image" acts on it). */
  onImage: boolean;
}

export interface PadToast {
  code: string;
  message: string;
}

export interface SessionOptions {
  parent: HTMLElement;
  /** The pad id or read-only id from the URL. */
  padId: string;
  readonly: boolean;
  me: { id: string; name: string; color: string };
  /** Accessible label of the text area. */
  label: string;
  onUi: (ui: PadUi) => void;
  onToast: (toast: PadToast) => void;
  /** The text changed (for the preview). */
  onText: () => void;
  /** A chat message arrived (anyone's, own included). */
  onChat?: (message: ChatMessage) => void;
  /** Formatted (live preview) or Markdown source. */
  mode: EditMode;
  /** Ctrl/Cmd-K: the page opens its link form. */
  onLinkRequest?: () => void;
  /** Alt-F10: the page moves the focus to its toolbar (as in CKEditor, TinyMCE and Word). */
  onToolbarRequest?: () => void;
  /** A comment thread was opened, answered, resolved or deleted (`comment`, `comment_deleted`). */
  onComment?: (event: Record<string, unknown>) => void;
  /** The page's translations (the image uploads' progress). */
  t?: Translate;
}

interface Caret {
  conn: number;
  author: string;
  name: string;
  color: string;
  /** Code points in the local document. */
  anchor: number;
  head: number;
}

/** Changes not to send: remote ops and whole-document resets (value: the author, "" if unknown). */
const remoteAnn = Annotation.define<string>();
/** Local changes made by own undo/redo. */
const undoAnn = Annotation.define<"undo" | "redo">();

const setCarets = StateEffect.define<DecorationSet>();
const setRuns = StateEffect.define<Runs>();
const setLocalAuthor = StateEffect.define<string>();

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly cls: string,
  ) {
    super();
  }
  eq(other: CaretWidget): boolean {
    return other.name === this.name && other.cls === this.cls;
  }
  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = `pad-caret ${this.cls}`;
    caret.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "pad-caret-label";
    label.textContent = this.name;
    caret.appendChild(label);
    return caret;
  }
  ignoreEvent(): boolean {
    return true;
  }
}

const caretField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setCarets)) return e.value;
    return tr.docChanged ? deco.map(tr.changes) : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

interface AuthorshipState {
  /** Runs in UTF-16 units of the editor's document. */
  runs: Runs;
  local: string;
}

function changeList(tr: Transaction): { from: number; to: number; insertLength: number }[] {
  const out: { from: number; to: number; insertLength: number }[] = [];
  tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    out.push({ from: fromA, to: toA, insertLength: inserted.length });
  });
  return out;
}

const authorshipField = StateField.define<AuthorshipState>({
  create: () => ({ runs: [], local: "" }),
  update(value, tr) {
    let next = value;
    for (const e of tr.effects) if (e.is(setLocalAuthor)) next = { ...next, local: e.value };
    let replaced = false;
    for (const e of tr.effects) {
      if (e.is(setRuns)) {
        next = { ...next, runs: e.value };
        replaced = true;
      }
    }
    if (!replaced && tr.docChanged) {
      const author = tr.annotation(remoteAnn) ?? next.local;
      next = { ...next, runs: mapRuns(next.runs, changeList(tr), author) };
    }
    return next;
  },
  provide: (f) =>
    EditorView.decorations.compute([f], (state) => {
      const { runs } = state.field(f);
      const marks = [];
      let pos = 0;
      const end = state.doc.length;
      for (const [author, n] of runs) {
        const to = Math.min(pos + n, end);
        if (author && to > pos) marks.push(Decoration.mark({ class: authorClass(author) }).range(pos, to));
        pos = to;
        if (pos >= end) break;
      }
      return Decoration.set(marks);
    }),
});

const highlight = HighlightStyle.define([
  { tag: tags.heading1, fontWeight: "700", fontSize: "1.35em" },
  { tag: tags.heading2, fontWeight: "700", fontSize: "1.2em" },
  { tag: [tags.heading3, tags.heading4, tags.heading5, tags.heading6], fontWeight: "700" },
  { tag: tags.strong, fontWeight: "700" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: tags.link, class: "pad-md-link" },
  { tag: tags.url, class: "pad-md-url" },
  { tag: tags.monospace, class: "pad-md-code" },
  { tag: [tags.processingInstruction, tags.meta, tags.contentSeparator], class: "pad-md-mark" },
  { tag: tags.quote, class: "pad-md-quote" },
]);

/** The editor's look, from the design system's variables (light and dark alike). */
const theme = EditorView.theme({
  "&": {
    height: "var(--pad-editor-h)",
    minHeight: "260px",
    color: "var(--text)",
    backgroundColor: "var(--surface)",
    borderRadius: "var(--radius-md)",
  },
  "&.cm-focused": { outline: "none", boxShadow: "var(--focus-ring)" },
  ".cm-scroller": { fontFamily: "var(--font-sans)", fontSize: "1rem", lineHeight: "1.6" },
  ".cm-content": { padding: "var(--space-4) 0", caretColor: "var(--text)" },
  ".cm-line": { padding: "0 var(--pad-line-pad)" },
  ".cm-activeLine": { backgroundColor: "var(--bg-subtle)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  ".cm-selectionBackground, &.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground": {
    backgroundColor: "var(--accent-soft-border)",
  },
});

export class PadSession {
  readonly view: EditorView;
  readonly client: PadClient;
  private readonly socket: TopicSocket;
  private readonly undo = new UndoManager();
  private readonly editable = new Compartment();
  private readonly modeSlot = new Compartment();
  private formatsKey = "";
  private carets = new Map<number, Caret>();
  private people = new Map<string, Person>();
  private authors: Record<string, Author> = {};
  private ui: PadUi;
  private caretTimer: ReturnType<typeof setTimeout> | null = null;
  private lastCaretSent = 0;
  private lastCaretKey = "";
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Asks for a sync when an edit waits too long for its ack (`PadClient.checkStalled`). */
  private stallTimer: ReturnType<typeof setInterval> | undefined;
  private destroyed = false;
  /** Removing images (image-remove.ts): the pad's ids, the read-only one from the server's state. */
  private readonly removal: RemoveConfig;
  /** The Formatted mode's options: one object, so that switching modes draws the same buttons. */
  private readonly rich: RichOptions;

  constructor(private readonly opts: SessionOptions) {
    const topic = padTopic(opts.padId);
    this.ui = {
      conn: "connecting",
      loaded: false,
      notFound: false,
      locked: false,
      deleted: false,
      rev: 0,
      pending: false,
      readonlyId: null,
      people: [],
      authors: {},
      canUndo: false,
      canRedo: false,
      formats: [],
      onImage: false,
    };
    this.removal = { padId: opts.padId, readonlyId: () => this.ui.readonlyId };
    const t: Translate = opts.t ?? ((k) => k);
    this.rich = opts.readonly ? {} : { removeImage: { label: () => t("pad.format.imageRemove"), run: (view, image) => removeImage(view, this.removal, image) } };
    this.client = new PadClient({
      send: (msg) => {
        this.socket.publish(msg);
      },
      applyRemote: (op, author, rev) => this.applyRemote(op, author, rev),
      reset: (state) => this.resetDoc(state.text),
    });
    cspSafeEditorStyles();
    this.view = new EditorView({
      parent: opts.parent,
      state: EditorState.create({ doc: "", extensions: this.extensions() }),
    });
    this.view.dispatch({ effects: setLocalAuthor.of(opts.me.id) });
    this.socket = new TopicSocket(topic, {
      onSubscribed: (members) => this.onSubscribed(members),
      onEvent: (data) => this.onEvent(data),
      onPresence: (joined, left) => this.onPresence(joined, left),
      onFrameError: (code, message) => this.onFrameError(code, message),
      onState: (s) => this.update({ conn: s }),
      onClosed: () => {
        this.client.disconnected();
        this.update({ pending: this.client.hasPending });
      },
    });
    this.socket.start();
    this.stallTimer = setInterval(() => this.client.checkStalled(), 2000);
  }

  private extensions(): Extension[] {
    return [
      theme,
      drawSelection(),
      highlightActiveLine(),
      EditorView.lineWrapping,
      // GitHub's flavour, as the preview and the server render it (strikethrough, task lists, tables).
      markdown({ base: markdownLanguage }),
      collapseDoubledMarkers,
      commentsExtension(),
      this.modeSlot.of(this.opts.mode === "formatted" ? richMode(this.rich) : []),
      syntaxHighlighting(highlight),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      EditorView.contentAttributes.of({ "aria-label": this.opts.label, spellcheck: "true", autocapitalize: "sentences" }),
      // Own undo/redo (not CodeMirror's history): Mod-z, Mod-Shift-z, Mod-y, whatever the case
      // of the key with Shift held.
      Prec.highest(
        EditorView.domEventHandlers({
          keydown: (e) => {
            if (!(e.ctrlKey || e.metaKey) || e.altKey) return false;
            const key = e.key.toLowerCase();
            if (key !== "z" && key !== "y") return false;
            e.preventDefault();
            this.runUndo(key === "y" || e.shiftKey ? "redo" : "undo");
            return true;
          },
        }),
      ),
      Prec.high(keymap.of(this.formatKeys())),
      // Image files pasted or dropped are uploaded first (images.ts); HTML and text paste here.
      this.opts.readonly ? [] : Prec.high(imageEditing({ padId: this.opts.padId, t: this.opts.t ?? ((k) => k), onError: (code, message) => this.opts.onToast({ code, message }) })),
      // Removing an image (a selected one with Delete or Backspace), and its file once the text no
      // longer names it; the images the text names by the read-only id are this pad's.
      this.opts.readonly ? [] : Prec.high(imageRemoving(this.removal)),
      EditorView.domEventHandlers({ paste: (e, view) => this.onPaste(e, view) }),
      keymap.of([...defaultKeymap, indentWithTab]),
      this.editable.of([EditorState.readOnly.of(true)]),
      caretField,
      authorshipField,
      EditorView.updateListener.of((u) => {
        for (const tr of u.transactions) if (tr.docChanged) this.onTransaction(tr);
        if (u.docChanged) this.opts.onText();
        if (u.selectionSet || u.docChanged) {
          this.scheduleCaret();
          this.updateFormats();
        }
      }),
    ];
  }

  // ---- formatting ----

  private formatKeys() {
    const bind = (cmd: Command) => ({ key: SHORTCUTS[cmd]!, run: () => this.format(cmd, false) });
    const inList = (cmd: "indent" | "outdent") => () => {
      // Tab and Shift-Tab nest list items; elsewhere they indent as before.
      const spec = this.editableNow() ? formatChange(this.view.state, cmd) : null;
      if (!spec) return false;
      this.view.dispatch(spec);
      return true;
    };
    return [
      ...(["bold", "italic", "underline", "strike", "code", "h1", "h2", "h3", "numbered", "bullet", "check", "clear"] as const).map(bind),
      {
        key: SHORTCUTS.link!,
        run: () => {
          if (this.editableNow()) this.opts.onLinkRequest?.();
          return true;
        },
      },
      // Tab stays in the text (it nests lists), so the toolbar needs a key of its own.
      {
        key: "Alt-F10",
        run: () => {
          this.opts.onToolbarRequest?.();
          return !!this.opts.onToolbarRequest;
        },
      },
      { key: "Tab", run: inList("indent"), shift: inList("outdent") },
      // Ticks the caret's task; elsewhere Mod-Enter stays a new line.
      { key: "Mod-Enter", run: () => this.editableNow() && this.format("task", false) },
    ];
  }

  private editableNow(): boolean {
    return !this.view.state.readOnly;
  }

  /** Applies a toolbar command to the selection; false when it had nothing to do. */
  format(cmd: Command, focus = true): boolean {
    if (!this.editableNow()) return false;
    const spec = formatChange(this.view.state, cmd);
    if (spec) this.view.dispatch(spec);
    if (focus) this.view.focus();
    return !!spec;
  }

  /** The link around the selection (for the link form). */
  linkAt(): FormatElement | null {
    return linkAt(this.view.state);
  }

  /** Links the selection to `url`, changes the link it is in, or (empty) removes that link. */
  setLink(url: string): void {
    if (!this.editableNow()) return;
    const spec = setLink(this.view.state, url);
    if (spec) this.view.dispatch(spec);
    this.view.focus();
  }

  /** Removes the image the selection is on (the toolbar's "Remove image"); false when none is. */
  removeImage(): boolean {
    if (!this.editableNow()) return false;
    const image = imageAtSelection(this.view.state);
    return !!image && removeImage(this.view, this.removal, image);
  }

  setMode(mode: EditMode): void {
    this.view.dispatch({ effects: this.modeSlot.reconfigure(mode === "formatted" ? richMode(this.rich) : []) });
  }

  private updateFormats(): void {
    // What the editor has parsed: a caret move never waits for the parser.
    const tree = syntaxTree(this.view.state);
    const formats = [...activeFormats(this.view.state, tree)].sort();
    const onImage = imageAtSelection(this.view.state, tree) !== null;
    const key = `${formats.join(",")}|${onImage}`;
    if (key === this.formatsKey) return;
    this.formatsKey = key;
    this.update({ formats, onImage });
  }

  /** HTML from the clipboard (a word processor, a web page) arrives as Markdown. */
  private onPaste(e: ClipboardEvent, view: EditorView): boolean {
    if (view.state.readOnly) return false;
    const html = e.clipboardData?.getData("text/html");
    if (!html) return false;
    let md: string | null;
    try {
      md = htmlToMarkdown(html);
    } catch {
      md = null;
    }
    if (md === null) return false;
    e.preventDefault();
    view.dispatch(view.state.replaceSelection(md), { userEvent: "input.paste", scrollIntoView: true });
    return true;
  }

  // ---- UI state ----

  private update(patch: Partial<PadUi>): void {
    if (this.destroyed) return;
    this.ui = { ...this.ui, ...patch };
    this.opts.onUi(this.ui);
  }

  private undoState(): Pick<PadUi, "canUndo" | "canRedo"> {
    return { canUndo: this.undo.undoStack.length > 0, canRedo: this.undo.redoStack.length > 0 };
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  destroy(): void {
    this.destroyed = true;
    this.socket.stop();
    if (this.caretTimer) clearTimeout(this.caretTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    clearInterval(this.stallTimer);
    this.view.destroy();
  }

  /** Reconnects (after a rename: the server gives the new name to the others). */
  reconnect(): void {
    this.socket.reconnect();
  }

  private setEditable(): void {
    const ro = this.opts.readonly || this.ui.deleted || !this.client.loaded;
    this.view.dispatch({ effects: this.editable.reconfigure(ro ? [EditorState.readOnly.of(true)] : []) });
  }

  // ---- local edits ----

  private onTransaction(tr: Transaction): void {
    if (tr.annotation(remoteAnn) !== undefined) return;
    const before = tr.startState.doc.toString();
    const list: Change[] = [];
    tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      list.push({ from: fromA, to: toA, insert: inserted.toString() });
    });
    const op = opFromChanges(before, list);
    const kind = tr.annotation(undoAnn) ?? "edit";
    // A formatting change is a step of its own: undo takes it back alone, not with the typing
    // around it.
    const formatting = tr.isUserEvent(FORMAT_EVENT);
    if (formatting) this.undo.breakGroup();
    this.undo.record(op, before, kind);
    if (formatting) this.undo.breakGroup();
    this.client.applyLocal(op);
    for (const c of this.carets.values()) {
      c.anchor = transformPosition(op, c.anchor, false);
      c.head = transformPosition(op, c.head, false);
    }
    queueMicrotask(() => this.drawCarets());
    this.update({ pending: this.client.hasPending, ...this.undoState() });
  }

  private runUndo(which: "undo" | "redo"): boolean {
    if (this.opts.readonly || !this.client.loaded || this.ui.deleted) return true;
    const op = which === "undo" ? this.undo.popUndo() : this.undo.popRedo();
    if (!op) return true;
    const before = this.text;
    let changes;
    try {
      changes = toEditorChanges(before, op);
    } catch {
      this.update(this.undoState());
      return true;
    }
    const last = changes[changes.length - 1];
    const view = this.view;
    const spec = view.state.changes(changes);
    view.dispatch({
      changes: spec,
      selection: last ? EditorSelection.cursor(spec.mapPos(last.to, 1)) : undefined,
      annotations: [undoAnn.of(which), Transaction.userEvent.of(which === "undo" ? "undo" : "redo")],
      scrollIntoView: true,
    });
    return true;
  }

  undoCommand(): void {
    this.runUndo("undo");
    this.view.focus();
  }

  redoCommand(): void {
    this.runUndo("redo");
    this.view.focus();
  }

  // ---- remote edits ----

  private applyRemote(op: Op, author: string | null, rev: number): void {
    const before = this.text;
    const changes = toEditorChanges(before, op);
    this.view.dispatch({
      changes,
      annotations: [remoteAnn.of(author ?? ""), Transaction.addToHistory.of(false)],
    });
    this.undo.transformRemote(op);
    for (const c of this.carets.values()) {
      const own = author !== null && c.author === author;
      c.anchor = transformPosition(op, c.anchor, own);
      c.head = transformPosition(op, c.head, own);
    }
    this.drawCarets();
    this.update({ rev, pending: this.client.hasPending, ...this.undoState() });
  }

  /** A fresh state with nothing pending: replace the text, keeping the cursor where it was. */
  private resetDoc(text: string): void {
    const before = this.text;
    const changes = before === text ? [] : toEditorChanges(before, diff(before, text));
    this.view.dispatch({
      changes,
      annotations: [remoteAnn.of(""), Transaction.addToHistory.of(false)],
    });
    this.undo.clear();
  }

  // ---- socket events ----

  private onSubscribed(members: Peer[]): void {
    this.client.connected();
    this.people.clear();
    for (const m of members) this.addPeer(m);
    const live = new Set(members.map((m) => m.conn));
    for (const conn of [...this.carets.keys()]) if (!live.has(conn)) this.carets.delete(conn);
    this.drawCarets();
    this.update({ people: this.peopleList() });
  }

  /** One revision from the server as the client takes it (null: not an operation). */
  private readOpEvent(data: unknown): OpEvent | null {
    if (!data || typeof data !== "object") return null;
    const d = data as Record<string, unknown>;
    let op: Op;
    try {
      op = normalize(d.op);
    } catch {
      return null;
    }
    return {
      rev: Number(d.rev),
      op,
      author: typeof d.author === "string" ? d.author : null,
      client_id: typeof d.client_id === "string" ? d.client_id : null,
      seq: typeof d.seq === "number" ? d.seq : null,
    };
  }

  /** Applies revisions from the server in order; on a failure the client starts over. */
  private onOpEvents(list: unknown[]): void {
    const events: OpEvent[] = [];
    for (const item of list) {
      const ev = this.readOpEvent(item);
      if (ev) events.push(ev);
    }
    for (const ev of events) this.noteRevision(ev);
    try {
      this.client.onOps(events);
    } catch {
      this.resync();
    }
  }

  /** The server's recent revisions (comments.ts carries anchors from a revision to here). */
  private readonly revisionOps = new Map<number, Op>();

  private noteRevision(ev: OpEvent): void {
    if (!Number.isInteger(ev.rev) || this.revisionOps.has(ev.rev)) return;
    this.revisionOps.set(ev.rev, ev.op);
    if (this.revisionOps.size > 2000) {
      // Revisions arrive in order: the first key is the oldest.
      const oldest = this.revisionOps.keys().next().value;
      if (oldest !== undefined) this.revisionOps.delete(oldest);
    }
  }

  /** The server's revisions after `from` up to `to`, in order (null: not all of them known here). */
  revisionsBetween(from: number, to: number): Op[] | null {
    const out: Op[] = [];
    for (let r = from + 1; r <= to; r++) {
      const op = this.revisionOps.get(r);
      if (!op) return null;
      out.push(op);
    }
    return out;
  }

  private onEvent(data: Record<string, unknown>): void {
    switch (data.type) {
      case "state":
        return this.onState(data);
      case "op":
        this.onOpEvents([data]);
        this.update({ rev: this.client.rev, pending: this.client.hasPending });
        return;
      case "ops":
        // A stored batch of edits, or the answer to a sync (possibly in several messages).
        this.onOpEvents(Array.isArray(data.ops) ? data.ops : []);
        this.update({ rev: this.client.rev, pending: this.client.hasPending });
        return;
      case "ack":
        if (Array.isArray(data.ops)) {
          // A batch holding our edit: the edit in the list is the acknowledgement.
          this.onOpEvents(data.ops);
        } else {
          // The answer to a resend of an edit the server already had.
          this.client.onAck({
            rev: Number(data.rev),
            client_id: typeof data.client_id === "string" ? data.client_id : null,
            seq: typeof data.seq === "number" ? data.seq : null,
          });
        }
        this.update({ rev: this.client.rev, pending: this.client.hasPending });
        return;
      case "synced":
        this.client.onSynced();
        this.update({ rev: this.client.rev, pending: this.client.hasPending });
        return;
      case "author": {
        const a = this.readAuthor(data);
        if (a) {
          this.authors = { ...this.authors, [a.id]: a };
          this.update({ authors: this.authors });
        }
        return;
      }
      case "caret":
        return this.onCaret(data);
      case "chat": {
        const m = readChatMessage(data.message);
        if (m) this.opts.onChat?.(m);
        return;
      }
      case "comment":
      case "comment_deleted":
        this.opts.onComment?.(data);
        return;
      case "deleted":
        this.update({ deleted: true });
        this.socket.stop();
        this.update({ conn: "offline" });
        this.setEditable();
        return;
      case "error": {
        const code = String(data.code ?? "internal");
        const action = this.client.onError({
          code,
          client_id: typeof data.client_id === "string" ? data.client_id : null,
          seq: typeof data.seq === "number" ? data.seq : null,
        });
        if (action === "retry") {
          if (!this.retryTimer) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = null;
              this.client.retry();
            }, 1000);
          }
          return;
        }
        this.opts.onToast({ code, message: String(data.message ?? "") });
        if (action === "resubscribe") this.resync();
        return;
      }
      default:
        return;
    }
  }

  /** The local text can no longer be trusted: drop pending edits and take a fresh state. */
  private resync(): void {
    this.client.discardPending();
    this.undo.clear();
    this.socket.resubscribe();
  }

  private readAuthor(d: Record<string, unknown>): Author | null {
    if (typeof d.id !== "string") return null;
    const color = safeColor(typeof d.color === "string" ? d.color : null);
    authorClass(d.id, color);
    return { id: d.id, name: typeof d.name === "string" ? d.name : "?", color };
  }

  private onState(data: Record<string, unknown>): void {
    const rev = Number(data.rev);
    const text = typeof data.text === "string" ? data.text : "";
    const authors: Record<string, Author> = { ...this.authors };
    if (Array.isArray(data.authors)) {
      for (const a of data.authors) {
        const au = a && typeof a === "object" ? this.readAuthor(a as Record<string, unknown>) : null;
        if (au) authors[au.id] = au;
      }
    }
    this.authors = authors;
    const wasPending = this.client.hasPending && this.client.loaded;
    this.client.onState({ rev, text });
    if (!wasPending) {
      // The document is the server's: take its authorship too.
      const runs = runsToRanges(text, parseRuns(data.authorship)).map((r): [string, number] => [r.author, r.to - r.from]);
      this.view.dispatch({ effects: setRuns.of(runs) });
    }
    this.update({
      loaded: true,
      rev: this.client.rev,
      pending: this.client.hasPending,
      readonlyId: typeof data.readonly_id === "string" ? data.readonly_id : this.ui.readonlyId,
      authors,
      ...this.undoState(),
    });
    this.setEditable();
    this.lastCaretKey = "";
    this.scheduleCaret();
  }

  private onFrameError(code: string, message: string): void {
    if (code === "not_found" && !this.client.loaded) {
      this.socket.stop();
      this.update({ notFound: true, conn: "offline" });
      return;
    }
    if (code === "password_required") {
      // The pad got a password (or a new one): the page asks for it, then starts a new session.
      this.socket.stop();
      this.update({ locked: true, conn: "offline" });
      return;
    }
    this.opts.onToast({ code, message });
  }

  // ---- people ----

  private addPeer(p: Peer): void {
    const cur = this.people.get(p.id);
    if (cur) {
      if (!cur.conns.includes(p.conn)) cur.conns.push(p.conn);
      cur.name = p.display_name;
      cur.color = safeColor(p.avatar_color);
    } else {
      this.people.set(p.id, { id: p.id, name: p.display_name, color: safeColor(p.avatar_color), guest: p.guest, conns: [p.conn] });
    }
  }

  private peopleList(): Person[] {
    const me = this.opts.me.id;
    return [...this.people.values()].sort((a, b) => (a.id === me ? -1 : b.id === me ? 1 : a.name.localeCompare(b.name)));
  }

  private onPresence(joined: Peer | null, left: Peer | null): void {
    if (joined) this.addPeer(joined);
    if (left) {
      const cur = this.people.get(left.id);
      if (cur) {
        cur.conns = cur.conns.filter((c) => c !== left.conn);
        if (cur.conns.length === 0) this.people.delete(left.id);
      }
      if (this.carets.delete(left.conn)) this.drawCarets();
    }
    this.update({ people: this.peopleList() });
  }

  /** Updates own name/colour in the list (the server learns it on the next connection). */
  renamed(name: string, color: string): void {
    const me = this.people.get(this.opts.me.id);
    this.opts.me.name = name;
    this.opts.me.color = color;
    if (me) {
      me.name = name;
      me.color = color;
    }
    this.update({ people: this.peopleList() });
  }

  // ---- carets ----

  private onCaret(d: Record<string, unknown>): void {
    const conn = Number(d.conn);
    const anchor0 = Number(d.anchor);
    const head0 = Number(d.head);
    if (!Number.isFinite(conn) || !Number.isFinite(anchor0) || !Number.isFinite(head0) || !this.client.loaded) return;
    let anchor = anchor0;
    let head = head0;
    if (Number(d.rev) === this.client.rev) {
      // The sender had not seen what is pending here.
      for (const op of this.client.pending) {
        anchor = transformPosition(op, anchor, false);
        head = transformPosition(op, head, false);
      }
    }
    const len = cpLength(this.text);
    const author = typeof d.author === "string" ? d.author : String(conn);
    const color = safeColor(typeof d.color === "string" ? d.color : null);
    this.carets.set(conn, {
      conn,
      author,
      name: typeof d.name === "string" ? d.name : "?",
      color,
      anchor: Math.min(Math.max(0, anchor), len),
      head: Math.min(Math.max(0, head), len),
    });
    this.drawCarets();
  }

  private drawCarets(): void {
    if (this.destroyed) return;
    const doc = this.text;
    const ranges = [];
    for (const c of this.carets.values()) {
      const cls = authorClass(`conn:${c.author}`, c.color);
      let a: number;
      let h: number;
      try {
        a = cpToUtf16(doc, c.anchor);
        h = cpToUtf16(doc, c.head);
      } catch {
        continue;
      }
      const from = Math.min(a, h);
      const to = Math.max(a, h);
      if (to > from) ranges.push(Decoration.mark({ class: `pad-sel ${cls}` }).range(from, to));
      ranges.push(Decoration.widget({ widget: new CaretWidget(c.name, cls), side: 1 }).range(h));
    }
    this.view.dispatch({ effects: setCarets.of(Decoration.set(ranges, true)) });
  }

  private scheduleCaret(): void {
    if (this.opts.readonly || this.caretTimer) return;
    const wait = Math.max(0, 100 - (Date.now() - this.lastCaretSent));
    this.caretTimer = setTimeout(() => {
      this.caretTimer = null;
      this.sendCaret();
    }, wait);
  }

  private sendCaret(): void {
    if (!this.client.ready || this.client.syncing || !this.socket.isSubscribed || this.destroyed) return;
    const doc = this.text;
    const sel = this.view.state.selection.main;
    let anchor: number;
    let head: number;
    try {
      anchor = utf16ToCp(doc, sel.anchor);
      head = utf16ToCp(doc, sel.head);
    } catch {
      return;
    }
    const key = `${this.client.rev}:${anchor}:${head}`;
    if (key === this.lastCaretKey) return;
    this.lastCaretKey = key;
    this.lastCaretSent = Date.now();
    this.socket.publish({ type: "caret", rev: this.client.rev, anchor, head });
  }
}
