//! Where and how to reach PostgreSQL: the URL's connection settings plus the TLS policy of its
//! `sslmode`, with libpq's meanings, so a host can paste the URL their provider gave them:
//!
//! - `disable`: plain TCP (or a unix socket);
//! - `prefer` (the default, as in libpq): TLS when the server offers it, certificate unchecked;
//! - `require`: TLS or no connection, certificate unchecked (libpq's rule; with `sslrootcert`
//!   it is checked like `verify-ca`, as libpq does when it finds a root certificate);
//! - `verify-ca`: TLS, and the certificate must chain to `sslrootcert`;
//! - `verify-full`: as `verify-ca`, and it must name the host of the URL.
//!
//! `sslrootcert` is a PEM file of the authorities to trust, or `system` (libpq 16's word) for the
//! usual public authorities. The tokio-postgres parser knows only the first three modes and no
//! `sslrootcert`: those are taken out of the URL here before it parses the rest.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::StorageError;

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// No TLS at all (`sslmode=disable`).
    Plain,
    /// Encrypted, certificate not checked (`prefer`, `require`).
    Encrypt,
    /// The chain must end at a trusted authority (`verify-ca`).
    Chain,
    /// The chain, and the name of the host (`verify-full`).
    Full,
}

/// A parsed `storage.url`: what tokio-postgres needs, and the TLS policy beside it.
#[derive(Clone)]
pub(crate) struct PgTarget {
    pub(crate) config: postgres::Config,
    check: Check,
    tls: Option<Arc<ClientConfig>>,
    /// The URL's own `sslmode` and `sslrootcert`, for libpq's tools (`pg_dump`), which know
    /// them all.
    libpq_mode: Option<String>,
    libpq_root: Option<String>,
}

impl std::ops::Deref for PgTarget {
    type Target = postgres::Config;
    fn deref(&self) -> &postgres::Config {
        &self.config
    }
}

