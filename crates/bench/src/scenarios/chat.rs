//! `chat`: a team where `--chat-users` people (registered first; the server must allow open
//! registration) are all in one channel, each with a WebSocket on their `chat:<id>` topic, and
//! `--chat-idle` more people are connected too but sit in other channels of the team (about 50 to
//! a channel), so the server holds `users + idle` sockets. `--chat-posters` of the channel's
//! people post at a total of `--chat-rate` messages per second. Every receiver times each message
//! from its send to its arrival. Then it times history pages of 50 messages and searches.
//!
//! With `--chat-seed-messages N`, the team first gets a channel `archive` of N messages, imported
//! through the product's own Mattermost bulk import (`POST …/import/mattermost`, 50,000 messages
//! per request), so that history and search are also timed over a big history. The words of
//! those messages are drawn with a skewed (Zipf-like) frequency; the report says how many
//! messages each timed query matches.
//!
//! The load generator shares the machine with the server, so receiving is kept cheap: the send
//! time travels in the message's `client_id` (`b<µs since the run began>x<poster>`) and a
//! receiver only looks for those bytes in each frame (no JSON parsing, no shared map, no lock).
//! Each receiver keeps its own histogram, merged at the end. The server's and the generator's CPU
//! use over the sending window are reported (100% = one core).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use futures_util::SinkExt;
use hdrhistogram::Histogram;
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::Client;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::http::cookie_header;
use super::storage::{generator_limited, Probe, WriteCost};
use super::{Ctx, Kinds, Outcome, Scenario};
use crate::load::LatencySummary;
use crate::procfs;

pub struct Chat;

type Ws = WebSocketStream<TcpStream>;

/// People per idle channel (the idle clients are spread over channels of this size).
const IDLE_PER_CHANNEL: usize = 50;
/// Messages per import request when seeding the archive: one request stays well under the
/// server's import body limit (10 × `uploads.max_file_bytes`, 100 MB by default).
const SEED_CHUNK: usize = 50_000;
/// What a receiver looks for in a frame: the start of the bench's `client_id`.
const STAMP: &[u8] = br#""client_id":"b"#;

#[derive(Clone)]
struct Member {
    id: String,
    cookie: String,
    csrf: String,
}

fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

