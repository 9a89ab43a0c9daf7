//! Uploaded files (chat files and their thumbnails, wiki attachments), content-addressed: a
//! file is stored once under the SHA-256 of its bytes. They live in one of two homes:
//! - the data folder's `uploads/` (the default): a file is written to a temporary name, synced,
//!   then renamed, so a crash never leaves half a file under a real name. Several nodes share
//!   it as a mount (NFS, CephFS);
//! - an S3-compatible bucket (`uploads.s3_*`: Garage, MinIO…), which every node reaches. The
//!   requests are signed by `rusty-s3` and sent with `reqwest`; an object appears whole or not
//!   at all, as S3 promises.
//!
//! Keys are paths made by the tools (`chat/<sha>`, `chat/thumbs/<sha>.png`, `wiki/<id>/<sha>`),
//! never by the people who upload.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use nichoir_core::config::UploadsConfig;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use sha2::{Digest, Sha256};

/// Where uploaded files are kept (cheap to clone).
#[derive(Clone)]
pub struct Blobs {
    home: Arc<Home>,
}

enum Home {
    Dir(PathBuf),
    S3(S3),
}

struct S3 {
    bucket: Bucket,
    credentials: Credentials,
    http: reqwest::Client,
}

/// How long a signed request stays valid: it is sent at once.
const SIGNED_FOR: Duration = Duration::from_secs(120);
/// An S3 request that takes longer has failed (files are at most `uploads.max_file_bytes`).
const S3_TIMEOUT: Duration = Duration::from_secs(60);

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.home {
            Home::Dir(d) => write!(f, "Blobs({})", d.display()),
            Home::S3(s) => write!(f, "Blobs(s3 {})", s.bucket.base_url()),
        }
    }
}

impl Blobs {
    /// Files under `dir` (the data folder's `uploads/`).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Blobs {
        Blobs {
            home: Arc::new(Home::Dir(dir.into())),
        }
    }

    /// The home `config` names: its bucket when `s3_endpoint` is set, else `uploads_dir`.
    pub fn open(config: &UploadsConfig, uploads_dir: &Path) -> Result<Blobs, String> {
        if config.s3_endpoint.is_empty() {
            return Ok(Blobs::in_dir(uploads_dir));
        }
        let endpoint = config
            .s3_endpoint
            .parse()
            .map_err(|e| format!("uploads.s3_endpoint: {e}"))?;
        let style = if config.s3_path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(
            endpoint,
            style,
            config.s3_bucket.clone(),
            config.s3_region.clone(),
        )
        .map_err(|e| format!("uploads.s3_endpoint: {e}"))?;
        let credentials = Credentials::new(
            config.s3_access_key_id.clone(),
            config.s3_secret_access_key.clone(),
        );
        let http = reqwest::Client::builder()
            .timeout(S3_TIMEOUT)
            .build()
            .map_err(|e| format!("uploads: the S3 client: {e}"))?;
        Ok(Blobs {
            home: Arc::new(Home::S3(S3 {
                bucket,
                credentials,
                http,
            })),
        })
    }

    /// The folder the files are in, when they are on this machine (for backups).
    pub fn dir(&self) -> Option<&Path> {
        match &*self.home {
            Home::Dir(d) => Some(d),
            Home::S3(_) => None,
        }
    }

    /// Stores `bytes` as `<prefix>/<sha256>` and answers the hex SHA-256.
    pub async fn put(&self, prefix: &str, bytes: Vec<u8>) -> io::Result<String> {
        let sha = format!("{:x}", Sha256::digest(&bytes));
        self.put_at(&format!("{prefix}/{sha}"), bytes).await?;
        Ok(sha)
    }

    /// Stores `bytes` under `key` (a file derived from another: a thumbnail).
    pub async fn put_at(&self, key: &str, bytes: Vec<u8>) -> io::Result<()> {
        check_key(key)?;
        match &*self.home {
            Home::Dir(d) => {
                let path = d.join(key);
                blocking(move || write_whole(&path, &bytes)).await
            }
            Home::S3(s) => {
                let url = s
                    .bucket
                    .put_object(Some(&s.credentials), key)
                    .sign(SIGNED_FOR);
                let resp = s.http.put(url).body(bytes).send().await.map_err(io_err)?;
                expect_success(resp, key).await.map(|_| ())
            }
        }
    }

    /// The bytes under `key`; None when there is no such file.
    pub async fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        check_key(key)?;
        match &*self.home {
            Home::Dir(d) => {
                let path = d.join(key);
                blocking(move || match std::fs::read(path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                })
                .await
            }
            Home::S3(s) => {
                let url = s
                    .bucket
                    .get_object(Some(&s.credentials), key)
                    .sign(SIGNED_FOR);
                let resp = s.http.get(url).send().await.map_err(io_err)?;
                if resp.status() == reqwest::StatusCode::NOT_FOUND {
                    return Ok(None);
                }
                let resp = expect_success(resp, key).await?;
                Ok(Some(resp.bytes().await.map_err(io_err)?.to_vec()))
            }
        }
    }

    /// Removes the file under `key` (nothing when there is none).
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        check_key(key)?;
        match &*self.home {
            Home::Dir(d) => {
                let path = d.join(key);
                blocking(move || match std::fs::remove_file(path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                    _ => Ok(()),
                })
                .await
            }
            Home::S3(s) => {
                let url = s
                    .bucket
                    .delete_object(Some(&s.credentials), key)
                    .sign(SIGNED_FOR);
                let resp = s.http.delete(url).send().await.map_err(io_err)?;
                if resp.status() == reqwest::StatusCode::NOT_FOUND {
                    return Ok(());
                }
                expect_success(resp, key).await.map(|_| ())
            }
        }
    }

    /// Removes every file under `prefix/` (a deleted wiki's attachments).
    pub async fn delete_all(&self, prefix: &str) -> io::Result<()> {
        check_key(prefix)?;
        match &*self.home {
            Home::Dir(d) => {
                let path = d.join(prefix);
                blocking(move || match std::fs::remove_dir_all(path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                    _ => Ok(()),
                })
                .await
            }
            Home::S3(s) => {
                let prefix = format!("{prefix}/");
                let mut token: Option<String> = None;
                loop {
                    let mut list = s.bucket.list_objects_v2(Some(&s.credentials));
                    list.with_prefix(prefix.as_str());
                    if let Some(t) = &token {
                        list.with_continuation_token(t.as_str());
                    }
                    let url = list.sign(SIGNED_FOR);
                    let resp = s.http.get(url).send().await.map_err(io_err)?;
                    let text = expect_success(resp, &prefix)
                        .await?
                        .text()
                        .await
                        .map_err(io_err)?;
                    let page =
                        rusty_s3::actions::ListObjectsV2::parse_response(&text).map_err(io_err)?;
                    for object in &page.contents {
                        Box::pin(self.delete(&object.key)).await?;
                    }
                    match page.next_continuation_token {
                        Some(t) => token = Some(t),
                        None => return Ok(()),
                    }
                }
            }
        }
    }

    /// Whether the home can be written and read back: at start, so that a wrong bucket or key
    /// stops the server with a clear message instead of failing the first upload.
    pub async fn check(&self) -> io::Result<()> {
        if self.dir().is_some() {
            // The data folder was checked already (DataDir::prepare).
            return Ok(());
        }
        let key = format!(".check/{}", std::process::id());
        self.put_at(&key, b"nichoir".to_vec()).await?;
        let back = self.get(&key).await?;
        self.delete(&key).await?;
        if back.as_deref() != Some(b"nichoir".as_slice()) {
            return Err(io::Error::other("a file written could not be read back"));
        }
        Ok(())
    }
}

