//! Observations: drafts, edits with If-Match, submit, acknowledge, corrections, who sees what.

use crate::helpers::*;
use serde_json::{json, Value};

/// The default rubric's keys, each scored `score`.
pub fn full_scores(score: i64) -> Value {
    let keys = [
        "objectives",
        "content",
        "methods",
        "organisation",
        "knowledge_skills",
        "process_methods",
        "attitudes_values",
    ];
    Value::Object(keys.iter().map(|k| (k.to_string(), json!(score))).collect())
}

/// A lesson that started `hours_ago` and lasted `minutes`, fully scored.
pub fn lesson(school_id: &str, teacher_id: &str, hours_ago: i64, minutes: i64) -> Value {
    let start = chrono::Utc::now() - chrono::Duration::hours(hours_ago);
    json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "school_id": school_id,
        "teacher_id": teacher_id,
        "kind": "unannounced",
        "subject": "语文",
        "grade": "四年级",
        "class_name": format!("四年级{hours_ago}班"),
        "topic": "秋天的雨",
        "started_at": start.to_rfc3339(),
        "ended_at": (start + chrono::Duration::minutes(minutes)).to_rfc3339(),
        "scores": full_scores(8),
        "strengths": "板书清晰\n提问有层次",
        "suggestions": "多给学生表达的机会",
    })
}

pub async fn create(app: &TestApp, by: &Session, body: &Value) -> Response {
    app.post("/v1/observations")
        .token(&by.token)
        .json(body.clone())
        .send()
        .await
}

pub async fn submit(app: &TestApp, by: &Session, id: &str) -> Response {
    app.post(&format!("/v1/observations/{id}/submit"))
        .token(&by.token)
        .send()
        .await
}

struct World {
    app: TestApp,
    principal: Session,
    teacher: Session,
    school: String,
}

async fn world() -> World {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = principal.school_id();
    World {
        app,
        principal,
        teacher,
        school,
    }
}

#[tokio::test]
async fn an_unannounced_observation_from_draft_to_acknowledged_feedback() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let body = lesson(&school, teacher.id(), 2, 45);
    let draft = create(&app, &principal, &body).await.expect_status(201);
    let id = draft.str("id").to_string();
    assert_eq!(id, body["id"]);
    assert_eq!(draft.str("status"), "draft");
    assert_eq!(draft.body["total_score"], 56);
    assert_eq!(draft.str("teacher_name"), "陈老师");
    assert!(!draft.str("recorded_at").is_empty());

    // Nothing about a draft reaches the teacher.
    let path = format!("/v1/observations/{id}");
    app.get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    let listed = |res: &Response| res.items().iter().any(|o| o["id"] == id.as_str());
    let mine = app
        .get("/v1/observations?teacher_id=me")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert!(!listed(&mine));

    // Edits name the version they are based on.
    let etag = draft.etag();
    let patched = app
        .patch(&path)
        .token(&principal.token)
        .header("if-match", &etag)
        .json(json!({ "comments": "整体不错", "scores": full_scores(9) }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(patched.body["total_score"], 63);
    assert_ne!(patched.etag(), etag);
    app.patch(&path)
        .token(&principal.token)
        .header("if-match", &etag)
        .json(json!({ "comments": "stale" }))
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    app.patch(&path)
        .token(&principal.token)
        .json(json!({ "comments": "no tag" }))
        .send()
        .await
        .expect_problem(428, "precondition_required");

    let submitted = submit(&app, &principal, &id).await.expect_status(200);
    assert_eq!(submitted.str("status"), "submitted");
    assert_eq!(submitted.body["counted"], true);
    assert!(submitted.body["not_counted_reason"].is_null());
    assert_eq!(submitted.body["comments"], "整体不错");

    // Now the teacher reads it and acknowledges it.
    let mine = app
        .get("/v1/observations?teacher_id=me")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert!(listed(&mine));
    let read = app
        .get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    app.get(&path)
        .token(&teacher.token)
        .header("if-none-match", &read.etag())
        .send()
        .await
        .expect_status(304);
    let acked = app
        .post(&format!("{path}/acknowledge"))
        .token(&teacher.token)
        .json(json!({ "reply": "谢谢指导" }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(acked.str("teacher_reply"), "谢谢指导");
    assert!(!acked.str("acknowledged_at").is_empty());
    app.post(&format!("{path}/acknowledge"))
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(409, "already_acknowledged");
}

#[tokio::test]
async fn a_retried_create_returns_the_same_record_and_a_different_body_is_refused() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let body = lesson(&school, teacher.id(), 2, 45);
    let first = create(&app, &principal, &body).await.expect_status(201);
    let again = create(&app, &principal, &body).await.expect_status(200);
    assert_eq!(first.body, again.body);
    let mut changed = body.clone();
    changed["topic"] = json!("另一节课");
    create(&app, &principal, &changed)
        .await
        .expect_problem(409, "id_conflict");
    // Someone else cannot take the id either, and learns nothing from it.
    let dean = app.demo(DEAN_A).await;
    create(&app, &dean, &body)
        .await
        .expect_problem(409, "id_conflict");
    assert_eq!(
        app.count("observations"),
        14,
        "the demo's thirteen and this one"
    );
}

#[tokio::test]
async fn parallel_creates_with_one_id_make_one_record() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let body = lesson(&school, teacher.id(), 2, 45);
    let calls = (0..6).map(|_| create(&app, &principal, &body));
    let answers = futures_util::future::join_all(calls).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 201]);
    assert_eq!(app.count("observations"), 14);
}

