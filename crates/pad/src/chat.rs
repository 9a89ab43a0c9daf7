//! Pad chat (a side panel, kept with the pad, as in Etherpad) and saved, named revisions.

use nichoir_auth::Actor;
use nichoir_core::time::{now_ms, serde_rfc3339};
use nichoir_core::Error;
use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

use crate::api::PadEvent;
use crate::chat_store;
use crate::service::{edit_topic, view_topic, PadError, PadService};
use crate::store;

/// A line of a pad's chat.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[schemars(rename = "PadChatMessage")]
#[ts(export, export_to = "pads/")]
pub struct ChatMessage {
    pub id: i64,
    pub author_id: String,
    pub name: String,
    pub color: String,
    pub text: String,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
}

/// A starred, named revision.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct SavedRevision {
    pub rev: u64,
    pub label: String,
    /// The display name of who saved it.
    pub saved_by: String,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
}

const MAX_CHAT_CHARS: usize = 4000;

impl PadService {
    /// Stores a chat line and sends it to everyone on the pad.
    pub async fn post_chat(
        &self,
        pad_id: &str,
        actor: &Actor,
        text: &str,
    ) -> Result<ChatMessage, PadError> {
        let text = text.trim();
        nichoir_core::text::check_controls("chat message", text, nichoir_core::text::Lines::Many)
            .map_err(PadError::Other)?;
        let n = text.chars().count();
        if n == 0 || n > MAX_CHAT_CHARS {
            return Err(PadError::Other(Error::validation(format!(
                "chat message: 1 to {MAX_CHAT_CHARS} characters"
            ))));
        }
        let (info, readonly) = self.find(pad_id).await?;
        if readonly {
            return Err(PadError::Other(Error::forbidden(
                "a read-only link cannot chat",
            )));
        }
        let msg = ChatMessage {
            id: 0,
            author_id: actor.id().to_string(),
            name: actor.display_name().to_string(),
            color: actor.avatar_color().to_string(),
            text: text.to_string(),
            created_at: now_ms(),
        };
        let (pad, m) = (info.id.clone(), msg.clone());
        let id = self
            .db()
            .write(move |tx| chat_store::append_chat(tx, &pad, &m))
            .await?;
        let msg = ChatMessage { id, ..msg };
        let ev = PadEvent::Chat { message: &msg };
        self.hub()
            .broadcast_event(&edit_topic(&info.id), None, &ev, None);
        self.hub()
            .broadcast_event(&view_topic(&info.readonly_id), None, &ev, None);
        self.tell_mentioned(&info.id, actor, &msg.text).await;
        Ok(msg)
    }

    /// `@name` in a chat line notifies that person, if they have opened the pad before (a
    /// stranger's pad cannot page anyone).
    async fn tell_mentioned(&self, pad_id: &str, actor: &Actor, text: &str) {
        let mut notices = Vec::new();
        for name in at_names(text) {
            let Ok(Some(user)) = self.auth().user_by_username(&name).await else {
                continue;
            };
            if user.id == actor.id() {
                continue;
            }
            let (pad, uid) = (pad_id.to_string(), user.id.clone());
            let visited = self
                .db()
                .read(move |c| chat_store::visited(c, &pad, &uid))
                .await
                .unwrap_or(false);
            if visited {
                notices.push(nichoir_core::notify::Notice {
                    user_id: user.id,
                    kind: nichoir_core::notify::Kind::PadMention,
                    scope: format!("pad:{pad_id}"),
                    title: format!("{} · {pad_id}", actor.display_name()),
                    body: nichoir_core::notify::excerpt(text),
                    url: format!("/p/{pad_id}"),
                    actor_id: Some(actor.id().to_string()),
                });
            }
        }
        self.notifier().notify(notices);
    }

    /// Chat lines, oldest first, the `limit` before message `before` (or the newest).
    pub async fn chat_history(
        &self,
        pad_id: &str,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<ChatMessage>, PadError> {
        let (info, _) = self.find(pad_id).await?;
        let before = before.unwrap_or(i64::MAX);
        let limit = limit.clamp(1, 500) as i64;
        let mut list = self
            .db()
            .read(move |c| chat_store::chat_before(c, &info.id, before, limit))
            .await?;
        list.reverse();
        Ok(list)
    }

    /// Stars a revision with a label (Etherpad's "saved revisions"); saving it again renames it.
    pub async fn save_revision(
        &self,
        pad_id: &str,
        actor: &Actor,
        rev: u64,
        label: &str,
    ) -> Result<SavedRevision, PadError> {
        let (info, readonly) = self.find(pad_id).await?;
        if readonly {
            return Err(PadError::Other(Error::forbidden(
                "a read-only link cannot save revisions",
            )));
        }
        if rev > info.rev {
            return Err(PadError::RevFromFuture(rev));
        }
        let label = label.trim();
        nichoir_core::text::check_controls("label", label, nichoir_core::text::Lines::One)
            .map_err(PadError::Other)?;
        if label.chars().count() > 200 {
            return Err(PadError::Other(Error::validation(
                "label: at most 200 characters",
            )));
        }
        let saved = SavedRevision {
            rev,
            label: if label.is_empty() {
                format!("Revision {rev}")
            } else {
                label.to_string()
            },
            saved_by: actor.display_name().to_string(),
            created_at: now_ms(),
        };
        let (pad, s) = (info.id, saved.clone());
        self.db()
            .write(move |tx| chat_store::save_revision(tx, &pad, &s))
            .await?;
        Ok(saved)
    }

    pub async fn saved_revisions(&self, pad_id: &str) -> Result<Vec<SavedRevision>, PadError> {
        let (info, _) = self.find(pad_id).await?;
        Ok(self
            .db()
            .read(move |c| chat_store::saved_revisions(c, &info.id))
            .await?)
    }

    /// Deletes pads nobody opened or edited for `days` days; returns how many.
    pub async fn expire_unused(&self, days: u64) -> Result<usize, PadError> {
        if days == 0 {
            return Ok(0);
        }
        let cutoff = now_ms() - days as i64 * 86_400_000;
        let ids: Vec<String> = self
            .db()
            .read(move |c| store::unused_pads(c, cutoff))
            .await?;
        for id in &ids {
            self.erase(id).await?;
        }
        Ok(ids.len())
    }

    /// Whether the pad has a password (HTTP answers say so before asking for it).
    pub async fn has_password(&self, pad_id: &str) -> Result<bool, PadError> {
        let (info, _) = self.find(pad_id).await?;
        Ok(self
            .db()
            .read(move |c| store::has_password(c, &info.id))
            .await?)
    }
}

/// The distinct `@username`s of a chat line (lower-cased), at most ten.
pub fn at_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || ",;:!?()".contains(c)) {
        let Some(name) = word.strip_prefix('@') else {
            continue;
        };
        let name = name.trim_end_matches(['.', '-']).to_lowercase();
        if !name.is_empty() && !out.contains(&name) && out.len() < 10 {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod mention_tests {
    use super::at_names;

    #[test]
    fn names_are_words_after_an_at_sign() {
        assert_eq!(
            at_names("@Ana, see @bob. And a@b.c @ana"),
            vec!["ana", "bob"]
        );
        assert!(at_names("no one").is_empty());
    }
}
