//! A deleted account: its polls, rows and comments kept without it, or erased when asked.

use super::*;

impl PollService {
    /// A deleted account (`nichoir_core::departure`): the polls it created stay, without an
    /// owner and under "Deleted user"; its votes stay, anonymous; its comments stay, under
    /// "Deleted user".
    pub async fn forget_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        let touched: Vec<(String, i64)> = self
            .db
            .write(move |c| {
                crate::store::forget_user(
                    c,
                    &u,
                    nichoir_core::departure::DELETED_NAME,
                    nichoir_core::departure::ANONYMOUS_VOTER,
                    nichoir_core::time::now_ms(),
                )
            })
            .await?;
        for (poll_id, version) in touched {
            self.changed(&poll_id, Some(version));
        }
        Ok(())
    }

    /// Erases a deleted account's answers and comments (when asked and allowed).
    pub async fn erase_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        let touched = self
            .db
            .write(move |c| crate::store::erase_user(c, &u, nichoir_core::time::now_ms()))
            .await?;
        for (poll_id, version) in touched {
            self.changed(&poll_id, Some(version));
        }
        Ok(())
    }
}
