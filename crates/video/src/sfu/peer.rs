//! One participant's peer connection to the server. The server always makes the offers: three
//! `recvonly` m-lines for what the participant sends (mic, camera, screen) and one `sendonly`
//! m-line per track forwarded to them. Offers go out one at a time; a change while an answer is
//! awaited is offered again once it comes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use nichoir_realtime::{ConnId, Hub};
use parking_lot::Mutex;
use webrtc::ice_transport::ice_candidate::{RTCIceCandidate, RTCIceCandidateInit};
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtp_transceiver::rtp_codec::RTPCodecType;
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::rtp_transceiver::{RTCRtpTransceiver, RTCRtpTransceiverInit};
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;
use webrtc::track::track_local::TrackLocal;

use super::engine::Engine;
use super::forward::{relay_rtcp, Published, Sink};
use crate::api::{Candidate, ServerFrame, Source, TrackInfo};
use crate::error::VideoError;

/// Where a participant's signalling frames go: the socket they joined from, or nowhere while
/// they are reconnecting.
pub struct Outbox {
    hub: Hub,
    topic: String,
    conn: Mutex<Option<ConnId>>,
}

impl Outbox {
    pub fn new(hub: Hub, topic: String, conn: ConnId) -> Outbox {
        Outbox {
            hub,
            topic,
            conn: Mutex::new(Some(conn)),
        }
    }

    pub fn conn(&self) -> Option<ConnId> {
        *self.conn.lock()
    }

    pub fn set_conn(&self, conn: Option<ConnId>) {
        *self.conn.lock() = conn;
    }

    pub fn send(&self, frame: &ServerFrame) -> bool {
        match self.conn() {
            Some(c) => self.hub.send_event_to(c, &self.topic, &frame.to_value()),
            None => false,
        }
    }
}

#[derive(Default)]
struct Negotiation {
    awaiting_answer: bool,
    again: bool,
}

pub struct PeerLink {
    pub pc: Arc<RTCPeerConnection>,
    publish: Vec<(Source, Arc<RTCRtpTransceiver>)>,
    published: Mutex<HashMap<Source, Arc<Published>>>,
    sinks: Mutex<HashMap<(String, Source), Arc<Sink>>>,
    negotiation: Mutex<Negotiation>,
    early_candidates: Mutex<Vec<RTCIceCandidateInit>>,
    outbox: Arc<Outbox>,
}

fn media_error(what: &str, e: impl std::fmt::Display) -> VideoError {
    VideoError::Invalid(format!("{what}: {e}"))
}

impl PeerLink {
    pub async fn new(engine: &Engine, outbox: Arc<Outbox>) -> Result<Arc<PeerLink>, VideoError> {
        let pc = engine.peer_connection().await?;
        let mut publish = Vec::new();
        for source in Source::ALL {
            let kind = if source.is_audio() {
                RTPCodecType::Audio
            } else {
                RTPCodecType::Video
            };
            let t = pc
                .add_transceiver_from_kind(
                    kind,
                    Some(RTCRtpTransceiverInit {
                        direction: RTCRtpTransceiverDirection::Recvonly,
                        send_encodings: vec![],
                    }),
                )
                .await
                .map_err(|e| VideoError::Other(nichoir_core::Error::internal(e)))?;
            publish.push((source, t));
        }
        let weak_outbox = Arc::downgrade(&outbox);
        pc.on_ice_candidate(Box::new(move |c: Option<RTCIceCandidate>| {
            let outbox = weak_outbox.clone();
            Box::pin(async move {
                let (Some(c), Some(outbox)) = (c, outbox.upgrade()) else {
                    return;
                };
                if let Ok(init) = c.to_json() {
                    outbox.send(&ServerFrame::Candidate {
                        candidate: Some(Candidate {
                            candidate: init.candidate,
                            sdp_mid: init.sdp_mid,
                            sdp_mline_index: init.sdp_mline_index,
                            username_fragment: init.username_fragment,
                        }),
                    });
                }
            })
        }));
        Ok(Arc::new(PeerLink {
            pc,
            publish,
            published: Mutex::new(HashMap::new()),
            sinks: Mutex::new(HashMap::new()),
            negotiation: Mutex::new(Negotiation::default()),
            early_candidates: Mutex::new(Vec::new()),
            outbox,
        }))
    }

    /// Which of the participant's sources arrives on `t`, if it is one of theirs.
    pub fn source_of(&self, t: &Arc<RTCRtpTransceiver>) -> Option<Source> {
        self.publish
            .iter()
            .find(|(_, p)| Arc::ptr_eq(p, t))
            .map(|(s, _)| *s)
    }

    /// Records an incoming track; `None` when that source already has one (a client cannot
    /// flood the server with tracks: it only ever has these three m-lines to send on).
    pub fn add_published(&self, published: Arc<Published>) -> Option<Arc<Published>> {
        let mut map = self.published.lock();
        if map.contains_key(&published.source) {
            return None;
        }
        map.insert(published.source, published.clone());
        Some(published)
    }

    pub fn published(&self) -> Vec<Arc<Published>> {
        self.published.lock().values().cloned().collect()
    }

    pub fn published_source(&self, source: Source) -> Option<Arc<Published>> {
        self.published.lock().get(&source).cloned()
    }

