//! The language of mails, through the test mail sink: each person's chosen language, else the
//! instance's default as an admin set it last, in force without a restart; and what the server
//! names by itself (a deleted account, a team's first channel) follows the same rule.

use std::time::Duration;

use nichoir_testkit::{Client, MailSink, TestServer};
use serde_json::json;

use crate::support::{channel_named, member_with_address, ok, say, team_square, unquote, PASSWORD};

/// A member with a confirmed address, in `language` if given.
async fn member(
    server: &TestServer,
    name: &str,
    admin: bool,
    language: Option<&str>,
) -> anyhow::Result<Client> {
    let c = member_with_address(server, name, admin, true).await?;
    // Each round may mail each person again.
    ok(
        c.put_json("/api/v1/chat/email", json!({"cadence": "immediately"}))
            .await?,
        "cadence",
    )
    .await?;
    if let Some(l) = language {
        ok(
            c.patch("/api/v1/me", json!({"language": l})).await?,
            "language",
        )
        .await?;
    }
    Ok(c)
}

/// One round of missed-message mail, and the mails it sent, by recipient.
async fn round(
    server: &TestServer,
    sink: &MailSink,
    before: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let sent = server
        .chat
        .mail_missed()
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let mails = sink.wait_for(before + sent, Duration::from_secs(10)).await;
    anyhow::ensure!(
        mails.len() == before + sent,
        "{} mails, {sent} sent",
        mails.len()
    );
    Ok(mails[before..]
        .iter()
        .map(|m| (m.to.join(","), unquote(&m.data)))
        .collect())
}

fn mail_to<'a>(mails: &'a [(String, String)], who: &str) -> &'a str {
    mails
        .iter()
        .find(|(to, _)| to.contains(&format!("{who}@")))
        .map(|(_, text)| text.as_str())
        .unwrap_or("")
}

#[tokio::test]
async fn missed_message_mail_speaks_the_recipients_language_then_the_live_default(
) -> anyhow::Result<()> {
    let sink = MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| {
        crate::support::mail_to_sink(c, port);
        c.instance.name = "Lilas".into();
        c.instance.default_language = "en".into();
        c.chat.email_after_minutes = 0;
    })?;
    let root = member(&server, "root", true, None).await?;
    let ana = member(&server, "ana", false, Some("fr")).await?;
    let cyd = member(&server, "cyd", false, None).await?;
    let dan = member(&server, "dan", false, None).await?;
    let square = team_square(&root, "club").await?;
    for c in [&ana, &cyd, &dan] {
        ok(
            c.post("/api/v1/chat/teams/club/join", json!({})).await?,
            "join",
        )
        .await?;
    }

    // The instance speaks English; Ana chose French, Cyd chose nothing. Dan, who mentions Ana,
    // deletes his account before the mail goes: his name is said in Ana's language.
    say(&root, &square, "@ana @cyd réunion jeudi").await?;
    say(&dan, &square, "@ana see you").await?;
    ok(
        dan.post("/api/v1/me/delete", json!({"password": PASSWORD}))
            .await?,
        "delete dan",
    )
    .await?;
    let mails = round(&server, &sink, 0).await?;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to_ana = mail_to(&mails, "ana");
    // (A subject with accents is encoded: the body says it plainly.)
    assert!(to_ana.contains("Pendant votre absence"), "{to_ana}");
    assert!(to_ana.contains("Utilisateur supprimé"), "{to_ana}");
    assert!(!to_ana.contains("Deleted user"), "{to_ana}");
    let to_cyd = mail_to(&mails, "cyd");
    assert!(to_cyd.contains("[Lilas] 1 missed message"), "{to_cyd}");
    assert!(to_cyd.contains("Hello"), "{to_cyd}");

    // An admin makes French the instance's language in the admin page: the next mail to Cyd is
    // in French, without a restart; Ana's choice and an English choice are kept.
    ok(
        root.patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {"instance.default_language": "fr"}}),
        )
        .await?,
        "default language",
    )
    .await?;
    ok(cyd.get("/api/v1/me").await?, "me").await?;
    let bob = member(&server, "bob", false, Some("en")).await?;
    ok(
        bob.post("/api/v1/chat/teams/club/join", json!({})).await?,
        "join",
    )
    .await?;
    say(&root, &square, "@cyd @bob et maintenant ?").await?;
    let mails = round(&server, &sink, 2).await?;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to_cyd = mail_to(&mails, "cyd");
    assert!(to_cyd.contains("Pendant votre absence"), "{to_cyd}");
    let to_bob = mail_to(&mails, "bob");
    assert!(to_bob.contains("[Lilas] 1 missed message"), "{to_bob}");

    // A team made now opens on a square named in the instance's language as it is now.
    team_square(&root, "jardin").await?;
    let jardin = channel_named(&root, "jardin", "town-square").await?;
    assert_eq!(jardin["display_name"], "Place du village");

    // And back: someone with no choice reads English again.
    ok(
        root.patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {"instance.default_language": null}}),
        )
        .await?,
        "default language back",
    )
    .await?;
    say(&root, &square, "@cyd back").await?;
    let mails = round(&server, &sink, 4).await?;
    assert!(
        mail_to(&mails, "cyd").contains("1 missed message"),
        "{mails:?}"
    );
    Ok(())
}

