//! Lesson observations: created offline with the phone's own id, edited as drafts with `If-Match`,
//! submitted (and then counted), acknowledged by the teacher, corrected only with an audit trail.

use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::{optional_json, Body, List, PageQuery, Valid};
use crate::reference::Reference;
use crate::state::AppState;
use crate::validate;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tingke_models::members::Membership;
use tingke_models::observations::{self as obs, Correction, Filter, Observation};
use tingke_models::rubrics::{self, Rubric, ScoreError};
use tingke_models::rules::counting;
use tingke_models::{members, quotas, schools, terms, DbConn};
use validator::{Validate, ValidationError};

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/observations", create)
        .add(Method::GET, "/v1/observations", list)
        .add(Method::GET, "/v1/observations/{id}", get)
        .add(Method::PATCH, "/v1/observations/{id}", update)
        .add(Method::DELETE, "/v1/observations/{id}", delete)
        .add(Method::POST, "/v1/observations/{id}/submit", submit)
        .add(
            Method::POST,
            "/v1/observations/{id}/acknowledge",
            acknowledge,
        )
        .add(Method::POST, "/v1/observations/{id}/corrections", correct);
}

/// Clocks of phones drift: a lesson may start this far "in the future".
const CLOCK_SKEW_MINUTES: i64 = 5;

fn valid_kind(k: &str) -> Result<(), ValidationError> {
    match obs::KINDS.contains(&k) {
        true => Ok(()),
        false => Err(ValidationError::new("invalid_kind")),
    }
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewObservation {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    school_id: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    teacher_id: String,
    #[validate(custom(function = "valid_kind"))]
    kind: String,
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
    #[validate(custom(function = "validate::moment"))]
    started_at: DateTime<Utc>,
    #[validate(custom(function = "validate::moment"))]
    ended_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "validate::unique_keys")]
    scores: BTreeMap<String, i32>,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    strengths: String,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    suggestions: String,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    comments: String,
    /// The announced lesson (event) observed: its teacher, kind and time must be the
    /// observation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    event_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate)]
struct ObservationPatch {
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    teacher_id: Option<String>,
    #[validate(custom(function = "valid_kind"))]
    kind: Option<String>,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 30, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    subject: Option<String>,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 20, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    grade: Option<String>,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 50, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    class_name: Option<String>,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 200, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    topic: Option<String>,
    #[validate(custom(function = "validate::moment"))]
    started_at: Option<DateTime<Utc>>,
    #[validate(custom(function = "validate::moment"))]
    ended_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "validate::unique_keys_opt")]
    scores: Option<BTreeMap<String, i32>>,
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    strengths: Option<String>,
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    suggestions: Option<String>,
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    comments: Option<String>,
}

