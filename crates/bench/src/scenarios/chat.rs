//! `chat`: a team where `--chat-users` people (registered first; the server must allow open
//! registration) are all in one channel, each with a WebSocket on their `chat:<id>` topic;
//! `--chat-posters` of them post at a total of `--chat-rate` messages per second. Every receiver
//! times each message from its send to its arrival. Then it times history pages of 50 messages
//! and a search. Prints its own report.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use futures_util::SinkExt;
use hdrhistogram::Histogram;
use parking_lot::Mutex;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::Client;
use serde::Serialize;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use super::http::cookie_header;
use super::{Ctx, Outcome, Scenario};
use crate::load::LatencySummary;

pub struct Chat;

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

#[derive(Serialize)]
struct Report {
    scenario: &'static str,
    url: String,
    users: usize,
    posters: usize,
    target_rate: f64,
    duration_secs: f64,
    sent: u64,
    persisted_per_sec: f64,
    errors: u64,
    deliveries: u64,
    deliveries_expected: u64,
    delivery_latency_ms: LatencySummary,
    history_page_ms: LatencySummary,
    search_ms: LatencySummary,
    server_peak_rss_kib: Option<u64>,
}

impl Scenario for Chat {
    fn name(&self) -> &'static str {
        "chat"
    }
    fn description(&self) -> &'static str {
        "--chat-users in one channel with a socket each, --chat-posters posting --chat-rate msg/s: send-to-receive latency at every receiver, history pages, search"
    }
    fn load_summary(&self, ctx: &Ctx) -> String {
        format!(
            "{} users, {} posting {} msg/s",
            ctx.chat.users, ctx.chat.posters, ctx.chat.rate
        )
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move { run(ctx).await }.boxed()
    }
}

async fn run(ctx: &Ctx) -> Result<Outcome> {
    let (users, posters, rate) = (
        ctx.chat.users.max(2),
        ctx.chat.posters.max(1),
        ctx.chat.rate.max(1.0),
    );
    let http = ctx.target.client_builder().build()?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64 % 1_000_000_000)
        .unwrap_or(1);
    eprintln!("nichoir-bench: chat: registering {users} users");
    let members: Vec<Member> = stream::iter(0..users)
        .map(|i| {
            let http = http.clone();
            async move { register(&http, ctx, &format!("cb{nonce}x{i}")).await }
        })
        .buffer_unordered(4)
        .try_collect()
        .await?;
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
    let ch = call(
        &http,
        ctx,
        owner,
        reqwest::Method::POST,
        &format!("/api/v1/chat/teams/{team}/channels"),
        json!({"display_name": "Load", "kind": "public"}),
    )
    .await?;
    let channel = ch["id"].as_str().context("channel id")?.to_string();
    stream::iter(members.iter().skip(1).cloned().collect::<Vec<_>>())
        .map(|m| {
            let (http, team, channel) = (http.clone(), team.clone(), channel.clone());
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
                    &format!("/api/v1/chat/channels/{channel}/join"),
                    json!({}),
                )
                .await
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await?;

    // Every member listens; each arrival of a bench message records its latency.
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    let latencies = Arc::new(Mutex::new(hist()));
    let deliveries = Arc::new(AtomicU64::new(0));
    let mut listeners = Vec::new();
    for m in &members {
        let mut req = ctx.target.ws_endpoint("/api/v1/ws").into_client_request()?;
        req.headers_mut()
            .insert(COOKIE, HeaderValue::from_str(&m.cookie)?);
        let (mut ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .context("WebSocket")?;
        ws.send(Message::Text(
            json!({"type": "subscribe", "topic": format!("chat:{}", m.id)}).to_string(),
        ))
        .await?;
        let (sent_at, latencies, deliveries) =
            (sent_at.clone(), latencies.clone(), deliveries.clone());
        listeners.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(t) = msg else { continue };
                if !t.contains("\"posted\"") {
                    continue;
                }
                let now = Instant::now();
                let Ok(v) = serde_json::from_str::<Value>(&t) else {
                    continue;
                };
                if let Some(cid) = v["data"]["client_id"].as_str() {
                    if let Some(at) = sent_at.lock().get(cid).copied() {
                        let _ = latencies
                            .lock()
                            .record(now.duration_since(at).as_micros() as u64);
                        deliveries.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Posters share the rate.
    let start = Instant::now();
    let end = start + ctx.load.duration;
    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let per_poster = Duration::from_secs_f64(posters as f64 / rate);
    let mut tasks = Vec::new();
    for (p, m) in members.iter().take(posters).enumerate() {
        let (http, m, channel, sent_at, sent, errors) = (
            http.clone(),
            m.clone(),
            channel.clone(),
            sent_at.clone(),
            sent.clone(),
            errors.clone(),
        );
        let url = ctx
            .target
            .endpoint(&format!("/api/v1/chat/channels/{channel}/posts"));
        tasks.push(tokio::spawn(async move {
            let mut next = start + per_poster.mul_f64(p as f64 / posters as f64);
            let mut k = 0u64;
            while next < end {
                tokio::time::sleep_until(next.into()).await;
                next += per_poster;
                k += 1;
                let cid = format!("b{p}-{k}");
                sent_at.lock().insert(cid.clone(), Instant::now());
                let r = http.post(&url).header(COOKIE, &m.cookie).header("X-CSRF-Token", &m.csrf)
                    .json(&json!({"text": format!("message {k} from poster {p} about the budget"), "client_id": cid})).send().await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    for l in &listeners {
        l.abort();
    }
    let sent_n = sent.load(Ordering::Relaxed);

    // History pages and a search, timed one after another.
    let mut history = hist();
    let mut search = hist();
    let posts_url = ctx
        .target
        .endpoint(&format!("/api/v1/chat/channels/{channel}/posts?limit=50"));
    let search_url = ctx.target.endpoint(&format!(
        "/api/v1/chat/teams/{team}/search?q=budget%20poster"
    ));
    for _ in 0..100 {
        let t = Instant::now();
        let ok = http
            .get(&posts_url)
            .header(COOKIE, &owner.cookie)
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        if ok {
            let _ = history.record(t.elapsed().as_micros() as u64);
        }
        let t = Instant::now();
        let ok = http
            .get(&search_url)
            .header(COOKIE, &owner.cookie)
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        if ok {
            let _ = search.record(t.elapsed().as_micros() as u64);
        }
    }
    let report = Report {
        scenario: "chat",
        url: ctx.target.as_str().to_string(),
        users,
        posters,
        target_rate: rate,
        duration_secs: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        sent: sent_n,
        persisted_per_sec: ((sent_n as f64 / elapsed.as_secs_f64()) * 10.0).round() / 10.0,
        errors: errors.load(Ordering::Relaxed),
        deliveries: deliveries.load(Ordering::Relaxed),
        deliveries_expected: sent_n * users as u64,
        delivery_latency_ms: LatencySummary::from_histogram(&latencies.lock()),
        history_page_ms: LatencySummary::from_histogram(&history),
        search_ms: LatencySummary::from_histogram(&search),
        server_peak_rss_kib: ctx.server_pid().and_then(crate::procfs::peak_rss_kib),
    };
    Ok(Outcome::Report {
        line: serde_json::to_string(&report)?,
        sample_errors: Vec::new(),
    })
}
