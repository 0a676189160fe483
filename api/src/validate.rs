//! Field checks shared by request bodies, each with its own stable code.

use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
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

/// A name (of a class, a person, a subject, a topic, a school…) read in its stored form
/// (`tingke_models::names::normalise`), so that the length and text checks and everything after
/// them see what will be stored and compared. One with nothing visible in it reads as empty, and
/// the field's checks refuse it (`invalid_length`).
pub fn name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(tingke_models::names::normalise(&String::deserialize(d)?))
}

/// [`name`] for a field that may be left out (use with `#[serde(default)]`).
pub fn name_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| tingke_models::names::normalise(&s)))
}

/// [`name`] for a list of names (subjects).
pub fn names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| tingke_models::names::normalise(s))
        .collect())
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

/// The years a date or time a client sends may fall in: a school's records, with room on both
/// sides. Outside it PostgreSQL refuses some timestamps (before 4713 BC) that SQLite stores, so
/// both refuse them here alike.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A calendar date written `YYYY-MM-DD`, in [`YEARS`].
pub fn date(s: &str) -> Result<(), ValidationError> {
    let day = parse_date(s).ok_or_else(|| error("invalid_date", "write dates as YYYY-MM-DD"))?;
    match YEARS.contains(&chrono::Datelike::year(&day)) {
        true => Ok(()),
        false => Err(error("invalid_date", "a date from 2000 to 2100")),
    }
}

/// A moment in [`YEARS`].
pub fn moment(t: &chrono::DateTime<chrono::Utc>) -> Result<(), ValidationError> {
    match YEARS.contains(&chrono::Datelike::year(t)) {
        true => Ok(()),
        false => Err(error("invalid_date", "a time from 2000 to 2100")),
    }
}

pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A JSON object read into a map, refusing a key given twice: serde_json would keep the last
/// value silently, and a score given twice is a client bug to report, not to guess at. Refused
/// as a `duplicate field` (`duplicate_field`, like a field of a struct given twice).
pub fn unique_keys<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Keys<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for Keys<V> {
        type Value = BTreeMap<String, V>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = BTreeMap::new();
            while let Some((key, value)) = access.next_entry::<String, V>()? {
                if map.contains_key(&key) {
                    return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                }
                map.insert(key, value);
            }
            Ok(map)
        }
    }
    d.deserialize_map(Keys(std::marker::PhantomData))
}

/// [`unique_keys`] for a map that may be left out or `null` (use with `#[serde(default)]`).
pub fn unique_keys_opt<'de, D, V>(d: D) -> Result<Option<BTreeMap<String, V>>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(bound = "V: Deserialize<'de>")]
    struct Wrapped<V>(#[serde(deserialize_with = "unique_keys")] BTreeMap<String, V>);
    Ok(Option::<Wrapped<V>>::deserialize(d)?.map(|w| w.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused() {
        #[derive(Debug, Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "unique_keys")]
            a: BTreeMap<String, i32>,
            #[serde(default, deserialize_with = "unique_keys_opt")]
            b: Option<BTreeMap<String, i32>>,
        }
        let ok: Body = serde_json::from_str(r#"{"a": {"x": 1, "y": 2}, "b": null}"#).unwrap();
        assert_eq!((ok.a.len(), ok.b), (2, None));
        let ok: Body = serde_json::from_str(r#"{"b": {"x": 1}}"#).unwrap();
        assert_eq!(ok.b.map(|b| b.len()), Some(1));
        for twice in [r#"{"a": {"x": 1, "x": 2}}"#, r#"{"b": {"x": 1, "x": 1}}"#] {
            let e = serde_json::from_str::<Body>(twice).unwrap_err();
            assert!(e.to_string().starts_with("duplicate field `x`"), "{e}");
            assert_eq!(e.classify(), serde_json::error::Category::Data);
        }
    }

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
