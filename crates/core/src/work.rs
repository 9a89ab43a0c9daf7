//! Bounded CPU work on input: every render, conversion and import parse runs through [`run`] (from
//! async code) or [`run_blocking`] (from a thread that may block: the database writer, a blocking
//! task), on a small dedicated pool of threads with a large, known stack.
//!
//! Why a pool of its own: actix runs each worker single-threaded, so a slow render on a worker
//! stalls every request queued behind it; tokio's blocking pool has 2 MiB stacks and no bound
//! that matters here. This pool has [`STACK_BYTES`] per thread (recursion inside html5ever, htmd
//! or serde is bounded well below it by the depth limits of [`crate::limits`], so an overflow is
//! impossible by construction), a bounded queue (a burst answers 503 instead of piling up), a
//! deadline per job, and `catch_unwind` so a panic answers 500 instead of ending the process.
//!
//! A thread cannot be killed, so the deadline is enforced twice: the caller stops waiting when it
//! passes (the request answers at once), and the job itself polls [`over_budget`] in its loops so
//! it stops soon after. The depth and size limits keep every job linear, so the second half is a
//! backstop.

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::{Error, ErrorCode};

/// Stack of each pool thread. The deepest walk allowed by the limits uses a small fraction of it.
pub const STACK_BYTES: usize = 32 * 1024 * 1024;

/// Jobs waiting per pool thread before new ones are refused with 503.
const QUEUE_PER_THREAD: usize = 32;

/// How long a job may wait for a thread before it is refused with 503. The deadline counts
/// from when a thread takes the job: it bounds the work an input causes, and a legitimate
/// message must not be refused as "too long" because the machine was busy (a loaded 2-core
/// host, a browser test beside the server).
const MAX_QUEUE_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    pub threads: usize,
    pub timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            threads: default_threads(),
            timeout: Duration::from_millis(1000),
        }
    }
}

/// Half the cores, at least two: renders leave cores to the rest of the server on a large
/// machine, and one slow job never makes every other wait on a small one.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(2))
        .unwrap_or(2)
}

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    settings: PoolSettings,
    queue: SyncSender<Job>,
}

static POOL: OnceLock<Pool> = OnceLock::new();

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets the pool's size and deadline; called once at start-up, before the first job. Later calls
/// (tests starting several servers in one process) keep the first settings.
pub fn configure(settings: PoolSettings) {
    let _ = pool_with(settings);
}

fn pool() -> &'static Pool {
    // Not `pool_with(PoolSettings::default())`: the default asks the system for its cores (files
    // read under /sys and /proc), and that was done at every job of a busy server.
    match POOL.get() {
        Some(pool) => pool,
        None => pool_with(PoolSettings::default()),
    }
}

fn pool_with(settings: PoolSettings) -> &'static Pool {
    POOL.get_or_init(|| {
        let threads = settings.threads.max(1);
        let (queue, jobs) = mpsc::sync_channel::<Job>(threads * QUEUE_PER_THREAD);
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..threads {
            let jobs = Arc::clone(&jobs);
            let spawned = std::thread::Builder::new()
                .name(format!("nichoir-work-{n}"))
                .stack_size(STACK_BYTES)
                .spawn(move || worker(&jobs));
            if let Err(e) = spawned {
                eprintln!("cannot start a work thread: {e}");
            }
        }
        Pool { settings, queue }
    })
}

fn worker(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            // A job never runs under the lock, so the lock cannot be poisoned by one.
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            // The job catches its own panics, so the thread lives on.
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// The pool's deadline per job.
pub fn timeout() -> Duration {
    pool().settings.timeout
}

/// Whether the job running on this thread has passed its deadline: loops over input call it every
/// few hundred steps and give up with [`exceeded`]. Always false outside the pool.
pub fn over_budget() -> bool {
    DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() >= at))
}

/// The error for a job past its deadline: the input, not the server, is at fault (the size and
/// depth limits make legal input fast), so 422 naming the limit.
pub fn exceeded() -> Error {
    Error::validation(format!(
        "processing this input took longer than the {} ms limit; make it smaller or simpler",
        timeout().as_millis()
    ))
}

fn busy() -> Error {
    Error {
        code: ErrorCode::Unavailable,
        message: "the server is busy processing other documents; retry in a moment".into(),
        retry_after_secs: Some(1),
        invalid: None,
    }
}

/// The text a panic carried (`panic!("…")` gives a `&str` or a `String`): for the log of every
/// place that catches one (this pool, the database writer and read pool, request handlers).
pub fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

