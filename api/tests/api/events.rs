//! Lessons as events (issue 20): announced lessons scheduled, attended and observed; a lesson
//! counts once for the teacher who gives it; a researcher gives demonstration lessons in a
//! school; a school's teaching open week; experienced (骨干) teachers' demonstration lessons.

use crate::helpers::*;
use crate::observations::{create, full_scores, submit};
use serde_json::{json, Value};

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn at(minutes_from_now: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes_from_now)).to_rfc3339()
}

/// An event of `kind` given by `teacher` in `school`, from `start` minutes from now for 40
/// minutes.
fn plan(school_teacher: (&str, &str), kind: &str, start: i64) -> (String, Value) {
    let (school, teacher) = school_teacher;
    let path = format!("/v1/schools/{school}/events");
    let body = json!({
        "id": id(), "kind": kind, "teacher_id": teacher, "subject": "语文", "grade": "四年级",
        "class_name": "四年级2班", "topic": "秋天的雨", "place": "录播教室",
        "starts_at": at(start), "ends_at": at(start + 40), "invited": [],
    });
    (path, body)
}

async fn schedule(app: &TestApp, by: &Session, (path, body): (String, Value)) -> Response {
    app.post(&path).token(&by.token).json(body).send().await
}

/// An observation of the event, as the phone makes it from the event (its teacher, kind and
/// time), fully scored with written feedback.
fn observation_of(event: &Response) -> Value {
    json!({
        "id": id(),
        "school_id": event.str("school_id"),
        "teacher_id": event.str("teacher_id"),
        "kind": event.str("kind"),
        "subject": "语文", "grade": "四年级", "class_name": "四年级2班", "topic": "秋天的雨",
        "started_at": event.str("starts_at"),
        "ended_at": event.str("ends_at"),
        "scores": full_scores(8),
        "strengths": "情境创设自然,朗读指导到位。",
        "suggestions": "小组合作的分工可以更明确。",
        "event_id": event.str("id"),
    })
}

/// `by` observes the event and submits: the submitted observation.
async fn observe(app: &TestApp, by: &Session, event: &Response) -> Response {
    let o = create(app, by, &observation_of(event))
        .await
        .expect_status(201);
    submit(app, by, o.str("id")).await.expect_status(200)
}

async fn progress_item(app: &TestApp, s: &Session, activity: &str) -> Option<Value> {
    let p = app
        .get("/v1/quotas/progress")
        .token(&s.token)
        .send()
        .await
        .expect_status(200);
    p.items()
        .iter()
        .find(|i| i["activity"] == activity)
        .cloned()
}

async fn done(app: &TestApp, s: &Session, activity: &str) -> i64 {
    progress_item(app, s, activity)
        .await
        .and_then(|i| i["done"].as_i64())
        .unwrap_or_else(|| panic!("{activity} is in the progress"))
}

