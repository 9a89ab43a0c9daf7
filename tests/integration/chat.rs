//! Chat over HTTP and WebSocket: teams and channels, messages, unread and mention counts kept on
//! the server, threads, reactions, pins, search (never beyond one's channels), catch-up after a
//! reconnect with no gap and no duplicate, permissions over endpoints and events, bad input.

use std::time::Duration;

use nichoir_testkit::{Client, TestServer};
use serde_json::{json, Value};

use crate::support::{
    cookie_from, publish, recv_json, send_json, subscribe, ws_connect, Ws, WsAuth, PASSWORD,
};

const WAIT: Duration = Duration::from_secs(20);

struct Person {
    id: String,
    http: Client,
    cookie: String,
}

async fn person(server: &TestServer, name: &str) -> anyhow::Result<Person> {
    let user = server.create_user(name, PASSWORD, false).await?;
    let mut http = server.client();
    http.login(name, PASSWORD).await?;
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"username": name, "password": PASSWORD}))
        .send()
        .await?;
    let cookie = cookie_from(&resp, "nichoir_session");
    Ok(Person {
        id: user["id"].as_str().unwrap_or("").to_string(),
        http,
        cookie,
    })
}

async fn socket(server: &TestServer, p: &Person) -> Ws {
    let mut ws = ws_connect(server.addr, WsAuth::Cookie(&p.cookie), WAIT).await;
    let _hello = recv_json(&mut ws, WAIT).await;
    send_json(&mut ws, &subscribe(&format!("chat:{}", p.id))).await;
    let sub = recv_json(&mut ws, WAIT).await;
    assert_eq!(sub["type"], "subscribed", "{sub}");
    ws
}

/// The next chat event's data, skipping presence (changes and snapshots) and typing signals.
async fn next_event(ws: &mut Ws) -> Value {
    loop {
        let f = recv_json(ws, WAIT).await;
        if f["type"] == "event"
            && !matches!(
                f["data"]["type"].as_str(),
                Some("presence" | "presence_snapshot" | "typing")
            )
        {
            return f["data"].clone();
        }
        if f["type"] == "error" {
            return f;
        }
    }
}

async fn card(who: &Person, url: String) -> anyhow::Result<nichoir_testkit::Reply> {
    let q = url
        .replace(':', "%3A")
        .replace('/', "%2F")
        .replace('?', "%3F");
    who.http.get(&format!("/api/v1/chat/preview?url={q}")).await
}

async fn post(p: &Person, channel: &str, text: &str) -> anyhow::Result<Value> {
    let r = p
        .http
        .post(
            &format!("/api/v1/chat/channels/{channel}/posts"),
            json!({"text": text}),
        )
        .await?;
    anyhow::ensure!(r.status == 201, "post: {} {:?}", r.status, r.body);
    Ok(r.body)
}

/// A Mattermost bulk export (JSON lines) posted to a team's import.
async fn import_mattermost(
    c: &Client,
    team: &str,
    lines: &[Value],
) -> anyhow::Result<nichoir_testkit::Reply> {
    let body = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    c.send(
        c.http
            .post(c.url(&format!("/api/v1/chat/teams/{team}/import/mattermost")))
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(body),
    )
    .await
}

async fn channel_named(p: &Person, team: &str, name: &str) -> anyhow::Result<Value> {
    crate::support::channel_named(&p.http, team, name).await
}

