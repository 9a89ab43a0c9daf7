//! The chat's edge as Rust types: every request body, query string, answer and realtime frame.
//! The route table documents them (`/api/v1/openapi.json`) and `cargo test` writes their
//! TypeScript twins to `web/src/generated/chat/`, so the server, the document and the UI read
//! one definition. Roles and levels travel as the strings the store keeps; their enums here
//! give the schema and the TypeScript their closed set of values.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::calls::CallStarted;
pub use crate::email::EmailChoice;
pub use crate::model::Kind;
pub use crate::status::{ChatStatus, StatusBody};
pub use crate::webhooks::HookPayload;

// ---- vocabularies ---------------------------------------------------------------------------

/// A role in a team: a guest is in the team only for the channels they were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "chat/")]
pub enum TeamRole {
    Admin,
    Member,
    Guest,
}

/// A role in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "chat/")]
pub enum MemberRole {
    Admin,
    Member,
}

/// Notifications in a channel: every message, mentions (and followed threads), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "chat/")]
pub enum NotifyLevel {
    All,
    Mentions,
    None,
}

/// Someone's presence across the tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "chat/")]
pub enum PresenceStatus {
    Online,
    Away,
    Offline,
}

impl From<nichoir_realtime::online::Status> for PresenceStatus {
    fn from(s: nichoir_realtime::online::Status) -> Self {
        use nichoir_realtime::online::Status;
        match s {
            Status::Online => PresenceStatus::Online,
            Status::Away => PresenceStatus::Away,
            Status::Offline => PresenceStatus::Offline,
        }
    }
}

// ---- answers --------------------------------------------------------------------------------

/// A person as chat shows them.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct ChatUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// The avatar's colour (`#rrggbb`).
    pub avatar_color: String,
    /// Their custom status, when they set one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub status: Option<ChatStatus>,
}

impl ChatUser {
    /// Someone the server no longer knows (an account deleted meanwhile).
    pub fn unknown(id: &str) -> ChatUser {
        ChatUser {
            id: id.to_string(),
            username: "?".into(),
            display_name: "?".into(),
            avatar_color: "#888888".into(),
            status: None,
        }
    }
}

/// A member of a team, with their role in it.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct TeamMember {
    #[serde(flatten)]
    pub user: ChatUser,
    #[ts(as = "TeamRole")]
    #[schemars(with = "TeamRole")]
    pub role: String,
}

/// A member of a channel, with their role in it and whether they are online now.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct ChannelMember {
    #[serde(flatten)]
    pub user: ChatUser,
    #[ts(as = "MemberRole")]
    #[schemars(with = "MemberRole")]
    pub role: String,
    pub online: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct Team {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// Anyone of the instance may join it.
    pub open: bool,
    /// Null: I am not in it (an open team I may join).
    #[ts(as = "Option<TeamRole>")]
    #[schemars(with = "Option<TeamRole>")]
    pub my_role: Option<String>,
}

/// My membership of a channel, with my counts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct ChannelMe {
    #[ts(as = "MemberRole")]
    #[schemars(with = "MemberRole")]
    pub role: String,
    /// Messages I have not seen.
    pub unread: i64,
    /// Mentions of me I have not seen.
    pub mentions: i64,
    pub muted: bool,
    #[ts(as = "NotifyLevel")]
    #[schemars(with = "NotifyLevel")]
    pub notify: String,
    /// The last message I saw (0: none).
    pub last_viewed_post: i64,
}

/// A channel as one person sees it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct Channel {
    pub id: String,
    /// Null for direct and group conversations.
    pub team_id: Option<String>,
    pub kind: Kind,
    pub name: String,
    /// For a conversation: the names of the others.
    pub display_name: String,
    pub header: String,
    pub purpose: String,
    pub archived: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub last_post_at: String,
    /// How many members it has.
    pub members: i64,
    /// The channel's own retention in days; null: the instance's.
    pub retention_days: Option<i64>,
    /// The instance's `chat.retention_days` (0: kept for good).
    pub default_retention_days: u64,
    /// Null when I am not a member.
    pub me: Option<ChannelMe>,
    /// Direct and group conversations: the people in it but me.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub users: Option<Vec<ChatUser>>,
}

/// A public channel of the team, and whether I am in it.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct BrowseChannel {
    #[serde(flatten)]
    pub channel: Channel,
    pub joined: bool,
}

/// The reactions of one emoji to a message.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct Reaction {
    pub emoji: String,
    pub count: usize,
    /// Who reacted (user ids).
    pub users: Vec<String>,
    /// Whether I am among them.
    pub me: bool,
}

/// A file attached to a message.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct ChatFile {
    pub id: String,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// An image's size in pixels.
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub url: String,
    /// Images only.
    pub thumbnail_url: Option<String>,
}

