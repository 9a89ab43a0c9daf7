//! Pads over HTTP: create, read, export, revisions, restore, delete, permissions, bad input.

use nichoir_testkit::TestServer;
use serde_json::json;

use crate::support::write_text;

/// Upper bound for a WebSocket upgrade or an expected frame; it only guards against a hang.
const WS_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

#[tokio::test]
async fn create_read_export_and_history() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("pia", false).await?;
    let created = c.post("/api/v1/pads", json!({})).await?;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["pad"]["id"].as_str().unwrap_or("").to_string();
    assert!(id.len() >= 16, "random ids are unguessable: {id}");
    assert!(created.body["url"]
        .as_str()
        .unwrap_or("")
        .ends_with(&format!("/p/{id}")));
    let ro = created.body["pad"]["readonly_id"]
        .as_str()
        .unwrap_or("")
        .to_string();

    assert_eq!(
        write_text(&server, &id, "# Réunion\n\nOrdre du jour 🙂").await?,
        1
    );
    assert_eq!(
        write_text(&server, &id, "# Réunion\n\nOrdre du jour 🙂\n- budget").await?,
        2
    );

    let anon = server.client();
    let got = anon.get(&format!("/api/v1/pads/{id}")).await?;
    assert_eq!(got.body["text"], "# Réunion\n\nOrdre du jour 🙂\n- budget");
    assert_eq!(got.body["pad"]["rev"], 2);
    // The editor's page asks for the facts only: it gets the text from its socket.
    let facts = anon.get(&format!("/api/v1/pads/{id}?text=false")).await?;
    assert_eq!(facts.status, 200);
    assert_eq!(facts.body["pad"]["rev"], 2);
    assert_eq!(facts.body["pad"]["readonly_id"].as_str(), Some(ro.as_str()));
    assert!(facts.body.get("text").is_none() && facts.body.get("authors").is_none());
    let bad = anon.get(&format!("/api/v1/pads/{id}?text=maybe")).await?;
    assert_eq!(bad.status, 400, "{:?}", bad.body);
    let via_ro = anon.get(&format!("/api/v1/pads/{ro}")).await?;
    assert_eq!(via_ro.body["text"], got.body["text"]);
    assert_eq!(via_ro.body["pad"]["readonly"], true);
    assert!(
        via_ro.body["pad"].get("readonly_id").is_none(),
        "a read-only link does not reveal the edit id"
    );
    assert_eq!(via_ro.body["pad"]["id"], ro);

    let txt = anon
        .get(&format!("/api/v1/pads/{id}/export?format=txt"))
        .await?;
    assert_eq!(
        String::from_utf8_lossy(&txt.bytes),
        "# Réunion\n\nOrdre du jour 🙂\n- budget"
    );
    assert!(txt
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .contains("attachment"));
    let html = anon
        .get(&format!("/api/v1/pads/{id}/export?format=html&rev=1"))
        .await?;
    let html = String::from_utf8_lossy(&html.bytes).to_string();
    assert!(
        html.contains("<h1>Réunion</h1>") && !html.contains("budget"),
        "{html}"
    );
    assert_eq!(
        anon.get(&format!("/api/v1/pads/{id}/export?format=rtf"))
            .await?
            .status,
        422
    );

    let revs = anon.get(&format!("/api/v1/pads/{id}/revisions")).await?;
    let list = revs.body.as_array().cloned().unwrap_or_default();
    assert_eq!(
        list.iter()
            .map(|r| r["rev"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>(),
        vec![2, 1]
    );
    let at1 = anon.get(&format!("/api/v1/pads/{id}/revisions/1")).await?;
    assert_eq!(at1.body["text"], "# Réunion\n\nOrdre du jour 🙂");
    assert_eq!(
        anon.get(&format!("/api/v1/pads/{id}/revisions/9"))
            .await?
            .status,
        422,
        "a revision from the future"
    );

    let restored = c
        .post(&format!("/api/v1/pads/{id}/restore"), json!({"rev": 1}))
        .await?;
    assert_eq!(restored.body["rev"], 3, "restoring makes a new revision");
    assert_eq!(
        anon.get(&format!("/api/v1/pads/{id}")).await?.body["text"],
        "# Réunion\n\nOrdre du jour 🙂"
    );

    let mine = c.get("/api/v1/pads").await?;
    assert!(mine
        .body
        .as_array()
        .is_some_and(|l| l.iter().any(|p| p["id"] == id.as_str())));
    Ok(())
}

#[tokio::test]
async fn names_permissions_and_deletion() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let owner = server.login_as("quentin", false).await?;
    let other = server.login_as("rosa", false).await?;
    let named = owner
        .post("/api/v1/pads", json!({"name": "compte-rendu_2026"}))
        .await?;
    assert_eq!(named.status, 201);
    assert_eq!(named.body["pad"]["id"], "compte-rendu_2026");
    let dup = other
        .post("/api/v1/pads", json!({"name": "compte-rendu_2026"}))
        .await?;
    assert_eq!((dup.status, dup.code()), (409, "conflict"));
    for bad in ["a b", "../x", "é", &"x".repeat(65)] {
        let r = owner.post("/api/v1/pads", json!({"name": bad})).await?;
        assert_eq!((r.status, r.code()), (422, "validation_failed"), "{bad}");
    }
    assert_eq!(
        server
            .client()
            .post("/api/v1/pads", json!({}))
            .await?
            .status,
        401,
        "a guest identity is needed"
    );
    assert_eq!(server.client().get("/api/v1/pads/nope").await?.status, 404);

    let forbidden = other.delete("/api/v1/pads/compte-rendu_2026").await?;
    assert_eq!(
        forbidden.status, 403,
        "only the creator or an admin deletes"
    );
    assert_eq!(
        owner.delete("/api/v1/pads/compte-rendu_2026").await?.status,
        204
    );
    assert_eq!(
        server
            .client()
            .get("/api/v1/pads/compte-rendu_2026")
            .await?
            .status,
        404
    );

    let admin = server.login_as("admin", true).await?;
    let p = other.post("/api/v1/pads", json!({})).await?;
    let id = p.body["pad"]["id"].as_str().unwrap_or("");
    assert_eq!(
        admin.delete(&format!("/api/v1/pads/{id}")).await?.status,
        204,
        "admins may delete any pad"
    );
    Ok(())
}

