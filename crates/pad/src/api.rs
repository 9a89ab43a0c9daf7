//! The pads' edge as types: the realtime frames both ways (see `topics.rs` for the protocol),
//! and the HTTP requests and answers that are not the service's own types (`PadInfo`,
//! `ChatMessage`, `CommentThread`…, which are answered as they are). Each is described to the
//! OpenAPI document (schemars) and to the front-end (ts-rs, `web/src/generated/pads/`).

use nichoir_core::ErrorCode;
use nichoir_realtime::ConnId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::authorship::Authorship;
use crate::chat::ChatMessage;
use crate::comments::CommentThread;
use crate::model::{Author, PadInfo};

/// One component of an edit on the wire (ot.js): a positive integer keeps that many characters,
/// a negative one deletes that many, a non-empty string inserts it. Characters are Unicode
/// scalar values. An edit is an array of them: `[5, "hé🙂", -3, 2]`.
#[derive(JsonSchema, TS)]
#[serde(untagged)]
#[ts(export, export_to = "pads/")]
#[allow(dead_code)] // described, never built: `Operation` reads and writes the wire form
pub enum OpComponent {
    Count(i64),
    Text(String),
}

/// Who wrote what: runs of `[author id, length in characters]`, in text order.
#[derive(JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
#[allow(dead_code)] // described, never built: `Authorship` has its own serde
pub struct AuthorRun(pub String, pub u64);

/// What a client publishes on `pad:<id>` (editors) or `padro:<read-only id>` (viewers, who may
/// `sync`: their edits and chat lines are refused, their carets ignored).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, export_to = "pads/")]
pub enum PadClientFrame {
    /// An edit made on revision `rev`; `seq` counts this client's edits (a resend of a stored
    /// one is acknowledged again, not applied twice).
    Op {
        client_id: String,
        seq: u64,
        rev: u64,
        #[schemars(with = "Vec<OpComponent>")]
        #[ts(as = "Vec<OpComponent>")]
        op: Value,
    },
    /// After a reconnect: every revision after `rev`, then `synced`.
    Sync { rev: u64 },
    /// My selection at revision `rev` (characters), relayed to the others, not stored.
    Caret { rev: u64, anchor: u64, head: u64 },
    /// A line in the pad's chat.
    Chat {
        #[serde(default)]
        text: String,
    },
}

/// One stored revision as clients receive it, in `ops` and `ack`.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct WireRev<'a> {
    pub rev: u64,
    #[schemars(with = "Vec<OpComponent>")]
    #[ts(as = "Vec<OpComponent>")]
    pub op: &'a nichoir_ot::Operation,
    /// The author's id.
    pub author: &'a str,
    pub client_id: &'a str,
    pub seq: u64,
}

/// What the server sends on a pad's topics (`event` data).
#[derive(Debug, Serialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, export_to = "pads/")]
pub enum PadEvent<'a> {
    /// The pad as it is, to a connection that just joined (before any later revision).
    State {
        /// The id of the topic joined: the read-only id for a viewer.
        pad: &'a str,
        rev: u64,
        text: &'a str,
        #[schemars(with = "Vec<AuthorRun>")]
        #[ts(as = "Vec<AuthorRun>")]
        authorship: &'a Authorship,
        authors: &'a [Author],
        readonly: bool,
        /// Editors only: the link that shows the pad read-only.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        readonly_id: Option<&'a str>,
    },
    /// Stored revisions, in order (a batch, or the answer to `sync`).
    Ops {
        ops: &'a [WireRev<'a>],
    },
    /// To an edit's author: its edit is stored at `rev`, in `ops` among the others of its batch
    /// (no `ops`: the resend of an edit stored before).
    Ack {
        rev: u64,
        client_id: &'a str,
        seq: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        ops: Option<&'a [WireRev<'a>]>,
    },
    /// A new author (or a new name or colour) before their first revision.
    Author {
        id: &'a str,
        name: &'a str,
        color: &'a str,
    },
    /// Someone's selection (`conn`: their connection).
    Caret {
        conn: ConnId,
        author: &'a str,
        name: &'a str,
        color: &'a str,
        rev: u64,
        anchor: u64,
        head: u64,
    },
    Chat {
        message: &'a ChatMessage,
    },
    /// Every revision up to `rev` was sent (the end of a `sync`).
    Synced {
        rev: u64,
    },
    /// The pad was deleted: the topic ends.
    Deleted,
    /// A refused frame; the pad is unchanged. A refused edit is named by `client_id` and `seq`
    /// as its author sent them.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        client_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        seq: Option<Value>,
    },
    /// A comment thread opened or changed.
    Comment {
        thread: &'a CommentThread,
    },
    CommentDeleted {
        thread_id: &'a str,
    },
}

#[cfg(test)]
impl PadEvent<'_> {
    /// The frame as the hub sends it, to compare in tests (the hub serialises the event itself).
    pub(crate) fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

// ---- HTTP -----------------------------------------------------------------------------------

/// `POST /api/v1/pads`: `{}` for a random id.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct NewPad {
    /// The pad's id: 1 to 64 letters, digits, `-` or `_`.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
}

/// A pad just made, with its links.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct CreatedPad {
    pub pad: PadInfo,
    pub url: String,
    pub readonly_url: String,
}

/// A pad made from an Etherpad export.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct ImportedPad {
    pub pad: PadInfo,
    pub url: String,
}

/// One of my pads (created or opened).
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct MyPad {
    pub id: String,
    pub rev: i64,
    pub updated_at: String,
    /// My last visit; null for a pad I created and never opened since.
    pub visited_at: Option<String>,
    pub owned: bool,
}

