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

pub fn forget(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        keys::table
            .filter(keys::user_id.eq(user_id))
            .filter(keys::idempotency_key.eq(key)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Stores the answer of the request that holds the key.
pub fn remember(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    status: i32,
    content_type: &str,
    etag: Option<&str>,
    body: &str,
) -> QueryResult<()> {
    diesel::update(
        keys::table
            .filter(keys::user_id.eq(user_id))
            .filter(keys::idempotency_key.eq(key)),
    )
    .set((
        keys::status.eq(status),
        keys::content_type.eq(content_type),
        keys::etag.eq(etag),
        keys::body.eq(body),
    ))
    .execute(conn)
    .map(|_| ())
}
