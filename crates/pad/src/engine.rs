//! The per-pad engine: one lock per pad orders its edits. An edit based on revision r is
//! transformed against the revisions after r, applied, stored (the writer's commit is awaited:
//! an acknowledged edit survives a crash), then acknowledged to its author and broadcast to the
//! others while the lock is still held, so every client sees revisions in order.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::config::PadsConfig;
use nichoir_core::ids::random_token;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_ot::Operation;
use nichoir_realtime::{ConnId, Hub};
use nichoir_storage::{params, Db, StorageError};
use parking_lot::Mutex;
use serde_json::{json, Value};

use crate::authorship::Authorship;
use crate::model::{Author, PadInfo, RevisionInfo};
use crate::store::{self, NewRev, StoredRev};

/// Revisions kept in memory per pad for transforming late edits without a database read.
const RECENT: usize = 1000;

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
    #[error("{0}")]
    Other(#[from] Error),
}

impl PadError {
    pub fn code(&self) -> &'static str {
        match self {
            PadError::NotFound => "not_found",
            PadError::Deleted => "pad_deleted",
            PadError::RevFromFuture(_) => "rev_from_future",
            PadError::InvalidOp(_) => "invalid_op",
            PadError::OpTooLarge => "op_too_large",
            PadError::PadTooLarge => "pad_too_large",
            PadError::NameTaken => "conflict",
            PadError::Other(e) => e.code.as_str(),
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
    recent: VecDeque<Arc<StoredRev>>,
    /// Last applied (seq, rev) per client, the fast path of idempotent resend.
    last_seq: HashMap<String, (u64, u64)>,
}

/// The outcome of one submitted edit.
#[derive(Debug, Clone)]
pub struct Applied {
    pub rev: u64,
    /// True when this (client, seq) had already been applied: nothing changed.
    pub duplicate: bool,
}

pub struct PadService {
    db: Db,
    hub: Hub,
    config: PadsConfig,
    pads: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<PadState>>>>>,
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
    pub fn new(db: Db, hub: Hub, config: PadsConfig) -> PadService {
        PadService {
            db,
            hub,
            config,
            pads: Mutex::new(HashMap::new()),
        }
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

    fn slot(&self, id: &str) -> Arc<tokio::sync::Mutex<Option<PadState>>> {
        self.pads
            .lock()
            .entry(id.to_string())
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(None)))
            .clone()
    }

    async fn load(&self, id: &str) -> Result<PadState, PadError> {
        let key = id.to_string();
        let loaded = self
            .db
            .read(move |c| {
                let Some((info, deleted)) = store::pad_by(c, "id", &key)? else {
                    return Ok(None);
                };
                let (snap_rev, text, auth) = store::snapshot_at(c, &key, info.rev)?;
                let tail = store::revisions_between(c, &key, snap_rev, info.rev)?;
                Ok(Some((info, deleted, text, auth, tail)))
            })
            .await?;
        let Some((info, deleted, mut text, mut authorship, tail)) = loaded else {
            return Err(PadError::NotFound);
        };
        if deleted {
            return Err(PadError::Deleted);
        }
        let mut recent = VecDeque::with_capacity(tail.len().min(RECENT));
        for r in tail {
            text = r.op.apply(&text).map_err(|e| {
                PadError::Other(Error::internal(format!("pad {id} rev {}: {e}", r.rev)))
            })?;
            authorship = authorship.apply(&r.op, &r.author_id).ok_or_else(|| {
                PadError::Other(Error::internal(format!(
                    "pad {id} authorship at rev {}",
                    r.rev
                )))
            })?;
            recent.push_back(Arc::new(r));
            if recent.len() > RECENT {
                recent.pop_front();
            }
        }
        Ok(PadState {
            len: text.chars().count(),
            info,
            text,
            authorship,
            recent,
            last_seq: HashMap::new(),
        })
    }

    /// Runs `f` on the loaded pad under its lock.
    async fn with_pad<R>(
        &self,
        id: &str,
        f: impl AsyncFnOnce(&mut PadState) -> Result<R, PadError>,
    ) -> Result<R, PadError> {
        let slot = self.slot(id);
        let mut guard = slot.lock().await;
        if guard.is_none() {
            *guard = Some(self.load(id).await?);
        }
        match guard.as_mut() {
            Some(state) => f(state).await,
            None => Err(PadError::NotFound),
        }
    }

