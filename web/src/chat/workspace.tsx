// A team's chat: loads teams and channels, follows `chat:{me}` (catch-up after reconnects),
// resolves the page (channel, direct message, permalink, followed threads), keeps unread counts,
// marks channels read while they are on screen, notifies, and lays out the sidebar, the channel
// and the side panel.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { Button, EmptyState, Link, Spinner, cx, useConfirm } from "../components/ui.tsx";
import { navigate } from "../router.ts";
import { getItem, setItem } from "../storage.ts";
import { chatApi } from "./api.ts";
import { type ChannelCommand, ChannelPane, JoinPrompt } from "./channel.tsx";
import { ChatCtx, type ChatActions, type ChatCtxValue, useChat } from "./ctx.tsx";
import { BrowseDialog, CreateChannelDialog, DirectDialog, EditChannelDialog, MembersDialog } from "./dialogs.tsx";
import { IconMenu, IconThreads } from "./icons.tsx";
import { useMediaQuery } from "../hooks/media.ts";
import { useChatLive, useChatStore, usePageVisible } from "./live.ts";
import { formatFull, snippet } from "./message.tsx";
import { channelHref, channelLabel, defaultChannel, findChannel, permalinkHref, postAuthor } from "./names.ts";
import { SidePanel } from "./panel.tsx";
import { Sidebar } from "./sidebar.tsx";
import { buildSearch, isEmptySearch, parseSearch } from "./search.ts";
import { type ThreadPanel, shouldNotify, titleWithCount, totalMentions } from "./state.ts";
import type { ChatEvent } from "./sync.ts";
import { newClientId, shouldSendTyping } from "./timeline.ts";
import type { Channel, PendingPost, Post, Team } from "./types.ts";

export interface ChatRoute {
  team: string;
  view: "team" | "channel" | "dm" | "permalink" | "threads";
  channel?: string;
  dm?: string;
  post?: string;
}

export const NOTIFY_KEY = "nichoir.chat.notify";

function notificationsAllowed(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "granted";
}

type DialogState = { kind: "create" } | { kind: "browse" } | { kind: "direct" } | { kind: "edit"; ch: Channel } | { kind: "members"; ch: Channel; invite: boolean };

type Missing = { kind: "join"; ch: Channel } | { kind: "notFound" } | { kind: "noTeam"; open: Team | null };