async fn json_or_fail(resp: reqwest::Response, what: &str) -> Result<(Value, String)> {
    let status = resp.status();
    let cookie = cookie_header(
        resp.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "{what}: HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    Ok((serde_json::from_str(&text).unwrap_or(Value::Null), cookie))
}

async fn register(http: &Client, ctx: &Ctx, name: &str) -> Result<Member> {
    let (v, cookie) = json_or_fail(
        http.post(ctx.target.endpoint("/api/v1/auth/register"))
            .json(
                &json!({"username": name, "password": "bench password 123", "display_name": name}),
            )
            .send()
            .await?,
        "register (start the server with NICHOIR_INSTANCE_REGISTRATION=open)",
    )
    .await?;
    Ok(Member {
        id: v["user"]["id"].as_str().context("user id")?.to_string(),
        cookie,
        csrf: v["csrf_token"].as_str().context("csrf")?.to_string(),
    })
}

async fn call(
    http: &Client,
    ctx: &Ctx,
    m: &Member,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Result<Value> {
    let resp = http
        .request(method, ctx.target.endpoint(path))
        .header(COOKIE, &m.cookie)
        .header("X-CSRF-Token", &m.csrf)
        .json(&body)
        .send()
        .await?;
    Ok(json_or_fail(resp, path).await?.0)
}

/// One timed query over the seeded archive.
#[derive(Serialize)]
struct TimedSearch {
    query: String,
    /// Archive messages holding the word(s), as generated (the answer holds at most 100).
    matching_messages: u64,
    results: usize,
    ms: LatencySummary,
}

/// Timings over the seeded archive channel.
#[derive(Serialize)]
struct Archive {
    messages: usize,
    /// How the messages got there.
    seeded_by: &'static str,
    seed_secs: f64,
    seed_messages_per_sec: f64,
    history_newest_page_ms: LatencySummary,
    history_middle_page_ms: LatencySummary,
    searches: Vec<TimedSearch>,
}

#[derive(Serialize)]
struct Report {
    scenario: &'static str,
    url: String,
    users: usize,
    idle_clients: usize,
    connected_clients: usize,
    posters: usize,
    target_rate: f64,
    duration_secs: f64,
    sent: u64,
    /// Messages the server accepted (2xx) per second of the sending window.
    persisted_per_sec: f64,
    errors: u64,
    /// Failed posts by kind (`http <status>`, or the client's error and its cause), so that a
    /// failure can be told from a slow server after the run.
    error_kinds: BTreeMap<String, u64>,
    /// How far behind its schedule a poster got at worst (the server answering slowly).
    max_send_lag_ms: f64,
    deliveries: u64,
    deliveries_expected: u64,
    /// Sockets the server closed before the end (a receiver too slow for its send queue is
    /// dropped): their missing deliveries are the server's refusal, not latency.
    receivers_closed: u64,
    delivery_latency_ms: LatencySummary,
    /// CPU used over the sending window; 100 = one core, the machine has 2.
    server_cpu_percent: Option<f64>,
    bench_cpu_percent: Option<f64>,
    /// The generator took more than a third of the machine: it may be the limit of this run.
    generator_limited: bool,
    /// The database writer's work in the sending window, per message.
    write: Option<WriteCost>,
    history_page_ms: LatencySummary,
    search_ms: LatencySummary,
    archive: Option<Archive>,
    /// With `--chat-push`: the pushes of the `@channel` messages at the bench's push service.
    push: Option<PushReport>,
    server_peak_rss_kib: Option<u64>,
}

#[derive(Debug, Serialize)]
struct PushReport {
    subscribed: usize,
    channel_mentions: usize,
    expected: usize,
    received: usize,
    /// From sending the `@channel` message to each push's arrival.
    delay_ms: LatencySummary,
    /// Pushes received per second of each burst (first to last arrival), all bursts together.
    per_sec: f64,
}

impl Scenario for Chat {
    fn name(&self) -> &'static str {
        "chat"
    }
    fn description(&self) -> &'static str {
        "--chat-users in one channel with a socket each (+ --chat-idle connected elsewhere), --chat-posters posting --chat-rate msg/s: send-to-receive latency at every receiver, history pages, search (over --chat-seed-messages imported ones)"
    }
    fn load_summary(&self, ctx: &Ctx) -> String {
        format!(
            "{} users + {} idle, {} posting {} msg/s, {} seeded, {} with push, {} @channel",
            ctx.chat.users,
            ctx.chat.idle,
            ctx.chat.posters,
            ctx.chat.rate,
            ctx.chat.seed_messages,
            ctx.chat.push,
            ctx.chat.channel_mentions
        )
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move { run(ctx).await }.boxed()
    }
}

/// The send times (µs since the run's origin) stamped in the `client_id`s of the bench's
/// messages a WebSocket message carries (one frame, or a batch of them). A byte search: this
/// runs for every message at every receiver.
fn stamps_micros(message: &[u8]) -> impl Iterator<Item = u64> + '_ {
    memchr::memmem::find_iter(message, STAMP).filter_map(|at| {
        let digits = &message[at + STAMP.len()..];
        let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 18 {
            return None;
        }
        digits[..n].iter().try_fold(0u64, |acc, b| {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
    })
}

/// What one receiver heard.
struct Heard {
    latency_us: Histogram<u64>,
    deliveries: u64,
    /// The server closed the socket before the run's end.
    closed: bool,
}

/// Reads a socket until told to stop, timing every bench message it carries.
async fn listen(mut ws: Ws, origin: Instant, mut stop: watch::Receiver<bool>) -> Heard {
    let mut heard = Heard {
        latency_us: hist(),
        deliveries: 0,
        closed: false,
    };
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let now = origin.elapsed().as_micros() as u64;
                    for sent in stamps_micros(t.as_bytes()) {
                        let _ = heard.latency_us.record(now.saturating_sub(sent).max(1));
                        heard.deliveries += 1;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    heard.closed = true;
                    break;
                }
                Some(Ok(_)) => {}
            },
            _ = stop.changed() => break,
        }
    }
    heard
}

