//! Blobs as files under one root folder, each key a relative path.

use std::fs::{self, File};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{validate_key, validate_prefix, BlobStore, StorageError};

/// Writes go to a file with this prefix beside the final path, then are renamed over it.
const TEMP_PREFIX: &str = ".tmp-";

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// A store under `root`; nothing is touched until the first call.
    pub fn new(root: PathBuf) -> FileStore {
        FileStore { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Removes temp files older than `older_than`, which only a crash mid-write leaves behind.
    /// Returns how many were removed.
    pub async fn remove_stale_temp_files(
        &self,
        older_than: Duration,
    ) -> Result<usize, StorageError> {
        let root = self.root.clone();
        blocking(move || remove_stale_temp_files(&root, older_than)).await
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

#[async_trait::async_trait]
impl BlobStore for FileStore {
    /// The content type is not kept: the API derives it from the key's extension.
    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        _content_type: &str,
    ) -> Result<(), StorageError> {
        validate_key(key)?;
        let path = self.path(key);
        blocking(move || write_atomically(&path, &bytes)).await
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        validate_key(key)?;
        let path = self.path(key);
        blocking(move || match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        let path = self.path(key);
        blocking(move || match fs::remove_file(&path) {
            Err(e) if !is_missing(&e) => Err(e),
            _ => Ok(()),
        })
        .await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        validate_prefix(prefix)?;
        let root = self.root.clone();
        let prefix = prefix.to_string();
        blocking(move || list(&root, &prefix)).await
    }

    /// Creates the root when missing and proves it writable with a temp file.
    async fn check(&self) -> Result<(), StorageError> {
        let root = self.root.clone();
        blocking(move || {
            fs::create_dir_all(&root)?;
            let probe = temp_path(&root);
            let written = File::create(&probe).and_then(|mut f| f.write_all(b"ok"));
            let removed = fs::remove_file(&probe);
            written.and(removed)
        })
        .await
    }

    async fn presigned_get(
        &self,
        key: &str,
        _ttl: Duration,
    ) -> Result<Option<String>, StorageError> {
        validate_key(key)?;
        Ok(None)
    }
}

/// Runs file IO off the async reactor; IO errors mean the disk is unusable for now.
async fn blocking<T, F>(work: F) -> Result<T, StorageError>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(|e| StorageError::Unavailable(e.to_string())),
        Err(e) => Err(StorageError::Unavailable(format!("file task failed: {e}"))),
    }
}

/// A key under a missing folder, or naming a folder, holds no blob.
fn is_missing(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotFound | ErrorKind::IsADirectory | ErrorKind::NotADirectory
    )
}

fn temp_path(dir: &Path) -> PathBuf {
    dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4().simple()))
}

/// Write, fsync, rename: a crash leaves the old file or the new one under `path`, plus at
/// worst a temp file for the start-up cleanup.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().expect("a key always has a parent folder");
    fs::create_dir_all(dir)?;
    let temp = temp_path(dir);
    let result = write_synced(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    sync_dir(dir)
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The rename is durable only once the folder itself is synced.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Every regular file under `dir`, recursively, without following symlinks.
pub(super) fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if is_missing(&e) => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

fn list(root: &Path, prefix: &str) -> io::Result<Vec<String>> {
    // Only the folder the prefix points into can hold matches.
    let start = match prefix.rfind('/') {
        Some(end) => root.join(&prefix[..end]),
        None => root.to_path_buf(),
    };
    let mut files = Vec::new();
    walk(&start, &mut files)?;
    let mut keys: Vec<String> = files
        .iter()
        .filter_map(|path| key_of(root, path))
        .filter(|key| key.starts_with(prefix) && validate_key(key).is_ok())
        .collect();
    keys.sort();
    Ok(keys)
}

/// The key of a file under `root`; `None` for names that are not UTF-8.
fn key_of(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let segments: Option<Vec<&str>> = relative.iter().map(|s| s.to_str()).collect();
    Some(segments?.join("/"))
}

fn remove_stale_temp_files(root: &Path, older_than: Duration) -> io::Result<usize> {
    let mut files = Vec::new();
    walk(root, &mut files)?;
    let cutoff = SystemTime::now() - older_than;
    let mut removed = 0;
    for path in files.iter().filter(|p| is_temp(p)) {
        // A temp file can vanish meanwhile: its write finished and renamed it.
        let result = fs::metadata(path)
            .and_then(|m| m.modified())
            .and_then(|modified| {
                if modified < cutoff {
                    fs::remove_file(path).map(|()| 1)
                } else {
                    Ok(0)
                }
            });
        match result {
            Ok(count) => removed += count,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

fn is_temp(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with(TEMP_PREFIX))
}
