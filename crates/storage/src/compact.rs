//! `nichoir storage compact`: rewrites the SQLite file (`VACUUM`) with the server stopped, at the
//! configured page size. A database keeps the page size it was created with (an instance from
//! before `storage.page_size` has SQLite's 4 KiB pages, which write up to four times as many
//! bytes per commit as 1 KiB pages); `VACUUM` is the one way SQLite changes it, and it also gives
//! back the pages freed by deletions (pruned chat events, expired pads) and defragments the
//! tables.

use std::path::Path;

use nichoir_core::config::StorageConfig;
use rusqlite::OpenFlags;

use crate::StorageError;

/// The file before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    pub page_size_before: u32,
    pub page_size_after: u32,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// Rewrites the SQLite database at `path` with `page_size`-byte pages. The caller holds the data
/// dir's lock (no server runs): SQLite changes a page size only outside WAL mode, so the journal
/// goes to `DELETE` for the rewrite and back to `WAL` after it.
pub fn compact(path: &Path, page_size: u32) -> Result<Compacted, StorageError> {
    if !path.is_file() {
        return Err(StorageError::Invalid(format!(
            "no SQLite database at {}",
            path.display()
        )));
    }
    if !StorageConfig::is_page_size(page_size.into()) {
        return Err(StorageError::Invalid(format!(
            "page size {page_size}: a power of two from 512 to 65536"
        )));
    }
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // VACUUM builds the whole copy in the temporary store, which this build of SQLite keeps in
    // memory by default (and the server asks for): a file instead (SQLITE_TMPDIR, else
    // /var/tmp or /tmp), so a large database does not need its size in RAM.
    conn.pragma_update(None, "temp_store", "FILE")?;
    let size = |conn: &rusqlite::Connection| -> Result<(u32, u64), StorageError> {
        let page: u32 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages: u64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        Ok((page, pages * u64::from(page)))
    };
    // Folds the WAL in first: its frames are part of the database.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let (page_size_before, bytes_before) = size(&conn)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StorageError::Invalid(format!(
            "the database stayed in {mode} mode: is a server still using it?"
        )));
    }
    conn.pragma_update(None, "page_size", page_size)?;
    let vacuumed = conn.execute_batch("VACUUM");
    // Back to WAL whether or not VACUUM worked: the server expects it (and sets it anyway).
    let wal: Result<String, _> = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0));
    vacuumed?;
    wal?;
    let (page_size_after, bytes_after) = size(&conn)?;
    Ok(Compacted {
        page_size_before,
        page_size_after,
        bytes_before,
        bytes_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Db, DbOptions, Migration, MigrationSet};

    const SET: MigrationSet = MigrationSet {
        component: "compact_test",
        migrations: &[Migration {
            version: 1,
            name: "rows",
            after: None,
            sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT;",
            pg: "CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT NOT NULL);",
        }],
    };

    async fn rows(db: &Db) -> Result<(i64, i64), StorageError> {
        db.read(|c| {
            Ok(
                c.query_row("SELECT count(*), sum(length(v)) FROM t", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?,
            )
        })
        .await
    }

    #[tokio::test]
    async fn an_old_database_moves_to_the_page_size_and_keeps_every_row() -> Result<(), StorageError>
    {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("x.db");
        let old = DbOptions {
            page_size: 4096,
            ..DbOptions::default()
        };
        let db = Db::open(&path, &old, &[SET])?;
        db.write(|tx| {
            for k in 0..2_000_i64 {
                tx.execute(
                    "INSERT INTO t (k, v) VALUES (?1, ?2)",
                    crate::params![k, "x".repeat(300)],
                )?;
            }
            // Half deleted: free pages that the rewrite gives back.
            tx.execute("DELETE FROM t WHERE k % 2 = 0", [])?;
            Ok(())
        })
        .await?;
        let before = rows(&db).await?;
        db.close();
        drop(db);

        let c = compact(&path, 1024)?;
        assert_eq!((c.page_size_before, c.page_size_after), (4096, 1024));
        assert!(c.bytes_after < c.bytes_before, "{c:?}");

        let db = Db::open(&path, &old, &[SET])?;
        assert_eq!(rows(&db).await?, before);
        let (page, mode) = db
            .read(|c| {
                Ok((
                    c.query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))?,
                    c.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))?,
                ))
            })
            .await?;
        assert_eq!((page, mode.as_str()), (1024, "wal"));
        db.write(|tx| Ok(tx.execute("INSERT INTO t (k, v) VALUES (-1, 'after')", [])?))
            .await?;
        db.close();
        Ok(())
    }

    #[test]
    fn no_file_or_a_bad_size_is_refused() -> Result<(), StorageError> {
        let dir = tempfile::tempdir()?;
        assert!(compact(&dir.path().join("none.db"), 1024).is_err());
        assert!(!dir.path().join("none.db").exists(), "nothing created");
        let path = dir.path().join("x.db");
        Db::open(&path, &DbOptions::default(), &[SET])?.close();
        assert!(compact(&path, 1000).is_err());
        Ok(())
    }
}
