//! Quota rules (POLICY.md, "Quotas"): what a rule asks, the policy's defaults, and the arithmetic
//! of progress against a rule, from the days on which counted work happened. Pure functions: the
//! routes, the reports, sync and the archive load the days and call these.

use super::calendar::Calendar;
use crate::roles::{Qualifier, Role};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Counted observations the person made (听评课).
    Observations,
    /// Counted unannounced observations the person made (推门听课).
    UnannouncedObservations,
    /// Report lessons the person gave (课改汇报课), each once however many observed it.
    ReportLessonsGiven,
    /// Open lessons the person gave (research, viewing, demonstration, open-week lessons: 公开课),
    /// each once: what the district asks of its researchers each term.
    OpenLessonsGiven,
    /// Demonstration lessons the person gave (示范课), each once: what a rule may ask of
    /// experienced (骨干) teachers.
    DemonstrationLessonsGiven,
    /// Pair activities: the mentor observed the apprentice's lesson.
    MentorObserves,
    /// Pair activities: the apprentice observed the mentor's lesson.
    ApprenticeObserves,
    /// Pair activities: a guidance session.
    Guidance,
    /// A group's research activities (教研活动), as its meetings record them.
    ResearchActivities,
    /// A lesson-preparation group's collective preparations (集体备课).
    CollectivePreparations,
    /// A school's teaching open weeks (教学开放周), on their first day.
    OpenWeeks,
}

impl Activity {
    /// The kind of group meeting the activity counts, for a group's activities.
    pub fn meeting_kind(self) -> Option<&'static str> {
        match self {
            Activity::ResearchActivities => Some(super::meetings::RESEARCH_ACTIVITY),
            Activity::CollectivePreparations => Some(super::meetings::COLLECTIVE_PREPARATION),
            _ => None,
        }
    }

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

/// The kinds of group a rule can bind (`groups::KINDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Subject,
    Preparation,
    Grade,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Subject => crate::groups::SUBJECT,
            GroupKind::Preparation => crate::groups::PREPARATION,
            GroupKind::Grade => crate::groups::GRADE,
        }
    }

    pub fn parse(s: &str) -> Option<GroupKind> {
        [GroupKind::Subject, GroupKind::Preparation, GroupKind::Grade]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Whom a rule binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Every member with this role (for a pair role, every pair).
    Person(Role),
    /// Every live group of this kind.
    Group(GroupKind),
    /// Every school of the district.
    School,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Person(_) => "person",
            Target::Group(_) => "group",
            Target::School => "school",
        }
    }

    pub fn role(self) -> Option<Role> {
        match self {
            Target::Person(role) => Some(role),
            _ => None,
        }
    }

    pub fn group_kind(self) -> Option<GroupKind> {
        match self {
            Target::Group(kind) => Some(kind),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub target: Target,
    /// A person rule may bind only the holders of its role who carry this qualifier (the vice
    /// principal in charge of teaching).
    pub qualifier: Option<Qualifier>,
    pub activity: Activity,
    pub period: Period,
    pub minimum: i32,
    /// An observation counts for the rule only with written feedback (strengths or suggestions)
    /// of at least this many characters (POLICY.md: 听评课 is observing **and** critiquing).
    pub feedback_min_chars: Option<i32>,
}

/// What a rule looks at in one membership: its school (none for district staff), roles and the
/// qualifiers of its roles.
#[derive(Debug, Clone, Copy)]
pub struct Holding<'a> {
    pub school_id: Option<&'a str>,
    pub roles: &'a [Role],
    pub qualifiers: &'a [Qualifier],
}

/// Where a rule comes from: the district's rules bind every school, a school's own rules only
/// its people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    District,
    School,
}

impl Period {
    /// Shorter periods rank lower.
    fn rank(self) -> u8 {
        match self {
            Period::Week => 0,
            Period::Term => 1,
            Period::SchoolYear => 2,
        }
    }
}