#[tokio::test]
async fn a_team_talks_with_unread_counts_threads_reactions_pins_and_search() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    let bob = person(&server, "bob").await?;
    let r = ana
        .http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "velo", "display_name": "Asso vélo", "open": true}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        bob.http.get("/api/v1/chat/teams/open").await?.body[0]["name"],
        "velo"
    );
    assert_eq!(
        bob.http
            .post("/api/v1/chat/teams/velo/join", json!({}))
            .await?
            .status,
        200
    );
    let square = channel_named(&bob, "velo", "town-square").await?;
    let square_id = square["id"].as_str().unwrap_or("").to_string();
    assert_eq!(square["me"]["unread"], 0);

    let r = ana
        .http
        .post(
            "/api/v1/chat/teams/velo/channels",
            json!({"display_name": "Budget 2027", "kind": "public", "purpose": "le budget"}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["name"], "budget-2027");
    let budget = r.body["id"].as_str().unwrap_or("").to_string();
    let browse = bob
        .http
        .get("/api/v1/chat/teams/velo/channels/browse?q=budget")
        .await?;
    assert_eq!(browse.body[0]["joined"], false);
    assert_eq!(
        bob.http
            .post(&format!("/api/v1/chat/channels/{budget}/join"), json!({}))
            .await?
            .status,
        204
    );

    // Bob is told live; his counts are kept on the server.
    let mut bws = socket(&server, &bob).await;
    let p1 = post(&ana, &budget, "**Salut** tout le monde").await?;
    let ev = next_event(&mut bws).await;
    assert_eq!(ev["type"], "posted", "{ev}");
    assert!(ev["id"].as_i64().unwrap_or(0) > 0);
    assert_eq!(
        ev["post"]["html"],
        "<p><strong>Salut</strong> tout le monde</p>\n"
    );
    post(&ana, &budget, "@bob tu peux relire ?").await?;
    let ev = next_event(&mut bws).await;
    assert_eq!(ev["post"]["mentions"], json!([bob.id]));
    let b = channel_named(&bob, "velo", "budget-2027").await?;
    assert_eq!(
        (b["me"]["unread"].as_i64(), b["me"]["mentions"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        channel_named(&ana, "velo", "budget-2027").await?["me"]["unread"],
        0,
        "own messages are read"
    );
    assert_eq!(
        bob.http
            .post(&format!("/api/v1/chat/channels/{budget}/view"), json!({}))
            .await?
            .status,
        204
    );
    let ev = next_event(&mut bws).await;
    assert_eq!(ev["type"], "read", "other devices clear their counts: {ev}");
    let b = channel_named(&bob, "velo", "budget-2027").await?;
    assert_eq!(
        (b["me"]["unread"].as_i64(), b["me"]["mentions"].as_i64()),
        (Some(0), Some(0))
    );

    // A thread: Bob replies; Ana follows it as the author and has one unread reply.
    let root = p1["id"].as_i64().unwrap_or(0);
    let r = bob
        .http
        .post(
            &format!("/api/v1/chat/channels/{budget}/posts"),
            json!({"text": "Oui !", "root_id": root}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let t = ana
        .http
        .get(&format!("/api/v1/chat/posts/{root}/thread"))
        .await?;
    assert_eq!(t.body["replies"][0]["text"], "Oui !");
    assert_eq!(t.body["root"]["reply_count"], 1);
    let th = ana.http.get("/api/v1/chat/teams/velo/threads").await?;
    assert_eq!(th.body[0]["unread_replies"], 1, "{:?}", th.body);
    ana.http
        .post(&format!("/api/v1/chat/posts/{root}/thread/view"), json!({}))
        .await?;
    assert_eq!(
        ana.http.get("/api/v1/chat/teams/velo/threads").await?.body[0]["unread_replies"],
        0
    );
    let r = bob
        .http
        .post(
            &format!("/api/v1/chat/channels/{square_id}/posts"),
            json!({"text": "x", "root_id": root}),
        )
        .await?;
    assert_eq!(r.status, 422, "a reply belongs to its root's channel");

    // Reactions and pins reach the others.
    let _ = next_event(&mut bws).await; // Bob's own reply
    assert_eq!(
        bob.http
            .put_json(
                &format!("/api/v1/chat/posts/{root}/reactions/thumbsup"),
                json!({})
            )
            .await?
            .status,
        204
    );
    assert_eq!(
        ana.http
            .put_json(
                &format!("/api/v1/chat/posts/{root}/reactions/%F0%9F%91%8D"),
                json!({})
            )
            .await?
            .status,
        204
    );
    let p = ana.http.get(&format!("/api/v1/chat/posts/{root}")).await?;
    assert_eq!(p.body["reactions"][0]["emoji"], "👍");
    assert_eq!(p.body["reactions"][0]["count"], 2);
    assert_eq!(p.body["reactions"][0]["me"], true);
    assert_eq!(
        bob.http
            .put_json(
                &format!("/api/v1/chat/posts/{root}/reactions/notanemoji"),
                json!({})
            )
            .await?
            .status,
        422
    );
    assert_eq!(
        ana.http
            .put_json(&format!("/api/v1/chat/posts/{root}/pin"), json!({}))
            .await?
            .status,
        204
    );
    assert_eq!(
        bob.http
            .get(&format!("/api/v1/chat/channels/{budget}/pinned"))
            .await?
            .body[0]["id"],
        root
    );

    // Edits by the author only; deletes keep a tombstone.
    let r = bob
        .http
        .patch(
            &format!("/api/v1/chat/posts/{root}"),
            json!({"text": "hacked"}),
        )
        .await?;
    assert_eq!(r.status, 403);
    let r = ana
        .http
        .patch(
            &format!("/api/v1/chat/posts/{root}"),
            json!({"text": "**Salut** à tous"}),
        )
        .await?;
    assert_eq!(r.status, 200);
    assert!(r.body["edited_at"].is_string());
    let gone = post(&ana, &budget, "oups").await?;
    let gid = gone["id"].as_i64().unwrap_or(0);
    assert_eq!(
        bob.http
            .delete(&format!("/api/v1/chat/posts/{gid}"))
            .await?
            .status,
        403
    );
    assert_eq!(
        ana.http
            .delete(&format!("/api/v1/chat/posts/{gid}"))
            .await?
            .status,
        204
    );
    assert_eq!(
        bob.http
            .get(&format!("/api/v1/chat/posts/{gid}"))
            .await?
            .body["deleted"],
        true
    );

    // History pages, permalinks.
    for i in 0..60 {
        post(&ana, &square_id, &format!("message {i} sur le vélo")).await?;
    }
    let page = bob
        .http
        .get(&format!("/api/v1/chat/channels/{square_id}/posts?limit=50"))
        .await?;
    assert_eq!(page.body["posts"].as_array().map(Vec::len), Some(50));
    assert_eq!(page.body["more"], true);
    let oldest = page.body["posts"][49]["id"].as_i64().unwrap_or(0);
    let older = bob
        .http
        .get(&format!(
            "/api/v1/chat/channels/{square_id}/posts?before={oldest}&limit=50"
        ))
        .await?;
    assert_eq!(older.body["posts"].as_array().map(Vec::len), Some(10));
    assert_eq!(older.body["more"], false);
    let mid = page.body["posts"][30]["id"].as_i64().unwrap_or(0);
    let around = bob
        .http
        .get(&format!(
            "/api/v1/chat/channels/{square_id}/posts?around={mid}"
        ))
        .await?;
    let ids: Vec<i64> = around.body["posts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    assert!(
        ids.contains(&mid) && ids.windows(2).all(|w| w[0] < w[1]),
        "{ids:?}"
    );

    // Search with filters.
    let s = bob
        .http
        .get("/api/v1/chat/teams/velo/search?q=velo")
        .await?;
    assert_eq!(
        s.body["posts"].as_array().map(Vec::len),
        Some(60),
        "accents do not matter"
    );
    assert_eq!(s.body["posts"][0]["channel"]["name"], "town-square");
    let s = bob
        .http
        .get("/api/v1/chat/teams/velo/search?q=salut%20in:budget-2027%20from:ana")
        .await?;
    assert_eq!(s.body["posts"][0]["id"], root);
    let s = bob
        .http
        .get("/api/v1/chat/teams/velo/search?q=salut%20from:bob")
        .await?;
    assert_eq!(s.body["posts"], json!([]));
    let s = bob
        .http
        .get("/api/v1/chat/teams/velo/search?q=salut%20before:2000-01-01")
        .await?;
    assert_eq!(s.body["posts"], json!([]));
    let s = bob
        .http
        .get("/api/v1/chat/teams/velo/search?q=salut%20after:2000-01-01")
        .await?;
    assert!(!s.body["posts"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(
        bob.http
            .get("/api/v1/chat/teams/velo/search?q=before:hier")
            .await?
            .status,
        422
    );

    // Archived: read-only, still searchable.
    assert_eq!(
        bob.http
            .post(
                &format!("/api/v1/chat/channels/{budget}/archive"),
                json!({})
            )
            .await?
            .status,
        403
    );
    assert_eq!(
        ana.http
            .post(
                &format!("/api/v1/chat/channels/{budget}/archive"),
                json!({})
            )
            .await?
            .status,
        204
    );
    let r = bob
        .http
        .post(
            &format!("/api/v1/chat/channels/{budget}/posts"),
            json!({"text": "encore"}),
        )
        .await?;
    assert_eq!(r.status, 409);
    let s = bob
        .http
        .get("/api/v1/chat/teams/velo/search?q=relire")
        .await?;
    assert_eq!(s.body["posts"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn reconnecting_catches_up_with_no_gap_and_no_duplicate() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    let bob = person(&server, "bob").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "t1", "display_name": "T", "open": true}),
        )
        .await?;
    bob.http
        .post("/api/v1/chat/teams/t1/join", json!({}))
        .await?;
    let square = channel_named(&ana, "t1", "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let mut ws = socket(&server, &bob).await;
    post(&ana, &square, "one").await?;
    let first = next_event(&mut ws).await;
    let last_seen = first["id"].as_i64().unwrap_or(0);
    drop(ws);
    // While Bob is away: messages, an edit, a reaction, a deletion.
    let two = post(&ana, &square, "two").await?;
    let three = post(&ana, &square, "three").await?;
    let two_id = two["id"].as_i64().unwrap_or(0);
    ana.http
        .patch(
            &format!("/api/v1/chat/posts/{two_id}"),
            json!({"text": "two (edited)"}),
        )
        .await?;
    ana.http
        .put_json(
            &format!("/api/v1/chat/posts/{}/reactions/tada", three["id"]),
            json!({}),
        )
        .await?;
    ana.http
        .delete(&format!("/api/v1/chat/posts/{}", three["id"]))
        .await?;

    let mut ws = socket(&server, &bob).await;
    send_json(
        &mut ws,
        &publish(
            &format!("chat:{}", bob.id),
            json!({"type": "catch_up", "after": last_seen}),
        ),
    )
    .await;
    let mut got: Vec<Value> = Vec::new();
    loop {
        let ev = next_event(&mut ws).await;
        match ev["type"].as_str() {
            Some("events") => got.extend(ev["events"].as_array().cloned().unwrap_or_default()),
            Some("caught_up") => break,
            other => panic!("unexpected during catch-up: {other:?} {ev}"),
        }
    }
    let kinds: Vec<&str> = got.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "posted",
            "posted",
            "post_edited",
            "reaction",
            "post_deleted"
        ],
        "{got:?}"
    );
    // The deleted message's text is gone from the log too: the catch-up replays it deleted.
    assert_eq!(got[1]["post"]["id"], three["id"]);
    assert_eq!(
        (&got[1]["post"]["text"], &got[1]["post"]["deleted"]),
        (&json!(""), &json!(true)),
        "{}",
        got[1]
    );
    assert_eq!(got[0]["post"]["text"], "two", "the others are untouched");
    let ids: Vec<i64> = got.iter().filter_map(|e| e["id"].as_i64()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]) && ids[0] > last_seen,
        "in order, after the last seen: {ids:?}"
    );
    // Live again.
    post(&ana, &square, "four").await?;
    let live = next_event(&mut ws).await;
    assert_eq!(live["post"]["text"], "four");
    assert!(live["id"].as_i64().unwrap_or(0) > *ids.last().unwrap_or(&0));
    // A catch-up from the start gives everything kept; from an id beyond, nothing.
    send_json(
        &mut ws,
        &publish(
            &format!("chat:{}", bob.id),
            json!({"type": "catch_up", "after": 999_999_999}),
        ),
    )
    .await;
    let ev = next_event(&mut ws).await;
    assert_eq!(ev["type"], "caught_up");
    send_json(
        &mut ws,
        &publish(
            &format!("chat:{}", bob.id),
            json!({"type": "catch_up", "after": -1}),
        ),
    )
    .await;
    let ev = recv_json(&mut ws, WAIT).await;
    assert_eq!(ev["type"], "error", "malformed catch-up: {ev}");
    send_json(
        &mut ws,
        &publish(&format!("chat:{}", bob.id), json!({"type": "nonsense"})),
    )
    .await;
    assert_eq!(recv_json(&mut ws, WAIT).await["type"], "error");
    Ok(())
}

/// Who may read, write, search and receive what.
#[tokio::test]
async fn nobody_reads_searches_or_hears_a_channel_they_are_not_in() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    let bob = person(&server, "bob").await?;
    let eve = person(&server, "eve").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "inner", "display_name": "Inner", "open": false}),
        )
        .await?;
    assert_eq!(
        eve.http
            .post("/api/v1/chat/teams/inner/join", json!({}))
            .await?
            .status,
        404,
        "a closed team is invisible"
    );
    assert_eq!(
        ana.http
            .put_json(
                "/api/v1/chat/teams/inner/members/bob",
                json!({"role": "member"})
            )
            .await?
            .status,
        204
    );
    let r = ana
        .http
        .post(
            "/api/v1/chat/teams/inner/channels",
            json!({"display_name": "Secret", "kind": "private"}),
        )
        .await?;
    let secret = r.body["id"].as_str().unwrap_or("").to_string();
    let square = channel_named(&ana, "inner", "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let mut bws = socket(&server, &bob).await;
    post(&ana, &secret, "the secret plan").await?;
    post(&ana, &square, "public hello").await?;
    let ev = next_event(&mut bws).await;
    assert_eq!(
        ev["post"]["text"], "public hello",
        "Bob never hears the private channel: {ev}"
    );
    let s = bob
        .http
        .get("/api/v1/chat/teams/inner/search?q=secret")
        .await?;
    assert_eq!(s.body["posts"], json!([]));
    let secret_post = ana
        .http
        .get(&format!("/api/v1/chat/channels/{secret}/posts"))
        .await?
        .body["posts"][0]["id"]
        .as_i64()
        .unwrap_or(0);
    for (who, c) in [("bob", &bob), ("eve", &eve)] {
        assert_eq!(
            c.http
                .get(&format!("/api/v1/chat/channels/{secret}/posts"))
                .await?
                .status,
            404,
            "{who}"
        );
        assert_eq!(
            c.http
                .get(&format!("/api/v1/chat/channels/{secret}"))
                .await?
                .status,
            404,
            "{who}"
        );
        assert_eq!(
            c.http
                .post(
                    &format!("/api/v1/chat/channels/{secret}/posts"),
                    json!({"text": "x"})
                )
                .await?
                .status,
            404,
            "{who}"
        );
        assert_eq!(
            c.http
                .post(&format!("/api/v1/chat/channels/{secret}/join"), json!({}))
                .await?
                .status,
            404,
            "{who}"
        );
        assert_eq!(
            c.http
                .get(&format!("/api/v1/chat/posts/{secret_post}"))
                .await?
                .status,
            404,
            "{who}"
        );
        assert_eq!(
            c.http
                .get(&format!("/api/v1/chat/posts/{secret_post}/thread"))
                .await?
                .status,
            404,
            "{who}"
        );
        assert_eq!(
            c.http
                .put_json(
                    &format!("/api/v1/chat/posts/{secret_post}/reactions/tada"),
                    json!({})
                )
                .await?
                .status,
            404,
            "{who}"
        );
    }
    for path in [
        format!("/api/v1/chat/channels/{square}/posts"),
        "/api/v1/chat/teams/inner/channels".into(),
        "/api/v1/chat/teams/inner/search?q=hello".into(),
        "/api/v1/chat/teams/inner/members".into(),
    ] {
        assert_eq!(
            eve.http.get(&path).await?.status,
            404,
            "eve is not in the team: {path}"
        );
    }
    // Eve cannot listen to Bob's topic.
    let mut ews = ws_connect(server.addr, WsAuth::Cookie(&eve.cookie), WAIT).await;
    let _ = recv_json(&mut ews, WAIT).await;
    send_json(&mut ews, &subscribe(&format!("chat:{}", bob.id))).await;
    assert_eq!(recv_json(&mut ews, WAIT).await["type"], "error");
    // Invited, Bob reads it; removed, he no longer does and is told.
    assert_eq!(
        ana.http
            .put_json(
                &format!("/api/v1/chat/channels/{secret}/members/bob"),
                json!({})
            )
            .await?
            .status,
        204
    );
    assert_eq!(
        bob.http
            .get(&format!("/api/v1/chat/channels/{secret}/posts"))
            .await?
            .body["posts"][0]["text"],
        "the secret plan"
    );
    assert_eq!(
        ana.http
            .delete(&format!("/api/v1/chat/channels/{secret}/members/bob"))
            .await?
            .status,
        204
    );
    assert_eq!(
        bob.http
            .get(&format!("/api/v1/chat/channels/{secret}/posts"))
            .await?
            .status,
        404
    );
    loop {
        let ev = next_event(&mut bws).await;
        if ev["type"] == "channel_removed" {
            assert_eq!(ev["channel_id"], secret);
            break;
        }
    }
    // His open socket hears nothing more of it, and may not signal typing there.
    post(&ana, &secret, "after you left").await?;
    post(&ana, &square, "marker").await?;
    let ev = next_event(&mut bws).await;
    assert_eq!(ev["post"]["text"], "marker", "{ev}");
    let typing = json!({"type": "typing", "channel_id": secret});
    send_json(&mut bws, &publish(&format!("chat:{}", bob.id), typing)).await;
    let refused = next_event(&mut bws).await;
    assert_eq!(refused["type"], "error", "{refused}");
    // Direct messages: the same two people always get the same channel, announced once.
    let mut bob_ws = socket(&server, &bob).await;
    let d1 = ana
        .http
        .post("/api/v1/chat/direct", json!({"usernames": ["bob"]}))
        .await?;
    let new_dm = next_event(&mut bob_ws).await;
    assert_eq!(new_dm["type"], "channel_updated", "{new_dm}");
    assert_eq!(new_dm["channel"]["id"], d1.body["id"]);
    let d2 = bob
        .http
        .post("/api/v1/chat/direct", json!({"usernames": ["ana"]}))
        .await?;
    assert_eq!(d1.body["id"], d2.body["id"]);
    assert_eq!(d1.body["kind"], "direct");
    assert_eq!(d1.body["display_name"], "BOB");
    let dm = d1.body["id"].as_str().unwrap_or("").to_string();
    post(&ana, &dm, "psst").await?;
    // Opening it again told Bob nothing: his next event is the message.
    let next = next_event(&mut bob_ws).await;
    assert_eq!(next["type"], "posted", "{next}");
    assert_eq!(
        eve.http
            .get(&format!("/api/v1/chat/channels/{dm}/posts"))
            .await?
            .status,
        404
    );
    let g = ana
        .http
        .post("/api/v1/chat/direct", json!({"usernames": ["bob", "eve"]}))
        .await?;
    assert_eq!(g.body["kind"], "group");
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_stores_nothing() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "bad", "display_name": "Bad"}),
        )
        .await?;
    let square = channel_named(&ana, "bad", "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let url = format!("/api/v1/chat/channels/{square}/posts");
    for (body, status) in [
        (json!({"text": ""}), 422),
        (json!({"text": "   \n  "}), 422),
        (json!({"text": "x".repeat(16_001)}), 422),
        (json!({"text": "ok", "root_id": 999_999}), 422),
        (json!({"text": "ok", "color": "red"}), 422),
        (json!({"text": 42}), 422),
        (json!({"text": "ok", "client_id": "x".repeat(65)}), 422),
    ] {
        let r = ana.http.post(&url, body.clone()).await?;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
    }
    let r = ana
        .http
        .send(
            ana.http
                .http
                .post(ana.http.url(&url))
                .header("x-csrf-token", ana.http.csrf.clone().unwrap_or_default())
                .header("content-type", "application/json")
                .body("{broken"),
        )
        .await?;
    assert_eq!(r.status, 400);
    assert_eq!(
        ana.http.get(&format!("{url}?limit=50")).await?.body["posts"],
        json!([]),
        "nothing stored"
    );
    for (name, status) in [("a", 422), ("has space", 422), ("bad", 409)] {
        let r = ana
            .http
            .post(
                "/api/v1/chat/teams",
                json!({"name": name, "display_name": "x"}),
            )
            .await?;
        assert_eq!(r.status, status, "{name}");
    }
    let r = ana
        .http
        .post(
            "/api/v1/chat/teams/bad/channels",
            json!({"display_name": "", "kind": "public"}),
        )
        .await?;
    assert_eq!(r.status, 422);
    let r = ana
        .http
        .post(
            "/api/v1/chat/teams/bad/channels",
            json!({"display_name": "X", "kind": "secret"}),
        )
        .await?;
    assert_eq!(r.status, 422);
    assert_eq!(
        ana.http
            .post("/api/v1/chat/direct", json!({"usernames": []}))
            .await?
            .status,
        422
    );
    assert_eq!(
        ana.http
            .post("/api/v1/chat/direct", json!({"usernames": ["nobody"]}))
            .await?
            .status,
        404
    );
    assert_eq!(
        ana.http.get("/api/v1/chat/posts/notanumber").await?.status / 100,
        4
    );
    // Resending with the same client_id gives back the first message, not a second one.
    let a = ana
        .http
        .post(&url, json!({"text": "once", "client_id": "tmp-1"}))
        .await?;
    let b = ana
        .http
        .post(&url, json!({"text": "once", "client_id": "tmp-1"}))
        .await?;
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(
        ana.http.get(&url).await?.body["posts"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Guests have no chat.
    let g = server.guest().await?;
    assert_eq!(g.get("/api/v1/chat/teams").await?.status, 401);
    Ok(())
}

pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    png_with_text(w, h, None)
}

/// A PNG, with a `tEXt` chunk saying `text` if given (as cameras and editors leave metadata).
pub(crate) fn png_with_text(w: u32, h: u32, text: Option<&[u8]>) -> Vec<u8> {
    // A real PNG (RGB, zlib-compressed rows with filter 0), built here so the test needs no image
    // library of its own.
    let row: Vec<u8> = std::iter::once(0u8)
        .chain([200u8, 40, 40].repeat(w as usize))
        .collect();
    let raw = row.repeat(h as usize);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut z, &raw).expect("zlib");
    let idat = z.finish().expect("zlib");
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc32(kind, data).to_be_bytes());
        c
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    out.extend(chunk(b"IHDR", &ihdr));
    if let Some(text) = text {
        out.extend(chunk(b"tEXt", text));
    }
    out.extend(chunk(b"IDAT", &idat));
    out.extend(chunk(b"IEND", &[]));
    out
}