    /// The current text, revision, authorship and authors (also what a joining client gets).
    pub async fn state_event(&self, id: &str, readonly: bool) -> Result<Value, PadError> {
        let key = id.to_string();
        let authors = self.db.read(move |c| store::authors(c, &key)).await?;
        self.with_pad(id, async |p| {
            let mut v = json!({
                "type": "state",
                "pad": p.info.id,
                "rev": p.info.rev,
                "text": p.text,
                "authorship": p.authorship,
                "authors": authors,
                "readonly": readonly,
            });
            if !readonly {
                v["readonly_id"] = json!(p.info.readonly_id);
            }
            Ok(v)
        })
        .await
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
        let key = id.to_string();
        let authors = self.db.read(move |c| store::authors(c, &key)).await?;
        let hub = self.hub.clone();
        self.with_pad(id, async |p| {
            let mut v = json!({
                "type": "state", "pad": p.info.id, "rev": p.info.rev, "text": p.text,
                "authorship": p.authorship, "authors": authors, "readonly": readonly,
            });
            if !readonly {
                v["readonly_id"] = json!(p.info.readonly_id);
            }
            hub.send_event_to(conn, topic, &v);
            Ok(())
        })
        .await
    }

    /// Checks an untrusted edit from the wire against the configured limits.
    pub fn parse_op(&self, value: &Value) -> Result<Operation, PadError> {
        nichoir_ot::parse_op(
            value,
            self.config.max_op_components as usize,
            self.config.max_op_chars as usize,
        )
        .map_err(|e| match e {
            nichoir_ot::OtError::TooLarge => PadError::OpTooLarge,
            other => PadError::InvalidOp(other.to_string()),
        })
    }

