//! Search finds the same things in the same order on SQLite and PostgreSQL. Each test starts one
//! server on each engine in the same process, fills both with the same corpus through the HTTP
//! API (accents, ligatures, German, Cyrillic, Chinese, Japanese, Korean, emoji, code, prefixes,
//! repeated words, edits, deletions, imported messages with old dates), then runs a table of
//! queries on both. Ids differ between the servers, so results are compared as corpus labels
//! (chat: each post's text; wiki: page names): equal on both engines, in the same order, and
//! equal to what the table expects, in the documented order (so both engines being wrong the
//! same way fails too). Needs `NICHOIR_TEST_PG_URL` (`scripts/pg-server`); skipped without.

use std::collections::HashMap;

use nichoir_testkit::{Backend, Client, TestServer};
use serde_json::{json, Value};

fn postgres_available() -> bool {
    if std::env::var("NICHOIR_TEST_PG_URL").is_ok_and(|u| !u.is_empty()) {
        return true;
    }
    eprintln!("NICHOIR_TEST_PG_URL unset: search equivalence skipped (scripts/pg-server start)");
    false
}

/// Percent-encodes a query parameter (every byte but the unreserved ones).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What a query answers, as labels: the hits in order, or an error status and code.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Hits(Vec<String>),
    Error(u16, String),
}

// ---- chat ------------------------------------------------------------------------------------

/// (label, author, channel, text), in the order they are posted.
const POSTS: &[(&str, &str, &str, &str)] = &[
    (
        "c01",
        "ana",
        "sq",
        "Bonjour à tous ! La réunion de l'équipe est à l'école jeudi.",
    ),
    (
        "c02",
        "bob",
        "sq",
        "Le cœur du problème : l'œuvre n'est pas finie, ça coûte cher.",
    ),
    (
        "c03",
        "ana",
        "velo",
        "Vélo électrique réparé, prêt pour la fête de Noël",
    ),
    (
        "c04",
        "bob",
        "velo",
        "velo velo velo : trois fois le mot sans accent",
    ),
    (
        "c05",
        "ana",
        "cuisine",
        "Die Straße ist schön, Grüße aus München und Köln",
    ),
    (
        "c06",
        "bob",
        "cuisine",
        "Strasse ohne Eszett, Gruesse aus Koeln",
    ),
    ("c07", "ana", "sq", "Привет, мир! Ёлка стоит в зале"),
    ("c08", "bob", "velo", "ёлка и ЕЛКА — елка"),
    (
        "c09",
        "ana",
        "cuisine",
        "東京タワーに行きました。とても高いです。",
    ),
    ("c10", "bob", "sq", "我们明天在北京开会"),
    ("c11", "ana", "velo", "서울에서 만나요"),
    ("c12", "bob", "cuisine", "emoji party 🎉🚲 with 🍕 pizza"),
    (
        "c13",
        "ana",
        "sq",
        "Run `cargo build --release` then fn main() { println!(\"hi\") } snake_case_name",
    ),
    (
        "c14",
        "bob",
        "sq",
        "budget budgetaire budgétisation budgets",
    ),
    ("c15", "ana", "velo", "Le budget 2027 est validé"),
    ("c16", "bob", "cuisine", "summer fest à la plage"),
    ("c17", "ana", "sq", "fest of summer is not a phrase match"),
    ("c18", "bob", "velo", "Résumé: the naïve café façade"),
    (
        "c19",
        "ana",
        "cuisine",
        "resume naive cafe facade without accents",
    ),
    ("c20", "bob", "sq", "ﬁnal ｆｕｌｌｗｉｄｔｈ ２０２６ x²"),
    ("c21", "ana", "sq", "e\u{301}cole de\u{301}compose\u{301}e"),
    ("c22", "bob", "velo", "Ørsted Łódź Æsir"),
    ("c23", "ana", "cuisine", "Orsted Lodz Aesir"),
    ("c24", "bob", "sq", "ΣΟΦΟΣ σοφος"),
    ("c25", "ana", "velo", "ordinateur orange organisation"),
    (
        "c26",
        "bob",
        "cuisine",
        "near the NEAR operator and OR and AND and NOT",
    ),
    ("c27", "ana", "sq", "temporaire effacé"),
    ("c28", "bob", "sq", "texte original"),
];

