//! Resumable page photos over tus 1.0.0 (<https://tus.io/protocols/resumable-upload>), core and
//! the creation, termination, expiration and checksum extensions, so that the phone app can use
//! the maintained tus clients (TUSKit, tus-android-client) on school networks that drop
//! connections (issue 25).
//!
//! - `POST /v1/documents/{id}/uploads` creates an upload for a page of the document, checked as
//!   the multipart route checks it (the caller's editable document); `Upload-Metadata` may name
//!   the page's `index` (from 1), a `filename` and a `filetype`.
//! - `HEAD /v1/uploads/{id}` tells how many bytes the server holds; `PATCH` appends from there;
//!   `DELETE` abandons the upload.
//!
//! The upload's state is a database row; its bytes are blobs in the store, one per chunk
//! received (S3 cannot append), named by where the chunk starts and a fresh UUIDv7. A chunk is
//! kept by one statement that moves the offset only from where the chunk starts, so two
//! PATCHes racing at one offset cannot both be kept, and any instance can take the next one.
//! A PATCH cut off in the middle keeps the bytes that arrived before the cut (unless it carried
//! a checksum, which the half cannot match). When the last byte is held the chunks are
//! assembled and go through the multipart route's own pipeline (`pages::add_page`), in whose
//! transaction the upload is marked finished with its page: a retried last PATCH, or one
//! racing it, answers the same page and never makes a second.

use super::pages::{self, Upload as Photo};
use super::Router;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use base64::Engine;
use futures_util::StreamExt;
use sha2::Digest;
use tingke_models::uploads::{self as store, Chunk, Upload};
use tokio::io::AsyncWriteExt;

/// The only version served.
pub const VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,termination,expiration,checksum";
const ALGORITHMS: &str = "sha1,sha256";
/// The answer header naming the page a finished upload became.
pub const PAGE_HEADER: &str = "tingke-page-id";
/// Room for the keys and values of `Upload-Metadata` (a filename, a type, an index).
const MAX_METADATA: usize = 2048;

pub fn routes(r: &mut Router) {
    r.add(Method::OPTIONS, "/v1/documents/{id}/uploads", options)
        .add(Method::POST, "/v1/documents/{id}/uploads", create)
        .add(Method::HEAD, "/v1/uploads/{id}", head)
        .add(Method::PATCH, "/v1/uploads/{id}", patch)
        .add(Method::DELETE, "/v1/uploads/{id}", terminate);
}

fn is_tus(pattern: Option<&str>) -> bool {
    matches!(
        pattern,
        Some("/v1/documents/{id}/uploads" | "/v1/uploads/{id}")
    )
}

/// Around the tus routes: a request for another protocol version (or none) is answered 412
/// with the versions served, and every answer, refusals included, carries `Tus-Resumable`.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !is_tus(req.match_pattern().as_deref()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let asked = req.headers().get("tus-resumable").map(|v| v.as_bytes());
    let refused = req.method() != Method::OPTIONS && asked != Some(VERSION.as_bytes());
    let mut res = match refused {
        true => {
            let refusal = ApiError::new(StatusCode::PRECONDITION_FAILED, "tus_version_unsupported")
                .detail("send Tus-Resumable: 1.0.0");
            let mut res = req.error_response(refusal);
            res.headers_mut()
                .insert(name("tus-version"), value(VERSION.to_string()));
            res
        }
        false => next.call(req).await?.map_into_boxed_body(),
    };
    res.headers_mut()
        .insert(name("tus-resumable"), value(VERSION.to_string()));
    if res.request().method() == Method::HEAD {
        // A refusal of a HEAD has no body to describe: its status says it (tus clients read
        // 404 and 410 as "start again").
        res.headers_mut().remove(header::CONTENT_TYPE);
        res = res.map_body(|_, _| BoxBody::new(()));
    }
    Ok(res)
}

fn name(n: &'static str) -> header::HeaderName {
    header::HeaderName::from_static(n)
}

fn value(v: String) -> header::HeaderValue {
    header::HeaderValue::from_str(&v).unwrap_or_else(|_| header::HeaderValue::from_static(""))
}

/// Answers of the tus routes are never kept (a cache, or the idempotency middleware, which
/// would replay them without their tus headers: a tus upload's own offset makes its retries
/// safe).
fn answer(status: StatusCode) -> HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

