//! Deleting an account, by the person and by an admin: their sign-in and personal data go, what
//! they wrote with others stays under "Deleted user", their votes stay anonymous, their own
//! rooms and memberships go — checked tool by tool over the API, and table by table.

use nichoir_testkit::{Client, Reply, TestServer};
use serde_json::json;

use crate::support::{classic_poll, ok, team_square, vote_and_comment};

const PASSWORD: &str = "password-of-test";

async fn raw(c: &Client, path: &str, bytes: &[u8]) -> anyhow::Result<Reply> {
    c.send(
        c.http
            .post(c.url(path))
            .header("content-type", "text/plain")
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(bytes.to_vec()),
    )
    .await
}

/// Counts rows of `table` where `column` is `user_id`, straight from the database.
async fn rows(
    server: &TestServer,
    table: &str,
    column: &str,
    user_id: &str,
) -> anyhow::Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1");
    let id = user_id.to_string();
    Ok(server
        .ctx
        .db
        .read(move |c| Ok(c.query_row(&sql, [id], |r| r.get(0))?))
        .await?)
}

#[tokio::test]
async fn a_person_deletes_their_account_and_their_work_stays_under_deleted_user(
) -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let root = server.login_as("root", true).await?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    let ana_id = ana.get("/api/v1/me").await?.body["user"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    ok(
        ana.patch("/api/v1/me", json!({"email": "ana@example.org"}))
            .await?,
        "email",
    )
    .await?;

    // Pads: Bob's pad, Ana writes in it and in its chat.
    let pad = ok(
        bob.post("/api/v1/pads", json!({"name": "notes"})).await?,
        "pad",
    )
    .await?;
    let pad_id = pad["pad"]["id"].as_str().unwrap_or("").to_string();
    ok(
        raw(
            &ana,
            &format!("/api/v1/pads/{pad_id}/import?format=txt"),
            b"ordre du jour",
        )
        .await?,
        "import",
    )
    .await?;
    ok(
        ana.post(
            &format!("/api/v1/pads/{pad_id}/chat"),
            json!({"text": "coucou"}),
        )
        .await?,
        "pad chat",
    )
    .await?;
    // Polls: Ana's own poll, and her vote and comment on Bob's.
    let (her_poll, _, _) = classic_poll(&ana, "Sortie vélo", "Ana").await?;
    let (his_poll, _, first) = classic_poll(&bob, "AG", "Bob").await?;
    vote_and_comment(&ana, &his_poll, &first, "Ana Martin", "je viens").await?;
    // Wikis: Ana writes a page in Bob's open wiki, and watches it.
    crate::support::open_wiki(&bob, "club").await?;
    ok(
        ana.put_json(
            "/api/v1/wikis/club/pages/Sorties",
            json!({"text": "samedi", "base_rev": null, "summary": "sorties"}),
        )
        .await?,
        "page",
    )
    .await?;
    // Chat: Ana joins Bob's team and says something.
    let square = team_square(&bob, "club").await?;
    ok(
        ana.post("/api/v1/chat/teams/club/join", json!({})).await?,
        "join",
    )
    .await?;
    ok(
        ana.post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "salut le club"}),
        )
        .await?,
        "post",
    )
    .await?;
    // Video: Ana's own room.
    ok(
        ana.post("/api/v1/video/rooms", json!({"name": "ana-room"}))
            .await?,
        "room",
    )
    .await?;
    ok(
        ana.post("/api/v1/me/tokens", json!({"name": "script"}))
            .await?,
        "token",
    )
    .await?;

    // The password again, first; then the account goes.
    assert_eq!(
        ana.post("/api/v1/me/delete", json!({"password": "nope nope"}))
            .await?
            .status,
        401
    );
    assert_eq!(
        ana.post("/api/v1/me/delete", json!({"password": PASSWORD}))
            .await?
            .status,
        204
    );
    assert_eq!(ana.get("/api/v1/me").await?.status, 401, "signed out");
    let mut again = server.client();
    assert_eq!(
        again.login("ana", PASSWORD).await?.status,
        401,
        "no sign-in"
    );
    for (table, column) in [
        ("sessions", "user_id"),
        ("api_tokens", "user_id"),
        ("chat_team_members", "user_id"),
        ("chat_channel_members", "user_id"),
        ("wiki_members", "user_id"),
        ("video_rooms", "owner_id"),
        ("poll_votes", "actor_id"),
        ("polls", "owner_id"),
        ("pad_visits", "user_id"),
    ] {
        assert_eq!(rows(&server, table, column, &ana_id).await?, 0, "{table}");
    }
    let (email, name): (Option<String>, String) = {
        let id = ana_id.clone();
        server
            .ctx
            .db
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT email, display_name FROM users WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await?
    };
    assert_eq!((email, name.as_str()), (None, "Deleted user"));

    // What she wrote with others stays, under "Deleted user".
    let pad = bob.get(&format!("/api/v1/pads/{pad_id}")).await?.body;
    assert_eq!(pad["text"], "ordre du jour");
    let authors = pad["authors"].to_string();
    assert!(
        authors.contains("Deleted user") && !authors.contains("ANA"),
        "{authors}"
    );
    let chat = bob
        .get(&format!("/api/v1/pads/{pad_id}/chat"))
        .await?
        .body
        .to_string();
    assert!(
        chat.contains("coucou") && chat.contains("Deleted user") && !chat.contains("ANA"),
        "{chat}"
    );
    let history = bob
        .get("/api/v1/wikis/club/pages/Sorties/history")
        .await?
        .body;
    assert_eq!(history["revisions"][0]["author_name"], "Deleted user");
    let posts = bob
        .get(&format!("/api/v1/chat/channels/{square}/posts"))
        .await?
        .body
        .to_string();
    assert!(
        posts.contains("salut le club") && posts.contains("Deleted user"),
        "{posts}"
    );
    let poll = bob.get(&format!("/api/v1/polls/{his_poll}")).await?.body;
    let poll_text = poll.to_string();
    assert!(
        !poll_text.contains("Ana Martin"),
        "her name is gone: {poll_text}"
    );
    assert!(
        poll_text.contains("Anonymous"),
        "her vote stays, anonymous: {poll_text}"
    );
    let mine = bob.get(&format!("/api/v1/polls/{her_poll}")).await?;
    assert_eq!(mine.status, 200, "her poll stays for those who answer it");
    assert_eq!(mine.body["poll"]["author_name"], "Deleted user");
    assert_eq!(bob.get("/api/v1/video/rooms/ana-room").await?.status, 404);

    // Gone from the admin's list; deleting again (an admin finishing a deletion) is harmless.
    let users = root.get("/api/v1/admin/users").await?.body.to_string();
    assert!(!users.contains(&ana_id), "{users}");
    assert_eq!(
        root.delete(&format!("/api/v1/admin/users/{ana_id}"))
            .await?
            .status,
        204
    );
    // The username is free again.
    assert!(server.create_user("ana", PASSWORD, false).await.is_ok());
    Ok(())
}

