//! The chat service: teams, channels, membership, messages, threads, reactions, pins, unread and
//! mention counts, search, and the event log that realtime delivery and catch-up share. Every
//! change writes its events in the same transaction as the change; once committed they are
//! pushed to each member's `chat:<user id>` topic.

use std::collections::HashMap;
use std::sync::Arc;
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
use nichoir_auth::{Actor, AuthService, User};
use nichoir_core::ids::new_id;
use nichoir_core::time::{now_ms, rfc3339};
use nichoir_core::{Error, ErrorCode};
use nichoir_http::preview::{local_path, LinkPreviewer};
use nichoir_realtime::online::Status;
use nichoir_realtime::Hub;
use nichoir_storage::{is_unique_violation, Connection, Db, StorageError};
use parking_lot::Mutex;

pub type ChatResult<T> = Result<T, Error>;

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
    /// In a cluster: the relay that pushes committed events in id order (`relay.rs`).
    relay: std::sync::OnceLock<Arc<crate::relay::Relay>>,
    /// Held while one commit's events are pushed (one node, no relay): a fan-out offers a frame
    /// member by member, so two at once could reach two sockets of a topic in two orders.
    fanout: Mutex<()>,
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
    pub fn new(d: ChatDeps) -> ChatService {
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
            relay: std::sync::OnceLock::new(),
            fanout: Mutex::new(()),
        }
    }

    /// In a cluster, events reach people through the relay from now on (call once the hub is
    /// on the bus, before serving).
    pub fn start_relay(self: &Arc<Self>) {
        if self.hub.in_cluster() && self.relay.get().is_none() {
            let _ = self.relay.set(crate::relay::start(self));
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
        let events = self
            .db
            .write(move |c| {
                let mut out = Vec::new();
                emit(c, channel.as_deref(), user.as_deref(), &event, &mut out)?;
                Ok(out)
            })
            .await?;
        self.deliver(events);
        Ok(())
    }

    /// Pushes committed events to their recipients' topics; in a cluster, wakes the relays
    /// of every node, which push them in id order.
    pub(crate) fn deliver(&self, events: Vec<Emit>) {
        if let Some(relay) = self.relay.get() {
            if !events.is_empty() {
                relay.wake();
                self.hub.signal(crate::relay::SIGNAL, "");
            }
            return;
        }
        let _one_order = self.fanout.lock();
        for e in events {
            let topics: Vec<String> = e.to.iter().map(|u| topic(u)).collect();
            self.hub
                .broadcast_event_json_to(topics.iter().map(String::as_str), &e.data);
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

    // ---- teams ------------------------------------------------------------------------------

    async fn team_for(&self, name: &str, user_id: &str) -> ChatResult<(TeamRow, Option<String>)> {
        let (n, u) = (name.to_string(), user_id.to_string());
        let r = self
            .db
            .read(move |c| {
                let Some(t) = store::team_by_name(c, &n)? else {
                    return Ok(None);
                };
                let role = store::team_role(c, &t.id, &u)?;
                Ok(Some((t, role)))
            })
            .await?;
        r.ok_or_else(|| not_found("no such team"))
    }

    pub(crate) async fn member_team(
        &self,
        name: &str,
        user_id: &str,
    ) -> ChatResult<(TeamRow, String)> {
        match self.team_for(name, user_id).await? {
            (t, Some(role)) => Ok((t, role)),
            (t, None) if t.open => Err(forbidden("join this team first")),
            _ => Err(not_found("no such team")),
        }
    }

    pub async fn create_team(
        &self,
        actor: &Actor,
        name: &str,
        display: &str,
        description: &str,
        open: bool,
    ) -> ChatResult<Team> {
        let me = Self::me(actor)?;
        let team = TeamRow {
            id: new_id("t"),
            name: text::validate_name("name", name)?,
            display_name: text::line("display_name", display, 1, 64)?,
            description: text::line("description", description, 0, 500)?,
            open,
        };
        let (t, uid) = (team.clone(), me.id.clone());
        // The square's name is stored and shown as is to everyone (its admins may rename it): in
        // the instance's language as it is now.
        let square = if &*self.email.mailer.default_language() == "fr" {
            "Place du village"
        } else {
            "Town square"
        };
        let result = self
            .db
            .write(move |c| {
                let now = now_ms();
                store::insert_team(c, &t, &uid, now)?;
                store::set_team_member(c, &t.id, &uid, "admin", now)?;
                let id = new_id("c");
                store::insert_channel(
                    c,
                    &store::NewChannel {
                        id: &id,
                        team_id: Some(&t.id),
                        kind: Kind::Public,
                        name: "town-square",
                        display_name: square,
                        header: "",
                        purpose: "",
                        dm_key: None,
                        by: &uid,
                        now,
                    },
                )?;
                store::add_member(c, &id, &uid, "admin", now)?;
                Ok(())
            })
            .await;
        match result {
            Ok(()) => Ok(team_of(&team, Some("admin"))),
            Err(e) if is_unique_violation(&e) => Err(Error::new(
                ErrorCode::Conflict,
                format!("the team name {} is taken", team.name),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn my_teams(&self, actor: &Actor) -> ChatResult<Vec<Team>> {
        let u = Self::me(actor)?.id.clone();
        let rows = self.db.read(move |c| store::teams_of(c, &u)).await?;
        Ok(rows.iter().map(|(t, r)| team_of(t, Some(r))).collect())
    }

    pub async fn open_teams(&self, actor: &Actor) -> ChatResult<Vec<Team>> {
        let u = Self::me(actor)?.id.clone();
        let rows = self.db.read(move |c| store::open_teams(c, &u)).await?;
        Ok(rows.iter().map(|t| team_of(t, None)).collect())
    }

    /// Adds a user to a team and to its town square.
    async fn add_to_team(&self, team: &TeamRow, user_id: &str, role: &str) -> ChatResult<()> {
        let (tid, uid, role) = (team.id.clone(), user_id.to_string(), role.to_string());
        let events = self
            .db
            .write(move |c| {
                let now = now_ms();
                let mut out = Vec::new();
                let before = store::team_role(c, &tid, &uid)?;
                store::set_team_member(c, &tid, &uid, &role, now)?;
                // A guest sees only the channels they are given, not even the town square; a
                // guest made a member joins it as any newcomer does.
                if matches!(before.as_deref(), None | Some("guest")) && role != "guest" {
                    if let Some(ts) = store::channel_by_name(c, &tid, "town-square")? {
                        if store::add_member(c, &ts.id, &uid, "member", now)? {
                            let joined = ChatEvent::MemberJoined {
                                channel_id: ts.id.clone(),
                                user_id: uid.clone(),
                            };
                            emit(c, Some(&ts.id), None, &joined, &mut out)?;
                        }
                    }
                }
                Ok(out)
            })
            .await?;
        self.deliver(events);
        Ok(())
    }

    pub async fn join_team(&self, actor: &Actor, name: &str) -> ChatResult<Team> {
        let me = Self::me(actor)?;
        let (team, role) = self.team_for(name, &me.id).await?;
        if let Some(r) = role {
            return Ok(team_of(&team, Some(&r)));
        }
        if !team.open {
            return Err(not_found("no such team"));
        }
        self.add_to_team(&team, &me.id, "member").await?;
        Ok(team_of(&team, Some("member")))
    }

    pub async fn leave_team(&self, actor: &Actor, name: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(name, &me.id).await?;
        self.keep_an_admin(&team, &me.id).await?;
        self.remove_from_team(&team, &me.id).await
    }

    /// Whether `user_id` administers the team of `ch` (false for a conversation outside teams).
    pub(crate) async fn is_team_admin(&self, ch: &ChannelRow, user_id: &str) -> ChatResult<bool> {
        let Some(tid) = ch.team_id.clone() else {
            return Ok(false);
        };
        let uid = user_id.to_string();
        Ok(self
            .db
            .read(move |c| store::team_role(c, &tid, &uid))
            .await?
            .as_deref()
            == Some("admin"))
    }

    /// A team keeps at least one admin: its last one cannot step down, leave, or become a guest
    /// (nobody could manage the team any more).
    async fn keep_an_admin(&self, team: &TeamRow, user_id: &str) -> ChatResult<()> {
        let (tid, uid) = (team.id.clone(), user_id.to_string());
        let (role, others) = self
            .db
            .read(move |c| {
                Ok((
                    store::team_role(c, &tid, &uid)?,
                    store::other_admins(c, &tid, &uid)?,
                ))
            })
            .await?;
        if role.as_deref() == Some("admin") && others == 0 {
            return Err(Error::new(
                ErrorCode::Conflict,
                "a team needs an admin: make someone else admin first",
            ));
        }
        Ok(())
    }

    async fn remove_from_team(&self, team: &TeamRow, user_id: &str) -> ChatResult<()> {
        let (tid, uid) = (team.id.clone(), user_id.to_string());
        let events = self
            .db
            .write(move |c| {
                let mut out = Vec::new();
                for ch in store::remove_team_member(c, &tid, &uid)? {
                    emit_left(c, &ch, &uid, &mut out)?;
                }
                Ok(out)
            })
            .await?;
        self.deliver(events);
        Ok(())
    }

    pub async fn team_members(
        &self,
        actor: &Actor,
        name: &str,
        q: &str,
    ) -> ChatResult<Vec<TeamMember>> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(name, &me.id).await?;
        let tid = team.id.clone();
        let rows = self.db.read(move |c| store::team_members(c, &tid)).await?;
        let q = q.trim().to_lowercase();
        let mut out = Vec::new();
        for (uid, role) in rows {
            let u = self.user(&uid).await?;
            let matches = q.is_empty()
                || u.username.to_lowercase().starts_with(&q)
                || u.display_name
                    .to_lowercase()
                    .split_whitespace()
                    .any(|w| w.starts_with(&q));
            if matches {
                out.push(TeamMember { user: u, role });
            }
            if out.len() >= 100 {
                break;
            }
        }
        Ok(out)
    }

    pub async fn set_team_member(
        &self,
        actor: &Actor,
        name: &str,
        username: &str,
        role: Option<&str>,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (team, my_role) = self.member_team(name, &me.id).await?;
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let self_removal = role.is_none() && target.id == me.id;
        if my_role != "admin" && !self_removal {
            return Err(forbidden("only team admins manage members"));
        }
        match role {
            Some("admin") => self.add_to_team(&team, &target.id, "admin").await,
            Some("member") => {
                self.keep_an_admin(&team, &target.id).await?;
                self.add_to_team(&team, &target.id, "member").await
            }
            Some(_) => Err(Error::validation("role: admin, member or guest")),
            None => {
                self.keep_an_admin(&team, &target.id).await?;
                self.remove_from_team(&team, &target.id).await
            }
        }
    }

    /// Makes a user a guest of the team, limited to `channels` (names or ids of this team's).
    pub async fn add_guest(
        &self,
        actor: &Actor,
        name: &str,
        username: &str,
        channels: &[String],
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (team, my_role) = self.member_team(name, &me.id).await?;
        if my_role != "admin" {
            return Err(forbidden("only team admins invite guests"));
        }
        if channels.is_empty() || channels.len() > 50 {
            return Err(Error::validation(
                "channels: one to fifty channels the guest may use",
            ));
        }
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let (tid, list) = (team.id.clone(), channels.to_vec());
        let found: Vec<ChannelRow> = self
            .db
            .read(move |c| {
                let mut out = Vec::new();
                for n in &list {
                    match store::channel_by_name(c, &tid, n)?.or(store::channel(c, n)?
                        .filter(|ch| ch.team_id.as_deref() == Some(tid.as_str())))
                    {
                        Some(ch) => out.push(ch),
                        None => {
                            return Err(Error::validation(format!(
                                "channels: no channel {n} in this team"
                            ))
                            .into())
                        }
                    }
                }
                Ok(out)
            })
            .await?;
        self.keep_an_admin(&team, &target.id).await?;
        self.add_to_team(&team, &target.id, "guest").await?;
        for ch in &found {
            self.add_channel_member(ch, &target.id).await?;
        }
        Ok(())
    }

    // ---- channels ---------------------------------------------------------------------------

    /// The channel as `user_id` sees it, with their counts.
    async fn channel_view(
        &self,
        ch: &ChannelRow,
        member: Option<&MemberRow>,
        user_id: &str,
    ) -> ChatResult<Channel> {
        let id = ch.id.clone();
        let (count, others) = self
            .db
            .read(move |c| {
                let n = store::member_count(c, &id)?;
                let others = if n <= 8 {
                    store::member_ids(c, &id)?
                } else {
                    Vec::new()
                };
                Ok((n, others))
            })
            .await?;
        let mut v = Channel {
            id: ch.id.clone(),
            team_id: ch.team_id.clone(),
            kind: ch.kind,
            name: ch.name.clone(),
            display_name: ch.display_name.clone(),
            header: ch.header.clone(),
            purpose: ch.purpose.clone(),
            archived: ch.archived,
            created_at: rfc3339(ch.created_at),
            last_post_at: rfc3339(ch.last_post_at),
            members: count,
            // Said to everyone who may read it: how long what they write here is kept.
            retention_days: ch.retention_days,
            default_retention_days: self.retention_days,
            me: member.map(|m| ChannelMe {
                role: m.role.clone(),
                unread: (ch.post_count - m.viewed_count).max(0),
                mentions: m.mentions,
                muted: m.muted,
                notify: crate::notices::level_of(m).to_string(),
                last_viewed_post: m.last_viewed_post,
            }),
            users: None,
        };
        if matches!(ch.kind, Kind::Direct | Kind::Group) {
            let mut users = Vec::new();
            let mut names = Vec::new();
            for u in others.iter().filter(|u| u.as_str() != user_id) {
                let uj = self.user(u).await?;
                names.push(uj.display_name.clone());
                users.push(uj);
            }
            if names.is_empty() {
                names.push(self.user(user_id).await?.display_name);
            }
            v.display_name = names.join(", ");
            v.users = Some(users);
        }
        Ok(v)
    }

    pub async fn team_channels(&self, actor: &Actor, team: &str) -> ChatResult<Vec<Channel>> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(team, &me.id).await?;
        let (tid, uid) = (team.id.clone(), me.id.clone());
        let rows = self
            .db
            .read(move |c| store::my_channels(c, &tid, &uid))
            .await?;
        let mut out = Vec::new();
        for (ch, m) in &rows {
            out.push(self.channel_view(ch, Some(m), &me.id).await?);
        }
        Ok(out)
    }

    pub async fn browse(
        &self,
        actor: &Actor,
        team: &str,
        q: &str,
    ) -> ChatResult<Vec<BrowseChannel>> {
        let me = Self::me(actor)?;
        let (team, role) = self.member_team(team, &me.id).await?;
        if role == "guest" {
            return Ok(Vec::new());
        }
        let q: String = q.trim().chars().take(64).collect();
        let (tid, uid) = (team.id.clone(), me.id.clone());
        let rows = self.db.read(move |c| store::browse(c, &tid, &uid)).await?;
        let mut out = Vec::new();
        let found = rows.iter().filter(|(ch, _)| {
            nichoir_storage::search::folded_contains(&[&ch.name, &ch.display_name, &ch.purpose], &q)
        });
        for (ch, joined) in found.take(500) {
            out.push(BrowseChannel {
                channel: self.channel_view(ch, None, &me.id).await?,
                joined: *joined,
            });
        }
        Ok(out)
    }

    pub async fn create_channel(
        &self,
        actor: &Actor,
        team: &str,
        body: CreateChannelBody,
    ) -> ChatResult<Channel> {
        let me = Self::me(actor)?;
        let (team, role) = self.member_team(team, &me.id).await?;
        if role == "guest" {
            return Err(forbidden("guests do not create channels"));
        }
        let CreateChannelBody {
            name,
            display_name: display,
            kind,
            header,
            purpose,
        } = body;
        let kind = match kind.as_str() {
            "public" => Kind::Public,
            "private" => Kind::Private,
            _ => return Err(Error::validation("kind: public or private")),
        };
        let display = text::line("display_name", &display, 1, 64)?;
        let name = text::validate_name("name", &name.unwrap_or_else(|| text::name_from(&display)))?;
        let header = text::line("header", &header, 0, 1024)?;
        let purpose = text::line("purpose", &purpose, 0, 250)?;
        let (id, tid, uid) = (new_id("c"), team.id.clone(), me.id.clone());
        let i2 = id.clone();
        let result = self
            .db
            .write(move |c| {
                let now = now_ms();
                store::insert_channel(
                    c,
                    &store::NewChannel {
                        id: &i2,
                        team_id: Some(&tid),
                        kind,
                        name: &name,
                        display_name: &display,
                        header: &header,
                        purpose: &purpose,
                        dm_key: None,
                        by: &uid,
                        now,
                    },
                )?;
                store::add_member(c, &i2, &uid, "admin", now)?;
                Ok(())
            })
            .await;
        match result {
            Ok(()) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "a channel of that name exists in this team",
                ))
            }
            Err(e) => return Err(e.into()),
        }
        // The creator's other devices learn about it too.
        self.announce_channel(&id).await?;
        self.channel_for(actor, &id).await.map(|(v, _, _)| v)
    }

    /// The channel, if the user may read it: its members, or any team member for a public one.
    async fn readable(
        &self,
        channel_id: &str,
        user_id: &str,
    ) -> ChatResult<(ChannelRow, Option<MemberRow>)> {
        let (id, uid) = (channel_id.to_string(), user_id.to_string());
        let (ch, m, team_role) = self
            .db
            .read(move |c| {
                let Some(ch) = store::channel(c, &id)? else {
                    return Ok((None, None, None));
                };
                let m = store::membership(c, &id, &uid)?;
                let tr = match &ch.team_id {
                    Some(t) => store::team_role(c, t, &uid)?,
                    None => None,
                };
                Ok((Some(ch), m, tr))
            })
            .await?;
        let ch = ch.ok_or_else(|| not_found("no such channel"))?;
        // A guest of the team reads only the channels they were given.
        let ok =
            m.is_some() || (ch.kind == Kind::Public && team_role.is_some_and(|r| r != "guest"));
        if !ok {
            return Err(not_found("no such channel"));
        }
        Ok((ch, m))
    }

    pub async fn channel_for(
        &self,
        actor: &Actor,
        id: &str,
    ) -> ChatResult<(Channel, ChannelRow, Option<MemberRow>)> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        Ok((self.channel_view(&ch, m.as_ref(), &me.id).await?, ch, m))
    }

    /// Announces a channel change to its members, each seeing their own counts.
    async fn announce_channel(&self, channel_id: &str) -> ChatResult<()> {
        let id = channel_id.to_string();
        let (ch, members) = self
            .db
            .read(move |c| Ok((store::channel(c, &id)?, store::members_with_roles(c, &id)?)))
            .await?;
        let Some(ch) = ch else { return Ok(()) };
        for (uid, _) in members {
            let (cid, u2) = (ch.id.clone(), uid.clone());
            let m = self
                .db
                .read(move |c| store::membership(c, &cid, &u2))
                .await?;
            let channel = self.channel_view(&ch, m.as_ref(), &uid).await?;
            self.publish(None, Some(uid), ChatEvent::ChannelUpdated { channel })
                .await?;
        }
        Ok(())
    }

    pub async fn direct(&self, actor: &Actor, usernames: &[String]) -> ChatResult<Channel> {
        let me = Self::me(actor)?;
        if usernames.is_empty() || usernames.len() > 7 {
            return Err(Error::validation("usernames: one to seven people"));
        }
        let mut ids = vec![me.id.clone()];
        for n in usernames {
            let u = self
                .auth
                .user_by_username(n)
                .await?
                .ok_or_else(|| not_found(&format!("no user named {n}")))?;
            if !ids.contains(&u.id) {
                ids.push(u.id);
            }
        }
        ids.sort();
        let key = ids.join(",");
        let kind = if ids.len() <= 2 {
            Kind::Direct
        } else {
            Kind::Group
        };
        let (uid, k2, ids2) = (me.id.clone(), key.clone(), ids.clone());
        let id = self
            .db
            .write(move |c| {
                if let Some(ch) = store::channel_by_dm_key(c, &k2)? {
                    return Ok(ch.id);
                }
                let now = now_ms();
                let id = new_id("c");
                store::insert_channel(
                    c,
                    &store::NewChannel {
                        id: &id,
                        team_id: None,
                        kind,
                        name: &id,
                        display_name: "",
                        header: "",
                        purpose: "",
                        dm_key: Some(&k2),
                        by: &uid,
                        now,
                    },
                )?;
                for u in &ids2 {
                    store::add_member(c, &id, u, "member", now)?;
                }
                Ok(id)
            })
            .await?;
        self.announce_channel(&id).await?;
        self.channel_for(actor, &id).await.map(|(v, _, _)| v)
    }

    pub async fn patch_channel(
        &self,
        actor: &Actor,
        id: &str,
        display: Option<&str>,
        header: Option<&str>,
        purpose: Option<&str>,
    ) -> ChatResult<Channel> {
        let me = Self::me(actor)?;
        let (mut ch, m) = self.readable(id, &me.id).await?;
        let m = m.ok_or_else(|| forbidden("join the channel first"))?;
        if ch.archived {
            return Err(Error::new(ErrorCode::Conflict, "this channel is archived"));
        }
        if let Some(d) = display {
            if m.role != "admin" {
                return Err(forbidden("only channel admins rename a channel"));
            }
            ch.display_name = text::line("display_name", d, 1, 64)?;
        }
        if let Some(h) = header {
            ch.header = text::line("header", h, 0, 1024)?;
        }
        if let Some(p) = purpose {
            ch.purpose = text::line("purpose", p, 0, 250)?;
        }
        let c2 = ch.clone();
        self.db
            .write(move |c| store::update_channel(c, &c2))
            .await?;
        self.announce_channel(&ch.id).await?;
        self.channel_for(actor, id).await.map(|(v, _, _)| v)
    }

    pub async fn join_channel(&self, actor: &Actor, id: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_some() {
            return Ok(());
        }
        if ch.kind != Kind::Public {
            return Err(not_found("no such channel"));
        }
        self.add_channel_member(&ch, &me.id).await
    }

    async fn add_channel_member(&self, ch: &ChannelRow, user_id: &str) -> ChatResult<()> {
        let (cid, uid) = (ch.id.clone(), user_id.to_string());
        let events = self
            .db
            .write(move |c| {
                let mut out = Vec::new();
                if store::add_member(c, &cid, &uid, "member", now_ms())? {
                    let joined = ChatEvent::MemberJoined {
                        channel_id: cid.clone(),
                        user_id: uid.clone(),
                    };
                    emit(c, Some(&cid), None, &joined, &mut out)?;
                }
                Ok(out)
            })
            .await?;
        self.deliver(events);
        self.announce_channel(&ch.id).await
    }

    pub async fn leave_channel(&self, actor: &Actor, id: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() {
            return Ok(());
        }
        if ch.kind == Kind::Direct {
            return Err(Error::validation("a direct message cannot be left"));
        }
        if ch.name == "town-square" && ch.team_id.is_some() {
            return Err(Error::validation(
                "everyone in the team stays in its town square",
            ));
        }
        self.remove_channel_member(&ch, &me.id).await
    }

    async fn remove_channel_member(&self, ch: &ChannelRow, user_id: &str) -> ChatResult<()> {
        let (cid, uid) = (ch.id.clone(), user_id.to_string());
        let events = self
            .db
            .write(move |c| {
                let mut out = Vec::new();
                if store::remove_member(c, &cid, &uid)? {
                    emit_left(c, &cid, &uid, &mut out)?;
                }
                Ok(out)
            })
            .await?;
        self.deliver(events);
        Ok(())
    }

    pub async fn add_member_by_name(
        &self,
        actor: &Actor,
        id: &str,
        username: &str,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() || matches!(ch.kind, Kind::Direct | Kind::Group) {
            return Err(forbidden("only members of this channel add people to it"));
        }
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let (tid, uid) = (ch.team_id.clone().unwrap_or_default(), target.id.clone());
        let in_team = self
            .db
            .read(move |c| store::team_role(c, &tid, &uid))
            .await?
            .is_some();
        if !in_team {
            return Err(Error::validation(format!("{username} is not in this team")));
        }
        self.add_channel_member(&ch, &target.id).await
    }

    pub async fn remove_member_by_name(
        &self,
        actor: &Actor,
        id: &str,
        username: &str,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let admin = m.as_ref().is_some_and(|m| m.role == "admin");
        if !(admin || target.id == me.id) || matches!(ch.kind, Kind::Direct | Kind::Group) {
            return Err(forbidden("only channel admins remove people"));
        }
        self.remove_channel_member(&ch, &target.id).await
    }

    pub async fn channel_members(&self, actor: &Actor, id: &str) -> ChatResult<Vec<ChannelMember>> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(id, &me.id).await?;
        let rows = self
            .db
            .read(move |c| store::members_with_roles(c, &ch.id))
            .await?;
        let mut out = Vec::new();
        for (uid, role) in rows.into_iter().take(1000) {
            let online = self.online.status(&uid) != Status::Offline;
            out.push(ChannelMember {
                user: self.user(&uid).await?,
                role,
                online,
            });
        }
        Ok(out)
    }

    pub async fn set_archived(&self, actor: &Actor, id: &str, archived: bool) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (mut ch, m) = self.readable(id, &me.id).await?;
        let team_admin = self.is_team_admin(&ch, &me.id).await?;
        if !(team_admin || m.is_some_and(|m| m.role == "admin")) || ch.team_id.is_none() {
            return Err(forbidden("only channel or team admins archive a channel"));
        }
        if ch.name == "town-square" {
            return Err(Error::validation("the town square cannot be archived"));
        }
        ch.archived = archived;
        let c2 = ch.clone();
        self.db
            .write(move |c| store::update_channel(c, &c2))
            .await?;
        self.announce_channel(&ch.id).await
    }

    pub async fn view(&self, actor: &Actor, id: &str, post_id: Option<i64>) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() {
            return Ok(());
        }
        let (cid, uid) = (ch.id.clone(), me.id.clone());
        let events = self
            .db
            .write(move |c| {
                let last = store::mark_viewed(c, &cid, &uid, post_id)?;
                let mut out = Vec::new();
                let read = ChatEvent::Read {
                    channel_id: cid.clone(),
                    last_viewed_post: last,
                };
                emit(c, None, Some(&uid), &read, &mut out)?;
                Ok(out)
            })
            .await?;
        self.deliver(events);
        self.notifier.seen(&me.id, &crate::notices::scope(&ch.id));
        Ok(())
    }

    /// My notifications in a channel: "all" messages, "mentions" (and replies to threads I
    /// follow), or "none" (muted).
    pub async fn set_notify(&self, actor: &Actor, id: &str, level: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (muted, all) = match level {
            "all" => (false, true),
            "mentions" => (false, false),
            "none" => (true, false),
            _ => {
                return Err(Error::validation(
                    "level: \"all\", \"mentions\" or \"none\"",
                ))
            }
        };
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() {
            return Err(forbidden("join the channel first"));
        }
        let uid = me.id.clone();
        let cid = ch.id.clone();
        self.db
            .write(move |c| store::set_notify(c, &cid, &uid, muted, all))
            .await?;
        self.quiet_channels.forget(&ch.id);
        Ok(())
    }

    // ---- posts ------------------------------------------------------------------------------

    /// Posts as the API shows them (users, reactions, my reaction flags).
    pub async fn posts_view(&self, posts: &[PostRow], me: &str) -> ChatResult<Vec<Post>> {
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let (reactions, files) = self
            .db
            .read(move |c| Ok((store::reactions(c, &ids)?, store::files_of(c, &ids)?)))
            .await?;
        let mut out = Vec::with_capacity(posts.len());
        for p in posts {
            let rs: Vec<Reaction> = reactions
                .get(&p.id)
                .map(|list| {
                    list.iter()
                        .map(|r| Reaction {
                            emoji: r.emoji.clone(),
                            count: r.count,
                            users: r.users.clone(),
                            me: r.users.iter().any(|u| u == me),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let user = self.user(&p.user_id).await?;
            out.push(post_view(
                p,
                user,
                rs,
                files.get(&p.id).cloned().unwrap_or_default(),
            ));
        }
        Ok(out)
    }

    pub async fn posts(
        &self,
        actor: &Actor,
        id: &str,
        before: Option<i64>,
        after: Option<i64>,
        around: Option<i64>,
        limit: i64,
    ) -> ChatResult<Posts> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(id, &me.id).await?;
        let limit = limit.clamp(1, 200);
        let cid = ch.id.clone();
        if let Some(a) = around {
            let (mut before_rows, target, after_rows) = self
                .db
                .read(move |c| {
                    Ok((
                        store::posts_before(c, &cid, a, 26)?,
                        store::post(c, a)?,
                        store::posts_after(c, &cid, a, 26)?,
                    ))
                })
                .await?;
            let target = target
                .filter(|p| p.channel_id == ch.id)
                .ok_or_else(|| not_found("no such message in this channel"))?;
            let more_before = before_rows.len() > 25;
            let more_after = after_rows.len() > 25;
            before_rows.truncate(25);
            before_rows.reverse();
            let mut all = before_rows;
            all.push(target);
            all.extend(after_rows.into_iter().take(25));
            return Ok(Posts::Around(AroundPage {
                posts: self.posts_view(&all, &me.id).await?,
                more_before,
                more_after,
            }));
        }
        if let Some(a) = after {
            let rows = self
                .db
                .read(move |c| store::posts_after(c, &cid, a, limit + 1))
                .await?;
            let more = rows.len() as i64 > limit;
            let rows: Vec<PostRow> = rows.into_iter().take(limit as usize).collect();
            return Ok(Posts::Page(PostPage {
                posts: self.posts_view(&rows, &me.id).await?,
                more,
            }));
        }
        let before = before.unwrap_or(i64::MAX);
        let rows = self
            .db
            .read(move |c| store::posts_before(c, &cid, before, limit + 1))
            .await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<PostRow> = rows.into_iter().take(limit as usize).collect();
        Ok(Posts::Page(PostPage {
            posts: self.posts_view(&rows, &me.id).await?,
            more,
        }))
    }

    pub async fn create_post(
        &self,
        actor: &Actor,
        channel_id: &str,
        text_in: &str,
        root_id: Option<i64>,
        client_id: Option<&str>,
    ) -> ChatResult<Post> {
        self.create_post_with(
            actor,
            channel_id,
            text_in,
            root_id,
            client_id,
            &[],
            PostProps::default(),
        )
        .await
    }

    /// The members of `channel_id` that `text` mentions (by @name, @channel, or @here for those
    /// online now), its author aside.
    async fn resolve_mentions(
        &self,
        channel_id: &str,
        text: &str,
        author: &str,
    ) -> ChatResult<Vec<String>> {
        let asked = text::mentions(text);
        let mut mentioned: Vec<String> = Vec::new();
        // Most messages mention nobody: then no read at all (the event's recipients are read
        // inside the write's transaction anyway).
        if asked.users.is_empty() && !asked.channel && !asked.here {
            return Ok(mentioned);
        }
        let cid = channel_id.to_string();
        let members = self.db.read(move |c| store::member_ids(c, &cid)).await?;
        for name in &asked.users {
            if let Some(u) = self.auth.user_by_username(name).await? {
                if members.contains(&u.id) && !mentioned.contains(&u.id) {
                    mentioned.push(u.id);
                }
            }
        }
        if asked.channel {
            mentioned.extend(
                members
                    .iter()
                    .filter(|u| !mentioned.contains(u))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        } else if asked.here {
            let online: Vec<String> = members
                .iter()
                .filter(|u| self.online.status(u) == Status::Online && !mentioned.contains(u))
                .cloned()
                .collect();
            mentioned.extend(online);
        }
        mentioned.retain(|u| u != author);
        Ok(mentioned)
    }

    /// A message with files already uploaded to the channel and extra props (webhooks).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_post_with(
        &self,
        actor: &Actor,
        channel_id: &str,
        text_in: &str,
        root_id: Option<i64>,
        client_id: Option<&str>,
        file_ids: &[String],
        props: PostProps,
    ) -> ChatResult<Post> {
        let me = Self::me(actor)?.clone();
        if file_ids.len() > 10 {
            return Err(Error::validation("file_ids: at most 10 files per message"));
        }
        let text = if file_ids.is_empty() || !text_in.trim().is_empty() {
            text::post_text(text_in)?
        } else {
            String::new()
        };
        let props_text = serde_json::to_string(&props).map_err(Error::internal)?;
        let files: Vec<String> = file_ids.to_vec();
        if client_id.is_some_and(|c| c.len() > 64) {
            return Err(Error::validation("client_id: at most 64 characters"));
        }
        let html = render_post(&text).await?;
        let mentioned = self.resolve_mentions(channel_id, &text, &me.id).await?;
        let chid2 = channel_id.to_string();
        let (uid, client) = (me.id.clone(), client_id.map(str::to_string));
        // The new post and its event go in one transaction: the event carries the post as
        // everyone sees it (no reactions yet; its author as cached). Whether the author may
        // write there is checked in that same transaction rather than by a read before it: one
        // trip to the database per message instead of two, and no window between the check and
        // the write.
        let author = self.user(&me.id).await?;
        let event_client = client_id.map(str::to_string);
        let written = self
            .db
            .write(move |c| {
                may_post(c, &chid2, &uid)?;
                let now = now_ms();
                if let Some(cl) = &client {
                    if let Some(p) = store::post_by_client_id(c, &uid, cl, now - 60_000)? {
                        return Ok((p, None));
                    }
                }
                if let Some(r) = root_id {
                    match store::post(c, r)? {
                        Some(root)
                            if root.channel_id == chid2
                                && root.root_id.is_none()
                                && !root.deleted => {}
                        _ => {
                            return Err(
                                Error::validation("root_id: not a message of this channel").into()
                            )
                        }
                    }
                }
                let id = store::insert_post(
                    c,
                    &store::NewPost {
                        channel_id: &chid2,
                        user_id: &uid,
                        root_id,
                        text: &text,
                        html: &html,
                        mentions: &mentioned,
                        client_id: client.as_deref(),
                        props: &props_text,
                        now,
                    },
                )?;
                for f in &files {
                    if !store::attach_file(c, f, &chid2, &uid, id)? {
                        return Err(Error::validation(format!(
                            "file_ids: {f} is not a file you uploaded to this channel"
                        ))
                        .into());
                    }
                }
                store::saw_own_post(c, &chid2, &uid, id)?;
                store::add_mentions(c, &chid2, &mentioned)?;
                if let Some(r) = root_id {
                    if let Some(root) = store::post(c, r)? {
                        store::follow_if_new(c, &root.user_id, r, &chid2)?;
                    }
                    store::follow_if_new(c, &uid, r, &chid2)?;
                    for u in &mentioned {
                        store::follow_if_new(c, u, r, &chid2)?;
                    }
                    store::bump_thread(c, r, &uid, &mentioned)?;
                }
                let Some(p) = store::post(c, id)? else {
                    return Err(Error::internal("the new message vanished").into());
                };
                // Most messages carry no file: no query for them.
                let files = if files.is_empty() {
                    Vec::new()
                } else {
                    store::files_of(c, &[id])?.remove(&id).unwrap_or_default()
                };
                let pj = post_view(&p, author, Vec::new(), files);
                let mut out = Vec::new();
                let posted = ChatEvent::Posted {
                    post: pj.clone(),
                    client_id: event_client,
                };
                emit(c, Some(&chid2), None, &posted, &mut out)?;
                Ok((p, Some((pj, out))))
            })
            .await?;
        let (post, fresh) = written;
        match fresh {
            Some((pj, events)) => {
                self.deliver(events);
                // A call card rings on its own (`calls.rs`).
                if post.props.call.is_none() {
                    self.notify_posted(
                        post.id,
                        channel_id,
                        root_id,
                        (&me.id, &me.display_name),
                        &post.text,
                        post.mentions.clone(),
                        false,
                    );
                }
                Ok(pj)
            }
            // A resend of a message already stored: the same post, no second event.
            None => self.post_view_of(&post, &me.id).await,
        }
    }

    async fn own_post(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ChatResult<(PostRow, ChannelRow, Option<MemberRow>)> {
        let me = Self::me(actor)?;
        let p = self
            .db
            .read(move |c| store::post(c, id))
            .await?
            .ok_or_else(|| not_found("no such message"))?;
        let (ch, m) = self
            .readable(&p.channel_id, &me.id)
            .await
            .map_err(|_| not_found("no such message"))?;
        Ok((p, ch, m))
    }

    /// One post as the API shows it to `me`.
    async fn post_view_of(&self, p: &PostRow, me: &str) -> ChatResult<Post> {
        self.posts_view(std::slice::from_ref(p), me)
            .await?
            .pop()
            .ok_or_else(|| Error::internal("a message without its view"))
    }

    async fn announce_post(&self, kind: Announce, post_id: i64, me: &str) -> ChatResult<()> {
        let p = self
            .db
            .read(move |c| store::post(c, post_id))
            .await?
            .ok_or_else(|| not_found("no such message"))?;
        let pj = self.post_view_of(&p, me).await?;
        let event = match kind {
            Announce::Deleted => ChatEvent::PostDeleted {
                post_id: p.id,
                channel_id: p.channel_id.clone(),
                root_id: p.root_id,
            },
            Announce::Reaction => ChatEvent::Reaction {
                post_id: p.id,
                channel_id: p.channel_id.clone(),
                reactions: pj.reactions,
            },
            Announce::Pinned => ChatEvent::Pinned {
                post_id: p.id,
                channel_id: p.channel_id.clone(),
                pinned: p.pinned,
            },
            Announce::Edited => ChatEvent::PostEdited { post: pj },
        };
        self.publish(Some(p.channel_id), None, event).await
    }

    pub async fn get_post(&self, actor: &Actor, id: i64) -> ChatResult<Post> {
        let (p, _, _) = self.own_post(actor, id).await?;
        self.post_view_of(&p, actor.id()).await
    }

    pub async fn edit_post(&self, actor: &Actor, id: i64, text_in: &str) -> ChatResult<Post> {
        let (p, ch, _) = self.own_post(actor, id).await?;
        if p.user_id != actor.id() {
            return Err(forbidden("only its author edits a message"));
        }
        if p.deleted || ch.archived {
            return Err(Error::new(
                ErrorCode::Conflict,
                "this message can no longer be edited",
            ));
        }
        let text = text::post_text(text_in)?;
        let html = render_post(&text).await?;
        // Who the new text mentions; those it did not mention before are told, as for a new
        // message (an edit that only fixes a typo tells nobody again).
        let mentions = self.resolve_mentions(&ch.id, &text, actor.id()).await?;
        let added: Vec<String> = mentions
            .iter()
            .filter(|u| !p.mentions.contains(u))
            .cloned()
            .collect();
        let (cid, counted, stored) = (ch.id.clone(), added.clone(), mentions);
        self.db
            .write(move |c| {
                store::update_post_text(c, id, &text, &html, &stored, now_ms())?;
                store::add_mentions(c, &cid, &counted)?;
                Ok(())
            })
            .await?;
        self.announce_post(Announce::Edited, id, actor.id()).await?;
        let post = self.get_post(actor, id).await?;
        if !added.is_empty() {
            let me = Self::me(actor)?;
            self.notify_posted(
                id,
                &ch.id,
                None,
                (&me.id, &me.display_name),
                &post.text,
                added,
                true,
            );
        }
        Ok(post)
    }

    pub async fn delete_post(&self, actor: &Actor, id: i64) -> ChatResult<()> {
        let (p, ch, m) = self.own_post(actor, id).await?;
        let admin = m.is_some_and(|m| m.role == "admin");
        if p.user_id != actor.id() && !admin {
            return Err(forbidden(
                "only its author or a channel admin deletes a message",
            ));
        }
        if ch.archived {
            return Err(Error::new(
                ErrorCode::Conflict,
                "this channel is archived: it is read-only",
            ));
        }
        if p.deleted {
            return Ok(());
        }
        let unused = self
            .db
            .write(move |c| store::mark_post_deleted(c, &p))
            .await?;
        self.drop_files(&unused).await;
        self.announce_post(Announce::Deleted, id, actor.id()).await
    }

    pub async fn thread(&self, actor: &Actor, id: i64) -> ChatResult<Thread> {
        let (p, _, _) = self.own_post(actor, id).await?;
        let root_id = p.root_id.unwrap_or(p.id);
        let uid = actor.id().to_string();
        let (root, replies, following) = self
            .db
            .read(move |c| {
                Ok((
                    store::post(c, root_id)?,
                    store::replies(c, root_id)?,
                    store::is_following(c, &uid, root_id)?,
                ))
            })
            .await?;
        let root = root.ok_or_else(|| not_found("no such message"))?;
        Ok(Thread {
            root: self.post_view_of(&root, actor.id()).await?,
            replies: self.posts_view(&replies, actor.id()).await?,
            following,
        })
    }

    pub async fn react(&self, actor: &Actor, id: i64, emoji_in: &str, on: bool) -> ChatResult<()> {
        let (p, ch, m) = self.own_post(actor, id).await?;
        if m.is_none() || p.deleted || ch.archived {
            return Err(forbidden("you cannot react to this message"));
        }
        let emoji = normalize_emoji(emoji_in).ok_or_else(|| {
            Error::validation("emoji: an emoji such as 👍 or a shortcode such as thumbsup")
        })?;
        let uid = actor.id().to_string();
        self.db
            .write(move |c| store::set_reaction(c, id, &uid, &emoji, on, now_ms()))
            .await?;
        self.announce_post(Announce::Reaction, id, actor.id()).await
    }

    pub async fn pin(&self, actor: &Actor, id: i64, pinned: bool) -> ChatResult<()> {
        let (p, ch, m) = self.own_post(actor, id).await?;
        if m.is_none() || p.deleted || ch.archived {
            return Err(forbidden("you cannot pin this message"));
        }
        self.db
            .write(move |c| store::set_pinned(c, id, pinned))
            .await?;
        self.announce_post(Announce::Pinned, id, actor.id()).await
    }

    pub async fn pinned(&self, actor: &Actor, channel_id: &str) -> ChatResult<Vec<Post>> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(channel_id, &me.id).await?;
        let rows = self.db.read(move |c| store::pinned(c, &ch.id)).await?;
        self.posts_view(&rows, &me.id).await
    }

    pub async fn follow(&self, actor: &Actor, id: i64, following: bool) -> ChatResult<()> {
        let (p, _, m) = self.own_post(actor, id).await?;
        if m.is_none() {
            return Err(forbidden("join the channel first"));
        }
        let (root, uid, cid) = (
            p.root_id.unwrap_or(p.id),
            actor.id().to_string(),
            p.channel_id.clone(),
        );
        self.db
            .write(move |c| store::follow(c, &uid, root, &cid, following))
            .await?;
        Ok(())
    }

    pub async fn thread_viewed(&self, actor: &Actor, id: i64) -> ChatResult<()> {
        let (p, _, _) = self.own_post(actor, id).await?;
        let (root, uid) = (p.root_id.unwrap_or(p.id), actor.id().to_string());
        self.db
            .write(move |c| store::thread_viewed(c, &uid, root))
            .await?;
        Ok(())
    }

    pub async fn threads(&self, actor: &Actor, team: &str) -> ChatResult<Vec<FollowedThread>> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(team, &me.id).await?;
        let (uid, tid) = (me.id.clone(), team.id.clone());
        let rows = self
            .db
            .read(move |c| store::followed_threads(c, &uid, &tid))
            .await?;
        let mut out = Vec::new();
        for (p, unread, mentions) in rows {
            out.push(FollowedThread {
                root: self.post_view_of(&p, &me.id).await?,
                channel_id: p.channel_id.clone(),
                reply_count: p.reply_count,
                unread_replies: unread,
                unread_mentions: mentions,
                last_reply_at: p.last_reply_at.map(rfc3339),
            });
        }
        Ok(out)
    }

    // ---- search -----------------------------------------------------------------------------

    /// Whether a search's `in:` words name channel `c` (every channel when there are none).
    pub(crate) fn named_in(s: &text::Search, c: &ChannelRow) -> bool {
        s.in_channels.is_empty()
            || s.in_channels
                .iter()
                .any(|n| *n == c.name || c.display_name.to_lowercase() == *n)
    }

    /// The posts a parsed search finds in `channel_ids`, newest first (none when a `from:`
    /// names nobody).
    pub(crate) async fn find_posts(
        &self,
        s: &text::Search,
        channel_ids: Vec<String>,
        limit: i64,
    ) -> ChatResult<Vec<PostRow>> {
        let mut users = Vec::new();
        for name in &s.from_users {
            match self.auth.user_by_username(name).await? {
                Some(u) => users.push(u.id),
                None => return Ok(Vec::new()),
            }
        }
        let day = |d: &str| nichoir_core::time::day_start_ms(d);
        let before_ms = s.before.as_deref().and_then(day);
        let after_ms = s.after.as_deref().and_then(day).map(|ms| ms + 86_400_000);
        let fts = s.fts.clone();
        Ok(self
            .db
            .read(move |c| {
                store::search(
                    c,
                    &store::SearchFilter {
                        fts: &fts,
                        channel_ids: &channel_ids,
                        user_ids: &users,
                        before_ms,
                        after_ms,
                    },
                    limit,
                )
            })
            .await?)
    }

    pub async fn search(&self, actor: &Actor, team: &str, q: &str) -> ChatResult<SearchResults> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(team, &me.id).await?;
        let s = text::parse_search(q)?;
        let (tid, uid) = (team.id.clone(), me.id.clone());
        let mine = self
            .db
            .read(move |c| store::my_channels(c, &tid, &uid))
            .await?;
        let channels: Vec<&ChannelRow> = mine
            .iter()
            .map(|(c, _)| c)
            .filter(|c| Self::named_in(&s, c))
            .collect();
        let ids: Vec<String> = channels.iter().map(|c| c.id.clone()).collect();
        let rows = self.find_posts(&s, ids, 100).await?;
        let by_id: HashMap<&str, &ChannelRow> =
            channels.iter().map(|c| (c.id.as_str(), *c)).collect();
        let posts = self.posts_view(&rows, &me.id).await?;
        // Every post found is in one of `channels`: the search looked nowhere else.
        let posts = posts
            .into_iter()
            .filter_map(|post| {
                let ch = by_id.get(post.channel_id.as_str())?;
                let channel = ChannelRef {
                    id: ch.id.clone(),
                    name: ch.name.clone(),
                    display_name: ch.display_name.clone(),
                };
                Some(SearchPost { post, channel })
            })
            .collect();
        Ok(SearchResults { posts })
    }

    // ---- link previews ----------------------------------------------------------------------

    /// A card for a link to this instance's pad, poll or wiki page, as `actor` may see it.
    pub async fn preview(&self, actor: &Actor, url: &str) -> ChatResult<serde_json::Value> {
        let path = local_path(url, &self.base_url)
            .ok_or_else(|| not_found("not a link to this instance"))?;
        for p in &self.previewers {
            if let Some(card) = p.preview(&path, Some(actor)).await {
                return Ok(card);
            }
        }
        Err(not_found("nothing to preview at this link, or not for you"))
    }

    // ---- retention --------------------------------------------------------------------------

    /// A channel's own retention (team admins): days, or None for the instance's.
    pub async fn set_retention(
        &self,
        actor: &Actor,
        id: &str,
        days: Option<i64>,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(id, &me.id).await?;
        if !self.is_team_admin(&ch, &me.id).await? {
            return Err(forbidden("only team admins set a channel's retention"));
        }
        if days.is_some_and(|d| !(1..=36_500).contains(&d)) {
            return Err(Error::validation("days: 1 to 36500, or null"));
        }
        self.db
            .write(move |c| store::set_retention(c, &ch.id, days))
            .await?;
        Ok(())
    }

    /// Deletes the stored contents (and thumbnails) of files that no message uses any more.
    pub(crate) async fn drop_files(&self, shas: &[String]) {
        for key in shas
            .iter()
            .flat_map(|sha| [crate::files::file_key(sha), crate::files::thumb_key(sha)])
        {
            if let Err(e) = self.blobs.delete(&key).await {
                tracing::warn!(key, error = %e, "chat: a file's content was not deleted");
            }
        }
    }

    /// Deletes what is past its retention (channel's, else the instance's); returns how many.
    /// Found with a read, deleted [`RETENTION_CHUNK`] at a time: every other write of the
    /// instance (pad edits, messages) waits behind each write job, so none may be long.
    pub async fn apply_retention(&self) -> ChatResult<usize> {
        let days = self.retention_days as i64;
        let mut removed = 0;
        loop {
            let now = now_ms();
            let ids = self
                .db
                .read(move |c| store::expired_posts(c, now, days, RETENTION_CHUNK))
                .await?;
            let full = ids.len() == RETENTION_CHUNK;
            if ids.is_empty() {
                break;
            }
            let (n, shas) = self.db.write(move |c| store::delete_posts(c, &ids)).await?;
            removed += n;
            self.drop_files(&shas).await;
            // `n == 0`: someone deleted them meanwhile; stop rather than loop on a stale read.
            if !full || n == 0 {
                break;
            }
        }
        Ok(removed)
    }

    // ---- realtime ---------------------------------------------------------------------------

    /// The events after `after` for `user_id`, or None when they are no longer all kept.
    pub async fn catch_up(
        &self,
        user_id: &str,
        after: i64,
    ) -> ChatResult<Option<(Vec<String>, i64)>> {
        let uid = user_id.to_string();
        let (oldest, last, rows) = self
            .db
            .read(move |c| {
                let oldest = store::oldest_event(c)?;
                let last = store::last_event(c)?;
                let rows = store::events_after(c, &uid, after, 5_000)?;
                Ok((oldest, last, rows))
            })
            .await?;
        if after > 0 && oldest > 0 && after + 1 < oldest {
            return Ok(None);
        }
        if rows.len() == 5_000 {
            return Ok(None);
        }
        Ok(Some((
            rows.iter().map(|(id, p)| with_id(*id, p)).collect(),
            last.max(after),
        )))
    }

    pub async fn prune_events(&self) -> ChatResult<usize> {
        let before = now_ms() - EVENT_RETENTION_MS;
        Ok(self
            .db
            .write(move |c| store::prune_events(c, before))
            .await?)
    }

    /// Sends a typing or presence signal (not stored) to the members of a channel.
    pub async fn typing(
        &self,
        actor: &Actor,
        channel_id: &str,
        root_id: Option<i64>,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(channel_id, &me.id).await?;
        if m.is_none() {
            return Err(forbidden("join the channel first"));
        }
        let cid = ch.id.clone();
        let members = self.db.read(move |c| store::member_ids(c, &cid)).await?;
        let data = serde_json::to_string(&ChatSignal::Typing {
            channel_id: ch.id.clone(),
            root_id,
            user: self.user(&me.id).await?,
        })
        .map_err(Error::internal)?;
        let topics: Vec<String> = members
            .iter()
            .filter(|u| **u != me.id)
            .map(|u| topic(u))
            .collect();
        self.hub
            .broadcast_event_json_to(topics.iter().map(String::as_str), &data);
        Ok(())
    }

    /// The people who share a team with `user_id` (at most 5,000): who hears of their presence.
    pub async fn team_peers(&self, user_id: &str) -> ChatResult<Vec<String>> {
        let uid = user_id.to_string();
        Ok(self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT DISTINCT b.user_id FROM chat_team_members a JOIN chat_team_members b ON a.team_id = b.team_id WHERE a.user_id = ?1 AND b.user_id <> ?1 LIMIT 5000",
                )?;
                let rows = st.query_map([&uid], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await?)
    }

    /// Tells everyone who shares a team with `user_id` of their new presence.
    pub async fn presence(&self, user_id: &str, status: Status) -> ChatResult<()> {
        let peers = self.team_peers(user_id).await?;
        let data = serde_json::to_string(&ChatSignal::Presence {
            user_id: user_id.to_string(),
            status: status.into(),
        })
        .map_err(Error::internal)?;
        let topics: Vec<String> = peers.iter().map(|p| topic(p)).collect();
        self.hub
            .broadcast_event_json_to(topics.iter().map(String::as_str), &data);
        Ok(())
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
        mentions: p.mentions.clone(),
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
