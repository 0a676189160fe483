//! Authentication: password hashing, tokens, and the `Caller` extractor.

mod caller;
pub mod password;
pub mod tokens;

pub use caller::{Caller, Pending, Verified};
