//! `NotifyService`: the bell (notifications stored per person, read here or where they happened),
//! preferences and quiet hours, devices' push subscriptions, and the dispatch of what the tools
//! report ([`Notifier`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use nichoir_core::config::PushConfig;
use nichoir_core::ids::new_id;
use nichoir_core::notify::{Kind, Notice, Notifier};
use nichoir_core::text;
use nichoir_core::time::{now_ms, rfc3339};
use nichoir_core::{Error, Field, Result, Rule};
use nichoir_realtime::Hub;
use nichoir_storage::Db;

pub use crate::api::MarkBody;
use crate::lane::Lane;
use crate::model::{
    Frame, Level, NotificationPage, NotificationView, Preferences, PreferencesBody,
    PreferencesView, PushKey, PushPayload, Schedule, ScheduleBody, SubscribeBody, SubscriptionView,
    Unread,
};
use crate::push::{self, PushCounts, PushSender, Urgency};
use crate::rules::{self, Route};
use crate::store::{self, NotificationRow, SubscriptionRow};

/// The realtime topic of a person's bell.
pub fn topic(user_id: &str) -> String {
    format!("notify:{user_id}")
}

/// How long a push waits at the push service for a device that is off: a day, a ringing call
/// a minute (it is over by then).
const TTL: Duration = Duration::from_secs(86_400);
const RING_TTL: Duration = Duration::from_secs(60);
/// The most notices one call of `notify` handles (a `@channel` in a very large channel).
const MAX_BATCH: usize = 20_000;
/// Notices handed out between two yields to the runtime (see `deliver`).
const YIELD_EVERY: usize = 64;
const PAGE_MAX: i64 = 100;

#[derive(Clone)]
pub struct NotifyService {
    db: Db,
    hub: Hub,
    push: Option<PushSender>,
    config: Arc<PushConfig>,
    /// Where [`Notifier`] calls and pushes run (see `lane`).
    lane: Arc<Lane>,
}

fn view(r: &NotificationRow) -> NotificationView {
    NotificationView {
        id: r.id,
        tool: r.kind.tool().as_str(),
        kind: r.kind.as_str(),
        scope: r.scope.clone(),
        title: r.title.clone(),
        body: r.body.clone(),
        url: r.url.clone(),
        actor_id: r.actor_id.clone(),
        created_at: rfc3339(r.created_at),
        read: r.read_at.is_some(),
    }
}

fn payload(id: i64, n: &Notice) -> PushPayload {
    PushPayload {
        id,
        kind: n.kind.as_str().to_string(),
        title: n.title.clone(),
        body: n.body.clone(),
        url: n.url.clone(),
        tag: n.scope.clone(),
        ring: n.kind == Kind::Call,
        cancel: false,
    }
}

