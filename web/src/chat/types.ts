// Shapes of the chat API objects (docs/chat-api.md).

export interface ChatUser {
  id: string;
  username: string;
  display_name: string;
  avatar_color: string;
  /** A custom status (crates/chat/src/status.rs). */
  status?: ChatStatus | null;
}

export interface ChatStatus {
  emoji: string;
  text: string;
  expires_at: string | null;
}

export type MemberRole = "admin" | "member";

/** A role in a team: a guest is in the team only for the channels they were given. */
export type TeamRole = MemberRole | "guest";

export interface ChatMember extends ChatUser {
  role: MemberRole;
}

export interface Team {
  id: string;
  name: string;
  display_name: string;
  description: string;
  open: boolean;
  my_role: TeamRole;
}

export type ChannelKind = "public" | "private" | "direct" | "group";

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

export interface Reaction {
  emoji: string;
  count: number;
  users: string[];
  me: boolean;
}

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

export interface PostProps {
  /** The name a webhook or an import gave the author (an imported user who has no account here). */
  override_username?: string;
  from_webhook?: boolean;
  /** Posted with an API token (a bot or a script). */
  from_bot?: boolean;
  imported_from?: string;
  /** A call card (crates/chat/src/calls.rs): the channel's video room. */
  call?: { room: string; url: string };
}

export interface ChatFile {
  id: string;
  name: string;
  content_type: string;
  size: number;
  width?: number | null;
  height?: number | null;
  url: string;
  thumbnail_url: string | null;
}

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

export type PresenceStatus = "online" | "away" | "offline";

export interface CreateTeamBody {
  name: string;
  display_name: string;
  description?: string;
  open?: boolean;
}

export interface CreateChannelBody {
  name: string;
  display_name: string;
  kind: "public" | "private";
  header?: string;
  purpose?: string;
}

export interface ChannelPatch {
  display_name?: string;
  header?: string;
  purpose?: string;
}

/** `GET /api/v1/chat/teams/{team}/members`, as team admins manage them. */
export interface TeamMember extends ChatUser {
  role: TeamRole;
}

/** `PUT /api/v1/chat/teams/{team}/members/{username}`: a guest gets only `channels` (names or ids, 1–50). */
export interface TeamMemberBody {
  role: TeamRole;
  channels?: string[];
}

/** An incoming webhook as listed (its secret URL is shown only when it is created). */
export interface Webhook {
  id: string;
  display_name: string;
  created_at: string;
}

/** The answer to creating an incoming webhook: `url` holds the secret, shown this once. */
export interface CreatedWebhook {
  id: string;
  channel_id: string;
  display_name: string;
  url: string;
}

export type ImportSource = "slack" | "mattermost";

/** What an import stored: the channels it created (same-name channels are reused) and the messages. */
export interface ImportResult {
  channels: number;
  posts: number;
}
