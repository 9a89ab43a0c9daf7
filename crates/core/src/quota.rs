//! Storage quotas: what each person's uploads take, across the tools, against their limit.
//!
//! Each tool that stores uploaded bytes (chat files, wiki attachments) reports what a person's
//! uploads weigh through [`UploadUsage`]; accounts say a person's own limit through
//! [`QuotaLimits`]. Every upload path asks [`Quotas::check`] before it stores anything, so the
//! answer is the same whichever tool the bytes go to. Two uploads at the same instant can both
//! pass: the quota is a budget for people, not a security boundary (the per-file and per-request
//! limits are those).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::{Error, ErrorCode, Result};

/// What one tool keeps of people's uploads.
#[async_trait::async_trait]
pub trait UploadUsage: Send + Sync {
    /// The tool's name in usage reports ("chat", "wikis").
    fn tool(&self) -> &'static str;
    /// Bytes stored for `user_id`'s uploads.
    async fn bytes_of(&self, user_id: &str) -> Result<u64>;
    /// Bytes stored per uploader, for everyone who has any.
    async fn bytes_by_user(&self) -> Result<Vec<(String, u64)>>;
}

/// A person's own limit, when an admin set one.
#[async_trait::async_trait]
pub trait QuotaLimits: Send + Sync {
    /// `Some(bytes)` for a limit set on this person (0: no limit), `None` for the default.
    async fn own_limit(&self, user_id: &str) -> Result<Option<u64>>;
    /// Every limit that differs from the default.
    async fn own_limits(&self) -> Result<BTreeMap<String, u64>>;
}

/// One person's use of their quota (`GET /api/v1/me/usage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[schemars(rename = "StorageUsage")]
#[ts(export, export_to = "core/", rename = "StorageUsage")]
pub struct Usage {
    pub used_bytes: u64,
    /// None: no limit.
    pub limit_bytes: Option<u64>,
    /// Whether the limit is the instance's default or set for this person.
    pub custom_limit: bool,
    /// Bytes per tool, tools with nothing left out.
    pub by_tool: BTreeMap<String, u64>,
}

/// One line of the admin's usage report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "core/")]
pub struct UserUsage {
    pub user_id: String,
    pub used_bytes: u64,
    pub limit_bytes: Option<u64>,
    pub custom_limit: bool,
}

/// The admin's usage report: per person (heaviest first) and in total
/// (`GET /api/v1/admin/usage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "core/")]
pub struct UsageReport {
    pub total_bytes: u64,
    pub default_limit_bytes: Option<u64>,
    pub users: Vec<UserUsage>,
}

/// Whether `incoming` more bytes fit: the refusal says how much is left, in words and numbers.
pub fn admit(used: u64, limit: Option<u64>, incoming: u64) -> Result<()> {
    let Some(limit) = limit else { return Ok(()) };
    if used.saturating_add(incoming) <= limit {
        return Ok(());
    }
    let left = limit.saturating_sub(used);
    Err(Error::new(
        ErrorCode::QuotaExceeded,
        format!(
            "this needs {} and {} of your {} storage quota is left",
            human_bytes(incoming),
            human_bytes(left),
            human_bytes(limit)
        ),
    ))
}

/// `820` → "820 B", `1_460_000` → "1.5 MB", `25_000_000` → "25 MB": decimal units, as the web
/// UI shows sizes (`web/src/format.ts`), so the numbers in a refusal match the account page.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else if v < 10.0 && (v * 10.0).round() % 10.0 != 0.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{} {}", v.round() as u64, UNITS[unit])
    }
}

/// The limit in force: a person's own, else the default; 0 in either means none.
fn limit_in_force(own: Option<u64>, default: u64) -> Option<u64> {
    Some(own.unwrap_or(default)).filter(|&l| l > 0)
}

/// The quotas of the instance: the default limit (`uploads.quota_bytes_per_user`, 0 for none),
/// the tools' usage and the accounts' own limits.
#[derive(Clone)]
pub struct Quotas {
    default_limit: u64,
    parts: Arc<Vec<Arc<dyn UploadUsage>>>,
    limits: Option<Arc<dyn QuotaLimits>>,
}

impl Quotas {
    pub fn new(
        default_limit: u64,
        parts: Vec<Arc<dyn UploadUsage>>,
        limits: Arc<dyn QuotaLimits>,
    ) -> Quotas {
        Quotas {
            default_limit,
            parts: Arc::new(parts),
            limits: Some(limits),
        }
    }

