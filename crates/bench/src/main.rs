//! `nichoir-bench`: a bounded load generator for a Nichoir server running on this machine.
//!
//! It talks to the server over HTTP and its realtime WebSocket only (the wire protocol, no
//! server crate), refuses any non-loopback target, stops by itself after `--duration` seconds or
//! `--requests` requests, and prints one JSON object per scenario on stdout (diagnostics go to
//! stderr).

mod load;
mod ot;
mod otclient;
mod procfs;
mod scenarios;
mod target;

// The generator shares the machine with the server: a cheaper allocator leaves it more.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::Parser;
use serde::Serialize;

use crate::load::{LatencySummary, LoadConfig, LoadStats};
use crate::scenarios::{
    ChatOptions, Credentials, Ctx, FailoverOptions, Outcome, PadOptions, Scenario, VideoOptions,
    WikiOptions,
};
use crate::target::Target;

/// Bounded HTTP load generator for a Nichoir server on this machine (loopback only).
///
/// Prints one JSON object per scenario on stdout: scenario, url, concurrency, duration_secs
/// (measured wall time), requests, errors (non-2xx and transport errors), throughput_rps,
/// latency_ms {p50,p95,p99,max} of the successful requests, and server_peak_rss_kib (VmHWM of
/// the server process since it started; null when the process cannot be found).
///
/// The `pad` scenario prints the same keys (concurrency = sockets, requests = edits sent,
/// throughput_rps = edits acked per second, latency_ms = ack latency) plus its own: ops_sent,
/// ops_acked, ops_per_sec_acked, ack_latency_ms, broadcast_latency_ms, messages_received,
/// messages_per_sec, error_frames, disconnects, protocol_errors, error_kinds, divergent_editors
/// (must be 0; 16 editors per pad keep the whole text and are compared with the server's, all
/// are compared by length and revision), ack_worst_ms_by_second (a stall shows as one bad
/// second), lost_editors, server_cpu_seconds, server_cpu_percent, … Many sockets need many file
/// descriptors: run it (and the server) after `ulimit -n 4096` or more.
#[derive(Debug, Parser)]
#[command(name = "nichoir-bench", version)]
struct Cli {
    /// Scenario to run
    #[arg(value_name = "SCENARIO", value_parser = scenario_parser())]
    scenario: String,

    /// Base URL of the server; the host must be localhost, 127.0.0.0/8 or ::1
    #[arg(long)]
    url: String,

    /// Another node of the same cluster (repeatable; loopback only): the `chat` scenario spreads
    /// its sockets over --url and these, one after the other
    #[arg(long = "node-url")]
    node_urls: Vec<String>,

    /// Concurrent workers, each running one request at a time
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,

    /// Seconds each scenario runs for (timing starts after per-worker setup such as logins)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    duration: u64,

    /// Stop each scenario after this many requests in total (across workers)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,

    /// Existing account used by http-login and http-me
    #[arg(long, requires = "password")]
    username: Option<String>,

    /// Password of --username
    #[arg(long, requires = "username")]
    password: Option<String>,

    /// PID of the server, for its peak RSS and CPU time (default: the process listening on the
    /// URL's port)
    #[arg(long)]
    server_pid: Option<u32>,

    /// pad: editors in the pad (when --pads is 1)
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    editors: u32,

    /// pad: number of pads; above 1, each gets --editors-per-pad editors (--editors is unused)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pads: u32,

    /// pad: editors per pad when --pads is above 1
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    editors_per_pad: u32,

    /// failover: the nichoir binary whose nodes it runs
    #[arg(long)]
    nichoir_bin: Option<std::path::PathBuf>,

    /// failover: a fresh PostgreSQL database for its nodes
    #[arg(long)]
    database_url: Option<String>,

    /// failover: the NATS server its nodes use
    #[arg(long)]
    nats_url: Option<String>,

    /// failover: how many times the pad's owner is killed
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    kills: u32,

    /// pad, in a cluster: the pads are owned by --url's node and every editor connects to the
    /// --node-url nodes, so that every edit is forwarded to the owner (its cost)
    #[arg(long)]
    pad_editors_elsewhere: bool,

    /// pad: each editor types one edit every this many milliseconds
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    type_interval_ms: u64,

    /// pad: characters typed per edit (at a random position)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    chars: u32,

    /// pad: start each pad as a formatted Markdown document of this many bytes, and type
    /// formatting marks with the text (0: empty pads, plain letters)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    formatted_bytes: u32,

    /// pad: seed of the editors' random positions and text
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// chat: people in the channel, each with a socket (the server must allow open registration)
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    chat_users: u32,

    /// chat: how many of them post
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    chat_posters: u32,

    /// chat: messages per second, all posters together
    #[arg(long, default_value_t = 100.0)]
    chat_rate: f64,

    /// chat: extra connected people, in other channels of the team (50 to a channel)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    chat_idle: u32,

    /// chat: messages imported (Mattermost import) into an `archive` channel first, to time
    /// history and search over them
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    chat_seed_messages: u32,