#[derive(Debug, Deserialize, Validate)]
struct AcknowledgeRequest {
    #[serde(default)]
    #[validate(
        length(max = 2000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    reply: Option<String>,
}

#[derive(Debug, Deserialize, Validate)]
struct CorrectionRequest {
    #[validate(
        length(min = 1, max = 500, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    reason: String,
    #[serde(default, deserialize_with = "validate::unique_keys_opt")]
    scores: Option<BTreeMap<String, i32>>,
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    strengths: Option<String>,
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    suggestions: Option<String>,
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    comments: Option<String>,
}

#[derive(Debug, Serialize)]
struct CorrectionView {
    id: String,
    corrected_by: String,
    corrected_by_name: String,
    reason: String,
    changes: serde_json::Value,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub(super) struct ObservationView {
    id: String,
    school_id: String,
    district_id: String,
    term_id: Option<String>,
    rubric_id: String,
    observer_id: String,
    observer_name: String,
    teacher_id: String,
    teacher_name: String,
    kind: String,
    subject: String,
    grade: String,
    class_name: String,
    topic: String,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    lesson_date: String,
    scores: BTreeMap<String, i32>,
    total_score: i32,
    strengths: String,
    suggestions: String,
    comments: String,
    status: String,
    submitted_at: Option<DateTime<Utc>>,
    counted: bool,
    not_counted_reason: Option<String>,
    /// Recorded more than a week after the lesson: counted, but it fills no past week.
    late: bool,
    acknowledged_at: Option<DateTime<Utc>>,
    teacher_reply: Option<String>,
    /// The event (announced lesson) observed, if any.
    event_id: Option<String>,
    /// Counted, and the observation through which the lesson counts for its teacher (a lesson
    /// seen by several counts once for the teacher who gave it).
    counts_for_teacher: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    corrections: Option<Vec<CorrectionView>>,
}

/// An observation with the names a screen shows, and its corrections when `full`.
pub(super) fn view(conn: &mut DbConn, o: Observation, full: bool) -> ApiResult<ObservationView> {
    let corrections = match full {
        true => Some(obs::corrections(conn, &o.id)?),
        false => None,
    };
    let mut ids = vec![o.observer_id.clone(), o.teacher_id.clone()];
    ids.extend(corrections.iter().flatten().map(|c| c.corrected_by.clone()));
    let names = obs::user_names(conn, &ids)?;
    Ok(render(o, &names, corrections))
}

/// Observations without their corrections, as lists show them: one name query for all.
pub(super) fn summaries(
    conn: &mut DbConn,
    list: Vec<Observation>,
) -> ApiResult<Vec<ObservationView>> {
    let ids: Vec<String> = list
        .iter()
        .flat_map(|o| [o.observer_id.clone(), o.teacher_id.clone()])
        .collect();
    let names = obs::user_names(conn, &ids)?;
    Ok(list.into_iter().map(|o| render(o, &names, None)).collect())
}

fn render(
    o: Observation,
    names: &std::collections::HashMap<String, String>,
    corrections: Option<Vec<Correction>>,
) -> ObservationView {
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let utc = |t: NaiveDateTime| t.and_utc();
    ObservationView {
        observer_name: name(&o.observer_id),
        teacher_name: name(&o.teacher_id),
        corrections: corrections.map(|cs| {
            cs.into_iter()
                .map(|c| CorrectionView {
                    corrected_by_name: name(&c.corrected_by),
                    id: c.id,
                    corrected_by: c.corrected_by,
                    reason: c.reason,
                    changes: serde_json::from_str(&c.changes).unwrap_or_default(),
                    created_at: utc(c.created_at),
                })
                .collect()
        }),
        scores: serde_json::from_str(&o.scores).unwrap_or_default(),
        id: o.id,
        school_id: o.school_id,
        district_id: o.district_id,
        term_id: o.term_id,
        rubric_id: o.rubric_id,
        observer_id: o.observer_id,
        teacher_id: o.teacher_id,
        kind: o.kind,
        subject: o.subject,
        grade: o.grade,
        class_name: o.class_name,
        topic: o.topic,
        started_at: utc(o.started_at),
        ended_at: utc(o.ended_at),
        recorded_at: utc(o.recorded_at),
        lesson_date: o.lesson_date,
        total_score: o.total_score,
        strengths: o.strengths,
        suggestions: o.suggestions,
        comments: o.comments,
        status: o.status,
        submitted_at: o.submitted_at.map(utc),
        counted: o.counted,
        not_counted_reason: o.not_counted_reason,
        late: o.late,
        acknowledged_at: o.acknowledged_at.map(utc),
        teacher_reply: o.teacher_reply,
        event_id: o.event_id,
        counts_for_teacher: o.counts_for_teacher,
        version: o.version,
        created_at: utc(o.created_at),
        updated_at: utc(o.updated_at),
    }
}

fn respond(status: StatusCode, v: ObservationView) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag::tag(&v.id, v.version)))
        .json(v)
}

