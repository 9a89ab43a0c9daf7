//! Pads: real-time collaborative text (Etherpad-class). The OT algebra lives in `nichoir-ot`;
//! this crate owns the pad tables, the per-pad engine that orders, transforms, persists and
//! broadcasts edits, authorship (who wrote what), the realtime topics and the HTTP routes.

mod api;
mod authorship;
mod chat;
mod chat_store;
mod comments;
mod comments_routes;
mod comments_store;
mod departure;
mod error;
mod etherpad;
mod etherpad_file;
mod export;
pub mod formats;
#[cfg(test)]
mod fuzz_tests;
mod idle;
mod images;
mod images_store;
mod import;
mod migrations;
mod model;
mod moderation;
mod owner;
mod preview;
mod rebase;
mod recent;
mod routes;
mod service;
mod store;
mod tool;
mod topics;
mod window;
mod writer;

use std::sync::Arc;

use nichoir_http::Api;

pub use api::{MyPad, PadClientFrame, PadEvent};
pub use authorship::Authorship;
pub use chat::{ChatMessage, SavedRevision};
pub use comments::{Comment, CommentList, CommentThread, PadCommentExport};
pub use departure::PadDeparture;
pub use export::PadExport;
pub use images::{image_url, image_usage, parse_image_url, PadImage, PadImageExport, IMAGE_TYPES};
pub use migrations::MIGRATIONS;
pub use model::{PadInfo, RevisionInfo};
pub use moderation::PadModeration;
pub use preview::PadPreview;
pub use recent::{PadHit, RecentPad};
pub use service::{Applied, PadService};
pub use tool::TOOL;
pub use topics::PadTopics;

/// Adds the pad routes to the API.
pub fn api(api: Api) -> Api {
    etherpad::declare(routes::declare(api))
}

/// Registers the `pad:` and `padro:` topics on the hub.
pub fn register_topics(service: &Arc<PadService>) {
    service.serve_other_nodes();
    service.unload_idle_pads();
    let topics = Arc::new(PadTopics::new(service.clone()));
    service.hub().register("pad", topics.clone());
    service.hub().register("padro", topics);
}
