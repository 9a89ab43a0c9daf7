//! Cards for links to wiki pages (`/w/<slug>/<Page>`): page and wiki names and the first lines,
//! with the viewer's rights on that page.

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_http::preview::{LinkPreview, LinkPreviewer};
use nichoir_wikitext::names::name_from_url_segment;

use crate::service::WikiService;

pub struct WikiPreview {
    pub service: Arc<WikiService>,
}

#[async_trait::async_trait]
impl LinkPreviewer for WikiPreview {
    async fn preview(&self, path: &str, viewer: Option<&Actor>) -> Option<LinkPreview> {
        let rest = path.strip_prefix("/w/")?;
        let (slug, page) = rest.split_once('/').unwrap_or((rest, ""));
        let page = page.trim_end_matches('/');
        if page.contains('/') || page.starts_with('_') {
            return None;
        }
        let name = if page.is_empty() {
            self.service.get(slug, viewer).await.ok()?.home_page
        } else {
            name_from_url_segment(page)
        };
        let v = self.service.page(slug, &name, viewer).await.ok()?;
        let text = v.text.as_str();
        // The first lines under the title, as plain text (no `**`, `[[…]]` or link targets in a
        // chat card); a few kilobytes at most are read, so a huge page costs what a small one does.
        let mut head = String::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if head.len() + line.len() > 4000 {
                break;
            }
            head.push_str(line);
            head.push_str("\n\n");
        }
        let excerpt: String = nichoir_wikitext::plain::to_plain(&head)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(200)
            .collect();
        Some(LinkPreview::Wiki {
            url: path.to_string(),
            title: v.page.name,
            wiki: v.wiki.title,
            excerpt,
        })
    }
}
