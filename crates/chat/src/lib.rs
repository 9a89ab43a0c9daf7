//! Chat (Mattermost class): teams, public and private channels, direct and group messages,
//! threads, reactions, pins, mentions, unread counts kept on the server, full-text search, and
//! one realtime topic per user with catch-up after a reconnect (docs/chat-api.md). Pure text rules
//! in `text`, SQL in `store`, the service in `service`, HTTP in `routes`, realtime in `topics`.

pub mod api;
mod calls;
mod departure;
mod email;
mod error;
mod export;
mod files;
#[cfg(test)]
mod fuzz_tests;
mod import;
mod migrations;
mod model;
mod moderation;
mod notices;
mod recent;
mod relay;
mod routes;
mod service;
mod status;
mod store;
mod text;
mod tool;
mod topics;
mod webhooks;

use std::sync::Arc;

use nichoir_http::Api;

pub use departure::ChatDeparture;
pub use email::EmailChoice;
pub use export::ChatExport;
pub use files::usage as file_usage;
pub use migrations::MIGRATIONS;
pub use moderation::ChatModeration;
pub use recent::{ChatHit, RecentChannel};
pub use service::{ChatDeps, ChatService, EmailSettings};
pub use tool::TOOL;
pub use topics::ChatTopics;

/// Adds the chat routes to the API.
pub fn api(api: Api) -> Api {
    routes::declare(api)
}

/// Registers the `chat:` topic on the hub (and, in a cluster, starts the events relay); team
/// peers hear of each other's presence.
pub fn register_topics(service: &Arc<ChatService>) {
    service.start_relay();
    let teller = service.clone();
    service.online.on_change(Arc::new(move |user, status| {
        let (service, user) = (teller.clone(), user.to_string());
        tokio::spawn(async move {
            if let Err(e) = service.presence(&user, status).await {
                tracing::warn!(error = %e.message, "presence not told");
            }
        });
    }));
    service.hub().register(
        "chat",
        Arc::new(ChatTopics {
            service: service.clone(),
        }),
    );
}
