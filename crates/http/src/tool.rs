//! What the composition needs of a tool. A tool is declared twice, and nowhere else: its static
//! part ([`ToolDecl`]: tables and routes, known before anything runs) and its running service (a
//! [`Tool`]: topics, parts of a person's data, link previews). `crates/web/src/server.rs` holds
//! the one list of each, and the test kit starts servers from the same list.
//!
//! Every method of [`Tool`] is required: a new tool that has no part in "download all my data",
//! in account deletion, in moderation or in the background jobs does not compile until it says
//! what it does there.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use nichoir_core::departure::DepartureContributor;
use nichoir_core::export::ExportContributor;
use nichoir_core::moderation::Moderation;
use nichoir_storage::MigrationSet;

use futures_util::future::LocalBoxFuture;

use crate::preview::LinkPreviewer;
use crate::Api;

/// A tool's tables and routes.
#[derive(Clone, Copy)]
pub struct ToolDecl {
    /// As people know it: "pads", "polls", "chat", "video", "wikis".
    pub name: &'static str,
    pub migrations: MigrationSet,
    /// Adds its routes to the route table.
    pub routes: fn(Api) -> Api,
}

/// A tool's running service, as the rest of the server sees it.
pub trait Tool: Send + Sync {
    fn name(&self) -> &'static str;
    /// Registers its realtime topics on the hub (and what it hears from other nodes); a tool
    /// without realtime registers nothing.
    fn register_topics(self: Arc<Self>);
    /// Its parts of a person's archive ("download all my data").
    fn export_parts(self: Arc<Self>) -> Vec<Arc<dyn ExportContributor>>;
    /// What it forgets or hands over when an account is deleted.
    fn departure(self: Arc<Self>) -> Arc<dyn DepartureContributor>;
    /// What admins can find and take down.
    fn moderation(self: Arc<Self>) -> Arc<dyn Moderation>;
    /// The cards it shows for links to its pages (in chat), if any.
    fn link_preview(self: Arc<Self>) -> Option<Arc<dyn LinkPreviewer>>;
    /// Makes the service reachable from its routes (`web::Data<Arc<Service>>`).
    fn app_data(self: Arc<Self>, cfg: &mut web::ServiceConfig);
    /// Its periodic work (purges, reminders, mail batches), which the server runs every
    /// `period` on the node that runs jobs; a tool without any answers an empty list.
    fn jobs(self: Arc<Self>) -> Vec<Job>;
}

/// Work a tool does every `period` (the first run one period after start). A run logs its
/// own outcome; the server starts each job once and stops it at shutdown.
pub struct Job {
    /// What it does, for the logs ("chat events pruned").
    pub name: &'static str,
    pub period: Duration,
    pub run: Box<dyn Fn() -> LocalBoxFuture<'static, ()>>,
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, period: Duration, run: F) -> Job
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        Job {
            name,
            period,
            run: Box::new(move || Box::pin(run())),
        }
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}
