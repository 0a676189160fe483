//! Lessons as events (POLICY.md, "Lessons as events and district staff"): a leader, group leader
//! or researcher schedules an announced lesson (research, viewing, demonstration, report,
//! open-week lesson) for a teacher of the school or a researcher of its district; attendees check
//! in from the phone and their observations name the event; the event shows its attendance and
//! its feedback. A school's teaching open week holds such lessons and counts for the school's
//! rule. The rules are in `tingke_models::rules::events`.

use super::checks::{send, Answer, Versioned};
use super::observations::{self as observation_routes, ObservationView};
use super::schools::school_seen;
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::{optional_json, Body, List, PageQuery};
use crate::state::AppState;
use crate::validate;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tingke_models::events::{self, open_week, Event, OpenWeek};
use tingke_models::observations::{self as obs, Observation};
use tingke_models::rules::events as rule;
use tingke_models::schools::School;
use tingke_models::{groups, meetings, DbConn};
use validator::{Validate, ValidationError};

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/schools/{id}/events", schedule)
        .add(Method::GET, "/v1/events", list)
        .add(Method::GET, "/v1/events/{id}", get)
        .add(Method::PATCH, "/v1/events/{id}", edit)
        .add(Method::DELETE, "/v1/events/{id}", cancel)
        .add(Method::POST, "/v1/events/{id}/check-in", check_in)
        .add(
            Method::POST,
            "/v1/schools/{id}/open-weeks",
            open_week_create,
        )
        .add(Method::GET, "/v1/schools/{id}/open-weeks", open_week_list)
        .add(Method::GET, "/v1/open-weeks/{id}", open_week_get)
        .add(Method::PATCH, "/v1/open-weeks/{id}", open_week_edit)
        .add(Method::DELETE, "/v1/open-weeks/{id}", open_week_delete);
}

fn valid_kind(k: &str) -> Result<(), ValidationError> {
    rule::kind(k).map_err(|b| ValidationError::new(b.code))
}

/// A place may be left blank (the usual classroom).
fn place_text(s: &str) -> Result<(), ValidationError> {
    match s.is_empty() {
        true => Ok(()),
        false => validate::plain_text(s),
    }
}

/// What an event is: on scheduling, and (all of it again) on edit.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct Plan {
    #[validate(custom(function = "valid_kind"))]
    kind: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    teacher_id: String,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 30, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    subject: String,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 20, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    grade: String,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 50, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    class_name: String,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 200, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    topic: String,
    #[serde(default, deserialize_with = "validate::name")]
    #[validate(
        length(max = 100, code = "invalid_length"),
        custom(function = "place_text")
    )]
    place: String,
    #[validate(custom(function = "validate::moment"))]
    starts_at: DateTime<Utc>,
    #[validate(custom(function = "validate::moment"))]
    ends_at: DateTime<Utc>,
    /// Who is invited: people of the school and staff of its district.
    #[serde(default)]
    #[validate(length(max = 200, code = "invalid_length"))]
    invited: Vec<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    open_week_id: Option<String>,
    /// The group activity the lesson is part of (a research lesson of a subject group's weekly
    /// activity counts for both).
    #[serde(default)]
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    meeting_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewEvent {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[serde(flatten)]
    #[validate(nested)]
    plan: Plan,
}

