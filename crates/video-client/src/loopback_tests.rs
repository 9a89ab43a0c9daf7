//! The peer side against a tiny in-process "SFU" made with webrtc-rs (no Nichoir server): the
//! server offers recvonly m-lines to publish on and sendonly ones carrying someone's media, the
//! client answers, both trickle candidates; media must flow both ways, keyframe requests must
//! reach the senders, and a renegotiation must add a stream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;
use webrtc::api::interceptor_registry::register_default_interceptors;
use webrtc::api::media_engine::MediaEngine;
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::APIBuilder;
use webrtc::ice_transport::ice_candidate::{RTCIceCandidate, RTCIceCandidateInit};
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtp_transceiver::rtp_codec::{RTCRtpCodecCapability, RTPCodecType};
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::rtp_transceiver::{RTCRtpTransceiver, RTCRtpTransceiverInit};
use webrtc::track::track_local::track_local_static_rtp::TrackLocalStaticRTP;
use webrtc::track::track_local::TrackLocalWriter;
use webrtc::track::track_remote::TrackRemote;

use crate::peer::{Peer, Shared};
use crate::rtp::{now_micros, AudioShape, AudioSynth, VideoShape, VideoSynth};
use crate::signalling::Outbox;
use crate::{MediaOptions, Source};

const WAIT: Duration = Duration::from_secs(30);

struct Sfu {
    pc: Arc<RTCPeerConnection>,
    /// Packets received per mid.
    got: Arc<Mutex<HashMap<String, u64>>>,
    /// SSRC of the remote track per mid.
    ssrcs: Arc<Mutex<HashMap<String, u32>>>,
    candidates: mpsc::UnboundedReceiver<Value>,
}

/// A `recvonly` m-line of `kind` on the test SFU's side (what the real server offers to publish on).
async fn recvonly(
    pc: &RTCPeerConnection,
    kind: RTPCodecType,
    what: &str,
) -> Arc<RTCRtpTransceiver> {
    pc.add_transceiver_from_kind(
        kind,
        Some(RTCRtpTransceiverInit {
            direction: RTCRtpTransceiverDirection::Recvonly,
            send_encodings: vec![],
        }),
    )
    .await
    .expect(what)
}

async fn sfu() -> Sfu {
    let mut m = MediaEngine::default();
    m.register_default_codecs().expect("codecs");
    let registry = register_default_interceptors(Registry::new(), &mut m).expect("interceptors");
    let mut s = SettingEngine::default();
    s.set_include_loopback_candidate(true);
    let api = APIBuilder::new()
        .with_media_engine(m)
        .with_interceptor_registry(registry)
        .with_setting_engine(s)
        .build();
    let pc = Arc::new(
        api.new_peer_connection(RTCConfiguration::default())
            .await
            .expect("pc"),
    );
    let got = Arc::new(Mutex::new(HashMap::new()));
    let ssrcs = Arc::new(Mutex::new(HashMap::new()));
    let (g, ss) = (got.clone(), ssrcs.clone());
    pc.on_track(Box::new(
        move |track: Arc<TrackRemote>, _r, t: Arc<RTCRtpTransceiver>| {
            let (g, ss) = (g.clone(), ss.clone());
            Box::pin(async move {
                let mid = t.mid().map(|m| m.to_string()).unwrap_or_default();
                ss.lock().expect("lock").insert(mid.clone(), track.ssrc());
                tokio::spawn(async move {
                    while track.read_rtp().await.is_ok() {
                        *g.lock().expect("lock").entry(mid.clone()).or_insert(0) += 1;
                    }
                });
            })
        },
    ));
    let (tx, candidates) = mpsc::unbounded_channel();
    pc.on_ice_candidate(Box::new(move |c: Option<RTCIceCandidate>| {
        let tx = tx.clone();
        Box::pin(async move {
            if let Some(c) = c {
                let init = c.to_json().expect("candidate json");
                let _ = tx.send(json!({"type": "candidate", "candidate": init}));
            }
        })
    }));
    Sfu {
        pc,
        got,
        ssrcs,
        candidates,
    }
}

fn count(m: &Mutex<HashMap<String, u64>>, mid: &str) -> u64 {
    m.lock().expect("lock").get(mid).copied().unwrap_or(0)
}

