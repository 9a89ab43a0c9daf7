//! Who may open a group pad (`g.XXXXXXXXXXXXXXXX$name`) in the web app: as in Etherpad, a
//! browser whose `sessionID` cookie (comma-separated session ids, set by the integration on its
//! own domain) holds a valid session of the pad's group. The cookie is read when the page asks
//! for the pad (`GET /api/v1/pads/{id}`): the identity that brought it (a guest or a user) is
//! admitted for as long as the session lasts, so its WebSocket, which carries no such check of
//! its own, is let in by [`PadService::open`]. A guest takes the session author's name, so the
//! pad's authors show the names the integration gave.

use actix_web::HttpRequest;
use nichoir_auth::{Actor, ProfileUpdate};
use nichoir_core::time::now_ms;
use nichoir_core::Error;

use super::store;
use crate::service::{PadError, PadService};

/// The cookie Etherpad reads sessions from.
pub(crate) const SESSION_COOKIE: &str = "sessionID";

/// Sessions read from one cookie (Etherpad has no bound; a cookie holds a few).
const MAX_COOKIE_SESSIONS: usize = 32;

/// The group of a group pad's id (`g.x$name` → `g.x`), None for other pads.
pub(crate) fn group_of(pad_id: &str) -> Option<&str> {
    let (group, name) = pad_id.split_once('$')?;
    (group.starts_with("g.") && group.len() > 2 && !name.is_empty()).then_some(group)
}

pub(crate) fn now_secs() -> i64 {
    now_ms() / 1000
}

/// Whether `actor` may open the group pad of `group`: instance admins always (moderation), others
/// while they hold a valid session of the group.
pub(crate) async fn check(
    pads: &PadService,
    group: &str,
    actor: Option<&Actor>,
) -> Result<(), PadError> {
    let refused = || {
        PadError::Other(Error::forbidden(
            "this pad belongs to a group: open it from the site that gave you access to it",
        ))
    };
    let Some(actor) = actor else {
        return Err(refused());
    };
    if actor.require_admin().is_ok() {
        return Ok(());
    }
    let (who, group) = (actor.id().to_string(), group.to_string());
    let admitted = pads
        .db()
        .read(move |c| store::admitted(c, &who, &group, now_secs()))
        .await?;
    if admitted {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The session ids of a `sessionID` cookie value (quotes some servers add stripped).
fn cookie_sessions(value: &str) -> Vec<String> {
    value
        .trim_matches('"')
        .split(',')
        .map(str::trim)
        .filter(|s| s.starts_with("s.") && s.len() <= 64)
        .take(MAX_COOKIE_SESSIONS)
        .map(str::to_string)
        .collect()
}

/// Admits `actor` to the group of `pad_id` if the request's `sessionID` cookie holds a valid
/// session of that group; nothing for other pads or without the cookie.
pub async fn admit_from_request(
    pads: &PadService,
    req: &HttpRequest,
    pad_id: &str,
    actor: Option<&Actor>,
) -> Result<(), PadError> {
    let (Some(group), Some(actor)) = (group_of(pad_id), actor) else {
        return Ok(());
    };
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(());
    };
    let ids = cookie_sessions(cookie.value());
    if ids.is_empty() {
        return Ok(());
    }
    let (group, who) = (group.to_string(), actor.id().to_string());
    let name = pads
        .db()
        .write(move |tx| {
            let now = now_secs();
            let mut name = None;
            for id in &ids {
                let Some(s) = store::session(tx, id)? else {
                    continue;
                };
                if s.group_id != group || s.valid_until <= now {
                    continue;
                }
                store::admit(tx, &s, &who, now_ms())?;
                if name.is_none() {
                    name = store::author_name(tx, &s.author_id)?.flatten();
                }
            }
            Ok(name)
        })
        .await?;
    // A guest writes under the API author's name (a signed-in person keeps their own).
    if let (Some(name), Actor::Guest(_)) = (name, actor) {
        let name = name.trim();
        if !name.is_empty() && name != actor.display_name() {
            let update = ProfileUpdate {
                display_name: Some(name.to_string()),
                email: None,
                avatar_color: None,
                language: None,
            };
            // A name the instance refuses (too long, control characters) leaves the guest's.
            if let Err(e) = pads.auth().update_guest(actor, update).await {
                tracing::debug!("guest keeps its name: {e}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_pad_ids() {
        assert_eq!(
            group_of("g.abcdefghijklmnop$notes"),
            Some("g.abcdefghijklmnop")
        );
        assert_eq!(group_of("g.abc$"), None);
        assert_eq!(group_of("notes"), None);
        assert_eq!(group_of("g.$x"), None);
        assert_eq!(group_of("x.abc$y"), None);
    }

    #[test]
    fn cookie_values() {
        assert_eq!(
            cookie_sessions("\"s.a, s.b,x,\""),
            vec!["s.a".to_string(), "s.b".to_string()]
        );
        assert_eq!(
            cookie_sessions(&"s.a,".repeat(100)).len(),
            MAX_COOKIE_SESSIONS
        );
    }
}
