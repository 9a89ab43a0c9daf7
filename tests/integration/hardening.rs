//! Hardening (issue 13): one decision for who sees a wiki page and all that derives from it, a
//! hidden page indistinguishable from a missing one; control characters refused in names,
//! titles and pad edits; wrong methods answered 405 with Allow; required bodies refused when
//! missing; an OpenAPI document that declares every status.

use std::time::Duration;

use nichoir_testkit::{Client, Reply, TestServer};
use serde_json::{json, Value};

use crate::support::{publish, recv_json, send_json, subscribe, ws_connect, Ws, WsAuth};

const WS_WAIT: Duration = Duration::from_secs(10);

fn page_url(slug: &str, name: &str) -> String {
    format!("/api/v1/wikis/{slug}/pages/{}", name.replace(' ', "_"))
}

/// Status, code and message: what tells a caller anything.
fn answer(r: &Reply) -> (u16, String, String) {
    (
        r.status,
        r.code().to_string(),
        r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

/// A public wiki where "Secret" is for editors only and "Open" links to it.
async fn wiki_with_a_hidden_page(server: &TestServer) -> anyhow::Result<Client> {
    let ana = server.login_as("ana", false).await?;
    let r = ana
        .post(
            "/api/v1/wikis",
            json!({"slug": "club", "title": "Club", "visibility": "public", "edit_policy": "anyone"}),
        )
        .await?;
    anyhow::ensure!(r.status == 201, "create: {:?}", r.body);
    ana.patch("/api/v1/wikis/club", json!({"comments_enabled": true}))
        .await?;
    for (name, text) in [
        ("Secret", "the treasure is under the oak"),
        ("Open", "see [[Secret]] and [[Nowhere]]"),
        ("Other", "links to [[Secret]] too"),
    ] {
        let r = ana
            .put_json(&page_url("club", name), json!({"text": text}))
            .await?;
        anyhow::ensure!(r.status == 201, "save {name}: {:?}", r.body);
    }
    let r = ana
        .post(
            &format!("{}/comments", page_url("club", "Secret")),
            json!({"text": "keep it quiet"}),
        )
        .await?;
    anyhow::ensure!(r.status == 201, "comment: {:?}", r.body);
    let r = ana
        .put_json(
            &format!("{}/rules", page_url("club", "Secret")),
            json!({"view": "editors", "edit": "editors"}),
        )
        .await?;
    anyhow::ensure!(r.status == 204, "rules: {:?}", r.body);
    Ok(ana)
}

#[tokio::test]
async fn a_hidden_wiki_page_answers_exactly_as_a_missing_one() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = wiki_with_a_hidden_page(&server).await?;
    let bob = server.login_as("bob", false).await?;
    let anonymous = server.client();
    for outsider in [&bob, &anonymous] {
        for suffix in [
            "",
            "/backlinks",
            "/history",
            "/revisions/1",
            "/diff?from=0&to=1",
            "/comments",
        ] {
            let hidden = outsider
                .get(&format!("{}{suffix}", page_url("club", "Secret")))
                .await?;
            let missing = outsider
                .get(&format!("{}{suffix}", page_url("club", "Nowhere")))
                .await?;
            assert_eq!(hidden.status, 404, "{suffix}: {:?}", hidden.body);
            assert_eq!(answer(&hidden), answer(&missing), "{suffix}");
        }
    }
    // Writes that name the page answer as for a missing page too.
    for (suffix, body) in [
        ("/comments", json!({"text": "x"})),
        ("/rename", json!({"name": "Y"})),
        ("/revert", json!({"rev": 1})),
    ] {
        let hidden = bob
            .post(
                &format!("{}{suffix}", page_url("club", "Secret")),
                body.clone(),
            )
            .await?;
        let missing = bob
            .post(&format!("{}{suffix}", page_url("club", "Nowhere")), body)
            .await?;
        assert_eq!(hidden.status, 404, "{suffix}: {:?}", hidden.body);
        assert_eq!(answer(&hidden), answer(&missing), "{suffix}");
    }
    // The editor sees it all.
    let page = ana.get(&page_url("club", "Secret")).await?;
    assert_eq!(page.status, 200);
    let back = ana
        .get(&format!("{}/backlinks", page_url("club", "Secret")))
        .await?;
    assert_eq!(
        back.body.as_array().map(Vec::len),
        Some(2),
        "{:?}",
        back.body
    );
    Ok(())
}

#[tokio::test]
async fn lists_searches_feeds_and_comments_keep_a_hidden_page_out() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = wiki_with_a_hidden_page(&server).await?;
    let bob = server.login_as("bob", false).await?;
    let names = |v: &Value, key: &str| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x[key].as_str().or(x["change"][key].as_str()))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    // A page an outsider sees may link to the hidden one; the hidden one never shows.
    let back = bob
        .get(&format!("{}/backlinks", page_url("club", "Open")))
        .await?;
    assert_eq!(back.status, 200);
    let pages = bob.get("/api/v1/wikis/club/pages").await?;
    assert!(!names(&pages.body, "name").contains(&"Secret".into()));
    let changes = bob.get("/api/v1/wikis/club/changes").await?;
    assert!(
        !names(&changes.body, "page").contains(&"Secret".into()),
        "{:?}",
        changes.body
    );
    assert!(names(&changes.body, "page").contains(&"Open".into()));
    let only = bob.get("/api/v1/wikis/club/changes?page=Secret").await?;
    let none = bob.get("/api/v1/wikis/club/changes?page=Nowhere").await?;
    assert_eq!((only.status, &only.body), (none.status, &none.body));
    for q in ["treasure", "oak"] {
        let hits = bob.get(&format!("/api/v1/wikis/club/search?q={q}")).await?;
        assert_eq!(hits.body, json!([]), "in-wiki search for {q}");
        let all = bob.get(&format!("/api/v1/wiki-search?q={q}")).await?;
        assert_eq!(all.body, json!([]), "search across wikis for {q}");
    }
    assert_eq!(
        ana.get("/api/v1/wikis/club/search?q=treasure").await?.body[0]["page"],
        "Secret"
    );
    let feed = server.client().get("/api/v1/wikis/club/feed.atom").await?;
    let xml = String::from_utf8_lossy(&feed.bytes);
    assert_eq!(feed.status, 200);
    assert!(xml.contains("Open") && !xml.contains("Secret"), "{xml}");
    // The directory counts only what an anonymous reader sees.
    let dir = server.client().get("/api/v1/wikis").await?;
    let seen = server.client().get("/api/v1/wikis/club/pages").await?;
    assert_eq!(
        dir.body[0]["pages"].as_u64(),
        seen.body.as_array().map(|a| a.len() as u64),
        "{:?}",
        dir.body
    );
    // A comment under the hidden page does not exist for an outsider.
    let comments = ana
        .get(&format!("{}/comments", page_url("club", "Secret")))
        .await?;
    let id = comments.body[0]["id"].as_i64().unwrap_or(0);
    let hidden = bob
        .delete(&format!("/api/v1/wikis/club/comments/{id}"))
        .await?;
    let missing = bob
        .delete(&format!("/api/v1/wikis/club/comments/{}", id + 1000))
        .await?;
    assert_eq!(hidden.status, 404);
    assert_eq!(answer(&hidden), answer(&missing));
    // Exports carry hidden pages: only the wiki's admins take one.
    assert_eq!(bob.get("/api/v1/wikis/club/export.zip").await?.status, 403);
    assert_eq!(ana.get("/api/v1/wikis/club/export.zip").await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn attachments_follow_the_wiki_read_decision() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    for (slug, visibility) in [("members-only", "members"), ("hidden", "private")] {
        let r = ana
            .post(
                "/api/v1/wikis",
                json!({"slug": slug, "title": slug, "visibility": visibility}),
            )
            .await?;
        assert_eq!(r.status, 201);
        let url = ana.url(&format!("/api/v1/wikis/{slug}/files?name=notes.txt"));
        let req = ana
            .http
            .post(url)
            .header("content-type", "text/plain")
            .header("x-csrf-token", ana.csrf.clone().unwrap_or_default())
            .body("hello");
        assert_eq!(ana.send(req).await?.status, 201);
        assert_eq!(
            ana.get(&format!("/w/{slug}/_files/notes.txt"))
                .await?
                .status,
            200
        );
    }
    let anonymous = server.client();
    // A members' wiki says so; a private one answers as if it did not exist.
    let r = anonymous.get("/w/members-only/_files/notes.txt").await?;
    assert_eq!(r.status, 403);
    assert_eq!(
        anonymous
            .get("/api/v1/wikis/members-only/files")
            .await?
            .status,
        403
    );
    let hidden = anonymous.get("/w/hidden/_files/notes.txt").await?;
    let missing = anonymous.get("/w/no-such-wiki/_files/notes.txt").await?;
    assert_eq!(hidden.status, 404);
    assert_eq!(answer(&hidden), answer(&missing));
    let bob = server.login_as("bob", false).await?;
    assert_eq!(
        bob.get("/w/members-only/_files/notes.txt").await?.status,
        200
    );
    assert_eq!(bob.get("/w/hidden/_files/notes.txt").await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn names_and_titles_refuse_control_characters() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let refused = |r: &Reply, field: &str| {
        assert_eq!(
            (r.status, r.code()),
            (422, "validation_failed"),
            "{field}: {:?}",
            r.body
        );
        let message = r.body["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(field), "{field}: {message}");
    };
    let r = ana
        .post(
            "/api/v1/wikis",
            json!({"slug": "wiki-nul", "title": "Wi\u{0}ki"}),
        )
        .await?;
    refused(&r, "title");
    let r = ana
        .patch("/api/v1/me", json!({"display_name": "Ana\u{7}"}))
        .await?;
    refused(&r, "display name");
    let r = ana
        .post(
            "/api/v1/polls",
            json!({"kind": "classic", "title": "Vo\u{85}te", "author_name": "Ana",
                "options": [{"label": "a"}, {"label": "b"}]}),
        )
        .await?;
    refused(&r, "title");
    let r = ana
        .post(
            "/api/v1/polls",
            json!({"kind": "classic", "title": "Vote", "author_name": "Ana",
                "options": [{"label": "a\u{1b}[31m"}, {"label": "b"}]}),
        )
        .await?;
    refused(&r, "option");
    let r = ana
        .post(
            "/api/v1/chat/teams",
            json!({"name": "asso", "display_name": "Asso\u{0}"}),
        )
        .await?;
    refused(&r, "display_name");
    let r = ana
        .post(
            "/api/v1/video/rooms",
            json!({"name": "salle-du-ca", "title": "Salle\u{9f}"}),
        )
        .await?;
    refused(&r, "title");
    // Line breaks stay where text has lines.
    let r = ana
        .post(
            "/api/v1/wikis",
            json!({"slug": "ok", "title": "Fine", "description": "two\nlines\tand a tab"}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = ana
        .put_json(&page_url("ok", "Pa\u{0}ge"), json!({"text": "x"}))
        .await?;
    assert_eq!(r.status, 422, "page name: {:?}", r.body);
    let r = ana
        .put_json(&page_url("ok", "Page"), json!({"text": "nul\u{0}here"}))
        .await?;
    refused(&r, "text");
    Ok(())
}

async fn pad_socket(server: &TestServer) -> anyhow::Result<(Ws, String, Client)> {
    let c = server.login_as("tess", false).await?;
    let (token, id) = crate::support::token_and_pad(&c).await?;
    let topic = format!("pad:{id}");
    let mut ws = ws_connect(server.addr, WsAuth::Bearer(&token), WS_WAIT).await;
    send_json(&mut ws, &subscribe(&topic)).await;
    next_event(&mut ws, "state").await;
    Ok((ws, id, c))
}

async fn next_event(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let v = recv_json(ws, WS_WAIT).await;
        if v["type"] == "event" && v["data"]["type"] == kind {
            return v["data"].clone();
        }
    }
}

#[tokio::test]
async fn pad_edits_with_a_bad_seq_or_control_characters_are_refused() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let (mut ws, id, c) = pad_socket(&server).await?;
    let topic = format!("pad:{id}");
    for (seq, op) in [
        (json!(-1), json!(["x"])),
        (json!(null), json!(["x"])),
        (json!(1.5), json!(["x"])),
        (json!(1), json!(["a\u{0}b"])),
        (json!(2), json!(["bell\u{7}"])),
        (json!(3), json!(["c1\u{80}"])),
        (json!(4), json!(["cr\r"])),
    ] {
        let edit = json!({"type": "op", "client_id": "c", "seq": seq, "rev": 0, "op": op});
        send_json(&mut ws, &publish(&topic, edit)).await;
        let e = next_event(&mut ws, "error").await;
        assert_eq!(e["code"], "invalid_op", "{seq} {op}: {e}");
        assert_eq!(e["seq"], seq, "the error names the edit as sent");
    }
    let edit = json!({"type": "op", "client_id": "c", "seq": 5, "rev": 0, "op": ["line\n\ttab"]});
    send_json(&mut ws, &publish(&topic, edit)).await;
    assert_eq!(next_event(&mut ws, "ack").await["rev"], 1);
    assert_eq!(
        c.get(&format!("/api/v1/pads/{id}")).await?.body["text"],
        "line\n\ttab"
    );
    // An import strips what an edit would be refused for.
    let req = c
        .http
        .post(c.url(&format!("/api/v1/pads/{id}/import?format=txt")))
        .header("content-type", "text/plain")
        .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
        .body("im\u{0}ported\r\ntext\u{1b}");
    let r = c.send(req).await?;
    assert!(r.status < 300, "{} {:?}", r.status, r.body);
    assert_eq!(
        c.get(&format!("/api/v1/pads/{id}")).await?.body["text"],
        "imported\ntext"
    );
    Ok(())
}

#[tokio::test]
async fn a_known_path_with_a_wrong_method_answers_405_with_allow() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("ana", false).await?;
    let csrf = c.csrf.clone().unwrap_or_default();
    for (method, path, allow) in [
        ("DELETE", "/api/v1/pads", vec!["GET", "POST"]),
        (
            "PATCH",
            "/api/v1/wikis/club/pages/Home",
            vec!["GET", "PUT", "DELETE"],
        ),
        ("POST", "/healthz", vec!["GET"]),
        ("PUT", "/api/v1/openapi.json", vec!["GET"]),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes())?;
        let r = c
            .send(
                c.http
                    .request(m, c.url(path))
                    .header("x-csrf-token", csrf.clone()),
            )
            .await?;
        assert_eq!(
            (r.status, r.code()),
            (405, "method_not_allowed"),
            "{method} {path}"
        );
        let got = r
            .headers
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut got: Vec<&str> = got.split(", ").collect();
        got.sort_unstable();
        let mut want = allow.clone();
        want.sort_unstable();
        assert_eq!(got, want, "{method} {path}");
    }
    let r = c.get("/api/v1/no-such-thing").await?;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = c
        .send(c.http.post(c.url("/pads")).header("x-csrf-token", csrf))
        .await?;
    assert_eq!(r.status, 405, "pages of the UI take GET only");
    assert!(r.headers.get("allow").is_some());
    Ok(())
}

