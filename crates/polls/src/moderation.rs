//! Polls in admin moderation: `/poll/{id}` and `/poll/admin/{token}` links.

use std::sync::Arc;

use nichoir_core::moderation::{short_label, Moderation, Target};
use nichoir_core::Error;

use crate::service::PollService;

pub struct PollModeration {
    pub service: Arc<PollService>,
}

#[async_trait::async_trait]
impl Moderation for PollModeration {
    async fn find(&self, path: &str) -> Result<Option<Target>, Error> {
        Ok(self
            .service
            .moderation_target(path)
            .await?
            .map(|(id, title)| Target {
                kind: "poll",
                id,
                label: short_label(&title),
            }))
    }

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        self.service.remove_as_admin(&target.id).await
    }
}
