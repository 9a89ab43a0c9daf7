//! Across the tools, for the signed-in person: what they touched lately (the home page) and a
//! search (the header's box). Each tool answers for itself, with its own rule of who may see
//! what; this file only merges, orders and links.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use nichoir_auth::Actor;
use nichoir_chat::ChatService;
use nichoir_core::time::{parse_rfc3339, serde_rfc3339};
use nichoir_core::Error;
use nichoir_http::{ApiResult, SignedIn};
use nichoir_pad::PadService;
use nichoir_polls::PollService;
use nichoir_video::VideoService;
use nichoir_wiki::WikiService;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Items each tool brings to the recent list, and how many the list keeps.
const PER_TOOL: usize = 10;
const RECENT_ITEMS: usize = 30;
/// Hits each tool brings to a search.
const HITS_PER_TOOL: usize = 20;
/// The query's length in characters (as the admin's moderation search).
const MIN_QUERY: usize = 2;
const MAX_QUERY: usize = 100;

/// Which tool an item belongs to.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "web/", rename = "ToolName")]
#[schemars(rename = "ToolName")]
pub enum Tool {
    Pads,
    Polls,
    Chat,
    Video,
    Wikis,
}

/// How the person is linked to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "web/")]
pub enum RecentRole {
    Created,
    Visited,
    Answered,
    Admin,
    Editor,
    Member,
}

/// One thing the person touched lately.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct RecentItem {
    pub tool: Tool,
    pub id: String,
    pub name: String,
    /// Its page in the app.
    pub path: String,
    /// RFC 3339.
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub at: i64,
    pub role: RecentRole,
    /// Chat channels: messages they have not read, and of those, mentions of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unread: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mentions: Option<i64>,
}

/// `GET /api/v1/me/recent`: newest first.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct RecentAnswer {
    pub items: Vec<RecentItem>,
}

/// The tools' services, as the app holds them.
pub struct Tools {
    pub(super) pads: web::Data<Arc<PadService>>,
    pub(super) polls: web::Data<Arc<PollService>>,
    pub(super) chat: web::Data<Arc<ChatService>>,
    pub(super) video: web::Data<Arc<VideoService>>,
    pub(super) wikis: web::Data<Arc<WikiService>>,
}

impl actix_web::FromRequest for Tools {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let missing = || actix_web::error::ErrorInternalServerError("a tool's service is missing");
        std::future::ready((|| {
            Ok(Tools {
                pads: req
                    .app_data::<web::Data<Arc<PadService>>>()
                    .cloned()
                    .ok_or_else(missing)?,
                polls: req
                    .app_data::<web::Data<Arc<PollService>>>()
                    .cloned()
                    .ok_or_else(missing)?,
                chat: req
                    .app_data::<web::Data<Arc<ChatService>>>()
                    .cloned()
                    .ok_or_else(missing)?,
                video: req
                    .app_data::<web::Data<Arc<VideoService>>>()
                    .cloned()
                    .ok_or_else(missing)?,
                wikis: req
                    .app_data::<web::Data<Arc<WikiService>>>()
                    .cloned()
                    .ok_or_else(missing)?,
            })
        })())
    }
}

/// A wiki page's path in the app: spaces as '_', the rest percent-encoded (as the wiki's links).
pub(super) fn wiki_path(slug: &str, page: &str) -> String {
    let mut seg = String::new();
    for b in page.replace(' ', "_").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            seg.push(b as char);
        } else {
            seg.push_str(&format!("%{b:02X}"));
        }
    }
    if seg.is_empty() {
        format!("/w/{slug}")
    } else {
        format!("/w/{slug}/{seg}")
    }
}

/// The person's wikis (admin or editor) as the wiki crate lists them: (slug, title, role, when).
async fn my_wikis(
    wikis: &WikiService,
    user_id: &str,
) -> Result<Vec<(String, String, String, i64)>, Error> {
    Ok(wikis
        .mine(user_id)
        .await?
        .into_iter()
        .map(|w| (w.slug, w.title, w.role.as_str().to_string(), w.updated_at))
        .collect())
}

