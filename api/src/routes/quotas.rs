//! Quota rules per district, a person's progress against them, and compliance reports for a
//! school and a district (JSON, or CSV for spreadsheets).

use super::group_progress::{group_rows, school_items, GroupRow, UnitProgressView};
use super::Router;
use crate::auth::{Caller, Verified};
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::Body;
use crate::reference::Reference;
use crate::state::AppState;
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tingke_models::calendar::{self, Calendar};
use tingke_models::members::{self, Member, MemberScope};
use tingke_models::observations::{self as obs, CountScope, Days, Side, Sums};
use tingke_models::quotas::{
    self, Activity, GroupKind, Period, QuotaRule, RuleSpec, Source, Target, Window,
};
use tingke_models::roles::{Qualifier, Role};
use tingke_models::terms::{self, Term};
use tingke_models::{districts, mentorships, schools, users, DbConn};
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/quota-rules/defaults", default_rules)
        .add(Method::GET, "/v1/districts/{id}/quota-rules", list_rules)
        .add(Method::PUT, "/v1/districts/{id}/quota-rules", replace_rules)
        .add(
            Method::GET,
            "/v1/schools/{id}/quota-rules",
            list_school_rules,
        )
        .add(
            Method::PUT,
            "/v1/schools/{id}/quota-rules",
            replace_school_rules,
        )
        .add(Method::GET, "/v1/quotas/progress", progress)
        .add(
            Method::GET,
            "/v1/schools/{id}/compliance",
            school_compliance,
        )
        .add(
            Method::GET,
            "/v1/districts/{id}/compliance",
            district_compliance,
        )
        .add(
            Method::GET,
            "/v1/schools/{id}/compliance.csv",
            school_compliance,
        )
        .add(
            Method::GET,
            "/v1/districts/{id}/compliance.csv",
            district_compliance,
        );
}

#[derive(Debug, Serialize)]
struct RuleView {
    id: String,
    district_id: String,
    /// Set on a school's own rules.
    school_id: Option<String>,
    source: Source,
    target: &'static str,
    role: Option<Role>,
    qualifier: Option<Qualifier>,
    group_kind: Option<GroupKind>,
    activity: Activity,
    period: Period,
    minimum: i32,
    feedback_min_chars: Option<i32>,
}

impl From<QuotaRule> for RuleView {
    fn from(r: QuotaRule) -> RuleView {
        RuleView {
            source: r.source(),
            id: r.id,
            district_id: r.district_id,
            school_id: r.school_id,
            target: r.spec.target.name(),
            role: r.spec.target.role(),
            qualifier: r.spec.qualifier,
            group_kind: r.spec.target.group_kind(),
            activity: r.spec.activity,
            period: r.spec.period,
            minimum: r.spec.minimum,
            feedback_min_chars: r.spec.feedback_min_chars,
        }
    }
}

/// A rule as the policy sets it for a new district (POLICY.md), before anyone changes it.
#[derive(Debug, Serialize)]
struct DefaultRuleView {
    target: &'static str,
    role: Option<Role>,
    qualifier: Option<Qualifier>,
    group_kind: Option<GroupKind>,
    activity: Activity,
    period: Period,
    minimum: i32,
    feedback_min_chars: Option<i32>,
}

impl From<RuleSpec> for DefaultRuleView {
    fn from(spec: RuleSpec) -> DefaultRuleView {
        DefaultRuleView {
            target: spec.target.name(),
            role: spec.target.role(),
            qualifier: spec.qualifier,
            group_kind: spec.target.group_kind(),
            activity: spec.activity,
            period: spec.period,
            minimum: spec.minimum,
            feedback_min_chars: spec.feedback_min_chars,
        }
    }
}

