//! Whether a submitted observation counts for quotas (POLICY.md: "听课节数以实际听课为准"), and
//! whether it came late.
//!
//! An observation recorded long after its lesson is late (issue 26, item 8): fifteen observations
//! typed in today and dated into fifteen past weeks used to fill fifteen missed weeks. A late one
//! counts for totals but never fills a past week of a weekly rule. A term closed for more than its
//! grace days gains no counts at all: its reports have been read and signed.

use chrono::NaiveDate;
use std::ops::RangeInclusive;

/// The limits of counting, from the server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How long a lesson must last, in minutes.
    pub minutes: RangeInclusive<i64>,
    /// Recorded more than this many days after its lesson, an observation is late.
    pub late_after_days: i64,
    /// A term ended more than this many days ago gains no counts.
    pub term_grace_days: i64,
    /// Two lessons of one observer that overlap by this many minutes or less are both real (a
    /// phone stopped a few minutes late); more, and the second does not count.
    pub overlap_tolerance_minutes: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            minutes: 20..=90,
            late_after_days: 7,
            term_grace_days: 7,
            overlap_tolerance_minutes: 5,
        }
    }
}

/// What the rules look at in an observation being submitted. Days are China Standard Time.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub lesson_day: NaiveDate,
    /// When the server first received the record (a draft keeps its day).
    pub recorded_on: NaiveDate,
    pub today: NaiveDate,
    pub minutes: i64,
    /// The last day of the term of the lesson, if the lesson is in one.
    pub term_ends_on: Option<NaiveDate>,
    /// The observer already has a counted lesson overlapping this one by more than
    /// `Limits::overlap_tolerance_minutes`.
    pub overlaps_a_counted_one: bool,
    /// The teacher's lesson is already counted for them through another observation: the same
    /// event, or a lesson of the same teacher overlapping this one by more than the tolerance
    /// (one teacher gives one lesson at a time). A lesson seen by three counts once for its
    /// teacher (POLICY.md, "the lesson counts **once** for the teacher who gives it").
    pub same_lesson_counted: bool,
    /// The written feedback (`feedback_chars` of its strengths and suggestions).
    pub feedback_chars: i64,
    /// The longest written feedback that a rule of the observer asks for an observation of this
    /// kind to count (`None`: no rule asks any).
    pub feedback_min_chars: Option<i32>,
}

/// How much written feedback an observation carries: the longer of its strengths and
/// suggestions, in characters other than white space (`"  好 "` is one).
pub fn feedback_chars(strengths: &str, suggestions: &str) -> i64 {
    let chars = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count() as i64;
    chars(strengths).max(chars(suggestions))
}

/// The verdict: why it does not count (`None` when it does), whether it is late, and whether
/// it counts the lesson for the teacher who gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub not_counted_reason: Option<&'static str>,
    pub late: bool,
    pub counts_for_teacher: bool,
}

/// Judges an observation being submitted.
pub fn judge(o: &Submitted, limits: &Limits) -> Verdict {
    let reason = match o.term_ends_on {
        None => Some("outside_term"),
        Some(ends_on) if term_closed(ends_on, o.today, limits) => Some("term_closed"),
        Some(_) if o.minutes < *limits.minutes.start() => Some("too_short"),
        Some(_) if o.minutes > *limits.minutes.end() => Some("too_long"),
        Some(_) if without_feedback(o) => Some("no_written_feedback"),
        Some(_) if o.overlaps_a_counted_one => Some("duplicate_slot"),
        Some(_) => None,
    };
    Verdict {
        not_counted_reason: reason,
        late: reason.is_none() && is_late(o.lesson_day, o.recorded_on, limits),
        counts_for_teacher: reason.is_none() && !o.same_lesson_counted,
    }
}

/// A rule of the observer asks more written feedback than the observation carries: observed but
/// not critiqued, not yet the policy's 听评课.
fn without_feedback(o: &Submitted) -> bool {
    o.feedback_min_chars
        .is_some_and(|min| o.feedback_chars < i64::from(min))
}

/// Recorded more than `late_after_days` after the lesson.
pub fn is_late(lesson_day: NaiveDate, recorded_on: NaiveDate, limits: &Limits) -> bool {
    (recorded_on - lesson_day).num_days() > limits.late_after_days
}

