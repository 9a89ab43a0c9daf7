//! The realtime endpoint `GET /api/v1/ws`: authentication and Origin checks on the upgrade, the
//! JSON protocol (hello, ping, subscribe, publish, presence), permissions, limits (size, rate,
//! bad frames), heartbeats and idle timeouts, and the close frame sent on graceful shutdown.
//!
//! No timing is asserted: timeouts only bound a hang.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use nichoir_testkit::TestServer;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data as OpData, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::support::{self, cookie_from, publish, send_json, subscribe, Ws, WsAuth};

/// Upper bound against hangs, never a performance expectation.
const WAIT: Duration = Duration::from_secs(15);

/// Creates `username` and logs in over HTTP; returns the user id and the `name=value` session cookie.
async fn session_for(server: &TestServer, username: &str) -> (String, String) {
    let (user, resp) = support::sign_in(server, username).await;
    let id = user["id"].as_str().expect("user id").to_string();
    (id, cookie_from(&resp, "nichoir_session"))
}

/// A guest identity: the `nichoir_guest=…` cookie.
async fn guest_cookie(server: &TestServer) -> String {
    cookie_from(&support::guest(server).await, "nichoir_guest")
}

/// Upgrades with `cookie` (if any) and `origin` (if any).
async fn try_connect(
    addr: SocketAddr,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Ws, tungstenite::Error> {
    let auth = cookie.map_or(WsAuth::Anonymous, WsAuth::Cookie);
    support::try_connect(addr, auth, origin, WAIT).await
}

/// Connects and reads the hello frame; returns the socket and the connection id.
async fn connect(addr: SocketAddr, cookie: &str) -> (Ws, u64) {
    let mut ws = try_connect(addr, Some(cookie), None)
        .await
        .expect("websocket upgrade");
    let hello = recv_json(&mut ws).await;
    assert_eq!(hello["type"], "hello", "first frame: {hello}");
    let conn = hello["conn"].as_u64().expect("hello.conn");
    (ws, conn)
}

fn handshake_status(err: tungstenite::Error) -> u16 {
    match err {
        tungstenite::Error::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal of the upgrade, got {other:?}"),
    }
}

/// The next JSON text frame (WebSocket pings and pongs are skipped; tungstenite answers pings).
async fn recv_json(ws: &mut Ws) -> Value {
    support::recv_json(ws, WAIT).await
}

/// Reads until the server's close frame and returns its code.
async fn recv_close(ws: &mut Ws) -> u16 {
    support::recv_close(ws, WAIT).await.0
}

/// Sends an application ping and expects the pong as the very next JSON frame.
async fn assert_ping_pong(ws: &mut Ws) {
    send_json(ws, &json!({"type": "ping"})).await;
    let reply = recv_json(ws).await;
    assert_eq!(reply, json!({"type": "pong"}));
}

fn member_ids(frame: &Value) -> BTreeSet<String> {
    frame["members"]
        .as_array()
        .unwrap_or_else(|| panic!("no members in {frame}"))
        .iter()
        .map(|m| m["id"].as_str().expect("member id").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_requires_identity_and_same_origin() {
    let server = TestServer::start().expect("server");
    let (_, cookie) = session_for(&server, "alice").await;

    let err = try_connect(server.addr, None, None)
        .await
        .expect_err("anonymous upgrade must be refused");
    assert_eq!(handshake_status(err), 401, "upgrade without identity");

    let err = try_connect(server.addr, Some(&cookie), Some("http://evil.example"))
        .await
        .expect_err("cross-origin upgrade must be refused");
    assert_eq!(handshake_status(err), 403, "upgrade from another origin");

    let same = format!("http://127.0.0.1:{}", server.addr.port());
    let mut ws = try_connect(server.addr, Some(&cookie), Some(&same))
        .await
        .expect("same-origin upgrade");
    let hello = recv_json(&mut ws).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    assert_ping_pong(&mut ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_then_ping_pong() {
    let server = TestServer::start().expect("server");
    let (_, cookie) = session_for(&server, "alice").await;
    let mut ws = try_connect(server.addr, Some(&cookie), None)
        .await
        .expect("upgrade");
    let hello = recv_json(&mut ws).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    assert!(hello["conn"].is_u64(), "{hello}");
    assert_eq!(
        hello["max_message_bytes"].as_u64(),
        Some(server.config.realtime.max_message_bytes),
        "{hello}"
    );
    assert_eq!(
        hello["heartbeat_secs"].as_u64(),
        Some(server.config.realtime.heartbeat_secs),
        "{hello}"
    );
    assert_ping_pong(&mut ws).await;
    assert_ping_pong(&mut ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_subscribe_publish_and_leave() {
    let server = TestServer::start().expect("server");
    let (a_id, a_cookie) = session_for(&server, "anna").await;
    let (b_id, b_cookie) = session_for(&server, "bruno").await;
    let topic = "presence:team";

    let (mut a, a_conn) = connect(server.addr, &a_cookie).await;
    send_json(&mut a, &subscribe(topic)).await;
    let sub = recv_json(&mut a).await;
    assert_eq!(sub["type"], "subscribed", "{sub}");
    assert_eq!(sub["topic"], topic, "{sub}");
    assert_eq!(member_ids(&sub), BTreeSet::from([a_id.clone()]), "{sub}");
    assert_eq!(sub["members"][0]["conn"].as_u64(), Some(a_conn), "{sub}");
    assert_eq!(sub["members"][0]["guest"], false, "{sub}");

    let (mut b, b_conn) = connect(server.addr, &b_cookie).await;
    send_json(&mut b, &subscribe(topic)).await;
    let sub = recv_json(&mut b).await;
    assert_eq!(sub["type"], "subscribed", "{sub}");
    assert_eq!(
        member_ids(&sub),
        BTreeSet::from([a_id.clone(), b_id.clone()]),
        "{sub}"
    );

    let joined = recv_json(&mut a).await;
    assert_eq!(joined["type"], "presence", "{joined}");
    assert_eq!(joined["topic"], topic, "{joined}");
    assert_eq!(joined["joined"]["id"], b_id.as_str(), "{joined}");
    assert_eq!(joined["joined"]["conn"].as_u64(), Some(b_conn), "{joined}");
    assert_eq!(joined["joined"]["display_name"], "BRUNO", "{joined}");
    assert!(joined.get("left").is_none(), "{joined}");

    send_json(&mut b, &publish(topic, json!({"typing": true}))).await;
    let event = recv_json(&mut a).await;
    assert_eq!(event["type"], "event", "{event}");
    assert_eq!(event["topic"], topic, "{event}");
    assert_eq!(event["from"]["id"], b_id.as_str(), "{event}");
    assert_eq!(event["from"]["conn"].as_u64(), Some(b_conn), "{event}");
    assert_eq!(event["data"], json!({"typing": true}), "{event}");

    // The author does not hear its own event: the next frame B gets answers its ping.
    assert_ping_pong(&mut b).await;

    b.close(None).await.expect("close B");
    drop(b);
    let left = recv_json(&mut a).await;
    assert_eq!(left["type"], "presence", "{left}");
    assert_eq!(left["topic"], topic, "{left}");
    assert_eq!(left["left"]["id"], b_id.as_str(), "{left}");
    assert_eq!(left["left"]["conn"].as_u64(), Some(b_conn), "{left}");
    assert!(left.get("joined").is_none(), "{left}");
    assert_ping_pong(&mut a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_topics_and_publish_permissions() {
    let server = TestServer::start().expect("server");
    let guest = guest_cookie(&server).await;
    let (mut g, _) = connect(server.addr, &guest).await;
    send_json(&mut g, &subscribe("presence:x")).await;
    let err = recv_json(&mut g).await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(err["code"], "forbidden", "guest on presence: {err}");
    assert!(err["message"].is_string(), "{err}");
    // Not subscribed, so not allowed to publish either.
    send_json(&mut g, &publish("presence:x", json!({}))).await;
    let err = recv_json(&mut g).await;
    assert_eq!(err["code"], "forbidden", "guest publish: {err}");
    assert_ping_pong(&mut g).await;

    let (_, cookie) = session_for(&server, "carla").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    send_json(&mut ws, &subscribe("nosuchtool:1")).await;
    let err = recv_json(&mut ws).await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(err["code"], "not_found", "unknown topic prefix: {err}");

    send_json(&mut ws, &publish("presence:team", json!({"x": 1}))).await;
    let err = recv_json(&mut ws).await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(
        err["code"], "forbidden",
        "publish without subscribing: {err}"
    );
    assert_ping_pong(&mut ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_is_an_error_frame_and_the_connection_survives() {
    let server = TestServer::start().expect("server");
    let (_, cookie) = session_for(&server, "dora").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    for bad in [
        "this is not json",
        "{\"type\":\"nuke\"}",
        "{\"type\":\"subscribe\"}",
        "[1,2,3]",
    ] {
        ws.send(Message::Text(bad.to_string())).await.expect("send");
        let err = recv_json(&mut ws).await;
        assert_eq!(err["type"], "error", "{bad}: {err}");
        assert_eq!(err["code"], "invalid_message", "{bad}: {err}");
        assert_ping_pong(&mut ws).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_text_frame_closes_with_1007() {
    let server = TestServer::start().expect("server");
    let (_, cookie) = session_for(&server, "emil").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    let frame = Frame::message(
        vec![b'{', 0xff, 0xfe, 0xfd, b'}'],
        OpCode::Data(OpData::Text),
        true,
    );
    ws.send(Message::Frame(frame))
        .await
        .expect("send raw frame");
    assert_eq!(recv_close(&mut ws).await, 1007);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_frame_closes_with_1003() {
    let server = TestServer::start().expect("server");
    let (_, cookie) = session_for(&server, "fanny").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    ws.send(Message::Binary(vec![1, 2, 3])).await.expect("send");
    assert_eq!(recv_close(&mut ws).await, 1003);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_message_closes_with_1009() {
    let server = TestServer::start_with(|c| c.realtime.max_message_bytes = 1024).expect("server");
    let (_, cookie) = session_for(&server, "gus").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    // Just under the limit still works.
    let ok = json!({"type": "publish", "topic": "presence:a", "data": {"p": "x".repeat(900)}});
    send_json(&mut ws, &ok).await;
    let err = recv_json(&mut ws).await;
    assert_eq!(err["code"], "forbidden", "{err}");
    let big = json!({"type": "publish", "topic": "presence:a", "data": {"p": "x".repeat(2000)}});
    send_json(&mut ws, &big).await;
    assert_eq!(recv_close(&mut ws).await, 1009);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_rate_limited() {
    let server = TestServer::start_with(|c| {
        c.realtime.burst = 5;
        c.realtime.messages_per_second = 1;
    })
    .expect("server");
    let (_, cookie) = session_for(&server, "hugo").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    for _ in 0..20 {
        ws.feed(Message::Text(json!({"type": "ping"}).to_string()))
            .await
            .expect("feed");
    }
    ws.flush().await.expect("flush");
    let mut pongs = 0;
    let mut limited = 0;
    for _ in 0..20 {
        let reply = recv_json(&mut ws).await;
        match (reply["type"].as_str(), reply["code"].as_str()) {
            (Some("pong"), _) => pongs += 1,
            (Some("error"), Some("rate_limited")) => limited += 1,
            _ => panic!("unexpected frame {reply}"),
        }
    }
    assert!(
        limited >= 1,
        "20 pings with burst 5: {pongs} pongs, no rate_limited"
    );
    assert!(pongs >= 5, "the burst is allowed: {pongs} pongs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_sends_1001() {
    let mut server = TestServer::start().expect("server");
    let (_, cookie) = session_for(&server, "ines").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    send_json(&mut ws, &subscribe("presence:all")).await;
    assert_eq!(recv_json(&mut ws).await["type"], "subscribed");

    let stopper = tokio::task::spawn_blocking(move || {
        server.stop();
        server
    });
    assert_eq!(recv_close(&mut ws).await, 1001);
    drop(ws);
    let server = tokio::time::timeout(Duration::from_secs(30), stopper)
        .await
        .expect("server did not stop")
        .expect("stop thread");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_spares_a_client_that_answers_pings() {
    let server = TestServer::start_with(|c| {
        c.realtime.heartbeat_secs = 1;
        c.realtime.idle_timeout_secs = 2;
    })
    .expect("server");
    let (_, cookie) = session_for(&server, "jade").await;
    let (mut ws, _) = connect(server.addr, &cookie).await;
    // Keep reading (tungstenite answers the server's pings) without sending anything ourselves
    // for twice the idle timeout.
    let until = tokio::time::Instant::now() + Duration::from_secs(4);
    let mut pings = 0;
    loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Err(_) => break,
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Pong(_)))) => {}
            Ok(other) => panic!("a client that answers pings was disturbed: {other:?}"),
        }
    }
    assert!(pings >= 1, "the server sends heartbeat pings");
    assert_ping_pong(&mut ws).await;
}

/// A WebSocket client written by hand: it never answers pings and reads raw frames.
struct RawWs {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RawWs {
    async fn connect(addr: SocketAddr, cookie: &str) -> RawWs {
        let mut stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .expect("connect hung")
            .expect("connect");
        let req = format!(
            "GET /api/v1/ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n"
        );
        stream
            .write_all(req.as_bytes())
            .await
            .expect("write upgrade");
        let mut raw = RawWs {
            stream,
            buf: Vec::new(),
        };
        let end = loop {
            if let Some(i) = raw.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            raw.fill().await;
        };
        let head = String::from_utf8_lossy(&raw.buf[..end]).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "upgrade refused: {head}");
        raw.buf.drain(..end);
        raw
    }

    async fn fill(&mut self) {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(20), self.stream.read(&mut chunk))
            .await
            .expect("nothing from the server")
            .expect("read");
        assert!(
            n > 0,
            "the server closed the TCP connection without a close frame"
        );
        self.buf.extend_from_slice(&chunk[..n]);
    }

    /// The next frame: (opcode, payload). Server frames are never masked.
    async fn frame(&mut self) -> (u8, Vec<u8>) {
        loop {
            if let Some((opcode, payload, used)) = parse_frame(&self.buf) {
                self.buf.drain(..used);
                return (opcode, payload);
            }
            self.fill().await;
        }
    }
}

fn parse_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0f;
    assert_eq!(buf[1] & 0x80, 0, "server frames must not be masked");
    let (len, start) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b) as usize, 10)
        }
        126 | 127 => return None,
        n => (n as usize, 2),
    };
    if buf.len() < start + len {
        return None;
    }
    Some((opcode, buf[start..start + len].to_vec(), start + len))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_closes_a_client_that_never_answers() {
    let server = TestServer::start_with(|c| {
        c.realtime.heartbeat_secs = 1;
        c.realtime.idle_timeout_secs = 2;
    })
    .expect("server");
    let (_, cookie) = session_for(&server, "karl").await;
    let mut raw = RawWs::connect(server.addr, &cookie).await;
    let (opcode, hello) = raw.frame().await;
    assert_eq!(opcode, 0x1, "hello is a text frame");
    let hello: Value = serde_json::from_slice(&hello).expect("hello is JSON");
    assert_eq!(hello["type"], "hello", "{hello}");
    let mut pings = 0;
    let code = loop {
        match raw.frame().await {
            (0x9, _) => pings += 1,
            (0x8, payload) => {
                assert!(payload.len() >= 2, "close frame without a code");
                break u16::from_be_bytes([payload[0], payload[1]]);
            }
            (op, payload) => panic!("unexpected frame {op}: {payload:?}"),
        }
    };
    assert_eq!(
        code, 1001,
        "idle timeout closes with 1001 (after {pings} pings)"
    );
}