export function ChatWorkspace({ route }: { route: ChatRoute }) {
  const { t, user, instance } = useApp();
  const me = user as NonNullable<typeof user>;
  const store = useChatStore(me.id, me.username);
  const s = store.state;
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const visible = usePageVisible();
  // The drawer layout, on a phone-sized viewport.
  const phone = useMediaQuery("(max-width: 699.98px)");
  const [drawer, setDrawer] = useState(false);
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [announce, setAnnounce] = useState("");
  const [toast, setToast] = useState<string | null>(null);
  const [notifyOn, setNotifyOn] = useState(() => getItem(NOTIFY_KEY) === "1" && notificationsAllowed());
  const [missing, setMissing] = useState<Missing | null>(null);
  const [permalink, setPermalink] = useState<{ postId: number; channelId: string } | null>(null);
  const [confirmEl, confirm] = useConfirm();

  const team = s.teams.find((tm) => tm.name === route.team) ?? null;
  const channels = useMemo(() => Object.values(s.channels), [s.channels]);

  // The channel on screen.
  let current: Channel | null = null;
  if (team) {
    if (route.view === "channel") current = findChannel(channels, team.id, me.id, { channel: route.channel ?? "" });
    else if (route.view === "dm") current = findChannel(channels, team.id, me.id, { dm: route.dm ?? "" });
    else if (route.view === "permalink" && permalink && String(permalink.postId) === route.post) current = s.channels[permalink.channelId] ?? null;
  }
  const aroundId = route.view === "permalink" && current ? Number(route.post) : null;
  const currentRef = useRef<Channel | null>(null);
  currentRef.current = current;
  const teamRef = useRef<Team | null>(team);
  teamRef.current = team;
  const notifyRef = useRef(notifyOn);
  notifyRef.current = notifyOn;
  const aroundRef = useRef<number | null>(aroundId);
  aroundRef.current = aroundId;

  // ---- loading
  const loadLatest = useCallback(async (channelId: string) => {
    const page = await chatApi.posts(channelId);
    store.dispatch({ type: "posts", channelId, posts: page.posts, mode: "replace", moreBefore: page.more, moreAfter: false });
  }, []);

  const loadAround = useCallback(async (channelId: string, postId: number) => {
    const page = await chatApi.around(channelId, postId);
    store.dispatch({ type: "posts", channelId, posts: page.posts, mode: "replace", moreBefore: !!page.more_before, moreAfter: !!page.more_after });
  }, []);

  const loadFollowed = useCallback(async () => {
    const tm = teamRef.current;
    if (!tm) return;
    try {
      store.dispatch({ type: "followed", list: await chatApi.threads(tm.name) });
    } catch {
      /* the sidebar simply shows no thread count */
    }
  }, []);

  const reload = useCallback(async () => {
    try {
      const teams = await chatApi.teams();
      const lists = await Promise.all(teams.map((tm) => chatApi.channels(tm.name)));
      const byId = new Map<string, Channel>();
      for (const list of lists) for (const c of list) byId.set(c.id, c);
      const cur = currentRef.current;
      store.dispatch({ type: "loaded", teams, channels: [...byId.values()], keep: cur?.id ?? null });
      setLoadError(null);
      setReady(true);
      if (cur && byId.has(cur.id)) {
        if (aroundRef.current !== null) await loadAround(cur.id, aroundRef.current);
        else await loadLatest(cur.id);
      }
      const panel = store.state.panel;
      if (panel?.kind === "thread") {
        const th = await chatApi.thread(panel.rootId);
        store.dispatch({ type: "panel", panel: { ...panel, root: th.root, replies: th.replies, following: th.following } });
      }
      if (store.state.followed) void loadFollowed();
    } catch (e) {
      setLoadError(e);
      throw e;
    }
  }, []);

  // ---- realtime
  // A post for a channel not known here (its channel_updated not come, or lost with a reload):
  // the channel is asked for, with the server's counts (the store counts the post only if they
  // predate it).
  const asking = useRef(new Set<string>());
  const askChannel = useCallback((id: string) => {
    if (asking.current.has(id)) return;
    asking.current.add(id);
    chatApi.channel(id).then(
      (ch) => {
        asking.current.delete(id);
        // Not a member (left meanwhile): nothing for the sidebar.
        if (ch.me) store.dispatch({ type: "channel", channel: ch });
      },
      () => asking.current.delete(id),
    );
  }, []);
  const apply = useCallback((events: ChatEvent[]) => {
    for (const e of events) {
      if (e.type === "posted") {
        const p = e.post as Post | undefined;
        onPosted(p);
        if (p?.channel_id && !store.state.channels[p.channel_id]) askChannel(p.channel_id);
      }
      store.dispatch({ type: "event", event: e, now: Date.now() });
      if (e.type === "channel_removed" && currentRef.current && e.channel_id === currentRef.current.id) {
        const tm = teamRef.current;
        const def = tm ? defaultChannel(Object.values(store.state.channels), tm.id) : null;
        if (tm) navigate(def ? channelHref(tm.name, def, me.id) : "/chat", { replace: true });
      }
    }
  }, []);

  const live = useChatLive(me.id, { reload, apply });

  // Without the realtime link (blocked WebSocket…), load over HTTP anyway.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (!store.state.teams.length && !ready) reload().catch(() => {});
    }, 2500);
    return () => clearTimeout(timer);
  }, []);

  function onPosted(post: Post | undefined) {
    if (!post) return;
    const st = store.state;
    const ch = st.channels[post.channel_id];
    const cur = currentRef.current;
    if (cur && post.channel_id === cur.id && post.user.id !== me.id && document.visibilityState !== "hidden") {
      setAnnounce(t("chat.announce", { name: postAuthor(post, t).name, text: snippet(post.text, 140) }));
    }
    if (shouldNotify(post, ch, me, { enabled: notifyRef.current && notificationsAllowed(), hidden: document.visibilityState === "hidden" })) {
      try {
        const where = ch && ch.kind !== "direct" ? channelLabel(ch, me.id, t) : null;
        const author = postAuthor(post, t).name;
        const n = new Notification(where ? t("chat.notifyIn", { name: author, channel: where }) : author, {
          body: snippet(post.text, 160),
          tag: `chat-${post.id}`,
        });
        const tm = (ch?.team_id && st.teams.find((x) => x.id === ch.team_id)) || teamRef.current;
        n.onclick = () => {
          window.focus();
          if (tm) navigate(permalinkHref(tm.name, post.id));
          n.close();
        };
      } catch {
        /* notifications unavailable here */
      }
    }
  }

  // ---- the page's target
  useEffect(() => setMissing(null), [route.team, route.view, route.channel, route.dm, route.post]);
  useEffect(() => setDrawer(false), [route.team, route.view, route.channel, route.dm, route.post]);

  useEffect(() => {
    if (!ready) return;
    let alive = true;
    if (!team) {
      chatApi.openTeams().then(
        (list) => alive && setMissing({ kind: "noTeam", open: list.find((x) => x.name === route.team) ?? null }),
        () => alive && setMissing({ kind: "noTeam", open: null }),
      );
      return () => {
        alive = false;
      };
    }
    if (route.view === "team") {
      const def = defaultChannel(channels, team.id);
      if (def) navigate(channelHref(team.name, def, me.id), { replace: true });
      else setMissing({ kind: "notFound" });
    } else if (route.view === "channel" && !current) {
      chatApi.browse(team.name, route.channel ?? "").then(
        (list) => {
          if (!alive) return;
          const found = list.find((c) => c.name === route.channel);
          setMissing(found ? { kind: "join", ch: found } : { kind: "notFound" });
        },
        () => alive && setMissing({ kind: "notFound" }),
      );
    } else if (route.view === "dm" && !current) {
      const dm = route.dm ?? "";
      if (dm.startsWith("@")) {
        chatApi.direct([dm.slice(1)]).then(
          (ch) => alive && store.dispatch({ type: "channel", channel: ch }),
          () => alive && setMissing({ kind: "notFound" }),
        );
      } else setMissing({ kind: "notFound" });
    } else if (route.view === "permalink" && (!permalink || String(permalink.postId) !== route.post)) {
      const id = Number(route.post);
      chatApi.post(id).then(
        async (p) => {
          if (!alive) return;
          if (!store.state.channels[p.channel_id]) {
            try {
              store.dispatch({ type: "channel", channel: await chatApi.channel(p.channel_id) });
            } catch {
              if (alive) setMissing({ kind: "notFound" });
              return;
            }
          }
          if (alive) setPermalink({ postId: id, channelId: p.channel_id });
        },
        () => alive && setMissing({ kind: "notFound" }),
      );
    } else if (route.view === "threads") {
      void loadFollowed();
    }
    return () => {
      alive = false;
    };
  }, [ready, team?.id, route.view, route.channel, route.dm, route.post, !!current]);

  // Followed threads of the team on screen, for the sidebar's count.
  useEffect(() => {
    if (!ready || !team) return;
    store.dispatch({ type: "followed", list: null });
    void loadFollowed();
  }, [ready, team?.id]);

  // ---- the open channel: focus, posts, read marks
  useEffect(() => {
    store.dispatch({ type: "focus", channelId: current?.id ?? null, visible });
  }, [current?.id, visible]);

  const view = current ? s.views[current.id] : undefined;
  useEffect(() => {
    if (!current || !ready) return;
    const v = store.state.views[current.id];
    const job = aroundId !== null ? (!v || !v.posts.some((p) => p.id === aroundId) ? loadAround(current.id, aroundId) : null) : !v || v.moreAfter ? loadLatest(current.id) : null;
    job?.catch((e) => setLoadError(e));
  }, [current?.id, aroundId, ready]);

  // Read marks: at once for a new message, then at most every 300 ms; a pending one is sent when
  // the channel or the page is left (so what was seen is read on every device).
  const viewed = useRef<Record<string, number>>({});
  const viewedAt = useRef<Record<string, number>>({});
  const pendingView = useRef<{ id: string; timer: ReturnType<typeof setTimeout> } | null>(null);
  const sendView = useCallback((id: string) => {
    const v = store.state.views[id];
    viewed.current[id] = v?.posts[v.posts.length - 1]?.id ?? 0;
    viewedAt.current[id] = Date.now();
    chatApi.view(id).then(
      () => store.dispatch({ type: "read", channelId: id }),
      () => {},
    );
  }, []);
  const newestId = view?.posts[view.posts.length - 1]?.id ?? 0;
  useEffect(() => {
    if (!current || !visible || !view) return;
    const id = current.id;
    if (!current.me?.unread && !current.me?.mentions && newestId <= (viewed.current[id] ?? 0)) return;
    const wait = Math.max(0, 300 - (Date.now() - (viewedAt.current[id] ?? 0)));
    const timer = setTimeout(() => {
      if (pendingView.current?.timer === timer) pendingView.current = null;
      sendView(id);
    }, wait);
    pendingView.current = { id, timer };
    return () => clearTimeout(timer);
  }, [current?.id, visible, current?.me?.unread, current?.me?.mentions, newestId, !!view]);
  useEffect(() => {
    const id = current?.id;
    const flush = () => {
      const p = pendingView.current;
      if (p && p.id === id) {
        clearTimeout(p.timer);
        pendingView.current = null;
        sendView(p.id);
      }
    };
    window.addEventListener("pagehide", flush);
    return () => {
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, [current?.id]);

  // An open thread is read while it is on screen (at once: replies do not come in bursts).
  const panel = s.panel;
  const threadReplies = panel?.kind === "thread" ? panel.replies.length : -1;
  useEffect(() => {
    // (Also when not followed yet: the first reply may make me follow it.)
    if (panel?.kind !== "thread" || !panel.root || !visible) return;
    const rootId = panel.rootId;
    chatApi.threadView(rootId).then(
      () => store.dispatch({ type: "threadRead", rootId }),
      () => {},
    );
  }, [panel?.kind === "thread" ? panel.rootId : null, threadReplies, visible, panel?.kind === "thread" && !!panel.root]);

  // Pinned list brought up to date after a pin it could not place.
  useEffect(() => {
    if (panel?.kind !== "pinned" || !panel.stale) return;
    const channelId = panel.channelId;
    chatApi.pinned(channelId).then(
      (posts) => {
        const p = store.state.panel;
        if (p?.kind === "pinned" && p.channelId === channelId) store.dispatch({ type: "panel", panel: { ...p, posts, stale: false } });
      },
      () => {},
    );
  }, [panel?.kind === "pinned" && panel.stale]);

  // Typing entries fade out.
  useEffect(() => {
    const has = Object.keys(s.typing).length > 0;
    if (!has) return;
    const timer = setInterval(() => store.dispatch({ type: "typingExpire", now: Date.now() }), 1000);
    return () => clearInterval(timer);
  }, [Object.keys(s.typing).length > 0]);

  // Title: "(2) Chat · Town square · Nichoir".
  const mentions = totalMentions(channels);
  const label = current ? channelLabel(current, me.id, t) : route.view === "threads" ? t("chat.threads") : "";
  useEffect(() => {
    document.title = `${titleWithCount(mentions, t("tool.chat.name"))}${label ? ` · ${label}` : ""} · ${instance.name}`;
  }, [mentions, label, instance.name, t]);

  // The chat fills the window: no footer, no page scroll.
  useEffect(() => {
    document.body.classList.add("chat-open");
    return () => document.body.classList.remove("chat-open");
  }, []);

  // Escape closes the drawer.
  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setDrawer(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [drawer]);

  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), 2500);
    return () => clearTimeout(timer);
  }, [toast]);

  // ---- actions
  const typingSent = useRef<Record<string, number>>({});
  const doSend = (p: PendingPost) => {
    chatApi.send(p.channel_id, p.text, p.root_id, p.client_id, p.file_ids ?? []).then(
      (post) => store.dispatch({ type: "sent", post, clientId: p.client_id }),
      () => store.dispatch({ type: "pendingFailed", clientId: p.client_id }),
    );
  };

  const actions: ChatActions = {
    openThread(post) {
      const rootId = post.root_id ?? post.id;
      const cur = store.state.panel;
      if (cur?.kind === "thread" && cur.rootId === rootId) return;
      store.dispatch({ type: "panel", panel: { kind: "thread", rootId, channelId: post.channel_id, root: null, replies: [], following: false } });
      chatApi.thread(rootId).then(
        (th) => {
          const p = store.state.panel;
          if (p?.kind === "thread" && p.rootId === rootId) store.dispatch({ type: "panel", panel: { ...p, root: th.root, replies: th.replies, following: th.following } });
        },
        (e) => {
          store.dispatch({ type: "panel", panel: null });
          setToast(errorText(t, e));
        },
      );
    },
    react(post, emoji, on) {
      store.dispatch({ type: "reactionToggled", postId: post.id, emoji, on });
      chatApi.react(post.id, emoji, on).catch((e) => {
        store.dispatch({ type: "reactionToggled", postId: post.id, emoji, on: !on });
        setToast(errorText(t, e));
      });
    },
    pin(post, on) {
      chatApi.pin(post.id, on).then(
        () => store.dispatch({ type: "event", event: { type: "pinned", post_id: post.id, channel_id: post.channel_id, pinned: on }, now: Date.now() }),
        (e) => setToast(errorText(t, e)),
      );
    },
    async edit(post, text) {
      const next = await chatApi.edit(post.id, text);
      store.dispatch({ type: "post", post: next });
    },
    remove(post) {
      void (async () => {
        const ok = await confirm({ title: t("chat.deleteTitle"), body: t("chat.deleteBody"), confirmLabel: t("chat.delete"), danger: true });
        if (!ok) return;
        try {
          await chatApi.remove(post.id);
          store.dispatch({ type: "event", event: { type: "post_deleted", post_id: post.id, channel_id: post.channel_id }, now: Date.now() });
        } catch (e) {
          setToast(errorText(t, e));
        }
      })();
    },
    copyLink(post) {
      const tm = teamRef.current;
      if (!tm) return;
      const url = `${location.origin}${permalinkHref(tm.name, post.id)}`;
      const done = () => setToast(t("chat.linkCopied"));
      if (navigator.clipboard?.writeText) navigator.clipboard.writeText(url).then(done, () => setToast(url));
      else setToast(url);
    },
    send(channelId, text, rootId, fileIds) {
      // The next keystroke after a message starts a new "typing" at once.
      delete typingSent.current[`${channelId}:${rootId ?? ""}`];
      const p: PendingPost = {
        client_id: newClientId(),
        channel_id: channelId,
        root_id: rootId,
        text,
        created_at: new Date().toISOString(),
        failed: false,
        ...(fileIds?.length ? { file_ids: fileIds } : {}),
      };
      store.dispatch({ type: "pending", post: p });
      doSend(p);
    },
    resend(clientId) {
      const p = store.state.pending.find((x) => x.client_id === clientId);
      if (!p) return;
      store.dispatch({ type: "pendingDrop", clientId });
      const again = { ...p, failed: false };
      store.dispatch({ type: "pending", post: again });
      doSend(again);
    },
    discard(clientId) {
      store.dispatch({ type: "pendingDrop", clientId });
    },
    typing(channelId, rootId) {
      const key = `${channelId}:${rootId ?? ""}`;
      const now = Date.now();
      if (!shouldSendTyping(typingSent.current[key] ?? null, now)) return;
      typingSent.current[key] = now;
      live.publish(rootId ? { type: "typing", channel_id: channelId, root_id: rootId } : { type: "typing", channel_id: channelId });
    },
  };
  const actionsRef = useRef(actions);
  actionsRef.current = actions;
  const stableActions = useMemo<ChatActions>(
    () =>
      Object.fromEntries(
        (Object.keys(actions) as (keyof ChatActions)[]).map((k) => [k, (...args: unknown[]) => (actionsRef.current[k] as (...a: unknown[]) => unknown)(...args)]),
      ) as unknown as ChatActions,
    [],
  );

  const closePanel = useCallback(() => store.dispatch({ type: "panel", panel: null }), []);

  const follow = async (p: ThreadPanel, on: boolean) => {
    try {
      await chatApi.follow(p.rootId, on);
      const cur = store.state.panel;
      if (cur?.kind === "thread" && cur.rootId === p.rootId) store.dispatch({ type: "panel", panel: { ...cur, following: on } });
      void loadFollowed();
    } catch (e) {
      setToast(errorText(t, e));
    }
  };

  const search = (q: string) => {
    const parsed = parseSearch(q);
    if (parsed.invalid.length) {
      store.dispatch({
        type: "panel",
        panel: { kind: "search", channelId: "", query: q, posts: null, error: new Error(t("chat.searchInvalid", { filters: parsed.invalid.join(" ") })) },
      });
      return;
    }
    if (isEmptySearch(parsed) || !team) return;
    const query = buildSearch(parsed);
    store.dispatch({ type: "panel", panel: { kind: "search", channelId: "", query: q, posts: null, error: null } });
    chatApi.search(team.name, query).then(
      (r) => {
        const p = store.state.panel;
        if (p?.kind === "search" && p.query === q) store.dispatch({ type: "panel", panel: { ...p, posts: r.posts } });
      },
      (e) => {
        const p = store.state.panel;
        if (p?.kind === "search" && p.query === q) store.dispatch({ type: "panel", panel: { ...p, error: e } });
      },
    );
  };

  const showPinned = (ch: Channel) => {
    store.dispatch({ type: "panel", panel: { kind: "pinned", channelId: ch.id, posts: null, stale: false } });
    chatApi.pinned(ch.id).then(
      (posts) => {
        const p = store.state.panel;
        if (p?.kind === "pinned" && p.channelId === ch.id) store.dispatch({ type: "panel", panel: { ...p, posts } });
      },
      (e) => {
        store.dispatch({ type: "panel", panel: null });
        setToast(errorText(t, e));
      },
    );
  };

  const goDefault = () => {
    if (!team) return;
    const def = defaultChannel(Object.values(store.state.channels), team.id);
    navigate(def ? channelHref(team.name, def, me.id) : "/chat", { replace: true });
  };

  const command = async (ch: Channel, c: ChannelCommand) => {
    try {
      switch (c) {
        case "edit":
          setDialog({ kind: "edit", ch });
          return;
        case "members":
        case "invite":
          setDialog({ kind: "members", ch, invite: c === "invite" });
          return;
        case "mute":
        case "unmute":
          await chatApi.mute(ch.id, c === "mute");
          store.dispatch({ type: "muted", channelId: ch.id, muted: c === "mute" });
          setToast(t(c === "mute" ? "chat.mutedToast" : "chat.unmutedToast"));
          return;
        case "leave": {
          const ok = await confirm({
            title: t("chat.leaveTitle", { name: ch.display_name || ch.name }),
            body: ch.kind === "private" ? t("chat.leavePrivate") : undefined,
            confirmLabel: t("chat.menu.leave"),
            danger: ch.kind === "private",
          });
          if (!ok) return;
          await chatApi.leaveChannel(ch.id);
          store.dispatch({ type: "channelRemoved", channelId: ch.id });
          goDefault();
          return;
        }
        case "archive":
        case "unarchive": {
          if (c === "archive") {
            const ok = await confirm({
              title: t("chat.archiveTitle", { name: ch.display_name || ch.name }),
              body: t("chat.archiveBody"),
              confirmLabel: t("chat.menu.archive"),
              danger: true,
            });
            if (!ok) return;
          }
          await chatApi.archive(ch.id, c === "archive");
          store.dispatch({ type: "channel", channel: await chatApi.channel(ch.id) });
          return;
        }
      }
    } catch (e) {
      setToast(errorText(t, e));
    }
  };

  const toggleNotify = async (on: boolean) => {
    if (!on) {
      setItem(NOTIFY_KEY, null);
      setNotifyOn(false);
      return;
    }
    if (typeof Notification === "undefined") {
      setToast(t("chat.notifyUnsupported"));
      return;
    }
    let perm = Notification.permission;
    if (perm === "default") {
      try {
        perm = await Notification.requestPermission();
      } catch {
        perm = "denied";
      }
    }
    if (perm === "granted") {
      setItem(NOTIFY_KEY, "1");
      setNotifyOn(true);
    } else setToast(t("chat.notifyDenied"));
  };

  const ctx: ChatCtxValue | null = team ? { store, live, meId: me.id, team, actions: stableActions, highlight: aroundId, editing, setEditing } : null;

  // ---- render
  if (!ready) {
    return (
      <div class="chat-app chat-loading">
        {loadError ? (
          <div class="container page page-narrow">
            <p class="field-error">{errorText(t, loadError)}</p>
            <Button variant="secondary" onClick={() => reload().catch(() => {})}>
              {t("app.retry")}
            </Button>
          </div>
        ) : (
          <Spinner label={t("app.loading")} />
        )}
      </div>
    );
  }

  if (!team || !ctx) {
    return <NoTeam name={route.team} missing={missing} onJoined={() => reload().catch(() => {})} />;
  }

  let main;
  if (route.view === "threads") {
    main = <FollowedThreads onDrawer={() => setDrawer(true)} />;
  } else if (current) {
    const ch = current;
    main = (
      <ChannelPane
        key={ch.id}
        ch={ch}
        view={view}
        announce={announce}
        onDrawer={() => setDrawer(true)}
        onSearch={search}
        onPinned={() => showPinned(ch)}
        onCommand={(c) => void command(ch, c)}
        onOlder={async () => {
          const v = store.state.views[ch.id];
          const oldest = v?.posts[0]?.id;
          if (!oldest) return;
          const page = await chatApi.posts(ch.id, oldest);
          store.dispatch({ type: "posts", channelId: ch.id, posts: page.posts, mode: "older", moreBefore: page.more, moreAfter: v?.moreAfter ?? false });
        }}
        onNewer={async () => {
          const v = store.state.views[ch.id];
          const newest = v?.posts[v.posts.length - 1]?.id;
          if (!v || !newest) return;
          const page = await chatApi.after(ch.id, newest);
          const more = typeof page.more_after === "boolean" ? page.more_after : !!page.more;
          const posts = [...v.posts, ...page.posts.filter((p) => p.id > newest)];
          store.dispatch({ type: "posts", channelId: ch.id, posts, mode: "replace", moreBefore: v.moreBefore, moreAfter: more });
        }}
        onRecent={() => {
          navigate(channelHref(team.name, ch, me.id));
          loadLatest(ch.id).catch((e) => setToast(errorText(t, e)));
        }}
      />
    );
  } else if (missing?.kind === "join") {
    const ch = missing.ch;
    main = (
      <JoinPrompt
        ch={ch}
        onDrawer={() => setDrawer(true)}
        onJoin={async () => {
          await chatApi.joinChannel(ch.id);
          store.dispatch({ type: "channel", channel: await chatApi.channel(ch.id) });
          setMissing(null);
        }}
      />
    );
  } else if (missing?.kind === "notFound") {
    main = (
      <section class="chat-channel chat-empty-pane">
        <header class="chat-head">
          <button type="button" class="icon-btn chat-drawer-btn" aria-label={t("chat.openSidebar")} onClick={() => setDrawer(true)}>
            <IconMenu />
          </button>
          <div class="chat-head-title">
            <h1 class="chat-head-name">{t("chat.notFound")}</h1>
          </div>
        </header>
        <div class="chat-center-note">
          <p>{t("chat.notFoundBody")}</p>
          <Button variant="secondary" onClick={goDefault}>
            {t("chat.backToTeam")}
          </Button>
        </div>
      </section>
    );
  } else {
    main = (
      <div class="chat-channel">
        <Spinner label={t("app.loading")} />
      </div>
    );
  }

  return (
    <ChatCtx.Provider value={ctx}>
      <div class={cx("chat-app", drawer && "drawer-open", panel && "has-panel", phone && "is-phone")} data-live={live.state ?? "none"}>
        <div class="chat-sidebar" id="chat-sidebar">
          <Sidebar
            currentId={current?.id ?? null}
            threadsActive={route.view === "threads"}
            onCreate={() => setDialog({ kind: "create" })}
            onBrowse={() => setDialog({ kind: "browse" })}
            onDirect={() => setDialog({ kind: "direct" })}
            notifyOn={notifyOn}
            onNotify={(on) => void toggleNotify(on)}
            onClose={() => setDrawer(false)}
          />
        </div>
        {drawer && <div class="chat-backdrop" aria-hidden="true" onClick={() => setDrawer(false)} />}
        <div class="chat-main">{main}</div>
        {panel && <SidePanel panel={panel} onClose={closePanel} onFollow={(p, on) => void follow(p, on)} />}
      </div>
      {live.state && live.state !== "connected" && ready && (
        <p class="chat-conn" role="status">
          {t(live.state === "offline" ? "chat.offline" : "chat.reconnecting")}
        </p>
      )}
      {toast && (
        <p class="chat-toast" role="status">
          {toast}
        </p>
      )}
      {dialog?.kind === "create" && (
        <CreateChannelDialog
          onClose={() => setDialog(null)}
          onCreated={(ch) => {
            store.dispatch({ type: "channel", channel: ch });
            setDialog(null);
            navigate(channelHref(team.name, ch, me.id));
          }}
        />
      )}
      {dialog?.kind === "browse" && (
        <BrowseDialog
          onClose={() => setDialog(null)}
          onOpen={async (c, join) => {
            if (join) {
              await chatApi.joinChannel(c.id);
              store.dispatch({ type: "channel", channel: await chatApi.channel(c.id) });
            }
            setDialog(null);
            navigate(channelHref(team.name, c, me.id));
          }}
        />
      )}
      {dialog?.kind === "direct" && (
        <DirectDialog
          onClose={() => setDialog(null)}
          onOpen={async (usernames) => {
            const ch = await chatApi.direct(usernames);
            store.dispatch({ type: "channel", channel: ch });
            setDialog(null);
            navigate(channelHref(team.name, ch, me.id));
          }}
        />
      )}
      {dialog?.kind === "edit" && (
        <EditChannelDialog
          ch={dialog.ch}
          onClose={() => setDialog(null)}
          onSaved={(ch) => {
            store.dispatch({ type: "channel", channel: { ...ch, me: ch.me ?? dialog.ch.me } });
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === "members" && <MembersDialog ch={dialog.ch} invite={dialog.invite} onClose={() => setDialog(null)} />}
      {confirmEl}
    </ChatCtx.Provider>
  );
}

function NoTeam({ name, missing, onJoined }: { name: string; missing: Missing | null; onJoined: () => void }) {
  const { t } = useApp();
  const { busy, error, run } = useSubmit();
  const open = missing?.kind === "noTeam" ? missing.open : null;
  return (
    <div class="container page page-narrow">
      <h1 class="chat-noteam-title">{open ? open.display_name : name}</h1>
      {!missing ? (
        <Spinner />
      ) : open ? (
        <div class="card stack">
          <p>{t("chat.teamJoinAsk")}</p>
          {open.description && <p class="muted">{open.description}</p>}
          <div>
            <Button
              loading={busy}
              onClick={async () => {
                await run(async () => {
                  await chatApi.joinTeam(open.name);
                  onJoined();
                  return STAY_BUSY;
                });
              }}
            >
              {t("chat.joinTeam")}
            </Button>
          </div>
          {error ? <p class="field-error">{errorText(t, error)}</p> : null}
        </div>
      ) : (
        <div class="card stack">
          <p>{t("chat.teamNotFound")}</p>
          <div>
            <Link href="/chat" class="btn btn-secondary">
              {t("chat.allTeams")}
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}

function FollowedThreads({ onDrawer }: { onDrawer: () => void }) {
  const { t, lang } = useApp();
  const { store, actions, meId } = useChat();
  const list = store.state.followed;
  return (
    <section class="chat-channel chat-threads-view">
      <header class="chat-head">
        <button type="button" class="icon-btn chat-drawer-btn" aria-label={t("chat.openSidebar")} onClick={onDrawer}>
          <IconMenu />
        </button>
        <div class="chat-head-title">
          <h1 class="chat-head-name">
            <IconThreads />
            <span class="chat-head-label">{t("chat.threads")}</span>
          </h1>
          <p class="chat-head-header">{t("chat.threadsDesc")}</p>
        </div>
      </header>
      <div class="chat-scroll">
        {!list ? (
          <Spinner label={t("app.loading")} />
        ) : !list.length ? (
          <EmptyState>{t("chat.threadsEmpty")}</EmptyState>
        ) : (
          <ul class="chat-thread-list">
            {list.map((f) => {
              const ch = store.state.channels[f.channel_id];
              return (
                <li key={f.root.id}>
                  <button type="button" class={cx("chat-thread-item", f.unread_replies > 0 && "is-unread")} onClick={() => actions.openThread(f.root)}>
                    <span class="chat-thread-meta">
                      <span class="chat-result-channel">{ch ? channelLabel(ch, meId, t) : ""}</span>
                      <span class="muted small">{f.last_reply_at ? formatFull(lang, f.last_reply_at) : ""}</span>
                    </span>
                    <span class="chat-result-author">{postAuthor(f.root, t).name}</span>
                    <span class="chat-result-text">{f.root.deleted ? t("chat.deleted") : snippet(f.root.text, 200)}</span>
                    <span class="chat-thread-counts">
                      <span>{t(f.reply_count === 1 ? "chat.replies.one" : "chat.replies.other", { count: f.reply_count })}</span>
                      {f.unread_replies > 0 && <span class="chat-unread-pill">{t("chat.unreadReplies", { count: f.unread_replies })}</span>}
                      {f.unread_mentions > 0 && <span class="chat-badge">{f.unread_mentions}</span>}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </section>
  );
}
