//! Accounts over HTTP: first admin, login, me, sessions, tokens, registration, guests, export.

use nichoir_testkit::{Client, TestServer};
use serde_json::json;

#[tokio::test]
async fn setup_link_creates_the_first_admin_once() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.client();
    assert_eq!(
        c.get("/api/v1/instance").await?.body["setup_required"],
        true
    );
    let url = server
        .setup_url
        .clone()
        .expect("a setup link at first start");
    let token = url
        .split("token=")
        .nth(1)
        .expect("token in link")
        .to_string();
    let ready = c.get("/readyz").await?;
    assert_eq!(
        (ready.status, &ready.body["status"]),
        (200, &json!("ready"))
    );
    let bad = c
        .post("/api/v1/setup", json!({"token": "wrong", "username": "root", "password": "long password", "display_name": "Root"}))
        .await?;
    assert_eq!(bad.status, 403);
    let ok = c
        .post("/api/v1/setup", json!({"token": token, "username": "root", "password": "long password", "display_name": "Root"}))
        .await?;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(ok.body["user"]["is_admin"], true);
    assert!(ok.body["csrf_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(c.get("/api/v1/me").await?.body["user"]["username"], "root");
    assert_eq!(
        c.get("/api/v1/instance").await?.body["setup_required"],
        false
    );
    let again = server
        .client()
        .post("/api/v1/setup", json!({"token": token, "username": "root2", "password": "long password", "display_name": "R"}))
        .await?;
    assert_eq!(again.status, 403, "the link is one-time");
    Ok(())
}

#[tokio::test]
async fn login_me_logout() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    server.create_user("alice", "correct horse", false).await?;
    let mut c = server.client();
    assert_eq!(c.get("/api/v1/me").await?.status, 401);
    let wrong = c.login("alice", "wrong horse").await?;
    assert_eq!((wrong.status, wrong.code()), (401, "invalid_credentials"));
    let unknown = c.login("nobody", "wrong horse").await?;
    assert_eq!(
        (unknown.status, unknown.code()),
        (401, "invalid_credentials"),
        "same answer for unknown users"
    );
    let ok = c.login("alice", "correct horse").await?;
    assert_eq!(ok.status, 200);
    let cookie = ok
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(cookie.starts_with("nichoir_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let me = c.get("/api/v1/me").await?;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["username"], "alice");
    assert_eq!(me.body["csrf_token"], ok.body["csrf_token"]);
    assert_eq!(c.post("/api/v1/auth/logout", json!({})).await?.status, 204);
    assert_eq!(c.get("/api/v1/me").await?.status, 401);
    Ok(())
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.auth.login_failures_per_account = 3)?;
    server.create_user("bob", "correct horse", false).await?;
    let mut c = server.client();
    for _ in 0..3 {
        assert_eq!(c.login("bob", "wrong guess").await?.status, 401);
    }
    let limited = c.login("bob", "correct horse").await?;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    let retry: u64 = limited
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(retry > 0 && retry <= 900, "Retry-After {retry}");
    // Other accounts from the same address are still served.
    server.create_user("carol", "correct horse", false).await?;
    assert_eq!(c.login("carol", "correct horse").await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn forwarded_for_is_trusted_only_from_configured_proxies() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.auth.login_failures_per_ip = 2;
        c.auth.login_failures_per_account = 100;
    })?;
    let c = server.client();
    let attempt = |xff: &'static str, user: &'static str| {
        c.send(
            c.http
                .post(c.url("/api/v1/auth/login"))
                .header("x-forwarded-for", xff)
                .json(&json!({"username": user, "password": "nope nope"})),
        )
    };
    // Not a trusted proxy: the header is ignored and every attempt counts for 127.0.0.1.
    assert_eq!(attempt("1.1.1.1", "u1").await?.status, 401);
    assert_eq!(attempt("2.2.2.2", "u2").await?.status, 401);
    assert_eq!(attempt("3.3.3.3", "u3").await?.status, 429);

    let proxied = TestServer::start_with(|c| {
        c.auth.login_failures_per_ip = 2;
        c.auth.login_failures_per_account = 100;
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
    })?;
    let c = proxied.client();
    for (xff, user) in [
        ("1.1.1.1", "u1"),
        ("2.2.2.2", "u2"),
        ("3.3.3.3", "u3"),
        ("1.1.1.1", "u4"),
    ] {
        let r = c
            .send(
                c.http
                    .post(c.url("/api/v1/auth/login"))
                    .header("x-forwarded-for", xff)
                    .json(&json!({"username": user, "password": "nope nope"})),
            )
            .await?;
        assert_eq!(
            r.status, 401,
            "{xff} has its own budget behind a trusted proxy"
        );
    }
    let r = c
        .send(
            c.http
                .post(c.url("/api/v1/auth/login"))
                .header("x-forwarded-for", "1.1.1.1")
                .json(&json!({"username": "u5", "password": "nope nope"})),
        )
        .await?;
    assert_eq!(r.status, 429);
    Ok(())
}

