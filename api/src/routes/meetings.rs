//! What a group holds: a lesson-preparation group's collective preparation (集体备课) and a
//! subject or grade group's research activity (教研活动). Recorded by a member of the group (or a
//! leader of the school), read by whoever sees the school. What a meeting must be is in
//! `tingke_models::rules::meetings`.

use super::groups::{group_people, visible_group};
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
use tingke_models::groups::Group;
use tingke_models::meetings::{self, Meeting};
use tingke_models::rules;
use tingke_models::{documents as docs, observations as obs, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/groups/{id}/meetings", create)
        .add(Method::GET, "/v1/groups/{id}/meetings", list)
        .add(Method::GET, "/v1/meetings/{id}", get)
        .add(Method::PATCH, "/v1/meetings/{id}", edit)
        .add(Method::DELETE, "/v1/meetings/{id}", delete);
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct Attendee {
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    user_id: String,
    #[validate(length(min = 1, max = 20, code = "invalid_length"))]
    status: String,
}

/// What a meeting says, on create and (all of it again) on edit.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct MeetingBody {
    #[validate(custom(function = "validate::date"))]
    held_on: String,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 100, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    topic: String,
    #[validate(length(min = 1, max = 30, code = "invalid_length"))]
    activity: Option<String>,
    #[serde(default)]
    #[validate(
        length(max = 500, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    lessons: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    main_preparer_id: Option<String>,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    document_id: Option<String>,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    discussion: String,
    #[serde(default)]
    #[validate(
        length(max = 5000, code = "invalid_length"),
        custom(function = "validate::multiline_text")
    )]
    revisions: String,
    #[serde(default)]
    #[validate(length(max = 300, code = "invalid_length"), nested)]
    attendance: Vec<Attendee>,
    #[serde(default)]
    #[validate(length(max = 20, code = "invalid_length"))]
    observation_ids: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewMeeting {
    /// The client's id: a retried create answers the same meeting.
    #[validate(custom(function = "validate::client_id"))]
    id: String,
    #[validate(length(min = 1, max = 30, code = "invalid_length"))]
    kind: String,
    #[serde(flatten)]
    #[validate(nested)]
    body: MeetingBody,
}

#[derive(Debug, Serialize, Deserialize)]
struct AttendeeView {
    user_id: String,
    status: String,
}

