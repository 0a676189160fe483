//! Pages of a document: photos uploaded as multipart, made upright and stripped of metadata by
//! the photo pipeline, stored as a page and a thumbnail, compared with every page of the school
//! to find the same file or picture uploaded again, looked up in the district's index of page
//! prints to find the same handwritten page photographed again anywhere in the district
//! (issue 24), and served through short-lived signed URLs.

use super::documents::{self, DocumentView};
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::extract::Body;
use crate::photo::{self, phash, PhotoError, Processed};
use crate::signed::{self, SignatureError};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tingke_models::copies::{self, Match};
use tingke_models::documents::{self as docs, Document, Fingerprint, PageRow};
use tingke_models::rules::copies::{self as rule, Shown};
use tingke_models::DbConn;
use tokio::io::AsyncWriteExt;
use validator::Validate;

pub fn routes(r: &mut Router) {
    r.add(Method::POST, "/v1/documents/{id}/pages", upload)
        .add(Method::PUT, "/v1/documents/{id}/pages/order", reorder)
        .add(
            Method::DELETE,
            "/v1/documents/{id}/pages/{page_id}",
            delete_page,
        )
        .add(Method::GET, "/v1/files/{token}", file);
}

/// A page stored elsewhere in the school that looks like this one.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SimilarPage {
    page_id: String,
    document_id: String,
    teacher_id: String,
    /// The very same file (same SHA-256), not only the same picture.
    exact: bool,
    /// Bits in which the perceptual hashes differ (0 = the same picture).
    distance: u32,
}

/// The same handwritten page found elsewhere in the district, however it was photographed, as
/// the viewer may know of it (`rules::copies`): unnamed when it is in another school the
/// viewer does not read.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SamePage {
    /// `reused`: the same teacher's page in another document; `other_teacher`: another's.
    kind: &'static str,
    /// Keypoints one transformation of the page placed on the other (16 at least).
    strength: i32,
    page_id: Option<String>,
    document_id: Option<String>,
    teacher_id: Option<String>,
    school_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct PageView {
    pub(super) id: String,
    index: i32,
    width: i32,
    height: i32,
    bytes: i64,
    sha256: String,
    image_url: String,
    thumbnail_url: String,
    /// The parts of `image_url` and `thumbnail_url` when this server signs them (pages in
    /// local files; null with S3, whose presigned URLs are the store's own).
    image_file: Option<signed::Parts>,
    thumbnail_file: Option<signed::Parts>,
    similar_pages: Vec<SimilarPage>,
    same_pages: Vec<SamePage>,
    #[serde(skip)]
    keys: (String, String),
}

/// Pages of other documents of the school with the same file or nearly the same picture, as
/// `viewer` may know of them: another teacher's draft is nobody else's business (it is not in
/// any answer to anyone but its teacher), so it is never named.
fn similar(fingerprints: &[Fingerprint], page: &PageRow, viewer: &str) -> Vec<SimilarPage> {
    fingerprints
        .iter()
        .filter(|(_, document_id, ..)| *document_id != page.document_id)
        .filter(|(_, _, teacher_id, status, ..)| {
            status != tingke_models::documents::status::DRAFT || teacher_id == viewer
        })
        .filter_map(|(id, document_id, teacher_id, _, sha256, hash)| {
            let distance = phash::hamming(*hash as u64, page.phash as u64);
            let exact = *sha256 == page.sha256;
            (exact || distance <= phash::SIMILAR_MAX_DISTANCE).then(|| SimilarPage {
                page_id: id.clone(),
                document_id: document_id.clone(),
                teacher_id: teacher_id.clone(),
                exact,
                distance,
            })
        })
        .collect()
}

/// Matches shown with a page at most, the strongest: a page photographed again and again
/// (a school's template sheet) is listed with a few of its copies, not all.
const SAME_PAGES_SHOWN: usize = 20;