    /// Starts sending `published` to this participant (the caller renegotiates).
    pub async fn add_sink(
        &self,
        published: &Arc<Published>,
        subscriber: &str,
    ) -> Result<(), VideoError> {
        let key = (published.publisher.clone(), published.source);
        if self.sinks.lock().contains_key(&key) {
            return Ok(());
        }
        let local = Arc::new(TrackLocalStaticRTP::new(
            published.track.codec().capability,
            format!("{}-{}", published.publisher, published.source.as_str()),
            published.publisher.clone(),
        ));
        let track: Arc<dyn TrackLocal + Send + Sync> = local.clone();
        let transceiver = self
            .pc
            .add_transceiver_from_track(
                track,
                Some(RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Sendonly,
                    send_encodings: vec![],
                }),
            )
            .await
            .map_err(|e| media_error("forwarding a track", e))?;
        let sender = transceiver.sender().await;
        tokio::spawn(relay_rtcp(sender.clone(), Arc::downgrade(published)));
        let sink = Arc::new(Sink::new(published, subscriber, local, transceiver, sender));
        published.add_sink(sink.clone());
        self.sinks.lock().insert(key, sink);
        Ok(())
    }

    /// Stops everything forwarded from `publisher`; true when something was removed.
    pub async fn remove_sinks_from(&self, publisher: &str) -> bool {
        let removed: Vec<Arc<Sink>> = {
            let mut sinks = self.sinks.lock();
            let keys: Vec<_> = sinks
                .keys()
                .filter(|(p, _)| p == publisher)
                .cloned()
                .collect();
            keys.iter().filter_map(|k| sinks.remove(k)).collect()
        };
        for sink in &removed {
            if let Err(e) = self.pc.remove_track(&sink.sender).await {
                tracing::debug!("removing a forwarded track: {e}");
            }
        }
        !removed.is_empty()
    }

    pub fn sink(&self, publisher: &str, source: Source) -> Option<Arc<Sink>> {
        self.sinks
            .lock()
            .get(&(publisher.to_string(), source))
            .cloned()
    }

    pub fn sinks(&self) -> Vec<Arc<Sink>> {
        self.sinks.lock().values().cloned().collect()
    }

    /// Sends an offer now, or after the answer to the one in flight.
    pub async fn negotiate(&self) {
        {
            let mut n = self.negotiation.lock();
            if n.awaiting_answer {
                n.again = true;
                return;
            }
            n.awaiting_answer = true;
        }
        match self.offer().await {
            Ok(frame) => {
                self.outbox.send(&frame);
            }
            Err(e) => {
                tracing::debug!("no offer: {e}");
                self.negotiation.lock().awaiting_answer = false;
            }
        }
    }

    async fn offer(&self) -> Result<ServerFrame, VideoError> {
        let offer = self
            .pc
            .create_offer(None)
            .await
            .map_err(|e| media_error("offer", e))?;
        self.pc
            .set_local_description(offer)
            .await
            .map_err(|e| media_error("offer", e))?;
        let sdp = self
            .pc
            .local_description()
            .await
            .map(|d| d.sdp)
            .ok_or_else(|| VideoError::Invalid("no local description".into()))?;
        let mut tracks = BTreeMap::new();
        for (source, t) in &self.publish {
            if let Some(mid) = t.mid() {
                tracks.insert(mid.to_string(), TrackInfo::Publish { publish: *source });
            }
        }
        for sink in self.sinks.lock().values() {
            if let Some(mid) = sink.transceiver.mid() {
                tracks.insert(
                    mid.to_string(),
                    TrackInfo::Receive {
                        participant: sink.publisher.clone(),
                        source: sink.source,
                    },
                );
            }
        }
        Ok(ServerFrame::Offer { sdp, tracks })
    }

    /// The participant's answer to the offer in flight.
    pub async fn answer(&self, sdp: String) -> Result<(), VideoError> {
        if !self.negotiation.lock().awaiting_answer {
            return Err(VideoError::Invalid(
                "no offer is waiting for an answer".into(),
            ));
        }
        let desc = RTCSessionDescription::answer(sdp).map_err(|e| media_error("bad SDP", e))?;
        self.pc
            .set_remote_description(desc)
            .await
            .map_err(|e| media_error("bad answer", e))?;
        let early: Vec<_> = std::mem::take(&mut *self.early_candidates.lock());
        for c in early {
            if let Err(e) = self.pc.add_ice_candidate(c).await {
                tracing::debug!("early ICE candidate refused: {e}");
            }
        }
        let again = {
            let mut n = self.negotiation.lock();
            n.awaiting_answer = false;
            std::mem::take(&mut n.again)
        };
        // The new subscriptions' senders are up: ask their publishers for a keyframe now.
        for sink in self.sinks() {
            if !sink.is_paused() {
                sink.request_keyframe().await;
            }
        }
        if again {
            self.negotiate().await;
        }
        Ok(())
    }

    pub async fn candidate(&self, c: Option<Candidate>) -> Result<(), VideoError> {
        let Some(c) = c else {
            return Ok(());
        };
        let init = RTCIceCandidateInit {
            candidate: c.candidate,
            sdp_mid: c.sdp_mid,
            sdp_mline_index: c.sdp_mline_index,
            username_fragment: c.username_fragment,
        };
        if self.pc.remote_description().await.is_none() {
            let mut early = self.early_candidates.lock();
            if early.len() >= 50 {
                return Err(VideoError::Invalid("too many ICE candidates".into()));
            }
            early.push(init);
            return Ok(());
        }
        self.pc
            .add_ice_candidate(init)
            .await
            .map_err(|e| media_error("bad ICE candidate", e))
    }

    pub async fn close(&self) {
        self.published.lock().clear();
        self.sinks.lock().clear();
        if let Err(e) = self.pc.close().await {
            tracing::debug!("closing a peer connection: {e}");
        }
    }
}
