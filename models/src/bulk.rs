//! Multi-row inserts for the benchmark data generator (`tingke demo --scale`).
//!
//! diesel's batch insert does not compile for the multi-backend connection, so each function
//! matches on the backend and inserts into the concrete connection, in statements of as many rows
//! as the backend's limit on bound parameters allows. Callers wrap them in a transaction.

use crate::documents::{Document, PageRow, Review};
use crate::groups::Group;
use crate::meetings::Meeting;
use crate::members::MembershipRow;
use crate::mentorships::{Activity, Mentorship};
use crate::observations::Observation;
use crate::rubrics::RubricRow;
use crate::schema;
use crate::schools::School;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Bound parameters in one statement: PostgreSQL's protocol limit, SQLite's default maximum.
const PG_MAX_BINDS: usize = 65_535;
const SQLITE_MAX_BINDS: usize = 32_766;

/// A user who logs in, owning its fields (`users::NewUser` borrows them).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::users)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A one-time password (an import's): the person chooses their own at first login.
    pub password_change_required: bool,
}

/// A term a mentorship spans.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::mentorship_terms)]
pub struct MentorshipTermRow {
    pub mentorship_id: String,
    pub term_id: String,
}

macro_rules! bulk_insert {
    ($(#[$doc:meta])* $name:ident, $table:path, $row:ty) => {
        $(#[$doc])*
        pub fn $name(conn: &mut DbConn, rows: &[$row]) -> QueryResult<usize> {
            // Bound parameters per row at most: the table's columns, counted from the schema (a
            // count written by hand went stale when a column was added: issue 26).
            let per_row = columns_of($table.select(<$table as diesel::Table>::all_columns()));
            let mut inserted = 0;
            match conn {
                DbConn::Pg(c) => {
                    for chunk in rows.chunks(PG_MAX_BINDS / per_row) {
                        inserted += diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
                DbConn::Sqlite(c) => {
                    for chunk in rows.chunks(SQLITE_MAX_BINDS / per_row) {
                        inserted += diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
            }
            Ok(inserted)
        }
    };
}

/// The columns a query selects, as SQLite would run it.
fn columns_of<Q>(query: Q) -> usize
where
    Q: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    let text = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    let list = text.split(" FROM ").next().unwrap_or_default();
    (list.matches(',').count() + 1).max(1)
}

bulk_insert!(
    /// Users.
    users,
    schema::users::table,
    UserRow
);
bulk_insert!(
    /// Schools.
    schools,
    schema::schools::table,
    School
);
bulk_insert!(
    /// Rubric versions.
    rubrics,
    schema::rubrics::table,
    RubricRow
);
bulk_insert!(
    /// Memberships.
    memberships,
    schema::memberships::table,
    MembershipRow
);
bulk_insert!(
    /// Observations.
    observations,
    schema::observations::table,
    Observation
);
bulk_insert!(
    /// Mentor-apprentice pairs.
    mentorships,
    schema::mentorships::table,
    Mentorship
);
bulk_insert!(
    /// The terms of mentor-apprentice pairs.
    mentorship_terms,
    schema::mentorship_terms::table,
    MentorshipTermRow
);
bulk_insert!(
    /// Logged activities of pairs.
    activities,
    schema::mentorship_activities::table,
    Activity
);
bulk_insert!(
    /// Lesson plans and guided-learning sheets.
    documents,
    schema::documents::table,
    Document
);
bulk_insert!(
    /// Page records.
    pages,
    schema::pages::table,
    PageRow
);
bulk_insert!(
    /// Reviews of documents.
    reviews,
    schema::reviews::table,
    Review
);

/// A person in a group.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::group_members)]
pub struct GroupMemberRow {
    pub group_id: String,
    pub user_id: String,
    pub leader: bool,
}

bulk_insert!(
    /// A school's groups.
    groups,
    schema::school_groups::table,
    Group
);
bulk_insert!(
    /// The people of groups.
    group_members,
    schema::group_members::table,
    GroupMemberRow
);
bulk_insert!(
    /// What groups held.
    meetings,
    schema::group_meetings::table,
    Meeting
);
bulk_insert!(
    /// Monthly check rounds.
    check_rounds,
    schema::check_rounds::table,
    crate::checks::Round
);
bulk_insert!(
    /// Results of monthly checks.
    check_results,
    schema::check_results::table,
    crate::checks::CheckResult
);
bulk_insert!(
    /// Rectification notices.
    notices,
    schema::notices::table,
    crate::notices::Notice
);
bulk_insert!(
    /// District inspections.
    inspections,
    schema::inspections::table,
    crate::inspections::Inspection
);
bulk_insert!(
    /// Teaching open weeks.
    open_weeks,
    schema::open_weeks::table,
    crate::events::OpenWeek
);
bulk_insert!(
    /// Announced lessons.
    events,
    schema::events::table,
    crate::events::Event
);
bulk_insert!(
    /// Check-ins to announced lessons.
    event_attendance,
    schema::event_attendance::table,
    crate::events::Attendance
);

/// Refreshes the planner's statistics after a bulk load: without them PostgreSQL plans queries
/// on a million fresh rows with guesses until autovacuum gets to it. On PostgreSQL `VACUUM` also
/// marks the new pages all-visible, which index-only scans (the quota counts) need.
pub fn analyze(conn: &mut DbConn) -> QueryResult<()> {
    let sql = match conn {
        DbConn::Pg(_) => "VACUUM ANALYZE",
        DbConn::Sqlite(_) => "ANALYZE",
    };
    diesel::sql_query(sql).execute(conn).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tables_columns_are_counted_from_the_schema() {
        use schema::{group_members, observations};
        let members = group_members::table.select(group_members::all_columns);
        assert_eq!(columns_of(members), 3);
        let observations = observations::table.select(observations::all_columns);
        assert_eq!(columns_of(observations), 35);
    }
}
