//! Forwarding: one incoming track (`Published`) copied to the tracks that carry it to each other
//! participant (`Sink`), and keyframe requests going the other way.

use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtp_transceiver::rtp_codec::RTPCodecType;
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::rtp_transceiver::RTCRtpTransceiver;
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;
use webrtc::track::track_local::TrackLocalWriter;
use webrtc::track::track_remote::TrackRemote;

use crate::api::Source;

/// At most one keyframe request per this interval reaches a publisher: a room of subscribers all
/// asking at once must not make the sender encode keyframe after keyframe.
pub const KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);

/// One participant's incoming track.
pub struct Published {
    pub publisher: String,
    pub source: Source,
    pub track: Arc<TrackRemote>,
    sinks: RwLock<Vec<Arc<Sink>>>,
    pc: Weak<RTCPeerConnection>,
    last_keyframe_request: Mutex<Option<Instant>>,
}

/// The copy of a `Published` track sent to one subscriber.
pub struct Sink {
    pub publisher: String,
    pub source: Source,
    pub subscriber: String,
    pub local: Arc<TrackLocalStaticRTP>,
    pub transceiver: Arc<RTCRtpTransceiver>,
    pub sender: Arc<RTCRtpSender>,
    pub published: Weak<Published>,
    paused: AtomicBool,
    /// Packets not sent while paused: later sequence numbers are lowered by this much, so the
    /// subscriber sees no gap to ask retransmissions for.
    skipped: AtomicU16,
}

impl Sink {
    pub fn new(
        published: &Arc<Published>,
        subscriber: &str,
        local: Arc<TrackLocalStaticRTP>,
        transceiver: Arc<RTCRtpTransceiver>,
        sender: Arc<RTCRtpSender>,
    ) -> Sink {
        Sink {
            publisher: published.publisher.clone(),
            source: published.source,
            subscriber: subscriber.to_string(),
            local,
            transceiver,
            sender,
            published: Arc::downgrade(published),
            paused: AtomicBool::new(false),
            skipped: AtomicU16::new(0),
        }
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    pub async fn request_keyframe(&self) {
        if let Some(p) = self.published.upgrade() {
            p.request_keyframe().await;
        }
    }
}

impl Published {
    pub fn new(
        publisher: &str,
        source: Source,
        track: Arc<TrackRemote>,
        pc: &Arc<RTCPeerConnection>,
    ) -> Arc<Published> {
        Arc::new(Published {
            publisher: publisher.to_string(),
            source,
            track,
            sinks: RwLock::new(Vec::new()),
            pc: Arc::downgrade(pc),
            last_keyframe_request: Mutex::new(None),
        })
    }

    pub fn add_sink(&self, sink: Arc<Sink>) {
        self.sinks.write().push(sink);
    }

    pub fn remove_sinks_of(&self, subscriber: &str) {
        self.sinks.write().retain(|s| s.subscriber != subscriber);
    }

    pub fn sink_count(&self) -> usize {
        self.sinks.read().len()
    }

    /// Asks the publisher's browser for a keyframe (PLI), unless one was asked for very recently.
    pub async fn request_keyframe(&self) {
        if self.track.kind() != RTPCodecType::Video {
            return;
        }
        {
            let mut last = self.last_keyframe_request.lock();
            let now = Instant::now();
            if last.is_some_and(|t| now.duration_since(t) < KEYFRAME_INTERVAL) {
                return;
            }
            *last = Some(now);
        }
        if let Some(pc) = self.pc.upgrade() {
            let pli = PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: self.track.ssrc(),
            };
            if let Err(e) = pc.write_rtcp(&[Box::new(pli)]).await {
                tracing::debug!(publisher = %self.publisher, "keyframe request not sent: {e}");
            }
        }
    }

    /// Reads the publisher's packets until its track ends and writes each to every sink that is
    /// not paused. Header extensions are dropped: their ids were negotiated with the publisher,
    /// not with the subscribers.
    pub async fn forward(self: Arc<Self>) {
        loop {
            let mut pkt = match self.track.read_rtp().await {
                Ok((pkt, _)) => pkt,
                Err(_) => break,
            };
            pkt.header.extension = false;
            pkt.header.extension_profile = 0;
            pkt.header.extensions.clear();
            let sinks: Vec<Arc<Sink>> = self.sinks.read().clone();
            for sink in sinks {
                if sink.is_paused() {
                    sink.skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let skipped = sink.skipped.load(Ordering::Relaxed);
                let result = if skipped == 0 {
                    sink.local.write_rtp(&pkt).await
                } else {
                    let mut p = pkt.clone();
                    p.header.sequence_number = p.header.sequence_number.wrapping_sub(skipped);
                    sink.local.write_rtp(&p).await
                };
                if let Err(e) = result {
                    tracing::trace!(subscriber = %sink.subscriber, "forwarding: {e}");
                }
            }
        }
        tracing::debug!(publisher = %self.publisher, source = ?self.source, "track ended");
    }
}

/// Reads a sink's incoming RTCP (which also feeds the NACK responder and the report
/// interceptors) and passes keyframe requests on to the publisher.
pub async fn relay_rtcp(sender: Arc<RTCRtpSender>, published: Weak<Published>) {
    while let Ok((packets, _)) = sender.read_rtcp().await {
        let wants_keyframe = packets.iter().any(|p| {
            let any = p.as_any();
            any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>()
        });
        if wants_keyframe {
            match published.upgrade() {
                Some(p) => p.request_keyframe().await,
                None => break,
            }
        }
    }
}
