//! `/metrics`: what the host's Prometheus reads (OpenMetrics text). Off unless `metrics.enabled`;
//! then for a scraper holding `metrics.token`, or from the addresses of `metrics.allow_from`.
//!
//! Requests are counted by the route that answered them (its declared pattern and tool, never
//! the raw path: one series per route, not per pad); everything else — connections, frames,
//! topics per tool, the database writer, the process's memory — is read when scraped, from the
//! counters those parts keep anyway.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use ipnet::IpNet;
use nichoir_core::config::Config;
use nichoir_core::ErrorCode;
use nichoir_http::{client_ip, Api, ApiError, ApiResult};
use nichoir_realtime::Hub;
use nichoir_storage::Db;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    tool: &'static str,
    method: &'static str,
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    tool: &'static str,
}

type Latency = Family<ToolLabels, Histogram, fn() -> Histogram>;

/// The instance's metrics (one per server; cheap to clone).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    /// Each declared route's pattern → (pattern, tool), with `'static` labels: counting a
    /// request allocates nothing.
    routes: std::collections::HashMap<(Method, &'static str), (&'static str, &'static str)>,
    token: String,
    allow_from: Vec<IpNet>,
    trusted_proxies: Arc<Vec<IpNet>>,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

impl Metrics {
    /// `None` when `metrics.enabled` is off: nothing is counted and `/metrics` answers 404.
    pub fn new(
        config: &Config,
        api: &Api,
        hub: Hub,
        db: Db,
        trusted_proxies: Arc<Vec<IpNet>>,
    ) -> Option<Metrics> {
        if !config.metrics.enabled {
            return None;
        }
        let mut registry = Registry::with_prefix("nichoir");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by tool, method, route and status",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (until its headers), by tool",
            latency.clone(),
        );
        registry.register_collector(Box::new(Live { hub, db }));
        let routes = api
            .docs()
            .iter()
            .map(|d| ((d.method.clone(), d.path), (d.path, d.tag)))
            .collect();
        Some(Metrics {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                routes,
                token: config.metrics.token.clone(),
                // Checked when the configuration was loaded.
                allow_from: config.metrics_allow_from().unwrap_or_default(),
                trusted_proxies,
            }),
        })
    }

    fn observe(&self, method: &Method, pattern: Option<&str>, status: u16, seconds: f64) {
        let (route, tool) = pattern
            .and_then(|p| self.inner.routes.get(&(method.clone(), p)).copied())
            // Pages of the app and its files, or no route at all: one series each.
            .unwrap_or(if *method == Method::GET || *method == Method::HEAD {
                ("(web)", "web")
            } else {
                ("(none)", "none")
            });
        self.inner
            .requests
            .get_or_create(&RequestLabels {
                tool,
                method: method_label(method),
                route,
                status,
            })
            .inc();
        self.inner
            .latency
            .get_or_create(&ToolLabels { tool })
            .observe(seconds);
    }

    /// Whether this request may read the metrics: the bearer token, or an allowed address that
    /// is the client's own (a request relayed by a proxy that is not trusted could be anyone's).
    fn may_read(&self, req: &HttpRequest) -> bool {
        let inner = &self.inner;
        if !inner.token.is_empty() {
            let sent = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            if sent.is_some_and(|t| constant_time_eq(t.as_bytes(), inner.token.as_bytes())) {
                return true;
            }
        }
        let peer = req.peer_addr().map(|a| a.ip());
        let xff = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let relayed = xff.is_some() || req.headers().contains_key(header::FORWARDED);
        let client: Option<IpAddr> = match peer {
            Some(p) if relayed => {
                // Only a trusted proxy names the client; its own address never counts.
                let trusted = inner.trusted_proxies.iter().any(|n| n.contains(&p));
                client_ip(Some(p), xff, &inner.trusted_proxies).filter(|ip| trusted && *ip != p)
            }
            other => other,
        };
        client.is_some_and(|ip| inner.allow_from.iter().any(|n| n.contains(&ip)))
    }

    fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.inner.registry)?;
        Ok(out)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts every request (the middleware is installed only when metrics are on).
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().clone();
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        m.observe(
            &method,
            res.request().match_pattern().as_deref(),
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}

