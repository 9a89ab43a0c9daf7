//! The pad tables' SQL. Functions take a connection or transaction: the engine decides when.

use std::collections::HashMap;

use nichoir_ot::Operation;
use nichoir_storage::{
    params, values_placeholders, Connection, Dialect, OptionalExtension, Params, SResult,
    Statement, StorageError, ToValue,
};

use crate::api::MyPad;
use crate::authorship::Authorship;
use crate::model::{Author, PadInfo, RevisionInfo};

pub(crate) struct StoredRev {
    pub rev: u64,
    pub op: Operation,
    pub author_id: String,
    pub client_id: String,
    pub seq: u64,
}

fn bad_row(e: impl std::fmt::Display) -> StorageError {
    StorageError::Invalid(format!("corrupt pad row: {e}"))
}

pub(crate) fn pad_by(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> SResult<Option<(PadInfo, bool)>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT id, readonly_id, owner_id, {TRUE_HEAD},
                        created_at, updated_at, deleted_at IS NOT NULL, password_hash IS NOT NULL
                 FROM pads p WHERE {column} = ?1"
            ),
            [value],
            |r| {
                Ok((
                    PadInfo {
                        id: r.get(0)?,
                        readonly_id: r.get(1)?,
                        owner_id: r.get(2)?,
                        rev: r.get::<_, i64>(3)? as u64,
                        created_at: r.get(4)?,
                        updated_at: r.get(5)?,
                        protected: r.get(7)?,
                    },
                    r.get::<_, bool>(6)?,
                ))
            },
        )
        .optional()?)
}

pub(crate) fn insert_pad(tx: &Connection, info: &PadInfo) -> SResult<()> {
    tx.execute(
        "INSERT INTO pads (id, readonly_id, owner_id, rev, created_at, updated_at, last_used_at)
         VALUES (?1, ?2, ?3, 0, ?4, ?4, ?4)",
        params![info.id, info.readonly_id, info.owner_id, info.created_at],
    )?;
    tx.execute(
        "INSERT INTO pad_snapshots (pad_id, rev, text, authorship, clients) VALUES (?1, 0, '', '[]', '{}')",
        [&info.id],
    )?;
    Ok(())
}

/// Each client's last edit on a pad: client id → (seq, rev). With it in memory, an edit from a
/// client the pad does not know is new, and a resent edit is found, without asking the database.
pub(crate) type ClientSeqs = HashMap<String, (u64, u64)>;

/// The newest snapshot at or before `rev`, with its clients when it has them (see migration 4).
pub(crate) fn snapshot_at(
    conn: &Connection,
    pad: &str,
    rev: u64,
) -> SResult<(u64, String, Authorship, Option<ClientSeqs>)> {
    type Row = (i64, String, String, Option<Vec<u8>>, Option<String>);
    let (r, text, auth, packed, clients): Row = conn.query_row(
        "SELECT rev, text, authorship, packed, clients FROM pad_snapshots
         WHERE pad_id = ?1 AND rev <= ?2 ORDER BY rev DESC LIMIT 1",
        params![pad, rev as i64],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let (text, auth) = match packed {
        Some(bytes) => unpack(&bytes)?,
        None => (text, auth),
    };
    let auth: Authorship = serde_json::from_str(&auth).map_err(bad_row)?;
    let clients = match clients {
        Some(json) => Some(serde_json::from_str(&json).map_err(bad_row)?),
        None => None,
    };
    Ok((r as u64, text, auth, clients))
}

/// The clients' last edits up to `upto`, read from every revision: for a snapshot written
/// before snapshots kept them (once per such pad: its next snapshot keeps them).
pub(crate) fn clients_by_scan(conn: &Connection, pad: &str, upto: u64) -> SResult<ClientSeqs> {
    let mut s = conn.prepare(
        "SELECT client_id, seq, rev FROM pad_revisions WHERE pad_id = ?1 AND rev <= ?2 ORDER BY rev",
    )?;
    let rows = s.query_map(params![pad, upto as i64], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)? as u64,
            r.get::<_, i64>(2)? as u64,
        ))
    })?;
    let mut out = ClientSeqs::new();
    for row in rows {
        let (client, seq, rev) = row?;
        out.insert(client, (seq, rev));
    }
    Ok(out)
}

