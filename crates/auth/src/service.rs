//! The account operations, with their SQL. Every write goes through the storage writer.

use std::sync::Arc;
use std::time::Instant;

use nichoir_core::config::{AuthConfig, PasswordLogin, Registration as Policy};
use nichoir_core::ids::{hash_token, new_id, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_storage::{is_unique_violation, params, Db, OptionalExtension, Row};
use serde::Deserialize;

use crate::actor::Actor;
use crate::csrf::CsrfKey;
use crate::model::{
    Guest, InviteInfo, NewUser, ProfileUpdate, SessionInfo, TokenInfo, User, PASSWORD_SIGN_IN,
};
use crate::password::Hasher;
use crate::revocation::{Revocation, Revocations};
use crate::throttle::{LoginThrottle, ThrottleLimits};
use crate::validate::{
    avatar_color_for, validate_color, validate_display_name, validate_email, validate_password,
    validate_username,
};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// `last_seen_at` is refreshed at most this often, so reads don't turn into writes.
const TOUCH_EVERY_MS: i64 = 60_000;

#[derive(Clone)]
pub struct AuthService {
    db: Db,
    config: AuthConfig,
    hasher: Hasher,
    throttle: Arc<LoginThrottle>,
    /// Wrong guesses of a pad's, poll's or room's password, per client address.
    secret_throttle: Arc<LoginThrottle>,
    /// Renders asked for without an account (wiki preview, pad HTML export), per client address;
    /// None when unlimited.
    render_throttle: Option<Arc<LoginThrottle>>,
    /// Password reset links asked for (per name or address asked for, and per client address)
    /// and wrong reset tokens (per client address); see `reset.rs`.
    reset_throttle: Arc<LoginThrottle>,
    /// The instance's name: authenticator apps show it beside the code.
    instance_name: Arc<str>,
    csrf: CsrfKey,
    revocations: Revocations,
    /// OpenID Connect providers (`oidc.rs`); None without any.
    providers: Option<Arc<crate::oidc::Providers>>,
    /// The LDAP directory (`ldap.rs`); None without one.
    directory: Option<Arc<crate::ldap::Directory>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub invite: Option<String>,
}

/// A new session: the cookie value (shown once) and the user.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub user: User,
    pub session_token: String,
    pub csrf_token: String,
}

/// What the right password gives: a session, or, for an account with a second factor, a
/// challenge to answer with a code (`login_second_factor`).
pub enum LoginStep {
    Done(Box<LoginOutcome>),
    SecondFactor { challenge: String },
}

const USER_COLS: &str =
    "id, username, display_name, email, avatar_color, is_admin, disabled, created_at, totp_secret IS NOT NULL, email_verified_at IS NOT NULL, auth_source, language";
/// The same columns, qualified, for joins on `users u`.
const USER_COLS_U: &str =
    "u.id, u.username, u.display_name, u.email, u.avatar_color, u.is_admin, u.disabled, u.created_at, u.totp_secret IS NOT NULL, u.email_verified_at IS NOT NULL, u.auth_source, u.language";

fn user_from_row(r: &Row<'_>) -> nichoir_storage::SqlResult<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        email: r.get(3)?,
        avatar_color: r.get(4)?,
        is_admin: r.get::<_, i64>(5)? != 0,
        disabled: r.get::<_, i64>(6)? != 0,
        created_at: r.get(7)?,
        two_factor: r.get::<_, i64>(8)? != 0,
        email_verified: r.get::<_, i64>(9)? != 0,
        sign_in: r.get(10)?,
        language: r.get(11)?,
    })
}