fn crc32(kind: &[u8], data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in kind.iter().chain(data) {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn upload(
    p: &Person,
    channel: &str,
    name: &str,
    ct: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<nichoir_testkit::Reply> {
    let c = &p.http;
    let url = c.url(&format!(
        "/api/v1/chat/channels/{channel}/files?name={}",
        name.replace('/', "%2F")
    ));
    c.send(
        c.http
            .post(url)
            .header("content-type", ct)
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(bytes),
    )
    .await
}

#[tokio::test]
async fn files_webhooks_and_retention() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.uploads.max_file_bytes = 200_000)?;
    let ana = person(&server, "ana").await?;
    let bob = person(&server, "bob").await?;
    let eve = person(&server, "eve").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "files", "display_name": "Files", "open": true}),
        )
        .await?;
    bob.http
        .post("/api/v1/chat/teams/files/join", json!({}))
        .await?;
    let square = channel_named(&ana, "files", "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();

    // An image with its thumbnail; a message carrying it.
    let r = upload(&ana, &square, "photo.png", "image/png", png(900, 300)).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let fid = r.body["id"].as_str().unwrap_or("").to_string();
    assert_eq!(
        (r.body["width"].as_i64(), r.body["height"].as_i64()),
        (Some(900), Some(300))
    );
    let r = ana
        .http
        .post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "", "file_ids": [fid]}),
        )
        .await?;
    assert_eq!(r.status, 201, "a message may be only a file: {:?}", r.body);
    assert_eq!(r.body["files"][0]["name"], "photo.png");
    let thumb = bob
        .http
        .get(&format!("/api/v1/chat/files/{fid}/thumbnail"))
        .await?;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.headers["content-type"], "image/png");
    assert!(thumb.bytes.len() < 20_000);
    assert_eq!(
        bob.http
            .get(&format!("/api/v1/chat/files/{fid}"))
            .await?
            .bytes,
        png(900, 300)
    );
    assert_eq!(
        eve.http
            .get(&format!("/api/v1/chat/files/{fid}"))
            .await?
            .status,
        404,
        "not in the channel"
    );
    let r = bob
        .http
        .post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "mine", "file_ids": [fid]}),
        )
        .await?;
    assert_eq!(r.status, 422, "a file is attached once, by its uploader");
    for (name, ct, bytes, status) in [
        ("../../x", "text/plain", b"x".to_vec(), 422),
        ("fake.png", "image/png", b"hello".to_vec(), 415),
        (
            "x.svg",
            "image/svg+xml",
            b"<svg onload=alert(1)/>".to_vec(),
            415,
        ),
        ("big.txt", "text/plain", vec![b'a'; 200_001], 413),
    ] {
        let r = upload(&ana, &square, name, ct, bytes).await?;
        assert_eq!(r.status, status, "{name}: {:?}", r.body);
    }
    assert_eq!(
        upload(&eve, &square, "e.txt", "text/plain", b"hi".to_vec())
            .await?
            .status,
        404
    );

    // An incoming webhook, Slack-style.
    assert_eq!(
        bob.http
            .post(
                &format!("/api/v1/chat/channels/{square}/webhooks"),
                json!({"display_name": "CI"})
            )
            .await?
            .status,
        403
    );
    let r = ana
        .http
        .post(
            &format!("/api/v1/chat/channels/{square}/webhooks"),
            json!({"display_name": "CI"}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let url = r.body["url"].as_str().unwrap_or("").to_string();
    let path = url.trim_start_matches(&server.url).to_string();
    let hook = reqwest::Client::new().post(format!("{}{path}", server.url)).json(&json!({"text": "Build **#42** passed", "username": "ci-bot",
        "attachments": [{"title": "logs", "title_link": "https://ci.example/42", "text": "all green"}]})).send().await?;
    assert_eq!(hook.status().as_u16(), 200);
    let last = bob
        .http
        .get(&format!("/api/v1/chat/channels/{square}/posts?limit=1"))
        .await?;
    assert_eq!(
        last.body["posts"][0]["props"]["override_username"],
        "ci-bot"
    );
    assert!(last.body["posts"][0]["text"]
        .as_str()
        .unwrap_or("")
        .contains("all green"));
    let wrong = reqwest::Client::new()
        .post(format!("{}/hooks/not-the-secret", server.url))
        .json(&json!({"text": "x"}))
        .send()
        .await?;
    assert_eq!(wrong.status().as_u16(), 404);
    let empty = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .json(&json!({"text": ""}))
        .send()
        .await?;
    assert_eq!(empty.status().as_u16(), 422);
    let hooks = ana
        .http
        .get(&format!("/api/v1/chat/channels/{square}/webhooks"))
        .await?;
    let hid = hooks.body[0]["id"].as_str().unwrap_or("").to_string();
    assert_eq!(
        ana.http
            .delete(&format!("/api/v1/chat/channels/{square}/webhooks/{hid}"))
            .await?
            .status,
        204
    );
    let gone = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .json(&json!({"text": "x"}))
        .send()
        .await?;
    assert_eq!(gone.status().as_u16(), 404);

    // Retention: a channel keeping 1 day loses older messages (and their files) when the job runs.
    assert_eq!(
        bob.http
            .put_json(
                &format!("/api/v1/chat/channels/{square}/retention"),
                json!({"days": 1})
            )
            .await?
            .status,
        403
    );
    assert_eq!(
        ana.http
            .put_json(
                &format!("/api/v1/chat/channels/{square}/retention"),
                json!({"days": 1})
            )
            .await?
            .status,
        204
    );
    let old = post(&ana, &square, "from last week").await?["id"]
        .as_i64()
        .unwrap_or(0);
    let ago = nichoir_core::time::now_ms() - 2 * 86_400_000;
    server.ctx.db.write(move |c| {
        c.execute("UPDATE chat_posts SET created_at = ?2 WHERE id = ?1 OR id IN (SELECT post_id FROM chat_files)", nichoir_storage::params![old, ago])?;
        Ok(())
    }).await?;
    let removed = server
        .chat
        .apply_retention()
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    assert_eq!(removed, 2);
    assert_eq!(
        ana.http
            .get(&format!("/api/v1/chat/posts/{old}"))
            .await?
            .status,
        404
    );
    assert_eq!(
        ana.http
            .get(&format!("/api/v1/chat/files/{fid}"))
            .await?
            .status,
        404
    );
    assert_eq!(
        ana.http
            .get("/api/v1/chat/teams/files/search?q=week")
            .await?
            .body["posts"],
        json!([])
    );
    Ok(())
}

#[tokio::test]
async fn links_to_pads_polls_and_wiki_pages_get_cards_checked_for_the_viewer() -> anyhow::Result<()>
{
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    let bob = person(&server, "bob").await?;
    let pad = ana
        .http
        .post("/api/v1/pads", json!({"name": "minutes-velo"}))
        .await?;
    assert_eq!(pad.status, 201, "{:?}", pad.body);
    let poll = ana
        .http
        .post(
            "/api/v1/polls",
            json!({"kind": "classic", "title": "Où manger ?", "author_name": "Ana",
        "options": [{"label": "Pizza"}, {"label": "Crêpes"}]}),
        )
        .await?;
    let poll_id = poll.body["poll"]["id"].as_str().unwrap_or("").to_string();
    ana.http
        .post("/api/v1/wikis", json!({"slug": "club", "title": "Club"}))
        .await?;
    ana.http
        .put_json(
            "/api/v1/wikis/club/pages/Rules",
            json!({"text": "# Rules\n\nBe **kind** to [[Members|each other]]."}),
        )
        .await?;
    ana.http
        .post(
            "/api/v1/wikis",
            json!({"slug": "board", "title": "Board", "visibility": "private"}),
        )
        .await?;
    ana.http
        .put_json(
            "/api/v1/wikis/board/pages/Salaries",
            json!({"text": "secret"}),
        )
        .await?;

    let base = server.url.clone();
    let r = card(&bob, format!("{base}/p/minutes-velo")).await?;
    assert_eq!(
        (r.status, r.body["kind"].as_str()),
        (200, Some("pad")),
        "{:?}",
        r.body
    );
    let r = card(&bob, format!("{base}/poll/{poll_id}")).await?;
    assert_eq!(r.body["title"], "Où manger ?");
    assert_eq!(r.body["options"], 2);
    let r = card(&bob, "/w/club/Rules".into()).await?;
    assert_eq!(r.body["title"], "Rules");
    assert_eq!(r.body["excerpt"], "Be kind to each other.");
    assert_eq!(
        card(&bob, "/w/board/Salaries".into()).await?.status,
        404,
        "a private wiki's page is not shown to others"
    );
    assert_eq!(card(&ana, "/w/board/Salaries".into()).await?.status, 200);
    assert_eq!(
        card(&bob, "https://elsewhere.example/p/minutes-velo".into())
            .await?
            .status,
        404,
        "other hosts are never fetched"
    );
    assert_eq!(card(&bob, "/p/no-such-pad".into()).await?.status, 404);
    // A password-protected pad shows nothing until its password was given.
    ana.http
        .put_json(
            "/api/v1/pads/minutes-velo/password",
            json!({"password": "sésame"}),
        )
        .await?;
    assert_eq!(card(&bob, "/p/minutes-velo".into()).await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn guests_only_see_the_channels_they_are_given() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    let gus = person(&server, "gus").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "asso", "display_name": "Asso"}),
        )
        .await?;
    let open = ana
        .http
        .post(
            "/api/v1/chat/teams/asso/channels",
            json!({"display_name": "Partners", "kind": "public"}),
        )
        .await?;
    let partners = open.body["id"].as_str().unwrap_or("").to_string();
    let square = channel_named(&ana, "asso", "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let r = ana
        .http
        .put_json(
            "/api/v1/chat/teams/asso/members/gus",
            json!({"role": "guest", "channels": []}),
        )
        .await?;
    assert_eq!(r.status, 422, "a guest needs channels");
    let r = ana
        .http
        .put_json(
            "/api/v1/chat/teams/asso/members/gus",
            json!({"role": "guest", "channels": ["partners"]}),
        )
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let mine = gus.http.get("/api/v1/chat/teams/asso/channels").await?;
    let names: Vec<&str> = mine
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["partners"]);
    assert_eq!(
        gus.http
            .get(&format!("/api/v1/chat/channels/{square}/posts"))
            .await?
            .status,
        404,
        "not even the town square"
    );
    assert_eq!(
        gus.http
            .post(&format!("/api/v1/chat/channels/{square}/join"), json!({}))
            .await?
            .status,
        404
    );
    assert_eq!(
        gus.http
            .get("/api/v1/chat/teams/asso/channels/browse")
            .await?
            .body,
        json!([])
    );
    assert_eq!(
        gus.http
            .post(
                "/api/v1/chat/teams/asso/channels",
                json!({"display_name": "Mine", "kind": "public"})
            )
            .await?
            .status,
        403
    );
    assert_eq!(
        post(&gus, &partners, "hello from a guest").await?["text"],
        "hello from a guest"
    );
    post(&ana, &square, "members only").await?;
    assert_eq!(
        gus.http
            .get("/api/v1/chat/teams/asso/search?q=members")
            .await?
            .body["posts"],
        json!([])
    );
    // Gus becomes a member: he is in the town square, as any newcomer.
    let r = ana
        .http
        .put_json(
            "/api/v1/chat/teams/asso/members/gus",
            json!({"role": "member"}),
        )
        .await?;
    assert!(r.status < 300, "{:?}", r.body);
    assert_eq!(
        post(&gus, &square, "glad to be in").await?["text"],
        "glad to be in"
    );
    Ok(())
}

