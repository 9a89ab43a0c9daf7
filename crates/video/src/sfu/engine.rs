//! The media engine: one webrtc-rs `API` whose peer connections all share one UDP socket (ICE UDP
//! mux: one port to open in a firewall), VP8 + Opus by default, NACK/RTCP-report interceptors,
//! and a runtime of its own so that media never waits behind HTTP work on actix's workers.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use nichoir_core::config::VideoConfig;
use nichoir_core::Error;
use webrtc::api::interceptor_registry::register_default_interceptors;
use webrtc::api::media_engine::{MediaEngine, MIME_TYPE_OPUS, MIME_TYPE_VP8};
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::{APIBuilder, API};
use webrtc::ice::network_type::NetworkType;
use webrtc::ice::udp_mux::{UDPMuxDefault, UDPMuxParams};
use webrtc::ice::udp_network::UDPNetwork;
use webrtc::ice_transport::ice_candidate_type::RTCIceCandidateType;
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtp_transceiver::rtp_codec::{
    RTCRtpCodecCapability, RTCRtpCodecParameters, RTPCodecType,
};
use webrtc::rtp_transceiver::RTCPFeedback;

pub struct Engine {
    api: API,
    pub udp_port: u16,
}

impl Engine {
    /// Binds the UDP socket. `include_loopback` announces 127.0.0.1 candidates too (a local
    /// instance, where browsers on the same machine may reach nothing else).
    pub async fn start(config: &VideoConfig, include_loopback: bool) -> Result<Engine, Error> {
        let ip: IpAddr = config
            .udp_bind
            .parse()
            .map_err(|_| Error::internal("video.udp_bind is not an IP address"))?;
        let port = u16::try_from(config.udp_port)
            .map_err(|_| Error::internal("video.udp_port is not a port"))?;
        let socket = bind_udp(SocketAddr::new(ip, port))
            .map_err(|e| Error::internal(format!("video: cannot bind UDP {ip}:{port}: {e}")))?;
        let udp_port = socket
            .local_addr()
            .map_err(|e| Error::internal(format!("video: {e}")))?
            .port();
        let mux = UDPMuxDefault::new(UDPMuxParams::new(socket));

        let mut media = MediaEngine::default();
        register_codecs(&mut media).map_err(|e| Error::internal(format!("video codecs: {e}")))?;
        let registry = register_default_interceptors(Registry::new(), &mut media)
            .map_err(|e| Error::internal(format!("video interceptors: {e}")))?;
        let mut settings = SettingEngine::default();
        settings.set_udp_network(UDPNetwork::Muxed(mux));
        // webrtc-ice gives every local address its own candidate, all reading the one muxed
        // connection, and drops media that reaches a candidate of the other IP family than the
        // sender's (an IPv6 candidate "sees" an IPv4 sender as unknown). Announcing only the
        // socket's family keeps every packet: with both, a third to half of them were lost.
        settings.set_network_types(vec![if ip.is_ipv4() {
            NetworkType::Udp4
        } else {
            NetworkType::Udp6
        }]);
        // A socket bound to one address receives nothing sent to the others: announce it alone.
        if !ip.is_unspecified() {
            settings.set_ip_filter(Box::new(move |candidate: IpAddr| candidate == ip));
        }
        settings.set_include_loopback_candidate(include_loopback || ip.is_loopback());
        if !config.public_ip.is_empty() {
            settings.set_nat_1to1_ips(vec![config.public_ip.clone()], RTCIceCandidateType::Host);
        }
        let api = APIBuilder::new()
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .build();
        Ok(Engine { api, udp_port })
    }

    /// A peer connection for one participant. The server needs no STUN/TURN of its own: it has
    /// the public address (or `video.public_ip`); browsers get the configured servers.
    pub async fn peer_connection(&self) -> Result<Arc<RTCPeerConnection>, Error> {
        let pc = self
            .api
            .new_peer_connection(RTCConfiguration::default())
            .await
            .map_err(|e| Error::internal(format!("video: peer connection: {e}")))?;
        Ok(Arc::new(pc))
    }
}

