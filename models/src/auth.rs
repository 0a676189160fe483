//! Sessions (refresh-token families), refresh tokens and failed-login bookkeeping.

use crate::members::{Membership, MembershipRow};
use crate::schema::{login_attempts, memberships, refresh_tokens, sessions, users};
use crate::users::User;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub token_hash: String,
    pub session_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    /// Once used: the token it was exchanged for, sealed with this one (see `tokens::seal`).
    pub successor: Option<String>,
}

pub fn insert_session(conn: &mut DbConn, session: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)
        .map(|_| ())
}

pub fn find_session(conn: &mut DbConn, id: &str) -> QueryResult<Option<Session>> {
    sessions::table
        .filter(sessions::id.eq(id))
        .select(Session::as_select())
        .first(conn)
        .optional()
}

/// What every authenticated request checks, read in one round trip.
#[derive(Debug)]
pub struct SessionWithUser {
    pub session: Session,
    /// None when the user is deleted.
    pub user: Option<User>,
    pub memberships: Vec<Membership>,
}

/// A session, its user if the user is active, and the user's memberships.
pub fn find_session_with_user(conn: &mut DbConn, id: &str) -> QueryResult<Option<SessionWithUser>> {
    let rows: Vec<(Session, Option<User>, Option<MembershipRow>)> = sessions::table
        .left_join(
            users::table.on(users::id
                .eq(sessions::user_id)
                .and(users::deleted_at.is_null())),
        )
        .left_join(memberships::table.on(memberships::user_id.eq(users::id)))
        .filter(sessions::id.eq(id))
        .select((
            Session::as_select(),
            Option::<User>::as_select(),
            Option::<MembershipRow>::as_select(),
        ))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((session, user, first)) = rows.next() else {
        return Ok(None);
    };
    let mut memberships: Vec<Membership> = first
        .into_iter()
        .chain(rows.filter_map(|(_, _, m)| m))
        .map(Membership::from)
        .collect();
    // In id order as `members::for_user` answers them; sorted here, as an ORDER BY made SQLite
    // sort in a temporary b-tree on every request.
    memberships.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Some(SessionWithUser {
        session,
        user,
        memberships,
    }))
}

/// Revokes one session; later refreshes and access tokens of it are refused.
pub fn revoke_session(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table)
        .filter(sessions::id.eq(id))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

/// Revokes every session of a user (when the user is deleted).
pub fn revoke_user_sessions(
    conn: &mut DbConn,
    user_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

/// Revokes every session of a user but `keep` (a password change, "end my other sessions").
pub fn revoke_other_sessions(
    conn: &mut DbConn,
    user_id: &str,
    keep: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::id.ne(keep))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_refresh_token(conn: &mut DbConn, token: &RefreshToken) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)
        .map(|_| ())
}

pub fn find_refresh_token(conn: &mut DbConn, hash: &str) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

/// Marks a refresh token used; false when it was used already (by a concurrent request too:
/// on PostgreSQL the statement waits for that request's transaction and then finds it used).
pub fn mark_refresh_token_used(
    conn: &mut DbConn,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::token_hash.eq(hash))
        .filter(refresh_tokens::used_at.is_null())
        .set(refresh_tokens::used_at.eq(at))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records the (sealed) token a used refresh token was exchanged for.
pub fn set_successor(conn: &mut DbConn, hash: &str, sealed: &str) -> QueryResult<()> {
    diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::token_hash.eq(hash))
        .set(refresh_tokens::successor.eq(sealed))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = login_attempts)]
pub struct LoginAttempts {
    /// A phone number, or `ip:<address>` for a client address.
    pub phone: String,
    /// Password checks that did not prove right, within the window (a check in flight counts).
    pub failures: i32,
    pub first_failed_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// Limits of the password checks for one phone or address.
#[derive(Debug, Clone, Copy)]
pub struct CheckLimits {
    /// Checks allowed within the window.
    pub max: i32,
    /// Failures before this moment are forgotten.
    pub window_start: NaiveDateTime,
    pub now: NaiveDateTime,
    /// Until when the check that reaches `max` locks the phone or address.
    pub lock_until: NaiveDateTime,
}

/// The answer to [`reserve_check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// One password check may run; it counts as a failure until [`release_check`].
    Granted,
    /// No check is left: locked until then.
    Locked(NaiveDateTime),
}

