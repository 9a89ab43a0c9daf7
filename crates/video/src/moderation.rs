//! Video in admin moderation: `/video/{room}` links.

use std::sync::Arc;

use nichoir_core::moderation::{short_label, Moderation, Target};
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

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        self.service.remove_as_admin(&target.id).await
    }
}
