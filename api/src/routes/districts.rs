//! Districts.

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
use tingke_models::districts::{self, District};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/districts", create_district).add(
        Method::GET,
        "/v1/districts",
        list_districts,
    );
}

#[derive(Debug, Deserialize, Validate)]
struct NewDistrict {
    /// The client's id for the district (a retry with it answers the district again).
    #[validate(custom(function = "validate::client_id"))]
    id: Option<String>,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 100, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    name: String,
}

#[derive(Debug, Serialize)]
pub struct DistrictView {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
}

impl From<District> for DistrictView {
    fn from(d: District) -> DistrictView {
        DistrictView {
            id: d.id,
            name: d.name,
            created_at: d.created_at.and_utc(),
        }
    }
}

async fn create_district(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<NewDistrict>,
) -> ApiResult<HttpResponse> {
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let body = body.read()?;
    let district = District {
        id: body.id.unwrap_or_else(tingke_models::new_id),
        name: body.name.trim().to_string(),
        created_at: tingke_models::now(),
    };
    let (status, district) = state
        .write(move |conn| {
            tingke_models::db::lock_key(conn, &district.id)?;
            if let Some(existing) = districts::find(conn, &district.id)? {
                return super::again(existing.name == district.name, existing);
            }
            districts::insert(conn, &district)?;
            let rules = tingke_models::quotas::default_rules();
            tingke_models::quotas::replace(conn, &district.id, None, &rules, district.created_at)?;
            Ok((StatusCode::CREATED, district))
        })
        .await?;
    Ok(HttpResponse::build(status).json(DistrictView::from(district)))
}

/// The districts the caller sets up or serves: all for an admin, their own for district staff
/// (researchers, bureau leaders); 403 for everyone else, who works in a school.
async fn list_districts(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = query.page()?;
    let only = match caller.is_admin() {
        true => None,
        false => Some(caller.district_staff_ids()),
    };
    if only.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::forbidden());
    }
    let page = state
        .read(move |conn| Ok(districts::list(conn, only.as_deref(), &page)?))
        .await?;
    Ok(HttpResponse::Ok().json(List::from_page(page, DistrictView::from)))
}
