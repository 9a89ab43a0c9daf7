//! Signing in with OpenID Connect against a real, OpenID-certified provider (panva's
//! `oidc-provider`, run by `nichoir_testkit::OidcProvider`): the whole code flow with PKCE through
//! the provider's login form, accounts made, kept and linked, the admin claim, logout at the
//! provider; and every tampered case — a forged or replayed state, a sign-in finished in another
//! browser, an ID token signed by another key, a wrong nonce, a provider that is down — ends on
//! the login page with no session.

use nichoir_core::config::{Config, OidcProviderConfig, PasswordLogin, RequireTwoFactor};
use nichoir_testkit::{sign_in_at_provider, Client, OidcOptions, OidcProvider, TestServer};
use serde_json::json;

const SECRET: &str = "a client secret with + and spaces";

fn provider(id: &str, issuer: &str) -> OidcProviderConfig {
    OidcProviderConfig {
        id: id.into(),
        label: format!("Sign in with {id}"),
        issuer: issuer.into(),
        client_id: "nichoir".into(),
        client_secret: SECRET.into(),
        scopes: vec![
            "openid".into(),
            "profile".into(),
            "email".into(),
            "groups".into(),
        ],
        admin_values: vec!["nichoir-admins".into()],
        ..OidcProviderConfig::default()
    }
}

/// A server whose providers `ids` all point at one provider, and that provider, started with
/// `tamper` applied to its options.
fn setup(
    ids: &[&str],
    adjust: impl FnOnce(&mut Config),
    tamper: impl FnOnce(&mut OidcOptions),
) -> anyhow::Result<(TestServer, OidcProvider)> {
    let port = OidcProvider::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let server = TestServer::start_with(|c| {
        c.oidc.providers = ids.iter().map(|id| provider(id, &issuer)).collect();
        adjust(c);
    })?;
    let mut options = OidcOptions {
        client_id: "nichoir".into(),
        client_secret: SECRET.into(),
        redirect_uris: ids
            .iter()
            .map(|id| format!("{}/api/v1/auth/oidc/{id}/callback", server.url))
            .collect(),
        post_logout_redirect_uris: vec![format!("{}/login", server.url)],
        ..OidcOptions::default()
    };
    tamper(&mut options);
    let op = OidcProvider::start(port, &options);
    Ok((server, op))
}

fn location(r: &nichoir_testkit::Reply) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Starts a sign-in with `id` and logs in at the provider: the callback URL it sends back.
async fn to_callback(c: &Client, id: &str, login: &str, password: &str) -> anyhow::Result<String> {
    let r = c
        .get(&format!("/api/v1/auth/oidc/{id}/start?return_to=/p/notes"))
        .await?;
    assert_eq!(r.status, 303, "{:?}", r.body);
    sign_in_at_provider(&c.http, &location(&r), login, password).await
}

/// Follows the callback: where the browser goes next.
async fn finish(c: &Client, callback: &str) -> anyhow::Result<String> {
    let r = c.send(c.http.get(callback)).await?;
    assert_eq!(r.status, 303, "{:?}", r.body);
    Ok(location(&r))
}

async fn signed_in(c: &mut Client) -> anyhow::Result<Option<serde_json::Value>> {
    let r = c.get("/api/v1/me").await?;
    if r.status != 200 {
        return Ok(None);
    }
    c.csrf = r.body["csrf_token"].as_str().map(str::to_string);
    Ok(Some(r.body["user"].clone()))
}

/// The login page, saying what failed (`why`, as the query carries it).
fn refused_to_login_page(next: &str, why: &str) {
    assert!(
        next.starts_with("/login?sso_error=sso_failed") && next.contains(why),
        "back to the login page saying {why}: {next}"
    );
}

