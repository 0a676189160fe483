//! Bad input gets a clear 4xx with a stable code, and stores nothing.

use crate::helpers::*;
use serde_json::json;

async fn school_and_principal(app: &TestApp) -> (Session, String) {
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    (principal, format!("/v1/schools/{school}/members"))
}

#[tokio::test]
async fn malformed_json_wrong_types_and_missing_fields() {
    let app = spawn_demo_app().await;
    let (principal, path) = school_and_principal(&app).await;
    let users = app.count("users");
    let cases: Vec<(&str, u16, &str)> = vec![
        (r#"{"name": "半个"#, 400, "malformed_json"),
        ("", 400, "malformed_json"),
        ("[1,2,3]", 422, "wrong_type"),
        (
            r#"{"name": 5, "phone": "13611110001", "password": "long-enough", "roles": ["teacher"]}"#,
            422,
            "wrong_type",
        ),
        (
            r#"{"name": "甲", "phone": "13611110001", "password": "long-enough", "roles": "teacher"}"#,
            422,
            "wrong_type",
        ),
        // `password` may be left out (a one-time password is made); `roles` may not.
        (
            r#"{"name": "甲", "phone": "13611110001", "password": "long-enough"}"#,
            422,
            "missing_field",
        ),
    ];
    for (body, status, code) in cases {
        app.post(&path)
            .token(&principal.token)
            .raw(body, "application/json")
            .send()
            .await
            .expect_problem(status, code);
    }
    assert_eq!(app.count("users"), users);
}

#[tokio::test]
async fn field_rules_have_their_own_codes_and_name_the_field() {
    let app = spawn_demo_app().await;
    let (principal, path) = school_and_principal(&app).await;
    let users = app.count("users");
    let valid = json!({
        "name": "新老师", "phone": "13611110001", "password": "long-enough",
        "roles": ["teacher"], "subjects": ["数学"]
    });
    let cases = [
        ("phone", json!("12345"), "invalid_phone"),
        ("phone", json!("1361111000１"), "invalid_phone"),
        ("password", json!("short"), "password_too_short"),
        ("password", json!("x".repeat(129)), "invalid_length"),
        ("name", json!(""), "invalid_length"),
        ("name", json!("   "), "invalid_length"),
        ("name", json!("甲\u{0}乙"), "invalid_text"),
        ("name", json!("名".repeat(51)), "invalid_length"),
        ("roles", json!([]), "invalid_length"),
        ("subjects", json!(["语\n文"]), "invalid_text"),
    ];
    for (field, value, code) in cases {
        let mut body = valid.clone();
        body[field] = value;
        let res = app
            .post(&path)
            .token(&principal.token)
            .json(body)
            .send()
            .await
            .expect_problem(422, code);
        assert_eq!(res.body["errors"][field][0]["code"], code, "{}", res.text);
    }
    assert_eq!(app.count("users"), users);
}

#[tokio::test]
async fn wrong_content_type_and_oversized_bodies() {
    let app = spawn_app_with(|c| c.json_limit = 1024).await;
    app.post("/v1/auth/login")
        .raw(
            "phone=13900000000&password=x",
            "application/x-www-form-urlencoded",
        )
        .send()
        .await
        .expect_problem(415, "unsupported_media_type");
    let huge = json!({ "phone": ADMIN_PHONE, "password": "x".repeat(4096) });
    app.post("/v1/auth/login")
        .json(huge)
        .send()
        .await
        .expect_problem(413, "payload_too_large");
    // The server is still fine.
    app.admin().await;
}

#[tokio::test]
async fn ids_that_exist_nowhere_are_404() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for path in [
        "/v1/schools/nope",
        "/v1/schools/nope/members",
        "/v1/districts/nope/terms",
        "/v1/districts/nope/members",
        "/v1/schools/..%2F..%2Fetc%2Fpasswd",
        "/v1/schools/'%20OR%201=1--",
    ] {
        app.get(path)
            .token(&admin.token)
            .send()
            .await
            .expect_problem(404, "not_found");
    }
}

#[tokio::test]
async fn nul_characters_anywhere_are_refused_not_a_500() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    app.get("/v1/quotas/progress?term_id=%00")
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_query");
    app.get("/v1/observations/a%00b")
        .token(&principal.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    let before = app.count("observations");
    let body = json!({
        "id": uuid::Uuid::now_v7().to_string(), "school_id": "a\u{0}b",
        "teacher_id": "x", "kind": "unannounced", "subject": "语文", "grade": "一年级",
        "class_name": "一班", "topic": "题", "started_at": "2026-01-01T01:00:00Z",
        "ended_at": "2026-01-01T01:40:00Z"
    });
    let res = app
        .post("/v1/observations")
        .token(&principal.token)
        .json(body)
        .send()
        .await;
    assert!(matches!(res.status, 404 | 422), "{}", res.text);
    assert_eq!(app.count("observations"), before);
}
