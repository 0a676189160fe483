//! What every handler shares: the database and the configuration.

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use actix_web::web;
use diesel::Connection;
use std::sync::Arc;
use tingke_models::db::PooledConn;
use tingke_models::{Db, DbConn};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub store: Arc<dyn crate::storage::BlobStore>,
    /// Photos being processed at once: uploads beyond these wait, so memory stays bounded.
    pub photo_permits: Arc<tokio::sync::Semaphore>,
    /// Districts' rules and terms, kept for a second.
    pub reference: Arc<crate::reference::Reference>,
    /// Callers (session, user, memberships) kept for at most `TINGKE_SESSION_CACHE_MS`.
    pub callers: Arc<crate::auth::Callers>,
    /// People's quota progress kept for at most `TINGKE_PROGRESS_CACHE_MS`.
    pub progress: Arc<crate::memory::KeptProgress>,
}

impl AppState {
    /// Runs read-only queries on a blocking thread, never on the async workers.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        web::block(move || {
            let mut conn = db.read_conn()?;
            let result = f(&mut conn);
            after_error(&db, &mut conn, &result);
            result
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` in one transaction on the write pool, on a blocking thread.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        web::block(move || {
            let mut conn = db.write_conn()?;
            let result = (**conn).transaction(f);
            after_error(&db, &mut conn, &result);
            result
        })
        .await
        .map_err(ApiError::internal)?
    }
}

impl AppState {
    /// Drops what this instance keeps of `user_id` as a caller: call once a change to the
    /// user, their sessions or memberships has committed (other instances hear of it from
    /// PostgreSQL: `auth::cache`).
    pub fn forget_caller(&self, user_id: &str) {
        self.callers.forget_user(user_id);
    }

    /// Drops every caller this instance keeps: a committed change that may concern anyone
    /// (a grade group's people, an import).
    pub fn forget_callers(&self) {
        self.callers.forget_all();
    }
}

/// Connections are not tested when taken from the pool: a server error is where a connection
/// that the database ended shows, and the pool then drops it and every older one.
fn after_error<T>(db: &Db, conn: &mut PooledConn, result: &ApiResult<T>) {
    if matches!(result, Err(e) if e.status.is_server_error()) {
        db.after_failure(conn);
    }
}
