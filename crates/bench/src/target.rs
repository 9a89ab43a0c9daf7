//! The benchmark target: a base URL that must point at this machine's loopback interface.
//!
//! This workplace forbids generating load against any other address, so the check is strict:
//! the host must be `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`. `localhost` is pinned
//! to 127.0.0.1 when the HTTP client is built, so name resolution cannot send load elsewhere.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{bail, Context, Result};
use reqwest::Url;

/// A validated loopback base URL.
#[derive(Debug, Clone)]
pub struct Target {
    base: Url,
    port: u16,
    /// Set when the host is the name `localhost`: the address the client must use for it.
    pinned: Option<(String, SocketAddr)>,
}

impl Target {
    /// Parses and validates `raw`; refuses anything that is not a plain loopback http(s) URL.
    pub fn parse(raw: &str) -> Result<Self> {
        let base = Url::parse(raw).with_context(|| format!("invalid --url {raw:?}"))?;
        match base.scheme() {
            "http" | "https" => {}
            other => bail!("unsupported URL scheme {other:?} in --url (use http:// or https://)"),
        }
        let host = base
            .host_str()
            .with_context(|| format!("--url {raw:?} has no host"))?
            .to_owned();
        if !is_loopback_host(&host) {
            bail!(
                "refusing to benchmark {host:?}: nichoir-bench only targets loopback addresses \
                 (localhost, 127.0.0.0/8, ::1); generating load against any other address is \
                 forbidden here"
            );
        }
        let port = base
            .port_or_known_default()
            .with_context(|| format!("--url {raw:?} has no port"))?;
        let pinned = if host.parse::<IpAddr>().is_err() && !host.starts_with('[') {
            Some((host, SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)))
        } else {
            None
        };
        Ok(Self { base, port, pinned })
    }

    /// The TCP port of the target, used to find the server process.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL as given (normalised).
    pub fn as_str(&self) -> &str {
        self.base.as_str()
    }

    /// `path` (starting with `/`) appended to the base URL, keeping any path prefix of the base.
    pub fn endpoint(&self, path: &str) -> String {
        let base = self.base.as_str().trim_end_matches('/');
        format!("{base}/{}", path.trim_start_matches('/'))
    }

    /// `path` on the target as a WebSocket URL (`ws://`, or `wss://` for an https base).
    pub fn ws_endpoint(&self, path: &str) -> String {
        let http = self.endpoint(path);
        match http.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => format!("ws://{}", http.trim_start_matches("http://")),
        }
    }

    /// True for an https base URL.
    pub fn is_tls(&self) -> bool {
        self.base.scheme() == "https"
    }

    /// The loopback address to open raw TCP connections to (WebSocket clients connect through
    /// it, so that they too can never reach another host).
    pub fn socket_addr(&self) -> Result<SocketAddr> {
        if let Some((_, addr)) = &self.pinned {
            return Ok(*addr);
        }
        let host = self.base.host_str().unwrap_or("");
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let ip: IpAddr = bare
            .parse()
            .with_context(|| format!("host {host:?} is not an IP address"))?;
        if !is_loopback_host(host) {
            bail!("refusing to connect to {host:?}: not a loopback address");
        }
        Ok(SocketAddr::new(ip, self.port))
    }

    /// A client builder that can only reach the loopback target: no proxy, no redirects, and
    /// `localhost` pinned to 127.0.0.1.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .connect_timeout(std::time::Duration::from_secs(5));
        if let Some((name, addr)) = &self.pinned {
            builder = builder.resolve(name, *addr);
        }
        builder
    }
}

/// True when `host` (as in a URL: IPv6 may be bracketed) is a loopback host we accept.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.octets()[0] == 127,
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.octets()[0] == 127)
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "127.0.0.1",
            "127.1.2.3",
            "127.255.255.254",
            "::1",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback_host(h), "{h} should be accepted");
        }
    }

    #[test]
    fn refuses_other_hosts() {
        for h in [
            "example.com",
            "localhost.example.com",
            "mylocalhost",
            "0.0.0.0",
            "10.0.0.1",
            "128.0.0.1",
            "192.168.1.1",
            "::",
            "[::2]",
            "[fe80::1]",
            "[::ffff:10.0.0.1]",
            "",
        ] {
            assert!(!is_loopback_host(h), "{h} should be refused");
        }
    }

    #[test]
    fn parses_urls() {
        let t = Target::parse("http://127.0.0.1:8080").expect("loopback URL");
        assert_eq!(t.port(), 8080);
        assert_eq!(t.endpoint("/healthz"), "http://127.0.0.1:8080/healthz");
        assert!(t.pinned.is_none());

        let t = Target::parse("http://localhost/prefix/").expect("localhost URL");
        assert_eq!(t.port(), 80);
        assert_eq!(
            t.endpoint("/api/v1/me"),
            "http://localhost/prefix/api/v1/me"
        );
        assert!(t.pinned.is_some());

        let t = Target::parse("https://[::1]:9443").expect("ipv6 URL");
        assert_eq!(t.port(), 9443);
        assert!(t.pinned.is_none());
        assert!(t.is_tls());
        assert_eq!(t.ws_endpoint("/api/v1/ws"), "wss://[::1]:9443/api/v1/ws");
        assert_eq!(
            t.socket_addr().expect("addr"),
            "[::1]:9443".parse::<SocketAddr>().expect("addr")
        );

        let t = Target::parse("http://localhost:8080/").expect("localhost URL");
        assert_eq!(t.ws_endpoint("/api/v1/ws"), "ws://localhost:8080/api/v1/ws");
        assert_eq!(
            t.socket_addr().expect("addr"),
            "127.0.0.1:8080".parse::<SocketAddr>().expect("addr")
        );
        let t = Target::parse("http://127.0.0.2:81").expect("loopback URL");
        assert!(!t.is_tls());
        assert_eq!(
            t.socket_addr().expect("addr"),
            "127.0.0.2:81".parse::<SocketAddr>().expect("addr")
        );

        // The url crate normalises odd IPv4 spellings; they are checked after normalisation.
        let t = Target::parse("http://2130706433:8080/").expect("decimal 127.0.0.1");
        assert_eq!(t.endpoint("healthz"), "http://127.0.0.1:8080/healthz");
    }

    #[test]
    fn refuses_remote_and_odd_urls() {
        for u in [
            "http://example.com:8080",
            "http://10.1.2.3",
            "http://0.0.0.0:8080",
            "ftp://127.0.0.1/",
            "127.0.0.1:8080",
            "http://localhost.evil.test/",
            "http://127.0.0.1.nip.io/",
        ] {
            let err = Target::parse(u).expect_err(u);
            let msg = format!("{err:#}");
            assert!(!msg.is_empty());
        }
        let err = Target::parse("http://192.0.2.1:8080").expect_err("remote");
        assert!(format!("{err:#}").contains("only targets loopback"));
    }
}
