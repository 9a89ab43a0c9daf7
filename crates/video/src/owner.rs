//! Calls in a cluster: a call's SFU (its peer connections, who is in it, the lobby) lives on
//! one node, the owner of room `video:<room>` (`Hub::room_owner`; leases in `crates/cluster`).
//! Any node accepts a participant's socket and sends what it publishes on the topic to the
//! owner; the owner answers through the hub, which reaches sockets on every node, and its own
//! ICE candidates bring the media straight to its UDP port. When the owner is gone, the nodes
//! that forwarded to it tell their participants `media_failed`: the client joins again with its
//! resume token, and the first frame makes another node the owner. Outside a cluster every call
//! is this node's and nothing here runs.

use std::sync::Arc;

use nichoir_core::{Error, ErrorCode};
use nichoir_realtime::owner::{AskError, Failure, Reached, PATIENCE};
use nichoir_realtime::ConnId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::ServerFrame;
use crate::service::{topic_of, Caller, VideoService};

/// The request kind calls answer on the bus.
const KIND: &str = "video";

/// What a node asks a call's owner.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub(crate) enum Call {
    /// A frame published on the room's topic, as the client sent it.
    Frame {
        room: String,
        conn: ConnId,
        caller: Caller,
        ip: String,
        data: Value,
    },
    /// A new subscriber of the topic: the owner sends it the `room` frame.
    Subscribe {
        room: String,
        actor_id: String,
        conn: ConnId,
    },
    /// A socket left the topic.
    Left { room: String, conn: ConnId },
    /// How many people are in the call (a room's page on another node).
    Count { room: String },
}

impl Call {
    fn room(&self) -> &str {
        match self {
            Call::Frame { room, .. }
            | Call::Subscribe { room, .. }
            | Call::Left { room, .. }
            | Call::Count { room } => room,
        }
    }
}

/// Runs `call` where the room's call lives: here, or on its owner.
pub(crate) async fn dispatch(s: &Arc<VideoService>, call: Call) -> Result<(), Error> {
    let key = topic_of(call.room());
    let Some(node) = s.hub().room_owner(&key).await? else {
        s.forwarded.lock().remove(call.room());
        return here(s, call).await;
    };
    let body = serde_json::to_string(&call).map_err(Error::internal)?;
    match s.hub().ask_owner(&key, node, KIND, &body, PATIENCE).await {
        Ok(Reached::Answer { node, .. }) => {
            s.forwarded.lock().insert(call.room().to_string(), node);
            Ok(())
        }
        Ok(Reached::Here) => {
            s.forwarded.lock().remove(call.room());
            here(s, call).await
        }
        Err(AskError::Failed(f)) => Err(f.into_error()),
        Err(AskError::Lookup(e)) => Err(e),
        Err(AskError::Unanswered) => Err(Error::new(
            ErrorCode::Unavailable,
            "this call's server does not answer: try again in a moment",
        )),
    }
}

/// Answers another node's request (registered with `Hub::on_request`).
async fn answer(s: Arc<VideoService>, body: String) -> Result<String, String> {
    let call: Call = serde_json::from_str(&body)
        .map_err(|e| Failure::new("bad_request", e.to_string()).to_text())?;
    if let Call::Count { room } = &call {
        // Whoever holds the call answers: a count needs no lease check.
        return Ok(s.in_call(room).to_string());
    }
    s.hub().check_owner(&topic_of(call.room())).await?;
    match here(&s, call).await {
        Ok(()) => Ok(String::new()),
        Err(e) => Err(Failure::new(e.code.as_str(), e.message).to_text()),
    }
}

/// How long a room's page waits for the count of the node holding its call.
const COUNT_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// The people in `room`'s call, wherever it runs: here, or asked of the node that holds it
/// (0 when none does, or it does not answer in time). Takes no lease: a page view is a read.
pub(crate) async fn people_in(s: &VideoService, room: &str) -> usize {
    let here = s.in_call(room);
    if here > 0 {
        return here;
    }
    let Ok(Some(node)) = s.hub().room_holder(&topic_of(room)).await else {
        return 0;
    };
    let Ok(body) = serde_json::to_string(&Call::Count {
        room: room.to_string(),
    }) else {
        return 0;
    };
    match s.hub().request(node, KIND, body, COUNT_TIMEOUT).await {
        Ok(n) => n.parse().unwrap_or(0),
        Err(_) => 0,
    }
}

/// Runs `call` on this node, which owns the room.
async fn here(s: &Arc<VideoService>, call: Call) -> Result<(), Error> {
    match call {
        Call::Frame {
            room,
            conn,
            caller,
            ip,
            data,
        } => {
            s.take_frame(&room, conn, caller, ip, data).await;
            Ok(())
        }
        Call::Subscribe {
            room,
            actor_id,
            conn,
        } => {
            let frame = s.room_frame_for(&room, &actor_id, conn).await?;
            s.hub()
                .send_event_to(conn, &topic_of(&room), &frame.to_value());
            Ok(())
        }
        Call::Left { room, conn } => {
            let svc = s.clone();
            s.spawn(async move { svc.disconnected(&room, conn).await });
            Ok(())
        }
        Call::Count { .. } => Ok(()),
    }
}

/// Makes this node answer the others for the calls it owns, and follow the nodes that go.
pub(crate) fn serve_other_nodes(s: &Arc<VideoService>) {
    let hub = s.hub();
    let weak = Arc::downgrade(s);
    hub.on_request(
        KIND,
        Arc::new(move |body: String| {
            let service = weak.upgrade();
            Box::pin(async move {
                match service {
                    Some(s) => answer(s, body).await,
                    None => Err(Failure::new("unavailable", "stopping").to_text()),
                }
            })
        }),
    );
    let weak = Arc::downgrade(s);
    hub.on_node_gone(Arc::new(move |node: u16| {
        if let Some(s) = weak.upgrade() {
            node_gone(&s, node);
        }
    }));
    let weak = Arc::downgrade(s);
    hub.on_room_lost(Arc::new(move |key: &str| {
        let (Some(s), Some(room)) = (weak.upgrade(), key.strip_prefix("video:")) else {
            return;
        };
        let (svc, room) = (s.clone(), room.to_string());
        s.spawn(async move { svc.moved_away(&room).await });
    }));
}

/// Node `node` is gone: the participants whose socket was there are disconnected (kept for the
/// grace period: they come back through another node with their resume token), and the calls
/// it owned are joined again by this node's participants.
fn node_gone(s: &Arc<VideoService>, node: u16) {
    for (room, conn) in s.conns_on(node) {
        let svc = s.clone();
        s.spawn(async move { svc.disconnected(&room, conn).await });
    }
    let rooms: Vec<String> = {
        let mut forwarded = s.forwarded.lock();
        let rooms = forwarded
            .iter()
            .filter(|(_, n)| **n == node)
            .map(|(r, _)| r.clone())
            .collect::<Vec<_>>();
        for r in &rooms {
            forwarded.remove(r);
        }
        rooms
    };
    for room in rooms {
        let topic = topic_of(&room);
        s.hub().forget_room_owner(&topic);
        s.hub()
            .deliver_json_local([topic.as_str()], &media_failed().to_value().to_string());
    }
}

/// What tells a participant that its call must be joined again (its client does so with its
/// resume token).
pub(crate) fn media_failed() -> ServerFrame {
    ServerFrame::Error {
        code: ErrorCode::MediaFailed,
        message: "the call moved to another server: joining again".into(),
    }
}
