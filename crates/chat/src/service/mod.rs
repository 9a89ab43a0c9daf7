//! The chat service: teams, channels, membership, messages, threads, reactions, pins, unread and
//! mention counts, search, and the event log that realtime delivery and catch-up share. Every
//! change writes its events in the same transaction as the change; once committed they are
//! pushed to each member's `chat:<user id>` topic.

//!
//! One file per concept: `teams`, `channels`, `posts`, `search` (and link cards), `retention`,
//! `realtime`; this one keeps the service, its dependencies and what they all share.
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::api::{AroundPage, ChatFile, Post};
use crate::api::{
    BrowseChannel, Channel, ChannelMe, ChannelMember, ChannelRef, ChatEvent, ChatSignal, ChatUser,
    CreateChannelBody, FollowedThread, PostPage, PostProps, Posts, Reaction, SearchPost,
    SearchResults, Team, TeamMember, Thread,
};
use crate::model::{ChannelRow, Kind, MemberRow, PostRow, TeamRow};
use crate::store;
use crate::text;

mod channels;
mod posts;
mod realtime;
mod retention;
mod search;
mod teams;
use nichoir_auth::{Actor, AuthService, User};
use nichoir_core::ids::new_id;
use nichoir_core::time::{now_ms, rfc3339};
use nichoir_core::{Error, ErrorCode};
use nichoir_http::preview::{local_path, LinkPreviewer};
use nichoir_realtime::online::Status;
use nichoir_realtime::Hub;
use nichoir_storage::{is_unique_violation, Connection, Db, StorageError};
use parking_lot::Mutex;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

pub use crate::error::ChatResult;

/// How long events stay for catch-up.
pub const EVENT_RETENTION_MS: i64 = 7 * 86_400_000;
/// Posts deleted per write job by the retention policy.
const RETENTION_CHUNK: usize = 500;

pub fn topic(user_id: &str) -> String {
    format!("chat:{user_id}")
}

/// An event written in a transaction, to push once it is committed.
pub struct Emit {
    pub to: Vec<String>,
    pub data: String,
}

fn emit(
    c: &Connection,
    channel: Option<&str>,
    user: Option<&str>,
    event: &ChatEvent,
    out: &mut Vec<Emit>,
) -> Result<(), StorageError> {
    let text = serde_json::to_string(event).map_err(Error::internal)?;
    let id = store::insert_event(c, channel, user, &text, now_ms())?;
    let to = match (channel, user) {
        (_, Some(u)) => vec![u.to_string()],
        (Some(ch), None) => store::member_ids(c, ch)?,
        (None, None) => Vec::new(),
    };
    out.push(Emit {
        to,
        data: with_id(id, &text),
    });
    Ok(())
}

/// Someone left a channel: they are told it is gone, its members that they left.
fn emit_left(
    c: &Connection,
    channel: &str,
    user: &str,
    out: &mut Vec<Emit>,
) -> Result<(), StorageError> {
    emit(
        c,
        None,
        Some(user),
        &ChatEvent::ChannelRemoved {
            channel_id: channel.to_string(),
        },
        out,
    )?;
    emit(
        c,
        Some(channel),
        None,
        &ChatEvent::MemberLeft {
            channel_id: channel.to_string(),
            user_id: user.to_string(),
        },
        out,
    )
}

/// `{"id":N, …payload}` from a payload object's text.
pub(crate) fn with_id(id: i64, payload: &str) -> String {
    match payload.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('}') => format!("{{\"id\":{id}}}"),
        Some(rest) => format!("{{\"id\":{id},{rest}"),
        None => payload.to_string(),
    }
}

/// A message's HTML, rendered on the work pool under its limits and deadline: the request waits
/// without holding its worker, and a message too deep or too slow to render is refused (422).
async fn render_post(text: &str) -> Result<String, Error> {
    let text = text.to_string();
    nichoir_core::work::run(move || nichoir_core::markdown::to_page_html(&text)).await
}

fn forbidden(m: &str) -> Error {
    Error::forbidden(m)
}

fn not_found(m: &str) -> Error {
    Error::not_found(m)
}

#[derive(Clone)]
struct CachedUser {
    at: Instant,
    user: Option<ChatUser>,
}

