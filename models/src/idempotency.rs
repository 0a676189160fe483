//! Answers remembered for `Idempotency-Key` retries.

use crate::schema::idempotency_keys as keys;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = keys)]
pub struct Remembered {
    pub user_id: String,
    pub idempotency_key: String,
    pub method: String,
    pub path: String,
    /// 0 while the first request is still being handled.
    pub status: i32,
    pub content_type: String,
    pub etag: Option<String>,
    pub body: String,
    /// While the request is handled (status 0): when its server last renewed the claim. Once
    /// answered: when the answer was stored.
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<Option<Remembered>> {
    keys::table
        .filter(keys::user_id.eq(user_id))
        .filter(keys::idempotency_key.eq(key))
        .select(Remembered::as_select())
        .first(conn)
        .optional()
}

/// Claims the key for a request in progress; false when someone holds it already.
pub fn claim(conn: &mut DbConn, r: &Remembered) -> QueryResult<bool> {
    match diesel::insert_into(keys::table).values(r).execute(conn) {
        Ok(_) => Ok(true),
        Err(e) if crate::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Takes over a claim whose server stopped renewing it before `stale_before` (it died in the
/// middle of the request); false when the claim is live, answered, or taken by someone else.
/// One statement, so two retries racing for a dead claim cannot both win.
pub fn take_over_stale(
    conn: &mut DbConn,
    r: &Remembered,
    stale_before: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        keys::table
            .filter(keys::user_id.eq(&r.user_id))
            .filter(keys::idempotency_key.eq(&r.idempotency_key))
            .filter(keys::status.eq(0))
            .filter(keys::created_at.lt(stale_before)),
    )
    .set((
        keys::method.eq(&r.method),
        keys::path.eq(&r.path),
        keys::created_at.eq(r.created_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Renews the claim of a request still being handled.
pub fn renew(conn: &mut DbConn, user_id: &str, key: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        keys::table
            .filter(keys::user_id.eq(user_id))
            .filter(keys::idempotency_key.eq(key))
            .filter(keys::status.eq(0)),
    )
    .set(keys::created_at.eq(at))
    .execute(conn)
    .map(|_| ())
}

pub fn forget(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        keys::table
            .filter(keys::user_id.eq(user_id))
            .filter(keys::idempotency_key.eq(key)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Stores the answer `r` of the request that holds the key; it is kept from `r.created_at`.
pub fn remember(conn: &mut DbConn, r: &Remembered) -> QueryResult<()> {
    diesel::update(
        keys::table
            .filter(keys::user_id.eq(&r.user_id))
            .filter(keys::idempotency_key.eq(&r.idempotency_key)),
    )
    .set((
        keys::status.eq(r.status),
        keys::content_type.eq(&r.content_type),
        keys::etag.eq(&r.etag),
        keys::body.eq(&r.body),
        keys::created_at.eq(r.created_at),
    ))
    .execute(conn)
    .map(|_| ())
}
