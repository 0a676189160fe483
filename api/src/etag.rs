//! Entity tags for records that change: `ETag` on answers, `If-Match` on writes (a stale write
//! is refused, never silently applied), `If-None-Match` on reads (304 when nothing changed).

use crate::error::{ApiError, ApiResult};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

/// The tag of a record's version.
pub fn tag(id: &str, version: i32) -> String {
    format!("\"{id}.{version}\"")
}

fn matches(list: &str, current: &str) -> bool {
    list.split(',')
        .map(|v| v.trim().trim_start_matches("W/"))
        .any(|t| t == current || t == "*")
}

/// The request's `If-Match`, read before the work moves to a blocking thread.
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("").to_string())
}

/// An answer with one record and its version as `ETag`.
pub fn respond(
    status: StatusCode,
    (id, version): (&str, i32),
    body: impl serde::Serialize,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, tag(id, version)))
        .json(body)
}

/// A write must name the version it was based on.
pub fn require_match(if_match: Option<&str>, current: &str) -> ApiResult<()> {
    let list = if_match
        .ok_or_else(|| ApiError::new(StatusCode::PRECONDITION_REQUIRED, "precondition_required"))?;
    match matches(list, current) {
        true => Ok(()),
        false => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
        )),
    }
}

/// An optional `If-Match`: checked when present.
pub fn check_match(if_match: Option<&str>, current: &str) -> ApiResult<()> {
    match if_match {
        Some(_) => require_match(if_match, current),
        None => Ok(()),
    }
}

/// 304 when the client already holds this version.
pub fn not_modified(req: &HttpRequest, current: &str) -> Option<HttpResponse> {
    let list = req.headers().get(header::IF_NONE_MATCH)?.to_str().ok()?;
    matches(list, current).then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, current.to_string()))
            .finish()
    })
}