pub struct ChatService {
    pub(crate) db: Db,
    pub(crate) hub: Hub,
    pub(crate) auth: AuthService,
    pub(crate) blobs: nichoir_storage::Blobs,
    pub(crate) max_file_bytes: u64,
    /// Largest image kept, in pixels (`uploads.max_image_pixels`).
    pub(crate) max_image_pixels: u64,
    /// Storage quotas, asked before a file is stored.
    pub(crate) quotas: nichoir_core::quota::Quotas,
    pub(crate) retention_days: u64,
    pub(crate) base_url: String,
    /// Mail about missed mentions and direct messages (`email.rs`).
    pub(crate) email: EmailSettings,
    previewers: Vec<Arc<dyn LinkPreviewer>>,
    /// The bell and push (`notices.rs`).
    pub(crate) notifier: Arc<dyn nichoir_core::notify::Notifier>,
    /// Channels where a plain message tells nobody (not a conversation, nobody wants every
    /// message), as last read: most messages then cost no read at all (`notices.rs`).
    pub(crate) quiet_channels: crate::notices::QuietChannels,
    users: Mutex<HashMap<String, CachedUser>>,
    /// Who is online, away or offline across every tool (`nichoir_realtime::online`).
    pub(crate) online: nichoir_realtime::Online,
    /// Pushes committed events live, in commit order.
    pusher: Pusher,
}

/// Committed events, pushed live in the order of their commits: the writer hands each
/// commit's events over (`Db::write_then`), even when the request that wrote them was dropped
/// meanwhile, and one task pushes them, so that no two fan-outs interleave. In a cluster the
/// task only wakes the relay, which reads them back in id order (`relay.rs`).
struct Pusher {
    tx: UnboundedSender<Vec<Emit>>,
    relay: Arc<OnceLock<Arc<crate::relay::Relay>>>,
}

impl Pusher {
    /// Starts the pushing task on the current runtime: the composition's, which serves.
    fn start(hub: &Hub) -> Pusher {
        let (tx, mut rx) = unbounded_channel::<Vec<Emit>>();
        let relay = Arc::new(OnceLock::new());
        let (hub, task_relay) = (hub.clone(), relay.clone());
        tokio::spawn(async move {
            while let Some(events) = rx.recv().await {
                push(&hub, task_relay.get(), events);
            }
        });
        Pusher { tx, relay }
    }
}

fn push(hub: &Hub, relay: Option<&Arc<crate::relay::Relay>>, events: Vec<Emit>) {
    if let Some(relay) = relay {
        relay.wake();
        hub.signal(crate::relay::SIGNAL, "");
        return;
    }
    for e in events {
        let topics: Vec<String> = e.to.iter().map(|u| topic(u)).collect();
        hub.broadcast_event_json_to(topics.iter().map(String::as_str), &e.data);
    }
}

/// How missed mentions and direct messages are mailed.
#[derive(Clone)]
pub struct EmailSettings {
    pub mailer: nichoir_mail::Mailer,
    /// For those who chose nothing (`chat.email_default`).
    pub default: nichoir_core::config::MissedMail,
    /// How long a message stays unseen before it is mailed.
    pub after_minutes: u64,
}

/// What the composition hands the chat.
pub struct ChatDeps {
    pub db: Db,
    pub hub: Hub,
    pub auth: AuthService,
    /// Where uploaded files live.
    pub blobs: nichoir_storage::Blobs,
    pub max_file_bytes: u64,
    pub max_image_pixels: u64,
    pub quotas: nichoir_core::quota::Quotas,
    pub retention_days: u64,
    pub base_url: String,
    pub email: EmailSettings,
    /// Cards for links to the other tools' pages (pads, polls, wiki pages).
    pub previewers: Vec<Arc<dyn LinkPreviewer>>,
    /// Who hears of mentions, direct messages and replies (the bell, push).
    pub notifier: Arc<dyn nichoir_core::notify::Notifier>,
    /// Presence across the tools; chat tells team peers of its changes.
    pub online: nichoir_realtime::Online,
}

