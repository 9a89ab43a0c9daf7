//! The wikis as a tool of the server (see `nichoir_http::tool`).

use std::sync::Arc;

use actix_web::web;
use nichoir_core::departure::DepartureContributor;
use nichoir_core::export::ExportContributor;
use nichoir_core::moderation::Moderation;
use nichoir_http::preview::LinkPreviewer;
use nichoir_http::{Job, Tool, ToolDecl};

use crate::{api, WikiDeparture, WikiExport, WikiModeration, WikiPreview, WikiService, MIGRATIONS};

pub const TOOL: ToolDecl = ToolDecl {
    name: "wikis",
    migrations: MIGRATIONS,
    routes: api,
};

impl Tool for WikiService {
    fn name(&self) -> &'static str {
        TOOL.name
    }
    fn register_topics(self: Arc<Self>) {
        // Wikis have no realtime topic: pages are saved and read over HTTP.
        let _ = self;
    }
    fn export_parts(self: Arc<Self>) -> Vec<Arc<dyn ExportContributor>> {
        vec![Arc::new(WikiExport { service: self })]
    }
    fn departure(self: Arc<Self>) -> Arc<dyn DepartureContributor> {
        Arc::new(WikiDeparture { service: self })
    }
    fn moderation(self: Arc<Self>) -> Arc<dyn Moderation> {
        Arc::new(WikiModeration { service: self })
    }
    fn link_preview(self: Arc<Self>) -> Option<Arc<dyn LinkPreviewer>> {
        Some(Arc::new(WikiPreview { service: self }))
    }
    fn app_data(self: Arc<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self));
    }
    fn jobs(self: Arc<Self>) -> Vec<Job> {
        Vec::new()
    }
}
