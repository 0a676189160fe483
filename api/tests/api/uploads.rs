//! Resumable page photos over tus 1.0 (issue 25): a photo sent in chunks, cut off at random
//! bytes, sent across a restart of the real binary, becomes the very page a multipart upload of
//! the same photo makes; refusals (offset, checksum, version, someone else's upload or
//! document), termination, and expiry with `tingke gc-blobs`.

use crate::documents::{create_document, upload};
use crate::helpers::*;
use crate::process::*;
use base64::Engine;
use rand::{Rng, SeedableRng};
use sha1::Digest;
use std::time::Duration;
use tingke_api::photo::testimages;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const OCTETS: &str = "application/offset+octet-stream";

fn photo() -> Vec<u8> {
    testimages::portrait_photo_with_exif(7, 1600, 1200)
}

/// Starts an upload of `length` bytes into `doc`: the upload's path (from `Location`).
async fn start(app: &TestApp, by: &Session, doc: &str, length: usize, metadata: &str) -> String {
    let mut call = app
        .post(&format!("/v1/documents/{doc}/uploads"))
        .token(&by.token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", &length.to_string());
    if !metadata.is_empty() {
        call = call.header("upload-metadata", metadata);
    }
    let res = call.send().await.expect_status(201);
    assert_eq!(res.header("tus-resumable"), Some("1.0.0"));
    assert_eq!(res.header("upload-offset"), Some("0"));
    assert!(res
        .header("upload-expires")
        .is_some_and(|e| e.ends_with("GMT")));
    let location = res.header("location").expect("Location");
    assert!(location.starts_with(&app.address), "{location}");
    location[app.address.len()..].to_string()
}

async fn send_chunk(
    app: &TestApp,
    by: &Session,
    path: &str,
    offset: usize,
    bytes: &[u8],
) -> Response {
    app.patch(path)
        .token(&by.token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", &offset.to_string())
        .raw(bytes.to_vec(), OCTETS)
        .send()
        .await
}

async fn head(app: &TestApp, by: &Session, path: &str) -> Response {
    app.call(reqwest::Method::HEAD, path)
        .token(&by.token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
}

async fn offset_of(app: &TestApp, by: &Session, path: &str) -> usize {
    let res = head(app, by, path).await.expect_status(200);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    res.header("upload-offset").unwrap().parse().unwrap()
}

/// Sends `photo` from `from` in chunks of `size`: the last answer.
async fn send_rest(
    app: &TestApp,
    by: &Session,
    path: &str,
    photo: &[u8],
    from: usize,
    size: usize,
) -> Response {
    let mut offset = from;
    loop {
        let end = (offset + size).min(photo.len());
        let res = send_chunk(app, by, path, offset, &photo[offset..end])
            .await
            .expect_status(204);
        assert_eq!(res.header("upload-offset"), Some(end.to_string().as_str()));
        if end == photo.len() {
            return res;
        }
        assert_eq!(
            res.header("tingke-page-id"),
            None,
            "no page before the last byte"
        );
        offset = end;
    }
}

/// The document's pages, as its teacher reads them.
async fn pages_of(app: &TestApp, by: &Session, doc: &str) -> Vec<serde_json::Value> {
    app.get(&format!("/v1/documents/{doc}"))
        .token(&by.token)
        .send()
        .await
        .expect_status(200)
        .body["pages"]
        .as_array()
        .expect("pages")
        .clone()
}

async fn stored_image(page: &serde_json::Value) -> Vec<u8> {
    let res = reqwest::get(page["image_url"].as_str().expect("image_url"))
        .await
        .expect("fetch the page");
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

/// The page a multipart upload of `photo` makes, in a document of its own: (sha256, stored
/// image).
async fn multipart_page(app: &TestApp, by: &Session, photo: &[u8]) -> (String, Vec<u8>) {
    let doc = create_document(app, by, "lesson_plan")
        .await
        .expect_status(201);
    let page = upload(app, by, doc.str("id"), photo)
        .await
        .expect_status(201);
    let pages = pages_of(app, by, doc.str("id")).await;
    (
        page.str("sha256").to_string(),
        stored_image(&pages[0]).await,
    )
}

/// The page a finished upload made, checked against the multipart upload of the same photo.
async fn assert_same_page(app: &TestApp, by: &Session, doc: &str, page_id: &str, photo: &[u8]) {
    let pages = pages_of(app, by, doc).await;
    let page = pages
        .iter()
        .find(|p| p["id"] == page_id)
        .unwrap_or_else(|| panic!("page {page_id} in {pages:?}"));
    let (sha256, image) = multipart_page(app, by, photo).await;
    assert_eq!(page["sha256"], sha256.as_str(), "the same original bytes");
    assert_eq!(
        (page["width"].clone(), page["height"].clone()),
        (1200.into(), 1600.into())
    );
    assert!(
        stored_image(page).await == image,
        "the stored page is byte-identical"
    );
}

async fn chunk_blobs(app: &TestApp) -> Vec<String> {
    let store = tingke_api::storage::open(&app.config.storage)
        .await
        .expect("store");
    store.list("uploads/").await.expect("list")
}

#[tokio::test]
async fn a_photo_sent_in_chunks_becomes_the_page_a_multipart_upload_makes() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let doc = doc.str("id");
    let options = app
        .call(
            reqwest::Method::OPTIONS,
            &format!("/v1/documents/{doc}/uploads"),
        )
        .token(&teacher.token)
        .send()
        .await
        .expect_status(204);
    assert_eq!(options.header("tus-version"), Some("1.0.0"));
    assert_eq!(options.header("tus-resumable"), Some("1.0.0"));
    assert_eq!(
        options.header("tus-extension"),
        Some("creation,termination,expiration,checksum")
    );
    assert_eq!(
        options.header("tus-checksum-algorithm"),
        Some("sha1,sha256")
    );
    assert_eq!(options.header("tus-max-size"), Some("20971520"));

    let photo = photo();
    let metadata = "filename cGFnZS5qcGc=,filetype aW1hZ2UvanBlZw==";
    let path = start(&app, &teacher, doc, photo.len(), metadata).await;
    let third = photo.len() / 3;
    send_chunk(&app, &teacher, &path, 0, &photo[..third])
        .await
        .expect_status(204);
    // Another instance on the same database and store carries on where the first stopped.
    let other = app.another_instance().await;
    let res = head(&other, &teacher, &path).await.expect_status(200);
    assert_eq!(
        res.header("upload-offset"),
        Some(third.to_string().as_str())
    );
    assert_eq!(
        res.header("upload-length"),
        Some(photo.len().to_string().as_str())
    );
    assert_eq!(res.header("upload-metadata"), Some(metadata));
    assert_eq!(res.header("tingke-page-id"), None);
    let last = send_rest(&other, &teacher, &path, &photo, third, third / 2 + 1).await;
    let page_id = last.header("tingke-page-id").expect("the page").to_string();
    let res = head(&app, &teacher, &path).await.expect_status(200);
    assert_eq!(res.header("tingke-page-id"), Some(page_id.as_str()));
    assert_eq!(
        res.header("upload-offset"),
        Some(photo.len().to_string().as_str())
    );
    assert_same_page(&app, &teacher, doc, &page_id, &photo).await;
    assert!(
        chunk_blobs(&app).await.is_empty(),
        "the chunks are removed once assembled"
    );

    // `index` in the metadata places the page as the multipart route's `index` does.
    let small = testimages::page_jpeg(3, 800, 600, 85);
    let path = start(&app, &teacher, doc, small.len(), "index MQ==").await;
    let first = send_rest(&app, &teacher, &path, &small, 0, small.len()).await;
    let pages = pages_of(&app, &teacher, doc).await;
    assert_eq!(pages[0]["id"], first.header("tingke-page-id").unwrap());
    assert_eq!(pages[1]["id"], page_id.as_str());
}

#[tokio::test]
async fn a_chunk_whose_checksum_differs_is_discarded() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let photo = photo();
    let path = start(&app, &teacher, doc.str("id"), photo.len(), "").await;
    let chunk = &photo[..4096];
    let digest = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(b));
    let with_checksum = |checksum: String| {
        app.patch(&path)
            .token(&teacher.token)
            .header("tus-resumable", "1.0.0")
            .header("upload-offset", "0")
            .header("upload-checksum", &checksum)
            .raw(chunk.to_vec(), OCTETS)
    };
    let refused = with_checksum(format!("sha1 {}", digest(b"another chunk")))
        .send()
        .await
        .expect_problem(460, "checksum_mismatch");
    assert_eq!(refused.header("tus-resumable"), Some("1.0.0"));
    assert_eq!(offset_of(&app, &teacher, &path).await, 0, "nothing kept");
    assert!(chunk_blobs(&app).await.is_empty());
    with_checksum("md5 kAFQmDzST7DWlj99KOF/cg==".into())
        .send()
        .await
        .expect_problem(400, "checksum_algorithm_unsupported");
    let kept = with_checksum(format!("sha1 {}", digest(chunk)))
        .send()
        .await
        .expect_status(204);
    assert_eq!(kept.header("upload-offset"), Some("4096"));
    let sha256 = base64::engine::general_purpose::STANDARD
        .encode(<sha2::Sha256 as Digest>::digest(&photo[4096..]));
    let last = app
        .patch(&path)
        .token(&teacher.token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "4096")
        .header("upload-checksum", &format!("sha256 {sha256}"))
        .raw(photo[4096..].to_vec(), OCTETS)
        .send()
        .await
        .expect_status(204);
    assert!(last.header("tingke-page-id").is_some());
}

#[tokio::test]
async fn a_patch_from_another_offset_or_of_another_kind_is_refused() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let photo = photo();
    let path = start(&app, &teacher, doc.str("id"), photo.len(), "").await;
    send_chunk(&app, &teacher, &path, 0, &photo[..1000])
        .await
        .expect_status(204);
    for wrong in [0, 999, 1001, photo.len()] {
        send_chunk(
            &app,
            &teacher,
            &path,
            wrong,
            &photo[wrong.min(1000)..1000 + 10],
        )
        .await
        .expect_problem(409, "upload_offset_mismatch");
    }
    send_chunk(&app, &teacher, &path, 1000, &photo[1000..])
        .await
        .expect_status(204);
    // Past the declared length: refused whole, nothing kept.
    let doc2 = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let path = start(&app, &teacher, doc2.str("id"), 100, "").await;
    send_chunk(&app, &teacher, &path, 0, &photo[..101])
        .await
        .expect_problem(413, "upload_past_length");
    assert_eq!(offset_of(&app, &teacher, &path).await, 0);
    app.patch(&path)
        .token(&teacher.token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .raw(photo[..10].to_vec(), "application/octet-stream")
        .send()
        .await
        .expect_problem(415, "unsupported_media_type");
    // Another protocol version: 412 with the versions served.
    let old = app
        .patch(&path)
        .token(&teacher.token)
        .header("tus-resumable", "0.2.2")
        .header("upload-offset", "0")
        .raw(photo[..10].to_vec(), OCTETS)
        .send()
        .await
        .expect_problem(412, "tus_version_unsupported");
    assert_eq!(old.header("tus-version"), Some("1.0.0"));
    assert_eq!(old.header("tus-resumable"), Some("1.0.0"));
    let res = app
        .call(reqwest::Method::HEAD, &path)
        .token(&teacher.token)
        .send()
        .await;
    assert_eq!(
        (res.status, res.header("tus-version")),
        (412, Some("1.0.0"))
    );
}

#[tokio::test]
async fn a_terminated_upload_is_gone_with_its_bytes() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let photo = photo();
    let path = start(&app, &teacher, doc.str("id"), photo.len(), "").await;
    send_chunk(&app, &teacher, &path, 0, &photo[..5000])
        .await
        .expect_status(204);
    send_chunk(&app, &teacher, &path, 5000, &photo[5000..9000])
        .await
        .expect_status(204);
    assert_eq!(chunk_blobs(&app).await.len(), 2);
    let gone = app
        .delete(&path)
        .token(&teacher.token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect_status(204);
    assert_eq!(gone.header("tus-resumable"), Some("1.0.0"));
    assert_eq!(head(&app, &teacher, &path).await.status, 404);
    send_chunk(&app, &teacher, &path, 9000, &photo[9000..])
        .await
        .expect_problem(404, "not_found");
    assert!(chunk_blobs(&app).await.is_empty());
    assert_eq!((app.count("uploads"), app.count("upload_chunks")), (0, 0));
    assert!(pages_of(&app, &teacher, doc.str("id")).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_upload_answers_410_and_gc_blobs_removes_it() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let photo = photo();
    let stale = start(&app, &teacher, doc.str("id"), photo.len(), "").await;
    send_chunk(&app, &teacher, &stale, 0, &photo[..3000])
        .await
        .expect_status(204);
    let live = start(&app, &teacher, doc.str("id"), photo.len(), "").await;
    send_chunk(&app, &teacher, &live, 0, &photo[..2000])
        .await
        .expect_status(204);
    let stale_id = stale.rsplit('/').next().unwrap();
    app.execute(&format!(
        "UPDATE uploads SET expires_at = '2020-01-01 00:00:00' WHERE id = '{stale_id}'"
    ));
    assert_eq!(head(&app, &teacher, &stale).await.status, 410);
    send_chunk(&app, &teacher, &stale, 3000, &photo[3000..])
        .await
        .expect_problem(410, "upload_expired");

    let mut cmd = tingke(app.dir(), &app.config.database_url);
    with_storage(&mut cmd, &app.config.storage);
    let out = cmd.args(["gc-blobs"]).output().expect("run gc-blobs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("1 resumable uploads past their expiry removed"),
        "{stdout}"
    );
    assert_eq!(head(&app, &teacher, &stale).await.status, 404);
    assert_eq!((app.count("uploads"), app.count("upload_chunks")), (1, 1));
    let left = chunk_blobs(&app).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].contains(live.rsplit('/').next().unwrap()));
    // A chunk no upload row points at (a server died between storing and recording it) is an
    // orphan like a page blob: removed once older than the minimum age.
    let store = tingke_api::storage::open(&app.config.storage)
        .await
        .unwrap();
    let orphan = format!(
        "uploads/{}/{:020}-{}",
        uuid::Uuid::now_v7(),
        0,
        uuid::Uuid::now_v7()
    );
    store
        .put(
            &orphan,
            b"half a photo".to_vec(),
            "application/octet-stream",
        )
        .await
        .unwrap();
    let mut cmd = tingke(app.dir(), &app.config.database_url);
    with_storage(&mut cmd, &app.config.storage);
    let out = cmd
        .args(["gc-blobs", "--min-age-minutes", "0"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("removed {orphan}")), "{stdout}");
    assert_eq!(
        chunk_blobs(&app).await.len(),
        1,
        "the live upload's chunk is kept"
    );
    // The live upload carries on.
    let last = send_rest(&app, &teacher, &live, &photo, 2000, photo.len()).await;
    assert!(last.header("tingke-page-id").is_some());
}

