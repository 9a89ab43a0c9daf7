//! `notify:<user id>`: a person's bell. Only they may follow it; on joining they get the
//! unread count, then a frame per new notification, read change or cancelled call.

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::{Hub, Peer, TopicHandler};

use crate::model::Frame;
use crate::service::NotifyService;

pub struct NotifyTopics {
    pub service: NotifyService,
}

#[async_trait::async_trait]
impl TopicHandler for NotifyTopics {
    async fn authorize(&self, actor: &Actor, topic: &str) -> Result<(), Error> {
        let user = actor
            .as_user()
            .ok_or_else(|| Error::forbidden("notifications need an account"))?;
        if topic.strip_prefix("notify:") != Some(user.id.as_str()) {
            return Err(Error::forbidden(
                "you may only follow your own notifications",
            ));
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
        let Some(user) = actor.as_user() else {
            return Ok(());
        };
        let unread = self.service.unread(&user.id).await?;
        if let Ok(data) = serde_json::to_value(Frame::Read { unread }) {
            hub.send_event_to(peer.conn, topic, &data);
        }
        Ok(())
    }

    /// The bell is the server's to speak on: nothing a client publishes is relayed.
    async fn on_publish(
        &self,
        _hub: &Hub,
        _from: &Peer,
        _actor: &Actor,
        _topic: &str,
        _data: serde_json::Value,
    ) -> Result<(), Error> {
        Err(Error::forbidden("notifications are read-only"))
    }
}
