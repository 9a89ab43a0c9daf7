// The open channel: header (name, header text, members, pins, search, menu), the message list
// (older messages on scroll up, day separators, grouping, "new messages" line, permalink target),
// who is typing, the composer; archived channels are read-only with a banner.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { useSubmit } from "../hooks/submit.ts";
import { useApp } from "../context.tsx";
import { Button, Spinner, cx } from "../components/ui.tsx";
import { IconSettings, IconVideo } from "../components/icons.tsx";
import { api, errorText } from "../api.ts";
import { navigate } from "../router.ts";
import { ChannelSettingsDialog } from "./admin-channel.tsx";
import { Composer } from "./composer.tsx";
import { useChat } from "./ctx.tsx";
import {
  IconArchive,
  IconBell,
  IconBellOff,
  IconDots,
  IconDown,
  IconEdit,
  IconHash,
  IconLeave,
  IconLock,
  IconMenu,
  IconPin,
  IconSearch,
  IconUserPlus,
  IconUsers,
} from "./icons.tsx";
import { type MenuItem, MenuButton } from "./menu.tsx";
import { StarButton } from "../favourites.tsx";
import { PendingItem, PostItem, dayLabel, UserAvatar, prefetchPreviews } from "./message.tsx";
import { channelLabel, dmOther } from "./names.ts";
import { type ChannelView as View, typingKey } from "./state.ts";
import { buildTimeline, lastOwnPost } from "./timeline.ts";
import type { Channel } from "./types.ts";

export type ChannelCommand = "edit" | "members" | "invite" | "leave" | "archive" | "unarchive" | "mute" | "unmute";

export function ChannelIcon({ ch, size = 16 }: { ch: Channel; size?: number }) {
  const { meId } = useChat();
  if (ch.kind === "private") return <IconLock size={size} />;
  if (ch.kind === "direct") {
    const other = dmOther(ch, meId);
    return other ? <UserAvatar user={other} size="sm" /> : <IconUsers size={size} />;
  }
  if (ch.kind === "group") return <IconUsers size={size} />;
  if (ch.archived) return <IconArchive size={size} />;
  return <IconHash size={size} />;
}

export function TypingLine({ channelId, rootId }: { channelId: string; rootId: number | null }) {
  const { t } = useApp();
  const { store } = useChat();
  const list = store.state.typing[typingKey(channelId, rootId)] ?? [];
  const names = list.map((e) => e.user.display_name || e.user.username);
  const text =
    names.length === 0
      ? ""
      : names.length === 1
        ? t("chat.typing.one", { name: names[0] ?? "" })
        : names.length === 2
          ? t("chat.typing.two", { a: names[0] ?? "", b: names[1] ?? "" })
          : t("chat.typing.many");
  return (
    <p class="chat-typing" aria-live="polite">
      {text}
    </p>
  );
}

