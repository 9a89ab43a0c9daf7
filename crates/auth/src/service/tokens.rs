//! Personal API tokens.

use nichoir_core::ids::{hash_token, new_id, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::Error;

use super::{AuthService, TOUCH_EVERY_MS};
use crate::actor::Actor;
use crate::model::TokenInfo;
use crate::revocation::Revocation;
use crate::store;

impl AuthService {
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(String, TokenInfo), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::validation("token name: 1 to 64 characters"));
        }
        self.create_token_for(&user.id, name).await
    }

    /// Also used by `nichoir admin create-token`.
    pub async fn create_token_for(
        &self,
        user_id: &str,
        name: &str,
    ) -> Result<(String, TokenInfo), Error> {
        let token = format!("nch_{}", random_token(32));
        let info = TokenInfo {
            id: new_id("t"),
            name: name.to_string(),
            created_at: now_ms(),
            last_used_at: None,
        };
        let (i, hash, uid) = (info.clone(), hash_token(&token), user_id.to_string());
        self.db
            .write(move |tx| store::insert_token(tx, &i, &hash, &uid))
            .await?;
        Ok((token, info))
    }

    pub async fn resolve_token(&self, token: &str) -> Result<Option<Actor>, Error> {
        if !token.starts_with("nch_") {
            return Ok(None);
        }
        let hash = hash_token(token);
        let found = self
            .db
            .read(move |c| store::token_by_hash(c, &hash))
            .await?;
        let Some((user, tid, last_used)) = found else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        let now = now_ms();
        if last_used.is_none_or(|t| now - t >= TOUCH_EVERY_MS) {
            let tid = tid.clone();
            self.db
                .write(move |tx| store::touch_token(tx, &tid, now))
                .await?;
        }
        Ok(Some(Actor::with_token(user, tid)))
    }

    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<TokenInfo>, Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let uid = user.id.clone();
        Ok(self.db.read(move |c| store::tokens_of(c, &uid)).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: &str) -> Result<(), Error> {
        let user = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let (id, uid) = (token_id.to_string(), user.id.clone());
        self.delete_one("token", move |tx| store::delete_token_of(tx, &id, &uid))
            .await?;
        self.revocations
            .announce(Revocation::Token(token_id.to_string()));
        Ok(())
    }
}
