//! Lessons as events (POLICY.md, "Lessons as events and district staff"): announced lessons that
//! many attend ("以研究课、观摩课、示范课等多种形式的公开课为载体"), and the school's teaching open
//! week. Who schedules them, when an attendee may check in, and when an observation is one of an
//! event. Unannounced lessons (推门听课) are never events.
//!
//! A lesson counts once for the teacher who gives it however many observe it; that is decided
//! where observations are judged (`rules::counting`, `same_lesson_counted`).

use super::Broken;
use crate::roles::Role;
use chrono::{Duration, NaiveDate, NaiveDateTime};

/// research 研究课, open_lesson 观摩课, demonstration 示范课, report_lesson 课改汇报课,
/// open_week_lesson a lesson of the teaching open week. The observation kinds of the same names
/// are the notes taken at them.
pub const KINDS: [&str; 5] = [
    "research",
    "open_lesson",
    "demonstration",
    "report_lesson",
    "open_week_lesson",
];

pub const OPEN_WEEK_LESSON: &str = "open_week_lesson";

/// An event lasts at least this long and at most this long, in minutes (a lesson, or a double
/// lesson with its critique).
pub const MINUTES: std::ops::RangeInclusive<i64> = 10..=240;

/// Attendees may check in this long before the start and after the end (they come early, a
/// phone offline checks in when it can but says when it was there).
pub const CHECK_IN_MARGIN_MINUTES: i64 = 60;

/// An open week lasts at most this many days.
pub const OPEN_WEEK_MAX_DAYS: i64 = 14;

pub fn kind(k: &str) -> Result<(), Broken> {
    match KINDS.contains(&k) {
        true => Ok(()),
        false => Err(Broken::new(
            "invalid_kind",
            "kind",
            "research, open_lesson, demonstration, report_lesson or open_week_lesson",
        )),
    }
}

/// A school's principal, vice principals, deans and grade leaders, and the district's staff,
/// schedule its announced lessons; a teacher who leads a group of the school does too (for the
/// group's research lessons).
pub fn may_schedule(school_roles: &[Role], leads_a_group: bool, district_staff: bool) -> bool {
    district_staff
        || leads_a_group
        || school_roles.iter().any(|r| {
            matches!(
                r,
                Role::Principal | Role::VicePrincipal | Role::Dean | Role::GradeLeader
            )
        })
}

/// The event's time: it ends after it starts and lasts a lesson or two.
pub fn times(starts_at: NaiveDateTime, ends_at: NaiveDateTime) -> Result<(), Broken> {
    let minutes = (ends_at - starts_at).num_minutes();
    match MINUTES.contains(&minutes) {
        true => Ok(()),
        false => Err(Broken::new(
            "invalid_time_range",
            "ends_at",
            "an event ends 10 minutes to 4 hours after it starts",
        )),
    }
}

/// An open-week lesson belongs to an open week, on one of its days; another kind of lesson may
/// be part of one too.
pub fn in_open_week(
    kind: &str,
    lesson_day: NaiveDate,
    week: Option<(NaiveDate, NaiveDate)>,
) -> Result<(), Broken> {
    match week {
        None if kind == OPEN_WEEK_LESSON => Err(Broken::new(
            "missing_field",
            "open_week_id",
            "an open-week lesson names its open week",
        )),
        Some((from, to)) if lesson_day < from || lesson_day > to => Err(Broken::new(
            "outside_open_week",
            "starts_at",
            "the lesson is not on a day of its open week",
        )),
        _ => Ok(()),
    }
}

/// An open week's days: in order, at most two weeks.
pub fn open_week_days(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), Broken> {
    let days = (ends_on - starts_on).num_days();
    match (0..OPEN_WEEK_MAX_DAYS).contains(&days) {
        true => Ok(()),
        false => Err(Broken::new(
            "invalid_time_range",
            "ends_on",
            "an open week ends on or after its first day, within two weeks",
        )),
    }
}

/// When someone may check in: from an hour before the lesson to an hour after it, and not in
/// the future (`now` with the clock skew a phone may have).
pub fn check_in_at(
    at: NaiveDateTime,
    (starts_at, ends_at): (NaiveDateTime, NaiveDateTime),
    now: NaiveDateTime,
) -> Result<(), Broken> {
    let margin = Duration::minutes(CHECK_IN_MARGIN_MINUTES);
    if at > now + Duration::minutes(5) {
        return Err(Broken::new(
            "checked_in_in_future",
            "at",
            "a check-in cannot be later than now",
        ));
    }
    match at >= starts_at - margin && at <= ends_at + margin {
        true => Ok(()),
        false => Err(Broken::new(
            "outside_event_time",
            "at",
            "check-in opens an hour before the lesson and closes an hour after it",
        )),
    }
}

