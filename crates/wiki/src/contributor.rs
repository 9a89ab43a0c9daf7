//! Wikis in a user's data export: the whole export zip of every wiki they administer, and the
//! list of every revision they wrote anywhere.

use std::sync::Arc;

use crate::access::Role;
use crate::api::MyRevision;
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
                let mut st = c.prepare_cached(
                    "SELECT w.slug, p.name, r.rev, r.summary, r.kind, r.created_at FROM wiki_revisions r
                     JOIN wiki_pages p ON p.id = r.page_id JOIN wikis w ON w.id = p.wiki_id
                     WHERE r.author_id = ?1 ORDER BY r.created_at",
                )?;
                let rows = st.query_map([&u], |r| {
                    Ok(MyRevision {
                        wiki: r.get(0)?,
                        page: r.get(1)?,
                        rev: r.get(2)?,
                        summary: r.get(3)?,
                        kind: r.get(4)?,
                        created_at: r.get(5)?,
                    })
                })?;
                Ok((wikis, rows.collect::<Result<Vec<MyRevision>, _>>()?))
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
