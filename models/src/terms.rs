//! Terms (学期): date ranges owned by a district; quotas are counted per term.

use crate::page::{Page, PageRequest};
use crate::schema::terms;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Dates are `YYYY-MM-DD` text, which sorts and compares like the dates themselves.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = terms)]
pub struct Term {
    pub id: String,
    pub district_id: String,
    pub name: String,
    pub school_year: String,
    pub starts_on: String,
    pub ends_on: String,
    pub created_at: NaiveDateTime,
}

/// A term of the district whose dates overlap `starts_on..=ends_on`, if any.
pub fn find_overlapping(
    conn: &mut DbConn,
    district_id: &str,
    starts_on: &str,
    ends_on: &str,
) -> QueryResult<Option<Term>> {
    terms::table
        .filter(terms::district_id.eq(district_id))
        .filter(terms::starts_on.le(ends_on))
        .filter(terms::ends_on.ge(starts_on))
        .select(Term::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, term: &Term) -> QueryResult<()> {
    diesel::insert_into(terms::table)
        .values(term)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Term>> {
    terms::table
        .filter(terms::id.eq(id))
        .select(Term::as_select())
        .first(conn)
        .optional()
}

/// The district's terms, oldest first.
pub fn list(conn: &mut DbConn, district_id: &str, page: &PageRequest) -> QueryResult<Page<Term>> {
    let mut query = terms::table
        .filter(terms::district_id.eq(district_id))
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(terms::id.gt(after.clone()));
    }
    let rows = query
        .order(terms::id.asc())
        .limit(page.fetch_limit())
        .select(Term::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page, |t| &t.id))
}

/// The district's term that contains `day` (`YYYY-MM-DD`), if any.
pub fn containing(conn: &mut DbConn, district_id: &str, day: &str) -> QueryResult<Option<Term>> {
    find_overlapping(conn, district_id, day, day)
}

/// A term with every term of its school year (itself included), in one query.
pub fn with_school_year(conn: &mut DbConn, id: &str) -> QueryResult<Option<(Term, Vec<Term>)>> {
    let this = diesel::alias!(terms as this);
    let this_one = || this.filter(this.field(terms::id).eq(id.to_string()));
    let year: Vec<Term> = terms::table
        .filter(terms::district_id.eq_any(this_one().select(this.field(terms::district_id))))
        .filter(terms::school_year.eq_any(this_one().select(this.field(terms::school_year))))
        .select(Term::as_select())
        .load(conn)?;
    Ok(year
        .iter()
        .find(|t| t.id == id)
        .cloned()
        .map(|term| (term, year)))
}

/// Every term of a district's school year.
pub fn of_school_year(
    conn: &mut DbConn,
    district_id: &str,
    school_year: &str,
) -> QueryResult<Vec<Term>> {
    terms::table
        .filter(terms::district_id.eq(district_id))
        .filter(terms::school_year.eq(school_year))
        .order(terms::starts_on.asc())
        .select(Term::as_select())
        .load(conn)
}
