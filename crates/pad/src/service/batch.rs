//! Group commit: a batch of queued edits, each transformed onto the batch's text, stored in one
//! write, then acknowledged and broadcast while the pad lock is held.

use super::*;

/// How often a busy pad's row takes its head and times (milliseconds): listings and the pad
/// expiry read them, and may be this late; the head itself is read from the revisions.
const HEAD_EVERY_MS: i64 = 10_000;

enum Acceptance {
    /// Already stored (and broadcast) at this revision: acknowledge at once.
    Duplicate(u64),
    /// A copy of an edit accepted earlier in this batch: acknowledge only after the commit.
    DuplicateInBatch(u64),
    New(Operation),
}

/// An edit accepted into a batch, before the batch is stored.
pub(super) struct Accepted {
    pub(super) rev: u64,
    pub(super) op: Operation,
    pub(super) author: Author,
    pub(super) client_id: String,
    pub(super) seq: u64,
    pub(super) origin: Option<ConnId>,
    pub(super) reply: tokio::sync::oneshot::Sender<Result<Applied, PadError>>,
}

/// The ack owed to a copy of an edit stored in the same batch.
pub(super) struct LaterAck {
    pub(super) rev: u64,
    pub(super) origin: Option<ConnId>,
    pub(super) client_id: String,
    pub(super) seq: u64,
    pub(super) reply: tokio::sync::oneshot::Sender<Result<Applied, PadError>>,
}

impl PadService {
    /// Applies a batch of edits under the pad lock. Nothing in memory changes unless the batch's
    /// transaction committed.
    pub(super) async fn process_batch(
        &self,
        pad_id: &str,
        guard: &mut Option<PadState>,
        batch: Vec<Pending>,
    ) {
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
                        self.hub.send_event_to(conn, &edit_topic(pad_id), &ack);
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
            };
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
                self.hub.send_event_to(conn, &topics[0], &ack);
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
}
