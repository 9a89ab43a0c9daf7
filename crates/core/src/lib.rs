//! Nichoir's shared vocabulary: configuration, error codes, identifiers, time, and the contracts that
//! tools implement (data export). No I/O beyond reading the configuration file.

#[macro_use]
mod text_enum;
#[cfg(feature = "adversarial")]
pub mod adversarial;
pub mod config;
pub mod departure;
pub mod error;
pub mod export;
pub mod ids;
pub mod limits;
pub mod markdown;
pub mod moderation;
pub mod notify;
pub mod quota;
pub mod text;
pub mod time;
pub mod upload;
pub mod work;

/// JSON Schema and TypeScript derives for `text_enum!(ts(…) …)` expansions in other crates.
#[doc(hidden)]
pub use schemars as __schemars;
/// Serde for `text_enum!` expansions in other crates.
#[doc(hidden)]
pub use serde as __serde;
#[doc(hidden)]
pub use ts_rs as __ts_rs;

// Lets `text_enum!` name this crate the same way inside and outside it.
extern crate self as nichoir_core;

pub use error::{Error, ErrorCode, Field, Invalid, Result, Rule};

/// The version of this build, shown in the UI, the About page and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
