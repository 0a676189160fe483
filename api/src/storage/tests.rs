//! The same checks run against every store: always the file store, and an S3 server when
//! `TINGKE_TEST_S3_ENDPOINT` is set (`source .ci/s3.sh` starts one).

use super::*;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

struct TestStore {
    name: &'static str,
    blobs: Arc<dyn BlobStore>,
    /// The file store's folder, removed when the test ends.
    dir: Option<tempfile::TempDir>,
}

async fn stores() -> Vec<TestStore> {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = StorageConfig::File {
        root: dir.path().join("blobs"),
    };
    let mut stores = vec![TestStore {
        name: "file",
        blobs: open(&config).await.expect("open the file store"),
        dir: Some(dir),
    }];
    if let Some(settings) = test_s3_settings() {
        let config = StorageConfig::S3(settings);
        stores.push(TestStore {
            name: "s3",
            blobs: open(&config).await.expect("open the S3 store"),
            dir: None,
        });
    }
    stores
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn test_s3_settings() -> Option<S3Settings> {
    let endpoint = std::env::var("TINGKE_TEST_S3_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())?;
    Some(S3Settings {
        endpoint: Some(endpoint),
        region: env_or("TINGKE_TEST_S3_REGION", "us-east-1"),
        // A bucket per test, so tests running at once never see each other's keys.
        bucket: format!("tingke-t-{}", uuid::Uuid::new_v4().simple()),
        access_key: env_or("AWS_ACCESS_KEY_ID", ""),
        secret_key: env_or("AWS_SECRET_ACCESS_KEY", ""),
        timeout: Duration::from_secs(10),
    })
}

/// Every byte value, so that no encoding step can go unnoticed.
fn photo_bytes() -> Vec<u8> {
    (0..=255u8).cycle().take(10_000).collect()
}

const PAGE: &str = "schools/1/pages/7/page.jpg";

#[tokio::test]
async fn put_then_get_returns_the_same_bytes() {
    for s in stores().await {
        s.blobs
            .put(PAGE, photo_bytes(), "image/jpeg")
            .await
            .unwrap();
        let got = s.blobs.get(PAGE).await.unwrap();
        assert_eq!(got, Some(photo_bytes()), "{}", s.name);
    }
}

#[tokio::test]
async fn put_replaces_the_previous_content() {
    for s in stores().await {
        s.blobs
            .put(PAGE, b"first".to_vec(), "image/jpeg")
            .await
            .unwrap();
        s.blobs
            .put(PAGE, b"second".to_vec(), "image/jpeg")
            .await
            .unwrap();
        let got = s.blobs.get(PAGE).await.unwrap();
        assert_eq!(got.as_deref(), Some(&b"second"[..]), "{}", s.name);
    }
}

#[tokio::test]
async fn get_of_a_missing_key_is_none() {
    for s in stores().await {
        s.blobs
            .put("schools/1/a.jpg", b"a".to_vec(), "image/jpeg")
            .await
            .unwrap();
        for key in ["schools/1/b.jpg", "schools/2/a.jpg", "schools/1/a.jpg/x"] {
            let got = s.blobs.get(key).await.unwrap();
            assert_eq!(got, None, "{} {key}", s.name);
        }
        // A key that is a folder on disk. Not asked of S3: s3s-fs answers 500 for it.
        if s.name == "file" {
            assert_eq!(s.blobs.get("schools/1").await.unwrap(), None);
        }
    }
}

#[tokio::test]
async fn delete_removes_and_is_idempotent() {
    for s in stores().await {
        s.blobs
            .put(PAGE, b"x".to_vec(), "image/jpeg")
            .await
            .unwrap();
        s.blobs.delete(PAGE).await.unwrap();
        assert_eq!(s.blobs.get(PAGE).await.unwrap(), None, "{}", s.name);
        s.blobs.delete(PAGE).await.unwrap();
        s.blobs.delete("never/written.jpg").await.unwrap();
    }
}

#[tokio::test]
async fn list_returns_the_keys_under_a_prefix_sorted() {
    let keys = [
        "schools/1/pages/b/page.jpg",
        "schools/1/pages/a/thumb.jpg",
        "schools/1/pages/a/page.jpg",
        "schools/10/pages/c/page.jpg",
        "schools/2/pages/d/page.jpg",
    ];
    for s in stores().await {
        for key in keys {
            s.blobs.put(key, b"x".to_vec(), "image/jpeg").await.unwrap();
        }
        let list = |prefix: &'static str| {
            let blobs = s.blobs.clone();
            async move { blobs.list(prefix).await.unwrap() }
        };
        let school_1 = [keys[2], keys[1], keys[0]];
        assert_eq!(list("schools/1/").await, school_1, "{}", s.name);
        // A plain string prefix, as S3 has it: "schools/1" matches "schools/10" too.
        assert_eq!(list("schools/1").await.len(), 4, "{}", s.name);
        assert_eq!(list("").await.len(), 5, "{}", s.name);
        assert!(list("schools/3/").await.is_empty(), "{}", s.name);
        assert!(list("nowhere/at/all").await.is_empty(), "{}", s.name);
    }
}

#[tokio::test]
async fn check_passes_and_leaves_nothing_behind() {
    for s in stores().await {
        s.blobs.check().await.unwrap();
        assert!(s.blobs.list("").await.unwrap().is_empty(), "{}", s.name);
        if let Some(dir) = &s.dir {
            assert_eq!(all_files(dir.path()), Vec::<PathBuf>::new());
        }
    }
}

#[tokio::test]
async fn presigned_urls_work_over_http_only_as_signed() {
    for s in stores().await {
        s.blobs
            .put(PAGE, photo_bytes(), "image/jpeg")
            .await
            .unwrap();
        let url = s.blobs.presigned_get(PAGE, Duration::from_secs(60)).await;
        match s.name {
            // The API signs its own URLs for local files.
            "file" => assert_eq!(url.unwrap(), None),
            _ => check_presigned_url(&url.unwrap().expect("a presigned URL")).await,
        }
    }
}

async fn check_presigned_url(url: &str) {
    let client = reqwest::Client::new();
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get("content-type").cloned();
    assert_eq!(content_type.unwrap(), "image/jpeg");
    assert_eq!(response.bytes().await.unwrap(), photo_bytes());

    let tampered = tamper_signature(url);
    let response = client.get(&tampered).send().await.unwrap();
    assert_eq!(response.status(), 403, "{tampered}");
}

/// Changes the last hex digit of `X-Amz-Signature`.
fn tamper_signature(url: &str) -> String {
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let (start, last) = url.split_at(url.len() - 1);
    let other = if last == "0" { "1" } else { "0" };
    format!("{start}{other}")
}

#[tokio::test]
async fn presigned_url_lifetime_is_bounded() {
    let Some(s3) = stores().await.into_iter().find(|s| s.name == "s3") else {
        return;
    };
    for ttl in [Duration::ZERO, Duration::from_secs(8 * 86_400)] {
        let result = s3.blobs.presigned_get(PAGE, ttl).await;
        assert!(
            matches!(result, Err(StorageError::Invalid { .. })),
            "{ttl:?}"
        );
    }
}

const BAD_KEYS: [&str; 12] = [
    "",
    "/schools/1/a.jpg",
    "schools/../secrets",
    "..",
    "schools/1/..",
    "schools\\1\\a.jpg",
    "schools/1/a\0.jpg",
    "schools//a.jpg",
    "schools/1/",
    "schools/./a.jpg",
    "schools/1/.tmp-123",
    "schools/1/a\n.jpg",
];

#[test]
fn validate_key_accepts_plain_relative_paths() {
    for key in [PAGE, "a", "schools/1/pages/2/thumb.webp", "x/y-z_1.v2.jpg"] {
        assert!(validate_key(key).is_ok(), "{key}");
    }
    let too_long = "a/".repeat(600) + "a";
    for key in BAD_KEYS.iter().copied().chain([too_long.as_str()]) {
        let result = validate_key(key);
        assert!(
            matches!(result, Err(StorageError::Invalid { .. })),
            "{key:?}"
        );
    }
}

#[tokio::test]
async fn every_store_refuses_bad_keys() {
    let invalid = |r: Result<(), StorageError>| matches!(r, Err(StorageError::Invalid { .. }));
    for s in stores().await {
        for key in BAD_KEYS {
            let b = &s.blobs;
            assert!(
                invalid(b.put(key, vec![1], "image/jpeg").await),
                "{} {key:?}",
                s.name
            );
            assert!(invalid(b.get(key).await.map(drop)), "{} {key:?}", s.name);
            assert!(invalid(b.delete(key).await), "{} {key:?}", s.name);
            let presigned = b.presigned_get(key, Duration::from_secs(60)).await;
            assert!(invalid(presigned.map(drop)), "{} {key:?}", s.name);
        }
        for prefix in ["/", "../", "schools//", "/schools"] {
            let listed = s.blobs.list(prefix).await.map(drop);
            assert!(invalid(listed), "{} {prefix:?}", s.name);
        }
    }
}

#[tokio::test]
async fn an_unreachable_s3_server_is_unavailable_quickly() {
    let settings = S3Settings {
        endpoint: Some("http://127.0.0.1:1".into()),
        region: "us-east-1".into(),
        bucket: "tingke".into(),
        access_key: "key".into(),
        secret_key: "secret".into(),
        timeout: Duration::from_secs(2),
    };
    let started = Instant::now();
    let opened = S3Store::open(&settings).await;
    assert!(matches!(opened, Err(StorageError::Unavailable(_))));

    let store = S3Store::new(&settings).unwrap();
    let unavailable = |r: Result<(), StorageError>| matches!(r, Err(StorageError::Unavailable(_)));
    assert!(unavailable(store.put(PAGE, vec![1], "image/jpeg").await));
    assert!(unavailable(store.get(PAGE).await.map(drop)));
    assert!(unavailable(store.delete(PAGE).await));
    assert!(unavailable(store.list("schools/").await.map(drop)));
    assert!(unavailable(store.check().await));
    // rust-s3 retries reads once, a second later.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    file::walk(root, &mut files).unwrap();
    files.sort();
    files
}

fn file_store() -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().to_path_buf());
    (dir, store)
}