/// The policy's default rules, which a new district starts with: shown beside a district's or
/// a school's own, so whoever changes a rule sees what the policy asks. Anyone logged in.
async fn default_rules(_caller: Caller) -> ApiResult<HttpResponse> {
    let items = quotas::default_rules()
        .into_iter()
        .map(DefaultRuleView::from)
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[derive(Debug, Serialize)]
struct Items<T> {
    items: Vec<T>,
}

/// The rule set's entity tag: a replacement gives every rule a new id, and a migration may
/// change a rule in place, so what each rule asks is in it too.
fn rules_tag(rules: &[QuotaRule]) -> String {
    let mut digest = Sha256::new();
    for r in rules {
        digest.update(format!("{}:{:?};", r.id, r.spec));
    }
    format!("\"rules.{}\"", hex::encode(&digest.finalize()[..12]))
}

/// The district's own rules, and the school's if one is named.
fn rules_for(rules: Vec<QuotaRule>, school_id: Option<&str>) -> Vec<QuotaRule> {
    rules
        .into_iter()
        .filter(|r| r.school_id.is_none() || r.school_id.as_deref() == school_id)
        .collect()
}

fn rules_response(rules: Vec<QuotaRule>) -> HttpResponse {
    let tag = rules_tag(&rules);
    let items = rules.into_iter().map(RuleView::from).collect();
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(Items { items })
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TargetName {
    Person,
    Group,
    School,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct RuleInput {
    /// `person` when absent: rules written before groups and schools had rules stay valid.
    target: Option<TargetName>,
    role: Option<Role>,
    /// Only holders of the role with this qualifier (a person rule of the qualifier's role).
    qualifier: Option<Qualifier>,
    group_kind: Option<GroupKind>,
    activity: Activity,
    period: Period,
    #[validate(range(min = 1, max = 1000, code = "invalid_quota_rule"))]
    minimum: i32,
    /// Written feedback an observation needs to count for the rule, in characters.
    #[validate(range(min = 1, max = 5000, code = "invalid_quota_rule"))]
    feedback_min_chars: Option<i32>,
}

impl RuleInput {
    /// The rule, if its target is named whole: a role for people, a kind for groups, nothing
    /// more for schools.
    fn spec(self) -> Option<RuleSpec> {
        let target = match (
            self.target.unwrap_or(TargetName::Person),
            self.role,
            self.group_kind,
        ) {
            (TargetName::Person, Some(role), None) => Target::Person(role),
            (TargetName::Group, None, Some(kind)) => Target::Group(kind),
            (TargetName::School, None, None) => Target::School,
            _ => return None,
        };
        Some(RuleSpec {
            target,
            qualifier: self.qualifier,
            activity: self.activity,
            period: self.period,
            minimum: self.minimum,
            feedback_min_chars: self.feedback_min_chars,
        })
    }
}

/// The rules of a request, each whole and consistent, none twice.
fn checked_specs(update: RulesUpdate) -> ApiResult<Vec<RuleSpec>> {
    let specs: Vec<RuleSpec> = update
        .rules
        .into_iter()
        .map(RuleInput::spec)
        .collect::<Option<_>>()
        .ok_or_else(|| {
            ApiError::field(
                "invalid_quota_rule",
                "rules",
                "a rule names a role (target person, the default), a group_kind (target group), \
                 or neither (target school)",
            )
        })?;
    if let Some(odd) = specs.iter().find(|s| !s.is_consistent()) {
        return Err(ApiError::field(
            "invalid_quota_rule",
            "rules",
            format!(
                "{} cannot have this activity or period: mentor and apprentice rules count pair \
                 activities per term, other roles observations; a preparation group collective \
                 preparations, subject and grade groups research activities; a school open \
                 weeks per term or year",
                target_name(odd.target)
            ),
        ));
    }
    if let Some(odd) = specs.iter().find(|s| !s.qualifier_fits()) {
        return Err(ApiError::field(
            "invalid_quota_rule",
            "rules",
            format!(
                "{} cannot carry this qualifier: in_charge_of_teaching qualifies a vice_principal, \
                 experienced a teacher",
                target_name(odd.target)
            ),
        ));
    }
    if let Some(d) = quotas::duplicate(&specs) {
        return Err(ApiError::field(
            "duplicate_quota_rule",
            "rules",
            format!(
                "{} has two rules for the same activity and period",
                target_name(d.target)
            ),
        ));
    }
    Ok(specs)
}

#[derive(Debug, Deserialize, Validate)]
struct RulesUpdate {
    #[validate(length(max = 100, code = "invalid_length"), nested)]
    rules: Vec<RuleInput>,
}

async fn list_rules(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if !caller.can_view_district(&id) {
        return Err(ApiError::not_found());
    }
    let rules = state
        .read(move |conn| {
            districts::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
            Ok(rules_for(quotas::list(conn, &id)?, None))
        })
        .await?;
    if let Some(not_modified) = etag::not_modified(&req, &rules_tag(&rules)) {
        return Ok(not_modified);
    }
    Ok(rules_response(rules))
}

async fn replace_rules(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<RulesUpdate>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    if !caller.can_view_district(&id) {
        return Err(ApiError::not_found());
    }
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let specs = checked_specs(body.read()?)?;
    let district_id = id.clone();
    let rules = state
        .write(move |conn| {
            districts::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
            // Two admins saving at once take turns; a stale `If-Match` is refused.
            tingke_models::db::lock_key(conn, &id)?;
            let before = rules_for(quotas::list(conn, &id)?, None);
            etag::check_match(if_match.as_deref(), &rules_tag(&before))?;
            let rules = quotas::replace(conn, &id, None, &specs, tingke_models::now())?;
            Ok(rules_for(rules, None))
        })
        .await?;
    state.reference.forget(&district_id);
    Ok(rules_response(rules))
}

/// The rules that bind a school's people: the district's and the school's own.
async fn list_school_rules(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let school = super::schools::visible_school(&caller, &state, id.into_inner()).await?;
    let rules = state
        .read(move |conn| {
            let all = quotas::list(conn, &school.district_id)?;
            Ok(rules_for(all, Some(&school.id)))
        })
        .await?;
    if let Some(not_modified) = etag::not_modified(&req, &rules_tag(&rules)) {
        return Ok(not_modified);
    }
    Ok(rules_response(rules))
}

/// Replaces a school's own rules. Its principal, vice principals and deans set them, each
/// stricter than the district's rules of the same duty (`rules::quotas::school_rule`) and only
/// for its people's observations; the district's rules stay as they are.
async fn replace_school_rules(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<RulesUpdate>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match(&req);
    let school = super::schools::visible_school(&caller, &state, id.into_inner()).await?;
    if !caller.is_senior_leader(&school.id) {
        return Err(ApiError::forbidden());
    }
    let specs = checked_specs(body.read()?)?;
    if let Some(odd) = specs.iter().find(|s| !quotas::school_may_set(s)) {
        return Err(ApiError::field(
            "invalid_quota_rule",
            "rules",
            format!(
                "{}: a school's own rules bind its people's observations (observations, \
                 unannounced_observations, report_lessons_given); other rules are the district's",
                target_name(odd.target)
            ),
        ));
    }
    let district_id = school.district_id.clone();
    let rules = state
        .write(move |conn| {
            // The district's rules and the school's change under one key: a school's rule is
            // judged against the district's rules as they are when it is saved.
            tingke_models::db::lock_key(conn, &school.district_id)?;
            let all = quotas::list(conn, &school.district_id)?;
            let district: Vec<RuleSpec> = all
                .iter()
                .filter(|r| r.school_id.is_none())
                .map(|r| r.spec.clone())
                .collect();
            let before = rules_for(all, Some(&school.id));
            etag::check_match(if_match.as_deref(), &rules_tag(&before))?;
            let kept = specs
                .iter()
                .map(|s| quotas::school_rule(s, &district).map_err(|d| not_stricter(s, &d)))
                .collect::<ApiResult<Vec<RuleSpec>>>()?;
            let now = tingke_models::now();
            let rules = quotas::replace(conn, &school.district_id, Some(&school.id), &kept, now)?;
            Ok(rules_for(rules, Some(&school.id)))
        })
        .await?;
    state.reference.forget(&district_id);
    Ok(rules_response(rules))
}

/// A school's rule that asks no more than the district's rule of the same duty.
fn not_stricter(school: &RuleSpec, district: &RuleSpec) -> ApiError {
    ApiError::field(
        "school_rule_not_stricter",
        "rules",
        format!(
            "the district asks {} of {} a {}{}: a school's rule may ask more, over a shorter \
             period or with longer written feedback, never less",
            district.minimum,
            target_name(school.target),
            period_name(district.period),
            district
                .feedback_min_chars
                .map(|n| format!(" with {n} characters of written feedback"))
                .unwrap_or_default(),
        ),
    )
}

fn period_name(period: Period) -> &'static str {
    match period {
        Period::Week => "week",
        Period::Term => "term",
        Period::SchoolYear => "school year",
    }
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct ProgressView {
    rule_id: String,
    /// Set on the rules of a mentor-apprentice pair.
    mentorship_id: Option<String>,
    /// Whether the rule is the district's or the person's school's own.
    source: Source,
    role: Role,
    /// The qualifier the rule asks of the role, if any.
    qualifier: Option<Qualifier>,
    activity: Activity,
    period: Period,
    required: i64,
    done: i64,
    remaining: i64,
    weeks_missed: Option<i64>,
    /// For a weekly rule while its period runs: this week's done of required.
    this_week: Option<quotas::ThisWeek>,
    on_pace: bool,
    /// Counted observations of the period recorded late: in `done` for term and school-year
    /// rules, never in a weekly rule's weeks.
    late: i64,
    period_starts_on: NaiveDate,
    period_ends_on: NaiveDate,
}

/// The windows of a term's rules: the term itself, and its whole school year; and the term's
/// calendar entries, which say which of its weeks are teaching weeks.
pub(super) struct Windows {
    pub(super) term: Window,
    pub(super) year: Window,
    pub(super) entries: Vec<calendar::Entry>,
}

impl Windows {
    /// The window of a rule of `period`: weekly rules are met week by week through the term.
    pub(super) fn of(&self, period: Period) -> Window {
        match period {
            Period::Week | Period::Term => self.term,
            Period::SchoolYear => self.year,
        }
    }

    /// The term's calendar at a school (the district's entries and the school's days off), or
    /// the district's alone for its staff.
    pub(super) fn calendar(&self, school_id: Option<&str>) -> Calendar {
        calendar::calendar_of(&self.entries, school_id)
    }
}

/// How a rule's target is named in messages.
fn target_name(target: Target) -> String {
    match target {
        Target::Person(role) => role.as_str().to_string(),
        Target::Group(kind) => format!("a {} group", kind.as_str()),
        Target::School => "a school".to_string(),
    }
}

fn date(s: &str) -> ApiResult<NaiveDate> {
    crate::validate::parse_date(s).ok_or_else(|| ApiError::internal(format!("bad date {s}")))
}

/// The term's own window: its term and weekly rules' period.
pub(super) fn term_window(term: &Term) -> ApiResult<Window> {
    Ok(Window {
        starts_on: date(&term.starts_on)?,
        ends_on: date(&term.ends_on)?,
    })
}

/// The windows of a term, given every term of its school year and its calendar.
fn windows_of(term: &Term, year: &[Term], entries: &[calendar::Entry]) -> ApiResult<Windows> {
    let term_window = term_window(term)?;
    let starts = year.iter().map(|t| t.starts_on.as_str()).min();
    let ends = year.iter().map(|t| t.ends_on.as_str()).max();
    Ok(Windows {
        term: term_window,
        year: Window {
            starts_on: starts
                .map(date)
                .transpose()?
                .unwrap_or(term_window.starts_on),
            ends_on: ends.map(date).transpose()?.unwrap_or(term_window.ends_on),
        },
        entries: entries.to_vec(),
    })
}

/// A term and its windows; the term and its school year are read in one query, its calendar in
/// another, and kept for a second.
pub(super) fn find_term_with_windows(
    conn: &mut DbConn,
    reference: &Reference,
    term_id: &str,
) -> ApiResult<(Term, Windows)> {
    let kept = reference.terms.get_or_load(term_id, || {
        let Some((term, year)) = terms::with_school_year(conn, term_id)? else {
            return Ok(None);
        };
        let entries = calendar::of_term(conn, term_id)?;
        Ok(Some((term.district_id.clone(), (term, year, entries))))
    })?;
    let (term, year, entries) = kept.as_deref().ok_or_else(term_not_found)?;
    Ok((term.clone(), windows_of(term, year, entries)?))
}

/// A district's quota rules, kept for a second.
pub(super) fn rules_of(
    conn: &mut DbConn,
    reference: &Reference,
    district_id: &str,
) -> ApiResult<Arc<Vec<QuotaRule>>> {
    let kept = reference.rules.get_or_load(district_id, || {
        Ok(Some((
            district_id.to_string(),
            quotas::list(conn, district_id)?,
        )))
    })?;
    Ok(kept.unwrap_or_default())
}

const UNANNOUNCED: &str = "unannounced";
const REPORT_LESSON: &str = "report_lesson";
/// The open lessons a person gives: every announced kind but the report lesson (公开课).
const OPEN_LESSONS: [&str; 4] = [
    "research",
    "open_lesson",
    "demonstration",
    "open_week_lesson",
];
/// Every kind of lesson a person is counted for giving.
const GIVEN_KINDS: [&str; 5] = [
    REPORT_LESSON,
    "research",
    "open_lesson",
    "demonstration",
    "open_week_lesson",
];

/// Which observations an activity counts: whose side, and of which kinds if not all.
fn counted_as(activity: Activity) -> Option<(Side, Option<&'static [&'static str]>)> {
    match activity {
        Activity::Observations => Some((Side::Made, None)),
        Activity::UnannouncedObservations => Some((Side::Made, Some(&[UNANNOUNCED]))),
        Activity::ReportLessonsGiven => Some((Side::Given, Some(&[REPORT_LESSON]))),
        Activity::OpenLessonsGiven => Some((Side::Given, Some(&OPEN_LESSONS))),
        Activity::DemonstrationLessonsGiven => Some((Side::Given, Some(&["demonstration"]))),
        // Pair activities are counted from the pair's log, groups' from their meetings,
        // schools' from their open weeks: not from observations.
        Activity::MentorObserves
        | Activity::ApprenticeObserves
        | Activity::Guidance
        | Activity::ResearchActivities
        | Activity::CollectivePreparations
        | Activity::OpenWeeks => None,
    }
}

const COUNTED: [Activity; 5] = [
    Activity::Observations,
    Activity::UnannouncedObservations,
    Activity::ReportLessonsGiven,
    Activity::OpenLessonsGiven,
    Activity::DemonstrationLessonsGiven,
];

/// The activities an observation of `kind` counts for, on one side of it.
fn activities_of(side: Side, kind: &str) -> impl Iterator<Item = Activity> + '_ {
    COUNTED.into_iter().filter(move |a| {
        counted_as(*a).is_some_and(|(s, k)| s == side && k.is_none_or(|k| k.contains(&kind)))
    })
}

/// The activities an observation of `kind` counts for its observer.
pub(super) fn made_activities(kind: &str) -> Vec<Activity> {
    activities_of(Side::Made, kind).collect()
}

/// A person's counted observations for one activity.
#[derive(Debug, Default)]
struct Count {
    year: i64,
    term: i64,
    /// Of them, the late ones (`rules::counting`).
    late_year: i64,
    late_term: i64,
    /// The days in the term, one entry per observation on time; weekly rules need them.
    term_days: Vec<NaiveDate>,
}

impl Count {
    /// One observation on `day`.
    fn add_day(&mut self, day: NaiveDate, late: bool, w: &Windows) {
        let (in_year, in_term) = (w.year.contains(day), w.term.contains(day));
        self.add(&Sums {
            total: i64::from(in_year),
            in_part: i64::from(in_term),
            late: i64::from(in_year && late),
            late_in_part: i64::from(in_term && late),
        });
        if in_term && !late {
            self.term_days.push(day);
        }
    }

    /// Counts over the school year and, in part of it, the term.
    fn add(&mut self, sums: &Sums) {
        self.year += sums.total;
        self.term += sums.in_part;
        self.late_year += sums.late;
        self.late_term += sums.late_in_part;
    }

    /// The late ones among those counted in `period`.
    fn late_in(&self, period: Period) -> i64 {
        match period {
            Period::SchoolYear => self.late_year,
            Period::Term | Period::Week => self.late_term,
        }
    }
}

/// Counted observations per person and activity.
#[derive(Debug, Default)]
struct Counts {
    of: HashMap<(String, Activity), Count>,
}

impl Counts {
    fn entry(&mut self, user_id: &str, activity: Activity) -> &mut Count {
        self.of.entry((user_id.to_string(), activity)).or_default()
    }

    fn add(&mut self, user_id: &str, activity: Activity, sums: &Sums) {
        self.entry(user_id, activity).add(sums);
    }

    fn get(&self, user_id: &str, activity: Activity) -> Option<&Count> {
        self.of.get(&(user_id.to_string(), activity))
    }

    /// One person's, from their rows in the district: a few dozen (what they made, the report
    /// lessons they gave), read in one query on PostgreSQL and two on SQLite.
    fn of_person(
        conn: &mut DbConn,
        district_id: &str,
        user_id: &str,
        w: &Windows,
    ) -> ApiResult<Counts> {
        // The school year contains the term.
        let year = Days::from(w.year);
        let mut counts = Counts::default();
        for row in obs::days_of_person(conn, district_id, user_id, &GIVEN_KINDS, &year)? {
            let Some(day) = crate::validate::parse_date(&row.day) else {
                continue;
            };
            for activity in row.sides().flat_map(|side| activities_of(side, &row.kind)) {
                counts.entry(user_id, activity).add_day(day, row.late, w);
            }
        }
        Ok(counts)
    }

    /// Everyone's in a scope, summed in the database (a district's year is a million rows), with
    /// days only for the activities of weekly rules.
    fn of_scope(
        conn: &mut DbConn,
        (scope, people): (CountScope, &[members::Member]),
        rules: &[QuotaRule],
        w: &Windows,
    ) -> ApiResult<Counts> {
        let (year, term) = (Days::from(w.year), Days::from(w.term));
        let mut counts = Counts::default();
        // One scan of what each observer made (and of it, the unannounced), one per kind of
        // lesson given that a rule counts. `counted_as` says the same for one person's rows.
        let made = obs::tally(conn, scope, Side::Made, None, UNANNOUNCED, &year, &term)?;
        for t in made {
            counts.add(&t.person, Activity::Observations, &t.all);
            counts.add(&t.person, Activity::UnannouncedObservations, &t.of_kind);
        }
        // The lessons given: report lessons always (every teacher's rule), the others only
        // when a rule counts them.
        let given = COUNTED.into_iter().filter(|a| {
            *a == Activity::ReportLessonsGiven || rules.iter().any(|r| r.spec.activity == *a)
        });
        for activity in given {
            let Some((Side::Given, only)) = counted_as(activity) else {
                continue;
            };
            // Open and demonstration lessons are asked of a few (researchers, experienced
            // teachers): counted for the holders of the rules' roles only, not for the district
            // (they were 434 ms of figure 4 counted for everyone).
            let holders = match activity {
                Activity::ReportLessonsGiven => None,
                _ => Some(holders_of(people, rules, activity)),
            };
            let scope = match (&holders, scope) {
                (None, scope) => scope,
                (Some(ids), CountScope::District(d) | CountScope::People(d, _)) => {
                    CountScope::People(d, ids)
                }
            };
            if holders.as_ref().is_some_and(Vec::is_empty) {
                continue;
            }
            let of_kind = REPORT_LESSON;
            for t in obs::tally(conn, scope, Side::Given, only, of_kind, &year, &term)? {
                counts.add(&t.person, activity, &t.all);
            }
        }
        counts.add_days_for_weekly_rules(conn, scope, rules, &term)?;
        Ok(counts)
    }

    /// The days of the term on which each person did an activity that a weekly rule counts, late
    /// ones left out: they never fill a past week.
    fn add_days_for_weekly_rules(
        &mut self,
        conn: &mut DbConn,
        scope: CountScope,
        rules: &[QuotaRule],
        term: &Days,
    ) -> ApiResult<()> {
        let weekly = COUNTED.into_iter().filter(|a| {
            rules
                .iter()
                .any(|r| r.spec.activity == *a && r.spec.period == Period::Week)
        });
        for activity in weekly {
            let Some((side, kind)) = counted_as(activity) else {
                continue;
            };
            for (person, day, n) in obs::per_day_on_time(conn, scope, side, kind, term)? {
                let Some(day) = crate::validate::parse_date(&day) else {
                    continue;
                };
                let c = self.entry(&person, activity);
                c.term_days.extend(std::iter::repeat_n(day, n as usize));
            }
        }
        Ok(())
    }
}

/// The people of `people` who hold a role that a rule counting `activity` names.
fn holders_of(people: &[members::Member], rules: &[QuotaRule], activity: Activity) -> Vec<String> {
    let roles: Vec<Role> = rules
        .iter()
        .filter(|r| r.spec.activity == activity)
        .filter_map(|r| r.spec.target.role())
        .collect();
    let mut ids: Vec<String> = people
        .iter()
        .filter(|p| p.membership.roles.iter().any(|r| roles.contains(r)))
        .map(|p| p.membership.user_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Progress of one person against every rule that binds one of their memberships (the
/// district's rules of their roles, their school's own, each once).
///
/// `at` is the person's school's calendar (`school_calendar`): its teaching weeks are the weeks
/// of their weekly rules, its school days the pace of their term rules.
fn person_progress(
    rules: &[QuotaRule],
    of: &[&members::Membership],
    (windows, at): (&Windows, &SchoolTerm),
    counts: &Counts,
    user_id: &str,
    today: NaiveDate,
) -> Vec<ProgressView> {
    let calendar = &at.calendar;
    let none = Count::default();
    rules
        .iter()
        .filter(|r| !r.spec.activity.is_pair_activity())
        .filter_map(|r| Some((r, of.iter().find_map(|m| r.binds(&m.holding()))?)))
        .map(|(r, role)| {
            let c = counts.get(user_id, r.spec.activity).unwrap_or(&none);
            let window = windows.of(r.spec.period);
            let p = match r.spec.period {
                Period::Week => quotas::progress(&r.spec, window, &c.term_days, today, calendar),
                // A term's pace follows its school days; a school year's the days of the year
                // (the calendar known here is this term's).
                Period::Term => {
                    quotas::progress_of_count(&r.spec, window, c.term, today, Some(at.term_share))
                }
                Period::SchoolYear => {
                    quotas::progress_of_count(&r.spec, window, c.year, today, None)
                }
            };
            progress_view(r, role, window, p, None).with_late(c.late_in(r.spec.period))
        })
        .collect()
}

impl ProgressView {
    fn with_late(mut self, late: i64) -> ProgressView {
        self.late = late;
        self
    }

    pub(super) fn is_on_pace(&self) -> bool {
        self.on_pace
    }

    pub(super) fn activity_label(&self) -> &'static str {
        activity_label(self.activity)
    }

    pub(super) fn required(&self) -> i64 {
        self.required
    }

    pub(super) fn done(&self) -> i64 {
        self.done
    }

    pub(super) fn remaining(&self) -> i64 {
        self.remaining
    }
}

fn progress_view(
    rule: &QuotaRule,
    role: Role,
    window: Window,
    p: quotas::Progress,
    mentorship_id: Option<&str>,
) -> ProgressView {
    ProgressView {
        rule_id: rule.id.clone(),
        mentorship_id: mentorship_id.map(str::to_string),
        source: rule.source(),
        role,
        qualifier: rule.spec.qualifier,
        activity: rule.spec.activity,
        period: rule.spec.period,
        required: p.required,
        done: p.done,
        remaining: p.remaining,
        weeks_missed: p.weeks_missed,
        this_week: p.this_week,
        on_pace: p.on_pace,
        late: 0,
        period_starts_on: window.starts_on,
        period_ends_on: window.ends_on,
    }
}

pub(super) use tingke_models::mentorships::ActivityDay as PairActivity;

/// Progress of a pair against the pair rules of one side (`Mentor` or `Apprentice`), or of both
/// sides when `side` is None. An observation linked more than once counts once.
pub(super) fn pair_progress(
    rules: &[QuotaRule],
    pair_id: &str,
    side: Option<Role>,
    term: Window,
    activities: &[PairActivity],
    today: NaiveDate,
) -> Vec<ProgressView> {
    rules
        .iter()
        .filter(|r| r.spec.activity.is_pair_activity())
        .filter_map(|r| Some((r, r.spec.target.role()?)))
        .filter(|(_, role)| side.is_none_or(|s| s == *role))
        .map(|(r, role)| {
            let kind = match r.spec.activity {
                Activity::MentorObserves => "mentor_observes",
                Activity::ApprenticeObserves => "apprentice_observes",
                _ => "guidance",
            };
            let mut seen = BTreeSet::new();
            let days: Vec<NaiveDate> = activities
                .iter()
                .filter(|(m, k, _, _)| m == pair_id && k == kind)
                .filter(|(_, _, _, obs)| obs.as_ref().is_none_or(|o| seen.insert(o.clone())))
                .filter_map(|(_, _, day, _)| crate::validate::parse_date(day))
                .collect();
            // Pair rules are per term (`RuleSpec::is_consistent`): no week of the calendar
            // matters to them.
            let p = quotas::progress(&r.spec, term, &days, today, &Calendar::default());
            progress_view(r, role, term, p, Some(pair_id))
        })
        .collect()
}

pub(super) fn today() -> NaiveDate {
    obs::local_date(tingke_models::now())
}

/// The term of a district that today falls in, if any (kept for a second: `Reference`).
pub(super) fn current_term(
    conn: &mut DbConn,
    reference: &Reference,
    district_id: &str,
) -> ApiResult<Option<Term>> {
    let today = today().to_string();
    let kept = reference
        .current
        .get_or_load(&format!("{district_id}|{today}"), || {
            let term = terms::containing(conn, district_id, &today)?;
            Ok(term.map(|t| (district_id.to_string(), t)))
        })?;
    Ok(kept.map(|t| Term::clone(&t)))
}

/// No term of the caller's (or the person's) district contains today, and none was named.
pub(super) fn no_current_term() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_current_term")
        .detail("no term of the district contains today; name one with term_id")
}

pub(super) fn find_term(conn: &mut DbConn, term_id: &str) -> ApiResult<Term> {
    terms::find(conn, term_id)?.ok_or_else(term_not_found)
}

pub(super) fn term_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "term_not_found")
}

