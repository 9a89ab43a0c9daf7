//! Accounts of people who sign in through an OpenID Connect provider (`oidc.rs`) or an LDAP
//! directory (`ldap.rs`): made or linked at their first sign-in, kept in step with what the
//! provider says at each one. Such an account has no password of Nichoir's (`'!'`, which no
//! password matches); what the provider names a person by, `(source, subject)`, is kept in
//! `user_identities`.

use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_storage::{Connection, StorageError};

use crate::model::{User, PASSWORD_SIGN_IN};
use crate::store;
use crate::validate::{avatar_color_for, validate_display_name, validate_email};
use crate::{Actor, AuthService, LoginOutcome};

/// How long after signing in through a provider an account without a password may do what
/// otherwise asks for the password again (delete itself).
pub const REAUTH_WINDOW_MS: i64 = 10 * 60_000;

/// A person as a provider or directory describes them, after it proved who they are.
#[derive(Debug, Clone)]
pub struct ExternalPerson {
    /// `"ldap"` or `"oidc:<provider id>"`.
    pub source: String,
    /// What the source names them by, for good (`sub`, `entryUUID`).
    pub subject: String,
    /// What they typed or are called there (LDAP re-authentication uses it).
    pub login: String,
    /// The username they would like here (made valid and unique).
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Whether the source vouches for the address (only then may it link or be confirmed).
    pub email_verified: bool,
    /// Some when the source decides who is an instance admin.
    pub is_admin: Option<bool>,
}

/// What a first sign-in may do.
#[derive(Debug, Clone, Copy)]
pub struct FirstSignIn {
    pub create_accounts: bool,
    pub link_by_email: bool,
}

/// A valid username made from what a provider calls someone: accents dropped, other signs
/// turned into `-`, cut to leave room for a number; `None` when nothing usable is left.
pub fn username_from(hint: &str) -> Option<String> {
    let hint = hint.split('@').next().unwrap_or(hint);
    let mut out = String::new();
    for c in hint.chars() {
        let folded = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => "A",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'Î' | 'Ï' | 'Í' | 'Ì' => "I",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'ø' => "o",
            'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' | 'Ø' => "O",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
            'ç' => "c",
            'Ç' => "C",
            'ñ' => "n",
            'Ñ' => "N",
            'œ' => "oe",
            'Œ' => "OE",
            'æ' => "ae",
            'Æ' => "AE",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        out.push_str(folded);
    }
    // Runs of signs become one, and the name starts and ends with a letter or digit.
    let mut squeezed = String::new();
    for c in out.chars() {
        let sign = !c.is_ascii_alphanumeric();
        if sign && (squeezed.is_empty() || squeezed.ends_with(['-', '.', '_'])) {
            continue;
        }
        squeezed.push(c);
    }
    let mut name: String = squeezed.chars().take(28).collect();
    while name.ends_with(['-', '.', '_']) {
        name.pop();
    }
    (name.len() >= 3).then_some(name)
}

/// The first of `base`, `base2`, `base3`… that no account has (deleted ones' names are freed).
fn free_username(c: &Connection, base: &str) -> Result<String, StorageError> {
    for n in 1..=1000 {
        let candidate = if n == 1 {
            base.to_string()
        } else {
            format!("{base}{n}")
        };
        if !store::external::username_taken(c, &candidate)? {
            return Ok(candidate);
        }
    }
    Err(Error::conflict("no free username is left for this name").into())
}

fn refused(message: &str) -> Error {
    Error::new(ErrorCode::SsoFailed, message)
}

