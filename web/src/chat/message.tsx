// One message of the list (and of the thread panel): author, time, the server's sanitised HTML,
// edited marker, reactions, reply count, the hover actions, inline editing; pending local copies.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { ApiError } from "../api.ts";
import { IconPad, IconPoll, IconVideo, IconWiki } from "../components/icons.tsx";
import { chatApi } from "./api.ts";
import { formatSize } from "./composer.tsx";
import { useApp } from "../context.tsx";
import { Avatar, cx } from "../components/ui.tsx";
import type { Lang } from "../i18n/index.ts";
import { useChat } from "./ctx.tsx";
import { EMOJI, emojiChar, emojiName } from "./emoji.ts";
import { IconDots, IconEdit, IconFile, IconLink, IconPin, IconReply, IconSmile, IconTrash } from "./icons.tsx";
import { Lightbox, type LightboxEntry, imagesAround, thumbnailRef } from "./lightbox.tsx";
import { postAuthor, userName } from "./names.ts";
import { mentionsMe } from "./state.ts";
import type { LinkPreview, PendingPost, Post, Reaction } from "./types.ts";
import { personName } from "../people.ts";

/** The files of a message: images as their thumbnail (opening the image viewer), the others as a link. */
function Files({ post }: { post: Post }) {
  const { t, lang } = useApp();
  const [viewer, setViewer] = useState<{ entries: LightboxEntry[]; index: number } | null>(null);
  const files = post.files ?? [];
  const author = postAuthor(post, t).name;
  const postedLabel = formatFull(lang, post.created_at);
  return (
    <>
      <ul class="chat-files" aria-label={t("chat.file.list")}>
        {files.map((f) => (
          <li key={f.id} class="chat-file">
            {f.thumbnail_url ? (
              <a
                href={f.url}
                class="chat-file-image"
                data-lightbox={f.id}
                aria-haspopup="dialog"
                aria-label={t("chat.lightbox.open", { name: f.name })}
                ref={thumbnailRef({
                  id: f.id,
                  name: f.name,
                  size: f.size,
                  url: f.url,
                  width: f.width ?? null,
                  height: f.height ?? null,
                  author,
                  postedAt: post.created_at,
                  postedLabel,
                })}
                onClick={(e) => {
                  // A click with a modifier keeps the browser's meaning (a new tab, a download).
                  if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
                  e.preventDefault();
                  const found = imagesAround(e.currentTarget as HTMLElement);
                  if (found.entries.length) setViewer(found);
                }}
              >
                <img src={f.thumbnail_url} alt={f.name} loading="lazy" width={f.width ?? undefined} height={f.height ?? undefined} />
              </a>
            ) : (
              <a href={f.url} target="_blank" rel="noopener" class="chat-file-link" download={f.name}>
                <IconFile size={16} />
                <span class="chat-file-name">{f.name}</span>
                <span class="muted">{formatSize(f.size)}</span>
              </a>
            )}
          </li>
        ))}
      </ul>
      {viewer && <Lightbox entries={viewer.entries} start={viewer.index} onClose={() => setViewer(null)} />}
    </>
  );
}

/** Link previews, per href, for the whole page's life (a 404 — no card — is kept as null). */
const previews = new Map<string, Promise<LinkPreview | null>>();

/** The previews already answered: a message drawn after they came shows its cards at once. */
const answered = new Map<string, LinkPreview | null>();

function fetchPreview(href: string): Promise<LinkPreview | null> {
  let p = previews.get(href);
  if (!p) {
    p = chatApi.preview(href).then((card) => {
      answered.set(href, card);
      return card;
    });
    p = p.catch((e) => {
      // No card for this link (not found, not readable, another host): silently none.
      if (e instanceof ApiError && e.status === 404) return null;
      previews.delete(href);
      return null;
    });
    previews.set(href, p);
  }
  return p;
}

