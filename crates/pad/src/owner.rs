//! Pads in a cluster: each pad's edits are applied by one node, the owner of room `pad:<id>`
//! (`Hub::room_owner`; leases in `crates/cluster`). Any node accepts any socket; what needs the
//! pad's state in memory (an edit, the state for a new member, a sync, the current text, the
//! erasure) is sent to the owner as a request over the bus, and the owner answers the socket
//! through the hub, which reaches connections on every node. Outside a cluster every pad is
//! this node's and nothing here runs.

use std::sync::Arc;

use nichoir_core::{Error, ErrorCode};
use nichoir_realtime::owner::{AskError, Failure, Reached, PATIENCE};
use nichoir_realtime::ConnId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::Author;
use crate::service::{Applied, PadError, PadService};

/// The request kind pads answer on the bus.
pub(crate) const KIND: &str = "pad";

/// What a node asks a pad's owner.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub(crate) enum Call {
    State {
        pad: String,
        conn: ConnId,
        topic: String,
        readonly: bool,
    },
    Submit {
        pad: String,
        author: Author,
        client_id: String,
        seq: u64,
        base_rev: u64,
        op: Value,
        origin: Option<ConnId>,
    },
    Sync {
        pad: String,
        conn: ConnId,
        topic: String,
        rev: u64,
    },
    Text {
        pad: String,
    },
    Erase {
        pad: String,
    },
}

impl Call {
    fn pad(&self) -> &str {
        match self {
            Call::State { pad, .. }
            | Call::Submit { pad, .. }
            | Call::Sync { pad, .. }
            | Call::Text { pad }
            | Call::Erase { pad } => pad,
        }
    }
}

pub(crate) fn room(pad: &str) -> String {
    format!("pad:{pad}")
}

/// Where pad `pad` is served: None here, else the owner's node.
pub(crate) async fn route(s: &PadService, pad: &str) -> Result<Option<u16>, PadError> {
    Ok(s.hub().room_owner(&room(pad)).await?)
}

/// Sends `call` to the pad's owner and returns its answer, finding the owner again when it
/// does not answer or says it moved (and serving here when this node becomes the owner).
pub(crate) async fn forward(s: &PadService, node: u16, call: Call) -> Result<Value, PadError> {
    let body = serde_json::to_string(&call).map_err(Error::internal)?;
    let pad = call.pad().to_string();
    match s
        .hub()
        .ask_owner(&room(&pad), node, KIND, &body, PATIENCE)
        .await
    {
        Ok(Reached::Answer { text, .. }) => {
            serde_json::from_str(&text).map_err(|e| Error::internal(e).into())
        }
        Ok(Reached::Here) => answer_here(s, call).await,
        Err(AskError::Failed(f)) => Err(PadError::from_remote(&f.code, &f.message)),
        Err(AskError::Lookup(e)) => Err(e.into()),
        Err(AskError::Unanswered) => Err(PadError::Other(Error::new(
            ErrorCode::Unavailable,
            "this pad's server does not answer: try again in a moment",
        ))),
    }
}

/// Answers another node's request (registered with `Hub::on_request`).
pub(crate) async fn answer(s: Arc<PadService>, body: String) -> Result<String, String> {
    let call: Call = serde_json::from_str(&body)
        .map_err(|e| Failure::new("bad_request", e.to_string()).to_text())?;
    s.hub().check_owner(&room(call.pad())).await?;
    match answer_here(&s, call).await {
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(Failure::new(e.code().as_str(), e.to_string()).to_text()),
    }
}

/// Runs `call` on this node, which owns the pad.
async fn answer_here(s: &PadService, call: Call) -> Result<Value, PadError> {
    match call {
        Call::State {
            pad,
            conn,
            topic,
            readonly,
        } => {
            s.send_state_here(&pad, conn, &topic, readonly).await?;
            Ok(Value::Null)
        }
        Call::Submit {
            pad,
            author,
            client_id,
            seq,
            base_rev,
            op,
            origin,
        } => {
            let op = s.parse_op(&op)?;
            let applied = s
                .submit_as(&pad, author, &client_id, seq, base_rev, op, origin)
                .await?;
            Ok(serde_json::json!({"rev": applied.rev, "duplicate": applied.duplicate}))
        }
        Call::Sync {
            pad,
            conn,
            topic,
            rev,
        } => {
            s.sync_here(&pad, conn, &topic, rev).await?;
            Ok(Value::Null)
        }
        Call::Text { pad } => {
            let (text, rev) = s.current_text_here(&pad).await?;
            Ok(serde_json::json!([text, rev]))
        }
        Call::Erase { pad } => {
            s.erase_here(&pad).await?;
            Ok(Value::Null)
        }
    }
}

/// An `Applied` from the owner's answer.
pub(crate) fn applied(v: &Value) -> Result<Applied, PadError> {
    Ok(Applied {
        rev: v["rev"]
            .as_u64()
            .ok_or_else(|| Error::internal("owner's answer without rev"))?,
        duplicate: v["duplicate"].as_bool().unwrap_or(false),
    })
}
