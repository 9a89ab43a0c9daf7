//! CSRF and Origin protection of state-changing requests.

use nichoir_testkit::TestServer;
use serde_json::json;

#[tokio::test]
async fn cookie_requests_need_the_token() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let mut c = server.login_as("ines", false).await?;
    let token = c.csrf.take().expect("login gives a token");
    let r = c
        .patch("/api/v1/me", json!({"display_name": "Forged"}))
        .await?;
    assert_eq!((r.status, r.code()), (403, "csrf_failed"));
    c.csrf = Some("forged-token".into());
    let r = c
        .patch("/api/v1/me", json!({"display_name": "Forged"}))
        .await?;
    assert_eq!((r.status, r.code()), (403, "csrf_failed"));
    // A token of another session does not work either.
    let other = server.login_as("jules", false).await?;
    c.csrf = other.csrf.clone();
    assert_eq!(
        c.patch("/api/v1/me", json!({"display_name": "Forged"}))
            .await?
            .status,
        403
    );
    c.csrf = Some(token);
    let r = c
        .patch("/api/v1/me", json!({"display_name": "Inès"}))
        .await?;
    assert_eq!(r.status, 200);
    assert_eq!(
        c.get("/api/v1/me").await?.body["user"]["display_name"],
        "Inès",
        "nothing forged was written"
    );
    Ok(())
}

#[tokio::test]
async fn foreign_origins_are_refused() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("karl", false).await?;
    let r = c
        .send(
            c.http
                .patch(c.url("/api/v1/me"))
                .header("origin", "https://evil.example")
                .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
                .json(&json!({"display_name": "x"})),
        )
        .await?;
    assert_eq!((r.status, r.code()), (403, "origin_rejected"));
    let r = c
        .send(
            c.http
                .post(c.url("/api/v1/auth/login"))
                .header("sec-fetch-site", "cross-site")
                .json(&json!({"username": "karl", "password": "password-of-test"})),
        )
        .await?;
    assert_eq!(
        (r.status, r.code()),
        (403, "origin_rejected"),
        "login CSRF is refused too"
    );
    let r = c
        .send(
            c.http
                .patch(c.url("/api/v1/me"))
                .header("origin", server.url.clone())
                .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
                .json(&json!({"display_name": "Karl"})),
        )
        .await?;
    assert_eq!(r.status, 200, "same origin is fine");
    Ok(())
}

#[tokio::test]
async fn a_configured_base_url_is_the_only_origin() -> anyhow::Result<()> {
    let server =
        TestServer::start_with(|c| c.server.base_url = "https://nichoir.example.org".into())?;
    let c = server.client();
    let r = c
        .send(
            c.http
                .post(c.url("/api/v1/auth/login"))
                .header("origin", server.url.clone())
                .json(&json!({"username": "x", "password": "yyyyyyyy"})),
        )
        .await?;
    assert_eq!(r.status, 403);
    let r = c
        .send(
            c.http
                .post(c.url("/api/v1/auth/login"))
                .header("origin", "https://nichoir.example.org")
                .json(&json!({"username": "x", "password": "yyyyyyyy"})),
        )
        .await?;
    assert_eq!(r.status, 401);
    // Behind HTTPS the session cookie is Secure and __Host- prefixed.
    server.create_user("lena", "correct horse", false).await?;
    let r = c
        .send(
            c.http
                .post(c.url("/api/v1/auth/login"))
                .json(&json!({"username": "lena", "password": "correct horse"})),
        )
        .await?;
    let cookie = r
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        cookie.starts_with("__Host-nichoir_session=") && cookie.contains("Secure"),
        "{cookie}"
    );
    Ok(())
}
