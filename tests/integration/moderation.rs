//! Admin moderation: an admin removes a pad, a poll, a wiki, a chat message and a video room
//! from their links, each with a reason that the audit log keeps; members cannot; bad links
//! and reasons are refused.

use nichoir_testkit::TestServer;
use serde_json::json;

use crate::support::{classic_poll, ok, team_square};

/// What Bob makes for the admin to find and remove: a pad, a poll, a wiki, and a message in the
/// town square of the team "club" (`[pad, poll title, wiki slug, wiki title, message]`). Answers
/// the poll's id, the square's id and the message's id.
async fn bobs_content(
    bob: &nichoir_testkit::Client,
    [pad, poll, slug, title, message]: [&str; 5],
) -> anyhow::Result<(String, String, i64)> {
    ok(bob.post("/api/v1/pads", json!({"name": pad})).await?, "pad").await?;
    let (poll_id, _, _) = classic_poll(bob, poll, "Bob").await?;
    ok(
        bob.post("/api/v1/wikis", json!({"slug": slug, "title": title}))
            .await?,
        "wiki",
    )
    .await?;
    let square = team_square(bob, "club").await?;
    let post = ok(
        bob.post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": message}),
        )
        .await?,
        "post",
    )
    .await?;
    Ok((poll_id, square, post["id"].as_i64().unwrap_or(0)))
}

#[tokio::test]
async fn an_admin_removes_content_by_its_link_with_a_reason_kept_in_the_audit_log(
) -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let root = server.login_as("root", true).await?;
    let bob = server.login_as("bob", false).await?;
    let (poll_id, square, post_id) = bobs_content(
        &bob,
        [
            "tracts",
            "Sondage douteux",
            "spam",
            "Spam",
            "a harmful message",
        ],
    )
    .await?;
    ok(
        bob.post("/api/v1/video/rooms", json!({"name": "bobs-room"}))
            .await?,
        "room",
    )
    .await?;

    let remove = |link: String, reason: &str| {
        let body = json!({"link": link, "reason": reason});
        let root = &root;
        async move { root.post("/api/v1/admin/moderation/remove", body).await }
    };
    // Members cannot; bad input is refused and removes nothing.
    assert_eq!(
        bob.post(
            "/api/v1/admin/moderation/remove",
            json!({"link": "/p/tracts", "reason": "x"})
        )
        .await?
        .status,
        403
    );
    assert_eq!(
        remove("/p/tracts".into(), "").await?.status,
        422,
        "a reason is needed"
    );
    assert_eq!(
        remove("/p/tracts".into(), &"x".repeat(501)).await?.status,
        422
    );
    assert_eq!(remove("/p/tracts".into(), "two\nlines").await?.status, 422);
    assert_eq!(
        remove("javascript:alert(1)".into(), "spam").await?.status,
        422
    );
    assert_eq!(remove("/p/nothing-here".into(), "spam").await?.status, 404);
    assert_eq!(remove("/about".into(), "spam").await?.status, 404);
    assert_eq!(
        bob.get("/api/v1/pads/tracts").await?.status,
        200,
        "still there"
    );

    let links = [
        (
            format!("{}/p/tracts", server.url),
            "pad",
            "tracts".to_string(),
        ),
        (
            format!("/poll/{poll_id}"),
            "poll",
            "Sondage douteux".to_string(),
        ),
        (
            format!("{}/w/spam/Home?rev=1", server.url),
            "wiki",
            "Spam (spam)".to_string(),
        ),
        (
            format!("/chat/club/pl/{post_id}"),
            "chat_message",
            "a harmful message".to_string(),
        ),
        (
            "/video/bobs-room".to_string(),
            "video_room",
            "bobs-room".to_string(),
        ),
    ];
    for (link, kind, label) in &links {
        let r = remove(link.clone(), &format!("reported: {kind}")).await?;
        assert_eq!(r.status, 200, "{link}: {:?}", r.body);
        assert_eq!(r.body["removed"]["kind"], *kind);
        assert_eq!(r.body["removed"]["label"], label.as_str(), "{link}");
        assert_eq!(
            remove(link.clone(), "again").await?.status,
            404,
            "{link} is gone"
        );
    }
    assert_eq!(bob.get("/api/v1/pads/tracts").await?.status, 404);
    assert_eq!(
        bob.get(&format!("/api/v1/polls/{poll_id}")).await?.status,
        404
    );
    assert_eq!(bob.get("/api/v1/wikis/spam").await?.status, 404);
    assert_eq!(bob.get("/api/v1/video/rooms/bobs-room").await?.status, 404);
    let posts = bob
        .get(&format!("/api/v1/chat/channels/{square}/posts"))
        .await?
        .body
        .to_string();
    assert!(!posts.contains("a harmful message"), "{posts}");

    // The audit log, newest first, for admins only.
    assert_eq!(bob.get("/api/v1/admin/audit").await?.status, 403);
    let log = root.get("/api/v1/admin/audit").await?.body;
    let kinds: Vec<&str> = log
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["target_kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["video_room", "chat_message", "wiki", "poll", "pad"]);
    assert_eq!(log[0]["reason"], "reported: video_room");
    assert_eq!(log[0]["action"], "remove");
    assert_eq!(log[0]["admin_name"], "ROOT");
    let older = root
        .get(&format!(
            "/api/v1/admin/audit?before={}&limit=2",
            log[1]["id"]
        ))
        .await?
        .body;
    assert_eq!(older.as_array().map(Vec::len), Some(2));
    assert_eq!(older[0]["target_kind"], "wiki");

    // Admin actions on accounts are logged too.
    let bob_id = bob.get("/api/v1/me").await?.body["user"]["id"].clone();
    let bob_id = bob_id.as_str().unwrap_or("");
    ok(
        root.patch(
            &format!("/api/v1/admin/users/{bob_id}"),
            json!({"disabled": true}),
        )
        .await?,
        "disable",
    )
    .await?;
    ok(
        root.delete(&format!("/api/v1/admin/users/{bob_id}"))
            .await?,
        "delete",
    )
    .await?;
    let log = root.get("/api/v1/admin/audit?limit=2").await?.body;
    assert_eq!(log[0]["action"], "delete_account");
    assert_eq!(log[1]["action"], "disable");
    assert_eq!(log[1]["target_label"], "bob");
    Ok(())
}

