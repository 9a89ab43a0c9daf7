//! A video call participant for tests and the benchmark, made with the `webrtc` crate: it speaks
//! Nichoir's video protocol (docs/video-api.md) over the realtime WebSocket, answers the server's
//! offers, sends synthetic VP8 and Opus RTP on the m-lines it may publish on, and counts what it
//! receives.
//!
//! ```no_run
//! # async fn f() -> anyhow::Result<()> {
//! use nichoir_video_client::{JoinOptions, Participant};
//! let ana = Participant::join("http://127.0.0.1:8080", "my-room", "Ana", JoinOptions::default()).await?;
//! ana.wait_receiving_from("p…", nichoir_video_client::Source::Camera, 10, std::time::Duration::from_secs(20)).await?;
//! ana.leave().await?;
//! # Ok(()) }
//! ```
//!
//! Modules: [`http`] (guest identity, room API), [`signalling`] (the socket and its event log),
//! `peer` (the peer connection and media tasks), [`rtp`] (synthetic packets), [`stats`].

pub mod http;
#[cfg(test)]
mod loopback_tests;
mod participant;
mod peer;
pub mod rtp;
pub mod signalling;
pub mod stats;

pub use http::{Identity, Reply};
pub use participant::{Denied, JoinOptions, MediaOptions, Participant};
pub use rtp::{AudioShape, VideoShape};
pub use signalling::{EventLog, Signal};
pub use stats::{SenderStats, Stats, StreamKey, StreamStats, Totals};

/// What a participant sends: microphone, camera or screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Mic,
    Camera,
    Screen,
}

impl Source {
    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "mic" => Some(Source::Mic),
            "camera" => Some(Source::Camera),
            "screen" => Some(Source::Screen),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Mic => "mic",
            Source::Camera => "camera",
            Source::Screen => "screen",
        }
    }

    /// Opus for the microphone, VP8 for the others.
    pub fn is_audio(self) -> bool {
        self == Source::Mic
    }
}

/// What an m-line of the server's offer carries (its `tracks` map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MidRole {
    /// Ours to send on.
    Publish(Source),
    /// Another participant's source, forwarded to us.
    Forward { participant: String, source: Source },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_trip() {
        for s in [Source::Mic, Source::Camera, Source::Screen] {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        assert_eq!(Source::parse("Mic"), None);
        assert!(Source::Mic.is_audio() && !Source::Screen.is_audio());
    }
}