fn slack_zip() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let mut file = |name: &str, v: Value| {
        w.start_file(name, opts).expect("zip entry");
        std::io::Write::write_all(&mut w, v.to_string().as_bytes()).expect("zip write");
    };
    file(
        "users.json",
        json!([{"id": "U1", "name": "ana"}, {"id": "U2", "name": "zoe"}]),
    );
    file(
        "channels.json",
        json!([{"id": "C1", "name": "general", "purpose": {"value": "tout"}, "topic": {"value": "AG jeudi"}}]),
    );
    file(
        "general/2026-11-01.json",
        json!([
            {"type": "message", "user": "U2", "text": "Hello <@U1>, see <https://x.example|the doc>", "ts": "1761991200.000100",
             "reactions": [{"name": "tada", "users": ["U1"], "count": 1}]},
            {"type": "message", "user": "U1", "text": "thanks!", "ts": "1761991260.000200", "thread_ts": "1761991200.000100"},
            {"type": "message", "subtype": "channel_join", "user": "U2", "text": "", "ts": "1761991000.000000"}
        ]),
    );
    file("../evil.json", json!([]));
    w.finish().expect("zip").into_inner()
}

#[tokio::test]
async fn a_slack_export_moves_over_with_its_history() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "moved", "display_name": "Moved"}),
        )
        .await?;
    let send = |bytes: Vec<u8>| {
        let c = &ana.http;
        c.send(
            c.http
                .post(c.url("/api/v1/chat/teams/moved/import/slack"))
                .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
                .body(bytes),
        )
    };
    let r = send(slack_zip()).await?;
    assert_eq!(
        r.status, 422,
        "a path leaving the zip's folder refuses the whole import: {:?}",
        r.body
    );
    let mut clean = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    {
        let mut src = zip::ZipArchive::new(std::io::Cursor::new(slack_zip()))?;
        for i in 0..src.len() {
            let f = src.by_index(i)?;
            if f.name().ok().as_deref() != Some("../evil.json") {
                clean.raw_copy_file(f)?;
            }
        }
    }
    let r = send(clean.finish()?.into_inner()).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["posts"], 2);
    let general = channel_named(&ana, "moved", "general").await?;
    assert_eq!(general["header"], "AG jeudi");
    assert_eq!(general["me"]["unread"], 0, "imported history starts read");
    let id = general["id"].as_str().unwrap_or("").to_string();
    let posts = ana
        .http
        .get(&format!("/api/v1/chat/channels/{id}/posts?limit=10"))
        .await?;
    let list = posts.body["posts"].as_array().cloned().unwrap_or_default();
    let first = &list[1];
    assert_eq!(
        first["text"],
        "Hello @ana, see [the doc](https://x.example)"
    );
    assert_eq!(
        first["props"]["override_username"], "zoe",
        "unknown Slack users keep their name"
    );
    assert_eq!(
        first["created_at"], "2025-11-01T10:00:00Z",
        "the original time"
    );
    assert_eq!(first["reactions"][0]["emoji"], "🎉");
    assert_eq!(list[0]["root_id"], first["id"], "the thread is kept");
    assert_eq!(
        list[0]["user"]["username"], "ana",
        "known users keep their messages"
    );
    assert_eq!(send(b"not a zip".to_vec()).await?.status, 422);
    let bob = person(&server, "bob").await?;
    let r = bob
        .http
        .send(
            bob.http
                .http
                .post(bob.http.url("/api/v1/chat/teams/moved/import/slack"))
                .header("x-csrf-token", bob.http.csrf.clone().unwrap_or_default())
                .body(Vec::new()),
        )
        .await?;
    assert_eq!(r.status, 404, "not in that team");
    Ok(())
}

