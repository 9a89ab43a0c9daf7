//! Etherpad's groups, authors and sessions: how Moodle, Nextcloud's ownpad or YesWiki give each
//! course or space its pads (a group), each person an author, and each visit a session whose id
//! the integration puts in the browser's `sessionID` cookie (see `access.rs`).

use nichoir_auth::Actor;
use nichoir_core::time::now_ms;
use nichoir_storage::is_unique_violation;
use serde_json::{json, Map, Value};

use super::store::{self, Session};
use super::{param, Failure, Outcome, Params};
use crate::model::PadInfo;
use crate::service::{edit_topic, PadService};

/// `prefix` and 16 letters or digits, as Etherpad's ids.
fn new_id(prefix: &str) -> String {
    loop {
        let id: String = nichoir_core::ids::random_token(24)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
        if id.len() == 16 {
            return format!("{prefix}{id}");
        }
    }
}

fn wrong(message: &str) -> Failure {
    Failure::Wrong(message.to_string())
}

async fn require_group(pads: &PadService, id: &str) -> Result<(), Failure> {
    let key = id.to_string();
    if pads
        .db()
        .read(move |c| store::group_exists(c, &key))
        .await?
    {
        Ok(())
    } else {
        Err(wrong("groupID does not exist"))
    }
}

async fn require_author(pads: &PadService, id: &str) -> Result<(), Failure> {
    let key = id.to_string();
    if pads
        .db()
        .read(move |c| store::author_exists(c, &key))
        .await?
    {
        Ok(())
    } else {
        Err(wrong("authorID does not exist"))
    }
}

pub(super) async fn create_group(pads: &PadService, mapper: Option<String>) -> Outcome {
    let id = pads
        .db()
        .write(move |tx| {
            if let Some(m) = &mapper {
                if let Some(found) = store::group_by_mapper(tx, m)? {
                    return Ok(found);
                }
            }
            let id = new_id("g.");
            store::insert_group(tx, &id, mapper.as_deref(), now_ms())?;
            Ok(id)
        })
        .await?;
    Ok(json!({"groupID": id}))
}

pub(super) async fn delete_group(pads: &PadService, p: &Params) -> Outcome {
    let group = param(p, "groupID")?;
    require_group(pads, &group).await?;
    let key = group.clone();
    for pad in pads.db().read(move |c| store::group_pads(c, &key)).await? {
        pads.erase(&pad).await?;
    }
    pads.db()
        .write(move |tx| store::delete_group(tx, &group))
        .await?;
    Ok(Value::Null)
}

pub(super) async fn list_pads(pads: &PadService, p: &Params) -> Outcome {
    let group = param(p, "groupID")?;
    require_group(pads, &group).await?;
    let ids = pads
        .db()
        .read(move |c| store::group_pads(c, &group))
        .await?;
    Ok(json!({"padIDs": ids}))
}

pub(super) async fn list_all_groups(pads: &PadService) -> Outcome {
    let ids = pads.db().read(store::all_groups).await?;
    Ok(json!({"groupIDs": ids}))
}

/// A pad name in a group: Etherpad's pad ids are URL path segments.
fn valid_pad_name(name: &str) -> bool {
    (1..=100).contains(&name.chars().count())
        && !name.chars().any(|c| {
            matches!(c, '/' | '?' | '&' | '#' | '$' | '%' | '\\')
                || c.is_whitespace()
                || c.is_control()
        })
}

pub(super) async fn create_group_pad(pads: &PadService, p: &Params, actor: &Actor) -> Outcome {
    let group = param(p, "groupID")?;
    let name = param(p, "padName")?;
    require_group(pads, &group).await?;
    if !valid_pad_name(&name) {
        return Err(wrong(
            "malformed padName: 1 to 100 characters, no spaces nor / ? & # $ % \\",
        ));
    }
    pads.auth().may_create(actor, "pads")?;
    let now = now_ms();
    let info = PadInfo {
        id: format!("{group}${name}"),
        readonly_id: format!("r-{}", nichoir_core::ids::random_token(15)),
        owner_id: Some(actor.id().to_string()),
        rev: 0,
        created_at: now,
        updated_at: now,
        protected: false,
    };
    let i = info.clone();
    match pads
        .db()
        .write(move |tx| crate::store::insert_pad(tx, &i))
        .await
    {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => return Err(wrong("padName does already exist")),
        Err(e) => return Err(e.into()),
    }
    if let Some(text) = p.get("text").filter(|t| !t.is_empty()) {
        pads.set_text(&info.id, actor, text).await?;
    }
    Ok(json!({"padID": info.id}))
}

