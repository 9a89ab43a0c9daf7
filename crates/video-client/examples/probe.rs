//! Joins a running server with a few participants and prints what each receives every second:
//! `cargo run -p nichoir-video-client --example probe -- http://127.0.0.1:18383 3`.

use std::time::Duration;

use anyhow::{Context, Result};
use nichoir_video_client::{Identity, JoinOptions, Participant};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().context("URL")?;
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let owner = Identity::guest(&url).await?;
    let room = owner.create_room(&json!({})).await?;
    let mut people = Vec::new();
    for i in 0..n {
        let o = JoinOptions {
            identity: (i == 0).then(|| owner.clone()),
            seed: i as u64 + 1,
            ..JoinOptions::default()
        };
        people.push(Participant::join(&url, &room, &format!("P{i}"), o).await?);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for _ in 0..std::env::var("PROBE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8)
    {
        tokio::time::sleep(Duration::from_secs(1)).await;
        for p in &people {
            let mut s: Vec<String> = p
                .streams()
                .iter()
                .map(|s| format!("{}:{:?}={}", s.key.mid, s.key.source, s.packets))
                .collect();
            s.sort();
            println!(
                "{:?} offers={} answers={} {:?} {}",
                p.id(),
                p.offers(),
                p.answers(),
                p.connection_state(),
                s.join(" ")
            );
            let t: Vec<String> = p
                .senders()
                .iter()
                .map(|s| {
                    format!(
                        "{}:{:?} sent={} err={} pli={} nack={}",
                        s.mid, s.source, s.packets, s.write_errors, s.pli, s.nack
                    )
                })
                .collect();
            println!("   senders {}", t.join(" | "));
            let errs: Vec<String> = p
                .log()
                .since(0)
                .iter()
                .filter_map(|s| {
                    s.event()
                        .filter(|v| v["type"] == "error")
                        .map(|v| v.to_string())
                })
                .collect();
            if !errs.is_empty() || !p.failures().is_empty() {
                println!("   errors {errs:?} failures {:?}", p.failures());
            }
        }
        println!();
    }
    if std::env::var("PROBE_SDP").is_err() {
        return Ok(());
    }
    for s in people[0].log().since(0) {
        if let Some(v) = s.event() {
            if v["type"] == "offer" {
                println!(
                    "OFFER tracks={}\n{}",
                    v["tracks"],
                    v["sdp"].as_str().unwrap_or("")
                );
            }
        }
    }
    Ok(())
}
