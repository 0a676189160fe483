//! Mentor-apprentice pairs: made by a school's leaders for one or more terms, logged by the
//! pair, counted against the district's pair rules, evaluated at the end of each term.

use super::quotas::{self, PairActivity, ProgressView};
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, List, PageQuery, Valid};
use crate::state::AppState;
use crate::validate;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::DurationRound;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tingke_models::mentorships::{self as pairs, Activity, Evaluation, Filter, Mentorship};
use tingke_models::observations::{self as obs, local_date};
use tingke_models::quotas as rules;
use tingke_models::rules::counting;
use tingke_models::{members, schools, terms, DbConn};
use validator::{Validate, ValidationError};

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/mentorships", create)
        .add(Method::GET, "/v1/mentorships", list)
        .add(Method::GET, "/v1/mentorships/{id}", get)
        .add(Method::POST, "/v1/mentorships/{id}/end", end)
        .add(
            Method::POST,
            "/v1/mentorships/{id}/activities",
            log_activity,
        )
        .add(
            Method::GET,
            "/v1/mentorships/{id}/activities",
            list_activities,
        )
        .add(Method::GET, "/v1/mentorships/{id}/progress", progress)
        .add(Method::POST, "/v1/mentorships/{id}/evaluations", evaluate)
        .add(
            Method::GET,
            "/v1/schools/{id}/mentorships/compliance",
            compliance,
        )
        .add(
            Method::GET,
            "/v1/schools/{id}/mentorships/compliance.csv",
            compliance,
        );
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewMentorship {
    /// Optional client id: a retried create answers the same pair.
    #[validate(custom(function = "validate::client_id"))]
    id: Option<String>,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    school_id: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    mentor_id: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    apprentice_id: String,
    #[validate(length(min = 1, max = 6, code = "invalid_length"))]
    term_ids: Vec<String>,
    #[serde(deserialize_with = "validate::names")]
    #[validate(
        length(min = 1, max = 10, code = "invalid_length"),
        custom(function = "validate::labels")
    )]
    subjects: Vec<String>,
    #[serde(default)]
    #[validate(
        length(max = 2000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    goals: String,
}

#[derive(Debug, Serialize)]
struct EvaluationView {
    id: String,
    term_id: String,
    rating: String,
    comments: String,
    evaluated_by: String,
    created_at: DateTime<Utc>,
}

impl From<Evaluation> for EvaluationView {
    fn from(e: Evaluation) -> EvaluationView {
        EvaluationView {
            id: e.id,
            term_id: e.term_id,
            rating: e.rating,
            comments: e.comments,
            evaluated_by: e.evaluated_by,
            created_at: e.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct MentorshipView {
    id: String,
    school_id: String,
    district_id: String,
    mentor_id: String,
    mentor_name: String,
    apprentice_id: String,
    apprentice_name: String,
    term_ids: Vec<String>,
    subjects: Vec<String>,
    goals: String,
    status: String,
    ended_at: Option<DateTime<Utc>>,
    end_reason: Option<String>,
    created_by: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluations: Option<Vec<EvaluationView>>,
}

pub(super) fn view(conn: &mut DbConn, m: Mentorship, full: bool) -> ApiResult<MentorshipView> {
    let names = obs::user_names(conn, &[m.mentor_id.clone(), m.apprentice_id.clone()])?;
    let term_ids = pairs::term_ids(conn, &m.id)?;
    let evaluations = match full {
        true => Some(
            pairs::evaluations(conn, &m.id)?
                .into_iter()
                .map(EvaluationView::from)
                .collect(),
        ),
        false => None,
    };
    Ok(render(m, &names, term_ids, evaluations))
}

fn render(
    m: Mentorship,
    names: &HashMap<String, String>,
    term_ids: Vec<String>,
    evaluations: Option<Vec<EvaluationView>>,
) -> MentorshipView {
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    MentorshipView {
        mentor_name: name(&m.mentor_id),
        apprentice_name: name(&m.apprentice_id),
        subjects: m.subject_list(),
        id: m.id,
        school_id: m.school_id,
        district_id: m.district_id,
        mentor_id: m.mentor_id,
        apprentice_id: m.apprentice_id,
        term_ids,
        goals: m.goals,
        status: m.status,
        ended_at: m.ended_at.map(|t| t.and_utc()),
        end_reason: m.end_reason,
        created_by: m.created_by,
        version: m.version,
        created_at: m.created_at.and_utc(),
        updated_at: m.updated_at.and_utc(),
        evaluations,
    }
}

/// A single pair, with its version as `ETag`.
fn respond(status: StatusCode, v: MentorshipView) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, crate::etag::tag(&v.id, v.version)))
        .json(v)
}

