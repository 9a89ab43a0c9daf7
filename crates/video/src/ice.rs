//! The STUN/TURN servers handed to browsers. With `video.turn_secret` set, TURN gets time-limited
//! credentials in coturn's "TURN REST API" form (`use-auth-secret`): the username is
//! `<expiry unix time>:<who>`, the password base64(HMAC-SHA1(secret, username)).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use nichoir_core::config::VideoConfig;
use sha1::Sha1;

pub use crate::api::IceServer;

/// How long TURN credentials stay valid: a long meeting must not lose its relay.
pub const TURN_CREDENTIAL_SECS: i64 = 12 * 3600;

/// The servers for `who` (an actor id) at `now_unix`.
pub fn ice_servers(config: &VideoConfig, who: &str, now_unix: i64) -> Vec<IceServer> {
    let mut out = Vec::new();
    if !config.stun_servers.is_empty() {
        out.push(IceServer {
            urls: config.stun_servers.clone(),
            username: None,
            credential: None,
        });
    }
    if !config.turn_servers.is_empty() {
        let (username, credential) = if config.turn_secret.is_empty() {
            (None, None)
        } else {
            let user = format!("{}:{who}", now_unix + TURN_CREDENTIAL_SECS);
            let pass = turn_password(&config.turn_secret, &user);
            (Some(user), Some(pass))
        };
        out.push(IceServer {
            urls: config.turn_servers.clone(),
            username,
            credential,
        });
    }
    out
}

pub fn turn_password(secret: &str, username: &str) -> String {
    // HMAC takes a key of any length: new_from_slice cannot fail for it.
    match Hmac::<Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(username.as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_configured_gives_none() {
        assert!(ice_servers(&VideoConfig::default(), "g_1", 0).is_empty());
    }

    #[test]
    fn turn_rest_credentials() {
        let config = VideoConfig {
            stun_servers: vec!["stun:stun.example.org:3478".into()],
            turn_servers: vec!["turn:turn.example.org:3478?transport=udp".into()],
            turn_secret: "north".into(),
            ..VideoConfig::default()
        };
        let s = ice_servers(&config, "u_ana", 1_000);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].username, None);
        let user = s[1].username.clone().expect("username");
        assert_eq!(user, format!("{}:u_ana", 1_000 + TURN_CREDENTIAL_SECS));
        // The value coturn computes for the same secret and username.
        assert_eq!(
            s[1].credential.as_deref(),
            Some(turn_password("north", &user).as_str())
        );
        assert_eq!(
            turn_password("north", "1700000000:ana"),
            "/V6vMibmvRAPIMy3tyPu2GxFkDI="
        );
    }
}
