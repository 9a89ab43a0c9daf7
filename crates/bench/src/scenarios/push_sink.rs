//! A push service for `nichoir-bench chat --chat-push N`: it accepts what the server posts to
//! the bench devices' endpoints (`http://127.0.0.1:<port>/push/<i>`, so the server runs with
//! `NICHOIR_PUSH_ALLOW_LOOPBACK_HTTP=true`) and notes when each arrived. Only speed is measured
//! here; the tests' push service checks signatures and decrypts (tests/browser/lib/push-service.mjs).

use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A valid P-256 public key and auth secret (RFC 8291's example): every bench device uses them;
/// nobody decrypts here.
pub const P256DH: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
pub const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

pub struct PushSink {
    pub port: u16,
    /// Arrival times, since the bench's origin, in microseconds.
    arrivals: Arc<Mutex<Vec<u64>>>,
}

impl PushSink {
    pub async fn start(origin: Instant) -> anyhow::Result<PushSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let seen = arrivals.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, seen.clone(), origin));
            }
        });
        Ok(PushSink { port, arrivals })
    }

    pub fn endpoint(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}/push/{i}", self.port)
    }

    pub fn arrivals(&self) -> Vec<u64> {
        self.arrivals.lock().clone()
    }
}

/// HTTP/1.1 with keep-alive: each request read to the end of its body, answered 201.
async fn serve(mut s: TcpStream, seen: Arc<Mutex<Vec<u64>>>, origin: Instant) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if buf.len() > 1 << 20 {
                return;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        if head.starts_with("post /push/") {
            seen.lock().push(origin.elapsed().as_micros() as u64);
        }
        if s.write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
    }
}
