//! The polls service: every operation of the tool, between the HTTP/realtime edges and the SQL.
//! Writes go through the database's single writer (so two voters racing for the last place of a
//! limited option are serialised), then the poll's cached view is dropped and the poll's topic
//! is told that it changed.
//!
//! One file per concept: `views` (what is read), `polls` (creating and administering), `votes`,
//! `comments`, `jobs` (purge and reminders), `departure`, `moderation`; this one keeps the
//! service, its cache and what they all share.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use nichoir_auth::{Actor, AuthService};
use nichoir_core::config::PollsConfig;
use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::Error;
use nichoir_http::JsonText;
use nichoir_mail::{Mail, Mailer};
use nichoir_realtime::Hub;
use nichoir_storage::{Db, StorageError};
use parking_lot::Mutex;

use crate::api::{
    AdminInfo, MyPoll, MyRole, Participant, Poll, PollCard, PollComment, PollEvent, PollSummary,
    PollView,
};

use crate::input::{self, Ballot, NewComment, NewPoll, PollPatch};
use crate::mails;
use crate::model::VoteRow;
use crate::model::{ClosedReason, Kind, PollRow, Visibility};
use crate::store;
use crate::tally::check_ballot;
use crate::view::{self, closed_reason, may_edit, participant, Rendered, Viewer};

mod comments;
mod departure;
mod jobs;
mod moderation;
mod polls;
mod views;
mod votes;

pub use crate::error::PollError;

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
    /// The language of mails to the poll's author: their account's, else the one they created
    /// the poll in (a guest has no account to keep one), else the instance's.
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
        self.mailer
            .language_for(chosen.or_else(|| poll.author_language.clone()).as_deref())
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

    // ---- participating ----------------------------------------------------------------------

    async fn open_for(&self, poll_id: &str, actor: &Actor) -> PollResult<PollRow> {
        let poll = self.poll_row(poll_id).await?;
        self.check_access(&poll, Some(actor)).await?;
        Ok(poll)
    }
}
