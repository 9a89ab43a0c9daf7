//! Admin moderation: an admin removes a pad, a poll, a wiki, a chat message or a video room
//! from its link, with a reason kept in the audit log. Each tool recognises its own links
//! ([`Moderation::find`]) and removes what they name ([`Moderation::remove`]); the composition
//! asks each in turn.

use serde::Serialize;

/// What a link names, once a tool has recognised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[schemars(rename = "ModerationTarget")]
#[ts(export, export_to = "core/", rename = "ModerationTarget")]
pub struct Target {
    /// `pad`, `poll`, `wiki`, `chat_message`, `video_room`.
    pub kind: &'static str,
    pub id: String,
    /// What an admin reads in the audit log: a title, a name, the start of a message.
    pub label: String,
}

/// Something an admin's search found, with the link that names it (to open it, or to give to
/// removal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[schemars(rename = "ModerationFound")]
#[ts(export, export_to = "core/", rename = "ModerationFound")]
pub struct Found {
    /// As [`Target::kind`], plus `chat_channel`.
    #[ts(
        type = "\"pad\" | \"poll\" | \"wiki\" | \"chat_channel\" | \"chat_message\" | \"video_room\""
    )]
    pub kind: &'static str,
    pub label: String,
    /// A path of this instance (`/p/notes`, `/chat/club/pl/42`).
    pub link: String,
    /// When it was made (ms since the epoch): the newest come first.
    pub created_at: i64,
}

/// The most one tool answers to one search.
pub const SEARCH_LIMIT: i64 = 20;

/// A SQL `LIKE` pattern (with `ESCAPE '\'`) for text containing `q`, lower-cased: compare it
/// with `lower(column)`. `%`, `_` and `\` in `q` match only themselves.
pub fn like_pattern(q: &str) -> String {
    let mut out = String::from("%");
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// What a tool's search statement answered, `(key, label, created_at)` rows, as [`Found`]s of
/// `kind` whose link is `link(key)`; an empty label reads as the key.
pub fn found(
    kind: &'static str,
    rows: Vec<(String, String, i64)>,
    link: impl Fn(&str) -> String,
) -> Vec<Found> {
    rows.into_iter()
        .map(|(key, label, created_at)| Found {
            kind,
            link: link(&key),
            label: short_label(if label.trim().is_empty() {
                &key
            } else {
                &label
            }),
            created_at,
        })
        .collect()
}

/// Implemented by each tool whose content an admin may remove.
#[async_trait::async_trait]
pub trait Moderation: Send + Sync {
    /// What of this tool's content has `pattern` (from [`like_pattern`]) in its name, title or
    /// (public) text, newest first, at most [`SEARCH_LIMIT`]: how an admin finds what was
    /// reported without its link. Private conversations are not searched.
    async fn search(&self, pattern: &str) -> crate::Result<Vec<Found>>;
    /// The target that `path` (a link's path, percent-decoded: `/p/notes`) names, if it is one
    /// of this tool's links and the thing exists.
    async fn find(&self, path: &str) -> crate::Result<Option<Target>>;
    /// Removes the target for good (whoever has it open is told).
    async fn remove(&self, target: &Target) -> crate::Result<()>;
}

/// The path of a link as people paste it (`https://host/p/notes?x#y`, `/p/notes`), decoded;
/// None for what is no link of a page.
pub fn link_path(link: &str) -> Option<String> {
    let link = link.trim();
    let rest = match link.split_once("://") {
        Some((scheme, rest)) if scheme == "http" || scheme == "https" => {
            let slash = rest.find('/')?;
            &rest[slash..]
        }
        Some(_) => return None,
        None => link,
    };
    if !rest.starts_with('/') {
        return None;
    }
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let path = path.trim_end_matches('/');
    let decoded = percent_decode(path)?;
    (!decoded.is_empty()).then_some(decoded)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The segments of `path` after `prefix` (`/p/`), when it starts with it.
pub fn segments<'a>(path: &'a str, prefix: &str) -> Option<Vec<&'a str>> {
    let rest = path.strip_prefix(prefix)?;
    let parts: Vec<&str> = rest.split('/').collect();
    parts.iter().all(|p| !p.is_empty()).then_some(parts)
}

/// A label of at most 80 characters, on one line.
pub fn short_label(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 80 {
        one_line
    } else {
        let cut: String = one_line.chars().take(79).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_as_people_paste_them() {
        assert_eq!(
            link_path("https://nichoir.example/p/notes").as_deref(),
            Some("/p/notes")
        );
        assert_eq!(
            link_path(" http://h:8080/p/r%C3%A9union?x=1#top ").as_deref(),
            Some("/p/réunion")
        );
        assert_eq!(link_path("/poll/abc/").as_deref(), Some("/poll/abc"));
        assert_eq!(link_path("https://h").as_deref(), None);
        assert_eq!(link_path("javascript:alert(1)"), None);
        assert_eq!(link_path("ftp://h/p/x"), None);
        assert_eq!(link_path("notes"), None);
        assert_eq!(link_path("/p/%ZZ"), None);
        assert_eq!(link_path("/"), None);
    }

    #[test]
    fn like_patterns_match_only_what_is_typed() {
        assert_eq!(like_pattern(" Spam "), "%spam%");
        assert_eq!(like_pattern("100%_x\\"), "%100\\%\\_x\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }

    #[test]
    fn segments_after_a_prefix() {
        assert_eq!(segments("/p/notes", "/p/"), Some(vec!["notes"]));
        assert_eq!(
            segments("/chat/club/pl/42", "/chat/"),
            Some(vec!["club", "pl", "42"])
        );
        assert_eq!(segments("/p/", "/p/"), None);
        assert_eq!(segments("/poll/x", "/p/"), None);
    }

    #[test]
    fn labels_stay_short() {
        assert_eq!(short_label("  a\n b  "), "a b");
        let long = "x".repeat(200);
        assert_eq!(short_label(&long).chars().count(), 80);
    }
}
