//! Liveness, readiness, the spec, and the answers for unknown routes.

use super::Router;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpResponse, ResponseError};
use serde_json::json;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/healthz", healthz)
        .add(Method::GET, "/readyz", readyz)
        .add(Method::GET, "/openapi.yaml", openapi);
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database and the blob store answer.
async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let db = state.db.clone();
    let db_ok = web::block(move || db.ping().is_ok())
        .await
        .map_err(ApiError::internal)?;
    let store_ok = state.store.check().await.is_ok();
    if db_ok && store_ok {
        Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
    } else {
        Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready").retry_after(5))
    }
}

const SPEC: &str = include_str!("../../../openapi.yaml");

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .body(SPEC)
}

pub async fn not_found_route() -> ApiResult<HttpResponse> {
    Err(ApiError::new(StatusCode::NOT_FOUND, "route_not_found"))
}

/// 405 with the methods the path has (`Allow`, as RFC 9110 asks).
pub async fn method_not_allowed(allow: String) -> HttpResponse {
    let mut res =
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        res.headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    res
}
