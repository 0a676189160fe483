//! Schools, each in one district.

use crate::page::{Page, PageRequest};
use crate::schema::schools;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schools)]
pub struct School {
    pub id: String,
    pub district_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, school: &School) -> QueryResult<()> {
    diesel::insert_into(schools::table)
        .values(school)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<School>> {
    schools::table
        .filter(schools::id.eq(id))
        .select(School::as_select())
        .first(conn)
        .optional()
}

/// Which schools a list may show.
pub enum SchoolScope {
    All,
    /// These schools, plus every school of these districts.
    Some {
        school_ids: Vec<String>,
        district_ids: Vec<String>,
    },
}

pub fn list(
    conn: &mut DbConn,
    scope: &SchoolScope,
    page: &PageRequest,
) -> QueryResult<Page<School>> {
    let mut query = schools::table.into_boxed();
    if let SchoolScope::Some {
        school_ids,
        district_ids,
    } = scope
    {
        query = query.filter(
            schools::id
                .eq_any(school_ids.clone())
                .or(schools::district_id.eq_any(district_ids.clone())),
        );
    }
    if let Some(after) = &page.after {
        query = query.filter(schools::id.gt(after.clone()));
    }
    let rows = query
        .order(schools::id.asc())
        .limit(page.fetch_limit())
        .select(School::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page, |s| &s.id))
}

/// `(id, name)` of every school of a district, by name.
pub fn names_in_district(
    conn: &mut DbConn,
    district_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    schools::table
        .filter(schools::district_id.eq(district_id))
        .order((schools::name.asc(), schools::id.asc()))
        .select((schools::id, schools::name))
        .load(conn)
}
