//! What a new message tells whom (the bell, push): a direct message its other members, a
//! mention those it names, a reply the thread's followers, any message those who asked for every
//! one in the channel; nothing to whoever muted the channel. One notice per person, the most
//! personal reason winning.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nichoir_core::notify::{excerpt, Kind, Notice};
use parking_lot::Mutex;

use crate::model::MemberRow;
use crate::service::ChatService;
use crate::store::{self, NoticeTargets};

/// A member's level in a channel, as the API names it.
pub fn level_of(m: &MemberRow) -> &'static str {
    if m.muted {
        "none"
    } else if m.notify_all {
        "all"
    } else {
        "mentions"
    }
}

/// How long a channel is taken as quiet without reading it again: a member who asks for every
/// message on another node is heard within this time.
const QUIET_FOR: Duration = Duration::from_secs(10);

/// Channels where a plain message (no mention, not a reply) notifies nobody.
#[derive(Clone, Default)]
pub struct QuietChannels(Arc<Mutex<HashMap<String, Instant>>>);

impl QuietChannels {
    fn is_quiet(&self, channel_id: &str) -> bool {
        self.0
            .lock()
            .get(channel_id)
            .is_some_and(|at| at.elapsed() < QUIET_FOR)
    }

    fn note(&self, channel_id: &str, quiet: bool) {
        let mut map = self.0.lock();
        if quiet {
            if map.len() > 50_000 {
                map.clear();
            }
            map.insert(channel_id.to_string(), Instant::now());
        } else {
            map.remove(channel_id);
        }
    }

    pub fn forget(&self, channel_id: &str) {
        self.0.lock().remove(channel_id);
    }
}

/// The scope of a channel's notices: opening the channel marks them read.
pub fn scope(channel_id: &str) -> String {
    format!("chat:{channel_id}")
}

/// The facts of one new message.
pub struct Posted<'a> {
    pub post_id: i64,
    pub channel_id: &'a str,
    pub author_id: &'a str,
    pub author_name: &'a str,
    pub text: &'a str,
    pub mentioned: &'a [String],
    pub is_reply: bool,
}

/// The notices of `p`, given who is where (`t`); `team_of` names the team a direct message's
/// recipient opens it in.
pub fn notices(
    p: &Posted<'_>,
    t: &NoticeTargets,
    team_of: impl Fn(&str) -> Option<String>,
) -> Vec<Notice> {
    let direct = t.kind == "direct" || t.kind == "group";
    // The most personal reason first; a `@channel` lists every member, so the ones already
    // picked are a set (a list made this quadratic: half a million comparisons).
    let direct_to = t
        .direct
        .iter()
        .filter(|_| direct)
        .map(|u| (u, Kind::Direct));
    let replied = t
        .followers
        .iter()
        .filter(|_| p.is_reply)
        .map(|u| (u, Kind::Reply));
    let reasons = direct_to
        .chain(p.mentioned.iter().map(|u| (u, Kind::Mention)))
        .chain(replied)
        .chain(t.every.iter().map(|u| (u, Kind::Message)));
    let muted: HashSet<&str> = t.muted.iter().map(String::as_str).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut picked: Vec<(String, Kind)> = Vec::new();
    for (u, k) in reasons {
        if u != p.author_id && !muted.contains(u.as_str()) && seen.insert(u.as_str()) {
            picked.push((u.clone(), k));
        }
    }
    let title = if direct {
        p.author_name.to_string()
    } else {
        format!("{} · ~{}", p.author_name, t.channel_display)
    };
    let body = if p.text.trim().is_empty() {
        "📎".to_string()
    } else {
        excerpt(&nichoir_core::markdown::to_plain(p.text))
    };
    picked
        .into_iter()
        .map(|(user_id, kind)| {
            let team = t.team.clone().or_else(|| team_of(&user_id));
            let url = match team {
                Some(team) => format!("/chat/{team}/pl/{}", p.post_id),
                None => "/chat".to_string(),
            };
            Notice {
                user_id,
                kind,
                scope: scope(p.channel_id),
                title: title.clone(),
                body: body.clone(),
                url,
                actor_id: Some(p.author_id.to_string()),
            }
        })
        .collect()
}

