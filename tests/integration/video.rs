//! Video calls through the real server's SFU, with webrtc-rs participants (nichoir-video-client)
//! sending synthetic VP8 and Opus over loopback: everyone receives everyone else, a leave
//! renegotiates, a late joiner makes the publishers send a keyframe, bad signalling is refused
//! without harm, admission rules (capacity, lock, password, moderator-only actions) hold, and the
//! room API answers as documented.
//!
//! Nothing here is timed: every wait is for a condition, bounded generously only to fail rather
//! than hang.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use nichoir_testkit::TestServer;
use nichoir_video_client::{
    Denied, Identity, JoinOptions, MediaOptions, MidRole, Participant, Source,
};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);
/// Packets that prove a stream flows (a few frames; what matters is that they arrive).
const SOME: u64 = 15;

/// Light media (debug builds encrypt slowly, and tests share the machine).
fn opts(identity: Option<&Identity>) -> JoinOptions {
    JoinOptions {
        identity: identity.cloned(),
        timeout: WAIT,
        media: MediaOptions::light(),
        ..JoinOptions::default()
    }
}

async fn join(server: &TestServer, room: &str, name: &str, id: Option<&Identity>) -> Participant {
    Participant::join(&server.url, room, name, opts(id))
        .await
        .unwrap_or_else(|e| panic!("{name} joins {room}: {e:#}"))
}

fn pid(p: &Participant) -> String {
    p.id().expect("in the call").to_string()
}

