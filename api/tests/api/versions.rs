//! ETags on every updatable record: 304 for a copy still current, 412 for a stale write; and
//! retried edits and deletions with an `Idempotency-Key` answered as the first time.

use crate::helpers::*;
use crate::observations::{create, lesson};
use serde_json::{json, Value};

/// GET `path` gives an ETag, and the same GET with `If-None-Match` answers 304.
async fn cached(app: &TestApp, by: &Session, path: &str) -> String {
    let first = app
        .get(path)
        .token(&by.token)
        .send()
        .await
        .expect_status(200);
    let tag = first.etag();
    let again = app
        .get(path)
        .token(&by.token)
        .header("if-none-match", &tag)
        .send()
        .await
        .expect_status(304);
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    tag
}

#[tokio::test]
async fn a_rubric_is_cached_and_a_stale_replacement_is_refused() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let path = format!("/v1/schools/{}/rubric", principal.school_id());
    let tag = cached(&app, &principal, &path).await;
    let rubric = app.get(&path).token(&principal.token).send().await;
    let items = json!({ "items": rubric.body["items"].clone() });
    let saved = app
        .put(&path)
        .token(&principal.token)
        .header("if-match", &tag)
        .json(items.clone())
        .send()
        .await
        .expect_status(200);
    assert_ne!(saved.etag(), tag, "a new version, a new tag");
    // Another phone still holding the old version is refused, and nothing is saved.
    app.put(&path)
        .token(&principal.token)
        .header("if-match", &tag)
        .json(items)
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    let now = app.get(&path).token(&principal.token).send().await;
    assert_eq!(now.etag(), saved.etag());
    // The old tag no longer answers 304.
    app.get(&path)
        .token(&principal.token)
        .header("if-none-match", &tag)
        .send()
        .await
        .expect_status(200);
}

#[tokio::test]
async fn quota_rules_are_cached_and_a_stale_replacement_is_refused() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let path = format!("/v1/districts/{}/quota-rules", principal.district_id());
    let tag = cached(&app, &admin, &path).await;
    let rules = app.get(&path).token(&admin.token).send().await;
    let rules: Vec<Value> = rules
        .items()
        .iter()
        .map(|r| {
            json!({ "target": r["target"], "role": r["role"], "group_kind": r["group_kind"],
                    "activity": r["activity"], "period": r["period"], "minimum": r["minimum"] })
        })
        .collect();
    let saved = app
        .put(&path)
        .token(&admin.token)
        .header("if-match", &tag)
        .json(json!({ "rules": rules }))
        .send()
        .await
        .expect_status(200);
    assert_ne!(saved.etag(), tag);
    app.put(&path)
        .token(&admin.token)
        .header("if-match", &tag)
        .json(json!({ "rules": [] }))
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    let now = app.get(&path).token(&admin.token).send().await;
    assert_eq!(
        now.items().len(),
        rules.len(),
        "the stale write changed nothing"
    );
}

#[tokio::test]
async fn a_pair_changes_version_when_evaluated_and_refuses_stale_writes() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let pairs = app
        .get("/v1/mentorships")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let id = pairs.items()[0]["id"].as_str().unwrap().to_string();
    let term = pairs.items()[0]["term_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/mentorships/{id}");
    let tag = cached(&app, &principal, &path).await;
    let evaluated = app
        .post(&format!("{path}/evaluations"))
        .token(&principal.token)
        .header("if-match", &tag)
        .json(json!({ "term_id": term, "rating": "good", "comments": "进步明显" }))
        .send()
        .await
        .expect_status(201);
    assert_ne!(evaluated.etag(), tag, "the evaluation is part of the pair");
    // A copy from before the evaluation is no longer current.
    app.get(&path)
        .token(&principal.token)
        .header("if-none-match", &tag)
        .send()
        .await
        .expect_status(200);
    app.post(&format!("{path}/end"))
        .token(&principal.token)
        .header("if-match", &tag)
        .json(json!({ "reason": "调往他校" }))
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    app.post(&format!("{path}/end"))
        .token(&principal.token)
        .header("if-match", &evaluated.etag())
        .json(json!({ "reason": "调往他校" }))
        .send()
        .await
        .expect_status(200);
}

#[tokio::test]
async fn a_retried_edit_or_deletion_answers_as_the_first_time() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let draft = create(
        &app,
        &principal,
        &lesson(&principal.school_id(), teacher.id(), 2, 45),
    )
    .await
    .expect_status(201);
    let path = format!("/v1/observations/{}", draft.str("id"));
    let edit = |key: &'static str| {
        app.patch(&path)
            .token(&principal.token)
            .header("if-match", &draft.etag())
            .header("idempotency-key", key)
            .json(json!({ "topic": "秋天的雨(第二课时)" }))
    };
    let first = edit("edit-1").send().await.expect_status(200);
    // The answer was lost: the retry with the same key is not a stale edit.
    let again = edit("edit-1").send().await.expect_status(200);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // A new edit from the same stale copy is.
    edit("edit-2")
        .send()
        .await
        .expect_problem(412, "precondition_failed");

    let delete = || {
        app.delete(&path)
            .token(&principal.token)
            .header("idempotency-key", "delete-1")
    };
    delete().send().await.expect_status(204);
    delete().send().await.expect_status(204);
    app.get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn a_document_changed_on_another_phone_refuses_a_stale_write() {
    use crate::documents::{create_document, multipart, upload};
    use tingke_api::photo::testimages;
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let (id, stale) = (doc.str("id").to_string(), doc.etag());
    // Another phone of the teacher adds a page: the document has a new version.
    let page = upload(&app, &teacher, &id, &testimages::page_jpeg(1, 600, 800, 80))
        .await
        .expect_status(201);
    let (body, content_type) = multipart(&[(
        "file",
        Some("page.jpg"),
        &testimages::page_jpeg(2, 600, 800, 80),
    )]);
    let path = format!("/v1/documents/{id}");
    let stale_writes = [
        app.post(&format!("{path}/pages")).raw(body, &content_type),
        app.delete(&format!("{path}/pages/{}", page.str("id"))),
        app.put(&format!("{path}/pages/order"))
            .json(json!({ "page_ids": [page.str("id")] })),
        app.post(&format!("{path}/submit")),
        app.delete(&path),
    ];
    for call in stale_writes {
        call.token(&teacher.token)
            .header("if-match", &stale)
            .send()
            .await
            .expect_problem(412, "precondition_failed");
    }
    // Nothing changed; with the current tag the submit goes through.
    let current = app
        .get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(current.body["pages"].as_array().unwrap().len(), 1);
    app.post(&format!("{path}/submit"))
        .token(&teacher.token)
        .header("if-match", &current.etag())
        .send()
        .await
        .expect_status(200);
}
