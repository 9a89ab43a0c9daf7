//! [`Participant`]: a socket subscribed to `video:{room}`, in the call after `join`, with a
//! control task that applies the server's `joined`, `offer`, `candidate`, `denied` and `muted`
//! frames one after another.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;

use crate::http::Identity;
use crate::peer::{ice_servers_of, Peer, Shared};
use crate::rtp::{AudioShape, VideoShape};
use crate::signalling::{self, EventLog, Outbox, Signal};
use crate::stats::{SenderStats, Stats, StreamStats};
use crate::{MidRole, Source};

/// What to send on the m-lines the server gives us (`None`: send nothing on it).
#[derive(Debug, Clone, PartialEq)]
pub struct MediaOptions {
    pub mic: Option<AudioShape>,
    pub camera: Option<VideoShape>,
    pub screen: Option<VideoShape>,
}

impl Default for MediaOptions {
    /// ~40 kbit/s of Opus and ~1 Mbit/s of VP8 at 30 fps; no screen (as a browser that does not
    /// share its screen: nothing is sent on that m-line).
    fn default() -> Self {
        MediaOptions {
            mic: Some(AudioShape::default()),
            camera: Some(VideoShape::default()),
            screen: None,
        }
    }
}

impl MediaOptions {
    /// A shared screen too: 300 kbit/s at 5 fps.
    pub fn with_screen(self) -> MediaOptions {
        MediaOptions {
            screen: Some(VideoShape {
                bitrate_bps: 300_000,
                fps: 5,
                keyframe_every: 25,
                ..VideoShape::default()
            }),
            ..self
        }
    }

    /// Light media for tests sharing a machine (debug builds encrypt slowly): Opus every 20 ms
    /// and a 200 kbit/s, 15 fps camera.
    pub fn light() -> MediaOptions {
        MediaOptions {
            camera: Some(VideoShape {
                bitrate_bps: 200_000,
                fps: 15,
                keyframe_every: 45,
                ..VideoShape::default()
            }),
            ..MediaOptions::default()
        }
    }

    /// Receive only.
    pub fn none() -> MediaOptions {
        MediaOptions {
            mic: None,
            camera: None,
            screen: None,
        }
    }
}

/// How to join.
#[derive(Debug, Clone)]
pub struct JoinOptions {
    /// The room's password, if it has one.
    pub password: Option<String>,
    /// Who joins (default: a new guest identity).
    pub identity: Option<Identity>,
    pub media: MediaOptions,
    /// Bound of each wait of `join` (socket, `room`, `joined`).
    pub timeout: Duration,
    /// Seed of the synthetic streams' numbering.
    pub seed: u64,
}

impl Default for JoinOptions {
    fn default() -> Self {
        JoinOptions {
            password: None,
            identity: None,
            media: MediaOptions::default(),
            timeout: Duration::from_secs(20),
            seed: 1,
        }
    }
}

/// The server answered `join` with `{"type":"denied","reason"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub reason: String,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "denied: {}", self.reason)
    }
}

impl std::error::Error for Denied {}

/// Internal frame asking the control task to close the peer connection.
const CLOSE_PEER: &str = "_close_peer";

/// One person in a call (or on the pre-join screen, before [`Participant::join_call`]).
pub struct Participant {
    pub room: String,
    identity: Identity,
    log: Arc<EventLog>,
    shared: Arc<Shared>,
    control: mpsc::UnboundedSender<Value>,
    joined: Option<Value>,
    timeout: Duration,
    password: Option<String>,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Participant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Participant")
            .field("room", &self.room)
            .field("id", &self.id())
            .finish()
    }
}

impl Participant {
    /// Subscribes to `video:{room}` and joins the call as `name`: returns once `joined` came
    /// (an `offer` follows and is answered in the background). A `denied` answer is a
    /// [`Denied`] error (`err.downcast_ref::<Denied>()`).
    pub async fn join(base_url: &str, room: &str, name: &str, opts: JoinOptions) -> Result<Self> {
        let mut p = Self::connect(base_url, room, opts).await?;
        p.join_call(name).await?;
        Ok(p)
    }

