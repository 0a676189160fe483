//! Login, token refresh with rotation, logout.

use super::users::MeView;
use super::Router;
use crate::auth::{password, tokens, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::Valid;
use crate::state::AppState;
use crate::validate;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use tingke_models::auth::{self as sessions, LoginAttempts, RefreshToken, Session};
use tingke_models::{members, users, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/auth/login", login)
        .add(Method::POST, "/v1/auth/refresh", refresh)
        .add(Method::POST, "/v1/auth/logout", logout);
}

#[derive(Debug, Deserialize, Validate)]
struct LoginRequest {
    #[validate(regex(path = *validate::PHONE, code = "invalid_phone"))]
    phone: String,
    #[validate(length(min = 1, max = 128, code = "invalid_length"))]
    password: String,
}

#[derive(Debug, Deserialize, Validate)]
struct RefreshRequest {
    #[validate(length(min = 1, max = 256, code = "invalid_length"))]
    refresh_token: String,
}

#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: u64,
    user: MeView,
}

/// Failed logins are counted per phone and per client address, in the same table; an address's
/// row is keyed `ip:<address>` (phones are digits only).
fn address_key(req: &HttpRequest) -> String {
    let ip = req.peer_addr().map(|a| a.ip().to_string());
    format!("ip:{}", ip.unwrap_or_default())
}

