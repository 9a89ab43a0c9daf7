//! A local SMTP sink for tests: accepts every message on 127.0.0.1 and keeps it, so a test can
//! check what the server mailed without any outside service.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-stuffing removed).
    pub data: String,
}

pub struct MailSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    _thread: std::thread::JoinHandle<()>,
}

impl MailSink {
    /// Plain SMTP on 127.0.0.1.
    pub fn start() -> std::io::Result<MailSink> {
        Self::listen(None, None)
    }

    /// SMTP with TLS, STARTTLS or implicit, with a certificate of `ca` for `localhost`.
    pub fn start_tls(tls: SinkTls<'_>) -> std::io::Result<MailSink> {
        match tls {
            SinkTls::StartTls(ca) => Self::listen(None, Some(ca.acceptor())),
            SinkTls::Implicit(ca) => Self::listen(Some(ca.acceptor()), None),
        }
    }

    fn listen(
        implicit: Option<TlsAcceptor>,
        starttls: Option<TlsAcceptor>,
    ) -> std::io::Result<MailSink> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let port = std_listener.local_addr()?.port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = TcpListener::from_std(std_listener) else {
                    return;
                };
                while let Ok((socket, _)) = listener.accept().await {
                    let store = store.clone();
                    let implicit = implicit.clone();
                    let starttls = starttls.clone();
                    tokio::spawn(async move {
                        let _ = match implicit {
                            Some(acceptor) => match acceptor.accept(socket).await {
                                Ok(tls) => {
                                    session(Box::new(tls), store, None, Stage::Implicit).await
                                }
                                Err(e) => Err(e),
                            },
                            None => session(Box::new(socket), store, starttls, Stage::Plain).await,
                        };
                    });
                }
            });
        });
        Ok(MailSink {
            port,
            received,
            _thread: thread,
        })
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits (up to `timeout`) until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let start = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n || start.elapsed() > timeout {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A plain or TLS socket: one type, so that a session that turns to TLS goes on as itself.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

type Session = std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send>>;

/// How far a conversation has gone.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// A new plain connection.
    Plain,
    /// A new connection that is TLS from the first byte.
    Implicit,
    /// Just turned to TLS by STARTTLS: the client speaks first (EHLO again).
    Upgraded,
}

/// One SMTP conversation. `starttls`: offered after EHLO on a plain connection. Like real
/// servers, AUTH is offered only over TLS: a client that sends its password in clear fails here.
fn session(
    socket: Box<dyn Stream>,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
    starttls: Option<TlsAcceptor>,
    stage: Stage,
) -> Session {
    Box::pin(async move {
        let mut reader = BufReader::new(socket);
        if stage != Stage::Upgraded {
            reader.get_mut().write_all(b"220 sink ESMTP\r\n").await?;
        }
        let tls = stage != Stage::Plain;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).await? == 0 {
                break;
            }
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            let upper = line.to_ascii_uppercase();
            let out = reader.get_mut();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                let hello: &[u8] = if tls {
                    b"250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
                } else if starttls.is_some() {
                    b"250-sink\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
                } else {
                    b"250-sink\r\n250 8BITMIME\r\n"
                };
                out.write_all(hello).await?;
            } else if upper.starts_with("AUTH ") {
                let reply: &[u8] = if tls {
                    b"235 welcome\r\n"
                } else {
                    b"538 encryption required\r\n"
                };
                out.write_all(reply).await?;
            } else if upper == "STARTTLS" && !tls {
                let Some(acceptor) = starttls else {
                    out.write_all(b"502 not offered\r\n").await?;
                    continue;
                };
                out.write_all(b"220 go ahead\r\n").await?;
                let tls = acceptor.accept(reader.into_inner()).await?;
                return session(Box::new(tls), store, None, Stage::Upgraded).await;
            } else if upper.starts_with("MAIL FROM:") {
                from = line[10..].trim().to_string();
                out.write_all(b"250 ok\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                to.push(line[8..].trim().to_string());
                out.write_all(b"250 ok\r\n").await?;
            } else if upper == "DATA" {
                out.write_all(b"354 go on\r\n").await?;
                let mut data = String::new();
                let mut l = String::new();
                loop {
                    l.clear();
                    if reader.read_line(&mut l).await? == 0 {
                        break;
                    }
                    let l = l.trim_end_matches(['\r', '\n']);
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(l));
                    data.push('\n');
                }
                if let Ok(mut m) = store.lock() {
                    m.push(ReceivedMail {
                        from: std::mem::take(&mut from),
                        to: std::mem::take(&mut to),
                        data,
                    });
                }
                reader.get_mut().write_all(b"250 queued\r\n").await?;
            } else if upper == "QUIT" {
                out.write_all(b"221 bye\r\n").await?;
                break;
            } else {
                // RSET, NOOP and anything else: accept.
                out.write_all(b"250 ok\r\n").await?;
            }
        }
        Ok(())
    })
}

/// A certificate authority made for one test, and a certificate it signed for `localhost`: what
/// a mail server with a private authority looks like.
pub struct TestCa {
    /// The authority's certificate (PEM), for `smtp.ca_file`.
    pub ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

impl TestCa {
    pub fn new() -> anyhow::Result<TestCa> {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key)?;
        let key = KeyPair::generate()?;
        let leaf =
            CertificateParams::new(vec!["localhost".to_string()])?.signed_by(&key, &ca, &ca_key)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )?;
        Ok(TestCa {
            ca_pem: ca.pem(),
            server: Arc::new(server),
        })
    }

    fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.server.clone())
    }
}

/// How the sink speaks TLS.
pub enum SinkTls<'a> {
    /// STARTTLS offered after EHLO (port 587's way).
    StartTls(&'a TestCa),
    /// TLS from the first byte (SMTPS, port 465's way).
    Implicit(&'a TestCa),
}
