//! Three `nichoir` nodes over one PostgreSQL database and a NATS server (`nats-server`, which
//! `scripts/test-all` installs): people connected to different nodes see each other and each
//! other's events, a node that dies takes its members with it, and a node name is unique.
//!
//! Skipped when NICHOIR_TEST_PG_URL is unset (no test PostgreSQL); under `scripts/test-all`
//! a missing `nats-server` is a failure. Timeouts only bound a hang.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use nichoir_testkit::NatsServer;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use common::{
    create_token, create_user, http, nichoir, run, shared_pg_database, use_database, ws_connect,
    Server, Ws, HANG,
};

/// A node: its own data dir, the shared database and bus.
fn node_with(data: &Path, nats: &NatsServer, name: &str, env: &[(&str, &str)]) -> Server {
    let mut cmd = nichoir(data);
    cmd.env("NICHOIR_NATS_URL", &nats.url)
        .env("NICHOIR_CLUSTER_NODE_NAME", name);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Server::spawn(cmd)
}

async fn login_status(url: &str, password: &str) -> u16 {
    http()
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": "root", "password": password}))
        .send()
        .await
        .expect("POST /api/v1/auth/login")
        .status()
        .as_u16()
}

/// What one test's cluster shares: a database on the test PostgreSQL, a NATS server, and a data
/// dir per node.
struct Setup {
    nats: NatsServer,
    db: String,
    dirs: Vec<tempfile::TempDir>,
}

impl Setup {
    /// `n` nodes' worth; None (the test is skipped) without a test PostgreSQL.
    fn new(n: usize) -> Option<Setup> {
        let Some(db) = shared_pg_database() else {
            eprintln!("NICHOIR_TEST_PG_URL unset: the cluster test is skipped");
            return None;
        };
        let dirs: Vec<tempfile::TempDir> = (0..n)
            .map(|_| tempfile::tempdir().expect("tempdir"))
            .collect();
        for d in &dirs {
            use_database(d.path(), &db);
        }
        Some(Setup {
            nats: NatsServer::start(),
            db,
            dirs,
        })
    }

    /// An account in the shared database, and an API token for it.
    fn user(&self, name: &str, admin: bool) -> String {
        create_user(self.dirs[0].path(), name, admin);
        create_token(self.dirs[0].path(), name)
    }

    /// Node `i`, named `name`.
    fn node(&self, i: usize, name: &str, env: &[(&str, &str)]) -> Server {
        node_with(self.dirs[i].path(), &self.nats, name, env)
    }

    /// Every node, named `<prefix>1`, `<prefix>2`…
    fn nodes(&self, prefix: &str, env: &[(&str, &str)]) -> Vec<Server> {
        (0..self.dirs.len())
            .map(|i| self.node(i, &format!("{prefix}{}", i + 1), env))
            .collect()
    }
}

async fn send(ws: &mut Ws, frame: Value) {
    ws.send(Message::Text(frame.to_string()))
        .await
        .expect("send");
}

/// The next frame that `pick` accepts (others skipped).
async fn next_frame(ws: &mut Ws, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
    next_frame_within(ws, HANG, pick)
        .await
        .unwrap_or_else(|| panic!("no {what}"))
}

/// The next frame that `pick` accepts within `wait`, if one comes.
async fn next_frame_within(
    ws: &mut Ws,
    wait: Duration,
    pick: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let msg = tokio::time::timeout(left, ws.next())
            .await
            .ok()?
            .expect("connection ended")
            .expect("websocket error");
        let Message::Text(t) = msg else { continue };
        let f: Value = serde_json::from_str(&t).expect("server frames are JSON");
        if pick(&f) {
            return Some(f);
        }
    }
}

/// How long the web editor lets an edit or a sync go unanswered before it asks for a sync
/// (`STALLED_AFTER_MS` in web/src/pads/client.ts): frames between nodes are at most once.
const STALLED: Duration = Duration::from_secs(10);

async fn subscribe(ws: &mut Ws, topic: &str) -> Value {
    send(ws, json!({"type": "subscribe", "topic": topic})).await;
    next_frame(ws, "subscribed", |f| {
        f["type"] == "subscribed" && f["topic"] == topic
    })
    .await
}

