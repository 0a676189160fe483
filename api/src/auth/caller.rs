//! The authenticated caller, from the `Authorization: Bearer` header or the console's cookie
//! (`auth::credential`).

use super::cache::Callers;
use super::credential;
use super::tokens::{verify_access, Claims, TokenError};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use std::sync::Arc;
use tingke_models::members::Membership;
use tingke_models::rules::accounts::Resetter;
use tingke_models::rules::visibility::{self, GroupReading};
use tingke_models::users::User;
use tingke_models::{auth, roles::Role, DbConn};

/// Who is calling, with every membership they hold; read from the database, or from memory when
/// it was read within the last `TINGKE_SESSION_CACHE_MS` (`auth::cache`: a deleted user, a
/// revoked session or a changed role takes effect at once on the instance that changed it, and
/// on the others as soon as they hear of it, within that time at worst).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub session_id: String,
    pub memberships: Vec<Membership>,
    /// Whom the caller reads through the grade groups they lead (`rules::visibility`); empty
    /// for everyone who is not a grade-group leader.
    pub groups: Vec<GroupReading>,
}

impl Caller {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.is_admin
    }

    /// The caller's roles in one school.
    pub fn school_roles(&self, school_id: &str) -> Vec<Role> {
        self.memberships
            .iter()
            .filter(|m| m.school_id.as_deref() == Some(school_id))
            .flat_map(|m| m.roles.iter().copied())
            .collect()
    }

    pub fn has_school_role(&self, school_id: &str, role: Role) -> bool {
        self.school_roles(school_id).contains(&role)
    }

    /// Whether the caller is district staff of `district_id`: a researcher or a bureau leader,
    /// who see and observe in every school of the district and read its reports.
    pub fn is_district_staff(&self, district_id: &str) -> bool {
        Role::DISTRICT_ROLES
            .into_iter()
            .any(|role| self.has_district_role(district_id, role))
    }

    /// Whether the caller holds `role` at district level in `district_id`.
    pub fn has_district_role(&self, district_id: &str, role: Role) -> bool {
        self.memberships
            .iter()
            .any(|m| m.school_id.is_none() && m.district_id == district_id && m.has_role(role))
    }
}

/// A verified access token whose session and user are not read yet. A handler that takes this
/// instead of [`Caller`] loads the caller with [`Caller::load`] on the same connection as its own
/// queries: one pooled connection and one blocking hop per request instead of two (the hot
/// read routes: progress and sync).
pub struct Verified {
    claims: Claims,
    /// Where callers read within the last moments are kept (`auth::cache`).
    callers: Arc<Callers>,
}

impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Verified").field(&self.claims).finish()
    }
}

impl Verified {
    /// The caller if one was read for this session within the keeping time (whether they
    /// still hold a one-time password is the user's to check).
    pub fn fresh(&self) -> Option<Caller> {
        self.callers.fresh(&self.claims.sid, &self.claims.sub)
    }
}

impl FromRequest for Verified {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Verified, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = || {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("AppState missing"))?;
            let presented = credential::presented(req.headers())?;
            let secret = &state.config.jwt_secret;
            let claims = verify_access(secret, &presented.token).map_err(|e| match e {
                TokenError::Expired => ApiError::unauthorized("token_expired"),
                TokenError::Invalid => ApiError::unauthorized("invalid_token"),
            })?;
            if presented.from_cookie {
                credential::check_csrf(secret, &claims.sid, req.method(), req.headers())?;
            }
            Ok(Verified {
                claims,
                callers: state.callers.clone(),
            })
        };
        std::future::ready(verified())
    }
}

impl Caller {
    /// The caller of a verified token, if its session is live and its user active, and has a
    /// password of their own: a person still holding a one-time password is refused 403
    /// `password_change_required` everywhere but where [`Pending`] is taken.
    pub fn load(conn: &mut DbConn, verified: &Verified) -> Result<Caller, ApiError> {
        Caller::load_pending(conn, verified)?.checked()
    }

    /// The caller unless they still hold a one-time password.
    fn checked(self) -> Result<Caller, ApiError> {
        if self.user.password_change_required {
            return Err(ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "password_change_required",
            ));
        }
        Ok(self)
    }

    /// [`Caller::load`] for a caller who may still hold a one-time password.
    pub fn load_pending(conn: &mut DbConn, verified: &Verified) -> Result<Caller, ApiError> {
        let claims = &verified.claims;
        verified
            .callers
            .get_or_load(&claims.sid, &claims.sub, || Caller::read(conn, claims))
    }

    /// The caller of `claims` as the database has it now.
    fn read(conn: &mut DbConn, claims: &Claims) -> Result<Caller, ApiError> {
        let found = auth::find_session_with_user(conn, &claims.sid)?
            .filter(|found| found.session.user_id == claims.sub)
            .ok_or_else(|| ApiError::unauthorized("invalid_token"))?;
        let user = found
            .user
            .ok_or_else(|| ApiError::unauthorized("account_disabled"))?;
        if found.session.revoked_at.is_some() {
            return Err(ApiError::unauthorized("token_revoked"));
        }
        let groups = read_through_groups(conn, &user.id, &found.memberships)?;
        Ok(Caller {
            user,
            session_id: found.session.id,
            memberships: found.memberships,
            groups,
        })
    }
}

