//! People: members of a school (school roles) and of a district (researchers).

use super::schools::visible_school;
use super::Router;
use crate::auth::{password, Caller};
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::{Body, List, PageQuery};
use crate::state::AppState;
use crate::validate;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tingke_models::members::{self, Member, Membership, NewMembership};
use tingke_models::roles::{Qualifier, Role};
use tingke_models::rules::accounts;
use tingke_models::users::{self, NewUser};
use tingke_models::{districts, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(
        Method::POST,
        "/v1/schools/{id}/members",
        create_school_member,
    )
    .add(Method::GET, "/v1/schools/{id}/members", list_school_members)
    .add(
        Method::POST,
        "/v1/districts/{id}/members",
        create_district_member,
    )
    .add(
        Method::GET,
        "/v1/districts/{id}/members",
        list_district_members,
    )
    .add(Method::PUT, "/v1/memberships/{id}/roles", set_roles)
    .add(
        Method::PUT,
        "/v1/memberships/{id}/qualifiers",
        set_qualifiers,
    )
    .add(
        Method::PUT,
        "/v1/memberships/{id}/contact-schools",
        set_contact_schools,
    );
}

#[derive(Debug, Deserialize, Validate)]
struct NewMember {
    /// The client's id for the membership (a retry with it answers the member again).
    #[validate(custom(function = "validate::client_id"))]
    id: Option<String>,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 50, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    name: String,
    #[validate(regex(path = *validate::PHONE, code = "invalid_phone"))]
    phone: String,
    /// The new person's first password; left out, they get a one-time password (answered once
    /// as `initial_password`). Either way they must choose their own at first login. Not used
    /// when the phone belongs to someone already: they join with the password they have.
    #[validate(custom(function = "validate::password"))]
    password: Option<String>,
    #[validate(length(min = 1, max = 6, code = "invalid_length"))]
    roles: Vec<String>,
    #[serde(default, deserialize_with = "validate::names")]
    #[validate(
        length(max = 20, code = "invalid_length"),
        custom(function = "validate::labels")
    )]
    subjects: Vec<String>,
    /// Qualifiers of the roles: `in_charge_of_teaching` for the vice principal in charge of
    /// teaching (分管教学副校长), `experienced` for an experienced (骨干) teacher.
    #[serde(default)]
    #[validate(length(max = 4, code = "invalid_length"))]
    qualifiers: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct MemberView {
    id: String,
    user_id: String,
    name: String,
    /// Shown to the school's leaders, admins and district staff, and to the member; a teacher
    /// or an apprentice listing colleagues sees names and roles only.
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    district_id: String,
    school_id: Option<String>,
    roles: Vec<Role>,
    qualifiers: Vec<Qualifier>,
    /// A researcher's contact schools (联系点); empty for everyone else.
    contact_school_ids: Vec<String>,
    subjects: Vec<String>,
    /// The grades the member teaches (from a district workbook).
    grades: Vec<String>,
    created_at: DateTime<Utc>,
    /// Only in the answer that created the person without a password: their one-time
    /// password, answered this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_password: Option<String>,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> MemberView {
        MemberView {
            id: m.membership.id,
            user_id: m.membership.user_id,
            name: m.name,
            phone: Some(m.phone),
            district_id: m.membership.district_id,
            school_id: m.membership.school_id,
            roles: m.membership.roles,
            qualifiers: m.membership.qualifiers,
            contact_school_ids: m.membership.contact_school_ids,
            subjects: m.membership.subjects,
            grades: m.membership.grades,
            created_at: m.membership.created_at.and_utc(),
            initial_password: None,
        }
    }
}

impl MemberView {
    /// The member as `caller` may see them: without the phone number unless the caller leads
    /// the member's school (principal, vice principal, dean), leads a group the member is in
    /// (`led`: the people of the caller's groups; a grade-group leader sees their grade's),
    /// is an admin or district staff who may list the district's people, or is the member.
    pub fn seen_by(m: Member, caller: &Caller, led: &[String]) -> MemberView {
        let sees_phone = caller.is_admin()
            || m.membership.user_id == caller.id()
            || led.contains(&m.membership.user_id)
            || match m.membership.school_id.as_deref() {
                Some(school) => caller
                    .school_roles(school)
                    .iter()
                    .any(|r| tingke_models::rules::visibility::reads_whole_school(*r)),
                None => caller.can_view_district_members(&m.membership.district_id),
            };
        let mut view = MemberView::from(m);
        if !sees_phone {
            view.phone = None;
        }
        view
    }
}

