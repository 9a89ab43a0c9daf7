//! Comments on a pad's text over HTTP and WebSocket: threads, replies, resolution, who may do
//! what, anchors following edits, live events, bad input, export and account deletion.

use nichoir_testkit::{Client, TestServer};
use serde_json::{json, Value};

use crate::support::{
    op_msg, publish, recv_json, send_json, subscribe, write_text, ws_connect, Ws, WsAuth, PASSWORD,
};

const WS_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// A new pad of `c`'s holding `text` (revision 1): (id, read-only id).
async fn pad_with(server: &TestServer, c: &Client, text: &str) -> anyhow::Result<(String, String)> {
    let created = c.post("/api/v1/pads", json!({})).await?;
    anyhow::ensure!(created.status == 201, "pad: {:?}", created.body);
    let (id, ro) = (
        s(&created.body["pad"]["id"]),
        s(&created.body["pad"]["readonly_id"]),
    );
    assert_eq!(write_text(server, &id, text).await?, 1);
    Ok((id, ro))
}

/// The next `event` frame's data whose type is `kind`.
async fn next_event(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let v = recv_json(ws, WS_WAIT).await;
        if v["type"] == "event" && v["data"]["type"] == kind {
            return v["data"].clone();
        }
    }
}

async fn count(server: &TestServer, sql: &str, key: &str) -> anyhow::Result<i64> {
    let (sql, key) = (sql.to_string(), key.to_string());
    Ok(server
        .ctx
        .db
        .read(move |c| Ok(c.query_row(&sql, [key], |r| r.get(0))?))
        .await?)
}