fn in_pair(caller: &Caller, m: &Mentorship) -> bool {
    caller.id() == m.mentor_id || caller.id() == m.apprentice_id
}

/// Who sees a pair: its two people, the readers of the whole school, the leader of a grade group
/// one of the two is in, the district's researchers, admins.
pub(super) fn can_see(caller: &Caller, m: &Mentorship) -> bool {
    in_pair(caller, m)
        || caller.sees_school_work(&m.school_id, &m.district_id)
        || caller.reads_person(&m.school_id, &m.mentor_id)
        || caller.reads_person(&m.school_id, &m.apprentice_id)
}

/// The pair when the caller may see it; 404 for everyone else.
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Mentorship> {
    pairs::find(conn, id)?
        .filter(|m| can_see(caller, m))
        .ok_or_else(ApiError::not_found)
}

/// The pair when the caller may manage it (principal, vice principal, dean, admin).
fn managed(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Mentorship> {
    let m = visible(conn, caller, id)?;
    match caller.is_senior_leader(&m.school_id) {
        true => Ok(m),
        false => Err(ApiError::forbidden()),
    }
}

/// Writes a changed pair as its next version; a concurrent change wins and this one gets 412.
fn save(conn: &mut DbConn, mut m: Mentorship) -> ApiResult<Mentorship> {
    let expected = m.version;
    m.version += 1;
    m.updated_at = tingke_models::now();
    match pairs::update_if_version(conn, &m, expected)? {
        true => Ok(m),
        false => Err(ApiError::stale()),
    }
}

fn not_member(field: &str) -> ApiError {
    ApiError::field(
        "member_not_in_school",
        field,
        "no member of this school has this id",
    )
}

enum Created {
    New(Box<MentorshipView>),
    Again(Box<MentorshipView>),
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: Valid<NewMentorship>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let created = state
        .write(move |conn| {
            let hash = super::request_hash(&body);
            let id = body.id.clone().unwrap_or_else(tingke_models::new_id);
            tingke_models::db::lock_key(conn, &id)?;
            if let Some(existing) = pairs::find(conn, &id)? {
                return match existing.created_by == caller.id() && existing.request_hash == hash {
                    true => Ok(Created::Again(Box::new(view(conn, existing, true)?))),
                    false => Err(ApiError::conflict("id_conflict")),
                };
            }
            // One apprentice's pairs are decided one at a time (the rules below look at them).
            tingke_models::db::lock_key(conn, &body.apprentice_id)?;
            let m = new_pair(conn, &caller, body, id, hash)?;
            Ok(Created::New(Box::new(view(conn, m, true)?)))
        })
        .await?;
    Ok(match created {
        Created::New(v) => respond(StatusCode::CREATED, *v),
        Created::Again(v) => respond(StatusCode::OK, *v),
    })
}

fn new_pair(
    conn: &mut DbConn,
    caller: &Caller,
    body: NewMentorship,
    id: String,
    hash: String,
) -> ApiResult<Mentorship> {
    let school = schools::find(conn, &body.school_id)?
        .filter(|s| caller.can_view_school(&s.id, &s.district_id))
        .ok_or_else(ApiError::not_found)?;
    if !caller.is_senior_leader(&school.id) {
        return Err(ApiError::forbidden());
    }
    if body.mentor_id == body.apprentice_id {
        return Err(ApiError::field(
            "cannot_mentor_self",
            "apprentice_id",
            "a teacher cannot mentor themselves",
        ));
    }
    for (field, user) in [
        ("mentor_id", &body.mentor_id),
        ("apprentice_id", &body.apprentice_id),
    ] {
        members::find(conn, user, &school.id)?.ok_or_else(|| not_member(field))?;
    }
    let mut term_ids = body.term_ids.clone();
    term_ids.sort();
    term_ids.dedup();
    for term_id in &term_ids {
        terms::find(conn, term_id)?
            .filter(|t| t.district_id == school.district_id)
            .ok_or_else(|| ApiError::field("term_not_found", "term_ids", "no such term"))?;
    }
    check_existing_pairs(conn, &body, &term_ids)?;
    let now = tingke_models::now();
    let m = Mentorship {
        id,
        school_id: school.id,
        district_id: school.district_id,
        mentor_id: body.mentor_id,
        apprentice_id: body.apprentice_id,
        subjects: serde_json::to_string(&body.subjects).unwrap_or_else(|_| "[]".into()),
        goals: body.goals,
        status: pairs::ACTIVE.into(),
        ended_at: None,
        end_reason: None,
        created_by: caller.id().to_string(),
        request_hash: hash,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    pairs::insert(conn, &m, &term_ids)?;
    Ok(m)
}

/// The same pair twice in a term, or a second active mentor for a subject, is a conflict.
fn check_existing_pairs(
    conn: &mut DbConn,
    body: &NewMentorship,
    term_ids: &[String],
) -> ApiResult<()> {
    for (other, other_terms) in pairs::active_of_apprentice(conn, &body.apprentice_id)? {
        let shared_term = other_terms.iter().any(|t| term_ids.contains(t));
        if other.mentor_id == body.mentor_id && shared_term {
            return Err(ApiError::conflict("pair_exists"));
        }
        if other
            .subject_list()
            .iter()
            .any(|s| body.subjects.contains(s))
        {
            return Err(ApiError::conflict("apprentice_has_mentor").detail(format!(
                "an active pair already covers one of the subjects {:?}",
                body.subjects
            )));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    school_id: Option<String>,
    term_id: Option<String>,
    mentor_id: Option<String>,
    apprentice_id: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

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
    let filter = Filter {
        school_id: q.school_id,
        term_id: q.term_id,
        mentor_id: caller.resolve(q.mentor_id),
        apprentice_id: caller.resolve(q.apprentice_id),
    };
    let visibility = caller.visibility();
    let list = state
        .read(move |conn| {
            let page = pairs::list(conn, &visibility, &filter, &page)?;
            let mut items = Vec::new();
            for m in page.items {
                items.push(view(conn, m, false)?);
            }
            Ok(List {
                items,
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
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let v = state
        .read(move |conn| {
            let m = visible(conn, &caller, &id)?;
            view(conn, m, true)
        })
        .await?;
    if let Some(not_modified) = crate::etag::not_modified(&req, &crate::etag::tag(&v.id, v.version))
    {
        return Ok(not_modified);
    }
    Ok(respond(StatusCode::OK, v))
}

#[derive(Debug, Deserialize, Validate)]
struct EndRequest {
    #[validate(
        length(min = 1, max = 500, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    reason: String,
}

async fn end(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<EndRequest>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = crate::etag::if_match(&req);
    let v = state
        .write(move |conn| {
            let mut m = managed(conn, &caller, &id)?;
            let reason = body.read()?.reason;
            if !m.is_active() {
                return Err(ApiError::conflict("mentorship_ended"));
            }
            crate::etag::check_match(if_match.as_deref(), &crate::etag::tag(&m.id, m.version))?;
            let now = tingke_models::now();
            m.status = pairs::ENDED.into();
            m.ended_at = Some(now);
            m.end_reason = Some(reason.trim().to_string());
            let m = save(conn, m)?;
            view(conn, m, true)
        })
        .await?;
    Ok(respond(StatusCode::OK, v))
}

fn valid_kind(k: &str) -> Result<(), ValidationError> {
    match pairs::KINDS.contains(&k) {
        true => Ok(()),
        false => Err(ValidationError::new("invalid_kind")),
    }
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewActivity {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[validate(custom(function = "valid_kind"))]
    kind: String,
    #[validate(custom(function = "validate::moment"))]
    occurred_at: DateTime<Utc>,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    notes: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    observation_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct ActivityView {
    id: String,
    mentorship_id: String,
    kind: String,
    occurred_at: DateTime<Utc>,
    occurred_on: String,
    term_id: String,
    notes: String,
    observation_id: Option<String>,
    logged_by: String,
    created_at: DateTime<Utc>,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> ActivityView {
        ActivityView {
            id: a.id,
            mentorship_id: a.mentorship_id,
            kind: a.kind,
            occurred_at: a.occurred_at.and_utc(),
            occurred_on: a.occurred_on,
            term_id: a.term_id,
            notes: a.notes,
            observation_id: a.observation_id,
            logged_by: a.logged_by,
            created_at: a.created_at.and_utc(),
        }
    }
}

async fn log_activity(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<NewActivity>,
) -> ApiResult<HttpResponse> {
    let pair_id = id.into_inner();
    let limits = state.config.counting.clone();
    let (status, v) = state
        .write(move |conn| {
            let m = visible(conn, &caller, &pair_id)?;
            if !in_pair(&caller, &m) {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "not_in_pair"));
            }
            let body = body.read()?;
            let occurred_at = tingke_models::to_micros(body.occurred_at.naive_utc());
            if occurred_at > tingke_models::now() + chrono::Duration::minutes(5) {
                return Err(ApiError::field(
                    "lesson_in_future",
                    "occurred_at",
                    "the activity has not happened yet",
                ));
            }
            tingke_models::db::lock_key(conn, &body.id)?;
            let hash = super::request_hash(&body);
            if let Some(existing) = pairs::find_activity(conn, &body.id)? {
                let same = existing.mentorship_id == m.id && existing.request_hash == hash;
                return match same {
                    true => Ok((StatusCode::OK, ActivityView::from(existing))),
                    false => Err(ApiError::conflict("id_conflict")),
                };
            }
            if !m.is_active() {
                return Err(ApiError::conflict("mentorship_ended"));
            }
            // One pair's activities are added one at a time, so that of two identical ones
            // sent at once (a double tap, each with its own id) the second sees the first.
            tingke_models::db::lock_key(conn, &m.id)?;
            let minute = occurred_at
                .duration_trunc(chrono::Duration::minutes(1))
                .unwrap_or(occurred_at);
            let same_minute = (minute, minute + chrono::Duration::minutes(1));
            if pairs::has_activity_between(conn, &m.id, &body.kind, same_minute)? {
                return Err(ApiError::conflict("duplicate_activity").detail(
                    "the pair has an activity of this kind at this minute; a retry keeps its id",
                ));
            }
            let a = new_activity(conn, &caller, &m, body, occurred_at, hash)?;
            check_term_open(conn, &a.term_id, &limits)?;
            pairs::insert_activity(conn, &a)?;
            Ok((StatusCode::CREATED, ActivityView::from(a)))
        })
        .await?;
    Ok(HttpResponse::build(status).json(v))
}

fn new_activity(
    conn: &mut DbConn,
    caller: &Caller,
    m: &Mentorship,
    body: NewActivity,
    occurred_at: chrono::NaiveDateTime,
    hash: String,
) -> ApiResult<Activity> {
    let day = local_date(occurred_at).format("%Y-%m-%d").to_string();
    let term = terms::containing(conn, &m.district_id, &day)?
        .filter(|t| pairs::term_ids(conn, &m.id).is_ok_and(|ids| ids.contains(&t.id)))
        .ok_or_else(|| {
            ApiError::field(
                "term_not_covered",
                "occurred_at",
                "the pair does not span the term of this day",
            )
        })?;
    check_observation(conn, m, &body.kind, body.observation_id.as_deref())?;
    Ok(Activity {
        id: body.id,
        mentorship_id: m.id.clone(),
        kind: body.kind,
        occurred_at,
        occurred_on: day,
        term_id: term.id,
        notes: body.notes,
        observation_id: body.observation_id,
        logged_by: caller.id().to_string(),
        request_hash: hash,
        created_at: tingke_models::now(),
    })
}

/// A term closed for more than its grace days gains no counts (`rules::counting`), and a pair's
/// activity is nothing but a count.
fn check_term_open(conn: &mut DbConn, term_id: &str, limits: &counting::Limits) -> ApiResult<()> {
    let ends_on = terms::find(conn, term_id)?.and_then(|t| crate::validate::parse_date(&t.ends_on));
    match ends_on
        .is_some_and(|e| counting::term_closed(e, local_date(tingke_models::now()), limits))
    {
        true => Err(ApiError::field(
            "term_closed",
            "occurred_at",
            "the term of this day is closed: its counts are final",
        )),
        false => Ok(()),
    }
}

/// An observing activity names a submitted observation in which the right one of the pair
/// observed the other; other kinds name none.
fn check_observation(
    conn: &mut DbConn,
    m: &Mentorship,
    kind: &str,
    observation_id: Option<&str>,
) -> ApiResult<()> {
    let wrong = || {
        ApiError::field(
            "observation_not_in_pair",
            "observation_id",
            "not a submitted observation of one of this pair by the other",
        )
    };
    let (observer, teacher) = match kind {
        pairs::MENTOR_OBSERVES => (&m.mentor_id, &m.apprentice_id),
        pairs::APPRENTICE_OBSERVES => (&m.apprentice_id, &m.mentor_id),
        _ => {
            return match observation_id {
                None => Ok(()),
                Some(_) => Err(wrong()),
            }
        }
    };
    let id = observation_id.ok_or_else(|| {
        ApiError::field(
            "observation_required",
            "observation_id",
            "an observing activity names its observation",
        )
    })?;
    let o = obs::find(conn, id)?.ok_or_else(wrong)?;
    match !o.is_draft() && &o.observer_id == observer && &o.teacher_id == teacher {
        true => Ok(()),
        false => Err(wrong()),
    }
}

async fn list_activities(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (id, page) = (id.into_inner(), query.page()?);
    let list = state
        .read(move |conn| {
            let m = visible(conn, &caller, &id)?;
            let page = pairs::activities(conn, &m.id, &page)?;
            Ok(List::from_page(page, ActivityView::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize)]
struct TermQuery {
    term_id: String,
}

#[derive(Debug, Serialize)]
struct PairProgress {
    mentorship_id: String,
    term_id: String,
    items: Vec<ProgressView>,
}

async fn progress(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<TermQuery>,
) -> ApiResult<HttpResponse> {
    let (id, term_id) = (id.into_inner(), query.into_inner().term_id);
    let body = state
        .read(move |conn| {
            let m = visible(conn, &caller, &id)?;
            let term = pair_term(conn, &m, &term_id)?;
            let window = quotas::term_window(&term)?;
            let rules = rules::list(conn, &m.district_id)?;
            let activities = pair_activities(conn, std::slice::from_ref(&m.id), &term.id)?;
            let items =
                quotas::pair_progress(&rules, &m.id, None, window, &activities, quotas::today());
            Ok(PairProgress {
                mentorship_id: m.id,
                term_id: term.id,
                items,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// A term the pair spans.
fn pair_term(conn: &mut DbConn, m: &Mentorship, term_id: &str) -> ApiResult<terms::Term> {
    let spans = pairs::term_ids(conn, &m.id)?.iter().any(|t| t == term_id);
    match spans {
        true => quotas::find_term(conn, term_id),
        false => Err(ApiError::new(StatusCode::NOT_FOUND, "term_not_found")),
    }
}

fn pair_activities(
    conn: &mut DbConn,
    ids: &[String],
    term_id: &str,
) -> ApiResult<Vec<PairActivity>> {
    Ok(pairs::activity_days(conn, ids, term_id)?)
}

#[derive(Debug, Deserialize, Validate)]
struct NewEvaluation {
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    term_id: String,
    #[validate(custom(function = "valid_rating"))]
    rating: String,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    comments: String,
}

fn valid_rating(r: &str) -> Result<(), ValidationError> {
    match pairs::RATINGS.contains(&r) {
        true => Ok(()),
        false => Err(ValidationError::new("invalid_rating")),
    }
}

async fn evaluate(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<NewEvaluation>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = crate::etag::if_match(&req);
    let v = state
        .write(move |conn| {
            let m = managed(conn, &caller, &id)?;
            let body = body.read()?;
            crate::etag::check_match(if_match.as_deref(), &crate::etag::tag(&m.id, m.version))?;
            let term = pair_term(conn, &m, &body.term_id)?;
            if pairs::evaluation_for(conn, &m.id, &term.id)?.is_some() {
                return Err(ApiError::conflict("already_evaluated"));
            }
            pairs::insert_evaluation(
                conn,
                &Evaluation {
                    id: tingke_models::new_id(),
                    mentorship_id: m.id.clone(),
                    term_id: term.id,
                    rating: body.rating,
                    comments: body.comments.trim().to_string(),
                    evaluated_by: caller.id().to_string(),
                    created_at: tingke_models::now(),
                },
            )
            .map_err(|e| match tingke_models::is_unique_violation(&e) {
                true => ApiError::conflict("already_evaluated"),
                false => e.into(),
            })?;
            // The evaluation is part of the pair's view: a new version, so cached copies and
            // stale `If-Match` headers see the change.
            let m = save(conn, m)?;
            view(conn, m, true)
        })
        .await?;
    Ok(respond(StatusCode::CREATED, v))
}

#[derive(Debug, Deserialize)]
struct ReportQuery {
    term_id: String,
    format: Option<String>,
}

#[derive(Debug, Serialize)]
struct PairRow {
    mentorship_id: String,
    mentor_id: String,
    mentor_name: String,
    apprentice_id: String,
    apprentice_name: String,
    status: String,
    behind: bool,
    items: Vec<ProgressView>,
}

#[derive(Debug, Serialize)]
struct PairCompliance {
    school_id: String,
    term_id: String,
    rows: Vec<PairRow>,
}

async fn compliance(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let csv = quotas::wants_csv(&req, q.format.as_deref())?;
    let school = super::schools::visible_school(&caller, &state, id.into_inner()).await?;
    if !caller.sees_school_work(&school.id, &school.district_id) {
        return Err(ApiError::forbidden());
    }
    let report = state
        .read(move |conn| {
            let term = quotas::find_term(conn, &q.term_id)?;
            if term.district_id != school.district_id {
                return Err(ApiError::new(StatusCode::NOT_FOUND, "term_not_found"));
            }
            let window = quotas::term_window(&term)?;
            let rules = rules::list(conn, &term.district_id)?;
            let list = pairs::in_term(conn, &term.id, Some(&school.id), None)?;
            let ids: Vec<String> = list.iter().map(|m| m.id.clone()).collect();
            let activities = pair_activities(conn, &ids, &term.id)?;
            let people: Vec<String> = list
                .iter()
                .flat_map(|m| [m.mentor_id.clone(), m.apprentice_id.clone()])
                .collect();
            let names = obs::user_names(conn, &people)?;
            let today = quotas::today();
            let rows = list
                .into_iter()
                .map(|m| {
                    let items =
                        quotas::pair_progress(&rules, &m.id, None, window, &activities, today);
                    pair_row(m, &names, items)
                })
                .collect();
            Ok(PairCompliance {
                school_id: school.id,
                term_id: term.id,
                rows,
            })
        })
        .await?;
    match csv {
        true => csv_response(&report),
        false => Ok(HttpResponse::Ok().json(report)),
    }
}

fn pair_row(m: Mentorship, names: &HashMap<String, String>, items: Vec<ProgressView>) -> PairRow {
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    PairRow {
        mentor_name: name(&m.mentor_id),
        apprentice_name: name(&m.apprentice_id),
        behind: items.iter().any(|i| !i.is_on_pace()),
        mentorship_id: m.id,
        mentor_id: m.mentor_id,
        apprentice_id: m.apprentice_id,
        status: m.status,
        items,
    }
}

/// One line per pair and rule, UTF-8 with a BOM for spreadsheets.
fn csv_response(report: &PairCompliance) -> ApiResult<HttpResponse> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record([
        "师父",
        "徒弟",
        "结对ID",
        "状态",
        "规则",
        "要求",
        "完成",
        "剩余",
        "进度正常",
    ])
    .map_err(ApiError::internal)?;
    for row in &report.rows {
        for item in &row.items {
            out.write_record([
                quotas::cell(&row.mentor_name),
                quotas::cell(&row.apprentice_name),
                row.mentorship_id.clone(),
                row.status.clone(),
                item.activity_label().to_string(),
                item.required().to_string(),
                item.done().to_string(),
                item.remaining().to_string(),
                if item.is_on_pace() { "是" } else { "否" }.to_string(),
            ])
            .map_err(ApiError::internal)?;
        }
    }
    let body = out.into_inner().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"mentorships-{}.csv\"",
                report.term_id
            ),
        ))
        .body(body))
}
