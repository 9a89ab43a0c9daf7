//! A deleted account: the rooms it created go.

use super::*;

impl VideoService {
    /// A deleted account (`nichoir_core::departure`): the rooms it created go (calls are never
    /// recorded: nothing else of it is kept).
    pub async fn forget_user(&self, user_id: &str) -> Result<(), nichoir_core::Error> {
        let u = user_id.to_string();
        self.db
            .write(move |c| crate::store::forget_user(c, &u))
            .await?;
        Ok(())
    }
}