/// Whether the caller sees one observation: its observer always; once submitted, its teacher,
/// the readers of the whole school (`sees_school_work`) and the leader of a grade group that
/// its teacher or its observer is in.
pub(super) fn can_see(caller: &Caller, o: &Observation) -> bool {
    o.observer_id == caller.id()
        || (!o.is_draft()
            && (o.teacher_id == caller.id()
                || caller.sees_school_work(&o.school_id, &o.district_id)
                || caller.reads_person(&o.school_id, &o.teacher_id)
                || caller.reads_person(&o.school_id, &o.observer_id)))
}

/// The observation when the caller may see it; 404 otherwise (a draft does not exist for anyone
/// but its observer).
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Observation> {
    obs::find(conn, id)?
        .filter(|o| can_see(caller, o))
        .ok_or_else(ApiError::not_found)
}

/// The observation when the caller is its observer and it is still a draft.
fn own_draft(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Observation> {
    let o = visible(conn, caller, id)?;
    if o.observer_id != caller.id() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "not_your_observation"));
    }
    if !o.is_draft() {
        return Err(ApiError::conflict("observation_submitted"));
    }
    Ok(o)
}

/// Every wrong score as an error of the field `scores`.
fn score_error(wrong: Vec<ScoreError>) -> ApiError {
    let one = |e: ScoreError| match e {
        ScoreError::UnknownItem(key) => ApiError::field(
            "unknown_rubric_item",
            "scores",
            format!("the rubric has no item {key:?}"),
        ),
        ScoreError::OutOfRange { key, max } => ApiError::field(
            "score_out_of_range",
            "scores",
            format!("{key} is scored from 0 to {max}"),
        ),
    };
    let mut errors = wrong.into_iter().map(one);
    let first = errors
        .next()
        .unwrap_or_else(|| ApiError::internal("no wrong score"));
    errors.fold(first, ApiError::and)
}

/// Both checks' errors, if either failed.
fn both<T>(first: ApiResult<()>, second: ApiResult<T>) -> ApiResult<T> {
    match (first, second) {
        (Ok(()), second) => second,
        (Err(e), Ok(_)) => Err(e),
        (Err(e), Err(f)) => Err(e.and(f)),
    }
}

fn check_times(started: NaiveDateTime, ended: NaiveDateTime) -> ApiResult<()> {
    if started > tingke_models::now() + chrono::Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(ApiError::field(
            "lesson_in_future",
            "started_at",
            "the lesson has not started yet",
        ));
    }
    if ended < started {
        return Err(ApiError::field(
            "invalid_time_range",
            "ended_at",
            "ended_at is before started_at",
        ));
    }
    Ok(())
}

/// The observed teacher must belong to the school, or be a researcher of its district (who gives
/// open and demonstration lessons in its schools), and must not be the observer.
fn check_teacher(
    conn: &mut DbConn,
    caller: &Caller,
    teacher_id: &str,
    place: (&str, &str),
) -> ApiResult<()> {
    if teacher_id == caller.id() {
        return Err(ApiError::field(
            "cannot_observe_self",
            "teacher_id",
            "you cannot observe yourself",
        ));
    }
    teaches_in(conn, teacher_id, place)
}

/// Who may give a lesson in a school: a member of it, or a researcher of its district
/// ("要求教研员每学期到学校讲授公开课、示范课").
pub(super) fn teaches_in(
    conn: &mut DbConn,
    teacher_id: &str,
    (school_id, district_id): (&str, &str),
) -> ApiResult<()> {
    let in_school = members::find(conn, teacher_id, school_id)?.is_some();
    let mut researcher = || -> ApiResult<bool> {
        Ok(members::find(conn, teacher_id, district_id)?
            .is_some_and(|m| m.has_role(tingke_models::roles::Role::Researcher)))
    };
    if !in_school && !researcher()? {
        return Err(ApiError::field(
            "teacher_not_in_school",
            "teacher_id",
            "no member of this school, nor a researcher of its district, has this id",
        ));
    }
    Ok(())
}

