//! Blob storage for page photos and thumbnails: local files by default, or any S3-compatible
//! store. Keys are relative paths such as `schools/{school_id}/pages/{page_id}/page.jpg`.

mod file;
pub mod gc;
mod s3;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::config::ConfigError;

pub use file::FileStore;
pub use s3::{S3Settings, S3Store};

/// Temp files older than this are left over from a crash, not from a write in progress.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// The longest key S3 accepts, in bytes.
const MAX_KEY_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The store cannot be reached or failed on its side (network, timeout, 5xx, disk):
    /// the API answers 503 and the client may retry.
    #[error("blob storage is unavailable: {0}")]
    Unavailable(String),
    /// The key or an argument is not acceptable; retrying will not help.
    #[error("invalid blob key {key:?}: {reason}")]
    Invalid { key: String, reason: &'static str },
    /// The store refused the request or its settings are unusable (credentials, permissions,
    /// a bad endpoint or region, an unexpected reply): retrying will not help, so the API
    /// answers 500 and logs it.
    #[error("blob storage refused the request: {0}")]
    Refused(String),
}

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there. Readers see the old or the new
    /// content, never a part.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError>;
    /// The content under `key`, or `None` when there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// Removes `key`; a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Every key that starts with `prefix` (a plain string prefix, as in S3), sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError>;
    /// Readiness: the store is reachable and accepts writes.
    async fn check(&self) -> Result<(), StorageError>;
    /// A URL that lets anyone holding it download `key` for `ttl`, or `None` when the store
    /// cannot sign URLs (local files: the API signs and serves its own).
    async fn presigned_get(&self, key: &str, ttl: Duration)
        -> Result<Option<String>, StorageError>;
}

/// Where blobs live.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    File { root: std::path::PathBuf },
    S3(S3Settings),
}

impl StorageConfig {
    /// The origin of page images when they are not served by this server (S3's presigned URLs).
    pub fn image_origin(&self) -> Option<String> {
        match self {
            StorageConfig::File { .. } => None,
            StorageConfig::S3(settings) => s3::image_origin(settings),
        }
    }

    /// Reads `TINGKE_STORAGE` (`file`, the default, or `s3`) and, for S3, `TINGKE_S3_BUCKET`,
    /// `TINGKE_S3_ENDPOINT`, `TINGKE_S3_REGION`, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    /// Local files go to `<data_dir>/blobs`.
    pub fn from_env(data_dir: &Path) -> Result<StorageConfig, ConfigError> {
        let kind = var("TINGKE_STORAGE").map(|v| v.to_ascii_lowercase());
        match kind.as_deref().unwrap_or("file") {
            "file" => Ok(StorageConfig::File {
                root: data_dir.join("blobs"),
            }),
            "s3" => Ok(StorageConfig::S3(S3Settings {
                endpoint: var("TINGKE_S3_ENDPOINT"),
                region: var("TINGKE_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                bucket: var("TINGKE_S3_BUCKET").unwrap_or_else(|| "tingke".into()),
                access_key: required("AWS_ACCESS_KEY_ID")?,
                secret_key: required("AWS_SECRET_ACCESS_KEY")?,
                timeout: S3Settings::DEFAULT_TIMEOUT,
            })),
            other => Err(ConfigError::Invalid {
                name: "TINGKE_STORAGE",
                reason: format!("expected \"file\" or \"s3\", got {other:?}"),
            }),
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    var(name).ok_or(ConfigError::Invalid {
        name,
        reason: "required when TINGKE_STORAGE=s3".into(),
    })
}

/// Opens the configured store: creates the folder or the bucket when missing, and for local
/// files removes temp files that a crash left behind.
pub async fn open(config: &StorageConfig) -> Result<Arc<dyn BlobStore>, StorageError> {
    match config {
        StorageConfig::File { root } => {
            let store = FileStore::new(root.clone());
            store.check().await?;
            let removed = store.remove_stale_temp_files(STALE_TEMP_AGE).await?;
            if removed > 0 {
                tracing::info!(removed, "removed stale temp files from blob storage");
            }
            Ok(Arc::new(store))
        }
        StorageConfig::S3(settings) => Ok(Arc::new(S3Store::open(settings).await?)),
    }
}

/// Refuses keys that could escape the store's root or mean different things to different
/// stores: `..`, absolute paths, backslashes, control characters (NUL included), empty
/// segments, and segments starting with `.` (the file store's temp files start with one).
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    let invalid = |reason| {
        Err(StorageError::Invalid {
            key: key.to_string(),
            reason,
        })
    };
    if key.is_empty() {
        return invalid("empty");
    }
    if key.len() > MAX_KEY_LEN {
        return invalid("longer than 1024 bytes");
    }
    if key.contains("..") {
        return invalid("contains ..");
    }
    if key.contains('\\') {
        return invalid("contains a backslash");
    }
    if key.chars().any(char::is_control) {
        return invalid("contains a control character");
    }
    if key.starts_with('/') {
        return invalid("absolute");
    }
    if key.split('/').any(str::is_empty) {
        return invalid("has an empty segment");
    }
    if key.split('/').any(|segment| segment.starts_with('.')) {
        return invalid("has a segment starting with a dot");
    }
    Ok(())
}

/// A listing prefix is empty, a valid key, or a valid key followed by one `/`.
fn validate_prefix(prefix: &str) -> Result<(), StorageError> {
    match prefix.strip_suffix('/').unwrap_or(prefix) {
        "" if prefix.is_empty() => Ok(()),
        rest => validate_key(rest),
    }
}