/// Opens a socket as `m` (the `i`-th: on `ctx.node(i)`), subscribes to `chat:<id>` and waits
/// for `subscribed`.
async fn connect(ctx: &Ctx, i: usize, m: &Member) -> Result<Ws> {
    let target = ctx.node(i);
    let addr = target.socket_addr()?;
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("TCP connect to {addr}"))?;
    stream.set_nodelay(true).context("TCP_NODELAY")?;
    // Batches, as the web client asks for them.
    let mut req = target
        .ws_endpoint("/api/v1/ws?batch=true")
        .into_client_request()?;
    req.headers_mut()
        .insert(COOKIE, HeaderValue::from_str(&m.cookie)?);
    let (mut ws, _) = tokio_tungstenite::client_async(req, stream)
        .await
        .context("WebSocket")?;
    ws.send(Message::Text(
        json!({"type": "subscribe", "topic": format!("chat:{}", m.id)}).to_string(),
    ))
    .await?;
    let subscribed = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(msg) = ws.next().await {
            if let Message::Text(t) = msg? {
                if t.contains("\"subscribed\"") {
                    return Ok(());
                }
                if t.contains("\"type\":\"error\"") {
                    bail!("subscribe refused: {t}");
                }
            }
        }
        bail!("socket closed before subscribed")
    })
    .await;
    subscribed.context("no subscribed answer in 20 s")??;
    Ok(ws)
}

/// Deterministic pseudo-random numbers (xorshift64*): the same seed gives the same archive.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The archive's vocabulary, most frequent first (none of the live messages' words).
const WORDS: [&str; 64] = [
    "we",
    "team",
    "release",
    "review",
    "meeting",
    "please",
    "update",
    "customer",
    "design",
    "deploy",
    "server",
    "issue",
    "today",
    "tomorrow",
    "thanks",
    "draft",
    "plan",
    "docs",
    "build",
    "test",
    "check",
    "call",
    "week",
    "sprint",
    "merge",
    "branch",
    "invoice",
    "contract",
    "travel",
    "lunch",
    "office",
    "holiday",
    "backup",
    "network",
    "printer",
    "laptop",
    "password",
    "support",
    "ticket",
    "question",
    "answer",
    "slides",
    "report",
    "schedule",
    "agenda",
    "minutes",
    "roadmap",
    "feedback",
    "survey",
    "workshop",
    "training",
    "onboarding",
    "migration",
    "database",
    "latency",
    "firewall",
    "certificate",
    "renewal",
    "quarterly",
    "forecast",
    "procurement",
    "audit",
    "compliance",
    "kaleidoscope",
];

/// The two-word query: both words must be in a message.
const PAIR: (usize, usize) = (9, 20);

/// Word index drawn so that index 0 is the most frequent (P(i) ∝ log((i+2)/(i+1))).
fn zipf_index(rng: &mut Rng) -> usize {
    let i = (WORDS.len() as f64 + 1.0).powf(rng.unit()) as usize;
    i.saturating_sub(1).min(WORDS.len() - 1)
}

/// The archive: a message text per index, and how many messages each word appears in.
struct ArchiveText {
    rng: Rng,
    counts: [u64; WORDS.len()],
    /// Tickets are rare words: `case000000`…, each in about 10 messages.
    tickets: u64,
    /// Messages holding both words of the two-word query (`PAIR`).
    pair: u64,
    sample_ticket: Option<(String, u64)>,
}

impl ArchiveText {
    fn new(total: usize) -> Self {
        ArchiveText {
            rng: Rng(0x9E37_79B9_7F4A_7C15),
            counts: [0; WORDS.len()],
            tickets: (total as u64 / 10).max(1),
            pair: 0,
            sample_ticket: None,
        }
    }

    fn message(&mut self) -> String {
        let n = 5 + (self.rng.next() % 10) as usize;
        let mut seen = [false; WORDS.len()];
        let mut out = String::with_capacity(n * 9 + 12);
        for k in 0..n {
            let i = zipf_index(&mut self.rng);
            if !seen[i] {
                seen[i] = true;
                self.counts[i] += 1;
            }
            if k > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[i]);
        }
        if seen[PAIR.0] && seen[PAIR.1] {
            self.pair += 1;
        }
        let ticket = format!("case{:06}", self.rng.next() % self.tickets);
        out.push(' ');
        out.push_str(&ticket);
        match &mut self.sample_ticket {
            None => self.sample_ticket = Some((ticket, 1)),
            Some((t, c)) if *t == ticket => *c += 1,
            Some(_) => {}
        }
        out
    }
}

