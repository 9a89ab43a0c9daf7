//! The database handle. Writes are sent to one writer thread that owns the only read-write
//! connection, so writers never fight over locks and the async runtime never waits on SQLite.
//! Group commit: the writer takes every job waiting in its queue, runs each in its own savepoint
//! inside one `BEGIN IMMEDIATE` transaction, commits once (one fsync for the lot), and only then
//! answers each job — an answered write is on disk. A failing job rolls back its savepoint only.
//! Reads take a connection from a small pool inside `spawn_blocking`.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nichoir_core::config::{StorageConfig, Synchronous};
use parking_lot::Mutex;
use rusqlite::OpenFlags;

use crate::sql::Connection;
use tokio::sync::{oneshot, Semaphore};

use crate::migrate::{self, MigrationSet};
use crate::StorageError;

/// Called once the batch's COMMIT is known: `Err` carries why it failed.
type Finish = Box<dyn FnOnce(Result<(), CommitFailed>) + Send>;

/// A batch's COMMIT failed: every job of it gets this. Cloned once per job, hence not the
/// driver's own (uncloneable) error.
#[derive(Debug, Clone)]
struct CommitFailed {
    message: String,
    /// The server went away: nothing is wrong with the jobs, a retry will do (503).
    unreachable: bool,
}

impl From<CommitFailed> for StorageError {
    fn from(c: CommitFailed) -> Self {
        if c.unreachable {
            StorageError::Unreachable(c.message)
        } else {
            StorageError::Invalid(c.message)
        }
    }
}
impl CommitFailed {
    fn of(what: &str, e: impl Into<StorageError>) -> CommitFailed {
        let e = e.into();
        CommitFailed {
            unreachable: crate::error::is_unreachable(&e),
            message: format!("{what}: {e}"),
        }
    }
}

/// What running a job inside the batch's transaction gave: whether what it wrote stays, and how
/// to answer it once the COMMIT is known.
struct Ran {
    kept: bool,
    finish: Finish,
}

/// One write waiting for the writer: run inside the batch (in a savepoint of its own), or
/// refused without running when the batch could not be carried on.
trait Job: Send {
    fn run(self: Box<Self>, conn: &Connection) -> Ran;
    fn refuse(self: Box<Self>, why: CommitFailed);
}

type WriteJob = Box<dyn Job>;

struct JobOf<F, R, T, A> {
    f: F,
    /// Given what `f` set aside once the batch holding the job has committed
    /// (`Db::write_then`).
    after: A,
    reply: oneshot::Sender<Result<R, StorageError>>,
    _set_aside: PhantomData<fn() -> T>,
}

/// A job with nothing to do after its commit, as `Db::write` queues it.
#[cfg(test)]
fn plain_job<F, R>(f: F, reply: oneshot::Sender<Result<R, StorageError>>) -> WriteJob
where
    F: FnOnce(&Connection) -> Result<R, StorageError> + Send + 'static,
    R: Send + 'static,
{
    Box::new(JobOf {
        f: move |c: &Connection| f(c).map(|r| (r, ())),
        after: |()| {},
        reply,
        _set_aside: PhantomData,
    })
}

impl<F, R, T, A> Job for JobOf<F, R, T, A>
where
    F: FnOnce(&Connection) -> Result<(R, T), StorageError> + Send + 'static,
    R: Send + 'static,
    T: Send + 'static,
    A: FnOnce(T) + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Ran {
        let JobOf {
            f, after, reply, ..
        } = *self;
        // A panicking job must not end the writer thread: every later write of every tool
        // would fail. It is undone like a failing one.
        match catch_panic(|| f(conn)) {
            Ok((value, aside)) => Ran {
                kept: true,
                finish: Box::new(move |commit: Result<(), CommitFailed>| {
                    if commit.is_ok() {
                        after(aside);
                    }
                    let _ = reply.send(commit.map(|()| value).map_err(StorageError::from));
                }),
            },
            Err(e) => Ran {
                kept: false,
                finish: Box::new(move |_| {
                    let _ = reply.send(Err(e));
                }),
            },
        }
    }

    fn refuse(self: Box<Self>, why: CommitFailed) {
        let _ = self.reply.send(Err(why.into()));
    }
}

enum Command {
    Write(WriteJob),
    Checkpoint(oneshot::Sender<Result<(), StorageError>>),
    Close,
}

/// Jobs committed together at most on SQLite (a bound on one transaction's size and latency).
const MAX_BATCH: usize = 256;
/// On PostgreSQL each job's savepoint is a subtransaction, and past 64 in one transaction every
/// backend's snapshots overflow to the `pg_subtrans` SLRU (a known cluster-wide stall): stay
/// well under (scale-out.md §2.5).
const PG_MAX_BATCH: usize = 48;
/// A batch slower than this is logged: every write waiting behind it waited as long.
const SLOW_BATCH: Duration = Duration::from_millis(100);
/// The writer's cache, as SQLite's `cache_size` (negative: KiB).
const WRITER_CACHE_KIB: i64 = -32 * 1024;
/// WAL bytes after which the writer checkpoints itself. With ten times as much, a 3,000-pad
/// load degraded after 15 s: the WAL grew to that, and the writer then copied 40 MiB in one go.
const AUTOCHECKPOINT_BYTES: i64 = 4 << 20;
/// How often the checkpointer folds the WAL into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub synchronous: Synchronous,
    pub busy_timeout: Duration,
    pub read_connections: usize,
    /// The page size of a database this creates (SQLite; see `StorageConfig::page_size`).
    pub page_size: u32,
    /// Several nodes write to this PostgreSQL database (a cluster): each write batch first takes
    /// one cluster-wide transaction lock, so batches from all nodes run one after another as
    /// one writer's did, and every job that reads, checks and writes (the last place of a
    /// limited poll option, a wiki save on its base) keeps holding (scale-out.md §4.8, 2a).
    pub serialize_writes: bool,
}