#[tokio::test]
async fn sessions_tokens_password_and_logout_everywhere() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let a = server.login_as("dora", false).await?;
    let mut b = server.client();
    b.login("dora", "password-of-test").await?;

    let sessions = a.get("/api/v1/me/sessions").await?;
    let list = sessions.body.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    let other = list
        .iter()
        .find(|s| s["current"] == false)
        .expect("other session");
    let revoke = a
        .delete(&format!(
            "/api/v1/me/sessions/{}",
            other["id"].as_str().unwrap_or("")
        ))
        .await?;
    assert_eq!(revoke.status, 204);
    assert_eq!(
        b.get("/api/v1/me").await?.status,
        401,
        "revoked session is gone"
    );

    let created = a
        .post("/api/v1/me/tokens", json!({"name": "script"}))
        .await?;
    assert_eq!(created.status, 201);
    let token = created.body["token"].as_str().unwrap_or("").to_string();
    assert!(token.starts_with("nch_"));
    let plain = Client::new(&server.url);
    let me = plain
        .send(plain.http.get(plain.url("/api/v1/me")).bearer_auth(&token))
        .await?;
    assert_eq!(me.body["user"]["username"], "dora");
    let listed = a.get("/api/v1/me/tokens").await?;
    assert!(
        !listed
            .bytes
            .windows(token.len())
            .any(|w| w == token.as_bytes()),
        "tokens are never shown again"
    );
    // A bearer request needs no CSRF token.
    let patched = plain
        .send(
            plain
                .http
                .patch(plain.url("/api/v1/me"))
                .bearer_auth(&token)
                .json(&json!({"display_name": "Dora T."})),
        )
        .await?;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["display_name"], "Dora T.");
    let id = created.body["id"].as_str().unwrap_or("");
    assert_eq!(
        a.delete(&format!("/api/v1/me/tokens/{id}")).await?.status,
        204
    );
    let after = plain
        .send(plain.http.get(plain.url("/api/v1/me")).bearer_auth(&token))
        .await?;
    assert_eq!((after.status, after.code()), (401, "unauthenticated"));

    let wrong = a
        .post(
            "/api/v1/me/password",
            json!({"current_password": "nope nope", "new_password": "a new password"}),
        )
        .await?;
    assert_eq!(wrong.status, 401);
    let weak = a
        .post(
            "/api/v1/me/password",
            json!({"current_password": "password-of-test", "new_password": "short"}),
        )
        .await?;
    assert_eq!((weak.status, weak.code()), (422, "validation_failed"));
    b.login("dora", "password-of-test").await?;
    let ok = a
        .post(
            "/api/v1/me/password",
            json!({"current_password": "password-of-test", "new_password": "a new password"}),
        )
        .await?;
    assert_eq!(ok.status, 204);
    assert_eq!(
        b.get("/api/v1/me").await?.status,
        401,
        "other sessions end on password change"
    );
    assert_eq!(a.get("/api/v1/me").await?.status, 200, "this one stays");
    assert_eq!(b.login("dora", "a new password").await?.status, 200);

    assert_eq!(
        a.post("/api/v1/auth/logout-all", json!({})).await?.status,
        204
    );
    assert_eq!(a.get("/api/v1/me").await?.status, 401);
    assert_eq!(b.get("/api/v1/me").await?.status, 401);
    Ok(())
}

