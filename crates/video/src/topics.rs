//! The realtime side of video: `video:{room}` carries a call's signalling (docs/video-api.md).
//! Frames are checked and handled on the SFU's runtime of the node that owns the call (this
//! one, outside a cluster: see `owner`); a refused frame gets an `error` event on the topic and
//! changes nothing.

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::{Hub, Peer, TopicHandler};
use serde_json::Value;

use crate::owner::{dispatch, Call};
use crate::service::{Caller, VideoService};

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
        _hub: &Hub,
        peer: &Peer,
        actor: &Actor,
        topic: &str,
    ) -> Result<(), Error> {
        let call = Call::Subscribe {
            room: room_of(topic).to_string(),
            actor_id: actor.id().to_string(),
            conn: peer.conn,
        };
        dispatch(&self.service, call).await
    }

    async fn on_publish(
        &self,
        _hub: &Hub,
        from: &Peer,
        actor: &Actor,
        topic: &str,
        data: Value,
    ) -> Result<(), Error> {
        let room = room_of(topic);
        let call = Call::Frame {
            room: room.to_string(),
            conn: from.conn,
            caller: Caller::of(actor),
            ip: from.ip.clone(),
            data,
        };
        if let Err(e) = dispatch(&self.service, call).await {
            self.service.refused(room, from.conn, e);
        }
        Ok(())
    }

    fn on_leave(&self, _hub: &Hub, peer: &Peer, topic: &str) {
        let call = Call::Left {
            room: room_of(topic).to_string(),
            conn: peer.conn,
        };
        let svc = self.service.clone();
        tokio::spawn(async move {
            if let Err(e) = dispatch(&svc, call).await {
                tracing::warn!("video: a socket's leave did not reach its call: {e}");
            }
        });
    }
}