impl From<&StorageConfig> for DbOptions {
    fn from(c: &StorageConfig) -> Self {
        DbOptions {
            synchronous: c.synchronous,
            busy_timeout: Duration::from_millis(c.busy_timeout_ms),
            read_connections: c.read_connections.max(1) as usize,
            page_size: u32::try_from(c.page_size).unwrap_or(1024),
            serialize_writes: false,
        }
    }
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions::from(&StorageConfig::default())
    }
}

/// What the writer has done since the database was opened. Cumulative: a reader takes two and
/// subtracts (the bench, around a run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WriterStats {
    /// Transactions (each a batch of jobs, committed once).
    pub batches: u64,
    /// Jobs (each a caller's `write`).
    pub jobs: u64,
    /// Statements, the transaction's and savepoints' own included.
    pub statements: u64,
    /// Time running the jobs, in microseconds.
    pub run_us: u64,
    /// Time committing (on SQLite, mostly waiting for the disk to sync the WAL), in microseconds.
    pub commit_us: u64,
    /// Writes waiting for the writer now (not cumulative). Absent from older servers' answers.
    #[serde(default)]
    pub queued: u64,
}

#[derive(Default)]
struct WriterCounters {
    batches: AtomicU64,
    jobs: AtomicU64,
    statements: AtomicU64,
    run_us: AtomicU64,
    commit_us: AtomicU64,
    queued: AtomicU64,
}

impl WriterCounters {
    fn snapshot(&self) -> WriterStats {
        WriterStats {
            batches: self.batches.load(Ordering::Relaxed),
            jobs: self.jobs.load(Ordering::Relaxed),
            statements: self.statements.load(Ordering::Relaxed),
            run_us: self.run_us.load(Ordering::Relaxed),
            commit_us: self.commit_us.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
        }
    }
}

/// Opens a fresh PostgreSQL connection (the writer's or a reader's, again after a server restart).
type Connect = Arc<dyn Fn(bool) -> Result<Connection, StorageError> + Send + Sync>;

struct Inner {
    path: PathBuf,
    /// "SQLite 3.50.2", "PostgreSQL 15.18, TLS, certificate and host name checked": for the
    /// start-up log and `config check`.
    backend: String,
    /// Set on PostgreSQL: how to replace a connection the server closed.
    reconnect: Option<Connect>,
    writer: Mutex<Option<std_mpsc::Sender<Command>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    /// One permit per pooled reader. Owned permits go into the blocking task: a caller that
    /// gives up waiting (a cancelled request) must not free the permit while its task still
    /// holds the connection, or the next reader would find the pool empty.
    read_permits: Arc<Semaphore>,
    counters: Arc<WriterCounters>,
    /// SQLite: dropping it stops the checkpointer thread.
    checkpointer: Mutex<Option<(std_mpsc::Sender<()>, JoinHandle<()>)>>,
}

/// Cheap to clone; every clone talks to the same writer and pool.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

fn open_conn(path: &Path, opts: &DbOptions, read_only: bool) -> Result<Connection, StorageError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::default()
    };
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(opts.busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Reads through a shared memory map instead of copying pages into each connection's own
    // cache: with a database larger than the caches (a farm of wikis), every read connection
    // sees the OS page cache directly. Virtual size only; resident pages are shared.
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    // Sorts and temporary b-trees (ORDER BY, GROUP BY, DISTINCT without an index) in memory, not
    // in temporary files: SQLite's default wrote them to disk, gigabytes under a vote load (a
    // poll's page sorts its rows), and counted as the server's disk writes.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    if !read_only {
        // Before anything is written: a new database takes it, an existing one keeps its own.
        conn.pragma_update(None, "page_size", opts.page_size)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match opts.synchronous {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        // The writer's page cache: a round of a thousand busy pads dirties a page or two each,
        // and SQLite's default (2 MiB) spilled such a transaction to the WAL before its commit,
        // writing pages twice. Memory is taken only as pages are used.
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        // Most of the checkpointing is done by its own thread (see `checkpointer`), but under a
        // steady stream of commits its PASSIVE checkpoints never finish (new frames keep
        // coming), so the WAL is never restarted and grows; the writer's own checkpoint, past
        // this many pages, finishes (no commit runs meanwhile) and has little left to copy.
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            AUTOCHECKPOINT_BYTES / page.max(512),
        )?;
    }
    Ok(Connection::from_sqlite(conn))
}

