//! The SQL of accounts made or linked by a provider or a directory (`external.rs`, `ldap.rs`):
//! `user_identities`, and what such a sign-in reads and keeps in step in `users` and `sessions`.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// Whether an account has that username (case aside; a deleted one has its tombstone name).
pub fn username_taken(c: &Connection, username: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM users WHERE lower(username) = lower(?1)",
        [username],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// The account `subject` at `source` is linked to.
pub fn linked_user(c: &Connection, source: &str, subject: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT user_id FROM user_identities WHERE source = ?1 AND subject = ?2",
        params![source, subject],
        |r| r.get(0),
    )
    .optional()?)
}

/// Records a sign-in through a linked identity, and the login it used.
pub fn touch_identity(
    c: &Connection,
    source: &str,
    subject: &str,
    now: i64,
    login: &str,
) -> SResult<()> {
    c.execute(
        "UPDATE user_identities SET last_login_at = ?3, login = ?4
                             WHERE source = ?1 AND subject = ?2",
        params![source, subject, now, login],
    )?;
    Ok(())
}

/// The live account whose confirmed address is `email` (case aside).
pub fn user_by_verified_email(c: &Connection, email: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT id FROM users WHERE lower(email) = lower(?1)
                                     AND email_verified_at IS NOT NULL AND deleted_at IS NULL",
        [email],
        |r| r.get(0),
    )
    .optional()?)
}

/// A new account of `source`'s, without a password of Nichoir's (`'!'`) nor an address yet.
pub fn insert_external_user(
    c: &Connection,
    id: &str,
    username: &str,
    display_name: &str,
    avatar_color: &str,
    now: i64,
    source: &str,
) -> SResult<()> {
    c.execute(
        "INSERT INTO users (id, username, display_name, email, password_hash,
                                        avatar_color, is_admin, disabled, created_at, password_changed_at,
                                        auth_source)
                                     VALUES (?1, ?2, ?3, NULL, '!', ?4, 0, 0, ?5, ?5, ?6)",
        params![id, username, display_name, avatar_color, now, source],
    )?;
    Ok(())
}

pub fn insert_identity(
    c: &Connection,
    source: &str,
    subject: &str,
    user_id: &str,
    login: &str,
    now: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO user_identities (source, subject, user_id, login, created_at, last_login_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![source, subject, user_id, login, now],
    )?;
    Ok(())
}

/// The account's `disabled`, `deleted_at` and `auth_source`.
pub fn account_state(c: &Connection, user_id: &str) -> SResult<(i64, Option<i64>, String)> {
    Ok(c.query_row(
        "SELECT disabled, deleted_at, auth_source FROM users WHERE id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// The address a source gives: confirmed at `verified` when the source vouches for it and it
/// is new, as it was when it did not change.
pub fn follow_email(
    c: &Connection,
    user_id: &str,
    email: &str,
    verified: Option<i64>,
) -> SResult<()> {
    c.execute(
        "UPDATE users SET email = ?2,
                                 email_verified_at = CASE WHEN email IS NOT DISTINCT FROM ?2
                                     THEN COALESCE(email_verified_at, ?3) ELSE ?3 END
                             WHERE id = ?1",
        params![user_id, email, verified],
    )?;
    Ok(())
}

pub fn set_is_admin(c: &Connection, user_id: &str, is_admin: bool) -> SResult<()> {
    c.execute(
        "UPDATE users SET is_admin = ?2 WHERE id = ?1",
        params![user_id, is_admin as i64],
    )?;
    Ok(())
}

/// The source of the session of a token's hash (`""` for a password).
pub fn session_source(c: &Connection, token_hash: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT source FROM sessions WHERE token_hash = ?1",
        [token_hash],
        |r| r.get(0),
    )
    .optional()?)
}

/// When the session `id` started (None for no session).
pub fn session_created_at(c: &Connection, id: Option<&str>) -> SResult<Option<i64>> {
    Ok(
        c.query_row("SELECT created_at FROM sessions WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

/// The login an account uses at `source`.
pub fn login_at(c: &Connection, user_id: &str, source: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT login FROM user_identities WHERE user_id = ?1 AND source = ?2",
        [user_id, source],
        |r| r.get(0),
    )
    .optional()?)
}

/// Whether `subject` at `source` is the account's identity.
pub fn is_identity_of(c: &Connection, user_id: &str, source: &str, subject: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM user_identities WHERE user_id = ?1 AND source = ?2 AND subject = ?3",
        [user_id, source, subject],
        |r| r.get::<_, i64>(0),
    )? == 1)
}
