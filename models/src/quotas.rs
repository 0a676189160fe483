//! Quota rules as data, per district: stored and read here; what they ask and how progress
//! against them is reckoned is in `rules::quotas`.

pub use crate::rules::quotas::*;

use crate::schema::quota_rules;
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quota_rules)]
pub struct QuotaRuleRow {
    pub id: String,
    pub district_id: String,
    pub role: String,
    pub activity: String,
    pub period: String,
    pub minimum: i32,
    pub created_at: NaiveDateTime,
    pub target: String,
    pub group_kind: Option<String>,
    pub school_id: Option<String>,
    pub qualifier: Option<String>,
    pub feedback_min_chars: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct QuotaRule {
    pub id: String,
    pub district_id: String,
    /// A school's own rule (stricter than the district's); `None` for the district's rules.
    pub school_id: Option<String>,
    pub spec: RuleSpec,
}

impl QuotaRule {
    pub fn source(&self) -> Source {
        match self.school_id {
            Some(_) => Source::School,
            None => Source::District,
        }
    }

    /// The role through which the rule binds the holder of a membership, if it does.
    pub fn binds(&self, h: &Holding) -> Option<crate::roles::Role> {
        binds(self.school_id.as_deref(), &self.spec, h)
    }
}

/// The longest written feedback asked of an observation by the rules that count it as one of
/// `activities` for someone holding `of` (`None`: no such rule asks any).
pub fn feedback_asked(rules: &[QuotaRule], of: &[Holding], activities: &[Activity]) -> Option<i32> {
    rules
        .iter()
        .filter(|r| activities.contains(&r.spec.activity))
        .filter(|r| of.iter().any(|h| r.binds(h).is_some()))
        .filter_map(|r| r.spec.feedback_min_chars)
        .max()
}

fn name<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

impl QuotaRuleRow {
    /// `None` for a row written by a newer version with names this one does not know.
    fn parse(self) -> Option<QuotaRule> {
        let target = match self.target.as_str() {
            "person" => Target::Person(parse(&self.role)?),
            "group" => Target::Group(GroupKind::parse(self.group_kind.as_deref()?)?),
            "school" => Target::School,
            _ => return None,
        };
        let qualifier = match self.qualifier.as_deref() {
            Some(name) => Some(crate::roles::Qualifier::parse(name)?),
            None => None,
        };
        Some(QuotaRule {
            spec: RuleSpec {
                target,
                qualifier,
                activity: parse(&self.activity)?,
                period: parse(&self.period)?,
                minimum: self.minimum,
                feedback_min_chars: self.feedback_min_chars,
            },
            id: self.id,
            district_id: self.district_id,
            school_id: self.school_id,
        })
    }
}

/// Every rule of a district: its own, then those of its schools.
pub fn list(conn: &mut DbConn, district_id: &str) -> QueryResult<Vec<QuotaRule>> {
    let rows = quota_rules::table
        .filter(quota_rules::district_id.eq(district_id))
        .order((quota_rules::school_id.is_not_null(), quota_rules::id.asc()))
        .select(QuotaRuleRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(QuotaRuleRow::parse).collect())
}

/// Replaces all of a district's own rules (`school_id` None) or all of one school's (call inside
/// a transaction); answers every rule of the district.
pub fn replace(
    conn: &mut DbConn,
    district_id: &str,
    school_id: Option<&str>,
    rules: &[RuleSpec],
    now: NaiveDateTime,
) -> QueryResult<Vec<QuotaRule>> {
    let of_district = quota_rules::table.filter(quota_rules::district_id.eq(district_id));
    match school_id {
        None => {
            diesel::delete(of_district.filter(quota_rules::school_id.is_null())).execute(conn)?
        }
        Some(id) => {
            diesel::delete(of_district.filter(quota_rules::school_id.eq(id))).execute(conn)?
        }
    };
    for spec in rules {
        diesel::insert_into(quota_rules::table)
            .values(QuotaRuleRow {
                id: crate::new_id(),
                district_id: district_id.to_string(),
                role: spec
                    .target
                    .role()
                    .map(|r| r.as_str())
                    .unwrap_or_default()
                    .to_string(),
                activity: name(spec.activity),
                period: name(spec.period),
                minimum: spec.minimum,
                created_at: now,
                target: spec.target.name().to_string(),
                group_kind: spec.target.group_kind().map(|k| k.as_str().to_string()),
                school_id: school_id.map(str::to_string),
                qualifier: spec.qualifier.map(|q| q.as_str().to_string()),
                feedback_min_chars: spec.feedback_min_chars,
            })
            .execute(conn)?;
    }
    list(conn, district_id)
}
