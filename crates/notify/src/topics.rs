//! `notify:<user id>`: a person's bell. Only they may follow it; on joining they get the
//! unread count, then a frame per new notification, read change or cancelled call. Every page
//! holds it, so it is also where a page says its person is idle or back (`status`), and its
//! connections make the person online in every tool.

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::{Hub, Online, Peer, TopicHandler};

use crate::api::BellClientFrame;
use crate::model::Frame;
use crate::service::NotifyService;

pub struct NotifyTopics {
    pub service: NotifyService,
    pub online: Online,
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
        self.online.join(&user.id, peer.conn);
        let unread = self.service.unread(&user.id).await?;
        if let Ok(data) = serde_json::to_value(Frame::Read { unread }) {
            hub.send_event_to(peer.conn, topic, &data);
        }
        Ok(())
    }

    fn on_leave(&self, _hub: &Hub, peer: &Peer, _topic: &str) {
        self.online.leave(&peer.id, peer.conn);
    }

    /// The bell is the server's to speak on: a page only says whether its person is idle.
    async fn on_publish(
        &self,
        _hub: &Hub,
        from: &Peer,
        actor: &Actor,
        _topic: &str,
        data: serde_json::Value,
    ) -> Result<(), Error> {
        // The bell itself is the server's: a page only says whether its person is idle.
        let BellClientFrame::Status { status } = serde_json::from_value(data).map_err(|_| {
            Error::bad_request(r#"notifications are read-only; a page may say {"type":"status","status":"online"|"away"}"#)
        })?;
        self.online.page_said(actor.id(), from.conn, status);
        Ok(())
    }
}
