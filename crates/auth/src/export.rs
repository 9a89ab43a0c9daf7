//! The account's part of "download all my data".

use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::Error;
use serde_json::json;

use crate::store;
use crate::AuthService;

pub struct AccountExport {
    pub auth: AuthService,
}

#[async_trait::async_trait]
impl ExportContributor for AccountExport {
    fn folder(&self) -> &'static str {
        "account"
    }

    async fn export_user(&self, user_id: &str) -> Result<Vec<ExportFile>, Error> {
        let uid = user_id.to_string();
        let (profile, sessions, tokens, invites) = self
            .auth
            .db()
            .read(move |c| {
                Ok((
                    store::export::profile(c, &uid)?,
                    store::export::sessions(c, &uid)?,
                    store::export::tokens(c, &uid)?,
                    store::export::invites(c, &uid)?,
                ))
            })
            .await?;
        let profile = profile.map(|p| {
            json!({
                "id": p.id,
                "username": p.username,
                "display_name": p.display_name,
                "email": p.email,
                "avatar_color": p.avatar_color,
                "is_admin": p.is_admin,
                "created_at": nichoir_core::time::rfc3339(p.created_at),
                "password_changed_at": nichoir_core::time::rfc3339(p.password_changed_at),
            })
        });
        let sessions: Vec<_> = sessions
            .into_iter()
            .map(|s| {
                json!({
                    "created_at": nichoir_core::time::rfc3339(s.created_at),
                    "last_seen_at": nichoir_core::time::rfc3339(s.last_seen_at),
                    "user_agent": s.user_agent,
                    "ip": s.ip,
                })
            })
            .collect();
        let tokens: Vec<_> = tokens
            .into_iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "created_at": nichoir_core::time::rfc3339(t.created_at),
                    "last_used_at": t.last_used_at.map(nichoir_core::time::rfc3339),
                })
            })
            .collect();
        let invites: Vec<_> = invites
            .into_iter()
            .map(|i| {
                json!({
                    "created_at": nichoir_core::time::rfc3339(i.created_at),
                    "expires_at": nichoir_core::time::rfc3339(i.expires_at),
                    "used_at": i.used_at.map(nichoir_core::time::rfc3339),
                })
            })
            .collect();
        let profile = profile.ok_or_else(|| Error::not_found("no such user"))?;
        let favourites: Vec<_> = self
            .auth
            .favourites(user_id)
            .await?
            .into_iter()
            .map(|f| {
                json!({"kind": f.kind, "id": f.item_id,
                       "added_at": nichoir_core::time::rfc3339(f.created_at)})
            })
            .collect();
        Ok(vec![
            ExportFile::json("profile.json", &profile)?,
            ExportFile::json("sessions.json", &sessions)?,
            ExportFile::json("api_tokens.json", &tokens)?,
            ExportFile::json("invitations_created.json", &invites)?,
            ExportFile::json("favourites.json", &favourites)?,
        ])
    }
}
