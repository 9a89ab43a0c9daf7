//! "Forgot my password": a link by e-mail that sets a new password once.
//!
//! Links go to confirmed addresses only (`email.rs`). The link carries a random token; only its hash is stored, with an expiry (one hour) and the
//! time it was used (once). Asking for a link answers the same whether or not an account matches
//! (no one learns who has an account), and is throttled per name or address asked for and per
//! client address. Using a link ends every session of the account: whoever knew the old password
//! is out.

use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_mail::Mail;

use crate::revocation::Revocation;
use crate::store;
use crate::validate::validate_password;
use crate::AuthService;

/// How long a reset link works.
pub const RESET_VALID_MS: i64 = 60 * 60 * 1000;

/// One account that a reset request matched: where the link goes, and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetFor {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
}

/// The mail that carries a reset link, in the asker's language (`fr`, else English).
pub fn reset_mail(lang: &str, instance: &str, to: &ResetFor, url: &str) -> Mail {
    let minutes = RESET_VALID_MS / 60_000;
    let (subject, body) = if lang.starts_with("fr") {
        (
            format!("[{instance}] Choisir un nouveau mot de passe"),
            format!(
                "Bonjour {name},\n\n\
                 Quelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte sur {instance}.\n\n\
                 Pour choisir un nouveau mot de passe, ouvrez ce lien dans les {minutes} minutes :\n{url}\n\n\
                 Le lien ne sert qu'une fois, et toutes vos sessions seront fermées.\n\
                 Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n",
                name = to.display_name,
            ),
        )
    } else {
        (
            format!("[{instance}] Choose a new password"),
            format!(
                "Hello {name},\n\n\
                 Someone (most likely you) asked to change the password of your account on {instance}.\n\n\
                 To choose a new password, open this link within {minutes} minutes:\n{url}\n\n\
                 The link works once, and all your sessions will be ended.\n\
                 If you did not ask, ignore this message: your password stays as it is.\n",
                name = to.display_name,
            ),
        )
    };
    Mail {
        to: to.email.clone(),
        subject,
        body,
    }
}

/// The same answer for any token that cannot be used, so that none says more than the others.
fn unusable() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "this link is invalid, expired or already used: ask for a new one",
    )
}

impl AuthService {
    /// The accounts that `login` (a username or an e-mail address) names and that can get a
    /// link, each with a fresh token (older links of theirs stop working). Counted against
    /// the reset throttle whatever the outcome; 429 past it.
    pub async fn request_password_reset(
        &self,
        login: &str,
        ip: &str,
    ) -> Result<Vec<(ResetFor, String)>, Error> {
        let login = login.trim().to_string();
        if login.is_empty() || login.chars().count() > 254 {
            return Err(Error::validation("give a username or an e-mail address"));
        }
        let throttle = self.reset_throttle();
        let now = std::time::Instant::now();
        if let Err(wait) = throttle.check(&login, ip, now) {
            return Err(Error::rate_limited(wait));
        }
        throttle.record_failure(&login, ip, now);
        let at = now_ms();
        // Only those who may sign in with a password of Nichoir's have one to reset.
        let policy = self.config().password_login;
        let (anyone, admins) = (policy.allows(false), policy.allows(true));
        let found = self
            .db()
            .write(move |tx| {
                let people = store::reset::reset_candidates(tx, &login, anyone, admins)?;
                let mut out = Vec::with_capacity(people.len());
                for p in people {
                    let token = random_token(32);
                    store::reset::delete_unused(tx, &p.user_id)?;
                    store::reset::insert(
                        tx,
                        &hash_token(&token),
                        &p.user_id,
                        at,
                        at + RESET_VALID_MS,
                    )?;
                    out.push((p, token));
                }
                Ok(out)
            })
            .await?;
        Ok(found)
    }

    /// Sets a new password with a reset link's token and ends every session of the account.
    /// A wrong token counts against the caller's address.
    pub async fn reset_password(&self, token: &str, new: String, ip: &str) -> Result<(), Error> {
        validate_password(&new)?;
        let throttle = self.reset_throttle();
        let now = std::time::Instant::now();
        if let Err(wait) = throttle.check("", ip, now) {
            return Err(Error::rate_limited(wait));
        }
        let hashed_token = hash_token(token.trim());
        let id = hashed_token.clone();
        let holder = self
            .db()
            .read(move |c| store::reset::holder(c, &id))
            .await?;
        let at = now_ms();
        let user_id = match holder {
            Some(h) if h.used_at.is_none() && h.disabled == 0 && h.expires_at > at => h.user_id,
            _ => {
                throttle.record_failure("", ip, now);
                return Err(unusable());
            }
        };
        let hash = self.hasher().hash(new).await?;
        let uid = user_id.clone();
        let used = self
            .db()
            .write(move |tx| {
                // Taken in the same transaction as the change: two uses of one link race here,
                // and only one sees it unused.
                if !store::reset::take(tx, &hashed_token, at)? {
                    return Ok(false);
                }
                store::set_password_hash(tx, &uid, &hash, at)?;
                store::reset::delete_unused(tx, &uid)?;
                store::delete_sessions_of(tx, &uid)?;
                Ok(true)
            })
            .await?;
        if !used {
            return Err(unusable());
        }
        self.revocations().announce(Revocation::SessionsOf {
            user_id,
            except: None,
        });
        Ok(())
    }

    /// Forgets reset links that can no longer be used (expired a day ago, or used).
    pub async fn prune_password_resets(&self) -> Result<(), Error> {
        let before = now_ms() - 24 * 60 * 60 * 1000;
        self.db()
            .write(move |tx| store::reset::delete_expired(tx, before))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ana() -> ResetFor {
        ResetFor {
            user_id: "u_1".into(),
            email: "ana@example.org".into(),
            display_name: "Ana".into(),
        }
    }

    #[test]
    fn the_mail_speaks_the_askers_language_and_carries_the_link() {
        let url = "https://nichoir.example/reset/abc";
        let fr = reset_mail("fr-FR", "Asso", &ana(), url);
        assert_eq!(fr.subject, "[Asso] Choisir un nouveau mot de passe");
        assert!(fr.body.contains(url) && fr.body.contains("Bonjour Ana"));
        assert!(fr.body.contains("60 minutes"));
        let en = reset_mail("en", "Asso", &ana(), url);
        assert_eq!(en.subject, "[Asso] Choose a new password");
        assert!(en.body.contains(url) && en.body.contains("Hello Ana"));
        assert_eq!(en.to, "ana@example.org");
        assert_eq!(reset_mail("de", "Asso", &ana(), url).subject, en.subject);
    }
}
