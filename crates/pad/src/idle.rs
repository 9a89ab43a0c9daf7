//! Pads leave memory when nobody uses them. A loaded pad keeps its text, authorship and last
//! revisions (a thousand of them for late edits), and nothing else ever let go of it: a server
//! that had seen many pads kept them all, busy or not. The next visit loads it again (the same
//! path as after a restart).

use std::time::Duration;

use tokio::time::Instant;

/// What the sweeper knows of a loaded pad.
pub(crate) struct SlotUse {
    /// Its last use (an edit, a read, a visit), if any since it was loaded.
    pub touched: Option<Instant>,
    /// Sockets following it (editors and read-only viewers).
    pub members: usize,
    /// Edits waiting for its lock.
    pub queued: bool,
}

/// Whether a pad may leave memory now: nobody follows it, nothing waits, and it was not used
/// for `idle`.
pub(crate) fn may_unload(u: &SlotUse, now: Instant, idle: Duration) -> bool {
    u.members == 0
        && !u.queued
        && u.touched
            .is_none_or(|t| now.saturating_duration_since(t) >= idle)
}

/// How often the sweeper looks: half the idle time, between 200 ms and a minute.
pub(crate) fn sweep_every(idle: Duration) -> Duration {
    (idle / 2).clamp(Duration::from_millis(200), Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unfollowed_quiet_pads_leave() {
        let now = Instant::now();
        let idle = Duration::from_secs(600);
        let old = now.checked_sub(Duration::from_secs(601));
        let recent = now.checked_sub(Duration::from_secs(10));
        let pad = |touched, members, queued| SlotUse {
            touched,
            members,
            queued,
        };
        assert!(may_unload(&pad(old, 0, false), now, idle));
        assert!(may_unload(&pad(None, 0, false), now, idle));
        assert!(
            !may_unload(&pad(recent, 0, false), now, idle),
            "used lately"
        );
        assert!(
            !may_unload(&pad(old, 1, false), now, idle),
            "someone has it open"
        );
        assert!(
            !may_unload(&pad(old, 0, true), now, idle),
            "edits wait for it"
        );
    }

    #[test]
    fn the_sweeper_looks_often_enough_but_not_too_often() {
        assert_eq!(
            sweep_every(Duration::from_secs(600)),
            Duration::from_secs(60)
        );
        assert_eq!(sweep_every(Duration::from_secs(10)), Duration::from_secs(5));
        assert_eq!(
            sweep_every(Duration::from_secs(0)),
            Duration::from_millis(200)
        );
    }
}