#[derive(Debug, Default, Deserialize, Validate)]
struct CheckIn {
    /// When the attendee was there (a phone offline checks in later); now when left out.
    #[validate(custom(function = "validate::moment"))]
    at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub(super) struct Attendee {
    user_id: String,
    name: String,
    checked_in_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub(super) struct EventView {
    id: String,
    school_id: String,
    district_id: String,
    kind: String,
    teacher_id: String,
    teacher_name: String,
    subject: String,
    grade: String,
    class_name: String,
    topic: String,
    place: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    lesson_date: String,
    invited: Vec<String>,
    open_week_id: Option<String>,
    meeting_id: Option<String>,
    created_by: String,
    /// Who checked in (or observed it), by time.
    attendance: Vec<Attendee>,
    /// The submitted observations of it the caller may read: its feedback (on `getEvent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    feedback: Option<Vec<ObservationView>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Versioned for EventView {
    fn tag(&self) -> (&str, i32) {
        (&self.id, self.version)
    }
}

/// An event with its attendance, and its feedback when `feedback` names the reader.
pub(super) fn view(conn: &mut DbConn, e: Event, feedback: Option<&Caller>) -> ApiResult<EventView> {
    let feedback = match feedback {
        Some(caller) => Some(feedback_of(conn, caller, &e.id)?),
        None => None,
    };
    let mut v = views(conn, vec![e])?
        .pop()
        .ok_or_else(|| ApiError::internal("no view"))?;
    v.feedback = feedback;
    Ok(v)
}

/// Events with their attendance, as lists and sync show them: two queries for all of them.
pub(super) fn views(conn: &mut DbConn, list: Vec<Event>) -> ApiResult<Vec<EventView>> {
    let ids: Vec<String> = list.iter().map(|e| e.id.clone()).collect();
    let mut attendance: HashMap<String, Vec<(String, NaiveDateTime)>> = HashMap::new();
    for (event, user, at) in events::attendance_of(conn, &ids)? {
        attendance.entry(event).or_default().push((user, at));
    }
    let mut people: Vec<String> = attendance
        .values()
        .flatten()
        .map(|(user, _)| user.clone())
        .collect();
    people.extend(list.iter().map(|e| e.teacher_id.clone()));
    let names = obs::user_names(conn, &people)?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    Ok(list
        .into_iter()
        .map(|e| EventView {
            invited: e.invited_ids(),
            teacher_name: name(&e.teacher_id),
            attendance: attendance
                .remove(&e.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(user_id, at)| Attendee {
                    name: name(&user_id),
                    user_id,
                    checked_in_at: at.and_utc(),
                })
                .collect(),
            feedback: None,
            id: e.id,
            school_id: e.school_id,
            district_id: e.district_id,
            kind: e.kind,
            teacher_id: e.teacher_id,
            subject: e.subject,
            grade: e.grade,
            class_name: e.class_name,
            topic: e.topic,
            place: e.place,
            starts_at: e.starts_at.and_utc(),
            ends_at: e.ends_at.and_utc(),
            lesson_date: e.lesson_date,
            open_week_id: e.open_week_id,
            meeting_id: e.meeting_id,
            created_by: e.created_by,
            version: e.version,
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        })
        .collect())
}

/// The submitted observations of the event that the caller may read.
fn feedback_of(
    conn: &mut DbConn,
    caller: &Caller,
    event_id: &str,
) -> ApiResult<Vec<ObservationView>> {
    let shown: Vec<Observation> = events::observations_of(conn, event_id)?
        .into_iter()
        .filter(|o| !o.is_draft() && observation_routes::can_see(caller, o))
        .collect();
    observation_routes::summaries(conn, shown)
}

/// Whoever sees the school sees its announced lessons: they are public to it.
pub(super) fn can_see(caller: &Caller, e: &Event) -> bool {
    caller.can_view_school(&e.school_id, &e.district_id)
}

/// Who schedules in a school (`rules::events::may_schedule`), and admins.
fn may_schedule(conn: &mut DbConn, caller: &Caller, school: &School) -> ApiResult<bool> {
    let staff = caller.is_district_staff(&school.district_id);
    if caller.is_admin() || staff {
        return Ok(true);
    }
    let leads_a_group = groups::led_by(conn, caller.id())?
        .iter()
        .any(|g| g.school_id == school.id);
    let roles = caller.school_roles(&school.id);
    Ok(rule::may_schedule(&roles, leads_a_group, staff))
}

/// Who changes or cancels an event: who scheduled it, the school's senior leaders, admins.
fn may_change(caller: &Caller, e: &Event) -> bool {
    e.created_by == caller.id() || caller.is_senior_leader(&e.school_id)
}

fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Event> {
    events::find(conn, id)?
        .filter(|e| can_see(caller, e))
        .ok_or_else(ApiError::not_found)
}

fn micros(t: DateTime<Utc>) -> NaiveDateTime {
    tingke_models::to_micros(t.naive_utc())
}

/// The plan against the rules and the school: its teacher, invitees, open week and group
/// activity belong to it.
fn check(conn: &mut DbConn, school: &School, p: &Plan) -> ApiResult<()> {
    let (starts_at, ends_at) = (micros(p.starts_at), micros(p.ends_at));
    rule::times(starts_at, ends_at)?;
    let place = (school.id.as_str(), school.district_id.as_str());
    observation_routes::teaches_in(conn, &p.teacher_id, place)?;
    let may_attend = events::who_may_attend(conn, &p.invited, place)?;
    if let Some(stranger) = p.invited.iter().find(|id| !may_attend.contains(*id)) {
        return Err(ApiError::field(
            "invalid_invitee",
            "invited",
            format!("{stranger} is neither of this school nor of its district's staff"),
        ));
    }
    let week = match &p.open_week_id {
        Some(id) => {
            let w = open_week::find(conn, id)?
                .filter(|w| w.school_id == school.id)
                .ok_or_else(|| {
                    ApiError::field("open_week_not_found", "open_week_id", "no such open week")
                })?;
            Some((day(&w.starts_on)?, day(&w.ends_on)?))
        }
        None => None,
    };
    rule::in_open_week(&p.kind, obs::local_date(starts_at), week)?;
    if let Some(id) = &p.meeting_id {
        meetings::find(conn, id)?
            .filter(|m| m.school_id == school.id)
            .ok_or_else(|| {
                ApiError::field("meeting_not_found", "meeting_id", "no such group activity")
            })?;
    }
    Ok(())
}

fn day(s: &str) -> ApiResult<chrono::NaiveDate> {
    validate::parse_date(s).ok_or_else(|| ApiError::internal("a stored day is not a date"))
}

fn fill(e: &mut Event, p: Plan) {
    let mut invited = p.invited;
    invited.sort();
    invited.dedup();
    e.kind = p.kind;
    e.teacher_id = p.teacher_id;
    e.subject = p.subject;
    e.grade = p.grade;
    e.class_name = p.class_name;
    e.topic = p.topic;
    e.place = p.place;
    e.starts_at = micros(p.starts_at);
    e.ends_at = micros(p.ends_at);
    e.lesson_date = obs::local_date(e.starts_at).format("%Y-%m-%d").to_string();
    e.invited = serde_json::to_string(&invited).unwrap_or_else(|_| "[]".into());
    e.open_week_id = p.open_week_id;
    e.meeting_id = p.meeting_id;
}

fn save(conn: &mut DbConn, e: Event) -> ApiResult<Event> {
    events::save(conn, e)?.ok_or_else(ApiError::stale)
}

fn respond(conn: &mut DbConn, status: StatusCode, e: Event) -> ApiResult<Answer<EventView>> {
    Ok((status, view(conn, e, None)?))
}

async fn schedule(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    body: Body<NewEvent>,
) -> ApiResult<HttpResponse> {
    let school_id = school_id.into_inner();
    state
        .write(move |conn| {
            let school = school_seen(conn, &caller, &school_id)?;
            if !may_schedule(conn, &caller, &school)? {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let hash = super::request_hash(&(&school.id, &body));
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = events::find_any(conn, &body.id)? {
                let same = existing.created_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                let (status, e) = super::again(same, existing)?;
                return respond(conn, status, e);
            }
            check(conn, &school, &body.plan)?;
            let now = tingke_models::now();
            let mut e = Event {
                id: body.id,
                school_id: school.id,
                district_id: school.district_id,
                kind: String::new(),
                teacher_id: String::new(),
                subject: String::new(),
                grade: String::new(),
                class_name: String::new(),
                topic: String::new(),
                place: String::new(),
                starts_at: now,
                ends_at: now,
                lesson_date: String::new(),
                invited: String::new(),
                open_week_id: None,
                meeting_id: None,
                created_by: caller.id().to_string(),
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            fill(&mut e, body.plan);
            events::insert(conn, &e)?;
            respond(conn, StatusCode::CREATED, e)
        })
        .await
        .map(send)
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    school_id: Option<String>,
    open_week_id: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

fn query_date(d: Option<String>, name: &str) -> ApiResult<Option<String>> {
    match d {
        Some(d) if validate::parse_date(&d).is_none() => {
            Err(ApiError::bad_request("invalid_query").detail(format!("{name}: YYYY-MM-DD")))
        }
        d => Ok(d),
    }
}

/// The events of the schools the caller sees (every school of a district for its staff), by
/// when they were scheduled.
async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = PageQuery {
        cursor: q.cursor,
        limit: q.limit,
    }
    .page()?;
    if let Some(kind) = &q.kind {
        rule::kind(kind).map_err(|_| ApiError::bad_request("invalid_query").detail("kind"))?;
    }
    let filter = events::Filter {
        school_ids: caller
            .memberships
            .iter()
            .filter_map(|m| m.school_id.clone())
            .collect(),
        district_ids: caller.district_staff_ids(),
        all: caller.is_admin(),
        school_id: q.school_id,
        open_week_id: q.open_week_id,
        kind: q.kind,
        from: query_date(q.from, "from")?,
        to: query_date(q.to, "to")?,
    };
    let list = state
        .read(move |conn| {
            let page = events::list(conn, &filter, &page)?;
            Ok(List {
                items: views(conn, page.items)?,
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let v = state
        .read(move |conn| {
            let e = visible(conn, &caller, &id)?;
            view(conn, e, Some(&caller))
        })
        .await?;
    // No 304: the feedback changes without the event, whose version the tag is (for If-Match).
    Ok(send((StatusCode::OK, v)))
}

async fn edit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<Plan>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let mut e = visible(conn, &caller, &id)?;
            if !may_change(&caller, &e) {
                return Err(ApiError::forbidden());
            }
            let plan = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&e.id, e.version))?;
            let school = school_seen(conn, &caller, &e.school_id)?;
            check(conn, &school, &plan)?;
            let observed = events::observation_count(conn, &e.id)? > 0;
            let lesson = (e.kind.clone(), e.teacher_id.clone(), e.starts_at, e.ends_at);
            fill(&mut e, plan);
            if observed && lesson != (e.kind.clone(), e.teacher_id.clone(), e.starts_at, e.ends_at)
            {
                return Err(ApiError::conflict("event_has_observations")
                    .detail("observed: its kind, teacher and time stay"));
            }
            let e = save(conn, e)?;
            respond(conn, StatusCode::OK, e)
        })
        .await
        .map(send)
}

async fn cancel(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let mut e = visible(conn, &caller, &id)?;
            if !may_change(&caller, &e) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&e.id, e.version))?;
            if events::observation_count(conn, &e.id)? > 0 {
                return Err(ApiError::conflict("event_has_observations"));
            }
            e.deleted_at = Some(tingke_models::now());
            save(conn, e).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An attendee checks in (again: the first time stays).
async fn check_in(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let body: Option<CheckIn> = optional_json(&req, &body)?;
    let body = body.unwrap_or_default();
    body.validate()?;
    state
        .write(move |conn| {
            let e = visible(conn, &caller, &id)?;
            if !caller.can_observe_in(&e.school_id, &e.district_id) {
                return Err(ApiError::forbidden());
            }
            if e.teacher_id == caller.id() {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "own_lesson"));
            }
            let now = tingke_models::now();
            let at = body.at.map_or(now, micros);
            rule::check_in_at(at, (e.starts_at, e.ends_at), now)?;
            events::check_in(conn, &e.id, caller.id(), at)?;
            let e = events::find(conn, &e.id)?.ok_or_else(ApiError::not_found)?;
            respond(conn, StatusCode::OK, e)
        })
        .await
        .map(send)
}

