//! A district's workbook against what the district holds (issue 21): what an import would create,
//! change and leave alone, who is missing from it, and every problem of its rows. Pure: the
//! workbook comes read (`api::workbook`), the district comes loaded, and the same input over the
//! same district always plans the same [`Changes`], which is how a commit knows that it applies
//! exactly what was previewed.

use crate::names::normalise;
use crate::roles::Role;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The sheets of the template, as named in it.
pub const SCHOOLS_SHEET: &str = "学校";
pub const PEOPLE_SHEET: &str = "人员";
pub const TERMS_SHEET: &str = "学期";

/// A row of the schools sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolRow {
    /// The row number as the spreadsheet shows it (the header is row 1).
    pub row: u32,
    pub name: String,
}

/// A row of the people sheet, as text (dates and numbers already written as text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRow {
    pub row: u32,
    pub name: String,
    pub phone: String,
    pub school: String,
    pub roles: String,
    pub subjects: String,
    /// The grades the person teaches (任教年级); older kept plans lack it.
    #[serde(default)]
    pub grades: String,
    /// The groups the person is in (所在组); `(组长)` after a name: they lead it.
    #[serde(default)]
    pub groups: String,
}

/// A row of the terms sheet; a date that could not be read is `None` (and a problem already).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermRow {
    pub row: u32,
    pub name: String,
    pub school_year: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

/// One problem of one cell (or row: the column of its first cell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub sheet: String,
    pub row: u32,
    /// The column's letter, as the spreadsheet shows it.
    pub column: String,
    pub code: String,
    /// The value that is wrong, when showing it helps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Problem {
    pub fn new(sheet: &str, row: u32, column: &str, code: &str, value: Option<&str>) -> Problem {
        Problem {
            sheet: sheet.to_string(),
            row,
            column: column.to_string(),
            code: code.to_string(),
            value: value.map(|v| v.chars().take(100).collect()),
        }
    }
}

/// A workbook as read: its rows and the problems found while reading the cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Workbook {
    pub schools: Vec<SchoolRow>,
    pub people: Vec<PersonRow>,
    pub terms: Vec<TermRow>,
    pub problems: Vec<Problem>,
}

/// A school of the district.
#[derive(Debug, Clone)]
pub struct KnownSchool {
    pub id: String,
    pub name: String,
}

/// A term of the district.
#[derive(Debug, Clone)]
pub struct KnownTerm {
    pub name: String,
    pub school_year: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// A person who has a phone of the workbook.
#[derive(Debug, Clone)]
pub struct KnownPerson {
    pub id: String,
    pub name: String,
    pub phone: String,
}

/// A membership: of the district's schools, or of a person of the workbook anywhere.
#[derive(Debug, Clone)]
pub struct KnownMembership {
    pub id: String,
    pub user_id: String,
    pub district_id: String,
    pub school_id: Option<String>,
    pub roles: Vec<Role>,
    pub subjects: Vec<String>,
    pub grades: Vec<String>,
    /// The person's name and phone.
    pub name: String,
    pub phone: String,
}

/// A live group of one of the district's schools, with its people (user id, leader).
#[derive(Debug, Clone)]
pub struct KnownGroup {
    pub id: String,
    pub school_id: String,
    pub name: String,
    pub members: Vec<(String, bool)>,
}

/// What the district holds that the workbook is compared with.
#[derive(Debug, Clone, Default)]
pub struct District {
    pub id: String,
    pub schools: Vec<KnownSchool>,
    pub terms: Vec<KnownTerm>,
    pub people: Vec<KnownPerson>,
    pub memberships: Vec<KnownMembership>,
    pub groups: Vec<KnownGroup>,
}

/// Who imports: an administrator (the whole district) or a school's principal (`school`: their
/// school only; no new schools, no terms, no researchers).
#[derive(Debug, Clone)]
pub struct Scope {
    pub school: Option<String>,
}

/// A person of the plan: one who exists, or the n-th new one of [`Changes::people`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRef {
    Existing(String),
    New(usize),
}

/// Where a membership is: a school that exists, the n-th new school, or the district itself
/// (a researcher).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchoolRef {
    Existing(String),
    New(usize),
    District,
}

/// A group of the plan: one that exists, or the n-th new one of [`Changes::groups`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRef {
    Existing(String),
    New(usize),
}

/// A group the workbook names that its school does not have yet: made by the commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewGroup {
    pub school: SchoolRef,
    pub name: String,
    /// `subject`, `preparation` or `grade` (`crate::groups::KINDS`), told from the name.
    pub kind: String,
    pub subject: Option<String>,
    pub grade: Option<String>,
}

/// A person who joins a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupJoin {
    pub group: GroupRef,
    pub person: PersonRef,
    pub leader: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTerm {
    pub name: String,
    pub school_year: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPerson {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Join {
    pub person: PersonRef,
    pub school: SchoolRef,
    pub roles: Vec<Role>,
    pub subjects: Vec<String>,
    #[serde(default)]
    pub grades: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Update {
    pub membership_id: String,
    pub roles: Vec<Role>,
    pub subjects: Vec<String>,
    #[serde(default)]
    pub grades: Vec<String>,
}

/// Exactly what a commit applies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub schools: Vec<String>,
    pub terms: Vec<NewTerm>,
    pub people: Vec<NewPerson>,
    /// (user id, new name)
    pub renames: Vec<(String, String)>,
    pub joins: Vec<Join>,
    pub updates: Vec<Update>,
    #[serde(default)]
    pub groups: Vec<NewGroup>,
    #[serde(default)]
    pub group_members: Vec<GroupJoin>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

/// One row of the preview's lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub sheet: String,
    pub row: u32,
    /// `school`, `term`, `person` or `group`.
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// What changes (`name`, `roles`, `subjects`, `grades`, `groups`: a group joined,
    /// `school`: a new school for the person).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// A membership of a school the workbook covers whose person is not in it: listed, removed only
/// when the commit names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Missing {
    pub membership_id: String,
    pub user_id: String,
    pub name: String,
    pub phone: String,
    pub school_id: Option<String>,
    pub school: String,
}

/// How many rows of each kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub schools: Counts,
    pub terms: Counts,
    pub people: Counts,
    /// Groups the workbook names that do not exist yet (`created`).
    #[serde(default)]
    pub groups: Counts,
    pub missing: usize,
    pub problems: usize,
}

/// The plan of an import: its changes and what the preview shows of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub changes: Changes,
    pub summary: Summary,
    pub created: Vec<Line>,
    pub changed: Vec<Line>,
    pub missing: Vec<Missing>,
    pub problems: Vec<Problem>,
}

