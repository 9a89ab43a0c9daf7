//! Two-factor authentication: TOTP (RFC 6238, any authenticator app), recovery codes shown once
//! and stored hashed, and "remember this device" for 30 days.
//!
//! A person with TOTP on who logs in with the right password gets a challenge instead of a
//! session (`LoginStep::SecondFactor`); the session comes with a code from the app, or a recovery
//! code, for that challenge (`login_second_factor`). A code is accepted once: the last counter
//! used is kept, so a code seen over a shoulder cannot be replayed within its window. Wrong codes
//! count against the login throttle of the account and of the address, as wrong passwords do.

use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use serde::Serialize;
use totp_rs::{Builder, Secret, Totp};

use crate::service::{LoginOutcome, LoginStep};
use crate::store;
use crate::{Actor, Admin, AuthService};

/// How long the second step may wait after the password.
const CHALLENGE_MS: i64 = 5 * 60 * 1000;
/// Wrong codes one challenge takes before it is used up.
const CHALLENGE_ATTEMPTS: i64 = 5;
/// How long "remember this device" lasts.
pub const DEVICE_DAYS: i64 = 30;
const RECOVERY_CODES: usize = 10;

/// What the account page shows of a person's second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "auth/")]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: u32,
}

/// What enrolment shows once: the secret for an app, as text, link and QR code.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "auth/")]
pub struct TotpSetup {
    /// Base32, for typing into an app by hand.
    pub secret: String,
    pub otpauth_url: String,
    /// The `otpauth_url` as an SVG QR code, drawn here (no third-party service).
    pub qr_svg: String,
}

/// A session from the second step, and the device token when the person asked to be
/// remembered (the web layer puts it in a cookie).
pub struct SecondStep {
    pub outcome: LoginOutcome,
    pub device_token: Option<String>,
}

/// The TOTP of `secret` (base32) for `account` at `issuer`: SHA-1, 6 digits, 30 s, one step of
/// skew either way — what every authenticator app does.
fn totp(secret: &str, issuer: &str, account: &str) -> Result<Totp, Error> {
    let secret = Secret::try_from_base32(secret).map_err(Error::internal)?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(issuer.to_string()))
        .with_account_name(account.to_string())
        .build()
        .map_err(Error::internal)
}

/// The counter `code` matches at `unix_secs`, if it does and is newer than `last` (a code is
/// good once).
pub fn accept_code(t: &Totp, code: &str, unix_secs: u64, last: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    t.check(&code, unix_secs).filter(|&counter| counter > last)
}

/// A recovery code as people type it: lowercase, without spaces or dashes.
fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Ten codes like `k3f9-x2qa`: 40 random bits each, shown once.
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..8)
                .map(|_| {
                    ALPHABET[rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..ALPHABET.len())]
                        as char
                })
                .collect();
            format!(
                "{}-{}",
                chars[..4].iter().collect::<String>(),
                chars[4..].iter().collect::<String>()
            )
        })
        .collect()
}

/// What is stored of recovery codes: their hashes, as typed codes are normalised.
fn hashed_codes(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|c| hash_token(&normalise_recovery(c)))
        .collect()
}

