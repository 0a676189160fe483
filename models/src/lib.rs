//! Tingke's domain types, diesel schema and queries. All SQL lives here; the API crate calls
//! these functions from blocking threads.

pub mod auth;
pub mod bulk;
pub mod calendar;
pub mod checks;
pub mod copies;
pub mod db;
pub mod districts;
pub mod documents;
pub mod events;
pub mod groups;
pub mod idempotency;
pub mod imports;
pub mod inspections;
pub mod meetings;
pub mod members;
pub mod mentorships;
pub mod names;
pub mod notices;
pub mod notify;
pub mod observations;
pub mod page;
pub mod quotas;
mod records;
pub mod roles;
pub mod rubrics;
pub mod rules;
pub mod schema;
pub mod schools;
pub mod sync;
pub mod terms;
pub mod uploads;
pub mod users;

pub use db::{Backend, Db, DbConn, DbError, PoolOptions};

use chrono::NaiveDateTime;

/// Whose records a list may show: the caller's own, and the shared ones of the schools whose
/// whole work they read (`school_ids`: principal, vice principal, dean), of the people of the
/// grade groups they lead (`groups`, `rules::visibility`) and of the districts they research
/// (everything shared, for an admin).
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    pub user_id: String,
    pub admin: bool,
    pub school_ids: Vec<String>,
    pub district_ids: Vec<String>,
    pub groups: Vec<rules::visibility::GroupReading>,
    /// The groups the caller is one of the people of: their groups' sheets are theirs to read
    /// (filled where documents are listed; empty elsewhere).
    pub member_of: Vec<String>,
}

/// A boxed `WHERE` condition on `T`, for queries built up from the caller's visibility (diesel
/// cannot group a boxed query, so conditions are boxed instead).
pub type Condition<'a, T> = Box<
    dyn diesel::BoxableExpression<
            T,
            <DbConn as diesel::Connection>::Backend,
            SqlType = diesel::sql_types::Bool,
        > + 'a,
>;

/// A new time-ordered id (UUIDv7) as text: ids sort by creation time, which keyset pagination uses.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The current time in UTC, truncated to microseconds so both backends store it identically.
pub fn now() -> NaiveDateTime {
    to_micros(chrono::Utc::now().naive_utc())
}

/// Cuts a time to whole microseconds, the precision both backends store.
pub fn to_micros(t: NaiveDateTime) -> NaiveDateTime {
    t - chrono::Duration::nanoseconds(i64::from(t.and_utc().timestamp_subsec_nanos() % 1000))
}

/// True when a diesel error is a unique-constraint violation.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
