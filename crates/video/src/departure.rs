//! Video when an account is deleted: its rooms go.

use std::sync::Arc;

use nichoir_core::departure::DepartureContributor;
use nichoir_core::Error;

use crate::service::VideoService;

pub struct VideoDeparture {
    pub service: Arc<VideoService>,
}

#[async_trait::async_trait]
impl DepartureContributor for VideoDeparture {
    fn tool(&self) -> &'static str {
        "video"
    }

    async fn forget_user(&self, user_id: &str) -> Result<(), Error> {
        self.service.forget_user(user_id).await
    }
}
