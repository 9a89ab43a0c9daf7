// The collaborative editor (/p/:id): the pad, its people, sharing, history and chat panels. The
// pads list is pads/home.tsx, a lighter chunk.
import { personName } from "../people.ts";
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconChat, IconClose, IconDownload, IconLink, IconStar, IconUsers } from "../components/icons.tsx";
import { StarButton } from "../favourites.tsx";
import { Alert, Avatar, Badge, Button, CopyField, ErrorAlert, Link, Loading, PageHeader, TextField, cx, useConfirm } from "../components/ui.tsx";
import { formatDateTime, isMessageKey, type Translate } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { parseRuns, runsToRanges } from "./authorship.ts";
import { IMPORT_ACCEPT, importFormat, type ChatMessage } from "./chat.ts";
import { ChatPanel, storeChatOpen, storedChatOpen, usePadChat } from "./chat-panel.tsx";
import { CommentsColumn } from "./comments-panel.tsx";
import { authorClass } from "./colors.ts";
import { renderMarkdown } from "./markdown.ts";
import { PasswordGate, PasswordSettings, padRequestError } from "./password.tsx";
import { PadSession, type Author, type PadToast, type PadUi } from "./session.ts";
import { FormatToolbar, storeMode, storedMode, type EditMode } from "./toolbar.tsx";
import { postFile } from "./upload.ts";
import { FileButton } from "./file-button.tsx";
import { EmbedCode } from "../components/embed-code.tsx";
import { identity, type Me } from "./identity.ts";
import { ColorSwatches } from "../components/swatches.tsx";
import type { User } from "../types.ts";

/** A group pad's id, as Etherpad's API makes them: `g.<16 characters>$<name>`. */
export function isGroupPad(id: string): boolean {
  return /^g\.[^$]+\$./.test(id);
}

interface PadMeta {
  pad: { id: string; rev: number; readonly: boolean; readonly_id?: string; owner_id?: string | null; protected?: boolean };
}

interface RevisionInfo {
  rev: number;
  author_id: string;
  created_at: string;
  inserted: number;
  deleted: number;
}

interface RevisionText {
  rev: number;
  text: string;
  authorship: unknown;
  authors: Author[];
}

interface SavedRevision {
  rev: number;
  label: string;
  saved_by: string;
  created_at: string;
}

const enc = encodeURIComponent;

/** The translated text of an error code sent over the socket. */
export function padErrorText(t: Translate, code: string, message: string): string {
  const own = `padError.${code}`;
  if (isMessageKey(own)) return t(own);
  const general = `error.${code}`;
  if (isMessageKey(general)) return t(general);
  return message || t("error.internal");
}

// ---------------------------------------------------------------- /p/:id

type Panel = "people" | "share" | "history" | null;

interface ToastItem {
  id: number;
  text: string;
}

declare global {
  interface Window {
    /** The editor and the session, for tests. */
    __padView?: import("@codemirror/view").EditorView;
    __padSession?: PadSession;
  }
}