#[derive(Debug, Deserialize)]
struct ProgressQuery {
    /// The term today falls in, in the person's district, when absent.
    term_id: Option<String>,
    user_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct ProgressList {
    user_id: String,
    term_id: String,
    items: Vec<ProgressView>,
}

/// A person's progress is theirs, and their leaders' (the principal, vice principals and deans
/// of their school, the leader of a grade group they are in), the researchers' of their district
/// and admins'. `of` holds the person's memberships in the term's district: a researcher sees
/// only the people of that district.
fn may_see_progress(
    caller: &Caller,
    user_id: &str,
    district_id: &str,
    of: &[members::Membership],
) -> bool {
    caller.id() == user_id
        || caller.is_admin()
        || (!of.is_empty() && caller.is_district_staff(district_id))
        || of
            .iter()
            .filter_map(|m| m.school_id.as_deref())
            .any(|s| caller.is_senior_leader(s) || caller.reads_person(s, user_id))
}

async fn progress(
    verified: Verified,
    state: web::Data<AppState>,
    query: web::Query<ProgressQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    if let Some(json) = own_progress_kept(&verified, &state, &q) {
        return Ok(progress_answer(json));
    }
    let reference = state.reference.clone();
    let kept = state.progress.clone();
    let json = state
        .read(move |conn| {
            let caller = Caller::load(conn, &verified)?;
            let user_id = q.user_id.unwrap_or_else(|| caller.id().to_string());
            let term_id = match q.term_id {
                Some(id) => id,
                None => current_term_id(conn, &reference, &caller, &user_id)?,
            };
            let (term, windows) = find_term_with_windows(conn, &reference, &term_id)?;
            if !caller.can_view_district(&term.district_id) {
                return Err(term_not_found());
            }
            // The caller's own account and memberships were read with the caller.
            let of = match user_id == caller.id() {
                true => in_district(&caller.memberships, &term),
                false => {
                    users::find_active(conn, &user_id)?.ok_or_else(ApiError::not_found)?;
                    in_district(&members::for_user(conn, &user_id)?, &term)
                }
            };
            if !may_see_progress(&caller, &user_id, &term.district_id, &of) {
                return Err(ApiError::not_found());
            }
            // Who may see it is decided above on every request; only the counting is kept.
            let district = &term.district_id;
            kept.get_or_count((&user_id, &term.id, today()), district, || {
                let list = progress_in(conn, &reference, &user_id, &of, &term, &windows)?;
                let json = serde_json::to_vec(&list).map_err(ApiError::internal)?;
                Ok(json.into())
            })
        })
        .await?;
    Ok(progress_answer(json))
}

fn progress_answer(json: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json)
}