impl Db {
    /// Opens (creating if needed) the database, applies every pending migration, starts the writer.
    /// Blocking: call it before the runtime serves requests, or from `spawn_blocking`.
    pub fn open(path: &Path, opts: &DbOptions, sets: &[MigrationSet]) -> Result<Db, StorageError> {
        let writer_conn = open_conn(path, opts, false)?;
        migrate::run(&writer_conn, sets)?;
        let page: i64 = writer_conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        if page != i64::from(opts.page_size) {
            tracing::info!(
                page_size = page,
                configured = opts.page_size,
                "the database keeps the page size it was made with; `nichoir storage compact`, \
                 with the server stopped, rewrites it at storage.page_size"
            );
        }
        let mut readers = Vec::with_capacity(opts.read_connections);
        for _ in 0..opts.read_connections {
            readers.push(open_conn(path, opts, true)?);
        }
        let checkpointer = checkpointer(open_conn(path, opts, false)?)?;
        let (tx, rx) = std_mpsc::channel::<Command>();
        let counters = Arc::new(WriterCounters::default());
        let count = counters.clone();
        let handle = std::thread::Builder::new()
            .name("nichoir-db-writer".into())
            .spawn(move || writer_loop(writer_conn, rx, None, false, &count))?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                backend: format!("SQLite {}", rusqlite::version()),
                reconnect: None,
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(handle)),
                readers: Mutex::new(readers),
                read_permits: Arc::new(Semaphore::new(opts.read_connections)),
                counters,
                checkpointer: Mutex::new(Some(checkpointer)),
            }),
        })
    }

    /// Connects to PostgreSQL at `url` (`postgres://user:pass@host:port/db`), applies every
    /// pending migration (under an advisory lock, so nodes starting together apply each once)
    /// and starts the writer. Blocking, like [`Db::open`].
    pub fn open_postgres(
        url: &str,
        opts: &DbOptions,
        sets: &[MigrationSet],
    ) -> Result<Db, StorageError> {
        let target = crate::pg::pg_config(url, "storage.url")?;
        let config = target.clone();
        let connect: Connect = Arc::new(move |read_only: bool| {
            let conn = Connection::from_pg(crate::pg::pg_client(&config)?);
            // Read connections refuse writes, as SQLite's read-only ones do.
            conn.execute_batch(if read_only {
                "SET default_transaction_read_only = on"
            } else {
                "SET default_transaction_read_only = off"
            })?;
            Ok(conn)
        });
        let writer_conn = connect_with_retry(&connect)?;
        let backend = format!(
            "{}, {}",
            check_postgres(&writer_conn)?,
            target.describe_link(&writer_conn)?
        );
        migrate::run(&writer_conn, sets)?;
        let mut readers = Vec::with_capacity(opts.read_connections);
        for _ in 0..opts.read_connections {
            readers.push(connect(true)?);
        }
        let (tx, rx) = std_mpsc::channel::<Command>();
        let again = connect.clone();
        let serialize = opts.serialize_writes;
        let counters = Arc::new(WriterCounters::default());
        let count = counters.clone();
        let handle = std::thread::Builder::new()
            .name("nichoir-db-writer".into())
            .spawn(move || writer_loop(writer_conn, rx, Some(again), serialize, &count))?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: PathBuf::from(url),
                backend,
                reconnect: Some(connect),
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(handle)),
                readers: Mutex::new(readers),
                read_permits: Arc::new(Semaphore::new(opts.read_connections)),
                counters,
                checkpointer: Mutex::new(None),
            }),
        })
    }

    /// What the writer has done so far.
    pub fn writer_stats(&self) -> WriterStats {
        self.inner.counters.snapshot()
    }

    /// Bytes written for the database so far, where the engine tells: PostgreSQL's WAL
    /// (`pg_stat_wal`, since its last reset); on SQLite this process's own writes to disk (WAL,
    /// checkpoints and anything else it writes, such as a log file), from Linux's
    /// `/proc/self/io`. None where neither is available.
    pub async fn bytes_written(&self) -> Result<Option<u64>, StorageError> {
        match self.dialect() {
            crate::Dialect::Sqlite => {
                Ok(std::fs::read_to_string("/proc/self/io")
                    .ok()
                    .and_then(|io| {
                        io.lines()
                            .find_map(|l| l.strip_prefix("write_bytes:"))
                            .and_then(|v| v.trim().parse().ok())
                    }))
            }
            crate::Dialect::Postgres => {
                self.read(|c| {
                    Ok(
                        c.query_row("SELECT wal_bytes::bigint FROM pg_stat_wal", [], |r| {
                            r.get::<_, i64>(0)
                        })
                        .ok()
                        .and_then(|b| u64::try_from(b).ok()),
                    )
                })
                .await
            }
        }
    }

    /// The engine and its version (and on PostgreSQL, how the link is protected).
    pub fn backend(&self) -> &str {
        &self.inner.backend
    }

    /// The engine behind this handle.
    pub fn dialect(&self) -> crate::Dialect {
        if self.inner.reconnect.is_some() {
            crate::Dialect::Postgres
        } else {
            crate::Dialect::Sqlite
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on the writer thread, atomically: `f` returning an error undoes what it wrote.
    /// The answer comes after the commit, so a successful write is durable.
    pub async fn write<F, R>(&self, f: F) -> Result<R, StorageError>
    where
        F: FnOnce(&Connection) -> Result<R, StorageError> + Send + 'static,
        R: Send + 'static,
    {
        self.write_then(move |c| f(c).map(|r| (r, ())), |()| {})
            .await
    }

    /// `write`, where `f` also sets something aside (`T`) that `after` is given once the write
    /// has committed: on the writer thread, in commit order, even if the caller stopped
    /// waiting. For what must follow every commit in order, such as pushing its events live;
    /// `after` must be quick and must not block (hand the value to a queue).
    pub async fn write_then<F, R, T, A>(&self, f: F, after: A) -> Result<R, StorageError>
    where
        F: FnOnce(&Connection) -> Result<(R, T), StorageError> + Send + 'static,
        R: Send + 'static,
        T: Send + 'static,
        A: FnOnce(T) + Send + 'static,
    {
        let (reply, reply_rx) = oneshot::channel::<Result<R, StorageError>>();
        let job: WriteJob = Box::new(JobOf {
            f,
            after,
            reply,
            _set_aside: PhantomData,
        });
        let queued = &self.inner.counters.queued;
        queued.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.send(Command::Write(job)) {
            queued.fetch_sub(1, Ordering::Relaxed);
            return Err(e);
        }
        reply_rx.await.map_err(|_| StorageError::Closed)?
    }

    /// Runs `f` with a read-only connection from the pool, on a blocking thread.
    pub async fn read<F, R>(&self, f: F) -> Result<R, StorageError>
    where
        F: FnOnce(&Connection) -> Result<R, StorageError> + Send + 'static,
        R: Send + 'static,
    {
        let permit = self
            .inner
            .read_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StorageError::Closed)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = inner.readers.lock().pop().ok_or(StorageError::Closed)?;
            if conn.is_broken() {
                // The server restarted: a new connection, or an error and the old one kept.
                if let Some(connect) = &inner.reconnect {
                    match connect(true) {
                        Ok(fresh) => conn = fresh,
                        Err(e) => {
                            inner.readers.lock().push(conn);
                            return Err(e);
                        }
                    }
                }
            }
            // The connection goes back to the pool even when `f` panics, or the pool would
            // shrink by one per panic until no read could run.
            let result = catch_panic(|| f(&conn));
            inner.readers.lock().push(conn);
            result
        })
        .await
        .map_err(|e| StorageError::Invalid(format!("read task failed: {e}")))?
    }

    /// Moves WAL content into the main file (PASSIVE: never blocks readers).
    pub async fn checkpoint(&self) -> Result<(), StorageError> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.send(Command::Checkpoint(reply_tx))?;
        reply_rx.await.map_err(|_| StorageError::Closed)?
    }

    /// Finishes every queued write, then stops the writer. Later writes fail with `Closed`.
    pub fn close(&self) {
        if let Some((stop, handle)) = self.inner.checkpointer.lock().take() {
            drop(stop);
            let _ = handle.join();
        }
        if let Some(tx) = self.inner.writer.lock().take() {
            let _ = tx.send(Command::Close);
        }
        if let Some(handle) = self.inner.writer_thread.lock().take() {
            let _ = handle.join();
        }
    }

    fn send(&self, cmd: Command) -> Result<(), StorageError> {
        let guard = self.inner.writer.lock();
        let tx = guard.as_ref().ok_or(StorageError::Closed)?;
        tx.send(cmd).map_err(|_| StorageError::Closed)
    }
}

