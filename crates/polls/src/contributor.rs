//! Polls in a user's data export: each poll they created (as its admin sees it, with every row and
//! comment) and its answers as CSV; the list of those they created or answered.

use std::sync::Arc;

use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::Error;
use serde_json::Value;

use crate::service::PollService;

pub struct PollExport {
    pub service: Arc<PollService>,
}

#[async_trait::async_trait]
impl ExportContributor for PollExport {
    fn folder(&self) -> &'static str {
        "polls"
    }

    async fn export_user(&self, user_id: &str) -> Result<Vec<ExportFile>, Error> {
        let list = self.service.list_all_for(user_id).await?;
        let mut files = Vec::new();
        // Only what they created has an admin view to export; polls.json lists the rest too.
        for item in &list {
            let Some(token) = item.admin_url.as_deref().and_then(|u| u.rsplit('/').next()) else {
                continue;
            };
            let id = &item.poll.id;
            let view: Value = serde_json::from_str(self.service.admin_view(token).await?.as_str())
                .map_err(Error::internal)?;
            files.push(ExportFile::json(format!("{id}.json"), &view)?);
            let (_, csv) = self.service.csv(token).await?;
            files.push(ExportFile {
                path: format!("{id}.csv"),
                contents: csv,
            });
        }
        files.push(ExportFile::json("polls.json", &list)?);
        Ok(files)
    }
}