/// `GET /metrics`.
pub async fn serve(
    req: HttpRequest,
    metrics: Option<web::Data<Metrics>>,
) -> ApiResult<HttpResponse> {
    let Some(metrics) = metrics else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "metrics are off on this instance (metrics.enabled)",
        ));
    };
    if !metrics.may_read(&req) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "metrics are read with the scraper's token or from an allowed address",
        ));
    }
    let text = metrics
        .render()
        .map_err(|_| ApiError::new(ErrorCode::Internal, "the metrics could not be written"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}

/// What is read when scraped.
struct Live {
    hub: Hub,
    db: Db,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let hub = self.hub.stats();
        counter(
            &mut encoder,
            "realtime_frames",
            "Frames queued for WebSocket connections",
            hub.frames,
        )?;
        counter(
            &mut encoder,
            "realtime_dropped_slow",
            "WebSocket connections closed because they could not keep up",
            hub.dropped_slow,
        )?;
        gauge(
            &mut encoder,
            "websocket_connections",
            "Open WebSocket connections",
            hub.connections,
        )?;
        {
            let topics = encoder.encode_descriptor(
                "realtime_topics",
                "Topics followed, by tool (open pads, chat members' feeds, calls…)",
                None,
                prometheus_client::metrics::MetricType::Gauge,
            )?;
            let mut topics = topics;
            for k in &hub.topics {
                ConstGauge::new(to_i64(k.topics))
                    .encode(topics.encode_family(&[("tool", k.kind.as_str())])?)?;
            }
        }
        {
            let mut members = encoder.encode_descriptor(
                "realtime_members",
                "Connections following a topic, by tool",
                None,
                prometheus_client::metrics::MetricType::Gauge,
            )?;
            for k in &hub.topics {
                ConstGauge::new(to_i64(k.members))
                    .encode(members.encode_family(&[("tool", k.kind.as_str())])?)?;
            }
        }
        let w = self.db.writer_stats();
        counter(
            &mut encoder,
            "db_write_batches",
            "Transactions of the database writer",
            w.batches,
        )?;
        counter(
            &mut encoder,
            "db_write_jobs",
            "Writes committed in those transactions",
            w.jobs,
        )?;
        counter(
            &mut encoder,
            "db_write_statements",
            "Statements run by the writer",
            w.statements,
        )?;
        seconds(
            &mut encoder,
            "db_write_run_seconds",
            "Time the writer spent running writes",
            w.run_us,
        )?;
        seconds(
            &mut encoder,
            "db_write_commit_seconds",
            "Time the writer spent committing (on SQLite, mostly the disk's sync)",
            w.commit_us,
        )?;
        gauge(
            &mut encoder,
            "db_write_queue",
            "Writes waiting for the writer",
            w.queued,
        )?;
        if let Some(rss) = resident_bytes() {
            gauge(
                &mut encoder,
                "process_resident_memory_bytes",
                "Resident memory of the server",
                rss,
            )?;
        }
        Ok(())
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn counter(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    v: u64,
) -> Result<(), std::fmt::Error> {
    let c = ConstCounter::new(v);
    c.encode(e.encode_descriptor(name, help, None, c.metric_type())?)
}

fn seconds(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    micros: u64,
) -> Result<(), std::fmt::Error> {
    let c = ConstCounter::new(micros as f64 / 1e6);
    c.encode(e.encode_descriptor(name, help, None, c.metric_type())?)
}

fn gauge(e: &mut DescriptorEncoder, name: &str, help: &str, v: u64) -> Result<(), std::fmt::Error> {
    let g = ConstGauge::new(to_i64(v));
    g.encode(e.encode_descriptor(name, help, None, g.metric_type())?)
}

/// The resident set, from /proc (Linux); elsewhere the line is left out.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
