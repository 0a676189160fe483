//! Lesson plans and guided-learning sheets: photographed pages through the real pipeline and
//! store, reviews, the sheet's approval chain, and every kind of bad upload.

use crate::helpers::*;
use serde_json::{json, Value};
use tingke_api::photo::testimages;

/// A `multipart/form-data` body: `(name, filename, bytes)` per part.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (Vec<u8>, String) {
    let boundary = "tingke-test-boundary-7d2f";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

pub fn new_document(school: &str, kind: &str) -> Value {
    json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "kind": kind, "school_id": school, "subject": "数学", "grade": "五年级",
        "topic": "分数的意义", "lesson_date": chrono::Utc::now().format("%Y-%m-%d").to_string()
    })
}

pub async fn create_document(app: &TestApp, by: &Session, kind: &str) -> Response {
    app.post("/v1/documents")
        .token(&by.token)
        .json(new_document(&by.school_id(), kind))
        .send()
        .await
}

pub async fn upload(app: &TestApp, by: &Session, doc: &str, bytes: &[u8]) -> Response {
    let (body, content_type) = multipart(&[("file", Some("page.jpg"), bytes)]);
    app.post(&format!("/v1/documents/{doc}/pages"))
        .token(&by.token)
        .raw(body, &content_type)
        .send()
        .await
}

async fn fetch(url: &str) -> (u16, Vec<u8>) {
    let res = reqwest::get(url).await.expect("fetch");
    let status = res.status().as_u16();
    (status, res.bytes().await.unwrap().to_vec())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_portrait_phone_photo_comes_back_upright_and_without_exif() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let photo = testimages::portrait_photo_with_exif(3, 1600, 1200);
    assert!(
        contains(&photo, &testimages::gps_latitude_bytes()),
        "the input has GPS"
    );
    let page = upload(&app, &teacher, doc.str("id"), &photo)
        .await
        .expect_status(201);
    assert_eq!(
        (page.body["width"].clone(), page.body["height"].clone()),
        (json!(1200), json!(1600))
    );
    assert_eq!(page.body["index"], 1);
    assert_eq!(page.str("sha256").len(), 64);

    let (status, stored) = fetch(page.str("image_url")).await;
    assert_eq!(status, 200);
    let image = image::load_from_memory(&stored).expect("a JPEG");
    assert_eq!(
        (image.width(), image.height()),
        (1200, 1600),
        "upright: portrait"
    );
    assert!(!contains(&stored, b"Exif"), "no EXIF left");
    assert!(
        !contains(&stored, &testimages::gps_latitude_bytes()),
        "no GPS left"
    );
    assert!(!contains(&stored, testimages::EXIF_MAKE));
    // The dark mark of the upright page's top-left corner is at the top left.
    let corner = image.to_luma8().get_pixel(40, 40).0[0];
    assert!(
        corner < 80,
        "the corner mark is where the teacher saw it: {corner}"
    );
    let (_, thumb) = fetch(page.str("thumbnail_url")).await;
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!(thumb.height().max(thumb.width()), 320);
}

/// An iPhone's HEIC photo, stored landscape with a rotation (`irot`), EXIF Orientation 6 and GPS,
/// is stored like a JPEG: turned upright once, as JPEG, with no metadata.
#[cfg(feature = "heic")]
#[tokio::test]
async fn a_heic_phone_photo_is_stored_upright_as_a_jpeg_without_exif() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let photo = testimages::heic_rotated_with_exif();
    assert!(contains(photo, &testimages::gps_latitude_bytes()));
    let page = upload(&app, &teacher, doc.str("id"), photo)
        .await
        .expect_status(201);
    assert_eq!(
        (page.body["width"].clone(), page.body["height"].clone()),
        (json!(600), json!(800))
    );
    let (status, stored) = fetch(page.str("image_url")).await;
    assert_eq!(status, 200);
    let image = image::load_from_memory_with_format(&stored, image::ImageFormat::Jpeg)
        .expect("stored as JPEG");
    assert_eq!((image.width(), image.height()), (600, 800), "upright");
    let corner = image.to_luma8().get_pixel(25, 25).0[0];
    assert!(corner < 80, "the mark is top-left, turned once: {corner}");
    assert!(!contains(&stored, b"Exif"), "no EXIF left");
    assert!(!contains(&stored, &testimages::gps_latitude_bytes()));
    assert!(!contains(&stored, testimages::EXIF_MAKE));
    let (_, thumb) = fetch(page.str("thumbnail_url")).await;
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (240, 320));
}

