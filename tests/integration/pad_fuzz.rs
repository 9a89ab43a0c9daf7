//! Collaborative pads through the real server: a faithful Jupiter/ot.js client written here
//! (inflight + buffer, transform against the server's revisions, ack promotion, reconnect with
//! `sync` and an idempotent resend), driven by a seeded PRNG with several concurrent clients,
//! random multi-byte edits and random disconnects; then every client, the server's text, the
//! stored revision log and the timeslider must agree. Focused tests cover concurrent inserts at
//! one position, idempotent resend, refused edits (future revision, malformed, too large,
//! read-only, deleted pad).
//!
//! No timing is asserted: timeouts only bound a hang, seeds are fixed.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use nichoir_ot::Operation;
use nichoir_storage::params;
use nichoir_testkit::{Backend, TestServer};
use serde_json::{json, Value};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{
    self, cookie_from, op_msg, publish, recv_json, send_json, subscribe, ws_connect, Ws, WsAuth,
};

/// Upper bound against hangs for one expected frame, never a performance expectation.
const WAIT: Duration = Duration::from_secs(30);
/// Upper bound for a client to converge (all its edits acknowledged) on a slow, busy machine.
const CONVERGE: Duration = Duration::from_secs(180);

// ---------------------------------------------------------------------------------------------
// Small deterministic PRNG (xorshift64*).

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Characters typed by the fuzzer: ASCII, Latin with a precomposed accent, an emoji outside the
/// BMP, CJK, Arabic, a lone combining mark, a zero-width joiner, a newline.
const ALPHABET: &[char] = &[
    'a', 'b', 'z', ' ', '\n', 'é', '🙂', '中', 'ع', 'ب', '\u{301}', '\u{200d}', '𝄞', 'ß',
];

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// One random edit on `doc`: insert 1–4 characters or delete 1–3, at a random position.
fn simple_edit(rng: &mut Rng, doc: &str) -> Operation {
    let len = char_len(doc);
    let mut op = Operation::new();
    if len > 0 && rng.below(10) < 4 {
        let n = (1 + rng.below(3)).min(len);
        let pos = rng.below(len - n + 1);
        op.retain(pos).delete(n).retain(len - pos - n);
    } else {
        let k = 1 + rng.below(4);
        let s: String = (0..k)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        let pos = rng.below(len + 1);
        op.retain(pos).insert(&s).retain(len - pos);
    }
    op
}

/// Mostly simple edits; sometimes two composed into one multi-component operation.
fn random_edit(rng: &mut Rng, doc: &str) -> Operation {
    let first = simple_edit(rng, doc);
    if rng.below(8) != 0 {
        return first;
    }
    let mid = first.apply(doc).expect("own edit applies");
    let second = simple_edit(rng, &mid);
    first.compose(&second).expect("compose own edits")
}

// ---------------------------------------------------------------------------------------------
// Accounts, HTTP and WebSocket helpers.

/// An identity usable both over HTTP (cookie + CSRF token) and for the WebSocket upgrade.
#[derive(Clone)]
struct Account {
    id: String,
    cookie: String,
    csrf: String,
}

/// A new signed-in user.
async fn user(server: &TestServer, username: &str) -> Account {
    let (u, resp) = support::sign_in(server, username).await;
    let cookie = cookie_from(&resp, "nichoir_session");
    let body: Value = resp.json().await.expect("login body");
    Account {
        id: u["id"].as_str().expect("user id").to_string(),
        cookie,
        csrf: body["csrf_token"].as_str().expect("csrf_token").to_string(),
    }
}

/// A new guest identity (`GET /api/v1/guest`).
async fn guest(server: &TestServer) -> Account {
    let resp = support::guest(server).await;
    let cookie = cookie_from(&resp, "nichoir_guest");
    let body: Value = resp.json().await.expect("guest body");
    Account {
        id: body["id"].as_str().expect("guest id").to_string(),
        cookie,
        csrf: body["csrf_token"].as_str().expect("csrf_token").to_string(),
    }
}

