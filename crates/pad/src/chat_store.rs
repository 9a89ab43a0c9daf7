//! The SQL of pad chat and saved revisions, for SQLite and PostgreSQL.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

use crate::chat::{ChatMessage, SavedRevision};

/// Stores a chat line under the pad's next id; that id.
pub(crate) fn append_chat(tx: &Connection, pad: &str, m: &ChatMessage) -> SResult<i64> {
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM pad_chat WHERE pad_id = ?1",
        [pad],
        |r| r.get(0),
    )?;
    insert_chat(
        tx,
        pad,
        next,
        &m.author_id,
        &m.name,
        &m.color,
        &m.text,
        m.created_at,
    )?;
    Ok(next)
}

/// Stores a chat line under `id` (an import writes the lines of a new pad in order).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_chat(
    tx: &Connection,
    pad: &str,
    id: i64,
    author_id: &str,
    name: &str,
    color: &str,
    text: &str,
    created_at: i64,
) -> SResult<()> {
    tx.execute(
        "INSERT INTO pad_chat (pad_id, id, author_id, display_name, color, text, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![pad, id, author_id, name, color, text, created_at],
    )?;
    Ok(())
}

/// Whether the user has opened the pad before (a chat mention pages only them).
pub(crate) fn visited(c: &Connection, pad: &str, user_id: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM pad_visits WHERE pad_id = ?1 AND user_id = ?2",
        params![pad, user_id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// Up to `limit` chat lines before id `before`, newest first.
pub(crate) fn chat_before(
    c: &Connection,
    pad: &str,
    before: i64,
    limit: i64,
) -> SResult<Vec<ChatMessage>> {
    let mut s = c.prepare(
        "SELECT id, author_id, display_name, color, text, created_at FROM pad_chat
                     WHERE pad_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = s.query_map(params![pad, before, limit], |r| {
        Ok(ChatMessage {
            id: r.get(0)?,
            author_id: r.get(1)?,
            name: r.get(2)?,
            color: r.get(3)?,
            text: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Saves a revision, or renames it when saved already.
pub(crate) fn save_revision(tx: &Connection, pad: &str, s: &SavedRevision) -> SResult<()> {
    tx.execute(
        "INSERT INTO pad_saved_revisions (pad_id, rev, label, saved_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (pad_id, rev) DO UPDATE SET label = excluded.label",
        params![pad, s.rev as i64, s.label, s.saved_by, s.created_at],
    )?;
    Ok(())
}

/// A pad's saved revisions, oldest first.
pub(crate) fn saved_revisions(c: &Connection, pad: &str) -> SResult<Vec<SavedRevision>> {
    let mut s = c.prepare(
        "SELECT rev, label, saved_by, created_at FROM pad_saved_revisions WHERE pad_id = ?1 ORDER BY rev",
    )?;
    let rows = s.query_map([pad], |r| {
        Ok(SavedRevision {
            rev: r.get::<_, i64>(0)? as u64,
            label: r.get(1)?,
            saved_by: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
