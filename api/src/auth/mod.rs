//! Authentication: password hashing, tokens, and the `Caller` extractor.

pub mod cache;
mod caller;
pub mod credential;
pub mod password;
pub mod tokens;

pub use cache::Callers;
pub use caller::{Caller, Pending, Verified};
