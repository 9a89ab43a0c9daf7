//! Every SQL statement of the account service, as functions over a connection (the same text
//! runs on SQLite and PostgreSQL). This file holds the core: users, sessions, API tokens,
//! invitations, the first admin's setup token and guests; each other concept has its own file
//! beside it, named after the module that uses it (`store::two_factor` for `two_factor.rs`).

pub mod audit;
pub mod departure;
pub mod email;
pub mod export;
pub mod external;
pub mod favourites;
pub mod oidc;
pub mod quota;
pub mod reset;
pub mod two_factor;

use nichoir_storage::{params, Connection, OptionalExtension, Row, SResult};

use crate::model::{Guest, InviteInfo, SessionInfo, TokenInfo, User};

const USER_COLS: &str =
    "id, username, display_name, email, avatar_color, is_admin, disabled, created_at, totp_secret IS NOT NULL, email_verified_at IS NOT NULL, auth_source, language";
/// The same columns, qualified, for joins on `users u`.
const USER_COLS_U: &str =
    "u.id, u.username, u.display_name, u.email, u.avatar_color, u.is_admin, u.disabled, u.created_at, u.totp_secret IS NOT NULL, u.email_verified_at IS NOT NULL, u.auth_source, u.language";
/// How many columns `USER_COLS` names: where a query's own columns start after them.
const USER_WIDTH: usize = 12;

fn user_from_row(r: &Row<'_>) -> nichoir_storage::SqlResult<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        email: r.get(3)?,
        avatar_color: r.get(4)?,
        is_admin: r.get::<_, i64>(5)? != 0,
        disabled: r.get::<_, i64>(6)? != 0,
        created_at: r.get(7)?,
        two_factor: r.get::<_, i64>(8)? != 0,
        email_verified: r.get::<_, i64>(9)? != 0,
        sign_in: r.get(10)?,
        language: r.get(11)?,
    })
}

// ---- the instance secret ----

/// The CSRF key's secret: the stored one, or `fresh` stored now.
pub fn csrf_secret(c: &Connection, fresh: &[u8]) -> SResult<Vec<u8>> {
    let existing: Option<Vec<u8>> = c
        .query_row(
            "SELECT value FROM instance_secrets WHERE name = 'csrf'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(s) = existing {
        return Ok(s);
    }
    // Several nodes of a cluster starting at once on an empty database: the first insert wins
    // and every node reads that one.
    c.execute(
        "INSERT INTO instance_secrets (name, value) VALUES ('csrf', ?1)
         ON CONFLICT (name) DO NOTHING",
        [&fresh],
    )?;
    Ok(c.query_row(
        "SELECT value FROM instance_secrets WHERE name = 'csrf'",
        [],
        |r| r.get(0),
    )?)
}

// ---- users ----

pub fn insert_user(c: &Connection, u: &User, password_hash: &str, now: i64) -> SResult<()> {
    c.execute(
        "INSERT INTO users (id, username, display_name, email, password_hash, avatar_color,
            is_admin, disabled, created_at, password_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?8)",
        params![
            u.id,
            u.username,
            u.display_name,
            u.email,
            password_hash,
            u.avatar_color,
            u.is_admin as i64,
            now
        ],
    )?;
    Ok(())
}

pub fn delete_user(c: &Connection, id: &str) -> SResult<()> {
    c.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}

pub fn user(c: &Connection, id: &str) -> SResult<Option<User>> {
    Ok(c.query_row(
        &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
        [id],
        user_from_row,
    )
    .optional()?)
}

/// A user known to exist (read in the transaction that just changed it).
pub fn existing_user(c: &Connection, id: &str) -> SResult<User> {
    Ok(c.query_row(
        &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
        [id],
        user_from_row,
    )?)
}

/// Usernames compare without case (ASCII only, see validate.rs): lower() on both engines, over
/// an index on lower(username).
pub fn user_by_username(c: &Connection, username: &str) -> SResult<Option<User>> {
    Ok(c.query_row(
        &format!("SELECT {USER_COLS} FROM users WHERE lower(username) = lower(?1)"),
        [username],
        user_from_row,
    )
    .optional()?)
}

/// A user by name, with the password hash stored for them (a login's password step).
pub fn user_with_password(c: &Connection, username: &str) -> SResult<Option<(User, String)>> {
    Ok(c.query_row(
        &format!("SELECT {USER_COLS}, password_hash FROM users WHERE lower(username) = lower(?1)"),
        [username],
        |r| Ok((user_from_row(r)?, r.get::<_, String>(USER_WIDTH)?)),
    )
    .optional()?)
}