#[tokio::test]
async fn required_bodies_are_refused_when_missing_or_broken() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let admin = server.login_as("root", true).await?;
    let csrf = admin.csrf.clone().unwrap_or_default();
    for path in ["/api/v1/pads", "/api/v1/admin/invites"] {
        let none = admin
            .send(
                admin
                    .http
                    .post(admin.url(path))
                    .header("x-csrf-token", csrf.clone()),
            )
            .await?;
        assert_eq!(
            (none.status, none.code()),
            (415, "unsupported_media_type"),
            "{path}"
        );
        for (body, status, code) in [
            ("", 400, "invalid_json"),
            ("{", 400, "invalid_json"),
            ("null", 422, "validation_failed"),
            ("\"x\"", 422, "validation_failed"),
            ("{\"nope\": 1}", 422, "validation_failed"),
        ] {
            let r = admin
                .send(
                    admin
                        .http
                        .post(admin.url(path))
                        .header("x-csrf-token", csrf.clone())
                        .header("content-type", "application/json")
                        .body(body),
                )
                .await?;
            assert_eq!((r.status, r.code()), (status, code), "{path} {body:?}");
        }
        assert_eq!(
            admin.post(path, json!({})).await?.status,
            201,
            "{path} {{}}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_api_document_declares_every_status_honestly() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.client();
    let doc = c.get("/api/v1/openapi.json").await?.body;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, ops) in &paths {
        for (method, op) in ops.as_object().into_iter().flatten() {
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            assert!(
                !responses.contains_key("default"),
                "{method} {path}: no catch-all"
            );
            assert!(responses.contains_key("500"), "{method} {path}");
        }
    }
    let save = &doc["paths"]["/api/v1/wikis/{slug}/pages/{name}"]["put"]["responses"];
    for s in ["200", "201", "409", "422", "429"] {
        assert!(save[s].is_object(), "page save declares {s}");
    }
    let create = &doc["paths"]["/api/v1/pads"]["post"];
    assert_eq!(create["requestBody"]["required"], true);
    assert!(create["responses"]["201"].is_object() && create["responses"]["415"].is_object());
    let ws = &doc["paths"]["/api/v1/ws"]["get"]["responses"];
    assert_eq!(
        ws["101"]["content"],
        json!({}),
        "an upgrade carries no JSON"
    );
    let etherpad = &doc["paths"]["/api/1.2.15/{function}"]["get"]["responses"];
    assert_eq!(
        etherpad["401"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/EtherpadEnvelope"
    );
    // Wrong parameters answer code 1 with 200, as Etherpad answers them.
    assert!(etherpad["400"].is_null(), "{etherpad}");
    // A GET to the socket that is no handshake answers the JSON error shape.
    let guest = server.guest().await?;
    let r = guest.get("/api/v1/ws").await?;
    assert_eq!((r.status, r.code()), (400, "bad_request"), "{:?}", r.body);
    Ok(())
}

#[tokio::test]
async fn etherpad_refuses_a_body_it_cannot_read_and_strips_controls() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let admin = server.login_as("root", true).await?;
    let key = admin
        .post("/api/v1/me/tokens", json!({"name": "etherpad"}))
        .await?
        .body["token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let c = server.client();
    let r = c
        .get(&format!(
            "/api/1.2.15/createPad?apikey={key}&padID=ep-nul&text=a%00b%0Dc%1B"
        ))
        .await?;
    assert_eq!(r.body["code"], 0, "{:?}", r.body);
    let text = c
        .get(&format!("/api/1.2.15/getText?apikey={key}&padID=ep-nul"))
        .await?;
    assert!(
        !text.body["data"]["text"]
            .as_str()
            .unwrap_or("\u{0}")
            .chars()
            .any(|ch| ch.is_control() && ch != '\n'),
        "{:?}",
        text.body
    );
    let r = c
        .send(
            c.http
                .post(c.url(&format!("/api/1.2.15/setText?apikey={key}&padID=ep-nul")))
                .header("content-type", "application/json")
                .body("[\"not\", \"an object\"]"),
        )
        .await?;
    assert_eq!(
        (r.status, r.body["code"].as_u64()),
        (200, Some(1)),
        "{:?}",
        r.body
    );
    Ok(())
}
