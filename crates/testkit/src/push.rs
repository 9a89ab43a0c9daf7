//! A Web Push service for the tests (`tests/browser/lib/push-service.mjs`, run by Node): it makes
//! devices' subscriptions, checks the VAPID signature of what Nichoir posts and decrypts it with
//! the device's private key (RFC 8291, by the `http_ece` package). Stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use serde_json::{json, Value};

pub struct PushService {
    child: Child,
    pub url: String,
    http: reqwest::Client,
}

/// A device's subscription, as a browser's `PushSubscription.toJSON()`.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub subscription: Value,
}

impl PushService {
    pub fn start() -> PushService {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser");
        assert!(
            dir.join("node_modules/http_ece").exists(),
            "http_ece is not installed: run `npm ci` in tests/browser (scripts/test-all does)"
        );
        let mut child = Command::new("node")
            .arg(dir.join("lib/push-service.mjs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node (Node.js) runs the test push service");
        let url = crate::helper_started(&mut child, "url", "the test push service");
        PushService {
            child,
            url,
            http: crate::http_builder().build().unwrap_or_default(),
        }
    }

    /// A new device: its subscription to give Nichoir (with a `label`).
    pub async fn device(&self) -> Result<Device> {
        let v: Value = self
            .http
            .post(format!("{}/subscriptions", self.url))
            .send()
            .await?
            .json()
            .await?;
        let id = v["id"]
            .as_str()
            .ok_or_else(|| anyhow!("no id"))?
            .to_string();
        Ok(Device {
            id,
            subscription: json!({"endpoint": v["endpoint"], "keys": v["keys"], "label": "Test phone"}),
        })
    }

    /// How the device's push endpoint answers from now on (410: unsubscribed; 500: broken).
    pub async fn answer(&self, device: &Device, status: u16, delay_ms: u64) -> Result<()> {
        self.http
            .put(format!("{}/subscriptions/{}/answer", self.url, device.id))
            .json(&json!({"status": status, "delay_ms": delay_ms}))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// What the device received, decrypted: `[{payload, ttl, urgency, k, answered, at}]`.
    pub async fn messages(&self, device: &Device) -> Result<Vec<Value>> {
        Ok(self
            .http
            .get(format!("{}/subscriptions/{}/messages", self.url, device.id))
            .send()
            .await?
            .json()
            .await?)
    }

    /// Waits until the device has `n` messages (or the time is up) and returns them.
    pub async fn wait_for(
        &self,
        device: &Device,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>> {
        let start = Instant::now();
        loop {
            let got = self.messages(device).await?;
            if got.len() >= n || start.elapsed() > timeout {
                return Ok(got);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `{received, rejected: [why], first_at, last_at}`.
    pub async fn stats(&self) -> Result<Value> {
        Ok(self
            .http
            .get(format!("{}/stats", self.url))
            .send()
            .await?
            .json()
            .await?)
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
