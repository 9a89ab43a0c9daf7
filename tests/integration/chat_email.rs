//! Mail about missed chat activity, through the test mail sink: mentions and direct messages not
//! seen in time are mailed in one batch, read ones are not, nothing twice, at most as often as
//! the person chose, only to confirmed addresses, and one click in a mail stops them.

use std::time::Duration;

use nichoir_testkit::{Client, MailSink, TestServer};
use serde_json::json;

use crate::support::{member_with_address, ok, say, team_square};

async fn setup() -> anyhow::Result<(TestServer, MailSink)> {
    let sink = MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| {
        crate::support::mail_to_sink(c, port);
        c.instance.name = "Lilas".into();
        c.chat.email_after_minutes = 0;
    })?;
    Ok((server, sink))
}

/// A member with a confirmed address (or not).
async fn member(server: &TestServer, name: &str, confirmed: bool) -> anyhow::Result<Client> {
    member_with_address(server, name, false, confirmed).await
}

async fn round(server: &TestServer) -> anyhow::Result<usize> {
    server
        .chat
        .mail_missed()
        .await
        .map_err(|e| anyhow::anyhow!(e.message))
}

#[tokio::test]
async fn missed_mentions_and_direct_messages_are_mailed_in_one_batch() -> anyhow::Result<()> {
    let (server, sink) = setup().await?;
    let ana = member(&server, "ana", true).await?;
    let bob = member(&server, "bob", true).await?;
    let cyd = member(&server, "cyd", false).await?;
    let square = team_square(&bob, "club").await?;
    for c in [&ana, &cyd] {
        ok(
            c.post("/api/v1/chat/teams/club/join", json!({})).await?,
            "join",
        )
        .await?;
    }

    // Three mentions of Ana, one of Cyd (no confirmed address), one message for nobody.
    for text in ["@ana first", "@ana second", "@ana third @cyd"] {
        say(&bob, &square, text).await?;
    }
    say(&bob, &square, "for everyone, no mention").await?;
    assert_eq!(round(&server).await?, 1, "one mail: Ana's");
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["<ana@lilas.test>"]);
    let text = crate::support::unquote(&mails[0].data);
    assert!(text.contains("[Lilas] 3 missed messages"), "{text}");
    for t in ["@ana first", "@ana second", "@ana third @cyd"] {
        assert!(text.contains(t), "{t} in {text}");
    }
    assert!(!text.contains("for everyone"), "{text}");
    assert!(text.contains("/chat/club/pl/"), "{text}");
    // Nothing twice.
    assert_eq!(round(&server).await?, 0);

    // Read before the round: no mail. (Ana chooses "immediately" so the period is not why.)
    ok(
        ana.put_json("/api/v1/chat/email", json!({"cadence": "immediately"}))
            .await?,
        "cadence",
    )
    .await?;
    let post = say(&bob, &square, "@ana read this in the app").await?;
    ok(
        ana.post(
            &format!("/api/v1/chat/channels/{square}/view"),
            json!({"post_id": post["id"]}),
        )
        .await?,
        "view",
    )
    .await?;
    assert_eq!(round(&server).await?, 0, "read meanwhile: no mail");

    // A direct message is mailed; under "15min", the next waits for its period.
    let dm = ok(
        bob.post("/api/v1/chat/direct", json!({"usernames": ["ana"]}))
            .await?,
        "dm",
    )
    .await?;
    let dm_id = dm["id"].as_str().unwrap_or("").to_string();
    // Ana switched the app to French: mail written to her later is in French.
    ok(
        ana.patch("/api/v1/me", json!({"language": "fr"})).await?,
        "language",
    )
    .await?;
    let r = ana.patch("/api/v1/me", json!({"language": "de"})).await?;
    assert_eq!(r.status, 422, "{:?}", r.body);
    say(&bob, &dm_id, "un message direct").await?;
    assert_eq!(round(&server).await?, 1);
    ok(
        ana.put_json("/api/v1/chat/email", json!({"cadence": "15min"}))
            .await?,
        "cadence",
    )
    .await?;
    say(&bob, &dm_id, "another one soon after").await?;
    assert_eq!(round(&server).await?, 0, "within the 15 minutes");
    server
        .ctx
        .db
        .write(|c| {
            c.execute(
                "UPDATE chat_email SET last_mailed_at = last_mailed_at - 16 * 60000",
                [],
            )?;
            Ok(())
        })
        .await?;
    assert_eq!(round(&server).await?, 1, "after them");
    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    let last = crate::support::unquote(&mails[2].data);
    assert!(
        last.contains("another one soon after") && last.contains("en message direct"),
        "{last}"
    );

    // The mail app's one click (RFC 8058): the URL of the mail's List-Unsubscribe header,
    // POSTed as the header List-Unsubscribe-Post says; any other token changes nothing.
    assert!(
        last.contains("/unsubscribe#"),
        "a link for people too: {last}"
    );
    assert!(
        last.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{last}"
    );
    // From the raw headers (they are not quoted-printable: the body is).
    let url = mails[2]
        .data
        .split("List-Unsubscribe: <")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or("")
        .to_string();
    assert!(
        url.starts_with(&server.url) && url.contains("token="),
        "{last}"
    );
    let r = server
        .client()
        .post(
            "/api/v1/chat/email/unsubscribe",
            json!({"token": "not-a-token"}),
        )
        .await?;
    assert_eq!(r.status, 204);
    assert_eq!(
        ana.get("/api/v1/chat/email").await?.body["cadence"],
        "15min"
    );
    let r = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await?;
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        ana.get("/api/v1/chat/email").await?.body["cadence"],
        "never"
    );
    say(&bob, &dm_id, "after unsubscribing").await?;
    assert_eq!(round(&server).await?, 0);

    // Bad choices are refused.
    let r = ana
        .put_json("/api/v1/chat/email", json!({"cadence": "weekly"}))
        .await?;
    assert_eq!(r.status, 422, "{:?}", r.body);
    Ok(())
}