/// Whom a grade-group leader reads through their grade groups: one more query, and only for
/// callers who hold the role somewhere (everyone else reads nobody through groups).
fn read_through_groups(
    conn: &mut DbConn,
    user_id: &str,
    memberships: &[Membership],
) -> Result<Vec<GroupReading>, ApiError> {
    let schools: Vec<String> = memberships
        .iter()
        .filter(|m| m.has_role(Role::GradeLeader))
        .filter_map(|m| m.school_id.clone())
        .collect();
    if schools.is_empty() {
        return Ok(Vec::new());
    }
    let led = tingke_models::groups::led_with_people(conn, user_id, &schools)?;
    let schools: Vec<&str> = schools.iter().map(String::as_str).collect();
    Ok(visibility::read_through_groups(&schools, &led))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = Verified::from_request(req, payload).into_inner();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
            let verified = verified?;
            if let Some(caller) = verified.fresh() {
                return caller.checked();
            }
            state.read(move |conn| Caller::load(conn, &verified)).await
        })
    }
}

/// The caller of the few routes a person with a one-time password may use (issue 21): reading
/// who they are (`GET /v1/me`), choosing their password, logging out.
pub struct Pending(pub Caller);

impl FromRequest for Pending {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Pending, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = Verified::from_request(req, payload).into_inner();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
            let verified = verified?;
            if let Some(caller) = verified.fresh() {
                return Ok(Pending(caller));
            }
            let caller = state
                .read(move |conn| Caller::load_pending(conn, &verified))
                .await?;
            Ok(Pending(caller))
        })
    }
}

/// Who may see what; every handler asks one of these before it touches data.
impl Caller {
    /// Admins, members of the school, and the staff of its district see a school.
    pub fn can_view_school(&self, school_id: &str, district_id: &str) -> bool {
        self.is_admin()
            || !self.school_roles(school_id).is_empty()
            || self.is_district_staff(district_id)
    }

    /// Admins and principals of the school manage its people.
    pub fn can_manage_school(&self, school_id: &str) -> bool {
        self.is_admin() || self.has_school_role(school_id, Role::Principal)
    }

    /// Anyone with a membership in the district (or an admin) sees its terms.
    pub fn can_view_district(&self, district_id: &str) -> bool {
        self.is_admin()
            || self
                .memberships
                .iter()
                .any(|m| m.district_id == district_id)
    }

    /// Admins and the district's own staff see the district's members.
    pub fn can_view_district_members(&self, district_id: &str) -> bool {
        self.is_admin() || self.is_district_staff(district_id)
    }
}

/// Who may do what with observations, quotas and reports.
impl Caller {
    /// School roles observe in their own school; district staff (researchers, bureau leaders)
    /// in every school of their district.
    pub fn can_observe_in(&self, school_id: &str, district_id: &str) -> bool {
        !self.school_roles(school_id).is_empty() || self.is_district_staff(district_id)
    }

    /// The school's principal, vice principals and deans, the district's staff and admins read
    /// all its submitted work (a grade-group leader reads their groups': `reads_person`).
    pub fn sees_school_work(&self, school_id: &str, district_id: &str) -> bool {
        self.is_admin()
            || self
                .school_roles(school_id)
                .into_iter()
                .any(visibility::reads_whole_school)
            || self.is_district_staff(district_id)
    }

    /// Whether the caller reads `person`'s submitted work in the school as the leader of a
    /// grade group `person` is in.
    pub fn reads_person(&self, school_id: &str, person: &str) -> bool {
        visibility::reads_person(&self.groups, school_id, person)
    }

    /// Principals, vice principals and deans (and admins) correct submitted observations and read
    /// the school's quota reports.
    pub fn is_senior_leader(&self, school_id: &str) -> bool {
        self.is_admin()
            || self
                .school_roles(school_id)
                .iter()
                .any(|r| matches!(r, Role::Principal | Role::VicePrincipal | Role::Dean))
    }

    /// Schools whose whole submitted work the caller reads as a leader.
    pub fn leader_school_ids(&self) -> Vec<String> {
        self.memberships
            .iter()
            .filter(|m| m.roles.iter().copied().any(visibility::reads_whole_school))
            .filter_map(|m| m.school_id.clone())
            .collect()
    }

    /// What lists may show the caller.
    pub fn visibility(&self) -> tingke_models::Visibility {
        tingke_models::Visibility {
            user_id: self.id().to_string(),
            admin: self.is_admin(),
            school_ids: self.leader_school_ids(),
            district_ids: self.district_staff_ids(),
            groups: self.groups.clone(),
            member_of: Vec::new(),
        }
    }

    /// The caller as the account rules see them (`rules::accounts`: who resets a password, ends
    /// sessions, sets roles).
    pub fn actor(&self) -> Resetter<'_> {
        Resetter {
            id: self.id(),
            is_admin: self.is_admin(),
            memberships: &self.memberships,
        }
    }

    /// A user id from a query string, where `me` means the caller.
    pub fn resolve(&self, id: Option<String>) -> Option<String> {
        id.map(|v| match v == "me" {
            true => self.id().to_string(),
            false => v,
        })
    }

    /// Districts where the caller is district staff (a researcher or a bureau leader).
    pub fn district_staff_ids(&self) -> Vec<String> {
        self.memberships
            .iter()
            .filter(|m| m.school_id.is_none() && m.roles.iter().any(|r| r.is_district_role()))
            .map(|m| m.district_id.clone())
            .collect()
    }
}
