//! Helpers shared by the tests that run the `nichoir` binary: a command builder with a clean
//! environment, running a command to completion, a server child process, the admin CLI.
//!
//! Each test binary uses only part of this module, hence the `#[allow(dead_code)]` on the rest.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_nichoir");
/// Upper bound for a command, a server start or an expected frame on a slow, busy machine.
pub const HANG: Duration = Duration::from_secs(90);
/// Graceful shutdown after SIGTERM must finish within this.
const STOP_WAIT: Duration = Duration::from_secs(20);
pub const PASSWORD: &str = "correct horse battery staple";

/// The binary with a clean `NICHOIR_*` environment, a free port and `data_dir`.
pub fn nichoir(data_dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("NICHOIR_") {
            c.env_remove(k);
        }
    }
    if let Some(url) = database_of(data_dir) {
        c.env("NICHOIR_DATABASE_URL", url);
    }
    c.env("NICHOIR_LISTEN", "127.0.0.1:0")
        .env("NICHOIR_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// The PostgreSQL database each data dir's commands use (none: SQLite under the data dir).
static DATABASES: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// Every later command on `data` (server, admin CLI) uses the PostgreSQL database at `url`.
#[allow(dead_code)]
pub fn use_database(data: &Path, url: &str) {
    if let Ok(mut d) = DATABASES.lock() {
        d.push((data.to_path_buf(), url.to_string()));
    }
}

fn database_of(data: &Path) -> Option<String> {
    let d = DATABASES.lock().ok()?;
    d.iter().find(|(p, _)| p == data).map(|(_, u)| u.clone())
}

/// A new database on the test PostgreSQL server of `scripts/pg-server` (NICHOIR_TEST_PG_URL),
/// or None when there is none (the test is then skipped).
#[allow(dead_code)]
pub fn shared_pg_database() -> Option<String> {
    // The PostgreSQL client may not run inside the test's async runtime: a thread of its own.
    std::thread::spawn(nichoir_storage::testing::fresh_pg_database)
        .join()
        .expect("creating a database panicked")
        .expect("creating a test database")
}

const PG_SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg-server");

/// A PostgreSQL cluster of one test's own (`scripts/pg-server`), which the test may crash and
/// start again without disturbing the others; its commits are synchronous, so an acknowledged
/// one survives a crash. Removed when dropped.
#[allow(dead_code)]
pub struct PgCluster {
    pub url: String,
    dir: String,
}

#[allow(dead_code)]
impl PgCluster {
    /// None when this machine runs no PostgreSQL tests (NICHOIR_TEST_PG_URL unset).
    pub fn start() -> Option<PgCluster> {
        std::env::var("NICHOIR_TEST_PG_URL").ok()?;
        let out = Command::new(PG_SERVER)
            .arg("start")
            .env("NICHOIR_PG_DURABLE", "1")
            .output()
            .expect("run scripts/pg-server");
        assert!(out.status.success(), "pg-server start: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .map(str::to_string)
                .unwrap_or_else(|| panic!("{name} in {text}"))
        };
        Some(PgCluster {
            url: value("NICHOIR_TEST_PG_URL"),
            dir: value("NICHOIR_TEST_PG_DIR"),
        })
    }

    /// A new empty database on it.
    pub fn database(&self) -> String {
        let server = self.url.clone();
        std::thread::spawn(move || {
            nichoir_storage::testing::fresh_pg_database_on(&server, "C.UTF-8")
        })
        .join()
        .expect("creating a database panicked")
        .expect("creating a test database")
    }

    fn run(&self, what: &str) {
        let out = Command::new(PG_SERVER)
            .args([what, &self.dir])
            .output()
            .expect("run scripts/pg-server");
        assert!(out.status.success(), "pg-server {what}: {out:?}");
    }

    /// Kills the server as a crash would (`pg_ctl stop -m immediate`).
    pub fn crash(&self) {
        self.run("crash");
    }

    /// Starts it again on the same files and port.
    pub fn resume(&self) {
        self.run("resume");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new(PG_SERVER).args(["stop", &self.dir]).output();
    }
}

/// Reads a pipe to the end in a thread.
fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// How a command ended and what it printed.
pub struct Out {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Waits for `child`, killing it (and failing) if it does not exit within `limit`.
fn wait_with_limit(mut child: Child, limit: Duration) -> Out {
    let out = drain(child.stdout.take().expect("stdout piped"));
    let err = drain(child.stderr.take().expect("stderr piped"));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nichoir did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Out {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Runs the command to completion (killed if it hangs), with `stdin` piped in if given.
pub fn run(mut cmd: Command, stdin: Option<&str>) -> Out {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn nichoir");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin piped");
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    wait_with_limit(child, HANG)
}

/// `nichoir admin create-user` with PASSWORD on stdin; fails the test unless it succeeds.
pub fn create_user(data: &Path, username: &str, admin: bool) -> Out {
    let mut cmd = nichoir(data);
    cmd.args([
        "admin",
        "create-user",
        "--username",
        username,
        "--password-stdin",
    ]);
    if admin {
        cmd.arg("--admin");
    }
    let out = run(cmd, Some(&format!("{PASSWORD}\n")));
    assert!(out.status.success(), "create-user {username}: {out:?}");
    out
}

/// `nichoir admin create-token`: the new API token (one word), made for `username`.
pub fn create_token(data: &Path, username: &str) -> String {
    let mut cmd = nichoir(data);
    cmd.args(["admin", "create-token", "--username", username]);
    let out = run(cmd, None);
    assert!(out.status.success(), "create-token {username}: {out:?}");
    let token = out.stdout.trim().to_string();
    assert!(
        !token.is_empty() && !token.contains(char::is_whitespace),
        "{out:?}"
    );
    token
}

/// A `nichoir` server child process; killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the server on `data` and waits for its `listening on http://…` line.
    #[allow(dead_code)]
    pub fn start(data: &Path) -> Server {
        Server::spawn(nichoir(data))
    }

    /// As [`Server::start`], with a command prepared by the caller (more environment).
    pub fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd.spawn().expect("spawn nichoir");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Logs go to stderr: keep draining it so the server never blocks on a full pipe.
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = stderr.clone();
            let mut pipe = BufReader::new(child.stderr.take().expect("stderr piped"));
            std::thread::spawn(move || {
                let mut line = String::new();
                while matches!(pipe.read_line(&mut line), Ok(n) if n > 0) {
                    if let Ok(mut s) = stderr.lock() {
                        s.push_str(&line);
                    }
                    line.clear();
                }
            });
        }
        let mut server = Server {
            child,
            url: String::new(),
            lines,
            stderr,
        };
        let line = server.wait_line(|l| l.starts_with("listening on http://"));
        server.url = line.trim_start_matches("listening on ").trim().to_string();
        assert!(
            server.url.starts_with("http://127.0.0.1:") && !server.url.ends_with(":0"),
            "{line}"
        );
        server
    }

    /// What the server logged so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The next stdout line matching `pred` (earlier lines are skipped).
    pub fn wait_line(&self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + HANG;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("expected line not printed; stderr:\n{}", self.stderr())
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Give the stderr thread a moment to collect the last words.
                    std::thread::sleep(Duration::from_millis(200));
                    panic!(
                        "the server ended before printing the expected line; stderr:\n{}",
                        self.stderr()
                    )
                }
            }
        }
    }

    /// Sends `signal` (as `kill` spells it, e.g. `-TERM`) to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// Sends SIGTERM and waits (at most STOP_WAIT) for the process to exit.
    #[allow(dead_code)]
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal("-TERM");
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                return s;
            }
            if start.elapsed() > STOP_WAIT {
                panic!(
                    "the server did not exit within {STOP_WAIT:?} of SIGTERM; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no shutdown code runs at all.
    #[allow(dead_code)]
    pub fn kill_9(&mut self) {
        self.signal("-9");
        let start = Instant::now();
        while self.child.try_wait().expect("try_wait").is_none() {
            assert!(start.elapsed() < HANG, "the server survived kill -9");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        // A failing test shows what its servers logged last: a failure in CI is often seen once.
        if std::thread::panicking() {
            let log = self.stderr();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!("--- last lines logged by the server at {} ---", self.url);
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// An HTTP client that keeps cookies; a request that hangs fails after HANG.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(HANG)
        .build()
        .expect("http client")
}

/// A WebSocket client of the realtime endpoint.
#[allow(dead_code)]
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/api/v1/ws` on the server at `url` with an API token.
#[allow(dead_code)]
pub async fn ws_connect(url: &str, token: &str) -> Ws {
    ws_connect_with(url, "", token).await
}

/// As [`ws_connect`], with a query string (`?room=pad:…`, the hint a proxy routes by).
#[allow(dead_code)]
pub async fn ws_connect_with(url: &str, query: &str, token: &str) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    let addr = url.trim_start_matches("http://");
    let mut req = format!("ws://{addr}/api/v1/ws{query}")
        .into_client_request()
        .expect("ws request");
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    let (ws, _) = tokio::time::timeout(HANG, tokio_tungstenite::connect_async(req))
        .await
        .expect("websocket handshake hung")
        .expect("websocket upgrade");
    ws
}
