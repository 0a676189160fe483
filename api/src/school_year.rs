//! A real school calendar for the demo district and the data generator: China's national
//! holidays and make-up working days (调休) as the State Council announced them, the summer and
//! winter breaks and the final exam weeks of a school year.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use tingke_models::calendar::{DayKind, NewEntry, Span};

/// The State Council's arrangements (国务院办公厅关于2025年、2026年部分节假日安排的通知): holidays
/// and the weekend days worked instead. Years not listed keep New Year's Day, the one holiday
/// whose date is fixed; their other arrangements are announced each November.
const NATIONAL: &[(&str, &str, DayKind, &str)] = &[
    ("2025-01-01", "2025-01-01", DayKind::Holiday, "元旦"),
    ("2025-01-26", "2025-01-26", DayKind::Workday, "春节调休上班"),
    ("2025-01-28", "2025-02-04", DayKind::Holiday, "春节"),
    ("2025-02-08", "2025-02-08", DayKind::Workday, "春节调休上班"),
    ("2025-04-04", "2025-04-06", DayKind::Holiday, "清明节"),
    (
        "2025-04-27",
        "2025-04-27",
        DayKind::Workday,
        "劳动节调休上班",
    ),
    ("2025-05-01", "2025-05-05", DayKind::Holiday, "劳动节"),
    ("2025-05-31", "2025-06-02", DayKind::Holiday, "端午节"),
    (
        "2025-09-28",
        "2025-09-28",
        DayKind::Workday,
        "国庆节调休上班",
    ),
    (
        "2025-10-01",
        "2025-10-08",
        DayKind::Holiday,
        "国庆节、中秋节",
    ),
    (
        "2025-10-11",
        "2025-10-11",
        DayKind::Workday,
        "国庆节调休上班",
    ),
    ("2026-01-01", "2026-01-03", DayKind::Holiday, "元旦"),
    ("2026-01-04", "2026-01-04", DayKind::Workday, "元旦调休上班"),
    ("2026-02-14", "2026-02-14", DayKind::Workday, "春节调休上班"),
    ("2026-02-15", "2026-02-23", DayKind::Holiday, "春节"),
    ("2026-02-28", "2026-02-28", DayKind::Workday, "春节调休上班"),
    ("2026-04-04", "2026-04-06", DayKind::Holiday, "清明节"),
    ("2026-05-01", "2026-05-05", DayKind::Holiday, "劳动节"),
    (
        "2026-05-09",
        "2026-05-09",
        DayKind::Workday,
        "劳动节调休上班",
    ),
    ("2026-06-19", "2026-06-21", DayKind::Holiday, "端午节"),
    (
        "2026-09-20",
        "2026-09-20",
        DayKind::Workday,
        "国庆节调休上班",
    ),
    ("2026-09-25", "2026-09-27", DayKind::Holiday, "中秋节"),
    ("2026-10-01", "2026-10-07", DayKind::Holiday, "国庆节"),
    (
        "2026-10-10",
        "2026-10-10",
        DayKind::Workday,
        "国庆节调休上班",
    ),
];

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Monday to Friday of the last whole school week that ends on or before `last`.
fn exam_week(last: NaiveDate) -> (NaiveDate, NaiveDate) {
    let back = match last.weekday() {
        Weekday::Sat => 1,
        Weekday::Sun => 2,
        w => (7 + w.num_days_from_monday() - 4) % 7,
    };
    let friday = last - Days::new(u64::from(back));
    (friday - Days::new(4), friday)
}

