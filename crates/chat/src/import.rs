//! Import of a Slack export (the zip an admin downloads from Slack: `users.json`,
//! `channels.json`, and a folder per channel of daily JSON files) or a Mattermost bulk export
//! (JSON lines) into a team, so a team moves over with its history: channels, messages with their
//! original times and authors, threads and reactions. Both sources are read into one shape
//! (`ImportData`) and stored by one function. Source users become the instance users of the same
//! username when there are some; the others' messages are posted by the importer under their name
//! (`props.override_username`).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

use nichoir_auth::Actor;
use nichoir_core::ids::new_id;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use serde_json::Value;

use crate::api::{ImportResult, PostProps};
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

/// One message to import, whatever the source: `key` identifies it within its channel so that
/// replies (`parent`) find their thread; `author` and reactions name the source's usernames.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportMessage {
    pub key: String,
    pub parent: Option<String>,
    pub author: String,
    pub text: String,
    pub at: i64,
    /// (emoji name or character, username)
    pub reactions: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportChannel {
    pub name: String,
    pub purpose: String,
    pub header: String,
    pub messages: Vec<ImportMessage>,
}

/// What an import brings, in the same shape from Slack or Mattermost.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportData {
    pub source: &'static str,
    pub channels: Vec<ImportChannel>,
}