impl ChatFile {
    pub fn new(
        id: String,
        name: String,
        content_type: String,
        size: i64,
        (width, height): (Option<i64>, Option<i64>),
        thumbnail: bool,
    ) -> ChatFile {
        ChatFile {
            url: format!("/api/v1/chat/files/{id}"),
            thumbnail_url: thumbnail.then(|| format!("/api/v1/chat/files/{id}/thumbnail")),
            id,
            name,
            content_type,
            size,
            width,
            height,
        }
    }
}

/// The room of a call card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct CallCard {
    pub room: String,
    /// The room's page (`/video/<room>`).
    pub url: String,
}

/// What a message says of where it comes from, set by the server (webhooks, imports, API
/// tokens, calls); stored with the message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct PostProps {
    /// The name a webhook or an import gave the author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub override_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from_webhook: Option<bool>,
    /// Posted with an API token (a bot or a script).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from_bot: Option<bool>,
    /// `slack` or `mattermost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub imported_from: Option<String>,
    /// A call card: the channel's video room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub call: Option<CallCard>,
}

/// A message as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct Post {
    pub id: i64,
    pub channel_id: String,
    pub user: ChatUser,
    /// The thread's first message, for a reply.
    pub root_id: Option<i64>,
    /// Markdown.
    pub text: String,
    /// The text rendered and sanitised.
    pub html: String,
    /// RFC 3339.
    pub created_at: String,
    pub edited_at: Option<String>,
    pub deleted: bool,
    pub pinned: bool,
    pub reactions: Vec<Reaction>,
    pub reply_count: i64,
    pub last_reply_at: Option<String>,
    /// Who it mentions (user ids); nobody listed for a message to the whole channel
    /// (`@channel`, `@all`, `@here`), which its text says is for every reader.
    pub mentions: Vec<String>,
    pub files: Vec<ChatFile>,
    pub props: PostProps,
}

/// Messages before or after one.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct PostPage {
    /// Oldest first.
    pub posts: Vec<Post>,
    /// There are more beyond.
    pub more: bool,
}

/// Messages around one (`?around=`).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct AroundPage {
    pub posts: Vec<Post>,
    pub more_before: bool,
    pub more_after: bool,
}

/// `GET /channels/{id}/posts`: a page, or the messages around one.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[serde(untagged)]
#[ts(export, export_to = "chat/")]
pub enum Posts {
    Page(PostPage),
    Around(AroundPage),
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct Thread {
    pub root: Post,
    pub replies: Vec<Post>,
    /// I follow it.
    pub following: bool,
}

/// A thread I follow.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct FollowedThread {
    pub root: Post,
    pub channel_id: String,
    pub reply_count: i64,
    pub unread_replies: i64,
    pub unread_mentions: i64,
    pub last_reply_at: Option<String>,
}

/// The channel a search result is in.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct ChannelRef {
    pub id: String,
    pub name: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct SearchPost {
    #[serde(flatten)]
    pub post: Post,
    pub channel: ChannelRef,
}

/// Search results, newest first (at most 100).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct SearchResults {
    pub posts: Vec<SearchPost>,
}

/// An incoming webhook as listed (its secret URL is shown only when it is created).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct Webhook {
    pub id: String,
    pub display_name: String,
    pub created_at: String,
}

/// A new incoming webhook: `url` holds the secret, shown this once.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct CreatedWebhook {
    pub id: String,
    pub channel_id: String,
    pub display_name: String,
    pub url: String,
}

/// The message a webhook posted.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct HookPosted {
    pub id: i64,
}

/// What an import stored: the channels it created (same-name channels are reused) and the
/// messages.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct ImportResult {
    pub channels: usize,
    pub posts: usize,
}

// ---- request bodies -------------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct CreateTeamBody {
    /// The team's address: lower-case letters, digits and dashes.
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub description: String,
    /// Anyone of the instance may join it.
    #[serde(default)]
    #[ts(optional, as = "Option<bool>")]
    pub open: bool,
}

/// A new channel, as the API takes it.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct CreateChannelBody {
    /// Made from the display name when left out.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    pub display_name: String,
    /// `public` or `private`.
    pub kind: String,
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub header: String,
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub purpose: String,
}

