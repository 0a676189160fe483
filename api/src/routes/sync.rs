//! `GET /v1/sync`: everything the caller may see that changed after a cursor, for a phone that
//! works offline. Database triggers number every change (see the `sync` migration); the cursor
//! is the number of the last change answered, so it survives restarts and never skips a write
//! that committed late.

use super::checks::{self, ResultView, RoundView};
use super::documents::{self, DocumentView};
use super::events;
use super::groups::GroupView;
use super::inspections::{self, InspectionView};
use super::meetings::MeetingView;
use super::members::MemberView;
use super::mentorships::{self, ActivityView, MentorshipView};
use super::notices::{self, NoticeView};
use super::observations::{self, ObservationView};
use super::quotas::{self, ProgressList};
use super::rubrics::RubricView;
use super::terms::TermView;
use super::Router;
use crate::auth::{Caller, Verified};
use crate::error::{ApiError, ApiResult};
use crate::reference::Reference;
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use tingke_models::rules::notices::Limits as NoticeLimits;
use tingke_models::sync::{self as log, Change};
use tingke_models::DbConn;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/sync", sync);
}

const KINDS: [&str; 16] = [
    log::CALENDAR_ENTRY,
    log::OPEN_WEEK,
    log::EVENT,
    log::GROUP,
    log::CHECK_ROUND,
    log::CHECK_RESULT,
    log::NOTICE,
    log::INSPECTION,
    log::MEETING,
    log::OBSERVATION,
    log::DOCUMENT,
    log::MENTORSHIP,
    log::ACTIVITY,
    log::MEMBER,
    log::TERM,
    log::RUBRIC,
];
const DEFAULT_LIMIT: i64 = 200;
const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize)]
struct SyncQuery {
    since: Option<String>,
    limit: Option<i64>,
}

/// Where a sync stands: the last change answered, what the caller could see then, and the
/// progress the phone was last given. A cursor from before a change of roles or schools starts
/// over with the full view.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cursor {
    seq: i64,
    scope: u64,
    /// A fingerprint of the progress lists last answered (`None` in a cursor of before they
    /// were fingerprinted): the last page carries `progress` only when it differs, so the page
    /// a phone calls all day with nothing new stays a cursor and two flags.
    progress: Option<u64>,
}

impl Cursor {
    /// Reads a cursor as `encode` writes it, and nothing else: a cursor cut short (its scope
    /// shorter than 16 digits) used to read as another scope and restart a full sync silently.
    /// `s1` cursors (no progress fingerprint) are still read: phones hold them.
    fn parse(s: &str) -> ApiResult<Cursor> {
        let bad = || ApiError::bad_request("invalid_cursor");
        let hex = |part: &str| u64::from_str_radix(part, 16).map_err(|_| bad());
        let parts: Vec<&str> = s.split('.').collect();
        let (seq, scope, progress) = match parts.as_slice() {
            ["s1", seq, scope] => (seq, hex(scope)?, None),
            ["s2", seq, scope, progress] => (seq, hex(scope)?, Some(hex(progress)?)),
            _ => return Err(bad()),
        };
        let cursor = Cursor {
            seq: seq.parse().ok().filter(|n| *n >= 0).ok_or_else(bad)?,
            scope,
            progress,
        };
        match cursor.encode() == s {
            true => Ok(cursor),
            false => Err(bad()),
        }
    }

    fn encode(&self) -> String {
        match self.progress {
            None => format!("s1.{}.{:016x}", self.seq, self.scope),
            Some(p) => format!("s2.{}.{:016x}.{p:016x}", self.seq, self.scope),
        }
    }
}