/// A person's own progress in a named term when both they (their live session, read within the
/// keeping time) and the progress are kept: answered without a database connection, as the
/// full path would answer it. A kept progress was counted after the term was found; the caller
/// may read it when they may read the term's district, as the full path checks; any write since
/// would have dropped it. Taking a pooled connection on a blocking thread was most of what a
/// kept answer cost (figure 3 of `BENCHMARKS.md`).
fn own_progress_kept(verified: &Verified, state: &AppState, q: &ProgressQuery) -> Option<Bytes> {
    let caller = verified.fresh()?;
    let own = q.user_id.as_deref().is_none_or(|u| u == caller.id());
    if !own || caller.user.password_change_required {
        return None;
    }
    let term = q.term_id.as_deref()?;
    let (district, json) = state.progress.fresh((caller.id(), term, today()))?;
    caller.can_view_district(&district).then_some(json)
}

/// The term today falls in, in the first of the person's districts that has one.
fn current_term_id(
    conn: &mut DbConn,
    reference: &Reference,
    caller: &Caller,
    user_id: &str,
) -> ApiResult<String> {
    let memberships = match user_id == caller.id() {
        true => caller.memberships.clone(),
        false => members::for_user(conn, user_id)?,
    };
    for district in memberships.iter().map(|m| m.district_id.as_str()) {
        if let Some(term) = current_term(conn, reference, district)? {
            return Ok(term.id);
        }
    }
    // About someone else, the answer says no more than before whether they exist.
    match user_id == caller.id() {
        true => Err(no_current_term()),
        false => Err(term_not_found()),
    }
}

