//! Keyset pagination over time-ordered ids.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Which slice of a list to read: rows with an id after `after`, at most `limit` of them.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub after: Option<String>,
    pub limit: i64,
}

/// The cursor could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidCursor;

impl PageRequest {
    /// Builds a request from the query string's `cursor` and `limit` (clamped to 1..=MAX_LIMIT).
    pub fn parse(cursor: Option<&str>, limit: Option<i64>) -> Result<PageRequest, InvalidCursor> {
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(decode_cursor(c)?),
        };
        let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        Ok(PageRequest { after, limit })
    }

    /// Fetch one row more than the limit to learn whether there is a next page.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}

/// Cursors are opaque to clients: the last id seen, base64url-encoded.
pub fn encode_cursor(last_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(last_id.as_bytes())
}

/// The id a cursor holds: an id as the server writes them (a lower-case hyphenated UUID), and
/// nothing else, so that a cursor cut short is refused instead of read as an earlier position.
fn decode_cursor(cursor: &str) -> Result<String, InvalidCursor> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| InvalidCursor)?;
    let id = String::from_utf8(bytes).map_err(|_| InvalidCursor)?;
    match uuid::Uuid::try_parse(&id) {
        Ok(parsed) if parsed.hyphenated().to_string() == id => Ok(id),
        _ => Err(InvalidCursor),
    }
}

/// One page of a list and the cursor of the next page, if any.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Cuts the extra row fetched by `fetch_limit` and makes the next cursor from the last id.
    pub fn from_rows(
        mut rows: Vec<T>,
        request: &PageRequest,
        id_of: impl Fn(&T) -> &str,
    ) -> Page<T> {
        let more = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(id_of(r)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_garbage_is_refused() {
        let id = "0193f1e2-7c4a-7d2e-9b1a-3f5c2e8d4a10";
        let c = encode_cursor(id);
        let req = PageRequest::parse(Some(&c), Some(10)).unwrap();
        assert_eq!(req.after.as_deref(), Some(id));
        assert_eq!(
            PageRequest::parse(Some("***"), None).unwrap_err(),
            InvalidCursor
        );
        // Cut short by a character or more, or not an id at all: refused, not read as an
        // earlier place in the list.
        for cut in 1..6 {
            let short = &c[..c.len() - cut];
            assert!(PageRequest::parse(Some(short), None).is_err(), "{short}");
        }
        let other = encode_cursor("0190-abc");
        assert!(PageRequest::parse(Some(&other), None).is_err());
    }

    #[test]
    fn limit_is_clamped() {
        assert_eq!(PageRequest::parse(None, Some(0)).unwrap().limit, 1);
        assert_eq!(
            PageRequest::parse(None, Some(10_000)).unwrap().limit,
            MAX_LIMIT
        );
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn next_cursor_only_when_more_rows() {
        let req = PageRequest::parse(None, Some(2)).unwrap();
        let page = Page::from_rows(vec!["a", "b", "c"], &req, |s| s);
        assert_eq!(page.items, vec!["a", "b"]);
        assert_eq!(page.next_cursor, Some(encode_cursor("b")));
        let page = Page::from_rows(vec!["a", "b"], &req, |s| s);
        assert_eq!(page.next_cursor, None);
    }
}
