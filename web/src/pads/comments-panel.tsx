// The comments beside the editor: on wide screens a margin column whose cards sit at their
// anchor's line (the column scrolls with the editor), on narrow ones a panel under it. Threads
// come from GET …/comments and live `comment` events; their anchors live in the editor
// (comments.ts), placed from the server's revision through the revisions and pending edits in
// between.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useSubmit } from "../hooks/submit.ts";
import { api, errorText } from "../api.ts";
import { Avatar, Button, cx } from "../components/ui.tsx";
import { formatDateTime, type Lang, type Translate } from "../i18n/index.ts";
import { cpToUtf16, utf16ToCp } from "./ot.ts";
import type { PadSession } from "./session.ts";
import { COMMENT_CLICK, DRAFT, activeEffect, anchorsEffect, anchorsOf, readThread, showResolvedEffect, transformRange, type Anchor, type CommentThread } from "./comments.ts";
import { personName } from "../people.ts";

const enc = encodeURIComponent;
/** Wider than this, the comments are a margin column beside the editor. */
const WIDE = "(min-width: 981px)";

/** Where a thread's anchor is in the editor now: an anchor, "later" (the editor has not reached
 * the thread's revision yet) or "missing" (revisions in between are unknown here: reload). */
function place(session: PadSession, t: CommentThread): Anchor | "later" | "missing" {
  const c = session.client;
  if (!c.loaded || t.rev > c.rev) return "later";
  const ops = session.revisionsBetween(t.rev, c.rev);
  if (!ops) return "missing";
  let [s, e] = [t.start, t.end];
  for (const op of [...ops, ...c.pending]) [s, e] = transformRange(op, s, e);
  const doc = session.text;
  try {
    return { id: t.id, from: cpToUtf16(doc, s), to: cpToUtf16(doc, e), resolved: t.resolved };
  } catch {
    return "missing";
  }
}

interface Props {
  id: string;
  session: PadSession | null;
  loaded: boolean;
  /** The server revision the editor has (placing waits for it). */
  rev: number;
  readonly: boolean;
  meId: string | null;
  isOwner: boolean;
  /** The page's socket events for comments land here. */
  sink: { current: ((ev: Record<string, unknown>) => void) | null };
  /** Incremented by the toolbar's Comment button. */
  request: number;
  /** Incremented when the text changes (cards follow their lines). */
  tick: number;
  t: Translate;
  lang: Lang;
  toast: (s: string) => void;
}

