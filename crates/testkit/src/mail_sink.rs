//! A local SMTP sink for tests: accepts every message on 127.0.0.1 and keeps it, so a test can
//! check what the server mailed without any outside service.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

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
    pub fn start() -> std::io::Result<MailSink> {
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
                    tokio::spawn(async move {
                        let _ = session(socket, store).await;
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

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = line[10..].trim().to_string();
            write.write_all(b"250 ok\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].trim().to_string());
            write.write_all(b"250 ok\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 go on\r\n").await?;
            let mut data = String::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push('\n');
            }
            if let Ok(mut m) = store.lock() {
                m.push(ReceivedMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
            }
            write.write_all(b"250 queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            break;
        } else {
            // RSET, NOOP and anything else: accept.
            write.write_all(b"250 ok\r\n").await?;
        }
    }
    Ok(())
}
