//! Whether a person is online, away or offline across every tool, not only the one that shows
//! it. Each open page holds a connection to one of the person's own topics (the bell's
//! `notify:<id>` on every page, `chat:<id>` in chat): connected means a member of one of them on
//! any node (the hub's member lists, repaired by the cluster's heartbeat). A page says when its
//! person went idle; they are away when every page that spoke says so, online as soon as one is
//! active again. Changes are told once, by the node where they happened; other nodes learn each
//! node's verdict through a signal so that their own changes are judged against the whole.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use nichoir_core::notify::PageStatus;
use parking_lot::{Mutex, RwLock};

use crate::hub::{ConnId, Hub};

/// How long after a person's last page closed they are said offline: a reload or a network
/// hiccup reconnects within it, without an offline-online flicker for the others.
pub const OFFLINE_GRACE: Duration = Duration::from_secs(3);

const SIGNAL: &str = "online";

nichoir_core::text_enum!(
    /// A person's presence, as told to others.
    Status { Online = "online", Away = "away", Offline = "offline" }
);

/// What is done with a person's new status (told once per change, on the node where it happened).
pub type ChangeHandler = Arc<dyn Fn(&str, Status) + Send + Sync>;

/// The verdict from what is known: `connected` anywhere; this node's pages (idle or not); the
/// other nodes' verdicts. A page that never spoke counts as active, and so does a connection
/// whose node's verdict was not heard (a node started later, a lost signal): better online
/// than a wrong away.
pub fn judge<'a>(
    connected: bool,
    local: impl IntoIterator<Item = &'a bool>,
    remote: impl IntoIterator<Item = &'a Status>,
) -> Status {
    if !connected {
        return Status::Offline;
    }
    let mut heard = false;
    for idle in local {
        if !idle {
            return Status::Online;
        }
        heard = true;
    }
    for s in remote {
        match s {
            Status::Online => return Status::Online,
            Status::Away => heard = true,
            Status::Offline => {}
        }
    }
    if heard {
        Status::Away
    } else {
        Status::Online
    }
}

/// One of this node's connections of a person.
#[derive(Default)]
struct Page {
    /// How many of the person's topics it holds (one connection may hold several).
    topics: u32,
    idle: bool,
}

#[derive(Default)]
struct Person {
    /// This node's connections.
    conns: HashMap<ConnId, Page>,
    /// The other nodes' verdicts.
    remote: HashMap<u16, Status>,
    /// What was last told or learned of this person.
    told: Option<Status>,
    /// This node's own verdict as last signalled.
    signalled: Option<Status>,
}

impl Person {
    fn idles(&self) -> impl Iterator<Item = &bool> {
        self.conns.values().map(|c| &c.idle)
    }

    /// Nothing left to know of them here: no page on this node, no other node's verdict.
    fn gone(&self) -> bool {
        self.conns.is_empty() && self.remote.is_empty()
    }
}

struct Inner {
    hub: Hub,
    prefixes: Vec<String>,
    people: Mutex<HashMap<String, Person>>,
    handlers: RwLock<Vec<ChangeHandler>>,
    grace: Duration,
}

#[derive(Clone)]
pub struct Online {
    inner: Arc<Inner>,
}

impl Online {
    /// `prefixes`: the topics (`chat`, `notify`) that are a person's own and open on their pages.
    pub fn new(hub: &Hub, prefixes: &[&str], grace: Duration) -> Online {
        let online = Online {
            inner: Arc::new(Inner {
                hub: hub.clone(),
                prefixes: prefixes.iter().map(|p| format!("{p}:")).collect(),
                people: Mutex::new(HashMap::new()),
                handlers: RwLock::new(Vec::new()),
                grace,
            }),
        };
        let me = online.clone();
        hub.on_signal(SIGNAL, Arc::new(move |value| me.heard(value)));
        let me = online.clone();
        hub.on_node_gone(Arc::new(move |node| me.node_gone(node)));
        online
    }

    pub fn on_change(&self, handler: ChangeHandler) {
        self.inner.handlers.write().push(handler);
    }

    /// A connection of `user` joined one of their own topics.
    pub fn join(&self, user: &str, conn: ConnId) {
        {
            let mut people = self.inner.people.lock();
            let entry = people.entry(user.to_string()).or_default();
            entry.conns.entry(conn).or_default().topics += 1;
        }
        self.changed(user);
    }

    /// A connection of `user` left one of their own topics (or closed).
    pub fn leave(&self, user: &str, conn: ConnId) {
        {
            let mut people = self.inner.people.lock();
            if let Some(p) = people.get_mut(user) {
                if let Some(c) = p.conns.get_mut(&conn) {
                    c.topics = c.topics.saturating_sub(1);
                    if c.topics == 0 {
                        p.conns.remove(&conn);
                    }
                }
            }
        }
        self.changed(user);
    }

