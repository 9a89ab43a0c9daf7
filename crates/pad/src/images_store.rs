//! The SQL of pad images (`pad_images`, migration 7); `images.rs` decides when.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// One image of a pad, as stored.
#[derive(Debug, Clone)]
pub(crate) struct ImageRow {
    pub id: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: i64,
}

fn row(r: &nichoir_storage::Row<'_>) -> nichoir_storage::SqlResult<ImageRow> {
    Ok(ImageRow {
        id: r.get(0)?,
        content_type: r.get(1)?,
        size: r.get(2)?,
        sha256: r.get(3)?,
        uploaded_by: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const COLUMNS: &str = "id, content_type, size, sha256, uploaded_by, created_at";

/// Stores `image` in `pad_id` unless the pad holds the same bytes already; answers the row that
/// names them (the new one, or the one there before).
pub(crate) fn insert(c: &Connection, pad_id: &str, image: &ImageRow) -> SResult<ImageRow> {
    c.execute(
        "INSERT INTO pad_images (pad_id, id, content_type, size, sha256, uploaded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (pad_id, sha256) DO NOTHING",
        params![
            pad_id,
            image.id,
            image.content_type,
            image.size,
            image.sha256,
            image.uploaded_by,
            image.created_at
        ],
    )?;
    Ok(c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pad_images WHERE pad_id = ?1 AND sha256 = ?2"
    ))?
    .query_row(params![pad_id, image.sha256], row)?)
}

pub(crate) fn get(c: &Connection, pad_id: &str, image_id: &str) -> SResult<Option<ImageRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pad_images WHERE pad_id = ?1 AND id = ?2"
    ))?
    .query_row(params![pad_id, image_id], row)
    .optional()?)
}

/// Removes one image of a pad; whether there was one.
pub(crate) fn delete(c: &Connection, pad_id: &str, image_id: &str) -> SResult<bool> {
    Ok(c.execute(
        "DELETE FROM pad_images WHERE pad_id = ?1 AND id = ?2",
        params![pad_id, image_id],
    )? > 0)
}

/// A pad's images, oldest first.
pub(crate) fn of_pad(c: &Connection, pad_id: &str) -> SResult<Vec<ImageRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pad_images WHERE pad_id = ?1 ORDER BY created_at, id"
    ))?
    .query_map([pad_id], row)?
    .collect::<Result<_, _>>()?)
}

/// The images `user_id` uploaded, with their pad's id and read-only id (the data export).
pub(crate) fn of_uploader(c: &Connection, user_id: &str) -> SResult<Vec<(String, ImageRow)>> {
    Ok(c.prepare_cached(&format!(
        "SELECT p.readonly_id, i.{} FROM pad_images i JOIN pads p ON p.id = i.pad_id
         WHERE i.uploaded_by = ?1 AND p.deleted_at IS NULL ORDER BY i.created_at, i.id",
        COLUMNS.replace(", ", ", i.")
    ))?
    .query_map([user_id], |r| {
        Ok((
            r.get(0)?,
            ImageRow {
                id: r.get(1)?,
                content_type: r.get(2)?,
                size: r.get(3)?,
                sha256: r.get(4)?,
                uploaded_by: r.get(5)?,
                created_at: r.get(6)?,
            },
        ))
    })?
    .collect::<Result<_, _>>()?)
}

/// Bytes of the pad images `user_id` uploaded (for quotas).
pub fn bytes_of(c: &Connection, user_id: &str) -> SResult<i64> {
    Ok(
        c.prepare_cached("SELECT COALESCE(SUM(size), 0) FROM pad_images WHERE uploaded_by = ?1")?
            .query_row([user_id], |r| r.get(0))?,
    )
}

/// Bytes of pad images per uploader.
pub fn bytes_by_user(c: &Connection) -> SResult<Vec<(String, i64)>> {
    Ok(
        c.prepare("SELECT uploaded_by, SUM(size) FROM pad_images GROUP BY uploaded_by")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?,
    )
}
