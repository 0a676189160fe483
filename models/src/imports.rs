//! District workbooks (issue 21): the district as an import compares with it, the previewed
//! imports, and applying a plan's changes in one transaction.

use crate::bulk::{self, UserRow};
use crate::members::{Membership, MembershipRow};
use crate::rules::imports::{
    Changes, District, GroupRef, KnownGroup, KnownMembership, KnownPerson, KnownSchool, KnownTerm,
    PersonRef, SchoolRef,
};
use crate::schema::{group_members, imports, memberships, school_groups, schools, terms, users};
use crate::schools::School;
use crate::terms::Term;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A previewed (or committed) import.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports)]
pub struct Import {
    pub id: String,
    pub district_id: String,
    pub school_id: Option<String>,
    pub created_by: Option<String>,
    pub file_name: String,
    pub file_sha256: String,
    /// JSON: the workbook as read and the plan previewed (`api::routes::imports`).
    pub plan: String,
    /// JSON: the answer of the preview.
    pub preview: String,
    /// `previewed` or `committed`.
    pub status: String,
    pub created_at: NaiveDateTime,
    pub committed_at: Option<NaiveDateTime>,
    pub sheet_key_hash: Option<String>,
    pub sheet_people: Option<String>,
    pub sheet_taken_at: Option<NaiveDateTime>,
    /// Memberships the commit removed, for a retried commit's answer.
    pub removed: Option<i32>,
}

