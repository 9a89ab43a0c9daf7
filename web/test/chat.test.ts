import assert from "node:assert/strict";
import { test } from "node:test";
import { emojiChar, EMOJI } from "../src/chat/emoji.ts";
import { completeMention, mentionAt, rankMentions } from "../src/chat/mentions.ts";
import { channelHref, channelLabel, defaultChannel, findChannel, nameProblem, permalinkHref, postAuthor, suggestName } from "../src/chat/names.ts";
import { buildSearch, isDate, isEmptySearch, parseSearch } from "../src/chat/search.ts";
import {
  type ChatState,
  badgeCount,
  initialState,
  mentionsMe,
  reduce,
  shouldNotify,
  sidebarGroups,
  teamUnread,
  titleWithCount,
  toggleReaction,
  totalMentions,
  typingKey,
} from "../src/chat/state.ts";
import { ChatSync, type ChatEvent, type SyncOutput } from "../src/chat/sync.ts";
import { buildTimeline, lastOwnPost, localDay, newClientId, shouldSendTyping } from "../src/chat/timeline.ts";
import type { Channel, ChatMember, ChatUser, Post } from "../src/chat/types.ts";

// ---------------------------------------------------------------- fixtures

const ME: ChatUser = { id: "u_me", username: "ana", display_name: "Ana", avatar_color: "#123456" };
const BOB: ChatUser = { id: "u_bob", username: "bob", display_name: "Bob Martin", avatar_color: "#654321" };

function channel(id: string, over: Partial<Channel> = {}): Channel {
  return {
    id,
    team_id: "t_1",
    kind: "public",
    name: id.replace(/^c_/, ""),
    display_name: id,
    header: "",
    purpose: "",
    archived: false,
    created_at: "2026-11-01T10:00:00Z",
    last_post_at: "2026-11-20T10:00:00Z",
    members: 2,
    retention_days: null,
    default_retention_days: 0,
    me: { role: "member", unread: 0, mentions: 0, muted: false, notify: "all", last_viewed_post: 10 },
    ...over,
  };
}

function post(id: number, over: Partial<Post> = {}): Post {
  return {
    id,
    channel_id: "c_town",
    user: BOB,
    root_id: null,
    text: `message ${id}`,
    html: `<p>message ${id}</p>`,
    created_at: new Date(Date.UTC(2026, 10, 25, 10, 0, id)).toISOString(),
    edited_at: null,
    deleted: false,
    pinned: false,
    reactions: [],
    reply_count: 0,
    last_reply_at: null,
    mentions: [],
    files: [],
    props: {},
    ...over,
  };
}

function loaded(...channels: Channel[]): ChatState {
  return reduce(initialState(ME.id), { type: "loaded", teams: [], channels }, ME.username);
}

const ev = (event: ChatEvent) => ({ type: "event" as const, event, now: 1000 });
const posted = (p: Post, id?: number, client_id?: string): ChatEvent => ({ id, type: "posted", post: p, ...(client_id ? { client_id } : {}) });

function applied(outs: SyncOutput[]): number[] {
  return outs.flatMap((o) => (o.kind === "apply" ? o.events.map((e) => (typeof e.id === "number" ? e.id : -1)) : []));
}

// ---------------------------------------------------------------- sync (catch-up state machine)

test("sync: the first subscription reloads, live events wait for the snapshot, then apply in order", () => {
  const s = new ChatSync();
  assert.deepEqual(s.subscribed(), [{ kind: "reload" }]);
  assert.equal(s.phase, "loading");
  assert.deepEqual(s.receive({ id: 12, type: "posted" }), []);
  assert.deepEqual(s.receive({ id: 11, type: "posted" }), []);
  assert.deepEqual(applied(s.loaded()), [11, 12]);
  assert.equal(s.phase, "live");
  assert.equal(s.lastId, 12);
  assert.deepEqual(applied(s.receive({ id: 13, type: "reaction" })), [13]);
});

test("sync: a re-subscription asks catch_up after the last applied id and buffers live events", () => {
  const s = new ChatSync();
  s.subscribed();
  s.loaded();
  s.receive({ id: 5, type: "posted" });
  s.closed();
  assert.equal(s.phase, "offline");
  assert.deepEqual(s.subscribed(), [{ kind: "send", data: { type: "catch_up", after: 5 } }]);
  // A live event overtakes the catch-up batch.
  assert.deepEqual(s.receive({ id: 9, type: "posted" }), []);
  assert.deepEqual(
    s.receive({
      type: "events",
      events: [
        { id: 6, type: "posted" },
        { id: 7, type: "post_edited" },
      ],
    }),
    [],
  );
  assert.deepEqual(
    s.receive({
      type: "events",
      events: [
        { id: 8, type: "reaction" },
        { id: 9, type: "posted" },
      ],
    }),
    [],
  );
  const out = s.receive({ type: "caught_up", last: 9 });
  assert.deepEqual(applied(out), [6, 7, 8, 9], "in id order, the duplicate 9 once");
  assert.equal(s.phase, "live");
  assert.equal(s.lastId, 9);
});

