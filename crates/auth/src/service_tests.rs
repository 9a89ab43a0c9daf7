use nichoir_core::config::{AuthConfig, Registration as Policy};
use nichoir_core::{Error, ErrorCode};
use nichoir_storage::DbOptions;

use crate::{AuthService, Credentials, NewUser, ProfileUpdate, Registration, MIGRATIONS};

/// The service on SQLite, and on PostgreSQL when a test server is configured (the temp dir
/// keeps the SQLite file alive).
async fn services() -> Result<Vec<(AuthService, Option<tempfile::TempDir>)>, Error> {
    let mut out = Vec::new();
    for (db, dir) in nichoir_storage::testing::databases(&DbOptions::default(), &[MIGRATIONS])? {
        let config = AuthConfig {
            login_failures_per_account: 3,
            ..AuthConfig::default()
        };
        out.push((AuthService::new(db, config).await?, dir));
    }
    Ok(out)
}

fn creds(u: &str, p: &str) -> Credentials {
    Credentials {
        username: u.into(),
        password: p.into(),
    }
}

fn reg(u: &str, invite: Option<String>) -> Registration {
    Registration {
        username: u.into(),
        password: "a good password".into(),
        display_name: u.to_uppercase(),
        email: None,
        invite,
    }
}

#[tokio::test]
async fn accounts_sessions_and_tokens() -> Result<(), Error> {
    for (auth, _dir) in services().await? {
        accounts_sessions_and_tokens_on(auth).await?;
    }
    Ok(())
}

async fn accounts_sessions_and_tokens_on(auth: AuthService) -> Result<(), Error> {
    assert!(auth.issue_setup_token().await?.is_some(), "no admin yet");
    let admin = auth
        .create_user(NewUser {
            username: "Alice".into(),
            password: "correct horse".into(),
            display_name: "Alice".into(),
            email: Some("alice@example.org".into()),
            is_admin: true,
        })
        .await?;
    assert!(auth.issue_setup_token().await?.is_none());
    let dup = auth
        .create_user(NewUser {
            username: "alice".into(),
            password: "another one".into(),
            display_name: "A".into(),
            email: None,
            is_admin: false,
        })
        .await
        .expect_err("usernames are case-insensitive");
    assert_eq!(dup.code, ErrorCode::UsernameTaken);

    let bad = auth
        .login(creds("alice", "nope nope"), "1.1.1.1", "t")
        .await
        .expect_err("bad pw");
    assert_eq!(bad.code, ErrorCode::InvalidCredentials);
    let s1 = auth
        .login(creds("ALICE", "correct horse"), "1.1.1.1", "t")
        .await?;
    let s2 = auth
        .login(creds("alice", "correct horse"), "1.1.1.1", "t")
        .await?;
    assert_ne!(
        s1.session_token, s2.session_token,
        "a new id at every login"
    );
    let actor = auth
        .resolve_session(&s1.session_token)
        .await?
        .expect("valid session");
    assert_eq!(actor.id(), admin.id);
    assert!(actor.require_admin().is_ok());
    assert_eq!(auth.list_sessions(&actor).await?.len(), 2);

    let (token, info) = auth.create_token(&actor, "ci").await?;
    let via_token = auth.resolve_token(&token).await?.expect("token works");
    assert_eq!(via_token.id(), admin.id);
    auth.revoke_token(&actor, &info.id).await?;
    assert!(auth.resolve_token(&token).await?.is_none());

    auth.change_password(&actor, "correct horse".into(), "battery staple".into())
        .await?;
    assert!(
        auth.resolve_session(&s2.session_token).await?.is_none(),
        "other sessions end"
    );
    assert!(
        auth.resolve_session(&s1.session_token).await?.is_some(),
        "this one stays"
    );
    auth.logout_everywhere(&actor).await?;
    assert!(auth.resolve_session(&s1.session_token).await?.is_none());
    assert!(auth.resolve_session("garbage").await?.is_none());
    Ok(())
}

#[tokio::test]
async fn throttling_answers_429_and_never_locks_out_other_addresses_forever() -> Result<(), Error> {
    for (auth, _dir) in services().await? {
        throttling_answers_429_and_never_locks_out_other_addresses_forever_on(auth).await?;
    }
    Ok(())
}

async fn throttling_answers_429_and_never_locks_out_other_addresses_forever_on(
    auth: AuthService,
) -> Result<(), Error> {
    auth.create_user(NewUser {
        username: "bob".into(),
        password: "correct horse".into(),
        display_name: "Bob".into(),
        email: None,
        is_admin: false,
    })
    .await?;
    for _ in 0..3 {
        let _ = auth
            .login(creds("bob", "wrong wrong"), "2.2.2.2", "t")
            .await;
    }
    let e = auth
        .login(creds("bob", "correct horse"), "2.2.2.2", "t")
        .await
        .expect_err("throttled");
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert!(e.retry_after_secs.is_some_and(|s| s > 0));
    Ok(())
}

