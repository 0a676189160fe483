//! District inspections of schools (督查). The rules are in `rules::inspections`.

use crate::page::{Page, PageRequest};
use crate::schema::inspections;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = inspections, treat_none_as_null = true)]
pub struct Inspection {
    pub id: String,
    pub school_id: String,
    pub district_id: String,
    pub term_id: String,
    pub inspected_on: String,
    /// JSON: `[{"part": …, "note": …}]`.
    pub parts: String,
    pub findings: String,
    pub grade: String,
    pub recorded_by: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

crate::records::versioned!(Inspection, inspections);

/// One page of a school's live inspections, in the order they were recorded.
pub fn of_school(
    conn: &mut DbConn,
    school_id: &str,
    page: &PageRequest,
) -> QueryResult<Page<Inspection>> {
    let mut query = inspections::table
        .filter(inspections::school_id.eq(school_id))
        .filter(inspections::deleted_at.is_null())
        .order(inspections::id.asc())
        .limit(page.fetch_limit())
        .select(Inspection::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(inspections::id.gt(after));
    }
    let rows = query.load(conn)?;
    Ok(Page::from_rows(rows, page, |i: &Inspection| i.id.as_str()))
}

/// The last live inspection of each school of a district that has one.
pub fn last_per_school(conn: &mut DbConn, district_id: &str) -> QueryResult<Vec<Inspection>> {
    let all: Vec<Inspection> = inspections::table
        .filter(inspections::district_id.eq(district_id))
        .filter(inspections::deleted_at.is_null())
        .order((inspections::inspected_on.desc(), inspections::id.desc()))
        .select(Inspection::as_select())
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(all
        .into_iter()
        .filter(|i| seen.insert(i.school_id.clone()))
        .collect())
}
