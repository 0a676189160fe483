//! Mentor-apprentice pairs (师徒结对): the terms they span, their activities, evaluations.

use crate::page::{Page, PageRequest};
use crate::schema::{
    mentorship_activities as activities, mentorship_evaluations as evaluations, mentorship_terms,
    mentorships,
};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const ACTIVE: &str = "active";
pub const ENDED: &str = "ended";

pub const MENTOR_OBSERVES: &str = "mentor_observes";
pub const APPRENTICE_OBSERVES: &str = "apprentice_observes";
pub const KINDS: [&str; 4] = [
    MENTOR_OBSERVES,
    APPRENTICE_OBSERVES,
    "guidance",
    "joint_preparation",
];

pub const RATINGS: [&str; 4] = ["excellent", "good", "satisfactory", "unsatisfactory"];

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = mentorships, treat_none_as_null = true)]
pub struct Mentorship {
    pub id: String,
    pub school_id: String,
    pub district_id: String,
    pub mentor_id: String,
    pub apprentice_id: String,
    /// JSON array of subject names.
    pub subjects: String,
    pub goals: String,
    pub status: String,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    pub created_by: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Mentorship {
    pub fn subject_list(&self) -> Vec<String> {
        serde_json::from_str(&self.subjects).unwrap_or_default()
    }

    pub fn is_active(&self) -> bool {
        self.status == ACTIVE
    }
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Mentorship>> {
    mentorships::table
        .filter(mentorships::id.eq(id))
        .select(Mentorship::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, m: &Mentorship, term_ids: &[String]) -> QueryResult<()> {
    diesel::insert_into(mentorships::table)
        .values(m)
        .execute(conn)?;
    for term_id in term_ids {
        diesel::insert_into(mentorship_terms::table)
            .values((
                mentorship_terms::mentorship_id.eq(&m.id),
                mentorship_terms::term_id.eq(term_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes `m` when the stored version is still `expected`; false when someone wrote first.
pub fn update_if_version(conn: &mut DbConn, m: &Mentorship, expected: i32) -> QueryResult<bool> {
    let n = diesel::update(
        mentorships::table
            .filter(mentorships::id.eq(&m.id))
            .filter(mentorships::version.eq(expected)),
    )
    .set(m)
    .execute(conn)?;
    Ok(n == 1)
}

pub fn term_ids(conn: &mut DbConn, mentorship_id: &str) -> QueryResult<Vec<String>> {
    mentorship_terms::table
        .filter(mentorship_terms::mentorship_id.eq(mentorship_id))
        .order(mentorship_terms::term_id.asc())
        .select(mentorship_terms::term_id)
        .load(conn)
}

/// Active pairs of this apprentice (for the one-mentor-per-subject rule) or of this
/// mentor and apprentice (for the one-pair-per-term rule), with their terms.
pub fn active_of_apprentice(
    conn: &mut DbConn,
    apprentice_id: &str,
) -> QueryResult<Vec<(Mentorship, Vec<String>)>> {
    let pairs = mentorships::table
        .filter(mentorships::apprentice_id.eq(apprentice_id))
        .filter(mentorships::status.eq(ACTIVE))
        .select(Mentorship::as_select())
        .load(conn)?;
    pairs
        .into_iter()
        .map(|m| {
            let terms = term_ids(conn, &m.id)?;
            Ok((m, terms))
        })
        .collect()
}

pub use crate::Visibility;

type Condition<'a> = crate::Condition<'a, mentorships::table>;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub school_id: Option<String>,
    pub term_id: Option<String>,
    pub mentor_id: Option<String>,
    pub apprentice_id: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    visibility: &Visibility,
    filter: &Filter,
    page: &PageRequest,
) -> QueryResult<Page<Mentorship>> {
    let mut query = mentorships::table.into_boxed();
    if !visibility.admin {
        let me = visibility.user_id.clone();
        let mut seen: Condition<'_> = Box::new(
            mentorships::mentor_id
                .eq(me.clone())
                .or(mentorships::apprentice_id.eq(me))
                .or(mentorships::school_id.eq_any(visibility.school_ids.clone()))
                .or(mentorships::district_id.eq_any(visibility.district_ids.clone())),
        );
        // A grade-group leader sees the pairs of the people of their groups.
        for g in &visibility.groups {
            seen = Box::new(
                seen.or(mentorships::school_id.eq(g.school_id.clone()).and(
                    mentorships::mentor_id
                        .eq_any(g.people.clone())
                        .or(mentorships::apprentice_id.eq_any(g.people.clone())),
                )),
            );
        }
        query = query.filter(seen);
    }
    if let Some(v) = &filter.school_id {
        query = query.filter(mentorships::school_id.eq(v.clone()));
    }
    if let Some(v) = &filter.mentor_id {
        query = query.filter(mentorships::mentor_id.eq(v.clone()));
    }
    if let Some(v) = &filter.apprentice_id {
        query = query.filter(mentorships::apprentice_id.eq(v.clone()));
    }
    if let Some(v) = &filter.term_id {
        let in_term = mentorship_terms::table
            .filter(mentorship_terms::term_id.eq(v.clone()))
            .select(mentorship_terms::mentorship_id);
        query = query.filter(mentorships::id.eq_any(in_term));
    }
    if let Some(after) = &page.after {
        query = query.filter(mentorships::id.gt(after.clone()));
    }
    let rows = query
        .order(mentorships::id.asc())
        .limit(page.fetch_limit())
        .select(Mentorship::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page, |m| &m.id))
}

/// Pairs of a school, or of the people given, that span a term.
pub fn in_term(
    conn: &mut DbConn,
    term_id: &str,
    school_id: Option<&str>,
    person: Option<&str>,
) -> QueryResult<Vec<Mentorship>> {
    let in_term = mentorship_terms::table
        .filter(mentorship_terms::term_id.eq(term_id.to_string()))
        .select(mentorship_terms::mentorship_id);
    let mut query = mentorships::table
        .filter(mentorships::id.eq_any(in_term))
        .into_boxed();
    if let Some(s) = school_id {
        query = query.filter(mentorships::school_id.eq(s.to_string()));
    }
    if let Some(p) = person {
        query = query.filter(
            mentorships::mentor_id
                .eq(p.to_string())
                .or(mentorships::apprentice_id.eq(p.to_string())),
        );
    }
    query
        .order(mentorships::id.asc())
        .select(Mentorship::as_select())
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities)]
pub struct Activity {
    pub id: String,
    pub mentorship_id: String,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub occurred_on: String,
    pub term_id: String,
    pub notes: String,
    pub observation_id: Option<String>,
    pub logged_by: String,
    pub request_hash: String,
    pub created_at: NaiveDateTime,
}

pub fn find_activity(conn: &mut DbConn, id: &str) -> QueryResult<Option<Activity>> {
    activities::table
        .filter(activities::id.eq(id))
        .select(Activity::as_select())
        .first(conn)
        .optional()
}

/// Whether the pair has an activity of `kind` within [`from`, `until`) (a minute).
pub fn has_activity_between(
    conn: &mut DbConn,
    mentorship_id: &str,
    kind: &str,
    (from, until): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        activities::table
            .filter(activities::mentorship_id.eq(mentorship_id))
            .filter(activities::kind.eq(kind))
            .filter(activities::occurred_at.ge(from))
            .filter(activities::occurred_at.lt(until)),
    ))
    .get_result(conn)
}

pub fn insert_activity(conn: &mut DbConn, a: &Activity) -> QueryResult<()> {
    diesel::insert_into(activities::table)
        .values(a)
        .execute(conn)
        .map(|_| ())
}

pub fn activities(
    conn: &mut DbConn,
    mentorship_id: &str,
    page: &PageRequest,
) -> QueryResult<Page<Activity>> {
    let mut query = activities::table
        .filter(activities::mentorship_id.eq(mentorship_id.to_string()))
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(activities::id.gt(after.clone()));
    }
    let rows = query
        .order(activities::id.asc())
        .limit(page.fetch_limit())
        .select(Activity::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page, |a| &a.id))
}

