//! Polls in a user's data export: each poll they created (as its admin sees it, with every row and
//! comment) and its answers as CSV.

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
        let list = self.service.list_for(user_id).await?;
        let mut files = Vec::new();
        for item in list.as_array().into_iter().flatten() {
            let token = item["admin_url"]
                .as_str()
                .and_then(|u| u.rsplit('/').next())
                .unwrap_or("");
            let Some(id) = item["poll"]["id"].as_str() else {
                continue;
            };
            let view: Value = serde_json::from_str(&self.service.admin_view(token).await?)
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
