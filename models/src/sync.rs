//! The change log behind `GET /v1/sync`: database triggers keep one row per synced entity with
//! the sequence number of its last change (see the `sync` migration); these queries read it and
//! load the changed entities in batches.

use crate::documents::Document;
use crate::mentorships::{Activity, Mentorship};
use crate::observations::Observation;
use crate::rubrics::{Rubric, RubricRow};
use crate::schema::{
    documents, mentorship_activities, mentorships, observations, rubrics, sync_log, terms,
};
use crate::terms::Term;
use crate::DbConn;
use diesel::prelude::*;

pub const OBSERVATION: &str = "observation";
pub const DOCUMENT: &str = "document";
pub const MENTORSHIP: &str = "mentorship";
pub const ACTIVITY: &str = "activity";
pub const MEMBER: &str = "member";
pub const TERM: &str = "term";
pub const RUBRIC: &str = "rubric";
pub const GROUP: &str = "group";
pub const MEETING: &str = "meeting";
pub const CALENDAR_ENTRY: &str = "calendar_entry";
pub const CHECK_ROUND: &str = "check_round";
pub const CHECK_RESULT: &str = "check_result";
pub const NOTICE: &str = "notice";
pub const INSPECTION: &str = "inspection";
pub const EVENT: &str = "event";
pub const OPEN_WEEK: &str = "open_week";

/// One entity's last change.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sync_log)]
pub struct Change {
    pub kind: String,
    pub entity_id: String,
    pub scope_id: String,
    /// The row itself was deleted (soft deletions show as the entity's `deleted_at`).
    pub deleted: bool,
    pub seq: Option<i64>,
}

/// Up to `limit` changes numbered above `after`, oldest first, in the given schools and districts
/// (`None`: everywhere, for admins).
///
/// A caller of a few schools gets one query per school or district, each reading its own range
/// of the `(scope_id, seq)` index, merged here: one query for all of them walks the log in
/// `seq` order and skips every other school's changes, which took 165 ms for a school written
/// late in a district's log of a million changes. Callers of many schools (researchers) share
/// most of the log, which the single query reads well.
pub fn after(
    conn: &mut DbConn,
    after: i64,
    scopes: Option<&[String]>,
    limit: i64,
) -> QueryResult<Vec<Change>> {
    let Some(scopes) = scopes.filter(|s| s.len() <= SCOPES_QUERIED_ONE_BY_ONE) else {
        return changes(conn, after, scopes.map(Place::Any), limit);
    };
    let mut found = Vec::new();
    for scope in scopes {
        found.extend(changes(conn, after, Some(Place::One(scope)), limit)?);
    }
    found.sort_by_key(|c| c.seq);
    found.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(found)
}

const SCOPES_QUERIED_ONE_BY_ONE: usize = 8;

/// Where changes are read: one school or district, or any of several.
enum Place<'a> {
    /// `scope_id = $1`, not `= ANY($1)`: only with an equality does PostgreSQL see that the
    /// `(scope_id, seq)` index gives the rows in `seq` order.
    One(&'a str),
    Any(&'a [String]),
}

/// Up to `limit` changes numbered above `after` in `place` (`None`: everywhere), oldest first.
fn changes(
    conn: &mut DbConn,
    after: i64,
    place: Option<Place>,
    limit: i64,
) -> QueryResult<Vec<Change>> {
    let mut query = sync_log::table.filter(sync_log::seq.gt(after)).into_boxed();
    match place {
        Some(Place::One(scope)) => query = query.filter(sync_log::scope_id.eq(scope.to_string())),
        Some(Place::Any(scopes)) => {
            query = query.filter(sync_log::scope_id.eq_any(scopes.to_vec()))
        }
        None => {}
    }
    query
        .order(sync_log::seq.asc())
        .limit(limit)
        .select(Change::as_select())
        .load(conn)
}

/// The number of the newest change anywhere.
pub fn newest(conn: &mut DbConn) -> QueryResult<i64> {
    let max: Option<i64> = sync_log::table
        .select(diesel::dsl::max(sync_log::seq))
        .first(conn)?;
    Ok(max.unwrap_or(0))
}

/// Observations with these ids, deleted ones included.
pub fn observations(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Observation>> {
    observations::table
        .filter(observations::id.eq_any(ids))
        .select(Observation::as_select())
        .load(conn)
}

/// Documents with these ids, deleted ones included.
pub fn documents(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Document>> {
    documents::table
        .filter(documents::id.eq_any(ids))
        .select(Document::as_select())
        .load(conn)
}

pub fn mentorships(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Mentorship>> {
    mentorships::table
        .filter(mentorships::id.eq_any(ids))
        .select(Mentorship::as_select())
        .load(conn)
}

/// Activities with these ids, each with its pair.
pub fn activities(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<(Activity, Mentorship)>> {
    mentorship_activities::table
        .inner_join(mentorships::table)
        .filter(mentorship_activities::id.eq_any(ids))
        .select((Activity::as_select(), Mentorship::as_select()))
        .load(conn)
}

pub fn terms(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Term>> {
    terms::table
        .filter(terms::id.eq_any(ids))
        .select(Term::as_select())
        .load(conn)
}

pub fn rubrics(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Rubric>> {
    let rows = rubrics::table
        .filter(rubrics::id.eq_any(ids))
        .select(RubricRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Rubric::from).collect())
}

/// Ids of every school in these districts.
pub fn school_ids_in(conn: &mut DbConn, district_ids: &[String]) -> QueryResult<Vec<String>> {
    crate::schema::schools::table
        .filter(crate::schema::schools::district_id.eq_any(district_ids))
        .select(crate::schema::schools::id)
        .load(conn)
}
