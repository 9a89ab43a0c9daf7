//! Builds the web front-end with npm (so `cargo build` on a fresh clone needs no extra command)
//! and writes the list of software components (Cargo.lock + npm lockfile, with licences) that the
//! "About this instance" page shows; in release builds, packs the project's source for
//! `GET /source.tar.gz` (src/source_pack.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "src/source_pack.rs"]
mod source_pack;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.join("../..");
    let web = root.join("web");
    for p in [
        "src",
        "sw",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "build.mjs",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(p).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    println!("cargo:rerun-if-env-changed=NICHOIR_SKIP_WEB_BUILD");

    if std::env::var_os("NICHOIR_SKIP_WEB_BUILD").is_none() {
        build_web(&web);
    }
    if !web.join("dist/index.html").exists() {
        panic!(
            "web/dist/index.html is missing: the front-end was not built. Install Node.js and npm, \
             or build it by hand with `cd web && npm ci && npm run build`."
        );
    }

    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    // Debug builds pack the checkout on request instead: editing a test or a doc must not
    // rebuild this crate for everyone working on the tree.
    println!("cargo::rustc-check-cfg=cfg(nichoir_source_embedded)");
    println!("cargo:rerun-if-env-changed=NICHOIR_EMBED_SOURCE");
    if std::env::var("PROFILE").as_deref() == Ok("release")
        || std::env::var_os("NICHOIR_EMBED_SOURCE").is_some()
    {
        embed_source(&root, &out);
    }
    let mut components = cargo_components(&root);
    components.extend(npm_components(&web.join("package-lock.json")));
    components.sort_by_key(|c| (c.3.clone(), c.0.to_lowercase()));
    components.dedup();
    let json: Vec<serde_json::Value> = components
        .into_iter()
        .map(|(name, version, license, eco)| {
            serde_json::json!({"name": name, "version": version, "license": license, "ecosystem": eco})
        })
        .collect();
    let text = serde_json::to_string(&json).unwrap_or_else(|_| "[]".into());
    if let Err(e) = std::fs::write(out.join("components.json"), text) {
        panic!("cannot write components.json: {e}");
    }
}

/// Packs the source into OUT_DIR/source.tar.gz and names its commit when git knows it (a clean
/// clone without history, or a release tarball, names the version alone).
fn embed_source(root: &Path, out: &Path) {
    let files = match source_pack::files(root) {
        Ok(f) => f,
        Err(e) => panic!("cannot list the source files to embed: {e}"),
    };
    // Each file rather than each folder: a folder would make cargo watch web/dist and
    // node_modules too, which this script itself rewrites. A new file comes with an edit to one
    // already listed (its `mod`, its import), so it is seen as well.
    for (_, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let commit = git_commit(root).unwrap_or_default();
    println!("cargo:rustc-env=NICHOIR_SOURCE_COMMIT={commit}");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let stem = source_pack::stem(&version, &commit);
    let bytes = match source_pack::pack(root, &stem, 9) {
        Ok(b) => b,
        Err(e) => panic!("cannot pack the source: {e}"),
    };
    if let Err(e) = std::fs::write(out.join("source.tar.gz"), bytes) {
        panic!("cannot write source.tar.gz: {e}");
    }
    println!("cargo:rustc-cfg=nichoir_source_embedded");
}

/// The checked-out commit, short, when this is a git checkout and git runs.
fn git_commit(root: &Path) -> Option<String> {
    let git_dir = root.join(".git");
    if !git_dir.exists() {
        return None;
    }
    println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
    if let Ok(head) = std::fs::read_to_string(git_dir.join("HEAD")) {
        if let Some(r) = head.trim().strip_prefix("ref: ") {
            println!("cargo:rerun-if-changed={}", git_dir.join(r).display());
        }
    }
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let commit = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && commit.bytes().all(|b| b.is_ascii_hexdigit()) && !commit.is_empty())
        .then_some(commit)
}

fn npm() -> &'static str {
    "npm"
}

