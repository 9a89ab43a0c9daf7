//! The realtime WebSocket: one writer task (frames queued by anyone), one reader task that keeps
//! every frame in an [`EventLog`] and hands the call's own frames (`joined`, `offer`,
//! `candidate`, …) to the participant's control task in order.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::http::Identity;

/// One thing that came over the socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// The `data` of an `event` frame on the call's topic: the video protocol's server frames
    /// (`room`, `joined`, `offer`, `participant_joined`, `error`, …).
    Event(Value),
    /// Any other frame of the socket (`hello`, `subscribed`, `presence`, a socket-level
    /// `error`, `pong`, events of other topics).
    Socket(Value),
    /// The socket ended (close code when the server sent one).
    Closed(Option<u16>),
}

impl Signal {
    /// The `type` of a video event, if this is one.
    pub fn event_type(&self) -> Option<&str> {
        match self {
            Signal::Event(v) => v["type"].as_str(),
            _ => None,
        }
    }

    /// The video event's data, if this is one.
    pub fn event(&self) -> Option<&Value> {
        match self {
            Signal::Event(v) => Some(v),
            _ => None,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything received, in order, with a way to wait for what has not come yet.
#[derive(Debug, Default)]
pub struct EventLog {
    items: Mutex<Vec<Signal>>,
    notify: Notify,
}

impl EventLog {
    pub fn push(&self, s: Signal) {
        lock(&self.items).push(s);
        self.notify.notify_waiters();
    }

    /// How many signals so far: a cursor for [`EventLog::wait_for`].
    pub fn len(&self) -> usize {
        lock(&self.items).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The signals from position `from` on.
    pub fn since(&self, from: usize) -> Vec<Signal> {
        lock(&self.items).get(from..).unwrap_or_default().to_vec()
    }

    /// Waits (at most `timeout`) for a signal at position `from` or later that satisfies
    /// `pred`; returns its position and the signal.
    pub async fn wait_for(
        &self,
        from: usize,
        timeout: Duration,
        mut pred: impl FnMut(&Signal) -> bool,
    ) -> Result<(usize, Signal)> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut next = from;
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let items = lock(&self.items);
                for (i, s) in items.iter().enumerate().skip(next) {
                    if pred(s) {
                        return Ok((i, s.clone()));
                    }
                }
                next = next.max(items.len());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                bail!("no such signal within {timeout:?}");
            }
        }
    }
}

/// The writing half: frames go out in the order they are queued.
#[derive(Debug, Clone)]
pub struct Outbox {
    pub(crate) tx: mpsc::UnboundedSender<Message>,
    pub(crate) topic: String,
}

impl Outbox {
    /// Sends a raw text frame (for tests of bad input).
    pub fn send_text(&self, text: String) -> Result<()> {
        self.tx
            .send(Message::Text(text))
            .map_err(|_| anyhow!("the socket is closed"))
    }

    /// Sends a JSON frame of the realtime protocol.
    pub fn send_frame(&self, frame: &Value) -> Result<()> {
        self.send_text(frame.to_string())
    }

    /// Publishes `data` on the call's topic (a video protocol frame).
    pub fn publish(&self, data: Value) -> Result<()> {
        self.send_frame(&json!({"type": "publish", "topic": self.topic, "data": data}))
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Asks the writer to close the socket.
    pub fn close(&self) {
        let _ = self.tx.send(Message::Close(None));
    }
}

/// A connected socket: its outbox and its two tasks.
pub struct Connection {
    pub outbox: Outbox,
    pub tasks: Vec<JoinHandle<()>>,
}

/// The frames of the call's topic that the control task acts on.
const CONTROL_TYPES: &[&str] = &["joined", "offer", "candidate", "denied", "muted"];

/// Opens `/api/v1/ws` as `identity`, logs every frame into `log`, and passes the call's
/// control frames (see [`CONTROL_TYPES`]) to `control`.
pub async fn connect(
    identity: &Identity,
    topic: &str,
    log: Arc<EventLog>,
    control: mpsc::UnboundedSender<Value>,
    timeout: Duration,
) -> Result<Connection> {
    let mut req = identity.ws_url()?.into_client_request()?;
    req.headers_mut().insert(
        "cookie",
        HeaderValue::from_str(&identity.cookie).context("cookie header")?,
    );
    let (ws, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(req))
        .await
        .map_err(|_| anyhow!("WebSocket handshake took more than {timeout:?}"))?
        .context("WebSocket upgrade")?;
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    let writer = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            let closing = matches!(m, Message::Close(_));
            if sink.send(m).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let topic_owned = topic.to_string();
    let reader = tokio::spawn(async move {
        let mut code = None;
        while let Some(msg) = stream.next().await {
            let text = match msg {
                Ok(Message::Text(t)) => t,
                Ok(Message::Close(frame)) => {
                    code = frame.map(|f| u16::from(f.code));
                    break;
                }
                Ok(_) => continue,
                Err(e) => {
                    tracing::debug!("video client socket: {e}");
                    break;
                }
            };
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                log.push(Signal::Socket(Value::String(text)));
                continue;
            };
            if v["type"] == "event" && v["topic"] == topic_owned.as_str() {
                let data = v["data"].clone();
                let control_frame = data["type"]
                    .as_str()
                    .is_some_and(|t| CONTROL_TYPES.contains(&t));
                log.push(Signal::Event(data.clone()));
                if control_frame {
                    let _ = control.send(data);
                }
            } else {
                log.push(Signal::Socket(v));
            }
        }
        log.push(Signal::Closed(code));
    });
    Ok(Connection {
        outbox: Outbox {
            tx,
            topic: topic.to_string(),
        },
        tasks: vec![writer, reader],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_for_sees_past_and_future_signals() {
        let log = Arc::new(EventLog::default());
        log.push(Signal::Event(json!({"type": "room"})));
        let (i, s) = log
            .wait_for(0, Duration::from_secs(1), |s| {
                s.event_type() == Some("room")
            })
            .await
            .expect("past");
        assert_eq!((i, s.event_type()), (0, Some("room")));
        let l2 = log.clone();
        let waiter = tokio::spawn(async move {
            l2.wait_for(1, Duration::from_secs(10), |s| {
                s.event_type() == Some("joined")
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        log.push(Signal::Socket(json!({"type": "pong"})));
        log.push(Signal::Event(json!({"type": "joined"})));
        let (i, _) = waiter.await.expect("task").expect("future");
        assert_eq!(i, 2);
        assert!(log
            .wait_for(3, Duration::from_millis(30), |_| true)
            .await
            .is_err());
        assert_eq!(log.since(2).len(), 1);
        assert!(log.since(10).is_empty());
    }
}
