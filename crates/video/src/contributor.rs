//! Video in a user's data export: the rooms they created (calls themselves are never recorded).

use std::sync::Arc;

use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::Error;

use crate::service::VideoService;

pub struct VideoExport {
    pub service: Arc<VideoService>,
}

#[async_trait::async_trait]
impl ExportContributor for VideoExport {
    fn folder(&self) -> &'static str {
        "video"
    }

    async fn export_user(&self, user_id: &str) -> Result<Vec<ExportFile>, Error> {
        let rooms = self.service.owned_by(user_id).await?;
        Ok(vec![ExportFile::json("rooms.json", &rooms)?])
    }
}
