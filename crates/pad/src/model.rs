use nichoir_core::time::serde_rfc3339;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct PadInfo {
    pub id: String,
    pub readonly_id: String,
    pub owner_id: Option<String>,
    pub rev: u64,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: i64,
    /// A password is needed to open the pad.
    pub protected: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevisionInfo {
    pub rev: u64,
    pub author_id: String,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    pub inserted: usize,
    pub deleted: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Author {
    pub id: String,
    pub name: String,
    pub color: String,
}