fn run(cmd: &mut Command, what: &str) {
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("{what} failed ({s}); see the output above"),
        Err(e) => panic!("{what} could not start ({e}): is Node.js with npm installed?"),
    }
}

fn build_web(web: &Path) {
    let lock = web.join("package-lock.json");
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(l), Ok(i)) => match (l.modified(), i.modified()) {
            (Ok(l), Ok(i)) => l > i,
            _ => true,
        },
        _ => true,
    };
    if stale {
        run(
            Command::new(npm())
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(web),
            "npm ci (web/)",
        );
    }
    run(
        Command::new(npm()).args(["run", "build"]).current_dir(web),
        "npm run build (web/)",
    );
}

type Component = (String, String, String, String);

/// Crates linked into the binary, from `cargo metadata` (normal dependencies reachable from the
/// `nichoir` package on this target). Falls back to Cargo.lock without licences if cargo cannot answer.
fn cargo_components(root: &Path) -> Vec<Component> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = std::env::var("TARGET").unwrap_or_default();
    let mut cmd = Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1", "--locked"]);
    if !target.is_empty() {
        cmd.args(["--filter-platform", &target]);
    }
    cmd.current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(meta) = run_with_timeout(cmd, Duration::from_secs(120)) {
        if let Some(list) = from_metadata(&meta) {
            return list;
        }
    }
    println!("cargo:warning=cargo metadata unavailable; component licences left blank");
    from_lockfile(&root.join("Cargo.lock"))
}

fn run_with_timeout(mut cmd: Command, limit: Duration) -> Option<serde_json::Value> {
    let mut child = cmd.spawn().ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok()?;
        Some(buf)
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) => return None,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => return None,
        }
    }
    let buf = reader.join().ok()??;
    serde_json::from_slice(&buf).ok()
}

fn from_metadata(meta: &serde_json::Value) -> Option<Vec<Component>> {
    let packages = meta.get("packages")?.as_array()?;
    let nodes = meta.get("resolve")?.get("nodes")?.as_array()?;
    let root = packages
        .iter()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("nichoir"))?
        .get("id")?
        .as_str()?
        .to_string();
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let node = nodes
            .iter()
            .find(|n| n.get("id").and_then(|i| i.as_str()) == Some(&id))?;
        for dep in node.get("deps")?.as_array()? {
            let normal = dep
                .get("dep_kinds")
                .and_then(|k| k.as_array())
                .is_some_and(|kinds| {
                    kinds
                        .iter()
                        .any(|k| k.get("kind").is_some_and(|v| v.is_null()))
                });
            if normal {
                if let Some(pkg) = dep.get("pkg").and_then(|p| p.as_str()) {
                    stack.push(pkg.to_string());
                }
            }
        }
    }
    Some(
        packages
            .iter()
            .filter(|p| {
                p.get("id")
                    .and_then(|i| i.as_str())
                    .is_some_and(|i| seen.contains(i))
            })
            .map(|p| {
                let s = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                (s("name"), s("version"), s("license"), "cargo".to_string())
            })
            .collect(),
    )
}

fn from_lockfile(path: &Path) -> Vec<Component> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let Ok(lock) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    lock.get("package")
        .and_then(|p| p.as_array())
        .map(|pkgs| {
            pkgs.iter()
                .filter_map(|p| {
                    Some((
                        p.get("name")?.as_str()?.to_string(),
                        p.get("version")?.as_str()?.to_string(),
                        String::new(),
                        "cargo".to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Front-end packages bundled into the page (not build tools: those are marked `dev`).
fn npm_components(lock: &Path) -> Vec<Component> {
    let Ok(text) = std::fs::read_to_string(lock) else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let Some(pkgs) = v.get("packages").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    pkgs.iter()
        .filter(|(k, p)| !k.is_empty() && p.get("dev").and_then(|d| d.as_bool()) != Some(true))
        .filter_map(|(k, p)| {
            let name = k.rsplit("node_modules/").next()?.to_string();
            let s = |f: &str| p.get(f).and_then(|v| v.as_str()).unwrap_or("").to_string();
            Some((name, s("version"), s("license"), "npm".to_string()))
        })
        .collect()
}