/// A channel link archives the channel (its members still read it, nobody writes in it); a
/// team's town square cannot be archived.
#[tokio::test]
async fn an_admin_archives_a_chat_channel_by_its_link() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let root = server.login_as("root", true).await?;
    let bob = server.login_as("bob", false).await?;
    team_square(&bob, "club").await?;
    let channel = ok(
        bob.post(
            "/api/v1/chat/teams/club/channels",
            json!({"display_name": "Rumeurs", "kind": "public"}),
        )
        .await?,
        "channel",
    )
    .await?;
    let id = channel["id"].as_str().unwrap_or("").to_string();
    let remove = |link: &str| {
        root.post(
            "/api/v1/admin/moderation/remove",
            json!({"link": link, "reason": "harassment"}),
        )
    };
    let r = remove(&format!("{}/chat/club/rumeurs", server.url)).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["removed"]["kind"], "chat_channel");
    assert_eq!(r.body["removed"]["label"], "Rumeurs");
    assert_eq!(
        remove("/chat/club/rumeurs").await?.status,
        404,
        "archived already"
    );
    let r = bob
        .post(
            &format!("/api/v1/chat/channels/{id}/posts"),
            json!({"text": "still here?"}),
        )
        .await?;
    assert!(r.status >= 400 && r.status < 500, "{:?}", r.body);
    assert_eq!(remove("/chat/club/town-square").await?.status, 422);
    assert_eq!(remove("/chat/club/threads").await?.status, 404);
    let log = root.get("/api/v1/admin/audit?limit=1").await?.body;
    assert_eq!(log[0]["target_kind"], "chat_channel");
    Ok(())
}

/// Admins find content without its link, across the tools, newest first; private conversations
/// are not searched; `%` and `_` are plain characters; members cannot search.
#[tokio::test]
async fn an_admin_finds_content_by_its_words_across_the_tools() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let root = server.login_as("root", true).await?;
    let bob = server.login_as("bob", false).await?;
    let (poll_id, _square, post_id) = bobs_content(
        &bob,
        [
            "arnaque-tracts",
            "Grande arnaque",
            "wiki-arnaque",
            "Arnaques",
            "une ARNAQUE en public",
        ],
    )
    .await?;
    server.login_as("alice", false).await?;
    let dm = ok(
        bob.post("/api/v1/chat/direct", json!({"usernames": ["alice"]}))
            .await?,
        "dm",
    )
    .await?;
    let dm_id = dm["id"].as_str().unwrap_or("");
    ok(
        bob.post(
            &format!("/api/v1/chat/channels/{dm_id}/posts"),
            json!({"text": "une arnaque en privé"}),
        )
        .await?,
        "private post",
    )
    .await?;

    let r = root
        .get("/api/v1/admin/moderation/search?q=arnaque")
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let found = r.body["found"].as_array().cloned().unwrap_or_default();
    let links: Vec<&str> = found.iter().filter_map(|f| f["link"].as_str()).collect();
    for expected in [
        "/p/arnaque-tracts".to_string(),
        format!("/poll/{poll_id}"),
        "/w/wiki-arnaque".to_string(),
        format!("/chat/club/pl/{post_id}"),
    ] {
        assert!(
            links.contains(&expected.as_str()),
            "{expected} in {links:?}"
        );
    }
    assert!(
        !r.body.to_string().contains("en privé"),
        "direct messages are not searched: {}",
        r.body
    );
    // What search finds, removal takes.
    let r = root
        .post(
            "/api/v1/admin/moderation/remove",
            json!({"link": format!("/poll/{poll_id}"), "reason": "scam"}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let none = root.get("/api/v1/admin/moderation/search?q=%25%25").await?;
    assert_eq!(none.body["found"], json!([]), "% matches only itself");
    for bad in ["a", "", "two%0Alines"] {
        let r = root
            .get(&format!("/api/v1/admin/moderation/search?q={bad}"))
            .await?;
        assert_eq!(r.status, 422, "{bad}: {:?}", r.body);
    }
    assert_eq!(
        bob.get("/api/v1/admin/moderation/search?q=arnaque")
            .await?
            .status,
        403
    );
    Ok(())
}
