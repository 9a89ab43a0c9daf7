//! Topics, members and fan-out. Tools register a [`TopicHandler`] for a topic prefix
//! (`pad:…`, `chat:…`); the handler decides who may join and what a publish does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::config::RealtimeConfig;
use nichoir_core::Error;
use parking_lot::RwLock;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, watch, Notify};

use crate::protocol::ServerMessage;

pub type ConnId = u64;

/// Who is connected: shown to the other members of a topic.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Peer {
    pub conn: ConnId,
    pub id: String,
    pub display_name: String,
    pub avatar_color: String,
    pub guest: bool,
    /// The client's address, for throttling what it guesses (a room's password); never shown
    /// to the other members.
    #[serde(skip)]
    pub ip: String,
}

impl Peer {
    pub(crate) fn of(conn: ConnId, actor: &Actor, ip: String) -> Peer {
        Peer {
            conn,
            id: actor.id().to_string(),
            display_name: actor.display_name().to_string(),
            avatar_color: actor.avatar_color().to_string(),
            guest: actor.as_user().is_none(),
            ip,
        }
    }
}

#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    /// The hub asks the connection to close (too slow, kicked).
    Close(u16, &'static str),
}

/// What a tool implements for its topics.
#[async_trait::async_trait]
pub trait TopicHandler: Send + Sync {
    /// May `actor` follow `topic`? An error becomes an error frame; the client is not subscribed.
    async fn authorize(&self, actor: &Actor, topic: &str) -> Result<(), Error>;

    /// Called once the connection has joined `topic`, e.g. to send it the current state with
    /// `hub.send_event_to(peer.conn, …)`.
    async fn on_subscribe(
        &self,
        _hub: &Hub,
        _peer: &Peer,
        _actor: &Actor,
        _topic: &str,
    ) -> Result<(), Error> {
        Ok(())
    }

    /// A client published `data` on a topic it follows. The default relays it to the other members.
    async fn on_publish(
        &self,
        hub: &Hub,
        from: &Peer,
        _actor: &Actor,
        topic: &str,
        data: Value,
    ) -> Result<(), Error> {
        hub.broadcast_event(topic, Some(from), &data, Some(from.conn));
        Ok(())
    }

    /// The connection left `topic` (unsubscribed, or its socket closed). Called once, after the
    /// other members were told; must not wait (spawn what takes time).
    fn on_leave(&self, _hub: &Hub, _peer: &Peer, _topic: &str) {}
}

/// A connection's outgoing queue and its "too slow" signal.
type ConnSlot = (mpsc::Sender<Outgoing>, Arc<Notify>);

/// What a new connection gets from the hub.
pub(crate) struct Registered {
    pub id: ConnId,
    pub outgoing: mpsc::Receiver<Outgoing>,
    pub sender: mpsc::Sender<Outgoing>,
    pub slow: Arc<Notify>,
}

struct Member {
    peer: Peer,
    tx: mpsc::Sender<Outgoing>,
}

