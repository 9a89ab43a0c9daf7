// The pad chat: a side panel (collapsible, the choice kept in localStorage), as in Etherpad.
// History over HTTP (oldest first, older pages on scroll-up), live messages from the pad's socket,
// sending over HTTP. Messages are plain text: rendered as text nodes, never as HTML.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useSubmit } from "../hooks/submit.ts";
import { api, errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { IconClose } from "../components/icons.tsx";
import { Button, ErrorAlert, Loading } from "../components/ui.tsx";
import { getItem, setItem } from "../storage.ts";
import { chatTime } from "../format.ts";
import { mergeChat, readChatMessage, type ChatMessage } from "./chat.ts";
import type { ConnState } from "../realtime.ts";
import { authorClass } from "./colors.ts";
import { personName } from "../people.ts";

const PAGE = 50;
const OPEN_KEY = "nichoir.pad.chat";
const enc = encodeURIComponent;

export function storedChatOpen(): boolean {
  return getItem(OPEN_KEY) === "open";
}

export function storeChatOpen(open: boolean): void {
  setItem(OPEN_KEY, open ? "open" : "closed");
}

export interface PadChat {
  messages: ChatMessage[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadingOlder: boolean;
  unread: number;
  /** Feed for the session's live `chat` events. */
  receive: (m: ChatMessage) => void;
  loadOlder: () => void;
  send: (text: string) => Promise<void>;
}

/**
 * The chat of pad `id`: loads the newest page once `enabled`, merges live messages, reloads the
 * newest page after a reconnection (messages sent meanwhile), counts unread messages while `open`
 * is false.
 */
export function usePadChat({ id, enabled, open, meId, conn }: { id: string; enabled: boolean; open: boolean; meId: string | null; conn: ConnState | null }): PadChat {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [unread, setUnread] = useState(0);
  const openRef = useRef(open);
  openRef.current = open;
  const meRef = useRef(meId);
  meRef.current = meId;
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const fetchPage = useCallback(
    async (before: number | null): Promise<ChatMessage[]> => {
      const q = before === null ? `limit=${PAGE}` : `before=${before}&limit=${PAGE}`;
      const list = await api.get<unknown[]>(`/api/v1/pads/${enc(id)}/chat?${q}`);
      return (Array.isArray(list) ? list : []).map(readChatMessage).filter((m): m is ChatMessage => m !== null);
    },
    [id],
  );

  const loadNewest = useCallback(
    (first: boolean) => {
      fetchPage(null).then(
        (list) => {
          if (!alive.current) return;
          setMessages((cur) => mergeChat(cur, list));
          if (first) setHasMore(list.length >= PAGE);
          setError(null);
          setLoading(false);
        },
        (e) => {
          if (!alive.current) return;
          setError(e);
          setLoading(false);
        },
      );
    },
    [fetchPage],
  );

  useEffect(() => {
    setMessages([]);
    setUnread(0);
    setLoading(true);
    if (enabled) loadNewest(true);
  }, [enabled, loadNewest]);

  // Back online after a disconnection: fetch what was said meanwhile.
  const lastConn = useRef<ConnState | null>(null);
  useEffect(() => {
    const was = lastConn.current;
    lastConn.current = conn;
    if (enabled && conn === "connected" && was !== null && was !== "connected" && was !== "connecting") loadNewest(false);
  }, [conn, enabled, loadNewest]);

  useEffect(() => {
    if (open) setUnread(0);
  }, [open]);

  const receive = useCallback((m: ChatMessage) => {
    setMessages((cur) => (cur.some((x) => x.id === m.id) ? cur : mergeChat(cur, [m])));
    if (!openRef.current && m.author_id !== meRef.current) setUnread((n) => n + 1);
  }, []);

  const oldest = messages.length ? messages[0]!.id : null;
  const loadOlder = useCallback(() => {
    if (loadingOlder || !hasMore || oldest === null) return;
    setLoadingOlder(true);
    fetchPage(oldest).then(
      (list) => {
        if (!alive.current) return;
        setMessages((cur) => mergeChat(cur, list));
        setHasMore(list.length >= PAGE);
        setLoadingOlder(false);
      },
      (e) => {
        if (!alive.current) return;
        setError(e);
        setLoadingOlder(false);
      },
    );
  }, [fetchPage, hasMore, loadingOlder, oldest]);

  const send = useCallback(
    async (text: string) => {
      const m = readChatMessage(await api.post<unknown>(`/api/v1/pads/${enc(id)}/chat`, { text }));
      if (m && alive.current) setMessages((cur) => mergeChat(cur, [m]));
    },
    [id],
  );

  return { messages, loading, error, hasMore, loadingOlder, unread, receive, loadOlder, send };
}

export function ChatPanel({ chat, readonly, meId, onClose }: { chat: PadChat; readonly: boolean; meId: string | null; onClose: () => void }) {
  const { t, lang } = useApp();
  const [text, setText] = useState("");
  const { busy, error: sendError, run } = useSubmit((err) => errorText(t, err));
  const [now, setNow] = useState(() => new Date());
  const listRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prevHeight = useRef<number | null>(null);
  const prevFirst = useRef<number | null>(null);

  // Relative times move on.
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);

  // Keep the view: at the bottom when it was (new messages), in place when older ones are added on top.
  const first = chat.messages.length ? chat.messages[0]!.id : null;
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    if (prevHeight.current !== null && prevFirst.current !== null && first !== null && first < prevFirst.current && !atBottom.current) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prevHeight.current = el.scrollHeight;
    prevFirst.current = first;
  }, [chat.messages, first, chat.loading]);

  const onScroll = () => {
    const el = listRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    prevHeight.current = el.scrollHeight;
    if (el.scrollTop < 40 && chat.hasMore && !chat.loadingOlder) chat.loadOlder();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const value = text.trim();
    if (!value || busy) return;
    await run(async () => {
      atBottom.current = true;
      await chat.send(value);
      setText("");
    });
  };

  return (
    <aside id="pad-chat" class="pad-chat card" aria-label={t("pad.chat")}>
      <header class="pad-panel-head">
        <h2 class="card-title">{t("pad.chat")}</h2>
        <button type="button" class="icon-btn" onClick={onClose} aria-label={t("pad.chatClose")} title={t("pad.chatClose")}>
          <IconClose size={18} />
        </button>
      </header>
      <div ref={listRef} class="pad-chat-list" role="log" aria-live="polite" aria-label={t("pad.chatLog")} onScroll={onScroll} tabIndex={0}>
        <ol class="pad-chat-items">
          {chat.hasMore && (
            <li class="pad-chat-more">
              <Button variant="ghost" size="sm" onClick={chat.loadOlder} loading={chat.loadingOlder}>
                {t("pad.chatOlder")}
              </Button>
            </li>
          )}
          {chat.loading ? (
            <li>
              <Loading />
            </li>
          ) : chat.messages.length === 0 && !chat.error ? (
            <li class="pad-chat-empty muted small">{t("pad.chatEmpty")}</li>
          ) : (
            chat.messages.map((m) => (
              <li key={m.id} class="pad-chat-msg" data-id={m.id}>
                <div class="pad-chat-meta">
                  <span class={`pad-chat-name ${authorClass(m.author_id, m.color)}`}>{personName(t, m.name)}</span>
                  {m.author_id === meId && <span class="muted small">({t("pad.you")})</span>}
                  <time class="pad-chat-time" dateTime={m.created_at} title={new Date(m.created_at).toLocaleString(lang === "fr" ? "fr-FR" : "en-GB")}>
                    {chatTime(lang, m.created_at, now)}
                  </time>
                </div>
                <p class="pad-chat-text">{m.text}</p>
              </li>
            ))
          )}
        </ol>
      </div>
      <ErrorAlert error={chat.error} />
      {readonly ? (
        <p class="muted small pad-chat-note">{t("pad.chatReadonly")}</p>
      ) : (
        <form class="pad-chat-form" onSubmit={submit}>
          <label class="visually-hidden" for="pad-chat-input">
            {t("pad.chatMessage")}
          </label>
          <input
            id="pad-chat-input"
            class="input"
            name="chat"
            value={text}
            maxLength={4000}
            autocomplete="off"
            placeholder={t("pad.chatPlaceholder")}
            onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          />
          <Button type="submit" size="sm" loading={busy} disabled={!text.trim()}>
            {t("pad.chatSend")}
          </Button>
          {sendError && (
            <p class="field-error pad-chat-error" role="alert">
              {sendError}
            </p>
          )}
        </form>
      )}
    </aside>
  );
}
