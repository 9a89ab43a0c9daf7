//! The SQL of the comments under a page, as functions over a connection (see `store`).

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// A comment as stored: id, author id (none once the author's account is gone), author name,
/// text, creation time.
pub type CommentRow = (i64, Option<String>, String, String, i64);

/// A page's comments, oldest first.
pub fn comments(c: &Connection, page_id: i64) -> SResult<Vec<CommentRow>> {
    let mut st = c.prepare_cached("SELECT id, author_id, author_name, text, created_at FROM wiki_comments WHERE page_id = ?1 ORDER BY id")?;
    let rows = st.query_map([page_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewComment<'a> {
    pub page_id: i64,
    pub author_id: &'a str,
    pub author_name: &'a str,
    pub text: &'a str,
    pub now: i64,
}

/// Stores a comment; its id.
pub fn insert_comment(c: &Connection, n: &NewComment<'_>) -> SResult<i64> {
    Ok(c.query_row(
        "INSERT INTO wiki_comments (page_id, author_id, author_name, text, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![n.page_id, n.author_id, n.author_name, n.text, n.now],
        |r| r.get(0),
    )?)
}

/// A comment of the wiki `wiki_id`: its author id and the view rule of its page.
pub fn comment_author_and_rule(
    c: &Connection,
    id: i64,
    wiki_id: i64,
) -> SResult<Option<(Option<String>, String)>> {
    Ok(c
        .query_row(
            "SELECT co.author_id, p.view_rule FROM wiki_comments co JOIN wiki_pages p ON p.id = co.page_id WHERE co.id = ?1 AND p.wiki_id = ?2",
            params![id, wiki_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn delete_comment(c: &Connection, id: i64) -> SResult<()> {
    c.execute("DELETE FROM wiki_comments WHERE id = ?1", [id])?;
    Ok(())
}
