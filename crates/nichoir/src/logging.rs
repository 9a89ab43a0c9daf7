//! Logs: to stderr by default (the service manager keeps them), or to daily files in
//! `logging.directory`, of which `logging.retention_days` are kept.

use std::time::{Duration, SystemTime};

use anyhow::Result;
use nichoir_core::config::LoggingConfig;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub fn init(cfg: &LoggingConfig) -> Result<Option<WorkerGuard>> {
    let filter = EnvFilter::try_from_env("NICHOIR_LOG").unwrap_or_else(|_| {
        EnvFilter::new(format!(
            // webrtc-ice warns once per discarded media packet: thousands a second in a busy call.
            "{},actix_server=warn,webrtc_ice=error,webrtc=error",
            cfg.level
        ))
    });
    let json = cfg.format == "json";
    if cfg.directory.as_os_str().is_empty() {
        // Colour codes only for a person at a terminal: a pipe or a journal gets plain text.
        let b = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
        if json {
            let _ = b.json().try_init();
        } else {
            let _ = b.try_init();
        }
        return Ok(None);
    }
    std::fs::create_dir_all(&cfg.directory)?;
    let appender = tracing_appender::rolling::daily(&cfg.directory, "nichoir.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false);
    if json {
        let _ = b.json().try_init();
    } else {
        let _ = b.try_init();
    }
    let dir = cfg.directory.clone();
    let keep = Duration::from_secs(cfg.retention_days * 86_400);
    std::thread::Builder::new()
        .name("nichoir-log-retention".into())
        .spawn(move || loop {
            prune(&dir, keep);
            std::thread::sleep(Duration::from_secs(3600));
        })?;
    Ok(Some(guard))
}

fn prune(dir: &std::path::Path, keep: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !name.starts_with("nichoir.log") {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > keep);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
