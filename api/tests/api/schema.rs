//! Both databases end with the same tables and columns.

use crate::helpers::*;
use tingke_models::db::describe_columns;
use tingke_models::{Db, PoolOptions};

fn columns(db: &Db) -> Vec<(String, String, bool)> {
    let mut conn = db.read_conn().unwrap();
    let mut cols = describe_columns(&mut conn).unwrap();
    cols.sort();
    cols
}

#[test]
fn sqlite_and_postgres_have_the_same_tables_and_columns() {
    let Some(_) = test_database_url() else {
        eprintln!("TINGKE_TEST_DATABASE_URL is not set: only SQLite is checked here");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(
        &dir.path().join("t.db").to_string_lossy(),
        &PoolOptions::default(),
    )
    .unwrap();
    sqlite.migrate().unwrap();
    let (config, _dir, _pg) = test_config();
    let postgres = Db::connect(&config.database_url, &config.pool).unwrap();
    postgres.migrate().unwrap();
    let (s, p) = (columns(&sqlite), columns(&postgres));
    assert!(s.len() > 20, "the schema has its tables: {s:?}");
    assert_eq!(s, p, "SQLite (left) and PostgreSQL (right) differ");
}

#[test]
fn migrations_are_idempotent() {
    let (config, _dir, _pg) = test_config();
    let db = Db::connect(&config.database_url, &config.pool).unwrap();
    db.migrate().unwrap();
    let before = columns(&db);
    db.migrate().unwrap();
    assert_eq!(columns(&db), before);
}