impl PgTarget {
    /// Parses `url`; `what` names where it came from in errors (`storage.url`).
    pub(crate) fn parse(url: &str, what: &str) -> Result<PgTarget, StorageError> {
        let invalid = |m: String| StorageError::Invalid(format!("{what}: {m}"));
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut kept = Vec::new();
        let mut mode = None;
        let mut root = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => mode = Some(v.to_string()),
                "sslrootcert" => root = Some(percent_decode(v)),
                _ => kept.push(pair),
            }
        }
        let check = match (mode.as_deref(), root.is_some()) {
            (Some("disable"), _) => Check::Plain,
            (None | Some("prefer" | "allow"), _) | (Some("require"), false) => Check::Encrypt,
            (Some("require" | "verify-ca"), true) => Check::Chain,
            (Some("verify-ca"), false) | (Some("verify-full"), false) => {
                return Err(invalid(format!(
                    "sslmode={} needs sslrootcert=FILE (the authority that signed the \
                     server's certificate, PEM) or sslrootcert=system",
                    mode.as_deref().unwrap_or_default()
                )))
            }
            (Some("verify-full"), true) => Check::Full,
            (Some(other), _) => {
                return Err(invalid(format!(
                    "unknown sslmode {other:?}: disable, prefer, require, verify-ca or verify-full"
                )))
            }
        };
        // tokio-postgres: `disable` connects in clear, `prefer` tries TLS first, `require`
        // refuses a server without it.
        let driver_mode = match (check, mode.as_deref()) {
            (Check::Plain, _) => "disable",
            (Check::Encrypt, None | Some("prefer" | "allow")) => "prefer",
            _ => "require",
        };
        kept.push(match driver_mode {
            "disable" => "sslmode=disable",
            "prefer" => "sslmode=prefer",
            _ => "sslmode=require",
        });
        let rebuilt = format!("{base}?{}", kept.join("&"));
        let config: postgres::Config = rebuilt.parse().map_err(|e| invalid(format!("{e}")))?;
        let tls = match check {
            Check::Plain => None,
            _ => Some(Arc::new(client_config(check, root.as_deref(), &invalid)?)),
        };
        Ok(PgTarget {
            config,
            check,
            tls,
            libpq_mode: mode,
            libpq_root: root,
        })
    }

    /// `PGSSLMODE` and `PGSSLROOTCERT` for libpq's tools: what the URL said (libpq's default,
    /// `prefer`, when it said nothing).
    pub(crate) fn libpq_ssl(&self) -> (&str, Option<&str>) {
        (
            self.libpq_mode.as_deref().unwrap_or("prefer"),
            self.libpq_root.as_deref(),
        )
    }

    #[cfg(test)]
    pub(crate) fn check(&self) -> Check {
        self.check
    }

    /// How `conn` (made from this target) is protected, for the start-up log and
    /// `nichoir config check`.
    pub(crate) fn describe_link(&self, conn: &crate::Connection) -> Result<String, StorageError> {
        let encrypted: i64 = conn.query_row(
            "SELECT COUNT(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl",
            [],
            |r| r.get(0),
        )?;
        Ok(match (encrypted > 0, self.check) {
            (false, _) => "unencrypted".into(),
            (true, Check::Plain | Check::Encrypt) => "TLS, certificate not checked".into(),
            (true, Check::Chain) => "TLS, certificate authority checked".into(),
            (true, Check::Full) => "TLS, certificate and host name checked".into(),
        })
    }

    /// A new connection, with TLS when the URL asks or allows it.
    pub(crate) fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        match &self.tls {
            None => self.config.connect(postgres::NoTls),
            Some(tls) => self
                .config
                .connect(tokio_postgres_rustls::MakeRustlsConnect::new(
                    (**tls).clone(),
                )),
        }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(
    check: Check,
    root: Option<&str>,
    invalid: &dyn Fn(String) -> StorageError,
) -> Result<ClientConfig, StorageError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS: {e}")))?;
    let webpki = match check {
        Check::Plain | Check::Encrypt => None,
        Check::Chain | Check::Full => {
            let roots = Arc::new(load_roots(root.unwrap_or("system"), invalid)?);
            Some(
                WebPkiServerVerifier::builder_with_provider(roots, provider())
                    .build()
                    .map_err(|e| invalid(format!("TLS: {e}")))?,
            )
        }
    };
    let verifier = Arc::new(Verifier {
        check,
        webpki,
        provider: provider(),
    });
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn load_roots(
    root: &str,
    invalid: &dyn Fn(String) -> StorageError,
) -> Result<RootCertStore, StorageError> {
    let mut store = RootCertStore::empty();
    if root == "system" {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(root)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| invalid(format!("sslrootcert {root}: {e}")))?;
    if certs.is_empty() {
        return Err(invalid(format!("sslrootcert {root}: no certificate in it")));
    }
    for c in certs {
        store
            .add(c)
            .map_err(|e| invalid(format!("sslrootcert {root}: {e}")))?;
    }
    Ok(store)
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(&h), Some(&l)) if bytes[i] == b'%' => hex(h).zip(hex(l)),
            _ => None,
        };
        match pair {
            Some((h, l)) => {
                out.push(h << 4 | l);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The certificate check of each mode. `prefer` and `require` without a root certificate
/// encrypt without checking who answers, as libpq does; `verify-ca` runs the whole webpki check
/// but the host name, which libpq leaves to `verify-full`. Handshake signatures are verified in
/// every mode, so the session keys belong to the certificate shown.
#[derive(Debug)]
struct Verifier {
    check: Check,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.webpki else {
            return Ok(ServerCertVerified::assertion());
        };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) if self.check == Check::Chain => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_of(url: &str) -> Result<Check, String> {
        PgTarget::parse(url, "storage.url")
            .map(|t| t.check())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sslmode_has_libpq_meanings() {
        let u = "postgres://u@h/db";
        assert_eq!(check_of(u), Ok(Check::Encrypt));
        assert_eq!(check_of(&format!("{u}?sslmode=disable")), Ok(Check::Plain));
        assert_eq!(
            check_of(&format!("{u}?sslmode=require")),
            Ok(Check::Encrypt)
        );
        assert_eq!(
            check_of(&format!("{u}?sslmode=require&sslrootcert=system")),
            Ok(Check::Chain)
        );
        assert_eq!(
            check_of(&format!("{u}?sslmode=verify-full&sslrootcert=system")),
            Ok(Check::Full)
        );
        let e = check_of(&format!("{u}?sslmode=verify-full")).expect_err("refused");
        assert!(e.contains("sslrootcert"), "{e}");
        let e = check_of(&format!("{u}?sslmode=sometimes")).expect_err("refused");
        assert!(e.contains("unknown sslmode"), "{e}");
        let e = check_of(&format!(
            "{u}?sslmode=verify-ca&sslrootcert=/nonexistent.pem"
        ))
        .expect_err("refused");
        assert!(e.contains("/nonexistent.pem"), "{e}");
    }

    #[test]
    fn other_settings_and_unix_sockets_survive() -> Result<(), StorageError> {
        let t = PgTarget::parse(
            "postgres://ann@%2Fvar%2Frun%2Fpostgresql:5433/nichoir?connect_timeout=5&sslmode=disable",
            "storage.url",
        )?;
        assert_eq!(t.get_user(), Some("ann"));
        assert_eq!(t.get_dbname(), Some("nichoir"));
        assert_eq!(t.get_ports(), &[5433]);
        assert_eq!(
            t.get_hosts(),
            &[postgres::config::Host::Unix("/var/run/postgresql".into())]
        );
        assert_eq!(
            t.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5))
        );
        Ok(())
    }

    #[test]
    fn percent_decoding_of_a_root_path() {
        assert_eq!(percent_decode("%2Fetc%2Fca.pem"), "/etc/ca.pem");
        assert_eq!(percent_decode("plain%"), "plain%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%é"), "%é");
    }

    /// The test server of `scripts/pg-server`: its port, socket folder and authority.
    fn test_server() -> Option<(u16, String, String)> {
        let url = std::env::var("NICHOIR_TEST_PG_URL").ok()?;
        let dir = std::env::var("NICHOIR_TEST_PG_DIR").ok()?;
        let ca = std::env::var("NICHOIR_TEST_PG_CA").ok()?;
        let t = PgTarget::parse(&url, "test").ok()?;
        Some((*t.get_ports().first()?, dir, ca))
    }

    /// Connects and tells whether the session is encrypted.
    fn encrypted(url: &str) -> Result<bool, String> {
        let t = PgTarget::parse(url, "storage.url").map_err(|e| e.to_string())?;
        let mut c = t.connect().map_err(|e| format!("{e:?}"))?;
        let row = c
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .map_err(|e| e.to_string())?;
        Ok(row.get::<_, bool>(0))
    }

    #[test]
    fn every_sslmode_against_a_real_server() {
        let Some((port, dir, ca)) = test_server() else {
            eprintln!("NICHOIR_TEST_PG_URL/_CA unset: TLS test skipped");
            return;
        };
        let at = |host: &str, q: &str| format!("postgres://postgres@{host}:{port}/postgres?{q}");
        assert_eq!(encrypted(&at("127.0.0.1", "sslmode=disable")), Ok(false));
        assert_eq!(
            encrypted(&at("127.0.0.1", "")),
            Ok(true),
            "prefer takes TLS"
        );
        assert_eq!(encrypted(&at("127.0.0.1", "sslmode=require")), Ok(true));
        let ca_q = format!("sslrootcert={ca}");
        assert_eq!(
            encrypted(&at("localhost", &format!("sslmode=verify-full&{ca_q}"))),
            Ok(true)
        );
        assert_eq!(
            encrypted(&at("127.0.0.1", &format!("sslmode=verify-full&{ca_q}"))),
            Ok(true),
            "the certificate names 127.0.0.1 too"
        );
        // The right server under a name its certificate does not carry: the chain is good,
        // the name is not.
        let renamed = format!("hostaddr=127.0.0.1&{ca_q}");
        assert_eq!(
            encrypted(&at(
                "db.nichoir.invalid",
                &format!("sslmode=verify-ca&{renamed}")
            )),
            Ok(true)
        );
        let e = encrypted(&at(
            "db.nichoir.invalid",
            &format!("sslmode=verify-full&{renamed}"),
        ))
        .expect_err("refused");
        assert!(e.contains("NotValidForName"), "{e}");
        // An authority that did not sign it: refused.
        let e = encrypted(&at("localhost", "sslmode=verify-full&sslrootcert=system"))
            .expect_err("refused");
        assert!(e.contains("UnknownIssuer"), "{e}");
        // The unix socket in the server's folder, percent-encoded as libpq writes it.
        let socket = dir.replace('/', "%2F");
        assert_eq!(
            encrypted(&format!("postgres://postgres@{socket}:{port}/postgres")),
            Ok(false),
            "a unix socket needs no TLS"
        );
    }
}
