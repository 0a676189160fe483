//! A school's groups (教研组, 备课组, 年级组): made and edited by the school's leaders, their
//! people managed by the school's leaders and by the group's own leaders. What a group must be
//! is in `tingke_models::rules::groups`.

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
use tingke_models::groups::{self, Group, GroupMember};
use tingke_models::rules;
use tingke_models::{members, schools, DbConn};
use validator::{Validate, ValidationError};

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/schools/{id}/groups", create)
        .add(Method::GET, "/v1/schools/{id}/groups", list)
        .add(Method::GET, "/v1/groups/{id}", get)
        .add(Method::PATCH, "/v1/groups/{id}", edit)
        .add(Method::DELETE, "/v1/groups/{id}", delete)
        .add(Method::PUT, "/v1/groups/{id}/members", set_members);
}

fn valid_kind(k: &str) -> Result<(), ValidationError> {
    match groups::KINDS.contains(&k) {
        true => Ok(()),
        false => Err(ValidationError::new("invalid_kind")),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
struct Person {
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    user_id: String,
    #[serde(default)]
    leader: bool,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct NewGroup {
    /// The client's id: a retried create answers the same group.
    #[validate(custom(function = "validate::client_id"))]
    id: Option<String>,
    #[validate(custom(function = "valid_kind"))]
    kind: String,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 50, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    name: String,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 20, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    subject: Option<String>,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 20, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    grade: Option<String>,
    #[validate(nested)]
    members: Vec<Person>,
}

#[derive(Debug, Deserialize, Validate)]
struct GroupEdit {
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 50, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    name: Option<String>,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 20, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    subject: Option<String>,
    #[serde(default, deserialize_with = "validate::name_opt")]
    #[validate(
        length(min = 1, max = 20, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    grade: Option<String>,
}

#[derive(Debug, Deserialize, Validate)]
struct People {
    #[validate(nested)]
    members: Vec<Person>,
}

#[derive(Debug, Serialize)]
struct MemberView {
    user_id: String,
    name: String,
    leader: bool,
}

#[derive(Debug, Serialize)]
pub struct GroupView {
    id: String,
    school_id: String,
    kind: String,
    name: String,
    subject: Option<String>,
    grade: Option<String>,
    members: Vec<MemberView>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The views of `groups`, with their people (one query for all of them).
pub(super) fn views(conn: &mut DbConn, list: Vec<Group>) -> ApiResult<Vec<GroupView>> {
    let ids: Vec<String> = list.iter().map(|g| g.id.clone()).collect();
    let mut people: HashMap<String, Vec<MemberView>> = HashMap::new();
    for (group, m) in groups::members_of(conn, &ids)? {
        let GroupMember {
            user_id,
            name,
            leader,
        } = m;
        people.entry(group).or_default().push(MemberView {
            user_id,
            name,
            leader,
        });
    }
    Ok(list
        .into_iter()
        .map(|g| GroupView {
            members: people.remove(&g.id).unwrap_or_default(),
            id: g.id,
            school_id: g.school_id,
            kind: g.kind,
            name: g.name,
            subject: g.subject,
            grade: g.grade,
            version: g.version,
            created_at: g.created_at.and_utc(),
            updated_at: g.updated_at.and_utc(),
        })
        .collect())
}

fn view(conn: &mut DbConn, g: Group) -> ApiResult<GroupView> {
    let mut v = views(conn, vec![g])?;
    v.pop()
        .ok_or_else(|| ApiError::internal("a group without its view"))
}

fn people_of(list: &[Person]) -> Vec<(String, bool)> {
    list.iter().map(|p| (p.user_id.clone(), p.leader)).collect()
}

/// Everyone listed is a member of the school, and the list is one a group may have.
fn check_people(conn: &mut DbConn, school_id: &str, people: &[(String, bool)]) -> ApiResult<()> {
    rules::groups::check_members(people).map_err(ApiError::from)?;
    for (user_id, _) in people {
        members::find(conn, user_id, school_id)?.ok_or_else(|| {
            ApiError::field(
                "member_not_in_school",
                "members",
                "no member of this school has this id",
            )
        })?;
    }
    Ok(())
}

/// The school (when the caller may see it) and whether the caller leads it.
fn school_of(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<schools::School> {
    schools::find(conn, id)?
        .filter(|s| caller.can_view_school(&s.id, &s.district_id))
        .ok_or_else(ApiError::not_found)
}

/// The group when the caller may see it (whoever sees its school); 404 for everyone else.
pub(super) fn visible_group(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Group> {
    let group = groups::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    school_of(conn, caller, &group.school_id)?;
    Ok(group)
}

/// The group when the caller leads its school (principal, vice principal, dean, admin).
fn managed(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Group> {
    let group = visible_group(conn, caller, id)?;
    match caller.is_senior_leader(&group.school_id) {
        true => Ok(group),
        false => Err(ApiError::forbidden()),
    }
}

/// The group's people: (user id, leader).
pub(super) fn group_people(conn: &mut DbConn, g: &Group) -> ApiResult<Vec<(String, bool)>> {
    Ok(groups::members_of(conn, std::slice::from_ref(&g.id))?
        .into_iter()
        .map(|(_, m)| (m.user_id, m.leader))
        .collect())
}

/// Writes a changed group as its next version; a concurrent change wins and this one gets 412.
fn save(conn: &mut DbConn, mut g: Group) -> ApiResult<Group> {
    let expected = g.version;
    g.version += 1;
    g.updated_at = tingke_models::now();
    match groups::update_if_version(conn, &g, expected)? {
        true => Ok(g),
        false => Err(ApiError::stale()),
    }
}

/// No other live group of the school has this name.
fn check_name_free(conn: &mut DbConn, g: &Group) -> ApiResult<()> {
    match groups::find_by_name(conn, &g.school_id, &g.name)? {
        Some(other) if other.id != g.id => Err(ApiError::conflict("group_exists")),
        _ => Ok(()),
    }
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    body: Body<NewGroup>,
) -> ApiResult<HttpResponse> {
    let school_id = school_id.into_inner();
    let (status, v) = state
        .write(move |conn| {
            let school = school_of(conn, &caller, &school_id)?;
            if !caller.is_senior_leader(&school.id) {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let hash = super::request_hash(&(&school.id, &body));
            let id = body.id.clone().unwrap_or_else(tingke_models::new_id);
            tingke_models::db::lock_key(conn, &id)?;
            if let Some(existing) = groups::find_any(conn, &id)? {
                let same = existing.created_by == caller.id() && existing.request_hash == hash;
                let (status, g) = super::again(same && existing.deleted_at.is_none(), existing)?;
                return Ok((status, view(conn, g)?));
            }
            // Names are unique in a school: one create at a time per school decides.
            tingke_models::db::lock_key(conn, &school.id)?;
            let g = new_group(conn, &caller, body, (school.id, id, hash))?;
            Ok((StatusCode::CREATED, view(conn, g)?))
        })
        .await?;
    // Its leaders read its people from now on (`Caller::groups`).
    state.forget_callers();
    Ok(etag::respond(status, (&v.id, v.version), &v))
}

fn new_group(
    conn: &mut DbConn,
    caller: &Caller,
    body: NewGroup,
    (school_id, id, hash): (String, String, String),
) -> ApiResult<Group> {
    let (subject, grade) =
        rules::groups::shape(&body.kind, body.subject, body.grade).map_err(ApiError::from)?;
    let people = people_of(&body.members);
    check_people(conn, &school_id, &people)?;
    let now = tingke_models::now();
    let g = Group {
        id,
        school_id,
        kind: body.kind,
        name: body.name.trim().to_string(),
        subject,
        grade,
        created_by: caller.id().to_string(),
        request_hash: hash,
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    check_name_free(conn, &g)?;
    groups::insert(conn, &g)?;
    groups::set_members(conn, &g.id, &people)?;
    Ok(g)
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
            let school = school_of(conn, &caller, &school_id)?;
            let page = groups::list(conn, &school.id, &query.page()?)?;
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
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let v = state
        .read(move |conn| {
            let g = visible_group(conn, &caller, &id)?;
            view(conn, g)
        })
        .await?;
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(&v.id, v.version)) {
        return Ok(not_modified);
    }
    Ok(etag::respond(StatusCode::OK, (&v.id, v.version), &v))
}

async fn edit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<GroupEdit>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    let v = state
        .write(move |conn| {
            let mut g = managed(conn, &caller, &id)?;
            let body = body.read()?;
            etag::require_match(if_match.as_deref(), &etag::tag(&g.id, g.version))?;
            let (subject, grade) = rules::groups::shape(
                &g.kind,
                body.subject.or(g.subject.take()),
                body.grade.or(g.grade.take()),
            )
            .map_err(ApiError::from)?;
            (g.subject, g.grade) = (subject, grade);
            if let Some(name) = body.name {
                g.name = name.trim().to_string();
                tingke_models::db::lock_key(conn, &g.school_id)?;
                check_name_free(conn, &g)?;
            }
            let g = save(conn, g)?;
            view(conn, g)
        })
        .await?;
    Ok(etag::respond(StatusCode::OK, (&v.id, v.version), &v))
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
            let mut g = managed(conn, &caller, &id)?;
            etag::check_match(if_match.as_deref(), &etag::tag(&g.id, g.version))?;
            g.deleted_at = Some(tingke_models::now());
            save(conn, g)?;
            Ok(())
        })
        .await?;
    state.forget_callers();
    Ok(HttpResponse::NoContent().finish())
}

async fn set_members(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<People>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.into_inner(), etag::if_match(&req));
    let v = state
        .write(move |conn| {
            let g = visible_group(conn, &caller, &id)?;
            let before = group_people(conn, &g)?;
            let leads = before.iter().any(|(u, l)| *l && u == caller.id());
            let school_leader = caller.is_senior_leader(&g.school_id);
            if !(school_leader || leads) {
                return Err(ApiError::forbidden());
            }
            let after = people_of(&body.read()?.members);
            if !rules::groups::may_set_members(school_leader, leads, &before, &after) {
                return Err(ApiError::forbidden());
            }
            etag::require_match(if_match.as_deref(), &etag::tag(&g.id, g.version))?;
            check_people(conn, &g.school_id, &after)?;
            groups::set_members(conn, &g.id, &after)?;
            let g = save(conn, g)?;
            view(conn, g)
        })
        .await?;
    state.forget_callers();
    Ok(etag::respond(StatusCode::OK, (&v.id, v.version), &v))
}