pub fn has_admin(c: &Connection) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM users WHERE is_admin = 1 AND disabled = 0)",
        [],
        |r| r.get::<_, i64>(0),
    )? == 1)
}

/// Every account not deleted, oldest first.
pub fn users(c: &Connection) -> SResult<Vec<User>> {
    let mut s = c.prepare(&format!(
        "SELECT {USER_COLS} FROM users WHERE deleted_at IS NULL ORDER BY created_at"
    ))?;
    let rows = s.query_map([], user_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn is_admin(c: &Connection, id: &str) -> SResult<Option<bool>> {
    Ok(
        c.query_row("SELECT is_admin FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

/// Changes the flags given (None: unchanged); how many accounts matched.
pub fn set_admin_flags(
    c: &Connection,
    id: &str,
    is_admin: Option<bool>,
    disabled: Option<bool>,
) -> SResult<usize> {
    Ok(c.execute(
        "UPDATE users SET is_admin = COALESCE(?2, is_admin), disabled = COALESCE(?3, disabled)
         WHERE id = ?1",
        params![id, is_admin.map(i64::from), disabled.map(i64::from)],
    )?)
}

pub fn set_display_name(c: &Connection, id: &str, name: &str) -> SResult<()> {
    c.execute(
        "UPDATE users SET display_name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    Ok(())
}

/// A new address is unconfirmed until its link is opened (email.rs); the same one stays as it was.
pub fn set_email(c: &Connection, id: &str, email: Option<&str>) -> SResult<()> {
    c.execute(
        "UPDATE users SET email_verified_at = CASE WHEN email = ?2 THEN email_verified_at ELSE NULL END,
             email = ?2
         WHERE id = ?1",
        params![id, email],
    )?;
    Ok(())
}

pub fn set_avatar_color(c: &Connection, id: &str, color: &str) -> SResult<()> {
    c.execute(
        "UPDATE users SET avatar_color = ?2 WHERE id = ?1",
        params![id, color],
    )?;
    Ok(())
}

pub fn set_language(c: &Connection, id: &str, language: &str) -> SResult<()> {
    c.execute(
        "UPDATE users SET language = ?2 WHERE id = ?1",
        params![id, language],
    )?;
    Ok(())
}

pub fn password_hash(c: &Connection, id: &str) -> SResult<Option<String>> {
    Ok(
        c.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub fn set_password_hash(c: &Connection, id: &str, hash: &str, now: i64) -> SResult<()> {
    c.execute(
        "UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1",
        params![id, hash, now],
    )?;
    Ok(())
}

/// How many accounts have that name (0 or 1).
pub fn set_password_hash_by_username(
    c: &Connection,
    username: &str,
    hash: &str,
    now: i64,
) -> SResult<usize> {
    Ok(c.execute(
        "UPDATE users SET password_hash = ?2, password_changed_at = ?3
         WHERE lower(username) = lower(?1)",
        params![username, hash, now],
    )?)
}

// ---- sessions ----

/// One new session row (its times in ms).
pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub user_agent: &'a str,
    pub ip: &'a str,
    pub source: &'a str,
}

pub fn insert_session(c: &Connection, s: &NewSession<'_>) -> SResult<()> {
    c.execute(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip, source)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
        params![s.id, s.token_hash, s.user_id, s.now, s.expires_at, s.user_agent, s.ip, s.source],
    )?;
    Ok(())
}

/// Deletes the user's sessions that expired before `now`.
pub fn delete_expired_sessions_of(c: &Connection, user_id: &str, now: i64) -> SResult<()> {
    c.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND expires_at < ?2",
        params![user_id, now],
    )?;
    Ok(())
}

/// The user behind a session token's hash, with the session's id, last_seen_at and expires_at.
pub fn session_by_token(
    c: &Connection,
    token_hash: &str,
) -> SResult<Option<(User, String, i64, i64)>> {
    Ok(c.query_row(
        &format!(
            "SELECT {USER_COLS_U}, s.id, s.last_seen_at, s.expires_at FROM sessions s
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1"
        ),
        [token_hash],
        |r| {
            Ok((
                user_from_row(r)?,
                r.get::<_, String>(USER_WIDTH)?,
                r.get::<_, i64>(USER_WIDTH + 1)?,
                r.get::<_, i64>(USER_WIDTH + 2)?,
            ))
        },
    )
    .optional()?)
}

pub fn delete_session(c: &Connection, id: &str) -> SResult<()> {
    c.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
    Ok(())
}

pub fn touch_session(c: &Connection, id: &str, now: i64) -> SResult<()> {
    c.execute(
        "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// The user's live sessions, most recently seen first; `current` marks the asking one.
pub fn sessions_of(
    c: &Connection,
    user_id: &str,
    now: i64,
    current: Option<&str>,
) -> SResult<Vec<SessionInfo>> {
    let mut s = c.prepare(
        "SELECT id, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions
         WHERE user_id = ?1 AND expires_at > ?2 ORDER BY last_seen_at DESC",
    )?;
    let rows = s.query_map(params![user_id, now], |r| {
        let id: String = r.get(0)?;
        Ok(SessionInfo {
            current: current == Some(id.as_str()),
            id,
            created_at: r.get(1)?,
            last_seen_at: r.get(2)?,
            expires_at: r.get(3)?,
            user_agent: r.get(4)?,
            ip: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Deletes one session of the user; how many went (0 or 1).
pub fn delete_session_of(c: &Connection, id: &str, user_id: &str) -> SResult<usize> {
    Ok(c.execute(
        "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
        params![id, user_id],
    )?)
}

/// Deletes the session of a token's hash; the id it had.
pub fn delete_session_by_token(c: &Connection, token_hash: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "DELETE FROM sessions WHERE token_hash = ?1 RETURNING id",
        [token_hash],
        |r| r.get(0),
    )
    .optional()?)
}

pub fn delete_sessions_of(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// Deletes the user's sessions but `keep` (None: all of them).
pub fn delete_other_sessions(c: &Connection, user_id: &str, keep: Option<&str>) -> SResult<()> {
    c.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND id IS DISTINCT FROM ?2",
        params![user_id, keep],
    )?;
    Ok(())
}

/// Deletes everyone's sessions expired at `now` or idle since `idle_since`; their ids.
pub fn sweep_sessions(c: &Connection, now: i64, idle_since: i64) -> SResult<Vec<String>> {
    let mut s = c.prepare(
        "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2 RETURNING id",
    )?;
    let ids = s.query_map(params![now, idle_since], |r| r.get(0))?;
    Ok(ids.collect::<Result<Vec<_>, _>>()?)
}

// ---- API tokens ----

pub fn insert_token(c: &Connection, t: &TokenInfo, token_hash: &str, user_id: &str) -> SResult<()> {
    c.execute(
        "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![t.id, token_hash, user_id, t.name, t.created_at],
    )?;
    Ok(())
}

/// The user behind a token's hash, with the token's id and last use.
pub fn token_by_hash(
    c: &Connection,
    token_hash: &str,
) -> SResult<Option<(User, String, Option<i64>)>> {
    Ok(c.query_row(
        &format!(
            "SELECT {USER_COLS_U}, t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1"
        ),
        [token_hash],
        |r| {
            Ok((
                user_from_row(r)?,
                r.get::<_, String>(USER_WIDTH)?,
                r.get::<_, Option<i64>>(USER_WIDTH + 1)?,
            ))
        },
    )
    .optional()?)
}

pub fn touch_token(c: &Connection, id: &str, now: i64) -> SResult<()> {
    c.execute(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

pub fn tokens_of(c: &Connection, user_id: &str) -> SResult<Vec<TokenInfo>> {
    let mut s = c.prepare(
        "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ?1 ORDER BY created_at",
    )?;
    let rows = s.query_map([user_id], |r| {
        Ok(TokenInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
            last_used_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Deletes one token of the user; how many went (0 or 1).
pub fn delete_token_of(c: &Connection, id: &str, user_id: &str) -> SResult<usize> {
    Ok(c.execute(
        "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2",
        params![id, user_id],
    )?)
}

pub fn delete_tokens_of(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute("DELETE FROM api_tokens WHERE user_id = ?1", [user_id])?;
    Ok(())
}

// ---- invitations ----

pub fn insert_invite(c: &Connection, i: &InviteInfo, token_hash: &str, by: &str) -> SResult<()> {
    c.execute(
        "INSERT INTO invites (id, token_hash, created_by, created_at, expires_at, label, email, max_uses)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![i.id, token_hash, by, i.created_at, i.expires_at, i.label, i.email, i64::from(i.max_uses)],
    )?;
    Ok(())
}

/// Every invitation, newest first.
pub fn invites(c: &Connection) -> SResult<Vec<InviteInfo>> {
    let mut s = c.prepare(
        "SELECT i.id, i.created_at, i.expires_at, i.used_at, i.used_by, i.label, i.email,
                i.max_uses, i.uses, u.display_name
         FROM invites i LEFT JOIN users u ON u.id = i.used_by ORDER BY i.created_at DESC",
    )?;
    let rows = s.query_map([], |r| {
        Ok(InviteInfo {
            id: r.get(0)?,
            created_at: r.get(1)?,
            expires_at: r.get(2)?,
            used_at: r.get(3)?,
            used_by: r.get(4)?,
            label: r.get(5)?,
            email: r.get(6)?,
            max_uses: u32::try_from(r.get::<_, i64>(7)?).unwrap_or(1),
            uses: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
            used_by_name: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// How many invitations went (0 or 1).
pub fn delete_invite(c: &Connection, id: &str) -> SResult<usize> {
    Ok(c.execute("DELETE FROM invites WHERE id = ?1", [id])?)
}

/// The expiry of the invitation of a token's hash, while it has places left and is not expired.
pub fn usable_invite(c: &Connection, token_hash: &str, now: i64) -> SResult<Option<i64>> {
    Ok(c.query_row(
        "SELECT expires_at FROM invites WHERE token_hash = ?1 AND uses < max_uses AND expires_at > ?2",
        params![token_hash, now],
        |r| r.get(0),
    )
    .optional()?)
}

/// Takes one place of a usable invitation for `user_id`; 0 when none was left.
pub fn use_invite(c: &Connection, token_hash: &str, now: i64, user_id: &str) -> SResult<usize> {
    Ok(c.execute(
        "UPDATE invites SET uses = uses + 1, used_at = ?2, used_by = ?3
         WHERE token_hash = ?1 AND uses < max_uses AND expires_at > ?2",
        params![token_hash, now, user_id],
    )?)
}

/// Marks the user's address confirmed when it is the one the invitation was mailed to.
pub fn confirm_invited_email(
    c: &Connection,
    user_id: &str,
    now: i64,
    token_hash: &str,
) -> SResult<()> {
    c.execute(
        "UPDATE users SET email_verified_at = ?2 WHERE id = ?1
         AND lower(email) = (SELECT lower(email) FROM invites WHERE token_hash = ?3)",
        params![user_id, now, token_hash],
    )?;
    Ok(())
}

// ---- first admin ----

pub fn setup_tokens_since(c: &Connection, since: i64) -> SResult<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM setup_tokens WHERE created_at > ?1",
        [since],
        |r| r.get(0),
    )?)
}

pub fn delete_setup_tokens(c: &Connection) -> SResult<()> {
    c.execute("DELETE FROM setup_tokens", [])?;
    Ok(())
}

pub fn insert_setup_token(c: &Connection, token_hash: &str, now: i64) -> SResult<()> {
    c.execute(
        "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?1, ?2)",
        params![token_hash, now],
    )?;
    Ok(())
}

pub fn setup_token_exists(c: &Connection, token_hash: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM setup_tokens WHERE token_hash = ?1)",
        [token_hash],
        |r| r.get::<_, i64>(0),
    )? == 1)
}

// ---- guests ----

pub fn insert_guest(c: &Connection, g: &Guest, token_hash: &str, now: i64) -> SResult<()> {
    c.execute(
        "INSERT INTO guests (id, token_hash, display_name, avatar_color, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![g.id, token_hash, g.display_name, g.avatar_color, now],
    )?;
    Ok(())
}

pub fn touch_guest(c: &Connection, id: &str, now: i64) -> SResult<()> {
    c.execute(
        "UPDATE guests SET last_seen_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

pub fn update_guest(c: &Connection, g: &Guest) -> SResult<()> {
    c.execute(
        "UPDATE guests SET display_name = ?2, avatar_color = ?3 WHERE id = ?1",
        params![g.id, g.display_name, g.avatar_color],
    )?;
    Ok(())
}

/// The guest of a cookie token's hash, with when it was last seen.
pub fn guest_by_token(c: &Connection, token_hash: &str) -> SResult<Option<(Guest, i64)>> {
    Ok(c.query_row(
        "SELECT id, display_name, avatar_color, last_seen_at FROM guests WHERE token_hash = ?1",
        [token_hash],
        |r| {
            Ok((
                Guest {
                    id: r.get(0)?,
                    display_name: r.get(1)?,
                    avatar_color: r.get(2)?,
                },
                r.get::<_, i64>(3)?,
            ))
        },
    )
    .optional()?)
}
