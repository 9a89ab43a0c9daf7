//! Outgoing mail for every tool (poll notifications today). One `Mailer` built from `[smtp]`; with
//! no host configured it is disabled and sending is a no-op, so tools never need to check.
//! Sending happens on a spawned task: a slow or broken mail server never delays a request.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use nichoir_core::config::SmtpConfig;

/// A plain-text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Cheap to clone; every clone sees [`Mailer::reconfigure`] (an admin changing the mail
/// settings in the UI reaches every tool at once).
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<RwLock<Option<Arc<Inner>>>>,
    /// The instance's name as it is now (admins rename it while the server runs): the tools
    /// put it in their subjects, so it travels with the mailer they already hold.
    name: Arc<RwLock<Arc<str>>>,
    /// The instance's default language as it is now ("en" or "fr"): the language of a mail to
    /// someone who chose none, which an admin may change while the server runs.
    language: Arc<RwLock<Arc<str>>>,
}

struct Inner {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("smtp.from `{0}` is not a mail address")]
    BadFrom(String),
    #[error("smtp.host: {0}")]
    BadHost(String),
    #[error("smtp.ca_file: {0}")]
    BadCa(String),
    #[error("recipient `{0}` is not a mail address")]
    BadRecipient(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("the mail server refused or failed: {0}")]
    Send(String),
}

impl Mailer {
    /// A mailer that sends nothing.
    pub fn disabled() -> Self {
        Mailer {
            inner: Arc::new(RwLock::new(None)),
            name: Arc::new(RwLock::new(Arc::from("Nichoir"))),
            language: Arc::new(RwLock::new(Arc::from("en"))),
        }
    }

    pub fn from_config(config: &SmtpConfig, instance_name: &str) -> Result<Self, MailError> {
        Ok(Mailer {
            inner: Arc::new(RwLock::new(Self::build(config, instance_name)?)),
            name: Arc::new(RwLock::new(Arc::from(instance_name))),
            language: Arc::new(RwLock::new(Arc::from("en"))),
        })
    }

    /// The instance's default language, as last set.
    pub fn default_language(&self) -> Arc<str> {
        match self.language.read() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The language of a mail to someone: theirs when they chose one, else the instance's.
    pub fn language_for(&self, chosen: Option<&str>) -> Arc<str> {
        match chosen.map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => Arc::from(l),
            None => self.default_language(),
        }
    }

    /// From now on, for this mailer and all its clones.
    pub fn set_default_language(&self, language: &str) {
        match self.language.write() {
            Ok(mut l) => *l = Arc::from(language),
            Err(poisoned) => *poisoned.into_inner() = Arc::from(language),
        }
    }

