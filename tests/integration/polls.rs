//! Polls over HTTP and WebSocket, as Framadate users use them: create with two links, vote in
//! rows, change rows under each edit mode, comments, hidden results, passwords, limits raced by
//! concurrent voters, admin edits, finalise with an ICS, CSV export, mails, purge, bad input.

use std::time::Duration;

use nichoir_testkit::{Client, MailSink, TestServer};
use serde_json::{json, Value};

use crate::support::{recv_json, send_json, subscribe, ws_connect, WsAuth};

const WAIT: Duration = Duration::from_secs(20);

fn date_poll(extra: Value) -> Value {
    let mut body = json!({
        "kind": "date", "title": "Réunion de décembre", "description": "**Ordre du jour** : budget",
        "author_name": "Ana", "timezone": "Europe/Paris",
        "options": [
            {"date": "2030-12-03", "start": "18:00", "end": "20:00"},
            {"date": "2030-12-04", "start": "09:30"},
            {"date": "2030-12-05"}
        ]
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

struct Poll {
    id: String,
    token: String,
    options: Vec<i64>,
}

async fn create(c: &Client, body: Value) -> anyhow::Result<Poll> {
    let r = c.post("/api/v1/polls", body).await?;
    anyhow::ensure!(r.status == 201, "create: {} {:?}", r.status, r.body);
    let id = r.body["poll"]["id"].as_str().unwrap_or("").to_string();
    let token = r.body["admin_token"].as_str().unwrap_or("").to_string();
    let view = c.get(&format!("/api/v1/poll-admin/{token}")).await?;
    let options = view.body["options"]
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["id"].as_i64()).collect())
        .unwrap_or_default();
    Ok(Poll { id, token, options })
}

fn answers(options: &[i64], values: &[&str]) -> Value {
    let map: serde_json::Map<String, Value> = options
        .iter()
        .zip(values)
        .map(|(o, v)| (o.to_string(), json!(v)))
        .collect();
    Value::Object(map)
}

async fn vote(
    c: &Client,
    p: &Poll,
    name: &str,
    values: &[&str],
) -> anyhow::Result<nichoir_testkit::Reply> {
    c.post(
        &format!("/api/v1/polls/{}/votes", p.id),
        json!({"name": name, "answers": answers(&p.options, values)}),
    )
    .await
}

#[tokio::test]
async fn create_vote_change_comment_finalise_and_export() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let author = server.guest().await?;
    let r = author.post("/api/v1/polls", date_poll(json!({}))).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["poll"]["id"].as_str().unwrap_or("").to_string();
    let token = r.body["admin_token"].as_str().unwrap_or("").to_string();
    assert!(
        id.len() >= 16 && token.len() >= 32,
        "unguessable links: {id} {token}"
    );
    assert_ne!(id, token);
    assert!(r.body["url"]
        .as_str()
        .unwrap_or("")
        .ends_with(&format!("/poll/{id}")));
    assert!(r.body["admin_url"]
        .as_str()
        .unwrap_or("")
        .ends_with(&format!("/poll/admin/{token}")));

    let anon = server.client();
    let v = anon.get(&format!("/api/v1/polls/{id}")).await?;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["poll"]["timezone"], "Europe/Paris");
    assert_eq!(
        v.body["poll"]["description_html"],
        "<p><strong>Ordre du jour</strong> : budget</p>\n"
    );
    assert!(
        v.body.get("admin_token").is_none()
            && !v.bytes.windows(token.len()).any(|w| w == token.as_bytes()),
        "the public view never shows the admin token"
    );
    let opts = v.body["options"].as_array().cloned().unwrap_or_default();
    assert_eq!(opts.len(), 3);
    assert_eq!(opts[0]["start"], "18:00");
    assert_eq!(
        opts[0]["starts_at"], "2030-12-03T17:00:00Z",
        "Paris wall-clock time as a UTC instant"
    );
    assert_eq!(opts[0]["ends_at"], "2030-12-03T19:00:00Z");
    assert_eq!(
        opts[2]["starts_at"],
        Value::Null,
        "a whole day has no instant"
    );
    let p = Poll {
        id: id.clone(),
        token: token.clone(),
        options: opts.iter().filter_map(|o| o["id"].as_i64()).collect(),
    };

    let bea = server.guest().await?;
    let r = vote(&bea, &p, "Béa", &["yes", "maybe", "no"]).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let bea_row = r.body["participant"]["id"].as_i64().unwrap_or(0);
    let bea_token = r.body["edit_token"].as_str().unwrap_or("").to_string();
    assert!(r.body["edit_url"]
        .as_str()
        .unwrap_or("")
        .contains(&format!("?edit={bea_token}")));
    assert_eq!(
        r.body["participant"]["answers"],
        json!(["yes", "maybe", "no"])
    );
    let carl = server.guest().await?;
    let r = vote(&carl, &p, "Carl <b>", &["yes", "yes", "no"]).await?;
    assert_eq!(r.status, 201);
    let carl_row = r.body["participant"]["id"].as_i64().unwrap_or(0);

    let v = bea.get(&format!("/api/v1/polls/{id}")).await?;
    assert_eq!(v.body["options"][0]["yes"], 2);
    assert_eq!(v.body["options"][1]["yes"], 1);
    assert_eq!(v.body["options"][1]["maybe"], 1);
    assert_eq!(v.body["best"], json!([p.options[0]]));
    assert_eq!(v.body["me"]["rows"], json!([bea_row]));
    let rows = v.body["participants"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rows[0]["editable"], true, "own row, same browser");
    assert_eq!(rows[1]["editable"], false, "someone else's row");
    assert_eq!(
        rows[1]["name"], "Carl <b>",
        "kept as text; the page escapes it"
    );

    // Changing rows: own row from the same browser, or with the personal link; not others' rows.
    let change = json!({"name": "Béa", "answers": answers(&p.options, &["no", "yes", "yes"])});
    let r = bea
        .put_json(
            &format!("/api/v1/polls/{id}/votes/{bea_row}"),
            change.clone(),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["answers"], json!(["no", "yes", "yes"]));
    let r = carl
        .put_json(
            &format!("/api/v1/polls/{id}/votes/{bea_row}"),
            change.clone(),
        )
        .await?;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let other_browser = server.guest().await?;
    let mut with_link = change.clone();
    with_link["edit_token"] = json!(bea_token);
    with_link["answers"] = answers(&p.options, &["maybe", "yes", "yes"]);
    let r = other_browser
        .put_json(&format!("/api/v1/polls/{id}/votes/{bea_row}"), with_link)
        .await?;
    assert_eq!(
        r.status, 200,
        "the personal edit link works from any browser: {:?}",
        r.body
    );
    let by_link = other_browser
        .get(&format!("/api/v1/polls/{id}?edit={bea_token}"))
        .await?;
    assert_eq!(by_link.body["participants"][0]["editable"], true);

    // Admin edits and deletes any row.
    let r = anon
        .put_json(
            &format!("/api/v1/poll-admin/{token}/votes/{carl_row}"),
            json!({"name": "Carl", "answers": answers(&p.options, &["no", "no", "yes"])}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = anon.get(&format!("/api/v1/poll-admin/{token}")).await?;
    assert!(r.body["participants"]
        .as_array()
        .is_some_and(|a| a.iter().all(|p| p["editable"] == true)));
    assert!(
        r.body["admin"]["purge_at"].is_string(),
        "the admin sees when the poll will be purged"
    );

    // Comments.
    let r = carl
        .post(
            &format!("/api/v1/polls/{id}/comments"),
            json!({"author_name": "Carl", "text": "<script>alert(1)</script> J'apporte le café"}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let cid = r.body["id"].as_i64().unwrap_or(0);
    let v = anon.get(&format!("/api/v1/polls/{id}")).await?;
    assert_eq!(
        v.body["comments"][0]["text"],
        "<script>alert(1)</script> J'apporte le café"
    );
    assert_eq!(v.body["comments"][0]["deletable"], false);

    // CSV of every answer.
    let r = anon
        .get(&format!("/api/v1/poll-admin/{token}/export.csv"))
        .await?;
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].to_str()?.starts_with("text/csv"));
    let csv = String::from_utf8(r.bytes.clone())?;
    assert!(
        csv.starts_with("\u{feff}Name,2030-12-03 18:00–20:00,2030-12-04 09:30,2030-12-05\n"),
        "a byte order mark, for Excel: {csv}"
    );
    assert!(csv.contains("Béa,If need be,Yes,Yes\n"), "{csv}");
    assert!(csv.contains("Carl,No,No,Yes\n"), "{csv}");
    assert!(csv.contains("Total yes,0,1,2\n"), "{csv}");

    // No calendar before a choice; finalise; the ICS; voting is closed.
    assert_eq!(
        anon.get(&format!("/api/v1/polls/{id}/final.ics"))
            .await?
            .status,
        404
    );
    let r = anon
        .post(
            &format!("/api/v1/poll-admin/{token}/finalise"),
            json!({"option_id": p.options[0]}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["poll"]["final_option"], p.options[0]);
    assert_eq!(r.body["poll"]["closed"], true);
    let r = anon.get(&format!("/api/v1/polls/{id}/final.ics")).await?;
    assert_eq!(r.status, 200);
    let ics = String::from_utf8(r.bytes.clone())?;
    assert!(
        ics.contains("BEGIN:VEVENT\r\n")
            && ics.contains("DTSTART:20301203T170000Z\r\n")
            && ics.contains("SUMMARY:Réunion de décembre\r\n"),
        "{ics}"
    );
    let r = vote(&server.guest().await?, &p, "Late", &["yes", "yes", "yes"]).await?;
    assert_eq!((r.status, r.code()), (409, "conflict"), "{:?}", r.body);
    let r = bea
        .put_json(&format!("/api/v1/polls/{id}/votes/{bea_row}"), change)
        .await?;
    assert_eq!(r.status, 409, "rows are frozen once closed: {:?}", r.body);

    // The admin deletes a comment, a row, then the poll.
    assert_eq!(
        anon.delete(&format!("/api/v1/poll-admin/{token}/comments/{cid}"))
            .await?
            .status,
        204
    );
    assert_eq!(
        anon.delete(&format!("/api/v1/poll-admin/{token}/votes/{carl_row}"))
            .await?
            .status,
        204
    );
    let v = anon.get(&format!("/api/v1/polls/{id}")).await?;
    assert_eq!(v.body["participants"].as_array().map(Vec::len), Some(1));
    assert_eq!(v.body["comments"], json!([]));
    assert_eq!(
        anon.delete(&format!("/api/v1/poll-admin/{token}"))
            .await?
            .status,
        204
    );
    assert_eq!(anon.get(&format!("/api/v1/polls/{id}")).await?.status, 404);
    assert_eq!(
        anon.get(&format!("/api/v1/poll-admin/{token}"))
            .await?
            .status,
        404
    );
    Ok(())
}

#[tokio::test]
async fn classic_polls_one_choice_yes_no_and_the_signed_in_list() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let mut user = server.client();
    server.create_user("ana", "password-of-ana", false).await?;
    user.login("ana", "password-of-ana").await?;
    let p = create(&user, json!({"kind": "classic", "title": "Où manger ?", "author_name": "Ana", "answers": "yes_no", "one_choice": true,
        "options": [{"label": "Pizza", "url": "https://pizza.example/menu"}, {"label": "Sushi", "image_url": "https://img.example/s.png"}, {"label": "Crêpes"}]})).await?;
    let g = server.guest().await?;
    let r = vote(&g, &p, "Béa", &["yes", "maybe", "no"]).await?;
    assert_eq!(
        (r.status, r.code()),
        (422, "validation_failed"),
        "no if-need-be on a yes/no poll: {:?}",
        r.body
    );
    let r = vote(&g, &p, "Béa", &["yes", "yes", "no"]).await?;
    assert_eq!(r.status, 422, "one choice only: {:?}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("only one"));
    let r = vote(&g, &p, "Béa", &["no", "yes", "no"]).await?;
    assert_eq!(r.status, 201);
    let list = user.get("/api/v1/polls").await?;
    assert_eq!(list.status, 200);
    assert_eq!(list.body[0]["poll"]["title"], "Où manger ?");
    assert_eq!(list.body[0]["participants"], 1);
    assert!(list.body[0]["admin_url"]
        .as_str()
        .unwrap_or("")
        .ends_with(&p.token));
    assert_eq!(
        server.guest().await?.get("/api/v1/polls").await?.status,
        401
    );
    let v = g.get(&format!("/api/v1/polls/{}", p.id)).await?;
    assert_eq!(v.body["options"][0]["url"], "https://pizza.example/menu");
    assert_eq!(
        v.body["options"][1]["image_url"],
        "https://img.example/s.png"
    );
    Ok(())
}

/// `GET /api/v1/polls` as `c` sees it: (poll id, role, answered) in the list's order.
async fn my_polls(c: &Client) -> anyhow::Result<Vec<(String, String, bool)>> {
    let r = c.get("/api/v1/polls").await?;
    anyhow::ensure!(r.status == 200, "my polls: {} {:?}", r.status, r.body);
    Ok(r.body
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
                    (s(&p["poll"]["id"]), s(&p["role"]), p["answered"] == true)
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The paths in `c`'s "download all my data" archive.
async fn export_names(c: &Client) -> anyhow::Result<Vec<String>> {
    let r = c.get("/api/v1/me/export").await?;
    anyhow::ensure!(r.status == 200, "export: {} {:?}", r.status, r.body);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(r.bytes.as_slice()));
    let mut names = Vec::new();
    for entry in archive.entries()? {
        names.push(entry?.path()?.to_string_lossy().to_string());
    }
    Ok(names)
}

/// Votes land in the same millisecond on a fast machine; the list's order is by activity.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

#[tokio::test]
async fn my_polls_lists_the_polls_answered_while_signed_in() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bea = server.login_as("bea", false).await?;
    let carl = server.login_as("carl", false).await?;
    let guest = server.guest().await?;

    let meeting = create(&ana, date_poll(json!({}))).await?;
    let secret = create(
        &guest,
        date_poll(json!({"title": "Vote secret", "results": "admin"})),
    )
    .await?;
    let guests_only = create(&guest, date_poll(json!({"title": "Entre invités"}))).await?;
    tick().await;

    // A guest's answer belongs to no account.
    assert_eq!(
        vote(&guest, &guests_only, "Invité", &["yes", "no", "no"])
            .await?
            .status,
        201
    );
    assert_eq!(
        vote(
            &server.guest().await?,
            &meeting,
            "Dan",
            &["yes", "yes", "no"]
        )
        .await?
        .status,
        201
    );
    for who in [&ana, &bea, &carl] {
        let ids: Vec<String> = my_polls(who).await?.into_iter().map(|p| p.0).collect();
        assert!(
            !ids.contains(&guests_only.id) && !ids.contains(&secret.id),
            "a guest's poll and answer stay out of every account: {ids:?}"
        );
    }
    assert_eq!(
        my_polls(&ana).await?,
        vec![(meeting.id.clone(), "created".into(), false)]
    );
    assert!(my_polls(&bea).await?.is_empty());

    // Béa answers both polls while signed in: they are hers as "answered", the newest first,
    // without the admin link.
    assert_eq!(
        vote(&bea, &meeting, "Béa", &["no", "yes", "maybe"])
            .await?
            .status,
        201
    );
    tick().await;
    assert_eq!(
        vote(&bea, &secret, "Béa", &["yes", "no", "no"])
            .await?
            .status,
        201
    );
    assert_eq!(
        my_polls(&bea).await?,
        vec![
            (secret.id.clone(), "answered".into(), true),
            (meeting.id.clone(), "answered".into(), true),
        ]
    );
    let list = bea.get("/api/v1/polls").await?;
    let raw = String::from_utf8_lossy(&list.bytes).to_string();
    assert!(
        !raw.contains(&meeting.token) && !raw.contains(&secret.token),
        "an answerer never sees an admin link: {raw}"
    );
    assert_eq!(list.body[0]["admin_url"], Value::Null);
    assert_eq!(
        list.body[0]["participants"],
        Value::Null,
        "only the author sees how many answered a poll with hidden results"
    );
    assert_eq!(list.body[1]["participants"], 2);
    assert_eq!(list.body[1]["poll"]["title"], "Réunion de décembre");
    assert!(list.body[1]["url"]
        .as_str()
        .unwrap_or("")
        .ends_with(&format!("/poll/{}", meeting.id)));
    assert!(list.body[1]["activity_at"].as_str().is_some());

    // New activity on the meeting brings it back to the top; others' lists do not change.
    tick().await;
    assert_eq!(
        vote(&ana, &meeting, "Ana", &["yes", "yes", "yes"])
            .await?
            .status,
        201
    );
    assert_eq!(
        my_polls(&bea).await?.first().map(|p| p.0.clone()),
        Some(meeting.id.clone())
    );
    let ana_list = ana.get("/api/v1/polls").await?;
    assert_eq!(ana_list.body[0]["role"], "created");
    assert_eq!(
        ana_list.body[0]["answered"], true,
        "the author answered too"
    );
    assert_eq!(ana_list.body[0]["participants"], 3);
    assert!(ana_list.body[0]["admin_url"]
        .as_str()
        .unwrap_or("")
        .ends_with(&meeting.token));
    assert!(my_polls(&carl).await?.is_empty());

    // "Download all my data": the author's polls with every answer; the answerer's list only
    // (an answered poll has no admin view of hers to export, and must not break the archive).
    let names = export_names(&ana).await?;
    assert!(
        names
            .iter()
            .any(|n| n.ends_with(&format!("polls/{}.csv", meeting.id))),
        "{names:?}"
    );
    let names = export_names(&bea).await?;
    assert!(
        names.iter().any(|n| n.ends_with("polls/polls.json")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains(&meeting.id)), "{names:?}");

    // Her row deleted, the poll is no longer hers.
    let view = bea.get(&format!("/api/v1/polls/{}", secret.id)).await?;
    let row = view.body["me"]["rows"][0].as_i64().unwrap_or(0);
    let r = bea
        .delete(&format!("/api/v1/polls/{}/votes/{row}", secret.id))
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        my_polls(&bea).await?,
        vec![(meeting.id.clone(), "answered".into(), true)]
    );

    // A protected poll she answered leaves her list when its password changes.
    let locked = create(&guest, date_poll(json!({"password": "sésame"}))).await?;
    let r = bea
        .post(
            &format!("/api/v1/polls/{}/unlock", locked.id),
            json!({"password": "sésame"}),
        )
        .await?;
    assert_eq!(r.status, 204);
    assert_eq!(
        vote(&bea, &locked, "Béa", &["yes", "no", "no"])
            .await?
            .status,
        201
    );
    assert_eq!(
        my_polls(&bea).await?.first().map(|p| p.0.clone()),
        Some(locked.id.clone())
    );
    let r = guest
        .patch(
            &format!("/api/v1/poll-admin/{}", locked.token),
            json!({"password": "autre sésame"}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let ids: Vec<String> = my_polls(&bea).await?.into_iter().map(|p| p.0).collect();
    assert!(!ids.contains(&locked.id), "{ids:?}");
    Ok(())
}

#[tokio::test]
async fn edit_modes_and_hidden_results() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let author = server.guest().await?;
    let (a, b) = (server.guest().await?, server.guest().await?);

    // Nobody may change a row once voted (only the admin).
    let p = create(&author, date_poll(json!({"edit_mode": "none"}))).await?;
    let row = vote(&a, &p, "A", &["yes", "no", "no"]).await?.body["participant"]["id"]
        .as_i64()
        .unwrap_or(0);
    let r = a
        .put_json(
            &format!("/api/v1/polls/{}/votes/{row}", p.id),
            json!({"name": "A", "answers": answers(&p.options, &["no", "no", "no"])}),
        )
        .await?;
    assert_eq!(r.status, 403);
    assert_eq!(
        a.delete(&format!("/api/v1/polls/{}/votes/{row}", p.id))
            .await?
            .status,
        403
    );

    // Anyone may change any row.
    let p = create(&author, date_poll(json!({"edit_mode": "anyone"}))).await?;
    let row = vote(&a, &p, "A", &["yes", "no", "no"]).await?.body["participant"]["id"]
        .as_i64()
        .unwrap_or(0);
    let r = b
        .put_json(
            &format!("/api/v1/polls/{}/votes/{row}", p.id),
            json!({"name": "A (fixed by B)", "answers": answers(&p.options, &["no", "yes", "no"])}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        b.delete(&format!("/api/v1/polls/{}/votes/{row}", p.id))
            .await?
            .status,
        204
    );

    // Results after voting: a newcomer sees no answers; a voter sees everything.
    let p = create(&author, date_poll(json!({"results": "after_voting"}))).await?;
    vote(&a, &p, "A", &["yes", "no", "no"]).await?;
    let v = b.get(&format!("/api/v1/polls/{}", p.id)).await?;
    assert_eq!(v.body["results_visible"], false);
    assert_eq!(v.body["participants"], json!([]));
    assert_eq!(v.body["options"][0]["yes"], Value::Null);
    vote(&b, &p, "B", &["yes", "yes", "no"]).await?;
    let v = b.get(&format!("/api/v1/polls/{}", p.id)).await?;
    assert_eq!(v.body["results_visible"], true);
    assert_eq!(v.body["options"][0]["yes"], 2);

    // Results for the admin only.
    let p = create(&author, date_poll(json!({"results": "admin"}))).await?;
    vote(&a, &p, "A", &["yes", "no", "no"]).await?;
    vote(&b, &p, "B", &["yes", "no", "no"]).await?;
    let v = b.get(&format!("/api/v1/polls/{}", p.id)).await?;
    assert_eq!(v.body["results_visible"], false);
    assert_eq!(
        v.body["participants"].as_array().map(Vec::len),
        Some(1),
        "only their own row"
    );
    let v = author
        .get(&format!("/api/v1/poll-admin/{}", p.token))
        .await?;
    assert_eq!(v.body["options"][0]["yes"], 2);
    Ok(())
}

#[tokio::test]
async fn concurrent_voters_never_exceed_a_limited_option() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let author = server.guest().await?;
    let p = create(
        &author,
        json!({"kind": "classic", "title": "Covoiturage", "author_name": "Ana", "max_yes": 2,
        "options": [{"label": "Voiture d'Ana (2 places)"}, {"label": "Train"}]}),
    )
    .await?;
    let mut voters = Vec::new();
    for _ in 0..12 {
        voters.push(server.guest().await?);
    }
    let tasks = voters.iter().enumerate().map(|(i, c)| {
        let p = &p;
        async move { vote(c, p, &format!("voter {i}"), &["yes", "no"]).await }
    });
    let results = futures_util::future::join_all(tasks).await;
    let mut statuses: Vec<u16> = results
        .into_iter()
        .map(|r| r.map(|r| r.status).unwrap_or(0))
        .collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        10,
        "{statuses:?}"
    );
    let v = author.get(&format!("/api/v1/polls/{}", p.id)).await?;
    assert_eq!(v.body["options"][0]["yes"], 2);
    assert_eq!(v.body["options"][0]["remaining"], 0);
    assert_eq!(
        v.body["participants"].as_array().map(Vec::len),
        Some(2),
        "refused rows are not stored half-way"
    );
    let r = vote(&voters[11], &p, "late", &["no", "yes"]).await?;
    assert_eq!(
        r.status, 201,
        "a full option does not block the others: {:?}",
        r.body
    );
    let r = vote(&voters[10], &p, "late", &["yes", "no"]).await?;
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("Voiture d'Ana"),
        "{:?}",
        r.body
    );
    Ok(())
}

