//! Memberships: a user's roles in one school, or a district role (researcher) in one district.

use crate::page::{Page, PageRequest};
use crate::roles::{Qualifier, Role};
use crate::schema::{memberships, users};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct MembershipRow {
    pub id: String,
    pub user_id: String,
    pub district_id: String,
    pub school_id: Option<String>,
    /// The school id for school memberships, the district id for district memberships.
    pub scope_id: String,
    /// JSON array of role names.
    pub roles: String,
    /// JSON array of subject names.
    pub subjects: String,
    pub created_at: NaiveDateTime,
    /// JSON array of qualifier names (`roles::Qualifier`).
    pub qualifiers: String,
    /// JSON array of school ids: a researcher's contact schools (联系点).
    pub contact_school_ids: String,
    /// JSON array of the grades the member teaches (`三年级`).
    pub grades: String,
}

/// A membership with its roles and subjects parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: String,
    pub user_id: String,
    pub district_id: String,
    pub school_id: Option<String>,
    pub roles: Vec<Role>,
    pub subjects: Vec<String>,
    pub created_at: NaiveDateTime,
    /// Qualifiers of its roles: the vice principal in charge of teaching.
    pub qualifiers: Vec<Qualifier>,
    /// A researcher's contact schools (联系点): the schools of the district they are responsible
    /// for.
    pub contact_school_ids: Vec<String>,
    /// The grades the member teaches in the school.
    pub grades: Vec<String>,
}

impl Membership {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// What quota rules look at: the school, the roles and their qualifiers.
    pub fn holding(&self) -> crate::rules::quotas::Holding<'_> {
        crate::rules::quotas::Holding {
            school_id: self.school_id.as_deref(),
            roles: &self.roles,
            qualifiers: &self.qualifiers,
        }
    }
}

impl From<MembershipRow> for Membership {
    fn from(row: MembershipRow) -> Membership {
        // Roles were validated on the way in; an unknown name (from a newer version) is skipped.
        let names: Vec<String> = serde_json::from_str(&row.roles).unwrap_or_default();
        let qualifiers: Vec<String> = serde_json::from_str(&row.qualifiers).unwrap_or_default();
        Membership {
            qualifiers: qualifiers
                .iter()
                .filter_map(|n| Qualifier::parse(n))
                .collect(),
            roles: names.iter().filter_map(|n| Role::parse(n)).collect(),
            subjects: serde_json::from_str(&row.subjects).unwrap_or_default(),
            contact_school_ids: serde_json::from_str(&row.contact_school_ids).unwrap_or_default(),
            grades: serde_json::from_str(&row.grades).unwrap_or_default(),
            id: row.id,
            user_id: row.user_id,
            district_id: row.district_id,
            school_id: row.school_id,
            created_at: row.created_at,
        }
    }
}

/// What a new membership holds; `school_id` None makes it a district membership.
pub struct NewMembership<'a> {
    pub user_id: &'a str,
    pub district_id: &'a str,
    pub school_id: Option<&'a str>,
    pub roles: &'a [Role],
    pub subjects: &'a [String],
    pub qualifiers: &'a [Qualifier],
}

pub fn insert(
    conn: &mut DbConn,
    new: &NewMembership,
    at: NaiveDateTime,
) -> QueryResult<Membership> {
    insert_with_id(conn, &crate::new_id(), new, at)
}

