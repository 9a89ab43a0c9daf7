//! What waits in a connection's queue, and how queued frames become WebSocket messages.
//!
//! A chat message to a 1,000-member channel is 1,000 frames. Building each member's copy of the
//! text, and writing each frame as a WebSocket message of its own, was most of the server's cost at
//! that fan-out. So the text is shared (an `Arc`), the per-member part (the member's topic) is
//! joined to it only when the connection writes, and a client that asks for it (`batch=true`)
//! gets what piled up in its queue as one JSON array per message.

use std::sync::Arc;

/// A server frame waiting in a connection's queue.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A frame for this connection only (a reply, a snapshot).
    Own(String),
    /// The same frame for every member of a topic (a pad's broadcast).
    Shared(Arc<str>),
    /// An `event` frame (no sender) around shared data: `topic` is the topic as a JSON string
    /// (quoted and escaped), shared by the topic's members; `data` a JSON value's text, shared by
    /// every topic it goes to (a chat message goes to each member's own topic).
    Event { topic: Arc<str>, data: Arc<str> },
}

const EVENT_HEAD: &str = "{\"type\":\"event\",\"topic\":";
const EVENT_MIDDLE: &str = ",\"from\":null,\"data\":";

impl Frame {
    /// The frame's text length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Frame::Own(t) => t.len(),
            Frame::Shared(t) => t.len(),
            Frame::Event { topic, data } => {
                EVENT_HEAD.len() + topic.len() + EVENT_MIDDLE.len() + data.len() + 1
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the frame's text to `out`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Frame::Own(t) => out.push_str(t),
            Frame::Shared(t) => out.push_str(t),
            Frame::Event { topic, data } => {
                out.push_str(EVENT_HEAD);
                out.push_str(topic);
                out.push_str(EVENT_MIDDLE);
                out.push_str(data);
                out.push('}');
            }
        }
    }

    /// The frame's text (moved, not copied, when it is the connection's own).
    pub fn into_text(self) -> String {
        match self {
            Frame::Own(t) => t,
            other => {
                let mut out = String::with_capacity(other.len());
                other.write_to(&mut out);
                out
            }
        }
    }
}

/// A topic's name as a JSON string, for [`Frame::Event`].
pub(crate) fn topic_json(topic: &str) -> Arc<str> {
    serde_json::to_string(topic)
        .unwrap_or_else(|_| "\"\"".into())
        .into()
}

/// The largest batch a connection writes as one message, unless a single frame is larger: big
/// enough that a busy channel costs a few messages a second, small enough that a phone parses
/// one without a visible pause.
pub const BATCH_BYTES: usize = 64 * 1024;

/// One WebSocket message from `first` and as many of the frames `next` yields as fit in
/// `max_bytes`: the frame itself when it is alone, else a JSON array of them, in order. Returns
/// the message and the frame that did not fit, which starts the next one.
pub fn batch(
    first: Frame,
    mut next: impl FnMut() -> Option<Frame>,
    max_bytes: usize,
) -> (String, Option<Frame>) {
    let Some(second) = next() else {
        return (first.into_text(), None);
    };
    if first.len() + second.len() + 3 > max_bytes {
        return (first.into_text(), Some(second));
    }
    let mut out = String::with_capacity(max_bytes.min(4 * (first.len() + second.len()) + 2));
    out.push('[');
    first.write_to(&mut out);
    out.push(',');
    second.write_to(&mut out);
    let mut left_over = None;
    while let Some(frame) = next() {
        if out.len() + frame.len() + 2 > max_bytes {
            left_over = Some(frame);
            break;
        }
        out.push(',');
        frame.write_to(&mut out);
    }
    out.push(']');
    (out, left_over)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn frame_strategy() -> impl Strategy<Value = Frame> {
        let text = "[a-z\"\\\\é ]{0,40}";
        prop_oneof![
            text.prop_map(|s| Frame::Own(json!({"type": "pong", "s": s}).to_string())),
            text.prop_map(|s| Frame::Shared(json!({"type": "event", "s": s}).to_string().into())),
            (text, text).prop_map(|(t, s)| Frame::Event {
                topic: topic_json(&t),
                data: json!({"s": s}).to_string().into(),
            }),
        ]
    }

    #[test]
    fn an_event_reads_as_the_protocol_says() {
        let f = Frame::Event {
            topic: topic_json("chat:u\"1"),
            data: "{\"kind\":\"posted\"}".into(),
        };
        let text = f.clone().into_text();
        assert_eq!(text.len(), f.len());
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            v,
            json!({"type": "event", "topic": "chat:u\"1", "from": null, "data": {"kind": "posted"}})
        );
    }

    #[test]
    fn a_lone_frame_is_not_wrapped_and_a_huge_one_goes_alone() {
        let small = Frame::Own("{\"type\":\"pong\"}".into());
        assert_eq!(batch(small.clone(), || None, 1000).0, "{\"type\":\"pong\"}");
        let huge = Frame::Own(format!("{{\"s\":\"{}\"}}", "x".repeat(100)));
        let mut rest = vec![small.clone()].into_iter();
        let (text, left) = batch(huge.clone(), || rest.next(), 50);
        assert_eq!(text, huge.into_text());
        assert_eq!(left, Some(small));
    }

    proptest! {
        /// Whatever the frames and the limit, the messages carry every frame once, in order,
        /// each message is valid JSON, and only a message of one frame exceeds the limit.
        #[test]
        fn batches_carry_every_frame_in_order(
            frames in proptest::collection::vec(frame_strategy(), 1..40),
            max in 1usize..600,
        ) {
            let mut queue = frames.clone().into_iter();
            let mut pending = queue.next();
            let mut got: Vec<Value> = Vec::new();
            while let Some(first) = pending.take() {
                let (text, left) = batch(first, || queue.next(), max);
                let v: Value = serde_json::from_str(&text).expect("json");
                match v {
                    Value::Array(items) => {
                        prop_assert!(items.len() >= 2);
                        prop_assert!(text.len() <= max);
                        got.extend(items);
                    }
                    one => got.push(one),
                }
                pending = left.or_else(|| queue.next());
            }
            let want: Vec<Value> = frames
                .into_iter()
                .map(|f| serde_json::from_str(&f.into_text()).expect("json"))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}
