//! Etherpad's HTTP API as integrations call it (crates/pad/src/etherpad.rs): groups, authors,
//! sessions, group pads opened with the `sessionID` cookie, Etherpad's HTML, its error codes and
//! statuses, and its version routing.

use std::time::Duration;

use nichoir_testkit::{Client, TestServer};
use serde_json::{json, Value};

use crate::support::{
    cookie_from, op_msg, publish, recv_json, send_json, subscribe, ws_connect, Ws, WsAuth,
};

const WS_WAIT: Duration = Duration::from_secs(10);

/// An admin's API token: Etherpad's `apikey`.
async fn api_key(server: &TestServer) -> anyhow::Result<String> {
    let admin = server.login_as("epadmin", true).await?;
    let r = admin
        .post("/api/v1/me/tokens", json!({"name": "etherpad"}))
        .await?;
    let key = r.body["token"].as_str().unwrap_or("").to_string();
    anyhow::ensure!(!key.is_empty(), "no token: {:?}", r.body);
    Ok(key)
}

/// Calls `function` through `version` with the query `params`; the status and the envelope.
async fn call(
    c: &Client,
    version: &str,
    key: &str,
    function: &str,
    params: &[(&str, &str)],
) -> anyhow::Result<(u16, Value)> {
    let mut query: Vec<(&str, &str)> = vec![("apikey", key)];
    query.extend_from_slice(params);
    let r = c
        .send(
            c.http
                .get(c.url(&format!("/api/{version}/{function}")))
                .query(&query),
        )
        .await?;
    Ok((r.status, r.body))
}

