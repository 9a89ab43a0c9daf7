//! The selective forwarding unit: webrtc-rs peer connections, one per participant, and the
//! forwarding of each incoming track to the others.

pub mod engine;
pub mod forward;
pub mod peer;

pub use engine::Engine;
pub use forward::{Published, Sink};
pub use peer::{Outbox, PeerLink};
