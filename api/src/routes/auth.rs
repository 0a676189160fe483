//! Login, token refresh with rotation, logout.

use super::users::MeView;
use super::Router;
use crate::auth::{password, tokens, Pending};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::extract::Valid;
use crate::state::AppState;
use crate::validate;
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use tingke_models::auth::{self as sessions, CheckLimits, RefreshToken, Reservation, Session};
use tingke_models::{members, users, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/auth/login", login)
        .add(Method::POST, "/v1/auth/refresh", refresh)
        .add(Method::POST, "/v1/auth/logout", logout)
        .add(Method::POST, "/v1/me/password", change_password)
        .add(
            Method::POST,
            "/v1/me/sessions/end-others",
            end_other_sessions,
        );
}

#[derive(Debug, Deserialize, Validate)]
struct PasswordChange {
    #[validate(length(min = 1, max = 128, code = "invalid_length"))]
    old_password: String,
    #[validate(custom(function = "validate::password"))]
    new_password: String,
}

#[derive(Debug, Deserialize, Validate)]
pub(super) struct LoginRequest {
    #[validate(regex(path = *validate::PHONE, code = "invalid_phone"))]
    pub(super) phone: String,
    #[validate(length(min = 1, max = 128, code = "invalid_length"))]
    pub(super) password: String,
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
    /// A one-time password was used: every route but `POST /v1/me/password`, `GET /v1/me` and
    /// logout answers 403 `password_change_required` until the person chooses their own.
    password_change_required: bool,
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
    let tokens = log_in(&state, &req, (phone, password), issue_tokens).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// A new session for `phone` if `password` is theirs, within the login limits (per phone and per
/// client address): the phone's login and the console's share them. `answer` makes what the
/// caller is given for the session (the phone's tokens, the console's cookie), in the same
/// transaction as the session.
pub(super) async fn log_in<T: Send + 'static>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    (phone, password): (String, String),
    answer: fn(&mut DbConn, &Config, &users::User, &str, NaiveDateTime) -> ApiResult<T>,
) -> ApiResult<T> {
    let now = tingke_models::now();
    let (key, address) = (phone.clone(), address_key(req));
    let (from, limits) = (address.clone(), state.config.login.clone());
    let user = state
        .write(move |conn| {
            let keys = [
                (key.as_str(), limits.max_failures),
                (from.as_str(), limits.max_failures_per_ip),
            ];
            reserve_checks(conn, keys, &limits, now)?;
            Ok(users::find_by_phone(conn, &key)?)
        })
        .await?;
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
    // A wrong password was counted when its check was reserved.
    let Some(user) = user.filter(|_| matches) else {
        return Err(ApiError::unauthorized("invalid_credentials"));
    };
    let config = state.config.clone();
    state
        .write(move |conn| {
            sessions::clear_login_attempts(conn, &phone)?;
            sessions::release_check(conn, &address)?;
            let session = Session {
                id: tingke_models::new_id(),
                user_id: user.id.clone(),
                created_at: now,
                revoked_at: None,
            };
            sessions::insert_session(conn, &session)?;
            answer(conn, &config, &user, &session.id, now)
        })
        .await
}

/// Takes one password check of each key (the phone, the client's address) before the password
/// is looked at; a locked key answers 429, and the transaction's rollback returns the checks
/// already taken.
fn reserve_checks(
    conn: &mut DbConn,
    keys: [(&str, i32); 2],
    limits: &crate::config::LoginLimits,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let window = chrono::Duration::from_std(limits.window).unwrap_or_default();
    let lock = chrono::Duration::from_std(limits.lock).unwrap_or_default();
    for (key, max) in keys {
        let check = CheckLimits {
            max,
            window_start: now - window,
            now,
            lock_until: now + lock,
        };
        if let Reservation::Locked(until) = sessions::reserve_check(conn, key, check)? {
            return Err(too_many_attempts(until, now));
        }
    }
    Ok(())
}

fn too_many_attempts(until: NaiveDateTime, now: NaiveDateTime) -> ApiError {
    let seconds = (until - now).num_seconds().max(1) as u64;
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").retry_after(seconds)
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
            successor: None,
        },
    )?;
    answer_tokens(conn, config, user, session_id, refresh_token)
}

/// The answer of a login or a refresh: a new access token beside `refresh_token`.
fn answer_tokens(
    conn: &mut DbConn,
    config: &crate::config::Config,
    user: &users::User,
    session_id: &str,
    refresh_token: String,
) -> ApiResult<TokenResponse> {
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
        password_change_required: user.password_change_required,
        user: MeView::new(user, &memberships),
    })
}

/// A used token presented again within the grace period, while the token it was exchanged for
/// is still unused, is the phone retrying after losing the answer: it is answered that same
/// successor again (one chain, never two). Anything else is reuse. `None`: reuse.
fn successor_for_retry(
    conn: &mut DbConn,
    config: &crate::config::Config,
    presented: &str,
    token: &RefreshToken,
    now: NaiveDateTime,
) -> ApiResult<Option<String>> {
    let grace = chrono::Duration::from_std(config.refresh_grace).unwrap_or_default();
    let (Some(used), Some(sealed)) = (token.used_at, token.successor.as_deref()) else {
        return Ok(None);
    };
    let Some(successor) = tokens::unseal(presented, sealed).filter(|_| now - used <= grace) else {
        return Ok(None);
    };
    let unused = sessions::find_refresh_token(conn, &tokens::hash_refresh_token(&successor))?
        .is_some_and(|s| s.used_at.is_none());
    Ok(unused.then_some(successor))
}

enum RefreshOutcome {
    Issued(Box<TokenResponse>),
    /// The token had been used before: the whole session of this user was revoked (and that
    /// must commit).
    Reused(String),
}

