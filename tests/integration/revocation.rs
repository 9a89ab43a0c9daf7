//! What a person may see or do over the realtime socket ends with their session or rights: each
//! session event closes the sockets opened with it (with the documented close code), and each
//! permission change removes the subscriptions it no longer allows.
//!
//! No timing is asserted: `WAIT` only bounds a hang. (The close is announced before the HTTP
//! answer leaves, so in practice it is already queued when the test reads.)

use std::time::Duration;

use nichoir_testkit::TestServer;
use serde_json::{json, Value};

use crate::support::{
    self, cookie_from, op_msg, publish, recv_close, recv_json, send_json, subscribe, ws_connect,
    Ws, WsAuth, PASSWORD,
};

const WAIT: Duration = Duration::from_secs(15);

/// One browser of a person: its session cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    /// Logs `username` in (a new session each time).
    async fn login(server: &TestServer, username: &str) -> Browser {
        Browser::login_with(server, username, PASSWORD).await
    }

    async fn login_with(server: &TestServer, username: &str, password: &str) -> Browser {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", server.url))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status().as_u16(), 200, "login of {username}");
        let cookie = cookie_from(&resp, "nichoir_session");
        let body: Value = resp.json().await.expect("login body");
        let csrf = body["csrf_token"].as_str().expect("csrf_token").to_string();
        Browser { cookie, csrf }
    }

    async fn call(&self, server: &TestServer, method: &str, path: &str, body: Value) -> u16 {
        let http = reqwest::Client::new();
        let url = format!("{}{path}", server.url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        http.request(method, url)
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }

    async fn get(&self, server: &TestServer, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{path}", server.url))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON")
    }

    /// A socket of this browser, past its hello frame.
    async fn socket(&self, server: &TestServer) -> Ws {
        socket(server, WsAuth::Cookie(&self.cookie)).await
    }
}

async fn socket(server: &TestServer, auth: WsAuth<'_>) -> Ws {
    let mut ws = ws_connect(server.addr, auth, WAIT).await;
    assert_eq!(recv_json(&mut ws, WAIT).await["type"], "hello");
    ws
}

/// The socket still answers: a ping gets its pong (events before it are skipped).
async fn still_open(ws: &mut Ws) {
    send_json(ws, &json!({"type": "ping"})).await;
    loop {
        if recv_json(ws, WAIT).await["type"] == "pong" {
            return;
        }
    }
}

/// Subscribes and waits for `subscribed`, skipping the events the topic sends first.
async fn follow(ws: &mut Ws, topic: &str) {
    send_json(ws, &subscribe(topic)).await;
    loop {
        let f = recv_json(ws, WAIT).await;
        assert_ne!(f["type"], "error", "subscribe {topic}: {f}");
        if f["type"] == "subscribed" {
            return;
        }
    }
}

/// The next frame of `type` (others skipped).
async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let f = recv_json(ws, WAIT).await;
        if f["type"] == kind {
            return f;
        }
    }
}