#[tokio::test]
async fn bad_observations_are_refused_with_their_own_codes_and_store_nothing() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let before = app.count("observations");
    let teacher_b = app.demo(TEACHER_B).await;
    let base = lesson(&school, teacher.id(), 2, 45);
    let future = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let earlier = (chrono::Utc::now() - chrono::Duration::hours(5)).to_rfc3339();
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("scores", json!({"charisma": 5}), 422, "unknown_rubric_item"),
        (
            "scores",
            json!({"organisation": 11}),
            422,
            "score_out_of_range",
        ),
        ("scores", json!({"organisation": "ten"}), 422, "wrong_type"),
        ("ended_at", json!(earlier), 422, "invalid_time_range"),
        ("started_at", json!(future), 422, "lesson_in_future"),
        ("started_at", json!("yesterday"), 422, "wrong_type"),
        (
            "teacher_id",
            json!(teacher_b.id()),
            422,
            "teacher_not_in_school",
        ),
        (
            "teacher_id",
            json!(principal.id()),
            422,
            "cannot_observe_self",
        ),
        ("school_id", json!(teacher_b.school_id()), 404, "not_found"),
        ("id", json!("not-a-uuid"), 422, "invalid_id"),
        ("kind", json!("surprise"), 422, "invalid_kind"),
        ("topic", json!(""), 422, "invalid_length"),
        ("class_name", json!("三班\u{0}"), 422, "invalid_text"),
    ];
    for (field, value, status, code) in cases {
        let mut body = base.clone();
        body[field] = value;
        create(&app, &principal, &body)
            .await
            .expect_problem(status, code);
    }
    // A teacher of another school cannot observe here.
    create(&app, &teacher_b, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_problem(404, "not_found");
    assert_eq!(app.count("observations"), before);
}

