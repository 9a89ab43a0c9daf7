//! Chat in admin moderation: message permalinks (`/chat/{team}/pl/{id}`), which remove the
//! message, and channel links (`/chat/{team}/{channel}`), which archive the channel.

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
        if let Some((id, text)) = self.service.moderation_target(path).await? {
            return Ok(Some(Target {
                kind: "chat_message",
                id: id.to_string(),
                label: short_label(&text),
            }));
        }
        Ok(self
            .service
            .moderation_channel(path)
            .await?
            .map(|(id, name)| Target {
                kind: "chat_channel",
                id,
                label: short_label(&name),
            }))
    }

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        if target.kind == "chat_channel" {
            return self.service.archive_channel_as_admin(&target.id).await;
        }
        let id = target
            .id
            .parse()
            .map_err(|_| Error::validation("not a message id"))?;
        self.service.remove_post_as_admin(id).await
    }
}