impl AuthService {
    /// The account of a person a provider or directory vouched for: theirs if they signed in
    /// before, an existing one with their verified address when `first.link_by_email`, or a
    /// new one when `first.create_accounts`. Their name, address and admin status follow the
    /// source's at each sign-in.
    pub async fn external_account(
        &self,
        person: ExternalPerson,
        first: FirstSignIn,
    ) -> Result<User, Error> {
        let display = person
            .display_name
            .as_deref()
            .and_then(|d| validate_display_name(d).ok());
        let email = person
            .email
            .as_deref()
            .and_then(|e| validate_email(e).ok().flatten());
        let wanted = [
            person.username.as_deref(),
            Some(person.login.as_str()),
            email.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find_map(username_from)
        .unwrap_or_else(|| "member".to_string());
        let now = now_ms();
        let user_id = self
            .db()
            .write(move |tx| {
                let linked = store::external::linked_user(tx, &person.source, &person.subject)?;
                let id = match linked {
                    Some(id) => {
                        store::external::touch_identity(
                            tx,
                            &person.source,
                            &person.subject,
                            now,
                            &person.login,
                        )?;
                        id
                    }
                    None => {
                        let by_email: Option<String> = match (&email, first.link_by_email) {
                            (Some(e), true) if person.email_verified => {
                                store::external::user_by_verified_email(tx, e)?
                            }
                            _ => None,
                        };
                        let id = match by_email {
                            Some(id) => id,
                            None if first.create_accounts => {
                                let id = nichoir_core::ids::new_id("u");
                                let username = free_username(tx, &wanted)?;
                                let name = display.clone().unwrap_or_else(|| username.clone());
                                store::external::insert_external_user(
                                    tx,
                                    &id,
                                    &username,
                                    &name,
                                    &avatar_color_for(&username),
                                    now,
                                    &person.source,
                                )?;
                                id
                            }
                            None => return Err(refused(
                                "no account here is linked to yours: ask an admin of this instance",
                            )
                            .into()),
                        };
                        store::external::insert_identity(
                            tx,
                            &person.source,
                            &person.subject,
                            &id,
                            &person.login,
                            now,
                        )?;
                        id
                    }
                };
                let (disabled, deleted, source) = store::external::account_state(tx, &id)?;
                if disabled != 0 || deleted.is_some() {
                    return Err(refused("this account is disabled on this instance").into());
                }
                // An account that is the source's own follows it; one that only linked keeps
                // its name and address.
                if source == person.source {
                    if let Some(name) = &display {
                        store::set_display_name(tx, &id, name)?;
                    }
                    if let Some(e) = &email {
                        let verified = person.email_verified.then_some(now);
                        store::external::follow_email(tx, &id, e, verified)?;
                    }
                }
                if let Some(admin) = person.is_admin {
                    store::external::set_is_admin(tx, &id, admin)?;
                }
                Ok(id)
            })
            .await?;
        self.user_by_id(&user_id)
            .await?
            .ok_or_else(|| Error::not_found("no such user"))
    }

    /// A session for an account a provider vouched for; `source` is remembered for logging out
    /// at the provider too.
    pub async fn start_external_session(
        &self,
        user: User,
        source: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<LoginOutcome, Error> {
        self.start_session_from(user, source, ip, user_agent).await
    }

    /// The provider a session came through (`"oidc:<id>"`, `"ldap"`), `""` for a password.
    pub async fn session_source(&self, session_token: &str) -> Result<String, Error> {
        let hash = nichoir_core::ids::hash_token(session_token);
        Ok(self
            .db()
            .read(move |c| Ok(store::external::session_source(c, &hash)?.unwrap_or_default()))
            .await?)
    }

    /// Proof that the person at the keyboard is the account's owner before a change of how it
    /// signs in or its deletion: the password for an account that has one, the directory
    /// password for a directory account, a sign-in at the provider in the last minutes for the
    /// others (they have no password to give here).
    pub(crate) async fn reauthenticate(
        &self,
        actor: &Actor,
        password: String,
    ) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        if user.sign_in == PASSWORD_SIGN_IN {
            return self.check_password(&user.id, password).await;
        }
        if user.sign_in == crate::ldap::SOURCE {
            return self.check_directory_password(&user.id, password).await;
        }
        let sid = actor.session_id().map(str::to_string);
        let created: Option<i64> = self
            .db()
            .read(move |c| store::external::session_created_at(c, sid.as_deref()))
            .await?;
        match created {
            Some(at) if now_ms() - at < REAUTH_WINDOW_MS => Ok(()),
            _ => Err(Error::new(
                ErrorCode::ReauthenticationRequired,
                "sign in again with your organisation's account, then try again within 10 minutes",
            )),
        }
    }

    /// The login an account uses at `source` (what a directory knows it by).
    pub(crate) async fn external_login(
        &self,
        user_id: &str,
        source: &str,
    ) -> Result<Option<String>, Error> {
        let (uid, source) = (user_id.to_string(), source.to_string());
        Ok(self
            .db()
            .read(move |c| store::external::login_at(c, &uid, &source))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::username_from;
    use proptest::prelude::*;

    #[test]
    fn usernames_from_what_providers_say() {
        assert_eq!(username_from("alice").as_deref(), Some("alice"));
        assert_eq!(username_from("Zoé Lefèvre").as_deref(), Some("Zoe-Lefevre"));
        assert_eq!(
            username_from("jean.dupont@asso.fr").as_deref(),
            Some("jean.dupont")
        );
        assert_eq!(username_from("--Œdipe  ").as_deref(), Some("OEdipe"));
        assert_eq!(username_from("李"), None);
        assert_eq!(username_from("ab"), None);
        assert_eq!(username_from(&"x".repeat(80)).map(|u| u.len()), Some(28));
    }

    proptest! {
        /// Whatever a provider sends, what comes out is a valid username with room for a number.
        #[test]
        fn any_hint_gives_a_valid_username_or_none(hint in "\\PC{0,60}") {
            if let Some(name) = username_from(&hint) {
                prop_assert!(crate::validate_username(&name).is_ok(), "{name}");
                prop_assert!(name.len() <= 28);
            }
        }
    }
}
