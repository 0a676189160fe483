//! District inspections of schools (督查): a researcher (or an admin) records what the team did
//! (听、查、看、访、谈), what it found and the school's grade; the notices it issues are notices
//! about it. The district sees every school's last inspection and its open notices. The rules
//! are in `tingke_models::rules::inspections`.

use super::checks::{send, Answer, Versioned};
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
use std::collections::HashMap;
use tingke_models::inspections::{self, Inspection};
use tingke_models::rules::{checks as grades, inspections as rule};
use tingke_models::schools::School;
use tingke_models::{notices, schools, terms, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/schools/{id}/inspections", record)
        .add(Method::GET, "/v1/schools/{id}/inspections", list)
        .add(Method::GET, "/v1/inspections/{id}", get)
        .add(Method::PATCH, "/v1/inspections/{id}", edit)
        .add(Method::DELETE, "/v1/inspections/{id}", delete)
        .add(Method::GET, "/v1/districts/{id}/inspections", overview);
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Part {
    #[validate(length(min = 1, max = 20, code = "invalid_length"))]
    part: String,
    #[serde(default)]
    #[validate(
        length(max = 2000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    note: String,
}

/// What an inspection found, on record and (all of it again) on edit.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct Report {
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    term_id: String,
    #[validate(custom(function = "validate::date"))]
    inspected_on: String,
    #[validate(length(max = 5, code = "invalid_length"), nested)]
    parts: Vec<Part>,
    #[serde(default)]
    #[validate(
        length(max = 10000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    findings: String,
    #[validate(length(min = 1, max = 20, code = "invalid_length"))]
    grade: String,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewInspection {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[serde(flatten)]
    #[validate(nested)]
    report: Report,
}

#[derive(Debug, Serialize)]
pub struct InspectionView {
    id: String,
    school_id: String,
    district_id: String,
    term_id: String,
    inspected_on: String,
    parts: Vec<Part>,
    findings: String,
    grade: String,
    recorded_by: String,
    /// The notices issued about it.
    notice_ids: Vec<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(super) fn view(conn: &mut DbConn, i: Inspection) -> ApiResult<InspectionView> {
    Ok(InspectionView {
        notice_ids: notices::about(conn, "inspection", &i.id)?,
        parts: serde_json::from_str(&i.parts).unwrap_or_default(),
        id: i.id,
        school_id: i.school_id,
        district_id: i.district_id,
        term_id: i.term_id,
        inspected_on: i.inspected_on,
        findings: i.findings,
        grade: i.grade,
        recorded_by: i.recorded_by,
        version: i.version,
        created_at: i.created_at.and_utc(),
        updated_at: i.updated_at.and_utc(),
    })
}

fn respond(
    conn: &mut DbConn,
    status: StatusCode,
    i: Inspection,
) -> ApiResult<Answer<InspectionView>> {
    Ok((status, view(conn, i)?))
}

impl Versioned for InspectionView {
    fn tag(&self) -> (&str, i32) {
        (&self.id, self.version)
    }
}

/// Who inspects a school: the district's researchers, admins.
fn may_inspect(caller: &Caller, school: &School) -> bool {
    caller.is_admin() || caller.is_district_staff(&school.district_id)
}

/// Who reads inspections: whoever reads the school's whole work (its principal, vice principals
/// and deans, the district's researchers, admins).
pub(super) fn can_see(caller: &Caller, i: &Inspection) -> bool {
    caller.sees_school_work(&i.school_id, &i.district_id)
}

fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<(Inspection, School)> {
    let i = inspections::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let school = school_seen(conn, caller, &i.school_id)?;
    match can_see(caller, &i) {
        true => Ok((i, school)),
        false => Err(ApiError::not_found()),
    }
}

/// The report against the rules and its term (one of the school's district).
fn check(conn: &mut DbConn, school: &School, r: &Report) -> ApiResult<()> {
    rule::parts(r.parts.iter().map(|p| p.part.as_str()))?;
    grades::grade(&r.grade)?;
    terms::find(conn, &r.term_id)?
        .filter(|t| t.district_id == school.district_id)
        .ok_or_else(|| ApiError::field("term_not_found", "term_id", "no such term here"))?;
    Ok(())
}

fn fill(i: &mut Inspection, r: Report) {
    i.term_id = r.term_id;
    i.inspected_on = r.inspected_on;
    i.parts = serde_json::to_string(&r.parts).unwrap_or_else(|_| "[]".into());
    i.findings = r.findings;
    i.grade = r.grade;
}

fn save(conn: &mut DbConn, i: Inspection) -> ApiResult<Inspection> {
    inspections::save(conn, i)?.ok_or_else(ApiError::stale)
}

async fn record(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    body: Body<NewInspection>,
) -> ApiResult<HttpResponse> {
    let school_id = school_id.into_inner();
    state
        .write(move |conn| {
            let school = school_seen(conn, &caller, &school_id)?;
            if !may_inspect(&caller, &school) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let hash = super::request_hash(&(&school.id, &body));
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = inspections::find_any(conn, &body.id)? {
                let same = existing.recorded_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                let (status, i) = super::again(same, existing)?;
                return respond(conn, status, i);
            }
            check(conn, &school, &body.report)?;
            let now = tingke_models::now();
            let mut i = Inspection {
                id: body.id,
                school_id: school.id,
                district_id: school.district_id,
                term_id: String::new(),
                inspected_on: String::new(),
                parts: String::new(),
                findings: String::new(),
                grade: String::new(),
                recorded_by: caller.id().to_string(),
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            fill(&mut i, body.report);
            inspections::insert(conn, &i)?;
            respond(conn, StatusCode::CREATED, i)
        })
        .await
        .map(send)
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
            if !caller.sees_school_work(&school.id, &school.district_id) {
                return Err(ApiError::forbidden());
            }
            let page = inspections::of_school(conn, &school.id, &query.page()?)?;
            let mut items = Vec::with_capacity(page.items.len());
            for i in page.items {
                items.push(view(conn, i)?);
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
    let (status, view) = state
        .read(move |conn| {
            let (i, _) = visible(conn, &caller, &id)?;
            respond(conn, StatusCode::OK, i)
        })
        .await?;
    let (id, version) = view.tag();
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(id, version)) {
        return Ok(not_modified);
    }
    Ok(send((status, view)))
}

async fn edit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<Report>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    state
        .write(move |conn| {
            let (mut i, school) = visible(conn, &caller, &id)?;
            if !may_inspect(&caller, &school) {
                return Err(ApiError::forbidden());
            }
            let report = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&i.id, i.version))?;
            check(conn, &school, &report)?;
            fill(&mut i, report);
            let i = save(conn, i)?;
            respond(conn, StatusCode::OK, i)
        })
        .await
        .map(send)
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
            let (mut i, school) = visible(conn, &caller, &id)?;
            if !may_inspect(&caller, &school) {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&i.id, i.version))?;
            i.deleted_at = Some(tingke_models::now());
            save(conn, i).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize)]
struct LastInspection {
    id: String,
    inspected_on: String,
    grade: String,
}

#[derive(Debug, Serialize)]
struct SchoolLine {
    school_id: String,
    school_name: String,
    last_inspection: Option<LastInspection>,
    /// Notices of the school (to it or to its teachers) not verified yet.
    open_notices: i64,
}

/// Every school of the district with its last inspection and open notices.
async fn overview(
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
            let mut last: HashMap<String, Inspection> =
                inspections::last_per_school(conn, &district.id)?
                    .into_iter()
                    .map(|i| (i.school_id.clone(), i))
                    .collect();
            let open: HashMap<String, i64> = notices::open_per_school(conn, &district.id)?
                .into_iter()
                .collect();
            let lines: Vec<SchoolLine> = schools::names_in_district(conn, &district.id)?
                .into_iter()
                .map(|(school_id, school_name)| SchoolLine {
                    last_inspection: last.remove(&school_id).map(|i| LastInspection {
                        id: i.id,
                        inspected_on: i.inspected_on,
                        grade: i.grade,
                    }),
                    open_notices: open.get(&school_id).copied().unwrap_or(0),
                    school_id,
                    school_name,
                })
                .collect();
            Ok(lines)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
