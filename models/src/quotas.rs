//! Quota rules (data, per district) and the arithmetic of progress against them.

use crate::roles::Role;
use crate::schema::quota_rules;
use crate::DbConn;
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// What a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Counted observations the person made (听评课).
    Observations,
    /// Counted unannounced observations the person made (推门听课).
    UnannouncedObservations,
    /// Counted report lessons the person gave, i.e. was observed in (课改汇报课).
    ReportLessonsGiven,
    /// Pair activities: the mentor observed the apprentice's lesson.
    MentorObserves,
    /// Pair activities: the apprentice observed the mentor's lesson.
    ApprenticeObserves,
    /// Pair activities: a guidance session.
    Guidance,
}

impl Activity {
    /// Whether the activity belongs to a mentor-apprentice pair rather than to one person.
    pub fn is_pair_activity(self) -> bool {
        matches!(
            self,
            Activity::MentorObserves | Activity::ApprenticeObserves | Activity::Guidance
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Term,
    SchoolYear,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuleSpec {
    pub role: Role,
    pub activity: Activity,
    pub period: Period,
    pub minimum: i32,
}

impl RuleSpec {
    /// Pair roles go with pair activities, over a term (a pair is made for terms); other roles
    /// with the others.
    pub fn is_consistent(&self) -> bool {
        let pair_role = matches!(self.role, Role::Mentor | Role::Apprentice);
        match pair_role {
            true => self.activity.is_pair_activity() && self.period == Period::Term,
            false => !self.activity.is_pair_activity(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quota_rules)]
pub struct QuotaRuleRow {
    pub id: String,
    pub district_id: String,
    pub role: String,
    pub activity: String,
    pub period: String,
    pub minimum: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct QuotaRule {
    pub id: String,
    pub district_id: String,
    pub spec: RuleSpec,
}

fn name<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

impl QuotaRuleRow {
    /// `None` for a row written by a newer version with names this one does not know.
    fn parse(self) -> Option<QuotaRule> {
        Some(QuotaRule {
            spec: RuleSpec {
                role: parse(&self.role)?,
                activity: parse(&self.activity)?,
                period: parse(&self.period)?,
                minimum: self.minimum,
            },
            id: self.id,
            district_id: self.district_id,
        })
    }
}

/// The defaults of POLICY.md, seeded for every new district.
pub fn default_rules() -> Vec<RuleSpec> {
    use Activity::*;
    use Period::*;
    let rule = |role, activity, period, minimum| RuleSpec {
        role,
        activity,
        period,
        minimum,
    };
    vec![
        rule(Role::Principal, Observations, Term, 30),
        rule(Role::VicePrincipal, Observations, Term, 20),
        rule(Role::Dean, Observations, Term, 20),
        rule(Role::Researcher, Observations, SchoolYear, 20),
        rule(Role::Principal, UnannouncedObservations, Week, 1),
        rule(Role::VicePrincipal, UnannouncedObservations, Week, 1),
        rule(Role::Dean, UnannouncedObservations, Week, 1),
        rule(Role::Teacher, ReportLessonsGiven, Term, 1),
        rule(Role::Mentor, MentorObserves, Term, 8),
        rule(Role::Apprentice, ApprenticeObserves, Term, 16),
        rule(Role::Mentor, Guidance, Term, 4),
    ]
}

pub fn list(conn: &mut DbConn, district_id: &str) -> QueryResult<Vec<QuotaRule>> {
    let rows = quota_rules::table
        .filter(quota_rules::district_id.eq(district_id))
        .order(quota_rules::id.asc())
        .select(QuotaRuleRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(QuotaRuleRow::parse).collect())
}

/// Replaces all of a district's rules (call inside a transaction).
pub fn replace(
    conn: &mut DbConn,
    district_id: &str,
    rules: &[RuleSpec],
    now: NaiveDateTime,
) -> QueryResult<Vec<QuotaRule>> {
    diesel::delete(quota_rules::table.filter(quota_rules::district_id.eq(district_id)))
        .execute(conn)?;
    for spec in rules {
        diesel::insert_into(quota_rules::table)
            .values(QuotaRuleRow {
                id: crate::new_id(),
                district_id: district_id.to_string(),
                role: spec.role.as_str().to_string(),
                activity: name(spec.activity),
                period: name(spec.period),
                minimum: spec.minimum,
                created_at: now,
            })
            .execute(conn)?;
    }
    list(conn, district_id)
}

/// Two rules for the same role, activity and period, if any.
pub fn duplicate(rules: &[RuleSpec]) -> Option<&RuleSpec> {
    rules.iter().enumerate().find_map(|(i, r)| {
        rules[..i]
            .iter()
            .any(|o| (o.role, o.activity, o.period) == (r.role, r.activity, r.period))
            .then_some(r)
    })
}

/// The days a rule's period covers (both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl Window {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// Where a person stands against one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub required: i64,
    pub done: i64,
    pub remaining: i64,
    /// Weekly rules only: weeks already over in which the minimum was not met.
    pub weeks_missed: Option<i64>,
    pub on_pace: bool,
}

/// Progress against a rule, from the days on which each counted activity happened.
///
/// Weekly rules are met week by week (Monday to Sunday, cut to the window): extra work in one week
/// does not make up for a missed one. Other rules are on pace when what is done keeps up with the
/// share of the period that has passed.
pub fn progress(spec: &RuleSpec, window: Window, days: &[NaiveDate], today: NaiveDate) -> Progress {
    let minimum = i64::from(spec.minimum);
    let in_window: Vec<NaiveDate> = days
        .iter()
        .copied()
        .filter(|d| window.contains(*d))
        .collect();
    if spec.period == Period::Week {
        return weekly(minimum, window, &in_window, today);
    }
    progress_of_count(spec, window, in_window.len() as i64, today)
}

/// Progress against a term or school-year rule, from how many were done in its window.
pub fn progress_of_count(spec: &RuleSpec, window: Window, done: i64, today: NaiveDate) -> Progress {
    let minimum = i64::from(spec.minimum);
    let total_days = (window.ends_on - window.starts_on).num_days() + 1;
    let elapsed = ((today - window.starts_on).num_days() + 1).clamp(0, total_days);
    let expected = minimum * elapsed / total_days.max(1);
    Progress {
        required: minimum,
        done,
        remaining: (minimum - done).max(0),
        weeks_missed: None,
        on_pace: done >= expected,
    }
}

fn weekly(minimum: i64, window: Window, days: &[NaiveDate], today: NaiveDate) -> Progress {
    let mut required = 0;
    let mut done = 0;
    let mut missed = 0;
    let mut monday =
        window.starts_on - Days::new(u64::from(window.starts_on.weekday().num_days_from_monday()));
    while monday <= window.ends_on {
        let sunday = monday + Days::new(6);
        let (from, to) = (monday.max(window.starts_on), sunday.min(window.ends_on));
        let count = days.iter().filter(|d| from <= **d && **d <= to).count() as i64;
        required += minimum;
        done += count.min(minimum);
        if to < today && count < minimum {
            missed += 1;
        }
        monday = monday + Days::new(7);
    }
    Progress {
        required,
        done,
        remaining: required - done,
        weeks_missed: Some(missed),
        on_pace: missed == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn spec(period: Period, minimum: i32) -> RuleSpec {
        RuleSpec {
            role: Role::Principal,
            activity: Activity::Observations,
            period,
            minimum,
        }
    }

    // 2026-09-01 is a Tuesday; the window covers five Monday-to-Sunday weeks, the first and last cut.
    const TERM: (&str, &str) = ("2026-09-01", "2026-10-01");

    fn term() -> Window {
        Window {
            starts_on: d(TERM.0),
            ends_on: d(TERM.1),
        }
    }

    #[test]
    fn a_term_rule_counts_days_inside_the_window_only() {
        let days = [
            d("2026-08-31"),
            d("2026-09-02"),
            d("2026-09-30"),
            d("2026-10-02"),
        ];
        let p = progress(&spec(Period::Term, 30), term(), &days, d("2026-10-05"));
        assert_eq!((p.required, p.done, p.remaining), (30, 2, 28));
        assert_eq!(p.weeks_missed, None);
        assert!(!p.on_pace, "the term is over and 28 are missing");
    }

    #[test]
    fn on_pace_follows_the_share_of_the_period_that_has_passed() {
        let halfway = d("2026-09-16"); // day 16 of 31
        let fifteen: Vec<NaiveDate> = (0..15).map(|_| d("2026-09-05")).collect();
        assert!(progress(&spec(Period::Term, 30), term(), &fifteen, halfway).on_pace);
        assert!(!progress(&spec(Period::Term, 30), term(), &fifteen[..14], halfway).on_pace);
        assert!(progress(&spec(Period::Term, 30), term(), &[], d("2026-09-01")).on_pace);
        assert!(progress(&spec(Period::Term, 30), term(), &[], d("2026-08-01")).on_pace);
    }

    #[test]
    fn done_never_goes_negative_in_remaining() {
        let days: Vec<NaiveDate> = (0..5).map(|_| d("2026-09-05")).collect();
        let p = progress(&spec(Period::Term, 3), term(), &days, d("2026-09-10"));
        assert_eq!((p.done, p.remaining), (5, 0));
    }

    #[test]
    fn weekly_rules_are_met_week_by_week() {
        // Weeks: 08-31..09-06, 09-07..13, 09-14..20, 09-21..27, 09-28..10-04 (cut to 10-01).
        let days = [d("2026-09-03"), d("2026-09-04"), d("2026-09-15")];
        let p = progress(&spec(Period::Week, 1), term(), &days, d("2026-09-23"));
        assert_eq!(p.required, 5);
        assert_eq!(p.done, 2, "two in one week count once");
        assert_eq!(p.remaining, 3);
        assert_eq!(
            p.weeks_missed,
            Some(1),
            "only the week of 09-07 is over and missed"
        );
        assert!(!p.on_pace);
        let over = progress(&spec(Period::Week, 1), term(), &days, d("2026-09-14"));
        assert_eq!(over.weeks_missed, Some(1));
        let early = progress(&spec(Period::Week, 1), term(), &days, d("2026-09-13"));
        assert_eq!(
            early.weeks_missed,
            Some(0),
            "the current week is not judged yet"
        );
        assert!(early.on_pace);
    }

    #[test]
    fn defaults_have_no_duplicates_and_make_sense() {
        assert!(duplicate(&default_rules()).is_none());
        assert!(default_rules().iter().all(RuleSpec::is_consistent));
        let odd = RuleSpec {
            role: Role::Mentor,
            activity: Activity::Observations,
            period: Period::Term,
            minimum: 1,
        };
        assert!(!odd.is_consistent());
        let mut twice = default_rules();
        twice.push(twice[0].clone());
        assert_eq!(duplicate(&twice), Some(&twice[0]));
    }
}
