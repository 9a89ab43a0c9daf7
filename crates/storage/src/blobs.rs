//! Content-addressed files under the data folder's `uploads/`: a file is stored once under the
//! SHA-256 of its bytes, written to a temporary name, synced, then renamed, so a crash never
//! leaves half a file under a real name.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Stores `bytes` in `dir` (created if needed) and answers their hex SHA-256, the file's name.
/// Blocking: call it from `spawn_blocking`.
pub fn put(dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let sha = format!("{:x}", Sha256::digest(bytes));
    std::fs::create_dir_all(dir)?;
    let path = dir.join(&sha);
    if path.exists() {
        return Ok(sha);
    }
    let tmp = dir.join(format!(".{sha}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(sha)
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_bytes_same_file() {
        let dir = tempfile::tempdir().expect("dir");
        let a = super::put(dir.path(), b"hello").expect("put");
        let b = super::put(dir.path(), b"hello").expect("put");
        assert_eq!(a, b);
        assert_eq!(std::fs::read(dir.path().join(&a)).expect("read"), b"hello");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("ls").count(),
            1,
            "no temporary left"
        );
    }
}