test("sync: duplicates and already applied ids are skipped; gaps in ids are normal", () => {
  const s = new ChatSync();
  s.subscribed();
  s.loaded();
  assert.deepEqual(applied(s.receive({ id: 100, type: "posted" })), [100]);
  assert.deepEqual(applied(s.receive({ id: 100, type: "posted" })), []);
  // Ids of other people's channels never reach me: 101…149 missing is no reason to reload.
  assert.deepEqual(applied(s.receive({ id: 150, type: "posted" })), [150]);
  // An older id arriving late (out of order) is still applied once.
  assert.deepEqual(applied(s.receive({ id: 120, type: "posted" })), [120]);
  assert.deepEqual(applied(s.receive({ id: 120, type: "posted" })), []);
  assert.equal(s.lastId, 150);
  s.closed();
  s.subscribed();
  const out = s.receive({
    type: "events",
    events: [
      { id: 120, type: "posted" },
      { id: 150, type: "posted" },
      { id: 151, type: "posted" },
    ],
  });
  assert.deepEqual(out, []);
  assert.deepEqual(applied(s.receive({ type: "caught_up", last: 151 })), [151]);
});

test("sync: events without an id (typing, presence) apply at once, even during a catch-up", () => {
  const s = new ChatSync();
  s.subscribed();
  s.loaded();
  s.receive({ id: 3, type: "posted" });
  s.closed();
  s.subscribed();
  const out = s.receive({ type: "typing", channel_id: "c_x", user: BOB });
  assert.equal(out.length, 1);
  assert.equal(out[0]?.kind, "apply");
  assert.deepEqual(s.receive({ type: "presence", user_id: "u_bob", status: "online" }).length, 1);
});

test("sync: resync reloads, buffers what arrives meanwhile, and goes live after loaded()", () => {
  const s = new ChatSync();
  s.subscribed();
  s.loaded();
  s.receive({ id: 40, type: "posted" });
  s.closed();
  s.subscribed();
  s.receive({ id: 90, type: "posted" });
  assert.deepEqual(s.receive({ type: "resync" }), [{ kind: "reload" }]);
  assert.equal(s.phase, "loading");
  s.receive({ id: 91, type: "posted" });
  assert.deepEqual(applied(s.loaded()), [91], "what came before the resync was dropped: the reload covers it");
  assert.equal(s.lastId, 91);
  // caught_up without a catch-up in progress is ignored.
  assert.deepEqual(s.receive({ type: "caught_up", last: 500 }), []);
  assert.equal(s.lastId, 91);
});

test("sync: an empty catch-up moves the last id to the server's", () => {
  const s = new ChatSync();
  s.subscribed();
  s.loaded();
  s.receive({ id: 7, type: "posted" });
  s.closed();
  s.subscribed();
  assert.deepEqual(s.receive({ type: "caught_up", last: 30 }), []);
  assert.equal(s.lastId, 30);
  assert.deepEqual(s.subscribed(), [{ kind: "send", data: { type: "catch_up", after: 30 } }]);
});

// ---------------------------------------------------------------- unread and mention bookkeeping

test("a post in another channel bumps unread, and mentions when I am mentioned", () => {
  let s = loaded(channel("c_town"), channel("c_other"));
  s = reduce(s, { type: "focus", channelId: "c_other", visible: true });
  s = reduce(s, ev(posted(post(11), 100)), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 1);
  assert.equal(s.channels.c_town?.me?.mentions, 0);
  s = reduce(s, ev(posted(post(12, { mentions: [ME.id], text: "@ana look" }), 101)), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 2);
  assert.equal(s.channels.c_town?.me?.mentions, 1);
  assert.equal(s.channels.c_town?.last_post_at, post(12).created_at);
  // The same post again (a catch-up overlap, or the HTTP answer after the event) counts once.
  s = reduce(s, ev(posted(post(12, { mentions: [ME.id] }), 101)), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 2);
  assert.equal(s.channels.c_town?.me?.mentions, 1);
  assert.equal(totalMentions(Object.values(s.channels)), 1);
  assert.deepEqual(teamUnread(Object.values(s.channels), "t_1"), { unread: true, mentions: 1 });
});

test("no bump for my own posts, posts already read, the channel on screen, or posts older than the snapshot", () => {
  let s = loaded(channel("c_town", { last_post_at: "2026-11-25T10:00:30Z" }));
  s = reduce(s, ev(posted(post(40, { user: ME }))), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 0, "mine");
  s = reduce(s, ev(posted(post(9))), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 0, "id ≤ last_viewed_post");
  s = reduce(s, ev(posted(post(20))), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 0, "created before the snapshot's last post");
  s = reduce(s, { type: "focus", channelId: "c_town", visible: true });
  s = reduce(s, ev(posted(post(50))), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 0, "on screen");
  s = reduce(s, { type: "focus", channelId: "c_town", visible: false });
  s = reduce(s, ev(posted(post(51))), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 1, "on screen but the window is hidden");
});