/// Keys are made by the tools; this keeps a bad one from leaving the home.
fn check_key(key: &str) -> io::Result<()> {
    let bad = key.is_empty()
        || key.starts_with('/')
        || key.contains('\\')
        || key.split('/').any(|part| part.is_empty() || part == "..");
    if bad {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file key: {key:?}"),
        ));
    }
    Ok(())
}

/// Writes `bytes` at `path` whole: a temporary name, synced, then renamed. A file already there
/// is left (content-addressed names: same name, same bytes).
fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a file key without a folder"))?;
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::other("a file key without a name"))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(io_err)?
}

async fn expect_success(resp: reqwest::Response, key: &str) -> io::Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let body = resp.text().await.unwrap_or_default();
    let body: String = body.chars().take(300).collect();
    Err(io::Error::other(format!(
        "the object store answered {status} for {key}: {body}"
    )))
}

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn same_bytes_same_file_in_a_folder() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = Blobs::in_dir(dir.path());
        let a = blobs.put("chat", b"hello".to_vec()).await.expect("put");
        let b = blobs.put("chat", b"hello".to_vec()).await.expect("put");
        assert_eq!(a, b);
        let key = format!("chat/{a}");
        assert_eq!(
            blobs.get(&key).await.expect("get").as_deref(),
            Some(b"hello".as_slice())
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("chat"))
                .expect("ls")
                .count(),
            1,
            "no temporary left"
        );
        blobs.delete(&key).await.expect("delete");
        blobs.delete(&key).await.expect("deleting twice is fine");
        assert_eq!(blobs.get(&key).await.expect("get"), None);
        blobs.put("wiki/7", b"x".to_vec()).await.expect("put");
        blobs.delete_all("wiki/7").await.expect("delete all");
        assert!(!dir.path().join("wiki/7").exists());
        blobs.delete_all("wiki/8").await.expect("nothing to delete");
        blobs.check().await.expect("the folder works");
    }

    #[tokio::test]
    async fn keys_stay_inside() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = Blobs::in_dir(dir.path());
        for key in ["../x", "/etc/passwd", "a//b", "a/../../b", "", "a\\b"] {
            assert!(blobs.get(key).await.is_err(), "{key:?}");
            assert!(blobs.put_at(key, vec![1]).await.is_err(), "{key:?}");
        }
    }
}