fn qr_svg(url: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(Error::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

fn unix_secs() -> u64 {
    u64::try_from(now_ms() / 1000).unwrap_or(0)
}

fn wrong_code() -> Error {
    Error::new(ErrorCode::InvalidCredentials, "wrong code")
}

impl AuthService {
    /// Whether `user` (as just read at login) must give a second factor, unless `device` is a
    /// device they asked to be remembered on.
    pub(crate) async fn second_step_needed(
        &self,
        user: &crate::User,
        device: Option<&str>,
    ) -> Result<bool, Error> {
        if !user.two_factor {
            return Ok(false);
        }
        let Some(device) = device.map(hash_token) else {
            return Ok(true);
        };
        let uid = user.id.clone();
        let now = now_ms();
        Ok(self
            .db()
            .read(move |c| {
                let known = store::two_factor::trusted_device(c, &device, &uid, now)?;
                Ok(!known)
            })
            .await?)
    }

    /// A challenge for the second step of `user_id`'s login.
    pub(crate) async fn new_challenge(&self, user_id: &str) -> Result<LoginStep, Error> {
        let token = random_token(32);
        let (hash, uid, now) = (hash_token(&token), user_id.to_string(), now_ms());
        self.db()
            .write(move |tx| {
                store::two_factor::delete_expired_challenges(tx, now)?;
                store::two_factor::insert_challenge(tx, &hash, &uid, now + CHALLENGE_MS)
            })
            .await?;
        Ok(LoginStep::SecondFactor { challenge: token })
    }

    /// The second step: a code from the app (or a recovery code) for a challenge. Wrong codes
    /// count against the login throttle; a challenge takes five and lasts five minutes.
    pub async fn login_second_factor(
        &self,
        challenge: &str,
        code: &str,
        remember: bool,
        ip: &str,
        user_agent: &str,
    ) -> Result<SecondStep, Error> {
        let hash = hash_token(challenge.trim());
        let now = now_ms();
        let h = hash.clone();
        let found: Option<(String, String, String, i64)> = self
            .db()
            .read(move |c| store::two_factor::challenged_user(c, &h, now, CHALLENGE_ATTEMPTS))
            .await?;
        let Some((user_id, username, secret, last)) = found else {
            return Err(Error::new(
                ErrorCode::Unauthenticated,
                "this sign-in has expired: enter your password again",
            ));
        };
        if let Err(wait) = self
            .login_throttle()
            .check(&username, ip, std::time::Instant::now())
        {
            return Err(Error::rate_limited(wait));
        }
        let t = totp(&secret, &self.issuer(), &username)?;
        let counter = accept_code(&t, code, unix_secs(), u64::try_from(last).unwrap_or(0));
        let recovery = normalise_recovery(code);
        let uid = user_id.clone();
        let accepted = self
            .db()
            .write(move |tx| {
                // The counter or the recovery code is taken in the same transaction as the
                // challenge: two tabs racing with one code get one session.
                let ok = match counter {
                    Some(n) => store::two_factor::take_counter(tx, &uid, n as i64)?,
                    None if recovery.len() == 8 => {
                        store::two_factor::use_recovery_code(tx, &uid, &hash_token(&recovery), now)?
                    }
                    None => false,
                };
                if ok {
                    store::two_factor::delete_challenge(tx, &hash)?;
                } else {
                    store::two_factor::count_wrong_code(tx, &hash)?;
                }
                Ok(ok)
            })
            .await?;
        if !accepted {
            self.login_throttle()
                .record_failure(&username, ip, std::time::Instant::now());
            return Err(wrong_code());
        }
        self.login_throttle().record_success(&username);
        let user = self
            .user_by_id(&user_id)
            .await?
            .ok_or_else(|| Error::not_found("no such user"))?;
        let device_token = if remember {
            let token = random_token(32);
            let (h, uid) = (hash_token(&token), user_id.clone());
            self.db()
                .write(move |tx| {
                    store::two_factor::insert_trusted_device(
                        tx,
                        &h,
                        &uid,
                        now,
                        now + DEVICE_DAYS * 24 * 3600 * 1000,
                    )
                })
                .await?;
            Some(token)
        } else {
            None
        };
        let outcome = self.start_session(user, ip, user_agent).await?;
        Ok(SecondStep {
            outcome,
            device_token,
        })
    }

    pub async fn two_factor_status(&self, actor: &Actor) -> Result<TwoFactorStatus, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let uid = user.id.clone();
        let (enabled, left): (bool, i64) = self
            .db()
            .read(move |c| store::two_factor::status(c, &uid))
            .await?;
        Ok(TwoFactorStatus {
            enabled,
            recovery_codes_left: u32::try_from(left).unwrap_or(0),
        })
    }

    /// Starts enrolment (the password again, as for any change of how one signs in): a new
    /// secret, kept aside until a code from the app confirms it.
    pub async fn begin_totp(&self, actor: &Actor, password: String) -> Result<TotpSetup, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        if user.sign_in.starts_with(crate::oidc::SOURCE_PREFIX) {
            return Err(Error::conflict(
                "you sign in with your organisation's account: its second factor applies",
            ));
        }
        self.reauthenticate(actor, password).await?;
        if self.two_factor_status(actor).await?.enabled {
            return Err(Error::conflict(
                "two-factor authentication is on already: turn it off first",
            ));
        }
        // 160 random bits, as RFC 4226 recommends.
        let mut raw = [0u8; 20];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut raw);
        let secret = Secret::from(raw).to_base32();
        let t = totp(&secret, &self.issuer(), &user.username)?;
        let url = t.to_url().map_err(Error::internal)?;
        let (uid, s) = (user.id.clone(), secret.clone());
        self.db()
            .write(move |tx| store::two_factor::set_pending_secret(tx, &uid, &s))
            .await?;
        Ok(TotpSetup {
            qr_svg: qr_svg(&url)?,
            otpauth_url: url,
            secret,
        })
    }

    /// Ends enrolment with a code from the app; answers the recovery codes, shown this once.
    pub async fn enable_totp(&self, actor: &Actor, code: &str) -> Result<Vec<String>, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let uid = user.id.clone();
        let pending: Option<String> = self
            .db()
            .read(move |c| store::two_factor::pending_secret(c, &uid))
            .await?;
        let pending =
            pending.ok_or_else(|| Error::conflict("start again: no setup is under way"))?;
        let t = totp(&pending, &self.issuer(), &user.username)?;
        let counter = accept_code(&t, code, unix_secs(), 0).ok_or_else(wrong_code)?;
        let codes = new_recovery_codes();
        let hashes = hashed_codes(&codes);
        let uid = user.id.clone();
        self.db()
            .write(move |tx| {
                store::two_factor::enable_pending_secret(tx, &uid, counter as i64)?;
                store::two_factor::replace_recovery_codes(tx, &uid, &hashes)?;
                Ok(())
            })
            .await?;
        Ok(codes)
    }

    /// New recovery codes (the password again); the old ones stop working.
    pub async fn new_recovery_codes(
        &self,
        actor: &Actor,
        password: String,
    ) -> Result<Vec<String>, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        self.reauthenticate(actor, password).await?;
        if !self.two_factor_status(actor).await?.enabled {
            return Err(Error::conflict("two-factor authentication is off"));
        }
        let codes = new_recovery_codes();
        let hashes = hashed_codes(&codes);
        let uid = user.id.clone();
        self.db()
            .write(move |tx| store::two_factor::replace_recovery_codes(tx, &uid, &hashes))
            .await?;
        Ok(codes)
    }

    /// Turns the second factor off (the password again).
    pub async fn disable_totp(&self, actor: &Actor, password: String) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        self.reauthenticate(actor, password).await?;
        self.clear_two_factor(&user.id).await
    }

    /// An admin turns a member's second factor off (a lost phone and no recovery code).
    pub async fn admin_reset_two_factor(&self, _admin: &Admin, user_id: &str) -> Result<(), Error> {
        if self.user_by_id(user_id).await?.is_none() {
            return Err(Error::not_found("no such user"));
        }
        self.clear_two_factor(user_id).await
    }

    async fn clear_two_factor(&self, user_id: &str) -> Result<(), Error> {
        let uid = user_id.to_string();
        self.db()
            .write(move |tx| store::two_factor::clear(tx, &uid))
            .await
            .map_err(Error::from)
    }

    /// Whether `user` must set up a second factor before anything else
    /// (`auth.require_two_factor`).
    pub fn must_set_up_two_factor(&self, user: &crate::User) -> bool {
        // A provider's accounts sign in there, with its second factor: none is asked here.
        self.config().require_two_factor.applies_to(user.is_admin)
            && !user.two_factor
            && !user.sign_in.starts_with(crate::oidc::SOURCE_PREFIX)
    }

    /// The name apps show beside the code: the instance's.
    fn issuer(&self) -> String {
        self.instance_name().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    #[test]
    fn a_code_works_in_its_window_once_and_only_newer_ones_after() {
        let t = totp(SECRET, "Asso", "ana").expect("a totp");
        let now = 1_780_000_000;
        let code = t.generate(now).to_string();
        let counter = accept_code(&t, &code, now, 0).expect("accepted");
        assert_eq!(counter, now / 30);
        assert_eq!(accept_code(&t, &code, now, counter), None, "replayed");
        assert!(
            accept_code(&t, &code, now + 30, 0).is_some(),
            "one step late"
        );
        assert_eq!(accept_code(&t, &code, now + 90, 0), None, "too late");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(
            accept_code(&t, &spaced, now, 0).is_some(),
            "as apps show it"
        );
        for wrong in ["", "12345", "abcdef", "1234567", "000000 "] {
            if wrong.trim() != code {
                assert_eq!(accept_code(&t, wrong, now, 0), None, "{wrong:?}");
            }
        }
    }

    #[test]
    fn recovery_codes_are_ten_distinct_readable_codes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 9, "{c}");
            assert_eq!(normalise_recovery(c).len(), 8);
            assert_eq!(
                normalise_recovery(&c.to_uppercase().replace('-', " ")),
                normalise_recovery(c)
            );
        }
    }

    #[test]
    fn the_qr_code_is_an_svg_of_the_link() {
        let t = totp(SECRET, "Asso", "ana").expect("a totp");
        let url = t.to_url().expect("a url");
        assert!(url.starts_with("otpauth://totp/Asso:ana?"), "{url}");
        let svg = qr_svg(&url).expect("svg");
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