async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !f() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Offers, lets the client answer, applies the answer; candidates are exchanged by the pump.
async fn negotiate(
    sfu: &Sfu,
    peer: &mut Peer,
    tracks: Value,
    out: &mut mpsc::UnboundedReceiver<tokio_tungstenite::tungstenite::Message>,
) {
    let offer = sfu.pc.create_offer(None).await.expect("offer");
    sfu.pc
        .set_local_description(offer.clone())
        .await
        .expect("local offer");
    peer.on_offer(&json!({"type": "offer", "sdp": offer.sdp, "tracks": tracks}))
        .await
        .expect("client answers");
    loop {
        let msg = tokio::time::timeout(WAIT, out.recv())
            .await
            .expect("answer in time")
            .expect("outbox open");
        let v: Value = serde_json::from_str(msg.to_text().expect("text")).expect("json");
        assert_eq!(v["type"], "publish");
        let data = &v["data"];
        match data["type"].as_str() {
            Some("answer") => {
                let sdp = data["sdp"].as_str().expect("sdp").to_string();
                sfu.pc
                    .set_remote_description(RTCSessionDescription::answer(sdp).expect("answer"))
                    .await
                    .expect("apply answer");
                return;
            }
            Some("candidate") => {
                if let Ok(c) =
                    serde_json::from_value::<RTCIceCandidateInit>(data["candidate"].clone())
                {
                    let _ = sfu.pc.add_ice_candidate(c).await;
                }
            }
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_flows_both_ways_through_an_answered_offer() {
    let mut sfu = sfu().await;
    let mic = recvonly(&sfu.pc, RTPCodecType::Audio, "mic m-line").await;
    let cam = recvonly(&sfu.pc, RTPCodecType::Video, "camera m-line").await;
    let other_cam = Arc::new(TrackLocalStaticRTP::new(
        RTCRtpCodecCapability {
            mime_type: "video/VP8".into(),
            clock_rate: 90_000,
            ..Default::default()
        },
        "cam".into(),
        "px".into(),
    ));
    let fwd = sfu
        .pc
        .add_transceiver_from_track(
            other_cam.clone(),
            Some(RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Sendonly,
                send_encodings: vec![],
            }),
        )
        .await
        .expect("forwarded m-line");
    // The SFU counts PLIs that come back on its forwarding sender.
    let plis = Arc::new(AtomicU64::new(0));
    {
        let (sender, plis) = (fwd.sender().await, plis.clone());
        tokio::spawn(async move {
            while let Ok((pkts, _)) = sender.read_rtcp().await {
                for p in pkts {
                    if p.as_any().downcast_ref::<PictureLossIndication>().is_some() {
                        plis.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
    }
    // Media of "px" forwarded to the client.
    {
        let track = other_cam.clone();
        tokio::spawn(async move {
            let mut v = VideoSynth::new(VideoShape::default(), 3);
            loop {
                for p in v.next_frame(now_micros()).0 {
                    let _ = track.write_rtp(&p).await;
                }
                tokio::time::sleep(Duration::from_millis(33)).await;
            }
        });
    }

    let (tx, mut out) = mpsc::unbounded_channel();
    let outbox = Outbox {
        tx,
        topic: "video:test".into(),
    };
    let shared = Arc::new(Shared::new(outbox, MediaOptions::default()));
    let mut peer = Peer::new(shared.clone(), Vec::new(), 9)
        .await
        .expect("client peer");

    // mids are given at create_offer: negotiate first, then read them.
    negotiate(
        &sfu,
        &mut peer,
        json!({"0": {"publish": "mic"}, "1": {"publish": "camera"}, "2": {"participant": "px", "source": "camera"}}),
        &mut out,
    )
    .await;
    assert_eq!(
        (mic.mid(), cam.mid(), fwd.mid()),
        (Some("0".into()), Some("1".into()), Some("2".into()))
    );

    // Candidates both ways until the connection is up.
    let pump_pc = sfu.pc.clone();
    let pump = tokio::spawn(async move {
        while let Some(msg) = out.recv().await {
            let Ok(v) = serde_json::from_str::<Value>(msg.to_text().unwrap_or("")) else {
                continue;
            };
            if let Ok(c) =
                serde_json::from_value::<RTCIceCandidateInit>(v["data"]["candidate"].clone())
            {
                let _ = pump_pc.add_ice_candidate(c).await;
            }
        }
    });
    while let Ok(Some(c)) =
        tokio::time::timeout(Duration::from_millis(500), sfu.candidates.recv()).await
    {
        peer.on_candidate(&c).await.expect("server candidate");
    }

    eventually("the SFU receives the client's mic", || {
        count(&sfu.got, "0") >= 20
    })
    .await;
    eventually("the SFU receives the client's camera", || {
        count(&sfu.got, "1") >= 20
    })
    .await;
    eventually("the client receives px's camera", || {
        shared
            .stats
            .streams()
            .iter()
            .any(|s| s.key.participant.as_deref() == Some("px") && s.unique >= 20)
    })
    .await;
    let streams = shared.stats.streams();
    let s = &streams[0];
    assert_eq!(s.key.source, Some(Source::Camera));
    assert_eq!(s.key.mid, "2");
    assert_eq!(s.mime_type.to_ascii_lowercase(), "video/vp8");
    assert!(s.latency_us.len() >= 20);

    // A PLI from the client reaches the SFU's sender; one from the SFU reaches the client's.
    peer.pc
        .write_rtcp(&[Box::new(PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc: s.key.ssrc,
        })])
        .await
        .expect("pli");
    eventually("the SFU sees the PLI", || plis.load(Ordering::SeqCst) >= 1).await;
    let cam_ssrc = sfu
        .ssrcs
        .lock()
        .expect("lock")
        .get("1")
        .copied()
        .expect("ssrc");
    assert!(shared
        .stats
        .senders()
        .iter()
        .any(|s| s.ssrc == cam_ssrc && s.source == Some(Source::Camera)));
    sfu.pc
        .write_rtcp(&[Box::new(PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc: cam_ssrc,
        })])
        .await
        .expect("pli to client");
    eventually("the client's camera sender sees the PLI", || {
        shared
            .stats
            .senders()
            .iter()
            .any(|s| s.source == Some(Source::Camera) && s.pli >= 1)
    })
    .await;
    pump.abort();
    peer.close().await;
    let _ = sfu.pc.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renegotiation_adds_a_forwarded_stream_and_a_publish_line() {
    let mut sfu = sfu().await;
    let cam = recvonly(&sfu.pc, RTPCodecType::Video, "camera m-line").await;
    let (tx, mut out) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared::new(
        Outbox {
            tx,
            topic: "video:test".into(),
        },
        MediaOptions::default(),
    ));
    let mut peer = Peer::new(shared.clone(), Vec::new(), 4)
        .await
        .expect("client peer");
    negotiate(
        &sfu,
        &mut peer,
        json!({"0": {"publish": "camera"}}),
        &mut out,
    )
    .await;
    assert_eq!(cam.mid().as_deref(), Some("0"));
    while let Ok(Some(c)) =
        tokio::time::timeout(Duration::from_millis(500), sfu.candidates.recv()).await
    {
        peer.on_candidate(&c).await.expect("server candidate");
    }
    eventually("camera flows", || count(&sfu.got, "0") >= 10).await;

    // Someone's microphone is forwarded, and the client may now publish its microphone too.
    let other_mic = Arc::new(TrackLocalStaticRTP::new(
        RTCRtpCodecCapability {
            mime_type: "audio/opus".into(),
            clock_rate: 48_000,
            channels: 2,
            ..Default::default()
        },
        "mic".into(),
        "py".into(),
    ));
    sfu.pc
        .add_transceiver_from_track(
            other_mic.clone(),
            Some(RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Sendonly,
                send_encodings: vec![],
            }),
        )
        .await
        .expect("forwarded mic");
    recvonly(&sfu.pc, RTPCodecType::Audio, "publish mic").await;
    {
        let track = other_mic.clone();
        tokio::spawn(async move {
            let mut a = AudioSynth::new(AudioShape::default(), 5);
            loop {
                let _ = track.write_rtp(&a.next_packet(now_micros())).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
    negotiate(
        &sfu,
        &mut peer,
        json!({"0": {"publish": "camera"}, "1": {"participant": "py", "source": "mic"}, "2": {"publish": "mic"}}),
        &mut out,
    )
    .await;
    eventually("the client receives py's mic", || {
        shared.stats.streams().iter().any(|s| {
            s.key.participant.as_deref() == Some("py")
                && s.key.source == Some(Source::Mic)
                && s.unique >= 10
        })
    })
    .await;
    eventually("the SFU receives the client's mic", || {
        count(&sfu.got, "2") >= 10
    })
    .await;
    let before = count(&sfu.got, "0");
    eventually("camera still flows", || count(&sfu.got, "0") >= before + 10).await;
    assert_eq!(shared.offers.load(Ordering::SeqCst), 2);
    assert!(shared.failures.lock().expect("lock").is_empty());
    peer.close().await;
    let _ = sfu.pc.close().await;
}