#[tokio::test]
async fn an_admin_deletes_a_member_but_not_themselves_and_the_last_admin_stays(
) -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let root = server.login_as("root", true).await?;
    let eve = server.login_as("eve", false).await?;
    let eve_id = eve.get("/api/v1/me").await?.body["user"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let root_id = root.get("/api/v1/me").await?.body["user"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        eve.delete(&format!("/api/v1/admin/users/{root_id}"))
            .await?
            .status,
        403
    );
    assert_eq!(
        root.delete(&format!("/api/v1/admin/users/{root_id}"))
            .await?
            .status,
        409,
        "not oneself"
    );
    assert_eq!(
        root.post("/api/v1/me/delete", json!({"password": PASSWORD}))
            .await?
            .status,
        409,
        "the only admin"
    );
    assert_eq!(
        root.delete(&format!("/api/v1/admin/users/{eve_id}"))
            .await?
            .status,
        204
    );
    assert_eq!(eve.get("/api/v1/me").await?.status, 401);
    assert_eq!(
        root.delete("/api/v1/admin/users/u_nobody").await?.status,
        404
    );
    // No password is a wrong one (accounts of an OpenID provider send none).
    let r = root.post("/api/v1/me/delete", json!({})).await?;
    assert_eq!(r.status, 401, "{:?}", r.body);
    for bad in [
        json!({"password": 3}),
        json!({"password": PASSWORD, "x": 1}),
    ] {
        let r = root.post("/api/v1/me/delete", bad.clone()).await?;
        assert!(r.status == 400 || r.status == 422, "{bad}: {}", r.status);
    }
    Ok(())
}

