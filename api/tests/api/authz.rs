//! The authorization matrix (issue 8, part 1): one row per route of `openapi.yaml`, one column
//! per kind of caller, each cell the class of answer that POLICY.md and the route's description
//! promise. The test runs every cell against a seeded two-district world (the demo district with
//! schools A and B, and a second district made through the API), then checks that no list and no
//! sync answer shows a row the caller may not see. Every mismatch is reported in one failure.

use crate::documents::{multipart, new_document};
use crate::helpers::*;
use crate::observations::lesson;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use tingke_api::photo::testimages;

/// The class of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// 2xx or 304: every request of the matrix is one that succeeds for a caller who may make
    /// it (a fresh record where the request changes one), so a refusal for the state of the
    /// record or the body (409, 412, 422) counts as a mismatch too.
    Ok,
    /// 403: the caller may know the record but may not do this.
    Forbidden,
    /// 404: the record does not exist for this caller.
    Hidden,
    /// 401: no token.
    Unauth,
}

fn class(status: u16) -> Option<Want> {
    match status {
        200..=299 | 304 => Some(Want::Ok),
        401 => Some(Want::Unauth),
        403 => Some(Want::Forbidden),
        404 => Some(Want::Hidden),
        _ => None,
    }
}

const ADMIN: usize = 0;
const PRINCIPAL: usize = 1;
// 2: vice principal A
const DEAN: usize = 3;
const GRADE: usize = 4;
const OTHER_GRADE: usize = 5;
const TEACHER: usize = 6;
const MENTOR: usize = 7;
const APPRENTICE: usize = 8;
const OTHER_SCHOOL: usize = 9;
const OTHER_DISTRICT: usize = 10;
// 11: researcher
// 12: bureau leader
const ANON: usize = 13;

const ACTORS: [&str; 14] = [
    "admin",
    "principal A",
    "vice principal A",
    "dean A",
    "grade-group leader A",
    "grade-group leader A of another grade",
    "teacher A",
    "mentor (A)",
    "apprentice (A)",
    "principal B (same district)",
    "teacher of district 2",
    "researcher (demo district)",
    "bureau leader (demo district)",
    "no token",
];

/// One row per route (`METHOD /path`, with `[variant]` rows where ids of another school or
/// district are sent); one letter per actor, in the order of `ACTORS`, grouped as
/// admin | principal vice dean grade-leader other-grade-leader teacher of school A | mentor
/// apprentice | principal B | teacher of district 2 | researcher | bureau leader | no token.
/// `o` Ok, `f` Forbidden, `h` Hidden, `u` Unauth.
///
/// The records: "the observation" is a submitted observation of teacher A by principal A, "the
/// draft" principal A's draft observation of teacher A; "the document" is teacher A's lesson
/// plan; "the pair" the demo pair (mentor, apprentice) of school A. The grade-group leader leads
/// the demo 四年级组 (teacher A, the mentor and the apprentice are in it) and reads their work;
/// the grade-group leader of another grade leads a 六年级组 of a new teacher, and reads none of
/// it (POLICY.md, "Groups and collective preparation"; issue 18). Everything is in school A
/// unless the variant says otherwise, so that principal B, the researcher and the teacher of
/// district 2 always send ids of a school that is not theirs.
const MATRIX: &[(&str, &str)] = &[
    // health: public
    ("GET /healthz", "o oooooo oo o o o o o"),
    ("GET /readyz", "o oooooo oo o o o o o"),
    ("GET /metrics", "o oooooo oo o o o o o"),
    ("GET /openapi.yaml", "o oooooo oo o o o o o"),
    // auth: the credentials in the body are the caller's own (no token: teacher A's)
    ("POST /v1/auth/login", "o oooooo oo o o o o o"),
    ("POST /v1/auth/refresh", "o oooooo oo o o o o o"),
    ("POST /v1/auth/logout", "o oooooo oo o o o o u"),
    // the console's cookie session: a login for anyone with their credentials; who is logged in
    // and logging out (with a bearer token here: the cookie's CSRF rule has tests of its own)
    ("POST /console/session", "o oooooo oo o o o o o"),
    ("GET /console/session", "o oooooo oo o o o o u"),
    ("DELETE /console/session", "o oooooo oo o o o o u"),
    // the caller's own password and sessions (from the actor's session, which both keep)
    ("POST /v1/me/password", "o oooooo oo o o o o u"),
    ("POST /v1/me/sessions/end-others", "o oooooo oo o o o o u"),
    // users
    ("GET /v1/me", "o oooooo oo o o o o u"),
    ("DELETE /v1/users/{id}", "o ffffff ff f f f f u"),
    ("GET /v1/users/{id}/archive", "o ooooho hh h h o o u"),
    // a fresh teacher of school A: its principal resets them and ends their sessions (the other
    // leaders know them: 403; issues 21 and 22)
    (
        "POST /v1/users/{id}/password-reset",
        "o offffh hh h h h h u",
    ),
    ("POST /v1/users/{id}/sessions/end", "o offffh hh h h h h u"),
    // the record of a fresh teacher's account: whoever may reset their password (issue 21)
    ("GET /v1/users/{id}/account-events", "o offffh hh h h h h u"),
    // imports: the template for anyone; an upload into the demo district by an admin or a
    // principal (principal B's preview is of their own school); a fresh import of the admin's
    // to commit, and a committed one for its login sheet: the admin's alone
    ("GET /v1/imports/template.xlsx", "o oooooo oo o o o o u"),
    ("POST /v1/districts/{id}/imports", "o offfff ff o h f f u"),
    ("GET /v1/imports/{id}", "o hhhhhh hh h h h h u"),
    // principal A's import of school A: theirs, and an admin's who may import there
    (
        "GET /v1/imports/{id} [principal A's]",
        "o ohhhhh hh h h h h u",
    ),
    ("POST /v1/imports/{id}/commit", "o hhhhhh hh h h h h u"),
    ("POST /v1/imports/{id}/login-sheet", "o hhhhhh hh h h h h u"),
    // districts, terms, district members (the demo district unless said)
    ("POST /v1/districts", "o ffffff ff f f f f u"),
    // the districts the caller sets up or serves: admins all, district staff theirs
    ("GET /v1/districts", "o ffffff ff f f o o u"),
    // the policy's default quota rules: anyone logged in
    ("GET /v1/quota-rules/defaults", "o oooooo oo o o o o u"),
    ("POST /v1/districts/{id}/terms", "o ffffff ff f f f f u"),
    ("GET /v1/districts/{id}/terms", "o oooooo oo o h o o u"),
    (
        "GET /v1/districts/{id}/terms [district 2]",
        "o hhhhhh hh h o h h u",
    ),
    // the school calendar of the demo district's term (the district's; with school A's days off)
    ("GET /v1/terms/{id}/calendar", "o oooooo oo o h o o u"),
    (
        "GET /v1/terms/{id}/calendar [school A]",
        "o oooooo oo h h o o u",
    ),
    ("PUT /v1/terms/{id}/calendar", "o ffffff ff f h f f u"),
    ("PUT /v1/schools/{id}/calendar", "o ooofff ff h h f f u"),
    ("POST /v1/districts/{id}/members", "o ffffff ff f f f f u"),
    ("GET /v1/districts/{id}/members", "o hhhhhh hh h h o o u"),
    (
        "GET /v1/districts/{id}/quota-rules",
        "o oooooo oo o h o o u",
    ),
    (
        "PUT /v1/districts/{id}/quota-rules",
        "o ffffff ff f h f f u",
    ),
    ("GET /v1/districts/{id}/compliance", "o ffffff ff f h o o u"),
    ("GET /v1/districts/{id}/same-pages", "o ffffff ff f h o o u"),
    (
        "GET /v1/districts/{id}/compliance.csv",
        "o ffffff ff f h o o u",
    ),
    // schools (school A unless said)
    ("POST /v1/schools", "o ffffff ff f f f f u"),
    ("GET /v1/schools", "o oooooo oo o o o o u"),
    ("GET /v1/schools/{id}", "o oooooo oo h h o o u"),
    (
        "GET /v1/schools/{id} [school of district 2]",
        "o hhhhhh hh h o h h u",
    ),
    ("POST /v1/schools/{id}/members", "o offfff ff h h f f u"),
    ("GET /v1/schools/{id}/members", "o oooooo oo h h o o u"),
    // the vice principal A's membership: the principal names them in charge of teaching
    (
        "PUT /v1/memberships/{id}/qualifiers",
        "o offfff ff h h f f u",
    ),
    // the vice principal's roles in school A, set to what they are: its principal and admins
    ("PUT /v1/memberships/{id}/roles", "o offfff ff h h f f u"),
    // the demo researcher's contact schools: admins set them
    (
        "PUT /v1/memberships/{id}/contact-schools",
        "o hhhhhh hh h h f f u",
    ),
    // groups of school A (a fresh preparation group per cell: led by the grade-group leader,
    // teacher A in it); its people are managed by the school's leaders and its own leader
    ("POST /v1/schools/{id}/groups", "o ooofff ff h h f f u"),
    ("GET /v1/schools/{id}/groups", "o oooooo oo h h o o u"),
    ("GET /v1/groups/{id}", "o oooooo oo h h o o u"),
    ("GET /v1/groups/{id}/progress", "o oooooo oo h h o o u"),
    ("PATCH /v1/groups/{id}", "o ooofff ff h h f f u"),
    ("DELETE /v1/groups/{id}", "o ooofff ff h h f f u"),
    ("PUT /v1/groups/{id}/members", "o ooooff ff h h f f u"),
    // meetings of such a group: its members record them; who recorded one (the admin here),
    // the group's leader and the school's leaders change them
    ("POST /v1/groups/{id}/meetings", "o oooofo ff h h f f u"),
    ("GET /v1/groups/{id}/meetings", "o oooooo oo h h o o u"),
    ("GET /v1/meetings/{id}", "o oooooo oo h h o o u"),
    ("PATCH /v1/meetings/{id}", "o ooooff ff h h f f u"),
    ("DELETE /v1/meetings/{id}", "o ooooff ff h h f f u"),
    // a school's own quota rules: its principal, vice principals and deans set them
    ("GET /v1/schools/{id}/quota-rules", "o oooooo oo h h o o u"),
    ("PUT /v1/schools/{id}/quota-rules", "o ooofff ff h h f f u"),
    ("GET /v1/schools/{id}/rubric", "o oooooo oo h h o o u"),
    ("PUT /v1/schools/{id}/rubric", "o offfff ff h h f f u"),
    ("GET /v1/schools/{id}/compliance", "o ooofff ff h h o o u"),
    ("GET /v1/schools/{id}/same-pages", "o ooofff ff h h o o u"),
    (
        "GET /v1/schools/{id}/compliance.csv",
        "o ooofff ff h h o o u",
    ),
    // a term of district 2 for school A: `term_not_found` for those who may read the report
    (
        "GET /v1/schools/{id}/compliance [term of district 2]",
        "h hhhfff ff h h h h u",
    ),
    (
        "GET /v1/schools/{id}/reviews/overdue",
        "o ooooof ff h h o o u",
    ),
    (
        "GET /v1/schools/{id}/mentorships/compliance",
        "o ooofff ff h h o o u",
    ),
    (
        "GET /v1/schools/{id}/mentorships/compliance.csv",
        "o ooofff ff h h o o u",
    ),
    // quotas: teacher A's progress; then teacher B's (school B)
    ("GET /v1/quotas/progress", "o ooooho hh h h o o u"),
    (
        "GET /v1/quotas/progress [user of school B]",
        "o hhhhhh hh o h o o u",
    ),
    // teacher of district 2 in a term of the demo district: nobody of the demo district may see
    // them, and they may not see the term
    (
        "GET /v1/quotas/progress [user of district 2]",
        "o hhhhhh hh h h h h u",
    ),
    (
        "GET /v1/quotas/progress [no such user]",
        "h hhhhhh hh h h h h u",
    ),
    // observations
    ("POST /v1/observations", "f oooooo oo h h o o u"),
    ("POST /v1/observations [school B]", "f hhhhhh hh o h o o u"),
    (
        "POST /v1/observations [school of district 2]",
        "f hhhhhh hh h o h h u",
    ),
    ("GET /v1/observations", "o oooooo oo o o o o u"),
    ("GET /v1/observations/{id}", "o ooooho hh h h o o u"),
    ("GET /v1/observations/{id} [draft]", "h ohhhhh hh h h h h u"),
    ("PATCH /v1/observations/{id}", "h ohhhhh hh h h h h u"),
    ("DELETE /v1/observations/{id}", "h ohhhhh hh h h h h u"),
    ("POST /v1/observations/{id}/submit", "h ohhhhh hh h h h h u"),
    (
        "POST /v1/observations/{id}/acknowledge",
        "f ffffho hh h h f f u",
    ),
    (
        "POST /v1/observations/{id}/corrections",
        "o ooofhf hh h h f f u",
    ),
    // mentorships
    ("POST /v1/mentorships", "o ooofff ff h h f f u"),
    ("POST /v1/mentorships [school B]", "o hhhhhh hh o h f f u"),
    ("GET /v1/mentorships", "o oooooo oo o o o o u"),
    ("GET /v1/mentorships/{id}", "o oooohh oo h h o o u"),
    // `end` and `evaluations` act on a fresh pair of the same mentor and apprentice
    ("POST /v1/mentorships/{id}/end", "o ooofhh ff h h f f u"),
    (
        "POST /v1/mentorships/{id}/activities",
        "f ffffhh oo h h f f u",
    ),
    (
        "GET /v1/mentorships/{id}/activities",
        "o oooohh oo h h o o u",
    ),
    ("GET /v1/mentorships/{id}/progress", "o oooohh oo h h o o u"),
    (
        "GET /v1/mentorships/{id}/progress [term of district 2]",
        "h hhhhhh hh h h h h u",
    ),
    (
        "POST /v1/mentorships/{id}/evaluations",
        "o ooofhh ff h h f f u",
    ),
    // documents: teacher A's
    ("POST /v1/documents", "f oooooo oo h h f f u"),
    ("POST /v1/documents [school B]", "f hhhhhh hh o h f f u"),
    ("GET /v1/documents", "o oooooo oo o o o o u"),
    ("GET /v1/documents/{id}", "o ooooho hh h h o o u"),
    ("GET /v1/documents/{id} [draft]", "h hhhhho hh h h h h u"),
    // a draft guided-learning sheet of a fresh preparation group, by its leader (the grade-group
    // leader): the group's people read it, nobody else yet
    (
        "GET /v1/documents/{id} [group sheet draft]",
        "h hhhoho hh h h h h u",
    ),
    ("DELETE /v1/documents/{id}", "h hhhhho hh h h h h u"),
    // pages change while the document needs revision (visible to the school's leaders)
    ("POST /v1/documents/{id}/pages", "f ffffho hh h h f f u"),
    (
        "PUT /v1/documents/{id}/pages/order",
        "f ffffho hh h h f f u",
    ),
    (
        "DELETE /v1/documents/{id}/pages/{page_id}",
        "f ffffho hh h h f f u",
    ),
    ("POST /v1/documents/{id}/submit", "f ffffho hh h h f f u"),
    // resumable (tus) uploads: started as a page is added; an upload (teacher A's, into the
    // document that needs revision) is its creator's alone, hidden from everyone else
    (
        "OPTIONS /v1/documents/{id}/uploads",
        "o oooooo oo o o o o u",
    ),
    ("POST /v1/documents/{id}/uploads", "f ffffho hh h h f f u"),
    ("HEAD /v1/uploads/{id}", "h hhhhho hh h h h h u"),
    ("PATCH /v1/uploads/{id}", "h hhhhho hh h h h h u"),
    ("DELETE /v1/uploads/{id}", "h hhhhho hh h h h h u"),
    ("POST /v1/documents/{id}/reviews", "o oooohf hh h h f f u"),
    // the sheet is of the fifth grade, which has no grade group: any grade-group leader of the
    // school approves it (`may_approve_sheet`), and so reads it
    ("POST /v1/documents/{id}/approve", "o fffoof hh h h f f u"),
    ("POST /v1/documents/{id}/sign-off", "o ooofhf hh h h f f u"),
    // the monthly routine check (issue 19): rounds of school A opened by the admin; results of
    // teacher A recorded by the dean in a fresh round; the school's senior leaders open rounds
    // and check; the grade-group leader checks the people of their group
    (
        "POST /v1/schools/{id}/check-rounds",
        "o ooofff ff h h f f u",
    ),
    ("GET /v1/schools/{id}/check-rounds", "o oooooo oo h h o o u"),
    ("GET /v1/check-rounds/{id}", "o oooooo oo h h o o u"),
    ("PATCH /v1/check-rounds/{id}", "o ooofff ff h h f f u"),
    ("DELETE /v1/check-rounds/{id}", "o ooofff ff h h f f u"),
    (
        "POST /v1/check-rounds/{id}/results",
        "o ooooff ff h h f f u",
    ),
    ("GET /v1/check-rounds/{id}/results", "o oooooo oo h h o o u"),
    (
        "GET /v1/check-rounds/{id}/coverage",
        "o ooooof ff h h o o u",
    ),
    ("GET /v1/check-rounds/{id}/summary", "o ooofff ff h h o o u"),
    (
        "GET /v1/check-rounds/{id}/summary.csv",
        "o ooofff ff h h o o u",
    ),
    ("GET /v1/check-results/{id}", "o ooooho hh h h o o u"),
    ("PATCH /v1/check-results/{id}", "o ooofhf hh h h f f u"),
    ("DELETE /v1/check-results/{id}", "o ooofhf hh h h f f u"),
    ("POST /v1/check-results/{id}/reply", "f ffffho hh h h f f u"),
    // rectification notices to teacher A, issued by the dean (answered by teacher A before a
    // verification); the school's senior leaders and the district's researchers issue and decide
    ("POST /v1/notices", "o ooofff ff h h o o u"),
    ("GET /v1/schools/{id}/notices", "o oooooo oo h h o o u"),
    ("GET /v1/notices/{id}", "o ooooho hh h h o o u"),
    ("DELETE /v1/notices/{id}", "o ooofhf hh h h o o u"),
    ("POST /v1/notices/{id}/answer", "f ffffho hh h h f f u"),
    ("POST /v1/notices/{id}/verify", "o ooofhf hh h h o o u"),
    ("POST /v1/notices/{id}/escalate", "o ooofhf hh h h o o u"),
    // follow-ups of a submitted observation of teacher A below the pass line, opened by the dean
    (
        "POST /v1/observations/{id}/follow-ups",
        "o ooofhf hh h h o o u",
    ),
    ("GET /v1/schools/{id}/follow-ups", "o ooooof ff h h o o u"),
    ("GET /v1/follow-ups/{id}", "o ooooho hh h h o o u"),
    ("DELETE /v1/follow-ups/{id}", "o ooofhf hh h h f f u"),
    ("GET /v1/schools/{id}/overdue", "o ooooof ff h h o o u"),
    ("GET /v1/districts/{id}/overdue", "o ffffff ff f h o o u"),
    // inspections of school A, recorded by the admin; researchers and admins inspect
    ("POST /v1/schools/{id}/inspections", "o ffffff ff h h o o u"),
    ("GET /v1/schools/{id}/inspections", "o ooofff ff h h o o u"),
    ("GET /v1/inspections/{id}", "o ooohhh hh h h o o u"),
    ("PATCH /v1/inspections/{id}", "o fffhhh hh h h o o u"),
    ("DELETE /v1/inspections/{id}", "o fffhhh hh h h o o u"),
    (
        "GET /v1/districts/{id}/inspections",
        "o ffffff ff f h o o u",
    ),
    // announced lessons (issue 20): an event of teacher A in school A, going on now, scheduled by
    // the dean; leaders, grade leaders, group leaders (teacher A and the mentor lead demo groups)
    // and the district's staff schedule; whoever sees the school sees it and may check in, but
    // not its teacher (403 `own_lesson`) nor an admin
    ("POST /v1/schools/{id}/events", "o oooooo of h h o o u"),
    ("GET /v1/events", "o oooooo oo o o o o u"),
    ("GET /v1/events/{id}", "o oooooo oo h h o o u"),
    ("PATCH /v1/events/{id}", "o ooofff ff h h f f u"),
    ("DELETE /v1/events/{id}", "o ooofff ff h h f f u"),
    ("POST /v1/events/{id}/check-in", "f ooooof oo h h o o u"),
    // open weeks of school A, held by the dean: its senior leaders hold them
    ("POST /v1/schools/{id}/open-weeks", "o ooofff ff h h f f u"),
    ("GET /v1/schools/{id}/open-weeks", "o oooooo oo h h o o u"),
    ("GET /v1/open-weeks/{id}", "o oooooo oo h h o o u"),
    ("PATCH /v1/open-weeks/{id}", "o ooofff ff h h f f u"),
    ("DELETE /v1/open-weeks/{id}", "o ooofff ff h h f f u"),
    // files: the signature is the permission
    ("GET /v1/files/{token}", "o oooooo oo o o o o o"),
    ("GET /v1/sync", "o oooooo oo o o o o u"),
];

