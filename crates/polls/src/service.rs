//! The polls service: every operation of the tool, between the HTTP/realtime edges and the SQL.
//! Writes go through the database's single writer (so two voters racing for the last place of a
//! limited option are serialised), then the poll's cached view is dropped and the poll's topic
//! is told that it changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use nichoir_auth::{Actor, AuthService};
use nichoir_core::config::PollsConfig;
use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_mail::{Mail, Mailer};
use nichoir_realtime::Hub;
use nichoir_storage::{Db, StorageError};
use parking_lot::Mutex;

use crate::api::{
    AdminInfo, MyPoll, MyRole, Participant, Poll, PollCard, PollComment, PollEvent, PollSummary,
};

use crate::input::{self, Ballot, NewComment, NewPoll, PollPatch};
use crate::mails;
use crate::model::VoteRow;
use crate::model::{ClosedReason, Kind, PollRow, Visibility};
use crate::store;
use crate::tally::{check_ballot, BallotError};
use crate::view::{self, closed_reason, may_edit, participant, Rendered, Viewer};

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("no such poll")]
    NotFound,
    #[error("no such row in this poll")]
    NoSuchVote,
    #[error("this poll is protected by a password")]
    PasswordRequired,
    #[error("wrong password")]
    WrongPassword,
    #[error("this poll is closed")]
    Closed,
    #[error("the deadline has passed: this poll is closed")]
    PastDeadline,
    #[error("{0}")]
    Ballot(#[from] BallotError),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Other(#[from] Error),
}

impl From<PollError> for Error {
    fn from(e: PollError) -> Self {
        let code = match &e {
            PollError::Other(_) => {
                return match e {
                    PollError::Other(inner) => inner,
                    _ => Error::internal("unreachable"),
                }
            }
            PollError::NotFound | PollError::NoSuchVote => ErrorCode::NotFound,
            PollError::PasswordRequired => ErrorCode::PasswordRequired,
            PollError::WrongPassword | PollError::Forbidden(_) => ErrorCode::Forbidden,
            PollError::Closed
            | PollError::PastDeadline
            | PollError::Ballot(BallotError::Full(_)) => ErrorCode::Conflict,
            PollError::Ballot(_) => ErrorCode::ValidationFailed,
        };
        Error::new(code, e.to_string())
    }
}

impl From<StorageError> for PollError {
    fn from(e: StorageError) -> Self {
        PollError::Other(e.into())
    }
}

/// "Yes" per option from the other rows; only counted when places are limited (a vote on an
/// unlimited poll must not scan every answer).
fn yes_counts(
    c: &nichoir_storage::Connection,
    poll: &PollRow,
    options: &[crate::model::OptionRow],
    except: Option<i64>,
) -> Result<Vec<u32>, StorageError> {
    match poll.settings.max_yes {
        Some(_) => store::yes_by_others(c, options, except),
        None => Ok(vec![0; options.len()]),
    }
}

/// Fails a write job with a poll error (carried through the storage layer as a domain error).
fn fail<T>(e: PollError) -> Result<T, StorageError> {
    Err(StorageError::Domain(e.into()))
}

pub type PollResult<T> = Result<T, PollError>;

/// The bus signal "this poll changed" (its id), for the other nodes' caches.
const CHANGED_SIGNAL: &str = "polls.changed";

/// What `create` hands back.
pub struct Created {
    pub poll: Poll,
    pub id: String,
    pub admin_token: String,
}

/// What a vote hands back.
pub struct Voted {
    pub participant: Participant,
    pub edit_token: String,
}

struct Cache {
    map: Mutex<HashMap<String, Arc<Rendered>>>,
    /// Bumped by every invalidation: a view loaded before a write must not be cached after it.
    epoch: AtomicU64,
}

const CACHE_MAX: usize = 2_000;

pub struct PollService {
    db: Db,
    hub: Hub,
    auth: AuthService,
    mailer: Mailer,
    config: PollsConfig,
    base_url: String,
    cache: Cache,
    /// The owner's bell and devices: votes and comments on their poll.
    notifier: Arc<dyn nichoir_core::notify::Notifier>,
}

pub fn topic(poll_id: &str) -> String {
    format!("poll:{poll_id}")
}

