//! The signalling frames on `video:{room}` (docs/video-api.md): what a client publishes, parsed
//! and checked with no I/O. The frames themselves, both ways, are in `api`.

use serde_json::Value;

pub use crate::api::{
    Candidate, ChatAuthor, ClientFrame, Knocker, Quality, ServerFrame, Source, TrackInfo,
};
use crate::error::VideoError;

pub const MAX_SDP_BYTES: usize = 60_000;
pub const MAX_CANDIDATE_BYTES: usize = 1_000;
pub const MAX_CHAT_CHARS: usize = 2_000;

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
