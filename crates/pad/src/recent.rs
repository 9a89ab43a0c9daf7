//! A person's pads for the composition's recent items and search across tools: typed answers,
//! limited to the pads they created or opened.

use nichoir_storage::search;
use serde::Serialize;

use crate::service::{PadError, PadService};
use crate::store;

/// One pad a person created or opened.
#[derive(Debug, Clone, Serialize)]
pub struct RecentPad {
    pub id: String,
    /// Their last visit, else when the pad was created (ms).
    pub at: i64,
    pub owned: bool,
}

/// A pad whose name or text holds every word searched for.
#[derive(Debug, Clone, Serialize)]
pub struct PadHit {
    pub id: String,
    pub at: i64,
    /// Words around the first match in the text (matches between `\u{2}` and `\u{3}`); empty
    /// when only the name matched.
    pub snippet: String,
}

/// How many of a person's pads a search reads: their text is rebuilt from the last snapshot,
/// so the cost grows with this.
const SEARCHED_PADS: i64 = 200;

impl PadService {
    pub async fn recent_for(&self, user_id: &str, limit: i64) -> Result<Vec<RecentPad>, PadError> {
        let u = user_id.to_string();
        let rows = self
            .db()
            .read(move |c| store::recent_pads(c, &u, limit))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, at, owned)| RecentPad { id, at, owned })
            .collect())
    }

    /// The pads `user_id` may open (created or opened, password permitting) whose name or text
    /// holds every one of `words` (folded as search folds them); `fts` is the same query in the
    /// quoted form `search::snippet` reads.
    pub async fn search_for(
        &self,
        user_id: &str,
        words: Vec<String>,
        fts: String,
        limit: usize,
    ) -> Result<Vec<PadHit>, PadError> {
        let u = user_id.to_string();
        let needles: Vec<String> = words
            .iter()
            .map(|w| search::fold(w))
            .filter(|w| !w.is_empty())
            .collect();
        if needles.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .db()
            .read(move |c| {
                let mut hits = Vec::new();
                for (id, rev, at) in store::openable_pads(c, &u, SEARCHED_PADS)? {
                    let text = store::text_at(c, &id, rev)?;
                    let (name, body) = (search::fold(&id), search::fold(&text));
                    if !needles
                        .iter()
                        .all(|n| name.contains(n.as_str()) || body.contains(n.as_str()))
                    {
                        continue;
                    }
                    let in_text = needles.iter().any(|n| body.contains(n.as_str()));
                    let snippet = if in_text {
                        search::snippet(&text, &fts, 24)
                    } else {
                        String::new()
                    };
                    hits.push(PadHit { id, at, snippet });
                    if hits.len() >= limit {
                        break;
                    }
                }
                Ok(hits)
            })
            .await?)
    }
}