#[tokio::test]
async fn registration_follows_the_policy() -> anyhow::Result<()> {
    let reg = |u: &str, invite: Option<&str>| json!({"username": u, "password": "long password", "display_name": u, "invite": invite});
    let closed = TestServer::start_with(|c| {
        c.instance.registration = nichoir_core::config::Registration::Closed
    })?;
    let r = closed
        .client()
        .post("/api/v1/auth/register", reg("eve", None))
        .await?;
    assert_eq!((r.status, r.code()), (403, "registration_closed"));

    let open = TestServer::start_with(|c| {
        c.instance.registration = nichoir_core::config::Registration::Open
    })?;
    let c = open.client();
    let r = c.post("/api/v1/auth/register", reg("eve", None)).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(c.get("/api/v1/me").await?.body["user"]["username"], "eve");
    let dup = open
        .client()
        .post("/api/v1/auth/register", reg("EVE", None))
        .await?;
    assert_eq!((dup.status, dup.code()), (409, "username_taken"));
    let bad = open
        .client()
        .post("/api/v1/auth/register", reg("a b", None))
        .await?;
    assert_eq!((bad.status, bad.code()), (422, "validation_failed"));

    let invite_only = TestServer::start()?;
    let r = invite_only
        .client()
        .post("/api/v1/auth/register", reg("fred", None))
        .await?;
    assert_eq!((r.status, r.code()), (403, "invite_required"));
    let admin = invite_only.login_as("admin", true).await?;
    let inv = admin.post("/api/v1/admin/invites", json!({})).await?;
    assert_eq!(inv.status, 201);
    let token = inv.body["token"].as_str().unwrap_or("").to_string();
    assert!(inv.body["url"]
        .as_str()
        .unwrap_or("")
        .ends_with(&format!("/invite/{token}")));
    let guest = invite_only.client();
    assert_eq!(
        guest.get(&format!("/api/v1/invites/{token}")).await?.body["valid"],
        true
    );
    assert_eq!(guest.get("/api/v1/invites/nope").await?.status, 404);
    let r = guest
        .post("/api/v1/auth/register", reg("fred", Some(&token)))
        .await?;
    assert_eq!(r.status, 201);
    let reuse = invite_only
        .client()
        .post("/api/v1/auth/register", reg("gina", Some(&token)))
        .await?;
    assert_eq!(reuse.status, 404, "an invitation works once");
    Ok(())
}

#[tokio::test]
async fn guests_have_a_stable_identity() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let mut c = server.client();
    let g1 = c.get("/api/v1/guest").await?;
    assert_eq!(g1.status, 200);
    assert!(g1.body["id"].as_str().unwrap_or("").starts_with("g_"));
    let g2 = c.get("/api/v1/guest").await?;
    assert_eq!(g1.body["id"], g2.body["id"], "same cookie, same guest");
    let no_token = c
        .patch("/api/v1/guest", json!({"display_name": "Zoé"}))
        .await?;
    assert_eq!((no_token.status, no_token.code()), (403, "csrf_failed"));
    c.csrf = g2.body["csrf_token"].as_str().map(str::to_string);
    let named = c
        .patch(
            "/api/v1/guest",
            json!({"display_name": "Zoé", "avatar_color": "#0891B2"}),
        )
        .await?;
    assert_eq!(named.status, 200, "{:?}", named.body);
    let g3 = c.get("/api/v1/guest").await?;
    assert_eq!(
        (
            g3.body["display_name"].as_str(),
            g3.body["avatar_color"].as_str()
        ),
        (Some("Zoé"), Some("#0891b2"))
    );
    assert_ne!(
        server.client().get("/api/v1/guest").await?.body["id"],
        g1.body["id"]
    );
    assert_eq!(
        c.get("/api/v1/me").await?.status,
        401,
        "a guest is not a user"
    );
    Ok(())
}

#[tokio::test]
async fn download_all_my_data() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("hana", false).await?;
    c.post("/api/v1/me/tokens", json!({"name": "backup script"}))
        .await?;
    let r = c.get("/api/v1/me/export").await?;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/gzip")
    );
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(r.bytes.as_slice()));
    let mut names = Vec::new();
    let mut profile = String::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().to_string();
        if path.ends_with("account/profile.json") {
            std::io::Read::read_to_string(&mut entry, &mut profile)?;
        }
        names.push(path);
    }
    assert!(
        names.iter().any(|n| n.ends_with("account/api_tokens.json")),
        "{names:?}"
    );
    let profile: serde_json::Value = serde_json::from_str(&profile)?;
    assert_eq!(profile["username"], "hana");
    assert!(profile.get("password_hash").is_none());
    assert_eq!(server.client().get("/api/v1/me/export").await?.status, 401);
    Ok(())
}

/// A server that mails to a local sink, and the sink.
fn mailing_server() -> anyhow::Result<(TestServer, nichoir_testkit::MailSink)> {
    let sink = nichoir_testkit::MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| {
        crate::support::mail_to_sink(c, port);
        c.instance.name = "Asso".into();
    })?;
    Ok((server, sink))
}

/// The token of the reset link in a mail (`…/reset-password#<token>`).
fn reset_token(mail: &str) -> String {
    link_token(mail, "/reset-password#")
}

