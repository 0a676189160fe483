//! One connection type for both backends, pooled with r2d2, and the embedded migrations.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// A connection to either backend; every query in this crate is written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL points at. Chosen from the scheme, because `MultiConnection::establish`
/// tries each variant in turn and hides the real error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens connections for one backend and prepares each new SQLite connection.
///
/// Connections are not tested with a round trip when they are taken from the pool: that was a
/// fifth of the round trips of a progress read. Instead each connection knows the generation it
/// was opened in, and a failure on a connection that no longer answers ([`Db::after_failure`])
/// starts a new generation: every connection opened before it, ended by the same restart of the
/// database, is dropped when next taken or returned.
pub struct ConnManager {
    url: String,
    backend: Backend,
    generation: Arc<AtomicU64>,
}

impl ConnManager {
    fn new(url: &str, generation: Arc<AtomicU64>) -> ConnManager {
        let backend = Backend::from_url(url);
        let url = match backend {
            Backend::Sqlite => url.trim_start_matches("sqlite://").to_string(),
            Backend::Postgres => url.to_string(),
        };
        ConnManager {
            url,
            backend,
            generation,
        }
    }

    fn open(&self) -> Result<DbConn, diesel::r2d2::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(DbConn::Pg)
                .map_err(diesel::r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the writer; the busy timeout covers other processes
                // (the CLI) writing while the server runs.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_stale(&self, conn: &Conn) -> bool {
        conn.generation < self.generation.load(Ordering::Acquire)
    }
}

/// A pooled connection and the generation it was opened in (see [`ConnManager`]).
pub struct Conn {
    conn: DbConn,
    generation: u64,
}

impl Deref for Conn {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for ConnManager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        // Read before opening: a generation that starts meanwhile ends this connection too.
        let generation = self.generation.load(Ordering::Acquire);
        Ok(Conn {
            conn: self.open()?,
            generation,
        })
    }

    /// No round trip: only whether a newer generation has started.
    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        match self.is_stale(conn) {
            false => Ok(()),
            // r2d2 logs this and opens a new connection instead.
            true => Err(diesel::r2d2::Error::QueryError(
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ClosedConnection,
                    Box::new("opened before the database ended its connections".to_string()),
                ),
            )),
        }
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        std::thread::panicking() || self.is_stale(conn) || conn.conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<ConnManager>;
pub type PooledConn = r2d2::PooledConnection<ConnManager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot reach the database: {0}")]
    Unavailable(String),
    #[error("migrations failed: {0}")]
    Migrations(String),
}

/// The database: a pool for reads and a pool for writes. On SQLite the write pool holds a single
/// connection, so writers queue in the process instead of failing with `SQLITE_BUSY`; on
/// PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Db {
    read: Pool,
    write: Pool,
    backend: Backend,
    /// The generation of new connections, shared by both pools (see [`ConnManager`]).
    generation: Arc<AtomicU64>,
}

/// Pool sizes and waiting time.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl Db {
    /// Connects to the database at `url` (a `postgres://` URL or a SQLite file path).
    pub fn connect(url: &str, options: &PoolOptions) -> Result<Db, DbError> {
        let backend = Backend::from_url(url);
        let generation = Arc::new(AtomicU64::new(0));
        let build = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(0))
                .connection_timeout(options.connect_timeout)
                .build(ConnManager::new(url, generation.clone()))
                .map_err(|e| DbError::Unavailable(e.to_string()))
        };
        let read = build(options.max_connections)?;
        let write = match backend {
            Backend::Sqlite => build(1)?,
            Backend::Postgres => read.clone(),
        };
        Ok(Db {
            read,
            write,
            backend,
            generation,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for queries that only read.
    pub fn read_conn(&self) -> Result<PooledConn, DbError> {
        self.read
            .get()
            .map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// A connection for writes; on SQLite there is one, so writers take turns.
    pub fn write_conn(&self) -> Result<PooledConn, DbError> {
        self.write
            .get()
            .map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// Runs the embedded migrations of this backend that have not run yet.
    pub fn migrate(&self) -> Result<(), DbError> {
        let mut conn = self.write_conn()?;
        let result = match &mut **conn {
            DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        };
        result.map_err(|e| DbError::Migrations(e.to_string()))
    }

    /// `SELECT 1` for the readiness probe.
    pub fn ping(&self) -> Result<(), DbError> {
        let mut conn = self.read_conn()?;
        let answered = conn.ping();
        if answered.is_err() {
            self.end_generation_of(&conn);
        }
        answered.map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// After a query on `conn` failed: if the connection no longer answers, the database went
    /// away (a restart, say) and ended every connection opened before this one's answer; they
    /// are dropped instead of failing one request each.
    pub fn after_failure(&self, conn: &mut PooledConn) {
        if conn.ping().is_err() {
            self.end_generation_of(conn);
        }
    }

    /// Starts the generation after `conn`'s: `conn` and every connection as old are stale.
    fn end_generation_of(&self, conn: &Conn) {
        let next = conn.generation + 1;
        if self.generation.fetch_max(next, Ordering::AcqRel) < next {
            tracing::warn!("a database connection stopped answering: opening new ones");
        }
    }
}

/// Serialises transactions that use the same `key` until they end: a second create with the
/// same client id waits for the first to commit and then finds its record, instead of failing on
/// a unique key. SQLite has one writer at a time already.
pub fn lock_key(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

/// Lists `(table, column, nullable)` of the live schema, for the test that both backends match.
pub fn describe_columns(conn: &mut DbConn) -> QueryResult<Vec<(String, String, bool)>> {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        nullable: bool,
    }
    let sql = match conn {
        DbConn::Pg(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             (is_nullable = 'YES') AS nullable FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'"
        }
        DbConn::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, \
             (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND m.name <> '__diesel_schema_migrations'"
        }
    };
    let mut rows: Vec<(String, String, bool)> = diesel::sql_query(sql)
        .load::<Column>(conn)?
        .into_iter()
        .map(|c| (c.table_name, c.column_name, c.nullable))
        .collect();
    rows.sort();
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_types::Integer;
    use r2d2::ManageConnection;

    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = Integer)]
        used: i32,
    }

    /// `.cargo/config.toml` builds the bundled SQLite with the planner stability guarantee; a
    /// build without it parses `LIMIT ?` statements again on every execution.
    #[test]
    fn sqlite_plans_do_not_depend_on_bound_values() {
        let mut conn = ConnManager::new(":memory:", Arc::default())
            .connect()
            .expect("in-memory SQLite");
        let row: Used =
            diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
                .get_result(&mut *conn)
                .expect("compile options");
        assert_eq!(row.used, 1, "SQLite was built without SQLITE_ENABLE_QPSG");
    }
}