impl NotifyService {
    /// Loads the VAPID key (made and kept at the first start) and starts the push sender.
    pub async fn start(
        db: Db,
        hub: Hub,
        config: PushConfig,
        contact: String,
    ) -> Result<NotifyService> {
        let lane = Arc::new(
            Lane::start().map_err(|e| Error::internal(format!("notification thread: {e}")))?,
        );
        let push = if config.enabled {
            let key = match db.read(store::vapid_key).await? {
                Some(k) => k,
                None => {
                    let fresh = push::new_private_key();
                    db.write(move |c| {
                        store::keep_vapid_key(c, &fresh, now_ms())?;
                        store::vapid_key(c)
                    })
                    .await?
                    .ok_or_else(|| Error::internal("the VAPID key was not kept"))?
                }
            };
            // Its tasks (encryption, the requests) run on the lane too.
            let _on_lane = lane.enter();
            Some(
                PushSender::start(
                    db.clone(),
                    &key,
                    contact,
                    config.concurrency as usize,
                    Duration::from_secs(config.timeout_secs),
                )
                .map_err(Error::internal)?,
            )
        } else {
            None
        };
        Ok(NotifyService {
            db,
            hub,
            push,
            config: Arc::new(config),
            lane,
        })
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// What the tools' notices become: stored for the bell, sent to open tabs, pushed to devices.
    pub async fn deliver(&self, mut notices: Vec<Notice>) -> Result<usize> {
        notices.retain(|n| n.actor_id.as_deref() != Some(n.user_id.as_str()));
        notices.truncate(MAX_BATCH);
        if notices.is_empty() {
            return Ok(0);
        }
        let mut users: Vec<String> = notices.iter().map(|n| n.user_id.clone()).collect();
        users.sort();
        users.dedup();
        let now = now_ms();
        let wants_push = self.push.is_some();
        // A `@channel` to a thousand people: two reads for all of them, not two each.
        let (prefs, subs) = self
            .db
            .read(move |c| {
                let prefs = store::preferences_of(c, &users)?;
                let subs = if wants_push {
                    store::subscriptions_of(c, &users)?
                } else {
                    HashMap::new()
                };
                Ok((prefs, subs))
            })
            .await?;
        let defaults = Preferences::default();
        let routed: Vec<(Notice, Route)> = notices
            .into_iter()
            .filter_map(|n| {
                let p = prefs.get(&n.user_id).unwrap_or(&defaults);
                let r = rules::route(p, n.kind, now);
                (r != Route::Drop).then_some((n, r))
            })
            .collect();
        if routed.is_empty() {
            return Ok(0);
        }
        let routed = Arc::new(routed);
        let to_write = routed.clone();
        let ids = self
            .db
            .write(move |c| {
                to_write
                    .iter()
                    .map(|(n, _)| store::insert(c, n, now))
                    .collect::<std::result::Result<Vec<i64>, _>>()
            })
            .await?;
        for (i, ((n, route), id)) in routed.iter().zip(ids).enumerate() {
            // An `@channel` of a large channel is a thousand of these: let the lane's other
            // work (pushes on their way) go on in between.
            if i % YIELD_EVERY == YIELD_EVERY - 1 {
                tokio::task::yield_now().await;
            }
            // Most of a large channel has no tab open: no frame to make for them.
            let bell = topic(&n.user_id);
            if self.hub.may_reach(&bell) {
                let row = NotificationRow {
                    id,
                    kind: n.kind,
                    scope: n.scope.clone(),
                    title: n.title.clone(),
                    body: n.body.clone(),
                    url: n.url.clone(),
                    actor_id: n.actor_id.clone(),
                    created_at: now,
                    read_at: None,
                };
                let v = view(&row);
                let frame = Frame::New {
                    notification: &v,
                    quiet: *route == Route::Quiet,
                };
                self.hub.broadcast_event(&bell, None, &frame, None);
            }
            if *route == Route::Loud {
                if let (Some(sender), Some(devices)) = (&self.push, subs.get(&n.user_id)) {
                    let body = serde_json::to_vec(&payload(id, n)).unwrap_or_default();
                    let (ttl, urgency) = if n.kind == Kind::Call {
                        (RING_TTL, Urgency::High)
                    } else {
                        (TTL, Urgency::Normal)
                    };
                    sender.enqueue(devices.clone(), body, ttl, urgency);
                }
            }
        }
        Ok(routed.len())
    }

    /// Marks `scope` read for `user_id`, telling their open tabs.
    pub async fn seen_scope(&self, user_id: &str, scope: &str) -> Result<()> {
        // Channels are viewed far more often than they hold unread notifications: a read
        // first, and the writer only when there is something to mark.
        let (uid, sc) = (user_id.to_string(), scope.to_string());
        if !self
            .db
            .read(move |c| store::has_unread_in(c, &uid, &sc))
            .await?
        {
            return Ok(());
        }
        let (uid, sc) = (user_id.to_string(), scope.to_string());
        let unread = self
            .db
            .write(move |c| {
                let changed = store::mark_scope(c, &uid, &sc, now_ms())?;
                Ok(if changed > 0 {
                    Some(store::unread(c, &uid)?)
                } else {
                    None
                })
            })
            .await?;
        if let Some(unread) = unread {
            self.announce_read(user_id, unread);
        }
        Ok(())
    }

    fn announce_read(&self, user_id: &str, unread: i64) {
        if let Ok(data) = serde_json::to_value(Frame::Read { unread }) {
            self.hub.broadcast_event(&topic(user_id), None, &data, None);
        }
    }

    /// Stops a ringing call on the person's open tabs and devices.
    pub async fn cancel_ring(&self, user_id: &str, scope: &str) -> Result<()> {
        if let Ok(data) = serde_json::to_value(Frame::Cancel { scope }) {
            self.hub.broadcast_event(&topic(user_id), None, &data, None);
        }
        if let Some(sender) = &self.push {
            let uid = user_id.to_string();
            let subs = self.db.read(move |c| store::subscriptions(c, &uid)).await?;
            if !subs.is_empty() {
                let body = serde_json::to_vec(&PushPayload {
                    id: 0,
                    kind: Kind::Call.as_str().into(),
                    title: String::new(),
                    body: String::new(),
                    url: String::new(),
                    tag: scope.to_string(),
                    ring: false,
                    cancel: true,
                })
                .unwrap_or_default();
                sender.enqueue(subs, body, RING_TTL, Urgency::High);
            }
        }
        self.seen_scope(user_id, scope).await
    }

    /// A page of my notifications, newest first.
    pub async fn page(
        &self,
        user_id: &str,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<NotificationPage> {
        let limit = limit.unwrap_or(30).clamp(1, PAGE_MAX);
        let uid = user_id.to_string();
        let (rows, unread) = self
            .db
            .read(move |c| store::page(c, &uid, before, limit))
            .await?;
        let next_before = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|r| r.id))
            .flatten();
        Ok(NotificationPage {
            items: rows.iter().map(view).collect(),
            unread,
            next_before,
        })
    }