    /// Opens the socket and subscribes to `video:{room}` (the pre-join screen); returns after
    /// the server's `room` frame. An `error` frame instead is the error.
    pub async fn connect(base_url: &str, room: &str, opts: JoinOptions) -> Result<Self> {
        let identity = match opts.identity.clone() {
            Some(i) => i,
            None => Identity::guest(base_url).await?,
        };
        let topic = format!("video:{room}");
        let log = Arc::new(EventLog::default());
        let (control_tx, control_rx) = mpsc::unbounded_channel::<Value>();
        let conn = signalling::connect(
            &identity,
            &topic,
            log.clone(),
            control_tx.clone(),
            opts.timeout,
        )
        .await?;
        let shared = Arc::new(Shared::new(conn.outbox.clone(), opts.media.clone()));
        let mut tasks = conn.tasks;
        tasks.push(tokio::spawn(control_loop(
            shared.clone(),
            control_rx,
            opts.seed,
        )));
        let p = Participant {
            room: room.to_string(),
            identity,
            log,
            shared,
            control: control_tx,
            joined: None,
            timeout: opts.timeout,
            password: opts.password,
            tasks,
        };
        let from = p.log.len();
        p.outbox()
            .send_frame(&json!({"type": "subscribe", "topic": topic}))?;
        let (_, s) = p
            .log
            .wait_for(from, p.timeout, |s| match s {
                Signal::Event(v) => v["type"] == "room" || v["type"] == "error",
                Signal::Socket(v) => v["type"] == "error",
                Signal::Closed(_) => true,
            })
            .await
            .map_err(|_| anyhow!("no room frame after subscribing to {topic}"))?;
        match s {
            Signal::Event(v) if v["type"] == "room" => Ok(p),
            other => bail!("subscribing to {topic}: {other:?}"),
        }
    }

    /// Sends `join` and waits for `joined` (through the lobby if there is one: a moderator
    /// must admit within the timeout).
    pub async fn join_call(&mut self, name: &str) -> Result<Value> {
        self.send_join(name, None).await
    }

    /// Joins again with the resume token of the last `joined`, as the web client does after a
    /// `media_failed` error: the same participant when the call still knows it, else someone
    /// new (the call moved to another node of a cluster). A fresh peer connection follows.
    pub async fn rejoin(&mut self, name: &str) -> Result<Value> {
        let resume = self
            .joined
            .as_ref()
            .and_then(|j| j["resume"].as_str())
            .map(str::to_string);
        self.send_join(name, resume).await
    }

    async fn send_join(&mut self, name: &str, resume: Option<String>) -> Result<Value> {
        let mut frame = json!({"type": "join", "name": name});
        if let Some(pw) = &self.password {
            frame["password"] = json!(pw);
        }
        if let Some(token) = resume {
            frame["resume"] = json!(token);
        }
        let from = self.log.len();
        self.send(frame)?;
        let (_, s) = self
            .log
            .wait_for(from, self.timeout, |s| match s {
                Signal::Event(v) => {
                    matches!(v["type"].as_str(), Some("joined" | "denied" | "error"))
                }
                Signal::Closed(_) => true,
                Signal::Socket(v) => v["type"] == "error",
            })
            .await
            .map_err(|_| anyhow!("no joined/denied frame after join"))?;
        match s {
            Signal::Event(v) if v["type"] == "joined" => {
                self.joined = Some(v.clone());
                Ok(v)
            }
            Signal::Event(v) if v["type"] == "denied" => Err(Denied {
                reason: v["reason"].as_str().unwrap_or_default().to_string(),
            }
            .into()),
            other => bail!("join refused: {other:?}"),
        }
    }

    /// The `joined` frame, once in the call.
    pub fn joined(&self) -> Option<&Value> {
        self.joined.as_ref()
    }