async fn user(server: &TestServer, name: &str) -> String {
    let (u, _) = support::sign_in(server, name).await;
    u["id"].as_str().expect("user id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_closes_that_sessions_sockets_only() {
    let server = TestServer::start().expect("server");
    user(&server, "alice").await;
    let (laptop, phone) = (
        Browser::login(&server, "alice").await,
        Browser::login(&server, "alice").await,
    );
    let (mut a, mut b) = (laptop.socket(&server).await, phone.socket(&server).await);
    assert_eq!(
        laptop
            .call(&server, "POST", "/api/v1/auth/logout", json!({}))
            .await,
        204
    );
    assert_eq!(
        recv_close(&mut a, WAIT).await,
        (4001, "session ended".into())
    );
    still_open(&mut b).await;

    // Logging out everywhere closes the phone too.
    let tablet = Browser::login(&server, "alice").await;
    let mut c = tablet.socket(&server).await;
    assert_eq!(
        phone
            .call(&server, "POST", "/api/v1/auth/logout-all", json!({}))
            .await,
        204
    );
    assert_eq!(recv_close(&mut b, WAIT).await.0, 4001);
    assert_eq!(recv_close(&mut c, WAIT).await.0, 4001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_or_a_revoked_session_closes_the_other_sockets() {
    let server = TestServer::start().expect("server");
    user(&server, "bob").await;
    let here = Browser::login(&server, "bob").await;
    let elsewhere = Browser::login(&server, "bob").await;
    let (mut mine, mut other) = (here.socket(&server).await, elsewhere.socket(&server).await);
    let changed = here
        .call(
            &server,
            "POST",
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "another-long-password"}),
        )
        .await;
    assert_eq!(changed, 204);
    assert_eq!(recv_close(&mut other, WAIT).await.0, 4001);
    still_open(&mut mine).await;

    // Ending a session from the sessions list closes its sockets.
    let later = Browser::login_with(&server, "bob", "another-long-password").await;
    let mut later_ws = later.socket(&server).await;
    let sessions = here.get(&server, "/api/v1/me/sessions").await;
    let id = sessions
        .as_array()
        .and_then(|l| l.iter().find(|s| s["current"] == false))
        .and_then(|s| s["id"].as_str())
        .expect("the other session")
        .to_string();
    assert_eq!(
        here.call(
            &server,
            "DELETE",
            &format!("/api/v1/me/sessions/{id}"),
            json!({})
        )
        .await,
        204
    );
    assert_eq!(recv_close(&mut later_ws, WAIT).await.0, 4001);
    still_open(&mut mine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_token_or_a_disabled_account_closes_its_sockets() {
    let server = TestServer::start().expect("server");
    let carol = user(&server, "carol").await;
    let browser = Browser::login(&server, "carol").await;
    let made = reqwest::Client::new()
        .post(format!("{}/api/v1/me/tokens", server.url))
        .header("cookie", &browser.cookie)
        .header("x-csrf-token", &browser.csrf)
        .json(&json!({"name": "bot"}))
        .send()
        .await
        .expect("token")
        .json::<Value>()
        .await
        .expect("JSON");
    let token = made["token"].as_str().expect("token").to_string();
    let token_id = made["id"].as_str().expect("token id").to_string();
    let mut bot = socket(&server, WsAuth::Bearer(&token)).await;
    let mut tab = browser.socket(&server).await;
    assert_eq!(
        browser
            .call(
                &server,
                "DELETE",
                &format!("/api/v1/me/tokens/{token_id}"),
                json!({})
            )
            .await,
        204
    );
    assert_eq!(recv_close(&mut bot, WAIT).await.0, 4001);
    still_open(&mut tab).await;

    let admin = server.login_as("root", true).await.expect("admin");
    // Made an admin: the socket reconnects to get the new rights (its session stays valid).
    let r = admin
        .patch(
            &format!("/api/v1/admin/users/{carol}"),
            json!({"is_admin": true}),
        )
        .await
        .expect("promote");
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(recv_close(&mut tab, WAIT).await.0, 4002);
    let mut tab = browser.socket(&server).await;
    let r = admin
        .patch(
            &format!("/api/v1/admin/users/{carol}"),
            json!({"disabled": true}),
        )
        .await
        .expect("disable");
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        recv_close(&mut tab, WAIT).await,
        (4003, "account disabled".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pad_password_removes_those_who_have_not_given_it() {
    let server = TestServer::start().expect("server");
    user(&server, "dora").await;
    let owner = Browser::login(&server, "dora").await;
    let created = reqwest::Client::new()
        .post(format!("{}/api/v1/pads", server.url))
        .header("cookie", &owner.cookie)
        .header("x-csrf-token", &owner.csrf)
        .json(&json!({}))
        .send()
        .await
        .expect("create pad")
        .json::<Value>()
        .await
        .expect("JSON");
    let pad = created["pad"]["id"].as_str().expect("pad id").to_string();
    let topic = format!("pad:{pad}");
    let guest_cookie = cookie_from(&support::guest(&server).await, "nichoir_guest");
    let mut guest = socket(&server, WsAuth::Cookie(&guest_cookie)).await;
    let mut mine = owner.socket(&server).await;
    follow(&mut guest, &topic).await;
    follow(&mut mine, &topic).await;

    let set = owner
        .call(
            &server,
            "PUT",
            &format!("/api/v1/pads/{pad}/password"),
            json!({"password": "secret"}),
        )
        .await;
    assert_eq!(set, 204);
    let gone = next_of(&mut guest, "unsubscribed").await;
    assert_eq!(gone["topic"], topic.as_str());
    assert_eq!(gone["reason"], "password_required");
    // Its edits are refused from now on; the owner still edits.
    send_json(
        &mut guest,
        &publish(&topic, op_msg("g1", 1, 0, json!(["intrus"]))),
    )
    .await;
    let refused = next_of(&mut guest, "error").await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    send_json(
        &mut mine,
        &publish(&topic, op_msg("o1", 1, 0, json!(["bonjour"]))),
    )
    .await;
    loop {
        let f = next_of(&mut mine, "event").await;
        if f["data"]["type"] == "ack" {
            break;
        }
        assert_ne!(f["data"]["type"], "error", "{f}");
    }
    let text = owner.get(&server, &format!("/api/v1/pads/{pad}")).await;
    assert_eq!(text["text"], "bonjour", "the guest's edit never landed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_password_removes_its_followers_without_it() {
    let server = TestServer::start().expect("server");
    let guest_cookie = cookie_from(&support::guest(&server).await, "nichoir_guest");
    let author = server.guest().await.expect("guest");
    let created = author
        .post(
            "/api/v1/polls",
            json!({"kind": "classic", "title": "Pizza ?", "author_name": "Ana",
                   "options": [{"label": "Oui"}, {"label": "Non"}]}),
        )
        .await
        .expect("create poll");
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["poll"]["id"].as_str().expect("id").to_string();
    let token = created.body["admin_token"]
        .as_str()
        .expect("token")
        .to_string();
    let mut follower = socket(&server, WsAuth::Cookie(&guest_cookie)).await;
    let topic = format!("poll:{id}");
    follow(&mut follower, &topic).await;
    let r = author
        .patch(
            &format!("/api/v1/poll-admin/{token}"),
            json!({"password": "secret"}),
        )
        .await
        .expect("patch");
    assert_eq!(r.status, 200, "{:?}", r.body);
    let gone = next_of(&mut follower, "unsubscribed").await;
    assert_eq!(gone["reason"], "password_required", "{gone}");
    // Subscribing again is refused until the password is given.
    send_json(&mut follower, &subscribe(&topic)).await;
    let refused = next_of(&mut follower, "error").await;
    assert_eq!(refused["code"], "password_required", "{refused}");
}