    /// The instance's name, as last configured.
    pub fn instance_name(&self) -> Arc<str> {
        match self.name.read() {
            Ok(n) => n.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Uses new settings from now on, for this mailer and all its clones; on an error the old
    /// ones stay.
    pub fn reconfigure(&self, config: &SmtpConfig, instance_name: &str) -> Result<(), MailError> {
        let fresh = Self::build(config, instance_name)?;
        if let Ok(mut slot) = self.inner.write() {
            *slot = fresh;
        }
        if let Ok(mut name) = self.name.write() {
            *name = Arc::from(instance_name);
        }
        Ok(())
    }

    fn current(&self) -> Option<Arc<Inner>> {
        self.inner.read().ok().and_then(|g| g.clone())
    }

    fn build(config: &SmtpConfig, instance_name: &str) -> Result<Option<Arc<Inner>>, MailError> {
        if config.host.trim().is_empty() {
            return Ok(None);
        }
        let from_text = if config.from.trim().is_empty() {
            format!("{instance_name} <nichoir@{}>", config.host)
        } else {
            config.from.clone()
        };
        let from: Mailbox = from_text
            .parse()
            .map_err(|_| MailError::BadFrom(from_text.clone()))?;
        let port = u16::try_from(config.port).map_err(|_| MailError::BadHost("port".into()))?;
        let tls = if config.uses_tls() {
            // The system's authorities (rustls-native-certs: /etc/ssl/certs, SSL_CERT_FILE), and
            // those of `ca_file`; the certificate must name `host`.
            let mut params = TlsParameters::builder(config.host.clone());
            if !config.ca_file.is_empty() {
                let pem = std::fs::read(&config.ca_file)
                    .map_err(|e| MailError::BadCa(format!("{}: {e}", config.ca_file)))?;
                // lettre takes a file without any certificate as an empty list: say so instead.
                if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                    return Err(MailError::BadCa(format!(
                        "{} holds no PEM certificate",
                        config.ca_file
                    )));
                }
                let ca =
                    Certificate::from_pem(&pem).map_err(|e| MailError::BadCa(e.to_string()))?;
                params = params.add_root_certificate(ca);
            }
            let params = params
                .build_rustls()
                .map_err(|e| MailError::BadHost(e.to_string()))?;
            if config.implicit_tls {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        } else {
            // Plain SMTP: a relay on this host (credentials are refused otherwise, see
            // `Config::validate`) or one that trusts this host's address.
            Tls::None
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if !config.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                config.username.clone(),
                config.password.clone(),
            ));
        }
        Ok(Some(Arc::new(Inner {
            transport: builder.build(),
            from,
        })))
    }

    pub fn enabled(&self) -> bool {
        self.current().is_some()
    }

    /// Sends now and waits for the server's answer.
    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        self.send_message(mail, None).await
    }

    /// Sends a mail people may stop with one click in their mail app (RFC 8058): the app POSTs
    /// to `one_click_url`, which must carry what identifies the subscription.
    pub async fn send_unsubscribable(
        &self,
        mail: Mail,
        one_click_url: &str,
    ) -> Result<(), MailError> {
        self.send_message(mail, Some(one_click_url)).await
    }

    async fn send_message(&self, mail: Mail, one_click: Option<&str>) -> Result<(), MailError> {
        let Some(inner) = self.current() else {
            return Ok(());
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::BadRecipient(mail.to.clone()))?;
        let mut builder = Message::builder()
            .from(inner.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(url) = one_click {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_string(),
                ));
        }
        let message = builder
            .body(mail.body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        inner
            .transport
            .send(message)
            .await
            .map_err(|e| MailError::Send(e.to_string()))?;
        Ok(())
    }

    /// Sends in the background; a failure is logged, never returned.
    pub fn send_later(&self, mail: Mail) {
        if !self.enabled() {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            let to = mail.to.clone();
            if let Err(e) = me.send(mail).await {
                tracing::warn!(%to, "mail not sent: {e}");
            }
        });
    }
}

/// Whether `s` looks like a mail address lettre can send to.
pub fn is_address(s: &str) -> bool {
    s.len() <= 254 && s.parse::<lettre::Address>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_host_means_disabled() {
        let m = Mailer::from_config(&SmtpConfig::default(), "Nichoir").expect("builds");
        assert!(!m.enabled());
    }

    #[test]
    fn bad_from_is_named() {
        let config = SmtpConfig {
            host: "localhost".into(),
            from: "not an address".into(),
            ..SmtpConfig::default()
        };
        assert!(matches!(
            Mailer::from_config(&config, "N"),
            Err(MailError::BadFrom(_))
        ));
    }

    #[test]
    fn every_clone_sees_the_language_an_admin_sets() {
        let m = Mailer::disabled();
        let other = m.clone();
        assert_eq!(&*m.language_for(None), "en");
        m.set_default_language("fr");
        assert_eq!(&*other.language_for(None), "fr");
        assert_eq!(&*other.language_for(Some("en")), "en");
        assert_eq!(&*other.language_for(Some("")), "fr");
    }

    #[test]
    fn addresses() {
        assert!(is_address("ana@example.org"));
        assert!(!is_address("ana"));
        assert!(!is_address("<script>@x"));
    }
}