fn chat_user(u: &User) -> ChatUser {
    ChatUser {
        id: u.id.clone(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        avatar_color: u.avatar_color.clone(),
        status: None,
    }
}

fn team_of(t: &TeamRow, role: Option<&str>) -> Team {
    Team {
        id: t.id.clone(),
        name: t.name.clone(),
        display_name: t.display_name.clone(),
        description: t.description.clone(),
        open: t.open,
        my_role: role.map(str::to_string),
    }
}

impl ChatService {
    /// Called on the runtime that serves: it starts the task that pushes committed events.
    pub fn new(d: ChatDeps) -> ChatService {
        let pusher = Pusher::start(&d.hub);
        ChatService {
            db: d.db,
            hub: d.hub,
            auth: d.auth,
            blobs: d.blobs,
            max_file_bytes: d.max_file_bytes,
            max_image_pixels: d.max_image_pixels,
            quotas: d.quotas,
            retention_days: d.retention_days,
            email: d.email,
            base_url: d.base_url,
            previewers: d.previewers,
            notifier: d.notifier,
            quiet_channels: Default::default(),
            users: Mutex::new(HashMap::new()),
            online: d.online,
            pusher,
        }
    }

    /// In a cluster, events reach people through the relay from now on (call once the hub is
    /// on the bus, before serving).
    pub fn start_relay(self: &Arc<Self>) {
        if self.hub.in_cluster() && self.pusher.relay.get().is_none() {
            let _ = self.pusher.relay.set(crate::relay::start(self));
        }
    }

    pub(crate) async fn readable_channel(
        &self,
        channel_id: &str,
        user_id: &str,
    ) -> ChatResult<(ChannelRow, Option<MemberRow>)> {
        self.readable(channel_id, user_id).await
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Stores one event (for a channel's members or one user) and pushes it once committed.
    async fn publish(
        &self,
        channel: Option<String>,
        user: Option<String>,
        event: ChatEvent,
    ) -> ChatResult<()> {
        self.db
            .write_then(
                move |c| {
                    let mut out = Vec::new();
                    emit(c, channel.as_deref(), user.as_deref(), &event, &mut out)?;
                    Ok(((), out))
                },
                self.pushed(),
            )
            .await?;
        Ok(())
    }

    /// What a write hands its committed events to (`Db::write_then`): the pusher's queue.
    pub(crate) fn pushed(&self) -> impl FnOnce(Vec<Emit>) + Send + 'static {
        let tx = self.pusher.tx.clone();
        move |events| {
            if !events.is_empty() {
                let _ = tx.send(events);
            }
        }
    }

    /// A user's short form, cached for a minute (names rarely change; a post list needs many).
    pub async fn user(&self, id: &str) -> ChatResult<ChatUser> {
        if let Some(c) = self.users.lock().get(id) {
            if c.at.elapsed() < Duration::from_secs(60) {
                return Ok(c.user.clone().unwrap_or_else(|| ChatUser::unknown(id)));
            }
        }
        let u = self.auth.user_by_id(id).await?;
        let uid = id.to_string();
        let status = self
            .db
            .read(move |c| store::status(c, &uid, now_ms()))
            .await?;
        let v = u.as_ref().map(|u| ChatUser {
            status: status.clone(),
            ..chat_user(u)
        });
        let mut cache = self.users.lock();
        if cache.len() > 50_000 {
            cache.clear();
        }
        cache.insert(
            id.to_string(),
            CachedUser {
                at: Instant::now(),
                user: v.clone(),
            },
        );
        Ok(v.unwrap_or_else(|| ChatUser::unknown(id)))
    }

    /// A user's short form changed (a new status): read it again next time.
    pub(crate) fn forget_user_cache(&self, id: &str) {
        self.users.lock().remove(id);
    }

    fn me(actor: &Actor) -> ChatResult<&User> {
        actor.as_user().ok_or_else(Error::unauthenticated)
    }
}

/// Whether `user` may post in `channel`, read inside the write that stores the post: the same
/// answers as `readable` followed by the member and archive checks (a channel one may not read
/// does not exist; a readable one must be joined first; an archived one is read-only).
fn may_post(c: &Connection, channel: &str, user: &str) -> Result<(), StorageError> {
    let Some(ch) = store::channel(c, channel)? else {
        return Err(not_found("no such channel").into());
    };
    if store::membership(c, channel, user)?.is_none() {
        let readable = ch.kind == Kind::Public
            && match &ch.team_id {
                // A guest of the team reads only the channels they were given.
                Some(t) => store::team_role(c, t, user)?.is_some_and(|r| r != "guest"),
                None => false,
            };
        return Err(if readable {
            forbidden("join the channel to write in it")
        } else {
            not_found("no such channel")
        }
        .into());
    }
    if ch.archived {
        return Err(Error::new(
            ErrorCode::Conflict,
            "this channel is archived: it is read-only",
        )
        .into());
    }
    Ok(())
}

/// A post as the API shows it.
fn post_view(p: &PostRow, user: ChatUser, reactions: Vec<Reaction>, files: Vec<ChatFile>) -> Post {
    Post {
        id: p.id,
        channel_id: p.channel_id.clone(),
        user,
        root_id: p.root_id,
        text: p.text.clone(),
        html: p.html.clone(),
        created_at: rfc3339(p.created_at),
        edited_at: p.edited_at.map(rfc3339),
        deleted: p.deleted,
        pinned: p.pinned,
        reactions,
        reply_count: p.reply_count,
        last_reply_at: p.last_reply_at.map(rfc3339),
        mentions: crate::text::shown_mentions(&p.text, &p.mentions),
        files,
        props: p.props.clone(),
    }
}

/// Which change of a post its channel hears of.
#[derive(Debug, Clone, Copy)]
enum Announce {
    Edited,
    Deleted,
    Reaction,
    Pinned,
}

/// An emoji as stored: the character itself, from the character or a shortcode.
pub fn normalize_emoji(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(e) = emojis::get(s) {
        return Some(e.as_str().to_string());
    }
    emojis::get_by_shortcode(s.trim_matches(':')).map(|e| e.as_str().to_string())
}

impl ChatService {
    /// Drops a user's cached short form (an account deleted or renamed).
    pub(crate) fn forget_cached_user(&self, id: &str) {
        self.users.lock().remove(id);
    }
}

impl ChatService {
    /// The message a moderation link names (`/chat/{team}/pl/{id}`): its id and text.
    pub async fn moderation_target(&self, path: &str) -> ChatResult<Option<(i64, String)>> {
        let Some(id) = nichoir_core::moderation::segments(path, "/chat/")
            .filter(|s| s.len() == 3 && s[1] == "pl")
            .and_then(|s| s[2].parse::<i64>().ok())
        else {
            return Ok(None);
        };
        let post = self.db.read(move |c| store::post(c, id)).await?;
        Ok(post.filter(|p| !p.deleted).map(|p| (p.id, p.text)))
    }

    /// The team channel a channel link names (`/chat/{team}/{channel}`), for admin moderation:
    /// its id and display name.
    pub async fn moderation_channel(&self, path: &str) -> ChatResult<Option<(String, String)>> {
        let Some(parts) = nichoir_core::moderation::segments(path, "/chat/")
            .filter(|s| s.len() == 2 && !["threads", "messages", "pl"].contains(&s[1]))
        else {
            return Ok(None);
        };
        let (team, name) = (parts[0].to_string(), parts[1].to_string());
        let found = self
            .db
            .read(move |c| match store::team_by_name(c, &team)? {
                Some(t) => store::channel_by_name(c, &t.id, &name),
                None => Ok(None),
            })
            .await?;
        Ok(found
            .filter(|ch| !ch.archived)
            .map(|ch| (ch.id, ch.display_name)))
    }

    /// Archives a team channel (admin moderation), as a team admin would: its messages stay
    /// readable to its members, nobody writes in it any more, a team admin can bring it back.
    pub async fn archive_channel_as_admin(&self, id: &str) -> ChatResult<()> {
        let cid = id.to_string();
        let Some(mut ch) = self.db.read(move |c| store::channel(c, &cid)).await? else {
            return Err(Error::not_found("no such channel"));
        };
        if ch.name == "town-square" || ch.team_id.is_none() {
            return Err(Error::validation(
                "a team's town square cannot be archived: remove its messages, or the team's channels",
            ));
        }
        ch.archived = true;
        let c2 = ch.clone();
        self.db
            .write(move |c| store::update_channel(c, &c2))
            .await?;
        self.announce_channel(&ch.id).await
    }

    /// Deletes a message as its author would (admin moderation): its text, files and search
    /// entry go, and the channel is told.
    pub async fn remove_post_as_admin(&self, id: i64) -> ChatResult<()> {
        let unused = self
            .db
            .write(move |c| match store::post(c, id)? {
                Some(p) => store::mark_post_deleted(c, &p),
                None => Err(Error::not_found("no such message").into()),
            })
            .await?;
        self.drop_files(&unused).await;
        self.announce_post(Announce::Deleted, id, "").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_spliced_into_payloads() {
        assert_eq!(with_id(7, r#"{"type":"x"}"#), r#"{"id":7,"type":"x"}"#);
        assert_eq!(with_id(7, "{}"), r#"{"id":7}"#);
    }

    #[test]
    fn emojis_by_character_or_shortcode() {
        assert_eq!(normalize_emoji("👍").as_deref(), Some("👍"));
        assert_eq!(normalize_emoji("thumbsup").as_deref(), Some("👍"));
        assert_eq!(normalize_emoji(":tada:").as_deref(), Some("🎉"));
        assert_eq!(normalize_emoji("<script>"), None);
        assert_eq!(normalize_emoji(""), None);
    }
}
