//! Every SQL statement of the wikis, as functions over a connection. Writes run inside
//! `Db::write` (one transaction each, serialised), reads inside `Db::read`. Attachments, comments
//! and watches (with their notifications) have theirs beside this file: `files_store`,
//! `comments_store`, `watch_store`.

use std::collections::HashSet;

use nichoir_storage::{
    in_chunks, params, search, Connection, Dialect, OptionalExtension, Row, SResult, SqlError,
    StorageError, ToValue,
};

use crate::access::{EditPolicy, PageRule, Role, Visibility};
use crate::api::MyRevision;
use crate::model::{ChangeInfo, PageRow, RevisionInfo, WikiRow};

fn bad(what: &str) -> SqlError {
    SqlError::invalid_column(what)
}

const WIKI_COLUMNS: &str =
    "id, slug, title, description, visibility, edit_policy, theme_color, home_page, menu, \
     comments_enabled, locked, created_by, created_at, updated_at, search_indexable";

fn wiki_from_row(r: &Row<'_>) -> Result<WikiRow, SqlError> {
    let vis: String = r.get(4)?;
    let pol: String = r.get(5)?;
    Ok(WikiRow {
        id: r.get(0)?,
        slug: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        visibility: Visibility::parse(&vis).ok_or_else(|| bad("visibility"))?,
        edit_policy: EditPolicy::parse(&pol).ok_or_else(|| bad("edit_policy"))?,
        theme_color: r.get(6)?,
        home_page: r.get(7)?,
        menu: r.get(8)?,
        comments_enabled: r.get(9)?,
        locked: r.get(10)?,
        created_by: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        search_indexable: r.get(14)?,
    })
}

const PAGE_COLUMNS: &str =
    "id, wiki_id, name, key, rev, text, html, toc, view_rule, edit_rule, deleted, redirect_to, \
     created_at, updated_at";

