//! District workbooks over HTTP (issue 21): the template, an upload answering its preview, the
//! commit of exactly that preview, and the login sheet once. The work is in `crate::import`.

use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Valid;
use crate::import::{self, Upload};
use crate::state::AppState;
use crate::workbook;
use actix_multipart::Multipart;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpResponse};
use futures_util::TryStreamExt;
use serde::Deserialize;
use tingke_models::districts;
use tingke_models::roles::Role;
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::GET, "/v1/imports/template.xlsx", template)
        .add(Method::POST, "/v1/districts/{id}/imports", upload)
        .add(Method::GET, "/v1/imports/{id}", get)
        .add(Method::POST, "/v1/imports/{id}/commit", commit)
        .add(Method::POST, "/v1/imports/{id}/login-sheet", login_sheet);
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx(bytes: Vec<u8>, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, XLSX))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(bytes)
}

/// The workbook to fill in; the same for everyone who may log in.
async fn template(_caller: Caller) -> ApiResult<HttpResponse> {
    let bytes = web::block(workbook::template)
        .await
        .map_err(ApiError::internal)??;
    Ok(xlsx(bytes, "tingke-import.xlsx"))
}

/// Parts of an upload at most: the file and the school.
const MAX_PARTS: usize = 4;

fn bad_multipart(e: actix_multipart::MultipartError) -> ApiError {
    use actix_multipart::MultipartError;
    match e {
        MultipartError::ContentTypeMissing | MultipartError::ContentTypeIncompatible => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                .detail("send the workbook as multipart/form-data, in the part named file")
        }
        other => ApiError::bad_request("malformed_multipart").detail(other.to_string()),
    }
}

/// The file (its name and bytes; the body limit bounds them) and the school asked for.
async fn read_parts(mut payload: Multipart) -> ApiResult<(String, Vec<u8>, Option<String>)> {
    let (mut file, mut school, mut parts) = (None, None, 0);
    while let Some(mut field) = payload.try_next().await.map_err(bad_multipart)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::bad_request("too_many_parts"));
        }
        let name = field.name().map(str::to_string);
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename().map(str::to_string))
            .unwrap_or_default();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(bad_multipart)? {
            bytes.extend_from_slice(&chunk);
        }
        match name.as_deref() {
            Some("file") if file.is_none() => file = Some((file_name, bytes)),
            Some("school_id") => {
                let text = String::from_utf8(bytes).unwrap_or_default();
                school = Some(text.trim().to_string());
            }
            _ => {}
        }
    }
    let (name, bytes) = file.ok_or_else(|| {
        ApiError::field(
            "missing_file",
            "file",
            "send the workbook as the part named file",
        )
    })?;
    Ok((name, bytes, school))
}

/// Where the caller may import in the district: everywhere for an administrator, their own
/// school for its principal (the one named, or their only one). Others: 403, or 404 outside the
/// district.
fn scope_of(
    caller: &Caller,
    district_id: &str,
    asked: Option<String>,
) -> ApiResult<Option<String>> {
    if caller.is_admin() {
        return Ok(asked.filter(|s| !s.is_empty()));
    }
    if !caller.can_view_district(district_id) {
        return Err(ApiError::not_found());
    }
    let own: Vec<String> = caller
        .memberships
        .iter()
        .filter(|m| m.district_id == district_id && m.has_role(Role::Principal))
        .filter_map(|m| m.school_id.clone())
        .collect();
    match (asked.filter(|s| !s.is_empty()), own.as_slice()) {
        (_, []) => Err(ApiError::forbidden()),
        (Some(s), _) if own.contains(&s) => Ok(Some(s)),
        (Some(_), _) => Err(ApiError::forbidden()),
        (None, [one]) => Ok(Some(one.clone())),
        (None, _) => Err(ApiError::field(
            "missing_field",
            "school_id",
            "name the school: you are the principal of several",
        )),
    }
}

