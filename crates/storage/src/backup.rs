//! Backups are one `.tar.gz` holding `manifest.json`, a consistent snapshot of `nichoir.db` taken
//! with SQLite's online backup API (safe while the server writes), and the `uploads/` folder.
//! The database is copied first: uploads are written before any row refers to them, so every file
//! the snapshot names is in the archive.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::{applied_versions, DataDir, StorageError};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupManifest {
    pub format: u32,
    pub nichoir_version: String,
    pub created_at: String,
    pub schema: Vec<(String, u32)>,
    pub upload_files: u64,
}

const FORMAT: u32 = 1;

/// Writes a backup archive of `data` to `dest` (atomically: a partial file never has the name).
pub fn create_backup(data: &DataDir, dest: &Path) -> Result<BackupManifest, StorageError> {
    let db_path = data.db_path();
    if !db_path.exists() {
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
    let snapshot = work.path().join("nichoir.db");
    {
        let src = Connection::open_with_flags(&db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        src.busy_timeout(Duration::from_secs(30))?;
        let mut dst = Connection::open(&snapshot)?;
        // All pages in one step: the copy is a single read transaction, hence consistent.
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(i32::MAX, Duration::ZERO, None)?;
    }
    let schema = {
        let c = Connection::open_with_flags(&snapshot, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        applied_versions(&crate::sql::Connection::from_sqlite(c)).unwrap_or_default()
    };
    let uploads = data.uploads_dir();
    let upload_files = count_files(&uploads)?;
    let manifest = BackupManifest {
        format: FORMAT,
        nichoir_version: nichoir_core::VERSION.to_string(),
        created_at: nichoir_core::time::rfc3339(nichoir_core::time::now_ms()),
        schema,
        upload_files,
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
        tar.append_path_with_name(&snapshot, "nichoir.db")?;
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

/// Puts a backup back in place of the data folder's database and uploads. The server must be
/// stopped (the data folder lock is taken). What was there is moved aside, never deleted.
/// Returns the manifest and the folder holding the previous data.
pub fn restore_backup(
    data: &DataDir,
    archive: &Path,
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
    if manifest.format != FORMAT {
        return Err(StorageError::Invalid(format!(
            "backup format {} is not supported by this version",
            manifest.format
        )));
    }
    let restored_db = staging.path().join("nichoir.db");
    {
        let c = Connection::open_with_flags(&restored_db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StorageError::Invalid(format!(
                "the database in the backup is damaged: {check}"
            )));
        }
    }
    let stamp = nichoir_core::time::now_ms();
    let aside = data.root().join(format!("pre-restore-{stamp}"));
    fs::create_dir_all(&aside)?;
    let db = data.db_path();
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if p.exists() {
            fs::rename(&p, aside.join(format!("nichoir.db{suffix}")))?;
        }
    }
    if data.uploads_dir().exists() {
        fs::rename(data.uploads_dir(), aside.join("uploads"))?;
    }
    fs::rename(&restored_db, &db)?;
    let restored_uploads = staging.path().join("uploads");
    if restored_uploads.exists() {
        fs::rename(restored_uploads, data.uploads_dir())?;
    } else {
        fs::create_dir_all(data.uploads_dir())?;
    }
    Ok((manifest, aside))
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
        let manifest = tokio::task::spawn_blocking(move || create_backup(&d2, &a2))
            .await
            .map_err(|e| StorageError::Invalid(e.to_string()))??;
        let _ = writer.await;
        assert_eq!(manifest.upload_files, 1);
        assert_eq!(manifest.schema, vec![("t".to_string(), 1)]);
        db.close();
        drop(db);

        fs::write(data.uploads_dir().join("a.bin"), b"changed")?;
        let (_, aside) = restore_backup(&data, &archive)?;
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
        let err = restore_backup(&data, &junk).expect_err("junk");
        assert!(err.to_string().contains("not a"), "{err}");
        let _held = data.lock()?;
        let err = restore_backup(&data, &junk).expect_err("locked");
        assert!(err.to_string().contains("another Nichoir process"), "{err}");
        Ok(())
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
