//! The SQL of deleting an account (`departure.rs`): the tombstone row and the rows that go.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// How many enabled admins there are besides `user_id`.
pub fn other_admins(c: &Connection, user_id: &str) -> SResult<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM users WHERE is_admin = 1 AND disabled = 0 AND id <> ?1",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Whether the account's row exists (a deleted one's tombstone too).
pub fn user_exists(c: &Connection, user_id: &str) -> SResult<bool> {
    Ok(
        c.query_row("SELECT 1 FROM users WHERE id = ?1", [user_id], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

/// Turns the account's row into a tombstone named `name` (username `username`): its personal
/// data and rights go, `deleted_at` keeps the first deletion's time.
pub fn tombstone(
    c: &Connection,
    user_id: &str,
    username: &str,
    name: &str,
    now: i64,
) -> SResult<()> {
    c.execute(
        "UPDATE users SET username = ?2, display_name = ?3, email = NULL,
                         password_hash = '!', disabled = 1, is_admin = 0, totp_secret = NULL,
                         totp_pending = NULL, quota_bytes = NULL, language = NULL,
                         deleted_at = COALESCE(deleted_at, ?4)
                     WHERE id = ?1",
        params![user_id, username, name, now],
    )?;
    Ok(())
}

/// Deletes the rows of the account's own: sessions, tokens, reset links, second factor,
/// identities at providers, favourites.
pub fn delete_own_rows(c: &Connection, user_id: &str) -> SResult<()> {
    for table in [
        "sessions",
        "api_tokens",
        "password_resets",
        "recovery_codes",
        "trusted_devices",
        "login_challenges",
        "user_identities",
        "favourites",
    ] {
        c.execute(
            &format!("DELETE FROM {table} WHERE user_id = ?1"),
            [user_id],
        )?;
    }
    Ok(())
}
