//! A tool's part of the storage quotas (`nichoir_core::quota::UploadUsage`), read with the
//! tool's own two statements: every tool that keeps uploads reports them the same way.

use nichoir_core::quota::UploadUsage;
use nichoir_core::Result;

use crate::{Connection, Db, SResult};

/// Bytes of one person's uploads.
pub type BytesOf = fn(&Connection, &str) -> SResult<i64>;
/// Bytes per uploader.
pub type BytesByUser = fn(&Connection) -> SResult<Vec<(String, i64)>>;

pub struct StoredUsage {
    db: Db,
    tool: &'static str,
    of: BytesOf,
    by_user: BytesByUser,
}

impl StoredUsage {
    pub fn new(db: Db, tool: &'static str, of: BytesOf, by_user: BytesByUser) -> StoredUsage {
        StoredUsage {
            db,
            tool,
            of,
            by_user,
        }
    }
}

#[async_trait::async_trait]
impl UploadUsage for StoredUsage {
    fn tool(&self) -> &'static str {
        self.tool
    }

    async fn bytes_of(&self, user_id: &str) -> Result<u64> {
        let (of, u) = (self.of, user_id.to_string());
        let n = self.db.read(move |c| of(c, &u)).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn bytes_by_user(&self) -> Result<Vec<(String, u64)>> {
        let by_user = self.by_user;
        let rows = self.db.read(by_user).await?;
        Ok(rows
            .into_iter()
            .map(|(u, n)| (u, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}