#[tokio::test]
async fn protected_polls_need_their_password() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let author = server.guest().await?;
    let p = create(&author, date_poll(json!({"password": "sésame"}))).await?;
    let g = server.guest().await?;
    let r = g.get(&format!("/api/v1/polls/{}", p.id)).await?;
    assert_eq!((r.status, r.code()), (403, "password_required"));
    assert_eq!(
        vote(&g, &p, "G", &["yes", "no", "no"]).await?.code(),
        "password_required"
    );
    let r = g
        .post(
            &format!("/api/v1/polls/{}/unlock", p.id),
            json!({"password": "wrong"}),
        )
        .await?;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = g
        .post(
            &format!("/api/v1/polls/{}/unlock", p.id),
            json!({"password": "sésame"}),
        )
        .await?;
    assert_eq!(r.status, 204);
    assert_eq!(g.get(&format!("/api/v1/polls/{}", p.id)).await?.status, 200);
    assert_eq!(vote(&g, &p, "G", &["yes", "no", "no"]).await?.status, 201);
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/polls/{}", p.id))
            .await?
            .status,
        403,
        "still closed to others"
    );
    // Guessing is throttled per address (auth.login_failures_per_ip, 20 in the login window;
    // one wrong guess above): then even the right password waits.
    let h = server.guest().await?;
    let path = format!("/api/v1/polls/{}/unlock", p.id);
    let guess = |password: &'static str| h.post(&path, json!({"password": password}));
    for i in 1..20 {
        assert_eq!(guess("nope").await?.status, 403, "wrong guess {i}");
    }
    let r = guess("sésame").await?;
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "{:?}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    // The admin link needs no password; removing the password opens the poll.
    let r = author
        .patch(
            &format!("/api/v1/poll-admin/{}", p.token),
            json!({"password": null}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["poll"]["protected"], false);
    assert_eq!(
        server
            .client()
            .get(&format!("/api/v1/polls/{}", p.id))
            .await?
            .status,
        200
    );
    Ok(())
}

