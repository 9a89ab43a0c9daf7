//! argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1), stored as PHC strings so the
//! parameters can rise later. Hashing runs on a few dedicated threads, because each hash takes
//! tens of milliseconds and ~19 MiB.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use nichoir_core::Error;

/// A hashing thread's working memory: 19 MiB of argon2 blocks, reused from one hash to the next
/// (allocating it per hash left ~100 MiB of freed-but-kept memory per thread in glibc's arenas).
type Blocks = Vec<Block>;

type Job = Box<dyn FnOnce(&mut Blocks) + Send>;

/// How long a hashing thread waits without work before it ends. Kept for good, the threads'
/// buffers were most of an idle server's memory (one per thread that ever worked); a burst of
/// logins reuses them, as its hashes come well within this of each other.
const IDLE_END: Duration = Duration::from_secs(10);

/// Longer than mimalloc's `purge_delay` (1 s): see [`Queue::work`].
const ALLOCATOR_PURGE_DELAY: Duration = Duration::from_millis(1500);

fn with_blocks<R>(blocks: &mut Blocks, count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    if blocks.len() < count {
        blocks.resize(count, Block::default());
    }
    f(&mut blocks[..count])
}

fn hash_phc(blocks: &mut Blocks, password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let a = argon();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        with_blocks(blocks, a.params().block_count(), |m| {
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

fn verify_phc(blocks: &mut Blocks, password: &[u8], phc: &str) -> bool {
    let mut check = || -> Option<bool> {
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
        with_blocks(blocks, a.params().block_count(), |m| {
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

/// A few dedicated hashing threads, started on demand. Not tokio's blocking pool: each hash
/// allocates ~19 MiB, and spreading those over dozens of pool threads (each with its own malloc
/// arena keeping freed memory) grew the server to gigabytes under a login burst. At most
/// `max_concurrent_hashes` threads bound both the concurrency and the memory held; a thread
/// without work for [`IDLE_END`] frees its buffer and ends (freeing alone did not give the
/// memory back: mimalloc returns freed pages only when next called, which an idle server is not;
/// it is called when a thread ends).
#[derive(Clone)]
pub(crate) struct Hasher {
    queue: Arc<Queue>,
    /// Dropped with the last clone: the threads then finish.
    _open: Arc<Open>,
    max_threads: usize,
    idle: Duration,
}

/// Jobs waiting for a hashing thread, under a condition variable rather than in a channel: each
/// thread waits with its own timeout (on a shared receiver, only the thread holding it could).
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<Job>,
    closed: bool,
    /// Threads alive, and of those, waiting for a job.
    threads: usize,
    waiting: usize,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn work(&self, idle: Duration) {
        // Declared first, dropped last: freed on this thread before it ends.
        let mut blocks = Blocks::new();
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                drop(state);
                job(&mut blocks);
                state = self.lock();
                continue;
            }
            if state.closed {
                state.threads -= 1;
                return;
            }
            state.waiting += 1;
            let (s, waited) = self
                .ready
                .wait_timeout(state, idle)
                .unwrap_or_else(PoisonError::into_inner);
            state = s;
            state.waiting -= 1;
            if waited.timed_out() && state.jobs.is_empty() {
                state.threads -= 1;
                drop(state);
                drop(std::mem::take(&mut blocks));
                // mimalloc returns freed pages a while (1 s) after the free, and only when it is
                // next called: ending the thread calls it, once that while is over.
                std::thread::sleep(ALLOCATOR_PURGE_DELAY);
                return;
            }
        }
    }
}

struct Open(Arc<Queue>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.ready.notify_all();
    }
}

impl Hasher {
    pub(crate) fn new(threads: usize) -> Self {
        Self::with_idle_end(threads, IDLE_END)
    }

    fn with_idle_end(max_threads: usize, idle: Duration) -> Self {
        let queue = Arc::new(Queue::default());
        Hasher {
            _open: Arc::new(Open(queue.clone())),
            queue,
            max_threads: max_threads.max(1),
            idle,
        }
    }

    fn submit(&self, job: Job) -> Result<(), Error> {
        let (start, number) = {
            let mut state = self.queue.lock();
            state.jobs.push_back(job);
            let start = state.waiting == 0 && state.threads < self.max_threads;
            if start {
                state.threads += 1;
            }
            (start, state.threads)
        };
        if !start {
            self.queue.ready.notify_one();
            return Ok(());
        }
        let q = self.queue.clone();
        let idle = self.idle;
        let spawned = std::thread::Builder::new()
            .name(format!("nichoir-argon2-{}", number - 1))
            .spawn(move || q.work(idle));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a password hashing thread");
            let mut state = self.queue.lock();
            state.threads -= 1;
            if state.threads == 0 {
                // Nobody would run them: their callers get an error instead of waiting forever.
                state.jobs.clear();
                return Err(Error::internal("cannot start a password hashing thread"));
            }
        }
        Ok(())
    }

    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Blocks) -> R + Send + 'static,
    ) -> Result<R, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(Box::new(move |blocks: &mut Blocks| {
            let _ = tx.send(f(blocks));
        }))?;
        rx.await
            .map_err(|_| Error::internal("password hashing failed"))
    }

    pub(crate) async fn hash(&self, password: String) -> Result<String, Error> {
        self.run(move |b| hash_phc(b, password.as_bytes()).map_err(Error::internal))
            .await?
    }

    /// `stored` None means "no such user": the answer is false after the same work.
    pub(crate) async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, Error> {
        self.run(move |b| match stored {
            Some(phc) => verify_phc(b, password.as_bytes(), &phc),
            None => {
                // Unknown user: spend the same time hashing, so timing does not tell which
                // usernames exist.
                let _ = hash_phc(b, password.as_bytes());
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
        let mut b = Blocks::new();
        let stock = argon()
            .hash_password(b"pa55word!", &SaltString::generate(&mut OsRng))
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify_phc(&mut b, b"pa55word!", &stock));
        assert!(!verify_phc(&mut b, b"pa55word?", &stock));
        let ours = hash_phc(&mut b, b"pa55word!").unwrap_or_default();
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

    #[tokio::test]
    async fn threads_start_on_demand_and_end_when_idle() -> Result<(), Error> {
        let idle = Duration::from_millis(600);
        let h = Hasher::with_idle_end(2, idle);
        let threads = || h.queue.lock().threads;
        assert_eq!(threads(), 0);
        // Five at once: no more threads than allowed.
        let (a, b, c, d, e) = tokio::join!(
            h.hash("one".into()),
            h.hash("two".into()),
            h.hash("three".into()),
            h.hash("four".into()),
            h.hash("five".into())
        );
        let phc = a?;
        let _ = (b?, c?, d?, e?);
        assert!((1..=2).contains(&threads()), "{}", threads());
        // One hash after another, each sooner than the idle delay: a thread stays.
        for _ in 0..4 {
            tokio::time::sleep(idle / 3).await;
            assert!(h.verify("one".into(), Some(phc.clone())).await?);
            assert!((1..=2).contains(&threads()));
        }
        // Quiet for longer than the delay: every thread ends, with its buffer...
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while threads() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "{} threads left",
                threads()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // ...and the next hash starts one again.
        assert!(h.verify("one".into(), Some(phc)).await?);
        assert_eq!(threads(), 1);
        Ok(())
    }

    #[tokio::test]
    async fn threads_end_with_the_last_hasher() -> Result<(), Error> {
        let h = Hasher::with_idle_end(2, Duration::from_secs(60));
        let queue = h.queue.clone();
        let _ = h.clone().hash("x".into()).await?;
        assert_eq!(queue.lock().threads, 1);
        drop(h);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while queue.lock().threads > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "threads still running"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}