/** A direct message with Bob, read up to nothing, as the server describes it (`over` changes it). */
const dm = (over: Partial<Channel> = {}) =>
  channel("c_dm", {
    team_id: null,
    kind: "direct",
    name: "c_dm",
    users: [BOB],
    last_post_at: "2026-11-25T09:00:00Z",
    me: { role: "member", unread: 0, mentions: 0, muted: false, notify: "all", last_viewed_post: 0 },
    ...over,
  });

test("a direct message whose first post comes before its channel: counted once the channel comes", () => {
  const first = post(30, { channel_id: "c_dm" });
  // The post first, then the channel as it was when the conversation was opened (before the post).
  let s = loaded(channel("c_town"));
  s = reduce(s, { type: "focus", channelId: "c_town", visible: true });
  s = reduce(s, ev(posted(first, 101)), ME.username);
  s = reduce(s, ev({ id: 102, type: "channel_updated", channel: dm() }), ME.username);
  assert.equal(s.channels.c_dm?.me?.unread, 1);
  assert.equal(badgeCount(s.channels.c_dm as Channel), 1);
  assert.equal(s.channels.c_dm?.last_post_at, first.created_at);
  // The channel again (the same snapshot, or an HTTP answer) does not count it twice.
  s = reduce(s, { type: "channel", channel: dm() }, ME.username);
  assert.equal(s.channels.c_dm?.me?.unread, 1);

  // The post first, then the channel as the server saw it after the post: its counts stand.
  let t = loaded(channel("c_town"));
  t = reduce(t, ev(posted(first, 101)), ME.username);
  t = reduce(
    t,
    { type: "channel", channel: dm({ last_post_at: first.created_at, me: { role: "member", unread: 1, mentions: 0, muted: false, notify: "all", last_viewed_post: 0 } }) },
    ME.username,
  );
  assert.equal(t.channels.c_dm?.me?.unread, 1);

  // My own first message is not unread for me.
  let u = loaded(channel("c_town"));
  u = reduce(u, ev(posted({ ...first, user: ME }, 101)), ME.username);
  u = reduce(u, ev({ id: 102, type: "channel_updated", channel: dm() }), ME.username);
  assert.equal(u.channels.c_dm?.me?.unread, 0);
});

test("a channel snapshot older than posts counted here keeps their counts", () => {
  let s = loaded(channel("c_town"));
  s = reduce(s, ev({ id: 100, type: "channel_updated", channel: dm() }), ME.username);
  s = reduce(s, ev(posted(post(30, { channel_id: "c_dm" }), 101)), ME.username);
  assert.equal(s.channels.c_dm?.me?.unread, 1);
  // An update computed before that post but sent after it (or an HTTP answer of before it).
  s = reduce(
    s,
    ev({ id: 102, type: "channel_updated", channel: dm({ header: "hi", me: { role: "member", unread: 0, mentions: 0, muted: true, notify: "all", last_viewed_post: 0 } }) }),
    ME.username,
  );
  assert.equal(s.channels.c_dm?.me?.unread, 1, "the counted post stays unread");
  assert.equal(s.channels.c_dm?.me?.muted, true, "the rest of the update applies");
  assert.equal(s.channels.c_dm?.header, "hi");
  s = reduce(s, { type: "loaded", teams: [], channels: [channel("c_town"), dm()] }, ME.username);
  assert.equal(s.channels.c_dm?.me?.unread, 1, "a reload answer of before the post");
  // A newer snapshot is the server's word (read on another device).
  s = reduce(s, { type: "channel", channel: dm({ last_post_at: post(30).created_at }) }, ME.username);
  assert.equal(s.channels.c_dm?.me?.unread, 0);
});

test("a reload's snapshot that already counts a post, then that post's buffered event: counted once", () => {
  const p = post(30);
  let s = loaded(channel("c_town"));
  s = reduce(
    s,
    {
      type: "loaded",
      teams: [],
      channels: [channel("c_town", { last_post_at: p.created_at, me: { role: "member", unread: 1, mentions: 0, muted: false, notify: "all", last_viewed_post: 10 } })],
    },
    ME.username,
  );
  s = reduce(s, ev(posted(p, 101)), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 1);
});

test("two posts of the same millisecond both count: only the server's snapshot says what is in it", () => {
  let s = loaded(channel("c_town"), channel("c_other"));
  s = reduce(s, { type: "focus", channelId: "c_other", visible: true });
  const at = "2026-11-25T10:00:00.400Z";
  s = reduce(s, ev(posted(post(11, { created_at: at }), 100)), ME.username);
  s = reduce(s, ev(posted(post(12, { created_at: at }), 101)), ME.username);
  assert.equal(s.channels.c_town?.me?.unread, 2);
});

test("@channel, @all and @here count as mentions even when the server did not list me", () => {
  assert.ok(mentionsMe(post(1, { text: "hello @channel" }), ME));
  assert.ok(mentionsMe(post(1, { text: "@all: meeting" }), ME));
  assert.ok(mentionsMe(post(1, { text: "(@here)" }), ME));
  assert.ok(mentionsMe(post(1, { text: "hi @Ana." }), ME));
  assert.ok(!mentionsMe(post(1, { text: "hi @anatole" }), ME));
  assert.ok(!mentionsMe(post(1, { text: "mail ana@channel.org" }), ME));
  assert.ok(mentionsMe(post(1, { text: "x", mentions: [ME.id] }), ME));
});

