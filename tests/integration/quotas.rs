//! Storage quotas across the tools: every upload path (chat files, wiki attachments, wiki and
//! pad imports) refuses what would pass a person's quota with 413 `quota_exceeded` saying what is
//! left; people see their use; admins see everyone's and set a person's own quota.

use nichoir_testkit::{Client, Reply, TestServer};
use serde_json::{json, Value};

use crate::support::team_square;

/// Posts raw bytes, as the upload and import routes take them.
async fn post_raw(c: &Client, path: &str, ct: &str, bytes: Vec<u8>) -> anyhow::Result<Reply> {
    c.send(
        c.http
            .post(c.url(path))
            .header("content-type", ct)
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(bytes),
    )
    .await
}

async fn usage(c: &Client) -> anyhow::Result<Value> {
    Ok(c.get("/api/v1/me/usage").await?.body)
}

fn chat_file(channel: &str, name: &str) -> String {
    format!("/api/v1/chat/channels/{channel}/files?name={name}")
}

fn refused(r: &Reply, left: &str) {
    assert_eq!(r.status, 413, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], "quota_exceeded", "{:?}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains(left), "says what is left: {message}");
}

#[tokio::test]
async fn every_upload_path_keeps_to_the_quota() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.uploads.quota_bytes_per_user = 1_000)?;
    let admin = server.login_as("root", true).await?;
    let ana = server.login_as("ana", false).await?;
    assert_eq!(
        usage(&ana).await?,
        json!({"used_bytes": 0, "limit_bytes": 1000, "custom_limit": false, "by_tool": {}})
    );

    // Chat: 600 bytes fit, 600 more do not; what is left is said.
    let square = team_square(&ana, "club").await?;
    let r = post_raw(
        &ana,
        &chat_file(&square, "a.txt"),
        "text/plain",
        vec![b'a'; 600],
    )
    .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = post_raw(
        &ana,
        &chat_file(&square, "b.txt"),
        "text/plain",
        vec![b'b'; 600],
    )
    .await?;
    refused(&r, "400 B of your 1 kB");

    // A wiki attachment and a wiki import's attachments count the same.
    assert_eq!(
        ana.post("/api/v1/wikis", json!({"slug": "docs", "title": "Docs"}))
            .await?
            .status,
        201
    );
    let r = post_raw(
        &ana,
        "/api/v1/wikis/docs/files?name=c.txt",
        "text/plain",
        vec![b'c'; 300],
    )
    .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = post_raw(
        &ana,
        "/api/v1/wikis/docs/files?name=d.txt",
        "text/plain",
        vec![b'd'; 200],
    )
    .await?;
    refused(&r, "100 B of your 1 kB");
    assert_eq!(
        usage(&ana).await?,
        json!({"used_bytes": 900, "limit_bytes": 1000, "custom_limit": false,
               "by_tool": {"chat": 600, "wikis": 300}})
    );
    let zip = ana.get("/api/v1/wikis/docs/export.zip").await?;
    assert_eq!(zip.status, 200);
    let r = post_raw(
        &ana,
        "/api/v1/wikis/import?slug=copy&title=Copy",
        "application/zip",
        zip.bytes,
    )
    .await?;
    refused(&r, "100 B of your 1 kB");
    assert_eq!(
        ana.get("/api/v1/wikis/copy").await?.status,
        404,
        "nothing half-imported"
    );

    // A pad import needs its size free.
    let pad = ana.post("/api/v1/pads", json!({"name": "notes"})).await?;
    let id = pad.body["pad"]["id"].as_str().unwrap_or("").to_string();
    let r = post_raw(
        &ana,
        &format!("/api/v1/pads/{id}/import?format=txt"),
        "text/plain",
        vec![b'e'; 101],
    )
    .await?;
    refused(&r, "100 B of your 1 kB");
    let r = post_raw(
        &ana,
        &format!("/api/v1/pads/{id}/import?format=txt"),
        "text/plain",
        vec![b'e'; 100],
    )
    .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // Others are not limited by Ana's use.
    let bob = server.login_as("bob", false).await?;
    let bob_square = team_square(&bob, "bobs").await?;
    let r = post_raw(
        &bob,
        &chat_file(&bob_square, "b.txt"),
        "text/plain",
        vec![b'b'; 600],
    )
    .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // The admin sees everyone's use, and gives Ana room.
    let report = admin.get("/api/v1/admin/usage").await?;
    assert_eq!(report.status, 200);
    assert_eq!(report.body["total_bytes"], 1500);
    assert_eq!(report.body["default_limit_bytes"], 1000);
    let ana_id = ana.get("/api/v1/me").await?.body["user"]["id"].clone();
    assert_eq!(report.body["users"][0]["user_id"], ana_id, "heaviest first");
    assert_eq!(report.body["users"][0]["used_bytes"], 900);
    let quota_url = format!(
        "/api/v1/admin/users/{}/quota",
        ana_id.as_str().unwrap_or("")
    );
    assert_eq!(
        ana.put_json(&quota_url, json!({"quota_bytes": 5000}))
            .await?
            .status,
        403,
        "only an admin"
    );
    assert_eq!(
        admin
            .put_json(&quota_url, json!({"quota_bytes": 5000}))
            .await?
            .status,
        204
    );
    let r = post_raw(
        &ana,
        &chat_file(&square, "b.txt"),
        "text/plain",
        vec![b'b'; 600],
    )
    .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let mine: Value = usage(&ana).await?;
    assert_eq!(
        (mine["limit_bytes"].clone(), mine["custom_limit"].clone()),
        (json!(5000), json!(true))
    );
    // 0 lifts the limit; null brings the default back.
    admin
        .put_json(&quota_url, json!({"quota_bytes": 0}))
        .await?;
    assert_eq!(usage(&ana).await?["limit_bytes"], Value::Null);
    admin
        .put_json(&quota_url, json!({"quota_bytes": null}))
        .await?;
    assert_eq!(usage(&ana).await?["limit_bytes"], 1000);
    let r = post_raw(
        &ana,
        &chat_file(&square, "f.txt"),
        "text/plain",
        vec![b'f'; 1],
    )
    .await?;
    refused(&r, "0 B of your 1 kB");
    for bad in [
        json!({"quota_bytes": -1}),
        json!({"quota_bytes": "lots"}),
        json!({"other": 1}),
    ] {
        let r = admin.put_json(&quota_url, bad.clone()).await?;
        assert!(r.status == 400 || r.status == 422, "{bad}: {}", r.status);
    }
    assert_eq!(
        admin
            .put_json(
                "/api/v1/admin/users/u_nobody/quota",
                json!({"quota_bytes": 1})
            )
            .await?
            .status,
        404
    );
    Ok(())
}