/// Longest name of a person, a school or a term; longest subject.
const MAX_NAME: usize = 50;
const MAX_SUBJECT: usize = 30;
const MAX_SUBJECTS: usize = 20;
/// Grades one person teaches, groups one person is in, at most.
const MAX_GRADES: usize = 12;
const MAX_GROUPS: usize = 20;
/// Longest grade, and subject of a group (as the groups' API takes them).
const MAX_GRADE: usize = 20;
/// What marks the leader of a group in the groups column: `数学教研组(组长)`.
const LEADER_MARK: &str = "(组长)";

/// Role names a workbook may use: the template's Chinese ones, their common variants, and the
/// API's own.
pub fn parse_role(text: &str) -> Option<Role> {
    let role = match text {
        "校长" => Role::Principal,
        "副校长" | "教学副校长" | "分管教学副校长" => Role::VicePrincipal,
        "教导主任" | "教务主任" => Role::Dean,
        "年级组长" => Role::GradeLeader,
        "教师" | "老师" | "任课教师" => Role::Teacher,
        "教研员" => Role::Researcher,
        "教体局领导" | "股室负责人" => Role::BureauLeader,
        other => return Role::parse(&other.to_ascii_lowercase()),
    };
    Some(role)
}

/// The Chinese name of a role, as the template and the login sheet write it.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Principal => "校长",
        Role::VicePrincipal => "副校长",
        Role::Dean => "教导主任",
        Role::GradeLeader => "年级组长",
        Role::Teacher => "教师",
        Role::Researcher => "教研员",
        Role::BureauLeader => "教体局领导",
        Role::Mentor => "师傅",
        Role::Apprentice => "徒弟",
    }
}

/// Splits a cell listing several values: commas, the ideographic comma and semicolons, Chinese or
/// not, and line breaks.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；', '\n', '/'])
        .map(normalise)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A mainland mobile number from what a cell held: full-width digits, spaces, hyphens and a
/// leading +86 are forgiven. `None`: not a mobile number.
pub fn parse_phone(text: &str) -> Option<String> {
    let digits: String = normalise(text)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
        .unwrap_or(&digits);
    let mut chars = digits.chars();
    let ok = digits.len() == 11
        && digits.chars().all(|c| c.is_ascii_digit())
        && chars.next() == Some('1')
        && chars.next().is_some_and(|c| ('3'..='9').contains(&c));
    ok.then(|| digits.to_string())
}

/// A date written as text: `2026-09-01`, `2026/9/1`, `2026.9.1`, `2026年9月1日`, full-width digits
/// included; from 2000 to 2100.
pub fn parse_date_text(text: &str) -> Option<NaiveDate> {
    let t = normalise(text);
    let t = t.trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(y, m, d).filter(|day| (2000..=2100).contains(&day.year()))
}

/// A date from a spreadsheet's day number (days since 1899-12-30, Excel's 1900 system), from
/// 2000 to 2100.
pub fn date_from_serial(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || serial.fract() != 0.0 {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let day = epoch.checked_add_signed(chrono::Duration::days(serial as i64))?;
    (2000..=2100).contains(&day.year()).then_some(day)
}

/// A group's name as written in the groups column, and whether the person leads it.
pub fn parse_group(text: &str) -> (String, bool) {
    let name = normalise(text);
    match name.strip_suffix(LEADER_MARK) {
        Some(rest) => (normalise(rest), true),
        None => (name, false),
    }
}

/// The kind, subject and grade of a new group, told from its name as schools write them:
/// `三年级组` (grade group), `三年级数学备课组` (lesson-preparation group), `数学教研组` or
/// `数学组` (subject research group). `None`: the name does not say.
pub fn group_kind(name: &str) -> Option<(&'static str, Option<String>, Option<String>)> {
    use crate::groups::{GRADE, PREPARATION, SUBJECT};
    let part = |s: &str| {
        let s = normalise(s);
        (!s.is_empty() && s.chars().count() <= MAX_GRADE).then_some(s)
    };
    if let Some(grade) = name.strip_suffix("年级组") {
        return Some((GRADE, None, Some(part(&format!("{grade}年级"))?)));
    }
    if let Some(rest) = name.strip_suffix("备课组") {
        let (grade, subject) = rest.split_once("年级")?;
        let grade = part(&format!("{grade}年级")).filter(|_| !grade.trim().is_empty())?;
        return Some((PREPARATION, Some(part(subject)?), Some(grade)));
    }
    let subject = name
        .strip_suffix("教研组")
        .or_else(|| name.strip_suffix('组'))?;
    Some((SUBJECT, Some(part(subject)?), None))
}

/// A school year written `2026-2027`.
fn valid_school_year(text: &str) -> bool {
    let Some((a, b)) = text.split_once('-') else {
        return false;
    };
    let digits = |s: &str| s.len() == 4 && s.chars().all(|c| c.is_ascii_digit());
    match (digits(a), digits(b), a.parse::<i32>(), b.parse::<i32>()) {
        (true, true, Ok(a), Ok(b)) => (2000..=2100).contains(&a) && b == a + 1,
        _ => false,
    }
}

fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("missing_value");
    }
    if name.chars().count() > MAX_NAME {
        return Some("invalid_length");
    }
    if name.chars().any(char::is_control) {
        return Some("invalid_text");
    }
    None
}

