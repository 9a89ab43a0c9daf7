//! The SQL of the audit log (`audit.rs`): `audit_log`.

use nichoir_core::time::rfc3339;
use nichoir_storage::{params, Connection, SResult};

use crate::audit::AuditEntry;

/// One line of the log, as written (`at` in ms).
pub struct NewAuditLine {
    pub at: i64,
    pub admin_id: String,
    pub admin_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub target_label: String,
    pub reason: String,
}

pub fn insert(c: &Connection, l: &NewAuditLine) -> SResult<()> {
    c.execute(
        "INSERT INTO audit_log (at, admin_id, admin_name, action, target_kind, target_id, target_label, reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            l.at,
            l.admin_id,
            l.admin_name,
            l.action,
            l.target_kind,
            l.target_id,
            l.target_label,
            l.reason
        ],
    )?;
    Ok(())
}

/// At most `limit` lines before the line `before`, newest first.
pub fn lines(c: &Connection, before: i64, limit: i64) -> SResult<Vec<AuditEntry>> {
    Ok(c.prepare(
        "SELECT id, at, admin_id, admin_name, action, target_kind, target_id, target_label, reason
                     FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    )?
    .query_map(params![before, limit], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: rfc3339(r.get(1)?),
            admin_id: r.get(2)?,
            admin_name: r.get(3)?,
            action: r.get(4)?,
            target_kind: r.get(5)?,
            target_id: r.get(6)?,
            target_label: r.get(7)?,
            reason: r.get(8)?,
        })
    })?
    .collect::<Result<_, _>>()?)
}
