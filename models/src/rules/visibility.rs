//! Who reads whose submitted work (POLICY.md, "Groups and collective preparation"; issue 18).
//!
//! The principal, vice principals and deans read the whole school's submitted work. A grade-group
//! leader (年级组长) reads the submitted work of the people of the grade groups (年级组) they lead,
//! in that school, and nothing more of the school: holding the `grade_leader` role alone
//! gives no reading, and neither does leading a subject or lesson-preparation group. Everyone
//! reads their own work and the submitted observations of their own lessons.

use crate::groups::GRADE;
use crate::roles::Role;

/// Whether `role` reads every submitted observation and document of its school.
pub fn reads_whole_school(role: Role) -> bool {
    matches!(role, Role::Principal | Role::VicePrincipal | Role::Dean)
}

/// A group the caller leads, as loaded: its school, kind, whether it is live (not deleted) and
/// its people (the caller among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedGroup {
    pub school_id: String,
    pub kind: String,
    pub live: bool,
    pub people: Vec<String>,
}

/// The people whose submitted work a leader reads in one school through the grade groups they
/// lead there, sorted, each once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct GroupReading {
    pub school_id: String,
    pub people: Vec<String>,
}

/// Whom a leader reads through groups: the people of each live grade group they lead in a
/// school where they hold the grade-group leader's role (`grade_leader_schools`). Sorted by
/// school, so that the same groups always give the same answer (the sync cursor fingerprints it).
pub fn read_through_groups(grade_leader_schools: &[&str], led: &[LedGroup]) -> Vec<GroupReading> {
    let mut by_school: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for g in led {
        if g.kind == GRADE && g.live && grade_leader_schools.contains(&g.school_id.as_str()) {
            by_school
                .entry(g.school_id.as_str())
                .or_default()
                .extend(g.people.iter().cloned());
        }
    }
    by_school
        .into_iter()
        .map(|(school_id, mut people)| {
            people.sort();
            people.dedup();
            GroupReading {
                school_id: school_id.to_string(),
                people,
            }
        })
        .collect()
}

/// Whether `readings` let their holder read `person`'s submitted work in `school_id`.
pub fn reads_person(readings: &[GroupReading], school_id: &str, person: &str) -> bool {
    readings.iter().any(|r| {
        r.school_id == school_id
            && r.people
                .binary_search_by(|p| p.as_str().cmp(person))
                .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::{PREPARATION, SUBJECT};

    fn group(school: &str, kind: &str, live: bool, people: &[&str]) -> LedGroup {
        LedGroup {
            school_id: school.into(),
            kind: kind.into(),
            live,
            people: people.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn senior_leaders_read_the_whole_school_and_grade_leaders_do_not() {
        assert!(reads_whole_school(Role::Principal));
        assert!(reads_whole_school(Role::VicePrincipal));
        assert!(reads_whole_school(Role::Dean));
        assert!(!reads_whole_school(Role::GradeLeader));
        assert!(!reads_whole_school(Role::Teacher));
        assert!(!reads_whole_school(Role::Researcher));
    }

    #[test]
    fn a_grade_leader_reads_the_people_of_the_live_grade_groups_they_lead() {
        let led = [
            group("s1", GRADE, true, &["liu", "wang", "zhao"]),
            group("s1", GRADE, true, &["liu", "chen", "wang"]),
            group("s1", GRADE, false, &["liu", "gone"]),
            group("s1", SUBJECT, true, &["liu", "sun"]),
            group("s1", PREPARATION, true, &["liu", "qian"]),
        ];
        let read = read_through_groups(&["s1"], &led);
        let people = ["chen", "liu", "wang", "zhao"].map(String::from).to_vec();
        assert_eq!(
            read,
            vec![GroupReading {
                school_id: "s1".into(),
                people
            }]
        );
        assert!(reads_person(&read, "s1", "wang"));
        assert!(!reads_person(&read, "s1", "gone"));
        assert!(!reads_person(&read, "s1", "sun"));
        assert!(!reads_person(&read, "s1", "qian"));
        assert!(!reads_person(&read, "s2", "wang"));
    }

    #[test]
    fn the_role_and_the_group_are_both_needed_and_each_school_reads_apart() {
        let led = [
            group("s1", GRADE, true, &["liu", "wang"]),
            group("s2", GRADE, true, &["liu", "zhou"]),
        ];
        // Leading a grade group without the grade leader's role in its school reads nothing.
        assert_eq!(read_through_groups(&[], &led), vec![]);
        let read = read_through_groups(&["s2"], &led);
        assert!(reads_person(&read, "s2", "zhou"));
        assert!(!reads_person(&read, "s1", "wang"));
        // A person of one school's group is not read in the other school.
        let both = read_through_groups(&["s1", "s2"], &led);
        assert_eq!(both.len(), 2);
        assert!(!reads_person(&both, "s1", "zhou"));
        assert!(!reads_person(&both, "s2", "wang"));
        // The grade leader's role without a group reads nothing either.
        assert_eq!(read_through_groups(&["s1"], &[]), vec![]);
    }
}
