//! The SQL of password reset links (`reset.rs`): `password_resets`.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

use crate::reset::ResetFor;

/// The accounts (5 at most, oldest first) that `login` names by username or address, with a
/// confirmed address, enabled and signing in with a password of Nichoir's; `anyone`: every
/// such account may, else `admins`: admins may.
pub fn reset_candidates(
    c: &Connection,
    login: &str,
    anyone: bool,
    admins: bool,
) -> SResult<Vec<ResetFor>> {
    let mut st = c.prepare(
        "SELECT id, email, display_name FROM users
                     WHERE (lower(username) = lower(?1) OR lower(email) = lower(?1))
                       AND email IS NOT NULL AND email_verified_at IS NOT NULL AND disabled = 0
                       AND auth_source = 'password' AND (?2 = 1 OR (?3 = 1 AND is_admin = 1))
                     ORDER BY created_at LIMIT 5",
    )?;
    let people = st
        .query_map(params![login, anyone as i64, admins as i64], |r| {
            Ok(ResetFor {
                user_id: r.get(0)?,
                email: r.get(1)?,
                display_name: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(people)
}

/// Deletes the account's links not used yet.
pub fn delete_unused(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM password_resets WHERE user_id = ?1 AND used_at IS NULL",
        [user_id],
    )?;
    Ok(())
}

pub fn insert(
    c: &Connection,
    token_hash: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
                         VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, user_id, now, expires_at],
    )?;
    Ok(())
}

/// A reset link as stored, with whether its account is disabled.
pub struct Holder {
    pub user_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The account's `disabled` (0: enabled).
    pub disabled: i64,
}

/// The link of a token's hash.
pub fn holder(c: &Connection, token_hash: &str) -> SResult<Option<Holder>> {
    Ok(c.query_row(
        "SELECT r.user_id, r.expires_at, r.used_at, u.disabled FROM password_resets r
                     JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?1",
        [token_hash],
        |r| {
            Ok(Holder {
                user_id: r.get(0)?,
                expires_at: r.get(1)?,
                used_at: r.get(2)?,
                disabled: r.get(3)?,
            })
        },
    )
    .optional()?)
}

/// Uses the link up if it is unused and not expired at `now`; whether it was.
pub fn take(c: &Connection, token_hash: &str, now: i64) -> SResult<bool> {
    Ok(c.execute(
        "UPDATE password_resets SET used_at = ?2
                     WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        params![token_hash, now],
    )? != 0)
}

/// Deletes everyone's links expired before `before`.
pub fn delete_expired(c: &Connection, before: i64) -> SResult<()> {
    c.execute(
        "DELETE FROM password_resets WHERE expires_at < ?1",
        [before],
    )?;
    Ok(())
}
