//! Topics, members and fan-out. Tools register a [`TopicHandler`] for a topic prefix
//! (`pad:…`, `chat:…`); the handler decides who may join and what a publish does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use nichoir_auth::{Actor, Revocation};
use nichoir_core::config::RealtimeConfig;
use nichoir_core::Error;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{watch, Notify};

use crate::bus::{
    node_of, Bus, BusMessage, Envelope, RemoteNode, RequestError, Rooms, DEAD_AFTER, NODE_SHIFT,
};
use crate::frame::{topic_json, Frame};
use crate::outbox::{self, Refused};
use crate::protocol::{EventFrame, ServerMessage};

pub type ConnId = u64;

/// Who is connected: shown to the other members of a topic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Peer {
    pub conn: ConnId,
    pub id: String,
    pub display_name: String,
    pub avatar_color: String,
    pub guest: bool,
    /// The client's address, for throttling what it guesses (a room's password); never shown
    /// to the other members, nor to the other nodes of a cluster.
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

/// Close codes of the realtime socket (docs/http-api.md, "Realtime"). 1xxx are the standard
/// ones; 4xxx say which end of access closed it, so the client knows whether to reconnect.
pub mod close {
    /// The session or API token the socket was opened with ended (logout, logout everywhere,
    /// password change elsewhere, session revoked or expired, token deleted). Sign in again.
    pub const SESSION_ENDED: (u16, &str) = (4001, "session ended");
    /// The account's rights changed: reconnect to get the new ones.
    pub const RIGHTS_CHANGED: (u16, &str) = (4002, "rights changed, reconnect");
    /// The account was disabled or deleted.
    pub const ACCOUNT_DISABLED: (u16, &str) = (4003, "account disabled");
    /// Kicked by the server (e.g. access to what it followed was revoked).
    pub const ACCESS_REVOKED: (u16, &str) = (1008, "access revoked");
    /// Its queue was full: it could not keep up.
    pub const TOO_SLOW: (u16, &str) = (1013, "too slow: messages were piling up");
}