async fn options(_caller: Caller, state: web::Data<AppState>) -> HttpResponse {
    answer(StatusCode::NO_CONTENT)
        .insert_header(("Tus-Version", VERSION))
        .insert_header(("Tus-Extension", EXTENSIONS))
        .insert_header(("Tus-Checksum-Algorithm", ALGORITHMS))
        .insert_header((
            "Tus-Max-Size",
            state.config.photo_limits.max_bytes.to_string(),
        ))
        .finish()
}

/// `Upload-Length`: required (deferred lengths are not served), from 1 to the photo limit.
fn upload_length(headers: &HeaderMap, max: u64) -> ApiResult<i64> {
    let text = headers
        .get("upload-length")
        .ok_or_else(|| {
            ApiError::bad_request("missing_upload_length")
                .detail("send the photo's size as Upload-Length")
        })?
        .to_str()
        .unwrap_or("");
    let length: u64 = number(text).ok_or_else(|| {
        ApiError::bad_request("invalid_upload_length").detail("Upload-Length is a number of bytes")
    })?;
    if length == 0 {
        return Err(ApiError::bad_request("invalid_upload_length").detail("an empty photo"));
    }
    if length > max {
        return Err(pages::photo_error(crate::photo::PhotoError::TooLarge {
            size: length,
            max,
        }));
    }
    Ok(length as i64)
}

/// A non-negative decimal number, digits only (no sign, no spaces).
fn number(text: &str) -> Option<u64> {
    match !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        true => text.parse().ok(),
        false => None,
    }
}

/// What `Upload-Metadata` says: the raw header (answered back on HEAD) and the page's index.
/// Pairs are `key base64(value)` separated by commas; unknown keys are kept, not read.
fn metadata(headers: &HeaderMap) -> ApiResult<(String, Option<i32>)> {
    let Some(raw) = headers.get("upload-metadata") else {
        return Ok((String::new(), None));
    };
    let bad = |why: &str| ApiError::bad_request("invalid_upload_metadata").detail(why.to_string());
    let raw = raw
        .to_str()
        .map_err(|_| bad("Upload-Metadata is ASCII"))?
        .trim();
    if raw.len() > MAX_METADATA {
        return Err(bad("Upload-Metadata is longer than 2048 bytes"));
    }
    let mut keys = std::collections::HashSet::new();
    let mut index = None;
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.split(' ');
        let key = parts.next().unwrap_or("");
        let encoded = parts.next().unwrap_or("");
        if parts.next().is_some() || !keys.insert(key) {
            return Err(bad("pairs are `key base64value`, each key once"));
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| bad("a value is not base64"))?;
        if key == "index" {
            index = Some(page_index(&decoded)?);
        }
    }
    Ok((raw.to_string(), index))
}

fn page_index(decoded: &[u8]) -> ApiResult<i32> {
    std::str::from_utf8(decoded)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .filter(|i| *i >= 1)
        .ok_or_else(|| ApiError::field("invalid_index", "index", "a page number from 1"))
}

