//! Background jobs, with the same configuration values the About page shows: each tool's own
//! (`Tool::jobs`), and the server's: automatic backups and their pruning, WAL checkpoints,
//! the sweep of expired sessions and reset links, old notifications, favourites of deleted items.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nichoir_http::{Ctx, Tool};
use tokio::sync::watch;

/// Starts every job: each tool's (`Tool::jobs`: purges, reminders, mail batches) and the
/// server's own. `runs_jobs`: whether this server runs them now (always alone; in a cluster,
/// the node holding the scheduler lease).
pub fn spawn_all(
    ctx: Ctx,
    tools: &[Arc<dyn Tool>],
    notify: nichoir_notify::NotifyService,
    favourites: crate::routes::favourites::Sweep,
    stop: watch::Receiver<bool>,
    runs_jobs: Arc<AtomicBool>,
) {
    let c = ctx.config.clone();
    for job in tools.iter().flat_map(|t| t.clone().jobs()) {
        tracing::debug!(job = job.name, period = ?job.period, "job scheduled");
        every(runs_jobs.clone(), job.period, stop.clone(), job.run);
    }
    every(
        runs_jobs.clone(),
        Duration::from_secs(3600),
        stop.clone(),
        move || {
            let notify = notify.clone();
            async move {
                match notify.prune().await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "old notifications pruned"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "notification pruning failed"),
                }
            }
        },
    );
    every(
        runs_jobs.clone(),
        Duration::from_secs(3600),
        stop.clone(),
        move || {
            let sweep = favourites.clone();
            async move {
                match sweep.run().await {
                    Ok(n) if n > 0 => {
                        tracing::info!(removed = n, "favourites of deleted items removed")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "favourites sweep failed"),
                }
            }
        },
    );
    if c.storage.wal_checkpoint_secs > 0 && c.storage.url.is_empty() {
        let db = ctx.db.clone();
        every(
            runs_jobs.clone(),
            Duration::from_secs(c.storage.wal_checkpoint_secs),
            stop.clone(),
            move || {
                let db = db.clone();
                async move {
                    if let Err(e) = db.checkpoint().await {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            },
        );
    }
    let auth = ctx.auth.clone();
    every(
        runs_jobs.clone(),
        Duration::from_secs(3600),
        stop.clone(),
        move || {
            let auth = auth.clone();
            async move {
                match auth.sweep_sessions().await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "session sweep failed"),
                }
                if let Err(e) = auth.prune_password_resets().await {
                    tracing::warn!(error = %e.message, "reset link sweep failed");
                }
            }
        },
    );
    if c.backup.interval_hours > 0 {
        let ctx2 = ctx.clone();
        every(
            runs_jobs.clone(),
            Duration::from_secs(c.backup.interval_hours * 3600),
            stop,
            move || {
                let ctx = ctx2.clone();
                async move {
                    let dir = ctx.config.backup_dir();
                    let keep = ctx.config.backup.keep as usize;
                    let data = ctx.data_dir.clone();
                    let url = ctx.config.storage.url.clone();
                    // pg_dump may run for minutes: on a blocking thread, never a worker.
                    let result = tokio::task::spawn_blocking(move || {
                        let dest = dir.join(format!(
                            "nichoir-backup-{}.tar.gz",
                            nichoir_core::time::now_ms()
                        ));
                        nichoir_storage::create_backup(&data, &url, &dest)?;
                        nichoir_storage::prune_backups(&dir, keep)?;
                        Ok::<_, nichoir_storage::StorageError>(dest)
                    })
                    .await;
                    match result {
                        Ok(Ok(dest)) => {
                            tracing::info!(file = %dest.display(), "automatic backup written")
                        }
                        Ok(Err(e)) => tracing::error!(error = %e, "automatic backup failed"),
                        Err(e) => tracing::error!(error = %e, "automatic backup task failed"),
                    }
                }
            },
        );
    }
}

fn every<F, Fut>(
    runs_jobs: Arc<AtomicBool>,
    period: Duration,
    mut stop: watch::Receiver<bool>,
    job: F,
) where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.tick().await; // the first tick is immediate: skip it
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if runs_jobs.load(Ordering::Relaxed) {
                        job().await
                    }
                }
                _ = stop.changed() => break,
            }
        }
    });
}