    pub async fn unread(&self, user_id: &str) -> Result<i64> {
        let uid = user_id.to_string();
        Ok(self.db.read(move |c| store::unread(c, &uid)).await?)
    }

    /// Marks some, a place's or all of mine read.
    pub async fn mark(&self, user_id: &str, body: MarkBody) -> Result<Unread> {
        if body.ids.len() > 500 {
            return Err(Error::invalid(Field::Ids, Rule::TooMany { max: 500 }));
        }
        if body.ids.is_empty() && body.scope.is_none() && !body.all {
            return Err(Error::validation("say which: ids, scope or all")
                .with_invalid(Field::Ids, Rule::Required));
        }
        if let Some(s) = &body.scope {
            if s.is_empty() || s.len() > 300 {
                return Err(Error::validation("scope: 1 to 300 characters")
                    .with_invalid(Field::Scope, Rule::Length { min: 1, max: 300 }));
            }
        }
        let uid = user_id.to_string();
        let unread = self
            .db
            .write(move |c| {
                let now = now_ms();
                if body.all {
                    store::mark_all(c, &uid, now)?;
                } else {
                    store::mark_ids(c, &uid, &body.ids, now)?;
                    if let Some(s) = &body.scope {
                        store::mark_scope(c, &uid, s, now)?;
                    }
                }
                store::unread(c, &uid)
            })
            .await?;
        self.announce_read(user_id, unread);
        Ok(Unread { unread })
    }

    pub async fn preferences(&self, user_id: &str) -> Result<PreferencesView> {
        let uid = user_id.to_string();
        let p = self.db.read(move |c| store::preferences(c, &uid)).await?;
        Ok(preferences_view(&p, now_ms()))
    }

    pub async fn set_preferences(
        &self,
        user_id: &str,
        body: PreferencesBody,
    ) -> Result<PreferencesView> {
        let p = parse_preferences(body)?;
        let uid = user_id.to_string();
        let stored = p.clone();
        self.db
            .write(move |c| store::set_preferences(c, &uid, &stored))
            .await?;
        Ok(preferences_view(&p, now_ms()))
    }

    pub fn push_key(&self) -> PushKey {
        PushKey {
            enabled: self.push.is_some(),
            public_key: self
                .push
                .as_ref()
                .map(|p| p.public_key().to_string())
                .unwrap_or_default(),
        }
    }

    pub fn push_counts(&self) -> Option<PushCounts> {
        self.push.as_ref().map(PushSender::counts)
    }

    /// Registers a device of mine.
    pub async fn subscribe(&self, user_id: &str, body: SubscribeBody) -> Result<SubscriptionView> {
        if self.push.is_none() {
            return Err(push_off());
        }
        let e = rules::check_endpoint(
            &body.endpoint,
            &body.keys.p256dh,
            &body.keys.auth,
            self.config.allow_loopback_http,
        )?;
        let label = body.label.unwrap_or_default();
        let label = label.trim();
        text::check_controls("label", label, text::Lines::One)?;
        if label.chars().count() > 100 {
            return Err(Error::invalid(Field::Label, Rule::TooLong { max: 100 }));
        }
        let label = if label.is_empty() {
            "?".to_string()
        } else {
            label.to_string()
        };
        let row = SubscriptionRow {
            id: new_id("ps"),
            user_id: user_id.to_string(),
            endpoint: e.url,
            p256dh: e.p256dh,
            auth: e.auth,
            label,
            created_at: now_ms(),
            last_used_at: None,
        };
        let cap = self.config.max_subscriptions_per_user as usize;
        let saved = self
            .db
            .write(move |c| {
                let mine = store::subscriptions(c, &row.user_id)?;
                let again = mine.iter().any(|s| s.endpoint == row.endpoint);
                if !again && mine.len() >= cap {
                    return Err(Error::conflict(format!(
                        "at most {cap} devices get notifications: remove one first"
                    ))
                    .into());
                }
                store::save_subscription(c, &row)?;
                store::subscription_by_endpoint(c, &row.endpoint)
            })
            .await?
            .ok_or_else(|| Error::internal("the subscription was not kept"))?;
        Ok(subscription_view(&saved))
    }

