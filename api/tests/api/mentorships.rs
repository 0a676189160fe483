//! Mentor-apprentice pairs: creation rules, the pair's log, pair quotas, evaluations, reports.

use crate::helpers::*;
use crate::observations::{create, lesson, submit};
use serde_json::{json, Value};

async fn term_of(app: &TestApp, s: &Session) -> String {
    app.get(&format!("/v1/districts/{}/terms", s.district_id()))
        .token(&s.token)
        .send()
        .await
        .expect_status(200)
        .items()[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn pair_body(school: &str, mentor: &str, apprentice: &str, term: &str, subject: &str) -> Value {
    json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "school_id": school, "mentor_id": mentor, "apprentice_id": apprentice,
        "term_ids": [term], "subjects": [subject], "goals": "站稳讲台"
    })
}

/// An activity an hour or so ago, each at a minute of its own (two of one kind at the same minute
/// are one activity logged twice: `identical_activities_at_the_same_minute_are_logged_once`).
fn activity(kind: &str, observation_id: Option<&str>) -> Value {
    static MINUTES: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let minutes = 60 + MINUTES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut body = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "kind": kind,
        "occurred_at": (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339(),
        "notes": "听后交流"
    });
    if let Some(id) = observation_id {
        body["observation_id"] = json!(id);
    }
    body
}

async fn log(app: &TestApp, by: &Session, pair: &str, body: &Value) -> Response {
    app.post(&format!("/v1/mentorships/{pair}/activities"))
        .token(&by.token)
        .json(body.clone())
        .send()
        .await
}

fn item<'a>(items: &'a [Value], activity: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["activity"] == activity)
        .unwrap_or_else(|| panic!("no {activity} in {items:?}"))
}

