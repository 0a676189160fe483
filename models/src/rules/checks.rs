//! The monthly routine check (POLICY.md, "The monthly routine check"): "每月对教师教学工作进行常规
//! 检查". A leader opens a round for a school and a span of days; each teacher checked in it gets
//! one result: the plans and the marked homework seen, whether the plans were prepared a week
//! ahead (超周备课, a fact read off the dates, never guessed), a grade, comments and guidance. A
//! teacher still below standard at the end of a school year is not eligible for its awards
//! ("教学不达标者年度不得评优选先").

use super::Broken;
use chrono::NaiveDate;

/// The grades of a check, best first: 优秀, 良好, 合格, 不合格.
pub const GRADES: [&str; 4] = ["excellent", "good", "pass", "fail"];
/// The grade below standard.
pub const FAIL: &str = "fail";

/// How many days ahead a plan must be written ("超周备课": at least a week).
pub const AHEAD_DAYS: i64 = 7;

/// Whether a member of a school with these roles has their teaching checked: teachers and
/// grade-group leaders (who teach classes); the principal, vice principals and deans do the
/// checking.
pub fn is_checked(roles: &[crate::roles::Role]) -> bool {
    use crate::roles::Role;
    roles
        .iter()
        .any(|r| matches!(r, Role::Teacher | Role::GradeLeader))
}

/// Whether `grade` is one of [`GRADES`].
pub fn grade(grade: &str) -> Result<(), Broken> {
    match GRADES.contains(&grade) {
        true => Ok(()),
        false => Err(Broken::new(
            "invalid_grade",
            "grade",
            "the grade is excellent, good, pass or fail",
        )),
    }
}

/// A round's span: a first day not after its last, and at most a term long (a month is the
/// policy's cadence; a school may set another, never a year).
pub fn span(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), Broken> {
    let days = (ends_on - starts_on).num_days();
    match days {
        d if d < 0 => Err(Broken::new(
            "invalid_range",
            "ends_on",
            "the round ends on or after its first day",
        )),
        d if d > 190 => Err(Broken::new(
            "invalid_range",
            "ends_on",
            "a round is at most a term long",
        )),
        _ => Ok(()),
    }
}

/// One plan's preparation as a fact: the day of the lesson it is for and the day its first page
/// arrived (China Standard Time). `days_ahead` is `None` when the plan has no page yet: nothing
/// can be said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ahead {
    pub lesson_on: NaiveDate,
    pub first_page_on: Option<NaiveDate>,
}

impl Ahead {
    pub fn days_ahead(&self) -> Option<i64> {
        self.first_page_on.map(|p| (self.lesson_on - p).num_days())
    }

    pub fn a_week_ahead(&self) -> Option<bool> {
        self.days_ahead().map(|d| d >= AHEAD_DAYS)
    }
}

/// Whether every plan seen was written a week ahead: `None` when no plan says (none seen, or
/// none with a page), `Some(false)` as soon as one was late.
pub fn all_ahead(plans: &[Ahead]) -> Option<bool> {
    let known: Vec<bool> = plans.iter().filter_map(Ahead::a_week_ahead).collect();
    match known.is_empty() {
        true => None,
        false => Some(known.iter().all(|a| *a)),
    }
}

/// What a teacher's year holds that bears on the awards.
#[derive(Debug, Clone, Default)]
pub struct Year<'a> {
    /// The grades of the teacher's checks, oldest first.
    pub grades: &'a [&'a str],
    /// Notices to the teacher that are neither verified nor withdrawn and whose deadline passed.
    pub notices_overdue: usize,
}

/// Why the teacher may not be put forward for the year's awards; empty when they may. A failed
/// check counts until a later check passes; an overdue notice counts until it is verified.
pub fn not_eligible_because(year: &Year) -> Vec<&'static str> {
    let mut because = Vec::new();
    if year.grades.last() == Some(&FAIL) {
        because.push("below_standard_in_last_check");
    }
    if year.notices_overdue > 0 {
        because.push("rectification_overdue");
    }
    because
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn teachers_and_grade_leaders_are_checked() {
        use crate::roles::Role;
        assert!(is_checked(&[Role::Teacher]));
        assert!(is_checked(&[Role::Dean, Role::GradeLeader]));
        assert!(!is_checked(&[Role::Principal]));
        assert!(!is_checked(&[]));
    }

    #[test]
    fn grades_are_the_four_of_the_policy() {
        assert!(grade("excellent").is_ok());
        assert!(grade("fail").is_ok());
        assert_eq!(grade("A").unwrap_err().code, "invalid_grade");
    }

    #[test]
    fn a_round_ends_after_it_starts_and_within_a_term() {
        assert!(span(day("2026-03-01"), day("2026-03-31")).is_ok());
        assert!(span(day("2026-03-01"), day("2026-03-01")).is_ok());
        assert_eq!(
            span(day("2026-03-02"), day("2026-03-01")).unwrap_err().code,
            "invalid_range"
        );
        assert!(span(day("2026-03-01"), day("2027-03-01")).is_err());
    }

    #[test]
    fn a_plan_is_a_week_ahead_when_its_first_page_came_seven_days_before_the_lesson() {
        let plan = |page: Option<&str>| Ahead {
            lesson_on: day("2026-03-16"),
            first_page_on: page.map(day),
        };
        assert_eq!(plan(Some("2026-03-09")).days_ahead(), Some(7));
        assert_eq!(plan(Some("2026-03-09")).a_week_ahead(), Some(true));
        assert_eq!(plan(Some("2026-03-10")).a_week_ahead(), Some(false));
        assert_eq!(plan(Some("2026-03-20")).days_ahead(), Some(-4));
        assert_eq!(plan(None).a_week_ahead(), None);
        assert_eq!(
            all_ahead(&[plan(Some("2026-03-01")), plan(None)]),
            Some(true)
        );
        assert_eq!(
            all_ahead(&[plan(Some("2026-03-01")), plan(Some("2026-03-15"))]),
            Some(false)
        );
        assert_eq!(all_ahead(&[plan(None)]), None);
        assert_eq!(all_ahead(&[]), None);
    }

    #[test]
    fn a_failed_check_bars_the_awards_until_a_later_one_passes() {
        let year = |grades: &'static [&'static str], overdue| Year {
            grades,
            notices_overdue: overdue,
        };
        assert!(not_eligible_because(&year(&["good", "pass"], 0)).is_empty());
        assert_eq!(
            not_eligible_because(&year(&["good", "fail"], 0)),
            ["below_standard_in_last_check"]
        );
        assert!(not_eligible_because(&year(&["fail", "pass"], 0)).is_empty());
        assert_eq!(
            not_eligible_because(&year(&[], 1)),
            ["rectification_overdue"]
        );
        assert!(not_eligible_because(&year(&[], 0)).is_empty());
    }
}