/// Inserts a membership under an id the client chose.
pub fn insert_with_id(
    conn: &mut DbConn,
    id: &str,
    new: &NewMembership,
    at: NaiveDateTime,
) -> QueryResult<Membership> {
    let names: Vec<&str> = new.roles.iter().map(|r| r.as_str()).collect();
    let row = MembershipRow {
        id: id.to_string(),
        user_id: new.user_id.to_string(),
        district_id: new.district_id.to_string(),
        school_id: new.school_id.map(str::to_string),
        scope_id: new.school_id.unwrap_or(new.district_id).to_string(),
        roles: serde_json::to_string(&names).unwrap_or_else(|_| "[]".into()),
        subjects: serde_json::to_string(new.subjects).unwrap_or_else(|_| "[]".into()),
        created_at: at,
        qualifiers: qualifiers_json(new.qualifiers),
        contact_school_ids: "[]".into(),
        grades: "[]".into(),
    };
    diesel::insert_into(memberships::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}

/// Qualifiers as stored: a JSON array of their names.
pub fn qualifiers_json(qualifiers: &[Qualifier]) -> String {
    let names: Vec<&str> = qualifiers.iter().map(|q| q.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

/// All memberships of one user.
pub fn for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Membership>> {
    let rows = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .order(memberships::id.asc())
        .select(MembershipRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Membership::from).collect())
}

/// A member as listed: the membership with the person's name and phone.
#[derive(Debug, Clone)]
pub struct Member {
    pub membership: Membership,
    pub name: String,
    pub phone: String,
}

impl From<(MembershipRow, String, String)> for Member {
    /// A membership row with its person's name and phone, as the queries below select them.
    fn from((row, name, phone): (MembershipRow, String, String)) -> Member {
        Member {
            membership: row.into(),
            name,
            phone,
        }
    }
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A search of a member list: text found in the person's name, or in their phone number when
/// the reader may see phone numbers (`in_phone`), ignoring case.
#[derive(Debug, Clone)]
pub struct MemberSearch {
    pub text: String,
    pub in_phone: bool,
}

impl MemberSearch {
    /// The `LIKE` pattern of the text, its `%`, `_` and `\` taken literally.
    fn pattern(&self) -> String {
        let mut escaped = String::with_capacity(self.text.len() + 2);
        escaped.push('%');
        for c in self.text.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        escaped.push('%');
        escaped
    }
}

/// Active members of a school or district (`scope_id`), in the order they were added; those
/// the search finds, when there is one.
pub fn list(
    conn: &mut DbConn,
    scope_id: &str,
    search: Option<&MemberSearch>,
    page: &PageRequest,
) -> QueryResult<Page<Member>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::scope_id.eq(scope_id))
        .filter(users::deleted_at.is_null())
        .into_boxed();
    if let Some(search) = search {
        let pattern = search.pattern();
        let in_name = lower(users::name).like(pattern.clone()).escape('\\');
        query = match search.in_phone {
            true => query.filter(in_name.or(users::phone.like(pattern).escape('\\'))),
            false => query.filter(in_name),
        };
    }
    if let Some(after) = &page.after {
        query = query.filter(memberships::id.gt(after.clone()));
    }
    let rows: Vec<(MembershipRow, String, String)> = query
        .order(memberships::id.asc())
        .limit(page.fetch_limit())
        .select((MembershipRow::as_select(), users::name, users::phone))
        .load(conn)?;
    let members = rows.into_iter().map(Member::from).collect();
    Ok(Page::from_rows(members, page, |m| &m.membership.id))
}

/// Every active member of a school (`School`) or of a whole district, schools included
/// (`District`), for reports.
pub enum MemberScope<'a> {
    School(&'a str),
    District(&'a str),
}

pub fn all(conn: &mut DbConn, scope: MemberScope) -> QueryResult<Vec<Member>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(users::deleted_at.is_null())
        .into_boxed();
    query = match scope {
        MemberScope::School(id) => query.filter(memberships::scope_id.eq(id.to_string())),
        MemberScope::District(id) => query.filter(memberships::district_id.eq(id.to_string())),
    };
    let rows: Vec<(MembershipRow, String, String)> = query
        .order(memberships::id.asc())
        .select((MembershipRow::as_select(), users::name, users::phone))
        .load(conn)?;
    Ok(rows.into_iter().map(Member::from).collect())
}

/// Memberships with these ids whose person is still active, with the person's name and phone.
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Member>> {
    let rows: Vec<(MembershipRow, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::id.eq_any(ids))
        .filter(users::deleted_at.is_null())
        .select((MembershipRow::as_select(), users::name, users::phone))
        .load(conn)?;
    Ok(rows.into_iter().map(Member::from).collect())
}

/// The user's membership in a school or district, when they are an active member.
pub fn find(conn: &mut DbConn, user_id: &str, scope_id: &str) -> QueryResult<Option<Membership>> {
    let row = memberships::table
        .inner_join(users::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::scope_id.eq(scope_id))
        .filter(users::deleted_at.is_null())
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(Membership::from))
}

/// Sets the qualifiers of a membership's roles.
pub fn set_qualifiers(conn: &mut DbConn, id: &str, qualifiers: &[Qualifier]) -> QueryResult<()> {
    diesel::update(memberships::table.filter(memberships::id.eq(id)))
        .set(memberships::qualifiers.eq(qualifiers_json(qualifiers)))
        .execute(conn)
        .map(|_| ())
}

/// Sets the roles of a membership, and the qualifiers kept with them.
pub fn set_roles(
    conn: &mut DbConn,
    id: &str,
    roles: &[Role],
    qualifiers: &[Qualifier],
) -> QueryResult<()> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    diesel::update(memberships::table.filter(memberships::id.eq(id)))
        .set((
            memberships::roles.eq(serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())),
            memberships::qualifiers.eq(qualifiers_json(qualifiers)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Sets a researcher's contact schools.
pub fn set_contact_schools(conn: &mut DbConn, id: &str, school_ids: &[String]) -> QueryResult<()> {
    let json = serde_json::to_string(school_ids).unwrap_or_else(|_| "[]".into());
    diesel::update(memberships::table.filter(memberships::id.eq(id)))
        .set(memberships::contact_school_ids.eq(json))
        .execute(conn)
        .map(|_| ())
}
