//! The data folder: `nichoir.db` (+ WAL), `uploads/`, `backups/`, and a lock file that tells a
//! running server from a stopped one.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::StorageError;

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// Held by a running server; `restore` refuses to run while another process holds it.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn db_path(&self) -> PathBuf {
        self.root.join("nichoir.db")
    }
    pub fn uploads_dir(&self) -> PathBuf {
        self.root.join("uploads")
    }

    /// Creates the folders and proves they can be written, with a message a host understands.
    pub fn prepare(&self) -> Result<(), StorageError> {
        let fail = |what: &str, e: std::io::Error| {
            StorageError::Invalid(format!(
                "data directory {} {what}: {e}",
                self.root.display()
            ))
        };
        fs::create_dir_all(&self.root).map_err(|e| fail("cannot be created", e))?;
        fs::create_dir_all(self.uploads_dir()).map_err(|e| fail("cannot be written", e))?;
        let probe = self.root.join(".write-probe");
        fs::write(&probe, b"ok").map_err(|e| fail("is not writable", e))?;
        let _ = fs::remove_file(&probe);
        Ok(())
    }

    /// Takes the exclusive lock, failing at once if a server already runs on this folder.
    pub fn lock(&self) -> Result<DataDirLock, StorageError> {
        let path = self.root.join("nichoir.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(_) => Err(StorageError::Invalid(format!(
                "another Nichoir process is using {} (stop it first)",
                self.root.display()
            ))),
        }
    }
}
