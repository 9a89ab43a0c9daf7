//! The first admin: the one-time setup link and its use.

use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::Error;

use super::{AuthService, LoginOutcome, Registration};
use crate::model::NewUser;
use crate::store;

impl AuthService {
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
                    let fresh = store::setup_tokens_since(tx, since)?;
                    if fresh > 0 {
                        return Ok(false);
                    }
                }
                store::delete_setup_tokens(tx)?;
                store::insert_setup_token(tx, &hash, now_ms())?;
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
            .read(move |c| store::setup_token_exists(c, &hash))
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
        self.db.write(store::delete_setup_tokens).await?;
        self.start_session(user, ip, ua).await
    }
}
