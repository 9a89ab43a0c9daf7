//! Chat in admin moderation: message permalinks (`/chat/{team}/pl/{id}`).

use std::sync::Arc;

use nichoir_core::moderation::{short_label, Moderation, Target};
use nichoir_core::Error;

use crate::service::ChatService;

pub struct ChatModeration {
    pub service: Arc<ChatService>,
}

#[async_trait::async_trait]
impl Moderation for ChatModeration {
    async fn find(&self, path: &str) -> Result<Option<Target>, Error> {
        Ok(self
            .service
            .moderation_target(path)
            .await?
            .map(|(id, text)| Target {
                kind: "chat_message",
                id: id.to_string(),
                label: short_label(&text),
            }))
    }

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        let id = target
            .id
            .parse()
            .map_err(|_| Error::validation("not a message id"))?;
        self.service.remove_post_as_admin(id).await
    }
}
