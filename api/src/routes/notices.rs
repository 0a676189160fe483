//! Rectification notices (整改通知): issued to a teacher by a school's leaders or the district's
//! researchers, or to a school by the district; answered by the recipient with text and photos;
//! verified or escalated to the next round by whoever may issue it. The rounds are in
//! `tingke_models::rules::notices`.

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
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tingke_models::notices::{self, Notice, Readers};
use tingke_models::roles::Role;
use tingke_models::rules::notices::{self as rule, Limits, State, Step};
use tingke_models::schools::School;
use tingke_models::DbConn;
use tingke_models::{checks, documents as docs, inspections, members, observations as obs};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/notices", issue)
        .add(Method::GET, "/v1/schools/{id}/notices", list)
        .add(Method::GET, "/v1/notices/{id}", get)
        .add(Method::DELETE, "/v1/notices/{id}", withdraw)
        .add(Method::POST, "/v1/notices/{id}/answer", answer)
        .add(Method::POST, "/v1/notices/{id}/verify", verify)
        .add(Method::POST, "/v1/notices/{id}/escalate", escalate);
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct About {
    #[validate(length(min = 1, max = 30, code = "invalid_length"))]
    kind: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    id: String,
}

/// What a round says must change.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct Demand {
    #[validate(
        length(min = 1, max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    problem: String,
    #[validate(
        length(min = 1, max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    required: String,
    #[validate(custom(function = "validate::date"))]
    due_on: String,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewNotice {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    school_id: String,
    /// The teacher it is sent to; absent: sent to the school.
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    teacher_id: Option<String>,
    #[validate(nested)]
    about: Option<About>,
    #[serde(flatten)]
    #[validate(nested)]
    demand: Demand,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    #[validate(
        length(min = 1, max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    text: String,
    /// Documents of photos (kind `rectification_evidence`, or any of the answerer's own).
    #[serde(default)]
    #[validate(length(max = 10, code = "invalid_length"))]
    document_ids: Vec<String>,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    /// What is still wrong; the last round's words when absent.
    #[validate(
        length(min = 1, max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    problem: Option<String>,
    #[validate(
        length(min = 1, max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    required: Option<String>,
    #[validate(custom(function = "validate::date"))]
    due_on: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AnswerRecord {
    text: String,
    document_ids: Vec<String>,
    answered_by: String,
    answered_at: DateTime<Utc>,
}

/// One round of a notice as stored and shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoundRecord {
    round: i32,
    issued_by: String,
    issued_at: DateTime<Utc>,
    problem: String,
    required: String,
    due_on: String,
    answer: Option<AnswerRecord>,
    /// `verified` or `escalated` once the issuer decided.
    outcome: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct NoticeView {
    id: String,
    school_id: String,
    district_id: String,
    teacher_id: Option<String>,
    /// `teacher` or `school`.
    to: &'static str,
    issued_by: String,
    about: Option<About>,
    round: i32,
    /// The last round the policy allows.
    last_round: i32,
    status: String,
    due_on: String,
    overdue: bool,
    rounds: Vec<RoundRecord>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn rounds_of(n: &Notice) -> Vec<RoundRecord> {
    serde_json::from_str(&n.rounds).unwrap_or_default()
}

/// What the current round says is wrong.
pub(super) fn problem_of(n: &Notice) -> String {
    rounds_of(n).pop().map(|r| r.problem).unwrap_or_default()
}

impl NoticeView {
    /// The notice as answered, with the last round `limits` allow.
    pub(super) fn new(n: Notice, limits: Limits) -> NoticeView {
        let overdue = validate::parse_date(&n.due_on)
            .is_some_and(|d| rule::is_overdue(&n.status, d, super::quotas::today()));
        NoticeView {
            rounds: rounds_of(&n),
            to: if n.teacher_id.is_some() {
                "teacher"
            } else {
                "school"
            },
            about: n
                .about_kind
                .zip(n.about_id)
                .map(|(kind, id)| About { kind, id }),
            last_round: limits.rounds,
            overdue,
            id: n.id,
            school_id: n.school_id,
            district_id: n.district_id,
            teacher_id: n.teacher_id,
            issued_by: n.issued_by,
            round: n.round,
            status: n.status,
            due_on: n.due_on,
            version: n.version,
            created_at: n.created_at.and_utc(),
            updated_at: n.updated_at.and_utc(),
        }
    }
}

impl NoticeView {
    pub(super) fn is_overdue(&self) -> bool {
        self.overdue
    }
}

fn respond(status: StatusCode, n: Notice, limits: Limits) -> HttpResponse {
    let v = NoticeView::new(n, limits);
    etag::respond(status, (&v.id, v.version), &v)
}

/// Who may issue a notice to a teacher of the school (`Some`) or to the school (`None`): the
/// district's researchers and admins to either; the school's principal, vice principals and
/// deans to its teachers.
fn may_issue(caller: &Caller, school: &School, to_teacher: bool) -> bool {
    caller.is_admin()
        || caller.is_district_staff(&school.district_id)
        || (to_teacher && caller.is_senior_leader(&school.id))
}

/// Who verifies, escalates or withdraws: the issuer, and whoever may issue such a notice.
fn may_decide(caller: &Caller, n: &Notice, school: &School) -> bool {
    n.issued_by == caller.id() || may_issue(caller, school, n.teacher_id.is_some())
}

/// Who answers: the teacher, or for a school its principal, vice principals and deans.
fn is_recipient(caller: &Caller, n: &Notice) -> bool {
    match &n.teacher_id {
        Some(t) => t == caller.id(),
        None => caller
            .school_roles(&n.school_id)
            .iter()
            .any(|r| matches!(r, Role::Principal | Role::VicePrincipal | Role::Dean)),
    }
}

/// Who reads a notice: its recipient and issuer, those who read the school's work (its senior
/// leaders, the district's researchers, admins), and the leader of a grade group of its teacher.
pub(super) fn can_see(caller: &Caller, n: &Notice) -> bool {
    is_recipient(caller, n)
        || n.issued_by == caller.id()
        || caller.sees_school_work(&n.school_id, &n.district_id)
        || n.teacher_id
            .as_ref()
            .is_some_and(|t| caller.reads_person(&n.school_id, t))
}

fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<(Notice, School)> {
    let n = notices::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let school = school_seen(conn, caller, &n.school_id)?;
    match can_see(caller, &n) {
        true => Ok((n, school)),
        false => Err(ApiError::not_found()),
    }
}

/// The thing a notice is about exists in the school.
fn check_about(conn: &mut DbConn, school_id: &str, about: &About) -> ApiResult<()> {
    let school = match about.kind.as_str() {
        "check_result" => checks::results::find(conn, &about.id)?.map(|r| r.school_id),
        "observation" => obs::find(conn, &about.id)?
            .filter(|o| !o.is_draft())
            .map(|o| o.school_id),
        "document" => docs::find(conn, &about.id)?.map(|d| d.school_id),
        "inspection" => inspections::find(conn, &about.id)?.map(|i| i.school_id),
        _ => {
            return Err(ApiError::field(
                "invalid_about",
                "about.kind",
                "check_result, observation, document or inspection",
            ))
        }
    };
    match school.as_deref() == Some(school_id) {
        true => Ok(()),
        false => Err(ApiError::field(
            "about_not_found",
            "about.id",
            "nothing of that kind and id in this school",
        )),
    }
}

fn due(s: &str) -> ApiResult<NaiveDate> {
    let day = validate::parse_date(s)
        .ok_or_else(|| ApiError::field("invalid_date", "due_on", "not a day"))?;
    rule::deadline(day, super::quotas::today())?;
    Ok(day)
}

fn save(conn: &mut DbConn, mut n: Notice, rounds: &[RoundRecord]) -> ApiResult<Notice> {
    n.rounds = serde_json::to_string(rounds).unwrap_or_else(|_| "[]".into());
    notices::save(conn, n)?.ok_or_else(ApiError::stale)
}

/// Moves the notice by `step` under the rules.
fn step(n: &mut Notice, step: Step, limits: Limits) -> ApiResult<()> {
    let now = State {
        status: &n.status,
        round: n.round,
    };
    // Where the notice stands refuses the step (409); a bad deadline or the last round is the
    // request's (422).
    let (status, round) =
        rule::next(now, step, super::quotas::today(), limits).map_err(|b| match b.code {
            "notice_closed" | "not_answered" => ApiError::conflict(b.code).detail(b.message),
            _ => ApiError::from(b),
        })?;
    n.status = status.to_string();
    n.round = round;
    Ok(())
}

async fn issue(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<NewNotice>,
) -> ApiResult<HttpResponse> {
    let limits = state.config.notices;
    let (status, n) = state
        .write(move |conn| {
            let body = body.read()?;
            let school = school_seen(conn, &caller, &body.school_id)?;
            if !may_issue(&caller, &school, body.teacher_id.is_some()) {
                return Err(ApiError::forbidden());
            }
            let hash = super::request_hash(&body);
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = notices::find_any(conn, &body.id)? {
                let same = existing.issued_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                return super::again(same, existing);
            }
            if let Some(teacher) = &body.teacher_id {
                if members::find(conn, teacher, &school.id)?.is_none() {
                    return Err(ApiError::field(
                        "teacher_not_in_school",
                        "teacher_id",
                        "not a member of this school",
                    ));
                }
            }
            if let Some(about) = &body.about {
                check_about(conn, &school.id, about)?;
            }
            due(&body.demand.due_on)?;
            let now = tingke_models::now();
            let first = RoundRecord {
                round: 1,
                issued_by: caller.id().to_string(),
                issued_at: now.and_utc(),
                problem: body.demand.problem,
                required: body.demand.required,
                due_on: body.demand.due_on.clone(),
                answer: None,
                outcome: None,
                decided_by: None,
                decided_at: None,
            };
            let n = Notice {
                id: body.id,
                school_id: school.id,
                district_id: school.district_id,
                teacher_id: body.teacher_id,
                issued_by: caller.id().to_string(),
                about_kind: body.about.as_ref().map(|a| a.kind.clone()),
                about_id: body.about.map(|a| a.id),
                round: 1,
                status: rule::OPEN.to_string(),
                due_on: body.demand.due_on,
                rounds: serde_json::to_string(&[first]).unwrap_or_else(|_| "[]".into()),
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            notices::insert(conn, &n)?;
            Ok((StatusCode::CREATED, n))
        })
        .await?;
    Ok(respond(status, n, limits))
}

/// A school's notices: all of them for those who read the school's work, the notices of the
/// people of their grade groups for a grade-group leader, a teacher's own for a teacher.
async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let limits = state.config.notices;
    let school_id = school_id.into_inner();
    let list = state
        .read(move |conn| {
            let school = school_seen(conn, &caller, &school_id)?;
            let readers = match caller.sees_school_work(&school.id, &school.district_id) {
                true => Readers::All,
                false => {
                    let mut ids = vec![caller.id().to_string()];
                    ids.extend(
                        caller
                            .groups
                            .iter()
                            .filter(|g| g.school_id == school.id)
                            .flat_map(|g| g.people.iter().cloned()),
                    );
                    Readers::Teachers {
                        ids,
                        school_level: false,
                    }
                }
            };
            let page = notices::of_school(conn, &school.id, &readers, &query.page()?)?;
            Ok(List::from_page(page, |n| NoticeView::new(n, limits)))
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
    let limits = state.config.notices;
    let id = id.into_inner();
    let (n, _) = state.read(move |conn| visible(conn, &caller, &id)).await?;
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(&n.id, n.version)) {
        return Ok(not_modified);
    }
    Ok(respond(StatusCode::OK, n, limits))
}

async fn answer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<AnswerBody>,
) -> ApiResult<HttpResponse> {
    let limits = state.config.notices;
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    let n = state
        .write(move |conn| {
            let (mut n, _) = visible(conn, &caller, &id)?;
            if !is_recipient(&caller, &n) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            etag::check_match(if_match.as_deref(), &etag::tag(&n.id, n.version))?;
            let own = docs::live_by_ids(conn, &body.document_ids)?;
            let all_own = body.document_ids.iter().all(|id| {
                own.iter().any(|d| {
                    &d.id == id && d.school_id == n.school_id && d.teacher_id == caller.id()
                })
            });
            if !all_own {
                return Err(ApiError::field(
                    "document_not_found",
                    "document_ids",
                    "not a document of yours in this school",
                ));
            }
            step(&mut n, Step::Answer, limits)?;
            let mut rounds = rounds_of(&n);
            if let Some(last) = rounds.last_mut() {
                last.answer = Some(AnswerRecord {
                    text: body.text,
                    document_ids: body.document_ids,
                    answered_by: caller.id().to_string(),
                    answered_at: tingke_models::now().and_utc(),
                });
            }
            save(conn, n, &rounds)
        })
        .await?;
    Ok(respond(StatusCode::OK, n, limits))
}

/// Marks the current round's outcome.
fn decide(rounds: &mut [RoundRecord], outcome: &str, by: &str) {
    if let Some(last) = rounds.last_mut() {
        last.outcome = Some(outcome.to_string());
        last.decided_by = Some(by.to_string());
        last.decided_at = Some(tingke_models::now().and_utc());
    }
}

async fn verify(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let limits = state.config.notices;
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    let n = state
        .write(move |conn| {
            let (mut n, school) = visible(conn, &caller, &id)?;
            if !may_decide(&caller, &n, &school) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&n.id, n.version))?;
            step(&mut n, Step::Verify, limits)?;
            let mut rounds = rounds_of(&n);
            decide(&mut rounds, rule::VERIFIED, caller.id());
            save(conn, n, &rounds)
        })
        .await?;
    Ok(respond(StatusCode::OK, n, limits))
}

async fn escalate(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<EscalateBody>,
) -> ApiResult<HttpResponse> {
    let limits = state.config.notices;
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    let n = state
        .write(move |conn| {
            let (mut n, school) = visible(conn, &caller, &id)?;
            if !may_decide(&caller, &n, &school) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            etag::check_match(if_match.as_deref(), &etag::tag(&n.id, n.version))?;
            let due_on = validate::parse_date(&body.due_on)
                .ok_or_else(|| ApiError::field("invalid_date", "due_on", "not a day"))?;
            step(&mut n, Step::Escalate { due_on }, limits)?;
            let mut rounds = rounds_of(&n);
            decide(&mut rounds, "escalated", caller.id());
            let last = rounds.last().cloned();
            rounds.push(RoundRecord {
                round: n.round,
                issued_by: caller.id().to_string(),
                issued_at: tingke_models::now().and_utc(),
                problem: body
                    .problem
                    .or_else(|| last.as_ref().map(|l| l.problem.clone()))
                    .unwrap_or_default(),
                required: body
                    .required
                    .or_else(|| last.map(|l| l.required))
                    .unwrap_or_default(),
                due_on: body.due_on.clone(),
                answer: None,
                outcome: None,
                decided_by: None,
                decided_at: None,
            });
            n.due_on = body.due_on;
            save(conn, n, &rounds)
        })
        .await?;
    Ok(respond(StatusCode::OK, n, limits))
}

async fn withdraw(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let (mut n, school) = visible(conn, &caller, &id)?;
            if !may_decide(&caller, &n, &school) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&n.id, n.version))?;
            n.deleted_at = Some(tingke_models::now());
            let rounds = rounds_of(&n);
            save(conn, n, &rounds).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