/// What an observation says about the lesson it saw, to be compared with its event.
#[derive(Debug, Clone)]
pub struct Seen<'a> {
    pub teacher_id: &'a str,
    pub kind: &'a str,
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
}

/// An observation linked to an event saw that event: its teacher, its kind, and a time that
/// overlaps the event's (a phone started late or stopped early is still there).
pub fn same_lesson(seen: &Seen, event: &Seen) -> Result<(), Broken> {
    if seen.teacher_id != event.teacher_id {
        return Err(Broken::new(
            "event_mismatch",
            "teacher_id",
            "the event's lesson is given by another teacher",
        ));
    }
    if seen.kind != event.kind {
        return Err(Broken::new(
            "event_mismatch",
            "kind",
            "an observation of an event has the event's kind",
        ));
    }
    match seen.started_at < event.ended_at && seen.ended_at > event.started_at {
        true => Ok(()),
        false => Err(Broken::new(
            "event_mismatch",
            "started_at",
            "the observed lesson is not at the event's time",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 10)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn unannounced_is_no_event_kind() {
        assert!(kind("demonstration").is_ok());
        assert_eq!(kind("unannounced").unwrap_err().code, "invalid_kind");
    }

    #[test]
    fn leaders_group_leaders_and_district_staff_schedule_teachers_do_not() {
        assert!(may_schedule(&[Role::Dean], false, false));
        assert!(may_schedule(&[Role::Teacher], true, false));
        assert!(may_schedule(&[], false, true));
        assert!(!may_schedule(&[Role::Teacher], false, false));
    }

    #[test]
    fn an_event_lasts_a_lesson_or_two() {
        assert!(times(at(9, 0), at(9, 40)).is_ok());
        assert!(times(at(9, 0), at(8, 0)).is_err());
        assert!(times(at(9, 0), at(14, 0)).is_err());
    }

    #[test]
    fn an_open_week_lesson_is_on_a_day_of_its_week() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let week = Some((day(9), day(13)));
        assert!(in_open_week(OPEN_WEEK_LESSON, day(10), week).is_ok());
        assert_eq!(
            in_open_week(OPEN_WEEK_LESSON, day(10), None)
                .unwrap_err()
                .code,
            "missing_field"
        );
        assert_eq!(
            in_open_week("research", day(16), week).unwrap_err().code,
            "outside_open_week"
        );
        assert!(in_open_week("research", day(16), None).is_ok());
        assert!(open_week_days(day(9), day(13)).is_ok());
        assert!(open_week_days(day(13), day(9)).is_err());
    }

    #[test]
    fn check_in_opens_an_hour_before_and_closes_an_hour_after() {
        let lesson = (at(9, 0), at(9, 40));
        let now = at(12, 0);
        assert!(check_in_at(at(8, 10), lesson, now).is_ok());
        assert!(check_in_at(at(10, 30), lesson, now).is_ok());
        assert_eq!(
            check_in_at(at(7, 30), lesson, now).unwrap_err().code,
            "outside_event_time"
        );
        assert_eq!(
            check_in_at(at(9, 0), lesson, at(8, 0)).unwrap_err().code,
            "checked_in_in_future"
        );
    }

    #[test]
    fn an_observation_of_an_event_saw_its_teacher_kind_and_time() {
        let event = Seen {
            teacher_id: "t",
            kind: "demonstration",
            started_at: at(9, 0),
            ended_at: at(9, 40),
        };
        let late_start = Seen {
            started_at: at(9, 5),
            ended_at: at(9, 45),
            ..event.clone()
        };
        assert!(same_lesson(&late_start, &event).is_ok());
        let other = Seen {
            teacher_id: "u",
            ..event.clone()
        };
        assert_eq!(same_lesson(&other, &event).unwrap_err().field, "teacher_id");
        let later = Seen {
            started_at: at(10, 0),
            ended_at: at(10, 40),
            ..event.clone()
        };
        assert_eq!(same_lesson(&later, &event).unwrap_err().field, "started_at");
    }
}
