//! Lesson plans and guided-learning sheets: created offline with the phone's id, filled with
//! photographed pages (see `pages.rs`), submitted, reviewed, and for sheets approved by the
//! grade-group leader and signed off by a school leader before use.

use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::{Body, List, PageQuery, Valid};
use crate::state::AppState;
use crate::validate;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tingke_models::documents::{self as docs, status, Document, Review};
use tingke_models::observations as obs;
use tingke_models::roles::Role;
use tingke_models::rules::documents::Step;
use tingke_models::{rules, schools, DbConn};
use validator::{Validate, ValidationError};

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/documents", create)
        .add(Method::GET, "/v1/documents", list)
        .add(Method::GET, "/v1/documents/{id}", get)
        .add(Method::DELETE, "/v1/documents/{id}", delete)
        .add(Method::POST, "/v1/documents/{id}/submit", submit)
        .add(Method::POST, "/v1/documents/{id}/reviews", review)
        .add(Method::POST, "/v1/documents/{id}/approve", approve)
        .add(Method::POST, "/v1/documents/{id}/sign-off", sign_off)
        .add(Method::GET, "/v1/schools/{id}/reviews/overdue", overdue);
}

fn valid_kind(k: &str) -> Result<(), ValidationError> {
    match docs::KINDS.contains(&k) {
        true => Ok(()),
        false => Err(ValidationError::new("invalid_kind")),
    }
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewDocument {
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[validate(custom(function = "valid_kind"))]
    kind: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    school_id: String,
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
        length(min = 1, max = 200, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    topic: String,
    #[validate(custom(function = "validate::date"))]
    lesson_date: String,
    /// The lesson-preparation group a guided-learning sheet belongs to, if any.
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    group_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct ReviewView {
    id: String,
    reviewer_id: String,
    reviewer_name: String,
    verdict: String,
    comments: String,
    guidance: String,
    rectify_by: Option<String>,
    resolved_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub(super) struct DocumentView {
    id: String,
    school_id: String,
    district_id: String,
    teacher_id: String,
    teacher_name: String,
    kind: String,
    subject: String,
    grade: String,
    topic: String,
    lesson_date: String,
    status: String,
    submitted_at: Option<DateTime<Utc>>,
    approved_by: Option<String>,
    signed_off_by: Option<String>,
    group_id: Option<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<Vec<super::pages::PageView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reviews: Option<Vec<ReviewView>>,
}

/// A document with its teacher's name; with `full`, its pages (signed URLs, same pages found
/// elsewhere) and reviews.
pub(super) fn view(
    conn: &mut DbConn,
    d: Document,
    full: bool,
    viewer: &Caller,
) -> ApiResult<DocumentView> {
    let mut one = views(conn, vec![d], full, viewer)?;
    Ok(one.pop().expect("one document in, one view out"))
}

/// Documents as [`view`] renders them, with a fixed number of queries however many there are
/// (lists, sync pages and archives show hundreds).
pub(super) fn views(
    conn: &mut DbConn,
    list: Vec<Document>,
    full: bool,
    viewer: &Caller,
) -> ApiResult<Vec<DocumentView>> {
    let (mut pages, mut reviews) = match full {
        true => (
            super::pages::views_of(conn, &list, viewer)?,
            reviews_by_document(conn, &list)?,
        ),
        false => Default::default(),
    };
    let mut ids: Vec<String> = list.iter().map(|d| d.teacher_id.clone()).collect();
    ids.extend(reviews.values().flatten().map(|r| r.reviewer_id.clone()));
    let names = obs::user_names(conn, &ids)?;
    Ok(list
        .into_iter()
        .map(|d| {
            let parts = full.then(|| {
                (
                    pages.remove(&d.id).unwrap_or_default(),
                    reviews.remove(&d.id).unwrap_or_default(),
                )
            });
            render(d, &names, parts)
        })
        .collect())
}

fn reviews_by_document(
    conn: &mut DbConn,
    list: &[Document],
) -> ApiResult<HashMap<String, Vec<Review>>> {
    let ids: Vec<String> = list.iter().map(|d| d.id.clone()).collect();
    let mut by_document: HashMap<String, Vec<Review>> = HashMap::new();
    for r in docs::reviews_of_documents(conn, &ids)? {
        by_document
            .entry(r.document_id.clone())
            .or_default()
            .push(r);
    }
    Ok(by_document)
}

fn render(
    d: Document,
    names: &HashMap<String, String>,
    parts: Option<(Vec<super::pages::PageView>, Vec<Review>)>,
) -> DocumentView {
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let utc = |t: chrono::NaiveDateTime| t.and_utc();
    let (pages, reviews) = parts.unzip();
    DocumentView {
        teacher_name: name(&d.teacher_id),
        reviews: reviews.map(|rs| {
            rs.into_iter()
                .map(|r| ReviewView {
                    reviewer_name: name(&r.reviewer_id),
                    id: r.id,
                    reviewer_id: r.reviewer_id,
                    verdict: r.verdict,
                    comments: r.comments,
                    guidance: r.guidance,
                    rectify_by: r.rectify_by,
                    resolved_at: r.resolved_at.map(utc),
                    created_at: utc(r.created_at),
                })
                .collect()
        }),
        pages,
        id: d.id,
        school_id: d.school_id,
        district_id: d.district_id,
        teacher_id: d.teacher_id,
        kind: d.kind,
        subject: d.subject,
        grade: d.grade,
        topic: d.topic,
        lesson_date: d.lesson_date,
        status: d.status,
        submitted_at: d.submitted_at.map(utc),
        approved_by: d.approved_by,
        signed_off_by: d.signed_off_by,
        group_id: d.group_id,
        version: d.version,
        created_at: utc(d.created_at),
        updated_at: utc(d.updated_at),
    }
}

impl DocumentView {
    pub(super) fn pages_mut(&mut self) -> impl Iterator<Item = &mut super::pages::PageView> {
        self.pages.iter_mut().flatten()
    }
}

pub(super) fn respond(status: StatusCode, v: DocumentView) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag::tag(&v.id, v.version)))
        .json(v)
}

/// Reviewers of a school's documents: principal, vice principal, dean, grade-group leader.
fn is_reviewer(caller: &Caller, school_id: &str) -> bool {
    caller
        .school_roles(school_id)
        .iter()
        .any(|r| r.is_school_leader())
}

pub(super) fn can_see(caller: &Caller, d: &Document) -> bool {
    d.teacher_id == caller.id()
        || (d.status != status::DRAFT
            && (caller.sees_school_work(&d.school_id, &d.district_id)
                || caller.reads_person(&d.school_id, &d.teacher_id)))
}

/// The document when the caller may see it: its teacher and, for a group's sheet, the group's
/// people always; once submitted, the readers of the whole school (principal, vice principals,
/// deans), the leader of a grade group its teacher is in, the district's researchers and
/// admins; 404 for everyone else.
pub(super) fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Document> {
    readable(conn, caller, id).map(|(d, _)| d)
}

/// The document when the caller may read it, and whether they are one of its group's people.
fn readable(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<(Document, bool)> {
    // Writes to one document take turns (two phones of one teacher uploading at once), so the
    // version check in `save` never refuses one of them.
    tingke_models::db::lock_key(conn, id)?;
    let d = docs::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let in_group = in_its_group(conn, caller, &d)?;
    match in_group || can_see(caller, &d) {
        true => Ok((d, in_group)),
        false => Err(ApiError::not_found()),
    }
}

/// `can_see`, and for a group's document, its group's people too (one query more).
pub(super) fn may_read(conn: &mut DbConn, caller: &Caller, d: &Document) -> ApiResult<bool> {
    Ok(can_see(caller, d) || in_its_group(conn, caller, d)?)
}

/// The caller is one of the people of the group the document belongs to.
fn in_its_group(conn: &mut DbConn, caller: &Caller, d: &Document) -> ApiResult<bool> {
    Ok(match &d.group_id {
        Some(group) => tingke_models::groups::of_member(conn, caller.id())?.contains(group),
        None => false,
    })
}

/// The document when it is the caller's own (its teacher's).
pub(super) fn own(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Document> {
    let d = visible(conn, caller, id)?;
    match d.teacher_id == caller.id() {
        true => Ok(d),
        false => Err(ApiError::new(StatusCode::FORBIDDEN, "not_your_document")),
    }
}

/// The document when the caller holds it: its teacher, or one of the people of its group (they
/// add pages and submit a group's sheet as its teacher does).
pub(super) fn held(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Document> {
    let (d, in_group) = readable(conn, caller, id)?;
    match d.teacher_id == caller.id() || in_group {
        true => Ok(d),
        false => Err(ApiError::new(StatusCode::FORBIDDEN, "not_your_document")),
    }
}

/// The group a new sheet names, checked against the rules (`rules::groups::may_own_document`).
fn owning_group(
    conn: &mut DbConn,
    caller: &Caller,
    body: &NewDocument,
    school_id: &str,
) -> ApiResult<Option<String>> {
    let Some(id) = &body.group_id else {
        return Ok(None);
    };
    let group = tingke_models::groups::find(conn, id)?;
    let same_school = group.as_ref().is_some_and(|g| g.school_id == school_id);
    let kind = group.as_ref().map_or("", |g| g.kind.as_str());
    let member = tingke_models::groups::of_member(conn, caller.id())?.contains(id);
    rules::groups::may_own_document(&body.kind, kind, same_school, member)?;
    Ok(Some(id.clone()))
}

/// Writes a changed document as its next version, when `if_match` (the request's `If-Match`, if
/// sent) names the version it was read at.
pub(super) fn save(
    conn: &mut DbConn,
    mut d: Document,
    if_match: Option<&str>,
) -> ApiResult<Document> {
    etag::check_match(if_match, &etag::tag(&d.id, d.version))?;
    let expected = d.version;
    d.version += 1;
    d.updated_at = tingke_models::now();
    match docs::update_if_version(conn, &d, expected)? {
        true => Ok(d),
        false => Err(ApiError::stale()),
    }
}

/// The document's next status by `step` (`rules::documents`), or 409 with the rule's code.
fn chain(d: &Document, step: Step) -> ApiResult<&'static str> {
    rules::documents::next(&d.kind, &d.status, step)
        .map_err(|r| ApiError::conflict(r.code).detail(r.detail))
}

enum Created {
    New(Box<DocumentView>),
    Again(Box<DocumentView>),
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<NewDocument>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let created = state
        .write(move |conn| {
            tingke_models::db::lock_key(conn, &body.id)?;
            let hash = super::request_hash(&body);
            if let Some(existing) = docs::find_any(conn, &body.id)? {
                let same = existing.teacher_id == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                return match same {
                    true => Ok(Created::Again(Box::new(view(
                        conn, existing, true, &caller,
                    )?))),
                    false => Err(ApiError::conflict("id_conflict")),
                };
            }
            let school = schools::find(conn, &body.school_id)?
                .filter(|s| caller.can_view_school(&s.id, &s.district_id))
                .ok_or_else(ApiError::not_found)?;
            if caller.school_roles(&school.id).is_empty() {
                return Err(ApiError::forbidden());
            }
            let group_id = owning_group(conn, &caller, &body, &school.id)?;
            let now = tingke_models::now();
            let d = Document {
                id: body.id,
                school_id: school.id,
                district_id: school.district_id,
                teacher_id: caller.id().to_string(),
                kind: body.kind,
                subject: body.subject.trim().to_string(),
                grade: body.grade.trim().to_string(),
                topic: body.topic.trim().to_string(),
                lesson_date: body.lesson_date,
                status: status::DRAFT.into(),
                submitted_at: None,
                approved_by: None,
                signed_off_by: None,
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
                group_id,
            };
            docs::insert(conn, &d)?;
            Ok(Created::New(Box::new(view(conn, d, true, &caller)?)))
        })
        .await?;
    let (status, mut v) = match created {
        Created::New(v) => (StatusCode::CREATED, *v),
        Created::Again(v) => (StatusCode::OK, *v),
    };
    super::pages::sign(&state, &req, &mut v).await?;
    Ok(respond(status, v))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    school_id: Option<String>,
    teacher_id: Option<String>,
    kind: Option<String>,
    status: Option<String>,
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
    let filter = docs::Filter {
        school_id: q.school_id,
        teacher_id: q.teacher_id.map(|t| {
            if t == "me" {
                caller.id().to_string()
            } else {
                t
            }
        }),
        kind: q.kind,
        status: q.status,
    };
    let mut visibility = caller.visibility();
    let list = state
        .read(move |conn| {
            visibility.member_of = tingke_models::groups::of_member(conn, caller.id())?;
            let page = docs::list(conn, &visibility, &filter, &page)?;
            Ok(List {
                items: views(conn, page.items, false, &caller)?,
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
    let mut v = state
        .read(move |conn| {
            let d = visible(conn, &caller, &id)?;
            view(conn, d, true, &caller)
        })
        .await?;
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(&v.id, v.version)) {
        return Ok(not_modified);
    }
    super::pages::sign(&state, &req, &mut v).await?;
    Ok(respond(StatusCode::OK, v))
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
            let mut d = own(conn, &caller, &id)?;
            if d.status != status::DRAFT {
                return Err(ApiError::conflict("document_submitted"));
            }
            d.deleted_at = Some(tingke_models::now());
            save(conn, d, if_match.as_deref()).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Runs a change of a document's state and answers the document as it is after it.
async fn transition<F>(
    state: web::Data<AppState>,
    req: HttpRequest,
    (status_code, viewer): (StatusCode, Caller),
    change: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConn, Option<&str>) -> ApiResult<Document> + Send + 'static,
{
    let if_match = etag::if_match(&req);
    let mut v = state
        .write(move |conn| {
            let d = change(conn, if_match.as_deref())?;
            view(conn, d, true, &viewer)
        })
        .await?;
    super::pages::sign(&state, &req, &mut v).await?;
    Ok(respond(status_code, v))
}

async fn submit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    transition(
        state,
        req,
        (StatusCode::OK, caller.clone()),
        move |conn, if_match| {
            let mut d = held(conn, &caller, &id)?;
            let next = chain(&d, Step::Submit)?;
            if docs::pages_of(conn, &d.id)?.is_empty() {
                return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_pages"));
            }
            let now = tingke_models::now();
            docs::resolve_reviews(conn, &d.id, now)?;
            d.status = next.into();
            d.submitted_at = Some(now);
            save(conn, d, if_match)
        },
    )
    .await
}

#[derive(Debug, Deserialize, Validate)]
struct NewReview {
    #[validate(custom(function = "valid_verdict"))]
    verdict: String,
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
    #[validate(custom(function = "validate::date"))]
    rectify_by: Option<String>,
}

fn valid_verdict(v: &str) -> Result<(), ValidationError> {
    match v == docs::APPROVED || v == docs::NEEDS_REVISION {
        true => Ok(()),
        false => Err(ValidationError::new("invalid_verdict")),
    }
}

/// A reviewer of the school may act; anyone else who sees the document may not.
fn reviewed(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Document> {
    let d = visible(conn, caller, id)?;
    if !(caller.is_admin() || is_reviewer(caller, &d.school_id)) {
        return Err(ApiError::forbidden());
    }
    if d.teacher_id == caller.id() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cannot_review_own"));
    }
    Ok(d)
}

/// A review's body, read once the caller is known to review the document: a deadline for a
/// request for revision, and not one in the past.
fn review_body(body: &Body<NewReview>) -> ApiResult<NewReview> {
    let body = body.read()?;
    let today = obs::local_date(tingke_models::now())
        .format("%Y-%m-%d")
        .to_string();
    match (&body.verdict[..], &body.rectify_by) {
        (docs::NEEDS_REVISION, None) => Err(ApiError::field(
            "rectify_by_required",
            "rectify_by",
            "a request for revision sets a deadline",
        )),
        (_, Some(day)) if *day < today => Err(ApiError::field(
            "invalid_date_range",
            "rectify_by",
            "the deadline has passed already",
        )),
        _ => Ok(body),
    }
}

async fn review(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<NewReview>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    transition(
        state,
        req,
        (StatusCode::CREATED, caller.clone()),
        move |conn, if_match| {
            let mut d = reviewed(conn, &caller, &id)?;
            let body = review_body(&body)?;
            let needs_revision = body.verdict == docs::NEEDS_REVISION;
            let next = chain(&d, Step::Review { needs_revision })?;
            docs::insert_review(
                conn,
                &Review {
                    id: tingke_models::new_id(),
                    document_id: d.id.clone(),
                    reviewer_id: caller.id().to_string(),
                    rectify_by: body
                        .rectify_by
                        .filter(|_| body.verdict == docs::NEEDS_REVISION),
                    verdict: body.verdict.clone(),
                    comments: body.comments.trim().to_string(),
                    guidance: body.guidance.trim().to_string(),
                    resolved_at: None,
                    created_at: tingke_models::now(),
                },
            )?;
            d.status = next.into();
            save(conn, d, if_match)
        },
    )
    .await
}

/// The approval of a guided-learning sheet by the leader of its grade's group, the first step of
/// its chain (`rules::groups::may_approve_sheet`).
async fn approve(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    transition(
        state,
        req,
        (StatusCode::OK, caller.clone()),
        move |conn, if_match| {
            tingke_models::db::lock_key(conn, &id)?;
            let mut d = docs::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
            let leaders = tingke_models::groups::grade_leaders(conn, &d.school_id, &d.grade)?;
            let may = tingke_models::rules::groups::may_approve_sheet(
                caller.is_admin(),
                caller.has_school_role(&d.school_id, Role::GradeLeader),
                caller.id(),
                leaders.as_deref(),
            );
            // Whoever approves the sheet (the leader of its grade's group, whatever their roles,
            // or any grade-group leader while the grade has no group) sees it to approve it.
            if !(can_see(&caller, &d) || (may && d.status != status::DRAFT)) {
                return Err(ApiError::not_found());
            }
            if !may {
                return Err(ApiError::forbidden());
            }
            if d.teacher_id == caller.id() {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "cannot_review_own"));
            }
            d.status = chain(&d, Step::Approve)?.into();
            d.approved_by = Some(caller.id().to_string());
            save(conn, d, if_match)
        },
    )
    .await
}

/// A school leader's sign-off: the sheet may be used in class.
async fn sign_off(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    transition(
        state,
        req,
        (StatusCode::OK, caller.clone()),
        move |conn, if_match| {
            let mut d = visible(conn, &caller, &id)?;
            if !caller.is_senior_leader(&d.school_id) {
                return Err(ApiError::forbidden());
            }
            if d.teacher_id == caller.id() {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "cannot_sign_own"));
            }
            d.status = chain(&d, Step::SignOff)?.into();
            d.signed_off_by = Some(caller.id().to_string());
            save(conn, d, if_match)
        },
    )
    .await
}

#[derive(Debug, Serialize)]
struct OverdueItem {
    document_id: String,
    teacher_id: String,
    teacher_name: String,
    kind: String,
    topic: String,
    review_id: String,
    reviewer_id: String,
    rectify_by: String,
    days_overdue: i64,
}

async fn overdue(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let school = super::schools::visible_school(&caller, &state, id.into_inner()).await?;
    // Every reviewer asks; a grade-group leader hears of their groups' documents only.
    if !(caller.sees_school_work(&school.id, &school.district_id)
        || is_reviewer(&caller, &school.id))
    {
        return Err(ApiError::forbidden());
    }
    let today = obs::local_date(tingke_models::now());
    let items = state
        .read(move |conn| {
            let mut rows = docs::overdue(conn, &school.id, &today.format("%Y-%m-%d").to_string())?;
            rows.retain(|(_, d)| can_see(&caller, d));
            let ids: Vec<String> = rows.iter().map(|(_, d)| d.teacher_id.clone()).collect();
            let names = obs::user_names(conn, &ids)?;
            Ok(rows
                .into_iter()
                .map(|(r, d)| {
                    let by = r.rectify_by.unwrap_or_default();
                    let days = validate::parse_date(&by).map_or(0, |b| (today - b).num_days());
                    OverdueItem {
                        teacher_name: names.get(&d.teacher_id).cloned().unwrap_or_default(),
                        document_id: d.id,
                        teacher_id: d.teacher_id,
                        kind: d.kind,
                        topic: d.topic,
                        review_id: r.id,
                        reviewer_id: r.reviewer_id,
                        rectify_by: by,
                        days_overdue: days,
                    }
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
