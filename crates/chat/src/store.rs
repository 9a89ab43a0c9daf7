//! Every SQL statement of the chat, as functions over a connection.

use nichoir_storage::{
    in_chunks, params, search, values_placeholders, Connection, Dialect, OptionalExtension, Row,
    SResult, SqlError, ToValue,
};

use crate::api::{ChatEvent, ChatFile, Post};
use crate::model::{ChannelRow, Kind, MemberRow, PostRow, ReactionRow, TeamRow};

fn bad(what: &str) -> SqlError {
    SqlError::invalid_column(what)
}

fn team_from(r: &Row<'_>) -> Result<TeamRow, SqlError> {
    Ok(TeamRow {
        id: r.get(0)?,
        name: r.get(1)?,
        display_name: r.get(2)?,
        description: r.get(3)?,
        open: r.get(4)?,
    })
}

pub fn team_by_name(c: &Connection, name: &str) -> SResult<Option<TeamRow>> {
    Ok(c.prepare_cached("SELECT id, name, display_name, description, open FROM chat_teams WHERE name = ?1 OR id = ?1")?
        .query_row([name], team_from)
        .optional()?)
}

pub fn team_role(c: &Connection, team_id: &str, user_id: &str) -> SResult<Option<String>> {
    Ok(
        c.prepare_cached("SELECT role FROM chat_team_members WHERE team_id = ?1 AND user_id = ?2")?
            .query_row(params![team_id, user_id], |r| r.get(0))
            .optional()?,
    )
}

/// How many admins the team has besides `user_id`.
pub fn other_admins(c: &Connection, team_id: &str, user_id: &str) -> SResult<i64> {
    Ok(c
        .prepare_cached(
            "SELECT COUNT(*) FROM chat_team_members WHERE team_id = ?1 AND role = 'admin' AND user_id <> ?2",
        )?
        .query_row(params![team_id, user_id], |r| r.get(0))?)
}

