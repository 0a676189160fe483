//! The caller (`/v1/me`) and user administration.

use super::Router;
use crate::auth::{password, Caller, Pending};
use crate::error::{ApiError, ApiResult};
use crate::extract::{optional_json, List, PageQuery};
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tingke_models::auth::AccountEvent;
use tingke_models::members::Membership;
use tingke_models::roles::Role;
use tingke_models::rules::accounts::{self, Resetter, Target};
use tingke_models::users::User;
use tingke_models::{auth, members, users, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/me", me)
        .add(Method::DELETE, "/v1/users/{id}", delete_user)
        .add(
            Method::POST,
            "/v1/users/{id}/password-reset",
            reset_password,
        )
        .add(Method::POST, "/v1/users/{id}/sessions/end", end_sessions)
        .add(Method::GET, "/v1/users/{id}/account-events", account_events);
}

#[derive(Debug, Serialize)]
pub struct MembershipView {
    pub id: String,
    pub district_id: String,
    pub school_id: Option<String>,
    pub roles: Vec<Role>,
    /// Qualifiers of the roles (`in_charge_of_teaching`, `experienced`).
    pub qualifiers: Vec<tingke_models::roles::Qualifier>,
    /// A researcher's contact schools (联系点).
    pub contact_school_ids: Vec<String>,
    pub subjects: Vec<String>,
    /// The grades the member teaches (from a district workbook).
    pub grades: Vec<String>,
}

impl From<&Membership> for MembershipView {
    fn from(m: &Membership) -> MembershipView {
        MembershipView {
            id: m.id.clone(),
            district_id: m.district_id.clone(),
            school_id: m.school_id.clone(),
            roles: m.roles.clone(),
            qualifiers: m.qualifiers.clone(),
            contact_school_ids: m.contact_school_ids.clone(),
            subjects: m.subjects.clone(),
            grades: m.grades.clone(),
        }
    }
}

/// A user with all their memberships: `/v1/me` and the `user` of a login.
#[derive(Debug, Serialize)]
pub struct MeView {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub is_admin: bool,
    /// Holding a one-time password: choose one's own (`POST /v1/me/password`) first.
    pub password_change_required: bool,
    pub created_at: DateTime<Utc>,
    pub memberships: Vec<MembershipView>,
}

impl MeView {
    pub fn new(user: &User, memberships: &[Membership]) -> MeView {
        MeView {
            id: user.id.clone(),
            name: user.name.clone(),
            phone: user.phone.clone(),
            is_admin: user.is_admin,
            password_change_required: user.password_change_required,
            created_at: user.created_at.and_utc(),
            memberships: memberships.iter().map(MembershipView::from).collect(),
        }
    }
}

async fn me(Pending(caller): Pending) -> HttpResponse {
    HttpResponse::Ok().json(MeView::new(&caller.user, &caller.memberships))
}

/// Admin only: the user can no longer log in and every session of theirs ends at once.
async fn delete_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let id = id.into_inner();
    let user_id = id.clone();
    state
        .write(move |conn| {
            let now = tingke_models::now();
            if !users::soft_delete(conn, &id, now)? {
                return Err(ApiError::not_found());
            }
            auth::revoke_user_sessions(conn, &id, now)?;
            Ok(())
        })
        .await?;
    state.forget_caller(&user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// A new one-time password, answered once and never again (`Cache-Control: no-store`, and
/// the idempotency layer keeps no copy of it); none when the leader chose the password.
#[derive(Debug, Serialize)]
struct ResetView {
    user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_password: Option<String>,
    password_change_required: bool,
}

/// A password the leader chose instead of a one-time one (told to the person in person).
#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[validate(custom(function = "crate::validate::password"))]
    password: Option<String>,
}

/// A leader gives a person a new password (`rules::accounts`): a one-time one answered here,
/// or the one the leader chose; the person's sessions end, they log in with it and must choose
/// their own; the reset is recorded.
async fn reset_password(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let chosen = match optional_json::<ResetRequest>(&req, &body)? {
        Some(r) => {
            r.validate()?;
            r.password
        }
        None => None,
    };
    let id = id.into_inner();
    let plain = chosen.clone().unwrap_or_else(password::one_time);
    let hash = {
        let (plain, chosen) = (plain.clone(), chosen.is_some());
        web::block(move || match chosen {
            true => password::hash(&plain),
            false => password::hash_one_time(&plain),
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
    };
    let user_id = id.clone();
    state
        .write(move |conn| {
            may_act_for(conn, &caller, &id, accounts::may_reset_password)?;
            let now = tingke_models::now();
            users::set_one_time_password(conn, &id, &hash, now)?;
            auth::revoke_user_sessions(conn, &id, now)?;
            auth::record_account_event(
                conn,
                &id,
                Some(caller.id()),
                AccountEvent::PasswordReset,
                now,
            )?;
            Ok(())
        })
        .await?;
    state.forget_caller(&user_id);
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(ResetView {
            user_id,
            initial_password: chosen.is_none().then_some(plain),
            password_change_required: true,
        }))
}

/// Whether the caller may act on the account `id` as `may` says (`rules::accounts`): 404 for a
/// person they do not know (or no such active user), 403 for one they know but may not act for.
fn may_act_for(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    may: fn(&Resetter, &Target) -> bool,
) -> ApiResult<()> {
    let target = users::find_active(conn, id)?.ok_or_else(ApiError::not_found)?;
    let target_memberships = members::for_user(conn, id)?;
    let by = caller.actor();
    let target = Target {
        id: &target.id,
        is_admin: target.is_admin,
        memberships: &target_memberships,
    };
    if !accounts::knows_person(&by, &target) {
        return Err(ApiError::not_found());
    }
    match may(&by, &target) {
        true => Ok(()),
        false => Err(ApiError::forbidden()),
    }
}

/// Every session of the person ends at once (a phone stolen, a person gone); their password
/// stays. Whoever may reset their password may (`rules::accounts`). Recorded.
async fn end_sessions(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let user_id = id.clone();
    state
        .write(move |conn| {
            may_act_for(conn, &caller, &id, accounts::may_end_sessions)?;
            let now = tingke_models::now();
            auth::revoke_user_sessions(conn, &id, now)?;
            auth::record_account_event(
                conn,
                &id,
                Some(caller.id()),
                AccountEvent::SessionsEnded,
                now,
            )?;
            Ok(())
        })
        .await?;
    state.forget_caller(&user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// What was done to a person's account by someone else, as read back.
#[derive(Debug, Serialize)]
struct AccountEventView {
    id: String,
    /// `password_reset` or `sessions_ended`.
    kind: String,
    /// Who did it; null: the command line.
    actor_id: Option<String>,
    actor_name: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<auth::AccountEventRow> for AccountEventView {
    fn from(r: auth::AccountEventRow) -> AccountEventView {
        AccountEventView {
            id: r.id,
            kind: r.kind,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// The record of a person's account (resets, sessions ended), for those who may reset their
/// password (`rules::accounts`): an administrator, the principal of every school of theirs.
/// A leader of one of their schools who may not: 403; anyone else: 404.
async fn account_events(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let page = query.page()?;
    let page = state
        .read(move |conn| {
            may_act_for(conn, &caller, &id, accounts::may_read_account_events)?;
            Ok(auth::account_events_page(conn, &id, &page)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(List::from_page(page, AccountEventView::from)))
}