impl PollService {
    /// The database, for this crate's moderation search.
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    pub fn new(
        db: Db,
        hub: Hub,
        auth: AuthService,
        mailer: Mailer,
        config: PollsConfig,
        base_url: String,
    ) -> PollService {
        PollService {
            db,
            hub,
            auth,
            mailer,
            config,
            base_url,
            cache: Cache {
                map: Mutex::new(HashMap::new()),
                epoch: AtomicU64::new(0),
            },
            notifier: Arc::new(nichoir_core::notify::Silent),
        }
    }

    /// Tells owners with an account of votes and comments on their polls.
    pub fn with_notifier(mut self, notifier: Arc<dyn nichoir_core::notify::Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// A vote or comment on `poll`, for its owner (when the poll has one with an account).
    /// The language of mails to the poll's author: their account's, else the instance's (a
    /// guest's poll, or an account that chose none).
    async fn owner_language(&self, poll: &PollRow) -> Arc<str> {
        let chosen = match &poll.owner_id {
            Some(owner) => match self.auth.user_by_id(owner).await {
                Ok(user) => user.and_then(|u| u.language),
                Err(e) => {
                    tracing::warn!(poll = %poll.id, "poll owner not read: {e}");
                    None
                }
            },
            None => None,
        };
        self.mailer.language_for(chosen.as_deref())
    }

    fn tell_owner(
        &self,
        poll: &PollRow,
        kind: nichoir_core::notify::Kind,
        who: &str,
        actor: &str,
        text: &str,
    ) {
        let Some(owner) = &poll.owner_id else {
            return;
        };
        self.notifier.notify(vec![nichoir_core::notify::Notice {
            user_id: owner.clone(),
            kind,
            scope: format!("poll:{}", poll.id),
            title: format!("{who} · {}", poll.settings.title),
            body: nichoir_core::notify::excerpt(text),
            url: format!("/poll/{}", poll.id),
            actor_id: Some(actor.to_string()),
        }]);
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    pub fn public_url(&self, id: &str) -> String {
        format!("{}/poll/{id}", self.base_url)
    }

    pub fn admin_url(&self, token: &str) -> String {
        format!("{}/poll/admin/{token}", self.base_url)
    }

    fn host(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or("localhost")
    }

    // ---- reading -------------------------------------------------------------------------

    /// The poll's rendered data, from the cache or the database.
    async fn rendered(&self, poll_id: &str) -> PollResult<Arc<Rendered>> {
        if let Some(r) = self.cache.map.lock().get(poll_id) {
            return Ok(r.clone());
        }
        let epoch = self.cache.epoch.load(Ordering::Acquire);
        let id = poll_id.to_string();
        let data = self
            .db
            .read(move |c| store::load(c, &id))
            .await?
            .ok_or(PollError::NotFound)?;
        let description = view::render_description(&data.poll.settings.description).await?;
        let rendered = Arc::new(Rendered::new(data, description));
        let mut map = self.cache.map.lock();
        if self.cache.epoch.load(Ordering::Acquire) == epoch {
            if map.len() >= CACHE_MAX {
                map.clear();
            }
            map.insert(poll_id.to_string(), rendered.clone());
        }
        Ok(rendered)
    }

    /// After a committed change: forget the cached view (on every node of a cluster) and tell
    /// the poll's followers.
    fn changed(&self, poll_id: &str, version: Option<i64>) {
        self.forget(poll_id);
        self.hub.signal(CHANGED_SIGNAL, poll_id);
        let event = match version {
            Some(version) => PollEvent::Changed { version },
            None => PollEvent::Deleted,
        };
        // A plain enum of numbers and words: it always serialises.
        if let Ok(event) = serde_json::to_value(&event) {
            self.hub
                .broadcast_event(&topic(poll_id), None, &event, None);
        }
    }

    /// Drops the poll's cached view.
    fn forget(&self, poll_id: &str) {
        let mut map = self.cache.map.lock();
        self.cache.epoch.fetch_add(1, Ordering::AcqRel);
        map.remove(poll_id);
    }

    /// In a cluster, a poll changed on another node drops its cached view here too.
    pub fn listen_to_other_nodes(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        self.hub.on_signal(
            CHANGED_SIGNAL,
            Arc::new(move |poll_id: &str| {
                if let Some(s) = weak.upgrade() {
                    s.forget(poll_id);
                }
            }),
        );
    }

    async fn poll_by_admin(&self, token: &str) -> PollResult<PollRow> {
        if token.is_empty() || token.len() > 128 {
            return Err(PollError::NotFound);
        }
        let t = token.to_string();
        self.db
            .read(move |c| store::poll_by_admin_token(c, &t))
            .await?
            .ok_or(PollError::NotFound)
    }

    /// Refuses a protected poll to someone who has not given its password.
    pub async fn check_access(&self, poll: &PollRow, actor: Option<&Actor>) -> PollResult<()> {
        if !poll.protected {
            return Ok(());
        }
        let Some(actor) = actor else {
            return Err(PollError::PasswordRequired);
        };
        let (p, a) = (poll.id.clone(), actor.id().to_string());
        if self.db.read(move |c| store::has_grant(c, &p, &a)).await? {
            Ok(())
        } else {
            Err(PollError::PasswordRequired)
        }
    }

    /// May `actor` follow the poll's live updates?
    pub async fn authorize_follow(&self, poll_id: &str, actor: &Actor) -> PollResult<()> {
        let poll = self.poll_row(poll_id).await?;
        self.check_access(&poll, Some(actor)).await
    }

    /// The poll's settings and state only: from the cached view if there is one, else one row
    /// (a vote must not load every other row).
    async fn poll_row(&self, poll_id: &str) -> PollResult<PollRow> {
        if let Some(r) = self.cache.map.lock().get(poll_id) {
            return Ok(r.data.poll.clone());
        }
        let id = poll_id.to_string();
        self.db
            .read(move |c| store::poll(c, &id))
            .await?
            .ok_or(PollError::NotFound)
    }

    /// The public view as JSON text.
    pub async fn view(
        &self,
        poll_id: &str,
        actor: Option<&Actor>,
        edit_token: Option<&str>,
    ) -> PollResult<String> {
        let r = self.rendered(poll_id).await?;
        self.check_access(&r.data.poll, actor).await?;
        let viewer = Viewer {
            actor_id: actor.map(Actor::id),
            ..Viewer::default()
        }
        .with_edit_token(edit_token);
        Ok(r.to_json(&viewer, None, now_ms()))
    }

    /// A short card of the poll (link previews), with the viewer's access checked.
    pub async fn card(&self, poll_id: &str, actor: Option<&Actor>) -> PollResult<PollCard> {
        let r = self.rendered(poll_id).await?;
        self.check_access(&r.data.poll, actor).await?;
        let p = &r.data.poll;
        Ok(PollCard {
            kind: "poll",
            url: format!("/poll/{}", p.id),
            title: p.settings.title.clone(),
            poll_kind: p.settings.kind,
            options: r.data.options.len(),
            participants: r.data.votes.len(),
            closed: closed_reason(p, now_ms()).is_some(),
        })
    }

    fn purge_at(&self, poll: &PollRow) -> Option<i64> {
        (self.config.purge_after_days > 0).then(|| {
            poll.settings.deadline.unwrap_or(0).max(poll.updated_at)
                + self.config.purge_after_days as i64 * 86_400_000
        })
    }

    /// The admin view as JSON text.
    pub async fn admin_view(&self, token: &str) -> PollResult<String> {
        let poll = self.poll_by_admin(token).await?;
        let r = self.rendered(&poll.id).await?;
        let p = &r.data.poll;
        let admin = AdminInfo {
            author_email: p.settings.author_email.clone(),
            notify_votes: p.settings.notify_votes,
            notify_comments: p.settings.notify_comments,
            remind: p.settings.remind,
            purge_at: self.purge_at(p).map(nichoir_core::time::rfc3339),
            public_url: self.public_url(&p.id),
            admin_url: self.admin_url(&p.admin_token),
            mail_enabled: self.mailer.enabled(),
        };
        let viewer = Viewer {
            admin: true,
            ..Viewer::default()
        };
        Ok(r.to_json(&viewer, Some(&admin), now_ms()))
    }

    /// "My polls": what the person created or answered while signed in, latest activity first.
    /// Only a poll's creator gets its admin link; an answerer sees the participant count only
    /// where the poll shows the rows to its participants.
    pub async fn list_for(&self, user_id: &str) -> PollResult<Vec<MyPoll>> {
        self.list_up_to(user_id, 500).await
    }

    /// Every poll of `list_for`, however many (the data export must not stop at a page).
    pub async fn list_all_for(&self, user_id: &str) -> PollResult<Vec<MyPoll>> {
        self.list_up_to(user_id, i64::MAX).await
    }

    async fn list_up_to(&self, user_id: &str, limit: i64) -> PollResult<Vec<MyPoll>> {
        let u = user_id.to_string();
        let rows = self.db.read(move |c| store::mine(c, &u, limit)).await?;
        let now = now_ms();
        Ok(rows
            .into_iter()
            .map(|m| {
                let p = m.poll;
                let created = p.owner_id.as_deref() == Some(user_id);
                let counts = created || p.settings.results != Visibility::Admin;
                MyPoll {
                    url: self.public_url(&p.id),
                    admin_url: created.then(|| self.admin_url(&p.admin_token)),
                    role: if created {
                        MyRole::Created
                    } else {
                        MyRole::Answered
                    },
                    answered: m.answered,
                    participants: counts.then_some(m.participants),
                    activity_at: p.updated_at,
                    poll: PollSummary {
                        closed: closed_reason(&p, now).is_some(),
                        deadline: p.settings.deadline,
                        created_at: p.created_at,
                        final_option: p.final_option,
                        kind: p.settings.kind,
                        title: p.settings.title,
                        id: p.id,
                    },
                }
            })
            .collect())
    }

    pub async fn csv(&self, token: &str) -> PollResult<(String, Vec<u8>)> {
        let poll = self.poll_by_admin(token).await?;
        let r = self.rendered(&poll.id).await?;
        let bytes = crate::export::csv(&r.data, &r.totals).map_err(Error::internal)?;
        Ok((r.data.poll.settings.title.clone(), bytes))
    }

    pub async fn ics(&self, poll_id: &str, actor: Option<&Actor>) -> PollResult<(String, String)> {
        let r = self.rendered(poll_id).await?;
        self.check_access(&r.data.poll, actor).await?;
        if r.data.poll.settings.kind != Kind::Date {
            return Err(PollError::Other(Error::not_found(
                "only a date poll has a calendar event",
            )));
        }
        let text = crate::export::ics(&r.data, self.host(), &self.public_url(poll_id))
            .ok_or_else(|| PollError::Other(Error::not_found("no date has been chosen yet")))?;
        Ok((r.data.poll.settings.title.clone(), text))
    }

    // ---- creating and administering -------------------------------------------------------

    pub async fn create(&self, actor: &Actor, body: NewPoll) -> PollResult<Created> {
        self.auth.may_create(actor, "polls")?;
        let now = now_ms();
        let (settings, options) = input::new_poll(&body, self.config.max_options as usize, now)?;
        view::check_description(&settings.description).await?;
        let password_hash = match body.password {
            Some(p) => Some(self.auth.hash_secret(p).await?),
            None => None,
        };
        let id = random_token(12);
        let admin_token = random_token(24);
        let owner = actor.as_user().map(|u| u.id.clone());
        let (i, t, s) = (id.clone(), admin_token.clone(), settings.clone());
        self.db
            .write(move |c| {
                store::insert_poll(
                    c,
                    &store::NewPollRow {
                        id: &i,
                        admin_token: &t,
                        settings: &s,
                        password_hash: password_hash.as_deref(),
                        owner_id: owner.as_deref(),
                        now,
                    },
                    &options,
                )
            })
            .await?;
        if let Some(email) = &settings.author_email {
            let lang = self
                .mailer
                .language_for(actor.as_user().and_then(|u| u.language.as_deref()));
            let (subject, body) = mails::ready(
                &lang,
                &self.mailer.instance_name(),
                &settings.title,
                &self.public_url(&id),
                &self.admin_url(&admin_token),
            );
            self.mailer.send_later(Mail {
                to: email.clone(),
                subject,
                body,
            });
        }
        let r = self.rendered(&id).await?;
        Ok(Created {
            poll: r.poll_view(now),
            id,
            admin_token,
        })
    }

    pub async fn patch(&self, token: &str, patch: PollPatch) -> PollResult<String> {
        let poll = self.poll_by_admin(token).await?;
        let settings = input::patch_settings(&poll.settings, &patch)?;
        if patch.description.is_some() {
            view::check_description(&settings.description).await?;
        }
        let options = match &patch.options {
            Some(list) => Some(input::options(
                poll.settings.kind,
                list,
                self.config.max_options as usize,
            )?),
            None => None,
        };
        let password = match patch.password {
            Some(Some(p)) => Some(Some(self.auth.hash_secret(p).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let (id, closed) = (poll.id.clone(), patch.closed);
        let password_changed = password.is_some();
        let version = self
            .db
            .write(move |c| {
                store::update_settings(c, &id, &settings)?;
                if let Some(options) = &options {
                    store::replace_options(c, &id, options)?;
                }
                if let Some(p) = &password {
                    store::set_password(c, &id, p.as_deref())?;
                }
                if let Some(closed) = closed {
                    store::set_closed(c, &id, closed)?;
                }
                store::touch(c, &id, now_ms())
            })
            .await?;
        self.changed(&poll.id, Some(version));
        if password_changed {
            // Followers who have not given the new password stop receiving the poll's events.
            self.hub.reauthorize(&topic(&poll.id)).await;
        }
        self.admin_view(token).await
    }

    pub async fn finalise(&self, token: &str, option: Option<i64>) -> PollResult<String> {
        let poll = self.poll_by_admin(token).await?;
        let id = poll.id.clone();
        let version = self
            .db
            .write(move |c| {
                if let Some(o) = option {
                    if !store::options(c, &id)?.iter().any(|x| x.id == o) {
                        return fail(PollError::Other(Error::validation(format!(
                            "option_id: {o} is not an option of this poll"
                        ))));
                    }
                }
                store::set_final(c, &id, option)?;
                store::touch(c, &id, now_ms())
            })
            .await?;
        self.changed(&poll.id, Some(version));
        self.admin_view(token).await
    }

    pub async fn delete(&self, token: &str) -> PollResult<()> {
        let poll = self.poll_by_admin(token).await?;
        let id = poll.id.clone();
        self.db.write(move |c| store::delete_poll(c, &id)).await?;
        self.changed(&poll.id, None);
        self.hub.reauthorize(&topic(&poll.id)).await;
        Ok(())
    }

    pub async fn delete_comment(&self, token: &str, comment_id: i64) -> PollResult<()> {
        let poll = self.poll_by_admin(token).await?;
        let id = poll.id.clone();
        let version = self
            .db
            .write(move |c| {
                if !store::delete_comment(c, &id, comment_id)? {
                    return fail(PollError::Other(Error::not_found(
                        "no such comment in this poll",
                    )));
                }
                store::touch(c, &id, now_ms())
            })
            .await?;
        self.changed(&poll.id, Some(version));
        Ok(())
    }

    // ---- participating ----------------------------------------------------------------------

    async fn open_for(&self, poll_id: &str, actor: &Actor) -> PollResult<PollRow> {
        let poll = self.poll_row(poll_id).await?;
        self.check_access(&poll, Some(actor)).await?;
        Ok(poll)
    }

    /// `ip`: the client's address, whose wrong guesses are throttled.
    pub async fn unlock(
        &self,
        poll_id: &str,
        actor: &Actor,
        ip: &str,
        password: String,
    ) -> PollResult<()> {
        let id = poll_id.to_string();
        let hash = self
            .db
            .read(move |c| {
                if store::poll(c, &id)?.is_none() {
                    return fail(PollError::NotFound);
                }
                store::password_hash(c, &id)
            })
            .await?;
        let Some(hash) = hash else { return Ok(()) };
        if password.len() > 1024 || !self.auth.verify_secret_from(ip, password, hash).await? {
            return Err(PollError::WrongPassword);
        }
        let (p, a) = (poll_id.to_string(), actor.id().to_string());
        self.db
            .write(move |c| store::add_grant(c, &p, &a, now_ms()))
            .await?;
        Ok(())
    }

    pub async fn vote(&self, poll_id: &str, actor: &Actor, ballot: Ballot) -> PollResult<Voted> {
        let poll = self.open_for(poll_id, actor).await?;
        let name = input::name(&ballot.name)?;
        let edit_token = random_token(18);
        let token_hash = hash_token(&edit_token);
        let (id, who) = (poll.id.clone(), actor.id().to_string());
        let (row, poll) = self
            .db
            .write(move |c| {
                let now = now_ms();
                // Touched first (a refused vote undoes it): the poll read with its new version.
                let Some((poll, options)) = store::touch_returning_with_options(c, &id, now)?
                else {
                    return fail(PollError::NotFound);
                };
                if let Some(reason) = closed_reason(&poll, now) {
                    return fail(if reason == ClosedReason::Deadline {
                        PollError::PastDeadline
                    } else {
                        PollError::Closed
                    });
                }
                let others = yes_counts(c, &poll, &options, None)?;
                let answers =
                    match check_ballot(&poll.settings, &options, &ballot.answers, &others, None) {
                        Ok(row) => row,
                        Err(e) => return fail(e.into()),
                    };
                let vote = store::NewVote {
                    poll_id: &id,
                    name: &name,
                    actor_id: Some(&who),
                    edit_token_hash: &token_hash,
                    now,
                };
                let vote_id = store::insert_vote(c, &vote, &options, &answers)?;
                let row = VoteRow {
                    id: vote_id,
                    name,
                    actor_id: Some(who),
                    edit_token_hash: token_hash,
                    answers,
                    created_at: now,
                    updated_at: now,
                };
                Ok((row, poll))
            })
            .await?;
        self.changed(&poll.id, Some(poll.version));
        self.tell_owner(
            &poll,
            nichoir_core::notify::Kind::PollVote,
            &row.name,
            actor.id(),
            "",
        );
        let s = &poll.settings;
        if let (true, Some(to)) = (s.notify_votes, &s.author_email) {
            let lang = self.owner_language(&poll).await;
            let (subject, body) = mails::vote(
                &lang,
                &self.mailer.instance_name(),
                &row.name,
                &s.title,
                &self.admin_url(&poll.admin_token),
            );
            self.mailer.send_later(Mail {
                to: to.clone(),
                subject,
                body,
            });
        }
        let viewer = Viewer {
            actor_id: Some(actor.id()),
            ..Viewer::default()
        };
        Ok(Voted {
            participant: participant(&poll, &row, &viewer, now_ms()),
            edit_token,
        })
    }

    /// Changes a row: by the admin (`admin` true), else under the poll's edit mode.
    pub async fn update_vote(
        &self,
        poll: &PollRow,
        vote_id: i64,
        actor: Option<&Actor>,
        admin: bool,
        ballot: Ballot,
    ) -> PollResult<Participant> {
        let name = input::name(&ballot.name)?;
        let token_hash = ballot.edit_token.as_deref().map(hash_token);
        let (id, who) = (poll.id.clone(), actor.map(|a| a.id().to_string()));
        let viewer_token = token_hash.clone();
        let (row, poll) = self
            .db
            .write(move |c| {
                let now = now_ms();
                let Some(poll) = store::poll(c, &id)? else {
                    return fail(PollError::NotFound);
                };
                let options = store::options(c, &id)?;
                let Some(mut current) = store::vote(c, &id, vote_id, &options)? else {
                    return fail(PollError::NoSuchVote);
                };
                let viewer = Viewer {
                    actor_id: who.as_deref(),
                    edit_token_hash: token_hash,
                    admin,
                };
                if !may_edit(&poll, &viewer, &current, now) {
                    return fail(match closed_reason(&poll, now) {
                        Some(ClosedReason::Deadline) => PollError::PastDeadline,
                        Some(_) => PollError::Closed,
                        None => PollError::Forbidden("this poll does not let you change this row"),
                    });
                }
                let others = yes_counts(c, &poll, &options, Some(vote_id))?;
                let answers = match check_ballot(
                    &poll.settings,
                    &options,
                    &ballot.answers,
                    &others,
                    Some(&current.answers),
                ) {
                    Ok(row) => row,
                    Err(e) => return fail(e.into()),
                };
                store::update_vote(c, vote_id, &name, &options, &answers, now)?;
                let version = store::touch(c, &id, now)?;
                current.name = name;
                current.answers = answers;
                current.updated_at = now;
                Ok((current, PollRow { version, ..poll }))
            })
            .await?;
        self.changed(&poll.id, Some(poll.version));
        let viewer = Viewer {
            actor_id: actor.map(Actor::id),
            edit_token_hash: viewer_token,
            admin,
        };
        Ok(participant(&poll, &row, &viewer, now_ms()))
    }

    pub async fn update_vote_public(
        &self,
        poll_id: &str,
        vote_id: i64,
        actor: &Actor,
        ballot: Ballot,
    ) -> PollResult<Participant> {
        let poll = self.open_for(poll_id, actor).await?;
        self.update_vote(&poll, vote_id, Some(actor), false, ballot)
            .await
    }

    pub async fn update_vote_admin(
        &self,
        token: &str,
        vote_id: i64,
        ballot: Ballot,
    ) -> PollResult<Participant> {
        let poll = self.poll_by_admin(token).await?;
        self.update_vote(&poll, vote_id, None, true, ballot).await
    }

    pub async fn delete_vote(
        &self,
        poll: &PollRow,
        vote_id: i64,
        actor: Option<&Actor>,
        admin: bool,
        edit_token: Option<&str>,
    ) -> PollResult<()> {
        let token_hash = edit_token.filter(|t| !t.is_empty()).map(hash_token);
        let (id, who) = (poll.id.clone(), actor.map(|a| a.id().to_string()));
        let version = self
            .db
            .write(move |c| {
                let now = now_ms();
                let Some(poll) = store::poll(c, &id)? else {
                    return fail(PollError::NotFound);
                };
                let options = store::options(c, &id)?;
                let Some(current) = store::vote(c, &id, vote_id, &options)? else {
                    return fail(PollError::NoSuchVote);
                };
                let viewer = Viewer {
                    actor_id: who.as_deref(),
                    edit_token_hash: token_hash,
                    admin,
                };
                if !may_edit(&poll, &viewer, &current, now) {
                    return fail(PollError::Forbidden(
                        "this poll does not let you delete this row",
                    ));
                }
                store::delete_vote(c, vote_id)?;
                store::touch(c, &id, now)
            })
            .await?;
        self.changed(&poll.id, Some(version));
        Ok(())
    }

    pub async fn delete_vote_public(
        &self,
        poll_id: &str,
        vote_id: i64,
        actor: &Actor,
        edit_token: Option<&str>,
    ) -> PollResult<()> {
        let poll = self.open_for(poll_id, actor).await?;
        self.delete_vote(&poll, vote_id, Some(actor), false, edit_token)
            .await
    }

    pub async fn delete_vote_admin(&self, token: &str, vote_id: i64) -> PollResult<()> {
        let poll = self.poll_by_admin(token).await?;
        self.delete_vote(&poll, vote_id, None, true, None).await
    }

    pub async fn comment(
        &self,
        poll_id: &str,
        actor: &Actor,
        body: NewComment,
    ) -> PollResult<PollComment> {
        let poll = self.open_for(poll_id, actor).await?;
        let name = input::name(&body.author_name)?;
        let text = input::comment_text(&body.text)?;
        let (id, who, n, t) = (
            poll.id.clone(),
            actor.id().to_string(),
            name.clone(),
            text.clone(),
        );
        let now = now_ms();
        let (comment_id, version) = self
            .db
            .write(move |c| {
                if store::poll(c, &id)?.is_none() {
                    return fail(PollError::NotFound);
                }
                let cid = store::insert_comment(c, &id, &n, Some(&who), &t, now)?;
                Ok((cid, store::touch(c, &id, now)?))
            })
            .await?;
        self.changed(&poll.id, Some(version));
        self.tell_owner(
            &poll,
            nichoir_core::notify::Kind::PollComment,
            &name,
            actor.id(),
            &text,
        );
        if poll.settings.notify_comments {
            if let Some(to) = &poll.settings.author_email {
                let lang = self.owner_language(&poll).await;
                let (subject, body) = mails::comment(
                    &lang,
                    &self.mailer.instance_name(),
                    &name,
                    &poll.settings.title,
                    &text,
                    &self.admin_url(&poll.admin_token),
                );
                self.mailer.send_later(Mail {
                    to: to.clone(),
                    subject,
                    body,
                });
            }
        }
        Ok(PollComment {
            id: comment_id,
            author_name: name,
            text,
            created_at: nichoir_core::time::rfc3339(now),
            deletable: false,
        })
    }

    // ---- background jobs ------------------------------------------------------------------

    /// Deletes polls past their purge date; returns how many.
    pub async fn purge_expired(&self) -> PollResult<usize> {
        if self.config.purge_after_days == 0 {
            return Ok(0);
        }
        let after = self.config.purge_after_days as i64 * 86_400_000;
        let ids = self
            .db
            .write(move |c| {
                let ids = store::expired(c, now_ms(), after)?;
                for id in &ids {
                    store::delete_poll(c, id)?;
                }
                Ok(ids)
            })
            .await?;
        for id in &ids {
            self.changed(id, None);
        }
        Ok(ids.len())
    }

    /// Mails the reminders that are due; returns how many were sent.
    pub async fn send_reminders(&self) -> PollResult<usize> {
        if !self.mailer.enabled() {
            return Ok(0);
        }
        let window = self.config.reminder_hours as i64 * 3_600_000;
        let due = self
            .db
            .read(move |c| store::reminders_due(c, now_ms(), window))
            .await?;
        let mut sent = 0;
        for poll in due {
            let Some(to) = poll.settings.author_email.clone() else {
                continue;
            };
            let deadline = poll
                .settings
                .deadline
                .map(nichoir_core::time::rfc3339)
                .unwrap_or_default();
            let lang = self.owner_language(&poll).await;
            let (subject, body) = mails::reminder(
                &lang,
                &self.mailer.instance_name(),
                &poll.settings.title,
                &deadline,
                &self.admin_url(&poll.admin_token),
            );
            let mail = Mail { to, subject, body };
            // Claimed before it is sent: one mail per poll even when several nodes look.
            let id = poll.id.clone();
            if !self
                .db
                .write(move |c| store::claim_reminder(c, &id))
                .await?
            {
                continue;
            }
            match self.mailer.send(mail).await {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(poll = %poll.id, "reminder not sent: {e}");
                    let id = poll.id.clone();
                    self.db
                        .write(move |c| store::release_reminder(c, &id))
                        .await?;
                }
            }
        }
        Ok(sent)
    }
}

impl PollService {
    /// A deleted account (`nichoir_core::departure`): the polls it created stay, without an
    /// owner and under "Deleted user"; its votes stay, anonymous; its comments stay, under
    /// "Deleted user".
    pub async fn forget_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        let touched: Vec<(String, i64)> = self
            .db
            .write(move |c| {
                crate::store::forget_user(
                    c,
                    &u,
                    nichoir_core::departure::DELETED_NAME,
                    nichoir_core::departure::ANONYMOUS_VOTER,
                    nichoir_core::time::now_ms(),
                )
            })
            .await?;
        for (poll_id, version) in touched {
            self.changed(&poll_id, Some(version));
        }
        Ok(())
    }
}

impl PollService {
    /// The poll a moderation link names (`/poll/{id}`, `/poll/admin/{token}`): its id and title.
    pub async fn moderation_target(&self, path: &str) -> Result<Option<(String, String)>, Error> {
        use nichoir_core::moderation::segments;
        let by_token = segments(path, "/poll/admin/").filter(|s| s.len() == 1);
        let by_id = segments(path, "/poll/").filter(|s| s.len() == 1 && s[0] != "admin");
        let (key, token) = match (by_token, by_id) {
            (Some(s), _) => (s[0].to_string(), true),
            (None, Some(s)) => (s[0].to_string(), false),
            _ => return Ok(None),
        };
        let row = self
            .db
            .read(move |c| {
                if token {
                    store::poll_by_admin_token(c, &key)
                } else {
                    store::poll(c, &key)
                }
            })
            .await?;
        Ok(row.map(|p| (p.id, p.settings.title)))
    }

    /// Removes a poll for good (admin moderation); its followers are told it is gone.
    pub async fn remove_as_admin(&self, poll_id: &str) -> Result<(), Error> {
        let id = poll_id.to_string();
        self.db.write(move |c| store::delete_poll(c, &id)).await?;
        self.changed(poll_id, None);
        self.hub.reauthorize(&topic(poll_id)).await;
        Ok(())
    }
}

impl PollService {
    /// Erases a deleted account's answers and comments (when asked and allowed).
    pub async fn erase_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        let touched = self
            .db
            .write(move |c| crate::store::erase_user(c, &u, nichoir_core::time::now_ms()))
            .await?;
        for (poll_id, version) in touched {
            self.changed(&poll_id, Some(version));
        }
        Ok(())
    }
}