    /// chat: members with a push subscription at the bench's own push service (the server runs
    /// with NICHOIR_PUSH_ALLOW_LOOPBACK_HTTP=true); pushes are timed from the `@channel` messages
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    chat_push: u32,

    /// chat: `@channel` messages sent during the run, evenly spaced (default: 1 when --chat-push)
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100))]
    chat_channel_mentions: Option<u32>,

    /// video: people in the call, each sending and receiving (at most the server's
    /// video.max_participants)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=50))]
    participants: u32,

    /// video: camera bitrate of each participant, kbit/s (audio adds 40)
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=20_000))]
    video_kbps: u64,

    /// wiki-view, wiki-edit: wikis in the farm built first (10 pages each)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    wikis: u32,
}

fn scenario_parser() -> PossibleValuesParser {
    let mut values: Vec<PossibleValue> = scenarios::registry()
        .iter()
        .map(|s| PossibleValue::new(s.name()).help(s.description()))
        .collect();
    values.push(PossibleValue::new(scenarios::ALL).help(scenarios::ALL_DESCRIPTION));
    PossibleValuesParser::new(values)
}

/// The JSON line printed for each scenario.
#[derive(Debug, Serialize)]
struct Report<'a> {
    scenario: &'a str,
    url: &'a str,
    concurrency: u32,
    duration_secs: f64,
    requests: u64,
    errors: u64,
    throughput_rps: f64,
    latency_ms: LatencySummary,
    server_peak_rss_kib: Option<u64>,
    /// The database writer's work per successful request (a vote, a wiki save), setup
    /// included (a few writes against thousands of requests).
    write: Option<scenarios::storage::WriteCost>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn report<'a>(
    name: &'a str,
    target: &'a Target,
    concurrency: u32,
    stats: &LoadStats,
    rss: Option<u64>,
) -> Report<'a> {
    Report {
        scenario: name,
        url: target.as_str(),
        concurrency,
        duration_secs: round3(stats.elapsed.as_secs_f64()),
        requests: stats.requests,
        errors: stats.errors,
        throughput_rps: round3(stats.throughput_rps()),
        latency_ms: LatencySummary::from_histogram(&stats.latency_us),
        server_peak_rss_kib: rss,
        write: None,
    }
}