fn in_district(memberships: &[members::Membership], term: &Term) -> Vec<members::Membership> {
    memberships
        .iter()
        .filter(|m| m.district_id == term.district_id)
        .cloned()
        .collect()
}

/// The caller's own progress in a term of one of their districts.
pub(super) fn progress_of(
    conn: &mut DbConn,
    reference: &Reference,
    caller: &Caller,
    term: &Term,
) -> ApiResult<ProgressList> {
    let of = in_district(&caller.memberships, term);
    let (_, windows) = find_term_with_windows(conn, reference, &term.id)?;
    progress_in(conn, reference, caller.id(), &of, term, &windows)
}

/// A person's progress in a term, given their memberships in its district.
fn progress_in(
    conn: &mut DbConn,
    reference: &Reference,
    user_id: &str,
    of: &[members::Membership],
    term: &Term,
    windows: &Windows,
) -> ApiResult<ProgressList> {
    let of: Vec<&members::Membership> = of.iter().collect();
    let rules = rules_of(conn, reference, &term.district_id)?;
    let counts = Counts::of_person(conn, &term.district_id, user_id, windows)?;
    let at = SchoolTerm::of(windows, school_calendar(&of), today());
    let when = (windows, &at);
    let mut items = person_progress(&rules, &of, when, &counts, user_id, today());
    items.extend(pairs_of(conn, &rules, term, windows.term, user_id)?);
    Ok(ProgressList {
        user_id: user_id.to_string(),
        term_id: term.id.clone(),
        items,
    })
}