test("read (here or from another device) clears the counts; mute is kept", () => {
  let s = loaded(channel("c_town", { me: { role: "member", unread: 4, mentions: 2, muted: false, notify: "all", last_viewed_post: 10 } }));
  s = reduce(s, ev({ id: 5, type: "read", channel_id: "c_town", last_viewed_post: 44 }));
  assert.deepEqual(s.channels.c_town?.me, { role: "member", unread: 0, mentions: 0, muted: false, notify: "all", last_viewed_post: 44 });
  s = reduce(s, { type: "muted", channelId: "c_town", muted: true });
  s = reduce(s, { type: "posts", channelId: "c_town", posts: [post(50), post(49)], mode: "replace", moreBefore: false, moreAfter: false });
  s = reduce(s, ev(posted(post(51), 6)));
  assert.equal(s.channels.c_town?.me?.unread, 1);
  s = reduce(s, { type: "read", channelId: "c_town" });
  assert.equal(s.channels.c_town?.me?.unread, 0);
  assert.equal(s.channels.c_town?.me?.last_viewed_post, 51);
  assert.equal(s.channels.c_town?.me?.muted, true);
  assert.deepEqual(teamUnread(Object.values(s.channels), "t_1"), { unread: false, mentions: 0 });
});

test("direct messages: every unread message is a badge; the title counts them", () => {
  const dm = channel("c_dm", { kind: "direct", team_id: null, users: [ME, BOB], me: { role: "member", unread: 3, mentions: 0, muted: false, notify: "all", last_viewed_post: 0 } });
  const pub = channel("c_town", { me: { role: "member", unread: 7, mentions: 1, muted: false, notify: "all", last_viewed_post: 0 } });
  assert.equal(badgeCount(dm), 3);
  assert.equal(badgeCount(pub), 1);
  assert.equal(totalMentions([dm, pub]), 4);
  assert.equal(titleWithCount(4, "Chat"), "(4) Chat");
  assert.equal(titleWithCount(0, "Chat"), "Chat");
});

test("notifications: mentions and direct messages, only when hidden, enabled and not muted", () => {
  const dm = channel("c_dm", { kind: "direct", team_id: null, users: [ME, BOB] });
  const pub = channel("c_town");
  const on = { enabled: true, hidden: true };
  assert.ok(shouldNotify(post(1, { channel_id: "c_dm" }), dm, ME, on));
  assert.ok(!shouldNotify(post(1), pub, ME, on));
  assert.ok(shouldNotify(post(1, { mentions: [ME.id] }), pub, ME, on));
  assert.ok(!shouldNotify(post(1, { mentions: [ME.id] }), pub, ME, { enabled: true, hidden: false }));
  assert.ok(!shouldNotify(post(1, { mentions: [ME.id] }), pub, ME, { enabled: false, hidden: true }));
  assert.ok(!shouldNotify(post(1, { mentions: [ME.id] }), { ...pub, me: { ...pub.me!, muted: true } }, ME, on));
  assert.ok(!shouldNotify(post(1, { user: ME, channel_id: "c_dm" }), dm, ME, on));
});

// ---------------------------------------------------------------- posts in the state

test("posted appends to a loaded channel in id order and replaces my pending copy by client_id", () => {
  let s = loaded(channel("c_town"));
  s = reduce(s, { type: "posts", channelId: "c_town", posts: [post(3), post(1), post(2)], mode: "replace", moreBefore: true, moreAfter: false });
  assert.deepEqual(
    s.views.c_town?.posts.map((p) => p.id),
    [1, 2, 3],
  );
  s = reduce(s, { type: "pending", post: { client_id: "tmp-1", channel_id: "c_town", root_id: null, text: "hi", created_at: "2026-11-25T10:00:09Z", failed: false } });
  assert.equal(s.pending.length, 1);
  s = reduce(s, ev(posted(post(9, { user: ME, text: "hi" }), 77, "tmp-1")));
  assert.equal(s.pending.length, 0);
  assert.deepEqual(
    s.views.c_town?.posts.map((p) => p.id),
    [1, 2, 3, 9],
  );
  // The HTTP answer arriving after the event changes nothing.
  const again = reduce(s, { type: "sent", post: post(9, { user: ME, text: "hi" }), clientId: "tmp-1" });
  assert.deepEqual(
    again.views.c_town?.posts.map((p) => p.id),
    [1, 2, 3, 9],
  );
  // Older pages go in front.
  s = reduce(s, { type: "posts", channelId: "c_town", posts: [post(0)], mode: "older", moreBefore: false, moreAfter: false });
  assert.deepEqual(
    s.views.c_town?.posts.map((p) => p.id),
    [0, 1, 2, 3, 9],
  );
  assert.equal(s.views.c_town?.moreBefore, false);
});