/// `call` through 1.3.0, expecting code 0: the data.
async fn data(
    c: &Client,
    key: &str,
    function: &str,
    params: &[(&str, &str)],
) -> anyhow::Result<Value> {
    let (status, body) = call(c, "1.3.0", key, function, params).await?;
    anyhow::ensure!(
        status == 200 && body["code"] == 0 && body["message"] == "ok",
        "{function}: {status} {body}"
    );
    Ok(body["data"].clone())
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn in_a_day() -> String {
    (nichoir_core::time::now_ms() / 1000 + 86_400).to_string()
}

#[tokio::test]
async fn groups_authors_and_sessions() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let key = api_key(&server).await?;
    let c = server.client();

    // Groups: a mapper gives the same group back.
    let g = text(
        &data(
            &c,
            &key,
            "createGroupIfNotExistsFor",
            &[("groupMapper", "course-7")],
        )
        .await?["groupID"],
    );
    assert!(g.starts_with("g.") && g.len() == 18, "{g}");
    let again = data(
        &c,
        &key,
        "createGroupIfNotExistsFor",
        &[("groupMapper", "course-7")],
    )
    .await?;
    assert_eq!(text(&again["groupID"]), g);
    let other = text(&data(&c, &key, "createGroup", &[]).await?["groupID"]);
    assert_ne!(other, g);
    let all = data(&c, &key, "listAllGroups", &[]).await?;
    assert_eq!(all["groupIDs"], json!([g, other]));
    assert_eq!(
        data(&c, &key, "listPads", &[("groupID", &g)]).await?["padIDs"],
        json!([])
    );

    // A group pad, with its text; its name is taken once.
    let pad = data(
        &c,
        &key,
        "createGroupPad",
        &[("groupID", &g), ("padName", "notes"), ("text", "Bonjour")],
    )
    .await?;
    let pad_id = format!("{g}$notes");
    assert_eq!(pad["padID"], json!(pad_id));
    let (status, taken) = call(
        &c,
        "1.3.0",
        &key,
        "createGroupPad",
        &[("groupID", &g), ("padName", "notes")],
    )
    .await?;
    assert_eq!(
        (status, taken["code"].as_u64(), taken["message"].as_str()),
        (200, Some(1), Some("padName does already exist"))
    );
    let (_, no_group) = call(
        &c,
        "1.3.0",
        &key,
        "createGroupPad",
        &[("groupID", "g.nope"), ("padName", "x")],
    )
    .await?;
    assert_eq!(
        no_group,
        json!({"code": 1, "message": "groupID does not exist", "data": null})
    );
    assert_eq!(
        data(&c, &key, "listPads", &[("groupID", &g)]).await?["padIDs"],
        json!([pad_id])
    );
    assert_eq!(
        data(&c, &key, "getText", &[("padID", &pad_id)]).await?["text"],
        "Bonjour"
    );
    let (_, group_via_create_pad) =
        call(&c, "1.3.0", &key, "createPad", &[("padID", "g.x$y")]).await?;
    assert_eq!(
        group_via_create_pad["message"],
        "createPad can't create group pads"
    );

    // Authors: a mapper gives the same author back and renames it.
    let a = text(
        &data(
            &c,
            &key,
            "createAuthorIfNotExistsFor",
            &[("authorMapper", "user-42"), ("name", "Ada")],
        )
        .await?["authorID"],
    );
    assert!(a.starts_with("a.") && a.len() == 18, "{a}");
    let same = data(
        &c,
        &key,
        "createAuthorIfNotExistsFor",
        &[("authorMapper", "user-42"), ("name", "Ada L.")],
    )
    .await?;
    assert_eq!(text(&same["authorID"]), a);
    assert_eq!(
        data(&c, &key, "getAuthorName", &[("authorID", &a)]).await?,
        "Ada L."
    );
    let anonymous = text(&data(&c, &key, "createAuthor", &[]).await?["authorID"]);
    assert_eq!(
        data(&c, &key, "getAuthorName", &[("authorID", &anonymous)]).await?,
        Value::Null
    );
    assert_eq!(
        data(&c, &key, "listPadsOfAuthor", &[("authorID", &a)]).await?["padIDs"],
        json!([])
    );
    let (_, no_author) = call(
        &c,
        "1.3.0",
        &key,
        "listPadsOfAuthor",
        &[("authorID", "a.nope")],
    )
    .await?;
    assert_eq!(no_author["message"], "authorID does not exist");

    // Sessions.
    assert_eq!(
        data(&c, &key, "listSessionsOfGroup", &[("groupID", &g)]).await?,
        Value::Null
    );
    let until = in_a_day();
    let s = text(
        &data(
            &c,
            &key,
            "createSession",
            &[("groupID", &g), ("authorID", &a), ("validUntil", &until)],
        )
        .await?["sessionID"],
    );
    assert!(s.starts_with("s.") && s.len() == 18, "{s}");
    let info = data(&c, &key, "getSessionInfo", &[("sessionID", &s)]).await?;
    assert_eq!(
        info,
        json!({"groupID": g, "authorID": a, "validUntil": until.parse::<i64>()?})
    );
    let of_group = data(&c, &key, "listSessionsOfGroup", &[("groupID", &g)]).await?;
    assert_eq!(of_group[&s], info);
    assert_eq!(
        data(&c, &key, "listSessionsOfAuthor", &[("authorID", &a)]).await?[&s],
        info
    );
    for (until, message) in [
        ("12", "validUntil is in the past"),
        ("soon", "validUntil is not a number"),
        ("-5", "validUntil is a negative number"),
        ("1.5", "validUntil is a float value"),
    ] {
        let (status, r) = call(
            &c,
            "1.3.0",
            &key,
            "createSession",
            &[("groupID", &g), ("authorID", &a), ("validUntil", until)],
        )
        .await?;
        assert_eq!(
            (status, r["code"].as_u64(), r["message"].as_str()),
            (200, Some(1), Some(message)),
            "{until}"
        );
    }
    let (_, wrong_author) = call(
        &c,
        "1.3.0",
        &key,
        "createSession",
        &[
            ("groupID", &g),
            ("authorID", "a.x"),
            ("validUntil", &in_a_day()),
        ],
    )
    .await?;
    assert_eq!(wrong_author["message"], "authorID does not exist");
    assert_eq!(
        data(&c, &key, "deleteSession", &[("sessionID", &s)]).await?,
        Value::Null
    );
    let (_, gone) = call(&c, "1.3.0", &key, "getSessionInfo", &[("sessionID", &s)]).await?;
    assert_eq!(
        gone,
        json!({"code": 1, "message": "sessionID does not exist", "data": null})
    );
    let (_, gone) = call(&c, "1.3.0", &key, "deleteSession", &[("sessionID", &s)]).await?;
    assert_eq!(gone["code"], 1);

    // Deleting a group deletes its pads and sessions, and forgets its mapper.
    let s2 = text(
        &data(
            &c,
            &key,
            "createSession",
            &[
                ("groupID", &g),
                ("authorID", &a),
                ("validUntil", &in_a_day()),
            ],
        )
        .await?["sessionID"],
    );
    assert_eq!(
        data(&c, &key, "deleteGroup", &[("groupID", &g)]).await?,
        Value::Null
    );
    let (_, pad_gone) = call(&c, "1.3.0", &key, "getText", &[("padID", &pad_id)]).await?;
    assert_eq!(
        pad_gone,
        json!({"code": 1, "message": "padID does not exist", "data": null})
    );
    assert_eq!(
        call(&c, "1.3.0", &key, "getSessionInfo", &[("sessionID", &s2)])
            .await?
            .1["code"],
        1
    );
    assert_eq!(
        call(&c, "1.3.0", &key, "deleteGroup", &[("groupID", &g)])
            .await?
            .1["message"],
        "groupID does not exist"
    );
    let fresh = data(
        &c,
        &key,
        "createGroupIfNotExistsFor",
        &[("groupMapper", "course-7")],
    )
    .await?;
    assert_ne!(text(&fresh["groupID"]), g);
    Ok(())
}

