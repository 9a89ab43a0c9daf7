//! The shapes of the wiki API (docs/wiki-api.md): what requests carry, what the service answers.
//! Each derives its JSON Schema (the OpenAPI document) and its TypeScript type
//! (`web/src/generated/wiki/`), so the contract, the UI and the server share one definition.
//!
//! Times are milliseconds inside and RFC 3339 text on the wire. Request fields holding one of a
//! fixed set of words stay text here (the service answers its own message for a wrong one) but
//! are documented as the set.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::access::{EditPolicy, PageRule, Role, Visibility};
use crate::model::ChangeInfo;
use nichoir_wikitext::diff::Diff;
use nichoir_wikitext::render::TocEntry;

// ---- requests ---------------------------------------------------------------------------------

nichoir_core::text_enum!(
    ts("wiki/")
    /// The starter wikis (`nichoir_wikitext::templates::TEMPLATE_NAMES`, which a test keeps equal).
    Template { Blank = "blank", Project = "project", Association = "association", Event = "event" }
);

/// A new wiki.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/", optional_fields)]
pub struct NewWiki {
    /// Its address: `/w/<slug>/`.
    pub slug: String,
    pub title: String,
    #[serde(default)]
    #[ts(as = "Option<String>")]
    pub description: String,
    /// `blank` by default.
    #[serde(default)]
    #[schemars(with = "Option<Template>")]
    #[ts(as = "Option<Template>")]
    pub template: Option<String>,
    /// The template's language: `en` (the default) or `fr`.
    #[serde(default)]
    pub lang: Option<String>,
    /// Public by default.
    #[serde(default)]
    #[schemars(with = "Option<Visibility>")]
    #[ts(as = "Option<Visibility>")]
    pub visibility: Option<String>,
    /// `users` by default.
    #[serde(default)]
    #[schemars(with = "Option<EditPolicy>")]
    #[ts(as = "Option<EditPolicy>")]
    pub edit_policy: Option<String>,
    /// `#rrggbb`.
    #[serde(default)]
    pub theme_color: Option<String>,
}

/// Changes to a wiki's settings: each field left out stays as it is.
#[derive(Debug, Deserialize, Default, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/", optional_fields)]
pub struct WikiPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    #[schemars(with = "Option<Visibility>")]
    #[ts(as = "Option<Visibility>")]
    pub visibility: Option<String>,
    #[schemars(with = "Option<EditPolicy>")]
    #[ts(as = "Option<EditPolicy>")]
    pub edit_policy: Option<String>,
    pub theme_color: Option<String>,
    pub home_page: Option<String>,
    /// The menu in Markdown.
    pub menu: Option<String>,
    pub comments_enabled: Option<bool>,
    /// Let search engines index the wiki; only a public wiki may.
    pub search_indexable: Option<bool>,
}

/// A page's new text.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct SaveInput {
    pub text: String,
    /// The revision the editor started from; null for a new page.
    #[serde(default)]
    pub base_rev: Option<i64>,
    #[serde(default)]
    #[ts(optional)]
    pub summary: Option<String>,
    /// Left empty by people; bots fill every field.
    #[serde(default)]
    #[ts(optional)]
    pub website: Option<String>,
}

/// Lock (read-only) or unlock a wiki.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct LockBody {
    pub locked: bool,
}

/// A member's role.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct RoleBody {
    #[schemars(with = "Role")]
    #[ts(as = "Role")]
    pub role: String,
}

/// Markdown to render.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct PreviewBody {
    pub text: String,
}

/// A page's new name.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct RenameBody {
    pub name: String,
    /// Keep the old name as a redirect (the default).
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub redirect: bool,
}

fn yes() -> bool {
    true
}

/// The revision to make current again.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct RevertBody {
    pub rev: i64,
}

/// A page's own rights.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct RulesBody {
    #[schemars(with = "PageRule")]
    #[ts(as = "PageRule")]
    pub view: String,
    #[schemars(with = "PageRule")]
    #[ts(as = "PageRule")]
    pub edit: String,
}

/// A comment.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct CommentBody {
    pub text: String,
    /// Left empty by people; bots fill every field.
    #[serde(default)]
    #[ts(optional)]
    pub website: Option<String>,
}

/// Notifications to mark read: these `ids`, or `all`.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct ReadBody {
    #[serde(default)]
    #[ts(as = "Option<Vec<i64>>", optional)]
    pub ids: Vec<i64>,
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub all: bool,
}

// ---- queries ----------------------------------------------------------------------------------

/// A search.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct SearchQuery {
    /// The words looked for (the directory: in titles and descriptions).
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub q: String,
}

/// Which recent changes.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/", optional_fields)]
pub struct ChangesQuery {
    /// Only this author's (display name).
    #[serde(default)]
    pub author: Option<String>,
    /// Only this page's.
    #[serde(default)]
    pub page: Option<String>,
    /// Changes older than this change id.
    #[serde(default)]
    pub before: Option<i64>,
    /// At most this many (1 to 500, 50 by default).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// Which revisions.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/", optional_fields)]
pub struct HistoryQuery {
    /// Revisions older than this one.
    #[serde(default)]
    pub before: Option<i64>,
    /// At most this many (1 to 500, 100 by default).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// The two revisions compared.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct DiffQuery {
    /// The older revision; 0 is the empty page.
    pub from: i64,
    pub to: i64,
}

/// An attachment's name.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/")]
pub struct FileQuery {
    pub name: String,
}

/// The new wiki an archive becomes.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "wiki/", optional_fields)]
pub struct ImportQuery {
    pub slug: String,
    /// The archive's title when left out.
    #[serde(default)]
    pub title: Option<String>,
}

// ---- answers ----------------------------------------------------------------------------------

/// A wiki as the asker sees it.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct Wiki {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub visibility: Visibility,
    pub edit_policy: EditPolicy,
    pub theme_color: String,
    pub home_page: String,
    /// The menu in Markdown.
    pub menu: String,
    pub comments_enabled: bool,
    /// Open to search engines (robots.txt); only ever true for a public wiki.
    pub search_indexable: bool,
    pub locked: bool,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub updated_at: i64,
    /// The asker's role; null for anyone else.
    pub my_role: Option<Role>,
    pub can_edit: bool,
    pub can_admin: bool,
    /// The menu rendered (in the answer of `GET /wikis/{slug}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub menu_html: Option<String>,
    /// The asker watches the whole wiki (in the answer of `GET /wikis/{slug}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub watching: Option<bool>,
}

