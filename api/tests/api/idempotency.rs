//! `Idempotency-Key`: a retried POST gets the first answer, also after a restart.

use crate::helpers::*;
use crate::observations::{create, lesson};
use serde_json::json;

async fn submit_with_key(
    app: &TestApp,
    address: &str,
    by: &Session,
    id: &str,
    key: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{address}/v1/observations/{id}/submit"))
        .bearer_auth(&by.token)
        .header("idempotency-key", key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_submit_gets_the_first_answer_even_after_a_restart() {
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
    let id = draft.str("id");
    let first = app
        .post(&format!("/v1/observations/{id}/submit"))
        .token(&principal.token)
        .header("idempotency-key", "submit-1")
        .send()
        .await
        .expect_status(200);
    let again = app
        .post(&format!("/v1/observations/{id}/submit"))
        .token(&principal.token)
        .header("idempotency-key", "submit-1")
        .send()
        .await
        .expect_status(200);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("etag"), first.header("etag"));
    // Without the key the same retry is a conflict.
    app.post(&format!("/v1/observations/{id}/submit"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(409, "already_submitted");

    // A restarted server (new connections, nothing in memory) still knows the answer.
    let restarted = app.restarted().await;
    let replayed = submit_with_key(&app, &restarted, &principal, id, "submit-1").await;
    assert_eq!(replayed.status(), 200);
    let body: serde_json::Value = replayed.json().await.unwrap();
    assert_eq!(body, first.body);
}

#[tokio::test]
async fn a_key_belongs_to_one_request_of_one_user() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = principal.school_id();
    let a = create(&app, &principal, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_status(201);
    let b = create(&app, &principal, &lesson(&school, teacher.id(), 3, 45))
        .await
        .expect_status(201);
    app.post(&format!("/v1/observations/{}/submit", a.str("id")))
        .token(&principal.token)
        .header("idempotency-key", "k1")
        .send()
        .await
        .expect_status(200);
    app.post(&format!("/v1/observations/{}/submit", b.str("id")))
        .token(&principal.token)
        .header("idempotency-key", "k1")
        .send()
        .await
        .expect_problem(422, "idempotency_key_reused");
    // Another user's key of the same name is theirs.
    let ack = app
        .post(&format!("/v1/observations/{}/acknowledge", a.str("id")))
        .token(&teacher.token)
        .header("idempotency-key", "k1")
        .json(json!({ "reply": "好" }))
        .send()
        .await
        .expect_status(200);
    assert!(ack.header("idempotent-replayed").is_none());
    app.post(&format!("/v1/observations/{}/submit", b.str("id")))
        .token(&principal.token)
        .header("idempotency-key", &"x".repeat(300))
        .send()
        .await
        .expect_problem(400, "invalid_idempotency_key");
    // Refusals are remembered too: the retry of a refused request is refused alike.
    let refused = app
        .post(&format!("/v1/observations/{}/acknowledge", b.str("id")))
        .token(&principal.token)
        .header("idempotency-key", "k2")
        .send()
        .await;
    let again = app
        .post(&format!("/v1/observations/{}/acknowledge", b.str("id")))
        .token(&principal.token)
        .header("idempotency-key", "k2")
        .send()
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (again.status, again.code())
    );
}

/// A refusal changed nothing and is not kept for its key: the phone that was told 412 reads the
/// record again and sends its edit with the new ETag under the same key, and it is done once.
#[tokio::test]
async fn a_refused_write_is_not_replayed_to_its_corrected_retry() {
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
    let edit = |etag: String| {
        app.patch(&path)
            .token(&principal.token)
            .header("idempotency-key", "edit-topic-1")
            .header("if-match", &etag)
            .json(json!({ "topic": "分数的初步认识" }))
            .send()
    };
    let stale = format!("\"{}.0\"", draft.str("id"));
    edit(stale).await.expect_problem(412, "precondition_failed");
    let done = edit(draft.etag()).await.expect_status(200);
    assert_eq!(done.body["topic"], "分数的初步认识");
    assert_eq!(done.header("idempotent-replayed"), None);
    let replayed = edit(draft.etag()).await.expect_status(200);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body["version"], done.body["version"]);
}
