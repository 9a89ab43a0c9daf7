//! Notifications across the five tools (issue 17): the bell in the app shell, preferences per
//! tool and quiet hours, and Web Push to the devices people turned it on for. The tools speak to
//! it through `nichoir_core::notify::Notifier` only; this crate owns its tables
//! (`migrations.rs`, `store.rs`), its rules without I/O (`rules.rs`), the push sender
//! (`push.rs`), the service (`service.rs`), its edge types (`api.rs`), its routes and the
//! `notify:<user id>` topic.

pub mod api;
mod lane;
pub mod migrations;
pub mod model;
pub mod push;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;
pub mod topics;

use std::sync::Arc;

pub use migrations::MIGRATIONS;
pub use service::{topic, NotifyService};

/// Declares the notification routes.
pub fn api(api: nichoir_http::Api) -> nichoir_http::Api {
    routes::declare(api)
}

/// Registers the `notify:` topic on the hub: open on every page, it is what makes a person
/// online (or away) in every tool.
pub fn register_topics(service: &NotifyService, online: &nichoir_realtime::Online) {
    service.hub().register(
        "notify",
        Arc::new(topics::NotifyTopics {
            service: service.clone(),
            online: online.clone(),
        }),
    );
}

/// A deleted account's notifications, preferences and devices go with it.
pub struct NotifyDeparture {
    pub service: NotifyService,
}

#[async_trait::async_trait]
impl nichoir_core::departure::DepartureContributor for NotifyDeparture {
    fn tool(&self) -> &'static str {
        "notifications"
    }

    async fn forget_user(&self, user_id: &str) -> nichoir_core::Result<()> {
        self.service.forget_user(user_id).await
    }
}
