//! Pad file formats over HTTP on a real server: DOCX, ODT, `.etherpad` and the print page out;
//! DOCX and ODT in; crafted files refused with a 4xx.

use std::io::{Read, Write};

use nichoir_testkit::TestServer;
use serde_json::json;

const TEXT: &str = "# Réunion\n\nUn **gras**, *italique*, <u>souligné</u>, ~~barré~~ et [lien](https://example.org/).\n\n- un\n  - deux\n\n1. premier\n2. second\n\n> cité\n\n```\ncode\n```\n";

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    let mut s = String::new();
    zip.by_name(name)
        .expect("the part is there")
        .read_to_string(&mut s)
        .expect("UTF-8");
    s
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip");
        w.write_all(data).expect("zip");
    }
    w.finish().expect("zip").into_inner()
}

#[tokio::test]
async fn office_etherpad_and_print_formats() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.login_as("fanny", false).await?;
    let csrf = c.csrf.clone().unwrap_or_default();
    let new_pad = || async {
        let r = c.post("/api/v1/pads", json!({})).await?;
        anyhow::Ok(r.body["pad"]["id"].as_str().unwrap_or("").to_string())
    };
    let id = new_pad().await?;
    crate::support::write_text(&server, &id, TEXT).await?;
    let anon = server.client();

    // DOCX: the formatting is in WordprocessingML.
    let docx = anon
        .get(&format!("/api/v1/pads/{id}/export?format=docx"))
        .await?;
    assert_eq!(docx.status, 200);
    let doc = zip_part(&docx.bytes, "word/document.xml");
    for part in [
        "w:val=\"Heading1\"",
        "<w:b/></w:rPr><w:t xml:space=\"preserve\">gras",
        "<w:i/></w:rPr><w:t xml:space=\"preserve\">italique",
        "<w:u w:val=\"single\"/>",
        "<w:strike/>",
        "<w:numPr><w:ilvl w:val=\"1\"/>",
        "<w:hyperlink r:id=",
        "w:val=\"Quote\"",
        "w:val=\"SourceCode\"",
    ] {
        assert!(doc.contains(part), "{part} in {doc}");
    }
    assert!(zip_part(&docx.bytes, "word/_rels/document.xml.rels").contains("https://example.org/"));

    // ODT: mimetype first and stored, the formatting in content.xml.
    let odt = anon
        .get(&format!("/api/v1/pads/{id}/export?format=odt"))
        .await?;
    assert_eq!(odt.status, 200);
    assert_eq!(&odt.bytes[30..38], b"mimetype");
    let content = zip_part(&odt.bytes, "content.xml");
    for part in [
        "<text:h text:style-name=\"Heading_20_1\" text:outline-level=\"1\">Réunion",
        "fo:font-weight=\"bold\"",
        "<text:list text:style-name=\"LNumber\">",
        "xlink:href=\"https://example.org/\"",
    ] {
        assert!(content.contains(part), "{part} in {content}");
    }

    // Both come back as Markdown with their formatting.
    for (format, bytes) in [("docx", docx.bytes.clone()), ("odt", odt.bytes.clone())] {
        let target = new_pad().await?;
        let r = c
            .send(
                c.http
                    .post(c.url(&format!("/api/v1/pads/{target}/import?format={format}")))
                    .header("x-csrf-token", csrf.clone())
                    .body(bytes),
            )
            .await?;
        assert_eq!(r.status, 200, "{format}: {:?}", r.body);
        let text = anon.get(&format!("/api/v1/pads/{target}")).await?.body["text"]
            .as_str()
            .unwrap_or("")
            .to_string();
        for part in [
            "# Réunion",
            "**gras**",
            "*italique*",
            "<u>souligné</u>",
            "~~barré~~",
            "[lien](https://example.org/)",
            "- un\n  - deux",
            "1. premier\n2. second",
            "> cité",
            "```\ncode\n```",
        ] {
            assert!(text.contains(part), "{format}: {part} in {text}");
        }
    }

    // .etherpad: Etherpad's own changeset code accepts it, and it imports back formatted.
    let ep = anon
        .get(&format!("/api/v1/pads/{id}/export?format=etherpad"))
        .await?;
    assert_eq!(ep.status, 200);
    let file = tempfile::NamedTempFile::new()?;
    std::fs::write(file.path(), &ep.bytes)?;
    let check = std::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../crates/pad/tests/etherpad/check.js"
        ))
        .arg(file.path())
        .output()?;
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&ep.bytes)?;
    assert!(value.get(format!("pad:{id}")).is_some());
    let back = c
        .send(
            c.http
                .post(c.url("/api/v1/pads/import-etherpad"))
                .header("x-csrf-token", csrf.clone())
                .body(ep.bytes.clone()),
        )
        .await?;
    assert_eq!(back.status, 201, "{:?}", back.body);
    let back_id = back.body["pad"]["id"].as_str().unwrap_or("");
    let text = anon.get(&format!("/api/v1/pads/{back_id}")).await?.body["text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    for part in [
        "# Réunion",
        "**gras**",
        "<u>souligné</u>",
        "  - deux",
        "2. second",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert_eq!(
        anon.get(&format!("/api/v1/pads/{id}/export?format=etherpad&rev=1"))
            .await?
            .status,
        422
    );

    // The print page: the rendered pad, a print stylesheet, only its own hashed script.
    let print = anon
        .get(&format!("/api/v1/pads/{id}/export?format=html&print=1"))
        .await?;
    assert_eq!(print.status, 200);
    let csp = print
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        csp.contains("script-src 'sha256-") && csp.contains("sandbox"),
        "{csp}"
    );
    let html = String::from_utf8_lossy(&print.bytes);
    assert!(
        html.contains("<h1>Réunion</h1>") && html.contains("@media print"),
        "{html}"
    );
    assert!(html.contains("window.print()"));

    // Crafted files: a clear 4xx, never a 500.
    let laughs = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"#;
    let zeros = vec![b' '; 80 * 1024 * 1024];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("docx", b"not a zip".to_vec()),
        ("odt", b"PK\x03\x04broken".to_vec()),
        ("docx", zip_of(&[("word/document.xml", laughs)])),
        ("odt", zip_of(&[("content.xml", laughs)])),
        ("docx", zip_of(&[("word/document.xml", &zeros)])),
        ("docx", zip_of(&[("other.xml", b"<a/>")])),
        (
            "docx",
            zip_of(&[("word/document.xml", "<w:p>".repeat(50_000).as_bytes())]),
        ),
    ];
    let target = new_pad().await?;
    for (format, body) in cases {
        let r = c
            .send(
                c.http
                    .post(c.url(&format!("/api/v1/pads/{target}/import?format={format}")))
                    .header("x-csrf-token", csrf.clone())
                    .body(body),
            )
            .await?;
        assert!(
            r.status == 422 || r.status == 413,
            "{format}: {} {:?}",
            r.status,
            r.body
        );
    }
    Ok(())
}