#[tokio::test]
async fn admin_edits_options_closes_and_reopens() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let author = server.guest().await?;
    let p = create(&author, date_poll(json!({}))).await?;
    let g = server.guest().await?;
    vote(&g, &p, "G", &["yes", "maybe", "no"]).await?;
    let admin = format!("/api/v1/poll-admin/{}", p.token);

    // Add a date before the others and drop the last one: kept options keep their answers.
    let r = author
        .patch(
            &admin,
            json!({"title": "Réunion (nouvelle date)", "options": [
                {"id": p.options[0], "date": "2030-12-03", "start": "18:00", "end": "20:00"},
                {"id": p.options[1], "date": "2030-12-04", "start": "10:00"},
                {"date": "2030-12-01"}
            ]}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["poll"]["title"], "Réunion (nouvelle date)");
    let opts = r.body["options"].as_array().cloned().unwrap_or_default();
    assert_eq!(opts.len(), 3);
    assert_eq!(
        opts[0]["date"], "2030-12-01",
        "dates stay in calendar order"
    );
    assert_eq!(
        r.body["participants"][0]["answers"],
        json!([null, "yes", "maybe"]),
        "new date unanswered, others kept"
    );
    assert_eq!(opts[2]["start"], "10:00");

    // An option id from another poll is refused whole.
    let other = create(&author, date_poll(json!({}))).await?;
    let r = author
        .patch(
            &admin,
            json!({"title": "x", "options": [{"id": other.options[0], "date": "2030-12-03"}]}),
        )
        .await?;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(
        author.get(&admin).await?.body["poll"]["title"],
        "Réunion (nouvelle date)",
        "nothing stored half-way"
    );

    // Close, reopen; a past deadline closes voting too.
    let r = author.patch(&admin, json!({"closed": true})).await?;
    assert_eq!(r.body["poll"]["closed_reason"], "closed");
    let ids: Vec<i64> = opts.iter().filter_map(|o| o["id"].as_i64()).collect();
    let p2 = Poll {
        id: p.id.clone(),
        token: p.token.clone(),
        options: ids,
    };
    let before = author.get(&admin).await?.body["poll"].clone();
    assert_eq!(
        vote(&g, &p2, "H", &["yes", "yes", "yes"]).await?.status,
        409
    );
    let after = author.get(&admin).await?.body["poll"].clone();
    assert_eq!(
        (&after["version"], &after["updated_at"]),
        (&before["version"], &before["updated_at"]),
        "a refused vote changes nothing"
    );
    author.patch(&admin, json!({"closed": false})).await?;
    assert_eq!(
        vote(&g, &p2, "H", &["yes", "yes", "yes"]).await?.status,
        201
    );
    let r = author
        .patch(&admin, json!({"deadline": "2020-01-01T00:00:00Z"}))
        .await?;
    assert_eq!(r.body["poll"]["closed_reason"], "deadline");
    let r = vote(&g, &p2, "I", &["yes", "yes", "yes"]).await?;
    assert_eq!(r.status, 409);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("deadline"));
    // Unknown option in finalise.
    let r = author
        .post(&format!("{admin}/finalise"), json!({"option_id": 999_999}))
        .await?;
    assert_eq!(r.status, 422);
    Ok(())
}

