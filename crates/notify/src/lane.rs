//! Where notifications are worked out and sent: a thread of their own, at a lower scheduling
//! priority than the threads that serve requests and sockets.
//!
//! Why: a `@channel` in a channel of a thousand is a thousand notices to route, store, hand to
//! open bells and encrypt for push (P-256 per device). Done on the worker thread that took the
//! post, that work sat between the sockets of that thread and the next messages' frames; on its
//! own thread at the same priority it still took its share of a full machine's cores (tried in
//! the 2026-12-07 night entry of BENCHMARKS.md: no gain). A notice may take a second to arrive
//! (pushes have seconds); a chat frame may not. At a lower priority the kernel runs this thread
//! when the serving threads leave a core free, and it keeps up as long as they ever do.

use std::future::Future;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// How much lower than the serving threads (Linux `nice`: 0 normal, 19 lowest).
#[cfg(target_os = "linux")]
const NICENESS: i32 = 10;

/// The thread and its runtime; the thread ends (dropping unfinished work) with the last handle.
pub(crate) struct Lane {
    handle: Handle,
    _stop: oneshot::Sender<()>,
}

impl Lane {
    pub(crate) fn start() -> std::io::Result<Lane> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("nichoir-notify-blocking")
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("nichoir-notify".into())
            .spawn(move || {
                lower_priority();
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })?;
        Ok(Lane {
            handle,
            _stop: stop,
        })
    }

    /// Runs `f` on the lane.
    pub(crate) fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
        self.handle.spawn(f);
    }

    /// For code that spawns its tasks where it is called (the push sender).
    pub(crate) fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.handle.enter()
    }
}

/// Lowers this thread's priority; where that is not possible it stays as it is (the notices
/// still go out, only without giving way).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // On Linux a nice value belongs to the thread, not the process (nice(2), "BUGS"): the
        // serving threads keep theirs.
        if let Err(e) = rustix::process::nice(NICENESS) {
            tracing::info!("notifications run at the normal priority: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_the_lane_thread_and_the_thread_ends_with_the_lane() {
        let lane = Lane::start().expect("a lane");
        let (tx, rx) = std::sync::mpsc::channel();
        lane.spawn(async move {
            let name = std::thread::current().name().map(str::to_string);
            let _ = tx.send(name);
        });
        let name = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the task ran");
        assert_eq!(name.as_deref(), Some("nichoir-notify"));

        // Work still waiting when the last handle goes is dropped with the thread's runtime.
        struct Dropped(std::sync::mpsc::Sender<()>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let waiting = Dropped(tx);
        lane.spawn(async move {
            let _held = waiting;
            std::future::pending::<()>().await;
        });
        drop(lane);
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the lane's runtime ended");
    }

    /// The calling thread's nice value (`None`: the calling thread, on Linux).
    #[cfg(target_os = "linux")]
    fn thread_nice() -> i32 {
        rustix::process::getpriority_process(None).expect("getpriority")
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_lane_runs_below_the_callers_priority() {
        let lane = Lane::start().expect("a lane");
        let (tx, rx) = std::sync::mpsc::channel();
        lane.spawn(async move {
            let _ = tx.send(thread_nice());
        });
        let mine = thread_nice();
        let theirs = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the task ran");
        assert_eq!(theirs, (mine + NICENESS).min(19));
    }
}