fn panicked(payload: Box<dyn Any + Send>) -> Error {
    Error::internal(format!(
        "a work job panicked: {}",
        panic_text(payload.as_ref())
    ))
}

/// Queues `job`, whose answer goes to `answer` (dropped unread when the caller stopped waiting).
/// `started` is set when a thread takes the job: a deadline that passes before is the server's
/// fault (busy, 503), after it the input's (422).
fn submit<T, F>(
    job: F,
    started: Arc<AtomicBool>,
    answer: impl FnOnce(Result<T, Error>) + Send + 'static,
) -> Result<(), Error>
where
    F: FnOnce() -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool();
    let timeout = pool.settings.timeout;
    let queued_at = Instant::now();
    let boxed: Job = Box::new(move || {
        let now = Instant::now();
        if now >= queued_at + MAX_QUEUE_WAIT {
            // The caller gave up while this waited in the queue.
            return answer(Err(busy()));
        }
        let deadline = now + timeout;
        started.store(true, Ordering::Release);
        DEADLINE.with(|d| d.set(Some(deadline)));
        let result = catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|p| Err(panicked(p)));
        DEADLINE.with(|d| d.set(None));
        answer(result);
    });
    match pool.queue.try_send(boxed) {
        Ok(()) => Ok(()),
        Err(TrySendError::Full(_)) => Err(busy()),
        Err(TrySendError::Disconnected(_)) => Err(Error::internal("the work pool is gone")),
    }
}

fn timed_out(started: &AtomicBool) -> Error {
    if started.load(Ordering::Acquire) {
        exceeded()
    } else {
        busy()
    }
}

/// Runs `job` on the pool: the job's answer, or 422 ([`exceeded`]) when it ran past its deadline
/// (counted from when a thread took it), or 503 when it got no thread within `MAX_QUEUE_WAIT`.
/// The async worker only awaits.
pub async fn run<T, F>(job: F) -> Result<T, Error>
where
    F: FnOnce() -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let started = Arc::new(AtomicBool::new(false));
    submit(job, Arc::clone(&started), move |r| {
        let _ = tx.send(r);
    })?;
    match tokio::time::timeout(MAX_QUEUE_WAIT + timeout(), rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(Error::internal("a work job vanished")),
        Err(_) => Err(timed_out(&started)),
    }
}

/// As [`run`], for a caller on a thread that may block (the database writer, a blocking task).
/// Never call it from a pool thread: a full pool would then wait on itself until the deadline.
pub fn run_blocking<T, F>(job: F) -> Result<T, Error>
where
    F: FnOnce() -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    let started = Arc::new(AtomicBool::new(false));
    submit(job, Arc::clone(&started), move |r| {
        let _ = tx.send(r);
    })?;
    match rx.recv_timeout(MAX_QUEUE_WAIT + timeout()) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(timed_out(&started)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::internal("a work job vanished")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests share the process's pool: enough threads that one test's long job does not make
    /// another's wait past the deadline.
    fn setup() {
        configure(PoolSettings {
            threads: 4,
            timeout: Duration::from_millis(2000),
        });
    }

    fn deep(n: u64) -> u64 {
        // Recursion that a 2 MiB stack would not survive at this depth in a debug build.
        let pad = [n; 64];
        if n == 0 {
            0
        } else {
            std::hint::black_box(pad)[0] + deep(n - 1) - n + 1
        }
    }

    #[test]
    fn jobs_run_with_a_large_stack() {
        setup();
        let r = run_blocking(|| Ok(deep(20_000)));
        assert_eq!(r.ok(), Some(20_000));
    }

    #[test]
    fn a_panic_is_an_internal_error_and_the_pool_lives_on() {
        setup();
        let r: Result<(), Error> = run_blocking(|| panic!("boom"));
        assert_eq!(r.err().map(|e| e.code), Some(ErrorCode::Internal));
        assert_eq!(run_blocking(|| Ok(7)).ok(), Some(7));
    }

    #[test]
    fn a_job_past_its_deadline_answers_422_and_stops() {
        setup();
        let started = Instant::now();
        let r: Result<(), Error> = run_blocking(|| loop {
            if over_budget() {
                return Err(exceeded());
            }
            std::thread::sleep(Duration::from_millis(5));
        });
        assert_eq!(r.err().map(|e| e.code), Some(ErrorCode::ValidationFailed));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(!over_budget(), "no deadline outside the pool");
    }

    #[test]
    fn async_callers_get_the_answer() {
        setup();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        assert_eq!(rt.block_on(run(|| Ok(3))).ok(), Some(3));
    }
}