/// The rubric in force for the school; a school without one gets the default now.
fn rubric_for(conn: &mut DbConn, school_id: &str) -> ApiResult<Rubric> {
    match rubrics::current(conn, school_id)? {
        Some(r) => Ok(r),
        None => Ok(rubrics::insert_version(
            conn,
            school_id,
            (&rubrics::default_items(), None),
            None,
            tingke_models::now(),
        )?),
    }
}

/// Lesson day and term follow the start time.
fn place_in_term(conn: &mut DbConn, o: &mut Observation) -> ApiResult<()> {
    o.lesson_date = obs::local_date(o.started_at).format("%Y-%m-%d").to_string();
    o.term_id = terms::containing(conn, &o.district_id, &o.lesson_date)?.map(|t| t.id);
    Ok(())
}

fn request_hash(body: &NewObservation) -> String {
    let json = serde_json::to_vec(body).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

enum Created {
    New(Box<ObservationView>),
    Again(Box<ObservationView>),
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: Valid<NewObservation>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let started = tingke_models::to_micros(body.started_at.naive_utc());
    let ended = tingke_models::to_micros(body.ended_at.naive_utc());
    // Reported with the scores' errors, if they have any too.
    let times = check_times(started, ended);
    let created = state
        .write(move |conn| {
            tingke_models::db::lock_key(conn, &body.id)?;
            let hash = request_hash(&body);
            if let Some(existing) = obs::find_any(conn, &body.id)? {
                let same = existing.observer_id == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                return match same {
                    true => Ok(Created::Again(Box::new(view(conn, existing, true)?))),
                    false => Err(ApiError::conflict("id_conflict")),
                };
            }
            let school = schools::find(conn, &body.school_id)?
                .filter(|s| caller.can_view_school(&s.id, &s.district_id))
                .ok_or_else(ApiError::not_found)?;
            if !caller.can_observe_in(&school.id, &school.district_id) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "not_allowed_to_observe",
                ));
            }
            let place = (school.id.as_str(), school.district_id.as_str());
            check_teacher(conn, &caller, &body.teacher_id, place)?;
            let rubric = rubric_for(conn, &school.id)?;
            let scores = rubrics::check_scores(&rubric.items, &body.scores).map_err(score_error);
            let total = both(times, scores)?;
            let now = tingke_models::now();
            let mut o = Observation {
                id: body.id,
                school_id: school.id,
                district_id: school.district_id,
                term_id: None,
                rubric_id: rubric.id,
                observer_id: caller.id().to_string(),
                teacher_id: body.teacher_id,
                kind: body.kind,
                subject: body.subject,
                grade: body.grade,
                class_name: body.class_name,
                topic: body.topic,
                started_at: started,
                ended_at: ended,
                lesson_date: String::new(),
                recorded_at: now,
                scores: serde_json::to_string(&body.scores).unwrap_or_else(|_| "{}".into()),
                total_score: total,
                strengths: body.strengths,
                suggestions: body.suggestions,
                comments: body.comments,
                status: obs::DRAFT.into(),
                submitted_at: None,
                counted: false,
                not_counted_reason: Some("draft".into()),
                late: false,
                acknowledged_at: None,
                teacher_reply: None,
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
                event_id: body.event_id,
                counts_for_teacher: false,
            };
            place_in_term(conn, &mut o)?;
            super::events::attend_observed(conn, &o)?;
            obs::insert(conn, &o)?;
            Ok(Created::New(Box::new(view(conn, o, true)?)))
        })
        .await?;
    Ok(match created {
        Created::New(v) => respond(StatusCode::CREATED, *v),
        Created::Again(v) => respond(StatusCode::OK, *v),
    })
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    observer_id: Option<String>,
    teacher_id: Option<String>,
    school_id: Option<String>,
    term_id: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    // Not `#[serde(flatten)]`: flattened numbers fail to parse from a query string.
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
    if let Some(s) = &q.status {
        if s != obs::DRAFT && s != obs::SUBMITTED {
            return Err(ApiError::bad_request("invalid_query").detail("status: draft or submitted"));
        }
    }
    let filter = Filter {
        observer_id: caller.resolve(q.observer_id),
        teacher_id: caller.resolve(q.teacher_id),
        school_id: q.school_id,
        term_id: q.term_id,
        kind: q.kind,
        status: q.status,
    };
    let visibility = caller.visibility();
    let list = state
        .read(move |conn| {
            let page = obs::list(conn, &visibility, &filter, &page)?;
            Ok(List {
                items: summaries(conn, page.items)?,
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
            let o = visible(conn, &caller, &id)?;
            view(conn, o, true)
        })
        .await?;
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(&v.id, v.version)) {
        return Ok(not_modified);
    }
    Ok(respond(StatusCode::OK, v))
}

