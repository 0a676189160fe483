//! Callers kept in memory (issue 23, `auth::cache`): a session ended or a role removed is refused
//! at once by the instance that changed it and, on PostgreSQL, by every other instance as soon
//! as it hears of it. The servers here keep callers for a minute, far longer than the 2 s
//! allowed in production, so that only the drops can explain a refusal.

use crate::documents::multipart;
use crate::helpers::*;
use crate::imports::xlsx;
use serde_json::json;
use std::time::{Duration, Instant};

/// Much longer than any wait below: what is refused was dropped, not forgotten with age.
const KEEP: Duration = Duration::from_secs(60);
/// How long a test waits for another instance to hear of a change.
const BOUND: Duration = Duration::from_secs(15);

async fn spawn_keeping() -> TestApp {
    spawn_demo_app_with(|c| c.session_cache = KEEP).await
}

/// `GET /v1/me`'s status for `token` on `app`.
async fn me(app: &TestApp, token: &str) -> u16 {
    app.get("/v1/me").token(token).send().await.status
}

/// A person's progress read by `by` (a dean reads a teacher's as a senior leader).
async fn progress_of(app: &TestApp, by: &Session, of: &Session) -> u16 {
    app.get(&format!("/v1/quotas/progress?user_id={}", of.id()))
        .token(&by.token)
        .send()
        .await
        .status
}

/// The demo dean 张主任 made a plain teacher by their principal's import of one row.
async fn dean_made_teacher(app: &TestApp, principal: &Session) {
    let book = xlsx(&[], &[["张主任", DEAN_A, "实验小学", "教师", "英语"]], &[]);
    let (body, content_type) = multipart(&[("file", Some("school.xlsx"), &book)]);
    let preview = app
        .post(&format!(
            "/v1/districts/{}/imports",
            principal.district_id()
        ))
        .token(&principal.token)
        .raw(body, &content_type)
        .send()
        .await
        .expect_status(201);
    assert_eq!(
        preview.body["summary"]["people"]["changed"], 1,
        "{}",
        preview.text
    );
    app.post(&format!("/v1/imports/{}/commit", preview.str("id")))
        .token(&principal.token)
        .json(json!({ "remove": [] }))
        .send()
        .await
        .expect_status(200);
}

