//! Link previews across tools: a chat message (or anything else) that links to a pad, a poll or
//! a wiki page of this instance shows a card, made by the tool that owns the link and checked
//! against the rights of whoever looks. Tools implement [`LinkPreviewer`]; the composition
//! gathers them in `Ctx::previewers`, so no tool depends on another.

use nichoir_auth::Actor;
use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

/// A card for a link to a page of this instance (`GET /api/v1/chat/preview`), as the person
/// who asks may see it; `kind` says which tool's page.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export, export_to = "http/")]
pub enum LinkPreview {
    /// A pad (`/p/<id>`).
    Pad {
        url: String,
        /// Its first line, without heading marks (at most 120 characters).
        title: String,
        /// Its first lines as plain text.
        excerpt: String,
        /// The revision the excerpt was read at.
        rev: u64,
        /// Whether the link opens it read-only.
        readonly: bool,
    },
    /// A poll (`/poll/<id>`).
    Poll {
        url: String,
        title: String,
        /// "date" or "classic".
        poll_kind: String,
        options: u64,
        participants: u64,
        closed: bool,
    },
    /// A wiki page (`/w/<wiki>/<Page>`).
    Wiki {
        url: String,
        /// The page's name.
        title: String,
        /// The wiki's title.
        wiki: String,
        /// Its first lines as plain text.
        excerpt: String,
    },
}

#[async_trait::async_trait]
pub trait LinkPreviewer: Send + Sync {
    /// A card for an instance-relative path such as `/p/abc`, `/poll/xyz` or `/w/club/Rules`,
    /// as `viewer` may see it; `None` when the path is not this tool's, does not exist, or is
    /// not visible to `viewer`.
    async fn preview(&self, path: &str, viewer: Option<&Actor>) -> Option<LinkPreview>;
}

/// The instance-relative path of `url` when it points at this instance (`base_url`), or a path
/// already relative; `None` for other hosts.
pub fn local_path(url: &str, base_url: &str) -> Option<String> {
    let base = base_url.trim_end_matches('/');
    let rest = if let Some(r) = url.strip_prefix(base) {
        r
    } else if url.starts_with('/') && !url.starts_with("//") {
        url
    } else {
        return None;
    };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    path.starts_with('/').then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_this_instance() {
        let base = "https://nichoir.example";
        assert_eq!(
            super::local_path("https://nichoir.example/p/abc?x=1", base).as_deref(),
            Some("/p/abc")
        );
        assert_eq!(
            super::local_path("/poll/xyz#top", base).as_deref(),
            Some("/poll/xyz")
        );
        assert_eq!(super::local_path("https://evil.example/p/abc", base), None);
        assert_eq!(super::local_path("//evil.example/p/abc", base), None);
        assert_eq!(
            super::local_path("https://nichoir.example.evil/p", base),
            None
        );
    }
}
