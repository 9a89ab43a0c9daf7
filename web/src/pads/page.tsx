// The collaborative editor (/p/:id): the pad, its people, sharing, history and chat panels. The
// pads list is pads/home.tsx, a lighter chunk.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconChat, IconClose, IconLink, IconUsers } from "../components/icons.tsx";
import { StarButton } from "../favourites.tsx";
import { Alert, Badge, Button, ErrorAlert, Link, Loading, PageHeader, cx } from "../components/ui.tsx";
import { isMessageKey, type Translate } from "../i18n/index.ts";
import { type ChatMessage } from "./chat.ts";
import { ChatPanel, storeChatOpen, storedChatOpen, usePadChat } from "./chat-panel.tsx";
import { CommentsColumn } from "./comments-panel.tsx";
import { renderMarkdown } from "./markdown.ts";
import { PadPasswordGate } from "./password.tsx";
import { PadSession, type PadToast, type PadUi } from "./session.ts";
import { FormatToolbar, storeMode, storedMode, type EditMode } from "./toolbar.tsx";
import { identity, type Me } from "./identity.ts";
import { type PadMeta, isGroupPad, isReadOnlyPad, padsApi } from "./api.ts";
import { dropEarlyPad, takeEarlyMeta } from "./early.ts";
import { HistoryPanel } from "./history-panel.tsx";
import { PeoplePanel, SharePanel } from "./panels.tsx";

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
  const readonly = isReadOnlyPad(id);
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
  const [toolbarRequest, setToolbarRequest] = useState(0);
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
        // What the boot started was asked as the signed-in person: a guest's page asks again.
        let early: Promise<PadMeta> | null = null;
        if (user) early = takeEarlyMeta(id);
        else dropEarlyPad(id);
        const who = await identity(user);
        if (!alive) return;
        setMe(who);
        // The text comes with the socket's state: not twice.
        const m = await (early ?? padsApi.meta(id));
        if (!alive) return;
        setLocked(false);
        setProtected(!!m.pad.protected);
        setMeta(m);
      } catch (e) {
        // What the boot opened for this pad is no use now (refused, or gone): a retry or the
        // password opens the pad's own.
        dropEarlyPad(id);
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
      onToolbarRequest: () => setToolbarRequest((n) => n + 1),
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
    return <PadPasswordGate id={id} onUnlocked={() => setAttempt((n) => n + 1)} />;
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
            <Button
              variant="ghost"
              size="sm"
              class="pad-comment-button"
              title={t("pad.commentHint")}
              onMouseDown={(e: MouseEvent) => e.preventDefault()}
              onClick={() => setCommentRequest((n) => n + 1)}
            >
              {t("pad.comment")}
            </Button>
          )}
          <Button variant={showAuthors ? "secondary" : "ghost"} size="sm" aria-pressed={showAuthors ? "true" : "false"} onClick={() => setShowAuthors(!showAuthors)}>
            {t("pad.authorColors")}
          </Button>
          <Button variant={preview ? "secondary" : "ghost"} size="sm" aria-pressed={preview ? "true" : "false"} onClick={() => setPreview(!preview)}>
            {t("pad.preview")}
          </Button>
          <Button
            variant={panel === "people" ? "secondary" : "ghost"}
            size="sm"
            aria-expanded={panel === "people" ? "true" : "false"}
            aria-controls="pad-panel"
            onClick={() => togglePanel("people")}
          >
            <IconUsers size={16} />
            {t("pad.people", { count: ui?.people.length ?? 0 })}
          </Button>
          <Button
            variant={panel === "share" ? "secondary" : "ghost"}
            size="sm"
            aria-expanded={panel === "share" ? "true" : "false"}
            aria-controls="pad-panel"
            onClick={() => togglePanel("share")}
          >
            <IconLink size={16} />
            {t("pad.share")}
          </Button>
          <Button
            variant={panel === "history" ? "secondary" : "ghost"}
            size="sm"
            aria-expanded={panel === "history" ? "true" : "false"}
            aria-controls="pad-panel"
            onClick={() => togglePanel("history")}
          >
            {t("pad.history")}
          </Button>
          <Button
            variant={chatOpen ? "secondary" : "ghost"}
            size="sm"
            class="pad-chat-toggle"
            aria-expanded={chatOpen ? "true" : "false"}
            aria-controls="pad-chat"
            onClick={() => toggleChat(!chatOpen)}
          >
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
      <FormatToolbar
        session={sessionRef.current}
        mode={mode}
        onMode={chooseMode}
        readonly={readonly}
        formats={ui?.formats ?? []}
        onImage={!!ui?.onImage}
        linkRequest={linkRequest}
        toolbarRequest={toolbarRequest}
        t={t}
      />
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
