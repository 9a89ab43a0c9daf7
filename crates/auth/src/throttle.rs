//! Login throttling: failed attempts are counted per account and per client address within a
//! sliding window; past the limit the answer is 429 with Retry-After until the oldest failure ages
//! out. There is never a lock-out that an attacker could trigger to keep a user out for good.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub per_account: usize,
    pub per_ip: usize,
    pub window: Duration,
}

#[derive(Debug)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        LoginThrottle {
            limits,
            failures: Mutex::new(HashMap::new()),
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
        self.failures
            .lock()
            .remove(&format!("a:{}", account.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