export function CommentsColumn({ id, session, loaded, rev, readonly, meId, isOwner, sink, request, tick, t, lang, toast }: Props) {
  const [threads, setThreads] = useState<Record<string, CommentThread>>({});
  const [draft, setDraft] = useState<{ quote: string } | null>(null);
  const [active, setActive] = useState<string | null>(null);
  const [showResolved, setShowResolved] = useState(false);
  const waiting = useRef(new Set<string>());
  const threadsRef = useRef(threads);
  threadsRef.current = threads;
  const columnRef = useRef<HTMLDivElement>(null);
  const innerRef = useRef<HTMLDivElement>(null);
  const [layoutTick, setLayoutTick] = useState(0);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const putAnchor = useCallback(
    (th: CommentThread, replace: boolean) => {
      if (!session) return;
      const known = anchorsOf(session.view.state).get(th.id);
      if (known && !replace) {
        if (known.resolved !== th.resolved) session.view.dispatch({ effects: anchorsEffect.of({ put: { ...known, resolved: th.resolved } }) });
        return;
      }
      const a = place(session, th);
      if (typeof a === "string") {
        waiting.current.add(th.id);
        if (a === "missing") scheduleReload();
        return;
      }
      waiting.current.delete(th.id);
      session.view.dispatch({ effects: anchorsEffect.of({ put: a }) });
    },
    [session],
  );

  const load = useCallback(async () => {
    if (!session) return;
    try {
      const list = await api.get<{ rev: number; threads: unknown[] }>(`/api/v1/pads/${enc(id)}/comments`);
      const next: Record<string, CommentThread> = {};
      for (const raw of list.threads ?? []) {
        const th = readThread(raw);
        if (th) next[th.id] = th;
      }
      const draftAnchor = anchorsOf(session.view.state).get(DRAFT);
      session.view.dispatch({ effects: anchorsEffect.of({ set: draftAnchor ? [draftAnchor] : [] }) });
      waiting.current.clear();
      setThreads(next);
      for (const th of Object.values(next)) putAnchor(th, true);
    } catch (e) {
      toast(errorText(t, e));
    }
  }, [id, session, putAnchor]);

  function scheduleReload() {
    if (reloadTimer.current) return;
    reloadTimer.current = setTimeout(() => {
      reloadTimer.current = null;
      void load();
    }, 500);
  }

  // The list once the editor has its text, again after a reconnection (events may be lost).
  useEffect(() => {
    if (loaded) void load();
  }, [loaded, load]);
  useEffect(
    () => () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
    },
    [],
  );

  // Threads waiting for the editor to reach their revision.
  useEffect(() => {
    if (!waiting.current.size) return;
    for (const tid of [...waiting.current]) {
      const th = threadsRef.current[tid];
      if (th) putAnchor(th, true);
      else waiting.current.delete(tid);
    }
  }, [rev, putAnchor]);

  // Live events.
  sink.current = (ev: Record<string, unknown>) => {
    if (ev.type === "comment_deleted") {
      const tid = String(ev.thread_id ?? "");
      setThreads((m) => {
        const next = { ...m };
        delete next[tid];
        return next;
      });
      session?.view.dispatch({ effects: anchorsEffect.of({ drop: tid }) });
      return;
    }
    const th = readThread(ev.thread);
    if (!th) return;
    setThreads((m) => ({ ...m, [th.id]: th }));
    putAnchor(th, false);
  };

  // A click on a highlight opens its card.
  useEffect(() => {
    const dom = session?.view.dom;
    if (!dom) return;
    const onClick = (e: Event) => {
      const tid = (e as CustomEvent<string>).detail;
      const th = threadsRef.current[tid];
      if (th?.resolved) setShowResolved(true);
      setActive(tid);
      requestAnimationFrame(() => {
        const card = columnRef.current?.querySelector<HTMLElement>(`[data-thread="${CSS.escape(tid)}"]`);
        card?.focus({ preventScroll: window.matchMedia(WIDE).matches });
        if (!window.matchMedia(WIDE).matches) card?.scrollIntoView({ block: "nearest" });
      });
    };
    dom.addEventListener(COMMENT_CLICK, onClick);
    return () => dom.removeEventListener(COMMENT_CLICK, onClick);
  }, [session]);

  useEffect(() => {
    session?.view.dispatch({ effects: [activeEffect.of(active), showResolvedEffect.of(showResolved)] });
  }, [session, active, showResolved]);

  // The toolbar's Comment button: the selection becomes a draft anchor.
  useEffect(() => {
    if (!request || !session || readonly) return;
    const sel = session.view.state.selection.main;
    if (sel.empty) {
      toast(t("pad.commentSelect"));
      return;
    }
    const quote = session.view.state.sliceDoc(sel.from, sel.to);
    session.view.dispatch({ effects: [anchorsEffect.of({ put: { id: DRAFT, from: sel.from, to: sel.to, resolved: false } }), activeEffect.of(null)] });
    setActive(null);
    setDraft({ quote: quote.length > 120 ? quote.slice(0, 120) + "…" : quote });
    requestAnimationFrame(() => columnRef.current?.querySelector<HTMLTextAreaElement>(".pad-comment-draft textarea")?.focus());
  }, [request]);

  const cancelDraft = () => {
    session?.view.dispatch({ effects: anchorsEffect.of({ drop: DRAFT }) });
    setDraft(null);
    session?.view.focus();
  };

  const postDraft = async (text: string): Promise<boolean> => {
    if (!session) return false;
    // The anchor is sent on a server revision: wait for this editor's own edits to be stored.
    for (let i = 0; i < 100 && session.client.hasPending; i++) await new Promise((r) => setTimeout(r, 50));
    const a = anchorsOf(session.view.state).get(DRAFT);
    if (!a || a.to <= a.from) {
      toast(t("pad.commentGone"));
      cancelDraft();
      return false;
    }
    const doc = session.text;
    const body = { start: utf16ToCp(doc, a.from), end: utf16ToCp(doc, a.to), rev: session.client.rev, text };
    try {
      const th = readThread(await api.post<unknown>(`/api/v1/pads/${enc(id)}/comments`, body));
      session.view.dispatch({ effects: anchorsEffect.of({ drop: DRAFT }) });
      setDraft(null);
      if (th) {
        setThreads((m) => ({ ...m, [th.id]: th }));
        putAnchor(th, false);
        setActive(th.id);
      }
      return true;
    } catch (e) {
      toast(errorText(t, e));
      return false;
    }
  };

  const act = async (call: () => Promise<unknown>) => {
    try {
      const th = readThread(await call());
      if (th) setThreads((m) => ({ ...m, [th.id]: th }));
      return true;
    } catch (e) {
      toast(errorText(t, e));
      return false;
    }
  };
  const base = `/api/v1/pads/${enc(id)}/comments`;
  const reply = (tid: string, text: string) => act(() => api.post(`${base}/${enc(tid)}/replies`, { text }));
  const resolve = (tid: string, resolved: boolean) => {
    if (resolved && active === tid) setActive(null);
    return act(() => api.put(`${base}/${enc(tid)}/resolved`, { resolved }));
  };
  const removeThread = async (tid: string) => {
    if (!(await act(() => api.del(`${base}/${enc(tid)}`)))) return;
    setThreads((m) => {
      const next = { ...m };
      delete next[tid];
      return next;
    });
    session?.view.dispatch({ effects: anchorsEffect.of({ drop: tid }) });
  };
  const editComment = (tid: string, cid: string, text: string) => act(() => api.patch(`${base}/${enc(tid)}/replies/${enc(cid)}`, { text }));
  const removeComment = async (tid: string, cid: string) => {
    if (!(await act(() => api.del(`${base}/${enc(tid)}/replies/${enc(cid)}`)))) return;
    setThreads((m) => {
      const th = m[tid];
      return th ? { ...m, [tid]: { ...th, comments: th.comments.filter((c) => c.id !== cid) } } : m;
    });
  };

  // Cards in the order of their anchors in the text; detached ones where their text was.
  const anchors = session ? anchorsOf(session.view.state) : new Map<string, Anchor>();
  const all = Object.values(threads);
  const resolvedCount = all.filter((x) => x.resolved).length;
  const shown = all
    .filter((x) => !x.resolved || showResolved)
    .sort((a, b) => (anchors.get(a.id)?.from ?? Number.MAX_SAFE_INTEGER) - (anchors.get(b.id)?.from ?? Number.MAX_SAFE_INTEGER) || a.created_at.localeCompare(b.created_at));

  // Wide screens: each card at its anchor's line, pushed down past the one above it.
  const layout = useCallback(() => {
    const column = columnRef.current;
    const inner = innerRef.current;
    if (!column || !inner || !session) return;
    const wide = window.matchMedia(WIDE).matches;
    const view = session.view;
    const scroller = view.scrollDOM;
    const offset = view.documentTop - scroller.getBoundingClientRect().top + scroller.scrollTop;
    const marks = anchorsOf(view.state);
    let bottom = (inner.querySelector<HTMLElement>(".pad-comments-head")?.offsetHeight ?? 0) + 8;
    for (const card of inner.querySelectorAll<HTMLElement>(".pad-comment-card")) {
      if (!wide) {
        card.style.top = "";
        continue;
      }
      const a = marks.get(card.dataset.thread ?? "");
      const len = view.state.doc.length;
      const want = a ? offset + view.lineBlockAt(Math.min(a.from, len)).top : bottom;
      const top = Math.max(want, bottom);
      card.style.top = `${top}px`;
      bottom = top + card.offsetHeight + 8;
    }
    inner.style.height = wide ? `${Math.max(bottom, scroller.scrollHeight)}px` : "";
    if (wide && column.scrollTop !== scroller.scrollTop) column.scrollTop = scroller.scrollTop;
  }, [session]);

  useLayoutEffect(layout);
  useEffect(() => {
    const t2 = setTimeout(layout, 30);
    return () => clearTimeout(t2);
  }, [tick, layoutTick, layout]);

  // The column scrolls with the editor, and the editor with the column (keyboard focus in a card).
  useEffect(() => {
    const scroller = session?.view.scrollDOM;
    const column = columnRef.current;
    if (!scroller || !column) return;
    let syncing = false;
    const fromEditor = () => {
      if (syncing || !window.matchMedia(WIDE).matches) return;
      syncing = true;
      column.scrollTop = scroller.scrollTop;
      requestAnimationFrame(() => (syncing = false));
    };
    const fromColumn = () => {
      if (syncing || !window.matchMedia(WIDE).matches) return;
      syncing = true;
      scroller.scrollTop = column.scrollTop;
      requestAnimationFrame(() => (syncing = false));
    };
    const onResize = () => setLayoutTick((n) => n + 1);
    scroller.addEventListener("scroll", fromEditor, { passive: true });
    column.addEventListener("scroll", fromColumn, { passive: true });
    window.addEventListener("resize", onResize);
    return () => {
      scroller.removeEventListener("scroll", fromEditor);
      column.removeEventListener("scroll", fromColumn);
      window.removeEventListener("resize", onResize);
    };
  }, [session, all.length > 0 || !!draft]);

  if (!all.length && !draft) return null;
  return (
    <aside class="pad-comments" aria-labelledby="pad-comments-title" ref={columnRef}>
      <div class="pad-comments-inner" ref={innerRef}>
        <div class="pad-comments-head">
          <h2 id="pad-comments-title" class="pad-comments-title">
            {t("pad.comments")}
          </h2>
          {resolvedCount > 0 && (
            <button type="button" class="btn btn-ghost btn-sm" aria-pressed={showResolved ? "true" : "false"} onClick={() => setShowResolved(!showResolved)}>
              {t("pad.commentResolvedToggle", { count: resolvedCount })}
            </button>
          )}
        </div>
        {draft && <DraftCard quote={draft.quote} onPost={postDraft} onCancel={cancelDraft} t={t} />}
        {shown.map((th) => (
          <ThreadCard
            key={th.id}
            thread={th}
            detached={th.detached || (anchors.has(th.id) && (anchors.get(th.id)?.to ?? 0) <= (anchors.get(th.id)?.from ?? 0))}
            active={active === th.id}
            readonly={readonly}
            meId={meId}
            isOwner={isOwner}
            onFocus={() => setActive(th.id)}
            onReply={(text) => reply(th.id, text)}
            onResolve={(r) => resolve(th.id, r)}
            onDelete={() => removeThread(th.id)}
            onDeleteComment={(cid) => removeComment(th.id, cid)}
            onEditComment={(cid, text) => editComment(th.id, cid, text)}
            t={t}
            lang={lang}
          />
        ))}
      </div>
    </aside>
  );
}

