//! The SQL of favourites (`favourites.rs`): `favourites`.

use std::collections::BTreeMap;

use nichoir_storage::{
    in_chunks, params, Connection, OptionalExtension, SResult, StorageError, ToValue,
};

use crate::favourites::Favourite;

/// The person's favourites, newest first.
pub fn favourites(c: &Connection, user_id: &str) -> SResult<Vec<Favourite>> {
    Ok(c.prepare(
        "SELECT kind, item_id, created_at FROM favourites WHERE user_id = ?1
                     ORDER BY created_at DESC, kind, item_id",
    )?
    .query_map([user_id], |r| {
        Ok(Favourite {
            kind: r.get(0)?,
            item_id: r.get(1)?,
            created_at: r.get(2)?,
        })
    })?
    .collect::<Result<_, _>>()?)
}

/// When the person starred the item, if they did.
pub fn starred_at(
    c: &Connection,
    user_id: &str,
    kind: &str,
    item_id: &str,
) -> SResult<Option<i64>> {
    Ok(c.query_row(
        "SELECT created_at FROM favourites
                         WHERE user_id = ?1 AND kind = ?2 AND item_id = ?3",
        params![user_id, kind, item_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// How many favourites the person has, and when they starred the latest.
pub fn count_and_latest(c: &Connection, user_id: &str) -> SResult<(i64, Option<i64>)> {
    Ok(c.query_row(
        "SELECT COUNT(*), MAX(created_at) FROM favourites WHERE user_id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

pub fn insert(
    c: &Connection,
    user_id: &str,
    kind: &str,
    item_id: &str,
    created_at: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO favourites (user_id, kind, item_id, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
        params![user_id, kind, item_id, created_at],
    )?;
    Ok(())
}

pub fn delete(c: &Connection, user_id: &str, kind: &str, item_id: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM favourites WHERE user_id = ?1 AND kind = ?2 AND item_id = ?3",
        params![user_id, kind, item_id],
    )?;
    Ok(())
}

/// Distinct starred (kind, id) of every account, in that order, after `after`.
pub fn starred_items(
    c: &Connection,
    after: Option<&(String, String)>,
    limit: i64,
) -> SResult<Vec<(String, String)>> {
    let (kind, item) = after.cloned().unwrap_or_default();
    Ok(c.prepare(
        "SELECT DISTINCT kind, item_id FROM favourites
         WHERE ?1 = 0 OR kind > ?2 OR (kind = ?2 AND item_id > ?3)
         ORDER BY kind, item_id LIMIT ?4",
    )?
    .query_map(params![after.is_some() as i64, kind, item, limit], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect::<Result<_, _>>()?)
}

/// Removes from everyone's favourites the items of `kind` whose id starts with `prefix` (a
/// wiki's pages: `slug/`); `prefix` holds no `%`, `_` or backslash (checked by the caller).
pub fn delete_items_under(c: &Connection, kind: &str, prefix: &str) -> SResult<u64> {
    Ok(c.execute(
        "DELETE FROM favourites WHERE kind = ?1 AND item_id LIKE ?2",
        params![kind, format!("{prefix}%")],
    )? as u64)
}

/// Removes items (kind, id) from everyone's favourites, a statement per kind and list of ids;
/// how many favourites were removed.
pub fn delete_items(c: &Connection, items: &[(String, String)]) -> SResult<u64> {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (kind, id) in items {
        by_kind.entry(kind).or_default().push(id);
    }
    let mut removed = 0;
    for (kind, ids) in by_kind {
        removed += in_chunks(ids.as_slice(), |ids| {
            let mut values: Vec<&dyn ToValue> = vec![&kind];
            values.extend(ids.iter().map(|i| i as &dyn ToValue));
            let ph = (2..ids.len() + 2)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let n = c.execute(
                &format!("DELETE FROM favourites WHERE kind = ?1 AND item_id IN ({ph})"),
                values.as_slice(),
            )?;
            Ok::<_, StorageError>(vec![n as u64])
        })?
        .into_iter()
        .sum::<u64>();
    }
    Ok(removed)
}
