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

use common::{create_token, http, nichoir, run, shared_pg_database, Out, Server, HANG, PASSWORD};

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
fn logs_to_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("data"));
    server.wait_line(|l| l.contains("/setup?token="));
    let logs = server.stderr();
    assert!(logs.contains("INFO"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "no ANSI escape in piped logs: {logs:?}"
    );
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
    let Some(url) = shared_pg_database() else {
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

/// A `nichoir` command for the instance whose database is the PostgreSQL `url`.
fn on_pg(data: &Path, url: &str) -> std::process::Command {
    let mut cmd = nichoir(data);
    cmd.env("NICHOIR_DATABASE_URL", url);
    cmd
}

/// `cmd` run to completion off the test's runtime.
async fn run_off(cmd: std::process::Command) -> Out {
    tokio::task::spawn_blocking(move || run(cmd, None))
        .await
        .expect("command thread")
}

/// An authenticated request to the server, answering the status and the body's text.
async fn call(
    client: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
    raw: Option<(&str, &str)>,
) -> (u16, String) {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    if let Some((content_type, text)) = raw {
        req = req
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(text.to_string());
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `nichoir backup` and `restore` on PostgreSQL (with a test server only): content made through
/// the API (a pad's text, a poll with a vote, a wiki attachment) is backed up while the server
/// runs, changed and deleted afterwards, and back after the restore, uploads included; the
/// previous database and uploads are kept aside.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_on_postgres() {
    use reqwest::Method;
    let Some(db) = shared_pg_database() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let archive = dir.path().join("backups").join("pg.tar.gz");
    let mut cmd = on_pg(&data, &db);
    cmd.args([
        "admin",
        "create-user",
        "--username",
        "ana",
        "--password-stdin",
        "--admin",
    ]);
    let out = run(cmd, Some(&format!("{PASSWORD}\n")));
    assert!(out.status.success(), "{out:?}");
    let mut cmd = on_pg(&data, &db);
    cmd.args(["admin", "create-token", "--username", "ana"]);
    let out = run(cmd, None);
    assert!(out.status.success(), "{out:?}");
    let token = out.stdout.trim().to_string();

    let mut server = Server::spawn(on_pg(&data, &db));
    let client = http();
    let base = server.url.clone();
    let api = |path: &str| format!("{base}{path}");
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        api("/api/v1/pads"),
        Some(json!({"name": "notes"})),
        None,
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let import = api("/api/v1/pads/notes/import?format=txt");
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        import.clone(),
        None,
        Some(("text/plain", "Bonjour, sauvegarde 🦀")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let poll = json!({"kind": "classic", "title": "Pizza ?", "author_name": "Ana",
                      "options": [{"label": "Oui"}, {"label": "Non"}]});
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        api("/api/v1/polls"),
        Some(poll),
        None,
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let poll = json_of(&b);
    let admin_token = poll["admin_token"]
        .as_str()
        .expect("admin token")
        .to_string();
    let poll_id = poll["poll"]["id"].as_str().expect("poll id").to_string();
    let (_, b) = call(
        &client,
        &token,
        Method::GET,
        api(&format!("/api/v1/poll-admin/{admin_token}")),
        None,
        None,
    )
    .await;
    let option = json_of(&b)["options"][0]["id"].as_i64().expect("option id");
    let vote = json!({"name": "Zoé", "answers": {option.to_string(): "yes"}});
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        api(&format!("/api/v1/polls/{poll_id}/votes")),
        Some(vote),
        None,
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let wiki = json!({"slug": "jardin", "title": "Jardin partagé"});
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        api("/api/v1/wikis"),
        Some(wiki),
        None,
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        api("/api/v1/wikis/jardin/files?name=graines.txt"),
        None,
        Some(("text/plain", "tomates, radis")),
    )
    .await;
    assert_eq!(s, 201, "{b}");

    // Backed up while serving: pg_dump reads one snapshot.
    let mut cmd = on_pg(&data, &db);
    cmd.arg("backup").arg(&archive);
    let backup = run_off(cmd).await;
    assert!(backup.status.success(), "backup: {backup:?}");
    assert!(backup.stdout.contains("backup written"), "{backup:?}");

    // Changed and deleted after the backup.
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        import,
        None,
        Some(("text/plain", "Changé")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = call(
        &client,
        &token,
        Method::DELETE,
        api(&format!("/api/v1/poll-admin/{admin_token}")),
        None,
        None,
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = call(
        &client,
        &token,
        Method::DELETE,
        api("/api/v1/wikis/jardin/files/graines.txt"),
        None,
        None,
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = call(
        &client,
        &token,
        Method::POST,
        api("/api/v1/wikis/jardin/files?name=apres.txt"),
        None,
        Some(("text/plain", "plus tard")),
    )
    .await;
    assert_eq!(s, 201, "{b}");

    // Restoring under a running server is refused.
    let mut cmd = on_pg(&data, &db);
    cmd.arg("restore").arg(&archive);
    let refused = run_off(cmd).await;
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        refused.stderr.contains("another Nichoir process"),
        "{refused:?}"
    );
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .expect("terminate");
    assert!(status.success(), "exit after SIGTERM: {status}");

    let mut cmd = on_pg(&data, &db);
    cmd.arg("restore").arg(&archive);
    let restored = run_off(cmd).await;
    assert!(restored.status.success(), "restore: {restored:?}");
    assert!(restored.stdout.contains("restored"), "{restored:?}");

    let server = Server::spawn(on_pg(&data, &db));
    let base = server.url.clone();
    let api = |path: &str| format!("{base}{path}");
    let (s, b) = call(
        &client,
        &token,
        Method::GET,
        api("/api/v1/pads/notes"),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let text = json_of(&b)["text"].as_str().unwrap_or_default().to_string();
    assert!(text.contains("Bonjour, sauvegarde 🦀"), "{b}");
    assert!(!text.contains("Changé"), "{b}");
    let (s, b) = call(
        &client,
        &token,
        Method::GET,
        api(&format!("/api/v1/polls/{poll_id}")),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "the deleted poll is back: {b}");
    assert!(b.contains("Zoé"), "with its vote: {b}");
    let (s, b) = call(
        &client,
        &token,
        Method::GET,
        api("/w/jardin/_files/graines.txt"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (s, b.as_str()),
        (200, "tomates, radis"),
        "the upload is back"
    );
    let (s, b) = call(
        &client,
        &token,
        Method::GET,
        api("/api/v1/wikis/jardin/files"),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert!(b.contains("graines.txt") && !b.contains("apres.txt"), "{b}");

    // What was there is kept aside: the database as a dump, the uploads as they were.
    let aside: Vec<_> = std::fs::read_dir(&data)
        .expect("data dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("pre-restore-"))
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(aside[0].join("nichoir.pgdump").is_file());
    let kept = files_under(&aside[0].join("uploads"))
        .iter()
        .filter(|p| std::fs::read(p).is_ok_and(|b| b == b"plus tard"))
        .count();
    assert_eq!(kept, 1, "the upload made after the backup is kept aside");
}

/// Every file under `dir`, at any depth (each tool keeps its uploads in a folder of its own).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// An archive of one engine is refused by an instance on the other, with the way to move it,
/// and changes nothing (with a PostgreSQL test server only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_is_restored_on_its_own_engine_only() {
    let Some(db) = shared_pg_database() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let lite = dir.path().join("lite");
    let on_postgres = dir.path().join("pg");
    create_user(&lite, "ana", true);
    let mut cmd = on_pg(&on_postgres, &db);
    cmd.args([
        "admin",
        "create-user",
        "--username",
        "bea",
        "--password-stdin",
    ]);
    assert!(run(cmd, Some(&format!("{PASSWORD}\n"))).status.success());

    let lite_archive = dir.path().join("lite.tar.gz");
    let mut cmd = nichoir(&lite);
    cmd.arg("backup").arg(&lite_archive);
    let out = run_off(cmd).await;
    assert!(out.status.success(), "{out:?}");
    let pg_archive = dir.path().join("pg.tar.gz");
    let mut cmd = on_pg(&on_postgres, &db);
    cmd.arg("backup").arg(&pg_archive);
    let out = run_off(cmd).await;
    assert!(out.status.success(), "{out:?}");

    let mut cmd = on_pg(&on_postgres, &db);
    cmd.arg("restore").arg(&lite_archive);
    let out = run_off(cmd).await;
    assert!(!out.status.success(), "{out:?}");
    assert!(out.stderr.contains("holds a SQLite database"), "{out:?}");
    assert!(out.stderr.contains("nichoir storage copy"), "{out:?}");

    let mut cmd = nichoir(&lite);
    cmd.arg("restore").arg(&pg_archive);
    let out = run_off(cmd).await;
    assert!(!out.status.success(), "{out:?}");
    assert!(
        out.stderr.contains("holds a PostgreSQL database"),
        "{out:?}"
    );
    assert!(out.stderr.contains("storage.url"), "{out:?}");

    // Both instances are as they were.
    let server = Server::start(&lite);
    assert_eq!(login(&http(), &server.url, "ana", PASSWORD).await, 200);
    drop(server);
    let server = Server::spawn(on_pg(&on_postgres, &db));
    assert_eq!(login(&http(), &server.url, "bea", PASSWORD).await, 200);
}

/// The page size in a SQLite file's header (bytes 16–17, big-endian; 1 means 65536).
fn page_size_of(db: &Path) -> u32 {
    let bytes = std::fs::read(db).expect("read the database file");
    match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65536,
        n => u32::from(n),
    }
}

/// An instance made with SQLite's 4 KiB pages (before `storage.page_size`) is rewritten at the
/// configured 1 KiB by `nichoir storage compact`: refused while its server runs, and everything
/// kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_compact_moves_an_old_database_to_small_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let db = data.join("nichoir.db");

    let mut none = nichoir(&dir.path().join("empty"));
    none.args(["storage", "compact"]);
    let none = run(none, None);
    assert!(!none.status.success(), "{none:?}");
    assert!(none.stderr.contains("no SQLite database"), "{none:?}");

    let mut old = nichoir(&data);
    old.env("NICHOIR_STORAGE_PAGE_SIZE", "4096").args([
        "admin",
        "create-user",
        "--username",
        "ana",
        "--password-stdin",
    ]);
    let out = run(old, Some(&format!("{PASSWORD}\n")));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(page_size_of(&db), 4096);

    let mut server = Server::start(&data);
    assert!(
        server.stderr().contains("nichoir storage compact"),
        "the host is told how to move to the new size: {}",
        server.stderr()
    );
    let client = http();
    assert_eq!(login(&client, &server.url, "ana", PASSWORD).await, 200);
    let mut cmd = nichoir(&data);
    cmd.args(["storage", "compact"]);
    let refused = run_off(cmd).await;
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        refused.stderr.contains("another Nichoir process"),
        "{refused:?}"
    );
    assert_eq!(login(&client, &server.url, "ana", PASSWORD).await, 200);
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .expect("terminate thread");
    assert!(status.success(), "exit after SIGTERM: {status}");
    assert_eq!(
        page_size_of(&db),
        4096,
        "a server keeps the file's own size"
    );

    let mut cmd = nichoir(&data);
    cmd.args(["storage", "compact"]);
    let done = run_off(cmd).await;
    assert!(done.status.success(), "{done:?}");
    assert!(
        done.stdout.contains("4096-byte pages") && done.stdout.contains("1024-byte pages"),
        "{done:?}"
    );
    assert_eq!(page_size_of(&db), 1024);

    let server = Server::start(&data);
    assert_eq!(login(&http(), &server.url, "ana", PASSWORD).await, 200);
    create_user(&data, "bea", false);
    assert_eq!(login(&http(), &server.url, "bea", PASSWORD).await, 200);
}
