//! What a run cost the database: the server's writer figures (`GET /api/v1/admin/storage`)
//! before and after the window, per unit of work (an acknowledged edit, a persisted message).
//! A slow disk shows as commit time per batch; write amplification as statements and bytes per
//! unit. Needs an admin account (`nichoir admin create-user --admin`); without one the report
//! says so and carries no figures.

use anyhow::{bail, Context, Result};
use reqwest::header::COOKIE;
use reqwest::Client;
use serde::{Deserialize, Serialize};

use super::http::{login_body, login_cookie, LOGIN};
use super::Ctx;

const STORAGE: &str = "/api/v1/admin/storage";

/// The server's cumulative figures (its `WriterStats`, and bytes written).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Figures {
    batches: u64,
    jobs: u64,
    statements: u64,
    run_us: u64,
    commit_us: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    backend: String,
    writer: Figures,
    bytes_written: Option<u64>,
}

/// The database's share of a run, per second of the window and per unit of work.
#[derive(Debug, Clone, Serialize)]
pub struct WriteCost {
    pub backend: String,
    /// Transactions committed per second.
    pub batches_per_sec: f64,
    /// Writer jobs per second (a job is one caller's write: a round of pad batches, a message).
    pub jobs_per_sec: f64,
    pub jobs_per_batch: f64,
    pub statements_per_unit: f64,
    /// Bytes written per unit: PostgreSQL's WAL, or on SQLite the server's own disk writes (WAL
    /// and checkpoints).
    pub bytes_per_unit: Option<f64>,
    /// Mean time per transaction running its jobs, and committing it (the disk's sync).
    pub run_ms_per_batch: f64,
    pub commit_ms_per_batch: f64,
    /// Share of the window the writer was busy (100 = never idle: the writer is the limit).
    pub writer_busy_percent: f64,
}

/// Reads the figures with an admin session.
pub struct Probe {
    client: Client,
    url: String,
    cookie: String,
}

impl Probe {
    /// Signs in with the run's account and takes the first figures; None, with the reason on
    /// stderr, when that is not possible (no account, not an admin, an older server).
    pub async fn start(ctx: &Ctx) -> Option<(Probe, Snapshot)> {
        match Self::try_start(ctx).await {
            Ok(started) => Some(started),
            Err(e) => {
                eprintln!("nichoir-bench: no database figures: {e:#}");
                None
            }
        }
    }

    async fn try_start(ctx: &Ctx) -> Result<(Probe, Snapshot)> {
        let Some(creds) = &ctx.credentials else {
            bail!("no --username/--password");
        };
        let client = ctx.target.client_builder().build()?;
        let cookie = login_cookie(
            &client,
            &ctx.target.endpoint(LOGIN),
            &login_body(&creds.username, &creds.password),
        )
        .await?;
        let probe = Probe {
            client,
            url: ctx.target.endpoint(STORAGE),
            cookie,
        };
        let first = probe.read().await?;
        Ok((probe, first))
    }

    async fn read(&self) -> Result<Snapshot> {
        let resp = self
            .client
            .get(&self.url)
            .header(COOKIE, &self.cookie)
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!(
                "GET {STORAGE}: HTTP {} (the account must be an admin)",
                resp.status()
            );
        }
        resp.json().await.context("reading the storage figures")
    }

    /// The cost of the window that `before` opened, now closed, over `units` of work.
    pub async fn finish(&self, before: &Snapshot, units: u64, secs: f64) -> Option<WriteCost> {
        match self.read().await {
            Ok(after) => Some(cost(before, &after, units, secs)),
            Err(e) => {
                eprintln!("nichoir-bench: no database figures: {e:#}");
                None
            }
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn cost(before: &Snapshot, after: &Snapshot, units: u64, secs: f64) -> WriteCost {
    let (b, a) = (&before.writer, &after.writer);
    let batches = a.batches.saturating_sub(b.batches) as f64;
    let jobs = a.jobs.saturating_sub(b.jobs) as f64;
    let run_ms = a.run_us.saturating_sub(b.run_us) as f64 / 1000.0;
    let commit_ms = a.commit_us.saturating_sub(b.commit_us) as f64 / 1000.0;
    let per = |n: f64, d: f64| if d > 0.0 { round2(n / d) } else { 0.0 };
    let units = units as f64;
    WriteCost {
        backend: after.backend.clone(),
        batches_per_sec: per(batches, secs),
        jobs_per_sec: per(jobs, secs),
        jobs_per_batch: per(jobs, batches),
        statements_per_unit: per(a.statements.saturating_sub(b.statements) as f64, units),
        bytes_per_unit: match (before.bytes_written, after.bytes_written) {
            (Some(x), Some(y)) => Some(per(y.saturating_sub(x) as f64, units)),
            _ => None,
        },
        run_ms_per_batch: per(run_ms, batches),
        commit_ms_per_batch: per(commit_ms, batches),
        writer_busy_percent: per(100.0 * (run_ms + commit_ms) / 1000.0, secs),
    }
}

/// Whether a load generator that used `bench_cpu_percent` of one core (100 = one core) may have
/// been the limit of a run: more than a third of the machine's `cores`.
pub fn generator_limited(bench_cpu_percent: Option<f64>, cores: usize) -> bool {
    bench_cpu_percent.is_some_and(|p| p > 100.0 * cores as f64 / 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(batches: u64, jobs: u64, statements: u64, us: u64, bytes: u64) -> Snapshot {
        Snapshot {
            backend: "SQLite".into(),
            writer: Figures {
                batches,
                jobs,
                statements,
                run_us: us,
                commit_us: us * 2,
            },
            bytes_written: Some(bytes),
        }
    }

    #[test]
    fn cost_is_per_second_and_per_unit() {
        let c = cost(
            &snap(10, 20, 100, 1_000, 4096),
            &snap(110, 1_020, 4_100, 201_000, 4096 + 800_000),
            2_000,
            2.0,
        );
        assert_eq!(c.batches_per_sec, 50.0);
        assert_eq!(c.jobs_per_sec, 500.0);
        assert_eq!(c.jobs_per_batch, 10.0);
        assert_eq!(c.statements_per_unit, 2.0);
        assert_eq!(c.bytes_per_unit, Some(400.0));
        assert_eq!(c.run_ms_per_batch, 2.0);
        assert_eq!(c.commit_ms_per_batch, 4.0);
        assert_eq!(c.writer_busy_percent, 30.0);
    }

    #[test]
    fn a_third_of_the_machine_is_the_generators_limit() {
        assert!(!generator_limited(Some(66.0), 2));
        assert!(generator_limited(Some(67.0), 2));
        assert!(!generator_limited(None, 2));
    }
}