/// The person's pair rules, for every pair of theirs that spans the term.
fn pairs_of(
    conn: &mut DbConn,
    rules: &[QuotaRule],
    term: &Term,
    window: Window,
    user_id: &str,
) -> ApiResult<Vec<ProgressView>> {
    let pairs = mentorships::in_term(conn, &term.id, None, Some(user_id))?;
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = pairs.iter().map(|p| p.id.clone()).collect();
    let activities = mentorships::activity_days(conn, &ids, &term.id)?;
    Ok(pairs
        .iter()
        .flat_map(|p| {
            let side = match p.mentor_id == user_id {
                true => Role::Mentor,
                false => Role::Apprentice,
            };
            pair_progress(rules, &p.id, Some(side), window, &activities, today())
        })
        .collect())
}

#[derive(Debug, Serialize)]
struct ComplianceRow {
    user_id: String,
    name: String,
    school_id: Option<String>,
    roles: Vec<Role>,
    behind: bool,
    items: Vec<ProgressView>,
}

#[derive(Debug, Default, Serialize)]
struct Totals {
    people: i64,
    behind: i64,
    required: i64,
    done: i64,
    /// Late observations, summed over the rules as `done` is.
    late: i64,
}

impl Totals {
    fn add(&mut self, row: &ComplianceRow) {
        self.people += 1;
        self.behind += i64::from(row.behind);
        for item in &row.items {
            self.required += item.required;
            self.done += item.done.min(item.required);
            self.late += item.late;
        }
    }
}

/// A school's calendar in a term, and how much of the term's school days are over: worked out
/// once per school for a report.
pub(super) struct SchoolTerm {
    calendar: Calendar,
    term_share: quotas::Share,
}

impl SchoolTerm {
    fn of(windows: &Windows, school_id: Option<&str>, today: NaiveDate) -> SchoolTerm {
        let calendar = windows.calendar(school_id);
        SchoolTerm {
            term_share: quotas::school_day_share(&calendar, windows.term, today),
            calendar,
        }
    }
}

/// Whose calendar a person's weeks follow: their school's; district staff keep the district's.
fn school_calendar<'a>(of: &[&'a members::Membership]) -> Option<&'a str> {
    of.iter().find_map(|m| m.school_id.as_deref())
}

