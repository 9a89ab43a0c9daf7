//! Guests: people without an account, known by a cookie.

use nichoir_core::ids::{hash_token, new_id, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::Error;

use super::{AuthService, TOUCH_EVERY_MS};
use crate::actor::Actor;
use crate::model::{Guest, ProfileUpdate};
use crate::store;
use crate::validate::{avatar_color_for, validate_color, validate_display_name};

impl AuthService {
    /// The guest behind a guest cookie, or a new guest (with the new cookie value).
    pub async fn guest(&self, cookie: Option<&str>) -> Result<(Actor, Option<String>), Error> {
        if let Some(token) = cookie {
            let found = self.guest_by_token(token).await?;
            if let Some((guest, last_seen)) = found {
                let now = now_ms();
                if now - last_seen >= TOUCH_EVERY_MS {
                    let id = guest.id.clone();
                    self.db
                        .write(move |tx| store::touch_guest(tx, &id, now))
                        .await?;
                }
                return Ok((Actor::guest(guest), None));
            }
        }
        let token = random_token(32);
        let id = new_id("g");
        let guest = Guest {
            display_name: format!("Guest {}", &id[2..6]),
            avatar_color: avatar_color_for(&id),
            id,
        };
        let (g, hash, now) = (guest.clone(), hash_token(&token), now_ms());
        self.db
            .write(move |tx| store::insert_guest(tx, &g, &hash, now))
            .await?;
        Ok((Actor::guest(guest), Some(token)))
    }

    /// Looks up an existing guest only (never creates one).
    pub async fn resolve_guest(&self, cookie: &str) -> Result<Option<Actor>, Error> {
        Ok(self
            .guest_by_token(cookie)
            .await?
            .map(|(g, _)| Actor::guest(g)))
    }

    pub async fn update_guest(&self, actor: &Actor, update: ProfileUpdate) -> Result<Guest, Error> {
        let Actor::Guest(g) = actor else {
            return Err(Error::bad_request(
                "signed-in users change their profile instead",
            ));
        };
        if update.email.is_some() {
            return Err(Error::validation("guests have no email"));
        }
        let mut guest = g.guest().clone();
        if let Some(d) = update.display_name.as_deref() {
            guest.display_name = validate_display_name(d)?;
        }
        if let Some(c) = update.avatar_color.as_deref() {
            guest.avatar_color = validate_color(c)?;
        }
        let g2 = guest.clone();
        self.db
            .write(move |tx| store::update_guest(tx, &g2))
            .await?;
        Ok(guest)
    }

    /// The guest behind a cookie token, with when it was last seen.
    async fn guest_by_token(&self, token: &str) -> Result<Option<(Guest, i64)>, Error> {
        let hash = hash_token(token);
        Ok(self
            .db
            .read(move |c| store::guest_by_token(c, &hash))
            .await?)
    }
}
