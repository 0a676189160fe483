//! A teacher's archive for the annual evaluation: what was observed of their lessons and how
//! their apprenticeship was evaluated, for one school year.

use super::checks::ResultView;
use super::documents::{self, DocumentView};
use super::notices::NoticeView;
use super::observations::{self, ObservationView};
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tingke_models::observations as obs;
use tingke_models::{members, mentorships, rules, terms, users, DbConn};

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/users/{id}/archive", archive);
}

/// `?school_year=` (required; checked once the caller may see the archive, so that another
/// school's caller gets 404 whatever the query).
#[derive(Debug, Deserialize)]
struct ArchiveQuery {
    school_year: Option<String>,
}

#[derive(Debug, Serialize)]
struct EvaluationEntry {
    mentorship_id: String,
    mentor_id: String,
    mentor_name: String,
    term_id: String,
    rating: String,
    comments: String,
    evaluated_by: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct Archive {
    user_id: String,
    name: String,
    school_year: String,
    term_ids: Vec<String>,
    documents: Vec<DocumentView>,
    observations: Vec<ObservationView>,
    evaluations: Vec<EvaluationEntry>,
    /// The monthly checks of the teacher's work in rounds of the year, oldest first.
    checks: Vec<ResultView>,
    /// Rectification notices to the teacher issued in the year.
    notices: Vec<NoticeView>,
    /// "教学不达标者年度不得评优选先": false while the last check was below standard or a notice
    /// is overdue (`rules::checks::not_eligible_because`).
    award_eligible: bool,
    not_eligible_because: Vec<&'static str>,
}

async fn archive(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ArchiveQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (user_id, school_year) = (id.into_inner(), query.into_inner().school_year);
    let notices = state.config.notices;
    let mut body = state
        .read(move |conn| {
            let user = users::find_active(conn, &user_id)?.ok_or_else(ApiError::not_found)?;
            let of = members::for_user(conn, &user.id)?;
            let allowed = caller.id() == user.id
                || caller.is_admin()
                || of.iter().any(|m| {
                    m.school_id.as_deref().is_some_and(|s| {
                        caller.is_senior_leader(s) || caller.reads_person(s, &user.id)
                    }) || caller.is_district_staff(&m.district_id)
                });
            if !allowed {
                return Err(ApiError::not_found());
            }
            let school_year = school_year.ok_or_else(|| {
                ApiError::bad_request("invalid_query").detail("school_year is required")
            })?;
            let mut year = Vec::new();
            for district in of.iter().map(|m| m.district_id.clone()) {
                year.extend(terms::of_school_year(conn, &district, &school_year)?);
            }
            let mut term_ids: Vec<String> = year.iter().map(|t| t.id.clone()).collect();
            term_ids.sort();
            term_ids.dedup();
            let from = year.iter().map(|t| t.starts_on.clone()).min();
            let to = year.iter().map(|t| t.ends_on.clone()).max();
            let (checks, notices) = match (&from, &to) {
                (Some(from), Some(to)) => routine(conn, (&caller, notices), &user.id, (from, to))?,
                _ => (Vec::new(), Vec::new()),
            };
            let grades: Vec<&str> = checks.iter().map(|c| c.grade()).collect();
            let because = rules::checks::not_eligible_because(&rules::checks::Year {
                grades: &grades,
                notices_overdue: notices.iter().filter(|n| n.is_overdue()).count(),
            });
            Ok(Archive {
                award_eligible: because.is_empty(),
                not_eligible_because: because,
                checks,
                notices,
                documents: match (from, to) {
                    (Some(from), Some(to)) => written(conn, &caller, &user.id, (&from, &to))?,
                    _ => Vec::new(),
                },
                observations: observed(conn, &caller, &user.id, &term_ids)?,
                evaluations: evaluations(conn, &user.id, &term_ids)?,
                user_id: user.id,
                name: user.name,
                school_year,
                term_ids,
            })
        })
        .await?;
    for d in &mut body.documents {
        super::pages::sign(&state, &req, d).await?;
    }
    Ok(HttpResponse::Ok().json(body))
}

/// The user's documents with a lesson day in the school year, with pages and reviews: those
/// the caller may see (a draft is its teacher's alone, as everywhere).
fn written(
    conn: &mut DbConn,
    caller: &Caller,
    user_id: &str,
    (from, to): (&str, &str),
) -> ApiResult<Vec<DocumentView>> {
    let mut list = tingke_models::documents::of_teacher_between(conn, user_id, from, to)?;
    list.retain(|d| documents::can_see(caller, d));
    documents::views(conn, list, true, caller)
}

/// The observations of the user's lessons in the terms, those the caller may see.
fn observed(
    conn: &mut DbConn,
    caller: &Caller,
    user_id: &str,
    term_ids: &[String],
) -> ApiResult<Vec<ObservationView>> {
    let mut list = obs::of_teacher_in_terms(conn, user_id, term_ids)?;
    list.retain(|o| observations::can_see(caller, o));
    observations::summaries(conn, list)
}

/// The teacher's checks and notices of the year that the caller may see. Whether the teacher
/// may be put forward for awards is judged on all of them, so it is judged on these only when
/// the caller reads them all (the teacher, the school's leaders, researchers, admins read every
/// one).
fn routine(
    conn: &mut DbConn,
    (caller, limits): (&Caller, tingke_models::rules::notices::Limits),
    user_id: &str,
    (from, to): (&str, &str),
) -> ApiResult<(Vec<ResultView>, Vec<NoticeView>)> {
    let mut results = Vec::new();
    // A teacher's year is in one or two schools: their districts are read once each.
    let mut districts: std::collections::HashMap<String, String> = Default::default();
    for (r, _) in tingke_models::checks::results::of_teacher_between(conn, user_id, (from, to))? {
        if !districts.contains_key(&r.school_id) {
            let district = tingke_models::schools::find(conn, &r.school_id)?
                .map(|s| s.district_id)
                .unwrap_or_default();
            districts.insert(r.school_id.clone(), district);
        }
        if super::checks::can_see_result(caller, &r, &districts[&r.school_id]) {
            results.push(r);
        }
    }
    let checks = super::checks::result_views(conn, results)?;
    let notices = tingke_models::notices::to_teacher(conn, user_id)?
        .into_iter()
        .filter(|n| {
            let day = obs::local_date(n.created_at).format("%Y-%m-%d").to_string();
            day.as_str() >= from && day.as_str() <= to
        })
        .filter(|n| super::notices::can_see(caller, n))
        .map(|n| NoticeView::new(n, limits))
        .collect();
    Ok((checks, notices))
}

fn evaluations(
    conn: &mut DbConn,
    user_id: &str,
    term_ids: &[String],
) -> ApiResult<Vec<EvaluationEntry>> {
    let rows = mentorships::evaluations_of_apprentice(conn, user_id, term_ids)?;
    let mentors: Vec<String> = rows.iter().map(|(_, m)| m.mentor_id.clone()).collect();
    let names = obs::user_names(conn, &mentors)?;
    Ok(rows
        .into_iter()
        .map(|(e, m)| EvaluationEntry {
            mentor_name: names.get(&m.mentor_id).cloned().unwrap_or_default(),
            mentorship_id: m.id,
            mentor_id: m.mentor_id,
            term_id: e.term_id,
            rating: e.rating,
            comments: e.comments,
            evaluated_by: e.evaluated_by,
            created_at: e.created_at.and_utc(),
        })
        .collect())
}