    /// No quota at all (tests of one tool, tools built without the composition).
    pub fn unlimited() -> Quotas {
        Quotas {
            default_limit: 0,
            parts: Arc::new(Vec::new()),
            limits: None,
        }
    }

    async fn own_limit(&self, user_id: &str) -> Result<Option<u64>> {
        match &self.limits {
            Some(l) => l.own_limit(user_id).await,
            None => Ok(None),
        }
    }

    pub async fn usage(&self, user_id: &str) -> Result<Usage> {
        let mut by_tool = BTreeMap::new();
        for p in self.parts.iter() {
            let n = p.bytes_of(user_id).await?;
            if n > 0 {
                *by_tool.entry(p.tool().to_string()).or_insert(0) += n;
            }
        }
        let own = self.own_limit(user_id).await?;
        Ok(Usage {
            used_bytes: by_tool.values().sum(),
            limit_bytes: limit_in_force(own, self.default_limit),
            custom_limit: own.is_some(),
            by_tool,
        })
    }

    /// Ok when `incoming` more bytes of `user_id`'s fit in their quota; `quota_exceeded` (413)
    /// saying what is left otherwise.
    pub async fn check(&self, user_id: &str, incoming: u64) -> Result<()> {
        if self.parts.is_empty() {
            return Ok(());
        }
        let own = self.own_limit(user_id).await?;
        let limit = limit_in_force(own, self.default_limit);
        if limit.is_none() {
            return Ok(());
        }
        let mut used = 0u64;
        for p in self.parts.iter() {
            used = used.saturating_add(p.bytes_of(user_id).await?);
        }
        admit(used, limit, incoming)
    }

    pub async fn report(&self) -> Result<UsageReport> {
        let mut used: BTreeMap<String, u64> = BTreeMap::new();
        for p in self.parts.iter() {
            for (user, n) in p.bytes_by_user().await? {
                *used.entry(user).or_insert(0) += n;
            }
        }
        let own = match &self.limits {
            Some(l) => l.own_limits().await?,
            None => BTreeMap::new(),
        };
        for user in own.keys() {
            used.entry(user.clone()).or_insert(0);
        }
        let mut users: Vec<UserUsage> = used
            .into_iter()
            .map(|(user_id, used_bytes)| {
                let mine = own.get(&user_id).copied();
                UserUsage {
                    limit_bytes: limit_in_force(mine, self.default_limit),
                    custom_limit: mine.is_some(),
                    user_id,
                    used_bytes,
                }
            })
            .collect();
        users.sort_by(|a, b| {
            b.used_bytes
                .cmp(&a.used_bytes)
                .then_with(|| a.user_id.cmp(&b.user_id))
        });
        Ok(UsageReport {
            total_bytes: users.iter().map(|u| u.used_bytes).sum(),
            default_limit_bytes: limit_in_force(None, self.default_limit),
            users,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_fits_passes_and_what_does_not_says_what_is_left() {
        assert!(admit(0, Some(100), 100).is_ok());
        assert!(admit(99, Some(100), 1).is_ok());
        assert!(admit(u64::MAX, None, u64::MAX).is_ok(), "no limit");
        let e = admit(1_000_000, Some(3_000_000), 5_000_000).expect_err("refused");
        assert_eq!(e.code, ErrorCode::QuotaExceeded);
        assert_eq!(e.code.http_status(), 413);
        assert_eq!(
            e.message,
            "this needs 5 MB and 2 MB of your 3 MB storage quota is left"
        );
        // Already past the limit (lowered by an admin): nothing is left, nothing overflows.
        let e = admit(500, Some(100), u64::MAX).expect_err("refused");
        assert!(e.message.contains("0 B of your 100 B"), "{}", e.message);
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_450_000), "1.4 MB");
        assert_eq!(human_bytes(2_000_000), "2 MB");
        assert_eq!(human_bytes(25_400_000), "25 MB");
        assert_eq!(human_bytes(1024 * 1024 * 1024), "1.1 GB");
        assert_eq!(human_bytes(u64::MAX), "18446744 TB");
    }

    #[test]
    fn zero_means_no_limit_and_own_limits_win() {
        assert_eq!(limit_in_force(None, 0), None);
        assert_eq!(limit_in_force(None, 10), Some(10));
        assert_eq!(limit_in_force(Some(0), 10), None, "an admin lifted it");
        assert_eq!(limit_in_force(Some(20), 10), Some(20));
    }
}