/// A server built without the feature `heic` tells the app to convert the photo, keeps
/// nothing, and takes the JPEG the app sends instead.
#[cfg(not(feature = "heic"))]
#[tokio::test]
async fn without_heic_support_a_heic_photo_is_refused_with_the_code_to_convert_it() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let pages = app.count("pages");
    for heic in [
        testimages::heic_page(),
        testimages::heic_rotated_with_exif(),
    ] {
        upload(&app, &teacher, doc.str("id"), heic)
            .await
            .expect_problem(415, "heic_not_enabled");
    }
    assert_eq!(app.count("pages"), pages, "nothing kept");
    upload(
        &app,
        &teacher,
        doc.str("id"),
        &testimages::page_jpeg(2, 600, 800, 85),
    )
    .await
    .expect_status(201);
}

#[tokio::test]
async fn a_lesson_plan_is_photographed_reviewed_rectified_and_approved() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let dean = app.demo(DEAN_A).await;
    let body = new_document(&teacher.school_id(), "lesson_plan");
    let doc = app
        .post("/v1/documents")
        .token(&teacher.token)
        .json(body.clone())
        .send()
        .await
        .expect_status(201);
    let again = app
        .post("/v1/documents")
        .token(&teacher.token)
        .json(body)
        .send()
        .await
        .expect_status(200);
    assert_eq!(again.str("id"), doc.str("id"));
    let id = doc.str("id").to_string();
    let path = format!("/v1/documents/{id}");

    let pages = [
        testimages::page_jpeg(1, 3000, 4000, 85),
        testimages::page_png(2, 900, 1200),
        testimages::page_webp(3, 900, 1200),
    ];
    let mut ids = Vec::new();
    for (i, bytes) in pages.iter().enumerate() {
        let page = upload(&app, &teacher, &id, bytes).await.expect_status(201);
        assert_eq!(page.body["index"], i + 1);
        ids.push(page.str("id").to_string());
    }
    let big = app
        .get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        big.body["pages"][0]["height"], 2400,
        "long edge at most 2400"
    );
    assert_eq!(big.body["pages"][0]["width"], 1800);

    // Reorder, then delete the middle page.
    let order = json!({ "page_ids": [ids[2], ids[0], ids[1]] });
    let reordered = app
        .put(&format!("{path}/pages/order"))
        .token(&teacher.token)
        .json(order)
        .send()
        .await
        .expect_status(200);
    assert_eq!(reordered.body["pages"][0]["id"], ids[2].as_str());
    app.delete(&format!("{path}/pages/{}", ids[0]))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(204);
    let now = app
        .get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let order: Vec<&str> = now.body["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [ids[2].as_str(), ids[1].as_str()]);

    // Nobody but the teacher sees a draft; once submitted the dean reviews it.
    app.get(&path)
        .token(&dean.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.post(&format!("{path}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    upload(&app, &teacher, &id, &pages[1])
        .await
        .expect_problem(409, "document_submitted");
    let deadline = (chrono::Utc::now() + chrono::Duration::days(7))
        .format("%Y-%m-%d")
        .to_string();
    let reviewed = app
        .post(&format!("{path}/reviews"))
        .token(&dean.token)
        .json(json!({
            "verdict": "needs_revision", "comments": "教学目标不够具体",
            "guidance": "把三维目标分开写", "rectify_by": deadline
        }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(reviewed.str("status"), "needs_revision");
    assert_eq!(reviewed.body["reviews"][0]["rectify_by"], deadline.as_str());
    // The teacher rectifies: a new page, resubmitted; the request is settled.
    upload(
        &app,
        &teacher,
        &id,
        &testimages::page_jpeg(9, 900, 1200, 85),
    )
    .await
    .expect_status(201);
    let resubmitted = app
        .post(&format!("{path}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert!(resubmitted.body["reviews"][0]["resolved_at"].is_string());
    let approved = app
        .post(&format!("{path}/reviews"))
        .token(&dean.token)
        .json(json!({ "verdict": "approved", "comments": "好" }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(approved.str("status"), "approved");
    app.post(&format!("{path}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(409, "already_submitted");
}

#[tokio::test]
async fn a_guided_learning_sheet_needs_the_grade_leader_then_a_leader() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let grade_leader = app.demo(GRADE_LEADER_A).await;
    let principal = app.demo(PRINCIPAL_A).await;
    let doc = create_document(&app, &teacher, "guided_learning_sheet")
        .await
        .expect_status(201);
    let path = format!("/v1/documents/{}", doc.str("id"));
    app.post(&format!("{path}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(422, "no_pages");
    upload(
        &app,
        &teacher,
        doc.str("id"),
        &testimages::page_jpeg(4, 900, 1200, 85),
    )
    .await
    .expect_status(201);
    app.post(&format!("{path}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    // Out of order: a sign-off before the grade-group leader's approval.
    app.post(&format!("{path}/sign-off"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(409, "invalid_transition");
    app.post(&format!("{path}/approve"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    let approved = app
        .post(&format!("{path}/approve"))
        .token(&grade_leader.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(approved.str("status"), "grade_approved");
    app.post(&format!("{path}/sign-off"))
        .token(&grade_leader.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    let signed = app
        .post(&format!("{path}/sign-off"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(signed.str("status"), "in_use");
    assert_eq!(signed.str("signed_off_by"), principal.id());

    // Nobody signs off their own sheet.
    let own = create_document(&app, &principal, "guided_learning_sheet")
        .await
        .expect_status(201);
    let own_path = format!("/v1/documents/{}", own.str("id"));
    upload(
        &app,
        &principal,
        own.str("id"),
        &testimages::page_jpeg(5, 900, 1200, 85),
    )
    .await
    .expect_status(201);
    app.post(&format!("{own_path}/submit"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    app.post(&format!("{own_path}/approve"))
        .token(&grade_leader.token)
        .send()
        .await
        .expect_status(200);
    app.post(&format!("{own_path}/sign-off"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(403, "cannot_sign_own");
}

#[tokio::test]
async fn bad_uploads_are_refused_and_store_nothing() {
    let app = spawn_app_with(|c| c.photo_limits.max_bytes = 300_000).await;
    let admin = app.admin().await;
    let principal = app.new_school(&admin, "13611112222").await;
    let doc = create_document(&app, &principal, "lesson_plan")
        .await
        .expect_status(201);
    let id = doc.str("id").to_string();
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#.to_vec();
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (testimages::text_file(), 415, "unsupported_format"),
        (svg, 415, "unsupported_format"),
        (gif, 415, "unsupported_format"),
        (Vec::new(), 422, "empty_file"),
        (testimages::truncated_jpeg(), 422, "corrupt_image"),
        (
            testimages::png_bomb_header(100_000, 100_000),
            422,
            "too_many_pixels",
        ),
        (oversized(), 413, "file_too_large"),
    ];
    for (bytes, status, code) in cases {
        upload(&app, &principal, &id, &bytes)
            .await
            .expect_problem(status, code);
    }
    let path = format!("/v1/documents/{id}/pages");
    let (no_file, ct) = multipart(&[("index", None, b"1")]);
    app.post(&path)
        .token(&principal.token)
        .raw(no_file, &ct)
        .send()
        .await
        .expect_problem(422, "missing_file");
    let many: Vec<(&str, Option<&str>, &[u8])> =
        (0..1000).map(|_| ("note", None, &b"x"[..])).collect();
    let (many, ct) = multipart(&many);
    app.post(&path)
        .token(&principal.token)
        .raw(many, &ct)
        .send()
        .await
        .expect_problem(400, "too_many_parts");
    app.post(&path)
        .token(&principal.token)
        .raw("not multipart", "multipart/form-data; boundary=nothing")
        .send()
        .await
        .expect_problem(400, "malformed_multipart");
    assert_eq!(app.count("pages"), 0);
    if uses_files() {
        let stored = walk(&app.dir().join("blobs"));
        assert!(stored.is_empty(), "nothing stored: {stored:?}");
    }
    // The server is still fine.
    upload(
        &app,
        &principal,
        &id,
        &testimages::page_jpeg(1, 600, 800, 80),
    )
    .await
    .expect_status(201);
}

/// A real photo with 400 kB of padding after it: past the test's 300 kB limit.
fn oversized() -> Vec<u8> {
    let mut bytes = testimages::page_jpeg(6, 600, 800, 80);
    bytes.extend(std::iter::repeat_n(0u8, 400_000));
    bytes
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| match e.path().is_dir() {
            true => walk(&e.path()),
            false => vec![e.path()],
        })
        .collect()
}

#[tokio::test]
async fn pages_of_others_or_of_submitted_documents_cannot_be_changed() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let id = doc.str("id");
    let page = testimages::page_jpeg(1, 600, 800, 80);
    upload(&app, &app.demo(TEACHER_B).await, id, &page)
        .await
        .expect_problem(404, "not_found");
    upload(&app, &app.demo(TEACHER_A2).await, id, &page)
        .await
        .expect_problem(404, "not_found");
    upload(&app, &teacher, id, &page).await.expect_status(201);
    app.post(&format!("/v1/documents/{id}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    // A leader sees it now but it is not theirs.
    upload(&app, &app.demo(DEAN_A).await, id, &page)
        .await
        .expect_problem(403, "not_your_document");
    upload(&app, &teacher, id, &page)
        .await
        .expect_problem(409, "document_submitted");
    assert_eq!(app.count("pages"), 1);
}

#[tokio::test]
async fn signed_urls_stop_working_when_altered_or_expired() {
    let app = spawn_app_with(|c| c.url_ttl = std::time::Duration::from_secs(1)).await;
    let admin = app.admin().await;
    let principal = app.new_school(&admin, "13611112222").await;
    let doc = create_document(&app, &principal, "lesson_plan")
        .await
        .expect_status(201);
    let page = upload(
        &app,
        &principal,
        doc.str("id"),
        &testimages::page_jpeg(1, 600, 800, 80),
    )
    .await
    .expect_status(201);
    let url = page.str("image_url").to_string();
    assert_eq!(fetch(&url).await.0, 200);
    if !uses_files() {
        // S3's own presigned URLs: the S3 server refuses them altered or expired.
        let refused = |status: u16| status == 400 || status == 403;
        let altered = url.replace("X-Amz-Signature=", "X-Amz-Signature=00");
        assert!(refused(fetch(&altered).await.0));
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        assert!(refused(fetch(&url).await.0));
        return;
    }
    let path = url.trim_start_matches(&app.address).to_string();
    let altered = path.replace("sig=", "sig=00");
    app.get(&altered)
        .send()
        .await
        .expect_problem(403, "invalid_signature");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.get(&path)
        .send()
        .await
        .expect_problem(403, "url_expired");
}

/// A client calls `GET /v1/files/{token}?expires=&sig=` with the parts a page gives, without
/// taking the URL apart; with S3 the URL is S3's own and there are no parts.
#[tokio::test]
async fn a_page_gives_the_parts_of_its_signed_urls() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let page = upload(
        &app,
        &teacher,
        doc.str("id"),
        &testimages::page_jpeg(4, 600, 800, 80),
    )
    .await
    .expect_status(201);
    if !uses_files() {
        assert_eq!(page.body["image_file"], Value::Null);
        assert_eq!(page.body["thumbnail_file"], Value::Null);
        return;
    }
    for (url, parts) in [
        ("image_url", "image_file"),
        ("thumbnail_url", "thumbnail_file"),
    ] {
        let parts = &page.body[parts];
        let (token, expires, sig) = (
            parts["token"].as_str().unwrap(),
            parts["expires"].as_i64().unwrap(),
            parts["sig"].as_str().unwrap(),
        );
        let path = format!("/v1/files/{token}?expires={expires}&sig={sig}");
        assert_eq!(page.str(url), format!("{}{path}", app.address));
        let image = app.get(&path).send().await.expect_status(200);
        assert_eq!(image.header("content-type"), Some("image/jpeg"));
    }
}

#[tokio::test]
async fn the_same_page_uploaded_again_is_reported() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let colleague = app.demo(TEACHER_A2).await;
    let first = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let original = testimages::page_jpeg(11, 1200, 1600, 90);
    let page = upload(&app, &teacher, first.str("id"), &original)
        .await
        .expect_status(201);
    assert!(page.body["similar_pages"].as_array().unwrap().is_empty());
    // Submitted (a draft is its teacher's alone, and never named to anyone else).
    app.post(&format!("/v1/documents/{}/submit", first.str("id")))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    // A colleague re-photographs it: re-encoded smaller, at another quality.
    let copy = testimages::page_jpeg(11, 900, 1200, 70);
    let theirs = create_document(&app, &colleague, "lesson_plan")
        .await
        .expect_status(201);
    let found = upload(&app, &colleague, theirs.str("id"), &copy)
        .await
        .expect_status(201);
    let similar = found.body["similar_pages"].as_array().unwrap();
    assert_eq!(similar.len(), 1, "{}", found.text);
    assert_eq!(similar[0]["page_id"], page.body["id"]);
    assert_eq!(similar[0]["teacher_id"], teacher.id());
    assert_eq!(similar[0]["exact"], false);
    // The very same file next year: exact.
    let next_year = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let exact = upload(&app, &teacher, next_year.str("id"), &original)
        .await
        .expect_status(201);
    assert!(exact.body["similar_pages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["exact"] == true && p["page_id"] == page.body["id"]));
    // A different page is not reported.
    let different = upload(
        &app,
        &teacher,
        next_year.str("id"),
        &testimages::page_jpeg(12, 1200, 1600, 90),
    )
    .await
    .expect_status(201);
    assert!(different.body["similar_pages"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn overdue_rectifications_are_listed_for_the_school() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let dean = app.demo(DEAN_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let id = doc.str("id");
    upload(&app, &teacher, id, &testimages::page_jpeg(1, 600, 800, 80))
        .await
        .expect_status(201);
    app.post(&format!("/v1/documents/{id}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    app.post(&format!("/v1/documents/{id}/reviews"))
        .token(&dean.token)
        .json(json!({ "verdict": "needs_revision", "comments": "重写", "rectify_by": tomorrow }))
        .send()
        .await
        .expect_status(201);
    let path = format!("/v1/schools/{}/reviews/overdue", teacher.school_id());
    let none = app
        .get(&path)
        .token(&dean.token)
        .send()
        .await
        .expect_status(200);
    assert!(none.items().is_empty(), "not overdue yet");
    // Time passes: the deadline is last week.
    app.execute("UPDATE reviews SET rectify_by = '2020-01-06'");
    let overdue = app
        .get(&path)
        .token(&dean.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(overdue.items().len(), 1);
    assert_eq!(overdue.items()[0]["document_id"], id);
    assert!(overdue.items()[0]["days_overdue"].as_i64().unwrap() > 300);
    app.get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    // A past deadline is refused on the way in; a request for revision needs one.
    app.post(&format!("/v1/documents/{id}/reviews"))
        .token(&dean.token)
        .json(json!({ "verdict": "needs_revision", "rectify_by": "2020-01-01" }))
        .send()
        .await
        .expect_problem(422, "invalid_date_range");
    app.post(&format!("/v1/documents/{id}/reviews"))
        .token(&dean.token)
        .json(json!({ "verdict": "needs_revision" }))
        .send()
        .await
        .expect_problem(422, "rectify_by_required");
}

#[tokio::test]
async fn a_failing_store_answers_503_and_keeps_no_page() {
    // Local files whatever the run's store: a broken disk is easy to make here.
    let app = spawn_app_with(|c| {
        c.storage = tingke_api::storage::StorageConfig::File {
            root: c.data_dir.join("blobs"),
        }
    })
    .await;
    let admin = app.admin().await;
    let principal = app.new_school(&admin, "13611112222").await;
    let doc = create_document(&app, &principal, "lesson_plan")
        .await
        .expect_status(201);
    // The blob folder is replaced by a file: every write fails as on a broken disk.
    let blobs = app.dir().join("blobs");
    let _ = std::fs::remove_dir_all(&blobs);
    std::fs::write(&blobs, b"not a folder").unwrap();
    upload(
        &app,
        &principal,
        doc.str("id"),
        &testimages::page_jpeg(1, 600, 800, 80),
    )
    .await
    .expect_problem(503, "service_unavailable");
    assert_eq!(app.count("pages"), 0);
    std::fs::remove_file(&blobs).unwrap();
    upload(
        &app,
        &principal,
        doc.str("id"),
        &testimages::page_jpeg(1, 600, 800, 80),
    )
    .await
    .expect_status(201);
}

/// A phone sends its queued pages in parallel: every one lands, each in a place of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_uploaded_to_one_document_at_once_all_land() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let id = doc.str("id");
    let photos: Vec<Vec<u8>> = (0..5)
        .map(|i| testimages::page_jpeg(40 + i, 600, 800, 80))
        .collect();
    let uploads = photos.iter().map(|p| upload(&app, &teacher, id, p));
    for res in futures_util::future::join_all(uploads).await {
        res.expect_status(201);
    }
    let d = app
        .get(&format!("/v1/documents/{id}"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let positions: Vec<u64> = d.body["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["index"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, vec![1, 2, 3, 4, 5]);
}

/// The archive showed draft lesson plans, with working page URLs, to the school's leaders, and
/// `similar_pages` named other teachers' drafts (issue 26, item 6). A draft is its teacher's
/// alone in every answer; once submitted it shows as before.
#[tokio::test]
async fn drafts_are_in_no_answer_to_anyone_but_their_teacher() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let colleague = app.demo(TEACHER_A2).await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school_year = app
        .get(&format!("/v1/districts/{}/terms", teacher.district_id()))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200)
        .items()[0]["school_year"]
        .as_str()
        .unwrap()
        .to_string();
    let photo = testimages::page_jpeg(21, 900, 1200, 85);
    let draft = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let draft_id = draft.str("id").to_string();
    upload(&app, &teacher, &draft_id, &photo)
        .await
        .expect_status(201);
    let archive = |by: Session| {
        let path = format!(
            "/v1/users/{}/archive?school_year={school_year}",
            teacher.id()
        );
        let call = app.get(&path).token(&by.token);
        async move { call.send().await.expect_status(200) }
    };
    let ids = |res: &Response| -> Vec<String> {
        res.body["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!ids(&archive(principal.clone()).await).contains(&draft_id));
    assert!(ids(&archive(teacher.clone()).await).contains(&draft_id));
    // The same page photographed into a colleague's plan: the draft is not named.
    let copy = create_document(&app, &colleague, "lesson_plan")
        .await
        .expect_status(201);
    let page = upload(&app, &colleague, copy.str("id"), &photo)
        .await
        .expect_status(201);
    assert_eq!(page.body["similar_pages"], json!([]), "{}", page.text);
    // Submitted, it is the leaders' to see and the colleague's upload names it.
    upload(
        &app,
        &teacher,
        &draft_id,
        &testimages::page_jpeg(22, 900, 1200, 85),
    )
    .await
    .expect_status(201);
    app.post(&format!("/v1/documents/{draft_id}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert!(ids(&archive(principal.clone()).await).contains(&draft_id));
    let again = create_document(&app, &colleague, "lesson_plan")
        .await
        .expect_status(201);
    let page = upload(&app, &colleague, again.str("id"), &photo)
        .await
        .expect_status(201);
    let named = page.body["similar_pages"].as_array().unwrap();
    assert!(
        named.iter().any(|p| p["document_id"] == draft_id.as_str()),
        "{}",
        page.text
    );
}
