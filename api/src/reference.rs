//! A district's quota rules and its terms: read by every progress request (and every sync's last
//! page), changed a few times a year. Each is kept in memory for at most [`FRESH_FOR`]; this
//! instance forgets a district at once when it saves the district's rules or terms, other
//! instances and the CLI are seen when the second is over. The database stays the only state.

use crate::error::ApiResult;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tingke_models::calendar;
use tingke_models::quotas::QuotaRule;
use tingke_models::terms::Term;

/// How long a value read from the database is answered without reading it again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// What is kept, by district.
#[derive(Default)]
pub struct Reference {
    /// A district's quota rules, by district id.
    pub rules: Shelf<Vec<QuotaRule>>,
    /// A term, every term of its school year, and the term's calendar entries, by term id.
    pub terms: Shelf<(Term, Vec<Term>, Vec<calendar::Entry>)>,
    /// The term a day falls in, by `<district id>|<day>` (asked by every progress read without
    /// a term and by every sync's last page).
    pub current: Shelf<Term>,
}

impl Reference {
    /// Drops what is kept of a district; call after its rules or terms changed and committed.
    pub fn forget(&self, district_id: &str) {
        self.rules.forget(district_id);
        self.terms.forget(district_id);
        self.current.forget(district_id);
    }
}

/// Values by key, each of one district, each answered for [`FRESH_FOR`] after it was read.
pub struct Shelf<T> {
    inner: Mutex<Kept<T>>,
}

struct Kept<T> {
    /// Counts the forgets: a value read before one of them is not kept (it may predate the
    /// change that was forgotten).
    generation: u64,
    values: HashMap<String, Entry<T>>,
}

struct Entry<T> {
    read_at: Instant,
    district_id: String,
    value: Arc<T>,
}

impl<T> Default for Shelf<T> {
    fn default() -> Self {
        Shelf {
            inner: Mutex::new(Kept {
                generation: 0,
                values: HashMap::new(),
            }),
        }
    }
}

impl<T> Shelf<T> {
    /// The value kept for `key` if it is fresh, or else what `load` reads: `(district id,
    /// value)`, or `None` when there is nothing (which is not kept).
    pub fn get_or_load(
        &self,
        key: &str,
        load: impl FnOnce() -> ApiResult<Option<(String, T)>>,
    ) -> ApiResult<Option<Arc<T>>> {
        let generation = {
            let kept = self.lock();
            match kept.values.get(key) {
                Some(e) if e.read_at.elapsed() < FRESH_FOR => return Ok(Some(e.value.clone())),
                _ => kept.generation,
            }
        };
        let read_at = Instant::now();
        let Some((district_id, value)) = load()? else {
            return Ok(None);
        };
        let value = Arc::new(value);
        let mut kept = self.lock();
        if kept.generation == generation {
            let entry = Entry {
                read_at,
                district_id,
                value: value.clone(),
            };
            kept.values.insert(key.to_string(), entry);
        }
        Ok(Some(value))
    }

    fn forget(&self, district_id: &str) {
        let mut kept = self.lock();
        kept.generation += 1;
        kept.values.retain(|_, e| e.district_id != district_id);
    }

    fn lock(&self) -> MutexGuard<'_, Kept<T>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Reads key `t1` of a district `d1`; a read from the database counts in `reads` and finds
    /// `value`. Answers the value the shelf answered.
    fn read(shelf: &Shelf<String>, reads: &Cell<u32>, value: &str) -> Option<String> {
        let load = || {
            reads.set(reads.get() + 1);
            Ok(Some(("d1".to_string(), value.to_string())))
        };
        shelf.get_or_load("t1", load).unwrap().as_deref().cloned()
    }

    #[test]
    fn a_fresh_value_is_answered_without_reading_again() {
        let (shelf, reads) = (Shelf::default(), Cell::new(0));
        read(&shelf, &reads, "a");
        assert_eq!(read(&shelf, &reads, "b").as_deref(), Some("a"));
        assert_eq!(reads.get(), 1);
    }

    #[test]
    fn forgetting_a_district_reads_its_values_again() {
        let (shelf, reads) = (Shelf::default(), Cell::new(0));
        read(&shelf, &reads, "a");
        shelf.forget("d2");
        read(&shelf, &reads, "b");
        assert_eq!(reads.get(), 1, "another district's change keeps the value");
        shelf.forget("d1");
        assert_eq!(read(&shelf, &reads, "b").as_deref(), Some("b"));
        assert_eq!(reads.get(), 2);
    }

    #[test]
    fn a_value_read_across_a_forget_is_not_kept() {
        let (shelf, reads) = (Shelf::default(), Cell::new(0));
        let read_while_saving = || {
            shelf.forget("d1");
            Ok(Some(("d1".to_string(), "old".to_string())))
        };
        let answered = shelf.get_or_load("t1", read_while_saving).unwrap();
        assert_eq!(answered.as_deref().map(String::as_str), Some("old"));
        assert_eq!(read(&shelf, &reads, "new").as_deref(), Some("new"));
    }

    #[test]
    fn nothing_found_is_not_kept() {
        let (shelf, reads) = (Shelf::default(), Cell::new(0));
        assert!(shelf.get_or_load("t1", || Ok(None)).unwrap().is_none());
        read(&shelf, &reads, "a");
        assert_eq!(reads.get(), 1);
    }

    #[test]
    fn a_value_is_read_again_after_a_second() {
        let (shelf, reads) = (Shelf::default(), Cell::new(0));
        read(&shelf, &reads, "a");
        std::thread::sleep(FRESH_FOR + Duration::from_millis(50));
        read(&shelf, &reads, "b");
        assert_eq!(reads.get(), 2);
    }
}
