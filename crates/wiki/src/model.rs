//! The wiki's rows as read from the database, and the shapes the API returns.

use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

use crate::access::{EditPolicy, PageRule, PageRules, Visibility, WikiRules};

nichoir_core::text_enum!(
    ts("wiki/")
    /// What a revision did.
    RevisionKind { Create = "create", Edit = "edit", Revert = "revert", Rename = "rename", Delete = "delete" }
);

#[derive(Debug, Clone)]
pub struct WikiRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub visibility: Visibility,
    pub edit_policy: EditPolicy,
    pub theme_color: String,
    pub home_page: String,
    pub menu: String,
    pub comments_enabled: bool,
    pub locked: bool,
    /// Its admins let search engines index it; only honoured while it is public.
    pub search_indexable: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl WikiRow {
    pub fn rules(&self) -> WikiRules {
        WikiRules {
            visibility: self.visibility,
            edit_policy: self.edit_policy,
            locked: self.locked,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PageRow {
    pub id: i64,
    pub wiki_id: i64,
    pub name: String,
    pub key: String,
    pub rev: i64,
    pub text: String,
    pub html: Option<String>,
    pub toc: Option<String>,
    pub view_rule: PageRule,
    pub edit_rule: PageRule,
    pub deleted: bool,
    pub redirect_to: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PageRow {
    pub fn rules(&self) -> PageRules {
        PageRules {
            view: self.view_rule,
            edit: self.edit_rule,
        }
    }
}

/// A revision in a page's history.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct RevisionInfo {
    pub rev: i64,
    pub summary: String,
    #[schemars(with = "RevisionKind")]
    #[ts(as = "RevisionKind")]
    pub kind: String,
    pub author_name: String,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    /// Characters added (+) or removed (−) by this revision.
    pub size_change: i64,
}

/// A revision in the wiki's recent changes.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct ChangeInfo {
    pub page: String,
    pub rev: i64,
    pub summary: String,
    #[schemars(with = "RevisionKind")]
    #[ts(as = "RevisionKind")]
    pub kind: String,
    pub author_name: String,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
}
