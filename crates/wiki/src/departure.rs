//! Wikis when an account is deleted: see `store::forget_user`.

use std::sync::Arc;

use nichoir_core::departure::{DepartureContributor, DELETED_NAME};
use nichoir_core::Error;

use crate::service::WikiService;

pub struct WikiDeparture {
    pub service: Arc<WikiService>,
}

#[async_trait::async_trait]
impl DepartureContributor for WikiDeparture {
    fn tool(&self) -> &'static str {
        "wikis"
    }

    async fn forget_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        self.service
            .db
            .write(move |c| crate::store::forget_user(c, &u, DELETED_NAME))
            .await?;
        Ok(())
    }

    async fn erase_user(&self, user_id: &str) -> Result<(), Error> {
        let u = user_id.to_string();
        self.service
            .db
            .write(move |c| crate::store::erase_user_comments(c, &u))
            .await?;
        Ok(())
    }
}
