//! Instance administration over HTTP.

use nichoir_testkit::TestServer;
use serde_json::json;

#[tokio::test]
async fn only_admins_administer() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let admin = server.login_as("boss", true).await?;
    let member = server.login_as("member", false).await?;
    for path in [
        "/api/v1/admin/users",
        "/api/v1/admin/invites",
        "/api/v1/admin/settings",
    ] {
        let r = member.get(path).await?;
        assert_eq!((r.status, r.code()), (403, "forbidden"), "{path}");
        assert_eq!(server.client().get(path).await?.status, 401, "{path}");
        assert_eq!(admin.get(path).await?.status, 200, "{path}");
    }
    let users = admin.get("/api/v1/admin/users").await?;
    let list = users.body.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2);
    let member_id = list
        .iter()
        .find(|u| u["username"] == "member")
        .map(|u| u["id"].clone())
        .unwrap_or_default();
    let member_id = member_id.as_str().unwrap_or("");

    let promoted = admin
        .patch(
            &format!("/api/v1/admin/users/{member_id}"),
            json!({"is_admin": true}),
        )
        .await?;
    assert_eq!(promoted.body["is_admin"], true);
    assert_eq!(member.get("/api/v1/admin/users").await?.status, 200);
    let disabled = admin
        .patch(
            &format!("/api/v1/admin/users/{member_id}"),
            json!({"disabled": true, "is_admin": false}),
        )
        .await?;
    assert_eq!(disabled.body["disabled"], true);
    assert_eq!(
        member.get("/api/v1/me").await?.status,
        401,
        "a disabled account is signed out"
    );
    let mut again = server.client();
    assert_eq!(again.login("member", "password-of-test").await?.status, 401);

    let boss_id = list
        .iter()
        .find(|u| u["username"] == "boss")
        .map(|u| u["id"].clone())
        .unwrap_or_default();
    let selfdemote = admin
        .patch(
            &format!("/api/v1/admin/users/{}", boss_id.as_str().unwrap_or("")),
            json!({"is_admin": false}),
        )
        .await?;
    assert_eq!(selfdemote.status, 409, "an admin cannot lock themself out");
    assert_eq!(
        admin
            .patch("/api/v1/admin/users/u_nobody", json!({"disabled": true}))
            .await?
            .status,
        404
    );
    Ok(())
}

#[tokio::test]
async fn invites_can_be_listed_and_revoked() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let admin = server.login_as("boss", true).await?;
    let created = admin
        .post("/api/v1/admin/invites", json!({"valid_hours": 2}))
        .await?;
    assert_eq!(created.status, 201);
    let bad = admin
        .post("/api/v1/admin/invites", json!({"valid_hours": 0}))
        .await?;
    assert_eq!(bad.status, 422);
    let list = admin.get("/api/v1/admin/invites").await?;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    let id = created.body["id"].as_str().unwrap_or("");
    assert_eq!(
        admin
            .delete(&format!("/api/v1/admin/invites/{id}"))
            .await?
            .status,
        204
    );
    let token = created.body["token"].as_str().unwrap_or("");
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/invites/{token}"))
            .await?
            .status,
        404
    );
    Ok(())
}

#[tokio::test]
async fn settings_hide_secrets() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.smtp.password = "smtp-secret-value".into();
        c.video.turn_secret = "turn-secret-value".into();
        c.instance.name = "Le Nichoir de l'AMAP".into();
    })?;
    let admin = server.login_as("boss", true).await?;
    let r = admin.get("/api/v1/admin/settings").await?;
    assert_eq!(r.body["instance"]["name"], "Le Nichoir de l'AMAP");
    let text = String::from_utf8_lossy(&r.bytes);
    assert!(!text.contains("smtp-secret-value") && !text.contains("turn-secret-value"));
    assert_eq!(r.body["smtp"]["password"], "(set)");
    Ok(())
}