/// `(mentorship_id, kind, day, observation_id)` of one logged activity.
pub type ActivityDay = (String, String, String, Option<String>);

/// The activities of these pairs in a term, for their progress.
pub fn activity_days(
    conn: &mut DbConn,
    mentorship_ids: &[String],
    term_id: &str,
) -> QueryResult<Vec<ActivityDay>> {
    activities::table
        .filter(activities::mentorship_id.eq_any(mentorship_ids))
        .filter(activities::term_id.eq(term_id))
        .order(activities::id.asc())
        .select((
            activities::mentorship_id,
            activities::kind,
            activities::occurred_on,
            activities::observation_id,
        ))
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluations)]
pub struct Evaluation {
    pub id: String,
    pub mentorship_id: String,
    pub term_id: String,
    pub rating: String,
    pub comments: String,
    pub evaluated_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_evaluation(conn: &mut DbConn, e: &Evaluation) -> QueryResult<()> {
    diesel::insert_into(evaluations::table)
        .values(e)
        .execute(conn)
        .map(|_| ())
}

pub fn evaluations(conn: &mut DbConn, mentorship_id: &str) -> QueryResult<Vec<Evaluation>> {
    evaluations::table
        .filter(evaluations::mentorship_id.eq(mentorship_id))
        .order(evaluations::id.asc())
        .select(Evaluation::as_select())
        .load(conn)
}

pub fn evaluation_for(
    conn: &mut DbConn,
    mentorship_id: &str,
    term_id: &str,
) -> QueryResult<Option<Evaluation>> {
    evaluations::table
        .filter(evaluations::mentorship_id.eq(mentorship_id))
        .filter(evaluations::term_id.eq(term_id))
        .select(Evaluation::as_select())
        .first(conn)
        .optional()
}

/// Evaluations of the pairs in which this person is the apprentice, in these terms.
pub fn evaluations_of_apprentice(
    conn: &mut DbConn,
    apprentice_id: &str,
    term_ids: &[String],
) -> QueryResult<Vec<(Evaluation, Mentorship)>> {
    evaluations::table
        .inner_join(mentorships::table)
        .filter(mentorships::apprentice_id.eq(apprentice_id))
        .filter(evaluations::term_id.eq_any(term_ids))
        .order(evaluations::id.asc())
        .select((Evaluation::as_select(), Mentorship::as_select()))
        .load(conn)
}
