//! Resumable uploads (tus 1.0): what an upload is for, how many bytes the server holds, and the
//! chunks that hold them (blobs in the store, assembled when the last byte arrives).

use crate::schema::{upload_chunks as chunks, uploads};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
pub struct Upload {
    pub id: String,
    pub user_id: String,
    pub document_id: String,
    pub school_id: String,
    pub page_index: Option<i32>,
    pub upload_length: i64,
    pub upload_offset: i64,
    pub metadata: String,
    pub page_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = chunks)]
pub struct Chunk {
    pub upload_id: String,
    pub start_offset: i64,
    pub chunk_length: i64,
    pub blob_key: String,
}

pub fn insert(conn: &mut DbConn, u: &Upload) -> QueryResult<()> {
    diesel::insert_into(uploads::table)
        .values(u)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Upload>> {
    uploads::table
        .find(id)
        .select(Upload::as_select())
        .first(conn)
        .optional()
}

/// Keeps a chunk that starts where the upload stands and moves the offset past it, pushing the
/// expiry to `expires_at`; false when the upload moved on (or is gone) meanwhile: another
/// request's chunk was kept first, and this one is not.
pub fn append(conn: &mut DbConn, chunk: &Chunk, expires_at: NaiveDateTime) -> QueryResult<bool> {
    let moved = diesel::update(
        uploads::table
            .filter(uploads::id.eq(&chunk.upload_id))
            .filter(uploads::upload_offset.eq(chunk.start_offset))
            .filter(uploads::page_id.is_null()),
    )
    .set((
        uploads::upload_offset.eq(chunk.start_offset + chunk.chunk_length),
        uploads::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    if moved != 1 {
        return Ok(false);
    }
    diesel::insert_into(chunks::table)
        .values(chunk)
        .execute(conn)?;
    Ok(true)
}

/// The chunks of an upload in order.
pub fn chunks_of(conn: &mut DbConn, upload_id: &str) -> QueryResult<Vec<Chunk>> {
    chunks::table
        .filter(chunks::upload_id.eq(upload_id))
        .order(chunks::start_offset.asc())
        .select(Chunk::as_select())
        .load(conn)
}

/// Marks the upload finished as `page_id`, dropping its chunk rows; false when it was finished
/// already (a retried last PATCH that raced the first).
pub fn finish(conn: &mut DbConn, id: &str, page_id: &str) -> QueryResult<bool> {
    let n = diesel::update(
        uploads::table
            .filter(uploads::id.eq(id))
            .filter(uploads::page_id.is_null()),
    )
    .set(uploads::page_id.eq(page_id))
    .execute(conn)?;
    if n == 1 {
        diesel::delete(chunks::table.filter(chunks::upload_id.eq(id))).execute(conn)?;
    }
    Ok(n == 1)
}

/// The blob keys of an upload's chunks.
pub fn chunk_keys(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    chunks::table
        .filter(chunks::upload_id.eq(id))
        .select(chunks::blob_key)
        .load(conn)
}

/// Removes an upload and its chunk rows; returns the chunks' blob keys.
pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    let keys = chunk_keys(conn, id)?;
    diesel::delete(chunks::table.filter(chunks::upload_id.eq(id))).execute(conn)?;
    diesel::delete(uploads::table.filter(uploads::id.eq(id))).execute(conn)?;
    Ok(keys)
}

/// Ids of the uploads that expired before `now`.
pub fn expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    uploads::table
        .filter(uploads::expires_at.lt(now))
        .select(uploads::id)
        .load(conn)
}

/// Every chunk blob key held.
pub fn all_chunk_keys(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    chunks::table.select(chunks::blob_key).load(conn)
}