/** The same-origin links of a message's HTML to a pad, a poll or a wiki page (at most 3). */
function previewLinks(html: string): string[] {
  if (!html.includes("href")) return [];
  const doc = new DOMParser().parseFromString(html, "text/html");
  const out: string[] = [];
  for (const a of Array.from(doc.querySelectorAll("a[href]"))) {
    let u: URL;
    try {
      u = new URL(a.getAttribute("href") ?? "", location.origin);
    } catch {
      continue;
    }
    if (u.origin !== location.origin) continue;
    if (!/^\/(p|poll|w)\//.test(u.pathname)) continue;
    if (!out.includes(u.href)) out.push(u.href);
    if (out.length >= 3) break;
  }
  return out;
}

/**
 * Fetches the link cards of messages about to be shown (a channel's first page waits for them, a
 * little): cards filling in after the messages are drawn would push them down under the reader.
 */
export function prefetchPreviews(htmls: string[]): Promise<void> {
  const links = new Set(htmls.flatMap(previewLinks));
  return Promise.all([...links].map(fetchPreview)).then(() => undefined);
}

const knownCards = (links: string[]) => links.map((l) => answered.get(l)).filter((c): c is LinkPreview => !!c);

function LinkCards({ html }: { html: string }) {
  const links = useMemo(() => previewLinks(html), [html]);
  const [cards, setCards] = useState<LinkPreview[]>(() => knownCards(links));
  useEffect(() => {
    let alive = true;
    if (links.length === 0) {
      setCards([]);
      return;
    }
    Promise.all(links.map(fetchPreview)).then((list) => {
      if (alive) setCards(list.filter((c): c is LinkPreview => c !== null));
    });
    return () => {
      alive = false;
    };
  }, [links.join(" ")]);
  if (cards.length === 0) return null;
  return (
    <div class="chat-previews">
      {cards.map((c) => (
        <LinkCard key={c.url} card={c} />
      ))}
    </div>
  );
}

function LinkCard({ card }: { card: LinkPreview }) {
  const { t } = useApp();
  const Icon = card.kind === "pad" ? IconPad : card.kind === "poll" ? IconPoll : IconWiki;
  return (
    <a class="chat-preview" href={card.url} data-kind={card.kind}>
      <span class="chat-preview-icon" aria-hidden="true">
        <Icon size={20} />
      </span>
      <span class="chat-preview-body">
        <span class="chat-preview-kind">{t(`chat.preview.${card.kind}`)}</span>
        <strong class="chat-preview-title">{card.title}</strong>
        {card.kind !== "poll" && card.excerpt && <span class="chat-preview-excerpt">{card.excerpt}</span>}
      </span>
    </a>
  );
}

export function formatTime(lang: Lang, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { hour: "2-digit", minute: "2-digit" }).format(d);
}

export function formatFull(lang: Lang, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { dateStyle: "full", timeStyle: "short" }).format(d);
}

/** "Today", "Yesterday" or the long date of a "YYYY-MM-DD" local day. */
export function dayLabel(lang: Lang, t: ReturnType<typeof useApp>["t"], day: string, now = new Date()): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  const date = new Date(y, m - 1, d);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const diff = Math.round((today.getTime() - date.getTime()) / 86_400_000);
  if (diff === 0) return t("chat.today");
  if (diff === 1) return t("chat.yesterday");
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: date.getFullYear() === now.getFullYear() ? undefined : "numeric",
  }).format(date);
}

export function PresenceDot({ userId }: { userId: string }) {
  const { t } = useApp();
  const { store } = useChat();
  const status = store.state.presence[userId];
  if (!status || status === "offline") return null;
  return <span class={cx("chat-presence", `is-${status}`)} role="img" aria-label={t(status === "online" ? "chat.online" : "chat.away")} />;
}

/** A person's custom status beside their name: the live one if it changed, else the loaded one. */
export function StatusBadge({ user }: { user: Post["user"] }) {
  const { store } = useChat();
  const live = store.state.statuses[user.id];
  const st = live === undefined ? user.status : live;
  if (!st || (st.expires_at && new Date(st.expires_at).getTime() < Date.now())) return null;
  const label = [st.emoji, st.text].filter(Boolean).join(" ");
  return (
    <span class="chat-status-badge" title={label} aria-label={label}>
      {st.emoji || "💬"}
    </span>
  );
}

export function UserAvatar({ user, size = "md" }: { user: Post["user"]; size?: "sm" | "md" }) {
  const { t } = useApp();
  return (
    <span class="chat-avatar-wrap">
      <Avatar name={userName(user, t)} color={user.avatar_color} size={size} />
      <PresenceDot userId={user.id} />
    </span>
  );
}

