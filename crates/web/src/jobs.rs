//! Background jobs, with the same configuration values the About page shows: automatic backups
//! and their pruning, WAL checkpoints, the sweep of expired sessions and reset links.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nichoir_http::Ctx;
use tokio::sync::watch;

/// Starts every job. `runs_jobs`: whether this server runs them now (always alone; in a
/// cluster, the node holding the scheduler lease).
pub fn spawn_all(
    ctx: Ctx,
    pads: std::sync::Arc<nichoir_pad::PadService>,
    polls: std::sync::Arc<nichoir_polls::PollService>,
    chat: std::sync::Arc<nichoir_chat::ChatService>,
    notify: nichoir_notify::NotifyService,
    stop: watch::Receiver<bool>,
    runs_jobs: Arc<AtomicBool>,
) {
    let c = ctx.config.clone();
    let missed_mail_chat = chat.clone();
    every(
        runs_jobs.clone(),
        Duration::from_secs(3600),
        stop.clone(),
        move || {
            let chat = chat.clone();
            async move {
                match chat.prune_events().await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "old chat events pruned"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "chat event pruning failed"),
                }
                match chat.apply_retention().await {
                    Ok(n) if n > 0 => {
                        tracing::info!(removed = n, "chat messages past their retention deleted")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "chat retention failed"),
                }
            }
        },
    );
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
    // Mail about missed mentions and direct messages: each minute, for those who are due.
    {
        let chat = missed_mail_chat;
        every(
            runs_jobs.clone(),
            Duration::from_secs(60),
            stop.clone(),
            move || {
                let chat = chat.clone();
                async move {
                    match chat.mail_missed().await {
                        Ok(n) if n > 0 => tracing::info!(mails = n, "missed chat activity mailed"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e.message, "missed-activity mail failed"),
                    }
                }
            },
        );
    }
    if c.polls.purge_after_days > 0 {
        let polls = polls.clone();
        every(
            runs_jobs.clone(),
            Duration::from_secs(3600),
            stop.clone(),
            move || {
                let polls = polls.clone();
                async move {
                    match polls.purge_expired().await {
                        Ok(n) if n > 0 => tracing::info!(removed = n, "expired polls deleted"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "poll purge failed"),
                    }
                }
            },
        );
    }
    every(
        runs_jobs.clone(),
        Duration::from_secs(300),
        stop.clone(),
        move || {
            let polls = polls.clone();
            async move {
                match polls.send_reminders().await {
                    Ok(n) if n > 0 => tracing::info!(sent = n, "poll reminders sent"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "poll reminders failed"),
                }
            }
        },
    );
    if c.pads.expire_unused_days > 0 {
        let days = c.pads.expire_unused_days;
        every(
            runs_jobs.clone(),
            Duration::from_secs(3600),
            stop.clone(),
            move || {
                let pads = pads.clone();
                async move {
                    match pads.expire_unused(days).await {
                        Ok(n) if n > 0 => tracing::info!(removed = n, days, "unused pads deleted"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "pad expiry failed"),
                    }
                }
            },
        );
    }
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