async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<ObservationPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let v = state
        .write(move |conn| {
            let mut o = own_draft(conn, &caller, &id)?;
            let patch = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&o.id, o.version))?;
            apply_patch(conn, &caller, &mut o, patch)?;
            save(conn, o, true)
        })
        .await?;
    Ok(respond(StatusCode::OK, v))
}

fn apply_patch(
    conn: &mut DbConn,
    caller: &Caller,
    o: &mut Observation,
    p: ObservationPatch,
) -> ApiResult<()> {
    if let Some(t) = p.teacher_id {
        check_teacher(conn, caller, &t, (&o.school_id, &o.district_id))?;
        o.teacher_id = t;
    }
    let trimmed = |v: Option<String>, old: &mut String| {
        if let Some(v) = v {
            *old = v.trim().to_string();
        }
    };
    trimmed(p.kind, &mut o.kind);
    trimmed(p.subject, &mut o.subject);
    trimmed(p.grade, &mut o.grade);
    trimmed(p.class_name, &mut o.class_name);
    trimmed(p.topic, &mut o.topic);
    let utc = |t: DateTime<Utc>| tingke_models::to_micros(t.naive_utc());
    o.started_at = p.started_at.map_or(o.started_at, utc);
    o.ended_at = p.ended_at.map_or(o.ended_at, utc);
    let times = check_times(o.started_at, o.ended_at);
    let scores = match p.scores {
        Some(scores) => set_scores(conn, o, &scores),
        None => Ok(()),
    };
    both(times, scores)?;
    o.strengths = p.strengths.unwrap_or(std::mem::take(&mut o.strengths));
    o.suggestions = p.suggestions.unwrap_or(std::mem::take(&mut o.suggestions));
    o.comments = p.comments.unwrap_or(std::mem::take(&mut o.comments));
    place_in_term(conn, o)?;
    super::events::attend_observed(conn, o)
}

/// Scores are checked against the rubric the observation was created with.
fn set_scores(
    conn: &mut DbConn,
    o: &mut Observation,
    scores: &BTreeMap<String, i32>,
) -> ApiResult<()> {
    let rubric = rubrics::find(conn, &o.rubric_id)?
        .ok_or_else(|| ApiError::internal("observation without its rubric"))?;
    o.total_score = rubrics::check_scores(&rubric.items, scores).map_err(score_error)?;
    o.scores = serde_json::to_string(scores).unwrap_or_else(|_| "{}".into());
    Ok(())
}

/// Writes a changed observation as its next version; 412 when another write came first.
fn save(conn: &mut DbConn, mut o: Observation, full: bool) -> ApiResult<ObservationView> {
    let expected = o.version;
    o.version += 1;
    o.updated_at = tingke_models::now();
    if !obs::update_if_version(conn, &o, expected)? {
        return Err(ApiError::stale());
    }
    view(conn, o, full)
}