#[tokio::test]
async fn poll_and_wiki_mails_speak_the_recipients_language() -> anyhow::Result<()> {
    let sink = MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| {
        crate::support::mail_to_sink(c, port);
        c.instance.name = "Lilas".into();
    })?;
    let ana = member(&server, "ana", false, Some("fr")).await?;
    let bob = member(&server, "bob", false, None).await?;

    // Ana's poll: the mail with its links is in French.
    let r = ana
        .post(
            "/api/v1/polls",
            json!({"kind": "date", "title": "Pique-nique", "author_name": "Ana",
                   "author_email": "ana@lilas.test", "timezone": "Europe/Paris",
                   "options": [{"date": "2030-06-03"}, {"date": "2030-06-04"}]}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    let text = unquote(&mails[0].data);
    assert!(
        text.contains("Votre sondage « Pique-nique » est prêt"),
        "{text}"
    );

    // Bob watches a page Ana changes: he chose no language, the instance's is English; once he
    // chooses French, the next change reaches him in French.
    crate::support::open_wiki(&ana, "club").await?;
    let page = "/api/v1/wikis/club/pages/Rules";
    let save = |text: &'static str, base: Option<i64>| {
        let ana = &ana;
        async move {
            ok(
                ana.put_json(
                    page,
                    json!({"text": text, "base_rev": base, "summary": "ordre"}),
                )
                .await?,
                "save",
            )
            .await
        }
    };
    save("Soyez gentils.", None).await?;
    assert_eq!(
        bob.put_json(&format!("{page}/watch"), json!({}))
            .await?
            .status,
        204
    );
    save("Soyez gentils.\nSoyez à l'heure.", Some(1)).await?;
    let mails = sink.wait_for(2, Duration::from_secs(10)).await;
    let text = unquote(&mails[1].data);
    assert!(text.contains("ANA changed \"Rules\" (Club)"), "{text}");
    ok(
        bob.patch("/api/v1/me", json!({"language": "fr"})).await?,
        "language",
    )
    .await?;
    save(
        "Soyez gentils.\nSoyez à l'heure.\nApportez un gâteau.",
        Some(2),
    )
    .await?;
    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    let text = unquote(&mails[2].data);
    assert!(
        text.contains("ANA a modifié « Rules » dans Club : ordre"),
        "{text}"
    );
    Ok(())
}

/// A classic poll by `c` that mails `to` of its votes and comments, made from a page in
/// `language` and/or with the header `Accept-Language: accept`: its id and first option.
async fn poll_mailing(
    c: &Client,
    to: &str,
    language: Option<&str>,
    accept: Option<&str>,
) -> anyhow::Result<(String, serde_json::Value)> {
    let mut body = json!({"kind": "classic", "title": "Pique-nique", "author_name": "Auteur",
                          "author_email": to, "notify_votes": true, "notify_comments": true,
                          "options": [{"label": "Samedi"}, {"label": "Dimanche"}]});
    if let Some(l) = language {
        body["language"] = json!(l);
    }
    let mut req = c
        .http
        .post(c.url("/api/v1/polls"))
        .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
        .json(&body);
    if let Some(a) = accept {
        req = req.header("accept-language", a);
    }
    let created = ok(c.send(req).await?, "poll").await?;
    let token = created["admin_token"].as_str().unwrap_or("");
    let view = c.get(&format!("/api/v1/poll-admin/{token}")).await?;
    Ok((
        created["poll"]["id"].as_str().unwrap_or("").to_string(),
        view.body["options"][0]["id"].clone(),
    ))
}

