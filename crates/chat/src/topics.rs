//! The realtime side of chat: `chat:<user id>`, one topic per user carrying every event of every
//! channel they are in. Only that user may follow it. Clients publish `catch_up`, `typing` and
//! `status`; the topic's connections count for the person's presence across the tools
//! (`nichoir_realtime::online`), and a new connection is told who of its teams is online now (one `presence_snapshot`).

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::online::Status;
use nichoir_realtime::{Hub, Peer, TopicHandler};
use serde_json::{json, Value};

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
        let mut statuses = serde_json::Map::new();
        for other in self.service.team_peers(actor.id()).await? {
            let status = self.service.online.status(&other);
            if status != Status::Offline {
                statuses.insert(other, status.as_str().into());
            }
        }
        hub.send_event_to(
            peer.conn,
            topic,
            &json!({"type": "presence_snapshot", "statuses": statuses}),
        );
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
        match data["type"].as_str() {
            Some("catch_up") => {
                let after = data["after"].as_i64().filter(|a| *a >= 0).ok_or_else(|| {
                    Error::bad_request("catch_up: after must be an event id (0 for none)")
                })?;
                match self.service.catch_up(actor.id(), after).await? {
                    None => {
                        hub.send_event_to(from.conn, topic, &json!({"type": "resync"}));
                    }
                    Some((events, last)) => {
                        for chunk in events.chunks(CHUNK) {
                            let list = format!("[{}]", chunk.join(","));
                            let text = format!("{{\"type\":\"events\",\"events\":{list}}}");
                            let value: Value =
                                serde_json::from_str(&text).map_err(Error::internal)?;
                            hub.send_event_to(from.conn, topic, &value);
                        }
                        hub.send_event_to(
                            from.conn,
                            topic,
                            &json!({"type": "caught_up", "last": last}),
                        );
                    }
                }
                Ok(())
            }
            Some("typing") => {
                let channel = data["channel_id"]
                    .as_str()
                    .ok_or_else(|| Error::bad_request("typing: channel_id"))?;
                self.service
                    .typing(actor, channel, data["root_id"].as_i64())
                    .await
            }
            Some("status") => self.service.online.page_said(actor.id(), from.conn, &data),
            _ => Err(Error::bad_request(
                "chat: publish catch_up, typing or status",
            )),
        }
    }
}
