//! Chat events across the nodes of a cluster. Alone, a node pushes each event to its
//! recipients as soon as it is committed. In a cluster, two nodes committing at once would
//! push in different orders; instead every node (the writer too) reads the events from the
//! database after the last one it pushed, in id order, and pushes them to its own members:
//! every socket sees every event once and in the same order, whichever node it is on. Ids
//! are drawn under a transaction lock on PostgreSQL (`store::insert_event`), so an event is
//! never visible before the ones below it are committed or rolled back, and "after the last
//! one" misses nothing. A node that commits events wakes its relay and signals the others';
//! a lost signal (the bus is at most once) is made up for by a read every `POLL`.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::service::{with_id, ChatService};
use crate::store;

/// The name of the bus signal: "there are new events in the database".
pub(crate) const SIGNAL: &str = "chat.events";
/// Events read at once.
const BATCH: i64 = 1_000;
/// Read even without a signal this often.
const POLL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Relay {
    wake: Notify,
}

impl Relay {
    /// Events were committed (here or on another node): read them.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Starts the relay of a node of a cluster; returns it for the service to wake.
pub(crate) fn start(service: &Arc<ChatService>) -> Arc<Relay> {
    let relay = Arc::new(Relay::default());
    let woken = relay.clone();
    service
        .hub()
        .on_signal(SIGNAL, Arc::new(move |_: &str| woken.wake()));
    let weak = Arc::downgrade(service);
    let r = relay.clone();
    tokio::spawn(async move { run(weak, r).await });
    relay
}

async fn run(service: Weak<ChatService>, relay: Arc<Relay>) {
    // Events before the node started had no socket here to reach.
    let mut last = match service.upgrade() {
        Some(s) => s.db.read(store::last_event).await.unwrap_or(0),
        None => return,
    };
    loop {
        let _ = tokio::time::timeout(POLL, relay.wake.notified()).await;
        // The service is gone: the server stopped.
        let Some(s) = service.upgrade() else {
            return;
        };
        loop {
            let after = last;
            let read =
                s.db.read(move |c| {
                    let events = store::events_since(c, after, BATCH)?;
                    let mut members: HashMap<String, Vec<String>> = HashMap::new();
                    for e in &events {
                        if let (Some(ch), None) = (&e.channel_id, &e.user_id) {
                            if !members.contains_key(ch) {
                                members.insert(ch.clone(), store::member_ids(c, ch)?);
                            }
                        }
                    }
                    Ok((events, members))
                })
                .await;
            let (events, members) = match read {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "chat relay: events not read, trying again");
                    break;
                }
            };
            let full = events.len() as i64 == BATCH;
            for e in events {
                let to: Vec<String> = match (&e.channel_id, &e.user_id) {
                    (_, Some(u)) => vec![crate::service::topic(u)],
                    (Some(ch), None) => members
                        .get(ch)
                        .map(|m| m.iter().map(|u| crate::service::topic(u)).collect())
                        .unwrap_or_default(),
                    (None, None) => Vec::new(),
                };
                s.hub()
                    .deliver_json_local(to.iter().map(String::as_str), &with_id(e.id, &e.payload));
                last = e.id;
            }
            if !full {
                break;
            }
        }
    }
}
