//! Every SQL statement of the notification service, as functions over a connection; one text
//! for both engines.

use std::collections::{BTreeMap, HashMap};

use nichoir_core::notify::{Kind, Notice};
use nichoir_storage::{
    in_chunks, params, values_placeholders, Connection, OptionalExtension, Row, SResult, ToValue,
};

use crate::model::{Level, Preferences, Schedule};

pub fn vapid_key(c: &Connection) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT private_key FROM notify_vapid WHERE id = 1",
        [],
        |r| r.get(0),
    )
    .optional()?)
}

/// Keeps the first key written (two nodes starting at once agree on one).
pub fn keep_vapid_key(c: &Connection, key: &str, now: i64) -> SResult<()> {
    c.execute(
        "INSERT INTO notify_vapid (id, private_key, created_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO NOTHING",
        params![key, now],
    )?;
    Ok(())
}

/// A person's stored preferences (defaults when none).
pub fn preferences(c: &Connection, user_id: &str) -> SResult<Preferences> {
    let row: Option<(String, Option<i64>, Option<String>)> = c
        .prepare_cached(
            "SELECT tools, dnd_until, schedule FROM notify_settings WHERE user_id = ?1",
        )?
        .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row
        .map(|(tools, dnd_until, schedule)| decode(&tools, dnd_until, schedule.as_deref()))
        .unwrap_or_default())
}

