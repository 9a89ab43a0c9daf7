//! Scenarios: one module per family, each scenario a [`Scenario`] listed in [`registry`].
//!
//! To add a family (e.g. realtime or pads): write `scenarios/<family>.rs` with types that
//! implement [`Scenario`] (usually by calling [`crate::load::drive`]), and append them to
//! [`registry`]. The CLI, `--help`, `all` and the JSON report pick them up from there. A
//! scenario that is not a closed request loop (e.g. `pad`) returns its own JSON report.

use anyhow::Result;
use futures_util::future::BoxFuture;

use crate::load::{LoadConfig, LoadStats};
use crate::target::Target;

pub mod chat;
pub mod failover;
pub mod http;
pub mod pad;
pub mod pad_history;
pub mod polls;
pub mod push_sink;
pub mod storage;
pub mod video;
pub mod wiki;

pub use failover::FailoverOptions;
pub use pad::PadOptions;
pub use video::VideoOptions;

/// Options of the chat scenario.
#[derive(Debug, Clone, Copy)]
pub struct ChatOptions {
    pub users: usize,
    pub posters: usize,
    /// Messages per second, all posters together.
    pub rate: f64,
    /// Extra connected clients sitting in other channels.
    pub idle: usize,
    /// Messages imported into an `archive` channel before the run (0: none).
    pub seed_messages: usize,
    /// Members with a push subscription at the bench's push sink (0: none).
    pub push: usize,
    /// `@channel` messages sent during the run (each notifies every member).
    pub channel_mentions: usize,
}

/// Options of the wiki scenarios.
#[derive(Debug, Clone, Copy)]
pub struct WikiOptions {
    /// Wikis in the farm (10 pages each).
    pub wikis: usize,
}

/// What a scenario measured.
#[derive(Debug)]
pub enum Outcome {
    /// A closed-loop request run: printed as the common report.
    Load(LoadStats),
    /// The scenario's own report, one JSON object serialized in field order (it carries at
    /// least `scenario`, `url`, `duration_secs`, `errors` and `server_peak_rss_kib`), plus error
    /// samples for stderr.
    Report {
        line: String,
        sample_errors: Vec<String>,
    },
}

/// Account used by the scenarios that sign in.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Everything a scenario needs to run.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub target: Target,
    /// `--node-url`: the other nodes of a cluster (`chat` and `video` spread their sockets on
    /// them; `pad --pad-editors-elsewhere` puts every editor there).
    pub nodes: Vec<Target>,
    pub load: LoadConfig,
    pub credentials: Option<Credentials>,
    /// Options of the `pad` scenario.
    pub pad: PadOptions,
    /// Options of the `wiki-*` scenarios.
    pub wiki: WikiOptions,
    /// Options of the `chat` scenario.
    pub chat: ChatOptions,
    /// Options of the `video` scenario.
    pub video: VideoOptions,
    /// Options of the `failover` scenario.
    pub failover: FailoverOptions,
    /// `--server-pid`, if given.
    pub server_pid: Option<u32>,
}

impl Ctx {
    /// The node the `i`-th socket connects to: --url, then each --node-url, in turn.
    pub fn node(&self, i: usize) -> &Target {
        match i % (self.nodes.len() + 1) {
            0 => &self.target,
            n => &self.nodes[n - 1],
        }
    }

    /// The credentials, or an error naming the scenario that needs them.
    pub fn require_credentials(&self, scenario: &str) -> Result<&Credentials> {
        self.credentials.as_ref().ok_or_else(|| {
            anyhow::anyhow!(
                "scenario {scenario} needs --username and --password (an existing account)"
            )
        })
    }

    /// The server's PID: `--server-pid`, else the process listening on the target's port.
    pub fn server_pid(&self) -> Option<u32> {
        self.server_pid
            .or_else(|| crate::procfs::find_listening_pid(self.target.port()))
    }
}

/// One benchmark scenario.
pub trait Scenario: Send + Sync {
    /// The CLI name, kebab-case, prefixed by the family (`http-…`).
    fn name(&self) -> &'static str;
    /// One line for `--help`.
    fn description(&self) -> &'static str;
    /// Whether the scenario needs `--username`/`--password`.
    fn needs_credentials(&self) -> bool {
        false
    }
    /// How the load is shaped, for the progress line on stderr.
    fn load_summary(&self, ctx: &Ctx) -> String {
        format!("{} workers", ctx.load.concurrency)
    }
    /// Whether `all` runs it (not a scenario that needs a cluster of its own).
    fn in_all(&self) -> bool {
        true
    }
    /// Runs the scenario within the bounds of `ctx.load`.
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>>;
}

/// Every scenario, in the order `all` runs them.
pub fn registry() -> Vec<Box<dyn Scenario>> {
    let mut all: Vec<Box<dyn Scenario>> = Vec::new();
    all.extend(http::scenarios());
    all.push(Box::new(pad::Pad));
    all.push(Box::new(pad_history::PadHistory));
    all.extend(polls::scenarios());
    all.extend(wiki::scenarios());
    all.push(Box::new(chat::Chat));
    all.push(Box::new(video::Video));
    all.push(Box::new(failover::Failover));
    all
}

/// Problems counted by kind (the `error_kinds` of a report), from any task.
#[derive(Default)]
pub(crate) struct Kinds(parking_lot::Mutex<std::collections::BTreeMap<String, u64>>);

impl Kinds {
    pub(crate) fn note(&self, kind: String) {
        *self.0.lock().entry(kind).or_default() += 1;
    }

    pub(crate) fn total(&self) -> u64 {
        self.0.lock().values().sum()
    }

    pub(crate) fn counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.0.lock().clone()
    }
}

/// The pseudo-scenario that runs every registered scenario in turn.
pub const ALL: &str = "all";
pub const ALL_DESCRIPTION: &str = "run every scenario above in turn";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_not_all() {
        let reg = registry();
        let mut names: Vec<&str> = reg.iter().map(|s| s.name()).collect();
        assert!(names.contains(&"http-health"));
        assert!(names.contains(&"http-login"));
        assert!(names.contains(&"http-me"));
        assert!(names.contains(&"pad"));
        for n in &names {
            assert_ne!(*n, ALL);
            assert!(n
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        }
        for s in &reg {
            assert!(!s.description().is_empty() && !s.description().contains('\n'));
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
