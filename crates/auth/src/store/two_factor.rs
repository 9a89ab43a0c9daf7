//! The SQL of two-factor sign-in (`two_factor.rs`): the TOTP columns of `users`,
//! `login_challenges`, `recovery_codes` and `trusted_devices`.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// Whether `token_hash` is a device `user_id` asked to be remembered on, still valid at `now`.
pub fn trusted_device(c: &Connection, token_hash: &str, user_id: &str, now: i64) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM trusted_devices WHERE token_hash = ?1 AND user_id = ?2 AND expires_at > ?3",
        params![token_hash, user_id, now],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

pub fn insert_trusted_device(
    c: &Connection,
    token_hash: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO trusted_devices (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, user_id, now, expires_at],
    )?;
    Ok(())
}

/// Deletes everyone's challenges expired before `now`.
pub fn delete_expired_challenges(c: &Connection, now: i64) -> SResult<()> {
    c.execute("DELETE FROM login_challenges WHERE expires_at < ?1", [now])?;
    Ok(())
}

pub fn insert_challenge(
    c: &Connection,
    token_hash: &str,
    user_id: &str,
    expires_at: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO login_challenges (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![token_hash, user_id, expires_at],
    )?;
    Ok(())
}

/// The account behind a live challenge with fewer than `max_attempts` wrong codes, if it is
/// enabled and has TOTP on: (id, username, secret, last counter used).
pub fn challenged_user(
    c: &Connection,
    token_hash: &str,
    now: i64,
    max_attempts: i64,
) -> SResult<Option<(String, String, String, i64)>> {
    Ok(c.query_row(
        "SELECT u.id, u.username, u.totp_secret, u.totp_last_counter FROM login_challenges l
                     JOIN users u ON u.id = l.user_id
                     WHERE l.token_hash = ?1 AND l.expires_at > ?2 AND l.attempts < ?3
                       AND u.disabled = 0 AND u.totp_secret IS NOT NULL",
        params![token_hash, now, max_attempts],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()?)
}

/// Takes TOTP counter `counter` for the account if it is newer than the last one used; whether
/// it was.
pub fn take_counter(c: &Connection, user_id: &str, counter: i64) -> SResult<bool> {
    Ok(c.execute(
        "UPDATE users SET totp_last_counter = ?2 WHERE id = ?1 AND totp_last_counter < ?2",
        params![user_id, counter],
    )? == 1)
}

/// Uses up an unused recovery code of the account; whether there was one.
pub fn use_recovery_code(
    c: &Connection,
    user_id: &str,
    code_hash: &str,
    now: i64,
) -> SResult<bool> {
    Ok(c.execute(
        "UPDATE recovery_codes SET used_at = ?3
                             WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        params![user_id, code_hash, now],
    )? == 1)
}

pub fn delete_challenge(c: &Connection, token_hash: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM login_challenges WHERE token_hash = ?1",
        [token_hash],
    )?;
    Ok(())
}

/// Counts one wrong code against a challenge.
pub fn count_wrong_code(c: &Connection, token_hash: &str) -> SResult<()> {
    c.execute(
        "UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = ?1",
        [token_hash],
    )?;
    Ok(())
}

/// Whether the account has TOTP on, and how many recovery codes it has left.
pub fn status(c: &Connection, user_id: &str) -> SResult<(bool, i64)> {
    let enabled: bool = c.query_row(
        "SELECT totp_secret IS NOT NULL FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    let left = c.query_row(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
        [user_id],
        |r| r.get(0),
    )?;
    Ok((enabled, left))
}

/// Keeps a new secret aside until a code confirms it.
pub fn set_pending_secret(c: &Connection, user_id: &str, secret: &str) -> SResult<()> {
    c.execute(
        "UPDATE users SET totp_pending = ?2 WHERE id = ?1",
        params![user_id, secret],
    )?;
    Ok(())
}

pub fn pending_secret(c: &Connection, user_id: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT totp_pending FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?)
}

/// The secret set aside becomes the account's, `counter` its last code used.
pub fn enable_pending_secret(c: &Connection, user_id: &str, counter: i64) -> SResult<()> {
    c.execute(
        "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_counter = ?2
                     WHERE id = ?1",
        params![user_id, counter],
    )?;
    Ok(())
}

/// The account's recovery codes become `hashes`.
pub fn replace_recovery_codes(c: &Connection, user_id: &str, hashes: &[String]) -> SResult<()> {
    c.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    for h in hashes {
        c.execute(
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
            params![user_id, h],
        )?;
    }
    Ok(())
}

/// Turns the account's second factor off: its secrets, recovery codes, remembered devices and
/// challenges go.
pub fn clear(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute(
        "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_counter = 0 WHERE id = ?1",
        [user_id],
    )?;
    c.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    c.execute("DELETE FROM trusted_devices WHERE user_id = ?1", [user_id])?;
    c.execute("DELETE FROM login_challenges WHERE user_id = ?1", [user_id])?;
    Ok(())
}
