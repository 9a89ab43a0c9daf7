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
        settings.set_include_loopback_candidate(include_loopback);
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
