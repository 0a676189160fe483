//! The rules' own room (DESIGN.md, "Decisions for the next stage"): pure functions over plain
//! data, no HTTP and no SQL, unit-tested without a database. Routes extract, authorize, load,
//! call the rule, save and render.

pub mod accounts;
pub mod calendar;
pub mod checks;
pub mod copies;
pub mod counting;
pub mod documents;
pub mod events;
pub mod follow_ups;
pub mod groups;
pub mod imports;
pub mod inspections;
pub mod meetings;
pub mod notices;
pub mod quotas;
pub mod visibility;

/// A rule broken by a request: the stable code and the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub code: &'static str,
    pub field: &'static str,
    pub message: &'static str,
}

impl Broken {
    pub const fn new(code: &'static str, field: &'static str, message: &'static str) -> Broken {
        Broken {
            code,
            field,
            message,
        }
    }
}
