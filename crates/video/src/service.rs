//! `VideoService`: rooms (stored) and calls (in memory). A call is the set of people in a room
//! right now, with its lobby; each participant has an `Outbox` (their signalling socket) and a
//! `PeerLink` (their peer connection). Everything that touches media runs on the SFU's own runtime.

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

use crate::call::{admission, is_moderator, Admission, Denied, ParticipantView};
use crate::error::{VideoError, VideoResult};
use crate::ice::{ice_servers, IceServer};
use crate::room::{self, NewRoom, RoomPatch, RoomRow, RoomView};
use crate::runtime::MediaRuntime;
use crate::sfu::{Engine, Outbox, PeerLink, Published};
use crate::signal::{ChatAuthor, ClientFrame, Knocker, Quality, ServerFrame, Source};
use crate::store;

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

    // ---------------------------------------------------------------- rooms (HTTP)

    async fn load(&self, id: &str) -> VideoResult<RoomRow> {
        let id = id.to_string();
        self.db
            .read(move |c| store::get(c, &id))
            .await?
            .ok_or(VideoError::NotFound)
    }

    pub(crate) fn in_call(&self, id: &str) -> usize {
        self.calls
            .lock()
            .get(id)
            .map(|c| c.state.lock().participants.len())
            .unwrap_or(0)
    }

    fn view_for(&self, row: &RoomRow, actor_id: &str, admin: bool) -> RoomView {
        RoomView {
            id: row.id.clone(),
            title: row.title.clone(),
            protected: row.protected(),
            lobby: row.lobby,
            capacity: row.capacity,
            locked: row.locked,
            participants: self.in_call(&row.id),
            owner: row.owner_id == actor_id,
            moderator: is_moderator(row, actor_id, admin),
            created_at: rfc3339(row.created_at),
            url: self.room_url(&row.id),
        }
    }

    fn max_capacity(&self) -> u32 {
        u32::try_from(self.config.max_participants).unwrap_or(12)
    }

    pub async fn create(&self, actor: &Actor, body: NewRoom) -> VideoResult<RoomView> {
        self.auth.may_create(actor, "video rooms")?;
        let title = room::check_title(body.title.as_deref().unwrap_or(""))?;
        let capacity = room::check_capacity(
            body.capacity.unwrap_or(self.max_capacity()),
            self.max_capacity(),
        )?;
        let chosen = match body.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => {
                room::check_name(n)?;
                Some(n.to_string())
            }
            _ => None,
        };
        let password_hash = match body.password.as_deref() {
            Some(p) if !p.is_empty() => {
                room::check_password(p)?;
                Some(self.auth.hash_secret(p.to_string()).await?)
            }
            _ => None,
        };
        let row = RoomRow {
            id: chosen.clone().unwrap_or_else(room::random_name),
            title,
            owner_id: actor.id().to_string(),
            password_hash,
            lobby: body.lobby,
            capacity,
            locked: false,
            created_at: now_ms(),
        };
        let is_user = actor.as_user().is_some();
        let stored = row.clone();
        let result = self
            .db
            .write(move |c| store::insert(c, &stored, is_user))
            .await;
        match result {
            Ok(()) => {}
            Err(e) if is_unique_violation(&e) => return Err(VideoError::NameTaken),
            Err(e) => return Err(e.into()),
        }
        Ok(self.view_for(&row, actor.id(), false))
    }

    /// The room under a name that something else of the site derives (a poll's meeting): created
    /// with default settings by the first caller, who owns it, and given as it is to everyone after.
    /// `true` when this call created it.
    pub async fn open_named(
        &self,
        actor: &Actor,
        name: &str,
        title: Option<String>,
    ) -> VideoResult<(RoomView, bool)> {
        // An existing room is joined, whoever may not create one.
        if let Ok(view) = self.get(name, Some(actor)).await {
            return Ok((view, false));
        }
        let new = NewRoom {
            name: Some(name.to_string()),
            title,
            ..NewRoom::default()
        };
        match self.create(actor, new).await {
            Ok(view) => Ok((view, true)),
            Err(VideoError::NameTaken) => Ok((self.get(name, Some(actor)).await?, false)),
            Err(e) => Err(e),
        }
    }

    pub async fn get(&self, id: &str, actor: Option<&Actor>) -> VideoResult<RoomView> {
        let row = self.load(id).await?;
        Ok(match actor {
            Some(a) => self.view_for(&row, a.id(), a.require_admin().is_ok()),
            None => self.view_for(&row, "", false),
        })
    }

    /// A room's page: as `get`, with the people in its call counted wherever it runs (in a
    /// cluster, another node may hold it).
    pub async fn page(&self, id: &str, actor: Option<&Actor>) -> VideoResult<RoomView> {
        let mut view = self.get(id, actor).await?;
        view.participants = crate::owner::people_in(self, id).await;
        Ok(view)
    }

    /// My rooms, each with the people in its call counted wherever it runs.
    pub async fn mine(&self, actor: &Actor) -> VideoResult<Vec<RoomView>> {
        let mut rooms = self.owned_by(actor.id()).await?;
        for r in rooms.iter_mut() {
            r.participants = crate::owner::people_in(self, &r.id).await;
        }
        Ok(rooms)
    }

    /// The rooms `owner` (an actor id) created, as their owner sees them.
    pub async fn owned_by(&self, owner: &str) -> VideoResult<Vec<RoomView>> {
        let id = owner.to_string();
        let rows = self.db.read(move |c| store::list_by_owner(c, &id)).await?;
        Ok(rows
            .iter()
            .map(|r| self.view_for(r, owner, false))
            .collect())
    }

    async fn require_moderator(&self, id: &str, actor: &Actor) -> VideoResult<RoomRow> {
        let row = self.load(id).await?;
        if !is_moderator(&row, actor.id(), actor.require_admin().is_ok()) {
            return Err(VideoError::NotModerator);
        }
        Ok(row)
    }

    pub async fn patch(&self, id: &str, actor: &Actor, patch: RoomPatch) -> VideoResult<RoomView> {
        let mut row = self.require_moderator(id, actor).await?;
        if let Some(t) = &patch.title {
            row.title = room::check_title(t)?;
        }
        if let Some(c) = patch.capacity {
            row.capacity = room::check_capacity(c, self.max_capacity())?;
        }
        if let Some(l) = patch.lobby {
            row.lobby = l;
        }
        if let Some(l) = patch.locked {
            row.locked = l;
        }
        match patch.password.as_deref() {
            Some("") => row.password_hash = None,
            Some(p) => {
                room::check_password(p)?;
                row.password_hash = Some(self.auth.hash_secret(p.to_string()).await?);
            }
            None => {}
        }
        self.save_settings(&row).await?;
        Ok(self.view_for(&row, actor.id(), actor.require_admin().is_ok()))
    }

    async fn save_settings(&self, row: &RoomRow) -> VideoResult<()> {
        let stored = row.clone();
        self.db.write(move |c| store::update(c, &stored)).await?;
        let call = self.calls.lock().get(&row.id).cloned();
        if let Some(call) = call {
            call.state.lock().room = row.clone();
        }
        self.announce_room(&row.id);
        Ok(())
    }

    pub async fn delete(&self, id: &str, actor: &Actor) -> VideoResult<()> {
        self.require_moderator(id, actor).await?;
        let room_id = id.to_string();
        self.db.write(move |c| store::delete(c, &room_id)).await?;
        self.end_and_forget(id).await;
        Ok(())
    }

    /// After a room's row is gone: its call ends, and whoever still follows it stops.
    async fn end_and_forget(&self, id: &str) {
        let call = self.calls.lock().remove(id);
        if let Some(call) = call {
            let me = self.me.clone();
            self.spawn(async move {
                if let Some(svc) = me.upgrade() {
                    svc.end_call(call).await;
                }
            });
        }
        self.hub.reauthorize(&topic_of(id)).await;
    }

    async fn end_call(&self, call: Arc<Call>) {
        let topic = topic_of(&call.room_id);
        let knocks: Vec<Knock> = std::mem::take(&mut call.state.lock().lobby);
        for k in knocks {
            self.hub.send_event_to(
                k.conn,
                &topic,
                &ServerFrame::Denied {
                    reason: Denied::Ended,
                }
                .to_value(),
            );
        }
        for p in call.participants() {
            self.remove(&call, &p, Some(Denied::Ended)).await;
        }
    }

    // ---------------------------------------------------------------- calls (signalling)

    /// The `room` frame for one subscriber of the topic.
    pub async fn room_frame_for(
        &self,
        room: &str,
        actor_id: &str,
        conn: ConnId,
    ) -> VideoResult<ServerFrame> {
        let call = self.calls.lock().get(room).cloned();
        let row = match &call {
            Some(c) => c.state.lock().room.clone(),
            None => self.load(room).await?,
        };
        Ok(self.room_frame(&row, call.as_deref(), actor_id, conn))
    }

    fn room_frame(
        &self,
        row: &RoomRow,
        call: Option<&Call>,
        actor_id: &str,
        conn: ConnId,
    ) -> ServerFrame {
        let people: Vec<Arc<Participant>> = call.map(Call::participants).unwrap_or_default();
        let inside = people.iter().any(|p| p.outbox.conn() == Some(conn));
        // A protected room shows who is in it only to those who are in it.
        let list: Vec<ParticipantView> = if row.protected() && !inside {
            Vec::new()
        } else {
            people.iter().map(|p| p.view()).collect()
        };
        let mut view = self.view_for(row, actor_id, false);
        view.participants = people.len();
        ServerFrame::Room {
            room: view,
            participants: list,
        }
    }

    /// Sends every subscriber of the room's topic its `room` frame.
    fn announce_room(&self, room: &str) {
        let call = self.calls.lock().get(room).cloned();
        let Some(call) = call else {
            return;
        };
        let row = call.state.lock().room.clone();
        let topic = topic_of(room);
        for member in self.hub.members(&topic) {
            let frame = self.room_frame(&row, Some(&call), &member.id, member.conn);
            self.hub
                .send_event_to(member.conn, &topic, &frame.to_value());
        }
    }

    fn to_participants(&self, call: &Call, frame: &ServerFrame, except: Option<&str>) {
        for p in call.participants() {
            if Some(p.id.as_str()) != except {
                p.outbox.send(frame);
            }
        }
    }

    /// Tells the participants (but `except`) how `p` is now: mute, hand, quality, connection.
    fn announce_participant(&self, call: &Call, p: &Participant, except: Option<&str>) {
        let frame = ServerFrame::Participant {
            participant: p.view(),
        };
        self.to_participants(call, &frame, except);
    }

    fn send_to_conn(&self, room: &str, conn: ConnId, frame: &ServerFrame) {
        self.hub
            .send_event_to(conn, &topic_of(room), &frame.to_value());
    }

    async fn call_for(&self, room: &str) -> VideoResult<Arc<Call>> {
        if let Some(c) = self.calls.lock().get(room).cloned() {
            return Ok(c);
        }
        let row = self.load(room).await?;
        let mut calls = self.calls.lock();
        Ok(calls
            .entry(room.to_string())
            .or_insert_with(|| {
                Arc::new(Call {
                    room_id: room.to_string(),
                    state: Mutex::new(CallState {
                        room: row,
                        participants: Vec::new(),
                        lobby: Vec::new(),
                    }),
                })
            })
            .clone())
    }

    /// Forgets a call nobody is in or waiting for.
    fn drop_if_empty(&self, call: &Arc<Call>) {
        let mut calls = self.calls.lock();
        let empty = {
            let s = call.state.lock();
            s.participants.is_empty() && s.lobby.is_empty()
        };
        if empty
            && calls
                .get(&call.room_id)
                .is_some_and(|c| Arc::ptr_eq(c, call))
        {
            calls.remove(&call.room_id);
        }
    }

    /// One frame from the socket `conn` of `caller` (at address `ip`) on `video:{room}`.
    pub async fn handle(
        &self,
        room: &str,
        conn: ConnId,
        caller: &Caller,
        ip: &str,
        frame: ClientFrame,
    ) -> VideoResult<()> {
        if let ClientFrame::Join {
            name,
            password,
            resume,
        } = frame
        {
            return self
                .join(room, conn, caller, ip, name, password, resume)
                .await;
        }
        let call = self
            .calls
            .lock()
            .get(room)
            .cloned()
            .ok_or_else(|| VideoError::Invalid("join the call first".into()))?;
        if let ClientFrame::Leave {} = frame {
            self.leave_lobby(&call, conn);
            if let Some(p) = call.by_conn(conn) {
                self.remove(&call, &p, None).await;
            }
            self.drop_if_empty(&call);
            return Ok(());
        }
        let me = call
            .by_conn(conn)
            .ok_or_else(|| VideoError::Invalid("join the call first".into()))?;
        match frame {
            ClientFrame::Join { .. } | ClientFrame::Leave {} => Ok(()),
            ClientFrame::Answer { sdp } => match me.link() {
                Some(link) => link.answer(sdp).await,
                None => Err(VideoError::Invalid(
                    "no offer is waiting for an answer".into(),
                )),
            },
            ClientFrame::Candidate { candidate } => match me.link() {
                Some(link) => link.candidate(candidate).await,
                None => Ok(()),
            },
            ClientFrame::Media {
                audio,
                video,
                screen,
            } => {
                let started_screen = {
                    let mut v = me.view.lock();
                    let started = screen && !v.screen;
                    v.audio = audio;
                    v.video = video;
                    v.screen = screen;
                    started
                };
                if started_screen {
                    if let Some(p) = me.link().and_then(|l| l.published_source(Source::Screen)) {
                        p.request_keyframe().await;
                    }
                }
                self.announce_participant(&call, &me, None);
                Ok(())
            }
            ClientFrame::Hand { raised } => {
                me.view.lock().hand = raised;
                self.announce_participant(&call, &me, None);
                Ok(())
            }
            ClientFrame::Quality { level } => {
                let changed = {
                    let mut v = me.view.lock();
                    let changed = v.quality != level;
                    v.quality = level;
                    changed
                };
                if changed {
                    self.announce_participant(&call, &me, None);
                }
                Ok(())
            }
            ClientFrame::Chat { text, to } => {
                let from = ChatAuthor {
                    id: me.id.clone(),
                    name: me.view.lock().name.clone(),
                };
                let at = rfc3339(now_ms());
                let text = text.trim().to_string();
                match to {
                    None => {
                        let frame = ServerFrame::Chat {
                            from,
                            text,
                            at,
                            private: false,
                            to: None,
                        };
                        self.to_participants(&call, &frame, None);
                    }
                    Some(to) => {
                        let target = call
                            .by_id(&to)
                            .ok_or_else(|| VideoError::Invalid("no such participant".into()))?;
                        let frame = ServerFrame::Chat {
                            from,
                            text,
                            at,
                            private: true,
                            to: Some(to),
                        };
                        target.outbox.send(&frame);
                        if target.id != me.id {
                            me.outbox.send(&frame);
                        }
                    }
                }
                Ok(())
            }
            ClientFrame::Pause {
                participant,
                source,
                paused,
            } => {
                let sink = me
                    .link()
                    .and_then(|l| l.sink(&participant, source))
                    .ok_or_else(|| VideoError::Invalid("no such track is sent to you".into()))?;
                let was = sink.is_paused();
                sink.set_paused(paused);
                if was && !paused {
                    sink.request_keyframe().await;
                }
                Ok(())
            }
            ClientFrame::Admit { id } => {
                self.require_mod(&me)?;
                let knock = self.take_knock(&call, &id)?;
                self.enter(&call, knock).await
            }
            ClientFrame::Reject { id } => {
                self.require_mod(&me)?;
                let knock = self.take_knock(&call, &id)?;
                self.send_to_conn(
                    room,
                    knock.conn,
                    &ServerFrame::Denied {
                        reason: Denied::Rejected,
                    },
                );
                Ok(())
            }
            ClientFrame::Mute { id } => {
                self.require_mod(&me)?;
                let target = call
                    .by_id(&id)
                    .ok_or_else(|| VideoError::Invalid("no such participant".into()))?;
                target.view.lock().audio = false;
                let by = me.view.lock().name.clone();
                target.outbox.send(&ServerFrame::Muted { by });
                self.announce_participant(&call, &target, None);
                Ok(())
            }
            ClientFrame::Remove { id } => {
                self.require_mod(&me)?;
                let target = call
                    .by_id(&id)
                    .ok_or_else(|| VideoError::Invalid("no such participant".into()))?;
                self.remove(&call, &target, Some(Denied::Removed)).await;
                Ok(())
            }
            ClientFrame::Lock { locked } => {
                self.require_mod(&me)?;
                let mut row = call.state.lock().room.clone();
                row.locked = locked;
                self.save_settings(&row).await
            }
        }
    }

    fn require_mod(&self, p: &Participant) -> VideoResult<()> {
        if p.moderator {
            Ok(())
        } else {
            Err(VideoError::NotModerator)
        }
    }

    fn take_knock(&self, call: &Call, id: &str) -> VideoResult<Knock> {
        let knock = {
            let mut s = call.state.lock();
            let i = s.lobby.iter().position(|k| k.id == id).ok_or_else(|| {
                VideoError::Invalid("nobody with that id waits in the lobby".into())
            })?;
            s.lobby.remove(i)
        };
        self.to_moderators(call, &ServerFrame::KnockDone { id: id.to_string() });
        Ok(knock)
    }

    fn leave_lobby(&self, call: &Call, conn: ConnId) {
        let gone: Vec<String> = {
            let mut s = call.state.lock();
            let ids = s
                .lobby
                .iter()
                .filter(|k| k.conn == conn)
                .map(|k| k.id.clone())
                .collect();
            s.lobby.retain(|k| k.conn != conn);
            ids
        };
        for id in gone {
            self.to_moderators(call, &ServerFrame::KnockDone { id });
        }
    }

    fn to_moderators(&self, call: &Call, frame: &ServerFrame) {
        for p in call.participants() {
            if p.moderator {
                p.outbox.send(frame);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn join(
        &self,
        room: &str,
        conn: ConnId,
        caller: &Caller,
        ip: &str,
        name: String,
        password: Option<String>,
        resume: Option<String>,
    ) -> VideoResult<()> {
        let call = self.call_for(room).await?;
        let result = self
            .join_call(&call, conn, caller, ip, name, password, resume)
            .await;
        self.drop_if_empty(&call);
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn join_call(
        &self,
        call: &Arc<Call>,
        conn: ConnId,
        caller: &Caller,
        ip: &str,
        name: String,
        password: Option<String>,
        resume: Option<String>,
    ) -> VideoResult<()> {
        let name = room::check_display_name(&name)?;
        if let Some(token) = resume.filter(|t| !t.is_empty()) {
            let found = call.participants().into_iter().find(|p| {
                p.actor_id == caller.id && bool::from(p.resume.as_bytes().ct_eq(token.as_bytes()))
            });
            // Also on the socket already in the call: after media_failed, a new peer connection.
            if let Some(p) = found {
                return self.resume(call, &p, conn).await;
            }
            // An expired resume token: join as someone new.
        }
        if call.by_conn(conn).is_some() || call.state.lock().lobby.iter().any(|k| k.conn == conn) {
            return Err(VideoError::Invalid(
                "this connection is already in the call".into(),
            ));
        }
        let row = call.state.lock().room.clone();
        let moderator = is_moderator(&row, &caller.id, caller.admin);
        let password_ok = match (&row.password_hash, moderator) {
            (Some(hash), false) => match password.filter(|p| !p.is_empty()) {
                Some(p) => self.auth.verify_secret_from(ip, p, hash.clone()).await?,
                None => false,
            },
            _ => true,
        };
        let in_call = call.state.lock().participants.len();
        let knock = Knock {
            id: format!("p{}", random_token(9)),
            conn,
            actor_id: caller.id.clone(),
            user_id: caller.user_id.clone(),
            name,
            moderator,
        };
        match admission(&row, in_call, moderator, password_ok) {
            Admission::Deny(reason) => {
                self.send_to_conn(&call.room_id, conn, &ServerFrame::Denied { reason });
                Ok(())
            }
            Admission::Wait => {
                let frame = ServerFrame::Knock {
                    participant: Knocker {
                        id: knock.id.clone(),
                        name: knock.name.clone(),
                    },
                };
                let knocker = knock.user_id.clone().unwrap_or_default();
                let name = knock.name.clone();
                call.state.lock().lobby.push(knock);
                self.send_to_conn(&call.room_id, conn, &ServerFrame::Waiting);
                self.to_moderators(call, &frame);
                // The owner hears of it even with the room closed (not when they knock).
                if knocker != row.owner_id {
                    self.notifier.notify(vec![nichoir_core::notify::Notice {
                        user_id: row.owner_id.clone(),
                        kind: nichoir_core::notify::Kind::LobbyKnock,
                        scope: format!("video:{}", row.id),
                        title: format!("{name} · {}", row.title),
                        body: String::new(),
                        url: format!("/video/{}", row.id),
                        actor_id: None,
                    }]);
                }
                Ok(())
            }
            Admission::Enter => self.enter(call, knock).await,
        }
    }

    /// Puts someone in the call: their peer connection, everything the others publish forwarded
    /// to them, and the first offer.
    async fn enter(&self, call: &Arc<Call>, who: Knock) -> VideoResult<()> {
        let moderator = who.moderator;
        let p = Arc::new(Participant {
            id: who.id.clone(),
            actor_id: who.actor_id.clone(),
            user_id: who.user_id.clone(),
            moderator,
            resume: random_token(24),
            view: Mutex::new(ParticipantView {
                id: who.id.clone(),
                name: who.name.clone(),
                user_id: who.user_id.clone(),
                moderator,
                audio: true,
                video: true,
                screen: false,
                hand: false,
                quality: Quality::Unknown,
                connected: true,
            }),
            outbox: Arc::new(Outbox::new(
                self.hub.clone(),
                topic_of(&call.room_id),
                who.conn,
            )),
            link: Mutex::new(None),
            generation: AtomicU64::new(0),
        });
        {
            let mut s = call.state.lock();
            if s.participants.len() >= s.room.capacity as usize {
                drop(s);
                self.send_to_conn(
                    &call.room_id,
                    who.conn,
                    &ServerFrame::Denied {
                        reason: Denied::Full,
                    },
                );
                return Ok(());
            }
            s.participants.push(p.clone());
        }
        self.welcome(&p, call, moderator);
        if let Err(e) = self.attach(call, &p).await {
            self.remove(call, &p, None).await;
            return Err(e);
        }
        self.to_participants(
            call,
            &ServerFrame::ParticipantJoined {
                participant: p.view(),
            },
            Some(&p.id),
        );
        self.announce_room(&call.room_id);
        let room_id = call.room_id.clone();
        let now = now_ms();
        if let Err(e) = self.db.write(move |c| store::touch(c, &room_id, now)).await {
            tracing::debug!("video: last use not recorded: {e}");
        }
        Ok(())
    }

    fn welcome(&self, p: &Participant, call: &Call, moderator: bool) {
        let servers = self.ice_servers_for(&p.actor_id);
        p.outbox.send(&ServerFrame::Joined {
            me: p.view(),
            resume: p.resume.clone(),
            moderator,
            ice_servers: servers,
            participants: call.participants().iter().map(|q| q.view()).collect(),
        });
        if moderator {
            let knocks: Vec<ServerFrame> = call
                .state
                .lock()
                .lobby
                .iter()
                .map(|k| ServerFrame::Knock {
                    participant: Knocker {
                        id: k.id.clone(),
                        name: k.name.clone(),
                    },
                })
                .collect();
            for k in knocks {
                p.outbox.send(&k);
            }
        }
    }

    /// A new peer connection for `p`, fed with everything the others publish; sends the offer.
    async fn attach(&self, call: &Arc<Call>, p: &Arc<Participant>) -> VideoResult<()> {
        let link = PeerLink::new(&self.engine, p.outbox.clone()).await?;
        let weak_link = Arc::downgrade(&link);
        let (me, weak_call, pid) = (self.me.clone(), Arc::downgrade(call), p.id.clone());
        link.pc.on_track(Box::new(
            move |track: Arc<TrackRemote>, _: Arc<RTCRtpReceiver>, t: Arc<RTCRtpTransceiver>| {
                let (me, weak_call, weak_link, pid) = (
                    me.clone(),
                    weak_call.clone(),
                    weak_link.clone(),
                    pid.clone(),
                );
                Box::pin(async move {
                    if let (Some(svc), Some(call), Some(link)) =
                        (me.upgrade(), weak_call.upgrade(), weak_link.upgrade())
                    {
                        svc.on_track(&call, &pid, &link, track, &t).await;
                    }
                })
            },
        ));
        let weak_p = Arc::downgrade(p);
        let weak_link = Arc::downgrade(&link);
        link.pc
            .on_peer_connection_state_change(Box::new(move |state: RTCPeerConnectionState| {
                let (weak_p, weak_link) = (weak_p.clone(), weak_link.clone());
                Box::pin(async move {
                    if state != RTCPeerConnectionState::Failed {
                        return;
                    }
                    let (Some(p), Some(link)) = (weak_p.upgrade(), weak_link.upgrade()) else {
                        return;
                    };
                    if p.link().is_some_and(|l| Arc::ptr_eq(&l, &link)) {
                        p.outbox.send(&ServerFrame::Error {
                            code: ErrorCode::MediaFailed,
                            message: "the media connection failed; rejoin to try again".into(),
                        });
                    }
                })
            }));
        for other in call.others(&p.id) {
            if let Some(ol) = other.link() {
                for published in ol.published() {
                    link.add_sink(&published, &p.id).await?;
                }
            }
        }
        *p.link.lock() = Some(link.clone());
        link.negotiate().await;
        Ok(())
    }

    /// Stops forwarding to and from `p`, and closes its peer connection.
    async fn detach(&self, call: &Call, p: &Participant) {
        let link = p.link.lock().take();
        for other in call.others(&p.id) {
            if let Some(ol) = other.link() {
                for published in ol.published() {
                    published.remove_sinks_of(&p.id);
                }
                if ol.remove_sinks_from(&p.id).await {
                    ol.negotiate().await;
                }
            }
        }
        if let Some(link) = link {
            link.close().await;
        }
    }

    async fn on_track(
        &self,
        call: &Arc<Call>,
        pid: &str,
        link: &Arc<PeerLink>,
        track: Arc<TrackRemote>,
        t: &Arc<RTCRtpTransceiver>,
    ) {
        let Some(source) = link.source_of(t) else {
            return;
        };
        let Some(published) = link.add_published(Published::new(pid, source, track, &link.pc))
        else {
            return;
        };
        tokio::spawn(published.clone().forward());
        for other in call.others(pid) {
            if let Some(ol) = other.link() {
                match ol.add_sink(&published, &other.id).await {
                    Ok(()) => ol.negotiate().await,
                    Err(e) => tracing::debug!("video: not forwarded to {}: {e}", other.id),
                }
            }
        }
    }

    async fn resume(
        &self,
        call: &Arc<Call>,
        p: &Arc<Participant>,
        conn: ConnId,
    ) -> VideoResult<()> {
        p.generation.fetch_add(1, Ordering::SeqCst);
        p.outbox.set_conn(Some(conn));
        p.view.lock().connected = true;
        self.detach(call, p).await;
        self.welcome(p, call, p.moderator);
        self.attach(call, p).await?;
        self.announce_participant(call, p, Some(&p.id));
        self.announce_room(&call.room_id);
        Ok(())
    }

    /// Takes `p` out of the call; `reason` tells them why when they did not leave themselves.
    async fn remove(&self, call: &Arc<Call>, p: &Arc<Participant>, reason: Option<Denied>) {
        let was_in = {
            let mut s = call.state.lock();
            let before = s.participants.len();
            s.participants.retain(|q| !Arc::ptr_eq(q, p));
            s.participants.len() != before
        };
        if let Some(reason) = reason {
            p.outbox.send(&ServerFrame::Denied { reason });
        }
        self.detach(call, p).await;
        if was_in {
            self.to_participants(
                call,
                &ServerFrame::ParticipantLeft { id: p.id.clone() },
                None,
            );
            self.announce_room(&call.room_id);
        }
        p.outbox.set_conn(None);
        self.drop_if_empty(call);
    }

    /// The socket `conn` left the room's topic: a participant is kept for the grace period (a
    /// reconnect resumes them), a lobby knock is dropped.
    pub async fn disconnected(&self, room: &str, conn: ConnId) {
        let call = self.calls.lock().get(room).cloned();
        let Some(call) = call else {
            return;
        };
        self.leave_lobby(&call, conn);
        let Some(p) = call.by_conn(conn) else {
            self.drop_if_empty(&call);
            return;
        };
        p.outbox.set_conn(None);
        let generation = p.generation.fetch_add(1, Ordering::SeqCst) + 1;
        p.view.lock().connected = false;
        self.announce_participant(&call, &p, None);
        let grace = Duration::from_secs(self.config.reconnect_grace_secs);
        let me = self.me.clone();
        self.spawn(async move {
            tokio::time::sleep(grace).await;
            let Some(svc) = me.upgrade() else {
                return;
            };
            if p.generation.load(Ordering::SeqCst) == generation && p.outbox.conn().is_none() {
                svc.remove(&call, &p, None).await;
            }
        });
    }

    /// One frame published on `video:{room}`, handled on the SFU's runtime; a refused frame
    /// gets an `error` event on the topic and changes nothing.
    pub(crate) async fn take_frame(
        self: &Arc<Self>,
        room: &str,
        conn: ConnId,
        caller: Caller,
        ip: String,
        data: Value,
    ) {
        let result = match ClientFrame::parse(data) {
            Ok(frame) => {
                let (svc, room) = (self.clone(), room.to_string());
                match self
                    .on_media(async move { svc.handle(&room, conn, &caller, &ip, frame).await })
                    .await
                {
                    Ok(r) => r,
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            self.refused(room, conn, e.into());
        }
    }

    /// Tells socket `conn` that its frame on `video:{room}` was refused.
    pub(crate) fn refused(&self, room: &str, conn: ConnId, e: Error) {
        self.send_to_conn(
            room,
            conn,
            &ServerFrame::Error {
                code: e.code,
                message: e.message,
            },
        );
    }

    /// The rooms and sockets of the participants and knocks whose socket is on node `node`.
    pub(crate) fn conns_on(&self, node: u16) -> Vec<(String, ConnId)> {
        let calls: Vec<Arc<Call>> = self.calls.lock().values().cloned().collect();
        let mut out = Vec::new();
        for call in calls {
            let s = call.state.lock();
            let conns = s
                .participants
                .iter()
                .filter_map(|p| p.outbox.conn())
                .chain(s.lobby.iter().map(|k| k.conn));
            for conn in conns.filter(|c| node_of(*c) == node) {
                out.push((call.room_id.clone(), conn));
            }
        }
        out
    }

    /// Another node took this room's call (this node lost its lease: it was paused or cut
    /// off): its participants are told to join again, which brings them to the new owner, and
    /// the call is dropped here without telling the others anyone left.
    pub(crate) async fn moved_away(&self, room: &str) {
        let Some(call) = self.calls.lock().remove(room) else {
            return;
        };
        let people = std::mem::take(&mut call.state.lock().participants);
        call.state.lock().lobby.clear();
        for p in people {
            p.outbox.send(&crate::owner::media_failed());
            p.outbox.set_conn(None);
            let link = p.link.lock().take();
            if let Some(link) = link {
                link.close().await;
            }
        }
    }

    /// Media figures of a call, for tests and the admin: per participant, tracks in and out.
    pub fn call_summary(&self, room: &str) -> Option<CallSummary> {
        let call = self.calls.lock().get(room).cloned()?;
        let participants = call
            .participants()
            .iter()
            .map(|p| {
                let link = p.link();
                CallMember {
                    id: p.id.clone(),
                    user_id: p.user_id.clone(),
                    publishing: link.as_ref().map(|l| {
                        l.published()
                            .iter()
                            .map(|x| PublishedTrack {
                                source: x.source,
                                sinks: x.sink_count(),
                            })
                            .collect()
                    }),
                    receiving: link.as_ref().map(|l| l.sinks().len()),
                }
            })
            .collect();
        Some(CallSummary {
            room: room.to_string(),
            participants,
        })
    }
}

impl VideoService {
    /// A deleted account (`nichoir_core::departure`): the rooms it created go (calls are never
    /// recorded: nothing else of it is kept).
    pub async fn forget_user(&self, user_id: &str) -> Result<(), nichoir_core::Error> {
        let u = user_id.to_string();
        self.db
            .write(move |c| crate::store::forget_user(c, &u))
            .await?;
        Ok(())
    }
}

impl VideoService {
    /// The room a moderation link names (`/video/{room}`): its id and title.
    pub async fn moderation_target(
        &self,
        path: &str,
    ) -> Result<Option<(String, String)>, nichoir_core::Error> {
        let Some(id) = nichoir_core::moderation::segments(path, "/video/")
            .filter(|s| s.len() == 1)
            .map(|s| s[0].to_string())
        else {
            return Ok(None);
        };
        let room = self.db.read(move |c| crate::store::get(c, &id)).await?;
        Ok(room.map(|r| (r.id, r.title)))
    }

    /// Removes a room for good, ending its call (admin moderation).
    pub async fn remove_as_admin(&self, id: &str) -> Result<(), nichoir_core::Error> {
        let room_id = id.to_string();
        self.db
            .write(move |c| crate::store::delete(c, &room_id))
            .await?;
        self.end_and_forget(id).await;
        Ok(())
    }
}