async fn refresh(
    state: web::Data<AppState>,
    body: Valid<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = body.0.refresh_token;
    let config = state.config.clone();
    let outcome = state
        .write(move |conn| exchange(conn, &config, &presented, tingke_models::now()))
        .await?;
    match outcome {
        RefreshOutcome::Issued(tokens) => Ok(HttpResponse::Ok().json(tokens)),
        RefreshOutcome::Reused(user_id) => {
            // The whole session ended: its access tokens too.
            state.forget_caller(&user_id);
            Err(ApiError::unauthorized("refresh_token_reused"))
        }
    }
}

/// Exchanges the refresh token `presented` for new tokens (see `refresh`).
fn exchange(
    conn: &mut DbConn,
    config: &crate::config::Config,
    presented: &str,
    now: NaiveDateTime,
) -> ApiResult<RefreshOutcome> {
    let hash = tokens::hash_refresh_token(presented);
    let invalid = || ApiError::unauthorized("invalid_refresh_token");
    let mut token = sessions::find_refresh_token(conn, &hash)?.ok_or_else(invalid)?;
    let session = sessions::find_session(conn, &token.session_id)?.ok_or_else(invalid)?;
    if session.revoked_at.is_some() {
        // A used token keeps its answer, so a retried reuse answers as the first did.
        return Err(ApiError::unauthorized(match token.used_at {
            Some(_) => "refresh_token_reused",
            None => "token_revoked",
        }));
    }
    let user = |conn: &mut DbConn| {
        users::find_active(conn, &session.user_id)?
            .ok_or_else(|| ApiError::unauthorized("account_disabled"))
    };
    if token.used_at.is_none() {
        if token.expires_at <= now {
            return Err(ApiError::unauthorized("refresh_token_expired"));
        }
        if sessions::mark_refresh_token_used(conn, &hash, now)? {
            let user = user(conn)?;
            let issued = issue_tokens(conn, config, &user, &session.id, now)?;
            let sealed = tokens::seal(presented, &issued.refresh_token)
                .ok_or_else(|| ApiError::internal("a refresh token could not be sealed"))?;
            sessions::set_successor(conn, &hash, &sealed)?;
            return Ok(RefreshOutcome::Issued(Box::new(issued)));
        }
        // A parallel refresh of the same token used it first: read what it left.
        token = sessions::find_refresh_token(conn, &hash)?.ok_or_else(invalid)?;
    }
    match successor_for_retry(conn, config, presented, &token, now)? {
        Some(successor) => {
            let user = user(conn)?;
            let answer = answer_tokens(conn, config, &user, &session.id, successor)?;
            Ok(RefreshOutcome::Issued(Box::new(answer)))
        }
        None => {
            sessions::revoke_session(conn, &session.id, now)?;
            Ok(RefreshOutcome::Reused(session.user_id))
        }
    }
}

/// Ends the caller's session: its refresh token and every access token of it stop working.
async fn logout(Pending(caller): Pending, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let session_id = caller.session_id.clone();
    state
        .write(move |conn| {
            sessions::revoke_session(conn, &session_id, tingke_models::now())?;
            Ok(())
        })
        .await?;
    state.forget_caller(caller.id());
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the caller's own password (the old one is required, and its checks count against the
/// login limits, so a stolen access token cannot guess it), and ends every other session of the
/// caller: a leaked password stops working everywhere but here. A person holding a one-time
/// password sets their own here (the one-time one is the old password), and may not keep it.
async fn change_password(
    Pending(caller): Pending,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let PasswordChange {
        old_password,
        new_password,
    } = body.0;
    if caller.user.password_change_required && new_password == old_password {
        return Err(ApiError::field(
            "password_unchanged",
            "new_password",
            "choose a password of your own, not the one-time one",
        ));
    }
    let now = tingke_models::now();
    let (phone, address) = (caller.user.phone.clone(), address_key(&req));
    let (key, from, limits) = (phone.clone(), address.clone(), state.config.login.clone());
    state
        .write(move |conn| {
            let keys = [
                (key.as_str(), limits.max_failures),
                (from.as_str(), limits.max_failures_per_ip),
            ];
            reserve_checks(conn, keys, &limits, now)
        })
        .await?;
    let stored = caller.user.password_hash.clone();
    let new_hash = web::block(move || {
        password::verify(&old_password, &stored).then(|| password::hash(&new_password))
    })
    .await
    .map_err(ApiError::internal)?
    .ok_or_else(|| ApiError::field("wrong_password", "old_password", "not the current password"))?
    .map_err(ApiError::internal)?;
    let (user_id, session_id) = (caller.user.id.clone(), caller.session_id.clone());
    state
        .write(move |conn| {
            sessions::clear_login_attempts(conn, &phone)?;
            sessions::release_check(conn, &address)?;
            users::set_password(conn, &user_id, &new_hash, now)?;
            sessions::revoke_other_sessions(conn, &user_id, &session_id, now)?;
            Ok(())
        })
        .await?;
    state.forget_caller(caller.id());
    Ok(HttpResponse::NoContent().finish())
}

/// Ends every session of the caller but this one (a phone lost, a password shared).
async fn end_other_sessions(
    caller: crate::auth::Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (user_id, session_id) = (caller.user.id.clone(), caller.session_id.clone());
    state
        .write(move |conn| {
            let now = tingke_models::now();
            Ok(sessions::revoke_other_sessions(
                conn,
                &user_id,
                &session_id,
                now,
            )?)
        })
        .await?;
    state.forget_caller(caller.id());
    Ok(HttpResponse::NoContent().finish())
}
