//! Helpers shared by the tests that talk to the realtime endpoint: signing in (cookies), the
//! WebSocket upgrade with a cookie or a bearer token, JSON frames in and out, message builders.
//!
//! Every wait is bounded by the caller's `wait`, which only guards against a hang.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use nichoir_testkit::TestServer;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub const PASSWORD: &str = "password-of-test";

/// The `name=value` part of the response's `Set-Cookie` for `name`.
pub fn cookie_from(resp: &reqwest::Response, name: &str) -> String {
    let prefix = format!("{name}=");
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .find(|kv| kv.starts_with(&prefix) && kv.len() > prefix.len())
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", resp.headers()))
        .to_string()
}

/// Creates `username` (PASSWORD, not an admin) and logs in over HTTP; returns the created user
/// and the successful login response.
pub async fn sign_in(server: &TestServer, username: &str) -> (Value, reqwest::Response) {
    let user = server
        .create_user(username, PASSWORD, false)
        .await
        .expect("create user");
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("login request");
    assert_eq!(resp.status().as_u16(), 200, "login of {username}");
    (user, resp)
}

/// A new guest identity: the successful `GET /api/v1/guest` response.
pub async fn guest(server: &TestServer) -> reqwest::Response {
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/guest", server.url))
        .send()
        .await
        .expect("guest request");
    assert_eq!(resp.status().as_u16(), 200, "GET /api/v1/guest");
    resp
}

/// How a WebSocket upgrade request identifies its sender.
#[derive(Clone, Copy)]
pub enum WsAuth<'a> {
    Anonymous,
    /// A `name=value` cookie.
    Cookie(&'a str),
    /// An API token.
    Bearer(&'a str),
}

/// Upgrades `GET /api/v1/ws` (with an `Origin` header if given); a refusal is the `Err`.
pub async fn try_connect(
    addr: SocketAddr,
    auth: WsAuth<'_>,
    origin: Option<&str>,
    wait: Duration,
) -> Result<Ws, tungstenite::Error> {
    try_connect_with(addr, "", auth, origin, wait).await
}

/// As [`try_connect`], with a query string (`?batch=true`).
pub async fn try_connect_with(
    addr: SocketAddr,
    query: &str,
    auth: WsAuth<'_>,
    origin: Option<&str>,
    wait: Duration,
) -> Result<Ws, tungstenite::Error> {
    let mut req = format!("ws://{addr}/api/v1/ws{query}").into_client_request()?;
    match auth {
        WsAuth::Anonymous => {}
        WsAuth::Cookie(c) => {
            req.headers_mut()
                .insert("cookie", HeaderValue::from_str(c).expect("cookie header"));
        }
        WsAuth::Bearer(token) => {
            let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("bearer header");
            req.headers_mut().insert("authorization", value);
        }
    }
    if let Some(o) = origin {
        req.headers_mut()
            .insert("origin", HeaderValue::from_str(o).expect("origin header"));
    }
    let (ws, _) = tokio::time::timeout(wait, tokio_tungstenite::connect_async(req))
        .await
        .expect("websocket handshake hung")?;
    Ok(ws)
}

/// Upgrades `GET /api/v1/ws`; fails the test if refused.
pub async fn ws_connect(addr: SocketAddr, auth: WsAuth<'_>, wait: Duration) -> Ws {
    try_connect(addr, auth, None, wait)
        .await
        .expect("websocket upgrade")
}

pub async fn send_json(ws: &mut Ws, v: &Value) {
    ws.send(Message::Text(v.to_string()))
        .await
        .expect("websocket send");
}

/// The next JSON text frame (WebSocket pings and pongs are skipped; tungstenite answers pings).
pub async fn recv_json(ws: &mut Ws, wait: Duration) -> Value {
    loop {
        let msg = tokio::time::timeout(wait, ws.next())
            .await
            .expect("no frame from the server")
            .expect("connection ended")
            .expect("websocket error");
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).expect("server frames are JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a JSON text frame, got {other:?}"),
        }
    }
}

