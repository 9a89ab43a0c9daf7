//! CSRF tokens bound to the cookie they protect: HMAC(instance secret, cookie token). Nothing to
//! store, rotated with the session, and a forged or stale token never matches.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

#[derive(Clone)]
pub struct CsrfKey {
    secret: Vec<u8>,
}

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

impl CsrfKey {
    pub fn new(secret: Vec<u8>) -> Self {
        CsrfKey { secret }
    }

    pub fn token_for(&self, cookie_token: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return String::new();
        };
        mac.update(b"nichoir-csrf\0");
        mac.update(cookie_token.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn verify(&self, cookie_token: &str, presented: &str) -> bool {
        let expected = self.token_for(cookie_token);
        !expected.is_empty() && expected.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_to_cookie_and_key() {
        let k = CsrfKey::new(vec![1; 32]);
        let t = k.token_for("session-a");
        assert!(k.verify("session-a", &t));
        assert!(!k.verify("session-b", &t));
        assert!(!k.verify("session-a", ""));
        assert!(!CsrfKey::new(vec![2; 32]).verify("session-a", &t));
    }
}
