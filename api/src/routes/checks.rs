//! The monthly routine check (教学常规检查): a school's leaders open a round, record one result per
//! teacher (plans and marked homework seen, a grade, comments and guidance), see who is left and
//! read the round's summary; the teacher reads their result and replies. What a check must be is
//! in `tingke_models::rules::checks`.

use super::schools::school_seen;
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::{Body, List, PageQuery};
use crate::state::AppState;
use crate::validate;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use tingke_models::checks::{results, rounds, CheckResult, Round};
use tingke_models::documents::{self as docs, Document};
use tingke_models::members::{self, MemberScope};
use tingke_models::observations as obs;
use tingke_models::rules::checks as rule;
use tingke_models::schools::School;
use tingke_models::{groups, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/schools/{id}/check-rounds", open)
        .add(Method::GET, "/v1/schools/{id}/check-rounds", list)
        .add(Method::GET, "/v1/check-rounds/{id}", get)
        .add(Method::PATCH, "/v1/check-rounds/{id}", edit)
        .add(Method::DELETE, "/v1/check-rounds/{id}", delete)
        .add(Method::POST, "/v1/check-rounds/{id}/results", record)
        .add(Method::GET, "/v1/check-rounds/{id}/results", results_of)
        .add(Method::GET, "/v1/check-rounds/{id}/coverage", coverage)
        .add(Method::GET, "/v1/check-rounds/{id}/summary", summary)
        .add(
            Method::GET,
            "/v1/check-rounds/{id}/summary.csv",
            summary_csv,
        )
        .add(Method::GET, "/v1/check-results/{id}", get_result)
        .add(Method::PATCH, "/v1/check-results/{id}", edit_result)
        .add(Method::DELETE, "/v1/check-results/{id}", delete_result)
        .add(Method::POST, "/v1/check-results/{id}/reply", reply);
}

