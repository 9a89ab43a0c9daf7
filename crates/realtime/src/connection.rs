//! One WebSocket connection: reads frames, enforces limits, writes what the hub queues for it.

use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError};
use nichoir_auth::Actor;

use crate::bucket::TokenBucket;
use crate::hub::{Hub, Peer};
use crate::protocol::{ClientMessage, ServerMessage};

fn reason(code: CloseCode, text: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(text.to_string()),
    })
}

fn error_frame(code: &str, message: &str) -> String {
    ServerMessage::Error { code, message }.to_text()
}

/// Upgrades the request and runs the connection until it ends. The caller has authenticated
/// `actor` and checked the Origin; `ip` is the client's address (see [`Peer::ip`]).
pub fn serve_connection(
    req: &HttpRequest,
    body: web::Payload,
    actor: Actor,
    ip: String,
    hub: Hub,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, mut session, stream) = actix_ws::handle(req, body)?;
    let cfg = hub.config().clone();
    let max = cfg.max_message_bytes as usize;
    let mut stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);

    actix_web::rt::spawn(async move {
        let crate::hub::Registered {
            id: conn,
            mut outgoing,
            sender: tx,
            close: close_signal,
        } = hub.connect(&actor);
        let peer = Peer::of(conn, &actor, ip);
        let publishes = spawn_publish_worker(hub.clone(), actor.clone(), peer.clone());
        let mut shutdown = hub.shutdown_signal();
        let mut heartbeat = tokio::time::interval(Duration::from_secs(cfg.heartbeat_secs));
        heartbeat.tick().await;
        let idle = Duration::from_secs(cfg.idle_timeout_secs);
        let mut last_heard = Instant::now();
        // When frames were last written out (see `COALESCE`).
        let mut last_write: Option<Instant> = None;
        let mut bucket = TokenBucket::new(cfg.messages_per_second, cfg.burst, Instant::now());
        let mut topics: Vec<String> = Vec::new();

        let hello = ServerMessage::Hello {
            conn,
            heartbeat_secs: cfg.heartbeat_secs,
            max_message_bytes: cfg.max_message_bytes,
        };
        let mut close: Option<CloseReason> = if session.text(hello.to_text()).await.is_err() {
            None
        } else {
            loop {
                tokio::select! {
                    msg = stream.recv() => {
                        let Some(msg) = msg else { break None };
                        last_heard = Instant::now();
                        // Whatever was queued before this message is sent before any direct
                        // reply to it, so replies never overtake earlier events. Bounded by the
                        // queue's length at this moment.
                        let mut flushed = Ok(());
                        while let Ok(text) = outgoing.try_recv() {
                            flushed = session.text(text).await;
                            if flushed.is_err() {
                                break;
                            }
                        }
                        if flushed.is_err() {
                            break None;
                        }
                        match msg {
                            Ok(AggregatedMessage::Text(text)) => {
                                if !bucket.take(Instant::now()) {
                                    if session.text(error_frame("rate_limited", "too many messages, slow down")).await.is_err() {
                                        break None;
                                    }
                                    continue;
                                }
                                let reply = handle_text(&hub, &actor, &peer, &tx, &publishes, &mut topics, &text).await;
                                if let Some(reply) = reply {
                                    if session.text(reply).await.is_err() { break None; }
                                }
                            }
                            Ok(AggregatedMessage::Binary(_)) => {
                                break reason(CloseCode::Unsupported, "binary frames are not used");
                            }
                            Ok(AggregatedMessage::Ping(bytes)) => {
                                if session.pong(&bytes).await.is_err() { break None; }
                            }
                            Ok(AggregatedMessage::Pong(_)) => {}
                            Ok(AggregatedMessage::Close(_)) => break reason(CloseCode::Normal, "bye"),
                            Err(ProtocolError::Overflow) => {
                                break reason(CloseCode::Size, "message too large");
                            }
                            Err(ProtocolError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                                break reason(CloseCode::Invalid, "text frames must be valid UTF-8");
                            }
                            Err(e) => {
                                tracing::debug!(conn, error = %e, "websocket protocol error");
                                break reason(CloseCode::Protocol, "protocol error");
                            }
                        }
                    }
                    out = outgoing.recv() => {
                        let Some(text) = out else { break None };
                        // A busy stream (a chat channel at hundreds of messages a second) is
                        // written in bursts at most every `COALESCE`: the frames queued meanwhile
                        // go out in one write instead of one system call each. A quiet one is
                        // written at once.
                        if let Some(at) = last_write.filter(|at| at.elapsed() < COALESCE) {
                            tokio::time::sleep_until((at + COALESCE).into()).await;
                        }
                        let mut sent = session.text(text).await;
                        while let (true, Ok(more)) = (sent.is_ok(), outgoing.try_recv()) {
                            sent = session.text(more).await;
                        }
                        if sent.is_err() { break None; }
                        last_write = Some(Instant::now());
                    }
                    (code, why) = close_signal.requested() => {
                        break reason(CloseCode::from(code), why);
                    }
                    _ = heartbeat.tick() => {
                        if last_heard.elapsed() >= idle {
                            break reason(CloseCode::Away, "idle timeout");
                        }
                        if session.ping(b"").await.is_err() { break None; }
                    }
                    _ = shutdown.changed() => {
                        break reason(CloseCode::Away, "server shutting down");
                    }
                }
            }
        };
        hub.disconnect(conn);
        if let Some(r) = close.take() {
            let _ = session.close(Some(r)).await;
        } else {
            let _ = session.close(None).await;
        }
    });
    Ok(response)
}

