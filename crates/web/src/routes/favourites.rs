//! A person's favourites across the tools: pads, polls, chat channels, wikis and wiki pages
//! they starred. The accounts crate keeps the (kind, id) pairs with the account; each tool says,
//! whenever the list is shown, whether the item still exists and may be read by them, with its
//! name and page. What they may no longer read (a deleted pad, a channel they left, a wiki made
//! private) leaves the list for good.

use actix_web::{web, HttpResponse};
use nichoir_auth::{Actor, Favourite};
use nichoir_core::time::serde_rfc3339;
use nichoir_core::{Error, ErrorCode};
use nichoir_http::{ApiResult, Ctx, SignedIn};
use serde::Serialize;

use super::recent::{wiki_path, Tool, Tools};

/// How many favourites a person keeps: the list is read whole, each item asked of its tool.
pub const MAX_FAVOURITES: usize = 200;
/// An id's length in characters (a wiki page's is its wiki's slug, '/', the page name).
const MAX_ID: usize = 300;

/// What can be starred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pad,
    Poll,
    Channel,
    Wiki,
    WikiPage,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Pad,
        Kind::Poll,
        Kind::Channel,
        Kind::Wiki,
        Kind::WikiPage,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Kind::Pad => "pad",
            Kind::Poll => "poll",
            Kind::Channel => "channel",
            Kind::Wiki => "wiki",
            Kind::WikiPage => "wiki_page",
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
        }
    }
}

/// One favourite, as its tool shows it to this person now.
#[derive(Debug, Serialize)]
pub struct FavouriteItem {
    pub kind: Kind,
    /// The item's id in its tool (a wiki page: `slug/Page name`).
    pub id: String,
    pub tool: Tool,
    pub title: String,
    /// Where it belongs: a wiki page's wiki.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Its page in the app.
    pub path: String,
    #[serde(with = "serde_rfc3339")]
    pub added_at: i64,
}

#[derive(Debug, Serialize)]
pub struct FavouritesAnswer {
    pub items: Vec<FavouriteItem>,
    /// How many one may keep.
    pub max: usize,
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
    let kind = Kind::parse(kind)
        .ok_or_else(|| Error::validation("kind: one of pad, poll, channel, wiki, wiki_page"))?;
    let len = id.chars().count();
    if len == 0 || len > MAX_ID || id.chars().any(char::is_control) || id.trim() != id {
        return Err(Error::validation(format!(
            "id: 1 to {MAX_ID} characters on one line"
        )));
    }
    let slashes = id.matches('/').count();
    let well_formed = match kind {
        Kind::WikiPage => id
            .split_once('/')
            .is_some_and(|(w, p)| slashes == 1 && !w.is_empty() && !p.is_empty()),
        _ => slashes == 0,
    };
    if !well_formed {
        return Err(Error::validation(match kind {
            Kind::WikiPage => "id: a wiki page is named as wiki/page",
            _ => "id: no '/' in this kind's ids",
        }));
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

pub async fn list(ctx: web::Data<Ctx>, tools: Tools, who: SignedIn) -> ApiResult<HttpResponse> {
    let actor = &who.0;
    let mut items = Vec::new();
    let mut gone = Vec::new();
    for Favourite {
        kind,
        item_id,
        created_at,
    } in ctx.auth.favourites(actor.id()).await?
    {
        let found = match Kind::parse(&kind) {
            Some(k) => find(&tools, actor, k, &item_id)
                .await?
                .map(|f| item(k, f, created_at)),
            None => None,
        };
        match found {
            Some(i) => items.push(i),
            None => gone.push((kind, item_id)),
        }
    }
    // Forgotten rather than hidden: a list one cannot see must not fill the cap.
    ctx.auth.remove_favourites(actor.id(), gone).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(FavouritesAnswer {
            items,
            max: MAX_FAVOURITES,
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
        .add_favourite(actor.id(), kind.as_str(), &found.id, MAX_FAVOURITES)
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

#[cfg(test)]
mod tests {
    use super::{parse_target, Kind};

    #[test]
    fn targets_are_checked_before_any_tool_is_asked() {
        assert_eq!(parse_target("pad", "notes").ok(), Some(Kind::Pad));
        assert_eq!(
            parse_target("wiki_page", "club/Main Page").ok(),
            Some(Kind::WikiPage)
        );
        for (kind, id) in [
            ("pads", "notes"),
            ("", "notes"),
            ("pad", ""),
            ("pad", "a/b"),
            ("pad", " notes"),
            ("pad", "no\ntes"),
            ("wiki_page", "club"),
            ("wiki_page", "club/"),
            ("wiki_page", "/Main"),
            ("wiki_page", "a/b/c"),
        ] {
            let e = parse_target(kind, id).expect_err(id);
            assert_eq!(e.code.as_str(), "validation_failed", "{kind} {id:?}");
        }
        assert!(parse_target("pad", &"x".repeat(301)).is_err());
    }
}
