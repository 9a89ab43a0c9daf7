//! Polls when an account is deleted: see `PollService::forget_user`.

use std::sync::Arc;

use nichoir_core::departure::DepartureContributor;
use nichoir_core::Error;

use crate::service::PollService;

pub struct PollDeparture {
    pub service: Arc<PollService>,
}

#[async_trait::async_trait]
impl DepartureContributor for PollDeparture {
    fn tool(&self) -> &'static str {
        "polls"
    }

    async fn forget_user(&self, user_id: &str) -> Result<(), Error> {
        self.service.forget_user(user_id).await
    }

    async fn erase_user(&self, user_id: &str) -> Result<(), Error> {
        self.service.erase_user(user_id).await
    }
}
