//! The per-pad engine: one lock per pad orders its edits. An edit based on revision r is
//! transformed against the revisions after r, applied, stored (the writer's commit is awaited:
//! an acknowledged edit survives a crash), then acknowledged to its author and broadcast to the
//! others while the lock is still held, so every client sees revisions in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use nichoir_auth::Actor;
use nichoir_core::config::PadsConfig;
use nichoir_core::ids::random_token;
use nichoir_core::text::{has_refused_control, Lines};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_ot::{Missed, Operation};
use nichoir_realtime::owner::Failure;
use nichoir_realtime::{ConnId, Hub};
use nichoir_storage::{params, Db, StorageError};
use parking_lot::Mutex;
use serde_json::Value;

use crate::api::{MyPad, PadEvent, WireRev};
use crate::authorship::Authorship;
use crate::idle;
use crate::model::{Author, PadInfo, RevisionInfo};
use crate::owner;
use crate::rebase::{self, MissedSince};
use crate::store::{self, StoredRev};
use crate::window::Window;

/// How often a busy pad's row takes its head and times (milliseconds): listings and the pad
/// expiry read them, and may be this late; the head itself is read from the revisions.
const HEAD_EVERY_MS: i64 = 10_000;
/// Revisions per `ops` message when a client catches up.
const SYNC_CHUNK: usize = 500;

/// Pad failures, each with a stable code sent in error frames.
#[derive(Debug, thiserror::Error)]
pub enum PadError {
    #[error("no such pad")]
    NotFound,
    #[error("this pad was deleted")]
    Deleted,
    #[error("revision {0} does not exist yet")]
    RevFromFuture(u64),
    #[error("invalid edit: {0}")]
    InvalidOp(String),
    #[error("the edit is too large")]
    OpTooLarge,
    #[error("the pad would exceed its maximum size")]
    PadTooLarge,
    #[error("a pad with this name already exists")]
    NameTaken,
    #[error("this pad is protected by a password")]
    PasswordRequired,
    #[error("{0}")]
    Other(#[from] Error),
}

impl PadError {
    /// The error another node's answer named (`code` and message, as `code()` and Display
    /// gave them there).
    pub(crate) fn from_remote(code: &str, message: &str) -> PadError {
        match code {
            "not_found" => PadError::NotFound,
            "pad_deleted" => PadError::Deleted,
            "invalid_op" => PadError::InvalidOp(
                message
                    .strip_prefix("invalid edit: ")
                    .unwrap_or(message)
                    .to_string(),
            ),
            "op_too_large" => PadError::OpTooLarge,
            "pad_too_large" => PadError::PadTooLarge,
            "password_required" => PadError::PasswordRequired,
            "rev_from_future" => PadError::RevFromFuture(
                message
                    .split_whitespace()
                    .find_map(|w| w.parse().ok())
                    .unwrap_or(0),
            ),
            _ => PadError::Other(Failure::new(code, message).into_error()),
        }
    }

