//! The `nichoir` binary as a host runs it: version, configuration errors, an unusable data
//! directory, the one-time setup link, the admin commands, and backup/restore around a running
//! server stopped with SIGTERM.
//!
//! Timeouts here only bound a hang; nothing asserts how fast anything is.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_nichoir");
/// Upper bound for a command or a server start on a slow, busy machine.
const HANG: Duration = Duration::from_secs(90);
/// Graceful shutdown after SIGTERM must finish within this.
const STOP_WAIT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "correct horse battery staple";

/// The binary with a clean `NICHOIR_*` environment, a free port and `data_dir`.
fn nichoir(data_dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("NICHOIR_") {
            c.env_remove(k);
        }
    }
    c.env("NICHOIR_LISTEN", "127.0.0.1:0")
        .env("NICHOIR_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Reads a pipe to the end in a thread.
fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

struct Out {
    status: ExitStatus,
    stdout: String,
    stderr: String,
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

/// Runs the command to completion, with `stdin` piped in if given.
fn run(mut cmd: Command, stdin: Option<&str>) -> Out {
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

fn create_user(data: &Path, username: &str, admin: bool) -> Out {
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
    assert!(out.stdout.contains(username), "{out:?}");
    out
}

/// A `nichoir` server child process; killed when dropped.
struct Server {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = nichoir(data).spawn().expect("spawn nichoir");
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

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The next stdout line matching `pred` (earlier lines are skipped).
    fn wait_line(&self, pred: impl Fn(&str) -> bool) -> String {
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

    /// Sends SIGTERM and waits (at most STOP_WAIT) for the process to exit.
    fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(kill.success(), "kill -TERM {pid}");
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
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("http client")
}

async fn login(client: &reqwest::Client, url: &str, username: &str, password: &str) -> u16 {
    client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login request")
        .status()
        .as_u16()
}

#[test]
fn version_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = nichoir(&dir.path().join("data"));
    cmd.arg("--version");
    let out = run(cmd, None);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        out.stdout.trim(),
        format!("nichoir {}", env!("CARGO_PKG_VERSION")),
        "{out:?}"
    );
}

#[test]
fn config_errors_name_the_key_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[server]\nlisten_adr = \"x\"\n").expect("write config");
    let mut cmd = nichoir(&data);
    cmd.arg("--config").arg(&bad).args(["config", "check"]);
    let out = run(cmd, None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stderr.contains("server.listen_adr"), "{out:?}");

    // The same file when serving: refused before anything starts.
    let mut cmd = nichoir(&data);
    cmd.arg("--config").arg(&bad);
    let out = run(cmd, None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stderr.contains("server.listen_adr"), "{out:?}");
    assert!(!out.stdout.contains("listening"), "{out:?}");

    let mut cmd = nichoir(&data);
    cmd.env("NICHOIR_AUTH_SESSION_IDLE_HOURS", "ten")
        .args(["config", "check"]);
    let out = run(cmd, None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stderr.contains("auth.session_idle_hours"), "{out:?}");

    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[instance]\nname = \"Test\"\n",
    )
    .expect("write config");
    let mut cmd = nichoir(&data);
    cmd.arg("--config").arg(&good).args(["config", "check"]);
    let out = run(cmd, None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.contains("configuration is valid"), "{out:?}");
}

#[test]
fn unusable_data_dir_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("afile");
    std::fs::write(&file, b"not a folder").expect("write file");
    let data = file.join("data");
    let out = run(nichoir(&data), None);
    assert!(!out.status.success(), "{out:?}");
    assert!(out.stderr.contains("data directory"), "{out:?}");
    assert!(
        out.stderr.contains(&data.display().to_string()),
        "the message names the folder: {out:?}"
    );
    assert!(!out.stdout.contains("listening"), "{out:?}");
}