fn parse_cells(key: &str, cells: &str) -> Vec<Want> {
    let wants: Vec<Want> = cells
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'o' => Want::Ok,
            'f' => Want::Forbidden,
            'h' => Want::Hidden,
            'u' => Want::Unauth,
            other => panic!("{key}: unknown cell {other:?}"),
        })
        .collect();
    assert_eq!(wants.len(), ACTORS.len(), "{key}: one cell per actor");
    wants
}

/// `(METHOD, template)` of a row.
fn route_of(key: &str) -> (String, String) {
    let (method, rest) = key.split_once(' ').expect("METHOD /path");
    let path = rest.split(" [").next().unwrap_or(rest);
    (method.to_string(), path.to_string())
}

#[test]
fn every_route_of_the_spec_has_a_row_in_the_matrix() {
    let rows: BTreeSet<(String, String)> = MATRIX.iter().map(|(k, _)| route_of(k)).collect();
    let spec: BTreeSet<(String, String)> = SPEC.operations().into_iter().collect();
    let missing: Vec<_> = spec.difference(&rows).collect();
    let unknown: Vec<_> = rows.difference(&spec).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "routes of openapi.yaml without a row: {missing:?}; rows for no route: {unknown:?}"
    );
    let keys: BTreeSet<&str> = MATRIX.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys.len(), MATRIX.len(), "a row twice");
    for (key, cells) in MATRIX {
        parse_cells(key, cells);
    }
}

/// What a caller is, as the login answered it: the oracle of the list checks.
struct Who {
    id: String,
    admin: bool,
    /// (district, school, roles)
    memberships: Vec<(String, Option<String>, Vec<String>)>,
    /// (school, person) read through the grade groups the caller leads.
    reads: Vec<(String, String)>,
    /// The groups the caller is one of the people of: their sheets are the caller's to read.
    member_of: Vec<String>,
}

impl Who {
    fn of(w: &World, a: usize) -> Who {
        let s = w.s(a);
        Who {
            id: s.id().to_string(),
            admin: s.user["is_admin"] == true,
            memberships: Who::of_session(s),
            reads: w.reads[a].clone(),
            member_of: Vec::new(),
        }
    }

