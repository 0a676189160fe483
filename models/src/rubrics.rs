//! Rubrics: what an observer scores. Each school has one in force; a change makes a new version,
//! and an observation keeps the version it was created with.

use crate::schema::rubrics;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The two things an observation looks at (POLICY.md): the teacher's classroom ability, and the
/// students' attainment of the three-dimensional goals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    TeacherAbility,
    StudentGoals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RubricItem {
    pub key: String,
    pub title: String,
    pub max_score: i32,
    pub dimension: Dimension,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rubrics)]
pub struct RubricRow {
    pub id: String,
    pub school_id: String,
    pub version: i32,
    /// JSON array of `RubricItem`.
    pub items: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub pass_line: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Rubric {
    pub id: String,
    pub school_id: String,
    pub version: i32,
    pub items: Vec<RubricItem>,
    pub created_at: NaiveDateTime,
    /// The total under which a lesson is below standard (issue 19); `None`: not set.
    pub pass_line: Option<i32>,
}

impl From<RubricRow> for Rubric {
    fn from(row: RubricRow) -> Rubric {
        Rubric {
            items: serde_json::from_str(&row.items).unwrap_or_default(),
            id: row.id,
            school_id: row.school_id,
            version: row.version,
            created_at: row.created_at,
            pass_line: row.pass_line,
        }
    }
}

/// The rubric every new school starts with: 100 points, four on the teacher, three on the goals.
pub fn default_items() -> Vec<RubricItem> {
    let item = |key: &str, title: &str, max_score: i32, dimension: Dimension| RubricItem {
        key: key.into(),
        title: title.into(),
        max_score,
        dimension,
    };
    use Dimension::{StudentGoals, TeacherAbility};
    vec![
        item("objectives", "教学目标明确", 15, TeacherAbility),
        item("content", "教学内容准确", 15, TeacherAbility),
        item("methods", "教学方法得当", 15, TeacherAbility),
        item("organisation", "课堂组织有序", 10, TeacherAbility),
        item("knowledge_skills", "知识与技能达成", 15, StudentGoals),
        item("process_methods", "过程与方法达成", 15, StudentGoals),
        item("attitudes_values", "情感态度价值观达成", 15, StudentGoals),
    ]
}

/// What is wrong with a set of scores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreError {
    UnknownItem(String),
    OutOfRange { key: String, max: i32 },
}

/// Checks scores against the items and answers their total, or every score that is wrong.
pub fn check_scores(
    items: &[RubricItem],
    scores: &BTreeMap<String, i32>,
) -> Result<i32, Vec<ScoreError>> {
    let mut total = 0;
    let mut wrong = Vec::new();
    for (key, score) in scores {
        match items.iter().find(|i| &i.key == key) {
            None => wrong.push(ScoreError::UnknownItem(key.clone())),
            Some(item) if *score < 0 || *score > item.max_score => {
                wrong.push(ScoreError::OutOfRange {
                    key: key.clone(),
                    max: item.max_score,
                })
            }
            Some(_) => total += score,
        }
    }
    match wrong.is_empty() {
        true => Ok(total),
        false => Err(wrong),
    }
}

/// Keys of items that have no score yet.
pub fn unscored<'a>(items: &'a [RubricItem], scores: &BTreeMap<String, i32>) -> Vec<&'a str> {
    items
        .iter()
        .filter(|i| !scores.contains_key(&i.key))
        .map(|i| i.key.as_str())
        .collect()
}

/// The first key used twice, if any.
pub fn duplicate_key(items: &[RubricItem]) -> Option<&str> {
    let mut seen = HashSet::new();
    items
        .iter()
        .find(|i| !seen.insert(i.key.as_str()))
        .map(|i| i.key.as_str())
}

/// The rubric in force for a school: its latest version.
pub fn current(conn: &mut DbConn, school_id: &str) -> QueryResult<Option<Rubric>> {
    rubrics::table
        .filter(rubrics::school_id.eq(school_id))
        .order(rubrics::version.desc())
        .select(RubricRow::as_select())
        .first(conn)
        .optional()
        .map(|r| r.map(Rubric::from))
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Rubric>> {
    rubrics::table
        .filter(rubrics::id.eq(id))
        .select(RubricRow::as_select())
        .first(conn)
        .optional()
        .map(|r| r.map(Rubric::from))
}

/// Stores `items` as the school's next version and answers it.
pub fn insert_version(
    conn: &mut DbConn,
    school_id: &str,
    (items, pass_line): (&[RubricItem], Option<i32>),
    created_by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Rubric> {
    let version = current(conn, school_id)?.map_or(1, |r| r.version + 1);
    let row = RubricRow {
        id: crate::new_id(),
        school_id: school_id.to_string(),
        version,
        items: serde_json::to_string(items).unwrap_or_else(|_| "[]".into()),
        created_by: created_by.map(str::to_string),
        created_at: now,
        pass_line,
    };
    diesel::insert_into(rubrics::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(pairs: &[(&str, i32)]) -> BTreeMap<String, i32> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn the_default_rubric_adds_up_to_100_with_unique_keys() {
        let items = default_items();
        assert_eq!(items.iter().map(|i| i.max_score).sum::<i32>(), 100);
        assert_eq!(duplicate_key(&items), None);
    }

    #[test]
    fn scores_are_totalled_and_checked() {
        let items = default_items();
        assert_eq!(
            check_scores(&items, &scores(&[("objectives", 12), ("content", 15)])),
            Ok(27)
        );
        assert_eq!(
            check_scores(&items, &scores(&[("charisma", 3)])),
            Err(vec![ScoreError::UnknownItem("charisma".into())])
        );
        assert_eq!(
            check_scores(&items, &scores(&[("organisation", 11)])),
            Err(vec![ScoreError::OutOfRange {
                key: "organisation".into(),
                max: 10
            }])
        );
        assert!(check_scores(&items, &scores(&[("organisation", -1)])).is_err());
        let both = check_scores(&items, &scores(&[("charisma", 3), ("organisation", 99)]));
        assert_eq!(
            both.map_err(|e| e.len()),
            Err(2),
            "every wrong score is named"
        );
    }

    #[test]
    fn unscored_items_are_listed() {
        let items = default_items();
        let all: BTreeMap<String, i32> = items.iter().map(|i| (i.key.clone(), 1)).collect();
        assert!(unscored(&items, &all).is_empty());
        assert_eq!(unscored(&items, &scores(&[])).len(), items.len());
    }
}