#[tokio::test]
async fn bots_post_with_an_api_token() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    let bot = person(&server, "deploy-bot").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "ops", "display_name": "Ops"}),
        )
        .await?;
    ana.http
        .put_json(
            "/api/v1/chat/teams/ops/members/deploy-bot",
            json!({"role": "member"}),
        )
        .await?;
    let square = channel_named(&ana, "ops", "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let token = bot
        .http
        .post("/api/v1/me/tokens", json!({"name": "deploys"}))
        .await?
        .body["token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{}/api/v1/chat/channels/{square}/posts",
            server.url
        ))
        .bearer_auth(&token)
        .json(&json!({"text": "Deployed v1.2 ✅"}))
        .send()
        .await?;
    assert_eq!(
        r.status().as_u16(),
        201,
        "no cookie, no CSRF token: the API token is enough"
    );
    let r = http
        .get(format!(
            "{}/api/v1/chat/teams/ops/search?q=deployed",
            server.url
        ))
        .bearer_auth(&token)
        .send()
        .await?;
    let v: Value = r.json().await?;
    assert_eq!(v["posts"][0]["user"]["username"], "deploy-bot");
    assert_eq!(
        v["posts"][0]["props"]["from_bot"], true,
        "shown with a BOT tag"
    );
    // The same account in a browser session posts as a person.
    let by_hand = post(&bot, &square, "by hand").await?;
    assert_eq!(by_hand["props"].get("from_bot"), None, "{by_hand}");
    let r = http
        .post(format!(
            "{}/api/v1/chat/channels/{square}/posts",
            server.url
        ))
        .bearer_auth("not-a-token")
        .json(&json!({"text": "x"}))
        .send()
        .await?;
    assert_eq!(r.status().as_u16(), 401);
    Ok(())
}

