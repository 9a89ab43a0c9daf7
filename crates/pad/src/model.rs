use nichoir_core::time::serde_rfc3339;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct PadInfo {
    pub id: String,
    pub readonly_id: String,
    pub owner_id: Option<String>,
    pub rev: u64,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub updated_at: i64,
    /// A password is needed to open the pad.
    pub protected: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[schemars(rename = "PadRevisionInfo")]
#[ts(export, export_to = "pads/")]
pub struct RevisionInfo {
    pub rev: u64,
    pub author_id: String,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    /// Characters inserted.
    pub inserted: usize,
    /// Characters deleted.
    pub deleted: usize,
}

/// Someone who wrote in a pad, with the name and colour the pad shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema, TS)]
#[schemars(rename = "PadAuthor")]
#[ts(export, export_to = "pads/")]
pub struct Author {
    pub id: String,
    pub name: String,
    pub color: String,
}
