//! The bounded closed-loop load driver shared by every scenario.
//!
//! `concurrency` workers each run one request at a time, back to back, until the duration has
//! elapsed or the request cap is used up. Per-worker setup (e.g. a login) happens before the
//! clock starts. A request still running past the end is given a short grace period, then
//! abandoned and counted as an error, so a run always ends by itself.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::time::Instant;

/// How long a request may still run after the end of the run before it is abandoned.
const GRACE: Duration = Duration::from_secs(5);
/// Latencies are recorded in microseconds, from 1 µs to 1 h, with 3 significant figures.
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// The bounds of one run.
#[derive(Debug, Clone, Copy)]
pub struct LoadConfig {
    pub concurrency: usize,
    pub duration: Duration,
    pub max_requests: Option<u64>,
}

/// Latency percentiles in milliseconds; `None` when no request succeeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

impl LatencySummary {
    /// Percentiles of a histogram of microsecond values, converted to milliseconds
    /// (rounded to the microsecond).
    pub fn from_histogram(hist: &Histogram<u64>) -> Self {
        if hist.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| Some(us as f64 / 1000.0);
        Self {
            p50: ms(hist.value_at_quantile(0.50)),
            p95: ms(hist.value_at_quantile(0.95)),
            p99: ms(hist.value_at_quantile(0.99)),
            max: ms(hist.max()),
        }
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct LoadStats {
    /// Requests that completed (successfully or not), plus abandoned ones.
    pub requests: u64,
    /// Non-2xx answers, transport errors and abandoned requests.
    pub errors: u64,
    /// Wall time from the start of the first request to the end of the last one.
    pub elapsed: Duration,
    /// Latency of the successful requests, in microseconds.
    pub latency_us: Histogram<u64>,
    /// A few error descriptions, for the operator (printed on stderr).
    pub sample_errors: Vec<String>,
}

impl LoadStats {
    pub fn throughput_rps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }
}

pub(crate) fn new_histogram() -> Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).context("latency histogram")
}

pub(crate) fn record(hist: &mut Histogram<u64>, elapsed: Duration) {
    let us = u64::try_from(elapsed.as_micros())
        .unwrap_or(MAX_LATENCY_US)
        .clamp(1, MAX_LATENCY_US);
    hist.saturating_record(us);
}