impl RuleSpec {
    /// Pair roles go with pair activities, over a term (a pair is made for terms); other roles
    /// with observations. A lesson-preparation group prepares together; subject and grade groups
    /// hold research activities (`rules::meetings::kind_for`). A school holds open weeks, over
    /// a term or a year.
    pub fn is_consistent(&self) -> bool {
        use Activity::*;
        match self.target {
            Target::Person(Role::Mentor | Role::Apprentice) => {
                self.activity.is_pair_activity() && self.period == Period::Term
            }
            Target::Person(_) => matches!(
                self.activity,
                Observations
                    | UnannouncedObservations
                    | ReportLessonsGiven
                    | OpenLessonsGiven
                    | DemonstrationLessonsGiven
            ),
            Target::Group(GroupKind::Preparation) => self.activity == CollectivePreparations,
            Target::Group(_) => self.activity == ResearchActivities,
            Target::School => self.activity == OpenWeeks && self.period != Period::Week,
        }
    }

    /// The rule binds groups of this kind (`groups::KINDS`).
    pub fn binds_group(&self, kind: &str) -> bool {
        self.target.group_kind().is_some_and(|k| k.as_str() == kind)
    }

    /// The role through which the rule binds the holder of a membership, if it does: a person
    /// rule whose role the membership holds, with the rule's qualifier if it names one. (Where
    /// the rule applies, its district or school, is `binds`.)
    pub fn binds_person(&self, h: &Holding) -> Option<Role> {
        let role = self.target.role()?;
        let qualified = self.qualifier.is_none_or(|q| h.qualifiers.contains(&q));
        (h.roles.contains(&role) && qualified).then_some(role)
    }

    /// A qualifier goes with a person rule of its own role.
    pub fn qualifier_fits(&self) -> bool {
        self.qualifier
            .is_none_or(|q| self.target.role() == Some(q.role()))
    }

    /// The same duty: whom it binds and what it counts, whatever the period and minimum.
    fn same_duty(&self, other: &RuleSpec) -> bool {
        (self.target, self.qualifier, self.activity)
            == (other.target, other.qualifier, other.activity)
    }

    /// Whether an observation with `feedback_chars` characters of written feedback may count for
    /// the rule.
    pub fn feedback_enough(&self, feedback_chars: i64) -> bool {
        self.feedback_min_chars
            .is_none_or(|min| feedback_chars >= i64::from(min))
    }
}

/// The rule of a membership's school or district binds it through a role, if it does.
pub fn binds(rule_school: Option<&str>, spec: &RuleSpec, h: &Holding) -> Option<Role> {
    match rule_school {
        Some(school) if h.school_id != Some(school) => None,
        _ => spec.binds_person(h),
    }
}

/// The activities a school's own rules may set: observations of its people. Pair, group and
/// school rules stay the district's.
pub fn school_may_set(spec: &RuleSpec) -> bool {
    matches!(spec.target, Target::Person(role) if Role::SCHOOL_ROLES.contains(&role))
        && matches!(
            spec.activity,
            Activity::Observations
                | Activity::UnannouncedObservations
                | Activity::ReportLessonsGiven
                | Activity::OpenLessonsGiven
                | Activity::DemonstrationLessonsGiven
        )
}

/// Whether a school's rule is stricter than a district rule of the same duty: no longer period,
/// no lower minimum, no shorter feedback, and more in at least one of them (POLICY.md: every
/// figure is a default a school may raise; issue 20: "higher minimum, shorter period; never
/// looser").
pub fn tightens(school: &RuleSpec, district: &RuleSpec) -> bool {
    let feedback = |r: &RuleSpec| r.feedback_min_chars.unwrap_or(0);
    let no_looser = school.period.rank() <= district.period.rank()
        && school.minimum >= district.minimum
        && feedback(school) >= feedback(district);
    let stricter = school.period.rank() < district.period.rank()
        || school.minimum > district.minimum
        || feedback(school) > feedback(district);
    school.same_duty(district) && no_looser && stricter
}

/// A school's own rule as it is kept: without a feedback length of its own it asks what the
/// district's rules of the same duty ask; with district rules of the same duty it must tighten
/// one of them (`Err` names the loosest one it fails), and a duty the district does not set at
/// all the school may add.
pub fn school_rule(spec: &RuleSpec, district: &[RuleSpec]) -> Result<RuleSpec, RuleSpec> {
    let same: Vec<&RuleSpec> = district.iter().filter(|d| d.same_duty(spec)).collect();
    let mut rule = spec.clone();
    if rule.feedback_min_chars.is_none() {
        rule.feedback_min_chars = same.iter().filter_map(|d| d.feedback_min_chars).max();
    }
    match same.iter().find(|d| tightens(&rule, d)) {
        Some(_) => Ok(rule),
        None => match same.first() {
            None => Ok(rule),
            Some(d) => Err((*d).clone()),
        },
    }
}