#[tokio::test]
async fn nobody_uploads_into_anothers_document_or_touches_anothers_upload() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let colleague = app.demo(TEACHER_A2).await;
    let other_school = app.demo(TEACHER_B).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let doc = doc.str("id");
    let photo = photo();
    // A draft is its teacher's alone: for a colleague as for another school, not found.
    for who in [&colleague, &other_school] {
        app.post(&format!("/v1/documents/{doc}/uploads"))
            .token(&who.token)
            .header("tus-resumable", "1.0.0")
            .header("upload-length", &photo.len().to_string())
            .send()
            .await
            .expect_problem(404, "not_found");
    }
    assert_eq!(app.count("uploads"), 0);
    let path = start(&app, &teacher, doc, photo.len(), "").await;
    for who in [&colleague, &other_school] {
        assert_eq!(head(&app, who, &path).await.status, 404);
        send_chunk(&app, who, &path, 0, &photo)
            .await
            .expect_problem(404, "not_found");
        app.delete(&path)
            .token(&who.token)
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .expect_problem(404, "not_found");
    }
    assert_eq!(offset_of(&app, &teacher, &path).await, 0);
    // The document submitted meanwhile: the last byte is refused as the multipart route
    // refuses a page, and no page is added.
    send_chunk(&app, &teacher, &path, 0, &photo[..100])
        .await
        .expect_status(204);
    upload(&app, &teacher, doc, &testimages::page_jpeg(5, 800, 600, 85))
        .await
        .expect_status(201);
    app.post(&format!("/v1/documents/{doc}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    send_chunk(&app, &teacher, &path, 100, &photo[100..])
        .await
        .expect_problem(409, "document_submitted");
    assert_eq!(pages_of(&app, &teacher, doc).await.len(), 1);
    // It waits, whole, until its teacher terminates it.
    assert_eq!(offset_of(&app, &teacher, &path).await, photo.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_last_patch_makes_no_second_page() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let doc = doc.str("id");
    let photo = photo();
    let half = photo.len() / 2;
    let path = start(&app, &teacher, doc, photo.len(), "").await;
    send_chunk(&app, &teacher, &path, 0, &photo[..half])
        .await
        .expect_status(204);
    // Two copies of the last PATCH at once (a retry racing the first): one page.
    let (a, b) = tokio::join!(
        send_chunk(&app, &teacher, &path, half, &photo[half..]),
        send_chunk(&app, &teacher, &path, half, &photo[half..]),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [204, 409], "{} {}", a.text, b.text);
    let made = [&a, &b].into_iter().find(|r| r.status == 204).unwrap();
    let page = made.header("tingke-page-id").expect("the page").to_string();
    // The lost answer's retry learns where the upload stands, then the page.
    send_chunk(&app, &teacher, &path, half, &photo[half..])
        .await
        .expect_problem(409, "upload_offset_mismatch");
    let again = send_chunk(&app, &teacher, &path, photo.len(), &[])
        .await
        .expect_status(204);
    assert_eq!(again.header("tingke-page-id"), Some(page.as_str()));
    let res = head(&app, &teacher, &path).await.expect_status(200);
    assert_eq!(res.header("tingke-page-id"), Some(page.as_str()));
    let pages = pages_of(&app, &teacher, doc).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0]["id"], page.as_str());
}