/// VP8 and Opus only: every browser has both, and a forwarded track must be decodable by every
/// subscriber, so letting one publisher pick H.264 or AV1 would leave others with a black tile.
fn register_codecs(media: &mut MediaEngine) -> Result<(), webrtc::Error> {
    let feedback = |typ: &str, parameter: &str| RTCPFeedback {
        typ: typ.to_owned(),
        parameter: parameter.to_owned(),
    };
    media.register_codec(
        RTCRtpCodecParameters {
            capability: RTCRtpCodecCapability {
                mime_type: MIME_TYPE_VP8.to_owned(),
                clock_rate: 90_000,
                channels: 0,
                sdp_fmtp_line: String::new(),
                rtcp_feedback: vec![
                    feedback("goog-remb", ""),
                    feedback("ccm", "fir"),
                    feedback("nack", ""),
                    feedback("nack", "pli"),
                ],
            },
            payload_type: 96,
            ..Default::default()
        },
        RTPCodecType::Video,
    )?;
    media.register_codec(
        RTCRtpCodecParameters {
            capability: RTCRtpCodecCapability {
                mime_type: MIME_TYPE_OPUS.to_owned(),
                clock_rate: 48_000,
                channels: 2,
                sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
                rtcp_feedback: Vec::new(),
            },
            payload_type: 111,
            ..Default::default()
        },
        RTPCodecType::Audio,
    )
}

/// Every participant's media arrives on this one socket: the kernel's default receive buffer
/// (about 200 KB) overflows within milliseconds when the SFU is briefly busy, so ask for 8 MB
/// (the kernel caps it at net.core.rmem_max).
fn bind_udp(addr: SocketAddr) -> std::io::Result<tokio::net::UdpSocket> {
    let domain = socket2::Domain::for_address(addr);
    let socket = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    if let Err(e) = socket.set_recv_buffer_size(8 * 1024 * 1024) {
        tracing::debug!("video: receive buffer not raised: {e}");
    }
    if let Err(e) = socket.set_send_buffer_size(8 * 1024 * 1024) {
        tracing::debug!("video: send buffer not raised: {e}");
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    tokio::net::UdpSocket::from_std(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's offer for one audio and one video track, its socket bound to `bind`, once
    /// its candidates are gathered.
    async fn offer(bind: &str, include_loopback: bool) -> String {
        let config = VideoConfig {
            udp_bind: bind.into(),
            ..VideoConfig::default()
        };
        let engine = Engine::start(&config, include_loopback)
            .await
            .expect("engine");
        let pc = engine.peer_connection().await.expect("peer connection");
        for kind in [RTPCodecType::Audio, RTPCodecType::Video] {
            pc.add_transceiver_from_kind(kind, None)
                .await
                .expect("transceiver");
        }
        let offer = pc.create_offer(None).await.expect("offer");
        let mut gathered = pc.gathering_complete_promise().await;
        pc.set_local_description(offer)
            .await
            .expect("local description");
        let _ = gathered.recv().await;
        let sdp = pc.local_description().await.expect("description").sdp;
        let _ = pc.close().await;
        sdp
    }

    /// The addresses of the host candidates in the first media section of the offer.
    async fn offered_addresses(bind: &str, include_loopback: bool) -> Vec<IpAddr> {
        let sdp = offer(bind, include_loopback).await;
        let first_section = sdp.split("\r\nm=").nth(1).expect("a media section");
        first_section
            .lines()
            .filter(|l| l.starts_with("a=candidate:"))
            .map(|l| l.split(' ').collect::<Vec<_>>())
            // Each candidate is listed again for RTCP (component 2), which shares its port.
            .filter(|fields| fields.get(1) == Some(&"1"))
            .map(|fields| {
                let address = fields.get(4).expect("candidate address");
                address.parse().expect("an IP address, not a hostname")
            })
            .collect()
    }

    // The bench lost a third of all media while an IPv6 candidate shared the IPv4 socket.
    #[tokio::test]
    async fn candidates_are_of_the_socket_family_only() {
        let addresses = offered_addresses("0.0.0.0", true).await;

        assert!(!addresses.is_empty());
        assert!(
            addresses.iter().all(IpAddr::is_ipv4),
            "IPv4 socket, offered {addresses:?}"
        );
    }

    #[tokio::test]
    async fn a_socket_bound_to_one_address_announces_that_address() {
        let addresses = offered_addresses("127.0.0.1", false).await;
        assert_eq!(addresses, vec![IpAddr::from([127, 0, 0, 1])]);
    }

    #[tokio::test]
    async fn offers_vp8_and_opus_only() {
        let sdp = offer("127.0.0.1", false).await;
        let media: Vec<&str> = sdp.lines().filter(|l| l.starts_with("m=")).collect();
        assert_eq!(media.len(), 2, "{sdp}");
        assert!(media[0].ends_with(" 111"), "{}", media[0]);
        assert!(media[1].ends_with(" 96"), "{}", media[1]);
        let codecs: Vec<&str> = sdp.lines().filter(|l| l.starts_with("a=rtpmap:")).collect();
        assert_eq!(
            codecs,
            vec!["a=rtpmap:111 opus/48000/2", "a=rtpmap:96 VP8/90000"]
        );
        assert!(sdp.contains("a=rtcp-fb:96 nack pli"), "{sdp}");
    }
}
