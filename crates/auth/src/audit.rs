//! The audit log: what admins did (removals with their reason, accounts deleted, disabled,
//! their rights or quota changed, a second factor reset), readable by admins.

use nichoir_core::time::{now_ms, rfc3339};
use nichoir_core::Error;
use nichoir_storage::params;
use serde::Serialize;

use crate::{Admin, AuthService};

/// One line of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub admin_id: String,
    /// The admin's name when they acted.
    pub admin_name: String,
    /// `remove`, `delete_account`, `disable`, `enable`, `make_admin`, `remove_admin`,
    /// `set_quota`, `reset_two_factor`.
    pub action: String,
    /// `pad`, `poll`, `wiki`, `chat_message`, `video_room`, `user`.
    pub target_kind: String,
    pub target_id: String,
    pub target_label: String,
    pub reason: String,
}

/// What an admin did, to be written to the log.
pub struct AuditAction<'a> {
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub target_label: &'a str,
    pub reason: &'a str,
}

impl AuthService {
    pub async fn audit(&self, admin: &Admin, what: AuditAction<'_>) -> Result<(), Error> {
        let u = admin.user();
        let row = (
            now_ms(),
            u.id.clone(),
            u.display_name.clone(),
            what.action.to_string(),
            what.target_kind.to_string(),
            what.target_id.to_string(),
            what.target_label.to_string(),
            what.reason.to_string(),
        );
        self.db()
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO audit_log (at, admin_id, admin_name, action, target_kind, target_id, target_label, reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7],
                )?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// The log, newest first: `limit` lines before the line `before` (all when None).
    pub async fn audit_log(
        &self,
        _admin: &Admin,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, Error> {
        let before = before.unwrap_or(i64::MAX);
        let limit = i64::from(limit.clamp(1, 500));
        Ok(self
            .db()
            .read(move |c| {
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
            })
            .await?)
    }
}
