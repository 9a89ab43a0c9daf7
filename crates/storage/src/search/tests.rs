use super::*;
use crate::sql::Connection;

#[test]
fn folding_is_one_rule_for_every_script() {
    assert_eq!(fold("Cœur, ÉCOLE ça"), "coeur ecole ca");
    assert_eq!(fold("Straße Ørsted Łódź"), "strasse orsted lodz");
    // Decomposed accents (as some keyboards send them) are the same word.
    assert_eq!(fold("e\u{301}cole"), "ecole");
    assert_eq!(fold("ЁЛКА Привет"), "елка привет");
    assert_eq!(fold("ﬁne ２０２６ x²"), "fine 2026 x2");
    assert_eq!(fold("東京タワー、ガス"), "東 京 タ ワ ー ガ ス");
    assert_eq!(fold("서울에서 tokyo東京"), "서 울 에 서 tokyo 東 京");
    assert_eq!(fold("ΣΟΦΟΣ σοφος"), "σοφοσ σοφοσ");
    assert_eq!(fold("🚲 l'école -- a_b"), "l ecole a b");
    assert_eq!(fold(&"x".repeat(150)).split(' ').count(), 2);
    assert_eq!(fold(""), "");
}

#[test]
fn fts5_terms_become_a_tsquery() {
    assert_eq!(
        tsquery_from_fts5("\"budget\" \"summer fest\" \"vélo\"*"),
        "'budget' & ('summer' <-> 'fest') & 'velo':*"
    );
    assert_eq!(tsquery_from_fts5("\"l'école\"*"), "('l' <-> 'ecole':*)");
    assert_eq!(
        tsquery_from_fts5("\"ПРИВЕТ\" \"東京\""),
        "'привет' & ('東' <-> '京')"
    );
    assert_eq!(tsquery_from_fts5("\"'-'\""), "");
    assert_eq!(tsquery_from_fts5(""), "");
    assert_eq!(
        tsquery_per_column("\"summer fest\" \"bud\"*"),
        "((('summer':A <-> 'fest':A) | ('summer':D <-> 'fest':D))) & 'bud':*"
    );
    assert_eq!(tsquery_weighted("\"a\" \"bc\"*", "A"), "'a':A & 'bc':*A");
}

#[test]
fn fts5_queries_are_folded_and_empty_terms_dropped() {
    assert_eq!(
        fts5_match("\"Cœur\" \"-\" \"東京\"*"),
        "\"coeur\" \"東 京\"*"
    );
    assert_eq!(fts5_match("\"'\"*"), "");
    assert_eq!(fts5_in_column("name", "\"a\"*"), "{name} : (\"a\"*)");
}

#[test]
fn parts_of_names_are_found_folded() {
    assert!(folded_contains(&["x", "Budget 2027"], "GET 20"));
    assert!(folded_contains(&["École du vélo"], "ecole du v"));
    assert!(folded_contains(&["budget-2027"], "budget 2027"));
    assert!(folded_contains(&["東京タワー"], "京タ"));
    assert!(folded_contains(&["anything"], " - "));
    assert!(!folded_contains(&["Budget"], "budgets"));
}

#[test]
fn snippets_show_the_original_text_around_the_first_word_found() {
    let text = "Le vélo de Zoé est réparé. Ensuite nous irons à l'école avec le cœur léger, \
                puis au marché du samedi matin pour acheter des légumes.";
    assert_eq!(
        snippet(text, "\"coeur\"", 8),
        "…avec le \u{2}cœur\u{3} léger, puis au marché du…"
    );
    assert_eq!(
        snippet("東京タワーに行きました", "\"タワ\"*", 12),
        "東京\u{2}タ\u{3}\u{2}ワ\u{3}ーに行きました"
    );
    assert_eq!(snippet("court", "\"absent\"", 12), "court");
    assert_eq!(snippet("", "\"a\"", 12), "");
}

