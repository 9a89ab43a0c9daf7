//! Admin moderation: the room a link names, and removing one for good.

use super::*;

impl VideoService {
    /// The room a moderation link names (`/video/{room}`): its id and title.
    pub async fn moderation_target(
        &self,
        path: &str,
    ) -> Result<Option<(String, String)>, nichoir_core::Error> {
        let Some(id) = nichoir_core::moderation::segments(path, "/video/")
            .filter(|s| s.len() == 1)
            .map(|s| s[0].to_string())
        else {
            return Ok(None);
        };
        let room = self.db.read(move |c| crate::store::get(c, &id)).await?;
        Ok(room.map(|r| (r.id, r.title)))
    }

    /// Removes a room for good, ending its call (admin moderation).
    pub async fn remove_as_admin(&self, id: &str) -> Result<(), nichoir_core::Error> {
        let room_id = id.to_string();
        self.db
            .write(move |c| crate::store::delete(c, &room_id))
            .await?;
        self.end_and_forget(id).await;
        Ok(())
    }
}
