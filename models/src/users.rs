//! People who log in.

use crate::schema::users;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// The password is a one-time one (an import's, a reset's): every route but choosing a
    /// password of one's own is refused until then.
    pub password_change_required: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts a user; a taken phone number is a unique violation.
pub fn insert(conn: &mut DbConn, user: &NewUser) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

/// A user who has not been deleted.
pub fn find_active(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// The user with this phone number, deleted or not (a deleted user cannot log in).
pub fn find_by_phone(conn: &mut DbConn, phone: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::phone.eq(phone))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Replaces a user's password hash with one of a password they chose themselves.
pub fn set_password(conn: &mut DbConn, id: &str, hash: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table)
        .filter(users::id.eq(id))
        .set((
            users::password_hash.eq(hash),
            users::password_change_required.eq(false),
            users::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Gives a user a password someone else chose (its hash: a one-time password, or one a leader
/// picked): they must choose their own at their next login. False when there is no such active
/// user.
pub fn set_one_time_password(
    conn: &mut DbConn,
    id: &str,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(users::table)
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .set((
            users::password_hash.eq(hash),
            users::password_change_required.eq(true),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Active users with these phone numbers.
pub fn active_by_phones(conn: &mut DbConn, phones: &[String]) -> QueryResult<Vec<User>> {
    let mut found = Vec::new();
    // Chunks well under both backends' limits on bound parameters.
    for chunk in phones.chunks(5_000) {
        found.extend(
            users::table
                .filter(users::phone.eq_any(chunk))
                .filter(users::deleted_at.is_null())
                .select(User::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Renames a user.
pub fn rename(conn: &mut DbConn, id: &str, name: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table)
        .filter(users::id.eq(id))
        .set((users::name.eq(name), users::updated_at.eq(at)))
        .execute(conn)
        .map(|_| ())
}

/// Frees a deleted user's phone number for a new user: the deleted row keeps it with its own id
/// appended (`13800000000#<id>`, which no login can match), so its history still shows whose it
/// was. False when the phone belongs to nobody deleted.
pub fn free_phone_of_deleted(conn: &mut DbConn, phone: &str) -> QueryResult<bool> {
    let n = diesel::update(users::table)
        .filter(users::phone.eq(phone))
        .filter(users::deleted_at.is_not_null())
        .set(users::phone.eq(users::phone.concat("#").concat(users::id)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Marks a user deleted; returns false when there was no such active user.
pub fn soft_delete(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(users::table)
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .set((users::deleted_at.eq(at), users::updated_at.eq(at)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Whether any user exists: `serve --demo` seeds only an empty database.
pub fn any_exist(conn: &mut DbConn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.select(users::id))).get_result(conn)
}