async fn run(cli: Cli) -> Result<bool> {
    let target = Target::parse(&cli.url)?;
    let credentials = match (cli.username, cli.password) {
        (Some(username), Some(password)) => Some(Credentials { username, password }),
        _ => None,
    };
    let nodes = cli
        .node_urls
        .iter()
        .map(|u| Target::parse(u))
        .collect::<Result<Vec<_>>>()?;
    let ctx = Ctx {
        target,
        nodes,
        load: LoadConfig {
            concurrency: usize::try_from(cli.concurrency).context("concurrency")?,
            duration: Duration::from_secs(cli.duration),
            max_requests: cli.requests,
        },
        credentials,
        pad: PadOptions {
            editors: usize::try_from(cli.editors).context("editors")?,
            pads: usize::try_from(cli.pads).context("pads")?,
            editors_per_pad: usize::try_from(cli.editors_per_pad).context("editors per pad")?,
            editors_elsewhere: cli.pad_editors_elsewhere,
            type_interval: Duration::from_millis(cli.type_interval_ms),
            chars: usize::try_from(cli.chars).context("chars")?,
            seed: cli.seed,
            formatted_bytes: usize::try_from(cli.formatted_bytes).context("formatted bytes")?,
        },
        chat: ChatOptions {
            users: usize::try_from(cli.chat_users).context("chat users")?,
            posters: usize::try_from(cli.chat_posters).context("chat posters")?,
            rate: cli.chat_rate,
            idle: usize::try_from(cli.chat_idle).context("chat idle")?,
            seed_messages: usize::try_from(cli.chat_seed_messages).context("chat seed")?,
            push: usize::try_from(cli.chat_push).context("chat push")?,
            channel_mentions: usize::try_from(
                cli.chat_channel_mentions
                    .unwrap_or(u32::from(cli.chat_push > 0)),
            )
            .context("chat channel mentions")?,
        },
        wiki: WikiOptions {
            wikis: usize::try_from(cli.wikis).context("wikis")?,
        },
        video: VideoOptions {
            participants: usize::try_from(cli.participants).context("participants")?,
            video_kbps: cli.video_kbps,
        },
        failover: FailoverOptions {
            bin: cli.nichoir_bin,
            database_url: cli.database_url,
            nats_url: cli.nats_url,
            kills: cli.kills as usize,
        },
        server_pid: cli.server_pid,
    };

    let registry = scenarios::registry();
    let selected: Vec<&dyn Scenario> = if cli.scenario == scenarios::ALL {
        registry
            .iter()
            .filter(|s| s.in_all())
            .map(|s| s.as_ref())
            .collect()
    } else {
        registry
            .iter()
            .filter(|s| s.name() == cli.scenario)
            .map(|s| s.as_ref())
            .collect()
    };
    anyhow::ensure!(!selected.is_empty(), "unknown scenario {:?}", cli.scenario);

    // Fail before generating any load if a selected scenario cannot run.
    for s in &selected {
        if s.needs_credentials() {
            ctx.require_credentials(s.name())?;
        }
    }
    if cli.server_pid.is_none() && procfs::find_listening_pid(ctx.target.port()).is_none() {
        eprintln!(
            "nichoir-bench: no process found listening on port {} (server_peak_rss_kib will be \
             null; pass --server-pid to set it)",
            ctx.target.port()
        );
    }

    let mut all_ok = true;
    for s in selected {
        eprintln!(
            "nichoir-bench: {} against {} ({}, {} s{})",
            s.name(),
            ctx.target.as_str(),
            s.load_summary(&ctx),
            cli.duration,
            cli.requests
                .map(|n| format!(", at most {n} requests"))
                .unwrap_or_default()
        );
        // Closed-loop scenarios get the writer's figures around the whole run (the others take
        // them around their own window and ignore these).
        let probe = if ctx.credentials.is_some() {
            scenarios::storage::Probe::start(&ctx).await
        } else {
            None
        };
        match s.run(&ctx).await {
            Ok(Outcome::Load(stats)) => {
                for e in &stats.sample_errors {
                    eprintln!("nichoir-bench: {}: error sample: {e}", s.name());
                }
                let rss = ctx.server_pid().and_then(procfs::peak_rss_kib);
                let mut line = report(s.name(), &ctx.target, cli.concurrency, &stats, rss);
                if let Some((p, first)) = &probe {
                    line.write = p
                        .finish(
                            first,
                            stats.requests.saturating_sub(stats.errors),
                            stats.elapsed.as_secs_f64(),
                        )
                        .await;
                }
                println!("{}", serde_json::to_string(&line)?);
            }
            Ok(Outcome::Report {
                line,
                sample_errors,
            }) => {
                for e in &sample_errors {
                    eprintln!("nichoir-bench: {}: error sample: {e}", s.name());
                }
                println!("{line}");
            }
            Err(e) => {
                eprintln!("nichoir-bench: {} failed: {e:#}", s.name());
                all_ok = false;
            }
        }
    }
    Ok(all_ok)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("nichoir-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("nichoir-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_lists_every_scenario() {
        let help = Cli::command().render_long_help().to_string();
        for s in scenarios::registry() {
            assert!(help.contains(s.name()), "{help}");
            assert!(help.contains(s.description()), "{help}");
        }
        assert!(help.contains("all"));
    }

    #[test]
    fn parses_defaults_and_rejects_unknown_scenarios() {
        let cli = Cli::try_parse_from([
            "nichoir-bench",
            "http-health",
            "--url",
            "http://127.0.0.1:8080",
        ])
        .expect("parse");
        assert_eq!(
            (cli.concurrency, cli.duration, cli.requests),
            (16, 10, None)
        );
        assert_eq!(
            (
                cli.editors,
                cli.pads,
                cli.editors_per_pad,
                cli.type_interval_ms,
                cli.chars
            ),
            (50, 1, 3, 400, 4)
        );
        let cli = Cli::try_parse_from([
            "nichoir-bench",
            "pad",
            "--url",
            "http://127.0.0.1:18282",
            "--pads",
            "1000",
            "--editors-per-pad",
            "3",
            "--username",
            "bench",
            "--password",
            "x",
        ])
        .expect("parse");
        assert_eq!((cli.pads, cli.editors_per_pad), (1000, 3));
        assert!(Cli::try_parse_from([
            "nichoir-bench",
            "pad",
            "--url",
            "http://127.0.0.1",
            "--editors",
            "0"
        ])
        .is_err());
        assert!(
            Cli::try_parse_from(["nichoir-bench", "nope", "--url", "http://127.0.0.1"]).is_err()
        );
        assert!(Cli::try_parse_from([
            "nichoir-bench",
            "http-me",
            "--url",
            "http://127.0.0.1",
            "--username",
            "a"
        ])
        .is_err());
        assert!(Cli::try_parse_from([
            "nichoir-bench",
            "all",
            "--url",
            "http://127.0.0.1",
            "--concurrency",
            "0"
        ])
        .is_err());
    }

    #[test]
    fn report_has_the_documented_shape() {
        let target = Target::parse("http://127.0.0.1:8080").expect("target");
        let mut hist = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3)
            .expect("histogram");
        hist.record(1500).expect("record");
        let stats = LoadStats {
            requests: 10,
            errors: 1,
            elapsed: Duration::from_millis(2000),
            latency_us: hist,
            sample_errors: Vec::new(),
        };
        let v = serde_json::to_value(report("http-health", &target, 16, &stats, Some(4096)))
            .expect("json");
        let mut keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "concurrency",
                "duration_secs",
                "errors",
                "latency_ms",
                "requests",
                "scenario",
                "server_peak_rss_kib",
                "throughput_rps",
                "url",
                "write"
            ]
        );
        assert_eq!(v["throughput_rps"], 5.0);
        assert_eq!(v["latency_ms"]["max"], 1.5);
        assert_eq!(v["server_peak_rss_kib"], 4096);
    }
}
