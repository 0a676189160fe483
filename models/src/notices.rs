//! Rectification notices (整改通知) and the follow-ups of lessons below standard. The rules are
//! in `rules::notices` and `rules::follow_ups`.

use crate::page::{Page, PageRequest};
use crate::schema::{follow_ups, notices};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notices, treat_none_as_null = true)]
pub struct Notice {
    pub id: String,
    pub school_id: String,
    pub district_id: String,
    /// `None`: the notice is to the school.
    pub teacher_id: Option<String>,
    pub issued_by: String,
    pub about_kind: Option<String>,
    pub about_id: Option<String>,
    pub round: i32,
    pub status: String,
    pub due_on: String,
    /// JSON array of rounds.
    pub rounds: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = follow_ups, treat_none_as_null = true)]
pub struct FollowUp {
    pub id: String,
    pub observation_id: String,
    pub school_id: String,
    pub teacher_id: String,
    pub opened_by: String,
    pub due_on: String,
    pub note: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

crate::records::versioned!(Notice, notices);

/// Whose notices of a school a list shows: all of them, or those to these teachers (and, with
/// `school_level`, those to the school).
#[derive(Debug, Clone)]
pub enum Readers {
    All,
    Teachers {
        ids: Vec<String>,
        school_level: bool,
    },
}

/// One page of a school's live notices the reader may see, in the order they were issued.
pub fn of_school(
    conn: &mut DbConn,
    school_id: &str,
    readers: &Readers,
    page: &PageRequest,
) -> QueryResult<Page<Notice>> {
    let mut query = notices::table
        .filter(notices::school_id.eq(school_id))
        .filter(notices::deleted_at.is_null())
        .order(notices::id.asc())
        .limit(page.fetch_limit())
        .select(Notice::as_select())
        .into_boxed();
    if let Readers::Teachers { ids, school_level } = readers {
        query = match school_level {
            true => query.filter(
                notices::teacher_id
                    .eq_any(ids.clone())
                    .or(notices::teacher_id.is_null()),
            ),
            false => query.filter(notices::teacher_id.eq_any(ids.clone())),
        };
    }
    if let Some(after) = &page.after {
        query = query.filter(notices::id.gt(after));
    }
    let rows = query.load(conn)?;
    Ok(Page::from_rows(rows, page, |n: &Notice| n.id.as_str()))
}

/// Live notices waiting for their recipient (`rules::notices::OPEN`) due before `today`: those
/// of a school, or the school-level ones of a district.
pub fn overdue(conn: &mut DbConn, place: Place, today: &str) -> QueryResult<Vec<Notice>> {
    let mut query = notices::table
        .filter(notices::deleted_at.is_null())
        .filter(notices::status.eq(crate::rules::notices::OPEN))
        .filter(notices::due_on.lt(today))
        .order((notices::due_on.asc(), notices::id.asc()))
        .select(Notice::as_select())
        .into_boxed();
    query = match place {
        Place::School(id) => query.filter(notices::school_id.eq(id.to_string())),
        Place::District(id) => query
            .filter(notices::district_id.eq(id.to_string()))
            .filter(notices::teacher_id.is_null()),
    };
    query.load(conn)
}

/// Where overdue notices are looked for.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    School(&'a str),
    /// The district's notices to schools.
    District(&'a str),
}

/// The live notices to a teacher, in the order they were issued.
pub fn to_teacher(conn: &mut DbConn, teacher_id: &str) -> QueryResult<Vec<Notice>> {
    notices::table
        .filter(notices::teacher_id.eq(teacher_id))
        .filter(notices::deleted_at.is_null())
        .order(notices::id.asc())
        .select(Notice::as_select())
        .load(conn)
}

/// The ids of the live notices about something (an inspection's notices).
pub fn about(conn: &mut DbConn, kind: &str, id: &str) -> QueryResult<Vec<String>> {
    notices::table
        .filter(notices::about_kind.eq(kind))
        .filter(notices::about_id.eq(id))
        .filter(notices::deleted_at.is_null())
        .order(notices::id.asc())
        .select(notices::id)
        .load(conn)
}

/// Per school of a district: how many live notices are not verified yet.
pub fn open_per_school(conn: &mut DbConn, district_id: &str) -> QueryResult<Vec<(String, i64)>> {
    notices::table
        .filter(notices::district_id.eq(district_id))
        .filter(notices::deleted_at.is_null())
        .filter(notices::status.ne(crate::rules::notices::VERIFIED))
        .group_by(notices::school_id)
        .select((notices::school_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Follow-ups of lessons below standard.
pub mod follow_up {
    use super::*;
    crate::records::versioned!(FollowUp, follow_ups);

    /// Every live follow-up of a school, by due day.
    pub fn of_school(conn: &mut DbConn, school_id: &str) -> QueryResult<Vec<FollowUp>> {
        follow_ups::table
            .filter(follow_ups::school_id.eq(school_id))
            .filter(follow_ups::deleted_at.is_null())
            .order((follow_ups::due_on.asc(), follow_ups::id.asc()))
            .select(FollowUp::as_select())
            .load(conn)
    }
}
