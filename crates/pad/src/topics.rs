//! The realtime side of pads: `pad:<id>` for editors (the id is the capability, as in Etherpad),
//! `padro:<readonly id>` for read-only viewers.
//!
//! Client → server (`publish` data): `{"type":"op","client_id","seq","rev","op"}`,
//! `{"type":"sync","rev"}` (after a reconnect: get every revision after `rev`),
//! `{"type":"caret","rev","anchor","head"}` (relayed, not stored), `{"type":"chat","text"}`.
//! Server → client (`event` data): `state`, `ops`, `ack`, `author`, `caret`, `chat` (`message`:
//! id, author_id, name, color, text, created_at), `synced`, `deleted`, `error` (with `code`, and
//! `client_id`/`seq` for a refused edit; the pad is unchanged).
//!
//! Revisions travel in lists: `ops` is an array of `{rev, op, author, client_id, seq}` in
//! revision order. Each stored batch of edits (group commit) is one frame per connection: `ops`
//! for the members who wrote none of it, the same text for all of them; a connection that wrote
//! an edit of the batch gets `{"type":"ack","rev","client_id","seq","ops"}` instead, naming its
//! edit, with the same `ops` — its edit in the list, at its place among the others, is the
//! acknowledgement. An `ack` without `ops` answers the resend of an edit already stored. The
//! answer to `sync` is `ops` too (in several frames if long), then `synced`. A batch longer than
//! 500 edits is sent in several frames.
//!
//! The frames are types (`api.rs`): [`PadClientFrame`] in, [`PadEvent`] out. A frame that is not
//! a `PadClientFrame` is answered `invalid_op`, never dropped unanswered.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::{ConnId, Hub, Peer, TokenBucket, TopicHandler};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{PadClientFrame, PadEvent};
use crate::service::{edit_topic, view_topic, PadError, PadService};

pub struct PadTopics {
    service: Arc<PadService>,
    /// Per-connection edit budget (`pads.ops_per_second`, bursts of five times that).
    buckets: Mutex<HashMap<ConnId, (TokenBucket, Instant)>>,
    /// Topic → (pad id, read-only id, read-only?) for publishes: a pad's ids never change, and
    /// looking them up in the database for every edit was a large part of an edit's cost. A
    /// deleted pad stays here; the engine refuses its edits (`pad_deleted`) as `find` would.
    resolved: Mutex<HashMap<String, (String, String, bool)>>,
}

/// Topics remembered in `resolved` before it is emptied (a bound, not a working-set size).
const RESOLVED_MAX: usize = 50_000;

enum Target {
    Edit(String),
    View(String),
}

fn parse_topic(topic: &str) -> Option<Target> {
    if let Some(id) = topic.strip_prefix("pad:") {
        return Some(Target::Edit(id.to_string()));
    }
    topic
        .strip_prefix("padro:")
        .map(|id| Target::View(id.to_string()))
}

impl PadTopics {
    pub fn new(service: Arc<PadService>) -> PadTopics {
        PadTopics {
            service,
            buckets: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
        }
    }

    /// As `resolve`, remembered per topic (publishes only: subscribing always asks the database,
    /// so a deleted pad cannot be joined).
    async fn resolve_cached(&self, topic: &str) -> Result<(String, String, bool), PadError> {
        if let Some(r) = self.resolved.lock().get(topic) {
            return Ok(r.clone());
        }
        let r = self.resolve(topic).await?;
        self.remember(topic, &r);
        Ok(r)
    }

    fn remember(&self, topic: &str, resolved: &(String, String, bool)) {
        let mut map = self.resolved.lock();
        if map.len() >= RESOLVED_MAX {
            map.clear();
        }
        map.insert(topic.to_string(), resolved.clone());
    }

    fn allow(&self, conn: ConnId) -> bool {
        let now = Instant::now();
        let rate = self.service.config().ops_per_second;
        let mut map = self.buckets.lock();
        if map.len() > 10_000 {
            map.retain(|_, (_, seen)| now.duration_since(*seen).as_secs() < 60);
        }
        let (bucket, seen) = map
            .entry(conn)
            .or_insert_with(|| (TokenBucket::new(rate, rate * 5, now), now));
        *seen = now;
        bucket.take(now)
    }

    /// Why an edit from `conn` is refused before it is read: a read-only link, or too many
    /// edits (the budget is spent by malformed edits too).
    fn edit_refused(&self, readonly: bool, conn: ConnId) -> Option<PadError> {
        if readonly {
            return Some(PadError::Other(Error::forbidden(
                "this is a read-only link",
            )));
        }
        if !self.allow(conn) {
            return Some(PadError::Other(Error::rate_limited(1)));
        }
        None
    }