/// The bodies of the mails to `to` once `total` mails in all have come.
async fn mails_to(sink: &MailSink, total: usize, to: &str) -> Vec<String> {
    sink.wait_for(total, Duration::from_secs(10))
        .await
        .iter()
        .filter(|m| m.to.iter().any(|t| t.trim_matches(['<', '>']) == to))
        .map(|m| unquote(&m.data))
        .collect()
}

/// A guest has no account to keep a language: the poll keeps the one its author made it in, and
/// every mail to the author speaks it, whatever the instance's language is or becomes; an
/// account's own choice still comes first.
#[tokio::test]
async fn a_guest_authors_poll_mails_speak_the_language_they_made_it_in() -> anyhow::Result<()> {
    let sink = MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| {
        crate::support::mail_to_sink(c, port);
        c.instance.name = "Lilas".into();
        c.instance.default_language = "en".into();
    })?;
    let root = member(&server, "root", true, None).await?;
    let voter = server.guest().await?;

    // A French guest on an English instance: the links, then a vote and a comment, in French.
    let lea = server.guest().await?;
    let (poll, leas) = poll_mailing(&lea, "lea@lilas.test", Some("fr"), None).await?;
    let ready = mails_to(&sink, 1, "lea@lilas.test").await;
    assert!(
        ready
            .iter()
            .any(|m| m.contains("Votre sondage « Pique-nique » est prêt")),
        "{ready:?}"
    );
    crate::support::vote_and_comment(&voter, &poll, &leas, "Zoé", "je viens").await?;
    let to_lea = mails_to(&sink, 3, "lea@lilas.test").await;
    assert_eq!(to_lea.len(), 3, "{to_lea:?}");
    assert!(
        to_lea
            .iter()
            .any(|m| m.contains("Zoé a répondu à votre sondage")),
        "{to_lea:?}"
    );
    assert!(
        to_lea.iter().any(|m| m.contains("Zoé a écrit :")),
        "{to_lea:?}"
    );

    // The instance turns French: an English guest's mails stay English, whether the page said
    // so or only the browser did; Léa's stay French.
    ok(
        root.patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {"instance.default_language": "fr"}}),
        )
        .await?,
        "default language",
    )
    .await?;
    let sam = server.guest().await?;
    let (sams, option) = poll_mailing(&sam, "sam@lilas.test", Some("en"), None).await?;
    let ready = mails_to(&sink, 4, "sam@lilas.test").await;
    assert!(
        ready
            .iter()
            .any(|m| m.contains("Your poll \"Pique-nique\" is ready.")),
        "{ready:?}"
    );
    crate::support::vote_and_comment(&voter, &sams, &option, "Zoe", "coming").await?;
    let to_sam = mails_to(&sink, 6, "sam@lilas.test").await;
    assert!(
        to_sam.iter().any(|m| m.contains("Zoe answered your poll")),
        "{to_sam:?}"
    );
    assert!(
        to_sam.iter().any(|m| m.contains("Zoe wrote:")),
        "{to_sam:?}"
    );
    let kim = server.guest().await?;
    poll_mailing(
        &kim,
        "kim@lilas.test",
        None,
        Some("en-GB,en;q=0.9,fr;q=0.5"),
    )
    .await?;
    let ready = mails_to(&sink, 7, "kim@lilas.test").await;
    assert!(
        ready
            .iter()
            .any(|m| m.contains("Your poll \"Pique-nique\" is ready.")),
        "{ready:?}"
    );
    crate::support::vote_and_comment(&server.guest().await?, &poll, &leas, "Noé", "moi aussi")
        .await?;
    let to_lea = mails_to(&sink, 9, "lea@lilas.test").await;
    assert!(
        to_lea
            .iter()
            .any(|m| m.contains("Noé a répondu à votre sondage")),
        "{to_lea:?}"
    );

    // Signed in with a language of one's own: the account's choice wins over the page's.
    let ana = member(&server, "ana", false, Some("fr")).await?;
    poll_mailing(&ana, "ana@lilas.test", Some("en"), None).await?;
    let ready = mails_to(&sink, 10, "ana@lilas.test").await;
    assert!(
        ready
            .iter()
            .any(|m| m.contains("Votre sondage « Pique-nique » est prêt")),
        "{ready:?}"
    );
    Ok(())
}
