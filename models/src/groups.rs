//! A school's groups (教研组, 备课组, 年级组) and who is in them.

use crate::page::{Page, PageRequest};
use crate::schema::{group_members, school_groups, users};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A subject research group (教研组): one subject, every grade.
pub const SUBJECT: &str = "subject";
/// A lesson-preparation group (备课组): one subject in one grade.
pub const PREPARATION: &str = "preparation";
/// A grade group (年级组): every subject of one grade.
pub const GRADE: &str = "grade";
pub const KINDS: [&str; 3] = [SUBJECT, PREPARATION, GRADE];

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = school_groups, treat_none_as_null = true)]
pub struct Group {
    pub id: String,
    pub school_id: String,
    pub kind: String,
    pub name: String,
    pub subject: Option<String>,
    pub grade: Option<String>,
    pub created_by: String,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

/// One person in a group, with their name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub user_id: String,
    pub name: String,
    pub leader: bool,
}

/// A group that has not been deleted.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Group>> {
    school_groups::table
        .filter(school_groups::id.eq(id))
        .filter(school_groups::deleted_at.is_null())
        .select(Group::as_select())
        .first(conn)
        .optional()
}

/// A group by id, deleted or not (a retried create must find its own record).
pub fn find_any(conn: &mut DbConn, id: &str) -> QueryResult<Option<Group>> {
    school_groups::table
        .filter(school_groups::id.eq(id))
        .select(Group::as_select())
        .first(conn)
        .optional()
}

/// Groups by id, deleted ones included (for sync).
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Group>> {
    school_groups::table
        .filter(school_groups::id.eq_any(ids))
        .select(Group::as_select())
        .load(conn)
}

/// The live group of this name in the school, if any.
pub fn find_by_name(conn: &mut DbConn, school_id: &str, name: &str) -> QueryResult<Option<Group>> {
    school_groups::table
        .filter(school_groups::school_id.eq(school_id))
        .filter(school_groups::name.eq(name))
        .filter(school_groups::deleted_at.is_null())
        .select(Group::as_select())
        .first(conn)
        .optional()
}

/// One page of a school's live groups, oldest first.
pub fn list(conn: &mut DbConn, school_id: &str, page: &PageRequest) -> QueryResult<Page<Group>> {
    let mut query = school_groups::table
        .filter(school_groups::school_id.eq(school_id))
        .filter(school_groups::deleted_at.is_null())
        .order(school_groups::id.asc())
        .limit(page.fetch_limit())
        .select(Group::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(school_groups::id.gt(after));
    }
    let rows = query.load(conn)?;
    Ok(Page::from_rows(rows, page, |g: &Group| g.id.as_str()))
}

/// The live groups `user_id` is in (as a leader or not).
pub fn of_member(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    group_members::table
        .inner_join(school_groups::table)
        .filter(group_members::user_id.eq(user_id))
        .filter(school_groups::deleted_at.is_null())
        .select(group_members::group_id)
        .load(conn)
}

