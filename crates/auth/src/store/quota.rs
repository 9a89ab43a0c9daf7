//! The SQL of people's own quotas (`quota.rs`): `users.quota_bytes`.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// The account's own quota: None when there is no such account, Some(None) when it has none.
pub fn own_limit(c: &Connection, user_id: &str) -> SResult<Option<Option<i64>>> {
    Ok(
        c.prepare_cached("SELECT quota_bytes FROM users WHERE id = ?1")?
            .query_row([user_id], |r| r.get(0))
            .optional()?,
    )
}

/// Every account that has a quota of its own, with it.
pub fn own_limits(c: &Connection) -> SResult<Vec<(String, i64)>> {
    Ok(
        c.prepare("SELECT id, quota_bytes FROM users WHERE quota_bytes IS NOT NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?,
    )
}

/// Sets the account's own quota; how many accounts matched (0 or 1).
pub fn set_quota(c: &Connection, user_id: &str, bytes: Option<i64>) -> SResult<usize> {
    Ok(c.execute(
        "UPDATE users SET quota_bytes = ?2 WHERE id = ?1",
        params![user_id, bytes],
    )?)
}
