//! One WebSocket connection: reads frames, enforces limits, writes what the hub queues for it.

use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError};
use nichoir_auth::Actor;

use crate::bucket::TokenBucket;
use crate::frame::{self, Frame, BATCH_BYTES};
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
/// `actor` and checked the Origin; `ip` is the client's address (see [`Peer::ip`]). `batch`:
/// the client reads a JSON array of frames as those frames in order (see [`frame::batch`]).
pub fn serve_connection(
    req: &HttpRequest,
    body: web::Payload,
    actor: Actor,
    ip: String,
    hub: Hub,
    batch: bool,
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
        let batch_interval = Duration::from_millis(cfg.batch_interval_ms);
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
                        if let Some(first) = outgoing.try_recv() {
                            if write_queued(&mut session, first, &mut outgoing, batch).await.is_err() {
                                break None;
                            }
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
                    first = outgoing.recv() => {
                        // A busy stream (a chat channel at hundreds of messages a second) is
                        // written in bursts at most every `COALESCE`: the frames queued meanwhile
                        // go out in one write (and one message, for a client that reads
                        // batches) instead of one system call each. A quiet one is written at once.
                        let coalesce = if batch { batch_interval } else { COALESCE };
                        if let Some(at) = last_write.filter(|at| at.elapsed() < coalesce) {
                            tokio::time::sleep_until((at + coalesce).into()).await;
                        }
                        if write_queued(&mut session, first, &mut outgoing, batch).await.is_err() {
                            break None;
                        }
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

/// Writes `first` and what else is queued now: a message per frame, or as few messages as
/// [`frame::batch`] makes of them for a client that reads batches. Bounded by what the queue
/// holds while it writes.
async fn write_queued(
    session: &mut actix_ws::Session,
    first: Frame,
    outgoing: &mut crate::outbox::Receiver,
    batch: bool,
) -> Result<(), actix_ws::Closed> {
    let mut next = Some(first);
    while let Some(f) = next.take() {
        if batch {
            let (text, left) = frame::batch(f, || outgoing.try_recv(), BATCH_BYTES);
            session.text(text).await?;
            next = left.or_else(|| outgoing.try_recv());
        } else {
            session.text(f.into_text()).await?;
            next = outgoing.try_recv();
        }
    }
    Ok(())
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
// A client that reads batches waits `realtime.batch_interval_ms` instead: what waits then costs
// one message, not one per frame, so waiting a little longer saves more.

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
                // `Error::body`, so that a validation failure names its field and rule here too.
                let mut frame = e.body();
                if let Some(obj) = frame.as_object_mut() {
                    obj.insert("type".into(), "error".into());
                }
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
    tx: &crate::outbox::Sender,
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use nichoir_core::Error;
    use serde_json::{json, Value};
    use tokio_tungstenite::tungstenite::Message;

    /// Sends `count` events of `size` bytes to each new subscriber. They are queued while the
    /// connection handles the subscribe, so all of them wait when it next writes.
    struct Burst {
        count: usize,
        size: usize,
    }

    #[async_trait::async_trait]
    impl crate::hub::TopicHandler for Burst {
        async fn authorize(&self, _actor: &Actor, _topic: &str) -> Result<(), Error> {
            Ok(())
        }

        async fn on_subscribe(
            &self,
            hub: &Hub,
            peer: &Peer,
            _actor: &Actor,
            topic: &str,
        ) -> Result<(), Error> {
            let pad = "x".repeat(self.size);
            for n in 0..self.count {
                hub.send_event_to(peer.conn, topic, &json!({"n": n, "pad": pad}));
            }
            Ok(())
        }
    }

    /// A server with one route, `/ws`, serving `serve_connection` (`batch` from the query).
    fn serve(hub: Hub) -> std::net::SocketAddr {
        let server = actix_web::HttpServer::new(move || {
            let hub = hub.clone();
            actix_web::App::new().route(
                "/ws",
                web::get().to(move |req: HttpRequest, body: web::Payload| {
                    let hub = hub.clone();
                    async move {
                        let batch = req.query_string() == "batch=true";
                        let actor = Actor::test_user("u", Some("s_u"), None);
                        serve_connection(&req, body, actor, "127.0.0.1".into(), hub, batch)
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind");
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());
        addr
    }

    type Client = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    /// The next text message, as JSON.
    async fn next_json(ws: &mut Client) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .expect("a message in time")
                .expect("open")
                .expect("no error");
            if let Message::Text(t) = msg {
                return serde_json::from_str(&t).expect("json");
            }
        }
    }

    /// Subscribes to `t:1` and returns the messages that follow `subscribed` until `count`
    /// events came, each as the JSON it is (an event, or an array of them).
    async fn messages_after_subscribe(url: String, count: usize) -> Vec<Value> {
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        assert_eq!(next_json(&mut ws).await["type"], "hello");
        ws.send(Message::Text(
            json!({"type": "subscribe", "topic": "t:1"}).to_string(),
        ))
        .await
        .expect("send");
        assert_eq!(next_json(&mut ws).await["type"], "subscribed");
        let mut out = Vec::new();
        let mut events = 0;
        while events < count {
            let v = next_json(&mut ws).await;
            events += v.as_array().map_or(1, Vec::len);
            out.push(v);
        }
        out
    }

    fn events_in(messages: &[Value]) -> Vec<u64> {
        messages
            .iter()
            .flat_map(|m| m.as_array().cloned().unwrap_or_else(|| vec![m.clone()]))
            .map(|e| {
                assert_eq!(e["type"], "event", "{e}");
                assert_eq!(e["topic"], "t:1", "{e}");
                e["data"]["n"].as_u64().expect("n")
            })
            .collect()
    }

    #[actix_web::test]
    async fn frames_that_wait_go_out_as_one_array_for_a_client_that_asks() {
        let hub = Hub::new(nichoir_core::config::RealtimeConfig::default());
        hub.register("t", std::sync::Arc::new(Burst { count: 5, size: 10 }));
        let addr = serve(hub);

        let batched = messages_after_subscribe(format!("ws://{addr}/ws?batch=true"), 5).await;
        assert_eq!(batched.len(), 1, "one message: {batched:?}");
        assert!(batched[0].is_array());
        assert_eq!(events_in(&batched), [0, 1, 2, 3, 4]);

        let plain = messages_after_subscribe(format!("ws://{addr}/ws"), 5).await;
        assert_eq!(plain.len(), 5, "a message per frame without asking");
        assert!(plain.iter().all(Value::is_object));
        assert_eq!(events_in(&plain), [0, 1, 2, 3, 4]);
    }

    #[actix_web::test]
    async fn a_batch_stays_under_its_size_and_keeps_the_order() {
        let hub = Hub::new(nichoir_core::config::RealtimeConfig::default());
        // 200 events of 1 KiB: about 200 KiB waiting at once.
        hub.register(
            "t",
            std::sync::Arc::new(Burst {
                count: 200,
                size: 1024,
            }),
        );
        let addr = serve(hub);
        let url = format!("ws://{addr}/ws?batch=true");
        let messages = messages_after_subscribe(url, 200).await;
        assert!(messages.len() >= 4, "{} messages", messages.len());
        for m in &messages {
            assert!(m.to_string().len() <= frame::BATCH_BYTES);
        }
        assert_eq!(events_in(&messages), (0..200).collect::<Vec<u64>>());
    }
}
