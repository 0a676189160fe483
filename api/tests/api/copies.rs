//! Copied plans (issue 24): the same handwritten page photographed again anywhere in the
//! district is found through the index of prints, shown to each as they may know of it, and
//! reported per school and for the district.

use crate::documents::{create_document, upload};
use crate::helpers::*;
use serde_json::Value;
use tingke_api::photo::corpus;

fn jpeg(page: image::RgbImage, quality: u8) -> Vec<u8> {
    tingke_api::photo::testimages::jpeg(&image::DynamicImage::ImageRgb8(page), quality)
}

/// Page `seed` of the corpus as a scanner would give it.
pub(crate) fn scanned(seed: u64) -> Vec<u8> {
    jpeg(corpus::page(seed), 88)
}

/// The case: the page photographed flat on a desk (`corpus::flat_on_a_desk`).
pub(crate) fn flat_on_a_desk(seed: u64) -> Vec<u8> {
    jpeg(corpus::flat_on_a_desk(seed), 80)
}

/// A submitted lesson plan of `by` with one page of `photo`: (document, page answer).
pub(crate) async fn submitted_page(
    app: &TestApp,
    by: &Session,
    photo: &[u8],
) -> (String, Response) {
    let doc = create_document(app, by, "lesson_plan")
        .await
        .expect_status(201);
    let page = upload(app, by, doc.str("id"), photo)
        .await
        .expect_status(201);
    app.post(&format!("/v1/documents/{}/submit", doc.str("id")))
        .token(&by.token)
        .send()
        .await
        .expect_status(200);
    (doc.str("id").to_string(), page)
}

fn same_pages_of(document: &Response) -> Vec<Value> {
    document.body["pages"][0]["same_pages"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", document.text))
        .clone()
}

async fn current_term(app: &TestApp, by: &Session) -> String {
    app.get("/v1/quotas/progress")
        .token(&by.token)
        .send()
        .await
        .expect_status(200)
        .str("term_id")
        .to_string()
}

#[tokio::test]
async fn a_page_photographed_flat_on_a_desk_in_another_school_is_found() {
    let app = spawn_demo_app().await;
    let (teacher_a, teacher_b) = (app.demo(TEACHER_A).await, app.demo(TEACHER_B).await);
    let (principal_a, researcher) = (app.demo(PRINCIPAL_A).await, app.demo(RESEARCHER).await);
    assert_ne!(teacher_a.school_id(), teacher_b.school_id());
    let (doc_a, page_a) = submitted_page(&app, &teacher_a, &scanned(7)).await;
    assert_eq!(page_a.body["same_pages"], serde_json::json!([]));

    // In the other school, a teacher photographs the same page: found, but not whose.
    let (doc_b, page_b) = submitted_page(&app, &teacher_b, &flat_on_a_desk(7)).await;
    let found = page_b.body["same_pages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", page_b.text);
    assert_eq!(found[0]["kind"], "other_teacher");
    assert!(found[0]["strength"].as_i64().unwrap() >= 16);
    for hidden in ["page_id", "document_id", "teacher_id", "school_id"] {
        assert_eq!(found[0][hidden], Value::Null, "{hidden}");
    }

    // The first teacher and their principal see it the same way; the district's researcher
    // sees whose.
    let read = |by: &Session, doc: &str| {
        app.get(&format!("/v1/documents/{doc}"))
            .token(&by.token)
            .send()
    };
    for by in [&teacher_a, &principal_a] {
        let seen = same_pages_of(&read(by, &doc_a).await.expect_status(200));
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0]["teacher_id"], Value::Null);
    }
    let seen = same_pages_of(&read(&researcher, &doc_a).await.expect_status(200));
    assert_eq!(seen[0]["page_id"], page_b.body["id"]);
    assert_eq!(seen[0]["teacher_id"], teacher_b.id());
    assert_eq!(seen[0]["school_id"], teacher_b.school_id());
    let seen = same_pages_of(&read(&researcher, &doc_b).await.expect_status(200));
    assert_eq!(seen[0]["page_id"], page_a.body["id"]);

    // The district's report pairs the two teachers, the pages side by side.
    let term = current_term(&app, &principal_a).await;
    let district = teacher_a.district_id();
    let report = app
        .get(&format!(
            "/v1/districts/{district}/same-pages?term_id={term}"
        ))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    let pairs = report.body["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{}", report.text);
    assert_eq!(pairs[0]["kind"], "other_teacher");
    assert_eq!(pairs[0]["pages"], 1);
    let both = [teacher_a.id(), teacher_b.id()];
    assert!(both.contains(&pairs[0]["teacher_id"].as_str().unwrap()));
    assert!(both.contains(&pairs[0]["other_teacher_id"].as_str().unwrap()));
    let m = &pairs[0]["matches"][0];
    for side in ["page", "other"] {
        let thumb = m[side]["thumbnail_url"].as_str().unwrap();
        assert!(thumb.starts_with("http"), "{thumb}");
    }
    // School A's report holds no pair: the other page is in school B.
    let school_report = |by: &Session| {
        app.get(&format!(
            "/v1/schools/{}/same-pages?term_id={term}",
            teacher_a.school_id()
        ))
        .token(&by.token)
        .send()
    };
    let ours = school_report(&principal_a).await.expect_status(200);
    assert_eq!(ours.body["pairs"], serde_json::json!([]));
    school_report(&teacher_a)
        .await
        .expect_problem(403, "forbidden");
    app.get(&format!(
        "/v1/districts/{district}/same-pages?term_id={term}"
    ))
    .token(&principal_a.token)
    .send()
    .await
    .expect_problem(403, "forbidden");
}

