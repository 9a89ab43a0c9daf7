//! "Download all my data": each tool contributes the files that hold what a user owns or wrote.

/// One file of a user's export archive, e.g. `account/profile.json` or `pads/<id>.md`.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub path: String,
    pub contents: Vec<u8>,
}

impl ExportFile {
    pub fn json(path: impl Into<String>, value: &impl serde::Serialize) -> crate::Result<Self> {
        let contents = serde_json::to_vec_pretty(value).map_err(crate::Error::internal)?;
        Ok(ExportFile {
            path: path.into(),
            contents,
        })
    }
}

/// Implemented by every crate that keeps user data (accounts, and each tool).
#[async_trait::async_trait]
pub trait ExportContributor: Send + Sync {
    /// The folder of the archive this contributor writes under, e.g. "account" or "pads".
    fn folder(&self) -> &'static str;
    async fn export_user(&self, user_id: &str) -> crate::Result<Vec<ExportFile>>;
}