#[tokio::test]
async fn pad_functions_html_and_chat() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let key = api_key(&server).await?;
    let c = server.client();
    assert_eq!(
        data(
            &c,
            &key,
            "createPad",
            &[
                ("padID", "ep-html"),
                ("text", "# Titre\n**gras** et *it* à <b>\n- un\n- deux\n")
            ]
        )
        .await?,
        Value::Null
    );
    let html = data(&c, &key, "getHTML", &[("padID", "ep-html")]).await?;
    assert_eq!(
        html["html"],
        "<!DOCTYPE HTML><html><body><h1>Titre</h1><br><strong>gras</strong> et <em>it</em> &#224; &lt;b&gt;<br><ul class=\"bullet\"><li>un</li><li>deux</li></ul></body></html>"
    );
    let old = data(&c, &key, "getHTML", &[("padID", "ep-html"), ("rev", "0")]).await?;
    assert_eq!(old["html"], "<!DOCTYPE HTML><html><body><br></body></html>");
    let (_, future) = call(
        &c,
        "1.3.0",
        &key,
        "getHTML",
        &[("padID", "ep-html"), ("rev", "99")],
    )
    .await?;
    assert_eq!(
        future["message"],
        "rev is higher than the head revision of the pad"
    );

    // setHTML takes Etherpad's HTML: lines, lists, styles.
    let given = "<!DOCTYPE HTML><html><body>Ligne <strong>forte</strong><br><em>penchée</em> et <s>barrée</s><br><ul class=\"bullet\"><li>a</li><li>b</li></ul><ol class=\"number\"><li>premier</li></ol></body></html>";
    let r = c
        .send(c.http.post(c.url("/api/1.3.0/setHTML")).form(&[
            ("apikey", key.as_str()),
            ("padID", "ep-html"),
            ("html", given),
        ]))
        .await?;
    assert_eq!(
        (r.status, r.body["code"].as_u64()),
        (200, Some(0)),
        "{:?}",
        r.body
    );
    let back = text(&data(&c, &key, "getHTML", &[("padID", "ep-html")]).await?["html"]);
    for part in [
        "Ligne <strong>forte</strong><br>",
        "<em>pench&#233;e</em> et <s>barr&#233;e</s><br>",
        "<ul class=\"bullet\"><li>a</li><li>b</li></ul>",
        "<ol class=\"number\"><li>premier</li></ol>",
    ] {
        assert!(back.contains(part), "{part} in {back}");
    }
    let md = text(&data(&c, &key, "getText", &[("padID", "ep-html")]).await?["text"]);
    assert!(md.starts_with("Ligne **forte**\n"), "{md:?}");

    // A JSON body works as a form does (Etherpad reads both).
    let r = c
        .send(
            c.http
                .post(c.url("/api/1.3.0/appendText"))
                .json(&json!({"apikey": key, "padID": "ep-html", "text": "\nfin"})),
        )
        .await?;
    assert_eq!(r.body["code"], 0, "{:?}", r.body);
    assert!(
        text(&data(&c, &key, "getText", &[("padID", "ep-html")]).await?["text"]).ends_with("\nfin")
    );
    let r = c
        .send(
            c.http
                .post(c.url("/api/1.3.0/setText"))
                .header("content-type", "text/csv")
                .body("a,b"),
        )
        .await?;
    assert_eq!(
        (r.status, r.body["code"].as_u64()),
        (200, Some(1)),
        "{:?}",
        r.body
    );

    // Chat, read-only ids, authors, revisions.
    let owner = server.login_as("chatter", false).await?;
    let made = owner
        .post("/api/v1/pads", json!({"name": "ep-chat"}))
        .await?;
    assert_eq!(made.status, 201);
    for line in ["un", "deux", "trois"] {
        let r = owner
            .post("/api/v1/pads/ep-chat/chat", json!({"text": line}))
            .await?;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    assert_eq!(
        data(&c, &key, "getChatHead", &[("padID", "ep-chat")]).await?["chatHead"],
        2
    );
    let history = data(&c, &key, "getChatHistory", &[("padID", "ep-chat")]).await?;
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|x| x["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(texts, ["un", "deux", "trois"]);
    assert_eq!(history["messages"][0]["userName"], "CHATTER");
    assert!(history["messages"][0]["time"].as_i64().unwrap_or(0) > 0);
    let part = data(
        &c,
        &key,
        "getChatHistory",
        &[("padID", "ep-chat"), ("start", "1"), ("end", "2")],
    )
    .await?;
    assert_eq!(part["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(part["messages"][0]["text"], "deux");
    let (_, past) = call(
        &c,
        "1.3.0",
        &key,
        "getChatHistory",
        &[("padID", "ep-chat"), ("start", "1"), ("end", "9")],
    )
    .await?;
    assert_eq!(past["message"], "end is higher than the current chatHead");
    let ro = text(&data(&c, &key, "getReadOnlyID", &[("padID", "ep-chat")]).await?["readOnlyID"]);
    assert_eq!(
        data(&c, &key, "getPadID", &[("roID", &ro)]).await?["padID"],
        "ep-chat"
    );
    assert_eq!(
        data(&c, &key, "listAuthorsOfPad", &[("padID", "ep-html")]).await?["authorIDs"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        data(&c, &key, "getRevisionsCount", &[("padID", "ep-html")]).await?["revisions"],
        3
    );
    assert_eq!(
        data(
            &c,
            &key,
            "restoreRevision",
            &[("padID", "ep-html"), ("rev", "1")]
        )
        .await?,
        Value::Null
    );
    assert!(
        text(&data(&c, &key, "getText", &[("padID", "ep-html")]).await?["text"])
            .starts_with("# Titre")
    );
    Ok(())
}

#[tokio::test]
async fn codes_statuses_and_versions() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let key = api_key(&server).await?;
    let c = server.client();
    let current = c.get("/api").await?;
    assert_eq!(
        (current.status, current.body.clone()),
        (200, json!({"currentVersion": "1.3.0"}))
    );

    // Wrong parameters: HTTP 200, code 1, as Etherpad answers them.
    let (status, missing) = call(&c, "1.2.15", &key, "getText", &[("padID", "nope")]).await?;
    assert_eq!(
        (status, missing),
        (
            200,
            json!({"code": 1, "message": "padID does not exist", "data": null})
        )
    );
    let (status, no_id) = call(&c, "1", &key, "getText", &[]).await?;
    assert_eq!(
        (status, no_id["code"].as_u64(), no_id["message"].as_str()),
        (200, Some(1), Some("padID is not a string"))
    );
    // No or wrong key: 401, code 4 (a member's token is no admin's).
    let member = server.login_as("notadmin", false).await?;
    let member_key = text(
        &member
            .post("/api/v1/me/tokens", json!({"name": "x"}))
            .await?
            .body["token"],
    );
    for bad in ["wrong", member_key.as_str()] {
        let (status, r) = call(&c, "1.3.0", bad, "checkToken", &[]).await?;
        assert_eq!(
            (status, r),
            (
                401,
                json!({"code": 4, "message": "no or wrong API Key", "data": null})
            ),
            "{bad}"
        );
    }
    let r = c.get("/api/1.3.0/checkToken").await?;
    assert_eq!((r.status, r.body["code"].as_u64()), (401, Some(4)));
    let r = c
        .send(
            c.http
                .get(c.url("/api/1.3.0/checkToken"))
                .header("authorization", format!("Bearer {key}")),
        )
        .await?;
    assert_eq!(
        (r.status, r.body["code"].as_u64()),
        (200, Some(0)),
        "the key in the Authorization header"
    );
    // Unknown function: 404, code 3 (before the key is looked at, as in Etherpad).
    let (status, r) = call(&c, "1.3.0", "wrong", "dropAllTables", &[]).await?;
    assert_eq!(
        (status, r),
        (
            404,
            json!({"code": 3, "message": "no such function", "data": null})
        )
    );

    // Each version has the functions Etherpad gave it.
    for (function, since) in [
        ("getAuthorName", "1.1"),
        ("listAllGroups", "1.1"),
        ("checkToken", "1.2"),
        ("listAllPads", "1.2.1"),
        ("getChatHistory", "1.2.7"),
        ("getPadID", "1.2.10"),
        ("appendText", "1.2.13"),
    ] {
        let versions = [
            "1", "1.1", "1.2", "1.2.1", "1.2.7", "1.2.8", "1.2.9", "1.2.10", "1.2.11", "1.2.12",
            "1.2.13", "1.2.14", "1.2.15", "1.3.0",
        ];
        let first = versions.iter().position(|v| *v == since).unwrap_or(0);
        for (i, v) in versions.iter().enumerate() {
            let (status, r) = call(
                &c,
                v,
                &key,
                function,
                &[("padID", "nope"), ("authorID", "a.x"), ("roID", "r-x")],
            )
            .await?;
            if i < first {
                assert_eq!(
                    (status, r["code"].as_u64()),
                    (404, Some(3)),
                    "{function} in {v}"
                );
            } else {
                assert_ne!(r["code"].as_u64(), Some(3), "{function} in {v}: {r}");
                assert_eq!(status, 200, "{function} in {v}: {r}");
            }
        }
    }
    for v in ["1", "1.2.15", "1.3.0"] {
        assert_eq!(
            call(&c, v, &key, "createGroup", &[]).await?.1["code"],
            0,
            "{v}"
        );
    }
    // A version Etherpad never had is no route.
    assert_eq!(
        c.get(&format!("/api/1.9/checkToken?apikey={key}"))
            .await?
            .status,
        404
    );
    // The rest of the API is untouched by these routes.
    assert_eq!(
        server.guest().await?.get("/api/v1/guest").await?.status,
        200
    );
    Ok(())
}

/// The next `event` frame whose data's type is `kind` (an error frame fails the test).
async fn next_event(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let v = recv_json(ws, WS_WAIT).await;
        assert_ne!(v["type"], "error", "{v}");
        if v["type"] == "event" && v["data"]["type"] == kind {
            return v["data"].clone();
        }
    }
}

/// The answer to a subscribe: its `subscribed` or `error` frame (the greeting skipped).
async fn subscribe_answer(ws: &mut Ws) -> Value {
    loop {
        let v = recv_json(ws, WS_WAIT).await;
        if v["type"] == "error" || v["type"] == "subscribed" {
            return v;
        }
    }
}

#[tokio::test]
async fn group_pad_opens_with_a_session_cookie() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let key = api_key(&server).await?;
    let c = server.client();
    let g = text(
        &data(
            &c,
            &key,
            "createGroupIfNotExistsFor",
            &[("groupMapper", "course-1")],
        )
        .await?["groupID"],
    );
    let pad = text(
        &data(
            &c,
            &key,
            "createGroupPad",
            &[("groupID", &g), ("padName", "td1"), ("text", "Consigne")],
        )
        .await?["padID"],
    );
    let other_group = text(&data(&c, &key, "createGroup", &[]).await?["groupID"]);
    let a = text(
        &data(
            &c,
            &key,
            "createAuthorIfNotExistsFor",
            &[("authorMapper", "moodle-5"), ("name", "Marie Curie")],
        )
        .await?["authorID"],
    );
    let session = text(
        &data(
            &c,
            &key,
            "createSession",
            &[
                ("groupID", &g),
                ("authorID", &a),
                ("validUntil", &in_a_day()),
            ],
        )
        .await?["sessionID"],
    );
    let elsewhere = text(
        &data(
            &c,
            &key,
            "createSession",
            &[
                ("groupID", &other_group),
                ("authorID", &a),
                ("validUntil", &in_a_day()),
            ],
        )
        .await?["sessionID"],
    );

    // A guest browser, as the web app makes one.
    let guest = cookie_from(&crate::support::guest(&server).await, "nichoir_guest");
    let raw = reqwest::Client::new();
    let url = format!("{}/api/v1/pads/{}", server.url, pad.replace('$', "%24"));
    let open = |cookie: String| raw.get(&url).header("cookie", cookie).send();

    let refused = open(guest.clone()).await?;
    assert_eq!(refused.status().as_u16(), 403, "no sessionID cookie");
    let refused = open(format!("{guest}; sessionID={elsewhere}")).await?;
    assert_eq!(refused.status().as_u16(), 403, "a session of another group");
    let refused = open(format!("{guest}; sessionID=s.made-up")).await?;
    assert_eq!(refused.status().as_u16(), 403, "no such session");
    let mut ws = ws_connect(server.addr, WsAuth::Cookie(&guest), WS_WAIT).await;
    send_json(&mut ws, &subscribe(&format!("pad:{pad}"))).await;
    let frame = subscribe_answer(&mut ws).await;
    assert_eq!(
        (frame["type"].as_str(), frame["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{frame}"
    );

    // Etherpad's cookie: comma-separated sessions, one of them of this group.
    let opened = open(format!("{guest}; sessionID=\"{elsewhere},{session}\"")).await?;
    assert_eq!(opened.status().as_u16(), 200);
    let body: Value = opened.json().await?;
    assert_eq!(body["text"], "Consigne");
    // Its socket is let in, and what it writes is the API author's.
    let mut ws = ws_connect(server.addr, WsAuth::Cookie(&guest), WS_WAIT).await;
    let topic = format!("pad:{pad}");
    send_json(&mut ws, &subscribe(&topic)).await;
    let state = next_event(&mut ws, "state").await;
    let rev = state["rev"].as_u64().unwrap_or(0);
    send_json(
        &mut ws,
        &publish(&topic, op_msg("moodle", 1, rev, json!([8, " : lire"]))),
    )
    .await;
    next_event(&mut ws, "ack").await;
    let after = raw.get(&url).header("cookie", &guest).send().await?;
    assert_eq!(
        after.status().as_u16(),
        200,
        "admitted while the session lasts"
    );
    let after: Value = after.json().await?;
    assert_eq!(after["text"], "Consigne : lire");
    let names: Vec<&str> = after["authors"]
        .as_array()
        .map(|l| l.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"Marie Curie"), "{names:?}");
    assert_eq!(
        data(&c, &key, "listPadsOfAuthor", &[("authorID", &a)]).await?["padIDs"],
        json!([pad])
    );
    let authors = data(&c, &key, "listAuthorsOfPad", &[("padID", &pad)]).await?;
    assert!(
        authors["authorIDs"]
            .as_array()
            .is_some_and(|l| l.contains(&json!(a))),
        "{authors}"
    );

    // The session ends: the socket is put out of the pad, and the page is refused.
    assert_eq!(
        data(&c, &key, "deleteSession", &[("sessionID", &session)]).await?,
        Value::Null
    );
    let refused = raw.get(&url).header("cookie", &guest).send().await?;
    assert_eq!(refused.status().as_u16(), 403, "session deleted");
    let mut ws2 = ws_connect(server.addr, WsAuth::Cookie(&guest), WS_WAIT).await;
    send_json(&mut ws2, &subscribe(&topic)).await;
    let frame = subscribe_answer(&mut ws2).await;
    assert_eq!(frame["code"], "forbidden", "{frame}");
    // The read-only link stays public, as in Etherpad.
    let ro = text(&data(&c, &key, "getReadOnlyID", &[("padID", &pad)]).await?["readOnlyID"]);
    let r = raw
        .get(format!("{}/api/v1/pads/{ro}", server.url))
        .send()
        .await?;
    assert_eq!(r.status().as_u16(), 200);
    Ok(())
}