/// A request that the connection close, with the code to close with. A queue full of events
/// cannot carry it, so it has its own path.
#[derive(Default)]
pub(crate) struct CloseSignal {
    notify: Notify,
    why: parking_lot::Mutex<Option<(u16, &'static str)>>,
}

impl CloseSignal {
    fn request(&self, why: (u16, &'static str)) {
        self.why.lock().get_or_insert(why);
        self.notify.notify_one();
    }

    /// Waits for a request; returns its code and reason.
    pub(crate) async fn requested(&self) -> (u16, &'static str) {
        loop {
            if let Some(why) = *self.why.lock() {
                return why;
            }
            self.notify.notified().await;
        }
    }
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

/// A connection's outgoing queue, its close signal and who opened it (whose revocation ends it).
struct ConnSlot {
    tx: outbox::Sender,
    close: Arc<CloseSignal>,
    actor: Actor,
}

/// What a new connection gets from the hub.
pub(crate) struct Registered {
    pub id: ConnId,
    /// Its queue of JSON text frames (closing goes through `close`, never this queue).
    pub outgoing: outbox::Receiver,
    pub sender: outbox::Sender,
    pub close: Arc<CloseSignal>,
}

struct Member {
    peer: Peer,
    tx: outbox::Sender,
    /// The topic as a JSON string, made once: the part of a shared event that is the member's.
    topic_json: Arc<str>,
    actor: Actor,
    /// The topic's rights epoch when this member was last authorized (see `Hub::reauthorize`).
    epoch: u64,
}

struct Inner {
    config: RealtimeConfig,
    next_conn: AtomicU64,
    handlers: RwLock<Vec<(String, Arc<dyn TopicHandler>)>>,
    topics: RwLock<HashMap<String, HashMap<ConnId, Member>>>,
    connections: RwLock<HashMap<ConnId, ConnSlot>>,
    /// Per topic, bumped when who may follow it changed (a pad got a password); members
    /// authorized at an older epoch are checked again before anything else they publish.
    epochs: RwLock<HashMap<String, u64>>,
    shutdown_tx: watch::Sender<bool>,
    /// In a cluster: this node's index and the bus to the others (see `crate::bus`).
    bus: OnceLock<(u16, Arc<dyn Bus>)>,
    /// In a cluster: the other nodes' members.
    remote: RwLock<HashMap<u16, RemoteNode>>,
    /// What tools do when another node signals (see `on_signal`).
    signals: RwLock<Vec<(String, SignalHandler)>>,
    /// What tools answer to the other nodes' requests (see `on_request`).
    requests: RwLock<Vec<(String, RequestHandler)>>,
    /// This node's requests waiting for their reply.
    pending: parking_lot::Mutex<HashMap<u64, tokio::sync::oneshot::Sender<Result<String, String>>>>,
    next_request: AtomicU64,
    /// In a cluster: who owns which room.
    rooms: OnceLock<Arc<dyn Rooms>>,
    /// What tools do when another node is gone (see `on_node_gone`).
    node_gone: RwLock<Vec<NodeGoneHandler>>,
    /// Frames queued for this node's connections since start (counted once per fan-out).
    frames: AtomicU64,
    /// Connections closed because their queue was full.
    dropped_slow: AtomicU64,
}

/// What the hub holds and has done, for the host's monitoring (`/metrics`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubStats {
    /// Open WebSocket connections on this node.
    pub connections: u64,
    /// Frames queued for them since start.
    pub frames: u64,
    /// Connections closed as too slow since start.
    pub dropped_slow: u64,
    /// Per kind of topic (the prefix before `:`, one per tool: `pad`, `chat`, `video`…): topics
    /// followed on this node and their members, sorted by kind.
    pub topics: Vec<TopicKindStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicKindStats {
    pub kind: String,
    pub topics: u64,
    pub members: u64,
}

/// How a tool answers another node's request: the request's text in, the answer's (or an
/// error's) text out.
pub type RequestHandler = Arc<
    dyn Fn(
            String,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send>>
        + Send
        + Sync,
>;

/// What a tool does when another node of the cluster signals it (with the signal's value).
pub type SignalHandler = Arc<dyn Fn(&str) + Send + Sync>;

/// What a tool does when another node of the cluster is gone (stopped, or silent too long).
pub type NodeGoneHandler = Arc<dyn Fn(u16) + Send + Sync>;

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
                epochs: RwLock::new(HashMap::new()),
                shutdown_tx,
                bus: OnceLock::new(),
                remote: RwLock::new(HashMap::new()),
                signals: RwLock::new(Vec::new()),
                requests: RwLock::new(Vec::new()),
                pending: parking_lot::Mutex::new(HashMap::new()),
                next_request: AtomicU64::new(1),
                rooms: OnceLock::new(),
                node_gone: RwLock::new(Vec::new()),
                frames: AtomicU64::new(0),
                dropped_slow: AtomicU64::new(0),
            }),
        }
    }

    /// Makes this hub node `node` of a cluster: what it fans out is published on `bus`, and
    /// what the bus brings is given to `on_bus`. Before the first connection (connection ids
    /// carry the node); a second call is refused.
    pub fn attach_bus(&self, node: u16, bus: Arc<dyn Bus>) -> Result<(), Error> {
        if self.connection_count() > 0 || self.inner.bus.set((node, bus)).is_err() {
            return Err(Error::internal(
                "the realtime bus is attached once, before any connection",
            ));
        }
        self.inner
            .next_conn
            .store((u64::from(node) << NODE_SHIFT) | 1, Ordering::Relaxed);
        Ok(())
    }

    /// Publishes `message` when in a cluster (built only then: `make` is not called alone).
    fn publish(&self, make: impl FnOnce() -> BusMessage) {
        if let Some((node, bus)) = self.inner.bus.get() {
            bus.publish(&Envelope {
                origin: *node,
                message: make(),
            });
        }
    }

    /// This node's index in a cluster.
    pub(crate) fn node(&self) -> Option<u16> {
        self.inner.bus.get().map(|(n, _)| *n)
    }

    /// Whether `conn` is another node's connection.
    fn is_remote(&self, conn: ConnId) -> bool {
        self.node().is_some_and(|n| node_of(conn) != n)
    }

    /// What another node published. Frames go to this node's members only (they were
    /// published once, by the node that fanned them out).
    pub fn on_bus(&self, envelope: Envelope) {
        let Some(me) = self.node() else {
            return;
        };
        let origin = envelope.origin;
        if origin == me {
            return;
        }
        let now = Instant::now();
        // Deltas applied under the lock; frames sent after it.
        let mut reply = None;
        {
            let mut remote = self.inner.remote.write();
            let node = remote.entry(origin).or_insert_with(|| RemoteNode::new(now));
            node.last_seen = now;
            match &envelope.message {
                BusMessage::Joined { topic, peer } => node.join(topic.clone(), peer.clone()),
                BusMessage::Left { topic, conn } => {
                    node.leave(topic, *conn);
                }
                BusMessage::Heartbeat { memberships } if node.memberships() != *memberships => {
                    reply = Some(BusMessage::SnapshotRequest { node: origin });
                }
                BusMessage::Snapshot { members } => {
                    node.topics = members
                        .iter()
                        .map(|(t, peers)| {
                            (
                                t.clone(),
                                peers.iter().map(|p| (p.conn, p.clone())).collect(),
                            )
                        })
                        .collect();
                }
                _ => {}
            }
        }
        if let Some(r) = reply {
            self.publish(|| r);
        }
        match envelope.message {
            BusMessage::Topic {
                topic,
                text,
                except,
            } => self.deliver_local(&topic, &text, &except),
            BusMessage::Topics { topics, data } => {
                self.deliver_json_local(topics.iter().map(String::as_str), &data)
            }
            BusMessage::Conn { conn, text } => {
                if let Some(tx) = self.sender_of(conn) {
                    self.deliver(conn, &tx, Frame::Own(text));
                }
            }
            BusMessage::SnapshotRequest { node } if node == me => {
                let members = self.local_memberships();
                self.publish(|| BusMessage::Snapshot { members });
            }
            BusMessage::Bye => self.forget_node(origin),
            BusMessage::Revoke { revocation } => self.revoke_here(&revocation),
            BusMessage::Reauthorize { topic } => {
                let hub = self.clone();
                tokio::spawn(async move { hub.reauthorize_here(&topic).await });
            }
            BusMessage::Request { to, id, kind, body } if to == me => {
                let handler = self
                    .inner
                    .requests
                    .read()
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map(|(_, h)| h.clone());
                let hub = self.clone();
                tokio::spawn(async move {
                    let answer = match handler {
                        Some(h) => h(body).await,
                        None => Err(format!("no handler for {kind}")),
                    };
                    let (ok, body) = match answer {
                        Ok(b) => (true, b),
                        Err(b) => (false, b),
                    };
                    hub.publish(|| BusMessage::Reply {
                        to: origin,
                        id,
                        ok,
                        body,
                    });
                });
            }
            BusMessage::Reply { to, id, ok, body } if to == me => {
                if let Some(tx) = self.inner.pending.lock().remove(&id) {
                    let _ = tx.send(if ok { Ok(body) } else { Err(body) });
                }
            }
            BusMessage::Signal { name, value } => {
                let handlers: Vec<SignalHandler> = self
                    .inner
                    .signals
                    .read()
                    .iter()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, h)| h.clone())
                    .collect();
                for h in handlers {
                    h(&value);
                }
            }
            _ => {}
        }
    }

    /// Once per `bus::HEARTBEAT` in a cluster: says this node is alive, and drops the nodes
    /// not heard from for `DEAD_AFTER` (their members leave).
    pub fn bus_tick(&self) {
        if self.node().is_none() {
            return;
        }
        let memberships = self
            .inner
            .topics
            .read()
            .values()
            .map(|m| m.len() as u64)
            .sum();
        self.publish(|| BusMessage::Heartbeat { memberships });
        let dead: Vec<u16> = self
            .inner
            .remote
            .read()
            .iter()
            .filter(|(_, n)| n.last_seen.elapsed() > DEAD_AFTER)
            .map(|(id, _)| *id)
            .collect();
        for node in dead {
            tracing::warn!(node, "cluster node silent: its realtime members left");
            self.forget_node(node);
        }
    }

    /// Tells the other nodes that this one stops (its members leave at once).
    pub fn leave_cluster(&self) {
        self.publish(|| BusMessage::Bye);
    }

    /// Whether everything published has left (true without a bus).
    pub fn bus_idle(&self) -> bool {
        self.inner.bus.get().is_none_or(|(_, b)| b.idle())
    }

    /// A node is gone: its members leave, and this node's members of their topics are told.
    fn forget_node(&self, node: u16) {
        let Some(gone) = self.inner.remote.write().remove(&node) else {
            return;
        };
        for (topic, peers) in gone.topics {
            for peer in peers.values() {
                let frame = ServerMessage::Presence {
                    topic: &topic,
                    joined: None,
                    left: Some(peer),
                }
                .to_text();
                self.deliver_local(&topic, &frame, &[]);
            }
        }
        let handlers = self.inner.node_gone.read().clone();
        for h in handlers {
            h(node);
        }
    }

    /// This node's members of every topic.
    fn local_memberships(&self) -> Vec<(String, Vec<Peer>)> {
        self.inner
            .topics
            .read()
            .iter()
            .map(|(t, m)| (t.clone(), m.values().map(|m| m.peer.clone()).collect()))
            .collect()
    }

    /// The other nodes' members of `topic`.
    fn remote_members(&self, topic: &str) -> Vec<Peer> {
        if self.node().is_none() {
            return Vec::new();
        }
        self.inner
            .remote
            .read()
            .values()
            .filter_map(|n| n.topics.get(topic))
            .flat_map(|m| m.values().cloned())
            .collect()
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

    /// Drops every handler. Handlers hold their tool's service, which holds this hub: without
    /// this, a stopped server's services, and its database connections, would never be freed.
    /// Call it once nothing is served any more.
    pub fn unregister_all(&self) {
        self.inner.handlers.write().clear();
        self.inner.signals.write().clear();
        self.inner.requests.write().clear();
    }

    /// In a cluster: where rooms' owners are found (`crates/cluster`). Once, before serving.
    pub fn attach_rooms(&self, rooms: Arc<dyn Rooms>) {
        let _ = self.inner.rooms.set(rooms);
    }

    /// The node that owns `room`, None when it is this one (always, outside a cluster).
    pub async fn room_owner(&self, room: &str) -> Result<Option<u16>, Error> {
        let (Some(me), Some(rooms)) = (self.node(), self.inner.rooms.get()) else {
            return Ok(None);
        };
        let owner = rooms.owner(room).await?;
        Ok((owner != me).then_some(owner))
    }

    /// The other node holding `room` now: None when this node does, when nobody does, or
    /// outside a cluster. Takes nothing (for a read such as a call's head count).
    pub async fn room_holder(&self, room: &str) -> Result<Option<u16>, Error> {
        let (Some(me), Some(rooms)) = (self.node(), self.inner.rooms.get()) else {
            return Ok(None);
        };
        Ok(rooms.holder(room).await?.filter(|n| *n != me))
    }

    /// What was known of `room`'s owner is stale.
    pub fn forget_room_owner(&self, room: &str) {
        if let Some(rooms) = self.inner.rooms.get() {
            rooms.forget(room);
        }
    }

    /// Calls `lost` with each room this node stops owning.
    pub fn on_room_lost(&self, lost: Arc<dyn Fn(&str) + Send + Sync>) {
        if let Some(rooms) = self.inner.rooms.get() {
            rooms.on_lost(lost);
        }
    }

    /// Answers the other nodes' requests of `kind` with `handler`.
    pub fn on_request(&self, kind: &str, handler: RequestHandler) {
        self.inner
            .requests
            .write()
            .push((kind.to_string(), handler));
    }

    /// Asks node `node`'s handler of `kind`; `Unanswered` after `timeout` (or outside a
    /// cluster).
    pub async fn request(
        &self,
        node: u16,
        kind: &str,
        body: String,
        timeout: std::time::Duration,
    ) -> Result<String, RequestError> {
        if self.node().is_none() {
            return Err(RequestError::Unanswered);
        }
        let id = self.inner.next_request.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.inner.pending.lock().insert(id, tx);
        self.publish(|| BusMessage::Request {
            to: node,
            id,
            kind: kind.to_string(),
            body,
        });
        let answer = tokio::time::timeout(timeout, rx).await;
        self.inner.pending.lock().remove(&id);
        match answer {
            Ok(Ok(Ok(text))) => Ok(text),
            Ok(Ok(Err(text))) => Err(RequestError::Failed(text)),
            _ => Err(RequestError::Unanswered),
        }
    }

    /// Whether this hub is a node of a cluster (a bus is attached).
    pub fn in_cluster(&self) -> bool {
        self.node().is_some()
    }

    /// Calls `handler` with a node's index when that node is gone (said bye, or went silent):
    /// its members have left by then.
    pub fn on_node_gone(&self, handler: NodeGoneHandler) {
        self.inner.node_gone.write().push(handler);
    }

    /// Calls `handler` with the value each time another node signals `name`.
    pub fn on_signal(&self, name: &str, handler: SignalHandler) {
        self.inner.signals.write().push((name.to_string(), handler));
    }

    /// Signals `name` to the other nodes (not to this one). Without a cluster, nothing.
    pub fn signal(&self, name: &str, value: &str) {
        self.publish(|| BusMessage::Signal {
            name: name.to_string(),
            value: value.to_string(),
        });
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

    /// A new connection of `actor`: its id, its outgoing queue, and its close signal.
    pub(crate) fn connect(&self, actor: &Actor) -> Registered {
        let id = self.inner.next_conn.fetch_add(1, Ordering::Relaxed);
        let (sender, outgoing) = outbox::outbox(self.inner.config.send_queue as usize);
        let close = Arc::new(CloseSignal::default());
        self.inner.connections.write().insert(
            id,
            ConnSlot {
                tx: sender.clone(),
                close: close.clone(),
                actor: actor.clone(),
            },
        );
        Registered {
            id,
            outgoing,
            sender,
            close,
        }
    }

    /// Whether the connection is still open (not closed, dropped or revoked).
    pub fn is_connected(&self, conn: ConnId) -> bool {
        self.inner.connections.read().contains_key(&conn)
    }

    /// Closes the connection with `why` and takes it out of every topic now, so nothing more
    /// reaches it even before its task has written the close frame.
    pub(crate) fn close(&self, conn: ConnId, why: (u16, &'static str)) {
        let signal = self
            .inner
            .connections
            .read()
            .get(&conn)
            .map(|c| c.close.clone());
        if let Some(signal) = signal {
            signal.request(why);
            self.disconnect(conn);
        }
    }

    /// Closes every socket opened with the credential that `revocation` ended. Registered with
    /// `AuthService::revocations` by the composition, so it runs before the answer to the
    /// logout (or password change, or account disable) leaves.
    pub fn revoke(&self, revocation: &Revocation) {
        self.publish(|| BusMessage::Revoke {
            revocation: revocation.clone(),
        });
        self.revoke_here(revocation);
    }

    /// `revoke` for this node's sockets.
    fn revoke_here(&self, revocation: &Revocation) {
        let why = match revocation {
            Revocation::Account(_) => close::ACCOUNT_DISABLED,
            Revocation::RightsChanged(_) => close::RIGHTS_CHANGED,
            _ => close::SESSION_ENDED,
        };
        let ended: Vec<ConnId> = self
            .inner
            .connections
            .read()
            .iter()
            .filter(|(_, c)| c.actor.is_revoked_by(revocation))
            .map(|(id, _)| *id)
            .collect();
        for conn in ended {
            tracing::info!(conn, code = why.0, "realtime socket closed: {}", why.1);
            self.close(conn, why);
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
            self.publish(|| BusMessage::Left {
                topic: topic.clone(),
                conn: peer.conn,
            });
            self.send_all(
                &topic,
                &ServerMessage::Presence {
                    topic: &topic,
                    joined: None,
                    left: Some(&peer),
                }
                .to_text(),
                &[],
            );
            if let Some(h) = self.handler_for(&topic) {
                h.on_leave(self, &peer, &topic);
            }
        }
    }

    /// Adds the connection to the topic; returns the members (including itself). `epoch` is
    /// the topic's rights epoch read before `actor` was authorized. None when the connection
    /// was closed meanwhile (its session ended while it was being authorized), or when the
    /// topic's rights changed since `epoch`: the caller authorizes again.
    pub(crate) fn join(
        &self,
        topic: &str,
        peer: Peer,
        actor: &Actor,
        epoch: u64,
        tx: outbox::Sender,
    ) -> Option<Vec<Peer>> {
        let conn = peer.conn;
        let members = {
            // The connections lock is held across the insert so a revocation cannot slip
            // between the check and the join (`revoke` reads connections, then disconnects).
            let connections = self.inner.connections.read();
            if !connections.contains_key(&conn) || self.epoch(topic) != epoch {
                return None;
            }
            let mut topics = self.inner.topics.write();
            let entry = topics.entry(topic.to_string()).or_default();
            entry.insert(
                conn,
                Member {
                    peer: peer.clone(),
                    tx,
                    topic_json: topic_json(topic),
                    actor: actor.clone(),
                    epoch,
                },
            );
            entry.values().map(|m| m.peer.clone()).collect::<Vec<_>>()
        };
        let mut members = members;
        members.extend(self.remote_members(topic));
        self.publish(|| BusMessage::Joined {
            topic: topic.to_string(),
            peer: peer.clone(),
        });
        self.send_all(
            topic,
            &ServerMessage::Presence {
                topic,
                joined: Some(&peer),
                left: None,
            }
            .to_text(),
            &[conn],
        );
        Some(members)
    }

    /// The topic's rights epoch (0 until its rights first change).
    pub(crate) fn epoch(&self, topic: &str) -> u64 {
        self.inner.epochs.read().get(topic).copied().unwrap_or(0)
    }

    /// Who may follow `topic` changed (a pad's password was set, a poll became protected):
    /// each member is authorized again and those refused leave it with an `unsubscribed` frame
    /// carrying the reason. From the moment this is called, a publish by a member not yet
    /// checked again is checked first (the epoch), so no publish rides on old rights.
    pub async fn reauthorize(&self, topic: &str) {
        self.publish(|| BusMessage::Reauthorize {
            topic: topic.to_string(),
        });
        self.reauthorize_here(topic).await;
    }

    /// `reauthorize` for this node's members.
    async fn reauthorize_here(&self, topic: &str) {
        let epoch = {
            let mut epochs = self.inner.epochs.write();
            let e = epochs.entry(topic.to_string()).or_insert(0);
            *e += 1;
            *e
        };
        let Some(handler) = self.handler_for(topic) else {
            return;
        };
        let members: Vec<(ConnId, Actor)> = self
            .inner
            .topics
            .read()
            .get(topic)
            .map(|m| m.iter().map(|(c, m)| (*c, m.actor.clone())).collect())
            .unwrap_or_default();
        for (conn, actor) in members {
            let verdict = handler.authorize(&actor, topic).await;
            self.settle(topic, conn, epoch, verdict);
        }
    }

    /// Checks a member again if the topic's rights changed since it was last authorized;
    /// false when it may no longer publish there (it was removed from the topic).
    pub(crate) async fn still_allowed(&self, topic: &str, conn: ConnId) -> bool {
        let epoch = self.epoch(topic);
        // The actor is copied only when a check is due: publishes are hot (pad edits).
        let member = self
            .inner
            .topics
            .read()
            .get(topic)
            .and_then(|m| m.get(&conn))
            .map(|m| (m.epoch < epoch).then(|| m.actor.clone()));
        let actor = match member {
            None => return false,
            Some(None) => return true,
            Some(Some(actor)) => actor,
        };
        let Some(handler) = self.handler_for(topic) else {
            return false;
        };
        let verdict = handler.authorize(&actor, topic).await;
        let allowed = verdict.is_ok();
        self.settle(topic, conn, epoch, verdict);
        allowed
    }

    /// Records the outcome of authorizing a member again at `epoch`.
    fn settle(&self, topic: &str, conn: ConnId, epoch: u64, verdict: Result<(), Error>) {
        match verdict {
            Ok(()) => {
                if let Some(m) = self
                    .inner
                    .topics
                    .write()
                    .get_mut(topic)
                    .and_then(|m| m.get_mut(&conn))
                {
                    m.epoch = m.epoch.max(epoch);
                }
            }
            Err(e) => {
                if self.leave(topic, conn) {
                    if let Some(tx) = self.sender_of(conn) {
                        let frame = ServerMessage::Unsubscribed {
                            topic,
                            reason: Some(e.code.as_str()),
                        }
                        .to_text();
                        self.deliver(conn, &tx, Frame::Own(frame));
                    }
                }
            }
        }
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
            self.publish(|| BusMessage::Left {
                topic: topic.to_string(),
                conn,
            });
            self.send_all(
                topic,
                &ServerMessage::Presence {
                    topic,
                    joined: None,
                    left: Some(&m.peer),
                }
                .to_text(),
                &[],
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

    /// The members of `topic`, on every node of a cluster.
    pub fn members(&self, topic: &str) -> Vec<Peer> {
        let mut peers: Vec<Peer> = self
            .inner
            .topics
            .read()
            .get(topic)
            .map(|m| m.values().map(|m| m.peer.clone()).collect())
            .unwrap_or_default();
        peers.extend(self.remote_members(topic));
        peers
    }

    /// Sends an event to every member of `topic` (but `except`, usually the author). `data` is
    /// serialised once, into the frame's text that every member shares.
    pub fn broadcast_event<D: ?Sized + Serialize>(
        &self,
        topic: &str,
        from: Option<&Peer>,
        data: &D,
        except: Option<ConnId>,
    ) {
        if let Some(text) = (EventFrame { topic, from, data }).to_text() {
            self.send_all(topic, &text, except.as_slice());
        }
    }

    /// Sends an event whose `data` is already serialised (one text for many topics: a chat
    /// message goes to each member's own topic). `data_json` must be a JSON value's text.
    pub fn broadcast_event_json(&self, topic: &str, data_json: &str) {
        self.send_all(topic, &event_json_frame(topic, data_json), &[]);
    }

    /// Whether an event on `topic` may reach anyone: this node's members, or, in a cluster,
    /// always (another node's member may have joined a moment ago, before its node said so).
    /// A caller skips making a frame that nobody would get.
    pub fn may_reach(&self, topic: &str) -> bool {
        self.node().is_some() || self.local_count(topic) > 0
    }

    fn local_count(&self, topic: &str) -> usize {
        self.inner.topics.read().get(topic).map_or(0, HashMap::len)
    }

    /// How many connections follow `topic`, on every node (without copying the members).
    pub fn member_count(&self, topic: &str) -> usize {
        let local = self.local_count(topic);
        if self.node().is_none() {
            return local;
        }
        let remote: usize = self
            .inner
            .remote
            .read()
            .values()
            .filter_map(|n| n.topics.get(topic))
            .map(HashMap::len)
            .sum();
        local + remote
    }

    /// As [`Hub::broadcast_event_json`], but not to the connections in `except`: a pad sends
    /// one shared text to most members and its own frame to the few that authored the edits.
    pub fn broadcast_event_json_except(&self, topic: &str, data_json: &str, except: &[ConnId]) {
        self.send_all(topic, &event_json_frame(topic, data_json), except);
    }

    /// Sends an `event` frame whose `data` is already serialised to one connection only.
    pub fn send_event_json_to(&self, conn: ConnId, topic: &str, data_json: &str) -> bool {
        if self.is_remote(conn) {
            let text = event_json_frame(topic, data_json);
            self.publish(|| BusMessage::Conn { conn, text });
            return true;
        }
        let tx = self.sender_of(conn);
        match tx {
            Some(tx) => self.deliver(conn, &tx, Frame::Own(event_json_frame(topic, data_json))),
            None => false,
        }
    }

    /// Sends one already serialised event to every member of each of `topics` (a chat message
    /// goes to each channel member's own topic): the topics are looked up under one read lock
    /// instead of one per topic, and each frame is built once and moved, not copied, to the
    /// topic's last member. Same frames, order and slow-client rule as `broadcast_event_json`.
    pub fn broadcast_event_json_to<'a>(
        &self,
        topics: impl IntoIterator<Item = &'a str> + Clone,
        data_json: &str,
    ) {
        self.publish(|| BusMessage::Topics {
            topics: topics.clone().into_iter().map(str::to_string).collect(),
            data: data_json.to_string(),
        });
        self.deliver_json_local(topics, data_json);
    }

    /// `broadcast_event_json_to` on this node only: for a tool that brings every node the
    /// same events by another road (chat's relay reads them from the database, in order).
    pub fn deliver_json_local<'a>(
        &self,
        topics: impl IntoIterator<Item = &'a str>,
        data_json: &str,
    ) {
        // One copy of the data for every topic and member; each member's frame is joined to its
        // topic when its connection writes (`Frame::Event`). Offered under the read lock (a
        // queue never waits), so no member's sender is cloned; the slow are dropped after it.
        let data: Arc<str> = data_json.into();
        let mut too_slow: Vec<ConnId> = Vec::new();
        {
            let map = self.inner.topics.read();
            for topic in topics {
                let Some(members) = map.get(topic) else {
                    continue;
                };
                self.count_frames(members.len());
                for (conn, m) in members {
                    let frame = Frame::Event {
                        topic: m.topic_json.clone(),
                        data: data.clone(),
                    };
                    if !offer(&m.tx, frame) {
                        too_slow.push(*conn);
                    }
                }
            }
        }
        for conn in too_slow {
            self.drop_slow(conn);
        }
    }

    fn sender_of(&self, conn: ConnId) -> Option<outbox::Sender> {
        self.inner
            .connections
            .read()
            .get(&conn)
            .map(|c| c.tx.clone())
    }

    /// Sends an `event` frame on `topic` to one connection only.
    pub fn send_event_to<D: ?Sized + Serialize>(
        &self,
        conn: ConnId,
        topic: &str,
        data: &D,
    ) -> bool {
        match (EventFrame {
            topic,
            from: None,
            data,
        })
        .to_text()
        {
            Some(text) => self.send_text_to(conn, text),
            None => false,
        }
    }

    /// Sends a frame of its own (not an `event`) to one connection.
    pub fn send_to<F: ?Sized + Serialize>(&self, conn: ConnId, frame: &F) -> bool {
        match serde_json::to_string(frame) {
            Ok(text) => self.send_text_to(conn, text),
            Err(e) => {
                tracing::error!(error = %e, conn, "frame not serialisable");
                false
            }
        }
    }

    /// Sends a frame's text to one connection, on whichever node holds it.
    fn send_text_to(&self, conn: ConnId, text: String) -> bool {
        if self.is_remote(conn) {
            self.publish(|| BusMessage::Conn { conn, text });
            return true;
        }
        match self.sender_of(conn) {
            Some(tx) => self.deliver(conn, &tx, Frame::Own(text)),
            None => false,
        }
    }

    /// Sends `text` to the members of `topic` but `except`, on every node.
    fn send_all(&self, topic: &str, text: &str, except: &[ConnId]) {
        self.publish(|| BusMessage::Topic {
            topic: topic.to_string(),
            text: text.to_string(),
            except: except.to_vec(),
        });
        self.deliver_local(topic, text, except);
    }

    /// Sends `text` to this node's members of `topic` but `except`: one copy shared by every
    /// member (a pad's broadcast to 1,000 editors), offered under the read lock as in
    /// `deliver_json_local`.
    fn deliver_local(&self, topic: &str, text: &str, except: &[ConnId]) {
        let mut too_slow: Vec<ConnId> = Vec::new();
        {
            let map = self.inner.topics.read();
            let Some(members) = map.get(topic) else {
                return;
            };
            let shared: Arc<str> = text.into();
            self.count_frames(members.len().saturating_sub(except.len()));
            for (conn, m) in members {
                if !except.contains(conn) && !offer(&m.tx, Frame::Shared(shared.clone())) {
                    too_slow.push(*conn);
                }
            }
        }
        for conn in too_slow {
            self.drop_slow(conn);
        }
    }

    /// Never waits: a full queue means the client cannot keep up, and it is dropped.
    fn deliver(&self, conn: ConnId, tx: &outbox::Sender, frame: Frame) -> bool {
        match tx.try_send(frame) {
            Ok(()) => {
                self.count_frames(1);
                true
            }
            Err(Refused::Full) => {
                self.drop_slow(conn);
                false
            }
            Err(Refused::Closed) => false,
        }
    }

    /// Closes a connection whose queue was full. It leaves its topics now (the others are
    /// told), so it is reported only once.
    fn drop_slow(&self, conn: ConnId) {
        if self.is_connected(conn) {
            self.inner.dropped_slow.fetch_add(1, Ordering::Relaxed);
            tracing::info!(conn, "realtime client too slow, dropping it");
            self.close(conn, close::TOO_SLOW);
        }
    }

    pub fn connection_count(&self) -> usize {
        self.inner.connections.read().len()
    }

    /// One relaxed add per fan-out, not per member: the counter stays off the hot path's cache
    /// lines.
    fn count_frames(&self, n: usize) {
        if n > 0 {
            self.inner.frames.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// A snapshot for the host's monitoring: takes the topics' read lock once.
    pub fn stats(&self) -> HubStats {
        let mut kinds: std::collections::BTreeMap<&str, TopicKindStats> = Default::default();
        let map = self.inner.topics.read();
        for (topic, members) in map.iter() {
            let kind = topic.split_once(':').map_or(topic.as_str(), |(k, _)| k);
            let entry = kinds.entry(kind).or_insert_with(|| TopicKindStats {
                kind: kind.to_string(),
                ..Default::default()
            });
            entry.topics += 1;
            entry.members += members.len() as u64;
        }
        HubStats {
            connections: self.connection_count() as u64,
            frames: self.inner.frames.load(Ordering::Relaxed),
            dropped_slow: self.inner.dropped_slow.load(Ordering::Relaxed),
            topics: kinds.into_values().collect(),
        }
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown_tx.subscribe()
    }

    /// Whether `shutdown` was called (the server stops).
    pub fn is_stopping(&self) -> bool {
        *self.inner.shutdown_tx.borrow()
    }

    /// Closes every connection with 1001 "going away" (graceful shutdown).
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown_tx.send(true);
    }

    /// Closes one connection (e.g. a user whose access was revoked).
    pub fn kick(&self, conn: ConnId) {
        self.close(conn, close::ACCESS_REVOKED);
    }
}

/// Queues `frame` without waiting; false when the queue is full (a closed one is going away:
/// nothing to do).
fn offer(tx: &outbox::Sender, frame: Frame) -> bool {
    tx.try_send(frame) != Err(Refused::Full)
}

/// The `event` frame (no sender) of an already serialised `data_json` on `topic`.
fn event_json_frame(topic: &str, data_json: &str) -> String {
    Frame::Event {
        topic: topic_json(topic),
        data: data_json.into(),
    }
    .into_text()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn peer(conn: ConnId, id: &str) -> Peer {
        Peer {
            conn,
            id: id.into(),
            display_name: id.into(),
            avatar_color: "#000000".into(),
            guest: false,
            ip: "127.0.0.1".into(),
        }
    }

    pub(crate) fn user(id: &str) -> Actor {
        Actor::test_user(id, Some(&format!("s_{id}")), None)
    }

    pub(crate) fn join(hub: &Hub, topic: &str, peer: Peer, tx: outbox::Sender) -> Vec<Peer> {
        let actor = Actor::test_user(&peer.id, Some(&format!("s_{}", peer.id)), None);
        hub.join(topic, peer, &actor, hub.epoch(topic), tx)
            .expect("joined")
    }

    /// The bus between hubs in one process: what one publishes, the others receive at once
    /// (the NATS transport is tested with the real server in crates/nichoir/tests/cluster.rs).
    #[derive(Default)]
    pub(crate) struct Wire {
        hubs: parking_lot::Mutex<Vec<Hub>>,
        /// Drops every message while set (a lost one).
        lose: std::sync::atomic::AtomicBool,
    }

    struct WireEnd(Arc<Wire>);

    impl Bus for WireEnd {
        fn publish(&self, envelope: &Envelope) {
            if self.0.lose.load(Ordering::Relaxed) {
                return;
            }
            let hubs = self.0.hubs.lock().clone();
            for h in hubs {
                h.on_bus(envelope.clone());
            }
        }
    }

    pub(crate) fn cluster(n: u16) -> (Arc<Wire>, Vec<Hub>) {
        let wire = Arc::new(Wire::default());
        let hubs: Vec<Hub> = (1..=n)
            .map(|i| {
                let hub = Hub::new(RealtimeConfig::default());
                hub.attach_bus(i, Arc::new(WireEnd(wire.clone())))
                    .expect("attach");
                hub
            })
            .collect();
        *wire.hubs.lock() = hubs.clone();
        (wire, hubs)
    }

    fn drain(rx: &mut outbox::Receiver) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(f) = rx.try_recv() {
            out.push(serde_json::from_str(&f.into_text()).expect("json frame"));
        }
        out
    }

    #[test]
    fn an_event_may_reach_a_members_topic_here_and_any_topic_in_a_cluster() {
        let alone = Hub::new(RealtimeConfig::default());
        assert!(!alone.may_reach("t:x"), "nobody follows t:x");
        let r = alone.connect(&user("ann"));
        join(&alone, "t:x", peer(r.id, "ann"), r.sender.clone());
        assert!(alone.may_reach("t:x"));
        assert!(!alone.may_reach("t:y"));

        // Another node's member may not be known here yet: the event goes out anyway.
        let (_wire, hubs) = cluster(2);
        assert!(hubs[0].may_reach("t:nobody"));
    }

    #[test]
    fn members_and_events_cross_nodes_and_a_silent_node_takes_its_members() {
        let (wire, hubs) = cluster(2);
        let (a, b) = (&hubs[0], &hubs[1]);
        let ra = a.connect(&user("ann"));
        let mut rb = b.connect(&user("bob"));
        assert_eq!(crate::bus::node_of(ra.id), 1);
        assert_eq!(
            crate::bus::node_of(rb.id),
            2,
            "connection ids name their node"
        );
        join(a, "t:x", peer(ra.id, "ann"), ra.sender.clone());
        let members = join(b, "t:x", peer(rb.id, "bob"), rb.sender.clone());
        assert_eq!(members.len(), 2, "Bob's subscription lists Ann, on node 1");
        assert_eq!((a.member_count("t:x"), b.member_count("t:x")), (2, 2));
        let mut ra_out = ra.outgoing;
        let joined = drain(&mut ra_out);
        assert!(
            joined.iter().any(|f| f["joined"]["id"] == "bob"),
            "Ann is told: {joined:?}"
        );
        drain(&mut rb.outgoing);

        // An event from node 1 reaches node 2 once; the author's own connection is skipped.
        a.broadcast_event("t:x", None, &json!({"n": 1}), Some(ra.id));
        assert!(drain(&mut ra_out).is_empty());
        let got = drain(&mut rb.outgoing);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["data"]["n"], 1);
        // One connection of another node, and many topics at once.
        a.send_event_to(rb.id, "t:x", &json!({"only": "bob"}));
        assert_eq!(drain(&mut rb.outgoing)[0]["data"]["only"], "bob");
        a.broadcast_event_json_to(["t:x", "t:none"], r#"{"chat":1}"#);
        assert_eq!(drain(&mut rb.outgoing).len(), 1);
        assert_eq!(drain(&mut ra_out).len(), 1);

        // A signal reaches the other nodes' handlers, not the sender's own.
        let heard = Arc::new(parking_lot::Mutex::new(Vec::<(u16, String)>::new()));
        for (i, h) in hubs.iter().enumerate() {
            let heard = heard.clone();
            h.on_signal(
                "poll.changed",
                Arc::new(move |v: &str| heard.lock().push((i as u16 + 1, v.to_string()))),
            );
        }
        a.signal("poll.changed", "p1");
        assert_eq!(*heard.lock(), vec![(2, "p1".to_string())]);

        // A lost "joined" is repaired by the next heartbeat's snapshot.
        let rc = b.connect(&user("cy"));
        wire.lose.store(true, Ordering::Relaxed);
        join(b, "t:x", peer(rc.id, "cy"), rc.sender.clone());
        wire.lose.store(false, Ordering::Relaxed);
        assert_eq!(a.member_count("t:x"), 2, "node 1 missed Cy");
        b.bus_tick();
        assert_eq!(a.member_count("t:x"), 3, "repaired from node 2's snapshot");

        // Node 2 says goodbye: its members leave node 1's topics, and Ann is told.
        drain(&mut ra_out);
        b.leave_cluster();
        assert_eq!(a.member_count("t:x"), 1);
        let left: Vec<Value> = drain(&mut ra_out)
            .into_iter()
            .filter(|f| f["left"].is_object())
            .collect();
        assert_eq!(left.len(), 2, "Bob and Cy left: {left:?}");
    }

    #[test]
    fn a_lone_hub_has_no_bus_and_attaches_one_only_before_connections() {
        let hub = Hub::new(RealtimeConfig::default());
        hub.bus_tick();
        let r = hub.connect(&user("u"));
        assert_eq!(crate::bus::node_of(r.id), 0);
        let wire = Arc::new(Wire::default());
        assert!(hub.attach_bus(1, Arc::new(WireEnd(wire))).is_err());
    }

    #[tokio::test]
    async fn a_slow_member_is_dropped_and_never_slows_the_others() {
        let hub = Hub::new(RealtimeConfig {
            send_queue: 4,
            ..RealtimeConfig::default()
        });
        let slow = hub.connect(&user("u"));
        let (slow_id, slow_tx, slow_signal) = (slow.id, slow.sender.clone(), slow.close.clone());
        let fast = hub.connect(&user("u"));
        let (fast_id, mut fast_rx, fast_tx) = (fast.id, fast.outgoing, fast.sender);
        join(&hub, "t:1", peer(slow_id, "slow"), slow_tx);
        join(&hub, "t:1", peer(fast_id, "fast"), fast_tx);
        let (mut fast_got, mut told_left) = (0, false);
        for i in 0..20 {
            hub.broadcast_event("t:1", None, &json!({"n": i}), None);
            // The fast reader keeps up.
            while let Some(t) = fast_rx.try_recv().map(Frame::into_text) {
                fast_got += usize::from(t.contains("\"event\""));
                told_left |= t.contains("\"left\"") && t.contains("\"slow\"");
            }
        }
        assert_eq!(fast_got, 20, "the fast member got every event");
        assert!(told_left, "the others are told the slow member left");
        assert_eq!(hub.members("t:1").len(), 1);
        tokio::time::timeout(std::time::Duration::from_secs(5), slow_signal.requested())
            .await
            .expect("the slow member was told to go");
    }

    #[test]
    fn one_event_reaches_every_member_of_many_topics() {
        let hub = Hub::new(RealtimeConfig::default());
        let (ra, rb, rc) = (
            hub.connect(&user("u")),
            hub.connect(&user("u")),
            hub.connect(&user("u")),
        );
        join(&hub, "t:a", peer(ra.id, "a"), ra.sender.clone());
        join(&hub, "t:b", peer(rb.id, "b1"), rb.sender.clone());
        join(&hub, "t:b", peer(rc.id, "b2"), rc.sender.clone());
        let mut rxs = [ra.outgoing, rb.outgoing, rc.outgoing];
        for rx in rxs.iter_mut() {
            while rx.try_recv().is_some() {} // presence frames
        }
        hub.broadcast_event_json_to(["t:a", "t:b", "t:none"], r#"{"n":1}"#);
        let got: Vec<String> = rxs
            .iter_mut()
            .map(|rx| match rx.try_recv() {
                Some(f) => f.into_text(),
                other => panic!("no event: {other:?}"),
            })
            .collect();
        assert_eq!(
            got[0],
            r#"{"type":"event","topic":"t:a","from":null,"data":{"n":1}}"#
        );
        assert_eq!(got[1], got[2]);
        assert!(got[1].contains(r#""topic":"t:b""#));
        assert!(rxs.iter_mut().all(|rx| rx.try_recv().is_none()));
    }

    #[test]
    fn join_leave_and_presence() {
        let hub = Hub::new(RealtimeConfig::default());
        let ra = hub.connect(&user("u"));
        let (a, mut a_rx, a_tx) = (ra.id, ra.outgoing, ra.sender);
        let rb = hub.connect(&user("u"));
        let (b, b_tx) = (rb.id, rb.sender);
        assert_eq!(join(&hub, "t:x", peer(a, "a"), a_tx).len(), 1);
        assert_eq!(join(&hub, "t:x", peer(b, "b"), b_tx).len(), 2);
        let joined = a_rx.try_recv().map(Frame::into_text);
        assert!(matches!(joined, Some(t) if t.contains("\"joined\"") && t.contains("\"b\"")));
        hub.disconnect(b);
        let left = a_rx.try_recv().map(Frame::into_text);
        assert!(matches!(left, Some(t) if t.contains("\"left\"")));
        assert_eq!(hub.members("t:x").len(), 1);
        assert!(hub.leave("t:x", a));
        assert!(hub.members("t:x").is_empty());
        assert_eq!(hub.connection_count(), 1);
    }

    #[tokio::test]
    async fn a_revocation_closes_only_the_sockets_of_that_credential() {
        let hub = Hub::new(RealtimeConfig::default());
        let session_a = hub.connect(&Actor::test_user("u_a", Some("s1"), None));
        let other_session = hub.connect(&Actor::test_user("u_a", Some("s2"), None));
        let token = hub.connect(&Actor::test_user("u_a", None, Some("t1")));
        let someone_else = hub.connect(&Actor::test_user("u_b", Some("s3"), None));
        join(
            &hub,
            "t:x",
            peer(session_a.id, "u_a"),
            session_a.sender.clone(),
        );
        hub.revoke(&Revocation::Session("s1".into()));
        assert!(!hub.is_connected(session_a.id));
        assert!(hub.members("t:x").is_empty(), "it left its topics at once");
        assert_eq!(
            tokio::time::timeout(
                std::time::Duration::from_secs(1),
                session_a.close.requested()
            )
            .await
            .expect("told to close"),
            close::SESSION_ENDED
        );
        // A password change keeps the session it was made from; tokens are not sessions.
        hub.revoke(&Revocation::SessionsOf {
            user_id: "u_a".into(),
            except: Some("s2".into()),
        });
        assert!(hub.is_connected(other_session.id) && hub.is_connected(token.id));
        hub.revoke(&Revocation::Token("t1".into()));
        assert!(!hub.is_connected(token.id));
        hub.revoke(&Revocation::Account("u_a".into()));
        assert!(!hub.is_connected(other_session.id));
        assert_eq!(
            other_session.close.requested().await,
            close::ACCOUNT_DISABLED
        );
        assert!(hub.is_connected(someone_else.id));
        // A closed connection cannot join anything any more.
        let actor = Actor::test_user("u_a", Some("s1"), None);
        assert!(hub
            .join(
                "t:y",
                peer(session_a.id, "u_a"),
                &actor,
                0,
                session_a.sender.clone()
            )
            .is_none());
    }

    /// Admits actors whose id is in the list.
    struct Allow(parking_lot::Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl TopicHandler for Allow {
        async fn authorize(&self, actor: &Actor, _topic: &str) -> Result<(), Error> {
            if self.0.lock().iter().any(|a| a == actor.id()) {
                Ok(())
            } else {
                Err(Error::new(nichoir_core::ErrorCode::PasswordRequired, "no"))
            }
        }
    }

    #[tokio::test]
    async fn a_change_of_rights_removes_the_members_it_refuses() {
        let hub = Hub::new(RealtimeConfig::default());
        let allow = Arc::new(Allow(parking_lot::Mutex::new(vec!["a".into(), "b".into()])));
        hub.register("t", allow.clone());
        let (ra, rb) = (hub.connect(&user("a")), hub.connect(&user("b")));
        join(&hub, "t:1", peer(ra.id, "a"), ra.sender.clone());
        join(&hub, "t:1", peer(rb.id, "b"), rb.sender.clone());
        let mut b_rx = rb.outgoing;
        while b_rx.try_recv().is_some() {}
        allow.0.lock().retain(|a| a == "a");
        // Before the sweep reaches it, b's next publish is checked as of now.
        let epoch = hub.epoch("t:1");
        hub.inner.epochs.write().insert("t:1".into(), epoch + 1);
        assert!(!hub.still_allowed("t:1", rb.id).await);
        assert!(hub.still_allowed("t:1", ra.id).await);
        let Some(frame) = b_rx.try_recv() else {
            panic!("b was told");
        };
        assert_eq!(
            frame.into_text(),
            r#"{"type":"unsubscribed","topic":"t:1","reason":"password_required"}"#
        );
        allow.0.lock().clear();
        hub.reauthorize("t:1").await;
        assert!(hub.members("t:1").is_empty());
        // A join authorized before a change of rights is refused; the caller asks again.
        let stale = hub.epoch("t:1") - 1;
        let actor = user("a");
        assert!(hub
            .join("t:1", peer(ra.id, "a"), &actor, stale, ra.sender.clone())
            .is_none());
    }
}
