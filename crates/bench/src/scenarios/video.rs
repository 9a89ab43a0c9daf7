//! `video`: one call of `--participants` people (webrtc-rs participants from
//! nichoir-video-client, guests), each publishing ~1 Mbit/s of synthetic VP8 (30 fps) and
//! ~40 kbit/s of Opus (20 ms frames) and receiving everyone else through the server's SFU.
//!
//! Once every participant receives every other one's microphone and camera, the counters are
//! reset and the run lasts `--duration` seconds. Every packet carries its send time and its
//! position in its stream (a trailer at the end of the payload), so each receiver measures the
//! forwarding latency (send → receive, same clock) and the loss (positions never received,
//! between the first and the last one received in the window). Prints its own report, with the
//! server's CPU and memory read from /proc.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use nichoir_video_client::{
    Identity, JoinOptions, MediaOptions, Participant, Source, Totals, VideoShape,
};
use serde::Serialize;
use serde_json::json;

use super::{Ctx, Outcome, Scenario};
use crate::load::LatencySummary;
use crate::procfs;

pub struct Video;

/// Options of the `video` scenario.
#[derive(Debug, Clone, Copy)]
pub struct VideoOptions {
    pub participants: usize,
    /// Camera bitrate of each participant, kbit/s.
    pub video_kbps: u64,
}

/// How long everyone may take to receive everyone else before the run starts.
const SETUP_TIMEOUT: Duration = Duration::from_secs(120);
/// Left between "everyone receives everyone" and the start of the measurement.
const WARM_UP: Duration = Duration::from_secs(2);

#[derive(Serialize)]
struct Report {
    scenario: &'static str,
    url: String,
    participants: usize,
    duration_secs: f64,
    /// Join failures and client-side signalling failures.
    errors: u64,
    /// RTP packets all publishers sent per second (video + audio).
    sent_packets_per_sec: f64,
    /// Packets received per second by all participants: what the SFU forwarded.
    forwarded_packets_per_sec: f64,
    /// `sent × (participants − 1)`: what full forwarding would deliver.
    expected_forward_per_sec: f64,
    forwarded_mbit_per_sec: f64,
    /// Send → receive time of every forwarded packet (milliseconds).
    forwarding_latency_ms: LatencySummary,
    /// Packets lost in forwarding, over what the senders sent in the window.
    loss_percent: f64,
    lost: u64,
    expected: u64,
    duplicates: u64,
    keyframe_requests: u64,
    server_cpu_percent: Option<f64>,
    bench_cpu_percent: Option<f64>,
    server_rss_kib: Option<u64>,
    server_peak_rss_kib: Option<u64>,
}

