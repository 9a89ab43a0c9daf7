//! Logins and sessions: the password step, starting, resolving and ending sessions.

use std::time::Instant;

use nichoir_core::ids::{hash_token, new_id, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};

use super::{AuthService, Credentials, LoginOutcome, LoginStep, DAY_MS, HOUR_MS, TOUCH_EVERY_MS};
use crate::actor::Actor;
use crate::model::{SessionInfo, User, PASSWORD_SIGN_IN};
use crate::revocation::Revocation;
use crate::store;

impl AuthService {
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
            .read(move |c| store::user_with_password(c, &lookup))
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
                store::insert_session(
                    tx,
                    &store::NewSession {
                        id: &id,
                        token_hash: &hash,
                        user_id: &uid,
                        now,
                        expires_at: expires,
                        user_agent: &ua,
                        ip: &ip,
                        source: &source,
                    },
                )?;
                // Sweep this user's dead sessions while we are here.
                store::delete_expired_sessions_of(tx, &uid, now)
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
            .read(move |c| store::session_by_token(c, &hash))
            .await?;
        let Some((user, sid, last_seen, expires)) = found else {
            return Ok(None);
        };
        if user.disabled || now >= expires || now - last_seen >= idle_ms {
            let sid2 = sid.clone();
            self.db
                .write(move |tx| store::delete_session(tx, &sid2))
                .await?;
            self.revocations.announce(Revocation::Session(sid));
            return Ok(None);
        }
        if now - last_seen >= TOUCH_EVERY_MS {
            let sid2 = sid.clone();
            self.db
                .write(move |tx| store::touch_session(tx, &sid2, now))
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
            .read(move |c| store::sessions_of(c, &uid, now, current.as_deref()))
            .await?)
    }

    pub async fn revoke_session(&self, actor: &Actor, session_id: &str) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let (id, uid) = (session_id.to_string(), user.id.clone());
        self.delete_one("session", move |tx| store::delete_session_of(tx, &id, &uid))
            .await?;
        self.revocations
            .announce(Revocation::Session(session_id.to_string()));
        Ok(())
    }

    pub async fn logout(&self, session_token: &str) -> Result<(), Error> {
        let hash = hash_token(session_token);
        let ended: Option<String> = self
            .db
            .write(move |tx| store::delete_session_by_token(tx, &hash))
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
            .write(move |tx| store::delete_sessions_of(tx, &uid))
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
            .write(move |tx| store::sweep_sessions(tx, now, now - idle))
            .await?;
        let n = ended.len();
        for id in ended {
            self.revocations.announce(Revocation::Session(id));
        }
        Ok(n)
    }
}
