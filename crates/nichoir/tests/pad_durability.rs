//! An acknowledged pad edit survives `kill -9`: the real binary, a WebSocket client that waits
//! for each `ack`, SIGKILL right after the last one, a restart on the same data folder.
//!
//! Timeouts here only bound a hang; nothing asserts how fast anything is.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const BIN: &str = env!("CARGO_BIN_EXE_nichoir");
/// Upper bound for a command, a server start or an expected frame on a slow, busy machine.
const HANG: Duration = Duration::from_secs(90);
const PASSWORD: &str = "correct horse battery staple";

/// The binary with a clean `NICHOIR_*` environment, a free port and `data_dir`.
fn nichoir(data_dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("NICHOIR_") {
            c.env_remove(k);
        }
    }
    c.env("NICHOIR_LISTEN", "127.0.0.1:0")
        .env("NICHOIR_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs a command to completion (killed if it hangs); returns (success, stdout, stderr).
fn run(mut cmd: Command, stdin: Option<&str>) -> (bool, String, String) {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn nichoir");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin piped");
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout piped")));
    let err = drain(Box::new(child.stderr.take().expect("stderr piped")));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nichoir did not exit within {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.success(),
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    )
}

/// A `nichoir` server child process; killed when dropped.
struct Server {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = nichoir(data).spawn().expect("spawn nichoir");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Logs go to stderr: keep draining it so the server never blocks on a full pipe.
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = stderr.clone();
            let mut pipe = BufReader::new(child.stderr.take().expect("stderr piped"));
            std::thread::spawn(move || {
                let mut line = String::new();
                while matches!(pipe.read_line(&mut line), Ok(n) if n > 0) {
                    if let Ok(mut s) = stderr.lock() {
                        s.push_str(&line);
                    }
                    line.clear();
                }
            });
        }
        let mut server = Server {
            child,
            url: String::new(),
            stderr,
        };
        let deadline = Instant::now() + HANG;
        let line = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(l) if l.starts_with("listening on http://") => break l,
                Ok(_) => continue,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(200));
                    panic!(
                        "the server did not print `listening on`; stderr:\n{}",
                        server.stderr()
                    );
                }
            }
        };
        server.url = line.trim_start_matches("listening on ").trim().to_string();
        assert!(
            server.url.starts_with("http://127.0.0.1:") && !server.url.ends_with(":0"),
            "{line}"
        );
        server
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// SIGKILL: no shutdown code runs at all.
    fn kill_9(&mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-9", &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -9 {pid}");
        let start = Instant::now();
        while self.child.try_wait().expect("try_wait").is_none() {
            assert!(start.elapsed() < HANG, "the server survived kill -9");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// An admin account and an API token for it, made with the CLI.
fn admin_token(data: &Path) -> String {
    let mut cmd = nichoir(data);
    cmd.args([
        "admin",
        "create-user",
        "--username",
        "admin",
        "--password-stdin",
        "--admin",
    ]);
    let (ok, out, err) = run(cmd, Some(&format!("{PASSWORD}\n")));
    assert!(ok, "create-user: {out}\n{err}");
    let mut cmd = nichoir(data);
    cmd.args(["admin", "create-token", "--username", "admin"]);
    let (ok, out, err) = run(cmd, None);
    assert!(ok, "create-token: {out}\n{err}");
    let token = out.trim().to_string();
    assert!(
        !token.is_empty() && !token.contains(char::is_whitespace),
        "{out}"
    );
    token
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(HANG)
        .build()
        .expect("http client")
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

async fn ws_connect(url: &str, token: &str) -> Ws {
    let addr = url.trim_start_matches("http://");
    let mut req = format!("ws://{addr}/api/v1/ws")
        .into_client_request()
        .expect("ws request");
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    let (ws, _) = tokio::time::timeout(HANG, tokio_tungstenite::connect_async(req))
        .await
        .expect("websocket handshake hung")
        .expect("websocket upgrade");
    ws
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
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
    let data = dir.path().join("data");
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
