//! `presence:<scope>`: who is online, and a relay for ephemeral signals (typing, cursors). Any
//! signed-in user may follow it; tools give guests their own, link-scoped topics.

use nichoir_auth::Actor;
use nichoir_core::Error;

use crate::hub::TopicHandler;

pub struct PresenceHandler;

#[async_trait::async_trait]
impl TopicHandler for PresenceHandler {
    async fn authorize(&self, actor: &Actor, topic: &str) -> Result<(), Error> {
        if actor.as_user().is_none() {
            return Err(Error::forbidden("presence topics are for signed-in users"));
        }
        let scope = topic.strip_prefix("presence:").unwrap_or("");
        if scope.is_empty() || scope.len() > 128 {
            return Err(Error::validation(
                "presence topic: presence:<scope>, scope 1 to 128 bytes",
            ));
        }
        Ok(())
    }
}
