//! Cards for links to polls (`/poll/<id>`): title, kind, how many answered, whether it is open.

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_http::preview::{LinkPreview, LinkPreviewer};

use crate::service::PollService;

pub struct PollPreview {
    pub service: Arc<PollService>,
}

#[async_trait::async_trait]
impl LinkPreviewer for PollPreview {
    async fn preview(&self, path: &str, viewer: Option<&Actor>) -> Option<LinkPreview> {
        let id = path.strip_prefix("/poll/")?.trim_end_matches('/');
        if id.is_empty() || id.contains('/') || id == "new" {
            return None;
        }
        let card = self.service.card(id, viewer).await.ok()?;
        Some(LinkPreview::Poll {
            url: card.url,
            title: card.title,
            poll_kind: card.poll_kind.as_str().to_string(),
            options: card.options as u64,
            participants: card.participants as u64,
            closed: card.closed,
        })
    }
}