#[tokio::test]
async fn followers_see_changes_live() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let author = server.guest().await?;
    let p = create(&author, date_poll(json!({}))).await?;
    let watcher = crate::support::guest(&server).await;
    let cookie = crate::support::cookie_from(&watcher, "nichoir_guest");
    let mut ws = ws_connect(server.addr, WsAuth::Cookie(&cookie), WAIT).await;
    let _hello = recv_json(&mut ws, WAIT).await;
    send_json(&mut ws, &subscribe(&format!("poll:{}", p.id))).await;
    let sub = recv_json(&mut ws, WAIT).await;
    assert_eq!(sub["type"], "subscribed", "{sub}");
    vote(&server.guest().await?, &p, "G", &["yes", "no", "no"]).await?;
    let ev = recv_json(&mut ws, WAIT).await;
    assert_eq!(ev["type"], "event", "{ev}");
    assert_eq!(ev["data"]["type"], "changed");
    let version = ev["data"]["version"].as_i64().unwrap_or(0);
    author
        .post(
            &format!("/api/v1/polls/{}/comments", p.id),
            json!({"author_name": "Ana", "text": "Merci !"}),
        )
        .await?;
    let ev = recv_json(&mut ws, WAIT).await;
    assert!(
        ev["data"]["version"].as_i64().unwrap_or(0) > version,
        "{ev}"
    );
    // Clients cannot publish on a poll topic.
    send_json(
        &mut ws,
        &crate::support::publish(&format!("poll:{}", p.id), json!({"type": "changed"})),
    )
    .await;
    let err = recv_json(&mut ws, WAIT).await;
    assert_eq!(err["type"], "error", "{err}");
    author
        .delete(&format!("/api/v1/poll-admin/{}", p.token))
        .await?;
    let ev = recv_json(&mut ws, WAIT).await;
    assert_eq!(ev["data"]["type"], "deleted", "{ev}");
    // A deleted poll is followed no more.
    let gone = recv_json(&mut ws, WAIT).await;
    assert_eq!(gone["type"], "unsubscribed", "{gone}");
    assert_eq!(gone["reason"], "not_found", "{gone}");
    // A protected poll's topic is refused without the password.
    let q = create(&author, date_poll(json!({"password": "sésame"}))).await?;
    send_json(&mut ws, &subscribe(&format!("poll:{}", q.id))).await;
    let refused = recv_json(&mut ws, WAIT).await;
    assert_eq!(refused["type"], "error", "{refused}");
    Ok(())
}