/// The token after `marker` (`/confirm-email#`) in a mail.
fn link_token(mail: &str, marker: &str) -> String {
    crate::support::unquote(mail)
        .split(marker)
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_link_that_works_once() -> anyhow::Result<()> {
    let (server, sink) = mailing_server()?;
    let ana = server.login_as("ana", false).await?;
    ana.patch("/api/v1/me", json!({"email": "ana@example.org"}))
        .await?;
    let eve = server.login_as("eve", false).await?;
    eve.patch("/api/v1/me", json!({"email": "eve@example.org"}))
        .await?;
    let root = server.login_as("root", true).await?;
    let eve_id = eve.get("/api/v1/me").await?.body["user"]["id"].clone();
    root.patch(
        &format!("/api/v1/admin/users/{}", eve_id.as_str().unwrap_or("")),
        json!({"disabled": true}),
    )
    .await?;
    let anyone = server.client();
    assert_eq!(
        anyone.get("/api/v1/instance").await?.body["password_reset"],
        true
    );
    // Ana confirms her address by its link (an unconfirmed one gets no reset link); Eve, now
    // disabled, cannot.
    let confirmations = sink.wait_for(2, std::time::Duration::from_secs(10)).await;
    assert_eq!(confirmations.len(), 2);
    for m in &confirmations {
        let token = link_token(&m.data, "/confirm-email#");
        let r = anyone
            .post("/api/v1/auth/confirm-email", json!({"token": token}))
            .await?;
        let expected = if m.to == ["<ana@example.org>"] {
            204
        } else {
            404
        };
        assert_eq!(r.status, expected, "{:?} {:?}", m.to, r.body);
    }

    // The same answer for an account, no account, and a disabled account; one mail, to Ana.
    let mut answers = Vec::new();
    for login in ["nobody", "eve", "ANA@example.org"] {
        let r = anyone
            .post(
                "/api/v1/auth/password-reset",
                json!({"login": login, "lang": "fr"}),
            )
            .await?;
        answers.push((r.status, r.body));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 202);
    sink.wait_for(3, std::time::Duration::from_secs(10)).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = sink.messages()[2..].to_vec();
    assert_eq!(mails.len(), 1, "only Ana gets a mail");
    assert_eq!(mails[0].to, ["<ana@example.org>"]);
    assert!(
        mails[0]
            .data
            .contains("Subject: [Asso] Choisir un nouveau mot de passe"),
        "in the asker's language: {}",
        mails[0].data
    );
    let token = reset_token(&mails[0].data);
    assert!(token.len() >= 40, "{}", mails[0].data);

    // Bad tokens and bad passwords change nothing.
    let confirm = |token: String, password: &str| {
        let body = json!({"token": token, "new_password": password});
        let c = &anyone;
        async move { c.post("/api/v1/auth/password-reset/confirm", body).await }
    };
    let r = confirm("forged".into(), "a new long password").await?;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (404, json!("not_found"))
    );
    assert_eq!(confirm(token.clone(), "short").await?.status, 422);
    assert_eq!(ana.get("/api/v1/me").await?.status, 200, "still signed in");

    let r = confirm(token.clone(), "a new long password").await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        ana.get("/api/v1/me").await?.status,
        401,
        "every session of the account ended"
    );
    let mut again = server.client();
    assert_eq!(
        again.login("ana", "password-of-test").await?.status,
        401,
        "the old password is gone"
    );
    assert_eq!(again.login("ana", "a new long password").await?.status, 200);
    assert_eq!(
        confirm(token, "yet another password").await?.status,
        404,
        "a link works once"
    );

    // An expired link does not work.
    anyone
        .post("/api/v1/auth/password-reset", json!({"login": "ana"}))
        .await?;
    let mails = sink.wait_for(4, std::time::Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 4);
    assert!(mails[3]
        .data
        .contains("Subject: [Asso] Choose a new password"));
    let late = reset_token(&mails[3].data);
    server
        .ctx
        .db
        .write(|c| {
            c.execute("UPDATE password_resets SET expires_at = 0", [])?;
            Ok(())
        })
        .await?;
    assert_eq!(confirm(late, "a new long password").await?.status, 404);

    // Asking again and again for one account is throttled.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            anyone
                .post("/api/v1/auth/password-reset", json!({"login": "eve"}))
                .await?
                .status,
        );
    }
    assert_eq!(statuses, [202, 202, 429], "3 an hour for one name");
    for bad in [
        json!({}),
        json!({"login": ""}),
        json!({"login": "x", "other": 1}),
    ] {
        let r = anyone
            .post("/api/v1/auth/password-reset", bad.clone())
            .await?;
        assert!(
            r.status == 400 || r.status == 422,
            "{bad}: {} {:?}",
            r.status,
            r.body
        );
    }
    Ok(())
}

#[tokio::test]
async fn without_mail_there_is_no_reset_link_to_ask_for() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let anyone = server.client();
    assert_eq!(
        anyone.get("/api/v1/instance").await?.body["password_reset"],
        false
    );
    let r = anyone
        .post("/api/v1/auth/password-reset", json!({"login": "ana"}))
        .await?;
    assert_eq!(r.status, 403, "{:?}", r.body);
    Ok(())
}

