//! Import of a Slack export (the zip an admin downloads from Slack: `users.json`,
//! `channels.json`, and a folder per channel of daily JSON files) into a team, so a team moves
//! over with its history: channels, messages with their original times and authors, threads and
//! reactions. Slack users become the instance users of the same username when there are some; the
//! others' messages are posted by the importer under the Slack name (`props.override_username`).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

use nichoir_auth::Actor;
use nichoir_core::ids::new_id;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use serde_json::{json, Value};

use crate::model::Kind;
use crate::service::{ChatResult, ChatService};
use crate::store;
use crate::text;

/// Bounds on what an import may unpack (zip bombs, absurd exports).
const MAX_ENTRIES: usize = 100_000;
const MAX_TOTAL: u64 = 1 << 30;
const MAX_ENTRY: u64 = 64 << 20;

/// A Slack export read into memory: users, channels, and each channel's messages in order.
#[derive(Debug, Default)]
pub struct SlackExport {
    /// Slack user id → username.
    pub users: HashMap<String, String>,
    /// Channel name → (purpose, topic).
    pub channels: BTreeMap<String, (String, String)>,
    /// Channel name → messages (oldest first).
    pub messages: BTreeMap<String, Vec<Value>>,
}

fn bad(m: impl Into<String>) -> Error {
    Error::validation(m)
}

/// Reads the zip, refusing unsafe paths and anything over the bounds.
pub fn read_slack_zip(bytes: &[u8]) -> ChatResult<SlackExport> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| bad("not a zip file: export the workspace from Slack"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(bad("too many files in this export"));
    }
    let mut out = SlackExport::default();
    let mut total = 0u64;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|_| bad("a file of the zip cannot be read"))?;
        if entry.is_dir() {
            continue;
        }
        let Some(path) = entry
            .enclosed_name()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
        else {
            return Err(bad("the zip holds a path that leaves its folder"));
        };
        if !path.ends_with(".json") {
            continue;
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY + 1)
            .read_to_end(&mut data)
            .map_err(|_| bad("a file of the zip cannot be read"))?;
        if data.len() as u64 > MAX_ENTRY {
            return Err(Error::new(
                ErrorCode::PayloadTooLarge,
                format!("{path} is too large"),
            ));
        }
        total += data.len() as u64;
        if total > MAX_TOTAL {
            return Err(Error::new(
                ErrorCode::PayloadTooLarge,
                "this export is too large",
            ));
        }
        files.push((path, data));
    }
    let parse = |name: &str, data: &[u8]| -> ChatResult<Value> {
        serde_json::from_slice(data).map_err(|e| bad(format!("{name}: not JSON ({e})")))
    };
    for (path, data) in &files {
        match path.as_str() {
            "users.json" => {
                for u in parse(path, data)?.as_array().into_iter().flatten() {
                    if let (Some(id), Some(name)) = (u["id"].as_str(), u["name"].as_str()) {
                        out.users.insert(id.to_string(), name.to_lowercase());
                    }
                }
            }
            "channels.json" => {
                for c in parse(path, data)?.as_array().into_iter().flatten() {
                    if let Some(name) = c["name"].as_str() {
                        let purpose = c["purpose"]["value"].as_str().unwrap_or("").to_string();
                        let topic = c["topic"]["value"].as_str().unwrap_or("").to_string();
                        out.channels.insert(name.to_string(), (purpose, topic));
                    }
                }
            }
            _ => {}
        }
    }
    if out.channels.is_empty() {
        return Err(bad(
            "channels.json is missing or empty: this is not a Slack export",
        ));
    }
    // Daily files: "<channel>/<YYYY-MM-DD>.json", read in date order.
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, data) in &files {
        let Some((channel, _day)) = path.split_once('/') else {
            continue;
        };
        if !out.channels.contains_key(channel) {
            continue;
        }
        let list = parse(path, data)?;
        let msgs = out.messages.entry(channel.to_string()).or_default();
        msgs.extend(
            list.as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["type"] == "message")
                .cloned(),
        );
    }
    for msgs in out.messages.values_mut() {
        msgs.sort_by_key(ts_ms);
    }
    Ok(out)
}

/// Slack's `ts` ("1700000000.000200") as ms.
fn ts_ms(m: &Value) -> i64 {
    m["ts"]
        .as_str()
        .and_then(|t| t.parse::<f64>().ok())
        .map(|s| (s * 1000.0) as i64)
        .unwrap_or(0)
}

