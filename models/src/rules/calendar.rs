//! The school calendar (校历) of a term: which days are school days and which weeks are teaching
//! weeks (POLICY.md: "每周" means each teaching week; holidays and exam weeks of the school
//! calendar are not weeks a weekly rule can be missed in).
//!
//! A district sets its terms' holidays (national holidays, the summer and winter breaks inside a
//! term's dates), exam days and make-up working days (调休: a Saturday or Sunday that is a school
//! day); a school may add days off of its own. Every day is a China Standard Time day. Without
//! any entry, Monday to Friday are school days.

use super::quotas::Window;
use super::Broken;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a calendar entry says of its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// No school: a national holiday (国庆节, 春节 …) or a break (寒假, 暑假).
    Holiday,
    /// Exams (期中/期末考试): school days without teaching.
    Exam,
    /// A make-up working day (调休): a Saturday or Sunday that is a school day.
    Workday,
    /// A school's own day off (a sports meet, a school holiday): set by the school.
    DayOff,
}

impl DayKind {
    pub const ALL: [DayKind; 4] = [
        DayKind::Holiday,
        DayKind::Exam,
        DayKind::Workday,
        DayKind::DayOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Exam => "exam",
            DayKind::Workday => "workday",
            DayKind::DayOff => "day_off",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry: its kind over `starts_on..=ends_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub kind: DayKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A week needs at least this many teaching days to be a teaching week: the week of 29
/// September 2025 (two school days before the National Day holiday) is not one, the week after
/// it (two school days and the make-up Saturday) is.
pub const MIN_TEACHING_DAYS: usize = 3;

/// The longest entry, in days (a whole school year).
pub const MAX_SPAN_DAYS: i64 = 366;

/// The calendar of one school (or of the district, for its staff) in one term.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    off: BTreeSet<NaiveDate>,
    exams: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

/// One Monday-to-Sunday week of a window (cut to the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The teaching week's number in the window (1 for the first), `None` for a week without
    /// enough teaching days.
    pub teaching: Option<i64>,
}

impl Calendar {
    pub fn new<'a>(spans: impl IntoIterator<Item = &'a Span>) -> Calendar {
        let mut c = Calendar::default();
        for s in spans {
            let set = match s.kind {
                DayKind::Holiday | DayKind::DayOff => &mut c.off,
                DayKind::Exam => &mut c.exams,
                DayKind::Workday => &mut c.workdays,
            };
            let mut day = s.starts_on;
            while day <= s.ends_on && (day - s.starts_on).num_days() <= MAX_SPAN_DAYS {
                set.insert(day);
                day = day + Days::new(1);
            }
        }
        c
    }

    /// A day the school is open: Monday to Friday or a make-up working day, unless it is a
    /// holiday or day off.
    pub fn is_school_day(&self, day: NaiveDate) -> bool {
        if self.off.contains(&day) {
            return false;
        }
        self.workdays.contains(&day) || !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// A school day without exams.
    pub fn is_teaching_day(&self, day: NaiveDate) -> bool {
        self.is_school_day(day) && !self.exams.contains(&day)
    }

    /// The Monday-to-Sunday weeks of `window`, cut to it, with the teaching ones numbered.
    pub fn weeks(&self, window: Window) -> Vec<Week> {
        let mut weeks = Vec::new();
        let mut number = 0;
        let mut monday = window.starts_on
            - Days::new(u64::from(window.starts_on.weekday().num_days_from_monday()));
        while monday <= window.ends_on {
            let (from, to) = (
                monday.max(window.starts_on),
                (monday + Days::new(6)).min(window.ends_on),
            );
            let teaching_days = from
                .iter_days()
                .take_while(|d| *d <= to)
                .filter(|d| self.is_teaching_day(*d))
                .count();
            let teaching = (teaching_days >= MIN_TEACHING_DAYS).then(|| {
                number += 1;
                number
            });
            weeks.push(Week { from, to, teaching });
            monday = monday + Days::new(7);
        }
        weeks
    }

    /// The week `day` falls in, if it is in the window.
    pub fn week_of(&self, window: Window, day: NaiveDate) -> Option<Week> {
        self.weeks(window)
            .into_iter()
            .find(|w| w.from <= day && day <= w.to)
    }
}

/// Whether entries may be kept for a term: each inside the term and in order, a make-up working
/// day only on a Saturday or Sunday, and each kind where it belongs (the district sets
/// holidays, exams and make-up days; a school its own days off).
pub fn check(spans: &[Span], term: Window, by_school: bool) -> Result<(), Broken> {
    for s in spans {
        if s.ends_on < s.starts_on {
            return Err(Broken::new(
                "invalid_calendar",
                "entries",
                "an entry ends before it starts",
            ));
        }
        if !term.contains(s.starts_on) || !term.contains(s.ends_on) {
            return Err(Broken::new(
                "invalid_calendar",
                "entries",
                "an entry lies outside the term's dates",
            ));
        }
        if (s.kind == DayKind::DayOff) != by_school {
            return Err(Broken::new(
                "invalid_calendar",
                "entries",
                "a district sets holidays, exams and make-up working days; a school adds days off",
            ));
        }
        let weekend = |d: NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        if s.kind == DayKind::Workday
            && !s
                .starts_on
                .iter_days()
                .take_while(|d| *d <= s.ends_on)
                .all(weekend)
        {
            return Err(Broken::new(
                "invalid_calendar",
                "entries",
                "a make-up working day (调休) is a Saturday or a Sunday",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn span(kind: DayKind, from: &str, to: &str) -> Span {
        Span {
            kind,
            starts_on: d(from),
            ends_on: d(to),
        }
    }

    /// The first term of 2025–2026 as a district would set it.
    fn autumn_2025() -> (Window, Calendar) {
        let window = Window {
            starts_on: d("2025-09-01"),
            ends_on: d("2026-01-31"),
        };
        let calendar = Calendar::new(&[
            span(DayKind::Holiday, "2025-10-01", "2025-10-08"),
            span(DayKind::Workday, "2025-09-28", "2025-09-28"),
            span(DayKind::Workday, "2025-10-11", "2025-10-11"),
            span(DayKind::Holiday, "2026-01-01", "2026-01-03"),
            span(DayKind::Workday, "2026-01-04", "2026-01-04"),
            span(DayKind::Exam, "2026-01-19", "2026-01-23"),
            span(DayKind::Holiday, "2026-01-24", "2026-01-31"),
        ]);
        (window, calendar)
    }

    #[test]
    fn weekdays_are_school_days_unless_the_calendar_says_otherwise() {
        let (_, c) = autumn_2025();
        assert!(c.is_school_day(d("2025-09-30")), "a Tuesday");
        assert!(!c.is_school_day(d("2025-10-01")), "National Day");
        assert!(c.is_school_day(d("2025-09-28")), "the make-up Sunday");
        assert!(!c.is_school_day(d("2025-09-27")), "an ordinary Saturday");
        assert!(c.is_school_day(d("2026-01-19")) && !c.is_teaching_day(d("2026-01-19")));
        assert!(Calendar::default().is_teaching_day(d("2025-09-01")));
    }

    #[test]
    fn holiday_and_exam_weeks_are_not_teaching_weeks() {
        let (window, c) = autumn_2025();
        let weeks = c.weeks(window);
        let of = |day: &str| c.week_of(window, d(day)).unwrap();
        assert_eq!(of("2025-09-01").teaching, Some(1));
        assert_eq!(
            of("2025-09-29").teaching,
            None,
            "two days before the holiday"
        );
        assert_eq!(
            of("2025-10-08").teaching,
            Some(5),
            "two days and the make-up Saturday"
        );
        assert_eq!(
            of("2026-01-02").teaching,
            Some(17),
            "New Year: 29–31 Dec and 4 Jan"
        );
        assert_eq!(of("2026-01-20").teaching, None, "the exam week");
        assert_eq!(of("2026-01-28").teaching, None, "the winter break");
        assert_eq!(weeks.iter().filter(|w| w.teaching.is_some()).count(), 19);
        assert_eq!(weeks.len(), 22);
    }

    #[test]
    fn entries_are_checked_against_the_term_and_who_sets_them() {
        let (window, _) = autumn_2025();
        let ok = [span(DayKind::Holiday, "2025-10-01", "2025-10-08")];
        assert!(check(&ok, window, false).is_ok());
        assert!(
            check(&ok, window, true).is_err(),
            "a school adds days off only"
        );
        let off = [span(DayKind::DayOff, "2025-11-14", "2025-11-14")];
        assert!(check(&off, window, true).is_ok());
        assert!(check(&off, window, false).is_err());
        let outside = [span(DayKind::Holiday, "2025-08-20", "2025-09-02")];
        assert!(check(&outside, window, false).is_err());
        let backwards = [span(DayKind::Exam, "2026-01-23", "2026-01-19")];
        assert!(check(&backwards, window, false).is_err());
        let weekday = [span(DayKind::Workday, "2025-09-29", "2025-09-29")];
        assert!(
            check(&weekday, window, false).is_err(),
            "a Monday is a school day already"
        );
        let weekend = [span(DayKind::Workday, "2025-10-11", "2025-10-12")];
        assert!(check(&weekend, window, false).is_ok());
    }
}
