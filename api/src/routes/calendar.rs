//! The school calendar of a term (校历): the district's holidays, exam days and make-up working
//! days, each school's own days off, and the teaching weeks they leave (`rules::calendar`).
//! Weekly quota rules count teaching weeks only.

use super::quotas::{find_term_with_windows, term_not_found, term_window, today};
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::Body;
use crate::state::AppState;
use crate::validate;
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tingke_models::calendar::{self, DayKind, Entry, NewEntry, Span};
use tingke_models::quotas::{Source, Window};
use tingke_models::schools::School;
use tingke_models::terms::Term;
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/terms/{id}/calendar", get_calendar)
        .add(
            Method::PUT,
            "/v1/terms/{id}/calendar",
            replace_district_days,
        )
        .add(
            Method::PUT,
            "/v1/schools/{id}/calendar",
            replace_school_days,
        );
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct EntryInput {
    kind: DayKind,
    #[validate(custom(function = "validate::date"))]
    starts_on: String,
    #[validate(custom(function = "validate::date"))]
    ends_on: String,
    /// 国庆节, 期末考试, 运动会 …
    #[serde(deserialize_with = "validate::name")]
    #[validate(
        length(min = 1, max = 50, code = "invalid_length"),
        custom(function = "validate::plain_text")
    )]
    name: String,
}

impl EntryInput {
    fn entry(&self) -> ApiResult<NewEntry> {
        let day = |s: &str| {
            validate::parse_date(s).ok_or_else(|| {
                ApiError::field("invalid_date", "entries", "write dates as YYYY-MM-DD")
            })
        };
        Ok(NewEntry {
            span: Span {
                kind: self.kind,
                starts_on: day(&self.starts_on)?,
                ends_on: day(&self.ends_on)?,
            },
            name: self.name.trim().to_string(),
        })
    }
}

#[derive(Debug, Deserialize, Validate)]
struct DistrictDays {
    #[validate(length(max = 200, code = "invalid_length"), nested)]
    entries: Vec<EntryInput>,
}

#[derive(Debug, Deserialize, Validate)]
struct SchoolDays {
    #[validate(length(min = 1, max = 64, code = "invalid_length"))]
    term_id: String,
    #[validate(length(max = 200, code = "invalid_length"), nested)]
    entries: Vec<EntryInput>,
}

#[derive(Debug, Serialize)]
pub(super) struct EntryView {
    id: String,
    term_id: String,
    source: Source,
    school_id: Option<String>,
    kind: DayKind,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    name: String,
}

#[derive(Debug, Serialize)]
struct WeekView {
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    /// The teaching week's number in the term; null for a holiday or exam week.
    teaching_week: Option<i64>,
}

#[derive(Debug, Serialize)]
struct CalendarView {
    term_id: String,
    /// The school whose days off are in it; null for the district's calendar.
    school_id: Option<String>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    entries: Vec<EntryView>,
    weeks: Vec<WeekView>,
    teaching_weeks: i64,
    /// The week today falls in, while the term runs.
    current_week: Option<WeekView>,
}

impl From<&Entry> for EntryView {
    fn from(e: &Entry) -> EntryView {
        EntryView {
            id: e.id.clone(),
            term_id: e.term_id.clone(),
            source: match e.school_id {
                Some(_) => Source::School,
                None => Source::District,
            },
            school_id: e.school_id.clone(),
            kind: e.span.kind,
            starts_on: e.span.starts_on,
            ends_on: e.span.ends_on,
            name: e.name.clone(),
        }
    }
}

fn week_view(w: calendar::Week) -> WeekView {
    WeekView {
        starts_on: w.from,
        ends_on: w.to,
        teaching_week: w.teaching,
    }
}

/// The calendar of a term at a school (or the district's alone), with its weeks.
fn render(term: &Term, window: Window, entries: &[Entry], school_id: Option<&str>) -> HttpResponse {
    let shown: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.school_id.is_none() || e.school_id.as_deref() == school_id)
        .collect();
    let cal = calendar::calendar_of(entries, school_id);
    let weeks = cal.weeks(window);
    let today = today();
    let view = CalendarView {
        term_id: term.id.clone(),
        school_id: school_id.map(str::to_string),
        starts_on: window.starts_on,
        ends_on: window.ends_on,
        entries: shown.iter().map(|e| EntryView::from(*e)).collect(),
        teaching_weeks: weeks.iter().filter(|w| w.teaching.is_some()).count() as i64,
        current_week: weeks
            .iter()
            .find(|w| w.from <= today && today <= w.to)
            .copied()
            .map(week_view),
        weeks: weeks.into_iter().map(week_view).collect(),
    };
    HttpResponse::Ok()
        .insert_header((header::ETAG, calendar_tag(&shown)))
        .json(view)
}

