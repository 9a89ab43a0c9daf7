//! A pad's state in memory and its lock (`Slot`): loading it from the newest snapshot and the
//! revisions after it, running code under the lock, and letting idle pads leave memory.

use super::*;

pub(super) struct PadState {
    pub(super) info: PadInfo,
    pub(super) text: String,
    pub(super) len: usize,
    pub(super) authorship: Authorship,
    pub(super) recent: Window,
    /// Every client's last applied (seq, rev), loaded with the pad: the fast path of idempotent
    /// resend, and a client missing here has never edited the pad.
    pub(super) last_seq: HashMap<String, (u64, u64)>,
    /// The pad's authors as stored (id → name, colour): an edit by a known author under the
    /// same name writes no author row, a statement less per batch.
    pub(super) authors: HashMap<String, (String, String)>,
    /// Per base revision in use, the revisions since it composed (late edits' transforms).
    pub(super) missed: MissedSince,
    /// When the pad's row last took its head (see `store::true_head`).
    pub(super) head_written_at: i64,
}

/// Text and authorship after `tail`, from a snapshot. The operations are composed first and the
/// text rewritten once, so opening a large pad costs one pass over its text, not one per revision.
pub(super) fn replay(
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

/// A pad's lock (the loaded state) and its queue of edits waiting for the lock.
#[derive(Default)]
pub(super) struct Slot {
    pub(super) state: tokio::sync::Mutex<Option<PadState>>,
    pub(super) queue: Mutex<Vec<Pending>>,
    /// When the last batch was taken from the queue (only read and written under `state`).
    pub(super) last_batch: Mutex<Option<Instant>>,
    /// The pad's last use, for leaving memory when idle (see `idle.rs`).
    pub(super) touched: Mutex<Option<Instant>>,
}

impl PadService {
    pub(super) fn slot(&self, id: &str) -> Arc<Slot> {
        let slot = self.pads.lock().entry(id.to_string()).or_default().clone();
        *slot.touched.lock() = Some(Instant::now());
        slot
    }

    /// Sockets following a pad: its editors, and its read-only viewers when the pad is loaded
    /// (their topic is named by the read-only id, which the state holds).
    pub(super) fn members(&self, pad_id: &str, state: Option<&PadState>) -> usize {
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

    pub(super) async fn load(&self, id: &str) -> Result<PadState, PadError> {
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
    pub(super) async fn stored_head(&self, pad_id: &str) -> Result<Option<u64>, StorageError> {
        let pad = pad_id.to_string();
        self.db.read(move |c| store::true_head(c, &pad)).await
    }

    /// Runs `f` on the loaded pad under its lock.
    pub(super) async fn with_pad<R>(
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
}
