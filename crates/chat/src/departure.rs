//! Chat when an account is deleted: see `store::forget_user`.

use std::sync::Arc;

use nichoir_core::departure::DepartureContributor;
use nichoir_core::Error;

use crate::service::ChatService;

pub struct ChatDeparture {
    pub service: Arc<ChatService>,
}

#[async_trait::async_trait]
impl DepartureContributor for ChatDeparture {
    fn tool(&self) -> &'static str {
        "chat"
    }

    async fn forget_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        self.service
            .db
            .write(move |c| crate::store::forget_user(c, &u))
            .await?;
        self.service.forget_cached_user(user_id);
        Ok(())
    }

    async fn erase_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        let unused = self
            .service
            .db
            .write(move |c| crate::store::erase_user_posts(c, &u))
            .await?;
        // A file left behind is only disk space: the deletion goes on.
        self.service.drop_files(&unused).await;
        Ok(())
    }
}
