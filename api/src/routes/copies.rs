//! Copied plans (issue 24): the pairs of teachers with the most pages found to be the same page
//! in a term, for a school's leaders and for the district's staff, with the pages side by side.
//! The matches themselves are found when a page is uploaded (`pages.rs`).

use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tingke_models::copies::{self, Pair, Side};
use tingke_models::observations as obs;
use tingke_models::rules::copies as rule;
use tingke_models::{terms, DbConn};

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/schools/{id}/same-pages", school_report)
        .add(
            Method::GET,
            "/v1/districts/{id}/same-pages",
            district_report,
        );
}

/// Pairs of teachers listed at most, and pages of one pair.
const PAIRS: usize = 100;
const PAGES_OF_A_PAIR: usize = 20;

#[derive(Debug, Deserialize)]
struct ReportQuery {
    term_id: String,
}

#[derive(Debug, Serialize)]
struct PageSide {
    page_id: String,
    document_id: String,
    teacher_id: String,
    school_id: String,
    thumbnail_url: String,
    #[serde(skip)]
    thumb_key: String,
}

#[derive(Debug, Serialize)]
struct SamePagePair {
    strength: i32,
    page: PageSide,
    other: PageSide,
}

#[derive(Debug, Serialize)]
struct TeacherPair {
    /// `reused`: one teacher's pages in two documents; `other_teacher`: two teachers'.
    kind: &'static str,
    teacher_id: String,
    teacher_name: String,
    other_teacher_id: String,
    other_teacher_name: String,
    /// Pages of the pair found to be the same page in the term.
    pages: usize,
    /// The strongest of them, side by side.
    matches: Vec<SamePagePair>,
}

#[derive(Debug, Serialize)]
struct Report {
    term_id: String,
    pairs: Vec<TeacherPair>,
}

/// The school's pairs: both pages in the school.
async fn school_report(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let school = super::schools::visible_school(&caller, &state, id.into_inner()).await?;
    if !caller.sees_school_work(&school.id, &school.district_id) {
        return Err(ApiError::forbidden());
    }
    let term_id = query.into_inner().term_id;
    let in_school = move |s: &Side| s.school_id == school.id;
    let district = school.district_id.clone();
    answer(&state, &req, district, term_id, in_school).await
}

/// The district's pairs, for its staff (researchers, bureau leaders) and admins.
async fn district_report(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let district = id.into_inner();
    if !caller.can_view_district(&district) {
        return Err(ApiError::not_found());
    }
    if !(caller.is_admin() || caller.is_district_staff(&district)) {
        return Err(ApiError::forbidden());
    }
    let term_id = query.into_inner().term_id;
    answer(&state, &req, district, term_id, |_: &Side| true).await
}

async fn answer(
    state: &AppState,
    req: &HttpRequest,
    district: String,
    term_id: String,
    shown: impl Fn(&Side) -> bool + Send + 'static,
) -> ApiResult<HttpResponse> {
    let mut report = state
        .read(move |conn| report(conn, &district, term_id, shown))
        .await?;
    for pair in &mut report.pairs {
        for m in &mut pair.matches {
            for side in [&mut m.page, &mut m.other] {
                side.thumbnail_url = super::pages::url(state, req, &side.thumb_key).await?.0;
            }
        }
    }
    Ok(HttpResponse::Ok().json(report))
}

fn report(
    conn: &mut DbConn,
    district: &str,
    term_id: String,
    shown: impl Fn(&Side) -> bool,
) -> ApiResult<Report> {
    let term = terms::find(conn, &term_id)?
        .filter(|t| t.district_id == district)
        .ok_or_else(super::quotas::term_not_found)?;
    let day = |d: &str, end: bool| {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(ApiError::internal)?;
        let time = match end {
            true => chrono::NaiveTime::from_hms_opt(23, 59, 59),
            false => chrono::NaiveTime::from_hms_opt(0, 0, 0),
        };
        Ok::<_, ApiError>(date.and_time(time.expect("a time of day")))
    };
    let (from, to) = (day(&term.starts_on, false)?, day(&term.ends_on, true)?);
    let found = copies::matches_in(conn, district, from, to)?;
    let mut by_pair: HashMap<(String, String), Vec<Pair>> = HashMap::new();
    let reported =
        |(a, b, _): &Pair| shown(a) && shown(b) && rule::is_a_copy(&a.document_id, &b.document_id);
    for (a, b, strength) in found.into_iter().filter(reported) {
        // One order for a pair of teachers, whichever page came first.
        let (a, b) = match a.teacher_id <= b.teacher_id {
            true => (a, b),
            false => (b, a),
        };
        let key = (a.teacher_id.clone(), b.teacher_id.clone());
        by_pair.entry(key).or_default().push((a, b, strength));
    }
    let mut ids: Vec<String> = by_pair
        .keys()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    let names = obs::user_names(conn, &ids)?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let mut pairs: Vec<TeacherPair> = by_pair
        .into_iter()
        .map(|((a, b), mut list)| {
            list.sort_by(|x, y| y.2.cmp(&x.2).then_with(|| x.0.page_id.cmp(&y.0.page_id)));
            TeacherPair {
                kind: rule::kind(&a, &b),
                teacher_name: name(&a),
                other_teacher_name: name(&b),
                pages: list.len(),
                matches: list
                    .into_iter()
                    .take(PAGES_OF_A_PAIR)
                    .map(|(p, o, strength)| SamePagePair {
                        strength,
                        page: side(p),
                        other: side(o),
                    })
                    .collect(),
                teacher_id: a,
                other_teacher_id: b,
            }
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.pages
            .cmp(&x.pages)
            .then_with(|| x.teacher_id.cmp(&y.teacher_id))
            .then_with(|| x.other_teacher_id.cmp(&y.other_teacher_id))
    });
    pairs.truncate(PAIRS);
    Ok(Report {
        term_id: term.id,
        pairs,
    })
}

fn side(s: Side) -> PageSide {
    PageSide {
        page_id: s.page_id,
        document_id: s.document_id,
        teacher_id: s.teacher_id,
        school_id: s.school_id,
        thumbnail_url: String::new(),
        thumb_key: s.thumb_key,
    }
}