/// A person row that passed its checks.
struct Checked {
    name: String,
    phone: String,
    school: SchoolRef,
    roles: Vec<Role>,
    subjects: Vec<String>,
    grades: Vec<String>,
    /// (group name, leads it)
    groups: Vec<(String, bool)>,
}

struct Planner<'a> {
    district: &'a District,
    scope: &'a Scope,
    plan: Plan,
    /// Normalised school name → where it is.
    schools: HashMap<String, SchoolRef>,
    /// Row of each school of the schools sheet, by where it is.
    school_rows: HashMap<SchoolRef, u32>,
    /// (school, normalised group name) → the group.
    groups: HashMap<(SchoolRef, String), GroupRef>,
    /// Of each new group: the row that first named it and how many rows lead it.
    new_groups: Vec<(u32, usize)>,
}

impl Planner<'_> {
    fn problem(&mut self, sheet: &str, row: u32, column: &str, code: &str, value: Option<&str>) {
        self.plan
            .problems
            .push(Problem::new(sheet, row, column, code, value));
    }

    fn school_name(&self, school: &SchoolRef) -> String {
        match school {
            SchoolRef::Existing(id) => self
                .district
                .schools
                .iter()
                .find(|s| &s.id == id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            SchoolRef::New(i) => self.plan.changes.schools[*i].clone(),
            SchoolRef::District => String::new(),
        }
    }

    fn plan_schools(&mut self, rows: &[SchoolRow]) {
        for s in &self.district.schools {
            self.schools
                .insert(normalise(&s.name), SchoolRef::Existing(s.id.clone()));
        }
        let mut seen = BTreeSet::new();
        for r in rows {
            let name = normalise(&r.name);
            if let Some(code) = name_problem(&name) {
                self.problem(SCHOOLS_SHEET, r.row, "A", code, Some(&r.name));
                continue;
            }
            if !seen.insert(name.clone()) {
                self.problem(SCHOOLS_SHEET, r.row, "A", "duplicate_row", Some(&name));
                continue;
            }
            let line = Line {
                sheet: SCHOOLS_SHEET.into(),
                row: r.row,
                kind: "school".into(),
                name: name.clone(),
                phone: None,
                school: None,
                fields: Vec::new(),
            };
            match self.schools.get(&name).cloned() {
                Some(found) => {
                    if let (Some(own), SchoolRef::Existing(id)) = (&self.scope.school, &found) {
                        if own != id {
                            self.problem(SCHOOLS_SHEET, r.row, "A", "school_out_of_scope", None);
                            continue;
                        }
                    }
                    self.plan.summary.schools.unchanged += 1;
                    self.school_rows.insert(found, r.row);
                }
                None if self.scope.school.is_some() => {
                    self.problem(
                        SCHOOLS_SHEET,
                        r.row,
                        "A",
                        "school_out_of_scope",
                        Some(&name),
                    );
                }
                None => {
                    let at = SchoolRef::New(self.plan.changes.schools.len());
                    self.plan.changes.schools.push(name.clone());
                    self.schools.insert(name, at.clone());
                    self.school_rows.insert(at, r.row);
                    self.plan.summary.schools.created += 1;
                    self.plan.created.push(line);
                }
            }
        }
    }

    fn plan_terms(&mut self, rows: &[TermRow]) {
        let mut planned: Vec<(NaiveDate, NaiveDate)> = Vec::new();
        for r in rows {
            if self.scope.school.is_some() {
                self.problem(TERMS_SHEET, r.row, "A", "admin_only", None);
                continue;
            }
            let name = normalise(&r.name);
            let year = normalise(&r.school_year);
            let mut bad = false;
            if let Some(code) = name_problem(&name) {
                self.problem(TERMS_SHEET, r.row, "A", code, Some(&r.name));
                bad = true;
            }
            if !valid_school_year(&year) {
                self.problem(TERMS_SHEET, r.row, "B", "invalid_school_year", Some(&year));
                bad = true;
            }
            let (Some(starts), Some(ends)) = (r.starts_on, r.ends_on) else {
                // The reader has reported the date it could not read.
                continue;
            };
            if ends < starts {
                self.problem(TERMS_SHEET, r.row, "D", "invalid_date_range", None);
                bad = true;
            }
            if bad {
                continue;
            }
            let (s, e) = (starts.to_string(), ends.to_string());
            let same = self
                .district
                .terms
                .iter()
                .find(|t| normalise(&t.name) == name && t.school_year == year);
            if let Some(t) = same {
                if t.starts_on == s && t.ends_on == e {
                    self.plan.summary.terms.unchanged += 1;
                } else {
                    self.problem(TERMS_SHEET, r.row, "C", "term_differs", Some(&name));
                }
                continue;
            }
            let overlaps_known = self
                .district
                .terms
                .iter()
                .any(|t| t.starts_on <= e && t.ends_on >= s);
            let overlaps_new = planned.iter().any(|(a, b)| *a <= ends && *b >= starts);
            if overlaps_known || overlaps_new {
                self.problem(TERMS_SHEET, r.row, "C", "term_overlap", Some(&name));
                continue;
            }
            planned.push((starts, ends));
            self.plan.changes.terms.push(NewTerm {
                name: name.clone(),
                school_year: year,
                starts_on: s,
                ends_on: e,
            });
            self.plan.summary.terms.created += 1;
            self.plan.created.push(Line {
                sheet: TERMS_SHEET.into(),
                row: r.row,
                kind: "term".into(),
                name,
                phone: None,
                school: None,
                fields: Vec::new(),
            });
        }
    }

    /// Checks one person row; `None` when it has a problem (reported).
    fn read_person(&mut self, r: &PersonRow) -> Option<Checked> {
        let sheet = PEOPLE_SHEET;
        let name = normalise(&r.name);
        let mut ok = true;
        if let Some(code) = name_problem(&name) {
            self.problem(sheet, r.row, "A", code, Some(&r.name));
            ok = false;
        }
        let phone = parse_phone(&r.phone);
        if phone.is_none() {
            let code = match r.phone.trim().is_empty() {
                true => "missing_value",
                false => "invalid_phone",
            };
            self.problem(sheet, r.row, "B", code, Some(&r.phone));
            ok = false;
        }
        let mut roles = Vec::new();
        let role_names = split_list(&r.roles);
        if role_names.is_empty() {
            self.problem(sheet, r.row, "D", "missing_value", None);
            ok = false;
        }
        for n in &role_names {
            match parse_role(n) {
                Some(role) if !roles.contains(&role) => roles.push(role),
                Some(_) => {}
                None => {
                    self.problem(sheet, r.row, "D", "unknown_role", Some(n));
                    ok = false;
                }
            }
        }
        roles.sort();
        let researcher = roles.contains(&Role::Researcher);
        let school_name = normalise(&r.school);
        let school = match (school_name.is_empty(), researcher) {
            (true, true) if roles.len() == 1 => {
                if self.scope.school.is_some() {
                    self.problem(sheet, r.row, "D", "admin_only", Some("教研员"));
                    ok = false;
                }
                Some(SchoolRef::District)
            }
            (_, true) => {
                // A researcher belongs to the district, not to a school, and holds no school role.
                self.problem(sheet, r.row, "D", "role_not_allowed", Some("教研员"));
                ok = false;
                None
            }
            (true, false) => {
                self.problem(sheet, r.row, "C", "missing_value", None);
                ok = false;
                None
            }
            (false, false) => match self.schools.get(&school_name).cloned() {
                None => {
                    self.problem(sheet, r.row, "C", "unknown_school", Some(&school_name));
                    ok = false;
                    None
                }
                Some(s) => {
                    let allowed = match (&self.scope.school, &s) {
                        (None, _) => true,
                        (Some(own), SchoolRef::Existing(id)) => own == id,
                        (Some(_), _) => false,
                    };
                    if !allowed {
                        self.problem(sheet, r.row, "C", "school_out_of_scope", Some(&school_name));
                        ok = false;
                    }
                    Some(s)
                }
            },
        };
        let subjects = split_list(&r.subjects);
        if subjects.len() > MAX_SUBJECTS || subjects.iter().any(|s| s.chars().count() > MAX_SUBJECT)
        {
            self.problem(sheet, r.row, "E", "invalid_length", None);
            ok = false;
        }
        if subjects.iter().any(|s| s.chars().any(char::is_control)) {
            self.problem(sheet, r.row, "E", "invalid_text", None);
            ok = false;
        }
        let grades = split_list(&r.grades);
        ok &= self.check_list(r.row, "F", &grades, MAX_GRADES, MAX_GRADE);
        let groups: Vec<(String, bool)> = split_list(&r.groups)
            .iter()
            .map(|g| parse_group(g))
            .collect();
        let names: Vec<String> = groups.iter().map(|(n, _)| n.clone()).collect();
        ok &= self.check_list(r.row, "G", &names, MAX_GROUPS, MAX_NAME);
        if !groups.is_empty() && school == Some(SchoolRef::District) {
            // A researcher belongs to the district; groups are a school's.
            self.problem(sheet, r.row, "G", "group_not_allowed", None);
            ok = false;
        }
        match (ok, phone, school) {
            (true, Some(phone), Some(school)) => Some(Checked {
                name,
                phone,
                school,
                roles,
                subjects,
                grades,
                groups,
            }),
            _ => None,
        }
    }

    /// A list cell of at most `max` values of at most `longest` characters, none empty or
    /// with control characters; false (reported) when not.
    fn check_list(
        &mut self,
        row: u32,
        column: &str,
        values: &[String],
        max: usize,
        longest: usize,
    ) -> bool {
        let long = values.len() > max || values.iter().any(|v| v.chars().count() > longest);
        let empty = values.iter().any(|v| v.is_empty());
        if long || empty {
            self.problem(PEOPLE_SHEET, row, column, "invalid_length", None);
            return false;
        }
        if values.iter().any(|v| v.chars().any(char::is_control)) {
            self.problem(PEOPLE_SHEET, row, column, "invalid_text", None);
            return false;
        }
        true
    }

    /// The group `name` of `school`: one it has, or a new one the commit makes (listed as
    /// created). `None` when the name does not tell what kind of group to make (reported).
    fn group(&mut self, row: u32, school: &SchoolRef, name: &str) -> Option<GroupRef> {
        let key = (school.clone(), name.to_string());
        if let Some(found) = self.groups.get(&key) {
            return Some(found.clone());
        }
        let Some((kind, subject, grade)) = group_kind(name) else {
            self.problem(PEOPLE_SHEET, row, "G", "invalid_group_name", Some(name));
            return None;
        };
        let at = GroupRef::New(self.plan.changes.groups.len());
        self.plan.changes.groups.push(NewGroup {
            school: school.clone(),
            name: name.to_string(),
            kind: kind.to_string(),
            subject,
            grade,
        });
        self.new_groups.push((row, 0));
        self.groups.insert(key, at.clone());
        self.plan.summary.groups.created += 1;
        self.plan.created.push(Line {
            sheet: PEOPLE_SHEET.into(),
            row,
            kind: "group".into(),
            name: name.to_string(),
            phone: None,
            school: Some(self.school_name(school)).filter(|s| !s.is_empty()),
            fields: Vec::new(),
        });
        Some(at)
    }

    /// The person joins the groups of their row they are not in yet; true when any is joined.
    /// A group they are in already is left as it is (who leads it included).
    fn plan_group_joins(
        &mut self,
        row: u32,
        school: &SchoolRef,
        person: &PersonRef,
        groups: &[(String, bool)],
    ) -> bool {
        let mut joined = false;
        for (name, leader) in groups {
            let Some(group) = self.group(row, school, name) else {
                continue;
            };
            let member = match (&group, person) {
                (GroupRef::Existing(id), PersonRef::Existing(user)) => self
                    .district
                    .groups
                    .iter()
                    .any(|g| &g.id == id && g.members.iter().any(|(u, _)| u == user)),
                _ => false,
            };
            let planned = self
                .plan
                .changes
                .group_members
                .iter()
                .any(|j| j.group == group && &j.person == person);
            if member || planned {
                continue;
            }
            if let GroupRef::New(i) = group {
                self.new_groups[i].1 += usize::from(*leader);
            }
            self.plan.changes.group_members.push(GroupJoin {
                group,
                person: person.clone(),
                leader: *leader,
            });
            joined = true;
        }
        joined
    }

    /// A new group is led by one or two of its people, as every group is.
    fn check_new_groups(&mut self) {
        for (i, (row, leaders)) in self.new_groups.clone().into_iter().enumerate() {
            if !crate::rules::groups::LEADERS.contains(&leaders) {
                let name = self.plan.changes.groups[i].name.clone();
                self.problem(PEOPLE_SHEET, row, "G", "group_leaders", Some(&name));
            }
        }
    }

    fn plan_people(&mut self, rows: &[PersonRow]) {
        let known: HashMap<&str, &KnownPerson> = self
            .district
            .people
            .iter()
            .map(|p| (p.phone.as_str(), p))
            .collect();
        // Phone → (name, first row) in the workbook; (phone, school) seen.
        let mut names: HashMap<String, (String, u32)> = HashMap::new();
        let mut seen: BTreeSet<(String, SchoolRef)> = BTreeSet::new();
        let mut new_people: HashMap<String, usize> = HashMap::new();
        let mut renamed: BTreeSet<String> = BTreeSet::new();
        // Memberships of the district by (person, school; None: the district itself).
        let district = self.district;
        let held: HashMap<(&str, Option<&str>), &KnownMembership> = district
            .memberships
            .iter()
            .filter(|m| m.district_id == district.id)
            .map(|m| ((m.user_id.as_str(), m.school_id.as_deref()), m))
            .collect();
        for r in rows {
            let Some(Checked {
                name,
                phone,
                school,
                roles,
                subjects,
                grades,
                groups,
            }) = self.read_person(r)
            else {
                continue;
            };
            match names.get(&phone) {
                Some((other, _)) if *other != name => {
                    self.problem(
                        PEOPLE_SHEET,
                        r.row,
                        "A",
                        "phone_twice_other_name",
                        Some(&name),
                    );
                    continue;
                }
                Some(_) => {}
                None => {
                    names.insert(phone.clone(), (name.clone(), r.row));
                }
            }
            if !seen.insert((phone.clone(), school.clone())) {
                self.problem(PEOPLE_SHEET, r.row, "B", "duplicate_row", Some(&phone));
                continue;
            }
            let mut line = Line {
                sheet: PEOPLE_SHEET.into(),
                row: r.row,
                kind: "person".into(),
                name: name.clone(),
                phone: Some(phone.clone()),
                school: Some(self.school_name(&school)).filter(|s| !s.is_empty()),
                fields: Vec::new(),
            };
            let person = match known.get(phone.as_str()) {
                Some(p) => {
                    if p.name != name && !renamed.contains(&p.id) {
                        if !self.may_rename(&p.id) {
                            self.problem(PEOPLE_SHEET, r.row, "A", "phone_other_name", Some(&name));
                            continue;
                        }
                        renamed.insert(p.id.clone());
                        self.plan.changes.renames.push((p.id.clone(), name.clone()));
                        line.fields.push("name".into());
                    }
                    PersonRef::Existing(p.id.clone())
                }
                None => {
                    let next = self.plan.changes.people.len();
                    let at = *new_people.entry(phone.clone()).or_insert(next);
                    if at == next {
                        self.plan.changes.people.push(NewPerson {
                            name: name.clone(),
                            phone: phone.clone(),
                        });
                    }
                    PersonRef::New(at)
                }
            };
            let existing = match (&person, &school) {
                (PersonRef::Existing(user), SchoolRef::Existing(id)) => {
                    held.get(&(user.as_str(), Some(id.as_str()))).copied()
                }
                (PersonRef::Existing(user), SchoolRef::District) => {
                    held.get(&(user.as_str(), None)).copied()
                }
                _ => None,
            };
            let joined = self.plan_group_joins(r.row, &school, &person, &groups);
            match existing {
                Some(m) => {
                    let mut had = m.roles.clone();
                    had.sort();
                    if had != roles {
                        line.fields.push("roles".into());
                    }
                    if m.subjects != subjects {
                        line.fields.push("subjects".into());
                    }
                    if m.grades != grades {
                        line.fields.push("grades".into());
                    }
                    if had != roles || m.subjects != subjects || m.grades != grades {
                        self.plan.changes.updates.push(Update {
                            membership_id: m.id.clone(),
                            roles,
                            subjects,
                            grades,
                        });
                    }
                    if joined {
                        line.fields.push("groups".into());
                    }
                    match line.fields.is_empty() {
                        true => self.plan.summary.people.unchanged += 1,
                        false => {
                            self.plan.summary.people.changed += 1;
                            self.plan.changed.push(line);
                        }
                    }
                }
                None => {
                    let is_new = matches!(person, PersonRef::New(_));
                    self.plan.changes.joins.push(Join {
                        person,
                        school,
                        roles,
                        subjects,
                        grades,
                    });
                    match is_new {
                        true => {
                            self.plan.summary.people.created += 1;
                            self.plan.created.push(line);
                        }
                        false => {
                            // Someone who exists joins a school: a change of the person.
                            line.fields.push("school".into());
                            if joined {
                                line.fields.push("groups".into());
                            }
                            self.plan.summary.people.changed += 1;
                            self.plan.changed.push(line);
                        }
                    }
                }
            }
        }
        self.plan_missing(&seen);
        self.check_principals(rows);
        self.check_new_groups();
    }

    /// A principal renames only people who are nowhere but in their school.
    fn may_rename(&self, user: &str) -> bool {
        match &self.scope.school {
            None => true,
            Some(own) => self
                .district
                .memberships
                .iter()
                .filter(|m| m.user_id == user)
                .all(|m| m.school_id.as_deref() == Some(own.as_str())),
        }
    }

    /// The schools (and the district, for researchers) the workbook covers.
    fn covered(&self, seen: &BTreeSet<(String, SchoolRef)>) -> BTreeSet<SchoolRef> {
        let mut covered: BTreeSet<SchoolRef> = self.school_rows.keys().cloned().collect();
        covered.extend(seen.iter().map(|(_, s)| s.clone()));
        if let Some(own) = &self.scope.school {
            covered.retain(|s| matches!(s, SchoolRef::Existing(id) if id == own));
        }
        covered
    }

    fn plan_missing(&mut self, seen: &BTreeSet<(String, SchoolRef)>) {
        let covered = self.covered(seen);
        for m in &self.district.memberships {
            if m.district_id != self.district.id {
                continue;
            }
            let at = match &m.school_id {
                Some(id) => SchoolRef::Existing(id.clone()),
                None => SchoolRef::District,
            };
            if !covered.contains(&at) || seen.contains(&(m.phone.clone(), at.clone())) {
                continue;
            }
            self.plan.missing.push(Missing {
                membership_id: m.id.clone(),
                user_id: m.user_id.clone(),
                name: m.name.clone(),
                phone: m.phone.clone(),
                school_id: m.school_id.clone(),
                school: self.school_name(&at),
            });
        }
        self.plan.summary.missing = self.plan.missing.len();
    }

    /// Every school the workbook covers has a principal after the import (one who stays or
    /// one it names).
    fn check_principals(&mut self, rows: &[PersonRow]) {
        let mut has: BTreeSet<SchoolRef> = self
            .district
            .memberships
            .iter()
            .filter(|m| m.roles.contains(&Role::Principal))
            .filter_map(|m| m.school_id.clone().map(SchoolRef::Existing))
            .collect();
        has.extend(
            self.plan
                .changes
                .joins
                .iter()
                .filter(|j| j.roles.contains(&Role::Principal))
                .map(|j| j.school.clone()),
        );
        let seen: BTreeSet<(String, SchoolRef)> = BTreeSet::new();
        let mut covered = self.covered(&seen);
        covered.extend(self.plan.changes.joins.iter().map(|j| j.school.clone()));
        for school in covered {
            if school == SchoolRef::District || has.contains(&school) {
                continue;
            }
            let row = self.school_rows.get(&school).copied();
            let (sheet, row) = match row {
                Some(row) => (SCHOOLS_SHEET, row),
                None => {
                    let name = self.school_name(&school);
                    let first = rows
                        .iter()
                        .find(|r| normalise(&r.school) == name)
                        .map_or(0, |r| r.row);
                    (PEOPLE_SHEET, first)
                }
            };
            let name = self.school_name(&school);
            let column = if sheet == SCHOOLS_SHEET { "A" } else { "C" };
            self.problem(sheet, row, column, "no_principal", Some(&name));
        }
    }
}