#[test]
fn first_start_prints_the_setup_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("data"));
    let line = server.wait_line(|l| l.contains("/setup?token="));
    let token = line
        .split("/setup?token=")
        .nth(1)
        .map(str::trim)
        .unwrap_or("");
    assert!(!token.is_empty(), "{line}");
    // The link uses the port actually bound, not the configured port 0.
    assert!(
        line.contains(&format!("{}/setup?token=", server.url)),
        "{line} (server at {})",
        server.url
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_user_and_api_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let out = create_user(&data, "admin", true);
    assert!(out.stdout.contains("admin"), "{out:?}");

    let mut cmd = nichoir(&data);
    cmd.args(["admin", "create-token", "--username", "admin"]);
    let out = run(cmd, None);
    assert!(out.status.success(), "{out:?}");
    let token = out.stdout.trim().to_string();
    assert!(
        !token.is_empty() && !token.contains(char::is_whitespace),
        "{out:?}"
    );

    let mut cmd = nichoir(&data);
    cmd.args(["admin", "create-token", "--username", "nobody"]);
    let out = run(cmd, None);
    assert!(!out.status.success(), "token for a missing user: {out:?}");

    let server = Server::start(&data);
    let client = reqwest::Client::new();
    let resp = client
        .get(format!("{}/api/v1/me", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET /me");
    assert_eq!(resp.status().as_u16(), 200);
    let me: Value = resp.json().await.expect("json");
    assert_eq!(me["user"]["username"], "admin", "{me}");
    assert_eq!(me["user"]["is_admin"], true, "{me}");

    let resp = client
        .get(format!("{}/api/v1/me", server.url))
        .bearer_auth(format!("{token}x"))
        .send()
        .await
        .expect("GET /me");
    assert_eq!(resp.status().as_u16(), 401, "wrong token");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated", "{body}");

    let browser = http();
    let resp = browser
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 200);
    let cookies: Vec<String> = resp
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("nichoir_session=")),
        "{cookies:?}"
    );
    let resp = browser
        .get(format!("{}/api/v1/me", server.url))
        .send()
        .await
        .expect("GET /me");
    assert_eq!(resp.status().as_u16(), 200);
    let me: Value = resp.json().await.expect("json");
    assert_eq!(me["user"]["username"], "admin", "{me}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_then_restore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let archive = dir.path().join("backups").join("nichoir.tar.gz");

    let mut server = Server::start(&data);
    for u in ["user1", "user2", "user3"] {
        create_user(&data, u, false);
    }
    let browser = http();
    for u in ["user1", "user2", "user3"] {
        assert_eq!(login(&browser, &server.url, u, PASSWORD).await, 200, "{u}");
    }

    // Logins (which write sessions) keep hitting the server during the backup.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
    let load = {
        let (stop, done, url) = (stop.clone(), done.clone(), server.url.clone());
        tokio::spawn(async move {
            let client = http();
            let mut first = Some(first_tx);
            let mut statuses = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let status = login(&client, &url, "user1", PASSWORD).await;
                statuses.push(status);
                done.fetch_add(1, Ordering::Relaxed);
                if let Some(tx) = first.take() {
                    let _ = tx.send(());
                }
            }
            statuses
        })
    };
    tokio::time::timeout(HANG, first_rx)
        .await
        .expect("no login answered")
        .expect("login loop died");
    let backup = {
        let mut cmd = nichoir(&data);
        cmd.arg("backup").arg(&archive);
        tokio::task::spawn_blocking(move || run(cmd, None))
            .await
            .expect("backup thread")
    };
    stop.store(true, Ordering::Relaxed);
    let statuses = load.await.expect("login loop");
    assert!(backup.status.success(), "backup: {backup:?}");
    assert!(backup.stdout.contains("backup written"), "{backup:?}");
    assert!(archive.is_file(), "no archive at {}", archive.display());
    assert!(
        statuses.iter().all(|s| *s == 200),
        "logins during the backup: {statuses:?}"
    );
    assert!(done.load(Ordering::Relaxed) >= 1);

    // Created after the backup: must be gone after the restore.
    create_user(&data, "user4", false);
    assert_eq!(login(&browser, &server.url, "user4", PASSWORD).await, 200);

    // Restoring under a running server is refused.
    let mut cmd = nichoir(&data);
    cmd.arg("restore").arg(&archive);
    let refused = tokio::task::spawn_blocking(move || run(cmd, None))
        .await
        .expect("restore thread");
    assert!(
        !refused.status.success(),
        "restore while serving: {refused:?}"
    );
    assert!(
        refused.stderr.contains("another Nichoir process"),
        "{refused:?}"
    );
    // …and left the running instance alone.
    assert_eq!(login(&browser, &server.url, "user4", PASSWORD).await, 200);

    let status = tokio::task::spawn_blocking(move || {
        let status = server.terminate();
        (status, server)
    })
    .await
    .expect("terminate thread");
    let (status, server) = status;
    assert!(
        status.success(),
        "exit after SIGTERM: {status}; stderr:\n{}",
        server.stderr()
    );
    drop(server);

    let mut cmd = nichoir(&data);
    cmd.arg("restore").arg(&archive);
    let restored = tokio::task::spawn_blocking(move || run(cmd, None))
        .await
        .expect("restore thread");
    assert!(restored.status.success(), "restore: {restored:?}");
    assert!(restored.stdout.contains("restored"), "{restored:?}");

    let server = Server::start(&data);
    let client = http();
    for u in ["user1", "user2", "user3"] {
        assert_eq!(
            login(&client, &server.url, u, PASSWORD).await,
            200,
            "{u} after restore"
        );
    }
    assert_eq!(
        login(&client, &server.url, "user4", PASSWORD).await,
        401,
        "u4 was created after the backup"
    );
}

/// A service manager may stop the server as soon as it said it listens: SIGTERM must then still
/// be a graceful stop (exit 0), not the default "killed by signal".
#[test]
fn sigterm_right_after_listening_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(&dir.path().join("data"));
    let status = server.terminate();
    assert!(
        status.success(),
        "exit after SIGTERM: {status}; stderr:\n{}",
        server.stderr()
    );
}
