//! Retention: a channel's own, and deleting what is past it with its files.

use super::*;

impl ChatService {
    /// A channel's own retention (team admins): days, or None for the instance's.
    pub async fn set_retention(
        &self,
        actor: &Actor,
        id: &str,
        days: Option<i64>,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(id, &me.id).await?;
        if !self.is_team_admin(&ch, &me.id).await? {
            return Err(forbidden("only team admins set a channel's retention"));
        }
        if days.is_some_and(|d| !(1..=36_500).contains(&d)) {
            return Err(Error::validation("days: 1 to 36500, or null"));
        }
        self.db
            .write(move |c| store::set_retention(c, &ch.id, days))
            .await?;
        Ok(())
    }

    /// Deletes the stored contents (and thumbnails) of files that no message uses any more.
    pub(crate) async fn drop_files(&self, shas: &[String]) {
        for key in shas
            .iter()
            .flat_map(|sha| [crate::files::file_key(sha), crate::files::thumb_key(sha)])
        {
            if let Err(e) = self.blobs.delete(&key).await {
                tracing::warn!(key, error = %e, "chat: a file's content was not deleted");
            }
        }
    }

    /// Deletes what is past its retention (channel's, else the instance's); returns how many.
    /// Found with a read, deleted [`RETENTION_CHUNK`] at a time: every other write of the
    /// instance (pad edits, messages) waits behind each write job, so none may be long.
    pub async fn apply_retention(&self) -> ChatResult<usize> {
        let days = self.retention_days as i64;
        let mut removed = 0;
        loop {
            let now = now_ms();
            let ids = self
                .db
                .read(move |c| store::expired_posts(c, now, days, RETENTION_CHUNK))
                .await?;
            let full = ids.len() == RETENTION_CHUNK;
            if ids.is_empty() {
                break;
            }
            let (n, shas) = self.db.write(move |c| store::delete_posts(c, &ids)).await?;
            removed += n;
            self.drop_files(&shas).await;
            // `n == 0`: someone deleted them meanwhile; stop rather than loop on a stale read.
            if !full || n == 0 {
                break;
            }
        }
        Ok(removed)
    }
}
