//! Web Push delivery: each payload encrypted for one device (RFC 8291, aes128gcm), signed with
//! the server's VAPID key (RFC 8292), posted to the device's push service (RFC 8030). A queue and
//! a fixed number of sends at once: a chat message never waits for a push service, a slow one
//! holds only its own sends. Transient failures (timeouts, 429, 5xx) are retried with backoff;
//! 404/410 mean the device unsubscribed, and its subscription is forgotten.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use nichoir_core::time::now_ms;
use nichoir_storage::Db;
use tokio::sync::{mpsc, Semaphore};
use web_push_native::jwt_simple::algorithms::{
    ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair,
};
use web_push_native::jwt_simple::claims::Claims;
use web_push_native::jwt_simple::prelude::Duration as JwtDuration;
use web_push_native::{Auth, WebPushBuilder};

use crate::store::{self, SubscriptionRow};

/// Sends waiting at most; past it new ones are dropped (and logged), never queued without end.
const QUEUE: usize = 100_000;
/// Tries of one push before giving up.
const ATTEMPTS: u32 = 4;
/// Refusals in a row (4xx other than 404/410) after which a subscription is dropped.
const DROP_AFTER: i64 = 10;

/// How urgent a push is (RFC 8030 §5.3): a ringing call is high, the rest normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    High,
}

struct Job {
    sub: SubscriptionRow,
    payload: Arc<Vec<u8>>,
    ttl: Duration,
    urgency: Urgency,
    attempt: u32,
}

/// Counters for the benchmark and the admin page.
#[derive(Debug, Default)]
pub struct PushStats {
    pub sent: AtomicU64,
    pub failed: AtomicU64,
    pub pruned: AtomicU64,
    pub dropped: AtomicU64,
    pub retried: AtomicU64,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct PushCounts {
    pub sent: u64,
    pub failed: u64,
    pub pruned: u64,
    pub dropped: u64,
    pub retried: u64,
    pub queued: u64,
}

#[derive(Clone)]
pub struct PushSender {
    tx: mpsc::Sender<Job>,
    stats: Arc<PushStats>,
    public_key: String,
}

struct Shared {
    db: Db,
    key: ES256KeyPair,
    public_key: String,
    /// The VAPID header per push service (origin), signed once an hour rather than per push.
    tokens: parking_lot::Mutex<std::collections::HashMap<String, (std::time::Instant, String)>>,
    /// Devices that received a push since the last flush: their "last used" is written in one
    /// job every few seconds, not one job per push.
    used: parking_lot::Mutex<std::collections::HashSet<String>>,
    contact: String,
    /// Made at the first push: building it reads the system's certificate authorities, memory
    /// and work an instance where nobody turned push on never needs.
    http: tokio::sync::OnceCell<reqwest::Client>,
    timeout: Duration,
    stats: Arc<PushStats>,
    retry: mpsc::Sender<Job>,
}

/// A new private key, base64url (32 bytes).
pub fn new_private_key() -> String {
    URL_SAFE_NO_PAD.encode(ES256KeyPair::generate().to_bytes())
}

/// The key pair of a stored private key (base64url).
fn key_pair(private: &str) -> Result<ES256KeyPair, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(private)
        .map_err(|e| format!("VAPID key: {e}"))?;
    ES256KeyPair::from_bytes(&bytes).map_err(|e| format!("VAPID key: {e}"))
}

/// The public half, as browsers take it (base64url, 65 bytes uncompressed).
fn public_of(key: &ES256KeyPair) -> String {
    URL_SAFE_NO_PAD.encode(key.public_key().public_key().to_bytes_uncompressed())
}

/// The public key of `private`, or None when it is not one.
pub fn public_key_of(private: &str) -> Option<String> {
    key_pair(private).ok().map(|k| public_of(&k))
}