impl ChatService {
    /// Tells those who should hear of a new message, after it is stored; never delays it. With
    /// `mentions_only` (an edit), only the `mentioned`: the message itself is not new.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn notify_posted(
        &self,
        post_id: i64,
        channel_id: &str,
        root_id: Option<i64>,
        author: (&str, &str),
        text: &str,
        mentioned: Vec<String>,
        mentions_only: bool,
    ) {
        if mentioned.is_empty()
            && (mentions_only || (root_id.is_none() && self.quiet_channels.is_quiet(channel_id)))
        {
            return;
        }
        let (db, notifier, quiet) = (
            self.db.clone(),
            self.notifier.clone(),
            self.quiet_channels.clone(),
        );
        let (cid, aid, aname, text) = (
            channel_id.to_string(),
            author.0.to_string(),
            author.1.to_string(),
            text.to_string(),
        );
        tokio::spawn(async move {
            let (c2, a2) = (cid.clone(), aid.clone());
            let read = db
                .read(move |c| {
                    let Some(t) = store::notice_targets(c, &c2, &a2, root_id)? else {
                        return Ok(None);
                    };
                    // Direct messages have no team: each recipient opens them in their first.
                    let mut teams = std::collections::HashMap::new();
                    if t.team.is_none() {
                        for u in &t.direct {
                            if let Some(team) = store::first_team(c, u)? {
                                teams.insert(u.clone(), team);
                            }
                        }
                    }
                    Ok(Some((t, teams)))
                })
                .await;
            let (mut t, teams) = match read {
                Ok(Some(x)) => x,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!("chat notices not sent: {e}");
                    return;
                }
            };
            quiet.note(
                &cid,
                t.kind != "direct" && t.kind != "group" && t.every.is_empty(),
            );
            if mentions_only {
                t.direct.clear();
                t.every.clear();
            }
            let posted = Posted {
                post_id,
                channel_id: &cid,
                author_id: &aid,
                author_name: &aname,
                text: &text,
                mentioned: &mentioned,
                is_reply: root_id.is_some(),
            };
            notifier.notify(notices(&posted, &t, |u| teams.get(u).cloned()));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(kind: &str) -> NoticeTargets {
        NoticeTargets {
            kind: kind.into(),
            channel_display: "General".into(),
            team: (kind == "open").then(|| "club".to_string()),
            ..Default::default()
        }
    }

    fn posted<'a>(mentioned: &'a [String], is_reply: bool) -> Posted<'a> {
        Posted {
            post_id: 7,
            channel_id: "ch1",
            author_id: "alice",
            author_name: "Alice",
            text: "hello\n@bob",
            mentioned,
            is_reply,
        }
    }

    fn who(n: &[Notice]) -> Vec<(&str, Kind)> {
        n.iter().map(|n| (n.user_id.as_str(), n.kind)).collect()
    }

    #[test]
    fn a_mention_in_a_channel_tells_the_named_once_with_a_permalink() {
        let mentioned = vec!["bob".to_string(), "bob".to_string(), "alice".to_string()];
        let n = notices(&posted(&mentioned, false), &targets("open"), |_| None);
        assert_eq!(who(&n), vec![("bob", Kind::Mention)]);
        assert_eq!(n[0].url, "/chat/club/pl/7");
        assert_eq!(n[0].title, "Alice · ~General");
        assert_eq!(n[0].body, "hello @bob");
        assert_eq!(n[0].scope, "chat:ch1");
    }

    #[test]
    fn muted_members_hear_nothing_and_the_most_personal_reason_wins() {
        let mut t = targets("open");
        t.muted = vec!["carol".into()];
        t.every = vec!["dave".into(), "bob".into()];
        t.followers = vec!["bob".into(), "erin".into(), "carol".into()];
        let mentioned = vec!["bob".to_string(), "carol".to_string()];
        let n = notices(&posted(&mentioned, true), &t, |_| None);
        assert_eq!(
            who(&n),
            vec![
                ("bob", Kind::Mention),
                ("erin", Kind::Reply),
                ("dave", Kind::Message)
            ]
        );
    }

    proptest::proptest! {
        /// Whoever is named by several reasons, and however many: one notice each, for the
        /// first reason that names them (direct, mention, reply, every message), in that order;
        /// never the author, never the muted.
        #[test]
        fn each_person_hears_once_for_the_most_personal_reason(
            kind in proptest::sample::select(vec!["open", "direct"]),
            direct in proptest::collection::vec(0u8..12, 0..8),
            mentioned in proptest::collection::vec(0u8..12, 0..8),
            followers in proptest::collection::vec(0u8..12, 0..8),
            every in proptest::collection::vec(0u8..12, 0..8),
            muted in proptest::collection::vec(0u8..12, 0..3),
            is_reply in proptest::bool::ANY,
        ) {
            let names = |v: &[u8]| v.iter().map(|i| format!("u{i}")).collect::<Vec<_>>();
            let mut t = targets(kind);
            t.direct = names(&direct);
            t.followers = names(&followers);
            t.every = names(&every);
            t.muted = names(&muted);
            let mentioned = names(&mentioned);
            let mut p = posted(&mentioned, is_reply);
            p.author_id = "u0";
            let got: Vec<(String, Kind)> = notices(&p, &t, |_| None)
                .into_iter()
                .map(|n| (n.user_id, n.kind))
                .collect();
            // The plain way: a list searched from the start.
            let mut want: Vec<(String, Kind)> = Vec::new();
            let is_direct = kind == "direct";
            let reasons = [
                (if is_direct { t.direct.clone() } else { Vec::new() }, Kind::Direct),
                (mentioned.clone(), Kind::Mention),
                (if is_reply { t.followers.clone() } else { Vec::new() }, Kind::Reply),
                (t.every.clone(), Kind::Message),
            ];
            for (people, k) in reasons {
                for u in people {
                    if u != "u0" && !t.muted.contains(&u) && !want.iter().any(|(x, _)| *x == u) {
                        want.push((u, k));
                    }
                }
            }
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn a_channel_wide_mention_of_thousands_tells_each_once() {
        let members: Vec<String> = (0..3000).map(|i| format!("m{i}")).collect();
        let mut t = targets("open");
        // Those who asked for every message are members too: named twice, told once.
        t.every = members[..1500].to_vec();
        t.muted = vec!["m7".into()];
        let mut p = posted(&members, false);
        p.author_id = "m0";
        let n = notices(&p, &t, |_| None);
        assert_eq!(n.len(), 2998);
        assert!(n.iter().all(|n| n.kind == Kind::Mention));
        assert!(!n.iter().any(|n| n.user_id == "m0" || n.user_id == "m7"));
    }

    #[test]
    fn a_direct_message_opens_in_the_recipients_team() {
        let mut t = targets("direct");
        t.direct = vec!["bob".into()];
        let n = notices(&posted(&[], false), &t, |u| {
            (u == "bob").then(|| "asso".into())
        });
        assert_eq!(who(&n), vec![("bob", Kind::Direct)]);
        assert_eq!(n[0].url, "/chat/asso/pl/7");
        assert_eq!(n[0].title, "Alice");
    }
}