/// The code an authenticator app shows for `secret` (base32), `steps_ahead` steps from now.
fn app_code(secret: &str, steps_ahead: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret)
        .unwrap_or_else(|_| totp_rs::Secret::from(vec![0u8; 20]));
    let t = totp_rs::Builder::new()
        .with_secret(secret)
        .build_noncompliant();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    t.generate(now + 30 * steps_ahead).to_string()
}

/// The password step of a login: the challenge of an account with a second factor.
async fn challenge_of(c: &Client, username: &str) -> anyhow::Result<String> {
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"username": username, "password": "password-of-test"}),
        )
        .await?;
    anyhow::ensure!(r.status == 200, "login: {} {:?}", r.status, r.body);
    anyhow::ensure!(r.body["second_factor"] == "totp", "{:?}", r.body);
    Ok(r.body["challenge"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn two_factor_sign_in_with_an_app_code_a_recovery_code_or_a_remembered_device(
) -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    assert_eq!(
        ana.get("/api/v1/me/2fa").await?.body,
        json!({"enabled": false, "recovery_codes_left": 0})
    );
    let r = ana
        .post(
            "/api/v1/me/2fa/setup",
            json!({"password": "wrong password!"}),
        )
        .await?;
    assert_eq!(r.status, 401, "the password again, first");
    let setup = ana
        .post(
            "/api/v1/me/2fa/setup",
            json!({"password": "password-of-test"}),
        )
        .await?;
    assert_eq!(setup.status, 200, "{:?}", setup.body);
    let secret = setup.body["secret"].as_str().unwrap_or("").to_string();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let url = setup.body["otpauth_url"].as_str().unwrap_or("");
    assert!(url.starts_with("otpauth://totp/"), "{url}");
    assert!(setup.body["qr_svg"].as_str().unwrap_or("").contains("<svg"));
    assert_eq!(
        ana.post("/api/v1/me/2fa/enable", json!({"code": "000000"}))
            .await?
            .status,
        401,
        "a wrong code does not turn it on"
    );
    let on = ana
        .post(
            "/api/v1/me/2fa/enable",
            json!({"code": app_code(&secret, 0)}),
        )
        .await?;
    assert_eq!(on.status, 200, "{:?}", on.body);
    let codes: Vec<String> = on.body["recovery_codes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        ana.get("/api/v1/me/2fa").await?.body,
        json!({"enabled": true, "recovery_codes_left": 10})
    );

    // The password alone gives a challenge, not a session.
    let other = server.client();
    let challenge = challenge_of(&other, "ana").await?;
    assert_eq!(other.get("/api/v1/me").await?.status, 401);
    let second = |c: &Client, challenge: &str, code: &str, remember: bool| {
        let body = json!({"challenge": challenge, "code": code, "remember": remember});
        let c = c.http.clone();
        let url = c.post(other.url("/api/v1/auth/login/second-factor"));
        async move {
            let r = url.json(&body).send().await?;
            let status = r.status().as_u16();
            let device = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.starts_with("nichoir_device="));
            anyhow::Ok((status, device))
        }
    };
    // A wrong code, the code that turned it on (used once already), a forged challenge.
    assert_eq!(second(&other, &challenge, "123456", false).await?.0, 401);
    assert_eq!(
        second(&other, &challenge, &app_code(&secret, 0), false)
            .await?
            .0,
        401,
        "a code works once"
    );
    assert_eq!(
        second(&other, "forged", &app_code(&secret, 1), false)
            .await?
            .0,
        401
    );
    let (status, device) = second(&other, &challenge, &app_code(&secret, 1), false).await?;
    assert_eq!((status, device), (200, false));
    assert_eq!(other.get("/api/v1/me").await?.status, 200, "signed in");
    assert_eq!(
        second(&server.client(), &challenge, &app_code(&secret, 1), false)
            .await?
            .0,
        401,
        "a challenge gives one session"
    );

    // A recovery code, typed as people type, works once.
    let fresh = server.client();
    let challenge = challenge_of(&fresh, "ana").await?;
    let typed = codes[0].to_uppercase().replace('-', " ");
    assert_eq!(second(&fresh, &challenge, &typed, false).await?.0, 200);
    let challenge = challenge_of(&fresh, "ana").await?;
    assert_eq!(second(&fresh, &challenge, &codes[0], false).await?.0, 401);
    assert_eq!(
        ana.get("/api/v1/me/2fa").await?.body["recovery_codes_left"],
        9
    );

    // "Remember this device": the next login on it skips the code.
    let remembered = server.client();
    let challenge = challenge_of(&remembered, "ana").await?;
    let (status, device) = second(&remembered, &challenge, &codes[1], true).await?;
    assert_eq!((status, device), (200, true));
    let r = remembered
        .post(
            "/api/v1/auth/login",
            json!({"username": "ana", "password": "password-of-test"}),
        )
        .await?;
    assert_eq!(r.status, 200);
    assert!(
        r.body.get("user").is_some(),
        "a session at once: {:?}",
        r.body
    );

    // New recovery codes replace the old; an admin can turn a member's second factor off.
    let renewed = ana
        .post(
            "/api/v1/me/2fa/recovery-codes",
            json!({"password": "password-of-test"}),
        )
        .await?;
    assert_eq!(
        renewed.body["recovery_codes"].as_array().map(Vec::len),
        Some(10)
    );
    let challenge = challenge_of(&fresh, "ana").await?;
    assert_eq!(
        second(&fresh, &challenge, &codes[2], false).await?.0,
        401,
        "old codes stop working"
    );
    let root = server.login_as("root", true).await?;
    let ana_id = ana.get("/api/v1/me").await?.body["user"]["id"].clone();
    let reset = format!(
        "/api/v1/admin/users/{}/2fa/reset",
        ana_id.as_str().unwrap_or("")
    );
    assert_eq!(ana.post(&reset, json!({})).await?.status, 403);
    assert_eq!(root.post(&reset, json!({})).await?.status, 204);
    let mut after = server.client();
    assert_eq!(
        after.login("ana", "password-of-test").await?.body["user"]["username"],
        "ana"
    );
    assert_eq!(
        root.post("/api/v1/admin/users/u_nobody/2fa/reset", json!({}))
            .await?
            .status,
        404
    );
    Ok(())
}

