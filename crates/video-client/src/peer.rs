//! The WebRTC side: one peer connection per participant, answering the server's offers.
//!
//! The server always offers. Its `publish` m-lines are `recvonly` on its side: webrtc-rs only
//! sends on an m-line of a remote offer when a local transceiver without a mid, of the same kind,
//! with direction `sendonly` (or `sendrecv`) exists when the offer is applied
//! (`satisfy_type_and_direction` in `set_remote_description`). A transceiver that the offer
//! creates itself has a sender without a track, and `replace_track` cannot give it one (no
//! encoding to replace). So before applying each offer, one `sendonly` transceiver with a
//! [`TrackLocalStaticRTP`] is added per new `publish` m-line of each kind; after the answer the
//! mid it got tells which source it carries, and its sending task starts.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use webrtc::api::interceptor_registry::{configure_nack, configure_rtcp_reports};
use webrtc::api::media_engine::{MediaEngine, MIME_TYPE_OPUS, MIME_TYPE_VP8};
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::APIBuilder;
use webrtc::ice::mdns::MulticastDnsMode;
use webrtc::ice_transport::ice_candidate::{RTCIceCandidate, RTCIceCandidateInit};
use webrtc::ice_transport::ice_server::RTCIceServer;
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use webrtc::rtp_transceiver::rtp_codec::{
    RTCRtpCodecCapability, RTCRtpCodecParameters, RTPCodecType,
};
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::rtp_transceiver::{RTCPFeedback, RTCRtpTransceiver, RTCRtpTransceiverInit};
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;
use webrtc::track::track_local::TrackLocalWriter;
use webrtc::track::track_remote::TrackRemote;

use crate::rtp::{now_micros, AudioSynth, VideoSynth};
use crate::signalling::Outbox;
use crate::stats::{Received, StreamKey};
use crate::{MediaOptions, MidRole, Source, Stats};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn vp8() -> RTCRtpCodecCapability {
    RTCRtpCodecCapability {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    }
}

