//! What a group must be (POLICY.md, "Groups and collective preparation"): a subject research
//! group (教研组) is one subject, a lesson-preparation group (备课组) one subject in one grade, a
//! grade group (年级组) one grade; each has a leader or two, and members of its school.

use super::Broken;
use crate::groups::{GRADE, PREPARATION, SUBJECT};

/// The most people one group holds (a grade of a large school).
pub const MAX_MEMBERS: usize = 300;
/// A group has one leader, or two.
pub const LEADERS: std::ops::RangeInclusive<usize> = 1..=2;

/// The subject and grade a group of `kind` keeps: the ones its kind needs, each required.
pub fn shape(
    kind: &str,
    subject: Option<String>,
    grade: Option<String>,
) -> Result<(Option<String>, Option<String>), Broken> {
    let needs_subject = kind == SUBJECT || kind == PREPARATION;
    let needs_grade = kind == PREPARATION || kind == GRADE;
    if needs_subject && subject.is_none() {
        return Err(Broken::new(
            "missing_field",
            "subject",
            "this kind of group has a subject",
        ));
    }
    if needs_grade && grade.is_none() {
        return Err(Broken::new(
            "missing_field",
            "grade",
            "this kind of group has a grade",
        ));
    }
    Ok((
        subject.filter(|_| needs_subject),
        grade.filter(|_| needs_grade),
    ))
}

/// A group's people: each once, one or two of them leaders, at most [`MAX_MEMBERS`].
pub fn check_members(members: &[(String, bool)]) -> Result<(), Broken> {
    if members.len() > MAX_MEMBERS {
        return Err(Broken::new(
            "invalid_length",
            "members",
            "at most 300 members",
        ));
    }
    let mut ids: Vec<&str> = members.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(Broken::new(
            "duplicate_member",
            "members",
            "a person is listed twice",
        ));
    }
    let leaders = members.iter().filter(|(_, leader)| *leader).count();
    if !LEADERS.contains(&leaders) {
        return Err(Broken::new(
            "invalid_leaders",
            "members",
            "a group has one or two leaders",
        ));
    }
    Ok(())
}

/// Who changes a group's people: the school's leaders (and admins) anything; the group's own
/// leaders its ordinary members, but not who leads it.
pub fn may_set_members(
    school_leader: bool,
    group_leader: bool,
    before: &[(String, bool)],
    after: &[(String, bool)],
) -> bool {
    let leaders = |m: &[(String, bool)]| {
        let mut l: Vec<String> = m
            .iter()
            .filter(|(_, l)| *l)
            .map(|(id, _)| id.clone())
            .collect();
        l.sort();
        l
    };
    school_leader || (group_leader && leaders(before) == leaders(after))
}

/// Who approves a guided-learning sheet of a grade, the first step of its chain ("再经年级组长
/// 审核"): the leader of that grade's group. A school that has no group for the grade yet keeps
/// the old rule, any grade-group leader of the school (`has_grade_leader_role`), so that
/// sheets do not stall while a school puts its groups in. Admins may always.
pub fn may_approve_sheet(
    admin: bool,
    has_grade_leader_role: bool,
    caller: &str,
    grade_leaders: Option<&[String]>,
) -> bool {
    admin
        || match grade_leaders {
            Some(leaders) => leaders.iter().any(|l| l == caller),
            None => has_grade_leader_role,
        }
}

