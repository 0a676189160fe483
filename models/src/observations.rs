//! Lesson observations: drafts private to their observer, submitted ones read by the observed
//! teacher and the school's leaders, counted for quotas when they are real.

use crate::page::{Page, PageRequest};
use crate::schema::{observation_corrections, observations, users};
use crate::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

pub const DRAFT: &str = "draft";
pub const SUBMITTED: &str = "submitted";

/// Unannounced (推门听课), and the notes taken at an announced lesson of each kind of event
/// (`rules::events::KINDS`).
pub const KINDS: [&str; 6] = [
    "unannounced",
    "open_lesson",
    "report_lesson",
    "demonstration",
    "research",
    "open_week_lesson",
];

/// China has one time zone: a lesson's day is its start in UTC+8.
pub const SCHOOL_UTC_OFFSET_HOURS: i64 = 8;

pub fn local_date(at: NaiveDateTime) -> NaiveDate {
    (at + chrono::Duration::hours(SCHOOL_UTC_OFFSET_HOURS)).date()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = observations, treat_none_as_null = true)]
pub struct Observation {
    pub id: String,
    pub school_id: String,
    pub district_id: String,
    pub term_id: Option<String>,
    pub rubric_id: String,
    pub observer_id: String,
    pub teacher_id: String,
    pub kind: String,
    pub subject: String,
    pub grade: String,
    pub class_name: String,
    pub topic: String,
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub lesson_date: String,
    pub recorded_at: NaiveDateTime,
    /// JSON object: rubric item key -> score.
    pub scores: String,
    pub total_score: i32,
    pub strengths: String,
    pub suggestions: String,
    pub comments: String,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub counted: bool,
    pub not_counted_reason: Option<String>,
    /// Recorded long after its lesson (`rules::lateness`): counted, but not for past weeks.
    pub late: bool,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub teacher_reply: Option<String>,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// The announced lesson (`events`) this is an observation of.
    pub event_id: Option<String>,
    /// Counted, and the observation that counts its lesson for the teacher who gave it: one of
    /// the observations of a lesson (`rules::counting`, `same_lesson_counted`).
    pub counts_for_teacher: bool,
}

impl Observation {
    pub fn is_draft(&self) -> bool {
        self.status == DRAFT
    }

    pub fn minutes(&self) -> i64 {
        (self.ended_at - self.started_at).num_minutes()
    }
}

