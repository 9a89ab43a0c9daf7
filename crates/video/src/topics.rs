//! The realtime side of video: `video:{room}` carries a call's signalling (docs/video-api.md).
//! Frames are checked here, then handled on the SFU's runtime; a refused frame gets an `error`
//! event on the topic and changes nothing.

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::{Hub, Peer, TopicHandler};
use serde_json::{json, Value};

use crate::service::VideoService;
use crate::signal::ClientFrame;

pub struct VideoTopics {
    pub service: Arc<VideoService>,
}

fn room_of(topic: &str) -> &str {
    topic.strip_prefix("video:").unwrap_or("")
}

#[async_trait::async_trait]
impl TopicHandler for VideoTopics {
    async fn authorize(&self, actor: &Actor, topic: &str) -> Result<(), Error> {
        self.service
            .get(room_of(topic), Some(actor))
            .await
            .map(|_| ())
            .map_err(Error::from)
    }

    async fn on_subscribe(
        &self,
        hub: &Hub,
        peer: &Peer,
        actor: &Actor,
        topic: &str,
    ) -> Result<(), Error> {
        let frame = self
            .service
            .room_frame_for(room_of(topic), actor.id(), peer.conn)
            .await?;
        hub.send_event_to(peer.conn, topic, &frame);
        Ok(())
    }

    async fn on_publish(
        &self,
        hub: &Hub,
        from: &Peer,
        actor: &Actor,
        topic: &str,
        data: Value,
    ) -> Result<(), Error> {
        let result = match ClientFrame::parse(data) {
            Ok(frame) => {
                let (svc, room, conn, actor, ip) = (
                    self.service.clone(),
                    room_of(topic).to_string(),
                    from.conn,
                    actor.clone(),
                    from.ip.clone(),
                );
                self.service
                    .on_media(async move { svc.handle(&room, conn, &actor, &ip, frame).await })
                    .await?
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            let e = Error::from(e);
            hub.send_event_to(
                from.conn,
                topic,
                &json!({"type": "error", "code": e.code.as_str(), "message": e.message}),
            );
        }
        Ok(())
    }

    fn on_leave(&self, _hub: &Hub, peer: &Peer, topic: &str) {
        let (svc, room, conn) = (self.service.clone(), room_of(topic).to_string(), peer.conn);
        self.service
            .spawn(async move { svc.disconnected(&room, conn).await });
    }
}