#[tokio::test]
async fn guests_create_pads_and_export_lists_owned_pads() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let mut guest = server.client();
    let g = guest.get("/api/v1/guest").await?;
    guest.csrf = g.body["csrf_token"].as_str().map(str::to_string);
    assert_eq!(
        guest.post("/api/v1/pads", json!({})).await?.status,
        201,
        "guests create pads, as on Framapad"
    );

    let c = server.login_as("sami", false).await?;
    let p = c
        .post("/api/v1/pads", json!({"name": "sami-notes"}))
        .await?;
    assert_eq!(p.status, 201);
    write_text(&server, "sami-notes", "mes notes").await?;
    let archive = c.get("/api/v1/me/export").await?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive.bytes.as_slice()));
    let mut found = String::new();
    for e in tar.entries()? {
        let mut e = e?;
        if e.path()?.to_string_lossy().ends_with("pads/sami-notes.md") {
            std::io::Read::read_to_string(&mut e, &mut found)?;
        }
    }
    assert_eq!(found, "mes notes");
    Ok(())
}

mod live {
    use nichoir_testkit::TestServer;
    use serde_json::{json, Value};

    use super::WS_WAIT;
    use crate::support::{
        op_msg, publish, recv_json, send_json, subscribe, ws_connect, Ws, WsAuth,
    };

    /// The next `event` frame's data whose type is `kind`.
    async fn next_event(ws: &mut Ws, kind: &str) -> Value {
        loop {
            let v = recv_json(ws, WS_WAIT).await;
            if v["type"] == "event" && v["data"]["type"] == kind {
                return v["data"].clone();
            }
        }
    }

