//! Attachments of a wiki: uploaded by its editors, checked (size, name, content against the
//! declared type; no SVG or HTML, which could carry scripts), stored content-addressed under
//! `<data>/uploads/wiki/<wiki id>/<sha256>`, served with the wiki's read rights.

use std::path::PathBuf;

use nichoir_auth::Actor;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_storage::{params, OptionalExtension};
use nichoir_wikitext::names::validate_file_name;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::access;
use crate::routes::Wikis;
use crate::service::{WikiError, WikiResult, WikiService};

/// Types a wiki accepts, as sniffed from the content.
const ALLOWED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/zip",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "audio/mpeg",
    "audio/ogg",
    "video/mp4",
    "video/webm",
];
/// Types with no magic number: accepted when the bytes are UTF-8 text.
const TEXT: &[&str] = &["text/plain", "text/markdown", "text/csv"];

fn unsupported(m: impl Into<String>) -> WikiError {
    WikiError::Other(Error::new(ErrorCode::UnsupportedMediaType, m))
}

/// The type to store for `bytes` declared as `declared`, or why it is refused.
pub fn check_content(declared: &str, bytes: &[u8]) -> Result<String, WikiError> {
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let declared = if declared == "image/jpg" {
        "image/jpeg".to_string()
    } else {
        declared
    };
    if declared.contains("svg")
        || declared.contains("html")
        || declared.contains("xml")
        || declared.contains("javascript")
    {
        return Err(unsupported(format!(
            "{declared} files are not accepted: they can carry scripts"
        )));
    }
    match infer::get(bytes).map(|k| k.mime_type()) {
        Some(sniffed) => {
            if sniffed != declared {
                return Err(unsupported(format!(
                    "the file's content is {sniffed}, not {declared}"
                )));
            }
            if !ALLOWED.contains(&sniffed) {
                return Err(unsupported(format!(
                    "{sniffed} files are not accepted here"
                )));
            }
            Ok(sniffed.to_string())
        }
        None if TEXT.contains(&declared.as_str()) => {
            if std::str::from_utf8(bytes).is_err() || bytes.contains(&0) {
                return Err(unsupported(format!(
                    "the file is not {declared}: it is not UTF-8 text"
                )));
            }
            Ok(declared)
        }
        None => Err(unsupported(format!(
            "the file's content is not recognisable as {declared}"
        ))),
    }
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

fn file_json(slug: &str, name: &str, content_type: &str, size: i64, created_at: i64) -> Value {
    json!({"name": name, "content_type": content_type, "size": size,
        "url": file_url(slug, name),
        "created_at": nichoir_core::time::rfc3339(created_at)})
}

impl WikiService {
    fn wiki_dir(&self, wiki_id: i64) -> PathBuf {
        self.files_dir.join(wiki_id.to_string())
    }

    pub async fn upload(
        &self,
        slug: &str,
        actor: &Actor,
        name: &str,
        declared: &str,
        bytes: Vec<u8>,
    ) -> WikiResult<Value> {
        let name = validate_file_name(name)?;
        let (wiki, who, _) = self.load(slug, None, Some(actor)).await?;
        if !access::can_edit_page(&wiki.rules(), &Default::default(), &who) {
            return Err(WikiError::CannotEdit);
        }
        if bytes.len() as u64 > self.max_file_bytes {
            return Err(WikiError::Other(Error::new(
                ErrorCode::PayloadTooLarge,
                format!("a file holds at most {} bytes", self.max_file_bytes),
            )));
        }
        let content_type = check_content(declared, &bytes)?;
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
                crate::store::insert_file_row(
                    c,
                    &crate::store::FileRow {
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
        Ok(file_json(&wiki.slug, &name, &content_type, size, now))
    }

    /// Stores checked bytes on disk (content-addressed: `<wiki dir>/<sha256>`) and answers the hash.
    pub(crate) async fn store_bytes(&self, wiki_id: i64, bytes: Vec<u8>) -> WikiResult<String> {
        let sha = format!("{:x}", Sha256::digest(&bytes));
        let dir = self.wiki_dir(wiki_id);
        let name = sha.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(&name);
            if path.exists() {
                return Ok(());
            }
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, &bytes)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
        Ok(sha)
    }

    pub async fn files(&self, slug: &str, actor: Option<&Actor>) -> WikiResult<Value> {
        let (wiki, _, _) = self.load(slug, None, actor).await?;
        let wid = wiki.id;
        let rows: Vec<(String, String, i64, i64)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached("SELECT name, content_type, size, created_at FROM wiki_files WHERE wiki_id = ?1 ORDER BY name")?;
                let rows = st.query_map([wid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await?;
        Ok(Value::Array(
            rows.into_iter()
                .map(|(n, t, s, at)| file_json(&wiki.slug, &n, &t, s, at))
                .collect(),
        ))
    }

    /// The file's bytes and type, if the asker may read the wiki.
    pub async fn file(
        &self,
        slug: &str,
        name: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<(String, Vec<u8>)> {
        let (wiki, _, _) = self.load(slug, None, actor).await?;
        let (wid, n) = (wiki.id, name.to_string());
        let row: Option<(String, String)> = self
            .db
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT content_type, sha256 FROM wiki_files WHERE wiki_id = ?1 AND name = ?2",
                )?
                .query_row(params![wid, n], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
            })
            .await?;
        let (content_type, sha) =
            row.ok_or_else(|| Error::not_found("no such file in this wiki"))?;
        let path = self.wiki_dir(wiki.id).join(sha);
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(Error::internal)?
            .map_err(|_| Error::not_found("the file is missing from the server"))?;
        Ok((content_type, bytes))
    }

    pub async fn delete_file(&self, slug: &str, name: &str, actor: &Actor) -> WikiResult<()> {
        let (wiki, who, _) = self.load(slug, None, Some(actor)).await?;
        if !access::can_edit_page(&wiki.rules(), &Default::default(), &who) {
            return Err(WikiError::CannotEdit);
        }
        let (wid, n) = (wiki.id, name.to_string());
        let orphan: Option<String> = self
            .db
            .write(move |c| {
                let sha: Option<String> = c
                    .query_row(
                        "SELECT sha256 FROM wiki_files WHERE wiki_id = ?1 AND name = ?2",
                        params![wid, n],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(sha) = sha else {
                    return Err(Error::not_found("no such file in this wiki").into());
                };
                c.execute(
                    "DELETE FROM wiki_files WHERE wiki_id = ?1 AND name = ?2",
                    params![wid, n],
                )?;
                let still: i64 = c.query_row(
                    "SELECT COUNT(*) FROM wiki_files WHERE wiki_id = ?1 AND sha256 = ?2",
                    params![wid, sha],
                    |r| r.get(0),
                )?;
                Ok((still == 0).then_some(sha))
            })
            .await?;
        if let Some(sha) = orphan {
            let path = self.wiki_dir(wiki.id).join(sha);
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
        }
        Ok(())
    }

    /// Every attachment of a wiki with its bytes (export).
    pub async fn all_files(&self, wiki_id: i64) -> WikiResult<Vec<(String, String, Vec<u8>)>> {
        let rows: Vec<(String, String, String)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached("SELECT name, content_type, sha256 FROM wiki_files WHERE wiki_id = ?1 ORDER BY name")?;
                let rows = st.query_map([wiki_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await?;
        let dir = self.wiki_dir(wiki_id);
        let out = tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .filter_map(|(n, t, sha)| std::fs::read(dir.join(sha)).ok().map(|b| (n, t, b)))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(Error::internal)?;
        Ok(out)
    }
}

/// Removes a deleted wiki's attachment files from the data folder.
pub async fn remove_wiki_files(w: &Wikis, wiki_id: i64) {
    let dir = w.files_dir.join(wiki_id.to_string());
    let _ = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(dir)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
    ];

    #[test]
    fn content_must_match_its_declared_type() {
        assert_eq!(
            check_content("image/png", PNG).ok().as_deref(),
            Some("image/png")
        );
        assert!(
            check_content("image/jpeg", PNG).is_err(),
            "a PNG is not a JPEG"
        );
        assert!(check_content("application/pdf", b"hello").is_err());
        assert_eq!(
            check_content("text/plain; charset=utf-8", "héllo".as_bytes())
                .ok()
                .as_deref(),
            Some("text/plain")
        );
        assert!(check_content("text/plain", &[0xff, 0xfe, 0]).is_err());
        assert!(check_content("image/svg+xml", b"<svg onload=alert(1)>").is_err());
        assert!(check_content("text/html", b"<script>").is_err());
        assert!(check_content("application/x-msdownload", b"MZ\x90\x00").is_err());
    }
}