async fn delete(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    state
        .write(move |conn| {
            let mut o = own_draft(conn, &caller, &id)?;
            etag::check_match(if_match.as_deref(), &etag::tag(&o.id, o.version))?;
            o.deleted_at = Some(tingke_models::now());
            save(conn, o, false).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn submit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let limits = state.config.counting.clone();
    let if_match = etag::if_match(&req);
    let reference = state.reference.clone();
    let v = state
        .write(move |conn| {
            let o = visible(conn, &caller, &id)?;
            if o.observer_id != caller.id() {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "not_your_observation"));
            }
            // Overlapping lessons of one observer, and observations of one teacher's lesson,
            // must be judged one after the other.
            obs::lock_observer(conn, &o.observer_id)?;
            lock_lesson(conn, &o)?;
            let mut o = obs::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
            if !o.is_draft() {
                return Err(ApiError::conflict("already_submitted"));
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&o.id, o.version))?;
            ready_to_submit(conn, &o)?;
            let verdict = judge(conn, &reference, &caller.memberships, &o, &limits)?;
            o.status = obs::SUBMITTED.into();
            o.submitted_at = Some(tingke_models::now());
            apply(&mut o, verdict);
            save(conn, o, true)
        })
        .await?;
    Ok(respond(StatusCode::OK, v))
}

/// Observations of one teacher's lessons wait for each other's verdict: of three leaders who
/// submit the same lesson at once, one counts it for the teacher.
fn lock_lesson(conn: &mut DbConn, o: &Observation) -> ApiResult<()> {
    Ok(tingke_models::db::lock_key(
        conn,
        &format!("lesson:{}", o.teacher_id),
    )?)
}

fn apply(o: &mut Observation, verdict: counting::Verdict) {
    o.counted = verdict.not_counted_reason.is_none();
    o.not_counted_reason = verdict.not_counted_reason.map(str::to_string);
    o.late = verdict.late;
    o.counts_for_teacher = verdict.counts_for_teacher;
}

/// Every rubric item scored, and the lesson over.
fn ready_to_submit(conn: &mut DbConn, o: &Observation) -> ApiResult<()> {
    let rubric = rubrics::find(conn, &o.rubric_id)?
        .ok_or_else(|| ApiError::internal("observation without its rubric"))?;
    let scores: BTreeMap<String, i32> = serde_json::from_str(&o.scores).unwrap_or_default();
    let missing = rubrics::unscored(&rubric.items, &scores);
    if !missing.is_empty() {
        return Err(ApiError::field(
            "scores_incomplete",
            "scores",
            format!("not scored yet: {}", missing.join(", ")),
        ));
    }
    if o.ended_at > tingke_models::now() + chrono::Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(ApiError::field(
            "lesson_in_future",
            "ended_at",
            "the lesson has not ended yet",
        ));
    }
    Ok(())
}

/// Whether a submitted observation counts for quotas, and whether it came late: the facts the
/// rules (`rules::counting`) look at. `observer` holds the observer's memberships: the rules
/// that bind them say how much written feedback the observation needs.
fn judge(
    conn: &mut DbConn,
    reference: &Reference,
    observer: &[Membership],
    o: &Observation,
    limits: &counting::Limits,
) -> ApiResult<counting::Verdict> {
    let rules = super::quotas::rules_of(conn, reference, &o.district_id)?;
    let of: Vec<_> = observer
        .iter()
        .filter(|m| m.district_id == o.district_id)
        .map(Membership::holding)
        .collect();
    let activities = super::quotas::made_activities(&o.kind);
    let term = match &o.term_id {
        Some(id) => terms::find(conn, id)?,
        None => None,
    };
    let tolerance = chrono::Duration::minutes(limits.overlap_tolerance_minutes);
    let facts = counting::Submitted {
        lesson_day: obs::local_date(o.started_at),
        recorded_on: obs::local_date(o.recorded_at),
        today: obs::local_date(tingke_models::now()),
        minutes: o.minutes(),
        term_ends_on: term.and_then(|t| crate::validate::parse_date(&t.ends_on)),
        overlaps_a_counted_one: obs::counted_overlap_exists(conn, o, tolerance)?,
        same_lesson_counted: obs::lesson_counted_for_teacher(conn, o, tolerance)?,
        feedback_chars: counting::feedback_chars(&o.strengths, &o.suggestions),
        feedback_min_chars: quotas::feedback_asked(&rules, &of, &activities),
    };
    Ok(counting::judge(&facts, limits))
}

