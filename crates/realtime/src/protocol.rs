//! The JSON frames of the realtime protocol.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hub::Peer;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Subscribe { topic: String },
    Unsubscribe { topic: String },
    Publish { topic: String, data: Value },
    Ping {},
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Hello {
        conn: u64,
        heartbeat_secs: u64,
        max_message_bytes: u64,
    },
    Subscribed {
        topic: &'a str,
        members: Vec<Peer>,
    },
    Unsubscribed {
        topic: &'a str,
        /// Set when the server removed the subscription: the error code of the refusal
        /// (`password_required`, `forbidden`…). Absent when the client asked to leave.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
    },
    Presence {
        topic: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        joined: Option<&'a Peer>,
        #[serde(skip_serializing_if = "Option::is_none")]
        left: Option<&'a Peer>,
    },
    Pong {},
    Error {
        code: &'a str,
        message: &'a str,
    },
}

/// An `event` frame: `{"type":"event","topic","from","data"}`, the same bytes for any `data` a
/// tool gives (its typed frame, serialised once, straight into the frame's text).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename = "event")]
pub struct EventFrame<'a, D: ?Sized + Serialize> {
    pub topic: &'a str,
    pub from: Option<&'a Peer>,
    pub data: &'a D,
}

impl<D: ?Sized + Serialize> EventFrame<'_, D> {
    /// The frame's text; `None` when `data` cannot be JSON (a map with non-string keys): a
    /// tool's bug, logged, and nothing is sent.
    pub fn to_text(&self) -> Option<String> {
        serde_json::to_string(self)
            .map_err(|e| tracing::error!(error = %e, topic = self.topic, "event not serialisable"))
            .ok()
    }
}

impl ServerMessage<'_> {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"encoding failed"}"#.to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","topic":"a:b"}"#).expect("ok");
        assert_eq!(
            m,
            ClientMessage::Subscribe {
                topic: "a:b".into()
            }
        );
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"subscribe"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"nuke"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"ping","x":1}"#).is_err());
    }

    /// The event frame keeps the bytes it had as a `ServerMessage` variant holding a `Value`.
    #[test]
    fn event_frames_keep_their_bytes() {
        #[derive(Serialize)]
        struct Typed {
            rev: i64,
            text: &'static str,
        }
        let typed = EventFrame {
            topic: "pad:x",
            from: None,
            data: &Typed {
                rev: 3,
                text: "a\"b",
            },
        };
        assert_eq!(
            typed.to_text().as_deref(),
            Some(r#"{"type":"event","topic":"pad:x","from":null,"data":{"rev":3,"text":"a\"b"}}"#)
        );
        let value = serde_json::json!({"rev": 3, "text": "a\"b"});
        let untyped = EventFrame {
            topic: "pad:x",
            from: None,
            data: &value,
        };
        assert_eq!(untyped.to_text(), typed.to_text());
    }
}