fn page_from_row(r: &Row<'_>) -> Result<PageRow, SqlError> {
    let view: String = r.get(8)?;
    let edit: String = r.get(9)?;
    Ok(PageRow {
        id: r.get(0)?,
        wiki_id: r.get(1)?,
        name: r.get(2)?,
        key: r.get(3)?,
        rev: r.get(4)?,
        text: r.get(5)?,
        html: r.get(6)?,
        toc: r.get(7)?,
        view_rule: PageRule::parse(&view).ok_or_else(|| bad("view_rule"))?,
        edit_rule: PageRule::parse(&edit).ok_or_else(|| bad("edit_rule"))?,
        deleted: r.get(10)?,
        redirect_to: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub fn wiki_by_slug(c: &Connection, slug: &str) -> SResult<Option<WikiRow>> {
    Ok(
        c.prepare_cached(&format!("SELECT {WIKI_COLUMNS} FROM wikis WHERE slug = ?1"))?
            .query_row([slug], wiki_from_row)
            .optional()?,
    )
}

pub fn wiki_by_id(c: &Connection, id: i64) -> SResult<Option<WikiRow>> {
    Ok(
        c.prepare_cached(&format!("SELECT {WIKI_COLUMNS} FROM wikis WHERE id = ?1"))?
            .query_row([id], wiki_from_row)
            .optional()?,
    )
}

pub fn role(c: &Connection, wiki_id: i64, user_id: &str) -> SResult<Option<Role>> {
    let r: Option<String> = c
        .prepare_cached("SELECT role FROM wiki_members WHERE wiki_id = ?1 AND user_id = ?2")?
        .query_row(params![wiki_id, user_id], |r| r.get(0))
        .optional()?;
    Ok(r.as_deref().and_then(Role::parse))
}

pub struct NewWiki<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub visibility: Visibility,
    pub edit_policy: EditPolicy,
    pub theme_color: &'a str,
    pub home_page: &'a str,
    pub menu: &'a str,
    pub created_by: &'a str,
    pub now: i64,
}

pub fn insert_wiki(c: &Connection, w: &NewWiki<'_>) -> SResult<i64> {
    let id: i64 = c.query_row(
        "INSERT INTO wikis (slug, title, description, visibility, edit_policy, theme_color, home_page, menu,
            created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) RETURNING id",
        params![
            w.slug,
            w.title,
            w.description,
            w.visibility.as_str(),
            w.edit_policy.as_str(),
            w.theme_color,
            w.home_page,
            w.menu,
            w.created_by,
            w.now
        ],
        |r| r.get(0),
    )?;
    set_member(c, id, w.created_by, Role::Admin)?;
    Ok(id)
}

pub fn update_wiki(c: &Connection, w: &WikiRow) -> SResult<()> {
    c.execute(
        "UPDATE wikis SET title = ?2, description = ?3, visibility = ?4, edit_policy = ?5, theme_color = ?6,
            home_page = ?7, menu = ?8, comments_enabled = ?9, locked = ?10, updated_at = ?11,
            search_indexable = ?12 WHERE id = ?1",
        params![
            w.id,
            w.title,
            w.description,
            w.visibility.as_str(),
            w.edit_policy.as_str(),
            w.theme_color,
            w.home_page,
            w.menu,
            w.comments_enabled,
            w.locked,
            w.updated_at,
            w.search_indexable
        ],
    )?;
    Ok(())
}

/// The home page followed its rename.
pub fn set_home_page(c: &Connection, wiki_id: i64, name: &str) -> SResult<()> {
    c.execute(
        "UPDATE wikis SET home_page = ?2 WHERE id = ?1",
        params![wiki_id, name],
    )?;
    Ok(())
}

pub fn delete_wiki(c: &Connection, id: i64) -> SResult<()> {
    // The search index is not a foreign-keyed table: clear it first.
    c.execute(
        "DELETE FROM wiki_search WHERE rowid IN (SELECT id FROM wiki_pages WHERE wiki_id = ?1)",
        [id],
    )?;
    c.execute("DELETE FROM wikis WHERE id = ?1", [id])?;
    Ok(())
}

pub fn set_member(c: &Connection, wiki_id: i64, user_id: &str, role: Role) -> SResult<()> {
    c.execute(
        "INSERT INTO wiki_members (wiki_id, user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (wiki_id, user_id) DO UPDATE SET role = excluded.role",
        params![wiki_id, user_id, role.as_str()],
    )?;
    Ok(())
}

pub fn remove_member(c: &Connection, wiki_id: i64, user_id: &str) -> SResult<bool> {
    Ok(c.execute(
        "DELETE FROM wiki_members WHERE wiki_id = ?1 AND user_id = ?2",
        params![wiki_id, user_id],
    )? > 0)
}

pub fn members(c: &Connection, wiki_id: i64) -> SResult<Vec<(String, Role)>> {
    let mut st = c.prepare_cached(
        "SELECT user_id, role FROM wiki_members WHERE wiki_id = ?1 ORDER BY role, user_id",
    )?;
    let rows = st.query_map([wiki_id], |r| {
        let role: String = r.get(1)?;
        Ok((
            r.get::<_, String>(0)?,
            Role::parse(&role).ok_or_else(|| bad("role"))?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn admin_count(c: &Connection, wiki_id: i64) -> SResult<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM wiki_members WHERE wiki_id = ?1 AND role = 'admin'",
        [wiki_id],
        |r| r.get(0),
    )?)
}

/// Public wikis, newest first, optionally matching `q` in title, slug or description.
/// Public wikis whose title, slug or description holds `q` (`search::folded_contains`, the
/// same on both engines), most recently changed first (then the newest), at most `limit`.
pub fn directory(c: &Connection, q: &str, limit: i64) -> SResult<Vec<(WikiRow, i64)>> {
    let mut st = c.prepare_cached(
        "SELECT id, title, slug, description FROM wikis WHERE visibility = 'public'
         ORDER BY updated_at DESC, id DESC",
    )?;
    let all: Vec<(i64, String, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let mut one = c.prepare_cached(&format!(
        "SELECT {WIKI_COLUMNS}, (SELECT COUNT(*) FROM wiki_pages p WHERE p.wiki_id = wikis.id AND p.deleted = 0 AND p.redirect_to IS NULL AND p.view_rule = 'inherit')
         FROM wikis WHERE id = ?1"
    ))?;
    let mut out = Vec::new();
    let found = all.iter().filter(|(_, title, slug, description)| {
        search::folded_contains(&[title, slug, description], q)
    });
    for (id, ..) in found.take(usize::try_from(limit).unwrap_or(0)) {
        if let Some(row) = one
            .query_row([id], |r| Ok((wiki_from_row(r)?, r.get(15)?)))
            .optional()?
        {
            out.push(row);
        }
    }
    Ok(out)
}

/// The wikis search engines may index: opted in by their admins and public now (a wiki made
/// private since is left out even if its flag were still set).
pub fn indexable_slugs(c: &Connection) -> SResult<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT slug FROM wikis WHERE search_indexable = 1 AND visibility = 'public' ORDER BY slug",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The wikis a user is a member of.
pub fn wikis_of(c: &Connection, user_id: &str) -> SResult<Vec<(WikiRow, Role)>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {}, m.role FROM wikis w JOIN wiki_members m ON m.wiki_id = w.id WHERE m.user_id = ?1 ORDER BY w.updated_at DESC",
        WIKI_COLUMNS.split(", ").map(|c| format!("w.{c}")).collect::<Vec<_>>().join(", ")
    ))?;
    let rows = st.query_map([user_id], |r| {
        let role: String = r.get(15)?;
        Ok((
            wiki_from_row(r)?,
            Role::parse(&role).ok_or_else(|| bad("role"))?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn page(c: &Connection, wiki_id: i64, key: &str) -> SResult<Option<PageRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {PAGE_COLUMNS} FROM wiki_pages WHERE wiki_id = ?1 AND key = ?2"
    ))?
    .query_row(params![wiki_id, key], page_from_row)
    .optional()?)
}

/// Of `pages` (wiki slug, page key), those that exist and are not deleted (a rename's redirect
/// counts: it leads to the page), a query per list of [`in_chunks`].
pub fn existing_pages(
    c: &Connection,
    pages: &[(String, String)],
) -> SResult<Vec<(String, String)>> {
    in_chunks(pages, |chunk| {
        let mut slugs: Vec<&str> = chunk.iter().map(|(s, _)| s.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        let mut keys: Vec<&str> = chunk.iter().map(|(_, k)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let list = |from: usize, n: usize| {
            (from..from + n)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(slugs.len() + keys.len());
        values.extend(slugs.iter().map(|s| s as &dyn ToValue));
        values.extend(keys.iter().map(|k| k as &dyn ToValue));
        // Both lists, then the pairs asked for: a slug of one and a key of another may meet.
        let found: HashSet<(String, String)> = c
            .prepare(&format!(
                "SELECT w.slug, p.key FROM wiki_pages p JOIN wikis w ON w.id = p.wiki_id
                 WHERE p.deleted = 0 AND w.slug IN ({}) AND p.key IN ({})",
                list(1, slugs.len()),
                list(slugs.len() + 1, keys.len())
            ))?
            .query_map(values.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok::<_, StorageError>(
            chunk
                .iter()
                .filter(|p| found.contains(*p))
                .cloned()
                .collect(),
        )
    })
}

pub fn page_by_id(c: &Connection, id: i64) -> SResult<Option<PageRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {PAGE_COLUMNS} FROM wiki_pages WHERE id = ?1"
    ))?
    .query_row([id], page_from_row)
    .optional()?)
}

/// Pages of a wiki (not deleted, not redirects), by name.
pub fn pages(c: &Connection, wiki_id: i64) -> SResult<Vec<PageRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {PAGE_COLUMNS} FROM wiki_pages WHERE wiki_id = ?1 AND deleted = 0 AND redirect_to IS NULL ORDER BY key"
    ))?;
    let rows = st.query_map([wiki_id], page_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Keys of the pages that exist (so links to them are not "missing"); redirects count.
pub fn existing_keys(c: &Connection, wiki_id: i64) -> SResult<std::collections::HashSet<String>> {
    let mut st =
        c.prepare_cached("SELECT key FROM wiki_pages WHERE wiki_id = ?1 AND deleted = 0")?;
    let rows = st.query_map([wiki_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct Write<'a> {
    pub text: &'a str,
    pub html: &'a str,
    pub toc: &'a str,
    pub summary: &'a str,
    pub kind: &'a str,
    pub author_id: Option<&'a str>,
    pub author_name: &'a str,
    pub now: i64,
}

/// A new page at revision 1.
pub fn insert_page(
    c: &Connection,
    wiki_id: i64,
    name: &str,
    key: &str,
    w: &Write<'_>,
) -> SResult<i64> {
    let id: i64 = c.query_row(
        "INSERT INTO wiki_pages (wiki_id, name, key, rev, text, html, toc, created_at, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?7) RETURNING id",
        params![wiki_id, name, key, w.text, w.html, w.toc, w.now],
        |r| r.get(0),
    )?;
    add_revision(c, wiki_id, id, 1, w)?;
    index(c, id, name, w.text)?;
    Ok(id)
}

/// A new revision of an existing page (also used to revive a deleted page or a redirect).
pub fn update_page(c: &Connection, page: &PageRow, name: &str, w: &Write<'_>) -> SResult<i64> {
    let rev = page.rev + 1;
    c.execute(
        "UPDATE wiki_pages SET name = ?2, rev = ?3, text = ?4, html = ?5, toc = ?6, deleted = 0, redirect_to = NULL,
            updated_at = ?7 WHERE id = ?1",
        params![page.id, name, rev, w.text, w.html, w.toc, w.now],
    )?;
    add_revision(c, page.wiki_id, page.id, rev, w)?;
    index(c, page.id, name, w.text)?;
    Ok(rev)
}

fn add_revision(
    c: &Connection,
    wiki_id: i64,
    page_id: i64,
    rev: i64,
    w: &Write<'_>,
) -> SResult<()> {
    c.execute(
        "INSERT INTO wiki_revisions (page_id, rev, text, summary, kind, author_id, author_name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![page_id, rev, w.text, w.summary, w.kind, w.author_id, w.author_name, w.now],
    )?;
    c.execute(
        "INSERT INTO wiki_changes (wiki_id, page_id, rev, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![wiki_id, page_id, rev, w.now],
    )?;
    c.execute(
        "UPDATE wikis SET updated_at = ?2 WHERE id = ?1",
        params![wiki_id, w.now],
    )?;
    Ok(())
}

/// A page's search entry holds its name and text folded (`nichoir_storage::search::fold`), so
/// both engines find the same pages for the same query.
fn index(c: &Connection, page_id: i64, name: &str, text: &str) -> SResult<()> {
    c.execute("DELETE FROM wiki_search WHERE rowid = ?1", [page_id])?;
    c.execute(
        "INSERT INTO wiki_search (rowid, name, text) VALUES (?1, ?2, ?3)",
        params![page_id, search::fold(name), search::fold(text)],
    )?;
    Ok(())
}

/// Migration 2: the search entries of the pages written before folding, folded, a hundred pages
/// per read (pages can be long). As before: not the deleted pages, nor the redirects a rename
/// leaves behind.
pub fn refold_search(c: &Connection) -> SResult<()> {
    c.execute("DELETE FROM wiki_search", [])?;
    let mut after = 0_i64;
    loop {
        let mut st = c.prepare_cached(
            "SELECT id, name, text FROM wiki_pages
             WHERE deleted = 0 AND redirect_to IS NULL AND id > ?1 ORDER BY id LIMIT 100",
        )?;
        let pages: Vec<(i64, String, String)> = st
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let Some(&(last, _, _)) = pages.last() else {
            return Ok(());
        };
        for (id, name, text) in &pages {
            index(c, *id, name, text)?;
        }
        after = last;
    }
}

pub fn unindex(c: &Connection, page_id: i64) -> SResult<()> {
    c.execute("DELETE FROM wiki_search WHERE rowid = ?1", [page_id])?;
    Ok(())
}

/// Marks a page deleted (a revision of kind `delete` keeps the text for restore).
pub fn mark_deleted(c: &Connection, page: &PageRow, w: &Write<'_>) -> SResult<i64> {
    let rev = page.rev + 1;
    c.execute(
        "UPDATE wiki_pages SET deleted = 1, rev = ?2, updated_at = ?3 WHERE id = ?1",
        params![page.id, rev, w.now],
    )?;
    add_revision(c, page.wiki_id, page.id, rev, w)?;
    unindex(c, page.id)?;
    c.execute("DELETE FROM wiki_links WHERE from_page = ?1", [page.id])?;
    Ok(rev)
}

/// Moves a page to a new name; its old key may become a redirect row.
pub fn rename(
    c: &Connection,
    page: &PageRow,
    new_name: &str,
    new_key: &str,
    w: &Write<'_>,
) -> SResult<i64> {
    let rev = page.rev + 1;
    c.execute(
        "UPDATE wiki_pages SET name = ?2, key = ?3, rev = ?4, updated_at = ?5 WHERE id = ?1",
        params![page.id, new_name, new_key, rev, w.now],
    )?;
    add_revision(c, page.wiki_id, page.id, rev, w)?;
    index(c, page.id, new_name, &page.text)?;
    Ok(rev)
}

/// Removes a page row for good (a deleted page or an old redirect giving way to a rename).
pub fn delete_page_row(c: &Connection, page_id: i64) -> SResult<()> {
    c.execute("DELETE FROM wiki_pages WHERE id = ?1", [page_id])?;
    Ok(())
}

pub fn insert_redirect(
    c: &Connection,
    wiki_id: i64,
    name: &str,
    key: &str,
    to_key: &str,
    now: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO wiki_pages (wiki_id, name, key, rev, text, redirect_to, created_at, updated_at)
         VALUES (?1, ?2, ?3, 0, '', ?4, ?5, ?5)",
        params![wiki_id, name, key, to_key, now],
    )?;
    Ok(())
}

pub fn set_links(c: &Connection, wiki_id: i64, page_id: i64, keys: &[String]) -> SResult<()> {
    c.execute("DELETE FROM wiki_links WHERE from_page = ?1", [page_id])?;
    let mut st = c.prepare_cached(
        "INSERT INTO wiki_links (wiki_id, from_page, to_key) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?;
    for k in keys {
        st.execute(params![wiki_id, page_id, k])?;
    }
    Ok(())
}

/// A page appeared or went under `key`: the pages linking to it re-render on their next view.
pub fn invalidate_linkers(c: &Connection, wiki_id: i64, key: &str) -> SResult<()> {
    c.execute(
        "UPDATE wiki_pages SET html = NULL WHERE id IN (SELECT from_page FROM wiki_links WHERE wiki_id = ?1 AND to_key = ?2)",
        params![wiki_id, key],
    )?;
    Ok(())
}

pub fn store_render(c: &Connection, page_id: i64, rev: i64, html: &str, toc: &str) -> SResult<()> {
    c.execute(
        "UPDATE wiki_pages SET html = ?3, toc = ?4 WHERE id = ?1 AND rev = ?2",
        params![page_id, rev, html, toc],
    )?;
    Ok(())
}

pub fn set_page_rules(c: &Connection, page_id: i64, view: PageRule, edit: PageRule) -> SResult<()> {
    c.execute(
        "UPDATE wiki_pages SET view_rule = ?2, edit_rule = ?3 WHERE id = ?1",
        params![page_id, view.as_str(), edit.as_str()],
    )?;
    Ok(())
}

/// Pages linking to `key` (names, with their view rule so the caller can filter).
pub fn backlinks(c: &Connection, wiki_id: i64, key: &str) -> SResult<Vec<PageRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {} FROM wiki_pages p JOIN wiki_links l ON l.from_page = p.id
         WHERE l.wiki_id = ?1 AND l.to_key = ?2 AND p.deleted = 0 ORDER BY p.key",
        PAGE_COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let rows = st.query_map(params![wiki_id, key], page_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn revisions(
    c: &Connection,
    page_id: i64,
    before: i64,
    limit: i64,
) -> SResult<Vec<RevisionInfo>> {
    let mut st = c.prepare_cached(
        "SELECT r.rev, r.summary, r.kind, r.author_name, r.created_at,
                LENGTH(r.text) - COALESCE((SELECT LENGTH(p.text) FROM wiki_revisions p WHERE p.page_id = r.page_id AND p.rev = r.rev - 1), 0)
         FROM wiki_revisions r WHERE r.page_id = ?1 AND r.rev < ?2 ORDER BY r.rev DESC LIMIT ?3",
    )?;
    let rows = st.query_map(params![page_id, before, limit], |r| {
        Ok(RevisionInfo {
            rev: r.get(0)?,
            summary: r.get(1)?,
            kind: r.get(2)?,
            author_name: r.get(3)?,
            created_at: r.get(4)?,
            size_change: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every revision with its text, oldest first (export).
pub fn full_history(c: &Connection, page_id: i64) -> SResult<Vec<(RevisionInfo, String)>> {
    let mut st = c.prepare_cached(
        "SELECT rev, summary, kind, author_name, created_at, text FROM wiki_revisions WHERE page_id = ?1 ORDER BY rev",
    )?;
    let rows = st.query_map([page_id], |r| {
        Ok((
            RevisionInfo {
                rev: r.get(0)?,
                summary: r.get(1)?,
                kind: r.get(2)?,
                author_name: r.get(3)?,
                created_at: r.get(4)?,
                size_change: 0,
            },
            r.get(5)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn revision_text(c: &Connection, page_id: i64, rev: i64) -> SResult<Option<String>> {
    Ok(
        c.prepare_cached("SELECT text FROM wiki_revisions WHERE page_id = ?1 AND rev = ?2")?
            .query_row(params![page_id, rev], |r| r.get(0))
            .optional()?,
    )
}

/// Every revision `user_id` wrote, in any wiki, oldest first (their data export).
pub fn revisions_by(c: &Connection, user_id: &str) -> SResult<Vec<MyRevision>> {
    let mut st = c.prepare_cached(
        "SELECT w.slug, p.name, r.rev, r.summary, r.kind, r.created_at FROM wiki_revisions r
                     JOIN wiki_pages p ON p.id = r.page_id JOIN wikis w ON w.id = p.wiki_id
                     WHERE r.author_id = ?1 ORDER BY r.created_at",
    )?;
    let rows = st.query_map([user_id], |r| {
        Ok(MyRevision {
            wiki: r.get(0)?,
            page: r.get(1)?,
            rev: r.get(2)?,
            summary: r.get(3)?,
            kind: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<MyRevision>, _>>()?)
}

pub struct ChangeFilter<'a> {
    pub author: Option<&'a str>,
    pub page_key: Option<&'a str>,
    pub before_id: i64,
    pub limit: i64,
}

/// Recent changes of a wiki, newest first, with the page's view rule for filtering.
pub fn changes(
    c: &Connection,
    wiki_id: i64,
    f: &ChangeFilter<'_>,
) -> SResult<Vec<(i64, ChangeInfo, PageRule)>> {
    let mut st = c.prepare_cached(
        "SELECT ch.id, p.name, r.rev, r.summary, r.kind, r.author_name, r.created_at, p.view_rule
         FROM wiki_changes ch JOIN wiki_revisions r ON r.page_id = ch.page_id AND r.rev = ch.rev
         JOIN wiki_pages p ON p.id = ch.page_id
         WHERE ch.wiki_id = ?1 AND ch.id < ?2 AND (?3 IS NULL OR r.author_name = ?3) AND (?4 IS NULL OR p.key = ?4)
         ORDER BY ch.id DESC LIMIT ?5",
    )?;
    let rows = st.query_map(
        params![wiki_id, f.before_id, f.author, f.page_key, f.limit],
        |r| {
            let rule: String = r.get(7)?;
            Ok((
                r.get(0)?,
                ChangeInfo {
                    page: r.get(1)?,
                    rev: r.get(2)?,
                    summary: r.get(3)?,
                    kind: r.get(4)?,
                    author_name: r.get(5)?,
                    created_at: r.get(6)?,
                },
                PageRule::parse(&rule).ok_or_else(|| bad("view_rule"))?,
            ))
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct Hit {
    pub wiki_id: i64,
    pub page: String,
    /// The page's wiki text: [`snippet`] makes the excerpt, off the read pool.
    pub text: String,
    pub view_rule: PageRule,
}

/// The excerpt of a hit: words around the first one `query` finds, from what a reader sees of the
/// page (its marks would otherwise show as `**`, `[[` and `#`). CPU work over a whole page: run it
/// on the work pool.
pub fn snippet(text: &str, query: &str) -> String {
    search::snippet(&nichoir_wikitext::plain::to_plain(text), query, 12)
}

/// Full-text search; `wiki` limits it to one wiki, else only public wikis are searched.
///
/// The order is one both engines produce exactly, not a rank (bm25 and ts_rank weigh words
/// differently, so the same pages came in different orders): pages whose name holds every
/// term first, then the most recently changed, then the newest page. The name test is the
/// same query limited to the name: the `name` column on FTS5, the words weighted `A` on
/// PostgreSQL. The excerpt is made in Rust from the page's text ([`snippet`]), the same on
/// both.
pub fn search(c: &Connection, query: &str, wiki: Option<i64>, limit: i64) -> SResult<Vec<Hit>> {
    let (sql, words, in_name) = match c.dialect() {
        Dialect::Sqlite => (
            "SELECT p.wiki_id, p.name, p.text, p.view_rule
             FROM wiki_search s JOIN wiki_pages p ON p.id = s.rowid JOIN wikis w ON w.id = p.wiki_id
             WHERE wiki_search MATCH ?1 AND p.deleted = 0
               AND (?2 IS NOT NULL AND p.wiki_id = ?2 OR ?2 IS NULL AND w.visibility = 'public' AND p.view_rule = 'inherit')
             ORDER BY CASE WHEN s.rowid IN (SELECT rowid FROM wiki_search WHERE wiki_search MATCH ?4)
                           THEN 0 ELSE 1 END,
                      p.updated_at DESC, p.id DESC
             LIMIT ?3",
            search::fts5_match(query),
            search::fts5_in_column("name", query),
        ),
        // A phrase stays within the name or within the text (tsquery_per_column), as FTS5
        // keeps it within one column.
        Dialect::Postgres => (
            "SELECT p.wiki_id, p.name, p.text, p.view_rule
             FROM wiki_search s JOIN wiki_pages p ON p.id = s.rowid JOIN wikis w ON w.id = p.wiki_id
             WHERE s.tsv @@ to_tsquery('simple', public.unaccent('public.unaccent', ?1)) AND p.deleted = 0
               AND (?2 IS NOT NULL AND p.wiki_id = ?2 OR ?2 IS NULL AND w.visibility = 'public' AND p.view_rule = 'inherit')
             ORDER BY CASE WHEN s.tsv @@ to_tsquery('simple', public.unaccent('public.unaccent', ?4)) THEN 0 ELSE 1 END,
                      p.updated_at DESC, p.id DESC
             LIMIT ?3",
            search::tsquery_per_column(query),
            search::tsquery_weighted(query, "A"),
        ),
    };
    if words.is_empty() {
        // Only words that fold to nothing: no page holds them, on either engine.
        return Ok(Vec::new());
    }
    let mut st = c.prepare_cached(sql)?;
    let rows = st.query_map(params![words, wiki, limit, in_name], |r| {
        let rule: String = r.get(3)?;
        Ok(Hit {
            wiki_id: r.get(0)?,
            page: r.get(1)?,
            text: r.get(2)?,
            view_rule: PageRule::parse(&rule).ok_or_else(|| bad("view_rule"))?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One revision of an imported page, as the archive has it.
pub struct ImportedRevision<'a> {
    pub rev: i64,
    pub text: &'a str,
    pub summary: &'a str,
    pub author_name: &'a str,
    pub created_at: i64,
}

/// A page with its whole history (import); rendering and links are done by the caller once every
/// page is in.
pub fn insert_imported_page(
    c: &Connection,
    wiki_id: i64,
    name: &str,
    key: &str,
    revs: &[ImportedRevision<'_>],
) -> SResult<i64> {
    let (Some(first), Some(last)) = (revs.first(), revs.last()) else {
        return Err(nichoir_core::Error::validation(format!("page {name}: no revision")).into());
    };
    let id: i64 = c.query_row(
        "INSERT INTO wiki_pages (wiki_id, name, key, rev, text, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        params![
            wiki_id,
            name,
            key,
            last.rev,
            last.text,
            first.created_at,
            last.created_at
        ],
        |r| r.get(0),
    )?;
    let mut st = c.prepare_cached(
        "INSERT INTO wiki_revisions (page_id, rev, text, summary, kind, author_id, author_name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
    )?;
    let mut ch = c.prepare_cached(
        "INSERT INTO wiki_changes (wiki_id, page_id, rev, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, r) in revs.iter().enumerate() {
        let kind = if i == 0 { "create" } else { "edit" };
        st.execute(params![
            id,
            r.rev,
            r.text,
            r.summary,
            kind,
            r.author_name,
            r.created_at
        ])?;
        ch.execute(params![wiki_id, id, r.rev, r.created_at])?;
    }
    index(c, id, name, last.text)?;
    Ok(id)
}

/// A deleted account (`nichoir_core::departure`): its memberships, watches and notifications
/// go; its revisions and comments stay, under `name`.
pub fn forget_user(c: &Connection, user_id: &str, name: &str) -> SResult<()> {
    c.execute("DELETE FROM wiki_members WHERE user_id = ?1", [user_id])?;
    c.execute("DELETE FROM wiki_watches WHERE user_id = ?1", [user_id])?;
    c.execute(
        "DELETE FROM wiki_notifications WHERE user_id = ?1",
        [user_id],
    )?;
    c.execute(
        "UPDATE wiki_revisions SET author_name = ?2 WHERE author_id = ?1",
        params![user_id, name],
    )?;
    c.execute(
        "UPDATE wiki_comments SET author_name = ?2 WHERE author_id = ?1",
        params![user_id, name],
    )?;
    Ok(())
}

/// Erases a deleted account's comments (its page edits stay: they are the pages' history).
pub fn erase_user_comments(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute("DELETE FROM wiki_comments WHERE author_id = ?1", [user_id])?;
    Ok(())
}

/// Wikis whose title or address matches `pattern` (admin moderation's search), newest first.
pub fn moderation_search(
    c: &Connection,
    pattern: &str,
    limit: i64,
) -> SResult<Vec<(String, String, i64)>> {
    let mut st = c.prepare(
        "SELECT slug, title || ' (' || slug || ')', created_at FROM wikis
         WHERE lower(title) LIKE ?1 ESCAPE '\\' OR lower(slug) LIKE ?1 ESCAPE '\\'
         ORDER BY created_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![pattern, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use nichoir_storage::{params, Connection};

    /// A database from before folding: migration 2 folds the entries of its pages, and leaves
    /// deleted pages and redirects out as they were.
    #[test]
    fn migration_2_folds_the_search_entries_of_older_pages() {
        let c = Connection::open_in_memory().expect("db");
        let (old, new) = crate::migrations::MIGRATIONS.migrations.split_at(1);
        nichoir_storage::testing::apply_on_sqlite(&c, old).expect("old migrations");
        c.execute(
            "INSERT INTO wikis (id, slug, title, description, visibility, edit_policy, theme_color,
                                home_page, menu, created_by, created_at, updated_at)
             VALUES (1, 'w', 'W', '', 'public', 'members', '', 'Home', '', 'u', 0, 0)",
            [],
        )
        .expect("wiki");
        for (id, name, text, deleted, redirect) in [
            (1_i64, "Cœur", "Die Straße, 東京タワー", 0_i64, None),
            (2, "Old", "Straße", 1, None),
            (3, "Moved", "", 0, Some("coeur")),
        ] {
            c.execute(
                "INSERT INTO wiki_pages (id, wiki_id, name, key, rev, text, deleted, redirect_to,
                                         created_at, updated_at)
                 VALUES (?1, 1, ?2, ?2, 1, ?3, ?4, ?5, 0, 0)",
                params![id, name, text, deleted, redirect],
            )
            .expect("page");
            if deleted == 0 && redirect.is_none() {
                c.execute(
                    "INSERT INTO wiki_search (rowid, name, text) VALUES (?1, ?2, ?3)",
                    params![id, name, text],
                )
                .expect("entry");
            }
        }
        nichoir_storage::testing::apply_on_sqlite(&c, new).expect("new migrations");
        let find = |q: &str| {
            let query = crate::service::fts_query(q).expect("query");
            super::search(&c, &query, Some(1), 10)
                .expect("search")
                .into_iter()
                .map(|h| (h.page, super::snippet(&h.text, &query)))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            find("coeur strasse"),
            vec![(
                "Cœur".to_string(),
                "Die \u{2}Straße\u{3}, 東京タワー".to_string()
            )]
        );
        assert_eq!(find("タワー").len(), 1);
        assert_eq!(find("moved"), vec![]);
        assert_eq!(find("old"), vec![]);
    }
}
