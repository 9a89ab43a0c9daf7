//! `failover`: how long a pad stays unwritable when the node that owns it is killed (`kill -9`).
//!
//! The scenario runs its own cluster of three nodes (`--nichoir-bin`, over the fresh database
//! `--database-url`, with the NATS server `--nats-url`) and three editors, one per node, each
//! appending to one pad through the Etherpad API as fast as it is answered (every such edit
//! needs the pad's owner). It then kills the pad's owner `--kills` times, starting a
//! replacement node each time. An editor whose node died moves to the next one, as through a
//! proxy. A kill's recovery time runs from the kill until every editor has had an edit, sent
//! after the kill, answered. The owner is read from `cluster_leases` with `psql`.
//!
//! `--url` is not used: the nodes are the scenario's own, on free loopback ports.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use serde::Serialize;
use serde_json::Value;

use super::{Ctx, Outcome, Scenario};

/// Options of the `failover` scenario.
#[derive(Debug, Clone, Default)]
pub struct FailoverOptions {
    pub bin: Option<PathBuf>,
    pub database_url: Option<String>,
    pub nats_url: Option<String>,
    pub kills: usize,
}

pub struct Failover;

const NODES: usize = 3;
const PAD: &str = "bench-failover";
/// Steady editing between kills.
const STEADY: Duration = Duration::from_secs(2);
/// A kill not recovered from within this long counts as a failure.
const GIVE_UP: Duration = Duration::from_secs(30);
/// One edit's HTTP timeout (an edit waits for the owner: up to 5 tries of 2 s on the node).
const EDIT_TIMEOUT: Duration = Duration::from_secs(15);

impl Scenario for Failover {
    fn name(&self) -> &'static str {
        "failover"
    }

    fn description(&self) -> &'static str {
        "kill -9 a pad's owning node N times (--kills) in a 3-node cluster it runs itself \
         (--nichoir-bin, --database-url, --nats-url): time until every editor is answered again"
    }

    fn load_summary(&self, ctx: &Ctx) -> String {
        format!("3 nodes, 3 editors, {} kills", ctx.failover.kills)
    }

    fn in_all(&self) -> bool {
        false
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move { run(ctx).await }.boxed()
    }
}

/// A node of the scenario's cluster.
struct Node {
    child: Child,
    name: String,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Cluster {
    bin: PathBuf,
    db: String,
    nats: String,
}

impl Cluster {
    fn command(&self, dir: &std::path::Path) -> Command {
        let mut c = Command::new(&self.bin);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("NICHOIR_") {
                c.env_remove(k);
            }
        }
        c.env("NICHOIR_DATA_DIR", dir)
            .env("NICHOIR_DATABASE_URL", &self.db)
            .env("NICHOIR_BACKUP_INTERVAL_HOURS", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        c
    }