    /// Answers a frame that is not a [`PadClientFrame`] (`reason`: what serde found wrong):
    /// `invalid_op`, and for an edit the answer names it by its `client_id` and `seq` as sent.
    /// A read-only viewer's carets are ignored, well-formed or not.
    fn refuse_frame(
        &self,
        data: &Value,
        readonly: bool,
        from: &Peer,
        reason: String,
        reply_error: impl Fn(&PadError, Option<(String, Value)>),
    ) {
        let kind = data.get("type").and_then(Value::as_str);
        let refused = PadError::InvalidOp(reason);
        match kind {
            Some("op") => {
                let client_id = data.get("client_id").and_then(Value::as_str).unwrap_or("");
                let seq = data.get("seq").cloned().unwrap_or(Value::Null);
                let ids = Some((client_id.to_string(), seq));
                let refused = self.edit_refused(readonly, from.conn).unwrap_or(refused);
                reply_error(&refused, ids);
            }
            Some("caret") if readonly => {}
            _ => reply_error(&refused, None),
        }
    }

    /// The pad id behind a topic, checking the topic's kind against the pad.
    async fn resolve(&self, topic: &str) -> Result<(String, String, bool), PadError> {
        match parse_topic(topic) {
            Some(Target::Edit(id)) => {
                let (info, readonly) = self.service.find(&id).await?;
                if readonly {
                    return Err(PadError::NotFound);
                }
                Ok((info.id, info.readonly_id, false))
            }
            Some(Target::View(ro)) => {
                let (info, readonly) = self.service.find(&ro).await?;
                if !readonly {
                    return Err(PadError::NotFound);
                }
                Ok((info.id, info.readonly_id, true))
            }
            None => Err(PadError::NotFound),
        }
    }
}

#[async_trait::async_trait]
impl TopicHandler for PadTopics {
    async fn authorize(&self, actor: &Actor, topic: &str) -> Result<(), Error> {
        let (id, _, _) = self.resolve(topic).await?;
        self.service.open(&id, Some(actor)).await?;
        Ok(())
    }

    async fn on_subscribe(
        &self,
        _hub: &Hub,
        peer: &Peer,
        actor: &Actor,
        topic: &str,
    ) -> Result<(), Error> {
        let resolved = self.resolve(topic).await?;
        // Whoever joins a pad is about to edit it: its first edit need not ask the database.
        self.remember(topic, &resolved);
        let (id, _, readonly) = resolved;
        self.service
            .send_state(&id, peer.conn, topic, readonly)
            .await?;
        if let Some(user) = actor.as_user() {
            self.service.record_visit(&user.id, &id).await?;
        }
        Ok(())
    }

    async fn on_publish(
        &self,
        hub: &Hub,
        from: &Peer,
        actor: &Actor,
        topic: &str,
        data: Value,
    ) -> Result<(), Error> {
        let reply_error = |e: &PadError, edit: Option<(String, Value)>| {
            let (client_id, seq) = edit.unzip();
            let frame = PadEvent::Error {
                code: e.code(),
                message: e.to_string(),
                client_id,
                seq,
            };
            hub.send_event_to(from.conn, topic, &frame);
        };
        let (id, readonly_id, readonly) = match self.resolve_cached(topic).await {
            Ok(r) => r,
            Err(e) => {
                reply_error(&e, None);
                return Ok(());
            }
        };
        let frame = match PadClientFrame::deserialize(&data) {
            Ok(frame) => frame,
            Err(e) => {
                self.refuse_frame(&data, readonly, from, e.to_string(), reply_error);
                return Ok(());
            }
        };
        match frame {
            PadClientFrame::Op {
                client_id,
                seq,
                rev,
                op,
            } => {
                let ids = Some((client_id.clone(), Value::from(seq)));
                if let Some(refused) = self.edit_refused(readonly, from.conn) {
                    reply_error(&refused, ids);
                    return Ok(());
                }
                let result = async {
                    let op = self.service.parse_op(&op)?;
                    self.service
                        .submit(&id, actor, &client_id, seq, rev, op, Some(from.conn))
                        .await
                }
                .await;
                if let Err(e) = result {
                    reply_error(&e, ids);
                }
            }
            PadClientFrame::Sync { rev } => {
                if let Err(e) = self.service.sync(&id, from.conn, topic, rev).await {
                    reply_error(&e, None);
                }
            }
            PadClientFrame::Caret { rev, anchor, head } => {
                if readonly {
                    return Ok(());
                }
                let ev = PadEvent::Caret {
                    conn: from.conn,
                    author: &from.id,
                    name: &from.display_name,
                    color: &from.avatar_color,
                    rev,
                    anchor,
                    head,
                };
                hub.broadcast_event(&edit_topic(&id), None, &ev, Some(from.conn));
                hub.broadcast_event(&view_topic(&readonly_id), None, &ev, None);
            }
            PadClientFrame::Chat { text } => {
                if let Err(e) = self.service.post_chat(&id, actor, &text).await {
                    reply_error(&e, None);
                }
            }
        }
        Ok(())
    }
}
