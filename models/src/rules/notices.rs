//! A rectification notice's rounds (POLICY.md, "Rectification notices"): a notice names what is
//! wrong, what must change and by when; the recipient answers; whoever may issue it verifies the
//! answer (done) or escalates to the next round with a new deadline ("下发第二次整改通知书", then
//! the third, with a formal warning). The policy stops at three rounds: after the third comes
//! disciplinary action, which is not Tingke's.

use super::Broken;
use chrono::NaiveDate;

/// Waiting for the recipient's answer.
pub const OPEN: &str = "open";
/// Answered; waiting for the issuer's verdict.
pub const ANSWERED: &str = "answered";
/// Put right: closed.
pub const VERIFIED: &str = "verified";

/// What a notice may be about.
pub const ABOUT: [&str; 4] = ["check_result", "observation", "document", "inspection"];

/// The policy's limit of rounds (`TINGKE_NOTICE_ROUNDS` changes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub rounds: i32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { rounds: 3 }
    }
}

/// A step of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The recipient says what was done (again, while the issuer has not decided).
    Answer,
    /// The issuer accepts the answer.
    Verify,
    /// The issuer sends the next round, due on the given day.
    Escalate { due_on: NaiveDate },
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State<'a> {
    pub status: &'a str,
    pub round: i32,
}

/// A deadline is a day after `today`: a notice due today or before cannot be met.
pub fn deadline(due_on: NaiveDate, today: NaiveDate) -> Result<(), Broken> {
    match due_on > today {
        true => Ok(()),
        false => Err(Broken::new(
            "invalid_due_on",
            "due_on",
            "the deadline is a day after today",
        )),
    }
}

/// The state a notice in `now` moves to by `step`.
pub fn next(
    now: State,
    step: Step,
    today: NaiveDate,
    limits: Limits,
) -> Result<(&'static str, i32), Broken> {
    if now.status == VERIFIED {
        return Err(Broken::new(
            "notice_closed",
            "status",
            "the notice has been verified",
        ));
    }
    match step {
        Step::Answer => Ok((ANSWERED, now.round)),
        Step::Verify if now.status == ANSWERED => Ok((VERIFIED, now.round)),
        Step::Verify => Err(Broken::new(
            "not_answered",
            "status",
            "a notice is verified once its recipient has answered",
        )),
        Step::Escalate { .. } if now.round >= limits.rounds => Err(Broken::new(
            "rounds_exhausted",
            "round",
            "the last round has been sent: what follows is disciplinary action",
        )),
        Step::Escalate { due_on } => {
            deadline(due_on, today)?;
            Ok((OPEN, now.round + 1))
        }
    }
}

/// A notice waiting for its recipient past its deadline.
pub fn is_overdue(status: &str, due_on: NaiveDate, today: NaiveDate) -> bool {
    status == OPEN && due_on < today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const TODAY: &str = "2026-03-10";

    fn step(status: &str, round: i32, step: Step) -> Result<(&'static str, i32), &'static str> {
        next(State { status, round }, step, day(TODAY), Limits::default()).map_err(|b| b.code)
    }

    #[test]
    fn a_notice_is_answered_then_verified() {
        assert_eq!(step(OPEN, 1, Step::Answer), Ok((ANSWERED, 1)));
        assert_eq!(step(ANSWERED, 1, Step::Answer), Ok((ANSWERED, 1)));
        assert_eq!(step(ANSWERED, 1, Step::Verify), Ok((VERIFIED, 1)));
        assert_eq!(step(OPEN, 1, Step::Verify), Err("not_answered"));
        assert_eq!(step(VERIFIED, 1, Step::Answer), Err("notice_closed"));
    }

    #[test]
    fn three_rounds_and_no_fourth() {
        let later = Step::Escalate {
            due_on: day("2026-03-20"),
        };
        assert_eq!(step(OPEN, 1, later), Ok((OPEN, 2)));
        assert_eq!(step(ANSWERED, 2, later), Ok((OPEN, 3)));
        assert_eq!(step(OPEN, 3, later), Err("rounds_exhausted"));
        assert_eq!(step(VERIFIED, 2, later), Err("notice_closed"));
        let past = Step::Escalate { due_on: day(TODAY) };
        assert_eq!(step(OPEN, 1, past), Err("invalid_due_on"));
        let five = Limits { rounds: 5 };
        let state = State {
            status: OPEN,
            round: 3,
        };
        assert_eq!(next(state, later, day(TODAY), five).unwrap(), (OPEN, 4));
    }

    #[test]
    fn only_an_unanswered_notice_past_its_day_is_overdue() {
        assert!(is_overdue(OPEN, day("2026-03-09"), day(TODAY)));
        assert!(!is_overdue(OPEN, day(TODAY), day(TODAY)));
        assert!(!is_overdue(ANSWERED, day("2026-03-01"), day(TODAY)));
        assert!(!is_overdue(VERIFIED, day("2026-03-01"), day(TODAY)));
    }
}
