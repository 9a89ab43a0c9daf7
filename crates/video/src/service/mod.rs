//! `VideoService`: rooms (stored) and calls (in memory). A call is the set of people in a room
//! right now, with its lobby; each participant has an `Outbox` (their signalling socket) and a
//! `PeerLink` (their peer connection). Everything that touches media runs on the SFU's own runtime.
//!
//! One file per concept: `rooms` (over HTTP), `calls` (signalling frames), `admission`
//! (joining), `lobby`, `media` (peer connections, forwarding), `resume` (leaving, drops and
//! resuming), `frames` (what is sent to whom), `cluster`, `departure`, `moderation`; this one
//! keeps the service, its calls and participants, and what they all share.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use nichoir_auth::{Actor, AuthService};
use nichoir_core::config::VideoConfig;
use nichoir_core::ids::random_token;
use nichoir_core::time::{now_ms, rfc3339};
use nichoir_core::{Error, ErrorCode};
use nichoir_realtime::bus::node_of;
use nichoir_realtime::{ConnId, Hub};
use nichoir_storage::{is_unique_violation, Db};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use subtle::ConstantTimeEq;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::rtp_transceiver::rtp_receiver::RTCRtpReceiver;
use webrtc::rtp_transceiver::RTCRtpTransceiver;
use webrtc::track::track_remote::TrackRemote;

use crate::api::{
    ChatAuthor, ClientFrame, Denied, IceServer, Knocker, NewRoom, ParticipantView, Quality,
    RoomPatch, RoomView, ServerFrame, Source,
};
use crate::call::{admission, is_moderator, Admission};
use crate::error::{VideoError, VideoResult};
use crate::ice::ice_servers;
use crate::model::RoomRow;
use crate::room;
use crate::runtime::MediaRuntime;
use crate::sfu::{Engine, Outbox, PeerLink, Published};
use crate::store;

mod admission;
mod calls;
mod cluster;
mod departure;
mod frames;
mod lobby;
mod media;
mod moderation;
mod resume;
mod rooms;

pub struct VideoDeps {
    pub db: Db,
    pub hub: Hub,
    pub auth: AuthService,
    pub config: VideoConfig,
    pub base_url: String,
    /// Announce loopback candidates (a local instance with no public address).
    pub include_loopback: bool,
    /// The room owner's bell and devices: someone knocks at the lobby.
    pub notifier: Arc<dyn nichoir_core::notify::Notifier>,
}

/// Who sends a call's frames: what a call needs of an actor. It crosses the bus when the call
/// lives on another node of a cluster.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Caller {
    pub id: String,
    pub user_id: Option<String>,
    pub admin: bool,
}

impl Caller {
    pub fn of(actor: &Actor) -> Caller {
        Caller {
            id: actor.id().to_string(),
            user_id: actor.as_user().map(|u| u.id.clone()),
            admin: actor.require_admin().is_ok(),
        }
    }
}

pub struct Participant {
    pub id: String,
    actor_id: String,
    user_id: Option<String>,
    moderator: bool,
    resume: String,
    view: Mutex<ParticipantView>,
    outbox: Arc<Outbox>,
    link: Mutex<Option<Arc<PeerLink>>>,
    /// Bumped at each disconnect and resume, so that a stale removal timer does nothing.
    generation: AtomicU64,
}

impl Participant {
    fn view(&self) -> ParticipantView {
        self.view.lock().clone()
    }

    fn link(&self) -> Option<Arc<PeerLink>> {
        self.link.lock().clone()
    }
}

/// Someone waiting in the lobby.
struct Knock {
    id: String,
    conn: ConnId,
    actor_id: String,
    user_id: Option<String>,
    name: String,
    moderator: bool,
}

struct CallState {
    room: RoomRow,
    participants: Vec<Arc<Participant>>,
    lobby: Vec<Knock>,
}

pub struct Call {
    room_id: String,
    state: Mutex<CallState>,
}

impl Call {
    fn participants(&self) -> Vec<Arc<Participant>> {
        self.state.lock().participants.clone()
    }

    fn by_conn(&self, conn: ConnId) -> Option<Arc<Participant>> {
        self.state
            .lock()
            .participants
            .iter()
            .find(|p| p.outbox.conn() == Some(conn))
            .cloned()
    }

    fn by_id(&self, id: &str) -> Option<Arc<Participant>> {
        self.state
            .lock()
            .participants
            .iter()
            .find(|p| p.id == id)
            .cloned()
    }

    fn others(&self, id: &str) -> Vec<Arc<Participant>> {
        self.state
            .lock()
            .participants
            .iter()
            .filter(|p| p.id != id)
            .cloned()
            .collect()
    }
}

pub struct VideoService {
    db: Db,
    hub: Hub,
    auth: AuthService,
    config: VideoConfig,
    base_url: String,
    engine: Arc<Engine>,
    runtime: MediaRuntime,
    calls: Mutex<HashMap<String, Arc<Call>>>,
    /// In a cluster: the rooms whose call another node owns and this node forwards to, with
    /// that node (see `owner`).
    pub(crate) forwarded: Mutex<HashMap<String, u16>>,
    me: Weak<VideoService>,
    notifier: Arc<dyn nichoir_core::notify::Notifier>,
}

/// A call's media figures (`call_summary`).
#[derive(Debug, Serialize)]
pub struct CallSummary {
    pub room: String,
    pub participants: Vec<CallMember>,
}

#[derive(Debug, Serialize)]
pub struct CallMember {
    pub id: String,
    pub user_id: Option<String>,
    /// What they send, with how many receive each (none before their peer connection).
    pub publishing: Option<Vec<PublishedTrack>>,
    /// How many tracks are forwarded to them.
    pub receiving: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct PublishedTrack {
    pub source: Source,
    pub sinks: usize,
}

pub fn topic_of(room: &str) -> String {
    format!("video:{room}")
}

impl VideoService {
    /// The database, for this crate's moderation search.
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// Starts the SFU (binds its UDP port) and the service.
    pub async fn start(deps: VideoDeps) -> Result<Arc<VideoService>, Error> {
        let runtime = MediaRuntime::new()?;
        let config = deps.config.clone();
        let include_loopback = deps.include_loopback;
        let engine = runtime
            .handle()
            .spawn(async move { Engine::start(&config, include_loopback).await })
            .await
            .map_err(Error::internal)??;
        tracing::info!(udp_port = engine.udp_port, "video: SFU listening");
        Ok(Arc::new_cyclic(|me| VideoService {
            db: deps.db,
            hub: deps.hub,
            auth: deps.auth,
            config: deps.config,
            base_url: deps.base_url,
            engine: Arc::new(engine),
            runtime,
            calls: Mutex::new(HashMap::new()),
            forwarded: Mutex::new(HashMap::new()),
            me: me.clone(),
            notifier: deps.notifier,
        }))
    }

    pub fn udp_port(&self) -> u16 {
        self.engine.udp_port
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Runs `f` on the SFU's runtime and waits for it.
    pub async fn on_media<F, T>(&self, f: F) -> Result<T, Error>
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.runtime
            .handle()
            .spawn(f)
            .await
            .map_err(Error::internal)
    }

    /// Runs `f` on the SFU's runtime without waiting for it.
    pub fn spawn<F>(&self, f: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.runtime.handle().spawn(f);
    }

    pub fn ice_servers_for(&self, who: &str) -> Vec<IceServer> {
        ice_servers(&self.config, who, now_ms() / 1000)
    }

    pub fn room_url(&self, id: &str) -> String {
        format!("{}/video/{id}", self.base_url)
    }
}
