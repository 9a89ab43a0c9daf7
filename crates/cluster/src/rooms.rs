//! Who owns which room: a lease per room in `cluster_leases` (`pad:<id>`…), taken by the first
//! node that needs a room nobody live holds, renewed every `RENEW` for `TTL` while the node
//! runs. A node acts as owner only while its lease is surely valid (renewed less than
//! `TTL - MARGIN` ago). Correctness does not rest on the clocks: a pad's revisions have one
//! row per number, so an owner that lost its lease without knowing (paused, cut off) fails on
//! its next write and forgets the pad (fencing by the data).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nichoir_core::Error;
use nichoir_realtime::bus::Rooms;
use nichoir_storage::Db;
use parking_lot::{Mutex, RwLock};

use crate::store;

pub(crate) const RENEW: Duration = Duration::from_secs(5);
const TTL: Duration = Duration::from_secs(15);
const MARGIN: Duration = Duration::from_secs(3);
/// How long another node's ownership is believed without asking again.
const KNOWN_FOR: Duration = Duration::from_secs(2);

type Lost = Arc<dyn Fn(&str) + Send + Sync>;

pub(crate) struct LeasedRooms {
    db: Db,
    name: String,
    index: u16,
    /// Rooms this node owns, with when its ownership stops being sure.
    owned: Mutex<HashMap<String, Instant>>,
    /// Other nodes' rooms, with when that was learnt.
    known: Mutex<HashMap<String, (u16, Instant)>>,
    lost: RwLock<Vec<Lost>>,
    /// Set when the node stops: it takes no room any more.
    draining: AtomicBool,
}

impl LeasedRooms {
    pub(crate) fn new(db: Db, name: String, index: u16) -> LeasedRooms {
        LeasedRooms {
            db,
            name,
            index,
            owned: Mutex::new(HashMap::new()),
            known: Mutex::new(HashMap::new()),
            lost: RwLock::new(Vec::new()),
            draining: AtomicBool::new(false),
        }
    }

    /// Renews every owned room's lease; the rooms lost meanwhile are forgotten and reported.
    pub(crate) async fn renew(&self) {
        let rooms: Vec<String> = self.owned.lock().keys().cloned().collect();
        if rooms.is_empty() {
            return;
        }
        let started = Instant::now();
        let (name, until) = (self.name.clone(), now_ms() + TTL.as_millis() as i64);
        let renewed = self
            .db
            .write(move |c| store::renew_leases(c, &name, &rooms, until))
            .await;
        let lost = match renewed {
            Ok(lost) => {
                let sure_until = started + TTL - MARGIN;
                let mut owned = self.owned.lock();
                for until in owned.values_mut() {
                    *until = sure_until;
                }
                for room in &lost {
                    owned.remove(room);
                }
                lost
            }
            Err(e) => {
                // Not renewed: ownership runs out by itself at its last sure time (below).
                tracing::warn!(error = %e, "room leases not renewed");
                Vec::new()
            }
        };
        let lost: Vec<String> = lost.into_iter().chain(self.expired()).collect();
        for room in &lost {
            tracing::warn!(room = %room, "room lease lost");
        }
        self.report_lost(&lost);
    }

    fn report_lost(&self, rooms: &[String]) {
        if rooms.is_empty() {
            return;
        }
        let handlers: Vec<Lost> = self.lost.read().clone();
        for room in rooms {
            for h in &handlers {
                h(room);
            }
        }
    }

    /// Owned rooms whose ownership is no longer sure, forgotten.
    fn expired(&self) -> Vec<String> {
        let now = Instant::now();
        let mut owned = self.owned.lock();
        let gone: Vec<String> = owned
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(r, _)| r.clone())
            .collect();
        for r in &gone {
            owned.remove(r);
        }
        gone
    }

    /// Hands every room over (the node stops): it takes no room any more, gives up those it
    /// holds, and tells the tools, which let go of their state (a pad's) or send their people
    /// to the room's next owner (a call's). The next node that needs a room takes it at once.
    pub(crate) async fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        let rooms = self.release_all().await;
        tracing::info!(rooms = rooms.len(), "rooms handed over");
        self.report_lost(&rooms);
    }

    /// Gives every room up; answers which.
    pub(crate) async fn release_all(&self) -> Vec<String> {
        let rooms: Vec<String> = self.owned.lock().drain().map(|(r, _)| r).collect();
        let released = rooms.clone();
        let name = self.name.clone();
        let _ = self
            .db
            .write(move |c| {
                for r in &rooms {
                    store::release_lease(c, r, &name)?;
                }
                Ok(())
            })
            .await;
        released
    }
}

#[async_trait::async_trait]
impl Rooms for LeasedRooms {
    async fn owner(&self, room: &str) -> Result<u16, Error> {
        let now = Instant::now();
        if self.owned.lock().get(room).is_some_and(|u| *u > now) {
            return Ok(self.index);
        }
        if let Some((node, at)) = self.known.lock().get(room) {
            if now.duration_since(*at) < KNOWN_FOR {
                return Ok(*node);
            }
        }
        let (r, name) = (room.to_string(), self.name.clone());
        if self.draining.load(Ordering::SeqCst) {
            // A stopping node takes no room: it says who holds it, if another node does.
            let holder = self
                .db
                .read(move |c| store::lease_holder(c, &r))
                .await?
                .filter(|n| *n != self.index);
            return holder.ok_or_else(|| {
                Error::new(
                    nichoir_core::ErrorCode::Unavailable,
                    "this server is stopping: try again in a moment",
                )
            });
        }
        let at = now_ms();
        let until = at + TTL.as_millis() as i64;
        let dead_before = at - crate::NODE_DEAD_MS;
        let (held, holder) = self
            .db
            .write(move |c| {
                let held = store::hold_lease(c, &r, &name, at, until, dead_before)?;
                let holder = if held {
                    None
                } else {
                    store::lease_holder(c, &r)?
                };
                Ok((held, holder))
            })
            .await?;
        if held {
            self.owned
                .lock()
                .insert(room.to_string(), now + TTL - MARGIN);
            self.known.lock().remove(room);
            return Ok(self.index);
        }
        let Some(node) = holder else {
            return Err(Error::new(
                nichoir_core::ErrorCode::Unavailable,
                "this room's owner is being chosen: try again",
            ));
        };
        let mut known = self.known.lock();
        if known.len() > 100_000 {
            known.clear();
        }
        known.insert(room.to_string(), (node, now));
        Ok(node)
    }

    fn forget(&self, room: &str) {
        // Owned or not, the database says next time (an owner fenced off by a newer one's
        // writes must not go on believing its lease).
        self.owned.lock().remove(room);
        self.known.lock().remove(room);
    }

    fn on_lost(&self, lost: Arc<dyn Fn(&str) + Send + Sync>) {
        self.lost.write().push(lost);
    }

    async fn holder(&self, room: &str) -> Result<Option<u16>, Error> {
        let now = Instant::now();
        if self.owned.lock().get(room).is_some_and(|u| *u > now) {
            return Ok(Some(self.index));
        }
        if let Some((node, at)) = self.known.lock().get(room) {
            if now.duration_since(*at) < KNOWN_FOR {
                return Ok(Some(*node));
            }
        }
        let r = room.to_string();
        Ok(self.db.read(move |c| store::lease_holder(c, &r)).await?)
    }
}

fn now_ms() -> i64 {
    nichoir_core::time::now_ms()
}