test("a channel opened around a permalink does not take live posts (they are not next to it)", () => {
  let s = loaded(channel("c_town"));
  s = reduce(s, { type: "posts", channelId: "c_town", posts: [post(4), post(5)], mode: "replace", moreBefore: true, moreAfter: true });
  s = reduce(s, ev(posted(post(90), 1)));
  assert.deepEqual(
    s.views.c_town?.posts.map((p) => p.id),
    [4, 5],
  );
});

test("edits, deletions, reactions and pins reach the channel, the thread and the pinned list", () => {
  let s = loaded(channel("c_town"));
  s = reduce(s, {
    type: "posts",
    channelId: "c_town",
    posts: [post(1), post(2, { reply_count: 1 }), post(3, { root_id: 2 })],
    mode: "replace",
    moreBefore: false,
    moreAfter: false,
  });
  s = reduce(s, {
    type: "panel",
    panel: { kind: "thread", rootId: 2, channelId: "c_town", root: post(2, { reply_count: 1 }), replies: [post(3, { root_id: 2 })], following: true },
  });
  s = reduce(s, ev({ id: 1, type: "post_edited", post: post(3, { root_id: 2, text: "fixed", edited_at: "2026-11-25T11:00:00Z" }) }));
  assert.equal(s.views.c_town?.posts[2]?.text, "fixed");
  assert.equal(s.panel?.kind === "thread" && s.panel.replies[0]?.text, "fixed");
  s = reduce(s, ev({ id: 2, type: "reaction", post_id: 2, channel_id: "c_town", reactions: [{ emoji: "👍", count: 2, users: [ME.id, BOB.id], me: false }] }));
  assert.deepEqual(s.views.c_town?.posts[1]?.reactions, [{ emoji: "👍", count: 2, users: [ME.id, BOB.id], me: true }], "me follows the users list");
  assert.equal(s.panel?.kind === "thread" && s.panel.root?.reactions[0]?.count, 2);
  s = reduce(s, ev({ id: 3, type: "post_deleted", post_id: 1, channel_id: "c_town" }));
  assert.deepEqual(
    { deleted: s.views.c_town?.posts[0]?.deleted, text: s.views.c_town?.posts[0]?.text, html: s.views.c_town?.posts[0]?.html },
    { deleted: true, text: "", html: "" },
  );
  s = reduce(s, { type: "panel", panel: { kind: "pinned", channelId: "c_town", posts: [], stale: false } });
  s = reduce(s, ev({ id: 4, type: "pinned", post_id: 2, channel_id: "c_town", pinned: true }));
  assert.equal(s.views.c_town?.posts[1]?.pinned, true);
  assert.deepEqual(s.panel?.kind === "pinned" && s.panel.posts?.map((p) => p.id), [2]);
  s = reduce(s, ev({ id: 5, type: "pinned", post_id: 2, channel_id: "c_town", pinned: false }));
  assert.deepEqual(s.panel?.kind === "pinned" && s.panel.posts?.map((p) => p.id), []);
  s = reduce(s, ev({ id: 6, type: "pinned", post_id: 77, channel_id: "c_town", pinned: true }));
  assert.equal(s.panel?.kind === "pinned" && s.panel.stale, true, "a pin of a post not loaded asks for a refetch");
});

test("replies: into the open thread, the root's count, and the followed thread's unread counts", () => {
  let s = loaded(channel("c_town"));
  s = reduce(s, { type: "posts", channelId: "c_town", posts: [post(2)], mode: "replace", moreBefore: false, moreAfter: false });
  s = reduce(s, { type: "followed", list: [{ root: post(2), channel_id: "c_town", reply_count: 0, unread_replies: 0, unread_mentions: 0, last_reply_at: null }] });
  s = reduce(s, ev(posted(post(5, { root_id: 2, mentions: [ME.id] }), 10)), ME.username);
  assert.equal(s.views.c_town?.posts.find((p) => p.id === 2)?.reply_count, 1);
  assert.deepEqual(
    s.followed?.map((f) => [f.reply_count, f.unread_replies, f.unread_mentions]),
    [[1, 1, 1]],
  );
  s = reduce(s, {
    type: "panel",
    panel: { kind: "thread", rootId: 2, channelId: "c_town", root: post(2, { reply_count: 1 }), replies: [post(5, { root_id: 2 })], following: true },
  });
  s = reduce(s, ev(posted(post(6, { root_id: 2 }), 11)), ME.username);
  assert.deepEqual(s.panel?.kind === "thread" && s.panel.replies.map((p) => p.id), [5, 6]);
  assert.equal(s.panel?.kind === "thread" && s.panel.root?.reply_count, 2);
  assert.equal(s.followed?.[0]?.unread_replies, 1, "the thread on screen does not raise its unread count");
  s = reduce(s, { type: "threadRead", rootId: 2 });
  assert.equal(s.followed?.[0]?.unread_replies, 0);
});

