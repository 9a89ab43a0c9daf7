//! Notifications and Web Push, against a push service that checks the VAPID signature and
//! decrypts what it receives with the device's key (`nichoir_testkit::PushService`): the right
//! person's devices get the right notification, nobody else's; muted channels, preferences and
//! quiet hours hold it back; a gone device is forgotten, a failing one retried; bad
//! subscriptions are refused; the bell counts and clears.

use std::time::Duration;

use nichoir_testkit::{Client, Device, PushService, TestServer};
use serde_json::{json, Value};

use crate::support::{ok, say, team_square, vote_and_comment, PASSWORD};

const WAIT: Duration = Duration::from_secs(10);
/// How long "nothing arrives" is watched for.
const QUIET: Duration = Duration::from_millis(1500);

async fn setup(max_devices: u64) -> anyhow::Result<(TestServer, PushService)> {
    let push = PushService::start();
    let server = TestServer::start_with(|c| {
        c.push.allow_loopback_http = true;
        c.push.max_subscriptions_per_user = max_devices;
        c.transparency.contact_email = "host@nichoir.test".into();
    })?;
    Ok((server, push))
}

async fn member(server: &TestServer, name: &str) -> anyhow::Result<Client> {
    server.create_user(name, PASSWORD, false).await?;
    let mut c = server.client();
    c.login(name, PASSWORD).await?;
    Ok(c)
}

/// `ana`, `bob` and `cyd` in team `club`; answers them and the town square's id.
async fn club(server: &TestServer) -> anyhow::Result<(Client, Client, Client, String)> {
    let ana = member(server, "ana").await?;
    let bob = member(server, "bob").await?;
    let cyd = member(server, "cyd").await?;
    let square = team_square(&bob, "club").await?;
    for c in [&ana, &cyd] {
        ok(
            c.post("/api/v1/chat/teams/club/join", json!({})).await?,
            "join",
        )
        .await?;
    }
    Ok((ana, bob, cyd, square))
}

async fn subscribe(c: &Client, push: &PushService) -> anyhow::Result<Device> {
    let d = push.device().await?;
    ok(
        c.post("/api/v1/push/subscriptions", d.subscription.clone())
            .await?,
        "subscribe",
    )
    .await?;
    Ok(d)
}

async fn bell(c: &Client) -> anyhow::Result<Value> {
    ok(c.get("/api/v1/notifications").await?, "bell").await
}