    /// Applies an edit made on revision `base_rev`. `origin` is the author's connection (it gets
    /// the ack; everyone else gets the edit).
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
        if client_id.is_empty() || client_id.len() > 64 {
            return Err(PadError::InvalidOp("client_id: 1 to 64 characters".into()));
        }
        if op.deleted_chars() > self.config.max_op_chars as usize {
            return Err(PadError::OpTooLarge);
        }
        let author = author_of(actor);
        let db = self.db.clone();
        let hub = self.hub.clone();
        let cfg = self.config.clone();
        let (client, pad) = (client_id.to_string(), pad_id.to_string());
        self.with_pad(pad_id, async move |p| {
            // Idempotent resend: an edit already applied is acknowledged again, not re-applied.
            let known = p.last_seq.get(&client).copied();
            let dup = match known {
                Some((s, rev)) if s == seq => Some(rev),
                Some((s, _)) if seq < s => {
                    let (pad2, client2) = (pad.clone(), client.clone());
                    db.read(move |c| store::rev_of_client_seq(c, &pad2, &client2, seq)).await?
                }
                None => {
                    let (pad2, client2) = (pad.clone(), client.clone());
                    db.read(move |c| store::rev_of_client_seq(c, &pad2, &client2, seq)).await?
                }
                _ => None,
            };
            if let Some(rev) = dup {
                if let Some(conn) = origin {
                    hub.send_event_to(conn, &edit_topic(&pad), &json!({"type": "ack", "rev": rev, "client_id": client, "seq": seq}));
                }
                return Ok(Applied { rev, duplicate: true });
            }
            let head = p.info.rev;
            if base_rev > head {
                return Err(PadError::RevFromFuture(base_rev));
            }
            // Transform against every revision the client had not seen.
            let mut op = op;
            let missing: Vec<Arc<StoredRev>> = if p.recent.front().is_some_and(|r| r.rev <= base_rev + 1) || base_rev == head {
                p.recent.iter().filter(|r| r.rev > base_rev).cloned().collect()
            } else {
                let pad2 = pad.clone();
                db.read(move |c| store::revisions_between(c, &pad2, base_rev, head))
                    .await?
                    .into_iter()
                    .map(Arc::new)
                    .collect()
            };
            for r in &missing {
                let (_, mine) = Operation::transform(&r.op, &op).map_err(|e| PadError::InvalidOp(e.to_string()))?;
                op = mine;
            }
            if op.base_len() != p.len {
                return Err(PadError::InvalidOp(format!(
                    "the edit expects {} characters, the pad has {}",
                    op.base_len(),
                    p.len
                )));
            }
            if op.target_len() > cfg.max_pad_chars as usize && op.target_len() > p.len {
                return Err(PadError::PadTooLarge);
            }
            let text = op.apply(&p.text).map_err(|e| PadError::InvalidOp(e.to_string()))?;
            let authorship = p
                .authorship
                .apply(&op, &author.id)
                .ok_or_else(|| PadError::InvalidOp("authorship mismatch".into()))?;
            let rev = head + 1;
            let now = now_ms();
            let snapshot = rev % cfg.snapshot_every.max(1) == 0;
            let (pad2, client2, op2, author2, text2, auth2) =
                (pad.clone(), client.clone(), op.clone(), author.clone(), snapshot.then(|| text.clone()), authorship.clone());
            let new_author = db
                .write(move |tx| {
                    store::insert_revision(
                        tx,
                        &NewRev {
                            pad: &pad2,
                            rev,
                            op: &op2,
                            author: &author2,
                            client_id: &client2,
                            seq,
                            now,
                            snapshot: text2.as_deref().map(|t| (t, &auth2)),
                        },
                    )
                })
                .await?;
            p.len = op.target_len();
            p.text = text;
            p.authorship = authorship;
            p.info.rev = rev;
            p.info.updated_at = now;
            p.last_seq.insert(client.clone(), (seq, rev));
            let stored = Arc::new(StoredRev { rev, op, author_id: author.id.clone(), client_id: client.clone(), seq });
            p.recent.push_back(stored.clone());
            if p.recent.len() > RECENT {
                p.recent.pop_front();
            }
            let topics = [edit_topic(&pad), view_topic(&p.info.readonly_id)];
            if new_author {
                let ev = json!({"type": "author", "id": author.id, "name": author.name, "color": author.color});
                for t in &topics {
                    hub.broadcast_event(t, None, &ev, None);
                }
            }
            let ev = json!({
                "type": "op", "rev": rev, "op": stored.op, "author": stored.author_id,
                "client_id": stored.client_id, "seq": seq,
            });
            hub.broadcast_event(&topics[0], None, &ev, origin);
            hub.broadcast_event(&topics[1], None, &ev, None);
            if let Some(conn) = origin {
                hub.send_event_to(conn, &topics[0], &json!({"type": "ack", "rev": rev, "client_id": client, "seq": seq}));
            }
            Ok(Applied { rev, duplicate: false })
        })
        .await
    }

    /// Sends `conn` every revision after `rev` (a reconnecting client catching up), then `synced`.
    pub async fn sync(
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
            let revs: Vec<Arc<StoredRev>> = if p.recent.front().is_some_and(|r| r.rev <= rev + 1) || rev == head {
                p.recent.iter().filter(|r| r.rev > rev).cloned().collect()
            } else {
                db.read(move |c| store::revisions_between(c, &pad, rev, head)).await?.into_iter().map(Arc::new).collect()
            };
            for r in revs {
                hub.send_event_to(conn, topic, &json!({
                    "type": "op", "rev": r.rev, "op": r.op, "author": r.author_id, "client_id": r.client_id, "seq": r.seq,
                }));
            }
            hub.send_event_to(conn, topic, &json!({"type": "synced", "rev": head}));
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
                let (snap, text, auth) = store::snapshot_at(c, &key, rev)?;
                let tail = store::revisions_between(c, &key, snap, rev)?;
                Ok((snap, text, auth, tail))
            })
            .await?;
        let _ = snap;
        let (mut text, mut auth) = (text, auth);
        for r in tail {
            text =
                r.op.apply(&text)
                    .map_err(|e| PadError::Other(Error::internal(e)))?;
            auth = auth
                .apply(&r.op, &r.author_id)
                .ok_or_else(|| PadError::Other(Error::internal("authorship")))?;
        }
        Ok((text, auth))
    }

    pub async fn current_text(&self, pad_id: &str) -> Result<(String, u64), PadError> {
        let (info, _) = self.find(pad_id).await?;
        self.with_pad(&info.id, async |p| Ok((p.text.clone(), p.info.rev)))
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
        let (current, rev) = self.current_text(pad_id).await?;
        let op = nichoir_ot::diff(&current, text);
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
        let slot = self.slot(&info.id);
        let mut guard = slot.lock().await;
        let id = info.id.clone();
        self.db
            .write(move |tx| {
                tx.execute(
                    "UPDATE pads SET deleted_at = ?2 WHERE id = ?1",
                    params![id, now_ms()],
                )?;
                tx.execute("DELETE FROM pad_revisions WHERE pad_id = ?1", [&id])?;
                tx.execute("DELETE FROM pad_snapshots WHERE pad_id = ?1", [&id])?;
                Ok(())
            })
            .await?;
        *guard = None;
        let ev = json!({"type": "deleted"});
        self.hub
            .broadcast_event(&edit_topic(&info.id), None, &ev, None);
        self.hub
            .broadcast_event(&view_topic(&info.readonly_id), None, &ev, None);
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

    /// Pads a user created or opened, most recent first.
    pub async fn list_for(&self, user_id: &str) -> Result<Vec<Value>, PadError> {
        let u = user_id.to_string();
        Ok(self
            .db
            .read(move |c| {
                let mut s = c.prepare(
                    "SELECT p.id, p.rev, p.updated_at, v.visited_at, p.owner_id = ?1
                     FROM pads p LEFT JOIN pad_visits v ON v.pad_id = p.id AND v.user_id = ?1
                     WHERE p.deleted_at IS NULL AND (p.owner_id = ?1 OR v.user_id IS NOT NULL)
                     ORDER BY COALESCE(v.visited_at, p.updated_at) DESC LIMIT 200",
                )?;
                let rows = s.query_map([&u], |r| {
                    Ok(json!({
                        "id": r.get::<_, String>(0)?,
                        "rev": r.get::<_, i64>(1)?,
                        "updated_at": nichoir_core::time::rfc3339(r.get(2)?),
                        "visited_at": r.get::<_, Option<i64>>(3)?.map(nichoir_core::time::rfc3339),
                        "owned": r.get::<_, bool>(4)?,
                    }))
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }
}