    /// What a page of `user` said on one of their own topics: whether its person is idle.
    pub fn page_said(&self, user: &str, conn: ConnId, status: PageStatus) {
        self.set_idle(user, conn, status == PageStatus::Away);
    }

    /// A page of `user` says whether its person is idle. Ignored for a connection that holds
    /// none of their topics.
    pub fn set_idle(&self, user: &str, conn: ConnId, idle: bool) {
        {
            let mut people = self.inner.people.lock();
            let Some(c) = people.get_mut(user).and_then(|p| p.conns.get_mut(&conn)) else {
                return;
            };
            if c.idle == idle {
                return;
            }
            c.idle = idle;
        }
        self.changed(user);
    }

    /// The person's status as the whole cluster knows it.
    pub fn status(&self, user: &str) -> Status {
        let connected = self.connected(user);
        let people = self.inner.people.lock();
        match people.get(user) {
            Some(p) => judge(connected, p.idles(), p.remote.values()),
            None => judge(connected, [], []),
        }
    }

    fn connected(&self, user: &str) -> bool {
        self.inner
            .prefixes
            .iter()
            .any(|p| self.inner.hub.member_count(&format!("{p}{user}")) > 0)
    }

    /// After a change on this node: the other nodes learn this node's verdict, and a new status
    /// is told (offline only after the grace, if still so).
    fn changed(&self, user: &str) {
        let status = self.status(user);
        let (signal, tell) = {
            let mut people = self.inner.people.lock();
            let p = people.entry(user.to_string()).or_default();
            let local = judge(!p.conns.is_empty(), p.idles(), []);
            let signal = (p.signalled != Some(local)).then(|| {
                p.signalled = Some(local);
                local
            });
            let tell = p.told != Some(status) && status != Status::Offline;
            if tell {
                p.told = Some(status);
            }
            (signal, tell)
        };
        if let Some(local) = signal {
            if let Some(node) = self.inner.hub.node() {
                // With what this node makes of the whole: an offline it sees is its to tell.
                self.inner.hub.signal(
                    SIGNAL,
                    &format!("{node} {} {} {user}", local.as_str(), status.as_str()),
                );
            }
        }
        if tell {
            self.tell(user, status);
        } else if status == Status::Offline {
            self.offline_soon(user);
        }
    }

    fn offline_soon(&self, user: &str) {
        let (me, user) = (self.clone(), user.to_string());
        tokio::spawn(async move {
            tokio::time::sleep(me.inner.grace).await;
            me.offline_after_grace(&user);
        });
    }

    fn offline_after_grace(&self, user: &str) {
        if self.status(user) != Status::Offline {
            return;
        }
        let tell = {
            let mut people = self.inner.people.lock();
            let was = people.get(user).and_then(|p| p.told);
            // Forget who is gone, unless another node still has their verdict.
            if people.get(user).is_some_and(Person::gone) {
                people.remove(user);
            } else if let Some(p) = people.get_mut(user) {
                p.told = Some(Status::Offline);
            }
            was.is_some_and(|s| s != Status::Offline)
        };
        if tell {
            self.tell(user, Status::Offline);
        }
    }

    fn tell(&self, user: &str, status: Status) {
        let handlers = self.inner.handlers.read().clone();
        for h in handlers {
            h(user, status);
        }
    }

