//! Who may give another person a new one-time password (issue 21).
//!
//! A reset hands the caller a password that logs in as the person, so it may never reach
//! further than the caller already does: an administrator resets anyone; a school's principal
//! resets a person whose every membership is in a school the caller is principal of (a teacher
//! of two schools is reset by a principal of both, or by an administrator), never an
//! administrator, a district researcher or themselves (their own password they change).

use crate::members::Membership;
use crate::roles::Role;

/// The person whose password would be reset.
pub struct Target<'a> {
    pub id: &'a str,
    pub is_admin: bool,
    pub memberships: &'a [Membership],
}

/// The person asking.
pub struct Resetter<'a> {
    pub id: &'a str,
    pub is_admin: bool,
    pub memberships: &'a [Membership],
}

impl Resetter<'_> {
    fn is_principal_of(&self, school: &str) -> bool {
        self.memberships
            .iter()
            .any(|m| m.school_id.as_deref() == Some(school) && m.has_role(Role::Principal))
    }
}

/// Whether `by` may reset `target`'s password.
pub fn may_reset_password(by: &Resetter, target: &Target) -> bool {
    if by.id == target.id {
        return false;
    }
    if by.is_admin {
        return true;
    }
    !target.is_admin
        && !target.memberships.is_empty()
        && target.memberships.iter().all(|m| match &m.school_id {
            Some(school) => by.is_principal_of(school),
            None => false,
        })
}

/// Whether `by` may end every session of `target` (a phone lost or stolen): whoever may reset
/// their password, so a principal acts for their own school's people without an administrator.
pub fn may_end_sessions(by: &Resetter, target: &Target) -> bool {
    may_reset_password(by, target)
}

/// Whether `by` may read the record of `target`'s account: whoever may reset their password,
/// and an administrator their own too (a principal's own record is read by an administrator).
pub fn may_read_account_events(by: &Resetter, target: &Target) -> bool {
    by.is_admin || may_reset_password(by, target)
}

/// Whether `by` leads a school `target` is a member of (so may learn that the person exists:
/// a refused reset is 403, not 404).
pub fn knows_person(by: &Resetter, target: &Target) -> bool {
    by.is_admin
        || target.memberships.iter().any(|m| {
            m.school_id.as_deref().is_some_and(|s| {
                by.memberships.iter().any(|b| {
                    b.school_id.as_deref() == Some(s)
                        && b.roles.iter().copied().any(Role::is_school_leader)
                })
            })
        })
}

/// Whether `by` may set the roles of `membership` (a school's: the roles a person holds there):
/// an administrator; the school's principal, for anyone's membership there but their own (a
/// principal who took the role from themselves would leave the school without one).
pub fn may_set_roles(by: &Resetter, membership: &Membership) -> bool {
    if by.is_admin {
        return true;
    }
    match membership.school_id.as_deref() {
        Some(school) => by.is_principal_of(school) && membership.user_id != by.id,
        None => false,
    }
}

/// The qualifiers of `qualifiers` that still qualify one of `roles` (a vice principal who is
/// no longer one is no longer in charge of teaching).
pub fn qualifiers_kept(
    qualifiers: &[crate::roles::Qualifier],
    roles: &[Role],
) -> Vec<crate::roles::Qualifier> {
    qualifiers
        .iter()
        .copied()
        .filter(|q| roles.contains(&q.role()))
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_lost_role_takes_its_qualifier_with_it() {
        use crate::roles::Qualifier;
        let kept = qualifiers_kept(&[Qualifier::InChargeOfTeaching], &[Role::Teacher]);
        assert!(kept.is_empty(), "no longer a vice principal");
        let roles = [Role::VicePrincipal, Role::Teacher];
        let kept = qualifiers_kept(&[Qualifier::InChargeOfTeaching], &roles);
        assert_eq!(kept, [Qualifier::InChargeOfTeaching]);
    }

    use super::*;

    fn m(school: Option<&str>, roles: &[Role]) -> Membership {
        Membership {
            id: format!("m-{school:?}-{roles:?}"),
            user_id: String::new(),
            district_id: "d".into(),
            school_id: school.map(str::to_string),
            roles: roles.to_vec(),
            subjects: Vec::new(),
            created_at: chrono::NaiveDateTime::default(),
            qualifiers: Vec::new(),
            contact_school_ids: Vec::new(),
            grades: Vec::new(),
        }
    }

    fn by<'a>(id: &'a str, admin: bool, ms: &'a [Membership]) -> Resetter<'a> {
        Resetter {
            id,
            is_admin: admin,
            memberships: ms,
        }
    }

    fn target<'a>(id: &'a str, admin: bool, ms: &'a [Membership]) -> Target<'a> {
        Target {
            id,
            is_admin: admin,
            memberships: ms,
        }
    }

    #[test]
    fn a_principal_resets_the_people_of_their_school_only() {
        let principal = [m(Some("a"), &[Role::Principal])];
        let p = by("p", false, &principal);
        let teacher_a = [m(Some("a"), &[Role::Teacher])];
        assert!(may_reset_password(&p, &target("t", false, &teacher_a)));
        let teacher_b = [m(Some("b"), &[Role::Teacher])];
        assert!(!may_reset_password(&p, &target("t", false, &teacher_b)));
        assert!(!knows_person(&p, &target("t", false, &teacher_b)));
        // in two schools: the principal of one is not enough
        let both = [
            m(Some("a"), &[Role::Teacher]),
            m(Some("b"), &[Role::Teacher]),
        ];
        assert!(!may_reset_password(&p, &target("t", false, &both)));
        assert!(knows_person(&p, &target("t", false, &both)));
        // a researcher, an admin, oneself, nobody
        let researcher = [m(None, &[Role::Researcher])];
        assert!(!may_reset_password(&p, &target("r", false, &researcher)));
        assert!(!may_reset_password(&p, &target("x", true, &teacher_a)));
        assert!(!may_reset_password(&p, &target("p", false, &principal)));
        assert!(!may_reset_password(&p, &target("n", false, &[])));
    }

    #[test]
    fn a_dean_or_a_teacher_resets_nobody_and_an_admin_everybody_else() {
        let dean = [m(Some("a"), &[Role::Dean])];
        let teacher_a = [m(Some("a"), &[Role::Teacher])];
        let d = by("d", false, &dean);
        assert!(!may_reset_password(&d, &target("t", false, &teacher_a)));
        assert!(knows_person(&d, &target("t", false, &teacher_a)));
        let t = by("t2", false, &teacher_a);
        assert!(!knows_person(&t, &target("t", false, &teacher_a)));
        let admin = by("adm", true, &[]);
        assert!(may_reset_password(&admin, &target("x", true, &[])));
        assert!(!may_reset_password(&admin, &target("adm", true, &[])));
        // The record of an account: whoever may reset it, and an administrator their own.
        assert!(may_read_account_events(&admin, &target("adm", true, &[])));
        assert!(!may_read_account_events(
            &d,
            &target("t", false, &teacher_a)
        ));
        let principal = [m(Some("a"), &[Role::Principal])];
        let p = by("p", false, &principal);
        assert!(may_read_account_events(&p, &target("t", false, &teacher_a)));
        assert!(!may_read_account_events(
            &p,
            &target("p", false, &principal)
        ));
    }
}
