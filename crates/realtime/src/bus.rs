//! The hub across nodes. On one machine there is no bus and nothing here runs. In a cluster
//! each node's hub publishes what it fans out (one message per fan-out, whatever the number of
//! members) and delivers what the other nodes publish to its own members; it also tells the
//! others who joined and left its topics, so that members and counts are the cluster's.
//!
//! The bus is at-most-once (NATS core): presence is repaired by a heartbeat carrying the
//! number of memberships a node has, and a node whose count differs from what another holds
//! for it is asked for a snapshot; a node silent for `DEAD_AFTER` is dropped and its members
//! leave. Frames lost on the way are the tools' to repair (pad revisions, chat event ids),
//! as after a reconnect.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::hub::{ConnId, Peer};

/// How often a node says it is alive (and how many memberships it has).
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// A node not heard from for this long is gone: its members leave every topic.
pub const DEAD_AFTER: Duration = Duration::from_secs(4);

/// The bits of a connection id above which the node's index stands: ids are unique in the
/// cluster, and a node knows from an id whether the connection is its own.
pub const NODE_SHIFT: u32 = 48;

/// The node a connection belongs to.
pub fn node_of(conn: ConnId) -> u16 {
    (conn >> NODE_SHIFT) as u16
}

/// Where a hub publishes. Implementations never wait (the hub calls it while fanning out):
/// a message that cannot be queued is dropped and counted, like a frame to a slow client.
pub trait Bus: Send + Sync {
    fn publish(&self, envelope: &Envelope);

    /// Whether nothing published is still waiting to leave (a node that stops waits for it).
    fn idle(&self) -> bool {
        true
    }
}

/// One message between nodes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope {
    /// The node that sent it.
    pub origin: u16,
    pub message: BusMessage,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum BusMessage {
    /// A frame for every member of `topic` but `except`.
    Topic {
        topic: String,
        text: String,
        except: Vec<ConnId>,
    },
    /// One event (its `data` as JSON text) for every member of each topic: a chat message
    /// goes to each channel member's own topic.
    Topics {
        topics: Vec<String>,
        data: String,
    },
    /// A frame for one connection (only its node delivers it).
    Conn {
        conn: ConnId,
        text: String,
    },
    Joined {
        topic: String,
        peer: Peer,
    },
    Left {
        topic: String,
        conn: ConnId,
    },
    /// Alive, with how many (topic, connection) memberships the node has.
    Heartbeat {
        memberships: u64,
    },
    /// Asks `node` for its memberships.
    SnapshotRequest {
        node: u16,
    },
    /// Every membership of the sender: replaces what the others held for it.
    Snapshot {
        members: Vec<(String, Vec<Peer>)>,
    },
    /// The sender stops: its members leave now rather than after `DEAD_AFTER`.
    Bye,
    /// A session, token or account ended: every node closes the sockets opened with it.
    Revoke {
        revocation: nichoir_auth::Revocation,
    },
    /// Who may follow `topic` changed: every node checks its members again.
    Reauthorize {
        topic: String,
    },
    /// A call to a tool's part on node `to` (a pad's edit to the node that owns the pad):
    /// see `Hub::request`.
    Request {
        to: u16,
        id: u64,
        kind: String,
        body: String,
    },
    /// The answer to request `id` of node `to`: the handler's text, or its error's.
    Reply {
        to: u16,
        id: u64,
        ok: bool,
        body: String,
    },
    /// A tool's word to its part on the other nodes ("there are new chat events", "poll X
    /// changed"): see `Hub::on_signal`.
    Signal {
        name: String,
        value: String,
    },
}

/// Who owns a room (a pad's edits, a call's media) in a cluster: one node at a time, recorded
/// where every node sees it (`crates/cluster`). Tools ask the hub (`Hub::room_owner`).
#[async_trait::async_trait]
pub trait Rooms: Send + Sync {
    /// The node that owns `room`; taken for this node when no live node holds it.
    async fn owner(&self, room: &str) -> Result<u16, nichoir_core::Error>;
    /// What was known of `room`'s owner is stale (it did not answer, or said it moved, or this
    /// node's write was fenced off): the next `owner` asks the database.
    fn forget(&self, room: &str);
    /// Calls `lost` with a room this node owned and no longer does (its lease was taken).
    fn on_lost(&self, lost: Arc<dyn Fn(&str) + Send + Sync>);
    /// The node holding `room`'s lease now, if any; unlike `owner`, never takes it (a read).
    async fn holder(&self, room: &str) -> Result<Option<u16>, nichoir_core::Error>;
}

/// Why a request to another node got no answer from its handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// No answer in time (the node is gone, or the bus lost the request or its reply).
    Unanswered,
    /// The handler failed: its text.
    Failed(String),
}

/// What a node knows of another.
pub(crate) struct RemoteNode {
    pub(crate) topics: HashMap<String, HashMap<ConnId, Peer>>,
    pub(crate) last_seen: Instant,
}

impl RemoteNode {
    pub(crate) fn new(now: Instant) -> RemoteNode {
        RemoteNode {
            topics: HashMap::new(),
            last_seen: now,
        }
    }

    pub(crate) fn memberships(&self) -> u64 {
        self.topics.values().map(|m| m.len() as u64).sum()
    }

    pub(crate) fn join(&mut self, topic: String, peer: Peer) {
        self.topics
            .entry(topic)
            .or_default()
            .insert(peer.conn, peer);
    }

    /// The member that left, if it was known.
    pub(crate) fn leave(&mut self, topic: &str, conn: ConnId) -> Option<Peer> {
        let members = self.topics.get_mut(topic)?;
        let peer = members.remove(&conn);
        if members.is_empty() {
            self.topics.remove(topic);
        }
        peer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_survive_the_wire() {
        let peer = Peer {
            conn: (3 << NODE_SHIFT) | 7,
            id: "u_1".into(),
            display_name: "Ann".into(),
            avatar_color: "#123456".into(),
            guest: false,
            ip: "10.0.0.1".into(),
        };
        for message in [
            BusMessage::Topic {
                topic: "pad:x".into(),
                text: "{\"type\":\"event\"}".into(),
                except: vec![1, 2],
            },
            BusMessage::Joined {
                topic: "chat:u".into(),
                peer: peer.clone(),
            },
            BusMessage::Snapshot {
                members: vec![("chat:u".into(), vec![peer.clone()])],
            },
            BusMessage::Bye,
        ] {
            let e = Envelope { origin: 3, message };
            let text = serde_json::to_string(&e).expect("encode");
            let back: Envelope = serde_json::from_str(&text).expect("decode");
            match (&back.message, &e.message) {
                // The address is the node's own business: it never crosses.
                (BusMessage::Joined { peer: p, .. }, BusMessage::Joined { .. }) => {
                    assert_eq!(p.ip, "");
                    assert_eq!(p.conn, peer.conn);
                }
                (BusMessage::Snapshot { .. }, _) => {}
                _ => assert_eq!(back, e),
            }
        }
        assert_eq!(node_of(peer.conn), 3);
    }
}
