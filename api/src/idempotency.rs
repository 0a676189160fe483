//! `Idempotency-Key` on every write (POST, PUT, PATCH, DELETE): a phone that lost the answer to a
//! submit, an edit, a review or a deletion retries with the same key and gets the first answer
//! again (for 24 hours, across restarts), instead of a second action, a 412 for its own edit or
//! a 404 for its own deletion.
//!
//! Answers marked `Cache-Control: no-store` (a one-time password, a login sheet) are never
//! remembered: they would be kept readable in the database.
//!
//! Only answers that did something are remembered: a 2xx (or 3xx). A refusal (4xx) changed
//! nothing (its transaction rolled back), so its retry is handled again, and a 412 refused for a
//! stale `If-Match` succeeds once the phone has read the record again and sends its new ETag
//! under the same key (issue 25). A server error, a 408 and any answer to a body that did not
//! arrive whole (see [`crate::body::Unfinished`]) are not remembered either: the retry may
//! succeed. A key is claimed while its request is handled, and the claim is
//! a lease the request renews: when the server dies in the middle, the lease runs out and the
//! retry takes the key over instead of waiting 24 hours.

use crate::auth::tokens;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, ConnectionType, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use futures_util::future::{self, Either};
use std::pin::pin;
use std::time::Duration;
use tingke_models::idempotency::{self as store, Remembered};

const HEADER: &str = "idempotency-key";
const KEEP_HOURS: i64 = 24;
/// Answers larger than this are not remembered (no route answers that much JSON).
const MAX_BODY: usize = 1024 * 1024;

/// Whose request this is and in which session, from the bearer token or the console's cookie (invalid tokens fall
/// through to the handler, which answers 401).
fn user_of(req: &ServiceRequest, state: &AppState) -> Option<(String, String)> {
    let presented = crate::auth::credential::presented(req.headers()).ok()?;
    tokens::verify_access(&state.config.jwt_secret, &presented.token)
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

/// Who asks for a key, and how long a claim lives without renewal.
struct Asker<'a> {
    user: &'a str,
    session: &'a str,
    lease: chrono::Duration,
}

async fn claim(
    state: &AppState,
    asker: Asker<'_>,
    key: &str,
    method: &str,
    path: &str,
) -> Result<Claim, ApiError> {
    let now = tingke_models::now();
    let fresh = Remembered {
        user_id: asker.user.to_string(),
        idempotency_key: key.to_string(),
        method: method.to_string(),
        path: path.to_string(),
        status: 0,
        content_type: String::new(),
        etag: None,
        body: String::new(),
        created_at: now,
    };
    let (session, lease) = (asker.session.to_string(), asker.lease);
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
                if old.status == 0 {
                    return take_over_or_wait(conn, &old, &fresh, lease);
                }
                if old.created_at + chrono::Duration::hours(KEEP_HOURS) > now {
                    return match old.method == fresh.method && old.path == fresh.path {
                        false => Err(reused()),
                        true => Ok(Claim::Replay(Box::new(old))),
                    };
                }
                store::forget(conn, &fresh.user_id, &fresh.idempotency_key)?;
            }
            match store::claim(conn, &fresh)? {
                true => Ok(Claim::Fresh),
                false => Err(in_use(lease)),
            }
        })
        .await
}

/// A key claimed by a request in progress: taken over when its lease ran out (the server that
/// held it died), else 409 with the time left on the lease as `Retry-After`.
fn take_over_or_wait(
    conn: &mut tingke_models::DbConn,
    old: &Remembered,
    fresh: &Remembered,
    lease: chrono::Duration,
) -> Result<Claim, ApiError> {
    if old.method != fresh.method || old.path != fresh.path {
        return Err(reused());
    }
    let expires = old.created_at + lease;
    if expires > fresh.created_at {
        let left = (expires - fresh.created_at).num_seconds().max(1) as u64;
        return Err(in_use(lease).retry_after(left));
    }
    match store::take_over_stale(conn, fresh, fresh.created_at - lease)? {
        true => Ok(Claim::Fresh),
        false => Err(in_use(lease)),
    }
}

fn reused() -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
}

