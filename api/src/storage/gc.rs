//! Finds and removes page blobs that no page record points at.
//!
//! An upload stores its two blobs first and then inserts the page record; when the record
//! cannot be written (the database is down, the process is killed) the upload removes its
//! blobs, but a crash or a failing store can leave them behind. Page ids are UUIDv7, so a
//! blob's key tells when its upload began: blobs younger than `min_age` may belong to an upload
//! still in flight and are kept.
//!
//! Resumable (tus) uploads keep their bytes as chunk blobs, `uploads/{upload}/{offset}-{chunk}`
//! with a UUIDv7 chunk id: an upload past its expiry loses its row and its chunks, and a chunk
//! no upload row points at (its upload finished or was terminated and the removal failed, or
//! the server died between storing it and recording it) is an orphan like a page blob.

use std::collections::HashSet;
use std::time::Duration;

use chrono::NaiveDateTime;
use tingke_models::Db;

use super::{BlobStore, StorageError};

/// Every page blob lives under this prefix: `schools/{school}/pages/{page}/{name}.jpg`.
const PAGES_PREFIX: &str = "schools/";
/// Every chunk of a resumable upload lives under this prefix.
const UPLOADS_PREFIX: &str = "uploads/";

/// What a run found and did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Page blobs in the store.
    pub scanned: usize,
    /// Blobs without a page record, old enough to be removed.
    pub orphans: Vec<String>,
    /// Blobs without a record yet, young enough to belong to an upload in flight.
    pub young: usize,
    /// Orphans removed (0 on a dry run).
    pub removed: usize,
    /// Resumable uploads past their expiry (removed with their chunks unless a dry run).
    pub expired_uploads: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum GcError {
    #[error(transparent)]
    Store(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] tingke_models::DbError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Lists the store, compares it with the page records and, unless `dry_run`, removes the
/// orphans older than `min_age`.
pub async fn collect(
    db: &Db,
    store: &dyn BlobStore,
    min_age: Duration,
    dry_run: bool,
) -> Result<Report, GcError> {
    let (expired_uploads, expired_chunks) = expire_uploads(db, dry_run)?;
    // List before reading the records: a page committed in between is then in both, and a
    // blob stored after the listing is not looked at.
    let mut keys = store.list(PAGES_PREFIX).await?;
    keys.extend(store.list(UPLOADS_PREFIX).await?);
    let referenced = referenced_keys(db)?;
    let mut report = classify(keys, &referenced, tingke_models::now(), min_age);
    report.expired_uploads = expired_uploads;
    // The chunks of an expired upload go whatever their age: the upload is over.
    for key in expired_chunks {
        if !report.orphans.contains(&key) {
            // Its row is gone (not on a dry run): it was counted young by its age.
            if !dry_run {
                report.young = report.young.saturating_sub(1);
            }
            report.orphans.push(key);
        }
    }
    if !dry_run {
        for key in &report.orphans {
            store.delete(key).await?;
            report.removed += 1;
        }
    }
    Ok(report)
}

fn referenced_keys(db: &Db) -> Result<HashSet<String>, GcError> {
    let mut conn = db.read_conn()?;
    let pairs = tingke_models::documents::all_blob_keys(&mut conn)?;
    let chunks = tingke_models::uploads::all_chunk_keys(&mut conn)?;
    Ok(pairs
        .into_iter()
        .flat_map(|(a, b)| [a, b])
        .chain(chunks)
        .collect())
}

/// Removes the rows of the uploads past their expiry (unless `dry_run`): how many, and the
/// keys of their chunks.
fn expire_uploads(db: &Db, dry_run: bool) -> Result<(usize, Vec<String>), GcError> {
    let mut conn = db.write_conn()?;
    let expired = tingke_models::uploads::expired(&mut conn, tingke_models::now())?;
    let mut keys = Vec::new();
    for id in &expired {
        match dry_run {
            true => keys.extend(tingke_models::uploads::chunk_keys(&mut conn, id)?),
            false => keys.extend(tingke_models::uploads::delete(&mut conn, id)?),
        }
    }
    Ok((expired.len(), keys))
}

/// Splits the page blobs without a record into orphans and young ones. Keys that are not page
/// blobs are not counted.
fn classify(
    keys: Vec<String>,
    referenced: &HashSet<String>,
    now: NaiveDateTime,
    min_age: Duration,
) -> Report {
    let mut report = Report::default();
    for key in keys {
        let Some(started) = upload_started(&key) else {
            continue;
        };
        report.scanned += 1;
        if referenced.contains(&key) {
            continue;
        }
        let age = (now - started).to_std().unwrap_or_default();
        if age >= min_age {
            report.orphans.push(key);
        } else {
            report.young += 1;
        }
    }
    report
}

/// When the upload of a page blob began, read from its page id (UUIDv7); `None` for keys that
/// are not page blobs.
fn upload_started(key: &str) -> Option<NaiveDateTime> {
    let parts: Vec<&str> = key.split('/').collect();
    let id = match parts.as_slice() {
        ["schools", _, "pages", page_id, _] => page_id,
        ["uploads", _, chunk] => chunk.split_once('-')?.1,
        _ => return None,
    };
    let id = uuid::Uuid::parse_str(id).ok()?;
    let (seconds, nanos) = id.get_timestamp()?.to_unix();
    chrono::DateTime::from_timestamp(seconds as i64, nanos).map(|t| t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(page_id: &str, name: &str) -> String {
        format!("schools/s1/pages/{page_id}/{name}.jpg")
    }

    #[test]
    fn orphans_are_the_old_blobs_without_a_record() {
        let now = tingke_models::now();
        let old = tingke_models::new_id();
        let young = tingke_models::new_id();
        let kept = tingke_models::new_id();
        let referenced: HashSet<String> = [key(&kept, "page"), key(&kept, "thumb")].into();
        let keys = vec![
            key(&kept, "page"),
            key(&kept, "thumb"),
            key(&old, "page"),
            key(&young, "thumb"),
            "bench/pages/1/page.jpg".to_string(),
            "schools/s1/pages/not-a-uuid/page.jpg".to_string(),
        ];
        // With no minimum age every blob without a record goes; with an hour, none of these.
        let later = now + chrono::Duration::milliseconds(1);
        let report = classify(keys, &referenced, later, Duration::ZERO);
        assert_eq!(report.scanned, 4);
        assert_eq!(
            report.orphans,
            vec![key(&old, "page"), key(&young, "thumb")]
        );
        let cautious = classify(
            vec![key(&old, "page")],
            &referenced,
            later,
            Duration::from_secs(3600),
        );
        assert!(cautious.orphans.is_empty());
        assert_eq!(cautious.young, 1);
    }

    #[test]
    fn only_page_blob_keys_have_an_upload_time() {
        let id = tingke_models::new_id();
        let started = upload_started(&key(&id, "page")).expect("a page blob");
        let drift = (tingke_models::now() - started).num_seconds().abs();
        assert!(drift < 60, "{drift}");
        assert_eq!(upload_started("schools/s1/pages/x/page.jpg"), None);
        assert_eq!(upload_started(&format!("bench/pages/{id}/page.jpg")), None);
        assert_eq!(upload_started(&format!("schools/s1/pages/{id}")), None);
        let chunk = format!("uploads/u1/{:020}-{id}", 4096);
        assert_eq!(upload_started(&chunk), Some(started));
        assert_eq!(upload_started("uploads/u1/00000000000000004096"), None);
    }
}
