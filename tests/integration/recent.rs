//! Across the tools: a person's recent items (`GET /api/v1/me/recent`) and the search
//! (`GET /api/v1/search`) show what they touched and what they may read, never another
//! person's pad, a private channel they are not in, or a private wiki's pages.

use nichoir_testkit::{Client, TestServer};
use serde_json::{json, Value};

use crate::support::{classic_poll, ok, private_wiki, say, team_square};

/// A pad named `name` by `c` holding `text`.
async fn pad_with_text(c: &Client, name: &str, text: &'static str) -> anyhow::Result<()> {
    ok(c.post("/api/v1/pads", json!({"name": name})).await?, "pad").await?;
    let csrf = c.csrf.clone().unwrap_or_default();
    let r = c
        .send(
            c.http
                .post(c.url(&format!("/api/v1/pads/{name}/import?format=txt")))
                .header("x-csrf-token", csrf)
                .body(text),
        )
        .await?;
    ok(r, "import").await?;
    Ok(())
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["title"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn snippets(list: &Value) -> String {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["snippet"].as_str().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

/// Ana's things and Bob's: pads, a poll, a team with a public square and a private channel
/// only Ana is in, and a private wiki of Ana's, all about "zanzibar".
async fn two_people(server: &TestServer) -> anyhow::Result<(Client, Client, String)> {
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    pad_with_text(
        &ana,
        "ana-notes",
        "Ideas\nthe Zanzibar budget for the summer",
    )
    .await?;
    pad_with_text(&bob, "bob-secret", "Bob's zanzibar plans").await?;
    classic_poll(&ana, "Zanzibar trip", "Ana").await?;
    let square = team_square(&ana, "club").await?;
    say(&ana, &square, "Meeting about zanzibar on Monday").await?;
    let secret = ok(
        ana.post(
            "/api/v1/chat/teams/club/channels",
            json!({"display_name": "Secret", "kind": "private"}),
        )
        .await?,
        "private channel",
    )
    .await?;
    say(
        &ana,
        secret["id"].as_str().unwrap_or(""),
        "zanzibar surprise party",
    )
    .await?;
    ok(
        bob.post("/api/v1/chat/teams/club/join", json!({})).await?,
        "join",
    )
    .await?;
    private_wiki(&ana, "board", Some(("Travel", "The zanzibar accounts"))).await?;
    Ok((ana, bob, square))
}

#[tokio::test]
async fn recent_items_are_ones_own_across_tools_newest_first() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (ana, bob, square) = two_people(&server).await?;
    // Joining read what was there: only what came after waits for Bob.
    say(&ana, &square, "see you there").await?;

    let r = ok(ana.get("/api/v1/me/recent").await?, "recent").await?;
    let items = r["items"].as_array().cloned().unwrap_or_default();
    let has = |tool: &str, name: &str| items.iter().any(|i| i["tool"] == tool && i["name"] == name);
    assert!(has("pads", "ana-notes"), "{items:?}");
    assert!(has("polls", "Zanzibar trip"), "{items:?}");
    assert!(has("chat", "Secret"), "{items:?}");
    assert!(has("wikis", "Board"), "{items:?}");
    assert!(
        !has("pads", "bob-secret"),
        "another person's pad: {items:?}"
    );
    let pad = items
        .iter()
        .find(|i| i["name"] == "ana-notes")
        .cloned()
        .unwrap_or_default();
    assert_eq!(pad["path"], "/p/ana-notes");
    assert_eq!(pad["role"], "created");
    // Instants, not strings: RFC 3339 drops trailing zeros (`.4Z` is later than `.39Z`).
    let times: Vec<Option<i64>> = items
        .iter()
        .map(|i| nichoir_core::time::parse_rfc3339(i["at"].as_str().unwrap_or("")))
        .collect();
    assert!(times.iter().all(Option::is_some), "{items:?}");
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let r = ok(bob.get("/api/v1/me/recent").await?, "bob's recent").await?;
    let items = r["items"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["name"].as_str().unwrap_or(""))
        .collect();
    assert!(names.contains(&"bob-secret"), "{names:?}");
    for other in ["ana-notes", "Zanzibar trip", "Secret", "Board"] {
        assert!(!names.contains(&other), "Bob sees Ana's {other}: {names:?}");
    }
    // The town square Bob joined is his too, with Ana's last message unread.
    let square = items
        .iter()
        .find(|i| i["tool"] == "chat")
        .cloned()
        .unwrap_or_default();
    assert_eq!(square["path"], "/chat/club/town-square");
    assert_eq!(square["unread"], 1, "{square}");

    assert_eq!(server.client().get("/api/v1/me/recent").await?.status, 401);
    Ok(())
}

#[tokio::test]
async fn search_finds_what_one_may_read_and_nothing_else() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (ana, bob, _) = two_people(&server).await?;

    let r = ok(ana.get("/api/v1/search?q=zanzib").await?, "search").await?;
    assert_eq!(names(&r["pads"]), ["ana-notes"], "{r}");
    assert!(snippets(&r["pads"]).contains("\u{2}Zanzibar\u{3}"), "{r}");
    assert_eq!(r["pads"][0]["path"], "/p/ana-notes");
    assert_eq!(names(&r["polls"]), ["Zanzibar trip"], "{r}");
    let chat = snippets(&r["chat"]);
    assert!(chat.contains("surprise") && chat.contains("Monday"), "{r}");
    assert!(
        r["chat"]
            .as_array()
            .is_some_and(|a| a.iter().all(|h| h["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/chat/club/pl/")))),
        "{r}"
    );
    assert_eq!(names(&r["wikis"]), ["Travel"], "{r}");
    assert_eq!(r["wikis"][0]["path"], "/w/board/Travel");
    // Two words must both be there, in the name or the text.
    let r = ok(
        ana.get("/api/v1/search?q=summer%20budget").await?,
        "two words",
    )
    .await?;
    assert_eq!(names(&r["pads"]), ["ana-notes"], "{r}");
    let r = ok(ana.get("/api/v1/search?q=ana-notes").await?, "by name").await?;
    assert_eq!(names(&r["pads"]), ["ana-notes"], "{r}");

    let r = ok(bob.get("/api/v1/search?q=zanzibar").await?, "bob's search").await?;
    assert_eq!(names(&r["pads"]), ["bob-secret"], "only his own pad: {r}");
    assert!(names(&r["polls"]).is_empty(), "{r}");
    let chat = snippets(&r["chat"]);
    assert!(chat.contains("Monday"), "the square he joined: {r}");
    assert!(!chat.contains("surprise"), "never the private channel: {r}");
    assert!(names(&r["wikis"]).is_empty(), "never a private wiki: {r}");
    Ok(())
}

#[tokio::test]
async fn a_bad_search_is_refused_with_the_projects_codes() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let long = "a".repeat(101);
    for q in [
        "",
        "%20%20",
        "a",
        long.as_str(),
        "ab%07cd",
        "%21%21%3F",
        "%27%27%20--",
    ] {
        let r = ana.get(&format!("/api/v1/search?q={q}")).await?;
        assert_eq!(r.status, 422, "q={q}: {:?}", r.body);
        assert_eq!(r.body["error"]["code"], "validation_failed", "q={q}");
    }
    let r = ana.get("/api/v1/search").await?;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.body["error"]["code"].is_string());
    // The chat's filters are words here: never a failed search.
    let r = ana.get("/api/v1/search?q=before%3Anope").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        server
            .client()
            .get("/api/v1/search?q=zanzibar")
            .await?
            .status,
        401
    );
    Ok(())
}