#[tokio::test]
async fn wrong_second_factor_codes_are_throttled_and_use_up_the_challenge() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let bob = server.login_as("bob", false).await?;
    let setup = bob
        .post(
            "/api/v1/me/2fa/setup",
            json!({"password": "password-of-test"}),
        )
        .await?;
    let secret = setup.body["secret"].as_str().unwrap_or("").to_string();
    bob.post(
        "/api/v1/me/2fa/enable",
        json!({"code": app_code(&secret, 0)}),
    )
    .await?;
    bob.post(
        "/api/v1/me/2fa/disable",
        json!({"password": "nope nope nope"}),
    )
    .await
    .map(|r| assert_eq!(r.status, 401))?;
    let c = server.client();
    let challenge = challenge_of(&c, "bob").await?;
    let mut statuses = Vec::new();
    for code in ["", "1", "abcdef", &"9".repeat(10_000), "000000"] {
        let r = c
            .post(
                "/api/v1/auth/login/second-factor",
                json!({"challenge": challenge, "code": code}),
            )
            .await?;
        statuses.push(r.status);
    }
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let r = c
        .post(
            "/api/v1/auth/login/second-factor",
            json!({"challenge": challenge, "code": app_code(&secret, 1)}),
        )
        .await?;
    assert!(
        r.status == 401 || r.status == 429,
        "five wrong codes use the challenge (and the account's budget) up: {}",
        r.status
    );
    assert_eq!(
        c.post("/api/v1/auth/login/second-factor", json!({"challenge": 1}))
            .await?
            .status,
        422
    );
    // Turned off with the password, the next login needs none.
    assert_eq!(
        bob.post(
            "/api/v1/me/2fa/disable",
            json!({"password": "password-of-test"})
        )
        .await?
        .status,
        204
    );
    assert_eq!(bob.get("/api/v1/me/2fa").await?.body["enabled"], false);
    Ok(())
}

#[tokio::test]
async fn an_instance_that_requires_two_factor_lets_an_account_only_set_it_up() -> anyhow::Result<()>
{
    use nichoir_core::config::RequireTwoFactor;
    let server = TestServer::start_with(|c| c.auth.require_two_factor = RequireTwoFactor::Admins)?;
    assert_eq!(
        server.client().get("/api/v1/instance").await?.body["require_two_factor"],
        "admins"
    );
    let root = server.login_as("root", true).await?;
    let ana = server.login_as("ana", false).await?;
    assert_eq!(
        ana.get("/api/v1/me/usage").await?.status,
        200,
        "members are not asked"
    );
    let me = root.get("/api/v1/me").await?;
    assert_eq!(
        (me.status, me.body["user"]["two_factor"].clone()),
        (200, json!(false))
    );
    for path in ["/api/v1/admin/users", "/api/v1/me/usage", "/api/v1/pads"] {
        let r = root.get(path).await?;
        assert_eq!(
            (r.status, r.body["error"]["code"].clone()),
            (403, json!("two_factor_required")),
            "{path}"
        );
    }
    let setup = root
        .post(
            "/api/v1/me/2fa/setup",
            json!({"password": "password-of-test"}),
        )
        .await?;
    assert_eq!(
        setup.status, 200,
        "setting it up is allowed: {:?}",
        setup.body
    );
    let secret = setup.body["secret"].as_str().unwrap_or("").to_string();
    let on = root
        .post(
            "/api/v1/me/2fa/enable",
            json!({"code": app_code(&secret, 0)}),
        )
        .await?;
    assert_eq!(on.status, 200);
    assert_eq!(
        root.get("/api/v1/admin/users").await?.status,
        200,
        "then everything"
    );
    assert_eq!(
        root.get("/api/v1/me").await?.body["user"]["two_factor"],
        true
    );
    Ok(())
}