/// `Upload-Expires`, as an HTTP date.
fn http_date(t: chrono::NaiveDateTime) -> String {
    t.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn expiry(state: &AppState) -> chrono::NaiveDateTime {
    let ttl = chrono::Duration::from_std(state.config.upload_expiry)
        .unwrap_or(chrono::Duration::hours(24));
    tingke_models::now() + ttl
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let length = upload_length(req.headers(), state.config.photo_limits.max_bytes)?;
    let (metadata, page_index) = metadata(req.headers())?;
    let expires_at = expiry(&state);
    let document_id = id.into_inner();
    let upload = state
        .write(move |conn| {
            // Refused here as the multipart route refuses a photo: a teacher cannot start an
            // upload into a document that is not theirs, or no longer editable.
            let d = pages::editable(conn, &caller, &document_id)?;
            let now = tingke_models::now();
            let upload = Upload {
                id: tingke_models::new_id(),
                user_id: caller.id().to_string(),
                document_id: d.id,
                school_id: d.school_id,
                page_index,
                upload_length: length,
                upload_offset: 0,
                metadata,
                page_id: None,
                created_at: now,
                expires_at,
            };
            store::insert(conn, &upload)?;
            Ok(upload)
        })
        .await?;
    let info = req.connection_info();
    let location = format!(
        "{}://{}/v1/uploads/{}",
        info.scheme(),
        info.host(),
        upload.id
    );
    Ok(answer(StatusCode::CREATED)
        .insert_header((header::LOCATION, location))
        .insert_header(("Upload-Offset", "0"))
        .insert_header(("Upload-Expires", http_date(upload.expires_at)))
        .finish())
}

/// The caller's own upload (anyone else's is not found), `expired` (410) once past its expiry.
fn held(conn: &mut tingke_models::DbConn, caller: &Caller, id: &str) -> ApiResult<Upload> {
    let upload = store::find(conn, id)?
        .filter(|u| u.user_id == caller.id())
        .ok_or_else(ApiError::not_found)?;
    match upload.expires_at < tingke_models::now() {
        true => Err(ApiError::new(StatusCode::GONE, "upload_expired")),
        false => Ok(upload),
    }
}

async fn find(state: &AppState, caller: &Caller, id: String) -> ApiResult<Upload> {
    let caller = caller.clone();
    state.read(move |conn| held(conn, &caller, &id)).await
}

/// Where the upload stands: offset, length, expiry and, once finished, its page.
fn progress(status: StatusCode, u: &Upload) -> HttpResponseBuilder {
    let mut res = answer(status);
    res.insert_header(("Upload-Offset", u.upload_offset.to_string()))
        .insert_header(("Upload-Expires", http_date(u.expires_at)));
    if let Some(page) = &u.page_id {
        res.insert_header((PAGE_HEADER, page.clone()));
    }
    res
}

async fn head(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let u = find(&state, &caller, id.into_inner()).await?;
    let mut res = progress(StatusCode::OK, &u);
    res.insert_header(("Upload-Length", u.upload_length.to_string()));
    if !u.metadata.is_empty() {
        res.insert_header(("Upload-Metadata", u.metadata.clone()));
    }
    Ok(res.finish())
}

async fn terminate(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let keys = state
        .write(move |conn| {
            // An expired upload may still be terminated: that is what its expiry was for.
            store::find(conn, &id)?
                .filter(|u| u.user_id == caller.id())
                .ok_or_else(ApiError::not_found)?;
            Ok(store::delete(conn, &id)?)
        })
        .await?;
    remove_chunks(&state, &keys).await;
    Ok(answer(StatusCode::NO_CONTENT).finish())
}

async fn remove_chunks(state: &AppState, keys: &[String]) {
    for key in keys {
        if let Err(e) = state.store.delete(key).await {
            tracing::warn!(%key, error = %e, "could not remove an upload's chunk (gc-blobs will)");
        }
    }
}

/// A digest of the chunk, as `Upload-Checksum` names it.
enum Checksum {
    Sha1(Vec<u8>),
    Sha256(Vec<u8>),
}

impl Checksum {
    fn from_headers(headers: &HeaderMap) -> ApiResult<Option<Checksum>> {
        let Some(raw) = headers.get("upload-checksum") else {
            return Ok(None);
        };
        let bad = || {
            ApiError::bad_request("invalid_upload_checksum")
                .detail("Upload-Checksum is `algorithm base64digest`")
        };
        let text = raw.to_str().map_err(|_| bad())?;
        let (algorithm, encoded) = text.trim().split_once(' ').ok_or_else(bad)?;
        let digest = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| bad())?;
        match algorithm {
            "sha1" => Ok(Some(Checksum::Sha1(digest))),
            "sha256" => Ok(Some(Checksum::Sha256(digest))),
            _ => Err(ApiError::bad_request("checksum_algorithm_unsupported")
                .detail(format!("the algorithms served are {ALGORITHMS}"))),
        }
    }

    fn matches(&self, bytes: &[u8]) -> bool {
        match self {
            Checksum::Sha1(d) => sha1::Sha1::digest(bytes)[..] == d[..],
            Checksum::Sha256(d) => sha2::Sha256::digest(bytes)[..] == d[..],
        }
    }
}

fn offset_of(headers: &HeaderMap) -> ApiResult<i64> {
    headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(number)
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| {
            ApiError::bad_request("invalid_upload_offset")
                .detail("send Upload-Offset: the bytes the server holds (HEAD tells)")
        })
}

fn is_offset_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/offset+octet-stream")
        })
}

