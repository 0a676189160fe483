//! Field checks shared by request bodies, each with its own stable code.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;
use validator::ValidationError;

/// A mainland China mobile number: 11 digits starting 13–19.
pub static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^1[3-9][0-9]{9}$").unwrap_or_else(|_| unreachable!()));

fn error(code: &'static str, message: &'static str) -> ValidationError {
    let mut e = ValidationError::new(code);
    e.message = Some(Cow::Borrowed(message));
    e
}

pub fn password(p: &str) -> Result<(), ValidationError> {
    let n = p.chars().count();
    if n < 8 {
        return Err(error("password_too_short", "at least 8 characters"));
    }
    if n > 128 {
        return Err(error("invalid_length", "at most 128 characters"));
    }
    Ok(())
}

/// Free text of one line: no control characters (NUL included).
pub fn plain_text(s: &str) -> Result<(), ValidationError> {
    if s.chars().any(char::is_control) {
        return Err(error("invalid_text", "control characters are not allowed"));
    }
    if s.trim().is_empty() {
        return Err(error("invalid_length", "must not be blank"));
    }
    Ok(())
}

/// A list of short labels (subjects), each plain text of at most 30 characters.
pub fn labels(items: &[String]) -> Result<(), ValidationError> {
    for item in items {
        plain_text(item)?;
        if item.chars().count() > 30 {
            return Err(error(
                "invalid_length",
                "each entry has at most 30 characters",
            ));
        }
    }
    Ok(())
}

/// Text of several lines (feedback, comments): no control characters but line breaks and tabs.
pub fn multiline_text(s: &str) -> Result<(), ValidationError> {
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(error("invalid_text", "control characters are not allowed"));
    }
    Ok(())
}

/// A client-chosen id: a UUID (the app makes UUIDv7s), written in lower case with hyphens.
pub fn client_id(s: &str) -> Result<(), ValidationError> {
    match uuid::Uuid::parse_str(s) {
        Ok(u) if u.hyphenated().to_string() == s => Ok(()),
        _ => Err(error("invalid_id", "a lower-case hyphenated UUID")),
    }
}

/// A calendar date written `YYYY-MM-DD`.
pub fn date(s: &str) -> Result<(), ValidationError> {
    parse_date(s)
        .map(|_| ())
        .ok_or_else(|| error("invalid_date", "write dates as YYYY-MM-DD"))
}

pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(PHONE.is_match("13800000001"));
        assert!(!PHONE.is_match("12800000001"));
        assert!(!PHONE.is_match("1380000000"));
        assert!(!PHONE.is_match("138000000011"));
        assert!(!PHONE.is_match("abc"));
    }

    #[test]
    fn passwords_and_text() {
        assert!(password("1234567").is_err());
        assert!(password("12345678").is_ok());
        assert!(plain_text("张老师").is_ok());
        assert!(plain_text("a\0b").is_err());
        assert!(plain_text("   ").is_err());
    }

    #[test]
    fn dates() {
        assert!(date("2026-09-01").is_ok());
        assert!(date("2026-9-1").is_err());
        assert!(date("2026-02-30").is_err());
    }
}