impl PushSender {
    /// Starts the sender on the current runtime.
    pub fn start(
        db: Db,
        private_key: &str,
        contact: String,
        concurrency: usize,
        timeout: Duration,
    ) -> Result<PushSender, String> {
        let key = key_pair(private_key)?;
        let public_key = public_of(&key);
        let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
        let stats = Arc::new(PushStats::default());
        let shared = Arc::new(Shared {
            db,
            key,
            public_key: public_key.clone(),
            tokens: parking_lot::Mutex::new(std::collections::HashMap::new()),
            used: parking_lot::Mutex::new(std::collections::HashSet::new()),
            contact,
            http: tokio::sync::OnceCell::new(),
            timeout,
            stats: stats.clone(),
            retry: tx.clone(),
        });
        let flusher = Arc::downgrade(&shared);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                let Some(shared) = flusher.upgrade() else {
                    break;
                };
                let ids = std::mem::take(&mut *shared.used.lock());
                if !ids.is_empty() {
                    let now = now_ms();
                    let _ = shared
                        .db
                        .write(move |c| {
                            for id in &ids {
                                store::delivered(c, id, now)?;
                            }
                            Ok(())
                        })
                        .await;
                }
            }
        });
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    send(&shared, job).await;
                    drop(permit);
                });
            }
        });
        Ok(PushSender {
            tx,
            stats,
            public_key,
        })
    }

    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Queues `payload` for each of `subs`; returns at once.
    pub fn enqueue(
        &self,
        subs: Vec<SubscriptionRow>,
        payload: Vec<u8>,
        ttl: Duration,
        urgency: Urgency,
    ) {
        let payload = Arc::new(payload);
        for sub in subs {
            let job = Job {
                sub,
                payload: payload.clone(),
                ttl,
                urgency,
                attempt: 0,
            };
            if self.tx.try_send(job).is_err() {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("push queue full: a notification was not pushed");
            }
        }
    }

    pub fn counts(&self) -> PushCounts {
        let s = &self.stats;
        PushCounts {
            sent: s.sent.load(Ordering::Relaxed),
            failed: s.failed.load(Ordering::Relaxed),
            pruned: s.pruned.load(Ordering::Relaxed),
            dropped: s.dropped.load(Ordering::Relaxed),
            retried: s.retried.load(Ordering::Relaxed),
            queued: (QUEUE - self.tx.capacity()) as u64,
        }
    }
}

/// What a push service's answer means for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// The device is gone (404, 410): forget it.
    Gone,
    /// Try again later (timeout, 429, 5xx), after this long at least.
    Later(Option<Duration>),
    /// Refused for good (400, 401, 403, 413…): count it against the subscription.
    Refused,
}

pub fn outcome(status: u16, retry_after: Option<&str>) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone,
        429 | 500..=599 => Outcome::Later(
            retry_after
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s.min(600))),
        ),
        _ => Outcome::Refused,
    }
}

/// Backoff before try `attempt` (1-based): 2 s, 8 s, 32 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(2u64 << (2 * attempt.saturating_sub(1)).min(8))
}

async fn send(shared: &Arc<Shared>, mut job: Job) {
    let result = post(shared, &job).await;
    let db = &shared.db;
    let sub_id = job.sub.id.clone();
    match result {
        Ok(Outcome::Delivered) => {
            shared.stats.sent.fetch_add(1, Ordering::Relaxed);
            let now = now_ms();
            // "Last used" to the hour is enough.
            if job.sub.last_used_at.is_none_or(|t| now - t > 3_600_000) {
                shared.used.lock().insert(sub_id);
            }
        }
        Ok(Outcome::Gone) => {
            shared.stats.pruned.fetch_add(1, Ordering::Relaxed);
            let _ = db.write(move |c| store::forget_endpoint(c, &sub_id)).await;
        }
        Ok(Outcome::Refused) => {
            shared.stats.failed.fetch_add(1, Ordering::Relaxed);
            let _ = db
                .write(move |c| store::failed(c, &sub_id, DROP_AFTER))
                .await;
        }
        Ok(Outcome::Later(after)) | Err(after) => {
            job.attempt += 1;
            if job.attempt >= ATTEMPTS {
                shared.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::info!(service = %crate::rules::service_host(&job.sub.endpoint), "push given up after {ATTEMPTS} tries");
                return;
            }
            shared.stats.retried.fetch_add(1, Ordering::Relaxed);
            let wait = after
                .unwrap_or_else(|| backoff(job.attempt))
                .max(backoff(job.attempt));
            let retry = shared.retry.clone();
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let _ = retry.try_send(job);
            });
        }
    }
}

/// The HTTP client of every push, made once (off the runtime: it reads certificate files).
async fn client(shared: &Shared) -> Result<&reqwest::Client, String> {
    let timeout = shared.timeout;
    shared
        .http
        .get_or_try_init(|| async move {
            tokio::task::spawn_blocking(move || {
                reqwest::Client::builder()
                    .timeout(timeout)
                    .connect_timeout(timeout)
                    // A push service answers; it never sends us elsewhere.
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| format!("push client: {e}"))
            })
            .await
            .map_err(|e| format!("push client: {e}"))?
        })
        .await
}