/// The bytes of a PATCH body as far as they arrived, and whether the body was cut off (the
/// connection dropped, or the body's deadline passed) before its end.
async fn read_chunk(mut payload: web::Payload, room: i64) -> ApiResult<(Vec<u8>, bool)> {
    let mut bytes = Vec::new();
    while let Some(next) = payload.next().await {
        let Ok(piece) = next else {
            return Ok((bytes, true));
        };
        if (bytes.len() + piece.len()) as i64 > room {
            return Err(
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "upload_past_length")
                    .detail("the body goes past Upload-Length"),
            );
        }
        bytes.extend_from_slice(&piece);
    }
    Ok((bytes, false))
}

async fn patch(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    if !is_offset_stream(req.headers()) {
        return Err(
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                .detail("send the bytes as application/offset+octet-stream"),
        );
    }
    let offset = offset_of(req.headers())?;
    let checksum = Checksum::from_headers(req.headers())?;
    let u = find(&state, &caller, id.into_inner()).await?;
    if u.upload_offset != offset {
        return Err(mismatch(&u));
    }
    let (bytes, cut) = read_chunk(payload, u.upload_length - offset).await?;
    if let Some(checksum) = checksum {
        // A half cannot match its checksum: it is discarded with the rest.
        if cut || !checksum.matches(&bytes) {
            return Err(ApiError::new(checksum_mismatch(), "checksum_mismatch")
                .detail("the chunk was discarded: send it again from Upload-Offset"));
        }
    }
    let u = match bytes.is_empty() {
        true => u,
        false => keep_chunk(&state, u, bytes).await?,
    };
    if cut {
        // The client is gone; the body guard answers `incomplete_body` to nobody.
        return Err(ApiError::bad_request("incomplete_body"));
    }
    let u = match u.upload_offset == u.upload_length && u.page_id.is_none() {
        true => finish(&state, &req, caller, u).await?,
        false => u,
    };
    Ok(progress(StatusCode::NO_CONTENT, &u).finish())
}

/// 460, the status tus gives a chunk whose checksum does not match.
fn checksum_mismatch() -> StatusCode {
    StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST)
}

fn mismatch(u: &Upload) -> ApiError {
    ApiError::conflict("upload_offset_mismatch").detail(format!(
        "the server holds {} bytes: send from there (HEAD tells)",
        u.upload_offset
    ))
}

/// Stores the chunk as its own blob and moves the upload's offset past it, unless another
/// request moved it first (then the blob is removed and the answer is 409).
async fn keep_chunk(state: &AppState, mut u: Upload, bytes: Vec<u8>) -> ApiResult<Upload> {
    let chunk = Chunk {
        upload_id: u.id.clone(),
        start_offset: u.upload_offset,
        chunk_length: bytes.len() as i64,
        blob_key: format!(
            "uploads/{}/{:020}-{}",
            u.id,
            u.upload_offset,
            tingke_models::new_id()
        ),
    };
    state
        .store
        .put(&chunk.blob_key, bytes, "application/octet-stream")
        .await
        .map_err(pages::store_error)?;
    let expires_at = expiry(state);
    let kept = chunk.clone();
    let appended = state
        .write(move |conn| Ok(store::append(conn, &kept, expires_at)?))
        .await;
    if !matches!(appended, Ok(true)) {
        remove_chunks(state, std::slice::from_ref(&chunk.blob_key)).await;
        appended?;
        let id = u.id.clone();
        let now = state.read(move |conn| Ok(store::find(conn, &id)?)).await?;
        return Err(mismatch(&now.unwrap_or(u)));
    }
    u.upload_offset += chunk.chunk_length;
    u.expires_at = expires_at;
    Ok(u)
}

/// Assembles the chunks and makes the page, through the multipart route's own pipeline, marking
/// the upload finished in the page's transaction. When another request finished it first, its
/// page is the answer.
async fn finish(
    state: &AppState,
    req: &HttpRequest,
    caller: Caller,
    u: Upload,
) -> ApiResult<Upload> {
    let id = u.id.clone();
    let chunks = state
        .read(move |conn| Ok(store::chunks_of(conn, &id)?))
        .await?;
    let photo = assemble(state, &u, &chunks).await?;
    let (check_caller, document_id) = (caller.clone(), u.document_id.clone());
    let d = state
        .read(move |conn| pages::editable(conn, &check_caller, &document_id))
        .await?;
    let upload_id = u.id.clone();
    let made =
        pages::add_page(
            state,
            req,
            (caller, d),
            photo,
            None,
            move |conn, row| match store::finish(conn, &upload_id, &row.id)? {
                true => Ok(()),
                false => Err(ApiError::conflict("upload_offset_mismatch")),
            },
        )
        .await;
    match made {
        Ok(page) => {
            let keys: Vec<String> = chunks.into_iter().map(|c| c.blob_key).collect();
            remove_chunks(state, &keys).await;
            Ok(Upload {
                page_id: Some(page.id),
                ..u
            })
        }
        // Finished by a request racing this one: answer its page.
        Err(e) if e.code == "upload_offset_mismatch" => {
            let id = u.id.clone();
            let now = state.read(move |conn| Ok(store::find(conn, &id)?)).await?;
            now.filter(|n| n.page_id.is_some()).ok_or(e)
        }
        Err(e) => Err(e),
    }
}