#[tokio::test]
async fn threads_replies_resolution_and_who_may_do_what() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let olga = server.login_as("olga", false).await?;
    let paul = server.login_as("paul", false).await?;
    let rosa = server.login_as("rosa", false).await?;
    let (id, ro) = pad_with(&server, &olga, "Bonjour le monde entier 🙂").await?;
    let base = format!("/api/v1/pads/{id}/comments");

    let made = paul
        .post(
            &base,
            json!({"start": 11, "end": 16, "rev": 1, "text": "  Quel monde ?  "}),
        )
        .await?;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let t = made.body.clone();
    let tid = s(&t["id"]);
    assert_eq!(
        (t["start"].as_u64(), t["end"].as_u64()),
        (Some(11), Some(16))
    );
    assert_eq!(
        (t["quote"].as_str(), t["detached"].as_bool()),
        (Some("monde"), Some(false))
    );
    assert_eq!(s(&t["author"]["name"]).to_lowercase(), "paul");
    assert_eq!(t["comments"][0]["text"], "Quel monde ?", "trimmed");
    assert_eq!(t["resolved"], false);

    // Replies, by anyone who may edit; the thread comes back whole.
    let r = rosa
        .post(
            &format!("{base}/{tid}/replies"),
            json!({"text": "Le nôtre."}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["comments"].as_array().map(Vec::len), Some(2));
    let reply_id = s(&r.body["comments"][1]["id"]);
    assert_eq!(
        s(&r.body["comments"][1]["author"]["name"]).to_lowercase(),
        "rosa"
    );

    // Only its author changes a comment.
    let path = format!("{base}/{tid}/replies/{reply_id}");
    assert_eq!(paul.patch(&path, json!({"text": "x"})).await?.status, 403);
    let edited = rosa.patch(&path, json!({"text": "Le nôtre !"})).await?;
    assert_eq!(edited.status, 200);
    assert_eq!(edited.body["comments"][1]["text"], "Le nôtre !");
    assert!(edited.body["comments"][1]["edited_at"].is_string());

    // Resolved by anyone who may edit, and reopened.
    let done = rosa
        .put_json(&format!("{base}/{tid}/resolved"), json!({"resolved": true}))
        .await?;
    assert_eq!(done.status, 200);
    assert_eq!(
        (
            done.body["resolved"].as_bool(),
            s(&done.body["resolved_by"]["name"]).to_lowercase()
        ),
        (Some(true), "rosa".to_string())
    );
    assert!(done.body["resolved_at"].is_string());
    let open = paul
        .put_json(
            &format!("{base}/{tid}/resolved"),
            json!({"resolved": false}),
        )
        .await?;
    assert_eq!(
        (
            open.body["resolved"].as_bool(),
            open.body["resolved_by"].is_null()
        ),
        (Some(false), true)
    );

    // The read-only link reads, never writes.
    let viewer = server.guest().await?;
    let ro_base = format!("/api/v1/pads/{ro}/comments");
    let seen = viewer.get(&ro_base).await?;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["threads"][0]["comments"][1]["text"], "Le nôtre !");
    assert_eq!(seen.body["rev"], 1);
    for r in [
        viewer
            .post(
                &ro_base,
                json!({"start": 0, "end": 3, "rev": 1, "text": "no"}),
            )
            .await?,
        viewer
            .post(&format!("{ro_base}/{tid}/replies"), json!({"text": "no"}))
            .await?,
        viewer
            .put_json(
                &format!("{ro_base}/{tid}/resolved"),
                json!({"resolved": true}),
            )
            .await?,
        viewer.delete(&format!("{ro_base}/{tid}")).await?,
    ] {
        assert_eq!((r.status, r.code()), (403, "forbidden"), "{:?}", r.body);
    }

    // Deleting: a message's author, or the pad's creator; not someone else.
    assert_eq!(rosa.delete(&format!("{base}/{tid}")).await?.status, 403);
    assert_eq!(paul.delete(&path).await?.status, 403);
    assert_eq!(rosa.delete(&path).await?.status, 204);
    assert_eq!(
        olga.get(&base).await?.body["threads"][0]["comments"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(olga.delete(&format!("{base}/{tid}")).await?.status, 204);
    assert_eq!(olga.get(&base).await?.body["threads"], json!([]));
    let gone = rosa
        .post(&format!("{base}/{tid}/replies"), json!({"text": "?"}))
        .await?;
    assert_eq!((gone.status, gone.code()), (404, "not_found"));
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_clear_codes() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let olga = server.login_as("olga", false).await?;
    let (id, _) = pad_with(&server, &olga, "0123456789").await?;
    let base = format!("/api/v1/pads/{id}/comments");
    let new = |start: u64, end: u64, rev: u64, text: &str| json!({"start": start, "end": end, "rev": rev, "text": text});
    let cases = [
        (new(0, 3, 1, "   "), 422, "validation_failed"),
        (new(0, 3, 1, &"x".repeat(10_001)), 413, "payload_too_large"),
        (new(0, 11, 1, "outside"), 422, "validation_failed"),
        (new(4, 4, 1, "empty range"), 422, "validation_failed"),
        (new(5, 2, 1, "backwards"), 422, "validation_failed"),
        (new(0, 3, 9, "from the future"), 422, "validation_failed"),
        (new(0, 3, 1, "bell \u{7}"), 422, "validation_failed"),
        (
            json!({"start": 0, "end": 3, "rev": 1}),
            422,
            "validation_failed",
        ),
        (
            json!({"start": -1, "end": 3, "rev": 1, "text": "x"}),
            422,
            "validation_failed",
        ),
        (
            json!({"start": 0, "end": 3, "rev": 1, "text": "x", "extra": 1}),
            422,
            "validation_failed",
        ),
    ];
    for (body, status, code) in cases {
        let r = olga.post(&base, body.clone()).await?;
        assert_eq!(r.status, status, "{body} → {:?}", r.body);
        if !code.is_empty() {
            assert_eq!(r.code(), code, "{body}");
        }
    }
    // Exactly 10,000 characters is fine.
    let long = olga.post(&base, new(0, 3, 1, &"é".repeat(10_000))).await?;
    assert_eq!(long.status, 201);
    let tid = s(&long.body["id"]);
    let nope = "no-such-thread";
    for r in [
        olga.post(&format!("{base}/{nope}/replies"), json!({"text": "x"}))
            .await?,
        olga.put_json(
            &format!("{base}/{nope}/resolved"),
            json!({"resolved": true}),
        )
        .await?,
        olga.delete(&format!("{base}/{nope}")).await?,
        olga.delete(&format!("{base}/{tid}/replies/{nope}")).await?,
        olga.get("/api/v1/pads/no-such-pad/comments").await?,
    ] {
        assert_eq!((r.status, r.code()), (404, "not_found"), "{:?}", r.body);
    }
    let r = olga
        .post(&format!("{base}/{tid}/replies"), json!({"text": ""}))
        .await?;
    assert_eq!((r.status, r.code()), (422, "validation_failed"));

    // Text deleted between the client's revision and the server's: a conflict, not a comment
    // on nothing.
    assert_eq!(write_text(&server, &id, "01236789").await?, 2);
    let r = olga.post(&base, new(4, 6, 1, "on 45")).await?;
    assert_eq!((r.status, r.code()), (409, "conflict"), "{:?}", r.body);

    // A deleted pad: its comments are gone, and none can be added.
    assert_eq!(
        olga.delete(&format!("/api/v1/pads/{id}")).await?.status,
        204
    );
    let r = olga.post(&base, new(0, 3, 1, "late")).await?;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    assert_eq!(olga.get(&base).await?.status, 404);
    for table in ["pad_comment_threads", "pad_comments"] {
        let n = count(
            &server,
            &format!("SELECT COUNT(*) FROM {table} WHERE pad_id = ?1"),
            &id,
        )
        .await?;
        assert_eq!(n, 0, "{table} rows of a deleted pad");
    }
    Ok(())
}

#[tokio::test]
async fn anchors_follow_edits_and_events_reach_every_socket() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("tess", false).await?;
    let (token, id) = crate::support::token_and_pad(&c).await?;
    let ro = s(&c.get(&format!("/api/v1/pads/{id}")).await?.body["pad"]["readonly_id"]);
    let topic = format!("pad:{id}");
    let mut a = ws_connect(server.addr, WsAuth::Bearer(&token), WS_WAIT).await;
    let mut b = ws_connect(server.addr, WsAuth::Bearer(&token), WS_WAIT).await;
    let guest = crate::support::cookie_from(&crate::support::guest(&server).await, "nichoir_guest");
    let mut viewer = ws_connect(server.addr, WsAuth::Cookie(&guest), WS_WAIT).await;
    for ws in [&mut a, &mut b] {
        send_json(ws, &subscribe(&topic)).await;
        next_event(ws, "state").await;
    }
    send_json(&mut viewer, &subscribe(&format!("padro:{ro}"))).await;
    next_event(&mut viewer, "state").await;

    send_json(
        &mut a,
        &publish(&topic, op_msg("ca", 1, 0, json!(["Hello world"]))),
    )
    .await;
    assert_eq!(next_event(&mut a, "ack").await["rev"], 1);

    let base = format!("/api/v1/pads/{id}/comments");
    let made = c
        .post(
            &base,
            json!({"start": 6, "end": 11, "rev": 1, "text": "Which world?"}),
        )
        .await?;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let tid = s(&made.body["id"]);
    // The other editor and the read-only viewer see it live.
    for ws in [&mut b, &mut viewer] {
        let ev = next_event(ws, "comment").await;
        assert_eq!(ev["thread"]["id"], tid.as_str());
        assert_eq!(
            (
                ev["thread"]["start"].as_u64(),
                ev["thread"]["end"].as_u64(),
                ev["thread"]["rev"].as_u64()
            ),
            (Some(6), Some(11), Some(1))
        );
        assert_eq!(ev["thread"]["comments"][0]["text"], "Which world?");
    }

    // Typing before the anchor shifts it; typing at its edges leaves it as it is.
    send_json(
        &mut a,
        &publish(&topic, op_msg("ca", 2, 1, json!(["Oh! ", 11]))),
    )
    .await;
    assert_eq!(next_event(&mut a, "ack").await["rev"], 2);
    send_json(
        &mut a,
        &publish(&topic, op_msg("ca", 3, 2, json!([15, "!"]))),
    )
    .await;
    assert_eq!(next_event(&mut a, "ack").await["rev"], 3);
    let list = c.get(&base).await?.body;
    let t = &list["threads"][0];
    assert_eq!(
        (t["start"].as_u64(), t["end"].as_u64(), t["rev"].as_u64()),
        (Some(10), Some(15), Some(3))
    );
    assert_eq!(list["rev"], 3);

    // A reply and the resolution reach the other sockets too.
    let r = c
        .post(
            &format!("{base}/{tid}/replies"),
            json!({"text": "This one."}),
        )
        .await?;
    assert_eq!(r.status, 201);
    let ev = next_event(&mut b, "comment").await;
    assert_eq!(ev["thread"]["comments"][1]["text"], "This one.");
    c.put_json(&format!("{base}/{tid}/resolved"), json!({"resolved": true}))
        .await?;
    assert_eq!(
        next_event(&mut b, "comment").await["thread"]["resolved"],
        true
    );
    assert_eq!(
        next_event(&mut viewer, "comment").await["thread"]["id"],
        tid.as_str()
    );

    // Deleting the commented text collapses the anchor: the thread stays, on deleted text.
    send_json(
        &mut a,
        &publish(&topic, op_msg("ca", 4, 3, json!([10, -5, 1]))),
    )
    .await;
    assert_eq!(next_event(&mut a, "ack").await["rev"], 4);
    let t = c.get(&base).await?.body["threads"][0].clone();
    assert_eq!(
        (t["start"].as_u64(), t["end"].as_u64()),
        (Some(10), Some(10))
    );
    assert_eq!(
        (t["detached"].as_bool(), t["quote"].as_str()),
        (Some(true), Some("world"))
    );

    // Deleting the thread is an event too.
    assert_eq!(c.delete(&format!("{base}/{tid}")).await?.status, 204);
    assert_eq!(
        next_event(&mut b, "comment_deleted").await["thread_id"],
        tid.as_str()
    );
    Ok(())
}

