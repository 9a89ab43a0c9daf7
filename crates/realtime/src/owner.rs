//! Asking a room's owner, for the tools whose rooms live on one node of a cluster (a pad's
//! edits, a call's media). A tool sends its own request text; this module finds the owner
//! again when it does not answer or says the room moved, and tells the tool when the room has
//! become this node's, so that it serves the request itself. The answer side checks it still
//! owns the room before serving (`check_owner`): a stale owner answers `moved`.

use std::time::Duration;

use nichoir_core::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::bus::RequestError;
use crate::Hub;

/// A tool's failure as it crosses the bus: its error code and message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl Failure {
    pub fn new(code: &str, message: impl Into<String>) -> Failure {
        Failure {
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// The error it stands for (`internal` for a code this node does not know).
    pub fn into_error(self) -> Error {
        Error::new(
            ErrorCode::parse(&self.code).unwrap_or(ErrorCode::Internal),
            self.message,
        )
    }

    /// Its text on the bus.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn parse(text: String) -> Failure {
        serde_json::from_str(&text).unwrap_or(Failure {
            code: "internal".into(),
            message: text,
        })
    }
}

/// The code of the answer "this node does not own that room (any more)".
pub const MOVED: &str = "moved";

/// What asking a room's owner came to.
#[derive(Debug)]
pub enum Reached {
    /// The answer of the owner, node `node`.
    Answer { node: u16, text: String },
    /// The room is now this node's: serve the request here.
    Here,
}

/// Why asking a room's owner failed.
#[derive(Debug)]
pub enum AskError {
    /// The owner's handler refused: its code and message.
    Failed(Failure),
    /// No owner answered after every try.
    Unanswered,
    /// Finding the owner failed (the database).
    Lookup(Error),
}

/// How long to wait and how often to try. The first try waits long enough for a busy owner
/// (an edit waits for its batch's commit there, a few ms; a busy pad paces its batches by up
/// to 100 ms); once it went
/// unanswered the owner is probably dead, and the later, shorter tries look its lease up again
/// each time, so that the room is taken soon after the dead owner's heartbeat is old enough
/// (`cluster::NODE_DEAD_MS`).
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub first: Duration,
    pub then: Duration,
    pub tries: usize,
}

pub const PATIENCE: Patience = Patience {
    first: Duration::from_secs(1),
    then: Duration::from_millis(500),
    tries: 10,
};

impl Hub {
    /// Sends `body` to `room`'s handler of `kind` on `node` (its owner as last known), and
    /// finds the owner again when that node does not answer or says it moved.
    pub async fn ask_owner(
        &self,
        room: &str,
        mut node: u16,
        kind: &str,
        body: &str,
        patience: Patience,
    ) -> Result<Reached, AskError> {
        for attempt in 1..=patience.tries {
            let timeout = if attempt == 1 {
                patience.first
            } else {
                patience.then
            };
            match self.request(node, kind, body.to_string(), timeout).await {
                Ok(text) => return Ok(Reached::Answer { node, text }),
                Err(RequestError::Failed(text)) => {
                    let f = Failure::parse(text);
                    if f.code != MOVED {
                        return Err(AskError::Failed(f));
                    }
                }
                Err(RequestError::Unanswered) => {
                    tracing::warn!(room, node, attempt, "room owner did not answer");
                }
            }
            self.forget_room_owner(room);
            match self.room_owner(room).await.map_err(AskError::Lookup)? {
                None => return Ok(Reached::Here),
                Some(n) => node = n,
            }
        }
        Err(AskError::Unanswered)
    }

    /// On the answering side: Ok when this node owns `room`, else the failure to answer with:
    /// `moved` when another node owns it or this one cannot (it is stopping: the asker then
    /// takes the room), or the lookup's error.
    pub async fn check_owner(&self, room: &str) -> Result<(), String> {
        match self.room_owner(room).await {
            Ok(None) => Ok(()),
            Ok(Some(_)) => Err(Failure::new(MOVED, "not the owner").to_text()),
            Err(e) if e.code == ErrorCode::Unavailable => {
                Err(Failure::new(MOVED, e.message).to_text())
            }
            Err(e) => Err(Failure::new(e.code.as_str(), e.message).to_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_that_is_not_ours_reads_as_internal() {
        let f = Failure::parse("no handler for pad".into());
        assert_eq!(f.code, "internal");
        assert_eq!(f.message, "no handler for pad");
        let f = Failure::parse(Failure::new("forbidden", "no").to_text());
        assert_eq!(f, Failure::new("forbidden", "no"));
    }
}