impl SlackExport {
    /// The export as import data: Slack markup becomes Markdown, Slack ids become usernames.
    pub fn into_data(self) -> ImportData {
        let name_of = |id: &str| {
            self.users
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_lowercase())
        };
        let channels = self
            .channels
            .iter()
            .map(|(name, (purpose, topic))| ImportChannel {
                name: name.clone(),
                purpose: purpose.clone(),
                header: topic.clone(),
                messages: self
                    .messages
                    .get(name)
                    .into_iter()
                    .flatten()
                    .map(|m| {
                        let ts = m["ts"].as_str().unwrap_or("").to_string();
                        ImportMessage {
                            parent: m["thread_ts"]
                                .as_str()
                                .filter(|t| *t != ts)
                                .map(str::to_string),
                            key: ts,
                            author: m["user"].as_str().map(&name_of).unwrap_or_else(|| {
                                m["username"].as_str().unwrap_or("slack").to_string()
                            }),
                            text: slack_to_markdown(m["text"].as_str().unwrap_or(""), &self.users),
                            at: ts_ms(m),
                            reactions: m["reactions"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .flat_map(|r| {
                                    let emoji = r["name"].as_str().unwrap_or("").to_string();
                                    r["users"]
                                        .as_array()
                                        .into_iter()
                                        .flatten()
                                        .filter_map(|u| u.as_str())
                                        .map(move |u| (emoji.clone(), u.to_string()))
                                        .collect::<Vec<_>>()
                                })
                                .map(|(e, u)| (e, name_of(&u)))
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect();
        ImportData {
            source: "slack",
            channels,
        }
    }
}

/// A Mattermost bulk export (`mattermost export bulk`): JSON lines, bare or inside a zip. Channels
/// and posts with their replies and reactions are read; the team in each line is ignored (the
/// import goes to the chosen team); direct messages are skipped.
pub fn read_mattermost(bytes: &[u8]) -> ChatResult<ImportData> {
    let text = if bytes.starts_with(b"PK") {
        let mut zip =
            zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| bad("not a zip file"))?;
        let mut found = None;
        for i in 0..zip.len().min(MAX_ENTRIES) {
            let mut entry = zip
                .by_index(i)
                .map_err(|_| bad("a file of the zip cannot be read"))?;
            if entry.enclosed_name().is_none() {
                return Err(bad("the zip holds a path that leaves its folder"));
            }
            if entry.name().is_ok_and(|n| n.ends_with(".jsonl")) {
                let mut data = Vec::new();
                (&mut entry)
                    .take(MAX_TOTAL + 1)
                    .read_to_end(&mut data)
                    .map_err(|_| bad("the .jsonl file cannot be read"))?;
                if data.len() as u64 > MAX_TOTAL {
                    return Err(Error::new(
                        ErrorCode::PayloadTooLarge,
                        "this export is too large",
                    ));
                }
                found = Some(data);
                break;
            }
        }
        found.ok_or_else(|| {
            bad("no .jsonl file in this zip: export with `mattermost export bulk`")
        })?
    } else {
        bytes.to_vec()
    };
    let text = String::from_utf8(text).map_err(|_| bad("the export is not UTF-8 text"))?;
    let mut channels: BTreeMap<String, ImportChannel> = BTreeMap::new();
    let mut seen_version = false;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| bad(format!("line {}: not JSON ({e})", n + 1)))?;
        match v["type"].as_str() {
            Some("version") => seen_version = true,
            Some("channel") => {
                let c = &v["channel"];
                let Some(name) = c["name"].as_str() else {
                    continue;
                };
                let entry = channels
                    .entry(name.to_string())
                    .or_insert_with(|| ImportChannel {
                        name: name.to_string(),
                        ..Default::default()
                    });
                entry.purpose = c["purpose"].as_str().unwrap_or("").to_string();
                entry.header = c["header"].as_str().unwrap_or("").to_string();
            }
            Some("post") => {
                let p = &v["post"];
                let Some(channel) = p["channel"].as_str() else {
                    continue;
                };
                let ch = channels
                    .entry(channel.to_string())
                    .or_insert_with(|| ImportChannel {
                        name: channel.to_string(),
                        ..Default::default()
                    });
                let root_key = format!("{}-{n}", p["create_at"].as_i64().unwrap_or(0));
                let message = |m: &Value, key: String, parent: Option<String>| ImportMessage {
                    key,
                    parent,
                    author: m["user"].as_str().unwrap_or("mattermost").to_lowercase(),
                    text: m["message"].as_str().unwrap_or("").to_string(),
                    at: m["create_at"].as_i64().unwrap_or(0),
                    reactions: m["reactions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| {
                            Some((
                                r["emoji_name"].as_str()?.to_string(),
                                r["user"].as_str()?.to_lowercase(),
                            ))
                        })
                        .collect(),
                };
                ch.messages.push(message(p, root_key.clone(), None));
                for (i, r) in p["replies"].as_array().into_iter().flatten().enumerate() {
                    ch.messages.push(message(
                        r,
                        format!("{root_key}-{i}"),
                        Some(root_key.clone()),
                    ));
                }
            }
            _ => {}
        }
    }
    if !seen_version || channels.is_empty() {
        return Err(bad(
            "this is not a Mattermost bulk export (no version line, or no channel)",
        ));
    }
    Ok(ImportData {
        source: "mattermost",
        channels: channels.into_values().collect(),
    })
}

impl ChatService {
    /// Imports a Slack export zip into a team (team admins).
    pub async fn import_slack(
        &self,
        actor: &Actor,
        team: &str,
        zip: &[u8],
    ) -> ChatResult<ImportResult> {
        self.import_rights(actor, team).await?;
        let bytes = zip.to_vec();
        let data =
            tokio::task::spawn_blocking(move || read_slack_zip(&bytes).map(SlackExport::into_data))
                .await
                .map_err(Error::internal)??;
        self.import(actor, team, data).await
    }

    /// Imports a Mattermost bulk export into a team (team admins).
    pub async fn import_mattermost(
        &self,
        actor: &Actor,
        team: &str,
        bytes: &[u8],
    ) -> ChatResult<ImportResult> {
        self.import_rights(actor, team).await?;
        let bytes = bytes.to_vec();
        let data = tokio::task::spawn_blocking(move || read_mattermost(&bytes))
            .await
            .map_err(Error::internal)??;
        self.import(actor, team, data).await
    }

    /// The team, if `actor` administers it (checked before any byte of the export is read).
    async fn import_rights(
        &self,
        actor: &Actor,
        team: &str,
    ) -> ChatResult<(crate::model::TeamRow, String)> {
        let me = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let (team, role) = self.member_team(team, &me.id).await?;
        if role != "admin" {
            return Err(Error::forbidden("only team admins import"));
        }
        Ok((team, me.id.clone()))
    }

