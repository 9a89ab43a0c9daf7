//! The SQL of comment threads and their messages (migration 6), for SQLite and PostgreSQL. A
//! thread's opening comment has the thread's id, which tells it from the replies.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

use crate::model::Author;

/// A thread as stored: its anchor is as of `rev`.
#[derive(Debug, Clone)]
pub(crate) struct ThreadRow {
    pub id: String,
    pub pad_id: String,
    pub start: u64,
    pub end: u64,
    pub rev: u64,
    pub quote: String,
    pub author: Author,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct CommentRow {
    pub id: String,
    pub thread_id: String,
    pub author: Author,
    pub text: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

const THREAD_COLUMNS: &str = "id, pad_id, anchor_start, anchor_end, anchor_rev, quote, author_id, \
     author_name, author_color, created_at, resolved_at, resolved_by, resolved_by_name";

fn thread_row(r: &nichoir_storage::Row<'_>) -> nichoir_storage::SqlResult<ThreadRow> {
    let by: Option<String> = r.get(11)?;
    let by_name: Option<String> = r.get(12)?;
    Ok(ThreadRow {
        id: r.get(0)?,
        pad_id: r.get(1)?,
        start: r.get::<_, i64>(2)?.max(0) as u64,
        end: r.get::<_, i64>(3)?.max(0) as u64,
        rev: r.get::<_, i64>(4)?.max(0) as u64,
        quote: r.get(5)?,
        author: Author {
            id: r.get(6)?,
            name: r.get(7)?,
            color: r.get(8)?,
        },
        created_at: r.get(9)?,
        resolved_at: r.get(10)?,
        resolved_by: by.map(|id| (id, by_name.unwrap_or_default())),
    })
}

fn comment_row(r: &nichoir_storage::Row<'_>) -> nichoir_storage::SqlResult<CommentRow> {
    Ok(CommentRow {
        id: r.get(0)?,
        thread_id: r.get(1)?,
        author: Author {
            id: r.get(2)?,
            name: r.get(3)?,
            color: r.get(4)?,
        },
        text: r.get(5)?,
        created_at: r.get(6)?,
        edited_at: r.get(7)?,
    })
}

const COMMENT_COLUMNS: &str =
    "id, thread_id, author_id, author_name, author_color, text, created_at, edited_at";

/// A pad's threads (or the one named), oldest first.
pub(crate) fn threads(c: &Connection, pad: &str, only: Option<&str>) -> SResult<Vec<ThreadRow>> {
    let mut s = c.prepare_cached(&format!(
        "SELECT {THREAD_COLUMNS} FROM pad_comment_threads
         WHERE pad_id = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY created_at, id"
    ))?;
    let rows = s.query_map(params![pad, only], thread_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The messages of a pad's threads (or of the one named), oldest first.
pub(crate) fn comments(
    c: &Connection,
    pad: &str,
    thread: Option<&str>,
) -> SResult<Vec<CommentRow>> {
    let mut s = c.prepare_cached(&format!(
        "SELECT {COMMENT_COLUMNS} FROM pad_comments
         WHERE pad_id = ?1 AND (?2 IS NULL OR thread_id = ?2) ORDER BY created_at, id"
    ))?;
    let rows = s.query_map(params![pad, thread], comment_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn count_threads(c: &Connection, pad: &str) -> SResult<u64> {
    let n: i64 = c.query_row(
        "SELECT COUNT(*) FROM pad_comment_threads WHERE pad_id = ?1",
        [pad],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

pub(crate) fn count_comments(c: &Connection, thread: &str) -> SResult<u64> {
    let n: i64 = c.query_row(
        "SELECT COUNT(*) FROM pad_comments WHERE thread_id = ?1",
        [thread],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Who wrote a message of a pad's thread (None: no such message there).
pub(crate) fn comment_author(
    c: &Connection,
    pad: &str,
    thread: &str,
    comment: &str,
) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT author_id FROM pad_comments WHERE pad_id = ?1 AND thread_id = ?2 AND id = ?3",
        params![pad, thread, comment],
        |r| r.get(0),
    )
    .optional()?)
}

/// A new thread with its opening comment (whose id is the thread's).
pub(crate) fn insert_thread(tx: &Connection, t: &ThreadRow, text: &str) -> SResult<()> {
    tx.execute(
        &format!(
            "INSERT INTO pad_comment_threads ({THREAD_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, NULL)"
        ),
        params![
            t.id,
            t.pad_id,
            t.start as i64,
            t.end as i64,
            t.rev as i64,
            t.quote,
            t.author.id,
            t.author.name,
            t.author.color,
            t.created_at
        ],
    )?;
    insert_comment(
        tx,
        &t.pad_id,
        &CommentRow {
            id: t.id.clone(),
            thread_id: t.id.clone(),
            author: t.author.clone(),
            text: text.to_string(),
            created_at: t.created_at,
            edited_at: None,
        },
    )
}

pub(crate) fn insert_comment(tx: &Connection, pad: &str, m: &CommentRow) -> SResult<()> {
    tx.execute(
        &format!(
            "INSERT INTO pad_comments ({COMMENT_COLUMNS}, pad_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8)"
        ),
        params![
            m.id,
            m.thread_id,
            m.author.id,
            m.author.name,
            m.author.color,
            m.text,
            m.created_at,
            pad
        ],
    )?;
    Ok(())
}

pub(crate) fn edit_comment(tx: &Connection, id: &str, text: &str, at: i64) -> SResult<()> {
    tx.execute(
        "UPDATE pad_comments SET text = ?2, edited_at = ?3 WHERE id = ?1",
        params![id, text, at],
    )?;
    Ok(())
}

/// Resolves (with who and when) or reopens (None) a thread.
pub(crate) fn set_resolved(
    tx: &Connection,
    thread: &str,
    by: Option<(&str, &str, i64)>,
) -> SResult<()> {
    let (id, name, at) = match by {
        Some((id, name, at)) => (Some(id), Some(name), Some(at)),
        None => (None, None, None),
    };
    tx.execute(
        "UPDATE pad_comment_threads SET resolved_by = ?2, resolved_by_name = ?3, resolved_at = ?4
         WHERE id = ?1",
        params![thread, id, name, at],
    )?;
    Ok(())
}

/// Deletes a thread; its messages go with it (foreign key).
pub(crate) fn delete_thread(tx: &Connection, thread: &str) -> SResult<()> {
    tx.execute("DELETE FROM pad_comments WHERE thread_id = ?1", [thread])?;
    tx.execute("DELETE FROM pad_comment_threads WHERE id = ?1", [thread])?;
    Ok(())
}

pub(crate) fn delete_comment(tx: &Connection, id: &str) -> SResult<()> {
    tx.execute("DELETE FROM pad_comments WHERE id = ?1", [id])?;
    Ok(())
}

/// Stores anchors carried forward to `rev`, unless another reader stored a later one already.
pub(crate) fn move_anchors(tx: &Connection, moved: &[(String, u64, u64)], rev: u64) -> SResult<()> {
    let mut s = tx.prepare_cached(
        "UPDATE pad_comment_threads SET anchor_start = ?2, anchor_end = ?3, anchor_rev = ?4
         WHERE id = ?1 AND anchor_rev < ?4",
    )?;
    for (id, start, end) in moved {
        s.execute(params![id, *start as i64, *end as i64, rev as i64])?;
    }
    Ok(())
}

/// What a person wrote in comments, for their data export: (pad, thread's quote, message).
pub(crate) fn written_by(c: &Connection, user: &str) -> SResult<Vec<(String, String, CommentRow)>> {
    let mut s = c.prepare_cached(
        "SELECT m.id, m.thread_id, m.author_id, m.author_name, m.author_color, m.text,
                m.created_at, m.edited_at, m.pad_id, t.quote
         FROM pad_comments m JOIN pad_comment_threads t ON t.id = m.thread_id
         WHERE m.author_id = ?1 ORDER BY m.created_at, m.id",
    )?;
    let rows = s.query_map([user], |r| {
        Ok((
            r.get::<_, String>(8)?,
            r.get::<_, String>(9)?,
            comment_row(r)?,
        ))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A deleted account: its name on threads, messages and resolutions becomes `name`.
pub(crate) fn forget_user(c: &Connection, user: &str, name: &str) -> SResult<()> {
    c.execute(
        "UPDATE pad_comment_threads SET author_name = ?2 WHERE author_id = ?1",
        params![user, name],
    )?;
    c.execute(
        "UPDATE pad_comment_threads SET resolved_by_name = ?2 WHERE resolved_by = ?1",
        params![user, name],
    )?;
    c.execute(
        "UPDATE pad_comments SET author_name = ?2 WHERE author_id = ?1",
        params![user, name],
    )?;
    Ok(())
}

/// Erases what a deleted account wrote in comments: its replies, and its threads nobody else
/// answered; a thread it opened that others answered keeps their replies, its opening text
/// emptied.
pub(crate) fn erase_user(c: &Connection, user: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM pad_comments WHERE thread_id IN (
             SELECT t.id FROM pad_comment_threads t WHERE t.author_id = ?1 AND NOT EXISTS (
                 SELECT 1 FROM pad_comments o WHERE o.thread_id = t.id AND o.author_id <> ?1))",
        [user],
    )?;
    c.execute(
        "DELETE FROM pad_comment_threads WHERE author_id = ?1 AND NOT EXISTS (
             SELECT 1 FROM pad_comments o WHERE o.thread_id = pad_comment_threads.id)",
        [user],
    )?;
    c.execute(
        "DELETE FROM pad_comments WHERE author_id = ?1 AND id <> thread_id",
        [user],
    )?;
    c.execute(
        "UPDATE pad_comments SET text = '' WHERE author_id = ?1",
        [user],
    )?;
    Ok(())
}
