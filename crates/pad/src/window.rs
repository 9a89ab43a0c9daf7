//! Which revisions a pad keeps in memory for the edits that arrive late: the last [`RECENT`],
//! and of those only the ones younger than [`KEEP`] beyond the last [`KEEP_AT_LEAST`]. An edit
//! later than that (a client back from a long disconnection) reads its revisions from the
//! database. Keeping a thousand revisions for every busy pad cost about 400 bytes each: over a
//! gigabyte for 3,000 busy pads.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::store::StoredRev;

/// Revisions kept at most.
pub(crate) const RECENT: usize = 1000;
/// How long a revision is kept (beyond the last [`KEEP_AT_LEAST`]).
const KEEP: Duration = Duration::from_secs(30);
/// Revisions kept whatever their age.
const KEEP_AT_LEAST: usize = 64;
/// How often the head is noted, to tell revisions' ages without a clock per revision.
const MARK_EVERY: Duration = Duration::from_secs(5);

/// A pad's recent revisions (consecutive, ending at its head) and when its head was where.
#[derive(Default)]
pub(crate) struct Window {
    pub revs: VecDeque<Arc<StoredRev>>,
    /// (when, head then), oldest first, at least [`MARK_EVERY`] apart.
    marks: VecDeque<(Instant, u64)>,
}

impl Window {
    pub(crate) fn new(revs: VecDeque<Arc<StoredRev>>) -> Window {
        let mut w = Window {
            revs,
            marks: VecDeque::new(),
        };
        w.trim(Instant::now());
        w
    }

    /// The revisions after `rev`, when the window reaches back that far.
    pub(crate) fn after(&self, rev: u64) -> Option<impl Iterator<Item = &Arc<StoredRev>>> {
        let first = self.revs.front()?.rev;
        let skip = rev.checked_add(1)?.checked_sub(first)?;
        Some(self.revs.iter().skip(usize::try_from(skip).ok()?))
    }

    /// Appends the revisions of a batch, in order, and lets the old ones go.
    pub(crate) fn extend(&mut self, revs: impl IntoIterator<Item = Arc<StoredRev>>, now: Instant) {
        self.revs.extend(revs);
        self.trim(now);
    }

    fn trim(&mut self, now: Instant) {
        while self.revs.len() > RECENT {
            self.revs.pop_front();
        }
        let Some(head) = self.revs.back().map(|r| r.rev) else {
            return;
        };
        if self
            .marks
            .back()
            .is_none_or(|(at, _)| now.saturating_duration_since(*at) >= MARK_EVERY)
        {
            self.marks.push_back((now, head));
        }
        // Revisions up to a mark older than KEEP were the head before then: they are older.
        while let Some(&(at, rev)) = self.marks.front() {
            if now.saturating_duration_since(at) < KEEP {
                break;
            }
            self.marks.pop_front();
            while self.revs.len() > KEEP_AT_LEAST && self.revs.front().is_some_and(|r| r.rev <= rev)
            {
                self.revs.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nichoir_ot::Operation;

    fn rev(n: u64) -> Arc<StoredRev> {
        Arc::new(StoredRev {
            rev: n,
            op: Operation::default(),
            author_id: "a".into(),
            client_id: "c".into(),
            seq: n,
        })
    }

    fn revs(w: &Window) -> (u64, u64, usize) {
        (
            w.revs.front().map_or(0, |r| r.rev),
            w.revs.back().map_or(0, |r| r.rev),
            w.revs.len(),
        )
    }

    #[test]
    fn old_revisions_go_beyond_the_last_few() {
        let t0 = Instant::now();
        let mut w = Window::new(VecDeque::new());
        let mut next = 1;
        // 100 revisions a second for 40 seconds, a batch every 100 ms.
        for tick in 0..400u64 {
            let at = t0 + Duration::from_millis(tick * 100);
            w.extend((next..next + 10).map(rev), at);
            next += 10;
            let (first, last, len) = revs(&w);
            assert_eq!(last - first + 1, len as u64, "consecutive");
            assert!(len <= RECENT);
        }
        // After 40 s: the last 1,000 are all younger than 30 s, so the count bounds them.
        assert_eq!(revs(&w), (3001, 4000, 1000));
        // Then a slow pad: one revision every 2 seconds for two minutes.
        let t1 = t0 + Duration::from_secs(40);
        for i in 0..60u64 {
            w.extend([rev(next)], t1 + Duration::from_secs(2 * i));
            next += 1;
        }
        // About the last 64 are left, everything else being older than 30 s: revisions go when a
        // mark (every 6 s here, 3 revisions) gets older than 30 s, so up to 3 more are there.
        let (_, last, len) = revs(&w);
        assert_eq!(last, next - 1);
        assert!((KEEP_AT_LEAST..=KEEP_AT_LEAST + 3).contains(&len), "{len}");
    }

    #[test]
    fn after_a_revision_only_when_the_window_reaches_it() {
        let w = Window::new((5..=9).map(rev).collect());
        let after = |r| w.after(r).map(|it| it.map(|s| s.rev).collect::<Vec<_>>());
        assert_eq!(after(4), Some(vec![5, 6, 7, 8, 9]));
        assert_eq!(after(7), Some(vec![8, 9]));
        assert_eq!(after(9), Some(vec![]));
        assert_eq!(after(3), None, "revision 4 is not kept");
        assert_eq!(Window::default().after(0).map(Iterator::count), None);
    }

    #[test]
    fn a_few_revisions_stay_whatever_their_age() {
        let t0 = Instant::now();
        let mut w = Window::new((1..=10).map(rev).collect());
        w.extend([rev(11)], t0 + Duration::from_secs(3600));
        w.extend([rev(12)], t0 + Duration::from_secs(7200));
        assert_eq!(revs(&w), (1, 12, 12));
    }
}
