//! The chat in a user's data export: their teams and channels, every message they wrote (direct
//! messages included), their reactions, and the files they shared, bytes and all.

use std::sync::Arc;

use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::time::rfc3339;
use nichoir_core::Error;
use serde::Serialize;

use crate::files::file_key;
use crate::service::ChatService;
use crate::store;

pub struct ChatExport {
    pub service: Arc<ChatService>,
}

#[derive(Serialize)]
struct TeamEntry {
    team: String,
    display_name: String,
    role: String,
    joined_at: String,
}

#[derive(Serialize)]
struct ChannelEntry {
    /// None for direct and group messages.
    team: Option<String>,
    channel: String,
    display_name: String,
    kind: String,
    role: String,
    joined_at: String,
    muted: bool,
}

#[derive(Serialize)]
struct MessageEntry {
    id: i64,
    team: Option<String>,
    channel: String,
    kind: String,
    /// The thread's first message, for a reply.
    root_id: Option<i64>,
    text: String,
    created_at: String,
    edited_at: Option<String>,
    pinned: bool,
    /// Paths of the message's files in this archive.
    files: Vec<String>,
}

#[derive(Serialize)]
struct ReactionEntry {
    message_id: i64,
    emoji: String,
    created_at: String,
}

#[derive(Serialize)]
struct FileEntry {
    /// Where the bytes are in this archive (under `chat/`).
    path: String,
    name: String,
    content_type: String,
    size: i64,
    channel: String,
    message_id: Option<i64>,
    created_at: String,
    /// False when the stored bytes could not be read (a missing object in the store).
    included: bool,
}

/// `files/<id>-<name>`: the id keeps two files of one name apart.
fn file_path(id: &str, name: &str) -> String {
    format!("files/{id}-{name}")
}

#[async_trait::async_trait]
impl ExportContributor for ChatExport {
    fn folder(&self) -> &'static str {
        "chat"
    }

    async fn export_user(&self, user_id: &str) -> Result<Vec<ExportFile>, Error> {
        let u = user_id.to_string();
        let data = self
            .service
            .db
            .read(move |c| store::user_chat_data(c, &u))
            .await?;
        let mut out = Vec::new();
        let mut files = Vec::with_capacity(data.files.len());
        for f in &data.files {
            let path = file_path(&f.id, &f.name);
            let bytes = self
                .service
                .blobs
                .get(&file_key(&f.sha256))
                .await
                .map_err(Error::internal)?;
            let included = bytes.is_some();
            if let Some(contents) = bytes {
                out.push(ExportFile {
                    path: path.clone(),
                    contents,
                });
            }
            files.push(FileEntry {
                path,
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                size: f.size,
                channel: f.channel.clone(),
                message_id: f.post_id,
                created_at: rfc3339(f.created_at),
                included,
            });
        }
        let messages: Vec<MessageEntry> = data
            .posts
            .into_iter()
            .map(|p| MessageEntry {
                files: files
                    .iter()
                    .filter(|f| f.message_id == Some(p.id))
                    .map(|f| f.path.clone())
                    .collect(),
                id: p.id,
                team: p.team,
                channel: p.channel,
                kind: p.kind,
                root_id: p.root_id,
                text: p.text,
                created_at: rfc3339(p.created_at),
                edited_at: p.edited_at.map(rfc3339),
                pinned: p.pinned,
            })
            .collect();
        let teams: Vec<TeamEntry> = data
            .teams
            .into_iter()
            .map(|(team, display_name, role, at)| TeamEntry {
                team,
                display_name,
                role,
                joined_at: rfc3339(at),
            })
            .collect();
        let channels: Vec<ChannelEntry> = data
            .channels
            .into_iter()
            .map(|c| ChannelEntry {
                team: c.team,
                channel: c.name,
                display_name: c.display_name,
                kind: c.kind,
                role: c.role,
                joined_at: rfc3339(c.joined_at),
                muted: c.muted,
            })
            .collect();
        let reactions: Vec<ReactionEntry> = data
            .reactions
            .into_iter()
            .map(|(message_id, emoji, at)| ReactionEntry {
                message_id,
                emoji,
                created_at: rfc3339(at),
            })
            .collect();
        out.push(ExportFile::json("teams.json", &teams)?);
        out.push(ExportFile::json("channels.json", &channels)?);
        out.push(ExportFile::json("messages.json", &messages)?);
        out.push(ExportFile::json("reactions.json", &reactions)?);
        out.push(ExportFile::json("files.json", &files)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::file_path;

    #[test]
    fn two_files_of_one_name_get_two_paths() {
        assert_ne!(file_path("f1", "a.png"), file_path("f2", "a.png"));
        assert_eq!(file_path("f1", "a.png"), "files/f1-a.png");
    }
}