export function EmojiPicker({ onPick, onClose, label }: { onPick: (emoji: string) => void; onClose: () => void; label: string }) {
  const { t } = useApp();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    el?.querySelector<HTMLButtonElement>("button")?.focus();
    const onDown = (e: PointerEvent) => {
      if (el && !el.contains(e.target as Node)) onClose();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        onClose();
      }
    };
    document.addEventListener("pointerdown", onDown, true);
    el?.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onDown, true);
      el?.removeEventListener("keydown", onKey);
      if (opener && document.contains(opener)) opener.focus();
    };
  }, []);
  // Arrow keys move in the grid (8 per row).
  const move = (e: KeyboardEvent) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>("button.chat-emoji") ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : e.key === "ArrowDown" ? 8 : e.key === "ArrowUp" ? -8 : 0;
    if (!step) return;
    e.preventDefault();
    buttons[Math.min(buttons.length - 1, Math.max(0, i + step))]?.focus();
  };
  return (
    <div class="chat-emoji-picker" role="dialog" aria-label={label} ref={ref} onKeyDown={move}>
      <div class="chat-emoji-grid">
        {EMOJI.map((e) => (
          <button key={e.char} type="button" class="chat-emoji" aria-label={t("chat.reactWith", { emoji: e.name })} title={`:${e.name}:`} onClick={() => onPick(e.char)}>
            {e.char}
          </button>
        ))}
      </div>
    </div>
  );
}

function Reactions({ post }: { post: Post }) {
  const { t } = useApp();
  const { actions, store } = useChat();
  const [picking, setPicking] = useState(false);
  const archived = store.state.channels[post.channel_id]?.archived ?? false;
  if (!post.reactions.length) return null;
  return (
    <div class="chat-reactions">
      {post.reactions.map((r: Reaction) => {
        const ch = emojiChar(r.emoji);
        return (
          <button
            key={r.emoji}
            type="button"
            class={cx("chat-reaction", r.me && "is-mine")}
            aria-pressed={r.me ? "true" : "false"}
            aria-label={t(r.count === 1 ? "chat.reactionCount.one" : "chat.reactionCount.other", { emoji: emojiName(ch), count: r.count })}
            title={`:${emojiName(ch)}:`}
            disabled={archived}
            onClick={() => actions.react(post, ch, !r.me)}
          >
            <span aria-hidden="true">{ch}</span>
            <span class="chat-reaction-count" aria-hidden="true">
              {r.count}
            </span>
          </button>
        );
      })}
      {!archived && (
        <span class="chat-picker-anchor">
          <button type="button" class="chat-reaction chat-reaction-add" aria-label={t("chat.addReaction")} title={t("chat.addReaction")} onClick={() => setPicking(!picking)}>
            <IconSmile size={16} />
            <span aria-hidden="true">+</span>
          </button>
          {picking && (
            <EmojiPicker
              label={t("chat.addReaction")}
              onClose={() => setPicking(false)}
              onPick={(e) => {
                setPicking(false);
                const mine = post.reactions.find((r) => emojiChar(r.emoji) === e)?.me ?? false;
                if (!mine) actions.react(post, e, true);
              }}
            />
          )}
        </span>
      )}
    </div>
  );
}