/// `PUT /teams/{team}/members/{username}`: a guest gets only `channels` (names or ids, 1–50).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct TeamMemberBody {
    /// `admin`, `member` (when left out) or `guest`.
    #[serde(default)]
    #[ts(optional)]
    pub role: Option<String>,
    /// For a guest: the channels they may use.
    #[serde(default)]
    #[ts(optional, as = "Option<Vec<String>>")]
    pub channels: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct DirectBody {
    /// One person (a direct message) or two to seven (a group).
    pub usernames: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct ChannelPatch {
    /// Channel admins only.
    #[serde(default)]
    #[ts(optional)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub header: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub purpose: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct ViewBody {
    /// Read up to this message; left out: up to the last one.
    #[serde(default)]
    #[ts(optional)]
    pub post_id: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct NotifyBody {
    /// The older form: true is `none`, false `mentions`.
    #[serde(default)]
    #[ts(optional)]
    pub muted: Option<bool>,
    /// `all`, `mentions` or `none`.
    #[serde(default)]
    #[ts(optional)]
    pub level: Option<String>,
}

/// A body that says nothing (`{}`).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct Empty {}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct NewPostBody {
    /// Markdown; may be empty when files are attached.
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub text: String,
    /// Files uploaded to this channel, at most 10.
    #[serde(default)]
    #[ts(optional, as = "Option<Vec<String>>")]
    pub file_ids: Vec<String>,
    /// The thread's first message, for a reply.
    #[serde(default)]
    #[ts(optional)]
    pub root_id: Option<i64>,
    /// The client's own id (at most 64 characters): a resend within a minute is not stored
    /// twice, and the `posted` event carries it back.
    #[serde(default)]
    #[ts(optional)]
    pub client_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct EditBody {
    pub text: String,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct HookBody {
    pub display_name: String,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct RetentionBody {
    /// 1 to 36500; null: the instance's.
    pub days: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct CadenceBody {
    /// `immediately`, `15min`, `hourly` or `never`.
    pub cadence: String,
}

/// The token of a mail's unsubscribe link (a body, or the query of the one-click POST).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct UnsubscribeBody {
    pub token: String,
}

// ---- query strings --------------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct SearchQuery {
    /// Words, or for a search `in:channel from:user before:date after:date`.
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub q: String,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct PostsQuery {
    /// Messages before this one (the newest when no position is given).
    #[serde(default)]
    #[ts(optional)]
    pub before: Option<i64>,
    /// Messages after this one.
    #[serde(default)]
    #[ts(optional)]
    pub after: Option<i64>,
    /// This message and up to 25 on each side.
    #[serde(default)]
    #[ts(optional)]
    pub around: Option<i64>,
    /// 1 to 200 (50 when left out).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct FileQuery {
    /// The file's name.
    pub name: String,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct PreviewQuery {
    /// A link to this instance's pad, poll or wiki page.
    pub url: String,
}

// ---- realtime -------------------------------------------------------------------------------

/// A change, stored in the event log and sent on `chat:<user id>` to those it concerns.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, export_to = "chat/")]
pub enum ChatEvent {
    Posted {
        post: Post,
        /// The sender's `client_id`, to replace the message they show as pending.
        client_id: Option<String>,
    },
    PostEdited {
        post: Post,
    },
    PostDeleted {
        post_id: i64,
        channel_id: String,
        root_id: Option<i64>,
    },
    Reaction {
        post_id: i64,
        channel_id: String,
        reactions: Vec<Reaction>,
    },
    Pinned {
        post_id: i64,
        channel_id: String,
        pinned: bool,
    },
    /// A channel changed, or I joined it: as I see it.
    ChannelUpdated {
        channel: Channel,
    },
    /// I left the channel or was removed from it.
    ChannelRemoved {
        channel_id: String,
    },
    MemberJoined {
        channel_id: String,
        user_id: String,
    },
    MemberLeft {
        channel_id: String,
        user_id: String,
    },
    /// I read the channel (on any device).
    Read {
        channel_id: String,
        last_viewed_post: i64,
    },
}

/// An event as delivered: its id in the log (for `catch_up`), and the event.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct StoredEvent {
    pub id: i64,
    #[serde(flatten)]
    pub event: ChatEvent,
}

/// What the server sends on `chat:<user id>` besides stored events: signals, not kept.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, export_to = "chat/")]
pub enum ChatSignal {
    Typing {
        channel_id: String,
        root_id: Option<i64>,
        user: ChatUser,
    },
    /// Someone who shares a team with me is now online, away or offline.
    Presence {
        user_id: String,
        status: PresenceStatus,
    },
    /// Someone's custom status changed (null: cleared).
    Status {
        user_id: String,
        status: Option<ChatStatus>,
    },
    /// On subscribing: who of my teams is online or away now.
    PresenceSnapshot {
        statuses: BTreeMap<String, PresenceStatus>,
    },
    /// The events since `after` are no longer all kept: read everything again.
    Resync,
    /// Up to 200 events of a catch-up, in order.
    Events { events: Vec<StoredEvent> },
    /// The catch-up is over; `last` is the last event id.
    CaughtUp { last: i64 },
}

/// Whether a page is looked at (presence across the tools).
pub use nichoir_core::notify::PageStatus;

/// What a client publishes on its `chat:<user id>` topic.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, export_to = "chat/")]
pub enum ChatClientFrame {
    /// The events after `after` (an event id, 0 for none).
    CatchUp { after: i64 },
    /// I am typing in a channel (or a thread of it).
    Typing {
        channel_id: String,
        #[serde(default)]
        #[ts(optional)]
        root_id: Option<i64>,
    },
    /// Whether my page is looked at.
    Status { status: PageStatus },
}
