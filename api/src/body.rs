//! Request bodies: how large each route's body may be ([`ROUTES`], one table) and how long a
//! client may take to send it. Both are enforced by one middleware ([`guard`]) around every
//! route, so an extractor or the multipart reader only ever sees a body within both limits:
//!
//! - a declared `Content-Length` over the route's limit is answered 413 before a byte is read,
//!   a body sent in chunks is cut off as soon as it passes the limit;
//! - a body not complete by its deadline (from the moment the headers arrived) is answered 408
//!   `request_timeout` and the connection is closed: a client sending one byte a second holds
//!   the connection for the deadline, not forever. (actix-web's own `client_request_timeout`
//!   covers the headers only.)
//! - a body cut off by the client (the connection dropped halfway, a broken chunk) is answered
//!   400 `incomplete_body`, whatever the handler made of the half it got, and the answer is
//!   marked [`Unfinished`] so that the idempotency middleware does not remember it: the retry
//!   with the whole body must be handled, not answered the half's refusal.

use crate::config::Config;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{header, ConnectionType, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, ResponseError};
use futures_util::{Stream, StreamExt};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// What a route's body may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body, or a few short fields (a login): [`SMALL`] bytes.
    Small,
    /// An ordinary JSON body: `TINGKE_JSON_LIMIT` (64 KiB by default).
    Json,
    /// JSON with long free text (feedback fields of 5,000 characters): [`LARGE`] bytes.
    Large,
    /// A page photo as multipart: the photo size limit (`TINGKE_MAX_UPLOAD_BYTES`) plus
    /// [`MULTIPART_OVERHEAD`] for the part headers and the index.
    Upload,
    /// A district's workbook as multipart: [`WORKBOOK`] bytes (a workbook of 20,000 people is
    /// about 1 MB; what it inflates to is limited by `workbook::MAX_INFLATED`).
    Workbook,
}

