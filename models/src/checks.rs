//! The monthly routine check (教学常规检查): rounds a school opens, and one result per teacher
//! checked in a round. The rules are in `rules::checks`.

use crate::page::{Page, PageRequest};
use crate::schema::{check_results, check_rounds};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = check_rounds, treat_none_as_null = true)]
pub struct Round {
    pub id: String,
    pub school_id: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub closed_at: Option<NaiveDateTime>,
    pub opened_by: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = check_results, treat_none_as_null = true)]
pub struct CheckResult {
    pub id: String,
    pub round_id: String,
    pub school_id: String,
    pub teacher_id: String,
    pub checked_by: String,
    /// JSON array of document ids.
    pub plan_ids: String,
    /// JSON array of document ids.
    pub homework_ids: String,
    pub grade: String,
    pub comments: String,
    pub guidance: String,
    pub reply: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

/// Check rounds.
pub mod rounds {
    use super::*;
    crate::records::versioned!(Round, check_rounds);

    /// One page of a school's live rounds in the order they were opened (ids are time-ordered).
    pub fn of_school(
        conn: &mut DbConn,
        school_id: &str,
        page: &PageRequest,
    ) -> QueryResult<Page<Round>> {
        let mut query = check_rounds::table
            .filter(check_rounds::school_id.eq(school_id))
            .filter(check_rounds::deleted_at.is_null())
            .order(check_rounds::id.asc())
            .limit(page.fetch_limit())
            .select(Round::as_select())
            .into_boxed();
        if let Some(after) = &page.after {
            query = query.filter(check_rounds::id.gt(after));
        }
        let rows = query.load(conn)?;
        Ok(Page::from_rows(rows, page, |r: &Round| r.id.as_str()))
    }
}

/// Results of checks.
pub mod results {
    use super::*;
    crate::records::versioned!(CheckResult, check_results);

    /// Every live result of a round (a round holds one per teacher of a school: a few hundred).
    pub fn of_round(conn: &mut DbConn, round_id: &str) -> QueryResult<Vec<CheckResult>> {
        check_results::table
            .filter(check_results::round_id.eq(round_id))
            .filter(check_results::deleted_at.is_null())
            .order(check_results::id.asc())
            .select(CheckResult::as_select())
            .load(conn)
    }

    /// The live result of a teacher in a round.
    pub fn of_teacher_in(
        conn: &mut DbConn,
        round_id: &str,
        teacher_id: &str,
    ) -> QueryResult<Option<CheckResult>> {
        check_results::table
            .filter(check_results::round_id.eq(round_id))
            .filter(check_results::teacher_id.eq(teacher_id))
            .filter(check_results::deleted_at.is_null())
            .select(CheckResult::as_select())
            .first(conn)
            .optional()
    }

    /// A teacher's live results in rounds that began between two days, with their rounds,
    /// oldest round first (the annual archive).
    pub fn of_teacher_between(
        conn: &mut DbConn,
        teacher_id: &str,
        (from, to): (&str, &str),
    ) -> QueryResult<Vec<(CheckResult, Round)>> {
        check_results::table
            .inner_join(check_rounds::table)
            .filter(check_results::teacher_id.eq(teacher_id))
            .filter(check_results::deleted_at.is_null())
            .filter(check_rounds::deleted_at.is_null())
            .filter(check_rounds::starts_on.ge(from))
            .filter(check_rounds::starts_on.le(to))
            .order((check_rounds::starts_on.asc(), check_results::id.asc()))
            .select((CheckResult::as_select(), Round::as_select()))
            .load(conn)
    }

    /// How many live results a round holds.
    pub fn count(conn: &mut DbConn, round_id: &str) -> QueryResult<i64> {
        check_results::table
            .filter(check_results::round_id.eq(round_id))
            .filter(check_results::deleted_at.is_null())
            .count()
            .get_result(conn)
    }
}