#[derive(Debug, Serialize)]
pub struct MeetingView {
    id: String,
    group_id: String,
    school_id: String,
    kind: String,
    held_on: String,
    topic: String,
    activity: Option<String>,
    lessons: String,
    main_preparer_id: Option<String>,
    document_id: Option<String>,
    discussion: String,
    revisions: String,
    attendance: Vec<AttendeeView>,
    observation_ids: Vec<String>,
    recorded_by: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Meeting> for MeetingView {
    fn from(m: Meeting) -> MeetingView {
        MeetingView {
            attendance: serde_json::from_str(&m.attendance).unwrap_or_default(),
            observation_ids: serde_json::from_str(&m.observation_ids).unwrap_or_default(),
            id: m.id,
            group_id: m.group_id,
            school_id: m.school_id,
            kind: m.kind,
            held_on: m.held_on,
            topic: m.topic,
            activity: m.activity,
            lessons: m.lessons,
            main_preparer_id: m.main_preparer_id,
            document_id: m.document_id,
            discussion: m.discussion,
            revisions: m.revisions,
            recorded_by: m.recorded_by,
            version: m.version,
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
        }
    }
}

/// One meeting, with its version as `ETag`.
fn answer(status: StatusCode, m: Meeting) -> HttpResponse {
    let v = MeetingView::from(m);
    etag::respond(status, (&v.id, v.version), &v)
}

/// The body against the group's rules and what it names: the main preparer and attendees from
/// the group, a document and observations of the school that the caller may see (those the
/// meeting named already, `before`, stay: a group leader editing the record need not see the
/// observation a principal linked).
fn check(
    conn: &mut DbConn,
    caller: &Caller,
    (g, kind): (&Group, &str),
    b: &MeetingBody,
    before: Option<&Meeting>,
) -> ApiResult<()> {
    let members: Vec<String> = group_people(conn, g)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let attendance: Vec<(String, String)> = b
        .attendance
        .iter()
        .map(|a| (a.user_id.clone(), a.status.clone()))
        .collect();
    let proposed = rules::meetings::Proposed {
        kind,
        activity: b.activity.as_deref(),
        main_preparer_id: b.main_preparer_id.as_deref(),
        attendance: &attendance,
        observation_count: b.observation_ids.len(),
    };
    rules::meetings::check(&g.kind, &members, &proposed).map_err(ApiError::from)?;
    let kept_document = before.and_then(|m| m.document_id.as_ref());
    let kept: Vec<String> = before
        .map(|m| serde_json::from_str(&m.observation_ids).unwrap_or_default())
        .unwrap_or_default();
    if let Some(id) = b.document_id.as_ref().filter(|d| Some(*d) != kept_document) {
        let found = docs::find(conn, id)?.filter(|d| d.school_id == g.school_id);
        let readable = match &found {
            Some(d) => super::documents::may_read(conn, caller, d)?,
            None => false,
        };
        if !readable {
            return Err(ApiError::field(
                "document_not_found",
                "document_id",
                "no such document here",
            ));
        }
    }
    for id in b.observation_ids.iter().filter(|o| !kept.contains(o)) {
        obs::find(conn, id)?
            .filter(|o| !o.is_draft() && o.school_id == g.school_id)
            .filter(|o| super::observations::can_see(caller, o))
            .ok_or_else(|| {
                ApiError::field(
                    "observation_not_found",
                    "observation_ids",
                    "not a submitted observation of this school",
                )
            })?;
    }
    Ok(())
}

/// Whether the caller records meetings of the group: its members, the school's leaders, admins.
fn may_record(conn: &mut DbConn, caller: &Caller, g: &Group) -> ApiResult<bool> {
    let member = group_people(conn, g)?
        .iter()
        .any(|(id, _)| id == caller.id());
    Ok(member || caller.is_senior_leader(&g.school_id))
}

/// Whether the caller changes a meeting: who recorded it, the group's leaders, the school's
/// leaders, admins.
fn may_change(conn: &mut DbConn, caller: &Caller, g: &Group, m: &Meeting) -> ApiResult<bool> {
    let leads = group_people(conn, g)?
        .iter()
        .any(|(id, leader)| *leader && id == caller.id());
    Ok(leads || m.recorded_by == caller.id() || caller.is_senior_leader(&g.school_id))
}

/// The meeting and its group when the caller may see them; 404 for everyone else.
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<(Meeting, Group)> {
    let m = meetings::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let g = visible_group(conn, caller, &m.group_id)?;
    Ok((m, g))
}

fn save(conn: &mut DbConn, mut m: Meeting) -> ApiResult<Meeting> {
    let expected = m.version;
    m.version += 1;
    m.updated_at = tingke_models::now();
    match meetings::update_if_version(conn, &m, expected)? {
        true => Ok(m),
        false => Err(ApiError::stale()),
    }
}

/// Writes the body's fields into `m`.
fn fill(m: &mut Meeting, b: MeetingBody) {
    let attendance: Vec<AttendeeView> = b
        .attendance
        .into_iter()
        .map(|a| AttendeeView {
            user_id: a.user_id,
            status: a.status,
        })
        .collect();
    m.held_on = b.held_on;
    m.topic = b.topic.trim().to_string();
    m.activity = b.activity;
    m.lessons = b.lessons;
    m.main_preparer_id = b.main_preparer_id;
    m.document_id = b.document_id;
    m.discussion = b.discussion;
    m.revisions = b.revisions;
    m.attendance = serde_json::to_string(&attendance).unwrap_or_else(|_| "[]".into());
    m.observation_ids = serde_json::to_string(&b.observation_ids).unwrap_or_else(|_| "[]".into());
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    group_id: web::Path<String>,
    body: Body<NewMeeting>,
) -> ApiResult<HttpResponse> {
    let group_id = group_id.into_inner();
    let (status, m) = state
        .write(move |conn| {
            let g = visible_group(conn, &caller, &group_id)?;
            if !may_record(conn, &caller, &g)? {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let hash = super::request_hash(&(&g.id, &body));
            tingke_models::db::lock_key(conn, &body.id)?;
            if let Some(existing) = meetings::find_any(conn, &body.id)? {
                let same = existing.recorded_by == caller.id()
                    && existing.request_hash == hash
                    && existing.deleted_at.is_none();
                return super::again(same, existing);
            }
            check(conn, &caller, (&g, &body.kind), &body.body, None)?;
            let now = tingke_models::now();
            let mut m = Meeting {
                id: body.id,
                group_id: g.id,
                school_id: g.school_id,
                kind: body.kind,
                held_on: String::new(),
                topic: String::new(),
                activity: None,
                lessons: String::new(),
                main_preparer_id: None,
                document_id: None,
                discussion: String::new(),
                revisions: String::new(),
                attendance: String::new(),
                observation_ids: String::new(),
                recorded_by: caller.id().to_string(),
                request_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            fill(&mut m, body.body);
            meetings::insert(conn, &m)?;
            Ok((StatusCode::CREATED, m))
        })
        .await?;
    Ok(answer(status, m))
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    group_id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let group_id = group_id.into_inner();
    let list = state
        .read(move |conn| {
            let g = visible_group(conn, &caller, &group_id)?;
            let page = meetings::of_group(conn, &g.id, &query.page()?)?;
            Ok(List::from_page(page, MeetingView::from))
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
    let (m, _) = state.read(move |conn| visible(conn, &caller, &id)).await?;
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(&m.id, m.version)) {
        return Ok(not_modified);
    }
    Ok(answer(StatusCode::OK, m))
}

async fn edit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<MeetingBody>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    let m = state
        .write(move |conn| {
            let (mut m, g) = visible(conn, &caller, &id)?;
            if !may_change(conn, &caller, &g, &m)? {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&m.id, m.version))?;
            check(conn, &caller, (&g, &m.kind), &body, Some(&m))?;
            fill(&mut m, body);
            save(conn, m)
        })
        .await?;
    Ok(answer(StatusCode::OK, m))
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
            let (mut m, g) = visible(conn, &caller, &id)?;
            if !may_change(conn, &caller, &g, &m)? {
                return Err(ApiError::forbidden());
            }
            etag::check_match(if_match.as_deref(), &etag::tag(&m.id, m.version))?;
            m.deleted_at = Some(tingke_models::now());
            save(conn, m)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
