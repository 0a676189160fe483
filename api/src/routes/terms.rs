//! Terms of a district.

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
use std::sync::LazyLock;
use tingke_models::districts;
use tingke_models::terms::{self, Term};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/districts/{id}/terms", create_term)
        .add(Method::GET, "/v1/districts/{id}/terms", list_terms);
}

static SCHOOL_YEAR: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[0-9]{4}-[0-9]{4}$").unwrap_or_else(|_| unreachable!()));

#[derive(Debug, Deserialize, Validate)]
struct NewTerm {
    /// The client's id for the term (a retry with it answers the term again).
    #[validate(custom(function = "validate::client_id"))]
    id: Option<String>,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 100, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    name: String,
    #[validate(regex(path = *SCHOOL_YEAR, code = "invalid_school_year"))]
    school_year: String,
    #[validate(custom(function = "validate::date"))]
    starts_on: String,
    #[validate(custom(function = "validate::date"))]
    ends_on: String,
}

#[derive(Debug, Serialize)]
pub struct TermView {
    id: String,
    district_id: String,
    name: String,
    school_year: String,
    starts_on: String,
    ends_on: String,
    created_at: DateTime<Utc>,
}

impl From<Term> for TermView {
    fn from(t: Term) -> TermView {
        TermView {
            id: t.id,
            district_id: t.district_id,
            name: t.name,
            school_year: t.school_year,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
            created_at: t.created_at.and_utc(),
        }
    }
}

async fn create_term(
    caller: Caller,
    state: web::Data<AppState>,
    district_id: web::Path<String>,
    body: Body<NewTerm>,
) -> ApiResult<HttpResponse> {
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let body = body.read()?;
    if body.ends_on < body.starts_on {
        return Err(ApiError::field(
            "invalid_date_range",
            "ends_on",
            "ends_on is before starts_on",
        ));
    }
    let term = Term {
        id: body.id.unwrap_or_else(tingke_models::new_id),
        district_id: district_id.into_inner(),
        name: body.name.trim().to_string(),
        school_year: body.school_year,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        created_at: tingke_models::now(),
    };
    let (status, term) = state
        .write(move |conn| {
            if districts::find(conn, &term.district_id)?.is_none() {
                return Err(ApiError::not_found());
            }
            tingke_models::db::lock_key(conn, &term.id)?;
            if let Some(existing) = terms::find(conn, &term.id)? {
                let same = (&existing.district_id, &existing.name, &existing.school_year)
                    == (&term.district_id, &term.name, &term.school_year)
                    && (&existing.starts_on, &existing.ends_on) == (&term.starts_on, &term.ends_on);
                return super::again(same, existing);
            }
            // One term of a district is decided at a time: on PostgreSQL two creates could
            // each find no overlap before the other commits, and both be kept.
            tingke_models::db::lock_key(conn, &term.district_id)?;
            if let Some(other) =
                terms::find_overlapping(conn, &term.district_id, &term.starts_on, &term.ends_on)?
            {
                return Err(ApiError::conflict("term_overlap").detail(format!(
                    "overlaps {} ({}..{})",
                    other.name, other.starts_on, other.ends_on
                )));
            }
            terms::insert(conn, &term)?;
            Ok((StatusCode::CREATED, term))
        })
        .await?;
    // A new term can widen its school year's window, which every term of the year counts in.
    state.reference.forget(&term.district_id);
    Ok(HttpResponse::build(status).json(TermView::from(term)))
}

async fn list_terms(
    caller: Caller,
    state: web::Data<AppState>,
    district_id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let district_id = district_id.into_inner();
    if !caller.can_view_district(&district_id) {
        return Err(ApiError::not_found());
    }
    let page = query.page()?;
    let page = state
        .read(move |conn| {
            if districts::find(conn, &district_id)?.is_none() {
                return Err(ApiError::not_found());
            }
            Ok(terms::list(conn, &district_id, &page)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(List::from_page(page, TermView::from)))
}
