//! Callers kept in memory (issue 23, DESIGN.md "Short-lived memory is allowed"): what
//! [`Caller::load`](super::Caller) reads on every request (the session, its user, their
//! memberships and the grade groups they lead) is answered from memory for at most
//! `TINGKE_SESSION_CACHE_MS` (2 s by default, 0 turns it off).
//!
//! - This instance drops a user's callers at once when it changes them (logout, a password
//!   changed or reset, sessions ended, a member added or changed, groups, an import), after the
//!   change committed; a value read while such a change was being made is not kept.
//! - On PostgreSQL every change to sessions, users, memberships and groups notifies
//!   `tingke_callers` (triggers of migration 000050); each instance listens on a connection of
//!   its own and drops what it heard about. While that connection is down (and until it is up
//!   at start), nothing is kept, and once it is back everything is dropped: a notification
//!   missed meanwhile cannot leave a revoked session answered from memory.
//! - SQLite serves one instance per file: the local drop is all it needs.
//!
//! So a revoked session or a removed role is refused by every instance within the keeping time
//! at worst, and within a notification's delivery where the listener is up.

use super::Caller;
use crate::error::ApiResult;
use crate::memory::Kept;
use std::sync::Weak;
use std::time::{Duration, Instant};

pub use crate::memory::MAX_KEEP;

/// Callers by session id.
pub struct Callers(Kept<String, Caller>);

impl Callers {
    /// Keeps callers for `keep` (nothing when zero). `hearing` says whether changes made
    /// elsewhere are heard from the start (SQLite: there is no elsewhere); on PostgreSQL the
    /// listener says so once it listens.
    pub fn new(keep: Duration, hearing: bool) -> Callers {
        Callers(Kept::new(keep, hearing))
    }

    /// The caller of session `session_id` (of user `user_id`, as the token says) if one was read
    /// within the keeping time.
    pub fn fresh(&self, session_id: &str, user_id: &str) -> Option<Caller> {
        let kept = self
            .0
            .fresh(&session_id.to_string(), |c| c.user.id == user_id)?;
        Some(Caller::clone(&kept))
    }

    /// The caller kept for `session_id`, or what `load` reads, which is kept unless something
    /// was dropped while it was read. Refusals are never kept.
    pub fn get_or_load(
        &self,
        session_id: &str,
        user_id: &str,
        load: impl FnOnce() -> ApiResult<Caller>,
    ) -> ApiResult<Caller> {
        let valid = |c: &Caller| c.user.id == user_id;
        let caller = self.0.get_or_load(session_id.to_string(), valid, load)?;
        Ok(Caller::clone(&caller))
    }

    /// Drops every kept caller of `user_id`: call after a change to the user, their sessions or
    /// memberships has committed.
    pub fn forget_user(&self, user_id: &str) {
        self.0.forget_where(|c| c.user.id == user_id);
    }

    /// Drops every kept caller (a change that may concern anyone: groups, an import).
    pub fn forget_all(&self) {
        self.0.forget_all();
    }
}

/// What the listener tells: something it heard, or whether it hears at all.
pub trait Hears: Send + Sync {
    /// A notification's payload.
    fn heard(&self, payload: &str);
    /// Whether other instances' changes are heard now.
    fn set_hearing(&self, hearing: bool);
}

impl Hears for Callers {
    /// A user id to drop, or `*` for everyone; other payloads are for other hearers.
    fn heard(&self, payload: &str) {
        match payload {
            "*" => self.forget_all(),
            crate::memory::COUNTS_CHANGED => {}
            user_id => self.forget_user(user_id),
        }
    }

    fn set_hearing(&self, hearing: bool) {
        self.0.set_hearing(hearing);
    }
}

