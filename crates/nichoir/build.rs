//! Linker options of the server binary.
//!
//! Packed relative relocations (`-z pack-relative-relocs`, DT_RELR): a position-independent
//! binary carries one 24-byte entry per pointer to patch at start (100,000 of them, 2.6 MB read at
//! every start and kept resident); packed, they take a few kilobytes. Only where the binary
//! runs on the glibc it is built against (no cross build) and that glibc reads them (2.36 and
//! later: an older one refuses to start such a binary). `NICHOIR_NO_RELR=1` leaves them out.
//!
//! Code in the order it runs (`orderfile`, lld's `--symbol-ordering-file`): the kernel maps
//! code 64 KB at a time around each page that runs, and start-up and sign-in run a little code
//! in hundreds of places of a 35 MB `.text`, so most of each 64 KB mapped was code that never
//! runs. Placed side by side, the code that runs takes a few megabytes instead of ~18 MB.
//! Release builds only, with the linker rustc brings (lld, rustc 1.90 and later on
//! x86_64-linux-gnu; another linker would refuse the option). `scripts/measure-idle-memory`
//! with `ORDERFILE=crates/nichoir/orderfile` writes the file anew; symbols it names that a build
//! no longer has are skipped, so a stale file costs memory, never a build.
//! `NICHOIR_NO_ORDERFILE=1` leaves it out.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=NICHOIR_NO_RELR");
    println!("cargo::rerun-if-env-changed=NICHOIR_NO_ORDERFILE");
    println!("cargo::rerun-if-changed=orderfile");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    // Each of the two has its own switch: turning one off leaves the other as it is.
    if target == host
        && target.ends_with("-linux-gnu")
        && std::env::var_os("NICHOIR_NO_RELR").is_none()
        && glibc_version().is_some_and(|v| v >= (2, 36))
    {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if std::env::var("PROFILE").as_deref() == Ok("release")
        && target == "x86_64-unknown-linux-gnu"
        && std::env::var_os("NICHOIR_NO_ORDERFILE").is_none()
        && links_with_rust_lld()
    {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        let file = Path::new(&dir).join("orderfile");
        if file.is_file() {
            println!(
                "cargo::rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
                file.display()
            );
            println!("cargo::rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
        }
    }
}

/// Whether the binary is linked by the lld that rustc brings: rustc 1.90 or later, with no
/// linker chosen by configuration (`target.….linker`) or flags.
fn links_with_rust_lld() -> bool {
    if std::env::var_os("RUSTC_LINKER").is_some()
        || std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| f.contains("link"))
    {
        return false;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("-vV").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(release) = text.lines().find_map(|l| l.strip_prefix("release: ")) else {
        return false;
    };
    let mut parts = release.split(['.', '-']);
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (1, 90)
}

/// The host's glibc version (`getconf GNU_LIBC_VERSION` prints `glibc 2.36`).
fn glibc_version() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    Some((major, minor))
}
