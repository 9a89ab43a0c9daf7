// Shapes of the chat API objects (docs/chat-api.md): those the server's Rust types give
// (crates/chat/src/api.rs) are generated; those kept here differ from what the server sends
// (a channel's `me` is null in lists of channels I am not in) or are the UI's own.

import type { ChannelKind } from "../generated/chat/ChannelKind.ts";
import type { ChatFile } from "../generated/chat/ChatFile.ts";
import type { ChatUser } from "../generated/chat/ChatUser.ts";
import type { MemberRole } from "../generated/chat/MemberRole.ts";
import type { PostProps } from "../generated/chat/PostProps.ts";
import type { Reaction } from "../generated/chat/Reaction.ts";

export type { ChatUser } from "../generated/chat/ChatUser.ts";

export type { ChatStatus } from "../generated/chat/ChatStatus.ts";

export type { MemberRole } from "../generated/chat/MemberRole.ts";

export type { TeamRole } from "../generated/chat/TeamRole.ts";

export interface ChatMember extends ChatUser {
  role: MemberRole;
}

export type { Team } from "../generated/chat/Team.ts";

export type { ChannelKind } from "../generated/chat/ChannelKind.ts";

export interface ChannelMe {
  role: MemberRole;
  unread: number;
  mentions: number;
  muted: boolean;
  /** Notifications here: every message, mentions (and followed threads), or none (muted). */
  notify?: "all" | "mentions" | "none";
  last_viewed_post: number | null;
}

export interface Channel {
  id: string;
  team_id: string | null;
  kind: ChannelKind;
  name: string;
  display_name: string;
  header: string;
  purpose: string;
  archived: boolean;
  created_at: string;
  last_post_at: string | null;
  members: number;
  me: ChannelMe;
  /** Direct and group channels: the people in it. */
  users?: ChatUser[];
  /**
   * The channel's own message retention in days (null: the instance's), if the server says it;
   * `GET /api/v1/chat/channels/{id}` does not send it yet.
   */
  retention_days?: number | null;
  /** The instance's `chat.retention_days` (0: kept for good). */
  default_retention_days?: number;
}

export interface BrowseChannel extends Channel {
  joined: boolean;
}

export type { Reaction } from "../generated/chat/Reaction.ts";

export interface Post {
  id: number;
  channel_id: string;
  user: ChatUser;
  root_id: number | null;
  text: string;
  html: string;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
  pinned: boolean;
  reactions: Reaction[];
  reply_count: number;
  last_reply_at: string | null;
  mentions: string[];
  /** Files attached to the message (docs/chat-api.md "Files"). */
  files?: ChatFile[];
  /** Set by webhooks, imports and API-token posts (docs/chat-api.md). */
  props?: PostProps;
}

export type { PostProps } from "../generated/chat/PostProps.ts";

export type { ChatFile } from "../generated/chat/ChatFile.ts";

export interface LinkPreview {
  kind: "pad" | "poll" | "wiki";
  url: string;
  title: string;
  excerpt?: string;
}

/** A message typed here and not yet confirmed by the server. */
export interface PendingPost {
  client_id: string;
  channel_id: string;
  root_id: number | null;
  text: string;
  created_at: string;
  failed: boolean;
  file_ids?: string[];
}

export interface PostPage {
  posts: Post[];
  more: boolean;
}

export interface AroundPage {
  posts: Post[];
  more_before: boolean;
  more_after: boolean;
}

export interface Thread {
  root: Post;
  replies: Post[];
  following: boolean;
}

export interface FollowedThread {
  root: Post;
  channel_id: string;
  reply_count: number;
  unread_replies: number;
  unread_mentions: number;
  last_reply_at: string | null;
}

export interface SearchPost extends Post {
  channel: { id: string; name: string; display_name: string };
}

export type { PresenceStatus } from "../generated/chat/PresenceStatus.ts";

export type { CreateTeamBody } from "../generated/chat/CreateTeamBody.ts";

export type { CreateChannelBody } from "../generated/chat/CreateChannelBody.ts";

export type { ChannelPatch } from "../generated/chat/ChannelPatch.ts";

export type { TeamMember } from "../generated/chat/TeamMember.ts";

export type { TeamMemberBody } from "../generated/chat/TeamMemberBody.ts";

export type { Webhook } from "../generated/chat/Webhook.ts";

export type { CreatedWebhook } from "../generated/chat/CreatedWebhook.ts";

export type ImportSource = "slack" | "mattermost";

export type { ImportResult } from "../generated/chat/ImportResult.ts";