    /// Starts node `name` and waits for its `listening on` line.
    fn start(&self, name: &str) -> Result<Node> {
        let dir = tempfile::tempdir()?;
        let mut cmd = self.command(dir.path());
        cmd.env("NICHOIR_LISTEN", "127.0.0.1:0")
            .env("NICHOIR_NATS_URL", &self.nats)
            .env("NICHOIR_CLUSTER_NODE_NAME", name);
        let mut child = cmd.spawn().context("start nichoir")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(url) = line.split("listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .with_context(|| format!("node {name} did not start"))?;
        Ok(Node {
            child,
            name: name.to_string(),
            url,
            _dir: dir,
        })
    }

    /// Runs a `nichoir admin …` command against the database; its standard output.
    fn admin(&self, args: &[&str], stdin: Option<&str>) -> Result<String> {
        let dir = tempfile::tempdir()?;
        let mut child = self.command(dir.path()).args(args).spawn()?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(text.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!("nichoir {args:?} failed");
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The name of the node holding `lease`, from `cluster_leases`.
    fn holder(&self, lease: &str) -> Result<Option<String>> {
        let out = Command::new("psql")
            .arg(&self.db)
            .args([
                "-Atc",
                &format!("SELECT node FROM cluster_leases WHERE name = '{lease}'"),
            ])
            .output()
            .context("psql (PostgreSQL's client) reads who owns the pad")?;
        if !out.status.success() {
            bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
        }
        let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok((!name.is_empty()).then_some(name))
    }
}

/// What the editors saw: per editor, the (sent, answered) instants of its answered edits.
struct Journal {
    answered: Mutex<Vec<Vec<(Instant, Instant)>>>,
    urls: Mutex<Vec<String>>,
    errors: std::sync::atomic::AtomicU64,
    stop: AtomicBool,
}

impl Journal {
    /// When editor `e` first had an edit sent at or after `t` answered.
    fn answered_after(&self, e: usize, t: Instant) -> Option<Instant> {
        self.answered.lock().ok()?[e]
            .iter()
            .find(|(sent, _)| *sent >= t)
            .map(|(_, done)| *done)
    }
}

async fn editor(j: Arc<Journal>, e: usize, token: String) {
    let http = reqwest::Client::new();
    let mut node = e;
    while !j.stop.load(Ordering::Relaxed) {
        let url = match j.urls.lock() {
            Ok(u) => u[node % u.len()].clone(),
            Err(_) => return,
        };
        let sent = Instant::now();
        let resp = http
            .post(format!("{url}/api/1/appendText"))
            .form(&[("apikey", token.as_str()), ("padID", PAD), ("text", "x")])
            .timeout(EDIT_TIMEOUT)
            .send()
            .await;
        match resp {
            Ok(r) => {
                let ok = r.status().is_success()
                    && r.json::<Value>().await.is_ok_and(|v| v["code"] == 0);
                if ok {
                    if let Ok(mut a) = j.answered.lock() {
                        a[e].push((sent, Instant::now()));
                    }
                } else {
                    j.errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            // Its node is gone: the next one, as a proxy would.
            Err(_) => {
                node += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[derive(Serialize)]
struct Report {
    scenario: &'static str,
    url: String,
    duration_secs: f64,
    errors: u64,
    server_peak_rss_kib: Option<u64>,
    kills: usize,
    recovered: usize,
    recovery_ms_p50: Option<u64>,
    recovery_ms_p99: Option<u64>,
    recovery_ms_max: Option<u64>,
    recovery_ms: Vec<u64>,
    edits_answered: usize,
}

async fn run(ctx: &Ctx) -> Result<Outcome> {
    let o = &ctx.failover;
    let (Some(bin), Some(db), Some(nats)) = (&o.bin, &o.database_url, &o.nats_url) else {
        bail!("failover needs --nichoir-bin, --database-url (a fresh database) and --nats-url");
    };
    let cluster = Cluster {
        bin: bin.clone(),
        db: db.clone(),
        nats: nats.clone(),
    };
    cluster.admin(
        &[
            "admin",
            "create-user",
            "--username",
            "bench",
            "--admin",
            "--password-stdin",
        ],
        Some("bench password\n"),
    )?;
    let token = cluster.admin(&["admin", "create-token", "--username", "bench"], None)?;
    let mut nodes: Vec<Node> = (1..=NODES)
        .map(|i| cluster.start(&format!("f{i}")))
        .collect::<Result<_>>()?;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/api/1/createPad", nodes[0].url))
        .form(&[("apikey", token.as_str()), ("padID", PAD), ("text", "")])
        .send()
        .await?
        .json()
        .await?;
    if created["code"] != 0 {
        bail!("createPad: {created}");
    }
    let journal = Arc::new(Journal {
        answered: Mutex::new(vec![Vec::new(); NODES]),
        urls: Mutex::new(nodes.iter().map(|n| n.url.clone()).collect()),
        errors: Default::default(),
        stop: AtomicBool::new(false),
    });
    let editors: Vec<_> = (0..NODES)
        .map(|e| tokio::spawn(editor(journal.clone(), e, token.clone())))
        .collect();
    let started = Instant::now();
    let mut recovery = Vec::new();
    let mut failures = Vec::new();
    for k in 0..ctx.failover.kills {
        tokio::time::sleep(STEADY).await;
        let Some(owner) = cluster.holder(&format!("pad:{PAD}"))? else {
            failures.push(format!("kill {k}: nobody owns the pad"));
            continue;
        };
        let Some(i) = nodes.iter().position(|n| n.name == owner) else {
            failures.push(format!("kill {k}: the owner {owner} is not a running node"));
            continue;
        };
        let killed_at = Instant::now();
        let _ = nodes[i].child.kill();
        let _ = nodes[i].child.wait();
        let mut done = None;
        while killed_at.elapsed() < GIVE_UP {
            let all: Option<Vec<Instant>> = (0..NODES)
                .map(|e| journal.answered_after(e, killed_at))
                .collect();
            if let Some(times) = all {
                done = times.into_iter().max();
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        match done {
            Some(t) => recovery.push(t.duration_since(killed_at).as_millis() as u64),
            None => failures.push(format!("kill {k}: not recovered within {GIVE_UP:?}")),
        }
        // A replacement node, under a new name (the dead one's is held a few seconds).
        let fresh = cluster.start(&format!("f{}-{k}", i + 1))?;
        if let Ok(mut urls) = journal.urls.lock() {
            urls[i] = fresh.url.clone();
        }
        nodes[i] = fresh;
        eprintln!(
            "nichoir-bench: failover: kill {} of {}: {:?} ms",
            k + 1,
            ctx.failover.kills,
            recovery.last()
        );
    }
    journal.stop.store(true, Ordering::Relaxed);
    for e in editors {
        let _ = tokio::time::timeout(EDIT_TIMEOUT, e).await;
    }
    let mut sorted = recovery.clone();
    sorted.sort_unstable();
    let pct = |p: f64| -> Option<u64> {
        (!sorted.is_empty())
            .then(|| sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1])
    };
    let answered = journal
        .answered
        .lock()
        .map(|a| a.iter().map(Vec::len).sum())
        .unwrap_or(0);
    let report = Report {
        scenario: "failover",
        url: nodes[0].url.clone(),
        duration_secs: started.elapsed().as_secs_f64(),
        errors: journal.errors.load(Ordering::Relaxed) + failures.len() as u64,
        server_peak_rss_kib: None,
        kills: ctx.failover.kills,
        recovered: recovery.len(),
        recovery_ms_p50: pct(0.5),
        recovery_ms_p99: pct(0.99),
        recovery_ms_max: sorted.last().copied(),
        recovery_ms: recovery,
        edits_answered: answered,
    };
    Ok(Outcome::Report {
        line: serde_json::to_string(&report)?,
        sample_errors: failures,
    })
}