/// Runs `op` in a closed loop on `cfg.concurrency` workers.
///
/// `setup(worker_index)` prepares each worker's state (run before timing starts; any failure
/// aborts the run). `op(state)` performs one request: `Ok(())` for a 2xx, `Err(description)`
/// for anything else.
pub async fn drive<S, Setup, SetupFut, Op, OpFut>(
    cfg: LoadConfig,
    setup: Setup,
    op: Op,
) -> Result<LoadStats>
where
    S: Clone + Send + Sync + 'static,
    Setup: Fn(usize) -> SetupFut,
    SetupFut: Future<Output = Result<S>>,
    Op: Fn(S) -> OpFut + Send + Sync + 'static,
    OpFut: Future<Output = Result<(), String>> + Send + 'static,
{
    let concurrency = cfg.concurrency.max(1);
    // The first worker sets up alone, so bad credentials cost one failed login, not one per
    // worker (the server throttles failed logins); the others then set up together.
    let first = setup(0).await.context("worker setup failed")?;
    let mut states = vec![first];
    states.extend(
        futures_util::future::try_join_all((1..concurrency).map(&setup))
            .await
            .context("worker setup failed")?,
    );

    let op = Arc::new(op);
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + cfg.duration;
    let hard_deadline = deadline + GRACE;

    let mut workers = Vec::with_capacity(concurrency);
    for state in states {
        let op = Arc::clone(&op);
        let issued = Arc::clone(&issued);
        let max_requests = cfg.max_requests;
        workers.push(tokio::spawn(async move {
            let mut hist = new_histogram()?;
            let (mut requests, mut errors) = (0u64, 0u64);
            let mut sample_errors = Vec::new();
            loop {
                if Instant::now() >= deadline {
                    break;
                }
                if let Some(cap) = max_requests {
                    if issued.fetch_add(1, Ordering::Relaxed) >= cap {
                        break;
                    }
                }
                let began = Instant::now();
                let outcome = tokio::time::timeout_at(hard_deadline, op(state.clone())).await;
                let took = began.elapsed();
                requests += 1;
                let failure = match outcome {
                    Ok(Ok(())) => {
                        record(&mut hist, took);
                        continue;
                    }
                    Ok(Err(e)) => e,
                    Err(_) => "abandoned: still running after the end of the run".to_owned(),
                };
                errors += 1;
                if sample_errors.len() < 3 {
                    sample_errors.push(failure);
                }
            }
            anyhow::Ok((hist, requests, errors, sample_errors))
        }));
    }

    let mut stats = LoadStats {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latency_us: new_histogram()?,
        sample_errors: Vec::new(),
    };
    for worker in workers {
        let (hist, requests, errors, samples) = worker.await.context("worker panicked")??;
        stats.requests += requests;
        stats.errors += errors;
        stats
            .latency_us
            .add(&hist)
            .context("merging latency histograms")?;
        for s in samples {
            if stats.sample_errors.len() < 5 && !stats.sample_errors.contains(&s) {
                stats.sample_errors.push(s);
            }
        }
    }
    stats.elapsed = start.elapsed();
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist_of_ms(values: impl IntoIterator<Item = u64>) -> Histogram<u64> {
        let mut h = new_histogram().expect("histogram");
        for v in values {
            record(&mut h, Duration::from_millis(v));
        }
        h
    }

    fn close(actual: Option<f64>, expected: f64) -> bool {
        // 3 significant figures: within 0.1 % (plus rounding to the microsecond).
        actual.is_some_and(|a| (a - expected).abs() <= expected * 0.001 + 0.001)
    }

    #[test]
    fn empty_histogram_gives_nulls() {
        let s = LatencySummary::from_histogram(&new_histogram().expect("histogram"));
        assert_eq!(s, LatencySummary::default());
        let json = serde_json::to_value(s).expect("json");
        assert!(json["p50"].is_null() && json["max"].is_null());
    }

    #[test]
    fn percentiles_of_one_to_a_hundred() {
        let s = LatencySummary::from_histogram(&hist_of_ms(1..=100));
        assert!(close(s.p50, 50.0), "{s:?}");
        assert!(close(s.p95, 95.0), "{s:?}");
        assert!(close(s.p99, 99.0), "{s:?}");
        assert!(close(s.max, 100.0), "{s:?}");
    }

    #[test]
    fn percentiles_with_a_long_tail() {
        // 990 fast requests and 10 very slow ones: p50/p95 stay fast, p99 and max see the tail.
        let values = std::iter::repeat_n(2, 990).chain(std::iter::repeat_n(2000, 10));
        let s = LatencySummary::from_histogram(&hist_of_ms(values));
        assert!(close(s.p50, 2.0), "{s:?}");
        assert!(close(s.p95, 2.0), "{s:?}");
        assert!(close(s.p99, 2.0), "{s:?}");
        assert!(close(s.max, 2000.0), "{s:?}");

        let values = std::iter::repeat_n(2, 980).chain(std::iter::repeat_n(2000, 20));
        let s = LatencySummary::from_histogram(&hist_of_ms(values));
        assert!(close(s.p99, 2000.0), "{s:?}");
    }

    #[test]
    fn sub_microsecond_and_huge_values_are_clamped() {
        let mut h = new_histogram().expect("histogram");
        record(&mut h, Duration::from_nanos(10));
        record(&mut h, Duration::from_secs(100_000));
        assert_eq!(h.len(), 2);
        assert_eq!(h.min(), 1);
    }

    #[test]
    fn throughput_is_requests_per_second() {
        let stats = LoadStats {
            requests: 500,
            errors: 0,
            elapsed: Duration::from_secs(2),
            latency_us: new_histogram().expect("histogram"),
            sample_errors: Vec::new(),
        };
        assert!((stats.throughput_rps() - 250.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn stops_at_the_request_cap() {
        let cfg = LoadConfig {
            concurrency: 4,
            duration: Duration::from_secs(30),
            max_requests: Some(103),
        };
        let stats = drive(
            cfg,
            |i| async move { Ok(i) },
            |i: usize| async move {
                tokio::task::yield_now().await; // let the workers take turns
                if i == 0 {
                    Err("worker 0 fails".to_owned())
                } else {
                    Ok(())
                }
            },
        )
        .await
        .expect("run");
        assert_eq!(stats.requests, 103);
        assert!(stats.errors > 0 && stats.errors < 103);
        assert_eq!(stats.latency_us.len(), stats.requests - stats.errors);
        assert_eq!(stats.sample_errors, vec!["worker 0 fails".to_owned()]);
        assert!(stats.elapsed < Duration::from_secs(30));
    }

    #[tokio::test]
    async fn stops_after_the_duration() {
        let cfg = LoadConfig {
            concurrency: 2,
            duration: Duration::from_millis(200),
            max_requests: None,
        };
        let stats = drive(
            cfg,
            |_| async { Ok(()) },
            |()| async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok(())
            },
        )
        .await
        .expect("run");
        assert!(stats.requests >= 2 && stats.errors == 0);
        assert!(stats.elapsed >= Duration::from_millis(200));
        assert!(stats.elapsed < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn setup_failure_aborts_the_run() {
        let cfg = LoadConfig {
            concurrency: 2,
            duration: Duration::from_secs(1),
            max_requests: None,
        };
        let err = drive(
            cfg,
            |i| async move {
                if i == 1 {
                    anyhow::bail!("login refused")
                }
                Ok(())
            },
            |()| async { Ok(()) },
        )
        .await
        .expect_err("setup must fail");
        assert!(format!("{err:#}").contains("login refused"));
    }
}
