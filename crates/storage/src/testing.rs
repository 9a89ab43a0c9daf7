//! For tests of this and other crates: a fresh PostgreSQL database on the server named by
//! `NICHOIR_TEST_PG_URL` (`scripts/pg-server start` sets it), so every store and server test
//! can also run on PostgreSQL. Not used by the server itself.

use crate::sql::Connection;
use crate::StorageError;

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
    let name = format!(
        "nichoir_test_{}",
        nichoir_core::ids::random_token(12)
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let admin = Connection::from_pg(crate::pg::pg_client(&crate::pg::pg_config(
        &server,
        "NICHOIR_TEST_PG_URL",
    )?)?);
    admin.execute_batch(&format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE '{locale}'"
    ))?;
    let base = server
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(server.as_str());
    Ok(Some(format!("{base}/{name}")))
}
