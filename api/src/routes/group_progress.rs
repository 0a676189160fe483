//! Quota progress of groups and schools: a subject group's weekly research activity, a
//! lesson-preparation group's weekly collective preparation (counted from the groups' meetings),
//! a school's open week (counted from the calendar's events once they exist).

use super::quotas::{find_term_with_windows, rules_of, term_not_found, today, Windows};
use super::Router;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::reference::Reference;
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tingke_models::groups::Group;
use tingke_models::meetings;
use tingke_models::observations::Days;
use tingke_models::quotas::{self, Activity, GroupKind, Period, QuotaRule, Target};
use tingke_models::terms::{self, Term};
use tingke_models::DbConn;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/groups/{id}/progress", group_progress);
}

/// Where a group or a school stands against one rule.
#[derive(Debug, Clone, Serialize)]
pub(super) struct UnitProgressView {
    rule_id: String,
    target: &'static str,
    group_kind: Option<GroupKind>,
    activity: Activity,
    period: Period,
    required: i64,
    done: i64,
    remaining: i64,
    weeks_missed: Option<i64>,
    this_week: Option<quotas::ThisWeek>,
    on_pace: bool,
    period_starts_on: NaiveDate,
    period_ends_on: NaiveDate,
}

impl UnitProgressView {
    /// Progress of a group or school of `school_id` against a rule; weekly rules count the
    /// school's teaching weeks.
    fn new(
        rule: &QuotaRule,
        windows: &Windows,
        school_id: &str,
        days: &[NaiveDate],
    ) -> UnitProgressView {
        let window = windows.of(rule.spec.period);
        let calendar = windows.calendar(Some(school_id));
        let p = quotas::progress(&rule.spec, window, days, today(), &calendar);
        UnitProgressView {
            rule_id: rule.id.clone(),
            target: rule.spec.target.name(),
            group_kind: rule.spec.target.group_kind(),
            activity: rule.spec.activity,
            period: rule.spec.period,
            required: p.required,
            done: p.done,
            remaining: p.remaining,
            weeks_missed: p.weeks_missed,
            this_week: p.this_week,
            on_pace: p.on_pace,
            period_starts_on: window.starts_on,
            period_ends_on: window.ends_on,
        }
    }
}

/// One group's progress in a school's compliance report.
#[derive(Debug, Serialize)]
pub(super) struct GroupRow {
    group_id: String,
    name: String,
    kind: String,
    behind: bool,
    items: Vec<UnitProgressView>,
}

/// The progress of each group against the rules for its kind (none for a kind no rule binds),
/// from the meetings they held in the school year (a school has a few dozen groups: one query).
pub(super) fn group_rows(
    conn: &mut DbConn,
    rules: &[QuotaRule],
    groups: Vec<Group>,
    windows: &Windows,
) -> ApiResult<Vec<GroupRow>> {
    let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    let mut held: HashMap<(String, String), Vec<NaiveDate>> = HashMap::new();
    for (group, kind, day) in meetings::days_of_groups(conn, &ids, &Days::from(windows.year))? {
        if let Some(day) = crate::validate::parse_date(&day) {
            held.entry((group, kind)).or_default().push(day);
        }
    }
    let rows = groups.into_iter().map(|g| {
        let items: Vec<UnitProgressView> = rules
            .iter()
            .filter(|r| r.spec.binds_group(&g.kind))
            .map(|r| {
                let kind = r.spec.activity.meeting_kind().unwrap_or_default();
                let days = held.get(&(g.id.clone(), kind.to_string()));
                let days = days.map_or(&[][..], Vec::as_slice);
                UnitProgressView::new(r, windows, &g.school_id, days)
            })
            .collect();
        GroupRow {
            behind: items.iter().any(|i| !i.on_pace),
            group_id: g.id,
            name: g.name,
            kind: g.kind,
            items,
        }
    });
    Ok(rows.collect())
}

/// A school's progress against the school rules: its teaching open weeks, each counted on its
/// first day once that day has come.
pub(super) fn school_items(
    conn: &mut DbConn,
    rules: &[QuotaRule],
    windows: &Windows,
    school_id: &str,
) -> ApiResult<Vec<UnitProgressView>> {
    let year = Days::from(windows.year);
    let today = today();
    let ids = [school_id.to_string()];
    let days: Vec<NaiveDate> =
        tingke_models::events::open_week_days(conn, &ids, (&year.from, &year.to))?
            .into_iter()
            .filter_map(|(_, day)| crate::validate::parse_date(&day))
            .filter(|day| *day <= today)
            .collect();
    Ok(rules
        .iter()
        .filter(|r| r.spec.target == Target::School)
        .map(|r| UnitProgressView::new(r, windows, school_id, &days))
        .collect())
}

#[derive(Debug, Deserialize)]
struct ProgressQuery {
    /// The current term of the group's district when absent.
    term_id: Option<String>,
}

#[derive(Debug, Serialize)]
struct GroupProgress {
    term_id: String,
    #[serde(flatten)]
    row: GroupRow,
}

/// A group's progress, for whoever sees its school.
async fn group_progress(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ProgressQuery>,
) -> ApiResult<HttpResponse> {
    let (id, term_id) = (id.into_inner(), query.into_inner().term_id);
    let reference = state.reference.clone();
    let answer = state
        .read(move |conn| {
            let group = super::groups::visible_group(conn, &caller, &id)?;
            let school = tingke_models::schools::find(conn, &group.school_id)?
                .ok_or_else(crate::error::ApiError::not_found)?;
            let term = term_of(conn, &reference, &school.district_id, term_id)?;
            let (term, windows) = find_term_with_windows(conn, &reference, &term.id)?;
            let rules = rules_of(conn, &reference, &term.district_id)?;
            let row = group_rows(conn, &rules, vec![group], &windows)?
                .pop()
                .ok_or_else(|| crate::error::ApiError::internal("a group without its row"))?;
            Ok(GroupProgress {
                term_id: term.id,
                row,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

impl GroupRow {
    pub(super) fn has_rules(&self) -> bool {
        !self.items.is_empty()
    }

    /// The group's lines in a compliance spreadsheet, in the columns of the people's lines.
    pub(super) fn csv_records(&self) -> Vec<[String; 13]> {
        let kind = match self.kind.as_str() {
            tingke_models::groups::SUBJECT => "教研组",
            tingke_models::groups::PREPARATION => "备课组",
            _ => "年级组",
        };
        let line = |i: &UnitProgressView| super::quotas::CsvLine {
            who: (&self.name, &self.group_id),
            school_id: "",
            role: kind,
            activity: i.activity,
            period: i.period,
            counts: [i.required, i.done, i.remaining],
            weeks_missed: i.weeks_missed,
            on_pace: i.on_pace,
            late: 0,
            source: tingke_models::quotas::Source::District,
        };
        self.items.iter().map(|i| line(i).record()).collect()
    }
}

/// The named term of the district, or the one today falls in.
fn term_of(
    conn: &mut DbConn,
    reference: &Reference,
    district_id: &str,
    term_id: Option<String>,
) -> ApiResult<Term> {
    let Some(id) = term_id else {
        return super::quotas::current_term(conn, reference, district_id)?
            .ok_or_else(super::quotas::no_current_term);
    };
    terms::find(conn, &id)?
        .filter(|t| t.district_id == district_id)
        .ok_or_else(term_not_found)
}