function EditBox({ post, onDone }: { post: Post; onDone: () => void }) {
  const { t } = useApp();
  const { actions } = useChat();
  const [text, setText] = useState(post.text);
  const { busy, error, run } = useSubmit(() => true);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight + 2, 320)}px`;
  }, []);
  const save = async () => {
    const v = text.trim();
    if (!v) return;
    if (v === post.text.trim()) {
      onDone();
      return;
    }
    await run(async () => {
      await actions.edit(post, v);
      onDone();
      return STAY_BUSY;
    });
  };
  return (
    <div class="chat-edit">
      <label class="visually-hidden" for={`edit-${post.id}`}>
        {t("chat.editMessage")}
      </label>
      <textarea
        id={`edit-${post.id}`}
        ref={ref}
        class="input chat-edit-input"
        value={text}
        maxLength={16000}
        onInput={(e) => {
          const el = e.currentTarget as HTMLTextAreaElement;
          setText(el.value);
          el.style.height = "auto";
          el.style.height = `${Math.min(el.scrollHeight + 2, 320)}px`;
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            onDone();
          } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          }
        }}
      />
      <div class="chat-edit-actions">
        <span class="muted small">{t("chat.editHint")}</span>
        <button type="button" class="btn btn-secondary btn-sm" onClick={onDone}>
          {t("common.cancel")}
        </button>
        <button type="button" class="btn btn-primary btn-sm" onClick={save} disabled={busy || !text.trim()}>
          {t("common.save")}
        </button>
      </div>
      {error && <p class="field-error">{t("chat.editFailed")}</p>}
    </div>
  );
}

function PostActions({ post, inThread, onPick }: { post: Post; inThread: boolean; onPick: () => void }) {
  const editKey = `${inThread ? "t" : "c"}:${post.id}`;
  const { t } = useApp();
  const { actions, meId, store, setEditing } = useChat();
  const ch = store.state.channels[post.channel_id];
  const mine = post.user.id === meId;
  const admin = ch?.me?.role === "admin";
  const archived = ch?.archived ?? false;
  return (
    <div class="chat-post-actions" role="toolbar" aria-label={t("chat.messageActions")}>
      {!archived && (
        <button type="button" class="icon-btn" aria-label={t("chat.addReaction")} title={t("chat.addReaction")} onClick={onPick}>
          <IconSmile size={16} />
        </button>
      )}
      {!inThread && !archived && (
        <button type="button" class="icon-btn" aria-label={t("chat.reply")} title={t("chat.reply")} onClick={() => actions.openThread(post)}>
          <IconReply size={16} />
        </button>
      )}
      {!archived && (
        <button
          type="button"
          class="icon-btn"
          aria-label={post.pinned ? t("chat.unpin") : t("chat.pin")}
          title={post.pinned ? t("chat.unpin") : t("chat.pin")}
          onClick={() => actions.pin(post, !post.pinned)}
        >
          <IconPin size={16} />
        </button>
      )}
      <button type="button" class="icon-btn" aria-label={t("chat.copyLink")} title={t("chat.copyLink")} onClick={() => actions.copyLink(post)}>
        <IconLink size={16} />
      </button>
      {mine && !archived && (
        <button type="button" class="icon-btn" aria-label={t("chat.edit")} title={t("chat.edit")} onClick={() => setEditing(editKey)}>
          <IconEdit size={16} />
        </button>
      )}
      {(mine || admin) && !archived && (
        <button type="button" class="icon-btn chat-danger" aria-label={t("chat.delete")} title={t("chat.delete")} onClick={() => actions.remove(post)}>
          <IconTrash size={16} />
        </button>
      )}
    </div>
  );
}

export function PostItem({ post, continued, inThread = false }: { post: Post; continued: boolean; inThread?: boolean }) {
  const { t, lang, user } = useApp();
  const { actions, meId, highlight, editing, setEditing, store } = useChat();
  const [picking, setPicking] = useState(false);
  const [menu, setMenu] = useState(false);
  const editKey = `${inThread ? "t" : "c"}:${post.id}`;
  const isEditing = editing === editKey;
  const mention = !post.deleted && post.user.id !== meId && mentionsMe(post, { id: meId, username: user?.username });
  const author = postAuthor(post);
  const root = post.root_id !== null && !inThread ? findRoot(store.state, post) : null;
  return (
    <li
      class={cx("chat-post", continued && "is-continued", highlight === post.id && "is-highlight", mention && "is-mention", post.deleted && "is-deleted", menu && "is-active")}
      id={`${inThread ? "tpost" : "post"}-${post.id}`}
      data-post-id={post.id}
    >
      <div class="chat-post-gutter">
        {continued ? (
          <time class="chat-post-hovertime" dateTime={post.created_at} title={formatFull(lang, post.created_at)}>
            {formatTime(lang, post.created_at)}
          </time>
        ) : (
          <UserAvatar user={post.user} />
        )}
      </div>
      <div class="chat-post-main">
        {!continued && (
          <div class="chat-post-head">
            <strong class="chat-post-author" title={author.via ? t("chat.postedVia", { account: author.via }) : `@${post.user.username}`}>
              {personName(t, author.name)}
            </strong>
            <StatusBadge user={post.user} />
            {author.bot && <span class="chat-bot-tag">{t("chat.bot")}</span>}
            <time class="chat-post-time" dateTime={post.created_at} title={formatFull(lang, post.created_at)}>
              {formatTime(lang, post.created_at)}
            </time>
            {post.pinned && (
              <span class="chat-pinned-flag">
                <IconPin size={12} />
                {t("chat.pinned")}
              </span>
            )}
          </div>
        )}
        {continued && post.pinned && (
          <span class="chat-pinned-flag">
            <IconPin size={12} />
            {t("chat.pinned")}
          </span>
        )}
        {post.root_id !== null && !inThread && (
          <button type="button" class="chat-replyto" onClick={() => actions.openThread(post)}>
            <IconReply size={12} />
            {root ? t("chat.replyTo", { name: postAuthor(root, t).name }) : t("chat.replyInThread")}
            {root && !root.deleted && <span class="chat-replyto-text">{snippet(root.text, 80)}</span>}
          </button>
        )}
        {post.deleted ? (
          <p class="chat-post-deleted">{t("chat.deleted")}</p>
        ) : isEditing ? (
          <EditBox post={post} onDone={() => setEditing(null)} />
        ) : (
          <div class="chat-post-body">
            {post.props?.call ? (
              <a class="chat-call-card" href={post.props.call.url}>
                <IconVideo size={18} />
                <span>{t("chat.call.card")}</span>
                <strong>{t("chat.call.join")}</strong>
              </a>
            ) : (
              <div class="chat-html" dangerouslySetInnerHTML={{ __html: post.html }} />
            )}
            {post.edited_at && (
              <span class="chat-edited" title={formatFull(lang, post.edited_at)}>
                {t("chat.edited")}
              </span>
            )}
            {post.files && post.files.length > 0 && <Files post={post} />}
            <LinkCards html={post.html} />
          </div>
        )}
        {!post.deleted && <Reactions post={post} />}
        {!inThread && post.root_id === null && post.reply_count > 0 && (
          <button type="button" class="chat-replies-link" onClick={() => actions.openThread(post)}>
            <IconReply size={14} />
            {t(post.reply_count === 1 ? "chat.replies.one" : "chat.replies.other", { count: post.reply_count })}
          </button>
        )}
      </div>
      {!post.deleted && !isEditing && (
        <>
          <button type="button" class="icon-btn chat-post-more" aria-label={t("chat.messageActions")} aria-expanded={menu ? "true" : "false"} onClick={() => setMenu(!menu)}>
            <IconDots size={16} />
          </button>
          <PostActions post={post} inThread={inThread} onPick={() => setPicking(!picking)} />
        </>
      )}
      {picking && (
        <div class="chat-picker-float">
          <EmojiPicker
            label={t("chat.addReaction")}
            onClose={() => setPicking(false)}
            onPick={(e) => {
              setPicking(false);
              setMenu(false);
              const mine = post.reactions.find((r) => emojiChar(r.emoji) === e)?.me ?? false;
              if (!mine) actions.react(post, e, true);
            }}
          />
        </div>
      )}
    </li>
  );
}

function findRoot(state: ReturnType<typeof useChat>["store"]["state"], post: Post): Post | null {
  const v = state.views[post.channel_id];
  return v?.posts.find((p) => p.id === post.root_id) ?? null;
}

export function snippet(text: string, max: number): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function PendingItem({ p, continued }: { p: PendingPost; continued: boolean }) {
  const { t, user } = useApp();
  const { actions } = useChat();
  return (
    <li class={cx("chat-post", "is-pending", continued && "is-continued", p.failed && "is-failed")} data-client-id={p.client_id}>
      <div class="chat-post-gutter">{!continued && user && <Avatar name={user.display_name || user.username} color={user.avatar_color} />}</div>
      <div class="chat-post-main">
        {!continued && user && (
          <div class="chat-post-head">
            <strong class="chat-post-author">{user.display_name || user.username}</strong>
          </div>
        )}
        <div class="chat-post-body chat-pending-text">{p.text}</div>
        {p.failed ? (
          <p class="chat-pending-state is-failed">
            {t("chat.sendFailed")}{" "}
            <button type="button" class="chat-linkbtn" onClick={() => actions.resend(p.client_id)}>
              {t("chat.retry")}
            </button>{" "}
            <button type="button" class="chat-linkbtn" onClick={() => actions.discard(p.client_id)}>
              {t("chat.discard")}
            </button>
          </p>
        ) : (
          <p class="chat-pending-state">{t("chat.sending")}</p>
        )}
      </div>
    </li>
  );
}