    fn of_session(s: &Session) -> Vec<(String, Option<String>, Vec<String>)> {
        s.user["memberships"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m["district_id"].as_str().unwrap_or_default().to_string(),
                    m["school_id"].as_str().map(str::to_string),
                    m["roles"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r.as_str().map(str::to_string))
                        .collect(),
                )
            })
            .collect()
    }

    fn roles_in(&self, school: &str) -> Vec<&str> {
        self.memberships
            .iter()
            .filter(|(_, s, _)| s.as_deref() == Some(school))
            .flat_map(|(_, _, r)| r.iter().map(String::as_str))
            .collect()
    }

    /// District staff: a researcher or a bureau leader of the district.
    fn researcher_of(&self, district: &str) -> bool {
        self.memberships.iter().any(|(d, s, r)| {
            d == district
                && s.is_none()
                && r.iter().any(|r| r == "researcher" || r == "bureau_leader")
        })
    }

    /// POLICY.md: the school's principal, vice principals and deans, the district's researchers
    /// and admins read all its work.
    fn sees_work(&self, school: &str, district: &str) -> bool {
        self.admin
            || self.researcher_of(district)
            || self
                .roles_in(school)
                .iter()
                .any(|r| matches!(*r, "principal" | "vice_principal" | "dean"))
    }

    /// A grade-group leader reads the work of the people of their grade groups.
    fn reads(&self, school: &str, person: &str) -> bool {
        self.reads.iter().any(|(s, p)| s == school && p == person)
    }

    fn sees_school(&self, school: &str, district: &str) -> bool {
        self.admin || !self.roles_in(school).is_empty() || self.researcher_of(district)
    }

    fn in_district(&self, district: &str) -> bool {
        self.admin || self.memberships.iter().any(|(d, _, _)| d == district)
    }
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_default()
}

fn sees_observation(w: &Who, o: &Value) -> bool {
    s(o, "observer_id") == w.id
        || (s(o, "status") != "draft"
            && (s(o, "teacher_id") == w.id
                || w.sees_work(s(o, "school_id"), s(o, "district_id"))
                || w.reads(s(o, "school_id"), s(o, "teacher_id"))
                || w.reads(s(o, "school_id"), s(o, "observer_id"))))
}

fn sees_document(w: &Who, d: &Value) -> bool {
    s(d, "teacher_id") == w.id
        || w.member_of.iter().any(|g| g == s(d, "group_id"))
        || (s(d, "status") != "draft"
            && (w.sees_work(s(d, "school_id"), s(d, "district_id"))
                || w.reads(s(d, "school_id"), s(d, "teacher_id"))))
}

fn sees_pair(w: &Who, m: &Value) -> bool {
    s(m, "mentor_id") == w.id
        || s(m, "apprentice_id") == w.id
        || w.sees_work(s(m, "school_id"), s(m, "district_id"))
        || w.reads(s(m, "school_id"), s(m, "mentor_id"))
        || w.reads(s(m, "school_id"), s(m, "apprentice_id"))
}

fn sees_school_row(w: &Who, school: &Value) -> bool {
    w.sees_school(s(school, "id"), s(school, "district_id"))
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Draft,
    Submitted,
    NeedsRevision,
    GradeApproved,
}

/// The seeded two-district world.
struct World {
    app: TestApp,
    /// One session per actor (`None` for no token).
    who: Vec<Option<Session>>,
    /// Phone and password per actor (no token: teacher A's).
    creds: Vec<(String, String)>,
    teacher_b: Session,
    principal_2: Session,
    district_a: String,
    school_a: String,
    school_b: String,
    term_a: String,
    school_year: String,
    district_2: String,
    school_2: String,
    term_2: String,
    teacher_a: String,
    mentor: String,
    apprentice: String,
    observation: Value,
    draft: Value,
    document: Value,
    draft_document: Value,
    revision_document: String,
    pair: String,
    rubric_items: Value,
    quota_rules: Value,
    photo: Vec<u8>,
    /// Fixtures of every school, for the list checks: (kind, record).
    fixtures: Vec<(&'static str, Value)>,
    /// Per actor, (school, person) it reads through the grade groups it leads, as the admin
    /// reads the groups: the oracle of the list checks.
    reads: Vec<Vec<(String, String)>>,
    counter: AtomicU64,
}

impl World {
    fn s(&self, a: usize) -> &Session {
        self.who[a].as_ref().expect("a session")
    }

    fn call(&self, method: Method, path: &str, a: usize) -> Call<'_> {
        let call = self.app.call(method, path);
        match &self.who[a] {
            Some(s) => call.token(&s.token),
            None => call,
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// The first day of the demo district's term, as the admin reads it.
    async fn term_a_first_day(&self) -> String {
        self.call(
            Method::GET,
            &format!("/v1/terms/{}/calendar", self.term_a),
            ADMIN,
        )
        .send()
        .await
        .expect_status(200)
        .str("starts_on")
        .to_string()
    }

    fn phone(&self) -> String {
        format!("137{:08}", self.next())
    }

    async fn post(&self, by: &Session, path: &str, body: Value) -> Response {
        self.app.post(path).token(&by.token).json(body).send().await
    }

    /// A term far in the future, overlapping no other (two a year from 2040 on: dates after
    /// 2100 are refused).
    fn term_body(&self) -> Value {
        static TERMS: AtomicU64 = AtomicU64::new(0);
        let n = TERMS.fetch_add(1, Ordering::Relaxed);
        let y = 2040 + n / 2;
        let (starts, ends) = match n % 2 {
            0 => ("03-01", "06-30"),
            _ => ("09-01", "12-31"),
        };
        json!({
            "name": format!("{y} 学期 {n}"), "school_year": format!("{y}-{}", y + 1),
            "starts_on": format!("{y}-{starts}"), "ends_on": format!("{y}-{ends}")
        })
    }

    /// A term of the demo district far in the future, overlapping no other.
    async fn fresh_term(&self) -> String {
        let path = format!("/v1/districts/{}/terms", self.district_a);
        self.post(self.s(ADMIN), &path, self.term_body())
            .await
            .expect_status(201)
            .str("id")
            .to_string()
    }

    fn pair_body(&self, school: &str, mentor: &str, apprentice: &str, term: &str) -> Value {
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "school_id": school, "mentor_id": mentor, "apprentice_id": apprentice,
            "term_ids": [term], "subjects": [format!("学科{}", self.next())], "goals": "站稳讲台"
        })
    }

    /// A new pair of the demo mentor and apprentice, in a term of its own.
    async fn fresh_pair(&self) -> String {
        let term = self.fresh_term().await;
        let body = self.pair_body(&self.school_a, &self.mentor, &self.apprentice, &term);
        self.post(self.s(ADMIN), "/v1/mentorships", body)
            .await
            .expect_status(201)
            .str("id")
            .to_string()
    }

    /// A new teacher of school A; answers the user id.
    /// A workbook adding one fresh teacher to school A.
    fn workbook(&self) -> Vec<u8> {
        let phone = self.phone();
        crate::imports::xlsx(&[], &[["新老师", &phone, "实验小学", "教师", "数学"]], &[])
    }

    /// A fresh import of the admin's: previewed, or committed with its login sheet's key.
    async fn fresh_import(&self, committed: bool) -> (String, String) {
        let (body, ct) = multipart(&[("file", Some("x.xlsx"), &self.workbook())]);
        let preview = self
            .app
            .post(&format!("/v1/districts/{}/imports", self.district_a))
            .token(&self.s(ADMIN).token)
            .raw(body, &ct)
            .send()
            .await
            .expect_status(201);
        let id = preview.str("id").to_string();
        if !committed {
            return (id, String::new());
        }
        let done = self
            .post(
                self.s(ADMIN),
                &format!("/v1/imports/{id}/commit"),
                json!({}),
            )
            .await
            .expect_status(200);
        let key = done.body["login_sheet"]["key"]
            .as_str()
            .unwrap()
            .to_string();
        (id, key)
    }

    /// A fresh preview of principal A's, of school A.
    async fn principal_import(&self) -> String {
        let (body, ct) = multipart(&[("file", Some("x.xlsx"), &self.workbook())]);
        self.app
            .post(&format!("/v1/districts/{}/imports", self.district_a))
            .token(&self.s(PRINCIPAL).token)
            .raw(body, &ct)
            .send()
            .await
            .expect_status(201)
            .str("id")
            .to_string()
    }

    async fn fresh_user(&self) -> String {
        let phone = self.phone();
        add_member(
            &self.app,
            self.s(ADMIN),
            &self.school_a,
            &phone,
            &["teacher"],
        )
        .await
        .expect_status(201)
        .str("user_id")
        .to_string()
    }

