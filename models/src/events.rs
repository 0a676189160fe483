//! Lessons as events (announced lessons that many attend) and a school's teaching open weeks.
//! The rules are in `rules::events`.

use crate::page::{Page, PageRequest};
use crate::schema::{event_attendance, events, observations, open_weeks};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub struct Event {
    pub id: String,
    pub school_id: String,
    pub district_id: String,
    pub kind: String,
    pub teacher_id: String,
    pub subject: String,
    pub grade: String,
    pub class_name: String,
    pub topic: String,
    pub place: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub lesson_date: String,
    /// JSON array of user ids.
    pub invited: String,
    pub open_week_id: Option<String>,
    pub meeting_id: Option<String>,
    pub created_by: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl Event {
    pub fn invited_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.invited).unwrap_or_default()
    }
}

crate::records::versioned!(Event, events);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = open_weeks, treat_none_as_null = true)]
pub struct OpenWeek {
    pub id: String,
    pub school_id: String,
    pub district_id: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    /// JSON array of strings.
    pub visitors: String,
    pub created_by: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

/// Someone at an event.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = event_attendance)]
pub struct Attendance {
    pub event_id: String,
    pub user_id: String,
    pub checked_in_at: NaiveDateTime,
}

pub mod open_week {
    use super::*;
    crate::records::versioned!(OpenWeek, open_weeks);
}

/// Which events a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Events in these schools, and (besides) the events these people teach or are invited to.
    pub school_ids: Vec<String>,
    /// Every event of these districts.
    pub district_ids: Vec<String>,
    /// Everything (admins).
    pub all: bool,
    pub school_id: Option<String>,
    pub open_week_id: Option<String>,
    pub kind: Option<String>,
    /// Lesson days `from..=to`, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One page of live events the filter lets through, by id (ids are time-ordered UUIDv7s).
pub fn list(conn: &mut DbConn, f: &Filter, page: &PageRequest) -> QueryResult<Page<Event>> {
    let mut query = events::table
        .filter(events::deleted_at.is_null())
        .order(events::id.asc())
        .limit(page.fetch_limit())
        .select(Event::as_select())
        .into_boxed();
    if !f.all {
        query = query.filter(
            events::school_id
                .eq_any(f.school_ids.clone())
                .or(events::district_id.eq_any(f.district_ids.clone())),
        );
    }
    if let Some(id) = &f.school_id {
        query = query.filter(events::school_id.eq(id.clone()));
    }
    if let Some(id) = &f.open_week_id {
        query = query.filter(events::open_week_id.eq(id.clone()));
    }
    if let Some(kind) = &f.kind {
        query = query.filter(events::kind.eq(kind.clone()));
    }
    if let Some(from) = &f.from {
        query = query.filter(events::lesson_date.ge(from.clone()));
    }
    if let Some(to) = &f.to {
        query = query.filter(events::lesson_date.le(to.clone()));
    }
    if let Some(after) = &page.after {
        query = query.filter(events::id.gt(after.clone()));
    }
    let rows = query.load(conn)?;
    Ok(Page::from_rows(rows, page, |e: &Event| e.id.as_str()))
}

/// Who checked in to each of `event_ids`, and when: `(event, user, time)` by time.
pub fn attendance_of(
    conn: &mut DbConn,
    event_ids: &[String],
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    event_attendance::table
        .filter(event_attendance::event_id.eq_any(event_ids))
        .order((
            event_attendance::checked_in_at.asc(),
            event_attendance::user_id.asc(),
        ))
        .select((
            event_attendance::event_id,
            event_attendance::user_id,
            event_attendance::checked_in_at,
        ))
        .load(conn)
}

/// Records that `user_id` is at the event; a second check-in keeps the first one's time. True
/// when this one is new.
pub fn check_in(
    conn: &mut DbConn,
    event_id: &str,
    user_id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let there: i64 = event_attendance::table
        .filter(event_attendance::event_id.eq(event_id))
        .filter(event_attendance::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if there > 0 {
        return Ok(false);
    }
    diesel::insert_into(event_attendance::table)
        .values((
            event_attendance::event_id.eq(event_id),
            event_attendance::user_id.eq(user_id),
            event_attendance::checked_in_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The live observations linked to an event, by lesson time then id.
pub fn observations_of(
    conn: &mut DbConn,
    event_id: &str,
) -> QueryResult<Vec<crate::observations::Observation>> {
    observations::table
        .filter(observations::event_id.eq(event_id))
        .filter(observations::deleted_at.is_null())
        .order((observations::started_at.asc(), observations::id.asc()))
        .select(crate::observations::Observation::as_select())
        .load(conn)
}

/// How many live observations (drafts included) are linked to an event.
pub fn observation_count(conn: &mut DbConn, event_id: &str) -> QueryResult<i64> {
    observations::table
        .filter(observations::event_id.eq(event_id))
        .filter(observations::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// How many live events an open week holds.
pub fn lessons_in(conn: &mut DbConn, open_week_id: &str) -> QueryResult<i64> {
    events::table
        .filter(events::open_week_id.eq(open_week_id))
        .filter(events::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// A school's live open weeks, by first day.
pub fn open_weeks_of(conn: &mut DbConn, school_id: &str) -> QueryResult<Vec<OpenWeek>> {
    open_weeks::table
        .filter(open_weeks::school_id.eq(school_id))
        .filter(open_weeks::deleted_at.is_null())
        .order((open_weeks::starts_on.asc(), open_weeks::id.asc()))
        .select(OpenWeek::as_select())
        .load(conn)
}

/// `(school, first day)` of the live open weeks of these schools whose first day is in
/// `from..=to`: what a school's open-week rule counts.
pub fn open_week_days(
    conn: &mut DbConn,
    school_ids: &[String],
    (from, to): (&str, &str),
) -> QueryResult<Vec<(String, String)>> {
    open_weeks::table
        .filter(open_weeks::school_id.eq_any(school_ids))
        .filter(open_weeks::deleted_at.is_null())
        .filter(open_weeks::starts_on.ge(from))
        .filter(open_weeks::starts_on.le(to))
        .select((open_weeks::school_id, open_weeks::starts_on))
        .load(conn)
}

/// Of `ids`, the people who may attend a lesson of the school: its members and the staff of its
/// district (whose memberships are the district's own).
pub fn who_may_attend(
    conn: &mut DbConn,
    ids: &[String],
    (school_id, district_id): (&str, &str),
) -> QueryResult<std::collections::HashSet<String>> {
    use crate::schema::memberships;
    let found: Vec<String> = memberships::table
        .filter(memberships::user_id.eq_any(ids))
        .filter(
            memberships::scope_id
                .eq(school_id)
                .or(memberships::scope_id.eq(district_id)),
        )
        .select(memberships::user_id)
        .load(conn)?;
    Ok(found.into_iter().collect())
}