#[tokio::test]
async fn an_address_is_confirmed_by_its_link_before_it_gets_reset_links() -> anyhow::Result<()> {
    let (server, sink) = mailing_server()?;
    let ana = server.login_as("ana", false).await?;
    let me = ana
        .patch("/api/v1/me", json!({"email": "ana@example.org"}))
        .await?;
    assert_eq!(me.body["email_verified"], false);
    let mail = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1, "a confirmation link is mailed");
    assert!(mail[0]
        .data
        .contains("Subject: [Asso] Confirm your e-mail address"));
    let first = link_token(&mail[0].data, "/confirm-email#");
    // Unconfirmed: no reset link.
    let anyone = server.client();
    assert_eq!(
        anyone
            .post("/api/v1/auth/password-reset", json!({"login": "ana"}))
            .await?
            .status,
        202
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        sink.messages().len(),
        1,
        "no reset link to an unconfirmed address"
    );
    // A new link replaces the old one.
    assert_eq!(
        ana.post("/api/v1/me/email/resend", json!({})).await?.status,
        202
    );
    let mails = sink.wait_for(2, std::time::Duration::from_secs(10)).await;
    let second = link_token(&mails[1].data, "/confirm-email#");
    let confirm = |token: String| {
        let anyone = &anyone;
        async move {
            anyone
                .post("/api/v1/auth/confirm-email", json!({"token": token}))
                .await
        }
    };
    assert_eq!(confirm(first).await?.status, 404, "the older link is gone");
    assert_eq!(confirm("forged".into()).await?.status, 404);
    assert_eq!(confirm(second.clone()).await?.status, 204);
    assert_eq!(confirm(second).await?.status, 404, "a link works once");
    assert_eq!(
        ana.get("/api/v1/me").await?.body["user"]["email_verified"],
        true
    );
    assert_eq!(
        ana.post("/api/v1/me/email/resend", json!({})).await?.status,
        409,
        "nothing left to confirm"
    );
    anyone
        .post("/api/v1/auth/password-reset", json!({"login": "ana"}))
        .await?;
    let mails = sink.wait_for(3, std::time::Duration::from_secs(10)).await;
    assert!(
        mails[2].data.contains("Choose a new password"),
        "now it gets one"
    );
    // A changed address is unconfirmed again.
    let me = ana
        .patch("/api/v1/me", json!({"email": "ana@elsewhere.org"}))
        .await?;
    assert_eq!(me.body["email_verified"], false);
    let same = ana
        .patch("/api/v1/me", json!({"display_name": "Ana M."}))
        .await?;
    assert_eq!(same.body["email_verified"], false);
    Ok(())
}

#[tokio::test]
async fn an_instance_can_keep_creation_to_accounts_and_says_so_on_its_about_page(
) -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.auth.guests_can_create = false)?;
    let guest = server.guest().await?;
    let ana = server.login_as("ana", false).await?;
    for (path, body) in [
        ("/api/v1/pads", json!({"name": "guest-pad"})),
        (
            "/api/v1/polls",
            json!({"kind": "classic", "title": "t", "author_name": "G", "options": [{"label": "a"}]}),
        ),
        ("/api/v1/video/rooms", json!({"name": "guest-room"})),
    ] {
        let r = guest.post(path, body).await?;
        assert_eq!(r.status, 403, "{path}: {:?}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("sign in to create"),
            "{:?}",
            r.body
        );
    }
    assert_eq!(
        guest
            .put_json("/api/v1/video/rooms/other-room", json!({}))
            .await?
            .status,
        403,
        "opening a new room by name creates it"
    );
    // Accounts create; guests still take part.
    assert_eq!(
        ana.post("/api/v1/pads", json!({"name": "ana-pad"}))
            .await?
            .status,
        201
    );
    assert_eq!(
        ana.post("/api/v1/video/rooms", json!({"name": "ana-room"}))
            .await?
            .status,
        201
    );
    assert_eq!(guest.get("/api/v1/pads/ana-pad").await?.status, 200);
    assert_eq!(
        guest
            .put_json("/api/v1/video/rooms/ana-room", json!({}))
            .await?
            .status,
        200,
        "an existing room is joined"
    );
    let instance = guest.get("/api/v1/instance").await?.body;
    assert_eq!(instance["guests_can_create"], false);
    let about = guest.get("/api/v1/about").await?.body;
    assert_eq!(about["sign_in"]["guests_can_create"], false);
    assert_eq!(about["sign_in"]["methods"], json!(["password"]));
    assert!(about["sign_in"]["two_factor"]
        .as_str()
        .unwrap_or("")
        .starts_with("optional"));
    assert!(about["sign_in"]["password_reset"]
        .as_str()
        .unwrap_or("")
        .starts_with("not offered"));
    assert!(about["moderation"]["policy"]
        .as_str()
        .unwrap_or("")
        .contains("each removal is recorded with its reason"));
    Ok(())
}