    #[tokio::test]
    async fn two_editors_see_each_others_edits_in_order() -> anyhow::Result<()> {
        let server = TestServer::start()?;
        let c = server.login_as("tess", false).await?;
        let (token, id) = crate::support::token_and_pad(&c).await?;
        let topic = format!("pad:{id}");
        let mut a = ws_connect(server.addr, WsAuth::Bearer(&token), WS_WAIT).await;
        let mut b = ws_connect(server.addr, WsAuth::Bearer(&token), WS_WAIT).await;
        for ws in [&mut a, &mut b] {
            send_json(ws, &subscribe(&topic)).await;
            let state = next_event(ws, "state").await;
            assert_eq!(
                (state["rev"].as_u64(), state["text"].as_str()),
                (Some(0), Some(""))
            );
        }
        let edit = op_msg("ca", 1, 0, json!(["Salut 🙂"]));
        send_json(&mut a, &publish(&topic, edit)).await;
        // The author gets the stored batch as an `ack` naming its edit; the others as `ops`.
        let ack = next_event(&mut a, "ack").await;
        assert_eq!(
            (ack["rev"].as_u64(), ack["seq"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(ack["ops"][0]["client_id"], "ca", "{ack}");
        let ops = next_event(&mut b, "ops").await;
        assert_eq!(ops["ops"].as_array().map(Vec::len), Some(1), "{ops}");
        let op = &ops["ops"][0];
        assert_eq!(op["rev"], 1);
        assert_eq!(op["op"], json!(["Salut 🙂"]));
        assert_eq!(
            (op["client_id"].as_str(), op["seq"].as_u64()),
            (Some("ca"), Some(1))
        );
        // b edits from revision 0 too late: the server transforms it after a's edit.
        let edit = op_msg("cb", 1, 0, json!(["» "]));
        send_json(&mut b, &publish(&topic, edit)).await;
        assert_eq!(next_event(&mut b, "ack").await["rev"], 2);
        let seen = next_event(&mut a, "ops").await;
        // At the same position, the edit the server had first stays first.
        assert_eq!(
            seen["ops"][0]["op"],
            json!([7, "» "]),
            "transformed onto revision 1"
        );
        assert_eq!(
            server
                .client()
                .get(&format!("/api/v1/pads/{id}"))
                .await?
                .body["text"],
            "Salut 🙂» "
        );
        Ok(())
    }
}

#[tokio::test]
async fn etherpad_api_compatibility() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let admin = server.login_as("eadmin", true).await?;
    let key = admin
        .post("/api/v1/me/tokens", json!({"name": "etherpad"}))
        .await?
        .body["token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let member = server.login_as("emember", false).await?;
    let member_key = member
        .post("/api/v1/me/tokens", json!({"name": "x"}))
        .await?
        .body["token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let c = server.client();
    let call = |f: &str, params: &str| format!("/api/1.2.15/{f}?apikey={key}&{params}");

    let r = c
        .get(&call("createPad", "padID=from-etherpad&text=Bonjour"))
        .await?;
    assert_eq!(
        (
            r.status,
            r.body["code"].as_u64(),
            r.body["message"].as_str()
        ),
        (200, Some(0), Some("ok"))
    );
    let r = c.get(&call("createPad", "padID=from-etherpad")).await?;
    assert_eq!(
        (r.status, r.body["code"].as_u64()),
        (200, Some(1)),
        "already exists: code 1 with 200, as Etherpad answers"
    );
    assert_eq!(
        c.get(&call("getText", "padID=from-etherpad")).await?.body["data"]["text"],
        "Bonjour"
    );
    let form = c
        .send(c.http.post(c.url("/api/1.2.15/appendText")).form(&[
            ("apikey", key.as_str()),
            ("padID", "from-etherpad"),
            ("text", " à tous <3"),
        ]))
        .await?;
    assert_eq!(form.body["code"], 0, "{:?}", form.body);
    assert_eq!(
        c.get(&call("getText", "padID=from-etherpad")).await?.body["data"]["text"],
        "Bonjour à tous <3"
    );
    assert_eq!(
        c.get(&call("getText", "padID=from-etherpad&rev=1"))
            .await?
            .body["data"]["text"],
        "Bonjour"
    );
    assert_eq!(
        c.get(&call("getRevisionsCount", "padID=from-etherpad"))
            .await?
            .body["data"]["revisions"],
        2
    );
    assert_eq!(
        c.get(&call("getHTML", "padID=from-etherpad")).await?.body["data"]["html"],
        "<!DOCTYPE HTML><html><body>Bonjour &#224; tous &lt;3<br></body></html>"
    );
    let ro = c
        .get(&call("getReadOnlyID", "padID=from-etherpad"))
        .await?
        .body["data"]["readOnlyID"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(ro.starts_with("r-"));
    assert!(
        c.get(&call("getLastEdited", "padID=from-etherpad"))
            .await?
            .body["data"]["lastEdited"]
            .as_i64()
            .unwrap_or(0)
            > 0
    );
    assert_eq!(
        c.get(&call("padUsersCount", "padID=from-etherpad"))
            .await?
            .body["data"]["padUsersCount"],
        0
    );
    assert_eq!(
        c.get(&call("setText", "padID=from-etherpad&text=Nouveau"))
            .await?
            .body["code"],
        0
    );
    assert_eq!(
        server
            .client()
            .get("/api/v1/pads/from-etherpad")
            .await?
            .body["text"],
        "Nouveau"
    );
    let all = c.get(&call("listAllPads", "")).await?;
    assert_eq!(all.body["data"]["padIDs"], json!(["from-etherpad"]));

    let missing = c.get(&call("getText", "padID=nope")).await?;
    assert_eq!(
        (
            missing.status,
            missing.body["code"].as_u64(),
            missing.body["message"].as_str()
        ),
        (200, Some(1), Some("padID does not exist"))
    );
    assert_eq!(c.get(&call("getText", "")).await?.body["code"], 1);
    assert_eq!(
        c.get(&call("getText", "padID=from-etherpad&rev=x"))
            .await?
            .body["code"],
        1
    );
    let unknown = c.get(&call("dropAllTables", "")).await?;
    assert_eq!(
        (unknown.status, unknown.body["code"].as_u64()),
        (404, Some(3))
    );
    for bad in ["wrong", member_key.as_str()] {
        let r = c
            .get(&format!(
                "/api/1.2.15/getText?apikey={bad}&padID=from-etherpad"
            ))
            .await?;
        assert_eq!((r.status, r.body["code"].as_u64()), (401, Some(4)), "{bad}");
    }
    assert_eq!(
        c.get("/api/1.2.15/getText?padID=from-etherpad").await?.body["code"],
        4
    );
    assert_eq!(
        c.get(&call("deletePad", "padID=from-etherpad")).await?.body["code"],
        0
    );
    assert_eq!(
        c.get(&call("getText", "padID=from-etherpad")).await?.body["code"],
        1
    );
    Ok(())
}

#[tokio::test]
async fn chat_saved_revisions_and_passwords() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let owner = server.login_as("uma", false).await?;
    let id = owner
        .post("/api/v1/pads", json!({"name": "bureau"}))
        .await?
        .body["pad"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    write_text(&server, &id, "v1").await?;
    write_text(&server, &id, "v2").await?;

    let said = owner
        .post(
            &format!("/api/v1/pads/{id}/chat"),
            json!({"text": "  Bonjour 👋 "}),
        )
        .await?;
    assert_eq!(said.status, 201);
    assert_eq!(
        (
            said.body["id"].as_i64(),
            said.body["text"].as_str(),
            said.body["name"].as_str()
        ),
        (Some(1), Some("Bonjour 👋"), Some("UMA"))
    );
    owner
        .post(
            &format!("/api/v1/pads/{id}/chat"),
            json!({"text": "second"}),
        )
        .await?;
    assert_eq!(
        owner
            .post(&format!("/api/v1/pads/{id}/chat"), json!({"text": "   "}))
            .await?
            .status,
        422
    );
    let history = server
        .client()
        .get(&format!("/api/v1/pads/{id}/chat"))
        .await?;
    let texts: Vec<&str> = history
        .body
        .as_array()
        .map(|l| l.iter().filter_map(|m| m["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        texts,
        vec!["Bonjour 👋", "second"],
        "oldest first, persisted"
    );

    let saved = owner
        .post(
            &format!("/api/v1/pads/{id}/saved-revisions"),
            json!({"rev": 1, "label": "Envoyé au CA"}),
        )
        .await?;
    assert_eq!(saved.status, 201);
    assert_eq!(
        owner
            .post(
                &format!("/api/v1/pads/{id}/saved-revisions"),
                json!({"rev": 99})
            )
            .await?
            .status,
        422
    );
    let list = server
        .client()
        .get(&format!("/api/v1/pads/{id}/saved-revisions"))
        .await?;
    assert_eq!(list.body[0]["label"], "Envoyé au CA");

    // A password: others need it, the creator does not.
    let visitor = server.login_as("victor", false).await?;
    assert_eq!(
        visitor
            .put_json(
                &format!("/api/v1/pads/{id}/password"),
                json!({"password": "secret"})
            )
            .await?
            .status,
        403,
        "only the creator"
    );
    assert_eq!(
        owner
            .put_json(
                &format!("/api/v1/pads/{id}/password"),
                json!({"password": "abc"})
            )
            .await?
            .status,
        422
    );
    assert_eq!(
        owner
            .put_json(
                &format!("/api/v1/pads/{id}/password"),
                json!({"password": "s3cret pass"})
            )
            .await?
            .status,
        204
    );
    assert_eq!(owner.get(&format!("/api/v1/pads/{id}")).await?.status, 200);
    let locked = visitor.get(&format!("/api/v1/pads/{id}")).await?;
    assert_eq!((locked.status, locked.code()), (403, "password_required"));
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/pads/{id}/export"))
            .await?
            .code(),
        "password_required"
    );
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/pads/{id}/chat"))
            .await?
            .code(),
        "password_required"
    );
    assert_eq!(
        visitor
            .post(
                &format!("/api/v1/pads/{id}/unlock"),
                json!({"password": "wrong"})
            )
            .await?
            .status,
        403
    );
    assert_eq!(
        visitor
            .post(
                &format!("/api/v1/pads/{id}/unlock"),
                json!({"password": "s3cret pass"})
            )
            .await?
            .status,
        204
    );
    assert_eq!(
        visitor.get(&format!("/api/v1/pads/{id}")).await?.body["text"],
        "v2"
    );
    assert_eq!(
        owner
            .put_json(
                &format!("/api/v1/pads/{id}/password"),
                json!({"password": null})
            )
            .await?
            .status,
        204
    );
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/pads/{id}"))
            .await?
            .status,
        200
    );
    Ok(())
}

#[tokio::test]
async fn unused_pads_expire_when_configured() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("wendy", false).await?;
    let old = c.post("/api/v1/pads", json!({"name": "old-pad"})).await?;
    assert_eq!(old.status, 201);
    c.post("/api/v1/pads", json!({"name": "fresh-pad"})).await?;
    server
        .ctx
        .db
        .write(|tx| {
            tx.execute("UPDATE pads SET last_used_at = 0 WHERE id = 'old-pad'", [])?;
            Ok(())
        })
        .await?;
    assert_eq!(
        server
            .pads
            .expire_unused(0)
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?,
        0,
        "0 keeps pads forever"
    );
    assert_eq!(
        server
            .pads
            .expire_unused(365)
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?,
        1
    );
    assert_eq!(
        server.client().get("/api/v1/pads/old-pad").await?.status,
        404
    );
    assert_eq!(
        server.client().get("/api/v1/pads/fresh-pad").await?.status,
        200
    );
    Ok(())
}

#[tokio::test]
async fn import_text_markdown_html_and_etherpad_exports() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.uploads.max_file_bytes = 64 * 1024)?;
    let c = server.login_as("xena", false).await?;
    let id = c
        .post("/api/v1/pads", json!({"name": "importe"}))
        .await?
        .body["pad"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let csrf = c.csrf.clone().unwrap_or_default();
    let upload = |format: &str, body: &'static [u8]| {
        c.send(
            c.http
                .post(c.url(&format!("/api/v1/pads/{id}/import?format={format}")))
                .header("x-csrf-token", csrf.clone())
                .body(body),
        )
    };
    assert_eq!(upload("txt", b"ligne 1\r\nligne 2").await?.body["rev"], 1);
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/pads/{id}"))
            .await?
            .body["text"],
        "ligne 1\nligne 2"
    );
    upload(
        "html",
        b"<h1>Titre</h1><p>Un <strong>gras</strong> texte</p><script>x()</script>",
    )
    .await?;
    let text = server
        .client()
        .get(&format!("/api/v1/pads/{id}"))
        .await?
        .body["text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        text.contains("# Titre") && text.contains("**gras**"),
        "HTML becomes Markdown: {text}"
    );
    assert_eq!(upload("docx", b"x").await?.status, 422);
    assert_eq!(upload("txt", b"\xff\xfe").await?.status, 422, "not UTF-8");
    let big: &'static [u8] = Box::leak(vec![b'a'; 70 * 1024].into_boxed_slice());
    assert_eq!(upload("txt", big).await?.status, 413);

