//! Access tokens (short-lived JWTs, HS256) and refresh tokens (random, stored as SHA-256).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// What an access token says: who (`sub`) and in which session (`sid`, the refresh family).
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

pub fn issue_access(secret: &[u8], user_id: &str, session_id: &str, ttl: Duration) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: user_id.to_string(),
        sid: session_id.to_string(),
        iat: now,
        exp: now + ttl.as_secs() as i64,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap_or_default()
}

/// Verifies signature and expiry. Only HS256 is accepted, so `alg: none` and algorithm
/// confusion are refused.
pub fn verify_access(secret: &[u8], token: &str) -> Result<Claims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })
}

/// A new refresh token: 32 random bytes, base64url.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Refresh tokens are stored hashed so a database leak does not leak sessions.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The pad that seals a successor token: SHA-256 of the token it replaced, which only the phone
/// and (hashed differently) nobody else holds.
fn pad(used: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"tingke refresh successor\0");
    hasher.update(used.as_bytes());
    hasher.finalize().into()
}

/// Seals `successor` (a refresh token) with the `used` token it replaces, for the row of `used`:
/// only a caller who presents `used` again can open it.
pub fn seal(used: &str, successor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(successor).ok()?;
    let pad = pad(used);
    (bytes.len() == pad.len()).then(|| hex::encode(xor(&bytes, &pad)))
}

/// Opens what [`seal`] made, with the `used` token presented again.
pub fn unseal(used: &str, sealed: &str) -> Option<String> {
    let bytes = hex::decode(sealed).ok()?;
    let pad = pad(used);
    (bytes.len() == pad.len()).then(|| URL_SAFE_NO_PAD.encode(xor(&bytes, &pad)))
}

fn xor(a: &[u8], b: &[u8; 32]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_sealed_successor_opens_with_the_used_token_only() {
        let (used, next) = (new_refresh_token(), new_refresh_token());
        let sealed = seal(&used, &next).unwrap();
        assert!(!sealed.contains(&next));
        assert_eq!(unseal(&used, &sealed).as_deref(), Some(next.as_str()));
        assert_ne!(
            unseal(&new_refresh_token(), &sealed).as_deref(),
            Some(next.as_str())
        );
        assert_eq!(unseal(&used, "zz"), None);
    }

    #[test]
    fn round_trip() {
        let t = issue_access(SECRET, "u1", "s1", Duration::from_secs(60));
        let c = verify_access(SECRET, &t).unwrap();
        assert_eq!((c.sub.as_str(), c.sid.as_str()), ("u1", "s1"));
    }

    #[test]
    fn wrong_secret_tampering_and_alg_none_are_invalid() {
        let t = issue_access(SECRET, "u1", "s1", Duration::from_secs(60));
        assert_eq!(
            verify_access(b"other", &t).unwrap_err(),
            TokenError::Invalid
        );
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged =
            URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","sid":"s1","iat":0,"exp":9999999999}"#);
        parts[1] = &forged;
        assert_eq!(
            verify_access(SECRET, &parts.join(".")).unwrap_err(),
            TokenError::Invalid
        );
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{forged}.");
        assert_eq!(
            verify_access(SECRET, &unsigned).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn expired_is_told_apart() {
        let t = issue_access(SECRET, "u1", "s1", Duration::from_secs(0));
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(verify_access(SECRET, &t).unwrap_err(), TokenError::Expired);
    }
}