pub async fn recent(tools: Tools, who: SignedIn) -> ApiResult<HttpResponse> {
    let actor: &Actor = &who.0;
    let me = actor.id();
    let mut items = Vec::new();
    for p in tools
        .pads
        .recent_for(me, PER_TOOL as i64)
        .await
        .map_err(Error::from)?
    {
        items.push(RecentItem {
            tool: Tool::Pads,
            path: format!("/p/{}", p.id),
            name: p.id.clone(),
            id: p.id,
            at: p.at,
            role: if p.owned {
                RecentRole::Created
            } else {
                RecentRole::Visited
            },
            unread: None,
            mentions: None,
        });
    }
    let polls = tools.polls.list_for(me).await.map_err(Error::from)?;
    for p in polls.into_iter().take(PER_TOOL) {
        items.push(RecentItem {
            tool: Tool::Polls,
            path: format!("/poll/{}", p.poll.id),
            id: p.poll.id,
            name: p.poll.title,
            at: p.activity_at,
            role: match p.role {
                nichoir_polls::MyRole::Created => RecentRole::Created,
                _ => RecentRole::Answered,
            },
            unread: None,
            mentions: None,
        });
    }
    for c in tools.chat.recent_channels(actor, PER_TOOL as i64).await? {
        items.push(RecentItem {
            tool: Tool::Chat,
            id: c.id,
            name: c.name,
            path: c.path,
            at: c.at,
            role: RecentRole::Member,
            unread: Some(c.unread),
            mentions: Some(c.mentions),
        });
    }
    let rooms = tools.video.owned_by(me).await.map_err(Error::from)?;
    for r in rooms.into_iter().take(PER_TOOL) {
        let Some(at) = parse_rfc3339(&r.created_at) else {
            continue;
        };
        items.push(RecentItem {
            tool: Tool::Video,
            path: format!("/video/{}", r.id),
            name: if r.title.is_empty() {
                r.id.clone()
            } else {
                r.title
            },
            id: r.id,
            at,
            role: RecentRole::Created,
            unread: None,
            mentions: None,
        });
    }
    let mut wikis = my_wikis(&tools.wikis, me).await?;
    wikis.sort_by_key(|w| std::cmp::Reverse(w.3));
    for (slug, title, role, at) in wikis.into_iter().take(PER_TOOL) {
        items.push(RecentItem {
            tool: Tool::Wikis,
            path: format!("/w/{slug}"),
            id: slug,
            name: title,
            at,
            role: if role == "admin" {
                RecentRole::Admin
            } else {
                RecentRole::Editor
            },
            unread: None,
            mentions: None,
        });
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    items.truncate(RECENT_ITEMS);
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RecentAnswer { items }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// 2 to 100 characters.
    q: String,
}

/// One thing found.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Hit {
    pub title: String,
    pub path: String,
    /// Where it was found: the channel and author of a message, the wiki of a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub context: Option<String>,
    /// Plain text around the match; matched words between U+0002 and U+0003.
    pub snippet: String,
    /// RFC 3339.
    #[serde(
        with = "serde_rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    #[ts(optional, type = "string")]
    pub at: Option<i64>,
}

/// `GET /api/v1/search`: what each tool found.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct SearchAnswer {
    pub pads: Vec<Hit>,
    pub polls: Vec<Hit>,
    pub chat: Vec<Hit>,
    pub wikis: Vec<Hit>,
}

/// The query's words, and the same as quoted terms (the last a prefix) for the snippets.
fn query_terms(q: &str) -> (Vec<String>, String) {
    let words: Vec<String> = q
        .split_whitespace()
        .take(12)
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-')
                .collect::<String>()
        })
        // A word of apostrophes or dashes alone folds to nothing: no tool would find it.
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let fts = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i + 1 == words.len() {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    (words, fts)
}