/// The rows `sql` gives for `users`, its `{ids}` the list `(?1, …)`, asked 500 people at a time.
fn for_users<T>(
    c: &Connection,
    users: &[String],
    sql: &str,
    row: impl Fn(&Row<'_>) -> nichoir_storage::SqlResult<T>,
) -> SResult<Vec<T>> {
    in_chunks(users, |ids| {
        let values: Vec<&dyn ToValue> = ids.iter().map(|i| i as &dyn ToValue).collect();
        let mut st = c.prepare(&sql.replace("{ids}", &values_placeholders(1, ids.len())))?;
        let rows = st.query_map(values.as_slice(), &row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
}

/// The stored preferences of those of `users` who changed any, in one read per 500 people (a
/// `@channel` of a large channel asks for all its members); the others have the defaults.
pub fn preferences_of(c: &Connection, users: &[String]) -> SResult<HashMap<String, Preferences>> {
    let rows = for_users(
        c,
        users,
        "SELECT user_id, tools, dnd_until, schedule FROM notify_settings WHERE user_id IN {ids}",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        },
    )?;
    Ok(rows
        .into_iter()
        .map(|(user, tools, dnd_until, schedule)| {
            (user, decode(&tools, dnd_until, schedule.as_deref()))
        })
        .collect())
}

fn decode(tools: &str, dnd_until: Option<i64>, schedule: Option<&str>) -> Preferences {
    let stored: BTreeMap<String, Level> = serde_json::from_str(tools).unwrap_or_default();
    let tools = crate::rules::TOOLS
        .iter()
        .filter_map(|t| stored.get(t.as_str()).map(|l| (t.as_str(), *l)))
        .collect();
    let schedule = schedule
        .and_then(|s| serde_json::from_str::<StoredSchedule>(s).ok())
        .map(|s| Schedule {
            start: s.start,
            end: s.end,
            days: s.days,
            zone: s.zone,
        });
    Preferences {
        tools,
        dnd_until,
        schedule,
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSchedule {
    start: u16,
    end: u16,
    days: Vec<u8>,
    zone: String,
}

pub fn set_preferences(c: &Connection, user_id: &str, p: &Preferences) -> SResult<()> {
    let tools = serde_json::to_string(&p.tools).unwrap_or_else(|_| "{}".into());
    let schedule = p.schedule.as_ref().map(|s| {
        serde_json::to_string(&StoredSchedule {
            start: s.start,
            end: s.end,
            days: s.days.clone(),
            zone: s.zone.clone(),
        })
        .unwrap_or_default()
    });
    c.execute(
        "INSERT INTO notify_settings (user_id, tools, dnd_until, schedule) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE SET tools = excluded.tools, dnd_until = excluded.dnd_until,
            schedule = excluded.schedule",
        params![user_id, tools, p.dnd_until, schedule],
    )?;
    Ok(())
}

/// One stored notification.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: Kind,
    pub scope: String,
    pub title: String,
    pub body: String,
    pub url: String,
    pub actor_id: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, scope, title, body, url, actor_id, created_at, read_at";

fn from_row(r: &Row<'_>) -> nichoir_storage::SqlResult<NotificationRow> {
    let kind: String = r.get(1)?;
    Ok(NotificationRow {
        id: r.get(0)?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Message),
        scope: r.get(2)?,
        title: r.get(3)?,
        body: r.get(4)?,
        url: r.get(5)?,
        actor_id: r.get(6)?,
        created_at: r.get(7)?,
        read_at: r.get(8)?,
    })
}

pub fn insert(c: &Connection, n: &Notice, now: i64) -> SResult<i64> {
    Ok(c.prepare_cached(
        "INSERT INTO notifications (user_id, kind, scope, title, body, url, actor_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
    )?
    .query_row(
        params![
            n.user_id,
            n.kind.as_str(),
            n.scope,
            n.title,
            n.body,
            n.url,
            n.actor_id,
            now
        ],
        |r| r.get(0),
    )?)
}

/// A page of mine, newest first (older than `before` when given), and how many of mine are
/// unread: in one statement, so that both come from one snapshot (a notification arriving
/// between two reads would be counted and not listed).
pub fn page(
    c: &Connection,
    user_id: &str,
    before: Option<i64>,
    limit: i64,
) -> SResult<(Vec<NotificationRow>, i64)> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLUMNS}, (SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL)
         FROM notifications WHERE user_id = ?1 AND id < ?2
         ORDER BY id DESC LIMIT ?3"
    ))?;
    let mut unread = None;
    let rows = st
        .query_map(params![user_id, before.unwrap_or(i64::MAX), limit], |r| {
            Ok((from_row(r)?, r.get::<_, i64>(9)?))
        })?
        .map(|row| {
            row.map(|(n, count)| {
                unread = Some(count);
                n
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let unread = match unread {
        Some(n) => n,
        None => self::unread(c, user_id)?,
    };
    Ok((rows, unread))
}

pub fn unread(c: &Connection, user_id: &str) -> SResult<i64> {
    Ok(c.prepare_cached(
        "SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL",
    )?
    .query_row([user_id], |r| r.get(0))?)
}

pub fn has_unread_in(c: &Connection, user_id: &str, scope: &str) -> SResult<bool> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM notifications WHERE user_id = ?1 AND scope = ?2 AND read_at IS NULL LIMIT 1",
    )?
    .query_row(params![user_id, scope], |_| Ok(()))
    .optional()?
    .is_some())
}

/// Marks some of mine read; how many changed.
pub fn mark_ids(c: &Connection, user_id: &str, ids: &[i64], now: i64) -> SResult<usize> {
    let mut st = c.prepare_cached(
        "UPDATE notifications SET read_at = ?3 WHERE user_id = ?1 AND id = ?2 AND read_at IS NULL",
    )?;
    let mut n = 0;
    for id in ids {
        n += st.execute(params![user_id, id, now])?;
    }
    Ok(n)
}

pub fn mark_all(c: &Connection, user_id: &str, now: i64) -> SResult<usize> {
    Ok(c.execute(
        "UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL",
        params![user_id, now],
    )?)
}

pub fn mark_scope(c: &Connection, user_id: &str, scope: &str, now: i64) -> SResult<usize> {
    Ok(c.prepare_cached(
        "UPDATE notifications SET read_at = ?3 WHERE user_id = ?1 AND scope = ?2 AND read_at IS NULL",
    )?
    .execute(params![user_id, scope, now])?)
}

/// Read ones after `read_days`, any after `keep_days`.
pub fn prune(c: &Connection, now: i64, read_days: i64, keep_days: i64) -> SResult<usize> {
    let day = 86_400_000;
    Ok(c.execute(
        "DELETE FROM notifications WHERE (read_at IS NOT NULL AND read_at < ?1) OR created_at < ?2",
        params![now - read_days * day, now - keep_days * day],
    )?)
}

/// A device's subscription.
#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    pub id: String,
    pub user_id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const SUB_COLUMNS: &str = "id, user_id, endpoint, p256dh, auth, label, created_at, last_used_at";

fn sub_from_row(r: &Row<'_>) -> nichoir_storage::SqlResult<SubscriptionRow> {
    Ok(SubscriptionRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        endpoint: r.get(2)?,
        p256dh: r.get(3)?,
        auth: r.get(4)?,
        label: r.get(5)?,
        created_at: r.get(6)?,
        last_used_at: r.get(7)?,
    })
}

