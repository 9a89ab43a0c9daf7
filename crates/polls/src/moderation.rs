//! Polls in admin moderation: `/poll/{id}` and `/poll/admin/{token}` links.

use std::sync::Arc;

use nichoir_core::moderation::{found, short_label, Found, Moderation, Target, SEARCH_LIMIT};
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

    async fn search(&self, pattern: &str) -> Result<Vec<Found>, Error> {
        let pattern = pattern.to_string();
        let rows = self
            .service
            .db()
            .read(move |c| crate::store::moderation_search(c, &pattern, SEARCH_LIMIT))
            .await?;
        Ok(found("poll", rows, |key| format!("/poll/{key}")))
    }

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        self.service.remove_as_admin(&target.id).await
    }
}