/// Routes that take more than a small body, by method and path template. Any other route
/// (reads, deletes, submits, logout) takes at most [`BodyKind::Small`]: it reads no body.
///
/// Sized so that the largest valid body of the route fits even with every character written as
/// a JSON `\u` escape (12 bytes for a character outside the BMP): 5,000 characters of feedback
/// can be 60 KB, so the routes with two or three such fields are `Large`; a rubric of 30 items
/// needs at most about 21 KB, a set of 100 quota rules about 9 KB, so they stay `Json`.
pub const ROUTES: &[(&str, &str, BodyKind)] = &[
    ("POST", "/v1/auth/login", BodyKind::Small),
    ("POST", "/v1/auth/refresh", BodyKind::Small),
    ("POST", "/v1/districts", BodyKind::Json),
    ("POST", "/v1/districts/{id}/terms", BodyKind::Json),
    ("POST", "/v1/districts/{id}/members", BodyKind::Json),
    ("POST", "/v1/schools", BodyKind::Json),
    ("POST", "/v1/schools/{id}/members", BodyKind::Json),
    ("PUT", "/v1/schools/{id}/rubric", BodyKind::Json),
    ("PUT", "/v1/districts/{id}/quota-rules", BodyKind::Json),
    ("POST", "/v1/observations", BodyKind::Large),
    ("PATCH", "/v1/observations/{id}", BodyKind::Large),
    ("POST", "/v1/observations/{id}/acknowledge", BodyKind::Json),
    ("POST", "/v1/observations/{id}/corrections", BodyKind::Large),
    ("POST", "/v1/mentorships", BodyKind::Json),
    ("POST", "/v1/mentorships/{id}/end", BodyKind::Json),
    ("POST", "/v1/mentorships/{id}/activities", BodyKind::Large),
    ("POST", "/v1/mentorships/{id}/evaluations", BodyKind::Large),
    ("POST", "/v1/documents", BodyKind::Json),
    ("POST", "/v1/documents/{id}/pages", BodyKind::Upload),
    ("PUT", "/v1/documents/{id}/pages/order", BodyKind::Json),
    ("POST", "/v1/documents/{id}/reviews", BodyKind::Large),
    // Last, so that the fuzz corpus's route indexes (into this table) keep their meaning.
    ("POST", "/v1/me/password", BodyKind::Small),
    // A group of 300 people is about 25 KB.
    ("POST", "/v1/schools/{id}/groups", BodyKind::Json),
    ("PATCH", "/v1/groups/{id}", BodyKind::Json),
    ("PUT", "/v1/groups/{id}/members", BodyKind::Json),
    // Discussion and revisions of 5,000 characters each.
    ("POST", "/v1/groups/{id}/meetings", BodyKind::Large),
    ("PATCH", "/v1/meetings/{id}", BodyKind::Large),
    // The routine (issue 19): comments and guidance of 5,000 characters each; a notice's problem
    // and requirement; an inspection's findings of 10,000 and five notes of 2,000.
    ("POST", "/v1/schools/{id}/check-rounds", BodyKind::Json),
    ("PATCH", "/v1/check-rounds/{id}", BodyKind::Json),
    ("POST", "/v1/check-rounds/{id}/results", BodyKind::Large),
    ("PATCH", "/v1/check-results/{id}", BodyKind::Large),
    ("POST", "/v1/check-results/{id}/reply", BodyKind::Large),
    ("POST", "/v1/notices", BodyKind::Large),
    ("POST", "/v1/notices/{id}/answer", BodyKind::Large),
    ("POST", "/v1/notices/{id}/escalate", BodyKind::Large),
    ("POST", "/v1/observations/{id}/follow-ups", BodyKind::Json),
    ("POST", "/v1/schools/{id}/inspections", BodyKind::Large),
    ("PATCH", "/v1/inspections/{id}", BodyKind::Large),
    // A school's own quota rules, as the district's.
    ("PUT", "/v1/schools/{id}/quota-rules", BodyKind::Json),
    ("PUT", "/v1/memberships/{id}/qualifiers", BodyKind::Json),
    // A term's calendar: 200 entries of about 150 bytes.
    ("PUT", "/v1/terms/{id}/calendar", BodyKind::Json),
    ("PUT", "/v1/schools/{id}/calendar", BodyKind::Json),
    // 200 school ids.
    (
        "PUT",
        "/v1/memberships/{id}/contact-schools",
        BodyKind::Json,
    ),
    ("POST", "/v1/districts/{id}/imports", BodyKind::Workbook),
    ("POST", "/v1/imports/{id}/commit", BodyKind::Json),
    ("POST", "/v1/imports/{id}/login-sheet", BodyKind::Small),
    // Announced lessons and open weeks (issue 20): 200 invitees are about 8 KB.
    ("POST", "/v1/schools/{id}/events", BodyKind::Json),
    ("PATCH", "/v1/events/{id}", BodyKind::Json),
    ("POST", "/v1/events/{id}/check-in", BodyKind::Small),
    ("POST", "/v1/schools/{id}/open-weeks", BodyKind::Json),
    ("PATCH", "/v1/open-weeks/{id}", BodyKind::Json),
    // A password a leader chose for a reset (issue 21); last, as every addition.
    ("POST", "/v1/users/{id}/password-reset", BodyKind::Small),
    // Last, so that the fuzz corpus's route indices keep their meaning.
    ("POST", "/console/session", BodyKind::Small),
    ("PUT", "/v1/memberships/{id}/roles", BodyKind::Small),
    // A chunk of a resumable (tus) photo upload: raw bytes, at most the photo.
    ("PATCH", "/v1/uploads/{id}", BodyKind::Upload),
];

/// Bytes of a small body.
pub const SMALL: usize = 4 * 1024;
/// Bytes of a workbook upload.
pub const WORKBOOK: u64 = 16 * 1024 * 1024;
/// Bytes of a large JSON body.
pub const LARGE: usize = 256 * 1024;
/// Bytes allowed in an upload besides the photo itself.
pub const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// After an answer, a body the client has not finished sending is held this long so the server
/// closes the connection instead of reading the rest (a chunked body would otherwise be drained
/// for as long as the client keeps sending).
const HOLD_UNFINISHED: Duration = Duration::from_secs(5);