pub async fn search(
    tools: Tools,
    who: SignedIn,
    q: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    let actor: &Actor = &who.0;
    let me = actor.id();
    let q = q.q.trim();
    let len = q.chars().count();
    if !(MIN_QUERY..=MAX_QUERY).contains(&len) || q.chars().any(char::is_control) {
        return Err(Error::validation(format!(
            "q: {MIN_QUERY} to {MAX_QUERY} characters on one line"
        ))
        .into());
    }
    let (words, fts) = query_terms(q);
    if words.is_empty() {
        return Err(Error::validation("q: give at least one word").into());
    }
    // Chat reads its own language (in:, from:, quotes); the other tools take words only, so
    // the chat is asked the words too, and a stray filter never fails the whole search.
    let plain = words.join(" ");

    let pads = tools
        .pads
        .search_for(me, words.clone(), fts.clone(), HITS_PER_TOOL)
        .await
        .map_err(Error::from)?
        .into_iter()
        .map(|p| Hit {
            title: p.id.clone(),
            path: format!("/p/{}", p.id),
            context: None,
            snippet: p.snippet,
            at: Some(p.at),
        })
        .collect();

    let polls = tools
        .polls
        .list_for(me)
        .await
        .map_err(Error::from)?
        .into_iter()
        .filter(|p| {
            words
                .iter()
                .all(|w| nichoir_storage::search::folded_contains(&[&p.poll.title], w))
        })
        .take(HITS_PER_TOOL)
        .map(|p| Hit {
            path: format!("/poll/{}", p.poll.id),
            snippet: nichoir_storage::search::snippet(&p.poll.title, &fts, 24),
            title: p.poll.title,
            context: None,
            at: Some(p.activity_at),
        })
        .collect();

    let chat = tools
        .chat
        .search_everywhere(actor, &plain, HITS_PER_TOOL as i64)
        .await?
        .into_iter()
        .map(|h| Hit {
            title: h.channel,
            path: h.path,
            context: Some(h.author),
            snippet: h.snippet,
            at: Some(h.at),
        })
        .collect();

    // Public wikis' ordinary pages, then each wiki the person edits or runs (private ones too),
    // each search deciding per page as a page read does.
    let mut found = tools
        .wikis
        .search(None, &plain, Some(actor))
        .await
        .map_err(Error::from)?;
    for (slug, ..) in my_wikis(&tools.wikis, me).await? {
        found.extend(
            tools
                .wikis
                .search(Some(&slug), &plain, Some(actor))
                .await
                .map_err(Error::from)?,
        );
    }
    let mut seen = HashSet::new();
    let mut wikis = Vec::new();
    for h in found {
        let (slug, page) = (h.wiki, h.page);
        if slug.is_empty() || !seen.insert((slug.clone(), page.clone())) {
            continue;
        }
        wikis.push(Hit {
            path: wiki_path(&slug, &page),
            title: if page.is_empty() {
                h.wiki_title.clone()
            } else {
                page
            },
            context: Some(h.wiki_title),
            snippet: h.snippet,
            at: None,
        });
        if wikis.len() >= HITS_PER_TOOL {
            break;
        }
    }

    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(SearchAnswer {
            pads,
            polls,
            chat,
            wikis,
        }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn wiki_paths_match_the_apps_links() {
        assert_eq!(super::wiki_path("club", "Main Page"), "/w/club/Main_Page");
        assert_eq!(
            super::wiki_path("club", "Été 2026"),
            "/w/club/%C3%89t%C3%A9_2026"
        );
        assert_eq!(super::wiki_path("club", ""), "/w/club");
    }

    #[test]
    fn query_terms_quote_every_word_and_the_last_as_a_prefix() {
        let (words, fts) = super::query_terms("  summer \"fest\" ");
        assert_eq!(words, ["summer", "fest"]);
        assert_eq!(fts, "\"summer\" \"fest\"*");
        assert!(super::query_terms("!!! ?? '' --").0.is_empty());
    }
}