#[tokio::test]
async fn instance_settings_are_changed_in_the_ui_and_take_effect_at_once() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let d = data.clone();
    let mut server = TestServer::start_with(move |c| {
        c.server.data_dir = d;
        c.instance.registration = nichoir_core::config::Registration::Open;
    })?;
    let root = server.login_as("root", true).await?;
    let ana = server.login_as("ana", false).await?;
    let view = root.get("/api/v1/admin/instance-settings").await?;
    assert_eq!(view.status, 200);
    let setting = |v: &serde_json::Value, key: &str| {
        v["settings"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["key"] == key).cloned())
            .unwrap_or_default()
    };
    assert_eq!(setting(&view.body, "instance.name")["source"], "default");
    assert_eq!(view.body["mail_enabled"], false);
    assert!(view.body["missing"]
        .as_array()
        .is_some_and(|m| m.iter().any(|k| k == "transparency.legal_notice")));
    // A secret is never shown back.
    assert!(setting(&view.body, "smtp.password").get("value").is_none());
    assert_eq!(
        ana.get("/api/v1/admin/instance-settings").await?.status,
        403
    );
    let change = json!({"changes": {
        "instance.name": "Les Jardins Partagés",
        "instance.registration": "closed",
        "transparency.hosting_provider": "Hébergeur Associatif",
        "transparency.hosting_country": "France",
        "transparency.contact_email": "contact@jardins.example",
        "transparency.legal_notice": "Éditeur : Les Jardins Partagés, 1 rue des Lilas, Lyon.\nHébergeur : Hébergeur Associatif.",
        "transparency.source_url": "https://code.example.org/nichoir/tree/v0.1.0",
    }});
    assert_eq!(
        ana.patch("/api/v1/admin/instance-settings", change.clone())
            .await?
            .status,
        403
    );
    let r = root
        .patch("/api/v1/admin/instance-settings", change)
        .await?;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(setting(&r.body, "instance.name")["source"], "admin");
    assert_eq!(r.body["missing"], json!([]));
    // In force at once, everywhere it is read.
    let anyone = server.client();
    let instance = anyone.get("/api/v1/instance").await?.body;
    assert_eq!(
        (instance["name"].as_str(), instance["registration"].as_str()),
        (Some("Les Jardins Partagés"), Some("closed"))
    );
    let about = anyone.get("/api/v1/about").await?.body;
    assert_eq!(about["hosting"]["provider"], "Hébergeur Associatif");
    assert!(about["legal_notice"]
        .as_str()
        .is_some_and(|n| n.contains("1 rue des Lilas")));
    assert_eq!(about["missing"], json!([]));
    let reg = anyone
        .post(
            "/api/v1/auth/register",
            json!({"username": "zoe", "password": "long password", "display_name": "Zoé", "invite": null}),
        )
        .await?;
    assert_eq!((reg.status, reg.code()), (403, "registration_closed"));
    let manifest = anyone.get("/manifest.webmanifest").await?;
    assert_eq!(manifest.body["name"], "Les Jardins Partagés");
    let chatons = anyone.get("/.well-known/chatonsinfos").await?;
    let text = String::from_utf8_lossy(&chatons.bytes).to_string();
    assert!(
        text.contains("service.name = Les Jardins Partagés\n"),
        "{text}"
    );
    assert!(
        text.contains("host.name = Hébergeur Associatif\n"),
        "{text}"
    );
    assert!(
        text.contains("service.registration.load = full\n"),
        "{text}"
    );
    // The change is in the admins' audit log.
    let audit = root.get("/api/v1/admin/audit").await?.body;
    assert!(audit.to_string().contains("change_settings"), "{audit}");

    // Bad values: all refused, nothing changed.
    for bad in [
        json!({"instance.registration": "sometimes"}),
        json!({"smtp.port": 0}),
        json!({"smtp.port": "587"}),
        json!({"instance.name": "x".repeat(65)}),
        json!({"transparency.contact_email": "not an address"}),
        json!({"transparency.source_url": "javascript:alert(1)"}),
        json!({"server.listen": "0.0.0.0:80"}),
        json!({"no_such": 1}),
        // A password in clear to another machine.
        json!({"smtp.host": "mail.example.org", "smtp.username": "asso", "smtp.starttls": false}),
        json!({}),
    ] {
        let r = root
            .patch("/api/v1/admin/instance-settings", json!({ "changes": bad }))
            .await?;
        assert_eq!((r.status, r.code()), (422, "validation_failed"), "{bad}");
    }
    let broken = root
        .patch("/api/v1/admin/instance-settings", json!({"name": "x"}))
        .await?;
    assert_eq!(broken.status, 422);
    assert_eq!(
        anyone.get("/api/v1/instance").await?.body["name"],
        "Les Jardins Partagés"
    );

    // Kept across a restart; `null` puts a key back to the file's value.
    server.stop();
    let d = data.clone();
    let server = TestServer::start_with(move |c| {
        c.server.data_dir = d;
        c.instance.registration = nichoir_core::config::Registration::Open;
    })?;
    let mut root = server.client();
    root.login("root", "password-of-test").await?;
    assert_eq!(
        server.client().get("/api/v1/instance").await?.body["name"],
        "Les Jardins Partagés"
    );
    let r = root
        .patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {"instance.registration": null}}),
        )
        .await?;
    assert_eq!(
        setting(&r.body, "instance.registration")["source"],
        "default"
    );
    assert_eq!(
        server.client().get("/api/v1/instance").await?.body["registration"],
        "open"
    );
    Ok(())
}

