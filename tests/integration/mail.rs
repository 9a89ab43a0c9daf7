//! Outgoing mail over TLS: STARTTLS and implicit TLS (SMTPS), the server's certificate checked
//! against the system's authorities and `smtp.ca_file`, and a password that never travels in
//! clear.

use std::time::Duration;

use nichoir_core::config::SmtpConfig;
use nichoir_mail::{Mail, Mailer};
use nichoir_testkit::{MailSink, SinkTls, TestCa, TestServer};
use serde_json::json;

fn ca_file(ca: &TestCa) -> anyhow::Result<tempfile::NamedTempFile> {
    let file = tempfile::NamedTempFile::new()?;
    std::fs::write(file.path(), &ca.ca_pem)?;
    Ok(file)
}

/// Settings for a sink on this machine, by name (the certificate is for `localhost`).
fn smtp(port: u16, starttls: bool, implicit_tls: bool, ca_file: &str) -> SmtpConfig {
    SmtpConfig {
        host: "localhost".into(),
        port: u64::from(port),
        username: "nichoir".into(),
        password: "a mail password".into(),
        from: "Nichoir <tests@nichoir.test>".into(),
        starttls,
        implicit_tls,
        ca_file: ca_file.into(),
    }
}

/// A sink speaking SMTPS (`implicit`) or STARTTLS with a certificate of `ca`.
fn tls_sink(ca: &TestCa, implicit: bool) -> std::io::Result<MailSink> {
    MailSink::start_tls(if implicit {
        SinkTls::Implicit(ca)
    } else {
        SinkTls::StartTls(ca)
    })
}

fn mail() -> Mail {
    Mail {
        to: "ana@example.org".into(),
        subject: "Hello".into(),
        body: "Over TLS.".into(),
    }
}

#[tokio::test]
async fn the_server_mails_over_starttls_and_over_implicit_tls() -> anyhow::Result<()> {
    let ca = TestCa::new()?;
    let trusted = ca_file(&ca)?;
    let path = trusted.path().to_string_lossy().to_string();
    for implicit in [false, true] {
        let sink = tls_sink(&ca, implicit)?;
        let settings = smtp(sink.port, !implicit, implicit, &path);
        let server = TestServer::start_with(|c| c.smtp = settings)?;
        // Setting an address sends its confirmation link: a real mail through the real path.
        let ana = server.login_as("ana", false).await?;
        let r = ana
            .patch("/api/v1/me", json!({"email": "ana@example.org"}))
            .await?;
        assert_eq!(r.status, 200, "{}", r.body);
        let got = sink.wait_for(1, Duration::from_secs(15)).await;
        assert_eq!(got.len(), 1, "implicit TLS: {implicit}");
        assert_eq!(got[0].to, vec!["<ana@example.org>"]);
        assert!(got[0].data.contains("/confirm-email#"), "{}", got[0].data);
    }
    Ok(())
}

#[tokio::test]
async fn nothing_goes_to_a_server_that_cannot_prove_who_it_is() -> anyhow::Result<()> {
    let ca = TestCa::new()?;
    // A certificate from an authority this host does not trust: refused, either way of TLS.
    for implicit in [false, true] {
        let sink = tls_sink(&ca, implicit)?;
        let mailer = Mailer::from_config(&smtp(sink.port, !implicit, implicit, ""), "N")?;
        let err = mailer.send(mail()).await.expect_err("unknown authority");
        assert!(
            err.to_string().to_lowercase().contains("certificate"),
            "{err}"
        );
        assert!(sink.messages().is_empty());
    }
    // A server that does not offer STARTTLS: no fallback to plain text (the password stays).
    let plain = MailSink::start()?;
    let trusted = ca_file(&ca)?;
    let mailer = Mailer::from_config(
        &smtp(plain.port, true, false, &trusted.path().to_string_lossy()),
        "N",
    )?;
    assert!(mailer.send(mail()).await.is_err());
    assert!(plain.messages().is_empty());
    // Trusted, the same mail goes.
    let sink = MailSink::start_tls(SinkTls::StartTls(&ca))?;
    let mailer = Mailer::from_config(
        &smtp(sink.port, true, false, &trusted.path().to_string_lossy()),
        "N",
    )?;
    mailer.send(mail()).await?;
    assert_eq!(sink.messages().len(), 1);
    Ok(())
}

#[test]
fn a_ca_file_that_is_not_pem_is_named() {
    let file = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(file.path(), "not a certificate").expect("write");
    let err = Mailer::from_config(&smtp(25, true, false, &file.path().to_string_lossy()), "N")
        .err()
        .expect("refused");
    assert!(err.to_string().contains("smtp.ca_file"), "{err}");
}