impl BodyKind {
    /// The kind of the route `method` `template` (`None`: no route matched).
    pub fn of(method: &Method, template: Option<&str>) -> BodyKind {
        let Some(template) = template else {
            return BodyKind::Small;
        };
        ROUTES
            .iter()
            .find(|(m, p, _)| *m == method.as_str() && *p == template)
            .map_or(BodyKind::Small, |(_, _, kind)| *kind)
    }

    /// The largest body accepted, in bytes.
    pub fn limit(self, config: &Config) -> u64 {
        let bytes = match self {
            BodyKind::Small => SMALL.min(config.json_limit),
            BodyKind::Json => config.json_limit,
            BodyKind::Large => LARGE.max(config.json_limit),
            BodyKind::Upload => {
                return config
                    .photo_limits
                    .max_bytes
                    .saturating_add(MULTIPART_OVERHEAD)
            }
            BodyKind::Workbook => return WORKBOOK,
        };
        bytes as u64
    }

    /// How long the client may take to send the whole body.
    pub fn timeout(self, config: &Config) -> Duration {
        match self {
            BodyKind::Upload | BodyKind::Workbook => config.upload_timeout,
            _ => config.body_timeout,
        }
    }

    /// The answer to a body over the limit: for a photo, the code the upload answers for a file
    /// too large, so a client has one code to handle.
    pub fn too_large(self) -> ApiError {
        let code = match self {
            BodyKind::Upload => "file_too_large",
            _ => "payload_too_large",
        };
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, code)
    }
}

/// Marks an answer to a body that did not arrive whole (in the response's extensions).
#[derive(Debug, Clone, Copy)]
pub struct Unfinished;

impl Unfinished {
    /// Whether the answer with these extensions is marked.
    pub fn marks(extensions: &actix_web::dev::Extensions) -> bool {
        extensions.get::<Unfinished>().is_some()
    }
}

/// The largest JSON body any route accepts: the `JsonConfig` limit, behind the per-route one.
pub fn json_ceiling(config: &Config) -> usize {
    BodyKind::Large.limit(config) as usize
}

/// How reading the body went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Reading,
    Complete,
    TooLarge,
    TimedOut,
    /// The client's own failure (a dropped connection, a broken chunk).
    Failed,
}

/// The request's body behind the limit and the deadline; shared between the stream the
/// handler reads and the middleware, which learns from it how reading went.
struct Guarded {
    payload: Payload,
    limit: u64,
    read: u64,
    deadline: Pin<Box<Sleep>>,
    outcome: Outcome,
}

impl Guarded {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, PayloadError>>> {
        if self.outcome != Outcome::Reading {
            return Poll::Ready(None);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.outcome = Outcome::TimedOut;
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "body not sent in time");
            return Poll::Ready(Some(Err(PayloadError::Io(late))));
        }
        let next = self.payload.poll_next_unpin(cx);
        match &next {
            Poll::Ready(Some(Ok(chunk))) => {
                self.read += chunk.len() as u64;
                if self.read > self.limit {
                    self.outcome = Outcome::TooLarge;
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
            }
            Poll::Ready(Some(Err(_))) => self.outcome = Outcome::Failed,
            Poll::Ready(None) => self.outcome = Outcome::Complete,
            Poll::Pending => {}
        }
        next
    }
}

/// The stream handed to the handler in place of the body.
struct Reader(Rc<RefCell<Guarded>>);

impl Stream for Reader {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.borrow_mut().poll_chunk(cx)
    }
}

/// Whether the request announces a body: a `Content-Length` over 0 or a transfer encoding.
fn has_body(req: &ServiceRequest) -> bool {
    req.headers().contains_key(header::TRANSFER_ENCODING)
        || declared_length(req).is_some_and(|n| n > 0)
}

