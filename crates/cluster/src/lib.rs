//! Several Nichoir nodes over one PostgreSQL database and a NATS server. A node registers in
//! `cluster_nodes` (its index makes its realtime connection ids unique in the cluster), and its
//! hub publishes on one NATS subject what it fans out and hears what the others fan out (see
//! `nichoir_realtime::bus`). Without `cluster.nats_url` none of this runs: a lone server has
//! no bus.

mod rooms;
mod store;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use nichoir_core::config::Config;
use nichoir_realtime::bus::{Bus, Envelope, HEARTBEAT};
use nichoir_realtime::Hub;
use nichoir_storage::{Db, StorageError};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use store::MIGRATIONS;

/// How long start-up waits for NATS before refusing to start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the node's row is touched; a row touched within `NAME_HELD` belongs to a running
/// node, and a second process with the same name is refused.
const DB_HEARTBEAT: Duration = Duration::from_millis(500);
const NAME_HELD: Duration = Duration::from_secs(3);
/// A node whose row was not touched for this long (four beats missed) died: its leases may be
/// taken at once. This is most of what a node's death costs its pads and calls (BENCHMARKS.md,
/// `failover`); a live node taken for dead loses its rooms, never data (fencing).
const NODE_DEAD_MS: i64 = 4 * DB_HEARTBEAT.as_millis() as i64;
/// Messages waiting for the NATS client (a burst of fan-out); past it they are dropped.
const QUEUE: usize = 65_536;
/// The lease of the node that runs the background jobs (purges, reminders, backups…), renewed
/// every `SCHEDULER_RENEW` for `SCHEDULER_TTL`: when that node dies, another takes over within
/// the TTL. Node clocks must agree to within a few seconds (NTP): at worst two nodes run a job
/// at once, which the jobs bear (deletes, reminders claimed before they are sent).
const SCHEDULER: &str = "scheduler";
const SCHEDULER_RENEW: Duration = Duration::from_secs(5);
const SCHEDULER_TTL: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cluster.nats_url: cannot reach NATS at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("cluster.node_name: \"{0}\" is used by a running node (names must be unique)")]
    NameInUse(String),
    #[error("cluster: every node index (1 to 65535) is taken in cluster_nodes")]
    Full,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cluster: {0}")]
    Other(String),
}

/// This node in its cluster: what runs for it, until `leave`.
pub struct Cluster {
    name: String,
    index: u16,
    db: Db,
    hub: Hub,
    publisher: JoinHandle<()>,
    tasks: Vec<JoinHandle<()>>,
    runs_jobs: Arc<AtomicBool>,
    rooms: Arc<rooms::LeasedRooms>,
    /// This node's live lock (PostgreSQL frees it when the process dies).
    live: Option<nichoir_storage::SessionLock>,
}

/// The node's name: `cluster.node_name`, else the machine's host name.
pub fn node_name(config: &Config) -> String {
    let configured = config.cluster.node_name.trim();
    if !configured.is_empty() {
        return configured.to_string();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "nichoir".into())
}

/// Registers this node, connects to NATS and attaches the hub to the bus. Before the server
/// accepts its first connection.
pub async fn join(config: &Config, db: &Db, hub: &Hub) -> Result<Cluster, ClusterError> {
    let name = node_name(config);
    let index = register(db, &name).await?;
    // Held while this process lives: the others see its death at once (`store::hold_lease`).
    let live = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            db.hold_session_lock(store::LIVE_LOCK, i32::from(index))
        })
        .await
        .map_err(|e| ClusterError::Other(format!("the live lock: {e}")))?
        .map_err(|e| ClusterError::Other(format!("the live lock: {e}")))?
    };
    let url = config.cluster.nats_url.clone();
    let client = tokio::time::timeout(
        CONNECT_TIMEOUT,
        async_nats::ConnectOptions::new()
            .name(format!("nichoir {name}"))
            .event_callback(|event| async move {
                tracing::info!(%event, "NATS");
            })
            .connect(url.as_str()),
    )
    .await
    .map_err(|_| ClusterError::Unreachable {
        url: redact(&url),
        cause: format!("no answer in {} s", CONNECT_TIMEOUT.as_secs()),
    })?
    .map_err(|e| ClusterError::Unreachable {
        url: redact(&url),
        cause: e.to_string(),
    })?;
    let subject = format!("{}.hub", config.cluster.nats_subject);
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|e| ClusterError::Other(format!("subscribing to {subject}: {e}")))?;

    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    let bus = Arc::new(NatsBus {
        tx,
        dropped: AtomicU64::new(0),
    });
    hub.attach_bus(index, bus.clone())
        .map_err(|e| ClusterError::Other(e.message))?;

    let publisher = {
        let client = client.clone();
        let subject = subject.clone();
        tokio::spawn(async move {
            while let Some(payload) = rx.recv().await {
                if let Err(e) = client.publish(subject.clone(), payload.into()).await {
                    tracing::warn!(error = %e, "NATS publish failed");
                }
            }
            // The bus was dropped (the node leaves): what was queued is sent before it goes.
            let _ = client.flush().await;
        })
    };
    let receiver = {
        let hub = hub.clone();
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                match serde_json::from_slice::<Envelope>(&message.payload) {
                    Ok(envelope) => hub.on_bus(envelope),
                    Err(e) => tracing::warn!(error = %e, "unreadable message on the cluster bus"),
                }
            }
        })
    };
    let ticker = {
        let hub = hub.clone();
        let bus = bus.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            loop {
                tick.tick().await;
                hub.bus_tick();
                let dropped = bus.dropped.swap(0, Ordering::Relaxed);
                if dropped > 0 {
                    tracing::warn!(dropped, "cluster bus queue full: messages dropped");
                }
            }
        })
    };
    let beat = {
        let db = db.clone();
        let name = name.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(DB_HEARTBEAT);
            loop {
                tick.tick().await;
                let n = name.clone();
                if let Err(e) = db.write(move |c| store::heartbeat(c, &n, now_ms())).await {
                    tracing::warn!(error = %e, "cluster heartbeat not written");
                }
            }
        })
    };
    let rooms = Arc::new(rooms::LeasedRooms::new(db.clone(), name.clone(), index));
    hub.attach_rooms(rooms.clone());
    let renewer = {
        let rooms = rooms.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(rooms::RENEW);
            loop {
                tick.tick().await;
                rooms.renew().await;
            }
        })
    };
    let runs_jobs = Arc::new(AtomicBool::new(false));
    let scheduler = {
        let (db, name, runs_jobs) = (db.clone(), name.clone(), runs_jobs.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SCHEDULER_RENEW);
            loop {
                tick.tick().await;
                let n = name.clone();
                let now = now_ms();
                let until = now + SCHEDULER_TTL.as_millis() as i64;
                let held = db
                    .write(move |c| {
                        store::hold_lease(c, SCHEDULER, &n, now, until, now - NODE_DEAD_MS)
                    })
                    .await
                    .unwrap_or(false);
                if held != runs_jobs.swap(held, Ordering::Relaxed) {
                    tracing::info!(node = %name, held, "background jobs: this node's turn changed");
                }
            }
        })
    };
    drop(bus);
    tracing::info!(node = %name, index, subject = %subject, "joined the cluster");
    Ok(Cluster {
        name,
        index,
        db: db.clone(),
        hub: hub.clone(),
        publisher,
        tasks: vec![receiver, ticker, beat, scheduler, renewer],
        runs_jobs,
        rooms,
        live,
    })
}