fn opus() -> RTCRtpCodecCapability {
    RTCRtpCodecCapability {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// State shared by the control task, the media tasks, the webrtc callbacks and the
/// [`crate::Participant`] handle.
pub(crate) struct Shared {
    pub stats: Stats,
    pub outbox: Outbox,
    pub media: MediaOptions,
    /// The last offer's `tracks` map, and a version bumped at each offer.
    pub mids: RwLock<HashMap<String, MidRole>>,
    pub mids_version: AtomicU64,
    pub offers: AtomicU64,
    pub answers: AtomicU64,
    /// What went wrong while answering (offers that could not be applied, …).
    pub failures: Mutex<Vec<String>>,
    pub state: watch::Sender<RTCPeerConnectionState>,
    /// Sources whose sending is paused (`media` said off, or a moderator muted us).
    pub paused: Mutex<HashSet<Source>>,
    /// First mid and ICE ufrag of our answer: browsers put them on trickled candidates.
    pub local_mid: Mutex<Option<(String, String)>>,
    pub pc: Mutex<Option<Arc<RTCPeerConnection>>>,
    pub closed: AtomicBool,
}

impl Shared {
    pub fn new(outbox: Outbox, media: MediaOptions) -> Shared {
        let (state, _) = watch::channel(RTCPeerConnectionState::New);
        Shared {
            stats: Stats::default(),
            outbox,
            media,
            mids: RwLock::new(HashMap::new()),
            mids_version: AtomicU64::new(0),
            offers: AtomicU64::new(0),
            answers: AtomicU64::new(0),
            failures: Mutex::new(Vec::new()),
            state,
            paused: Mutex::new(HashSet::new()),
            local_mid: Mutex::new(None),
            pc: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    pub fn fail(&self, what: String) {
        tracing::warn!("video client: {what}");
        lock(&self.failures).push(what);
    }

    pub fn role_of(&self, mid: &str) -> Option<MidRole> {
        self.mids
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(mid)
            .cloned()
    }

    pub fn is_paused(&self, s: Source) -> bool {
        lock(&self.paused).contains(&s)
    }

    pub fn pc(&self) -> Option<Arc<RTCPeerConnection>> {
        lock(&self.pc).clone()
    }
}

/// A track we send: its sending task and keyframe-request flag.
struct LocalTrack {
    tasks: Vec<JoinHandle<()>>,
}

/// The control task's side of the peer connection.
pub(crate) struct Peer {
    shared: Arc<Shared>,
    pub(crate) pc: Arc<RTCPeerConnection>,
    local: HashMap<String, LocalTrack>,
    /// Candidates that came before the offer they belong to was applied.
    early_candidates: Vec<RTCIceCandidateInit>,
    seed: u64,
}

/// The `ice_servers` of a `joined` frame.
pub(crate) fn ice_servers_of(v: &Value) -> Vec<RTCIceServer> {
    let Some(list) = v.as_array() else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|s| {
            let urls: Vec<String> = match &s["urls"] {
                Value::String(u) => vec![u.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(|u| u.as_str().map(str::to_string))
                    .collect(),
                _ => return None,
            };
            Some(RTCIceServer {
                urls,
                username: s["username"].as_str().unwrap_or_default().to_string(),
                credential: s["credential"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// The `tracks` map of an `offer` frame.
pub(crate) fn tracks_of(v: &Value) -> HashMap<String, MidRole> {
    let mut out = HashMap::new();
    let Some(map) = v.as_object() else {
        return out;
    };
    for (mid, role) in map {
        if let Some(source) = role["publish"].as_str().and_then(Source::parse) {
            out.insert(mid.clone(), MidRole::Publish(source));
        } else if let (Some(p), Some(source)) = (
            role["participant"].as_str(),
            role["source"].as_str().and_then(Source::parse),
        ) {
            out.insert(
                mid.clone(),
                MidRole::Forward {
                    participant: p.to_string(),
                    source,
                },
            );
        }
    }
    out
}

/// `a=ice-ufrag` and the first `a=mid` of an SDP.
fn first_mid_and_ufrag(sdp: &str) -> Option<(String, String)> {
    let mut mid = None;
    let mut ufrag = None;
    for line in sdp.lines() {
        if mid.is_none() {
            mid = line.strip_prefix("a=mid:").map(|m| m.trim().to_string());
        }
        if ufrag.is_none() {
            ufrag = line
                .strip_prefix("a=ice-ufrag:")
                .map(|u| u.trim().to_string());
        }
    }
    Some((mid?, ufrag?))
}

impl Peer {
    /// A peer connection for a participant that was just `joined`.
    pub async fn new(
        shared: Arc<Shared>,
        ice_servers: Vec<RTCIceServer>,
        seed: u64,
    ) -> Result<Peer> {
        let mut media = MediaEngine::default();
        let feedback = vec![
            RTCPFeedback {
                typ: "goog-remb".to_owned(),
                parameter: String::new(),
            },
            RTCPFeedback {
                typ: "ccm".to_owned(),
                parameter: "fir".to_owned(),
            },
        ];
        media.register_codec(
            RTCRtpCodecParameters {
                capability: RTCRtpCodecCapability {
                    rtcp_feedback: feedback,
                    ..vp8()
                },
                payload_type: 96,
                ..Default::default()
            },
            RTPCodecType::Video,
        )?;
        media.register_codec(
            RTCRtpCodecParameters {
                capability: opus(),
                payload_type: 111,
                ..Default::default()
            },
            RTPCodecType::Audio,
        )?;
        // NACK generation/answers and sender/receiver reports, as a browser does (no TWCC).
        let mut registry = Registry::new();
        registry = configure_nack(registry, &mut media);
        registry = configure_rtcp_reports(registry);
        let mut settings = SettingEngine::default();
        settings.set_include_loopback_candidate(true);
        settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
        let api = APIBuilder::new()
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .build();
        let pc = Arc::new(
            api.new_peer_connection(RTCConfiguration {
                ice_servers,
                ..Default::default()
            })
            .await?,
        );
        let s = shared.clone();
        pc.on_ice_candidate(Box::new(move |c: Option<RTCIceCandidate>| {
            let s = s.clone();
            Box::pin(async move { send_candidate(&s, c) })
        }));
        let s = shared.clone();
        pc.on_peer_connection_state_change(Box::new(move |st: RTCPeerConnectionState| {
            s.state.send_replace(st);
            Box::pin(async {})
        }));
        let s = shared.clone();
        pc.on_track(Box::new(
            move |track: Arc<TrackRemote>, _r, t: Arc<RTCRtpTransceiver>| {
                let s = s.clone();
                Box::pin(async move {
                    let mid = t.mid().map(|m| m.to_string()).unwrap_or_default();
                    tokio::spawn(read_track(s, track, mid));
                })
            },
        ));
        *lock(&shared.pc) = Some(pc.clone());
        Ok(Peer {
            shared,
            pc,
            local: HashMap::new(),
            early_candidates: Vec::new(),
            seed,
        })
    }

    /// Applies an `offer` frame and sends the `answer`.
    pub async fn on_offer(&mut self, data: &Value) -> Result<()> {
        self.shared.offers.fetch_add(1, Ordering::SeqCst);
        let sdp = data["sdp"]
            .as_str()
            .ok_or_else(|| anyhow!("offer without sdp"))?;
        let tracks = tracks_of(&data["tracks"]);
        *self.shared.mids.write().unwrap_or_else(|e| e.into_inner()) = tracks.clone();
        self.shared.mids_version.fetch_add(1, Ordering::SeqCst);

        // One sendonly transceiver per publish m-line not yet bound, of the right kind.
        let mut bound: HashSet<String> = HashSet::new();
        for t in self.pc.get_transceivers().await {
            if let Some(m) = t.mid() {
                bound.insert(m.to_string());
            }
        }
        let mut pending = Vec::new();
        let mut new_publish: Vec<(&String, Source)> = tracks
            .iter()
            .filter_map(|(mid, r)| match r {
                MidRole::Publish(s) if !bound.contains(mid) => Some((mid, *s)),
                _ => None,
            })
            .collect();
        new_publish.sort();
        for (i, (_, source)) in new_publish.iter().enumerate() {
            let codec = if source.is_audio() { opus() } else { vp8() };
            let track = Arc::new(TrackLocalStaticRTP::new(
                codec,
                format!("{}-{}", source.as_str(), self.seed.wrapping_add(i as u64)),
                format!("nichoir-client-{}", self.seed),
            ));
            let t = self
                .pc
                .add_transceiver_from_track(
                    track.clone(),
                    Some(RTCRtpTransceiverInit {
                        direction: RTCRtpTransceiverDirection::Sendonly,
                        send_encodings: vec![],
                    }),
                )
                .await
                .context("adding a sending transceiver")?;
            pending.push((t, track));
        }

        let offer = RTCSessionDescription::offer(sdp.to_string()).context("offer SDP")?;
        self.pc
            .set_remote_description(offer)
            .await
            .context("set_remote_description(offer)")?;
        for c in std::mem::take(&mut self.early_candidates) {
            if let Err(e) = self.pc.add_ice_candidate(c).await {
                self.shared.fail(format!("server candidate: {e}"));
            }
        }
        let answer = self.pc.create_answer(None).await.context("create_answer")?;
        if let Some(mu) = first_mid_and_ufrag(&answer.sdp) {
            *lock(&self.shared.local_mid) = Some(mu);
        }
        let answer_sdp = answer.sdp.clone();
        self.pc
            .set_local_description(answer)
            .await
            .context("set_local_description(answer)")?;
        self.shared
            .outbox
            .publish(json!({"type": "answer", "sdp": answer_sdp}))?;
        self.shared.answers.fetch_add(1, Ordering::SeqCst);

        for (t, track) in pending {
            let Some(mid) = t.mid().map(|m| m.to_string()) else {
                // Not matched by the offer (cannot happen: one per new publish m-line).
                let _ = t.stop().await;
                continue;
            };
            let Some(MidRole::Publish(source)) = tracks.get(&mid).cloned() else {
                continue;
            };
            self.start_sending(mid, source, t.sender().await, track)
                .await;
        }
        Ok(())
    }

    async fn start_sending(
        &mut self,
        mid: String,
        source: Source,
        sender: Arc<RTCRtpSender>,
        track: Arc<TrackLocalStaticRTP>,
    ) {
        let ssrc = sender
            .get_parameters()
            .await
            .encodings
            .first()
            .map(|e| e.ssrc)
            .unwrap_or(0);
        self.shared.stats.add_sender(&mid, Some(source), ssrc);
        let keyframe = Arc::new(AtomicBool::new(false));
        let rtcp = tokio::spawn(read_sender_rtcp(
            self.shared.clone(),
            sender,
            mid.clone(),
            keyframe.clone(),
        ));
        let seed = self
            .seed
            .wrapping_mul(31)
            .wrapping_add(self.local.len() as u64);
        let media = tokio::spawn(send_media(
            self.shared.clone(),
            track,
            mid.clone(),
            source,
            keyframe,
            seed,
        ));
        self.local.insert(
            mid,
            LocalTrack {
                tasks: vec![rtcp, media],
            },
        );
    }

    /// Applies a server `candidate` frame.
    pub async fn on_candidate(&mut self, data: &Value) -> Result<()> {
        let c = &data["candidate"];
        if c.is_null() {
            return Ok(()); // end of candidates: nothing to do in webrtc-rs
        }
        let init: RTCIceCandidateInit =
            serde_json::from_value(c.clone()).context("candidate shape")?;
        if self.pc.remote_description().await.is_none() {
            self.early_candidates.push(init);
            return Ok(());
        }
        self.pc
            .add_ice_candidate(init)
            .await
            .context("add_ice_candidate")
    }

    pub async fn close(&mut self) {
        for (_, t) in self.local.drain() {
            for h in t.tasks {
                h.abort();
            }
        }
        let _ = self.pc.close().await;
    }
}

fn send_candidate(s: &Shared, c: Option<RTCIceCandidate>) {
    let candidate = match c.map(|c| c.to_json()) {
        None => Value::Null,
        Some(Err(e)) => {
            s.fail(format!("local candidate: {e}"));
            return;
        }
        Some(Ok(mut init)) => {
            if let Some((mid, ufrag)) = lock(&s.local_mid).clone() {
                init.sdp_mid = Some(mid);
                init.username_fragment = Some(ufrag);
            }
            serde_json::to_value(init).unwrap_or(Value::Null)
        }
    };
    let _ = s
        .outbox
        .publish(json!({"type": "candidate", "candidate": candidate}));
}

/// Reads one incoming track until it ends, counting every packet.
async fn read_track(s: Arc<Shared>, track: Arc<TrackRemote>, mid: String) {
    let mime = track.codec().capability.mime_type.clone();
    let mut version = u64::MAX;
    let mut role = None;
    loop {
        let pkt = match track.read_rtp().await {
            Ok((p, _)) => p,
            Err(_) => break,
        };
        let v = s.mids_version.load(Ordering::Relaxed);
        if v != version {
            version = v;
            role = s.role_of(&mid);
        }
        let (participant, source) = match &role {
            Some(MidRole::Forward {
                participant,
                source,
            }) => (Some(participant.clone()), Some(*source)),
            Some(MidRole::Publish(source)) => (None, Some(*source)),
            None => (None, None),
        };
        let key = StreamKey {
            ssrc: pkt.header.ssrc,
            payload_type: pkt.header.payload_type,
            mid: mid.clone(),
            participant,
            source,
        };
        s.stats.record_packet(Received {
            key: &key,
            mime_type: &mime,
            payload: &pkt.payload,
            now_micros: now_micros(),
        });
    }
}

/// Reads the RTCP that comes back on one of our senders: counts keyframe requests and NACKs,
/// and asks the media task for a keyframe. Reading also lets the NACK responder work.
async fn read_sender_rtcp(
    s: Arc<Shared>,
    sender: Arc<RTCRtpSender>,
    mid: String,
    keyframe: Arc<AtomicBool>,
) {
    while let Ok((pkts, _)) = sender.read_rtcp().await {
        let (mut pli, mut fir, mut nack) = (0u64, 0u64, 0u64);
        for p in &pkts {
            let any = p.as_any();
            if any.downcast_ref::<PictureLossIndication>().is_some() {
                pli += 1;
            } else if any.downcast_ref::<FullIntraRequest>().is_some() {
                fir += 1;
            } else if any.downcast_ref::<TransportLayerNack>().is_some() {
                nack += 1;
            }
        }
        if pli + fir > 0 {
            keyframe.store(true, Ordering::SeqCst);
        }
        if pli + fir + nack > 0 {
            s.stats.update_sender(&mid, |st| {
                st.pli += pli;
                st.fir += fir;
                st.nack += nack;
            });
        }
    }
}

/// Writes synthetic media on `track` at the rate of `source`'s shape until aborted.
async fn send_media(
    s: Arc<Shared>,
    track: Arc<TrackLocalStaticRTP>,
    mid: String,
    source: Source,
    keyframe: Arc<AtomicBool>,
    seed: u64,
) {
    enum Synth {
        Video(VideoSynth),
        Audio(AudioSynth),
    }
    let (mut synth, period) = match source {
        Source::Mic => match s.media.mic {
            Some(shape) => (
                Synth::Audio(AudioSynth::new(shape, seed)),
                Duration::from_millis(20),
            ),
            None => return,
        },
        Source::Camera | Source::Screen => {
            let shape = if source == Source::Camera {
                s.media.camera
            } else {
                s.media.screen
            };
            match shape {
                Some(shape) => {
                    let v = VideoSynth::new(shape, seed);
                    let fps = v.shape().fps;
                    (
                        Synth::Video(v),
                        Duration::from_secs_f64(1.0 / f64::from(fps)),
                    )
                }
                None => return,
            }
        }
    };
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if s.closed.load(Ordering::Relaxed) {
            return;
        }
        if s.is_paused(source) {
            continue;
        }
        let now = now_micros();
        let (packets, key) = match &mut synth {
            Synth::Audio(a) => (vec![a.next_packet(now)], false),
            Synth::Video(v) => {
                if keyframe.swap(false, Ordering::SeqCst) {
                    v.request_keyframe();
                }
                v.next_frame(now)
            }
        };
        let (mut sent, mut bytes, mut errors) = (0u64, 0u64, 0u64);
        for p in &packets {
            match track.write_rtp(p).await {
                Ok(n) if n > 0 => {
                    sent += 1;
                    bytes += p.payload.len() as u64;
                }
                _ => errors += 1,
            }
        }
        s.stats.update_sender(&mid, |st| {
            st.packets += sent;
            st.bytes += bytes;
            st.write_errors += errors;
            st.keyframes += u64::from(key && sent > 0);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tracks_and_ice_servers() {
        let t = tracks_of(&json!({
            "0": {"publish": "mic"}, "1": {"publish": "camera"},
            "2": {"participant": "p9", "source": "screen"},
            "3": {"publish": "nope"}, "4": 7
        }));
        assert_eq!(t.len(), 3);
        assert_eq!(t["0"], MidRole::Publish(Source::Mic));
        assert_eq!(
            t["2"],
            MidRole::Forward {
                participant: "p9".into(),
                source: Source::Screen
            }
        );
        assert!(tracks_of(&json!(null)).is_empty());
        let s = ice_servers_of(&json!([
            {"urls": ["stun:a:3478"]},
            {"urls": "turn:b", "username": "u", "credential": "c"},
            {"nope": 1}
        ]));
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].urls, vec!["turn:b".to_string()]);
        assert_eq!(s[1].credential, "c");
    }

    #[test]
    fn finds_first_mid_and_ufrag() {
        let sdp = "v=0\r\na=ice-ufrag:abc\r\nm=audio 9\r\na=mid:0\r\nm=video 9\r\na=mid:1\r\n";
        assert_eq!(
            first_mid_and_ufrag(sdp),
            Some(("0".to_string(), "abc".to_string()))
        );
        assert_eq!(first_mid_and_ufrag("v=0\r\n"), None);
    }
}