#[tokio::test]
async fn anchors_are_carried_through_many_revisions_and_stored() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("ugo", false).await?;
    let (id, _) = pad_with(&server, &c, "alpha beta gamma").await?;
    let base = format!("/api/v1/pads/{id}/comments");
    let made = c
        .post(
            &base,
            json!({"start": 6, "end": 10, "rev": 1, "text": "beta?"}),
        )
        .await?;
    let tid = s(&made.body["id"]);
    // A comment made on an older revision is moved to the newest when created.
    let mut text = "alpha beta gamma".to_string();
    for i in 0..80 {
        text.insert_str(0, if i % 2 == 0 { "x" } else { "y" });
        write_text(&server, &id, &text).await?;
    }
    let late = c
        .post(
            &base,
            json!({"start": 11, "end": 16, "rev": 1, "text": "gamma?"}),
        )
        .await?;
    assert_eq!(late.status, 201, "{:?}", late.body);
    assert_eq!(
        (late.body["start"].as_u64(), late.body["quote"].as_str()),
        (Some(91), Some("gamma"))
    );
    for _ in 0..2 {
        let list = c.get(&base).await?.body;
        let t = list["threads"]
            .as_array()
            .and_then(|l| l.iter().find(|t| t["id"] == tid.as_str()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (t["start"].as_u64(), t["end"].as_u64(), t["rev"].as_u64()),
            (Some(86), Some(90), Some(81)),
            "{list}"
        );
    }
    // The first read stored the carried anchor (the pad moved more than 64 revisions).
    let stored = count(
        &server,
        "SELECT anchor_rev FROM pad_comment_threads WHERE id = ?1",
        &tid,
    )
    .await?;
    assert_eq!(stored, 81);
    Ok(())
}

