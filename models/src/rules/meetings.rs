//! What a group's meeting must be (POLICY.md, "Groups and collective preparation"): a
//! lesson-preparation group prepares together (集体备课) with a main preparer (主备人) from the
//! group; a subject or grade group holds a research activity (教研活动) of a known form. Whoever
//! is named in the attendance is a member of the group, once.

use super::Broken;
use crate::groups::{GRADE, PREPARATION, SUBJECT};

pub const COLLECTIVE_PREPARATION: &str = "collective_preparation";
pub const RESEARCH_ACTIVITY: &str = "research_activity";
/// The forms a research activity takes.
pub const ACTIVITIES: [&str; 5] = [
    "lesson_study",
    "lecture",
    "lesson_critique",
    "theme",
    "other",
];
/// How each person named in the attendance took part.
pub const ATTENDANCE: [&str; 3] = ["present", "excused", "absent"];

/// The kind of meeting a group of `group_kind` holds.
pub fn kind_for(group_kind: &str) -> &'static str {
    match group_kind {
        PREPARATION => COLLECTIVE_PREPARATION,
        SUBJECT | GRADE => RESEARCH_ACTIVITY,
        _ => RESEARCH_ACTIVITY,
    }
}

/// A meeting as recorded, the fields the rules look at.
#[derive(Debug, Clone, Default)]
pub struct Proposed<'a> {
    pub kind: &'a str,
    pub activity: Option<&'a str>,
    pub main_preparer_id: Option<&'a str>,
    /// (user id, status)
    pub attendance: &'a [(String, String)],
    pub observation_count: usize,
}

/// Checks a meeting of a group of `group_kind` whose members are `members`.
pub fn check(group_kind: &str, members: &[String], m: &Proposed) -> Result<(), Broken> {
    if m.kind != kind_for(group_kind) {
        return Err(Broken::new(
            "wrong_meeting_kind",
            "kind",
            "a preparation group prepares together; subject and grade groups hold activities",
        ));
    }
    let in_group = |id: &str| members.iter().any(|m| m == id);
    match m.kind {
        COLLECTIVE_PREPARATION => {
            let preparer = m.main_preparer_id.ok_or(Broken::new(
                "missing_field",
                "main_preparer_id",
                "a collective preparation has a main preparer",
            ))?;
            if !in_group(preparer) {
                return Err(not_in_group("main_preparer_id"));
            }
            if m.observation_count > 0 {
                return Err(Broken::new(
                    "not_allowed_here",
                    "observation_ids",
                    "observations are linked to research activities",
                ));
            }
        }
        _ => {
            let activity = m.activity.ok_or(Broken::new(
                "missing_field",
                "activity",
                "a research activity has a form",
            ))?;
            if !ACTIVITIES.contains(&activity) {
                return Err(Broken::new(
                    "invalid_kind",
                    "activity",
                    "unknown activity form",
                ));
            }
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (user, status) in m.attendance {
        if !ATTENDANCE.contains(&status.as_str()) {
            return Err(Broken::new(
                "invalid_kind",
                "attendance",
                "present, excused or absent",
            ));
        }
        if !in_group(user) {
            return Err(not_in_group("attendance"));
        }
        if seen.contains(&user.as_str()) {
            return Err(Broken::new(
                "duplicate_member",
                "attendance",
                "a person is listed twice",
            ));
        }
        seen.push(user);
    }
    Ok(())
}

fn not_in_group(field: &'static str) -> Broken {
    Broken::new("member_not_in_group", field, "not a member of this group")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    fn att(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(u, s)| (u.to_string(), s.to_string()))
            .collect()
    }

    #[test]
    fn a_preparation_group_prepares_with_a_main_preparer_of_the_group() {
        let attendance = att(&[("a", "present"), ("b", "excused")]);
        let ok = Proposed {
            kind: COLLECTIVE_PREPARATION,
            main_preparer_id: Some("a"),
            attendance: &attendance,
            ..Default::default()
        };
        assert!(check(PREPARATION, &members(), &ok).is_ok());
        let stranger = Proposed {
            main_preparer_id: Some("z"),
            ..ok.clone()
        };
        assert_eq!(
            check(PREPARATION, &members(), &stranger).unwrap_err().code,
            "member_not_in_group"
        );
        let none = Proposed {
            main_preparer_id: None,
            ..ok.clone()
        };
        assert_eq!(
            check(PREPARATION, &members(), &none).unwrap_err().field,
            "main_preparer_id"
        );
        let activity = Proposed {
            kind: RESEARCH_ACTIVITY,
            ..ok.clone()
        };
        assert_eq!(
            check(PREPARATION, &members(), &activity).unwrap_err().code,
            "wrong_meeting_kind"
        );
        let linked = Proposed {
            observation_count: 1,
            ..ok
        };
        assert_eq!(
            check(PREPARATION, &members(), &linked).unwrap_err().field,
            "observation_ids"
        );
    }

    #[test]
    fn a_subject_group_holds_activities_of_a_known_form_with_its_members() {
        let attendance = att(&[("a", "present")]);
        let ok = Proposed {
            kind: RESEARCH_ACTIVITY,
            activity: Some("lesson_study"),
            attendance: &attendance,
            observation_count: 2,
            ..Default::default()
        };
        assert!(check(SUBJECT, &members(), &ok).is_ok());
        assert!(check(GRADE, &members(), &ok).is_ok());
        let odd = Proposed {
            activity: Some("party"),
            ..ok.clone()
        };
        assert_eq!(
            check(SUBJECT, &members(), &odd).unwrap_err().code,
            "invalid_kind"
        );
        let twice = att(&[("a", "present"), ("a", "absent")]);
        let doubled = Proposed {
            attendance: &twice,
            ..ok.clone()
        };
        assert_eq!(
            check(SUBJECT, &members(), &doubled).unwrap_err().code,
            "duplicate_member"
        );
        let late = att(&[("b", "late")]);
        let unknown = Proposed {
            attendance: &late,
            ..ok
        };
        assert_eq!(
            check(SUBJECT, &members(), &unknown).unwrap_err().field,
            "attendance"
        );
    }
}
