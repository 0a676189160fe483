//! Configuration from environment variables, each with a working default.

use std::path::{Path, PathBuf};
use std::time::Duration;
use tingke_models::{Backend, PoolOptions};

/// Failed-login throttling: after `max_failures` within `window`, the phone is locked for `lock`.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub max_failures: i32,
    /// Failures from one IP address (any phones) before that address is locked: a school's
    /// network puts many phones behind one address, so it is higher than `max_failures`.
    pub max_failures_per_ip: i32,
    pub window: Duration,
    pub lock: Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub jwt_secret: Vec<u8>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long a console login lasts (a working day at a desk by default); logging out, a
    /// password change or "end sessions" ends it sooner.
    pub console_ttl: Duration,
    /// How long a used refresh token may be presented again (a retry after a lost answer)
    /// without counting as reuse.
    pub refresh_grace: Duration,
    /// How long an `Idempotency-Key` stays claimed by a request that no longer reports progress:
    /// a request in progress renews its claim every third of this, so a claim older than this
    /// belongs to a server that died, and the key is free again.
    pub idempotency_lease: Duration,
    pub login: LoginLimits,
    /// Web origins (`https://host[:port]`) whose pages may call the API; none by default.
    pub cors_origins: Vec<String>,
    /// Largest ordinary JSON body accepted, in bytes (routes have their own limits around it:
    /// see `body::ROUTES`).
    pub json_limit: usize,
    /// How long a client may take to send a JSON body, from the end of its headers.
    pub body_timeout: Duration,
    /// How long a client may take to send a page photo.
    pub upload_timeout: Duration,
    pub pool: PoolOptions,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// How long a lesson must last for its observation to count, when one is late, and how long
    /// a term stays open to new counts after it ends.
    pub counting: tingke_models::rules::counting::Limits,
    /// The rounds a rectification notice may go through (`TINGKE_NOTICE_ROUNDS`, 1 to 10).
    pub notices: tingke_models::rules::notices::Limits,
    /// Where page photos are kept.
    pub storage: crate::storage::StorageConfig,
    /// What an uploaded photo may be, and what is made of it.
    pub photo_limits: crate::photo::Limits,
    /// Photos processed at once; more uploads wait their turn. 0 means one per core.
    pub photo_workers: usize,
    /// How long a signed image URL stays valid.
    pub url_ttl: Duration,
    /// How long a resumable (tus) upload waits for its next chunk before it expires
    /// (`TINGKE_UPLOAD_EXPIRY_HOURS`, 24 by default); `gc-blobs` removes expired ones.
    pub upload_expiry: Duration,
    /// How long a caller (session, user, memberships) read from the database is answered from
    /// memory (`auth::cache`); zero keeps nothing.
    pub session_cache: Duration,
    /// How long a person's quota progress, once computed, is answered from memory
    /// (`memory::KeptProgress`); zero keeps nothing.
    pub progress_cache: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("cannot use the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The shortest signing key accepted: HS256 with a key of fewer than 32 bytes can be guessed
/// (RFC 7518, 3.2, asks for at least the hash's 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid {
            name,
            reason: format!("expected a number, got {v:?}"),
        }),
    }
}

/// The policy's three rounds of a notice unless `TINGKE_NOTICE_ROUNDS` says another (1 to 10).
fn notice_limits() -> Result<tingke_models::rules::notices::Limits, ConfigError> {
    let default = tingke_models::rules::notices::Limits::default();
    match number::<i32>("TINGKE_NOTICE_ROUNDS", default.rounds)? {
        rounds @ 1..=10 => Ok(tingke_models::rules::notices::Limits { rounds }),
        other => Err(ConfigError::Invalid {
            name: "TINGKE_NOTICE_ROUNDS",
            reason: format!("expected 1 to 10 rounds, got {other}"),
        }),
    }
}

/// `TINGKE_SESSION_CACHE_MS` and `TINGKE_PROGRESS_CACHE_MS`: 2,000 unless set; 0 turns the
/// memory off; more than 2,000 is refused (DESIGN.md: a revoked session is refused everywhere
/// within 2 seconds, and counts are kept no longer).
fn keeping_time(name: &'static str) -> Result<Duration, ConfigError> {
    let max = crate::memory::MAX_KEEP.as_millis() as u64;
    match number::<u64>(name, max)? {
        ms if ms <= max => Ok(Duration::from_millis(ms)),
        other => Err(ConfigError::Invalid {
            name,
            reason: format!("at most {max} ms, got {other}"),
        }),
    }
}

/// Connections when `TINGKE_DB_POOL_SIZE` is not set. SQLite's readers work on the server's own
/// cores: more than two per core only queue for the CPU, and stretched the slowest reads (p99
/// 136 ms with 10 connections on two cores, 36-45 ms with 4: BENCHMARKS.md, figure 6).
/// PostgreSQL works in its own processes; there 10 measured no different from 2 to 6.
fn default_pool_size(database_url: &str) -> u32 {
    match Backend::from_url(database_url) {
        Backend::Sqlite => 2 * cores() as u32,
        Backend::Postgres => 10,
    }
}