    let export = json!({
        "pad:ancien": {"atext": {"text": "Bonjour 🙂 à tous\n", "attribs": ""}, "pool": {}, "head": 2},
        "pad:ancien:revs:0": {"changeset": "Z:1>8+8$Bonjour ", "meta": {"author": "a.1", "timestamp": 1600000000000i64}},
        "pad:ancien:revs:1": {"changeset": "Z:9>2=8+2$🙂", "meta": {"author": "a.2", "timestamp": 1600000001000i64}},
        "pad:ancien:revs:2": {"changeset": "Z:b>7=a+7$ à tous", "meta": {"author": "a.1", "timestamp": 1600000002000i64}},
        "globalAuthor:a.1": {"name": "Alice"},
        "globalAuthor:a.2": {"name": "Bob"},
        "pad:ancien:chat:0": {"text": "salut", "userId": "a.2", "time": 1600000003000i64}
    });
    let r = c
        .send(
            c.http
                .post(c.url("/api/v1/pads/import-etherpad"))
                .header("x-csrf-token", csrf.clone())
                .json(&export),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["pad"]["id"], "ancien");
    assert_eq!(r.body["pad"]["rev"], 3);
    let anon = server.client();
    let pad = anon.get("/api/v1/pads/ancien").await?;
    assert_eq!(pad.body["text"], "Bonjour 🙂 à tous\n");
    let names: Vec<&str> = pad.body["authors"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["Alice", "Bob"]);
    assert_eq!(
        anon.get("/api/v1/pads/ancien/revisions/2").await?.body["text"],
        "Bonjour 🙂\n"
    );
    assert_eq!(
        anon.get("/api/v1/pads/ancien/chat").await?.body[0]["text"],
        "salut"
    );
    // Imported again, the name is taken: a new id is chosen.
    let again = c
        .send(
            c.http
                .post(c.url("/api/v1/pads/import-etherpad"))
                .header("x-csrf-token", csrf.clone())
                .json(&export),
        )
        .await?;
    assert_eq!(again.status, 201);
    assert_ne!(again.body["pad"]["id"], "ancien");
    let broken = c
        .send(
            c.http
                .post(c.url("/api/v1/pads/import-etherpad"))
                .header("x-csrf-token", csrf.clone())
                .json(&json!({"pad:x": {"head": 0}})),
        )
        .await?;
    assert_eq!((broken.status, broken.code()), (422, "validation_failed"));
    let not_json = c
        .send(
            c.http
                .post(c.url("/api/v1/pads/import-etherpad"))
                .header("x-csrf-token", csrf)
                .body("{{{"),
        )
        .await?;
    assert_eq!((not_json.status, not_json.code()), (400, "invalid_json"));
    Ok(())
}

