//! Invitations and registration under the instance's policy.

use nichoir_core::config::{PasswordLogin, Registration as Policy};
use nichoir_core::ids::{hash_token, new_id, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode, Field, Rule};

use super::{AuthService, LoginOutcome, Registration, HOUR_MS};
use crate::model::{InviteInfo, NewUser};
use crate::store;
use crate::validate::validate_email;

impl AuthService {
    pub async fn create_invite(
        &self,
        admin: &crate::Admin,
        ask: crate::NewInvite,
    ) -> Result<(String, InviteInfo), Error> {
        let hours = ask.valid_hours.unwrap_or(self.config.invite_valid_hours);
        if hours == 0 || hours > 24 * 365 {
            return Err(Error::invalid(
                Field::ValidHours,
                Rule::OutOfRange { min: 1, max: 8760 },
            ));
        }
        let label = ask.label.as_deref().unwrap_or("").trim().to_string();
        if label.chars().count() > 100 || label.chars().any(char::is_control) {
            let rule = if label.chars().count() > 100 {
                Rule::TooLong { max: 100 }
            } else {
                Rule::ControlCharacters
            };
            return Err(Error::validation("label: at most 100 characters, one line")
                .with_invalid(Field::Label, rule));
        }
        let email = match ask.email.as_deref() {
            Some(e) => validate_email(e)?,
            None => None,
        };
        let max_uses = ask.max_uses.unwrap_or(1);
        if !(1..=1000).contains(&max_uses) {
            return Err(Error::invalid(
                Field::MaxUses,
                Rule::OutOfRange { min: 1, max: 1000 },
            ));
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
            .write(move |tx| store::insert_invite(tx, &i, &hash, &by))
            .await?;
        Ok((token, info))
    }

    pub async fn list_invites(&self, _admin: &crate::Admin) -> Result<Vec<InviteInfo>, Error> {
        Ok(self.db.read(store::invites).await?)
    }

    pub async fn revoke_invite(&self, _admin: &crate::Admin, id: &str) -> Result<(), Error> {
        let id = id.to_string();
        self.delete_one("invitation", move |tx| store::delete_invite(tx, &id))
            .await
    }

    /// The expiry of a usable invitation, or not_found.
    pub async fn check_invite(&self, token: &str) -> Result<i64, Error> {
        let hash = hash_token(token);
        let now = now_ms();
        let found: Option<i64> = self
            .db
            .read(move |c| store::usable_invite(c, &hash, now))
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
                    let n = store::use_invite(tx, &hash, now, &uid)?;
                    if n == 0 {
                        // Someone used the invite's last place a moment ago: undo this account.
                        store::delete_user(tx, &uid)?;
                    } else {
                        // Mailed to this address: whoever registers with it has shown it is theirs.
                        store::confirm_invited_email(tx, &uid, now, &hash)?;
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
}