/// The matches of `page` as `viewer` may see them (`matches` strongest first).
fn same_pages(matches: &[Match], page: &PageRow, viewer: &Caller, district: &str) -> Vec<SamePage> {
    matches
        .iter()
        .filter(|m| {
            m.page_id == page.id && rule::is_a_copy(&page.document_id, &m.other_document_id)
        })
        .filter_map(|m| {
            let v = rule::Viewer {
                id: viewer.id(),
                reads_other_school: viewer.sees_school_work(&m.other_school_id, district),
                in_other_school: !viewer.school_roles(&m.other_school_id).is_empty(),
            };
            let other = rule::Other {
                teacher_id: &m.other_teacher_id,
                draft: m.other_status == docs::status::DRAFT,
            };
            let named = match rule::shown(v, other) {
                Shown::Hidden => return None,
                Shown::Named => true,
                Shown::Unnamed => false,
            };
            let name = |s: &String| named.then(|| s.clone());
            Some(SamePage {
                kind: rule::kind(&page.teacher_id, &m.other_teacher_id),
                strength: m.inliers,
                page_id: name(&m.other_page_id),
                document_id: name(&m.other_document_id),
                teacher_id: name(&m.other_teacher_id),
                school_id: name(&m.other_school_id),
            })
        })
        .take(SAME_PAGES_SHOWN)
        .collect()
}

fn page_view(row: PageRow, similar_pages: Vec<SimilarPage>) -> PageView {
    PageView {
        id: row.id,
        index: row.position,
        width: row.width,
        height: row.height,
        bytes: row.bytes,
        sha256: row.sha256,
        image_url: String::new(),
        thumbnail_url: String::new(),
        image_file: None,
        thumbnail_file: None,
        similar_pages,
        same_pages: Vec::new(),
        keys: (row.page_key, row.thumb_key),
    }
}

/// The pages of `documents` in order, by document id, each with the same pages found elsewhere
/// in its school (URLs are signed afterwards, off the database thread: see `sign`). One query
/// for the pages and one for the fingerprints of each school, however many documents.
pub(super) fn views_of(
    conn: &mut DbConn,
    documents: &[Document],
    viewer: &Caller,
) -> ApiResult<HashMap<String, Vec<PageView>>> {
    let ids: Vec<String> = documents.iter().map(|d| d.id.clone()).collect();
    let rows = docs::pages_of_documents(conn, &ids)?;
    let page_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let matches = copies::matches_of(conn, &page_ids)?;
    let district: HashMap<&str, &str> = documents
        .iter()
        .map(|d| (d.id.as_str(), d.district_id.as_str()))
        .collect();
    let mut prints: HashMap<String, Vec<Fingerprint>> = HashMap::new();
    let mut views: HashMap<String, Vec<PageView>> = HashMap::new();
    for row in rows {
        let school = &row.school_id;
        if !prints.contains_key(school) {
            prints.insert(school.clone(), docs::fingerprints(conn, school)?);
        }
        let found = similar(&prints[school], &row, viewer.id());
        let in_district = district
            .get(row.document_id.as_str())
            .copied()
            .unwrap_or_default();
        let same = same_pages(&matches, &row, viewer, in_district);
        let document_id = row.document_id.clone();
        let mut view = page_view(row, found);
        view.same_pages = same;
        views.entry(document_id).or_default().push(view);
    }
    Ok(views)
}

/// A URL for one blob: the store's own presigned URL (S3), or one the API signs and serves,
/// then with its parts.
pub(super) async fn url(
    state: &AppState,
    req: &HttpRequest,
    key: &str,
) -> ApiResult<(String, Option<signed::Parts>)> {
    let ttl = state.config.url_ttl;
    if let Some(url) = state
        .store
        .presigned_get(key, ttl)
        .await
        .map_err(store_error)?
    {
        return Ok((url, None));
    }
    let expires = chrono::Utc::now().timestamp() + ttl.as_secs() as i64;
    // One signature for both the URL and its parts.
    let parts = signed::parts(&state.config.jwt_secret, key, expires);
    let info = req.connection_info();
    Ok((
        format!("{}://{}{}", info.scheme(), info.host(), parts.path()),
        Some(parts),
    ))
}

/// Fills in the signed URLs of a document's pages.
pub(super) async fn sign(
    state: &AppState,
    req: &HttpRequest,
    v: &mut DocumentView,
) -> ApiResult<()> {
    for page in v.pages_mut() {
        (page.image_url, page.image_file) = url(state, req, &page.keys.0).await?;
        (page.thumbnail_url, page.thumbnail_file) = url(state, req, &page.keys.1).await?;
    }
    Ok(())
}

pub(super) fn store_error(e: crate::storage::StorageError) -> ApiError {
    match e {
        crate::storage::StorageError::Unavailable(cause) => {
            tracing::warn!(%cause, "blob store unavailable");
            ApiError::unavailable_because(&cause)
        }
        other => ApiError::internal(other),
    }
}