/// The entries of the school year starting in autumn `autumn`: breaks (teaching from 1 September
/// to mid-January and from late February to early July), the final exam week before each break,
/// and the national holidays and make-up days of both calendar years (a make-up day inside a
/// break is not a school day, so it is left out).
pub fn school_year(autumn: i32) -> Vec<NewEntry> {
    let next = autumn + 1;
    let mut out = Vec::new();
    let mut add = |kind, from: Option<NaiveDate>, to: Option<NaiveDate>, name: &str| {
        if let (Some(starts_on), Some(ends_on)) = (from, to) {
            out.push(NewEntry {
                span: Span {
                    kind,
                    starts_on,
                    ends_on,
                },
                name: name.to_string(),
            });
        }
    };
    let breaks = [
        (ymd(autumn, 7, 11), ymd(autumn, 8, 31), "暑假"),
        (ymd(next, 1, 17), ymd(next, 2, 23), "寒假"),
        (ymd(next, 7, 11), ymd(next, 8, 31), "暑假"),
    ];
    for (from, to, name) in breaks {
        add(DayKind::Holiday, from, to, name);
    }
    for last in [ymd(next, 1, 16), ymd(next, 7, 10)].into_iter().flatten() {
        let (from, to) = exam_week(last);
        add(DayKind::Exam, Some(from), Some(to), "期末考试");
    }
    let in_break = |d: NaiveDate| {
        breaks
            .iter()
            .any(|(from, to, _)| from.is_some_and(|f| f <= d) && to.is_some_and(|t| d <= t))
    };
    let mut listed = false;
    for (from, to, kind, name) in NATIONAL {
        let (Some(from), Some(to)) = (day(from), day(to)) else {
            continue;
        };
        let year = from.year();
        if year != autumn && year != next {
            continue;
        }
        listed |= year == next;
        if *kind == DayKind::Workday && in_break(from) {
            continue;
        }
        add(*kind, Some(from), Some(to), name);
    }
    if !listed {
        add(DayKind::Holiday, ymd(next, 1, 1), ymd(next, 1, 1), "元旦");
    }
    out
}

/// The entries of the school year that fall in a term's dates, cut to them.
pub fn term_entries(autumn: i32, starts_on: NaiveDate, ends_on: NaiveDate) -> Vec<NewEntry> {
    school_year(autumn)
        .into_iter()
        .filter(|e| e.span.starts_on <= ends_on && starts_on <= e.span.ends_on)
        .map(|mut e| {
            e.span.starts_on = e.span.starts_on.max(starts_on);
            e.span.ends_on = e.span.ends_on.min(ends_on);
            e
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingke_models::calendar::{check, Calendar};
    use tingke_models::quotas::Window;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_2025_2026_year_has_its_holidays_breaks_and_exams() {
        let term = Window {
            starts_on: d("2025-08-15"),
            ends_on: d("2026-01-31"),
        };
        let entries = term_entries(2025, term.starts_on, term.ends_on);
        let spans: Vec<Span> = entries.iter().map(|e| e.span).collect();
        check(&spans, term, false).unwrap();
        let c = Calendar::new(&spans);
        assert!(!c.is_school_day(d("2025-08-25")), "the summer break");
        assert!(c.is_teaching_day(d("2025-09-01")));
        assert!(!c.is_school_day(d("2025-10-03")));
        assert!(c.is_school_day(d("2025-10-11")), "the make-up Saturday");
        assert!(!c.is_teaching_day(d("2026-01-14")), "the final exams");
        assert!(!c.is_school_day(d("2026-01-20")), "the winter break");
        let teaching = c
            .weeks(term)
            .iter()
            .filter(|w| w.teaching.is_some())
            .count();
        assert_eq!(teaching, 18);

        let spring = Window {
            starts_on: d("2026-02-01"),
            ends_on: d("2026-08-14"),
        };
        let entries = term_entries(2025, spring.starts_on, spring.ends_on);
        let spans: Vec<Span> = entries.iter().map(|e| e.span).collect();
        check(&spans, spring, false).unwrap();
        let c = Calendar::new(&spans);
        assert!(
            !c.is_school_day(d("2026-02-14")),
            "a make-up day in the break"
        );
        assert!(
            c.is_school_day(d("2026-02-28")),
            "the make-up Saturday after it"
        );
        assert!(!c.is_school_day(d("2026-05-04")), "Labour Day");
        assert!(!c.is_teaching_day(d("2026-07-08")), "the final exams");
        assert_eq!(
            exam_week(d("2027-01-16")),
            (d("2027-01-11"), d("2027-01-15"))
        );
        assert_eq!(
            exam_week(d("2026-01-16")),
            (d("2026-01-12"), d("2026-01-16"))
        );
    }
}