function ChannelHeader({
  ch,
  onDrawer,
  onSearch,
  onPinned,
  onCommand,
}: {
  ch: Channel;
  onDrawer: () => void;
  onSearch: (q: string) => void;
  onPinned: () => void;
  onCommand: (c: ChannelCommand) => void;
}) {
  const { t } = useApp();
  const { meId, team } = useChat();
  const [q, setQ] = useState("");
  const [searchOpen, setSearchOpen] = useState(false);
  const [settings, setSettings] = useState(false);
  const [callError, setCallError] = useState<string | null>(null);
  const head = useRef<HTMLElement>(null);
  const label = channelLabel(ch, meId, t);
  const isDm = ch.kind === "direct" || ch.kind === "group";
  const admin = ch.me?.role === "admin" || team.my_role === "admin";
  const muted = !!ch.me?.muted;
  const items: MenuItem[] = [];
  if (!ch.archived) items.push({ label: t("chat.menu.edit"), icon: <IconEdit size={16} />, onSelect: () => onCommand("edit") });
  if (!isDm && !ch.archived) items.push({ label: t("chat.menu.invite"), icon: <IconUserPlus size={16} />, onSelect: () => onCommand("invite") });
  items.push({ label: t("chat.menu.members"), icon: <IconUsers size={16} />, onSelect: () => onCommand("members") });
  // Webhooks (channel admins) and retention (team admins): admin-channel.tsx.
  if (!isDm && admin) items.push({ label: t("chat.admin.channel.menu"), icon: <IconSettings size={16} />, onSelect: () => setSettings(true) });
  items.push(
    muted
      ? { label: t("chat.menu.unmute"), icon: <IconBell size={16} />, onSelect: () => onCommand("unmute") }
      : { label: t("chat.menu.mute"), icon: <IconBellOff size={16} />, onSelect: () => onCommand("mute") },
  );
  if (ch.me && !ch.me.muted) {
    const me = ch.me;
    const every = me.notify === "all";
    items.push({
      label: t(every ? "chat.menu.notifyMentions" : "chat.menu.notifyAll"),
      icon: <IconBell size={16} />,
      onSelect: () => {
        void api.put(`/api/v1/chat/channels/${encodeURIComponent(ch.id)}/notify`, { level: every ? "mentions" : "all" }).then(() => {
          me.notify = every ? "mentions" : "all";
          setCallError(t(every ? "chat.notifyMentionsToast" : "chat.notifyAllToast"));
        });
      },
    });
  }
  const startCall = async () => {
    setCallError(null);
    try {
      const started = await api.post<{ room: string; url: string }>(`/api/v1/chat/channels/${encodeURIComponent(ch.id)}/call`, {});
      await api.put(`/api/v1/video/rooms/${encodeURIComponent(started.room)}`, { title: label });
      navigate(started.url);
    } catch (err) {
      setCallError(errorText(t, err));
    }
  };
  if (!isDm && admin && !ch.archived) items.push({ label: t("chat.menu.archive"), icon: <IconArchive size={16} />, onSelect: () => onCommand("archive"), danger: true });
  if (!isDm && admin && ch.archived) items.push({ label: t("chat.menu.unarchive"), icon: <IconArchive size={16} />, onSelect: () => onCommand("unarchive") });
  if (!isDm) items.push({ label: t("chat.menu.leave"), icon: <IconLeave size={16} />, onSelect: () => onCommand("leave"), danger: true });
  return (
    <header class="chat-head" ref={head}>
      <button type="button" class="icon-btn chat-drawer-btn" aria-label={t("chat.openSidebar")} onClick={onDrawer}>
        <IconMenu />
      </button>
      <div class="chat-head-title" title={ch.purpose || undefined}>
        <h1 class="chat-head-name">
          <ChannelIcon ch={ch} />
          <span class="chat-head-label">{label}</span>
          {muted && (
            <span class="chat-head-muted" title={t("chat.muted")}>
              <IconBellOff size={14} />
              <span class="visually-hidden">{t("chat.muted")}</span>
            </span>
          )}
        </h1>
        {ch.header && <p class="chat-head-header">{ch.header}</p>}
        {callError && (
          <p class="chat-head-header" role="status">
            {callError}
          </p>
        )}
      </div>
      <div class="chat-head-tools">
        {!ch.archived && <StarButton kind="channel" id={ch.id} />}
        <button
          type="button"
          class="chat-head-members"
          onClick={() => onCommand("members")}
          aria-label={t(ch.members === 1 ? "chat.memberCount.one" : "chat.memberCount.other", { count: ch.members })}
          title={t("chat.menu.members")}
        >
          <IconUsers size={16} />
          <span aria-hidden="true">{ch.members}</span>
        </button>
        {!ch.archived && (
          <button
            type="button"
            class="icon-btn chat-call-btn"
            aria-label={t(isDm ? "chat.call.ring" : "chat.call.start")}
            title={t(isDm ? "chat.call.ring" : "chat.call.start")}
            onClick={startCall}
          >
            <IconVideo size={18} />
          </button>
        )}
        <button type="button" class="icon-btn" aria-label={t("chat.pinnedMessages")} title={t("chat.pinnedMessages")} onClick={onPinned}>
          <IconPin />
        </button>
        <button
          type="button"
          class="icon-btn chat-search-toggle"
          aria-label={t("chat.searchShow")}
          aria-expanded={searchOpen ? "true" : "false"}
          onClick={() => setSearchOpen(!searchOpen)}
        >
          <IconSearch />
        </button>
        <form
          role="search"
          class={cx("chat-search", searchOpen && "is-open")}
          onSubmit={(e) => {
            e.preventDefault();
            if (q.trim()) onSearch(q.trim());
          }}
        >
          <label for="chat-search-q" class="visually-hidden">
            {t("chat.search")}
          </label>
          <IconSearch size={16} />
          <input
            id="chat-search-q"
            type="search"
            class="chat-search-input"
            value={q}
            placeholder={t("chat.searchPlaceholder")}
            title={t("chat.searchHelp")}
            onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
          />
        </form>
        <MenuButton label={t("chat.channelMenu")} icon={<IconDots />} items={items} />
      </div>
      {settings && (
        <ChannelSettingsDialog
          ch={ch}
          onClose={() => {
            setSettings(false);
            // Back to the menu button once the dialog is gone (the menu item it came from is).
            setTimeout(() => head.current?.querySelector<HTMLButtonElement>(".chat-menu > button")?.focus(), 0);
          }}
        />
      )}
    </header>
  );
}