    /// The code an error frame carries (HTTP answers say `not_found` for a deleted pad, see
    /// `From<PadError> for Error`).
    pub fn code(&self) -> ErrorCode {
        match self {
            PadError::NotFound => ErrorCode::NotFound,
            PadError::Deleted => ErrorCode::PadDeleted,
            PadError::RevFromFuture(_) => ErrorCode::RevFromFuture,
            PadError::InvalidOp(_) => ErrorCode::InvalidOp,
            PadError::OpTooLarge => ErrorCode::OpTooLarge,
            PadError::PadTooLarge => ErrorCode::PadTooLarge,
            PadError::NameTaken => ErrorCode::Conflict,
            PadError::PasswordRequired => ErrorCode::PasswordRequired,
            PadError::Other(e) => e.code,
        }
    }
}

impl From<StorageError> for PadError {
    fn from(e: StorageError) -> Self {
        PadError::Other(e.into())
    }
}

impl From<PadError> for Error {
    fn from(e: PadError) -> Self {
        match e {
            PadError::Other(e) => e,
            PadError::NotFound | PadError::Deleted => Error::not_found(e.to_string()),
            PadError::NameTaken => Error::conflict(e.to_string()),
            PadError::PasswordRequired => Error::new(ErrorCode::PasswordRequired, e.to_string()),
            PadError::OpTooLarge | PadError::PadTooLarge => {
                Error::new(ErrorCode::PayloadTooLarge, e.to_string())
            }
            PadError::RevFromFuture(_) | PadError::InvalidOp(_) => Error::validation(e.to_string()),
        }
    }
}

struct PadState {
    info: PadInfo,
    text: String,
    len: usize,
    authorship: Authorship,
    recent: Window,
    /// Every client's last applied (seq, rev), loaded with the pad: the fast path of idempotent
    /// resend, and a client missing here has never edited the pad.
    last_seq: HashMap<String, (u64, u64)>,
    /// The pad's authors as stored (id → name, colour): an edit by a known author under the
    /// same name writes no author row, a statement less per batch.
    authors: HashMap<String, (String, String)>,
    /// Per base revision in use, the revisions since it composed (late edits' transforms).
    missed: MissedSince,
    /// When the pad's row last took its head (see `store::true_head`).
    head_written_at: i64,
}

enum Acceptance {
    /// Already stored (and broadcast) at this revision: acknowledge at once.
    Duplicate(u64),
    /// A copy of an edit accepted earlier in this batch: acknowledge only after the commit.
    DuplicateInBatch(u64),
    New(Operation),
}

/// An edit's answer was dropped unsent (cannot happen: every taken edit is answered).
fn lost() -> PadError {
    PadError::Other(Error::internal("edit lost before it was stored"))
}

/// Another node owns the pad now (this one's state is stale): the editor sends the edit again.
fn moved_elsewhere() -> PadError {
    PadError::Other(Error::new(
        ErrorCode::Unavailable,
        "this pad moved to another server: send the edit again",
    ))
}

/// The same failure for every edit of a batch (errors are not Clone because of their sources).
fn clone_error(e: &PadError, code: ErrorCode) -> PadError {
    match (e, code) {
        (PadError::NotFound, _) => PadError::NotFound,
        (PadError::Deleted, _) => PadError::Deleted,
        (_, ErrorCode::Unavailable) => {
            PadError::Other(Error::new(ErrorCode::Unavailable, e.to_string()))
        }
        _ => PadError::Other(Error::internal(e)),
    }
}

/// Text and authorship after `tail`, from a snapshot. The operations are composed first and the
/// text rewritten once, so opening a large pad costs one pass over its text, not one per revision.
fn replay(
    text: String,
    mut authorship: Authorship,
    tail: &[StoredRev],
) -> Result<(String, Authorship), String> {
    let mut combined: Option<Operation> = None;
    for r in tail {
        combined = Some(match combined {
            None => r.op.clone(),
            Some(c) => c
                .compose(&r.op)
                .map_err(|e| format!("rev {}: {e}", r.rev))?,
        });
        if !authorship.apply_mut(&r.op, &r.author_id) {
            return Err(format!("authorship at rev {}", r.rev));
        }
    }
    let text = match combined {
        Some(op) => op.apply(&text).map_err(|e| e.to_string())?,
        None => text,
    };
    Ok((text, authorship))
}

/// The outcome of one submitted edit.
#[derive(Debug, Clone)]
pub struct Applied {
    pub rev: u64,
    /// True when this (client, seq) had already been applied: nothing changed.
    pub duplicate: bool,
}

/// One edit waiting for its pad's next batch.
struct Pending {
    author: Author,
    client_id: String,
    seq: u64,
    base_rev: u64,
    op: Operation,
    origin: Option<ConnId>,
    reply: tokio::sync::oneshot::Sender<Result<Applied, PadError>>,
}

/// A pad's lock (the loaded state) and its queue of edits waiting for the lock.
#[derive(Default)]
struct Slot {
    state: tokio::sync::Mutex<Option<PadState>>,
    queue: Mutex<Vec<Pending>>,
    /// When the last batch was taken from the queue (only read and written under `state`).
    last_batch: Mutex<Option<Instant>>,
    /// The pad's last use, for leaving memory when idle (see `idle.rs`).
    touched: Mutex<Option<Instant>>,
}

/// Pacing of a crowded pad's batches: every batch costs one frame per member, so a pad's batches
/// start at least `members × PACE_PER_MEMBER` apart (200 editors: 10 ms), which bounds a pad to
/// about 20,000 frames/s, up to [`MAX_PACE`]. Edits arriving meanwhile join the next batch.
const PACE_PER_MEMBER: Duration = Duration::from_micros(50);
/// The longest gap between a pad's batches (400 members and more): an edit waits up to the gap
/// before its batch starts, and a latency budget of 100 ms must hold with margin. A pad of 1,000
/// then costs 50,000 frames/s (one frame per member per batch, its batch frame shared).
const MAX_PACE: Duration = Duration::from_millis(20);
/// Below this gap (pads of fewer than 40 members) batches are not paced: the commit itself
/// groups edits, and waiting would only add latency.
const MIN_PACE: Duration = Duration::from_millis(2);

/// An edit accepted into a batch, before the batch is stored.
struct Accepted {
    rev: u64,
    op: Operation,
    author: Author,
    client_id: String,
    seq: u64,
    origin: Option<ConnId>,
    reply: tokio::sync::oneshot::Sender<Result<Applied, PadError>>,
}

/// The ack owed to a copy of an edit stored in the same batch.
struct LaterAck {
    rev: u64,
    origin: Option<ConnId>,
    client_id: String,
    seq: u64,
    reply: tokio::sync::oneshot::Sender<Result<Applied, PadError>>,
}

pub struct PadService {
    db: Db,
    /// Edits' revisions go through it, together with other pads' (see `writer.rs`).
    writer: crate::writer::PadWriter,
    auth: nichoir_auth::AuthService,
    hub: Hub,
    config: PadsConfig,
    pads: Mutex<HashMap<String, Arc<Slot>>>,
    /// Storage quotas: an import needs its size free (see `import.rs`).
    quotas: nichoir_core::quota::Quotas,
    /// Mentions in pad chat reach the bell (`chat.rs`).
    notifier: Arc<dyn nichoir_core::notify::Notifier>,
    /// Where pad images are kept (`images.rs`); None: pads take no images.
    pub(crate) images: Option<crate::images::ImageHome>,
}

/// Topic names: editors follow `pad:<id>`, read-only viewers `padro:<readonly id>`.
pub fn edit_topic(id: &str) -> String {
    format!("pad:{id}")
}
pub fn view_topic(readonly_id: &str) -> String {
    format!("padro:{readonly_id}")
}

fn author_of(actor: &Actor) -> Author {
    Author {
        id: actor.id().to_string(),
        name: actor.display_name().to_string(),
        color: actor.avatar_color().to_string(),
    }
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl PadService {
    pub fn new(
        db: Db,
        hub: Hub,
        auth: nichoir_auth::AuthService,
        config: PadsConfig,
    ) -> PadService {
        PadService {
            writer: crate::writer::PadWriter::new(db.clone()),
            db,
            auth,
            hub,
            config,
            pads: Mutex::new(HashMap::new()),
            quotas: nichoir_core::quota::Quotas::unlimited(),
            notifier: Arc::new(nichoir_core::notify::Silent),
            images: None,
        }
    }

    /// Who hears of a mention in pad chat.
    pub fn with_notifier(
        mut self,
        notifier: Arc<dyn nichoir_core::notify::Notifier>,
    ) -> PadService {
        self.notifier = notifier;
        self
    }

    pub(crate) fn notifier(&self) -> &Arc<dyn nichoir_core::notify::Notifier> {
        &self.notifier
    }

    pub(crate) fn auth(&self) -> &nichoir_auth::AuthService {
        &self.auth
    }

    /// The storage quotas that imports must fit in.
    pub fn with_quotas(mut self, quotas: nichoir_core::quota::Quotas) -> PadService {
        self.quotas = quotas;
        self
    }

    pub(crate) fn quotas(&self) -> &nichoir_core::quota::Quotas {
        &self.quotas
    }

    /// In a cluster: answers the other nodes' requests for the pads this node owns, and
    /// forgets a pad's state when its ownership moves away.
    pub fn serve_other_nodes(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        self.hub.on_request(
            owner::KIND,
            Arc::new(move |body: String| {
                let service = weak.upgrade();
                Box::pin(async move {
                    match service {
                        Some(s) => owner::answer(s, body).await,
                        None => Err("stopping".to_string()),
                    }
                })
            }),
        );
        let weak = Arc::downgrade(self);
        self.hub.on_room_lost(Arc::new(move |room: &str| {
            let (Some(s), Some(pad)) = (weak.upgrade(), room.strip_prefix("pad:")) else {
                return;
            };
            let slot = s.slot(pad);
            tokio::spawn(async move {
                *slot.state.lock().await = None;
            });
        }));
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn config(&self) -> &PadsConfig {
        &self.config
    }

    pub async fn create(&self, actor: &Actor, name: Option<&str>) -> Result<PadInfo, PadError> {
        self.auth
            .may_create(actor, "pads")
            .map_err(PadError::Other)?;
        let id = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if valid_name(n) => n.to_string(),
            Some(_) => {
                return Err(PadError::Other(Error::validation(
                    "pad name: 1 to 64 letters, digits, '-' or '_'",
                )))
            }
            None => random_token(15),
        };
        let now = now_ms();
        let info = PadInfo {
            id,
            readonly_id: format!("r-{}", random_token(15)),
            owner_id: Some(actor.id().to_string()),
            rev: 0,
            created_at: now,
            updated_at: now,
            protected: false,
        };
        let i = info.clone();
        self.db
            .write(move |tx| store::insert_pad(tx, &i))
            .await
            .map_err(|e| {
                if nichoir_storage::is_unique_violation(&e) {
                    PadError::NameTaken
                } else {
                    e.into()
                }
            })?;
        Ok(info)
    }

    /// A pad by its id or its read-only id (deleted pads answer `Deleted`).
    pub async fn find(&self, id_or_readonly: &str) -> Result<(PadInfo, bool), PadError> {
        let key = id_or_readonly.to_string();
        let found = self
            .db
            .read(move |c| {
                if let Some(p) = store::pad_by(c, "id", &key)? {
                    return Ok(Some((p.0, p.1, false)));
                }
                Ok(store::pad_by(c, "readonly_id", &key)?.map(|p| (p.0, p.1, true)))
            })
            .await?;
        match found {
            None => Err(PadError::NotFound),
            Some((_, true, _)) => Err(PadError::Deleted),
            Some((info, false, readonly)) => Ok((info, readonly)),
        }
    }

    fn slot(&self, id: &str) -> Arc<Slot> {
        let slot = self.pads.lock().entry(id.to_string()).or_default().clone();
        *slot.touched.lock() = Some(Instant::now());
        slot
    }

    /// Sockets following a pad: its editors, and its read-only viewers when the pad is loaded
    /// (their topic is named by the read-only id, which the state holds).
    fn members(&self, pad_id: &str, state: Option<&PadState>) -> usize {
        let mut members = self.hub.member_count(&edit_topic(pad_id));
        if let Some(p) = state {
            members += self.hub.member_count(&view_topic(&p.info.readonly_id));
        }
        members
    }

    /// Starts the sweeper that lets idle pads leave memory (`pads.unload_idle_secs`; 0: never).
    pub fn unload_idle_pads(self: &Arc<Self>) {
        let secs = self.config.unload_idle_secs;
        if secs == 0 {
            return;
        }
        let idle = Duration::from_secs(secs);
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(idle::sweep_every(idle));
            loop {
                tick.tick().await;
                let Some(me) = weak.upgrade() else { return };
                let gone = me.unload_idle(idle);
                if gone > 0 {
                    tracing::debug!(pads = gone, "idle pads left memory");
                }
            }
        });
    }