/// A publish waiting for the connection's publish worker.
struct Publish {
    handler: std::sync::Arc<dyn crate::hub::TopicHandler>,
    topic: String,
    data: serde_json::Value,
}

/// Publishes waiting per connection before new ones are refused with `rate_limited`.
const PUBLISH_QUEUE: usize = 64;
/// The shortest time between two writes of queued frames to one socket: at most 5 ms added to
/// a frame of a stream busier than 200 frames a second, none to a quieter one.
const COALESCE: Duration = Duration::from_millis(5);

/// Runs a connection's publishes one after another (their order is the client's order).
fn spawn_publish_worker(hub: Hub, actor: Actor, peer: Peer) -> tokio::sync::mpsc::Sender<Publish> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Publish>(PUBLISH_QUEUE);
    actix_web::rt::spawn(async move {
        while let Some(p) = rx.recv().await {
            // Rights as of now, not as of subscribe time: a pad that got a password since,
            // a session that ended, refuse what is still queued.
            if !hub.still_allowed(&p.topic, peer.conn).await {
                let frame = serde_json::json!({"type": "error", "code": "forbidden", "topic": p.topic,
                    "message": "you no longer follow this topic"});
                hub.send_to(peer.conn, &frame);
                continue;
            }
            if let Err(e) = p
                .handler
                .on_publish(&hub, &peer, &actor, &p.topic, p.data)
                .await
            {
                let frame = serde_json::json!({"type": "error", "code": e.code.as_str(), "message": e.message});
                hub.send_to(peer.conn, &frame);
            }
        }
    });
    tx
}

/// Handles one client frame; returns the direct reply, if any.
async fn handle_text(
    hub: &Hub,
    actor: &Actor,
    peer: &Peer,
    tx: &tokio::sync::mpsc::Sender<String>,
    publishes: &tokio::sync::mpsc::Sender<Publish>,
    topics: &mut Vec<String>,
    text: &str,
) -> Option<String> {
    let msg: ClientMessage = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => return Some(error_frame("invalid_message", &e.to_string())),
    };
    match msg {
        ClientMessage::Ping {} => Some(ServerMessage::Pong {}.to_text()),
        ClientMessage::Subscribe { topic } => {
            if topic.len() > 256 {
                return Some(error_frame("validation_failed", "topic too long"));
            }
            // The hub may have removed some (rights changed): it is the one that knows.
            topics.retain(|t| hub.is_member(t, peer.conn));
            if topics.contains(&topic) {
                return Some(
                    ServerMessage::Subscribed {
                        topic: &topic,
                        members: hub.members(&topic),
                    }
                    .to_text(),
                );
            }
            if topics.len() >= hub.config().max_topics_per_connection as usize {
                return Some(error_frame(
                    "rate_limited",
                    "too many topics on one connection",
                ));
            }
            let Some(handler) = hub.handler_for(&topic) else {
                return Some(error_frame("not_found", "no such topic"));
            };
            // Rights may change while we ask (a password set meanwhile): then ask again.
            let mut members = None;
            for _ in 0..3 {
                let epoch = hub.epoch(&topic);
                if let Err(e) = handler.authorize(actor, &topic).await {
                    return Some(error_frame(e.code.as_str(), &e.message));
                }
                if !hub.is_connected(peer.conn) {
                    return None; // closed meanwhile (its session ended): the close frame says why
                }
                members = hub.join(&topic, peer.clone(), actor, epoch, tx.clone());
                if members.is_some() {
                    break;
                }
            }
            let Some(members) = members else {
                return Some(error_frame(
                    "conflict",
                    "the topic's rights keep changing, try again",
                ));
            };
            topics.push(topic.clone());
            // What the handler sends now is queued, so it reaches the client after the
            // `subscribed` reply, which is written directly.
            if let Err(e) = handler.on_subscribe(hub, peer, actor, &topic).await {
                topics.retain(|t| t != &topic);
                hub.leave(&topic, peer.conn);
                return Some(error_frame(e.code.as_str(), &e.message));
            }
            Some(
                ServerMessage::Subscribed {
                    topic: &topic,
                    members,
                }
                .to_text(),
            )
        }
        ClientMessage::Unsubscribe { topic } => {
            topics.retain(|t| t != &topic);
            hub.leave(&topic, peer.conn);
            Some(
                ServerMessage::Unsubscribed {
                    topic: &topic,
                    reason: None,
                }
                .to_text(),
            )
        }
        ClientMessage::Publish { topic, data } => {
            if !hub.is_member(&topic, peer.conn) {
                return Some(error_frame("forbidden", "subscribe to the topic first"));
            }
            let Some(handler) = hub.handler_for(&topic) else {
                return Some(error_frame("not_found", "no such topic"));
            };
            // Handled by this connection's publish worker, in order, while this loop keeps
            // writing what others send: a publish that waits (a pad edit waiting for its commit)
            // must not let this connection's queue overflow.
            match publishes.try_send(Publish {
                handler,
                topic,
                data,
            }) {
                Ok(()) => None,
                Err(_) => Some(error_frame(
                    "rate_limited",
                    "too many messages waiting, slow down",
                )),
            }
        }
    }
}
