//! A school's rubric: read by anyone who sees the school, replaced by its principal or an admin.

use super::schools::visible_school;
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::Body;
use crate::state::AppState;
use crate::validate;
use actix_web::http::header;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use tingke_models::roles::Role;
use tingke_models::rubrics::{self, Dimension, Rubric, RubricItem};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/schools/{id}/rubric", get).add(
        Method::PUT,
        "/v1/schools/{id}/rubric",
        put,
    );
}

static KEY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[a-z][a-z0-9_]{0,39}$").unwrap_or_else(|_| unreachable!())
});

#[derive(Debug, Serialize, Deserialize, Validate)]
struct ItemInput {
    #[validate(regex(path = *KEY, code = "invalid_rubric_key"))]
    key: String,
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 50, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    title: String,
    #[validate(range(min = 1, max = 100, code = "score_out_of_range"))]
    max_score: i32,
    dimension: Dimension,
}

#[derive(Debug, Deserialize, Validate)]
struct RubricUpdate {
    #[validate(length(min = 1, max = 30, code = "invalid_length"), nested)]
    items: Vec<ItemInput>,
    /// The total under which a lesson is below standard and may be followed up.
    #[validate(range(min = 1, max = 3000, code = "score_out_of_range"))]
    pass_line: Option<i32>,
}

#[derive(Debug, Serialize)]
pub(super) struct RubricView {
    id: String,
    school_id: String,
    version: i32,
    items: Vec<RubricItem>,
    pass_line: Option<i32>,
    created_at: DateTime<Utc>,
}

impl From<Rubric> for RubricView {
    fn from(r: Rubric) -> RubricView {
        RubricView {
            id: r.id,
            school_id: r.school_id,
            version: r.version,
            items: r.items,
            pass_line: r.pass_line,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// The rubric with its version as `ETag`.
fn respond(r: Rubric) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::tag(&r.id, r.version)))
        .json(RubricView::from(r))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let school = visible_school(&caller, &state, id.into_inner()).await?;
    let rubric = state
        .write(move |conn| match rubrics::current(conn, &school.id)? {
            Some(r) => Ok(r),
            None => Ok(rubrics::insert_version(
                conn,
                &school.id,
                (&rubrics::default_items(), None),
                None,
                tingke_models::now(),
            )?),
        })
        .await?;
    if let Some(not_modified) = etag::not_modified(&req, &etag::tag(&rubric.id, rubric.version)) {
        return Ok(not_modified);
    }
    Ok(respond(rubric))
}

async fn put(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<RubricUpdate>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match(&req);
    let school = visible_school(&caller, &state, id.into_inner()).await?;
    if !(caller.is_admin() || caller.has_school_role(&school.id, Role::Principal)) {
        return Err(ApiError::forbidden());
    }
    let body = body.read()?;
    let pass_line = body.pass_line;
    let items: Vec<RubricItem> = body
        .items
        .into_iter()
        .map(|i| RubricItem {
            key: i.key,
            title: i.title.trim().to_string(),
            max_score: i.max_score,
            dimension: i.dimension,
        })
        .collect();
    if let Some(key) = rubrics::duplicate_key(&items) {
        return Err(ApiError::field(
            "duplicate_rubric_key",
            "items",
            format!("{key} appears twice"),
        ));
    }
    let most: i32 = items.iter().map(|i| i.max_score).sum();
    if pass_line.is_some_and(|line| line > most) {
        return Err(ApiError::field(
            "score_out_of_range",
            "pass_line",
            format!("the pass line is at most the rubric's total of {most}"),
        ));
    }
    let by = caller.id().to_string();
    let rubric = state
        .write(move |conn| {
            // Two principals saving at once take turns; a stale `If-Match` is refused.
            tingke_models::db::lock_key(conn, &school.id)?;
            let current = rubrics::current(conn, &school.id)?;
            let tag = current.map(|r| etag::tag(&r.id, r.version));
            etag::check_match(if_match.as_deref(), tag.as_deref().unwrap_or(""))?;
            Ok(rubrics::insert_version(
                conn,
                &school.id,
                (&items, pass_line),
                Some(&by),
                tingke_models::now(),
            )?)
        })
        .await?;
    Ok(respond(rubric))
}
