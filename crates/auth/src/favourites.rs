//! A person's favourites across the tools, kept with their account (deleting the account
//! removes them). This crate stores (kind, id) pairs only: which kinds exist, and whether an
//! item still exists and may be read, is the tools' answer, asked by the web layer.

use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};

use crate::store;
use crate::AuthService;

/// One starred item, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Favourite {
    pub kind: String,
    pub item_id: String,
    /// When it was starred (ms).
    pub created_at: i64,
}

impl AuthService {
    /// The person's favourites, newest first.
    pub async fn favourites(&self, user_id: &str) -> Result<Vec<Favourite>, Error> {
        let uid = user_id.to_string();
        Ok(self
            .db()
            .read(move |c| store::favourites::favourites(c, &uid))
            .await?)
    }

    /// How many favourites one account may keep (`auth.max_favourites`).
    pub fn max_favourites(&self) -> usize {
        usize::try_from(self.config().max_favourites).unwrap_or(usize::MAX)
    }

    /// Stars an item; starring it again changes nothing (its date stays). A person keeps at
    /// most `auth.max_favourites`, hidden ones included (an item they may not read for now
    /// comes back when they may again): one more answers `too_many_favourites`.
    pub async fn add_favourite(
        &self,
        user_id: &str,
        kind: &str,
        item_id: &str,
    ) -> Result<Favourite, Error> {
        let max = self.max_favourites();
        let (uid, kind, item) = (user_id.to_string(), kind.to_string(), item_id.to_string());
        Ok(self
            .db()
            .write(move |tx| {
                let existing = store::favourites::starred_at(tx, &uid, &kind, &item)?;
                if let Some(created_at) = existing {
                    return Ok(Favourite {
                        kind,
                        item_id: item,
                        created_at,
                    });
                }
                let (count, latest) = store::favourites::count_and_latest(tx, &uid)?;
                if count >= max as i64 {
                    return Err(Error::new(
                        ErrorCode::TooManyFavourites,
                        format!("{max} favourites at most: remove one before adding another"),
                    )
                    .into());
                }
                // After the person's latest, even within one millisecond: "newest first" is
                // the order they starred in.
                let created_at = now_ms().max(latest.map_or(0, |l| l + 1));
                store::favourites::insert(tx, &uid, &kind, &item, created_at)?;
                Ok(Favourite {
                    kind,
                    item_id: item,
                    created_at,
                })
            })
            .await?)
    }

    /// Unstars items (kind, id); those not starred are ignored.
    pub async fn remove_favourites(
        &self,
        user_id: &str,
        items: Vec<(String, String)>,
    ) -> Result<(), Error> {
        if items.is_empty() {
            return Ok(());
        }
        let uid = user_id.to_string();
        self.db()
            .write(move |tx| {
                for (kind, item) in items {
                    store::favourites::delete(tx, &uid, &kind, &item)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }
}

impl AuthService {
    /// Starred items of every account, by (kind, id), after `after` in that order: a page of
    /// what the sweep of deleted items asks the tools about.
    pub async fn starred_items(
        &self,
        after: Option<(String, String)>,
        limit: usize,
    ) -> Result<Vec<(String, String)>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self
            .db()
            .read(move |c| store::favourites::starred_items(c, after.as_ref(), limit))
            .await?)
    }

    /// Unstars for everyone an item that was just deleted, and with it the items of
    /// `children.0` whose ids start with `children.1` (a wiki's pages): a wiki or a room made
    /// again under the same name must not inherit the old one's stars.
    pub async fn forget_deleted_item(
        &self,
        kind: &str,
        id: &str,
        children: Option<(&str, &str)>,
    ) -> Result<u64, Error> {
        if let Some((_, prefix)) = children {
            // A LIKE pattern: its own wildcards would reach other items.
            if prefix.is_empty() || prefix.contains(['%', '_', '\\']) {
                return Err(Error::internal(format!("not a prefix to unstar: {prefix}")));
            }
        }
        let (kind, id) = (kind.to_string(), id.to_string());
        let children = children.map(|(k, p)| (k.to_string(), p.to_string()));
        Ok(self
            .db()
            .write(move |tx| {
                let mut n = store::favourites::delete_items(tx, &[(kind, id)])?;
                if let Some((k, p)) = &children {
                    n += store::favourites::delete_items_under(tx, k, p)?;
                }
                Ok(n)
            })
            .await?)
    }

    /// Unstars items for everyone: they no longer exist.
    pub async fn forget_favourite_items(&self, items: Vec<(String, String)>) -> Result<u64, Error> {
        if items.is_empty() {
            return Ok(0);
        }
        Ok(self
            .db()
            .write(move |tx| store::favourites::delete_items(tx, &items))
            .await?)
    }
}