/// c28 as edited; c27 is deleted.
const EDITED: &str = "texte modifié";

/// Imported (Mattermost) into the channel "archives" after the posts above: (label, author,
/// time in ms, text). 2024-03-10 10:00, 2025-06-01 12:00, 2025-06-02 09:00, 2025-12-31 23:00 UTC.
const IMPORTED: &[(&str, &str, i64, &str)] = &[
    (
        "i1",
        "ana",
        1_710_064_800_000,
        "Archive: budget de 2024 voté",
    ),
    (
        "i2",
        "bob",
        1_748_779_200_000,
        "Archive: pique-nique du premier juin",
    ),
    (
        "i3",
        "ana",
        1_748_854_800_000,
        "Archive: budget révisé en juin",
    ),
    (
        "i4",
        "bob",
        1_767_222_000_000,
        "Archive: réveillon, budget fête",
    ),
];

const BOB_POSTS: &[&str] = &[
    "c02", "c04", "c06", "c08", "c10", "c12", "c14", "c16", "c18", "c20", "c22", "c24", "c26",
    "c28", "i2", "i4",
];

/// Query → the labels found (any order here: the test orders them newest first, by when each
/// post was created), or the error status.
fn chat_fixtures() -> Vec<(String, Result<Vec<&'static str>, u16>)> {
    let budget = vec!["c14", "c15", "i1", "i3", "i4"];
    let mut t: Vec<(String, Result<Vec<&'static str>, u16>)> = vec![
        // Plain words, and a word typed letter by letter (the last word is a prefix).
        ("budget".into(), Ok(budget.clone())),
        (
            "b".into(),
            Ok(vec!["c01", "c13", "c14", "c15", "i1", "i3", "i4"]),
        ),
        ("bu".into(), Ok(vec!["c13", "c14", "c15", "i1", "i3", "i4"])),
        ("bud".into(), Ok(budget.clone())),
        ("budg".into(), Ok(budget.clone())),
        ("budge".into(), Ok(budget.clone())),
        ("budgeta".into(), Ok(vec!["c14"])),
        ("budgets".into(), Ok(vec!["c14"])),
        ("budgetisation".into(), Ok(vec!["c14"])),
        ("BUDGÉT".into(), Ok(budget.clone())),
        // Accents folded both ways, ligatures, decomposed accents.
        ("ecole".into(), Ok(vec!["c01", "c21"])),
        ("école".into(), Ok(vec!["c01", "c21"])),
        ("ÉCOLE".into(), Ok(vec!["c01", "c21"])),
        ("l'école".into(), Ok(vec!["c01"])),
        ("coeur".into(), Ok(vec!["c02"])),
        ("cœur".into(), Ok(vec!["c02"])),
        ("oeuvre".into(), Ok(vec!["c02"])),
        ("VÉLO".into(), Ok(vec!["c03", "c04"])),
        ("fete".into(), Ok(vec!["c03", "i4"])),
        ("cafe".into(), Ok(vec!["c18", "c19"])),
        ("naïve façade".into(), Ok(vec!["c18", "c19"])),
        ("resume".into(), Ok(vec!["c18", "c19"])),
        ("ﬁnal".into(), Ok(vec!["c20"])),
        ("final fullwidth".into(), Ok(vec!["c20"])),
        ("2026".into(), Ok(vec!["c20"])),
        ("x2".into(), Ok(vec!["c20"])),
        ("orsted".into(), Ok(vec!["c22", "c23"])),
        ("Ørsted łódź".into(), Ok(vec!["c22", "c23"])),
        ("aesir".into(), Ok(vec!["c22", "c23"])),
        ("decomposee".into(), Ok(vec!["c21"])),
        // German.
        ("strasse".into(), Ok(vec!["c05", "c06"])),
        ("Straße".into(), Ok(vec!["c05", "c06"])),
        ("grüsse".into(), Ok(vec!["c05"])),
        ("koln".into(), Ok(vec!["c05"])),
        ("koeln".into(), Ok(vec!["c06"])),
        // Cyrillic and Greek.
        ("елка".into(), Ok(vec!["c07", "c08"])),
        ("ЁЛКА".into(), Ok(vec!["c07", "c08"])),
        ("Прив".into(), Ok(vec!["c07"])),
        ("σοφος".into(), Ok(vec!["c24"])),
        ("ΣΟΦΟΣ".into(), Ok(vec!["c24"])),
        // Chinese, Japanese, Korean: any run of characters inside a sentence.
        ("東京".into(), Ok(vec!["c09"])),
        ("タワー".into(), Ok(vec!["c09"])),
        ("京タ".into(), Ok(vec!["c09"])),
        ("北京".into(), Ok(vec!["c10"])),
        ("京".into(), Ok(vec!["c09", "c10"])),
        ("高い".into(), Ok(vec!["c09"])),
        ("서울".into(), Ok(vec!["c11"])),
        ("만나".into(), Ok(vec!["c11"])),
        ("東京 タワー".into(), Ok(vec!["c09"])),
        ("北京 東京".into(), Ok(vec![])),
        // Phrases.
        ("\"summer fest\"".into(), Ok(vec!["c16"])),
        ("summer fest".into(), Ok(vec!["c16", "c17"])),
        ("\"fest summer\"".into(), Ok(vec![])),
        ("\"la réunion\"".into(), Ok(vec!["c01"])),
        ("\"la reunion de l'equipe\"".into(), Ok(vec!["c01"])),
        // Code, emoji.
        ("cargo build".into(), Ok(vec!["c13"])),
        ("snake_case_name".into(), Ok(vec!["c13"])),
        ("main()".into(), Ok(vec!["c13"])),
        ("println!".into(), Ok(vec!["c13"])),
        ("🎉 pizza".into(), Ok(vec!["c12"])),
        ("🎉".into(), Err(422)),
        // FTS5 operators are words like any other.
        ("or".into(), Ok(vec!["c22", "c23", "c25", "c26"])),
        ("OR".into(), Ok(vec!["c22", "c23", "c25", "c26"])),
        ("NEAR".into(), Ok(vec!["c26"])),
        ("NEAR(".into(), Ok(vec!["c26"])),
        ("AND NOT".into(), Ok(vec!["c26"])),
        ("a\" OR b".into(), Ok(vec![])),
        // Garbage.
        ("\"".into(), Err(422)),
        ("\"\"".into(), Err(422)),
        ("*".into(), Err(422)),
        ("-".into(), Ok(vec![])),
        ("'".into(), Ok(vec![])),
        ("\" *".into(), Ok(vec![])),
        ("   ".into(), Err(422)),
        ("zzzzzz".into(), Ok(vec![])),
        ("budget zzzzzz".into(), Ok(vec![])),
        // Edited and deleted posts.
        ("temporaire".into(), Ok(vec![])),
        ("original".into(), Ok(vec![])),
        ("modifie".into(), Ok(vec!["c28"])),
        // Filters: from:, in:, dates.
        ("budget from:bob".into(), Ok(vec!["c14", "i4"])),
        ("budget from:@ana".into(), Ok(vec!["c15", "i1", "i3"])),
        ("from:bob".into(), Ok(BOB_POSTS.to_vec())),
        ("from:nobody budget".into(), Ok(vec![])),
        ("in:vélo budget".into(), Ok(vec!["c15"])),
        // A channel by its name ("Vélo" is `v-lo`) or display name, not folded.
        ("in:velo budget".into(), Ok(vec![])),
        ("in:v-lo budget".into(), Ok(vec!["c15"])),
        ("in:~cuisine summer".into(), Ok(vec!["c16"])),
        ("in:archives budget".into(), Ok(vec!["i1", "i3", "i4"])),
        (
            "in:Vélo from:bob".into(),
            Ok(vec!["c04", "c08", "c18", "c22"]),
        ),
        ("in:nowhere budget".into(), Ok(vec![])),
        ("budget before:2025-06-01".into(), Ok(vec!["i1"])),
        (
            "budget after:2025-06-01".into(),
            Ok(vec!["c14", "c15", "i3", "i4"]),
        ),
        (
            "budget after:2025-06-01 before:2025-12-31".into(),
            Ok(vec!["i3"]),
        ),
        ("archive before:2025-06-02".into(), Ok(vec!["i1", "i2"])),
        ("from:bob before:2025-07-01".into(), Ok(vec!["i2"])),
        ("in:archives after:2025-06-01".into(), Ok(vec!["i3", "i4"])),
        ("before:2025-06-01".into(), Err(422)),
        ("budget before:hier".into(), Err(422)),
    ];
    // Long queries: many words (all required, the same word), and past the 500 characters.
    t.push(("budget ".repeat(70).trim_end().to_string(), Ok(budget)));
    t.push((format!("{} budget", "zz ".repeat(150)), Ok(vec![])));
    t.push(("a".repeat(501), Err(422)));
    t
}