test("channel events: updated, removed, members, typing and presence", () => {
  let s = loaded(channel("c_town"), channel("c_gone"));
  s = reduce(s, { type: "posts", channelId: "c_gone", posts: [post(1, { channel_id: "c_gone" })], mode: "replace", moreBefore: false, moreAfter: false });
  s = reduce(s, ev({ id: 1, type: "channel_updated", channel: channel("c_town", { header: "Agenda", archived: true }) }));
  assert.equal(s.channels.c_town?.header, "Agenda");
  assert.equal(s.channels.c_town?.archived, true);
  s = reduce(s, ev({ id: 2, type: "channel_removed", channel_id: "c_gone" }));
  assert.equal(s.channels.c_gone, undefined);
  assert.equal(s.views.c_gone, undefined);
  s = reduce(s, ev({ id: 3, type: "member_joined", channel_id: "c_town", user: BOB }));
  assert.equal(s.channels.c_town?.members, 3);
  s = reduce(s, ev({ id: 4, type: "member_left", channel_id: "c_town", user: BOB }));
  assert.equal(s.channels.c_town?.members, 2);
  s = reduce(s, { type: "event", event: { type: "typing", channel_id: "c_town", root_id: null, user: BOB }, now: 1000 });
  assert.deepEqual(
    s.typing[typingKey("c_town", null)]?.map((e) => e.user.id),
    ["u_bob"],
  );
  s = reduce(s, { type: "event", event: { type: "typing", channel_id: "c_town", user: ME }, now: 1000 });
  assert.equal(s.typing[typingKey("c_town", null)]?.length, 1, "my own typing is not shown");
  s = reduce(s, { type: "typingExpire", now: 3000 });
  assert.equal(s.typing[typingKey("c_town", null)]?.length, 1);
  s = reduce(s, { type: "typingExpire", now: 60_000 });
  assert.equal(s.typing[typingKey("c_town", null)], undefined);
  s = reduce(s, { type: "event", event: { type: "typing", channel_id: "c_town", user: BOB }, now: 1000 });
  s = reduce(s, ev(posted(post(70), 5)));
  assert.equal(s.typing[typingKey("c_town", null)]?.length, 0, "posting ends typing");
  s = reduce(s, { type: "event", event: { type: "presence", user_id: "u_bob", status: "online" }, now: 0 });
  assert.equal(s.presence.u_bob, "online");
  // A (re)subscribe's snapshot replaces what was known: Bob left while the socket was away.
  const snapshot = { type: "presence_snapshot", statuses: { u_cy: "away", u_dan: "asleep" } };
  s = reduce(s, { type: "event", event: snapshot, now: 0 });
  assert.deepEqual(s.presence, { u_cy: "away" });
});

test("reactions toggled before the server answers", () => {
  let r = toggleReaction([], "👍", ME.id, true);
  assert.deepEqual(r, [{ emoji: "👍", count: 1, me: true, users: [ME.id] }]);
  r = toggleReaction([{ emoji: "👍", count: 1, me: false, users: [BOB.id] }], "👍", ME.id, true);
  assert.deepEqual(r, [{ emoji: "👍", count: 2, me: true, users: [BOB.id, ME.id] }]);
  assert.deepEqual(toggleReaction(r, "👍", ME.id, true), r, "twice is once");
  r = toggleReaction(r, "👍", ME.id, false);
  assert.deepEqual(r, [{ emoji: "👍", count: 1, me: false, users: [BOB.id] }]);
  assert.deepEqual(toggleReaction([{ emoji: "🎉", count: 1, me: true, users: [ME.id] }], "🎉", ME.id, false), []);
});

// ---------------------------------------------------------------- timeline

test("timeline: day separators, grouping by author within 5 minutes, the new-messages line", () => {
  const at = (h: number, m: number) => new Date(2026, 10, 25, h, m).toISOString();
  const posts = [
    post(1, { created_at: new Date(2026, 10, 24, 18, 0).toISOString() }),
    post(2, { created_at: at(9, 0) }),
    post(3, { created_at: at(9, 2) }),
    post(4, { created_at: at(9, 10) }),
    post(5, { created_at: at(9, 11), user: ME }),
    post(6, { created_at: at(9, 12), user: ME, root_id: 2 }),
    post(7, { created_at: at(9, 13) }),
  ];
  const items = buildTimeline(posts, [], { meId: ME.id, newAfter: 4 });
  assert.deepEqual(
    items.map((i) => (i.kind === "post" ? `${i.post.id}${i.continued ? "+" : ""}` : i.kind === "day" ? `day:${i.day}` : i.kind)),
    ["day:2026-11-24", "1", "day:2026-11-25", "2", "3+", "4", "5", "6", "new", "7"],
  );
  // My own new posts do not start the line; pending copies come last and group with mine.
  const withPending = buildTimeline(
    [post(5, { created_at: at(9, 11), user: ME })],
    [{ client_id: "x", channel_id: "c_town", root_id: null, text: "…", created_at: at(9, 12), failed: false }],
    { meId: ME.id, newAfter: 4 },
  );
  assert.deepEqual(
    withPending.map((i) => `${i.kind}${"continued" in i && i.continued ? "+" : ""}`),
    ["day", "post", "pending+"],
  );
  assert.equal(localDay("not a date"), "");
});

