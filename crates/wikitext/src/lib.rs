//! Wiki text, with no I/O: page names and wiki slugs, Markdown with `[[wiki links]]` rendered to
//! safe HTML with a table of contents, three-way merge of concurrent edits, diffs between
//! revisions, starter templates, the Atom feed, and the zip archive a wiki is exported to and
//! imported from. `nichoir-wiki` stores and serves; this crate only computes.

pub mod archive;
pub mod atom;
pub mod diff;
pub mod merge;
pub mod names;
pub mod render;
pub mod templates;
