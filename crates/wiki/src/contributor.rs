//! Wikis in a user's data export: the whole export zip of every wiki they administer, and the
//! list of every revision they wrote anywhere.

use std::sync::Arc;

use crate::access::Role;
use crate::service::WikiService;
use crate::store;
use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::Error;

pub struct WikiExport {
    pub service: Arc<WikiService>,
}

#[async_trait::async_trait]
impl ExportContributor for WikiExport {
    fn folder(&self) -> &'static str {
        "wikis"
    }

    async fn export_user(&self, user_id: &str) -> Result<Vec<ExportFile>, Error> {
        let u = user_id.to_string();
        let (wikis, revisions) = self
            .service
            .db
            .read(move |c| {
                let wikis = store::wikis_of(c, &u)?;
                Ok((wikis, store::revisions_by(c, &u)?))
            })
            .await?;
        let mut files = Vec::new();
        for (wiki, role) in wikis {
            if role != Role::Admin {
                continue;
            }
            let slug = wiki.slug.clone();
            let zip = self.service.export_wiki(wiki).await?;
            files.push(ExportFile {
                path: format!("{slug}.zip"),
                contents: zip,
            });
        }
        files.push(ExportFile::json("my-revisions.json", &revisions)?);
        Ok(files)
    }
}