fn declared_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The middleware (see the module documentation).
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), true) = (state, has_body(&req)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let kind = BodyKind::of(req.method(), req.match_pattern().as_deref());
    let limit = kind.limit(&state.config);
    if declared_length(&req).is_some_and(|n| n > limit) {
        return Ok(req.error_response(kind.too_large()));
    }
    let deadline = Instant::now() + kind.timeout(&state.config);
    let guarded = Rc::new(RefCell::new(Guarded {
        payload: req.take_payload(),
        limit,
        read: 0,
        deadline: Box::pin(tokio::time::sleep_until(deadline)),
        outcome: Outcome::Reading,
    }));
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(Reader(guarded.clone()));
    req.set_payload(Payload::from(stream));
    let res = next.call(req).await?;
    let outcome = guarded.borrow().outcome;
    if outcome != Outcome::Complete {
        actix_web::rt::spawn(finish(Reader(guarded)));
    }
    let refusal = match outcome {
        Outcome::TimedOut => ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout")
            .detail("the request body was not sent in time"),
        Outcome::TooLarge => kind.too_large(),
        // A handler that acted before it read the body (none does) keeps its answer.
        Outcome::Failed if res.status().is_client_error() => {
            ApiError::bad_request("incomplete_body").detail("the request body did not arrive whole")
        }
        _ => return Ok(res.map_into_boxed_body()),
    };
    let (req, _) = res.into_parts();
    let mut answer = refusal.error_response();
    answer.head_mut().set_connection_type(ConnectionType::Close);
    if outcome == Outcome::Failed {
        answer.extensions_mut().insert(Unfinished);
    }
    Ok(ServiceResponse::new(req, answer))
}

/// Reads what the handler left of the body (within the limit and the deadline), so a client
/// that sent a body nobody needed keeps its connection; a body still unfinished is held a
/// moment longer, so the server closes the connection after answering rather than read on.
async fn finish(mut rest: Reader) {
    while let Some(Ok(_)) = rest.next().await {}
    if rest.0.borrow().outcome != Outcome::Complete {
        tokio::time::sleep(HOLD_UNFINISHED).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_table_exists_and_is_listed_once() {
        let routes: Vec<(String, String)> = crate::routes::router()
            .table()
            .into_iter()
            .map(|(m, p)| (m.to_string(), p))
            .collect();
        for (i, (method, path, _)) in ROUTES.iter().enumerate() {
            assert!(
                routes.contains(&(method.to_string(), path.to_string())),
                "{method} {path} is not a route"
            );
            assert!(
                !ROUTES[..i].iter().any(|(m, p, _)| m == method && p == path),
                "{method} {path} listed twice"
            );
        }
    }

    #[test]
    fn limits_follow_the_configuration() {
        let dir = std::path::Path::new("/nonexistent");
        let mut config = Config::for_data_dir(dir, None);
        assert_eq!(BodyKind::Small.limit(&config), 4096);
        assert_eq!(BodyKind::Json.limit(&config), 64 * 1024);
        assert_eq!(BodyKind::Large.limit(&config), 256 * 1024);
        assert_eq!(
            BodyKind::Upload.limit(&config),
            20 * 1024 * 1024 + 64 * 1024
        );
        // A smaller JSON limit shrinks the small limit with it; a larger one the large one.
        config.json_limit = 1024;
        assert_eq!(BodyKind::Small.limit(&config), 1024);
        config.json_limit = 1024 * 1024;
        assert_eq!(BodyKind::Large.limit(&config), 1024 * 1024);
        assert_eq!(
            BodyKind::of(&Method::POST, Some("/v1/observations")),
            BodyKind::Large
        );
        assert_eq!(
            BodyKind::of(&Method::GET, Some("/v1/observations")),
            BodyKind::Small
        );
        assert_eq!(BodyKind::of(&Method::POST, None), BodyKind::Small);
    }
}