pub(super) fn photo_error(e: PhotoError) -> ApiError {
    let status = match e {
        PhotoError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        PhotoError::UnsupportedFormat | PhotoError::HeicNotEnabled => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
        PhotoError::Processing(_) => return ApiError::internal(e),
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code()).detail(e.to_string())
}

/// Parts beyond this many are refused: a page upload has a file and an index.
const MAX_PARTS: usize = 4;

/// A photo for a page: the file, spooled to a temporary file, and the wanted index (from a
/// multipart body, or assembled from a tus upload's chunks).
pub(super) struct Upload {
    pub(super) file: tempfile::NamedTempFile,
    pub(super) size: u64,
    pub(super) index: Option<i32>,
}

/// Spooling an upload to the data directory failed: a full or read-only disk is a 503 that
/// the phone retries later, anything else is unexpected.
pub(super) fn spool_error(e: std::io::Error) -> ApiError {
    tracing::error!(error = %e, "cannot spool an upload to the data directory");
    match e.kind() {
        std::io::ErrorKind::StorageFull => ApiError::disk("storage_full"),
        std::io::ErrorKind::ReadOnlyFilesystem => ApiError::disk("storage_read_only"),
        _ => ApiError::internal(e),
    }
}

fn bad_multipart(e: actix_multipart::MultipartError) -> ApiError {
    use actix_multipart::MultipartError;
    match e {
        // JSON or a form sent where a photo was expected: the wrong content type, not a broken
        // multipart body.
        MultipartError::ContentTypeMissing | MultipartError::ContentTypeIncompatible => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                .detail("send the photo as multipart/form-data")
        }
        other => ApiError::bad_request("malformed_multipart").detail(other.to_string()),
    }
}

/// Streams the parts of the body, writing `file` to disk as it arrives and stopping as soon as
/// it passes the size limit.
async fn read_upload(mut payload: Multipart, state: &AppState) -> ApiResult<Upload> {
    let max = state.config.photo_limits.max_bytes;
    let mut upload: Option<(tempfile::NamedTempFile, u64)> = None;
    let mut index = None;
    let mut parts = 0;
    while let Some(mut field) = payload.try_next().await.map_err(bad_multipart)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::bad_request("too_many_parts"));
        }
        match field.name() {
            Some("file") if upload.is_none() => {
                let tmp =
                    tempfile::NamedTempFile::new_in(&state.config.data_dir).map_err(spool_error)?;
                // Written through tokio: file writes stay off the async threads.
                let mut file =
                    tokio::fs::File::from_std(tmp.as_file().try_clone().map_err(spool_error)?);
                let mut size = 0u64;
                while let Some(chunk) = field.try_next().await.map_err(bad_multipart)? {
                    size += chunk.len() as u64;
                    if size > max {
                        return Err(photo_error(PhotoError::TooLarge { size, max }));
                    }
                    file.write_all(&chunk).await.map_err(spool_error)?;
                }
                file.flush().await.map_err(spool_error)?;
                upload = Some((tmp, size));
            }
            Some("index") => index = Some(read_index(&mut field).await?),
            _ => while field.try_next().await.map_err(bad_multipart)?.is_some() {},
        }
    }
    let (file, size) = upload.ok_or_else(|| {
        ApiError::field(
            "missing_file",
            "file",
            "send the photo as the part named file",
        )
    })?;
    Ok(Upload { file, size, index })
}

async fn read_index(field: &mut actix_multipart::Field) -> ApiResult<i32> {
    let mut text = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(bad_multipart)? {
        text.extend_from_slice(&chunk);
        if text.len() > 10 {
            break;
        }
    }
    std::str::from_utf8(&text)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .filter(|i| *i >= 1)
        .ok_or_else(|| ApiError::field("invalid_index", "index", "a page number from 1"))
}

