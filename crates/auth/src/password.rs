//! argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1), stored as PHC strings so the
//! parameters can rise later. Hashing runs on blocking threads, a few at a time, because each
//! hash takes tens of milliseconds and ~19 MiB.

use std::sync::Arc;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use nichoir_core::Error;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub(crate) struct Hasher {
    permits: Arc<Semaphore>,
}

fn argon() -> Argon2<'static> {
    // These constants are valid for Params::new; fall back to the crate default (also argon2id)
    // rather than panic if a future version tightens them.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Hasher {
    pub(crate) fn new(max_concurrent: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    pub(crate) async fn hash(&self, password: String) -> Result<String, Error> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(Error::internal)
        })
        .await
        .map_err(Error::internal)?
    }

    /// `stored` None means "no such user": the dummy hash is checked and the answer is false.
    pub(crate) async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, Error> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        tokio::task::spawn_blocking(move || {
            let Some(phc) = stored else {
                // Unknown user: spend the same time hashing, so timing does not tell which
                // usernames exist.
                let _ =
                    argon().hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
                return Ok(false);
            };
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return Ok(false);
            };
            let ok = argon()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(ok)
        })
        .await
        .map_err(Error::internal)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() -> Result<(), Error> {
        let h = Hasher::new(2);
        let phc = h.hash("correct horse".into()).await?;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify("correct horse".into(), Some(phc.clone())).await?);
        assert!(!h.verify("wrong horse".into(), Some(phc)).await?);
        assert!(!h.verify("anything".into(), None).await?);
        assert!(!h.verify("x".into(), Some("not a phc".into())).await?);
        Ok(())
    }
}
