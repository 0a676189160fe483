//! A lesson observed below standard is followed up (POLICY.md: "对于检查中发现的…教学不达标的教师,
//! 限期提高和整改"): an observation whose total is under the rubric's pass line may open a
//! follow-up, a re-observation of the same teacher due by a day. It is done by the first
//! submitted observation of that teacher in the school whose lesson began after the low one;
//! open past its day, it is overdue.

use super::Broken;
use chrono::{NaiveDate, NaiveDateTime};

/// Whether an observation of `total` points may open a follow-up under a rubric whose pass line
/// is `pass_line` (`None`: the rubric sets none).
pub fn may_open(total: i32, pass_line: Option<i32>) -> Result<(), Broken> {
    match pass_line {
        Some(line) if total < line => Ok(()),
        Some(_) => Err(Broken::new(
            "not_below_pass_line",
            "observation",
            "the lesson reached the rubric's pass line",
        )),
        None => Err(Broken::new(
            "not_below_pass_line",
            "observation",
            "the rubric of this observation has no pass line",
        )),
    }
}

/// The id of the observation that did the follow-up: the first of `later` (lesson start, id;
/// submitted observations of the teacher in the school) whose lesson began after `low_started`.
pub fn done_by(low_started: NaiveDateTime, later: &[(NaiveDateTime, String)]) -> Option<&str> {
    later
        .iter()
        .filter(|(start, _)| *start > low_started)
        .min_by_key(|(start, _)| *start)
        .map(|(_, id)| id.as_str())
}

/// Not done and past its day.
pub fn is_overdue(done: bool, due_on: NaiveDate, today: NaiveDate) -> bool {
    !done && due_on < today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn only_a_lesson_under_the_pass_line_is_followed_up() {
        assert!(may_open(59, Some(60)).is_ok());
        assert_eq!(
            may_open(60, Some(60)).unwrap_err().code,
            "not_below_pass_line"
        );
        assert_eq!(may_open(10, None).unwrap_err().code, "not_below_pass_line");
    }

    #[test]
    fn the_first_later_lesson_does_it() {
        let low = at("2026-03-02 09:00");
        let later = vec![
            (at("2026-03-01 09:00"), "before".to_string()),
            (at("2026-03-09 10:00"), "second".to_string()),
            (at("2026-03-05 10:00"), "first".to_string()),
            (low, "itself".to_string()),
        ];
        assert_eq!(done_by(low, &later), Some("first"));
        assert_eq!(done_by(low, &later[..1]), None);
    }

    #[test]
    fn overdue_when_not_done_after_its_day() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(is_overdue(false, d("2026-03-09"), d("2026-03-10")));
        assert!(!is_overdue(true, d("2026-03-09"), d("2026-03-10")));
        assert!(!is_overdue(false, d("2026-03-10"), d("2026-03-10")));
    }
}