/// The written feedback the default rules of leaders and researchers ask, in characters.
pub const DEFAULT_FEEDBACK_MIN_CHARS: i32 = 5;

/// The defaults of POLICY.md, seeded for every new district.
pub fn default_rules() -> Vec<RuleSpec> {
    use Activity::*;
    use Period::*;
    let rule = |role, activity, period, minimum| RuleSpec {
        target: Target::Person(role),
        qualifier: None,
        activity,
        period,
        minimum,
        feedback_min_chars: None,
    };
    // 听评课: leaders and researchers observe and critique, in writing.
    let critiqued = |role, activity, period, minimum| RuleSpec {
        feedback_min_chars: Some(DEFAULT_FEEDBACK_MIN_CHARS),
        ..rule(role, activity, period, minimum)
    };
    // Only the vice principal in charge of teaching (分管教学的副校长) has these quotas.
    let teaching_vp = |activity, period, minimum| RuleSpec {
        qualifier: Some(Qualifier::InChargeOfTeaching),
        ..critiqued(Role::VicePrincipal, activity, period, minimum)
    };
    let of = |target, activity, period| RuleSpec {
        target,
        qualifier: None,
        activity,
        period,
        minimum: 1,
        feedback_min_chars: None,
    };
    vec![
        critiqued(Role::Principal, Observations, Term, 30),
        teaching_vp(Observations, Term, 20),
        critiqued(Role::Dean, Observations, Term, 20),
        critiqued(Role::Researcher, Observations, SchoolYear, 20),
        critiqued(Role::Principal, UnannouncedObservations, Week, 1),
        teaching_vp(UnannouncedObservations, Week, 1),
        critiqued(Role::Dean, UnannouncedObservations, Week, 1),
        rule(Role::Teacher, ReportLessonsGiven, Term, 1),
        // "要求教研员每学期到学校讲授公开课、示范课".
        rule(Role::Researcher, OpenLessonsGiven, Term, 1),
        rule(Role::Mentor, MentorObserves, Term, 8),
        rule(Role::Apprentice, ApprenticeObserves, Term, 16),
        rule(Role::Mentor, Guidance, Term, 4),
        // "学校各教研组每周开展一次教研活动", "坚持每周一次的集体备课活动".
        of(Target::Group(GroupKind::Subject), ResearchActivities, Week),
        of(
            Target::Group(GroupKind::Preparation),
            CollectivePreparations,
            Week,
        ),
        // One teaching open week a school year.
        of(Target::School, OpenWeeks, SchoolYear),
    ]
}