/// Waits until `p` receives fresh microphone and camera packets from each of `from`.
async fn receives_from(p: &Participant, from: &[&Participant]) {
    p.wait_receiving_all(from, SOME, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
}

/// Payload types the last offer gave to `codec` (e.g. "VP8", "opus").
fn offered_payload_types(p: &Participant, codec: &str) -> HashSet<u8> {
    let offers: Vec<Value> = p
        .log()
        .since(0)
        .iter()
        .filter_map(|s| s.event().filter(|v| v["type"] == "offer").cloned())
        .collect();
    let sdp = offers
        .last()
        .and_then(|o| o["sdp"].as_str())
        .expect("an offer")
        .to_string();
    sdp.lines()
        .filter_map(|l| l.strip_prefix("a=rtpmap:"))
        .filter_map(|l| {
            let (pt, name) = l.split_once(' ')?;
            name.to_ascii_lowercase()
                .starts_with(&format!("{}/", codec.to_ascii_lowercase()))
                .then(|| pt.parse::<u8>().ok())?
        })
        .collect()
}

/// Each forwarded source arrives on one SSRC of its own, with the negotiated payload type of its
/// codec: VP8 for cameras, Opus for microphones.
fn check_streams(p: &Participant, from: &[&Participant]) {
    let vp8 = offered_payload_types(p, "VP8");
    let opus = offered_payload_types(p, "opus");
    assert!(!vp8.is_empty() && !opus.is_empty(), "VP8 and Opus offered");
    let streams = p.streams();
    let mut ssrc_of: HashMap<(String, Source), HashSet<u32>> = HashMap::new();
    for s in &streams {
        let (Some(who), Some(source)) = (s.key.participant.clone(), s.key.source) else {
            continue;
        };
        ssrc_of.entry((who, source)).or_default().insert(s.key.ssrc);
        let mime = s.mime_type.to_ascii_lowercase();
        if source == Source::Mic {
            assert_eq!(mime, "audio/opus", "{:?}", s.key);
            assert!(opus.contains(&s.key.payload_type), "{:?} {opus:?}", s.key);
        } else {
            assert_eq!(mime, "video/vp8", "{:?}", s.key);
            assert!(vp8.contains(&s.key.payload_type), "{:?} {vp8:?}", s.key);
        }
    }
    let mut all = HashSet::new();
    for q in from {
        for source in [Source::Mic, Source::Camera] {
            let ssrcs = ssrc_of
                .get(&(pid(q), source))
                .unwrap_or_else(|| panic!("nothing from {:?} {source:?}", q.id()));
            assert_eq!(ssrcs.len(), 1, "one SSRC per forwarded source: {ssrcs:?}");
            for s in ssrcs {
                assert!(all.insert(*s), "SSRC {s} carries two sources");
            }
        }
    }
    // What I send: one stream per source, every packet counted.
    let senders = p.senders();
    for source in [Source::Mic, Source::Camera] {
        assert!(
            senders
                .iter()
                .any(|s| s.source == Some(source) && s.packets > 0 && s.ssrc != 0),
            "{source:?} sent: {senders:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_people_see_each_other_then_one_leaves_and_a_fourth_comes_late() {
    let server = TestServer::start().expect("server");
    let owner = Identity::guest(&server.url).await.expect("guest");
    let room = owner
        .create_room(&json!({"name": "reunion-du-mardi", "title": "Réunion"}))
        .await
        .expect("room");
    assert_eq!(room, "reunion-du-mardi");

    let ana = join(&server, &room, "Ana", Some(&owner)).await;
    assert_eq!(ana.joined().expect("joined")["moderator"], true);
    let bob = join(&server, &room, "Bob", None).await;
    let cleo = join(&server, &room, "Cléo", None).await;
    assert_eq!(bob.joined().expect("joined")["moderator"], false);

    receives_from(&ana, &[&bob, &cleo]).await;
    receives_from(&bob, &[&ana, &cleo]).await;
    receives_from(&cleo, &[&ana, &bob]).await;
    for (p, others) in [
        (&ana, [&bob, &cleo]),
        (&bob, [&ana, &cleo]),
        (&cleo, [&ana, &bob]),
    ] {
        check_streams(p, &others);
        assert!(p.failures().is_empty(), "{:?}", p.failures());
    }
    // Everyone was told who came.
    let bob_id = pid(&bob);
    ana.wait_event(0, WAIT, |v| {
        v["type"] == "participant_joined" && v["participant"]["id"] == bob_id.as_str()
    })
    .await
    .expect("Ana sees Bob join");

    // Cléo leaves: the others are told, get a new offer without her, and keep receiving.
    let (a_from, b_from) = (ana.log().len(), bob.log().len());
    let cleo_id = pid(&cleo);
    cleo.leave().await.expect("leave");
    for (p, from) in [(&ana, a_from), (&bob, b_from)] {
        p.wait_event(from, WAIT, |v| {
            v["type"] == "participant_left" && v["id"] == cleo_id.as_str()
        })
        .await
        .expect("participant_left");
        p.wait_type(from, "offer", WAIT)
            .await
            .expect("a renegotiation after the leave");
        p.wait_until(WAIT, || {
            let gone = !p.mids().values().any(
                |r| matches!(r, MidRole::Forward { participant, .. } if *participant == cleo_id),
            );
            (gone && p.answers() == p.offers()).then_some(())
        })
        .await
        .expect("the answered offer no longer carries Cléo");
    }
    receives_from(&ana, &[&bob]).await;
    receives_from(&bob, &[&ana]).await;
    cleo.close().await;

    // Dan comes late: the publishers are asked for a keyframe so he can start decoding.
    let ana_pli = ana.keyframe_requests(Source::Camera);
    let bob_pli = bob.keyframe_requests(Source::Camera);
    let dan = join(&server, &room, "Dan", None).await;
    receives_from(&dan, &[&ana, &bob]).await;
    ana.wait_until(WAIT, || {
        (ana.keyframe_requests(Source::Camera) > ana_pli).then_some(())
    })
    .await
    .expect("Ana's camera gets a PLI when Dan arrives");
    bob.wait_until(WAIT, || {
        (bob.keyframe_requests(Source::Camera) > bob_pli).then_some(())
    })
    .await
    .expect("Bob's camera gets a PLI when Dan arrives");
    // Dan sees a keyframe from each camera (the answer to those requests).
    dan.wait_until(WAIT, || {
        let cams: Vec<_> = dan
            .streams()
            .into_iter()
            .filter(|s| s.key.source == Some(Source::Camera) && s.keyframes > 0)
            .collect();
        (cams.len() >= 2).then_some(())
    })
    .await
    .expect("keyframes from both cameras reach Dan");
    receives_from(&ana, &[&bob, &dan]).await;
    receives_from(&bob, &[&ana, &dan]).await;
    check_streams(&dan, &[&ana, &bob]);

    // A PLI from a receiver reaches the publisher through the server.
    let ana_cam = dan
        .streams()
        .into_iter()
        .find(|s| {
            s.key.participant.as_deref() == Some(pid(&ana).as_str())
                && s.key.source == Some(Source::Camera)
        })
        .expect("Ana's camera at Dan");
    // The server lets one request through per publisher track every 500 ms: ask until one passes.
    let before = ana.keyframe_requests(Source::Camera);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        dan.request_keyframe(ana_cam.key.ssrc)
            .await
            .expect("Dan sends a PLI");
        if ana.keyframe_requests(Source::Camera) > before {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Dan's PLI never reached Ana"
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    for p in [&ana, &bob, &dan] {
        assert!(p.failures().is_empty(), "{:?}", p.failures());
    }
}

/// The `error` events `p` got from log position `from` on.
fn error_after(p: &Participant, from: usize) -> Vec<Value> {
    p.log()
        .since(from)
        .iter()
        .filter_map(|s| s.event().filter(|v| v["type"] == "error").cloned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signalling_is_refused_and_the_call_goes_on() {
    let server = TestServer::start().expect("server");
    let owner = Identity::guest(&server.url).await.expect("guest");
    let room = owner.create_room(&json!({})).await.expect("room");
    assert_eq!(room.len(), 16, "a random name when none is given");
    let ana = join(&server, &room, "Ana", Some(&owner)).await;
    let bob = join(&server, &room, "Bob", None).await;
    receives_from(&ana, &[&bob]).await;
    receives_from(&bob, &[&ana]).await;
    let (ana_id, bob_id) = (pid(&ana), pid(&bob));

    // Each bad frame from Bob gets an error event of its own, and changes nothing.
    let bad: Vec<Value> = vec![
        json!({"type": "answer", "sdp": "v=0\r\nthis is not SDP\r\n"}),
        json!({"type": "answer", "sdp": 42}),
        json!({"type": "candidate", "candidate": {"candidate": "candidate:garbage", "sdpMid": "0", "sdpMLineIndex": 0}}),
        json!({"type": "candidate", "candidate": "candidate:1 1 udp"}),
        json!({"type": "candidate", "candidate": {"candidate": "x".repeat(5000)}}),
        json!({"type": "nuke"}),
        json!({"type": "hand", "raised": true, "admin": true}),
        json!({"type": "chat", "text": "x".repeat(2001)}),
        json!({"type": "quality", "level": "superb"}),
        json!({"type": "pause", "participant": "nobody", "source": "camera", "paused": true}),
        json!("join"),
        json!(null),
        // A moderator's actions from someone who is not one.
        json!({"type": "mute", "id": ana_id}),
        json!({"type": "remove", "id": ana_id}),
        json!({"type": "lock", "locked": true}),
        json!({"type": "admit", "id": "p-nobody"}),
    ];
    for frame in bad {
        let from = bob.log().len();
        bob.send(frame.clone()).expect("send");
        let err = bob
            .wait_type(from, "error", WAIT)
            .await
            .unwrap_or_else(|e| panic!("no error for {frame}: {e:#}"));
        assert!(
            err["code"].as_str().is_some_and(|c| !c.is_empty())
                && err["message"].as_str().is_some(),
            "{frame} → {err}"
        );
        if ["mute", "remove", "lock"].contains(&frame["type"].as_str().unwrap_or("")) {
            assert_eq!(err["code"], "forbidden", "{frame} → {err}");
        }
    }
    // Not JSON, and a publish whose data is not an object, on the socket itself.
    let from = bob.log().len();
    bob.send_text("{not json").expect("send");
    bob.log()
        .wait_for(from, WAIT, |s| match s {
            nichoir_video_client::Signal::Socket(v) => v["type"] == "error",
            _ => false,
        })
        .await
        .expect("a socket error frame");

    // Nothing changed: Ana was neither muted nor removed, the room is not locked, and media
    // still flows both ways.
    assert!(ana
        .log()
        .since(0)
        .iter()
        .all(|s| !matches!(s.event_type(), Some("muted" | "denied"))));
    let r = owner
        .get(&format!("/api/v1/video/rooms/{room}"))
        .await
        .expect("room");
    assert_eq!(
        (r.body["locked"].as_bool(), r.body["participants"].as_u64()),
        (Some(false), Some(2))
    );
    receives_from(&ana, &[&bob]).await;
    receives_from(&bob, &[&ana]).await;
    assert!(
        error_after(&ana, 0).is_empty(),
        "{:?}",
        error_after(&ana, 0)
    );

    // The moderator's actions do work: mute, then remove Bob.
    let from = bob.log().len();
    ana.send(json!({"type": "mute", "id": bob_id}))
        .expect("mute");
    let m = bob.wait_type(from, "muted", WAIT).await.expect("muted");
    assert_eq!(m["by"], "Ana");
    let from_a = ana.log().len();
    ana.send(json!({"type": "remove", "id": bob_id}))
        .expect("remove");
    let d = bob.wait_type(from, "denied", WAIT).await.expect("removed");
    assert_eq!(d["reason"], "removed");
    ana.wait_event(from_a, WAIT, |v| {
        v["type"] == "participant_left" && v["id"] == bob_id.as_str()
    })
    .await
    .expect("Ana sees Bob go");
    assert!(ana.failures().is_empty(), "{:?}", ana.failures());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_locked_and_protected_rooms_turn_people_away() {
    let server = TestServer::start().expect("server");
    let owner = Identity::guest(&server.url).await.expect("guest");

    // Capacity 2: the third is turned away; the two inside keep talking.
    let small = owner
        .create_room(&json!({"name": "tete-a-tete", "capacity": 2}))
        .await
        .expect("room");
    let ana = join(&server, &small, "Ana", Some(&owner)).await;
    let bob = join(&server, &small, "Bob", None).await;
    let err = Participant::join(&server.url, &small, "Cléo", opts(None))
        .await
        .expect_err("full");
    assert_eq!(
        err.downcast_ref::<Denied>().map(|d| d.reason.as_str()),
        Some("full"),
        "{err:#}"
    );
    receives_from(&ana, &[&bob]).await;
    receives_from(&bob, &[&ana]).await;

    // Locked by its moderator over the socket: nobody new, until it is unlocked over HTTP.
    let open = owner
        .create_room(&json!({"name": "porte-fermee"}))
        .await
        .expect("room");
    let mod_ = join(&server, &open, "Modératrice", Some(&owner)).await;
    let from = mod_.log().len();
    mod_.send(json!({"type": "lock", "locked": true}))
        .expect("lock");
    mod_.wait_event(from, WAIT, |v| {
        v["type"] == "room" && v["room"]["locked"] == true
    })
    .await
    .expect("room frame says locked");
    let err = Participant::join(&server.url, &open, "Eve", opts(None))
        .await
        .expect_err("locked");
    assert_eq!(
        err.downcast_ref::<Denied>().map(|d| d.reason.as_str()),
        Some("locked")
    );
    let r = owner
        .patch(
            &format!("/api/v1/video/rooms/{open}"),
            &json!({"locked": false}),
        )
        .await
        .expect("patch");
    assert_eq!(r.status, 200, "{:?}", r.body);
    let eve = join(&server, &open, "Eve", None).await;
    receives_from(&eve, &[&mod_]).await;

    // Password: none or a wrong one is refused, the right one enters; the owner needs none.
    let secret = owner
        .create_room(&json!({"name": "salle-secrete", "password": "mot de passe"}))
        .await
        .expect("room");
    let boss = join(&server, &secret, "Owner", Some(&owner)).await;
    for wrong in [None, Some("mauvais")] {
        let o = JoinOptions {
            password: wrong.map(str::to_string),
            ..opts(None)
        };
        let err = Participant::join(&server.url, &secret, "Intruder", o)
            .await
            .expect_err("bad password");
        assert_eq!(
            err.downcast_ref::<Denied>().map(|d| d.reason.as_str()),
            Some("password"),
            "{err:#}"
        );
    }
    let o = JoinOptions {
        password: Some("mot de passe".into()),
        ..opts(None)
    };
    let guest = Participant::join(&server.url, &secret, "Invitée", o)
        .await
        .expect("right password");
    receives_from(&guest, &[&boss]).await;
    receives_from(&boss, &[&guest]).await;

    // No such room: the subscription itself is refused.
    let err = Participant::connect(&server.url, "pas-de-salle", opts(None))
        .await
        .expect_err("no room");
    assert!(format!("{err:#}").contains("not_found"), "{err:#}");

    // Deleting the room ends the call for those inside.
    let from = guest.log().len();
    let r = owner
        .delete(&format!("/api/v1/video/rooms/{secret}"))
        .await
        .expect("delete");
    assert_eq!(r.status, 204);
    let d = guest.wait_type(from, "denied", WAIT).await.expect("ended");
    assert_eq!(d["reason"], "ended");
    for p in [&ana, &bob, &mod_, &eve, &boss] {
        assert!(p.failures().is_empty(), "{:?}", p.failures());
    }
}

#[tokio::test]
async fn room_api_answers_as_documented() {
    let server = TestServer::start().expect("server");
    let ana = Identity::guest(&server.url).await.expect("guest");
    let bob = Identity::guest(&server.url).await.expect("guest");

    let r = ana
        .post(
            "/api/v1/video/rooms",
            &json!({"name": "asso-velo-ca", "title": "Conseil d'administration", "capacity": 5, "lobby": true}),
        )
        .await
        .expect("create");
    assert_eq!(r.status, 201, "{:?}", r.body);
    let room = &r.body["room"];
    assert_eq!(room["id"], "asso-velo-ca");
    assert_eq!(room["title"], "Conseil d'administration");
    assert_eq!(
        (
            &room["capacity"],
            &room["lobby"],
            &room["protected"],
            &room["locked"]
        ),
        (&json!(5), &json!(true), &json!(false), &json!(false))
    );
    assert_eq!(
        (&room["owner"], &room["moderator"]),
        (&json!(true), &json!(true))
    );
    assert!(room["url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/video/asso-velo-ca")));

    // Taken name.
    let r = bob
        .post("/api/v1/video/rooms", &json!({"name": "asso-velo-ca"}))
        .await
        .expect("create");
    assert_eq!((r.status, r.code()), (409, "conflict"), "{:?}", r.body);

    // Someone else's view; not found.
    let r = bob
        .get("/api/v1/video/rooms/asso-velo-ca")
        .await
        .expect("get");
    assert_eq!(r.status, 200);
    assert_eq!(
        (&r.body["owner"], &r.body["moderator"]),
        (&json!(false), &json!(false))
    );
    let r = bob
        .get("/api/v1/video/rooms/nulle-part")
        .await
        .expect("get");
    assert_eq!((r.status, r.code()), (404, "not_found"));

    // Opening by name (a poll's meeting room): the first caller creates and owns it, the next one
    // gets the same room unchanged; an existing room keeps its title and settings.
    let put = |who: &Identity, name: &str, body: Value| {
        let (who, path) = (who.clone(), format!("/api/v1/video/rooms/{name}"));
        async move {
            who.request(reqwest::Method::PUT, &path, Some(&body))
                .await
                .expect("put")
        }
    };
    let r = put(&bob, "poll-6d656574", json!({"title": "Meeting"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["room"]["title"], &r.body["room"]["owner"]),
        (&json!("Meeting"), &json!(true))
    );
    let r = put(&ana, "poll-6d656574", json!({"title": "Another"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (&r.body["room"]["title"], &r.body["room"]["owner"]),
        (&json!("Meeting"), &json!(false))
    );
    let r = put(&ana, "asso-velo-ca", json!({})).await;
    assert_eq!((r.status, &r.body["room"]["capacity"]), (200, &json!(5)));
    for (name, body) in [
        ("Pas Bon", json!({})),
        ("video-ok", json!({"title": "x".repeat(121)})),
        ("video-ok", json!({"password": "no"})),
    ] {
        let r = put(&ana, name, body).await;
        assert!((400..500).contains(&r.status), "{name}: {:?}", r.body);
    }
    assert_eq!(
        ana.get("/api/v1/video/rooms/video-ok")
            .await
            .expect("get")
            .status,
        404
    );

    // Only the owner changes or deletes it.
    let r = bob
        .patch(
            "/api/v1/video/rooms/asso-velo-ca",
            &json!({"title": "à moi"}),
        )
        .await
        .expect("patch");
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{:?}", r.body);
    let r = bob
        .delete("/api/v1/video/rooms/asso-velo-ca")
        .await
        .expect("delete");
    assert_eq!(r.status, 403);
    let r = ana
        .patch(
            "/api/v1/video/rooms/asso-velo-ca",
            &json!({"title": "CA", "password": "vélo", "capacity": 3}),
        )
        .await
        .expect("patch");
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (&r.body["title"], &r.body["protected"], &r.body["capacity"]),
        (&json!("CA"), &json!(true), &json!(3))
    );
    let r = ana
        .patch("/api/v1/video/rooms/asso-velo-ca", &json!({"password": ""}))
        .await
        .expect("patch");
    assert_eq!(r.body["protected"], false, "{:?}", r.body);

    // Bad input: 4xx, nothing created.
    for body in [
        json!({"name": "A!"}),
        json!({"name": "ab"}),
        json!({"name": "-abc"}),
        json!({"name": "api"}),
        json!({"name": "x".repeat(65)}),
        json!({"title": "t".repeat(121)}),
        json!({"password": "p".repeat(129)}),
        json!({"capacity": 1}),
        json!({"capacity": 100_000}),
        json!({"capacity": "ten"}),
        json!({"owner": "me"}),
        json!([1, 2]),
    ] {
        let r = ana.post("/api/v1/video/rooms", &body).await.expect("post");
        assert!(
            (400..500).contains(&r.status),
            "{body} → {} {:?}",
            r.status,
            r.body
        );
    }
    for body in [
        json!({"capacity": 0}),
        json!({"title": "x".repeat(121)}),
        json!({"locked": "yes"}),
        json!({"id": "other"}),
    ] {
        let r = ana
            .patch("/api/v1/video/rooms/asso-velo-ca", &body)
            .await
            .expect("patch");
        assert!(
            (400..500).contains(&r.status),
            "{body} → {} {:?}",
            r.status,
            r.body
        );
    }
    let r = ana
        .patch("/api/v1/video/rooms/nulle-part", &json!({"title": "x"}))
        .await
        .expect("patch");
    assert_eq!(r.status, 404);

    // A room without a name gets an unguessable one; ICE servers are there for anyone.
    let r = bob
        .post("/api/v1/video/rooms", &json!({}))
        .await
        .expect("create");
    assert_eq!(r.status, 201);
    let id = r.body["room"]["id"].as_str().expect("id");
    assert!(
        id.len() == 16
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    let r = bob.get("/api/v1/video/ice").await.expect("ice");
    assert_eq!(r.status, 200);
    assert!(r.body["ice_servers"].is_array());

    let r = ana
        .delete("/api/v1/video/rooms/asso-velo-ca")
        .await
        .expect("delete");
    assert_eq!(r.status, 204);
    let r = ana
        .get("/api/v1/video/rooms/asso-velo-ca")
        .await
        .expect("get");
    assert_eq!(r.status, 404);
}

/// What the server answers a `join` on `video:{room}` over a raw socket: the `denied` or
/// `error` event (the data of the frame).
async fn join_answer(ws: &mut crate::support::Ws, topic: &str, password: &str) -> Value {
    use crate::support::{publish, recv_json, send_json};
    send_json(
        ws,
        &publish(
            topic,
            json!({"type": "join", "name": "Intrus", "password": password}),
        ),
    )
    .await;
    loop {
        let f = recv_json(ws, WAIT).await;
        let kind = f["data"]["type"].as_str().unwrap_or("");
        if f["type"] == "event" && ["denied", "error", "joined", "waiting"].contains(&kind) {
            return f["data"].clone();
        }
    }
}

/// Guessing a room's password is throttled per client address (auth.login_failures_per_ip),
/// never per room: then even the right password waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_password_guesses_are_throttled_per_address() {
    use crate::support::{cookie_from, guest, recv_json, send_json, subscribe, ws_connect, WsAuth};
    let server = TestServer::start_with(|c| c.auth.login_failures_per_ip = 2).expect("server");
    let owner = server.login_as("owner", false).await.expect("login");
    let r = owner
        .post(
            "/api/v1/video/rooms",
            json!({"name": "salle-gardee", "password": "mot de passe"}),
        )
        .await
        .expect("create");
    assert_eq!(r.status, 201, "{:?}", r.body);
    let g = guest(&server).await;
    let cookie = cookie_from(&g, "nichoir_guest");
    let mut ws = ws_connect(server.addr, WsAuth::Cookie(&cookie), WAIT).await;
    let topic = "video:salle-gardee";
    send_json(&mut ws, &subscribe(topic)).await;
    // The subscription's answer and the room frame.
    let _ = recv_json(&mut ws, WAIT).await;
    for _ in 0..2 {
        let a = join_answer(&mut ws, topic, "faux").await;
        assert_eq!(
            (a["type"].as_str(), a["reason"].as_str()),
            (Some("denied"), Some("password")),
            "{a}"
        );
    }
    let a = join_answer(&mut ws, topic, "mot de passe").await;
    assert_eq!(
        (a["type"].as_str(), a["code"].as_str()),
        (Some("error"), Some("rate_limited")),
        "{a}"
    );
}