async fn acknowledge(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let body: AcknowledgeRequest =
        optional_json(&req, &body)?.unwrap_or(AcknowledgeRequest { reply: None });
    body.validate()?;
    let id = id.into_inner();
    let v = state
        .write(move |conn| {
            let mut o = visible(conn, &caller, &id)?;
            if o.teacher_id != caller.id() {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "not_observed_teacher"));
            }
            if o.acknowledged_at.is_some() {
                return Err(ApiError::conflict("already_acknowledged"));
            }
            o.acknowledged_at = Some(tingke_models::now());
            o.teacher_reply = body.reply.map(|r| r.trim().to_string());
            save(conn, o, true)
        })
        .await?;
    Ok(respond(StatusCode::OK, v))
}

async fn correct(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<CorrectionRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let limits = state.config.counting.clone();
    let reference = state.reference.clone();
    let v = state
        .write(move |conn| {
            let mut o = visible(conn, &caller, &id)?;
            if !caller.is_senior_leader(&o.school_id) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            if o.is_draft() {
                return Err(ApiError::conflict("observation_not_submitted"));
            }
            let before = o.clone();
            if let Some(scores) = &body.scores {
                set_scores(conn, &mut o, scores)?;
            }
            o.strengths = body.strengths.unwrap_or(std::mem::take(&mut o.strengths));
            o.suggestions = body
                .suggestions
                .unwrap_or(std::mem::take(&mut o.suggestions));
            o.comments = body.comments.unwrap_or(std::mem::take(&mut o.comments));
            if o.not_counted_reason.as_deref() == Some(NO_WRITTEN_FEEDBACK) {
                rejudge(conn, &reference, &mut o, &limits)?;
            }
            obs::insert_correction(
                conn,
                &Correction {
                    id: tingke_models::new_id(),
                    observation_id: o.id.clone(),
                    corrected_by: caller.id().to_string(),
                    reason: body.reason.trim().to_string(),
                    changes: changes(&before, &o).to_string(),
                    created_at: tingke_models::now(),
                },
            )?;
            save(conn, o, true)
        })
        .await?;
    Ok(respond(StatusCode::CREATED, v))
}

const NO_WRITTEN_FEEDBACK: &str = "no_written_feedback";

/// An observation that did not count for want of written feedback is judged again once a
/// correction gives it some, as it would have been had it been submitted so (under the observer's
/// lock, as a submission is).
fn rejudge(
    conn: &mut DbConn,
    reference: &Reference,
    o: &mut Observation,
    limits: &counting::Limits,
) -> ApiResult<()> {
    obs::lock_observer(conn, &o.observer_id)?;
    lock_lesson(conn, o)?;
    let observer = members::for_user(conn, &o.observer_id)?;
    let verdict = judge(conn, reference, &observer, o, limits)?;
    apply(o, verdict);
    Ok(())
}

/// `{field: {from, to}}` for every corrected field that changed.
fn changes(before: &Observation, after: &Observation) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let mut note = |field: &str, from: serde_json::Value, to: serde_json::Value| {
        if from != to {
            out.insert(field.into(), serde_json::json!({ "from": from, "to": to }));
        }
    };
    let scores = |o: &Observation| serde_json::from_str(&o.scores).unwrap_or_default();
    note("scores", scores(before), scores(after));
    note(
        "strengths",
        before.strengths.clone().into(),
        after.strengths.clone().into(),
    );
    note(
        "suggestions",
        before.suggestions.clone().into(),
        after.suggestions.clone().into(),
    );
    note(
        "comments",
        before.comments.clone().into(),
        after.comments.clone().into(),
    );
    serde_json::Value::Object(out)
}
