//! What every versioned record of the routine (check rounds and results, notices, follow-ups,
//! inspections) needs from its table: found by id (deleted or not), loaded by ids for sync,
//! inserted, and written only while its version is the one read (a stale write loses, as
//! `If-Match` promises).

/// Writes `find_any`, `find`, `by_ids`, `insert`, `update_if_version` and `save` for a record
/// type whose table has `id`, `version`, `updated_at` and `deleted_at`.
macro_rules! versioned {
    ($record:ty, $table:ident) => {
        /// The record by id, deleted or not (a retried create must find its own).
        pub fn find_any(
            conn: &mut $crate::DbConn,
            id: &str,
        ) -> diesel::QueryResult<Option<$record>> {
            use diesel::prelude::*;
            $table::table
                .filter($table::id.eq(id))
                .select(<$record>::as_select())
                .first(conn)
                .optional()
        }

        /// The record by id unless it was deleted.
        pub fn find(conn: &mut $crate::DbConn, id: &str) -> diesel::QueryResult<Option<$record>> {
            Ok(find_any(conn, id)?.filter(|r| r.deleted_at.is_none()))
        }

        /// Records by id, deleted ones included (for sync).
        pub fn by_ids(
            conn: &mut $crate::DbConn,
            ids: &[String],
        ) -> diesel::QueryResult<Vec<$record>> {
            use diesel::prelude::*;
            $table::table
                .filter($table::id.eq_any(ids))
                .select(<$record>::as_select())
                .load(conn)
        }

        pub fn insert(conn: &mut $crate::DbConn, r: &$record) -> diesel::QueryResult<()> {
            use diesel::prelude::*;
            diesel::insert_into($table::table)
                .values(r)
                .execute(conn)
                .map(|_| ())
        }

        /// Writes `r` when the stored version is still `expected`; false when someone wrote
        /// first.
        pub fn update_if_version(
            conn: &mut $crate::DbConn,
            r: &$record,
            expected: i32,
        ) -> diesel::QueryResult<bool> {
            use diesel::prelude::*;
            let n = diesel::update(
                $table::table
                    .filter($table::id.eq(&r.id))
                    .filter($table::version.eq(expected)),
            )
            .set(r)
            .execute(conn)?;
            Ok(n == 1)
        }

        /// Writes `r` as its next version, while the stored version is still the one `r` was
        /// read at; `None` when someone wrote first.
        pub fn save(
            conn: &mut $crate::DbConn,
            mut r: $record,
        ) -> diesel::QueryResult<Option<$record>> {
            let expected = r.version;
            r.version += 1;
            r.updated_at = $crate::now();
            Ok(update_if_version(conn, &r, expected)?.then_some(r))
        }
    };
}

pub(crate) use versioned;
