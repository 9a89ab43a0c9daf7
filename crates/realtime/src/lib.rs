//! The realtime hub: one WebSocket endpoint per client, topics that tools own, fan-out to the
//! members of a topic, heartbeats and idle timeouts, and limits (message size, rate, send queue).
//! A slow client is dropped, never waited for: fan-out uses `try_send` on each member's bounded
//! queue, and a full queue closes that client with 1013.

mod bucket;
pub mod bus;
mod connection;
pub mod frame;
mod hub;
pub mod online;
mod outbox;
pub mod owner;
mod presence;
mod protocol;

pub use bucket::TokenBucket;
pub use connection::serve_connection;
pub use hub::{
    close, ConnId, Hub, HubStats, NodeGoneHandler, Peer, RequestHandler, SignalHandler,
    TopicHandler, TopicKindStats,
};
pub use online::Online;
pub use presence::PresenceHandler;
pub use protocol::{ClientMessage, ServerMessage};