function ChannelIntro({ ch }: { ch: Channel }) {
  const { t } = useApp();
  const { meId } = useChat();
  const label = channelLabel(ch, meId, t);
  return (
    <li class="chat-intro">
      <h2>{ch.kind === "direct" || ch.kind === "group" ? t("chat.introDm", { name: label }) : t("chat.intro", { name: label })}</h2>
      {ch.purpose && <p>{ch.purpose}</p>}
    </li>
  );
}

export function ChannelPane({
  ch,
  view,
  onDrawer,
  onSearch,
  onPinned,
  onCommand,
  onOlder,
  onNewer,
  onRecent,
  announce,
}: {
  ch: Channel;
  view: View | undefined;
  onDrawer: () => void;
  onSearch: (q: string) => void;
  onPinned: () => void;
  onCommand: (c: ChannelCommand) => void;
  onOlder: () => Promise<void>;
  onNewer: () => Promise<void>;
  onRecent: () => void;
  announce: string;
}) {
  const { t, lang } = useApp();
  const { store, meId, highlight, setEditing } = useChat();
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const positioned = useRef<string | null>(null);
  const lastNewest = useRef(0);
  const lastPending = useRef(0);
  const busy = useRef(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [below, setBelow] = useState(false);

  const pending = store.state.pending.filter((p) => p.channel_id === ch.id);
  const items = useMemo(
    () => (view ? buildTimeline(view.posts, view.moreAfter ? [] : pending, { meId, newAfter: view.newAfter }) : []),
    [view, pending.length, pending.map((p) => p.client_id + p.failed).join(), meId],
  );

  // A channel's first messages are shown with their link cards (waited for, 2 s at most): cards
  // coming in after the messages would push them down under the reader (layout shift).
  const [cardsFor, setCardsFor] = useState<string | null>(null);
  const shown = !!view && cardsFor === ch.id;
  useEffect(() => {
    if (!view || cardsFor === ch.id) return;
    let alive = true;
    const done = () => {
      if (alive) setCardsFor(ch.id);
    };
    const timer = setTimeout(done, 2000);
    prefetchPreviews(view.posts.map((p) => p.html)).then(done, done);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [!!view, ch.id]);

  // Position: the permalink target, else the "new messages" line, else the bottom; then keep the
  // bottom in view while it is, and the reading position when older messages come in on top.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !view || !shown) return;
    const posKey = `${ch.id}:${highlight ?? ""}`;
    if (positioned.current !== posKey) {
      positioned.current = posKey;
      lastNewest.current = view.posts[view.posts.length - 1]?.id ?? 0;
      const target = highlight !== null ? el.querySelector(`#post-${highlight}`) : el.querySelector("#chat-new-line");
      if (target) {
        (target as HTMLElement).scrollIntoView({ block: highlight !== null ? "center" : "start" });
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      } else {
        el.scrollTop = el.scrollHeight;
        atBottom.current = true;
      }
      return;
    }
    const newest = view.posts[view.posts.length - 1]?.id ?? 0;
    const grew = newest > lastNewest.current;
    lastNewest.current = newest;
    // Sending a message brings the bottom back into view.
    if (pending.length > lastPending.current) atBottom.current = true;
    lastPending.current = pending.length;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (grew && !view.moreAfter) {
      setBelow(true);
    }
  }, [items, view, ch.id, highlight, shown]);

  const older = async () => {
    const el = scroller.current;
    if (!el || !view || !view.moreBefore || busy.current) return;
    busy.current = true;
    setLoadingOlder(true);
    anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    try {
      await onOlder();
    } catch {
      anchor.current = null;
    }
    busy.current = false;
    setLoadingOlder(false);
  };

  const newer = async () => {
    if (!view || !view.moreAfter || busy.current) return;
    busy.current = true;
    try {
      await onNewer();
    } catch {
      /* stays where it is */
    }
    busy.current = false;
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom.current) setBelow(false);
    if (el.scrollTop < 200) void older();
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 200) void newer();
  };

  // Cards of later messages, and images, fill in after their message is drawn: while the reader
  // is at the bottom, the bottom stays in view as they do.
  useEffect(() => {
    const el = scroller.current;
    const list = el?.querySelector(".chat-list");
    if (!el || !list || typeof ResizeObserver === "undefined") return;
    const keep = new ResizeObserver(() => {
      if (atBottom.current && !anchor.current) el.scrollTop = el.scrollHeight;
    });
    keep.observe(list);
    return () => keep.disconnect();
  }, [shown, ch.id]);

  // A short list does not scroll: fetch older messages until it does (or there are none).
  useEffect(() => {
    const el = scroller.current;
    if (el && view && shown && view.moreBefore && el.scrollHeight <= el.clientHeight + 10) void older();
  }, [view, shown]);

  const editLast = (): boolean => {
    if (!view) return false;
    const p = lastOwnPost(view.posts, meId);
    if (!p) return false;
    setEditing(`c:${p.id}`);
    return true;
  };

  const label = channelLabel(ch, meId, t);
  return (
    <section class="chat-channel" aria-label={label}>
      <ChannelHeader ch={ch} onDrawer={onDrawer} onSearch={onSearch} onPinned={onPinned} onCommand={onCommand} />
      <div class="chat-scroll" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={t("chat.messagesIn", { name: label })}>
        {!view || !shown ? (
          <Spinner label={t("app.loading")} />
        ) : (
          <ol class="chat-list">
            {view.moreBefore ? (
              <li class="chat-older">
                {loadingOlder ? (
                  <Spinner label={t("chat.loadingOlder")} />
                ) : (
                  <button type="button" class="chat-linkbtn" onClick={() => void older()}>
                    {t("chat.loadOlder")}
                  </button>
                )}
              </li>
            ) : (
              <ChannelIntro ch={ch} />
            )}
            {items.map((it) => {
              switch (it.kind) {
                case "day":
                  return (
                    // A list item, not a separator: a list holds only items, and the day is read out.
                    <li key={it.key} class="chat-day">
                      <span>{dayLabel(lang, t, it.day)}</span>
                    </li>
                  );
                case "new":
                  return (
                    <li key={it.key} class="chat-new-line" id="chat-new-line">
                      <span>{t("chat.newMessages")}</span>
                    </li>
                  );
                case "post":
                  return <PostItem key={it.key} post={it.post} continued={it.continued} />;
                case "pending":
                  return <PendingItem key={it.key} p={it.pending} continued={it.continued} />;
              }
            })}
          </ol>
        )}
      </div>
      {view?.moreAfter ? (
        <button type="button" class="chat-jump" onClick={onRecent}>
          <IconDown size={16} />
          {t("chat.jumpRecent")}
        </button>
      ) : (
        below && (
          <button
            type="button"
            class="chat-jump"
            onClick={() => {
              const el = scroller.current;
              if (el) el.scrollTop = el.scrollHeight;
              setBelow(false);
            }}
          >
            <IconDown size={16} />
            {t("chat.newBelow")}
          </button>
        )
      )}
      <p class="visually-hidden" aria-live="polite">
        {announce}
      </p>
      <TypingLine channelId={ch.id} rootId={null} />
      {ch.archived ? (
        <div class="chat-archived" role="status">
          <IconArchive size={16} />
          {t("chat.archivedBanner")}
        </div>
      ) : (
        <Composer
          channelId={ch.id}
          rootId={null}
          label={t("chat.writeTo", { name: label })}
          placeholder={ch.kind === "direct" || ch.kind === "group" ? t("chat.placeholderDm", { name: label }) : t("chat.placeholder", { name: label })}
          onEditLast={editLast}
        />
      )}
    </section>
  );
}

/** Shown for a public channel I am not in (opened by link or from the browser). */
export function JoinPrompt({ ch, onJoin, onDrawer }: { ch: Channel; onJoin: () => Promise<void>; onDrawer: () => void }) {
  const { t } = useApp();
  const { busy, error, run } = useSubmit(() => true);
  return (
    <section class="chat-channel chat-empty-pane">
      <header class="chat-head">
        <button type="button" class="icon-btn chat-drawer-btn" aria-label={t("chat.openSidebar")} onClick={onDrawer}>
          <IconMenu />
        </button>
        <div class="chat-head-title">
          <h1 class="chat-head-name">
            <IconHash size={16} />
            <span class="chat-head-label">{ch.display_name || ch.name}</span>
          </h1>
          {ch.purpose && <p class="chat-head-header">{ch.purpose}</p>}
        </div>
      </header>
      <div class="chat-center-note">
        <p>{t("chat.notMember")}</p>
        {!ch.archived && (
          <Button loading={busy} onClick={() => run(onJoin)}>
            {t("chat.joinChannel")}
          </Button>
        )}
        {error && <p class="field-error">{t("chat.joinFailed")}</p>}
      </div>
    </section>
  );
}