test("Up arrow edits my newest live message (in the thread: of that thread)", () => {
  const posts = [post(1, { user: ME }), post(2, { user: ME, deleted: true }), post(3), post(4, { user: ME, root_id: 9 })];
  assert.equal(lastOwnPost(posts, ME.id)?.id, 4);
  assert.equal(lastOwnPost(posts.slice(0, 3), ME.id)?.id, 1);
  assert.equal(lastOwnPost(posts, ME.id, 8, true), null);
  assert.equal(lastOwnPost(posts, ME.id, 9, true)?.id, 4);
  assert.equal(lastOwnPost([post(3)], ME.id), null);
});

test("typing is sent at most every 3 seconds; client ids are unique", () => {
  assert.ok(shouldSendTyping(null, 0));
  assert.ok(!shouldSendTyping(1000, 3999));
  assert.ok(shouldSendTyping(1000, 4000));
  const ids = new Set(Array.from({ length: 200 }, () => newClientId(42)));
  assert.equal(ids.size, 200);
});

// ---------------------------------------------------------------- mentions autocomplete

const members: ChatMember[] = [
  { ...BOB, role: "member" },
  { id: "u_ana", username: "anatole", display_name: "Anatole France", avatar_color: "#111111", role: "member" },
  { id: "u_eli", username: "eli", display_name: "Élise Durand", avatar_color: "#222222", role: "admin" },
  { id: "u_me", username: "ana", display_name: "Ana", avatar_color: "#333333", role: "member" },
];

test("mention fragment at the caret", () => {
  assert.deepEqual(mentionAt("hello @bo", 9), { start: 6, query: "bo" });
  assert.deepEqual(mentionAt("@", 1), { start: 0, query: "" });
  assert.deepEqual(mentionAt("(@eli", 5), { start: 1, query: "eli" });
  assert.equal(mentionAt("mail bob@example", 16), null, "an e-mail address is not a mention");
  assert.equal(mentionAt("hello @bob there", 16), null, "caret after a space");
  assert.deepEqual(mentionAt("hello @bob there", 10), { start: 6, query: "bob" });
  assert.deepEqual(mentionAt("@jean.dupont", 12), { start: 0, query: "jean.dupont" });
});

test("mention completion puts a space after the name and the caret after it", () => {
  assert.deepEqual(completeMention("hi @bo", { start: 3, query: "bo" }, 6, "bob"), { text: "hi @bob ", caret: 8 });
  assert.deepEqual(completeMention("hi @bo and", { start: 3, query: "bo" }, 6, "bob"), { text: "hi @bob and", caret: 8 });
});

test("mention ranking: exact, username prefix, name word prefix (accents folded), then specials", () => {
  const names = (q: string) => rankMentions(members, q, { excludeId: "u_me" }).map((c) => (c.kind === "user" ? c.member.username : `@${c.name}`));
  assert.deepEqual(names("bob"), ["bob"]);
  assert.deepEqual(names("an"), ["anatole", "eli"], "prefixes first, then anywhere in the name");
  assert.deepEqual(names("eli"), ["eli"]);
  assert.deepEqual(names("eli".normalize()), ["eli"]);
  assert.deepEqual(names("dur"), ["eli"], "a word of the display name");
  assert.deepEqual(names("elise"), ["eli"], "accents folded");
  assert.deepEqual(names("mar"), ["bob"]);
  assert.deepEqual(names("ch"), ["@channel"]);
  assert.deepEqual(names("a"), ["anatole", "bob", "eli", "@all"]);
  assert.deepEqual(names(""), ["anatole", "bob", "eli", "@here", "@channel", "@all"]);
  assert.deepEqual(names("zz"), []);
  assert.equal(rankMentions(members, "", { limit: 2, specials: false }).length, 2);
});

// ---------------------------------------------------------------- search

test("search query: words, phrases and filters; Mattermost habits accepted", () => {
  const q = parseSearch('budget "exact phrase" in:~town-square from:@bob before:2026-12-01 after:2026-11-01 vélo');
  assert.deepEqual(q, { words: ["budget", "vélo"], phrases: ["exact phrase"], in: ["town-square"], from: ["bob"], before: "2026-12-01", after: "2026-11-01", invalid: [] });
  assert.equal(buildSearch(q), 'budget vélo "exact phrase" in:town-square from:bob before:2026-12-01 after:2026-11-01');
  assert.deepEqual(parseSearch("before:31/12 x").invalid, ["before:31/12"]);
  assert.deepEqual(parseSearch("after:2026-02-30").invalid, ["after:2026-02-30"]);
  assert.deepEqual(parseSearch("in: x").invalid, ["in:"]);
  const on = parseSearch("on:2026-03-01");
  assert.deepEqual([on.after, on.before], ["2026-02-28", "2026-03-02"]);
  assert.ok(isEmptySearch(parseSearch("   ")));
  assert.ok(!isEmptySearch(parseSearch("from:bob")));
  assert.ok(isDate("2026-11-30"));
  assert.ok(!isDate("2026-13-01"));
  assert.deepEqual(parseSearch('"unclosed phrase').phrases, ["unclosed phrase"]);
  assert.deepEqual(parseSearch("http://x.org").words, ["http://x.org"], "a word with a colon stays a word");
});