    /// My participant id, once in the call.
    pub fn id(&self) -> Option<&str> {
        self.joined.as_ref()?["self"]["id"].as_str()
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn outbox(&self) -> &Outbox {
        &self.shared.outbox
    }

    /// Publishes a video protocol frame on the call's topic.
    pub fn send(&self, data: Value) -> Result<()> {
        self.shared.outbox.publish(data)
    }

    /// Sends a raw text frame on the socket (for bad-input tests).
    pub fn send_text(&self, text: &str) -> Result<()> {
        self.shared.outbox.send_text(text.to_string())
    }

    /// Everything received so far.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// Waits for a video event (the `data` of an event on the call's topic) at log position
    /// `from` or later.
    pub async fn wait_event(
        &self,
        from: usize,
        timeout: Duration,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Result<Value> {
        let (_, s) = self
            .log
            .wait_for(from, timeout, |s| s.event().is_some_and(&mut pred))
            .await?;
        s.event().cloned().ok_or_else(|| anyhow!("not an event"))
    }

    /// Waits for a video event of type `ty` at log position `from` or later.
    pub async fn wait_type(&self, from: usize, ty: &str, timeout: Duration) -> Result<Value> {
        self.wait_event(from, timeout, |v| v["type"] == ty)
            .await
            .map_err(|_| anyhow!("no {ty:?} event within {timeout:?}"))
    }

    /// Says what I send (`media` frame) and pauses or resumes the synthetic streams to match.
    pub fn media(&self, audio: bool, video: bool, screen: bool) -> Result<()> {
        {
            let mut paused = self.shared.paused.lock().unwrap_or_else(|e| e.into_inner());
            for (s, on) in [
                (Source::Mic, audio),
                (Source::Camera, video),
                (Source::Screen, screen),
            ] {
                if on {
                    paused.remove(&s);
                } else {
                    paused.insert(s);
                }
            }
        }
        self.send(json!({"type": "media", "audio": audio, "video": video, "screen": screen}))
    }

    /// Leaves the call (`leave`) and closes the peer connection; the socket stays subscribed.
    pub async fn leave(&self) -> Result<()> {
        self.send(json!({"type": "leave"}))?;
        let _ = self.control.send(json!({"type": CLOSE_PEER}));
        Ok(())
    }

    /// Closes everything (socket, peer connection, tasks).
    pub async fn close(mut self) {
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.outbox.close();
        if let Some(pc) = self.shared.pc() {
            let _ = pc.close().await;
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    pub fn streams(&self) -> Vec<StreamStats> {
        self.shared.stats.streams()
    }

    pub fn senders(&self) -> Vec<SenderStats> {
        self.shared.stats.senders()
    }

    /// Packets (with a trailer) received from `participant`'s `source` so far.
    pub fn received_from(&self, participant: &str, source: Source) -> u64 {
        self.shared.stats.marked_from(participant, source)
    }

    /// Waits until at least `min` more microphone and camera packets than now came from each
    /// of `others`; the error names who is not heard.
    pub async fn wait_receiving_all(
        &self,
        others: &[&Participant],
        min: u64,
        timeout: Duration,
    ) -> Result<()> {
        for q in others {
            let id = q
                .id()
                .ok_or_else(|| anyhow!("{:?} is not in the call", q.room))?;
            for source in [Source::Mic, Source::Camera] {
                self.wait_receiving_from(id, source, min, timeout)
                    .await
                    .with_context(|| format!("{:?} from {id} ({source:?})", self.id()))?;
            }
        }
        Ok(())
    }

    /// Waits until at least `min` more packets than now came from `participant`'s `source`.
    pub async fn wait_receiving_from(
        &self,
        participant: &str,
        source: Source,
        min: u64,
        timeout: Duration,
    ) -> Result<u64> {
        let start = self.received_from(participant, source);
        self.wait_until(timeout, || {
            let n = self.received_from(participant, source);
            (n >= start + min).then_some(n)
        })
        .await
        .map_err(|_| {
            anyhow!(
                "fewer than {min} new packets of {participant}'s {} within {timeout:?} (streams: {:?}, mids: {:?}, failures: {:?}, state: {:?})",
                source.as_str(),
                self.streams().iter().map(|s| (&s.key, s.packets)).collect::<Vec<_>>(),
                self.mids(),
                self.failures(),
                self.connection_state()
            )
        })
    }

    /// Polls `f` every 20 ms until it gives a value or `timeout` passes.
    pub async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut f: impl FnMut() -> Option<T>,
    ) -> Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(v) = f() {
                return Ok(v);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("condition not met within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The peer connection's state.
    pub fn connection_state(&self) -> RTCPeerConnectionState {
        *self.shared.state.borrow()
    }

    /// Waits for the peer connection to be connected.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<()> {
        let mut rx = self.shared.state.subscribe();
        tokio::time::timeout(
            timeout,
            rx.wait_for(|s| *s == RTCPeerConnectionState::Connected),
        )
        .await
        .map_err(|_| {
            anyhow!(
                "not connected within {timeout:?}: {:?}",
                self.connection_state()
            )
        })?
        .map_err(|_| anyhow!("peer state channel closed"))?;
        Ok(())
    }

    /// Offers received and answers sent so far.
    pub fn offers(&self) -> u64 {
        self.shared.offers.load(Ordering::SeqCst)
    }

    pub fn answers(&self) -> u64 {
        self.shared.answers.load(Ordering::SeqCst)
    }

    /// What went wrong on our side (offers that could not be applied, bad candidates).
    pub fn failures(&self) -> Vec<String> {
        self.shared
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The last offer's `tracks` map.
    pub fn mids(&self) -> HashMap<String, MidRole> {
        self.shared
            .mids
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sends a PLI (keyframe request) for the incoming stream `media_ssrc`.
    pub async fn request_keyframe(&self, media_ssrc: u32) -> Result<()> {
        let pc = self.shared.pc().ok_or_else(|| anyhow!("not in a call"))?;
        pc.write_rtcp(&[Box::new(PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc,
        })])
        .await?;
        Ok(())
    }

    /// PLI and FIR received on my senders so far, per source.
    pub fn keyframe_requests(&self, source: Source) -> u64 {
        self.senders()
            .iter()
            .filter(|s| s.source == Some(source))
            .map(|s| s.pli + s.fir)
            .sum()
    }
}

impl Drop for Participant {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.outbox.close();
        let _ = self.control.send(json!({"type": CLOSE_PEER}));
    }
}

/// Applies the server's control frames in order.
async fn control_loop(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Value>, seed: u64) {
    let mut peer: Option<Peer> = None;
    while let Some(frame) = rx.recv().await {
        let ty = frame["type"].as_str().unwrap_or_default();
        match ty {
            "joined" => {
                if let Some(mut old) = peer.take() {
                    old.close().await;
                }
                match Peer::new(shared.clone(), ice_servers_of(&frame["ice_servers"]), seed).await {
                    Ok(p) => peer = Some(p),
                    Err(e) => shared.fail(format!("peer connection: {e:#}")),
                }
            }
            "offer" => match &mut peer {
                Some(p) => {
                    if let Err(e) = p.on_offer(&frame).await {
                        shared.fail(format!("offer: {e:#}"));
                    }
                }
                None => shared.fail("offer before joined".into()),
            },
            "candidate" => {
                if let Some(p) = &mut peer {
                    if let Err(e) = p.on_candidate(&frame).await {
                        shared.fail(format!("candidate: {e:#}"));
                    }
                }
            }
            "muted" => {
                shared
                    .paused
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(Source::Mic);
            }
            "denied" | CLOSE_PEER => {
                if let Some(mut p) = peer.take() {
                    p.close().await;
                }
                if ty == CLOSE_PEER && shared.closed.load(Ordering::SeqCst) {
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(mut p) = peer.take() {
        p.close().await;
    }
}
