//! The realtime side of polls: `poll:<id>` tells the people who have the poll open that it
//! changed (`{"type":"changed","version"}` or `{"type":"deleted"}`); their page then fetches the
//! view again, which applies that viewer's visibility rules. Clients publish nothing.

use std::sync::Arc;

use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_realtime::{Hub, Peer, TopicHandler};
use serde_json::Value;

use crate::service::PollService;

pub struct PollTopics {
    pub service: Arc<PollService>,
}

#[async_trait::async_trait]
impl TopicHandler for PollTopics {
    async fn authorize(&self, actor: &Actor, topic: &str) -> Result<(), Error> {
        let id = topic.strip_prefix("poll:").unwrap_or("");
        Ok(self.service.authorize_follow(id, actor).await?)
    }

    async fn on_publish(
        &self,
        _hub: &Hub,
        _from: &Peer,
        _actor: &Actor,
        _topic: &str,
        _data: Value,
    ) -> Result<(), Error> {
        Err(Error::bad_request(
            "poll topics are read-only: use the HTTP API to vote or comment",
        ))
    }
}
