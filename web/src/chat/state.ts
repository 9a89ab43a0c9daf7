// The chat's client state and how every change (HTTP answers, realtime events, local actions)
// applies to it: a pure reducer, unit-tested in test/chat.test.ts. Unread and mention counts are
// kept on the server; here they are bumped by live events and cleared by reads, idempotently (an
// event seen twice, or already in a snapshot, counts once).
import type { ChatEvent } from "./sync.ts";
import type { Channel, ChatUser, FollowedThread, PendingPost, Post, PresenceStatus, Reaction, SearchPost, Team, ChatStatus } from "./types.ts";

export interface ChannelView {
  /** Oldest first. */
  posts: Post[];
  moreBefore: boolean;
  /** True when the newest posts are not loaded (opened around a permalink). */
  moreAfter: boolean;
  /** Posts after this id get the "new messages" line (set when the channel is opened with unread posts). */
  newAfter: number | null;
}

export interface ThreadPanel {
  kind: "thread";
  rootId: number;
  channelId: string;
  root: Post | null;
  replies: Post[];
  following: boolean;
}

export interface PinnedPanel {
  kind: "pinned";
  channelId: string;
  posts: Post[] | null;
  stale: boolean;
}

export interface SearchPanel {
  kind: "search";
  /** Always "": results come from every channel. */
  channelId: string;
  query: string;
  posts: SearchPost[] | null;
  error: unknown;
}

export type Panel = ThreadPanel | PinnedPanel | SearchPanel;

export interface TypingEntry {
  user: ChatUser;
  until: number;
}

export interface ChatState {
  meId: string;
  teams: Team[];
  channels: Record<string, Channel>;
  views: Record<string, ChannelView>;
  pending: PendingPost[];
  panel: Panel | null;
  followed: FollowedThread[] | null;
  /** Key `${channel_id}:${root_id ?? ""}`. */
  typing: Record<string, TypingEntry[]>;
  presence: Record<string, PresenceStatus>;
  /** Custom statuses changed since the users were loaded (null: cleared). */
  statuses: Record<string, ChatStatus | null>;
  /** The channel on screen and whether the window is visible. */
  focus: { channelId: string | null; visible: boolean };
  /** The highest post id counted per channel (never counted twice). */
  counted: Record<string, number>;
  /**
   * Posts (others', not counted yet) of channels not known yet: the post can come before its
   * channel, or the channel's snapshot can have been taken before the post. Counted when the
   * channel comes, if that snapshot does not include them.
   */
  orphans: Record<string, Post[]>;
  /**
   * Per channel, the time of the last post the server's counts include (ms): from the server's
   * snapshots only, never moved by posts counted here, so that two posts of the same millisecond
   * both count while a post the snapshot already counts does not count again.
   */
  snapshotAt: Record<string, number>;
}

/** Posts kept per unknown channel (past that, the server's counts will say on the next reload). */
const ORPHANS_KEPT = 100;

export function initialState(meId: string): ChatState {
  return {
    meId,
    teams: [],
    channels: {},
    views: {},
    pending: [],
    panel: null,
    followed: null,
    typing: {},
    presence: {},
    statuses: {},
    focus: { channelId: null, visible: true },
    counted: {},
    orphans: {},
    snapshotAt: {},
  };
}

export type Action =
  /** A fresh snapshot; only the view of `keep` (the open channel) stays, the others reload when opened. */
  | { type: "loaded"; teams: Team[]; channels: Channel[]; keep?: string | null }
  | { type: "teams"; teams: Team[] }
  | { type: "channel"; channel: Channel }
  | { type: "channelRemoved"; channelId: string }
  | { type: "posts"; channelId: string; posts: Post[]; mode: "replace" | "older"; moreBefore: boolean; moreAfter: boolean }
  | { type: "event"; event: ChatEvent; now: number }
  | { type: "pending"; post: PendingPost }
  | { type: "pendingFailed"; clientId: string }
  | { type: "pendingDrop"; clientId: string }
  | { type: "sent"; post: Post; clientId: string }
  | { type: "post"; post: Post }
  | { type: "reactionToggled"; postId: number; emoji: string; on: boolean }
  | { type: "read"; channelId: string }
  | { type: "muted"; channelId: string; muted: boolean }
  | { type: "focus"; channelId: string | null; visible: boolean }
  | { type: "panel"; panel: Panel | null }
  | { type: "followed"; list: FollowedThread[] | null }
  | { type: "threadRead"; rootId: number }
  | { type: "typingExpire"; now: number };

