//! Short-lived signed URLs for blobs in the local file store: the signature is the permission,
//! so a phone's image view needs no token, and a link that leaks stops working in minutes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a signed URL is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    Invalid,
    Expired,
}

fn mac(secret: &[u8], key: &str, expires: i64) -> HmacSha256 {
    // `new_from_slice` accepts keys of any length for HMAC.
    let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(b"tingke-blob\0");
    mac.update(key.as_bytes());
    mac.update(b"\0");
    mac.update(expires.to_string().as_bytes());
    mac
}

/// The parts of a signed URL, as `GET /v1/files/{token}?expires=&sig=` takes them: a client
/// (a generated one) can call the route with them without taking the URL apart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Parts {
    pub token: String,
    pub expires: i64,
    pub sig: String,
}

/// The parts of a URL that serves `key` until `expires` (Unix seconds).
pub fn parts(secret: &[u8], key: &str, expires: i64) -> Parts {
    Parts {
        token: URL_SAFE_NO_PAD.encode(key.as_bytes()),
        expires,
        sig: hex::encode(mac(secret, key, expires).finalize().into_bytes()),
    }
}

impl Parts {
    /// The path and query of the URL these parts make.
    pub fn path(&self) -> String {
        let Parts {
            token,
            expires,
            sig,
        } = self;
        format!("/v1/files/{token}?expires={expires}&sig={sig}")
    }
}

/// The path and query of a URL that serves `key` until `expires` (Unix seconds).
pub fn path(secret: &[u8], key: &str, expires: i64) -> String {
    parts(secret, key, expires).path()
}

/// The blob key a URL names, when its signature is good and it has not expired.
pub fn verify(
    secret: &[u8],
    token: &str,
    expires: i64,
    sig: &str,
    now: i64,
) -> Result<String, SignatureError> {
    let key = URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(SignatureError::Invalid)?;
    let sig = hex::decode(sig).map_err(|_| SignatureError::Invalid)?;
    mac(secret, &key, expires)
        .verify_slice(&sig)
        .map_err(|_| SignatureError::Invalid)?;
    match expires >= now {
        true => Ok(key),
        false => Err(SignatureError::Expired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (String, i64, String) {
        let (path, query) = url.split_once('?').unwrap();
        let token = path.trim_start_matches("/v1/files/").to_string();
        let mut expires = 0;
        let mut sig = String::new();
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("expires", v) => expires = v.parse().unwrap(),
                ("sig", v) => sig = v.to_string(),
                _ => {}
            }
        }
        (token, expires, sig)
    }

    #[test]
    fn a_good_url_verifies_until_it_expires() {
        let url = path(b"secret", "schools/a/pages/b/page.jpg", 1000);
        let (token, expires, sig) = parts(&url);
        assert_eq!(
            verify(b"secret", &token, expires, &sig, 999),
            Ok("schools/a/pages/b/page.jpg".into())
        );
        assert_eq!(
            verify(b"secret", &token, expires, &sig, 1001),
            Err(SignatureError::Expired)
        );
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let (token, expires, sig) = parts(&path(b"secret", "k/page.jpg", 1000));
        let other = URL_SAFE_NO_PAD.encode(b"k/thumb.jpg");
        assert_eq!(
            verify(b"secret", &other, expires, &sig, 0),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(b"secret", &token, expires + 60, &sig, 0),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(b"other", &token, expires, &sig, 0),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(b"secret", &token, expires, "00", 0),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(b"secret", "!!", expires, &sig, 0),
            Err(SignatureError::Invalid)
        );
    }
}
