//! People's own storage quotas, set by an admin (`users.quota_bytes`); the quotas themselves are
//! `nichoir_core::quota`.

use std::collections::BTreeMap;

use nichoir_core::quota::QuotaLimits;
use nichoir_core::{Error, Result};

use crate::store;
use crate::{Admin, AuthService};

#[async_trait::async_trait]
impl QuotaLimits for AuthService {
    async fn own_limit(&self, user_id: &str) -> Result<Option<u64>> {
        let id = user_id.to_string();
        let own: Option<Option<i64>> = self
            .db()
            .read(move |c| store::quota::own_limit(c, &id))
            .await?;
        Ok(own.flatten().map(|n| u64::try_from(n).unwrap_or(0)))
    }

    async fn own_limits(&self) -> Result<BTreeMap<String, u64>> {
        let rows: Vec<(String, i64)> = self.db().read(store::quota::own_limits).await?;
        Ok(rows
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

impl AuthService {
    /// Sets `user_id`'s own quota (`None`: back to the instance's default; `Some(0)`: none).
    pub async fn set_quota(&self, _admin: &Admin, user_id: &str, bytes: Option<u64>) -> Result<()> {
        let bytes = bytes
            .map(i64::try_from)
            .transpose()
            .map_err(|_| Error::validation("quota_bytes: at most 2^63 - 1"))?;
        let id = user_id.to_string();
        let n = self
            .db()
            .write(move |tx| store::quota::set_quota(tx, &id, bytes))
            .await?;
        if n == 0 {
            return Err(Error::not_found("no such user"));
        }
        Ok(())
    }
}