#[tokio::test]
async fn people_sign_in_through_the_provider() -> anyhow::Result<()> {
    let (server, op) = setup(
        &["test"],
        |c| c.auth.require_two_factor = RequireTwoFactor::Everyone,
        |_| {},
    )?;
    let info = server.client().get("/api/v1/instance").await?.body;
    assert_eq!(
        info["sso"]["providers"],
        json!([{"id": "test", "label": "Sign in with test"}])
    );

    let mut ada = server.client();
    let callback = to_callback(&ada, "test", "ada", "ada-password").await?;
    assert!(
        callback.contains("code=") && callback.contains("state="),
        "{callback}"
    );
    assert_eq!(
        finish(&ada, &callback).await?,
        "/p/notes",
        "back where the sign-in started"
    );
    let me = signed_in(&mut ada).await?.expect("signed in");
    assert_eq!(me["sign_in"], "oidc:test");
    assert_eq!(me["username"], "ada");
    assert_eq!(me["display_name"], "Ada Lovelace");
    assert_eq!(me["email"], "ada@example.test");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["is_admin"], true, "in the provider's admin group");
    // The provider's accounts are not asked for a second factor here (the provider's applies).
    assert_eq!(ada.get("/api/v1/me/sessions").await?.status, 200);
    let r = ada
        .post("/api/v1/me/2fa/setup", json!({"password": ""}))
        .await?;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let r = ada
        .post(
            "/api/v1/me/password",
            json!({"current_password": "x", "new_password": "yyyyyyyyyy"}),
        )
        .await?;
    assert_eq!(r.status, 409, "{:?}", r.body);

    // The same callback again (a replay): refused, whoever sends it.
    let mut replay = server.client();
    refused_to_login_page(&finish(&replay, &callback).await?, "used+already");
    assert!(signed_in(&mut replay).await?.is_none());

    // Logging out ends the session here and says where to end the provider's.
    let r = ada.post("/api/v1/auth/logout", json!({})).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let at_provider = r.body["provider_logout"].as_str().unwrap_or("");
    assert!(
        at_provider.starts_with(&format!("{}/session/end?", op.issuer))
            && at_provider.contains("client_id=nichoir")
            && at_provider.contains("post_logout_redirect_uri="),
        "{at_provider}"
    );
    assert!(signed_in(&mut ada).await?.is_none());

    // The second time is the same account; another person is another, not an admin.
    let mut again = server.client();
    let callback = to_callback(&again, "test", "ada", "ada-password").await?;
    finish(&again, &callback).await?;
    assert_eq!(
        signed_in(&mut again).await?.expect("signed in")["id"],
        me["id"]
    );
    let mut grace = server.client();
    let callback = to_callback(&grace, "test", "grace", "grace-password").await?;
    finish(&grace, &callback).await?;
    let g = signed_in(&mut grace).await?.expect("signed in");
    assert_eq!(
        (g["username"].as_str(), g["is_admin"].as_bool()),
        (Some("grace"), Some(false))
    );

    // Deleting: no password to give, a recent sign-in at the provider stands for it.
    let id = g["id"].as_str().unwrap_or("").to_string();
    server
        .ctx
        .db
        .write(move |c| {
            c.execute(
                "UPDATE sessions SET created_at = created_at - 11 * 60000 WHERE user_id = ?1",
                [id],
            )?;
            Ok(())
        })
        .await?;
    let r = grace
        .post("/api/v1/me/delete", json!({"erase": false}))
        .await?;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert_eq!(r.code(), "reauthentication_required");
    let mut fresh = server.client();
    let callback = to_callback(&fresh, "test", "grace", "grace-password").await?;
    finish(&fresh, &callback).await?;
    signed_in(&mut fresh).await?.expect("signed in");
    let r = fresh
        .post("/api/v1/me/delete", json!({"erase": false}))
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    Ok(())
}

#[tokio::test]
async fn forged_stolen_and_refused_answers_make_no_session() -> anyhow::Result<()> {
    let (server, _op) = setup(&["test"], |_| {}, |_| {})?;
    let mut c = server.client();
    // A state nobody issued.
    let next = finish(
        &c,
        &c.url("/api/v1/auth/oidc/test/callback?code=abc&state=forged"),
    )
    .await?;
    refused_to_login_page(&next, "unknown+or+was+used");
    let next = finish(&c, &c.url("/api/v1/auth/oidc/test/callback")).await?;
    refused_to_login_page(&next, "no+state");
    assert!(signed_in(&mut c).await?.is_none());

    // A sign-in started in one browser and finished in another (login CSRF): refused, and the
    // state is used up, so the first browser cannot finish it either.
    let victim = server.client();
    let callback = to_callback(&victim, "test", "grace", "grace-password").await?;
    let mut attacker = server.client();
    refused_to_login_page(&finish(&attacker, &callback).await?, "another+browser");
    assert!(signed_in(&mut attacker).await?.is_none());
    refused_to_login_page(&finish(&victim, &callback).await?, "used+already");

    // The provider's own refusal (the person said no at the provider).
    let start = c.get("/api/v1/auth/oidc/test/start").await?;
    let state = reqwest::Url::parse(&location(&start))?
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let denied = c.url(&format!(
        "/api/v1/auth/oidc/test/callback?error=access_denied&state={state}"
    ));
    refused_to_login_page(&finish(&c, &denied).await?, "access_denied");
    assert!(signed_in(&mut c).await?.is_none());

    // An unknown provider.
    assert_eq!(c.get("/api/v1/auth/oidc/nope/start").await?.status, 404);
    Ok(())
}

