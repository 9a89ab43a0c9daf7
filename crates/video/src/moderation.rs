//! Video in admin moderation: `/video/{room}` links.

use std::sync::Arc;

use nichoir_core::moderation::{found, short_label, Found, Moderation, Target, SEARCH_LIMIT};
use nichoir_core::Error;

use crate::service::VideoService;

pub struct VideoModeration {
    pub service: Arc<VideoService>,
}

#[async_trait::async_trait]
impl Moderation for VideoModeration {
    async fn find(&self, path: &str) -> Result<Option<Target>, Error> {
        Ok(self
            .service
            .moderation_target(path)
            .await?
            .map(|(id, title)| Target {
                kind: "video_room",
                label: short_label(if title.is_empty() { &id } else { &title }),
                id,
            }))
    }

    async fn search(&self, pattern: &str) -> Result<Vec<Found>, Error> {
        let pattern = pattern.to_string();
        let rows = self
            .service
            .db()
            .read(move |c| crate::store::moderation_search(c, &pattern, SEARCH_LIMIT))
            .await?;
        Ok(found("video_room", rows, |key| format!("/video/{key}")))
    }

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        self.service.remove_as_admin(&target.id).await
    }
}