async fn post(url: &str, token: &str, path: &str, body: Value) -> Value {
    let resp = http()
        .post(format!("{url}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json");
    assert!((200..300).contains(&status), "POST {path}: {status} {body}");
    body
}

async fn get(url: &str, path: &str) -> Value {
    let resp = http()
        .get(format!("{url}{path}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 200, "GET {path}");
    resp.json().await.expect("json")
}

fn member_ids(subscribed: &Value) -> Vec<String> {
    let mut ids: Vec<String> = subscribed["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|p| p["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_share_realtime_presence_and_events() {
    let Some(setup) = Setup::new(3) else {
        return;
    };
    // Accounts are in the shared database: made once, through any node's data dir.
    let ann = setup.user("ann", true);
    let bob = setup.user("bob", false);
    let nodes = setup.nodes("n", &[]);

    // One node runs the background jobs (it logs when its turn begins; none ends here).
    let deadline = Instant::now() + HANG;
    let holders = loop {
        let holders: Vec<usize> = (0..3)
            .filter(|i| nodes[*i].stderr().contains("this node's turn changed"))
            .collect();
        if !holders.is_empty() || Instant::now() > deadline {
            break holders;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Renewals are every 5 s: give the others a round to (wrongly) take it too.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let holders_later: Vec<usize> = (0..3)
        .filter(|i| nodes[*i].stderr().contains("this node's turn changed"))
        .collect();
    assert_eq!(holders.len(), 1, "one scheduler: {holders:?}");
    assert_eq!(holders, holders_later, "still one scheduler");

    // Presence: Ann on node 1, Bob on node 3, one topic.
    let mut a = ws_connect(&nodes[0].url, &ann).await;
    subscribe(&mut a, "presence:team").await;
    let mut b = ws_connect(&nodes[2].url, &bob).await;
    let subscribed = subscribe(&mut b, "presence:team").await;
    assert_eq!(
        member_ids(&subscribed).len(),
        2,
        "Bob sees Ann: {subscribed}"
    );
    let joined = next_frame(&mut a, "Bob's arrival on node 1", |f| {
        f["type"] == "presence" && f["joined"].is_object()
    })
    .await;
    assert_eq!(joined["joined"]["display_name"], "bob", "{joined}");
    // What one publishes reaches the other node.
    send(
        &mut b,
        json!({"type": "publish", "topic": "presence:team", "data": {"typing": true}}),
    )
    .await;
    let ev = next_frame(&mut a, "Bob's signal", |f| f["type"] == "event").await;
    assert_eq!(ev["data"]["typing"], true, "{ev}");

    // A poll: a page follows it on node 2, a vote arrives on node 1.
    let created = post(
        &nodes[0].url,
        &ann,
        "/api/v1/polls",
        json!({"kind": "classic", "title": "Lunch", "author_name": "Ann",
               "options": [{"label": "Pizza"}, {"label": "Soup"}]}),
    )
    .await;
    let poll_id = created["poll"]["id"].as_str().expect("poll id").to_string();
    let admin_token = created["admin_token"].as_str().expect("admin token");
    let view = get(&nodes[2].url, &format!("/api/v1/poll-admin/{admin_token}")).await;
    let answers: serde_json::Map<String, Value> = view["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["id"].as_i64())
        .map(|id| (id.to_string(), json!("yes")))
        .collect();
    let mut follower = ws_connect(&nodes[1].url, &bob).await;
    subscribe(&mut follower, &format!("poll:{poll_id}")).await;
    // Node 2 keeps the poll's view in its cache...
    let before = get(&nodes[1].url, &format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!(before["participants"].as_array().map(Vec::len), Some(0));
    post(
        &nodes[0].url,
        &ann,
        &format!("/api/v1/polls/{poll_id}/votes"),
        json!({"name": "Ann", "answers": answers}),
    )
    .await;
    let changed = next_frame(&mut follower, "the vote on node 2", |f| {
        f["type"] == "event" && f["data"]["type"] == "changed"
    })
    .await;
    assert!(changed["data"]["version"].as_i64().is_some(), "{changed}");
    // ...which the vote on node 1 made stale: node 2 shows the vote.
    let after = get(&nodes[1].url, &format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!(
        after["participants"].as_array().map(Vec::len),
        Some(1),
        "{after}"
    );

    // A token deleted through node 1 closes the socket opened with it on node 2.
    let spare = post(
        &nodes[0].url,
        &ann,
        "/api/v1/me/tokens",
        json!({"name": "spare"}),
    )
    .await;
    let mut doomed = ws_connect(&nodes[1].url, spare["token"].as_str().expect("token")).await;
    subscribe(&mut doomed, "presence:team").await;
    let resp = http()
        .delete(format!(
            "{}/api/v1/me/tokens/{}",
            nodes[0].url,
            spare["id"].as_str().expect("id")
        ))
        .bearer_auth(&ann)
        .send()
        .await
        .expect("DELETE token");
    assert_eq!(resp.status().as_u16(), 204);
    let closed = loop {
        let msg = tokio::time::timeout(HANG, doomed.next())
            .await
            .expect("the socket stays open on node 2");
        match msg {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            _ => break None,
        }
    };
    assert_eq!(closed, Some(4001), "session ended");

    // A node that dies takes its members: Ann hears Bob leave within the bus's dead time.
    let mut nodes = nodes;
    nodes[2].kill_9();
    let left = next_frame(&mut a, "Bob leaving with node 3", |f| {
        f["type"] == "presence" && f["left"]["display_name"] == "bob"
    })
    .await;
    assert_eq!(left["left"]["display_name"], "bob", "{left}");

    // Its name is free again only once its heartbeat is old: a second live n1 is refused.
    let twin = tempfile::tempdir().expect("tempdir");
    use_database(twin.path(), &setup.db);
    let mut cmd = nichoir(twin.path());
    cmd.env("NICHOIR_NATS_URL", &setup.nats.url)
        .env("NICHOIR_CLUSTER_NODE_NAME", "n1");
    let out = run(cmd, None);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        out.stderr.contains("n1"),
        "the refusal names the node: {out:?}"
    );
}

async fn get_auth(url: &str, token: &str, path: &str) -> Value {
    let resp = http()
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 200, "GET {path}");
    resp.json().await.expect("json")
}

/// The ids of the next `n` posts in the chat topic's events (the live `posted` frames), as
/// they arrive.
async fn posted_ids(ws: &mut Ws, n: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let f = next_frame(ws, "posted events", |f| {
            f["type"] == "event" && f["data"]["type"] == "posted"
        })
        .await;
        ids.push(f["data"]["id"].as_i64().expect("event id"));
    }
    ids
}

/// A team's town square that ann, bob and cyd are in, each with a socket on their chat topic
/// on their own node (ann on node 1, bob on node 2, cyd on node 3).
struct Club {
    names: [&'static str; 3],
    tokens: Vec<String>,
    ids: Vec<String>,
    square: String,
    sockets: Vec<Ws>,
}

impl Club {
    async fn new(setup: &Setup, nodes: &[Server]) -> Club {
        let names = ["ann", "bob", "cyd"];
        let tokens: Vec<String> = names.iter().map(|n| setup.user(n, *n == "ann")).collect();
        post(
            &nodes[0].url,
            &tokens[0],
            "/api/v1/chat/teams",
            json!({"name": "club", "display_name": "Club", "open": true}),
        )
        .await;
        for (i, t) in tokens.iter().enumerate().skip(1) {
            post(&nodes[i].url, t, "/api/v1/chat/teams/club/join", json!({})).await;
        }
        let channels = get_auth(
            &nodes[0].url,
            &tokens[0],
            "/api/v1/chat/teams/club/channels",
        )
        .await;
        let square = channels
            .as_array()
            .and_then(|l| l.iter().find(|c| c["name"] == "town-square"))
            .and_then(|c| c["id"].as_str())
            .expect("town-square")
            .to_string();
        let mut sockets = Vec::new();
        let mut ids = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let me = get_auth(&nodes[i].url, t, "/api/v1/me").await;
            let id = me["user"]["id"].as_str().expect("user id").to_string();
            let mut ws = ws_connect(&nodes[i].url, t).await;
            subscribe(&mut ws, &format!("chat:{id}")).await;
            sockets.push(ws);
            ids.push(id);
        }
        Club {
            names,
            tokens,
            ids,
            square,
            sockets,
        }
    }

    fn posts_path(&self) -> String {
        format!("/api/v1/chat/channels/{}/posts", self.square)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_across_nodes_reaches_everyone_once_in_one_order() {
    let Some(setup) = Setup::new(3) else {
        return;
    };
    let nodes = setup.nodes("c", &[]);
    let Club {
        names,
        tokens,
        ids,
        square,
        mut sockets,
    } = Club::new(&setup, &nodes).await;

    // 100 messages each, all at once, each through their own node.
    let mut posting = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let (url, token, square) = (nodes[i].url.clone(), t.clone(), square.clone());
        posting.push(tokio::spawn(async move {
            for k in 0..100 {
                post(
                    &url,
                    &token,
                    &format!("/api/v1/chat/channels/{square}/posts"),
                    json!({"text": format!("message {k}")}),
                )
                .await;
            }
        }));
    }
    let mut seen = Vec::new();
    for ws in sockets.iter_mut() {
        seen.push(posted_ids(ws, 300).await);
    }
    for p in posting {
        p.await.expect("posting");
    }
    for (who, got) in names.iter().zip(&seen) {
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "{who} sees increasing ids, each once: {got:?}"
        );
    }
    assert_eq!(seen[0], seen[1], "one order for everyone");
    assert_eq!(seen[1], seen[2], "one order for everyone");

    // Bob comes back on node 1 and catches up from his 150th: no gap, no duplicate.
    let mut again = ws_connect(&nodes[0].url, &tokens[1]).await;
    let topic = format!("chat:{}", ids[1]);
    subscribe(&mut again, &topic).await;
    let after = seen[1][149];
    send(
        &mut again,
        json!({"type": "publish", "topic": topic, "data": {"type": "catch_up", "after": after}}),
    )
    .await;
    let mut caught = Vec::new();
    loop {
        let f = next_frame(&mut again, "the catch-up", |f| {
            f["type"] == "event"
                && matches!(f["data"]["type"].as_str(), Some("events" | "caught_up"))
        })
        .await;
        if f["data"]["type"] == "caught_up" {
            break;
        }
        for e in f["data"]["events"].as_array().expect("events") {
            if e["type"] == "posted" {
                caught.push(e["id"].as_i64().expect("id"));
            }
        }
    }
    assert_eq!(caught, seen[1][150..].to_vec());
}

/// What disturbs the cluster while people talk.
#[derive(Clone, Copy)]
enum Trouble {
    /// The NATS server stops and another starts on its port.
    NatsRestarts,
    /// Node 1, where ann posts from, is killed.
    NodeDies,
}

/// A person's presence is one across the nodes and the tools: Ann's bell (any page) on node 1
/// makes her online for Bob on node 2; idle there, away; another page active on node 3, online;
/// idle too, away; the first closed, still away; the last closed, offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_is_one_across_nodes_and_tools() {
    let Some(setup) = Setup::new(3) else {
        return;
    };
    let nodes = setup.nodes("p", &[]);
    let Club {
        tokens,
        ids,
        mut sockets,
        ..
    } = Club::new(&setup, &nodes).await;
    let ann = ids[0].clone();
    let mut bob = sockets.remove(1);
    // Ann's chat page closes: she is offline for Bob.
    drop(sockets.remove(0));
    async fn ann_is(bob: &mut Ws, ann: &str) -> String {
        // A change, or the snapshot a new socket gets when it lists her.
        let f = next_frame(bob, "Ann's presence", |f| {
            f["type"] == "event"
                && ((f["data"]["type"] == "presence" && f["data"]["user_id"] == ann)
                    || f["data"]["statuses"][ann].is_string())
        })
        .await;
        let data = &f["data"];
        let status = data["status"].as_str().or(data["statuses"][ann].as_str());
        status.unwrap_or("").to_string()
    }
    // Bob's snapshot said online; then the close.
    assert_eq!(ann_is(&mut bob, &ann).await, "online");
    assert_eq!(ann_is(&mut bob, &ann).await, "offline");

    let bell = format!("notify:{ann}");
    let status = |s: &str| json!({"type": "publish", "topic": bell, "data": {"type": "status", "status": s}});
    let mut one = ws_connect(&nodes[0].url, &tokens[0]).await;
    subscribe(&mut one, &bell).await;
    assert_eq!(ann_is(&mut bob, &ann).await, "online");
    send(&mut one, status("away")).await;
    assert_eq!(ann_is(&mut bob, &ann).await, "away");
    let mut three = ws_connect(&nodes[2].url, &tokens[0]).await;
    subscribe(&mut three, &bell).await;
    assert_eq!(
        ann_is(&mut bob, &ann).await,
        "online",
        "a page active on node 3"
    );
    send(&mut three, status("away")).await;
    assert_eq!(ann_is(&mut bob, &ann).await, "away");
    drop(one);
    drop(three);
    assert_eq!(
        ann_is(&mut bob, &ann).await,
        "offline",
        "the next word is offline (closing node 1's page changed nothing)"
    );
}

/// Posts `n` messages to `path` on `url`, one after another, until one is not answered 201
/// (its node died); answers the ids of those that were.
async fn post_until_refused(url: String, token: String, path: String, n: usize) -> Vec<String> {
    let mut acked = Vec::new();
    for k in 0..n {
        let resp = http()
            .post(format!("{url}{path}"))
            .bearer_auth(&token)
            .json(&json!({"text": format!("message {k}")}))
            .send()
            .await;
        let Ok(resp) = resp else { break };
        if resp.status().as_u16() != 201 {
            break;
        }
        let v: Value = resp.json().await.expect("json");
        acked.push(v["id"].to_string());
    }
    acked
}

/// Ann (node 1) and Bob (node 2) post 150 messages each while `trouble` strikes a third of
/// the way in. Every message answered 201 reaches Bob's and Cyd's sockets exactly once, in
/// increasing event order; after a NATS restart, presence is whole again.
async fn chat_through(trouble: Trouble, prefix: &str) {
    let Some(mut setup) = Setup::new(3) else {
        return;
    };
    let mut nodes = setup.nodes(prefix, &[]);
    let mut club = Club::new(&setup, &nodes).await;
    const EACH: usize = 150;
    let mut posting = Vec::new();
    for (node, token) in nodes.iter().zip(&club.tokens).take(2) {
        posting.push(tokio::spawn(post_until_refused(
            node.url.clone(),
            token.clone(),
            club.posts_path(),
            EACH,
        )));
    }
    // A third of the way in (Cyd's socket counts the posts), the trouble.
    let mut seen: Vec<Vec<(i64, String)>> = vec![Vec::new(); 3];
    while seen[2].len() < 2 * EACH / 3 {
        let f = next_frame(&mut club.sockets[2], "posted events", |f| {
            f["type"] == "event" && f["data"]["type"] == "posted"
        })
        .await;
        seen[2].push(posted(&f));
    }
    match trouble {
        Trouble::NatsRestarts => setup.nats.restart(),
        Trouble::NodeDies => nodes[0].kill_9(),
    }
    let mut acked: Vec<String> = Vec::new();
    for p in posting {
        acked.extend(p.await.expect("posting"));
    }
    if matches!(trouble, Trouble::NatsRestarts) {
        assert_eq!(acked.len(), 2 * EACH, "every post answered 201");
    }
    for who in [1, 2] {
        let ws = &mut club.sockets[who];
        let deadline = Instant::now() + HANG;
        loop {
            let got: std::collections::HashSet<&str> =
                seen[who].iter().map(|(_, p)| p.as_str()).collect();
            let missing = acked.iter().filter(|p| !got.contains(p.as_str())).count();
            if missing == 0 {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let f = tokio::time::timeout(
                left,
                next_frame(ws, "posted events", |f| {
                    f["type"] == "event" && f["data"]["type"] == "posted"
                }),
            )
            .await
            .unwrap_or_else(|_| panic!("{} misses {missing} messages", club.names[who]));
            seen[who].push(posted(&f));
        }
        let events: Vec<i64> = seen[who].iter().map(|(e, _)| *e).collect();
        assert!(
            events.windows(2).all(|w| w[0] < w[1]),
            "{} sees each event once, in order: {events:?}",
            club.names[who]
        );
    }
    if matches!(trouble, Trouble::NatsRestarts) {
        // Ann (node 1) and Bob (node 2) are on the team's presence topic; Cyd, arriving on
        // node 3 after the restart, sees them both once the nodes have told each other again.
        let mut a = ws_connect(&nodes[0].url, &club.tokens[0]).await;
        subscribe(&mut a, "presence:club").await;
        let mut b = ws_connect(&nodes[1].url, &club.tokens[1]).await;
        subscribe(&mut b, "presence:club").await;
        let deadline = Instant::now() + HANG;
        loop {
            let mut c = ws_connect(&nodes[2].url, &club.tokens[2]).await;
            let members = member_ids(&subscribe(&mut c, "presence:club").await);
            if members.len() == 3 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "presence stays partial: {members:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// An event id and the post it brings, from a `posted` frame.
fn posted(f: &Value) -> (i64, String) {
    (
        f["data"]["id"].as_i64().expect("event id"),
        f["data"]["post"]["id"].to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_and_presence_come_through_a_nats_restart() {
    chat_through(Trouble::NatsRestarts, "r").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_loses_no_acknowledged_message_when_a_node_dies() {
    chat_through(Trouble::NodeDies, "x").await;
}

/// A request with a JSON body: its status and JSON answer.
async fn call(method: &str, url: &str, token: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let resp = http()
        .request(method, url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("a request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Ann on node 1 and Bob on node 2 save one wiki page at once, from the same revision: when
/// they changed different lines both are kept (one merged), when the same line one of them
/// gets a conflict; never an overwrite, never a 500. And two people who open a conversation
/// with each other at once, from two nodes, get the same one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_and_conversations_raced_from_two_nodes_make_one_history() {
    let Some(setup) = Setup::new(2) else {
        return;
    };
    let ann = setup.user("ann", false);
    let bob = setup.user("bob", false);
    let nodes = setup.nodes("w", &[]);
    post(
        &nodes[0].url,
        &ann,
        "/api/v1/wikis",
        json!({"slug": "merge", "title": "Merge", "edit_policy": "users"}),
    )
    .await;
    let pages: Vec<String> = nodes
        .iter()
        .map(|n| format!("{}/api/v1/wikis/merge/pages/Notes", n.url))
        .collect();
    let mut text = "line one\nline two\nline three\n".to_string();
    let (status, _) = call("PUT", &pages[0], &ann, json!({"text": text})).await;
    assert_eq!(status, 201);
    let mut rev = 1;
    for round in 0..8 {
        // Even rounds: different lines; odd rounds: the same line.
        let (a_line, b_line) = if round % 2 == 0 {
            ("line one", "line three")
        } else {
            ("line two", "line two")
        };
        let mine = text.replace(a_line, &format!("{a_line} (ann {round})"));
        let theirs = text.replace(b_line, &format!("{b_line} (bob {round})"));
        let a = call(
            "PUT",
            &pages[0],
            &ann,
            json!({"text": mine, "base_rev": rev}),
        );
        let b = call(
            "PUT",
            &pages[1],
            &bob,
            json!({"text": theirs, "base_rev": rev}),
        );
        let ((sa, va), (sb, vb)) = tokio::join!(a, b);
        let now = get(&nodes[1].url, "/api/v1/wikis/merge/pages/Notes").await;
        let stored = now["text"].as_str().expect("text").to_string();
        if round % 2 == 0 {
            assert_eq!((sa, sb), (200, 200), "round {round}: {va} {vb}");
            assert!(
                va["merged"] == true || vb["merged"] == true,
                "one was merged: {va} {vb}"
            );
            assert!(stored.contains(&format!("(ann {round})")), "{stored}");
            assert!(stored.contains(&format!("(bob {round})")), "{stored}");
        } else {
            let mut statuses = [sa, sb];
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 409], "round {round}: {va} {vb}");
            let winner = if sa == 200 { "ann" } else { "bob" };
            let loser = if sa == 200 { "bob" } else { "ann" };
            assert!(stored.contains(&format!("({winner} {round})")), "{stored}");
            assert!(!stored.contains(&format!("({loser} {round})")), "{stored}");
        }
        let history = get(&nodes[0].url, "/api/v1/wikis/merge/pages/Notes/history").await;
        let saved = if round % 2 == 0 { 2 } else { 1 };
        assert_eq!(
            history["rev"].as_i64(),
            Some(rev + saved),
            "one revision per save kept: {history}"
        );
        rev += saved;
        text = stored;
    }

    // Conversations: each round, two people open one with each other at once.
    let people: Vec<(String, String)> = ["cyd", "dan", "eve", "fay"]
        .iter()
        .map(|n| (n.to_string(), setup.user(n, false)))
        .collect();
    let direct: Vec<String> = nodes
        .iter()
        .map(|n| format!("{}/api/v1/chat/direct", n.url))
        .collect();
    for (i, (a_name, a_token)) in people.iter().enumerate() {
        for (b_name, b_token) in people.iter().skip(i + 1) {
            let a = call("POST", &direct[0], a_token, json!({"usernames": [b_name]}));
            let b = call("POST", &direct[1], b_token, json!({"usernames": [a_name]}));
            let ((sa, va), (sb, vb)) = tokio::join!(a, b);
            assert!(
                sa < 300 && sb < 300,
                "{a_name} and {b_name}: {sa} {va} / {sb} {vb}"
            );
            let id = |v: &Value| {
                v["channel"]["id"]
                    .as_str()
                    .or(v["id"].as_str())
                    .map(str::to_string)
            };
            assert!(id(&va).is_some(), "{va}");
            assert_eq!(
                id(&va),
                id(&vb),
                "{a_name} and {b_name} get one conversation"
            );
        }
    }
}

/// One editor of a pad: its socket, the text as it knows it, at which revision.
struct Editor {
    ws: Ws,
    /// Its client id: (client id, seq) names an edit, and a resent one is applied once.
    client: String,
    pad: String,
    text: String,
    rev: u64,
    /// Its last edit known stored, and at which revision: from its ack, or from its own
    /// revision among others (a sync may bring it instead of the ack).
    stored: (u64, u64),
    /// How many times an edit or a sync went unanswered (each costs `STALLED`).
    stalls: u32,
}

/// Unanswered edits or syncs allowed to an editor before the test fails: each one is a lost
/// frame, which should stay rare.
const MAX_STALLS: u32 = 4;

impl Editor {
    async fn open(url: &str, token: &str, pad: &str, client: &str) -> Editor {
        let mut ws = ws_connect(url, token).await;
        subscribe(&mut ws, &format!("pad:{pad}")).await;
        let state = next_frame(&mut ws, "the pad's state", |f| {
            f["type"] == "event" && f["data"]["type"] == "state"
        })
        .await;
        Editor {
            ws,
            client: client.to_string(),
            pad: pad.to_string(),
            text: state["data"]["text"].as_str().expect("text").to_string(),
            rev: state["data"]["rev"].as_u64().expect("rev"),
            stored: (0, 0),
            stalls: 0,
        }
    }

    /// Applies the revisions of an `ops` or `ack` frame that it does not have yet; false when
    /// some are missing before them (frames lost with a node that died): then `sync`.
    fn apply(&mut self, data: &Value) -> bool {
        if data["type"] == "ack" && data["client_id"] == self.client.as_str() {
            self.note_stored(&data["seq"], &data["rev"]);
        }
        for r in data["ops"].as_array().into_iter().flatten() {
            if r["client_id"] == self.client.as_str() {
                self.note_stored(&r["seq"], &r["rev"]);
            }
            let rev = r["rev"].as_u64().expect("rev");
            if rev <= self.rev {
                continue;
            }
            if rev != self.rev + 1 {
                return false;
            }
            let op = nichoir_ot::parse_op(&r["op"], 10_000, 1_000_000).expect("op");
            self.text = op.apply(&self.text).expect("applies");
            self.rev = rev;
        }
        true
    }

    fn note_stored(&mut self, seq: &Value, rev: &Value) {
        if let (Some(seq), Some(rev)) = (seq.as_u64(), rev.as_u64()) {
            if seq > self.stored.0 {
                self.stored = (seq, rev);
            }
        }
    }

    /// Asks for every revision after its own, as the editor does after a reconnect.
    async fn sync(&mut self) {
        let topic = format!("pad:{}", self.pad);
        send(
            &mut self.ws,
            json!({"type": "publish", "topic": topic, "data": {"type": "sync", "rev": self.rev}}),
        )
        .await;
        loop {
            let f = next_frame_within(&mut self.ws, STALLED, |f| {
                f["type"] == "event"
                    && matches!(
                        f["data"]["type"].as_str(),
                        Some("ops" | "ack" | "synced" | "error")
                    )
            })
            .await;
            // Its answer was lost: asked again, as the web editor does.
            let Some(f) = f else {
                assert!(self.stalls < MAX_STALLS, "no answer to the sync");
                self.stalls += 1;
                return Box::pin(self.sync()).await;
            };
            let data = &f["data"];
            match data["type"].as_str() {
                Some("synced") => return,
                // The pad's owner is being replaced: ask again.
                Some("error") => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    return Box::pin(self.sync()).await;
                }
                _ => {
                    self.apply(data);
                }
            }
        }
    }

    /// Inserts `piece` at `at` (a character position in the text it knows) and waits for the
    /// ack, applying whatever revisions come before it. An edit refused because the pad's
    /// owner was unreachable is sent again, as the editor does (the server applies an edit
    /// once, whatever the number of sends).
    async fn insert(&mut self, seq: u64, at: usize, piece: &str) {
        let len = self.text.chars().count();
        let at = at.min(len);
        let mut op = Vec::new();
        if at > 0 {
            op.push(json!(at));
        }
        op.push(json!(piece));
        if len > at {
            op.push(json!(len - at));
        }
        let topic = format!("pad:{}", self.pad);
        let data =
            json!({"type": "op", "client_id": self.client, "seq": seq, "rev": self.rev, "op": op});
        let frame = json!({"type": "publish", "topic": topic, "data": data});
        send(&mut self.ws, frame.clone()).await;
        let mut sends = 1;
        loop {
            let f = next_frame_within(&mut self.ws, STALLED, |f| {
                f["type"] == "event"
                    && matches!(f["data"]["type"].as_str(), Some("ops" | "ack" | "error"))
            })
            .await;
            let Some(f) = f else {
                // Unanswered (its ack and revision lost between nodes): a sync brings what
                // is missing, and the edit is sent again unless the sync showed it stored.
                assert!(self.stalls < MAX_STALLS, "no answer to the edit");
                self.stalls += 1;
                eprintln!(
                    "{}: edit {seq} unanswered for {STALLED:?}: sync",
                    self.client
                );
                self.sync().await;
                if self.stored.0 >= seq {
                    return;
                }
                send(&mut self.ws, frame.clone()).await;
                continue;
            };
            let data = &f["data"];
            if data["type"] == "error" {
                // As the web editor: only `unavailable` (and `rate_limited`) are sent again.
                assert!(
                    data["code"] == "unavailable" && sends < 10,
                    "an edit refused: {data}"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
                send(&mut self.ws, frame.clone()).await;
                sends += 1;
                continue;
            }
            if !self.apply(data) {
                self.sync().await;
            }
            // Stored: said by its ack, here or inside a sync, or by its revision in a sync.
            if self.stored.0 >= seq {
                // A resend answered "already stored": its revision came in a frame that may
                // have been lost.
                if self.stored.1 > self.rev {
                    self.sync().await;
                }
                return;
            }
        }
    }
}

/// The pad on the server at `url` has one revision per edit of editors `who` (`edits` each),
/// every editor has its text, and every edit is in it once: its characters are exactly those
/// of all the pieces (an insert may land inside another piece, so pieces need not stay whole).
async fn every_edit_once(
    url: &str,
    pad: &str,
    editors: &[Editor],
    who: std::ops::Range<usize>,
    edits: u64,
) {
    let server = get(url, &format!("/api/v1/pads/{pad}")).await;
    let text = server["text"].as_str().expect("text");
    let count = who.len() as u64 * edits;
    assert_eq!(
        server["pad"]["rev"].as_u64(),
        Some(count),
        "one revision per edit"
    );
    for e in editors {
        assert_eq!(e.text, text, "every editor has the server's text");
    }
    let mut want: Vec<char> = who
        .flat_map(|i| (0..edits).map(move |k| format!("<{i}.{k}>")))
        .flat_map(|p| p.chars().collect::<Vec<_>>())
        .collect();
    let mut got: Vec<char> = text.chars().collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "every edit, once: {text}");
}

/// Editors typing into `pad` at once, one per node of `nodes` from the `first`-th: editor `i`
/// (its node's index) inserts `<i.k>` for k below `edits`, each somewhere in the text as it
/// knows it (`stride` spreads the places).
fn start_typing(
    nodes: &[Server],
    first: usize,
    token: &str,
    pad: &str,
    edits: u64,
    stride: usize,
) -> Vec<tokio::task::JoinHandle<Editor>> {
    let mut typing = Vec::new();
    for (i, n) in nodes.iter().enumerate().skip(first) {
        let (url, token, pad) = (n.url.clone(), token.to_string(), pad.to_string());
        typing.push(tokio::spawn(async move {
            let mut e = Editor::open(&url, &token, &pad, &format!("editor-{i}")).await;
            for k in 0..edits {
                let at = (k as usize * stride + i * 3) % (e.text.chars().count() + 1);
                e.insert(k + 1, at, &format!("<{i}.{k}>")).await;
            }
            e
        }));
    }
    typing
}

/// The editors once they are done typing, each synced with the server.
async fn done_typing(typing: Vec<tokio::task::JoinHandle<Editor>>) -> Vec<Editor> {
    let mut editors = Vec::new();
    for t in typing {
        editors.push(t.await.expect("an editor"));
    }
    for e in editors.iter_mut() {
        e.sync().await;
    }
    editors
}

/// A seed for a test's random timing: `NICHOIR_TEST_SEED` to replay a failure, else the
/// clock. Printed, so that a failure names it.
fn seed(test: &str) -> u64 {
    let seed = std::env::var("NICHOIR_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("{test}: NICHOIR_TEST_SEED={seed}");
    seed
}

/// A number in `lo..=hi` drawn from `seed` (splitmix64), `k`-th of its draws.
fn draw(seed: u64, k: u64, lo: u64, hi: u64) -> u64 {
    let mut z = seed.wrapping_add(k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    lo + z % (hi - lo + 1)
}

/// Waits until `pad`, read on `url`, has at least `rev` revisions.
async fn wait_for_rev(url: &str, pad: &str, rev: u64) {
    let deadline = Instant::now() + HANG;
    loop {
        let v = get(url, &format!("/api/v1/pads/{pad}")).await;
        if v["pad"]["rev"].as_u64().unwrap_or(0) >= rev {
            return;
        }
        assert!(Instant::now() < deadline, "the editors do not get going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Editors of one pad on three nodes, typing at once: every edit is applied once, by the
/// pad's one owner, and every editor ends with the server's text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pad_edited_from_three_nodes_converges() {
    let Some(setup) = Setup::new(3) else {
        return;
    };
    let token = setup.user("ann", true);
    let nodes = setup.nodes("p", &[("NICHOIR_PADS_OPS_PER_SECOND", "1000")]);
    let created = post(&nodes[1].url, &token, "/api/v1/pads", json!({})).await;
    let pad = created["pad"]["id"].as_str().expect("pad id").to_string();

    const EDITS: u64 = 25;
    let typing = start_typing(&nodes, 0, &token, &pad, EDITS, 7);
    let editors = done_typing(typing).await;
    every_edit_once(&nodes[2].url, &pad, &editors, 0..3, EDITS).await;
}

/// Etherpad's `setText`, sent to a node that does not own the pad, lands once: one revision
/// each time, the text as sent, on every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etherpad_set_text_on_another_node_lands_once() {
    let Some(setup) = Setup::new(3) else {
        return;
    };
    let token = setup.user("ann", true);
    let nodes = setup.nodes("e", &[]);
    let created = post(&nodes[0].url, &token, "/api/v1/pads", json!({})).await;
    let pad = created["pad"]["id"].as_str().expect("pad id").to_string();
    // Node 1 reads it first: node 1 owns it.
    get(&nodes[0].url, &format!("/api/v1/pads/{pad}")).await;
    for (round, text) in ["Ordre du jour\n", "Ordre du jour\n1. Budget\n"]
        .into_iter()
        .enumerate()
    {
        let resp = http()
            .post(format!("{}/api/1/setText", nodes[1 + round % 2].url))
            .form(&[("apikey", token.as_str()), ("padID", &pad), ("text", text)])
            .send()
            .await
            .expect("setText");
        assert_eq!(resp.status().as_u16(), 200);
        let answer: Value = resp.json().await.expect("json");
        assert_eq!(answer["code"], 0, "{answer}");
        for n in &nodes {
            let v = get(&n.url, &format!("/api/v1/pads/{pad}")).await;
            assert_eq!(v["text"], text, "round {round} on {}", n.url);
            assert_eq!(
                v["pad"]["rev"],
                round as u64 + 1,
                "one revision per setText: {v}"
            );
        }
    }
}

/// How the owner of a pad and a call goes away.
#[derive(Clone, Copy, PartialEq)]
enum Goes {
    /// `kill -9`: nothing runs; the others notice its silence.
    Killed,
    /// SIGTERM: it hands its rooms over, then exits.
    Stopped,
}

/// Node 1 owns a pad that editors on nodes 2 and 3 type into, and a call whose other two
/// participants are on nodes 2 and 3. A third of the way into the typing node 1 goes: another
/// node takes the pad over, every acknowledged edit is in the text and both editors end with
/// the server's text; the participants are told to join again, do so with their resume token,
/// and receive each other's media from the call's new owner.
async fn the_owner_goes(how: Goes, prefix: &str) {
    use nichoir_video_client::Identity;
    let Some(setup) = Setup::new(3) else {
        return;
    };
    let token = setup.user("ann", true);
    let mut nodes = setup.nodes(prefix, &[("NICHOIR_PADS_OPS_PER_SECOND", "1000")]);
    let created = post(&nodes[0].url, &token, "/api/v1/pads", json!({})).await;
    let pad = created["pad"]["id"].as_str().expect("pad id").to_string();
    // Node 1 reads it first: node 1 owns it.
    get(&nodes[0].url, &format!("/api/v1/pads/{pad}")).await;
    // The host joins first, on node 1: node 1 owns the call.
    let host = Identity::guest(&nodes[0].url).await.expect("a guest");
    let room = host
        .create_room(&json!({"title": "Point hebdo"}))
        .await
        .expect("a room");
    let _cleo = video::join(&nodes[0].url, &room, "Cléo", Some(host)).await;
    let mut ana = video::join(&nodes[1].url, &room, "Ana", None).await;
    let mut bob = video::join(&nodes[2].url, &room, "Bob", None).await;
    video::receives_from(&ana, &[&bob]).await;
    video::receives_from(&bob, &[&ana]).await;

    const EDITS: u64 = 30;
    let typing = start_typing(&nodes, 1, &token, &pad, EDITS, 5);
    // The owner goes at a random point of the typing (2 × EDITS edits in all).
    let at = draw(seed(prefix), 0, 3, 2 * EDITS - 5);
    wait_for_rev(&nodes[1].url, &pad, at).await;
    let (a_from, b_from) = (ana.log().len(), bob.log().len());
    match how {
        Goes::Killed => nodes[0].kill_9(),
        Goes::Stopped => {
            let status = nodes[0].terminate();
            assert!(status.success(), "a clean exit: {status}");
        }
    }
    let editors = done_typing(typing).await;
    every_edit_once(&nodes[1].url, &pad, &editors, 1..3, EDITS).await;

    for (p, from, name) in [(&mut ana, a_from, "Ana"), (&mut bob, b_from, "Bob")] {
        p.wait_event(from, HANG, |v| {
            v["type"] == "error" && v["code"] == "media_failed"
        })
        .await
        .unwrap_or_else(|e| panic!("{name} is not told to join again: {e:#}"));
        p.rejoin(name)
            .await
            .unwrap_or_else(|e| panic!("{name} joins again: {e:#}"));
    }
    video::receives_from(&ana, &[&bob]).await;
    video::receives_from(&bob, &[&ana]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_owner_of_a_pad_and_a_call_loses_no_edit_and_the_call_goes_on() {
    the_owner_goes(Goes::Killed, "k").await;
}

/// A rolling upgrade's step: SIGTERM hands the rooms over before the node exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_owner_of_a_pad_and_a_call_hands_both_over() {
    the_owner_goes(Goes::Stopped, "d").await;
}

/// The owner of a pad is paused (SIGSTOP) for `pause` while editors on every node type, one
/// of them on the paused node, then resumes (SIGCONT). Another node takes the pad over
/// meanwhile; what the paused node does when it wakes is fenced off (a stale write fails, and
/// its editor sends the edit again): every edit is in the pad once, the history is one line
/// (one revision per edit), and every editor ends with the server's text.
async fn the_owner_pauses(pause: Duration, prefix: &str) {
    let Some(setup) = Setup::new(3) else {
        return;
    };
    let token = setup.user("ann", true);
    let nodes = setup.nodes(prefix, &[("NICHOIR_PADS_OPS_PER_SECOND", "1000")]);
    let created = post(&nodes[0].url, &token, "/api/v1/pads", json!({})).await;
    let pad = created["pad"]["id"].as_str().expect("pad id").to_string();
    get(&nodes[0].url, &format!("/api/v1/pads/{pad}")).await;

    const EDITS: u64 = 20;
    let typing = start_typing(&nodes, 0, &token, &pad, EDITS, 7);
    // Paused at a random point of the typing (3 × EDITS edits in all), for `pause` and up to
    // a second more.
    let seed = seed(prefix);
    wait_for_rev(&nodes[1].url, &pad, draw(seed, 0, 3, 2 * EDITS)).await;
    nodes[0].signal("-STOP");
    tokio::time::sleep(pause + Duration::from_millis(draw(seed, 1, 0, 1000))).await;
    nodes[0].signal("-CONT");
    let editors = done_typing(typing).await;
    every_edit_once(&nodes[1].url, &pad, &editors, 0..3, EDITS).await;
    every_edit_once(&nodes[0].url, &pad, &editors, 0..3, EDITS).await;
}

/// Paused for longer than the others wait for a silent node, within its lease's term: the
/// paused node still believes it owns the pad when it wakes, and the data fences it off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_paused_for_seconds_forks_no_history() {
    the_owner_pauses(Duration::from_secs(6), "s").await;
}

/// Paused past its lease's term: it wakes knowing it owns nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_paused_past_its_lease_forks_no_history() {
    the_owner_pauses(Duration::from_secs(17), "l").await;
}

/// The last place of a limited option, raced by twelve voters on three nodes, is taken once
/// (the nodes' write batches take turns): several rounds, as a race may go either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_place_raced_from_three_nodes_is_taken_once() {
    let Some(setup) = Setup::new(3) else {
        return;
    };
    let token = setup.user("ann", true);
    let nodes = setup.nodes("v", &[]);
    for round in 0..10 {
        let created = post(
            &nodes[0].url,
            &token,
            "/api/v1/polls",
            json!({"kind": "classic", "title": format!("Seats {round}"), "author_name": "Ann",
                   "max_yes": 1, "options": [{"label": "The last seat"}]}),
        )
        .await;
        let poll = created["poll"]["id"].as_str().expect("poll id").to_string();
        let admin = created["admin_token"].as_str().expect("admin token");
        let view = get(&nodes[1].url, &format!("/api/v1/poll-admin/{admin}")).await;
        let seat = view["options"][0]["id"].as_i64().expect("option id");
        let mut votes = Vec::new();
        for i in 0..12 {
            let (url, token, poll) = (nodes[i % 3].url.clone(), token.clone(), poll.clone());
            votes.push(tokio::spawn(async move {
                http()
                    .post(format!("{url}/api/v1/polls/{poll}/votes"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("voter {i}"), "answers": {seat.to_string(): "yes"}}))
                    .send()
                    .await
                    .expect("POST vote")
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for v in votes {
            statuses.push(v.await.expect("a voter"));
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 201 || (400..500).contains(s)),
            "{statuses:?}"
        );
        let view = get(&nodes[2].url, &format!("/api/v1/poll-admin/{admin}")).await;
        assert_eq!(view["options"][0]["yes"], 1, "{view}");
    }
}

/// Nodes starting on an empty database: one CSRF secret, and the setup link that the first
/// node printed still works through the second. Then wrong passwords count on every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_node_s_setup_link_stays_valid() {
    let Some(setup) = Setup::new(2) else {
        return;
    };
    let limit = [("NICHOIR_AUTH_LOGIN_FAILURES_PER_ACCOUNT", "3")];
    let first = setup.node(0, "s1", &limit);
    let line = first.wait_line(|l| l.contains("/setup?token="));
    let token = line
        .split("token=")
        .nth(1)
        .expect("token")
        .trim()
        .to_string();
    let second = setup.node(1, "s2", &limit);
    let resp = http()
        .post(format!("{}/api/v1/setup", second.url))
        .json(&json!({"token": token, "username": "root", "password": "long password", "display_name": "Root"}))
        .send()
        .await
        .expect("POST /api/v1/setup");
    assert!(resp.status().is_success(), "{}", resp.status());

    // Two wrong passwords on node 1 and one on node 2 make three for the account: node 2
    // refuses even the right one (alone it would have counted one).
    assert_eq!(login_status(&first.url, "wrong one").await, 401);
    assert_eq!(login_status(&first.url, "wrong two").await, 401);
    assert_eq!(login_status(&second.url, "wrong three").await, 401);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(login_status(&second.url, "long password").await, 429);
}

#[test]
fn a_cluster_on_sqlite_is_refused_at_start() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut cmd = nichoir(data.path());
    cmd.env("NICHOIR_NATS_URL", "nats://127.0.0.1:4222");
    let out = run(cmd, None);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        out.stderr.contains("cluster.nats_url") && out.stderr.contains("PostgreSQL"),
        "{out:?}"
    );
}

mod video {
    //! Calls across nodes: the call lives on one node (the first that served its room), the
    //! others forward its signalling there, and media goes straight to its UDP port.

    use super::*;
    use nichoir_video_client::{Identity, JoinOptions, MediaOptions, Participant};

    const SOME: u64 = 15;

    fn opts(identity: Identity) -> JoinOptions {
        JoinOptions {
            identity: Some(identity),
            timeout: HANG,
            media: MediaOptions::light(),
            ..JoinOptions::default()
        }
    }

    pub(super) async fn join(
        url: &str,
        room: &str,
        name: &str,
        id: Option<Identity>,
    ) -> Participant {
        let id = match id {
            Some(i) => i,
            None => Identity::guest(url).await.expect("a guest"),
        };
        Participant::join(url, room, name, opts(id))
            .await
            .unwrap_or_else(|e| panic!("{name} joins {room} on {url}: {e:#}"))
    }

    fn pid(p: &Participant) -> String {
        p.id().expect("in the call").to_string()
    }

    /// Waits until `p` receives fresh microphone and camera packets from each of `from`.
    pub(super) async fn receives_from(p: &Participant, from: &[&Participant]) {
        p.wait_receiving_all(from, SOME, HANG)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
    }

    /// Three people whose sockets are on three nodes receive each other's media, and see each
    /// other leave.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_people_on_three_nodes_see_each_other() {
        let Some(setup) = Setup::new(3) else {
            return;
        };
        let nodes = setup.nodes("c", &[]);
        let host = Identity::guest(&nodes[0].url).await.expect("a guest");
        let room = host
            .create_room(&json!({"title": "Réunion"}))
            .await
            .expect("a room");
        let ana = join(&nodes[0].url, &room, "Ana", Some(host)).await;
        assert_eq!(ana.joined().expect("joined")["moderator"], true);
        let bob = join(&nodes[1].url, &room, "Bob", None).await;
        let cleo = join(&nodes[2].url, &room, "Cléo", None).await;
        // Everyone is in one call: the last to come was told of the two others.
        let others = cleo.joined().expect("joined")["participants"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        assert!(others >= 2, "Cléo joined a call of {others} others");
        receives_from(&ana, &[&bob, &cleo]).await;
        receives_from(&bob, &[&ana, &cleo]).await;
        receives_from(&cleo, &[&ana, &bob]).await;
        for p in [&ana, &bob, &cleo] {
            assert!(p.failures().is_empty(), "{:?}", p.failures());
        }
        // The room's page counts the three on every node, whichever holds the call.
        for n in &nodes {
            let page = get(&n.url, &format!("/api/v1/video/rooms/{room}")).await;
            assert_eq!(page["participants"], 3, "on {}: {page}", n.url);
        }
        // Bob (on node 2) leaves: Ana (node 1) and Cléo (node 3) are told.
        let (a_from, c_from) = (ana.log().len(), cleo.log().len());
        let bob_id = pid(&bob);
        bob.leave().await.expect("leave");
        for (p, from) in [(&ana, a_from), (&cleo, c_from)] {
            p.wait_event(from, HANG, |v| {
                v["type"] == "participant_left" && v["id"] == bob_id.as_str()
            })
            .await
            .expect("told that Bob left");
        }
        receives_from(&ana, &[&cleo]).await;
    }
}

mod s3 {
    //! Uploads in an S3-compatible object store that every node reaches: a private Garage
    //! (`cargo install garage`, which `scripts/test-all` does), one bucket, one key.

    use super::*;

    /// A one-node Garage on free loopback ports with bucket `nichoir`; stopped when dropped.
    pub(super) struct Garage {
        child: Child,
        dir: tempfile::TempDir,
        pub endpoint: String,
        pub key_id: String,
        pub secret: String,
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    fn garage_bin() -> std::path::PathBuf {
        let home = std::env::var("HOME").unwrap_or_default();
        std::env::var_os("NICHOIR_GARAGE_BIN")
            .map(Into::into)
            .or_else(|| {
                std::env::var_os("PATH").and_then(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join("garage"))
                        .find(|f| f.exists())
                })
            })
            .or_else(|| Some(Path::new(&home).join(".cargo/bin/garage")))
            .filter(|p| p.exists())
            .expect("garage (`cargo install garage --locked`; scripts/test-all installs it)")
    }

    impl Garage {
        pub(super) fn start() -> Garage {
            let dir = tempfile::tempdir().expect("tempdir");
            let (rpc, api) = (free_port(), free_port());
            let config = dir.path().join("garage.toml");
            let d = dir.path().display();
            std::fs::write(
                &config,
                format!(
                    "metadata_dir = \"{d}/meta\"\ndata_dir = \"{d}/data\"\ndb_engine = \"sqlite\"\n\
                     replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
                     rpc_public_addr = \"127.0.0.1:{rpc}\"\nrpc_secret = \"{}\"\n\
                     [s3_api]\ns3_region = \"garage\"\napi_bind_addr = \"127.0.0.1:{api}\"\n\
                     root_domain = \".s3.garage.localhost\"\n",
                    "5ec2e7".repeat(10) + "5ec2"
                ),
            )
            .expect("garage.toml");
            let log = std::fs::File::create(dir.path().join("garage.log")).expect("log");
            let child = Command::new(garage_bin())
                .arg("-c")
                .arg(&config)
                .arg("server")
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("start garage");
            let g = Garage {
                child,
                dir,
                endpoint: format!("http://127.0.0.1:{api}"),
                key_id: format!("GK{:024x}", u128::from(api) * 7919),
                secret: "5ec2e75ec2e7".repeat(5) + "5ec2",
            };
            let deadline = Instant::now() + HANG;
            let id = loop {
                let out = g.cli(&["node", "id", "-q"]);
                if out.status.success() {
                    break out
                        .stdout
                        .trim()
                        .split('@')
                        .next()
                        .unwrap_or("")
                        .to_string();
                }
                assert!(Instant::now() < deadline, "garage does not start: {out:?}");
                std::thread::sleep(Duration::from_millis(200));
            };
            let (key_id, secret) = (g.key_id.clone(), g.secret.clone());
            for args in [
                vec!["layout", "assign", "-z", "dc1", "-c", "1G", id.as_str()],
                vec!["layout", "apply", "--version", "1"],
                vec!["bucket", "create", "nichoir"],
                vec!["key", "import", "--yes", "-n", "nichoir", &key_id, &secret],
                vec![
                    "bucket", "allow", "--read", "--write", "--owner", "nichoir", "--key", &key_id,
                ],
            ] {
                let out = g.cli(&args);
                assert!(out.status.success(), "garage {args:?}: {out:?}");
            }
            g
        }

        fn cli(&self, args: &[&str]) -> common::Out {
            let mut cmd = Command::new(garage_bin());
            cmd.arg("-c")
                .arg(self.dir.path().join("garage.toml"))
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            run(cmd, None)
        }

        /// The number of objects in the bucket (Garage counts them a moment after a change).
        pub(super) fn objects(&self) -> u64 {
            let out = self.cli(&["bucket", "info", "nichoir"]);
            out.stdout
                .lines()
                .find_map(|l| l.strip_prefix("Objects:"))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("garage bucket info: {out:?}"))
        }

        pub(super) fn env(&self) -> Vec<(&'static str, String)> {
            vec![
                ("NICHOIR_UPLOADS_S3_ENDPOINT", self.endpoint.clone()),
                ("NICHOIR_UPLOADS_S3_BUCKET", "nichoir".into()),
                ("NICHOIR_UPLOADS_S3_ACCESS_KEY_ID", self.key_id.clone()),
                ("NICHOIR_UPLOADS_S3_SECRET_ACCESS_KEY", self.secret.clone()),
            ]
        }
    }

    impl Drop for Garage {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Regular files under `dir`, recursively.
    fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    async fn upload(url: &str, token: &str, body: &'static [u8]) -> (u16, Value) {
        let resp = http()
            .post(url)
            .bearer_auth(token)
            .header("content-type", "text/plain")
            .body(body)
            .send()
            .await
            .expect("an upload");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn download(url: &str, token: &str) -> Vec<u8> {
        let resp = http()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("a download");
        assert_eq!(resp.status().as_u16(), 200, "GET {url}");
        resp.bytes().await.expect("bytes").to_vec()
    }

    /// A chat file uploaded through node 1 downloads through node 2, a wiki attachment the
    /// other way round; neither is in a node's data dir; a deleted wiki's files leave the
    /// bucket. A node whose store does not answer refuses to start, naming it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn uploads_in_an_object_store_are_every_node_s() {
        let Some(setup) = Setup::new(2) else {
            return;
        };
        let garage = Garage::start();
        let ann = setup.user("ann", false);
        let env = garage.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let nodes = setup.nodes("u", &env);

        post(
            &nodes[0].url,
            &ann,
            "/api/v1/chat/teams",
            json!({"name": "club", "display_name": "Club", "open": true}),
        )
        .await;
        let channels = get_auth(&nodes[0].url, &ann, "/api/v1/chat/teams/club/channels").await;
        let square = channels
            .as_array()
            .and_then(|l| l.iter().find(|c| c["name"] == "town-square"))
            .and_then(|c| c["id"].as_str())
            .expect("town-square")
            .to_string();
        let (status, file) = upload(
            &format!(
                "{}/api/v1/chat/channels/{square}/files?name=notes.txt",
                nodes[0].url
            ),
            &ann,
            b"the minutes of the meeting",
        )
        .await;
        assert_eq!(status, 201, "{file}");
        let id = file["id"].as_str().expect("file id");
        let got = download(&format!("{}/api/v1/chat/files/{id}", nodes[1].url), &ann).await;
        assert_eq!(got, b"the minutes of the meeting");

        post(
            &nodes[1].url,
            &ann,
            "/api/v1/wikis",
            json!({"slug": "docs", "title": "Docs"}),
        )
        .await;
        let (status, att) = upload(
            &format!("{}/api/v1/wikis/docs/files?name=plan.txt", nodes[1].url),
            &ann,
            b"first floor, then the garden",
        )
        .await;
        assert_eq!(status, 201, "{att}");
        let got = download(&format!("{}/w/docs/_files/plan.txt", nodes[0].url), &ann).await;
        assert_eq!(got, b"first floor, then the garden");

        for d in &setup.dirs {
            let stray = files_under(&d.path().join("uploads"));
            assert!(stray.is_empty(), "files left on a node's disk: {stray:?}");
        }
        let (status, _) = call(
            "DELETE",
            &format!("{}/api/v1/wikis/docs", nodes[0].url),
            &ann,
            json!({}),
        )
        .await;
        assert!(status < 300, "deleting the wiki: {status}");
        let deadline = Instant::now() + HANG;
        while garage.objects() != 1 {
            assert!(
                Instant::now() < deadline,
                "the wiki's file stays: {} objects",
                garage.objects()
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }

        // A store that does not answer: the node says so and does not start.
        let lone = tempfile::tempdir().expect("tempdir");
        use_database(lone.path(), &setup.db);
        let mut cmd = nichoir(lone.path());
        cmd.env("NICHOIR_UPLOADS_S3_ENDPOINT", "http://127.0.0.1:9")
            .env("NICHOIR_UPLOADS_S3_BUCKET", "nichoir")
            .env("NICHOIR_UPLOADS_S3_ACCESS_KEY_ID", &garage.key_id)
            .env("NICHOIR_UPLOADS_S3_SECRET_ACCESS_KEY", &garage.secret);
        let out = run(cmd, None);
        assert!(!out.status.success(), "{out:?}");
        assert!(
            out.stderr.contains("uploads"),
            "the refusal names the uploads: {out:?}"
        );
    }
}

mod proxy {
    //! The example proxy, `deploy/haproxy-cluster.cfg`, in front of three nodes: its own
    //! routing, with only the addresses changed (loopback ports, no TLS).

    use super::*;
    use common::ws_connect_with;

    /// A private HAProxy running the example's configuration; stopped when dropped.
    struct Haproxy {
        child: Child,
        url: String,
        _dir: tempfile::TempDir,
    }

    impl Drop for Haproxy {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// The example with its listener on a loopback port (no TLS) and its servers on `nodes`.
    fn config_for(nodes: &[Server], port: u16) -> String {
        let example = include_str!("../../../deploy/haproxy-cluster.cfg");
        let mut out = String::new();
        for line in example.lines() {
            let t = line.trim_start();
            let indent = &line[..line.len() - t.len()];
            if t.starts_with("bind :80") {
                out.push_str(&format!("{indent}bind 127.0.0.1:{port}\n"));
            } else if t.starts_with("bind :443") || t.contains("redirect scheme https") {
                continue;
            } else if let Some(rest) = t.strip_prefix("server n") {
                let i: usize = rest[..1].parse().expect("server nN");
                let addr = nodes[i - 1].url.trim_start_matches("http://");
                out.push_str(&format!("{indent}server n{i} {addr} check\n"));
            } else if t.starts_with("maxconn") {
                // The example's needs more file descriptors than a test may have.
                out.push_str(&format!("{indent}maxconn 1000\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    fn start(nodes: &[Server]) -> Haproxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(&cfg, config_for(nodes, port)).expect("haproxy.cfg");
        let bin = ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("haproxy");
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy (Debian's `haproxy`; scripts/test-all installs it)");
        Haproxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    /// The node a socket was served by: the connection id in its `hello` carries the node's
    /// index.
    async fn node_serving(ws: &mut Ws) -> u64 {
        let hello = next_frame(ws, "hello", |f| f["type"] == "hello").await;
        hello["conn"].as_u64().expect("conn") >> 48
    }

    /// Pages and the API go through; the sockets of one room reach one node whatever their
    /// number; a node that stops leaves the rotation, and its rooms' sockets reach another.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_example_proxy_routes_rooms_to_one_node_and_skips_a_stopped_one() {
        let Some(setup) = Setup::new(3) else {
            return;
        };
        let token = setup.user("ann", false);
        let mut nodes = setup.nodes("h", &[]);
        let proxy = start(&nodes);
        let deadline = Instant::now() + HANG;
        loop {
            let ready = http().get(format!("{}/readyz", proxy.url)).send().await;
            if ready.is_ok_and(|r| r.status().as_u16() == 200) {
                break;
            }
            assert!(Instant::now() < deadline, "the proxy does not serve");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let created = post(&proxy.url, &token, "/api/v1/pads", json!({})).await;
        let pad = created["pad"]["id"].as_str().expect("pad id").to_string();
        let topic = format!("pad:{pad}");
        let hint = format!("?room={topic}");

        let mut sockets = Vec::new();
        let mut served = Vec::new();
        for _ in 0..4 {
            let mut ws = ws_connect_with(&proxy.url, &hint, &token).await;
            served.push(node_serving(&mut ws).await);
            subscribe(&mut ws, &topic).await;
            sockets.push(ws);
        }
        assert!(
            served.windows(2).all(|w| w[0] == w[1]),
            "one room, one node: {served:?}"
        );
        // An edit through the proxy is applied and acknowledged.
        let mut e = Editor::open(&proxy.url, &token, &pad, "through-the-proxy").await;
        e.insert(1, 0, "hello").await;

        // The node serving the room stops: the proxy's checks take it out of the rotation, and
        // the room's sockets reach another node.
        let gone = served[0];
        let mut i = None;
        for (k, n) in nodes.iter().enumerate() {
            let mut ws = ws_connect(&n.url, &token).await;
            if node_serving(&mut ws).await == gone {
                i = Some(k);
            }
        }
        let i = i.expect("the node with that index");
        drop(sockets);
        let status = nodes[i].terminate();
        assert!(status.success(), "{status}");
        let deadline = Instant::now() + HANG;
        loop {
            let mut ws = ws_connect_with(&proxy.url, &hint, &token).await;
            if node_serving(&mut ws).await != gone {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the proxy still sends the room to the stopped node"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let text = get(&proxy.url, &format!("/api/v1/pads/{pad}")).await;
        assert_eq!(text["text"], "hello");
    }
}
