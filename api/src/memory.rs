//! Short-lived memory (DESIGN.md "Short-lived memory is allowed", issue 23): answers read from
//! the database kept for at most a couple of seconds, dropped at once when this instance changes
//! what they were read from, and (on PostgreSQL) when another instance says it did. What the
//! callers of [`crate::auth::cache`] and the quota progress of `routes::quotas` keep.
//!
//! - A value read while something was dropped is not kept: the drop may be of a change that
//!   committed during the read.
//! - While an instance does not hear the others (PostgreSQL, the listener down or not yet up)
//!   nothing is kept, and everything is dropped when it hears again: a change missed meanwhile
//!   cannot be answered from memory.

use crate::auth::cache::Hears;
use actix_web::web::Bytes;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest keeping time accepted (DESIGN.md: at most 2 seconds).
pub const MAX_KEEP: Duration = Duration::from_secs(2);

/// Entries are swept of expired ones when there are more than this many.
const SWEEP_ABOVE: usize = 4096;

/// Values by key, each kept for `keep` after it was read.
pub struct Kept<K, V> {
    keep: Duration,
    /// False while an instance on PostgreSQL does not hear other instances' changes.
    hearing: AtomicBool,
    inner: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    /// Counts the drops: a value read before one of them is not kept.
    generation: u64,
    by_key: HashMap<K, Entry<V>>,
    swept_at: Instant,
}

struct Entry<V> {
    /// When it was read plus a keeping time drawn between half the keeping time and all of it:
    /// values read together (a burst of phones at the same minute, every person after a drop)
    /// would otherwise expire together and be read again together, every keeping time, as a
    /// burst that the requests behind it wait for (the p99 of figure 3).
    expires_at: Instant,
    value: Arc<V>,
}

impl<K: Eq + Hash, V> Kept<K, V> {
    /// Keeps values for `keep` (nothing when zero). `hearing` says whether changes made
    /// elsewhere are heard from the start (SQLite: there is no elsewhere).
    pub fn new(keep: Duration, hearing: bool) -> Kept<K, V> {
        Kept {
            keep,
            hearing: AtomicBool::new(hearing),
            inner: Mutex::new(Entries {
                generation: 0,
                by_key: HashMap::new(),
                swept_at: Instant::now(),
            }),
        }
    }

    fn on(&self) -> bool {
        !self.keep.is_zero() && self.hearing.load(Ordering::Acquire)
    }

    /// The value kept for `key` if it was read within the keeping time and `valid` accepts it.
    pub fn fresh(&self, key: &K, valid: impl Fn(&V) -> bool) -> Option<Arc<V>> {
        if !self.on() {
            return None;
        }
        let kept = self.lock();
        let entry = kept.by_key.get(key)?;
        (Instant::now() < entry.expires_at && valid(&entry.value)).then(|| entry.value.clone())
    }

    /// The value kept for `key` (as [`Kept::fresh`]), or what `load` reads, kept unless
    /// something was dropped while it was read. Errors are never kept.
    pub fn get_or_load<E>(
        &self,
        key: K,
        valid: impl Fn(&V) -> bool,
        load: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        if let Some(value) = self.fresh(&key, valid) {
            return Ok(value);
        }
        if !self.on() {
            return load().map(Arc::new);
        }
        let generation = self.lock().generation;
        let read_at = Instant::now();
        let value = Arc::new(load()?);
        let mut kept = self.lock();
        if kept.generation == generation && self.on() {
            if kept.by_key.len() > SWEEP_ABOVE && kept.swept_at.elapsed() > self.keep {
                let now = Instant::now();
                kept.by_key.retain(|_, e| now < e.expires_at);
                kept.swept_at = now;
            }
            let entry = Entry {
                expires_at: read_at + self.keep.mul_f64(rand::random_range(0.5..=1.0)),
                value: value.clone(),
            };
            kept.by_key.insert(key, entry);
        }
        Ok(value)
    }

    /// Drops every kept value that `which` picks.
    pub fn forget_where(&self, which: impl Fn(&V) -> bool) {
        let mut kept = self.lock();
        kept.generation += 1;
        kept.by_key.retain(|_, e| !which(&e.value));
    }

    /// Drops everything kept.
    pub fn forget_all(&self) {
        let mut kept = self.lock();
        kept.generation += 1;
        kept.by_key.clear();
    }

    /// Whether other instances' changes are heard; everything kept is dropped either way.
    pub fn set_hearing(&self, hearing: bool) {
        // Whatever was kept may predate a change made while nothing was heard.
        self.forget_all();
        self.hearing.store(hearing, Ordering::Release);
        self.forget_all();
    }

    fn lock(&self) -> MutexGuard<'_, Entries<K, V>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The payload other instances send when anything counted may have changed (a statement-level
/// trigger on the change log and the quota rules, migration 000061).
pub const COUNTS_CHANGED: &str = "counts";

/// A person's quota progress in a term (`GET /v1/quotas/progress`), as answered in JSON, with
/// the term's district, by person, term and the day it was computed on (the pace of a week
/// depends on today).
pub struct KeptProgress(Kept<ProgressKey, (String, Bytes)>);

type ProgressKey = (String, String, NaiveDate);

impl KeptProgress {
    pub fn new(keep: Duration, hearing: bool) -> KeptProgress {
        KeptProgress(Kept::new(keep, hearing))
    }

    /// The progress answered for `person` in `term` today, or what `count` answers; `district`
    /// is the term's.
    pub fn get_or_count<E>(
        &self,
        (person, term, today): (&str, &str, NaiveDate),
        district: &str,
        count: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        let key = (person.to_string(), term.to_string(), today);
        let load = || Ok((district.to_string(), count()?));
        let kept = self.0.get_or_load(key, |_| true, load)?;
        Ok(Bytes::clone(&kept.1))
    }

    /// The progress kept for `person` in `term` today, with the term's district.
    pub fn fresh(&self, (person, term, today): (&str, &str, NaiveDate)) -> Option<(String, Bytes)> {
        let key = (person.to_string(), term.to_string(), today);
        let kept = self.0.fresh(&key, |_| true)?;
        Some((kept.0.clone(), Bytes::clone(&kept.1)))
    }

    /// Drops every progress kept: after any write on this instance. Which people a write
    /// counts for is the rules' business (an observation counts for its observer and teacher,
    /// a meeting for everyone who attended, a changed rule for a whole district); dropping all
    /// of it is the one choice that cannot miss anybody, and a second's worth of reads is all
    /// it costs.
    pub fn forget_all(&self) {
        self.0.forget_all();
    }
}

impl Hears for KeptProgress {
    /// Any change another instance reports may change someone's counts or the rules they are
    /// held to (their roles): everything is dropped.
    fn heard(&self, _payload: &str) {
        self.0.forget_all();
    }

    fn set_hearing(&self, hearing: bool) {
        self.0.set_hearing(hearing);
    }
}
