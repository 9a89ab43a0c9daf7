//! argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1), stored as PHC strings so the
//! parameters can rise later. Hashing runs on a few dedicated threads, because each hash takes
//! tens of milliseconds and ~19 MiB.

use std::sync::Arc;

use std::cell::RefCell;

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use nichoir_core::Error;

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// The 19 MiB of argon2 working memory, allocated once per hashing thread and reused:
    /// allocating it per hash left ~100 MiB of freed-but-kept memory per thread in malloc arenas.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn with_blocks<R>(count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    BLOCKS.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < count {
            b.resize(count, Block::default());
        }
        f(&mut b[..count])
    })
}

fn hash_phc(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let a = argon();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        with_blocks(a.params().block_count(), |m| {
            a.hash_password_into_with_memory(password, salt_bytes, out, m)
        })
        .map_err(argon2::password_hash::Error::from)
    })?;
    Ok(PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(a.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

fn verify_phc(password: &[u8], phc: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(phc).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .ok()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt_buf = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt_buf).ok()?;
        let a = Argon2::new(algorithm, version, params);
        let mut out = vec![0u8; expected.len()];
        with_blocks(a.params().block_count(), |m| {
            a.hash_password_into_with_memory(password, salt, &mut out, m)
        })
        .ok()?;
        // Output's equality is constant-time.
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
}

fn argon() -> Argon2<'static> {
    // These constants are valid for Params::new; fall back to the crate default (also argon2id)
    // rather than panic if a future version tightens them.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A few dedicated hashing threads. Not tokio's blocking pool: each hash allocates ~19 MiB, and
/// spreading those over dozens of pool threads (each with its own malloc arena keeping freed
/// memory) grew the server to gigabytes under a login burst. A fixed set of threads bounds both
/// the concurrency and the memory held.
#[derive(Clone)]
pub(crate) struct Hasher {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Hasher {
    pub(crate) fn new(threads: usize) -> Self {
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("nichoir-argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // every Hasher is gone
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Hasher { jobs }
    }

    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| Error::internal("password hashing threads are gone"))?;
        rx.await
            .map_err(|_| Error::internal("password hashing failed"))
    }

    pub(crate) async fn hash(&self, password: String) -> Result<String, Error> {
        self.run(move || hash_phc(password.as_bytes()).map_err(Error::internal))
            .await?
    }

    /// `stored` None means "no such user": the answer is false after the same work.
    pub(crate) async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, Error> {
        self.run(move || match stored {
            Some(phc) => verify_phc(password.as_bytes(), &phc),
            None => {
                // Unknown user: spend the same time hashing, so timing does not tell which
                // usernames exist.
                let _ = hash_phc(password.as_bytes());
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interoperates_with_the_stock_phc_implementation() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let stock = argon()
            .hash_password(b"pa55word!", &SaltString::generate(&mut OsRng))
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify_phc(b"pa55word!", &stock));
        assert!(!verify_phc(b"pa55word?", &stock));
        let ours = hash_phc(b"pa55word!").unwrap_or_default();
        let parsed = PasswordHash::new(&ours).expect("our PHC parses");
        assert!(argon().verify_password(b"pa55word!", &parsed).is_ok());
    }

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
