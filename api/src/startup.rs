//! Builds the HTTP server: state, middleware, routes. Tests start it on port 0.

use crate::config::Config;
use crate::extract;
use crate::i18n::{self, Lang, RequestContext};
use crate::routes;
use crate::state::AppState;
use actix_web::dev::{Server, Service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{middleware, web, App, HttpMessage, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use tingke_models::Db;
use tracing_actix_web::{RequestId, TracingLogger};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] tingke_models::DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the caller notifications' thread: {0}")]
    Listener(std::io::Error),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error("the folder {path} is not writable: {source}")]
    NotWritable {
        path: String,
        source: std::io::Error,
    },
}

/// Connects to the database and runs pending migrations.
pub fn open_database(config: &Config) -> Result<Db, StartError> {
    if tingke_models::Backend::from_url(&config.database_url) == tingke_models::Backend::Sqlite {
        // SQLite writes its journal beside the database: say so plainly when it cannot,
        // instead of "unable to open database file" after the pool's retries.
        let file = Path::new(config.database_url.trim_start_matches("sqlite://"));
        let folder = file.parent().filter(|p| !p.as_os_str().is_empty());
        check_writable(folder.unwrap_or(Path::new(".")))?;
    }
    let db = Db::connect(&config.database_url, &config.pool)?;
    db.migrate()?;
    Ok(db)
}

/// Creates `folder` when missing and proves it writable with a file that is removed at once.
pub fn check_writable(folder: &Path) -> Result<(), StartError> {
    let not_writable = |source| StartError::NotWritable {
        path: folder.display().to_string(),
        source,
    };
    std::fs::create_dir_all(folder).map_err(not_writable)?;
    tempfile::NamedTempFile::new_in(folder)
        .map(drop)
        .map_err(not_writable)
}

