//! The binary serves the source of its own version (AGPL §13), named after it, and the About page
//! and the CHATONS description point to it.

use std::collections::BTreeSet;

use nichoir_testkit::TestServer;

use crate::support::ok;

#[tokio::test]
async fn the_source_of_this_version_downloads_and_unpacks() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let client = server.client();
    let about = ok(client.get("/api/v1/about").await?, "about").await?;
    let download = about["source"]["download"].as_str().unwrap_or("");
    let file_name = about["source"]["file_name"].as_str().unwrap_or("");
    assert_eq!(download, "/source.tar.gz");
    let version = nichoir_core::VERSION;
    assert!(
        file_name.starts_with(&format!("nichoir-{version}")) && file_name.ends_with(".tar.gz"),
        "{file_name}"
    );

    let r = client.get(download).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.header("content-type"), "application/gzip");
    assert_eq!(
        r.header("content-disposition"),
        format!("attachment; filename=\"{file_name}\"")
    );
    let stem = file_name.trim_end_matches(".tar.gz");

    // Unpacked for real, into a folder of its own.
    let dir = tempfile::tempdir()?;
    tar::Archive::new(flate2::read::GzDecoder::new(r.bytes.as_slice())).unpack(dir.path())?;
    let top = dir.path().join(stem);
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "crates/core/src/lib.rs",
        "crates/web/build.rs",
        "web/src/main.tsx",
        "web/package.json",
        "config/nichoir.example.toml",
        "tests/integration/source_code.rs",
        "README.md",
        "LICENSE",
    ] {
        assert!(top.join(file).is_file(), "{file} is in the archive");
    }
    let manifest = std::fs::read_to_string(top.join("Cargo.toml"))?;
    assert!(manifest.contains("[workspace]"), "the real manifest");
    // The licence the manifest declares travels with the source (AGPL §13's offer).
    assert!(manifest.contains("AGPL-3.0-or-later"));
    let licence = std::fs::read_to_string(top.join("LICENSE"))?;
    assert!(licence.starts_with("GNU AFFERO GENERAL PUBLIC LICENSE"));

    // Nothing built, installed or stored, and one top folder.
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(r.bytes.as_slice()));
    let mut tops = BTreeSet::new();
    for entry in archive.entries()? {
        let path = entry?.path()?.to_string_lossy().into_owned();
        tops.insert(path.split('/').next().unwrap_or("").to_string());
        for part in path.split('/') {
            assert!(
                !matches!(
                    part,
                    "target" | "node_modules" | ".git" | "dist" | "data" | ".test-build"
                ),
                "{path} should not be in the archive"
            );
        }
    }
    assert_eq!(tops.into_iter().collect::<Vec<_>>(), vec![stem.to_string()]);
    assert!(
        r.bytes.len() < 20 * 1024 * 1024,
        "the archive stays small: {} bytes",
        r.bytes.len()
    );

    // The CHATONS description points to it when the host names no repository.
    let props = client.get("/.well-known/chatonsinfos").await?;
    let text = String::from_utf8(props.bytes)?;
    assert!(
        text.lines()
            .any(|l| l.starts_with("software.source.url = ") && l.ends_with("/source.tar.gz")),
        "{text}"
    );
    Ok(())
}
