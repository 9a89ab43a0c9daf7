//! The audit log: what admins did (removals with their reason, accounts deleted, disabled,
//! their rights or quota changed, a second factor reset), readable by admins.

use nichoir_core::time::now_ms;
use nichoir_core::Error;
use serde::Serialize;

use crate::store;
use crate::store::audit::NewAuditLine;
use crate::{Admin, AuthService};

/// One line of the audit log (`GET /api/v1/admin/audit`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "auth/")]
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
        let line = NewAuditLine {
            at: now_ms(),
            admin_id: u.id.clone(),
            admin_name: u.display_name.clone(),
            action: what.action.to_string(),
            target_kind: what.target_kind.to_string(),
            target_id: what.target_id.to_string(),
            target_label: what.target_label.to_string(),
            reason: what.reason.to_string(),
        };
        self.db()
            .write(move |tx| store::audit::insert(tx, &line))
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
            .read(move |c| store::audit::lines(c, before, limit))
            .await?)
    }
}