fn in_use(lease: chrono::Duration) -> ApiError {
    ApiError::conflict("idempotency_key_in_use").retry_after(lease.num_seconds().max(1) as u64)
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
    let lease = state.config.idempotency_lease;
    let asker = Asker {
        user: &user,
        session: &session,
        lease: chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30)),
    };
    match claim(&state, asker, &key, &method, &path).await {
        Err(e) => return Ok(req.error_response(e)),
        Ok(Claim::Replay(old)) => return Ok(req.into_response(replay(&old))),
        Ok(Claim::Dead) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Ok(Claim::Fresh) => {}
    }
    let handled = next.call(req);
    let renewing = renew_while_handled(&state, &user, &key, lease);
    let res = match future::select(pin!(handled), pin!(renewing)).await {
        Either::Left((res, _)) => res?,
        Either::Right(((), handled)) => handled.await?,
    };
    keep(&state, &user, &key, res).await
}

/// Renews the claim on the key every third of the lease, for as long as the request is handled
/// (the caller drops this future when the answer is ready). A renewal that fails is tried again
/// at the next turn: a claim is lost only after three missed turns.
async fn renew_while_handled(state: &AppState, user: &str, key: &str, lease: Duration) {
    loop {
        tokio::time::sleep(lease / 3).await;
        let (user, key) = (user.to_string(), key.to_string());
        let renewed = state
            .write(move |conn| Ok(store::renew(conn, &user, &key, tingke_models::now())?))
            .await;
        if let Err(e) = renewed {
            tracing::warn!(error = %e.code, "an idempotency claim was not renewed");
        }
    }
}

/// Remembers a 2xx or 3xx answer (not a refusal, a 5xx, nor anything answered to a body cut off
/// halfway: those may succeed when retried) and passes it on.
async fn keep(
    state: &AppState,
    user: &str,
    key: &str,
    res: ServiceResponse<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (req, res) = res.into_parts();
    let status = res.status();
    let headers = res.headers().clone();
    if is_secret(&headers) {
        // A one-time password, a login sheet or its key is answered once and kept nowhere:
        // the key is let go, and a retry is handled again (a commit answers that it is done).
        let (user, key) = (user.to_string(), key.to_string());
        state
            .write(move |conn| Ok(store::forget(conn, &user, &key)?))
            .await?;
        return Ok(ServiceResponse::new(req, res.map_into_boxed_body()));
    }
    let unfinished = crate::body::Unfinished::marks(&res.extensions());
    let connection = res.head().connection_type();
    let bytes = body::to_bytes_limited(res.into_body(), MAX_BODY).await;
    let (user, key) = (user.to_string(), key.to_string());
    let bytes = match bytes {
        Ok(Ok(bytes)) if (status.is_success() || status.is_redirection()) && !unfinished => bytes,
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
            return Ok(rebuild(req, (status, connection), &headers, body));
        }
    };
    let answer = Remembered {
        user_id: user,
        idempotency_key: key,
        method: String::new(),
        path: String::new(),
        status: i32::from(status.as_u16()),
        content_type: header_text(&headers, header::CONTENT_TYPE).unwrap_or_default(),
        etag: header_text(&headers, header::ETAG),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        created_at: tingke_models::now(),
    };
    state
        .write(move |conn| Ok(store::remember(conn, &answer)?))
        .await?;
    Ok(rebuild(req, (status, connection), &headers, bytes))
}

/// Answers marked `Cache-Control: no-store` hold a secret (issue 21) and are never remembered.
fn is_secret(headers: &header::HeaderMap) -> bool {
    header_text(headers, header::CACHE_CONTROL).is_some_and(|v| v.contains("no-store"))
}

fn header_text(headers: &header::HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The answer again after its body was read, with its status, headers and connection type (a
/// refused body closes the connection).
fn rebuild(
    req: actix_web::HttpRequest,
    (status, connection): (StatusCode, ConnectionType),
    headers: &header::HeaderMap,
    body: web::Bytes,
) -> ServiceResponse<BoxBody> {
    let mut res = HttpResponse::build(status);
    for (name, value) in headers {
        res.append_header((name.clone(), value.clone()));
    }
    let mut res = res.body(body);
    if connection == ConnectionType::Close {
        res.head_mut().set_connection_type(connection);
    }
    ServiceResponse::new(req, res)
}