/// A built server, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Listens on the configured address with an open database and blob store.
    pub fn build_with(
        config: Config,
        db: Db,
        store: Arc<dyn crate::storage::BlobStore>,
    ) -> Result<Application, StartError> {
        let listener = TcpListener::bind(&config.bind).map_err(|source| StartError::Bind {
            addr: config.bind.clone(),
            source,
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let permits = match config.photo_workers {
            0 => crate::config::cores(),
            n => n,
        };
        // On PostgreSQL nothing is kept until the listener hears other instances.
        let postgres = db.backend() == tingke_models::Backend::Postgres;
        let callers = Arc::new(crate::auth::Callers::new(config.session_cache, !postgres));
        let progress = Arc::new(crate::memory::KeptProgress::new(
            config.progress_cache,
            !postgres,
        ));
        if postgres && !(config.session_cache.is_zero() && config.progress_cache.is_zero()) {
            let first: Arc<dyn crate::auth::cache::Hears> = callers.clone();
            let second: Arc<dyn crate::auth::cache::Hears> = progress.clone();
            let hearers = vec![Arc::downgrade(&first), Arc::downgrade(&second)];
            crate::auth::cache::listen(config.database_url.clone(), hearers)
                .map_err(StartError::Listener)?;
        }
        let state = AppState {
            db,
            config: Arc::new(config),
            store,
            photo_permits: Arc::new(tokio::sync::Semaphore::new(permits)),
            reference: Arc::default(),
            callers,
            progress,
        };
        let server = server(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn server(listener: TcpListener, state: AppState) -> Result<Server, StartError> {
    let workers = match state.config.workers {
        0 => crate::config::cores(),
        n => n,
    };
    // Series are labelled by route pattern; every path no route matches shares one label, so
    // anonymous requests to made-up paths cannot grow the metrics without bound.
    let prometheus = PrometheusMetricsBuilder::new("tingke")
        .endpoint("/metrics")
        .mask_unmatched_patterns("unmatched")
        .build()
        .map_err(|e| StartError::Metrics(e.to_string()))?;
    // Each route's own limit is enforced first (`body::guard`); this is the ceiling behind it.
    let json = web::JsonConfig::default()
        .limit(crate::body::json_ceiling(&state.config))
        .error_handler(extract::json_error);
    let blocking = blocking_threads(&state, workers);
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(json.clone())
            .app_data(web::PayloadConfig::new(crate::body::json_ceiling(
                &data.config,
            )))
            .app_data(web::QueryConfig::default().error_handler(extract::query_error))
            .app_data(web::PathConfig::default().error_handler(extract::path_error))
            .configure(|cfg| routes::router().register(cfg))
            .configure(crate::console::configure)
            .default_service(web::to(routes::not_found_route))
            // Innermost: a refused or late body is answered before the idempotency middleware
            // remembers the answer.
            .wrap(middleware::from_fn(crate::body::guard))
            .wrap(middleware::from_fn(crate::idempotency::middleware))
            .wrap(middleware::from_fn(refuse_nul))
            .wrap(middleware::from_fn(forget_progress_after_writes))
            .wrap(middleware::from_fn(crate::routes::tus_middleware))
            .wrap_fn(|req, srv| {
                // Errors are rendered deep inside the handler; they read language and request id
                // from this task-local context.
                let context = RequestContext {
                    lang: Lang::from_accept_language(
                        req.headers()
                            .get(header::ACCEPT_LANGUAGE)
                            .and_then(|v| v.to_str().ok()),
                    ),
                    request_id: req
                        .extensions()
                        .get::<RequestId>()
                        .map(|id| id.to_string())
                        .unwrap_or_default(),
                };
                let request_id = HeaderValue::from_str(&context.request_id).ok();
                let call = srv.call(req);
                async move {
                    let mut res = i18n::scope(context, call).await?;
                    if let Some(id) = request_id {
                        res.headers_mut()
                            .insert(header::HeaderName::from_static("x-request-id"), id);
                    }
                    Ok(res)
                }
            })
            .wrap(security_headers())
            .wrap(middleware::Condition::new(
                !data.config.cors_origins.is_empty(),
                cors(&data.config.cors_origins),
            ))
            .wrap(prometheus.clone())
            // Answers are compressed as the client asks (gzip, br): a classroom shares a weak
            // network. Images are left as they are (actix compresses only compressible types).
            // Outside the idempotency layer, which keeps answers as the handler made them, and
            // outside the metrics, whose `/metrics` answer replaces the body it was given.
            .wrap(middleware::Compress::default())
            .wrap(TracingLogger::default())
    })
    .workers(workers)
    .worker_max_blocking_threads(blocking)
    .listen(listener)
    .map_err(|source| StartError::Bind {
        addr: "listener".into(),
        source,
    })?
    .run();
    Ok(server)
}

/// Threads per worker for database work and photos (`web::block`): together, over all workers,
/// as many as can be busy at once, the pooled connections and the photo permits. Requests beyond
/// them wait in a queue that costs nothing, instead of each holding a thread (actix's default is
/// 512 / workers) that waits for a connection, times out after the pool's wait and answers 503;
/// hundreds of such threads also held hundreds of megabytes of allocator arenas under load. Each
/// worker has its own pool of threads: per worker, the whole count left twice as many threads as
/// connections on two cores, and the extra ones slept and woke on the pool's lock.
fn blocking_threads(state: &AppState, workers: usize) -> usize {
    let busy = state.config.pool.max_connections as usize + state.photo_permits.available_permits();
    busy.div_ceil(workers)
}

/// A NUL character in the path or the query string is never meant: answer before any handler
/// (PostgreSQL cannot even compare such text).
async fn refuse_nul(
    req: actix_web::dev::ServiceRequest,
    next: middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let has_nul = |s: &str| s.to_ascii_lowercase().contains("%00");
    if has_nul(req.path()) {
        return Ok(req.error_response(crate::error::ApiError::not_found()));
    }
    if has_nul(req.query_string()) {
        return Ok(req.error_response(crate::error::ApiError::bad_request("invalid_query")));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Any write may change someone's counts: once it is answered (committed or refused), the
/// progress this instance keeps is dropped, before the writer hears back, so that the writer's
/// next read of progress counts what they just did (`memory::KeptProgress`).
async fn forget_progress_after_writes(
    req: actix_web::dev::ServiceRequest,
    next: middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let writes = !req.method().is_safe();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await;
    if let (true, Some(state)) = (writes, state) {
        state.progress.forget_all();
    }
    res
}

/// Cross-origin calls from the listed web origins only (a future web client); no origin is
/// allowed by default, so browsers keep other sites' pages from reading answers.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let cors = origins
        .iter()
        .fold(actix_cors::Cors::default(), |c, o| c.allowed_origin(o));
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(3600)
}

fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::CACHE_CONTROL, "no-store"))
}
