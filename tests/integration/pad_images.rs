//! Images in pads: uploaded by editors, proven by their bytes, cleaned of their metadata, served
//! with the pad's read rights (password included, read-only links too), counted in the
//! uploader's quota, written into the HTML export, and gone with the pad.

use nichoir_testkit::{Client, Reply, TestServer};
use serde_json::{json, Value};

use crate::chat::{png, png_with_text};
use crate::support::write_text;
use crate::wikis::jpeg_with_exif;

/// Posts an image's bytes as the editor does.
async fn upload(c: &Client, pad: &str, ct: &str, bytes: Vec<u8>) -> anyhow::Result<Reply> {
    c.send(
        c.http
            .post(c.url(&format!("/api/v1/pads/{pad}/images")))
            .header("content-type", ct)
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(bytes),
    )
    .await
}

/// A new pad of `c`'s: (id, read-only id).
async fn new_pad(c: &Client) -> anyhow::Result<(String, String)> {
    let created = c.post("/api/v1/pads", json!({})).await?;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let pad = &created.body["pad"];
    Ok((
        pad["id"].as_str().unwrap_or("").to_string(),
        pad["readonly_id"].as_str().unwrap_or("").to_string(),
    ))
}

fn url_of(r: &Reply) -> String {
    r.body["url"].as_str().unwrap_or("").to_string()
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn pads_bytes(c: &Client) -> anyhow::Result<Value> {
    Ok(c.get("/api/v1/me/usage").await?.body["by_tool"]["pads"].clone())
}

#[tokio::test]
async fn an_image_is_uploaded_served_and_written_into_the_export() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let (id, ro) = new_pad(&ana).await?;
    let picture = png(3, 2);
    let r = upload(&ana, &id, "image/png", picture.clone()).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let url = url_of(&r);
    let image = r.body["id"].as_str().unwrap_or("").to_string();
    // The URL names the read-only id: read-only viewers see the text, and must not learn the
    // edit id from it.
    assert_eq!(url, format!("/api/v1/pads/{ro}/images/{image}"));
    assert!(!url.contains(&id));
    assert_eq!(r.body["content_type"], "image/png");
    assert_eq!(r.body["size"], picture.len());

    let got = ana.get(&url).await?;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), "image/png");
    assert_eq!(got.header("x-content-type-options"), "nosniff");
    assert!(got.header("cache-control").contains("private"));
    assert!(got.header("cache-control").contains("immutable"));
    assert_eq!(got.bytes, picture);
    // Anyone with the read-only link sees it, without an account; the edit id works too.
    let stranger = server.client();
    assert_eq!(stranger.get(&url).await?.bytes, picture);
    let by_edit_id = format!("/api/v1/pads/{id}/images/{image}");
    assert_eq!(stranger.get(&by_edit_id).await?.status, 200);
    // Another pad's id does not reach it; an unknown image is a 404.
    let (other, _) = new_pad(&ana).await?;
    let elsewhere = stranger
        .get(&format!("/api/v1/pads/{other}/images/{image}"))
        .await?;
    assert_eq!((elsewhere.status, elsewhere.code()), (404, "not_found"));
    assert_eq!(
        stranger
            .get(&format!("/api/v1/pads/{ro}/images/nope"))
            .await?
            .status,
        404
    );

    // The same bytes again are the same image.
    let again = upload(&ana, &id, "image/png", picture.clone()).await?;
    assert_eq!((again.status, url_of(&again)), (201, url.clone()));

    // A read-only link may look, not add.
    let guest = server.guest().await?;
    let refused = upload(&guest, &ro, "image/png", png(2, 2)).await?;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    // Whoever has the edit link may (a guest too).
    assert_eq!(
        upload(&guest, &id, "image/png", png(2, 2)).await?.status,
        201
    );

    // The HTML export writes the pad's own image in; a foreign one stays a link, so the file
    // fetches nothing when opened.
    write_text(
        &server,
        &id,
        &format!("# Plan\n\n![the plan]({url})\n\n![tracker](https://tracker.example/t.png)\n"),
    )
    .await?;
    let export = ana
        .get(&format!("/api/v1/pads/{id}/export?format=html"))
        .await?;
    assert_eq!(export.status, 200);
    let html = String::from_utf8(export.bytes.clone())?;
    assert!(
        html.contains("<img src=\"data:image/png;base64,"),
        "written in: {html}"
    );
    assert!(html.contains("alt=\"the plan\""), "{html}");
    assert!(!html.contains("src=\"https:"), "no foreign image: {html}");
    assert!(!html.contains("src=\"/"), "no path left: {html}");
    assert!(
        html.contains("href=\"https://tracker.example/t.png\""),
        "{html}"
    );
    assert!(export
        .header("content-security-policy")
        .contains("img-src data:"));
    Ok(())
}

