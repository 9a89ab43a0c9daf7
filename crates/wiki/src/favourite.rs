//! A wiki or one of its pages as someone's favourite: its name, if they may still read it.

use std::collections::HashMap;

use nichoir_auth::Actor;
use nichoir_wikitext::names::page_key;

use crate::service::{WikiError, WikiResult, WikiService};

impl WikiService {
    /// The wiki's title and (with `page`) the page's stored name, if `actor` may read them. A
    /// wiki they may not read, or a missing, deleted or hidden page, answers as missing (a
    /// renamed page's old name is kept: it leads to the new one).
    pub async fn readable_title(
        &self,
        slug: &str,
        page: Option<&str>,
        actor: &Actor,
    ) -> WikiResult<(String, Option<String>)> {
        let (sight, row) = self.load(slug, page.map(page_key), Some(actor)).await?;
        let title = sight.wiki().title.clone();
        if page.is_none() {
            return Ok((title, None));
        }
        let seen = sight.page(row)?;
        if seen.deleted {
            return Err(WikiError::NoPage);
        }
        Ok((title, Some(seen.name.clone())))
    }

    /// Of `ids` (`slug/Page name`, as favourites keep them), the pages that exist, deleted
    /// ones not (whoever may read them), asked in one read: the sweep of favourites.
    pub async fn existing_pages(&self, ids: Vec<String>) -> WikiResult<Vec<String>> {
        let mut asked: HashMap<(String, String), Vec<String>> = HashMap::new();
        for id in ids {
            if let Some((slug, name)) = id.split_once('/') {
                let key = (slug.to_string(), page_key(name));
                asked.entry(key).or_default().push(id.clone());
            }
        }
        let pages: Vec<(String, String)> = asked.keys().cloned().collect();
        let found = self
            .db
            .read(move |c| crate::store::existing_pages(c, &pages))
            .await?;
        Ok(found
            .into_iter()
            .flat_map(|p| asked.remove(&p).unwrap_or_default())
            .collect())
    }
}