/// What `nichoir config check` says of the database: the SQLite file, or the PostgreSQL
/// server's version once it was reached and its database checked (not migrated). Blocking.
pub fn describe_backend(url: &str, sqlite_path: &Path) -> Result<String, StorageError> {
    if url.is_empty() {
        return Ok(format!(
            "SQLite {} ({})",
            rusqlite::version(),
            sqlite_path.display()
        ));
    }
    let target = crate::pg::pg_config(url, "storage.url")?;
    let client = crate::pg::pg_client(&target)
        .map_err(|e| StorageError::Invalid(format!("cannot reach the database: {e}")))?;
    let conn = Connection::from_pg(client);
    Ok(format!(
        "{}, {}",
        check_postgres(&conn)?,
        target.describe_link(&conn)?
    ))
}

/// The first connection, retried for a while: a database server starting with the node (a
/// compose file, a reboot) should not make it exit. Bounded, so a wrong URL is reported.
fn connect_with_retry(connect: &Connect) -> Result<Connection, StorageError> {
    let mut last = None;
    for attempt in 0..10u64 {
        match connect(false) {
            Ok(c) => return Ok(c),
            Err(e) => {
                tracing::warn!(attempt, error = %e, "cannot reach the database yet");
                last = Some(e);
                std::thread::sleep(Duration::from_millis(200 * (attempt + 1)));
            }
        }
    }
    Err(StorageError::Invalid(format!(
        "cannot reach the database at storage.url: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// Refuses a server or database on which Nichoir would behave differently from SQLite; returns
/// "PostgreSQL <version>".
pub(crate) fn check_postgres(conn: &Connection) -> Result<String, StorageError> {
    let (num, version): (i64, String) = conn.query_row(
        "SELECT current_setting('server_version_num')::bigint, current_setting('server_version')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if num < 150_000 {
        return Err(StorageError::Invalid(format!(
            "PostgreSQL 15 or newer is needed; this server is {version}"
        )));
    }
    let (collate, ctype): (String, String) = conn.query_row(
        "SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if !postgres_locale_ok(&collate, &ctype) {
        return Err(StorageError::Invalid(format!(
            "the database's locale is collate {collate:?}, ctype {ctype:?}: search and sorting \
             would differ from SQLite's. Create it with: CREATE DATABASE nichoir TEMPLATE \
             template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'"
        )));
    }
    Ok(format!("PostgreSQL {version}"))
}

/// Code point order (as SQLite's BINARY collation) and Unicode character classes (so that
/// search folds words of every script as FTS5 does).
fn postgres_locale_ok(collate: &str, ctype: &str) -> bool {
    let c_utf8 = |l: &str| matches!(l.to_ascii_lowercase().as_str(), "c.utf-8" | "c.utf8");
    (collate == "C" || collate == "POSIX" || c_utf8(collate)) && c_utf8(ctype)
}

/// Runs `f`, turning a panic into an error (its message kept for the log).
fn catch_panic<R>(f: impl FnOnce() -> Result<R, StorageError>) -> Result<R, StorageError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(StorageError::Invalid(format!(
            "a database job panicked: {}",
            nichoir_core::work::panic_text(panic.as_ref())
        )))
    })
}

/// The key of the transaction lock that serialises the write batches of a cluster's nodes
/// ("nichoirw"). `begin` spells it out (its text is a constant); a test checks they agree.
#[cfg(test)]
const WRITE_LOCK: i64 = 0x6e69_6368_6f69_7277;

/// What opens a write batch (with its first savepoint).
fn begin(dialect: crate::Dialect, serialize_writes: bool) -> &'static str {
    match (dialect, serialize_writes) {
        (crate::Dialect::Sqlite, _) => "BEGIN IMMEDIATE; SAVEPOINT job",
        (crate::Dialect::Postgres, false) => "BEGIN; SAVEPOINT job",
        // WRITE_LOCK, spelled out: batch_execute takes no parameters.
        (crate::Dialect::Postgres, true) => {
            "BEGIN; SELECT pg_advisory_xact_lock(7955999516923622007); SAVEPOINT job"
        }
    }
}

/// SQLite: folds the WAL into the database every [`CHECKPOINT_EVERY`] on a connection and
/// thread of its own, so that the writer's commits wait only for their own WAL frames, not for
/// a checkpoint's writes and sync (it ran after every few commits under load, inside the
/// commit's time). PASSIVE: it never blocks the writer or the readers. Stops when the sender
/// is dropped.
fn checkpointer(conn: Connection) -> Result<(std_mpsc::Sender<()>, JoinHandle<()>), StorageError> {
    let (stop, wait) = std_mpsc::channel::<()>();
    let handle = std::thread::Builder::new()
        .name("nichoir-db-checkpoint".into())
        .spawn(move || {
            while let Err(std_mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(CHECKPOINT_EVERY)
            {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "checkpoint failed");
                }
            }
        })?;
    Ok((stop, handle))
}