/// Reads until the server's close frame (text frames before it are skipped); returns its code
/// and reason.
pub async fn recv_close(ws: &mut Ws, wait: Duration) -> (u16, String) {
    loop {
        let msg = tokio::time::timeout(wait, ws.next())
            .await
            .expect("no close frame from the server")
            .expect("connection ended without a close frame")
            .expect("websocket error before the close frame");
        match msg {
            Message::Close(Some(frame)) => {
                return (u16::from(frame.code), frame.reason.to_string())
            }
            Message::Close(None) => panic!("close frame without a code"),
            _ => continue,
        }
    }
}

pub fn subscribe(topic: &str) -> Value {
    json!({"type": "subscribe", "topic": topic})
}

pub fn publish(topic: &str, data: Value) -> Value {
    json!({"type": "publish", "topic": topic, "data": data})
}

/// A pad edit (the `data` of a publish on `pad:…`).
pub fn op_msg(client_id: &str, seq: u64, rev: u64, op: Value) -> Value {
    json!({"type": "op", "client_id": client_id, "seq": seq, "rev": rev, "op": op})
}

/// The body of a 2xx answer, else an error naming `what` (async, to read as the calls it wraps).
pub async fn ok(r: nichoir_testkit::Reply, what: &str) -> anyhow::Result<Value> {
    anyhow::ensure!(
        (200..300).contains(&r.status),
        "{what}: {} {:?}",
        r.status,
        r.body
    );
    Ok(r.body)
}

/// Sends the server's mail to the test sink listening on `port` (plain SMTP on loopback).
pub fn mail_to_sink(c: &mut nichoir_core::config::Config, port: u16) {
    c.smtp.host = "127.0.0.1".into();
    c.smtp.port = u64::from(port);
    c.smtp.starttls = false;
    c.smtp.from = "Nichoir <tests@nichoir.test>".into();
}

/// The channel of `team` named `name`, as `c` sees the team's channels.
pub async fn channel_named(
    c: &nichoir_testkit::Client,
    team: &str,
    name: &str,
) -> anyhow::Result<Value> {
    let list = c
        .get(&format!("/api/v1/chat/teams/{team}/channels"))
        .await?;
    list.body
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == name).cloned())
        .ok_or_else(|| anyhow::anyhow!("no channel {name} in {:?}", list.body))
}