/// A fingerprint of progress lists as answered.
fn fingerprint(lists: &[ProgressList]) -> ApiResult<u64> {
    let json = serde_json::to_vec(lists).map_err(ApiError::internal)?;
    let digest = Sha256::digest(json);
    Ok(u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")))
}

/// A fingerprint of what the caller may see: admin or not, every membership with its roles, the
/// people a grade-group leader reads (a teacher who joins or leaves their group changes what the
/// phone must hold: the next sync starts over), and the groups whose sheets the caller reads as
/// one of their people (`member_of`).
fn scope_of(caller: &Caller, member_of: &[String]) -> u64 {
    let mut held: Vec<String> = caller
        .memberships
        .iter()
        .map(|m| {
            let mut roles: Vec<&str> = m.roles.iter().map(|r| r.as_str()).collect();
            roles.sort_unstable();
            let scope = m.school_id.as_deref().unwrap_or(&m.district_id);
            format!("{scope}:{}", roles.join(","))
        })
        .collect();
    held.sort();
    for g in &caller.groups {
        held.push(format!("read {}:{}", g.school_id, g.people.join(",")));
    }
    // Only when there are any: the cursors of people in no group stay what they were.
    if !member_of.is_empty() {
        let mut member_of = member_of.to_vec();
        member_of.sort();
        held.push(format!("in {}", member_of.join(",")));
    }
    let digest = Sha256::digest(format!("{}|{}", caller.is_admin(), held.join("|")));
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Something the caller held that is gone (deleted, or its person removed).
#[derive(Debug, Serialize)]
struct Tombstone {
    kind: &'static str,
    id: String,
}

impl Tombstone {
    fn new(kind: &'static str, id: String) -> Tombstone {
        Tombstone { kind, id }
    }
}

#[derive(Debug, Default, Serialize)]
struct SyncView {
    cursor: String,
    /// More changes wait: call again with `cursor` at once.
    has_more: bool,
    /// This answer starts from nothing: drop what was synced before and keep what this and the
    /// following pages bring.
    full: bool,
    observations: Vec<ObservationView>,
    documents: Vec<DocumentView>,
    mentorships: Vec<MentorshipView>,
    activities: Vec<ActivityView>,
    members: Vec<MemberView>,
    terms: Vec<TermView>,
    rubrics: Vec<RubricView>,
    groups: Vec<GroupView>,
    meetings: Vec<MeetingView>,
    /// The school calendar's entries: the district's and the caller's schools' days off.
    calendar_entries: Vec<super::calendar::EntryView>,
    check_rounds: Vec<RoundView>,
    check_results: Vec<ResultView>,
    notices: Vec<NoticeView>,
    inspections: Vec<InspectionView>,
    /// Announced lessons of the caller's schools, with their attendance.
    events: Vec<super::events::EventView>,
    open_weeks: Vec<super::events::OpenWeekView>,
    deleted: Vec<Tombstone>,
    /// The caller's own quota progress in each current term, on the last page when it differs
    /// from what the cursor's page last brought.
    progress: Vec<ProgressList>,
}

async fn sync(
    verified: Verified,
    state: web::Data<AppState>,
    query: web::Query<SyncQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return Err(ApiError::bad_request("invalid_query")),
    };
    let since = q.since.as_deref().map(Cursor::parse).transpose()?;
    let reference = state.reference.clone();
    let notices = state.config.notices;
    let mut view = state
        .read(move |conn| {
            let caller = Caller::load(conn, &verified)?;
            let member_of = tingke_models::groups::of_member(conn, caller.id())?;
            let scope = scope_of(&caller, &member_of);
            let from = since.filter(|c| c.scope == scope);
            page(
                conn,
                (&reference, notices),
                (&caller, &member_of),
                from,
                scope,
                limit,
            )
        })
        .await?;
    for d in &mut view.documents {
        super::pages::sign(&state, &req, d).await?;
    }
    let mut answer = serde_json::to_value(view).map_err(ApiError::internal)?;
    lean(&mut answer);
    Ok(HttpResponse::Ok().json(answer))
}

/// Leaves out of a sync answer what the phone reads the same when it is missing: a field whose
/// value is null, at any depth, and a list of the page with nothing in it. A cursor page with
/// nothing new is then its cursor and flags, and each synced item loses the nulls of what has
/// not happened yet (no reply, no event, not acknowledged); the bytes are in figure 7 of
/// `BENCHMARKS.md`. Other routes answer their nulls: the console reads them.
fn lean(answer: &mut Value) {
    if let Value::Object(page) = answer {
        page.retain(|_, v| !matches!(v, Value::Array(items) if items.is_empty()));
    }
    drop_nulls(answer);
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, v| !v.is_null());
            fields.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// One page of changes after `from` (everything when `None`).
fn page(
    conn: &mut DbConn,
    (reference, notices): (&Reference, NoticeLimits),
    (caller, member_of): (&Caller, &[String]),
    from: Option<Cursor>,
    scope: u64,
    limit: i64,
) -> ApiResult<SyncView> {
    let after = from.map_or(0, |c| c.seq);
    let scopes = scopes(conn, caller)?;
    let mut changes = log::after(conn, after, scopes.as_deref(), limit + 1)?;
    let has_more = changes.len() as i64 > limit;
    changes.truncate(limit as usize);
    let seq = changes.last().and_then(|c| c.seq).unwrap_or(after);
    let given = from.and_then(|c| c.progress);
    let mut cursor = Cursor {
        seq,
        scope,
        progress: given,
    };
    let mut view = SyncView {
        has_more,
        full: from.is_none(),
        ..SyncView::default()
    };
    let mut by_kind: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for c in &changes {
        by_kind.entry(c.kind.as_str()).or_default().push(c);
    }
    let mut gone = Vec::new();
    for (kind, changes) in by_kind {
        let ids: Vec<String> = changes.iter().map(|c| c.entity_id.clone()).collect();
        let found = load(conn, (caller, member_of), (kind, notices), &ids, &mut view)?;
        gone.extend(
            changes
                .into_iter()
                .filter(|c| !found.contains(&c.entity_id))
                .filter_map(|c| tombstone(scopes.as_deref(), c)),
        );
    }
    match view.full {
        true => view.deleted.clear(),
        false => view.deleted.extend(gone),
    }
    if !has_more {
        let lists = progress(conn, reference, caller)?;
        cursor.progress = Some(fingerprint(&lists)?);
        if cursor.progress != given {
            view.progress = lists;
        }
    }
    view.cursor = cursor.encode();
    Ok(view)
}

/// The schools and districts whose changes may concern the caller (`None`: all, for admins).
fn scopes(conn: &mut DbConn, caller: &Caller) -> ApiResult<Option<Vec<String>>> {
    if caller.is_admin() {
        return Ok(None);
    }
    let mut scopes: Vec<String> = caller
        .memberships
        .iter()
        .flat_map(|m| {
            [m.district_id.clone()]
                .into_iter()
                .chain(m.school_id.clone())
        })
        .collect();
    scopes.extend(log::school_ids_in(conn, &caller.district_staff_ids())?);
    scopes.sort();
    scopes.dedup();
    Ok(Some(scopes))
}

/// Loads the entities of one kind that the caller may see into `view`, with tombstones for the
/// soft-deleted ones the caller could see; answers the ids of every row that still exists,
/// visible or not (the others get tombstones by their scope).
fn load(
    conn: &mut DbConn,
    (caller, member_of): (&Caller, &[String]),
    (kind, notices): (&str, NoticeLimits),
    ids: &[String],
    view: &mut SyncView,
) -> ApiResult<HashSet<String>> {
    let mut found = HashSet::new();
    match kind {
        log::OBSERVATION => {
            let mut shown = Vec::new();
            for o in log::observations(conn, ids)? {
                let seen = observations::can_see(caller, &o);
                found.insert(o.id.clone());
                match (o.deleted_at.is_some(), seen) {
                    (true, true) => view.deleted.push(Tombstone::new(log::OBSERVATION, o.id)),
                    (false, true) => shown.push(o),
                    (_, false) => {}
                }
            }
            view.observations = observations::summaries(conn, shown)?;
        }
        log::DOCUMENT => {
            let mut shown = Vec::new();
            for d in log::documents(conn, ids)? {
                let in_group = d.group_id.as_ref().is_some_and(|g| member_of.contains(g));
                let seen = in_group || documents::can_see(caller, &d);
                found.insert(d.id.clone());
                match (d.deleted_at.is_some(), seen) {
                    (true, true) => view.deleted.push(Tombstone::new(log::DOCUMENT, d.id)),
                    (false, true) => shown.push(d),
                    (_, false) => {}
                }
            }
            view.documents = documents::views(conn, shown, true, caller)?;
        }
        log::MENTORSHIP => {
            for m in log::mentorships(conn, ids)? {
                found.insert(m.id.clone());
                if mentorships::can_see(caller, &m) {
                    view.mentorships.push(mentorships::view(conn, m, true)?);
                }
            }
        }
        log::ACTIVITY => {
            for (a, m) in log::activities(conn, ids)? {
                found.insert(a.id.clone());
                if mentorships::can_see(caller, &m) {
                    view.activities.push(ActivityView::from(a));
                }
            }
        }
        log::MEMBER => {
            let led = tingke_models::groups::people_led_by(conn, caller.id())?;
            for m in tingke_models::members::by_ids(conn, ids)? {
                found.insert(m.membership.id.clone());
                let district = &m.membership.district_id;
                if m.membership.school_id.is_some() || caller.can_view_district_members(district) {
                    view.members.push(MemberView::seen_by(m, caller, &led));
                }
            }
        }
        log::TERM => {
            for t in log::terms(conn, ids)? {
                found.insert(t.id.clone());
                view.terms.push(TermView::from(t));
            }
        }
        log::GROUP => {
            let mut shown = Vec::new();
            for g in tingke_models::groups::by_ids(conn, ids)? {
                found.insert(g.id.clone());
                match g.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::GROUP, g.id)),
                    false => shown.push(g),
                }
            }
            view.groups = super::groups::views(conn, shown)?;
        }
        log::MEETING => {
            for m in tingke_models::meetings::by_ids(conn, ids)? {
                found.insert(m.id.clone());
                match m.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::MEETING, m.id)),
                    false => view.meetings.push(MeetingView::from(m)),
                }
            }
        }
        log::CALENDAR_ENTRY => {
            // Replaced entries are deleted rows: their tombstones come by their scope.
            for e in tingke_models::calendar::by_ids(conn, ids)? {
                found.insert(e.id.clone());
                view.calendar_entries.push((&e).into());
            }
        }
        log::CHECK_ROUND => {
            for r in tingke_models::checks::rounds::by_ids(conn, ids)? {
                found.insert(r.id.clone());
                match r.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::CHECK_ROUND, r.id)),
                    false => view.check_rounds.push(RoundView::from(r)),
                }
            }
        }
        log::CHECK_RESULT => {
            let mut shown = Vec::new();
            let mut districts = std::collections::HashMap::new();
            for r in tingke_models::checks::results::by_ids(conn, ids)? {
                found.insert(r.id.clone());
                if !districts.contains_key(&r.school_id) {
                    let d = district_of(conn, &r.school_id)?;
                    districts.insert(r.school_id.clone(), d);
                }
                let district = &districts[&r.school_id];
                if !checks::can_see_result(caller, &r, district) {
                    continue;
                }
                match r.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::CHECK_RESULT, r.id)),
                    false => shown.push(r),
                }
            }
            view.check_results = checks::result_views(conn, shown)?;
        }
        log::NOTICE => {
            for n in tingke_models::notices::by_ids(conn, ids)? {
                found.insert(n.id.clone());
                if !notices::can_see(caller, &n) {
                    continue;
                }
                match n.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::NOTICE, n.id)),
                    false => view.notices.push(NoticeView::new(n, notices)),
                }
            }
        }
        log::INSPECTION => {
            for i in tingke_models::inspections::by_ids(conn, ids)? {
                found.insert(i.id.clone());
                if !inspections::can_see(caller, &i) {
                    continue;
                }
                match i.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::INSPECTION, i.id)),
                    false => view.inspections.push(inspections::view(conn, i)?),
                }
            }
        }
        log::EVENT => {
            let mut shown = Vec::new();
            for e in tingke_models::events::by_ids(conn, ids)? {
                found.insert(e.id.clone());
                if !events::can_see(caller, &e) {
                    continue;
                }
                match e.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::EVENT, e.id)),
                    false => shown.push(e),
                }
            }
            view.events = events::views(conn, shown)?;
        }
        log::OPEN_WEEK => {
            for w in tingke_models::events::open_week::by_ids(conn, ids)? {
                found.insert(w.id.clone());
                if !caller.can_view_school(&w.school_id, &w.district_id) {
                    continue;
                }
                match w.deleted_at.is_some() {
                    true => view.deleted.push(Tombstone::new(log::OPEN_WEEK, w.id)),
                    false => view.open_weeks.push(events::week_view(conn, w, false)?),
                }
            }
        }
        log::RUBRIC => {
            for r in log::rubrics(conn, ids)? {
                found.insert(r.id.clone());
                view.rubrics.push(RubricView::from(r));
            }
        }
        _ => {}
    }
    Ok(found)
}