#[tokio::test]
async fn a_person_who_asks_is_erased_where_the_instance_allows_it() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    let square = team_square(&bob, "club").await?;
    ok(
        ana.post("/api/v1/chat/teams/club/join", json!({})).await?,
        "join",
    )
    .await?;
    let file = ok(
        raw_typed(
            &ana,
            &format!("/api/v1/chat/channels/{square}/files?name=cv.txt"),
            b"my cv",
        )
        .await?,
        "file",
    )
    .await?;
    let fid = file["id"].as_str().unwrap_or("").to_string();
    ok(
        ana.post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "my secret words", "file_ids": [fid]}),
        )
        .await?,
        "post",
    )
    .await?;
    ok(
        bob.post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "bob stays"}),
        )
        .await?,
        "post",
    )
    .await?;
    let pad = ok(
        bob.post("/api/v1/pads", json!({"name": "notes"})).await?,
        "pad",
    )
    .await?;
    let pad_id = pad["pad"]["id"].as_str().unwrap_or("").to_string();
    ok(
        ana.post(
            &format!("/api/v1/pads/{pad_id}/chat"),
            json!({"text": "ana was here"}),
        )
        .await?,
        "pad chat",
    )
    .await?;
    let (poll_id, _, first) = classic_poll(&bob, "AG", "Bob").await?;
    vote_and_comment(&ana, &poll_id, &first, "Ana", "ana's comment").await?;

    assert_eq!(
        ana.post(
            "/api/v1/me/delete",
            json!({"password": PASSWORD, "erase": true})
        )
        .await?
        .status,
        204
    );
    let posts = bob
        .get(&format!("/api/v1/chat/channels/{square}/posts"))
        .await?
        .body
        .to_string();
    assert!(
        !posts.contains("my secret words") && posts.contains("bob stays"),
        "{posts}"
    );
    assert_eq!(
        bob.get(&format!("/api/v1/chat/files/{fid}")).await?.status,
        404
    );
    let chat = bob
        .get(&format!("/api/v1/pads/{pad_id}/chat"))
        .await?
        .body
        .to_string();
    assert!(!chat.contains("ana was here"), "{chat}");
    let poll = bob
        .get(&format!("/api/v1/polls/{poll_id}"))
        .await?
        .body
        .to_string();
    assert!(
        !poll.contains("ana's comment") && !poll.contains("Anonymous"),
        "{poll}"
    );

    // An instance that keeps what people wrote refuses the erasure and deletes nothing.
    let keeping = TestServer::start_with(|c| c.auth.deletion_can_erase = false)?;
    let eve = keeping.login_as("eve", false).await?;
    assert_eq!(
        keeping.client().get("/api/v1/instance").await?.body["deletion_can_erase"],
        false
    );
    assert_eq!(
        eve.post(
            "/api/v1/me/delete",
            json!({"password": PASSWORD, "erase": true})
        )
        .await?
        .status,
        403
    );
    assert_eq!(eve.get("/api/v1/me").await?.status, 200, "not deleted");
    Ok(())
}

async fn raw_typed(c: &Client, path: &str, bytes: &[u8]) -> anyhow::Result<Reply> {
    raw(c, path, bytes).await
}