#[tokio::test]
async fn what_the_configuration_file_sets_stays_read_only() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.instance.name = "Set by the host".into();
        c.explicit.insert("instance.name".into());
    })?;
    let root = server.login_as("root", true).await?;
    let r = root
        .patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {"instance.name": "Mine"}}),
        )
        .await?;
    assert_eq!((r.status, r.code()), (409, "conflict"));
    let view = root.get("/api/v1/admin/instance-settings").await?.body;
    assert!(view["settings"].as_array().is_some_and(|a| a
        .iter()
        .any(|s| s["key"] == "instance.name" && s["source"] == "file")));
    assert_eq!(
        server.client().get("/api/v1/instance").await?.body["name"],
        "Set by the host"
    );
    Ok(())
}

#[tokio::test]
async fn mail_set_up_in_the_ui_sends_a_test_mail() -> anyhow::Result<()> {
    let sink = nichoir_testkit::MailSink::start()?;
    let server = TestServer::start()?;
    let root = server.login_as("root", true).await?;
    let off = root
        .post("/api/v1/admin/instance-settings/test-mail", json!({}))
        .await?;
    assert_eq!((off.status, off.code()), (409, "conflict"));
    let r = root
        .patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {
                "smtp.host": "127.0.0.1",
                "smtp.port": sink.port,
                "smtp.starttls": false,
                "smtp.from": "Asso <asso@example.org>",
            }}),
        )
        .await?;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["mail_enabled"], true);
    assert_eq!(
        server.client().get("/api/v1/instance").await?.body["password_reset"],
        true
    );
    let bad = root
        .post(
            "/api/v1/admin/instance-settings/test-mail",
            json!({"to": "nobody"}),
        )
        .await?;
    assert_eq!(bad.status, 422);
    let sent = root
        .post(
            "/api/v1/admin/instance-settings/test-mail",
            json!({"to": "admin@example.org"}),
        )
        .await?;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["sent"], true);
    let got = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["<admin@example.org>"]);
    assert!(
        got[0].data.contains("Asso <asso@example.org>") || got[0].from.contains("asso@example.org")
    );
    // Renamed while running: the tools' mails say the new name at once.
    let r = root
        .patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {"instance.name": "Les Jardins"}}),
        )
        .await?;
    assert_eq!(r.status, 200, "{}", r.body);
    let poll = root
        .post(
            "/api/v1/polls",
            json!({"kind": "classic", "title": "Pique-nique", "author_name": "Root",
                   "author_email": "root@example.org", "options": [{"label": "Oui"}]}),
        )
        .await?;
    assert_eq!(poll.status, 201, "{}", poll.body);
    let got = sink.wait_for(2, std::time::Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2);
    assert!(
        got[1].data.contains("Subject: [Les Jardins] Pique-nique"),
        "{}",
        got[1].data
    );
    // A mail server that is gone: the answer says why, nothing is stored wrongly.
    drop(sink);
    Ok(())
}