async fn upload(
    caller: Caller,
    state: web::Data<AppState>,
    district_id: web::Path<String>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let district_id = district_id.into_inner();
    let lookup = district_id.clone();
    state
        .read(move |conn| districts::find(conn, &lookup)?.ok_or_else(ApiError::not_found))
        .await?;
    // Refused before a byte of the file is read when the caller may import nowhere here.
    scope_of(&caller, &district_id, None).or_else(|e| match e.code {
        "missing_field" => Ok(None),
        _ => Err(e),
    })?;
    let (file_name, bytes, asked) = read_parts(payload).await?;
    let school = scope_of(&caller, &district_id, asked)?;
    if let Some(school) = &school {
        let (id, district) = (school.clone(), district_id.clone());
        state
            .read(move |conn| {
                tingke_models::schools::find(conn, &id)?
                    .filter(|s| s.district_id == district)
                    .ok_or_else(|| {
                        ApiError::field(
                            "school_not_found",
                            "school_id",
                            "no such school in this district",
                        )
                    })
            })
            .await?;
    }
    let (bytes, read) = web::block(move || {
        let read = import::read(&bytes);
        (bytes, read)
    })
    .await
    .map_err(ApiError::internal)?;
    let workbook = read?;
    let lang = caller_lang();
    let by = caller.id().to_string();
    let preview = state
        .write(move |conn| {
            let upload = Upload {
                district_id: &district_id,
                school_id: school.as_deref(),
                by: Some(&by),
                file_name: &file_name,
                bytes: &bytes,
            };
            import::preview(conn, &upload, workbook, lang)
        })
        .await?;
    Ok(HttpResponse::Created().json(preview))
}

fn caller_lang() -> crate::i18n::Lang {
    crate::i18n::current().map_or(crate::i18n::Lang::Zh, |c| c.lang)
}

/// The preview of an upload again (a phone that lost the answer, a second look before the
/// commit): for whoever uploaded it and whoever may import into its school; others 404.
async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let found = state
        .read(move |conn| import::find(conn, &id, None))
        .await?;
    let uploader = found.created_by.as_deref() == Some(caller.id());
    let leads = |school: &str| caller.has_school_role(school, Role::Principal);
    let may_import = caller.is_admin() || found.school_id.as_deref().is_some_and(leads);
    if !uploader && !may_import {
        return Err(ApiError::not_found());
    }
    let lang = caller_lang();
    let view = web::block(move || import::preview_of(&found, lang))
        .await
        .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct CommitRequest {
    /// Memberships the preview listed as missing, to remove.
    #[serde(default)]
    #[validate(length(max = 50000, code = "invalid_length"))]
    remove: Vec<String>,
}

async fn commit(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Valid<CommitRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (user, admin) = (caller.id().to_string(), caller.is_admin());
    let found = state
        .read(move |conn| import::find(conn, &id, Some((&user, admin))))
        .await?;
    // A principal commits only while they still lead the school they previewed for.
    let leads = |school: &str| caller.has_school_role(school, Role::Principal);
    if !caller.is_admin() && !found.school_id.as_deref().is_some_and(leads) {
        return Err(ApiError::forbidden());
    }
    let secret = state.config.jwt_secret.clone();
    if found.status == "committed" {
        // A retry whose first answer was lost: the same answer, while the sheet is not taken
        // (the kept plan is read again: off the async threads).
        let by = caller.id().to_string();
        let answer = web::block(move || import::again(&found, Some(&by), &secret))
            .await
            .map_err(ApiError::internal)??;
        return Ok(commit_answer(&answer));
    }
    let remove = body.0.remove;
    let (found, prepared) = web::block(move || {
        let prepared = import::prepare(&found, remove, &secret);
        (found, prepared)
    })
    .await
    .map_err(ApiError::internal)?;
    let prepared = prepared?;
    let answer = state
        .write(move |conn| import::commit(conn, &found, prepared))
        .await?;
    // People's memberships and roles changed, some left their groups.
    state.forget_callers();
    Ok(commit_answer(&answer))
}

fn commit_answer(answer: &import::CommitView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer)
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct SheetRequest {
    /// The key the commit answered.
    #[validate(length(min = 1, max = 100, code = "invalid_length"))]
    key: String,
}

/// The login sheet, once, for the key the commit answered.
async fn login_sheet(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Valid<SheetRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (user, admin) = (caller.id().to_string(), caller.is_admin());
    let key = body.0.key;
    let logins = state
        .write(move |conn| {
            let found = import::find(conn, &id, Some((&user, admin)))?;
            import::take_sheet(conn, &found, &key)
        })
        .await?;
    let bytes = web::block(move || workbook::login_sheet(&logins))
        .await
        .map_err(ApiError::internal)??;
    let mut res = xlsx(bytes, "tingke-logins.xlsx");
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}
