//! Login throttling: failed attempts are counted per account and per client address within a
//! sliding window; past the limit the answer is 429 with Retry-After until the oldest failure ages
//! out. There is never a lock-out that an attacker could trigger to keep a user out for good.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub per_account: usize,
    pub per_ip: usize,
    pub window: Duration,
}

/// Where a throttle tells the other nodes of a cluster what it counted (`ThrottleEvent` as
/// text), so that N nodes do not give an attacker N times the guesses.
pub type ShareThrottle = Arc<dyn Fn(String) + Send + Sync>;

pub struct LoginThrottle {
    limits: ThrottleLimits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    share: RwLock<Option<ShareThrottle>>,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// What one node's throttle counted, for the others: `f <account> <ip>` (a failure) or
/// `s <account>` (a success), tab-separated (neither an account name nor an address holds a
/// tab: names are validated, addresses come from the socket or a trusted proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThrottleEvent {
    Failure { account: String, ip: String },
    Success { account: String },
}

impl ThrottleEvent {
    pub fn to_text(&self) -> String {
        match self {
            ThrottleEvent::Failure { account, ip } => format!("f\t{account}\t{ip}"),
            ThrottleEvent::Success { account } => format!("s\t{account}"),
        }
    }

    pub fn parse(text: &str) -> Option<ThrottleEvent> {
        let mut parts = text.split('\t');
        match (parts.next()?, parts.next(), parts.next(), parts.next()) {
            ("f", Some(account), Some(ip), None) => Some(ThrottleEvent::Failure {
                account: account.to_string(),
                ip: ip.to_string(),
            }),
            ("s", Some(account), None, None) => Some(ThrottleEvent::Success {
                account: account.to_string(),
            }),
            _ => None,
        }
    }
}

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        LoginThrottle {
            limits,
            failures: Mutex::new(HashMap::new()),
            share: RwLock::new(None),
        }
    }

    /// From now on, what this throttle counts is also handed to `share`.
    pub fn share_with(&self, share: ShareThrottle) {
        *self.share.write() = Some(share);
    }

    /// Counts what another node counted (without sharing it again).
    pub fn apply_shared(&self, event: &ThrottleEvent, now: Instant) {
        match event {
            ThrottleEvent::Failure { account, ip } => self.count_failure(account, ip, now),
            ThrottleEvent::Success { account } => self.clear_account(account),
        }
    }

    fn shared(&self, event: impl FnOnce() -> ThrottleEvent) {
        if let Some(share) = self.share.read().as_ref() {
            share(event().to_text());
        }
    }

    /// The counters an attempt touches: the account's (none for an empty account: a secret
    /// guarding a resource is counted per address only) and the address's.
    fn keys(account: &str, ip: &str) -> Vec<(String, usize)> {
        let mut keys = Vec::with_capacity(2);
        if !account.is_empty() {
            keys.push((format!("a:{}", account.to_lowercase()), 0));
        }
        keys.push((format!("i:{ip}"), 1));
        keys
    }

    /// `Err(seconds)` when either the account or the address is over its limit.
    pub fn check(&self, account: &str, ip: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock();
        let mut wait = 0u64;
        for (key, kind) in Self::keys(account, ip) {
            let limit = if kind == 0 {
                self.limits.per_account
            } else {
                self.limits.per_ip
            };
            if let Some(q) = map.get_mut(&key) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.limits.window)
                {
                    q.pop_front();
                }
                if q.len() >= limit {
                    if let Some(oldest) = q.front() {
                        let left = self
                            .limits
                            .window
                            .saturating_sub(now.duration_since(*oldest));
                        wait = wait.max(left.as_secs().max(1));
                    }
                }
            }
        }
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&self, account: &str, ip: &str, now: Instant) {
        self.count_failure(account, ip, now);
        self.shared(|| ThrottleEvent::Failure {
            account: account.to_string(),
            ip: ip.to_string(),
        });
    }

    fn count_failure(&self, account: &str, ip: &str, now: Instant) {
        let mut map = self.failures.lock();
        for (key, _) in Self::keys(account, ip) {
            let q = map.entry(key).or_default();
            q.push_back(now);
            // Bound memory per key: more than the limit is never needed.
            while q.len() > self.limits.per_account.max(self.limits.per_ip) {
                q.pop_front();
            }
        }
        // Keep the map from growing without bound under a spray of usernames.
        if map.len() > 100_000 {
            let window = self.limits.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
    }

    /// A success clears the account's failures (not the address's: one success must not let an
    /// attacker reset the per-address counter).
    pub fn record_success(&self, account: &str) {
        self.clear_account(account);
        self.shared(|| ThrottleEvent::Success {
            account: account.to_string(),
        });
    }

    fn clear_account(&self, account: &str) {
        self.failures
            .lock()
            .remove(&format!("a:{}", account.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_one_node_counts_the_others_count_too() {
        let (here, there) = (Arc::new(t()), Arc::new(t()));
        let to = there.clone();
        here.share_with(Arc::new(move |text: String| {
            let event = ThrottleEvent::parse(&text).expect("a throttle event");
            to.apply_shared(&event, Instant::now());
        }));
        let now = Instant::now();
        for _ in 0..3 {
            here.record_failure("Alice", "1.2.3.4", now);
        }
        assert!(
            there.check("alice", "9.9.9.9", now).is_err(),
            "the account's failures"
        );
        here.record_success("Alice");
        assert!(
            there.check("alice", "9.9.9.9", now).is_ok(),
            "and its success"
        );
        assert_eq!(
            ThrottleEvent::parse("f\tbob\t::1"),
            Some(ThrottleEvent::Failure {
                account: "bob".into(),
                ip: "::1".into()
            })
        );
        assert_eq!(ThrottleEvent::parse("f\tbob"), None);
        assert_eq!(ThrottleEvent::parse("x"), None);
    }

    fn t() -> LoginThrottle {
        LoginThrottle::new(ThrottleLimits {
            per_account: 3,
            per_ip: 5,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn account_limit_then_recovery() {
        let th = t();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(th.check("Alice", "1.2.3.4", t0).is_ok());
            th.record_failure("Alice", "1.2.3.4", t0);
        }
        let wait = th.check("alice", "9.9.9.9", t0 + Duration::from_secs(10));
        assert_eq!(wait, Err(50));
        assert!(
            th.check("bob", "9.9.9.9", t0).is_ok(),
            "other accounts unaffected"
        );
        assert!(
            th.check("alice", "9.9.9.9", t0 + Duration::from_secs(61))
                .is_ok(),
            "no lock-out"
        );
    }

    #[test]
    fn ip_limit_spans_accounts() {
        let th = t();
        let t0 = Instant::now();
        for i in 0..5 {
            th.record_failure(&format!("user{i}"), "5.5.5.5", t0);
        }
        assert!(th.check("newuser", "5.5.5.5", t0).is_err());
        assert!(th.check("newuser", "6.6.6.6", t0).is_ok());
    }

    #[test]
    fn without_an_account_only_the_address_counts() {
        let th = t();
        let t0 = Instant::now();
        for _ in 0..4 {
            th.record_failure("", "5.5.5.5", t0);
        }
        assert!(
            th.check("", "5.5.5.5", t0).is_ok(),
            "past the account limit of 3"
        );
        th.record_failure("", "5.5.5.5", t0);
        assert!(th.check("", "5.5.5.5", t0).is_err());
        assert!(th.check("", "6.6.6.6", t0).is_ok(), "no shared counter");
        assert!(!th.failures.lock().contains_key("a:"));
    }

    #[test]
    fn success_clears_account_only() {
        let th = t();
        let t0 = Instant::now();
        for _ in 0..3 {
            th.record_failure("carol", "7.7.7.7", t0);
        }
        th.record_success("carol");
        assert!(th.check("carol", "8.8.8.8", t0).is_ok());
    }
}