/// Any observation with this id, deleted ones included (ids are never reused).
pub fn find_any(conn: &mut DbConn, id: &str) -> QueryResult<Option<Observation>> {
    observations::table
        .filter(observations::id.eq(id))
        .select(Observation::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Observation>> {
    Ok(find_any(conn, id)?.filter(|o| o.deleted_at.is_none()))
}

pub fn insert(conn: &mut DbConn, o: &Observation) -> QueryResult<()> {
    diesel::insert_into(observations::table)
        .values(o)
        .execute(conn)
        .map(|_| ())
}

/// Writes `o` over the stored row when the stored version is still `expected_version`; false when
/// someone else wrote first.
pub fn update_if_version(
    conn: &mut DbConn,
    o: &Observation,
    expected_version: i32,
) -> QueryResult<bool> {
    let n = diesel::update(
        observations::table
            .filter(observations::id.eq(&o.id))
            .filter(observations::version.eq(expected_version)),
    )
    .set(o)
    .execute(conn)?;
    Ok(n == 1)
}

/// Counted observations by `observer_id` whose lesson overlaps `started_at..ended_at` by more
/// than `tolerance`, whatever the class or school: one person watches one lesson at a time, so
/// overlapping lessons count once. (Comparing class names let one slot count thirty times under
/// names that differed only in what a screen does not show: issue 26.) A few minutes' overlap
/// is a phone stopped late, not two lessons at once (issue 20).
pub fn counted_overlap_exists(
    conn: &mut DbConn,
    o: &Observation,
    tolerance: chrono::Duration,
) -> QueryResult<bool> {
    let n: i64 = observations::table
        .filter(observations::observer_id.eq(&o.observer_id))
        .filter(observations::counted.eq(true))
        .filter(observations::deleted_at.is_null())
        .filter(observations::id.ne(&o.id))
        .filter(observations::started_at.lt(o.ended_at - tolerance))
        .filter(observations::ended_at.gt(o.started_at + tolerance))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether the lesson of `o`'s teacher is already counted for them through another observation:
/// one of the same event, or one of the same teacher's lesson overlapping this one by more than
/// `tolerance` (one teacher gives one lesson at a time, whoever watches and however its class is
/// written).
pub fn lesson_counted_for_teacher(
    conn: &mut DbConn,
    o: &Observation,
    tolerance: chrono::Duration,
) -> QueryResult<bool> {
    let overlapping = observations::started_at
        .lt(o.ended_at - tolerance)
        .and(observations::ended_at.gt(o.started_at + tolerance));
    let query = observations::table
        .filter(observations::teacher_id.eq(&o.teacher_id))
        .filter(observations::counted.eq(true))
        .filter(observations::counts_for_teacher.eq(true))
        .filter(observations::deleted_at.is_null())
        .filter(observations::id.ne(&o.id));
    let n: i64 = match &o.event_id {
        Some(event) => query
            .filter(overlapping.or(observations::event_id.eq(event)))
            .count()
            .get_result(conn)?,
        None => query.filter(overlapping).count().get_result(conn)?,
    };
    Ok(n > 0)
}

/// Makes the observer's later writes wait for this transaction, so that two submissions of
/// overlapping lessons cannot both be counted. SQLite has one writer at a time already.
pub fn lock_observer(conn: &mut DbConn, observer_id: &str) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(observer_id)
            .execute(pg)?;
    }
    Ok(())
}

pub use crate::Visibility;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub observer_id: Option<String>,
    pub teacher_id: Option<String>,
    pub school_id: Option<String>,
    pub term_id: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
}

/// Observations the caller may see, matching the filter, by id.
pub fn list(
    conn: &mut DbConn,
    visibility: &Visibility,
    filter: &Filter,
    page: &PageRequest,
) -> QueryResult<Page<Observation>> {
    let mut query = observations::table
        .filter(observations::deleted_at.is_null())
        .into_boxed();
    let me = visibility.user_id.clone();
    query = if visibility.admin {
        query.filter(
            observations::observer_id
                .eq(me)
                .or(observations::status.eq(SUBMITTED)),
        )
    } else {
        let mut shared: Condition<'_> = Box::new(
            observations::teacher_id
                .eq(me.clone())
                .or(observations::school_id.eq_any(visibility.school_ids.clone()))
                .or(observations::district_id.eq_any(visibility.district_ids.clone())),
        );
        // A grade-group leader reads what the people of their groups made and were given.
        for g in &visibility.groups {
            shared = Box::new(
                shared.or(observations::school_id.eq(g.school_id.clone()).and(
                    observations::teacher_id
                        .eq_any(g.people.clone())
                        .or(observations::observer_id.eq_any(g.people.clone())),
                )),
            );
        }
        query.filter(
            observations::observer_id
                .eq(me)
                .or(observations::status.eq(SUBMITTED).and(shared)),
        )
    };
    if let Some(v) = &filter.observer_id {
        query = query.filter(observations::observer_id.eq(v.clone()));
    }
    if let Some(v) = &filter.teacher_id {
        query = query.filter(observations::teacher_id.eq(v.clone()));
    }
    if let Some(v) = &filter.school_id {
        query = query.filter(observations::school_id.eq(v.clone()));
    }
    if let Some(v) = &filter.term_id {
        query = query.filter(observations::term_id.eq(v.clone()));
    }
    if let Some(v) = &filter.kind {
        query = query.filter(observations::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(observations::status.eq(v.clone()));
    }
    if let Some(after) = &page.after {
        query = query.filter(observations::id.gt(after.clone()));
    }
    let rows = query
        .order(observations::id.asc())
        .limit(page.fetch_limit())
        .select(Observation::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page, |o| &o.id))
}