async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let LoginRequest { phone, password } = body.0;
    let now = tingke_models::now();
    let (lookup, address) = (phone.clone(), address_key(&req));
    let from = address.clone();
    let (attempts, by_address, user) = state
        .read(move |conn| {
            Ok((
                sessions::find_login_attempts(conn, &lookup)?,
                sessions::find_login_attempts(conn, &from)?,
                users::find_by_phone(conn, &lookup)?,
            ))
        })
        .await?;
    let locked = [&attempts, &by_address]
        .into_iter()
        .filter_map(|a| a.as_ref().and_then(|a| a.locked_until))
        .max();
    if let Some(until) = locked.filter(|until| *until > now) {
        return Err(too_many_attempts(until, now));
    }
    let user = user.filter(|u| u.deleted_at.is_none());
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = web::block(move || match hash {
        Some(hash) => password::verify(&password, &hash),
        None => {
            password::burn_time(&password);
            false
        }
    })
    .await
    .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|_| matches) else {
        let limits = state.config.login.clone();
        state
            .write(move |conn| {
                record_failure(conn, &phone, attempts, limits.max_failures, &limits, now)?;
                let per_ip = limits.max_failures_per_ip;
                record_failure(conn, &address, by_address, per_ip, &limits, now)
            })
            .await?;
        return Err(ApiError::unauthorized("invalid_credentials"));
    };
    let config = state.config.clone();
    let response = state
        .write(move |conn| {
            sessions::clear_login_attempts(conn, &phone)?;
            let session = Session {
                id: tingke_models::new_id(),
                user_id: user.id.clone(),
                created_at: now,
                revoked_at: None,
            };
            sessions::insert_session(conn, &session)?;
            issue_tokens(conn, &config, &user, &session.id, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(response))
}

fn too_many_attempts(until: NaiveDateTime, now: NaiveDateTime) -> ApiError {
    let seconds = (until - now).num_seconds().max(1) as u64;
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").retry_after(seconds)
}

/// Counts a failure for a phone or an address; the one that reaches `max` locks it for
/// `limits.lock`.
fn record_failure(
    conn: &mut DbConn,
    phone: &str,
    previous: Option<LoginAttempts>,
    max: i32,
    limits: &crate::config::LoginLimits,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let window = chrono::Duration::from_std(limits.window).unwrap_or_default();
    let lock = chrono::Duration::from_std(limits.lock).unwrap_or_default();
    let mut attempts = match previous {
        Some(a) if a.first_failed_at + window > now && a.locked_until.is_none() => a,
        _ => LoginAttempts {
            phone: phone.to_string(),
            failures: 0,
            first_failed_at: now,
            locked_until: None,
        },
    };
    attempts.failures += 1;
    if attempts.failures >= max {
        attempts.locked_until = Some(now + lock);
    }
    sessions::save_login_attempts(conn, &attempts)?;
    Ok(())
}

/// A new access token and a new refresh token in `session_id`.
fn issue_tokens(
    conn: &mut DbConn,
    config: &crate::config::Config,
    user: &users::User,
    session_id: &str,
    now: NaiveDateTime,
) -> ApiResult<TokenResponse> {
    let refresh_token = tokens::new_refresh_token();
    sessions::insert_refresh_token(
        conn,
        &RefreshToken {
            token_hash: tokens::hash_refresh_token(&refresh_token),
            session_id: session_id.to_string(),
            created_at: now,
            expires_at: now + chrono::Duration::from_std(config.refresh_ttl).unwrap_or_default(),
            used_at: None,
        },
    )?;
    let memberships = members::for_user(conn, &user.id)?;
    Ok(TokenResponse {
        access_token: tokens::issue_access(
            &config.jwt_secret,
            &user.id,
            session_id,
            config.access_ttl,
        ),
        refresh_token,
        token_type: "Bearer",
        expires_in: config.access_ttl.as_secs(),
        user: MeView::new(user, &memberships),
    })
}

/// A used token presented again within the grace period, while the tokens it was exchanged for
/// are still unused, is the phone retrying after losing the answer: not theft.
fn is_retry(
    conn: &mut DbConn,
    config: &crate::config::Config,
    session_id: &str,
    used: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let grace = chrono::Duration::from_std(config.refresh_grace).unwrap_or_default();
    Ok(now - used <= grace && !sessions::used_since(conn, session_id, used)?)
}

enum RefreshOutcome {
    Issued(Box<TokenResponse>),
    /// The token had been used before: the whole session was revoked (and that must commit).
    Reused,
}

async fn refresh(
    state: web::Data<AppState>,
    body: Valid<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let hash = tokens::hash_refresh_token(&body.0.refresh_token);
    let config = state.config.clone();
    let outcome = state
        .write(move |conn| {
            let now = tingke_models::now();
            let token = sessions::find_refresh_token(conn, &hash)?
                .ok_or_else(|| ApiError::unauthorized("invalid_refresh_token"))?;
            let session = sessions::find_session(conn, &token.session_id)?
                .ok_or_else(|| ApiError::unauthorized("invalid_refresh_token"))?;
            if session.revoked_at.is_some() {
                // A used token keeps its answer, so a retried reuse answers as the first did.
                return Err(ApiError::unauthorized(match token.used_at {
                    Some(_) => "refresh_token_reused",
                    None => "token_revoked",
                }));
            }
            match token.used_at {
                Some(used) if is_retry(conn, &config, &session.id, used, now)? => {
                    sessions::retire_unused(conn, &session.id, used)?;
                }
                None if sessions::mark_refresh_token_used(conn, &hash, now)? => {}
                _ => {
                    sessions::revoke_session(conn, &session.id, now)?;
                    return Ok(RefreshOutcome::Reused);
                }
            }
            if token.expires_at <= now {
                return Err(ApiError::unauthorized("refresh_token_expired"));
            }
            let user = users::find_active(conn, &session.user_id)?
                .ok_or_else(|| ApiError::unauthorized("account_disabled"))?;
            let issued = issue_tokens(conn, &config, &user, &session.id, now)?;
            Ok(RefreshOutcome::Issued(Box::new(issued)))
        })
        .await?;
    match outcome {
        RefreshOutcome::Issued(tokens) => Ok(HttpResponse::Ok().json(tokens)),
        RefreshOutcome::Reused => Err(ApiError::unauthorized("refresh_token_reused")),
    }
}

/// Ends the caller's session: its refresh token and every access token of it stop working.
async fn logout(caller: Caller, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let session_id = caller.session_id.clone();
    state
        .write(move |conn| {
            sessions::revoke_session(conn, &session_id, tingke_models::now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
