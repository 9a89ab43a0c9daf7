//! Video calls (Jitsi Meet class) through a selective forwarding unit inside the binary
//! (docs/video-api.md): rooms by link with password, lobby, lock and capacity; one peer
//! connection per participant, the server forwarding each participant's RTP to the others.

pub mod api;
pub mod call;
mod contributor;
mod departure;
pub mod error;
pub mod ice;
mod migrations;
pub mod model;
mod moderation;
mod owner;
pub mod room;
mod routes;
mod runtime;
pub mod service;
pub mod sfu;
pub mod signal;
mod store;
mod tool;
mod topics;

use std::sync::Arc;

use nichoir_http::Api;

pub use contributor::VideoExport;
pub use departure::VideoDeparture;
pub use error::VideoError;
pub use migrations::MIGRATIONS;
pub use moderation::VideoModeration;
pub use service::{VideoDeps, VideoService};
pub use tool::TOOL;
pub use topics::VideoTopics;

/// Adds this tool's routes to the API.
pub fn api(api: Api) -> Api {
    routes::declare(api)
}

/// Routes the `video:` topics of the realtime hub to the service.
pub fn register_topics(service: &Arc<VideoService>) {
    owner::serve_other_nodes(service);
    service.hub().register(
        "video",
        Arc::new(VideoTopics {
            service: service.clone(),
        }),
    );
}