/// Slack markup to Markdown: `<@U1>` → `@name`, `<https://x|label>` → `[label](https://x)`,
/// `<https://x>` → `https://x`, `<#C1|general>` → `~general`, `<!here>` → `@here`.
pub fn slack_to_markdown(text: &str, users: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
        let piece = if let Some(u) = target.strip_prefix('@') {
            format!(
                "@{}",
                users.get(u).cloned().unwrap_or_else(|| u.to_lowercase())
            )
        } else if let Some(c) = target.strip_prefix('#') {
            format!("~{}", if label.is_empty() { c } else { label })
        } else if let Some(special) = target.strip_prefix('!') {
            format!("@{special}")
        } else if target.starts_with("http://")
            || target.starts_with("https://")
            || target.starts_with("mailto:")
        {
            if label.is_empty() {
                target.to_string()
            } else {
                format!("[{label}]({target})")
            }
        } else {
            format!("<{inner}>")
        };
        out.push_str(&piece);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl ChatService {
    /// Imports a Slack export into a team (team admins). Answers what was imported.
    pub async fn import_slack(&self, actor: &Actor, team: &str, zip: &[u8]) -> ChatResult<Value> {
        let me = actor.as_user().ok_or_else(Error::unauthenticated)?.clone();
        let (team, role) = self.member_team(team, &me.id).await?;
        if role != "admin" {
            return Err(Error::forbidden("only team admins import"));
        }
        let bytes = zip.to_vec();
        let export = tokio::task::spawn_blocking(move || read_slack_zip(&bytes))
            .await
            .map_err(Error::internal)??;
        // Slack users that exist here (same username) keep their messages; others are named.
        let mut local: HashMap<String, String> = HashMap::new();
        for (slack_id, name) in &export.users {
            if let Some(u) = self.auth.user_by_username(name).await? {
                local.insert(slack_id.clone(), u.id);
            }
        }
        let (tid, uid, users) = (team.id.clone(), me.id.clone(), export.users.clone());
        let summary = self
            .db
            .write(move |c| {
                let now = now_ms();
                let (mut channels, mut posts) = (0usize, 0usize);
                for (name, (purpose, topic)) in &export.channels {
                    let cname = text::validate_name("channel", name).unwrap_or_else(|_| text::name_from(name));
                    if cname.len() < 2 {
                        continue;
                    }
                    let ch = match store::channel_by_name(c, &tid, &cname)? {
                        Some(ch) => ch.id,
                        None => {
                            let id = new_id("c");
                            let purpose: String = purpose.chars().take(250).collect();
                            let header: String = topic.chars().take(1024).collect();
                            store::insert_channel(c, &store::NewChannel { id: &id, team_id: Some(&tid), kind: Kind::Public, name: &cname, display_name: name, header: &header, purpose: &purpose, dm_key: None, by: &uid, now })?;
                            channels += 1;
                            id
                        }
                    };
                    store::add_member(c, &ch, &uid, "admin", now)?;
                    let mut roots: HashMap<String, i64> = HashMap::new();
                    for m in export.messages.get(name).into_iter().flatten() {
                        let raw = m["text"].as_str().unwrap_or("");
                        let body = slack_to_markdown(raw, &users);
                        if body.trim().is_empty() || body.chars().count() > text::MAX_POST {
                            continue;
                        }
                        let slack_user = m["user"].as_str().unwrap_or("");
                        let author = local.get(slack_user).cloned().unwrap_or_else(|| uid.clone());
                        if author != uid {
                            store::add_member(c, &ch, &author, "member", now)?;
                            store::set_team_member_if_absent(c, &tid, &author, now)?;
                        }
                        let props = if local.contains_key(slack_user) {
                            json!({"imported_from": "slack"})
                        } else {
                            json!({"imported_from": "slack", "override_username": users.get(slack_user).cloned().unwrap_or_else(|| m["username"].as_str().unwrap_or("slack").to_string())})
                        };
                        let ts = m["ts"].as_str().unwrap_or("").to_string();
                        let root = m["thread_ts"].as_str().filter(|t| *t != ts).and_then(|t| roots.get(t).copied());
                        let html = nichoir_core::markdown::to_page_html(&body);
                        let id = store::insert_post(c, &store::NewPost { channel_id: &ch, user_id: &author, root_id: root, text: &body, html: &html, mentions: &[], client_id: None, props: &props.to_string(), now: ts_ms(m) })?;
                        roots.insert(ts, id);
                        posts += 1;
                        for r in m["reactions"].as_array().into_iter().flatten() {
                            let Some(emoji) = r["name"].as_str().and_then(crate::service::normalize_emoji) else { continue };
                            for u in r["users"].as_array().into_iter().flatten().filter_map(|u| u.as_str()) {
                                if let Some(l) = local.get(u) {
                                    store::set_reaction(c, id, l, &emoji, true, ts_ms(m))?;
                                }
                            }
                        }
                    }
                    // Importing is not news: everyone starts with the history read.
                    c.execute(
                        "UPDATE chat_channel_members SET viewed_count = (SELECT post_count FROM chat_channels WHERE id = ?1),
                            last_viewed_post = COALESCE((SELECT MAX(id) FROM chat_posts WHERE channel_id = ?1), 0) WHERE channel_id = ?1",
                        [&ch],
                    )?;
                }
                Ok(json!({"channels": channels, "posts": posts}))
            })
            .await?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_markup_becomes_markdown() {
        let users: HashMap<String, String> = [("U1".to_string(), "ana".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            slack_to_markdown("Hi <@U1>, see <https://x.example/a|the doc> and <https://y.example> in <#C9|general> <!here> &lt;b&gt;", &users),
            "Hi @ana, see [the doc](https://x.example/a) and https://y.example in ~general @here <b>"
        );
        assert_eq!(slack_to_markdown("broken <tag", &users), "broken <tag");
    }

    #[test]
    fn refuses_what_is_not_an_export() {
        assert!(read_slack_zip(b"not a zip").is_err());
    }
}
