//! `Idempotency-Key` on every write (POST, PUT, PATCH, DELETE): a phone that lost the answer to a
//! submit, an edit, a review or a deletion retries with the same key and gets the first answer
//! again (for 24 hours, across restarts), instead of a second action, a 412 for its own edit or
//! a 404 for its own deletion.

use crate::auth::tokens;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use tingke_models::idempotency::{self as store, Remembered};

const HEADER: &str = "idempotency-key";
const KEEP_HOURS: i64 = 24;
/// Answers larger than this are not remembered (no route answers that much JSON).
const MAX_BODY: usize = 1024 * 1024;

/// Whose request this is and in which session, from the bearer token (invalid tokens fall
/// through to the handler, which answers 401).
fn user_of(req: &ServiceRequest, state: &AppState) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    tokens::verify_access(&state.config.jwt_secret, token.trim())
        .ok()
        .map(|c| (c.sub, c.sid))
}

fn key_of(req: &ServiceRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::bad_request("invalid_idempotency_key"));
    }
    Ok(Some(key.to_string()))
}

fn replay(r: &Remembered) -> HttpResponse {
    let status = StatusCode::from_u16(r.status as u16).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    res.insert_header(("idempotent-replayed", "true"));
    if !r.content_type.is_empty() {
        res.insert_header((header::CONTENT_TYPE, r.content_type.clone()));
    }
    if let Some(etag) = &r.etag {
        res.insert_header((header::ETAG, etag.clone()));
    }
    res.body(r.body.clone())
}

enum Claim {
    /// The key is ours: handle the request and remember the answer.
    Fresh,
    /// Answered before: here is the answer.
    Replay(Box<Remembered>),
    /// The token's session has ended or its user is gone: the handler answers 401, and nothing
    /// is replayed or remembered.
    Dead,
}

async fn claim(
    state: &AppState,
    (user, session): (&str, &str),
    key: &str,
    method: &str,
    path: &str,
) -> Result<Claim, ApiError> {
    let now = tingke_models::now();
    let fresh = Remembered {
        user_id: user.to_string(),
        idempotency_key: key.to_string(),
        method: method.to_string(),
        path: path.to_string(),
        status: 0,
        content_type: String::new(),
        etag: None,
        body: String::new(),
        created_at: now,
    };
    let session = session.to_string();
    state
        .write(move |conn| {
            // A signed token outlives its session: check it, as the handler would, before
            // answering from memory.
            let live = tingke_models::auth::find_session(conn, &session)?
                .is_some_and(|s| s.user_id == fresh.user_id && s.revoked_at.is_none())
                && tingke_models::users::find_active(conn, &fresh.user_id)?.is_some();
            if !live {
                return Ok(Claim::Dead);
            }
            if let Some(old) = store::find(conn, &fresh.user_id, &fresh.idempotency_key)? {
                if old.created_at + chrono::Duration::hours(KEEP_HOURS) > now {
                    return match (
                        old.method == fresh.method && old.path == fresh.path,
                        old.status,
                    ) {
                        (false, _) => Err(ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "idempotency_key_reused",
                        )),
                        (true, 0) => Err(ApiError::conflict("idempotency_key_in_use")),
                        (true, _) => Ok(Claim::Replay(Box::new(old))),
                    };
                }
                store::forget(conn, &fresh.user_id, &fresh.idempotency_key)?;
            }
            match store::claim(conn, &fresh)? {
                true => Ok(Claim::Fresh),
                false => Err(ApiError::conflict("idempotency_key_in_use")),
            }
        })
        .await
}

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// The middleware: only writes that carry the header and a valid token are concerned.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), true) = (state, is_write(req.method())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = match key_of(&req) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => return Ok(req.error_response(e)),
    };
    let Some((user, session)) = user_of(&req, &state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let (method, path) = (req.method().to_string(), req.path().to_string());
    match claim(&state, (&user, &session), &key, &method, &path).await {
        Err(e) => return Ok(req.error_response(e)),
        Ok(Claim::Replay(old)) => return Ok(req.into_response(replay(&old))),
        Ok(Claim::Dead) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Ok(Claim::Fresh) => {}
    }
    let res = next.call(req).await?;
    keep(&state, &user, &key, res).await
}

/// Remembers the answer (not a 5xx nor a 408 for a body sent too slowly: those may succeed when
/// retried) and passes it on.
async fn keep(
    state: &AppState,
    user: &str,
    key: &str,
    res: ServiceResponse<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (req, res) = res.into_parts();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = body::to_bytes_limited(res.into_body(), MAX_BODY).await;
    let (user, key) = (user.to_string(), key.to_string());
    let bytes = match bytes {
        Ok(Ok(bytes)) if !status.is_server_error() && status != StatusCode::REQUEST_TIMEOUT => {
            bytes
        }
        other => {
            let _ = state
                .write(move |conn| Ok(store::forget(conn, &user, &key)?))
                .await;
            let body = match other {
                Ok(Ok(bytes)) => bytes,
                _ => {
                    let error = actix_web::ResponseError::error_response(&ApiError::internal(
                        "an answer could not be read",
                    ));
                    return Ok(ServiceResponse::new(req, error));
                }
            };
            return Ok(rebuild(req, status, &headers, body));
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let content_type = header_text(&headers, header::CONTENT_TYPE).unwrap_or_default();
    let etag = header_text(&headers, header::ETAG);
    let code = i32::from(status.as_u16());
    state
        .write(move |conn| {
            Ok(store::remember(
                conn,
                &user,
                &key,
                code,
                &content_type,
                etag.as_deref(),
                &text,
            )?)
        })
        .await?;
    Ok(rebuild(req, status, &headers, bytes))
}

fn header_text(headers: &header::HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn rebuild(
    req: actix_web::HttpRequest,
    status: StatusCode,
    headers: &header::HeaderMap,
    body: web::Bytes,
) -> ServiceResponse<BoxBody> {
    let mut res = HttpResponse::build(status);
    for (name, value) in headers {
        res.append_header((name.clone(), value.clone()));
    }
    ServiceResponse::new(req, res.body(body))
}