/// Two rules for the same target (and qualifier), activity and period, if any.
pub fn duplicate(rules: &[RuleSpec]) -> Option<&RuleSpec> {
    rules.iter().enumerate().find_map(|(i, r)| {
        rules[..i]
            .iter()
            .any(|o| o.same_duty(r) && o.period == r.period)
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
    /// Weekly rules only, while today is in a teaching week of the period: this week's count
    /// (at most the minimum) and the minimum.
    pub this_week: Option<ThisWeek>,
    pub on_pace: bool,
}

/// The current week of a weekly rule: done of required, and which teaching week of the period
/// it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ThisWeek {
    pub done: i64,
    pub required: i64,
    pub teaching_week: i64,
}

/// Progress against a rule, from the days on which each counted activity happened.
///
/// Weekly rules are met teaching week by teaching week (Monday to Sunday, cut to the window;
/// `calendar` says which weeks teach): extra work in one week does not make up for a missed
/// one, and a holiday or exam week is never required nor missed. Other rules are on pace when
/// what is done keeps up with the share of the period that has passed.
pub fn progress(
    spec: &RuleSpec,
    window: Window,
    days: &[NaiveDate],
    today: NaiveDate,
    calendar: &Calendar,
) -> Progress {
    let minimum = i64::from(spec.minimum);
    let in_window: Vec<NaiveDate> = days
        .iter()
        .copied()
        .filter(|d| window.contains(*d))
        .collect();
    if spec.period == Period::Week {
        return weekly(minimum, window, &in_window, today, calendar);
    }
    progress_of_count(spec, window, in_window.len() as i64, today, None)
}

/// How much of a window has passed: `(elapsed, total)`.
pub type Share = (i64, i64);

/// The share of a window's school days over before today: a term that opens with the last two
/// weeks of the summer break asks nothing for them, nor for a school day before it ends.
pub fn school_day_share(calendar: &Calendar, window: Window, today: NaiveDate) -> Share {
    let school_days_before = |end: NaiveDate| {
        window
            .starts_on
            .iter_days()
            .take_while(|d| *d < end && *d <= window.ends_on)
            .filter(|d| calendar.is_school_day(*d))
            .count() as i64
    };
    (
        school_days_before(today),
        school_days_before(window.ends_on + chrono::Days::new(1)),
    )
}

/// Progress against a term or school-year rule, from how many were done in its window. It is on
/// pace when what is done keeps up with the share of the window that has passed: `share` when
/// given (`school_day_share`), else the share of its days, today included.
pub fn progress_of_count(
    spec: &RuleSpec,
    window: Window,
    done: i64,
    today: NaiveDate,
    share: Option<Share>,
) -> Progress {
    let minimum = i64::from(spec.minimum);
    let (elapsed, total_days) = match share {
        Some(share) => share,
        None => {
            let total = (window.ends_on - window.starts_on).num_days() + 1;
            let elapsed = ((today - window.starts_on).num_days() + 1).clamp(0, total);
            (elapsed, total)
        }
    };
    let expected = minimum * elapsed / total_days.max(1);
    Progress {
        required: minimum,
        done,
        remaining: (minimum - done).max(0),
        weeks_missed: None,
        this_week: None,
        on_pace: done >= expected,
    }
}

fn weekly(
    minimum: i64,
    window: Window,
    days: &[NaiveDate],
    today: NaiveDate,
    calendar: &Calendar,
) -> Progress {
    let mut required = 0;
    let mut done = 0;
    let mut missed = 0;
    let mut this_week = None;
    for week in calendar.weeks(window) {
        let Some(number) = week.teaching else {
            continue;
        };
        let (from, to) = (week.from, week.to);
        let count = days.iter().filter(|d| from <= **d && **d <= to).count() as i64;
        required += minimum;
        done += count.min(minimum);
        if to < today && count < minimum {
            missed += 1;
        }
        if from <= today && today <= to {
            this_week = Some(ThisWeek {
                done: count.min(minimum),
                required: minimum,
                teaching_week: number,
            });
        }
    }
    Progress {
        required,
        done,
        remaining: required - done,
        weeks_missed: Some(missed),
        this_week,
        on_pace: missed == 0,
    }
}

/// One teaching week of a term's pace: what was done by its end against an even share of the
/// term's requirement per teaching week (the school report's chart of the weeks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekPace {
    /// The teaching week's number in the term (1 for the first).
    pub week: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Done since the previous teaching week ended (work in a holiday week falls in the next).
    pub done: i64,
    /// Done from the term's start to this week's end.
    pub done_so_far: i64,
    /// What an even pace asks by this week's end: `required` spread over the teaching weeks,
    /// rounded up.
    pub expected_so_far: i64,
}

