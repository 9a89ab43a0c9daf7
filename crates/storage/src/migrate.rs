//! Versioned, append-only migrations. Each crate that owns tables declares a `MigrationSet`; the
//! set of applied versions is recorded per component in `_migrations`, with a checksum so that
//! editing an applied migration is caught instead of silently diverging.

use sha2::{Digest, Sha256};

use crate::sql::{Connection, Dialect, OptionalExtension};
use crate::{params, StorageError};

/// Rust that a migration runs after its SQL (see [`Migration::after`]).
pub type MigrationStep = fn(&Connection) -> Result<(), StorageError>;

#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    /// The SQLite text.
    pub sql: &'static str,
    /// The same migration for PostgreSQL (`INTEGER` → `BIGINT`, identity keys, `BYTEA`, search
    /// tables as plain tables with a `tsvector`…): written beside the SQLite text, checksummed
    /// apart, so an existing SQLite database keeps its checksums.
    pub pg: &'static str,
    /// Run after the text, in the same transaction, on either engine: what SQL alone cannot do,
    /// such as refolding the search tables with `search::fold`. Not part of the checksum.
    pub after: Option<MigrationStep>,
}

impl Migration {
    fn text(&self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => self.sql,
            Dialect::Postgres => self.pg,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct MigrationSet {
    /// The owning crate, e.g. "auth" or "pad". Never renamed.
    pub component: &'static str,
    pub migrations: &'static [Migration],
}

fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of the advisory lock PostgreSQL nodes take around migrations ("nichoir" in ASCII).
const MIGRATION_LOCK: i64 = 0x006e_6963_686f_6972;

pub(crate) fn run(conn: &Connection, sets: &[MigrationSet]) -> Result<(), StorageError> {
    let dialect = conn.dialect();
    if dialect == Dialect::Postgres {
        // Several nodes starting at once on one empty database: one applies, the others wait
        // and then find everything applied.
        conn.query_row("SELECT pg_advisory_lock(?1)", [MIGRATION_LOCK], |_| Ok(()))?;
    }
    let result = run_locked(conn, sets, dialect);
    if dialect == Dialect::Postgres {
        let _ = conn.query_row(
            "SELECT pg_advisory_unlock(?1)",
            [MIGRATION_LOCK],
            |_| Ok(()),
        );
    }
    result
}

fn run_locked(
    conn: &Connection,
    sets: &[MigrationSet],
    dialect: Dialect,
) -> Result<(), StorageError> {
    conn.execute_batch(match dialect {
        Dialect::Sqlite => {
            "CREATE TABLE IF NOT EXISTS _migrations (
                component TEXT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at INTEGER NOT NULL,
                PRIMARY KEY (component, version)
            ) STRICT;"
        }
        Dialect::Postgres => {
            "CREATE TABLE IF NOT EXISTS _migrations (
                component TEXT NOT NULL,
                version BIGINT NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at BIGINT NOT NULL,
                PRIMARY KEY (component, version)
            );"
        }
    })?;
    for set in sets {
        for (i, m) in set.migrations.iter().enumerate() {
            if m.version as usize != i + 1 {
                return Err(StorageError::Migration(format!(
                    "{}: migration {} is numbered {}, expected {}",
                    set.component,
                    m.name,
                    m.version,
                    i + 1
                )));
            }
        }
        let newest: Option<u32> = conn
            .query_row(
                "SELECT MAX(version) FROM _migrations WHERE component = ?1",
                [set.component],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if let Some(newest) = newest {
            if newest as usize > set.migrations.len() {
                return Err(StorageError::Migration(format!(
                    "{}: the database is at version {newest}, newer than this binary knows ({}); \
                     use a newer Nichoir",
                    set.component,
                    set.migrations.len()
                )));
            }
        }
        for m in set.migrations {
            let stored: Option<String> = conn
                .query_row(
                    "SELECT checksum FROM _migrations WHERE component = ?1 AND version = ?2",
                    params![set.component, m.version],
                    |r| r.get(0),
                )
                .optional()?;
            let text = m.text(dialect);
            let sum = checksum(text);
            match stored {
                Some(s) if s == sum => continue,
                Some(_) => {
                    return Err(StorageError::Migration(format!(
                        "{} migration {} ({}) was changed after it was applied; migrations are \
                         append-only",
                        set.component, m.version, m.name
                    )))
                }
                None => apply(conn, set.component, m, text, &sum, dialect)?,
            }
        }
    }
    Ok(())
}

/// One migration and its record, in one transaction (DDL is transactional on both engines).
fn apply(
    conn: &Connection,
    component: &str,
    m: &Migration,
    text: &str,
    sum: &str,
    dialect: Dialect,
) -> Result<(), StorageError> {
    conn.execute_batch(match dialect {
        Dialect::Sqlite => "BEGIN IMMEDIATE",
        Dialect::Postgres => "BEGIN",
    })?;
    let done = conn
        .execute_batch(text)
        .map_err(|e| {
            StorageError::Migration(format!(
                "{component} migration {} ({}) failed: {e}",
                m.version, m.name
            ))
        })
        .and_then(|()| match m.after {
            Some(after) => after(conn).map_err(|e| {
                StorageError::Migration(format!(
                    "{component} migration {} ({}) failed: {e}",
                    m.version, m.name
                ))
            }),
            None => Ok(()),
        })
        .and_then(|()| {
            conn.execute(
                "INSERT INTO _migrations (component, version, name, checksum, applied_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    component,
                    m.version,
                    m.name,
                    sum,
                    nichoir_core::time::now_ms()
                ],
            )?;
            Ok(conn.execute_batch("COMMIT")?)
        });
    if let Err(e) = done {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e);
    }
    tracing::info!(
        component,
        version = m.version,
        name = m.name,
        "migration applied"
    );
    Ok(())
}