function DraftCard({ quote, onPost, onCancel, t }: { quote: string; onPost: (text: string) => Promise<boolean>; onCancel: () => void; t: Translate }) {
  const [text, setText] = useState("");
  // onPost shows its own failure and says whether it went through.
  const { busy, run } = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    await run(async () => {
      if (await onPost(text.trim())) setText("");
    });
  };
  return (
    <section class="pad-comment-card pad-comment-draft card is-active" data-thread={DRAFT} aria-labelledby="pad-comment-draft-title">
      <h3 id="pad-comment-draft-title" class="pad-comment-quote">
        <span class="visually-hidden">{t("pad.commentNew")}: </span>“{quote}”
      </h3>
      <form class="pad-comment-form" onSubmit={submit}>
        <label class="visually-hidden" for="pad-comment-draft-text">
          {t("pad.commentNew")}
        </label>
        <textarea
          id="pad-comment-draft-text"
          class="input"
          rows={3}
          maxLength={10000}
          value={text}
          placeholder={t("pad.commentPlaceholder")}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") onCancel();
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit(e);
          }}
        />
        <div class="pad-comment-actions">
          <Button type="submit" size="sm" loading={busy} disabled={!text.trim()}>
            {t("pad.commentPost")}
          </Button>
          <Button variant="ghost" size="sm" onClick={onCancel}>
            {t("common.cancel")}
          </Button>
        </div>
      </form>
    </section>
  );
}

