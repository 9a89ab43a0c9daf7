//! An acknowledged pad edit survives `kill -9`: the real binary, a WebSocket client that waits
//! for each `ack`, SIGKILL right after the last one, a restart on the same data folder. On SQLite
//! and on PostgreSQL; there also when PostgreSQL itself is killed, and while it is down under a
//! running server (503s and error frames, then service again, nothing acknowledged lost).
//!
//! Timeouts here only bound a hang; nothing asserts how fast anything is.

mod common;

use std::path::Path;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use common::{
    create_token, create_user, http, shared_pg_database, use_database, ws_connect, PgCluster,
    Server, Ws, HANG,
};

/// An admin account and an API token for it, made with the CLI.
fn admin_token(data: &Path) -> String {
    create_user(data, "admin", true);
    create_token(data, "admin")
}

async fn create_pad(url: &str, token: &str) -> String {
    let resp = http()
        .post(format!("{url}/api/v1/pads"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .expect("POST /api/v1/pads");
    assert_eq!(resp.status().as_u16(), 201, "create pad");
    let body: Value = resp.json().await.expect("json");
    body["pad"]["id"].as_str().expect("pad.id").to_string()
}

async fn get_json(url: &str) -> Value {
    let resp = http().get(url).send().await.expect("GET");
    assert_eq!(resp.status().as_u16(), 200, "GET {url}");
    resp.json().await.expect("json")
}

/// The next pad event's data (other frames and author/caret events skipped).
async fn next_pad_event(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(HANG, ws.next())
            .await
            .expect("no frame from the server")
            .expect("connection ended")
            .expect("websocket error");
        let Message::Text(t) = msg else { continue };
        let f: Value = serde_json::from_str(&t).expect("server frames are JSON");
        match f["type"].as_str() {
            Some("hello" | "subscribed" | "presence" | "pong") => continue,
            Some("event") => {
                if matches!(f["data"]["type"].as_str(), Some("author" | "caret")) {
                    continue;
                }
                return f["data"].clone();
            }
            _ => panic!("unexpected frame {f}"),
        }
    }
}

/// Connects and subscribes to the pad; returns the socket and the state's revision.
async fn open_pad(url: &str, token: &str, pad: &str) -> (Ws, u64) {
    let mut ws = ws_connect(url, token).await;
    let sub = json!({"type": "subscribe", "topic": format!("pad:{pad}")});
    ws.send(Message::Text(sub.to_string()))
        .await
        .expect("subscribe");
    let state = next_pad_event(&mut ws).await;
    assert_eq!(state["type"], "state", "{state}");
    (ws, state["rev"].as_u64().expect("state.rev"))
}

/// The i-th edit's text (multi-byte on purpose).
fn piece(i: u64) -> String {
    format!("{i:02}é🙂中 ")
}

/// Appends piece(i) on revision `rev` of a text of `len` characters.
async fn send_append(ws: &mut Ws, pad: &str, seq: u64, rev: u64, len: usize, i: u64) {
    let op = if len == 0 {
        json!([piece(i)])
    } else {
        json!([len, piece(i)])
    };
    let data = json!({"type": "op", "client_id": "durable", "seq": seq, "rev": rev, "op": op});
    let msg = json!({"type": "publish", "topic": format!("pad:{pad}"), "data": data});
    ws.send(Message::Text(msg.to_string())).await.expect("send");
}

fn expected(n: u64) -> String {
    (0..n).map(piece).collect()
}

/// Sends `n` edits one after another, each after the previous one's ack.
async fn acked_edits(ws: &mut Ws, pad: &str, n: u64) {
    for i in 0..n {
        let len = expected(i).chars().count();
        send_append(ws, pad, i + 1, i, len, i).await;
        let ev = next_pad_event(ws).await;
        assert_eq!(ev["type"], "ack", "edit {i}: {ev}");
        assert_eq!(ev["seq"].as_u64(), Some(i + 1), "{ev}");
        assert_eq!(ev["rev"].as_u64(), Some(i + 1), "{ev}");
    }
}

/// A data dir whose commands use a fresh database on the shared test PostgreSQL, or None
/// (test skipped) when there is none.
fn on_postgres(dir: &Path) -> Option<std::path::PathBuf> {
    let Some(url) = shared_pg_database() else {
        eprintln!("NICHOIR_TEST_PG_URL unset: the PostgreSQL variant is skipped");
        return None;
    };
    let data = dir.join("data");
    use_database(&data, &url);
    Some(data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    acknowledged_edits_survive_kill_9_on(&dir.path().join("data")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_survive_kill_9_on_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(data) = on_postgres(dir.path()) {
        acknowledged_edits_survive_kill_9_on(&data).await;
    }
}

async fn acknowledged_edits_survive_kill_9_on(data: &Path) {
    let data = data.to_path_buf();
    let token = admin_token(&data);
    let mut server = Server::start(&data);
    let pad = create_pad(&server.url, &token).await;
    let (mut ws, rev) = open_pad(&server.url, &token, &pad).await;
    assert_eq!(rev, 0);
    acked_edits(&mut ws, &pad, 50).await;
    server.kill_9();
    drop(ws);

    let server = Server::start(&data);
    let body = get_json(&format!("{}/api/v1/pads/{pad}", server.url)).await;
    assert_eq!(body["pad"]["rev"].as_u64(), Some(50), "{body}");
    assert_eq!(body["text"].as_str(), Some(expected(50).as_str()), "{body}");
    for r in [1u64, 25, 49, 50] {
        let body = get_json(&format!("{}/api/v1/pads/{pad}/revisions/{r}", server.url)).await;
        assert_eq!(body["text"].as_str(), Some(expected(r).as_str()), "rev {r}");
    }
    // The pad goes on where it stopped.
    let (mut ws, rev) = open_pad(&server.url, &token, &pad).await;
    assert_eq!(rev, 50);
    send_append(&mut ws, &pad, 51, 50, expected(50).chars().count(), 50).await;
    let ev = next_pad_event(&mut ws).await;
    assert_eq!(ev["type"], "ack", "{ev}");
    assert_eq!(ev["rev"].as_u64(), Some(51), "{ev}");
}

/// Edits still on the wire when the server dies may or may not be kept, but the pad is always a
/// prefix of what was sent: no hole, no half edit, and every acknowledged one is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacknowledged_edits_leave_a_consistent_prefix_after_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    unacknowledged_edits_leave_a_consistent_prefix_on(&dir.path().join("data")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacknowledged_edits_leave_a_consistent_prefix_on_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(data) = on_postgres(dir.path()) {
        unacknowledged_edits_leave_a_consistent_prefix_on(&data).await;
    }
}

async fn unacknowledged_edits_leave_a_consistent_prefix_on(data: &Path) {
    let data = data.to_path_buf();
    let token = admin_token(&data);
    let mut server = Server::start(&data);
    let pad = create_pad(&server.url, &token).await;
    let (mut ws, _) = open_pad(&server.url, &token, &pad).await;
    acked_edits(&mut ws, &pad, 20).await;
    // Ten more in a row, each on the revision it will get if all go through, then SIGKILL.
    for i in 20..30 {
        let len = expected(i).chars().count();
        send_append(&mut ws, &pad, i + 1, i, len, i).await;
    }
    server.kill_9();
    drop(ws);

    let server = Server::start(&data);
    let body = get_json(&format!("{}/api/v1/pads/{pad}", server.url)).await;
    let rev = body["pad"]["rev"].as_u64().expect("rev");
    assert!((20..=30).contains(&rev), "{body}");
    assert_eq!(
        body["text"].as_str(),
        Some(expected(rev).as_str()),
        "{body}"
    );
    let body = get_json(&format!("{}/api/v1/pads/{pad}/revisions/{rev}", server.url)).await;
    assert_eq!(
        body["text"].as_str(),
        Some(expected(rev).as_str()),
        "{body}"
    );
    // Resending what may have been lost is idempotent: acked again or applied now, once each.
    let (mut ws, head) = open_pad(&server.url, &token, &pad).await;
    assert_eq!(head, rev);
    for i in 20..30 {
        let len = expected(i).chars().count();
        send_append(&mut ws, &pad, i + 1, i, len, i).await;
        let ev = next_pad_event(&mut ws).await;
        assert_eq!(ev["type"], "ack", "resend of edit {i}: {ev}");
        assert_eq!(ev["rev"].as_u64(), Some(i + 1), "{ev}");
    }
    let body = get_json(&format!("{}/api/v1/pads/{pad}", server.url)).await;
    assert_eq!(body["pad"]["rev"].as_u64(), Some(30), "{body}");
    assert_eq!(body["text"].as_str(), Some(expected(30).as_str()), "{body}");
}

/// Nichoir killed, then PostgreSQL killed right after, then both started again: every
/// acknowledged edit is there (PostgreSQL recovers them from its WAL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_survive_kill_9_of_nichoir_and_of_postgres() {
    let Some(pg) = PgCluster::start() else {
        eprintln!("NICHOIR_TEST_PG_URL unset: skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    use_database(&data, &pg.database());
    let token = admin_token(&data);
    let mut server = Server::start(&data);
    let pad = create_pad(&server.url, &token).await;
    let (mut ws, _) = open_pad(&server.url, &token, &pad).await;
    acked_edits(&mut ws, &pad, 40).await;
    server.kill_9();
    pg.crash();
    drop(ws);
    pg.resume();

    let server = Server::start(&data);
    let body = get_json(&format!("{}/api/v1/pads/{pad}", server.url)).await;
    assert_eq!(body["pad"]["rev"].as_u64(), Some(40), "{body}");
    assert_eq!(body["text"].as_str(), Some(expected(40).as_str()), "{body}");
}

/// What a client sees of one edit: acknowledged at a revision, or refused with a code.
async fn ack_or_error(ws: &mut Ws) -> Result<u64, String> {
    loop {
        let msg = tokio::time::timeout(HANG, ws.next())
            .await
            .expect("no frame from the server")
            .expect("connection ended")
            .expect("websocket error");
        let Message::Text(t) = msg else { continue };
        let f: Value = serde_json::from_str(&t).expect("server frames are JSON");
        match (f["type"].as_str(), f["data"]["type"].as_str()) {
            (Some("error"), _) => {
                return Err(f["code"].as_str().unwrap_or("no code").to_string());
            }
            // A refused edit: an event of the pad's topic naming it.
            (Some("event"), Some("error")) => {
                return Err(f["data"]["code"].as_str().unwrap_or("no code").to_string());
            }
            (Some("event"), Some("ack")) => {
                return Ok(f["data"]["rev"].as_u64().expect("ack.rev"));
            }
            _ => continue,
        }
    }
}

/// PostgreSQL dies under a running server with an editor typing: requests answer 503
/// `unavailable` with a JSON error, the editor gets error frames, nothing panics; when it is
/// back, service resumes by itself and the pad holds exactly the acknowledged edits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_postgres_while_serving_answers_503_then_recovers() {
    let Some(pg) = PgCluster::start() else {
        eprintln!("NICHOIR_TEST_PG_URL unset: skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    use_database(&data, &pg.database());
    let token = admin_token(&data);
    let server = Server::start(&data);
    let pad = create_pad(&server.url, &token).await;
    let (mut ws, _) = open_pad(&server.url, &token, &pad).await;

    // The editor: one edit after another; a refused one is sent again (same seq) until it is
    // acknowledged, as the web client does.
    const EDITS: u64 = 60;
    let (crash_tx, crash_rx) = tokio::sync::oneshot::channel::<()>();
    let editor_pad = pad.clone();
    let editor = tokio::spawn(async move {
        let mut crash_tx = Some(crash_tx);
        let mut refusals: Vec<String> = Vec::new();
        for i in 0..EDITS {
            if i == 10 {
                if let Some(tx) = crash_tx.take() {
                    let _ = tx.send(());
                }
            }
            let len = expected(i).chars().count();
            loop {
                send_append(&mut ws, &editor_pad, i + 1, i, len, i).await;
                match ack_or_error(&mut ws).await {
                    Ok(rev) => {
                        assert_eq!(rev, i + 1, "edit {i}");
                        break;
                    }
                    Err(code) => {
                        refusals.push(code);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            }
        }
        refusals
    });

    crash_rx.await.expect("editor started");
    pg.crash();
    // While it is down: a write answers 503 with the error's JSON shape.
    let resp = http()
        .post(format!("{}/api/v1/pads", server.url))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("POST while the database is down");
    assert_eq!(resp.status().as_u16(), 503, "a write with no database");
    let body: Value = resp.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let ready = |url: String| async move {
        http()
            .get(format!("{url}/readyz"))
            .send()
            .await
            .expect("GET /readyz")
            .status()
            .as_u16()
    };
    assert_eq!(
        ready(server.url.clone()).await,
        503,
        "not ready without its database"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    pg.resume();

    let Ok(refusals) = tokio::time::timeout(HANG, editor).await else {
        panic!(
            "the editor never got every edit acknowledged; server log:\n{}",
            server.stderr()
        );
    };
    let refusals = refusals.expect("editor task");
    assert!(
        !refusals.is_empty(),
        "edits were refused while the database was down"
    );
    assert!(
        refusals.iter().all(|c| c == "unavailable"),
        "refused as unavailable, nothing else: {refusals:?}"
    );
    // Writes work again, and the pad is exactly what was acknowledged.
    let resp = http()
        .post(format!("{}/api/v1/pads", server.url))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("POST after recovery");
    assert_eq!(resp.status().as_u16(), 201, "service resumed by itself");
    assert_eq!(ready(server.url.clone()).await, 200, "ready again");
    let body = get_json(&format!("{}/api/v1/pads/{pad}", server.url)).await;
    assert_eq!(body["pad"]["rev"].as_u64(), Some(EDITS), "{body}");
    assert_eq!(
        body["text"].as_str(),
        Some(expected(EDITS).as_str()),
        "{body}"
    );
    let log = server.stderr();
    assert!(!log.contains("panicked"), "{log}");
}
