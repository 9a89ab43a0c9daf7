//! `nichoir storage copy`: an instance filled through the tools' own APIs goes SQLite →
//! PostgreSQL → SQLite and comes back with the same rows in every table (counts and checksums
//! compared by the copy itself, and between the first and the last database here).

use nichoir_storage::copy::{copy_database, open_for_copy};
use nichoir_testkit::TestServer;
use serde_json::json;

use crate::support::{op_msg, publish, recv_json, send_json, subscribe, ws_connect, WsAuth};

const WAIT: std::time::Duration = std::time::Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_goes_to_postgres_and_back_unchanged() -> anyhow::Result<()> {
    // Only with a PostgreSQL test server, and from SQLite.
    if std::env::var("NICHOIR_TEST_PG_URL").is_err()
        || std::env::var("NICHOIR_TEST_BACKEND").as_deref() == Ok("postgres")
    {
        return Ok(());
    }
    let mut server = TestServer::start()?;
    let ana = server.login_as("ana", true).await?;
    // Pads: a pad, an edit through the realtime protocol, a chat line.
    let pad = ana.post("/api/v1/pads", json!({"name": "notes"})).await?;
    anyhow::ensure!(pad.status == 201, "{:?}", pad.body);
    let (_, login) = crate::support::sign_in(&server, "bea").await;
    let cookie = crate::support::cookie_from(&login, "nichoir_session");
    let mut ws = ws_connect(server.addr, WsAuth::Cookie(&cookie), WAIT).await;
    send_json(&mut ws, &subscribe("pad:notes")).await;
    send_json(
        &mut ws,
        &publish("pad:notes", op_msg("c1", 1, 0, json!(["Bonjour, é 🦀"]))),
    )
    .await;
    loop {
        let f = recv_json(&mut ws, WAIT).await;
        if f["data"]["type"] == "ack" {
            break;
        }
    }
    ana.post("/api/v1/pads/notes/chat", json!({"text": "salut"}))
        .await?;
    // Polls: a poll and a vote.
    let poll = ana
        .post(
            "/api/v1/polls",
            json!({"kind": "classic", "title": "Pizza ?", "author_name": "Ana",
                   "options": [{"label": "Oui"}, {"label": "Non"}]}),
        )
        .await?;
    anyhow::ensure!(poll.status == 201, "{:?}", poll.body);
    let token = poll.body["admin_token"].as_str().unwrap_or("").to_string();
    let poll_id = poll.body["poll"]["id"].as_str().unwrap_or("").to_string();
    let view = ana.get(&format!("/api/v1/poll-admin/{token}")).await?;
    let option = view.body["options"][0]["id"].as_i64().unwrap_or(0);
    let vote = ana
        .post(
            &format!("/api/v1/polls/{poll_id}/votes"),
            json!({"name": "Zoé", "answers": {option.to_string(): "yes"}}),
        )
        .await?;
    anyhow::ensure!(vote.status == 201, "{:?}", vote.body);
    // Chat: a team, its channels, a message.
    let team = ana
        .post(
            "/api/v1/chat/teams",
            json!({"name": "asso", "display_name": "Asso"}),
        )
        .await?;
    anyhow::ensure!(team.status == 201, "{:?}", team.body);
    let channels = ana.get("/api/v1/chat/teams/asso/channels").await?;
    let channel = channels.body[0]["id"].as_str().unwrap_or("").to_string();
    let post = ana
        .post(
            &format!("/api/v1/chat/channels/{channel}/posts"),
            json!({"text": "Réunion **jeudi**"}),
        )
        .await?;
    anyhow::ensure!(post.status == 201, "{:?}", post.body);
    // Wikis: a wiki and a page.
    let wiki = ana
        .post(
            "/api/v1/wikis",
            json!({"slug": "jardin", "title": "Jardin partagé"}),
        )
        .await?;
    anyhow::ensure!(wiki.status == 201, "{:?}", wiki.body);
    let page = ana
        .put_json(
            "/api/v1/wikis/jardin/pages/Semis",
            json!({"text": "Les [[Tomates]] en mars.", "summary": "début"}),
        )
        .await?;
    anyhow::ensure!(page.status < 300, "{:?}", page.body);
    // Video: a room.
    let room = ana
        .post("/api/v1/video/rooms", json!({"title": "Bureau"}))
        .await?;
    anyhow::ensure!(room.status == 201, "{:?}", room.body);

    let original = server.data_dir().join("nichoir.db");
    server.stop();
    let back = tempfile::tempdir()?;
    let back_path = back.path().join("back.db");
    let reports = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let sets = nichoir_web::migrations();
        let url = nichoir_storage::testing::fresh_pg_database()?
            .ok_or_else(|| anyhow::anyhow!("no test server"))?;
        let source = open_for_copy(&original.to_string_lossy(), &sets)?;
        let pg = open_for_copy(&url, &sets)?;
        let there = copy_database(&source, &pg)?;
        let returned = open_for_copy(&back_path.to_string_lossy(), &sets)?;
        let again = copy_database(&pg, &returned)?;
        // A second copy into a database that is not empty is refused.
        let refused = copy_database(&source, &pg);
        anyhow::ensure!(refused.is_err(), "a non-empty destination is refused");
        Ok((there, again))
    })
    .await??;
    let (there, again) = reports;
    eprintln!(
        "storage copy: {} tables, {} rows",
        there.len(),
        there.iter().map(|t| t.rows).sum::<u64>()
    );
    assert_eq!(there, again, "the same rows came back");
    let filled: Vec<&str> = there
        .iter()
        .filter(|t| t.rows > 0)
        .map(|t| t.table.as_str())
        .collect();
    for t in [
        "users",
        "pads",
        "pad_revisions",
        "polls",
        "poll_votes",
        "chat_posts",
        "chat_search",
        "wiki_pages",
        "wiki_search",
        "video_rooms",
    ] {
        assert!(filled.contains(&t), "{t} was filled and copied: {filled:?}");
    }
    Ok(())
}
