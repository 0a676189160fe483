//! The caller (`/v1/me`) and user administration.

use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tingke_models::members::Membership;
use tingke_models::roles::Role;
use tingke_models::users::User;
use tingke_models::{auth, users};

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/me", me)
        .add(Method::DELETE, "/v1/users/{id}", delete_user);
}

#[derive(Debug, Serialize)]
pub struct MembershipView {
    pub id: String,
    pub district_id: String,
    pub school_id: Option<String>,
    pub roles: Vec<Role>,
    /// Qualifiers of the roles (`in_charge_of_teaching`).
    pub qualifiers: Vec<tingke_models::roles::Qualifier>,
    /// A researcher's contact schools (联系点).
    pub contact_school_ids: Vec<String>,
    pub subjects: Vec<String>,
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
            created_at: user.created_at.and_utc(),
            memberships: memberships.iter().map(MembershipView::from).collect(),
        }
    }
}

async fn me(caller: Caller) -> HttpResponse {
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
    Ok(HttpResponse::NoContent().finish())
}