/// For every character of the first three planes, between two letters: the words FTS5
/// finds in the folded text, and those `nichoir_fts` finds on PostgreSQL (with
/// `NICHOIR_TEST_PG_URL`), are exactly the words of the folded text; and on PostgreSQL each row
/// is found by the query made of its own text. So what one engine finds, the other finds.
#[test]
fn fold_is_a_fixed_point_of_both_engines() -> Result<(), Box<dyn std::error::Error>> {
    let rows: Vec<(i64, String)> = (0x20_u32..=0x2_FFFF)
        .filter_map(char::from_u32)
        .map(|c| (c as i64, fold(&format!("a{c}b"))))
        .collect();
    let json = serde_json::to_string(
        &rows
            .iter()
            .map(|(cp, t)| serde_json::json!([cp, t]))
            .collect::<Vec<_>>(),
    )?;
    let expect = |got: Vec<(i64, String)>, engine: &str| {
        let got: std::collections::HashMap<i64, String> = got.into_iter().collect();
        let wrong: Vec<String> = rows
            .iter()
            .filter(|(cp, t)| got.get(cp).map(String::as_str).unwrap_or("") != t)
            .take(40)
            .map(|(cp, t)| format!("U+{cp:04X} {t:?} → {:?}", got.get(cp)))
            .collect();
        assert!(wrong.is_empty(), "{engine} words differ: {wrong:#?}");
    };

    let sqlite = Connection::open_in_memory()?;
    sqlite.execute_batch(
        "CREATE VIRTUAL TABLE t USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
         CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);",
    )?;
    sqlite.execute(
        "INSERT INTO t (rowid, text) SELECT value ->> 0, value ->> 1 FROM json_each(?1)",
        [&json],
    )?;
    let mut st = sqlite.prepare(
        "SELECT doc, group_concat(term, ' ') FROM (SELECT doc, term FROM v ORDER BY doc, offset)
         GROUP BY doc",
    )?;
    let got = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<(i64, String)>, _>>()?;
    expect(got, "SQLite");

    let Some(url) = crate::testing::fresh_pg_database()? else {
        eprintln!("NICHOIR_TEST_PG_URL unset: PostgreSQL side skipped");
        return Ok(());
    };
    let pg = Connection::from_pg(crate::pg::pg_client(&crate::pg::pg_config(&url, "test")?)?);
    pg.execute_batch(crate::pg_fts_function!())?;
    pg.execute_batch("CREATE TABLE t (cp BIGINT PRIMARY KEY, text TEXT NOT NULL)")?;
    pg.execute(
        "INSERT INTO t SELECT (value ->> 0)::bigint, value ->> 1 FROM json_array_elements(?1::json)",
        [&json],
    )?;
    let mut st = pg.prepare(
        "SELECT cp, COALESCE(string_agg(lexeme, ' ' ORDER BY pos), '') FROM
           (SELECT t.cp, u.lexeme, unnest(u.positions) AS pos FROM t, unnest(nichoir_fts(t.text)) u) x
         GROUP BY cp",
    )?;
    let got = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<(i64, String)>, _>>()?;
    expect(got, "PostgreSQL");
    let queries: Vec<serde_json::Value> = rows
        .iter()
        .map(|(cp, t)| serde_json::json!([cp, tsquery_from_fts5(&format!("\"{t}\""))]))
        .collect();
    let mut st = pg.prepare(
        "SELECT (value ->> 0)::bigint FROM json_array_elements(?1::json) q JOIN t ON t.cp = (value ->> 0)::bigint
         WHERE NOT nichoir_fts(t.text) @@ to_tsquery('simple', public.unaccent('public.unaccent', value ->> 1))
         LIMIT 40",
    )?;
    let missed = st
        .query_map([serde_json::Value::Array(queries).to_string()], |r| {
            r.get::<_, i64>(0)
        })?
        .collect::<Result<Vec<i64>, _>>()?;
    assert!(
        missed.is_empty(),
        "rows not found by their own query: {missed:x?}"
    );
    Ok(())
}
