//! Video. This crate owns the tool's domain logic, its tables (migrations below) and its HTTP routes;
//! it depends on the shared base crates and never on another tool. The tool itself is built in
//! its own issue: for now it declares an empty migration set and no routes.

use nichoir_http::Api;
use nichoir_storage::MigrationSet;

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "video",
    migrations: &[],
};

/// Adds this tool's routes to the API.
pub fn api(api: Api) -> Api {
    api
}