/// An observation that names an event saw it (`rules::events::same_lesson`), and its observer
/// attended it: the observation checks them in.
pub(super) fn attend_observed(conn: &mut DbConn, o: &Observation) -> ApiResult<()> {
    let Some(event_id) = &o.event_id else {
        return Ok(());
    };
    let e = events::find(conn, event_id)?
        .filter(|e| e.school_id == o.school_id)
        .ok_or_else(|| ApiError::field("event_not_found", "event_id", "no such event here"))?;
    let seen = |teacher_id, kind, started_at, ended_at| rule::Seen {
        teacher_id,
        kind,
        started_at,
        ended_at,
    };
    rule::same_lesson(
        &seen(&o.teacher_id, &o.kind, o.started_at, o.ended_at),
        &seen(&e.teacher_id, &e.kind, e.starts_at, e.ends_at),
    )?;
    events::check_in(conn, &e.id, &o.observer_id, o.started_at)?;
    Ok(())
}

// ------------------------------------------------------------------ open weeks

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct WeekPlan {
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 100, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    title: String,
    #[validate(custom(function = "validate::date"))]
    starts_on: String,
    #[validate(custom(function = "validate::date"))]
    ends_on: String,
    /// Who came from outside: parents of a class, another school, the bureau.
    #[serde(default, deserialize_with = "validate::names")]
    #[validate(
        length(max = 50, code = "invalid_length"),
        custom(function = "validate::labels")
    )]
    visitors: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewOpenWeek {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[serde(flatten)]
    #[validate(nested)]
    plan: WeekPlan,
}