#[tokio::test]
async fn a_teachers_own_page_again_is_a_reuse_and_a_colleagues_copy_is_named_in_the_school() {
    let app = spawn_demo_app().await;
    let (teacher, colleague) = (app.demo(TEACHER_A).await, app.demo(TEACHER_A2).await);
    let principal = app.demo(PRINCIPAL_A).await;
    let (_, first) = submitted_page(&app, &teacher, &scanned(11)).await;
    // Next year, the same teacher photographs the same page again.
    let (_, again) = submitted_page(&app, &teacher, &flat_on_a_desk(11)).await;
    let found = again.body["same_pages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", again.text);
    assert_eq!(found[0]["kind"], "reused");
    assert_eq!(found[0]["page_id"], first.body["id"]);
    // A colleague of the same school copies it: named to them (their own school).
    let (_, copy) = submitted_page(&app, &colleague, &flat_on_a_desk(11)).await;
    let found = copy.body["same_pages"].as_array().unwrap();
    assert_eq!(found.len(), 2, "{}", copy.text);
    assert!(found.iter().all(|f| f["kind"] == "other_teacher"));
    assert!(found.iter().all(|f| f["teacher_id"] == teacher.id()));
    // The school's report: the pair of teachers with two pages, and the reuse on its own.
    let term = current_term(&app, &principal).await;
    let report = app
        .get(&format!(
            "/v1/schools/{}/same-pages?term_id={term}",
            principal.school_id()
        ))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let pairs = report.body["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 2, "{}", report.text);
    assert_eq!(pairs[0]["kind"], "other_teacher");
    assert_eq!(pairs[0]["pages"], 2);
    assert_eq!(pairs[1]["kind"], "reused");
    assert_eq!(pairs[1]["teacher_id"], teacher.id());
    assert_eq!(pairs[1]["other_teacher_id"], teacher.id());
}

#[tokio::test]
async fn blank_ruled_and_noise_pages_match_nothing_nor_do_pages_on_one_printed_form() {
    let app = spawn_demo_app().await;
    let (teacher, colleague) = (app.demo(TEACHER_A).await, app.demo(TEACHER_B).await);
    let on_form: Vec<u64> = (1..=40)
        .filter(|&s| corpus::on_the_printed_form(s))
        .collect();
    let theirs = [
        jpeg(corpus::blank_page(), 88),
        jpeg(corpus::ruled_page(), 88),
        jpeg(corpus::noise_page(1), 88),
        scanned(on_form[0]),
    ];
    for photo in &theirs {
        submitted_page(&app, &teacher, photo).await;
    }
    // Photographed by someone else: blank and ruled paper again, other noise, another page on
    // the same printed form, the empty form.
    let ours = [
        jpeg(corpus::blank_page(), 60),
        jpeg(corpus::ruled_page(), 60),
        jpeg(corpus::noise_page(2), 88),
        scanned(on_form[1]),
        jpeg(corpus::form_page(), 88),
    ];
    for (i, photo) in ours.iter().enumerate() {
        let (_, page) = submitted_page(&app, &colleague, photo).await;
        assert_eq!(
            page.body["same_pages"],
            serde_json::json!([]),
            "{i}: {}",
            page.text
        );
    }
}

#[tokio::test]
async fn a_report_for_a_term_of_another_district_or_unknown_is_404() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    app.get(&format!("/v1/schools/{school}/same-pages?term_id=nope"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(404, "term_not_found");
    app.get(&format!("/v1/schools/{school}/same-pages"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_query");
    app.get("/v1/districts/nope/same-pages?term_id=nope")
        .token(&principal.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

/// Pages uploaded before the index existed (their prints, marks and matches wiped here) get
/// their prints from `tingke rebuild-prints`, which finds the matches again; run twice, the
/// second run has nothing to do.
#[tokio::test]
async fn rebuild_prints_indexes_pages_uploaded_before_the_index() {
    let app = spawn_demo_app().await;
    let (teacher_a, teacher_b) = (app.demo(TEACHER_A).await, app.demo(TEACHER_B).await);
    let researcher = app.demo(RESEARCHER).await;
    let (doc_a, _) = submitted_page(&app, &teacher_a, &scanned(9)).await;
    let (_, page_b) = submitted_page(&app, &teacher_b, &flat_on_a_desk(9)).await;
    assert_eq!(page_b.body["same_pages"].as_array().unwrap().len(), 1);
    for table in ["page_matches", "page_marks", "mark_counts", "page_prints"] {
        app.execute(&format!("DELETE FROM {table}"));
    }
    let read = || {
        app.get(&format!("/v1/documents/{doc_a}"))
            .token(&researcher.token)
            .send()
    };
    assert!(same_pages_of(&read().await.expect_status(200)).is_empty());
    let pages = app.count("pages");
    let rebuild = || crate::process::run_on(&app, &["rebuild-prints"]);
    let first = rebuild();
    assert!(first.contains(&format!("{pages} pages printed")), "{first}");
    assert_eq!(app.count("page_prints"), pages);
    let seen = same_pages_of(&read().await.expect_status(200));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["page_id"], page_b.body["id"]);
    let again = rebuild();
    assert!(again.contains("0 pages printed"), "{again}");
}

/// After keys of a new version (the migration drops the marks of the older ones), the kept
/// prints are marked again by `tingke rebuild-prints` from the prints alone, and a page
/// photographed again is found among them; a page of the older keys deleted before that takes
/// nothing from the counts.
#[tokio::test]
async fn rebuild_prints_marks_the_prints_of_older_keys_again() {
    let app = spawn_demo_app().await;
    let (teacher_a, teacher_b) = (app.demo(TEACHER_A).await, app.demo(TEACHER_B).await);
    let (doc_a, page_a) = submitted_page(&app, &teacher_a, &scanned(11)).await;
    let draft = create_document(&app, &teacher_a, "lesson_plan")
        .await
        .expect_status(201);
    let (doc_gone, page_gone) = (
        draft.str("id"),
        upload(&app, &teacher_a, draft.str("id"), &scanned(12)).await,
    );
    // As the migration to new keys leaves the index: prints of the older keys, no marks.
    app.execute("UPDATE page_prints SET keys_version = 1");
    app.execute("DELETE FROM page_marks");
    app.execute("DELETE FROM mark_counts");
    app.delete(&format!(
        "/v1/documents/{doc_gone}/pages/{}",
        page_gone.expect_status(201).str("id")
    ))
    .token(&teacher_a.token)
    .send()
    .await
    .expect_status(204);
    assert_eq!(app.count("mark_counts"), 0);
    let prints = app.count("page_prints");
    let first = crate::process::run_on(&app, &["rebuild-prints"]);
    assert!(
        first.contains(&format!("{prints} prints marked again")),
        "{first}"
    );
    assert!(app.count("page_marks") > 0);
    let (_, page_b) = submitted_page(&app, &teacher_b, &flat_on_a_desk(11)).await;
    let found = page_b.body["same_pages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", page_b.text);
    let researcher = app.demo(RESEARCHER).await;
    let read = app
        .get(&format!("/v1/documents/{doc_a}"))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(same_pages_of(&read)[0]["page_id"], page_b.body["id"]);
    assert_ne!(page_a.body["id"], page_b.body["id"]);
    let again = crate::process::run_on(&app, &["rebuild-prints"]);
    assert!(again.contains("0 prints marked again"), "{again}");
}

/// A deleted page leaves the index: its marks, their counts (a mark of no page is not counted)
/// and its matches go with it.
#[tokio::test]
async fn a_deleted_page_is_found_no_more() {
    let app = spawn_demo_app().await;
    let (teacher_a, teacher_b) = (app.demo(TEACHER_A).await, app.demo(TEACHER_B).await);
    let (_, first) = submitted_page(&app, &teacher_a, &scanned(13)).await;
    let (marks, counted) = (app.count("page_marks"), app.count("mark_counts"));
    let doc = create_document(&app, &teacher_b, "lesson_plan")
        .await
        .expect_status(201);
    let page = upload(&app, &teacher_b, doc.str("id"), &flat_on_a_desk(13))
        .await
        .expect_status(201);
    assert_eq!(page.body["same_pages"].as_array().unwrap().len(), 1);
    assert!(app.count("page_marks") > marks);
    app.delete(&format!(
        "/v1/documents/{}/pages/{}",
        doc.str("id"),
        page.str("id")
    ))
    .token(&teacher_b.token)
    .send()
    .await
    .expect_status(204);
    assert_eq!(app.count("page_marks"), marks);
    // A mark no page holds any more is not counted.
    assert_eq!(app.count("mark_counts"), counted);
    assert_eq!(app.count("page_matches"), 0);
    // Uploaded again by the first teacher: found the same page as their own, nothing else.
    let next = create_document(&app, &teacher_a, "lesson_plan")
        .await
        .expect_status(201);
    let again = upload(&app, &teacher_a, next.str("id"), &flat_on_a_desk(13))
        .await
        .expect_status(201);
    let found = again.body["same_pages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", again.text);
    assert_eq!(found[0]["page_id"], first.body["id"]);
}

/// The index is the database's: a server started afresh on the same data finds a page the
/// first one indexed.
#[tokio::test]
async fn the_index_survives_a_restart() {
    let app = spawn_demo_app().await;
    let teacher_a = app.demo(TEACHER_A).await;
    submitted_page(&app, &teacher_a, &scanned(17)).await;
    let again = app.another_instance().await;
    let teacher_b = again.demo(TEACHER_B).await;
    let (_, page) = submitted_page(&again, &teacher_b, &flat_on_a_desk(17)).await;
    let found = page.body["same_pages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", page.text);
    assert!(found[0]["strength"].as_i64().unwrap() >= 16);
}