#[tokio::test]
async fn an_invitation_is_mailed_labelled_and_serves_several_people() -> anyhow::Result<()> {
    let (server, sink) = mailing_server()?;
    let root = server.login_as("root", true).await?;
    let r = root
        .post(
            "/api/v1/admin/invites",
            json!({"label": "Conseil 2027", "email": "new@example.org", "max_uses": 2}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (r.body["mailed"].clone(), r.body["max_uses"].clone()),
        (json!(true), json!(2))
    );
    let mail = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(mail[0].to, ["<new@example.org>"]);
    assert!(
        mail[0].data.contains("Subject: [Asso] ROOT invites you"),
        "{}",
        mail[0].data
    );
    let token = link_token(&mail[0].data, "/invite/");
    assert_eq!(token, r.body["token"].as_str().unwrap_or(""));

    let register = |username: &str, email: &str| {
        let body = json!({"username": username, "password": "a long enough password",
            "display_name": username.to_uppercase(), "email": email, "invite": token});
        let c = server.client();
        async move {
            let r = c.post("/api/v1/auth/register", body).await?;
            anyhow::Ok((r.status, c))
        }
    };
    let (status, first) = register("nina", "new@example.org").await?;
    assert_eq!(status, 201);
    assert_eq!(
        first.get("/api/v1/me").await?.body["user"]["email_verified"],
        true,
        "the invited address is confirmed by registering through its mail"
    );
    let (status, second) = register("omar", "omar@example.org").await?;
    assert_eq!(status, 201);
    assert_eq!(
        second.get("/api/v1/me").await?.body["user"]["email_verified"],
        false
    );
    assert_eq!(register("paul", "").await?.0, 404, "two uses, then no more");

    let list = root.get("/api/v1/admin/invites").await?.body;
    let inv = &list[0];
    assert_eq!(inv["label"], "Conseil 2027");
    assert_eq!(inv["email"], "new@example.org");
    assert_eq!(
        (inv["uses"].clone(), inv["max_uses"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(inv["used_by_name"], "OMAR", "a name, not an id");
    for bad in [
        json!({"max_uses": 0}),
        json!({"max_uses": 1001}),
        json!({"label": "two\nlines"}),
        json!({"email": "not an address"}),
        json!({"other": 1}),
    ] {
        let r = root.post("/api/v1/admin/invites", bad.clone()).await?;
        assert!(r.status == 400 || r.status == 422, "{bad}: {}", r.status);
    }
    Ok(())
}

#[tokio::test]
async fn the_data_export_holds_every_pad_and_poll_past_the_lists_pages() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("prolific", false).await?;
    // One more than each list's page (pads 200, polls 500).
    for i in 0..201 {
        let r = c
            .post("/api/v1/pads", json!({"name": format!("pad-{i:03}")}))
            .await?;
        anyhow::ensure!(r.status == 201, "pad {i}: {} {}", r.status, r.body);
    }
    for i in 0..501 {
        let r = c
            .post(
                "/api/v1/polls",
                json!({"kind": "classic", "title": format!("Poll {i}"), "author_name": "P",
                       "options": [{"label": "oui"}]}),
            )
            .await?;
        anyhow::ensure!(r.status == 201, "poll {i}: {} {}", r.status, r.body);
    }
    // The lists stay paged…
    assert_eq!(
        c.get("/api/v1/pads").await?.body.as_array().map(Vec::len),
        Some(200)
    );
    assert_eq!(
        c.get("/api/v1/polls").await?.body.as_array().map(Vec::len),
        Some(500)
    );
    // …the export holds everything.
    let archive = c.get("/api/v1/me/export").await?;
    assert_eq!(archive.status, 200);
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive.bytes.as_slice()));
    let (mut pads, mut polls) = (0, 0);
    for e in tar.entries()? {
        let e = e?;
        let path = e.path()?.to_string_lossy().to_string();
        if path.contains("/pads/pad-") && path.ends_with(".md") {
            pads += 1;
        }
        if path.contains("/polls/") && path.ends_with(".csv") {
            polls += 1;
        }
    }
    assert_eq!((pads, polls), (201, 501));
    Ok(())
}