/// The term ended more than `term_grace_days` before `today`: its counts are final.
pub fn term_closed(ends_on: NaiveDate, today: NaiveDate, limits: &Limits) -> bool {
    (today - ends_on).num_days() > limits.term_grace_days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn submitted() -> Submitted {
        Submitted {
            lesson_day: d("2026-11-02"),
            recorded_on: d("2026-11-02"),
            today: d("2026-11-03"),
            minutes: 40,
            term_ends_on: Some(d("2027-01-31")),
            overlaps_a_counted_one: false,
            same_lesson_counted: false,
            feedback_chars: 12,
            feedback_min_chars: Some(10),
        }
    }

    fn verdict(change: impl FnOnce(&mut Submitted)) -> Verdict {
        let mut o = submitted();
        change(&mut o);
        judge(&o, &Limits::default())
    }

    #[test]
    fn a_lesson_recorded_on_the_day_counts_and_is_not_late() {
        let v = verdict(|_| {});
        assert_eq!(v.not_counted_reason, None);
        assert!(!v.late);
    }

    #[test]
    fn a_week_after_is_on_time_and_a_day_more_is_late() {
        assert!(!verdict(|o| o.recorded_on = d("2026-11-09")).late);
        let late = verdict(|o| o.recorded_on = d("2026-11-10"));
        assert!(late.late);
        assert_eq!(late.not_counted_reason, None, "late ones still count");
    }

    #[test]
    fn a_closed_term_gains_nothing_after_its_grace_days() {
        let ended = |o: &mut Submitted| o.term_ends_on = Some(d("2026-07-10"));
        let within = verdict(|o| {
            ended(o);
            o.today = d("2026-07-17");
        });
        assert_eq!(within.not_counted_reason, None);
        let after = verdict(|o| {
            ended(o);
            o.today = d("2026-07-18");
        });
        assert_eq!(after.not_counted_reason, Some("term_closed"));
        assert!(!after.late, "what does not count is not called late");
    }

    #[test]
    fn the_other_reasons_keep_their_order() {
        assert_eq!(
            verdict(|o| o.term_ends_on = None).not_counted_reason,
            Some("outside_term")
        );
        assert_eq!(
            verdict(|o| o.minutes = 19).not_counted_reason,
            Some("too_short")
        );
        assert_eq!(
            verdict(|o| o.minutes = 91).not_counted_reason,
            Some("too_long")
        );
        assert_eq!(
            verdict(|o| o.overlaps_a_counted_one = true).not_counted_reason,
            Some("duplicate_slot")
        );
    }

    #[test]
    fn a_rule_asking_written_feedback_counts_only_critiqued_lessons() {
        let short = verdict(|o| o.feedback_chars = 9);
        assert_eq!(short.not_counted_reason, Some("no_written_feedback"));
        let no_rule = verdict(|o| {
            o.feedback_chars = 0;
            o.feedback_min_chars = None;
        });
        assert_eq!(
            no_rule.not_counted_reason, None,
            "a teacher's note needs none"
        );
        let both = verdict(|o| {
            o.feedback_chars = 0;
            o.overlaps_a_counted_one = true;
        });
        assert_eq!(
            both.not_counted_reason,
            Some("no_written_feedback"),
            "what does not count takes no slot, so the slot is not the reason"
        );
        assert_eq!(feedback_chars("  好 ", ""), 1);
        assert_eq!(feedback_chars("导入自然, 学生参与度高。", "好"), 12);
        assert_eq!(feedback_chars("", "关注后排学生的参与。"), 10);
    }

    #[test]
    fn a_lesson_seen_by_several_counts_once_for_its_teacher() {
        let first = verdict(|_| {});
        assert!(first.counts_for_teacher);
        let second = verdict(|o| o.same_lesson_counted = true);
        assert_eq!(
            second.not_counted_reason, None,
            "it counts for its observer"
        );
        assert!(!second.counts_for_teacher, "not again for the teacher");
        let uncounted = verdict(|o| o.minutes = 5);
        assert!(!uncounted.counts_for_teacher);
    }

    #[test]
    fn the_limits_are_settings() {
        let limits = Limits {
            late_after_days: 30,
            term_grace_days: 0,
            ..Limits::default()
        };
        assert!(!is_late(d("2026-11-01"), d("2026-12-01"), &limits));
        assert!(is_late(d("2026-11-01"), d("2026-12-02"), &limits));
        assert!(term_closed(d("2026-07-10"), d("2026-07-11"), &limits));
        assert!(!term_closed(d("2026-07-10"), d("2026-07-10"), &limits));
    }
}