function ThreadCard({
  thread,
  detached,
  active,
  readonly,
  meId,
  isOwner,
  onFocus,
  onReply,
  onResolve,
  onDelete,
  onDeleteComment,
  onEditComment,
  t,
  lang,
}: {
  thread: CommentThread;
  detached: boolean;
  active: boolean;
  readonly: boolean;
  meId: string | null;
  isOwner: boolean;
  onFocus: () => void;
  onReply: (text: string) => Promise<boolean>;
  onResolve: (resolved: boolean) => Promise<boolean>;
  onDelete: () => Promise<void>;
  onDeleteComment: (id: string) => Promise<void>;
  onEditComment: (id: string, text: string) => Promise<boolean>;
  t: Translate;
  lang: Lang;
}) {
  const [text, setText] = useState("");
  // onEditComment and onReply show their own failure and say whether it went through.
  const { busy, run } = useSubmit();
  // The message of one's own being changed, and its new text.
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const titleId = `pad-comment-${thread.id}`;
  const saveEdit = async (e: Event) => {
    e.preventDefault();
    if (!editing || !editing.text.trim()) return;
    await run(async () => {
      if (await onEditComment(editing.id, editing.text.trim())) setEditing(null);
    });
  };
  const send = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    await run(async () => {
      if (await onReply(text.trim())) setText("");
    });
  };
  const first = thread.comments[0];
  return (
    <section
      class={cx("pad-comment-card card", active && "is-active", thread.resolved && "is-resolved")}
      data-thread={thread.id}
      aria-labelledby={titleId}
      tabIndex={-1}
      onFocusCapture={onFocus}
      onClick={onFocus}
    >
      <h3 id={titleId} class="pad-comment-quote">
        <span class="visually-hidden">{t("pad.commentBy", { name: personName(t, first?.author.name ?? thread.author.name) })}: </span>
        {detached ? t("pad.commentOnDeleted", { quote: thread.quote }) : `“${thread.quote}”`}
      </h3>
      <ol class="pad-comment-msgs">
        {thread.comments.map((c) => (
          <li key={c.id} class="pad-comment-msg">
            <div class="pad-comment-meta">
              <Avatar name={c.author.name} color={c.author.color} size="sm" />
              <span class="pad-comment-name">{personName(t, c.author.name)}</span>
              <span class="pad-comment-time">{formatDateTime(lang, c.created_at)}</span>
              {!readonly && c.author.id === meId && c.text && editing?.id !== c.id && (
                <button
                  type="button"
                  class="icon-btn pad-comment-edit"
                  aria-label={t("pad.commentEdit")}
                  title={t("pad.commentEdit")}
                  onClick={() => setEditing({ id: c.id, text: c.text })}
                >
                  ✎
                </button>
              )}
              {!readonly && (c.author.id === meId || isOwner) && (
                <button
                  type="button"
                  class="icon-btn pad-comment-del"
                  aria-label={c.id === thread.id ? t("pad.commentDelete") : t("pad.commentDeleteReply")}
                  title={c.id === thread.id ? t("pad.commentDelete") : t("pad.commentDeleteReply")}
                  onClick={() => void (c.id === thread.id ? onDelete() : onDeleteComment(c.id))}
                >
                  ×
                </button>
              )}
            </div>
            {editing?.id === c.id ? (
              <form class="pad-comment-form" onSubmit={saveEdit}>
                <label class="visually-hidden" for={`${titleId}-edit`}>
                  {t("pad.commentEdit")}
                </label>
                <textarea
                  id={`${titleId}-edit`}
                  class="input"
                  rows={2}
                  maxLength={10000}
                  value={editing.text}
                  onInput={(e) => setEditing({ id: c.id, text: (e.currentTarget as HTMLTextAreaElement).value })}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void saveEdit(e);
                    if (e.key === "Escape") setEditing(null);
                  }}
                />
                <div class="pad-comment-actions">
                  <Button type="submit" size="sm" loading={busy} disabled={!editing.text.trim()}>
                    {t("common.save")}
                  </Button>
                  <Button variant="secondary" size="sm" onClick={() => setEditing(null)}>
                    {t("common.cancel")}
                  </Button>
                </div>
              </form>
            ) : (
              <p class={cx("pad-comment-text", !c.text && "muted")}>
                {c.text || t("pad.commentErased")}
                {c.text && c.edited_at && <span class="muted small"> {t("pad.commentEdited")}</span>}
              </p>
            )}
          </li>
        ))}
      </ol>
      {thread.resolved && thread.resolved_by && <p class="muted small pad-comment-resolved">{t("pad.commentResolvedBy", { name: personName(t, thread.resolved_by.name) })}</p>}
      {!readonly && (
        <>
          {!thread.resolved && (
            <form class="pad-comment-form" onSubmit={send}>
              <label class="visually-hidden" for={`${titleId}-reply`}>
                {t("pad.commentReply")}
              </label>
              <textarea
                id={`${titleId}-reply`}
                class="input"
                rows={1}
                maxLength={10000}
                value={text}
                placeholder={t("pad.commentReplyPlaceholder")}
                onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send(e);
                }}
              />
              {text.trim() && (
                <Button type="submit" size="sm" loading={busy}>
                  {t("pad.commentReply")}
                </Button>
              )}
            </form>
          )}
          <div class="pad-comment-actions">
            <Button variant="secondary" size="sm" onClick={() => void onResolve(!thread.resolved)}>
              {thread.resolved ? t("pad.commentReopen") : t("pad.commentResolve")}
            </Button>
          </div>
        </>
      )}
    </section>
  );
}
