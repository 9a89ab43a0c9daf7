//! The state sent to a connection that joins, and the revisions a reconnecting client missed.

use super::*;

impl PadService {
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
            hub.send_event_to(conn, topic, &state);
            Ok(())
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
                hub.send_event_to(conn, topic, &PadEvent::Ops { ops: &ops });
            }
            hub.send_event_to(conn, topic, &PadEvent::Synced { rev: head });
            Ok(())
        })
        .await
    }
}
