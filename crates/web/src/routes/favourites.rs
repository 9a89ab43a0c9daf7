//! A person's favourites across the tools: pads, polls, chat channels, video rooms, wikis and
//! wiki pages they starred. The accounts crate keeps the (kind, id) pairs with the account; each
//! tool says, whenever the list is shown, whether the item may be read by them now, with its name
//! and page. Reading the list never writes: what they may not read for now (a channel they left,
//! a wiki made private for a day) is hidden, and comes back when they may again. Only what no
//! longer exists leaves everyone's lists, in the hourly [`Sweep`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use nichoir_auth::{Actor, AuthService, Favourite};
use nichoir_chat::ChatService;
use nichoir_core::time::serde_rfc3339;
use nichoir_core::{Error, ErrorCode, Field, Rule};
use nichoir_http::{ApiResult, Ctx, SignedIn};
use nichoir_video::VideoService;
use nichoir_wiki::WikiService;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::recent::{wiki_path, Tool, Tools};

/// An id's length in characters (a wiki page's is its wiki's slug, '/', the page name).
const MAX_ID: usize = 300;

/// What can be starred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "web/", rename = "FavouriteKind")]
#[schemars(rename = "FavouriteKind")]
pub enum Kind {
    Pad,
    Poll,
    Channel,
    Wiki,
    WikiPage,
    VideoRoom,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Pad,
        Kind::Poll,
        Kind::Channel,
        Kind::Wiki,
        Kind::WikiPage,
        Kind::VideoRoom,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Kind::Pad => "pad",
            Kind::Poll => "poll",
            Kind::Channel => "channel",
            Kind::Wiki => "wiki",
            Kind::WikiPage => "wiki_page",
            Kind::VideoRoom => "video_room",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn tool(self) -> Tool {
        match self {
            Kind::Pad => Tool::Pads,
            Kind::Poll => Tool::Polls,
            Kind::Channel => Tool::Chat,
            Kind::Wiki | Kind::WikiPage => Tool::Wikis,
            Kind::VideoRoom => Tool::Video,
        }
    }
}

/// One favourite, as its tool shows it to this person now.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct FavouriteItem {
    pub kind: Kind,
    /// The item's id in its tool (a wiki page: `slug/Page name`).
    pub id: String,
    pub tool: Tool,
    pub title: String,
    /// Where it belongs: a wiki page's wiki.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub context: Option<String>,
    /// Its page in the app.
    pub path: String,
    /// RFC 3339.
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub added_at: i64,
}

/// `GET /api/v1/me/favourites`: newest first.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct FavouritesAnswer {
    pub items: Vec<FavouriteItem>,
    /// Kept but not shown: items they may not read for now (a channel they left, a wiki made
    /// private), by kind and id only (no name: it may not be theirs to read any more), so that
    /// they can be removed. They count towards `max`, and come back when readable again.
    pub unavailable: Vec<FavouriteRef>,
    /// How many one may keep (`auth.max_favourites`).
    pub max: usize,
}

/// A favourite named by its kind and id alone.
#[derive(Debug, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "web/")]
pub struct FavouriteRef {
    pub kind: Kind,
    pub id: String,
}

/// `DELETE /api/v1/me/favourites`: favourites to unstar at once, by kind and id as the list
/// names them (`items` and `unavailable`), `max` at most.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "web/")]
pub struct FavouritesRemoval {
    pub items: Vec<FavouriteRef>,
}

/// An item's name and place, as its tool answers for this person.
struct Found {
    /// The id under which it is kept (a wiki page's as the wiki stores its name).
    id: String,
    title: String,
    context: Option<String>,
    path: String,
}

/// The kind and id of the address, checked: 422 for a kind that does not exist or an id no
/// tool could have.
fn parse_target(kind: &str, id: &str) -> Result<Kind, Error> {
    let kind = Kind::parse(kind).ok_or_else(|| {
        Error::validation("kind: one of pad, poll, channel, wiki, wiki_page, video_room")
            .with_invalid(
                Field::Kind,
                Rule::NotOneOf {
                    allowed: Kind::ALL.iter().map(|k| k.as_str().to_string()).collect(),
                },
            )
    })?;
    let len = id.chars().count();
    if len == 0 || len > MAX_ID || id.chars().any(char::is_control) || id.trim() != id {
        let rule = if id.chars().any(char::is_control) {
            Rule::ControlCharacters
        } else if len > 0 && len <= MAX_ID {
            Rule::BadEdge {
                character: " ".into(),
            }
        } else {
            Rule::Length {
                min: 1,
                max: MAX_ID as u64,
            }
        };
        return Err(
            Error::validation(format!("id: 1 to {MAX_ID} characters on one line"))
                .with_invalid(Field::Id, rule),
        );
    }
    let slashes = id.matches('/').count();
    let well_formed = match kind {
        Kind::WikiPage => id
            .split_once('/')
            .is_some_and(|(w, p)| slashes == 1 && !w.is_empty() && !p.is_empty()),
        _ => slashes == 0,
    };
    if !well_formed {
        let (message, rule) = match kind {
            Kind::WikiPage => (
                "id: a wiki page is named as wiki/page",
                Rule::BadFormat {
                    example: Some("wiki/page".into()),
                },
            ),
            _ => (
                "id: no '/' in this kind's ids",
                Rule::ForbiddenCharacter {
                    character: "/".into(),
                },
            ),
        };
        return Err(Error::validation(message).with_invalid(Field::Id, rule));
    }
    Ok(kind)
}