#[tokio::test]
async fn registration_policies_invites_and_guests() -> Result<(), Error> {
    for (auth, _dir) in services().await? {
        registration_policies_invites_and_guests_on(auth).await?;
    }
    Ok(())
}

async fn registration_policies_invites_and_guests_on(auth: AuthService) -> Result<(), Error> {
    let setup = auth.issue_setup_token().await?.expect("token");
    let admin = auth
        .complete_setup(&setup, reg("root", None), "ip", "ua")
        .await?;
    assert!(admin.user.is_admin);
    assert!(
        auth.complete_setup(&setup, reg("root2", None), "ip", "ua")
            .await
            .is_err(),
        "one-time"
    );

    let closed = auth
        .register(Policy::Closed, reg("carol", None), "ip", "ua")
        .await
        .expect_err("closed");
    assert_eq!(closed.code, ErrorCode::RegistrationClosed);
    let need = auth
        .register(Policy::InviteOnly, reg("carol", None), "ip", "ua")
        .await
        .expect_err("invite");
    assert_eq!(need.code, ErrorCode::InviteRequired);

    let actor = auth
        .resolve_session(&admin.session_token)
        .await?
        .expect("admin");
    let adm = actor.require_admin()?;
    let (invite, _) = auth
        .create_invite(&adm, crate::NewInvite::default())
        .await?;
    auth.check_invite(&invite).await?;
    let carol = auth
        .register(
            Policy::InviteOnly,
            reg("carol", Some(invite.clone())),
            "ip",
            "ua",
        )
        .await?;
    assert!(!carol.user.is_admin);
    let again = auth
        .register(Policy::InviteOnly, reg("dave", Some(invite)), "ip", "ua")
        .await
        .expect_err("used");
    assert_eq!(again.code, ErrorCode::NotFound);
    let open = auth
        .register(Policy::Open, reg("erin", None), "ip", "ua")
        .await?;
    assert_eq!(open.user.username, "erin");

    let (guest, cookie) = auth.guest(None).await?;
    let cookie = cookie.expect("new guest cookie");
    let (same, none) = auth.guest(Some(&cookie)).await?;
    assert_eq!(guest.id(), same.id());
    assert!(none.is_none());
    let g = auth
        .update_guest(
            &same,
            ProfileUpdate {
                display_name: Some("Zoé".into()),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(g.display_name, "Zoé");
    let (again, _) = auth.guest(Some(&cookie)).await?;
    assert_eq!(again.display_name(), "Zoé");
    Ok(())
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_sessions() -> Result<(), Error> {
    for (auth, _dir) in services().await? {
        idle_and_absolute_timeouts_end_sessions_on(auth).await?;
    }
    Ok(())
}

async fn idle_and_absolute_timeouts_end_sessions_on(auth: AuthService) -> Result<(), Error> {
    auth.create_user(NewUser {
        username: "ivy".into(),
        password: "correct horse".into(),
        display_name: "Ivy".into(),
        email: None,
        is_admin: false,
    })
    .await?;
    let idle = auth
        .login(creds("ivy", "correct horse"), "ip", "ua")
        .await?;
    let old = auth
        .login(creds("ivy", "correct horse"), "ip", "ua")
        .await?;
    let fresh = auth
        .login(creds("ivy", "correct horse"), "ip", "ua")
        .await?;
    let now = nichoir_core::time::now_ms();
    let idle_ms = auth.config().session_idle_hours as i64 * 3_600_000;
    let (h_idle, h_old) = (
        nichoir_core::ids::hash_token(&idle.session_token),
        nichoir_core::ids::hash_token(&old.session_token),
    );
    auth.db()
        .write(move |tx| {
            tx.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                nichoir_storage::params![h_idle, now - idle_ms - 1],
            )?;
            tx.execute(
                "UPDATE sessions SET expires_at = ?2 WHERE token_hash = ?1",
                nichoir_storage::params![h_old, now - 1],
            )?;
            Ok(())
        })
        .await?;
    assert!(
        auth.resolve_session(&idle.session_token).await?.is_none(),
        "idle timeout"
    );
    assert!(
        auth.resolve_session(&old.session_token).await?.is_none(),
        "absolute timeout"
    );
    assert!(auth.resolve_session(&fresh.session_token).await?.is_some());
    Ok(())
}
