//! Favourites across the tools (`/api/v1/me/favourites`): a person stars pads, polls, chat
//! channels, wikis and wiki pages they may read; the list shows them with their names and links,
//! newest first, and forgets what they may no longer read; the account's deletion removes them.

use nichoir_testkit::{Client, TestServer};
use serde_json::{json, Value};

use crate::support::{classic_poll, ok, open_wiki, private_wiki, team_square};

fn fav(kind: &str, id: &str) -> String {
    // A wiki page's id holds a '/': one path segment, as %2F.
    format!("/api/v1/me/favourites/{kind}/{}", id.replace('/', "%2F"))
}

async fn star(c: &Client, kind: &str, id: &str) -> anyhow::Result<Value> {
    ok(c.put_json(&fav(kind, id), json!({})).await?, "star").await
}

async fn list(c: &Client) -> anyhow::Result<Vec<Value>> {
    let r = ok(c.get("/api/v1/me/favourites").await?, "favourites").await?;
    Ok(r["items"].as_array().cloned().unwrap_or_default())
}

fn keys(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["kind"].as_str().unwrap_or(""),
                i["id"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn pad(c: &Client, name: &str) -> anyhow::Result<()> {
    ok(c.post("/api/v1/pads", json!({"name": name})).await?, "pad").await?;
    Ok(())
}

#[tokio::test]
async fn one_stars_items_of_every_tool_and_unstars_them() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    pad(&ana, "minutes").await?;
    let (poll, _, _) = classic_poll(&ana, "Summer party", "Ana").await?;
    let square = team_square(&ana, "club").await?;
    open_wiki(&ana, "club").await?;
    ok(
        ana.put_json(
            "/api/v1/wikis/club/pages/Programme",
            json!({"text": "Saturday", "base_rev": null, "summary": "x"}),
        )
        .await?,
        "page",
    )
    .await?;
    assert!(list(&ana).await?.is_empty());

    let p = star(&ana, "pad", "minutes").await?;
    assert_eq!(p["title"], "minutes");
    assert_eq!(p["path"], "/p/minutes");
    assert_eq!(p["tool"], "pads");
    let again = star(&ana, "pad", "minutes").await?;
    assert_eq!(
        again["added_at"], p["added_at"],
        "starring twice changes nothing"
    );

    let q = star(&ana, "poll", &poll).await?;
    assert_eq!(q["title"], "Summer party");
    assert_eq!(q["path"], format!("/poll/{poll}"));
    let c = star(&ana, "channel", &square).await?;
    assert_eq!(c["tool"], "chat");
    assert_eq!(c["path"], "/chat/club/town-square");
    let w = star(&ana, "wiki", "club").await?;
    assert_eq!(
        (w["title"].as_str(), w["path"].as_str()),
        (Some("Club"), Some("/w/club"))
    );
    // A page is kept under its stored name, however it was written.
    let pg = star(&ana, "wiki_page", "club/programme").await?;
    assert_eq!(pg["id"], "club/Programme");
    assert_eq!(pg["title"], "Programme");
    assert_eq!(pg["context"], "Club");
    assert_eq!(pg["path"], "/w/club/Programme");

    // Newest first: the order they were starred in, backwards.
    let items = list(&ana).await?;
    assert_eq!(
        keys(&items),
        [
            "wiki_page:club/Programme".to_string(),
            "wiki:club".into(),
            format!("channel:{square}"),
            format!("poll:{poll}"),
            "pad:minutes".into(),
        ]
    );

    // Unstarring: twice is the same, and the page by another spelling of its name.
    for _ in 0..2 {
        let r = ana.delete(&fav("pad", "minutes")).await?;
        assert_eq!(r.status, 204, "{:?}", r.body);
    }
    assert_eq!(
        ana.delete(&fav("wiki_page", "club/PROGRAMME"))
            .await?
            .status,
        204
    );
    let mut left = keys(&list(&ana).await?);
    left.sort();
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(!left
        .iter()
        .any(|k| k.starts_with("pad:") || k.starts_with("wiki_page:")));

    // Every item leads to its page, which answers.
    for i in list(&ana).await? {
        let path = i["path"].as_str().unwrap_or("");
        assert_eq!(ana.get(path).await?.status, 200, "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn wrong_kinds_ids_and_missing_items_are_refused() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    for (kind, id) in [("video", "room"), ("pads", "x"), ("PAD", "x")] {
        let r = ana.put_json(&fav(kind, id), json!({})).await?;
        assert_eq!(
            (r.status, r.code()),
            (422, "validation_failed"),
            "{kind}: {:?}",
            r.body
        );
        let r = ana.delete(&fav(kind, id)).await?;
        assert_eq!(r.status, 422, "{kind}");
    }
    for (kind, id) in [
        ("wiki_page", "club"),
        ("wiki_page", "club/a/b"),
        ("pad", "a/b"),
        ("pad", " x"),
    ] {
        let r = ana.put_json(&fav(kind, id), json!({})).await?;
        assert_eq!(
            (r.status, r.code()),
            (422, "validation_failed"),
            "{kind} {id}: {:?}",
            r.body
        );
    }
    let long = "x".repeat(301);
    assert_eq!(
        ana.put_json(&fav("pad", &long), json!({})).await?.status,
        422
    );
    for (kind, id) in [
        ("pad", "nothing-here"),
        ("poll", "nothing-here"),
        ("channel", "nothing-here"),
        ("wiki", "nothing-here"),
        ("wiki_page", "nothing/here"),
    ] {
        let r = ana.put_json(&fav(kind, id), json!({})).await?;
        assert_eq!(
            (r.status, r.code()),
            (404, "not_found"),
            "{kind}: {:?}",
            r.body
        );
    }
    open_wiki(&ana, "club").await?;
    let r = ana
        .put_json(&fav("wiki_page", "club/No such page"), json!({}))
        .await?;
    assert_eq!(r.status, 404, "{:?}", r.body);
    assert!(list(&ana).await?.is_empty());

    // Someone not signed in has no favourites.
    let anonymous = server.client();
    assert_eq!(anonymous.get("/api/v1/me/favourites").await?.status, 401);
    let guest = server.guest().await?;
    assert_eq!(
        guest.put_json(&fav("pad", "x"), json!({})).await?.status,
        401
    );
    Ok(())
}

#[tokio::test]
async fn what_one_may_not_read_cannot_be_starred_and_leaves_the_list() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    team_square(&ana, "club").await?;
    ok(
        bob.post("/api/v1/chat/teams/club/join", json!({})).await?,
        "join",
    )
    .await?;
    let secret = ok(
        ana.post(
            "/api/v1/chat/teams/club/channels",
            json!({"display_name": "Secret", "kind": "private"}),
        )
        .await?,
        "private channel",
    )
    .await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    private_wiki(&ana, "board", Some(("Accounts", "money"))).await?;
    pad(&ana, "locked").await?;
    let r = ana
        .put_json(
            "/api/v1/pads/locked/password",
            json!({"password": "s3cret"}),
        )
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);

    // Bob may not read these: starring them answers as for a missing item.
    for (kind, id) in [
        ("channel", secret.as_str()),
        ("wiki", "board"),
        ("wiki_page", "board/Accounts"),
        ("pad", "locked"),
    ] {
        let r = bob.put_json(&fav(kind, id), json!({})).await?;
        assert_eq!(
            (r.status, r.code()),
            (404, "not_found"),
            "{kind}: {:?}",
            r.body
        );
    }
    // Ana may (her pad's password is not asked of her).
    star(&ana, "pad", "locked").await?;
    star(&ana, "wiki_page", "board/Accounts").await?;

    // Bob is let into the channel and stars it and a pad of Ana's; then he leaves the channel
    // and Ana deletes the pad: both leave his list, and for good.
    let r = ana
        .put_json(
            &format!("/api/v1/chat/channels/{secret}/members/bob"),
            json!({}),
        )
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    pad(&ana, "shared").await?;
    star(&bob, "channel", &secret).await?;
    star(&bob, "pad", "shared").await?;
    let mut mine = keys(&list(&bob).await?);
    mine.sort();
    assert_eq!(
        mine,
        [format!("channel:{secret}"), "pad:shared".to_string()]
    );
    let r = bob
        .post(&format!("/api/v1/chat/channels/{secret}/leave"), json!({}))
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(keys(&list(&bob).await?), ["pad:shared"]);
    assert_eq!(ana.delete("/api/v1/pads/shared").await?.status, 204);
    assert!(list(&bob).await?.is_empty());
    let bob_id = server
        .ctx
        .auth
        .user_by_username("bob")
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?
        .map(|u| u.id)
        .unwrap_or_default();
    let kept = server
        .ctx
        .auth
        .favourites(&bob_id)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    assert!(kept.is_empty(), "forgotten, not only hidden: {kept:?}");

    // Ana's own favourites were never Bob's business, nor his hers.
    assert_eq!(list(&ana).await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_person_keeps_at_most_two_hundred_favourites() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    for i in 0..200 {
        let name = format!("pad-{i}");
        pad(&ana, &name).await?;
        star(&ana, "pad", &name).await?;
    }
    pad(&ana, "one-more").await?;
    let r = ana.put_json(&fav("pad", "one-more"), json!({})).await?;
    assert_eq!((r.status, r.code()), (409, "conflict"), "{:?}", r.body);
    // One already there is still "starred" at the cap; one removed makes room.
    star(&ana, "pad", "pad-7").await?;
    assert_eq!(ana.delete(&fav("pad", "pad-7")).await?.status, 204);
    star(&ana, "pad", "one-more").await?;
    let r = ok(ana.get("/api/v1/me/favourites").await?, "list").await?;
    assert_eq!(r["items"].as_array().map(Vec::len), Some(200));
    assert_eq!(r["max"], 200);
    Ok(())
}

#[tokio::test]
async fn deleting_the_account_removes_its_favourites() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    pad(&ana, "minutes").await?;
    star(&ana, "pad", "minutes").await?;
    open_wiki(&ana, "club").await?;
    star(&ana, "wiki", "club").await?;
    let id = ok(ana.get("/api/v1/me").await?, "me").await?["user"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        server
            .ctx
            .auth
            .favourites(&id)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?
            .len(),
        2
    );
    let r = ana
        .post("/api/v1/me/delete", json!({"password": "password-of-test"}))
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let kept = server
        .ctx
        .auth
        .favourites(&id)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    assert!(kept.is_empty(), "{kept:?}");
    Ok(())
}
