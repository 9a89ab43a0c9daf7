//! Edits coming in: checking an edit from the wire, queueing it on its pad, pacing a crowded
//! pad's batches, and replacing the whole text.

use super::*;

/// The outcome of one submitted edit.
#[derive(Debug, Clone)]
pub struct Applied {
    pub rev: u64,
    /// True when this (client, seq) had already been applied: nothing changed.
    pub duplicate: bool,
}

/// One edit waiting for its pad's next batch.
pub(super) struct Pending {
    pub(super) author: Author,
    pub(super) client_id: String,
    pub(super) seq: u64,
    pub(super) base_rev: u64,
    pub(super) op: Operation,
    pub(super) origin: Option<ConnId>,
    pub(super) reply: tokio::sync::oneshot::Sender<Result<Applied, PadError>>,
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

pub(super) fn author_of(actor: &Actor) -> Author {
    Author {
        id: actor.id().to_string(),
        name: actor.display_name().to_string(),
        color: actor.avatar_color().to_string(),
    }
}

impl PadService {
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
}