/// Creates the open chat team `team` as `owner` and answers its town square's id.
pub async fn team_square(owner: &nichoir_testkit::Client, team: &str) -> anyhow::Result<String> {
    ok(
        owner
            .post(
                "/api/v1/chat/teams",
                json!({"name": team, "display_name": team, "open": true}),
            )
            .await?,
        "team",
    )
    .await?;
    Ok(channel_named(owner, team, "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string())
}

/// A signed-in account `name` with the address `name@lilas.test`, confirmed or not (an admin if
/// `admin`): the people of the mail tests.
pub async fn member_with_address(
    server: &TestServer,
    name: &str,
    admin: bool,
    confirmed: bool,
) -> anyhow::Result<nichoir_testkit::Client> {
    server.create_user(name, PASSWORD, admin).await?;
    let (who, email) = (name.to_string(), format!("{name}@lilas.test"));
    server
        .ctx
        .db
        .write(move |c| {
            c.execute(
                "UPDATE users SET email = ?2, email_verified_at = CASE WHEN ?3 = 1 THEN 1 ELSE NULL END WHERE username = ?1",
                nichoir_storage::params![who, email, confirmed as i64],
            )?;
            Ok(())
        })
        .await?;
    let mut c = server.client();
    c.login(name, PASSWORD).await?;
    Ok(c)
}

/// A wiki `slug` (title "Club") by `owner` that every signed-in person may edit.
pub async fn open_wiki(owner: &nichoir_testkit::Client, slug: &str) -> anyhow::Result<Value> {
    ok(
        owner
            .post(
                "/api/v1/wikis",
                json!({"slug": slug, "title": "Club", "edit_policy": "users"}),
            )
            .await?,
        "wiki",
    )
    .await
}

/// A private wiki `slug` (title "Board") by `owner`, with a page `page` holding `text` if given.
pub async fn private_wiki(
    owner: &nichoir_testkit::Client,
    slug: &str,
    page: Option<(&str, &str)>,
) -> anyhow::Result<()> {
    ok(
        owner
            .post(
                "/api/v1/wikis",
                json!({"slug": slug, "title": "Board", "visibility": "private"}),
            )
            .await?,
        "private wiki",
    )
    .await?;
    if let Some((page, text)) = page {
        ok(
            owner
                .put_json(
                    &format!("/api/v1/wikis/{slug}/pages/{page}"),
                    json!({"text": text, "base_rev": null, "summary": "x"}),
                )
                .await?,
            "wiki page",
        )
        .await?;
    }
    Ok(())
}

/// A classic poll titled `title` by `c`: its id, admin token and first option's id.
pub async fn classic_poll(
    c: &nichoir_testkit::Client,
    title: &str,
    author: &str,
) -> anyhow::Result<(String, String, Value)> {
    let created = ok(
        c.post(
            "/api/v1/polls",
            json!({"kind": "classic", "title": title, "author_name": author,
                   "options": [{"label": "oui"}, {"label": "non"}]}),
        )
        .await?,
        "poll",
    )
    .await?;
    let id = created["poll"]["id"].as_str().unwrap_or("").to_string();
    let token = created["admin_token"].as_str().unwrap_or("").to_string();
    let view = c.get(&format!("/api/v1/poll-admin/{token}")).await?;
    Ok((id, token, view.body["options"][0]["id"].clone()))
}

/// Posts `text` in a chat channel as `c`; the new post.
pub async fn say(c: &nichoir_testkit::Client, channel: &str, text: &str) -> anyhow::Result<Value> {
    ok(
        c.post(
            &format!("/api/v1/chat/channels/{channel}/posts"),
            json!({"text": text}),
        )
        .await?,
        "post",
    )
    .await
}

/// `c` answers "yes" to `option` of a poll as `name`, then comments `text` under it.
pub async fn vote_and_comment(
    c: &nichoir_testkit::Client,
    poll_id: &str,
    option: &Value,
    name: &str,
    text: &str,
) -> anyhow::Result<()> {
    ok(
        c.post(
            &format!("/api/v1/polls/{poll_id}/votes"),
            json!({"name": name, "answers": {option.to_string(): "yes"}}),
        )
        .await?,
        "vote",
    )
    .await?;
    ok(
        c.post(
            &format!("/api/v1/polls/{poll_id}/comments"),
            json!({"author_name": name, "text": text}),
        )
        .await?,
        "comment",
    )
    .await?;
    Ok(())
}

/// A quoted-printable body as text (soft line breaks joined, `=XX` decoded).
pub fn unquote(qp: &str) -> String {
    let joined = qp.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes `text` as a new revision through the service (what an editor's edit does).
pub async fn write_text(server: &TestServer, pad: &str, text: &str) -> anyhow::Result<u64> {
    let (actor, _) = server
        .ctx
        .auth
        .guest(None)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let applied = server
        .pads
        .set_text(pad, &actor, text)
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    Ok(applied.rev)
}

/// An API token of `c`'s account (a WebSocket client that signs in by bearer) and a new pad of
/// its: the start of every test that edits a pad over the socket.
pub async fn token_and_pad(c: &nichoir_testkit::Client) -> anyhow::Result<(String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let token = text(
        &c.post("/api/v1/me/tokens", json!({"name": "t"}))
            .await?
            .body["token"],
    );
    let pad = text(&c.post("/api/v1/pads", json!({})).await?.body["pad"]["id"]);
    anyhow::ensure!(
        !token.is_empty() && !pad.is_empty(),
        "token or pad not made"
    );
    Ok((token, pad))
}