#[tokio::test]
async fn images_must_be_what_they_claim_and_not_too_big() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.pads.max_image_bytes = 2_000)?;
    let ana = server.login_as("ana", false).await?;
    let (id, _) = new_pad(&ana).await?;
    let (jpeg, _) = jpeg_with_exif();
    for (ct, bytes, why) in [
        ("image/png", jpeg.clone(), "JPEG bytes called PNG"),
        ("image/png", b"not a picture at all".to_vec(), "text"),
        (
            "image/svg+xml",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            "SVG carries scripts",
        ),
        (
            "application/pdf",
            b"%PDF-1.4\n%\xe2\xe3\n".to_vec(),
            "a PDF",
        ),
        ("", png(2, 2), "no type said"),
    ] {
        let r = upload(&ana, &id, ct, bytes).await?;
        assert_eq!(
            (r.status, r.code()),
            (415, "unsupported_media_type"),
            "{why}: {:?}",
            r.body
        );
    }
    // Over pads.max_image_bytes: 413, before anything is stored.
    let big = png_with_text(4, 4, Some(&[b'x'; 2_500]));
    let r = upload(&ana, &id, "image/png", big).await?;
    assert_eq!(
        (r.status, r.code()),
        (413, "payload_too_large"),
        "{:?}",
        r.body
    );
    assert_eq!(pads_bytes(&ana).await?, Value::Null, "nothing counted");
    // `image/jpg`, as some tools say, is JPEG.
    assert_eq!(upload(&ana, &id, "image/jpg", jpeg).await?.status, 201);
    Ok(())
}

#[tokio::test]
async fn a_photo_loses_where_it_was_taken() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let (id, _) = new_pad(&ana).await?;
    let (photo, clean) = jpeg_with_exif();
    assert!(has(&photo, b"Exif\0\0") && has(&photo, b"rue des Lilas"));
    let r = upload(&ana, &id, "image/jpeg", photo).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["size"], clean.len());
    let kept = ana.get(&url_of(&r)).await?;
    assert_eq!(kept.header("content-type"), "image/jpeg");
    assert!(!has(&kept.bytes, b"Exif\0\0"), "no EXIF (GPS) left");
    assert!(!has(&kept.bytes, b"rue des Lilas"), "no comment left");
    assert_eq!(kept.bytes, clean, "the picture itself is untouched");
    // PNG text chunks go the same way.
    let r = upload(
        &ana,
        &id,
        "image/png",
        png_with_text(2, 2, Some(b"Comment\0at home")),
    )
    .await?;
    let kept = ana.get(&url_of(&r)).await?;
    assert!(!has(&kept.bytes, b"at home"), "no text chunk left");
    Ok(())
}

#[tokio::test]
async fn a_protected_pad_guards_its_images() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let owner = server.login_as("olga", false).await?;
    let (id, ro) = new_pad(&owner).await?;
    let r = upload(&owner, &id, "image/png", png(2, 2)).await?;
    let url = url_of(&r);
    assert_eq!(
        owner
            .put_json(
                &format!("/api/v1/pads/{id}/password"),
                json!({"password": "s3cret pass"})
            )
            .await?
            .status,
        204
    );
    assert_eq!(owner.get(&url).await?.status, 200, "its creator needs none");
    let visitor = server.login_as("victor", false).await?;
    for who in [&visitor, &server.client()] {
        let locked = who.get(&url).await?;
        assert_eq!((locked.status, locked.code()), (403, "password_required"));
        assert!(
            locked.bytes.len() < 200,
            "no image bytes: {:?}",
            locked.body
        );
    }
    let locked = upload(&visitor, &id, "image/png", png(3, 3)).await?;
    assert_eq!(locked.code(), "password_required");
    assert_eq!(
        visitor
            .post(
                &format!("/api/v1/pads/{ro}/unlock"),
                json!({"password": "s3cret pass"})
            )
            .await?
            .status,
        204
    );
    assert_eq!(visitor.get(&url).await?.status, 200);
    // Given with the read-only link, the password still lets nobody add images.
    assert_eq!(
        upload(&visitor, &ro, "image/png", png(3, 3)).await?.status,
        403
    );
    Ok(())
}

