//! Where a request's access token comes from: the phone's `Authorization: Bearer` header, or the
//! console's session cookie. A browser sends a cookie with every request to the site, so a write
//! made with the cookie must also carry the session's CSRF token in `X-CSRF-Token`, which only the
//! console's own pages can read (an answer of `/console/session`); the cookie is `SameSite=Strict`
//! besides.

use crate::error::ApiError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The console's session cookie: an access token of the console's session.
pub const COOKIE: &str = "tingke_console";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A token as the request presented it.
pub struct Presented {
    pub token: String,
    /// Read from the console's cookie, not from `Authorization`.
    pub from_cookie: bool,
}

/// The token of a request: `Authorization` first (a phone, a script), then the console's cookie.
pub fn presented(headers: &HeaderMap) -> Result<Presented, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        return bearer(value).map(|token| Presented {
            token,
            from_cookie: false,
        });
    }
    cookie(headers)
        .map(|token| Presented {
            token,
            from_cookie: true,
        })
        .ok_or_else(|| ApiError::unauthorized("missing_token"))
}

fn bearer(value: &header::HeaderValue) -> Result<String, ApiError> {
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("invalid_token"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("invalid_token"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized("invalid_token"));
    }
    Ok(token.trim().to_string())
}

/// The console cookie's value, if the request has one.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The CSRF token of a console session: derived from the session id with the server's secret, so
/// nothing is stored and every instance computes the same one.
pub fn csrf_token(secret: &[u8], session_id: &str) -> String {
    hex::encode(mac(secret, session_id).finalize().into_bytes())
}

fn mac(secret: &[u8], session_id: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"tingke console csrf\0");
    mac.update(session_id.as_bytes());
    mac
}

/// A write made with the console's cookie must name the session's CSRF token (compared in constant
/// time); reads need none. 403 `csrf_failed` otherwise.
pub fn check_csrf(
    secret: &[u8],
    session_id: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| hex::decode(v.trim()).ok());
    match given {
        Some(given) if mac(secret, session_id).verify_slice(&given).is_ok() => Ok(()),
        _ => Err(ApiError::new(StatusCode::FORBIDDEN, "csrf_failed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                header::HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_bearer_header_wins_over_the_cookie() {
        let map = headers(&[
            ("authorization", "Bearer abc"),
            ("cookie", "tingke_console=xyz"),
        ]);
        let p = presented(&map).unwrap();
        assert_eq!((p.token.as_str(), p.from_cookie), ("abc", false));
        let map = headers(&[("cookie", "lang=en; tingke_console=xyz")]);
        let p = presented(&map).unwrap();
        assert_eq!((p.token.as_str(), p.from_cookie), ("xyz", true));
        assert!(presented(&headers(&[("cookie", "tingke_console=")])).is_err());
    }

    #[test]
    fn a_cookie_write_needs_the_sessions_own_csrf_token() {
        let secret = b"secret";
        let token = csrf_token(secret, "s1");
        let ok = headers(&[("x-csrf-token", &token)]);
        assert!(check_csrf(secret, "s1", &Method::POST, &ok).is_ok());
        assert!(check_csrf(secret, "s2", &Method::POST, &ok).is_err());
        assert!(check_csrf(secret, "s1", &Method::DELETE, &headers(&[])).is_err());
        assert!(check_csrf(secret, "s1", &Method::GET, &headers(&[])).is_ok());
    }
}