#[tokio::test]
async fn chat_over_the_websocket() -> anyhow::Result<()> {
    use crate::support::{publish, recv_json, send_json, subscribe, ws_connect, WsAuth};
    let server = TestServer::start()?;
    let c = server.login_as("yann", false).await?;
    let (token, id) = crate::support::token_and_pad(&c).await?;
    let mut ws = ws_connect(server.addr, WsAuth::Bearer(&token), WS_WAIT).await;
    let topic = format!("pad:{id}");
    send_json(&mut ws, &subscribe(&topic)).await;
    let chat = json!({"type": "chat", "text": "via ws"});
    send_json(&mut ws, &publish(&topic, chat)).await;
    loop {
        let v = recv_json(&mut ws, WS_WAIT).await;
        assert_ne!(v["data"]["type"], "error", "{v}");
        if v["data"]["type"] == "chat" {
            assert_eq!(v["data"]["message"]["text"], "via ws");
            break;
        }
    }
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/pads/{id}/chat"))
            .await?
            .body[0]["text"],
        "via ws"
    );
    Ok(())
}

/// Guessing a pad's password is throttled per client address (auth.login_failures_per_ip in the
/// login window), never per pad: the owner's own requests are unaffected.
#[tokio::test]
async fn pad_password_guesses_are_throttled() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.auth.login_failures_per_ip = 3)?;
    let owner = server.login_as("owner", false).await?;
    let created = owner.post("/api/v1/pads", json!({})).await?;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["pad"]["id"].as_str().unwrap_or("").to_string();
    let set = owner
        .put_json(
            &format!("/api/v1/pads/{id}/password"),
            json!({"password": "s3cret pass"}),
        )
        .await?;
    assert_eq!(set.status, 204);
    let visitor = server.guest().await?;
    let path = format!("/api/v1/pads/{id}/unlock");
    let unlock = |password: &'static str| visitor.post(&path, json!({"password": password}));
    for _ in 0..3 {
        assert_eq!(unlock("wrong").await?.status, 403);
    }
    let r = unlock("s3cret pass").await?;
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "{:?}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(owner.get(&format!("/api/v1/pads/{id}")).await?.status, 200);
    Ok(())
}
