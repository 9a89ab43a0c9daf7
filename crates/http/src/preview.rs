//! Link previews across tools: a chat message (or anything else) that links to a pad, a poll or
//! a wiki page of this instance shows a card, made by the tool that owns the link and checked
//! against the rights of whoever looks. Tools implement [`LinkPreviewer`]; the composition
//! gathers them in `Ctx::previewers`, so no tool depends on another.

use nichoir_auth::Actor;
use serde_json::Value;

#[async_trait::async_trait]
pub trait LinkPreviewer: Send + Sync {
    /// A card (`{"kind", "title", "excerpt"?, "url", …}`) for an instance-relative path such as
    /// `/p/abc`, `/poll/xyz` or `/w/club/Rules`, as `viewer` may see it; `None` when the path is
    /// not this tool's, does not exist, or is not visible to `viewer`.
    async fn preview(&self, path: &str, viewer: Option<&Actor>) -> Option<Value>;
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
