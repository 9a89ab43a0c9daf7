//! Pads in admin moderation: `/p/{id}` links; removal erases the pad as its creator's delete
//! does.

use std::sync::Arc;

use nichoir_core::moderation::{segments, Moderation, Target};
use nichoir_core::Error;

use crate::engine::{PadError, PadService};

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

    async fn remove(&self, target: &Target) -> Result<(), Error> {
        Ok(self.service.erase(&target.id).await?)
    }
}
