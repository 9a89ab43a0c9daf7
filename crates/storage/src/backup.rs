//! Backups are one `.tar.gz` holding `manifest.json`, a consistent snapshot of the database and
//! the `uploads/` folder. On SQLite the snapshot is `nichoir.db`, taken with SQLite's online
//! backup API (safe while the server writes); on PostgreSQL it is `nichoir.pgdump`, made by
//! `pg_dump` (`pgdump.rs`). The database is copied first: uploads are written before any row
//! refers to them, so every file the snapshot names is in the archive.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::pgdump::PgTarget;
use crate::{applied_versions, DataDir, MigrationSet, StorageError};

/// Which engine's snapshot an archive holds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Manifests written before PostgreSQL archives existed have no `engine`: they are SQLite's.
    #[default]
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine `storage.url` selects (empty: SQLite).
    pub fn of_url(storage_url: &str) -> Engine {
        if storage_url.is_empty() {
            Engine::Sqlite
        } else {
            Engine::Postgres
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupManifest {
    pub format: u32,
    #[serde(default)]
    pub engine: Engine,
    pub nichoir_version: String,
    pub created_at: String,
    pub schema: Vec<(String, u32)>,
    pub upload_files: u64,
    /// PostgreSQL only: the server dumped, e.g. "PostgreSQL 15.18 (Debian 15.18-0+deb12u1)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// PostgreSQL only: the `pg_dump --version` line; a restore needs a `pg_restore` as new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dump_tool: Option<String>,
}

/// SQLite archives keep the first format, so older binaries still restore them.
const SQLITE_FORMAT: u32 = 1;
/// PostgreSQL archives have no `nichoir.db`: a binary that knows only format 1 refuses them by
/// their format instead of failing on the missing file.
const POSTGRES_FORMAT: u32 = 2;

/// The database file's name inside an archive.
fn snapshot_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "nichoir.db",
        Engine::Postgres => "nichoir.pgdump",
    }
}

/// Writes a backup archive of the instance to `dest` (atomically: a partial file never has the
/// name): the database named by `storage_url` (empty: the data folder's SQLite file) and the
/// data folder's uploads. Blocking (it may wait minutes for `pg_dump`): from a blocking task.
pub fn create_backup(
    data: &DataDir,
    storage_url: &str,
    dest: &Path,
) -> Result<BackupManifest, StorageError> {
    let engine = Engine::of_url(storage_url);
    let db_path = data.db_path();
    if engine == Engine::Sqlite && !db_path.exists() {
        return Err(StorageError::Invalid(format!(
            "no database at {}: nothing to back up",
            db_path.display()
        )));
    }
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let work = tempfile::Builder::new()
        .prefix(".nichoir-backup-")
        .tempdir_in(parent)?;
    let snapshot = work.path().join(snapshot_name(engine));
    let (schema, database, dump_tool) = match engine {
        Engine::Sqlite => {
            {
                let src = Connection::open_with_flags(&db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
                src.busy_timeout(Duration::from_secs(30))?;
                let mut dst = Connection::open(&snapshot)?;
                // All pages in one step: the copy is a single read transaction, hence consistent.
                let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
                backup.run_to_completion(i32::MAX, Duration::ZERO, None)?;
            }
            let c = Connection::open_with_flags(&snapshot, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let schema =
                applied_versions(&crate::sql::Connection::from_sqlite(c)).unwrap_or_default();
            (schema, None, None)
        }
        Engine::Postgres => {
            let target = PgTarget::for_backup(storage_url)?;
            target.dump(&snapshot)?;
            // Read from the dump itself: the versions of the snapshot, not of a moment later.
            let schema = target.schema_of(&snapshot)?;
            if schema.is_empty() {
                return Err(StorageError::Invalid(
                    "the database named by storage.url has no Nichoir tables (no _migrations): \
                     nothing to back up"
                        .into(),
                ));
            }
            (
                schema,
                Some(target.server.clone()),
                Some(target.tools_version().to_string()),
            )
        }
    };
    let uploads = data.uploads_dir();
    let upload_files = count_files(&uploads)?;
    let manifest = BackupManifest {
        format: match engine {
            Engine::Sqlite => SQLITE_FORMAT,
            Engine::Postgres => POSTGRES_FORMAT,
        },
        engine,
        nichoir_version: nichoir_core::VERSION.to_string(),
        created_at: nichoir_core::time::rfc3339(nichoir_core::time::now_ms()),
        schema,
        upload_files,
        database,
        dump_tool,
    };
    let manifest_path = work.path().join("manifest.json");
    fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).map_err(|e| StorageError::Invalid(e.to_string()))?,
    )?;

    let partial = work.path().join("archive.partial");
    {
        let out = BufWriter::new(File::create(&partial)?);
        let mut tar = tar::Builder::new(GzEncoder::new(out, flate2::Compression::default()));
        tar.append_path_with_name(&manifest_path, "manifest.json")?;
        tar.append_path_with_name(&snapshot, snapshot_name(engine))?;
        if uploads.is_dir() {
            tar.append_dir_all("uploads", &uploads)?;
        }
        let gz = tar.into_inner()?;
        let out = gz.finish()?;
        out.into_inner()
            .map_err(|e| StorageError::Io(e.into_error()))?
            .sync_all()?;
    }
    fs::rename(&partial, dest)?;
    Ok(manifest)
}