    /// Drops the state of every pad idle for `idle` (see [`idle::may_unload`]); how many.
    fn unload_idle(&self, idle: Duration) -> usize {
        let now = Instant::now();
        let slots: Vec<(String, Arc<Slot>)> = self
            .pads
            .lock()
            .iter()
            .map(|(id, slot)| (id.clone(), slot.clone()))
            .collect();
        let mut gone = 0;
        for (id, slot) in slots {
            // A pad whose lock is held is in use.
            let Ok(mut guard) = slot.state.try_lock() else {
                continue;
            };
            let used = idle::SlotUse {
                touched: *slot.touched.lock(),
                members: self.members(&id, guard.as_ref()),
                queued: !slot.queue.lock().is_empty(),
            };
            if !idle::may_unload(&used, now, idle) {
                continue;
            }
            if guard.take().is_some() {
                gone += 1;
            }
            drop(guard);
            // The slot goes too, unless someone took it meanwhile (the map and this loop hold
            // the only references otherwise; the map's lock keeps new ones out).
            let mut pads = self.pads.lock();
            if Arc::strong_count(&slot) == 2 {
                pads.remove(&id);
            }
        }
        gone
    }

    async fn load(&self, id: &str) -> Result<PadState, PadError> {
        let key = id.to_string();
        let loaded = self
            .db
            .read(move |c| {
                let Some((info, deleted)) = store::pad_by(c, "id", &key)? else {
                    return Ok(None);
                };
                // A deleted pad's snapshots and revisions are gone: do not look for them.
                if deleted {
                    return Ok(Some(Err(PadError::Deleted)));
                }
                let (snap_rev, text, auth, clients) = store::snapshot_at(c, &key, info.rev)?;
                let tail = store::revisions_between(c, &key, snap_rev, info.rev)?;
                let mut clients = match clients {
                    Some(known) => known,
                    None => store::clients_by_scan(c, &key, snap_rev)?,
                };
                for r in &tail {
                    clients.insert(r.client_id.clone(), (r.seq, r.rev));
                }
                let authors = store::authors(c, &key)?;
                Ok(Some(Ok((info, text, auth, tail, clients, authors))))
            })
            .await?;
        let Some(loaded) = loaded else {
            return Err(PadError::NotFound);
        };
        let (info, text, authorship, tail, clients, authors) = loaded?;
        let (text, authorship) = replay(text, authorship, &tail)
            .map_err(|e| PadError::Other(Error::internal(format!("pad {id}: {e}"))))?;
        let recent = Window::new(tail.into_iter().map(Arc::new).collect());
        Ok(PadState {
            len: text.chars().count(),
            info,
            text,
            authorship,
            recent,
            last_seq: clients,
            authors: authors
                .into_iter()
                .map(|a| (a.id, (a.name, a.color)))
                .collect(),
            missed: MissedSince::default(),
            head_written_at: 0,
        })
    }

    /// The pad's last revision as stored (another node may have written it): how a node of a
    /// cluster tells that its state in memory is stale.
    async fn stored_head(&self, pad_id: &str) -> Result<Option<u64>, StorageError> {
        let pad = pad_id.to_string();
        self.db.read(move |c| store::true_head(c, &pad)).await
    }

    /// Runs `f` on the loaded pad under its lock.
    async fn with_pad<R>(
        &self,
        id: &str,
        f: impl AsyncFnOnce(&mut PadState) -> Result<R, PadError>,
    ) -> Result<R, PadError> {
        let slot = self.slot(id);
        let mut guard = slot.state.lock().await;
        if guard.is_none() {
            *guard = Some(self.load(id).await?);
        } else if self.hub.in_cluster() {
            // Reads are fenced too: a node that was paused or cut off may still believe it owns
            // the pad while another wrote it. If the database is ahead, the state is read again
            // (what it answers is then true) and the owner looked up again for the next edit.
            let head = guard.as_ref().map_or(0, |p| p.info.rev);
            if self.stored_head(id).await?.is_some_and(|rev| rev != head) {
                self.hub.forget_room_owner(&owner::room(id));
                *guard = Some(self.load(id).await?);
            }
        }
        match guard.as_mut() {
            Some(state) => f(state).await,
            None => Err(PadError::NotFound),
        }
    }

    /// Sends the state to a connection that just joined, under the pad lock so that no later
    /// revision can overtake it.
    pub async fn send_state(
        &self,
        id: &str,
        conn: ConnId,
        topic: &str,
        readonly: bool,
    ) -> Result<(), PadError> {
        if let Some(node) = owner::route(self, id).await? {
            let call = owner::Call::State {
                pad: id.to_string(),
                conn,
                topic: topic.to_string(),
                readonly,
            };
            return owner::forward(self, node, call).await.map(|_| ());
        }
        self.send_state_here(id, conn, topic, readonly).await
    }