export function PadPage({ id }: { id: string }) {
  const { t, user, lang } = useApp();
  const readonly = id.startsWith("r-");
  useTitle(id);
  const [me, setMe] = useState<Me | null>(null);
  const [meta, setMeta] = useState<PadMeta | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [locked, setLocked] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [isProtected, setProtected] = useState(false);
  const [ui, setUi] = useState<PadUi | null>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const [chatOpen, setChatOpen] = useState(storedChatOpen);
  const [preview, setPreview] = useState(false);
  const [showAuthors, setShowAuthors] = useState(false);
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const [textTick, setTextTick] = useState(0);
  const [mode, setMode] = useState<EditMode>(storedMode);
  const [linkRequest, setLinkRequest] = useState(0);
  const hostRef = useRef<HTMLDivElement>(null);
  const sessionRef = useRef<PadSession | null>(null);
  const chatSink = useRef<((m: ChatMessage) => void) | null>(null);
  const commentSink = useRef<((ev: Record<string, unknown>) => void) | null>(null);
  const [commentRequest, setCommentRequest] = useState(0);
  const tRef = useRef(t);
  tRef.current = t;

  const toast = useCallback((text: string) => {
    const tid = Date.now() + Math.random();
    setToasts((list) => [...list.slice(-3), { id: tid, text }]);
    setTimeout(() => setToasts((list) => list.filter((x) => x.id !== tid)), 6000);
  }, []);

  // Identity (guests get a cookie) and the pad's existence, owner and read-only id. A protected pad
  // answers 403 password_required until this person gives the password.
  useEffect(() => {
    let alive = true;
    setMeta(null);
    setLoadError(null);
    (async () => {
      try {
        const who = await identity(user);
        if (!alive) return;
        setMe(who);
        // The text comes with the socket's state: not twice.
        const m = await api.get<PadMeta>(`/api/v1/pads/${enc(id)}?text=false`);
        if (!alive) return;
        setLocked(false);
        setProtected(!!m.pad.protected);
        setMeta(m);
      } catch (e) {
        if (!alive) return;
        if (e instanceof ApiError && e.code === "password_required") setLocked(true);
        else setLoadError(e);
      }
    })();
    return () => {
      alive = false;
    };
  }, [id, user?.id, attempt]);

  // The live session.
  const ready = !!meta;
  useEffect(() => {
    const host = hostRef.current;
    if (!me || !ready || !host) return;
    const session = new PadSession({
      parent: host,
      padId: id,
      readonly,
      me: { id: me.id, name: me.name, color: me.color },
      label: tRef.current("pad.editorLabel"),
      onUi: setUi,
      onToast: (x: PadToast) => toast(padErrorText(tRef.current, x.code, x.message)),
      onText: () => setTextTick((n) => n + 1),
      onChat: (m) => chatSink.current?.(m),
      onComment: (ev) => commentSink.current?.(ev),
      mode: storedMode(),
      onLinkRequest: () => setLinkRequest((n) => n + 1),
      t: (key, params) => tRef.current(key, params),
    });
    sessionRef.current = session;
    window.__padView = session.view;
    window.__padSession = session;
    return () => {
      session.destroy();
      sessionRef.current = null;
      setUi(null);
      if (window.__padView === session.view) window.__padView = undefined;
      if (window.__padSession === session) window.__padSession = undefined;
    };
  }, [me?.id, ready, id, readonly]);

  // The subscription was refused for want of the password (set while the pad was open).
  useEffect(() => {
    if (ui?.locked) {
      setMeta(null);
      setLocked(true);
    }
  }, [ui?.locked]);

  const chat = usePadChat({ id, enabled: ready, open: chatOpen, meId: me?.id ?? null, conn: ui?.conn ?? null });
  chatSink.current = chat.receive;

  const chooseMode = (m: EditMode) => {
    setMode(m);
    storeMode(m);
    sessionRef.current?.setMode(m);
  };

  const togglePanel = (p: Panel) => setPanel((cur) => (cur === p ? null : p));
  const toggleChat = (open: boolean) => {
    setChatOpen(open);
    storeChatOpen(open);
  };

  if (locked) {
    return <PasswordGate id={id} onUnlocked={() => setAttempt((n) => n + 1)} />;
  }

  if (loadError) {
    const missing = (loadError as { status?: number }).status === 404;
    // A group pad of Etherpad's API opens only with the session its site (Moodle, Nextcloud…) gave.
    const groupOnly = loadError instanceof ApiError && loadError.code === "forbidden" && isGroupPad(id);
    return (
      <div class="container page page-narrow">
        <PageHeader title={missing ? t("pad.notFound") : id} />
        {missing ? <Alert kind="warning">{t("pad.notFoundBody")}</Alert> : groupOnly ? <Alert kind="warning">{t("pad.groupOnly")}</Alert> : <ErrorAlert error={loadError} />}
        <Link href="/pads" class="btn btn-secondary">
          {t("pad.backToPads")}
        </Link>
      </div>
    );
  }

  const readonlyId = ui?.readonlyId ?? meta?.pad.readonly_id ?? null;
  const isOwner = !!me && !!meta && !readonly && (meta.pad.owner_id === me.id || !!user?.is_admin);
  const conn = ui?.conn ?? "connecting";

  return (
    <div class={cx("pad-page", panel && "has-panel", preview && "has-preview", chatOpen && "has-chat")}>
      <div class="pad-toolbar">
        <div class="pad-title">
          <h1 class="pad-name" title={id}>
            {id}
          </h1>
          <StarButton kind="pad" id={id} />
          {readonly && <Badge tone="warning">{t("pad.readonly")}</Badge>}
          {isProtected && <Badge tone="accent">{t("pad.protected")}</Badge>}
          <ConnBadge conn={conn} pending={!!ui?.pending} deleted={!!ui?.deleted} t={t} />
        </div>
        <div class="pad-actions" role="toolbar" aria-label={t("pad.toolbar")}>
          {!readonly && (
            <>
              <Button variant="ghost" size="sm" onClick={() => sessionRef.current?.undoCommand()} disabled={!ui?.canUndo} title={t("pad.undoHint")}>
                {t("pad.undo")}
              </Button>
              <Button variant="ghost" size="sm" onClick={() => sessionRef.current?.redoCommand()} disabled={!ui?.canRedo} title={t("pad.redoHint")}>
                {t("pad.redo")}
              </Button>
            </>
          )}
          {!readonly && (
            <Button variant="ghost" size="sm" class="pad-comment-button" title={t("pad.commentHint")} onMouseDown={(e: MouseEvent) => e.preventDefault()} onClick={() => setCommentRequest((n) => n + 1)}>
              {t("pad.comment")}
            </Button>
          )}
          <Button variant={showAuthors ? "secondary" : "ghost"} size="sm" aria-pressed={showAuthors ? "true" : "false"} onClick={() => setShowAuthors(!showAuthors)}>
            {t("pad.authorColors")}
          </Button>
          <Button variant={preview ? "secondary" : "ghost"} size="sm" aria-pressed={preview ? "true" : "false"} onClick={() => setPreview(!preview)}>
            {t("pad.preview")}
          </Button>
          <Button variant={panel === "people" ? "secondary" : "ghost"} size="sm" aria-expanded={panel === "people" ? "true" : "false"} aria-controls="pad-panel" onClick={() => togglePanel("people")}>
            <IconUsers size={16} />
            {t("pad.people", { count: ui?.people.length ?? 0 })}
          </Button>
          <Button variant={panel === "share" ? "secondary" : "ghost"} size="sm" aria-expanded={panel === "share" ? "true" : "false"} aria-controls="pad-panel" onClick={() => togglePanel("share")}>
            <IconLink size={16} />
            {t("pad.share")}
          </Button>
          <Button variant={panel === "history" ? "secondary" : "ghost"} size="sm" aria-expanded={panel === "history" ? "true" : "false"} aria-controls="pad-panel" onClick={() => togglePanel("history")}>
            {t("pad.history")}
          </Button>
          <Button variant={chatOpen ? "secondary" : "ghost"} size="sm" class="pad-chat-toggle" aria-expanded={chatOpen ? "true" : "false"} aria-controls="pad-chat" onClick={() => toggleChat(!chatOpen)}>
            <IconChat size={16} />
            {t("pad.chat")}
            {!chatOpen && chat.unread > 0 && (
              <span class="pad-unread" data-count={chat.unread}>
                <span aria-hidden="true">{chat.unread > 99 ? "99+" : chat.unread}</span>
                <span class="visually-hidden">{t("pad.chatUnread", { count: chat.unread })}</span>
              </span>
            )}
          </Button>
        </div>
      </div>
      {ui?.deleted && <Alert kind="error">{t("pad.deleted")}</Alert>}
      {ui?.notFound && <Alert kind="warning">{t("pad.notFoundBody")}</Alert>}
      <FormatToolbar session={sessionRef.current} mode={mode} onMode={chooseMode} readonly={readonly} formats={ui?.formats ?? []} linkRequest={linkRequest} t={t} />
      <div class="pad-body">
        <div class="pad-editor-row">
          <div class={cx("pad-editor-wrap", showAuthors && "pad-show-authors")}>
            {!ui?.loaded && !ui?.notFound && (
              <div class="pad-loading">
                <Loading />
              </div>
            )}
            <div ref={hostRef} class="pad-editor" />
          </div>
          <CommentsColumn
            id={id}
            session={sessionRef.current}
            loaded={!!ui?.loaded && ui.conn === "connected"}
            rev={ui?.rev ?? 0}
            readonly={readonly}
            meId={me?.id ?? null}
            isOwner={isOwner}
            sink={commentSink}
            request={commentRequest}
            tick={textTick}
            t={t}
            lang={lang}
            toast={toast}
          />
        </div>
        {preview && <Preview session={sessionRef.current} tick={textTick} t={t} />}
        {panel && (
          <aside id="pad-panel" class="pad-panel card" aria-label={t(`pad.panel.${panel}`)}>
            <header class="pad-panel-head">
              <h2 class="card-title">{t(`pad.panel.${panel}`)}</h2>
              <button type="button" class="icon-btn" onClick={() => setPanel(null)} aria-label={t("pad.closePanel")} title={t("pad.closePanel")}>
                <IconClose size={18} />
              </button>
            </header>
            {panel === "people" && me && <PeoplePanel ui={ui} me={me} readonly={readonly} session={sessionRef.current} onMe={setMe} toast={toast} />}
            {panel === "share" && (
              <SharePanel id={id} readonly={readonly} readonlyId={readonlyId} isOwner={isOwner} isProtected={isProtected} onProtected={setProtected} toast={toast} />
            )}
            {panel === "history" && <HistoryPanel id={id} readonly={readonly} headRev={ui?.rev ?? meta?.pad.rev ?? 0} authors={ui?.authors ?? {}} toast={toast} />}
          </aside>
        )}
        {chatOpen && <ChatPanel chat={chat} readonly={readonly} meId={me?.id ?? null} onClose={() => toggleChat(false)} />}
      </div>
      <div class="toasts" aria-live="polite" role="status">
        {toasts.map((x) => (
          <div key={x.id} class="toast">
            <span>{x.text}</span>
            <button type="button" class="icon-btn" aria-label={t("pad.dismiss")} onClick={() => setToasts((l) => l.filter((y) => y.id !== x.id))}>
              <IconClose size={16} />
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

function ConnBadge({ conn, pending, deleted, t }: { conn: PadUi["conn"]; pending: boolean; deleted: boolean; t: Translate }) {
  if (deleted) return null;
  const label = conn === "connected" ? (pending ? t("pad.saving") : t("pad.connected")) : t(`pad.conn.${conn}`);
  return (
    <span class={cx("pad-conn", `pad-conn-${conn}`)} data-state={conn} role="status" title={conn !== "connected" ? t("pad.offlineHint") : undefined}>
      <span class="pad-conn-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function Preview({ session, tick, t }: { session: PadSession | null; tick: number; t: Translate }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const timer = setTimeout(() => {
      if (ref.current && session) ref.current.innerHTML = renderMarkdown(session.text);
    }, 120);
    return () => clearTimeout(timer);
  }, [tick, session]);
  return (
    <section class="pad-preview card" aria-label={t("pad.preview")}>
      <div ref={ref} class="markdown" />
    </section>
  );
}

function PeoplePanel({ ui, me, readonly, session, onMe, toast }: { ui: PadUi | null; me: Me; readonly: boolean; session: PadSession | null; onMe: (m: Me) => void; toast: (s: string) => void }) {
  const { t, updateUser } = useApp();
  const [name, setName] = useState(me.name);
  const [color, setColor] = useState(me.color);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const people = ui?.people ?? [];

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { display_name: name.trim(), avatar_color: color };
      if (me.guest) {
        await api.patch("/api/v1/guest", body);
      } else {
        updateUser(await api.patch<User>("/api/v1/me", body));
      }
      // The socket carries the name and colour it had when it connected: reconnect.
      session?.renamed(body.display_name, color);
      session?.reconnect();
      toast(t("pad.nameSaved"));
      // Own name updated in place: the session keeps the same identity (and caret).
      onMe({ ...me, name: body.display_name, color });
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };

  return (
    <div class="stack">
      <ul class="pad-people">
        {people.map((p) => (
          <li key={p.id} class="pad-person">
            <Avatar name={p.name} color={p.color} size="sm" />
            <span class="pad-person-name">{p.name}</span>
            {p.id === me.id && <Badge tone="accent">{t("pad.you")}</Badge>}
            {p.guest && p.id !== me.id && <Badge>{t("pad.guest")}</Badge>}
          </li>
        ))}
      </ul>
      {!readonly && (
        <form class="form" onSubmit={save}>
          <TextField label={t("pad.yourName")} name="display_name" value={name} onValue={setName} maxLength={64} required autocomplete="nickname" />
          <ColorSwatches legend={t("pad.yourColor")} name="pad_color" value={color} onChange={setColor} />
          <ErrorAlert error={error} />
          <div class="form-actions">
            <Button type="submit" size="sm" loading={busy}>
              {t("common.save")}
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}

function SharePanel({
  id,
  readonly,
  readonlyId,
  isOwner,
  isProtected,
  onProtected,
  toast,
}: {
  id: string;
  readonly: boolean;
  readonlyId: string | null;
  isOwner: boolean;
  isProtected: boolean;
  onProtected: (p: boolean) => void;
  toast: (s: string) => void;
}) {
  const { t } = useApp();
  const [dialog, confirm] = useConfirm();
  const [busy, setBusy] = useState(false);
  const [importing, setImporting] = useState(false);
  const [importError, setImportError] = useState<string | null>(null);
  const origin = location.origin;
  const remove = async () => {
    const ok = await confirm({ title: t("pad.deleteConfirm"), body: t("pad.deleteBody"), confirmLabel: t("pad.delete"), danger: true });
    if (!ok) return;
    setBusy(true);
    try {
      await api.del(`/api/v1/pads/${enc(id)}`);
      navigate("/pads");
    } catch (e) {
      toast(errorText(t, e));
      setBusy(false);
    }
  };
  const importFile = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    setImportError(null);
    const format = importFormat(file.name, file.type);
    if (!format) {
      setImportError(t("pad.importFormat"));
      return;
    }
    const ok = await confirm({ title: t("pad.importConfirm", { name: file.name }), body: t("pad.importBody"), confirmLabel: t("pad.importReplace"), danger: true });
    if (!ok) return;
    setImporting(true);
    try {
      const res = await postFile<{ rev: number }>(`/api/v1/pads/${enc(id)}/import?format=${format}`, file);
      toast(t("pad.imported", { rev: res.rev }));
    } catch (err) {
      setImportError(err instanceof ApiError && err.code === "validation_failed" ? t("pad.importInvalid") : padRequestError(t, err));
    }
    setImporting(false);
  };
  return (
    <div class="stack">
      {!readonly && <CopyField label={t("pad.editLink")} value={`${origin}/p/${id}`} />}
      {readonlyId && <CopyField label={t("pad.readonlyLink")} value={`${origin}/p/${readonlyId}`} />}
      <EmbedCode path={`/p/${enc(id)}`} title={id} />
      <div>
        <p class="field-label">{t("pad.export")}</p>
        <div class="pad-export">
          {(["txt", "md", "html", "docx", "odt", "etherpad"] as const).map((f) => (
            <a key={f} class="btn btn-secondary btn-sm" href={`/api/v1/pads/${enc(id)}/export?format=${f}`} download>
              <IconDownload size={16} />
              {t(`pad.export.${f}`)}
            </a>
          ))}
          <a class="btn btn-secondary btn-sm" href={`/api/v1/pads/${enc(id)}/export?format=html&print=1`} target="_blank" rel="noopener">
            {t("pad.export.print")}
          </a>
        </div>
      </div>
      {!readonly && (
        <div>
          <p class="field-label">{t("pad.import")}</p>
          <FileButton label={t("pad.importFile")} accept={IMPORT_ACCEPT} busy={importing} onChange={importFile} />
          <p class="field-hint">{t("pad.importHint")}</p>
          {importError && (
            <Alert kind="error" class="pad-import-error">
              {importError}
            </Alert>
          )}
        </div>
      )}
      {isOwner ? (
        <PasswordSettings id={id} isProtected={isProtected} onChange={onProtected} toast={toast} />
      ) : (
        isProtected && <p class="muted small">{t("pad.passwordOn")}</p>
      )}
      {isOwner && (
        <div>
          <Button variant="danger" size="sm" onClick={remove} loading={busy}>
            {t("pad.delete")}
          </Button>
        </div>
      )}
      {dialog}
    </div>
  );
}

function HistoryPanel({ id, readonly, headRev, authors, toast }: { id: string; readonly: boolean; headRev: number; authors: Record<string, Author>; toast: (s: string) => void }) {
  const { t, lang } = useApp();
  const [rev, setRev] = useState(headRev);
  const [follow, setFollow] = useState(true);
  const [shown, setShown] = useState<RevisionText | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [list, setList] = useState<RevisionInfo[]>([]);
  const [playing, setPlaying] = useState(false);
  const [dialog, confirm] = useConfirm();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<SavedRevision[]>([]);
  const [savedTick, setSavedTick] = useState(0);
  const [saving, setSaving] = useState(false);
  const [label, setLabel] = useState("");
  const [saveBusy, setSaveBusy] = useState(false);

  // Saved (starred) revisions.
  useEffect(() => {
    let alive = true;
    api.get<SavedRevision[]>(`/api/v1/pads/${enc(id)}/saved-revisions`).then(
      (l) => alive && setSaved(Array.isArray(l) ? l : []),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [id, savedTick]);

  const jump = (r: number) => {
    setPlaying(false);
    setFollow(r >= headRev);
    setRev(r);
  };

  const saveRevision = async (e: Event) => {
    e.preventDefault();
    setSaveBusy(true);
    try {
      const s = await api.post<SavedRevision>(`/api/v1/pads/${enc(id)}/saved-revisions`, { rev, label: label.trim() });
      toast(t("pad.revisionSaved", { rev: s.rev }));
      setSaving(false);
      setLabel("");
      setSavedTick((n) => n + 1);
    } catch (err) {
      toast(errorText(t, err));
    }
    setSaveBusy(false);
  };

  // Follow the newest revision until the user moves the slider.
  useEffect(() => {
    if (follow) setRev(headRev);
  }, [headRev, follow]);

  // Revision list, newest first; older pages as the slider goes back.
  useEffect(() => {
    let alive = true;
    api.get<RevisionInfo[]>(`/api/v1/pads/${enc(id)}/revisions?limit=100`).then(
      (l) => alive && setList(l),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [id, headRev]);
  const oldest = list.length ? list[list.length - 1]!.rev : 0;
  useEffect(() => {
    if (!list.length || rev >= oldest || oldest <= 1) return;
    let alive = true;
    api.get<RevisionInfo[]>(`/api/v1/pads/${enc(id)}/revisions?before=${oldest}&limit=100`).then(
      (more) => alive && more.length && setList((l) => [...l, ...more.filter((m) => m.rev < oldest)]),
      () => {},
    );
    return () => {
      alive = false;
    };
  }, [rev, oldest, id, list.length]);

  // The text at the chosen revision.
  useEffect(() => {
    let alive = true;
    const timer = setTimeout(() => {
      api.get<RevisionText>(`/api/v1/pads/${enc(id)}/revisions/${rev}`).then(
        (r) => {
          if (!alive) return;
          setShown(r);
          setError(null);
        },
        (e) => alive && setError(e),
      );
    }, 80);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [id, rev]);

  // Play: one revision every 250 ms up to the newest.
  useEffect(() => {
    if (!playing) return;
    if (rev >= headRev) {
      setPlaying(false);
      return;
    }
    const timer = setTimeout(() => setRev((r) => Math.min(headRev, r + 1)), 250);
    return () => clearTimeout(timer);
  }, [playing, rev, headRev]);

  const info = list.find((r) => r.rev === rev);
  const allAuthors = useMemo(() => {
    const m: Record<string, Author> = { ...authors };
    for (const a of shown?.authors ?? []) if (!m[a.id]) m[a.id] = a;
    return m;
  }, [authors, shown]);
  const ranges = useMemo(() => (shown ? runsToRanges(shown.text, parseRuns(shown.authorship)) : []), [shown]);
  // Who has text in the pad at this revision, in the order their text first appears (as
  // Etherpad's timeslider lists them).
  const present = useMemo(() => [...new Set(ranges.map((r) => r.author).filter((a) => a))], [ranges]);
  const spans = useMemo(() => {
    if (!shown) return [] as ComponentChildren[];
    const out: ComponentChildren[] = [];
    let pos = 0;
    for (const r of ranges) {
      if (r.from > pos) out.push(shown.text.slice(pos, r.from));
      const a = allAuthors[r.author];
      out.push(
        <span key={r.from} class={authorClass(r.author, a?.color)} title={a ? personName(t, a.name) : undefined}>
          {shown.text.slice(r.from, r.to)}
        </span>,
      );
      pos = r.to;
    }
    if (pos < shown.text.length) out.push(shown.text.slice(pos));
    return out;
  }, [shown, ranges, allAuthors]);

  const restore = async () => {
    const ok = await confirm({ title: t("pad.restoreConfirm", { rev }), body: t("pad.restoreBody"), confirmLabel: t("pad.restore") });
    if (!ok) return;
    setBusy(true);
    try {
      await api.post(`/api/v1/pads/${enc(id)}/restore`, { rev });
      toast(t("pad.restored", { rev }));
      setFollow(true);
    } catch (e) {
      toast(errorText(t, e));
    }
    setBusy(false);
  };

  const author = info ? allAuthors[info.author_id] : undefined;
  return (
    <div class="stack pad-history">
      <div class="pad-slider">
        <Button variant="secondary" size="sm" onClick={() => {
          if (!playing && rev >= headRev) setRev(0);
          setFollow(false);
          setPlaying(!playing);
        }} aria-pressed={playing ? "true" : "false"}>
          {playing ? t("pad.pause") : t("pad.play")}
        </Button>
        <label class="visually-hidden" for="pad-rev">
          {t("pad.revision")}
        </label>
        <div class="pad-range-wrap">
          <input
            id="pad-rev"
            class="pad-range"
            type="range"
            min={0}
            max={headRev}
            step={1}
            value={rev}
            onInput={(e) => jump(Number((e.currentTarget as HTMLInputElement).value))}
          />
          {headRev > 0 && saved.length > 0 && (
            <div class="pad-range-marks" aria-hidden="true">
              {saved
                .filter((s) => s.rev <= headRev)
                .map((s) => (
                  <span
                    key={s.rev}
                    class={cx("pad-range-mark", s.rev === rev && "is-current")}
                    title={t("pad.savedMark", { rev: s.rev, label: s.label })}
                    style={{ left: `calc(8px + (100% - 16px) * ${s.rev / headRev})` }}
                    onClick={() => jump(s.rev)}
                  />
                ))}
            </div>
          )}
        </div>
      </div>
      <p class="pad-rev-meta">
        <strong>{t("pad.revisionOf", { rev, head: headRev })}</strong>
        {info && (
          <span class="muted small">
            {" · "}
            {author ? personName(t, author.name) : "?"}
            {" · "}
            {formatDateTime(lang, info.created_at)}
          </span>
        )}
      </p>
      {present.length > 0 && (
        <div class="pad-ts-authors">
          <span class="muted small">{t("pad.authorsAt")}</span>
          <ul class="pad-ts-author-list" aria-label={t("pad.authorsAt")}>
            {present.map((id) => {
              const a = allAuthors[id];
              return (
                <li key={id} class="pad-ts-author">
                  <Avatar name={a?.name ?? "?"} color={a?.color ?? "#888888"} size="sm" />
                  <span class="pad-ts-author-name">{a ? personName(t, a.name) : "?"}</span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <ErrorAlert error={error} />
      <pre class="pad-ts-text pad-show-authors" aria-label={t("pad.revisionText", { rev })} data-rev={shown?.rev}>
        {shown ? spans : null}
      </pre>
      <div class="pad-export">
        <a class="btn btn-secondary btn-sm" href={`/api/v1/pads/${enc(id)}/export?format=txt&rev=${rev}`} download>
          <IconDownload size={16} />
          {t("pad.exportRevision")}
        </a>
        {!readonly && (
          <Button variant="secondary" size="sm" onClick={restore} loading={busy} disabled={rev >= headRev}>
            {t("pad.restore")}
          </Button>
        )}
        {!readonly && !saving && (
          <Button variant="secondary" size="sm" onClick={() => setSaving(true)}>
            <IconStar size={16} />
            {t("pad.saveRevision")}
          </Button>
        )}
      </div>
      {!readonly && saving && (
        <form class="form pad-save-form" onSubmit={saveRevision}>
          <TextField
            label={t("pad.saveRevisionLabel", { rev })}
            optional
            name="revision-label"
            value={label}
            onValue={setLabel}
            maxLength={200}
            autocomplete="off"
            placeholder={t("pad.saveRevisionPlaceholder")}
          />
          <div class="form-actions">
            <Button type="submit" size="sm" loading={saveBusy}>
              <IconStar size={16} />
              {t("pad.saveRevisionConfirm", { rev })}
            </Button>
            <Button variant="ghost" size="sm" onClick={() => setSaving(false)}>
              {t("common.cancel")}
            </Button>
          </div>
        </form>
      )}
      <section class="pad-section" aria-labelledby="pad-saved-title">
        <h3 class="pad-section-title" id="pad-saved-title">
          {t("pad.savedRevisions")}
        </h3>
        {saved.length === 0 ? (
          <p class="muted small">{t("pad.savedRevisionsEmpty")}</p>
        ) : (
          <ul class="pad-saved-list">
            {[...saved].reverse().map((s) => (
              <li key={s.rev}>
                <button type="button" class={cx("pad-saved", s.rev === rev && "is-current")} onClick={() => jump(s.rev)} aria-current={s.rev === rev ? "true" : undefined}>
                  <IconStar size={16} />
                  <span class="pad-saved-main">
                    <span class="pad-saved-label">{s.label}</span>
                    <span class="muted small">
                      {t("pad.savedMeta", { rev: s.rev, name: s.saved_by, date: formatDateTime(lang, s.created_at) ?? "" })}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {dialog}
    </div>
  );
}