/// Decodes and normalises the photo on a blocking thread, at most as many at once as the
/// configured permits: a hundred phones uploading at once wait here, memory stays bounded.
async fn run_pipeline(state: &AppState, upload: Upload) -> ApiResult<Processed> {
    let _permit = state
        .photo_permits
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    let limits = state.config.photo_limits.clone();
    web::block(move || {
        let bytes =
            std::fs::read(upload.file.path()).map_err(|e| PhotoError::Processing(e.to_string()))?;
        debug_assert_eq!(bytes.len() as u64, upload.size);
        photo::process(&bytes, &limits)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(photo_error)
}

/// The caller's document when pages may still change.
/// The caller's editable document, locked until the transaction ends: two pages uploaded to
/// one document at once take their positions one after the other, instead of the second
/// failing on the version the first one bumped.
fn editable_locked(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Document> {
    docs::lock(conn, id)?;
    editable(conn, caller, id)
}

pub(super) fn editable(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<Document> {
    let d = documents::held(conn, caller, id)?;
    match d.is_editable() {
        true => Ok(d),
        false => Err(ApiError::conflict("document_submitted")),
    }
}

async fn upload(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let (check_caller, check_id) = (caller.clone(), id.into_inner());
    let if_match = etag::if_match(&req);
    let check_tag = if_match.clone();
    // Refuse before reading a byte of the photo when the page could not be kept anyway.
    let d = state
        .read(move |conn| {
            let d = editable(conn, &check_caller, &check_id)?;
            etag::check_match(check_tag.as_deref(), &etag::tag(&d.id, d.version))?;
            Ok(d)
        })
        .await?;
    let upload = read_upload(payload, &state).await?;
    let page = add_page(&state, &req, (caller, d), upload, if_match, |_, _| Ok(())).await?;
    Ok(HttpResponse::Created().json(page))
}

/// Makes a page of `upload` in the caller's document `d` (checked editable before the photo was
/// read): the photo pipeline, the page and thumbnail blobs, the page's place in the document
/// and its new version in one transaction, and its signed URLs. `saved` runs in that
/// transaction with the new page (a tus upload marks itself finished there); its error rolls
/// the page back. Both the multipart route and a finished tus upload come through here.
pub(super) async fn add_page(
    state: &AppState,
    req: &HttpRequest,
    (caller, d): (Caller, Document),
    upload: Upload,
    if_match: Option<String>,
    saved: impl FnOnce(&mut DbConn, &PageRow) -> ApiResult<()> + Send + 'static,
) -> ApiResult<PageView> {
    let index = upload.index;
    let mut processed = run_pipeline(state, upload).await?;
    let print = std::mem::take(&mut processed.print);
    let half_step = std::mem::take(&mut processed.half_step);
    let district = d.district_id.clone();
    // Found before the write: the index's candidates (a read, off the single writer), then
    // compared with the page off the database's connection.
    let in_district = district.clone();
    let (candidates, print) = state
        .read(move |conn| {
            let found = crate::prints::look_up(conn, &in_district, (&print, &half_step))?;
            Ok((found, print))
        })
        .await?;
    let found = web::block(move || candidates.compare(&print))
        .await
        .map_err(ApiError::internal)?;
    let page_id = tingke_models::new_id();
    let base = format!("schools/{}/pages/{page_id}", d.school_id);
    let keys = (format!("{base}/page.jpg"), format!("{base}/thumb.jpg"));
    store_blobs(state, &keys, &processed).await?;
    let row = PageRow {
        id: page_id,
        document_id: d.id.clone(),
        school_id: d.school_id.clone(),
        teacher_id: d.teacher_id.clone(),
        position: 0,
        width: processed.width as i32,
        height: processed.height as i32,
        bytes: processed.page_jpeg.len() as i64,
        sha256: processed.original_sha256,
        phash: processed.phash as i64,
        page_key: keys.0.clone(),
        thumb_key: keys.1.clone(),
        created_at: tingke_models::now(),
    };
    let id = d.id.clone();
    let saved = state
        .write(move |conn| {
            let d = editable_locked(conn, &caller, &id)?;
            let row = place_page(conn, &d, row, index)?;
            documents::save(conn, d, if_match.as_deref())?;
            saved(conn, &row)?;
            crate::prints::keep(conn, &row.id, &district, &found)?;
            let prints = docs::fingerprints(conn, &row.school_id)?;
            let similar_pages = similar(&prints, &row, caller.id());
            let matches = copies::matches_of(conn, std::slice::from_ref(&row.id))?;
            let same = same_pages(&matches, &row, &caller, &district);
            let mut view = page_view(row, similar_pages);
            view.same_pages = same;
            Ok(view)
        })
        .await;
    let mut page = match saved {
        Ok(page) => page,
        Err(e) => {
            // No page record points at these blobs: remove them (a cleanup finds any left).
            remove_blobs(state, &keys).await;
            return Err(e);
        }
    };
    (page.image_url, page.image_file) = url(state, req, &page.keys.0).await?;
    (page.thumbnail_url, page.thumbnail_file) = url(state, req, &page.keys.1).await?;
    Ok(page)
}

/// Page and thumbnail, both or neither.
async fn store_blobs(state: &AppState, keys: &(String, String), p: &Processed) -> ApiResult<()> {
    state
        .store
        .put(&keys.0, p.page_jpeg.clone(), "image/jpeg")
        .await
        .map_err(store_error)?;
    if let Err(e) = state
        .store
        .put(&keys.1, p.thumb_jpeg.clone(), "image/jpeg")
        .await
    {
        remove_blobs(state, keys).await;
        return Err(store_error(e));
    }
    Ok(())
}

async fn remove_blobs(state: &AppState, keys: &(String, String)) {
    for key in [&keys.0, &keys.1] {
        if let Err(e) = state.store.delete(key).await {
            tracing::warn!(%key, error = %e, "could not remove an orphaned blob");
        }
    }
}

/// Inserts the page at `index` (1-based; at the end when absent or past the end), moving the
/// pages after it down by one.
fn place_page(
    conn: &mut DbConn,
    d: &Document,
    mut row: PageRow,
    index: Option<i32>,
) -> ApiResult<PageRow> {
    let existing = docs::pages_of(conn, &d.id)?;
    let count = existing.len() as i32;
    let position = index.map_or(count + 1, |i| i.min(count + 1));
    for (i, p) in existing.iter().enumerate() {
        let current = i as i32 + 1;
        let wanted = if current >= position {
            current + 1
        } else {
            current
        };
        if p.position != wanted {
            docs::set_position(conn, &p.id, wanted)?;
        }
    }
    row.position = position;
    docs::insert_page(conn, &row)?;
    Ok(row)
}

#[derive(Debug, Deserialize, Validate)]
struct PageOrder {
    #[validate(length(min = 1, max = 200, code = "invalid_length"))]
    page_ids: Vec<String>,
}

async fn reorder(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    body: Body<PageOrder>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let mut v = state
        .write(move |conn| {
            let d = editable_locked(conn, &caller, &id)?;
            let order = body.read()?.page_ids;
            let mut current: Vec<String> = docs::pages_of(conn, &d.id)?
                .into_iter()
                .map(|p| p.id)
                .collect();
            let mut wanted = order.clone();
            current.sort();
            wanted.sort();
            if current != wanted {
                return Err(ApiError::field(
                    "invalid_page_order",
                    "page_ids",
                    "name every page of the document once",
                ));
            }
            for (i, page_id) in order.iter().enumerate() {
                docs::set_position(conn, page_id, i as i32 + 1)?;
            }
            let d = documents::save(conn, d, if_match.as_deref())?;
            documents::view(conn, d, true, &caller)
        })
        .await?;
    sign(&state, &req, &mut v).await?;
    Ok(documents::respond(StatusCode::OK, v))
}

async fn delete_page(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, page_id) = path.into_inner();
    let if_match = etag::if_match(&req);
    let keys = state
        .write(move |conn| {
            let d = editable_locked(conn, &caller, &id)?;
            let pages = docs::pages_of(conn, &d.id)?;
            let page = pages
                .iter()
                .find(|p| p.id == page_id)
                .ok_or_else(ApiError::not_found)?;
            crate::prints::delete_page(conn, &page.id)?;
            let rest = pages.iter().filter(|p| p.id != page.id);
            for (i, p) in rest.enumerate() {
                docs::set_position(conn, &p.id, i as i32 + 1)?;
            }
            documents::save(conn, d, if_match.as_deref())?;
            Ok((page.page_key.clone(), page.thumb_key.clone()))
        })
        .await?;
    remove_blobs(&state, &keys).await;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
struct FileQuery {
    expires: i64,
    sig: String,
}

/// Serves a blob of the local store to whoever holds a valid signed URL.
async fn file(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<FileQuery>,
) -> ApiResult<HttpResponse> {
    let now = chrono::Utc::now().timestamp();
    let key = signed::verify(
        &state.config.jwt_secret,
        &token,
        query.expires,
        &query.sig,
        now,
    )
    .map_err(|e| match e {
        SignatureError::Expired => ApiError::new(StatusCode::FORBIDDEN, "url_expired"),
        SignatureError::Invalid => ApiError::new(StatusCode::FORBIDDEN, "invalid_signature"),
    })?;
    let bytes = state
        .store
        .get(&key)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let max_age = (query.expires - now).max(0);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::CACHE_CONTROL, format!("private, max-age={max_age}")))
        .body(bytes))
}
