//! For tests of this and other crates: a fresh PostgreSQL database on the server named by
//! `NICHOIR_TEST_PG_URL` (`scripts/pg-server start` sets it), so every store and server test
//! can also run on PostgreSQL. Not used by the server itself.

use crate::sql::Connection;
use crate::{Db, DbOptions, Migration, MigrationSet, StorageError};

/// Runs `migrations` on a bare SQLite connection as the runner would (text, then Rust step),
/// without the bookkeeping: for tests that build a database of an older schema, fill it, then
/// migrate it.
pub fn apply_on_sqlite(c: &Connection, migrations: &[Migration]) -> Result<(), StorageError> {
    for m in migrations {
        c.execute_batch(m.sql)?;
        if let Some(after) = m.after {
            after(c)?;
        }
    }
    Ok(())
}

/// The same database on every engine, migrated with `sets`: SQLite in a temp dir (kept alive by
/// the `TempDir` beside it), and PostgreSQL when `NICHOIR_TEST_PG_URL` names a test server. For
/// tests that hold one contract on both.
pub fn databases(
    opts: &DbOptions,
    sets: &[MigrationSet],
) -> Result<Vec<(Db, Option<tempfile::TempDir>)>, StorageError> {
    let dir = tempfile::tempdir()?;
    let mut dbs = vec![(Db::open(&dir.path().join("x.db"), opts, sets)?, Some(dir))];
    // Blocking, and the PostgreSQL client runs its own runtime: off the caller's (maybe async)
    // thread.
    let pg = std::thread::scope(|s| {
        s.spawn(|| {
            fresh_pg_database()?
                .map(|url| Db::open_postgres(&url, opts, sets))
                .transpose()
        })
        .join()
        .map_err(|_| StorageError::Invalid("open panicked".into()))
    })??;
    dbs.extend(pg.map(|db| (db, None)));
    Ok(dbs)
}

/// Bare connections for a store's unit tests, migrated with `sets`: an in-memory SQLite one, and
/// a PostgreSQL one when a test server is configured. Without `foreign_keys`, rows may name
/// parents the test did not make (SQLite's pragma; PostgreSQL's replica role skips the
/// constraint triggers). Synchronous: call it from a plain `#[test]`.
pub fn store_connections(
    sets: &[MigrationSet],
    foreign_keys: bool,
) -> Result<Vec<Connection>, StorageError> {
    let sqlite = Connection::open_in_memory()?;
    crate::migrate::run(&sqlite, sets)?;
    let mut out = vec![sqlite];
    if let Some(url) = fresh_pg_database()? {
        let pg = Connection::from_pg(crate::pg::pg_client(&crate::pg::pg_config(
            &url,
            "NICHOIR_TEST_PG_URL",
        )?)?);
        crate::migrate::run(&pg, sets)?;
        out.push(pg);
    }
    if !foreign_keys {
        for c in &out {
            c.execute_batch(match c.dialect() {
                crate::Dialect::Sqlite => "PRAGMA foreign_keys = OFF",
                crate::Dialect::Postgres => "SET session_replication_role = replica",
            })?;
        }
    }
    Ok(out)
}

/// The URL of a new empty database (C.UTF-8, as production requires), or None when no test
/// server is configured.
pub fn fresh_pg_database() -> Result<Option<String>, StorageError> {
    fresh_pg_database_with_locale("C.UTF-8")
}

/// As [`fresh_pg_database`], with another locale (to test that a wrong one is refused).
pub fn fresh_pg_database_with_locale(locale: &str) -> Result<Option<String>, StorageError> {
    let Ok(server) = std::env::var("NICHOIR_TEST_PG_URL") else {
        return Ok(None);
    };
    if server.is_empty() {
        return Ok(None);
    }
    fresh_pg_database_on(&server, locale).map(Some)
}

/// The URL of a new empty database on the server at `server` (a URL of any of its databases).
pub fn fresh_pg_database_on(server: &str, locale: &str) -> Result<String, StorageError> {
    let name = format!(
        "nichoir_test_{}",
        nichoir_core::ids::random_token(12)
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let admin = Connection::from_pg(crate::pg::pg_client(&crate::pg::pg_config(
        server,
        "NICHOIR_TEST_PG_URL",
    )?)?);
    admin.execute_batch(&format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE '{locale}'"
    ))?;
    let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
    Ok(format!("{base}/{name}"))
}
