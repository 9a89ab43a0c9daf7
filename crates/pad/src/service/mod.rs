//! The per-pad engine: one lock per pad orders its edits. An edit based on revision r is
//! transformed against the revisions after r, applied, stored (the writer's commit is awaited:
//! an acknowledged edit survives a crash), then acknowledged to its author and broadcast to the
//! others while the lock is still held, so every client sees revisions in order.
//!
//! One file per concept: `state` (the per-pad lock and loading), `edits` (submitting),
//! `batch` (group commit and transform), `broadcast` (ack and broadcast), `sync`, `history`
//! (timeslider), `pads` (create, find, delete, list), `access` (passwords); this one
//! keeps the service, its dependencies and the topic names.

mod access;
mod batch;
mod broadcast;
mod edits;
mod history;
mod pads;
mod state;
mod sync;

pub use crate::error::PadError;
pub use edits::Applied;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use nichoir_auth::Actor;
use nichoir_core::config::PadsConfig;
use nichoir_core::ids::random_token;
use nichoir_core::text::{has_refused_control, Lines};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_ot::{Missed, Operation};
use nichoir_realtime::{ConnId, Hub};
use nichoir_storage::{Db, StorageError};
use parking_lot::Mutex;
use serde_json::Value;

use crate::api::{MyPad, PadEvent, WireRev};
use crate::authorship::Authorship;
use crate::idle;
use crate::model::{Author, PadInfo, RevisionInfo};
use crate::owner;
use crate::rebase::{self, MissedSince};
use crate::store::{self, StoredRev};
use crate::window::Window;

use crate::error::{clone_error, lost, moved_elsewhere};
use batch::Accepted;
use edits::Pending;
use state::{replay, PadState, Slot};

/// Revisions per `ops` message when a client catches up.
const SYNC_CHUNK: usize = 500;

pub struct PadService {
    db: Db,
    /// Edits' revisions go through it, together with other pads' (see `writer.rs`).
    writer: crate::writer::PadWriter,
    auth: nichoir_auth::AuthService,
    hub: Hub,
    config: PadsConfig,
    pads: Mutex<HashMap<String, Arc<Slot>>>,
    /// Storage quotas: an import needs its size free (see `import.rs`).
    quotas: nichoir_core::quota::Quotas,
    /// Mentions in pad chat reach the bell (`chat.rs`).
    notifier: Arc<dyn nichoir_core::notify::Notifier>,
    /// Where pad images are kept (`images.rs`); None: pads take no images.
    pub(crate) images: Option<crate::images::ImageHome>,
}

/// Topic names: editors follow `pad:<id>`, read-only viewers `padro:<readonly id>`.
pub fn edit_topic(id: &str) -> String {
    format!("pad:{id}")
}
pub fn view_topic(readonly_id: &str) -> String {
    format!("padro:{readonly_id}")
}

impl PadService {
    pub fn new(
        db: Db,
        hub: Hub,
        auth: nichoir_auth::AuthService,
        config: PadsConfig,
    ) -> PadService {
        PadService {
            writer: crate::writer::PadWriter::new(db.clone()),
            db,
            auth,
            hub,
            config,
            pads: Mutex::new(HashMap::new()),
            quotas: nichoir_core::quota::Quotas::unlimited(),
            notifier: Arc::new(nichoir_core::notify::Silent),
            images: None,
        }
    }

    /// Who hears of a mention in pad chat.
    pub fn with_notifier(
        mut self,
        notifier: Arc<dyn nichoir_core::notify::Notifier>,
    ) -> PadService {
        self.notifier = notifier;
        self
    }

    pub(crate) fn notifier(&self) -> &Arc<dyn nichoir_core::notify::Notifier> {
        &self.notifier
    }

    pub(crate) fn auth(&self) -> &nichoir_auth::AuthService {
        &self.auth
    }

    /// The storage quotas that imports must fit in.
    pub fn with_quotas(mut self, quotas: nichoir_core::quota::Quotas) -> PadService {
        self.quotas = quotas;
        self
    }

    pub(crate) fn quotas(&self) -> &nichoir_core::quota::Quotas {
        &self.quotas
    }

    /// In a cluster: answers the other nodes' requests for the pads this node owns, and
    /// forgets a pad's state when its ownership moves away.
    pub fn serve_other_nodes(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        self.hub.on_request(
            owner::KIND,
            Arc::new(move |body: String| {
                let service = weak.upgrade();
                Box::pin(async move {
                    match service {
                        Some(s) => owner::answer(s, body).await,
                        None => Err("stopping".to_string()),
                    }
                })
            }),
        );
        let weak = Arc::downgrade(self);
        self.hub.on_room_lost(Arc::new(move |room: &str| {
            let (Some(s), Some(pad)) = (weak.upgrade(), room.strip_prefix("pad:")) else {
                return;
            };
            let slot = s.slot(pad);
            tokio::spawn(async move {
                *slot.state.lock().await = None;
            });
        }));
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn config(&self) -> &PadsConfig {
        &self.config
    }
}
