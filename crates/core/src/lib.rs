//! Nichoir's shared vocabulary: configuration, error codes, identifiers, time, and the contracts that
//! tools implement (data export). No I/O beyond reading the configuration file.

pub mod config;
pub mod error;
pub mod export;
pub mod ids;
pub mod markdown;
pub mod time;

pub use error::{Error, ErrorCode, Result};

/// The version of this build, shown in the UI, the About page and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
