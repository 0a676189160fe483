//! The console's pages: one HTML shell for every path under `/console`, and its scripts, styles
//! and chart library from `api/console/`, embedded in the binary (a release build carries them;
//! a debug build reads them from the source tree, so a page can be changed without a rebuild).
//! The pages run in the browser and call the API's own routes with the session cookie
//! (`routes::console` logs in, `auth::credential` reads the cookie), so nothing the console shows
//! or does is decided here.

use crate::state::AppState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "console/"]
struct Assets;

/// The console's own policy: its scripts and styles from this server only (no inline script, no
/// CDN), calls to this server only, images from this server and from the blob store's presigned
/// URLs (page photos in S3) and from the charts' canvases; no frames, no forms posted elsewhere.
fn policy(state: &AppState) -> String {
    let images = state.config.storage.image_origin().unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; \
         img-src 'self' data: blob: {images}; connect-src 'self'; font-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The pages and their assets, outside the API's router (they are not API routes).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/static/{file:.*}", web::get().to(asset))
        .route("/console", web::get().to(shell))
        .route("/console/{page:.*}", web::get().to(shell));
}

/// Every page of the console is this shell; its script reads the path and draws the page.
async fn shell(state: web::Data<AppState>) -> HttpResponse {
    match Assets::get("index.html") {
        Some(file) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CONTENT_SECURITY_POLICY, policy(&state)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// A script, style sheet or vendored library, revalidated by its hash (`ETag`): a new binary's
/// console is never mixed with a cached old one.
async fn asset(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> HttpResponse {
    let Some(found) = Assets::get(&file) else {
        use actix_web::ResponseError;
        return crate::error::ApiError::not_found().error_response();
    };
    let etag = format!("\"{}\"", hex::encode(found.metadata.sha256_hash()));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let mut res = match fresh {
        true => HttpResponse::NotModified(),
        false => HttpResponse::Ok(),
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy(&state)));
    if fresh {
        return res.finish();
    }
    let mime = found.metadata.mimetype();
    let mime = match mime.starts_with("text/") || mime.ends_with("javascript") {
        true => format!("{mime}; charset=utf-8"),
        false => mime.to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&mime) {
        res.insert_header((header::CONTENT_TYPE, value));
    }
    res.body(found.data.into_owned())
}