pub fn subscriptions(c: &Connection, user_id: &str) -> SResult<Vec<SubscriptionRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {SUB_COLUMNS} FROM push_subscriptions WHERE user_id = ?1 ORDER BY created_at, id"
    ))?;
    let rows = st.query_map([user_id], sub_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The devices of `users`, by person (each one's oldest first; nobody without a device), in one
/// read per 500 people.
pub fn subscriptions_of(
    c: &Connection,
    users: &[String],
) -> SResult<HashMap<String, Vec<SubscriptionRow>>> {
    let sql = format!(
        "SELECT {SUB_COLUMNS} FROM push_subscriptions WHERE user_id IN {{ids}} ORDER BY created_at, id"
    );
    let rows = for_users(c, users, &sql, sub_from_row)?;
    let mut by_user: HashMap<String, Vec<SubscriptionRow>> = HashMap::new();
    for s in rows {
        by_user.entry(s.user_id.clone()).or_default().push(s);
    }
    Ok(by_user)
}

pub fn subscription_by_endpoint(
    c: &Connection,
    endpoint: &str,
) -> SResult<Option<SubscriptionRow>> {
    Ok(c.query_row(
        &format!("SELECT {SUB_COLUMNS} FROM push_subscriptions WHERE endpoint = ?1"),
        [endpoint],
        sub_from_row,
    )
    .optional()?)
}

/// Saves a device; a browser that subscribes again with the same endpoint (its keys renewed, or
/// another account signed in on it) replaces what was there.
pub fn save_subscription(c: &Connection, s: &SubscriptionRow) -> SResult<()> {
    c.execute(
        "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, label, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
            auth = excluded.auth, label = excluded.label, failures = 0",
        params![
            s.id,
            s.user_id,
            s.endpoint,
            s.p256dh,
            s.auth,
            s.label,
            s.created_at
        ],
    )?;
    Ok(())
}

pub fn delete_subscription(c: &Connection, user_id: &str, id: &str) -> SResult<bool> {
    Ok(c.execute(
        "DELETE FROM push_subscriptions WHERE user_id = ?1 AND id = ?2",
        params![user_id, id],
    )? > 0)
}

/// The push service said the subscription is gone (404/410).
pub fn forget_endpoint(c: &Connection, id: &str) -> SResult<()> {
    c.execute("DELETE FROM push_subscriptions WHERE id = ?1", [id])?;
    Ok(())
}

pub fn delivered(c: &Connection, id: &str, now: i64) -> SResult<()> {
    c.prepare_cached(
        "UPDATE push_subscriptions SET last_used_at = ?2, failures = 0 WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// Counts a refusal; a subscription refused this many times in a row is dropped.
pub fn failed(c: &Connection, id: &str, drop_after: i64) -> SResult<()> {
    c.execute(
        "UPDATE push_subscriptions SET failures = failures + 1 WHERE id = ?1",
        [id],
    )?;
    c.execute(
        "DELETE FROM push_subscriptions WHERE id = ?1 AND failures >= ?2",
        params![id, drop_after],
    )?;
    Ok(())
}

/// Everything of a deleted account.
pub fn forget_user(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute("DELETE FROM notifications WHERE user_id = ?1", [user_id])?;
    c.execute(
        "DELETE FROM push_subscriptions WHERE user_id = ?1",
        [user_id],
    )?;
    c.execute("DELETE FROM notify_settings WHERE user_id = ?1", [user_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: usize, user: &str, at: i64) -> SubscriptionRow {
        SubscriptionRow {
            id: format!("d{n}"),
            user_id: user.to_string(),
            endpoint: format!("https://push.example/{n}"),
            p256dh: "key".into(),
            auth: "auth".into(),
            label: format!("phone {n}"),
            created_at: at,
            last_used_at: None,
        }
    }

    /// Asked for 1,200 people at once (three lists of 500), the same answers as asked one by
    /// one: stored preferences for those who have any, each person's devices oldest first.
    #[test]
    fn many_people_read_at_once_read_as_one_by_one() {
        let dbs =
            nichoir_storage::testing::store_connections(&[crate::migrations::MIGRATIONS], false)
                .expect("db");
        for c in dbs {
            let users: Vec<String> = (0..1200).map(|i| format!("u{i}")).collect();
            let quiet = Preferences {
                dnd_until: Some(99),
                ..Preferences::default()
            };
            let mut n = 0;
            for (i, u) in users.iter().enumerate() {
                if i % 7 == 0 {
                    set_preferences(&c, u, &quiet).expect("preferences");
                }
                // Every third person has two devices, the newer one saved first.
                if i % 3 == 0 {
                    for at in [20, 10] {
                        n += 1;
                        save_subscription(&c, &device(n, u, at)).expect("device");
                    }
                }
            }
            let prefs = preferences_of(&c, &users).expect("preferences");
            let subs = subscriptions_of(&c, &users).expect("devices");
            assert_eq!(prefs.len(), 1200_usize.div_ceil(7));
            assert_eq!(subs.len(), 400);
            for u in &users {
                let one = preferences(&c, u).expect("one");
                assert_eq!(prefs.get(u).map(|p| p.dnd_until), one.dnd_until.map(Some));
                let mine: Vec<String> = subscriptions(&c, u)
                    .expect("one's devices")
                    .into_iter()
                    .map(|s| s.id)
                    .collect();
                let got: Vec<String> = subs
                    .get(u)
                    .map(|v| v.iter().map(|s| s.id.clone()).collect())
                    .unwrap_or_default();
                assert_eq!(got, mine, "{u}");
            }
        }
    }
}
