//! The SQL of confirming addresses (`email.rs`): `email_confirmations`, `users.email_verified_at`.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// The account's address while it is set and not confirmed yet.
pub fn unconfirmed_email(c: &Connection, user_id: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT email FROM users WHERE id = ?1 AND email IS NOT NULL AND email_verified_at IS NULL",
        [user_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// The account's only confirmation link becomes `token_hash`'s, for `email`.
pub fn replace_confirmation(
    c: &Connection,
    token_hash: &str,
    user_id: &str,
    email: &str,
    expires_at: i64,
) -> SResult<()> {
    c.execute(
        "DELETE FROM email_confirmations WHERE user_id = ?1",
        [user_id],
    )?;
    c.execute(
        "INSERT INTO email_confirmations (token_hash, user_id, email, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, user_id, email, expires_at],
    )?;
    Ok(())
}

/// The account and address of a link's token, unless it expired at `now`.
pub fn confirmation(
    c: &Connection,
    token_hash: &str,
    now: i64,
) -> SResult<Option<(String, String)>> {
    Ok(c.query_row(
        "SELECT user_id, email FROM email_confirmations WHERE token_hash = ?1 AND expires_at > ?2",
        params![token_hash, now],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

pub fn delete_confirmation(c: &Connection, token_hash: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM email_confirmations WHERE token_hash = ?1",
        [token_hash],
    )?;
    Ok(())
}

/// Marks `email` confirmed if it is still the address of the enabled account; whether it was.
pub fn mark_confirmed(c: &Connection, user_id: &str, email: &str, now: i64) -> SResult<bool> {
    Ok(c.execute(
        "UPDATE users SET email_verified_at = ?3 WHERE id = ?1 AND email = ?2 AND disabled = 0",
        params![user_id, email, now],
    )? == 1)
}
