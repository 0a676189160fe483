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

/// Marks a refresh token used; false when it was used already (by a concurrent request too).
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

/// Whether a refresh token of the session was used after `at`: the session has moved on since.
pub fn used_since(conn: &mut DbConn, session_id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n: i64 = refresh_tokens::table
        .filter(refresh_tokens::session_id.eq(session_id))
        .filter(refresh_tokens::used_at.gt(at))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Marks every unused refresh token of the session used: they were answered to a request whose
/// answer was lost, and are replaced.
pub fn retire_unused(conn: &mut DbConn, session_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::session_id.eq(session_id))
        .filter(refresh_tokens::used_at.is_null())
        .set(refresh_tokens::used_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = login_attempts)]
#[diesel(treat_none_as_null = true)]
pub struct LoginAttempts {
    pub phone: String,
    pub failures: i32,
    pub first_failed_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

pub fn find_login_attempts(conn: &mut DbConn, phone: &str) -> QueryResult<Option<LoginAttempts>> {
    login_attempts::table
        .filter(login_attempts::phone.eq(phone))
        .select(LoginAttempts::as_select())
        .first(conn)
        .optional()
}

pub fn save_login_attempts(conn: &mut DbConn, attempts: &LoginAttempts) -> QueryResult<()> {
    let updated = diesel::update(login_attempts::table)
        .filter(login_attempts::phone.eq(&attempts.phone))
        .set(attempts)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(login_attempts::table)
            .values(attempts)
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear_login_attempts(conn: &mut DbConn, phone: &str) -> QueryResult<()> {
    diesel::delete(login_attempts::table)
        .filter(login_attempts::phone.eq(phone))
        .execute(conn)
        .map(|_| ())
}
