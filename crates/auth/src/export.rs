//! The account's part of "download all my data".

use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::Error;
use nichoir_storage::{params, OptionalExtension};
use serde_json::json;

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
                let profile = c
                    .query_row(
                        "SELECT id, username, display_name, email, avatar_color, is_admin, created_at, password_changed_at
                         FROM users WHERE id = ?1",
                        [&uid],
                        |r| {
                            Ok(json!({
                                "id": r.get::<_, String>(0)?,
                                "username": r.get::<_, String>(1)?,
                                "display_name": r.get::<_, String>(2)?,
                                "email": r.get::<_, Option<String>>(3)?,
                                "avatar_color": r.get::<_, String>(4)?,
                                "is_admin": r.get::<_, i64>(5)? != 0,
                                "created_at": nichoir_core::time::rfc3339(r.get(6)?),
                                "password_changed_at": nichoir_core::time::rfc3339(r.get(7)?),
                            }))
                        },
                    )
                    .optional()?;
                let mut s = c.prepare(
                    "SELECT created_at, last_seen_at, user_agent, ip FROM sessions WHERE user_id = ?1",
                )?;
                let sessions = s
                    .query_map([&uid], |r| {
                        Ok(json!({
                            "created_at": nichoir_core::time::rfc3339(r.get(0)?),
                            "last_seen_at": nichoir_core::time::rfc3339(r.get(1)?),
                            "user_agent": r.get::<_, String>(2)?,
                            "ip": r.get::<_, String>(3)?,
                        }))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                let mut s = c.prepare("SELECT name, created_at, last_used_at FROM api_tokens WHERE user_id = ?1")?;
                let tokens = s
                    .query_map([&uid], |r| {
                        Ok(json!({
                            "name": r.get::<_, String>(0)?,
                            "created_at": nichoir_core::time::rfc3339(r.get(1)?),
                            "last_used_at": r.get::<_, Option<i64>>(2)?.map(nichoir_core::time::rfc3339),
                        }))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                let mut s = c.prepare(
                    "SELECT created_at, expires_at, used_at FROM invites WHERE created_by = ?1",
                )?;
                let invites = s
                    .query_map(params![&uid], |r| {
                        Ok(json!({
                            "created_at": nichoir_core::time::rfc3339(r.get(0)?),
                            "expires_at": nichoir_core::time::rfc3339(r.get(1)?),
                            "used_at": r.get::<_, Option<i64>>(2)?.map(nichoir_core::time::rfc3339),
                        }))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((profile, sessions, tokens, invites))
            })
            .await?;
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