impl Cluster {
    pub fn index(&self) -> u16 {
        self.index
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this node runs the background jobs now (one node of the cluster at a time).
    pub fn runs_jobs(&self) -> Arc<AtomicBool> {
        self.runs_jobs.clone()
    }

    /// What hands this node's rooms over when it starts stopping (before its sockets close).
    pub fn drainer(&self) -> Drainer {
        Drainer(self.rooms.clone())
    }

    /// Tells the other nodes this one stops, sends what is queued, and frees the node's name.
    pub async fn leave(mut self) {
        for t in &self.tasks {
            t.abort();
        }
        // The rooms first: the others may take them as soon as they hear this node leave.
        self.rooms.drain().await;
        self.hub.leave_cluster();
        // The hub holds the bus, and so the publisher's queue, until its handlers are dropped:
        // give the queue a moment to drain instead of waiting for that.
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while !self.publisher.is_finished() {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if self.hub.bus_idle() {
                    break;
                }
            }
        })
        .await;
        let name = self.name.clone();
        let released = self
            .db
            .write(move |c| {
                store::release_lease(c, SCHEDULER, &name)?;
                store::stopped(c, &name)
            })
            .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "cluster: the node's row and lease were not released");
        }
        // Its thread is joined: off the async runtime.
        if let Some(live) = self.live.take() {
            let _ = tokio::task::spawn_blocking(move || drop(live)).await;
        }
    }
}

/// Hands a stopping node's rooms over (see `Cluster::drainer`).
pub struct Drainer(Arc<rooms::LeasedRooms>);

impl Drainer {
    /// The node takes no room any more and gives up those it holds; the tools let go of them.
    pub async fn drain(&self) {
        self.0.drain().await;
    }
}

/// The NATS side of the hub's bus: a queue to the task that publishes.
struct NatsBus {
    tx: mpsc::Sender<Vec<u8>>,
    dropped: AtomicU64,
}

impl Bus for NatsBus {
    fn publish(&self, envelope: &Envelope) {
        let Ok(payload) = serde_json::to_vec(envelope) else {
            return;
        };
        if self.tx.try_send(payload).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn idle(&self) -> bool {
        self.tx.capacity() == self.tx.max_capacity()
    }
}

async fn register(db: &Db, name: &str) -> Result<u16, ClusterError> {
    // Two nodes starting together may pick the same free index: the second insert fails on
    // the unique index, and it simply tries again.
    let mut last = None;
    for _ in 0..5 {
        let n = name.to_string();
        let now = now_ms();
        let held = now - NAME_HELD.as_millis() as i64;
        match db.write(move |c| store::register(c, &n, now, held)).await {
            Ok(store::Registered::Index(i)) => return Ok(i),
            Ok(store::Registered::NameInUse) => {
                return Err(ClusterError::NameInUse(name.to_string()))
            }
            Ok(store::Registered::Full) => return Err(ClusterError::Full),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(last.map_or_else(
        || ClusterError::Other("registration failed".into()),
        Into::into,
    ))
}

fn now_ms() -> i64 {
    nichoir_core::time::now_ms()
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            super::redact("nats://nichoir:secret@bus:4222"),
            "nats://…@bus:4222"
        );
        assert_eq!(super::redact("nats://bus:4222"), "nats://bus:4222");
    }
}
