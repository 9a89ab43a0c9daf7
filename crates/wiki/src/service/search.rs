//! Search in one wiki or across the public wikis.

use super::*;

impl WikiService {
    /// Search in one wiki (what the asker may read) or, with no slug, across the public wikis.
    pub async fn search(
        &self,
        slug: Option<&str>,
        q: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<Vec<SearchHit>> {
        let query = fts_query(q).ok_or_else(|| {
            Error::validation("q: give at least one word").with_invalid(Field::Q, Rule::Required)
        })?;
        let scope = match slug {
            Some(s) => Some(self.load(s, None, actor).await?),
            None => None,
        };
        let wiki_id = scope.as_ref().map(|(s, _)| s.wiki().id);
        let q2 = query.clone();
        let hits = self
            .db
            .read(move |c| store::search(c, &q2, wiki_id, 50))
            .await?;
        // Across wikis the query keeps to public wikis' ordinary pages; each hit still goes
        // through the same decision as a page read, with the asker's rights as a non-member.
        let anyone = Who {
            user: actor.and_then(|a| a.as_user()).is_some(),
            instance_admin: actor.is_some_and(|a| a.require_admin().is_ok()),
            role: None,
        };
        let mut sights: HashMap<i64, Option<Sight>> = HashMap::new();
        if let Some((s, _)) = scope {
            sights.insert(s.wiki().id, Some(s));
        }
        let mut seen = Vec::new();
        for h in hits {
            if let std::collections::hash_map::Entry::Vacant(e) = sights.entry(h.wiki_id) {
                let id = h.wiki_id;
                let w = self.db.read(move |c| store::wiki_by_id(c, id)).await?;
                e.insert(w.and_then(|w| Sight::decide(w, anyone.clone()).ok()));
            }
            let Some(Some(sight)) = sights.get(&h.wiki_id) else {
                continue;
            };
            if !sight.sees_rule(h.view_rule) {
                continue;
            }
            seen.push((sight.wiki().slug.clone(), sight.wiki().title.clone(), h));
        }
        // Excerpts only of what the asker may read; each parses a whole page, so on the pool.
        let out = nichoir_core::work::run(move || {
            Ok(seen
                .into_iter()
                .map(|(wiki, wiki_title, h)| SearchHit {
                    snippet: store::snippet(&h.text, &query),
                    wiki,
                    wiki_title,
                    page: h.page,
                })
                .collect())
        })
        .await?;
        Ok(out)
    }
}

/// The words of a search as an FTS5 query: each word quoted (no operator injection), all
/// required, the last one as a prefix so results come while typing.
pub fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split_whitespace()
        .take(12)
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-')
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    let (last, rest) = words.split_last()?;
    let mut parts = rest.to_vec();
    parts.push(format!("{last}*"));
    Some(parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_queries_cannot_inject_fts_syntax() {
        assert_eq!(
            fts_query("réunion bud").as_deref(),
            Some("\"réunion\" \"bud\"*")
        );
        assert_eq!(
            fts_query("a\" OR x:y NEAR(").as_deref(),
            Some("\"a\" \"OR\" \"xy\" \"NEAR\"*")
        );
        assert_eq!(fts_query("  ** () "), None);
    }
}