#[tokio::test]
async fn comments_in_the_export_and_after_account_deletion() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let olga = server.login_as("olga", false).await?;
    let ana = server.login_as("ana", false).await?;
    let ana_id = s(&ana.get("/api/v1/me").await?.body["user"]["id"]);
    let (id, _) = pad_with(&server, &olga, "Un texte à relire").await?;
    let base = format!("/api/v1/pads/{id}/comments");
    let t = ana
        .post(
            &base,
            json!({"start": 3, "end": 8, "rev": 1, "text": "ana's remark"}),
        )
        .await?;
    let tid = s(&t.body["id"]);
    olga.post(
        &format!("{base}/{tid}/replies"),
        json!({"text": "olga's answer"}),
    )
    .await?;
    ana.post(
        &format!("{base}/{tid}/replies"),
        json!({"text": "ana again"}),
    )
    .await?;

    let archive = ana.get("/api/v1/me/export").await?;
    assert_eq!(archive.status, 200);
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive.bytes.as_slice()));
    let mut found = None;
    for e in tar.entries()? {
        let mut e = e?;
        if e.path()?
            .to_string_lossy()
            .ends_with("pad-comments/comments.json")
        {
            let mut body = String::new();
            std::io::Read::read_to_string(&mut e, &mut body)?;
            found = Some(serde_json::from_str::<Value>(&body)?);
        }
    }
    let list = found.ok_or_else(|| anyhow::anyhow!("no pad-comments/comments.json"))?;
    let texts: Vec<&str> = list
        .as_array()
        .map(|l| l.iter().filter_map(|m| m["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(texts, vec!["ana's remark", "ana again"], "{list}");
    assert_eq!(list[0]["on_text"], "texte");

    // Erased: ana's replies go; her thread stays for olga's answer, its opening text emptied.
    let r = ana
        .post(
            "/api/v1/me/delete",
            json!({"password": PASSWORD, "erase": true}),
        )
        .await?;
    assert_eq!(r.status, 204);
    let t = olga.get(&base).await?.body["threads"][0].clone();
    let msgs = t["comments"].as_array().cloned().unwrap_or_default();
    assert_eq!(msgs.len(), 2, "{t}");
    assert_eq!(
        (msgs[0]["text"].as_str(), msgs[0]["author"]["name"].as_str()),
        (Some(""), Some("Deleted user"))
    );
    assert_eq!(msgs[1]["text"], "olga's answer");
    assert_eq!(t["author"]["name"], "Deleted user");
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM pad_comments WHERE author_id = ?1 AND text <> ''",
            &ana_id
        )
        .await?,
        0
    );
    Ok(())
}