impl Scenario for Video {
    fn name(&self) -> &'static str {
        "video"
    }
    fn description(&self) -> &'static str {
        "one call of --participants webrtc participants, each sending ~1 Mbit/s VP8 + 40 kbit/s Opus and receiving all others: forwarded packets/s, latency, loss, server CPU and RSS"
    }
    fn load_summary(&self, ctx: &Ctx) -> String {
        format!(
            "{} participants, {} kbit/s video + 40 kbit/s audio each",
            ctx.video.participants, ctx.video.video_kbps
        )
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move { run(ctx).await }.boxed()
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

async fn run(ctx: &Ctx) -> Result<Outcome> {
    let n = ctx.video.participants.max(2);
    let url = ctx.target.as_str().trim_end_matches('/').to_string();
    let owner = Identity::guest(&url).await?;
    let room = owner
        .create_room(&json!({"title": "bench", "capacity": n}))
        .await
        .context("create the room (is video.max_participants at least --participants?)")?;
    let media = MediaOptions {
        camera: Some(VideoShape {
            bitrate_bps: ctx.video.video_kbps * 1000,
            ..VideoShape::default()
        }),
        ..MediaOptions::default()
    };
    eprintln!("nichoir-bench: video: {n} participants joining room {room}");
    let mut people = Vec::with_capacity(n);
    for i in 0..n {
        let opts = JoinOptions {
            identity: (i == 0).then(|| owner.clone()),
            media: media.clone(),
            timeout: Duration::from_secs(60),
            seed: i as u64 + 1,
            ..JoinOptions::default()
        };
        // In a cluster (--node-url), participants' sockets take the nodes in turn: the first
        // one's node owns the call and the others forward their signalling to it.
        let node = ctx.node(i).as_str().trim_end_matches('/').to_string();
        people.push(Participant::join(&node, &room, &format!("bench {i}"), opts).await?);
    }
    let ids: Vec<String> = people
        .iter()
        .map(|p| p.id().map(str::to_string).context("participant id"))
        .collect::<Result<_>>()?;

    // Everyone receives everyone's microphone and camera.
    let setup = Instant::now();
    loop {
        let missing: Vec<String> = people
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                ids.iter().enumerate().flat_map(move |(j, id)| {
                    [Source::Mic, Source::Camera]
                        .into_iter()
                        .filter(move |s| i != j && p.received_from(id, *s) < 5)
                        .map(move |s| format!("{i}←{j} {}", s.as_str()))
                })
            })
            .collect();
        if missing.is_empty() {
            break;
        }
        if setup.elapsed() > SETUP_TIMEOUT {
            bail!(
                "after {SETUP_TIMEOUT:?}, {} streams still missing: {:?}",
                missing.len(),
                missing.iter().take(10).collect::<Vec<_>>()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "nichoir-bench: video: everyone receives everyone after {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    tokio::time::sleep(WARM_UP).await;

    let server_pid = ctx.server_pid();
    let sent_before: u64 = people
        .iter()
        .flat_map(|p| p.senders())
        .map(|s| s.packets)
        .sum();
    let kf_before: u64 = people
        .iter()
        .flat_map(|p| p.senders())
        .map(|s| s.pli + s.fir)
        .sum();
    for p in &people {
        p.stats().reset_received();
    }
    let cpu_before = server_pid.and_then(procfs::cpu_ticks);
    let own_before = procfs::cpu_ticks(std::process::id());
    let start = Instant::now();
    tokio::time::sleep(ctx.load.duration).await;
    let elapsed = start.elapsed().as_secs_f64();
    let cpu_after = server_pid.and_then(procfs::cpu_ticks);
    let own_after = procfs::cpu_ticks(std::process::id());
    let streams: Vec<_> = people.iter().flat_map(|p| p.streams()).collect();
    let senders: Vec<_> = people.iter().flat_map(|p| p.senders()).collect();
    let server_rss = server_pid.and_then(procfs::rss_kib);

    let sent = senders.iter().map(|s| s.packets).sum::<u64>() - sent_before;
    let keyframe_requests = senders.iter().map(|s| s.pli + s.fir).sum::<u64>() - kf_before;
    let totals = Totals::of(streams.iter().filter(|s| s.key.participant.is_some()));
    let bytes: u64 = streams.iter().map(|s| s.bytes).sum();
    let failures: u64 = people.iter().map(|p| p.failures().len() as u64).sum();
    let cpu_pct = |a: Option<u64>, b: Option<u64>| -> Option<f64> {
        let ticks = b?.checked_sub(a?)?;
        let secs = ticks as f64 / procfs::CLOCK_TICKS_PER_SEC as f64;
        (elapsed > 0.0).then(|| round(secs / elapsed * 100.0, 1))
    };
    if totals.unique == 0 {
        bail!("nothing was received during the run");
    }
    let report = Report {
        scenario: "video",
        url: ctx.target.as_str().to_string(),
        participants: n,
        duration_secs: round(elapsed, 3),
        errors: failures,
        sent_packets_per_sec: round(sent as f64 / elapsed, 1),
        forwarded_packets_per_sec: round(totals.unique as f64 / elapsed, 1),
        expected_forward_per_sec: round((sent * (n as u64 - 1)) as f64 / elapsed, 1),
        forwarded_mbit_per_sec: round(bytes as f64 * 8.0 / elapsed / 1e6, 2),
        forwarding_latency_ms: LatencySummary::from_histogram(&totals.latency_us),
        loss_percent: round(totals.loss_percent(), 3),
        lost: totals.lost,
        expected: totals.expected,
        duplicates: totals.duplicates,
        keyframe_requests,
        server_cpu_percent: cpu_pct(cpu_before, cpu_after),
        bench_cpu_percent: cpu_pct(own_before, own_after),
        server_rss_kib: server_rss,
        server_peak_rss_kib: server_pid.and_then(procfs::peak_rss_kib),
    };
    let sample_errors: Vec<String> = people.iter().flat_map(|p| p.failures()).take(5).collect();
    for p in people {
        let _ = p.leave().await;
        p.close().await;
    }
    Ok(Outcome::Report {
        line: serde_json::to_string(&report)?,
        sample_errors,
    })
}