/// One row per member with at least one rule.
fn compliance_rows(
    people: Vec<Member>,
    rules: &[QuotaRule],
    windows: &Windows,
    counts: &Counts,
) -> Vec<ComplianceRow> {
    let today = today();
    // One calendar per school, not per person: a district has 200 schools and 20,000 people.
    let mut calendars: HashMap<Option<String>, SchoolTerm> = HashMap::new();
    people
        .into_iter()
        .filter_map(|m| {
            let of = [&m.membership];
            let calendar = calendars
                .entry(m.membership.school_id.clone())
                .or_insert_with(|| SchoolTerm::of(windows, school_calendar(&of), today));
            let user_id = &m.membership.user_id;
            let items = person_progress(rules, &of, (windows, calendar), counts, user_id, today);
            let user_id = m.membership.user_id;
            (!items.is_empty()).then(|| ComplianceRow {
                behind: items.iter().any(|i| !i.on_pace),
                user_id,
                name: m.name,
                school_id: m.membership.school_id,
                roles: m.membership.roles,
                items,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct ReportQuery {
    term_id: String,
    format: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DistrictReportQuery {
    term_id: String,
    format: Option<String>,
    /// Only the caller's contact schools (联系点), a researcher's.
    contact_schools: Option<bool>,
}

/// A report's `.csv` path always answers CSV (one answer type per operation, for generated
/// clients); its plain path answers CSV for `format=csv` or an `Accept` asking for it.
pub(super) fn wants_csv(req: &HttpRequest, format: Option<&str>) -> ApiResult<bool> {
    if req.path().ends_with(".csv") {
        return Ok(true);
    }
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(ApiError::bad_request("invalid_query").detail("format: json or csv")),
        None => Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"))),
    }
}

#[derive(Debug, Serialize)]
struct SchoolCompliance {
    school_id: String,
    school_name: String,
    term_id: String,
    rows: Vec<ComplianceRow>,
    totals: Totals,
    /// The groups some rule binds, against those rules.
    groups: Vec<GroupRow>,
    /// The school against the school rules.
    school: Vec<UnitProgressView>,
    /// Observations made by the school's people, teaching week by teaching week, against an even
    /// pace of what their term rules ask (on time only: late ones never fill a past week).
    weeks: Vec<quotas::WeekPace>,
}

/// The observations the school's people made, week by week through the term so far, against
/// the sum of their term rules' requirements spread evenly over the teaching weeks.
fn observation_pace(
    conn: &mut DbConn,
    scope: CountScope,
    (windows, school_id): (&Windows, &str),
    rows: &[ComplianceRow],
) -> ApiResult<Vec<quotas::WeekPace>> {
    let required = rows
        .iter()
        .flat_map(|r| &r.items)
        .filter(|i| i.activity == Activity::Observations && i.period == Period::Term)
        .map(|i| i.required)
        .sum();
    let days: Vec<(NaiveDate, i64)> =
        obs::per_day_on_time(conn, scope, Side::Made, None, &Days::from(windows.term))?
            .into_iter()
            .filter_map(|(_, day, n)| Some((crate::validate::parse_date(&day)?, n)))
            .collect();
    let weeks = windows.calendar(Some(school_id)).weeks(windows.term);
    Ok(quotas::weekly_pace(&weeks, &days, required, today()))
}

async fn school_compliance(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let csv = wants_csv(&req, q.format.as_deref())?;
    let school = super::schools::visible_school(&caller, &state, id.into_inner()).await?;
    if !(caller.is_senior_leader(&school.id) || caller.is_district_staff(&school.district_id)) {
        return Err(ApiError::forbidden());
    }
    let reference = state.reference.clone();
    let report = state
        .read(move |conn| {
            let (term, windows) = find_term_with_windows(conn, &reference, &q.term_id)?;
            if term.district_id != school.district_id {
                return Err(term_not_found());
            }
            let rules = rules_of(conn, &reference, &term.district_id)?;
            let people = members::all(conn, MemberScope::School(&school.id))?;
            let ids: Vec<String> = people
                .iter()
                .map(|m| m.membership.user_id.clone())
                .collect();
            let scope = CountScope::People(&school.district_id, &ids);
            let counts = Counts::of_scope(conn, (scope, &people), &rules, &windows)?;
            let rows = compliance_rows(people, &rules, &windows, &counts);
            let weeks = observation_pace(conn, scope, (&windows, &school.id), &rows)?;
            let mut totals = Totals::default();
            rows.iter().for_each(|r| totals.add(r));
            let groups = tingke_models::groups::all_of_school(conn, &school.id)?;
            let mut groups = group_rows(conn, &rules, groups, &windows)?;
            groups.retain(GroupRow::has_rules);
            Ok(SchoolCompliance {
                school: school_items(conn, &rules, &windows, &school.id)?,
                school_id: school.id,
                school_name: school.name,
                term_id: term.id,
                rows,
                totals,
                groups,
                weeks,
            })
        })
        .await?;
    let file = format!("compliance-{}.csv", report.term_id);
    match csv {
        true => csv_response(&report.rows, &report.groups, &file),
        false => Ok(HttpResponse::Ok().json(report)),
    }
}

#[derive(Debug, Serialize)]
struct SchoolSummary {
    school_id: String,
    school_name: String,
    people: i64,
    behind: i64,
    required: i64,
    done: i64,
    late: i64,
}

#[derive(Debug, Serialize)]
struct DistrictCompliance {
    district_id: String,
    term_id: String,
    schools: Vec<SchoolSummary>,
    researchers: Vec<ComplianceRow>,
    totals: Totals,
}

async fn district_compliance(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<DistrictReportQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let csv = wants_csv(&req, q.format.as_deref())?;
    let district_id = id.into_inner();
    if !caller.can_view_district(&district_id) {
        return Err(ApiError::not_found());
    }
    if !(caller.is_admin() || caller.is_district_staff(&district_id)) {
        return Err(ApiError::forbidden());
    }
    // A researcher's contact schools narrow the report to them (nobody else has any).
    let contact: Option<Vec<String>> = q.contact_schools.unwrap_or(false).then(|| {
        caller
            .memberships
            .iter()
            .filter(|m| m.school_id.is_none() && m.district_id == district_id)
            .flat_map(|m| m.contact_school_ids.clone())
            .collect()
    });
    let reference = state.reference.clone();
    let (report, rows) = state
        .read(move |conn| {
            districts::find(conn, &district_id)?.ok_or_else(ApiError::not_found)?;
            let (term, windows) = find_term_with_windows(conn, &reference, &q.term_id)?;
            if term.district_id != district_id {
                return Err(term_not_found());
            }
            let rules = rules_of(conn, &reference, &district_id)?;
            let people = members::all(conn, MemberScope::District(&district_id))?;
            let scope = CountScope::District(&district_id);
            let counts = Counts::of_scope(conn, (scope, &people), &rules, &windows)?;
            let mut rows = compliance_rows(people, &rules, &windows, &counts);
            let mut names = schools::names_in_district(conn, &district_id)?;
            if let Some(contact) = &contact {
                let of_contact = |s: &str| contact.iter().any(|c| c == s);
                rows.retain(|r| r.school_id.as_deref().is_some_and(of_contact));
                names.retain(|(id, _)| of_contact(id));
            }
            Ok((district_report(district_id, term.id, &rows, names), rows))
        })
        .await?;
    match csv {
        true => csv_response(&rows, &[], &format!("compliance-{}.csv", report.term_id)),
        false => Ok(HttpResponse::Ok().json(report)),
    }
}

/// Sums per school; researchers (no school) are listed one by one.
fn district_report(
    district_id: String,
    term_id: String,
    rows: &[ComplianceRow],
    school_names: Vec<(String, String)>,
) -> DistrictCompliance {
    let mut per_school: BTreeMap<String, Totals> = BTreeMap::new();
    let mut totals = Totals::default();
    let mut researchers = Vec::new();
    for row in rows {
        totals.add(row);
        match &row.school_id {
            Some(s) => per_school.entry(s.clone()).or_default().add(row),
            None => researchers.push(ComplianceRow {
                user_id: row.user_id.clone(),
                name: row.name.clone(),
                school_id: None,
                roles: row.roles.clone(),
                behind: row.behind,
                items: row.items.clone(),
            }),
        }
    }
    let schools = school_names
        .into_iter()
        .map(|(id, name)| {
            let t = per_school.remove(&id).unwrap_or_default();
            SchoolSummary {
                school_id: id,
                school_name: name,
                people: t.people,
                behind: t.behind,
                required: t.required,
                done: t.done,
                late: t.late,
            }
        })
        .collect();
    DistrictCompliance {
        district_id,
        term_id,
        schools,
        researchers,
        totals,
    }
}

/// A spreadsheet cell never starts a formula (a name like `=1+1` stays text).
pub(super) fn cell(s: &str) -> String {
    match s.starts_with(['=', '+', '-', '@']) {
        true => format!("'{s}"),
        false => s.to_string(),
    }
}

/// One line of a compliance spreadsheet: a person or a group against one rule.
pub(super) struct CsvLine<'a> {
    /// Name and id.
    pub(super) who: (&'a str, &'a str),
    pub(super) school_id: &'a str,
    /// The person's role, or the group's kind.
    pub(super) role: &'static str,
    pub(super) activity: Activity,
    pub(super) period: Period,
    /// Required, done, remaining.
    pub(super) counts: [i64; 3],
    pub(super) weeks_missed: Option<i64>,
    pub(super) on_pace: bool,
    pub(super) late: i64,
    /// Whose rule: the district's or the school's own.
    pub(super) source: Source,
}

impl CsvLine<'_> {
    pub(super) fn record(&self) -> [String; 13] {
        let [required, done, remaining] = self.counts;
        [
            cell(self.who.0),
            self.who.1.to_string(),
            self.school_id.to_string(),
            self.role.to_string(),
            activity_label(self.activity).to_string(),
            period_label(self.period).to_string(),
            required.to_string(),
            done.to_string(),
            remaining.to_string(),
            self.weeks_missed.map(|w| w.to_string()).unwrap_or_default(),
            if self.on_pace { "是" } else { "否" }.to_string(),
            self.late.to_string(),
            match self.source {
                Source::District => "区",
                Source::School => "校",
            }
            .to_string(),
        ]
    }
}

/// One line per person and rule, then per group and rule (the group's name, its kind for a
/// role), UTF-8 with a BOM so that spreadsheets read the Chinese right; the last column says
/// whether the rule is the district's (区) or the school's own (校).
fn csv_response(
    rows: &[ComplianceRow],
    groups: &[GroupRow],
    filename: &str,
) -> ApiResult<HttpResponse> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let head = [
        "姓名",
        "用户ID",
        "学校ID",
        "角色",
        "活动",
        "周期",
        "要求",
        "完成",
        "剩余",
        "未达标周数",
        "进度正常",
        "补录",
        "规则来源",
    ];
    out.write_record(head).map_err(ApiError::internal)?;
    for row in rows {
        for item in &row.items {
            let line = CsvLine {
                who: (&row.name, &row.user_id),
                school_id: row.school_id.as_deref().unwrap_or_default(),
                role: role_label(item.role),
                activity: item.activity,
                period: item.period,
                counts: [item.required, item.done, item.remaining],
                weeks_missed: item.weeks_missed,
                on_pace: item.on_pace,
                late: item.late,
                source: item.source,
            };
            out.write_record(line.record())
                .map_err(ApiError::internal)?;
        }
    }
    for group in groups {
        for record in group.csv_records() {
            out.write_record(record).map_err(ApiError::internal)?;
        }
    }
    attachment(out, filename)
}

/// A spreadsheet of `lines` under `head`, UTF-8 with a BOM so that spreadsheets read the Chinese
/// right. The cells are the caller's: text that could start a formula goes through [`cell`].
pub(super) fn csv_attachment(
    head: &[&str],
    lines: Vec<Vec<String>>,
    filename: &str,
) -> ApiResult<HttpResponse> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(head).map_err(ApiError::internal)?;
    for line in lines {
        out.write_record(line).map_err(ApiError::internal)?;
    }
    attachment(out, filename)
}

fn attachment(out: csv::Writer<Vec<u8>>, filename: &str) -> ApiResult<HttpResponse> {
    let body = out.into_inner().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body))
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Principal => "校长",
        Role::VicePrincipal => "副校长",
        Role::Dean => "教导主任",
        Role::GradeLeader => "年级组长",
        Role::Teacher => "教师",
        Role::Researcher => "教研员",
        Role::BureauLeader => "教体局领导",
        Role::Mentor => "师父",
        Role::Apprentice => "徒弟",
    }
}

pub(super) fn activity_label(activity: Activity) -> &'static str {
    match activity {
        Activity::Observations => "听评课",
        Activity::UnannouncedObservations => "推门听课",
        Activity::ReportLessonsGiven => "课改汇报课",
        Activity::OpenLessonsGiven => "公开课",
        Activity::DemonstrationLessonsGiven => "示范课",
        Activity::MentorObserves => "师父听徒弟课",
        Activity::ApprenticeObserves => "徒弟听师父课",
        Activity::Guidance => "指导",
        Activity::ResearchActivities => "教研活动",
        Activity::CollectivePreparations => "集体备课",
        Activity::OpenWeeks => "教学开放周",
    }
}

pub(super) fn period_label(period: Period) -> &'static str {
    match period {
        Period::Week => "每周",
        Period::Term => "每学期",
        Period::SchoolYear => "每学年",
    }
}