/// One try. `Err` is a failure to reach the service (retried).
async fn post(shared: &Shared, job: &Job) -> Result<Outcome, Option<Duration>> {
    let request = match build(shared, job) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("push: could not build the request: {e}");
            return Ok(Outcome::Refused);
        }
    };
    let http = match client(shared).await {
        Ok(http) => http,
        Err(e) => {
            tracing::warn!("push: {e}");
            return Err(None);
        }
    };
    let (parts, body) = request.into_parts();
    let mut req = http.post(parts.uri.to_string()).body(body).header(
        "Urgency",
        match job.urgency {
            Urgency::High => "high",
            Urgency::Normal => "normal",
        },
    );
    for (name, value) in &parts.headers {
        req = req.header(name.as_str(), value.as_bytes());
    }
    match req.send().await {
        Ok(resp) => {
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            Ok(outcome(resp.status().as_u16(), retry_after.as_deref()))
        }
        Err(e) => {
            tracing::debug!("push: {e}");
            Err(None)
        }
    }
}

fn build(shared: &Shared, job: &Job) -> Result<http::Request<Vec<u8>>, String> {
    let uri = job
        .sub
        .endpoint
        .parse()
        .map_err(|e| format!("endpoint: {e}"))?;
    let p256dh = URL_SAFE_NO_PAD
        .decode(&job.sub.p256dh)
        .map_err(|e| format!("p256dh: {e}"))?;
    let public = web_push_native::p256::PublicKey::from_sec1_bytes(&p256dh)
        .map_err(|e| format!("p256dh: {e}"))?;
    let auth = URL_SAFE_NO_PAD
        .decode(&job.sub.auth)
        .map_err(|e| format!("auth: {e}"))?;
    if auth.len() != 16 {
        return Err("auth: 16 bytes".into());
    }
    let mut request = WebPushBuilder::new(uri, public, Auth::clone_from_slice(&auth))
        .with_valid_duration(job.ttl)
        .build(job.payload.as_slice().to_vec())
        .map_err(|e| e.to_string())?;
    // VAPID (RFC 8292) signed here rather than by the builder: its `aud` must be the endpoint's
    // whole origin, port included.
    let origin = crate::rules::origin(&job.sub.endpoint).ok_or("endpoint: no origin")?;
    let value = vapid_header(shared, &origin)?;
    request.headers_mut().insert(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_str(&value).map_err(|e| e.to_string())?,
    );
    Ok(request)
}

/// `vapid t=…, k=…` for a push service: a JWT valid 12 hours, signed again after one.
fn vapid_header(shared: &Shared, origin: &str) -> Result<String, String> {
    if let Some((at, v)) = shared.tokens.lock().get(origin) {
        if at.elapsed() < Duration::from_secs(3600) {
            return Ok(v.clone());
        }
    }
    let claims = Claims::create(JwtDuration::from_hours(12))
        .with_audience(origin)
        .with_subject(&shared.contact);
    let token = shared.key.sign(claims).map_err(|e| e.to_string())?;
    let value = format!("vapid t={token}, k={}", shared.public_key);
    let mut tokens = shared.tokens.lock();
    if tokens.len() > 1000 {
        tokens.clear();
    }
    tokens.insert(
        origin.to_string(),
        (std::time::Instant::now(), value.clone()),
    );
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_mean_what_rfc_8030_says() {
        assert_eq!(outcome(201, None), Outcome::Delivered);
        assert_eq!(outcome(410, None), Outcome::Gone);
        assert_eq!(outcome(404, None), Outcome::Gone);
        assert_eq!(outcome(503, None), Outcome::Later(None));
        assert_eq!(
            outcome(429, Some("30")),
            Outcome::Later(Some(Duration::from_secs(30)))
        );
        assert_eq!(
            outcome(429, Some("999999")),
            Outcome::Later(Some(Duration::from_secs(600)))
        );
        assert_eq!(outcome(413, None), Outcome::Refused);
        assert_eq!(outcome(403, None), Outcome::Refused);
    }

    #[test]
    fn backoff_grows() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(8));
        assert_eq!(backoff(3), Duration::from_secs(32));
    }

    #[test]
    fn a_key_round_trips_to_its_public_half() {
        let k = new_private_key();
        let public = public_key_of(&k).expect("a key");
        assert_eq!(URL_SAFE_NO_PAD.decode(public).expect("b64").len(), 65);
        assert!(public_key_of("not a key").is_none());
    }
}