#[tokio::test]
async fn a_pair_logs_its_work_is_counted_evaluated_and_ended() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let mentor = app.demo(DEAN_A).await;
    let apprentice = app.demo(TEACHER_A).await;
    let school = principal.school_id();
    let term = term_of(&app, &principal).await;
    let body = pair_body(&school, mentor.id(), apprentice.id(), &term, "语文");
    let pair = app
        .post("/v1/mentorships")
        .token(&principal.token)
        .json(body.clone())
        .send()
        .await
        .expect_status(201);
    let again = app
        .post("/v1/mentorships")
        .token(&principal.token)
        .json(body.clone())
        .send()
        .await
        .expect_status(200);
    assert_eq!(pair.body, again.body);
    let path = format!("/v1/mentorships/{}", pair.str("id"));
    let read = app
        .get(&path)
        .token(&mentor.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(read.header("etag"), pair.header("etag"));
    app.get(&path)
        .token(&mentor.token)
        .header("if-none-match", &read.etag())
        .send()
        .await
        .expect_status(304);
    assert_eq!(pair.str("mentor_name"), "张主任");
    let id = pair.str("id").to_string();

    // The mentor observes the apprentice; the observation is linked twice, counted once.
    let lesson_body = lesson(&school, apprentice.id(), 2, 45);
    let observed = create(&app, &mentor, &lesson_body).await.expect_status(201);
    submit(&app, &mentor, observed.str("id"))
        .await
        .expect_status(200);
    let linked = activity("mentor_observes", Some(observed.str("id")));
    log(&app, &mentor, &id, &linked).await.expect_status(201);
    log(&app, &mentor, &id, &linked).await.expect_status(200);
    log(
        &app,
        &apprentice,
        &id,
        &activity("mentor_observes", Some(observed.str("id"))),
    )
    .await
    .expect_status(201);
    log(&app, &apprentice, &id, &activity("guidance", None))
        .await
        .expect_status(201);
    let listed = app
        .get(&format!("/v1/mentorships/{id}/activities"))
        .token(&mentor.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        listed.items().len(),
        3,
        "both see all of the pair's activities"
    );

    let progress = app
        .get(&format!("/v1/mentorships/{id}/progress?term_id={term}"))
        .token(&apprentice.token)
        .send()
        .await
        .expect_status(200);
    let items = progress.items();
    assert_eq!(item(items, "mentor_observes")["done"], 1);
    assert_eq!(item(items, "mentor_observes")["required"], 8);
    assert_eq!(item(items, "guidance")["done"], 1);
    assert_eq!(item(items, "apprentice_observes")["done"], 0);
    // Each side's own progress includes their pair rules.
    let own = app
        .get(&format!("/v1/quotas/progress?term_id={term}"))
        .token(&apprentice.token)
        .send()
        .await
        .expect_status(200);
    let pair_items: Vec<&Value> = own
        .items()
        .iter()
        .filter(|i| i["mentorship_id"] == id.as_str())
        .collect();
    assert_eq!(pair_items.len(), 1);
    assert_eq!(pair_items[0]["role"], "apprentice");

    // A leader evaluates the term once; the pair ends once.
    let eval = json!({ "term_id": term, "rating": "good", "comments": "进步明显" });
    let evaluated = app
        .post(&format!("/v1/mentorships/{id}/evaluations"))
        .token(&principal.token)
        .json(eval.clone())
        .send()
        .await
        .expect_status(201);
    assert_eq!(evaluated.body["evaluations"][0]["rating"], "good");
    app.post(&format!("/v1/mentorships/{id}/evaluations"))
        .token(&principal.token)
        .json(eval)
        .send()
        .await
        .expect_problem(409, "already_evaluated");
    // The apprentice's archive for the annual evaluation holds the evaluation and the lesson.
    let year = app
        .get(&format!("/v1/districts/{}/terms", principal.district_id()))
        .token(&principal.token)
        .send()
        .await
        .items()[0]["school_year"]
        .as_str()
        .unwrap()
        .to_string();
    let archive_path = format!("/v1/users/{}/archive?school_year={year}", apprentice.id());
    let archive = app
        .get(&archive_path)
        .token(&apprentice.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(archive.body["evaluations"][0]["rating"], "good");
    assert_eq!(archive.body["evaluations"][0]["mentor_name"], "张主任");
    let observed = archive.body["observations"].as_array().unwrap();
    assert!(observed.iter().any(|o| o["observer_id"] == mentor.id()));
    app.get(&archive_path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    for phone in [TEACHER_A2, TEACHER_B, PRINCIPAL_B] {
        app.get(&archive_path)
            .token(&app.demo(phone).await.token)
            .send()
            .await
            .expect_problem(404, "not_found");
    }
    let end = json!({ "reason": "徒弟调往他校" });
    let ended = app
        .post(&format!("/v1/mentorships/{id}/end"))
        .token(&principal.token)
        .json(end.clone())
        .send()
        .await
        .expect_status(200);
    assert_eq!(ended.str("status"), "ended");
    app.post(&format!("/v1/mentorships/{id}/end"))
        .token(&principal.token)
        .json(end)
        .send()
        .await
        .expect_problem(409, "mentorship_ended");
    log(&app, &apprentice, &id, &activity("guidance", None))
        .await
        .expect_problem(409, "mentorship_ended");
}

#[tokio::test]
async fn pairs_that_break_the_rules_are_refused() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    let term = term_of(&app, &principal).await;
    let (t5, t6, t7) = (
        app.demo(TEACHER_A).await,
        app.demo(TEACHER_A2).await,
        app.demo("13800000007").await,
    );
    let other = app.demo(TEACHER_B).await;
    let before = app.count("mentorships");
    let cases = [
        (
            pair_body(&school, other.id(), t5.id(), &term, "语文"),
            422,
            "member_not_in_school",
        ),
        (
            pair_body(&school, t5.id(), other.id(), &term, "语文"),
            422,
            "member_not_in_school",
        ),
        (
            pair_body(&school, t5.id(), t5.id(), &term, "语文"),
            422,
            "cannot_mentor_self",
        ),
        (
            pair_body(&school, t6.id(), t7.id(), &term, "科学"),
            409,
            "pair_exists",
        ),
        (
            pair_body(&school, t5.id(), t7.id(), &term, "数学"),
            409,
            "apprentice_has_mentor",
        ),
        (
            pair_body(&school, t5.id(), t6.id(), "nope", "语文"),
            422,
            "term_not_found",
        ),
        (
            pair_body(&other.school_id(), t5.id(), t6.id(), &term, "语文"),
            404,
            "not_found",
        ),
    ];
    for (body, status, code) in cases {
        app.post("/v1/mentorships")
            .token(&principal.token)
            .json(body)
            .send()
            .await
            .expect_problem(status, code);
    }
    for phone in [TEACHER_A, GRADE_LEADER_A] {
        let s = app.demo(phone).await;
        app.post("/v1/mentorships")
            .token(&s.token)
            .json(pair_body(&school, t5.id(), t6.id(), &term, "语文"))
            .send()
            .await
            .expect_problem(403, "forbidden");
    }
    assert_eq!(app.count("mentorships"), before);
}

#[tokio::test]
async fn only_the_pair_logs_and_only_its_own_observations() {
    let app = spawn_demo_app().await;
    let mentor = app.demo(TEACHER_A2).await;
    let apprentice = app.demo("13800000007").await;
    let pairs = app
        .get("/v1/mentorships?mentor_id=me")
        .token(&mentor.token)
        .send()
        .await
        .expect_status(200);
    let id = pairs.items()[0]["id"].as_str().unwrap().to_string();
    let before = app.count("mentorship_activities");
    // Someone outside the pair: a teacher does not see it, a leader sees it but may not log.
    log(
        &app,
        &app.demo(TEACHER_A).await,
        &id,
        &activity("guidance", None),
    )
    .await
    .expect_problem(404, "not_found");
    log(
        &app,
        &app.demo(VICE_PRINCIPAL_A).await,
        &id,
        &activity("guidance", None),
    )
    .await
    .expect_problem(403, "not_in_pair");
    // The principal's observation of the apprentice is not the mentor's.
    let principal = app.demo(PRINCIPAL_A).await;
    let theirs = create(
        &app,
        &principal,
        &lesson(&principal.school_id(), apprentice.id(), 2, 45),
    )
    .await
    .expect_status(201);
    submit(&app, &principal, theirs.str("id"))
        .await
        .expect_status(200);
    log(
        &app,
        &mentor,
        &id,
        &activity("mentor_observes", Some(theirs.str("id"))),
    )
    .await
    .expect_problem(422, "observation_not_in_pair");
    log(&app, &mentor, &id, &activity("mentor_observes", None))
        .await
        .expect_problem(422, "observation_required");
    log(
        &app,
        &mentor,
        &id,
        &activity("guidance", Some(theirs.str("id"))),
    )
    .await
    .expect_problem(422, "observation_not_in_pair");
    let mut old = activity("guidance", None);
    old["occurred_at"] = json!("2020-03-02T02:00:00Z");
    log(&app, &mentor, &id, &old)
        .await
        .expect_problem(422, "term_not_covered");
    let mut future = activity("guidance", None);
    future["occurred_at"] = json!((chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339());
    log(&app, &mentor, &id, &future)
        .await
        .expect_problem(422, "lesson_in_future");
    log(&app, &mentor, &id, &activity("nap", None))
        .await
        .expect_problem(422, "invalid_kind");
    assert_eq!(app.count("mentorship_activities"), before);
}

#[tokio::test]
async fn who_sees_pairs_and_the_school_report() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let term = term_of(&app, &principal).await;
    let count = |s: Session| {
        let app = &app;
        async move {
            app.get("/v1/mentorships")
                .token(&s.token)
                .send()
                .await
                .expect_status(200)
                .items()
                .len()
        }
    };
    assert_eq!(count(principal.clone()).await, 1);
    assert_eq!(count(app.demo(RESEARCHER).await).await, 1);
    assert_eq!(count(app.demo(TEACHER_A).await).await, 0);
    assert_eq!(count(app.demo(TEACHER_B).await).await, 0);

    let path = format!(
        "/v1/schools/{}/mentorships/compliance?term_id={term}",
        principal.school_id()
    );
    let report = app
        .get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let row = &report.body["rows"][0];
    assert_eq!(row["mentor_name"], "杨老师");
    let items = row["items"].as_array().unwrap();
    assert_eq!(item(items, "guidance")["done"], 2);
    assert_eq!(item(items, "mentor_observes")["done"], 1);
    let csv = app
        .get(&format!("{path}&format=csv"))
        .token(&app.demo(DEAN_A).await.token)
        .send()
        .await
        .expect_status(200);
    assert!(csv.text.starts_with('\u{feff}') && csv.text.contains("赵老师"));
    // The school's report is for its principal, vice principals and deans: a grade-group
    // leader sees their groups' pairs one by one, not the school's report.
    for who in [TEACHER_A, GRADE_LEADER_A] {
        app.get(&path)
            .token(&app.demo(who).await.token)
            .send()
            .await
            .expect_problem(403, "forbidden");
    }
    app.get(&path)
        .token(&app.demo(PRINCIPAL_B).await.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

/// Ten identical activities at the same minute counted ten (issue 26, item 14): a double tap
/// makes two ids for one guidance session. One is kept; the others answer 409
/// `duplicate_activity`, also when they arrive at once. A retry with the kept id answers 200.
#[tokio::test]
async fn identical_activities_at_the_same_minute_are_logged_once() {
    let app = spawn_demo_app().await;
    let mentor = app.demo(TEACHER_A2).await;
    let pair = app
        .get(&format!("/v1/mentorships?mentor_id={}", mentor.id()))
        .token(&mentor.token)
        .send()
        .await
        .expect_status(200)
        .items()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let at = (chrono::Utc::now() - chrono::Duration::minutes(30)).to_rfc3339();
    let bodies: Vec<Value> = (0..10)
        .map(|_| {
            json!({
                "id": uuid::Uuid::now_v7().to_string(), "kind": "guidance",
                "occurred_at": at, "notes": "指导"
            })
        })
        .collect();
    let answers =
        futures_util::future::join_all(bodies.iter().map(|b| log(&app, &mentor, &pair, b))).await;
    let created: Vec<usize> = (0..10).filter(|i| answers[*i].status == 201).collect();
    assert_eq!(created.len(), 1, "one kept");
    for a in answers.iter().filter(|a| a.status != 201) {
        assert_eq!(
            (a.status, a.code()),
            (409, "duplicate_activity"),
            "{}",
            a.text
        );
    }
    log(&app, &mentor, &pair, &bodies[created[0]])
        .await
        .expect_status(200);
    // Another kind at that minute is another activity.
    let mut prep = bodies[0].clone();
    prep["id"] = json!(uuid::Uuid::now_v7().to_string());
    prep["kind"] = json!("joint_preparation");
    log(&app, &mentor, &pair, &prep).await.expect_status(201);
}
