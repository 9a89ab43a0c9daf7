//! Deleting an account, the accounts' part: the person's data goes (name, address, password,
//! second factor, sessions, tokens, links) and the row stays as a tombstone named
//! "Deleted user", so that what they wrote with others keeps an author. Each tool then does its
//! part (`nichoir_core::departure`).

use nichoir_core::departure::DELETED_NAME;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};

use crate::revocation::Revocation;
use crate::store;
use crate::{Actor, Admin, AuthService};

/// A deleted account's username: frees the old one, and never collides (ids are unique).
pub fn tombstone_username(user_id: &str) -> String {
    format!("deleted-{}", user_id.trim_start_matches("u_"))
}

impl AuthService {
    /// The person deletes their own account, giving their password again. The last admin
    /// cannot leave the instance without one.
    pub async fn delete_own_account(&self, actor: &Actor, password: String) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        self.reauthenticate(actor, password).await?;
        if user.is_admin && self.other_admins(&user.id).await? == 0 {
            return Err(Error::new(
                ErrorCode::Conflict,
                "you are this instance's only admin: make someone else admin first",
            ));
        }
        self.erase_account(&user.id).await
    }

    /// An admin deletes an account (not their own: that is `delete_own_account`).
    pub async fn admin_delete_user(&self, admin: &Admin, user_id: &str) -> Result<(), Error> {
        if admin.user().id == user_id {
            return Err(Error::new(
                ErrorCode::Conflict,
                "delete your own account from your account page",
            ));
        }
        self.erase_account(user_id).await
    }

    async fn other_admins(&self, user_id: &str) -> Result<i64, Error> {
        let uid = user_id.to_string();
        Ok(self
            .db()
            .read(move |c| store::departure::other_admins(c, &uid))
            .await?)
    }

    /// Erases the account's own data and leaves its tombstone. Idempotent: an account deleted
    /// already is erased again (a deletion that stopped half-way is finished by running it
    /// again).
    async fn erase_account(&self, user_id: &str) -> Result<(), Error> {
        let uid = user_id.to_string();
        let now = now_ms();
        let found = self
            .db()
            .write(move |tx| {
                if !store::departure::user_exists(tx, &uid)? {
                    return Ok(false);
                }
                store::departure::tombstone(
                    tx,
                    &uid,
                    &tombstone_username(&uid),
                    DELETED_NAME,
                    now,
                )?;
                store::departure::delete_own_rows(tx, &uid)?;
                Ok(true)
            })
            .await?;
        if !found {
            return Err(Error::not_found("no such user"));
        }
        self.revocations()
            .announce(Revocation::Account(user_id.to_string()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::tombstone_username;

    #[test]
    fn a_tombstone_name_is_a_valid_unique_username() {
        let name = tombstone_username("u_AbC-12_x");
        assert_eq!(name, "deleted-AbC-12_x");
        assert!(crate::validate_username(&name).is_ok(), "{name}");
    }
}
