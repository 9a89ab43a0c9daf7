//! Accounts: creation, lookup, profile, password, admin changes.

use nichoir_core::ids::new_id;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_storage::is_unique_violation;

use super::AuthService;
use crate::actor::Actor;
use crate::model::{NewUser, ProfileUpdate, User, PASSWORD_SIGN_IN};
use crate::revocation::Revocation;
use crate::store;
use crate::validate::{
    avatar_color_for, validate_color, validate_display_name, validate_email, validate_password,
    validate_username,
};

impl AuthService {
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
            .write(move |tx| store::insert_user(tx, &u, &hash, now))
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
        Ok(self.db.read(store::has_admin).await?)
    }

    pub async fn list_users(&self, _admin: &crate::Admin) -> Result<Vec<User>, Error> {
        Ok(self.db.read(store::users).await?)
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
                let was_admin = store::is_admin(tx, &id)?;
                let n = store::set_admin_flags(tx, &id, is_admin, disabled)?;
                if n == 0 {
                    return Err(Error::not_found("no such user").into());
                }
                if disabled == Some(true) {
                    store::delete_sessions_of(tx, &id)?;
                    store::delete_tokens_of(tx, &id)?;
                }
                let user = store::existing_user(tx, &id)?;
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
                    store::set_display_name(tx, &id, &d)?;
                }
                if let Some(e) = email {
                    store::set_email(tx, &id, e.as_deref())?;
                }
                if let Some(c) = color {
                    store::set_avatar_color(tx, &id, &c)?;
                }
                if let Some(l) = language {
                    store::set_language(tx, &id, &l)?;
                }
                store::existing_user(tx, &id)
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
                store::set_password_hash(tx, &id, &hash, now_ms())?;
                store::delete_other_sessions(tx, &id, keep.as_deref())
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
                let n = store::set_password_hash_by_username(tx, &username, &hash, now_ms())?;
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
        Ok(self.db.read(move |c| store::password_hash(c, &id)).await?)
    }

    /// One user by a unique column (`id` or `username`).
    async fn user_where(&self, column: &'static str, value: &str) -> Result<Option<User>, Error> {
        let value = value.to_string();
        Ok(self
            .db
            .read(move |c| match column {
                "username" => store::user_by_username(c, &value),
                _ => store::user(c, &value),
            })
            .await?)
    }
}
