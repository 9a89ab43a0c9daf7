//! `pad-history`: builds one large pad with a long history over the real WebSocket protocol, then
//! measures what people feel on such a pad: opening it, the timeslider showing any revision, and
//! the revision list. `--requests N` revisions of `--chars C` characters each (e.g. 100,000 × 10
//! for a 1 MB pad).
//!
//! One writer appends at the end with a window of edits in flight, all based on the last revision
//! it knows: the server transforms each against the ones before it, so they keep their order.
//! The writer goes far faster than a person types: start the server with raised per-connection
//! limits (`NICHOIR_PADS_OPS_PER_SECOND=100000 NICHOIR_REALTIME_MESSAGES_PER_SECOND=100000
//! NICHOIR_REALTIME_BURST=100000`), or the build is throttled as it should be.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::{SinkExt, StreamExt};
use reqwest::header::AUTHORIZATION;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use super::{Ctx, Outcome, Scenario};
use crate::load::{new_histogram, record, LatencySummary};
use crate::procfs;

// Below the server's per-connection publish queue (64).
const WINDOW: u64 = 50;
const DEFAULT_REVISIONS: u64 = 20_000;

pub struct PadHistory;

impl Scenario for PadHistory {
    fn name(&self) -> &'static str {
        "pad-history"
    }
    fn description(&self) -> &'static str {
        "builds a pad of --requests revisions x --chars characters, then times opening it, \
         timeslider revisions and the revision list"
    }
    fn needs_credentials(&self) -> bool {
        true
    }
    fn load_summary(&self, ctx: &Ctx) -> String {
        format!(
            "{} revisions of {} chars",
            ctx.load.max_requests.unwrap_or(DEFAULT_REVISIONS),
            ctx.pad.chars
        )
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move { run(ctx).await }.boxed()
    }
}

/// A piece of text to append: readable, multi-byte now and then.
fn piece(i: u64, chars: usize) -> String {
    let alphabet = ["a", "b", "c", "d", "é", "f", " ", "g", "h", "\n"];
    (0..chars)
        .map(|k| alphabet[((i as usize).wrapping_mul(31) + k) % alphabet.len()])
        .collect()
}

async fn run(ctx: &Ctx) -> Result<Outcome> {
    let creds = ctx.require_credentials("pad-history")?;
    let revisions = ctx.load.max_requests.unwrap_or(DEFAULT_REVISIONS).max(1);
    let chars = ctx.pad.chars.max(1);
    let http = ctx.target.client_builder().build()?;
    let (token, _) =
        super::pad::create_token(&http, &ctx.target, &creds.username, &creds.password, 0x4157)
            .await?;
    let bearer = format!("Bearer {token}");
    let created: Value = http
        .post(ctx.target.endpoint("/api/v1/pads"))
        .header(AUTHORIZATION, &bearer)
        .json(&json!({}))
        .send()
        .await?
        .json()
        .await?;
    let pad = created["pad"]["id"]
        .as_str()
        .context("no pad id")?
        .to_string();
    let topic = format!("pad:{pad}");

    let mut req = ctx.target.ws_endpoint("/api/v1/ws").into_client_request()?;
    req.headers_mut()
        .insert(AUTHORIZATION, HeaderValue::from_str(&bearer)?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .context("WebSocket")?;
    let send = |v: Value| Message::Text(v.to_string());
    ws.send(send(json!({"type": "subscribe", "topic": topic})))
        .await?;

    let build_started = Instant::now();
    let (mut rev, mut len, mut seq) = (0u64, 0usize, 0u64);
    let mut errors = 0u64;
    while rev < revisions {
        let n = WINDOW.min(revisions - rev);
        for _ in 0..n {
            seq += 1;
            let text = piece(seq, chars);
            let op = if len == 0 {
                json!([text])
            } else {
                json!([len, text])
            };
            let data =
                json!({"type": "op", "client_id": "history", "seq": seq, "rev": rev, "op": op});
            ws.send(send(
                json!({"type": "publish", "topic": topic, "data": data}),
            ))
            .await?;
        }
        let mut acked = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked < n {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = tokio::time::timeout(left, ws.next())
                .await
                .context("no ack within 60 s")?;
            let Some(Ok(Message::Text(t))) = msg else {
                if msg.is_none() {
                    bail!("the server closed the connection while building the history");
                }
                continue;
            };
            let v: Value = serde_json::from_str(&t)?;
            if v["type"] == "error" {
                bail!("the server refused a message: {v}");
            }
            match v["data"]["type"].as_str() {
                Some("ack") => acked += 1,
                Some("error") => bail!("the server refused an edit: {}", v["data"]),
                _ => {}
            }
        }
        rev += n;
        len += n as usize * chars;
    }
    let build_secs = build_started.elapsed().as_secs_f64();
    let _ = ws.close(None).await;

    // What people feel: opening the pad, moving the timeslider, listing revisions.
    let get = |path: String| {
        let http = http.clone();
        let url = ctx.target.endpoint(&path);
        async move {
            let t = Instant::now();
            let resp = http.get(&url).send().await?;
            let ok = resp.status().is_success();
            let _ = resp.bytes().await?;
            anyhow::Ok((ok, t.elapsed()))
        }
    };
    let mut open = new_histogram()?;
    let mut slider = new_histogram()?;
    let mut list = new_histogram()?;
    let mut rng = 0x9e3779b97f4a7c15u64;
    let mut next = |max: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        1 + rng % max
    };
    for _ in 0..20 {
        let (ok, d) = get(format!("/api/v1/pads/{pad}")).await?;
        errors += u64::from(!ok);
        record(&mut open, d);
    }
    for _ in 0..200 {
        let (ok, d) = get(format!("/api/v1/pads/{pad}/revisions/{}", next(revisions))).await?;
        errors += u64::from(!ok);
        record(&mut slider, d);
    }
    for _ in 0..50 {
        let (ok, d) = get(format!(
            "/api/v1/pads/{pad}/revisions?before={}&limit=100",
            next(revisions)
        ))
        .await?;
        errors += u64::from(!ok);
        record(&mut list, d);
    }
    let pid = ctx.server_pid();
    let report = json!({
        "scenario": "pad-history",
        "url": ctx.target.as_str(),
        "revisions": revisions,
        "chars_per_revision": chars,
        "pad_chars": len,
        "build_secs": (build_secs * 1000.0).round() / 1000.0,
        "build_revisions_per_sec": ((revisions as f64 / build_secs) * 10.0).round() / 10.0,
        "open_ms": LatencySummary::from_histogram(&open),
        "timeslider_revision_ms": LatencySummary::from_histogram(&slider),
        "revision_list_ms": LatencySummary::from_histogram(&list),
        "duration_secs": (build_started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        "errors": errors,
        "server_peak_rss_kib": pid.and_then(procfs::peak_rss_kib),
    });
    Ok(Outcome::Report {
        line: report.to_string(),
        sample_errors: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn pieces_have_the_asked_length() {
        for i in 0..50 {
            assert_eq!(super::piece(i, 10).chars().count(), 10);
        }
    }
}
