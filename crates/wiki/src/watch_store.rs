//! The SQL of watches and of the notifications they bring, as functions over a connection (see
//! `store`).

use nichoir_storage::{params, Connection, SResult};

use crate::api::WikiNotification;

/// Watches a page (`page_id`), or the whole wiki when `page_id` is 0.
pub fn watch(c: &Connection, user_id: &str, wiki_id: i64, page_id: i64) -> SResult<()> {
    c.execute("INSERT INTO wiki_watches (user_id, wiki_id, page_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", params![user_id, wiki_id, page_id])?;
    Ok(())
}

pub fn unwatch(c: &Connection, user_id: &str, wiki_id: i64, page_id: i64) -> SResult<()> {
    c.execute(
        "DELETE FROM wiki_watches WHERE user_id = ?1 AND wiki_id = ?2 AND page_id = ?3",
        params![user_id, wiki_id, page_id],
    )?;
    Ok(())
}

pub fn is_watching(c: &Connection, user_id: &str, wiki_id: i64, page_id: i64) -> SResult<bool> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM wiki_watches WHERE user_id = ?1 AND wiki_id = ?2 AND page_id = ?3",
    )?
    .exists(params![user_id, wiki_id, page_id])?)
}

/// Who watches the page or its whole wiki, `except` (the author of the change) left out.
pub fn watchers(c: &Connection, wiki_id: i64, page_id: i64, except: &str) -> SResult<Vec<String>> {
    let mut st = c.prepare_cached("SELECT DISTINCT user_id FROM wiki_watches WHERE wiki_id = ?1 AND page_id IN (0, ?2) AND user_id <> ?3")?;
    let rows = st.query_map(params![wiki_id, page_id, except], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewNotification<'a> {
    pub user_id: &'a str,
    pub wiki_id: i64,
    pub page_name: &'a str,
    pub rev: i64,
    pub actor_name: &'a str,
    pub summary: &'a str,
    pub diff: &'a str,
    pub now: i64,
}

pub fn insert_notification(c: &Connection, n: &NewNotification<'_>) -> SResult<()> {
    c.execute(
        "INSERT INTO wiki_notifications (user_id, wiki_id, page_name, rev, actor_name, summary, diff, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            n.user_id,
            n.wiki_id,
            n.page_name,
            n.rev,
            n.actor_name,
            n.summary,
            n.diff,
            n.now
        ],
    )?;
    Ok(())
}

/// A person's last 200 notifications, newest first.
pub fn notifications(c: &Connection, user_id: &str) -> SResult<Vec<WikiNotification>> {
    let mut st = c.prepare_cached(
        "SELECT n.id, w.slug, w.title, n.page_name, n.rev, n.actor_name, n.summary, n.diff, n.created_at, n.read
                     FROM wiki_notifications n JOIN wikis w ON w.id = n.wiki_id WHERE n.user_id = ?1 ORDER BY n.id DESC LIMIT 200",
    )?;
    let rows = st.query_map([user_id], |r| {
        Ok(WikiNotification {
            id: r.get(0)?,
            wiki: r.get(1)?,
            wiki_title: r.get(2)?,
            page: r.get(3)?,
            rev: r.get(4)?,
            actor_name: r.get(5)?,
            summary: r.get(6)?,
            diff: r.get(7)?,
            created_at: r.get(8)?,
            read: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn mark_all_read(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute(
        "UPDATE wiki_notifications SET read = 1 WHERE user_id = ?1",
        [user_id],
    )?;
    Ok(())
}

pub fn mark_read<'a>(
    c: &Connection,
    user_id: &str,
    ids: impl Iterator<Item = &'a i64>,
) -> SResult<()> {
    let mut st =
        c.prepare_cached("UPDATE wiki_notifications SET read = 1 WHERE user_id = ?1 AND id = ?2")?;
    for id in ids {
        st.execute(params![user_id, id])?;
    }
    Ok(())
}