/// Imports `total` messages into the team's `archive` channel through the Mattermost bulk
/// import, `SEED_CHUNK` per request. Returns the generated text's statistics and the seconds taken.
async fn seed_archive(
    http: &Client,
    ctx: &Ctx,
    owner: &Member,
    team: &str,
    total: usize,
) -> Result<(ArchiveText, f64)> {
    let mut text = ArchiveText::new(total);
    let url = ctx
        .target
        .endpoint(&format!("/api/v1/chat/teams/{team}/import/mattermost"));
    // A year of history, oldest first, ending an hour ago.
    let step_ms = 30_000i64;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let first_ms = now_ms - 3_600_000 - step_ms * total as i64;
    let started = Instant::now();
    let mut done = 0usize;
    while done < total {
        let n = SEED_CHUNK.min(total - done);
        let mut body = String::with_capacity(n * 180 + 400);
        body.push_str("{\"type\":\"version\",\"version\":1}\n");
        body.push_str(&json!({"type": "channel", "channel": {"team": team, "name": "archive", "display_name": "Archive", "type": "O", "header": "", "purpose": "seeded by nichoir-bench"}}).to_string());
        body.push('\n');
        for k in 0..n {
            let i = done + k;
            let line = json!({"type": "post", "post": {"team": team, "channel": "archive", "user": format!("archivist{}", i % 40), "message": text.message(), "create_at": first_ms + step_ms * i as i64}});
            body.push_str(&line.to_string());
            body.push('\n');
        }
        let resp = http
            .post(&url)
            .header(COOKIE, &owner.cookie)
            .header("X-CSRF-Token", &owner.csrf)
            .header(CONTENT_TYPE, "application/x-ndjson")
            .timeout(Duration::from_secs(1800))
            .body(body)
            .send()
            .await
            .context("import request")?;
        let (v, _) = json_or_fail(resp, "import/mattermost").await?;
        let stored = v["posts"].as_u64().unwrap_or(0) as usize;
        if stored != n {
            bail!("the import stored {stored} of {n} messages: {v}");
        }
        done += n;
        eprintln!(
            "nichoir-bench: chat: archive {done}/{total} messages ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok((text, started.elapsed().as_secs_f64()))
}

/// Times `n` GETs of `url` as `m`; returns the latencies and the last answer.
async fn time_gets(http: &Client, m: &Member, url: &str, n: usize) -> (Histogram<u64>, Value) {
    let mut h = hist();
    let mut last = Value::Null;
    for _ in 0..n {
        let t = Instant::now();
        let Ok(resp) = http.get(url).header(COOKIE, &m.cookie).send().await else {
            continue;
        };
        let ok = resp.status().is_success();
        let body = resp.bytes().await.unwrap_or_default();
        if ok {
            let _ = h.record(t.elapsed().as_micros() as u64);
            last = serde_json::from_slice(&body).unwrap_or(Value::Null);
        }
    }
    (h, last)
}

fn query_escape(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn time_archive(
    http: &Client,
    ctx: &Ctx,
    owner: &Member,
    team: &str,
    text: &ArchiveText,
    total: usize,
    seed_secs: f64,
) -> Result<Archive> {
    let path = format!("/api/v1/chat/teams/{team}/channels");
    let resp = http
        .get(ctx.target.endpoint(&path))
        .header(COOKIE, &owner.cookie)
        .send()
        .await?;
    let (channels, _) = json_or_fail(resp, &path).await?;
    let list = channels.as_array().context("channel list")?;
    let archive = list
        .iter()
        .find(|c| c["name"] == "archive")
        .and_then(|c| c["id"].as_str())
        .context("the archive channel")?
        .to_string();
    let page = ctx
        .target
        .endpoint(&format!("/api/v1/chat/channels/{archive}/posts?limit=50"));
    let (newest, answer) = time_gets(http, owner, &page, 50).await;
    let top = answer["posts"]
        .as_array()
        .and_then(|p| p.iter().filter_map(|p| p["id"].as_i64()).max())
        .context("archive's newest page")?;
    let middle = ctx.target.endpoint(&format!(
        "/api/v1/chat/channels/{archive}/posts?limit=50&before={}",
        top - total as i64 / 2
    ));
    let (middle, _) = time_gets(http, owner, &middle, 50).await;
    let mut queries: Vec<(String, u64)> = vec![
        (WORDS[0].to_string(), text.counts[0]),
        (WORDS[8].to_string(), text.counts[8]),
        (WORDS[63].to_string(), text.counts[63]),
    ];
    if let Some((t, c)) = &text.sample_ticket {
        queries.push((t.clone(), *c));
    }
    queries.push((format!("{} {}", WORDS[PAIR.0], WORDS[PAIR.1]), text.pair));
    let mut searches = Vec::new();
    for (q, matching) in queries {
        let url = ctx.target.endpoint(&format!(
            "/api/v1/chat/teams/{team}/search?q={}",
            query_escape(&q)
        ));
        let (h, answer) = time_gets(http, owner, &url, 20).await;
        searches.push(TimedSearch {
            query: q,
            matching_messages: matching,
            results: answer["posts"].as_array().map_or(0, Vec::len),
            ms: LatencySummary::from_histogram(&h),
        });
    }
    Ok(Archive {
        messages: total,
        seeded_by: "POST /api/v1/chat/teams/{team}/import/mattermost (the product's import)",
        seed_secs: (seed_secs * 10.0).round() / 10.0,
        seed_messages_per_sec: (total as f64 / seed_secs.max(0.001)).round(),
        history_newest_page_ms: LatencySummary::from_histogram(&newest),
        history_middle_page_ms: LatencySummary::from_histogram(&middle),
        searches,
    })
}

async fn run(ctx: &Ctx) -> Result<Outcome> {
    let (users, idle, posters, rate) = (
        ctx.chat.users.max(2),
        ctx.chat.idle,
        ctx.chat.posters.max(1),
        ctx.chat.rate.max(1.0),
    );
    let http = ctx.target.client_builder().build()?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64 % 1_000_000_000)
        .unwrap_or(1);
    eprintln!("nichoir-bench: chat: registering {} users", users + idle);
    let everyone: Vec<Member> = stream::iter(0..users + idle)
        .map(|i| {
            let http = http.clone();
            async move { register(&http, ctx, &format!("cb{nonce}x{i}")).await }
        })
        .buffer_unordered(4)
        .try_collect()
        .await?;
    let (members, idlers) = everyone.split_at(users);
    let owner = &members[0];
    let team = format!("cb{nonce}");
    call(
        &http,
        ctx,
        owner,
        reqwest::Method::POST,
        "/api/v1/chat/teams",
        json!({"name": team, "display_name": "Bench", "open": true}),
    )
    .await?;
    let new_channel = |name: String| {
        let (http, team) = (http.clone(), team.clone());
        async move {
            let ch = call(
                &http,
                ctx,
                owner,
                reqwest::Method::POST,
                &format!("/api/v1/chat/teams/{team}/channels"),
                json!({"display_name": name, "kind": "public"}),
            )
            .await?;
            Ok::<String, anyhow::Error>(ch["id"].as_str().context("channel id")?.to_string())
        }
    };
    let channel = new_channel("Load".to_string()).await?;
    let mut idle_channels = Vec::new();
    for k in 0..idle.div_ceil(IDLE_PER_CHANNEL) {
        idle_channels.push(new_channel(format!("Idle {k}")).await?);
    }
    let joins: Vec<(Member, String)> = members
        .iter()
        .skip(1)
        .map(|m| (m.clone(), channel.clone()))
        .chain(
            idlers
                .iter()
                .enumerate()
                .map(|(i, m)| (m.clone(), idle_channels[i / IDLE_PER_CHANNEL].clone())),
        )
        .collect();
    stream::iter(joins)
        .map(|(m, ch)| {
            let (http, team) = (http.clone(), team.clone());
            async move {
                call(
                    &http,
                    ctx,
                    &m,
                    reqwest::Method::POST,
                    &format!("/api/v1/chat/teams/{team}/join"),
                    json!({}),
                )
                .await?;
                call(
                    &http,
                    ctx,
                    &m,
                    reqwest::Method::POST,
                    &format!("/api/v1/chat/channels/{ch}/join"),
                    json!({}),
                )
                .await
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await?;

    let seeded = if ctx.chat.seed_messages > 0 {
        eprintln!(
            "nichoir-bench: chat: importing {} messages into ~archive",
            ctx.chat.seed_messages
        );
        Some(seed_archive(&http, ctx, owner, &team, ctx.chat.seed_messages).await?)
    } else {
        None
    };

    // Every client listens; the channel's members time each bench message they get.
    eprintln!("nichoir-bench: chat: connecting {} sockets", everyone.len());
    let origin = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let sockets: Vec<Ws> = stream::iter(everyone.clone().into_iter().enumerate())
        .map(|(i, m)| async move { connect(ctx, i, &m).await })
        .buffered(32)
        .try_collect()
        .await?;
    let listeners: Vec<_> = sockets
        .into_iter()
        .map(|ws| tokio::spawn(listen(ws, origin, stop_rx.clone())))
        .collect();
    let sink = if ctx.chat.push > 0 {
        let sink = super::push_sink::PushSink::start(origin).await?;
        eprintln!("nichoir-bench: chat: {} push subscriptions", ctx.chat.push);
        let devices: Vec<(usize, Member)> = members
            .iter()
            .skip(1)
            .take(ctx.chat.push)
            .cloned()
            .enumerate()
            .collect();
        stream::iter(devices)
            .map(|(i, m)| {
                let (http, endpoint) = (http.clone(), sink.endpoint(i));
                async move {
                    call(
                        &http,
                        ctx,
                        &m,
                        reqwest::Method::POST,
                        "/api/v1/push/subscriptions",
                        json!({"endpoint": endpoint, "keys": {"p256dh": super::push_sink::P256DH, "auth": super::push_sink::AUTH}, "label": "bench"}),
                    )
                    .await
                }
            })
            .buffer_unordered(16)
            .try_collect::<Vec<_>>()
            .await?;
        Some(sink)
    } else {
        None
    };
    // Let the presence announcements of 1,000 people coming online die down.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Posters share the rate; the clock of the CPU figures runs over the sending window.
    eprintln!(
        "nichoir-bench: chat: sending for {} s",
        ctx.load.duration.as_secs_f64()
    );
    let server_pid = ctx.server_pid();
    let probe = Probe::start(ctx).await;
    let cpu_before = server_pid.and_then(procfs::cpu_ticks);
    let own_cpu_before = procfs::cpu_ticks(std::process::id());
    let start = Instant::now();
    let end = start + ctx.load.duration;
    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(Kinds::default());
    let max_lag_us = Arc::new(AtomicU64::new(0));
    let per_poster = Duration::from_secs_f64(posters as f64 / rate);
    let mut tasks = Vec::new();
    for (p, m) in members.iter().take(posters).enumerate() {
        let (http, m, sent, errors, max_lag_us) = (
            http.clone(),
            m.clone(),
            sent.clone(),
            errors.clone(),
            max_lag_us.clone(),
        );
        let url = ctx
            .target
            .endpoint(&format!("/api/v1/chat/channels/{channel}/posts"));
        tasks.push(tokio::spawn(async move {
            let mut next = start + per_poster.mul_f64(p as f64 / posters as f64);
            let mut k = 0u64;
            while next < end {
                tokio::time::sleep_until(next.into()).await;
                let lag = Instant::now().saturating_duration_since(next);
                max_lag_us.fetch_max(lag.as_micros() as u64, Ordering::Relaxed);
                next += per_poster;
                k += 1;
                let cid = format!("b{}x{p}", origin.elapsed().as_micros());
                let body = json!({"text": format!("message {k} from poster {p} about the budget"), "client_id": cid});
                send_counted(&http, &url, &m, &body, &sent, &errors).await;
            }
        }));
    }
    // `@channel` messages, evenly spaced in the window, by the team's owner.
    let mentions = ctx.chat.channel_mentions;
    let mention_sends = Arc::new(parking_lot::Mutex::new(Vec::<u64>::new()));
    if mentions > 0 {
        let (http, owner, sends, sent, errors) = (
            http.clone(),
            owner.clone(),
            mention_sends.clone(),
            sent.clone(),
            errors.clone(),
        );
        let url = ctx
            .target
            .endpoint(&format!("/api/v1/chat/channels/{channel}/posts"));
        let window = ctx.load.duration;
        tasks.push(tokio::spawn(async move {
            for k in 0..mentions {
                let at = start + window.mul_f64((k + 1) as f64 / (mentions + 1) as f64);
                tokio::time::sleep_until(at.into()).await;
                let now = origin.elapsed().as_micros();
                let body = json!({"text": format!("@channel meeting {k} in five minutes, budget on the agenda"), "client_id": format!("b{now}xm")});
                sends.lock().push(now as u64);
                send_counted(&http, &url, &owner, &body, &sent, &errors).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed();
    let cpu_after = server_pid.and_then(procfs::cpu_ticks);
    let own_cpu_after = procfs::cpu_ticks(std::process::id());
    let write = match &probe {
        Some((p, first)) => {
            p.finish(first, sent.load(Ordering::Relaxed), elapsed.as_secs_f64())
                .await
        }
        None => None,
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_tx.send(true);
    let mut latencies = hist();
    let (mut deliveries, mut receivers_closed) = (0u64, 0u64);
    for l in listeners {
        if let Ok(h) = l.await {
            let _ = latencies.add(&h.latency_us);
            deliveries += h.deliveries;
            receivers_closed += u64::from(h.closed);
        }
    }
    if receivers_closed > 0 {
        eprintln!(
            "nichoir-bench: chat: the server closed {receivers_closed} of {} sockets during the run (too slow for their send queue?): latency is that of the others",
            everyone.len()
        );
    }
    let push = match &sink {
        Some(sink) => {
            let expected = ctx.chat.push * mentions;
            let deadline = Instant::now() + Duration::from_secs(30);
            while sink.arrivals().len() < expected && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let sends = mention_sends.lock().clone();
            Some(push_report(
                ctx.chat.push,
                &sends,
                &sink.arrivals(),
                expected,
            ))
        }
        None => None,
    };
    let sent_n = sent.load(Ordering::Relaxed);
    let cpu_pct = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(b), Some(a)) => {
            let secs = a.saturating_sub(b) as f64 / procfs::CLOCK_TICKS_PER_SEC as f64;
            Some((secs / elapsed.as_secs_f64().max(0.001) * 1000.0).round() / 10.0)
        }
        _ => None,
    };

    // History pages and a search of the live channel, timed one after another.
    let posts_url = ctx
        .target
        .endpoint(&format!("/api/v1/chat/channels/{channel}/posts?limit=50"));
    let search_url = ctx.target.endpoint(&format!(
        "/api/v1/chat/teams/{team}/search?q=budget%20poster"
    ));
    let (history, _) = time_gets(&http, owner, &posts_url, 100).await;
    let (search, _) = time_gets(&http, owner, &search_url, 100).await;
    let archive = match seeded {
        Some((text, secs)) => Some(
            time_archive(
                &http,
                ctx,
                owner,
                &team,
                &text,
                ctx.chat.seed_messages,
                secs,
            )
            .await?,
        ),
        None => None,
    };
    let report = Report {
        scenario: "chat",
        url: ctx.target.as_str().to_string(),
        users,
        idle_clients: idle,
        connected_clients: everyone.len(),
        posters,
        target_rate: rate,
        duration_secs: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        sent: sent_n,
        persisted_per_sec: ((sent_n as f64 / elapsed.as_secs_f64()) * 10.0).round() / 10.0,
        errors: errors.total(),
        error_kinds: errors.counts(),
        max_send_lag_ms: (max_lag_us.load(Ordering::Relaxed) as f64 / 100.0).round() / 10.0,
        deliveries,
        deliveries_expected: sent_n * users as u64,
        receivers_closed,
        delivery_latency_ms: LatencySummary::from_histogram(&latencies),
        server_cpu_percent: cpu_pct(cpu_before, cpu_after),
        bench_cpu_percent: cpu_pct(own_cpu_before, own_cpu_after),
        generator_limited: generator_limited(
            cpu_pct(own_cpu_before, own_cpu_after),
            std::thread::available_parallelism().map_or(0, usize::from),
        ),
        write,
        history_page_ms: LatencySummary::from_histogram(&history),
        search_ms: LatencySummary::from_histogram(&search),
        archive,
        push,
        server_peak_rss_kib: ctx.server_pid().and_then(crate::procfs::peak_rss_kib),
    };
    Ok(Outcome::Report {
        line: serde_json::to_string(&report)?,
        sample_errors: Vec::new(),
    })
}

/// Posts `body` as `m`, counting it as sent or failed.
async fn send_counted(
    http: &Client,
    url: &str,
    m: &Member,
    body: &Value,
    sent: &AtomicU64,
    errors: &Kinds,
) {
    let r = http
        .post(url)
        .header(COOKIE, &m.cookie)
        .header("X-CSRF-Token", &m.csrf)
        .json(body)
        .send()
        .await;
    match r {
        Ok(r) if r.status().is_success() => {
            // Read the answer so the connection goes back to the pool.
            let _ = r.bytes().await;
            sent.fetch_add(1, Ordering::Relaxed);
        }
        Ok(r) => errors.note(format!("http {}", r.status().as_u16())),
        Err(e) => errors.note(client_error_kind(&e)),
    }
}

/// What failed in a request that got no answer: the stage, then the innermost cause (a reset,
/// a connection closed before the answer), without the URL.
fn client_error_kind(e: &reqwest::Error) -> String {
    let stage = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "answer"
    } else {
        "request"
    };
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("{stage}: {cause}")
}

/// Each arrival belongs to the last `@channel` message sent before it.
fn push_report(subscribed: usize, sends: &[u64], arrivals: &[u64], expected: usize) -> PushReport {
    let mut delay = hist();
    let mut bursts: Vec<(u64, u64, usize)> = vec![(u64::MAX, 0, 0); sends.len()];
    for &a in arrivals {
        if let Some(k) = sends.iter().rposition(|&s| s <= a) {
            let _ = delay.record(a - sends[k]);
            let b = &mut bursts[k];
            b.0 = b.0.min(a);
            b.1 = b.1.max(a);
            b.2 += 1;
        }
    }
    let span_us: u64 = bursts.iter().filter(|b| b.2 > 1).map(|b| b.1 - b.0).sum();
    let in_bursts: usize = bursts.iter().filter(|b| b.2 > 1).map(|b| b.2).sum();
    PushReport {
        subscribed,
        channel_mentions: sends.len(),
        expected,
        received: arrivals.len(),
        delay_ms: LatencySummary::from_histogram(&delay),
        per_sec: if span_us > 0 {
            (in_bursts as f64 / (span_us as f64 / 1e6) * 10.0).round() / 10.0
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_post_is_counted_by_its_kind() {
        // A port nothing listens on: the client's own error, named by stage and cause.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let failures = Kinds::default();
        let (sent, member) = (
            AtomicU64::new(0),
            Member {
                id: String::new(),
                cookie: String::new(),
                csrf: String::new(),
            },
        );
        let url = format!("http://127.0.0.1:{port}/api/v1/chat/channels/c/posts");
        for _ in 0..2 {
            send_counted(&Client::new(), &url, &member, &json!({}), &sent, &failures).await;
        }
        let kinds = failures.counts();
        assert_eq!(failures.total(), 2);
        assert_eq!(kinds.len(), 1, "{kinds:?}");
        assert!(
            kinds.keys().all(|k| k.starts_with("connect: ")),
            "{kinds:?}"
        );
        failures.note("http 429".into());
        assert_eq!(failures.counts().get("http 429"), Some(&1));
    }

    #[test]
    fn pushes_are_timed_from_their_message() {
        let r = push_report(
            3,
            &[1_000, 10_000],
            &[1_500, 2_000, 3_000, 10_100, 10_300],
            6,
        );
        assert_eq!(r.received, 5);
        assert_eq!(r.delay_ms.max, Some(2.0));
        // 5 pushes over 1.5 ms + 0.2 ms.
        assert!((r.per_sec - 5.0 / 0.0017).abs() < 1.0, "{}", r.per_sec);
    }

    #[test]
    fn finds_the_stamps_without_parsing() {
        let frame = br#"{"type":"event","topic":"chat:u1","from":null,"data":{"id":7,"client_id":"b123456x3","post":{}}}"#;
        let all = |m: &[u8]| stamps_micros(m).collect::<Vec<_>>();
        assert_eq!(all(frame), [123_456]);
        assert!(all(br#"{"data":{"client_id":null}}"#).is_empty());
        assert!(all(br#"{"data":{"client_id":"bx1"}}"#).is_empty());
        assert!(all(br#"{"data":{"client_id":"b"#).is_empty());
        let batch = br#"[{"data":{"client_id":"b12x"}},{"data":{"client_id":"bx"}},{"data":{"client_id":"b7x"}}]"#;
        assert_eq!(all(batch), [12, 7]);
    }

    #[test]
    fn archive_words_are_skewed_and_counted() {
        let mut a = ArchiveText::new(10_000);
        for _ in 0..10_000 {
            let m = a.message();
            assert!(m.contains("case"));
            assert!(!m.contains("budget") && !m.contains("poster"));
        }
        assert!(a.counts[0] > a.counts[8] && a.counts[8] > a.counts[63]);
        assert!(a.counts[63] > 0);
        assert!(a.sample_ticket.is_some());
    }
}
