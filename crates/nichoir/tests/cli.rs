//! The `nichoir` binary as a host runs it: version, configuration errors, an unusable data
//! directory, the one-time setup link, the admin commands, and backup/restore around a running
//! server stopped with SIGTERM.
//!
//! Timeouts here only bound a hang; nothing asserts how fast anything is.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

use common::{create_token, http, nichoir, run, Out, Server, HANG, PASSWORD};

/// `common::create_user`, also checking that the output names the account.
fn create_user(data: &Path, username: &str, admin: bool) -> Out {
    let out = common::create_user(data, username, admin);
    assert!(out.stdout.contains(username), "{out:?}");
    out
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

    let token = create_token(&data, "admin");

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

/// `nichoir storage copy`: the data dir's SQLite instance into a new PostgreSQL database and
/// back into another data dir; an account made on SQLite signs in on PostgreSQL, and a copy
/// into a database that is not empty is refused (with a PostgreSQL test server only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_copy_moves_an_instance_to_postgres_and_back() {
    let Some(url) = tokio::task::spawn_blocking(nichoir_storage::testing::fresh_pg_database)
        .await
        .expect("no panic")
        .expect("test database")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    create_user(&data, "ana", true);
    let mut copy = nichoir(&data);
    copy.args(["storage", "copy", "--to", &url]);
    let out = run(copy, None);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.contains("counts and checksums match"), "{out:?}");
    let mut again = nichoir(&data);
    again.args(["storage", "copy", "--to", &url]);
    let refused = run(again, None);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(refused.stderr.contains("not empty"), "{refused:?}");

    // The instance runs on PostgreSQL: the account is there.
    let mut server_cmd = nichoir(&data);
    server_cmd.env("NICHOIR_DATABASE_URL", &url);
    let mut server = Server::spawn(server_cmd);
    assert_eq!(login(&http(), &server.url, "ana", PASSWORD).await, 200);
    assert!(server.terminate().success());

    // And back into another data dir's SQLite file.
    let back = dir.path().join("back");
    let mut home = nichoir(&back);
    home.env("NICHOIR_DATABASE_URL", &url);
    home.args(["storage", "copy", "--to", "sqlite"]);
    let out = run(home, None);
    assert!(out.status.success(), "{out:?}");
    assert!(back.join("nichoir.db").exists());
}
