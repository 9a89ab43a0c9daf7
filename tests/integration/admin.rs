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