/// Plans the import of `workbook` into `district` as `scope` may.
pub fn plan(workbook: &Workbook, district: &District, scope: &Scope) -> Plan {
    let mut planner = Planner {
        district,
        scope,
        plan: Plan {
            problems: workbook.problems.clone(),
            ..Plan::default()
        },
        schools: HashMap::new(),
        school_rows: HashMap::new(),
        groups: district
            .groups
            .iter()
            .map(|g| {
                let at = SchoolRef::Existing(g.school_id.clone());
                ((at, normalise(&g.name)), GroupRef::Existing(g.id.clone()))
            })
            .collect(),
        new_groups: Vec::new(),
    };
    planner.plan_schools(&workbook.schools);
    planner.plan_terms(&workbook.terms);
    planner.plan_people(&workbook.people);
    let mut plan = planner.plan;
    plan.problems.sort_by(|a, b| {
        (sheet_order(&a.sheet), a.row, &a.column).cmp(&(sheet_order(&b.sheet), b.row, &b.column))
    });
    plan.summary.problems = plan.problems.len();
    plan
}

fn sheet_order(sheet: &str) -> u8 {
    match sheet {
        SCHOOLS_SHEET => 0,
        TERMS_SHEET => 1,
        PEOPLE_SHEET => 2,
        _ => 3,
    }
}