/// Reserves one password check for `key` (a phone or `ip:<address>`), counted as a failure
/// before the password is even looked at: parallel attempts each take one of the `max` checks
/// in a single conditional UPDATE, so no more than `max` are ever checked, however many arrive
/// at once. The check that takes the last one locks the key until `lock_until`.
pub fn reserve_check(
    conn: &mut DbConn,
    key: &str,
    limits: CheckLimits,
) -> QueryResult<Reservation> {
    let row = login_attempts::table.filter(login_attempts::phone.eq(key));
    // A window or a lock that is over starts afresh (again one conditional statement).
    diesel::update(row)
        .filter(
            login_attempts::locked_until
                .le(limits.now)
                .or(login_attempts::locked_until
                    .is_null()
                    .and(login_attempts::first_failed_at.le(limits.window_start))),
        )
        .set((
            login_attempts::failures.eq(0),
            login_attempts::first_failed_at.eq(limits.now),
            login_attempts::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    let take = |conn: &mut DbConn| {
        diesel::update(row)
            .filter(login_attempts::failures.lt(limits.max))
            .set(login_attempts::failures.eq(login_attempts::failures + 1))
            .execute(conn)
    };
    // No row taken: the key has no row yet (insert it), or a parallel first attempt inserted
    // it meanwhile (take again), or no check is left.
    let granted = take(conn)? == 1 || first_check(conn, key, limits.now)? || take(conn)? == 1;
    if !granted {
        let locked = row
            .select(login_attempts::locked_until)
            .first::<Option<NaiveDateTime>>(conn)
            .optional()?
            .flatten();
        return Ok(Reservation::Locked(locked.unwrap_or(limits.lock_until)));
    }
    diesel::update(row)
        .filter(login_attempts::failures.ge(limits.max))
        .filter(login_attempts::locked_until.is_null())
        .set(login_attempts::locked_until.eq(limits.lock_until))
        .execute(conn)?;
    Ok(Reservation::Granted)
}

/// The first check of a key without a row: inserts its row with one failure. False when the
/// row exists (a parallel attempt may have inserted it first: the insert runs in a savepoint,
/// so that the unique violation does not end the transaction on PostgreSQL).
fn first_check(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        login_attempts::table.filter(login_attempts::phone.eq(key)),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    let row = LoginAttempts {
        phone: key.to_string(),
        failures: 1,
        first_failed_at: now,
        locked_until: None,
    };
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(login_attempts::table)
            .values(&row)
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if crate::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A reserved check that proved right: it was not a failure after all.
pub fn release_check(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::update(login_attempts::table)
        .filter(login_attempts::phone.eq(key))
        .filter(login_attempts::failures.gt(0))
        .set((
            login_attempts::failures.eq(login_attempts::failures - 1),
            login_attempts::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn clear_login_attempts(conn: &mut DbConn, phone: &str) -> QueryResult<()> {
    diesel::delete(login_attempts::table)
        .filter(login_attempts::phone.eq(phone))
        .execute(conn)
        .map(|_| ())
}

/// What someone did to another person's account, kept as `account_events.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEvent {
    /// A leader gave the person a new one-time password.
    PasswordReset,
    /// An administrator ended every session of the person.
    SessionsEnded,
}

impl AccountEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountEvent::PasswordReset => "password_reset",
            AccountEvent::SessionsEnded => "sessions_ended",
        }
    }
}

/// Records an account event (`actor` None: the command line).
pub fn record_account_event(
    conn: &mut DbConn,
    user_id: &str,
    actor: Option<&str>,
    kind: AccountEvent,
    at: NaiveDateTime,
) -> QueryResult<()> {
    use crate::schema::account_events;
    diesel::insert_into(account_events::table)
        .values((
            account_events::id.eq(crate::new_id()),
            account_events::user_id.eq(user_id),
            account_events::actor_id.eq(actor),
            account_events::kind.eq(kind.as_str()),
            account_events::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The account events of a person, oldest first: (kind, actor).
pub fn account_events_of(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Vec<(String, Option<String>)>> {
    use crate::schema::account_events;
    account_events::table
        .filter(account_events::user_id.eq(user_id))
        .order((account_events::created_at.asc(), account_events::id.asc()))
        .select((account_events::kind, account_events::actor_id))
        .load(conn)
}

/// One account event as read back, with the name of who did it (None: the command line, or
/// a person since deleted from the list of users).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEventRow {
    pub id: String,
    pub kind: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub created_at: NaiveDateTime,
}

/// One page of a person's account events, oldest first (ids are time-ordered).
pub fn account_events_page(
    conn: &mut DbConn,
    user_id: &str,
    page: &crate::page::PageRequest,
) -> QueryResult<crate::page::Page<AccountEventRow>> {
    use crate::schema::account_events;
    let mut query = account_events::table
        .left_join(users::table.on(account_events::actor_id.eq(users::id.nullable())))
        .filter(account_events::user_id.eq(user_id))
        .order(account_events::id.asc())
        .limit(page.fetch_limit())
        .select((
            account_events::id,
            account_events::kind,
            account_events::actor_id,
            users::name.nullable(),
            account_events::created_at,
        ))
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(account_events::id.gt(after));
    }
    let rows: Vec<AccountEventRow> = query
        .load::<(
            String,
            String,
            Option<String>,
            Option<String>,
            NaiveDateTime,
        )>(conn)?
        .into_iter()
        .map(
            |(id, kind, actor_id, actor_name, created_at)| AccountEventRow {
                id,
                kind,
                actor_id,
                actor_name,
                created_at,
            },
        )
        .collect();
    Ok(crate::page::Page::from_rows(rows, page, |r| r.id.as_str()))
}
