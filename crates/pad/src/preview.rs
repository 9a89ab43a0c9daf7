//! Cards for links to pads (`/p/<id>`): the first lines, for whoever may open the pad.

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_http::preview::{LinkPreview, LinkPreviewer};

use crate::service::PadService;

pub struct PadPreview {
    pub service: Arc<PadService>,
}

/// The first non-empty lines of a text, at most `max` characters.
fn excerpt(text: &str, max: usize) -> String {
    let joined: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(4)
        .collect::<Vec<_>>()
        .join(" · ");
    let mut out: String = joined.chars().take(max).collect();
    if joined.chars().count() > max {
        out.push('…');
    }
    out
}

#[async_trait::async_trait]
impl LinkPreviewer for PadPreview {
    async fn preview(&self, path: &str, viewer: Option<&Actor>) -> Option<LinkPreview> {
        let id = path.strip_prefix("/p/")?.trim_end_matches('/');
        if id.is_empty() || id.contains('/') {
            return None;
        }
        // A password-protected pad is refused here unless this viewer gave its password.
        let (info, readonly) = self.service.open(id, viewer).await.ok()?;
        let (text, rev) = self.service.current_text(&info.id).await.ok()?;
        let title = text
            .lines()
            .map(|l| l.trim_start_matches('#').trim())
            .find(|l| !l.is_empty())
            .unwrap_or(id)
            .chars()
            .take(120)
            .collect::<String>();
        Some(LinkPreview::Pad {
            url: path.to_string(),
            title,
            excerpt: excerpt(&nichoir_core::markdown::to_plain(&text), 200),
            rev,
            readonly,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn excerpts_are_short() {
        assert_eq!(
            super::excerpt(
                &nichoir_core::markdown::to_plain("# Title\n\n- **one**\n- two\n"),
                100
            ),
            "Title · - one · - two"
        );
        assert_eq!(
            super::excerpt(&"x".repeat(300), 10),
            format!("{}…", "x".repeat(10))
        );
    }
}
