//! The `pad` scenario: many editors typing into collaborative pads over the realtime WebSocket,
//! each a faithful OT client (see [`crate::otclient`]), like Etherpad's load-test authors.
//!
//! Setup (not timed): one login over HTTP, one API token (used as `Authorization: Bearer` by
//! every request and socket, deleted at the end), the pads (`POST /api/v1/pads`), then the
//! sockets, opened in batches, each subscribed to `pad:<id>` and holding the `state` it got.
//! Then every editor types `--chars` random chars at a random position every
//! `--type-interval-ms` (one edit per tick, seeded PRNG, ticks spread over the interval) for
//! `--duration` seconds. After that, typing stops, the editors drain (bounded wait until nothing
//! is in flight and every editor of a pad is on the same revision), and every editor's text is
//! compared with `GET /api/v1/pads/{id}`. With `--formatted-bytes N`, each pad first gets a
//! formatted Markdown document of N bytes (Markdown import) and the editors type formatting marks
//! with their letters, as the formatted mode's toolbar writes them.
//!
//! Latencies: ack = send → our `ack`; broadcast = send by editor X → the `op` event carrying X's
//! client id and seq arriving at another editor (the send instants are kept in a shared map keyed
//! by editor and seq, since the server relays only the op). Both include the load generator's
//! own scheduling delays: it shares the machine with the server.
//!
//! Many sockets need many file descriptors on both sides: run the server and the bench from a
//! shell where `ulimit -n 4096` (or more) was set.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use reqwest::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use reqwest::Client;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::http::{cookie_header, LOGIN};
use super::storage::{generator_limited, Probe, WriteCost};
use super::{Ctx, Kinds, Outcome, Scenario};
use crate::load::{new_histogram, record, LatencySummary};
use crate::ot::{random_typing, Op, Rng};
use crate::otclient::{OtClient, Send};
use crate::procfs;
use crate::target::Target;

const WS_PATH: &str = "/api/v1/ws";
const PADS: &str = "/api/v1/pads";
const TOKENS: &str = "/api/v1/me/tokens";

/// Sockets opened at once while ramping up.
const CONNECT_BATCH: usize = 50;
/// Bound on one socket's setup (TCP, upgrade, subscribe, state).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Bound on the wait for every editor to settle after typing stops.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on the editors' shutdown.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// After connecting, the run starts once no frame arrived for this long…
const SETTLE_QUIET: Duration = Duration::from_millis(300);
/// …or after this long at most.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(10);
/// Concurrent HTTP requests while creating and reading pads.
const HTTP_CONCURRENCY: usize = 16;
/// Resends of an edit the server refused (e.g. rate limited) before the editor gives up.
const MAX_RETRIES: u32 = 5;
/// Most sockets one run may open.
pub const MAX_SOCKETS: usize = 10_000;
/// Editors per pad that keep their whole text, compared with the server's at the end; the others
/// keep only its length (compared too). Applying every revision of a 500-editor pad to 500
/// copies of its text made the load generator, not the server, the bottleneck of that run.
const WITNESSES_PER_PAD: usize = 16;
/// Error descriptions kept for stderr.
const MAX_SAMPLES: usize = 12;

type Ws = WebSocketStream<TcpStream>;

/// The `pad` options from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PadOptions {
    /// Editors in the single pad (when `pads` is 1).
    pub editors: usize,
    /// Number of pads; above 1, each gets `editors_per_pad` editors.
    pub pads: usize,
    pub editors_per_pad: usize,
    /// In a cluster: pads owned by `--url`'s node, editors on the `--node-url` nodes.
    pub editors_elsewhere: bool,
    pub type_interval: Duration,
    pub chars: usize,
    pub seed: u64,
    /// Formatted pads (issue 19): each pad starts as a Markdown document of about this many
    /// bytes (headings, lists, tasks, quotes, bold, links…) and the editors type formatting
    /// marks with their text. 0: empty pads, plain letters.
    pub formatted_bytes: usize,
}

impl Default for PadOptions {
    fn default() -> Self {
        PadOptions {
            editors: 50,
            pads: 1,
            editors_per_pad: 3,
            editors_elsewhere: false,
            type_interval: Duration::from_millis(400),
            chars: 4,
            seed: 1,
            formatted_bytes: 0,
        }
    }
}

impl PadOptions {
    /// `(pads, editors per pad)`.
    pub fn layout(&self) -> (usize, usize) {
        if self.pads > 1 {
            (self.pads, self.editors_per_pad)
        } else {
            (1, self.editors)
        }
    }

    pub fn sockets(&self) -> usize {
        let (p, e) = self.layout();
        p.saturating_mul(e)
    }
}

pub struct Pad;

impl Scenario for Pad {
    fn name(&self) -> &'static str {
        "pad"
    }
    fn description(&self) -> &'static str {
        "editors typing into pads over WebSocket OT (--editors, or --pads with \
         --editors-per-pad): ack and broadcast latency, divergence, server CPU"
    }
    fn needs_credentials(&self) -> bool {
        true
    }
    fn load_summary(&self, ctx: &Ctx) -> String {
        let (pads, per_pad) = ctx.pad.layout();
        format!(
            "{pads} pad(s) x {per_pad} editors, {} chars every {} ms",
            ctx.pad.chars,
            ctx.pad.type_interval.as_millis()
        )
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move { run(ctx).await }.boxed()
    }
}

// ---------------------------------------------------------------------------------------------
// Shared bookkeeping

/// When each edit was first sent, per editor and seq (seqs start at 1 and grow by 1), so that a
/// receiver can compute the broadcast latency of an op event carrying `client_id` and `seq`.
pub struct SendLog {
    editors: Vec<Mutex<Vec<Option<Instant>>>>,
}