    /// A preparation group of school A with a fresh name, led by the grade-group leader, with
    /// teacher A in it.
    fn group_body(&self) -> Value {
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": "preparation", "name": format!("备课组 {}", self.next()),
            "subject": "数学", "grade": "三年级",
            "members": [
                { "user_id": self.s(GRADE).id(), "leader": true },
                { "user_id": self.teacher_a }
            ]
        })
    }

    async fn fresh_group(&self) -> Response {
        let path = format!("/v1/schools/{}/groups", self.school_a);
        self.post(self.s(ADMIN), &path, self.group_body())
            .await
            .expect_status(201)
    }

    /// A collective preparation of such a group, the grade-group leader its main preparer.
    fn meeting_body(&self) -> Value {
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": "collective_preparation", "held_on": "2026-12-01", "topic": "第三单元",
            "main_preparer_id": self.s(GRADE).id(),
            "attendance": [{ "user_id": self.teacher_a, "status": "present" }]
        })
    }

    /// A collective preparation recorded by the admin in a fresh group.
    async fn fresh_meeting(&self) -> Response {
        let g = self.fresh_group().await;
        let path = format!("/v1/groups/{}/meetings", g.str("id"));
        self.post(self.s(ADMIN), &path, self.meeting_body())
            .await
            .expect_status(201)
    }

    /// A draft observation of teacher A by principal A.
    async fn fresh_draft(&self) -> Response {
        let body = lesson(&self.school_a, &self.teacher_a, 2 + self.next() as i64, 40);
        self.post(self.s(PRINCIPAL), "/v1/observations", body)
            .await
            .expect_status(201)
    }

    /// A submitted observation of teacher A by principal A.
    async fn fresh_observation(&self) -> Value {
        let id = self.fresh_draft().await.str("id").to_string();
        self.app
            .post(&format!("/v1/observations/{id}/submit"))
            .token(&self.s(PRINCIPAL).token)
            .send()
            .await
            .expect_status(200);
        self.app
            .get(&format!("/v1/observations/{id}"))
            .token(&self.s(PRINCIPAL).token)
            .send()
            .await
            .expect_status(200)
            .body
    }

    /// A document of `by` in `school`, taken to `stage`; answers it as its teacher reads it.
    async fn document(&self, by: &Session, school: &str, kind: &str, stage: Stage) -> Value {
        let id = self
            .post(by, "/v1/documents", new_document(school, kind))
            .await
            .expect_status(201)
            .str("id")
            .to_string();
        if stage != Stage::Draft {
            self.upload(by, &id).await.expect_status(201);
            self.app
                .post(&format!("/v1/documents/{id}/submit"))
                .token(&by.token)
                .send()
                .await
                .expect_status(200);
        }
        match stage {
            Stage::NeedsRevision => {
                let deadline = (chrono::Utc::now() + chrono::Duration::days(7)).format("%Y-%m-%d");
                self.post(
                    self.s(DEAN),
                    &format!("/v1/documents/{id}/reviews"),
                    json!({
                        "verdict": "needs_revision", "comments": "请修改",
                        "guidance": "补充设计意图", "rectify_by": deadline.to_string()
                    }),
                )
                .await
                .expect_status(201);
            }
            Stage::GradeApproved => {
                self.app
                    .post(&format!("/v1/documents/{id}/approve"))
                    .token(&self.s(GRADE).token)
                    .send()
                    .await
                    .expect_status(200);
            }
            _ => {}
        }
        self.app
            .get(&format!("/v1/documents/{id}"))
            .token(&by.token)
            .send()
            .await
            .expect_status(200)
            .body
    }

    async fn upload(&self, by: &Session, doc: &str) -> Response {
        let (body, content_type) = multipart(&[("file", Some("page.jpg"), &self.photo)]);
        self.app
            .post(&format!("/v1/documents/{doc}/pages"))
            .token(&by.token)
            .raw(body, &content_type)
            .send()
            .await
    }

    /// The path of a fresh resumable upload of the photo into `doc`, by `by`.
    async fn tus_upload(&self, by: &Session, doc: &str) -> String {
        let created = self
            .app
            .post(&format!("/v1/documents/{doc}/uploads"))
            .token(&by.token)
            .header("tus-resumable", "1.0.0")
            .header("upload-length", &self.photo.len().to_string())
            .send()
            .await
            .expect_status(201);
        let location = created.header("location").expect("Location");
        location[location.find("/v1/").expect("a path")..].to_string()
    }

    /// A check round of school A opened by the admin.
    async fn fresh_round(&self) -> Response {
        let path = format!("/v1/schools/{}/check-rounds", self.school_a);
        let body = json!({
            "id": uuid::Uuid::now_v7().to_string(), "title": format!("检查 {}", self.next()),
            "starts_on": "2026-11-01", "ends_on": "2026-11-30"
        });
        self.post(self.s(ADMIN), &path, body)
            .await
            .expect_status(201)
    }

    fn result_body(&self) -> Value {
        json!({
            "id": uuid::Uuid::now_v7().to_string(), "teacher_id": self.teacher_a,
            "grade": "good", "comments": "教案详实", "guidance": "注意分层作业"
        })
    }

    /// Teacher A's check in a fresh round, recorded by the dean.
    async fn fresh_result(&self) -> Response {
        let round = self.fresh_round().await;
        let path = format!("/v1/check-rounds/{}/results", round.str("id"));
        self.post(self.s(DEAN), &path, self.result_body())
            .await
            .expect_status(201)
    }

    fn notice_body(&self) -> Value {
        let due = (chrono::Utc::now() + chrono::Duration::days(14)).format("%Y-%m-%d");
        json!({
            "id": uuid::Uuid::now_v7().to_string(), "school_id": self.school_a,
            "teacher_id": self.teacher_a, "problem": "教案不全", "required": "补写详案",
            "due_on": due.to_string()
        })
    }

    /// A notice to teacher A issued by the dean.
    async fn fresh_notice(&self) -> Response {
        self.post(self.s(DEAN), "/v1/notices", self.notice_body())
            .await
            .expect_status(201)
    }

    /// Such a notice, answered by teacher A.
    async fn answered_notice(&self) -> Response {
        let n = self.fresh_notice().await;
        let path = format!("/v1/notices/{}/answer", n.str("id"));
        self.post(self.s(TEACHER), &path, json!({ "text": "已补写" }))
            .await
            .expect_status(200)
    }

    /// A follow-up, opened by the dean, of a fresh observation of teacher A below the pass line.
    async fn fresh_follow_up(&self) -> Response {
        let o = self.fresh_observation().await;
        let path = format!("/v1/observations/{}/follow-ups", o["id"].as_str().unwrap());
        self.post(self.s(DEAN), &path, self.follow_up_body())
            .await
            .expect_status(201)
    }

    fn follow_up_body(&self) -> Value {
        let due = (chrono::Utc::now() + chrono::Duration::days(14)).format("%Y-%m-%d");
        json!({ "id": uuid::Uuid::now_v7().to_string(), "due_on": due.to_string() })
    }

    fn inspection_body(&self) -> Value {
        json!({
            "id": uuid::Uuid::now_v7().to_string(), "term_id": self.term_a,
            "inspected_on": "2026-11-20", "grade": "good", "findings": "常规落实较好",
            "parts": [{ "part": "listen", "note": "听课 3 节" }, { "part": "check" }]
        })
    }

    /// An event of teacher A in school A going on now.
    fn event_body(&self) -> Value {
        let now = chrono::Utc::now();
        json!({
            "id": uuid::Uuid::now_v7().to_string(), "kind": "research",
            "teacher_id": self.teacher_a, "subject": "语文", "grade": "四年级",
            "class_name": "四年级2班", "topic": "古诗两首", "place": "录播教室",
            "starts_at": now - chrono::Duration::minutes(10),
            "ends_at": now + chrono::Duration::minutes(30),
        })
    }

    /// Such an event, scheduled by the dean.
    async fn fresh_event(&self) -> Response {
        let path = format!("/v1/schools/{}/events", self.school_a);
        self.post(self.s(DEAN), &path, self.event_body())
            .await
            .expect_status(201)
    }

    fn open_week_body(&self) -> Value {
        json!({
            "id": uuid::Uuid::now_v7().to_string(), "title": "教学开放周",
            "starts_on": "2026-11-16", "ends_on": "2026-11-20", "visitors": ["四年级家长"]
        })
    }

    /// An open week of school A held by the dean.
    async fn fresh_open_week(&self) -> Response {
        let path = format!("/v1/schools/{}/open-weeks", self.school_a);
        self.post(self.s(DEAN), &path, self.open_week_body())
            .await
            .expect_status(201)
    }

    /// An inspection of school A recorded by the admin.
    async fn fresh_inspection(&self) -> Response {
        let path = format!("/v1/schools/{}/inspections", self.school_a);
        self.post(self.s(ADMIN), &path, self.inspection_body())
            .await
            .expect_status(201)
    }

    async fn login(&self, a: usize) -> Session {
        let (phone, password) = &self.creds[a];
        self.app.login(phone, password).await
    }
}