/// Sends the head of a PATCH and the first `sent` bytes of `body`, then drops the connection:
/// a phone whose network went away in the middle of a chunk.
async fn cut_patch(
    app: &TestApp,
    by: &Session,
    path: &str,
    offset: usize,
    body: &[u8],
    sent: usize,
) {
    let host = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\nContent-Type: {OCTETS}\r\n\
         Content-Length: {}\r\n\r\n",
        by.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream
        .write_all(&body[..sent])
        .await
        .expect("part of the body");
    stream.flush().await.expect("flush");
    // Give the bytes time to reach the server before the connection goes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(stream);
}

/// Waits until the upload holds `want` bytes (the cut request's handler finishes after the
/// connection is gone); the offset it settled on.
async fn settled(app: &TestApp, by: &Session, path: &str, want: usize) -> usize {
    let mut offset = 0;
    for _ in 0..100 {
        offset = offset_of(app, by, path).await;
        if offset == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    offset
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_at_random_bytes_resumes_where_the_server_stopped() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let doc = doc.str("id");
    let photo = photo();
    let path = start(&app, &teacher, doc, photo.len(), "").await;
    let seed = rand::random::<u64>();
    eprintln!("cut seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut offset = 0;
    for _ in 0..6 {
        let rest = &photo[offset..];
        let sent = rng.random_range(1..rest.len() / 2);
        cut_patch(&app, &teacher, &path, offset, rest, sent).await;
        let held = settled(&app, &teacher, &path, offset + sent).await;
        assert_eq!(
            held,
            offset + sent,
            "the bytes before the cut are kept (seed {seed})"
        );
        offset = held;
    }
    let last = send_rest(&app, &teacher, &path, &photo, offset, photo.len()).await;
    let page = last.header("tingke-page-id").expect("the page").to_string();
    assert_same_page(&app, &teacher, doc, &page, &photo).await;
}

/// The real binary killed (SIGKILL) in the middle of an upload: the new process answers where
/// the upload stands, and the rest makes the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_resumes_after_the_server_is_killed_and_started_again() {
    let (config, dir, pg) = test_config();
    let start_server = |dir: &std::path::Path, port: u16| {
        let mut cmd = tingke(dir, &config.database_url);
        with_storage(&mut cmd, &config.storage);
        serve_with(cmd, port)
    };
    let port = free_port();
    let mut server = start_server(dir.path(), port);
    let address = format!("http://127.0.0.1:{port}");
    wait_ready(&address).await;
    let mut app = attach(config.clone(), dir, pg, address);
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let doc = doc.str("id").to_string();
    let photo = photo();
    let path = start(&app, &teacher, &doc, photo.len(), "").await;
    let half = photo.len() / 2;
    send_chunk(&app, &teacher, &path, 0, &photo[..half])
        .await
        .expect_status(204);
    // A chunk in flight when the server dies: its bytes may be lost, never half-counted.
    let host = app.address.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&host).await.expect("connect");
    let head_text = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {half}\r\nContent-Type: {OCTETS}\r\n\
         Content-Length: {}\r\n\r\n",
        teacher.token,
        photo.len() - half
    );
    stream.write_all(head_text.as_bytes()).await.unwrap();
    stream.write_all(&photo[half..half + 1000]).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.sigkill();
    drop(stream);

    let port = free_port();
    let _server = start_server(app.dir(), port);
    app.address = format!("http://127.0.0.1:{port}");
    wait_ready(&app.address).await;
    let held = offset_of(&app, &teacher, &path).await;
    assert!(held == half || held == half + 1000, "held {held}");
    let last = send_rest(&app, &teacher, &path, &photo, held, photo.len()).await;
    let page = last.header("tingke-page-id").expect("the page").to_string();
    assert_same_page(&app, &teacher, &doc, &page, &photo).await;
}
