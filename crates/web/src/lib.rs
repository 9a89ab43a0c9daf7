//! The composition: opens the data folder, runs every crate's migrations, builds the services,
//! declares the account/instance routes and each tool's routes in one `Api`, serves the embedded
//! web UI, and runs the background jobs. The `nichoir` binary calls [`prepare`] then [`serve`].

mod about;
mod assets;
mod departure;
mod export;
mod jobs;
mod metrics;
mod request_log;
mod robots;
mod routes;
mod server;
mod settings;
mod source;
// Release builds only name the archive: the build script packed it.
#[cfg_attr(nichoir_source_embedded, allow(dead_code))]
mod source_pack;

pub use about::components;
pub use routes::favourites::Sweep as FavouritesSweep;
pub use server::{api, migrations, open_database, prepare, serve, Prepared};
pub use settings::Settings;
