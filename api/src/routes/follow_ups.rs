//! Follow-ups of lessons below standard, and the overdue lists: one per school merging late
//! reviews, late notices and late follow-ups, and one per district for its notices to schools.
//! The rules are in `tingke_models::rules::follow_ups` and `rules::notices`.

use super::checks::{send, Answer, Versioned};
use super::schools::school_seen;
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::Body;
use crate::state::AppState;
use crate::validate;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tingke_models::notices::{self, follow_up, FollowUp, Place};
use tingke_models::observations::{self as obs, Observation};
use tingke_models::roles::Role;
use tingke_models::rules::{follow_ups as rule, notices as notice_rule};
use tingke_models::{documents as docs, rubrics, schools, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/observations/{id}/follow-ups", open)
        .add(Method::GET, "/v1/schools/{id}/follow-ups", list)
        .add(Method::GET, "/v1/follow-ups/{id}", get)
        .add(Method::DELETE, "/v1/follow-ups/{id}", cancel)
        .add(Method::GET, "/v1/schools/{id}/overdue", school_overdue)
        .add(Method::GET, "/v1/districts/{id}/overdue", district_overdue);
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewFollowUp {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[validate(custom(function = "validate::date"))]
    due_on: String,
    #[serde(default)]
    #[validate(
        length(max = 2000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    note: String,
}

#[derive(Debug, Serialize)]
struct FollowUpView {
    id: String,
    observation_id: String,
    school_id: String,
    teacher_id: String,
    opened_by: String,
    due_on: String,
    note: String,
    /// The observation that did the re-observation, once there is one.
    done_by_observation_id: Option<String>,
    overdue: bool,
    version: i32,
    created_at: DateTime<Utc>,
}

/// The views of follow-ups, each with whether a later observation did it.
fn views(conn: &mut DbConn, list: Vec<FollowUp>) -> ApiResult<Vec<FollowUpView>> {
    Ok(judged(conn, list)?.into_iter().map(|(v, _)| v).collect())
}

/// [`views`], each with the topic of the lesson followed up.
fn judged(conn: &mut DbConn, list: Vec<FollowUp>) -> ApiResult<Vec<(FollowUpView, String)>> {
    let mut out = Vec::with_capacity(list.len());
    for f in list {
        let Some(low) = obs::find_any(conn, &f.observation_id)? else {
            continue;
        };
        let later = obs::of_teacher_after(conn, (&f.school_id, &f.teacher_id), low.started_at)?;
        let done = rule::done_by(low.started_at, &later).map(str::to_string);
        let overdue = validate::parse_date(&f.due_on)
            .is_some_and(|d| rule::is_overdue(done.is_some(), d, super::quotas::today()));
        let view = FollowUpView {
            done_by_observation_id: done,
            overdue,
            id: f.id,
            observation_id: f.observation_id,
            school_id: f.school_id,
            teacher_id: f.teacher_id,
            opened_by: f.opened_by,
            due_on: f.due_on,
            note: f.note,
            version: f.version,
            created_at: f.created_at.and_utc(),
        };
        out.push((view, low.topic));
    }
    Ok(out)
}

fn respond(conn: &mut DbConn, status: StatusCode, f: FollowUp) -> ApiResult<Answer<FollowUpView>> {
    let v = views(conn, vec![f])?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok((status, v))
}

impl Versioned for FollowUpView {
    fn tag(&self) -> (&str, i32) {
        (&self.id, self.version)
    }
}

/// Who follows a school's lessons up: its principal, vice principals and deans, the district's
/// researchers, admins.
fn may_follow_up(caller: &Caller, o: &Observation) -> bool {
    caller.sees_school_work(&o.school_id, &o.district_id)
}

async fn open(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<NewFollowUp>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    state
        .write(move |conn| {
            let o = obs::find(conn, &id)?
                .filter(|o| super::observations::can_see(&caller, o))
                .ok_or_else(ApiError::not_found)?;
            if !may_follow_up(&caller, &o) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let hash = super::request_hash(&(&o.id, &body));
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = follow_up::find_any(conn, &body.id)? {
                let same = existing.opened_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                let (status, f) = super::again(same, existing)?;
                return respond(conn, status, f);
            }
            if o.is_draft() {
                return Err(ApiError::conflict("invalid_transition")
                    .detail("a draft is not followed up: submit it first"));
            }
            let pass_line = rubrics::find(conn, &o.rubric_id)?.and_then(|r| r.pass_line);
            rule::may_open(o.total(), pass_line)?;
            let day = validate::parse_date(&body.due_on)
                .ok_or_else(|| ApiError::field("invalid_date", "due_on", "not a day"))?;
            notice_rule::deadline(day, super::quotas::today())?;
            let now = tingke_models::now();
            let f = FollowUp {
                id: body.id,
                observation_id: o.id,
                school_id: o.school_id,
                teacher_id: o.teacher_id,
                opened_by: caller.id().to_string(),
                due_on: body.due_on,
                note: body.note,
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            follow_up::insert(conn, &f)?;
            respond(conn, StatusCode::CREATED, f)
        })
        .await
        .map(send)
}

/// The follow-up when the caller may see its observation's school's work.
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<FollowUp> {
    let f = follow_up::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let school = school_seen(conn, caller, &f.school_id)?;
    let sees = caller.sees_school_work(&school.id, &school.district_id)
        || caller.reads_person(&school.id, &f.teacher_id)
        || f.teacher_id == caller.id();
    match sees {
        true => Ok(f),
        false => Err(ApiError::not_found()),
    }
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .read(move |conn| {
            let school = school_seen(conn, &caller, &id)?;
            let whole = caller.sees_school_work(&school.id, &school.district_id);
            if !whole && caller.groups.iter().all(|g| g.school_id != school.id) {
                return Err(ApiError::forbidden());
            }
            let mut list = follow_up::of_school(conn, &school.id)?;
            list.retain(|f| whole || caller.reads_person(&school.id, &f.teacher_id));
            views(conn, list)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    state
        .read(move |conn| {
            let f = visible(conn, &caller, &id)?;
            respond(conn, StatusCode::OK, f)
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
            let mut f = visible(conn, &caller, &id)?;
            if !(f.opened_by == caller.id() || caller.is_senior_leader(&f.school_id)) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&f.id, f.version))?;
            f.deleted_at = Some(tingke_models::now());
            follow_up::save(conn, f)?
                .map(|_| ())
                .ok_or_else(ApiError::stale)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ------------------------------------------------------------------ overdue lists

/// One late thing: a review's deadline to revise, a notice's deadline to answer, a follow-up's
/// day to observe again.
#[derive(Debug, Serialize)]
struct Late {
    /// `review`, `notice` or `follow_up`.
    kind: &'static str,
    id: String,
    school_id: String,
    /// `null` for a notice to a school.
    teacher_id: Option<String>,
    teacher_name: Option<String>,
    /// What it is about: a document's topic, a notice's problem, the observed lesson's topic.
    title: String,
    due_on: String,
    days_overdue: i64,
    /// A notice's round.
    round: Option<i32>,
    /// The document reviewed, the observation followed up.
    document_id: Option<String>,
    observation_id: Option<String>,
}

fn days_since(due_on: &str, today: NaiveDate) -> i64 {
    validate::parse_date(due_on).map_or(0, |d| (today - d).num_days())
}

fn notice_line(n: tingke_models::notices::Notice, today: NaiveDate) -> Late {
    let problem = super::notices::problem_of(&n);
    Late {
        kind: "notice",
        days_overdue: days_since(&n.due_on, today),
        id: n.id,
        school_id: n.school_id,
        teacher_id: n.teacher_id,
        teacher_name: None,
        title: problem.chars().take(100).collect(),
        due_on: n.due_on,
        round: Some(n.round),
        document_id: None,
        observation_id: None,
    }
}

/// Everything late in a school that the caller reads.
fn late_in_school(conn: &mut DbConn, caller: &Caller, school_id: &str) -> ApiResult<Vec<Late>> {
    let school = school_seen(conn, caller, school_id)?;
    let whole = caller.sees_school_work(&school.id, &school.district_id);
    let leads = caller.school_roles(&school.id).contains(&Role::GradeLeader);
    if !(whole || leads) {
        return Err(ApiError::forbidden());
    }
    let today = super::quotas::today();
    let day = today.format("%Y-%m-%d").to_string();
    let mut late = Vec::new();
    for (r, d) in docs::overdue(conn, &school.id, &day)? {
        let by = r.rectify_by.unwrap_or_default();
        late.push(Late {
            kind: "review",
            days_overdue: days_since(&by, today),
            id: r.id,
            school_id: d.school_id,
            teacher_id: Some(d.teacher_id),
            teacher_name: None,
            title: d.topic,
            due_on: by,
            round: None,
            document_id: Some(d.id),
            observation_id: None,
        });
    }
    for n in notices::overdue(conn, Place::School(&school.id), &day)? {
        late.push(notice_line(n, today));
    }
    let open = follow_up::of_school(conn, &school.id)?;
    for (f, topic) in judged(conn, open)? {
        if !f.overdue {
            continue;
        }
        late.push(Late {
            kind: "follow_up",
            days_overdue: days_since(&f.due_on, today),
            id: f.id,
            school_id: f.school_id,
            teacher_id: Some(f.teacher_id),
            teacher_name: None,
            title: topic,
            due_on: f.due_on,
            round: None,
            document_id: None,
            observation_id: Some(f.observation_id),
        });
    }
    // A grade-group leader hears of the people of their groups only.
    late.retain(|l| {
        whole
            || l.teacher_id
                .as_ref()
                .is_some_and(|t| caller.reads_person(&school.id, t))
    });
    name(conn, &mut late)?;
    late.sort_by(|a, b| (&a.due_on, &a.id).cmp(&(&b.due_on, &b.id)));
    Ok(late)
}

fn name(conn: &mut DbConn, late: &mut [Late]) -> ApiResult<()> {
    let ids: Vec<String> = late.iter().filter_map(|l| l.teacher_id.clone()).collect();
    let names: HashMap<String, String> = obs::user_names(conn, &ids)?;
    for l in late {
        l.teacher_name = l.teacher_id.as_ref().and_then(|t| names.get(t).cloned());
    }
    Ok(())
}

async fn school_overdue(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .read(move |conn| late_in_school(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// The district's notices to schools that are past their deadline, for its researchers and
/// admins.
async fn district_overdue(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .read(move |conn| {
            let district = tingke_models::districts::find(conn, &id)?
                .filter(|d| caller.can_view_district(&d.id))
                .ok_or_else(ApiError::not_found)?;
            if !caller.can_view_district_members(&district.id) {
                return Err(ApiError::forbidden());
            }
            let today = super::quotas::today();
            let day = today.format("%Y-%m-%d").to_string();
            let names: HashMap<String, String> = schools::names_in_district(conn, &district.id)?
                .into_iter()
                .collect();
            let items: Vec<serde_json::Value> =
                notices::overdue(conn, Place::District(&district.id), &day)?
                    .into_iter()
                    .map(|n| {
                        let school_name = names.get(&n.school_id).cloned().unwrap_or_default();
                        let mut v = serde_json::to_value(notice_line(n, today)).unwrap_or_default();
                        v["school_name"] = serde_json::Value::String(school_name);
                        v
                    })
                    .collect();
            Ok(items)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