/// The chunks, in order, written to a temporary file in the data directory.
async fn assemble(state: &AppState, u: &Upload, chunks: &[Chunk]) -> ApiResult<Photo> {
    let tmp =
        tempfile::NamedTempFile::new_in(&state.config.data_dir).map_err(pages::spool_error)?;
    let mut file =
        tokio::fs::File::from_std(tmp.as_file().try_clone().map_err(pages::spool_error)?);
    let mut size = 0i64;
    for chunk in chunks {
        let bytes = state
            .store
            .get(&chunk.blob_key)
            .await
            .map_err(pages::store_error)?
            .filter(|b| b.len() as i64 == chunk.chunk_length && chunk.start_offset == size)
            .ok_or_else(|| ApiError::internal(format!("chunk {} is missing", chunk.blob_key)))?;
        size += chunk.chunk_length;
        file.write_all(&bytes).await.map_err(pages::spool_error)?;
    }
    file.flush().await.map_err(pages::spool_error)?;
    if size != u.upload_length {
        return Err(ApiError::internal(format!(
            "upload {} holds {size} bytes",
            u.id
        )));
    }
    Ok(Photo {
        file: tmp,
        size: size as u64,
        index: u.page_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for &(k, v) in pairs {
            map.insert(name(k), header::HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn metadata_names_the_index_and_refuses_what_is_not_base64() {
        let h = headers(&[("upload-metadata", "filename cGFnZS5qcGc=,index Mg==,flag")]);
        let (raw, index) = metadata(&h).unwrap();
        assert_eq!(
            (raw.as_str(), index),
            ("filename cGFnZS5qcGc=,index Mg==,flag", Some(2))
        );
        let bad = headers(&[("upload-metadata", "index !!!")]);
        assert_eq!(metadata(&bad).unwrap_err().code, "invalid_upload_metadata");
        let twice = headers(&[("upload-metadata", "index Mg==,index Mw==")]);
        assert_eq!(
            metadata(&twice).unwrap_err().code,
            "invalid_upload_metadata"
        );
        let zero = headers(&[("upload-metadata", "index MA==")]);
        assert_eq!(metadata(&zero).unwrap_err().code, "invalid_index");
    }

    #[test]
    fn lengths_are_plain_numbers_within_the_photo_limit() {
        let of = |v: &str| upload_length(&headers(&[("upload-length", v)]), 100);
        assert_eq!(of("100").unwrap(), 100);
        assert_eq!(of("-1").unwrap_err().code, "invalid_upload_length");
        assert_eq!(of("+5").unwrap_err().code, "invalid_upload_length");
        assert_eq!(of("0").unwrap_err().code, "invalid_upload_length");
        assert_eq!(
            of("99999999999999999999999").unwrap_err().code,
            "invalid_upload_length"
        );
        assert_eq!(of("101").unwrap_err().status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            upload_length(&HeaderMap::new(), 100).unwrap_err().code,
            "missing_upload_length"
        );
    }

    #[test]
    fn a_checksum_names_its_algorithm() {
        let sha1 = base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(b"abc"));
        let h = headers(&[("upload-checksum", &format!("sha1 {sha1}"))]);
        let c = Checksum::from_headers(&h).unwrap().unwrap();
        assert!(c.matches(b"abc") && !c.matches(b"abd"));
        let md5 = headers(&[("upload-checksum", "md5 kAFQmDzST7DWlj99KOF/cg==")]);
        assert_eq!(
            Checksum::from_headers(&md5).err().unwrap().code,
            "checksum_algorithm_unsupported"
        );
    }
}
