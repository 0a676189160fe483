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

/// What a membership's role may carry besides the role itself (POLICY.md: "Only the vice
/// principal **in charge of teaching** (分管教学的副校长) has the 20-a-term quota").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// 分管教学: the vice principal in charge of teaching.
    InChargeOfTeaching,
}

impl Qualifier {
    pub const ALL: [Qualifier; 1] = [Qualifier::InChargeOfTeaching];

    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::InChargeOfTeaching => "in_charge_of_teaching",
        }
    }

    pub fn parse(s: &str) -> Option<Qualifier> {
        Self::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// The role the qualifier belongs to: a membership may carry it only with that role.
    pub fn role(self) -> Role {
        match self {
            Qualifier::InChargeOfTeaching => Role::VicePrincipal,
        }
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

    #[test]
    fn a_qualifier_belongs_to_its_role() {
        let q = Qualifier::parse("in_charge_of_teaching").unwrap();
        assert_eq!(q.role(), Role::VicePrincipal);
        assert_eq!(Qualifier::parse("teaching"), None);
    }
}
