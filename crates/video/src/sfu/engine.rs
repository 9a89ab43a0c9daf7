//! The media engine: one webrtc-rs `API` whose peer connections all share one UDP socket (ICE UDP
//! mux: one port to open in a firewall), VP8 + Opus by default, NACK/RTCP-report interceptors,
//! and a runtime of its own so that media never waits behind HTTP work on actix's workers.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use nichoir_core::config::VideoConfig;
use nichoir_core::Error;
use webrtc::api::interceptor_registry::register_default_interceptors;
use webrtc::api::media_engine::MediaEngine;
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::{APIBuilder, API};
use webrtc::ice::network_type::NetworkType;
use webrtc::ice::udp_mux::{UDPMuxDefault, UDPMuxParams};
use webrtc::ice::udp_network::UDPNetwork;
use webrtc::ice_transport::ice_candidate_type::RTCIceCandidateType;
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::RTCPeerConnection;

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
        media
            .register_default_codecs()
            .map_err(|e| Error::internal(format!("video codecs: {e}")))?;
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
    use std::net::IpAddr;

    use webrtc::rtp_transceiver::rtp_codec::RTPCodecType;

    use super::*;

    /// The addresses of the host candidates the server offers when its socket is bound to `bind`.
    async fn offered_addresses(bind: &str, include_loopback: bool) -> Vec<IpAddr> {
        let config = VideoConfig {
            udp_bind: bind.into(),
            ..VideoConfig::default()
        };
        let engine = Engine::start(&config, include_loopback)
            .await
            .expect("engine");
        let pc = engine.peer_connection().await.expect("peer connection");
        pc.add_transceiver_from_kind(RTPCodecType::Audio, None)
            .await
            .expect("transceiver");
        let offer = pc.create_offer(None).await.expect("offer");
        let mut gathered = pc.gathering_complete_promise().await;
        pc.set_local_description(offer)
            .await
            .expect("local description");
        let _ = gathered.recv().await;
        let sdp = pc.local_description().await.expect("description").sdp;
        let _ = pc.close().await;
        sdp.lines()
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
}