// ------------------------------------------------------------------ rounds

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewRound {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
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
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct RoundChange {
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 100, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    title: Option<String>,
    #[validate(custom(function = "validate::date"))]
    starts_on: Option<String>,
    #[validate(custom(function = "validate::date"))]
    ends_on: Option<String>,
    /// Closes the round (no more results) or opens it again.
    closed: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct RoundView {
    id: String,
    school_id: String,
    title: String,
    starts_on: String,
    ends_on: String,
    closed: bool,
    opened_by: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Round> for RoundView {
    fn from(r: Round) -> RoundView {
        RoundView {
            closed: r.closed_at.is_some(),
            id: r.id,
            school_id: r.school_id,
            title: r.title,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            opened_by: r.opened_by,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

fn round_answer(status: StatusCode, r: Round) -> HttpResponse {
    let v = RoundView::from(r);
    etag::respond(status, (&v.id, v.version), &v)
}

/// The round and its school when the caller may see them.
fn visible_round(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<(Round, School)> {
    let round = rounds::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let school = school_seen(conn, caller, &round.school_id)?;
    Ok((round, school))
}

fn span(starts_on: &str, ends_on: &str) -> ApiResult<()> {
    match (
        validate::parse_date(starts_on),
        validate::parse_date(ends_on),
    ) {
        (Some(from), Some(to)) => Ok(rule::span(from, to)?),
        _ => Err(ApiError::field("invalid_date", "starts_on", "not a day")),
    }
}

fn save_round(conn: &mut DbConn, r: Round) -> ApiResult<Round> {
    rounds::save(conn, r)?.ok_or_else(ApiError::stale)
}

async fn open(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    body: Body<NewRound>,
) -> ApiResult<HttpResponse> {
    let school_id = school_id.into_inner();
    let (status, round) = state
        .write(move |conn| {
            let school = school_seen(conn, &caller, &school_id)?;
            if !caller.is_senior_leader(&school.id) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let hash = super::request_hash(&(&school.id, &body));
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = rounds::find_any(conn, &body.id)? {
                let same = existing.opened_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                return super::again(same, existing);
            }
            span(&body.starts_on, &body.ends_on)?;
            let now = tingke_models::now();
            let round = Round {
                id: body.id,
                school_id: school.id,
                title: body.title.trim().to_string(),
                starts_on: body.starts_on,
                ends_on: body.ends_on,
                closed_at: None,
                opened_by: caller.id().to_string(),
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            rounds::insert(conn, &round)?;
            Ok((StatusCode::CREATED, round))
        })
        .await?;
    Ok(round_answer(status, round))
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let school_id = school_id.into_inner();
    let list = state
        .read(move |conn| {
            let school = school_seen(conn, &caller, &school_id)?;
            let page = rounds::of_school(conn, &school.id, &query.page()?)?;
            Ok(List::from_page(page, RoundView::from))
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
    let (round, _) = state
        .read(move |conn| visible_round(conn, &caller, &id))
        .await?;
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(&round.id, round.version)) {
        return Ok(not_modified);
    }
    Ok(round_answer(StatusCode::OK, round))
}

async fn edit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<RoundChange>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    let round = state
        .write(move |conn| {
            let (mut round, school) = visible_round(conn, &caller, &id)?;
            if !caller.is_senior_leader(&school.id) {
                return Err(ApiError::forbidden());
            }
            let change = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&round.id, round.version))?;
            if let Some(title) = change.title {
                round.title = title.trim().to_string();
            }
            round.starts_on = change.starts_on.unwrap_or(round.starts_on);
            round.ends_on = change.ends_on.unwrap_or(round.ends_on);
            span(&round.starts_on, &round.ends_on)?;
            match change.closed {
                Some(true) if round.closed_at.is_none() => {
                    round.closed_at = Some(tingke_models::now())
                }
                Some(false) => round.closed_at = None,
                _ => {}
            }
            save_round(conn, round)
        })
        .await?;
    Ok(round_answer(StatusCode::OK, round))
}

async fn delete(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let (mut round, school) = visible_round(conn, &caller, &id)?;
            if !caller.is_senior_leader(&school.id) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&round.id, round.version))?;
            // The record of a check is archived for the annual evaluation: a round with
            // results stays.
            if results::count(conn, &round.id)? > 0 {
                return Err(ApiError::conflict("round_has_results"));
            }
            round.deleted_at = Some(tingke_models::now());
            save_round(conn, round).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ------------------------------------------------------------------ results

/// What a check found, on record and (all of it again) on edit.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct Findings {
    #[serde(default)]
    #[validate(length(max = 30, code = "invalid_length"))]
    plan_ids: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 30, code = "invalid_length"))]
    homework_ids: Vec<String>,
    #[validate(length(min = 1, max = 20, code = "invalid_length"))]
    grade: String,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    comments: String,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    guidance: String,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewResult {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    teacher_id: String,
    #[serde(flatten)]
    #[validate(nested)]
    findings: Findings,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Reply {
    #[validate(
        length(min = 1, max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    reply: String,
}

/// A plan seen in a check, with when it was written: 超周备课 as a fact.
#[derive(Debug, Clone, Serialize)]
struct PlanSeen {
    document_id: String,
    topic: String,
    lesson_date: String,
    /// When its first page arrived; `null` for a plan without pages.
    first_page_at: Option<DateTime<Utc>>,
    days_ahead: Option<i64>,
    a_week_ahead: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultView {
    id: String,
    round_id: String,
    school_id: String,
    teacher_id: String,
    teacher_name: String,
    checked_by: String,
    plans: Vec<PlanSeen>,
    homework_ids: Vec<String>,
    /// Every plan seen was written at least a week before its lesson; `null` when no plan says.
    prepared_ahead: Option<bool>,
    grade: String,
    comments: String,
    guidance: String,
    reply: Option<String>,
    replied_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ResultView {
    pub(super) fn grade(&self) -> &str {
        &self.grade
    }
}

fn ids(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The views of results, with their plans' dates read in two queries for the whole list.
pub(super) fn result_views(
    conn: &mut DbConn,
    list: Vec<CheckResult>,
) -> ApiResult<Vec<ResultView>> {
    let plan_ids: Vec<String> = list.iter().flat_map(|r| ids(&r.plan_ids)).collect();
    let plans: HashMap<String, Document> = docs::live_by_ids(conn, &plan_ids)?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let first: HashMap<String, _> = docs::first_page_at(conn, &plan_ids)?
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect();
    let teachers: Vec<String> = list.iter().map(|r| r.teacher_id.clone()).collect();
    let names = obs::user_names(conn, &teachers)?;
    Ok(list
        .into_iter()
        .map(|r| {
            let seen: Vec<(PlanSeen, rule::Ahead)> = ids(&r.plan_ids)
                .into_iter()
                .filter_map(|id| plans.get(&id))
                .filter_map(|d| {
                    let lesson_on = validate::parse_date(&d.lesson_date)?;
                    let at = first.get(&d.id).copied();
                    let ahead = rule::Ahead {
                        lesson_on,
                        first_page_on: at.map(obs::local_date),
                    };
                    let seen = PlanSeen {
                        document_id: d.id.clone(),
                        topic: d.topic.clone(),
                        lesson_date: d.lesson_date.clone(),
                        first_page_at: at.map(|a| a.and_utc()),
                        days_ahead: ahead.days_ahead(),
                        a_week_ahead: ahead.a_week_ahead(),
                    };
                    Some((seen, ahead))
                })
                .collect();
            let aheads: Vec<rule::Ahead> = seen.iter().map(|(_, a)| a.clone()).collect();
            ResultView {
                teacher_name: names.get(&r.teacher_id).cloned().unwrap_or_default(),
                prepared_ahead: rule::all_ahead(&aheads),
                plans: seen.into_iter().map(|(p, _)| p).collect(),
                homework_ids: ids(&r.homework_ids),
                id: r.id,
                round_id: r.round_id,
                school_id: r.school_id,
                teacher_id: r.teacher_id,
                checked_by: r.checked_by,
                grade: r.grade,
                comments: r.comments,
                guidance: r.guidance,
                reply: r.reply,
                replied_at: r.replied_at.map(|t| t.and_utc()),
                version: r.version,
                created_at: r.created_at.and_utc(),
                updated_at: r.updated_at.and_utc(),
            }
        })
        .collect())
}

fn result_answer(
    conn: &mut DbConn,
    status: StatusCode,
    r: CheckResult,
) -> ApiResult<Answer<ResultView>> {
    Ok((status, result_views(conn, vec![r])?.remove(0)))
}

/// A record's view with the status to answer it with: made on the blocking thread, sent from
/// the async one (an `HttpResponse` cannot cross threads).
pub(super) type Answer<V> = (StatusCode, V);

/// A view that has an id and a version, answered with its `ETag`.
pub(super) trait Versioned: Serialize {
    fn tag(&self) -> (&str, i32);
}

pub(super) fn send<V: Versioned>((status, v): Answer<V>) -> HttpResponse {
    etag::respond(status, v.tag(), &v)
}

impl Versioned for ResultView {
    fn tag(&self) -> (&str, i32) {
        (&self.id, self.version)
    }
}

/// Who reads a teacher's check: the teacher, who checked it, the school's senior leaders, the
/// district's researchers, admins, and the leader of a grade group the teacher is in.
pub(super) fn can_see_result(caller: &Caller, r: &CheckResult, district_id: &str) -> bool {
    caller.id() == r.teacher_id
        || caller.id() == r.checked_by
        || caller.sees_school_work(&r.school_id, district_id)
        || caller.reads_person(&r.school_id, &r.teacher_id)
}

/// Who checks a teacher: the school's senior leaders, and the leaders of the teacher's grade
/// groups.
fn may_check(caller: &Caller, school_id: &str, teacher_id: &str) -> bool {
    caller.is_senior_leader(school_id) || caller.reads_person(school_id, teacher_id)
}

/// Who changes or deletes a result: who checked it, the school's senior leaders, admins.
fn may_change_result(caller: &Caller, r: &CheckResult, school: &School) -> bool {
    r.checked_by == caller.id() || caller.is_senior_leader(&school.id)
}

fn visible_result(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> ApiResult<(CheckResult, Round, School)> {
    let r = results::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let (round, school) = visible_round(conn, caller, &r.round_id)?;
    match can_see_result(caller, &r, &school.district_id) {
        true => Ok((r, round, school)),
        false => Err(ApiError::not_found()),
    }
}

/// The findings against what they name: documents of the teacher in the school, plans that
/// are plans and homework that is homework; and the grade.
fn check_findings(conn: &mut DbConn, r: &CheckResult, f: &Findings) -> ApiResult<()> {
    rule::grade(&f.grade)?;
    let all: Vec<String> = f.plan_ids.iter().chain(&f.homework_ids).cloned().collect();
    let found: HashMap<String, Document> = docs::live_by_ids(conn, &all)?
        .into_iter()
        .filter(|d| d.school_id == r.school_id && d.teacher_id == r.teacher_id)
        .map(|d| (d.id.clone(), d))
        .collect();
    let plan_kinds = [docs::LESSON_PLAN, docs::GUIDED_LEARNING_SHEET];
    for (field, list, kinds) in [
        ("plan_ids", &f.plan_ids, &plan_kinds[..]),
        ("homework_ids", &f.homework_ids, &[docs::HOMEWORK][..]),
    ] {
        for id in list {
            let d = found.get(id).ok_or_else(|| {
                ApiError::field(
                    "document_not_found",
                    field,
                    "not a document of this teacher in this school",
                )
            })?;
            if !kinds.contains(&d.kind.as_str()) {
                return Err(ApiError::field(
                    "wrong_document_kind",
                    field,
                    "plans are lesson plans or sheets; homework is homework",
                ));
            }
        }
    }
    Ok(())
}

fn fill(r: &mut CheckResult, f: Findings) {
    r.plan_ids = serde_json::to_string(&f.plan_ids).unwrap_or_else(|_| "[]".into());
    r.homework_ids = serde_json::to_string(&f.homework_ids).unwrap_or_else(|_| "[]".into());
    r.grade = f.grade;
    r.comments = f.comments;
    r.guidance = f.guidance;
}

fn save_result(conn: &mut DbConn, r: CheckResult) -> ApiResult<CheckResult> {
    results::save(conn, r)?.ok_or_else(ApiError::stale)
}

fn open_round(round: &Round) -> ApiResult<()> {
    match round.closed_at {
        None => Ok(()),
        Some(_) => Err(ApiError::conflict("round_closed")),
    }
}

async fn record(
    caller: Caller,
    state: web::Data<AppState>,
    round_id: web::Path<String>,
    body: Body<NewResult>,
) -> ApiResult<HttpResponse> {
    let round_id = round_id.into_inner();
    state
        .write(move |conn| {
            let (round, school) = visible_round(conn, &caller, &round_id)?;
            let body = body.read()?;
            if !may_check(&caller, &school.id, &body.teacher_id) {
                return Err(ApiError::forbidden());
            }
            let hash = super::request_hash(&(&round.id, &body));
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = results::find_any(conn, &body.id)? {
                let same = existing.checked_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                let (status, r) = super::again(same, existing)?;
                return result_answer(conn, status, r);
            }
            open_round(&round)?;
            if members::find(conn, &body.teacher_id, &school.id)?.is_none() {
                return Err(ApiError::field(
                    "teacher_not_in_school",
                    "teacher_id",
                    "not a member of this school",
                ));
            }
            // One result per teacher and round: two leaders checking the same teacher at once
            // take turns, and the second hears that the teacher is checked.
            tingke_models::db::lock_key(conn, &format!("{}:{}", round.id, body.teacher_id))?;
            if results::of_teacher_in(conn, &round.id, &body.teacher_id)?.is_some() {
                return Err(ApiError::conflict("already_checked"));
            }
            let now = tingke_models::now();
            let mut r = CheckResult {
                id: body.id,
                round_id: round.id,
                school_id: school.id,
                teacher_id: body.teacher_id,
                checked_by: caller.id().to_string(),
                plan_ids: String::new(),
                homework_ids: String::new(),
                grade: String::new(),
                comments: String::new(),
                guidance: String::new(),
                reply: None,
                replied_at: None,
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            check_findings(conn, &r, &body.findings)?;
            fill(&mut r, body.findings);
            results::insert(conn, &r)?;
            result_answer(conn, StatusCode::CREATED, r)
        })
        .await
        .map(send)
}

async fn results_of(
    caller: Caller,
    state: web::Data<AppState>,
    round_id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let round_id = round_id.into_inner();
    let items = state
        .read(move |conn| {
            let (round, school) = visible_round(conn, &caller, &round_id)?;
            let mut list = results::of_round(conn, &round.id)?;
            list.retain(|r| can_see_result(&caller, r, &school.district_id));
            result_views(conn, list)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn get_result(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (status, view) = state
        .read(move |conn| {
            let (r, _, _) = visible_result(conn, &caller, &id)?;
            result_answer(conn, StatusCode::OK, r)
        })
        .await?;
    let (id, version) = view.tag();
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(id, version)) {
        return Ok(not_modified);
    }
    Ok(send((status, view)))
}

async fn edit_result(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<Findings>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let (mut r, round, school) = visible_result(conn, &caller, &id)?;
            if !may_change_result(&caller, &r, &school) {
                return Err(ApiError::forbidden());
            }
            let findings = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&r.id, r.version))?;
            open_round(&round)?;
            check_findings(conn, &r, &findings)?;
            fill(&mut r, findings);
            let r = save_result(conn, r)?;
            result_answer(conn, StatusCode::OK, r)
        })
        .await
        .map(send)
}

async fn delete_result(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let (mut r, round, school) = visible_result(conn, &caller, &id)?;
            if !may_change_result(&caller, &r, &school) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&r.id, r.version))?;
            open_round(&round)?;
            r.deleted_at = Some(tingke_models::now());
            save_result(conn, r).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn reply(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<Reply>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let (mut r, _, _) = visible_result(conn, &caller, &id)?;
            if r.teacher_id != caller.id() {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            etag::check_match(if_match.as_deref(), &etag::tag(&r.id, r.version))?;
            r.reply = Some(body.reply);
            r.replied_at = Some(tingke_models::now());
            let r = save_result(conn, r)?;
            result_answer(conn, StatusCode::OK, r)
        })
        .await
        .map(send)
}

// ------------------------------------------------------------------ coverage and summary

#[derive(Debug, Serialize)]
struct Person {
    user_id: String,
    name: String,
}

#[derive(Debug, Serialize)]
struct GroupCoverage {
    /// `null` for the people in no group.
    group_id: Option<String>,
    name: String,
    checked: Vec<Person>,
    unchecked: Vec<Person>,
}

#[derive(Debug, Serialize)]
struct Coverage {
    round_id: String,
    /// People to check (those the caller may check), and how many are checked.
    to_check: usize,
    checked: usize,
    groups: Vec<GroupCoverage>,
}

/// The school's people to check, (id, name): those who teach (teachers and grade-group
/// leaders).
fn teachers_of(conn: &mut DbConn, school_id: &str) -> ApiResult<Vec<(String, String)>> {
    let mut people: Vec<(String, String)> = members::all(conn, MemberScope::School(school_id))?
        .into_iter()
        .filter(|m| rule::is_checked(&m.membership.roles))
        .map(|m| (m.membership.user_id, m.name))
        .collect();
    people.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    people.dedup_by(|a, b| a.0 == b.0);
    Ok(people)
}

/// A group's id (`None`: the people in no group), name and people.
type GroupPeople = (Option<String>, String, Vec<String>);

/// The school's groups with their people, then the people of no group under `None`.
fn by_group(
    conn: &mut DbConn,
    school_id: &str,
    people: &[(String, String)],
) -> ApiResult<Vec<GroupPeople>> {
    let list = groups::all_of_school(conn, school_id)?;
    let ids: Vec<String> = list.iter().map(|g| g.id.clone()).collect();
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (group, m) in groups::members_of(conn, &ids)? {
        members.entry(group).or_default().push(m.user_id);
    }
    let mut out: Vec<GroupPeople> = list
        .into_iter()
        .map(|g| {
            let people = members.remove(&g.id).unwrap_or_default();
            (Some(g.id), g.name, people)
        })
        .collect();
    let grouped: std::collections::HashSet<&String> = out.iter().flat_map(|g| &g.2).collect();
    let alone: Vec<String> = people
        .iter()
        .filter(|(id, _)| !grouped.contains(id))
        .map(|(id, _)| id.clone())
        .collect();
    out.push((None, "未分组".to_string(), alone));
    Ok(out)
}

/// A round's coverage: per group, who is checked and who is left. The school's senior leaders,
/// researchers and admins see everyone; a grade-group leader sees the people they check.
async fn coverage(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let body = state
        .read(move |conn| {
            let (round, school) = visible_round(conn, &caller, &id)?;
            let whole = caller.sees_school_work(&school.id, &school.district_id);
            if !whole && caller.groups.iter().all(|g| g.school_id != school.id) {
                return Err(ApiError::forbidden());
            }
            let mut people = teachers_of(conn, &school.id)?;
            people.retain(|(p, _)| whole || caller.reads_person(&school.id, p));
            let done: Vec<String> = results::of_round(conn, &round.id)?
                .into_iter()
                .map(|r| r.teacher_id)
                .collect();
            let names: HashMap<&String, &String> = people.iter().map(|(i, n)| (i, n)).collect();
            let person = |id: &String| Person {
                user_id: id.clone(),
                name: names.get(id).map(|n| n.to_string()).unwrap_or_default(),
            };
            let groups = by_group(conn, &school.id, &people)?
                .into_iter()
                .map(|(group_id, name, in_group)| {
                    let (checked, unchecked): (Vec<&String>, Vec<&String>) = in_group
                        .iter()
                        .filter(|p| names.contains_key(p))
                        .partition(|p| done.contains(p));
                    GroupCoverage {
                        group_id,
                        name,
                        checked: checked.into_iter().map(person).collect(),
                        unchecked: unchecked.into_iter().map(person).collect(),
                    }
                })
                .filter(|g| !(g.checked.is_empty() && g.unchecked.is_empty()))
                .collect();
            Ok(Coverage {
                round_id: round.id,
                to_check: people.len(),
                checked: people.iter().filter(|(p, _)| done.contains(p)).count(),
                groups,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Serialize)]
struct GroupSummary {
    group_id: Option<String>,
    name: String,
    checked: usize,
    grades: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Serialize)]
struct Summary {
    round_id: String,
    title: String,
    starts_on: String,
    ends_on: String,
    closed: bool,
    teachers: usize,
    checked: usize,
    grades: BTreeMap<&'static str, usize>,
    /// Checked teachers whose every plan seen was a week ahead, and those with one that was not.
    prepared_ahead: usize,
    not_prepared_ahead: usize,
    groups: Vec<GroupSummary>,
    /// Teachers graded below standard (不合格) in this round.
    below_standard: Vec<ResultView>,
    /// People not checked yet.
    unchecked: Vec<Person>,
    #[serde(skip)]
    results: Vec<ResultView>,
}

fn tally(grades: &[&str]) -> BTreeMap<&'static str, usize> {
    rule::GRADES
        .iter()
        .map(|g| (*g, grades.iter().filter(|x| *x == g).count()))
        .collect()
}

/// The round's summary, for those who read the school's whole work.
fn summarize(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Summary> {
    let (round, school) = visible_round(conn, caller, id)?;
    if !caller.sees_school_work(&school.id, &school.district_id) {
        return Err(ApiError::forbidden());
    }
    let people = teachers_of(conn, &school.id)?;
    let list = results::of_round(conn, &round.id)?;
    let views = result_views(conn, list)?;
    let grade_of: HashMap<&str, &str> = views
        .iter()
        .map(|v| (v.teacher_id.as_str(), v.grade.as_str()))
        .collect();
    let groups = by_group(conn, &school.id, &people)?
        .into_iter()
        .map(|(group_id, name, in_group)| {
            let grades: Vec<&str> = in_group
                .iter()
                .filter_map(|p| grade_of.get(p.as_str()).copied())
                .collect();
            GroupSummary {
                group_id,
                name,
                checked: grades.len(),
                grades: tally(&grades),
            }
        })
        .collect();
    let all: Vec<&str> = views.iter().map(|v| v.grade.as_str()).collect();
    let unchecked = people
        .iter()
        .filter(|(p, _)| !grade_of.contains_key(p.as_str()))
        .map(|(user_id, name)| Person {
            user_id: user_id.clone(),
            name: name.clone(),
        })
        .collect();
    let grades = tally(&all);
    let ahead = |want: bool| {
        views
            .iter()
            .filter(|v| v.prepared_ahead == Some(want))
            .count()
    };
    let (prepared_ahead, not_prepared_ahead) = (ahead(true), ahead(false));
    let below_standard: Vec<ResultView> = views
        .iter()
        .filter(|v| v.grade == rule::FAIL)
        .cloned()
        .collect();
    let checked = views.len();
    Ok(Summary {
        round_id: round.id,
        title: round.title,
        starts_on: round.starts_on,
        ends_on: round.ends_on,
        closed: round.closed_at.is_some(),
        teachers: people.len(),
        checked,
        grades,
        prepared_ahead,
        not_prepared_ahead,
        groups,
        below_standard,
        unchecked,
        results: views,
    })
}

async fn summary(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let body = state
        .read(move |conn| summarize(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

fn grade_label(grade: &str) -> &'static str {
    match grade {
        "excellent" => "优秀",
        "good" => "良好",
        "pass" => "合格",
        "fail" => "不合格",
        _ => "",
    }
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

/// The round's summary as a spreadsheet: one line per teacher, checked or not.
async fn summary_csv(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let s = state
        .read(move |conn| summarize(conn, &caller, &id))
        .await?;
    let head = [
        "姓名",
        "用户ID",
        "等级",
        "超周备课",
        "教案数",
        "作业数",
        "评语",
        "指导意见",
        "教师回复",
    ];
    let cell = super::quotas::cell;
    let checked = s.results.iter().map(|v| {
        vec![
            cell(&v.teacher_name),
            v.teacher_id.clone(),
            grade_label(&v.grade).to_string(),
            yes_no(v.prepared_ahead).to_string(),
            v.plans.len().to_string(),
            v.homework_ids.len().to_string(),
            cell(&v.comments),
            cell(&v.guidance),
            cell(v.reply.as_deref().unwrap_or_default()),
        ]
    });
    let unchecked = s.unchecked.iter().map(|p| {
        let mut line = vec![cell(&p.name), p.user_id.clone(), "未检查".to_string()];
        line.resize(head.len(), String::new());
        line
    });
    let lines: Vec<Vec<String>> = checked.chain(unchecked).collect();
    super::quotas::csv_attachment(&head, lines, &format!("check-round-{}.csv", s.round_id))
}
