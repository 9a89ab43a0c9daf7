//! The one piece of search that differs per engine. Stores build an FTS5 query of quoted terms
//! (`"budget" "summer fest" "vélo"*`: every term required, a quoted run of words a phrase, a
//! trailing `*` a prefix); on PostgreSQL the same query becomes a `tsquery` over the words
//! `nichoir_fts` indexes (split on what is not a letter or digit, accents folded by `unaccent`
//! in SQL), so both engines find the same rows.

/// `"a b" "c"*` → `'a' <-> 'b' & 'c':*`. Words are letters and digits only, so the text needs no
/// escaping; a term without any is dropped. Lowercase: `to_tsquery('simple', …)` lowers too,
/// but `unaccent` is applied before it, in SQL, to the whole text.
pub fn tsquery_from_fts5(fts: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    let mut rest = fts;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let (inside, tail) = after.split_once('"').unwrap_or((after, ""));
        let prefix = tail.starts_with('*');
        let words: Vec<String> = inside
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("'{}'", w.to_lowercase()))
            .collect();
        if !words.is_empty() {
            let mut phrase = words.join(" <-> ");
            if prefix {
                phrase.push_str(":*");
            }
            terms.push(if words.len() > 1 {
                format!("({phrase})")
            } else {
                phrase
            });
        }
        rest = tail;
    }
    terms.join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts5_terms_become_a_tsquery() {
        assert_eq!(
            tsquery_from_fts5("\"budget\" \"summer fest\" \"vélo\"*"),
            "'budget' & ('summer' <-> 'fest') & 'vélo':*"
        );
        assert_eq!(tsquery_from_fts5("\"l'école\"*"), "('l' <-> 'école':*)");
        assert_eq!(
            tsquery_from_fts5("\"ПРИВЕТ\" \"東京\""),
            "'привет' & '東京'"
        );
        assert_eq!(tsquery_from_fts5("\"'-'\""), "");
        assert_eq!(tsquery_from_fts5(""), "");
    }
}
