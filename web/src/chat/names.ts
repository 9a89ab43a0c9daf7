// Chat names and addresses (pure): team/channel name suggestions and checks, page links.
import type { Translate } from "../i18n/index.ts";
import { personName } from "../people.ts";
import { suggestSlug } from "../slug.ts";
import type { Channel, ChatUser, Post } from "./types.ts";

const enc = encodeURIComponent;

/** A name (URL part) suggested from a display name: lowercase ASCII letters, digits and hyphens. */
export function suggestName(display: string): string {
  return suggestSlug(display).slice(0, 64).replace(/-+$/, "");
}

export type NameProblem = "length" | "chars";

/** Team and channel names: 2–64 lowercase letters a–z, digits, '-' or '_'. */
export function nameProblem(name: string): NameProblem | null {
  if (name.length < 2 || name.length > 64) return "length";
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) return "chars";
  return null;
}

export const teamHref = (team: string) => `/chat/${enc(team)}`;
export const permalinkHref = (team: string, postId: number) => `/chat/${enc(team)}/pl/${postId}`;
export const threadsHref = (team: string) => `/chat/${enc(team)}/threads`;

/** The other person of a direct channel (yourself in a channel with yourself). */
export function dmOther(ch: Channel, meId: string): ChatUser | null {
  const users = ch.users ?? [];
  return users.find((u) => u.id !== meId) ?? users[0] ?? null;
}

/** The page of a channel: by name, `messages/@user` for a direct channel, `messages/{id}` for a group. */
export function channelHref(team: string, ch: Channel, meId: string): string {
  if (ch.kind === "direct") {
    const other = dmOther(ch, meId);
    if (other) return `/chat/${enc(team)}/messages/@${enc(other.username)}`;
  }
  if (ch.kind === "direct" || ch.kind === "group") return `/chat/${enc(team)}/messages/${enc(ch.id)}`;
  return `/chat/${enc(team)}/${enc(ch.name)}`;
}

/** What the sidebar and header call a channel (with `t`, a deleted account's name in the reader's language). */
export function channelLabel(ch: Channel, meId: string, t?: Translate): string {
  if (ch.kind === "direct") {
    const other = dmOther(ch, meId);
    if (other) return userName(other, t);
  }
  if (ch.kind === "group" && ch.users && ch.users.length) {
    return ch.users
      .filter((u) => u.id !== meId)
      .map((u) => userName(u, t))
      .join(", ");
  }
  return ch.display_name || ch.name;
}

/** A person's name; with `t`, the server's marker of a deleted account in the reader's language. */
export function userName(u: ChatUser, t?: Translate): string {
  const name = u.display_name || u.username;
  return t ? personName(t, name) : name;
}

/**
 * Who a message shows as its author: the name a webhook or an import gave (the account behind
 * it is then only its carrier), with a BOT tag for webhooks and API-token posts, as Mattermost
 * shows integrations.
 */
export function postAuthor(post: Post, t?: Translate): { name: string; bot: boolean; via: string | null } {
  const p = post.props ?? {};
  const override = typeof p.override_username === "string" && p.override_username.trim() ? p.override_username.trim() : null;
  return {
    name: override ?? userName(post.user, t),
    bot: !!p.from_webhook || !!p.from_bot,
    via: override ? `@${post.user.username}` : null,
  };
}

/** Finds the channel a chat page points at among my channels. */
export function findChannel(channels: Channel[], teamId: string, meId: string, target: { channel?: string; dm?: string }): Channel | null {
  if (target.dm !== undefined) {
    const dm = target.dm;
    if (dm.startsWith("@")) {
      const username = dm.slice(1).toLowerCase();
      return (
        channels.find(
          (c) => c.kind === "direct" && (c.users ?? []).some((u) => u.username.toLowerCase() === username) && (dmOther(c, meId)?.username.toLowerCase() ?? "") === username,
        ) ?? null
      );
    }
    return channels.find((c) => (c.kind === "group" || c.kind === "direct") && (c.id === dm || c.name === dm)) ?? null;
  }
  if (target.channel !== undefined) {
    return channels.find((c) => c.team_id === teamId && c.kind !== "direct" && c.kind !== "group" && c.name === target.channel) ?? null;
  }
  return null;
}

/** The channel a team opens on: town-square, else the first public channel, else any. */
export function defaultChannel(channels: Channel[], teamId: string): Channel | null {
  const mine = channels.filter((c) => c.team_id === teamId && (c.kind === "public" || c.kind === "private"));
  return mine.find((c) => c.name === "town-square") ?? mine.find((c) => c.kind === "public" && !c.archived) ?? mine[0] ?? null;
}
