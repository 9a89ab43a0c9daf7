//! The polls as a tool of the server (see `nichoir_http::tool`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use nichoir_core::departure::DepartureContributor;
use nichoir_core::export::ExportContributor;
use nichoir_core::moderation::Moderation;
use nichoir_http::preview::LinkPreviewer;
use nichoir_http::{Job, Tool, ToolDecl};

use crate::{
    api, register_topics, PollDeparture, PollExport, PollModeration, PollPreview, PollService,
    MIGRATIONS,
};

pub const TOOL: ToolDecl = ToolDecl {
    name: "polls",
    migrations: MIGRATIONS,
    routes: api,
};

impl Tool for PollService {
    fn name(&self) -> &'static str {
        TOOL.name
    }
    fn register_topics(self: Arc<Self>) {
        register_topics(&self);
    }
    fn export_parts(self: Arc<Self>) -> Vec<Arc<dyn ExportContributor>> {
        vec![Arc::new(PollExport { service: self })]
    }
    fn departure(self: Arc<Self>) -> Arc<dyn DepartureContributor> {
        Arc::new(PollDeparture { service: self })
    }
    fn moderation(self: Arc<Self>) -> Arc<dyn Moderation> {
        Arc::new(PollModeration { service: self })
    }
    fn link_preview(self: Arc<Self>) -> Option<Arc<dyn LinkPreviewer>> {
        Some(Arc::new(PollPreview { service: self }))
    }
    fn app_data(self: Arc<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self));
    }
    fn jobs(self: Arc<Self>) -> Vec<Job> {
        // `purge_expired` does nothing when `polls.purge_after_days` is 0.
        let purge = self.clone();
        vec![
            Job::new(
                "expired polls deleted",
                Duration::from_secs(3600),
                move || {
                    let polls = purge.clone();
                    async move {
                        match polls.purge_expired().await {
                            Ok(n) if n > 0 => tracing::info!(removed = n, "expired polls deleted"),
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "poll purge failed"),
                        }
                    }
                },
            ),
            Job::new("poll reminders", Duration::from_secs(300), move || {
                let polls = self.clone();
                async move {
                    match polls.send_reminders().await {
                        Ok(n) if n > 0 => tracing::info!(sent = n, "poll reminders sent"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "poll reminders failed"),
                    }
                }
            }),
        ]
    }
}
