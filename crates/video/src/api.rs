//! The video tool's edge (docs/video-api.md): request bodies, answers, and the signalling frames
//! on `video:{room}` both ways. Every type here is described in the OpenAPI document and exported
//! to TypeScript (`web/src/generated/video/`). The rules that check them are elsewhere: names and
//! limits in `room`, admission in `call`, a client frame's limits in `signal`.

use std::collections::BTreeMap;

use nichoir_core::ErrorCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// `POST /api/v1/video/rooms`.
#[derive(Debug, Default, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "video/", optional_fields = nullable)]
pub struct NewRoom {
    /// A chosen room name (lower-case letters, digits, dashes); a random one when left out.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    /// Empty: no password.
    #[serde(default)]
    pub password: Option<String>,
    /// People wait until a moderator admits them.
    #[serde(default)]
    pub lobby: bool,
    /// How many people the call holds (the instance's maximum when left out).
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// `PUT /api/v1/video/rooms/{id}`: the title a room gets if this call creates it.
#[derive(Debug, Default, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "video/", optional_fields = nullable)]
pub struct OpenRoom {
    #[serde(default)]
    pub title: Option<String>,
}

/// `PATCH /api/v1/video/rooms/{id}`: absent fields stay; `password: ""` removes the password.
#[derive(Debug, Default, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "video/", optional_fields = nullable)]
pub struct RoomPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub lobby: Option<bool>,
    #[serde(default)]
    pub capacity: Option<u32>,
    #[serde(default)]
    pub locked: Option<bool>,
}

/// What the viewer sees of a room.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct RoomView {
    pub id: String,
    pub title: String,
    pub protected: bool,
    pub lobby: bool,
    pub capacity: u32,
    pub locked: bool,
    /// How many people are in the call now.
    pub participants: usize,
    /// The viewer created it.
    pub owner: bool,
    /// The viewer moderates it (its creator, or an instance admin).
    pub moderator: bool,
    pub created_at: String,
    pub url: String,
}

/// A room just created or opened.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct RoomAnswer {
    pub room: RoomView,
}

/// `GET /api/v1/video/rooms`.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct MyRooms {
    pub rooms: Vec<RoomView>,
}

/// `GET /api/v1/video/ice`.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct IceServers {
    pub ice_servers: Vec<IceServer>,
}

/// A STUN or TURN server, as `RTCIceServer` takes it.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct IceServer {
    pub urls: Vec<String>,
    /// TURN only: time-limited credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub credential: Option<String>,
}

/// What the others see of a participant (docs/video-api.md "Participant").
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema, TS)]
#[ts(export, export_to = "video/")]
pub struct ParticipantView {
    pub id: String,
    pub name: String,
    /// The account, for a signed-in participant.
    pub user_id: Option<String>,
    pub moderator: bool,
    /// Sends sound, picture, a shared screen.
    pub audio: bool,
    pub video: bool,
    pub screen: bool,
    /// Raised hand.
    pub hand: bool,
    pub quality: Quality,
    /// False while they reconnect (kept for a grace period).
    pub connected: bool,
}

/// Why someone is not (or no longer) in the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "video/")]
pub enum Denied {
    Password,
    Full,
    Locked,
    Rejected,
    Removed,
    Ended,
}

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
