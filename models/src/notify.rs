//! PostgreSQL `LISTEN` on a plain connection of its own (diesel's pool has no LISTEN): what
//! other instances changed in who a caller is (see `migrations/postgres/…000050_caller_changes`).

use diesel::pg::PgConnection;
use diesel::prelude::*;

/// The channel the triggers of migration 000050 notify: the payload is a user id, or `*` when
/// a change (a grade group's people) may concern anyone.
pub const CALLERS_CHANNEL: &str = "tingke_callers";

/// A connection listening on one channel.
pub struct Listener {
    conn: PgConnection,
}

impl Listener {
    /// Connects to `url` and listens on [`CALLERS_CHANNEL`].
    pub fn connect(url: &str) -> Result<Listener, String> {
        let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
        diesel::sql_query(format!("LISTEN {CALLERS_CHANNEL}"))
            .execute(&mut conn)
            .map_err(|e| e.to_string())?;
        Ok(Listener { conn })
    }

    /// The payloads that arrived since the last call, without waiting (a non-blocking read of
    /// the socket, no round trip). An error means the connection is gone.
    pub fn received(&mut self) -> QueryResult<Vec<String>> {
        self.conn
            .notifications_iter()
            .map(|n| n.map(|n| n.payload))
            .collect()
    }

    /// A round trip, to find a connection that the network lost without closing it.
    pub fn ping(&mut self) -> QueryResult<()> {
        diesel::sql_query("SELECT 1")
            .execute(&mut self.conn)
            .map(|_| ())
    }
}
