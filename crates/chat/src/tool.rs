//! The chat as a tool of the server (see `nichoir_http::tool`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use nichoir_core::departure::DepartureContributor;
use nichoir_core::export::ExportContributor;
use nichoir_core::moderation::Moderation;
use nichoir_http::preview::LinkPreviewer;
use nichoir_http::{Job, Tool, ToolDecl};

use crate::{
    api, register_topics, ChatDeparture, ChatExport, ChatModeration, ChatService, MIGRATIONS,
};

pub const TOOL: ToolDecl = ToolDecl {
    name: "chat",
    migrations: MIGRATIONS,
    routes: api,
};

impl Tool for ChatService {
    fn name(&self) -> &'static str {
        TOOL.name
    }
    fn register_topics(self: Arc<Self>) {
        register_topics(&self);
    }
    fn export_parts(self: Arc<Self>) -> Vec<Arc<dyn ExportContributor>> {
        vec![Arc::new(ChatExport { service: self })]
    }
    fn departure(self: Arc<Self>) -> Arc<dyn DepartureContributor> {
        Arc::new(ChatDeparture { service: self })
    }
    fn moderation(self: Arc<Self>) -> Arc<dyn Moderation> {
        Arc::new(ChatModeration { service: self })
    }
    fn link_preview(self: Arc<Self>) -> Option<Arc<dyn LinkPreviewer>> {
        None
    }
    fn app_data(self: Arc<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self));
    }
    fn jobs(self: Arc<Self>) -> Vec<Job> {
        let prune = self.clone();
        vec![
            Job::new(
                "chat events pruned, retention applied",
                Duration::from_secs(3600),
                move || {
                    let chat = prune.clone();
                    async move {
                        match chat.prune_events().await {
                            Ok(n) if n > 0 => tracing::info!(removed = n, "old chat events pruned"),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e.message, "chat event pruning failed")
                            }
                        }
                        match chat.apply_retention().await {
                            Ok(n) if n > 0 => {
                                tracing::info!(
                                    removed = n,
                                    "chat messages past their retention deleted"
                                )
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e.message, "chat retention failed"),
                        }
                    }
                },
            ),
            // Mail about missed mentions and direct messages: each minute, for those who are due.
            Job::new(
                "missed chat activity mailed",
                Duration::from_secs(60),
                move || {
                    let chat = self.clone();
                    async move {
                        match chat.mail_missed().await {
                            Ok(n) if n > 0 => {
                                tracing::info!(mails = n, "missed chat activity mailed")
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e.message, "missed-activity mail failed")
                            }
                        }
                    }
                },
            ),
        ]
    }
}
