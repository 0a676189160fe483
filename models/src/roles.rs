//! Roles a membership can hold.

use serde::{Deserialize, Serialize};

/// A role within a school, or `Researcher` within a district. `admin` is a flag on the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Principal,
    VicePrincipal,
    Dean,
    GradeLeader,
    Teacher,
    Researcher,
    /// Pair roles: held through a mentorship, never given as a membership; quota rules use them.
    Mentor,
    Apprentice,
}

impl Role {
    pub const SCHOOL_ROLES: [Role; 5] = [
        Role::Principal,
        Role::VicePrincipal,
        Role::Dean,
        Role::GradeLeader,
        Role::Teacher,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Principal => "principal",
            Role::VicePrincipal => "vice_principal",
            Role::Dean => "dean",
            Role::GradeLeader => "grade_leader",
            Role::Teacher => "teacher",
            Role::Researcher => "researcher",
            Role::Mentor => "mentor",
            Role::Apprentice => "apprentice",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Self::SCHOOL_ROLES.as_slice(), &[Role::Researcher]]
            .concat()
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// School leaders: they review documents and see colleagues' phone numbers. Who of them
    /// reads the whole school's work is `rules::visibility::reads_whole_school`; a grade-group
    /// leader reads only the people of their grade groups.
    pub fn is_school_leader(self) -> bool {
        matches!(
            self,
            Role::Principal | Role::VicePrincipal | Role::Dean | Role::GradeLeader
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_every_role_and_refuses_others() {
        for role in [Role::Principal, Role::GradeLeader, Role::Researcher] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::parse("Principal"), None);
    }
}