impl AuthService {
    /// Loads (or creates on first start) the instance secret that keys CSRF tokens.
    pub async fn new(db: Db, config: AuthConfig) -> Result<AuthService, Error> {
        let secret = db
            .write(|tx| {
                let existing: Option<Vec<u8>> = tx
                    .query_row(
                        "SELECT value FROM instance_secrets WHERE name = 'csrf'",
                        [],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(s) = existing {
                    return Ok(s);
                }
                // Several nodes of a cluster starting at once on an empty database: the first
                // insert wins and every node reads that one.
                tx.execute(
                    "INSERT INTO instance_secrets (name, value) VALUES ('csrf', ?1)
                     ON CONFLICT (name) DO NOTHING",
                    [&random_token(32).into_bytes()],
                )?;
                Ok(tx.query_row(
                    "SELECT value FROM instance_secrets WHERE name = 'csrf'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await?;
        let limits = ThrottleLimits {
            per_account: config.login_failures_per_account as usize,
            per_ip: config.login_failures_per_ip as usize,
            window: std::time::Duration::from_secs(config.login_window_secs),
        };
        Ok(AuthService {
            db,
            hasher: Hasher::new(config.max_concurrent_hashes as usize),
            throttle: Arc::new(LoginThrottle::new(limits)),
            // Counted per address only (no account is given): a count per resource would let
            // anyone lock a pad's legitimate users out by guessing wrong on purpose.
            secret_throttle: Arc::new(LoginThrottle::new(limits)),
            render_throttle: None,
            reset_throttle: Arc::new(LoginThrottle::new(RESET_LIMITS)),
            instance_name: Arc::from("Nichoir"),
            csrf: CsrfKey::new(secret),
            config,
            revocations: Revocations::default(),
            providers: None,
            directory: None,
        })
    }

    /// Single sign-on: the OpenID Connect providers and the LDAP directory configured;
    /// `base_url` is the public URL providers send people back to.
    pub fn with_sso(
        mut self,
        oidc: &nichoir_core::config::OidcConfig,
        ldap: &nichoir_core::config::LdapConfig,
        base_url: &str,
    ) -> Result<Self, Error> {
        self.providers = if oidc.providers.is_empty() {
            None
        } else {
            Some(Arc::new(crate::oidc::Providers::new(oidc, base_url)?))
        };
        self.directory = if ldap.url.is_empty() {
            None
        } else {
            Some(Arc::new(crate::ldap::Directory::new(ldap)?))
        };
        Ok(self)
    }

    pub(crate) fn providers(&self) -> Option<&crate::oidc::Providers> {
        self.providers.as_deref()
    }

    pub(crate) fn directory(&self) -> Option<&crate::ldap::Directory> {
        self.directory.as_deref()
    }

    /// Whether people sign in with a directory's passwords on the login form.
    pub fn has_directory(&self) -> bool {
        self.directory.is_some()
    }

    /// Ok when `actor` may create a pad, poll or video room (`what`): guests only when
    /// `auth.guests_can_create`.
    pub fn may_create(&self, actor: &Actor, what: &str) -> Result<(), Error> {
        if self.config.guests_can_create || actor.as_user().is_some() {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "sign in to create {what} on this instance"
            )))
        }
    }

    /// The instance's name, for authenticator apps.
    pub fn with_instance_name(mut self, name: &str) -> Self {
        self.instance_name = Arc::from(name);
        self
    }

    pub(crate) fn instance_name(&self) -> &str {
        &self.instance_name
    }

    /// Limits renders without an account to `per_minute` per client address (0: no limit).
    pub fn with_anonymous_render_limit(mut self, per_minute: u64) -> Self {
        self.render_throttle = (per_minute > 0).then(|| {
            Arc::new(LoginThrottle::new(ThrottleLimits {
                per_account: per_minute as usize,
                per_ip: per_minute as usize,
                window: std::time::Duration::from_secs(60),
            }))
        });
        self
    }

    /// Counts one render for a caller without an account (none, or a guest) at `ip`; 429 with
    /// Retry-After past the limit. Signed-in people are not counted: their account answers for
    /// them, and many may share one address.
    pub fn throttle_anonymous_render(&self, actor: Option<&Actor>, ip: &str) -> Result<(), Error> {
        let Some(throttle) = &self.render_throttle else {
            return Ok(());
        };
        if actor.is_some_and(|a| a.as_user().is_some()) {
            return Ok(());
        }
        let now = Instant::now();
        if let Err(wait) = throttle.check("", ip, now) {
            return Err(Error::rate_limited(wait));
        }
        // The same counter as wrong passwords, counting every render instead of failures.
        throttle.record_failure("", ip, now);
        Ok(())
    }

    /// Hashes a secret other than an account password (a pad or poll password) the same way.
    pub async fn hash_secret(&self, secret: String) -> Result<String, Error> {
        self.hasher.hash(secret).await
    }

    pub async fn verify_secret(&self, secret: String, phc: String) -> Result<bool, Error> {
        self.hasher.verify(secret, Some(phc)).await
    }

    /// As [`verify_secret`](Self::verify_secret), for a password guarding a resource (a pad, a
    /// poll, a video room) given from client address `ip`: past `auth.login_failures_per_ip` wrong guesses in
    /// the login window, that address gets `rate_limited` (429 with Retry-After) before any
    /// check, as a login would.
    pub async fn verify_secret_from(
        &self,
        ip: &str,
        secret: String,
        phc: String,
    ) -> Result<bool, Error> {
        if let Err(wait) = self.secret_throttle.check("", ip, Instant::now()) {
            return Err(Error::rate_limited(wait));
        }
        let ok = self.hasher.verify(secret, Some(phc)).await?;
        if !ok {
            self.secret_throttle.record_failure("", ip, Instant::now());
        }
        Ok(ok)
    }

    /// In a cluster: what the throttles count (wrong passwords per account and address,
    /// wrong resource passwords, anonymous renders) is shared with the other nodes through
    /// `share(name, event)`, and counted here when `apply_shared_throttle` hears theirs.
    pub fn share_throttles(&self, share: Arc<dyn Fn(&'static str, String) + Send + Sync>) {
        for (name, throttle) in self.throttles() {
            let share = share.clone();
            throttle.share_with(Arc::new(move |event| share(name, event)));
        }
    }

    /// Counts what throttle `name` counted on another node.
    pub fn apply_shared_throttle(&self, name: &str, event: &str) {
        let Some(event) = crate::throttle::ThrottleEvent::parse(event) else {
            return;
        };
        for (n, throttle) in self.throttles() {
            if n == name {
                throttle.apply_shared(&event, Instant::now());
            }
        }
    }

    /// The throttles, by the name their events travel under.
    fn throttles(&self) -> Vec<(&'static str, &Arc<LoginThrottle>)> {
        let [login, secret, render, reset] = crate::THROTTLE_SIGNALS;
        let mut all = vec![
            (login, &self.throttle),
            (secret, &self.secret_throttle),
            (reset, &self.reset_throttle),
        ];
        if let Some(r) = &self.render_throttle {
            all.push((render, r));
        }
        all
    }

    /// Where the end of a session, token or account is announced (the realtime hub listens).
    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    pub fn csrf(&self) -> &CsrfKey {
        &self.csrf
    }

    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    // ---- users ----

    pub async fn create_user(&self, new: NewUser) -> Result<User, Error> {
        let username = validate_username(&new.username)?;
        validate_password(&new.password)?;
        let display_name = validate_display_name(&new.display_name)?;
        let email = match new.email.as_deref() {
            Some(e) => validate_email(e)?,
            None => None,
        };
        let hash = self.hasher.hash(new.password).await?;
        let now = now_ms();
        let user = User {
            id: new_id("u"),
            avatar_color: avatar_color_for(&username),
            username,
            display_name,
            email,
            is_admin: new.is_admin,
            disabled: false,
            created_at: now,
            two_factor: false,
            email_verified: false,
            sign_in: PASSWORD_SIGN_IN.into(),
            language: None,
        };
        let u = user.clone();
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO users (id, username, display_name, email, password_hash, avatar_color,
                        is_admin, disabled, created_at, password_changed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?8)",
                    params![u.id, u.username, u.display_name, u.email, hash, u.avatar_color, u.is_admin as i64, now],
                )?;
                Ok(())
            })
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::new(ErrorCode::UsernameTaken, "this username is taken")
                } else {
                    e.into()
                }
            })?;
        Ok(user)
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>, Error> {
        self.user_where("id", id).await
    }

    /// An actor for an enabled user on whose behalf an integration acts (a chat webhook posts as
    /// its creator): the integration's secret was checked by its owner crate.
    pub async fn actor_for_integration(&self, user_id: &str) -> Result<Option<Actor>, Error> {
        Ok(self
            .user_by_id(user_id)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| Actor::user(u, None)))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, Error> {
        self.user_where("username", username).await
    }

    pub async fn has_admin(&self) -> Result<bool, Error> {
        Ok(self
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT EXISTS(SELECT 1 FROM users WHERE is_admin = 1 AND disabled = 0)",
                    [],
                    |r| r.get::<_, i64>(0),
                )? == 1)
            })
            .await?)
    }

    pub async fn list_users(&self, _admin: &crate::Admin) -> Result<Vec<User>, Error> {
        Ok(self
            .db
            .read(|c| {
                let mut s = c.prepare(&format!(
                    "SELECT {USER_COLS} FROM users WHERE deleted_at IS NULL ORDER BY created_at"
                ))?;
                let rows = s.query_map([], user_from_row)?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }

    /// Admin changes to another account. An admin cannot demote or disable themself, so an
    /// instance never ends up with nobody able to administer it by accident.
    pub async fn admin_update_user(
        &self,
        admin: &crate::Admin,
        user_id: &str,
        is_admin: Option<bool>,
        disabled: Option<bool>,
    ) -> Result<User, Error> {
        if user_id == admin.user().id && (is_admin == Some(false) || disabled == Some(true)) {
            return Err(Error::new(
                ErrorCode::Conflict,
                "you cannot remove your own admin rights or disable yourself",
            ));
        }
        let id = user_id.to_string();
        let (user, was_admin) = self
            .db
            .write(move |tx| {
                // Read in the same transaction as the change, so the comparison is exact.
                let was_admin: Option<bool> = tx
                    .query_row("SELECT is_admin FROM users WHERE id = ?1", [&id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                let n = tx.execute(
                    "UPDATE users SET is_admin = COALESCE(?2, is_admin), disabled = COALESCE(?3, disabled)
                     WHERE id = ?1",
                    params![id, is_admin.map(i64::from), disabled.map(i64::from)],
                )?;
                if n == 0 {
                    return Err(Error::not_found("no such user").into());
                }
                if disabled == Some(true) {
                    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&id])?;
                    tx.execute("DELETE FROM api_tokens WHERE user_id = ?1", [&id])?;
                }
                let user = tx.query_row(
                    &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
                    [&id],
                    user_from_row,
                )?;
                Ok((user, was_admin))
            })
            .await?;
        if user.disabled {
            self.revocations
                .announce(Revocation::Account(user.id.clone()));
        } else if was_admin.is_some_and(|was| was != user.is_admin) {
            self.revocations
                .announce(Revocation::RightsChanged(user.id.clone()));
        }
        Ok(user)
    }

    pub async fn update_profile(
        &self,
        actor: &Actor,
        update: ProfileUpdate,
    ) -> Result<User, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let display_name = update
            .display_name
            .as_deref()
            .map(validate_display_name)
            .transpose()?;
        let email = update.email.as_deref().map(validate_email).transpose()?;
        let color = update
            .avatar_color
            .as_deref()
            .map(validate_color)
            .transpose()?;
        let language = match update.language.as_deref() {
            None => None,
            Some(l @ ("en" | "fr")) => Some(l.to_string()),
            Some(_) => return Err(Error::validation("language: \"en\" or \"fr\"")),
        };
        let id = user.id.clone();
        Ok(self
            .db
            .write(move |tx| {
                if let Some(d) = display_name {
                    tx.execute(
                        "UPDATE users SET display_name = ?2 WHERE id = ?1",
                        params![id, d],
                    )?;
                }
                if let Some(e) = email {
                    // A new address is unconfirmed until its link is opened (email.rs).
                    tx.execute(
                        "UPDATE users SET email_verified_at = CASE WHEN email = ?2 THEN email_verified_at ELSE NULL END,
                             email = ?2
                         WHERE id = ?1",
                        params![id, e],
                    )?;
                }
                if let Some(c) = color {
                    tx.execute(
                        "UPDATE users SET avatar_color = ?2 WHERE id = ?1",
                        params![id, c],
                    )?;
                }
                if let Some(l) = language {
                    tx.execute(
                        "UPDATE users SET language = ?2 WHERE id = ?1",
                        params![id, l],
                    )?;
                }
                Ok(tx.query_row(
                    &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
                    [&id],
                    user_from_row,
                )?)
            })
            .await?)
    }

    /// Changes the password and ends every other session of the user.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: String,
        new: String,
    ) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        if user.sign_in != PASSWORD_SIGN_IN {
            return Err(Error::conflict(
                "you sign in with your organisation's account: change your password there",
            ));
        }
        validate_password(&new)?;
        let id = user.id.clone();
        let stored = self.password_hash(&id).await?;
        if !self.hasher.verify(current, stored).await? {
            return Err(Error::new(
                ErrorCode::InvalidCredentials,
                "the current password is wrong",
            ));
        }
        let hash = self.hasher.hash(new).await?;
        let keep = actor.session_id().map(str::to_string);
        let (uid, except) = (id.clone(), keep.clone());
        self.db
            .write(move |tx| {
                tx.execute(
                    "UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1",
                    params![id, hash, now_ms()],
                )?;
                tx.execute(
                    "DELETE FROM sessions WHERE user_id = ?1 AND id IS DISTINCT FROM ?2",
                    params![id, keep],
                )?;
                Ok(())
            })
            .await?;
        self.revocations.announce(Revocation::SessionsOf {
            user_id: uid,
            except,
        });
        Ok(())
    }

    /// Sets a password without knowing the old one (the `admin` CLI).
    pub async fn set_password(&self, username: &str, new: String) -> Result<(), Error> {
        validate_password(&new)?;
        let hash = self.hasher.hash(new).await?;
        let username = username.to_string();
        self.db
            .write(move |tx| {
                let n = tx.execute(
                    "UPDATE users SET password_hash = ?2, password_changed_at = ?3
                     WHERE lower(username) = lower(?1)",
                    params![username, hash, now_ms()],
                )?;
                if n == 0 {
                    return Err(Error::not_found("no such user").into());
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Ok when `password` is `user_id`'s (re-authentication before a change of how one signs
    /// in).
    pub(crate) async fn check_password(
        &self,
        user_id: &str,
        password: String,
    ) -> Result<(), Error> {
        let stored = self.password_hash(user_id).await?;
        if self.hasher.verify(password, stored).await? {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::InvalidCredentials,
                "the password is wrong",
            ))
        }
    }

    async fn password_hash(&self, user_id: &str) -> Result<Option<String>, Error> {
        let id = user_id.to_string();
        Ok(self
            .db
            .read(move |c| {
                Ok(
                    c.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .optional()?,
                )
            })
            .await?)
    }

    // ---- login and sessions ----

    /// A login with no second step possible (an account with a second factor is refused: its
    /// sign-in goes through `login_step`).
    pub async fn login(
        &self,
        creds: Credentials,
        ip: &str,
        user_agent: &str,
    ) -> Result<LoginOutcome, Error> {
        match self.login_step(creds, ip, user_agent, None).await? {
            LoginStep::Done(out) => Ok(*out),
            LoginStep::SecondFactor { .. } => Err(Error::forbidden(
                "this account signs in with a second factor",
            )),
        }
    }

    /// The password step of a login; `device`: the token of a device remembered after a
    /// second step, which skips it.
    pub async fn login_step(
        &self,
        creds: Credentials,
        ip: &str,
        user_agent: &str,
        device: Option<&str>,
    ) -> Result<LoginStep, Error> {
        let name = creds.username.trim().to_string();
        if let Err(wait) = self.throttle.check(&name, ip, Instant::now()) {
            return Err(Error::rate_limited(wait));
        }
        // No username has control characters (and PostgreSQL refuses a NUL in text): the same
        // answer as any wrong name, on both engines.
        if name.chars().any(char::is_control) || name.chars().count() > 256 {
            self.throttle.record_failure(&name, ip, Instant::now());
            return Err(Error::new(
                ErrorCode::InvalidCredentials,
                "wrong username or password",
            ));
        }
        let lookup = name.clone();
        let found: Option<(User, String)> = self
            .db
            .read(move |c| {
                Ok(c.query_row(
                    &format!(
                        "SELECT {USER_COLS}, password_hash FROM users WHERE lower(username) = lower(?1)"
                    ),
                    [lookup],
                    |r| Ok((user_from_row(r)?, r.get::<_, String>(12)?)),
                )
                .optional()?)
            })
            .await?;
        let (user, stored) = match found {
            Some((u, h)) => (Some(u), Some(h)),
            None => (None, None),
        };
        // Nichoir's own password, for an account that has one (only admins' count under
        // `password_login = "admins"`); the hash is computed either way, so timing does not
        // tell which.
        let local = user.as_ref().is_some_and(|u| {
            u.sign_in == PASSWORD_SIGN_IN && self.config.password_login.allows(u.is_admin)
        });
        let password = creds.password;
        let ok = self
            .hasher
            .verify(password.clone(), stored.filter(|_| local))
            .await?;
        let refuse = |this: &Self| {
            this.throttle.record_failure(&name, ip, Instant::now());
            Error::new(ErrorCode::InvalidCredentials, "wrong username or password")
        };
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            // Not a local account's password: the directory's, when there is one. Its being
            // down is said as such, and counts as no failure.
            _ => match self.directory() {
                Some(directory) => match directory.authenticate(&name, &password).await? {
                    crate::ldap::DirectoryAnswer::Person(person) => {
                        let first = crate::external::FirstSignIn {
                            create_accounts: true,
                            link_by_email: false,
                        };
                        match self.external_account(person, first).await {
                            Ok(u) => u,
                            Err(e) if e.code == ErrorCode::SsoFailed => return Err(refuse(self)),
                            Err(e) => return Err(e),
                        }
                    }
                    crate::ldap::DirectoryAnswer::Refused => return Err(refuse(self)),
                },
                None => return Err(refuse(self)),
            },
        };
        if self.second_step_needed(&user, device).await? {
            // The password was right: its failures are forgotten, the code's are counted.
            self.throttle.record_success(&name);
            return self.new_challenge(&user.id).await;
        }
        self.throttle.record_success(&name);
        Ok(LoginStep::Done(Box::new(
            self.start_session(user, ip, user_agent).await?,
        )))
    }

    /// A fresh session id for this user (ids are never reused across logins: rotation).
    pub async fn start_session(
        &self,
        user: User,
        ip: &str,
        user_agent: &str,
    ) -> Result<LoginOutcome, Error> {
        self.start_session_from(user, "", ip, user_agent).await
    }

    /// A new session that remembers `source`, the provider it came through ("" for a password).
    pub(crate) async fn start_session_from(
        &self,
        user: User,
        source: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<LoginOutcome, Error> {
        let token = random_token(32);
        let now = now_ms();
        let expires = now + self.config.session_absolute_days as i64 * DAY_MS;
        let (id, hash, uid) = (new_id("s"), hash_token(&token), user.id.clone());
        let ua: String = user_agent.chars().take(256).collect();
        let (ip, source) = (ip.to_string(), source.to_string());
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip, source)
                     VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
                    params![id, hash, uid, now, expires, ua, ip, source],
                )?;
                // Sweep this user's dead sessions while we are here.
                tx.execute(
                    "DELETE FROM sessions WHERE user_id = ?1 AND expires_at < ?2",
                    params![uid, now],
                )?;
                Ok(())
            })
            .await?;
        Ok(LoginOutcome {
            csrf_token: self.csrf.token_for(&token),
            session_token: token,
            user,
        })
    }

    /// The actor behind a session cookie, if it is valid and neither idle nor expired.
    pub async fn resolve_session(&self, token: &str) -> Result<Option<Actor>, Error> {
        let hash = hash_token(token);
        let now = now_ms();
        let idle_ms = self.config.session_idle_hours as i64 * HOUR_MS;
        let found = self
            .db
            .read(move |c| {
                Ok(c.query_row(
                    &format!(
                        "SELECT {}, s.id, s.last_seen_at, s.expires_at FROM sessions s
                         JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
                        USER_COLS_U
                    ),
                    [hash],
                    |r| {
                        Ok((
                            user_from_row(r)?,
                            r.get::<_, String>(12)?,
                            r.get::<_, i64>(13)?,
                            r.get::<_, i64>(14)?,
                        ))
                    },
                )
                .optional()?)
            })
            .await?;
        let Some((user, sid, last_seen, expires)) = found else {
            return Ok(None);
        };
        if user.disabled || now >= expires || now - last_seen >= idle_ms {
            let sid2 = sid.clone();
            self.db
                .write(move |tx| {
                    tx.execute("DELETE FROM sessions WHERE id = ?1", [sid2])?;
                    Ok(())
                })
                .await?;
            self.revocations.announce(Revocation::Session(sid));
            return Ok(None);
        }
        if now - last_seen >= TOUCH_EVERY_MS {
            let sid2 = sid.clone();
            self.db
                .write(move |tx| {
                    tx.execute(
                        "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1",
                        params![sid2, now],
                    )?;
                    Ok(())
                })
                .await?;
        }
        Ok(Some(Actor::user(user, Some(sid))))
    }

    pub async fn list_sessions(&self, actor: &Actor) -> Result<Vec<SessionInfo>, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let (uid, current) = (user.id.clone(), actor.session_id().map(str::to_string));
        let now = now_ms();
        Ok(self
            .db
            .read(move |c| {
                let mut s = c.prepare(
                    "SELECT id, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions
                     WHERE user_id = ?1 AND expires_at > ?2 ORDER BY last_seen_at DESC",
                )?;
                let rows = s.query_map(params![uid, now], |r| {
                    let id: String = r.get(0)?;
                    Ok(SessionInfo {
                        current: current.as_deref() == Some(id.as_str()),
                        id,
                        created_at: r.get(1)?,
                        last_seen_at: r.get(2)?,
                        expires_at: r.get(3)?,
                        user_agent: r.get(4)?,
                        ip: r.get(5)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }

    pub async fn revoke_session(&self, actor: &Actor, session_id: &str) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        self.delete_one(
            "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
            session_id.into(),
            Some(user.id.clone()),
            "session",
        )
        .await?;
        self.revocations
            .announce(Revocation::Session(session_id.to_string()));
        Ok(())
    }

    pub async fn logout(&self, session_token: &str) -> Result<(), Error> {
        let hash = hash_token(session_token);
        let ended: Option<String> = self
            .db
            .write(move |tx| {
                Ok(tx
                    .query_row(
                        "DELETE FROM sessions WHERE token_hash = ?1 RETURNING id",
                        [hash],
                        |r| r.get(0),
                    )
                    .optional()?)
            })
            .await?;
        if let Some(id) = ended {
            self.revocations.announce(Revocation::Session(id));
        }
        Ok(())
    }

    pub async fn logout_everywhere(&self, actor: &Actor) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let uid = user.id.clone();
        self.db
            .write(move |tx| {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [uid])?;
                Ok(())
            })
            .await?;
        self.revocations.announce(Revocation::SessionsOf {
            user_id: user.id.clone(),
            except: None,
        });
        Ok(())
    }

    /// Deletes expired sessions of everyone (a periodic job).
    pub async fn sweep_sessions(&self) -> Result<usize, Error> {
        let now = now_ms();
        let idle = self.config.session_idle_hours as i64 * HOUR_MS;
        let ended: Vec<String> = self
            .db
            .write(move |tx| {
                let mut s = tx.prepare(
                    "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2 RETURNING id",
                )?;
                let ids = s.query_map(params![now, now - idle], |r| r.get(0))?;
                Ok(ids.collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        let n = ended.len();
        for id in ended {
            self.revocations.announce(Revocation::Session(id));
        }
        Ok(n)
    }

    // ---- API tokens ----

    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(String, TokenInfo), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::validation("token name: 1 to 64 characters"));
        }
        self.create_token_for(&user.id, name).await
    }

    /// Also used by `nichoir admin create-token`.
    pub async fn create_token_for(
        &self,
        user_id: &str,
        name: &str,
    ) -> Result<(String, TokenInfo), Error> {
        let token = format!("nch_{}", random_token(32));
        let info = TokenInfo {
            id: new_id("t"),
            name: name.to_string(),
            created_at: now_ms(),
            last_used_at: None,
        };
        let (i, hash, uid) = (info.clone(), hash_token(&token), user_id.to_string());
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![i.id, hash, uid, i.name, i.created_at],
                )?;
                Ok(())
            })
            .await?;
        Ok((token, info))
    }

    pub async fn resolve_token(&self, token: &str) -> Result<Option<Actor>, Error> {
        if !token.starts_with("nch_") {
            return Ok(None);
        }
        let hash = hash_token(token);
        let found = self
            .db
            .read(move |c| {
                Ok(c.query_row(
                    &format!(
                        "SELECT {}, t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
                         WHERE t.token_hash = ?1",
                        USER_COLS_U
                    ),
                    [hash],
                    |r| Ok((user_from_row(r)?, r.get::<_, String>(12)?, r.get::<_, Option<i64>>(13)?)),
                )
                .optional()?)
            })
            .await?;
        let Some((user, tid, last_used)) = found else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        let now = now_ms();
        if last_used.is_none_or(|t| now - t >= TOUCH_EVERY_MS) {
            let tid = tid.clone();
            self.db
                .write(move |tx| {
                    tx.execute(
                        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                        params![tid, now],
                    )?;
                    Ok(())
                })
                .await?;
        }
        Ok(Some(Actor::with_token(user, tid)))
    }

    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<TokenInfo>, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let uid = user.id.clone();
        Ok(self
            .db
            .read(move |c| {
                let mut s = c.prepare(
                    "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ?1 ORDER BY created_at",
                )?;
                let rows = s.query_map([uid], |r| {
                    Ok(TokenInfo {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        created_at: r.get(2)?,
                        last_used_at: r.get(3)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: &str) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        self.delete_one(
            "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2",
            token_id.into(),
            Some(user.id.clone()),
            "token",
        )
        .await?;
        self.revocations
            .announce(Revocation::Token(token_id.to_string()));
        Ok(())
    }

    // ---- invitations and registration ----

    pub async fn create_invite(
        &self,
        admin: &crate::Admin,
        ask: crate::NewInvite,
    ) -> Result<(String, InviteInfo), Error> {
        let hours = ask.valid_hours.unwrap_or(self.config.invite_valid_hours);
        if hours == 0 || hours > 24 * 365 {
            return Err(Error::validation("valid_hours: 1 to 8760"));
        }
        let label = ask.label.as_deref().unwrap_or("").trim().to_string();
        if label.chars().count() > 100 || label.chars().any(char::is_control) {
            return Err(Error::validation("label: at most 100 characters, one line"));
        }
        let email = match ask.email.as_deref() {
            Some(e) => validate_email(e)?,
            None => None,
        };
        let max_uses = ask.max_uses.unwrap_or(1);
        if !(1..=1000).contains(&max_uses) {
            return Err(Error::validation("max_uses: 1 to 1000"));
        }
        let token = random_token(24);
        let now = now_ms();
        let info = InviteInfo {
            id: new_id("i"),
            label,
            email,
            max_uses,
            uses: 0,
            used_by_name: None,
            created_at: now,
            expires_at: now + hours as i64 * HOUR_MS,
            used_at: None,
            used_by: None,
        };
        let (i, hash, by) = (info.clone(), hash_token(&token), admin.user().id.clone());
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO invites (id, token_hash, created_by, created_at, expires_at, label, email, max_uses)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![i.id, hash, by, i.created_at, i.expires_at, i.label, i.email, i64::from(i.max_uses)],
                )?;
                Ok(())
            })
            .await?;
        Ok((token, info))
    }

    pub async fn list_invites(&self, _admin: &crate::Admin) -> Result<Vec<InviteInfo>, Error> {
        Ok(self
            .db
            .read(|c| {
                let mut s = c.prepare(
                    "SELECT i.id, i.created_at, i.expires_at, i.used_at, i.used_by, i.label, i.email,
                            i.max_uses, i.uses, u.display_name
                     FROM invites i LEFT JOIN users u ON u.id = i.used_by ORDER BY i.created_at DESC",
                )?;
                let rows = s.query_map([], |r| {
                    Ok(InviteInfo {
                        id: r.get(0)?,
                        created_at: r.get(1)?,
                        expires_at: r.get(2)?,
                        used_at: r.get(3)?,
                        used_by: r.get(4)?,
                        label: r.get(5)?,
                        email: r.get(6)?,
                        max_uses: u32::try_from(r.get::<_, i64>(7)?).unwrap_or(1),
                        uses: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
                        used_by_name: r.get(9)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }

    pub async fn revoke_invite(&self, _admin: &crate::Admin, id: &str) -> Result<(), Error> {
        self.delete_one(
            "DELETE FROM invites WHERE id = ?1",
            id.into(),
            None,
            "invitation",
        )
        .await
    }

    /// The expiry of a usable invitation, or not_found.
    pub async fn check_invite(&self, token: &str) -> Result<i64, Error> {
        let hash = hash_token(token);
        let now = now_ms();
        let found: Option<i64> = self
            .db
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT expires_at FROM invites WHERE token_hash = ?1 AND uses < max_uses AND expires_at > ?2",
                    params![hash, now],
                    |r| r.get(0),
                )
                .optional()?)
            })
            .await?;
        found.ok_or_else(|| Error::not_found("this invitation is unknown, used or expired"))
    }

    /// Creates an account under the instance's registration policy.
    pub async fn register(
        &self,
        policy: Policy,
        reg: Registration,
        ip: &str,
        ua: &str,
    ) -> Result<LoginOutcome, Error> {
        if self.config.password_login != PasswordLogin::Everyone {
            return Err(Error::new(
                ErrorCode::RegistrationClosed,
                "accounts here come from the organisation's sign-in",
            ));
        }
        let invite_hash = match (policy, reg.invite.as_deref().filter(|s| !s.is_empty())) {
            (_, Some(invite)) => {
                self.check_invite(invite).await?;
                Some(hash_token(invite))
            }
            (Policy::Open, None) => None,
            (Policy::InviteOnly, None) => {
                return Err(Error::new(
                    ErrorCode::InviteRequired,
                    "an invitation is needed to register",
                ))
            }
            (Policy::Closed, None) => {
                return Err(Error::new(
                    ErrorCode::RegistrationClosed,
                    "registration is closed on this instance",
                ))
            }
        };
        let user = self
            .create_user(NewUser {
                username: reg.username,
                password: reg.password,
                display_name: reg.display_name,
                email: reg.email,
                is_admin: false,
            })
            .await?;
        if let Some(hash) = invite_hash {
            let (uid, now) = (user.id.clone(), now_ms());
            let used = self
                .db
                .write(move |tx| {
                    let n = tx.execute(
                        "UPDATE invites SET uses = uses + 1, used_at = ?2, used_by = ?3
                         WHERE token_hash = ?1 AND uses < max_uses AND expires_at > ?2",
                        params![hash, now, uid],
                    )?;
                    if n == 0 {
                        // Someone used the invite's last place a moment ago: undo this account.
                        tx.execute("DELETE FROM users WHERE id = ?1", [&uid])?;
                    } else {
                        // Mailed to this address: whoever registers with it has shown it is theirs.
                        tx.execute(
                            "UPDATE users SET email_verified_at = ?2 WHERE id = ?1
                             AND lower(email) = (SELECT lower(email) FROM invites WHERE token_hash = ?3)",
                            params![uid, now, hash],
                        )?;
                    }
                    Ok(n)
                })
                .await?;
            if used == 0 {
                return Err(Error::not_found(
                    "this invitation is unknown, used or expired",
                ));
            }
        }
        self.start_session(user, ip, ua).await
    }

    // ---- first admin ----

    /// When no admin exists, makes a new one-time setup token (replacing older ones) and returns it.
    pub async fn issue_setup_token(&self) -> Result<Option<String>, Error> {
        self.issue_setup_token_unless(None).await
    }

    /// As `issue_setup_token`, but none when one was issued less than `recent` ago: the nodes
    /// of a cluster start together, and the link the first one printed must stay valid.
    pub async fn issue_setup_token_unless(
        &self,
        recent: Option<std::time::Duration>,
    ) -> Result<Option<String>, Error> {
        if self.has_admin().await? {
            return Ok(None);
        }
        let token = random_token(24);
        let hash = hash_token(&token);
        let since = recent.map(|r| now_ms() - r.as_millis() as i64);
        let issued = self
            .db
            .write(move |tx| {
                if let Some(since) = since {
                    let fresh: i64 = tx.query_row(
                        "SELECT COUNT(*) FROM setup_tokens WHERE created_at > ?1",
                        [since],
                        |r| r.get(0),
                    )?;
                    if fresh > 0 {
                        return Ok(false);
                    }
                }
                tx.execute("DELETE FROM setup_tokens", [])?;
                tx.execute(
                    "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?1, ?2)",
                    params![hash, now_ms()],
                )?;
                Ok(true)
            })
            .await?;
        Ok(issued.then_some(token))
    }

    pub async fn complete_setup(
        &self,
        token: &str,
        reg: Registration,
        ip: &str,
        ua: &str,
    ) -> Result<LoginOutcome, Error> {
        let hash = hash_token(token);
        let valid = self
            .db
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT EXISTS(SELECT 1 FROM setup_tokens WHERE token_hash = ?1)",
                    [hash],
                    |r| r.get::<_, i64>(0),
                )? == 1)
            })
            .await?;
        if !valid || self.has_admin().await? {
            return Err(Error::forbidden(
                "this setup link is not valid (already used?)",
            ));
        }
        let user = self
            .create_user(NewUser {
                username: reg.username,
                password: reg.password,
                display_name: reg.display_name,
                email: reg.email,
                is_admin: true,
            })
            .await?;
        self.db
            .write(|tx| {
                tx.execute("DELETE FROM setup_tokens", [])?;
                Ok(())
            })
            .await?;
        self.start_session(user, ip, ua).await
    }

    // ---- guests ----

    /// The guest behind a guest cookie, or a new guest (with the new cookie value).
    pub async fn guest(&self, cookie: Option<&str>) -> Result<(Actor, Option<String>), Error> {
        if let Some(token) = cookie {
            let found = self.guest_by_token(token).await?;
            if let Some((guest, last_seen)) = found {
                let now = now_ms();
                if now - last_seen >= TOUCH_EVERY_MS {
                    let id = guest.id.clone();
                    self.db
                        .write(move |tx| {
                            tx.execute(
                                "UPDATE guests SET last_seen_at = ?2 WHERE id = ?1",
                                params![id, now],
                            )?;
                            Ok(())
                        })
                        .await?;
                }
                return Ok((Actor::guest(guest), None));
            }
        }
        let token = random_token(32);
        let id = new_id("g");
        let guest = Guest {
            display_name: format!("Guest {}", &id[2..6]),
            avatar_color: avatar_color_for(&id),
            id,
        };
        let (g, hash, now) = (guest.clone(), hash_token(&token), now_ms());
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO guests (id, token_hash, display_name, avatar_color, created_at, last_seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                    params![g.id, hash, g.display_name, g.avatar_color, now],
                )?;
                Ok(())
            })
            .await?;
        Ok((Actor::guest(guest), Some(token)))
    }

    /// Looks up an existing guest only (never creates one).
    pub async fn resolve_guest(&self, cookie: &str) -> Result<Option<Actor>, Error> {
        Ok(self
            .guest_by_token(cookie)
            .await?
            .map(|(g, _)| Actor::guest(g)))
    }

    pub async fn update_guest(&self, actor: &Actor, update: ProfileUpdate) -> Result<Guest, Error> {
        let Actor::Guest(g) = actor else {
            return Err(Error::bad_request(
                "signed-in users change their profile instead",
            ));
        };
        if update.email.is_some() {
            return Err(Error::validation("guests have no email"));
        }
        let mut guest = g.guest().clone();
        if let Some(d) = update.display_name.as_deref() {
            guest.display_name = validate_display_name(d)?;
        }
        if let Some(c) = update.avatar_color.as_deref() {
            guest.avatar_color = validate_color(c)?;
        }
        let g2 = guest.clone();
        self.db
            .write(move |tx| {
                tx.execute(
                    "UPDATE guests SET display_name = ?2, avatar_color = ?3 WHERE id = ?1",
                    params![g2.id, g2.display_name, g2.avatar_color],
                )?;
                Ok(())
            })
            .await?;
        Ok(guest)
    }

    /// Runs a DELETE that must hit exactly one row; none means not_found(`what`).
    async fn delete_one(
        &self,
        sql: &'static str,
        a: String,
        b: Option<String>,
        what: &'static str,
    ) -> Result<(), Error> {
        let n = self
            .db
            .write(move |tx| {
                Ok(match b {
                    Some(b) => tx.execute(sql, params![a, b])?,
                    None => tx.execute(sql, params![a])?,
                })
            })
            .await?;
        if n == 0 {
            return Err(Error::not_found(format!("no such {what}")));
        }
        Ok(())
    }

    /// One user by a unique column (`id` or `username`).
    async fn user_where(&self, column: &'static str, value: &str) -> Result<Option<User>, Error> {
        let value = value.to_string();
        Ok(self
            .db
            .read(move |c| {
                // Usernames compare without case (ASCII only, see validate.rs): lower() on both
                // engines, over an index on lower(username).
                let test = match column {
                    "username" => "lower(username) = lower(?1)",
                    _ => "id = ?1",
                };
                Ok(c.query_row(
                    &format!("SELECT {USER_COLS} FROM users WHERE {test}"),
                    [value],
                    user_from_row,
                )
                .optional()?)
            })
            .await?)
    }

    /// The guest behind a cookie token, with when it was last seen.
    async fn guest_by_token(&self, token: &str) -> Result<Option<(Guest, i64)>, Error> {
        let hash = hash_token(token);
        Ok(self
            .db
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT id, display_name, avatar_color, last_seen_at FROM guests WHERE token_hash = ?1",
                    [hash],
                    |r| {
                        Ok((
                            Guest { id: r.get(0)?, display_name: r.get(1)?, avatar_color: r.get(2)? },
                            r.get::<_, i64>(3)?,
                        ))
                    },
                )
                .optional()?)
            })
            .await?)
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    pub(crate) fn login_throttle(&self) -> &LoginThrottle {
        &self.throttle
    }

    pub(crate) fn reset_throttle(&self) -> &LoginThrottle {
        &self.reset_throttle
    }
}

/// Reset links: 3 an hour for one name or address (a person who asks again gets the newest),
/// 20 an hour from one client address, which also bounds wrong tokens.
const RESET_LIMITS: ThrottleLimits = ThrottleLimits {
    per_account: 3,
    per_ip: 20,
    window: std::time::Duration::from_secs(3600),
};
