//! The school calendar of a term, stored: the district's entries and each school's days off.
//! What the entries mean (school days, teaching weeks) is in `rules::calendar`.

pub use crate::rules::calendar::*;

use crate::schema::calendar_entries;
use crate::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_entries)]
pub struct EntryRow {
    pub id: String,
    pub district_id: String,
    pub term_id: String,
    /// A school's own day off; `None` for the district's entries.
    pub school_id: Option<String>,
    /// The school of a day off, the district of the district's entries: who syncs it.
    pub scope_id: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// An entry with its kind and dates parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub term_id: String,
    pub school_id: Option<String>,
    pub span: Span,
    pub name: String,
}

impl EntryRow {
    /// `None` for a row of a kind this version does not know.
    fn parse(self) -> Option<Entry> {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        Some(Entry {
            span: Span {
                kind: DayKind::parse(&self.kind)?,
                starts_on: day(&self.starts_on)?,
                ends_on: day(&self.ends_on)?,
            },
            id: self.id,
            term_id: self.term_id,
            school_id: self.school_id,
            name: self.name,
        })
    }
}

/// Every entry of a term: the district's and every school's, in date order.
pub fn of_term(conn: &mut DbConn, term_id: &str) -> QueryResult<Vec<Entry>> {
    let rows = calendar_entries::table
        .filter(calendar_entries::term_id.eq(term_id))
        .order((
            calendar_entries::starts_on.asc(),
            calendar_entries::id.asc(),
        ))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(EntryRow::parse).collect())
}

/// The calendar of a school in a term (the district's entries and the school's own days off),
/// or of the district alone for its staff (`school_id` None).
pub fn calendar_of(entries: &[Entry], school_id: Option<&str>) -> Calendar {
    Calendar::new(
        entries
            .iter()
            .filter(|e| e.school_id.is_none() || e.school_id.as_deref() == school_id)
            .map(|e| &e.span),
    )
}

/// A new entry: its kind, dates and name.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub span: Span,
    pub name: String,
}

/// Replaces the district's entries of a term (`school_id` None) or one school's (call inside a
/// transaction); answers every entry of the term.
pub fn replace(
    conn: &mut DbConn,
    term: &crate::terms::Term,
    school_id: Option<&str>,
    entries: &[NewEntry],
    now: NaiveDateTime,
) -> QueryResult<Vec<Entry>> {
    let in_term = calendar_entries::table.filter(calendar_entries::term_id.eq(&term.id));
    match school_id {
        None => {
            diesel::delete(in_term.filter(calendar_entries::school_id.is_null())).execute(conn)?
        }
        Some(id) => {
            diesel::delete(in_term.filter(calendar_entries::school_id.eq(id))).execute(conn)?
        }
    };
    for e in entries {
        diesel::insert_into(calendar_entries::table)
            .values(EntryRow {
                id: crate::new_id(),
                district_id: term.district_id.clone(),
                term_id: term.id.clone(),
                school_id: school_id.map(str::to_string),
                scope_id: school_id.unwrap_or(&term.district_id).to_string(),
                kind: e.span.kind.as_str().to_string(),
                starts_on: e.span.starts_on.to_string(),
                ends_on: e.span.ends_on.to_string(),
                name: e.name.clone(),
                created_at: now,
            })
            .execute(conn)?;
    }
    of_term(conn, &term.id)
}

/// Entries with these ids, for sync.
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Entry>> {
    let rows = calendar_entries::table
        .filter(calendar_entries::id.eq_any(ids))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(EntryRow::parse).collect())
}