#[tokio::test]
async fn mails_links_votes_comments_and_reminders() -> anyhow::Result<()> {
    let sink = MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| crate::support::mail_to_sink(c, port))?;
    let author = server.guest().await?;
    let deadline = nichoir_core::time::rfc3339(nichoir_core::time::now_ms() + 2 * 3_600_000);
    let p = create(
        &author,
        date_poll(
            json!({"author_email": "ana@example.org", "notify_votes": true, "notify_comments": true,
        "remind": true, "deadline": deadline}),
        ),
    )
    .await?;
    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1, "the links are mailed to the author");
    assert_eq!(mails[0].to, vec!["<ana@example.org>".to_string()]);
    assert!(mails[0].data.contains(&p.token), "{}", mails[0].data);
    vote(&server.guest().await?, &p, "Béa", &["yes", "no", "no"]).await?;
    let mails = sink.wait_for(2, WAIT).await;
    assert_eq!(mails.len(), 2);
    assert!(mails[1].data.contains("answered"), "{}", mails[1].data);
    author
        .post(
            &format!("/api/v1/polls/{}/comments", p.id),
            json!({"author_name": "Carl", "text": "Pas dispo le 4"}),
        )
        .await?;
    let mails = sink.wait_for(3, WAIT).await;
    assert_eq!(mails.len(), 3);
    // Two senders at once (as the nodes of a cluster): one mail.
    let (a, b) = tokio::join!(server.polls.send_reminders(), server.polls.send_reminders());
    let sent = a.map_err(|e| anyhow::anyhow!(e.to_string()))?
        + b.map_err(|e| anyhow::anyhow!(e.to_string()))?;
    assert_eq!(sent, 1, "deadline within 24 h, one reminder");
    assert_eq!(
        server
            .polls
            .send_reminders()
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?,
        0,
        "only once"
    );
    let mails = sink.wait_for(4, WAIT).await;
    assert!(
        mails[3].data.contains("closes soon") || mails[3].data.contains("closes"),
        "{}",
        mails[3].data
    );
    Ok(())
}

