//! Blobs in an S3-compatible store through rust-s3. Path-style addressing, so self-hosted
//! servers (MinIO, s3s, Garage) work without wildcard DNS, as well as AWS itself.

use std::fmt;
use std::time::Duration;

use ::s3::creds::Credentials;
use ::s3::error::S3Error;
use ::s3::{Bucket, BucketConfiguration, Region};

use super::{validate_key, validate_prefix, BlobStore, StorageError};

/// Written and removed again by `check`. Its leading dot keeps it out of the valid keys.
const CHECK_KEY: &str = ".tingke-check";

/// S3 refuses presigned URLs that live longer than a week.
const MAX_PRESIGN_SECS: u64 = 7 * 24 * 3600;

/// How much of an error reply goes into a log message.
const MAX_BODY_IN_ERROR: usize = 300;

#[derive(Clone)]
pub struct S3Settings {
    /// `http(s)://host:port` of the server; `None` means AWS at the region's endpoint.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    /// Limit on each request, so that a hung server fails requests instead of holding them.
    pub timeout: Duration,
}

impl S3Settings {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
}

/// Never prints the secret key: the configuration is logged at start-up.
impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

pub struct S3Store {
    bucket: Box<Bucket>,
}

impl S3Store {
    /// A store for the configured bucket, without sending any request.
    pub fn new(settings: &S3Settings) -> Result<S3Store, StorageError> {
        let bucket = Bucket::new(&settings.bucket, region(settings)?, credentials(settings)?)
            .map_err(map_error)?
            .with_path_style()
            .with_request_timeout(settings.timeout)
            .map_err(map_error)?;
        Ok(S3Store { bucket })
    }

    /// Like `new`, and creates the bucket when it does not exist yet.
    pub async fn open(settings: &S3Settings) -> Result<S3Store, StorageError> {
        let store = S3Store::new(settings)?;
        create_bucket(settings).await?;
        Ok(store)
    }
}

/// Where the page images' presigned URLs point (`scheme://host[:port]`, path-style): a web page
/// that shows them must allow this origin (the console's Content-Security-Policy).
pub fn image_origin(settings: &S3Settings) -> Option<String> {
    let region = region(settings).ok()?;
    Some(format!("{}://{}", region.scheme(), region.host()))
}

fn region(settings: &S3Settings) -> Result<Region, StorageError> {
    match &settings.endpoint {
        Some(endpoint) => Ok(Region::Custom {
            region: settings.region.clone(),
            endpoint: endpoint.trim_end_matches('/').to_string(),
        }),
        None => settings
            .region
            .parse()
            .map_err(|e| StorageError::Refused(format!("S3 region: {e}"))),
    }
}

fn credentials(settings: &S3Settings) -> Result<Credentials, StorageError> {
    Credentials::new(
        Some(&settings.access_key),
        Some(&settings.secret_key),
        None,
        None,
        None,
    )
    .map_err(|e| StorageError::Refused(format!("S3 credentials: {e}")))
}

/// `Bucket::exists()` fails against some servers (s3s-fs among them), so this creates the
/// bucket and takes "already exists" for success.
async fn create_bucket(settings: &S3Settings) -> Result<(), StorageError> {
    let create = Bucket::create_with_path_style(
        &settings.bucket,
        region(settings)?,
        credentials(settings)?,
        BucketConfiguration::default(),
    );
    // Creating a bucket does not use the bucket's request timeout.
    let Ok(result) = tokio::time::timeout(settings.timeout, create).await else {
        return Err(StorageError::Unavailable(
            "S3 did not answer the bucket creation in time".into(),
        ));
    };
    match result {
        Ok(_) => Ok(()),
        Err(S3Error::HttpFailWithBody(409, body))
            if body.contains("BucketAlreadyOwnedByYou") || body.contains("BucketAlreadyExists") =>
        {
            Ok(())
        }
        Err(e) => Err(map_error(e)),
    }
}

/// Network trouble, timeouts, throttling and 5xx are worth retrying later; any other refusal
/// (bad credentials, missing permission, a bad endpoint) is a configuration problem.
fn map_error(e: S3Error) -> StorageError {
    match e {
        S3Error::HttpFailWithBody(status, body) => {
            let message = format!("HTTP {status}: {}", shorten(&body));
            if status >= 500 || status == 408 || status == 429 {
                StorageError::Unavailable(message)
            } else {
                StorageError::Refused(message)
            }
        }
        S3Error::Reqwest(e) if !e.is_builder() => StorageError::Unavailable(e.to_string()),
        S3Error::Io(e) => StorageError::Unavailable(e.to_string()),
        other => StorageError::Refused(other.to_string()),
    }
}

fn shorten(body: &str) -> &str {
    match body.char_indices().nth(MAX_BODY_IN_ERROR) {
        Some((end, _)) => &body[..end],
        None => body,
    }
}

/// A 404 about the object (not about a missing bucket, which is a configuration problem).
fn is_missing_object(e: &S3Error) -> bool {
    matches!(e, S3Error::HttpFailWithBody(404, body) if !body.contains("NoSuchBucket"))
}

#[async_trait::async_trait]
impl BlobStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        self.bucket
            .put_object_with_content_type(key, &bytes, content_type)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        validate_key(key)?;
        match self.bucket.get_object(key).await {
            Ok(data) => Ok(Some(data.to_vec())),
            Err(e) if is_missing_object(&e) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        match self.bucket.delete_object(key).await {
            Ok(_) => Ok(()),
            Err(e) if is_missing_object(&e) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        validate_prefix(prefix)?;
        let pages = self
            .bucket
            .list(prefix.to_string(), None)
            .await
            .map_err(map_error)?;
        let mut keys: Vec<String> = pages
            .into_iter()
            .flat_map(|page| page.contents)
            .map(|object| object.key)
            // Hides the readiness probe's object, and anything not written through this API.
            .filter(|key| validate_key(key).is_ok())
            .collect();
        keys.sort();
        Ok(keys)
    }

    async fn check(&self) -> Result<(), StorageError> {
        self.bucket
            .put_object_with_content_type(CHECK_KEY, b"ok", "text/plain")
            .await
            .map_err(map_error)?;
        self.bucket
            .delete_object(CHECK_KEY)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn presigned_get(
        &self,
        key: &str,
        ttl: Duration,
    ) -> Result<Option<String>, StorageError> {
        validate_key(key)?;
        let secs = ttl.as_secs();
        if secs == 0 || secs > MAX_PRESIGN_SECS {
            return Err(StorageError::Invalid {
                key: key.to_string(),
                reason: "a presigned URL lives between 1 second and 7 days",
            });
        }
        let url = self
            .bucket
            .presign_get(key, secs as u32, None)
            .await
            .map_err(map_error)?;
        Ok(Some(url))
    }
}
