//! The account operations, one file per concept; their SQL is in `store.rs`. Every write goes
//! through the storage writer.

mod guests;
mod invites;
mod sessions;
mod setup;
mod tokens;
mod users;

use std::sync::Arc;
use std::time::Instant;

use nichoir_core::config::AuthConfig;
use nichoir_core::ids::random_token;
use nichoir_core::Error;
use nichoir_storage::{Connection, Db, SResult};
use serde::Deserialize;

use crate::actor::Actor;
use crate::csrf::CsrfKey;
use crate::model::User;
use crate::password::Hasher;
use crate::revocation::Revocations;
use crate::store;
use crate::throttle::{LoginThrottle, ThrottleLimits};

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

/// A login's password step.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// A new account asked for (`invite`: the invitation link's token).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/", optional_fields = nullable)]
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

impl AuthService {
    /// Loads (or creates on first start) the instance secret that keys CSRF tokens.
    pub async fn new(db: Db, config: AuthConfig) -> Result<AuthService, Error> {
        let fresh = random_token(32).into_bytes();
        let secret = db.write(move |tx| store::csrf_secret(tx, &fresh)).await?;
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

    /// Runs a DELETE that must hit exactly one row; none means not_found(`what`).
    async fn delete_one<F>(&self, what: &'static str, delete: F) -> Result<(), Error>
    where
        F: FnOnce(&Connection) -> SResult<usize> + Send + 'static,
    {
        let n = self.db.write(delete).await?;
        if n == 0 {
            return Err(Error::not_found(format!("no such {what}")));
        }
        Ok(())
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
