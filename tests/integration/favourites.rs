//! Favourites across the tools (`/api/v1/me/favourites`): a person stars pads, polls, chat
//! channels, video rooms, wikis and wiki pages they may read; the list shows them with their
//! names and links, newest first, and hides what they may not read for now without forgetting
//! it; what is deleted leaves every list in the hourly sweep; the account's deletion removes them.

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

/// An account's id.
async fn user_id(server: &TestServer, username: &str) -> anyhow::Result<String> {
    Ok(server
        .ctx
        .auth
        .user_by_username(username)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?
        .map(|u| u.id)
        .unwrap_or_default())
}

/// The favourites kept for an account, hidden ones included, as `kind:id`.
async fn kept(server: &TestServer, user_id: &str) -> anyhow::Result<Vec<String>> {
    Ok(server
        .ctx
        .auth
        .favourites(user_id)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?
        .into_iter()
        .map(|f| format!("{}:{}", f.kind, f.item_id))
        .collect())
}

/// Runs the hourly sweep of deleted items now: how many favourites it removed.
async fn sweep(server: &TestServer) -> anyhow::Result<u64> {
    server
        .favourites_sweep
        .run()
        .await
        .map_err(|e| anyhow::anyhow!(e.message))
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
    let r = ok(bob.get("/api/v1/me/favourites").await?, "list").await?;
    assert_eq!(r["items"], json!([]));
    assert_eq!(
        r["unavailable"].as_array().map(Vec::len),
        Some(2),
        "hidden, not forgotten, by a read: {r}"
    );
    let bob_id = user_id(&server, "bob").await?;
    assert_eq!(kept(&server, &bob_id).await?.len(), 2, "a GET never writes");

    // The sweep forgets the deleted pad for good; the channel he left still exists: kept.
    assert_eq!(sweep(&server).await?, 1);
    assert_eq!(
        kept(&server, &bob_id).await?,
        [format!("channel:{secret}")],
        "only what no longer exists is forgotten"
    );
    // Let back in, he finds his star where it was.
    let r = ana
        .put_json(
            &format!("/api/v1/chat/channels/{secret}/members/bob"),
            json!({}),
        )
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(keys(&list(&bob).await?), [format!("channel:{secret}")]);

    // Ana's own favourites were never Bob's business, nor his hers.
    assert_eq!(list(&ana).await?.len(), 2);
    assert_eq!(
        kept(&server, &user_id(&server, "ana").await?).await?.len(),
        2
    );
    Ok(())
}