    pub async fn subscriptions(&self, user_id: &str) -> Result<Vec<SubscriptionView>> {
        let uid = user_id.to_string();
        let rows = self.db.read(move |c| store::subscriptions(c, &uid)).await?;
        Ok(rows.iter().map(subscription_view).collect())
    }

    pub async fn unsubscribe(&self, user_id: &str, id: &str) -> Result<()> {
        let (uid, sid) = (user_id.to_string(), id.to_string());
        if self
            .db
            .write(move |c| store::delete_subscription(c, &uid, &sid))
            .await?
        {
            Ok(())
        } else {
            Err(Error::not_found("no such device"))
        }
    }

    /// A test notification to my devices (not kept in the bell): "does it work on my phone?".
    pub async fn test_push(&self, user_id: &str, title: &str, body: &str) -> Result<usize> {
        let Some(sender) = &self.push else {
            return Err(push_off());
        };
        let uid = user_id.to_string();
        let subs = self.db.read(move |c| store::subscriptions(c, &uid)).await?;
        let n = subs.len();
        let payload = PushPayload {
            id: 0,
            kind: "test".into(),
            title: title.into(),
            body: body.into(),
            url: "/account".into(),
            tag: "test".into(),
            ring: false,
            cancel: false,
        };
        sender.enqueue(
            subs,
            serde_json::to_vec(&payload).unwrap_or_default(),
            Duration::from_secs(600),
            Urgency::Normal,
        );
        Ok(n)
    }

    /// Read notifications after 30 days, any after 90.
    pub async fn prune(&self) -> Result<usize> {
        Ok(self.db.write(|c| store::prune(c, now_ms(), 30, 90)).await?)
    }

    pub async fn forget_user(&self, user_id: &str) -> Result<()> {
        let uid = user_id.to_string();
        Ok(self.db.write(move |c| store::forget_user(c, &uid)).await?)
    }
}

fn push_off() -> Error {
    Error::forbidden("push notifications are turned off on this server")
}

fn subscription_view(s: &SubscriptionRow) -> SubscriptionView {
    SubscriptionView {
        id: s.id.clone(),
        label: s.label.clone(),
        service: rules::service_host(&s.endpoint),
        created_at: rfc3339(s.created_at),
        last_used_at: s.last_used_at.map(rfc3339),
    }
}

fn preferences_view(p: &Preferences, now: i64) -> PreferencesView {
    let tools: BTreeMap<&'static str, Level> = rules::TOOLS
        .iter()
        .map(|t| (t.as_str(), p.level(*t)))
        .collect();
    PreferencesView {
        tools,
        dnd_until: p.dnd_until.filter(|u| *u > now).map(rfc3339),
        schedule: p.schedule.as_ref().map(|s| ScheduleBody {
            start: rules::clock(s.start),
            end: rules::clock(s.end),
            days: s.days.clone(),
            zone: s.zone.clone(),
        }),
        quiet_now: rules::is_quiet(p, now),
    }
}

fn clock_error(field: Field) -> Error {
    Error::validation(format!("{}: HH:MM", field.as_str())).with_invalid(
        field,
        Rule::BadFormat {
            example: Some("22:00".into()),
        },
    )
}