/// The district of a school (the scopes of sync are schools the caller sees).
fn district_of(conn: &mut DbConn, school_id: &str) -> ApiResult<String> {
    Ok(tingke_models::schools::find(conn, school_id)?
        .map(|s| s.district_id)
        .unwrap_or_default())
}

/// A tombstone for a change whose row is gone (a removed member, say), for a caller of its
/// school or district; soft-deleted observations and documents get theirs in `load`, only for
/// those who could see them.
fn tombstone(scopes: Option<&[String]>, c: &Change) -> Option<Tombstone> {
    let kind = KINDS.into_iter().find(|k| *k == c.kind)?;
    let may = scopes.is_none_or(|s| s.contains(&c.scope_id));
    may.then(|| Tombstone::new(kind, c.entity_id.clone()))
}

/// The caller's own progress in the current term of each of their districts.
fn progress(
    conn: &mut DbConn,
    reference: &Reference,
    caller: &Caller,
) -> ApiResult<Vec<ProgressList>> {
    let mut districts: Vec<&str> = caller
        .memberships
        .iter()
        .map(|m| m.district_id.as_str())
        .collect();
    districts.sort_unstable();
    districts.dedup();
    let mut lists = Vec::new();
    for district in districts {
        if let Some(term) = quotas::current_term(conn, reference, district)? {
            lists.push(quotas::progress_of(conn, reference, caller, &term)?);
        }
    }
    Ok(lists)
}