/// A public wiki in the directory.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct DirectoryEntry {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub theme_color: String,
    /// How many pages it has.
    pub pages: i64,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub updated_at: i64,
}

/// A wiki the asker is an admin or editor of.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct MyWiki {
    pub slug: String,
    pub title: String,
    pub role: Role,
    pub visibility: Visibility,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub updated_at: i64,
}

/// An admin or editor of a wiki.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct Member {
    pub user_id: String,
    /// What the member routes name them by (`/members/{username}`).
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// A page in the list of a wiki's pages.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct PageListEntry {
    pub name: String,
    pub rev: i64,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub updated_at: i64,
}

/// The wiki a page belongs to, as the page view needs it.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct PageWiki {
    pub slug: String,
    pub title: String,
    pub theme_color: String,
    pub home_page: String,
}

/// A page's current revision, rendered.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct PageInfo {
    pub name: String,
    pub rev: i64,
    pub html: String,
    pub toc: Vec<TocEntry>,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub updated_at: i64,
    pub view_rule: PageRule,
    pub edit_rule: PageRule,
}

/// A page for reading.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct PageAnswer {
    pub wiki: PageWiki,
    pub page: PageInfo,
    /// Its Markdown.
    pub text: String,
    pub can_edit: bool,
    pub can_admin: bool,
    /// The name asked for, when it was a redirect to this page.
    pub redirected_from: Option<String>,
    pub watching: bool,
}

/// Markdown rendered as the wiki would.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct Preview {
    pub html: String,
    pub toc: Vec<TocEntry>,
}

/// A page saved.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct SaveAnswer {
    pub rev: i64,
    /// The edit was merged with changes saved since its base revision.
    pub merged: bool,
    pub created: bool,
    /// The text was the current revision's: nothing was stored, `rev` is the current one.
    pub unchanged: bool,
}

/// The `error` member of an error answer.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// The saved revision and the text with conflict markers.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct Conflict {
    pub rev: i64,
    pub text: String,
}

/// A save refused (409) because the same lines changed since its base revision.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct ConflictBody {
    pub error: ErrorDetail,
    pub conflict: Conflict,
}

/// A page read (404) that the asker could restore: it was deleted.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct DeletedBody {
    pub error: ErrorDetail,
    /// Always true.
    pub deleted: bool,
}

/// The revision made.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct RevAnswer {
    pub rev: i64,
}

/// A page renamed.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct Renamed {
    pub name: String,
    pub rev: i64,
}

/// A page's revisions, newest first.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct History {
    pub page: String,
    /// Its current revision.
    pub rev: i64,
    pub deleted: bool,
    pub revisions: Vec<crate::model::RevisionInfo>,
}

/// A page at one revision.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct RevisionText {
    pub page: String,
    pub rev: i64,
    pub text: String,
    pub html: String,
}

/// Two revisions of a page compared.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct DiffAnswer {
    pub page: String,
    pub from: i64,
    pub to: i64,
    pub diff: Diff,
}

/// A page that links to another.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct Backlink {
    pub name: String,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub updated_at: i64,
}

/// One recent change.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct ChangeEntry {
    /// Its id, for `before=`.
    pub id: i64,
    pub change: ChangeInfo,
}

/// A page found by a search.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct SearchHit {
    /// The wiki's slug.
    pub wiki: String,
    pub wiki_title: String,
    pub page: String,
    /// Where the words are, as plain text.
    pub snippet: String,
}

/// An attachment.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct WikiFile {
    pub name: String,
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// Where it is served.
    pub url: String,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
}

/// A comment under a page.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct WikiComment {
    pub id: i64,
    pub author_name: String,
    pub text: String,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    /// The asker may delete it.
    pub deletable: bool,
}

/// A change to something the asker watches.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "wiki/")]
pub struct WikiNotification {
    pub id: i64,
    /// The wiki's slug.
    pub wiki: String,
    pub wiki_title: String,
    pub page: String,
    pub rev: i64,
    pub actor_name: String,
    pub summary: String,
    /// A unified diff.
    pub diff: String,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    pub read: bool,
}

/// A revision someone wrote, in their data export.
#[derive(Debug, Clone, Serialize)]
pub struct MyRevision {
    pub wiki: String,
    pub page: String,
    pub rev: i64,
    pub summary: String,
    pub kind: String,
    #[serde(with = "nichoir_core::time::serde_rfc3339")]
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::Template;

    /// The document's list of templates is the one the farm accepts.
    #[test]
    fn the_template_word_list_is_the_starter_wikis() {
        let names = nichoir_wikitext::templates::TEMPLATE_NAMES;
        for name in names {
            assert!(Template::parse(name).is_some(), "{name} is not a Template");
        }
        for t in [
            Template::Blank,
            Template::Project,
            Template::Association,
            Template::Event,
        ] {
            assert!(
                names.contains(&t.as_str()),
                "{} is not a starter wiki",
                t.as_str()
            );
        }
    }
}
