//! The project's source as a gzipped tar, for `GET /source.tar.gz` (AGPL §13: whoever uses the
//! service can get the source of the version that runs). Shared by the build script, which packs
//! it into release binaries, and by debug builds, which pack the checkout on request (so that
//! editing a test does not rebuild this crate).
//!
//! What goes in mirrors the repository's tracked files: the workspace manifests, the code, the
//! front-end, tests, docs and deployment files; never build output, installed packages, data or
//! git's own folder (the .gitignore rules, written out here because a build from a release
//! tarball has no git to ask).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Top-level folders packed whole (minus [`SKIPPED_DIRS`]).
pub const DIRS: [&str; 8] = [
    "crates", "web", "config", "deploy", "docs", "scripts", "tests", ".ci",
];

/// Top-level files packed when present.
fn top_file(name: &str) -> bool {
    matches!(
        name,
        "Cargo.toml" | "Cargo.lock" | ".gitignore" | "rust-toolchain.toml"
    ) || name.ends_with(".md")
        || name.starts_with("LICENSE")
        || name.starts_with("COPYING")
}

/// Paths (from the root) never packed: build output and what tools install or write.
const SKIPPED_PATHS: [&str; 2] = ["web/dist", "tests/browser/artifacts"];

/// Folder names never packed, wherever they are (with web/.gitignore's `.test-build/` and
/// `.dist-staging-*/`, what `npm test` and the front-end build leave behind).
const SKIPPED_DIRS: [&str; 6] = [
    "node_modules",
    "target",
    ".git",
    ".schemathesis",
    "data",
    ".test-build",
];

fn skipped_dir(name: &str, rel: &str) -> bool {
    SKIPPED_DIRS.contains(&name)
        || name.starts_with(".dist-staging-")
        || SKIPPED_PATHS.contains(&rel)
}

fn skipped_file(name: &str) -> bool {
    name.ends_with(".db") || name.ends_with(".db-wal") || name.ends_with(".db-shm")
}

/// Every file to pack, as (path relative to `root` with `/` separators, full path), sorted so
/// that the same tree gives the same archive.
pub fn files(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_file() && top_file(&name) {
            out.push((name, entry.path()));
        }
    }
    for dir in DIRS {
        let path = root.join(dir);
        if path.is_dir() {
            walk(&path, dir, &mut out)?;
        }
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{rel}/{name}");
        // Symbolic links are left out: their targets may be anywhere on the build machine.
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if !skipped_dir(&name, &rel) {
                walk(&entry.path(), &rel, out)?;
            }
        } else if kind.is_file() && !skipped_file(&name) {
            out.push((rel, entry.path()));
        }
    }
    Ok(())
}

/// The archive's name without `.tar.gz`, also the folder it unpacks to:
/// `nichoir-<version>-<commit>`, or `nichoir-<version>` when the commit is unknown.
pub fn stem(version: &str, commit: &str) -> String {
    if commit.is_empty() {
        format!("nichoir-{version}")
    } else {
        format!("nichoir-{version}-{commit}")
    }
}

/// The archive of `root`'s source, every path under `prefix/`, with fixed dates and owners so
/// that packing the same files twice gives the same bytes.
pub fn pack(root: &Path, prefix: &str, level: u32) -> io::Result<Vec<u8>> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::new(level));
    let mut tar = tar::Builder::new(gz);
    for (rel, path) in files(root)? {
        let data = std::fs::read(&path)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(if executable(&path) { 0o755 } else { 0o644 });
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, format!("{prefix}/{rel}"), data.as_slice())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}

#[cfg(unix)]
fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(_: &Path) -> bool {
    false
}