#[tokio::test]
async fn a_person_keeps_at_most_the_configured_number_of_favourites() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.auth.max_favourites = 3)?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    for name in ["one", "two", "three", "four"] {
        pad(&ana, name).await?;
    }
    star(&ana, "pad", "one").await?;
    star(&ana, "pad", "two").await?;
    star(&ana, "pad", "three").await?;
    let r = ana.put_json(&fav("pad", "four"), json!({})).await?;
    assert_eq!(
        (r.status, r.code()),
        (409, "too_many_favourites"),
        "{:?}",
        r.body
    );
    // One already there is still "starred" at the cap; one removed makes room.
    star(&ana, "pad", "two").await?;
    assert_eq!(ana.delete(&fav("pad", "two")).await?.status, 204);
    star(&ana, "pad", "four").await?;
    let r = ok(ana.get("/api/v1/me/favourites").await?, "list").await?;
    assert_eq!(r["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(r["max"], 3);

    // Hidden items count: a pad made private still holds its place until it is deleted.
    star(&bob, "pad", "one").await?;
    star(&bob, "pad", "three").await?;
    star(&bob, "pad", "four").await?;
    let r = ana
        .put_json("/api/v1/pads/one/password", json!({"password": "s3cret"}))
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = ok(bob.get("/api/v1/me/favourites").await?, "list").await?;
    assert_eq!(
        (
            r["items"].as_array().map(Vec::len),
            r["unavailable"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    // Named by kind and id only (its title is not Bob's to read now), so that he can remove it.
    assert_eq!(
        r["unavailable"],
        json!([{"kind": "pad", "id": "one"}]),
        "{r}"
    );
    pad(&ana, "five").await?;
    let r = bob.put_json(&fav("pad", "five"), json!({})).await?;
    assert_eq!(r.code(), "too_many_favourites", "{:?}", r.body);
    assert_eq!(bob.delete(&fav("pad", "one")).await?.status, 204);
    ok(
        bob.put_json(&fav("pad", "five"), json!({})).await?,
        "star after removing",
    )
    .await?;
    let r = ok(bob.get("/api/v1/me/favourites").await?, "list").await?;
    assert_eq!(r["unavailable"], json!([]), "{r}");
    Ok(())
}

/// `DELETE /api/v1/me/favourites` with `items`: unstars a list in one request.
async fn unstar_list(c: &Client, items: Value) -> anyhow::Result<nichoir_testkit::Reply> {
    let req = c
        .http
        .delete(c.url("/api/v1/me/favourites"))
        .json(&json!({ "items": items }));
    let req = match &c.csrf {
        Some(t) => req.header("x-csrf-token", t),
        None => req,
    };
    c.send(req).await
}

#[tokio::test]
async fn unavailable_favourites_are_removed_in_one_request() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.auth.max_favourites = 3)?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    for name in ["one", "two", "three"] {
        pad(&ana, name).await?;
        star(&bob, "pad", name).await?;
    }
    star(&ana, "pad", "one").await?;
    for name in ["one", "two"] {
        let r = ana
            .put_json(
                &format!("/api/v1/pads/{name}/password"),
                json!({"password": "s3cret"}),
            )
            .await?;
        assert_eq!(r.status, 204, "{:?}", r.body);
    }
    let r = ok(bob.get("/api/v1/me/favourites").await?, "list").await?;
    let unavailable = r["unavailable"].clone();
    assert_eq!(
        unavailable,
        json!([{"kind": "pad", "id": "two"}, {"kind": "pad", "id": "one"}]),
        "{r}"
    );

    // A list the cap could not hold, a kind or an id no tool has, a field not asked for: the
    // whole request is refused, nothing is removed.
    let bob_id = user_id(&server, "bob").await?;
    let four: Vec<Value> = ["one", "two", "three", "four"]
        .iter()
        .map(|id| json!({"kind": "pad", "id": id}))
        .collect();
    for (items, why) in [
        (json!(four), "more than the cap"),
        (json!([{"kind": "pads", "id": "one"}]), "unknown kind"),
        (json!([{"kind": "pad", "id": "a/b"}]), "id with a '/'"),
        (json!([{"kind": "pad", "id": ""}]), "empty id"),
        (
            json!([{"kind": "pad", "id": "one", "x": 1}]),
            "unknown field",
        ),
        (json!("one"), "not a list"),
    ] {
        let r = unstar_list(&bob, items).await?;
        assert_eq!(r.status, 422, "{why}: {:?}", r.body);
    }
    assert_eq!(kept(&server, &bob_id).await?.len(), 3);

    // The list as the answer names it, and one never starred (ignored): one request.
    let mut items = unavailable.as_array().cloned().unwrap_or_default();
    items.push(json!({"kind": "wiki_page", "id": "club/Nowhere"}));
    let r = unstar_list(&bob, json!(items)).await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = ok(bob.get("/api/v1/me/favourites").await?, "list").await?;
    assert_eq!(
        (
            keys(r["items"].as_array().map(Vec::as_slice).unwrap_or_default()),
            &r["unavailable"]
        ),
        (vec!["pad:three".to_string()], &json!([])),
        "{r}"
    );
    assert_eq!(kept(&server, &bob_id).await?, ["pad:three"]);
    // Only his: Ana's star of the same pad stays.
    let ana_id = user_id(&server, "ana").await?;
    assert_eq!(kept(&server, &ana_id).await?, ["pad:one"]);
    // An empty list changes nothing.
    assert_eq!(unstar_list(&bob, json!([])).await?.status, 204);
    assert_eq!(kept(&server, &bob_id).await?, ["pad:three"]);
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

#[tokio::test]
async fn video_rooms_are_starred_by_whoever_may_open_them() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    for (name, title) in [("choir", "Choir practice"), ("board", ""), ("spare", "")] {
        ok(
            ana.post("/api/v1/video/rooms", json!({"name": name, "title": title}))
                .await?,
            "room",
        )
        .await?;
    }
    let r = star(&ana, "video_room", "choir").await?;
    assert_eq!(
        (r["tool"].as_str(), r["title"].as_str(), r["path"].as_str()),
        (Some("video"), Some("Choir practice"), Some("/video/choir"))
    );
    // A room without a title shows its name; anyone who knows a room's name may open it.
    assert_eq!(star(&bob, "video_room", "board").await?["title"], "board");
    star(&bob, "video_room", "spare").await?;
    star(&bob, "video_room", "choir").await?;
    let r = bob
        .put_json(&fav("video_room", "nowhere"), json!({}))
        .await?;
    assert_eq!((r.status, r.code()), (404, "not_found"), "{:?}", r.body);
    assert_eq!(
        keys(&list(&bob).await?),
        ["video_room:choir", "video_room:spare", "video_room:board"]
    );

    // A deleted room takes its stars along at once: a room made again under its name (by
    // anyone) does not inherit them.
    assert_eq!(ana.delete("/api/v1/video/rooms/spare").await?.status, 204);
    let bob_id = user_id(&server, "bob").await?;
    assert_eq!(
        kept(&server, &bob_id).await?,
        ["video_room:choir", "video_room:board"]
    );
    ok(
        bob.post(
            "/api/v1/video/rooms",
            json!({"name": "spare", "title": "Mine now"}),
        )
        .await?,
        "room again",
    )
    .await?;
    let r = ok(bob.get("/api/v1/me/favourites").await?, "list").await?;
    assert_eq!(
        (
            keys(r["items"].as_array().map(Vec::as_slice).unwrap_or_default()),
            &r["unavailable"]
        ),
        (
            vec![
                "video_room:choir".to_string(),
                "video_room:board".to_string()
            ],
            &json!([])
        )
    );
    assert_eq!(sweep(&server).await?, 0);
    assert_eq!(bob.delete(&fav("video_room", "board")).await?.status, 204);
    assert_eq!(keys(&list(&bob).await?), ["video_room:choir"]);
    Ok(())
}

#[tokio::test]
async fn a_wiki_private_for_a_day_keeps_its_stars() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
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
    star(&bob, "wiki", "club").await?;
    star(&bob, "wiki_page", "club/Programme").await?;
    for (visibility, shown, hidden) in [("private", 0, 2), ("public", 2, 0)] {
        ok(
            ana.patch("/api/v1/wikis/club", json!({"visibility": visibility}))
                .await?,
            visibility,
        )
        .await?;
        let r = ok(bob.get("/api/v1/me/favourites").await?, "list").await?;
        assert_eq!(
            (
                r["items"].as_array().map(Vec::len),
                r["unavailable"].as_array().map(Vec::len)
            ),
            (Some(shown), Some(hidden)),
            "{visibility}: {r}"
        );
        // The sweep leaves alone what exists, readable or not.
        assert_eq!(sweep(&server).await?, 0, "{visibility}");
    }
    assert_eq!(
        keys(&list(&bob).await?),
        ["wiki_page:club/Programme", "wiki:club"]
    );

    // A deleted wiki takes its stars and its pages' along at once: a wiki made again at its
    // address does not inherit them.
    assert_eq!(ana.delete("/api/v1/wikis/club").await?.status, 204);
    assert!(kept(&server, &user_id(&server, "bob").await?)
        .await?
        .is_empty());
    open_wiki(&ana, "club").await?;
    assert!(list(&bob).await?.is_empty());
    assert_eq!(sweep(&server).await?, 0);
    Ok(())
}

#[tokio::test]
async fn a_deleted_wiki_page_takes_its_stars_along() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    open_wiki(&ana, "club").await?;
    for page in ["Programme", "Minutes"] {
        ok(
            ana.put_json(
                &format!("/api/v1/wikis/club/pages/{page}"),
                json!({"text": "Saturday", "base_rev": null, "summary": "x"}),
            )
            .await?,
            page,
        )
        .await?;
        star(&bob, "wiki_page", &format!("club/{page}")).await?;
    }
    star(&bob, "wiki", "club").await?;
    let bob_id = user_id(&server, "bob").await?;

    // Deleted from a wiki that stays: its stars go at once, the wiki's and the other page's stay.
    let r = ana.delete("/api/v1/wikis/club/pages/programme").await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        kept(&server, &bob_id).await?,
        ["wiki:club", "wiki_page:club/Minutes"]
    );
    // Made again under its name, or restored: the page does not take back the old stars.
    ok(
        ana.put_json(
            "/api/v1/wikis/club/pages/Programme",
            json!({"text": "Sunday", "base_rev": null, "summary": "x"}),
        )
        .await?,
        "again",
    )
    .await?;
    assert_eq!(
        keys(&list(&bob).await?),
        ["wiki:club", "wiki_page:club/Minutes"]
    );

    // A star of a page that is no longer there (its deletion's removal failed, or it predates
    // it) is the sweep's: pages that exist keep theirs.
    for gone in ["club/Nowhere", "elsewhere/Programme"] {
        server
            .ctx
            .auth
            .add_favourite(&bob_id, "wiki_page", gone)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
    }
    star(&bob, "wiki_page", "club/Programme").await?;
    let r = ana.delete("/api/v1/wikis/club/pages/Minutes").await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(sweep(&server).await?, 2);
    assert_eq!(
        kept(&server, &bob_id).await?,
        ["wiki_page:club/Programme", "wiki:club"]
    );
    assert_eq!(sweep(&server).await?, 0);
    Ok(())
}

