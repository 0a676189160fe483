//! Every route of the API, registered through one `Router` so that the route table can be listed
//! (the OpenAPI test compares it with `openapi.yaml`).

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder, Route};

mod archive;
mod auth;
mod calendar;
mod checks;
mod console;
mod copies;
mod districts;
mod documents;
mod events;
mod follow_ups;
mod group_progress;
mod groups;
mod health;
mod imports;
mod inspections;
mod meetings;
mod members;
mod mentorships;
mod notices;
mod observations;
mod pages;
mod quotas;
mod rubrics;
mod schools;
mod sync;
mod terms;
mod uploads;
mod users;

pub use health::not_found_route;
pub use uploads::middleware as tus_middleware;

/// Collects routes before registering them, grouped by path so an unknown method on a known path
/// answers 405.
#[derive(Default)]
pub struct Router {
    paths: Vec<(String, Vec<(Method, Route)>)>,
}

impl Router {
    pub fn add<F, Args>(&mut self, method: Method, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let route = web::method(method.clone()).to(handler);
        match self.paths.iter_mut().find(|(p, _)| p == path) {
            Some((_, routes)) => routes.push((method, route)),
            None => self.paths.push((path.to_string(), vec![(method, route)])),
        }
        self
    }

    /// `(method, path)` of every route, in registration order.
    pub fn table(&self) -> Vec<(Method, String)> {
        self.paths
            .iter()
            .flat_map(|(path, routes)| routes.iter().map(move |(m, _)| (m.clone(), path.clone())))
            .collect()
    }

    pub fn register(self, cfg: &mut web::ServiceConfig) {
        for (path, routes) in self.paths {
            let mut resource = web::resource(path);
            let allow: Vec<&str> = routes.iter().map(|(m, _)| m.as_str()).collect();
            let allow = allow.join(", ");
            for (_, route) in routes {
                resource = resource.route(route);
            }
            let refuse = move || health::method_not_allowed(allow.clone());
            cfg.service(resource.default_service(web::to(refuse)));
        }
    }
}

/// A create retried with an id that exists: 200 with the record when it is the same one, 409
/// `id_conflict` (revealing nothing of it) otherwise.
fn again<T>(same: bool, existing: T) -> crate::error::ApiResult<(actix_web::http::StatusCode, T)> {
    match same {
        true => Ok((actix_web::http::StatusCode::OK, existing)),
        false => Err(crate::error::ApiError::conflict("id_conflict")),
    }
}

/// The hash of a create's body (with what it is made under), which tells a retry of the same
/// request from another record sent under the same id.
fn request_hash(body: &impl serde::Serialize) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(serde_json::to_vec(body).unwrap_or_default()))
}

/// The whole API.
pub fn router() -> Router {
    let mut r = Router::default();
    health::routes(&mut r);
    auth::routes(&mut r);
    console::routes(&mut r);
    users::routes(&mut r);
    districts::routes(&mut r);
    schools::routes(&mut r);
    terms::routes(&mut r);
    calendar::routes(&mut r);
    members::routes(&mut r);
    imports::routes(&mut r);
    groups::routes(&mut r);
    group_progress::routes(&mut r);
    meetings::routes(&mut r);
    observations::routes(&mut r);
    events::routes(&mut r);
    rubrics::routes(&mut r);
    quotas::routes(&mut r);
    mentorships::routes(&mut r);
    archive::routes(&mut r);
    documents::routes(&mut r);
    copies::routes(&mut r);
    checks::routes(&mut r);
    notices::routes(&mut r);
    follow_ups::routes(&mut r);
    inspections::routes(&mut r);
    sync::routes(&mut r);
    pages::routes(&mut r);
    uploads::routes(&mut r);
    r
}

/// Routes served outside the router (by middleware), listed for the OpenAPI test.
pub const MIDDLEWARE_ROUTES: &[(&str, &str)] = &[("GET", "/metrics")];