#[tokio::test]
async fn a_mattermost_bulk_export_moves_over_too() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "mm", "display_name": "MM"}),
        )
        .await?;
    let jsonl = [
        json!({"type": "version", "version": 1}),
        json!({"type": "channel", "channel": {"team": "old", "name": "off-topic", "display_name": "Off topic", "type": "O", "header": "rien de sérieux", "purpose": ""}}),
        json!({"type": "post", "post": {"team": "old", "channel": "off-topic", "user": "ana", "message": "**Bonjour**", "create_at": 1_700_000_000_000_i64,
            "reactions": [{"user": "ana", "emoji_name": "thumbsup", "create_at": 1_700_000_000_500_i64}],
            "replies": [{"user": "zed", "message": "salut", "create_at": 1_700_000_060_000_i64}]}}),
    ];
    let c = &ana.http;
    let r = import_mattermost(c, "mm", &jsonl).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["posts"], 2);
    let ch = channel_named(&ana, "mm", "off-topic").await?;
    assert_eq!(ch["header"], "rien de sérieux");
    let id = ch["id"].as_str().unwrap_or("").to_string();
    let posts = c
        .get(&format!("/api/v1/chat/channels/{id}/posts"))
        .await?
        .body["posts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(posts[1]["html"], "<p><strong>Bonjour</strong></p>\n");
    assert_eq!(posts[1]["user"]["username"], "ana");
    assert_eq!(posts[1]["reactions"][0]["emoji"], "👍");
    assert_eq!(posts[0]["root_id"], posts[1]["id"]);
    assert_eq!(posts[0]["props"]["override_username"], "zed");

    // The same export again (an import that stopped half way, retried): nothing doubled.
    let again = import_mattermost(c, "mm", &jsonl).await?;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        (
            again.body["posts"].as_u64(),
            again.body["channels"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let count = c
        .get(&format!("/api/v1/chat/channels/{id}/posts"))
        .await?
        .body["posts"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(count, 2);

    // A thread longer than one write job of the import (500 messages) stays one thread.
    let replies: Vec<Value> = (0..1_200_i64)
        .map(|i| json!({"user": "ana", "message": format!("reply {i}"), "create_at": 1_700_000_100_000_i64 + i}))
        .collect();
    let long = [
        json!({"type": "version", "version": 1}),
        json!({"type": "channel", "channel": {"team": "old", "name": "long-thread", "display_name": "Long", "type": "O", "header": "", "purpose": ""}}),
        json!({"type": "post", "post": {"team": "old", "channel": "long-thread", "user": "ana", "message": "root", "create_at": 1_700_000_000_000_i64, "replies": replies}}),
    ];
    let r = import_mattermost(c, "mm", &long).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["posts"], 1_201);
    let ch = channel_named(&ana, "mm", "long-thread").await?;
    let lid = ch["id"].as_str().unwrap_or("").to_string();
    let oldest = c
        .get(&format!("/api/v1/chat/channels/{lid}/posts?limit=200"))
        .await?
        .body["posts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let root_id = oldest
        .iter()
        .find(|p| p["text"] == "reply 1199")
        .map(|p| p["root_id"].clone())
        .unwrap_or(Value::Null);
    assert!(
        root_id.is_i64(),
        "the last reply is in the thread: {root_id}"
    );
    let root = c.get(&format!("/api/v1/chat/posts/{root_id}")).await?.body;
    assert_eq!(root["text"], "root", "{root}");
    assert_eq!(root["reply_count"], 1_200, "{root}");

    let bad = c
        .send(
            c.http
                .post(c.url("/api/v1/chat/teams/mm/import/mattermost"))
                .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
                .body("{\"type\":\"post\"}"),
        )
        .await?;
    assert_eq!(bad.status, 422);
    Ok(())
}

/// The files of a user's export archive (`/api/v1/me/export`), by path under `nichoir-export/`.
async fn export_of(p: &Person) -> anyhow::Result<std::collections::BTreeMap<String, Vec<u8>>> {
    let r = p.http.get("/api/v1/me/export").await?;
    anyhow::ensure!(r.status == 200, "export: {}", r.status);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(r.bytes.as_slice()));
    let mut files = std::collections::BTreeMap::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes)?;
        files.insert(
            path.trim_start_matches("nichoir-export/").to_string(),
            bytes,
        );
    }
    Ok(files)
}

#[tokio::test]
async fn my_data_export_holds_my_chat_messages_files_and_reactions() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = person(&server, "ana").await?;
    let bob = person(&server, "bob").await?;
    ana.http
        .post(
            "/api/v1/chat/teams",
            json!({"name": "club", "display_name": "Club", "open": true}),
        )
        .await?;
    bob.http
        .post("/api/v1/chat/teams/club/join", json!({}))
        .await?;
    let square = channel_named(&ana, "club", "town-square").await?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let r = upload(
        &ana,
        &square,
        "minutes.txt",
        "text/plain",
        b"AG 2026".to_vec(),
    )
    .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let fid = r.body["id"].as_str().unwrap_or("").to_string();
    let with_file = ana
        .http
        .post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "the minutes", "file_ids": [fid]}),
        )
        .await?;
    assert_eq!(with_file.status, 201);
    let theirs = post(&bob, &square, "bob's own words").await?;
    let gone = post(&ana, &square, "a slip").await?;
    assert_eq!(
        ana.http
            .delete(&format!("/api/v1/chat/posts/{}", gone["id"]))
            .await?
            .status,
        204
    );
    assert_eq!(
        ana.http
            .put_json(
                &format!("/api/v1/chat/posts/{}/reactions/heart", theirs["id"]),
                json!({})
            )
            .await?
            .status,
        204
    );
    let dm = ana
        .http
        .post("/api/v1/chat/direct", json!({"usernames": ["bob"]}))
        .await?;
    let dm = dm.body["id"].as_str().unwrap_or("").to_string();
    post(&ana, &dm, "just between us").await?;

    let files = export_of(&ana).await?;
    let messages: Value = serde_json::from_slice(&files["chat/messages.json"])?;
    let texts: Vec<&str> = messages
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        texts,
        ["the minutes", "just between us"],
        "her messages, direct ones too; not the deleted one, not Bob's"
    );
    let path = format!("chat/files/{fid}-minutes.txt");
    assert_eq!(
        messages[0]["files"],
        json!([path.trim_start_matches("chat/")])
    );
    assert_eq!(
        files[&path], b"AG 2026",
        "the file's bytes are in the archive"
    );
    let reactions: Value = serde_json::from_slice(&files["chat/reactions.json"])?;
    assert_eq!(
        reactions[0]["emoji"], "\u{2764}\u{fe0f}",
        "stored as the emoji itself"
    );
    assert_eq!(reactions[0]["message_id"], theirs["id"]);
    let channels: Value = serde_json::from_slice(&files["chat/channels.json"])?;
    assert!(
        channels.as_array().is_some_and(|a| a
            .iter()
            .any(|c| c["channel"] == "town-square" && c["team"] == "club")),
        "{channels}"
    );
    let teams: Value = serde_json::from_slice(&files["chat/teams.json"])?;
    assert_eq!(teams[0]["team"], "club");

    let bobs = export_of(&bob).await?;
    let messages: Value = serde_json::from_slice(&bobs["chat/messages.json"])?;
    assert_eq!(messages.as_array().map(Vec::len), Some(1));
    assert_eq!(messages[0]["text"], "bob's own words");
    assert!(!bobs.keys().any(|k| k.starts_with("chat/files/")));
    Ok(())
}

/// Ana's open team `club` with Bob in it, and its town square's id.
async fn club(server: &TestServer) -> anyhow::Result<(Person, Person, String)> {
    let ana = person(server, "ana").await?;
    let bob = person(server, "bob").await?;
    let square = crate::support::team_square(&ana.http, "club").await?;
    let r = bob
        .http
        .post("/api/v1/chat/teams/club/join", json!({}))
        .await?;
    anyhow::ensure!(r.status < 300, "join: {:?}", r.body);
    Ok((ana, bob, square))
}

/// The next presence signal about `user` on this socket: a change, or the snapshot a new
/// connection gets when it lists them.
async fn presence_of(ws: &mut Ws, user: &str) -> String {
    loop {
        let f = recv_json(ws, WAIT).await;
        if f["type"] != "event" {
            continue;
        }
        let data = &f["data"];
        if data["type"] == "presence" && data["user_id"] == user {
            return data["status"].as_str().unwrap_or("").to_string();
        }
        if let Some(status) = data["statuses"][user].as_str() {
            return status.to_string();
        }
    }
}

/// Presence tells the truth: a newcomer learns who of its teams is online, and a person whose
/// last connection closes is offline for the others after a short grace (a second connection
/// keeps them online).
#[tokio::test]
async fn presence_goes_offline_when_the_last_connection_closes() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (alice, bob, _) = club(&server).await?;

    let mut bob_one = socket(&server, &bob).await;
    let mut bob_two = socket(&server, &bob).await;
    let mut watcher = socket(&server, &alice).await;
    assert_eq!(
        presence_of(&mut watcher, &bob.id).await,
        "online",
        "told at once"
    );
    // Away once every page of Bob's is idle; told to newcomers too.
    for ws in [&mut bob_one, &mut bob_two] {
        send_json(
            ws,
            &publish(
                &format!("chat:{}", bob.id),
                json!({"type": "status", "status": "away"}),
            ),
        )
        .await;
    }
    assert_eq!(presence_of(&mut watcher, &bob.id).await, "away");
    let mut newcomer = socket(&server, &alice).await;
    assert_eq!(
        presence_of(&mut newcomer, &bob.id).await,
        "away",
        "the snapshot says away"
    );
    drop(newcomer);

    bob_one.close(None).await?;
    drop(bob_one);
    // Still one connection: no offline (the next signal is the one the second close brings).
    tokio::time::sleep(Duration::from_secs(4)).await;
    bob_two.close(None).await?;
    drop(bob_two);
    let started = std::time::Instant::now();
    assert_eq!(presence_of(&mut watcher, &bob.id).await, "offline");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "after the grace, not before: {:?}",
        started.elapsed()
    );
    Ok(())
}

