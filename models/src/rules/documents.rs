//! A document's chain (POLICY.md). A lesson plan: draft → submitted → approved, or
//! needs_revision and back to submitted. A guided-learning sheet ("一份导学案初稿经过反复研讨、修改,
//! 再经年级组长审核,最后由领导签印方可使用"): draft → submitted → grade_approved (the leader of its
//! grade's group) → in_use (a school leader signs it off); a review may send it back for
//! revision while it is submitted. An activity record (photos of what a group's activity
//! produced) is only handed in: draft → submitted, and then read by the school's leaders.
//! Who may take each step is decided by the routes with
//! `rules::groups` and the caller's roles; here is only which step follows which.

use crate::documents::{status, GUIDED_LEARNING_SHEET};

/// A step of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Its teacher (or a person of its group) hands it in.
    Submit,
    /// A reviewer's verdict: approved, or back for revision.
    Review { needs_revision: bool },
    /// The grade's leader approves a sheet.
    Approve,
    /// A school leader signs a sheet off.
    SignOff,
}

/// A step the document's place in its chain does not allow: the stable code and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub detail: &'static str,
}

const fn refused(code: &'static str, detail: &'static str) -> Result<&'static str, Refused> {
    Err(Refused { code, detail })
}

/// The status a document of `kind` in `current` moves to by `step`.
pub fn next(kind: &str, current: &str, step: Step) -> Result<&'static str, Refused> {
    let sheet = kind == GUIDED_LEARNING_SHEET;
    match step {
        Step::Submit => match current {
            status::DRAFT | status::NEEDS_REVISION => Ok(status::SUBMITTED),
            _ => refused("already_submitted", "the document is handed in already"),
        },
        _ if crate::documents::is_kept_only(kind) => refused(
            "invalid_transition",
            "activity records, homework and rectification evidence are kept, not reviewed",
        ),
        Step::Review { .. } if current != status::SUBMITTED => refused(
            "invalid_transition",
            "only a submitted document is reviewed",
        ),
        Step::Review {
            needs_revision: true,
        } => Ok(status::NEEDS_REVISION),
        // A sheet's approval is its grade leader's step: a review leaves it submitted.
        Step::Review { .. } if sheet => Ok(status::SUBMITTED),
        Step::Review { .. } => Ok(status::APPROVED),
        Step::Approve if sheet && current == status::SUBMITTED => Ok(status::GRADE_APPROVED),
        Step::Approve => refused(
            "invalid_transition",
            "the grade-group leader approves a submitted guided-learning sheet",
        ),
        Step::SignOff if sheet && current == status::GRADE_APPROVED => Ok(status::IN_USE),
        Step::SignOff => refused(
            "invalid_transition",
            "a sheet is signed off after the grade-group leader approved it",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = crate::documents::LESSON_PLAN;
    const SHEET: &str = GUIDED_LEARNING_SHEET;

    #[test]
    fn a_lesson_plan_is_submitted_then_approved_or_sent_back() {
        assert_eq!(
            next(PLAN, status::DRAFT, Step::Submit),
            Ok(status::SUBMITTED)
        );
        let approve = Step::Review {
            needs_revision: false,
        };
        let revise = Step::Review {
            needs_revision: true,
        };
        assert_eq!(next(PLAN, status::SUBMITTED, approve), Ok(status::APPROVED));
        assert_eq!(
            next(PLAN, status::SUBMITTED, revise),
            Ok(status::NEEDS_REVISION)
        );
        assert_eq!(
            next(PLAN, status::NEEDS_REVISION, Step::Submit),
            Ok(status::SUBMITTED)
        );
        assert_eq!(
            next(PLAN, status::APPROVED, Step::Submit).map_err(|r| r.code),
            Err("already_submitted")
        );
        assert_eq!(
            next(PLAN, status::DRAFT, approve).map_err(|r| r.code),
            Err("invalid_transition")
        );
        assert!(next(PLAN, status::SUBMITTED, Step::Approve).is_err());
    }

    #[test]
    fn a_sheet_goes_through_its_grade_leader_then_a_school_leader() {
        let approve = Step::Review {
            needs_revision: false,
        };
        assert_eq!(
            next(SHEET, status::SUBMITTED, approve),
            Ok(status::SUBMITTED)
        );
        assert!(next(SHEET, status::SUBMITTED, Step::SignOff).is_err());
        assert_eq!(
            next(SHEET, status::SUBMITTED, Step::Approve),
            Ok(status::GRADE_APPROVED)
        );
        assert!(next(SHEET, status::GRADE_APPROVED, Step::Approve).is_err());
        assert_eq!(
            next(SHEET, status::GRADE_APPROVED, Step::SignOff),
            Ok(status::IN_USE)
        );
        assert!(next(SHEET, status::IN_USE, Step::Submit).is_err());
    }

    #[test]
    fn records_homework_and_evidence_are_handed_in_and_kept() {
        use crate::documents::{ACTIVITY_RECORD, EVIDENCE, HOMEWORK};
        for kept in [ACTIVITY_RECORD, HOMEWORK, EVIDENCE] {
            assert_eq!(
                next(kept, status::DRAFT, Step::Submit),
                Ok(status::SUBMITTED)
            );
            for step in [
                Step::Review {
                    needs_revision: true,
                },
                Step::Approve,
                Step::SignOff,
            ] {
                assert!(
                    next(kept, status::SUBMITTED, step).is_err(),
                    "{kept} {step:?}"
                );
            }
        }
        assert!(next(
            PLAN,
            status::SUBMITTED,
            Step::Review {
                needs_revision: false
            }
        )
        .is_ok());
    }
}
