//! The client's address: the TCP peer, unless the peer is a configured proxy, in which case the
//! right-most address of X-Forwarded-For that is not itself a trusted proxy.

use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use ipnet::IpNet;

use crate::Ctx;

pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.iter().any(|n| n.contains(&peer)) {
        return Some(peer);
    }
    let Some(chain) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for part in chain.rsplit(',') {
        let Ok(ip) = part.trim().parse::<IpAddr>() else {
            // A garbled hop: stop trusting the chain here.
            return Some(last);
        };
        last = ip;
        if !trusted.iter().any(|n| n.contains(&ip)) {
            return Some(ip);
        }
    }
    Some(last)
}

/// Extractor: the client address as a string ("unknown" when there is no peer, e.g. in tests).
pub struct ClientIp(pub String);

impl FromRequest for ClientIp {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trusted = req
            .app_data::<web::Data<Ctx>>()
            .map(|c| c.trusted_proxies.clone())
            .unwrap_or_default();
        let xff = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let ip = client_ip(req.peer_addr().map(|a| a.ip()), xff, &trusted)
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into());
        std::future::ready(Ok(ClientIp(ip)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn forwarded_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32"
            .parse()
            .unwrap_or_else(|_| IpNet::from(ip("127.0.0.1")))];
        assert_eq!(
            client_ip(Some(ip("8.8.8.8")), Some("1.1.1.1"), &trusted),
            Some(ip("8.8.8.8"))
        );
        assert_eq!(
            client_ip(Some(ip("127.0.0.1")), Some("1.1.1.1"), &trusted),
            Some(ip("1.1.1.1"))
        );
        assert_eq!(
            client_ip(Some(ip("127.0.0.1")), Some("6.6.6.6, 1.1.1.1"), &trusted),
            Some(ip("1.1.1.1")),
            "a forged left-most entry is ignored"
        );
        assert_eq!(
            client_ip(Some(ip("127.0.0.1")), Some("garbage"), &trusted),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(
            client_ip(Some(ip("127.0.0.1")), None, &trusted),
            Some(ip("127.0.0.1"))
        );
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a client writes in X-Forwarded-For, the answer is the peer or an address
        /// that appears in the header, and an untrusted peer is never overridden.
        #[test]
        fn forwarded_for_never_panics_and_never_escapes(header in ".{0,120}", trusted_peer in any::<bool>()) {
            let peer: IpAddr = if trusted_peer { IpAddr::from([127, 0, 0, 1]) } else { IpAddr::from([9, 9, 9, 9]) };
            let trusted = vec![IpNet::from(IpAddr::from([127, 0, 0, 1]))];
            let got = client_ip(Some(peer), Some(&header), &trusted);
            prop_assert!(got.is_some());
            if !trusted_peer {
                prop_assert_eq!(got, Some(peer));
            } else if let Some(ip) = got {
                prop_assert!(ip == peer || header.contains(&ip.to_string()));
            }
        }
    }
}