/// `GET /api/v1/pads/{id}` query.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct PadQuery {
    /// `false`: the pad's facts without its text and authors.
    #[serde(default)]
    #[ts(optional)]
    pub text: Option<bool>,
}

/// A pad's facts as its link shows them: a read-only link never learns the edit id.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct PadFacts {
    /// The id of the link asked for (the read-only id for a read-only link).
    pub id: String,
    pub rev: u64,
    pub created_at: String,
    pub updated_at: String,
    pub readonly: bool,
    pub protected: bool,
    /// Edit links only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub readonly_id: Option<String>,
    /// Edit links only (null: a pad without a creator).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[allow(clippy::option_option)]
    pub owner_id: Option<Option<String>>,
}

/// `GET /api/v1/pads/{id}`: the facts, and the text and authors unless `?text=false`.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct PadPage {
    pub pad: PadFacts,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub authors: Option<Vec<Author>>,
}

/// The text and authorship at a revision (the timeslider).
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct PadRevisionText {
    pub rev: u64,
    pub text: String,
    #[schemars(with = "Vec<AuthorRun>")]
    #[ts(as = "Vec<AuthorRun>")]
    pub authorship: Authorship,
    pub authors: Vec<Author>,
}

/// The revision a change made.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct PadNewRev {
    pub rev: u64,
}

/// `GET /api/v1/pads/{id}/export` query.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadExportQuery {
    /// txt (the default), md, html, docx, odt or etherpad.
    #[serde(default)]
    #[ts(optional)]
    pub format: Option<String>,
    /// The text as it was at this revision (not with `etherpad`).
    #[serde(default)]
    #[ts(optional)]
    pub rev: Option<u64>,
    /// With `format=html`: a page to print (shown, not downloaded), without the app around it.
    #[serde(default)]
    #[ts(optional)]
    pub print: Option<u8>,
}

/// `GET /api/v1/pads/{id}/revisions` query.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadRevisionsQuery {
    /// Revisions before this one (default: from the newest).
    #[serde(default)]
    #[ts(optional)]
    pub before: Option<u64>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u64>,
}

/// `POST /api/v1/pads/{id}/restore`.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadRestore {
    pub rev: u64,
}

/// `GET /api/v1/pads/{id}/chat` query.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadChatQuery {
    /// Messages before this message id (default: the newest).
    #[serde(default)]
    #[ts(optional)]
    pub before: Option<i64>,
    /// At most this many (1 to 500, default 100).
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u64>,
}

/// `POST /api/v1/pads/{id}/chat`.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadChatLine {
    pub text: String,
}

/// `POST /api/v1/pads/{id}/saved-revisions`.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadSaveRevision {
    pub rev: u64,
    /// Empty (or left out): "Revision N".
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub label: String,
}

/// A pad's password: set (null removes it) or given to unlock the pad.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadPassword {
    pub password: Option<String>,
}

/// `POST /api/v1/pads/{id}/import` query.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct PadImportQuery {
    /// txt, md, html, docx or odt.
    pub format: String,
}

/// `POST /api/v1/pads/import-etherpad` query.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "pads/")]
pub struct EtherpadImportQuery {
    /// The new pad's id (default: a random one).
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
}

/// `GET /api`: Etherpad's current API version.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "pads/")]
pub struct EtherpadVersion {
    pub current_version: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn client_frames_read_as_before() {
        let op: PadClientFrame = serde_json::from_value(
            json!({"type": "op", "client_id": "c", "seq": 1, "rev": 0, "op": [1, "a"], "extra": 1}),
        )
        .expect("op");
        assert!(matches!(op, PadClientFrame::Op { seq: 1, rev: 0, .. }));
        let chat: PadClientFrame =
            serde_json::from_value(json!({"type": "chat"})).expect("chat without text");
        assert!(matches!(chat, PadClientFrame::Chat { text } if text.is_empty()));
        for bad in [
            json!({"type": "op", "client_id": "c", "seq": -1, "rev": 0, "op": []}),
            json!({"type": "op", "client_id": "c", "seq": 1.5, "rev": 0, "op": []}),
            json!({"type": "sync"}),
            json!({"type": "caret", "rev": 1, "anchor": 2}),
            json!({"type": "nope"}),
            json!({"rev": 1}),
            json!([]),
        ] {
            assert!(
                serde_json::from_value::<PadClientFrame>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn events_keep_their_wire_shape() {
        let authorship = Authorship::default();
        let state = PadEvent::State {
            pad: "r-x",
            rev: 3,
            text: "",
            authorship: &authorship,
            authors: &[],
            readonly: true,
            readonly_id: None,
        };
        assert_eq!(
            state.to_value(),
            json!({"type": "state", "pad": "r-x", "rev": 3, "text": "", "authorship": [],
                "authors": [], "readonly": true})
        );
        let ack = PadEvent::Ack {
            rev: 4,
            client_id: "c",
            seq: 2,
            ops: None,
        };
        assert_eq!(
            ack.to_value(),
            json!({"type": "ack", "rev": 4, "client_id": "c", "seq": 2})
        );
        assert_eq!(PadEvent::Deleted.to_value(), json!({"type": "deleted"}));
        let error = PadEvent::Error {
            code: ErrorCode::InvalidOp,
            message: "m".into(),
            client_id: None,
            seq: None,
        };
        assert_eq!(
            error.to_value(),
            json!({"type": "error", "code": "invalid_op", "message": "m"})
        );
    }
}