struct Inner {
    config: RealtimeConfig,
    next_conn: AtomicU64,
    handlers: RwLock<Vec<(String, Arc<dyn TopicHandler>)>>,
    topics: RwLock<HashMap<String, HashMap<ConnId, Member>>>,
    connections: RwLock<HashMap<ConnId, ConnSlot>>,
    shutdown_tx: watch::Sender<bool>,
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Hub {
    pub fn new(config: RealtimeConfig) -> Hub {
        let (shutdown_tx, _) = watch::channel(false);
        Hub {
            inner: Arc::new(Inner {
                config,
                next_conn: AtomicU64::new(1),
                handlers: RwLock::new(Vec::new()),
                topics: RwLock::new(HashMap::new()),
                connections: RwLock::new(HashMap::new()),
                shutdown_tx,
            }),
        }
    }

    pub fn config(&self) -> &RealtimeConfig {
        &self.inner.config
    }

    /// Routes topics `PREFIX:…` to `handler`. A later registration of the same prefix replaces it.
    pub fn register(&self, prefix: &str, handler: Arc<dyn TopicHandler>) {
        let mut h = self.inner.handlers.write();
        h.retain(|(p, _)| p != prefix);
        h.push((prefix.to_string(), handler));
    }

    pub(crate) fn handler_for(&self, topic: &str) -> Option<Arc<dyn TopicHandler>> {
        let prefix = topic.split_once(':').map(|(p, _)| p).unwrap_or(topic);
        self.inner
            .handlers
            .read()
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, h)| h.clone())
    }

    /// A new connection: its id, its outgoing queue, and the signal that it is too slow.
    pub(crate) fn connect(&self) -> Registered {
        let id = self.inner.next_conn.fetch_add(1, Ordering::Relaxed);
        let (sender, outgoing) = mpsc::channel(self.inner.config.send_queue as usize);
        let slow = Arc::new(Notify::new());
        self.inner
            .connections
            .write()
            .insert(id, (sender.clone(), slow.clone()));
        Registered {
            id,
            outgoing,
            sender,
            slow,
        }
    }

    pub(crate) fn disconnect(&self, conn: ConnId) {
        self.inner.connections.write().remove(&conn);
        let left: Vec<(String, Peer)> = {
            let mut topics = self.inner.topics.write();
            let mut left = Vec::new();
            topics.retain(|topic, members| {
                if let Some(m) = members.remove(&conn) {
                    left.push((topic.clone(), m.peer));
                }
                !members.is_empty()
            });
            left
        };
        for (topic, peer) in left {
            self.send_all(
                &topic,
                &ServerMessage::Presence {
                    topic: &topic,
                    joined: None,
                    left: Some(&peer),
                }
                .to_text(),
                None,
            );
            if let Some(h) = self.handler_for(&topic) {
                h.on_leave(self, &peer, &topic);
            }
        }
    }

    /// Adds the connection to the topic; returns the members (including itself).
    pub(crate) fn join(&self, topic: &str, peer: Peer, tx: mpsc::Sender<Outgoing>) -> Vec<Peer> {
        let conn = peer.conn;
        let members = {
            let mut topics = self.inner.topics.write();
            let entry = topics.entry(topic.to_string()).or_default();
            entry.insert(
                conn,
                Member {
                    peer: peer.clone(),
                    tx,
                },
            );
            entry.values().map(|m| m.peer.clone()).collect::<Vec<_>>()
        };
        self.send_all(
            topic,
            &ServerMessage::Presence {
                topic,
                joined: Some(&peer),
                left: None,
            }
            .to_text(),
            Some(conn),
        );
        members
    }

    pub(crate) fn leave(&self, topic: &str, conn: ConnId) -> bool {
        let removed = {
            let mut topics = self.inner.topics.write();
            let removed = topics.get_mut(topic).and_then(|m| m.remove(&conn));
            if topics.get(topic).is_some_and(HashMap::is_empty) {
                topics.remove(topic);
            }
            removed
        };
        if let Some(m) = &removed {
            self.send_all(
                topic,
                &ServerMessage::Presence {
                    topic,
                    joined: None,
                    left: Some(&m.peer),
                }
                .to_text(),
                None,
            );
            if let Some(h) = self.handler_for(topic) {
                h.on_leave(self, &m.peer, topic);
            }
        }
        removed.is_some()
    }

    pub fn is_member(&self, topic: &str, conn: ConnId) -> bool {
        self.inner
            .topics
            .read()
            .get(topic)
            .is_some_and(|m| m.contains_key(&conn))
    }

    pub fn members(&self, topic: &str) -> Vec<Peer> {
        self.inner
            .topics
            .read()
            .get(topic)
            .map(|m| m.values().map(|m| m.peer.clone()).collect())
            .unwrap_or_default()
    }

    /// Sends an event to every member of `topic` (but `except`, usually the author).
    pub fn broadcast_event(
        &self,
        topic: &str,
        from: Option<&Peer>,
        data: &Value,
        except: Option<ConnId>,
    ) {
        let text = ServerMessage::Event { topic, from, data }.to_text();
        self.send_all(topic, &text, except);
    }

    /// Sends an event whose `data` is already serialised (one text for many topics: a chat
    /// message goes to each member's own topic). `data_json` must be a JSON value's text.
    pub fn broadcast_event_json(&self, topic: &str, data_json: &str) {
        self.send_all(topic, &event_json_frame(topic, data_json), None);
    }

    /// How many connections follow `topic` (without copying the members).
    pub fn member_count(&self, topic: &str) -> usize {
        self.inner.topics.read().get(topic).map_or(0, HashMap::len)
    }

    /// As [`Hub::broadcast_event_json`], but not to the connections in `except`: a pad sends
    /// one shared text to most members and its own frame to the few that authored the edits.
    pub fn broadcast_event_json_except(&self, topic: &str, data_json: &str, except: &[ConnId]) {
        let text = event_json_frame(topic, data_json);
        self.send_all_where(topic, &text, |c| !except.contains(&c));
    }

    /// Sends an `event` frame whose `data` is already serialised to one connection only.
    pub fn send_event_json_to(&self, conn: ConnId, topic: &str, data_json: &str) -> bool {
        let tx = self.sender_of(conn);
        match tx {
            Some(tx) => self.deliver(conn, &tx, event_json_frame(topic, data_json)),
            None => false,
        }
    }

    /// Sends one already serialised event to every member of each of `topics` (a chat message
    /// goes to each channel member's own topic): the topics are looked up under one read lock
    /// instead of one per topic, and each frame is built once and moved, not copied, to the
    /// topic's last member. Same frames, order and slow-client rule as `broadcast_event_json`.
    pub fn broadcast_event_json_to<'a>(
        &self,
        topics: impl IntoIterator<Item = &'a str>,
        data_json: &str,
    ) {
        let mut targets: Vec<(ConnId, mpsc::Sender<Outgoing>, String)> = Vec::new();
        {
            let map = self.inner.topics.read();
            for topic in topics {
                let Some(members) = map.get(topic) else {
                    continue;
                };
                let mut text = event_json_frame(topic, data_json);
                let last = members.len().saturating_sub(1);
                for (i, (conn, m)) in members.iter().enumerate() {
                    let t = if i == last {
                        std::mem::take(&mut text)
                    } else {
                        text.clone()
                    };
                    targets.push((*conn, m.tx.clone(), t));
                }
            }
        }
        // Outside the lock: dropping a slow client takes the topics' write lock.
        for (conn, tx, text) in targets {
            self.deliver(conn, &tx, text);
        }
    }

    fn sender_of(&self, conn: ConnId) -> Option<mpsc::Sender<Outgoing>> {
        self.inner
            .connections
            .read()
            .get(&conn)
            .map(|(tx, _)| tx.clone())
    }

    /// Sends an `event` frame on `topic` to one connection only.
    pub fn send_event_to(&self, conn: ConnId, topic: &str, data: &Value) -> bool {
        let tx = self.sender_of(conn);
        match tx {
            Some(tx) => self.deliver(
                conn,
                &tx,
                ServerMessage::Event {
                    topic,
                    from: None,
                    data,
                }
                .to_text(),
            ),
            None => false,
        }
    }

    /// Sends a raw JSON frame to one connection.
    pub fn send_to(&self, conn: ConnId, value: &Value) -> bool {
        let tx = self.sender_of(conn);
        match tx {
            Some(tx) => self.deliver(conn, &tx, value.to_string()),
            None => false,
        }
    }

    fn send_all(&self, topic: &str, text: &str, except: Option<ConnId>) {
        self.send_all_where(topic, text, |c| Some(c) != except);
    }

    /// Sends `text` to the members of `topic` that `keep` accepts.
    fn send_all_where(&self, topic: &str, text: &str, keep: impl Fn(ConnId) -> bool) {
        let targets: Vec<(ConnId, mpsc::Sender<Outgoing>)> = self
            .inner
            .topics
            .read()
            .get(topic)
            .map(|m| {
                m.iter()
                    .filter(|(c, _)| keep(**c))
                    .map(|(c, m)| (*c, m.tx.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (conn, tx) in targets {
            self.deliver(conn, &tx, text.to_string());
        }
    }

    /// Never waits: a full queue means the client cannot keep up, and it is dropped.
    fn deliver(&self, conn: ConnId, tx: &mpsc::Sender<Outgoing>, text: String) -> bool {
        match tx.try_send(Outgoing::Text(text)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                // The queue is full, so the close request takes another path. The connection
                // leaves its topics now (the others are told), so it is reported only once.
                let slow = self
                    .inner
                    .connections
                    .read()
                    .get(&conn)
                    .map(|(_, s)| s.clone());
                if let Some(slow) = slow {
                    tracing::info!(conn, "realtime client too slow, dropping it");
                    slow.notify_one();
                    self.disconnect(conn);
                }
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    pub fn connection_count(&self) -> usize {
        self.inner.connections.read().len()
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown_tx.subscribe()
    }

    /// Closes every connection with 1001 "going away" (graceful shutdown).
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown_tx.send(true);
    }

    /// Closes one connection (e.g. a user whose access was revoked).
    pub fn kick(&self, conn: ConnId) {
        if let Some((tx, _)) = self.inner.connections.read().get(&conn) {
            let _ = tx.try_send(Outgoing::Close(1008, "access revoked"));
        }
    }
}

/// The `event` frame around already-serialised `data` (`data_json` must be a JSON value's text).
/// The `event` frame (no sender) of an already serialised `data_json` on `topic`.
fn event_json_frame(topic: &str, data_json: &str) -> String {
    let topic_json = serde_json::to_string(topic).unwrap_or_else(|_| "\"\"".into());
    format!("{{\"type\":\"event\",\"topic\":{topic_json},\"from\":null,\"data\":{data_json}}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn peer(conn: ConnId, id: &str) -> Peer {
        Peer {
            conn,
            id: id.into(),
            display_name: id.into(),
            avatar_color: "#000000".into(),
            guest: false,
            ip: "127.0.0.1".into(),
        }
    }

    #[tokio::test]
    async fn a_slow_member_is_dropped_and_never_slows_the_others() {
        let hub = Hub::new(RealtimeConfig {
            send_queue: 4,
            ..RealtimeConfig::default()
        });
        let slow = hub.connect();
        let (slow_id, slow_tx, slow_signal) = (slow.id, slow.sender.clone(), slow.slow.clone());
        let fast = hub.connect();
        let (fast_id, mut fast_rx, fast_tx) = (fast.id, fast.outgoing, fast.sender);
        hub.join("t:1", peer(slow_id, "slow"), slow_tx);
        hub.join("t:1", peer(fast_id, "fast"), fast_tx);
        let (mut fast_got, mut told_left) = (0, false);
        for i in 0..20 {
            hub.broadcast_event("t:1", None, &json!({"n": i}), None);
            // The fast reader keeps up.
            while let Ok(m) = fast_rx.try_recv() {
                if let Outgoing::Text(t) = m {
                    fast_got += usize::from(t.contains("\"event\""));
                    told_left |= t.contains("\"left\"") && t.contains("\"slow\"");
                }
            }
        }
        assert_eq!(fast_got, 20, "the fast member got every event");
        assert!(told_left, "the others are told the slow member left");
        assert_eq!(hub.members("t:1").len(), 1);
        tokio::time::timeout(std::time::Duration::from_secs(5), slow_signal.notified())
            .await
            .expect("the slow member was told to go");
    }

    #[test]
    fn one_event_reaches_every_member_of_many_topics() {
        let hub = Hub::new(RealtimeConfig::default());
        let (ra, rb, rc) = (hub.connect(), hub.connect(), hub.connect());
        hub.join("t:a", peer(ra.id, "a"), ra.sender.clone());
        hub.join("t:b", peer(rb.id, "b1"), rb.sender.clone());
        hub.join("t:b", peer(rc.id, "b2"), rc.sender.clone());
        let mut rxs = [ra.outgoing, rb.outgoing, rc.outgoing];
        for rx in rxs.iter_mut() {
            while rx.try_recv().is_ok() {} // presence frames
        }
        hub.broadcast_event_json_to(["t:a", "t:b", "t:none"], r#"{"n":1}"#);
        let got: Vec<String> = rxs
            .iter_mut()
            .map(|rx| match rx.try_recv() {
                Ok(Outgoing::Text(t)) => t,
                other => panic!("no event: {other:?}"),
            })
            .collect();
        assert_eq!(
            got[0],
            r#"{"type":"event","topic":"t:a","from":null,"data":{"n":1}}"#
        );
        assert_eq!(got[1], got[2]);
        assert!(got[1].contains(r#""topic":"t:b""#));
        assert!(rxs.iter_mut().all(|rx| rx.try_recv().is_err()));
    }

    #[test]
    fn join_leave_and_presence() {
        let hub = Hub::new(RealtimeConfig::default());
        let ra = hub.connect();
        let (a, mut a_rx, a_tx) = (ra.id, ra.outgoing, ra.sender);
        let rb = hub.connect();
        let (b, b_tx) = (rb.id, rb.sender);
        assert_eq!(hub.join("t:x", peer(a, "a"), a_tx).len(), 1);
        assert_eq!(hub.join("t:x", peer(b, "b"), b_tx).len(), 2);
        let joined = a_rx.try_recv().ok();
        assert!(
            matches!(joined, Some(Outgoing::Text(t)) if t.contains("\"joined\"") && t.contains("\"b\""))
        );
        hub.disconnect(b);
        let left = a_rx.try_recv().ok();
        assert!(matches!(left, Some(Outgoing::Text(t)) if t.contains("\"left\"")));
        assert_eq!(hub.members("t:x").len(), 1);
        assert!(hub.leave("t:x", a));
        assert!(hub.members("t:x").is_empty());
        assert_eq!(hub.connection_count(), 1);
    }
}