#[tokio::test]
async fn only_the_observer_edits_submits_or_deletes_and_only_drafts() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let vice = app.demo(VICE_PRINCIPAL_A).await;
    let draft = create(&app, &principal, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_status(201);
    let path = format!("/v1/observations/{}", draft.str("id"));
    // Another leader does not see someone else's draft at all.
    app.get(&path)
        .token(&vice.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    submit(&app, &vice, draft.str("id"))
        .await
        .expect_problem(404, "not_found");
    let submitted = submit(&app, &principal, draft.str("id"))
        .await
        .expect_status(200);
    submit(&app, &principal, draft.str("id"))
        .await
        .expect_problem(409, "already_submitted");
    // Submitted: the leader reads it, but cannot change it.
    app.get(&path)
        .token(&vice.token)
        .send()
        .await
        .expect_status(200);
    app.patch(&path)
        .token(&vice.token)
        .header("if-match", &submitted.etag())
        .json(json!({ "comments": "mine now" }))
        .send()
        .await
        .expect_problem(403, "not_your_observation");
    app.patch(&path)
        .token(&principal.token)
        .header("if-match", &submitted.etag())
        .json(json!({ "comments": "too late" }))
        .send()
        .await
        .expect_problem(409, "observation_submitted");
    app.delete(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_problem(409, "observation_submitted");
    app.post(&format!("{path}/acknowledge"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(403, "not_observed_teacher");

    // A draft can be deleted by its observer, and is gone.
    let other = create(&app, &principal, &lesson(&school, teacher.id(), 3, 45))
        .await
        .expect_status(201);
    let other_path = format!("/v1/observations/{}", other.str("id"));
    app.delete(&other_path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(204);
    app.get(&other_path)
        .token(&principal.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn a_submission_needs_every_item_scored() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let mut body = lesson(&school, teacher.id(), 2, 45);
    body["scores"] = json!({ "objectives": 10 });
    let draft = create(&app, &principal, &body).await.expect_status(201);
    let res = submit(&app, &principal, draft.str("id"))
        .await
        .expect_problem(422, "scores_incomplete");
    assert!(res.text.contains("content"), "{}", res.text);
}

#[tokio::test]
async fn counting_rules_decide_what_counts() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let submit_new = |body: Value| {
        let app = &app;
        let principal = &principal;
        async move {
            let draft = create(app, principal, &body).await.expect_status(201);
            submit(app, principal, draft.str("id"))
                .await
                .expect_status(200)
        }
    };
    let short = submit_new(lesson(&school, teacher.id(), 2, 10)).await;
    assert_eq!(
        (
            short.body["counted"].clone(),
            short.str("not_counted_reason")
        ),
        (json!(false), "too_short")
    );
    let long = submit_new(lesson(&school, teacher.id(), 4, 120)).await;
    assert_eq!(long.str("not_counted_reason"), "too_long");
    // The same lesson period of the same class, twice: counted once.
    let first = lesson(&school, teacher.id(), 7, 45);
    let mut second = lesson(&school, teacher.id(), 7, 40);
    second["class_name"] = first["class_name"].clone();
    assert_eq!(submit_new(first).await.body["counted"], true);
    assert_eq!(
        submit_new(second).await.str("not_counted_reason"),
        "duplicate_slot"
    );
    // A lesson outside every term.
    let mut old = lesson(&school, teacher.id(), 2, 45);
    old["started_at"] = json!("2020-07-20T02:00:00Z");
    old["ended_at"] = json!("2020-07-20T02:45:00Z");
    let old = submit_new(old).await;
    assert_eq!(old.str("not_counted_reason"), "outside_term");
    assert!(old.body["term_id"].is_null());
}

async fn principal_done(app: &TestApp, principal: &Session, term: &str) -> i64 {
    let path = format!("/v1/quotas/progress?term_id={term}");
    let res = app
        .get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    res.items()
        .iter()
        .find(|i| i["role"] == "principal" && i["activity"] == "observations")
        .map(|i| i["done"].as_i64().unwrap())
        .unwrap()
}

#[tokio::test]
async fn two_phones_submitting_at_once_count_it_once() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let term = app
        .get(&format!("/v1/districts/{}/terms", principal.district_id()))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200)
        .items()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = principal_done(&app, &principal, &term).await;
    let draft = create(&app, &principal, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_status(201);
    let answers =
        futures_util::future::join_all((0..4).map(|_| submit(&app, &principal, draft.str("id"))))
            .await;
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let refused = answers
        .iter()
        .filter(|r| r.status == 409 && r.code() == "already_submitted")
        .count();
    assert_eq!((ok, refused), (1, 3));
    assert_eq!(principal_done(&app, &principal, &term).await, before + 1);
}

#[tokio::test]
async fn who_sees_which_observations() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let draft = create(&app, &principal, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_status(201);
    let ids = |res: &Response| -> Vec<String> {
        res.items()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };
    let list = |s: Session| {
        let app = &app;
        async move {
            app.get("/v1/observations?limit=200")
                .token(&s.token)
                .send()
                .await
                .expect_status(200)
        }
    };
    let draft_id = draft.str("id").to_string();
    // The observer sees their draft; other leaders and the researcher see only submitted ones.
    assert!(ids(&list(principal.clone()).await).contains(&draft_id));
    for phone in [VICE_PRINCIPAL_A, RESEARCHER] {
        let seen = list(app.demo(phone).await).await;
        assert_eq!(seen.items().len(), 13, "the demo's submitted ones");
        assert!(!ids(&seen).contains(&draft_id));
    }
    // A teacher sees the lessons they gave; another school sees nothing.
    let teacher_sees = list(teacher.clone()).await;
    assert!(teacher_sees
        .items()
        .iter()
        .all(|o| o["teacher_id"] == teacher.id()));
    assert!(list(app.demo(TEACHER_B).await).await.items().is_empty());
    assert!(list(app.demo(PRINCIPAL_B).await).await.items().is_empty());
    // Filters and pages.
    let drafts = app
        .get("/v1/observations?status=draft&observer_id=me")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(ids(&drafts), [draft_id]);
    let unannounced = app
        .get("/v1/observations?kind=unannounced&status=submitted&limit=2")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(unannounced.items().len(), 2);
    assert!(unannounced.body["next_cursor"].is_string());
    app.get("/v1/observations?status=maybe")
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_query");
}

#[tokio::test]
async fn a_leader_corrects_a_submitted_observation_with_an_audit_trail() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let draft = create(&app, &principal, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_status(201);
    let path = format!("/v1/observations/{}/corrections", draft.str("id"));
    let dean = app.demo(DEAN_A).await;
    let fix = json!({ "reason": "分数录入错误", "scores": full_scores(10) });
    app.post(&path)
        .token(&dean.token)
        .json(fix.clone())
        .send()
        .await
        .expect_problem(404, "not_found");
    submit(&app, &principal, draft.str("id"))
        .await
        .expect_status(200);
    let corrected = app
        .post(&path)
        .token(&dean.token)
        .json(fix.clone())
        .send()
        .await
        .expect_status(201);
    assert_eq!(corrected.body["total_score"], 70);
    let c = &corrected.body["corrections"][0];
    assert_eq!(c["corrected_by"], dean.id());
    assert_eq!(c["reason"], "分数录入错误");
    assert_eq!(c["changes"]["scores"]["from"]["content"], 8);
    assert_eq!(c["changes"]["scores"]["to"]["content"], 10);
    // The teacher and a grade-group leader may not correct; bad scores are refused.
    for phone in [TEACHER_A, GRADE_LEADER_A] {
        let s = app.demo(phone).await;
        app.post(&path)
            .token(&s.token)
            .json(fix.clone())
            .send()
            .await
            .expect_problem(403, "forbidden");
    }
    app.post(&path)
        .token(&dean.token)
        .json(json!({ "reason": "x", "scores": {"content": 99} }))
        .send()
        .await
        .expect_problem(422, "score_out_of_range");
    let read = app
        .get(&format!("/v1/observations/{}", draft.str("id")))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(read.body["corrections"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn rubrics_are_data_and_observations_keep_theirs() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let path = format!("/v1/schools/{school}/rubric");
    let rubric = app
        .get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(rubric.body["items"].as_array().unwrap().len(), 7);
    let draft = create(&app, &principal, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_status(201);
    let new_items = json!({ "items": [
        { "key": "engagement", "title": "学生参与", "max_score": 50, "dimension": "student_goals" },
        { "key": "clarity", "title": "讲解清楚", "max_score": 50, "dimension": "teacher_ability" }
    ]});
    app.put(&path)
        .token(&teacher.token)
        .json(new_items.clone())
        .send()
        .await
        .expect_problem(403, "forbidden");
    let v2 = app
        .put(&path)
        .token(&principal.token)
        .json(new_items)
        .send()
        .await
        .expect_status(200);
    assert_eq!(v2.body["version"], 2);
    // The draft made before still scores against the old rubric.
    app.patch(&format!("/v1/observations/{}", draft.str("id")))
        .token(&principal.token)
        .header("if-match", &draft.etag())
        .json(json!({ "scores": full_scores(5) }))
        .send()
        .await
        .expect_status(200);
    // New observations use the new one.
    create(&app, &principal, &lesson(&school, teacher.id(), 3, 45))
        .await
        .expect_problem(422, "unknown_rubric_item");
    let mut body = lesson(&school, teacher.id(), 3, 45);
    body["scores"] = json!({ "engagement": 40, "clarity": 45 });
    let fresh = create(&app, &principal, &body).await.expect_status(201);
    assert_eq!(fresh.body["total_score"], 85);
    assert_eq!(fresh.body["rubric_id"], v2.body["id"]);
    // Broken rubrics are refused.
    for (items, code) in [
        (
            json!([{ "key": "a", "title": "甲", "max_score": 5, "dimension": "teacher_ability" },
                { "key": "a", "title": "乙", "max_score": 5, "dimension": "teacher_ability" }]),
            "duplicate_rubric_key",
        ),
        (
            json!([{ "key": "Bad Key", "title": "甲", "max_score": 5, "dimension": "teacher_ability" }]),
            "invalid_rubric_key",
        ),
        (
            json!([{ "key": "a", "title": "甲", "max_score": 5, "dimension": "charm" }]),
            "wrong_type",
        ),
        (json!([]), "invalid_length"),
    ] {
        app.put(&path)
            .token(&principal.token)
            .json(json!({ "items": items }))
            .send()
            .await
            .expect_problem(422, code);
    }
}

/// Issue 26: thirty observations of one 40-minute slot under class names that differ only in
/// what a screen does not show (zero-width characters, full-width digits, digits for Chinese
/// numerals), and two lessons of other classes overlapping it: one counts.
#[tokio::test]
async fn one_lesson_slot_counts_once_whatever_its_class_is_called() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let term = app
        .get(&format!("/v1/districts/{}/terms", principal.district_id()))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200)
        .items()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = principal_done(&app, &principal, &term).await;
    let slot = lesson(&school, teacher.id(), 3, 40);
    let invisible = [
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
    ];
    let mut names = vec![
        "五年级三班".to_string(),
        "5年级3班".to_string(),
        "５年级３班".to_string(),
        "五年级３班".to_string(),
        " 五年级三班\u{3000}".to_string(),
        "\u{202A}五年级三班\u{202C}".to_string(),
    ];
    for i in 0..24 {
        let c = invisible[i % invisible.len()];
        let at = 1 + i % 4;
        let mut name: Vec<char> = "五年级三班".chars().collect();
        for _ in 0..=(i / invisible.len()) {
            name.insert(at, c);
        }
        names.push(name.into_iter().collect());
    }
    assert_eq!(names.len(), 30);
    let mut counted = 0;
    for name in &names {
        let mut body = slot.clone();
        body["id"] = json!(uuid::Uuid::now_v7().to_string());
        body["class_name"] = json!(name);
        let draft = create(&app, &principal, &body).await.expect_status(201);
        let shown = draft.str("class_name");
        assert!(
            shown == "五年级三班" || shown == "5年级3班" || shown == "五年级3班",
            "{name:?} stored as {shown:?}"
        );
        let done = submit(&app, &principal, draft.str("id"))
            .await
            .expect_status(200);
        if done.body["counted"] == true {
            counted += 1;
        } else {
            assert_eq!(done.str("not_counted_reason"), "duplicate_slot");
        }
    }
    assert_eq!(counted, 1);
    // Another class at an overlapping time: one person watches one lesson at a time.
    let start = chrono::DateTime::parse_from_rfc3339(slot["started_at"].as_str().unwrap()).unwrap();
    let mut other = lesson(&school, teacher.id(), 3, 40);
    other["class_name"] = json!("初二(3)班");
    other["started_at"] = json!((start + chrono::Duration::minutes(20)).to_rfc3339());
    other["ended_at"] = json!((start + chrono::Duration::minutes(60)).to_rfc3339());
    let draft = create(&app, &principal, &other).await.expect_status(201);
    let done = submit(&app, &principal, draft.str("id"))
        .await
        .expect_status(200);
    assert_eq!(done.str("not_counted_reason"), "duplicate_slot");
    // A lesson right after the slot is another lesson.
    let mut next = lesson(&school, teacher.id(), 3, 40);
    next["started_at"] = json!((start + chrono::Duration::minutes(40)).to_rfc3339());
    next["ended_at"] = json!((start + chrono::Duration::minutes(80)).to_rfc3339());
    let draft = create(&app, &principal, &next).await.expect_status(201);
    let done = submit(&app, &principal, draft.str("id"))
        .await
        .expect_status(200);
    assert_eq!(done.body["counted"], true);
    assert_eq!(principal_done(&app, &principal, &term).await, before + 2);
}

#[tokio::test]
async fn names_are_stored_normalised_and_invisible_ones_refused() {
    let World {
        app,
        principal,
        teacher,
        school,
    } = world().await;
    let mut body = lesson(&school, teacher.id(), 2, 45);
    body["class_name"] = json!("\u{FEFF}初２（３）\u{200B}班 ");
    body["subject"] = json!("语\u{200D}文");
    body["topic"] = json!("秋天的\u{3000}\u{3000}雨\u{202E}");
    body["grade"] = json!("初\u{00AD}二");
    let draft = create(&app, &principal, &body).await.expect_status(201);
    assert_eq!(
        (
            draft.str("class_name"),
            draft.str("subject"),
            draft.str("topic"),
            draft.str("grade")
        ),
        ("初2(3)班", "语文", "秋天的 雨", "初二")
    );
    // A retry of the same body is the same observation.
    create(&app, &principal, &body).await.expect_status(200);
    let path = format!("/v1/observations/{}", draft.str("id"));
    let patched = app
        .patch(&path)
        .token(&principal.token)
        .header("if-match", &draft.etag())
        .json(json!({ "class_name": "５年级\u{2060}３班" }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(patched.str("class_name"), "5年级3班");
    for field in ["class_name", "subject", "topic", "grade"] {
        let mut body = lesson(&school, teacher.id(), 2, 45);
        body[field] = json!("\u{200B}\u{200C}\u{FEFF}\u{202E}");
        let res = create(&app, &principal, &body)
            .await
            .expect_problem(422, "invalid_length");
        assert!(res.text.contains(field), "{}", res.text);
    }
    app.patch(&path)
        .token(&principal.token)
        .header("if-match", &patched.etag())
        .json(json!({ "topic": "\u{00AD}\u{2060}" }))
        .send()
        .await
        .expect_problem(422, "invalid_length");
    // People's names and subjects too.
    let admin = app.admin().await;
    let member = app
        .post(&format!("/v1/schools/{school}/members"))
        .token(&admin.token)
        .json(json!({
            "name": "\u{200B}李\u{3000}\u{3000}明\u{200F}",
            "phone": "13700000099",
            "password": "long-enough-1",
            "roles": ["teacher"],
            "subjects": ["数\u{200B}学", "ＰＥ"],
        }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(member.str("name"), "李 明");
    assert_eq!(member.body["subjects"], json!(["数学", "PE"]));
}

/// A phone shows every mistake of a form at once: a 422 names each bad field, not the first.
#[tokio::test]
async fn a_refused_observation_names_every_bad_field_at_once() {
    let w = world().await;
    let mut body = lesson(&w.school, w.teacher.id(), 2, 45);
    body["ended_at"] = json!((chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339());
    body["scores"]["objectives"] = json!(99);
    body["scores"]["charisma"] = json!(3);
    let res = create(&w.app, &w.principal, &body)
        .await
        .expect_problem(422, "invalid_time_range");
    let errors = &res.body["errors"];
    assert_eq!(errors["ended_at"][0]["code"], "invalid_time_range");
    let scores: Vec<&str> = errors["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(scores, ["unknown_rubric_item", "score_out_of_range"]);

    // The same in an edit of a draft.
    let draft = create(
        &w.app,
        &w.principal,
        &lesson(&w.school, w.teacher.id(), 2, 45),
    )
    .await
    .expect_status(201);
    let res = w
        .app
        .patch(&format!("/v1/observations/{}", draft.str("id")))
        .token(&w.principal.token)
        .header("if-match", &draft.etag())
        .json(json!({
            "ended_at": (chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339(),
            "scores": { "objectives": 99 }
        }))
        .send()
        .await
        .expect_problem(422, "invalid_time_range");
    assert_eq!(
        res.body["errors"]["scores"][0]["code"],
        "score_out_of_range"
    );
}

/// A phone stopped a few minutes late does not make two lessons one: lessons of one observer
/// that overlap by 5 minutes or less both count, by more the second does not.
#[tokio::test]
async fn lessons_overlapping_by_a_few_minutes_both_count() {
    let w = world().await;
    let start = chrono::Utc::now() - chrono::Duration::hours(30);
    let at = |from: i64, to: i64, class: &str| {
        let mut body = lesson(&w.school, w.teacher.id(), 30, 40);
        body["class_name"] = json!(class);
        body["started_at"] = json!((start + chrono::Duration::minutes(from)).to_rfc3339());
        body["ended_at"] = json!((start + chrono::Duration::minutes(to)).to_rfc3339());
        body
    };
    let w = &w;
    let submitted = |body: serde_json::Value| async move {
        let draft = create(&w.app, &w.principal, &body).await.expect_status(201);
        submit(&w.app, &w.principal, draft.str("id"))
            .await
            .expect_status(200)
    };
    assert_eq!(
        submitted(at(0, 40, "四年级1班")).await.body["counted"],
        true
    );
    let late_stop = submitted(at(35, 75, "四年级2班")).await;
    assert_eq!(late_stop.body["counted"], true, "{}", late_stop.text);
    let next = submitted(at(84, 124, "四年级3班")).await;
    assert_eq!(next.body["counted"], true, "{}", next.text);
    let twice = submitted(at(118, 158, "四年级4班")).await;
    assert_eq!(twice.str("not_counted_reason"), "duplicate_slot");
}