/// (component, highest applied version) for every component, for backups and `config check`.
pub fn applied_versions(conn: &Connection) -> Result<Vec<(String, u32)>, StorageError> {
    let mut stmt = conn.prepare(
        "SELECT component, MAX(version) FROM _migrations GROUP BY component ORDER BY component",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &[Migration] = &[Migration {
        version: 1,
        name: "things",
        after: None,
        sql: "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
        pg: "CREATE TABLE things (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL);",
    }];
    const V2: &[Migration] = &[
        V1[0],
        Migration {
            version: 2,
            name: "things_colour",
            after: None,
            sql: "ALTER TABLE things ADD COLUMN colour TEXT;",
            pg: "ALTER TABLE things ADD COLUMN colour TEXT;",
        },
    ];

    fn set(m: &'static [Migration]) -> MigrationSet {
        MigrationSet {
            component: "test",
            migrations: m,
        }
    }

    #[test]
    fn an_old_database_opens_in_a_new_binary() -> Result<(), StorageError> {
        let c = Connection::open_in_memory()?;
        run(&c, &[set(V1)])?;
        c.execute("INSERT INTO things (name) VALUES ('kept')", [])?;
        run(&c, &[set(V2)])?;
        run(&c, &[set(V2)])?; // idempotent
        let name: String = c.query_row("SELECT name FROM things", [], |r| r.get(0))?;
        assert_eq!(name, "kept");
        assert_eq!(applied_versions(&c)?, vec![("test".to_string(), 2)]);
        Ok(())
    }

    #[test]
    fn a_newer_database_is_refused() -> Result<(), StorageError> {
        let c = Connection::open_in_memory()?;
        run(&c, &[set(V2)])?;
        let err = run(&c, &[set(V1)]).expect_err("newer db");
        assert!(err.to_string().contains("newer"), "{err}");
        Ok(())
    }

    #[test]
    fn an_edited_migration_is_caught() -> Result<(), StorageError> {
        const EDITED: &[Migration] = &[Migration {
            version: 1,
            name: "things",
            after: None,
            sql: "CREATE TABLE things (id INTEGER PRIMARY KEY);",
            pg: "CREATE TABLE things (id BIGINT PRIMARY KEY);",
        }];
        let c = Connection::open_in_memory()?;
        run(&c, &[set(V1)])?;
        let err = run(&c, &[set(EDITED)]).expect_err("edited");
        assert!(err.to_string().contains("append-only"), "{err}");
        Ok(())
    }

    #[test]
    fn a_failing_migration_leaves_nothing_half_done() -> Result<(), StorageError> {
        const BAD: &[Migration] = &[Migration {
            version: 1,
            name: "bad",
            after: None,
            sql: "CREATE TABLE a (x); CREATE TABLE a (y);",
            pg: "CREATE TABLE a (x TEXT); CREATE TABLE a (y TEXT);",
        }];
        let c = Connection::open_in_memory()?;
        assert!(run(&c, &[set(BAD)]).is_err());
        let n: i64 = c.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(n, 0);
        Ok(())
    }
}