/// Snapshots are stored deflated: a pad's text and authorship compress several times over, and a
/// long history keeps many of them.
fn pack(text: &str, authorship: &str) -> SResult<Vec<u8>> {
    use std::io::Write;
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let header = format!("{}\n", text.len());
    for part in [header.as_bytes(), text.as_bytes(), authorship.as_bytes()] {
        z.write_all(part).map_err(bad_row)?;
    }
    z.finish().map_err(bad_row)
}

fn unpack(bytes: &[u8]) -> SResult<(String, String)> {
    use std::io::Read;
    let mut all = String::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_string(&mut all)
        .map_err(bad_row)?;
    let (len, rest) = all.split_once('\n').ok_or_else(|| bad_row("no length"))?;
    let len: usize = len.parse().map_err(bad_row)?;
    if !rest.is_char_boundary(len) {
        return Err(bad_row("bad text length"));
    }
    let (text, auth) = rest.split_at(len);
    Ok((text.to_string(), auth.to_string()))
}

/// Revisions in (after, upto], in order.
pub(crate) fn revisions_between(
    conn: &Connection,
    pad: &str,
    after: u64,
    upto: u64,
) -> SResult<Vec<StoredRev>> {
    let mut s = conn.prepare_cached(
        "SELECT rev, op, author_id, client_id, seq FROM pad_revisions
         WHERE pad_id = ?1 AND rev > ?2 AND rev <= ?3 ORDER BY rev",
    )?;
    let rows = s.query_map(params![pad, after as i64, upto as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (rev, op, author_id, client_id, seq) = row?;
        out.push(StoredRev {
            rev: rev as u64,
            op: serde_json::from_str(&op).map_err(bad_row)?,
            author_id,
            client_id,
            seq: seq as u64,
        });
    }
    Ok(out)
}

/// Revisions searched back from a client's last edit for an older one (see
/// [`rev_of_client_seq`]).
pub(crate) const RESEND_LOOKBACK: u64 = 10_000;

/// The revision of `client`'s edit `seq`, older than its last one (at `last_rev`): a client
/// resends only its last edit, so this is a broken or hostile one, and the search is bounded
/// (no index serves it: see migration 4).
pub(crate) fn rev_of_client_seq(
    conn: &Connection,
    pad: &str,
    client: &str,
    seq: u64,
    last_rev: u64,
) -> SResult<Option<u64>> {
    Ok(conn
        .query_row(
            "SELECT rev FROM pad_revisions WHERE pad_id = ?1 AND rev > ?4 AND rev <= ?5
               AND client_id = ?2 AND seq = ?3",
            params![
                pad,
                client,
                seq as i64,
                last_rev.saturating_sub(RESEND_LOOKBACK) as i64,
                last_rev as i64
            ],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .map(|r| r as u64))
}

pub(crate) struct NewRev<'a> {
    pub pad: &'a str,
    pub rev: u64,
    pub op: &'a Operation,
    pub author: &'a Author,
    pub client_id: &'a str,
    pub seq: u64,
    pub now: i64,
    /// Text, authorship and clients (JSON of [`ClientSeqs`]) to store as a snapshot at this
    /// revision, if it is one.
    pub snapshot: Option<(&'a str, &'a Authorship, &'a str)>,
}

/// Stores one revision and moves the pad's head to it; true if its author is new to the pad.
pub(crate) fn insert_revision(tx: &Connection, r: &NewRev<'_>) -> SResult<bool> {
    insert_revision_row(tx, r)?;
    set_head(tx, r.pad, r.rev, r.now)?;
    note_author(tx, r.pad, r.author, r.rev)
}

// The statements below are cached on the writer's connection: they run for every edit, and
// preparing them each time (SQL parsing and planning) cost more than running them.

/// The revision's row (and its snapshot, if any); the pad's head is moved by [`set_head`].
pub(crate) fn insert_revision_row(tx: &Connection, r: &NewRev<'_>) -> SResult<()> {
    let op = serde_json::to_string(r.op).map_err(bad_row)?;
    tx.prepare_cached(
        "INSERT INTO pad_revisions (pad_id, rev, op, author_id, client_id, seq, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        r.pad,
        r.rev as i64,
        op,
        r.author.id,
        r.client_id,
        r.seq as i64,
        r.now
    ])?;
    if let Some((text, auth, clients)) = r.snapshot {
        let auth = serde_json::to_string(auth).map_err(bad_row)?;
        tx.prepare_cached(
            "INSERT INTO pad_snapshots (pad_id, rev, text, authorship, packed, clients)
             VALUES (?1, ?2, '', '', ?3, ?4)",
        )?
        .execute(params![r.pad, r.rev as i64, pack(text, &auth)?, clients])?;
    }
    Ok(())
}

/// One pad's revisions to append (in order, none carrying a snapshot) and when.
pub(crate) struct PadRows<'a> {
    pub pad: &'a str,
    /// (rev, op, author, client id, seq)
    pub rows: Vec<(u64, &'a Operation, &'a Author, &'a str, u64)>,
    pub now: i64,
    /// Whether the pad's row takes its new head and times (see [`true_head`]).
    pub head: bool,
}

/// Appends the revisions of several pads' batches and moves each pad's head to its last one:
/// the hot path of every edit.
///
/// On PostgreSQL one statement for all: the rows travel as one JSON parameter, so its text is the
/// same however many pads and edits a call holds (prepared once per connection), and the heads
/// move in the same statement (a data-modifying `WITH`, which SQLite does not have). Each
/// statement is a round trip on the single writer's connection there, and a thousand busy pads
/// would otherwise queue behind each other's round trips.
pub(crate) fn append_revisions(tx: &Connection, pads: &[PadRows<'_>]) -> SResult<()> {
    if tx.dialect() == Dialect::Sqlite {
        return append_on_sqlite(tx, pads);
    }
    let mut rows = Vec::new();
    let mut heads = Vec::new();
    for p in pads {
        let Some(&(head, ..)) = p.rows.last() else {
            continue;
        };
        for (rev, op, author, client_id, seq) in &p.rows {
            let op = serde_json::to_string(op).map_err(bad_row)?;
            rows.push(serde_json::json!([
                p.pad, rev, op, author.id, client_id, seq, p.now
            ]));
        }
        if p.head {
            heads.push(serde_json::json!([p.pad, head, p.now]));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let rows = serde_json::Value::Array(rows).to_string();
    let heads = serde_json::Value::Array(heads).to_string();
    tx.prepare_cached(
        "WITH appended AS (
           INSERT INTO pad_revisions (pad_id, rev, op, author_id, client_id, seq, created_at)
           SELECT r ->> 0, (r ->> 1)::bigint, r ->> 2, r ->> 3, r ->> 4,
                  (r ->> 5)::bigint, (r ->> 6)::bigint
           FROM json_array_elements(?1::json) AS r
         )
         UPDATE pads SET rev = (h ->> 1)::bigint, updated_at = (h ->> 2)::bigint,
                last_used_at = (h ->> 2)::bigint
         FROM json_array_elements(?2::json) AS h WHERE pads.id = h ->> 0",
    )?
    .execute([&rows, &heads])?;
    Ok(())
}

/// Rows per SQLite statement: 7 parameters a revision stays far below SQLite's 32,766.
const SQLITE_ROWS_PER_STATEMENT: usize = 1_000;

/// On SQLite, a VALUES list (cheaper to run than JSON to build and take apart): one INSERT for
/// every pad's revisions and one UPDATE for every pad's head, per thousand rows. Statement texts
/// vary with the row count (see [`prepare_sized`]).
fn append_on_sqlite(tx: &Connection, pads: &[PadRows<'_>]) -> SResult<()> {
    struct Row<'a> {
        pad: &'a str,
        nums: [i64; 3],
        op: String,
        author: &'a str,
        client: &'a str,
    }
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut heads: Vec<(&str, [i64; 2])> = Vec::new();
    for p in pads {
        let Some(&(head, ..)) = p.rows.last() else {
            continue;
        };
        for (rev, op, author, client, seq) in &p.rows {
            rows.push(Row {
                pad: p.pad,
                nums: [*rev as i64, *seq as i64, p.now],
                op: serde_json::to_string(op).map_err(bad_row)?,
                author: &author.id,
                client,
            });
        }
        if p.head {
            heads.push((p.pad, [head as i64, p.now]));
        }
    }
    for chunk in rows.chunks(SQLITE_ROWS_PER_STATEMENT) {
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(chunk.len() * 7);
        for r in chunk {
            values.extend([
                &r.pad as &dyn ToValue,
                &r.nums[0],
                &r.op,
                &r.author,
                &r.client,
                &r.nums[1],
                &r.nums[2],
            ]);
        }
        prepare_sized(
            tx,
            chunk.len(),
            &format!(
                "INSERT INTO pad_revisions (pad_id, rev, op, author_id, client_id, seq, created_at) VALUES {}",
                values_placeholders(chunk.len(), 7)
            ),
        )?
        .execute(values.as_slice())?;
    }
    for chunk in heads.chunks(SQLITE_ROWS_PER_STATEMENT) {
        if let [(pad, [head, now])] = chunk {
            set_head(tx, pad, *head as u64, *now)?;
            continue;
        }
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(chunk.len() * 3);
        for (pad, nums) in chunk {
            values.extend([pad as &dyn ToValue, &nums[0], &nums[1]]);
        }
        prepare_sized(
            tx,
            chunk.len(),
            &format!(
                "UPDATE pads SET rev = v.column2, updated_at = v.column3, last_used_at = v.column3
                 FROM (VALUES {}) AS v WHERE pads.id = v.column1",
                values_placeholders(chunk.len(), 3)
            ),
        )?
        .execute(values.as_slice())?;
    }
    Ok(())
}

/// A statement whose text depends on its row count: cached for the few small counts a quiet
/// server repeats, prepared for this use otherwise.
fn prepare_sized<'c>(tx: &'c Connection, rows: usize, sql: &str) -> SResult<Statement<'c>> {
    Ok(if rows <= 4 {
        tx.prepare_cached(sql)?
    } else {
        tx.prepare(sql)?
    })
}

/// The head of the pad `p` of a query, as [`true_head`] reads it.
const TRUE_HEAD: &str =
    "(SELECT COALESCE(MAX(r.rev), p.rev) FROM pad_revisions r WHERE r.pad_id = p.id)";

/// A pad's last revision as stored. The row of `pads` takes its head only now and then (every
/// [`crate::service`] batch would otherwise rewrite a page of `pads` per busy pad, one of the
/// three pages each edit of a thousand busy pads wrote): the revisions are the truth, and their
/// primary key finds the last one in one seek.
pub(crate) fn true_head(conn: &Connection, pad: &str) -> SResult<Option<u64>> {
    Ok(conn
        .query_row(
            &format!("SELECT {TRUE_HEAD} FROM pads p WHERE p.id = ?1"),
            [pad],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .map(|r| r as u64))
}

pub(crate) fn set_head(tx: &Connection, pad: &str, rev: u64, now: i64) -> SResult<()> {
    tx.prepare_cached(
        "UPDATE pads SET rev = ?2, updated_at = ?3, last_used_at = ?3 WHERE id = ?1",
    )?
    .execute(params![pad, rev as i64, now])?;
    Ok(())
}

/// Records that `author` wrote revision `rev` (once per author and batch); true if the author is
/// new to the pad.
pub(crate) fn note_author(tx: &Connection, pad: &str, author: &Author, rev: u64) -> SResult<bool> {
    let new_author =
        tx.prepare_cached(
            "INSERT INTO pad_authors (pad_id, author_id, display_name, color, first_rev)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            pad,
            author.id,
            author.name,
            author.color,
            rev as i64
        ])? == 1;
    if !new_author {
        // People rename themselves: the pad shows their current name.
        tx.prepare_cached(
            "UPDATE pad_authors SET display_name = ?3, color = ?4 WHERE pad_id = ?1 AND author_id = ?2
             AND (display_name <> ?3 OR color <> ?4)",
        )?
        .execute(params![pad, author.id, author.name, author.color])?;
    }
    Ok(new_author)
}

pub(crate) fn authors(conn: &Connection, pad: &str) -> SResult<Vec<Author>> {
    let mut s = conn.prepare_cached(
        "SELECT author_id, display_name, color FROM pad_authors WHERE pad_id = ?1 ORDER BY first_rev",
    )?;
    let rows = s.query_map([pad], |r| {
        Ok(Author {
            id: r.get(0)?,
            name: r.get(1)?,
            color: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn revision_list(
    conn: &Connection,
    pad: &str,
    before: u64,
    limit: u64,
) -> SResult<Vec<RevisionInfo>> {
    let mut s = conn.prepare_cached(
        "SELECT rev, op, author_id, created_at FROM pad_revisions WHERE pad_id = ?1 AND rev < ?2
         ORDER BY rev DESC LIMIT ?3",
    )?;
    let rows = revision_rows(&mut s, params![pad, before as i64, limit as i64])?;
    Ok(rows
        .into_iter()
        .map(|(rev, op, author_id, created_at)| RevisionInfo {
            rev,
            author_id,
            created_at,
            inserted: op.inserted_chars(),
            deleted: op.deleted_chars(),
        })
        .collect())
}

/// Rows of `SELECT rev, op, author_id, created_at FROM pad_revisions …`, their ops parsed.
fn revision_rows(
    s: &mut Statement<'_>,
    p: impl Params,
) -> SResult<Vec<(u64, Operation, String, i64)>> {
    let rows = s.query_map(p, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (rev, op, author_id, created_at) = row?;
        let op: Operation = serde_json::from_str(&op).map_err(bad_row)?;
        out.push((rev as u64, op, author_id, created_at));
    }
    Ok(out)
}

/// Every revision of a pad in order, for a history export: (rev, op, author id, created at).
pub(crate) fn history(conn: &Connection, pad: &str) -> SResult<Vec<(u64, Operation, String, i64)>> {
    let mut s = conn.prepare_cached(
        "SELECT rev, op, author_id, created_at FROM pad_revisions WHERE pad_id = ?1 ORDER BY rev",
    )?;
    revision_rows(&mut s, params![pad])
}

/// A deleted account (`nichoir_core::departure`): its visits and password grants go; its name
/// in author lists and pad chat becomes `name`; the pads it created stay, without an owner.
pub fn forget_user(c: &Connection, user_id: &str, name: &str) -> SResult<()> {
    c.execute("DELETE FROM pad_visits WHERE user_id = ?1", [user_id])?;
    c.execute("DELETE FROM pad_grants WHERE actor_id = ?1", [user_id])?;
    c.execute(
        "UPDATE pad_authors SET display_name = ?2 WHERE author_id = ?1",
        params![user_id, name],
    )?;
    c.execute(
        "UPDATE pad_chat SET display_name = ?2 WHERE author_id = ?1",
        params![user_id, name],
    )?;
    c.execute(
        "UPDATE pads SET owner_id = NULL WHERE owner_id = ?1",
        [user_id],
    )?;
    crate::etherpad::forget_actor(c, user_id)?;
    Ok(())
}

/// Erases a deleted account's pad chat lines (its part of pads' text stays: it is woven into
/// others').
pub fn erase_user_chat(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute("DELETE FROM pad_chat WHERE author_id = ?1", [user_id])?;
    Ok(())
}

/// Pads whose name matches `pattern` (admin moderation's search), newest first.
pub fn moderation_search(
    c: &Connection,
    pattern: &str,
    limit: i64,
) -> SResult<Vec<(String, String, i64)>> {
    let mut st = c.prepare(
        "SELECT id, id, created_at FROM pads WHERE deleted_at IS NULL AND lower(id) LIKE ?1 ESCAPE '\\'
         ORDER BY created_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![pattern, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The pads `user_id` created or opened, most recently touched first: (id, when, created by
/// them). Deleted pads are left out.
pub(crate) fn recent_pads(
    c: &Connection,
    user_id: &str,
    limit: i64,
) -> SResult<Vec<(String, i64, bool)>> {
    let mut st = c.prepare_cached(
        "SELECT p.id, COALESCE(v.visited_at, p.created_at) AS at, p.owner_id IS NOT NULL AND p.owner_id = ?1
         FROM pads p LEFT JOIN pad_visits v ON v.pad_id = p.id AND v.user_id = ?1
         WHERE p.deleted_at IS NULL AND (p.owner_id = ?1 OR v.user_id IS NOT NULL)
         ORDER BY at DESC, p.id LIMIT ?2",
    )?;
    let rows = st.query_map(params![user_id, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The pads `user_id` may open today among those they created or opened (a password set since
/// their visit shuts them out unless they hold a grant), most recent first: (id, rev, when).
pub(crate) fn openable_pads(
    c: &Connection,
    user_id: &str,
    limit: i64,
) -> SResult<Vec<(String, u64, i64)>> {
    let mut st = c.prepare_cached(
        "SELECT p.id, p.rev, COALESCE(v.visited_at, p.created_at) AS at
         FROM pads p LEFT JOIN pad_visits v ON v.pad_id = p.id AND v.user_id = ?1
         WHERE p.deleted_at IS NULL AND (p.owner_id = ?1 OR v.user_id IS NOT NULL)
           AND (p.password_hash IS NULL OR p.owner_id = ?1
                OR EXISTS (SELECT 1 FROM pad_grants g WHERE g.pad_id = p.id AND g.actor_id = ?1))
         ORDER BY at DESC, p.id LIMIT ?2",
    )?;
    let rows = st.query_map(params![user_id, limit], |r| {
        Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A pad's text at `rev`, from its last snapshot and the revisions after it.
pub(crate) fn text_at(c: &Connection, pad: &str, rev: u64) -> SResult<String> {
    let (snap_rev, text, _, _) = snapshot_at(c, pad, rev)?;
    // Composed first, as a pad's load does: one pass over the text however long the tail.
    let mut combined: Option<Operation> = None;
    for r in revisions_between(c, pad, snap_rev, rev)? {
        combined = Some(match combined {
            None => r.op,
            Some(op) => op.compose(&r.op).map_err(bad_row)?,
        });
    }
    match combined {
        Some(op) => op.apply(&text).map_err(bad_row),
        None => Ok(text),
    }
}

/// A pad's content goes for good: its row stays, marked deleted at `now`, so that its id is not
/// reused by accident.
pub(crate) fn erase_pad(tx: &Connection, id: &str, now: i64) -> SResult<()> {
    tx.execute(
        "UPDATE pads SET deleted_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    for table in [
        "pad_comments",
        "pad_comment_threads",
        "pad_revisions",
        "pad_snapshots",
        "pad_chat",
        "pad_saved_revisions",
        "pad_grants",
        "pad_authors",
        "pad_images",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE pad_id = ?1"), [id])?;
    }
    Ok(())
}

/// Whether `actor` gave the pad's password.
pub(crate) fn has_grant(c: &Connection, pad: &str, actor: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM pad_grants WHERE pad_id = ?1 AND actor_id = ?2)",
        params![pad, actor],
        |r| r.get::<_, bool>(0),
    )?)
}

/// Sets or removes (None) a pad's password hash.
pub(crate) fn set_password_hash(tx: &Connection, id: &str, hash: Option<&str>) -> SResult<()> {
    tx.execute(
        "UPDATE pads SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )?;
    // A new password (or none) invalidates what was granted with the old one.
    tx.execute("DELETE FROM pad_grants WHERE pad_id = ?1", [id])?;
    Ok(())
}

/// A pad's password hash (None: no password).
pub(crate) fn password_hash(c: &Connection, id: &str) -> SResult<Option<String>> {
    Ok(
        c.query_row("SELECT password_hash FROM pads WHERE id = ?1", [id], |r| {
            r.get(0)
        })?,
    )
}

/// Whether the pad has a password (false for a pad that does not exist).
pub(crate) fn has_password(c: &Connection, id: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT password_hash IS NOT NULL FROM pads WHERE id = ?1",
        [id],
        |r| r.get::<_, bool>(0),
    )
    .optional()?
    .unwrap_or(false))
}

/// Remembers that `actor` gave the pad's password.
pub(crate) fn grant(tx: &Connection, pad: &str, actor: &str, now: i64) -> SResult<()> {
    tx.execute(
        "INSERT INTO pad_grants (pad_id, actor_id, granted_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
        params![pad, actor, now],
    )?;
    Ok(())
}

/// A signed-in user opened the pad at `now` ("recent pads"; it also keeps the pad from expiring).
pub(crate) fn record_visit(tx: &Connection, user_id: &str, pad: &str, now: i64) -> SResult<()> {
    tx.execute(
        "INSERT INTO pad_visits (user_id, pad_id, visited_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id, pad_id) DO UPDATE SET visited_at = excluded.visited_at",
        params![user_id, pad, now],
    )?;
    tx.execute(
        "UPDATE pads SET last_used_at = ?2 WHERE id = ?1",
        params![pad, now],
    )?;
    Ok(())
}

/// Every live pad's id, oldest first.
pub(crate) fn live_pad_ids(c: &Connection) -> SResult<Vec<String>> {
    let mut s = c.prepare("SELECT id FROM pads WHERE deleted_at IS NULL ORDER BY created_at")?;
    let rows = s.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Live pads nobody opened or edited since `cutoff`.
pub(crate) fn unused_pads(c: &Connection, cutoff: i64) -> SResult<Vec<String>> {
    let mut s = c.prepare("SELECT id FROM pads WHERE deleted_at IS NULL AND last_used_at < ?1")?;
    let rows = s.query_map([cutoff], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The `limit` pads `user_id` created or opened, most recently visited (or updated) first.
pub(crate) fn pads_of(c: &Connection, user_id: &str, limit: i64) -> SResult<Vec<MyPad>> {
    let mut s = c.prepare(
        "SELECT p.id, p.rev, p.updated_at, v.visited_at, p.owner_id = ?1
                     FROM pads p LEFT JOIN pad_visits v ON v.pad_id = p.id AND v.user_id = ?1
                     WHERE p.deleted_at IS NULL AND (p.owner_id = ?1 OR v.user_id IS NOT NULL)
                     ORDER BY COALESCE(v.visited_at, p.updated_at) DESC LIMIT ?2",
    )?;
    let rows = s.query_map(params![user_id, limit], |r| {
        Ok(MyPad {
            id: r.get(0)?,
            rev: r.get(1)?,
            updated_at: nichoir_core::time::rfc3339(r.get(2)?),
            visited_at: r.get::<_, Option<i64>>(3)?.map(nichoir_core::time::rfc3339),
            owned: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use nichoir_storage::{params, Connection};

    #[test]
    fn each_clients_last_edit() {
        // Revisions only: no pads or users rows behind them. SQLite, and PostgreSQL when a test
        // server is configured.
        for conn in
            nichoir_storage::testing::store_connections(&[crate::migrations::MIGRATIONS], false)
                .expect("db")
        {
            last_edits_on(&conn);
        }
    }

    fn last_edits_on(conn: &Connection) {
        let rows = [
            ("b", 1, 1),
            ("a", 1, 2),
            ("b", 2, 3),
            ("c", 7, 4),
            ("a", 2, 5),
        ];
        for (pad, list) in [("p", &rows[..]), ("q", &[("a", 9, 1)][..])] {
            for (client, seq, rev) in list {
                conn.execute(
                    "INSERT INTO pad_revisions (pad_id, rev, op, author_id, client_id, seq, created_at)
                     VALUES (?1, ?2, '[]', 'u', ?3, ?4, 0)",
                    params![pad, rev, client, seq],
                )
                .expect("insert");
            }
        }
        let last = super::clients_by_scan(conn, "p", 5).expect("query");
        let mut last: Vec<_> = last.into_iter().collect();
        last.sort();
        assert_eq!(
            last,
            vec![
                ("a".into(), (2, 5)),
                ("b".into(), (2, 3)),
                ("c".into(), (7, 4))
            ]
        );
        let upto_3 = super::clients_by_scan(conn, "p", 3).expect("query");
        assert_eq!(upto_3.get("a"), Some(&(1, 2)));
        assert!(!upto_3.contains_key("c"));
        assert!(super::clients_by_scan(conn, "none", 9)
            .expect("query")
            .is_empty());
        // An older edit of a client, searched back from its last one.
        assert_eq!(
            super::rev_of_client_seq(conn, "p", "b", 1, 3).expect("query"),
            Some(1)
        );
        assert_eq!(
            super::rev_of_client_seq(conn, "p", "b", 1, 0).expect("query"),
            None
        );
        assert_eq!(
            super::rev_of_client_seq(conn, "p", "z", 1, 5).expect("query"),
            None
        );
    }

    #[test]
    fn snapshots_pack_and_unpack() {
        for text in ["", "a\nb", "héllo 🙂\n\n12\n", &"x".repeat(100_000)] {
            let auth = r#"[["u_1",3],["g_2",4]]"#;
            let packed = super::pack(text, auth).expect("packs");
            assert_eq!(
                super::unpack(&packed).expect("unpacks"),
                (text.to_string(), auth.to_string())
            );
        }
        assert!(
            super::pack(&"a".repeat(100_000), "[]")
                .expect("packs")
                .len()
                < 2_000,
            "compresses"
        );
        assert!(super::unpack(b"garbage").is_err());
    }
}