pub fn insert(conn: &mut DbConn, import: &Import) -> QueryResult<()> {
    diesel::insert_into(imports::table)
        .values(import)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Import>> {
    imports::table
        .filter(imports::id.eq(id))
        .select(Import::as_select())
        .first(conn)
        .optional()
}

/// Marks a previewed import committed, with its login sheet's key (hashed) and people; false
/// when it was committed already (by a parallel commit).
pub fn mark_committed(
    conn: &mut DbConn,
    id: &str,
    sheet_key_hash: &str,
    sheet_people: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(imports::table)
        .filter(imports::id.eq(id))
        .filter(imports::status.eq("previewed"))
        .set((
            imports::status.eq("committed"),
            imports::committed_at.eq(at),
            imports::sheet_key_hash.eq(sheet_key_hash),
            imports::sheet_people.eq(sheet_people),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Keeps how many memberships a commit removed.
pub fn set_removed(conn: &mut DbConn, id: &str, removed: i32) -> QueryResult<()> {
    diesel::update(imports::table.filter(imports::id.eq(id)))
        .set(imports::removed.eq(removed))
        .execute(conn)
        .map(|_| ())
}

/// Takes the login sheet of a committed import: false when it was taken already.
pub fn take_sheet(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(imports::table)
        .filter(imports::id.eq(id))
        .filter(imports::status.eq("committed"))
        .filter(imports::sheet_taken_at.is_null())
        .set(imports::sheet_taken_at.eq(at))
        .execute(conn)?;
    Ok(n == 1)
}

/// What the district holds for a workbook whose people have `phones`: its schools and terms,
/// the memberships of its schools and researchers, and the people with those phones with all
/// their memberships (in any district).
pub fn load_district(
    conn: &mut DbConn,
    district_id: &str,
    phones: &[String],
) -> QueryResult<District> {
    let schools: Vec<KnownSchool> = schools::table
        .filter(schools::district_id.eq(district_id))
        .order(schools::id.asc())
        .select((schools::id, schools::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, name)| KnownSchool { id, name })
        .collect();
    let terms: Vec<KnownTerm> = terms::table
        .filter(terms::district_id.eq(district_id))
        .order(terms::starts_on.asc())
        .select(Term::as_select())
        .load(conn)?
        .into_iter()
        .map(|t| KnownTerm {
            name: t.name,
            school_year: t.school_year,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
        })
        .collect();
    let people: Vec<KnownPerson> = crate::users::active_by_phones(conn, phones)?
        .into_iter()
        .map(|u| KnownPerson {
            id: u.id,
            name: u.name,
            phone: u.phone,
        })
        .collect();
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    let mut rows: Vec<(MembershipRow, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::district_id.eq(district_id))
        .filter(users::deleted_at.is_null())
        .select((MembershipRow::as_select(), users::name, users::phone))
        .load(conn)?;
    for chunk in ids.chunks(5_000) {
        rows.extend(
            memberships::table
                .inner_join(users::table)
                .filter(memberships::user_id.eq_any(chunk))
                .filter(memberships::district_id.ne(district_id))
                .select((MembershipRow::as_select(), users::name, users::phone))
                .load(conn)?,
        );
    }
    rows.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let memberships = rows
        .into_iter()
        .map(|(row, name, phone)| {
            let m = Membership::from(row);
            KnownMembership {
                id: m.id,
                user_id: m.user_id,
                district_id: m.district_id,
                school_id: m.school_id,
                roles: m.roles,
                subjects: m.subjects,
                grades: m.grades,
                name,
                phone,
            }
        })
        .collect();
    Ok(District {
        id: district_id.to_string(),
        schools,
        terms,
        people,
        memberships,
        groups: load_groups(conn, district_id)?,
    })
}

/// The live groups of the district's schools, each with its people.
fn load_groups(conn: &mut DbConn, district_id: &str) -> QueryResult<Vec<KnownGroup>> {
    let groups: Vec<(String, String, String)> = school_groups::table
        .inner_join(schools::table.on(school_groups::school_id.eq(schools::id)))
        .filter(schools::district_id.eq(district_id))
        .filter(school_groups::deleted_at.is_null())
        .order(school_groups::id.asc())
        .select((
            school_groups::id,
            school_groups::school_id,
            school_groups::name,
        ))
        .load(conn)?;
    let people: Vec<(String, String, bool)> = group_members::table
        .inner_join(school_groups::table)
        .inner_join(schools::table.on(school_groups::school_id.eq(schools::id)))
        .filter(schools::district_id.eq(district_id))
        .filter(school_groups::deleted_at.is_null())
        .select((
            group_members::group_id,
            group_members::user_id,
            group_members::leader,
        ))
        .load(conn)?;
    let mut by_group: std::collections::HashMap<String, Vec<(String, bool)>> =
        std::collections::HashMap::new();
    for (group, user, leader) in people {
        by_group.entry(group).or_default().push((user, leader));
    }
    Ok(groups
        .into_iter()
        .map(|(id, school_id, name)| KnownGroup {
            members: by_group.remove(&id).unwrap_or_default(),
            id,
            school_id,
            name,
        })
        .collect())
}

/// The new people of a commit: their ids (chosen before, so that their one-time passwords could
/// be derived and hashed outside the transaction) and password hashes, in the order of
/// [`Changes::people`].
pub struct NewPeople<'a> {
    pub ids: &'a [String],
    pub hashes: &'a [String],
}

/// Who applies the changes (None: the command line) and when.
pub struct Applied<'a> {
    pub by: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// Applies `changes` to the district and removes the memberships `remove` (and their people from
/// the groups of those schools). Call inside the transaction that planned them.
pub fn apply(
    conn: &mut DbConn,
    district_id: &str,
    changes: &Changes,
    people: NewPeople,
    remove: &[(String, Option<String>, String)],
    applied: Applied,
) -> QueryResult<()> {
    let now = applied.at;
    let school_ids: Vec<String> = changes.schools.iter().map(|_| crate::new_id()).collect();
    for (id, name) in school_ids.iter().zip(&changes.schools) {
        crate::schools::insert(
            conn,
            &School {
                id: id.clone(),
                district_id: district_id.to_string(),
                name: name.clone(),
                created_at: now,
            },
        )?;
    }
    for t in &changes.terms {
        crate::terms::insert(
            conn,
            &Term {
                id: crate::new_id(),
                district_id: district_id.to_string(),
                name: t.name.clone(),
                school_year: t.school_year.clone(),
                starts_on: t.starts_on.clone(),
                ends_on: t.ends_on.clone(),
                created_at: now,
            },
        )?;
    }
    let users: Vec<UserRow> = changes
        .people
        .iter()
        .zip(people.ids.iter().zip(people.hashes))
        .map(|(p, (id, hash))| UserRow {
            id: id.clone(),
            name: p.name.clone(),
            phone: p.phone.clone(),
            password_hash: hash.clone(),
            is_admin: false,
            created_at: now,
            updated_at: now,
            password_change_required: true,
        })
        .collect();
    bulk::users(conn, &users)?;
    for (id, name) in &changes.renames {
        crate::users::rename(conn, id, name, now)?;
    }
    let rows: Vec<MembershipRow> = changes
        .joins
        .iter()
        .map(|j| {
            let user_id = match &j.person {
                PersonRef::Existing(id) => id.clone(),
                PersonRef::New(i) => people.ids[*i].clone(),
            };
            let school_id = match &j.school {
                SchoolRef::Existing(id) => Some(id.clone()),
                SchoolRef::New(i) => Some(school_ids[*i].clone()),
                SchoolRef::District => None,
            };
            let names: Vec<&str> = j.roles.iter().map(|r| r.as_str()).collect();
            MembershipRow {
                id: crate::new_id(),
                user_id,
                district_id: district_id.to_string(),
                scope_id: school_id.clone().unwrap_or_else(|| district_id.to_string()),
                school_id,
                roles: serde_json::to_string(&names).unwrap_or_else(|_| "[]".into()),
                subjects: serde_json::to_string(&j.subjects).unwrap_or_else(|_| "[]".into()),
                created_at: now,
                qualifiers: "[]".into(),
                contact_school_ids: "[]".into(),
                grades: serde_json::to_string(&j.grades).unwrap_or_else(|_| "[]".into()),
            }
        })
        .collect();
    bulk::memberships(conn, &rows)?;
    for u in &changes.updates {
        let names: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
        diesel::update(memberships::table.filter(memberships::id.eq(&u.membership_id)))
            .set((
                memberships::roles
                    .eq(serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())),
                memberships::subjects
                    .eq(serde_json::to_string(&u.subjects).unwrap_or_else(|_| "[]".into())),
                memberships::grades
                    .eq(serde_json::to_string(&u.grades).unwrap_or_else(|_| "[]".into())),
            ))
            .execute(conn)?;
    }
    let person_id = |p: &PersonRef| match p {
        PersonRef::Existing(id) => id.clone(),
        PersonRef::New(i) => people.ids[*i].clone(),
    };
    let school_id = |s: &SchoolRef| match s {
        SchoolRef::Existing(id) => id.clone(),
        SchoolRef::New(i) => school_ids[*i].clone(),
        SchoolRef::District => String::new(),
    };
    apply_groups(conn, changes, &person_id, &school_id, &applied)?;
    for (membership_id, school_id, user_id) in remove {
        if let Some(school) = school_id {
            let groups = school_groups::table
                .filter(school_groups::school_id.eq(school))
                .select(school_groups::id);
            diesel::delete(
                group_members::table
                    .filter(group_members::user_id.eq(user_id))
                    .filter(group_members::group_id.eq_any(groups)),
            )
            .execute(conn)?;
        }
        diesel::delete(memberships::table.filter(memberships::id.eq(membership_id)))
            .execute(conn)?;
    }
    Ok(())
}

/// Makes the new groups and puts people in groups; a group that exists and gains people gets
/// its next version, so that phones syncing it see them.
fn apply_groups(
    conn: &mut DbConn,
    changes: &Changes,
    person_id: &dyn Fn(&PersonRef) -> String,
    school_id: &dyn Fn(&SchoolRef) -> String,
    applied: &Applied,
) -> QueryResult<()> {
    let group_ids: Vec<String> = changes.groups.iter().map(|_| crate::new_id()).collect();
    for (i, (id, g)) in group_ids.iter().zip(&changes.groups).enumerate() {
        // Made by the importer; from the command line, by the person the workbook names to
        // lead it (a group is always led: `rules::imports` checks it).
        let leader = changes
            .group_members
            .iter()
            .find(|j| j.group == GroupRef::New(i) && j.leader)
            .map(|j| person_id(&j.person));
        let created_by = applied
            .by
            .map(str::to_string)
            .or(leader)
            .ok_or(diesel::result::Error::RollbackTransaction)?;
        crate::groups::insert(
            conn,
            &crate::groups::Group {
                id: id.clone(),
                school_id: school_id(&g.school),
                kind: g.kind.clone(),
                name: g.name.clone(),
                subject: g.subject.clone(),
                grade: g.grade.clone(),
                created_by,
                request_hash: "import".into(),
                version: 1,
                created_at: applied.at,
                updated_at: applied.at,
                deleted_at: None,
            },
        )?;
    }
    let rows: Vec<bulk::GroupMemberRow> = changes
        .group_members
        .iter()
        .map(|j| bulk::GroupMemberRow {
            group_id: match &j.group {
                GroupRef::Existing(id) => id.clone(),
                GroupRef::New(i) => group_ids[*i].clone(),
            },
            user_id: person_id(&j.person),
            leader: j.leader,
        })
        .collect();
    bulk::group_members(conn, &rows)?;
    let mut grown: Vec<&str> = changes
        .group_members
        .iter()
        .filter_map(|j| match &j.group {
            GroupRef::Existing(id) => Some(id.as_str()),
            GroupRef::New(_) => None,
        })
        .collect();
    grown.sort_unstable();
    grown.dedup();
    for chunk in grown.chunks(5_000) {
        diesel::update(school_groups::table.filter(school_groups::id.eq_any(chunk)))
            .set((
                school_groups::version.eq(school_groups::version + 1),
                school_groups::updated_at.eq(applied.at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A person of a login sheet.
#[derive(Debug, Clone)]
pub struct SheetPerson {
    pub id: String,
    pub name: String,
    pub phone: String,
    /// Still holding the one-time password.
    pub pending: bool,
    /// The names of their schools in the district.
    pub schools: Vec<String>,
}

/// The people of a login sheet, in the order of `ids`.
pub fn sheet_people(
    conn: &mut DbConn,
    district_id: &str,
    ids: &[String],
) -> QueryResult<Vec<SheetPerson>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        let found: Vec<(String, String, String, bool)> = users::table
            .filter(users::id.eq_any(chunk))
            .filter(users::deleted_at.is_null())
            .select((
                users::id,
                users::name,
                users::phone,
                users::password_change_required,
            ))
            .load(conn)?;
        let schools: Vec<(String, String)> = memberships::table
            .inner_join(schools::table.on(memberships::school_id.eq(schools::id.nullable())))
            .filter(memberships::user_id.eq_any(chunk))
            .filter(memberships::district_id.eq(district_id))
            .order(memberships::id.asc())
            .select((memberships::user_id, schools::name))
            .load(conn)?;
        for (id, name, phone, pending) in found {
            let mine = schools
                .iter()
                .filter(|(u, _)| *u == id)
                .map(|(_, s)| s.clone())
                .collect();
            out.push(SheetPerson {
                id,
                name,
                phone,
                pending,
                schools: mine,
            });
        }
    }
    let order: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    out.sort_by_key(|p| order.get(p.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(out)
}