fn count_files(dir: &Path) -> Result<u64, StorageError> {
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut n = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            n += count_files(&entry.path())?;
        } else {
            n += 1;
        }
    }
    Ok(n)
}

/// Puts a backup back in place of the instance's database and the data folder's uploads. The
/// server must be stopped (the data folder lock is taken; on PostgreSQL no other session may be
/// on the database). What was there is moved aside, never deleted: the SQLite file as it is, a
/// PostgreSQL database as a fresh dump. `known` are the migrations this binary has: a backup
/// whose schema is newer is refused before anything changes. Returns the manifest and the
/// folder holding the previous data.
pub fn restore_backup(
    data: &DataDir,
    storage_url: &str,
    archive: &Path,
    known: &[MigrationSet],
) -> Result<(BackupManifest, PathBuf), StorageError> {
    data.prepare()?;
    let _lock = data.lock()?;
    let staging = tempfile::Builder::new()
        .prefix(".nichoir-restore-")
        .tempdir_in(data.root())?;
    {
        let file = File::open(archive).map_err(|e| {
            StorageError::Invalid(format!("cannot open {}: {e}", archive.display()))
        })?;
        let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
        for entry in tar.entries().map_err(not_a_backup)? {
            let mut entry = entry.map_err(not_a_backup)?;
            // unpack_in refuses paths that would escape the staging folder.
            if !entry.unpack_in(staging.path()).map_err(not_a_backup)? {
                return Err(StorageError::Invalid(
                    "the archive holds a path outside its folder; refused".into(),
                ));
            }
        }
    }
    let manifest: BackupManifest = serde_json::from_slice(
        &fs::read(staging.path().join("manifest.json"))
            .map_err(|_| StorageError::Invalid("not a Nichoir backup: no manifest.json".into()))?,
    )
    .map_err(|e| StorageError::Invalid(format!("not a Nichoir backup: bad manifest: {e}")))?;
    if ![SQLITE_FORMAT, POSTGRES_FORMAT].contains(&manifest.format) {
        return Err(StorageError::Invalid(format!(
            "backup format {} is not supported by this version",
            manifest.format
        )));
    }
    let here = Engine::of_url(storage_url);
    match (manifest.engine, here) {
        (Engine::Sqlite, Engine::Postgres) => {
            return Err(StorageError::Invalid(
                "this backup holds a SQLite database and this instance uses PostgreSQL \
                 (storage.url): restore it into a SQLite instance (storage.url and \
                 NICHOIR_DATABASE_URL unset), then move it over with `nichoir storage copy \
                 --to postgres://…`"
                    .into(),
            ))
        }
        (Engine::Postgres, Engine::Sqlite) => {
            return Err(StorageError::Invalid(
                "this backup holds a PostgreSQL database and this instance uses SQLite: \
                 restore it with storage.url (or NICHOIR_DATABASE_URL) naming a PostgreSQL \
                 database, then, to run on SQLite, `nichoir storage copy --to sqlite`"
                    .into(),
            ))
        }
        _ => {}
    }
    let restored_db = staging.path().join(snapshot_name(here));
    if !restored_db.is_file() {
        return Err(StorageError::Invalid(format!(
            "not a Nichoir backup: no {}",
            snapshot_name(here)
        )));
    }
    let stamp = nichoir_core::time::now_ms();
    let aside = data.root().join(format!("pre-restore-{stamp}"));
    match here {
        Engine::Sqlite => {
            {
                let c =
                    Connection::open_with_flags(&restored_db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
                let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
                if check != "ok" {
                    return Err(StorageError::Invalid(format!(
                        "the database in the backup is damaged: {check}"
                    )));
                }
                let schema =
                    applied_versions(&crate::sql::Connection::from_sqlite(c)).map_err(|e| {
                        StorageError::Invalid(format!("not a Nichoir database in the backup: {e}"))
                    })?;
                check_schema(&schema, known, &manifest)?;
            }
            fs::create_dir_all(&aside)?;
            let db = data.db_path();
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", db.display()));
                if p.exists() {
                    fs::rename(&p, aside.join(format!("nichoir.db{suffix}")))?;
                }
            }
            fs::rename(&restored_db, &db)?;
        }
        Engine::Postgres => {
            let target = PgTarget::for_restore(storage_url, manifest.dump_tool.as_deref())?;
            let schema = target.schema_of(&restored_db)?;
            if schema.is_empty() {
                return Err(StorageError::Invalid(
                    "the dump in the backup has no Nichoir tables (no _migrations)".into(),
                ));
            }
            check_schema(&schema, known, &manifest)?;
            fs::create_dir_all(&aside)?;
            // The database is replaced in place: what it held is kept as a dump, as the
            // SQLite file would be.
            let replaced = target
                .dump(&aside.join("nichoir.pgdump"))
                .and_then(|()| target.replace_with(&restored_db));
            if let Err(e) = replaced {
                // Nothing changed: the folder would only hold a copy of what is still there.
                let _ = fs::remove_dir_all(&aside);
                return Err(e);
            }
        }
    }
    if data.uploads_dir().exists() {
        fs::rename(data.uploads_dir(), aside.join("uploads"))?;
    }
    let restored_uploads = staging.path().join("uploads");
    if restored_uploads.exists() {
        fs::rename(restored_uploads, data.uploads_dir())?;
    } else {
        fs::create_dir_all(data.uploads_dir())?;
    }
    Ok((manifest, aside))
}

