//! Pads themselves: creating, finding, deleting, listing, recent visits.

use super::*;

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl PadService {
    pub async fn create(&self, actor: &Actor, name: Option<&str>) -> Result<PadInfo, PadError> {
        self.auth
            .may_create(actor, "pads")
            .map_err(PadError::Other)?;
        let id = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if valid_name(n) => n.to_string(),
            Some(_) => {
                return Err(PadError::Other(Error::validation(
                    "pad name: 1 to 64 letters, digits, '-' or '_'",
                )))
            }
            None => random_token(15),
        };
        let now = now_ms();
        let info = PadInfo {
            id,
            readonly_id: format!("r-{}", random_token(15)),
            owner_id: Some(actor.id().to_string()),
            rev: 0,
            created_at: now,
            updated_at: now,
            protected: false,
        };
        let i = info.clone();
        self.db
            .write(move |tx| store::insert_pad(tx, &i))
            .await
            .map_err(|e| {
                if nichoir_storage::is_unique_violation(&e) {
                    PadError::NameTaken
                } else {
                    e.into()
                }
            })?;
        Ok(info)
    }

    /// A pad by its id or its read-only id (deleted pads answer `Deleted`).
    pub async fn find(&self, id_or_readonly: &str) -> Result<(PadInfo, bool), PadError> {
        let key = id_or_readonly.to_string();
        let found = self
            .db
            .read(move |c| {
                if let Some(p) = store::pad_by(c, "id", &key)? {
                    return Ok(Some((p.0, p.1, false)));
                }
                Ok(store::pad_by(c, "readonly_id", &key)?.map(|p| (p.0, p.1, true)))
            })
            .await?;
        match found {
            None => Err(PadError::NotFound),
            Some((_, true, _)) => Err(PadError::Deleted),
            Some((info, false, readonly)) => Ok((info, readonly)),
        }
    }

    /// Marks the pad deleted (owner or instance admin), forgets it in memory, and tells editors.
    pub async fn delete(&self, pad_id: &str, actor: &Actor) -> Result<(), PadError> {
        let (info, readonly) = self.find(pad_id).await?;
        if readonly {
            return Err(PadError::Other(Error::forbidden(
                "a read-only link cannot delete",
            )));
        }
        let is_owner = info.owner_id.as_deref() == Some(actor.id());
        if !is_owner && actor.require_admin().is_err() {
            return Err(PadError::Other(Error::forbidden(
                "only the pad's creator or an admin can delete it",
            )));
        }
        self.erase(&info.id).await
    }

    /// Deletes a pad's content for good (its row stays, marked deleted, so the id is not reused
    /// by accident) and tells whoever has it open.
    pub(crate) async fn erase(&self, pad_id: &str) -> Result<(), PadError> {
        let (info, _) = self.find(pad_id).await?;
        if let Some(node) = owner::route(self, &info.id).await? {
            return owner::forward(self, node, owner::Call::Erase { pad: info.id })
                .await
                .map(|_| ());
        }
        self.erase_here(&info.id).await
    }

    /// `erase` on the node that owns the pad.
    pub(crate) async fn erase_here(&self, pad_id: &str) -> Result<(), PadError> {
        let (info, _) = self.find(pad_id).await?;
        let slot = self.slot(&info.id);
        let mut guard = slot.state.lock().await;
        let id = info.id.clone();
        self.db
            .write(move |tx| store::erase_pad(tx, &id, now_ms()))
            .await?;
        self.remove_images_of(&info.readonly_id).await;
        *guard = None;
        let ev = PadEvent::Deleted;
        self.hub
            .broadcast_event(&edit_topic(&info.id), None, &ev, None);
        self.hub
            .broadcast_event(&view_topic(&info.readonly_id), None, &ev, None);
        drop(guard);
        self.hub.reauthorize(&edit_topic(&info.id)).await;
        self.hub.reauthorize(&view_topic(&info.readonly_id)).await;
        Ok(())
    }

    /// Remembers that a signed-in user opened the pad ("recent pads").
    pub async fn record_visit(&self, user_id: &str, pad_id: &str) -> Result<(), PadError> {
        let (u, p) = (user_id.to_string(), pad_id.to_string());
        self.db
            .write(move |tx| store::record_visit(tx, &u, &p, now_ms()))
            .await?;
        Ok(())
    }

    /// Every live pad's id (Etherpad's listAllPads).
    pub async fn all_pad_ids(&self) -> Result<Vec<String>, PadError> {
        Ok(self.db.read(store::live_pad_ids).await?)
    }

    /// Pads a user created or opened, most recent first (the 200 latest).
    pub async fn list_for(&self, user_id: &str) -> Result<Vec<MyPad>, PadError> {
        self.list_up_to(user_id, 200).await
    }

    /// Every pad of `list_for`, however many (the data export must not stop at a page).
    pub async fn list_all_for(&self, user_id: &str) -> Result<Vec<MyPad>, PadError> {
        self.list_up_to(user_id, i64::MAX).await
    }

    async fn list_up_to(&self, user_id: &str, limit: i64) -> Result<Vec<MyPad>, PadError> {
        let u = user_id.to_string();
        Ok(self.db.read(move |c| store::pads_of(c, &u, limit)).await?)
    }
}