/// The pace of a term, teaching week by teaching week up to the one `today` falls in: `days`
/// are the days work was done (with how much), `required` what the term asks in all.
pub fn weekly_pace(
    weeks: &[super::calendar::Week],
    days: &[(NaiveDate, i64)],
    required: i64,
    today: NaiveDate,
) -> Vec<WeekPace> {
    let teaching = weeks.iter().filter(|w| w.teaching.is_some()).count() as i64;
    let mut before = 0;
    let mut pace = Vec::new();
    for week in weeks.iter().filter(|w| w.from <= today) {
        let Some(number) = week.teaching else {
            continue;
        };
        let so_far: i64 = days
            .iter()
            .filter(|(day, _)| *day <= week.to)
            .map(|(_, n)| n)
            .sum();
        pace.push(WeekPace {
            week: number,
            starts_on: week.from,
            ends_on: week.to,
            done: so_far - before,
            done_so_far: so_far,
            expected_so_far: (required * number + teaching - 1) / teaching.max(1),
        });
        before = so_far;
    }
    pace
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_pace_of_a_term_counts_week_by_week_and_a_holiday_week_falls_in_the_next() {
        use super::super::calendar::Week;
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let weeks = [
            Week {
                from: d(9, 1),
                to: d(9, 6),
                teaching: Some(1),
            },
            Week {
                from: d(9, 7),
                to: d(9, 13),
                teaching: None,
            },
            Week {
                from: d(9, 14),
                to: d(9, 20),
                teaching: Some(2),
            },
            Week {
                from: d(9, 21),
                to: d(9, 27),
                teaching: Some(3),
            },
            Week {
                from: d(9, 28),
                to: d(10, 4),
                teaching: Some(4),
            },
        ];
        let days = [(d(9, 2), 2), (d(9, 9), 1), (d(9, 15), 1), (d(9, 22), 3)];
        let pace = weekly_pace(&weeks, &days, 10, d(9, 23));
        let seen: Vec<(i64, i64, i64, i64)> = pace
            .iter()
            .map(|p| (p.week, p.done, p.done_so_far, p.expected_so_far))
            .collect();
        // 10 over 4 teaching weeks: 3, 5, 8 by the ends of weeks 1 to 3; week 4 not begun.
        assert_eq!(seen, [(1, 2, 2, 3), (2, 2, 4, 5), (3, 3, 7, 8)]);
        assert!(weekly_pace(&weeks, &days, 10, d(8, 1)).is_empty());
    }

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn spec(period: Period, minimum: i32) -> RuleSpec {
        RuleSpec {
            target: Target::Person(Role::Principal),
            qualifier: None,
            activity: Activity::Observations,
            period,
            minimum,
            feedback_min_chars: None,
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

    fn none() -> Calendar {
        Calendar::default()
    }

    #[test]
    fn a_holiday_week_is_never_a_missed_week() {
        use crate::rules::calendar::{DayKind, Span};
        // The week of 09-21 is a holiday: nothing done in it, and it is not missed.
        let holiday = Calendar::new(&[Span {
            kind: DayKind::Holiday,
            starts_on: d("2026-09-21"),
            ends_on: d("2026-09-27"),
        }]);
        let days = [d("2026-09-03"), d("2026-09-08"), d("2026-09-15")];
        let p = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-10-01"),
            &holiday,
        );
        assert_eq!((p.required, p.done, p.weeks_missed), (4, 3, Some(0)));
        assert!(p.on_pace);
        let in_it = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-09-23"),
            &holiday,
        );
        assert_eq!(in_it.this_week, None, "no teaching week is under way");
        let after = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-09-29"),
            &holiday,
        );
        assert_eq!(after.this_week.map(|w| w.teaching_week), Some(4));
        let without = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-10-01"),
            &none(),
        );
        assert_eq!(
            without.weeks_missed,
            Some(1),
            "the same week missed without a calendar"
        );
    }

    #[test]
    fn a_term_rule_counts_days_inside_the_window_only() {
        let days = [
            d("2026-08-31"),
            d("2026-09-02"),
            d("2026-09-30"),
            d("2026-10-02"),
        ];
        let p = progress(
            &spec(Period::Term, 30),
            term(),
            &days,
            d("2026-10-05"),
            &none(),
        );
        assert_eq!((p.required, p.done, p.remaining), (30, 2, 28));
        assert_eq!(p.weeks_missed, None);
        assert!(!p.on_pace, "the term is over and 28 are missing");
    }

    #[test]
    fn on_pace_follows_the_share_of_the_period_that_has_passed() {
        let halfway = d("2026-09-16"); // day 16 of 31
        let fifteen: Vec<NaiveDate> = (0..15).map(|_| d("2026-09-05")).collect();
        assert!(progress(&spec(Period::Term, 30), term(), &fifteen, halfway, &none()).on_pace);
        assert!(
            !progress(
                &spec(Period::Term, 30),
                term(),
                &fifteen[..14],
                halfway,
                &none()
            )
            .on_pace
        );
        assert!(
            progress(
                &spec(Period::Term, 30),
                term(),
                &[],
                d("2026-09-01"),
                &none()
            )
            .on_pace
        );
        assert!(
            progress(
                &spec(Period::Term, 30),
                term(),
                &[],
                d("2026-08-01"),
                &none()
            )
            .on_pace
        );
    }

    #[test]
    fn pace_follows_the_school_days_of_the_calendar() {
        use crate::rules::calendar::{DayKind, Span};
        // The first two weeks of the window are a break: nothing is asked for them.
        let term = Window {
            starts_on: d("2026-08-17"),
            ends_on: d("2026-10-09"),
        };
        let c = Calendar::new(&[Span {
            kind: DayKind::Holiday,
            starts_on: d("2026-08-17"),
            ends_on: d("2026-08-30"),
        }]);
        let first_day = d("2026-08-31");
        let rule = spec(Period::Term, 30);
        assert!(
            progress_of_count(
                &rule,
                term,
                0,
                first_day,
                Some(school_day_share(&c, term, first_day))
            )
            .on_pace
        );
        assert!(
            !progress_of_count(&rule, term, 0, first_day, None).on_pace,
            "by calendar days a quarter of the term has passed"
        );
        // Halfway through the school days (15 of 30 over), half is expected.
        let halfway = d("2026-09-21");
        assert!(
            progress_of_count(
                &rule,
                term,
                15,
                halfway,
                Some(school_day_share(&c, term, halfway))
            )
            .on_pace
        );
        assert!(
            !progress_of_count(
                &rule,
                term,
                14,
                halfway,
                Some(school_day_share(&c, term, halfway))
            )
            .on_pace
        );
    }

    #[test]
    fn done_never_goes_negative_in_remaining() {
        let days: Vec<NaiveDate> = (0..5).map(|_| d("2026-09-05")).collect();
        let p = progress(
            &spec(Period::Term, 3),
            term(),
            &days,
            d("2026-09-10"),
            &none(),
        );
        assert_eq!((p.done, p.remaining), (5, 0));
    }

    #[test]
    fn weekly_rules_are_met_week_by_week() {
        // Weeks: 08-31..09-06, 09-07..13, 09-14..20, 09-21..27, 09-28..10-04 (cut to 10-01).
        let days = [d("2026-09-03"), d("2026-09-04"), d("2026-09-15")];
        let p = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-09-23"),
            &none(),
        );
        assert_eq!(p.required, 5);
        assert_eq!(p.done, 2, "two in one week count once");
        assert_eq!(p.remaining, 3);
        assert_eq!(
            p.weeks_missed,
            Some(1),
            "only the week of 09-07 is over and missed"
        );
        assert!(!p.on_pace);
        let over = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-09-14"),
            &none(),
        );
        assert_eq!(over.weeks_missed, Some(1));
        assert_eq!(
            p.this_week,
            Some(ThisWeek {
                done: 0,
                required: 1,
                teaching_week: 4
            }),
            "nothing yet in the week of 09-21"
        );
        let second_week = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-09-15"),
            &none(),
        );
        assert_eq!(second_week.this_week.map(|w| w.done), Some(1));
        let after = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-10-05"),
            &none(),
        );
        assert_eq!(after.this_week, None, "the period is over");
        let early = progress(
            &spec(Period::Week, 1),
            term(),
            &days,
            d("2026-09-13"),
            &none(),
        );
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
            target: Target::Person(Role::Mentor),
            qualifier: None,
            activity: Activity::Observations,
            period: Period::Term,
            minimum: 1,
            feedback_min_chars: None,
        };
        assert!(!odd.is_consistent());
        let group = |kind, activity| RuleSpec {
            target: Target::Group(kind),
            activity,
            ..odd.clone()
        };
        assert!(group(GroupKind::Preparation, Activity::CollectivePreparations).is_consistent());
        assert!(!group(GroupKind::Preparation, Activity::ResearchActivities).is_consistent());
        assert!(group(GroupKind::Grade, Activity::ResearchActivities).is_consistent());
        assert!(!group(GroupKind::Subject, Activity::Observations).is_consistent());
        let weekly_open_week = RuleSpec {
            target: Target::School,
            period: Period::Week,
            activity: Activity::OpenWeeks,
            ..odd.clone()
        };
        assert!(!weekly_open_week.is_consistent());
        let person = RuleSpec {
            target: Target::Person(Role::Teacher),
            activity: Activity::CollectivePreparations,
            ..odd.clone()
        };
        assert!(!person.is_consistent(), "people do not prepare alone");
        let mut twice = default_rules();
        twice.push(twice[0].clone());
        assert_eq!(duplicate(&twice), Some(&twice[0]));
    }

    #[test]
    fn only_the_vice_principal_in_charge_of_teaching_has_the_twenty_a_term() {
        let rules = default_rules();
        let vp_term = rules
            .iter()
            .find(|r| r.target == Target::Person(Role::VicePrincipal) && r.period == Period::Term)
            .unwrap();
        let plain = Holding {
            school_id: Some("s"),
            roles: &[Role::VicePrincipal],
            qualifiers: &[],
        };
        let in_charge = Holding {
            qualifiers: &[Qualifier::InChargeOfTeaching],
            ..plain
        };
        assert_eq!(vp_term.binds_person(&plain), None);
        assert_eq!(vp_term.binds_person(&in_charge), Some(Role::VicePrincipal));
        assert!(vp_term.qualifier_fits());
        let dean_in_charge = RuleSpec {
            target: Target::Person(Role::Dean),
            ..vp_term.clone()
        };
        assert!(
            !dean_in_charge.qualifier_fits(),
            "the qualifier is a vice principal's"
        );
        let mut twice = vec![vp_term.clone(), vp_term.clone()];
        assert!(duplicate(&twice).is_some());
        twice[1].qualifier = None;
        assert!(
            duplicate(&twice).is_none(),
            "every vice principal is another duty"
        );
    }

    #[test]
    fn a_school_rule_binds_its_own_school_only() {
        let rule = spec(Period::Term, 40);
        let here = Holding {
            school_id: Some("a"),
            roles: &[Role::Principal],
            qualifiers: &[],
        };
        let there = Holding {
            school_id: Some("b"),
            ..here
        };
        assert_eq!(binds(Some("a"), &rule, &here), Some(Role::Principal));
        assert_eq!(binds(Some("a"), &rule, &there), None);
        assert_eq!(binds(None, &rule, &there), Some(Role::Principal));
    }

    #[test]
    fn a_school_rule_is_stricter_never_looser() {
        let district = vec![RuleSpec {
            feedback_min_chars: Some(20),
            ..spec(Period::Term, 30)
        }];
        let higher = school_rule(&spec(Period::Term, 40), &district).unwrap();
        assert_eq!(
            higher.feedback_min_chars,
            Some(20),
            "it asks the district's feedback"
        );
        assert!(
            school_rule(&spec(Period::Week, 30), &district).is_ok(),
            "shorter"
        );
        assert!(
            school_rule(&spec(Period::Term, 30), &district).is_err(),
            "the same"
        );
        assert!(
            school_rule(&spec(Period::Term, 29), &district).is_err(),
            "lower"
        );
        assert!(
            school_rule(&spec(Period::SchoolYear, 40), &district).is_err(),
            "longer"
        );
        assert!(
            school_rule(&spec(Period::Week, 2), &district).is_err(),
            "shorter but lower"
        );
        let less_feedback = RuleSpec {
            feedback_min_chars: Some(5),
            ..spec(Period::Term, 40)
        };
        assert!(school_rule(&less_feedback, &district).is_err());
        let more_feedback = RuleSpec {
            feedback_min_chars: Some(50),
            ..spec(Period::Term, 30)
        };
        assert!(school_rule(&more_feedback, &district).is_ok());
        let dean = RuleSpec {
            target: Target::Person(Role::Dean),
            ..spec(Period::Term, 1)
        };
        assert!(
            school_rule(&dean, &district).is_ok(),
            "a duty the district does not set"
        );
        assert!(school_may_set(&dean));
        let group = RuleSpec {
            target: Target::Group(GroupKind::Subject),
            activity: Activity::ResearchActivities,
            ..spec(Period::Week, 2)
        };
        assert!(!school_may_set(&group));
    }

    #[test]
    fn feedback_is_enough_from_the_minimum_on() {
        let rule = RuleSpec {
            feedback_min_chars: Some(20),
            ..spec(Period::Term, 30)
        };
        assert!(!rule.feedback_enough(19));
        assert!(rule.feedback_enough(20));
        assert!(spec(Period::Term, 30).feedback_enough(0));
    }
}
