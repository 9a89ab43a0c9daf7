//! Attachments of a wiki: uploaded by its editors, checked (size, name, content against the
//! declared type; no SVG or HTML, which could carry scripts), stored content-addressed as
//! `wiki/<wiki id>/<sha256>` among the uploads (`nichoir_storage::Blobs`), served with the
//! wiki's read rights.

use crate::api::WikiFile;
use crate::files_store;
use crate::service::{WikiError, WikiResult, WikiService};
use nichoir_auth::Actor;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_wikitext::names::validate_file_name;

pub use nichoir_core::upload::check_content;

/// The wikis' part of the storage quotas: the attachments each person uploaded.
pub fn usage(db: nichoir_storage::Db) -> nichoir_storage::StoredUsage {
    nichoir_storage::StoredUsage::new(
        db,
        "wikis",
        files_store::file_bytes_of,
        files_store::file_bytes_by_user,
    )
}

/// Path-segment escaping: everything but unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn file_url(slug: &str, name: &str) -> String {
    format!(
        "/w/{slug}/_files/{}",
        percent_encoding::utf8_percent_encode(name, SEGMENT)
    )
}

fn file_answer(
    slug: &str,
    name: String,
    content_type: String,
    size: i64,
    created_at: i64,
) -> WikiFile {
    WikiFile {
        url: file_url(slug, &name),
        name,
        content_type,
        size,
        created_at,
    }
}

/// Where a wiki's attachments are among the uploads.
fn wiki_prefix(wiki_id: i64) -> String {
    format!("wiki/{wiki_id}")
}

fn file_key(wiki_id: i64, sha: &str) -> String {
    format!("{}/{sha}", wiki_prefix(wiki_id))
}

impl WikiService {
    pub async fn upload(
        &self,
        slug: &str,
        actor: &Actor,
        name: &str,
        declared: &str,
        bytes: Vec<u8>,
    ) -> WikiResult<WikiFile> {
        let name = validate_file_name(name)?;
        let (sight, _) = self.load(slug, None, Some(actor)).await?;
        if !sight.can_edit(&Default::default()) {
            return Err(WikiError::CannotEdit);
        }
        let wiki = sight.wiki();
        if bytes.len() as u64 > self.max_file_bytes {
            return Err(WikiError::Other(Error::new(
                ErrorCode::PayloadTooLarge,
                format!("a file holds at most {} bytes", self.max_file_bytes),
            )));
        }
        let content_type = check_content(declared, &bytes)?;
        // A photo is kept without its metadata (where it was taken), upright; off the runtime.
        let bytes = if content_type.starts_with("image/") {
            let (ct, max) = (content_type.clone(), self.max_image_pixels);
            tokio::task::spawn_blocking(move || nichoir_core::upload::clean_image(&ct, bytes, max))
                .await
                .map_err(Error::internal)??
        } else {
            bytes
        };
        self.quotas.check(actor.id(), bytes.len() as u64).await?;
        let size = bytes.len() as i64;
        let sha = self.store_bytes(wiki.id, bytes).await?;
        let (wid, n, ct, uid, now) = (
            wiki.id,
            name.clone(),
            content_type.clone(),
            actor.id().to_string(),
            now_ms(),
        );
        self.db
            .write(move |c| {
                files_store::insert_file_row(
                    c,
                    &files_store::FileRow {
                        wiki_id: wid,
                        name: &n,
                        content_type: &ct,
                        size,
                        sha256: &sha,
                        uploaded_by: &uid,
                        now,
                    },
                )
            })
            .await?;
        Ok(file_answer(&wiki.slug, name, content_type, size, now))
    }

    /// Stores checked bytes (content-addressed: `wiki/<id>/<sha256>`) and answers the hash.
    pub(crate) async fn store_bytes(&self, wiki_id: i64, bytes: Vec<u8>) -> WikiResult<String> {
        Ok(self
            .blobs
            .put(&wiki_prefix(wiki_id), bytes)
            .await
            .map_err(Error::internal)?)
    }

    pub async fn files(&self, slug: &str, actor: Option<&Actor>) -> WikiResult<Vec<WikiFile>> {
        // Attachments belong to the wiki, not to a page: the wiki's read decision covers them.
        let (sight, _) = self.load(slug, None, actor).await?;
        let wiki = sight.wiki();
        let wid = wiki.id;
        let rows: Vec<(String, String, i64, i64)> =
            self.db.read(move |c| files_store::files(c, wid)).await?;
        Ok(rows
            .into_iter()
            .map(|(n, t, s, at)| file_answer(&wiki.slug, n, t, s, at))
            .collect())
    }

    /// The file's bytes and type, if the asker may read the wiki.
    pub async fn file(
        &self,
        slug: &str,
        name: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<(String, Vec<u8>)> {
        let (sight, _) = self.load(slug, None, actor).await?;
        let wiki = sight.wiki();
        let (wid, n) = (wiki.id, name.to_string());
        let row: Option<(String, String)> =
            self.db.read(move |c| files_store::file(c, wid, &n)).await?;
        let (content_type, sha) =
            row.ok_or_else(|| Error::not_found("no such file in this wiki"))?;
        let bytes = self
            .blobs
            .get(&file_key(wiki.id, &sha))
            .await
            .map_err(Error::internal)?
            .ok_or_else(|| Error::not_found("the file is missing from the server"))?;
        Ok((content_type, bytes))
    }

    pub async fn delete_file(&self, slug: &str, name: &str, actor: &Actor) -> WikiResult<()> {
        let (sight, _) = self.load(slug, None, Some(actor)).await?;
        if !sight.can_edit(&Default::default()) {
            return Err(WikiError::CannotEdit);
        }
        let wiki = sight.wiki();
        let (wid, n) = (wiki.id, name.to_string());
        let orphan: Option<String> = self
            .db
            .write(move |c| {
                let sha = files_store::file_sha(c, wid, &n)?;
                let Some(sha) = sha else {
                    return Err(Error::not_found("no such file in this wiki").into());
                };
                files_store::delete_file(c, wid, &n)?;
                let still = files_store::sha_uses(c, wid, &sha)?;
                Ok((still == 0).then_some(sha))
            })
            .await?;
        if let Some(sha) = orphan {
            if let Err(e) = self.blobs.delete(&file_key(wiki.id, &sha)).await {
                tracing::warn!(error = %e, "wiki: a deleted attachment's file stays");
            }
        }
        Ok(())
    }

    /// Every attachment of a wiki with its bytes (export).
    pub async fn all_files(&self, wiki_id: i64) -> WikiResult<Vec<(String, String, Vec<u8>)>> {
        let rows: Vec<(String, String, String)> = self
            .db
            .read(move |c| files_store::file_list(c, wiki_id))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (n, t, sha) in rows {
            // A file missing from the store is left out of the export, as before.
            if let Some(b) = self
                .blobs
                .get(&file_key(wiki_id, &sha))
                .await
                .map_err(Error::internal)?
            {
                out.push((n, t, b));
            }
        }
        Ok(out)
    }
}

impl WikiService {
    /// Removes a deleted wiki's attachments (a failure leaves them, logged).
    pub(crate) async fn remove_files_of(&self, wiki_id: i64) {
        if let Err(e) = self.blobs.delete_all(&wiki_prefix(wiki_id)).await {
            tracing::warn!(error = %e, "wiki: a deleted wiki's files stay");
        }
    }
}