#[tokio::test]
async fn images_count_in_the_uploaders_quota_and_go_with_the_pad() -> anyhow::Result<()> {
    let picture = png(8, 8);
    let limit = picture.len() as u64 * 2 + picture.len() as u64 / 2;
    let server = TestServer::start_with(|c| c.uploads.quota_bytes_per_user = limit)?;
    let ana = server.login_as("ana", false).await?;
    let bea = server.login_as("bea", false).await?;
    let (id, ro) = new_pad(&ana).await?;
    let first = upload(&ana, &id, "image/png", picture.clone()).await?;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(pads_bytes(&ana).await?, json!(picture.len()));
    // Bea's upload to Ana's pad counts in Bea's quota, as her chat files and attachments do.
    let hers = upload(&bea, &id, "image/png", png(8, 7)).await?;
    assert_eq!(hers.status, 201, "{:?}", hers.body);
    assert_eq!(pads_bytes(&ana).await?, json!(picture.len()));
    assert_eq!(pads_bytes(&bea).await?, hers.body["size"]);
    // The same image again takes nothing more.
    upload(&ana, &id, "image/png", picture.clone()).await?;
    assert_eq!(pads_bytes(&ana).await?, json!(picture.len()));
    assert_eq!(upload(&ana, &id, "image/png", png(8, 6)).await?.status, 201);
    let over = upload(&ana, &id, "image/png", png(8, 5)).await?;
    assert_eq!((over.status, over.code()), (413, "quota_exceeded"));
    assert!(over.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("storage quota is left"));

    // Deleting the pad deletes its images: rows, files and the quota they took.
    let folder = server.data_dir().join("uploads").join("pad").join(&ro);
    assert!(folder.is_dir(), "{}", folder.display());
    assert_eq!(ana.delete(&format!("/api/v1/pads/{id}")).await?.status, 204);
    assert!(!folder.exists(), "the files went with the pad");
    assert_eq!(pads_bytes(&ana).await?, Value::Null);
    assert_eq!(pads_bytes(&bea).await?, Value::Null);
    assert_eq!(ana.get(&url_of(&first)).await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn a_data_export_holds_the_images_one_uploaded() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let (id, ro) = new_pad(&ana).await?;
    let picture = png(5, 5);
    let r = upload(&ana, &id, "image/png", picture.clone()).await?;
    let image = r.body["id"].as_str().unwrap_or("").to_string();
    let export = ana.get("/api/v1/me/export").await?;
    assert_eq!(export.status, 200, "{:?}", export.body);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(export.bytes.as_slice()));
    let (mut bytes, mut list) = (Vec::new(), String::new());
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().to_string();
        if path == format!("nichoir-export/pads/images/{ro}/{image}.png") {
            std::io::Read::read_to_end(&mut entry, &mut bytes)?;
        } else if path == "nichoir-export/pads/images.json" {
            std::io::Read::read_to_string(&mut entry, &mut list)?;
        }
    }
    assert_eq!(bytes, picture);
    assert!(list.contains(&image), "{list}");
    Ok(())
}

#[tokio::test]
async fn one_image_is_deleted_by_who_added_it_or_the_pads_creator() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let bea = server.login_as("bea", false).await?;
    let carl = server.login_as("carl", false).await?;
    let (id, ro) = new_pad(&ana).await?;
    let hers = upload(&bea, &id, "image/png", png(6, 6)).await?;
    let carls = upload(&carl, &id, "image/png", png(5, 6)).await?;
    let kept = upload(&ana, &id, "image/png", png(4, 6)).await?;
    for r in [&hers, &carls, &kept] {
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let image = |r: &Reply| r.body["id"].as_str().unwrap_or("").to_string();
    let path = |r: &Reply| format!("/api/v1/pads/{id}/images/{}", image(r));
    write_text(
        &server,
        &id,
        &format!(
            "![hers]({})\n\n![carl's]({})\n\n![kept]({})\n",
            url_of(&hers),
            url_of(&carls),
            url_of(&kept)
        ),
    )
    .await?;
    let folder = server.data_dir().join("uploads").join("pad").join(&ro);
    let files = || std::fs::read_dir(&folder).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files(), 3);

    // Another editor may not delete Bea's image; nor may anyone through the read-only link.
    let refused = carl.delete(&path(&hers)).await?;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    let by_ro = bea
        .delete(&format!("/api/v1/pads/{ro}/images/{}", image(&hers)))
        .await?;
    assert_eq!((by_ro.status, by_ro.code()), (403, "forbidden"));
    let stranger = server.client();
    assert_ne!(stranger.delete(&path(&hers)).await?.status, 204);

    // Bea deletes hers: its bytes leave her quota and the store; its URL is a plain 404.
    assert_eq!(pads_bytes(&bea).await?, hers.body["size"]);
    assert_eq!(bea.delete(&path(&hers)).await?.status, 204);
    assert_eq!(pads_bytes(&bea).await?, Value::Null);
    assert_eq!(files(), 2);
    let gone = ana.get(&url_of(&hers)).await?;
    assert_eq!((gone.status, gone.code()), (404, "not_found"));
    let again = bea.delete(&path(&hers)).await?;
    assert_eq!((again.status, again.code()), (404, "not_found"));
    let unknown = ana
        .delete(&format!("/api/v1/pads/{id}/images/no-such-image"))
        .await?;
    assert_eq!(unknown.status, 404);
    let bad = ana
        .delete(&format!("/api/v1/pads/{id}/images/..%2F..%2Fx"))
        .await?;
    assert_eq!(bad.status, 404);

    // The pad's creator may delete anyone's image in it.
    assert_eq!(ana.delete(&path(&carls)).await?.status, 204);
    assert_eq!(pads_bytes(&carl).await?, Value::Null);
    assert_eq!(files(), 1);
    assert_eq!(ana.get(&url_of(&kept)).await?.status, 200);

    // The text still names the deleted images: the pad opens and exports, they are links.
    let export = ana
        .get(&format!("/api/v1/pads/{id}/export?format=html"))
        .await?;
    assert_eq!(export.status, 200);
    let html = String::from_utf8(export.bytes.clone())?;
    assert_eq!(
        html.matches("<img src=\"data:image/png;base64,").count(),
        1,
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"{}\"", url_of(&hers))) || html.contains("hers"),
        "{html}"
    );
    assert_eq!(ana.get(&format!("/api/v1/pads/{id}")).await?.status, 200);
    Ok(())
}