async fn seed() -> World {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let demo = [
        PRINCIPAL_A,
        VICE_PRINCIPAL_A,
        DEAN_A,
        GRADE_LEADER_A,
        TEACHER_A,
        TEACHER_A2,
        "13800000007",
        PRINCIPAL_B,
    ];
    let mut who = vec![Some(admin.clone())];
    let mut creds = vec![(ADMIN_PHONE.to_string(), PASSWORD.to_string())];
    for phone in demo {
        who.push(Some(app.demo(phone).await));
        creds.push((phone.to_string(), DEMO_PASSWORD.to_string()));
    }
    // A grade-group leader of another grade: leads a 六年级组 of a new teacher of school A.
    let school_of_a = who[PRINCIPAL].as_ref().expect("principal A").school_id();
    let (leader_phone, teacher_phone) = ("13600000001", "13600000002");
    let roles = ["grade_leader", "teacher"];
    let leader = add_member(&app, &admin, &school_of_a, leader_phone, &roles)
        .await
        .expect_status(201)
        .str("user_id")
        .to_string();
    let fifth = add_member(&app, &admin, &school_of_a, teacher_phone, &["teacher"])
        .await
        .expect_status(201)
        .str("user_id")
        .to_string();
    app.post(&format!("/v1/schools/{school_of_a}/groups"))
        .token(&admin.token)
        .json(json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": "grade", "name": "六年级组", "grade": "六年级",
            "members": [{ "user_id": leader, "leader": true }, { "user_id": fifth }]
        }))
        .send()
        .await
        .expect_status(201);
    who.insert(OTHER_GRADE, Some(app.login(leader_phone, PASSWORD).await));
    creds.insert(OTHER_GRADE, (leader_phone.into(), PASSWORD.into()));

    // The second district, made through the API: a school, a principal, a teacher, a term.
    let district_2 = app
        .post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "第二区" }))
        .send()
        .await
        .expect_status(201)
        .str("id")
        .to_string();
    let school_2 = app
        .post("/v1/schools")
        .token(&admin.token)
        .json(json!({ "name": "第二区第一小学", "district_id": district_2 }))
        .send()
        .await
        .expect_status(201)
        .str("id")
        .to_string();
    add_member(&app, &admin, &school_2, "13500000001", &["principal"])
        .await
        .expect_status(201);
    add_member(&app, &admin, &school_2, "13500000002", &["teacher"])
        .await
        .expect_status(201);
    let (name, school_year, starts_on, ends_on) =
        tingke_api::demo::term_covering(chrono::Utc::now().date_naive());
    let term_2 = app
        .post(&format!("/v1/districts/{district_2}/terms"))
        .token(&admin.token)
        .json(json!({
            "name": name, "school_year": school_year, "starts_on": starts_on, "ends_on": ends_on
        }))
        .send()
        .await
        .expect_status(201)
        .str("id")
        .to_string();
    let principal_2 = app.login("13500000001", PASSWORD).await;
    let teacher_2 = app.login("13500000002", PASSWORD).await;
    who.push(Some(teacher_2.clone()));
    creds.push(("13500000002".into(), PASSWORD.into()));
    who.push(Some(app.demo(RESEARCHER).await));
    creds.push((RESEARCHER.into(), DEMO_PASSWORD.into()));
    // A bureau leader (教体局领导) of the demo district: district staff, member of no school.
    let demo_district = who[PRINCIPAL].as_ref().expect("principal A").district_id();
    let bureau_phone = "13600000003";
    app.post(&format!("/v1/districts/{demo_district}/members"))
        .token(&admin.token)
        .json(json!({
            "name": "刘局长", "phone": bureau_phone, "password": PASSWORD,
            "roles": ["bureau_leader"]
        }))
        .send()
        .await
        .expect_status(201);
    who.push(Some(app.login(bureau_phone, PASSWORD).await));
    creds.push((bureau_phone.into(), PASSWORD.into()));
    who.push(None);
    creds.push((TEACHER_A.into(), DEMO_PASSWORD.into()));
    assert_eq!(who.len(), ACTORS.len());

    let teacher_b = app.demo(TEACHER_B).await;
    let principal_a = who[PRINCIPAL].clone().expect("principal");
    let school_a = principal_a.school_id();
    let district_a = principal_a.district_id();
    let school_b = who[OTHER_SCHOOL].as_ref().expect("principal B").school_id();
    let terms = app
        .get(&format!("/v1/districts/{district_a}/terms"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let term_a = terms.items()[0]["id"].as_str().unwrap().to_string();
    let school_year = terms.items()[0]["school_year"]
        .as_str()
        .unwrap()
        .to_string();
    let id_of = |a: usize| who[a].as_ref().expect("session").id().to_string();
    let (teacher_a, mentor, apprentice) = (id_of(TEACHER), id_of(MENTOR), id_of(APPRENTICE));
    let pair = app
        .get(&format!("/v1/mentorships?mentor_id={mentor}"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200)
        .items()
        .iter()
        .find(|p| p["apprentice_id"] == apprentice.as_str())
        .expect("the demo pair")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rubric_items = app
        .get(&format!("/v1/schools/{school_a}/rubric"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200)
        .body["items"]
        .clone();
    let quota_rules: Vec<Value> = app
        .get(&format!("/v1/districts/{district_a}/quota-rules"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200)
        .items()
        .iter()
        .map(|r| {
            json!({
                "target": r["target"], "role": r["role"], "group_kind": r["group_kind"],
                "qualifier": r["qualifier"], "activity": r["activity"], "period": r["period"],
                "minimum": r["minimum"], "feedback_min_chars": r["feedback_min_chars"]
            })
        })
        .collect();

    let mut w = World {
        app,
        who,
        creds,
        teacher_b,
        principal_2,
        district_a,
        school_a,
        school_b,
        term_a,
        school_year,
        district_2,
        school_2,
        term_2: term_2.clone(),
        teacher_a,
        mentor,
        apprentice,
        observation: Value::Null,
        draft: Value::Null,
        document: Value::Null,
        draft_document: Value::Null,
        revision_document: String::new(),
        pair,
        rubric_items,
        quota_rules: Value::Array(quota_rules),
        photo: testimages::page_jpeg(7, 600, 800, 80),
        fixtures: Vec::new(),
        reads: Vec::new(),
        counter: AtomicU64::new(1),
    };

    // School A: principal A's submitted observation and draft of teacher A, teacher A's
    // documents (submitted, draft, one in revision).
    w.observation = w.fresh_observation().await;
    w.draft = w.fresh_draft().await.body;
    let teacher = w.s(TEACHER).clone();
    w.document = w
        .document(&teacher, &w.school_a, "lesson_plan", Stage::Submitted)
        .await;
    w.draft_document = w
        .document(&teacher, &w.school_a, "lesson_plan", Stage::Draft)
        .await;
    w.revision_document = s(
        &w.document(&teacher, &w.school_a, "lesson_plan", Stage::NeedsRevision)
            .await,
        "id",
    )
    .to_string();

    // School B and district 2: an observation, a document and a pair each.
    let mut fixtures = vec![
        ("observation", w.observation.clone()),
        ("observation", w.draft.clone()),
        ("document", w.document.clone()),
        ("document", w.draft_document.clone()),
    ];
    let others = [
        (
            w.s(OTHER_SCHOOL).clone(),
            w.teacher_b.clone(),
            w.school_b.clone(),
            w.term_a.clone(),
        ),
        (
            w.principal_2.clone(),
            w.s(OTHER_DISTRICT).clone(),
            w.school_2.clone(),
            term_2,
        ),
    ];
    for (principal, teacher, school, term) in others {
        let body = lesson(&school, teacher.id(), 3, 40);
        let id = w
            .post(&principal, "/v1/observations", body)
            .await
            .expect_status(201)
            .str("id")
            .to_string();
        let o = w
            .app
            .post(&format!("/v1/observations/{id}/submit"))
            .token(&principal.token)
            .send()
            .await
            .expect_status(200)
            .body;
        fixtures.push(("observation", o));
        let d = w
            .document(&teacher, &school, "lesson_plan", Stage::Submitted)
            .await;
        fixtures.push(("document", d));
        let body = w.pair_body(&school, principal.id(), teacher.id(), &term);
        let admin = w.s(ADMIN).clone();
        let m = w
            .post(&admin, "/v1/mentorships", body)
            .await
            .expect_status(201)
            .body;
        fixtures.push(("mentorship", m));
    }
    let demo_pair = w
        .app
        .get(&format!("/v1/mentorships/{}", w.pair))
        .token(&w.s(ADMIN).token)
        .send()
        .await
        .expect_status(200)
        .body;
    fixtures.push(("mentorship", demo_pair));
    w.fixtures = fixtures;
    w.reads = reads_through_groups(&w).await;
    w
}

/// Per actor, the people of the grade groups of school A it leads while it holds the
/// grade-group leader's role there.
async fn reads_through_groups(w: &World) -> Vec<Vec<(String, String)>> {
    let groups = w
        .app
        .get(&format!("/v1/schools/{}/groups?limit=200", w.school_a))
        .token(&w.s(ADMIN).token)
        .send()
        .await
        .expect_status(200)
        .items()
        .clone();
    let people = |g: &Value| -> Vec<(String, bool)> {
        g["members"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| (s(m, "user_id").to_string(), m["leader"] == true))
            .collect()
    };
    (0..ACTORS.len())
        .map(|a| match &w.who[a] {
            None => Vec::new(),
            Some(session) => {
                let who = Who {
                    id: session.id().to_string(),
                    admin: false,
                    memberships: Who::of_session(session),
                    reads: Vec::new(),
                    member_of: Vec::new(),
                };
                if !who.roles_in(&w.school_a).contains(&"grade_leader") {
                    return Vec::new();
                }
                groups
                    .iter()
                    .filter(|g| s(g, "kind") == "grade")
                    .map(people)
                    .filter(|p| p.iter().any(|(id, leader)| *leader && *id == who.id))
                    .flatten()
                    .map(|(id, _)| (w.school_a.clone(), id))
                    .collect()
            }
        })
        .collect()
}

/// Runs one cell: the row's request as actor `a`, on a fresh record where the request changes
/// one.
async fn cell(w: &World, key: &str, a: usize) -> Response {
    let (method, template) = route_of(key);
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let school_a = &w.school_a;
    let district_a = &w.district_a;
    // The observed teacher: teacher A, unless teacher A is the caller.
    let observed = if a == TEACHER {
        &w.mentor
    } else {
        &w.teacher_a
    };
    let go = |path: String| w.call(method.clone(), &path, a);
    match key {
        "GET /healthz" | "GET /readyz" | "GET /metrics" | "GET /openapi.yaml" | "GET /v1/me" => {
            go(template).send().await
        }
        "POST /v1/auth/login" | "POST /console/session" => {
            let (phone, password) = &w.creds[a];
            go(template)
                .json(json!({ "phone": phone, "password": password }))
                .send()
                .await
        }
        "POST /v1/auth/refresh" => {
            let fresh = w.login(a).await;
            go(template)
                .json(json!({ "refresh_token": fresh.refresh_token }))
                .send()
                .await
        }
        "GET /console/session" => go(template).send().await,
        "POST /v1/auth/logout" | "DELETE /console/session" => {
            // A session of its own, so that the other cells keep theirs.
            let call = w.app.call(method.clone(), &template);
            match a {
                ANON => call.send().await,
                _ => call.token(&w.login(a).await.token).send().await,
            }
        }
        "POST /v1/me/password" => {
            // The same password again, so that the actor's logins go on working.
            let password = &w.creds[a].1;
            go(template)
                .json(json!({ "old_password": password, "new_password": password }))
                .send()
                .await
        }
        "POST /v1/me/sessions/end-others" => go(template).send().await,
        "DELETE /v1/users/{id}" => {
            go(format!("/v1/users/{}", w.fresh_user().await))
                .send()
                .await
        }
        "POST /v1/users/{id}/password-reset"
        | "POST /v1/users/{id}/sessions/end"
        | "GET /v1/users/{id}/account-events" => {
            go(template.replace("{id}", &w.fresh_user().await))
                .send()
                .await
        }
        "GET /v1/imports/template.xlsx" => go(template).send().await,
        "POST /v1/districts/{id}/imports" => {
            let (body, ct) = multipart(&[("file", Some("x.xlsx"), &w.workbook())]);
            go(format!("/v1/districts/{district_a}/imports"))
                .raw(body, &ct)
                .send()
                .await
        }
        "GET /v1/imports/{id}" => {
            let (id, _) = w.fresh_import(false).await;
            go(format!("/v1/imports/{id}")).send().await
        }
        "GET /v1/imports/{id} [principal A's]" => {
            let id = w.principal_import().await;
            go(format!("/v1/imports/{id}")).send().await
        }
        "POST /v1/imports/{id}/commit" => {
            let (id, _) = w.fresh_import(false).await;
            go(format!("/v1/imports/{id}/commit"))
                .json(json!({}))
                .send()
                .await
        }
        "POST /v1/imports/{id}/login-sheet" => {
            let (id, key) = w.fresh_import(true).await;
            go(format!("/v1/imports/{id}/login-sheet"))
                .json(json!({ "key": key }))
                .send()
                .await
        }
        "GET /v1/users/{id}/archive" => {
            go(format!(
                "/v1/users/{}/archive?school_year={}",
                w.teacher_a, w.school_year
            ))
            .send()
            .await
        }
        "POST /v1/districts" => go(template).json(json!({ "name": "新区" })).send().await,
        "POST /v1/districts/{id}/terms" => {
            go(format!("/v1/districts/{district_a}/terms"))
                .json(w.term_body())
                .send()
                .await
        }
        "GET /v1/districts/{id}/terms" => {
            go(format!("/v1/districts/{district_a}/terms")).send().await
        }
        "GET /v1/terms/{id}/calendar" => {
            go(format!("/v1/terms/{}/calendar", w.term_a)).send().await
        }
        "GET /v1/terms/{id}/calendar [school A]" => {
            go(format!(
                "/v1/terms/{}/calendar?school_id={school_a}",
                w.term_a
            ))
            .send()
            .await
        }
        "PUT /v1/terms/{id}/calendar" => {
            let day = w.term_a_first_day().await;
            go(format!("/v1/terms/{}/calendar", w.term_a))
                .json(json!({ "entries": [
                    { "kind": "holiday", "starts_on": day, "ends_on": day, "name": "假日" }
                ]}))
                .send()
                .await
        }
        "PUT /v1/schools/{id}/calendar" => {
            let day = w.term_a_first_day().await;
            go(format!("/v1/schools/{school_a}/calendar"))
                .json(json!({ "term_id": w.term_a, "entries": [
                    { "kind": "day_off", "starts_on": day, "ends_on": day, "name": "运动会" }
                ]}))
                .send()
                .await
        }
        "GET /v1/districts/{id}/terms [district 2]" => {
            go(format!("/v1/districts/{}/terms", w.district_2))
                .send()
                .await
        }
        "POST /v1/districts/{id}/members" => {
            go(format!("/v1/districts/{district_a}/members"))
                .json(json!({
                    "name": "新教研员", "phone": w.phone(), "password": PASSWORD,
                    "roles": ["researcher"], "subjects": ["数学"]
                }))
                .send()
                .await
        }
        "GET /v1/districts/{id}/members" => {
            go(format!("/v1/districts/{district_a}/members"))
                .send()
                .await
        }
        "GET /v1/districts/{id}/quota-rules" => {
            go(format!("/v1/districts/{district_a}/quota-rules"))
                .send()
                .await
        }
        "PUT /v1/districts/{id}/quota-rules" => {
            go(format!("/v1/districts/{district_a}/quota-rules"))
                .json(json!({ "rules": w.quota_rules }))
                .send()
                .await
        }
        "GET /v1/districts/{id}/compliance"
        | "GET /v1/districts/{id}/compliance.csv"
        | "GET /v1/districts/{id}/same-pages" => {
            go(format!(
                "{}?term_id={}",
                template.replace("{id}", district_a),
                w.term_a
            ))
            .send()
            .await
        }
        "POST /v1/schools" => {
            go(template)
                .json(json!({ "name": "新学校", "district_id": district_a }))
                .send()
                .await
        }
        "GET /v1/schools" | "GET /v1/districts" | "GET /v1/quota-rules/defaults" => {
            go(template).send().await
        }
        "GET /v1/schools/{id}" => go(format!("/v1/schools/{school_a}")).send().await,
        "GET /v1/schools/{id} [school of district 2]" => {
            go(format!("/v1/schools/{}", w.school_2)).send().await
        }
        "POST /v1/schools/{id}/members" => {
            go(format!("/v1/schools/{school_a}/members"))
                .json(json!({
                    "name": "新老师", "phone": w.phone(), "password": PASSWORD,
                    "roles": ["teacher"], "subjects": ["数学"]
                }))
                .send()
                .await
        }
        "GET /v1/schools/{id}/members" => {
            go(format!("/v1/schools/{school_a}/members")).send().await
        }
        "PUT /v1/memberships/{id}/contact-schools" => {
            let membership = w.s(11).user["memberships"][0]["id"].as_str().unwrap();
            go(format!("/v1/memberships/{membership}/contact-schools"))
                .json(json!({ "school_ids": [school_a] }))
                .send()
                .await
        }
        "PUT /v1/memberships/{id}/qualifiers" => {
            let membership = w.s(2).user["memberships"][0]["id"].as_str().unwrap();
            go(format!("/v1/memberships/{membership}/qualifiers"))
                .json(json!({ "qualifiers": ["in_charge_of_teaching"] }))
                .send()
                .await
        }
        "PUT /v1/memberships/{id}/roles" => {
            let member = &w.s(2).user["memberships"][0];
            let membership = member["id"].as_str().unwrap();
            go(format!("/v1/memberships/{membership}/roles"))
                .json(json!({ "roles": member["roles"] }))
                .send()
                .await
        }
        "POST /v1/schools/{id}/groups" => {
            go(format!("/v1/schools/{school_a}/groups"))
                .json(w.group_body())
                .send()
                .await
        }
        "GET /v1/schools/{id}/groups" => go(format!("/v1/schools/{school_a}/groups")).send().await,
        "GET /v1/groups/{id}" => {
            let g = w.fresh_group().await;
            go(format!("/v1/groups/{}", g.str("id"))).send().await
        }
        "GET /v1/groups/{id}/progress" => {
            let g = w.fresh_group().await;
            go(format!("/v1/groups/{}/progress", g.str("id")))
                .send()
                .await
        }
        "PATCH /v1/groups/{id}" => {
            let g = w.fresh_group().await;
            go(format!("/v1/groups/{}", g.str("id")))
                .header("if-match", &g.etag())
                .json(json!({ "name": format!("改名组 {}", w.next()) }))
                .send()
                .await
        }
        "DELETE /v1/groups/{id}" => {
            let g = w.fresh_group().await;
            go(format!("/v1/groups/{}", g.str("id"))).send().await
        }
        "POST /v1/groups/{id}/meetings" => {
            let g = w.fresh_group().await;
            go(format!("/v1/groups/{}/meetings", g.str("id")))
                .json(w.meeting_body())
                .send()
                .await
        }
        "GET /v1/groups/{id}/meetings" => {
            let g = w.fresh_group().await;
            go(format!("/v1/groups/{}/meetings", g.str("id")))
                .send()
                .await
        }
        "GET /v1/meetings/{id}" => {
            let m = w.fresh_meeting().await;
            go(format!("/v1/meetings/{}", m.str("id"))).send().await
        }
        "PATCH /v1/meetings/{id}" => {
            let m = w.fresh_meeting().await;
            let mut record = w.meeting_body();
            record.as_object_mut().unwrap().remove("id");
            record.as_object_mut().unwrap().remove("kind");
            go(format!("/v1/meetings/{}", m.str("id")))
                .header("if-match", &m.etag())
                .json(record)
                .send()
                .await
        }
        "DELETE /v1/meetings/{id}" => {
            let m = w.fresh_meeting().await;
            go(format!("/v1/meetings/{}", m.str("id"))).send().await
        }
        "PUT /v1/groups/{id}/members" => {
            // The same leader; teacher A leaves and the mentor joins.
            let g = w.fresh_group().await;
            let members = json!([
                { "user_id": w.s(GRADE).id(), "leader": true },
                { "user_id": w.mentor }
            ]);
            go(format!("/v1/groups/{}/members", g.str("id")))
                .header("if-match", &g.etag())
                .json(json!({ "members": members }))
                .send()
                .await
        }
        "GET /v1/schools/{id}/quota-rules" => {
            go(format!("/v1/schools/{school_a}/quota-rules"))
                .send()
                .await
        }
        "PUT /v1/schools/{id}/quota-rules" => {
            go(format!("/v1/schools/{school_a}/quota-rules"))
                .json(json!({ "rules": [
                    { "role": "principal", "activity": "observations", "period": "term",
                      "minimum": 40 }
                ]}))
                .send()
                .await
        }
        "GET /v1/schools/{id}/rubric" => go(format!("/v1/schools/{school_a}/rubric")).send().await,
        "PUT /v1/schools/{id}/rubric" => {
            go(format!("/v1/schools/{school_a}/rubric"))
                .json(json!({ "items": w.rubric_items, "pass_line": 60 }))
                .send()
                .await
        }
        "GET /v1/schools/{id}/compliance"
        | "GET /v1/schools/{id}/compliance.csv"
        | "GET /v1/schools/{id}/same-pages" => {
            go(format!(
                "{}?term_id={}",
                template.replace("{id}", school_a),
                w.term_a
            ))
            .send()
            .await
        }
        "GET /v1/schools/{id}/compliance [term of district 2]" => {
            go(format!(
                "/v1/schools/{school_a}/compliance?term_id={}",
                w.term_2
            ))
            .send()
            .await
        }
        "GET /v1/schools/{id}/reviews/overdue" => {
            go(format!("/v1/schools/{school_a}/reviews/overdue"))
                .send()
                .await
        }
        "GET /v1/schools/{id}/mentorships/compliance"
        | "GET /v1/schools/{id}/mentorships/compliance.csv" => {
            go(format!(
                "{}?term_id={}",
                template.replace("{id}", school_a),
                w.term_a
            ))
            .send()
            .await
        }
        "GET /v1/quotas/progress" => {
            go(format!(
                "/v1/quotas/progress?term_id={}&user_id={}",
                w.term_a, w.teacher_a
            ))
            .send()
            .await
        }
        "GET /v1/quotas/progress [user of district 2]" => {
            go(format!(
                "/v1/quotas/progress?term_id={}&user_id={}",
                w.term_a,
                w.s(OTHER_DISTRICT).id()
            ))
            .send()
            .await
        }
        "GET /v1/quotas/progress [no such user]" => {
            go(format!(
                "/v1/quotas/progress?term_id={}&user_id={}",
                w.term_a,
                uuid::Uuid::now_v7()
            ))
            .send()
            .await
        }
        "GET /v1/quotas/progress [user of school B]" => {
            go(format!(
                "/v1/quotas/progress?term_id={}&user_id={}",
                w.term_a,
                w.teacher_b.id()
            ))
            .send()
            .await
        }
        "POST /v1/observations" => {
            go(template)
                .json(lesson(school_a, observed, 2 + w.next() as i64, 40))
                .send()
                .await
        }
        "POST /v1/observations [school of district 2]" => {
            go(template)
                .json(lesson(
                    &w.school_2,
                    w.principal_2.id(),
                    2 + w.next() as i64,
                    40,
                ))
                .send()
                .await
        }
        "POST /v1/observations [school B]" => {
            go(template)
                .json(lesson(
                    &w.school_b,
                    w.teacher_b.id(),
                    2 + w.next() as i64,
                    40,
                ))
                .send()
                .await
        }
        "GET /v1/observations" => go(format!("{template}?school_id={school_a}")).send().await,
        "GET /v1/observations/{id}" => {
            go(format!("/v1/observations/{}", s(&w.observation, "id")))
                .send()
                .await
        }
        "GET /v1/observations/{id} [draft]" => {
            go(format!("/v1/observations/{}", s(&w.draft, "id")))
                .send()
                .await
        }
        "PATCH /v1/observations/{id}" => {
            let draft = w.fresh_draft().await;
            go(format!("/v1/observations/{}", draft.str("id")))
                .header("if-match", &draft.etag())
                .json(json!({ "topic": "改过的课题" }))
                .send()
                .await
        }
        "DELETE /v1/observations/{id}" => {
            let draft = w.fresh_draft().await;
            go(format!("/v1/observations/{}", draft.str("id")))
                .send()
                .await
        }
        "POST /v1/observations/{id}/submit" => {
            let draft = w.fresh_draft().await;
            go(format!("/v1/observations/{}/submit", draft.str("id")))
                .send()
                .await
        }
        "POST /v1/observations/{id}/acknowledge" => {
            let o = w.fresh_observation().await;
            go(format!("/v1/observations/{}/acknowledge", s(&o, "id")))
                .json(json!({ "reply": "收到" }))
                .send()
                .await
        }
        "POST /v1/observations/{id}/corrections" => {
            go(format!(
                "/v1/observations/{}/corrections",
                s(&w.observation, "id")
            ))
            .json(json!({ "reason": "补充评语", "comments": format!("补充 {}", w.next()) }))
            .send()
            .await
        }
        "POST /v1/mentorships" => {
            let term = w.fresh_term().await;
            go(template)
                .json(w.pair_body(school_a, &w.mentor, &w.apprentice, &term))
                .send()
                .await
        }
        "POST /v1/mentorships [school B]" => {
            let term = w.fresh_term().await;
            let principal_b = w.s(OTHER_SCHOOL).id();
            go(template)
                .json(w.pair_body(&w.school_b, principal_b, w.teacher_b.id(), &term))
                .send()
                .await
        }
        "GET /v1/mentorships" => go(format!("{template}?school_id={school_a}")).send().await,
        "GET /v1/mentorships/{id}" => go(format!("/v1/mentorships/{}", w.pair)).send().await,
        "POST /v1/mentorships/{id}/end" => {
            let pair = w.fresh_pair().await;
            go(format!("/v1/mentorships/{pair}/end"))
                .json(json!({ "reason": "调动" }))
                .send()
                .await
        }
        "POST /v1/mentorships/{id}/activities" => {
            go(format!("/v1/mentorships/{}/activities", w.pair))
                .json(json!({
                    "id": uuid::Uuid::now_v7().to_string(), "kind": "guidance",
                    // A minute of its own: two at one minute are one logged twice.
                    "occurred_at": (chrono::Utc::now()
                        - chrono::Duration::minutes(60 + w.next() as i64))
                    .to_rfc3339(),
                    "notes": "指导"
                }))
                .send()
                .await
        }
        "GET /v1/mentorships/{id}/activities" => {
            go(format!("/v1/mentorships/{}/activities", w.pair))
                .send()
                .await
        }
        "GET /v1/mentorships/{id}/progress" => {
            go(format!(
                "/v1/mentorships/{}/progress?term_id={}",
                w.pair, w.term_a
            ))
            .send()
            .await
        }
        "GET /v1/mentorships/{id}/progress [term of district 2]" => {
            go(format!(
                "/v1/mentorships/{}/progress?term_id={}",
                w.pair, w.term_2
            ))
            .send()
            .await
        }
        "POST /v1/mentorships/{id}/evaluations" => {
            let pair = w.fresh_pair().await;
            let term = w
                .app
                .get(&format!("/v1/mentorships/{pair}"))
                .token(&w.s(ADMIN).token)
                .send()
                .await
                .body["term_ids"][0]
                .as_str()
                .unwrap_or_default()
                .to_string();
            go(format!("/v1/mentorships/{pair}/evaluations"))
                .json(json!({ "term_id": term, "rating": "good", "comments": "进步明显" }))
                .send()
                .await
        }
        "POST /v1/documents" => {
            go(template)
                .json(new_document(school_a, "lesson_plan"))
                .send()
                .await
        }
        "POST /v1/documents [school B]" => {
            go(template)
                .json(new_document(&w.school_b, "lesson_plan"))
                .send()
                .await
        }
        "GET /v1/documents" => go(format!("{template}?school_id={school_a}")).send().await,
        "GET /v1/documents/{id}" => {
            go(format!("/v1/documents/{}", s(&w.document, "id")))
                .send()
                .await
        }
        "GET /v1/documents/{id} [draft]" => {
            go(format!("/v1/documents/{}", s(&w.draft_document, "id")))
                .send()
                .await
        }
        "GET /v1/documents/{id} [group sheet draft]" => {
            let g = w.fresh_group().await;
            let mut body = new_document(school_a, "guided_learning_sheet");
            body["group_id"] = json!(g.str("id"));
            let d = w
                .post(w.s(GRADE), "/v1/documents", body)
                .await
                .expect_status(201);
            go(format!("/v1/documents/{}", d.str("id"))).send().await
        }
        "DELETE /v1/documents/{id}" => {
            let d = w
                .document(w.s(TEACHER), school_a, "lesson_plan", Stage::Draft)
                .await;
            go(format!("/v1/documents/{}", s(&d, "id"))).send().await
        }
        "POST /v1/documents/{id}/pages" => {
            let (body, content_type) = multipart(&[("file", Some("page.jpg"), &w.photo)]);
            go(format!("/v1/documents/{}/pages", w.revision_document))
                .raw(body, &content_type)
                .send()
                .await
        }
        "OPTIONS /v1/documents/{id}/uploads" => {
            go(format!("/v1/documents/{}/uploads", w.revision_document))
                .send()
                .await
        }
        "POST /v1/documents/{id}/uploads" => {
            go(format!("/v1/documents/{}/uploads", w.revision_document))
                .header("tus-resumable", "1.0.0")
                .header("upload-length", &w.photo.len().to_string())
                .send()
                .await
        }
        "HEAD /v1/uploads/{id}" | "PATCH /v1/uploads/{id}" | "DELETE /v1/uploads/{id}" => {
            let upload = w.tus_upload(w.s(TEACHER), &w.revision_document).await;
            let call = go(upload).header("tus-resumable", "1.0.0");
            match method == Method::PATCH {
                true => call
                    .header("upload-offset", "0")
                    .raw(w.photo[..1000].to_vec(), "application/offset+octet-stream"),
                false => call,
            }
            .send()
            .await
        }
        "PUT /v1/documents/{id}/pages/order" => {
            let doc = w
                .app
                .get(&format!("/v1/documents/{}", w.revision_document))
                .token(&w.s(TEACHER).token)
                .send()
                .await
                .expect_status(200);
            let mut ids: Vec<Value> = doc.body["pages"]
                .as_array()
                .expect("pages")
                .iter()
                .map(|p| p["id"].clone())
                .collect();
            ids.reverse();
            go(format!("/v1/documents/{}/pages/order", w.revision_document))
                .json(json!({ "page_ids": ids }))
                .send()
                .await
        }
        "DELETE /v1/documents/{id}/pages/{page_id}" => {
            let page = w
                .upload(w.s(TEACHER), &w.revision_document)
                .await
                .expect_status(201);
            go(format!(
                "/v1/documents/{}/pages/{}",
                w.revision_document,
                page.str("id")
            ))
            .send()
            .await
        }
        "POST /v1/documents/{id}/submit" => {
            let d = w
                .document(w.s(TEACHER), school_a, "lesson_plan", Stage::NeedsRevision)
                .await;
            go(format!("/v1/documents/{}/submit", s(&d, "id")))
                .send()
                .await
        }
        "POST /v1/documents/{id}/reviews" => {
            let d = w
                .document(w.s(TEACHER), school_a, "lesson_plan", Stage::Submitted)
                .await;
            go(format!("/v1/documents/{}/reviews", s(&d, "id")))
                .json(json!({ "verdict": "approved", "comments": "很好" }))
                .send()
                .await
        }
        "POST /v1/documents/{id}/approve" => {
            let d = w
                .document(
                    w.s(TEACHER),
                    school_a,
                    "guided_learning_sheet",
                    Stage::Submitted,
                )
                .await;
            go(format!("/v1/documents/{}/approve", s(&d, "id")))
                .send()
                .await
        }
        "POST /v1/documents/{id}/sign-off" => {
            let d = w
                .document(
                    w.s(TEACHER),
                    school_a,
                    "guided_learning_sheet",
                    Stage::GradeApproved,
                )
                .await;
            go(format!("/v1/documents/{}/sign-off", s(&d, "id")))
                .send()
                .await
        }
        "GET /v1/files/{token}" => {
            let page = s(&w.document["pages"][0], "id");
            let key = format!("schools/{school_a}/pages/{page}/page.jpg");
            let expires = chrono::Utc::now().timestamp() + 600;
            go(tingke_api::signed::path(
                &w.app.config.jwt_secret,
                &key,
                expires,
            ))
            .send()
            .await
        }
        "POST /v1/schools/{id}/check-rounds" => {
            go(format!("/v1/schools/{school_a}/check-rounds"))
                .json(json!({
                    "id": uuid::Uuid::now_v7().to_string(), "title": "十二月检查",
                    "starts_on": "2026-12-01", "ends_on": "2026-12-31"
                }))
                .send()
                .await
        }
        "GET /v1/schools/{id}/check-rounds" => {
            go(format!("/v1/schools/{school_a}/check-rounds"))
                .send()
                .await
        }
        "GET /v1/check-rounds/{id}" => {
            let r = w.fresh_round().await;
            go(format!("/v1/check-rounds/{}", r.str("id"))).send().await
        }
        "PATCH /v1/check-rounds/{id}" => {
            let r = w.fresh_round().await;
            go(format!("/v1/check-rounds/{}", r.str("id")))
                .header("if-match", &r.etag())
                .json(json!({ "closed": true }))
                .send()
                .await
        }
        "DELETE /v1/check-rounds/{id}" => {
            let r = w.fresh_round().await;
            go(format!("/v1/check-rounds/{}", r.str("id"))).send().await
        }
        "POST /v1/check-rounds/{id}/results" => {
            let r = w.fresh_round().await;
            go(format!("/v1/check-rounds/{}/results", r.str("id")))
                .json(w.result_body())
                .send()
                .await
        }
        "GET /v1/check-rounds/{id}/results"
        | "GET /v1/check-rounds/{id}/coverage"
        | "GET /v1/check-rounds/{id}/summary"
        | "GET /v1/check-rounds/{id}/summary.csv" => {
            let r = w.fresh_result().await;
            go(template.replace("{id}", r.str("round_id"))).send().await
        }
        "GET /v1/check-results/{id}" => {
            let r = w.fresh_result().await;
            go(format!("/v1/check-results/{}", r.str("id")))
                .send()
                .await
        }
        "PATCH /v1/check-results/{id}" => {
            let r = w.fresh_result().await;
            let mut body = w.result_body();
            body.as_object_mut().unwrap().remove("id");
            body.as_object_mut().unwrap().remove("teacher_id");
            go(format!("/v1/check-results/{}", r.str("id")))
                .header("if-match", &r.etag())
                .json(body)
                .send()
                .await
        }
        "DELETE /v1/check-results/{id}" => {
            let r = w.fresh_result().await;
            go(format!("/v1/check-results/{}", r.str("id")))
                .send()
                .await
        }
        "POST /v1/check-results/{id}/reply" => {
            let r = w.fresh_result().await;
            go(format!("/v1/check-results/{}/reply", r.str("id")))
                .json(json!({ "reply": "收到,已改进" }))
                .send()
                .await
        }
        "POST /v1/notices" => go(template).json(w.notice_body()).send().await,
        "GET /v1/schools/{id}/notices" => {
            go(format!("/v1/schools/{school_a}/notices")).send().await
        }
        "GET /v1/notices/{id}" | "DELETE /v1/notices/{id}" => {
            let n = w.fresh_notice().await;
            go(format!("/v1/notices/{}", n.str("id"))).send().await
        }
        "POST /v1/notices/{id}/answer" => {
            let n = w.fresh_notice().await;
            go(format!("/v1/notices/{}/answer", n.str("id")))
                .json(json!({ "text": "已整改" }))
                .send()
                .await
        }
        "POST /v1/notices/{id}/verify" => {
            let n = w.answered_notice().await;
            go(format!("/v1/notices/{}/verify", n.str("id")))
                .send()
                .await
        }
        "POST /v1/notices/{id}/escalate" => {
            let n = w.fresh_notice().await;
            let due = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d");
            go(format!("/v1/notices/{}/escalate", n.str("id")))
                .json(json!({ "due_on": due.to_string() }))
                .send()
                .await
        }
        "POST /v1/observations/{id}/follow-ups" => {
            let o = w.fresh_observation().await;
            go(format!(
                "/v1/observations/{}/follow-ups",
                o["id"].as_str().unwrap()
            ))
            .json(w.follow_up_body())
            .send()
            .await
        }
        "GET /v1/schools/{id}/follow-ups" => {
            go(format!("/v1/schools/{school_a}/follow-ups"))
                .send()
                .await
        }
        "GET /v1/follow-ups/{id}" | "DELETE /v1/follow-ups/{id}" => {
            let f = w.fresh_follow_up().await;
            go(format!("/v1/follow-ups/{}", f.str("id"))).send().await
        }
        "GET /v1/schools/{id}/overdue" => {
            go(format!("/v1/schools/{school_a}/overdue")).send().await
        }
        "GET /v1/districts/{id}/overdue" | "GET /v1/districts/{id}/inspections" => {
            go(template.replace("{id}", district_a)).send().await
        }
        "POST /v1/schools/{id}/inspections" => {
            go(format!("/v1/schools/{school_a}/inspections"))
                .json(w.inspection_body())
                .send()
                .await
        }
        "GET /v1/schools/{id}/inspections" => {
            go(format!("/v1/schools/{school_a}/inspections"))
                .send()
                .await
        }
        "GET /v1/inspections/{id}" | "DELETE /v1/inspections/{id}" => {
            let i = w.fresh_inspection().await;
            go(format!("/v1/inspections/{}", i.str("id"))).send().await
        }
        "PATCH /v1/inspections/{id}" => {
            let i = w.fresh_inspection().await;
            let mut body = w.inspection_body();
            body.as_object_mut().unwrap().remove("id");
            go(format!("/v1/inspections/{}", i.str("id")))
                .header("if-match", &i.etag())
                .json(body)
                .send()
                .await
        }
        "POST /v1/schools/{id}/events" => {
            go(format!("/v1/schools/{school_a}/events"))
                .json(w.event_body())
                .send()
                .await
        }
        "GET /v1/events" => go(template.to_string()).send().await,
        "GET /v1/events/{id}" | "DELETE /v1/events/{id}" | "POST /v1/events/{id}/check-in" => {
            let e = w.fresh_event().await;
            go(template.replace("{id}", e.str("id"))).send().await
        }
        "PATCH /v1/events/{id}" => {
            let e = w.fresh_event().await;
            let mut body = w.event_body();
            body.as_object_mut().unwrap().remove("id");
            go(format!("/v1/events/{}", e.str("id")))
                .header("if-match", &e.etag())
                .json(body)
                .send()
                .await
        }
        "POST /v1/schools/{id}/open-weeks" => {
            go(format!("/v1/schools/{school_a}/open-weeks"))
                .json(w.open_week_body())
                .send()
                .await
        }
        "GET /v1/schools/{id}/open-weeks" => {
            go(format!("/v1/schools/{school_a}/open-weeks"))
                .send()
                .await
        }
        "GET /v1/open-weeks/{id}" | "DELETE /v1/open-weeks/{id}" => {
            let o = w.fresh_open_week().await;
            go(template.replace("{id}", o.str("id"))).send().await
        }
        "PATCH /v1/open-weeks/{id}" => {
            let o = w.fresh_open_week().await;
            let mut body = w.open_week_body();
            body.as_object_mut().unwrap().remove("id");
            go(format!("/v1/open-weeks/{}", o.str("id")))
                .header("if-match", &o.etag())
                .json(body)
                .send()
                .await
        }
        "GET /v1/sync" => go(format!("{template}?limit=50")).send().await,
        other => panic!("no request for the row {other}"),
    }
}

#[tokio::test]
async fn every_cell_of_the_authorization_matrix_answers_as_the_policy_says() {
    let started = std::time::Instant::now();
    let w = seed().await;
    let mut failures = Vec::new();
    let mut cells = 0;
    let shared_before = shared_counts(&w).await;
    for (key, row) in MATRIX {
        for (a, want) in parse_cells(key, row).into_iter().enumerate() {
            let res = cell(&w, key, a).await;
            cells += 1;
            if class(res.status) != Some(want) {
                failures.push(format!(
                    "{key} as {}: expected {want:?}, got {} {}",
                    ACTORS[a],
                    res.status,
                    res.text.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    // The writes on shared records (corrections of the observation, activities of the demo
    // pair) changed them once per allowed cell, and never for a refused one.
    let shared_after = shared_counts(&w).await;
    for ((key, before), (_, after)) in shared_before.iter().zip(&shared_after) {
        let allowed = MATRIX
            .iter()
            .find(|(k, _)| k == key)
            .map(|(k, row)| parse_cells(k, row))
            .unwrap_or_default()
            .into_iter()
            .filter(|c| *c == Want::Ok)
            .count();
        if after - before != allowed {
            failures.push(format!(
                "{key}: {} records added for {allowed} allowed cells",
                after - before
            ));
        }
    }
    let lists = check_lists(&w, &mut failures).await;
    println!(
        "authorization matrix: {cells} cells ({} rows x {} actors) and {lists} list answers \
         checked for rows of other schools, in {:.1}s",
        MATRIX.len(),
        ACTORS.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with the policy ({cells} cells and {lists} list answers checked):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How many corrections the shared observation has and how many activities the demo pair.
async fn shared_counts(w: &World) -> [(&'static str, usize); 2] {
    let admin = &w.s(ADMIN).token;
    let observation = w
        .app
        .get(&format!("/v1/observations/{}", s(&w.observation, "id")))
        .token(admin)
        .send()
        .await
        .expect_status(200);
    let activities = w
        .app
        .get(&format!("/v1/mentorships/{}/activities?limit=200", w.pair))
        .token(admin)
        .send()
        .await
        .expect_status(200);
    [
        (
            "POST /v1/observations/{id}/corrections",
            observation.body["corrections"]
                .as_array()
                .map_or(0, Vec::len),
        ),
        (
            "POST /v1/mentorships/{id}/activities",
            activities.items().len(),
        ),
    ]
}

/// Every list and sync answer, for every actor and with `school_id` of every school: nothing the
/// actor may not see, and every fixture the actor may see. Answers how many answers it checked.
async fn check_lists(w: &World, failures: &mut Vec<String>) -> usize {
    let mut checked = 0;
    let admin = w.s(ADMIN);
    let all = |path: String| {
        let token = admin.token.clone();
        async move {
            w.app
                .get(&path)
                .token(&token)
                .send()
                .await
                .expect_status(200)
                .items()
                .clone()
        }
    };
    // Every school and every pair, as the admin sees them (to place rubrics and activities).
    let schools = all("/v1/schools?limit=200".into()).await;
    let school_district: HashMap<String, String> = schools
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().into(),
                s["district_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let pairs: HashMap<String, Value> = all("/v1/mentorships?limit=200".into())
        .await
        .into_iter()
        .map(|p| (p["id"].as_str().unwrap().to_string(), p))
        .collect();
    // (field, value) filters of each list: every school's id, and people of other schools and
    // of district 2.
    let mut common: Vec<(&str, String)> = vec![("", String::new())];
    for school in [&w.school_a, &w.school_b, &w.school_2] {
        common.push(("school_id", school.clone()));
    }
    let (teacher_b, principal_b) = (w.teacher_b.id(), w.s(OTHER_SCHOOL).id());
    let (teacher_2, principal_2) = (w.s(OTHER_DISTRICT).id(), w.principal_2.id());
    let lists = [
        (
            "observation",
            "/v1/observations",
            [("teacher_id", teacher_b), ("observer_id", principal_2)],
        ),
        (
            "document",
            "/v1/documents",
            [("teacher_id", teacher_b), ("teacher_id", teacher_2)],
        ),
        (
            "mentorship",
            "/v1/mentorships",
            [("mentor_id", principal_b), ("apprentice_id", teacher_2)],
        ),
    ];
    let groups = all_groups(w).await;
    for (a, actor) in ACTORS.iter().enumerate().take(ANON) {
        let mut who = Who::of(w, a);
        who.member_of = groups
            .iter()
            .filter(|(_, people)| people.contains(&who.id))
            .map(|(id, _)| id.clone())
            .collect();
        for (kind, route, own) in &lists {
            let mut filters = common.clone();
            filters.extend(own.iter().map(|(f, v)| (*f, v.to_string())));
            for (field, value) in &filters {
                let path = match field.is_empty() {
                    true => format!("{route}?limit=200"),
                    false => format!("{route}?limit=200&{field}={value}"),
                };
                let res = w.call(Method::GET, &path, a).send().await;
                checked += 1;
                if res.status != 200 {
                    failures.push(format!("GET {path} as {actor}: got {}", res.status));
                    continue;
                }
                let sees = |v: &Value| match *kind {
                    "observation" => sees_observation(&who, v),
                    "document" => sees_document(&who, v),
                    _ => sees_pair(&who, v),
                };
                let in_filter = |v: &Value| field.is_empty() || s(v, field) == value;
                for item in res.items() {
                    if !sees(item) || !in_filter(item) {
                        failures.push(format!(
                            "GET {path} as {actor}: shows {kind} {} of school {} that it should not",
                            s(item, "id"),
                            s(item, "school_id")
                        ));
                    }
                }
                let ids: BTreeSet<&str> = res.items().iter().map(|i| s(i, "id")).collect();
                for (_, f) in w.fixtures.iter().filter(|(k, _)| k == kind) {
                    if sees(f) && in_filter(f) && !ids.contains(s(f, "id")) {
                        failures.push(format!(
                            "GET {path} as {actor}: misses {kind} {} of school {}",
                            s(f, "id"),
                            s(f, "school_id")
                        ));
                    }
                }
            }
        }

        // Schools.
        let res = w.call(Method::GET, "/v1/schools?limit=200", a).send().await;
        checked += 1;
        let listed: BTreeSet<&str> = res.items().iter().map(|i| s(i, "id")).collect();
        for school in &schools {
            if sees_school_row(&who, school) != listed.contains(s(school, "id")) {
                failures.push(format!(
                    "GET /v1/schools as {actor}: school {} listed: {}",
                    s(school, "id"),
                    listed.contains(s(school, "id"))
                ));
            }
        }

        // Members of a school and of a district: only that school's, that district's.
        for school in [&w.school_a, &w.school_b, &w.school_2] {
            let path = format!("/v1/schools/{school}/members?limit=200");
            let res = w.call(Method::GET, &path, a).send().await;
            checked += 1;
            if res.status == 200 {
                for m in res.items() {
                    if s(m, "school_id") != school.as_str() {
                        failures.push(format!("GET {path} as {actor}: shows {m}"));
                    }
                }
            }
        }
        for district in [&w.district_a, &w.district_2] {
            for list in ["members", "terms"] {
                let path = format!("/v1/districts/{district}/{list}?limit=200");
                let res = w.call(Method::GET, &path, a).send().await;
                checked += 1;
                if res.status == 200 {
                    for m in res.items() {
                        let stray = s(m, "district_id") != district.as_str()
                            || (list == "members" && !m["school_id"].is_null());
                        if stray {
                            failures.push(format!("GET {path} as {actor}: shows {m}"));
                        }
                    }
                }
            }
        }

        // A full sync, every page.
        let mut path = "/v1/sync?limit=500".to_string();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        loop {
            let res = w
                .call(Method::GET, &path, a)
                .send()
                .await
                .expect_status(200);
            checked += 1;
            let b = &res.body;
            let mut stray = |what: &str, v: &Value| {
                failures.push(format!(
                    "GET /v1/sync as {actor}: shows {what} {}",
                    v.to_string().chars().take(200).collect::<String>()
                ))
            };
            for (field, sees) in [
                ("observations", sees_observation as fn(&Who, &Value) -> bool),
                ("documents", sees_document),
                ("mentorships", sees_pair),
            ] {
                for v in b[field].as_array().into_iter().flatten() {
                    seen.insert(s(v, "id").to_string());
                    if !sees(&who, v) {
                        stray(field, v);
                    }
                }
            }
            for v in b["activities"].as_array().into_iter().flatten() {
                let pair = pairs.get(s(v, "mentorship_id"));
                if !pair.is_some_and(|p| sees_pair(&who, p)) {
                    stray("activity", v);
                }
            }
            for v in b["members"].as_array().into_iter().flatten() {
                let ok = match v["school_id"].as_str() {
                    Some(school) => who.sees_school(school, s(v, "district_id")),
                    None => who.admin || who.researcher_of(s(v, "district_id")),
                };
                if !ok {
                    stray("member", v);
                }
            }
            for v in b["terms"].as_array().into_iter().flatten() {
                if !who.in_district(s(v, "district_id")) {
                    stray("term", v);
                }
            }
            for v in b["rubrics"].as_array().into_iter().flatten() {
                let school = s(v, "school_id");
                let district = school_district.get(school).map_or("", String::as_str);
                if !who.sees_school(school, district) {
                    stray("rubric", v);
                }
            }
            // The routine (issue 19): rounds to whoever sees the school; a check result and a
            // notice to its teacher, who checked or issued it, those who read the school's work
            // and the leader of a grade group of its teacher; inspections to those who read the
            // school's work.
            for (field, kind) in [
                ("check_rounds", 0),
                ("check_results", 1),
                ("notices", 2),
                ("inspections", 3),
                ("events", 0),
                ("open_weeks", 0),
            ] {
                for v in b[field].as_array().into_iter().flatten() {
                    let school = s(v, "school_id");
                    let district = school_district.get(school).map_or("", String::as_str);
                    let teacher = s(v, "teacher_id");
                    let by = [s(v, "checked_by"), s(v, "issued_by")];
                    let own =
                        (!teacher.is_empty() && teacher == who.id) || by.contains(&who.id.as_str());
                    let reads = !teacher.is_empty() && who.reads(school, teacher);
                    let ok = match kind {
                        0 => who.sees_school(school, district),
                        1 | 2 => own || reads || who.sees_work(school, district),
                        _ => who.sees_work(school, district),
                    };
                    if !ok {
                        stray(field, v);
                    }
                }
            }
            if b["has_more"] != true {
                break;
            }
            path = format!("/v1/sync?limit=500&since={}", s(b, "cursor"));
        }
        for (kind, f) in &w.fixtures {
            let sees = match *kind {
                "observation" => sees_observation(&who, f),
                "document" => sees_document(&who, f),
                _ => sees_pair(&who, f),
            };
            if sees && !seen.contains(s(f, "id")) {
                failures.push(format!(
                    "GET /v1/sync as {actor}: misses {kind} {} of school {}",
                    s(f, "id"),
                    s(f, "school_id")
                ));
            }
        }
    }
    checked
}

/// Writes of a caller whose session ended (logout, or the user deleted) with an
/// `Idempotency-Key` used before: 401, as on every route, not the remembered answer.
#[tokio::test]
async fn a_revoked_token_gets_no_replayed_answer() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    add_member(&app, &admin, &school, "13700099999", &["teacher"])
        .await
        .expect_status(201);
    let teacher = app.demo(TEACHER_A).await;
    let leaving = app.login("13700099999", PASSWORD).await;
    let body = new_document(&school, "lesson_plan");
    let leaving_body = new_document(&school, "lesson_plan");
    let write = |s: &Session, body: &Value| {
        app.post("/v1/documents")
            .token(&s.token)
            .header("idempotency-key", "authz-replay")
            .json(body.clone())
            .send()
    };
    write(&teacher, &body).await.expect_status(201);
    write(&leaving, &leaving_body).await.expect_status(201);

    app.post("/v1/auth/logout")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(204);
    write(&teacher, &body)
        .await
        .expect_problem(401, "token_revoked");

    app.delete(&format!("/v1/users/{}", leaving.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_status(204);
    write(&leaving, &leaving_body)
        .await
        .expect_problem(401, "account_disabled");
}

/// Requests about another school's records used to be validated before they were authorized
/// (issue 26, item 11): a bad body for another school's members answered 422, another school's
/// user's archive without its query 400, so a caller learned the shape of a route it may not
/// use. The caller is now authorized first: 404 for what it may not see, whatever the body.
#[tokio::test]
async fn another_schools_records_answer_404_whatever_the_body() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let stranger = app.demo(PRINCIPAL_B).await;
    let school = principal.school_id();
    let o = crate::observations::create(&app, &principal, &lesson(&school, teacher.id(), 2, 40))
        .await
        .expect_status(201);
    let o = o.str("id").to_string();
    let d = crate::documents::create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let d = d.str("id").to_string();
    let groups = app
        .get(&format!("/v1/schools/{school}/groups"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let g = groups.items()[0]["id"].as_str().unwrap().to_string();
    let pair = app
        .get("/v1/mentorships")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let pair = pair.items()[0]["id"].as_str().unwrap().to_string();
    let bad = json!({ "name": 7, "phone": "x", "items": "none", "members": 1, "reason": [] });
    let cases: Vec<(Method, String)> = vec![
        (Method::POST, format!("/v1/schools/{school}/members")),
        (Method::PUT, format!("/v1/schools/{school}/rubric")),
        (Method::POST, format!("/v1/schools/{school}/groups")),
        (Method::PATCH, format!("/v1/groups/{g}")),
        (Method::PUT, format!("/v1/groups/{g}/members")),
        (Method::POST, format!("/v1/groups/{g}/meetings")),
        (Method::PATCH, format!("/v1/observations/{o}")),
        (Method::POST, format!("/v1/observations/{o}/corrections")),
        (Method::POST, format!("/v1/documents/{d}/reviews")),
        (Method::PUT, format!("/v1/documents/{d}/pages/order")),
        (Method::POST, format!("/v1/mentorships/{pair}/end")),
        (Method::POST, format!("/v1/mentorships/{pair}/activities")),
        (Method::POST, format!("/v1/mentorships/{pair}/evaluations")),
    ];
    let mut wrong = Vec::new();
    for (method, path) in cases {
        for body in [bad.clone(), json!("not an object")] {
            let res = app
                .call(method.clone(), &path)
                .token(&stranger.token)
                .header("if-match", "*")
                .json(body)
                .send()
                .await;
            if (res.status, res.code()) != (404, "not_found") {
                wrong.push(format!("{method} {path}: {} {}", res.status, res.code()));
            }
        }
    }
    let archive = app
        .get(&format!("/v1/users/{}/archive", teacher.id()))
        .token(&stranger.token)
        .send()
        .await;
    if archive.status != 404 {
        wrong.push(format!("archive without its query: {}", archive.status));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every group of school A with its people, as the admin lists them.
async fn all_groups(w: &World) -> Vec<(String, Vec<String>)> {
    let mut groups = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/v1/schools/{}/groups?limit=200{cursor}", w.school_a);
        let page = w
            .call(Method::GET, &path, ADMIN)
            .send()
            .await
            .expect_status(200);
        for g in page.items() {
            let people = g["members"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| s(m, "user_id").to_string())
                .collect();
            groups.push((s(g, "id").to_string(), people));
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return groups,
        }
    }
}