/// Every live group of a school, by id: a school has a few dozen.
pub fn all_of_school(conn: &mut DbConn, school_id: &str) -> QueryResult<Vec<Group>> {
    school_groups::table
        .filter(school_groups::school_id.eq(school_id))
        .filter(school_groups::deleted_at.is_null())
        .order(school_groups::id.asc())
        .select(Group::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConn, group: &Group) -> QueryResult<()> {
    diesel::insert_into(school_groups::table)
        .values(group)
        .execute(conn)
        .map(|_| ())
}

/// Writes `g` when the stored version is still `expected`; false when someone wrote first.
pub fn update_if_version(conn: &mut DbConn, g: &Group, expected: i32) -> QueryResult<bool> {
    let n = diesel::update(
        school_groups::table
            .filter(school_groups::id.eq(&g.id))
            .filter(school_groups::version.eq(expected)),
    )
    .set(g)
    .execute(conn)?;
    Ok(n == 1)
}

/// The members of each of `group_ids`, leaders first, then by name.
pub fn members_of(
    conn: &mut DbConn,
    group_ids: &[String],
) -> QueryResult<Vec<(String, GroupMember)>> {
    let rows: Vec<(String, String, String, bool)> = group_members::table
        .inner_join(users::table)
        .filter(group_members::group_id.eq_any(group_ids))
        .select((
            group_members::group_id,
            group_members::user_id,
            users::name,
            group_members::leader,
        ))
        .load(conn)?;
    let mut members: Vec<(String, GroupMember)> = rows
        .into_iter()
        .map(|(group, user_id, name, leader)| {
            (
                group,
                GroupMember {
                    user_id,
                    name,
                    leader,
                },
            )
        })
        .collect();
    members.sort_by(|(ga, a), (gb, b)| {
        (ga, !a.leader, &a.name, &a.user_id).cmp(&(gb, !b.leader, &b.name, &b.user_id))
    });
    Ok(members)
}

/// Replaces the members of a group with `members` (user id, leader).
pub fn set_members(
    conn: &mut DbConn,
    group_id: &str,
    members: &[(String, bool)],
) -> QueryResult<()> {
    diesel::delete(group_members::table.filter(group_members::group_id.eq(group_id)))
        .execute(conn)?;
    for (user_id, leader) in members {
        diesel::insert_into(group_members::table)
            .values((
                group_members::group_id.eq(group_id),
                group_members::user_id.eq(user_id),
                group_members::leader.eq(leader),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The live groups `user_id` leads, with their school.
pub fn led_by(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Group>> {
    school_groups::table
        .inner_join(group_members::table)
        .filter(group_members::user_id.eq(user_id))
        .filter(group_members::leader.eq(true))
        .filter(school_groups::deleted_at.is_null())
        .select(Group::as_select())
        .load(conn)
}

/// The leaders of the school's live grade groups of `grade`; `None` when the school has no
/// grade group of that grade (yet).
pub fn grade_leaders(
    conn: &mut DbConn,
    school_id: &str,
    grade: &str,
) -> QueryResult<Option<Vec<String>>> {
    let rows: Vec<(String, Option<String>)> = school_groups::table
        .left_join(
            group_members::table.on(group_members::group_id
                .eq(school_groups::id)
                .and(group_members::leader.eq(true))),
        )
        .filter(school_groups::school_id.eq(school_id))
        .filter(school_groups::kind.eq(GRADE))
        .filter(school_groups::grade.eq(grade))
        .filter(school_groups::deleted_at.is_null())
        .select((school_groups::id, group_members::user_id.nullable()))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter().filter_map(|(_, leader)| leader).collect(),
    ))
}

/// The groups `leader` leads in `school_ids`, deleted ones too, each with its people, in one
/// query: what `rules::visibility::read_through_groups` decides from.
pub fn led_with_people(
    conn: &mut DbConn,
    leader: &str,
    school_ids: &[String],
) -> QueryResult<Vec<crate::rules::visibility::LedGroup>> {
    let leads = diesel::alias!(group_members as leads);
    let rows: Vec<(String, String, String, Option<NaiveDateTime>, String)> = group_members::table
        .inner_join(school_groups::table)
        .inner_join(
            leads.on(leads
                .field(group_members::group_id)
                .eq(group_members::group_id)),
        )
        .filter(leads.field(group_members::user_id).eq(leader))
        .filter(leads.field(group_members::leader).eq(true))
        .filter(school_groups::school_id.eq_any(school_ids))
        .select((
            school_groups::id,
            school_groups::school_id,
            school_groups::kind,
            school_groups::deleted_at,
            group_members::user_id,
        ))
        .order((school_groups::id.asc(), group_members::user_id.asc()))
        .load(conn)?;
    let mut groups: Vec<(String, crate::rules::visibility::LedGroup)> = Vec::new();
    for (id, school_id, kind, deleted_at, person) in rows {
        match groups.last_mut() {
            Some((last, g)) if *last == id => g.people.push(person),
            _ => groups.push((
                id,
                crate::rules::visibility::LedGroup {
                    school_id,
                    kind,
                    live: deleted_at.is_none(),
                    people: vec![person],
                },
            )),
        }
    }
    Ok(groups.into_iter().map(|(_, g)| g).collect())
}

/// The people of every live group `leader` leads: a group leader sees their phone numbers.
pub fn people_led_by(conn: &mut DbConn, leader: &str) -> QueryResult<Vec<String>> {
    let led: Vec<String> = led_by(conn, leader)?.into_iter().map(|g| g.id).collect();
    if led.is_empty() {
        return Ok(Vec::new());
    }
    group_members::table
        .filter(group_members::group_id.eq_any(&led))
        .select(group_members::user_id)
        .distinct()
        .load(conn)
}