// ---------------------------------------------------------------- names and links

test("names, links and the channel a page points at", () => {
  assert.equal(suggestName("Asso vélo"), "asso-velo");
  assert.equal(nameProblem("asso-velo"), null);
  assert.equal(nameProblem("town_square"), null);
  assert.equal(nameProblem("a"), "length");
  assert.equal(nameProblem("Asso"), "chars");
  assert.equal(nameProblem("-asso"), "chars");
  const town = channel("c_town", { name: "town-square" });
  const priv = channel("c_priv", { name: "board", kind: "private" });
  const other = channel("c_else", { name: "town-square", team_id: "t_2" });
  const dm = channel("c_dm", { kind: "direct", team_id: null, name: "u_bob__u_me", display_name: "Bob Martin", users: [ME, BOB] });
  const group = channel("c_grp", { kind: "group", team_id: null, name: "grp", display_name: "x", users: [ME, BOB, { ...BOB, id: "u_c", username: "cy", display_name: "Cy" }] });
  assert.equal(channelHref("asso", town, ME.id), "/chat/asso/town-square");
  assert.equal(channelHref("asso", dm, ME.id), "/chat/asso/messages/@bob");
  assert.equal(channelHref("asso", group, ME.id), "/chat/asso/messages/c_grp");
  assert.equal(permalinkHref("asso", 42), "/chat/asso/pl/42");
  assert.equal(channelLabel(dm, ME.id), "Bob Martin");
  assert.equal(channelLabel(group, ME.id), "Bob Martin, Cy");
  const all = [town, priv, other, dm, group];
  assert.equal(findChannel(all, "t_1", ME.id, { channel: "town-square" })?.id, "c_town");
  assert.equal(findChannel(all, "t_2", ME.id, { channel: "town-square" })?.id, "c_else");
  assert.equal(findChannel(all, "t_1", ME.id, { dm: "@bob" })?.id, "c_dm");
  assert.equal(findChannel(all, "t_1", ME.id, { dm: "@BOB" })?.id, "c_dm");
  assert.equal(findChannel(all, "t_1", ME.id, { dm: "@nobody" }), null);
  assert.equal(findChannel(all, "t_1", ME.id, { dm: "c_grp" })?.id, "c_grp");
  assert.equal(defaultChannel(all, "t_1")?.id, "c_town");
  assert.equal(defaultChannel([priv], "t_1")?.id, "c_priv");
  const groups = sidebarGroups(all, "t_1");
  assert.deepEqual(
    groups.channels.map((c) => c.id),
    ["c_priv", "c_town"],
  );
  assert.deepEqual(groups.direct.map((c) => c.id).sort(), ["c_dm", "c_grp"]);
});

test("emoji: about forty, distinct; shortcodes map to characters", () => {
  assert.ok(EMOJI.length >= 36 && EMOJI.length <= 48);
  assert.equal(new Set(EMOJI.map((e) => e.char)).size, EMOJI.length);
  assert.equal(emojiChar("thumbsup"), "👍");
  assert.equal(emojiChar(":tada:"), "🎉");
  assert.equal(emojiChar("👍"), "👍");
});

test("a message shows the name a webhook or an import gave, with a BOT tag for integrations", () => {
  assert.deepEqual(postAuthor(post(1)), { name: userNameOf(post(1)), bot: false, via: null });
  const hook = post(2, { props: { from_webhook: true, override_username: " ci-bot " } });
  assert.deepEqual(postAuthor(hook), { name: "ci-bot", bot: true, via: `@${hook.user.username}` });
  const imported = post(3, { props: { imported_from: "slack", override_username: "zed" } });
  assert.deepEqual(postAuthor(imported), { name: "zed", bot: false, via: `@${imported.user.username}` });
  assert.equal(postAuthor(post(4, { props: { from_bot: true } })).bot, true);
  assert.equal(postAuthor(post(5, { props: { override_username: "  " } })).name, userNameOf(post(5)), "a blank name is ignored");
});

function userNameOf(p: Post): string {
  return p.user.display_name || p.user.username;
}

test("a webhook's message through my account is not grouped under my name, nor edited with Up arrow", () => {
  const at = (m: number) => new Date(2026, 10, 25, 9, m).toISOString();
  const hook = { from_webhook: true, override_username: "ci-bot" };
  const posts = [
    post(1, { created_at: at(0), user: ME }),
    post(2, { created_at: at(1), user: ME, props: hook }),
    post(3, { created_at: at(2), user: ME, props: hook }),
    post(4, { created_at: at(3), user: ME }),
  ];
  const items = buildTimeline(posts, [], { meId: ME.id, newAfter: null });
  assert.deepEqual(
    items.filter((i) => i.kind === "post").map((i) => (i.kind === "post" && i.continued ? "+" : "-")),
    ["-", "-", "+", "-"],
  );
  assert.equal(lastOwnPost(posts.slice(0, 3), ME.id)?.id, 1);
});