#[tokio::test]
async fn polls_are_purged_after_their_deadline_or_last_activity() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.polls.purge_after_days = 30)?;
    let author = server.guest().await?;
    let old = create(&author, date_poll(json!({}))).await?;
    let fresh = create(&author, date_poll(json!({}))).await?;
    vote(&server.guest().await?, &old, "G", &["yes", "no", "no"]).await?;
    let id = old.id.clone();
    let long_ago = nichoir_core::time::now_ms() - 31 * 86_400_000;
    server
        .ctx
        .db
        .write(move |c| {
            c.execute(
                "UPDATE polls SET updated_at = ?2 WHERE id = ?1",
                nichoir_storage::params![id, long_ago],
            )?;
            Ok(())
        })
        .await?;
    let removed = server
        .polls
        .purge_expired()
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    assert_eq!(removed, 1);
    assert_eq!(
        author
            .get(&format!("/api/v1/polls/{}", old.id))
            .await?
            .status,
        404
    );
    assert_eq!(
        author
            .get(&format!("/api/v1/polls/{}", fresh.id))
            .await?
            .status,
        200
    );
    let left: i64 = server
        .ctx
        .db
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM poll_answers", [], |r| r.get(0))?))
        .await?;
    assert_eq!(left, 0, "answers go with their poll");
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_stores_nothing() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.guest().await?;
    let many: Vec<Value> = (0..301)
        .map(|i| json!({"label": format!("option {i}")}))
        .collect();
    let cases: Vec<(Value, &str)> = vec![
        (date_poll(json!({"options": []})), "at least one"),
        (
            date_poll(json!({"options": [{"date": "2030-12-03"}, {"date": "2030-12-03"}]})),
            "twice",
        ),
        (
            json!({"kind": "classic", "title": "t", "author_name": "a", "options": many}),
            "at most 300",
        ),
        (
            date_poll(json!({"options": [{"date": "1969-12-31"}]})),
            "1970",
        ),
        (
            date_poll(json!({"options": [{"date": "2200-01-01"}]})),
            "2199",
        ),
        (
            date_poll(json!({"options": [{"date": "2030-02-30"}]})),
            "YYYY-MM-DD",
        ),
        (
            date_poll(
                json!({"options": [{"date": "2030-12-03", "start": "20:00", "end": "18:00"}]}),
            ),
            "after start",
        ),
        (date_poll(json!({"author_name": "x".repeat(65)})), "64"),
        (
            date_poll(json!({"description": "x".repeat(10_001)})),
            "10000",
        ),
        (date_poll(json!({"title": ""})), "title"),
        (date_poll(json!({"timezone": "Mars/Olympus"})), "time zone"),
        (
            date_poll(json!({"deadline": "2020-01-01T00:00:00Z"})),
            "future",
        ),
        (date_poll(json!({"deadline": "demain"})), "RFC 3339"),
        (date_poll(json!({"password": "abc"})), "password"),
        (date_poll(json!({"max_yes": 0})), "max_yes"),
        (date_poll(json!({"author_email": "not-an-email"})), "mail"),
        (date_poll(json!({"results": "nobody"})), "results"),
        (date_poll(json!({"kind": "ranked"})), "kind"),
        (
            json!({"kind": "classic", "title": "t", "author_name": "a", "options": [{"label": "x", "url": "javascript:alert(1)"}]}),
            "http",
        ),
    ];
    for (body, needle) in cases {
        let r = c.post("/api/v1/polls", body).await?;
        assert_eq!(
            (r.status, r.code()),
            (422, "validation_failed"),
            "{needle}: {:?}",
            r.body
        );
        let msg = r.body["error"]["message"].as_str().unwrap_or("");
        assert!(msg.contains(needle), "expected `{needle}` in `{msg}`");
    }
    let r = c.post("/api/v1/polls", json!({"kind": "date", "title": "t", "author_name": "a", "options": [], "color": "red"})).await?;
    assert_eq!(r.status, 422, "unknown fields are refused: {:?}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("color"));
    let r = c
        .send(
            c.http
                .post(c.url("/api/v1/polls"))
                .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await?;
    assert!(r.status == 400, "{:?}", r.body);
    let count: i64 = server
        .ctx
        .db
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM polls", [], |r| r.get(0))?))
        .await?;
    assert_eq!(count, 0, "no refused poll was stored");

    let p = create(&c, date_poll(json!({}))).await?;
    let r = vote(&c, &p, &"n".repeat(65), &["yes", "no", "no"]).await?;
    assert_eq!(r.status, 422);
    let r = c
        .post(
            &format!("/api/v1/polls/{}/votes", p.id),
            json!({"name": "A", "answers": {"999999": "yes"}}),
        )
        .await?;
    assert_eq!(r.status, 422);
    let r = c
        .post(
            &format!("/api/v1/polls/{}/votes", p.id),
            json!({"name": "A", "answers": {"abc": "yes"}}),
        )
        .await?;
    assert_eq!(r.status, 422);
    let r = c
        .post(
            &format!("/api/v1/polls/{}/votes", p.id),
            json!({"name": "A", "answers": {p.options[0].to_string(): "peut-être"}}),
        )
        .await?;
    assert_eq!(r.status, 422);
    let r = c
        .post(
            &format!("/api/v1/polls/{}/comments", p.id),
            json!({"author_name": "A", "text": "x".repeat(2_001)}),
        )
        .await?;
    assert_eq!(r.status, 422);
    let r = c
        .post(
            &format!("/api/v1/polls/{}/comments", p.id),
            json!({"author_name": "A", "text": "  "}),
        )
        .await?;
    assert_eq!(r.status, 422);
    assert_eq!(c.get("/api/v1/poll-admin/not-the-token").await?.status, 404);
    assert_eq!(
        c.get(&format!("/api/v1/poll-admin/{}", "x".repeat(500)))
            .await?
            .status,
        404
    );
    assert_eq!(
        c.delete("/api/v1/poll-admin/wrong/votes/1").await?.status,
        404
    );
    assert_eq!(c.get("/api/v1/polls/nope").await?.status, 404);
    let r = c
        .put_json(
            &format!("/api/v1/polls/{}/votes/abc", p.id),
            json!({"name": "A", "answers": {}}),
        )
        .await?;
    assert!((400..500).contains(&r.status), "{}", r.status);
    let r = c
        .put_json(
            &format!("/api/v1/polls/{}/votes/424242", p.id),
            json!({"name": "A", "answers": {}}),
        )
        .await?;
    assert_eq!(r.status, 404);
    let votes: i64 = server
        .ctx
        .db
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM poll_votes", [], |r| r.get(0))?))
        .await?;
    assert_eq!(votes, 0, "no refused vote was stored");
    // Without an identity (no guest cookie), writing is refused with a clear error.
    let r = server
        .client()
        .post(
            &format!("/api/v1/polls/{}/votes", p.id),
            json!({"name": "A", "answers": {}}),
        )
        .await?;
    assert_eq!(r.status, 401);
    Ok(())
}

/// Issue 18: the French UI words a validation failure itself, from the field and rule the answer
/// names beside its English message.
#[tokio::test]
async fn a_refused_poll_names_its_field_and_rule_for_the_ui_to_translate() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.guest().await?;
    let r = c
        .post(
            "/api/v1/polls",
            date_poll(json!({"title": "é".repeat(201), "language": "fr"})),
        )
        .await?;
    assert_eq!(
        (r.status, r.code()),
        (422, "validation_failed"),
        "{:?}",
        r.body
    );
    assert_eq!(
        r.body["error"]["invalid"],
        json!({"field": "title", "rule": {"kind": "too_long", "max": 200}})
    );
    assert_eq!(
        r.body["error"]["message"], "title: at most 200 characters",
        "the English message stays for API clients"
    );
    // An option's error says which option.
    let r = c
        .post(
            "/api/v1/polls",
            date_poll(
                json!({"options": [{"date": "2030-12-03", "start": "20:00", "end": "18:00"}]}),
            ),
        )
        .await?;
    assert_eq!(
        r.body["error"]["invalid"],
        json!({"field": "option_end", "index": 1, "rule": {"kind": "ends_before_start"}})
    );
    // Errors without a structured detail keep their old shape.
    let r = c.get("/api/v1/polls/nope").await?;
    assert_eq!(r.status, 404);
    assert!(r.body["error"].get("invalid").is_none(), "{:?}", r.body);
    Ok(())
}