    /// `send_state` on the node that owns the pad.
    pub(crate) async fn send_state_here(
        &self,
        id: &str,
        conn: ConnId,
        topic: &str,
        readonly: bool,
    ) -> Result<(), PadError> {
        let key = id.to_string();
        let authors = self.db.read(move |c| store::authors(c, &key)).await?;
        let hub = self.hub.clone();
        self.with_pad(id, async |p| {
            // A read-only viewer must never learn the edit id: it is the capability to edit.
            let shown_id = if readonly {
                &p.info.readonly_id
            } else {
                &p.info.id
            };
            let state = PadEvent::State {
                pad: shown_id,
                rev: p.info.rev,
                text: &p.text,
                authorship: &p.authorship,
                authors: &authors,
                readonly,
                readonly_id: (!readonly).then_some(p.info.readonly_id.as_str()),
            };
            hub.send_event_to(conn, topic, &state.to_value());
            Ok(())
        })
        .await
    }

    /// Checks an untrusted edit from the wire against the configured limits.
    /// An edit from the wire; one that would insert a control character other than a line
    /// break or a tab is refused (the editor never types one; a pasted NUL would break exports).
    pub fn parse_op(&self, value: &Value) -> Result<Operation, PadError> {
        let op = nichoir_ot::parse_op(
            value,
            self.config.max_op_components as usize,
            self.config.max_op_chars as usize,
        )
        .map_err(|e| match e {
            nichoir_ot::OtError::TooLarge => PadError::OpTooLarge,
            other => PadError::InvalidOp(other.to_string()),
        })?;
        let controls = op.components().iter().any(|c| {
            matches!(c, nichoir_ot::Component::Insert(s) if has_refused_control(s, Lines::Many))
        });
        if controls {
            return Err(PadError::InvalidOp(
                "an insert cannot carry control characters other than line breaks and tabs".into(),
            ));
        }
        Ok(op)
    }