/// Checks what a person sends as preferences.
pub fn parse_preferences(body: PreferencesBody) -> Result<Preferences> {
    let mut tools = BTreeMap::new();
    for (name, level) in body.tools {
        let tool = rules::TOOLS
            .iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| {
                Error::validation(format!(
                    "tools: {name:?} is not one of chat, polls, wikis, pads, video"
                ))
                .with_invalid(
                    Field::Tools,
                    Rule::NotOneOf {
                        allowed: ["chat", "polls", "wikis", "pads", "video"]
                            .map(String::from)
                            .to_vec(),
                    },
                )
            })?;
        tools.insert(tool.as_str(), level);
    }
    let dnd_until = match body.dnd_until.as_deref() {
        None | Some("") => None,
        Some(s) => {
            let t: jiff::Timestamp = s.parse().map_err(|_| {
                Error::validation("dnd_until: an RFC 3339 date and time").with_invalid(
                    Field::DndUntil,
                    Rule::BadFormat {
                        example: Some("2026-12-01T22:59:00Z".into()),
                    },
                )
            })?;
            Some(t.as_millisecond())
        }
    };
    let schedule = match body.schedule {
        None => None,
        Some(s) => {
            let start =
                rules::parse_clock(&s.start).ok_or_else(|| clock_error(Field::ScheduleStart))?;
            let end = rules::parse_clock(&s.end).ok_or_else(|| clock_error(Field::ScheduleEnd))?;
            if s.days.len() > 7 || s.days.iter().any(|d| *d > 6) {
                return Err(Error::validation("schedule.days: 0 (Monday) to 6 (Sunday)")
                    .with_invalid(Field::ScheduleDays, Rule::OutOfRange { min: 0, max: 6 }));
            }
            let mut days = s.days;
            days.sort_unstable();
            days.dedup();
            if s.zone.len() > 64 || jiff::tz::TimeZone::get(&s.zone).is_err() {
                return Err(
                    Error::validation("schedule.zone: an IANA time zone (Europe/Paris)")
                        .with_invalid(
                            Field::ScheduleZone,
                            Rule::BadFormat {
                                example: Some("Europe/Paris".into()),
                            },
                        ),
                );
            }
            Some(Schedule {
                start,
                end,
                days,
                zone: s.zone,
            })
        }
    };
    Ok(Preferences {
        tools,
        dnd_until,
        schedule,
    })
}

/// The handle the tools get: every call returns at once and the work runs on the lane.
impl Notifier for NotifyService {
    fn notify(&self, notices: Vec<Notice>) {
        if notices.is_empty() {
            return;
        }
        let me = self.clone();
        self.lane.spawn(async move {
            if let Err(e) = me.deliver(notices).await {
                tracing::warn!("notifications not delivered: {e}");
            }
        });
    }

    fn seen(&self, user_id: &str, scope: &str) {
        let (me, uid, sc) = (self.clone(), user_id.to_string(), scope.to_string());
        self.lane.spawn(async move {
            if let Err(e) = me.seen_scope(&uid, &sc).await {
                tracing::warn!("notifications not marked read: {e}");
            }
        });
    }

    fn cancel(&self, user_id: &str, scope: &str) {
        let (me, uid, sc) = (self.clone(), user_id.to_string(), scope.to_string());
        self.lane.spawn(async move {
            if let Err(e) = me.cancel_ring(&uid, &sc).await {
                tracing::warn!("ringing not stopped: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_are_checked() {
        let ok = parse_preferences(PreferencesBody {
            tools: [("chat".to_string(), Level::Mentions)].into(),
            dnd_until: Some("2030-01-01T00:00:00Z".into()),
            schedule: Some(ScheduleBody {
                start: "22:00".into(),
                end: "07:00".into(),
                days: vec![4, 0, 0],
                zone: "Europe/Paris".into(),
            }),
        })
        .expect("valid");
        assert_eq!(ok.level(nichoir_core::notify::Tool::Chat), Level::Mentions);
        assert_eq!(
            ok.schedule.as_ref().map(|s| s.days.clone()),
            Some(vec![0, 4])
        );
        let bad = |tools: Vec<(&str, Level)>, until: Option<&str>, zone: &str, start: &str| {
            parse_preferences(PreferencesBody {
                tools: tools.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                dnd_until: until.map(str::to_string),
                schedule: Some(ScheduleBody {
                    start: start.into(),
                    end: "07:00".into(),
                    days: vec![1],
                    zone: zone.into(),
                }),
            })
            .is_err()
        };
        assert!(bad(vec![("mail", Level::All)], None, "UTC", "22:00"));
        assert!(bad(vec![], Some("tomorrow"), "UTC", "22:00"));
        assert!(bad(vec![], None, "Nowhere/Town", "22:00"));
        assert!(bad(vec![], None, "UTC", "25:00"));
    }
}