/// How often the listener reads what arrived (no round trip: a read of its socket).
const POLL: Duration = Duration::from_millis(25);
/// How often the listener proves its connection alive with a round trip.
const PING: Duration = Duration::from_secs(5);
/// The longest wait between attempts to connect again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens on PostgreSQL for other instances' changes, on a thread of its own, for as long as
/// the first of `hearers` (the callers) is alive; connects again (with growing pauses) when the
/// connection drops. Every hearer hears every payload.
pub fn listen(database_url: String, hearers: Vec<Weak<dyn Hears>>) -> std::io::Result<()> {
    let callers = Hearers(hearers);
    std::thread::Builder::new()
        .name("tingke-callers".into())
        .spawn(move || {
            let mut backoff = Duration::from_millis(100);
            loop {
                let Some(strong) = callers.upgrade() else {
                    return;
                };
                match tingke_models::notify::Listener::connect(&database_url) {
                    Ok(mut listener) => {
                        strong.set_hearing(true);
                        drop(strong);
                        backoff = Duration::from_millis(100);
                        let ended = hear(&mut listener, &callers);
                        let Some(strong) = callers.upgrade() else {
                            return;
                        };
                        strong.set_hearing(false);
                        tracing::warn!(error = %ended, "caller notifications lost; connecting again");
                    }
                    Err(error) => {
                        drop(strong);
                        tracing::warn!(%error, "cannot listen for caller notifications");
                        std::thread::sleep(backoff);
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
        })
        .map(drop)
}

/// What the listener tells, as one.
struct Hearers(Vec<Weak<dyn Hears>>);

impl Hearers {
    /// All of them, while the server lives (the first is dropped with it).
    fn upgrade(&self) -> Option<Hearers> {
        self.0.first()?.upgrade()?;
        Some(Hearers(self.0.clone()))
    }

    fn heard(&self, payload: &str) {
        self.0
            .iter()
            .filter_map(Weak::upgrade)
            .for_each(|h| h.heard(payload));
    }

    fn set_hearing(&self, hearing: bool) {
        self.0
            .iter()
            .filter_map(Weak::upgrade)
            .for_each(|h| h.set_hearing(hearing));
    }
}

/// Applies notifications until the connection fails (answers why) or the server is gone.
fn hear(listener: &mut tingke_models::notify::Listener, callers: &Hearers) -> String {
    let mut pinged = Instant::now();
    loop {
        std::thread::sleep(POLL);
        let Some(callers) = callers.upgrade() else {
            return "the server stopped".into();
        };
        match listener.received() {
            Ok(payloads) => payloads.iter().for_each(|p| callers.heard(p)),
            Err(e) => return e.to_string(),
        }
        if pinged.elapsed() >= PING {
            if let Err(e) = listener.ping() {
                return e.to_string();
            }
            pinged = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use std::cell::Cell;
    use tingke_models::users::User;

    fn caller(user_id: &str, name: &str) -> Caller {
        let now = tingke_models::now();
        Caller {
            user: User {
                id: user_id.into(),
                name: name.into(),
                phone: "13800000000".into(),
                password_hash: String::new(),
                is_admin: false,
                created_at: now,
                updated_at: now,
                deleted_at: None,
                password_change_required: false,
            },
            session_id: format!("s-{user_id}"),
            memberships: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Loads session `s-<user>`; a read from the database counts in `reads` and finds `name`.
    fn load(callers: &Callers, reads: &Cell<u32>, user: &str, name: &str) -> String {
        let found = callers.get_or_load(&format!("s-{user}"), user, || {
            reads.set(reads.get() + 1);
            Ok(caller(user, name))
        });
        found.unwrap().user.name
    }

    #[test]
    fn a_caller_is_read_once_within_the_keeping_time() {
        let (callers, reads) = (Callers::new(MAX_KEEP, true), Cell::new(0));
        load(&callers, &reads, "u1", "a");
        assert_eq!(load(&callers, &reads, "u1", "b"), "a");
        assert_eq!(reads.get(), 1);
    }

    #[test]
    fn forgetting_a_user_reads_their_callers_again_and_no_one_elses() {
        let (callers, reads) = (Callers::new(MAX_KEEP, true), Cell::new(0));
        load(&callers, &reads, "u1", "a");
        load(&callers, &reads, "u2", "a");
        callers.heard("u1");
        assert_eq!(load(&callers, &reads, "u1", "b"), "b");
        assert_eq!(load(&callers, &reads, "u2", "b"), "a");
        callers.heard("*");
        assert_eq!(load(&callers, &reads, "u2", "c"), "c");
        assert_eq!(reads.get(), 4);
    }

    #[test]
    fn a_caller_read_across_a_drop_is_not_kept() {
        let (callers, reads) = (Callers::new(MAX_KEEP, true), Cell::new(0));
        let read_while_changing = || {
            callers.forget_user("u1");
            Ok(caller("u1", "old"))
        };
        callers
            .get_or_load("s-u1", "u1", read_while_changing)
            .unwrap();
        assert_eq!(load(&callers, &reads, "u1", "new"), "new");
    }

    #[test]
    fn nothing_is_kept_when_off_or_not_hearing_and_refusals_never() {
        for callers in [
            Callers::new(Duration::ZERO, true),
            Callers::new(MAX_KEEP, false),
        ] {
            let reads = Cell::new(0);
            load(&callers, &reads, "u1", "a");
            load(&callers, &reads, "u1", "a");
            assert_eq!(reads.get(), 2);
        }
        let callers = Callers::new(MAX_KEEP, true);
        let refused = callers.get_or_load("s-u1", "u1", || Err(ApiError::unauthorized("x")));
        assert!(refused.is_err());
        assert!(callers.fresh("s-u1", "u1").is_none());
    }

    #[test]
    fn a_session_is_answered_only_for_its_own_user() {
        let (callers, reads) = (Callers::new(MAX_KEEP, true), Cell::new(0));
        load(&callers, &reads, "u1", "a");
        assert!(callers.fresh("s-u1", "u2").is_none());
    }

    #[test]
    fn hearing_again_drops_everything_kept() {
        let (callers, reads) = (Callers::new(MAX_KEEP, true), Cell::new(0));
        load(&callers, &reads, "u1", "a");
        callers.set_hearing(false);
        callers.set_hearing(true);
        assert_eq!(load(&callers, &reads, "u1", "b"), "b");
    }

    #[test]
    fn a_caller_is_read_again_after_the_keeping_time() {
        let callers = Callers::new(Duration::from_millis(50), true);
        let reads = Cell::new(0);
        load(&callers, &reads, "u1", "a");
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(load(&callers, &reads, "u1", "b"), "b");
    }
}
