//! Pads in admin moderation: `/p/{id}` links; removal erases the pad as its creator's delete
//! does.

use std::sync::Arc;

use nichoir_core::moderation::{found, segments, Found, Moderation, Target, SEARCH_LIMIT};
use nichoir_core::Error;

use crate::service::{PadError, PadService};

pub struct PadModeration {
    pub service: Arc<PadService>,
}

#[async_trait::async_trait]
impl Moderation for PadModeration {
    async fn find(&self, path: &str) -> Result<Option<Target>, Error> {
        let Some(id) = segments(path, "/p/").filter(|s| s.len() == 1).map(|s| s[0]) else {
            return Ok(None);
        };
        match self.service.find(id).await {
            Ok((info, _)) => Ok(Some(Target {
                kind: "pad",
                label: info.id.clone(),
                id: info.id,
            })),
            Err(PadError::NotFound | PadError::Deleted) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn search(&self, pattern: &str) -> Result<Vec<Found>, Error> {
        let pattern = pattern.to_string();
        let rows = self
            .service
            .db()
            .read(move |c| crate::store::moderation_search(c, &pattern, SEARCH_LIMIT))
            .await?;
        Ok(found("pad", rows, |key| format!("/p/{key}")))
    }

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        Ok(self.service.erase(&target.id).await?)
    }
}
