// The right-hand panel: a thread (root, replies, its own composer, follow), the pinned messages
// of the channel, or search results. On a phone it covers the whole screen. Escape closes it.
import { useEffect, useRef } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { Button, EmptyState, Link, Spinner } from "../components/ui.tsx";
import { TypingLine } from "./channel.tsx";
import { Composer } from "./composer.tsx";
import { useChat } from "./ctx.tsx";
import { IconBack, IconClose } from "./icons.tsx";
import { PendingItem, PostItem, formatFull, snippet } from "./message.tsx";
import { channelLabel, permalinkHref, postAuthor } from "./names.ts";
import { highlightTerms, parseSearch } from "./search.ts";
import type { Panel, PinnedPanel, SearchPanel, ThreadPanel } from "./state.ts";
import { buildTimeline, lastOwnPost } from "./timeline.ts";

export function SidePanel({ panel, onClose, onFollow }: { panel: Panel; onClose: () => void; onFollow: (p: ThreadPanel, on: boolean) => void }) {
  const { t } = useApp();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      // Dialogs and menus handle their own Escape first.
      if (document.querySelector("dialog[open]")) return;
      onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const title = panel.kind === "thread" ? t("chat.thread") : panel.kind === "pinned" ? t("chat.pinnedMessages") : t("chat.searchResults");
  return (
    <aside class="chat-panel" ref={ref} aria-label={title}>
      <header class="chat-panel-head">
        <button type="button" class="icon-btn chat-panel-back" aria-label={t("chat.closePanel")} onClick={onClose}>
          <IconBack />
        </button>
        <h2 class="chat-panel-title">{title}</h2>
        {panel.kind === "thread" && panel.root && (
          <Button variant="ghost" size="sm" onClick={() => onFollow(panel, !panel.following)}>
            {panel.following ? t("chat.unfollow") : t("chat.follow")}
          </Button>
        )}
        <button type="button" class="icon-btn chat-panel-close" aria-label={t("chat.closePanel")} onClick={onClose}>
          <IconClose />
        </button>
      </header>
      {panel.kind === "thread" ? <ThreadBody panel={panel} /> : panel.kind === "pinned" ? <PinnedBody panel={panel} /> : <SearchBody panel={panel} />}
    </aside>
  );
}

function ThreadBody({ panel }: { panel: ThreadPanel }) {
  const { t } = useApp();
  const { store, meId, setEditing } = useChat();
  const scroller = useRef<HTMLDivElement>(null);
  const ch = store.state.channels[panel.channelId];
  const pending = store.state.pending.filter((p) => p.root_id === panel.rootId);
  const items = buildTimeline(panel.replies, pending, { meId, newAfter: null });
  const count = panel.replies.length;
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, pending.length, panel.root?.id]);
  if (!panel.root) return <Spinner label={t("app.loading")} />;
  const root = panel.root;
  return (
    <>
      <div class="chat-panel-scroll" ref={scroller}>
        {ch && <p class="chat-panel-context muted small">{t("chat.inChannel", { name: channelLabel(ch, meId, t) })}</p>}
        <ol class="chat-list">
          <PostItem post={root} continued={false} inThread />
          <li class="chat-thread-count">
            <span>{t(count === 1 ? "chat.replies.one" : "chat.replies.other", { count })}</span>
          </li>
          {items.map((it) =>
            it.kind === "post" ? (
              <PostItem key={it.key} post={it.post} continued={it.continued} inThread />
            ) : it.kind === "pending" ? (
              <PendingItem key={it.key} p={it.pending} continued={it.continued} />
            ) : null,
          )}
        </ol>
      </div>
      <TypingLine channelId={panel.channelId} rootId={panel.rootId} />
      {ch && !ch.archived && !root.deleted && (
        <Composer
          channelId={panel.channelId}
          rootId={panel.rootId}
          label={t("chat.replyLabel", { name: postAuthor(root, t).name })}
          placeholder={t("chat.replyPlaceholder")}
          onEditLast={() => {
            const p = lastOwnPost(panel.replies, meId, panel.rootId, true) ?? (root.user.id === meId && !root.deleted ? root : null);
            if (!p) return false;
            setEditing(`t:${p.id}`);
            return true;
          }}
        />
      )}
    </>
  );
}

function PinnedBody({ panel }: { panel: PinnedPanel }) {
  const { t } = useApp();
  if (!panel.posts) return <Spinner label={t("app.loading")} />;
  if (!panel.posts.length) return <EmptyState>{t("chat.noPinned")}</EmptyState>;
  return (
    <div class="chat-panel-scroll">
      <ol class="chat-list">
        {panel.posts.map((p) => (
          <PostItem key={p.id} post={p} continued={false} inThread />
        ))}
      </ol>
    </div>
  );
}

/** The text with the searched words marked (text nodes only: no HTML is built from strings). */
export function Marked({ text, terms }: { text: string; terms: string[] }) {
  if (!terms.length) return <>{text}</>;
  const re = new RegExp(`(${terms.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`, "gi");
  const parts = text.split(re);
  return <>{parts.map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part))}</>;
}

function SearchBody({ panel }: { panel: SearchPanel }) {
  const { t, lang } = useApp();
  const { team } = useChat();
  if (panel.error) return <p class="field-error chat-panel-pad">{errorText(t, panel.error)}</p>;
  if (!panel.posts) return <Spinner label={t("chat.searching")} />;
  const terms = highlightTerms(parseSearch(panel.query));
  return (
    <div class="chat-panel-scroll">
      <p class="chat-panel-context muted small" aria-live="polite">
        {t(panel.posts.length === 1 ? "chat.searchCount.one" : "chat.searchCount.other", { count: panel.posts.length, q: panel.query })}
      </p>
      {!panel.posts.length ? (
        <EmptyState>{t("chat.searchNone")}</EmptyState>
      ) : (
        <ol class="chat-results">
          {panel.posts.map((p) => (
            <li key={p.id} class="chat-result">
              <Link href={permalinkHref(team.name, p.id)} class="chat-result-link">
                <span class="chat-result-meta">
                  <span class="chat-result-channel">{p.channel?.display_name || p.channel?.name || ""}</span>
                  <time dateTime={p.created_at}>{formatFull(lang, p.created_at)}</time>
                </span>
                <span class="chat-result-author">{postAuthor(p, t).name}</span>
                <span class="chat-result-text">
                  <Marked text={snippet(p.text, 300)} terms={terms} />
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
