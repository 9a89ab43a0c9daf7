//! Pads in a user's data export: the pads they created, as text, with their revision counts.

use std::sync::Arc;

use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::Error;

use crate::service::PadService;

pub struct PadExport {
    pub service: Arc<PadService>,
}

#[async_trait::async_trait]
impl ExportContributor for PadExport {
    fn folder(&self) -> &'static str {
        "pads"
    }

    async fn export_user(&self, user_id: &str) -> Result<Vec<ExportFile>, Error> {
        let mut files = Vec::new();
        let pads = self.service.list_all_for(user_id).await?;
        for p in pads.iter().filter(|p| p.owned) {
            let (text, _) = self.service.current_text(&p.id).await?;
            files.push(ExportFile {
                path: format!("{}.md", p.id),
                contents: text.into_bytes(),
            });
        }
        files.push(ExportFile::json("pads.json", &pads)?);
        Ok(files)
    }
}