impl SendLog {
    pub fn new(editors: usize) -> SendLog {
        SendLog {
            editors: (0..editors).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Records the first send of `seq` by `editor` (a resend keeps the first instant).
    pub fn record(&self, editor: usize, seq: u64, at: Instant) {
        let (Some(slot), Ok(i)) = (self.editors.get(editor), usize::try_from(seq)) else {
            return;
        };
        if i == 0 {
            return;
        }
        let mut v = slot.lock().unwrap_or_else(|e| e.into_inner());
        if v.len() < i {
            v.resize(i, None);
        }
        v[i - 1].get_or_insert(at);
    }

    pub fn sent_at(&self, editor: usize, seq: u64) -> Option<Instant> {
        let slot = self.editors.get(editor)?;
        let i = usize::try_from(seq).ok()?.checked_sub(1)?;
        let v = slot.lock().unwrap_or_else(|e| e.into_inner());
        v.get(i).copied().flatten()
    }
}

/// Client ids `<prefix>-<editor index>`: unique per run, and mapping back to the editor.
#[derive(Debug, Clone)]
pub struct ClientIds {
    prefix: String,
}

impl ClientIds {
    pub fn new(nonce: u64) -> ClientIds {
        ClientIds {
            prefix: format!("nb{nonce:x}"),
        }
    }

    pub fn of(&self, editor: usize) -> String {
        format!("{}-{editor}", self.prefix)
    }

    pub fn editor(&self, client_id: &str) -> Option<usize> {
        client_id
            .strip_prefix(&self.prefix)?
            .strip_prefix('-')?
            .parse()
            .ok()
    }
}

/// What an editor publishes for the drain check.
struct Status {
    rev: AtomicU64,
    pending: AtomicBool,
    alive: AtomicBool,
}

struct Shared {
    log: SendLog,
    ids: ClientIds,
    status: Vec<Status>,
    messages: AtomicU64,
    ops_sent: AtomicU64,
    ops_acked: AtomicU64,
    error_frames: AtomicU64,
    disconnects: AtomicU64,
    protocol_errors: AtomicU64,
    resends: AtomicU64,
    /// Milliseconds from the start of typing to the first lost editor (`u64::MAX`: none).
    first_failure_ms: AtomicU64,
    /// Count per kind of problem (`frame:<code>`, `event:<code>`, `disconnect:<reason>`, …).
    kinds: Kinds,
    samples: Mutex<Vec<String>>,
    parsed: Mutex<ParsedBatches>,
    /// When typing started, and the slowest ack of the edits sent in each second since: a tail
    /// made of one stall shows as one bad second, a slow server as many.
    typing_since: std::sync::OnceLock<Instant>,
    worst_ack_us: Vec<AtomicU64>,
}

/// Seconds of the per-second worst ack (`ack_worst_ms_by_second`).
const TIMELINE_SECS: usize = 3600;

impl Shared {
    fn new(editors: usize, ids: ClientIds) -> Shared {
        Shared {
            log: SendLog::new(editors),
            ids,
            status: (0..editors)
                .map(|_| Status {
                    rev: AtomicU64::new(0),
                    pending: AtomicBool::new(false),
                    alive: AtomicBool::new(true),
                })
                .collect(),
            messages: AtomicU64::new(0),
            ops_sent: AtomicU64::new(0),
            ops_acked: AtomicU64::new(0),
            error_frames: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            protocol_errors: AtomicU64::new(0),
            resends: AtomicU64::new(0),
            first_failure_ms: AtomicU64::new(u64::MAX),
            kinds: Kinds::default(),
            samples: Mutex::new(Vec::new()),
            parsed: Mutex::new(ParsedBatches::new()),
            typing_since: std::sync::OnceLock::new(),
            worst_ack_us: (0..TIMELINE_SECS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn note_ack(&self, sent: Instant, took: Duration) {
        let Some(since) = self.typing_since.get() else {
            return;
        };
        let second = sent.saturating_duration_since(*since).as_secs() as usize;
        if let Some(worst) = self.worst_ack_us.get(second) {
            worst.fetch_max(
                u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
        }
    }

    fn parsed_batch(&self, frame: &str) -> Option<Arc<[Revision]>> {
        self.parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(frame)
    }

    fn keep_parsed_batch(&self, frame: &str, ops: Arc<[Revision]>) {
        self.parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(frame, ops);
    }

    fn problem(&self, kind: String, detail: String) {
        self.kinds.note(kind);
        let mut s = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if s.len() < MAX_SAMPLES {
            s.push(detail);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Ready,
    Typing(tokio::time::Instant),
    Draining,
    Stop,
}

// ---------------------------------------------------------------------------------------------
// Frames

#[derive(Debug, Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default, borrow)]
    data: Option<EventData<'a>>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct EventData<'a> {
    #[serde(rename = "type", default)]
    kind: &'a str,
    #[serde(default)]
    rev: Option<u64>,
    #[serde(default, borrow)]
    client_id: Option<Cow<'a, str>>,
    #[serde(default)]
    seq: Option<u64>,
    /// A stored batch (`ops`, or `ack` with `ops` for its authors), in revision order.
    #[serde(default)]
    ops: Option<Vec<Revision>>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// One revision of a batch.
#[derive(Debug, Deserialize)]
struct Revision {
    rev: u64,
    op: Op,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    seq: Option<u64>,
}

/// Batches already parsed by one editor, for the others: every member of a pad receives the same
/// `ops` frame, byte for byte, so one parse serves the whole pad.
struct ParsedBatches {
    hasher: std::collections::hash_map::RandomState,
    by_hash: HashMap<u64, (Box<str>, Arc<[Revision]>)>,
    order: VecDeque<u64>,
}

/// Batches kept in [`ParsedBatches`]: far more than are in flight at once.
const PARSED_BATCHES: usize = 4096;

impl ParsedBatches {
    fn new() -> ParsedBatches {
        ParsedBatches {
            hasher: Default::default(),
            by_hash: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, frame: &str) -> Option<Arc<[Revision]>> {
        let (text, ops) = self.by_hash.get(&self.hasher.hash_one(frame))?;
        (&**text == frame).then(|| Arc::clone(ops))
    }

    fn put(&mut self, frame: &str, ops: Arc<[Revision]>) {
        let h = self.hasher.hash_one(frame);
        if self.by_hash.insert(h, (frame.into(), ops)).is_none() {
            self.order.push_back(h);
        }
        while self.order.len() > PARSED_BATCHES {
            if let Some(old) = self.order.pop_front() {
                self.by_hash.remove(&old);
            }
        }
    }
}

fn op_frame(topic: &str, client_id: &str, s: &Send) -> String {
    json!({
        "type": "publish",
        "topic": topic,
        "data": {"type": "op", "client_id": client_id, "seq": s.seq, "rev": s.rev, "op": crate::ot::to_json(&s.op)},
    })
    .to_string()
}

// ---------------------------------------------------------------------------------------------
// One editor

/// What an editor's event handling asks its loop to do.
#[derive(Debug, PartialEq)]
enum Action {
    Nothing,
    Send(Send),
    /// Resend the edit in flight after this delay.
    RetryAfter(Duration),
}

struct Editor {
    idx: usize,
    topic: String,
    client_id: String,
    ot: OtClient,
    rng: Rng,
    chars: usize,
    formatted: bool,
    shared: Arc<Shared>,
    /// First send of the edit in flight.
    inflight_sent: Option<Instant>,
    retries: u32,
    ack_us: Histogram<u64>,
    broadcast_us: Histogram<u64>,
    /// Whether this editor times the others' edits (see [`BROADCAST_SAMPLERS`]).
    samples_broadcast: bool,
}

/// Editors per pad that time the arrival of the others' edits. Every editor doing it for a
/// 1,000-editor pad was a million lookups and histogram records a second in the load
/// generator; a fixed spread of receivers, at every position of the server's send order, gives
/// the same distribution.
const BROADCAST_SAMPLERS: usize = 64;

/// Whether editor `idx` (`per_pad` editors a pad) is one of its pad's broadcast samplers.
fn samples_broadcast(idx: usize, per_pad: usize) -> bool {
    let stride = per_pad.div_ceil(BROADCAST_SAMPLERS).max(1);
    (idx % per_pad.max(1)).is_multiple_of(stride)
}

/// How an editor ended.
struct EditorEnd {
    idx: usize,
    /// False after a disconnect or a protocol failure: its text is then not comparable.
    healthy: bool,
    rev: u64,
    len: usize,
    /// The whole text, for a witness.
    text: Option<String>,
    ack_us: Histogram<u64>,
    broadcast_us: Histogram<u64>,
}

impl Editor {
    fn publish_status(&self) {
        let st = &self.shared.status[self.idx];
        st.rev.store(self.ot.rev(), Ordering::Relaxed);
        st.pending.store(self.ot.pending(), Ordering::Relaxed);
    }

    /// Handles one text frame. `Err` is a protocol failure that ends the editor.
    fn on_text(&mut self, text: &str, now: Instant) -> Result<Action, String> {
        self.shared.messages.fetch_add(1, Ordering::Relaxed);
        let parsed = self.shared.parsed_batch(text);
        if let Some(ops) = parsed {
            return self.on_batch(&ops, now);
        }
        let frame: Frame = serde_json::from_str(text)
            .map_err(|e| format!("unparsable frame ({e}): {}", clip(text)))?;
        match frame.kind {
            "event" => {}
            "error" => {
                let code = frame.code.unwrap_or_default();
                self.shared.error_frames.fetch_add(1, Ordering::Relaxed);
                self.shared.problem(
                    format!("frame:{code}"),
                    format!(
                        "editor {}: error frame {code}: {}",
                        self.idx,
                        frame.message.unwrap_or_default()
                    ),
                );
                return self.refused(&code);
            }
            _ => return Ok(Action::Nothing), // hello, presence, subscribed, pong
        }
        let Some(data) = frame.data else {
            return Ok(Action::Nothing);
        };
        let ours = data.client_id.as_deref() == Some(self.client_id.as_str());
        match data.kind {
            // A batch holding our edit: the edit in the list is the acknowledgement.
            "ack" if ours && data.ops.is_some() => {
                self.on_batch(&data.ops.unwrap_or_default(), now)
            }
            "ops" => {
                let ops: Arc<[Revision]> = data.ops.unwrap_or_default().into();
                self.shared.keep_parsed_batch(text, Arc::clone(&ops));
                self.on_batch(&ops, now)
            }
            // The answer to a resend of an edit the server already had (the bench resends only
            // refused edits, so this is the first word about it).
            "ack" if ours => {
                let (Some(seq), Some(rev)) = (data.seq, data.rev) else {
                    return Err(format!("ack without seq or rev: {}", clip(text)));
                };
                self.own_acked(seq, rev, now)?;
                Ok(self.ot.resend().map_or(Action::Nothing, Action::Send))
            }
            "error" => {
                let code = data.code.unwrap_or_default();
                self.shared.error_frames.fetch_add(1, Ordering::Relaxed);
                self.shared.problem(
                    format!("event:{code}"),
                    format!(
                        "editor {}: pad error {code} (client_id {:?}, seq {:?}): {}",
                        self.idx,
                        data.client_id,
                        data.seq,
                        data.message.unwrap_or_default()
                    ),
                );
                if ours && data.seq.is_some() && data.seq == self.ot.inflight_seq() {
                    self.refused(&code)
                } else {
                    Ok(Action::Nothing)
                }
            }
            "deleted" => Err("the pad was deleted".into()),
            _ => Ok(Action::Nothing), // ack of others (never sent), author, caret, state, synced
        }
    }

    /// Our edit `seq` is revision `rev`.
    fn own_acked(&mut self, seq: u64, rev: u64, now: Instant) -> Result<(), String> {
        if let Some(sent) = self.inflight_sent.take() {
            let took = now.saturating_duration_since(sent);
            record(&mut self.ack_us, took);
            self.shared.note_ack(sent, took);
        }
        // What `ack` returns to send is sent by the caller, on the latest revision.
        self.ot.ack(seq, rev).map_err(|e| e.to_string())?;
        self.retries = 0;
        self.shared.ops_acked.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// A stored batch in revision order: the others' edits are applied (and their broadcast
    /// latency taken), ours acknowledges the edit in flight. The next edit (the buffer) goes
    /// after the whole list, on its last revision.
    fn on_batch(&mut self, ops: &[Revision], now: Instant) -> Result<Action, String> {
        // Most editors of a crowded pad, most of the time: nothing in flight, only a length to
        // keep, nothing to time. Then the batch is one step, not one per revision.
        if let (false, Some(first), Some(last)) = (self.samples_broadcast, ops.first(), ops.last())
        {
            if self
                .ot
                .skip_to(
                    (first.rev, first.op.base_len()),
                    (last.rev, last.op.target_len()),
                )
                .map_err(|e| e.to_string())?
            {
                return Ok(Action::Nothing);
            }
        }
        let mut acked = false;
        for r in ops {
            let from = r.client_id.as_deref();
            if from == Some(self.client_id.as_str()) {
                let seq = r
                    .seq
                    .ok_or_else(|| format!("our edit at rev {} without seq", r.rev))?;
                if self.ot.inflight_seq() != Some(seq) {
                    return Err(format!(
                        "our edit seq {seq} at rev {} is not the one in flight ({:?})",
                        r.rev,
                        self.ot.inflight_seq()
                    ));
                }
                self.own_acked(seq, r.rev, now)?;
                acked = true;
                continue;
            }
            if let (true, Some(editor), Some(seq)) = (
                self.samples_broadcast,
                from.and_then(|c| self.shared.ids.editor(c)),
                r.seq,
            ) {
                if let Some(sent) = self.shared.log.sent_at(editor, seq) {
                    record(&mut self.broadcast_us, now.saturating_duration_since(sent));
                }
            }
            self.ot.remote(&r.op, r.rev).map_err(|e| e.to_string())?;
        }
        Ok(match self.ot.resend() {
            Some(s) if acked => Action::Send(s),
            _ => Action::Nothing,
        })
    }

    /// The server refused the edit in flight without applying it (an error for our seq, or an
    /// error frame: after setup only edits are published, so a dropped frame was that edit).
    /// Rate limits are waited out and the edit resent a few times; anything else ends the editor
    /// (its document holds an edit the server will never have).
    fn refused(&mut self, code: &str) -> Result<Action, String> {
        let Some(seq) = self.ot.inflight_seq() else {
            return Ok(Action::Nothing);
        };
        if code != "rate_limited" {
            return Err(format!("edit seq {seq} refused: {code}"));
        }
        self.retries += 1;
        if self.retries > MAX_RETRIES {
            return Err(format!(
                "edit seq {seq} refused {} times: {code}",
                self.retries
            ));
        }
        Ok(Action::RetryAfter(Duration::from_millis(
            100 << self.retries,
        )))
    }

    /// Types one edit; returns what to send.
    fn type_once(&mut self) -> Result<Option<Send>, String> {
        let op = if self.formatted {
            formatted_typing(&mut self.rng, self.ot.len(), self.chars)
        } else {
            random_typing(&mut self.rng, self.ot.len(), self.chars)
        };
        self.ot.local(op).map_err(|e| format!("local edit: {e}"))
    }

    /// Sends an edit (`fresh`: a new seq, not a resend).
    async fn send(&mut self, ws: &mut Ws, s: &Send, fresh: bool) -> Result<(), String> {
        let frame = op_frame(&self.topic, &self.client_id, s);
        if fresh {
            // Recorded before sending: another editor may receive the broadcast before
            // `send` returns here.
            let now = Instant::now();
            self.shared.log.record(self.idx, s.seq, now);
            self.inflight_sent = Some(now);
            self.shared.ops_sent.fetch_add(1, Ordering::Relaxed);
        } else {
            self.shared.resends.fetch_add(1, Ordering::Relaxed);
        }
        ws.send(Message::Text(frame))
            .await
            .map_err(|e| format!("send failed: {e}"))
    }

    async fn run(
        mut self,
        mut ws: Ws,
        mut phase: watch::Receiver<Phase>,
        interval: Duration,
    ) -> EditorEnd {
        let mut ticker: Option<tokio::time::Interval> = None;
        let mut retry_at: Option<tokio::time::Instant> = None;
        let mut typing_start: Option<tokio::time::Instant> = None;
        let failure: Option<(String, String)> = loop {
            let current = *phase.borrow_and_update();
            match current {
                Phase::Stop => break None,
                Phase::Typing(start) if ticker.is_none() => {
                    typing_start = Some(start);
                    let ms = u64::try_from(interval.as_millis())
                        .unwrap_or(u64::MAX)
                        .max(1);
                    let jitter = Duration::from_millis(self.rng.next_u64() % ms);
                    let mut t = tokio::time::interval_at(start + jitter, interval);
                    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                    ticker = Some(t);
                }
                Phase::Draining => ticker = None,
                _ => {}
            }
            let tick = async {
                match ticker.as_mut() {
                    Some(t) => {
                        t.tick().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let retry_deadline = retry_at;
            let retry = async move {
                match retry_deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending::<()>().await,
                }
            };
            let step: Result<Action, (String, String)> = tokio::select! {
                changed = phase.changed() => {
                    if changed.is_err() {
                        break None;
                    }
                    Ok(Action::Nothing)
                }
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => self
                        .on_text(&text, Instant::now())
                        .map_err(|e| ("protocol".to_owned(), e)),
                    Some(Ok(Message::Close(frame))) => {
                        let why = frame
                            .map(|f| format!("close {} {}", u16::from(f.code), f.reason))
                            .unwrap_or_else(|| "close without reason".into());
                        Err((format!("disconnect:{why}"), why))
                    }
                    Some(Ok(_)) => Ok(Action::Nothing), // ping/pong are answered by tungstenite
                    Some(Err(e)) => Err((format!("disconnect:{e}"), e.to_string())),
                    None => Err(("disconnect:eof".into(), "connection closed".into())),
                },
                () = tick => self
                    .type_once()
                    .map(|s| s.map_or(Action::Nothing, Action::Send))
                    .map_err(|e| ("protocol".to_owned(), e)),
                () = retry => {
                    retry_at = None;
                    if let Some(s) = self.ot.resend() {
                        if let Err(e) = self.send(&mut ws, &s, false).await {
                            break Some(("disconnect:send".into(), e));
                        }
                    }
                    Ok(Action::Nothing)
                }
            };
            match step {
                Ok(Action::Nothing) => {}
                Ok(Action::Send(s)) => {
                    if let Err(e) = self.send(&mut ws, &s, true).await {
                        break Some(("disconnect:send".into(), e));
                    }
                }
                Ok(Action::RetryAfter(d)) => {
                    retry_at.get_or_insert(tokio::time::Instant::now() + d);
                }
                Err(e) => break Some(e),
            }
            self.publish_status();
        };
        let healthy = failure.is_none();
        if let Some((kind, detail)) = failure {
            let counter = if kind.starts_with("disconnect") {
                &self.shared.disconnects
            } else {
                &self.shared.protocol_errors
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let after_ms = typing_start.map_or(0, |t| {
                u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
            });
            self.shared
                .first_failure_ms
                .fetch_min(after_ms, Ordering::Relaxed);
            self.shared
                .problem(kind, format!("editor {}: {detail}", self.idx));
            self.shared.status[self.idx]
                .alive
                .store(false, Ordering::Relaxed);
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        EditorEnd {
            idx: self.idx,
            healthy,
            rev: self.ot.rev(),
            len: self.ot.len(),
            text: self.ot.text(),
            ack_us: self.ack_us,
            broadcast_us: self.broadcast_us,
        }
    }
}

fn clip(s: &str) -> String {
    s.chars().take(300).collect()
}

// ---------------------------------------------------------------------------------------------
// Setup over HTTP

/// Logs in, creates an API token with the session; returns `(token, token id)`.
pub(crate) async fn create_token(
    client: &Client,
    target: &Target,
    user: &str,
    pass: &str,
    nonce: u64,
) -> Result<(String, String)> {
    let url = target.endpoint(LOGIN);
    let resp = client
        .post(&url)
        .json(&json!({"username": user, "password": pass}))
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let cookie = cookie_header(
        resp.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("login failed: HTTP {status}: {}", clip(&body));
    }
    let csrf = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["csrf_token"].as_str().map(str::to_owned))
        .context("the login answer has no csrf_token")?;
    let url = target.endpoint(TOKENS);
    let resp = client
        .post(&url)
        .header(COOKIE, cookie)
        .header("X-CSRF-Token", csrf)
        .json(&json!({"name": format!("nichoir-bench pad {nonce:x}")}))
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "creating an API token failed: HTTP {status}: {}",
            clip(&body)
        );
    }
    let v: Value = serde_json::from_str(&body).context("token answer")?;
    match (v["token"].as_str(), v["id"].as_str()) {
        (Some(t), Some(id)) => Ok((t.to_owned(), id.to_owned())),
        _ => bail!("unexpected token answer: {}", clip(&body)),
    }
}

async fn create_pad(client: &Client, target: &Target, bearer: &str) -> Result<String> {
    let url = target.endpoint(PADS);
    let resp = client
        .post(&url)
        .header(AUTHORIZATION, bearer)
        .json(&json!({}))
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("creating a pad failed: HTTP {status}: {}", clip(&body));
    }
    let v: Value = serde_json::from_str(&body).context("pad answer")?;
    v["pad"]["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("unexpected pad answer: {}", clip(&body)))
}

/// Replaces a pad's text with `doc` through the Markdown import, before anyone joins.
async fn fill_pad(
    client: &Client,
    target: &Target,
    bearer: &str,
    id: &str,
    doc: &str,
) -> Result<()> {
    let url = target.endpoint(&format!("{PADS}/{id}/import?format=md"));
    let resp = client
        .post(&url)
        .header(AUTHORIZATION, bearer)
        .header(reqwest::header::CONTENT_TYPE, "text/markdown")
        .body(doc.to_owned())
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        bail!("filling pad {id} failed: HTTP {status}: {}", clip(&body));
    }
    Ok(())
}

/// A Markdown document of about `bytes` bytes with what a rich-text pad holds: headings,
/// paragraphs with bold, italic, underline, strike-through, code and links, bulleted, numbered,
/// nested and task lists, quotes and rules. Deterministic.
pub fn formatted_document(bytes: usize) -> String {
    let mut doc = String::with_capacity(bytes + 512);
    let mut section = 0usize;
    while doc.len() < bytes {
        section += 1;
        doc.push_str(&format!(
            "## Section {section}: minutes of the meeting\n\n\
             The **board** met on *Tuesday* with <u>every member</u> present; the ~~old~~ \
             budget is in `budget.ods` and the [calendar](https://example.org/cal/{section}).\n\n\
             - first point, **decided**\n  - a sub-point with *details*\n- second point\n\n\
             1. call the town hall\n2. book the room\n\n\
             - [x] send the minutes\n- [ ] update the wiki\n\n\
             > A quote from the last meeting, with **emphasis**.\n\n---\n\n"
        ));
    }
    doc
}

/// Like [`random_typing`], the letters wrapped in a formatting mark or starting a list item,
/// as the toolbar of the formatted mode writes them.
pub fn formatted_typing(rng: &mut Rng, len: usize, chars: usize) -> Op {
    const MARKS: [(&str, &str); 6] = [
        ("**", "**"),
        ("*", "*"),
        ("~~", "~~"),
        ("`", "`"),
        ("<u>", "</u>"),
        ("\n- ", ""),
    ];
    let pos = rng.below(len + 1);
    let (open, close) = MARKS[rng.below(MARKS.len())];
    let text = format!("{open}{}{close}", crate::ot::random_text(rng, chars));
    let mut op = Op::new();
    op.retain(pos).insert(&text).retain(len - pos);
    op
}

/// `(rev, text)` of a pad as the server has it.
async fn read_pad(
    client: &Client,
    target: &Target,
    bearer: &str,
    id: &str,
) -> Result<(u64, String)> {
    let url = target.endpoint(&format!("{PADS}/{id}"));
    let resp = client
        .get(&url)
        .header(AUTHORIZATION, bearer)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("reading pad {id} failed: HTTP {status}: {}", clip(&body));
    }
    let v: Value = serde_json::from_str(&body).context("pad answer")?;
    match (v["pad"]["rev"].as_u64(), v["text"].as_str()) {
        (Some(rev), Some(text)) => Ok((rev, text.to_owned())),
        _ => bail!("unexpected pad answer: {}", clip(&body)),
    }
}

/// Opens a socket, subscribes to `topic` and waits for the pad's `state`; a `witness` keeps its
/// whole text (see [`WITNESSES_PER_PAD`]).
async fn connect_editor(
    target: &Target,
    bearer: &str,
    topic: &str,
    witness: bool,
) -> Result<(Ws, OtClient)> {
    let addr = target.socket_addr()?;
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("TCP connect to {addr}"))?;
    stream.set_nodelay(true).context("TCP_NODELAY")?;
    let mut req = target
        .ws_endpoint(WS_PATH)
        .into_client_request()
        .context("WebSocket request")?;
    req.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(bearer).context("bearer header")?,
    );
    let (mut ws, _) = tokio_tungstenite::client_async(req, stream)
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(resp) => {
                let body = resp
                    .body()
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                anyhow::anyhow!(
                    "WebSocket upgrade refused: HTTP {}: {}",
                    resp.status(),
                    clip(&body)
                )
            }
            other => anyhow::anyhow!("WebSocket upgrade: {other}"),
        })?;
    ws.send(Message::Text(
        json!({"type": "subscribe", "topic": topic}).to_string(),
    ))
    .await
    .context("sending subscribe")?;
    while let Some(msg) = ws.next().await {
        let Message::Text(text) = msg.context("reading the socket")? else {
            continue;
        };
        let frame: Frame = serde_json::from_str(&text)
            .with_context(|| format!("unparsable frame: {}", clip(&text)))?;
        match (frame.kind, frame.data) {
            ("error", _) => bail!(
                "subscribing to {topic}: error frame {}: {}",
                frame.code.unwrap_or_default(),
                frame.message.unwrap_or_default()
            ),
            ("event", Some(d)) if d.kind == "state" => {
                let (Some(rev), Some(text)) = (d.rev, d.text) else {
                    bail!("state without rev or text");
                };
                let ot = if witness {
                    OtClient::new(rev, &text)
                } else {
                    OtClient::length_only(rev, &text)
                };
                return Ok((ws, ot));
            }
            ("event", Some(d)) if d.kind == "error" => bail!(
                "subscribing to {topic}: {}: {}",
                d.code.unwrap_or_default(),
                d.message.unwrap_or_default()
            ),
            _ => {}
        }
    }
    bail!("the server closed the socket before sending the pad state")
}

// ---------------------------------------------------------------------------------------------
// The run

/// The JSON line of the `pad` scenario.
#[derive(Debug, Serialize)]
pub struct PadReport {
    pub scenario: &'static str,
    pub url: String,
    /// Sockets (= editors).
    pub concurrency: usize,
    /// The typing window, measured.
    pub duration_secs: f64,
    /// Edits sent during the window (= `ops_sent`).
    pub requests: u64,
    /// error_frames + disconnects + protocol_errors.
    pub errors: u64,
    /// Edits acknowledged per second during the window (= `ops_per_sec_acked`).
    pub throughput_rps: f64,
    /// Ack latency (= `ack_latency_ms`).
    pub latency_ms: LatencySummary,
    pub server_peak_rss_kib: Option<u64>,
    pub pads: usize,
    pub editors_per_pad: usize,
    pub editors: usize,
    pub type_interval_ms: u64,
    pub chars: usize,
    pub seed: u64,
    /// Bytes of formatted Markdown each pad started with (0: empty, plain typing).
    pub formatted_bytes: usize,
    /// Time to open and subscribe every socket and for the join traffic to settle (before the
    /// window).
    pub connect_secs: f64,
    pub ops_sent: u64,
    pub ops_acked: u64,
    pub ops_per_sec_acked: f64,
    pub ack_latency_ms: LatencySummary,
    pub broadcast_latency_ms: LatencySummary,
    /// Broadcast latency samples (ops received by other editors, matched to their send).
    pub broadcast_samples: u64,
    /// Frames received by all editors during the window (= sent by the server).
    pub messages_received: u64,
    pub messages_per_sec: f64,
    pub error_frames: u64,
    pub disconnects: u64,
    pub protocol_errors: u64,
    /// Refused edits sent again (e.g. after `rate_limited`).
    pub resends: u64,
    /// Problems by kind (`frame:<code>`, `event:<code>`, `disconnect:<reason>`, `protocol`).
    pub error_kinds: BTreeMap<String, u64>,
    /// Seconds from the start of typing to the first disconnect or editor failure.
    pub first_failure_after_secs: Option<f64>,
    /// Whether every editor settled within the drain bound.
    pub drained: bool,
    pub drain_secs: f64,
    /// Healthy editors whose text or revision differs from the server's (must be 0).
    pub divergent_editors: usize,
    /// The slowest ack of the edits sent in each second of the run.
    pub ack_worst_ms_by_second: Vec<f64>,
    /// Editors that disconnected or failed (not compared).
    pub lost_editors: usize,
    /// Sum over the pads of the server's final revision (every acked edit is one revision).
    pub server_revisions: u64,
    /// Sum over the pads of the final length in chars.
    pub final_chars: usize,
    pub server_cpu_seconds: Option<f64>,
    /// Server CPU time / window wall time (100 = one core busy).
    pub server_cpu_percent: Option<f64>,
    /// The same for this load generator, which shares the machine with the server: when it
    /// nears `cores` × 100, the latencies measure the generator as much as the server.
    pub bench_cpu_percent: Option<f64>,
    /// CPUs available to this process.
    pub cores: usize,
    /// The generator took more than a third of the machine: it may be the limit of this run.
    pub generator_limited: bool,
    /// The database writer's work in the window, per acknowledged edit.
    pub write: Option<WriteCost>,
    /// Bytes the server process wrote to disk in the window per acknowledged edit (from /proc:
    /// any server version, SQLite only; PostgreSQL writes in its own processes).
    pub server_disk_bytes_per_edit: Option<f64>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn per_sec(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        round3(n as f64 / secs)
    } else {
        0.0
    }
}

struct Window {
    messages: u64,
    sent: u64,
    acked: u64,
}

impl Window {
    fn of(s: &Shared) -> Window {
        Window {
            messages: s.messages.load(Ordering::Relaxed),
            sent: s.ops_sent.load(Ordering::Relaxed),
            acked: s.ops_acked.load(Ordering::Relaxed),
        }
    }
}

async fn run(ctx: &Ctx) -> Result<Outcome> {
    let creds = ctx.require_credentials("pad")?;
    let opts = ctx.pad;
    let (npads, per_pad) = opts.layout();
    let total = opts.sockets();
    if total == 0 || total > MAX_SOCKETS {
        bail!("{total} sockets requested; between 1 and {MAX_SOCKETS} are allowed");
    }
    if ctx.target.is_tls() {
        bail!("the pad scenario speaks plain ws:// only: use an http:// --url");
    }
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        & 0xffff_ffff_ffff;
    let client = ctx
        .target
        .client_builder()
        .build()
        .context("building the HTTP client")?;
    let (token, token_id) = create_token(
        &client,
        &ctx.target,
        &creds.username,
        &creds.password,
        nonce,
    )
    .await?;
    let bearer = format!("Bearer {token}");
    let result = run_with_token(ctx, &client, &bearer, nonce, npads, per_pad).await;
    // Best effort: do not leave the run's token behind.
    let url = ctx.target.endpoint(&format!("{TOKENS}/{token_id}"));
    if let Err(e) = client
        .delete(&url)
        .header(AUTHORIZATION, &bearer)
        .send()
        .await
    {
        eprintln!("nichoir-bench: pad: could not delete the API token: {e}");
    }
    result
}

async fn run_with_token(
    ctx: &Ctx,
    client: &Client,
    bearer: &str,
    nonce: u64,
    npads: usize,
    per_pad: usize,
) -> Result<Outcome> {
    let opts = ctx.pad;
    let total = npads * per_pad;
    let target = &ctx.target;

    eprintln!("nichoir-bench: pad: creating {npads} pad(s)");
    let mut pad_ids = Vec::with_capacity(npads);
    for chunk_start in (0..npads).step_by(HTTP_CONCURRENCY) {
        let tasks: Vec<_> = (chunk_start..(chunk_start + HTTP_CONCURRENCY).min(npads))
            .map(|_| {
                let (client, target, bearer) = (client.clone(), target.clone(), bearer.to_owned());
                tokio::spawn(async move { create_pad(&client, &target, &bearer).await })
            })
            .collect();
        for t in tasks {
            pad_ids.push(t.await.context("pad creation task")??);
        }
    }
    if opts.formatted_bytes > 0 {
        eprintln!(
            "nichoir-bench: pad: filling each pad with {} bytes of formatted Markdown",
            opts.formatted_bytes
        );
        let doc = Arc::new(formatted_document(opts.formatted_bytes));
        for chunk in pad_ids.chunks(HTTP_CONCURRENCY) {
            let tasks: Vec<_> = chunk
                .iter()
                .map(|id| {
                    let (client, target, bearer) =
                        (client.clone(), target.clone(), bearer.to_owned());
                    let (id, doc) = (id.clone(), Arc::clone(&doc));
                    tokio::spawn(
                        async move { fill_pad(&client, &target, &bearer, &id, &doc).await },
                    )
                })
                .collect();
            for t in tasks {
                t.await.context("pad filling task")??;
            }
        }
    }

    // Editors elsewhere: each pad is read on --url's node first, which makes that node its
    // owner; the editors then connect to the other nodes, and every edit is forwarded.
    let editors_elsewhere = opts.editors_elsewhere && !ctx.nodes.is_empty();
    if opts.editors_elsewhere && !editors_elsewhere {
        anyhow::bail!("--pad-editors-elsewhere needs --node-url (the other nodes of a cluster)");
    }
    if editors_elsewhere {
        eprintln!("nichoir-bench: pad: making --url's node the owner of every pad");
        for chunk in pad_ids.chunks(HTTP_CONCURRENCY) {
            let tasks: Vec<_> = chunk
                .iter()
                .map(|id| {
                    let (client, url) = (client.clone(), target.endpoint(&format!("{PADS}/{id}")));
                    let bearer = bearer.to_owned();
                    tokio::spawn(async move {
                        let resp = client.get(url).header(AUTHORIZATION, bearer).send().await?;
                        anyhow::ensure!(
                            resp.status().is_success(),
                            "reading a pad: {}",
                            resp.status()
                        );
                        Ok(())
                    })
                })
                .collect();
            for t in tasks {
                t.await.context("pad read task")??;
            }
        }
    }

    let shared = Arc::new(Shared::new(total, ClientIds::new(nonce)));
    let (phase_tx, phase_rx) = watch::channel(Phase::Ready);

    eprintln!("nichoir-bench: pad: opening {total} sockets ({CONNECT_BATCH} at a time)");
    let connect_start = Instant::now();
    let mut handles = Vec::with_capacity(total);
    let mut setup_error = None;
    for batch_start in (0..total).step_by(CONNECT_BATCH) {
        let batch = batch_start..(batch_start + CONNECT_BATCH).min(total);
        let tasks: Vec<_> = batch
            .map(|idx| {
                let topic = format!("pad:{}", pad_ids[idx / per_pad]);
                let node = if editors_elsewhere {
                    &ctx.nodes[idx % ctx.nodes.len()]
                } else {
                    target
                };
                let (target, bearer) = (node.clone(), bearer.to_owned());
                tokio::spawn(async move {
                    let r = tokio::time::timeout(
                        CONNECT_TIMEOUT,
                        connect_editor(&target, &bearer, &topic, idx % per_pad < WITNESSES_PER_PAD),
                    )
                    .await
                    .unwrap_or_else(|_| {
                        Err(anyhow::anyhow!("timed out after {CONNECT_TIMEOUT:?}"))
                    });
                    (idx, topic, r)
                })
            })
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for t in tasks {
            results.push(t.await.context("connection task")?);
        }
        for (idx, topic, r) in results {
            match r {
                Ok((ws, ot)) => {
                    let editor = Editor {
                        idx,
                        topic,
                        client_id: shared.ids.of(idx),
                        ot,
                        rng: Rng::new(opts.seed ^ (idx as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                        chars: opts.chars,
                        formatted: opts.formatted_bytes > 0,
                        shared: Arc::clone(&shared),
                        inflight_sent: None,
                        retries: 0,
                        ack_us: new_histogram()?,
                        broadcast_us: new_histogram()?,
                        samples_broadcast: samples_broadcast(idx, per_pad),
                    };
                    editor.publish_status();
                    handles.push(tokio::spawn(editor.run(
                        ws,
                        phase_rx.clone(),
                        opts.type_interval,
                    )));
                }
                Err(e) => {
                    if setup_error.is_none() {
                        setup_error = Some(e.context(format!(
                            "socket {idx} of {total} (sockets open so far: {})",
                            handles.len()
                        )));
                    }
                }
            }
        }
        if setup_error.is_some() {
            break;
        }
    }
    if let Some(e) = setup_error {
        let _ = phase_tx.send(Phase::Stop);
        for h in handles {
            let _ = tokio::time::timeout(STOP_TIMEOUT, h).await;
        }
        return Err(e.context(
            "opening the editors' sockets (hint: `ulimit -n 4096` or more, for the server too)",
        ));
    }
    // Let the join traffic (presence events, member lists) die down before the clock starts.
    let quiet = settle_quietly(&shared.messages).await;
    let connect_secs = connect_start.elapsed().as_secs_f64();
    if !quiet {
        eprintln!(
            "nichoir-bench: pad: sockets still busy after {SETTLE_TIMEOUT:?}; starting anyway"
        );
    }

    // The window.
    let server_pid = ctx.server_pid();
    let probe = Probe::start(ctx).await;
    let cpu_before = server_pid.and_then(procfs::cpu_ticks);
    let disk_before = server_pid.and_then(procfs::write_bytes);
    let own_cpu_before = procfs::cpu_ticks(std::process::id());
    let before = Window::of(&shared);
    let start = Instant::now();
    let _ = shared.typing_since.set(start);
    let _ = phase_tx.send(Phase::Typing(tokio::time::Instant::from_std(start)));
    eprintln!(
        "nichoir-bench: pad: {total} sockets open in {connect_secs:.1} s; typing for {} s",
        ctx.load.duration.as_secs()
    );
    tokio::time::sleep(ctx.load.duration).await;
    let _ = phase_tx.send(Phase::Draining);
    let window = start.elapsed().as_secs_f64();
    let after = Window::of(&shared);
    let cpu_after = server_pid.and_then(procfs::cpu_ticks);
    let disk_after = server_pid.and_then(procfs::write_bytes);
    let own_cpu_after = procfs::cpu_ticks(std::process::id());
    let write = match &probe {
        Some((p, first)) => p.finish(first, after.acked - before.acked, window).await,
        None => None,
    };

    // Drain: nothing in flight, and every live editor of a pad on the same revision.
    let drain_start = Instant::now();
    let drained = loop {
        if settled(&shared.status, per_pad) {
            break true;
        }
        if drain_start.elapsed() >= DRAIN_TIMEOUT {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let drain_secs = drain_start.elapsed().as_secs_f64();
    let _ = phase_tx.send(Phase::Stop);

    let stop_deadline = tokio::time::Instant::now() + STOP_TIMEOUT;
    let mut ends = Vec::with_capacity(total);
    let mut ack_us = new_histogram()?;
    let mut broadcast_us = new_histogram()?;
    let mut stuck = 0usize;
    for mut h in handles {
        match tokio::time::timeout_at(stop_deadline, &mut h).await {
            Ok(Ok(end)) => {
                ack_us.add(&end.ack_us).context("merging histograms")?;
                broadcast_us
                    .add(&end.broadcast_us)
                    .context("merging histograms")?;
                ends.push(end);
            }
            Ok(Err(e)) => {
                stuck += 1;
                shared.problem("protocol".into(), format!("editor task failed: {e}"));
            }
            Err(_) => {
                h.abort();
                stuck += 1;
            }
        }
    }

    // Compare with the server.
    let mut server: Vec<(u64, String)> = Vec::with_capacity(npads);
    for chunk in pad_ids.chunks(HTTP_CONCURRENCY) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|id| {
                let (client, target, bearer, id) = (
                    client.clone(),
                    target.clone(),
                    bearer.to_owned(),
                    id.clone(),
                );
                tokio::spawn(async move { read_pad(&client, &target, &bearer, &id).await })
            })
            .collect();
        for t in tasks {
            server.push(t.await.context("pad read task")??);
        }
    }
    let mut divergent = 0usize;
    let mut lost = stuck;
    // Counted once per pad, not once per editor (500 editors of a long pad).
    let server_chars: Vec<usize> = server.iter().map(|(_, t)| t.chars().count()).collect();
    for end in &ends {
        let pad = end.idx / per_pad;
        let (rev, text) = &server[pad];
        if !end.healthy {
            lost += 1;
        } else if end.rev != *rev
            || end.len != server_chars[pad]
            || end.text.as_ref().is_some_and(|t| t != text)
        {
            divergent += 1;
            shared.problem(
                "divergence".into(),
                format!(
                    "editor {} on pad {}: rev {} vs server {rev}, {} vs {} chars, first difference \
                     at char {}",
                    end.idx,
                    pad_ids[pad],
                    end.rev,
                    end.len,
                    server_chars[pad],
                    end.text
                        .as_deref()
                        .map_or("?".into(), |t| first_difference(t, text).to_string())
                ),
            );
        }
    }

    let cpu_secs = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b) as f64 / procfs::CLOCK_TICKS_PER_SEC as f64),
        _ => None,
    };
    let server_cpu_seconds = cpu_secs(cpu_before, cpu_after);
    let bench_cpu_seconds = cpu_secs(own_cpu_before, own_cpu_after);
    let ack = LatencySummary::from_histogram(&ack_us);
    let (sent, acked, messages) = (
        after.sent - before.sent,
        after.acked - before.acked,
        after.messages - before.messages,
    );
    let error_frames = shared.error_frames.load(Ordering::Relaxed);
    let disconnects = shared.disconnects.load(Ordering::Relaxed);
    let protocol_errors = shared.protocol_errors.load(Ordering::Relaxed) + stuck as u64;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let report = PadReport {
        scenario: "pad",
        url: target.as_str().to_owned(),
        concurrency: total,
        duration_secs: round3(window),
        requests: sent,
        errors: error_frames + disconnects + protocol_errors,
        throughput_rps: per_sec(acked, window),
        latency_ms: ack,
        server_peak_rss_kib: server_pid.and_then(procfs::peak_rss_kib),
        pads: npads,
        editors_per_pad: per_pad,
        editors: total,
        type_interval_ms: u64::try_from(opts.type_interval.as_millis()).unwrap_or(u64::MAX),
        chars: opts.chars,
        seed: opts.seed,
        formatted_bytes: opts.formatted_bytes,
        connect_secs: round3(connect_secs),
        ops_sent: sent,
        ops_acked: acked,
        ops_per_sec_acked: per_sec(acked, window),
        ack_latency_ms: ack,
        broadcast_latency_ms: LatencySummary::from_histogram(&broadcast_us),
        broadcast_samples: broadcast_us.len(),
        messages_received: messages,
        messages_per_sec: per_sec(messages, window),
        error_frames,
        disconnects,
        protocol_errors,
        resends: shared.resends.load(Ordering::Relaxed),
        error_kinds: shared.kinds.counts(),
        first_failure_after_secs: match shared.first_failure_ms.load(Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(ms as f64 / 1000.0),
        },
        drained,
        drain_secs: round3(drain_secs),
        divergent_editors: divergent,
        ack_worst_ms_by_second: shared.worst_ack_us[..(window.ceil() as usize).min(TIMELINE_SECS)]
            .iter()
            .map(|w| round3(w.load(Ordering::Relaxed) as f64 / 1000.0))
            .collect(),
        lost_editors: lost,
        server_revisions: server.iter().map(|(r, _)| r).sum(),
        final_chars: server_chars.iter().sum(),
        server_cpu_seconds: server_cpu_seconds.map(round3),
        server_cpu_percent: server_cpu_seconds.map(|s| per_sec_pct(s, window)),
        bench_cpu_percent: bench_cpu_seconds.map(|s| per_sec_pct(s, window)),
        cores,
        generator_limited: generator_limited(
            bench_cpu_seconds.map(|s| per_sec_pct(s, window)),
            cores,
        ),
        write,
        server_disk_bytes_per_edit: match (disk_before, disk_after) {
            (Some(b), Some(a)) if acked > 0 => {
                Some(round3(a.saturating_sub(b) as f64 / acked as f64))
            }
            _ => None,
        },
    };
    let sample_errors = shared
        .samples
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(Outcome::Report {
        line: serde_json::to_string(&report)?,
        sample_errors,
    })
}

fn per_sec_pct(cpu_secs: f64, window: f64) -> f64 {
    if window > 0.0 {
        (cpu_secs / window * 1000.0).round() / 10.0
    } else {
        0.0
    }
}

/// Waits until `counter` stays still for [`SETTLE_QUIET`] (bounded by [`SETTLE_TIMEOUT`]); false
/// on timeout.
async fn settle_quietly(counter: &AtomicU64) -> bool {
    let start = Instant::now();
    let mut last = counter.load(Ordering::Relaxed);
    let mut still_since = Instant::now();
    while start.elapsed() < SETTLE_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = counter.load(Ordering::Relaxed);
        if now != last {
            last = now;
            still_since = Instant::now();
        } else if still_since.elapsed() >= SETTLE_QUIET {
            return true;
        }
    }
    false
}

/// True when no live editor has an edit pending and the live editors of each pad (consecutive
/// groups of `per_pad`) are all on the same revision.
fn settled(status: &[Status], per_pad: usize) -> bool {
    status.chunks(per_pad.max(1)).all(|pad| {
        let mut revs = pad
            .iter()
            .filter(|s| s.alive.load(Ordering::Relaxed))
            .map(|s| {
                (
                    s.rev.load(Ordering::Relaxed),
                    s.pending.load(Ordering::Relaxed),
                )
            });
        let Some((first, pending)) = revs.next() else {
            return true;
        };
        !pending && revs.all(|(r, p)| !p && r == first)
    })
}

/// Index (in chars) of the first difference between two texts.
fn first_difference(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_document_and_typing() {
        let doc = formatted_document(10_000);
        assert!((10_000..11_000).contains(&doc.len()), "{}", doc.len());
        for mark in [
            "## ",
            "**board**",
            "<u>",
            "~~old~~",
            "- [x] ",
            "1. ",
            "> ",
            "---",
        ] {
            assert!(doc.contains(mark), "{mark}");
        }
        let len = doc.chars().count();
        let mut rng = Rng::new(3);
        for _ in 0..50 {
            let op = formatted_typing(&mut rng, len, 4);
            assert_eq!(op.base_len(), len);
            assert!(op.target_len() > len + 4, "a mark came with the letters");
        }
    }

    fn editor(shared: &Arc<Shared>, idx: usize) -> Editor {
        Editor {
            idx,
            topic: "pad:p".into(),
            client_id: shared.ids.of(idx),
            ot: OtClient::new(0, "ab"),
            rng: Rng::new(idx as u64),
            chars: 2,
            formatted: false,
            shared: Arc::clone(shared),
            inflight_sent: None,
            retries: 0,
            ack_us: new_histogram().expect("histogram"),
            broadcast_us: new_histogram().expect("histogram"),
            samples_broadcast: true,
        }
    }

    #[test]
    fn broadcast_samplers_are_spread_over_each_pad() {
        let count = |per_pad: usize| {
            (0..per_pad)
                .filter(|&i| samples_broadcast(i, per_pad))
                .count()
        };
        assert_eq!(count(3), 3);
        assert_eq!(count(64), 64);
        assert_eq!(count(1000), 63);
        assert!(
            samples_broadcast(0, 1000)
                && samples_broadcast(16, 1000)
                && !samples_broadcast(1, 1000)
        );
        // The second pad's editors too.
        assert!(samples_broadcast(3, 3) && samples_broadcast(1016, 1000));
    }

    fn event(data: Value) -> String {
        json!({"type": "event", "topic": "pad:p", "from": null, "data": data}).to_string()
    }

    #[test]
    fn a_batch_is_parsed_once_and_found_only_by_its_exact_text() {
        let mut cache = ParsedBatches::new();
        let frame = event(json!({"type": "ops", "ops": [{"rev": 1, "op": ["x"]}]}));
        assert!(cache.get(&frame).is_none());
        let ops: Arc<[Revision]> = vec![Revision {
            rev: 1,
            op: crate::ot::from_json(&json!(["x"])).expect("op"),
            client_id: None,
            seq: None,
        }]
        .into();
        cache.put(&frame, Arc::clone(&ops));
        assert_eq!(cache.get(&frame).map(|o| o[0].rev), Some(1));
        assert!(cache.get(&frame.replace("\"x\"", "\"y\"")).is_none());
        for i in 0..PARSED_BATCHES {
            cache.put(&format!("other {i}"), Arc::clone(&ops));
        }
        assert!(cache.get(&frame).is_none(), "the oldest batch is forgotten");
        assert_eq!(cache.by_hash.len(), PARSED_BATCHES);
    }

    #[test]
    fn client_ids_map_back_to_editors() {
        let ids = ClientIds::new(0xabc);
        assert_eq!(ids.of(42), "nbabc-42");
        assert_eq!(ids.editor("nbabc-42"), Some(42));
        assert_eq!(ids.editor("nbabd-42"), None);
        assert_eq!(ids.editor("nbabc42"), None);
        assert_eq!(ids.editor("nbabc-x"), None);
    }

    #[test]
    fn send_log_keeps_the_first_send() {
        let log = SendLog::new(2);
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_millis(5);
        log.record(1, 3, t0);
        log.record(1, 3, t1); // a resend
        assert_eq!(log.sent_at(1, 3), Some(t0));
        assert_eq!(log.sent_at(1, 2), None);
        assert_eq!(log.sent_at(1, 0), None);
        assert_eq!(log.sent_at(0, 3), None);
        assert_eq!(log.sent_at(7, 3), None);
        log.record(9, 1, t0); // unknown editor: ignored
    }

    #[test]
    fn measures_ack_and_broadcast_latency() {
        let shared = Arc::new(Shared::new(2, ClientIds::new(1)));
        let mut a = editor(&shared, 0);
        let mut b = editor(&shared, 1);
        let t0 = Instant::now();
        let s = a.type_once().expect("type").expect("send");
        // What `send` records, at a known instant.
        shared.log.record(0, s.seq, t0);
        a.inflight_sent = Some(t0);

        // B receives A's edit in a batch 7 ms later, then A gets the batch (its ack) 9 ms later.
        let item = json!({"rev": 1, "op": crate::ot::to_json(&s.op), "author": "u",
            "client_id": a.client_id, "seq": s.seq});
        let ops = event(json!({"type": "ops", "ops": [item.clone()]}));
        assert_eq!(
            b.on_text(&ops, t0 + Duration::from_millis(7)),
            Ok(Action::Nothing)
        );
        let ack = event(
            json!({"type": "ack", "rev": 1, "client_id": a.client_id, "seq": s.seq,
            "ops": [item.clone()]}),
        );
        assert_eq!(
            a.on_text(&ack, t0 + Duration::from_millis(9)),
            Ok(Action::Nothing)
        );
        assert_eq!(a.ot.text(), b.ot.text());
        assert_eq!((a.ot.rev(), b.ot.rev()), (1, 1));
        let bl = LatencySummary::from_histogram(&b.broadcast_us);
        let al = LatencySummary::from_histogram(&a.ack_us);
        assert!(bl.p50.is_some_and(|ms| (ms - 7.0).abs() < 0.01), "{bl:?}");
        assert!(al.max.is_some_and(|ms| (ms - 9.0).abs() < 0.01), "{al:?}");
        assert_eq!(a.broadcast_us.len(), 0);
        assert_eq!(shared.ops_acked.load(Ordering::Relaxed), 1);
        assert_eq!(shared.messages.load(Ordering::Relaxed), 2);

        // B types twice (one in flight, one buffered); a batch brings A's edit, B's own and
        // another of A's: B acknowledges its edit and sends the buffer once, after the batch,
        // on the batch's last revision.
        let b1 = b.type_once().expect("type").expect("send");
        assert!(b.type_once().expect("type").is_none(), "buffered");
        let a2 = a.type_once().expect("type").expect("send");
        let batch = json!({"type": "ops", "ops": [
            {"rev": 2, "op": crate::ot::to_json(&a2.op), "author": "u", "client_id": a.client_id, "seq": a2.seq},
        ]});
        let mut b_in_a = b1.op.clone();
        let (_, t) = Op::transform(&a2.op, &b_in_a).expect("transform");
        b_in_a = t;
        let ack = event(
            json!({"type": "ack", "rev": 3, "client_id": b.client_id, "seq": b1.seq,
            "ops": [batch["ops"][0].clone(),
                {"rev": 3, "op": crate::ot::to_json(&b_in_a), "author": "u", "client_id": b.client_id, "seq": b1.seq}]}),
        );
        match b.on_text(&ack, t0) {
            Ok(Action::Send(next)) => assert_eq!((next.seq, next.rev), (b1.seq + 1, 3)),
            other => panic!("{other:?}"),
        }
        // An edit of ours that is not the one in flight is a protocol failure.
        let stray = json!({"type": "ops", "ops": [
            {"rev": 2, "op": crate::ot::to_json(&a2.op), "author": "u", "client_id": a.client_id, "seq": 99},
        ]});
        assert!(matches!(
            a.on_text(&event(stray), t0),
            Err(e) if e.contains("not the one in flight")
        ));

        // A gap in revisions is a protocol failure.
        let gap = event(
            json!({"type": "ops", "ops": [{"rev": 9, "op": [3], "client_id": "x", "seq": 1}]}),
        );
        assert!(b.on_text(&gap, t0).is_err());
    }

    #[test]
    fn refused_edits_are_retried_then_counted() {
        let shared = Arc::new(Shared::new(1, ClientIds::new(1)));
        let mut a = editor(&shared, 0);
        let s = a.type_once().expect("type").expect("send");
        let refused = event(
            json!({"type": "error", "code": "rate_limited", "message": "slow down",
            "client_id": a.client_id, "seq": s.seq}),
        );
        assert!(matches!(
            a.on_text(&refused, Instant::now()),
            Ok(Action::RetryAfter(_))
        ));
        let frame =
            json!({"type": "error", "code": "rate_limited", "message": "too many"}).to_string();
        assert!(matches!(
            a.on_text(&frame, Instant::now()),
            Ok(Action::RetryAfter(_))
        ));
        // Someone else's refusal is counted only.
        let theirs = event(
            json!({"type": "error", "code": "invalid_op", "message": "bad",
            "client_id": "nb1-9", "seq": 1}),
        );
        assert_eq!(a.on_text(&theirs, Instant::now()), Ok(Action::Nothing));
        let other = event(
            json!({"type": "error", "code": "invalid_op", "message": "bad",
            "client_id": a.client_id, "seq": s.seq}),
        );
        assert!(a.on_text(&other, Instant::now()).is_err());
        for _ in 0..MAX_RETRIES - 2 {
            assert!(matches!(
                a.on_text(&frame, Instant::now()),
                Ok(Action::RetryAfter(_))
            ));
        }
        assert!(a.on_text(&frame, Instant::now()).is_err());
        assert_eq!(
            shared.error_frames.load(Ordering::Relaxed),
            5 + u64::from(MAX_RETRIES) - 2
        );
        let kinds = shared.kinds.counts();
        assert_eq!(kinds.get("event:rate_limited"), Some(&1));
        assert_eq!(kinds.get("event:invalid_op"), Some(&2));
    }

    #[test]
    fn settles_only_when_nothing_is_pending_and_revisions_agree() {
        let st = |rev: u64, pending: bool, alive: bool| Status {
            rev: AtomicU64::new(rev),
            pending: AtomicBool::new(pending),
            alive: AtomicBool::new(alive),
        };
        assert!(settled(
            &[st(3, false, true), st(3, false, true), st(1, false, true)],
            2
        ));
        assert!(!settled(&[st(3, false, true), st(2, false, true)], 2));
        assert!(!settled(&[st(3, true, true), st(3, false, true)], 2));
        assert!(settled(&[st(3, false, true), st(2, true, false)], 2)); // lost editor ignored
        assert!(settled(&[], 3));
    }

    #[test]
    fn layout_and_report_helpers() {
        let mut o = PadOptions::default();
        assert_eq!((o.layout(), o.sockets()), ((1, 50), 50));
        o.pads = 1000;
        assert_eq!((o.layout(), o.sockets()), ((1000, 3), 3000));
        assert_eq!(per_sec(50, 2.0), 25.0);
        assert_eq!(per_sec(5, 0.0), 0.0);
        assert_eq!(per_sec_pct(3.0, 20.0), 15.0);
        assert_eq!(first_difference("abcé", "abcè"), 3);
        let f = op_frame(
            "pad:x",
            "c-1",
            &Send {
                seq: 2,
                rev: 5,
                op: crate::ot::from_json(&json!([1, "é"])).expect("op"),
            },
        );
        let v: Value = serde_json::from_str(&f).expect("json");
        assert_eq!(
            v,
            json!({"type": "publish", "topic": "pad:x", "data": {"type": "op", "client_id": "c-1",
                "seq": 2, "rev": 5, "op": [1, "é"]}})
        );
    }
}