/// Names of users by id, for showing who observed whom.
pub fn user_names(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = observation_corrections)]
pub struct Correction {
    pub id: String,
    pub observation_id: String,
    pub corrected_by: String,
    pub reason: String,
    /// JSON object: field -> {"from": …, "to": …}.
    pub changes: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_correction(conn: &mut DbConn, c: &Correction) -> QueryResult<()> {
    diesel::insert_into(observation_corrections::table)
        .values(c)
        .execute(conn)
        .map(|_| ())
}

pub fn corrections(conn: &mut DbConn, observation_id: &str) -> QueryResult<Vec<Correction>> {
    observation_corrections::table
        .filter(observation_corrections::observation_id.eq(observation_id))
        .order(observation_corrections::id.asc())
        .select(Correction::as_select())
        .load(conn)
}

/// Whose counted observations to read: always those of one district, whose rules they count
/// for.
#[derive(Debug, Clone, Copy)]
pub enum CountScope<'a> {
    /// Made by or given by these people, in the district.
    People(&'a str, &'a [String]),
    /// Everything in the district.
    District(&'a str),
}

/// Which side of an observation a count is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The observer's: observations made.
    Made,
    /// The observed teacher's: lessons given.
    Given,
}

/// Lesson days `from..=to`, as `YYYY-MM-DD` (the form of `lesson_date`).
#[derive(Debug, Clone)]
pub struct Days {
    pub from: String,
    pub to: String,
}

impl From<crate::quotas::Window> for Days {
    fn from(w: crate::quotas::Window) -> Days {
        Days {
            from: w.starts_on.to_string(),
            to: w.ends_on.to_string(),
        }
    }
}

/// Counted observations over a window and over a part of it, and of each, the late ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub total: i64,
    pub in_part: i64,
    pub late: i64,
    pub late_in_part: i64,
}

/// A person's counted observations, all of them and those of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub person: String,
    pub all: Sums,
    pub of_kind: Sums,
}

type Condition<'a> = crate::Condition<'a, observations::table>;

/// Counted observations of a scope, one side's people, with a lesson day in `days`, and of these
/// kinds if given. (A condition rather than a boxed query: diesel cannot group a boxed query.)
fn counted_of<'a>(
    scope: &CountScope,
    side: Side,
    kinds: Option<&[&str]>,
    days: &Days,
) -> Condition<'a> {
    // `counted` as it stands, not `= true`: a bound value would hide the match with the partial
    // indexes' `WHERE counted AND deleted_at IS NULL`.
    let mut condition: Condition<'a> = Box::new(
        observations::counted
            .and(observations::deleted_at.is_null())
            .and(observations::lesson_date.ge(days.from.clone()))
            .and(observations::lesson_date.le(days.to.clone())),
    );
    match kinds {
        None => {}
        Some([kind]) => {
            condition = Box::new(condition.and(observations::kind.eq(kind.to_string())));
        }
        Some(kinds) => {
            let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
            condition = Box::new(condition.and(observations::kind.eq_any(kinds)));
        }
    }
    let (district_id, people) = match scope {
        CountScope::District(id) => (id, None),
        CountScope::People(id, ids) => (id, Some(ids)),
    };
    condition = Box::new(condition.and(observations::district_id.eq(district_id.to_string())));
    if side == Side::Given {
        // A lesson seen by several counts once for its teacher; as it stands, like `counted`,
        // so that the condition implies the given-side index's `WHERE`.
        condition = Box::new(condition.and(observations::counts_for_teacher));
    }
    match people {
        None => condition,
        Some(ids) => Box::new(condition.and(person_is(side, ids))),
    }
}

/// The person of `side` is one of `ids`. One person is an equality, not `= ANY` of a
/// one-element list: PostgreSQL spent almost twice the CPU on the latter in the progress
/// benchmark.
fn person_is<'a>(side: Side, ids: &[String]) -> Condition<'a> {
    match (side, ids) {
        (Side::Made, [id]) => Box::new(observations::observer_id.eq(id.clone())),
        (Side::Given, [id]) => Box::new(observations::teacher_id.eq(id.clone())),
        (Side::Made, _) => Box::new(observations::observer_id.eq_any(ids.to_vec())),
        (Side::Given, _) => Box::new(observations::teacher_id.eq_any(ids.to_vec())),
    }
}