/// Sends an HTTP request as `who`; returns (status, JSON body or Null).
async fn http(
    server: &TestServer,
    who: Option<&Account>,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{}{}", server.url, path));
    if let Some(a) = who {
        req = req
            .header("cookie", a.cookie.as_str())
            .header("x-csrf-token", a.csrf.as_str());
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = tokio::time::timeout(WAIT, req.send())
        .await
        .expect("HTTP request hung")
        .expect("HTTP request");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("HTTP body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Creates a pad as `owner`; returns (id, read-only id).
async fn create_pad(server: &TestServer, owner: &Account) -> (String, String) {
    let (status, body) = http(
        server,
        Some(owner),
        reqwest::Method::POST,
        "/api/v1/pads",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 201, "create pad: {body}");
    let id = body["pad"]["id"].as_str().expect("pad.id").to_string();
    let ro = body["pad"]["readonly_id"]
        .as_str()
        .expect("pad.readonly_id")
        .to_string();
    assert_ne!(id, ro, "{body}");
    (id, ro)
}

/// `GET /api/v1/pads/{id}`: (text, rev).
async fn pad_text(server: &TestServer, id: &str) -> (String, u64) {
    let (status, body) = http(
        server,
        None,
        reqwest::Method::GET,
        &format!("/api/v1/pads/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "GET pad {id}: {body}");
    (
        body["text"].as_str().expect("text").to_string(),
        body["pad"]["rev"].as_u64().expect("pad.rev"),
    )
}

/// One stored revision row.
#[derive(Debug, Clone)]
struct Row {
    rev: u64,
    op: String,
    author_id: String,
    client_id: String,
    seq: u64,
}

async fn revision_rows(server: &TestServer, pad: &str) -> Vec<Row> {
    let pad = pad.to_string();
    server
        .ctx
        .db
        .read(move |c| {
            let mut s = c.prepare(
                "SELECT rev, op, author_id, client_id, seq FROM pad_revisions
                 WHERE pad_id = ?1 ORDER BY rev",
            )?;
            let rows = s.query_map(params![pad], |r| {
                Ok(Row {
                    rev: r.get::<_, i64>(0)? as u64,
                    op: r.get(1)?,
                    author_id: r.get(2)?,
                    client_id: r.get(3)?,
                    seq: r.get::<_, i64>(4)? as u64,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .expect("read pad_revisions")
}

/// The next pad event on `topic` (its `data`), skipping hello/subscribed/presence/pong frames
/// and `author`/`caret` events. A top-level error frame fails the test.
async fn next_pad_event(ws: &mut Ws, topic: &str) -> Value {
    loop {
        let f = recv_json(ws, WAIT).await;
        match f["type"].as_str() {
            Some("hello" | "subscribed" | "presence" | "pong") => continue,
            Some("event") => {
                assert_eq!(f["topic"], topic, "event on another topic: {f}");
                let data = f["data"].clone();
                if matches!(data["type"].as_str(), Some("author" | "caret")) {
                    continue;
                }
                return data;
            }
            _ => panic!("unexpected frame while waiting for a pad event: {f}"),
        }
    }
}

/// The next top-level `error` frame, skipping hello/subscribed/presence/pong frames; any pad
/// event before it fails the test.
async fn next_top_error(ws: &mut Ws) -> Value {
    loop {
        let f = recv_json(ws, WAIT).await;
        match f["type"].as_str() {
            Some("hello" | "subscribed" | "presence" | "pong") => continue,
            Some("error") => return f,
            _ => panic!("expected an error frame, got {f}"),
        }
    }
}

/// Connects, subscribes to `topic` and returns the socket and the `state` event.
async fn join(addr: SocketAddr, cookie: &str, topic: &str) -> (Ws, Value) {
    let mut ws = ws_connect(addr, WsAuth::Cookie(cookie), WAIT).await;
    send_json(&mut ws, &subscribe(topic)).await;
    let state = next_pad_event(&mut ws, topic).await;
    assert_eq!(
        state["type"], "state",
        "first pad event on {topic}: {state}"
    );
    (ws, state)
}

/// Sends a ping and waits for its pong: every event queued for this socket before the ping was
/// read by then. Returns the pad events seen on the way (author/caret/presence skipped).
async fn drain_until_pong(ws: &mut Ws) -> Vec<Value> {
    send_json(ws, &json!({"type": "ping"})).await;
    let mut seen = Vec::new();
    loop {
        let f = recv_json(ws, WAIT).await;
        match f["type"].as_str() {
            Some("pong") => return seen,
            Some("event") => {
                if !matches!(f["data"]["type"].as_str(), Some("author" | "caret")) {
                    seen.push(f["data"].clone());
                }
            }
            Some("hello" | "subscribed" | "presence") => {}
            _ => seen.push(f),
        }
    }
}

/// The one revision of a stored batch sent to someone who did not author it (`ops` with one
/// item; fails the test otherwise).
fn single_op(ev: &Value) -> Value {
    assert_eq!(ev["type"], "ops", "a batch: {ev}");
    let ops = ev["ops"].as_array().unwrap_or_else(|| panic!("ops: {ev}"));
    assert_eq!(ops.len(), 1, "one edit in the batch: {ev}");
    ops[0].clone()
}

// ---------------------------------------------------------------------------------------------
// A Jupiter/ot.js client.

struct Inflight {
    seq: u64,
    op: Operation,
    /// Sent on the current connection (reset on disconnect: it is resent after `synced`).
    sent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No socket.
    Offline,
    /// Subscribed, waiting for `state` (ops before it are covered by it).
    Joining,
    /// `sync` sent, waiting for `synced`.
    Syncing,
    Live,
}

struct OtClient {
    label: String,
    addr: SocketAddr,
    cookie: String,
    topic: String,
    client_id: String,
    ws: Option<Ws>,
    phase: Phase,
    rev: u64,
    doc: String,
    inflight: Option<Inflight>,
    buffer: Option<Operation>,
    next_seq: u64,
    /// seq → revision, for every edit of ours the server acknowledged (by ack or own op).
    acked: BTreeMap<u64, u64>,
    connections: u32,
    stats: Stats,
}

/// What a client went through (to see that the scenario exercised each path).
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    /// Reconnections that needed a `sync` (edits pending).
    syncs: u32,
    /// Own edits learned from a list of revisions (a stored batch or the sync replay).
    own_ops: u32,
    /// `ack`s for an edit already known (an idempotent resend answered).
    late_acks: u32,
    /// Remote ops transformed against an edit in flight.
    concurrent: u32,
    /// Remote ops transformed against a buffer too.
    buffered: u32,
    /// Acks deliberately not read (the connection cut just before).
    lost_acks: u32,
    /// Own edits acknowledged by a batch (`ack` with `ops`).
    batch_acks: u32,
}

impl OtClient {
    fn new(label: &str, addr: SocketAddr, cookie: &str, topic: &str, client_id: &str) -> OtClient {
        OtClient {
            label: label.to_string(),
            addr,
            cookie: cookie.to_string(),
            topic: topic.to_string(),
            client_id: client_id.to_string(),
            ws: None,
            phase: Phase::Offline,
            rev: 0,
            doc: String::new(),
            inflight: None,
            buffer: None,
            next_seq: 1,
            acked: BTreeMap::new(),
            connections: 0,
            stats: Stats::default(),
        }
    }

    fn pending(&self) -> bool {
        self.inflight.is_some() || self.buffer.is_some()
    }

    fn settled(&self) -> bool {
        self.phase == Phase::Live && !self.pending()
    }

    fn describe(&self) -> String {
        format!(
            "{} ({}): phase {:?}, rev {}, inflight {:?}, buffer {:?}, {} acked, {} connections, {:?}",
            self.label,
            self.client_id,
            self.phase,
            self.rev,
            self.inflight.as_ref().map(|i| (i.seq, i.sent)),
            self.buffer.is_some(),
            self.acked.len(),
            self.connections,
            self.stats
        )
    }

    /// Opens a new socket and subscribes; the `state` is handled by the pump.
    async fn open(&mut self) {
        assert!(self.ws.is_none(), "{}: already connected", self.label);
        let mut ws = ws_connect(self.addr, WsAuth::Cookie(&self.cookie), WAIT).await;
        send_json(&mut ws, &subscribe(&self.topic)).await;
        self.ws = Some(ws);
        self.phase = Phase::Joining;
        self.connections += 1;
    }

    /// Drops the socket without a close frame (a network cut).
    fn cut(&mut self) {
        self.ws = None;
        self.phase = Phase::Offline;
        if let Some(i) = self.inflight.as_mut() {
            i.sent = false;
        }
    }

    /// Publishes `data`; false (and offline) if the socket is gone.
    async fn publish(&mut self, data: Value) -> bool {
        let frame = publish(&self.topic, data).to_string();
        let Some(ws) = self.ws.as_mut() else {
            return false;
        };
        if ws.send(Message::Text(frame)).await.is_err() {
            self.cut();
            return false;
        }
        true
    }

    /// Sends the inflight edit if it is not on the wire yet and the client is live.
    async fn flush(&mut self) {
        if self.phase != Phase::Live {
            return;
        }
        let Some(inf) = self.inflight.as_ref() else {
            return;
        };
        if inf.sent {
            return;
        }
        let msg = op_msg(
            &self.client_id,
            inf.seq,
            self.rev,
            serde_json::to_value(&inf.op).expect("op json"),
        );
        if self.publish(msg).await {
            if let Some(i) = self.inflight.as_mut() {
                i.sent = true;
            }
        }
    }

    /// A local edit: applied at once, sent if nothing is in flight, else composed into the buffer.
    async fn edit(&mut self, op: Operation) {
        self.doc = op
            .apply(&self.doc)
            .unwrap_or_else(|e| panic!("{}: own edit does not apply: {e}", self.label));
        if self.inflight.is_none() {
            self.inflight = Some(Inflight {
                seq: self.next_seq,
                op,
                sent: false,
            });
            self.next_seq += 1;
        } else {
            self.buffer = Some(match self.buffer.take() {
                Some(b) => b.compose(&op).expect("compose buffer"),
                None => op,
            });
        }
        self.flush().await;
    }

    /// Our inflight edit became revision `rev` (by `ack`, or seen as an `op` during a sync).
    async fn own_applied(&mut self, seq: u64, rev: u64) {
        assert_eq!(
            rev,
            self.rev + 1,
            "{}: our edit {seq} acknowledged as rev {rev} while we are at rev {}",
            self.label,
            self.rev
        );
        assert!(
            self.acked.insert(seq, rev).is_none(),
            "{}: seq {seq} acknowledged twice",
            self.label
        );
        self.rev = rev;
        self.inflight = self.buffer.take().map(|op| {
            let seq = self.next_seq;
            self.next_seq += 1;
            Inflight {
                seq,
                op,
                sent: false,
            }
        });
        self.flush().await;
    }

    async fn on_op(&mut self, data: &Value) {
        if self.phase == Phase::Joining {
            return; // the coming `state` includes it
        }
        let rev = data["rev"].as_u64().expect("op.rev");
        let from = data["client_id"].as_str().expect("op.client_id");
        let seq = data["seq"].as_u64().expect("op.seq");
        let mine = from == self.client_id;
        if rev <= self.rev {
            if mine {
                assert_eq!(
                    self.acked.get(&seq),
                    Some(&rev),
                    "{}: old own op {data}",
                    self.label
                );
            }
            return;
        }
        if rev > self.rev + 1 {
            // Only while catching up: the sync replay sends it again, in order.
            assert_eq!(
                self.phase,
                Phase::Syncing,
                "{}: revision gap: at {}, got {data}",
                self.label,
                self.rev
            );
            return;
        }
        if mine {
            match self.inflight.as_ref() {
                Some(i) if i.seq == seq => {
                    self.stats.own_ops += 1;
                    self.own_applied(seq, rev).await;
                }
                _ => panic!(
                    "{}: the server applied an edit of ours we do not expect: {data}; {}",
                    self.label,
                    self.describe()
                ),
            }
            return;
        }
        let mut s: Operation = serde_json::from_value(data["op"].clone()).expect("op parses");
        if let Some(inf) = self.inflight.as_mut() {
            let (s2, i2) = Operation::transform(&s, &inf.op)
                .unwrap_or_else(|e| panic!("{}: transform inflight: {e}", self.label));
            inf.op = i2;
            s = s2;
            self.stats.concurrent += 1;
        }
        if let Some(b) = self.buffer.as_mut() {
            let (s3, b2) = Operation::transform(&s, b)
                .unwrap_or_else(|e| panic!("{}: transform buffer: {e}", self.label));
            *b = b2;
            s = s3;
            self.stats.buffered += 1;
        }
        self.doc = s.apply(&self.doc).unwrap_or_else(|e| {
            panic!(
                "{}: server op {data} does not apply at rev {}: {e}",
                self.label, self.rev
            )
        });
        self.rev = rev;
    }

    async fn on_ack(&mut self, data: &Value) {
        assert_eq!(
            data["client_id"], self.client_id,
            "{}: someone else's ack {data}",
            self.label
        );
        let seq = data["seq"].as_u64().expect("ack.seq");
        let rev = data["rev"].as_u64().expect("ack.rev");
        if let Some(ops) = data["ops"].as_array() {
            // A stored batch holding our edit: the edit in the list is the acknowledgement.
            for item in ops {
                self.on_op(item).await;
            }
            self.stats.batch_acks += 1;
            assert_eq!(
                self.acked.get(&seq),
                Some(&rev),
                "{}: the batch {data} does not hold the edit it acknowledges; {}",
                self.label,
                self.describe()
            );
            return;
        }
        match self.inflight.as_ref() {
            Some(i) if i.seq == seq && i.sent => self.own_applied(seq, rev).await,
            _ => {
                assert_eq!(
                    self.acked.get(&seq),
                    Some(&rev),
                    "{}: ack {data} for an edit that is not in flight; {}",
                    self.label,
                    self.describe()
                );
                self.stats.late_acks += 1;
            }
        }
    }

    async fn on_event(&mut self, data: &Value) {
        match data["type"].as_str() {
            Some("state") => {
                assert_eq!(
                    self.phase,
                    Phase::Joining,
                    "{}: unexpected state",
                    self.label
                );
                let rev = data["rev"].as_u64().expect("state.rev");
                assert!(
                    rev >= self.rev,
                    "{}: state rev {rev} older than ours {}",
                    self.label,
                    self.rev
                );
                if self.pending() {
                    self.stats.syncs += 1;
                    self.phase = Phase::Syncing;
                    let r = self.rev;
                    self.publish(json!({"type": "sync", "rev": r})).await;
                } else {
                    self.doc = data["text"].as_str().expect("state.text").to_string();
                    self.rev = rev;
                    self.phase = Phase::Live;
                }
            }
            Some("ops") => {
                for item in data["ops"].as_array().cloned().unwrap_or_default() {
                    self.on_op(&item).await;
                }
            }
            Some("ack") => self.on_ack(data).await,
            Some("synced") => {
                assert_eq!(
                    self.phase,
                    Phase::Syncing,
                    "{}: unexpected synced",
                    self.label
                );
                assert_eq!(
                    data["rev"].as_u64(),
                    Some(self.rev),
                    "{}: synced at another revision; {}",
                    self.label,
                    self.describe()
                );
                self.phase = Phase::Live;
                self.flush().await;
            }
            Some("author" | "caret") => {}
            _ => panic!("{}: unexpected pad event {data}", self.label),
        }
    }

    async fn on_frame(&mut self, f: Value) {
        match f["type"].as_str() {
            Some("hello" | "subscribed" | "presence" | "pong") => {}
            Some("event") => {
                assert_eq!(f["topic"], self.topic.as_str(), "{}: {f}", self.label);
                self.on_event(&f["data"]).await;
            }
            _ => panic!("{}: unexpected frame {f}; {}", self.label, self.describe()),
        }
    }

    /// Reads and handles frames until `pred` holds or `deadline` passes (false then).
    /// Reconnects whenever the socket is gone.
    async fn pump(&mut self, deadline: Instant, pred: impl Fn(&OtClient) -> bool) -> bool {
        loop {
            if pred(self) {
                return true;
            }
            if self.ws.is_none() {
                self.open().await;
            }
            let Some(ws) = self.ws.as_mut() else {
                continue;
            };
            match tokio::time::timeout_at(deadline, ws.next()).await {
                Err(_) => return pred(self),
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: Value = serde_json::from_str(&t).expect("server frames are JSON");
                    self.on_frame(v).await;
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)))) => {}
                // Closed by the server (e.g. too slow) or broken: reconnect.
                Ok(Some(Ok(Message::Close(_) | Message::Binary(_))) | Some(Err(_)) | None) => {
                    self.cut();
                }
            }
        }
    }

    /// Handles frames for `d` (and reconnects if needed).
    async fn pump_for(&mut self, d: Duration) {
        self.pump(Instant::now() + d, |_| false).await;
    }

    /// Handles frames until `pred` holds; a hang fails the test.
    async fn pump_until(&mut self, what: &str, pred: impl Fn(&OtClient) -> bool) {
        if !self.pump(Instant::now() + CONVERGE, pred).await {
            panic!("{}: not {what} in time; {}", self.label, self.describe());
        }
    }

    /// Waits for the `ack` of the edit in flight and cuts the connection instead of reading it:
    /// the server applied the edit, the client does not know.
    async fn lose_next_ack(&mut self) {
        let deadline = Instant::now() + CONVERGE;
        loop {
            let Some(seq) = self.inflight.as_ref().filter(|i| i.sent).map(|i| i.seq) else {
                return;
            };
            let Some(ws) = self.ws.as_mut() else {
                return;
            };
            let msg = tokio::time::timeout_at(deadline, ws.next())
                .await
                .unwrap_or_else(|_| panic!("{}: no ack in time; {}", self.label, self.describe()));
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).expect("server frames are JSON");
                    let d = &v["data"];
                    if d["type"] == "ack"
                        && d["client_id"] == self.client_id.as_str()
                        && d["seq"] == seq
                    {
                        self.stats.lost_acks += 1;
                        self.cut();
                        return;
                    }
                    self.on_frame(v).await;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    self.cut();
                    return;
                }
            }
        }
    }

    /// Catches up with everything the server has (used once nobody edits any more).
    async fn final_sync(&mut self) {
        self.pump_until("settled", OtClient::settled).await;
        self.phase = Phase::Syncing;
        let r = self.rev;
        if !self.publish(json!({"type": "sync", "rev": r})).await {
            // Reconnecting gives the current state instead.
            self.cut();
        }
        self.pump_until("synced", OtClient::settled).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The fuzz scenario.

const CLIENTS: usize = 6;
const EDITS: usize = 60;
const CUTS: usize = 3;

async fn fuzz_client(mut c: OtClient, seed: u64, barrier: Arc<tokio::sync::Barrier>) -> OtClient {
    let mut rng = Rng::new(seed);
    c.open().await;
    c.pump_until("joined", |c| c.phase == Phase::Live).await;
    let mut cuts = BTreeSet::new();
    while cuts.len() < CUTS {
        cuts.insert(rng.below(EDITS));
    }
    for i in 0..EDITS {
        let op = random_edit(&mut rng, &c.doc);
        c.edit(op).await;
        if cuts.contains(&i) {
            // Cut right after the edit went out (mid-flight) or just as its ack arrives, maybe
            // type offline, come back.
            if rng.below(2) == 0 {
                c.lose_next_ack().await;
            }
            c.cut();
            for _ in 0..rng.below(3) {
                let op = random_edit(&mut rng, &c.doc);
                c.edit(op).await;
            }
            c.open().await;
        }
        c.pump_for(Duration::from_millis(rng.below(21) as u64))
            .await;
    }
    c.pump_until("settled", OtClient::settled).await;
    barrier.wait().await;
    c.final_sync().await;
    c
}

async fn fuzz(seed: u64, snapshot_every: u64) {
    let server =
        TestServer::start_with(|c| c.pads.snapshot_every = snapshot_every).expect("server");
    fuzz_on(&[server], seed).await;
}

/// The fuzz with its clients spread over `servers` (nodes of one cluster, or one server): the
/// checks read the first.
async fn fuzz_on(servers: &[TestServer], seed: u64) {
    let server = &servers[0];
    let owner = user(server, "owner").await;
    let (pad, _) = create_pad(server, &owner).await;
    let topic = format!("pad:{pad}");

    let mut accounts = Vec::new();
    for i in 0..CLIENTS {
        let a = if i % 2 == 0 {
            user(server, &format!("writer{i}")).await
        } else {
            guest(server).await
        };
        accounts.push(a);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let mut tasks = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        let c = OtClient::new(
            &format!("client{i}"),
            servers[i % servers.len()].addr,
            &a.cookie,
            &topic,
            &format!("c{i}-{seed}"),
        );
        let s = seed ^ ((i as u64 + 1) * 0x1000_0000_01B3);
        tasks.push(tokio::spawn(fuzz_client(c, s, barrier.clone())));
    }
    let mut clients = Vec::new();
    for t in tasks {
        clients.push(t.await.expect("client task"));
    }

    let (text, head) = pad_text(server, &pad).await;
    let total_edits: usize = clients.iter().map(|c| c.acked.len()).sum();
    assert!(
        head > 0 && head as usize == total_edits,
        "head {head}, {total_edits} acked edits"
    );
    for c in &clients {
        eprintln!("{}", c.describe());
        // A cut happens right after an edit: the reconnection that follows (the last one, if
        // cuts come back to back) has something pending and catches up with `sync`.
        assert!(c.stats.syncs >= 1, "{}", c.describe());
        assert_eq!(c.rev, head, "{}", c.describe());
        assert_eq!(c.doc, text, "{} diverged from the server", c.describe());
        assert!(c.connections as usize > CUTS, "{}", c.describe());
    }

    // The stored log: contiguous revisions, unique (client_id, seq), replays to the text.
    let rows = revision_rows(server, &pad).await;
    assert_eq!(rows.len() as u64, head, "one row per revision");
    let mut replay = vec![String::new()];
    let mut ids = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.rev, i as u64 + 1, "revisions are 1..=head in order");
        assert!(
            ids.insert((r.client_id.clone(), r.seq)),
            "(client_id, seq) stored twice: {r:?}"
        );
        let op: Operation = serde_json::from_str(&r.op).expect("stored op parses");
        let next = op
            .apply(replay.last().expect("replay"))
            .unwrap_or_else(|e| panic!("stored rev {} does not apply: {e}", r.rev));
        replay.push(next);
    }
    assert_eq!(
        replay.last(),
        Some(&text),
        "replaying the log gives the text"
    );

    // Nothing acknowledged is missing, nothing unacknowledged was stored, authors are right.
    for (c, a) in clients.iter().zip(&accounts) {
        let mine: BTreeMap<u64, u64> = rows
            .iter()
            .filter(|r| r.client_id == c.client_id)
            .map(|r| (r.seq, r.rev))
            .collect();
        assert_eq!(
            mine, c.acked,
            "{}: acked edits vs stored revisions",
            c.label
        );
        assert_eq!(
            c.acked.len() as u64,
            c.next_seq - 1,
            "{}: every edit was acknowledged",
            c.label
        );
        for r in rows.iter().filter(|r| r.client_id == c.client_id) {
            assert_eq!(r.author_id, a.id, "{}: author of rev {}", c.label, r.rev);
        }
    }
    let known: HashSet<&str> = clients.iter().map(|c| c.client_id.as_str()).collect();
    assert!(
        rows.iter().all(|r| known.contains(r.client_id.as_str())),
        "only our clients wrote"
    );

    // The timeslider agrees with the replay at every revision (snapshots included).
    for (rev, expected) in replay.iter().enumerate() {
        let (status, body) = http(
            server,
            None,
            reqwest::Method::GET,
            &format!("/api/v1/pads/{pad}/revisions/{rev}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "revision {rev}: {body}");
        assert_eq!(
            body["text"].as_str(),
            Some(expected.as_str()),
            "text at rev {rev}"
        );
    }
    let (status, body) = http(
        server,
        None,
        reqwest::Method::GET,
        &format!("/api/v1/pads/{pad}/revisions/{}", head + 1),
        None,
    )
    .await;
    assert_ne!(status, 200, "a revision from the future: {body}");

    // A client joining now gets the same text.
    let (_ws, state) = join(server.addr, &owner.cookie, &topic).await;
    assert_eq!(state["rev"].as_u64(), Some(head), "{state}");
    assert_eq!(state["text"].as_str(), Some(text.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pad_fuzz_seed_1() {
    fuzz(0x5EED_0001, 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pad_fuzz_seed_2() {
    fuzz(0xC0FF_EE02, 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pad_fuzz_seed_3() {
    fuzz(0xBADC_0DE3, 1).await;
}

/// The fuzz with its six clients on three nodes of a cluster (one PostgreSQL database, a
/// private nats-server): cuts, resends and offline typing, each edit applied once by the pad's
/// owner whatever node it came through. Skipped without a test PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pad_fuzz_across_three_nodes() {
    if std::env::var("NICHOIR_TEST_PG_URL").is_err() {
        eprintln!("NICHOIR_TEST_PG_URL unset: the cluster fuzz is skipped");
        return;
    }
    let nats = nichoir_testkit::NatsServer::start();
    let first = TestServer::start_on(Backend::Postgres, |c| {
        c.cluster.nats_url = nats.url.clone();
        c.cluster.node_name = "z1".into();
        c.pads.ops_per_second = 1000;
    })
    .expect("node 1");
    let db = first.config.storage.url.clone();
    let mut servers = vec![first];
    for i in 2..=3 {
        let (db, nats) = (db.clone(), nats.url.clone());
        servers.push(
            TestServer::start_on(Backend::Postgres, move |c| {
                c.storage.url = db;
                c.storage.read_connections = 2;
                c.cluster.nats_url = nats;
                c.cluster.node_name = format!("z{i}");
                c.pads.ops_per_second = 1000;
            })
            .expect("another node"),
        );
    }
    assert!(
        servers.iter().all(|s| s.ctx.hub.in_cluster()),
        "three nodes of one cluster"
    );
    fuzz_on(&servers, 4).await;
}

// ---------------------------------------------------------------------------------------------
// Focused tests.

/// Two raw clients insert at position 0 on revision 0 without reading: the edit the server took
/// first comes first, and both end up with the same text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_inserts_at_one_position_converge() {
    let server = TestServer::start().expect("server");
    let owner = user(&server, "owner").await;
    let other = guest(&server).await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");

    let (mut a, sa) = join(server.addr, &owner.cookie, &topic).await;
    let (mut b, sb) = join(server.addr, &other.cookie, &topic).await;
    assert_eq!((sa["rev"].as_u64(), sb["rev"].as_u64()), (Some(0), Some(0)));
    send_json(
        &mut a,
        &publish(&topic, op_msg("ca", 1, 0, json!(["é🙂A"]))),
    )
    .await;
    send_json(&mut b, &publish(&topic, op_msg("cb", 1, 0, json!(["中B"])))).await;
    let mut first_a = None;
    for (ws, me) in [(&mut a, "ca"), (&mut b, "cb")] {
        // One batch with both edits, or two batches of one: ours comes as an `ack` frame.
        let mut got_ack = None;
        let mut got_op = None;
        while got_ack.is_none() || got_op.is_none() {
            let ev = next_pad_event(ws, &topic).await;
            match ev["type"].as_str() {
                Some("ack") => {
                    assert_eq!(ev["client_id"], me, "{ev}");
                    assert_eq!(ev["seq"], 1, "{ev}");
                }
                Some("ops") => {}
                _ => panic!("{me}: unexpected {ev}"),
            }
            for item in ev["ops"].as_array().cloned().unwrap_or_default() {
                if item["client_id"] == me {
                    assert_eq!(item["seq"], 1, "{ev}");
                    assert_eq!(ev["type"], "ack", "our edit comes in an ack: {ev}");
                    assert_eq!(ev["rev"], item["rev"], "{ev}");
                    got_ack = item["rev"].as_u64();
                } else {
                    got_op = Some(item);
                }
            }
        }
        let ack = got_ack.expect("ack");
        let op = got_op.expect("the other's op");
        assert_ne!(Some(ack), op["rev"].as_u64(), "{op}");
        if me == "ca" {
            first_a = Some(ack == 1);
        }
    }
    let expected = if first_a == Some(true) {
        "é🙂A中B"
    } else {
        "中Bé🙂A"
    };
    assert_eq!(pad_text(&server, &pad).await, (expected.to_string(), 2));

    // Now two full clients typing a word each, character by character, at position 0.
    let mut x = OtClient::new("x", server.addr, &owner.cookie, &topic, "cx");
    let mut y = OtClient::new("y", server.addr, &other.cookie, &topic, "cy");
    x.open().await;
    y.open().await;
    x.pump_until("joined", |c| c.phase == Phase::Live).await;
    y.pump_until("joined", |c| c.phase == Phase::Live).await;
    let xs: Vec<char> = "Xénophon🙂".chars().collect();
    let ys: Vec<char> = "يوسف中文".chars().collect();
    let mut rng = Rng::new(42);
    for i in 0..xs.len().max(ys.len()) {
        for (c, word) in [(&mut x, &xs), (&mut y, &ys)] {
            if let Some(ch) = word.get(i) {
                let mut op = Operation::new();
                op.insert(&ch.to_string()).retain(char_len(&c.doc));
                c.edit(op).await;
            }
        }
        let (dx, dy) = (rng.below(5) as u64, rng.below(5) as u64);
        tokio::join!(
            x.pump_for(Duration::from_millis(dx)),
            y.pump_for(Duration::from_millis(dy))
        );
    }
    tokio::join!(
        x.pump_until("settled", OtClient::settled),
        y.pump_until("settled", OtClient::settled)
    );
    x.final_sync().await;
    y.final_sync().await;
    let (text, rev) = pad_text(&server, &pad).await;
    assert_eq!(x.doc, text);
    assert_eq!(y.doc, text);
    assert_eq!((x.rev, y.rev), (rev, rev));
    // Each one's characters, typed at 0, read backwards in the text; nothing lost.
    for word in [&xs, &ys] {
        let mut it = text.chars();
        assert!(
            word.iter().rev().all(|ch| it.any(|t| t == *ch)),
            "{word:?} reversed is a subsequence of {text:?}"
        );
    }
    assert_eq!(char_len(&text), char_len(expected) + xs.len() + ys.len());
}

/// The same (client_id, seq) sent twice, again after other edits, and again after a restart:
/// one revision, every answer an `ack` of that revision, nothing broadcast twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resending_an_edit_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let d = data.clone();
    let mut server = TestServer::start_with(move |c| c.server.data_dir = d).expect("server");
    let owner = user(&server, "owner").await;
    let watcher = guest(&server).await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a, _) = join(server.addr, &owner.cookie, &topic).await;
    let (mut w, _) = join(server.addr, &watcher.cookie, &topic).await;

    let first = publish(&topic, op_msg("dup", 1, 0, json!(["hé🙂"])));
    send_json(&mut a, &first).await;
    send_json(&mut a, &first).await;
    for _ in 0..2 {
        let ev = next_pad_event(&mut a, &topic).await;
        assert_eq!(ev["type"], "ack", "{ev}");
        assert_eq!(
            (ev["rev"].as_u64(), ev["seq"].as_u64()),
            (Some(1), Some(1)),
            "{ev}"
        );
        assert_eq!(ev["client_id"], "dup", "{ev}");
    }
    let seen = drain_until_pong(&mut w).await;
    assert_eq!(seen.len(), 1, "the watcher sees the edit once: {seen:?}");
    assert_eq!(single_op(&seen[0])["rev"], 1, "{seen:?}");
    assert_eq!(pad_text(&server, &pad).await, ("hé🙂".to_string(), 1));

    // seq 2, then a late copy of seq 1 (older than the last one) and of seq 2.
    send_json(
        &mut a,
        &publish(&topic, op_msg("dup", 2, 1, json!([3, "!"]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64()),
        (Some("ack"), Some(2)),
        "{ev}"
    );
    send_json(&mut a, &first).await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(ev["type"], "ack", "late copy of seq 1: {ev}");
    assert_eq!(
        (ev["rev"].as_u64(), ev["seq"].as_u64()),
        (Some(1), Some(1)),
        "{ev}"
    );
    send_json(&mut a, &publish(&topic, op_msg("dup", 2, 0, json!(["?"])))).await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(ev["type"], "ack", "copy of seq 2 on another base: {ev}");
    assert_eq!(
        (ev["rev"].as_u64(), ev["seq"].as_u64()),
        (Some(2), Some(2)),
        "{ev}"
    );
    let seen = drain_until_pong(&mut w).await;
    assert_eq!(seen.len(), 1, "only seq 2 was broadcast: {seen:?}");
    assert_eq!(pad_text(&server, &pad).await, ("hé🙂!".to_string(), 2));
    drop((a, w));

    // After a restart the server no longer has the last seq in memory: the log answers.
    server.stop();
    drop(server);
    let d = data.clone();
    let server = TestServer::start_with(move |c| c.server.data_dir = d).expect("restart");
    let (mut a, state) = join(server.addr, &owner.cookie, &topic).await;
    assert_eq!(state["rev"], 2, "{state}");
    for (seq, rev) in [(1u64, 1u64), (2, 2)] {
        send_json(
            &mut a,
            &publish(&topic, op_msg("dup", seq, 2, json!([4, "x"]))),
        )
        .await;
        let ev = next_pad_event(&mut a, &topic).await;
        assert_eq!(ev["type"], "ack", "seq {seq} after restart: {ev}");
        assert_eq!(
            (ev["rev"].as_u64(), ev["seq"].as_u64()),
            (Some(rev), Some(seq)),
            "{ev}"
        );
    }
    assert_eq!(pad_text(&server, &pad).await, ("hé🙂!".to_string(), 2));
    let rows = revision_rows(&server, &pad).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    // And a new seq still works.
    send_json(
        &mut a,
        &publish(&topic, op_msg("dup", 3, 2, json!([4, "x"]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64()),
        (Some("ack"), Some(3)),
        "{ev}"
    );
    assert_eq!(pad_text(&server, &pad).await, ("hé🙂!x".to_string(), 3));
}

/// Every client's last edit is kept in the snapshots (no index per edit): after a restart, with
/// a snapshot at every other revision, an edit resent by a client whose last edit is behind the
/// newest snapshot is still recognised, as is an older one of its edits, and a new one applies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resent_edits_are_known_from_the_snapshots_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let d = data.clone();
    let mut server = TestServer::start_with(move |c| {
        c.server.data_dir = d;
        c.pads.snapshot_every = 2;
    })
    .expect("server");
    let owner = user(&server, "owner").await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a, _) = join(server.addr, &owner.cookie, &topic).await;
    // "old" writes revisions 1 and 2, then "new" writes 3 to 6: the snapshots at 2, 4 and 6
    // hold "old"'s last edit, and no revision after the newest snapshot is theirs.
    let edits = [
        ("old", 1),
        ("old", 2),
        ("new", 1),
        ("new", 2),
        ("new", 3),
        ("new", 4),
    ];
    for (rev, (client, seq)) in (0u64..).zip(edits) {
        let op = if rev == 0 {
            json!(["x"])
        } else {
            json!([rev, "x"])
        };
        edit_acked(&mut a, &topic, (client, seq, rev), op, rev + 1).await;
    }
    drop(a);
    server.stop();
    drop(server);
    let d = data.clone();
    let server = TestServer::start_with(move |c| {
        c.server.data_dir = d;
        c.pads.snapshot_every = 2;
    })
    .expect("restart");
    let (mut a, state) = join(server.addr, &owner.cookie, &topic).await;
    assert_eq!(state["rev"], 6, "{state}");
    // Its last edit, then an older one: acknowledged at their revisions, not applied.
    for (seq, at) in [(2u64, 2u64), (1, 1)] {
        edit_acked(&mut a, &topic, ("old", seq, 6), json!([6, "y"]), at).await;
    }
    edit_acked(&mut a, &topic, ("old", 3, 6), json!([6, "z"]), 7).await;
    assert_eq!(pad_text(&server, &pad).await, ("xxxxxxz".to_string(), 7));
    assert_eq!(revision_rows(&server, &pad).await.len(), 7);
}

/// A pad nobody follows leaves memory after `pads.unload_idle_secs`; the next visitor and the
/// next edits find it whole (text, revision, the last edit of each client).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_pad_leaves_memory_and_comes_back_whole() {
    let server = TestServer::start_with(|c| c.pads.unload_idle_secs = 1).expect("server");
    let owner = user(&server, "owner").await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a, _) = join(server.addr, &owner.cookie, &topic).await;
    edit_acked(&mut a, &topic, ("c1", 1, 0), json!(["héllo"]), 1).await;
    drop(a);
    // Unloaded within 1 s of idleness plus a sweep (every 0.5 s); wait well past both.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (mut a, state) = join(server.addr, &owner.cookie, &topic).await;
    assert_eq!(
        (state["rev"].as_u64(), state["text"].as_str()),
        (Some(1), Some("héllo")),
        "{state}"
    );
    // The client's last edit is known again: a resend is acknowledged, not applied twice.
    edit_acked(&mut a, &topic, ("c1", 1, 0), json!(["héllo"]), 1).await;
    edit_acked(&mut a, &topic, ("c1", 2, 1), json!([5, "!"]), 2).await;
    assert_eq!(pad_text(&server, &pad).await, ("héllo!".to_string(), 2));
}

/// Sends the edit (`client`, `seq`) made on revision `base` and expects its `ack` at `rev`.
async fn edit_acked(
    ws: &mut Ws,
    topic: &str,
    (client, seq, base): (&str, u64, u64),
    op: Value,
    rev: u64,
) {
    send_json(ws, &publish(topic, op_msg(client, seq, base, op))).await;
    let ev = next_pad_event(ws, topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64(), ev["seq"].as_u64()),
        (Some("ack"), Some(rev), Some(seq)),
        "{ev}"
    );
}

/// Reads pad events on one connection until it has seen revision `upto` and the ack of
/// (`client_id`, `seq`) if given, checking the order a Jupiter client relies on: revisions
/// arrive one by one, in order, and an ack comes exactly when its revision is the next one
/// (never before an earlier revision, never followed by its own op). Returns the acked rev.
async fn follow(
    ws: &mut Ws,
    topic: &str,
    last_rev: &mut u64,
    upto: u64,
    mine: Option<(&str, u64)>,
    who: &str,
) -> Option<u64> {
    let mut acked = None;
    let mut waiting: std::collections::VecDeque<Value> = std::collections::VecDeque::new();
    while *last_rev < upto || (mine.is_some() && acked.is_none()) {
        if waiting.is_empty() {
            let ev = next_pad_event(ws, topic).await;
            match (ev["type"].as_str(), ev["ops"].as_array()) {
                // A stored batch (to an author: `ack` naming its edit in it): one by one.
                (Some("ops" | "ack"), Some(items)) => {
                    if ev["type"] == "ack" {
                        assert!(
                            items.iter().any(|i| i["client_id"] == ev["client_id"]
                                && i["seq"] == ev["seq"]
                                && i["rev"] == ev["rev"]),
                            "{who}: the batch holds the edit it acknowledges: {ev}"
                        );
                    }
                    for item in items {
                        let mut item = item.clone();
                        item["type"] = json!("op");
                        waiting.push_back(item);
                    }
                }
                _ => waiting.push_back(ev),
            }
            continue;
        }
        let Some(ev) = waiting.pop_front() else {
            continue;
        };
        let rev = ev["rev"].as_u64().unwrap_or_else(|| panic!("{who}: {ev}"));
        let own = mine.is_some_and(|(c, s)| ev["client_id"] == c && ev["seq"] == s);
        match ev["type"].as_str() {
            Some("op") => {
                assert!(
                    rev > *last_rev,
                    "{who}: rev {rev} arrives after this connection was already told of rev \
                     {last_rev} (an ack sent before its revision was committed and broadcast?): {ev}"
                );
                assert_eq!(
                    rev,
                    *last_rev + 1,
                    "{who}: revisions out of order (at {last_rev}, ack {acked:?}): {ev}"
                );
                if own {
                    acked = Some(rev);
                }
            }
            Some("ack") => {
                // The losing copy of an earlier round is acknowledged too, possibly after that
                // round's revision reached this connection as an `op`: it changes nothing.
                let late = mine.is_some_and(|(c, s)| {
                    ev["client_id"] == c && ev["seq"].as_u64().is_some_and(|q| q < s)
                }) && rev <= *last_rev;
                if late {
                    continue;
                }
                assert!(own, "{who}: someone else's ack {ev}");
                if acked == Some(rev) {
                    continue; // the op came first: the ack of the losing copy
                }
                assert_eq!(
                    rev,
                    *last_rev + 1,
                    "{who}: ack of rev {rev} while the connection has only seen rev {last_rev}: {ev}"
                );
                acked = Some(rev);
            }
            _ => panic!("{who}: unexpected {ev}"),
        }
        *last_rev = rev;
    }
    assert!(
        waiting.is_empty(),
        "{who}: a batch went past revision {upto}: {waiting:?}"
    );
    acked
}

/// The same edit sent at the same time on two connections of one client (a reconnect racing the
/// old socket) while a third person edits: applied once; each connection learns that one
/// revision (by `ack`, or by the `op` when the other copy won) in revision order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_copies_of_an_edit_apply_once() {
    let server = TestServer::start().expect("server");
    let owner = user(&server, "owner").await;
    let other = guest(&server).await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a1, _) = join(server.addr, &owner.cookie, &topic).await;
    let (mut a2, _) = join(server.addr, &owner.cookie, &topic).await;
    let (mut b, _) = join(server.addr, &other.cookie, &topic).await;
    let (mut r1, mut r2, mut rb) = (0u64, 0u64, 0u64);
    let mut len = 0usize;
    const ROUNDS: u64 = 30;
    for k in 1..=ROUNDS {
        let head = 2 * (k - 1);
        let with_rest = |s: &str| {
            if len == 0 {
                json!([s])
            } else {
                json!([s, len])
            }
        };
        let mb = publish(&topic, op_msg("bystander", k, head, with_rest("b")));
        let ma = publish(&topic, op_msg("racer", k, head, with_rest("é🙂a")));
        send_json(&mut b, &mb).await;
        tokio::join!(send_json(&mut a1, &ma), send_json(&mut a2, &ma));
        let x1 = follow(&mut a1, &topic, &mut r1, head + 2, Some(("racer", k)), "a1").await;
        let x2 = follow(&mut a2, &topic, &mut r2, head + 2, Some(("racer", k)), "a2").await;
        assert_eq!(
            x1, x2,
            "round {k}: both copies answered with the same revision"
        );
        let xb = follow(
            &mut b,
            &topic,
            &mut rb,
            head + 2,
            Some(("bystander", k)),
            "b",
        )
        .await;
        assert_ne!(xb, x1, "round {k}");
        len += 4;
    }
    let (text, rev) = pad_text(&server, &pad).await;
    assert_eq!((char_len(&text), rev), (4 * ROUNDS as usize, 2 * ROUNDS));
    let rows = revision_rows(&server, &pad).await;
    let racer: Vec<u64> = rows
        .iter()
        .filter(|r| r.client_id == "racer")
        .map(|r| r.seq)
        .collect();
    assert_eq!(racer, (1..=ROUNDS).collect::<Vec<u64>>(), "{rows:?}");
    for ws in [&mut a1, &mut a2, &mut b] {
        // Only the late ack of a losing copy may still come.
        let extra: Vec<Value> = drain_until_pong(ws)
            .await
            .into_iter()
            .filter(|e| !(e["type"] == "ack" && e["client_id"] == "racer"))
            .collect();
        assert!(
            extra.is_empty(),
            "nothing after the last revision: {extra:?}"
        );
    }
}

/// A client coming back from far behind: more revisions than the server keeps in memory
/// (its late edit is transformed against revisions read from the database) and more than a
/// connection's send queue (its `sync` replay must still arrive whole, in order).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_far_behind_catches_up() {
    const EDITS: u64 = 1100; // > the 1000 revisions kept in memory, > send_queue (512)
    let server = TestServer::start_with(|c| {
        c.pads.ops_per_second = 1_000_000;
        c.realtime.messages_per_second = 1_000_000;
        c.realtime.burst = 1_000_000;
    })
    .expect("server");
    assert!(
        EDITS > server.config.realtime.send_queue,
        "the scenario needs a long replay"
    );
    let owner = user(&server, "owner").await;
    let late = guest(&server).await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a, _) = join(server.addr, &owner.cookie, &topic).await;
    send_json(
        &mut a,
        &publish(&topic, op_msg("a", 1, 0, json!(["0123456789"]))),
    )
    .await;
    assert_eq!(next_pad_event(&mut a, &topic).await["rev"], 1);
    // Appends, pipelined in windows (each on the revision it will become).
    let mut rev = 1u64;
    while rev < EDITS + 1 {
        let window = (EDITS + 1 - rev).min(50);
        for k in 0..window {
            let base = rev + k;
            let len = 10 + (base - 1) as usize;
            send_json(
                &mut a,
                &publish(&topic, op_msg("a", base + 1, base, json!([len, "a"]))),
            )
            .await;
        }
        for k in 0..window {
            let ev = next_pad_event(&mut a, &topic).await;
            assert_eq!(ev["type"], "ack", "{ev}");
            assert_eq!(ev["rev"].as_u64(), Some(rev + k + 1), "{ev}");
        }
        rev += window;
    }
    let head = EDITS + 1;
    let appended = "a".repeat(EDITS as usize);
    assert_eq!(
        pad_text(&server, &pad).await,
        (format!("0123456789{appended}"), head)
    );

    // An edit made on revision 1, long offline: insert "B" at 5, delete the "9".
    let (mut b, state) = join(server.addr, &late.cookie, &topic).await;
    assert_eq!(state["rev"].as_u64(), Some(head), "{state}");
    send_json(
        &mut b,
        &publish(&topic, op_msg("b", 1, 1, json!([5, "B", 4, -1]))),
    )
    .await;
    let ev = next_pad_event(&mut b, &topic).await;
    assert_eq!(ev["type"], "ack", "late edit on rev 1: {ev}");
    assert_eq!(ev["rev"].as_u64(), Some(head + 1), "{ev}");
    let expected = format!("01234B5678{appended}");
    assert_eq!(pad_text(&server, &pad).await, (expected.clone(), head + 1));
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(single_op(&ev)["op"], json!([5, "B", 4, -1, EDITS]), "{ev}");

    // Catching up from revision 1: every revision, in order, then `synced`.
    send_json(&mut b, &publish(&topic, json!({"type": "sync", "rev": 1}))).await;
    let mut text = "0123456789".to_string();
    let mut at = 1u64;
    loop {
        let msg = tokio::time::timeout(WAIT, b.next())
            .await
            .expect("no frame from the server during the sync");
        let f: Value = match msg {
            Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("JSON"),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!(
                "the connection ended during a sync of {head} revisions, after rev {at}: {other:?}"
            ),
        };
        if f["type"] != "event" {
            continue;
        }
        let d = &f["data"];
        match d["type"].as_str() {
            Some("ops") => {
                for item in d["ops"].as_array().cloned().unwrap_or_default() {
                    assert_eq!(
                        item["rev"].as_u64(),
                        Some(at + 1),
                        "replay out of order: {item}"
                    );
                    let op: Operation = serde_json::from_value(item["op"].clone()).expect("op");
                    text = op.apply(&text).expect("replayed op applies");
                    at += 1;
                }
            }
            Some("synced") => {
                assert_eq!(d["rev"].as_u64(), Some(head + 1), "{d}");
                break;
            }
            Some("author" | "caret") => {}
            _ => panic!("unexpected during sync: {d}"),
        }
    }
    assert_eq!(at, head + 1, "every revision replayed");
    assert_eq!(text, expected);
}

fn assert_refused(ev: &Value, code: &str, client_id: &str, seq: u64, what: &str) {
    assert_eq!(ev["type"], "error", "{what}: {ev}");
    assert_eq!(ev["code"], code, "{what}: {ev}");
    assert_eq!(ev["client_id"], client_id, "{what}: {ev}");
    assert_eq!(ev["seq"].as_u64(), Some(seq), "{what}: {ev}");
    assert!(ev["message"].is_string(), "{what}: {ev}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_a_future_revision_is_refused() {
    let server = TestServer::start().expect("server");
    let owner = user(&server, "owner").await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a, _) = join(server.addr, &owner.cookie, &topic).await;
    send_json(&mut a, &publish(&topic, op_msg("fut", 1, 5, json!(["x"])))).await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_refused(&ev, "rev_from_future", "fut", 1, "rev 5 on rev 0");
    assert_eq!(pad_text(&server, &pad).await, (String::new(), 0));
    // A sync from the future too.
    send_json(&mut a, &publish(&topic, json!({"type": "sync", "rev": 9}))).await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["code"].as_str()),
        (Some("error"), Some("rev_from_future")),
        "{ev}"
    );
    // The refused seq was not remembered: the same seq on the right revision is applied.
    send_json(&mut a, &publish(&topic, op_msg("fut", 1, 0, json!(["x"])))).await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64()),
        (Some("ack"), Some(1)),
        "{ev}"
    );
    assert_eq!(pad_text(&server, &pad).await, ("x".to_string(), 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_edits_are_refused_and_harm_nobody() {
    let server = TestServer::start().expect("server");
    let owner = user(&server, "owner").await;
    let bystander = guest(&server).await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a, _) = join(server.addr, &owner.cookie, &topic).await;
    let (mut b, _) = join(server.addr, &bystander.cookie, &topic).await;

    let bad_ops = [
        json!("x"),
        json!([0]),
        json!([1.5]),
        json!([-999]),
        json!([5, "a"]),
        json!({"insert": "a"}),
        json!([""]),
        json!([null]),
        json!([true]),
        json!([["a"]]),
        json!([4_294_967_297u64]),
        json!([-9_223_372_036_854_775_807i64]),
        json!(null),
    ];
    for (i, bad) in bad_ops.iter().enumerate() {
        let seq = i as u64 + 1;
        send_json(&mut a, &publish(&topic, op_msg("bad", seq, 0, bad.clone()))).await;
        let ev = next_pad_event(&mut a, &topic).await;
        assert_refused(&ev, "invalid_op", "bad", seq, &format!("op {bad}"));
    }
    // Bad envelopes around a good op.
    let bad_msgs = [
        json!({"type": "op", "client_id": "bad", "seq": 50, "op": ["a"]}),
        json!({"type": "op", "client_id": "bad", "seq": 51, "rev": -1, "op": ["a"]}),
        json!({"type": "op", "client_id": "bad", "seq": 52, "rev": "0", "op": ["a"]}),
        json!({"type": "op", "client_id": "", "seq": 53, "rev": 0, "op": ["a"]}),
        json!({"type": "op", "client_id": "x".repeat(65), "seq": 54, "rev": 0, "op": ["a"]}),
    ];
    for m in bad_msgs {
        send_json(&mut a, &publish(&topic, m.clone())).await;
        let ev = next_pad_event(&mut a, &topic).await;
        assert_eq!(ev["type"], "error", "{m}: {ev}");
        assert_eq!(ev["code"], "invalid_op", "{m}: {ev}");
        assert_eq!(ev["seq"], m["seq"], "{m}: {ev}");
    }
    send_json(&mut a, &publish(&topic, json!({"type": "nonsense"}))).await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["code"].as_str()),
        (Some("error"), Some("invalid_op")),
        "{ev}"
    );
    assert_eq!(pad_text(&server, &pad).await, (String::new(), 0));
    assert!(revision_rows(&server, &pad).await.is_empty());

    // The bystander heard nothing of it, and its next edit works.
    let seen = drain_until_pong(&mut b).await;
    assert!(seen.is_empty(), "the bystander got {seen:?}");
    send_json(
        &mut b,
        &publish(&topic, op_msg("good", 1, 0, json!(["ok é"]))),
    )
    .await;
    let ev = next_pad_event(&mut b, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64()),
        (Some("ack"), Some(1)),
        "{ev}"
    );
    let ev = single_op(&next_pad_event(&mut a, &topic).await);
    assert_eq!(ev["rev"].as_u64(), Some(1), "{ev}");
    assert_eq!(ev["op"], json!(["ok é"]), "{ev}");

    // After a refused edit on a non-empty pad, the author's connection still edits.
    send_json(
        &mut a,
        &publish(&topic, op_msg("bad", 99, 1, json!([4, -1, 9]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_refused(&ev, "invalid_op", "bad", 99, "retain beyond the end");
    send_json(
        &mut a,
        &publish(&topic, op_msg("bad", 100, 1, json!([4, "!"]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64()),
        (Some("ack"), Some(2)),
        "{ev}"
    );
    assert_eq!(pad_text(&server, &pad).await, ("ok é!".to_string(), 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_only_topic_follows_but_cannot_edit() {
    let server = TestServer::start().expect("server");
    let owner = user(&server, "owner").await;
    let viewer = guest(&server).await;
    let (pad, ro) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let ro_topic = format!("padro:{ro}");

    let (mut a, state) = join(server.addr, &owner.cookie, &topic).await;
    assert_eq!(state["readonly_id"], ro.as_str(), "{state}");
    let (mut v, ro_state) = join(server.addr, &viewer.cookie, &ro_topic).await;
    assert_eq!(ro_state["readonly"], true, "{ro_state}");
    assert_eq!(ro_state["rev"], 0, "{ro_state}");

    send_json(
        &mut a,
        &publish(&topic, op_msg("ed", 1, 0, json!(["read me"]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(ev["type"], "ack", "{ev}");
    let ev = single_op(&next_pad_event(&mut v, &ro_topic).await);
    assert_eq!(ev["rev"].as_u64(), Some(1), "{ev}");
    assert_eq!(ev["op"], json!(["read me"]), "{ev}");

    send_json(
        &mut v,
        &publish(&ro_topic, op_msg("ro", 1, 1, json!([7, "!"]))),
    )
    .await;
    let ev = next_pad_event(&mut v, &ro_topic).await;
    assert_refused(&ev, "forbidden", "ro", 1, "edit on the read-only topic");
    assert_eq!(pad_text(&server, &pad).await, ("read me".to_string(), 1));
    // The read-only id cannot be used as an edit topic, nor the edit id as a read-only one.
    let mut x = ws_connect(server.addr, WsAuth::Cookie(&viewer.cookie), WAIT).await;
    send_json(&mut x, &subscribe(&format!("pad:{ro}"))).await;
    let err = next_top_error(&mut x).await;
    assert_eq!(err["code"], "not_found", "{err}");
    send_json(&mut x, &subscribe(&format!("padro:{pad}"))).await;
    let err = next_top_error(&mut x).await;
    assert_eq!(err["code"], "not_found", "{err}");
    // Over HTTP, the read-only id shows the text and hides the edit id.
    let (status, body) = http(
        &server,
        None,
        reqwest::Method::GET,
        &format!("/api/v1/pads/{ro}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "read me", "{body}");
    assert!(
        !body.to_string().contains(&pad),
        "the edit id leaked: {body}"
    );
    assert!(drain_until_pong(&mut a).await.is_empty());
    // The read-only link is a capability to read only: nothing a viewer receives may contain
    // the edit id (checked last so that the checks above run whatever happens here).
    assert!(
        ro_state.get("readonly_id").is_none(),
        "the viewer must not learn the edit id: {ro_state}"
    );
    assert!(
        !ro_state.to_string().contains(&pad),
        "the `state` sent on padro: contains the edit id (`pad`): {ro_state}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_pad_tells_editors_and_refuses_edits() {
    let server = TestServer::start().expect("server");
    let owner = user(&server, "owner").await;
    let stranger = user(&server, "stranger").await;
    let editor = guest(&server).await;
    let (pad, ro) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let ro_topic = format!("padro:{ro}");
    let (mut a, _) = join(server.addr, &editor.cookie, &topic).await;
    let (mut v, _) = join(server.addr, &stranger.cookie, &ro_topic).await;
    send_json(
        &mut a,
        &publish(&topic, op_msg("e", 1, 0, json!(["doomed"]))),
    )
    .await;
    assert_eq!(next_pad_event(&mut a, &topic).await["type"], "ack");
    single_op(&next_pad_event(&mut v, &ro_topic).await);

    let path = format!("/api/v1/pads/{pad}");
    let (status, body) = http(
        &server,
        Some(&stranger),
        reqwest::Method::DELETE,
        &path,
        None,
    )
    .await;
    assert_eq!(status, 403, "only the creator or an admin deletes: {body}");
    let (status, body) = http(&server, Some(&editor), reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 403, "a guest editor is not the creator: {body}");
    assert_eq!(pad_text(&server, &pad).await, ("doomed".to_string(), 1));
    let (status, body) = http(
        &server,
        Some(&owner),
        reqwest::Method::DELETE,
        &format!("/api/v1/pads/{ro}"),
        None,
    )
    .await;
    assert_eq!(status, 403, "not through the read-only id: {body}");

    let (status, body) = http(&server, Some(&owner), reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        next_pad_event(&mut a, &topic).await,
        json!({"type": "deleted"})
    );
    assert_eq!(
        next_pad_event(&mut v, &ro_topic).await,
        json!({"type": "deleted"})
    );

    // The editors no longer follow a pad that is gone: each is told, with the reason, and
    // what they still publish there is refused.
    for (ws, t) in [(&mut a, &topic), (&mut v, &ro_topic)] {
        let mut gone = recv_json(ws, WAIT).await;
        while gone["type"] == "presence" {
            gone = recv_json(ws, WAIT).await;
        }
        assert_eq!(gone["type"], "unsubscribed", "{gone}");
        assert_eq!(gone["topic"], t.as_str(), "{gone}");
        assert!(
            matches!(gone["reason"].as_str(), Some("not_found" | "pad_deleted")),
            "{gone}"
        );
    }
    send_json(&mut a, &publish(&topic, op_msg("e", 2, 1, json!([6, "?"])))).await;
    assert_eq!(next_top_error(&mut a).await["code"], "forbidden");
    send_json(&mut a, &publish(&topic, json!({"type": "sync", "rev": 0}))).await;
    assert_eq!(next_top_error(&mut a).await["code"], "forbidden");

    let (status, body) = http(&server, None, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = http(
        &server,
        None,
        reqwest::Method::GET,
        &format!("/api/v1/pads/{ro}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = http(
        &server,
        None,
        reqwest::Method::GET,
        &format!("{path}/revisions/1"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let mut x = ws_connect(server.addr, WsAuth::Cookie(&editor.cookie), WAIT).await;
    send_json(&mut x, &subscribe(&topic)).await;
    let err = next_top_error(&mut x).await;
    assert_eq!(err["code"], "not_found", "{err}");
    assert!(
        revision_rows(&server, &pad).await.is_empty(),
        "revisions are gone"
    );
    // The name stays taken: a new pad with the same id cannot resurrect the old one's links.
    let (status, body) = http(
        &server,
        Some(&owner),
        reqwest::Method::POST,
        "/api/v1/pads",
        Some(json!({"name": pad})),
    )
    .await;
    assert_ne!(status, 201, "a deleted pad's id reused: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_over_the_size_limit_is_refused() {
    let server = TestServer::start_with(|c| c.pads.max_op_chars = 100).expect("server");
    let owner = user(&server, "owner").await;
    let (pad, _) = create_pad(&server, &owner).await;
    let topic = format!("pad:{pad}");
    let (mut a, _) = join(server.addr, &owner.cookie, &topic).await;

    send_json(
        &mut a,
        &publish(&topic, op_msg("big", 1, 0, json!(["é".repeat(101)]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_refused(&ev, "op_too_large", "big", 1, "101 characters inserted");
    // Split over several components, still too many.
    send_json(
        &mut a,
        &publish(
            &topic,
            op_msg("big", 2, 0, json!(["a".repeat(60), "b".repeat(41)])),
        ),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_refused(&ev, "op_too_large", "big", 2, "60 + 41 characters inserted");
    assert_eq!(pad_text(&server, &pad).await, (String::new(), 0));

    // Exactly the limit (in characters, not bytes) is fine.
    send_json(
        &mut a,
        &publish(&topic, op_msg("big", 3, 0, json!(["🙂".repeat(100)]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64()),
        (Some("ack"), Some(1)),
        "{ev}"
    );
    send_json(
        &mut a,
        &publish(&topic, op_msg("big", 4, 1, json!([100, "中".repeat(100)]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_eq!(
        (ev["type"].as_str(), ev["rev"].as_u64()),
        (Some("ack"), Some(2)),
        "{ev}"
    );
    // Deleting more than the limit at once is refused too.
    send_json(
        &mut a,
        &publish(&topic, op_msg("big", 5, 2, json!([20, -150, 30]))),
    )
    .await;
    let ev = next_pad_event(&mut a, &topic).await;
    assert_refused(&ev, "op_too_large", "big", 5, "150 characters deleted");
    let (text, rev) = pad_text(&server, &pad).await;
    assert_eq!((char_len(&text), rev), (200, 2));
}
