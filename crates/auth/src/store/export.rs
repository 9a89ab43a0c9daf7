//! The SQL of the account's part of "download all my data" (`export.rs`): rows as stored
//! (times in ms, written out as RFC 3339), which the export serialises as they are.

use nichoir_core::time::serde_rfc3339;
use nichoir_storage::{params, Connection, OptionalExtension, SResult};
use serde::Serialize;

#[derive(Serialize)]
pub struct ProfileRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub avatar_color: String,
    pub is_admin: bool,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    pub password_changed_at: i64,
}

#[derive(Serialize)]
pub struct SessionRow {
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    pub last_seen_at: i64,
    pub user_agent: String,
    pub ip: String,
}

#[derive(Serialize)]
pub struct TokenRow {
    pub name: String,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339::option")]
    pub last_used_at: Option<i64>,
}

#[derive(Serialize)]
pub struct InviteRow {
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    pub expires_at: i64,
    #[serde(with = "serde_rfc3339::option")]
    pub used_at: Option<i64>,
}

pub fn profile(c: &Connection, user_id: &str) -> SResult<Option<ProfileRow>> {
    Ok(c.query_row(
        "SELECT id, username, display_name, email, avatar_color, is_admin, created_at, password_changed_at
                         FROM users WHERE id = ?1",
        [user_id],
        |r| {
            Ok(ProfileRow {
                id: r.get(0)?,
                username: r.get(1)?,
                display_name: r.get(2)?,
                email: r.get(3)?,
                avatar_color: r.get(4)?,
                is_admin: r.get::<_, i64>(5)? != 0,
                created_at: r.get(6)?,
                password_changed_at: r.get(7)?,
            })
        },
    )
    .optional()?)
}

pub fn sessions(c: &Connection, user_id: &str) -> SResult<Vec<SessionRow>> {
    let mut s = c.prepare(
        "SELECT created_at, last_seen_at, user_agent, ip FROM sessions WHERE user_id = ?1",
    )?;
    let rows = s
        .query_map([user_id], |r| {
            Ok(SessionRow {
                created_at: r.get(0)?,
                last_seen_at: r.get(1)?,
                user_agent: r.get(2)?,
                ip: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn tokens(c: &Connection, user_id: &str) -> SResult<Vec<TokenRow>> {
    let mut s =
        c.prepare("SELECT name, created_at, last_used_at FROM api_tokens WHERE user_id = ?1")?;
    let rows = s
        .query_map([user_id], |r| {
            Ok(TokenRow {
                name: r.get(0)?,
                created_at: r.get(1)?,
                last_used_at: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The invitations the person made.
pub fn invites(c: &Connection, user_id: &str) -> SResult<Vec<InviteRow>> {
    let mut s =
        c.prepare("SELECT created_at, expires_at, used_at FROM invites WHERE created_by = ?1")?;
    let rows = s
        .query_map(params![user_id], |r| {
            Ok(InviteRow {
                created_at: r.get(0)?,
                expires_at: r.get(1)?,
                used_at: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