pub(super) async fn create_author(
    pads: &PadService,
    mapper: Option<String>,
    name: Option<String>,
) -> Outcome {
    let name = name.filter(|n| !n.is_empty());
    let id = pads
        .db()
        .write(move |tx| {
            if let Some(m) = &mapper {
                if let Some(found) = store::author_by_mapper(tx, m)? {
                    if let Some(n) = &name {
                        store::set_author_name(tx, &found, n)?;
                    }
                    return Ok(found);
                }
            }
            let id = new_id("a.");
            store::insert_author(tx, &id, name.as_deref(), mapper.as_deref(), now_ms())?;
            Ok(id)
        })
        .await?;
    Ok(json!({"authorID": id}))
}

/// The name, as Etherpad answers it: the bare string (null for no name, or no such author).
pub(super) async fn author_name(pads: &PadService, p: &Params) -> Outcome {
    let id = param(p, "authorID")?;
    let name = pads.db().read(move |c| store::author_name(c, &id)).await?;
    Ok(name.flatten().map_or(Value::Null, Value::String))
}

pub(super) async fn pads_of_author(pads: &PadService, p: &Params) -> Outcome {
    let id = param(p, "authorID")?;
    require_author(pads, &id).await?;
    let ids = pads
        .db()
        .read(move |c| store::pads_of_author(c, &id))
        .await?;
    Ok(json!({"padIDs": ids}))
}

pub(super) async fn authors_of_pad(pads: &PadService, pad_id: &str) -> Outcome {
    let (info, _) = pads.find(pad_id).await?;
    let ids = pads
        .db()
        .read(move |c| store::authors_of_pad(c, &info.id))
        .await?;
    Ok(json!({"authorIDs": ids}))
}

pub(super) async fn create_session(pads: &PadService, p: &Params) -> Outcome {
    let group = param(p, "groupID")?;
    let author = param(p, "authorID")?;
    require_group(pads, &group).await?;
    require_author(pads, &author).await?;
    let raw = p.get("validUntil").map(|v| v.trim()).unwrap_or_default();
    let valid_until: i64 = match raw.parse::<i64>() {
        Ok(v) => v,
        Err(_) if raw.parse::<f64>().is_ok_and(f64::is_finite) => {
            return Err(wrong("validUntil is a float value"))
        }
        Err(_) => return Err(wrong("validUntil is not a number")),
    };
    if valid_until < 0 {
        return Err(wrong("validUntil is a negative number"));
    }
    if valid_until < super::access::now_secs() {
        return Err(wrong("validUntil is in the past"));
    }
    let session = Session {
        id: new_id("s."),
        group_id: group,
        author_id: author,
        valid_until,
    };
    let s = session.clone();
    pads.db()
        .write(move |tx| store::insert_session(tx, &s))
        .await?;
    Ok(json!({"sessionID": session.id}))
}

fn session_json(s: &Session) -> Value {
    json!({"groupID": s.group_id, "authorID": s.author_id, "validUntil": s.valid_until})
}

pub(super) async fn session_info(pads: &PadService, p: &Params) -> Outcome {
    let id = param(p, "sessionID")?;
    match pads.db().read(move |c| store::session(c, &id)).await? {
        Some(s) => Ok(session_json(&s)),
        None => Err(wrong("sessionID does not exist")),
    }
}

pub(super) async fn delete_session(pads: &PadService, p: &Params) -> Outcome {
    let id = param(p, "sessionID")?;
    let found = pads
        .db()
        .write(move |tx| {
            let Some(s) = store::session(tx, &id)? else {
                return Ok(None);
            };
            store::delete_session(tx, &id)?;
            Ok(Some(store::group_pads(tx, &s.group_id)?))
        })
        .await?;
    let Some(group_pads) = found else {
        return Err(wrong("sessionID does not exist"));
    };
    // Whoever was in through this session leaves its group's pads now.
    for pad in group_pads {
        pads.hub().reauthorize(&edit_topic(&pad)).await;
    }
    Ok(Value::Null)
}

/// `{sessionID: info}` of a group's or an author's sessions; null when there are none, as
/// Etherpad answers.
pub(super) async fn list_sessions(pads: &PadService, p: &Params, of_group: bool) -> Outcome {
    let (name, column) = if of_group {
        ("groupID", "group_id")
    } else {
        ("authorID", "author_id")
    };
    let id = param(p, name)?;
    if of_group {
        require_group(pads, &id).await?;
    } else {
        require_author(pads, &id).await?;
    }
    let list = pads
        .db()
        .read(move |c| store::sessions_by(c, column, &id))
        .await?;
    if list.is_empty() {
        return Ok(Value::Null);
    }
    let map: Map<String, Value> = list
        .iter()
        .map(|s| (s.id.clone(), session_json(s)))
        .collect();
    Ok(Value::Object(map))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_look_like_etherpads() {
        for prefix in ["g.", "a.", "s."] {
            let id = super::new_id(prefix);
            assert_eq!(id.len(), 18);
            assert!(id[2..].chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        }
        assert!(super::valid_pad_name("Cours-42_notes.v2"));
        for bad in ["", "a b", "a/b", "a$b", "a?b", "a#b"] {
            assert!(!super::valid_pad_name(bad), "{bad}");
        }
    }
}
