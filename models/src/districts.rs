//! Districts: the top of the organisation, owner of terms and quota rules.

use crate::schema::districts;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = districts)]
pub struct District {
    pub id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, district: &District) -> QueryResult<()> {
    diesel::insert_into(districts::table)
        .values(district)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<District>> {
    districts::table
        .filter(districts::id.eq(id))
        .select(District::as_select())
        .first(conn)
        .optional()
}

/// Districts in id order: all of them (`None`), or these.
pub fn list(
    conn: &mut DbConn,
    only: Option<&[String]>,
    page: &crate::page::PageRequest,
) -> QueryResult<crate::page::Page<District>> {
    let mut query = districts::table.into_boxed();
    if let Some(ids) = only {
        query = query.filter(districts::id.eq_any(ids.to_vec()));
    }
    if let Some(after) = &page.after {
        query = query.filter(districts::id.gt(after.clone()));
    }
    let rows = query
        .order(districts::id.asc())
        .limit(page.fetch_limit())
        .select(District::as_select())
        .load(conn)?;
    Ok(crate::page::Page::from_rows(rows, page, |d| &d.id))
}