/// Does this answer mean "not there for you" (rather than a failure to ask)?
fn unreadable(e: &Error) -> bool {
    matches!(
        e.code,
        ErrorCode::NotFound
            | ErrorCode::Forbidden
            | ErrorCode::PasswordRequired
            | ErrorCode::Unauthenticated
    )
}

/// The item, if it exists and `actor` may read it; None otherwise. A failure to ask (the
/// database busy) is an error: it must not pass for a missing item.
async fn find(tools: &Tools, actor: &Actor, kind: Kind, id: &str) -> Result<Option<Found>, Error> {
    let answer: Result<Found, Error> = match kind {
        Kind::VideoRoom => {
            return Ok(find_rooms(tools, vec![id.to_string()]).await?.remove(id));
        }
        Kind::Pad => tools
            .pads
            .open(id, Some(actor))
            .await
            .map_err(Error::from)
            // The id kept is the one they starred: a read-only link stays read-only, and its
            // name is not the pad's own id.
            .map(|_| Found {
                id: id.to_string(),
                title: id.to_string(),
                context: None,
                path: format!("/p/{id}"),
            }),
        Kind::Poll => tools
            .polls
            .card(id, Some(actor))
            .await
            .map_err(Error::from)
            .map(|card| Found {
                id: id.to_string(),
                title: card.title,
                context: None,
                path: format!("/poll/{id}"),
            }),
        Kind::Channel => match tools.chat.member_channel(actor, id).await? {
            Some(c) => Ok(Found {
                id: c.id,
                title: c.name,
                context: None,
                path: c.path,
            }),
            None => return Ok(None),
        },
        Kind::Wiki => tools
            .wikis
            .readable_title(id, None, actor)
            .await
            .map_err(Error::from)
            .map(|(title, _)| Found {
                id: id.to_string(),
                title,
                context: None,
                path: wiki_path(id, ""),
            }),
        Kind::WikiPage => {
            let (slug, page) = id.split_once('/').unwrap_or((id, ""));
            tools
                .wikis
                .readable_title(slug, Some(page), actor)
                .await
                .map_err(Error::from)
                .map(|(wiki, name)| {
                    let name = name.unwrap_or_else(|| page.to_string());
                    Found {
                        id: format!("{slug}/{name}"),
                        path: wiki_path(slug, &name),
                        title: name,
                        context: Some(wiki),
                    }
                })
        }
    };
    match answer {
        Ok(f) => Ok(Some(f)),
        Err(e) if unreadable(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn item(kind: Kind, f: Found, added_at: i64) -> FavouriteItem {
    FavouriteItem {
        kind,
        id: f.id,
        tool: kind.tool(),
        title: f.title,
        context: f.context,
        path: f.path,
        added_at,
    }
}

/// The rooms of `ids` that exist, by id, in one query: anyone who knows a room's name may open
/// its page (a password or a lobby guards its call, not the room).
async fn find_rooms(tools: &Tools, ids: Vec<String>) -> Result<HashMap<String, Found>, Error> {
    Ok(tools
        .video
        .existing(ids)
        .await
        .map_err(Error::from)?
        .into_iter()
        .map(|(id, title)| {
            let found = Found {
                id: id.clone(),
                title: if title.is_empty() { id.clone() } else { title },
                context: None,
                path: format!("/video/{id}"),
            };
            (id, found)
        })
        .collect())
}

/// Of `ids` (of one kind), those `actor` may read now, by the id asked for: a tool that can
/// answer for several at once is asked once, the others item by item.
async fn find_many(
    tools: &Tools,
    actor: &Actor,
    kind: Kind,
    ids: Vec<String>,
) -> Result<HashMap<String, Found>, Error> {
    match kind {
        Kind::VideoRoom => return find_rooms(tools, ids).await,
        Kind::Channel => {
            return Ok(tools
                .chat
                .member_channels(actor, ids)
                .await?
                .into_iter()
                .map(|c| {
                    let found = Found {
                        id: c.id.clone(),
                        title: c.name,
                        context: None,
                        path: c.path,
                    };
                    (c.id, found)
                })
                .collect());
        }
        Kind::Poll => {
            return Ok(tools
                .polls
                .readable_titles(ids, actor)
                .await
                .map_err(Error::from)?
                .into_iter()
                .map(|(id, title)| {
                    let found = Found {
                        id: id.clone(),
                        title,
                        context: None,
                        path: format!("/poll/{id}"),
                    };
                    (id, found)
                })
                .collect());
        }
        _ => {}
    }
    let mut out = HashMap::new();
    for id in ids {
        if let Some(f) = find(tools, actor, kind, &id).await? {
            out.insert(id, f);
        }
    }
    Ok(out)
}

pub async fn list(ctx: web::Data<Ctx>, tools: Tools, who: SignedIn) -> ApiResult<HttpResponse> {
    let actor = &who.0;
    let kept = ctx.auth.favourites(actor.id()).await?;
    let mut by_kind: HashMap<Kind, Vec<String>> = HashMap::new();
    for f in &kept {
        if let Some(k) = Kind::parse(&f.kind) {
            by_kind.entry(k).or_default().push(f.item_id.clone());
        }
    }
    let mut found: HashMap<Kind, HashMap<String, Found>> = HashMap::new();
    for (kind, ids) in by_kind {
        found.insert(kind, find_many(&tools, actor, kind, ids).await?);
    }
    // Hidden, never removed here: a read must not write, and a wiki private for a day must not
    // cost everyone their stars.
    let mut items = Vec::with_capacity(kept.len());
    let mut unavailable = Vec::new();
    for Favourite {
        kind,
        item_id,
        created_at,
    } in kept
    {
        // Only known kinds are ever written (`add` checks them).
        let Some(k) = Kind::parse(&kind) else {
            continue;
        };
        match found.get_mut(&k).and_then(|f| f.remove(&item_id)) {
            Some(f) => items.push(item(k, f, created_at)),
            None => {
                unavailable.push(FavouriteRef {
                    kind: k,
                    id: item_id,
                });
            }
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(FavouritesAnswer {
            items,
            unavailable,
            max: ctx.auth.max_favourites(),
        }))
}

pub async fn add(
    ctx: web::Data<Ctx>,
    tools: Tools,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let actor = &who.0;
    let (kind, id) = path.into_inner();
    let kind = parse_target(&kind, &id)?;
    let found = find(&tools, actor, kind, &id).await?.ok_or_else(|| {
        Error::not_found(format!(
            "no {} {id}, or you may not read it",
            kind.as_str().replace('_', " ")
        ))
    })?;
    let kept = ctx
        .auth
        .add_favourite(actor.id(), kind.as_str(), &found.id)
        .await?;
    Ok(HttpResponse::Ok().json(item(kind, found, kept.created_at)))
}

pub async fn remove(
    ctx: web::Data<Ctx>,
    tools: Tools,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let actor = &who.0;
    let (kind, id) = path.into_inner();
    let kind = parse_target(&kind, &id)?;
    let mut ids = vec![(kind.as_str().to_string(), id.clone())];
    // A wiki page is kept under its stored name: "main_page" unstars "Main Page".
    if kind == Kind::WikiPage {
        if let Some(f) = find(&tools, actor, kind, &id).await? {
            if f.id != id {
                ids.push((kind.as_str().to_string(), f.id));
            }
        }
    }
    ctx.auth.remove_favourites(actor.id(), ids).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unstars a list at once (those not starred are ignored): the ids are those the list shows,
/// as kept, so no tool is asked (an unavailable item may not be theirs to read).
pub async fn remove_many(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<FavouritesRemoval>,
) -> ApiResult<HttpResponse> {
    let items = body.into_inner().items;
    // One may keep no more than the cap: a longer list is not one of theirs.
    let max = ctx.auth.max_favourites();
    if items.len() > max {
        return Err(Error::validation(format!("items: {max} at most"))
            .with_invalid(Field::Items, Rule::TooMany { max: max as u64 })
            .into());
    }
    let mut pairs = Vec::with_capacity(items.len());
    for FavouriteRef { kind, id } in items {
        parse_target(kind.as_str(), &id)?;
        pairs.push((kind.as_str().to_string(), id));
    }
    ctx.auth.remove_favourites(who.0.id(), pairs).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Items starred by anyone, asked of their tools at once per page.
const SWEEP_PAGE: usize = 500;

/// Removes from everyone's favourites what no longer exists (a deleted pad, poll, channel,
/// room or wiki), run hourly by the job scheduler: a list stays bounded by things that are
/// there, without every deletion path of every tool knowing about favourites.
#[derive(Clone)]
pub struct Sweep {
    pub auth: AuthService,
    pub tools: Vec<Arc<dyn nichoir_http::Tool>>,
    pub chat: Arc<ChatService>,
    pub video: Arc<VideoService>,
    pub wikis: Arc<WikiService>,
}

impl Sweep {
    /// How many favourites it removed.
    pub async fn run(&self) -> Result<u64, Error> {
        let mut after = None;
        let mut removed = 0;
        loop {
            let page = self.auth.starred_items(after, SWEEP_PAGE).await?;
            let gone = self.gone(&page).await?;
            removed += self.auth.forget_favourite_items(gone).await?;
            if page.len() < SWEEP_PAGE {
                return Ok(removed);
            }
            after = page.last().cloned();
        }
    }

    /// Whether the tool named `tool` knows the page at `path` (its moderation's lookup: the
    /// thing exists, whoever may read it).
    async fn exists(&self, tool: &str, path: &str) -> Result<bool, Error> {
        match self.tools.iter().find(|t| t.name() == tool) {
            Some(t) => Ok(t.clone().moderation().find(path).await?.is_some()),
            // A tool this server does not run: its items are not ours to judge.
            None => Ok(true),
        }
    }

    /// Of `items` (kind, id), those that no longer exist.
    async fn gone(&self, items: &[(String, String)]) -> Result<Vec<(String, String)>, Error> {
        let ids_of = |kind: Kind| -> Vec<String> {
            items
                .iter()
                .filter(|(k, _)| k == kind.as_str())
                .map(|(_, id)| id.clone())
                .collect()
        };
        let rooms: HashSet<String> = self
            .video
            .existing(ids_of(Kind::VideoRoom))
            .await
            .map_err(Error::from)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let channels: HashSet<String> = self
            .chat
            .existing_channels(ids_of(Kind::Channel))
            .await?
            .into_iter()
            .collect();
        let pages: HashSet<String> = self
            .wikis
            .existing_pages(ids_of(Kind::WikiPage))
            .await
            .map_err(Error::from)?
            .into_iter()
            .collect();
        let mut gone = Vec::new();
        for (kind, id) in items {
            let exists = match Kind::parse(kind) {
                None => false,
                Some(Kind::VideoRoom) => rooms.contains(id),
                Some(Kind::Channel) => channels.contains(id),
                Some(Kind::Pad) => self.exists("pads", &format!("/p/{id}")).await?,
                Some(Kind::Poll) => self.exists("polls", &format!("/poll/{id}")).await?,
                // A deleted page's stars go at once, but a failure then leaves them to this
                // (and a page goes with its wiki: none is found without it).
                Some(Kind::WikiPage) => pages.contains(id),
                Some(Kind::Wiki) => self.exists("wikis", &format!("/w/{id}")).await?,
            };
            if !exists {
                gone.push((kind.clone(), id.clone()));
            }
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_target, Field, Kind};

    #[test]
    fn targets_are_checked_before_any_tool_is_asked() {
        assert_eq!(parse_target("pad", "notes").ok(), Some(Kind::Pad));
        assert_eq!(
            parse_target("video_room", "choir-practice").ok(),
            Some(Kind::VideoRoom)
        );
        assert_eq!(
            parse_target("wiki_page", "club/Main Page").ok(),
            Some(Kind::WikiPage)
        );
        // Each refusal names its field and rule, for the UI to word in French.
        for (kind, id, field, rule) in [
            ("pads", "notes", Field::Kind, "not_one_of"),
            ("", "notes", Field::Kind, "not_one_of"),
            ("pad", "", Field::Id, "length"),
            ("pad", "a/b", Field::Id, "forbidden_character"),
            ("pad", " notes", Field::Id, "bad_edge"),
            ("pad", "no\ntes", Field::Id, "control_characters"),
            ("wiki_page", "club", Field::Id, "bad_format"),
            ("wiki_page", "club/", Field::Id, "bad_format"),
            ("wiki_page", "/Main", Field::Id, "bad_format"),
            ("wiki_page", "a/b/c", Field::Id, "bad_format"),
        ] {
            let e = parse_target(kind, id).expect_err(id);
            assert_eq!(e.code.as_str(), "validation_failed", "{kind} {id:?}");
            let invalid = e.invalid.as_ref().expect("a detail");
            assert_eq!(invalid.field, field, "{kind} {id:?}");
            let r = serde_json::to_value(&invalid.rule).unwrap_or_default();
            assert_eq!(r["kind"], rule, "{kind} {id:?}");
        }
        assert!(parse_target("pad", &"x".repeat(301)).is_err());
    }
}