struct ChatSide {
    server: TestServer,
    bob: Client,
    /// post id → label
    labels: HashMap<i64, String>,
}

async fn ok(r: anyhow::Result<nichoir_testkit::Reply>, what: &str) -> anyhow::Result<Value> {
    let r = r?;
    anyhow::ensure!(
        (200..300).contains(&r.status),
        "{what}: {} {:?}",
        r.status,
        r.body
    );
    Ok(r.body)
}

async fn chat_corpus(server: TestServer) -> anyhow::Result<ChatSide> {
    let ana = server.login_as("ana", false).await?;
    let bob = server.login_as("bob", false).await?;
    ok(
        ana.post(
            "/api/v1/chat/teams",
            json!({"name": "equipe", "display_name": "Équipe", "open": true}),
        )
        .await,
        "team",
    )
    .await?;
    ok(
        bob.post("/api/v1/chat/teams/equipe/join", json!({})).await,
        "join team",
    )
    .await?;
    let mut channels: HashMap<&str, String> = HashMap::new();
    for (key, display) in [("velo", "Vélo"), ("cuisine", "Cuisine")] {
        let c = ok(
            ana.post(
                "/api/v1/chat/teams/equipe/channels",
                json!({"display_name": display, "kind": "public", "purpose": ""}),
            )
            .await,
            "channel",
        )
        .await?;
        let id = c["id"].as_str().unwrap_or_default().to_string();
        ok(
            bob.post(&format!("/api/v1/chat/channels/{id}/join"), json!({}))
                .await,
            "join channel",
        )
        .await?;
        channels.insert(key, id);
    }
    let list = ok(
        bob.get("/api/v1/chat/teams/equipe/channels").await,
        "channels",
    )
    .await?;
    let square = list
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "town-square"))
        .and_then(|c| c["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("no town-square in {list}"))?
        .to_string();
    channels.insert("sq", square);

    let mut ids: HashMap<&str, i64> = HashMap::new();
    for (label, author, channel, text) in POSTS {
        let who = if *author == "ana" { &ana } else { &bob };
        let p = ok(
            who.post(
                &format!("/api/v1/chat/channels/{}/posts", channels[channel]),
                json!({"text": text}),
            )
            .await,
            label,
        )
        .await?;
        ids.insert(label, p["id"].as_i64().unwrap_or_default());
    }
    ok(
        bob.patch(
            &format!("/api/v1/chat/posts/{}", ids["c28"]),
            json!({"text": EDITED}),
        )
        .await,
        "edit",
    )
    .await?;
    ok(
        ana.delete(&format!("/api/v1/chat/posts/{}", ids["c27"]))
            .await,
        "delete",
    )
    .await?;

    let mut lines = vec![
        json!({"type": "version", "version": 1}),
        json!({"type": "channel", "channel": {"team": "old", "name": "archives", "display_name": "Archives", "type": "O", "header": "", "purpose": ""}}),
    ];
    for (_, author, at, text) in IMPORTED {
        lines.push(json!({"type": "post", "post": {"team": "old", "channel": "archives", "user": author, "message": text, "create_at": at}}));
    }
    let body = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let r = ana
        .send(
            ana.http
                .post(ana.url("/api/v1/chat/teams/equipe/import/mattermost"))
                .header("x-csrf-token", ana.csrf.clone().unwrap_or_default())
                .body(body),
        )
        .await?;
    anyhow::ensure!(r.status == 200, "import: {} {:?}", r.status, r.body);

    // Every post bob can read, labelled by its text.
    let by_text: HashMap<&str, &str> = POSTS
        .iter()
        .map(|(l, _, _, t)| (*t, *l))
        .chain([(EDITED, "c28")])
        .chain(IMPORTED.iter().map(|(l, _, _, t)| (*t, *l)))
        .collect();
    let list = ok(
        bob.get("/api/v1/chat/teams/equipe/channels").await,
        "channels",
    )
    .await?;
    let mut labels = HashMap::new();
    for c in list.as_array().cloned().unwrap_or_default() {
        let id = c["id"].as_str().unwrap_or_default();
        let posts = ok(
            bob.get(&format!("/api/v1/chat/channels/{id}/posts?limit=200"))
                .await,
            "posts",
        )
        .await?;
        for p in posts["posts"].as_array().cloned().unwrap_or_default() {
            let text = p["text"].as_str().unwrap_or_default();
            if text.is_empty() {
                continue;
            }
            let label = by_text
                .get(text)
                .ok_or_else(|| anyhow::anyhow!("a post not in the corpus: {p}"))?;
            labels.insert(p["id"].as_i64().unwrap_or_default(), label.to_string());
        }
    }
    anyhow::ensure!(
        labels.len() == POSTS.len() - 1 + IMPORTED.len(),
        "bob reads {} posts: {labels:?}",
        labels.len()
    );
    Ok(ChatSide {
        server,
        bob,
        labels,
    })
}

async fn chat_answer(side: &ChatSide, q: &str) -> anyhow::Result<Answer> {
    let r = side
        .bob
        .get(&format!("/api/v1/chat/teams/equipe/search?q={}", enc(q)))
        .await?;
    if r.status != 200 {
        return Ok(Answer::Error(r.status, r.code().to_string()));
    }
    let mut hits = Vec::new();
    for p in r.body["posts"].as_array().cloned().unwrap_or_default() {
        let id = p["id"].as_i64().unwrap_or_default();
        let label = side
            .labels
            .get(&id)
            .ok_or_else(|| anyhow::anyhow!("{q:?} found a post not in the corpus: {p}"))?;
        hits.push(label.clone());
    }
    Ok(Answer::Hits(hits))
}

#[tokio::test]
async fn chat_search_finds_the_same_posts_in_the_same_order_on_both_engines() -> anyhow::Result<()>
{
    if !postgres_available() {
        return Ok(());
    }
    let sqlite = chat_corpus(TestServer::start_on(Backend::Sqlite, |_| {})?).await?;
    let postgres = chat_corpus(TestServer::start_on(Backend::Postgres, |_| {})?).await?;
    anyhow::ensure!(sqlite.server.config.storage.url.is_empty());
    anyhow::ensure!(!postgres.server.config.storage.url.is_empty());
    // The documented order: newest post first (by id, so by when it was created or imported).
    let rank: HashMap<&str, usize> = POSTS
        .iter()
        .map(|p| p.0)
        .chain(IMPORTED.iter().map(|i| i.0))
        .enumerate()
        .map(|(i, l)| (l, i))
        .collect();
    let mut failures = Vec::new();
    let fixtures = chat_fixtures();
    for (q, expected) in &fixtures {
        let on_sqlite = chat_answer(&sqlite, q).await?;
        let on_postgres = chat_answer(&postgres, q).await?;
        let expected = match expected {
            Ok(labels) => {
                let mut l = labels.clone();
                l.sort_by_key(|x| std::cmp::Reverse(rank.get(x).copied().unwrap_or(0)));
                Answer::Hits(l.into_iter().map(str::to_string).collect())
            }
            Err(status) => Answer::Error(*status, "validation_failed".into()),
        };
        if on_sqlite != expected || on_postgres != expected {
            failures.push(format!(
                "{q:?}\n  expected   {expected:?}\n  sqlite     {on_sqlite:?}\n  postgresql {on_postgres:?}"
            ));
        }
    }
    // Browsing the team's public channels by part of a name: folded the same way, ordered by
    // display name (bytes: the imported channel is named "archives" in lowercase).
    let all = ["cuisine", "town-square", "v-lo", "archives"];
    let browse: &[(&str, &[&str])] = &[
        ("", &all),
        ("velo", &["v-lo"]),
        ("VÉLO", &["v-lo"]),
        ("v-lo", &["v-lo"]),
        ("CUI", &["cuisine"]),
        ("town square", &["town-square"]),
        ("zz", &[]),
        ("%", &all),
        ("_", &all),
    ];
    for (q, expected) in browse {
        let mut answers = Vec::new();
        for side in [&sqlite, &postgres] {
            let r = side
                .bob
                .get(&format!(
                    "/api/v1/chat/teams/equipe/channels/browse?q={}",
                    enc(q)
                ))
                .await?;
            answers.push(
                r.body
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|c| c["name"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>(),
            );
        }
        if answers.iter().any(|a| a != expected) {
            failures.push(format!(
                "browse {q:?}\n  expected   {expected:?}\n  sqlite     {:?}\n  postgresql {:?}",
                answers[0], answers[1]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} chat queries differ:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
    Ok(())
}

// ---- wiki ------------------------------------------------------------------------------------

/// (name, text), saved in this order; "Réunion d'équipe" is saved again at the end and
/// "Temporaire" deleted. "Home" comes with the wiki.
const PAGES: &[(&str, &str)] = &[
    (
        "Budget 2027",
        "Le budget prévisionnel de l'association. Budget, budget, budget.",
    ),
    (
        "Réunion d'équipe",
        "Compte rendu : le budget sera voté à l'école.",
    ),
    (
        "Vélo",
        "Atelier vélo le samedi ; apportez votre cœur et vos outils.",
    ),
    ("Straße", "Die Straße in München"),
    ("Ёлка", "Новогодняя ёлка в зале"),
    ("東京", "東京タワーに行きました"),
    ("Summer", "fest on the beach"),
    ("Plage", "the summer fest is great"),
    ("Café", "naïve façade ﬁnale"),
    ("Divers", "budget budget ordre du jour"),
    ("Temporaire", "à effacer"),
];

/// Query → (pages whose name holds every term, the other pages found) in any order: the test
/// orders each group by last change, newest first. Or the error status.
#[allow(clippy::type_complexity)]
fn wiki_fixtures() -> Vec<(String, Result<(Vec<&'static str>, Vec<&'static str>), u16>)> {
    let budget = || Ok((vec!["Budget 2027"], vec!["Réunion d'équipe", "Divers"]));
    let mut t: Vec<(String, Result<(Vec<&'static str>, Vec<&'static str>), u16>)> = vec![
        ("budget".into(), budget()),
        (
            "b".into(),
            Ok((
                vec!["Budget 2027"],
                vec!["Réunion d'équipe", "Divers", "Summer"],
            )),
        ),
        ("bud".into(), budget()),
        ("BUDGÉT".into(), budget()),
        ("budget 2027".into(), Ok((vec!["Budget 2027"], vec![]))),
        ("budget vote".into(), Ok((vec![], vec!["Réunion d'équipe"]))),
        ("ecole".into(), Ok((vec![], vec!["Réunion d'équipe"]))),
        ("l'école".into(), Ok((vec![], vec!["Réunion d'équipe"]))),
        ("reunion".into(), Ok((vec!["Réunion d'équipe"], vec![]))),
        ("équipe".into(), Ok((vec!["Réunion d'équipe"], vec![]))),
        ("coeur".into(), Ok((vec![], vec!["Vélo"]))),
        ("velo".into(), Ok((vec!["Vélo"], vec![]))),
        ("strasse".into(), Ok((vec!["Straße"], vec![]))),
        ("munchen".into(), Ok((vec![], vec!["Straße"]))),
        ("елка".into(), Ok((vec!["Ёлка"], vec![]))),
        ("новогодняя".into(), Ok((vec![], vec!["Ёлка"]))),
        ("東京".into(), Ok((vec!["東京"], vec![]))),
        ("タワー".into(), Ok((vec![], vec!["東京"]))),
        ("行き".into(), Ok((vec![], vec!["東京"]))),
        ("summer".into(), Ok((vec!["Summer"], vec!["Plage"]))),
        ("summer fest".into(), Ok((vec![], vec!["Summer", "Plage"]))),
        // The wiki's search has no quoted phrases; a word that folds into several is one (l'école,
        // summer-fest), and it lies within the name or within the text, never across.
        (
            "\"summer fest\"".into(),
            Ok((vec![], vec!["Summer", "Plage"])),
        ),
        ("summer-fest".into(), Ok((vec![], vec!["Plage"]))),
        ("\"fest on the\"".into(), Ok((vec![], vec!["Summer"]))),
        ("cafe".into(), Ok((vec!["Café"], vec![]))),
        ("naive facade".into(), Ok((vec![], vec!["Café"]))),
        ("finale".into(), Ok((vec![], vec!["Café"]))),
        ("or".into(), Ok((vec![], vec!["Divers"]))),
        ("OR NEAR".into(), Ok((vec![], vec![]))),
        ("effacer".into(), Ok((vec![], vec![]))),
        ("zzzz".into(), Ok((vec![], vec![]))),
        ("welcome".into(), Ok((vec![], vec!["Home"]))),
        ("-".into(), Ok((vec![], vec![]))),
        ("'".into(), Ok((vec![], vec![]))),
        ("\"".into(), Err(422)),
        ("*".into(), Err(422)),
        ("()".into(), Err(422)),
    ];
    t.push(("budget ".repeat(12).trim_end().to_string(), budget()));
    t
}

struct WikiSide {
    ana: Client,
    server: TestServer,
}

fn page_path(name: &str) -> String {
    format!("/api/v1/wikis/docs/pages/{}", enc(&name.replace(' ', "_")))
}

/// Fills the wiki; returns the order of last changes (oldest first).
async fn wiki_corpus(server: TestServer) -> anyhow::Result<(WikiSide, Vec<String>)> {
    let ana = server.login_as("ana", false).await?;
    ok(
        ana.post(
            "/api/v1/wikis",
            json!({"slug": "docs", "title": "Docs", "visibility": "public"}),
        )
        .await,
        "wiki",
    )
    .await?;
    let mut changed = vec!["Home".to_string()];
    // Changes a few milliseconds apart: the order is by last change, and a tie would fall back
    // to the page id, which is the same on both servers but not what the table states.
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(5));
    for (name, text) in PAGES {
        pause().await;
        ok(
            ana.put_json(
                &page_path(name),
                json!({"text": text, "base_rev": null, "summary": "corpus"}),
            )
            .await,
            name,
        )
        .await?;
        changed.push(name.to_string());
    }
    pause().await;
    let page = ok(ana.get(&page_path("Réunion d'équipe")).await, "page").await?;
    let rev = page["page"]["rev"].as_i64();
    ok(
        ana.put_json(
            &page_path("Réunion d'équipe"),
            json!({"text": "Compte rendu : le budget sera voté à l'école (corrigé).", "base_rev": rev, "summary": "edit"}),
        )
        .await,
        "edit",
    )
    .await?;
    changed.retain(|n| n != "Réunion d'équipe");
    changed.push("Réunion d'équipe".into());
    ok(ana.delete(&page_path("Temporaire")).await, "delete").await?;
    changed.retain(|n| n != "Temporaire");
    Ok((WikiSide { ana, server }, changed))
}

async fn wiki_answer(side: &WikiSide, q: &str) -> anyhow::Result<(Answer, Vec<String>)> {
    let r = side
        .ana
        .get(&format!("/api/v1/wikis/docs/search?q={}", enc(q)))
        .await?;
    if r.status != 200 {
        return Ok((Answer::Error(r.status, r.code().to_string()), vec![]));
    }
    let hits = r.body.as_array().cloned().unwrap_or_default();
    Ok((
        Answer::Hits(
            hits.iter()
                .map(|h| h["page"].as_str().unwrap_or_default().to_string())
                .collect(),
        ),
        hits.iter()
            .map(|h| h["snippet"].as_str().unwrap_or_default().to_string())
            .collect(),
    ))
}

#[tokio::test]
async fn wiki_search_finds_the_same_pages_in_the_same_order_on_both_engines() -> anyhow::Result<()>
{
    if !postgres_available() {
        return Ok(());
    }
    let (sqlite, changed) = wiki_corpus(TestServer::start_on(Backend::Sqlite, |_| {})?).await?;
    let (postgres, _) = wiki_corpus(TestServer::start_on(Backend::Postgres, |_| {})?).await?;
    // The documented order: pages whose name holds every term, then the others; in each, the
    // most recently changed first.
    let rank: HashMap<&str, usize> = changed
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let newest_first = |mut v: Vec<&'static str>| {
        v.sort_by_key(|n| std::cmp::Reverse(rank.get(n).copied().unwrap_or(0)));
        v
    };
    let mut failures = Vec::new();
    let fixtures = wiki_fixtures();
    for (q, expected) in &fixtures {
        let (on_sqlite, snippets_sqlite) = wiki_answer(&sqlite, q).await?;
        let (on_postgres, snippets_postgres) = wiki_answer(&postgres, q).await?;
        let expected = match expected {
            Ok((names, texts)) => Answer::Hits(
                newest_first(names.clone())
                    .into_iter()
                    .chain(newest_first(texts.clone()))
                    .map(str::to_string)
                    .collect(),
            ),
            Err(status) => Answer::Error(*status, "validation_failed".into()),
        };
        if on_sqlite != expected || on_postgres != expected {
            failures.push(format!(
                "{q:?}\n  expected   {expected:?}\n  sqlite     {on_sqlite:?}\n  postgresql {on_postgres:?}"
            ));
        } else if snippets_sqlite != snippets_postgres {
            failures.push(format!(
                "{q:?} excerpts\n  sqlite     {snippets_sqlite:?}\n  postgresql {snippets_postgres:?}"
            ));
        }
    }
    // The directory of public wikis by part of a title, slug or description: folded the same
    // way, most recently changed first.
    for side in [&sqlite, &postgres] {
        for (slug, title, description) in [
            ("ecole", "École du vélo", ""),
            ("tokyo", "東京タワー", "Die Straße"),
        ] {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            ok(
                side.ana
                    .post(
                        "/api/v1/wikis",
                        json!({"slug": slug, "title": title, "description": description, "visibility": "public"}),
                    )
                    .await,
                slug,
            )
            .await?;
        }
    }
    let all = ["tokyo", "ecole", "docs"];
    let directory: &[(&str, &[&str])] = &[
        ("", &all),
        ("ecole", &["ecole"]),
        ("ÉCOLE DU", &["ecole"]),
        ("velo", &["ecole"]),
        ("strasse", &["tokyo"]),
        ("京タ", &["tokyo"]),
        ("DOCS", &["docs"]),
        ("o", &all),
        ("zz", &[]),
        ("%", &all),
    ];
    for (q, expected) in directory {
        let mut answers = Vec::new();
        for side in [&sqlite, &postgres] {
            let r = side.ana.get(&format!("/api/v1/wikis?q={}", enc(q))).await?;
            answers.push(
                r.body
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|w| w["slug"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>(),
            );
        }
        if answers.iter().any(|a| a != expected) {
            failures.push(format!(
                "directory {q:?}\n  expected   {expected:?}\n  sqlite     {:?}\n  postgresql {:?}",
                answers[0], answers[1]
            ));
        }
    }
    // Across the public wikis (now three, each with its Home page), as anyone: the same hits, in
    // the same order, with the same excerpts.
    for (q, _) in &fixtures {
        let mut answers = Vec::new();
        for side in [&sqlite, &postgres] {
            let r = side
                .server
                .client()
                .get(&format!("/api/v1/wiki-search?q={}", enc(q)))
                .await?;
            answers.push((r.status, r.body));
        }
        if answers[0] != answers[1] {
            failures.push(format!(
                "wiki-search {q:?}\n  sqlite     {:?}\n  postgresql {:?}",
                answers[0], answers[1]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} wiki queries differ:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
    Ok(())
}
