//! Admin moderation: the poll a link names, and removing one for good.

use super::*;

impl PollService {
    /// The poll a moderation link names (`/poll/{id}`, `/poll/admin/{token}`): its id and title.
    pub async fn moderation_target(&self, path: &str) -> Result<Option<(String, String)>, Error> {
        use nichoir_core::moderation::segments;
        let by_token = segments(path, "/poll/admin/").filter(|s| s.len() == 1);
        let by_id = segments(path, "/poll/").filter(|s| s.len() == 1 && s[0] != "admin");
        let (key, token) = match (by_token, by_id) {
            (Some(s), _) => (s[0].to_string(), true),
            (None, Some(s)) => (s[0].to_string(), false),
            _ => return Ok(None),
        };
        let row = self
            .db
            .read(move |c| {
                if token {
                    store::poll_by_admin_token(c, &key)
                } else {
                    store::poll(c, &key)
                }
            })
            .await?;
        Ok(row.map(|p| (p.id, p.settings.title)))
    }

    /// Removes a poll for good (admin moderation); its followers are told it is gone.
    pub async fn remove_as_admin(&self, poll_id: &str) -> Result<(), Error> {
        let id = poll_id.to_string();
        self.db.write(move |c| store::delete_poll(c, &id)).await?;
        self.changed(poll_id, None);
        self.hub.reauthorize(&topic(poll_id)).await;
        Ok(())
    }
}