/// The entity tag of what a calendar shows: a replacement gives every entry a new id.
fn calendar_tag(entries: &[&Entry]) -> String {
    let mut digest = Sha256::new();
    for e in entries {
        digest.update(format!("{};", e.id));
    }
    format!("\"calendar.{}\"", hex::encode(&digest.finalize()[..12]))
}

fn of_scope(entries: &[Entry], school_id: Option<&str>) -> Vec<Entry> {
    entries
        .iter()
        .filter(|e| e.school_id.is_none() || e.school_id.as_deref() == school_id)
        .cloned()
        .collect()
}

#[derive(Debug, Deserialize)]
struct CalendarQuery {
    school_id: Option<String>,
}

/// A term's calendar: the district's, or a school's with its days off (`school_id`). Everyone
/// who may see the district's terms (and the school, when one is named).
async fn get_calendar(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<CalendarQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let school = match query.into_inner().school_id {
        Some(s) => Some(super::schools::visible_school(&caller, &state, s).await?),
        None => None,
    };
    let reference = state.reference.clone();
    let (term, windows) = state
        .read(move |conn| find_term_with_windows(conn, &reference, &id))
        .await?;
    let in_district = |s: &School| s.district_id == term.district_id;
    if !caller.can_view_district(&term.district_id) || !school.as_ref().is_none_or(in_district) {
        return Err(term_not_found());
    }
    let school_id = school.map(|s| s.id);
    let shown = of_scope(&windows.entries, school_id.as_deref());
    let refs: Vec<&Entry> = shown.iter().collect();
    if let Some(not_modified) = etag::not_modified(&req, &calendar_tag(&refs)) {
        return Ok(not_modified);
    }
    Ok(render(
        &term,
        windows.term,
        &windows.entries,
        school_id.as_deref(),
    ))
}

/// The entries sent, checked against the term and against who sets them.
fn checked(inputs: &[EntryInput], term: &Term, by_school: bool) -> ApiResult<Vec<NewEntry>> {
    let entries = inputs
        .iter()
        .map(EntryInput::entry)
        .collect::<ApiResult<Vec<_>>>()?;
    let spans: Vec<Span> = entries.iter().map(|e| e.span).collect();
    calendar::check(&spans, term_window(term)?, by_school)?;
    Ok(entries)
}

/// Replaces the district's entries of a term: admins.
async fn replace_district_days(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<DistrictDays>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let reference = state.reference.clone();
    let (term, entries) = state
        .write(move |conn| {
            let (term, _) = find_term_with_windows(conn, &reference, &id)?;
            if !caller.can_view_district(&term.district_id) {
                return Err(term_not_found());
            }
            if !caller.is_admin() {
                return Err(ApiError::forbidden());
            }
            let body = body.read()?;
            let new = checked(&body.entries, &term, false)?;
            tingke_models::db::lock_key(conn, &term.id)?;
            let before = calendar::of_term(conn, &term.id)?;
            let shown = of_scope(&before, None);
            etag::check_match(
                if_match.as_deref(),
                &calendar_tag(&shown.iter().collect::<Vec<_>>()),
            )?;
            let entries = calendar::replace(conn, &term, None, &new, tingke_models::now())?;
            Ok((term, entries))
        })
        .await?;
    state.reference.forget(&term.district_id);
    Ok(render(&term, term_window(&term)?, &entries, None))
}

/// Replaces a school's own days off in a term: its principal, vice principals and deans, and
/// admins.
async fn replace_school_days(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Body<SchoolDays>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let school = super::schools::visible_school(&caller, &state, id.into_inner()).await?;
    if !caller.is_senior_leader(&school.id) {
        return Err(ApiError::forbidden());
    }
    let body = body.read()?;
    let if_match = etag::if_match(&req);
    let reference = state.reference.clone();
    let school_id = school.id.clone();
    let (term, entries) = state
        .write(move |conn| {
            let (term, _) = find_term_with_windows(conn, &reference, &body.term_id)?;
            if term.district_id != school.district_id {
                return Err(term_not_found());
            }
            let new = checked(&body.entries, &term, true)?;
            tingke_models::db::lock_key(conn, &term.id)?;
            let before = calendar::of_term(conn, &term.id)?;
            let shown = of_scope(&before, Some(&school.id));
            etag::check_match(
                if_match.as_deref(),
                &calendar_tag(&shown.iter().collect::<Vec<_>>()),
            )?;
            let now = tingke_models::now();
            let entries = calendar::replace(conn, &term, Some(&school.id), &new, now)?;
            Ok((term, entries))
        })
        .await?;
    state.reference.forget(&term.district_id);
    Ok(render(
        &term,
        term_window(&term)?,
        &entries,
        Some(&school_id),
    ))
}
