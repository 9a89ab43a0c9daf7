//! Bad input of every kind gets a clear 4xx in the one error shape, never a 500, and changes nothing.

use nichoir_testkit::TestServer;

#[tokio::test]
async fn broken_bodies_get_clear_errors() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.server.max_json_bytes = 4096)?;
    let c = server.login_as("mona", false).await?;
    let csrf = c.csrf.clone().unwrap_or_default();
    let send = |body: Vec<u8>, content_type: &'static str| {
        c.send(
            c.http
                .patch(c.url("/api/v1/me"))
                .header("content-type", content_type)
                .header("x-csrf-token", csrf.clone())
                .body(body),
        )
    };
    let r = send(b"{\"display_name\": ".to_vec(), "application/json").await?;
    assert_eq!((r.status, r.code()), (400, "invalid_json"));
    assert!(r.body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    let r = send(br#"{"display_name": 42}"#.to_vec(), "application/json").await?;
    assert_eq!(
        (r.status, r.code()),
        (422, "validation_failed"),
        "wrong type"
    );
    let r = send(
        br#"{"display_name": "x", "is_admin": true}"#.to_vec(),
        "application/json",
    )
    .await?;
    assert_eq!(
        (r.status, r.code()),
        (422, "validation_failed"),
        "unknown field"
    );
    let r = send(vec![b'{', 0xff, 0xfe, b'}'], "application/json").await?;
    assert_eq!(r.status, 400, "invalid UTF-8");
    let r = send(br#"{"display_name": "x"}"#.to_vec(), "text/plain").await?;
    assert_eq!((r.status, r.code()), (415, "unsupported_media_type"));
    let big = format!(r#"{{"display_name": "{}"}}"#, "a".repeat(10_000));
    let r = send(big.into_bytes(), "application/json").await?;
    assert_eq!((r.status, r.code()), (413, "payload_too_large"));
    let r = send(br#"{"display_name": "   "}"#.to_vec(), "application/json").await?;
    assert_eq!((r.status, r.code()), (422, "validation_failed"));
    let r = send(br#"{"avatar_color": "red"}"#.to_vec(), "application/json").await?;
    assert_eq!((r.status, r.code()), (422, "validation_failed"));
    let me = c.get("/api/v1/me").await?;
    assert_eq!(
        me.body["user"]["display_name"], "MONA",
        "nothing was changed by bad requests"
    );
    Ok(())
}

#[tokio::test]
async fn unknown_routes_and_methods() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.client();
    let r = c.get("/api/v1/nothing-here").await?;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = c.send(c.http.put(c.url("/api/v1/me"))).await?;
    assert!(r.status == 404 || r.status == 405, "{}", r.status);
    assert!(!r.code().is_empty());
    let r = c.send(c.http.post(c.url("/some/page"))).await?;
    assert_eq!(r.status, 405);
    Ok(())
}

#[tokio::test]
async fn broken_cookies_headers_and_tokens() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.server.max_header_bytes = 8192)?;
    let c = server.client();
    for cookie in [
        "nichoir_session=%%%",
        "nichoir_session=",
        "nichoir_session=\"quoted\"; nichoir_guest=;;;",
        "=;=;=",
        &format!("nichoir_session={}", "x".repeat(4000)),
    ] {
        let r = c
            .send(c.http.get(c.url("/api/v1/me")).header("cookie", cookie))
            .await?;
        assert_eq!(r.status, 401, "cookie {cookie:.40}");
    }
    for auth in [
        "Bearer",
        "Bearer nch_forged",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer  nch_ ",
    ] {
        let r = c
            .send(
                c.http
                    .get(c.url("/api/v1/me"))
                    .header("authorization", auth),
            )
            .await?;
        assert_eq!((r.status, r.code()), (401, "unauthenticated"), "{auth}");
    }
    let r = c
        .send(
            c.http
                .get(c.url("/api/v1/instance"))
                .header("x-filler", "y".repeat(12_000)),
        )
        .await?;
    assert_eq!(r.status, 431, "huge headers");
    Ok(())
}

#[tokio::test]
async fn a_barrage_of_garbage_never_gets_a_500() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("nora", false).await?;
    let csrf = c.csrf.clone().unwrap_or_default();
    let bodies: Vec<&[u8]> = vec![
        b"",
        b"null",
        b"[]",
        b"\"x\"",
        b"{}",
        b"{\"a\":",
        b"\xff\xfe",
        b"{\"name\":null}",
        b"1e999999",
    ];
    let routes = [
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/setup"),
        ("PATCH", "/api/v1/me"),
        ("POST", "/api/v1/me/password"),
        ("POST", "/api/v1/me/tokens"),
        ("DELETE", "/api/v1/me/tokens/%FF%FE"),
        ("DELETE", "/api/v1/me/sessions/..%2F..%2Fetc"),
        ("PATCH", "/api/v1/guest"),
        ("POST", "/api/v1/admin/invites"),
        ("GET", "/api/v1/invites/%00"),
    ];
    for (method, path) in routes {
        for body in &bodies {
            let m = reqwest::Method::from_bytes(method.as_bytes())?;
            let r = c
                .send(
                    c.http
                        .request(m, c.url(path))
                        .header("content-type", "application/json")
                        .header("x-csrf-token", csrf.clone())
                        .body(body.to_vec()),
                )
                .await?;
            assert!(
                r.status < 500,
                "{method} {path} {:?} → {} {}",
                String::from_utf8_lossy(body),
                r.status,
                r.body
            );
            if r.status >= 400 {
                assert!(!r.code().is_empty(), "{method} {path}: error shape");
            }
        }
    }
    assert_eq!(
        c.get("/api/v1/me").await?.status,
        200,
        "still serving, session intact"
    );
    Ok(())
}
