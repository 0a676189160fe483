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
}

#[derive(Debug, Clone)]
pub struct QuotaRule {
    pub id: String,
    pub district_id: String,
    pub spec: RuleSpec,
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
        Some(QuotaRule {
            spec: RuleSpec {
                target,
                activity: parse(&self.activity)?,
                period: parse(&self.period)?,
                minimum: self.minimum,
            },
            id: self.id,
            district_id: self.district_id,
        })
    }
}

pub fn list(conn: &mut DbConn, district_id: &str) -> QueryResult<Vec<QuotaRule>> {
    let rows = quota_rules::table
        .filter(quota_rules::district_id.eq(district_id))
        .order(quota_rules::id.asc())
        .select(QuotaRuleRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(QuotaRuleRow::parse).collect())
}

/// Replaces all of a district's rules (call inside a transaction).
pub fn replace(
    conn: &mut DbConn,
    district_id: &str,
    rules: &[RuleSpec],
    now: NaiveDateTime,
) -> QueryResult<Vec<QuotaRule>> {
    diesel::delete(quota_rules::table.filter(quota_rules::district_id.eq(district_id)))
        .execute(conn)?;
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
            })
            .execute(conn)?;
    }
    list(conn, district_id)
}