fn writer_loop(
    mut conn: Connection,
    rx: std_mpsc::Receiver<Command>,
    reconnect: Option<Connect>,
    serialize_writes: bool,
    counters: &WriterCounters,
) {
    let max_batch = match conn.dialect() {
        crate::Dialect::Sqlite => MAX_BATCH,
        crate::Dialect::Postgres => PG_MAX_BATCH,
    };
    let mut closing = false;
    while !closing {
        let Ok(first) = rx.recv() else { break };
        let mut jobs = Vec::new();
        let mut after = Vec::new();
        let mut next = Some(first);
        while let Some(cmd) = next.take() {
            match cmd {
                Command::Write(job) => {
                    counters.queued.fetch_sub(1, Ordering::Relaxed);
                    jobs.push(job)
                }
                Command::Checkpoint(reply) => after.push(reply),
                Command::Close => closing = true,
            }
            if jobs.len() < max_batch && !closing {
                next = rx.try_recv().ok();
            }
        }
        if conn.is_broken() {
            if let Some(connect) = &reconnect {
                match connect(false) {
                    Ok(fresh) => conn = fresh,
                    Err(e) => {
                        tracing::warn!(error = %e, "database unreachable, writes fail until it is back")
                    }
                }
            }
        }
        if !jobs.is_empty() {
            let before = conn.statements();
            counters.batches.fetch_add(1, Ordering::Relaxed);
            counters
                .jobs
                .fetch_add(jobs.len() as u64, Ordering::Relaxed);
            let (ran, total) = run_batch(&conn, begin(conn.dialect(), serialize_writes), jobs);
            let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
            counters.run_us.fetch_add(us(ran), Ordering::Relaxed);
            counters
                .commit_us
                .fetch_add(us(total.saturating_sub(ran)), Ordering::Relaxed);
            counters
                .statements
                .fetch_add(conn.statements().wrapping_sub(before), Ordering::Relaxed);
        }
        for reply in after {
            let r = match conn.dialect() {
                crate::Dialect::Sqlite => conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    .map_err(StorageError::from),
                // PostgreSQL checkpoints on its own.
                crate::Dialect::Postgres => Ok(()),
            };
            let _ = reply.send(r);
        }
    }
    if conn.dialect() == crate::Dialect::Sqlite {
        // Leave a clean file behind: fold the WAL into the database.
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
}

/// One transaction for the batch, a savepoint per job. The savepoint statements travel with the
/// statement before them (`RELEASE job; SAVEPOINT job` between two jobs, `BEGIN` with the first
/// savepoint, the last `RELEASE` with `COMMIT`): on PostgreSQL each message is a round trip on
/// the single writer's connection, and a job's own statements are often only two or three.
/// Answers how long the jobs ran and how long the whole batch took.
fn run_batch(conn: &Connection, begin: &'static str, jobs: Vec<WriteJob>) -> (Duration, Duration) {
    let mut next = begin;
    let count = jobs.len();
    let started = Instant::now();
    let mut finishes: Vec<Finish> = Vec::with_capacity(count);
    let mut broken: Option<CommitFailed> = None;
    let mut last_kept = true;
    for job in jobs {
        if broken.is_none() {
            if let Err(e) = conn.execute_batch(next) {
                broken = recover(conn, next, e, &mut finishes);
            }
        }
        if let Some(why) = &broken {
            job.refuse(why.clone());
            continue;
        }
        let ran = job.run(conn);
        last_kept = ran.kept;
        next = if ran.kept {
            "RELEASE job; SAVEPOINT job"
        } else {
            "ROLLBACK TO job; RELEASE job; SAVEPOINT job"
        };
        finishes.push(ran.finish);
    }
    let ran = started.elapsed();
    let commit = match broken {
        Some(why) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(why)
        }
        None => {
            let end = if last_kept {
                "RELEASE job; COMMIT"
            } else {
                "ROLLBACK TO job; RELEASE job; COMMIT"
            };
            // The last job may have broken the transaction as any other could: undone alone,
            // and the others committed.
            let committed = match conn.execute_batch(end) {
                Ok(()) => Ok(()),
                Err(e) => match recover(conn, end, e, &mut finishes) {
                    None => conn
                        .execute_batch("RELEASE job; COMMIT")
                        .map_err(|e| CommitFailed::of("the write could not be committed", e)),
                    Some(why) => Err(why),
                },
            };
            committed.inspect_err(|_| {
                let _ = conn.execute_batch("ROLLBACK");
            })
        }
    };
    let total = started.elapsed();
    if total >= SLOW_BATCH {
        tracing::warn!(
            jobs = count,
            run_ms = ran.as_millis() as u64,
            commit_ms = (total - ran).as_millis() as u64,
            "slow write batch"
        );
    }
    for finish in finishes {
        finish(commit.clone());
    }
    (ran, total)
}

/// `control` (the statements between two jobs) failed. When the job before it broke the
/// transaction without saying so (PostgreSQL refuses `RELEASE` after a failed statement that
/// the job ignored), that job alone is undone and answered with the error, and the batch goes
/// on; otherwise the batch cannot go on (a lost connection): the reason is returned.
fn recover(
    conn: &Connection,
    control: &str,
    e: crate::SqlError,
    finishes: &mut Vec<Finish>,
) -> Option<CommitFailed> {
    let why = CommitFailed::of("the write could not be completed", e);
    if !control.starts_with("RELEASE") || why.unreachable {
        return Some(why);
    }
    if conn
        .execute_batch("ROLLBACK TO job; RELEASE job; SAVEPOINT job")
        .is_err()
    {
        return Some(why);
    }
    if let Some(finish) = finishes.pop() {
        finish(Err(why));
    }
    None
}