/// Waits until `c`'s bell has `n` unread.
async fn unread_becomes(c: &Client, n: i64) -> anyhow::Result<Value> {
    let start = std::time::Instant::now();
    loop {
        let b = bell(c).await?;
        if b["unread"] == n || start.elapsed() > WAIT {
            anyhow::ensure!(
                b["unread"] == n,
                "unread {} instead of {n}: {b}",
                b["unread"]
            );
            return Ok(b);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_mention_reaches_only_the_mentioned_persons_devices_encrypted_and_signed(
) -> anyhow::Result<()> {
    let (server, push) = setup(10).await?;
    let (ana, bob, cyd, square) = club(&server).await?;
    let phone = subscribe(&ana, &push).await?;
    let laptop = subscribe(&ana, &push).await?;
    let cyds = subscribe(&cyd, &push).await?;
    let key = ok(ana.get("/api/v1/push/key").await?, "key").await?;
    assert_eq!(key["enabled"], true);

    let post = say(&bob, &square, "@ana the minutes are ready").await?;
    let got = push.wait_for(&phone, 1, WAIT).await?;
    assert_eq!(
        got.len(),
        1,
        "{got:?} {} {}",
        push.stats().await?,
        bell(&ana).await?
    );
    let m = &got[0];
    let p = &m["payload"];
    assert_eq!(p["kind"], "mention");
    assert_eq!(p["body"], "@ana the minutes are ready");
    assert_eq!(p["url"], format!("/chat/club/pl/{}", post["id"]));
    assert!(
        p["title"]
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .contains("bob"),
        "{p}"
    );
    assert_eq!(p["ring"], false);
    // Signed with the key the server publishes; kept a day by the push service.
    assert_eq!(m["k"], key["public_key"]);
    assert_eq!(m["ttl"], 86_400);
    assert_eq!(m["urgency"], "normal");
    assert_eq!(push.wait_for(&laptop, 1, WAIT).await?.len(), 1);
    tokio::time::sleep(QUIET).await;
    assert!(
        push.messages(&cyds).await?.is_empty(),
        "Cyd was not mentioned"
    );
    assert_eq!(push.stats().await?["rejected"], json!([]));

    // The bell: one unread for Ana, nothing for Cyd or Bob (his own message).
    let b = unread_becomes(&ana, 1).await?;
    assert_eq!(b["items"][0]["kind"], "mention");
    assert_eq!(b["items"][0]["tool"], "chat");
    assert_eq!(b["items"][0]["scope"], format!("chat:{square}"));
    assert_eq!(bell(&cyd).await?["unread"], 0);
    assert_eq!(bell(&bob).await?["unread"], 0);

    // Opening the channel marks it read there.
    ok(
        ana.post(&format!("/api/v1/chat/channels/{square}/view"), json!({}))
            .await?,
        "view",
    )
    .await?;
    unread_becomes(&ana, 0).await?;

    // A direct message: kind direct, to Ana's devices only.
    let dm = ok(
        bob.post("/api/v1/chat/direct", json!({"usernames": ["ana"]}))
            .await?,
        "dm",
    )
    .await?;
    say(
        &bob,
        dm["id"].as_str().unwrap_or(""),
        "are you coming tonight?",
    )
    .await?;
    let got = push.wait_for(&phone, 2, WAIT).await?;
    assert_eq!(got[1]["payload"]["kind"], "direct");
    assert_eq!(
        got[1]["payload"]["title"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref(),
        Some("bob")
    );
    unread_becomes(&ana, 1).await?;
    ok(
        ana.post("/api/v1/notifications/read", json!({"all": true}))
            .await?,
        "read",
    )
    .await?;
    unread_becomes(&ana, 0).await?;
    assert_eq!(push.messages(&cyds).await?.len(), 0);
    Ok(())
}

#[tokio::test]
async fn muted_channels_preferences_and_quiet_hours_hold_notifications_back() -> anyhow::Result<()>
{
    let (server, push) = setup(10).await?;
    let (ana, bob, _cyd, square) = club(&server).await?;
    let phone = subscribe(&ana, &push).await?;
    let notify = format!("/api/v1/chat/channels/{square}/notify");

    // Muted: nothing, not even in the bell.
    ok(
        ana.put_json(&notify, json!({"level": "none"})).await?,
        "mute",
    )
    .await?;
    say(&bob, &square, "@ana are you there?").await?;
    tokio::time::sleep(QUIET).await;
    assert!(push.messages(&phone).await?.is_empty());
    assert_eq!(bell(&ana).await?["unread"], 0);

    // Every message: a plain message notifies too.
    ok(ana.put_json(&notify, json!({"level": "all"})).await?, "all").await?;
    let ch = ok(
        ana.get(&format!("/api/v1/chat/channels/{square}")).await?,
        "ch",
    )
    .await?;
    assert_eq!(ch["me"]["notify"], "all");
    say(&bob, &square, "the hall is booked").await?;
    let got = push.wait_for(&phone, 1, WAIT).await?;
    assert_eq!(got[0]["payload"]["kind"], "message");

    // Chat at "mentions" for the whole tool: plain messages stop, mentions go on.
    ok(
        ana.put_json(&notify, json!({"level": "mentions"})).await?,
        "mentions",
    )
    .await?;
    let prefs = ok(
        ana.put_json(
            "/api/v1/notifications/preferences",
            json!({"tools": {"chat": "none"}}),
        )
        .await?,
        "prefs",
    )
    .await?;
    assert_eq!(prefs["tools"]["chat"], "none");
    assert_eq!(prefs["tools"]["polls"], "all");
    say(&bob, &square, "@ana hello?").await?;
    tokio::time::sleep(QUIET).await;
    assert_eq!(push.messages(&phone).await?.len(), 1);
    ok(
        ana.put_json(
            "/api/v1/notifications/preferences",
            json!({"tools": {"chat": "mentions"}}),
        )
        .await?,
        "prefs",
    )
    .await?;
    let unread_before = bell(&ana).await?["unread"].as_i64().unwrap_or(0);

    // Do not disturb: into the bell quietly, no push.
    let until = "2099-01-01T00:00:00Z";
    let prefs = ok(
        ana.put_json(
            "/api/v1/notifications/preferences",
            json!({"tools": {"chat": "mentions"}, "dnd_until": until}),
        )
        .await?,
        "dnd",
    )
    .await?;
    assert_eq!(prefs["quiet_now"], true);
    say(&bob, &square, "@ana during the quiet hours").await?;
    unread_becomes(&ana, unread_before + 1).await?;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        push.messages(&phone).await?.len(),
        1,
        "no push in quiet hours"
    );

    // A schedule covering every minute of every day is quiet too; an empty one is not.
    let always = json!({"start": "00:00", "end": "23:59", "days": [0, 1, 2, 3, 4, 5, 6], "zone": "Europe/Paris"});
    let prefs = ok(
        ana.put_json(
            "/api/v1/notifications/preferences",
            json!({"schedule": always}),
        )
        .await?,
        "schedule",
    )
    .await?;
    assert_eq!(prefs["schedule"]["zone"], "Europe/Paris");
    let prefs = ok(
        ana.put_json("/api/v1/notifications/preferences", json!({}))
            .await?,
        "clear",
    )
    .await?;
    assert_eq!(prefs["quiet_now"], false);
    say(&bob, &square, "@ana back").await?;
    assert_eq!(push.wait_for(&phone, 2, WAIT).await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn replies_reach_the_threads_followers() -> anyhow::Result<()> {
    let (server, push) = setup(10).await?;
    let (ana, bob, cyd, square) = club(&server).await?;
    let phone = subscribe(&ana, &push).await?;
    let cyds = subscribe(&cyd, &push).await?;
    let root = say(&ana, &square, "who brings the chairs?").await?;
    ok(
        bob.post(
            &format!("/api/v1/chat/channels/{square}/posts"),
            json!({"text": "I do", "root_id": root["id"]}),
        )
        .await?,
        "reply",
    )
    .await?;
    let got = push.wait_for(&phone, 1, WAIT).await?;
    assert_eq!(got[0]["payload"]["kind"], "reply");
    tokio::time::sleep(QUIET).await;
    assert!(
        push.messages(&cyds).await?.is_empty(),
        "Cyd does not follow the thread"
    );
    Ok(())
}

#[tokio::test]
async fn gone_devices_are_forgotten_and_failing_ones_retried() -> anyhow::Result<()> {
    let (server, push) = setup(10).await?;
    let (ana, bob, _cyd, square) = club(&server).await?;
    let gone = subscribe(&ana, &push).await?;
    let flaky = subscribe(&ana, &push).await?;
    push.answer(&gone, 410, 0).await?;
    push.answer(&flaky, 503, 0).await?;
    say(&bob, &square, "@ana one").await?;
    // The gone one is dropped from Ana's devices.
    let start = std::time::Instant::now();
    loop {
        let list = ok(ana.get("/api/v1/push/subscriptions").await?, "list").await?;
        if list.as_array().map_or(0, Vec::len) == 1 {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < WAIT,
            "the 410 device is still listed: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The failing one got it once, refused; then it works again and the retry arrives.
    let first = push.wait_for(&flaky, 1, WAIT).await?;
    assert_eq!(first[0]["answered"], 503);
    push.answer(&flaky, 201, 0).await?;
    let again = push.wait_for(&flaky, 2, WAIT).await?;
    assert_eq!(again.len(), 2, "{again:?}");
    assert_eq!(again[1]["answered"], 201);
    assert_eq!(again[1]["payload"], first[0]["payload"]);
    // Meanwhile the message itself was never held up: it is in the channel.
    let posts = ok(
        ana.get(&format!("/api/v1/chat/channels/{square}/posts"))
            .await?,
        "posts",
    )
    .await?;
    assert!(posts.to_string().contains("@ana one"));
    Ok(())
}

#[tokio::test]
async fn bad_subscriptions_are_refused_and_devices_are_capped() -> anyhow::Result<()> {
    let (server, push) = setup(2).await?;
    let ana = member(&server, "ana").await?;
    let bob = member(&server, "bob").await?;
    let d = push.device().await?;
    let keys = d.subscription["keys"].clone();
    let cases = [
        json!({"endpoint": "http://push.example.net/x", "keys": keys}),
        json!({"endpoint": "https://10.0.0.8/x", "keys": keys}),
        json!({"endpoint": "javascript:alert(1)", "keys": keys}),
        json!({"endpoint": format!("https://push.example.net/{}", "a".repeat(5000)), "keys": keys}),
        json!({"endpoint": "https://push.example.net/x", "keys": {"p256dh": "A".repeat(10_000), "auth": keys["auth"]}}),
        json!({"endpoint": "https://push.example.net/x", "keys": {"p256dh": keys["p256dh"], "auth": "short"}}),
        json!({"endpoint": "https://push.example.net/x", "keys": keys, "label": "bad\u{0}label"}),
    ];
    for body in cases {
        let r = ana.post("/api/v1/push/subscriptions", body.clone()).await?;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.code(), "validation_failed");
    }
    for body in [
        json!({"endpoint": 3}),
        json!({"keys": keys}),
        json!({"endpoint": "https://p.example/x", "keys": keys, "extra": 1}),
    ] {
        let r = ana.post("/api/v1/push/subscriptions", body.clone()).await?;
        assert!(r.status == 400 || r.status == 422, "{body}: {}", r.status);
    }
    // Two devices at most; the same device again is not a third.
    ok(
        ana.post("/api/v1/push/subscriptions", d.subscription.clone())
            .await?,
        "1",
    )
    .await?;
    ok(
        ana.post("/api/v1/push/subscriptions", d.subscription.clone())
            .await?,
        "1 again",
    )
    .await?;
    let second = push.device().await?;
    ok(
        ana.post("/api/v1/push/subscriptions", second.subscription.clone())
            .await?,
        "2",
    )
    .await?;
    let third = push.device().await?;
    let r = ana
        .post("/api/v1/push/subscriptions", third.subscription.clone())
        .await?;
    assert_eq!(r.status, 409);
    // Nobody removes another's device; its owner does.
    let list = ok(ana.get("/api/v1/push/subscriptions").await?, "list").await?;
    let id = list[0]["id"].as_str().unwrap_or("").to_string();
    assert_eq!(list[0]["service"], "127.0.0.1");
    assert_eq!(
        bob.delete(&format!("/api/v1/push/subscriptions/{id}"))
            .await?
            .status,
        404
    );
    assert_eq!(
        ana.delete(&format!("/api/v1/push/subscriptions/{id}"))
            .await?
            .status,
        204
    );
    // Bad preferences and reads.
    for body in [
        json!({"tools": {"mail": "all"}}),
        json!({"tools": {"chat": "loud"}}),
        json!({"dnd_until": "tomorrow"}),
        json!({"schedule": {"start": "25:00", "end": "07:00", "days": [1], "zone": "UTC"}}),
        json!({"schedule": {"start": "22:00", "end": "07:00", "days": [9], "zone": "UTC"}}),
        json!({"schedule": {"start": "22:00", "end": "07:00", "days": [1], "zone": "Atlantis/Capital"}}),
    ] {
        let r = ana
            .put_json("/api/v1/notifications/preferences", body.clone())
            .await?;
        assert!(r.status == 400 || r.status == 422, "{body}: {}", r.status);
    }
    assert_eq!(
        ana.post("/api/v1/notifications/read", json!({}))
            .await?
            .status,
        422
    );
    let r = ana.get("/api/v1/notifications?before=x").await?;
    assert_eq!(r.status, 400);
    // Without an account: nothing.
    let anon = server.client();
    assert_eq!(anon.get("/api/v1/notifications").await?.status, 401);
    Ok(())
}

#[tokio::test]
async fn a_call_in_a_direct_message_rings_the_other_until_stopped() -> anyhow::Result<()> {
    let (server, push) = setup(10).await?;
    let (ana, bob, cyd, square) = club(&server).await?;
    let phone = subscribe(&ana, &push).await?;
    let cyds = subscribe(&cyd, &push).await?;
    let dm = ok(
        bob.post("/api/v1/chat/direct", json!({"usernames": ["ana"]}))
            .await?,
        "dm",
    )
    .await?;
    let dm_id = dm["id"].as_str().unwrap_or("").to_string();
    let call = ok(
        bob.post(&format!("/api/v1/chat/channels/{dm_id}/call"), json!({}))
            .await?,
        "call",
    )
    .await?;
    let room = call["room"].as_str().unwrap_or("").to_string();
    assert!(room.starts_with("call-"), "{call}");
    assert_eq!(call["url"], format!("/video/{room}"));
    assert_eq!(call["ringing"], 1);
    assert_eq!(call["post"]["props"]["call"]["room"], room.as_str());
    // The same conversation calls in the same room; the room opens for both.
    let again = ok(
        bob.post(&format!("/api/v1/chat/channels/{dm_id}/call"), json!({}))
            .await?,
        "again",
    )
    .await?;
    assert_eq!(again["room"], room.as_str());
    ok(
        bob.put_json(
            &format!("/api/v1/video/rooms/{room}"),
            json!({"title": "Bob & Ana"}),
        )
        .await?,
        "room",
    )
    .await?;
    ok(
        ana.get(&format!("/api/v1/video/rooms/{room}")).await?,
        "room for ana",
    )
    .await?;

    let rang = push.wait_for(&phone, 1, WAIT).await?;
    let p = &rang[0]["payload"];
    assert_eq!(p["kind"], "call");
    assert_eq!(p["ring"], true);
    assert_eq!(p["url"], format!("/video/{room}"));
    assert_eq!(rang[0]["urgency"], "high");
    assert_eq!(rang[0]["ttl"], 60);
    // Ana answers on her laptop: her phone stops ringing.
    ok(
        ana.post(
            &format!("/api/v1/chat/channels/{dm_id}/call/stop"),
            json!({}),
        )
        .await?,
        "stop",
    )
    .await?;
    let got = push.wait_for(&phone, 3, WAIT).await?;
    let cancel = got
        .iter()
        .find(|m| m["payload"]["cancel"] == true)
        .cloned()
        .unwrap_or_default();
    assert_eq!(cancel["payload"]["tag"], format!("call:{dm_id}"), "{got:?}");
    // A call in a channel rings nobody; outsiders may not call in a conversation.
    let open = ok(
        bob.post(&format!("/api/v1/chat/channels/{square}/call"), json!({}))
            .await?,
        "channel call",
    )
    .await?;
    assert_eq!(open["ringing"], 0);
    let r = cyd
        .post(&format!("/api/v1/chat/channels/{dm_id}/call"), json!({}))
        .await?;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);
    tokio::time::sleep(QUIET).await;
    assert!(push.messages(&cyds).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_mention_in_pad_chat_reaches_those_who_opened_the_pad() -> anyhow::Result<()> {
    let (server, push) = setup(10).await?;
    let (ana, bob, cyd, _square) = club(&server).await?;
    let phone = subscribe(&ana, &push).await?;
    let cyds = subscribe(&cyd, &push).await?;
    ok(
        bob.post("/api/v1/pads", json!({"name": "minutes"})).await?,
        "pad",
    )
    .await?;
    // Ana opened the pad before; Cyd never did.
    let uid = ok(ana.get("/api/v1/me").await?, "me").await?["user"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    server
        .ctx
        .db
        .write(move |c| {
            c.execute(
                "INSERT INTO pad_visits (user_id, pad_id, visited_at) VALUES (?1, 'minutes', 1)",
                nichoir_storage::params![uid],
            )?;
            Ok(())
        })
        .await?;
    ok(
        bob.post(
            "/api/v1/pads/minutes/chat",
            json!({"text": "@ana @cyd can you check the budget part?"}),
        )
        .await?,
        "chat",
    )
    .await?;
    let got = push.wait_for(&phone, 1, WAIT).await?;
    assert_eq!(got[0]["payload"]["kind"], "pad_mention");
    assert_eq!(got[0]["payload"]["url"], "/p/minutes");
    tokio::time::sleep(QUIET).await;
    assert!(
        push.messages(&cyds).await?.is_empty(),
        "Cyd never opened the pad"
    );
    Ok(())
}

#[tokio::test]
async fn votes_comments_and_watched_pages_reach_their_owners() -> anyhow::Result<()> {
    let (server, push) = setup(10).await?;
    let ana = member(&server, "ana").await?;
    let bob = member(&server, "bob").await?;
    let bobs = subscribe(&bob, &push).await?;
    let anas = subscribe(&ana, &push).await?;

    // Bob's poll: Ana's vote and comment reach him.
    let (poll_id, _, first) = crate::support::classic_poll(&bob, "AG", "Bob").await?;
    vote_and_comment(&ana, &poll_id, &first, "Ana", "I bring the cake").await?;
    let got = push.wait_for(&bobs, 2, WAIT).await?;
    let kinds: Vec<&str> = got
        .iter()
        .filter_map(|m| m["payload"]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["poll_vote", "poll_comment"], "{got:?}");
    assert_eq!(got[0]["payload"]["url"], format!("/poll/{poll_id}"));
    assert_eq!(got[1]["payload"]["body"], "I bring the cake");

    // Bob watches a page of his wiki; Ana changes it.
    crate::support::open_wiki(&bob, "club").await?;
    ok(
        bob.put_json(
            "/api/v1/wikis/club/pages/Rules",
            json!({"text": "Be kind.", "summary": "start"}),
        )
        .await?,
        "page",
    )
    .await?;
    ok(
        bob.put_json("/api/v1/wikis/club/pages/Rules/watch", json!({}))
            .await?,
        "watch",
    )
    .await?;
    let page = ok(ana.get("/api/v1/wikis/club/pages/Rules").await?, "read").await?;
    ok(
        ana.put_json(
            "/api/v1/wikis/club/pages/Rules",
            json!({"text": "Be kind. Bring snacks.", "summary": "snacks", "base_rev": page["page"]["rev"]}),
        )
        .await?,
        "edit",
    )
    .await?;
    let got = push.wait_for(&bobs, 3, WAIT).await?;
    assert_eq!(got[2]["payload"]["kind"], "wiki_change", "{got:?}");
    assert_eq!(got[2]["payload"]["url"], "/w/club/Rules");
    assert_eq!(got[2]["payload"]["body"], "snacks");
    tokio::time::sleep(QUIET).await;
    assert!(
        push.messages(&anas).await?.is_empty(),
        "nothing of her own doing"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_knock_at_the_lobby_reaches_the_rooms_owner() -> anyhow::Result<()> {
    use crate::support::{
        cookie_from, guest, publish, recv_json, send_json, subscribe as join_topic, ws_connect,
        WsAuth,
    };
    let (server, push) = setup(10).await?;
    let bob = member(&server, "bob").await?;
    let phone = subscribe(&bob, &push).await?;
    ok(
        bob.post(
            "/api/v1/video/rooms",
            json!({"name": "bureau", "title": "Bureau", "lobby": true}),
        )
        .await?,
        "room",
    )
    .await?;
    let g = guest(&server).await;
    let cookie = cookie_from(&g, "nichoir_guest");
    let mut ws = ws_connect(server.addr, WsAuth::Cookie(&cookie), WAIT).await;
    send_json(&mut ws, &join_topic("video:bureau")).await;
    send_json(
        &mut ws,
        &publish("video:bureau", json!({"type": "join", "name": "Visiteuse"})),
    )
    .await;
    loop {
        let f = recv_json(&mut ws, WAIT).await;
        let kind = f["data"]["type"].as_str().unwrap_or("");
        if f["type"] == "event" && ["denied", "error", "joined", "waiting"].contains(&kind) {
            assert_eq!(kind, "waiting", "{f}");
            break;
        }
    }
    let got = push.wait_for(&phone, 1, WAIT).await?;
    let p = &got[0]["payload"];
    assert_eq!(p["kind"], "lobby_knock");
    assert_eq!(p["url"], "/video/bureau");
    assert!(
        p["title"].as_str().unwrap_or("").contains("Visiteuse"),
        "{p}"
    );
    Ok(())
}