#[derive(Debug, Serialize)]
pub(super) struct OpenWeekView {
    id: String,
    school_id: String,
    district_id: String,
    title: String,
    starts_on: String,
    ends_on: String,
    visitors: Vec<String>,
    /// How many lessons it holds.
    lesson_count: i64,
    /// Its lessons (on `getOpenWeek`).
    #[serde(skip_serializing_if = "Option::is_none")]
    lessons: Option<Vec<EventView>>,
    created_by: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Versioned for OpenWeekView {
    fn tag(&self) -> (&str, i32) {
        (&self.id, self.version)
    }
}

pub(super) fn week_view(
    conn: &mut DbConn,
    w: OpenWeek,
    with_lessons: bool,
) -> ApiResult<OpenWeekView> {
    let lessons = match with_lessons {
        true => {
            let lessons = lessons_of(conn, &w.id)?;
            Some(views(conn, lessons)?)
        }
        false => None,
    };
    Ok(OpenWeekView {
        lesson_count: events::lessons_in(conn, &w.id)?,
        lessons,
        visitors: serde_json::from_str(&w.visitors).unwrap_or_default(),
        id: w.id,
        school_id: w.school_id,
        district_id: w.district_id,
        title: w.title,
        starts_on: w.starts_on,
        ends_on: w.ends_on,
        created_by: w.created_by,
        version: w.version,
        created_at: w.created_at.and_utc(),
        updated_at: w.updated_at.and_utc(),
    })
}

/// The live lessons of an open week (a week holds a few dozen at most: the first 100).
fn lessons_of(conn: &mut DbConn, week_id: &str) -> ApiResult<Vec<Event>> {
    let filter = events::Filter {
        all: true,
        open_week_id: Some(week_id.to_string()),
        ..Default::default()
    };
    let page = tingke_models::page::PageRequest::parse(None, Some(100))
        .map_err(|_| ApiError::internal("page"))?;
    Ok(events::list(conn, &filter, &page)?.items)
}

/// The school's principal, vice principals and deans hold its open week (and admins).
fn may_hold_open_week(caller: &Caller, school_id: &str) -> bool {
    caller.is_senior_leader(school_id)
}

fn check_week(p: &WeekPlan) -> ApiResult<()> {
    rule::open_week_days(day(&p.starts_on)?, day(&p.ends_on)?)?;
    Ok(())
}

fn fill_week(w: &mut OpenWeek, p: WeekPlan) {
    w.title = p.title;
    w.starts_on = p.starts_on;
    w.ends_on = p.ends_on;
    w.visitors = serde_json::to_string(&p.visitors).unwrap_or_else(|_| "[]".into());
}

fn visible_week(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<OpenWeek> {
    open_week::find(conn, id)?
        .filter(|w| caller.can_view_school(&w.school_id, &w.district_id))
        .ok_or_else(ApiError::not_found)
}

fn week_answer(
    conn: &mut DbConn,
    status: StatusCode,
    w: OpenWeek,
) -> ApiResult<Answer<OpenWeekView>> {
    Ok((status, week_view(conn, w, false)?))
}

async fn open_week_create(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    body: Body<NewOpenWeek>,
) -> ApiResult<HttpResponse> {
    let school_id = school_id.into_inner();
    state
        .write(move |conn| {
            let school = school_seen(conn, &caller, &school_id)?;
            if !may_hold_open_week(&caller, &school.id) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let hash = super::request_hash(&(&school.id, &body));
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = open_week::find_any(conn, &body.id)? {
                let same = existing.created_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                let (status, w) = super::again(same, existing)?;
                return week_answer(conn, status, w);
            }
            check_week(&body.plan)?;
            let now = tingke_models::now();
            let mut w = OpenWeek {
                id: body.id,
                school_id: school.id,
                district_id: school.district_id,
                title: String::new(),
                starts_on: String::new(),
                ends_on: String::new(),
                visitors: String::new(),
                created_by: caller.id().to_string(),
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            fill_week(&mut w, body.plan);
            open_week::insert(conn, &w)?;
            week_answer(conn, StatusCode::CREATED, w)
        })
        .await
        .map(send)
}

async fn open_week_list(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let school_id = school_id.into_inner();
    let items = state
        .read(move |conn| {
            let school = school_seen(conn, &caller, &school_id)?;
            let mut items = Vec::new();
            for w in events::open_weeks_of(conn, &school.id)? {
                items.push(week_view(conn, w, false)?);
            }
            Ok(items)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn open_week_get(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let v = state
        .read(move |conn| {
            let w = visible_week(conn, &caller, &id)?;
            week_view(conn, w, true)
        })
        .await?;
    Ok(send((StatusCode::OK, v)))
}

async fn open_week_edit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<WeekPlan>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let mut w = visible_week(conn, &caller, &id)?;
            if !may_hold_open_week(&caller, &w.school_id) {
                return Err(ApiError::forbidden());
            }
            let plan = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&w.id, w.version))?;
            check_week(&plan)?;
            fill_week(&mut w, plan);
            lessons_stay_inside(conn, &w)?;
            let w = open_week::save(conn, w)?.ok_or_else(ApiError::stale)?;
            week_answer(conn, StatusCode::OK, w)
        })
        .await
        .map(send)
}

/// An open week's new days must still hold every lesson scheduled in it.
fn lessons_stay_inside(conn: &mut DbConn, w: &OpenWeek) -> ApiResult<()> {
    let outside = lessons_of(conn, &w.id)?
        .iter()
        .any(|e| e.lesson_date < w.starts_on || e.lesson_date > w.ends_on);
    match outside {
        true => Err(ApiError::conflict("open_week_has_lessons")
            .detail("a lesson of the week would fall outside its days")),
        false => Ok(()),
    }
}

async fn open_week_delete(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let mut w = visible_week(conn, &caller, &id)?;
            if !may_hold_open_week(&caller, &w.school_id) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&w.id, w.version))?;
            if events::lessons_in(conn, &w.id)? > 0 {
                return Err(ApiError::conflict("open_week_has_lessons"));
            }
            w.deleted_at = Some(tingke_models::now());
            open_week::save(conn, w)?.ok_or_else(ApiError::stale)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
