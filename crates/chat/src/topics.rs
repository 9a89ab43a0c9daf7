//! The realtime side of chat: `chat:<user id>`, one topic per user carrying every event of every
//! channel they are in. Only that user may follow it. Clients publish `catch_up`, `typing` and
//! `status`; presence follows the topic's connections: online with the first, offline a few
//! seconds after the last is gone (a reload comes back within them), and a new connection is told
//! who of its teams is online now.

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::{Hub, Peer, TopicHandler};
use serde_json::{json, Value};

use crate::service::ChatService;

pub struct ChatTopics {
    pub service: Arc<ChatService>,
}

/// Events per `events` message of a catch-up.
const CHUNK: usize = 200;

/// How long after a user's last connection closed they are said offline: a reload or a network
/// hiccup reconnects within it, without an offline-online flicker for the others.
pub const OFFLINE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

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
        let peers = self.service.team_peers(actor.id()).await?;
        // The first connection of this user makes them online for the others.
        if hub.members(topic).len() == 1 {
            self.service.presence_to(&peers, actor.id(), "online");
        }
        // And this connection learns who is online now (later changes come as events).
        for other in peers {
            if !hub.members(&crate::service::topic(&other)).is_empty() {
                hub.send_event_to(
                    peer.conn,
                    topic,
                    &json!({"type": "presence", "user_id": other, "status": self.service.connected_status(&other)}),
                );
            }
        }
        Ok(())
    }

    fn on_leave(&self, hub: &Hub, _peer: &Peer, topic: &str) {
        if !hub.members(topic).is_empty() {
            return;
        }
        let Some(user_id) = topic.strip_prefix("chat:").map(str::to_string) else {
            return;
        };
        let (hub, service, topic) = (hub.clone(), self.service.clone(), topic.to_string());
        tokio::spawn(async move {
            tokio::time::sleep(OFFLINE_GRACE).await;
            if hub.members(&topic).is_empty() {
                if let Err(e) = service.presence(&user_id, "offline").await {
                    tracing::warn!(error = %e.message, "offline presence not sent");
                }
            }
        });
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
            Some("status") => match data["status"].as_str() {
                Some(s @ ("online" | "away")) => self.service.presence(actor.id(), s).await,
                _ => Err(Error::bad_request("status: online or away")),
            },
            _ => Err(Error::bad_request(
                "chat: publish catch_up, typing or status",
            )),
        }
    }
}