#[tokio::test]
async fn file_store_leaves_no_temp_files() {
    let (dir, store) = file_store();
    store.put(PAGE, photo_bytes(), "image/jpeg").await.unwrap();
    store
        .put(PAGE, b"again".to_vec(), "image/jpeg")
        .await
        .unwrap();
    assert_eq!(all_files(dir.path()), [dir.path().join(PAGE)]);
}

#[tokio::test]
async fn file_store_removes_only_stale_temp_files() {
    let (dir, store) = file_store();
    store
        .put(PAGE, b"page".to_vec(), "image/jpeg")
        .await
        .unwrap();
    let folder = dir.path().join("schools/1/pages/7");
    let stale = folder.join(".tmp-stale");
    let fresh = folder.join(".tmp-fresh");
    std::fs::write(&stale, b"half").unwrap();
    std::fs::write(&fresh, b"writing").unwrap();
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    let file = std::fs::File::options().write(true).open(&stale).unwrap();
    file.set_modified(two_hours_ago).unwrap();

    let removed = store
        .remove_stale_temp_files(Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(all_files(dir.path()), [fresh, dir.path().join(PAGE)]);
    // Temp files are never listed as keys.
    assert_eq!(store.list("").await.unwrap(), [PAGE]);
}

#[tokio::test]
async fn opening_an_existing_bucket_succeeds() {
    let Some(settings) = test_s3_settings() else {
        return;
    };
    S3Store::open(&settings).await.unwrap();
    let store = S3Store::open(&settings).await.unwrap();
    store.check().await.unwrap();
}

#[tokio::test]
async fn wrong_s3_credentials_are_refused_not_unavailable() {
    let Some(mut settings) = test_s3_settings() else {
        return;
    };
    settings.secret_key = "wrong".into();
    let opened = S3Store::open(&settings).await;
    assert!(matches!(opened, Err(StorageError::Refused(_))));
}
