//! The account's part of "download all my data".

use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::time::serde_rfc3339;
use nichoir_core::Error;
use serde::Serialize;

use crate::store;
use crate::AuthService;

/// A line of favourites.json: what was starred, and when.
#[derive(Serialize)]
struct FavouriteRecord {
    kind: String,
    id: String,
    #[serde(with = "serde_rfc3339")]
    added_at: i64,
}

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
        let profile = profile.ok_or_else(|| Error::not_found("no such user"))?;
        let favourites: Vec<_> = self
            .auth
            .favourites(user_id)
            .await?
            .into_iter()
            .map(|f| FavouriteRecord {
                kind: f.kind,
                id: f.item_id,
                added_at: f.created_at,
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