/// A guided-learning sheet may belong to a lesson-preparation group of its own school ("导学案
/// 初稿经过反复研讨、修改"): the group drafts it together. An activity record (the photos of a
/// research activity or a preparation) may belong to any group of the school. Only one of the
/// group's people makes either.
pub fn may_own_document(
    document_kind: &str,
    group_kind: &str,
    same_school: bool,
    author_in_group: bool,
) -> Result<(), Broken> {
    use crate::documents::{ACTIVITY_RECORD, GUIDED_LEARNING_SHEET};
    let broken = |code, message| Err(Broken::new(code, "group_id", message));
    if document_kind != GUIDED_LEARNING_SHEET && document_kind != ACTIVITY_RECORD {
        return broken(
            "not_a_group_document",
            "only a guided-learning sheet or an activity record belongs to a group",
        );
    }
    if !same_school {
        return broken("group_not_found", "no such group in the document's school");
    }
    if document_kind == GUIDED_LEARNING_SHEET && group_kind != PREPARATION {
        return broken(
            "wrong_group_kind",
            "a sheet belongs to a lesson-preparation group",
        );
    }
    if !author_in_group {
        return broken(
            "member_not_in_group",
            "only the group's people make its sheets",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_belongs_to_a_preparation_group_of_its_school_made_by_one_of_its_people() {
        let sheet = crate::documents::GUIDED_LEARNING_SHEET;
        assert_eq!(may_own_document(sheet, PREPARATION, true, true), Ok(()));
        let code = |r: Result<(), Broken>| r.err().map(|b| b.code);
        assert_eq!(
            code(may_own_document("lesson_plan", PREPARATION, true, true)),
            Some("not_a_group_document")
        );
        assert_eq!(
            code(may_own_document(sheet, PREPARATION, false, true)),
            Some("group_not_found")
        );
        assert_eq!(
            code(may_own_document(sheet, GRADE, true, true)),
            Some("wrong_group_kind")
        );
        assert_eq!(
            code(may_own_document(sheet, PREPARATION, true, false)),
            Some("member_not_in_group")
        );
        let record = crate::documents::ACTIVITY_RECORD;
        assert_eq!(may_own_document(record, SUBJECT, true, true), Ok(()));
        assert_eq!(may_own_document(record, GRADE, true, true), Ok(()));
    }

    fn people(list: &[(&str, bool)]) -> Vec<(String, bool)> {
        list.iter().map(|(id, l)| (id.to_string(), *l)).collect()
    }

    #[test]
    fn each_kind_keeps_the_subject_and_grade_it_needs() {
        let s = || Some("数学".to_string());
        let g = || Some("三年级".to_string());
        assert_eq!(shape(PREPARATION, s(), g()), Ok((s(), g())));
        assert_eq!(shape(SUBJECT, s(), g()), Ok((s(), None)));
        assert_eq!(shape(GRADE, s(), g()), Ok((None, g())));
        assert_eq!(shape(PREPARATION, s(), None).unwrap_err().field, "grade");
        assert_eq!(shape(SUBJECT, None, g()).unwrap_err().field, "subject");
        assert_eq!(shape(GRADE, None, None).unwrap_err().code, "missing_field");
    }

    #[test]
    fn a_group_has_one_or_two_leaders_and_each_person_once() {
        assert!(check_members(&people(&[("a", true), ("b", false)])).is_ok());
        assert!(check_members(&people(&[("a", true), ("b", true)])).is_ok());
        let none = check_members(&people(&[("a", false)])).unwrap_err();
        assert_eq!(none.code, "invalid_leaders");
        let three = people(&[("a", true), ("b", true), ("c", true)]);
        assert_eq!(check_members(&three).unwrap_err().code, "invalid_leaders");
        let twice = people(&[("a", true), ("a", false)]);
        assert_eq!(check_members(&twice).unwrap_err().code, "duplicate_member");
        let crowd: Vec<(String, bool)> =
            (0..=MAX_MEMBERS).map(|i| (i.to_string(), i == 0)).collect();
        assert_eq!(check_members(&crowd).unwrap_err().code, "invalid_length");
    }

    #[test]
    fn a_sheet_is_approved_by_the_leader_of_its_grade() {
        let leaders = vec!["liu".to_string()];
        assert!(may_approve_sheet(false, true, "liu", Some(&leaders)));
        assert!(!may_approve_sheet(false, true, "other", Some(&leaders)));
        assert!(may_approve_sheet(false, false, "liu", Some(&leaders)));
        assert!(may_approve_sheet(false, true, "other", None));
        assert!(!may_approve_sheet(false, false, "other", None));
        assert!(may_approve_sheet(true, false, "admin", Some(&leaders)));
    }

    #[test]
    fn group_leaders_change_members_but_not_who_leads() {
        let before = people(&[("lead", true), ("a", false)]);
        let added = people(&[("lead", true), ("a", false), ("b", false)]);
        let new_leader = people(&[("lead", true), ("a", true)]);
        assert!(may_set_members(false, true, &before, &added));
        assert!(!may_set_members(false, true, &before, &new_leader));
        assert!(may_set_members(true, false, &before, &new_leader));
        assert!(!may_set_members(false, false, &before, &added));
    }
}
