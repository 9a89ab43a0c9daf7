//! The SQL of OpenID Connect sign-ins under way (`oidc.rs`): `oidc_pending`.

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// A sign-in started and not finished yet; only hashes of its state and browser token are kept.
pub struct Pending {
    pub state_hash: String,
    pub provider: String,
    pub browser_hash: String,
    pub nonce: String,
    pub verifier: String,
    pub return_to: String,
    pub expires_at: i64,
}

/// Deletes everyone's sign-ins expired before `now`.
pub fn delete_expired(c: &Connection, now: i64) -> SResult<()> {
    c.execute("DELETE FROM oidc_pending WHERE expires_at < ?1", [now])?;
    Ok(())
}

pub fn insert(c: &Connection, p: &Pending) -> SResult<()> {
    c.execute(
        "INSERT INTO oidc_pending (state_hash, provider, browser_hash, nonce, verifier, return_to, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![p.state_hash, p.provider, p.browser_hash, p.nonce, p.verifier, p.return_to, p.expires_at],
    )?;
    Ok(())
}

/// The sign-in of a state with `provider`.
pub fn pending(c: &Connection, state_hash: &str, provider: &str) -> SResult<Option<Pending>> {
    Ok(c.query_row(
        "SELECT browser_hash, nonce, verifier, return_to, expires_at FROM oidc_pending
                         WHERE state_hash = ?1 AND provider = ?2",
        params![state_hash, provider],
        |r| {
            Ok(Pending {
                state_hash: state_hash.to_string(),
                provider: provider.to_string(),
                browser_hash: r.get(0)?,
                nonce: r.get(1)?,
                verifier: r.get(2)?,
                return_to: r.get(3)?,
                expires_at: r.get(4)?,
            })
        },
    )
    .optional()?)
}

pub fn delete(c: &Connection, state_hash: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM oidc_pending WHERE state_hash = ?1",
        [state_hash],
    )?;
    Ok(())
}
