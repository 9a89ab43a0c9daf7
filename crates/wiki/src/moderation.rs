//! Wikis in admin moderation: a link to a wiki or to any of its pages names the whole wiki.

use std::sync::Arc;

use nichoir_core::moderation::{found, short_label, Found, Moderation, Target, SEARCH_LIMIT};
use nichoir_core::Error;

use crate::service::WikiService;

pub struct WikiModeration {
    pub service: Arc<WikiService>,
}

#[async_trait::async_trait]
impl Moderation for WikiModeration {
    async fn find(&self, path: &str) -> Result<Option<Target>, Error> {
        Ok(self
            .service
            .moderation_target(path)
            .await?
            .map(|(id, label)| Target {
                kind: "wiki",
                id: id.to_string(),
                label: short_label(&label),
            }))
    }

    async fn search(&self, pattern: &str) -> Result<Vec<Found>, Error> {
        let pattern = pattern.to_string();
        let rows = self
            .service
            .db
            .read(move |c| crate::store::moderation_search(c, &pattern, SEARCH_LIMIT))
            .await?;
        Ok(found("wiki", rows, |key| format!("/w/{key}")))
    }

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        let id = target
            .id
            .parse()
            .map_err(|_| Error::validation("not a wiki id"))?;
        self.service.remove_as_admin(id).await
    }
}