/// An ID token signed by a key other than the one the provider publishes, or carrying another
/// nonce than the one asked for: refused, no session.
#[tokio::test]
async fn a_tampered_id_token_is_refused() -> anyhow::Result<()> {
    let tamperings: [fn(&mut OidcOptions); 2] =
        [|o| o.publish_wrong_keys = true, |o| o.rewrite_nonce = true];
    for tamper in tamperings {
        let (server, _op) = setup(&["test"], |_| {}, tamper)?;
        let mut c = server.client();
        let callback = to_callback(&c, "test", "ada", "ada-password").await?;
        refused_to_login_page(&finish(&c, &callback).await?, "does+not+verify");
        assert!(signed_in(&mut c).await?.is_none());
    }
    Ok(())
}

#[tokio::test]
async fn a_provider_that_is_down_is_said_so() -> anyhow::Result<()> {
    let issuer = format!("http://127.0.0.1:{}", OidcProvider::free_port());
    let server = TestServer::start_with(|c| c.oidc.providers = vec![provider("test", &issuer)])?;
    let mut c = server.client();
    let r = c.get("/api/v1/auth/oidc/test/start").await?;
    assert_eq!(r.status, 303, "{:?}", r.body);
    refused_to_login_page(&location(&r), "does+not+answer");
    assert!(signed_in(&mut c).await?.is_none());
    Ok(())
}

/// Existing accounts are linked by a verified address only where the admin allows it; a provider
/// that creates no accounts lets only linked people in; under `password_login = "admins"` only
/// admins keep a password here.
#[tokio::test]
async fn linking_creating_and_local_passwords_follow_the_settings() -> anyhow::Result<()> {
    let (server, _op) = setup(
        &["plain", "linking", "closed"],
        |c| {
            for p in &mut c.oidc.providers {
                p.link_by_email = p.id == "linking";
                p.create_accounts = p.id != "closed";
            }
            c.auth.password_login = PasswordLogin::Admins;
        },
        |_| {},
    )?;
    server
        .create_user("lovelace", "local-password-1", false)
        .await?;
    server.create_user("root", "local-password-2", true).await?;
    server
        .create_user("hopper", "local-password-3", false)
        .await?;
    server
        .ctx
        .db
        .write(|c| {
            c.execute(
                "UPDATE users SET email = 'ada@example.test', email_verified_at = 1 WHERE username = 'lovelace'",
                [],
            )?;
            Ok(())
        })
        .await?;

    let mut a = server.client();
    let cb = to_callback(&a, "linking", "ada", "ada-password").await?;
    finish(&a, &cb).await?;
    let linked = signed_in(&mut a).await?.expect("signed in");
    assert_eq!(
        linked["username"], "lovelace",
        "linked by the verified address"
    );
    assert_eq!(
        linked["sign_in"], "password",
        "a linked account keeps its password"
    );

    let mut b = server.client();
    let cb = to_callback(&b, "plain", "ada", "ada-password").await?;
    finish(&b, &cb).await?;
    let other = signed_in(&mut b).await?.expect("signed in");
    assert_ne!(
        other["id"], linked["id"],
        "without linking, an account of its own"
    );
    assert_eq!(other["username"], "ada");

    let mut c = server.client();
    let cb = to_callback(&c, "closed", "grace", "grace-password").await?;
    refused_to_login_page(&finish(&c, &cb).await?, "no+account");
    assert!(signed_in(&mut c).await?.is_none());

    // Only admins sign in with a password of Nichoir's; nobody registers with one.
    let mut local = server.client();
    assert_eq!(local.login("hopper", "local-password-3").await?.status, 401);
    // The provider made the linked account an admin: it keeps its password.
    assert_eq!(
        local.login("lovelace", "local-password-1").await?.status,
        200
    );
    assert_eq!(local.login("root", "local-password-2").await?.status, 200);
    let r = server
        .client()
        .post(
            "/api/v1/auth/register",
            json!({"username": "newbie", "password": "a-long-password", "display_name": "N"}),
        )
        .await?;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(r.code(), "registration_closed");
    Ok(())
}

#[tokio::test]
async fn with_password_login_off_every_sign_in_goes_through_the_provider() -> anyhow::Result<()> {
    let (server, _op) = setup(
        &["test"],
        |c| c.auth.password_login = PasswordLogin::Off,
        |_| {},
    )?;
    server.create_user("root", "local-password-2", true).await?;
    let mut local = server.client();
    assert_eq!(local.login("root", "local-password-2").await?.status, 401);
    let about = server.client().get("/api/v1/about").await?.body;
    let methods = about["sign_in"]["methods"].to_string();
    assert!(
        !methods.contains("password") && methods.contains("oidc:Sign in with test"),
        "{methods}"
    );
    let mut ada = server.client();
    let cb = to_callback(&ada, "test", "ada", "ada-password").await?;
    finish(&ada, &cb).await?;
    assert!(signed_in(&mut ada).await?.is_some());
    Ok(())
}