/// Refuses a database whose schema is newer than this binary's migrations: the server would
/// refuse to start on it, and on PostgreSQL the previous content would already be replaced.
fn check_schema(
    found: &[(String, u32)],
    known: &[MigrationSet],
    manifest: &BackupManifest,
) -> Result<(), StorageError> {
    for (component, version) in found {
        let max = known
            .iter()
            .filter(|s| s.component == component)
            .flat_map(|s| s.migrations.iter().map(|m| m.version))
            .max();
        if max.is_none_or(|m| *version > m) {
            return Err(StorageError::Invalid(format!(
                "the backup's database is at {component} schema version {version}, which \
                 Nichoir {} does not know (it knows {}): restore it with Nichoir {} or newer",
                nichoir_core::VERSION,
                max.map_or("none".to_string(), |m| m.to_string()),
                manifest.nichoir_version
            )));
        }
    }
    Ok(())
}

fn not_a_backup(e: std::io::Error) -> StorageError {
    StorageError::Invalid(format!("not a readable Nichoir backup archive: {e}"))
}

/// Keeps the `keep` newest automatic backups in `dir` (named `nichoir-backup-<ms>.tar.gz`).
pub fn prune_backups(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, StorageError> {
    let mut found: Vec<(i64, PathBuf)> = Vec::new();
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(ms) = name
            .strip_prefix("nichoir-backup-")
            .and_then(|r| r.strip_suffix(".tar.gz"))
            .and_then(|r| r.parse::<i64>().ok())
        {
            found.push((ms, path));
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut removed = Vec::new();
    for (_, path) in found.into_iter().skip(keep) {
        fs::remove_file(&path)?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Db, DbOptions, Migration, MigrationSet};

    const SET: MigrationSet = MigrationSet {
        component: "t",
        migrations: &[Migration {
            version: 1,
            name: "notes",
            after: None,
            sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT;",
            pg: "CREATE TABLE notes (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, body TEXT NOT NULL);",
        }],
    };

    #[tokio::test]
    async fn backup_while_writing_then_restore() -> Result<(), StorageError> {
        let root = tempfile::tempdir()?;
        let data = DataDir::new(root.path().join("data"));
        data.prepare()?;
        fs::write(data.uploads_dir().join("a.bin"), b"upload")?;
        let db = Db::open(&data.db_path(), &DbOptions::default(), &[SET])?;
        for i in 0..100 {
            db.write(move |tx| {
                tx.execute("INSERT INTO notes (body) VALUES (?1)", [format!("n{i}")])?;
                Ok(())
            })
            .await?;
        }
        let archive = root.path().join("b.tar.gz");
        let d2 = data.clone();
        let a2 = archive.clone();
        let writer = {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..200 {
                    let _ = db
                        .write(move |tx| {
                            tx.execute(
                                "INSERT INTO notes (body) VALUES (?1)",
                                [format!("late{i}")],
                            )?;
                            Ok(())
                        })
                        .await;
                }
            })
        };
        let manifest = tokio::task::spawn_blocking(move || create_backup(&d2, "", &a2))
            .await
            .map_err(|e| StorageError::Invalid(e.to_string()))??;
        let _ = writer.await;
        assert_eq!(manifest.upload_files, 1);
        assert_eq!(manifest.schema, vec![("t".to_string(), 1)]);
        db.close();
        drop(db);

        fs::write(data.uploads_dir().join("a.bin"), b"changed")?;
        // A binary that knows an older schema refuses the backup and leaves everything.
        let older = MigrationSet {
            component: "t",
            migrations: &[],
        };
        let newer = restore_backup(&data, "", &archive, &[older]).expect_err("newer schema");
        assert!(newer.to_string().contains("schema version 1"), "{newer}");
        assert_eq!(fs::read(data.uploads_dir().join("a.bin"))?, b"changed");
        let (_, aside) = restore_backup(&data, "", &archive, &[SET])?;
        assert!(aside.join("nichoir.db").exists());
        assert_eq!(fs::read(data.uploads_dir().join("a.bin"))?, b"upload");
        let c = Connection::open(data.db_path())?;
        let n: i64 = c.query_row("SELECT COUNT(*) FROM notes", [], |r| r.get(0))?;
        assert!((100..=300).contains(&n), "snapshot has {n} rows");
        let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(ok, "ok");
        Ok(())
    }

    #[test]
    fn restore_refuses_garbage_and_running_server() -> Result<(), StorageError> {
        let root = tempfile::tempdir()?;
        let data = DataDir::new(root.path().join("data"));
        data.prepare()?;
        let junk = root.path().join("junk.tar.gz");
        fs::write(&junk, b"this is not a backup")?;
        let err = restore_backup(&data, "", &junk, &[SET]).expect_err("junk");
        assert!(err.to_string().contains("not a"), "{err}");
        let _held = data.lock()?;
        let err = restore_backup(&data, "", &junk, &[SET]).expect_err("locked");
        assert!(err.to_string().contains("another Nichoir process"), "{err}");
        Ok(())
    }

    /// `url` with the test server reached through its Unix socket (in NICHOIR_TEST_PG_DIR),
    /// which the tools must handle as well as TCP.
    fn over_socket(url: &str) -> Result<String, StorageError> {
        let Ok(dir) = std::env::var("NICHOIR_TEST_PG_DIR") else {
            return Ok(url.to_string());
        };
        let config = crate::pg::pg_config(url, "test")?;
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap_or("postgres");
        let db = config.get_dbname().unwrap_or(user);
        Ok(format!(
            "postgres://{user}@{}:{port}/{db}",
            dir.replace('/', "%2F")
        ))
    }

    fn pg(url: &str) -> Result<crate::sql::Connection, StorageError> {
        Ok(crate::sql::Connection::from_pg(crate::pg::pg_client(
            &crate::pg::pg_config(url, "test")?,
        )?))
    }

    fn count(c: &crate::sql::Connection, sql: &str) -> Result<i64, StorageError> {
        Ok(c.query_row(sql, [], |r| r.get(0))?)
    }

    /// An archive with `manifest` and `dump` as its database.
    fn archive_with(
        path: &Path,
        manifest: &BackupManifest,
        dump: &[u8],
    ) -> Result<(), StorageError> {
        let mut tar = tar::Builder::new(GzEncoder::new(
            File::create(path)?,
            flate2::Compression::fast(),
        ));
        for (name, bytes) in [
            (
                "manifest.json",
                serde_json::to_vec(manifest).map_err(|e| StorageError::Invalid(e.to_string()))?,
            ),
            ("nichoir.pgdump", dump.to_vec()),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o600);
            header.set_cksum();
            tar.append_data(&mut header, name, bytes.as_slice())?;
        }
        tar.into_inner()?.finish()?;
        Ok(())
    }

    /// The `nichoir.pgdump` inside an archive.
    fn dump_in(archive: &Path) -> Result<Vec<u8>, StorageError> {
        let mut tar = tar::Archive::new(GzDecoder::new(File::open(archive)?));
        for entry in tar.entries()? {
            let mut entry = entry?;
            if entry.path()?.as_os_str() == "nichoir.pgdump" {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut bytes)?;
                return Ok(bytes);
            }
        }
        Err(StorageError::Invalid("no dump in the archive".into()))
    }

    /// PostgreSQL (with a test server only, over its Unix socket): the archive holds a dump and
    /// the uploads; a restore refuses while another session is on the database, then makes the
    /// database equal to the snapshot (a table made after it is gone, the identity goes on after
    /// the restored ids), puts the uploads back and keeps what was there; a dump that breaks
    /// half-way, or a schema newer than the binary, changes nothing.
    #[test]
    fn postgres_backup_then_restore_replaces_the_database() -> Result<(), StorageError> {
        let Some(tcp) = crate::testing::fresh_pg_database()? else {
            return Ok(());
        };
        let url = over_socket(&tcp)?;
        Db::open_postgres(&url, &DbOptions::default(), &[SET])?.close();
        let root = tempfile::tempdir()?;
        let data = DataDir::new(root.path().join("data"));
        data.prepare()?;
        fs::write(data.uploads_dir().join("a.bin"), b"upload")?;
        let c = pg(&url)?;
        c.execute_batch(
            "INSERT INTO notes (body) SELECT md5(i::text) || repeat(md5((i * 7)::text), 3)
               FROM generate_series(1, 3000) AS i",
        )?;

        let archive = root.path().join("pg.tar.gz");
        let manifest = create_backup(&data, &url, &archive)?;
        assert_eq!(manifest.engine, Engine::Postgres);
        assert_eq!(manifest.format, POSTGRES_FORMAT);
        assert_eq!(manifest.schema, vec![("t".to_string(), 1)]);
        assert_eq!(manifest.upload_files, 1);
        assert!(
            manifest
                .dump_tool
                .as_deref()
                .is_some_and(|t| t.starts_with("pg_dump")),
            "{manifest:?}"
        );

        // After the backup: rows changed, a table and a migration added, uploads changed.
        c.execute_batch(
            "DELETE FROM notes WHERE id <= 10; INSERT INTO notes (body) VALUES ('late');
             CREATE TABLE later (id BIGINT GENERATED ALWAYS AS IDENTITY, x TEXT);
             INSERT INTO _migrations VALUES ('t', 2, 'later', 'x', 0);",
        )?;
        fs::write(data.uploads_dir().join("a.bin"), b"changed")?;
        fs::write(data.uploads_dir().join("b.bin"), b"after")?;

        let busy = restore_backup(&data, &url, &archive, &[SET]).expect_err("a session is open");
        assert!(busy.to_string().contains("other connection"), "{busy}");
        assert_eq!(count(&c, "SELECT COUNT(*) FROM notes")?, 2991, "unchanged");
        drop(c);

        let (m, aside) = restore_backup(&data, &url, &archive, &[SET])?;
        assert_eq!(m, manifest);
        let c = pg(&url)?;
        assert_eq!(count(&c, "SELECT COUNT(*) FROM notes")?, 3000);
        assert_eq!(count(&c, "SELECT COUNT(*) FROM notes WHERE id <= 10")?, 10);
        assert_eq!(
            count(&c, "SELECT COUNT(*) FROM notes WHERE body = 'late'")?,
            0
        );
        assert_eq!(
            count(&c, "SELECT COUNT(*) FROM pg_class WHERE relname = 'later'")?,
            0,
            "a table made after the snapshot is gone"
        );
        assert_eq!(count(&c, "SELECT MAX(version) FROM _migrations")?, 1);
        c.execute_batch("INSERT INTO notes (body) VALUES ('next')")?;
        assert_eq!(
            count(&c, "SELECT id FROM notes WHERE body = 'next'")?,
            3001,
            "the identity goes on after the restored rows"
        );
        assert_eq!(fs::read(data.uploads_dir().join("a.bin"))?, b"upload");
        assert!(!data.uploads_dir().join("b.bin").exists());
        assert_eq!(fs::read(aside.join("uploads").join("b.bin"))?, b"after");
        assert!(
            aside.join("nichoir.pgdump").is_file(),
            "the previous database is kept"
        );
        drop(c);

        // A dump cut short: its schema reads, the rest does not; nothing may change.
        let dump = dump_in(&archive)?;
        let cut = root.path().join("cut.tar.gz");
        archive_with(&cut, &manifest, &dump[..dump.len() * 3 / 5])?;
        let broken = restore_backup(&data, &url, &cut, &[SET]).expect_err("cut dump");
        assert!(broken.to_string().contains("unchanged"), "{broken}");
        let c = pg(&url)?;
        assert_eq!(count(&c, "SELECT COUNT(*) FROM notes")?, 3001, "unchanged");
        drop(c);

        // A schema newer than the binary's migrations: refused before anything changes.
        let older = MigrationSet {
            component: "t",
            migrations: &[],
        };
        let newer = restore_backup(&data, &url, &archive, &[older]).expect_err("newer schema");
        assert!(newer.to_string().contains("schema version 1"), "{newer}");
        assert_eq!(count(&pg(&url)?, "SELECT COUNT(*) FROM notes")?, 3001);

        // Into a new, empty database (a new server after losing the old one).
        let Some(fresh) = crate::testing::fresh_pg_database()? else {
            return Ok(());
        };
        let elsewhere = DataDir::new(root.path().join("elsewhere"));
        restore_backup(&elsewhere, &fresh, &archive, &[SET])?;
        assert_eq!(count(&pg(&fresh)?, "SELECT COUNT(*) FROM notes")?, 3000);
        assert_eq!(fs::read(elsewhere.uploads_dir().join("a.bin"))?, b"upload");

        // And into a SQLite instance: refused, saying how.
        let other = DataDir::new(root.path().join("sqlite"));
        let wrong = restore_backup(&other, "", &archive, &[SET]).expect_err("engine");
        assert!(wrong.to_string().contains("storage copy"), "{wrong}");
        Ok(())
    }

    #[test]
    fn a_manifest_without_an_engine_is_a_sqlite_one() {
        let m: BackupManifest = serde_json::from_str(
            r#"{"format":1,"nichoir_version":"0.1.0","created_at":"2026-01-01T00:00:00Z",
                "schema":[["auth",2]],"upload_files":0}"#,
        )
        .expect("a manifest written before PostgreSQL archives");
        assert_eq!((m.format, m.engine), (SQLITE_FORMAT, Engine::Sqlite));
    }

    #[test]
    fn prune_keeps_the_newest() -> Result<(), StorageError> {
        let dir = tempfile::tempdir()?;
        for ms in [1, 2, 3, 4] {
            fs::write(dir.path().join(format!("nichoir-backup-{ms}.tar.gz")), b"x")?;
        }
        fs::write(dir.path().join("other.txt"), b"x")?;
        let removed = prune_backups(dir.path(), 2)?;
        assert_eq!(removed.len(), 2);
        assert!(dir.path().join("nichoir-backup-4.tar.gz").exists());
        assert!(dir.path().join("nichoir-backup-3.tar.gz").exists());
        assert!(dir.path().join("other.txt").exists());
        Ok(())
    }
}
