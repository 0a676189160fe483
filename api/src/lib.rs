//! The Tingke API: HTTP routes, auth, configuration and the CLI's commands.

pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod demo_scale;
pub mod error;
pub mod etag;
pub mod extract;
pub mod i18n;
pub mod idempotency;
pub mod import;
pub mod memory;
pub mod prints;
pub mod reference;
pub mod routes;
pub mod school_year;
pub mod sheet_guard;
pub mod signed;
pub mod startup;
pub mod state;
pub mod storage;
pub mod validate;
pub mod workbook;

/// The photo pipeline, a crate of its own so that debug builds optimize it alone.
pub use tingke_photo as photo;