/// The memberships a commit may remove: those its preview listed as missing.
pub fn removable<'a>(plan: &'a Plan, asked: &[String]) -> Result<Vec<&'a Missing>, String> {
    let by_id: BTreeMap<&str, &Missing> = plan
        .missing
        .iter()
        .map(|m| (m.membership_id.as_str(), m))
        .collect();
    let mut out = Vec::new();
    for id in asked {
        match by_id.get(id.as_str()) {
            Some(m) if !out.iter().any(|o: &&Missing| o.membership_id == *id) => out.push(*m),
            Some(_) => {}
            None => return Err(id.clone()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(row: u32, name: &str, phone: &str, school: &str, roles: &str) -> PersonRow {
        PersonRow {
            row,
            name: name.into(),
            phone: phone.into(),
            school: school.into(),
            roles: roles.into(),
            subjects: "数学".into(),
            grades: String::new(),
            groups: String::new(),
        }
    }

    fn district() -> District {
        District {
            id: "d".into(),
            schools: vec![KnownSchool {
                id: "s1".into(),
                name: "实验小学".into(),
            }],
            terms: vec![],
            people: vec![KnownPerson {
                id: "u1".into(),
                name: "张三".into(),
                phone: "13800000001".into(),
            }],
            memberships: vec![KnownMembership {
                id: "m1".into(),
                user_id: "u1".into(),
                district_id: "d".into(),
                school_id: Some("s1".into()),
                roles: vec![Role::Principal],
                subjects: vec!["数学".into()],
                grades: vec![],
                name: "张三".into(),
                phone: "13800000001".into(),
            }],
            groups: vec![KnownGroup {
                id: "g1".into(),
                school_id: "s1".into(),
                name: "数学教研组".into(),
                members: vec![("u1".into(), true)],
            }],
        }
    }

    fn admin() -> Scope {
        Scope { school: None }
    }

    fn codes(plan: &Plan) -> Vec<(u32, &str)> {
        plan.problems
            .iter()
            .map(|p| (p.row, p.code.as_str()))
            .collect()
    }

    #[test]
    fn a_new_school_its_people_and_an_existing_person_joining_it() {
        let wb = Workbook {
            schools: vec![SchoolRow {
                row: 2,
                name: "第三小学".into(),
            }],
            people: vec![
                person(2, "李四", "13900000002", "第三小学", "校长"),
                person(3, "张三", "13800000001", "第三小学", "教师"),
                person(4, "张三", "138 0000 0001", "实验小学", "校长"),
            ],
            ..Workbook::default()
        };
        let plan = plan(&wb, &district(), &admin());
        assert_eq!(codes(&plan), vec![]);
        assert_eq!(plan.changes.schools, vec!["第三小学".to_string()]);
        assert_eq!(plan.changes.people.len(), 1);
        assert_eq!(plan.changes.joins.len(), 2);
        assert_eq!(
            plan.changes.joins[1].person,
            PersonRef::Existing("u1".into())
        );
        assert_eq!(plan.changes.joins[1].school, SchoolRef::New(0));
        assert_eq!(
            plan.summary.people,
            Counts {
                created: 1,
                changed: 1,
                unchanged: 1
            }
        );
        assert!(plan.missing.is_empty());
    }

    #[test]
    fn the_same_workbook_over_what_it_made_changes_nothing() {
        let mut d = district();
        let wb = Workbook {
            people: vec![person(2, "张三", "13800000001", "实验小学", "校长")],
            ..Workbook::default()
        };
        let p = plan(&wb, &d, &admin());
        assert!(p.changes.is_empty(), "{:?}", p.changes);
        // A changed row updates the membership.
        d.memberships[0].subjects = vec!["语文".into()];
        let p = plan(&wb, &d, &admin());
        assert_eq!(p.changes.updates.len(), 1);
        assert_eq!(p.changed[0].fields, vec!["subjects".to_string()]);
    }

    #[test]
    fn problems_name_their_row_and_column() {
        let wb = Workbook {
            people: vec![
                person(2, "王五", "1380000", "实验小学", "教师"),
                person(3, "王五", "13900000005", "不存在小学", "教师"),
                person(4, "王五", "13900000006", "实验小学", "厨师"),
                person(5, "赵六", "13900000007", "实验小学", "教师"),
                person(6, "钱七", "13900000007", "实验小学", "教师"),
                person(7, "赵六", "13900000007", "实验小学", "教师"),
                person(8, "", "13900000008", "实验小学", "教师"),
            ],
            ..Workbook::default()
        };
        let p = plan(&wb, &district(), &admin());
        assert_eq!(
            codes(&p),
            vec![
                (2, "invalid_phone"),
                (3, "unknown_school"),
                (4, "unknown_role"),
                (6, "phone_twice_other_name"),
                (7, "duplicate_row"),
                (8, "missing_value"),
            ]
        );
        assert_eq!(p.problems[0].column, "B");
        assert_eq!(p.problems[2].column, "D");
    }

    #[test]
    fn a_school_without_a_principal_is_a_problem_and_missing_people_are_listed() {
        let wb = Workbook {
            schools: vec![
                SchoolRow {
                    row: 2,
                    name: "实验小学".into(),
                },
                SchoolRow {
                    row: 3,
                    name: "新小学".into(),
                },
            ],
            people: vec![person(2, "李四", "13900000002", "新小学", "教师")],
            ..Workbook::default()
        };
        let p = plan(&wb, &district(), &admin());
        assert_eq!(codes(&p), vec![(3, "no_principal")]);
        assert_eq!(
            p.missing.len(),
            1,
            "张三 of 实验小学 is not in the workbook"
        );
        assert_eq!(p.missing[0].membership_id, "m1");
        assert_eq!(removable(&p, &["m1".into()]).unwrap().len(), 1);
        assert_eq!(removable(&p, &["m2".into()]).unwrap_err(), "m2");
    }

    #[test]
    fn a_principal_imports_their_own_school_only() {
        let scope = Scope {
            school: Some("s1".into()),
        };
        let wb = Workbook {
            schools: vec![SchoolRow {
                row: 2,
                name: "新小学".into(),
            }],
            people: vec![
                person(2, "李四", "13900000002", "实验小学", "教师"),
                person(3, "王五", "13900000003", "新小学", "教师"),
                person(4, "研", "13900000004", "", "教研员"),
            ],
            terms: vec![TermRow {
                row: 2,
                name: "秋季学期".into(),
                school_year: "2026-2027".into(),
                starts_on: NaiveDate::from_ymd_opt(2026, 9, 1),
                ends_on: NaiveDate::from_ymd_opt(2027, 1, 20),
            }],
            problems: vec![],
        };
        let p = plan(&wb, &district(), &scope);
        assert_eq!(
            codes(&p),
            vec![
                (2, "school_out_of_scope"),
                (2, "admin_only"),
                (3, "unknown_school"),
                (4, "admin_only")
            ]
        );
    }

    #[test]
    fn terms_are_created_once_and_overlaps_refused() {
        let mut d = district();
        d.terms.push(KnownTerm {
            name: "春季学期".into(),
            school_year: "2025-2026".into(),
            starts_on: "2026-02-20".into(),
            ends_on: "2026-07-10".into(),
        });
        let term = |row, name: &str, y: &str, s: (i32, u32, u32), e: (i32, u32, u32)| TermRow {
            row,
            name: name.into(),
            school_year: y.into(),
            starts_on: NaiveDate::from_ymd_opt(s.0, s.1, s.2),
            ends_on: NaiveDate::from_ymd_opt(e.0, e.1, e.2),
        };
        let wb = Workbook {
            terms: vec![
                term(2, "春季学期", "2025-2026", (2026, 2, 20), (2026, 7, 10)),
                term(3, "秋季学期", "2026-2027", (2026, 9, 1), (2027, 1, 20)),
                term(4, "夏令营", "2025-2026", (2026, 7, 1), (2026, 8, 1)),
                term(5, "错", "2026-2028", (2026, 9, 1), (2026, 8, 1)),
            ],
            ..Workbook::default()
        };
        let p = plan(&wb, &d, &admin());
        assert_eq!(
            p.summary.terms,
            Counts {
                created: 1,
                changed: 0,
                unchanged: 1
            }
        );
        assert_eq!(
            codes(&p),
            vec![
                (4, "term_overlap"),
                (5, "invalid_school_year"),
                (5, "invalid_date_range")
            ]
        );
    }

    #[test]
    fn grades_and_groups_are_joined_and_new_groups_made_once_with_a_leader() {
        let mut zhang = person(2, "张三", "13800000001", "实验小学", "校长");
        zhang.grades = "三年级、四年级".into();
        zhang.groups = "数学教研组、三年级组(组长)".into();
        let mut li = person(3, "李四", "13900000002", "实验小学", "教师");
        li.groups = "三年级组,三年级数学备课组".into();
        let wb = |people: Vec<PersonRow>| Workbook {
            people,
            ..Workbook::default()
        };
        let p = plan(&wb(vec![zhang.clone(), li.clone()]), &district(), &admin());
        assert_eq!(
            codes(&p),
            vec![(3, "group_leaders")],
            "the 备课组 has no leader"
        );
        li.groups = "三年级组,三年级数学备课组（组长）".into();
        let p = plan(&wb(vec![zhang.clone(), li.clone()]), &district(), &admin());
        assert_eq!(codes(&p), vec![]);
        let made: Vec<_> = p
            .changes
            .groups
            .iter()
            .map(|g| {
                (
                    g.name.as_str(),
                    g.kind.as_str(),
                    g.subject.as_deref(),
                    g.grade.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            made,
            vec![
                ("三年级组", "grade", None, Some("三年级")),
                (
                    "三年级数学备课组",
                    "preparation",
                    Some("数学"),
                    Some("三年级")
                ),
            ]
        );
        assert_eq!(p.summary.groups.created, 2);
        // 张三 leads 数学教研组 already: only the grade group is joined, and the grades change.
        assert_eq!(p.changed[0].fields, vec!["grades", "groups"]);
        assert_eq!(p.changes.updates[0].grades, vec!["三年级", "四年级"]);
        assert_eq!(p.changes.group_members.len(), 3);
        // A name that tells no kind; a researcher in a group.
        li.groups = "兴趣小队".into();
        let mut yan = person(4, "研", "13900000004", "", "教研员");
        yan.groups = "数学教研组".into();
        let p = plan(&wb(vec![zhang, li, yan]), &district(), &admin());
        assert_eq!(
            codes(&p),
            vec![(3, "invalid_group_name"), (4, "group_not_allowed")]
        );
        assert_eq!(group_kind("数学组").map(|k| k.0), Some("subject"));
        assert_eq!(group_kind("备课组"), None);
    }

    #[test]
    fn phones_dates_and_roles_as_people_write_them() {
        assert_eq!(
            parse_phone("+86 138-0000-0001").as_deref(),
            Some("13800000001")
        );
        assert_eq!(
            parse_phone("１３８００００００01").as_deref(),
            Some("13800000001")
        );
        assert_eq!(parse_phone("12800000001"), None);
        assert_eq!(parse_phone("=1+1"), None);
        let day = NaiveDate::from_ymd_opt(2026, 9, 1);
        for t in [
            "2026-09-01",
            "2026/9/1",
            "2026.9.1",
            "2026年9月1日",
            "２０２６-０９-０１",
        ] {
            assert_eq!(parse_date_text(t), day, "{t}");
        }
        assert_eq!(parse_date_text("2026-02-30"), None);
        assert_eq!(parse_date_text("1899-01-01"), None);
        assert_eq!(date_from_serial(46266.0), day);
        assert_eq!(date_from_serial(46266.5), None);
        assert_eq!(date_from_serial(1.0), None);
        assert_eq!(parse_role("教导主任"), Some(Role::Dean));
        assert_eq!(parse_role("Grade_Leader"), Some(Role::GradeLeader));
        assert_eq!(parse_role("admin"), None);
        assert_eq!(split_list("语文、数学,英语"), vec!["语文", "数学", "英语"]);
    }
}