    /// Another node's verdict: `<node> <its pages> <the whole as it saw it> <user>`.
    fn heard(&self, value: &str) {
        let mut parts = value.splitn(4, ' ');
        let (Some(node), Some(local), Some(whole), Some(user)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        let (Ok(node), Some(local), Some(whole)) = (
            node.parse::<u16>(),
            Status::parse(local),
            Status::parse(whole),
        ) else {
            return;
        };
        {
            let mut people = self.inner.people.lock();
            let p = people.entry(user.to_string()).or_default();
            if local == Status::Offline {
                p.remote.remove(&node);
            } else {
                p.remote.insert(node, local);
            }
        }
        let now = self.status(user);
        // The node where it happened told it, unless it still saw a page elsewhere that is
        // gone by now (two last pages closing at once on two nodes): then the offline is ours.
        let ours = now == Status::Offline && whole != Status::Offline;
        {
            let mut people = self.inner.people.lock();
            if let Some(p) = people.get_mut(user) {
                if !ours {
                    p.told = Some(now);
                }
                if now == Status::Offline && !ours && p.gone() {
                    people.remove(user);
                }
            }
        }
        if ours {
            self.offline_soon(user);
        }
    }

    /// A node is gone: its verdicts with it; the people it held may have changed.
    fn node_gone(&self, node: u16) {
        let users: Vec<String> = {
            let mut people = self.inner.people.lock();
            people
                .iter_mut()
                .filter_map(|(u, p)| p.remote.remove(&node).map(|_| u.clone()))
                .collect()
        };
        for user in users {
            self.changed(&user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict() {
        use Status::*;
        assert_eq!(judge(false, &[false], &[Online]), Offline);
        // Connected but nobody spoke (another node, not heard): online.
        assert_eq!(judge(true, &[], &[]), Online);
        assert_eq!(judge(true, &[true, true], &[]), Away);
        assert_eq!(judge(true, &[true, false], &[]), Online);
        assert_eq!(judge(true, &[true], &[Online]), Online);
        assert_eq!(judge(true, &[], &[Away, Offline]), Away);
        assert_eq!(judge(true, &[], &[Offline]), Online);
    }

    use crate::hub::tests::{cluster, join, peer, user};

    fn recorder(online: &Online) -> Arc<Mutex<Vec<(String, Status)>>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        online.on_change(Arc::new(move |u, st| s.lock().push((u.to_string(), st))));
        seen
    }

    /// A page of Ann's on `hub`: a connection that joined `topic` and was told to `online`
    /// (kept by the caller: its queue lives as long as it).
    fn open(hub: &Hub, online: &Online, topic: &str) -> crate::hub::Registered {
        let r = hub.connect(&user("ann"));
        join(hub, topic, peer(r.id, "ann"), r.sender.clone());
        online.join("ann", r.id);
        r
    }

    const GRACE: Duration = Duration::from_millis(30);

    #[tokio::test]
    async fn away_when_every_page_is_idle_offline_after_the_last() {
        let hub = Hub::new(Default::default());
        let online = Online::new(&hub, &["chat", "notify"], GRACE);
        let seen = recorder(&online);
        // A chat page and a pad page (the bell's topic) of the same person.
        let (chat, pad) = (
            open(&hub, &online, "chat:ann"),
            open(&hub, &online, "notify:ann"),
        );
        online.set_idle("ann", chat.id, true);
        assert_eq!(
            online.status("ann"),
            Status::Online,
            "the pad page is active"
        );
        online.set_idle("ann", pad.id, true);
        assert_eq!(online.status("ann"), Status::Away);
        online.set_idle("ann", pad.id, false);
        online.set_idle("ann", chat.id, false);
        hub.disconnect(pad.id);
        online.leave("ann", pad.id);
        // A page that closes and comes back within the grace is not an offline.
        hub.disconnect(chat.id);
        online.leave("ann", chat.id);
        let again = open(&hub, &online, "notify:ann");
        tokio::time::sleep(GRACE * 2).await;
        hub.disconnect(again.id);
        online.leave("ann", again.id);
        assert_eq!(online.status("ann"), Status::Offline);
        tokio::time::sleep(GRACE * 2).await;
        let told: Vec<Status> = seen.lock().iter().map(|(_, s)| *s).collect();
        assert_eq!(
            told,
            [
                Status::Online,
                Status::Away,
                Status::Online,
                Status::Offline
            ]
        );
        assert!(
            online.inner.people.lock().is_empty(),
            "nothing kept of who left"
        );
    }

    #[tokio::test]
    async fn two_nodes_judge_together_and_tell_once() {
        let (_wire, hubs) = cluster(2);
        let (a, b) = (
            Online::new(&hubs[0], &["notify"], GRACE),
            Online::new(&hubs[1], &["notify"], GRACE),
        );
        let (seen_a, seen_b) = (recorder(&a), recorder(&b));
        let (ca, cb) = (
            open(&hubs[0], &a, "notify:ann"),
            open(&hubs[1], &b, "notify:ann"),
        );
        // Idle on node 2 while active on node 1: still online, as both nodes see it.
        b.set_idle("ann", cb.id, true);
        assert_eq!(
            (a.status("ann"), b.status("ann")),
            (Status::Online, Status::Online)
        );
        a.set_idle("ann", ca.id, true);
        assert_eq!(
            (a.status("ann"), b.status("ann")),
            (Status::Away, Status::Away)
        );
        hubs[0].disconnect(ca.id);
        a.leave("ann", ca.id);
        assert_eq!(b.status("ann"), Status::Away, "node 2's page is still idle");
        hubs[1].disconnect(cb.id);
        b.leave("ann", cb.id);
        tokio::time::sleep(GRACE * 2).await;
        assert_eq!(
            (a.status("ann"), b.status("ann")),
            (Status::Offline, Status::Offline)
        );
        let a_told: Vec<Status> = seen_a.lock().iter().map(|(_, s)| *s).collect();
        let b_told: Vec<Status> = seen_b.lock().iter().map(|(_, s)| *s).collect();
        // Node 1 told Ann online and then away; node 2 only the last offline.
        assert_eq!(a_told, [Status::Online, Status::Away]);
        assert_eq!(b_told, [Status::Offline]);
    }
}
