//! The realtime side of chat: `chat:<user id>`, one topic per user carrying every event of every
//! channel they are in. Only that user may follow it. Clients publish `catch_up`, `typing` and
//! `status`; the topic's connections count for the person's presence across the tools
//! (`nichoir_realtime::online`), and a new connection is told who of its teams is online now (one `presence_snapshot`).

use std::collections::BTreeMap;
use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::online::Status;
use nichoir_realtime::{Hub, Peer, TopicHandler};
use serde_json::Value;

use crate::api::{ChatClientFrame, ChatSignal, PageStatus};
use crate::service::ChatService;

pub struct ChatTopics {
    pub service: Arc<ChatService>,
}

/// Events per `events` message of a catch-up.
const CHUNK: usize = 200;

#[async_trait::async_trait]
impl TopicHandler for ChatTopics {
    async fn authorize(&self, actor: &Actor, topic: &str) -> Result<(), Error> {
        let user = actor
            .as_user()
            .ok_or_else(|| Error::forbidden("chat needs an account"))?;
        if topic.strip_prefix("chat:") != Some(user.id.as_str()) {
            return Err(Error::forbidden("you may only follow your own chat topic"));
        }
        Ok(())
    }

    async fn on_subscribe(
        &self,
        hub: &Hub,
        peer: &Peer,
        actor: &Actor,
        topic: &str,
    ) -> Result<(), Error> {
        self.service.online.join(actor.id(), peer.conn);
        // This connection learns who is online now, in one frame (later changes come as
        // `presence` events): a frame per person would fill its send queue in a team of
        // hundreds, and the client would be dropped as too slow on arrival.
        let mut statuses = BTreeMap::new();
        for other in self.service.team_peers(actor.id()).await? {
            let status = self.service.online.status(&other);
            if status != Status::Offline {
                statuses.insert(other, status.into());
            }
        }
        send(hub, peer, topic, &ChatSignal::PresenceSnapshot { statuses })?;
        Ok(())
    }

    fn on_leave(&self, _hub: &Hub, peer: &Peer, _topic: &str) {
        self.service.online.leave(&peer.id, peer.conn);
    }

    async fn on_publish(
        &self,
        hub: &Hub,
        from: &Peer,
        actor: &Actor,
        topic: &str,
        data: Value,
    ) -> Result<(), Error> {
        // A frame of the wrong shape is answered with an error frame (`bad_request`).
        let frame: ChatClientFrame = serde_json::from_value(data).map_err(|e| {
            Error::bad_request(format!("chat: publish catch_up, typing or status ({e})"))
        })?;
        match frame {
            ChatClientFrame::CatchUp { after } => {
                if after < 0 {
                    return Err(Error::bad_request(
                        "catch_up: after must be an event id (0 for none)",
                    ));
                }
                match self.service.catch_up(actor.id(), after).await? {
                    None => send(hub, from, topic, &ChatSignal::Resync)?,
                    Some((events, last)) => {
                        // The events are kept as their JSON text: spliced, not parsed and
                        // written again one by one.
                        for chunk in events.chunks(CHUNK) {
                            let list = format!("[{}]", chunk.join(","));
                            let text = format!("{{\"type\":\"events\",\"events\":{list}}}");
                            let value: Value =
                                serde_json::from_str(&text).map_err(Error::internal)?;
                            hub.send_event_to(from.conn, topic, &value);
                        }
                        send(hub, from, topic, &ChatSignal::CaughtUp { last })?;
                    }
                }
                Ok(())
            }
            ChatClientFrame::Typing {
                channel_id,
                root_id,
            } => self.service.typing(actor, &channel_id, root_id).await,
            ChatClientFrame::Status { status } => {
                let idle = status == PageStatus::Away;
                self.service.online.set_idle(actor.id(), from.conn, idle);
                Ok(())
            }
        }
    }
}

/// Sends one signal to one connection.
fn send(hub: &Hub, to: &Peer, topic: &str, signal: &ChatSignal) -> Result<(), Error> {
    let value = serde_json::to_value(signal).map_err(Error::internal)?;
    hub.send_event_to(to.conn, topic, &value);
    Ok(())
}
