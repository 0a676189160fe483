//! Schools.

use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, List, PageQuery};
use crate::state::AppState;
use crate::validate;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tingke_models::schools::{self, School, SchoolScope};
use tingke_models::{districts, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/schools", create_school)
        .add(Method::GET, "/v1/schools", list_schools)
        .add(Method::GET, "/v1/schools/{id}", get_school);
}

#[derive(Debug, Deserialize, Validate)]
struct NewSchool {
    /// The client's id for the school (a retry with it answers the school again).
    #[validate(custom(function = "validate::client_id"))]
    id: Option<String>,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 100, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    name: String,
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    district_id: String,
}

#[derive(Debug, Serialize)]
pub struct SchoolView {
    id: String,
    district_id: String,
    name: String,
    created_at: DateTime<Utc>,
}

impl From<School> for SchoolView {
    fn from(s: School) -> SchoolView {
        SchoolView {
            id: s.id,
            district_id: s.district_id,
            name: s.name,
            created_at: s.created_at.and_utc(),
        }
    }
}

async fn create_school(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<NewSchool>,
) -> ApiResult<HttpResponse> {
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let NewSchool {
        id,
        name,
        district_id,
    } = body.read()?;
    let school = School {
        id: id.unwrap_or_else(tingke_models::new_id),
        district_id,
        name: name.trim().to_string(),
        created_at: tingke_models::now(),
    };
    let (status, school) = state
        .write(move |conn| {
            tingke_models::db::lock_key(conn, &school.id)?;
            if let Some(existing) = schools::find(conn, &school.id)? {
                let same =
                    existing.name == school.name && existing.district_id == school.district_id;
                return super::again(same, existing);
            }
            if districts::find(conn, &school.district_id)?.is_none() {
                return Err(ApiError::field(
                    "district_not_found",
                    "district_id",
                    "no district has this id",
                ));
            }
            schools::insert(conn, &school)?;
            let items = tingke_models::rubrics::default_items();
            tingke_models::rubrics::insert_version(
                conn,
                &school.id,
                (&items, None),
                None,
                school.created_at,
            )?;
            Ok((StatusCode::CREATED, school))
        })
        .await?;
    Ok(HttpResponse::build(status).json(SchoolView::from(school)))
}

/// The schools the caller may see: all for an admin; their own and their districts' otherwise.
async fn list_schools(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = query.page()?;
    let scope = if caller.is_admin() {
        SchoolScope::All
    } else {
        SchoolScope::Some {
            school_ids: caller
                .memberships
                .iter()
                .filter_map(|m| m.school_id.clone())
                .collect(),
            district_ids: caller.district_staff_ids(),
        }
    };
    let page = state
        .read(move |conn| Ok(schools::list(conn, &scope, &page)?))
        .await?;
    Ok(HttpResponse::Ok().json(List::from_page(page, SchoolView::from)))
}

async fn get_school(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let school = visible_school(&caller, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(SchoolView::from(school)))
}

/// The school, when the caller may see it; 404 otherwise, so ids of other schools reveal nothing.
pub async fn visible_school(caller: &Caller, state: &AppState, id: String) -> ApiResult<School> {
    let caller = caller.clone();
    state
        .read(move |conn| school_seen(conn, &caller, &id))
        .await
}

/// [`visible_school`] on a connection a handler already holds.
pub(super) fn school_seen(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<School> {
    let school = schools::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    match caller.can_view_school(&school.id, &school.district_id) {
        true => Ok(school),
        false => Err(ApiError::not_found()),
    }
}