/// Counts per person of `side` (of the kinds `only`, if given), and of them those of kind `of_kind`,
/// over `window` and over `part` of it, late ones apart too: summed in the database, because a
/// district's year is a million rows. Grouped by person alone: grouping by kind too takes twice
/// as long.
pub fn tally(
    conn: &mut DbConn,
    scope: CountScope,
    side: Side,
    only: Option<&[&str]>,
    of_kind: &str,
    window: &Days,
    part: &Days,
) -> QueryResult<Vec<Tally>> {
    use diesel::dsl::{count_star, sql};
    use diesel::sql_types::{BigInt, Text};
    // `when` is "" or "late AND ": the same expression, for all or for the late ones.
    let all = |when: &str| sql::<BigInt>(&format!("SUM(CASE WHEN {when} TRUE THEN 1 ELSE 0 END)"));
    let in_part = |when: &str| {
        sql::<BigInt>(&format!("SUM(CASE WHEN {when} lesson_date >= "))
            .bind::<Text, _>(part.from.clone())
            .sql(" AND lesson_date <= ")
            .bind::<Text, _>(part.to.clone())
            .sql(" THEN 1 ELSE 0 END)")
    };
    let kind = |when: &str| {
        sql::<BigInt>(&format!("SUM(CASE WHEN {when} kind = "))
            .bind::<Text, _>(of_kind.to_string())
            .sql(" THEN 1 ELSE 0 END)")
    };
    let kind_in_part = |when: &str| {
        sql::<BigInt>(&format!("SUM(CASE WHEN {when} kind = "))
            .bind::<Text, _>(of_kind.to_string())
            .sql(" AND lesson_date >= ")
            .bind::<Text, _>(part.from.clone())
            .sql(" AND lesson_date <= ")
            .bind::<Text, _>(part.to.clone())
            .sql(" THEN 1 ELSE 0 END)")
    };
    const LATE: &str = "late AND";
    let sums = (
        (count_star(), in_part(""), all(LATE), in_part(LATE)),
        (kind(""), kind_in_part(""), kind(LATE), kind_in_part(LATE)),
    );
    let query = observations::table.filter(counted_of(&scope, side, only, window));
    type Row = (String, ((i64, i64, i64, i64), (i64, i64, i64, i64)));
    let rows: Vec<Row> = match side {
        Side::Made => query
            .group_by(observations::observer_id)
            .select((observations::observer_id, sums))
            .load(conn)?,
        Side::Given => query
            .group_by(observations::teacher_id)
            .select((observations::teacher_id, sums))
            .load(conn)?,
    };
    let sums = |(total, in_part, late, late_in_part)| Sums {
        total,
        in_part,
        late,
        late_in_part,
    };
    Ok(rows
        .into_iter()
        .map(|(person, (all, of_kind))| Tally {
            person,
            all: sums(all),
            of_kind: sums(of_kind),
        })
        .collect())
}

/// One of a person's counted observations: which sides of it are theirs, its kind and day.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PersonDay {
    pub made: bool,
    pub given: bool,
    pub kind: String,
    pub day: String,
    pub late: bool,
}

impl PersonDay {
    /// The sides of the observation that are the person's.
    pub fn sides(&self) -> impl Iterator<Item = Side> {
        [(self.made, Side::Made), (self.given, Side::Given)]
            .into_iter()
            .filter_map(|(mine, side)| mine.then_some(side))
    }
}

