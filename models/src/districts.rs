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
