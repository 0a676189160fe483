//! Request extraction: JSON bodies validated on the way in, query strings, pagination, and the
//! mapping of extraction failures to stable error codes.

use crate::error::{ApiError, ApiResult};
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tingke_models::page::{Page, PageRequest};
use validator::Validate;

/// A JSON body that has been deserialized and validated; nothing unvalidated reaches `models`.
pub struct Valid<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Valid<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let body = body.await?.into_inner();
            body.validate().map_err(ApiError::from)?;
            Ok(Valid(body))
        })
    }
}

/// A JSON body read whole but not yet parsed. A handler authorizes first and then `read`s it,
/// so that a caller who may not act on a resource (another school's, say) learns nothing from
/// the body's errors: 403 or 404, not a 422 naming its fields.
pub struct Body<T> {
    json: bool,
    bytes: web::Bytes,
    _kind: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Validate> Body<T> {
    /// The body parsed and validated.
    pub fn read(&self) -> ApiResult<T> {
        let body = self.parse()?;
        body.validate().map_err(ApiError::from)?;
        Ok(body)
    }

    /// The body parsed only, for a body that names the resource to authorize (the `school_id`
    /// of a create): validate it once the caller is known to be allowed.
    pub fn parse(&self) -> ApiResult<T> {
        if !self.json {
            return Err(ApiError::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            )
            .detail("send the body as application/json"));
        }
        serde_json::from_slice(&self.bytes).map_err(|e| deserialize_error(&e))
    }
}

/// `application/json`, or a `+json` type, as `web::Json` accepts.
fn is_json(req: &HttpRequest) -> bool {
    let Ok(Some(mime)) = req.mime_type() else {
        return false;
    };
    mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")
}

impl<T: 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| {
                let api = match e.as_response_error().status_code() {
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                    ),
                    _ => ApiError::bad_request("malformed_json"),
                };
                actix_web::Error::from(api)
            })?;
            Ok(Body {
                json,
                bytes,
                _kind: std::marker::PhantomData,
            })
        })
    }
}

/// Maps a JSON body that could not be read to its error code.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .detail("send the body as application/json"),
        JsonPayloadError::Deserialize(e) => deserialize_error(e),
        _ => ApiError::bad_request("malformed_json"),
    };
    api.into()
}

fn deserialize_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = e.to_string();
    match e.classify() {
        Category::Data if message.starts_with("missing field") => ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
        )
        .detail(message),
        // serde keeps no field given twice: `{"name": "a", "name": "b"}` is refused, not read as
        // either name (maps of scores refuse it too, see `validate::unique_keys`).
        Category::Data if message.starts_with("duplicate field") => ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "duplicate_field",
        )
        .detail(message),
        Category::Data => ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_type",
        )
        .detail(message),
        _ => ApiError::bad_request("malformed_json").detail(message),
    }
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_query")
        .detail(err.to_string())
        .into()
}

pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::not_found().into()
}

/// `?cursor=…&limit=…` on every list.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> ApiResult<PageRequest> {
        PageRequest::parse(self.cursor.as_deref(), self.limit)
            .map_err(|_| ApiError::bad_request("invalid_cursor"))
    }
}

/// A page of a list as answered: `items` and the `next_cursor` (null on the last page).
#[derive(Debug, Serialize)]
pub struct List<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    pub fn from_page<R>(page: Page<R>, f: impl Fn(R) -> T) -> List<T> {
        List {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// A JSON body that may be left out: `None` for an empty body; otherwise read like `Valid`
/// (same error codes), without the validation.
pub fn optional_json<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> ApiResult<Option<T>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ));
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|e| deserialize_error(&e))
}