/// Presence is the person's, not chat's: a page of another tool (which holds the bell's
/// `notify:` topic) makes them online in chat, its idleness away, and one active page anywhere
/// online again; closing it makes them offline.
#[tokio::test]
async fn presence_follows_pages_of_every_tool() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (alice, bob, _) = club(&server).await?;
    let mut watcher = socket(&server, &alice).await;

    // Bob opens a pad: only the bell's topic.
    let bell = format!("notify:{}", bob.id);
    let mut pad_page = ws_connect(server.addr, WsAuth::Cookie(&bob.cookie), WAIT).await;
    let _hello = recv_json(&mut pad_page, WAIT).await;
    send_json(&mut pad_page, &subscribe(&bell)).await;
    assert_eq!(recv_json(&mut pad_page, WAIT).await["type"], "subscribed");
    assert_eq!(presence_of(&mut watcher, &bob.id).await, "online");

    // A page says anything else on the bell: refused, the bell is the server's.
    for bad in [
        json!({"type": "read"}),
        json!({"type": "status", "status": "asleep"}),
    ] {
        send_json(&mut pad_page, &publish(&bell, bad)).await;
        let refused = loop {
            let f = recv_json(&mut pad_page, WAIT).await;
            if f["type"] != "event" {
                break f;
            }
        };
        assert_eq!(refused["type"], "error", "{refused}");
    }

    send_json(
        &mut pad_page,
        &publish(&bell, json!({"type": "status", "status": "away"})),
    )
    .await;
    assert_eq!(presence_of(&mut watcher, &bob.id).await, "away");
    // Bob comes to chat, active there: online, though the pad page is still idle.
    let mut chat_page = socket(&server, &bob).await;
    assert_eq!(presence_of(&mut watcher, &bob.id).await, "online");
    // He closes chat: the idle pad page is all that is left.
    chat_page.close(None).await?;
    drop(chat_page);
    assert_eq!(presence_of(&mut watcher, &bob.id).await, "away");
    // A newcomer's snapshot agrees.
    let mut newcomer = socket(&server, &alice).await;
    assert_eq!(presence_of(&mut newcomer, &bob.id).await, "away");
    drop(newcomer);
    pad_page.close(None).await?;
    drop(pad_page);
    assert_eq!(presence_of(&mut watcher, &bob.id).await, "offline");
    Ok(())
}

/// Deleting a message takes its files with it: nobody downloads them afterwards.
#[tokio::test]
async fn a_deleted_message_takes_its_files_with_it() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (ana, bob, square) = club(&server).await?;
    let r = upload(&ana, &square, "plan.png", "image/png", png(40, 30)).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let fid = r.body["id"].as_str().unwrap_or("").to_string();
    let r = ana
        .http
        .post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "the plan", "file_ids": [fid]}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let file = format!("/api/v1/chat/files/{fid}");
    assert_eq!(bob.http.get(&file).await?.status, 200);
    let r = ana
        .http
        .delete(&format!("/api/v1/chat/posts/{}", r.body["id"]))
        .await?;
    assert!(r.status < 300, "{:?}", r.body);
    for who in [&ana, &bob] {
        assert_eq!(who.http.get(&file).await?.status, 404);
        assert_eq!(
            who.http.get(&format!("{file}/thumbnail")).await?.status,
            404
        );
    }
    Ok(())
}

async fn bell(c: &Client) -> anyhow::Result<Value> {
    crate::support::ok(c.get("/api/v1/notifications").await?, "bell").await
}

/// The bell once it shows `unread` unread notifications (notices are written after the
/// message), or as it is after 5 s.
async fn bell_with_unread(c: &Client, unread: i64) -> anyhow::Result<Value> {
    let mut got = Value::Null;
    for _ in 0..50 {
        got = bell(c).await?;
        if got["unread"] == unread {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(got)
}

/// An edit that adds a mention tells the person it now mentions (once: editing again does not
/// tell them twice), and counts as a mention in the channel.
#[tokio::test]
async fn an_edit_that_adds_a_mention_tells_the_person() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (ana, bob, square) = club(&server).await?;
    let p = post(&ana, &square, "who brings the keys?").await?;
    let url = format!("/api/v1/chat/posts/{}", p["id"]);
    assert_eq!(bell(&bob.http).await?["unread"], 0);
    let r = ana
        .http
        .patch(&url, json!({"text": "who brings the keys? @bob"}))
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["mentions"], json!([bob.id]));
    let got = bell_with_unread(&bob.http, 1).await?;
    assert_eq!(got["unread"], 1, "{got}");
    assert_eq!(got["items"][0]["kind"], "mention", "{got}");
    let r = ana
        .http
        .patch(&url, json!({"text": "who brings the keys, @bob?"}))
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bell(&bob.http).await?["unread"], 1, "not told twice");
    let square_for_bob = channel_named(&bob, "club", "town-square").await?;
    assert_eq!(square_for_bob["me"]["mentions"], 1, "{square_for_bob}");
    Ok(())
}

/// A message to the whole channel lists nobody in its mentions (every member would make it
/// tens of kilobytes in every member's frame), and still counts and notifies as a mention.
#[tokio::test]
async fn a_message_to_the_whole_channel_lists_nobody_and_still_counts() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (ana, bob, square) = club(&server).await?;
    let mut bws = socket(&server, &bob).await;
    let p = post(&ana, &square, "@channel the meeting moves to 8 pm").await?;
    assert_eq!(p["mentions"], json!([]), "{p}");
    let ev = next_event(&mut bws).await;
    assert_eq!(ev["type"], "posted", "{ev}");
    assert_eq!(ev["post"]["mentions"], json!([]), "{ev}");
    assert_eq!(ev["post"]["text"], "@channel the meeting moves to 8 pm");
    let square_for_bob = channel_named(&bob, "club", "town-square").await?;
    assert_eq!(square_for_bob["me"]["mentions"], 1, "{square_for_bob}");
    let got = bell_with_unread(&bob.http, 1).await?;
    assert_eq!(got["items"][0]["kind"], "mention", "{got}");
    // A page of messages shows it the same way.
    let page = bob
        .http
        .get(&format!("/api/v1/chat/channels/{square}/posts"))
        .await?;
    let listed = page.body["posts"]
        .as_array()
        .and_then(|ps| ps.iter().find(|x| x["id"] == p["id"]).cloned())
        .unwrap_or(Value::Null);
    assert_eq!(listed["mentions"], json!([]), "{}", page.body);
    // A message naming one person still lists them.
    let named = post(&ana, &square, "@bob the keys?").await?;
    assert_eq!(named["mentions"], json!([bob.id]));
    Ok(())
}

/// A team keeps at least one admin: the last one can neither step down, nor leave, nor be made
/// a guest, until someone else is admin.
#[tokio::test]
async fn a_team_keeps_its_last_admin() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (ana, bob, square) = club(&server).await?;
    let hooks = format!("/api/v1/chat/channels/{square}/webhooks");
    let r = bob.http.post(&hooks, json!({"display_name": "CI"})).await?;
    assert_eq!(
        r.status, 403,
        "a plain member adds no webhook: {:?}",
        r.body
    );
    let me = "/api/v1/chat/teams/club/members/ana";
    let r = ana.http.put_json(me, json!({"role": "member"})).await?;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (409, &json!("conflict")),
        "{:?}",
        r.body
    );
    let r = ana.http.delete(me).await?;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let r = ana
        .http
        .post("/api/v1/chat/teams/club/leave", json!({}))
        .await?;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let r = ana
        .http
        .put_json(me, json!({"role": "guest", "channels": ["town-square"]}))
        .await?;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let r = ana
        .http
        .put_json(
            "/api/v1/chat/teams/club/members/bob",
            json!({"role": "admin"}),
        )
        .await?;
    assert!(r.status < 300, "{:?}", r.body);
    let r = ana.http.put_json(me, json!({"role": "member"})).await?;
    assert!(
        r.status < 300,
        "with Bob admin, Ana steps down: {:?}",
        r.body
    );
    // Bob, a team admin though a plain member of the square, manages its webhooks.
    let r = bob.http.post(&hooks, json!({"display_name": "CI"})).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = bob
        .http
        .post("/api/v1/chat/teams/club/leave", json!({}))
        .await?;
    assert_eq!(r.status, 409, "now Bob is the last: {:?}", r.body);
    // Imports are a team admin's: Ana (a member now) is refused before her file is read.
    let r = import_mattermost(&ana.http, "club", &[json!({"type": "post"})]).await?;
    assert_eq!(r.status, 403, "{:?}", r.body);
    Ok(())
}