/// A PostgreSQL session of its own that holds advisory lock `(class, key)` while it lives: the
/// server frees the lock the moment the session ends, so another session can tell at once that
/// the process died or lost its connection (`pg_try_advisory_xact_lock`). Released when
/// dropped. A thread keeps the session open and takes the lock again after a reconnect.
pub struct SessionLock {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Db {
    /// Holds advisory lock `(class, key)` in a session of its own (PostgreSQL only: None on
    /// SQLite, which has one process). Waits until the lock is first held.
    pub fn hold_session_lock(
        &self,
        class: i32,
        key: i32,
    ) -> Result<Option<SessionLock>, StorageError> {
        let Some(connect) = self.inner.reconnect.clone() else {
            return Ok(None);
        };
        let lock = move |conn: &Connection| -> Result<(), StorageError> {
            conn.query_row(
                "SELECT pg_advisory_lock(CAST(?1 AS integer), CAST(?2 AS integer))::text",
                crate::params![class, key],
                |r| r.get::<_, String>(0),
            )?;
            Ok(())
        };
        let first = connect(false)?;
        lock(&first)?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("nichoir-session-lock".into())
            .spawn(move || {
                let mut conn = Some(first);
                while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(250));
                    let alive = conn
                        .as_ref()
                        .is_some_and(|c| c.execute_batch("SELECT 1").is_ok());
                    if alive {
                        continue;
                    }
                    conn = connect(false).ok().filter(|c| match lock(c) {
                        Ok(()) => true,
                        Err(e) => {
                            tracing::warn!(error = %e, "the session lock was not taken again");
                            false
                        }
                    });
                }
            })
            .map_err(StorageError::Io)?;
        Ok(Some(SessionLock {
            stop,
            thread: Some(thread),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::Migration;

    const SET: MigrationSet = MigrationSet {
        component: "t",
        migrations: &[Migration {
            version: 1,
            name: "kv",
            after: None,
            sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT;",
            pg: "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL);",
        }],
    };

    fn engines(opts: &DbOptions) -> Result<Vec<(Db, Option<tempfile::TempDir>)>, StorageError> {
        crate::testing::databases(opts, &[SET])
    }

    #[tokio::test]
    async fn a_panicking_job_leaves_the_writer_and_the_read_pool_working(
    ) -> Result<(), StorageError> {
        let opts = DbOptions {
            read_connections: 1,
            ..DbOptions::default()
        };
        for (db, _dir) in engines(&opts)? {
            for _ in 0..3 {
                let failed = db
                    .write(|tx| -> Result<(), StorageError> {
                        tx.execute("INSERT INTO kv VALUES ('half', 1)", [])?;
                        panic!("a bug in a job");
                    })
                    .await;
                assert!(
                    matches!(failed, Err(StorageError::Invalid(m)) if m.contains("a bug in a job"))
                );
                let failed = db
                    .read(|_| -> Result<(), StorageError> { panic!("a bug in a read") })
                    .await;
                assert!(failed.is_err());
            }
            db.write(|tx| {
                tx.execute("INSERT INTO kv VALUES ('n', 7)", [])?;
                Ok(())
            })
            .await?;
            let rows: i64 = db
                .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM kv", [], |r| r.get(0))?))
                .await?;
            assert_eq!(rows, 1, "the panicking jobs' rows were undone");
        }
        Ok(())
    }

    /// What a write sets aside reaches `after` in commit order, once committed, even when its
    /// caller stopped waiting; a write that fails or is undone hands nothing on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn write_then_hands_on_in_commit_order_even_unawaited() -> Result<(), StorageError> {
        for (db, _dir) in engines(&DbOptions::default())? {
            let seen = Arc::new(Mutex::new(Vec::<i64>::new()));
            let writes = (0..40).map(|i| {
                let (db, seen) = (db.clone(), seen.clone());
                tokio::spawn(async move {
                    db.write_then(
                        move |tx| {
                            let before: i64 =
                                tx.query_row("SELECT COUNT(*) FROM kv", [], |r| r.get(0))?;
                            tx.execute(
                                "INSERT INTO kv VALUES (?1, ?2)",
                                crate::params![format!("k{i}"), i],
                            )?;
                            Ok(((), before))
                        },
                        move |before| seen.lock().push(before),
                    )
                    .await
                })
            });
            for w in writes.collect::<Vec<_>>() {
                w.await
                    .map_err(|e| StorageError::Invalid(e.to_string()))??;
            }
            assert_eq!(*seen.lock(), (0..40).collect::<Vec<i64>>(), "commit order");

            let failed = db
                .write_then(
                    |tx| -> Result<((), i64), StorageError> {
                        tx.execute("INSERT INTO kv VALUES ('k0', 0)", [])?;
                        Ok(((), -1))
                    },
                    {
                        let seen = seen.clone();
                        move |x| seen.lock().push(x)
                    },
                )
                .await;
            assert!(failed.is_err());

            let (told, heard) = oneshot::channel();
            let unawaited = db.write_then(
                |tx| Ok(((), tx.execute("INSERT INTO kv VALUES ('late', 0)", [])?)),
                move |n| {
                    let _ = told.send(n);
                },
            );
            // Polled once (the job is queued), then dropped, as a handler whose client left.
            let _ = tokio::time::timeout(Duration::ZERO, unawaited).await;
            let n = tokio::time::timeout(Duration::from_secs(10), heard)
                .await
                .map_err(|_| StorageError::Invalid("never handed on".into()))?
                .map_err(|_| StorageError::Invalid("dropped".into()))?;
            assert_eq!(n, 1);
            assert_eq!(seen.lock().len(), 40, "the failed write handed nothing on");
        }
        Ok(())
    }

    #[test]
    fn only_a_code_point_order_unicode_database_is_accepted() -> Result<(), StorageError> {
        assert!(postgres_locale_ok("C.UTF-8", "C.UTF-8"));
        assert!(postgres_locale_ok("C", "C.utf8"));
        assert!(!postgres_locale_ok("en_US.UTF-8", "en_US.UTF-8"));
        assert!(!postgres_locale_ok("C", "C"));
        if let Some(url) = crate::testing::fresh_pg_database_with_locale("C")? {
            let refused = Db::open_postgres(&url, &DbOptions::default(), &[SET]);
            assert!(
                matches!(&refused, Err(StorageError::Invalid(m)) if m.contains("LOCALE 'C.UTF-8'")),
                "{:?}",
                refused.err()
            );
        }
        Ok(())
    }

    /// PostgreSQL restarted under a running server (its connections terminated): the next
    /// write and read answer 503 `unavailable` or succeed, never report success for what was
    /// not committed, and service comes back by itself.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lost_connections_answer_unavailable_then_come_back() -> Result<(), StorageError> {
        let Some(db) = engines(&DbOptions::default())?
            .into_iter()
            .nth(1)
            .map(|(db, _)| db)
        else {
            return Ok(());
        };
        db.write(|c| Ok(c.execute("INSERT INTO kv VALUES ('before', 1)", [])?))
            .await?;
        let server = std::env::var("NICHOIR_TEST_PG_URL").unwrap_or_default();
        let name = db
            .path()
            .to_string_lossy()
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        std::thread::spawn(move || -> Result<(), StorageError> {
            let admin = Connection::from_pg(crate::pg::pg_client(&crate::pg::pg_config(
                &server, "server",
            )?)?);
            let mut st = admin.prepare(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?1",
            )?;
            st.query([name])?;
            Ok(())
        })
        .join()
        .map_err(|_| StorageError::Invalid("panicked".into()))??;
        let mut acknowledged = vec!["before".to_string()];
        for i in 0..6 {
            let key = format!("after{i}");
            let k = key.clone();
            match db
                .write(move |c| Ok(c.execute("INSERT INTO kv VALUES (?1, 1)", [k])?))
                .await
            {
                Ok(_) => acknowledged.push(key),
                Err(e) => {
                    let e = nichoir_core::Error::from(e);
                    assert_eq!(
                        e.code,
                        nichoir_core::ErrorCode::Unavailable,
                        "{}",
                        e.message
                    );
                }
            }
            let _ = db
                .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM kv", [], |r| r.get::<_, i64>(0))?))
                .await;
        }
        assert!(
            acknowledged.len() >= 5,
            "service came back: {acknowledged:?}"
        );
        let stored = keys(&db, "SELECT k FROM kv ORDER BY k").await?;
        acknowledged.sort();
        assert_eq!(
            stored, acknowledged,
            "every acknowledged write, and only those"
        );
        Ok(())
    }

    #[tokio::test]
    async fn writes_are_serialised_and_readable() -> Result<(), StorageError> {
        for (db, _dir) in engines(&DbOptions::default())? {
            db.write(|tx| {
                tx.execute("INSERT INTO kv VALUES ('n', 0)", [])?;
                Ok(())
            })
            .await?;
            let mut tasks = Vec::new();
            for _ in 0..50 {
                let db = db.clone();
                tasks.push(tokio::spawn(async move {
                    db.write(|tx| {
                        tx.execute("UPDATE kv SET v = v + 1 WHERE k = 'n'", [])?;
                        Ok(())
                    })
                    .await
                }));
            }
            for t in tasks {
                t.await
                    .map_err(|e| StorageError::Invalid(e.to_string()))??;
            }
            let v: i64 = db
                .read(|c| Ok(c.query_row("SELECT v FROM kv WHERE k = 'n'", [], |r| r.get(0))?))
                .await?;
            assert_eq!(v, 50);
        }
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_in_a_group_commit_undoes_only_itself() -> Result<(), StorageError> {
        for (db, _dir) in engines(&DbOptions::default())? {
            let mut tasks = Vec::new();
            for i in 0..200 {
                let db = db.clone();
                tasks.push(tokio::spawn(async move {
                    db.write(move |tx| {
                        tx.execute("INSERT INTO kv VALUES (?1, ?2)", nichoir_storage_params(i))?;
                        if i % 3 == 0 {
                            return Err(nichoir_core::Error::conflict("refused").into());
                        }
                        Ok(i)
                    })
                    .await
                }));
            }
            let mut ok = 0;
            for t in tasks {
                if t.await
                    .map_err(|e| StorageError::Invalid(e.to_string()))?
                    .is_ok()
                {
                    ok += 1;
                }
            }
            let n: i64 = db
                .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM kv", [], |r| r.get(0))?))
                .await?;
            assert_eq!(
                (ok, n),
                (133, 133),
                "every answered write is stored, no refused one is"
            );
        }
        Ok(())
    }

    /// A job that ignores one of its failing statements and answers Ok: on PostgreSQL its
    /// transaction is then broken, so it alone is undone and answered with an error; the jobs
    /// of its batch around it are kept.
    #[tokio::test]
    async fn a_job_that_hides_a_failed_statement_costs_only_itself() -> Result<(), StorageError> {
        for (db, _dir) in engines(&DbOptions::default())? {
            db.write(|tx| Ok(tx.execute("INSERT INTO kv VALUES ('taken', 0)", [])?))
                .await?;
            let mut tasks = Vec::new();
            for i in 0..60 {
                let db = db.clone();
                tasks.push(tokio::spawn(async move {
                    db.write(move |tx| {
                        tx.execute("INSERT INTO kv VALUES (?1, ?2)", nichoir_storage_params(i))?;
                        if i % 10 == 5 {
                            let _ = tx.execute("INSERT INTO kv VALUES ('taken', 1)", []);
                        }
                        Ok(i)
                    })
                    .await
                }));
            }
            let mut answered = Vec::new();
            for t in tasks {
                let r = t.await.map_err(|e| StorageError::Invalid(e.to_string()))?;
                answered.push(r.is_ok());
            }
            let stored = keys(&db, "SELECT k FROM kv WHERE k <> 'taken' ORDER BY v").await?;
            let expected: Vec<String> = (0..60)
                .filter(|i| answered[*i as usize])
                .map(|i| format!("k{i}"))
                .collect();
            assert_eq!(stored, expected, "stored exactly what was answered Ok");
            let refused = answered.iter().filter(|ok| !**ok).count();
            match db.dialect() {
                crate::Dialect::Sqlite => assert_eq!(refused, 0, "SQLite carries on"),
                crate::Dialect::Postgres => assert_eq!(refused, 6, "only the six broken ones"),
            }
        }
        Ok(())
    }

    /// U+0000 in a text: stored on SQLite; refused on PostgreSQL as the input's fault (4xx), not
    /// as an internal error.
    #[tokio::test]
    async fn a_nul_character_is_a_validation_error_on_postgresql() -> Result<(), StorageError> {
        for (db, _dir) in engines(&DbOptions::default())? {
            let r = db
                .write(|tx| Ok(tx.execute("INSERT INTO kv VALUES (?1, 1)", ["a\0b"])?))
                .await;
            match db.dialect() {
                crate::Dialect::Sqlite => assert!(r.is_ok()),
                crate::Dialect::Postgres => {
                    let e = nichoir_core::Error::from(r.err().ok_or(StorageError::Closed)?);
                    assert_eq!(
                        e.code,
                        nichoir_core::ErrorCode::ValidationFailed,
                        "{}",
                        e.message
                    );
                }
            }
        }
        Ok(())
    }

    /// One batch, run as the writer runs it, whose last job hides a failed statement: on
    /// PostgreSQL that job alone is undone at COMMIT, and the job before it is kept.
    #[test]
    fn the_last_job_of_a_batch_breaking_it_costs_only_itself() -> Result<(), StorageError> {
        for conn in crate::testing::store_connections(&[SET], true)? {
            conn.execute("INSERT INTO kv VALUES ('taken', 0)", [])?;
            let (first, first_rx) = oneshot::channel();
            let (last, last_rx) = oneshot::channel();
            let jobs: Vec<WriteJob> = vec![
                plain_job(
                    |tx: &Connection| Ok(tx.execute("INSERT INTO kv VALUES ('a', 1)", [])?),
                    first,
                ),
                plain_job(
                    |tx: &Connection| {
                        tx.execute("INSERT INTO kv VALUES ('b', 2)", [])?;
                        let _ = tx.execute("INSERT INTO kv VALUES ('taken', 1)", []);
                        Ok(1)
                    },
                    last,
                ),
            ];
            run_batch(&conn, begin(conn.dialect(), false), jobs);
            let answered = |rx: oneshot::Receiver<Result<usize, StorageError>>| {
                rx.blocking_recv().map(|r| r.is_ok()).unwrap_or(false)
            };
            let (a, b) = (answered(first_rx), answered(last_rx));
            let stored: Vec<String> = {
                let mut st = conn.prepare("SELECT k FROM kv WHERE k <> 'taken' ORDER BY k")?;
                let rows = st.query_map([], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            match conn.dialect() {
                crate::Dialect::Sqlite => {
                    assert_eq!((a, b, stored), (true, true, vec!["a".into(), "b".into()]))
                }
                crate::Dialect::Postgres => {
                    assert_eq!((a, b, stored), (true, false, vec!["a".to_string()]))
                }
            }
        }
        Ok(())
    }

    /// The keys `sql` selects, in its order.
    #[test]
    fn a_cluster_s_batches_take_the_write_lock() {
        let text = super::begin(crate::Dialect::Postgres, true);
        assert!(text.contains(&format!("pg_advisory_xact_lock({})", super::WRITE_LOCK)));
        assert!(!super::begin(crate::Dialect::Postgres, false).contains("lock"));
    }

    async fn keys(db: &Db, sql: &'static str) -> Result<Vec<String>, StorageError> {
        db.read(move |c| {
            let mut st = c.prepare(sql)?;
            let rows = st.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    fn nichoir_storage_params(i: i64) -> (String, i64) {
        (format!("k{i}"), i)
    }

    #[tokio::test]
    async fn a_failed_job_rolls_back_and_reads_cannot_write() -> Result<(), StorageError> {
        for (db, _dir) in engines(&DbOptions::default())? {
            let r: Result<(), _> = db
                .write(|tx| {
                    tx.execute("INSERT INTO kv VALUES ('a', 1)", [])?;
                    Err(nichoir_core::Error::conflict("no").into())
                })
                .await;
            assert!(r.is_err());
            let n: i64 = db
                .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM kv", [], |r| r.get(0))?))
                .await?;
            assert_eq!(n, 0);
            let w = db
                .read(|c| Ok(c.execute("INSERT INTO kv VALUES ('b', 1)", [])?))
                .await;
            assert!(w.is_err(), "read connections are read-only");
            db.close();
            assert!(matches!(
                db.write(|_| Ok(())).await,
                Err(StorageError::Closed)
            ));
        }
        Ok(())
    }

    #[tokio::test]
    async fn a_new_database_takes_the_page_size_and_an_old_one_keeps_its_own(
    ) -> Result<(), StorageError> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("x.db");
        let page_size = |db: Db| async move {
            let size = db
                .read(|c| Ok(c.query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))?))
                .await;
            db.close();
            size
        };
        let with = |page_size| DbOptions {
            page_size,
            ..DbOptions::default()
        };
        assert_eq!(
            page_size(Db::open(&path, &with(2048), &[SET])?).await?,
            2048
        );
        let db = Db::open(&path, &with(8192), &[SET])?;
        db.write(|tx| Ok(tx.execute("INSERT INTO kv VALUES ('a', 1)", [])?))
            .await?;
        assert_eq!(page_size(db).await?, 2048);
        Ok(())
    }
}
