//! The pads as a tool of the server (see `nichoir_http::tool`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use nichoir_core::departure::DepartureContributor;
use nichoir_core::export::ExportContributor;
use nichoir_core::moderation::Moderation;
use nichoir_http::preview::LinkPreviewer;
use nichoir_http::{Job, Tool, ToolDecl};

use crate::{
    api, register_topics, PadCommentExport, PadDeparture, PadExport, PadImageExport, PadModeration,
    PadPreview, PadService, MIGRATIONS,
};

pub const TOOL: ToolDecl = ToolDecl {
    name: "pads",
    migrations: MIGRATIONS,
    routes: api,
};

impl Tool for PadService {
    fn name(&self) -> &'static str {
        TOOL.name
    }
    fn register_topics(self: Arc<Self>) {
        register_topics(&self);
    }
    fn export_parts(self: Arc<Self>) -> Vec<Arc<dyn ExportContributor>> {
        vec![
            Arc::new(PadExport {
                service: self.clone(),
            }),
            Arc::new(PadCommentExport {
                service: self.clone(),
            }),
            Arc::new(PadImageExport { service: self }),
        ]
    }
    fn departure(self: Arc<Self>) -> Arc<dyn DepartureContributor> {
        Arc::new(PadDeparture { service: self })
    }
    fn moderation(self: Arc<Self>) -> Arc<dyn Moderation> {
        Arc::new(PadModeration { service: self })
    }
    fn link_preview(self: Arc<Self>) -> Option<Arc<dyn LinkPreviewer>> {
        Some(Arc::new(PadPreview { service: self }))
    }
    fn app_data(self: Arc<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self));
    }
    fn jobs(self: Arc<Self>) -> Vec<Job> {
        let days = self.config().expire_unused_days;
        if days == 0 {
            return Vec::new();
        }
        vec![Job::new(
            "unused pads deleted",
            Duration::from_secs(3600),
            move || {
                let pads = self.clone();
                async move {
                    match pads.expire_unused(days).await {
                        Ok(n) if n > 0 => tracing::info!(removed = n, days, "unused pads deleted"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "pad expiry failed"),
                    }
                }
            },
        )]
    }
}