/// An image keeps no metadata (a place written in it by the camera or an editor), and one
/// larger than `uploads.max_image_pixels` is refused with 413.
#[tokio::test]
async fn uploaded_images_lose_their_metadata_and_respect_the_pixel_cap() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.uploads.max_image_pixels = 50_000)?;
    let ana = person(&server, "ana").await?;
    let square = crate::support::team_square(&ana.http, "club").await?;
    let text = b"Location\x0048.8530 N, 2.3499 E";
    let photo = png_with_text(200, 100, Some(text));
    let r = upload(&ana, &square, "photo.png", "image/png", photo.clone()).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let kept = ana
        .http
        .get(&format!(
            "/api/v1/chat/files/{}",
            r.body["id"].as_str().unwrap_or("")
        ))
        .await?
        .bytes;
    let found = |hay: &[u8]| hay.windows(9).any(|w| w == b"48.8530 N");
    assert!(found(&photo) && !found(&kept), "the place is gone");
    assert_eq!(
        kept.len(),
        photo.len() - (12 + text.len()),
        "only that chunk"
    );
    assert_eq!(r.body["size"], kept.len(), "the size is the kept file's");
    let r = upload(&ana, &square, "big.png", "image/png", png(300, 200)).await?;
    assert_eq!(r.status, 413, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("pixels"),
        "{:?}",
        r.body
    );
    Ok(())
}

#[tokio::test]
async fn a_custom_status_shows_beside_the_name_until_it_clears() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    let square = crate::support::team_square(&ana, "club").await?;
    crate::support::ok(
        bob.post("/api/v1/chat/teams/club/join", json!({})).await?,
        "join",
    )
    .await?;
    let set = crate::support::ok(
        ana.put_json(
            "/api/v1/chat/status",
            json!({"emoji": "🌴", "text": "On holiday", "minutes": 60}),
        )
        .await?,
        "status",
    )
    .await?;
    assert_eq!(set["emoji"], "🌴");
    assert!(set["expires_at"].is_string());
    crate::support::ok(
        ana.post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "back soon"}),
        )
        .await?,
        "post",
    )
    .await?;
    let posts = crate::support::ok(
        bob.get(&format!("/api/v1/chat/channels/{square}/posts"))
            .await?,
        "posts",
    )
    .await?;
    let text = posts.to_string();
    assert!(text.contains("On holiday"), "{text}");
    // Bad statuses.
    for body in [
        json!({}),
        json!({"emoji": "abc", "text": "x"}),
        json!({"emoji": "🌴", "text": "x".repeat(101)}),
        json!({"emoji": "🌴", "text": "a\u{0}b"}),
        json!({"emoji": "🌴", "minutes": 0}),
        json!({"emoji": "🌴", "minutes": 10_000_000}),
        json!({"emoji": "🌴", "colour": "red"}),
    ] {
        let r = ana.put_json("/api/v1/chat/status", body.clone()).await?;
        assert!(r.status == 400 || r.status == 422, "{body}: {}", r.status);
    }
    // Expired: gone; cleared: gone.
    server
        .ctx
        .db
        .write(|c| {
            c.execute("UPDATE chat_status SET expires_at = 1", [])?;
            Ok(())
        })
        .await?;
    assert_eq!(
        crate::support::ok(ana.get("/api/v1/chat/status").await?, "mine").await?,
        json!(null)
    );
    crate::support::ok(
        ana.put_json("/api/v1/chat/status", json!({"emoji": "📅"}))
            .await?,
        "again",
    )
    .await?;
    assert_eq!(ana.delete("/api/v1/chat/status").await?.status, 204);
    assert_eq!(
        crate::support::ok(ana.get("/api/v1/chat/status").await?, "mine").await?,
        json!(null)
    );
    Ok(())
}

/// What a socket opened with `?batch=true` reads, message by message: each a list of frames
/// (one for a lone frame, the array's items for a batch).
async fn recv_batch(ws: &mut Ws) -> Vec<Value> {
    match recv_json(ws, WAIT).await {
        Value::Array(frames) => {
            assert!(frames.len() >= 2, "a batch holds several frames");
            frames
        }
        one => vec![one],
    }
}

/// Messages written at once by two people reach every member in the order they were committed
/// (their event ids, which catch-up also follows), whichever request finished first.
#[tokio::test]
async fn messages_written_at_once_arrive_in_commit_order() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (ana, bob, square) = club(&server).await?;
    let mut ws = socket(&server, &bob).await;
    let texts: Vec<String> = (0..30).map(|i| format!("message {i}")).collect();
    let sent = texts.iter().enumerate().map(|(i, text)| {
        let who = if i % 2 == 0 { &ana } else { &bob };
        post(who, &square, text)
    });
    for p in futures_util::future::join_all(sent).await {
        p?;
    }
    let mut ids = Vec::new();
    while ids.len() < 30 {
        let e = next_event(&mut ws).await;
        if e["type"] == "posted" {
            ids.push(e["id"].as_i64().unwrap_or(-1));
        }
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    Ok(())
}

/// A busy socket that asks for batches (`?batch=true`, as the web client does) gets the frames,
/// in the order, that a socket without batches gets one by one (how they are grouped depends
/// on timing: `nichoir-realtime`'s own tests show the grouping); a bad value is refused before
/// the upgrade.
#[tokio::test]
async fn a_socket_that_reads_batches_gets_the_same_frames_in_fewer_messages() -> anyhow::Result<()>
{
    let server = TestServer::start()?;
    let (ana, bob, square) = club(&server).await?;
    let cy = person(&server, "cyd").await?;
    let r = cy
        .http
        .post("/api/v1/chat/teams/club/join", json!({}))
        .await?;
    anyhow::ensure!(r.status < 300, "join: {:?}", r.body);
    let mut plain = socket(&server, &bob).await;
    let _ana_online = socket(&server, &ana).await;
    let _cy_online = socket(&server, &cy).await;
    assert_eq!(presence_of(&mut plain, &ana.id).await, "online");
    assert_eq!(presence_of(&mut plain, &cy.id).await, "online");

    // Bob again, asking for batches. Who is online comes in one frame, however big the team
    // (a frame per person filled a newcomer's queue in a team of hundreds).
    let mut batched = crate::support::try_connect_with(
        server.addr,
        "?batch=true",
        WsAuth::Cookie(&bob.cookie),
        None,
        WAIT,
    )
    .await?;
    assert_eq!(recv_batch(&mut batched).await[0]["type"], "hello");
    send_json(&mut batched, &subscribe(&format!("chat:{}", bob.id))).await;
    assert_eq!(recv_batch(&mut batched).await[0]["type"], "subscribed");
    let online = recv_batch(&mut batched).await;
    assert_eq!(online.len(), 1, "{online:?}");
    assert_eq!(online[0]["data"]["type"], "presence_snapshot");
    assert_eq!(
        online[0]["data"]["statuses"],
        json!({ana.id.clone(): "online", cy.id.clone(): "online"})
    );

    // Forty messages at once: the same frames on both sockets, in the same order.
    let texts_sent: Vec<String> = (0..40).map(|i| format!("message {i}")).collect();
    let posts = texts_sent.iter().map(|t| post(&ana, &square, t));
    for p in futures_util::future::join_all(posts).await {
        p?;
    }
    let texts = |frames: Vec<Value>| -> Vec<String> {
        frames
            .into_iter()
            .filter(|f| f["data"]["type"] == "posted")
            .map(|f| f["data"]["post"]["text"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (mut one_by_one, mut in_batches) = (Vec::new(), Vec::new());
    while one_by_one.len() < 40 {
        let f = recv_json(&mut plain, WAIT).await;
        assert!(f.is_object(), "no batch without asking: {f}");
        one_by_one.extend(texts(vec![f]));
    }
    while in_batches.len() < 40 {
        in_batches.extend(texts(recv_batch(&mut batched).await));
    }
    assert_eq!(in_batches, one_by_one);
    let mut sorted = one_by_one.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 40, "every message once");

    // A value that is not a boolean: a clear 400 before any upgrade.
    let err = crate::support::try_connect_with(
        server.addr,
        "?batch=sometimes",
        WsAuth::Cookie(&bob.cookie),
        None,
        WAIT,
    )
    .await
    .err()
    .ok_or_else(|| anyhow::anyhow!("batch=sometimes was accepted"))?;
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => {
            assert_eq!(resp.status().as_u16(), 400)
        }
        other => anyhow::bail!("expected a 400, got {other:?}"),
    }
    Ok(())
}