/// The cores this process may use (2 if unknown): the default for workers, photo permits and
/// SQLite's pool.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl Config {
    /// Reads the environment (see the README's configuration table).
    pub fn from_env() -> Result<Config, ConfigError> {
        let data_dir = PathBuf::from(var("TINGKE_DATA_DIR").unwrap_or_else(|| "./data".into()));
        std::fs::create_dir_all(&data_dir).map_err(|source| ConfigError::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| data_dir.join("tingke.db").to_string_lossy().into_owned());
        let pool_size = number("TINGKE_DB_POOL_SIZE", default_pool_size(&database_url))?;
        let jwt_secret = match var("TINGKE_JWT_SECRET") {
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                return Err(ConfigError::Invalid {
                    name: "TINGKE_JWT_SECRET",
                    reason: format!(
                        "{} bytes; a signing key needs at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`)",
                        s.len()
                    ),
                })
            }
            Some(s) => s.into_bytes(),
            None => load_or_create_secret(&data_dir)?,
        };
        Ok(Config {
            bind: var("TINGKE_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url,
            jwt_secret,
            access_ttl: Duration::from_secs(number("TINGKE_ACCESS_TOKEN_TTL", 900)?),
            refresh_ttl: Duration::from_secs(number("TINGKE_REFRESH_TOKEN_TTL", 30 * 86_400)?),
            console_ttl: Duration::from_secs(number("TINGKE_CONSOLE_SESSION_TTL", 10 * 3600)?),
            refresh_grace: Duration::from_secs(number("TINGKE_REFRESH_GRACE_SECONDS", 30)?),
            idempotency_lease: Duration::from_secs(
                number("TINGKE_IDEMPOTENCY_LEASE_SECONDS", 30u64)?.max(1),
            ),
            login: LoginLimits {
                max_failures: number("TINGKE_LOGIN_MAX_FAILURES", 5)?,
                max_failures_per_ip: number("TINGKE_LOGIN_MAX_FAILURES_PER_IP", 50)?,
                window: Duration::from_secs(900),
                lock: Duration::from_secs(number("TINGKE_LOGIN_LOCK_SECONDS", 900)?),
            },
            cors_origins: std::env::var("TINGKE_CORS_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            json_limit: number("TINGKE_JSON_LIMIT", 64 * 1024)?,
            body_timeout: Duration::from_secs(number("TINGKE_BODY_TIMEOUT_SECONDS", 30)?),
            upload_timeout: Duration::from_secs(number("TINGKE_UPLOAD_TIMEOUT_SECONDS", 300)?),
            pool: PoolOptions {
                max_connections: pool_size,
                connect_timeout: Duration::from_secs(5),
            },
            workers: number("TINGKE_WORKERS", 0)?,
            counting: tingke_models::rules::counting::Limits {
                minutes: number("TINGKE_COUNT_MIN_MINUTES", 20)?
                    ..=number("TINGKE_COUNT_MAX_MINUTES", 90)?,
                late_after_days: i64::from(number::<u16>("TINGKE_LATE_AFTER_DAYS", 7)?),
                term_grace_days: i64::from(number::<u16>("TINGKE_TERM_GRACE_DAYS", 7)?),
                overlap_tolerance_minutes: i64::from(number::<u8>(
                    "TINGKE_OVERLAP_TOLERANCE_MINUTES",
                    5,
                )?),
            },
            notices: notice_limits()?,
            storage: crate::storage::StorageConfig::from_env(&data_dir)?,
            photo_limits: crate::photo::Limits {
                max_bytes: number("TINGKE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)?,
                max_pixels: number("TINGKE_MAX_PIXELS", 40_000_000)?,
                ..Default::default()
            },
            photo_workers: number("TINGKE_PHOTO_WORKERS", 0)?,
            url_ttl: Duration::from_secs(number("TINGKE_URL_TTL", 600)?),
            upload_expiry: Duration::from_secs(
                3600 * number::<u64>("TINGKE_UPLOAD_EXPIRY_HOURS", 24)?,
            ),
            session_cache: keeping_time("TINGKE_SESSION_CACHE_MS")?,
            progress_cache: keeping_time("TINGKE_PROGRESS_CACHE_MS")?,
            data_dir,
        })
    }

    /// A configuration for tests and tools: everything default except the data dir and database.
    pub fn for_data_dir(data_dir: &Path, database_url: Option<String>) -> Config {
        Config {
            bind: "127.0.0.1:0".into(),
            database_url: database_url
                .unwrap_or_else(|| data_dir.join("tingke.db").to_string_lossy().into_owned()),
            data_dir: data_dir.to_path_buf(),
            jwt_secret: b"test-secret-test-secret-test-secret".to_vec(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 86_400),
            console_ttl: Duration::from_secs(10 * 3600),
            refresh_grace: Duration::from_secs(30),
            idempotency_lease: Duration::from_secs(30),
            login: LoginLimits {
                max_failures: 5,
                max_failures_per_ip: 50,
                window: Duration::from_secs(900),
                lock: Duration::from_secs(900),
            },
            cors_origins: Vec::new(),
            json_limit: 64 * 1024,
            body_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
            pool: PoolOptions::default(),
            workers: 1,
            counting: tingke_models::rules::counting::Limits::default(),
            notices: tingke_models::rules::notices::Limits::default(),
            storage: crate::storage::StorageConfig::File {
                root: data_dir.join("blobs"),
            },
            photo_limits: crate::photo::Limits::default(),
            photo_workers: 2,
            url_ttl: Duration::from_secs(600),
            upload_expiry: Duration::from_secs(24 * 3600),
            session_cache: crate::memory::MAX_KEEP,
            progress_cache: crate::memory::MAX_KEEP,
        }
    }
}

/// The signing key is generated once and kept beside the data, readable by its owner only.
fn load_or_create_secret(data_dir: &Path) -> Result<Vec<u8>, ConfigError> {
    let path = data_dir.join("jwt_secret");
    let io = |source| ConfigError::DataDir {
        path: path.clone(),
        source,
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if existing.trim().len() >= MIN_SECRET_BYTES {
            return Ok(existing.trim().as_bytes().to_vec());
        }
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let secret = hex::encode(bytes);
    let tmp = data_dir.join("jwt_secret.tmp");
    std::fs::write(&tmp, &secret).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(secret.into_bytes())
}
