//! One error type for the whole API, rendered as RFC 9457 problem details with a stable `code`
//! and a title in the caller's language.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

use crate::i18n::{self, Lang};

/// One problem with one field of a request body.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub code: String,
    pub message: String,
}

/// An error answered to the client. `code` is stable and documented in `openapi.yaml`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Option<String>,
    pub errors: BTreeMap<String, Vec<FieldError>>,
    pub retry_after: Option<u64>,
}

/// A broken rule of the rules' room is a 422 for its field.
impl From<tingke_models::rules::Broken> for ApiError {
    fn from(b: tingke_models::rules::Broken) -> ApiError {
        ApiError::field(b.code, b.field, b.message)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> ApiError {
        ApiError {
            status,
            code,
            detail: None,
            errors: BTreeMap::new(),
            retry_after: None,
        }
    }

    /// This refusal with the field errors of `other` too: a 422 names every bad field of a body
    /// at once. The code stays the first one's.
    pub fn and(mut self, other: ApiError) -> ApiError {
        for (field, errors) in other.errors {
            self.errors.entry(field).or_default().extend(errors);
        }
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> ApiError {
        self.detail = Some(detail.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// A 422 for one field, with `code` both as the problem's code and the field's.
    pub fn field(code: &'static str, field: &str, message: impl Into<String>) -> ApiError {
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code);
        err.errors.insert(
            field.to_string(),
            vec![FieldError {
                code: code.to_string(),
                message: message.into(),
            }],
        );
        err
    }

    /// 412: the record changed since the client (or this request) read it.
    pub fn stale() -> ApiError {
        ApiError::new(StatusCode::PRECONDITION_FAILED, "precondition_failed")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found")
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden")
    }

    pub fn unauthorized(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code)
    }

    pub fn conflict(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code)
    }

    pub fn bad_request(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code)
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").retry_after(5)
    }

    /// A 503 for a failure described by `cause`: `storage_full` or `storage_read_only` when
    /// the disk is to blame (retrying soon will not help), else `service_unavailable`.
    pub fn unavailable_because(cause: &str) -> ApiError {
        match disk_problem(cause) {
            Some(code) => ApiError::disk(code),
            None => ApiError::unavailable(),
        }
    }

    /// The server's disk is full (`storage_full`) or read-only (`storage_read_only`).
    pub fn disk(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code).retry_after(60)
    }

    /// Something we did not expect: the cause goes to the log, never to the client.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    errors: &'a BTreeMap<String, Vec<FieldError>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let context = i18n::current();
        let lang = context.as_ref().map(|c| c.lang).unwrap_or(Lang::Zh);
        let problem = Problem {
            kind: format!("urn:tingke:problem:{}", self.code),
            title: i18n::title(self.code, lang),
            status: self.status.as_u16(),
            code: self.code,
            detail: self.detail.as_deref(),
            errors: &self.errors,
            request_id: context.map(|c| c.request_id),
        };
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        response.insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> ApiError {
        use diesel::result::{DatabaseErrorKind, Error};
        match &err {
            Error::NotFound => ApiError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict("conflict")
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                tracing::warn!(cause = %err, "database unavailable");
                ApiError::unavailable()
            }
            // PostgreSQL refuses NUL characters in text; input checks refuse them first, this
            // is the backstop for any text that reaches a query unchecked.
            Error::DatabaseError(_, info) if info.message().contains("0x00") => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_text")
                    .detail("text must not contain NUL characters")
            }
            Error::DatabaseError(_, info) if disk_problem(info.message()).is_some() => {
                tracing::error!(cause = %err, "the database cannot write to its disk");
                ApiError::unavailable_because(info.message())
            }
            // A connection that broke mid-query reports an unknown error whose text says so.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if is_connection_message(info.message()) =>
            {
                tracing::warn!(cause = %err, "database unavailable");
                ApiError::unavailable()
            }
            _ => ApiError::internal(err),
        }
    }
}

/// SQLite's words for a disk that is full or mounted read-only (PostgreSQL's full disk ends
/// its connections, which reads as unavailable).
fn disk_problem(message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    if m.contains("disk is full") || m.contains("no space left") {
        Some("storage_full")
    } else if m.contains("readonly database") || m.contains("read-only file system") {
        Some("storage_read_only")
    } else {
        None
    }
}

fn is_connection_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "connection",
        "terminating",
        "shutting down",
        "database is locked",
        "server closed",
    ]
    .iter()
    .any(|s| m.contains(s))
}

impl From<tingke_models::DbError> for ApiError {
    fn from(err: tingke_models::DbError) -> ApiError {
        tracing::warn!(cause = %err, "database unavailable");
        ApiError::unavailable()
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> ApiError {
        let mut fields: BTreeMap<String, Vec<FieldError>> = BTreeMap::new();
        collect_field_errors(&errs, "", &mut fields);
        // The problem's code is the first field's first code, so a client can branch on one value.
        let code = fields
            .values()
            .flatten()
            .next()
            .map(|e| i18n::known_code(&e.code))
            .unwrap_or("validation_failed");
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code);
        err.errors = fields;
        err
    }
}

/// Flattens nested errors into paths such as `items[2].key`.
fn collect_field_errors(
    errs: &validator::ValidationErrors,
    prefix: &str,
    out: &mut BTreeMap<String, Vec<FieldError>>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errs.errors() {
        let path = match prefix {
            "" => field.to_string(),
            p => format!("{p}.{field}"),
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                let entries = list.iter().map(|e| FieldError {
                    code: e.code.to_string(),
                    message: e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| e.code.to_string()),
                });
                out.entry(path).or_default().extend(entries);
            }
            ValidationErrorsKind::Struct(inner) => collect_field_errors(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect_field_errors(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
