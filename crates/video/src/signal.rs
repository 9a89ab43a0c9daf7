//! The signalling frames on `video:{room}` (docs/video-api.md): what a client publishes, parsed
//! and checked with no I/O, and what the server sends.

use std::collections::BTreeMap;

use nichoir_core::ErrorCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::call::{Denied, ParticipantView};
use crate::error::VideoError;
use crate::ice::IceServer;
use crate::room::RoomView;

pub const MAX_SDP_BYTES: usize = 60_000;
pub const MAX_CANDIDATE_BYTES: usize = 1_000;
pub const MAX_CHAT_CHARS: usize = 2_000;

/// What a participant sends on: their microphone, their camera, their shared screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "video/")]
pub enum Source {
    Mic,
    Camera,
    Screen,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Mic, Source::Camera, Source::Screen];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Mic => "mic",
            Source::Camera => "camera",
            Source::Screen => "screen",
        }
    }

    pub fn is_audio(self) -> bool {
        self == Source::Mic
    }
}

/// How well a participant's connection carries the call, as their browser measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "video/")]
pub enum Quality {
    Good,
    Fair,
    Poor,
    Unknown,
}

/// An ICE candidate, as the browser's `RTCIceCandidateInit` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "video/")]
pub struct Candidate {
    pub candidate: String,
    #[serde(default, rename = "sdpMid")]
    pub sdp_mid: Option<String>,
    #[serde(default, rename = "sdpMLineIndex")]
    pub sdp_mline_index: Option<u16>,
    #[serde(default, rename = "usernameFragment")]
    pub username_fragment: Option<String>,
}

/// What a client publishes on `video:{room}`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[ts(export, export_to = "video/")]
pub enum ClientFrame {
    Join {
        name: String,
        #[serde(default)]
        #[ts(optional = nullable)]
        password: Option<String>,
        /// The token of a `joined` frame: comes back as the same participant.
        #[serde(default)]
        #[ts(optional = nullable)]
        resume: Option<String>,
    },
    Answer {
        sdp: String,
    },
    Candidate {
        candidate: Option<Candidate>,
    },
    Media {
        audio: bool,
        video: bool,
        screen: bool,
    },
    Hand {
        raised: bool,
    },
    Quality {
        level: Quality,
    },
    Chat {
        text: String,
        /// A participant's id: a private line.
        #[serde(default)]
        #[ts(optional = nullable)]
        to: Option<String>,
    },
    /// Stops or resumes receiving one source of one participant.
    Pause {
        participant: String,
        source: Source,
        paused: bool,
    },
    Leave {},
    Admit {
        id: String,
    },
    Reject {
        id: String,
    },
    Mute {
        id: String,
    },
    Remove {
        id: String,
    },
    Lock {
        locked: bool,
    },
}

/// Someone in a chat line: who wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct ChatAuthor {
    pub id: String,
    pub name: String,
}

/// Someone waiting in the lobby, as the moderators see them.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct Knocker {
    pub id: String,
    pub name: String,
}

/// What one m-line of an offer carries: mine to send on, or someone's source to me.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[serde(untagged)]
#[ts(export, export_to = "video/")]
pub enum TrackInfo {
    Publish { publish: Source },
    Receive { participant: String, source: Source },
}

/// What the server sends on `video:{room}`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, export_to = "video/")]
pub enum ServerFrame {
    /// The room and who is in its call (empty for outsiders of a protected room).
    Room {
        room: RoomView,
        participants: Vec<ParticipantView>,
    },
    /// I am in the call.
    Joined {
        #[serde(rename = "self")]
        #[ts(rename = "self")]
        me: ParticipantView,
        /// Joins again as the same participant after a lost connection.
        resume: String,
        moderator: bool,
        ice_servers: Vec<IceServer>,
        participants: Vec<ParticipantView>,
    },
    /// I wait in the lobby for a moderator.
    Waiting,
    Denied {
        reason: Denied,
    },
    /// The server's SDP offer; `tracks` by m-line id.
    Offer {
        sdp: String,
        tracks: BTreeMap<String, TrackInfo>,
    },
    Candidate {
        candidate: Option<Candidate>,
    },
    ParticipantJoined {
        participant: ParticipantView,
    },
    /// A participant's state changed (media, hand, quality, connection).
    Participant {
        participant: ParticipantView,
    },
    ParticipantLeft {
        id: String,
    },
    Chat {
        from: ChatAuthor,
        text: String,
        at: String,
        private: bool,
        /// A private line's addressee.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        to: Option<String>,
    },
    /// Someone knocks at the lobby (moderators only).
    Knock {
        participant: Knocker,
    },
    /// A knock was admitted, rejected or withdrawn.
    KnockDone {
        id: String,
    },
    /// A moderator muted me.
    Muted {
        by: String,
    },
    /// My frame was refused, or (`media_failed`) the call must be joined again.
    Error {
        code: ErrorCode,
        message: String,
    },
}

