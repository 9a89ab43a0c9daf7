//! A person's favourites across the tools, kept with their account (deleting the account
//! removes them). This crate stores (kind, id) pairs only: which kinds exist, and whether an
//! item still exists and may be read, is the tools' answer, asked by the web layer.

use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_storage::{params, OptionalExtension};

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
            .read(move |c| {
                Ok(c.prepare(
                    "SELECT kind, item_id, created_at FROM favourites WHERE user_id = ?1
                     ORDER BY created_at DESC, kind, item_id",
                )?
                .query_map([uid], |r| {
                    Ok(Favourite {
                        kind: r.get(0)?,
                        item_id: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                })?
                .collect::<Result<_, _>>()?)
            })
            .await?)
    }

    /// Stars an item; starring it again changes nothing (its date stays). A person keeps at
    /// most `max` favourites: one more answers a conflict that says so.
    pub async fn add_favourite(
        &self,
        user_id: &str,
        kind: &str,
        item_id: &str,
        max: usize,
    ) -> Result<Favourite, Error> {
        let (uid, kind, item) = (user_id.to_string(), kind.to_string(), item_id.to_string());
        Ok(self
            .db()
            .write(move |tx| {
                let existing: Option<i64> = tx
                    .query_row(
                        "SELECT created_at FROM favourites
                         WHERE user_id = ?1 AND kind = ?2 AND item_id = ?3",
                        params![uid, kind, item],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(created_at) = existing {
                    return Ok(Favourite {
                        kind,
                        item_id: item,
                        created_at,
                    });
                }
                let (count, latest): (i64, Option<i64>) = tx.query_row(
                    "SELECT COUNT(*), MAX(created_at) FROM favourites WHERE user_id = ?1",
                    [&uid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if count >= max as i64 {
                    return Err(Error::new(
                        ErrorCode::Conflict,
                        format!("{max} favourites at most: remove one before adding another"),
                    )
                    .into());
                }
                // After the person's latest, even within one millisecond: "newest first" is
                // the order they starred in.
                let created_at = now_ms().max(latest.map_or(0, |l| l + 1));
                tx.execute(
                    "INSERT INTO favourites (user_id, kind, item_id, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![uid, kind, item, created_at],
                )?;
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
                    tx.execute(
                        "DELETE FROM favourites WHERE user_id = ?1 AND kind = ?2 AND item_id = ?3",
                        params![uid, kind, item],
                    )?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }
}
