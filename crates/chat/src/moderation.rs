//! Chat in admin moderation: message permalinks (`/chat/{team}/pl/{id}`), which remove the
//! message, and channel links (`/chat/{team}/{channel}`), which archive the channel.

use std::sync::Arc;

use nichoir_core::moderation::{found, short_label, Found, Moderation, Target, SEARCH_LIMIT};
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

    async fn search(&self, pattern: &str) -> Result<Vec<Found>, Error> {
        let pattern = pattern.to_string();
        let (channels, posts) = self
            .service
            .db
            .read(move |c| {
                Ok((
                    crate::store::moderation_channels(c, &pattern, SEARCH_LIMIT)?,
                    crate::store::moderation_posts(c, &pattern, SEARCH_LIMIT)?,
                ))
            })
            .await?;
        let link = |key: &str| format!("/chat/{key}");
        let mut out = found("chat_channel", channels, link);
        out.extend(found("chat_message", posts, link));
        Ok(out)
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
