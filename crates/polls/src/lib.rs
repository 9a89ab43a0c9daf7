//! Polls (Framadate / Rallly class): date and classic polls without accounts. The author keeps a
//! secret admin link; participants answer in rows; results update live. Domain rules (input
//! validation, ballots and tallies, time zones, views per viewer) are plain functions; SQL lives
//! in `store`, HTTP in `routes`, live updates in `topics`; what the API sends is typed in `api`,
//! what it reads in `input`.

pub mod api;
mod contributor;
mod departure;
mod error;
mod export;
mod input;
mod mails;
mod migrations;
mod model;
mod moderation;
mod preview;
mod routes;
mod service;
mod store;
mod tally;
mod tool;
mod topics;
mod view;
mod zone;

use std::sync::Arc;

use nichoir_http::Api;

pub use api::{MyPoll, MyRole, PollSummary};
pub use contributor::PollExport;
pub use departure::PollDeparture;
pub use migrations::MIGRATIONS;
pub use moderation::PollModeration;
pub use preview::PollPreview;
pub use service::{PollError, PollService};
pub use tool::TOOL;
pub use topics::PollTopics;

/// Adds the polls routes to the API.
pub fn api(api: Api) -> Api {
    routes::declare(api)
}

/// Registers the `poll:` topic on the hub.
pub fn register_topics(service: &Arc<PollService>) {
    service.listen_to_other_nodes();
    service.hub().register(
        "poll",
        Arc::new(PollTopics {
            service: service.clone(),
        }),
    );
}