impl ServerFrame {
    /// The frame as the hub sends it. These are plain data: serialising cannot fail.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl ClientFrame {
    /// Parses and checks a frame's limits; an error says what is wrong, in a sentence.
    pub fn parse(data: Value) -> Result<ClientFrame, VideoError> {
        let frame: ClientFrame = serde_json::from_value(data)
            .map_err(|e| VideoError::Invalid(format!("not a video frame: {e}")))?;
        match &frame {
            ClientFrame::Answer { sdp } if sdp.len() > MAX_SDP_BYTES => {
                return Err(VideoError::Invalid("the SDP is too long".into()))
            }
            ClientFrame::Candidate { candidate: Some(c) }
                if c.candidate.len() > MAX_CANDIDATE_BYTES
                    || c.sdp_mid.as_ref().is_some_and(|m| m.len() > 64)
                    || c.username_fragment.as_ref().is_some_and(|u| u.len() > 256) =>
            {
                return Err(VideoError::Invalid("the ICE candidate is too long".into()))
            }
            ClientFrame::Chat { text, .. } => {
                let n = text.trim().chars().count();
                if n == 0 || n > MAX_CHAT_CHARS {
                    return Err(VideoError::Invalid(format!(
                        "a message has 1 to {MAX_CHAT_CHARS} characters"
                    )));
                }
            }
            ClientFrame::Quality {
                level: Quality::Unknown,
            } => return Err(VideoError::Invalid("level: good, fair or poor".into())),
            _ => {}
        }
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn parses_frames() {
        assert_eq!(
            ClientFrame::parse(json!({"type":"join","name":"Ana"})).ok(),
            Some(ClientFrame::Join {
                name: "Ana".into(),
                password: None,
                resume: None
            })
        );
        assert!(ClientFrame::parse(json!({"type":"candidate","candidate":null})).is_ok());
        assert!(ClientFrame::parse(json!({"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host","sdpMid":"0","sdpMLineIndex":0}})).is_ok());
        assert!(ClientFrame::parse(
            json!({"type":"pause","participant":"p","source":"camera","paused":true})
        )
        .is_ok());
        assert!(ClientFrame::parse(json!({"type":"leave"})).is_ok());
    }

    #[test]
    fn refuses_bad_frames() {
        for bad in [
            json!({"type":"nuke"}),
            json!({"type":"join"}),
            json!({"type":"join","name":"A","admin":true}),
            json!({"type":"answer","sdp":"x".repeat(MAX_SDP_BYTES + 1)}),
            json!({"type":"chat","text":"   "}),
            json!({"type":"chat","text":"x".repeat(MAX_CHAT_CHARS + 1)}),
            json!({"type":"pause","participant":"p","source":"speaker","paused":true}),
            json!({"type":"quality","level":"unknown"}),
            json!({"type":"candidate","candidate":{"candidate":"x".repeat(2000)}}),
            json!("join"),
            json!(null),
        ] {
            assert!(ClientFrame::parse(bad.clone()).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_json_is_parsed_or_refused_without_panic(s in "\\PC{0,200}") {
            if let Ok(v) = serde_json::from_str::<Value>(&s) {
                let _ = ClientFrame::parse(v);
            }
        }

        #[test]
        fn any_object_with_a_type_is_parsed_or_refused(t in "[a-z_]{0,10}", k in "[a-z]{1,8}", v in any::<i64>()) {
            let _ = ClientFrame::parse(json!({"type": t, k: v}));
        }
    }
}
