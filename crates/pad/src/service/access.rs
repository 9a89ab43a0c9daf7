//! Pad passwords: opening a protected pad, setting its password, unlocking it.

use super::*;

impl PadService {
    /// A pad the actor may open: as `find`, and the password given if the pad has one (its
    /// creator and instance admins never need it).
    pub async fn open(
        &self,
        id_or_readonly: &str,
        actor: Option<&Actor>,
    ) -> Result<(PadInfo, bool), PadError> {
        let (info, readonly) = self.find(id_or_readonly).await?;
        // A group pad of Etherpad's API opens with a session of its group (its read-only link
        // is public, as in Etherpad).
        if let (Some(group), false) = (crate::etherpad::group_of(&info.id), readonly) {
            crate::etherpad::check_group_access(self, group, actor).await?;
        }
        if !info.protected {
            return Ok((info, readonly));
        }
        let Some(actor) = actor else {
            return Err(PadError::PasswordRequired);
        };
        if info.owner_id.as_deref() == Some(actor.id()) || actor.require_admin().is_ok() {
            return Ok((info, readonly));
        }
        let (pad, who) = (info.id.clone(), actor.id().to_string());
        let granted = self
            .db
            .read(move |c| store::has_grant(c, &pad, &who))
            .await?;
        if granted {
            Ok((info, readonly))
        } else {
            Err(PadError::PasswordRequired)
        }
    }

    /// Sets or removes (None) the pad's password: its creator or an admin.
    pub async fn set_password(
        &self,
        pad_id: &str,
        actor: &Actor,
        password: Option<String>,
    ) -> Result<(), PadError> {
        let (info, readonly) = self.find(pad_id).await?;
        let is_owner = info.owner_id.as_deref() == Some(actor.id());
        if readonly || (!is_owner && actor.require_admin().is_err()) {
            return Err(PadError::Other(Error::forbidden(
                "only the pad's creator or an admin can change its password",
            )));
        }
        let hash = match password {
            Some(p) if p.chars().count() < 4 || p.len() > 1024 => {
                return Err(PadError::Other(Error::validation(
                    "pad password: 4 to 1024 characters",
                )))
            }
            Some(p) => Some(self.auth.hash_secret(p).await?),
            None => None,
        };
        let id = info.id.clone();
        self.db
            .write(move |tx| store::set_password_hash(tx, &id, hash.as_deref()))
            .await?;
        // Whoever is in the pad without the new password leaves it now (its owner and admins
        // stay), and nothing they still had queued is applied.
        self.hub.reauthorize(&edit_topic(&info.id)).await;
        self.hub.reauthorize(&view_topic(&info.readonly_id)).await;
        Ok(())
    }

    /// Checks the pad's password and remembers that this actor gave it.
    /// `ip`: the client's address, whose wrong guesses are throttled.
    pub async fn unlock(
        &self,
        pad_id: &str,
        actor: &Actor,
        ip: &str,
        password: String,
    ) -> Result<(), PadError> {
        let (info, _) = self.find(pad_id).await?;
        let id = info.id.clone();
        let hash: Option<String> = self.db.read(move |c| store::password_hash(c, &id)).await?;
        let Some(hash) = hash else { return Ok(()) };
        if !self.auth.verify_secret_from(ip, password, hash).await? {
            return Err(PadError::Other(Error::forbidden("wrong pad password")));
        }
        let (pad, who) = (info.id, actor.id().to_string());
        self.db
            .write(move |tx| store::grant(tx, &pad, &who, now_ms()))
            .await?;
        Ok(())
    }
}
