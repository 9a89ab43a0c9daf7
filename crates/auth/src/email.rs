//! Verified e-mail addresses: setting or changing an address sends a confirmation link; only a
//! confirmed address gets password reset links. The link carries a random token whose hash is
//! kept with the address it confirms (a later change makes it useless) for a day, once.

use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_mail::Mail;

use crate::store;
use crate::AuthService;

/// How long a confirmation link works.
const CONFIRM_VALID_MS: i64 = 24 * 60 * 60 * 1000;

/// The mail that carries a confirmation link, in `lang` (`fr`, else English).
pub fn confirmation_mail(lang: &str, instance: &str, name: &str, to: &str, url: &str) -> Mail {
    let (subject, body) = if lang.starts_with("fr") {
        (
            format!("[{instance}] Confirmez votre adresse e-mail"),
            format!(
                "Bonjour {name},\n\n\
                 Pour confirmer que cette adresse est bien la vôtre sur {instance}, ouvrez ce lien dans les 24 heures :\n{url}\n\n\
                 Une adresse confirmée vous permet de recevoir un lien si vous oubliez votre mot de passe.\n\
                 Si vous n'avez rien demandé, ignorez ce message.\n"
            ),
        )
    } else {
        (
            format!("[{instance}] Confirm your e-mail address"),
            format!(
                "Hello {name},\n\n\
                 To confirm that this address is yours on {instance}, open this link within 24 hours:\n{url}\n\n\
                 A confirmed address can receive a link if you forget your password.\n\
                 If you did not ask, ignore this message.\n"
            ),
        )
    };
    Mail {
        to: to.to_string(),
        subject,
        body,
    }
}

/// The mail that carries an invitation, in `lang` (`fr`, else English).
pub fn invite_mail(lang: &str, instance: &str, inviter: &str, to: &str, url: &str) -> Mail {
    let (subject, body) = if lang.starts_with("fr") {
        (
            format!("[{instance}] {inviter} vous invite"),
            format!(
                "Bonjour,\n\n\
                 {inviter} vous invite à créer votre compte sur {instance} : pads, sondages, messagerie, visio et wikis de votre organisation.\n\n\
                 Pour créer votre compte, ouvrez ce lien :\n{url}\n\n\
                 Si vous ne vous attendiez pas à cette invitation, ignorez ce message.\n"
            ),
        )
    } else {
        (
            format!("[{instance}] {inviter} invites you"),
            format!(
                "Hello,\n\n\
                 {inviter} invites you to create your account on {instance}: your organisation's pads, polls, chat, video calls and wikis.\n\n\
                 To create your account, open this link:\n{url}\n\n\
                 If you did not expect this invitation, ignore this message.\n"
            ),
        )
    };
    Mail {
        to: to.to_string(),
        subject,
        body,
    }
}

/// The admin page's test mail, in `lang` (`fr`, else English): `sender` asked for it.
pub fn test_mail(lang: &str, instance: &str, sender: &str, to: &str) -> Mail {
    let (subject, body) = if lang.starts_with("fr") {
        (
            format!("[{instance}] Courriel de test"),
            format!("Ce courriel de test a été envoyé par {sender} depuis la page d'administration de {instance}. S'il vous parvient, l'envoi de courriels fonctionne.\n"),
        )
    } else {
        (
            format!("[{instance}] Test mail"),
            format!("{sender} sent this test mail from the admin page of {instance}. If it reached you, mail works.\n"),
        )
    };
    Mail {
        to: to.to_string(),
        subject,
        body,
    }
}

impl AuthService {
    /// A new confirmation token for the account's address, if it is set and not confirmed yet:
    /// (address, token).
    pub async fn email_confirmation(
        &self,
        user_id: &str,
    ) -> Result<Option<(String, String)>, Error> {
        let uid = user_id.to_string();
        let now = now_ms();
        let token = random_token(32);
        let hash = hash_token(&token);
        let email: Option<String> = self
            .db()
            .write(move |tx| {
                let email = store::email::unconfirmed_email(tx, &uid)?;
                let Some(email) = email else { return Ok(None) };
                store::email::replace_confirmation(
                    tx,
                    &hash,
                    &uid,
                    &email,
                    now + CONFIRM_VALID_MS,
                )?;
                Ok(Some(email))
            })
            .await?;
        Ok(email.map(|e| (e, token)))
    }

    /// Confirms the address a link was sent to, if it is still the account's.
    pub async fn confirm_email(&self, token: &str) -> Result<(), Error> {
        let hash = hash_token(token.trim());
        let now = now_ms();
        let done = self
            .db()
            .write(move |tx| {
                let found = store::email::confirmation(tx, &hash, now)?;
                let Some((uid, email)) = found else {
                    return Ok(false);
                };
                store::email::delete_confirmation(tx, &hash)?;
                store::email::mark_confirmed(tx, &uid, &email, now)
            })
            .await?;
        if done {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::NotFound,
                "this link is invalid, expired or already used: ask for a new one from your account page",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::confirmation_mail;

    #[test]
    fn the_confirmation_mail_speaks_the_language_and_carries_the_link() {
        let fr = confirmation_mail(
            "fr",
            "Asso",
            "Ana",
            "a@example.org",
            "https://x/confirm-email#t",
        );
        assert_eq!(fr.subject, "[Asso] Confirmez votre adresse e-mail");
        assert!(fr.body.contains("https://x/confirm-email#t"));
        let en = confirmation_mail(
            "en",
            "Asso",
            "Ana",
            "a@example.org",
            "https://x/confirm-email#t",
        );
        assert_eq!(en.subject, "[Asso] Confirm your e-mail address");
        assert_eq!(en.to, "a@example.org");
    }
}
