//! Wikis (YesWiki farm class): anyone signed in creates a wiki for a project, from a template;
//! pages in Markdown with `[[links]]`, edits merged three-way, history and diffs, rename with
//! redirects, search, feeds. Rights in `access` (plain functions), SQL in `store`, the service in
//! `service`, HTTP in `routes`; text algorithms live in `nichoir-wikitext`.

mod access;
mod api;
mod comments;
mod comments_store;
mod contributor;
mod departure;
mod error;
mod favourite;
mod files;
mod files_store;
mod migrations;
mod model;
mod moderation;
mod preview;
mod routes;
mod service;
mod store;
mod tool;
mod transfer;
mod watch;
mod watch_store;

pub use access::{EditPolicy, PageRule, Role, Visibility};
pub use api::*;
pub use contributor::WikiExport;
pub use departure::WikiDeparture;
pub use files::usage as file_usage;
pub use migrations::MIGRATIONS;
pub use moderation::WikiModeration;
pub use preview::WikiPreview;
pub use service::{WikiDeps, WikiError, WikiService};
pub use tool::TOOL;

use nichoir_http::Api;

/// Adds the wiki routes to the API.
pub fn api(api: Api) -> Api {
    routes::declare(api)
}