    /// Stores import data in a team: channels, messages with their times, threads, reactions.
    /// Source users who exist here under the same username keep their messages; the others' are
    /// posted by the importer under their name (`props.override_username`). History starts read.
    async fn import(
        &self,
        actor: &Actor,
        team: &str,
        data: ImportData,
    ) -> ChatResult<ImportResult> {
        let (team, me) = self.import_rights(actor, team).await?;
        let mut local: HashMap<String, String> = HashMap::new();
        let names: std::collections::BTreeSet<String> = data
            .channels
            .iter()
            .flat_map(|c| {
                c.messages.iter().flat_map(|m| {
                    std::iter::once(m.author.clone()).chain(m.reactions.iter().map(|r| r.1.clone()))
                })
            })
            .collect();
        for name in names.into_iter().take(10_000) {
            if let Some(u) = self.auth.user_by_username(&name).await? {
                local.insert(name, u.id);
            }
        }
        // Rendering Markdown is most of the work: on a blocking thread, not in the writer.
        let importer = me.clone();
        let channels = tokio::task::spawn_blocking(move || prepare(data, &local, &importer))
            .await
            .map_err(Error::internal)?;
        let (mut created, mut posts) = (0usize, 0usize);
        for chan in channels {
            let (tid, uid) = (team.id.clone(), me.clone());
            let (meta, messages) = (chan.meta, chan.messages);
            let (ch, new) = self
                .db
                .write(move |c| {
                    let now = now_ms();
                    let (ch, new) = match store::channel_by_name(c, &tid, &meta.name)? {
                        Some(ch) => (ch.id, false),
                        None => {
                            let id = new_id("c");
                            store::insert_channel(
                                c,
                                &store::NewChannel {
                                    id: &id,
                                    team_id: Some(&tid),
                                    kind: Kind::Public,
                                    name: &meta.name,
                                    display_name: &meta.display_name,
                                    header: &meta.header,
                                    purpose: &meta.purpose,
                                    dm_key: None,
                                    by: &uid,
                                    now,
                                },
                            )?;
                            (id, true)
                        }
                    };
                    store::add_member(c, &ch, &uid, "admin", now)?;
                    Ok((ch, new))
                })
                .await?;
            created += usize::from(new);
            // Every other write of the instance waits behind each job: a big export goes in
            // chunks, threads' roots carried from one chunk to the next.
            let mut roots: HashMap<String, i64> = HashMap::new();
            let mut rest = messages.into_iter().peekable();
            while rest.peek().is_some() {
                let chunk: Vec<Ready> = rest.by_ref().take(IMPORT_CHUNK).collect();
                let (tid, ch) = (team.id.clone(), ch.clone());
                let (r, n) = self
                    .db
                    .write(move |c| store_chunk(c, &tid, &ch, &chunk, roots))
                    .await?;
                roots = r;
                posts += n;
            }
            // Importing is not news: everyone starts with the history read.
            self.db
                .write(move |c| store::mark_channel_read_by_all(c, &ch))
                .await?;
        }
        Ok(ImportResult {
            channels: created,
            posts,
        })
    }
}

/// Messages stored per write job by an import.
const IMPORT_CHUNK: usize = 500;

/// A channel of an import, ready to store.
struct ReadyChannel {
    meta: ChannelMeta,
    /// Oldest first, each thread's root before its replies.
    messages: Vec<Ready>,
}

struct ChannelMeta {
    name: String,
    display_name: String,
    purpose: String,
    header: String,
}

/// A message ready to store: who wrote it here, its rendered HTML and the reactions of local
/// users are worked out before the writer is involved.
#[derive(Debug)]
struct Ready {
    /// `import:<key>`: the post's `client_id`, so that importing the same export again (after
    /// an import stopped half way) skips what is already there instead of doubling it.
    client_id: String,
    key: String,
    parent: Option<String>,
    author: String,
    props: String,
    text: String,
    html: String,
    at: i64,
    /// (emoji, local user id)
    reactions: Vec<(String, String)>,
}

/// A message's HTML, rendered on the work pool (this runs on a blocking thread, which may wait).
/// A message the renderer refuses (nesting, deadline) keeps its text, escaped, so one odd
/// message does not fail the whole import.
fn imported_html(text: &str) -> String {
    // A busy pool (503) is waited out a little: the HTML is stored with the message.
    for _ in 0..50 {
        let owned = text.to_string();
        match nichoir_core::work::run_blocking(move || nichoir_core::markdown::to_page_html(&owned))
        {
            Ok(html) => return html,
            Err(e) if e.code == nichoir_core::ErrorCode::Unavailable => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(_) => break,
        }
    }
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<p>{escaped}</p>")
}

/// Import data as rows to store (no I/O): channel names made valid, empty and over-long
/// messages left out, authors mapped to local users (`local`: source username → user id) or to
/// the importer under their own name, reactions kept for local users only.
fn prepare(data: ImportData, local: &HashMap<String, String>, importer: &str) -> Vec<ReadyChannel> {
    let source = data.source;
    let mut out = Vec::new();
    for chan in data.channels {
        let name = text::validate_name("channel", &chan.name)
            .unwrap_or_else(|_| text::name_from(&chan.name));
        if name.len() < 2 {
            continue;
        }
        let mut ordered = chan.messages;
        ordered.sort_by_key(|m| (m.at, m.parent.is_some()));
        let messages = ordered
            .into_iter()
            .filter(|m| !m.text.trim().is_empty() && m.text.chars().count() <= text::MAX_POST)
            .map(|m| {
                let here = local.get(&m.author);
                let props = PostProps {
                    imported_from: Some(source.to_string()),
                    override_username: here.is_none().then(|| m.author.clone()),
                    ..PostProps::default()
                };
                let reactions = m
                    .reactions
                    .iter()
                    .filter_map(|(emoji, who)| {
                        Some((
                            crate::service::normalize_emoji(emoji)?,
                            local.get(who)?.clone(),
                        ))
                    })
                    .collect();
                Ready {
                    client_id: format!("import:{}", m.key),
                    author: here.cloned().unwrap_or_else(|| importer.to_string()),
                    props: serde_json::to_string(&props).unwrap_or_default(),
                    html: imported_html(&m.text),
                    key: m.key,
                    parent: m.parent,
                    text: m.text,
                    at: m.at,
                    reactions,
                }
            })
            .collect();
        out.push(ReadyChannel {
            meta: ChannelMeta {
                name,
                purpose: chan.purpose.chars().take(250).collect(),
                header: chan.header.chars().take(1024).collect(),
                display_name: chan.name,
            },
            messages,
        });
    }
    out
}

/// Stores one chunk of a channel's messages; `roots` maps thread keys to their posts, from the
/// earlier chunks, and comes back with this chunk's. Returns it with the number of new posts.
fn store_chunk(
    c: &nichoir_storage::Connection,
    team: &str,
    channel: &str,
    chunk: &[Ready],
    mut roots: HashMap<String, i64>,
) -> nichoir_storage::SResult<(HashMap<String, i64>, usize)> {
    let (mut posts, now) = (0, now_ms());
    for m in chunk {
        let root = m.parent.as_deref().and_then(|p| roots.get(p).copied());
        let id = match store::post_by_client(c, channel, &m.author, &m.client_id)? {
            Some(id) => id,
            None => {
                store::add_member(c, channel, &m.author, "member", now)?;
                store::set_team_member_if_absent(c, team, &m.author, now)?;
                let id = store::insert_post(
                    c,
                    &store::NewPost {
                        channel_id: channel,
                        user_id: &m.author,
                        root_id: root,
                        text: &m.text,
                        html: &m.html,
                        mentions: &[],
                        client_id: Some(&m.client_id),
                        props: &m.props,
                        now: m.at,
                    },
                )?;
                for (emoji, who) in &m.reactions {
                    store::set_reaction(c, id, who, emoji, true, m.at)?;
                }
                posts += 1;
                id
            }
        };
        if m.parent.is_none() {
            roots.insert(m.key.clone(), id);
        }
    }
    Ok((roots, posts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(
        key: &str,
        parent: Option<&str>,
        author: &str,
        text: &str,
        at: i64,
        reactions: &[(&str, &str)],
    ) -> ImportMessage {
        ImportMessage {
            key: key.into(),
            parent: parent.map(Into::into),
            author: author.into(),
            text: text.into(),
            at,
            reactions: reactions
                .iter()
                .map(|(e, u)| (e.to_string(), u.to_string()))
                .collect(),
        }
    }

    #[test]
    fn prepared_rows_put_roots_first_and_map_authors_to_local_users() {
        let data = ImportData {
            source: "mattermost",
            channels: vec![
                ImportChannel {
                    name: "town-square".into(),
                    purpose: "p".repeat(300),
                    header: String::new(),
                    messages: vec![
                        message("r", Some("1"), "ana", "reply", 10, &[("+1", "bob")]),
                        message(
                            "1",
                            None,
                            "zed",
                            "root **bold**",
                            10,
                            &[("smile", "ana"), ("heart", "zed")],
                        ),
                        message("blank", None, "ana", "   ", 5, &[]),
                        message("long", None, "ana", &"x".repeat(text::MAX_POST + 1), 6, &[]),
                    ],
                },
                ImportChannel {
                    name: "!".into(),
                    ..Default::default()
                },
            ],
        };
        let local: HashMap<String, String> = [("ana", "u_ana"), ("bob", "u_bob")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let out = prepare(data, &local, "u_me");
        assert_eq!(out.len(), 1, "a channel without a usable name is left out");
        let ch = &out[0];
        assert_eq!(
            (ch.meta.name.as_str(), ch.meta.purpose.chars().count()),
            ("town-square", 250)
        );
        let keys: Vec<&str> = ch.messages.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(
            keys,
            ["1", "r"],
            "the root before its reply of the same time; empty and too long left out"
        );
        let (root, reply) = (&ch.messages[0], &ch.messages[1]);
        assert_eq!(
            (root.author.as_str(), reply.author.as_str()),
            ("u_me", "u_ana")
        );
        assert!(
            root.props.contains("\"override_username\":\"zed\""),
            "{}",
            root.props
        );
        assert!(
            !reply.props.contains("override_username"),
            "{}",
            reply.props
        );
        assert!(root.html.contains("<strong>bold</strong>"), "{}", root.html);
        assert_eq!(root.client_id, "import:1");
        let who: Vec<&str> = root.reactions.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(who, ["u_ana"], "only local users' reactions");
        assert_eq!(reply.reactions.len(), 1);
    }

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
        assert!(
            read_mattermost(b"{\"type\":\"channel\"}").is_err(),
            "no version line"
        );
        assert!(read_mattermost(b"not json").is_err());
    }

    #[test]
    fn mattermost_posts_replies_and_reactions() {
        let jsonl = [
            r#"{"type":"version","version":1}"#,
            r#"{"type":"channel","channel":{"team":"t","name":"town-square","display_name":"Town","type":"O","header":"h","purpose":"p"}}"#,
            r#"{"type":"post","post":{"team":"t","channel":"town-square","user":"Ana","message":"root","create_at":1000,"reactions":[{"user":"bob","emoji_name":"tada","create_at":1001}],"replies":[{"user":"bob","message":"reply","create_at":2000}]}}"#,
            r#"{"type":"direct_post","direct_post":{"message":"skipped"}}"#,
        ]
        .join("\n");
        let d = read_mattermost(jsonl.as_bytes()).expect("read");
        assert_eq!(d.channels.len(), 1);
        let ch = &d.channels[0];
        assert_eq!((ch.header.as_str(), ch.purpose.as_str()), ("h", "p"));
        assert_eq!(ch.messages.len(), 2);
        assert_eq!(ch.messages[0].author, "ana");
        assert_eq!(
            ch.messages[0].reactions,
            vec![("tada".to_string(), "bob".to_string())]
        );
        assert_eq!(
            ch.messages[1].parent.as_deref(),
            Some(ch.messages[0].key.as_str())
        );
    }
}
