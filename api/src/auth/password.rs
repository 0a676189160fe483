//! Password hashing with argon2id. Hashing is slow on purpose: call these from blocking threads.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::LazyLock;

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks `password` against a stored hash; a malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Letters of one-time passwords: lower-case letters and digits without the ones read alike
/// on a printed sheet (0 o, 1 l i).
const ONE_TIME_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Characters of a one-time password, written in groups of four: 12 of 31 letters, 59 bits.
const ONE_TIME_LEN: usize = 12;

/// Writes 12 letters of the one-time alphabet from `bytes` as `abcd-efgh-jkmn`.
fn one_time_from(bytes: &[u8; 32]) -> String {
    let mut out = String::with_capacity(ONE_TIME_LEN + 2);
    // Each letter from two bytes taken modulo 31: the bias is below 0.05 %.
    for (i, pair) in bytes.chunks(2).take(ONE_TIME_LEN).enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let n = u16::from_be_bytes([pair[0], pair[1]]) as usize;
        out.push(ONE_TIME_ALPHABET[n % ONE_TIME_ALPHABET.len()] as char);
    }
    out
}

/// A random one-time password (a leader's reset, a member created without a password): readable,
/// nothing in it derived from the person.
pub fn one_time() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    one_time_from(&bytes)
}

/// The one-time password of `user_id` under an import's login-sheet key: HMAC-SHA256 of the
/// id with the key, written as [`one_time`] writes its letters. The key is derived from the
/// server's secret and the import (`crate::import`), handed to the importer (the database keeps
/// its SHA-256), so the sheet can be written once the importer presents it, and nothing in the
/// database tells the password.
pub fn one_time_from_key(key: &[u8], user_id: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"tingke one-time password\0");
    mac.update(user_id.as_bytes());
    one_time_from(&mac.finalize().into_bytes().into())
}

/// Hashes a one-time password. Lighter than [`hash`] (1 MiB, one pass instead of 19 MiB and
/// two): a one-time password is random with 59 bits, so guessing it offline is out of reach
/// whatever the cost per guess, and an import hashes 20,000 of them at once (issue 21's
/// benchmark: under 30 s on two cores). `verify` reads the parameters from the hash.
pub fn hash_one_time(password: &str) -> Result<String, argon2::password_hash::Error> {
    let params = argon2::Params::new(1024, 1, 1, None)?;
    let argon = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon.hash_password(password.as_bytes(), &salt)?.to_string())
}

/// A hash to verify against when the phone is unknown, so that an unknown phone and a wrong
/// password take the same time and give the same answer.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("not-a-real-password").unwrap_or_default());

pub fn burn_time(password: &str) {
    let _ = verify(password, &DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_the_password_and_refuses_others() {
        let h = hash("correct horse").unwrap();
        assert!(verify("correct horse", &h));
        assert!(!verify("correct horsE", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn one_time_passwords_are_readable_random_and_verify() {
        let p = one_time();
        assert_eq!(p.len(), 14, "{p}");
        assert_eq!(p.matches('-').count(), 2);
        assert!(p
            .chars()
            .all(|c| c == '-' || ONE_TIME_ALPHABET.contains(&(c as u8))));
        assert_ne!(one_time(), p);
        let h = hash_one_time(&p).unwrap();
        assert!(verify(&p, &h));
        assert!(!verify("abcd-efgh-jkmn", &h));
    }

    #[test]
    fn a_key_gives_each_person_their_own_password() {
        let key = [7u8; 32];
        let a = one_time_from_key(&key, "u1");
        assert_eq!(a, one_time_from_key(&key, "u1"));
        assert_ne!(a, one_time_from_key(&key, "u2"));
        assert_ne!(a, one_time_from_key(&[8u8; 32], "u1"));
    }
}