#[tokio::test]
async fn the_data_export_holds_ones_own_favourites_only() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    pad(&ana, "minutes").await?;
    pad(&ana, "secret-plans").await?;
    let starred = star(&ana, "pad", "minutes").await?;
    star(&bob, "pad", "secret-plans").await?;
    ok(
        ana.post("/api/v1/video/rooms", json!({"name": "choir"}))
            .await?,
        "room",
    )
    .await?;
    star(&ana, "video_room", "choir").await?;

    let r = ana.get("/api/v1/me/export").await?;
    assert_eq!(r.status, 200);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(r.bytes.as_slice()));
    let mut text = None;
    for entry in archive.entries()? {
        let mut entry = entry?;
        if entry
            .path()?
            .to_string_lossy()
            .ends_with("account/favourites.json")
        {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut entry, &mut s)?;
            text = Some(s);
        }
    }
    let text = text.ok_or_else(|| anyhow::anyhow!("no account/favourites.json"))?;
    let favourites: Value = serde_json::from_str(&text)?;
    let at = |v: &Value| v.as_str().and_then(nichoir_core::time::parse_rfc3339);
    let rows: Vec<(String, String, Option<i64>)> = favourites
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            assert_eq!(f.as_object().map(|o| o.len()), Some(3), "{f}");
            (
                f["kind"].as_str().unwrap_or("").to_string(),
                f["id"].as_str().unwrap_or("").to_string(),
                at(&f["added_at"]),
            )
        })
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("video_room", "choir")
    );
    assert!(rows[0].2.is_some(), "{text}");
    assert_eq!(
        rows[1],
        (
            "pad".to_string(),
            "minutes".to_string(),
            at(&starred["added_at"])
        )
    );
    assert!(!text.contains("secret-plans"), "nothing of Bob's: {text}");
    Ok(())
}
