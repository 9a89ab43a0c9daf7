//! The SQL of a wiki's attachments, as functions over a connection (see `store`).

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// A wiki's attachments by name: name, content type, size, upload time.
pub fn files(c: &Connection, wiki_id: i64) -> SResult<Vec<(String, String, i64, i64)>> {
    let mut st = c.prepare_cached("SELECT name, content_type, size, created_at FROM wiki_files WHERE wiki_id = ?1 ORDER BY name")?;
    let rows = st.query_map([wiki_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A wiki's attachments by name, for the export: name, content type, sha256.
pub fn file_list(c: &Connection, wiki_id: i64) -> SResult<Vec<(String, String, String)>> {
    let mut st = c.prepare_cached(
        "SELECT name, content_type, sha256 FROM wiki_files WHERE wiki_id = ?1 ORDER BY name",
    )?;
    let rows = st.query_map([wiki_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One attachment's content type and sha256.
pub fn file(c: &Connection, wiki_id: i64, name: &str) -> SResult<Option<(String, String)>> {
    Ok(c.prepare_cached(
        "SELECT content_type, sha256 FROM wiki_files WHERE wiki_id = ?1 AND name = ?2",
    )?
    .query_row(params![wiki_id, name], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()?)
}

/// One attachment's sha256.
pub fn file_sha(c: &Connection, wiki_id: i64, name: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT sha256 FROM wiki_files WHERE wiki_id = ?1 AND name = ?2",
        params![wiki_id, name],
        |r| r.get(0),
    )
    .optional()?)
}

pub fn delete_file(c: &Connection, wiki_id: i64, name: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM wiki_files WHERE wiki_id = ?1 AND name = ?2",
        params![wiki_id, name],
    )?;
    Ok(())
}

/// How many of the wiki's attachments have these bytes.
pub fn sha_uses(c: &Connection, wiki_id: i64, sha: &str) -> SResult<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM wiki_files WHERE wiki_id = ?1 AND sha256 = ?2",
        params![wiki_id, sha],
        |r| r.get(0),
    )?)
}

pub struct FileRow<'a> {
    pub wiki_id: i64,
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub uploaded_by: &'a str,
    pub now: i64,
}

pub fn insert_file_row(c: &Connection, f: &FileRow<'_>) -> SResult<()> {
    c.execute(
        "INSERT INTO wiki_files (wiki_id, name, content_type, size, sha256, uploaded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (wiki_id, name) DO UPDATE SET content_type = excluded.content_type, size = excluded.size,
            sha256 = excluded.sha256, uploaded_by = excluded.uploaded_by, created_at = excluded.created_at",
        params![f.wiki_id, f.name, f.content_type, f.size, f.sha256, f.uploaded_by, f.now],
    )?;
    Ok(())
}

/// Bytes of the attachments `user_id` uploaded (for quotas).
pub fn file_bytes_of(c: &Connection, user_id: &str) -> SResult<i64> {
    Ok(
        c.prepare_cached("SELECT COALESCE(SUM(size), 0) FROM wiki_files WHERE uploaded_by = ?1")?
            .query_row([user_id], |r| r.get(0))?,
    )
}

/// Bytes of attachments per uploader.
pub fn file_bytes_by_user(c: &Connection) -> SResult<Vec<(String, i64)>> {
    Ok(c
        .prepare(
            "SELECT uploaded_by, SUM(size) FROM wiki_files WHERE uploaded_by IS NOT NULL GROUP BY uploaded_by",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}