/// Parses role names: unknown names and roles not given at this level are refused.
fn parse_roles(names: &[String], allowed: &[Role]) -> ApiResult<Vec<Role>> {
    let mut roles = Vec::new();
    for name in names {
        let role = Role::parse(name).ok_or_else(|| {
            ApiError::field("unknown_role", "roles", format!("unknown role {name:?}"))
        })?;
        if !allowed.contains(&role) {
            return Err(ApiError::field(
                "role_not_allowed",
                "roles",
                format!("{name} cannot be given here"),
            ));
        }
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// Parses qualifier names: each must be known and qualify one of the member's roles.
fn parse_qualifiers(names: &[String], roles: &[Role]) -> ApiResult<Vec<Qualifier>> {
    let mut qualifiers = Vec::new();
    for name in names {
        let q = Qualifier::parse(name).ok_or_else(|| {
            ApiError::field(
                "unknown_qualifier",
                "qualifiers",
                format!("unknown qualifier {name:?}"),
            )
        })?;
        if !roles.contains(&q.role()) {
            return Err(ApiError::field(
                "qualifier_not_allowed",
                "qualifiers",
                format!("{name} qualifies the role {}", q.role().as_str()),
            ));
        }
        if !qualifiers.contains(&q) {
            qualifiers.push(q);
        }
    }
    Ok(qualifiers)
}

/// Adds a membership: to the person who has the phone already (a teacher of a second school
/// joins it with the roles given; a name other than theirs is 409 `phone_other_name`, being a
/// member already 409 `already_member`), or to a new person made in the same transaction.
async fn create_member(
    state: &AppState,
    body: NewMember,
    district_id: String,
    school_id: Option<String>,
    roles: Vec<Role>,
) -> ApiResult<(StatusCode, MemberView)> {
    let qualifiers = parse_qualifiers(&body.qualifiers, &roles)?;
    let (plain, one_time) = match &body.password {
        Some(p) => (p.clone(), None),
        None => {
            let p = password::one_time();
            (p.clone(), Some(p))
        }
    };
    let lightly = one_time.is_some();
    let password_hash = web::block(move || match lightly {
        true => password::hash_one_time(&plain),
        false => password::hash(&plain),
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let id = body.id.clone().unwrap_or_else(tingke_models::new_id);
    let initial = one_time.clone();
    let (status, member, created) = state
        .write(move |conn| {
            let now = tingke_models::now();
            tingke_models::db::lock_key(conn, &id)?;
            if let Some(existing) = members::by_ids(conn, std::slice::from_ref(&id))?.pop() {
                let m = &existing.membership;
                let same = existing.phone == body.phone
                    && m.school_id == school_id
                    && m.district_id == district_id
                    && m.roles == roles
                    && m.qualifiers == qualifiers
                    && m.subjects == body.subjects;
                let (status, member) = super::again(same, existing)?;
                return Ok((status, member, false));
            }
            // A deleted user's number may be given to someone new (numbers are reassigned).
            users::free_phone_of_deleted(conn, &body.phone)?;
            let name = body.name.trim().to_string();
            let (user_id, name, created) = match users::find_by_phone(conn, &body.phone)? {
                Some(user) if user.name != name => {
                    return Err(ApiError::conflict("phone_other_name"))
                }
                Some(user) => {
                    let scope = school_id.as_deref().unwrap_or(&district_id);
                    if members::find(conn, &user.id, scope)?.is_some() {
                        return Err(ApiError::conflict("already_member"));
                    }
                    (user.id, user.name, false)
                }
                None => {
                    let user_id = tingke_models::new_id();
                    users::insert(
                        conn,
                        &NewUser {
                            id: &user_id,
                            name: &name,
                            phone: &body.phone,
                            password_hash: &password_hash,
                            is_admin: false,
                            created_at: now,
                            updated_at: now,
                        },
                    )
                    .map_err(|e| {
                        match tingke_models::is_unique_violation(&e) {
                            true => ApiError::conflict("phone_taken"),
                            false => e.into(),
                        }
                    })?;
                    // A password someone else chose is known to them: the person chooses
                    // their own at first login, as with a one-time password.
                    users::set_one_time_password(conn, &user_id, &password_hash, now)?;
                    (user_id, name, true)
                }
            };
            let membership = members::insert_with_id(
                conn,
                &id,
                &NewMembership {
                    user_id: &user_id,
                    district_id: &district_id,
                    school_id: school_id.as_deref(),
                    roles: &roles,
                    subjects: &body.subjects,
                    qualifiers: &qualifiers,
                },
                now,
            )
            .map_err(|e| match tingke_models::is_unique_violation(&e) {
                true => ApiError::conflict("already_member"),
                false => e.into(),
            })?;
            let member = Member {
                membership,
                name,
                phone: body.phone,
            };
            Ok((StatusCode::CREATED, member, created))
        })
        .await?;
    state.forget_caller(&member.membership.user_id);
    let mut view = MemberView::from(member);
    view.initial_password = initial.filter(|_| created);
    Ok((status, view))
}

/// The answer to a member's creation: `no-store` when it holds a one-time password.
fn member_answer(status: StatusCode, member: MemberView) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    if member.initial_password.is_some() {
        res.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    }
    res.json(member)
}

async fn create_school_member(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    body: Body<NewMember>,
) -> ApiResult<HttpResponse> {
    let school = visible_school(&caller, &state, school_id.into_inner()).await?;
    if !caller.can_manage_school(&school.id) {
        return Err(ApiError::forbidden());
    }
    let body = body.read()?;
    let roles = parse_roles(&body.roles, &Role::SCHOOL_ROLES)?;
    let (status, member) =
        create_member(&state, body, school.district_id, Some(school.id), roles).await?;
    Ok(member_answer(status, member))
}

#[derive(Debug, Deserialize)]
struct MemberQuery {
    cursor: Option<String>,
    limit: Option<i64>,
    /// Part of a name or a phone number: at most 50 characters, no control characters.
    q: Option<String>,
}

/// A school's members; `q` finds those whose name (or phone, for a reader who sees the school's
/// phone numbers) holds the text, ignoring case.
async fn list_school_members(
    caller: Caller,
    state: web::Data<AppState>,
    school_id: web::Path<String>,
    query: web::Query<MemberQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    if let Some(q) = &query.q {
        if q.chars().count() > 50 || q.chars().any(char::is_control) {
            return Err(ApiError::bad_request("invalid_query")
                .detail("q is at most 50 characters of plain text"));
        }
    }
    let page = PageQuery {
        cursor: query.cursor,
        limit: query.limit,
    }
    .page()?;
    let school = visible_school(&caller, &state, school_id.into_inner()).await?;
    let sees_phones = caller.is_admin()
        || caller.can_view_district_members(&school.district_id)
        || caller
            .school_roles(&school.id)
            .iter()
            .any(|r| tingke_models::rules::visibility::reads_whole_school(*r));
    let search = query
        .q
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .map(|text| members::MemberSearch {
            text,
            in_phone: sees_phones,
        });
    let leader = caller.id().to_string();
    let (page, led) = state
        .read(move |conn| {
            let led = tingke_models::groups::people_led_by(conn, &leader)?;
            let found = members::list(conn, &school.id, search.as_ref(), &page)?;
            Ok((found, led))
        })
        .await?;
    let view = |m| MemberView::seen_by(m, &caller, &led);
    Ok(HttpResponse::Ok().json(List::from_page(page, view)))
}

async fn create_district_member(
    caller: Caller,
    state: web::Data<AppState>,
    district_id: web::Path<String>,
    body: Body<NewMember>,
) -> ApiResult<HttpResponse> {
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let district_id = district_id.into_inner();
    let lookup = district_id.clone();
    state
        .read(move |conn| districts::find(conn, &lookup)?.ok_or_else(ApiError::not_found))
        .await?;
    let body = body.read()?;
    let roles = parse_roles(&body.roles, &Role::DISTRICT_ROLES)?;
    let (status, member) = create_member(&state, body, district_id, None, roles).await?;
    Ok(member_answer(status, member))
}

async fn list_district_members(
    caller: Caller,
    state: web::Data<AppState>,
    district_id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let district_id = district_id.into_inner();
    if !caller.can_view_district_members(&district_id) {
        return Err(ApiError::not_found());
    }
    let page = query.page()?;
    let page = state
        .read(move |conn| {
            districts::find(conn, &district_id)?.ok_or_else(ApiError::not_found)?;
            Ok(members::list(conn, &district_id, None, &page)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(List::from_page(page, MemberView::from)))
}

#[derive(Debug, Deserialize, Validate)]
struct QualifiersUpdate {
    #[validate(length(max = 4, code = "invalid_length"))]
    qualifiers: Vec<String>,
}

/// The member of membership `id`, or 404.
fn find_member(conn: &mut DbConn, id: &str) -> ApiResult<Member> {
    members::by_ids(conn, &[id.to_string()])?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// Whether the caller sees `m` at all: a school's membership by whoever sees the school, a
/// district's by whoever sees the district's people.
fn sees_member(caller: &Caller, m: &Membership) -> bool {
    match m.school_id.as_deref() {
        Some(school) => caller.can_view_school(school, &m.district_id),
        None => caller.can_view_district_members(&m.district_id),
    }
}

/// A changed member, with its new tag; whoever's membership it is has their caller read again.
fn changed_member(state: &AppState, member: Member) -> HttpResponse {
    state.forget_caller(&member.membership.user_id);
    HttpResponse::Ok()
        .insert_header((header::ETAG, member_tag(&member)))
        .json(MemberView::from(member))
}

/// A membership's entity tag: memberships keep no version, and only their roles, qualifiers
/// and contact schools change.
fn member_tag(m: &Member) -> String {
    let stored = members::qualifiers_json(&m.membership.qualifiers);
    let contact = m.membership.contact_school_ids.join(",");
    let roles: Vec<&str> = m.membership.roles.iter().map(|r| r.as_str()).collect();
    let roles = roles.join(",");
    let digest = Sha256::digest(format!("{}:{stored}:{contact}:{roles}", m.membership.id));
    format!("\"member.{}\"", hex::encode(&digest[..12]))
}

/// Sets the qualifiers of a member's roles: a principal names the vice principal in charge of
/// teaching (分管教学) among the school's vice principals. The school's principal and admins;
/// others who see the school 403, everyone else 404.
async fn set_qualifiers(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<QualifiersUpdate>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let member = state
        .write(move |conn| {
            let mut member = find_member(conn, &id)?;
            let m = &member.membership;
            if !sees_member(&caller, m) {
                return Err(ApiError::not_found());
            }
            let manages = match m.school_id.as_deref() {
                Some(school) => caller.can_manage_school(school),
                None => caller.is_admin(),
            };
            if !manages {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let qualifiers = parse_qualifiers(&body.qualifiers, &m.roles)?;
            etag::check_match(if_match.as_deref(), &member_tag(&member))?;
            members::set_qualifiers(conn, &id, &qualifiers)?;
            member.membership.qualifiers = qualifiers;
            Ok(member)
        })
        .await?;
    Ok(changed_member(&state, member))
}

#[derive(Debug, Deserialize, Validate)]
struct RolesUpdate {
    #[validate(length(min = 1, max = 5, code = "invalid_length"))]
    roles: Vec<String>,
}

/// Sets the roles a person holds in a school (a teacher made grade-group leader, a dean who
/// steps down): the school's principal for anyone there but themselves, and admins
/// (`rules::accounts::may_set_roles`); others who see the school 403, everyone else 404.
/// Qualifiers of roles no longer held are dropped. `If-Match` as for qualifiers.
async fn set_roles(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<RolesUpdate>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let member = state
        .write(move |conn| {
            let mut member = find_member(conn, &id)?;
            let m = &member.membership;
            // A district membership holds district roles, set elsewhere: not found here.
            if m.school_id.is_none() || !sees_member(&caller, m) {
                return Err(ApiError::not_found());
            }
            if !accounts::may_set_roles(&caller.actor(), m) {
                return Err(ApiError::forbidden());
            }
            let roles = parse_roles(&body.read()?.roles, &Role::SCHOOL_ROLES)?;
            etag::check_match(if_match.as_deref(), &member_tag(&member))?;
            let qualifiers = accounts::qualifiers_kept(&m.qualifiers, &roles);
            members::set_roles(conn, &id, &roles, &qualifiers)?;
            member.membership.roles = roles;
            member.membership.qualifiers = qualifiers;
            Ok(member)
        })
        .await?;
    Ok(changed_member(&state, member))
}

#[derive(Debug, Deserialize, Validate)]
struct ContactSchools {
    #[validate(length(max = 200, code = "invalid_length"))]
    school_ids: Vec<String>,
}

/// Sets a researcher's contact schools (联系点): schools of their district they are responsible
/// for, by which their reports can be narrowed. Admins; the district's staff 403, everyone else
/// 404.
async fn set_contact_schools(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<ContactSchools>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let member = state
        .write(move |conn| {
            let mut member = find_member(conn, &id)?;
            let m = &member.membership;
            if !sees_member(&caller, m) {
                return Err(ApiError::not_found());
            }
            if !caller.is_admin() {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            if m.school_id.is_some() || !m.has_role(Role::Researcher) {
                return Err(ApiError::field(
                    "role_not_allowed",
                    "school_ids",
                    "contact schools are a district researcher's",
                ));
            }
            let mut ids: Vec<String> = Vec::new();
            for school_id in body.school_ids {
                let school = tingke_models::schools::find(conn, &school_id)?
                    .filter(|s| s.district_id == m.district_id)
                    .ok_or_else(|| {
                        ApiError::field(
                            "school_not_in_district",
                            "school_ids",
                            format!(
                                "no school of the researcher's district has the id {school_id:?}"
                            ),
                        )
                    })?;
                if !ids.contains(&school.id) {
                    ids.push(school.id);
                }
            }
            etag::check_match(if_match.as_deref(), &member_tag(&member))?;
            members::set_contact_schools(conn, &id, &ids)?;
            member.membership.contact_school_ids = ids;
            Ok(member)
        })
        .await?;
    Ok(changed_member(&state, member))
}
