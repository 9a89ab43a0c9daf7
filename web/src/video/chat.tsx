// The in-call chat: messages to everyone, or privately to one participant.
import { useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { cx } from "../components/ui.tsx";
import type { VideoCall } from "./call.ts";
import { IconClose, IconSend } from "./icons.tsx";
import { CHAT_MAX } from "./signalling.ts";

function timeOf(lang: string, iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { timeStyle: "short" }).format(d);
}

export function ChatPanel({ call, onClose }: { call: VideoCall; onClose: () => void }) {
  const { t, lang } = useApp();
  const [text, setText] = useState("");
  const [to, setTo] = useState("");
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const others = call.others;
  const target = others.find((p) => p.id === to) ?? null;

  useEffect(() => {
    call.chatVisible = true;
    call.markChatRead();
    inputRef.current?.focus();
    return () => {
      call.chatVisible = false;
    };
  }, [call]);
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
    call.markChatRead();
  }, [call.chat.length]);
  // A private target who left: back to everyone.
  useEffect(() => {
    if (to && !target) setTo("");
  }, [to, target]);

  const send = () => {
    if (call.sendChat(text, target)) setText("");
  };

  return (
    <section class="video-panel video-chat" aria-labelledby="video-chat-title">
      <header class="video-panel-head">
        <h2 id="video-chat-title">{t("video.chat.title")}</h2>
        <button type="button" class="icon-btn" aria-label={t("video.panel.close")} title={t("video.panel.close")} onClick={onClose}>
          <IconClose size={18} />
        </button>
      </header>
      <ol class="video-chat-list" ref={listRef} aria-live="polite">
        {call.chat.length === 0 && <li class="video-chat-empty muted">{t("video.chat.empty")}</li>}
        {call.chat.map((l, i) => (
          <li key={i} class={cx("video-chat-line", l.mine && "is-mine", l.private && "is-private")} data-private={l.private ? "true" : undefined}>
            <div class="video-chat-meta">
              <strong>{l.mine ? t("video.chat.me") : l.from.name}</strong>
              {l.private && <span class="video-chat-private">{l.mine && l.to ? t("video.chat.privateTo", { name: l.to.name }) : t("video.chat.privateFrom")}</span>}
              <time dateTime={l.at}>{timeOf(lang, l.at)}</time>
            </div>
            <p class="video-chat-text">{l.text}</p>
          </li>
        ))}
      </ol>
      <form
        class="video-chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <div class="video-chat-to">
          <label for="video-chat-to">{t("video.chat.to")}</label>
          <select id="video-chat-to" class="select select-sm" value={to} onChange={(e) => setTo((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t("video.chat.everyone")}</option>
            {others.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div class="video-chat-compose">
          <textarea
            ref={inputRef}
            class="input video-chat-input"
            rows={2}
            maxLength={CHAT_MAX}
            aria-label={target ? t("video.chat.placeholderPrivate", { name: target.name }) : t("video.chat.placeholder")}
            placeholder={target ? t("video.chat.placeholderPrivate", { name: target.name }) : t("video.chat.placeholder")}
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                send();
              }
            }}
          />
          <button type="submit" class="btn btn-primary video-chat-send" disabled={!text.trim()} aria-label={t("video.chat.send")} title={t("video.chat.send")}>
            <IconSend size={18} />
          </button>
        </div>
      </form>
    </section>
  );
}
