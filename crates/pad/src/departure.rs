//! Pads when an account is deleted: the text stays with its authorship, under "Deleted user".

use std::sync::Arc;

use nichoir_core::departure::{DepartureContributor, DELETED_NAME};
use nichoir_core::Error;

use crate::service::PadService;

pub struct PadDeparture {
    pub service: Arc<PadService>,
}

#[async_trait::async_trait]
impl DepartureContributor for PadDeparture {
    fn tool(&self) -> &'static str {
        "pads"
    }

    async fn forget_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        self.service
            .db()
            .write(move |c| {
                crate::store::forget_user(c, &u, DELETED_NAME)?;
                crate::comments_store::forget_user(c, &u, DELETED_NAME)
            })
            .await?;
        // Clients read author names from the table, never from a loaded pad's memory (which
        // only remembers whom it stored already, and a deleted account edits no more).
        Ok(())
    }

    async fn erase_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        self.service
            .db()
            .write(move |c| {
                crate::store::erase_user_chat(c, &u)?;
                crate::comments_store::erase_user(c, &u)
            })
            .await?;
        Ok(())
    }
}