    /// Applies an edit made on revision `base_rev`. `origin` is the author's connection (it gets
    /// the ack; everyone else gets the edit).
    ///
    /// Group commit: the edit joins the pad's queue; whoever holds the pad lock next takes the
    /// whole queue, applies it in order and stores it in one transaction (one fsync for the
    /// batch), then acknowledges and broadcasts. Under load, many edits share one disk write.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit(
        &self,
        pad_id: &str,
        actor: &Actor,
        client_id: &str,
        seq: u64,
        base_rev: u64,
        op: Operation,
        origin: Option<ConnId>,
    ) -> Result<Applied, PadError> {
        let author = author_of(actor);
        if let Some(node) = owner::route(self, pad_id).await? {
            let call = owner::Call::Submit {
                pad: pad_id.to_string(),
                author,
                client_id: client_id.to_string(),
                seq,
                base_rev,
                op: serde_json::to_value(&op).map_err(Error::internal)?,
                origin,
            };
            return owner::applied(&owner::forward(self, node, call).await?);
        }
        self.submit_as(pad_id, author, client_id, seq, base_rev, op, origin)
            .await
    }

    /// `submit` by `author`, on the node that owns the pad.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn submit_as(
        &self,
        pad_id: &str,
        author: Author,
        client_id: &str,
        seq: u64,
        base_rev: u64,
        op: Operation,
        origin: Option<ConnId>,
    ) -> Result<Applied, PadError> {
        if client_id.is_empty() || client_id.len() > 64 {
            return Err(PadError::InvalidOp("client_id: 1 to 64 characters".into()));
        }
        if op.deleted_chars() > self.config.max_op_chars as usize {
            return Err(PadError::OpTooLarge);
        }
        let slot = self.slot(pad_id);
        let (reply, answer) = tokio::sync::oneshot::channel();
        slot.queue.lock().push(Pending {
            author,
            client_id: client_id.to_string(),
            seq,
            base_rev,
            op,
            origin,
            reply,
        });
        let mut answer = answer;
        let lock = slot.state.lock();
        tokio::pin!(lock);
        tokio::select! {
            // Another lock holder stored this edit with its batch: done, without waiting for the
            // lock behind the next batches (this connection's next edit would wait meanwhile).
            // Whoever queued an edit still waits for the lock, so the queue is always drained.
            biased;
            done = &mut answer => return done.map_err(|_| lost())?,
            mut guard = &mut lock => {
                // Empty: an earlier lock holder took this edit with its batch.
                if !slot.queue.lock().is_empty() {
                    self.pace(pad_id, &slot, guard.as_ref()).await;
                    let batch = std::mem::take(&mut *slot.queue.lock());
                    if !batch.is_empty() {
                        self.process_batch(pad_id, &mut guard, batch).await;
                    }
                }
            }
        }
        answer.await.map_err(|_| lost())?
    }

    /// Waits (holding the pad lock, so edits pile up in the queue) until a crowded pad may start
    /// its next batch; see [`PACE_PER_MEMBER`].
    async fn pace(&self, pad_id: &str, slot: &Slot, state: Option<&PadState>) {
        let members = self.members(pad_id, state);
        let gap = PACE_PER_MEMBER
            .saturating_mul(u32::try_from(members).unwrap_or(u32::MAX))
            .min(MAX_PACE);
        let last = *slot.last_batch.lock();
        if let Some(last) = last.filter(|_| gap >= MIN_PACE) {
            tokio::time::sleep_until(last + gap).await;
        }
        *slot.last_batch.lock() = Some(Instant::now());
    }

    /// Applies a batch of edits under the pad lock. Nothing in memory changes unless the batch's
    /// transaction committed.
    async fn process_batch(&self, pad_id: &str, guard: &mut Option<PadState>, batch: Vec<Pending>) {
        if guard.is_none() {
            match self.load(pad_id).await {
                Ok(state) => *guard = Some(state),
                Err(e) => {
                    let code = e.code();
                    for p in batch {
                        let _ = p.reply.send(Err(clone_error(&e, code)));
                    }
                    return;
                }
            }
        }
        let Some(p) = guard.as_mut() else { return };
        let head = p.info.rev;
        // In a cluster, an edit made on a revision this node has not got may mean that another
        // owner wrote meanwhile (this node was paused or cut off): if the database is ahead,
        // let go as a fenced write does, and the editors send their edits again.
        if self.hub.in_cluster()
            && batch.iter().any(|b| b.base_rev > head)
            && matches!(self.stored_head(pad_id).await, Ok(Some(rev)) if rev > head)
        {
            *guard = None;
            self.hub.forget_room_owner(&owner::room(pad_id));
            for item in batch {
                let _ = item.reply.send(Err(moved_elsewhere()));
            }
            return;
        }
        // Work on copies; commit them only after the database has the batch.
        // Edits are composed and the text rewritten once per batch (not once per edit): with a
        // large pad and many editors, copying the text dominates otherwise.
        // The authorship is moved after the commit, in place (see `Authorship`): it cannot fail
        // for an edit that fits the text's length, which `accept` checked.
        // The batch's edits so far, composed: for rebasing the later ones (see `rebase`), and as
        // one operation on the text once the batch is whole.
        let (mut landed, mut len): (Option<Missed>, usize) = (None, p.len);
        let mut accepted: Vec<Accepted> = Vec::new();
        let mut later_acks: Vec<LaterAck> = Vec::new();
        for item in batch {
            match self
                .accept(
                    p,
                    &accepted,
                    landed.as_ref(),
                    len,
                    item.base_rev,
                    &item.client_id,
                    item.seq,
                    item.op,
                )
                .await
            {
                Ok(Acceptance::Duplicate(rev)) => {
                    if let Some(conn) = item.origin {
                        let ack = PadEvent::Ack {
                            rev,
                            client_id: &item.client_id,
                            seq: item.seq,
                            ops: None,
                        };
                        self.hub
                            .send_event_to(conn, &edit_topic(pad_id), &ack.to_value());
                    }
                    let _ = item.reply.send(Ok(Applied {
                        rev,
                        duplicate: true,
                    }));
                }
                Ok(Acceptance::DuplicateInBatch(rev)) => later_acks.push(LaterAck {
                    rev,
                    origin: item.origin,
                    client_id: item.client_id,
                    seq: item.seq,
                    reply: item.reply,
                }),
                Ok(Acceptance::New(op)) => {
                    let next = match &landed {
                        Some(l) => l.then(&op),
                        None => Ok(Missed::of(&op)),
                    };
                    match next.map_err(|e| PadError::InvalidOp(e.to_string())) {
                        Ok(l) => {
                            landed = Some(l);
                            len = op.target_len();
                            accepted.push(Accepted {
                                rev: head + accepted.len() as u64 + 1,
                                op,
                                author: item.author,
                                client_id: item.client_id,
                                seq: item.seq,
                                origin: item.origin,
                                reply: item.reply,
                            });
                        }
                        Err(e) => {
                            let _ = item.reply.send(Err(e));
                        }
                    }
                }
                Err(e) => {
                    let _ = item.reply.send(Err(e));
                }
            }
        }
        let Some(combined) = landed.as_ref().filter(|_| !accepted.is_empty()) else {
            return;
        };
        let text = match combined.to_operation().apply(&p.text) {
            Ok(t) => t,
            Err(e) => {
                // Cannot happen (every edit was checked against the length); refuse the batch.
                let e = PadError::Other(Error::internal(format!("batch does not apply: {e}")));
                for a in accepted {
                    let _ = a.reply.send(Err(clone_error(&e, ErrorCode::Internal)));
                }
                for l in later_acks {
                    let _ = l.reply.send(Err(clone_error(&e, ErrorCode::Internal)));
                }
                return;
            }
        };
        let now = now_ms();
        let every = self.config.snapshot_every.max(1);
        let last = head + accepted.len() as u64;
        // A snapshot at the batch's last revision when the batch crosses a multiple of `every`.
        let snapshot = (head / every != last / every).then(|| {
            let mut authorship = p.authorship.clone();
            for a in &accepted {
                authorship.apply_mut(&a.op, &a.author.id);
            }
            // Every client's last edit as of this snapshot's revision (see `store::ClientSeqs`).
            let mut clients = p.last_seq.clone();
            for a in &accepted {
                clients.insert(a.client_id.clone(), (a.seq, a.rev));
            }
            let clients = serde_json::to_string(&clients).unwrap_or_else(|_| "{}".into());
            (text.clone(), authorship, clients)
        });
        let rows: Vec<(u64, Operation, Author, String, u64)> = accepted
            .iter()
            .map(|a| {
                (
                    a.rev,
                    a.op.clone(),
                    a.author.clone(),
                    a.client_id.clone(),
                    a.seq,
                )
            })
            .collect();
        // Each author of the batch once, at their first revision in it, unless stored already
        // under the same name and colour.
        let mut to_note: Vec<(Author, u64)> = Vec::new();
        for (rev, _, author, _, _) in &rows {
            let known = p
                .authors
                .get(&author.id)
                .is_some_and(|(n, c)| *n == author.name && *c == author.color);
            if !known && !to_note.iter().any(|(a, _)| a.id == author.id) {
                to_note.push((author.clone(), *rev));
            }
        }
        let noted: Vec<Author> = to_note.iter().map(|(a, _)| a.clone()).collect();
        let head_due = now.saturating_sub(p.head_written_at) >= HEAD_EVERY_MS;
        let stored = self
            .writer
            .write(crate::writer::PadWrite {
                pad: pad_id.to_string(),
                rows,
                snapshot,
                to_note,
                now,
                head: head_due,
            })
            .await;
        let new_authors = match stored {
            Ok(n) => n,
            Err(e) => {
                // A COMMIT cut off by a lost connection may have happened anyway: forget the
                // state, so the next edit starts from what the database has, not from a head
                // it may have passed.
                *guard = None;
                let e = if nichoir_storage::is_unique_violation(&e) {
                    // Fenced: another node wrote these revisions, so it owns the pad now and
                    // this node must look the owner up again. The editors send the edit again.
                    self.hub.forget_room_owner(&owner::room(pad_id));
                    moved_elsewhere()
                } else {
                    PadError::from(e)
                };
                let code = e.code();
                for a in accepted {
                    let _ = a.reply.send(Err(clone_error(&e, code)));
                }
                for l in later_acks {
                    let _ = l.reply.send(Err(clone_error(&e, code)));
                }
                return;
            }
        };
        for a in noted {
            p.authors.insert(a.id, (a.name, a.color));
        }
        p.text = text;
        p.len = len;
        let authorship_ok = accepted
            .iter()
            .all(|a| p.authorship.apply_mut(&a.op, &a.author.id));
        let rebase_ok = landed.is_none_or(|l| p.missed.landed(head, &l).is_ok());
        p.info.rev = last;
        p.info.updated_at = now;
        if head_due {
            p.head_written_at = now;
        }
        let topics = [edit_topic(pad_id), view_topic(&p.info.readonly_id)];
        for author in new_authors {
            let ev = PadEvent::Author {
                id: &author.id,
                name: &author.name,
                color: &author.color,
            }
            .to_value();
            for t in &topics {
                self.hub.broadcast_event(t, None, &ev, None);
            }
        }
        self.send_batch(&topics, &accepted);
        let mut stored = Vec::with_capacity(accepted.len());
        for a in accepted {
            p.last_seq.insert(a.client_id.clone(), (a.seq, a.rev));
            let _ = a.reply.send(Ok(Applied {
                rev: a.rev,
                duplicate: false,
            }));
            stored.push(Arc::new(StoredRev {
                rev: a.rev,
                op: a.op,
                author_id: a.author.id,
                client_id: a.client_id,
                seq: a.seq,
            }));
        }
        p.recent.extend(stored, Instant::now());
        // Copies of this batch's edits: now stored and broadcast, so their acks may go.
        for l in later_acks {
            if let Some(conn) = l.origin {
                let ack = PadEvent::Ack {
                    rev: l.rev,
                    client_id: &l.client_id,
                    seq: l.seq,
                    ops: None,
                };
                self.hub.send_event_to(conn, &topics[0], &ack.to_value());
            }
            let _ = l.reply.send(Ok(Applied {
                rev: l.rev,
                duplicate: true,
            }));
        }
        if !authorship_ok || !rebase_ok {
            // Cannot happen (every edit fits the text's length, as does the authorship); should
            // it, the stored log is right and memory is not: load the pad again from the log.
            tracing::error!(
                pad = pad_id,
                "authorship out of step with the text; reloading"
            );
            *guard = None;
        }
    }

    /// Sends a stored batch: one frame per connection carrying every edit of the batch in order
    /// (`ops`), the same text for everyone but the authors, who get it as an `ack` naming their
    /// (last) edit in it; their own edit in the list is the acknowledgement, so it is never out
    /// of order with the others' edits. Batches longer than [`SYNC_CHUNK`] go in several frames.
    fn send_batch(&self, topics: &[String; 2], accepted: &[Accepted]) {
        for chunk in accepted.chunks(SYNC_CHUNK) {
            let items: Vec<String> = chunk
                .iter()
                .map(|a| {
                    serde_json::to_string(&WireRev {
                        rev: a.rev,
                        op: &a.op,
                        author: &a.author.id,
                        client_id: &a.client_id,
                        seq: a.seq,
                    })
                    .unwrap_or_else(|_| "null".into())
                })
                .collect();
            let list = format!("[{}]", items.join(","));
            // Each author connection's last edit in this chunk (a connection may send several).
            let mut own: Vec<(ConnId, &Accepted)> = Vec::new();
            for a in chunk {
                let Some(conn) = a.origin else { continue };
                match own.iter_mut().find(|(c, _)| *c == conn) {
                    Some(slot) => slot.1 = a,
                    None => own.push((conn, a)),
                }
            }
            let shared = ops_frame(&list);
            let authors: Vec<ConnId> = own.iter().map(|(c, _)| *c).collect();
            self.hub
                .broadcast_event_json_except(&topics[0], &shared, &authors);
            for (conn, a) in own {
                let ack = ack_frame(a.rev, &a.client_id, a.seq, &list);
                self.hub.send_event_json_to(conn, &topics[0], &ack);
            }
            self.hub.broadcast_event_json(&topics[1], &shared);
        }
    }

    /// Checks one edit of a batch: a duplicate (already applied), or the edit transformed onto
    /// the batch's current text.
    #[allow(clippy::too_many_arguments)]
    async fn accept(
        &self,
        p: &mut PadState,
        batch: &[Accepted],
        landed: Option<&Missed>,
        len: usize,
        base_rev: u64,
        client: &str,
        seq: u64,
        op: Operation,
    ) -> Result<Acceptance, PadError> {
        if let Some(a) = batch.iter().find(|a| a.client_id == client && a.seq == seq) {
            return Ok(Acceptance::DuplicateInBatch(a.rev));
        }
        // `last_seq` holds every client's last edit (loaded with the pad, kept after each batch):
        // only an edit older than its client's last one needs the database.
        let dup = match p.last_seq.get(client) {
            Some((s, rev)) if *s == seq => Some(*rev),
            Some((s, _)) if seq > *s => None,
            None => None,
            Some((_, last_rev)) => {
                // Older than the client's last edit, so applied already (a client's edits are
                // applied in order): find its revision for the acknowledgement.
                let (pad, client, last_rev) = (p.info.id.clone(), client.to_string(), *last_rev);
                let found = self
                    .db
                    .read(move |c| store::rev_of_client_seq(c, &pad, &client, seq, last_rev))
                    .await?;
                if found.is_none() {
                    return Err(PadError::InvalidOp(
                        "this edit is older than this client's last one".into(),
                    ));
                }
                found
            }
        };
        if let Some(rev) = dup {
            return Ok(Acceptance::Duplicate(rev));
        }
        let head = p.info.rev;
        // Revisions of this batch are not visible to anyone yet.
        if base_rev > head {
            return Err(PadError::RevFromFuture(base_rev));
        }
        let invalid = |e: nichoir_ot::OtError| PadError::InvalidOp(e.to_string());
        let mut op = op;
        // Revisions the client had not seen: stored ones, then the earlier edits of this batch.
        if base_rev < head {
            let cached = if rebase::composable(&op) && head - base_rev >= rebase::WORTH_CACHING {
                p.missed.since(base_rev, &p.recent).map_err(invalid)?
            } else {
                None
            };
            op = match cached {
                Some(missed) => missed.rebase(&op).map_err(invalid)?,
                None => {
                    let stored: Vec<Arc<StoredRev>> = match p.recent.after(base_rev) {
                        Some(revs) => revs.cloned().collect(),
                        None => {
                            let pad = p.info.id.clone();
                            self.db
                                .read(move |c| store::revisions_between(c, &pad, base_rev, head))
                                .await?
                                .into_iter()
                                .map(Arc::new)
                                .collect()
                        }
                    };
                    rebase::step_by_step(op, stored.iter().map(|r| &r.op)).map_err(invalid)?
                }
            };
        }
        // Every earlier edit of the batch is after `base_rev` (at most the head).
        op = match landed {
            Some(l) if rebase::composable(&op) => l.rebase(&op).map_err(invalid)?,
            _ => rebase::step_by_step(op, batch.iter().map(|a| &a.op)).map_err(invalid)?,
        };
        if op.base_len() != len {
            return Err(PadError::InvalidOp(format!(
                "the edit expects {} characters, the pad has {len}",
                op.base_len()
            )));
        }
        if op.target_len() > self.config.max_pad_chars as usize && op.target_len() > len {
            return Err(PadError::PadTooLarge);
        }
        Ok(Acceptance::New(op))
    }

    /// Sends `conn` every revision after `rev` (a reconnecting client catching up), then `synced`.
    pub async fn sync(
        &self,
        pad_id: &str,
        conn: ConnId,
        topic: &str,
        rev: u64,
    ) -> Result<(), PadError> {
        if let Some(node) = owner::route(self, pad_id).await? {
            let call = owner::Call::Sync {
                pad: pad_id.to_string(),
                conn,
                topic: topic.to_string(),
                rev,
            };
            return owner::forward(self, node, call).await.map(|_| ());
        }
        self.sync_here(pad_id, conn, topic, rev).await
    }

    /// `sync` on the node that owns the pad.
    pub(crate) async fn sync_here(
        &self,
        pad_id: &str,
        conn: ConnId,
        topic: &str,
        rev: u64,
    ) -> Result<(), PadError> {
        let db = self.db.clone();
        let hub = self.hub.clone();
        let pad = pad_id.to_string();
        self.with_pad(pad_id, async move |p| {
            let head = p.info.rev;
            if rev > head {
                return Err(PadError::RevFromFuture(rev));
            }
            let revs: Vec<Arc<StoredRev>> = match p.recent.after(rev) {
                Some(revs) => revs.cloned().collect(),
                None if rev == head => Vec::new(),
                None => db
                    .read(move |c| store::revisions_between(c, &pad, rev, head))
                    .await?
                    .into_iter()
                    .map(Arc::new)
                    .collect(),
            };
            // In chunks: one queued message per SYNC_CHUNK revisions, so that a client far behind
            // does not overflow its own send queue (which would drop it as too slow).
            for chunk in revs.chunks(SYNC_CHUNK) {
                let ops: Vec<WireRev> = chunk
                    .iter()
                    .map(|r| WireRev {
                        rev: r.rev,
                        op: &r.op,
                        author: &r.author_id,
                        client_id: &r.client_id,
                        seq: r.seq,
                    })
                    .collect();
                hub.send_event_to(conn, topic, &PadEvent::Ops { ops: &ops }.to_value());
            }
            hub.send_event_to(conn, topic, &PadEvent::Synced { rev: head }.to_value());
            Ok(())
        })
        .await
    }

    /// The text and authorship as they were at `rev` (the timeslider).
    pub async fn at_revision(
        &self,
        pad_id: &str,
        rev: u64,
    ) -> Result<(String, Authorship), PadError> {
        let (info, _) = self.find(pad_id).await?;
        if rev > info.rev {
            return Err(PadError::RevFromFuture(rev));
        }
        let key = info.id.clone();
        let (snap, text, auth, tail) = self
            .db
            .read(move |c| {
                let (snap, text, auth, _) = store::snapshot_at(c, &key, rev)?;
                let tail = store::revisions_between(c, &key, snap, rev)?;
                Ok((snap, text, auth, tail))
            })
            .await?;
        let _ = snap;
        replay(text, auth, &tail).map_err(|e| PadError::Other(Error::internal(e)))
    }

    pub async fn current_text(&self, pad_id: &str) -> Result<(String, u64), PadError> {
        let (info, _) = self.find(pad_id).await?;
        if let Some(node) = owner::route(self, &info.id).await? {
            let v = owner::forward(self, node, owner::Call::Text { pad: info.id }).await?;
            return match (v[0].as_str(), v[1].as_u64()) {
                (Some(text), Some(rev)) => Ok((text.to_string(), rev)),
                _ => Err(Error::internal("owner's answer without text").into()),
            };
        }
        self.current_text_here(&info.id).await
    }

    /// `current_text` on the node that owns the pad (`pad_id`: its edit id).
    pub(crate) async fn current_text_here(&self, pad_id: &str) -> Result<(String, u64), PadError> {
        self.with_pad(pad_id, async |p| Ok((p.text.clone(), p.info.rev)))
            .await
    }

    pub async fn authors(&self, pad_id: &str) -> Result<Vec<Author>, PadError> {
        let key = pad_id.to_string();
        Ok(self.db.read(move |c| store::authors(c, &key)).await?)
    }

    pub async fn revisions(
        &self,
        pad_id: &str,
        before: Option<u64>,
        limit: u64,
    ) -> Result<Vec<RevisionInfo>, PadError> {
        let (info, _) = self.find(pad_id).await?;
        let before = before.unwrap_or(info.rev + 1);
        let key = info.id;
        Ok(self
            .db
            .read(move |c| store::revision_list(c, &key, before, limit.clamp(1, 1000)))
            .await?)
    }

    /// Replaces the whole text (restore a revision, import, Etherpad's setText): one new revision.
    pub async fn set_text(
        &self,
        pad_id: &str,
        actor: &Actor,
        text: &str,
    ) -> Result<Applied, PadError> {
        // Imports and API writes strip what an edit from the editor would be refused for.
        let text = nichoir_core::text::strip_controls(text);
        let (current, rev) = self.current_text(pad_id).await?;
        let op = nichoir_ot::diff(&current, &text);
        let client = format!("server-{}", random_token(6));
        self.submit(pad_id, actor, &client, 1, rev, op, None).await
    }

    /// Marks the pad deleted (owner or instance admin), forgets it in memory, and tells editors.
    pub async fn delete(&self, pad_id: &str, actor: &Actor) -> Result<(), PadError> {
        let (info, readonly) = self.find(pad_id).await?;
        if readonly {
            return Err(PadError::Other(Error::forbidden(
                "a read-only link cannot delete",
            )));
        }
        let is_owner = info.owner_id.as_deref() == Some(actor.id());
        if !is_owner && actor.require_admin().is_err() {
            return Err(PadError::Other(Error::forbidden(
                "only the pad's creator or an admin can delete it",
            )));
        }
        self.erase(&info.id).await
    }

    /// Deletes a pad's content for good (its row stays, marked deleted, so the id is not reused
    /// by accident) and tells whoever has it open.
    pub(crate) async fn erase(&self, pad_id: &str) -> Result<(), PadError> {
        let (info, _) = self.find(pad_id).await?;
        if let Some(node) = owner::route(self, &info.id).await? {
            return owner::forward(self, node, owner::Call::Erase { pad: info.id })
                .await
                .map(|_| ());
        }
        self.erase_here(&info.id).await
    }

    /// `erase` on the node that owns the pad.
    pub(crate) async fn erase_here(&self, pad_id: &str) -> Result<(), PadError> {
        let (info, _) = self.find(pad_id).await?;
        let slot = self.slot(&info.id);
        let mut guard = slot.state.lock().await;
        let id = info.id.clone();
        self.db
            .write(move |tx| {
                tx.execute(
                    "UPDATE pads SET deleted_at = ?2 WHERE id = ?1",
                    params![id, now_ms()],
                )?;
                for table in [
                    "pad_comments",
                    "pad_comment_threads",
                    "pad_revisions",
                    "pad_snapshots",
                    "pad_chat",
                    "pad_saved_revisions",
                    "pad_grants",
                    "pad_authors",
                    "pad_images",
                ] {
                    tx.execute(&format!("DELETE FROM {table} WHERE pad_id = ?1"), [&id])?;
                }
                Ok(())
            })
            .await?;
        self.remove_images_of(&info.readonly_id).await;
        *guard = None;
        let ev = PadEvent::Deleted.to_value();
        self.hub
            .broadcast_event(&edit_topic(&info.id), None, &ev, None);
        self.hub
            .broadcast_event(&view_topic(&info.readonly_id), None, &ev, None);
        drop(guard);
        self.hub.reauthorize(&edit_topic(&info.id)).await;
        self.hub.reauthorize(&view_topic(&info.readonly_id)).await;
        Ok(())
    }

    /// A pad the actor may open: as `find`, and the password given if the pad has one (its
    /// creator and instance admins never need it).
    pub async fn open(
        &self,
        id_or_readonly: &str,
        actor: Option<&Actor>,
    ) -> Result<(PadInfo, bool), PadError> {
        let (info, readonly) = self.find(id_or_readonly).await?;
        // A group pad of Etherpad's API opens with a session of its group (its read-only link
        // is public, as in Etherpad).
        if let (Some(group), false) = (crate::etherpad::group_of(&info.id), readonly) {
            crate::etherpad::check_group_access(self, group, actor).await?;
        }
        if !info.protected {
            return Ok((info, readonly));
        }
        let Some(actor) = actor else {
            return Err(PadError::PasswordRequired);
        };
        if info.owner_id.as_deref() == Some(actor.id()) || actor.require_admin().is_ok() {
            return Ok((info, readonly));
        }
        let (pad, who) = (info.id.clone(), actor.id().to_string());
        let granted = self
            .db
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT EXISTS(SELECT 1 FROM pad_grants WHERE pad_id = ?1 AND actor_id = ?2)",
                    params![pad, who],
                    |r| r.get::<_, bool>(0),
                )?)
            })
            .await?;
        if granted {
            Ok((info, readonly))
        } else {
            Err(PadError::PasswordRequired)
        }
    }

    /// Sets or removes (None) the pad's password: its creator or an admin.
    pub async fn set_password(
        &self,
        pad_id: &str,
        actor: &Actor,
        password: Option<String>,
    ) -> Result<(), PadError> {
        let (info, readonly) = self.find(pad_id).await?;
        let is_owner = info.owner_id.as_deref() == Some(actor.id());
        if readonly || (!is_owner && actor.require_admin().is_err()) {
            return Err(PadError::Other(Error::forbidden(
                "only the pad's creator or an admin can change its password",
            )));
        }
        let hash = match password {
            Some(p) if p.chars().count() < 4 || p.len() > 1024 => {
                return Err(PadError::Other(Error::validation(
                    "pad password: 4 to 1024 characters",
                )))
            }
            Some(p) => Some(self.auth.hash_secret(p).await?),
            None => None,
        };
        let id = info.id.clone();
        self.db
            .write(move |tx| {
                tx.execute(
                    "UPDATE pads SET password_hash = ?2 WHERE id = ?1",
                    params![id, hash],
                )?;
                // A new password (or none) invalidates what was granted with the old one.
                tx.execute("DELETE FROM pad_grants WHERE pad_id = ?1", [&id])?;
                Ok(())
            })
            .await?;
        // Whoever is in the pad without the new password leaves it now (its owner and admins
        // stay), and nothing they still had queued is applied.
        self.hub.reauthorize(&edit_topic(&info.id)).await;
        self.hub.reauthorize(&view_topic(&info.readonly_id)).await;
        Ok(())
    }

    /// Checks the pad's password and remembers that this actor gave it.
    /// `ip`: the client's address, whose wrong guesses are throttled.
    pub async fn unlock(
        &self,
        pad_id: &str,
        actor: &Actor,
        ip: &str,
        password: String,
    ) -> Result<(), PadError> {
        let (info, _) = self.find(pad_id).await?;
        let id = info.id.clone();
        let hash: Option<String> = self
            .db
            .read(move |c| {
                Ok(
                    c.query_row("SELECT password_hash FROM pads WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?,
                )
            })
            .await?;
        let Some(hash) = hash else { return Ok(()) };
        if !self.auth.verify_secret_from(ip, password, hash).await? {
            return Err(PadError::Other(Error::forbidden("wrong pad password")));
        }
        let (pad, who) = (info.id, actor.id().to_string());
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO pad_grants (pad_id, actor_id, granted_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    params![pad, who, now_ms()],
                )?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Remembers that a signed-in user opened the pad ("recent pads").
    pub async fn record_visit(&self, user_id: &str, pad_id: &str) -> Result<(), PadError> {
        let (u, p) = (user_id.to_string(), pad_id.to_string());
        self.db
            .write(move |tx| {
                let now = now_ms();
                tx.execute(
                    "INSERT INTO pad_visits (user_id, pad_id, visited_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id, pad_id) DO UPDATE SET visited_at = excluded.visited_at",
                    params![u, p, now],
                )?;
                tx.execute(
                    "UPDATE pads SET last_used_at = ?2 WHERE id = ?1",
                    params![p, now],
                )?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Every live pad's id (Etherpad's listAllPads).
    pub async fn all_pad_ids(&self) -> Result<Vec<String>, PadError> {
        Ok(self
            .db
            .read(|c| {
                let mut s =
                    c.prepare("SELECT id FROM pads WHERE deleted_at IS NULL ORDER BY created_at")?;
                let rows = s.query_map([], |r| r.get::<_, String>(0))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }

    /// Pads a user created or opened, most recent first (the 200 latest).
    pub async fn list_for(&self, user_id: &str) -> Result<Vec<MyPad>, PadError> {
        self.list_up_to(user_id, 200).await
    }

    /// Every pad of `list_for`, however many (the data export must not stop at a page).
    pub async fn list_all_for(&self, user_id: &str) -> Result<Vec<MyPad>, PadError> {
        self.list_up_to(user_id, i64::MAX).await
    }

    async fn list_up_to(&self, user_id: &str, limit: i64) -> Result<Vec<MyPad>, PadError> {
        let u = user_id.to_string();
        Ok(self
            .db
            .read(move |c| {
                let mut s = c.prepare(
                    "SELECT p.id, p.rev, p.updated_at, v.visited_at, p.owner_id = ?1
                     FROM pads p LEFT JOIN pad_visits v ON v.pad_id = p.id AND v.user_id = ?1
                     WHERE p.deleted_at IS NULL AND (p.owner_id = ?1 OR v.user_id IS NOT NULL)
                     ORDER BY COALESCE(v.visited_at, p.updated_at) DESC LIMIT ?2",
                )?;
                let rows = s.query_map(nichoir_storage::params![u, limit], |r| {
                    Ok(MyPad {
                        id: r.get(0)?,
                        rev: r.get(1)?,
                        updated_at: nichoir_core::time::rfc3339(r.get(2)?),
                        visited_at: r.get::<_, Option<i64>>(3)?.map(nichoir_core::time::rfc3339),
                        owned: r.get(4)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }
}

/// The `ops` frame of a stored batch, around its revisions already serialised (`list`, a JSON
/// array of [`WireRev`]): the list is written once and shared by every frame of the batch.
/// The same JSON as [`PadEvent::Ops`] (tested below).
fn ops_frame(list: &str) -> String {
    format!("{{\"type\":\"ops\",\"ops\":{list}}}")
}

/// The `ack` frame to an author of a batch, around the batch's `list` (see [`ops_frame`]); the
/// same JSON as [`PadEvent::Ack`].
fn ack_frame(rev: u64, client_id: &str, seq: u64, list: &str) -> String {
    let client_id = serde_json::to_string(client_id).unwrap_or_default();
    format!(
        "{{\"type\":\"ack\",\"rev\":{rev},\"client_id\":{client_id},\"seq\":{seq},\"ops\":{list}}}"
    )
}

#[cfg(test)]
mod frame_tests {
    use super::*;

    /// The batch frames written by hand are the typed events, byte for byte as JSON values.
    #[test]
    fn batch_frames_are_the_typed_events() {
        let mut op = Operation::new();
        op.retain(2).insert("é\"🙂").delete(1);
        let revs = [
            WireRev {
                rev: 7,
                op: &op,
                author: "u1",
                client_id: "c\"1",
                seq: 3,
            },
            WireRev {
                rev: 8,
                op: &op,
                author: "u2",
                client_id: "c2",
                seq: 9,
            },
        ];
        let list = serde_json::to_string(&revs).expect("list");
        let parsed = |s: String| serde_json::from_str::<Value>(&s).expect("json");
        assert_eq!(
            parsed(ops_frame(&list)),
            PadEvent::Ops { ops: &revs }.to_value()
        );
        let ack = PadEvent::Ack {
            rev: 8,
            client_id: "c\"1",
            seq: 3,
            ops: Some(&revs),
        };
        assert_eq!(parsed(ack_frame(8, "c\"1", 3, &list)), ack.to_value());
    }
}
