//! What a group holds: collective preparation (集体备课) and research activities (教研活动).

use crate::page::{Page, PageRequest};
use crate::schema::group_meetings as meetings;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = meetings, treat_none_as_null = true)]
pub struct Meeting {
    pub id: String,
    pub group_id: String,
    pub school_id: String,
    pub kind: String,
    pub held_on: String,
    pub topic: String,
    pub activity: Option<String>,
    pub lessons: String,
    pub main_preparer_id: Option<String>,
    pub document_id: Option<String>,
    pub discussion: String,
    pub revisions: String,
    /// JSON: `[{"user_id": …, "status": …}]`.
    pub attendance: String,
    /// JSON array of observation ids.
    pub observation_ids: String,
    pub recorded_by: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

/// A meeting that has not been deleted.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Meeting>> {
    Ok(find_any(conn, id)?.filter(|m| m.deleted_at.is_none()))
}

/// A meeting by id, deleted or not (a retried create must find its own record).
pub fn find_any(conn: &mut DbConn, id: &str) -> QueryResult<Option<Meeting>> {
    meetings::table
        .filter(meetings::id.eq(id))
        .select(Meeting::as_select())
        .first(conn)
        .optional()
}

/// Meetings by id, deleted ones included (for sync).
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Meeting>> {
    meetings::table
        .filter(meetings::id.eq_any(ids))
        .select(Meeting::as_select())
        .load(conn)
}

/// One page of a group's live meetings in the order they were recorded.
pub fn of_group(
    conn: &mut DbConn,
    group_id: &str,
    page: &PageRequest,
) -> QueryResult<Page<Meeting>> {
    let mut query = meetings::table
        .filter(meetings::group_id.eq(group_id))
        .filter(meetings::deleted_at.is_null())
        .order(meetings::id.asc())
        .limit(page.fetch_limit())
        .select(Meeting::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(meetings::id.gt(after));
    }
    let rows = query.load(conn)?;
    Ok(Page::from_rows(rows, page, |m: &Meeting| m.id.as_str()))
}

/// The live meetings of these groups held on a day in `days`: (group, kind, day), what the
/// groups' quota rules count.
pub fn days_of_groups(
    conn: &mut DbConn,
    group_ids: &[String],
    days: &crate::observations::Days,
) -> QueryResult<Vec<(String, String, String)>> {
    meetings::table
        .filter(meetings::group_id.eq_any(group_ids))
        .filter(meetings::deleted_at.is_null())
        .filter(meetings::held_on.ge(&days.from))
        .filter(meetings::held_on.le(&days.to))
        .select((meetings::group_id, meetings::kind, meetings::held_on))
        .load(conn)
}

pub fn insert(conn: &mut DbConn, m: &Meeting) -> QueryResult<()> {
    diesel::insert_into(meetings::table)
        .values(m)
        .execute(conn)
        .map(|_| ())
}

/// Writes `m` when the stored version is still `expected`; false when someone wrote first.
pub fn update_if_version(conn: &mut DbConn, m: &Meeting, expected: i32) -> QueryResult<bool> {
    let n = diesel::update(
        meetings::table
            .filter(meetings::id.eq(&m.id))
            .filter(meetings::version.eq(expected)),
    )
    .set(m)
    .execute(conn)?;
    Ok(n == 1)
}