#[tokio::test]
async fn a_report_lesson_attended_by_three_counts_once_for_its_teacher() {
    let app = spawn_demo_app().await;
    let dean = app.demo(DEAN_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = dean.school_id();
    let before = done(&app, &teacher, "report_lessons_given").await;
    let mut p = plan((&school, teacher.id()), "report_lesson", -50);
    p.1["invited"] = json!([app.demo(PRINCIPAL_A).await.id()]);
    let event = schedule(&app, &dean, p).await.expect_status(201);
    assert_eq!(event.body["teacher_name"], "陈老师");
    assert_eq!(event.body["invited"].as_array().unwrap().len(), 1);

    // Three leaders attend: one checks in first, all three observe and submit at once.
    let leaders = [
        app.demo(PRINCIPAL_A).await,
        app.demo(VICE_PRINCIPAL_A).await,
        dean,
    ];
    let path = format!("/v1/events/{}/check-in", event.str("id"));
    let checked = app
        .post(&path)
        .token(&leaders[0].token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(checked.body["attendance"].as_array().unwrap().len(), 1);
    let mut drafts = Vec::new();
    for l in &leaders {
        let o = create(&app, l, &observation_of(&event))
            .await
            .expect_status(201);
        assert_eq!(o.body["event_id"], event.body["id"]);
        drafts.push(o.str("id").to_string());
    }
    let submits = leaders.iter().zip(&drafts).map(|(l, d)| submit(&app, l, d));
    let submitted = futures_util::future::join_all(submits).await;
    let mut for_teacher = 0;
    for s in submitted {
        let s = s.expect_status(200);
        assert_eq!(s.body["counted"], true, "each counts for its observer");
        for_teacher += i32::from(s.body["counts_for_teacher"] == true);
    }
    assert_eq!(for_teacher, 1, "one of the three counts the lesson");
    assert_eq!(
        done(&app, &teacher, "report_lessons_given").await,
        before + 1,
        "a lesson seen by three is one lesson given"
    );

    // The event shows who came and what they wrote; the teacher reads the feedback.
    let read = app
        .get(&format!("/v1/events/{}", event.str("id")))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(read.body["attendance"].as_array().unwrap().len(), 3);
    let feedback = read.body["feedback"].as_array().unwrap();
    assert_eq!(feedback.len(), 3);
    assert!(feedback
        .iter()
        .all(|o| o["suggestions"] == "小组合作的分工可以更明确。"));

    // The teacher gives the lesson: they do not check in to it.
    app.post(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(403, "own_lesson");
    // Observed, its time stays and it cannot be cancelled.
    let mut moved = observation_of(&event);
    moved["starts_at"] = json!(at(60));
    moved["ends_at"] = json!(at(100));
    let edit = json!({
        "kind": "report_lesson", "teacher_id": teacher.id(), "subject": "语文", "grade": "四年级",
        "class_name": "四年级2班", "topic": "秋天的雨", "starts_at": at(60), "ends_at": at(100),
    });
    app.patch(&format!("/v1/events/{}", event.str("id")))
        .token(&leaders[0].token)
        .header("if-match", &read.etag())
        .json(edit)
        .send()
        .await
        .expect_problem(409, "event_has_observations");
    app.delete(&format!("/v1/events/{}", event.str("id")))
        .token(&leaders[0].token)
        .send()
        .await
        .expect_problem(409, "event_has_observations");
}

#[tokio::test]
async fn the_same_lesson_observed_without_an_event_counts_once_too() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let before = done(&app, &teacher, "report_lessons_given").await;
    let start = chrono::Utc::now() - chrono::Duration::hours(2);
    let of = |class: &str, shift: i64| {
        json!({
            "id": id(), "school_id": teacher.school_id(), "teacher_id": teacher.id(),
            "kind": "report_lesson", "subject": "语文", "grade": "四年级",
            "class_name": class, "topic": "秋天的雨",
            "started_at": (start + chrono::Duration::minutes(shift)).to_rfc3339(),
            "ended_at": (start + chrono::Duration::minutes(shift + 40)).to_rfc3339(),
            "scores": full_scores(8),
            "strengths": "情境创设自然,朗读指导到位。",
        })
    };
    // Two leaders write the class differently and stop their phones a few minutes apart.
    for (who, class, shift) in [(PRINCIPAL_A, "四(2)班", 0), (DEAN_A, "四年级2班", 3)] {
        let s = app.demo(who).await;
        let o = create(&app, &s, &of(class, shift)).await.expect_status(201);
        let o = submit(&app, &s, o.str("id")).await.expect_status(200);
        assert_eq!(o.body["counted"], true);
    }
    assert_eq!(
        done(&app, &teacher, "report_lessons_given").await,
        before + 1
    );
    // A later lesson of the same teacher is another lesson.
    let vp = app.demo(VICE_PRINCIPAL_A).await;
    let o = create(&app, &vp, &of("四年级2班", 60))
        .await
        .expect_status(201);
    let o = submit(&app, &vp, o.str("id")).await.expect_status(200);
    assert_eq!(o.body["counts_for_teacher"], true);
    assert_eq!(
        done(&app, &teacher, "report_lessons_given").await,
        before + 2
    );
}

#[tokio::test]
async fn a_researcher_gives_a_demonstration_lesson_in_a_school_of_the_district() {
    let app = spawn_demo_app().await;
    let researcher = app.demo(RESEARCHER).await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    let open = progress_item(&app, &researcher, "open_lessons_given")
        .await
        .expect("the district asks its researchers for an open lesson a term");
    assert_eq!(open["required"], 1);
    let before = open["done"].as_i64().unwrap();

    let p = plan((&school, researcher.id()), "demonstration", -45);
    let event = schedule(&app, &researcher, p).await.expect_status(201);
    for who in [PRINCIPAL_A, VICE_PRINCIPAL_A, DEAN_A] {
        let s = app.demo(who).await;
        observe(&app, &s, &event).await;
    }
    assert_eq!(
        done(&app, &researcher, "open_lessons_given").await,
        before + 1
    );
    // The researcher reads the feedback of their lesson.
    let read = app
        .get(&format!("/v1/events/{}", event.str("id")))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(read.body["feedback"].as_array().unwrap().len(), 3);

    // A teacher of another district is no teacher of this school's events.
    let admin = app.admin().await;
    let stranger = app.new_school(&admin, "13755500001").await;
    let p = plan((&school, stranger.id()), "demonstration", -45);
    schedule(&app, &principal, p)
        .await
        .expect_problem(422, "teacher_not_in_school");
    // …and does not see the event.
    app.get(&format!("/v1/events/{}", event.str("id")))
        .token(&stranger.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    let theirs = app
        .get("/v1/events")
        .token(&stranger.token)
        .send()
        .await
        .expect_status(200);
    assert!(theirs.items().is_empty());
}

#[tokio::test]
async fn an_observation_of_an_event_is_of_its_teacher_kind_and_time() {
    let app = spawn_demo_app().await;
    let dean = app.demo(DEAN_A).await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let other = app.demo(TEACHER_A2).await;
    let school = dean.school_id();
    let event = schedule(&app, &dean, plan((&school, teacher.id()), "research", -45))
        .await
        .expect_status(201);

    let linked = app.count("observations WHERE event_id IS NOT NULL");
    let mut wrong_teacher = observation_of(&event);
    wrong_teacher["teacher_id"] = json!(other.id());
    let r = create(&app, &principal, &wrong_teacher)
        .await
        .expect_problem(422, "event_mismatch");
    assert!(r.body["errors"]["teacher_id"].is_array(), "{}", r.text);
    let mut wrong_kind = observation_of(&event);
    wrong_kind["kind"] = json!("unannounced");
    create(&app, &principal, &wrong_kind)
        .await
        .expect_problem(422, "event_mismatch");
    let mut wrong_time = observation_of(&event);
    wrong_time["started_at"] = json!(at(-200));
    wrong_time["ended_at"] = json!(at(-160));
    create(&app, &principal, &wrong_time)
        .await
        .expect_problem(422, "event_mismatch");
    let mut no_event = observation_of(&event);
    no_event["event_id"] = json!(id());
    create(&app, &principal, &no_event)
        .await
        .expect_problem(422, "event_not_found");
    assert_eq!(
        app.count("observations WHERE event_id IS NOT NULL"),
        linked,
        "nothing refused is stored"
    );

    // Check-in opens an hour before the lesson and closes an hour after it.
    let path = format!("/v1/events/{}/check-in", event.str("id"));
    app.post(&path)
        .token(&principal.token)
        .json(json!({ "at": at(-200) }))
        .send()
        .await
        .expect_problem(422, "outside_event_time");
    app.post(&path)
        .token(&principal.token)
        .json(json!({ "at": at(60) }))
        .send()
        .await
        .expect_problem(422, "checked_in_in_future");
    let first = app
        .post(&path)
        .token(&principal.token)
        .json(json!({ "at": at(-44) }))
        .send()
        .await
        .expect_status(200);
    let again = app
        .post(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        first.body["attendance"], again.body["attendance"],
        "a second check-in keeps the first one's time"
    );
    // Unannounced lessons are never events.
    let mut p = plan((&school, teacher.id()), "unannounced", -45);
    p.1["id"] = json!(id());
    schedule(&app, &dean, p)
        .await
        .expect_problem(422, "invalid_kind");
    // A teacher who leads no group (赵老师) does not schedule.
    let p = plan((&school, teacher.id()), "research", 60);
    schedule(&app, &app.demo("13800000007").await, p)
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test]
async fn a_school_holds_its_teaching_open_week_and_it_counts_for_the_year() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let dean = app.demo(DEAN_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = principal.school_id();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let week = |from: i64, to: i64| {
        json!({
            "id": id(), "title": "秋季教学开放周",
            "starts_on": (today + chrono::Duration::days(from)).to_string(),
            "ends_on": (today + chrono::Duration::days(to)).to_string(),
            "visitors": ["四年级家长", "实验小学"],
        })
    };
    let held = |report: &Response| {
        report.body["school"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["activity"] == "open_weeks")
            .unwrap_or_else(|| panic!("the school rule: {}", report.text))["done"]
            .as_i64()
            .unwrap()
    };
    let term = app
        .get("/v1/quotas/progress")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let report_path = format!(
        "/v1/schools/{school}/compliance?term_id={}",
        term.str("term_id")
    );
    let report = || app.get(&report_path).token(&principal.token).send();
    let before = held(&report().await.expect_status(200));
    let path = format!("/v1/schools/{school}/open-weeks");
    app.post(&path)
        .token(&teacher.token)
        .json(week(-2, 2))
        .send()
        .await
        .expect_problem(403, "forbidden");
    app.post(&path)
        .token(&principal.token)
        .json(week(2, -2))
        .send()
        .await
        .expect_problem(422, "invalid_time_range");
    let w = app
        .post(&path)
        .token(&principal.token)
        .json(week(-2, 2))
        .send()
        .await
        .expect_status(201);
    assert_eq!(w.body["lesson_count"], 0);

    // An open-week lesson names its week and is on one of its days.
    let mut p = plan((&school, teacher.id()), "open_week_lesson", -45);
    schedule(&app, &dean, p.clone())
        .await
        .expect_problem(422, "missing_field");
    p.1["open_week_id"] = json!(w.str("id"));
    let lesson = schedule(&app, &dean, p).await.expect_status(201);
    let mut later = plan((&school, teacher.id()), "open_week_lesson", 60 * 24 * 5);
    later.1["open_week_id"] = json!(w.str("id"));
    schedule(&app, &dean, later)
        .await
        .expect_problem(422, "outside_open_week");
    observe(&app, &principal, &lesson).await;

    let read = app
        .get(&format!("/v1/open-weeks/{}", w.str("id")))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(read.body["lesson_count"], 1);
    assert_eq!(read.body["lessons"][0]["id"], lesson.body["id"]);
    assert_eq!(read.body["visitors"], json!(["四年级家长", "实验小学"]));

    // The school rule counts it (besides the demo's own open week).
    assert_eq!(held(&report().await.expect_status(200)), before + 1);

    // A week with lessons keeps its days and stays. (The new days leave out both today and
    // yesterday: the lesson began 45 minutes ago, which is yesterday just after midnight.)
    let mut shorter = week(1, 2);
    shorter.as_object_mut().unwrap().remove("id");
    let at_week = |s: &Session, m: reqwest::Method| {
        app.call(m, &format!("/v1/open-weeks/{}", w.str("id")))
            .token(&s.token)
    };
    at_week(&principal, reqwest::Method::PATCH)
        .header("if-match", &read.etag())
        .json(shorter)
        .send()
        .await
        .expect_problem(409, "open_week_has_lessons");
    at_week(&principal, reqwest::Method::DELETE)
        .send()
        .await
        .expect_problem(409, "open_week_has_lessons");
}

#[tokio::test]
async fn phones_sync_events_and_a_cancelled_one_goes_away() {
    let app = spawn_demo_app().await;
    let dean = app.demo(DEAN_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = dean.school_id();
    let first = app
        .get("/v1/sync?limit=500")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let cursor = first.str("cursor").to_string();
    let event = schedule(
        &app,
        &dean,
        plan((&school, teacher.id()), "research", 60 * 24),
    )
    .await
    .expect_status(201);
    let next = app
        .get(&format!("/v1/sync?since={cursor}"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let synced = next.body["events"].as_array().unwrap();
    assert_eq!(synced.len(), 1);
    assert_eq!(synced[0]["id"], event.body["id"]);
    // Not yet observed: it is cancelled, and the phone drops it.
    app.delete(&format!("/v1/events/{}", event.str("id")))
        .token(&dean.token)
        .header("if-match", &event.etag())
        .send()
        .await
        .expect_status(204);
    let after = app
        .get(&format!("/v1/sync?since={}", next.str("cursor")))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        after.body["deleted"],
        json!([{ "kind": "event", "id": event.str("id") }])
    );
    // Another school's phones never see it.
    let b = app.demo(PRINCIPAL_B).await;
    let theirs = app
        .get("/v1/sync?limit=500")
        .token(&b.token)
        .send()
        .await
        .expect_status(200);
    assert!(theirs.body.get("events").is_none(), "lean: no list");
}

#[tokio::test]
async fn a_rule_asks_demonstration_lessons_of_experienced_teachers_only() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let other = app.demo(TEACHER_A2).await;
    let district = principal.district_id();
    let rules_path = format!("/v1/districts/{district}/quota-rules");
    let rules = json!([{
        "role": "teacher", "qualifier": "experienced",
        "activity": "demonstration_lessons_given", "period": "term", "minimum": 1
    }]);
    app.put(&rules_path)
        .token(&admin.token)
        .json(json!({ "rules": rules }))
        .send()
        .await
        .expect_status(200);
    assert!(progress_item(&app, &teacher, "demonstration_lessons_given")
        .await
        .is_none());

    // The principal marks 陈老师 as experienced (骨干).
    let me = app
        .get("/v1/me")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let membership = me.body["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["school_id"] == principal.school_id().as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.put(&format!("/v1/memberships/{membership}/qualifiers"))
        .token(&principal.token)
        .json(json!({ "qualifiers": ["experienced"] }))
        .send()
        .await
        .expect_status(200);
    let item = progress_item(&app, &teacher, "demonstration_lessons_given")
        .await
        .expect("the rule binds the experienced teacher");
    assert_eq!(
        (item["done"].as_i64(), item["qualifier"].as_str()),
        (Some(0), Some("experienced"))
    );
    assert!(progress_item(&app, &other, "demonstration_lessons_given")
        .await
        .is_none());

    let event = schedule(
        &app,
        &principal,
        plan((&principal.school_id(), teacher.id()), "demonstration", -45),
    )
    .await
    .expect_status(201);
    observe(&app, &principal, &event).await;
    assert_eq!(done(&app, &teacher, "demonstration_lessons_given").await, 1);
}

/// Seven colleagues submit their notes of one lesson at the same moment, three lessons over: each
/// lesson counts once for its teacher (the submissions of one teacher's lessons take turns).
#[tokio::test]
async fn seven_submitting_one_lesson_at_once_count_it_once_for_its_teacher() {
    let app = spawn_demo_app().await;
    let dean = app.demo(DEAN_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let mut observers = Vec::new();
    for phone in [
        PRINCIPAL_A,
        VICE_PRINCIPAL_A,
        DEAN_A,
        GRADE_LEADER_A,
        TEACHER_A2,
        "13800000007",
        RESEARCHER,
    ] {
        observers.push(app.demo(phone).await);
    }
    for round in 0..3 {
        let p = plan(
            (&dean.school_id(), teacher.id()),
            "report_lesson",
            -200 + 50 * round,
        );
        let event = schedule(&app, &dean, p).await.expect_status(201);
        let mut drafts = Vec::new();
        for o in &observers {
            let d = create(&app, o, &observation_of(&event))
                .await
                .expect_status(201);
            drafts.push(d.str("id").to_string());
        }
        let submits = observers
            .iter()
            .zip(&drafts)
            .map(|(o, d)| submit(&app, o, d));
        let answers = futures_util::future::join_all(submits).await;
        let counted_for_teacher = answers
            .into_iter()
            .map(|a| a.expect_status(200))
            .filter(|a| a.body["counts_for_teacher"] == true)
            .count();
        assert_eq!(counted_for_teacher, 1, "round {round}");
    }
}

/// A research lesson given in a subject group's weekly research activity is linked to it: the
/// activity counts for the group, the lesson for its teacher.
#[tokio::test]
async fn a_research_lesson_is_part_of_its_groups_activity() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let school = teacher.school_id();
    let groups = app
        .get(&format!("/v1/schools/{school}/groups"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let chinese = groups
        .items()
        .iter()
        .find(|g| g["kind"] == "subject")
        .expect("the demo's Chinese research group")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let meetings = app
        .get(&format!("/v1/groups/{chinese}/meetings"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let meeting = meetings.items()[0]["id"].as_str().unwrap().to_string();
    // 陈老师 leads the group: she schedules her own research lesson in its activity.
    let mut p = plan((&school, teacher.id()), "research", -45);
    p.1["meeting_id"] = json!(meeting);
    let event = schedule(&app, &teacher, p).await.expect_status(201);
    assert_eq!(event.body["meeting_id"], json!(meeting));
    let principal = app.demo(PRINCIPAL_A).await;
    let o = observe(&app, &principal, &event).await;
    assert_eq!(o.body["counts_for_teacher"], true);
    // Another school's activity is not this school's.
    let b = app.demo(PRINCIPAL_B).await;
    let mut p = plan((&b.school_id(), b.id()), "research", -45);
    p.1["meeting_id"] = json!(meeting);
    schedule(&app, &b, p)
        .await
        .expect_problem(422, "meeting_not_found");
}