export const TYPING_SHOWN_MS = 6000;

export function typingKey(channelId: string, rootId: number | null | undefined): string {
  return `${channelId}:${rootId ?? ""}`;
}

/** Inserts or replaces a post in an oldest-first list (by id). */
export function upsertPost(list: Post[], post: Post): Post[] {
  const i = list.findIndex((p) => p.id === post.id);
  if (i >= 0) {
    const out = list.slice();
    out[i] = post;
    return out;
  }
  const last = list[list.length - 1];
  if (!last || last.id < post.id) return [...list, post];
  const out = list.slice();
  let at = out.findIndex((p) => p.id > post.id);
  if (at < 0) at = out.length;
  out.splice(at, 0, post);
  return out;
}

function mapPost(list: Post[], id: number, f: (p: Post) => Post): Post[] {
  let changed = false;
  const out = list.map((p) => {
    if (p.id !== id) return p;
    changed = true;
    return f(p);
  });
  return changed ? out : list;
}

/** Whether the post mentions me: the server's list, or @channel/@all/@here, or @username. */
export function mentionsMe(post: Post, me: { id: string; username?: string }): boolean {
  if (post.mentions?.includes(me.id)) return true;
  const text = post.text ?? "";
  if (/(^|[^\w@])@(channel|all|here)\b/i.test(text)) return true;
  if (me.username) {
    const re = new RegExp(`(^|[^\\w@])@${me.username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "i");
    if (re.test(text)) return true;
  }
  return false;
}

/** Mine flag of reactions as the server meant it for me. */
function ownReactions(reactions: Reaction[], meId: string): Reaction[] {
  return reactions.map((r) => (Array.isArray(r.users) ? { ...r, me: r.users.includes(meId) } : r));
}

/** A reaction added or removed by me, applied before the server confirms it. */
export function toggleReaction(reactions: Reaction[], emoji: string, meId: string, on: boolean): Reaction[] {
  const i = reactions.findIndex((r) => r.emoji === emoji);
  if (on) {
    if (i >= 0) {
      const r = reactions[i] as Reaction;
      if (r.me) return reactions;
      const out = reactions.slice();
      out[i] = { ...r, count: r.count + 1, me: true, users: [...(r.users ?? []), meId] };
      return out;
    }
    return [...reactions, { emoji, count: 1, me: true, users: [meId] }];
  }
  if (i < 0) return reactions;
  const r = reactions[i] as Reaction;
  if (!r.me) return reactions;
  if (r.count <= 1) return reactions.filter((_, j) => j !== i);
  const out = reactions.slice();
  out[i] = { ...r, count: r.count - 1, me: false, users: (r.users ?? []).filter((u) => u !== meId) };
  return out;
}

/** The badge number of a channel: mentions; every unread message of a direct or group channel. */
export function badgeCount(ch: Channel): number {
  if (!ch.me) return 0;
  if (ch.kind === "direct" || ch.kind === "group") return Math.max(ch.me.unread, ch.me.mentions);
  return ch.me.mentions;
}

/** The mentions waiting in all my channels (the page title's number). */
export function totalMentions(channels: Iterable<Channel>): number {
  let n = 0;
  for (const c of channels) n += badgeCount(c);
  return n;
}

/** "(2) Chat" */
export function titleWithCount(count: number, title: string): string {
  return count > 0 ? `(${count}) ${title}` : title;
}

/** Whether a new post deserves a browser notification. */
export function shouldNotify(post: Post, ch: Channel | undefined, me: { id: string; username?: string }, opts: { enabled: boolean; hidden: boolean }): boolean {
  if (!opts.enabled || !opts.hidden || !ch) return false;
  if (post.user.id === me.id || ch.me?.muted || post.deleted) return false;
  return ch.kind === "direct" || ch.kind === "group" || mentionsMe(post, me);
}

function withChannel(state: ChatState, ch: Channel): ChatState {
  return { ...state, channels: { ...state.channels, [ch.id]: ch } };
}

function later(a: string | null, b: string): string {
  return a && a > b ? a : b;
}

function ms(t: string | null | undefined): number {
  const n = t ? Date.parse(t) : NaN;
  return Number.isNaN(n) ? 0 : n;
}

/** Whether a post, not counted yet, makes the channel unread for me now. */
function countable(s: ChatState, ch: Channel, post: Post): boolean {
  // A post at or before the snapshot's last one is already in its counts.
  const snapshot = s.snapshotAt[ch.id];
  const inSnapshot = snapshot !== undefined ? ms(post.created_at) <= snapshot : ms(post.created_at) < ms(ch.last_post_at);
  const read = !!ch.me && post.id <= ch.me.last_viewed_post;
  const looking = s.focus.channelId === ch.id && s.focus.visible;
  return !!ch.me && !inSnapshot && !read && !looking && post.user.id !== s.meId;
}

function bump(ch: Channel, post: Post, count: boolean, meId: string, username?: string): Channel {
  let me = ch.me;
  if (me && count) me = { ...me, unread: me.unread + 1, mentions: me.mentions + (mentionsMe(post, { id: meId, username }) ? 1 : 0) };
  return { ...ch, me, last_post_at: later(ch.last_post_at, post.created_at) };
}

/**
 * A channel as the server sent it (an event or an HTTP answer), reconciled with what was counted
 * here: the server's counts stand, except when its snapshot is older than posts already counted
 * (it was computed before them and reached us after them: its counts would forget them), and
 * posts that came before their channel are counted when the snapshot does not include them.
 */
function adopt(state: ChatState, incoming: Channel, username?: string): ChatState {
  let s = state;
  const old = s.channels[incoming.id];
  let ch = incoming;
  if (old?.me && !ch.me) ch = { ...ch, me: old.me };
  else if (old?.me && ch.me && ms(ch.last_post_at) < ms(old.last_post_at)) {
    ch = { ...ch, last_post_at: old.last_post_at, me: { ...ch.me, unread: old.me.unread, mentions: old.me.mentions, last_viewed_post: old.me.last_viewed_post } };
  }
  const at = Math.max(ms(incoming.last_post_at), s.snapshotAt[ch.id] ?? 0);
  if (s.snapshotAt[ch.id] !== at) s = { ...s, snapshotAt: { ...s.snapshotAt, [ch.id]: at } };
  const waiting = s.orphans[ch.id];
  if (waiting) {
    const orphans = { ...s.orphans };
    delete orphans[ch.id];
    s = { ...s, orphans };
    for (const p of waiting) ch = bump(ch, p, countable(s, ch, p), s.meId, username);
  }
  return withChannel(s, ch);
}

function applyPosted(state: ChatState, post: Post, clientId: string | null, now: number, username?: string): ChatState {
  let s = state;
  const pending = clientId ? s.pending.filter((p) => p.client_id !== clientId) : s.pending;
  if (pending !== s.pending) s = { ...s, pending };

  // The author stops typing.
  const tk = typingKey(post.channel_id, post.root_id);
  const typing = s.typing[tk];
  if (typing && typing.some((e) => e.user.id === post.user.id)) {
    s = { ...s, typing: { ...s.typing, [tk]: typing.filter((e) => e.user.id !== post.user.id) } };
  }

  let isNew = true;
  const view = s.views[post.channel_id];
  if (view) {
    if (view.posts.some((p) => p.id === post.id)) isNew = false;
    else if (!view.moreAfter) {
      let posts = upsertPost(view.posts, post);
      if (post.root_id !== null) {
        posts = mapPost(posts, post.root_id, (r) => ({ ...r, reply_count: r.reply_count + 1, last_reply_at: post.created_at }));
      }
      s = { ...s, views: { ...s.views, [post.channel_id]: { ...view, posts } } };
    }
  }

  const panel = s.panel;
  if (panel && panel.kind === "thread" && post.root_id === panel.rootId) {
    if (!panel.replies.some((p) => p.id === post.id)) {
      const root = panel.root ? { ...panel.root, reply_count: panel.root.reply_count + 1, last_reply_at: post.created_at } : null;
      s = { ...s, panel: { ...panel, root, replies: upsertPost(panel.replies, post) } };
    } else isNew = false;
  }

  // Unread bookkeeping, once per post.
  const ch = s.channels[post.channel_id];
  const counted = s.counted[post.channel_id];
  const already = (counted !== undefined && post.id <= counted) || !isNew;
  if (ch) s = withChannel(s, bump(ch, post, !already && countable(s, ch, post), s.meId, username));
  else if (!already && post.user.id !== s.meId) {
    const list = (s.orphans[post.channel_id] ?? []).concat(post).slice(-ORPHANS_KEPT);
    s = { ...s, orphans: { ...s.orphans, [post.channel_id]: list } };
  }
  if (counted === undefined || post.id > counted) s = { ...s, counted: { ...s.counted, [post.channel_id]: post.id } };

  // Followed threads.
  if (isNew && post.root_id !== null && s.followed) {
    const rootId = post.root_id;
    const open = s.panel?.kind === "thread" && s.panel.rootId === rootId && s.focus.visible;
    const mine = post.user.id === s.meId;
    let changed = false;
    const followed = s.followed.map((f) => {
      if (f.root.id !== rootId) return f;
      changed = true;
      return {
        ...f,
        reply_count: f.reply_count + 1,
        last_reply_at: post.created_at,
        unread_replies: open || mine ? f.unread_replies : f.unread_replies + 1,
        unread_mentions: open || mine || !mentionsMe(post, { id: s.meId, username }) ? f.unread_mentions : f.unread_mentions + 1,
      };
    });
    if (changed) s = { ...s, followed };
  }
  void now;
  return s;
}

/** Applies one post change (edit, delete, reactions, pin) wherever the post is shown. */
function everywhere(state: ChatState, channelId: string | null, postId: number, f: (p: Post) => Post): ChatState {
  let s = state;
  const ids = channelId ? [channelId] : Object.keys(s.views);
  for (const id of ids) {
    const view = s.views[id];
    if (!view) continue;
    const posts = mapPost(view.posts, postId, f);
    if (posts !== view.posts) s = { ...s, views: { ...s.views, [id]: { ...view, posts } } };
  }
  const panel = s.panel;
  if (panel?.kind === "thread") {
    const root = panel.root && panel.root.id === postId ? f(panel.root) : panel.root;
    const replies = mapPost(panel.replies, postId, f);
    if (root !== panel.root || replies !== panel.replies) s = { ...s, panel: { ...panel, root, replies } };
  } else if (panel?.kind === "pinned" && panel.posts) {
    const posts = mapPost(panel.posts, postId, f);
    if (posts !== panel.posts) s = { ...s, panel: { ...panel, posts } };
  }
  if (s.followed) {
    let changed = false;
    const followed = s.followed.map((t) => {
      if (t.root.id !== postId) return t;
      changed = true;
      return { ...t, root: f(t.root) };
    });
    if (changed) s = { ...s, followed };
  }
  return s;
}

function findPost(state: ChatState, channelId: string, postId: number): Post | null {
  const v = state.views[channelId];
  const p = v?.posts.find((x) => x.id === postId);
  if (p) return p;
  const panel = state.panel;
  if (panel?.kind === "thread") {
    if (panel.root?.id === postId) return panel.root;
    return panel.replies.find((x) => x.id === postId) ?? null;
  }
  return null;
}

function applyEvent(state: ChatState, e: ChatEvent, now: number, username?: string): ChatState {
  const s = state;
  switch (e.type) {
    case "posted": {
      const post = e.post as Post | undefined;
      if (!post || typeof post.id !== "number") return s;
      return applyPosted(s, post, typeof e.client_id === "string" ? e.client_id : null, now, username);
    }
    case "post_edited": {
      const post = e.post as Post | undefined;
      if (!post) return s;
      return everywhere(s, post.channel_id, post.id, () => post);
    }
    case "post_deleted": {
      const postId = e.post_id as number;
      const channelId = (e.channel_id as string) ?? null;
      let out = everywhere(s, channelId, postId, (p) => ({ ...p, deleted: true, text: "", html: "", reactions: [], pinned: false }));
      if (out.panel?.kind === "pinned" && out.panel.posts) {
        const posts = out.panel.posts.filter((p) => p.id !== postId);
        out = { ...out, panel: { ...out.panel, posts } };
      }
      return out;
    }
    case "reaction": {
      const reactions = Array.isArray(e.reactions) ? ownReactions(e.reactions as Reaction[], s.meId) : [];
      return everywhere(s, (e.channel_id as string) ?? null, e.post_id as number, (p) => ({ ...p, reactions }));
    }
    case "pinned": {
      const postId = e.post_id as number;
      const channelId = e.channel_id as string;
      const pinned = !!e.pinned;
      let out = everywhere(s, channelId, postId, (p) => ({ ...p, pinned }));
      const panel = out.panel;
      if (panel?.kind === "pinned" && panel.channelId === channelId) {
        const has = panel.posts?.some((p) => p.id === postId) ?? false;
        if (!pinned && panel.posts) out = { ...out, panel: { ...panel, posts: panel.posts.filter((p) => p.id !== postId) } };
        else if (pinned && !has) {
          const post = findPost(out, channelId, postId);
          out = post && panel.posts ? { ...out, panel: { ...panel, posts: [{ ...post, pinned: true }, ...panel.posts] } } : { ...out, panel: { ...panel, stale: true } };
        }
      }
      return out;
    }
    case "channel_updated": {
      const ch = e.channel as Channel | undefined;
      if (!ch || !ch.id) return s;
      return adopt(s, ch, username);
    }
    case "channel_removed":
      return removeChannel(s, e.channel_id as string);
    case "member_joined":
    case "member_left": {
      const ch = s.channels[e.channel_id as string];
      const user = e.user as ChatUser | undefined;
      if (!ch || (user && user.id === s.meId && e.type === "member_left")) return s;
      const members = Math.max(0, ch.members + (e.type === "member_joined" ? 1 : -1));
      return withChannel(s, { ...ch, members });
    }
    case "read": {
      const ch = s.channels[e.channel_id as string];
      if (!ch?.me) return s;
      const last = typeof e.last_viewed_post === "number" ? e.last_viewed_post : ch.me.last_viewed_post;
      return withChannel(s, { ...ch, me: { ...ch.me, unread: 0, mentions: 0, last_viewed_post: last } });
    }
    case "typing": {
      const user = e.user as ChatUser | undefined;
      const channelId = e.channel_id as string;
      if (!user || !channelId || user.id === s.meId) return s;
      const key = typingKey(channelId, (e.root_id as number | null | undefined) ?? null);
      const list = (s.typing[key] ?? []).filter((x) => x.user.id !== user.id);
      return { ...s, typing: { ...s.typing, [key]: [...list, { user, until: now + TYPING_SHOWN_MS }] } };
    }
    case "status": {
      const userId = e.user_id as string;
      if (!userId) return s;
      return { ...s, statuses: { ...s.statuses, [userId]: (e.status as ChatStatus | null) ?? null } };
    }
    case "presence_snapshot": {
      // Who is online as the socket (re)subscribes: anyone not listed is offline, including
      // those who left while it was away.
      const presence: Record<string, PresenceStatus> = {};
      for (const [userId, status] of Object.entries((e.statuses as Record<string, unknown> | undefined) ?? {})) {
        if (status === "online" || status === "away") presence[userId] = status;
      }
      return { ...s, presence };
    }
    case "presence": {
      const userId = e.user_id as string;
      const status = e.status as PresenceStatus;
      if (!userId || (status !== "online" && status !== "away" && status !== "offline")) return s;
      if (s.presence[userId] === status) return s;
      return { ...s, presence: { ...s.presence, [userId]: status } };
    }
    default:
      return s;
  }
}

function removeChannel(s: ChatState, id: string): ChatState {
  if (!s.channels[id] && !s.views[id]) return s;
  const channels = { ...s.channels };
  delete channels[id];
  const views = { ...s.views };
  delete views[id];
  const panel = s.panel && s.panel.kind !== "search" && s.panel.channelId === id ? null : s.panel;
  return { ...s, channels, views, panel };
}

/** Applies an action. `username` is mine (to recognise @me in texts the server did not resolve). */
export function reduce(state: ChatState, action: Action, username?: string): ChatState {
  const s = state;
  switch (action.type) {
    case "loaded": {
      // Each channel reconciled with the one it replaces (the answer may predate posts counted).
      let next: ChatState = s;
      for (const c of action.channels) next = adopt(next, c, username);
      const channels: Record<string, Channel> = {};
      for (const c of action.channels) channels[c.id] = next.channels[c.id] ?? c;
      const views: Record<string, ChannelView> = {};
      const kept = action.keep ? s.views[action.keep] : undefined;
      if (action.keep && kept && channels[action.keep]) views[action.keep] = kept;
      return { ...next, teams: action.teams, channels, views };
    }
    case "teams":
      return { ...s, teams: action.teams };
    case "channel":
      return adopt(s, action.channel, username);
    case "channelRemoved":
      return removeChannel(s, action.channelId);
    case "posts": {
      const old = s.views[action.channelId];
      const sorted = action.posts.slice().sort((a, b) => a.id - b.id);
      let view: ChannelView;
      if (action.mode === "older" && old) {
        let posts = old.posts;
        for (const p of sorted) posts = upsertPost(posts, p);
        view = { ...old, posts, moreBefore: action.moreBefore };
      } else {
        const ch = s.channels[action.channelId];
        const newAfter = ch?.me && ch.me.unread > 0 ? ch.me.last_viewed_post : null;
        view = { posts: sorted, moreBefore: action.moreBefore, moreAfter: action.moreAfter, newAfter };
      }
      const newest = sorted[sorted.length - 1];
      const counted = newest && (s.counted[action.channelId] ?? 0) < newest.id ? { ...s.counted, [action.channelId]: newest.id } : s.counted;
      return { ...s, views: { ...s.views, [action.channelId]: view }, counted };
    }
    case "event":
      return applyEvent(s, action.event, action.now, username);
    case "pending":
      return { ...s, pending: [...s.pending, action.post] };
    case "pendingFailed":
      return { ...s, pending: s.pending.map((p) => (p.client_id === action.clientId ? { ...p, failed: true } : p)) };
    case "pendingDrop":
      return { ...s, pending: s.pending.filter((p) => p.client_id !== action.clientId) };
    case "sent":
      return applyPosted(s, action.post, action.clientId, 0, username);
    case "post":
      return everywhere(s, action.post.channel_id, action.post.id, () => action.post);
    case "reactionToggled":
      return everywhere(s, null, action.postId, (p) => ({ ...p, reactions: toggleReaction(p.reactions, action.emoji, s.meId, action.on) }));
    case "read": {
      const ch = s.channels[action.channelId];
      if (!ch?.me || (ch.me.unread === 0 && ch.me.mentions === 0)) return s;
      const view = s.views[action.channelId];
      const newest = view?.posts[view.posts.length - 1]?.id ?? ch.me.last_viewed_post;
      return withChannel(s, { ...ch, me: { ...ch.me, unread: 0, mentions: 0, last_viewed_post: newest } });
    }
    case "muted": {
      const ch = s.channels[action.channelId];
      return ch?.me ? withChannel(s, { ...ch, me: { ...ch.me, muted: action.muted } }) : s;
    }
    case "focus":
      if (s.focus.channelId === action.channelId && s.focus.visible === action.visible) return s;
      return { ...s, focus: { channelId: action.channelId, visible: action.visible } };
    case "panel":
      return { ...s, panel: action.panel };
    case "followed":
      return { ...s, followed: action.list };
    case "threadRead":
      if (!s.followed) return s;
      return { ...s, followed: s.followed.map((f) => (f.root.id === action.rootId ? { ...f, unread_replies: 0, unread_mentions: 0 } : f)) };
    case "typingExpire": {
      let changed = false;
      const typing: Record<string, TypingEntry[]> = {};
      for (const [k, list] of Object.entries(s.typing)) {
        const keep = list.filter((x) => x.until > action.now);
        if (keep.length !== list.length) changed = true;
        if (keep.length) typing[k] = keep;
        else if (list.length) changed = true;
      }
      return changed ? { ...s, typing } : s;
    }
  }
}

/** Sorted channels of a team for the sidebar: public/private channels, then direct and group ones. */
export function sidebarGroups(channels: Iterable<Channel>, teamId: string): { channels: Channel[]; direct: Channel[] } {
  const list = [...channels];
  const byName = (a: Channel, b: Channel) => (a.display_name || a.name).localeCompare(b.display_name || b.name);
  const chans = list.filter((c) => c.team_id === teamId && (c.kind === "public" || c.kind === "private")).sort(byName);
  const direct = list
    .filter((c) => c.kind === "direct" || c.kind === "group")
    .sort((a, b) => (b.last_post_at ?? b.created_at ?? "").localeCompare(a.last_post_at ?? a.created_at ?? ""));
  return { channels: chans, direct };
}

/** Whether a team has unread messages (non-muted) or mentions, for the team switcher. */
export function teamUnread(channels: Iterable<Channel>, teamId: string): { unread: boolean; mentions: number } {
  let unread = false;
  let mentions = 0;
  for (const c of channels) {
    if (c.team_id !== teamId || !c.me) continue;
    if (c.me.unread > 0 && !c.me.muted) unread = true;
    mentions += c.me.mentions;
  }
  return { unread, mentions };
}
