//! Roles a membership can hold.

use serde::{Deserialize, Serialize};

/// A role within a school, or a district role (`Researcher`, `BureauLeader`) within a district.
/// `admin` is a flag on the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Principal,
    VicePrincipal,
    Dean,
    GradeLeader,
    Teacher,
    Researcher,
    /// District staff of the education bureau (教体局领导, 业务股室负责人): not members of a school,
    /// they observe in every school of their district and read its reports.
    BureauLeader,
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

    /// Roles held in a district rather than a school: district staff.
    pub const DISTRICT_ROLES: [Role; 2] = [Role::Researcher, Role::BureauLeader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Principal => "principal",
            Role::VicePrincipal => "vice_principal",
            Role::Dean => "dean",
            Role::GradeLeader => "grade_leader",
            Role::Teacher => "teacher",
            Role::Researcher => "researcher",
            Role::BureauLeader => "bureau_leader",
            Role::Mentor => "mentor",
            Role::Apprentice => "apprentice",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Self::SCHOOL_ROLES.as_slice(), &Self::DISTRICT_ROLES]
            .concat()
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// A role held in a district: district staff.
    pub fn is_district_role(self) -> bool {
        Self::DISTRICT_ROLES.contains(&self)
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
    /// 骨干: an experienced teacher, who gives demonstration lessons ("定期承担示范教学活动").
    Experienced,
}

impl Qualifier {
    pub const ALL: [Qualifier; 2] = [Qualifier::InChargeOfTeaching, Qualifier::Experienced];

    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::InChargeOfTeaching => "in_charge_of_teaching",
            Qualifier::Experienced => "experienced",
        }
    }

    pub fn parse(s: &str) -> Option<Qualifier> {
        Self::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// The role the qualifier belongs to: a membership may carry it only with that role.
    pub fn role(self) -> Role {
        match self {
            Qualifier::InChargeOfTeaching => Role::VicePrincipal,
            Qualifier::Experienced => Role::Teacher,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_every_role_and_refuses_others() {
        for role in [
            Role::Principal,
            Role::GradeLeader,
            Role::Researcher,
            Role::BureauLeader,
        ] {
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
