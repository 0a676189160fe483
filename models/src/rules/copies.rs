//! Who sees that a page is the same as another one (issue 24, copied plans).
//!
//! A teacher sees that their page is the same as another page, and whose when it is in their own
//! school; when it is in another school they see only that it is (which school or teacher is
//! not theirs to know). The leaders who read the whole school's work see the matches within
//! their school by name; the district's researchers and staff see them across the district.
//! Another teacher's draft is nobody else's business: a match with it is shown to nobody else,
//! district staff included (a draft is not submitted work).
//!
//! A page that is the same as a page of the same teacher in another document (a plan used
//! again the next year) is a reuse, told apart from a copy of another teacher's page.

/// How a match is shown to one viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// With the other page, its document, teacher and school.
    Named,
    /// Only that there is one (its kind and strength), nothing that names the other side.
    Unnamed,
    /// Not at all.
    Hidden,
}

/// The viewer of a page, as far as matches go.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub id: &'a str,
    /// Reads every submitted work of the other page's school (its leaders, the district's
    /// staff, admins).
    pub reads_other_school: bool,
    /// Is a member of the other page's school.
    pub in_other_school: bool,
}

/// The other page of a match.
#[derive(Debug, Clone, Copy)]
pub struct Other<'a> {
    pub teacher_id: &'a str,
    pub draft: bool,
}

/// How `viewer` sees a match with `other`.
pub fn shown(viewer: Viewer, other: Other) -> Shown {
    if other.teacher_id == viewer.id {
        return Shown::Named;
    }
    if other.draft {
        return Shown::Hidden;
    }
    if viewer.reads_other_school || viewer.in_other_school {
        Shown::Named
    } else {
        Shown::Unnamed
    }
}

/// Whether two matching pages are a copy worth telling: not when both are in one document (a
/// page photographed twice for one plan is a slip of the thumb).
pub fn is_a_copy(document_id: &str, other_document_id: &str) -> bool {
    document_id != other_document_id
}

/// What a match is: the same teacher's page again, or another teacher's.
pub fn kind(teacher_id: &str, other_teacher_id: &str) -> &'static str {
    match teacher_id == other_teacher_id {
        true => "reused",
        false => "other_teacher",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(reads: bool, member: bool) -> Viewer<'static> {
        Viewer {
            id: "me",
            reads_other_school: reads,
            in_other_school: member,
        }
    }

    const THEIRS: Other = Other {
        teacher_id: "them",
        draft: false,
    };

    #[test]
    fn a_teacher_sees_whose_page_only_in_their_own_school() {
        assert_eq!(shown(viewer(false, true), THEIRS), Shown::Named);
        assert_eq!(shown(viewer(false, false), THEIRS), Shown::Unnamed);
    }

    #[test]
    fn leaders_and_district_staff_see_whose_page_where_they_read_the_school() {
        assert_eq!(shown(viewer(true, false), THEIRS), Shown::Named);
    }

    #[test]
    fn another_teachers_draft_is_shown_to_nobody_and_ones_own_always() {
        let draft = Other {
            draft: true,
            ..THEIRS
        };
        assert_eq!(shown(viewer(true, true), draft), Shown::Hidden);
        let mine = Other {
            teacher_id: "me",
            draft: true,
        };
        assert_eq!(shown(viewer(false, false), mine), Shown::Named);
    }

    #[test]
    fn a_page_twice_in_one_document_is_no_copy() {
        assert!(!is_a_copy("d", "d"));
        assert!(is_a_copy("d", "e"));
    }

    #[test]
    fn the_same_teachers_page_again_is_a_reuse() {
        assert_eq!(kind("a", "a"), "reused");
        assert_eq!(kind("a", "b"), "other_teacher");
    }
}