/// One person's counted observations in a district with a lesson day in `days`: those they made,
/// and those of the kinds `given_kinds` they gave.
///
/// On PostgreSQL one query, the two partial-index scans OR-ed: a round trip is most of a
/// progress read's cost. SQLite has no round trips, and there two index-only scans cost half
/// as much as the OR, which looks every row up in the table (figure 6 of BENCHMARKS.md fell
/// from 13,900 to 8,500 req/s with the OR).
pub fn days_of_person(
    conn: &mut DbConn,
    district_id: &str,
    user_id: &str,
    given_kinds: &[&str],
    days: &Days,
) -> QueryResult<Vec<PersonDay>> {
    let ids = [user_id.to_string()];
    let person = CountScope::People(district_id, &ids);
    let made = || counted_of(&person, Side::Made, None, days);
    let given = || counted_of(&person, Side::Given, Some(given_kinds), days);
    if let DbConn::Sqlite(_) = conn {
        let mut rows = kinds_and_days(conn, Side::Made, made())?;
        rows.extend(kinds_and_days(conn, Side::Given, given())?);
        return Ok(rows);
    }
    // Each side of the OR carries all of its conditions, so that each implies its partial
    // index's `WHERE`.
    observations::table
        .filter(made().or(given()))
        .select((
            observations::observer_id.eq(user_id.to_string()),
            observations::teacher_id.eq(user_id.to_string()),
            observations::kind,
            observations::lesson_date,
            observations::late,
        ))
        .load(conn)
}

/// The kind and day of the observations that meet `condition`, each as the person's `side`.
fn kinds_and_days(
    conn: &mut DbConn,
    side: Side,
    condition: Condition,
) -> QueryResult<Vec<PersonDay>> {
    let rows: Vec<(String, String, bool)> = observations::table
        .filter(condition)
        .select((
            observations::kind,
            observations::lesson_date,
            observations::late,
        ))
        .load(conn)?;
    let day = |(kind, day, late)| PersonDay {
        made: side == Side::Made,
        given: side == Side::Given,
        kind,
        day,
        late,
    };
    Ok(rows.into_iter().map(day).collect())
}

/// How many counted observations each person (of `side`) has on each lesson day in `days`, late
/// ones left out: what a weekly rule counts.
pub fn per_day_on_time(
    conn: &mut DbConn,
    scope: CountScope,
    side: Side,
    kinds: Option<&[&str]>,
    days: &Days,
) -> QueryResult<Vec<(String, String, i64)>> {
    use diesel::dsl::{count_star, not};
    let on_time = counted_of(&scope, side, kinds, days).and(not(observations::late));
    let query = observations::table.filter(on_time);
    match side {
        Side::Made => query
            .group_by((observations::observer_id, observations::lesson_date))
            .select((
                observations::observer_id,
                observations::lesson_date,
                count_star(),
            ))
            .load(conn),
        Side::Given => query
            .group_by((observations::teacher_id, observations::lesson_date))
            .select((
                observations::teacher_id,
                observations::lesson_date,
                count_star(),
            ))
            .load(conn),
    }
}

/// Submitted observations of a teacher's lessons in these terms, by lesson time.
pub fn of_teacher_in_terms(
    conn: &mut DbConn,
    teacher_id: &str,
    term_ids: &[String],
) -> QueryResult<Vec<Observation>> {
    observations::table
        .filter(observations::teacher_id.eq(teacher_id))
        .filter(observations::status.eq(SUBMITTED))
        .filter(observations::deleted_at.is_null())
        .filter(observations::term_id.eq_any(term_ids))
        .order((observations::started_at.asc(), observations::id.asc()))
        .select(Observation::as_select())
        .load(conn)
}

/// (lesson start, id) of the live submitted observations of a teacher's lessons in a school
/// that began after `after`: what does a follow-up.
pub fn of_teacher_after(
    conn: &mut DbConn,
    (school_id, teacher_id): (&str, &str),
    after: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, String)>> {
    observations::table
        .filter(observations::school_id.eq(school_id))
        .filter(observations::teacher_id.eq(teacher_id))
        .filter(observations::status.eq(SUBMITTED))
        .filter(observations::deleted_at.is_null())
        .filter(observations::started_at.gt(after))
        .select((observations::started_at, observations::id))
        .load(conn)
}

impl Observation {
    /// The sum of the scores given.
    pub fn total(&self) -> i32 {
        serde_json::from_str::<std::collections::BTreeMap<String, i32>>(&self.scores)
            .map(|s| s.values().sum())
            .unwrap_or(0)
    }
}