pub fn teams_of(c: &Connection, user_id: &str) -> SResult<Vec<(TeamRow, String)>> {
    let mut st = c.prepare_cached(
        "SELECT t.id, t.name, t.display_name, t.description, t.open, m.role FROM chat_teams t
         JOIN chat_team_members m ON m.team_id = t.id WHERE m.user_id = ?1 ORDER BY t.display_name",
    )?;
    let rows = st.query_map([user_id], |r| Ok((team_from(r)?, r.get(5)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn open_teams(c: &Connection, user_id: &str) -> SResult<Vec<TeamRow>> {
    let mut st = c.prepare_cached(
        "SELECT id, name, display_name, description, open FROM chat_teams WHERE open = 1
         AND id NOT IN (SELECT team_id FROM chat_team_members WHERE user_id = ?1) ORDER BY display_name LIMIT 500",
    )?;
    let rows = st.query_map([user_id], team_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_team(c: &Connection, t: &TeamRow, by: &str, now: i64) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_teams (id, name, display_name, description, open, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![t.id, t.name, t.display_name, t.description, t.open, by, now],
    )?;
    Ok(())
}

pub fn set_team_member(
    c: &Connection,
    team_id: &str,
    user_id: &str,
    role: &str,
    now: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_team_members (team_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role",
        params![team_id, user_id, role, now],
    )?;
    Ok(())
}

pub fn remove_team_member(c: &Connection, team_id: &str, user_id: &str) -> SResult<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT m.channel_id FROM chat_channel_members m JOIN chat_channels ch ON ch.id = m.channel_id
         WHERE ch.team_id = ?1 AND m.user_id = ?2",
    )?;
    let channels: Vec<String> = st
        .query_map(params![team_id, user_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for ch in &channels {
        c.execute(
            "DELETE FROM chat_channel_members WHERE channel_id = ?1 AND user_id = ?2",
            params![ch, user_id],
        )?;
    }
    c.execute(
        "DELETE FROM chat_team_members WHERE team_id = ?1 AND user_id = ?2",
        params![team_id, user_id],
    )?;
    Ok(channels)
}

pub fn team_members(c: &Connection, team_id: &str) -> SResult<Vec<(String, String)>> {
    let mut st =
        c.prepare_cached("SELECT user_id, role FROM chat_team_members WHERE team_id = ?1")?;
    let rows = st.query_map([team_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const CHANNEL_COLUMNS: &str = "id, team_id, kind, name, display_name, header, purpose, archived, created_at, last_post_at, post_count, retention_days";
/// How many columns `CHANNEL_COLUMNS` names: where a query's own columns start after them.
const CHANNEL_WIDTH: usize = 12;

fn channel_from(r: &Row<'_>) -> Result<ChannelRow, SqlError> {
    let kind: String = r.get(2)?;
    Ok(ChannelRow {
        id: r.get(0)?,
        team_id: r.get(1)?,
        kind: Kind::parse(&kind).ok_or_else(|| bad("kind"))?,
        name: r.get(3)?,
        display_name: r.get(4)?,
        header: r.get(5)?,
        purpose: r.get(6)?,
        archived: r.get(7)?,
        created_at: r.get(8)?,
        last_post_at: r.get(9)?,
        post_count: r.get(10)?,
        retention_days: r.get(CHANNEL_WIDTH - 1)?,
    })
}

/// `CHANNEL_COLUMNS` qualified by a table alias, for a query that joins other tables.
fn channel_columns_of(alias: &str) -> String {
    CHANNEL_COLUMNS
        .split(", ")
        .map(|x| format!("{alias}.{x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A channel, then the six membership columns, then the team's name.
fn channel_member_team_from(
    r: &Row<'_>,
) -> Result<(ChannelRow, MemberRow, Option<String>), SqlError> {
    Ok((
        channel_from(r)?,
        member_from(r, CHANNEL_WIDTH)?.ok_or_else(|| bad("member"))?,
        r.get(CHANNEL_WIDTH + 6)?,
    ))
}

fn member_from(r: &Row<'_>, at: usize) -> Result<Option<MemberRow>, SqlError> {
    let role: Option<String> = r.get(at)?;
    Ok(match role {
        None => None,
        Some(role) => Some(MemberRow {
            role,
            last_viewed_post: r.get(at + 1)?,
            viewed_count: r.get(at + 2)?,
            mentions: r.get(at + 3)?,
            muted: r.get(at + 4)?,
            notify_all: r.get(at + 5)?,
        }),
    })
}

pub fn channel(c: &Connection, id: &str) -> SResult<Option<ChannelRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM chat_channels WHERE id = ?1"
    ))?
    .query_row([id], channel_from)
    .optional()?)
}

/// Of `ids`, the channels that exist, archived or not.
pub fn existing_channels(c: &Connection, ids: &[String]) -> SResult<Vec<String>> {
    in_chunks(ids, |ids| {
        let values: Vec<&dyn ToValue> = ids.iter().map(|i| i as &dyn ToValue).collect();
        let mut st = c.prepare(&format!(
            "SELECT id FROM chat_channels WHERE id IN {}",
            values_placeholders(1, ids.len())
        ))?;
        let rows = st.query_map(values.as_slice(), |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
}

pub fn channel_by_name(c: &Connection, team_id: &str, name: &str) -> SResult<Option<ChannelRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM chat_channels WHERE team_id = ?1 AND name = ?2"
    ))?
    .query_row(params![team_id, name], channel_from)
    .optional()?)
}

pub fn channel_by_dm_key(c: &Connection, key: &str) -> SResult<Option<ChannelRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM chat_channels WHERE dm_key = ?1"
    ))?
    .query_row([key], channel_from)
    .optional()?)
}

pub fn membership(c: &Connection, channel_id: &str, user_id: &str) -> SResult<Option<MemberRow>> {
    Ok(c.prepare_cached("SELECT role, last_viewed_post, viewed_count, mentions, muted, notify_all FROM chat_channel_members WHERE channel_id = ?1 AND user_id = ?2")?
        .query_row(params![channel_id, user_id], |r| member_from(r, 0))
        .optional()?
        .flatten())
}

/// The team's channels I am in, and all my direct and group channels, with my membership.
pub fn my_channels(
    c: &Connection,
    team_id: &str,
    user_id: &str,
) -> SResult<Vec<(ChannelRow, MemberRow)>> {
    let cols = channel_columns_of("ch");
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols}, m.role, m.last_viewed_post, m.viewed_count, m.mentions, m.muted, m.notify_all FROM chat_channels ch
         JOIN chat_channel_members m ON m.channel_id = ch.id AND m.user_id = ?2
         WHERE ch.team_id = ?1 OR ch.team_id IS NULL ORDER BY ch.kind, ch.display_name"
    ))?;
    let rows = st.query_map(params![team_id, user_id], |r| {
        Ok((
            channel_from(r)?,
            member_from(r, CHANNEL_WIDTH)?.ok_or_else(|| bad("member"))?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every channel `user_id` is in, across their teams, with their membership and the team's
/// name (None for direct and group messages), most recent message first. A channel of a team
/// they are no longer in is left out, as `my_channels` leaves it out.
pub fn channels_of_user(
    c: &Connection,
    user_id: &str,
    limit: i64,
) -> SResult<Vec<(ChannelRow, MemberRow, Option<String>)>> {
    let cols = channel_columns_of("ch");
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols}, m.role, m.last_viewed_post, m.viewed_count, m.mentions, m.muted, m.notify_all, t.name
         FROM chat_channels ch
         JOIN chat_channel_members m ON m.channel_id = ch.id AND m.user_id = ?1
         LEFT JOIN chat_teams t ON t.id = ch.team_id
         WHERE ch.team_id IS NULL
            OR EXISTS (SELECT 1 FROM chat_team_members tm WHERE tm.team_id = ch.team_id AND tm.user_id = ?1)
         ORDER BY ch.last_post_at DESC, ch.id LIMIT ?2"
    ))?;
    let rows = st.query_map(params![user_id, limit], channel_member_team_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Of `ids`, the channels `user_id` is in, with their membership and team's name: in one query,
/// for a list of favourites.
pub fn member_channels(
    c: &Connection,
    user_id: &str,
    ids: &[String],
) -> SResult<Vec<(ChannelRow, MemberRow, Option<String>)>> {
    in_chunks(ids, |ids| member_channels_among(c, user_id, ids))
}

fn member_channels_among(
    c: &Connection,
    user_id: &str,
    ids: &[String],
) -> SResult<Vec<(ChannelRow, MemberRow, Option<String>)>> {
    let cols = channel_columns_of("ch");
    let ph = (2..ids.len() + 2)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut values: Vec<&dyn ToValue> = vec![&user_id];
    values.extend(ids.iter().map(|i| i as &dyn ToValue));
    let mut st = c.prepare(&format!(
        "SELECT {cols}, m.role, m.last_viewed_post, m.viewed_count, m.mentions, m.muted, m.notify_all, t.name
         FROM chat_channels ch
         JOIN chat_channel_members m ON m.channel_id = ch.id AND m.user_id = ?1
         LEFT JOIN chat_teams t ON t.id = ch.team_id
         WHERE ch.id IN ({ph})"
    ))?;
    let rows = st.query_map(values.as_slice(), channel_member_team_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every public channel of the team, with whether `user_id` is in it; the caller keeps those
/// whose name holds what was asked (`search::folded_contains`, the same on both engines).
/// Ordered by name, then id (display names may be equal).
pub fn browse(c: &Connection, team_id: &str, user_id: &str) -> SResult<Vec<(ChannelRow, bool)>> {
    let cols = channel_columns_of("ch");
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols}, EXISTS (SELECT 1 FROM chat_channel_members m WHERE m.channel_id = ch.id AND m.user_id = ?2)
         FROM chat_channels ch WHERE ch.team_id = ?1 AND ch.kind = 'public'
         ORDER BY ch.archived, ch.display_name, ch.id"
    ))?;
    let rows = st.query_map(params![team_id, user_id], |r| {
        Ok((channel_from(r)?, r.get(CHANNEL_WIDTH)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewChannel<'a> {
    pub id: &'a str,
    pub team_id: Option<&'a str>,
    pub kind: Kind,
    pub name: &'a str,
    pub display_name: &'a str,
    pub header: &'a str,
    pub purpose: &'a str,
    pub dm_key: Option<&'a str>,
    pub by: &'a str,
    pub now: i64,
}

pub fn insert_channel(c: &Connection, ch: &NewChannel<'_>) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_channels (id, team_id, kind, name, display_name, header, purpose, created_by, created_at, last_post_at, dm_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
        params![ch.id, ch.team_id, ch.kind.as_str(), ch.name, ch.display_name, ch.header, ch.purpose, ch.by, ch.now, ch.dm_key],
    )?;
    Ok(())
}

pub fn update_channel(c: &Connection, ch: &ChannelRow) -> SResult<()> {
    c.execute(
        "UPDATE chat_channels SET display_name = ?2, header = ?3, purpose = ?4, archived = ?5 WHERE id = ?1",
        params![ch.id, ch.display_name, ch.header, ch.purpose, ch.archived],
    )?;
    Ok(())
}

/// Adds a member who has seen everything so far (a new member does not start with the whole
/// history unread).
pub fn add_member(
    c: &Connection,
    channel_id: &str,
    user_id: &str,
    role: &str,
    now: i64,
) -> SResult<bool> {
    Ok(c.execute(
        "INSERT INTO chat_channel_members (channel_id, user_id, role, last_viewed_post, viewed_count, joined_at)
         SELECT ?1, ?2, ?3, COALESCE((SELECT MAX(id) FROM chat_posts WHERE channel_id = ?1), 0), post_count, ?4
         FROM chat_channels WHERE id = ?1
         ON CONFLICT DO NOTHING",
        params![channel_id, user_id, role, now],
    )? > 0)
}

pub fn remove_member(c: &Connection, channel_id: &str, user_id: &str) -> SResult<bool> {
    Ok(c.execute(
        "DELETE FROM chat_channel_members WHERE channel_id = ?1 AND user_id = ?2",
        params![channel_id, user_id],
    )? > 0)
}

pub fn member_ids(c: &Connection, channel_id: &str) -> SResult<Vec<String>> {
    let mut st =
        c.prepare_cached("SELECT user_id FROM chat_channel_members WHERE channel_id = ?1")?;
    let rows = st.query_map([channel_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every member of the channel with their membership, by user id.
pub fn memberships(c: &Connection, channel_id: &str) -> SResult<Vec<(String, MemberRow)>> {
    let mut st = c.prepare_cached(
        "SELECT user_id, role, last_viewed_post, viewed_count, mentions, muted, notify_all
         FROM chat_channel_members WHERE channel_id = ?1 ORDER BY user_id",
    )?;
    let rows = st.query_map([channel_id], |r| Ok((r.get(0)?, member_from(r, 1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (uid, m): (String, Option<MemberRow>) = row?;
        if let Some(m) = m {
            out.push((uid, m));
        }
    }
    Ok(out)
}

pub fn members_with_roles(c: &Connection, channel_id: &str) -> SResult<Vec<(String, String)>> {
    let mut st =
        c.prepare_cached("SELECT user_id, role FROM chat_channel_members WHERE channel_id = ?1")?;
    let rows = st.query_map([channel_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn member_count(c: &Connection, channel_id: &str) -> SResult<i64> {
    Ok(
        c.prepare_cached("SELECT COUNT(*) FROM chat_channel_members WHERE channel_id = ?1")?
            .query_row([channel_id], |r| r.get(0))?,
    )
}

pub fn mark_viewed(
    c: &Connection,
    channel_id: &str,
    user_id: &str,
    up_to: Option<i64>,
) -> SResult<i64> {
    let last: i64 = match up_to {
        Some(p) => p,
        None => c.query_row(
            "SELECT COALESCE(MAX(id), 0) FROM chat_posts WHERE channel_id = ?1",
            [channel_id],
            |r| r.get(0),
        )?,
    };
    c.execute(
        "UPDATE chat_channel_members SET last_viewed_post = CASE WHEN last_viewed_post > ?3 THEN last_viewed_post ELSE ?3 END, mentions = 0,
            viewed_count = (SELECT post_count FROM chat_channels WHERE id = ?1)
         WHERE channel_id = ?1 AND user_id = ?2",
        params![channel_id, user_id, last],
    )?;
    Ok(last)
}

/// A member's notifications in a channel: none (muted), mentions, or every message.
pub fn set_notify(
    c: &Connection,
    channel_id: &str,
    user_id: &str,
    muted: bool,
    all: bool,
) -> SResult<()> {
    c.execute(
        "UPDATE chat_channel_members SET muted = ?3, notify_all = ?4 WHERE channel_id = ?1 AND user_id = ?2",
        params![channel_id, user_id, muted, all],
    )?;
    Ok(())
}

/// Who hears of a new message, besides those it mentions (`crate::notices`).
#[derive(Debug, Clone, Default)]
pub struct NoticeTargets {
    pub kind: String,
    pub channel_display: String,
    pub team: Option<String>,
    /// Members who muted the channel.
    pub muted: Vec<String>,
    /// Members who want every message.
    pub every: Vec<String>,
    /// Direct and group channels: the other members.
    pub direct: Vec<String>,
    /// Followers of the thread replied to.
    pub followers: Vec<String>,
}

pub fn notice_targets(
    c: &Connection,
    channel_id: &str,
    author: &str,
    root_id: Option<i64>,
) -> SResult<Option<NoticeTargets>> {
    let head: Option<(String, String, Option<String>)> = c
        .prepare_cached(
            "SELECT ch.kind, ch.display_name, t.name FROM chat_channels ch
             LEFT JOIN chat_teams t ON t.id = ch.team_id WHERE ch.id = ?1",
        )?
        .query_row([channel_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((kind, channel_display, team)) = head else {
        return Ok(None);
    };
    let mut t = NoticeTargets {
        kind,
        channel_display,
        team,
        ..Default::default()
    };
    // Both read through partial indexes: few members mute a channel or want every message.
    let ids = |sql: &str| -> SResult<Vec<String>> {
        Ok(c.prepare_cached(sql)?
            .query_map(params![channel_id, author], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?)
    };
    t.muted = ids(
        "SELECT user_id FROM chat_channel_members WHERE channel_id = ?1 AND muted = 1 AND user_id <> ?2",
    )?;
    t.every = ids(
        "SELECT user_id FROM chat_channel_members WHERE channel_id = ?1 AND notify_all = 1 AND muted = 0 AND user_id <> ?2",
    )?;
    if t.kind == "direct" || t.kind == "group" {
        let mut st = c.prepare_cached(
            "SELECT user_id FROM chat_channel_members WHERE channel_id = ?1 AND user_id <> ?2",
        )?;
        t.direct = st
            .query_map(params![channel_id, author], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
    }
    if let Some(root) = root_id {
        let mut st = c.prepare_cached(
            "SELECT user_id FROM chat_thread_follows WHERE root_id = ?1 AND following = 1 AND user_id <> ?2",
        )?;
        t.followers = st
            .query_map(params![root, author], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
    }
    Ok(Some(t))
}

/// The team a person joined first: where their direct messages open.
pub fn first_team(c: &Connection, user_id: &str) -> SResult<Option<String>> {
    Ok(c.prepare_cached(
        "SELECT t.name FROM chat_team_members m JOIN chat_teams t ON t.id = m.team_id
         WHERE m.user_id = ?1 ORDER BY m.joined_at, t.name LIMIT 1",
    )?
    .query_row([user_id], |r| r.get(0))
    .optional()?)
}

const POST_COLUMNS: &str = "id, channel_id, user_id, root_id, text, html, mentions, created_at, edited_at, deleted, pinned, reply_count, last_reply_at, props";

fn post_from(r: &Row<'_>) -> Result<PostRow, SqlError> {
    let mentions: String = r.get(6)?;
    Ok(PostRow {
        id: r.get(0)?,
        channel_id: r.get(1)?,
        user_id: r.get(2)?,
        root_id: r.get(3)?,
        text: r.get(4)?,
        html: r.get(5)?,
        mentions: serde_json::from_str(&mentions).unwrap_or_default(),
        created_at: r.get(7)?,
        edited_at: r.get(8)?,
        deleted: r.get(9)?,
        pinned: r.get(10)?,
        reply_count: r.get(11)?,
        last_reply_at: r.get(12)?,
        props: serde_json::from_str(&r.get::<_, String>(13)?).unwrap_or_default(),
    })
}

pub fn post(c: &Connection, id: i64) -> SResult<Option<PostRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {POST_COLUMNS} FROM chat_posts WHERE id = ?1"
    ))?
    .query_row([id], post_from)
    .optional()?)
}

/// The post a client id names in a channel (an imported message already stored).
pub fn post_by_client(
    c: &Connection,
    channel_id: &str,
    user_id: &str,
    client_id: &str,
) -> SResult<Option<i64>> {
    Ok(c.prepare_cached(
        "SELECT id FROM chat_posts WHERE user_id = ?1 AND client_id = ?2 AND channel_id = ?3",
    )?
    .query_row(params![user_id, client_id, channel_id], |r| r.get(0))
    .optional()?)
}

pub fn post_by_client_id(
    c: &Connection,
    user_id: &str,
    client_id: &str,
    since: i64,
) -> SResult<Option<PostRow>> {
    Ok(c.prepare_cached(&format!("SELECT {POST_COLUMNS} FROM chat_posts WHERE user_id = ?1 AND client_id = ?2 AND created_at >= ?3"))?
        .query_row(params![user_id, client_id, since], post_from)
        .optional()?)
}

/// Newest first, before `before`.
pub fn posts_before(
    c: &Connection,
    channel_id: &str,
    before: i64,
    limit: i64,
) -> SResult<Vec<PostRow>> {
    let mut st = c.prepare_cached(&format!("SELECT {POST_COLUMNS} FROM chat_posts WHERE channel_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"))?;
    let rows = st.query_map(params![channel_id, before, limit], post_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Oldest first, after `after`.
pub fn posts_after(
    c: &Connection,
    channel_id: &str,
    after: i64,
    limit: i64,
) -> SResult<Vec<PostRow>> {
    let mut st = c.prepare_cached(&format!("SELECT {POST_COLUMNS} FROM chat_posts WHERE channel_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"))?;
    let rows = st.query_map(params![channel_id, after, limit], post_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn replies(c: &Connection, root_id: i64) -> SResult<Vec<PostRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {POST_COLUMNS} FROM chat_posts WHERE root_id = ?1 ORDER BY id LIMIT 5000"
    ))?;
    let rows = st.query_map([root_id], post_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn pinned(c: &Connection, channel_id: &str) -> SResult<Vec<PostRow>> {
    let mut st = c.prepare_cached(&format!("SELECT {POST_COLUMNS} FROM chat_posts WHERE channel_id = ?1 AND pinned = 1 AND deleted = 0 ORDER BY id DESC LIMIT 200"))?;
    let rows = st.query_map([channel_id], post_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewPost<'a> {
    pub channel_id: &'a str,
    pub user_id: &'a str,
    pub root_id: Option<i64>,
    pub text: &'a str,
    pub html: &'a str,
    pub mentions: &'a [String],
    pub client_id: Option<&'a str>,
    pub props: &'a str,
    pub now: i64,
}

pub fn insert_post(c: &Connection, p: &NewPost<'_>) -> SResult<i64> {
    let mentions = serde_json::to_string(p.mentions).unwrap_or_else(|_| "[]".into());
    let id: i64 = c.query_row(
        "INSERT INTO chat_posts (channel_id, user_id, root_id, text, html, mentions, created_at, client_id, props)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        params![p.channel_id, p.user_id, p.root_id, p.text, p.html, mentions, p.now, p.client_id, p.props],
        |r| r.get(0),
    )?;
    c.execute(
        "UPDATE chat_channels SET post_count = post_count + 1, last_post_at = ?2 WHERE id = ?1",
        params![p.channel_id, p.now],
    )?;
    if let Some(root) = p.root_id {
        c.execute(
            "UPDATE chat_posts SET reply_count = reply_count + 1, last_reply_at = ?2 WHERE id = ?1",
            params![root, p.now],
        )?;
    }
    index_post(c, id, p.text)?;
    Ok(id)
}

pub fn update_post_text(
    c: &Connection,
    id: i64,
    text: &str,
    html: &str,
    mentions: &[String],
    now: i64,
) -> SResult<()> {
    let m = serde_json::to_string(mentions).unwrap_or_else(|_| "[]".into());
    c.execute(
        "UPDATE chat_posts SET text = ?2, html = ?3, mentions = ?4, edited_at = ?5 WHERE id = ?1",
        params![id, text, html, m, now],
    )?;
    c.execute("DELETE FROM chat_search WHERE rowid = ?1", [id])?;
    index_post(c, id, text)
}

/// A post's search entry holds its words folded (`nichoir_storage::search::fold`), so both
/// engines find the same posts for the same query.
fn index_post(c: &Connection, id: i64, text: &str) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_search (rowid, text) VALUES (?1, ?2)",
        params![id, search::fold(text)],
    )?;
    Ok(())
}

/// Migration 4: the search entries of the posts written before folding, folded, a thousand
/// posts per read.
pub fn refold_search(c: &Connection) -> SResult<()> {
    c.execute("DELETE FROM chat_search", [])?;
    let mut after = 0_i64;
    loop {
        let mut st = c.prepare_cached(
            "SELECT id, text FROM chat_posts WHERE deleted = 0 AND id > ?1 ORDER BY id LIMIT 1000",
        )?;
        let posts: Vec<(i64, String)> = st
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let Some(&(last, _)) = posts.last() else {
            return Ok(());
        };
        for (id, text) in &posts {
            index_post(c, *id, text)?;
        }
        after = last;
    }
}

/// A deleted message keeps its place (a "deleted" line in the conversation) and nothing of what
/// it said: its text, reactions and files go, and so do the copies of its text in the event log
/// that catch-up replays. Returns the files' contents that nothing else uses now.
pub fn mark_post_deleted(c: &Connection, post: &PostRow) -> SResult<Vec<String>> {
    let id = post.id;
    c.execute(
        "UPDATE chat_posts SET deleted = 1, text = '', html = '', pinned = 0 WHERE id = ?1",
        [id],
    )?;
    c.execute("DELETE FROM chat_search WHERE rowid = ?1", [id])?;
    c.execute("DELETE FROM chat_reactions WHERE post_id = ?1", [id])?;
    scrub_events(c, &post.channel_id, id, post.created_at)?;
    remove_post_files(c, id)
}

/// Blanks the message `id` in the channel's logged events (its `posted` and `post_edited`
/// events since `since`): a catch-up then shows it deleted, as a reload does.
fn scrub_events(c: &Connection, channel_id: &str, id: i64, since: i64) -> SResult<()> {
    let mut st = c.prepare_cached(
        "SELECT id, payload FROM chat_events WHERE channel_id = ?1 AND created_at >= ?2 AND payload LIKE ?3",
    )?;
    let found: Vec<(i64, String)> = st
        .query_map(params![channel_id, since, format!("%\"id\":{id}%")], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    blank_posts_in(c, found, |post| post.id == id)
}

/// Blanks the messages of `user_id` in every logged event (an erased account).
fn scrub_user_events(c: &Connection, user_id: &str) -> SResult<()> {
    let mut st = c.prepare(
        "SELECT id, payload FROM chat_events WHERE channel_id IS NOT NULL AND payload LIKE ?1",
    )?;
    let found: Vec<(i64, String)> = st
        .query_map([format!("%\"{user_id}\"%")], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    blank_posts_in(c, found, |post| post.user.id == user_id)
}

/// Rewrites those of `events` that carry a message `is_it` picks as that message deleted.
fn blank_posts_in(
    c: &Connection,
    events: Vec<(i64, String)>,
    is_it: impl Fn(&Post) -> bool,
) -> SResult<()> {
    let mut update = c.prepare_cached("UPDATE chat_events SET payload = ?2 WHERE id = ?1")?;
    for (event, payload) in events {
        let Ok(mut ev) = serde_json::from_str::<ChatEvent>(&payload) else {
            continue;
        };
        let (ChatEvent::Posted { post, .. } | ChatEvent::PostEdited { post }) = &mut ev else {
            continue;
        };
        if !is_it(post) {
            continue;
        }
        post.text.clear();
        post.html.clear();
        post.files.clear();
        post.reactions.clear();
        post.mentions.clear();
        post.deleted = true;
        let Ok(blanked) = serde_json::to_string(&ev) else {
            continue;
        };
        update.execute(params![event, blanked])?;
    }
    Ok(())
}

/// Removes the files of message `id`; returns the contents that nothing else uses now.
fn remove_post_files(c: &Connection, id: i64) -> SResult<Vec<String>> {
    let mut st = c.prepare_cached("SELECT sha256 FROM chat_files WHERE post_id = ?1")?;
    let files: Vec<String> = st
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    c.execute("DELETE FROM chat_files WHERE post_id = ?1", [id])?;
    unused_of(c, files)
}

/// Those of `shas` (contents whose file rows were just deleted) that no file uses any more.
fn unused_of(c: &Connection, shas: Vec<String>) -> SResult<Vec<String>> {
    let mut unused = Vec::new();
    for sha in shas {
        let used: i64 = c.query_row(
            "SELECT COUNT(*) FROM chat_files WHERE sha256 = ?1",
            [&sha],
            |r| r.get(0),
        )?;
        if used == 0 && !unused.contains(&sha) {
            unused.push(sha);
        }
    }
    Ok(unused)
}

pub fn set_pinned(c: &Connection, id: i64, pinned: bool) -> SResult<()> {
    c.execute(
        "UPDATE chat_posts SET pinned = ?2 WHERE id = ?1",
        params![id, pinned],
    )?;
    Ok(())
}

/// Raises the unread-mention count of these members of the channel.
pub fn add_mentions(c: &Connection, channel_id: &str, user_ids: &[String]) -> SResult<()> {
    let mut st = c.prepare_cached("UPDATE chat_channel_members SET mentions = mentions + 1 WHERE channel_id = ?1 AND user_id = ?2")?;
    for u in user_ids {
        st.execute(params![channel_id, u])?;
    }
    Ok(())
}

/// My post counts as seen by me.
pub fn saw_own_post(c: &Connection, channel_id: &str, user_id: &str, post_id: i64) -> SResult<()> {
    c.execute(
        "UPDATE chat_channel_members SET last_viewed_post = ?3, viewed_count = (SELECT post_count FROM chat_channels WHERE id = ?1)
         WHERE channel_id = ?1 AND user_id = ?2 AND viewed_count + 1 = (SELECT post_count FROM chat_channels WHERE id = ?1)",
        params![channel_id, user_id, post_id],
    )?;
    Ok(())
}

pub fn reactions(
    c: &Connection,
    post_ids: &[i64],
) -> SResult<std::collections::HashMap<i64, Vec<ReactionRow>>> {
    let mut out: std::collections::HashMap<i64, Vec<ReactionRow>> =
        std::collections::HashMap::new();
    let mut st = c.prepare_cached(
        "SELECT emoji, user_id FROM chat_reactions WHERE post_id = ?1 ORDER BY created_at",
    )?;
    for id in post_ids {
        let rows: Vec<(String, String)> = st
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        if rows.is_empty() {
            continue;
        }
        let list = out.entry(*id).or_default();
        for (emoji, user) in rows {
            match list.iter_mut().find(|r| r.emoji == emoji) {
                Some(r) => {
                    r.count += 1;
                    r.users.push(user);
                }
                None => list.push(ReactionRow {
                    emoji,
                    count: 1,
                    users: vec![user],
                }),
            }
        }
    }
    Ok(out)
}

pub fn set_reaction(
    c: &Connection,
    post_id: i64,
    user_id: &str,
    emoji: &str,
    on: bool,
    now: i64,
) -> SResult<()> {
    if on {
        c.execute("INSERT INTO chat_reactions (post_id, user_id, emoji, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING", params![post_id, user_id, emoji, now])?;
    } else {
        c.execute(
            "DELETE FROM chat_reactions WHERE post_id = ?1 AND user_id = ?2 AND emoji = ?3",
            params![post_id, user_id, emoji],
        )?;
    }
    Ok(())
}

pub fn follow(
    c: &Connection,
    user_id: &str,
    root_id: i64,
    channel_id: &str,
    following: bool,
) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_thread_follows (user_id, root_id, channel_id, following) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, root_id) DO UPDATE SET following = excluded.following",
        params![user_id, root_id, channel_id, following],
    )?;
    Ok(())
}

/// Starts following unless the user chose to stop.
pub fn follow_if_new(c: &Connection, user_id: &str, root_id: i64, channel_id: &str) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_thread_follows (user_id, root_id, channel_id, following) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT DO NOTHING",
        params![user_id, root_id, channel_id],
    )?;
    Ok(())
}

/// A reply arrived: every follower but its author has one more unread reply (and a mention if named).
pub fn bump_thread(
    c: &Connection,
    root_id: i64,
    author: &str,
    mentioned: &[String],
) -> SResult<()> {
    c.execute(
        "UPDATE chat_thread_follows SET unread_replies = unread_replies + 1 WHERE root_id = ?1 AND user_id <> ?2 AND following = 1",
        params![root_id, author],
    )?;
    let mut st = c.prepare_cached("UPDATE chat_thread_follows SET unread_mentions = unread_mentions + 1 WHERE root_id = ?1 AND user_id = ?2")?;
    for u in mentioned {
        st.execute(params![root_id, u])?;
    }
    Ok(())
}

pub fn thread_viewed(c: &Connection, user_id: &str, root_id: i64) -> SResult<()> {
    c.execute("UPDATE chat_thread_follows SET unread_replies = 0, unread_mentions = 0 WHERE user_id = ?1 AND root_id = ?2", params![user_id, root_id])?;
    Ok(())
}

pub fn is_following(c: &Connection, user_id: &str, root_id: i64) -> SResult<bool> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM chat_thread_follows WHERE user_id = ?1 AND root_id = ?2 AND following = 1",
    )?
    .exists(params![user_id, root_id])?)
}

/// Followed threads in a team (and in my direct channels), most recent reply first.
pub fn followed_threads(
    c: &Connection,
    user_id: &str,
    team_id: &str,
) -> SResult<Vec<(PostRow, i64, i64)>> {
    let cols = POST_COLUMNS
        .split(", ")
        .map(|x| format!("p.{x}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols}, f.unread_replies, f.unread_mentions FROM chat_thread_follows f
         JOIN chat_posts p ON p.id = f.root_id JOIN chat_channels ch ON ch.id = f.channel_id
         JOIN chat_channel_members m ON m.channel_id = ch.id AND m.user_id = f.user_id
         WHERE f.user_id = ?1 AND f.following = 1 AND p.reply_count > 0 AND (ch.team_id = ?2 OR ch.team_id IS NULL)
         ORDER BY p.last_reply_at DESC LIMIT 200"
    ))?;
    let rows = st.query_map(params![user_id, team_id], |r| {
        Ok((post_from(r)?, r.get(14)?, r.get(15)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The key of the transaction lock that orders chat events on PostgreSQL ("chatevts").
const EVENT_SEQUENCE_LOCK: i64 = 0x6368_6174_6576_7473;

pub fn insert_event(
    c: &Connection,
    channel_id: Option<&str>,
    user_id: Option<&str>,
    payload: &str,
    now: i64,
) -> SResult<i64> {
    if c.dialect() == Dialect::Postgres {
        // The event's id is drawn only once this transaction holds the sequence lock, kept
        // until it commits: ids become visible in id order, as with one writer, even when
        // several nodes write (an event N is never seen before N - 1 is in or rolled back),
        // so reading "after the last id" misses nothing (the cluster's chat relay, catch-up).
        // The lock is taken in the same statement (MATERIALIZED: read before the row is made).
        return Ok(c
            .prepare_cached(
                "WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(?5))
                 INSERT INTO chat_events (channel_id, user_id, payload, created_at)
                 SELECT ?1, ?2, ?3, ?4 FROM l RETURNING id",
            )?
            .query_row(
                params![channel_id, user_id, payload, now, EVENT_SEQUENCE_LOCK],
                |r| r.get(0),
            )?);
    }
    Ok(c.prepare_cached("INSERT INTO chat_events (channel_id, user_id, payload, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id")?
        .query_row(params![channel_id, user_id, payload, now], |r| r.get(0))?)
}

/// One stored event: its id, payload, and for whom (a channel's members or one user).
pub struct StoredEvent {
    pub id: i64,
    pub payload: String,
    pub channel_id: Option<String>,
    pub user_id: Option<String>,
}

/// Every event after `after`, in order (at most `limit`).
pub fn events_since(c: &Connection, after: i64, limit: i64) -> SResult<Vec<StoredEvent>> {
    let mut st = c.prepare_cached(
        "SELECT id, payload, channel_id, user_id FROM chat_events WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = st.query_map(params![after, limit], |r| {
        Ok(StoredEvent {
            id: r.get(0)?,
            payload: r.get(1)?,
            channel_id: r.get(2)?,
            user_id: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The events a user must see after `after`, in order: their channels' and their own.
pub fn events_after(
    c: &Connection,
    user_id: &str,
    after: i64,
    limit: i64,
) -> SResult<Vec<(i64, String)>> {
    let mut st = c.prepare_cached(
        "SELECT id, payload FROM chat_events WHERE id > ?2 AND (user_id = ?1 OR channel_id IN
            (SELECT channel_id FROM chat_channel_members WHERE user_id = ?1)) ORDER BY id LIMIT ?3",
    )?;
    let rows = st.query_map(params![user_id, after, limit], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn oldest_event(c: &Connection) -> SResult<i64> {
    Ok(
        c.query_row("SELECT COALESCE(MIN(id), 0) FROM chat_events", [], |r| {
            r.get(0)
        })?,
    )
}

pub fn last_event(c: &Connection) -> SResult<i64> {
    Ok(
        c.query_row("SELECT COALESCE(MAX(id), 0) FROM chat_events", [], |r| {
            r.get(0)
        })?,
    )
}

pub fn prune_events(c: &Connection, before: i64) -> SResult<usize> {
    Ok(c.execute("DELETE FROM chat_events WHERE created_at < ?1", [before])?)
}

pub struct SearchFilter<'a> {
    pub fts: &'a str,
    pub channel_ids: &'a [String],
    pub user_ids: &'a [String],
    pub before_ms: Option<i64>,
    pub after_ms: Option<i64>,
}

/// Posts matching, only in `channel_ids` (the caller passes the channels the user may read).
pub fn search(c: &Connection, f: &SearchFilter<'_>, limit: i64) -> SResult<Vec<PostRow>> {
    search_walking(c, f, limit, PG_WALK)
}

/// `search`, walking `walk` posts on PostgreSQL before the word index (tests try several).
fn search_walking(
    c: &Connection,
    f: &SearchFilter<'_>,
    limit: i64,
    walk: i64,
) -> SResult<Vec<PostRow>> {
    if f.channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    let chans = serde_json::to_string(f.channel_ids).unwrap_or_else(|_| "[]".into());
    let users = serde_json::to_string(f.user_ids).unwrap_or_else(|_| "[]".into());
    let cols = POST_COLUMNS
        .split(", ")
        .map(|x| format!("p.{x}"))
        .collect::<Vec<_>>()
        .join(", ");
    // With words, the newest first comes from the full-text index itself (`ORDER BY s.rowid
    // DESC`, which FTS5 walks backwards): the query stops at the `limit`-th readable match
    // instead of joining and sorting every match (a common word in a million messages took
    // seconds that way). The order is the post id on both engines, never a rank (bm25 and
    // ts_rank would order ties and near-ties differently): newest first, an imported post by
    // when it was imported.
    // The one statement with a text per engine: FTS5 on SQLite; on PostgreSQL the same folded
    // words as a tsquery over chat_search's tsvector (nichoir_storage::search), JSON lists
    // unpacked with json_array_elements_text, and two steps (below) where SQLite has one walk.
    let postgres = c.dialect() == Dialect::Postgres;
    let words = match (f.fts.is_empty(), postgres) {
        (true, _) => String::new(),
        (false, false) => search::fts5_match(f.fts),
        (false, true) => search::tsquery_from_fts5(f.fts),
    };
    if !f.fts.is_empty() && words.is_empty() {
        // Only words that fold to nothing ("-", "'"): no post holds them, on either engine.
        return Ok(Vec::new());
    }
    let (from, matching, order) = match (f.fts.is_empty(), postgres) {
        (true, _) => ("chat_posts p", "1 = 1", "p.id"),
        (false, false) => (
            "chat_search s CROSS JOIN chat_posts p ON p.id = s.rowid",
            "chat_search MATCH ?1",
            "s.rowid",
        ),
        (false, true) => (
            "chat_search s JOIN chat_posts p ON p.id = s.rowid",
            "s.tsv @@ to_tsquery('simple', public.unaccent('public.unaccent', ?1))",
            "s.rowid",
        ),
    };
    // On PostgreSQL the lists as arrays, computed once: a filter on each post that keeps the
    // posts in the order they are walked (a join with the list could be reordered, and sort
    // every match before the LIMIT).
    let lists = if postgres {
        "p.channel_id = ANY(ARRAY(SELECT json_array_elements_text(?2::json)))
           AND (json_array_length(?3::json) = 0
                OR p.user_id = ANY(ARRAY(SELECT json_array_elements_text(?3::json))))"
    } else {
        "p.channel_id IN (SELECT value FROM json_each(?2))
           AND (json_array_length(?3) = 0 OR p.user_id IN (SELECT value FROM json_each(?3)))"
    };
    let filters = format!(
        "p.deleted = 0 AND {lists}
           AND (?4 IS NULL OR p.created_at < ?4) AND (?5 IS NULL OR p.created_at >= ?5)"
    );
    let run = |from: &str, matching: &str, order: &str, limit: i64| -> SResult<Vec<PostRow>> {
        let sql = format!(
            "SELECT {cols} FROM {from} WHERE {matching} AND {filters}
             ORDER BY {order} DESC LIMIT ?6"
        );
        // Planned for its values on PostgreSQL (a cached statement soon gets one generic plan
        // for every value).
        let mut st = c.prepare(&sql)?;
        let rows = st.query_map(
            params![words, chans, users, f.before_ms, f.after_ms, limit],
            post_from,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    if !postgres || f.fts.is_empty() {
        return run(from, matching, order, limit);
    }
    // Words on PostgreSQL, in two steps that need no estimate of how common they are (the
    // planner's, from a sample, is far off for the rare word and every prefix): a common
    // word is found among the newest posts, walking them; only when those hold fewer than a
    // page are the older ones searched through the word index, its matches sorted, a cost
    // that grows with a count the first step has shown to be small. Together the same rows
    // in the same order as one walk over everything.
    let edge: Option<i64> = c
        .query_row(
            "SELECT rowid FROM chat_search ORDER BY rowid DESC LIMIT 1 OFFSET ?1",
            [walk - 1],
            |r| r.get(0),
        )
        .optional()?;
    let Some(edge) = edge else {
        return run(from, matching, order, limit);
    };
    // The LIMIT keeps the walk a walk (the words are not pushed into the subquery, where the
    // planner could take the word index again); it is twice the window so that posts written
    // since `edge` was read do not push its oldest ones out.
    let newest = format!(
        "(SELECT rowid, tsv FROM chat_search WHERE rowid >= {edge}
          ORDER BY rowid DESC LIMIT {}) s JOIN chat_posts p ON p.id = s.rowid",
        2 * walk
    );
    let mut rows = run(&newest, matching, order, limit)?;
    let found = rows.len() as i64;
    if found < limit {
        // `+ 0`: not the primary key's order, which would be the walk again.
        let older = format!("{matching} AND s.rowid < {edge}");
        rows.extend(run(from, &older, "s.rowid + 0", limit - found)?);
    }
    Ok(rows)
}

/// How many of the newest posts a search on PostgreSQL walks before it uses the word index.
/// Measured on 1,000,000 posts: the walk costs about 1 µs a post, the word index about 3 µs
/// a match; a word with fewer than a page in the walk has at most 100 / PG_WALK of the posts,
/// so the worst case (a word spread evenly) costs about 15 + 20 ms here.
const PG_WALK: i64 = 15_000;

/// Attaches an uploaded file to a post: only the uploader's, in the same channel, not yet used.
pub fn attach_file(
    c: &Connection,
    file_id: &str,
    channel_id: &str,
    user_id: &str,
    post_id: i64,
) -> SResult<bool> {
    Ok(c.execute(
        "UPDATE chat_files SET post_id = ?4 WHERE id = ?1 AND channel_id = ?2 AND user_id = ?3 AND post_id IS NULL",
        params![file_id, channel_id, user_id, post_id],
    )? > 0)
}

pub fn files_of(
    c: &Connection,
    post_ids: &[i64],
) -> SResult<std::collections::HashMap<i64, Vec<ChatFile>>> {
    let mut out: std::collections::HashMap<i64, Vec<ChatFile>> = std::collections::HashMap::new();
    let mut st = c.prepare_cached("SELECT id, name, content_type, size, width, height, has_thumbnail FROM chat_files WHERE post_id = ?1 ORDER BY created_at")?;
    for pid in post_ids {
        let rows = st.query_map([pid], |r| {
            Ok(ChatFile::new(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                (r.get(4)?, r.get(5)?),
                r.get(6)?,
            ))
        })?;
        for v in rows {
            out.entry(*pid).or_default().push(v?);
        }
    }
    Ok(out)
}

/// Posts past their channel's retention (else the instance's), at most `limit`. The channels
/// drive the search (`CROSS JOIN` keeps that order): with retention off everywhere, no post is
/// read at all.
pub fn expired_posts(
    c: &Connection,
    now: i64,
    instance_days: i64,
    limit: usize,
) -> SResult<Vec<i64>> {
    let day = 86_400_000_i64;
    let mut st = c.prepare_cached(
        "SELECT p.id FROM chat_channels ch CROSS JOIN chat_posts p
         WHERE COALESCE(ch.retention_days, ?2) > 0 AND p.channel_id = ch.id
           AND p.created_at < ?1 - COALESCE(ch.retention_days, ?2) * ?3
         LIMIT ?4",
    )?;
    let rows = st.query_map(params![now, instance_days, day, limit as i64], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes these posts with their files' rows and search entries; returns how many posts were
/// still there, and the files (sha256) no post uses any more.
pub fn delete_posts(c: &Connection, ids: &[i64]) -> SResult<(usize, Vec<String>)> {
    let mut shas = Vec::new();
    let mut deleted = 0;
    for id in ids {
        shas.extend(remove_post_files(c, *id)?);
        c.execute("DELETE FROM chat_search WHERE rowid = ?1", [id])?;
        deleted += c.execute("DELETE FROM chat_posts WHERE id = ?1", [id])?;
    }
    Ok((deleted, shas))
}

pub fn set_retention(c: &Connection, channel_id: &str, days: Option<i64>) -> SResult<()> {
    c.execute(
        "UPDATE chat_channels SET retention_days = ?2 WHERE id = ?1",
        params![channel_id, days],
    )?;
    Ok(())
}

/// Adds a user to a team as a member unless they are in it already (imports).
pub fn set_team_member_if_absent(
    c: &Connection,
    team_id: &str,
    user_id: &str,
    now: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_team_members (team_id, user_id, role, joined_at) VALUES (?1, ?2, 'member', ?3)
         ON CONFLICT DO NOTHING",
        params![team_id, user_id, now],
    )?;
    Ok(())
}

/// What a user's data export holds of the chat (see `export.rs`), read in one go.
pub struct UserChatData {
    /// (team name, display name, role, joined at).
    pub teams: Vec<(String, String, String, i64)>,
    pub channels: Vec<ExportChannel>,
    /// The messages they wrote and have not deleted.
    pub posts: Vec<ExportPost>,
    /// (post id, emoji, created at).
    pub reactions: Vec<(i64, String, i64)>,
    /// The files they uploaded.
    pub files: Vec<ExportFileRow>,
}

pub struct ExportChannel {
    /// None for direct and group messages.
    pub team: Option<String>,
    pub name: String,
    pub display_name: String,
    pub kind: String,
    pub role: String,
    pub joined_at: i64,
    pub muted: bool,
}

pub struct ExportPost {
    pub id: i64,
    pub team: Option<String>,
    pub channel: String,
    pub kind: String,
    pub root_id: Option<i64>,
    pub text: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub pinned: bool,
}

pub struct ExportFileRow {
    pub id: String,
    pub post_id: Option<i64>,
    pub channel: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

pub fn user_chat_data(c: &Connection, user_id: &str) -> SResult<UserChatData> {
    let teams = c
        .prepare(
            "SELECT t.name, t.display_name, m.role, m.joined_at FROM chat_team_members m
             JOIN chat_teams t ON t.id = m.team_id WHERE m.user_id = ?1 ORDER BY t.name",
        )?
        .query_map([user_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let channels = c
        .prepare(
            "SELECT t.name, ch.name, ch.display_name, ch.kind, m.role, m.joined_at, m.muted
             FROM chat_channel_members m JOIN chat_channels ch ON ch.id = m.channel_id
             LEFT JOIN chat_teams t ON t.id = ch.team_id WHERE m.user_id = ?1 ORDER BY t.name, ch.name",
        )?
        .query_map([user_id], |r| {
            Ok(ExportChannel {
                team: r.get(0)?,
                name: r.get(1)?,
                display_name: r.get(2)?,
                kind: r.get(3)?,
                role: r.get(4)?,
                joined_at: r.get(5)?,
                muted: r.get::<_, i64>(6)? != 0,
            })
        })?
        .collect::<Result<_, _>>()?;
    let posts = c
        .prepare(
            "SELECT p.id, t.name, ch.name, ch.kind, p.root_id, p.text, p.created_at, p.edited_at, p.pinned
             FROM chat_posts p JOIN chat_channels ch ON ch.id = p.channel_id
             LEFT JOIN chat_teams t ON t.id = ch.team_id
             WHERE p.user_id = ?1 AND p.deleted = 0 ORDER BY p.id",
        )?
        .query_map([user_id], |r| {
            Ok(ExportPost {
                id: r.get(0)?,
                team: r.get(1)?,
                channel: r.get(2)?,
                kind: r.get(3)?,
                root_id: r.get(4)?,
                text: r.get(5)?,
                created_at: r.get(6)?,
                edited_at: r.get(7)?,
                pinned: r.get::<_, i64>(8)? != 0,
            })
        })?
        .collect::<Result<_, _>>()?;
    let reactions = c
        .prepare(
            "SELECT post_id, emoji, created_at FROM chat_reactions WHERE user_id = ?1 ORDER BY created_at",
        )?
        .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let files = c
        .prepare(
            "SELECT f.id, f.post_id, ch.name, f.name, f.content_type, f.size, f.sha256, f.created_at
             FROM chat_files f JOIN chat_channels ch ON ch.id = f.channel_id
             WHERE f.user_id = ?1 ORDER BY f.created_at, f.id",
        )?
        .query_map([user_id], |r| {
            Ok(ExportFileRow {
                id: r.get(0)?,
                post_id: r.get(1)?,
                channel: r.get(2)?,
                name: r.get(3)?,
                content_type: r.get(4)?,
                size: r.get(5)?,
                sha256: r.get(6)?,
                created_at: r.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(UserChatData {
        teams,
        channels,
        posts,
        reactions,
        files,
    })
}

/// Bytes of the files `user_id` uploaded (for quotas).
pub fn file_bytes_of(c: &Connection, user_id: &str) -> SResult<i64> {
    Ok(
        c.prepare_cached("SELECT COALESCE(SUM(size), 0) FROM chat_files WHERE user_id = ?1")?
            .query_row([user_id], |r| r.get(0))?,
    )
}

/// Bytes of uploaded files per uploader.
pub fn file_bytes_by_user(c: &Connection) -> SResult<Vec<(String, i64)>> {
    Ok(
        c.prepare("SELECT user_id, SUM(size) FROM chat_files GROUP BY user_id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?,
    )
}

/// A deleted account (`nichoir_core::departure`): its memberships, followed threads and own
/// events go; its messages, reactions and files stay (its name comes from the account, now
/// "Deleted user").
pub fn forget_user(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM chat_thread_follows WHERE user_id = ?1",
        [user_id],
    )?;
    clear_status(c, user_id)?;
    c.execute(
        "DELETE FROM chat_channel_members WHERE user_id = ?1",
        [user_id],
    )?;
    c.execute(
        "DELETE FROM chat_team_members WHERE user_id = ?1",
        [user_id],
    )?;
    c.execute("DELETE FROM chat_events WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// Erases a deleted account's messages (text, search entries, reactions to them) and files;
/// answers the keys of the files whose bytes nothing else uses.
pub fn erase_user_posts(c: &Connection, user_id: &str) -> SResult<Vec<String>> {
    c.execute(
        "DELETE FROM chat_search WHERE rowid IN (SELECT id FROM chat_posts WHERE user_id = ?1 AND deleted = 0)",
        [user_id],
    )?;
    c.execute(
        "DELETE FROM chat_reactions WHERE post_id IN (SELECT id FROM chat_posts WHERE user_id = ?1)",
        [user_id],
    )?;
    c.execute(
        "UPDATE chat_posts SET deleted = 1, text = '', html = '', pinned = 0 WHERE user_id = ?1",
        [user_id],
    )?;
    scrub_user_events(c, user_id)?;
    let shas: Vec<String> = c
        .prepare("SELECT DISTINCT sha256 FROM chat_files WHERE user_id = ?1")?
        .query_map([user_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    c.execute("DELETE FROM chat_files WHERE user_id = ?1", [user_id])?;
    unused_of(c, shas)
}

/// Team channels whose name matches `pattern` (admin moderation's search), newest first:
/// `team/channel`, display name, created at.
pub fn moderation_channels(
    c: &Connection,
    pattern: &str,
    limit: i64,
) -> SResult<Vec<(String, String, i64)>> {
    let mut st = c.prepare(
        "SELECT t.name || '/' || ch.name, ch.display_name, ch.created_at FROM chat_channels ch
         JOIN chat_teams t ON t.id = ch.team_id
         WHERE ch.archived = 0
           AND (lower(ch.display_name) LIKE ?1 ESCAPE '\\' OR lower(ch.name) LIKE ?1 ESCAPE '\\')
         ORDER BY ch.created_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![pattern, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Messages of public channels whose text matches `pattern` (admin moderation's search; private
/// channels and direct messages are not searched), newest first: `team/pl/post id`, text,
/// created at.
pub fn moderation_posts(
    c: &Connection,
    pattern: &str,
    limit: i64,
) -> SResult<Vec<(String, String, i64)>> {
    let mut st = c.prepare(
        "SELECT t.name || '/pl/' || CAST(p.id AS TEXT), p.text, p.created_at FROM chat_posts p
         JOIN chat_channels ch ON ch.id = p.channel_id
         JOIN chat_teams t ON t.id = ch.team_id
         WHERE p.deleted = 0 AND ch.kind = 'public' AND lower(p.text) LIKE ?1 ESCAPE '\\'
         ORDER BY p.created_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![pattern, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A mention or direct message someone has not seen (`missed`).
#[derive(Debug, Clone)]
pub struct Missed {
    /// Who missed it.
    pub user_id: String,
    pub post_id: i64,
    pub author_id: String,
    pub text: String,
    /// The channel's kind (`public`, `private`, `direct`, `group`).
    pub kind: String,
    pub channel_name: String,
    /// The team's name; None for direct and group messages.
    pub team: Option<String>,
}

/// Mentions and direct messages, made before `before` and after `after`, that their addressee
/// has neither seen nor been mailed, in channels they have not muted; by person, oldest first.
pub fn missed(c: &Connection, before: i64, after: i64, limit: i64) -> SResult<Vec<Missed>> {
    let mut st = c.prepare(
        "SELECT m.user_id, p.id, p.user_id, p.text, ch.kind, ch.name, t.name
         FROM chat_channel_members m
         JOIN chat_channels ch ON ch.id = m.channel_id
         LEFT JOIN chat_teams t ON t.id = ch.team_id
         JOIN chat_posts p ON p.channel_id = m.channel_id AND p.id > m.last_viewed_post
         LEFT JOIN chat_email e ON e.user_id = m.user_id
         WHERE m.muted = 0 AND (m.mentions > 0 OR ch.kind IN ('direct', 'group'))
           AND p.deleted = 0 AND p.user_id <> m.user_id
           AND p.created_at <= ?1 AND p.created_at > ?2
           AND p.id > COALESCE(e.mailed_up_to, 0)
           AND (ch.kind IN ('direct', 'group') OR p.mentions LIKE '%\"' || m.user_id || '\"%')
         ORDER BY m.user_id, p.id LIMIT ?3",
    )?;
    let rows = st.query_map(params![before, after, limit], |r| {
        Ok(Missed {
            user_id: r.get(0)?,
            post_id: r.get(1)?,
            author_id: r.get(2)?,
            text: r.get(3)?,
            kind: r.get(4)?,
            channel_name: r.get(5)?,
            team: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A person's missed-activity mail state.
#[derive(Debug, Clone)]
pub struct EmailState {
    pub cadence: Option<String>,
    pub last_mailed_at: i64,
}

pub fn email_state(c: &Connection, user_id: &str) -> SResult<Option<EmailState>> {
    Ok(c.query_row(
        "SELECT cadence, last_mailed_at FROM chat_email WHERE user_id = ?1",
        [user_id],
        |r| {
            Ok(EmailState {
                cadence: r.get(0)?,
                last_mailed_at: r.get(1)?,
            })
        },
    )
    .optional()?)
}

pub fn set_email_cadence(c: &Connection, user_id: &str, cadence: &str) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_email (user_id, cadence) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET cadence = excluded.cadence",
        params![user_id, cadence],
    )?;
    Ok(())
}

/// A mail went: its messages are never mailed again, and its token unsubscribes.
pub fn email_sent(
    c: &Connection,
    user_id: &str,
    up_to: i64,
    at: i64,
    token_hash: &str,
) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_email (user_id, mailed_up_to, last_mailed_at, unsubscribe_hash)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE SET mailed_up_to = excluded.mailed_up_to,
             last_mailed_at = excluded.last_mailed_at, unsubscribe_hash = excluded.unsubscribe_hash",
        params![user_id, up_to, at, token_hash],
    )?;
    Ok(())
}

pub fn unsubscribe_email(c: &Connection, token_hash: &str) -> SResult<()> {
    c.execute(
        "UPDATE chat_email SET cadence = 'never' WHERE unsubscribe_hash = ?1",
        [token_hash],
    )?;
    Ok(())
}

/// A person's custom status, unless it has expired.
pub fn status(
    c: &Connection,
    user_id: &str,
    now: i64,
) -> SResult<Option<crate::status::ChatStatus>> {
    let row: Option<(String, String, Option<i64>)> = c
        .prepare_cached("SELECT emoji, text, expires_at FROM chat_status WHERE user_id = ?1")?
        .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row
        .filter(|(_, _, exp)| exp.is_none_or(|e| e > now))
        .map(|(emoji, text, exp)| crate::status::ChatStatus {
            emoji,
            text,
            expires_at: exp.map(nichoir_core::time::rfc3339),
        }))
}

pub fn set_status(
    c: &Connection,
    user_id: &str,
    emoji: &str,
    text: &str,
    expires_at: Option<i64>,
) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_status (user_id, emoji, text, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE SET emoji = excluded.emoji, text = excluded.text,
            expires_at = excluded.expires_at",
        params![user_id, emoji, text, expires_at],
    )?;
    Ok(())
}

pub fn clear_status(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute("DELETE FROM chat_status WHERE user_id = ?1", [user_id])?;
    Ok(())
}

// ---- webhooks

pub fn insert_webhook(
    c: &Connection,
    id: &str,
    channel_id: &str,
    secret_hash: &str,
    display_name: &str,
    created_by: &str,
    now: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_webhooks (id, channel_id, secret_hash, display_name, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, channel_id, secret_hash, display_name, created_by, now],
    )?;
    Ok(())
}

/// A channel's webhooks, oldest first: id, display name, created at (ms).
pub fn webhooks_of(c: &Connection, channel_id: &str) -> SResult<Vec<(String, String, i64)>> {
    let mut st = c.prepare_cached("SELECT id, display_name, created_at FROM chat_webhooks WHERE channel_id = ?1 ORDER BY created_at")?;
    let rows = st.query_map([channel_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many webhooks were removed (0 or 1).
pub fn delete_webhook(c: &Connection, id: &str, channel_id: &str) -> SResult<usize> {
    Ok(c.execute(
        "DELETE FROM chat_webhooks WHERE id = ?1 AND channel_id = ?2",
        params![id, channel_id],
    )?)
}

/// The webhook of a secret: its channel, display name and creator.
pub fn webhook_by_secret(
    c: &Connection,
    secret_hash: &str,
) -> SResult<Option<(String, String, String)>> {
    Ok(c.prepare_cached(
        "SELECT channel_id, display_name, created_by FROM chat_webhooks WHERE secret_hash = ?1",
    )?
    .query_row([secret_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()?)
}

// ---- files

/// A file uploaded into a channel, not yet attached to a message.
pub struct NewFile<'a> {
    pub id: &'a str,
    pub channel_id: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub has_thumbnail: bool,
    pub created_at: i64,
}

pub fn insert_file(c: &Connection, f: &NewFile<'_>) -> SResult<()> {
    c.execute(
        "INSERT INTO chat_files (id, channel_id, user_id, name, content_type, size, sha256, width, height, has_thumbnail, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            f.id,
            f.channel_id,
            f.user_id,
            f.name,
            f.content_type,
            f.size,
            f.sha256,
            f.width,
            f.height,
            f.has_thumbnail,
            f.created_at
        ],
    )?;
    Ok(())
}

/// Where a file is and what it holds, to serve it.
pub struct StoredFile {
    pub channel_id: String,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub has_thumbnail: bool,
}

pub fn file_by_id(c: &Connection, id: &str) -> SResult<Option<StoredFile>> {
    Ok(c.prepare_cached("SELECT channel_id, name, content_type, sha256, has_thumbnail FROM chat_files WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(StoredFile {
                channel_id: r.get(0)?,
                name: r.get(1)?,
                content_type: r.get(2)?,
                sha256: r.get(3)?,
                has_thumbnail: r.get(4)?,
            })
        })
        .optional()?)
}

// ---- import, presence

/// Every member of the channel has read all of it (an imported history is not news).
pub fn mark_channel_read_by_all(c: &Connection, channel_id: &str) -> SResult<()> {
    c.execute(
        "UPDATE chat_channel_members SET viewed_count = (SELECT post_count FROM chat_channels WHERE id = ?1),
                            last_viewed_post = COALESCE((SELECT MAX(id) FROM chat_posts WHERE channel_id = ?1), 0) WHERE channel_id = ?1",
        [channel_id],
    )?;
    Ok(())
}

/// The people who share a team with `user_id`, at most 5,000.
pub fn team_peers(c: &Connection, user_id: &str) -> SResult<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT DISTINCT b.user_id FROM chat_team_members a JOIN chat_team_members b ON a.team_id = b.team_id WHERE a.user_id = ?1 AND b.user_id <> ?1 LIMIT 5000",
    )?;
    let rows = st.query_map([user_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use nichoir_storage::{params, Connection};

    #[test]
    fn the_channel_width_counts_the_channel_columns() {
        assert_eq!(
            super::CHANNEL_COLUMNS.split(", ").count(),
            super::CHANNEL_WIDTH
        );
    }

    /// On SQLite, and on PostgreSQL when a test server is configured.
    fn dbs() -> Vec<Connection> {
        // Channels and posts only: no teams or users behind them.
        nichoir_storage::testing::store_connections(&[crate::migrations::MIGRATIONS], false)
            .expect("db")
    }

    /// A database from before folding: its search entries hold the raw text, which migration 4
    /// folds, so old posts are found by the same words as new ones.
    #[test]
    fn migration_4_folds_the_search_entries_of_older_posts() {
        let c = Connection::open_in_memory().expect("db");
        let (old, new) = crate::migrations::MIGRATIONS.migrations.split_at(3);
        nichoir_storage::testing::apply_on_sqlite(&c, old).expect("old migrations");
        c.execute_batch("PRAGMA foreign_keys = OFF")
            .expect("pragma");
        for (id, text, deleted) in [
            (1_i64, "Le cœur de Straße", 0_i64),
            (2, "東京タワーに行きました", 0),
            (3, "", 1),
        ] {
            c.execute(
                "INSERT INTO chat_posts (id, channel_id, user_id, text, html, created_at, deleted)
                 VALUES (?1, 'ch', 'u', ?2, '', 0, ?3)",
                params![id, text, deleted],
            )
            .expect("post");
            c.execute(
                "INSERT INTO chat_search (rowid, text) VALUES (?1, ?2)",
                params![id, if deleted == 1 { "gone" } else { text }],
            )
            .expect("entry");
        }
        nichoir_storage::testing::apply_on_sqlite(&c, new).expect("new migrations");
        let find = |q: &str| {
            let fts = crate::text::parse_search(q).expect("query").fts;
            super::search(
                &c,
                &super::SearchFilter {
                    fts: &fts,
                    channel_ids: &["ch".to_string()],
                    user_ids: &[],
                    before_ms: None,
                    after_ms: None,
                },
                10,
            )
            .expect("search")
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
        };
        assert_eq!(find("coeur strasse"), vec![1]);
        assert_eq!(find("タワー"), vec![2]);
        assert_eq!(find("gone"), Vec::<i64>::new());
    }

    #[test]
    fn retention_looks_only_at_channels_that_have_one() {
        for c in dbs() {
            retention_on(&c);
        }
    }

    fn retention_on(c: &Connection) {
        let day = 86_400_000_i64;
        let now = 100 * day;
        for (id, days) in [("keep", None), ("short", Some(1_i64))] {
            c.execute(
                "INSERT INTO chat_channels (id, kind, name, display_name, created_by, created_at, last_post_at, retention_days)
                 VALUES (?1, 'public', ?1, ?1, 'u', 0, 0, ?2)",
                params![id, days],
            )
            .expect("channel");
        }
        for (id, channel, at) in [
            (1_i64, "keep", now - 10 * day),
            (2, "short", now - 10 * day),
            (3, "short", now - day / 2),
        ] {
            c.execute(
                "INSERT INTO chat_posts (id, channel_id, user_id, text, html, created_at)
                 VALUES (?1, ?2, 'u', 'x', 'x', ?3)",
                params![id, channel, at],
            )
            .expect("post");
        }
        assert_eq!(super::expired_posts(c, now, 0, 100).expect("read"), vec![2]);
        let mut all = super::expired_posts(c, now, 5, 100).expect("read");
        all.sort();
        assert_eq!(
            all,
            vec![1, 2],
            "the instance's 5 days for the channel without its own"
        );
        assert_eq!(super::expired_posts(c, now, 5, 1).expect("read").len(), 1);
        assert_eq!(
            super::delete_posts(c, &[2, 99]).expect("delete"),
            (1, vec![]),
            "a post already gone is not counted"
        );
        assert!(super::expired_posts(c, now, 0, 100)
            .expect("read")
            .is_empty());
    }

    /// A word in 10,050 posts and one in 10: the same posts in the same order on both engines
    /// (newest first, the channel list, the date and deleted posts applied), whether the
    /// newest posts PostgreSQL walks first hold all of them, some or none.
    #[test]
    fn rare_and_common_words_find_the_same_posts_on_both_engines() {
        for c in dbs() {
            // 10,050 posts say "common"; every 1,000th also says "rare"; post 7 is deleted.
            c.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050)
                 INSERT INTO chat_posts (id, channel_id, user_id, text, html, created_at)
                 SELECT i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END, 'u', 'x', 'x', i FROM n;
                 UPDATE chat_posts SET deleted = 1 WHERE id = 7;",
            )
            .expect("posts");
            c.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050)
                 INSERT INTO chat_search (rowid, text)
                 SELECT i, CASE WHEN i % 1000 = 0 THEN 'common rare' ELSE 'common' END FROM n;",
            )
            .expect("search rows");
            for walk in [super::PG_WALK, 5000, 1500, 1] {
                walks_find_the_same(&c, walk);
            }
        }
    }

    fn walks_find_the_same(c: &Connection, walk: i64) {
        let find = |fts: &str, channels: &[&str], limit: i64| -> Vec<i64> {
            let channel_ids: Vec<String> = channels.iter().map(|s| s.to_string()).collect();
            let f = super::SearchFilter {
                fts,
                channel_ids: &channel_ids,
                user_ids: &[],
                before_ms: None,
                after_ms: Some(3),
            };
            super::search_walking(c, &f, limit, walk)
                .expect("search")
                .iter()
                .map(|p| p.id)
                .collect()
        };
        assert_eq!(
            find("\"rare\"", &["even", "odd"], 100),
            (1..=10).rev().map(|i| i * 1000).collect::<Vec<_>>()
        );
        assert_eq!(
            find("\"common\"", &["even", "odd"], 3),
            vec![10050, 10049, 10048]
        );
        assert_eq!(find("\"common\"", &["odd"], 2), vec![10049, 10047]);
        let oldest = find("\"common\"", &["odd"], 10_000);
        assert_eq!(
            oldest.last(),
            Some(&3),
            "post 1 is before the date, 7 deleted"
        );
        assert!(!oldest.contains(&7));
        assert_eq!(oldest.len(), 5023, "walk {walk}");
        assert!(oldest.windows(2).all(|w| w[0] > w[1]), "newest first");
    }
}
