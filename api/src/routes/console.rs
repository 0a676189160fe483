//! The console's session: a login that answers a cookie instead of tokens, who is logged in with
//! the CSRF token the console's pages send with every write, and logout (here or everywhere).
//! Everything else the console does is a call of the API's own routes with that cookie
//! (`auth::credential`), so what a person may see and do at the desk is exactly what the API
//! allows them.

use super::auth::{log_in, LoginRequest};
use super::users::MeView;
use super::Router;
use crate::auth::{credential, tokens, Pending};
use crate::config::Config;
use crate::error::ApiResult;
use crate::extract::Valid;
use crate::state::AppState;
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use tingke_models::auth as sessions;
use tingke_models::users::User;
use tingke_models::{members, DbConn};

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/console/session", log_in_console)
        .add(Method::GET, "/console/session", current)
        .add(Method::DELETE, "/console/session", log_out);
}

#[derive(Debug, Serialize)]
struct ConsoleSession {
    /// Send it as `X-CSRF-Token` with every write made with the cookie.
    csrf_token: String,
    expires_in: u64,
    password_change_required: bool,
    user: MeView,
}

/// The same login as the phone's (`POST /v1/auth/login`: the same limits, the same lock), answered
/// with an `HttpOnly`, `SameSite=Strict` cookie holding an access token of the new session (no
/// refresh token: the cookie lasts the console's working day).
async fn log_in_console(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Valid<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let LoginRequest { phone, password } = body.0;
    let (answer, token) = log_in(&state, &req, (phone, password), console_session).await?;
    let cookie = session_cookie(&req, token, answer.expires_in as i64);
    Ok(HttpResponse::Ok().cookie(cookie).json(answer))
}

/// The console's answer for a new session, and the token its cookie holds.
fn console_session(
    conn: &mut DbConn,
    config: &Config,
    user: &User,
    session_id: &str,
    _: NaiveDateTime,
) -> ApiResult<(ConsoleSession, String)> {
    let memberships = members::for_user(conn, &user.id)?;
    let token = tokens::issue_access(&config.jwt_secret, &user.id, session_id, config.console_ttl);
    let answer = ConsoleSession::new(config, MeView::new(user, &memberships), session_id);
    Ok((answer, token))
}

impl ConsoleSession {
    fn new(config: &Config, user: MeView, session_id: &str) -> ConsoleSession {
        ConsoleSession {
            csrf_token: credential::csrf_token(&config.jwt_secret, session_id),
            expires_in: config.console_ttl.as_secs(),
            password_change_required: user.password_change_required,
            user,
        }
    }
}

/// The cookie, `Secure` when the console is reached over TLS (directly or behind a proxy that
/// says so), for the whole site: the console's pages call `/v1/…`.
fn session_cookie(req: &HttpRequest, value: String, max_age: i64) -> Cookie<'static> {
    let secure = req.connection_info().scheme() == "https";
    Cookie::build(credential::COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(time::Duration::seconds(max_age))
        .finish()
}

/// Who is logged in (a person still holding a one-time password too: the console then asks for
/// their own), with the CSRF token of the session.
async fn current(Pending(caller): Pending, state: web::Data<AppState>) -> HttpResponse {
    let user = MeView::new(&caller.user, &caller.memberships);
    HttpResponse::Ok().json(ConsoleSession::new(&state.config, user, &caller.session_id))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoutQuery {
    /// End every session of the person (phones too), not only this one.
    #[serde(default)]
    everywhere: bool,
}

/// Ends the console's session (or every session of the person) and clears the cookie.
async fn log_out(
    Pending(caller): Pending,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LogoutQuery>,
) -> ApiResult<HttpResponse> {
    let (user_id, session_id) = (caller.user.id.clone(), caller.session_id.clone());
    let everywhere = query.everywhere;
    state
        .write(move |conn| {
            let now = tingke_models::now();
            match everywhere {
                true => sessions::revoke_user_sessions(conn, &user_id, now)?,
                false => sessions::revoke_session(conn, &session_id, now)?,
            }
            Ok(())
        })
        .await?;
    state.forget_caller(caller.id());
    let mut gone = session_cookie(&req, String::new(), 0);
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}