#[tokio::test]
async fn the_instance_that_ends_a_session_or_removes_a_role_refuses_it_at_once() {
    let app = spawn_keeping().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let (teacher, teacher2) = (app.demo(TEACHER_A).await, app.demo(TEACHER_A2).await);
    let dean = app.demo(DEAN_A).await;
    let (phone1, phone2) = (
        app.demo(VICE_PRINCIPAL_A).await,
        app.demo(VICE_PRINCIPAL_A).await,
    );
    // Each is read once, and kept.
    for s in [&teacher, &teacher2, &phone1, &phone2] {
        assert_eq!(me(&app, &s.token).await, 200);
        assert_eq!(me(&app, &s.token).await, 200);
    }
    assert_eq!(progress_of(&app, &dean, &teacher2).await, 200);

    app.post("/v1/auth/logout")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(204);
    app.get("/v1/me")
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");

    app.post(&format!("/v1/users/{}/sessions/end", teacher2.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_status(204);
    app.get("/v1/me")
        .token(&teacher2.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");

    app.post("/v1/me/password")
        .token(&phone1.token)
        .json(json!({ "old_password": DEMO_PASSWORD, "new_password": "a-new-one-2026" }))
        .send()
        .await
        .expect_status(204);
    app.get("/v1/me")
        .token(&phone2.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    assert_eq!(me(&app, &phone1.token).await, 200, "this session goes on");

    dean_made_teacher(&app, &principal).await;
    let teacher2 = app.demo(TEACHER_A2).await;
    assert_eq!(progress_of(&app, &dean, &teacher2).await, 404);
}

/// Proves that `b` answers `s` from memory: the user is renamed behind every instance's back
/// (no notification: PostgreSQL's triggers are off for that one statement) until `b` answers a
/// name the database no longer has. Answers once it has, and puts the name back the same way.
async fn kept_by(b: &TestApp, s: &Session) {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let mut pg = PgConnection::establish(&b.config.database_url).expect("connect");
    let name = s.user["name"].as_str().unwrap().to_string();
    let started = Instant::now();
    for round in 0.. {
        let seen = b
            .get("/v1/me")
            .token(&s.token)
            .send()
            .await
            .expect_status(200);
        let renamed = format!("改名{round}");
        diesel::sql_query("SET session_replication_role = replica")
            .execute(&mut pg)
            .unwrap();
        diesel::sql_query(format!(
            "UPDATE users SET name = '{renamed}' WHERE id = '{}'",
            s.id()
        ))
        .execute(&mut pg)
        .unwrap();
        let again = b
            .get("/v1/me")
            .token(&s.token)
            .send()
            .await
            .expect_status(200);
        if again.body["name"] == seen.body["name"] && again.body["name"] != renamed.as_str() {
            diesel::sql_query(format!(
                "UPDATE users SET name = '{name}' WHERE id = '{}'",
                s.id()
            ))
            .execute(&mut pg)
            .unwrap();
            return;
        }
        assert!(
            started.elapsed() < BOUND,
            "the second instance never kept a caller"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `b` until `check` answers true, for at most [`BOUND`].
async fn heard<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < BOUND,
            "the second instance never heard: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn another_instance_refuses_a_session_ended_or_a_role_removed_on_the_first() {
    if test_database_url().is_none() {
        // SQLite serves one instance per file: the test above is its whole story.
        return;
    }
    let a = spawn_keeping().await;
    let b = a.another_instance().await;
    let admin = a.admin().await;
    let principal = a.demo(PRINCIPAL_A).await;
    let (teacher, teacher2) = (a.demo(TEACHER_A).await, a.demo(TEACHER_A2).await);
    let dean = a.demo(DEAN_A).await;
    let (phone1, phone2) = (
        a.demo(VICE_PRINCIPAL_A).await,
        a.demo(VICE_PRINCIPAL_A).await,
    );
    kept_by(&b, &teacher).await;
    for s in [&teacher, &teacher2, &phone1, &phone2] {
        assert_eq!(me(&b, &s.token).await, 200);
    }
    assert_eq!(progress_of(&b, &dean, &teacher2).await, 200);

    // Logged out on A.
    a.post("/v1/auth/logout")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(204);
    heard("a logout", || async { me(&b, &teacher.token).await == 401 }).await;
    b.get("/v1/me")
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");

    // Sessions ended by an admin on A.
    a.post(&format!("/v1/users/{}/sessions/end", teacher2.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_status(204);
    heard("sessions ended by an admin", || async {
        me(&b, &teacher2.token).await == 401
    })
    .await;

    // A password changed on A ends the other phone's session.
    a.post("/v1/me/password")
        .token(&phone1.token)
        .json(json!({ "old_password": DEMO_PASSWORD, "new_password": "a-new-one-2026" }))
        .send()
        .await
        .expect_status(204);
    heard("a password change", || async {
        me(&b, &phone2.token).await == 401
    })
    .await;
    assert_eq!(me(&b, &phone1.token).await, 200, "this session goes on");

    // The dean's role removed on A: B no longer lets them read a teacher's progress.
    let teacher2 = a.demo(TEACHER_A2).await;
    dean_made_teacher(&a, &principal).await;
    heard("a role removed", || async {
        progress_of(&b, &dean, &teacher2).await == 404
    })
    .await;
}

// Quota progress kept in memory (issue 23, `memory::KeptProgress`): a write is counted in the
// next read at once on the instance that made it, and on another as soon as it hears of it.
// These servers keep progress for a minute too, so only the drops can explain a new count.

async fn spawn_keeping_progress() -> TestApp {
    spawn_demo_app_with(|c| c.progress_cache = KEEP).await
}

/// What the principal has done of their term's observations, read on `app`.
async fn observations_done(app: &TestApp, principal: &Session) -> i64 {
    let res = app
        .get("/v1/quotas/progress")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let item = res
        .items()
        .iter()
        .find(|i| i["role"] == "principal" && i["activity"] == "observations");
    item.unwrap_or_else(|| panic!("no observations rule in {}", res.text))["done"]
        .as_i64()
        .unwrap()
}

/// The principal observes a lesson of teacher A2 and submits it: one more observation done.
async fn observe_one(app: &TestApp, principal: &Session, hours_ago: i64) {
    use crate::observations::{create, lesson, submit};
    let teacher = app.demo(TEACHER_A2).await;
    let body = lesson(&principal.school_id(), teacher.id(), hours_ago, 40);
    let draft = create(app, principal, &body).await.expect_status(201);
    submit(app, principal, draft.str("id"))
        .await
        .expect_status(200);
}

#[tokio::test]
async fn the_instance_that_writes_counts_it_in_the_next_read_at_once() {
    let app = spawn_keeping_progress().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let before = observations_done(&app, &principal).await;
    assert_eq!(observations_done(&app, &principal).await, before, "kept");
    observe_one(&app, &principal, 3).await;
    assert_eq!(observations_done(&app, &principal).await, before + 1);
}

#[tokio::test]
async fn another_instance_counts_a_write_made_on_the_first_once_it_hears_of_it() {
    if test_database_url().is_none() {
        return;
    }
    let a = spawn_keeping_progress().await;
    let b = a.another_instance().await;
    let principal = a.demo(PRINCIPAL_A).await;
    let before = observations_done(&b, &principal).await;
    observe_one(&a, &principal, 3).await;
    heard("an observation counted", || async {
        observations_done(&b, &principal).await == before + 1
    })
    .await;
}

/// A person's own progress in a named term, read with their session and the progress both kept,
/// is answered from memory alone (`quotas::own_progress_kept`): the same bytes as counted, and
/// still a write counted at once and a logout refused at once.
#[tokio::test]
async fn own_progress_from_memory_counts_a_write_and_refuses_a_logout_at_once() {
    let app = spawn_demo_app_with(|c| {
        c.progress_cache = KEEP;
        c.session_cache = KEEP;
    })
    .await;
    let principal = app.demo(PRINCIPAL_A).await;
    let counted = app
        .get("/v1/quotas/progress")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let path = format!("/v1/quotas/progress?term_id={}", counted.str("term_id"));
    let read = || async {
        app.get(&path)
            .token(&principal.token)
            .send()
            .await
            .expect_status(200)
    };
    let kept = read().await;
    assert_eq!(
        kept.text, counted.text,
        "the kept answer is the counted one"
    );
    let done = |res: &Response| -> i64 {
        let items = res.items();
        let item = items
            .iter()
            .find(|i| i["role"] == "principal" && i["activity"] == "observations");
        item.expect("an observations rule")["done"]
            .as_i64()
            .unwrap()
    };
    let before = done(&kept);
    observe_one(&app, &principal, 3).await;
    assert_eq!(
        done(&read().await),
        before + 1,
        "a write is counted at once"
    );
    assert_eq!(done(&read().await), before + 1);
    app.post("/v1/auth/logout")
        .token(&principal.token)
        .send()
        .await
        .expect_status(204);
    app.get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
}
