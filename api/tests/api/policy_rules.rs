//! Rules as the policy writes them (issue 20): the vice principal in charge of teaching, a
//! school's stricter rules beside the district's, written feedback for 听评课, and one lesson
//! period per observer also when the submissions arrive at once.

use crate::helpers::*;
use crate::observations::{create, lesson, submit};
use serde_json::{json, Value};

fn items_of<'a>(res: &'a Response, role: &str, activity: &str) -> Vec<&'a Value> {
    res.items()
        .iter()
        .filter(|i| i["role"] == role && i["activity"] == activity)
        .collect()
}

async fn progress(app: &TestApp, s: &Session) -> Response {
    app.get("/v1/quotas/progress")
        .token(&s.token)
        .send()
        .await
        .expect_status(200)
}

#[tokio::test]
async fn only_the_vice_principal_in_charge_of_teaching_has_the_twenty_a_term() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let rules = app
        .get(&format!(
            "/v1/districts/{}/quota-rules",
            principal.district_id()
        ))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let vp_term = rules
        .items()
        .iter()
        .find(|r| r["role"] == "vice_principal" && r["period"] == "term")
        .unwrap();
    assert_eq!(vp_term["qualifier"], "in_charge_of_teaching");
    assert_eq!(
        (&vp_term["minimum"], &vp_term["source"]),
        (&json!(20), &json!("district"))
    );

    // The demo vice principal is the one in charge of teaching.
    let in_charge = app.demo(VICE_PRINCIPAL_A).await;
    let theirs = progress(&app, &in_charge).await;
    let observed = items_of(&theirs, "vice_principal", "observations");
    assert_eq!(observed.len(), 1, "{}", theirs.text);
    assert_eq!(observed[0]["qualifier"], "in_charge_of_teaching");
    assert_eq!(
        items_of(&theirs, "vice_principal", "unannounced_observations").len(),
        1
    );

    // Another vice principal of the school has neither quota.
    let school = principal.school_id();
    let member = app
        .post(&format!("/v1/schools/{school}/members"))
        .token(&principal.token)
        .json(json!({
            "name": "李副校长", "phone": "13622220001", "password": PASSWORD,
            "roles": ["vice_principal", "teacher"]
        }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(member.body["qualifiers"], json!([]));
    let other = app.login("13622220001", PASSWORD).await;
    let theirs = progress(&app, &other).await;
    assert!(
        items_of(&theirs, "vice_principal", "observations").is_empty(),
        "{}",
        theirs.text
    );
    assert_eq!(
        items_of(&theirs, "teacher", "report_lessons_given").len(),
        1
    );

    // The principal names them in charge of teaching: the quotas are theirs from then on.
    let path = format!("/v1/memberships/{}/qualifiers", member.str("id"));
    let teaching = json!({ "qualifiers": ["in_charge_of_teaching"] });
    app.put(&path)
        .token(&app.demo(TEACHER_A).await.token)
        .json(teaching.clone())
        .send()
        .await
        .expect_problem(403, "forbidden");
    app.put(&path)
        .token(&app.demo(PRINCIPAL_B).await.token)
        .json(teaching.clone())
        .send()
        .await
        .expect_problem(404, "not_found");
    let named = app
        .put(&path)
        .token(&principal.token)
        .json(teaching.clone())
        .send()
        .await
        .expect_status(200);
    assert_eq!(named.body["qualifiers"], json!(["in_charge_of_teaching"]));
    app.put(&path)
        .token(&principal.token)
        .header("if-match", "\"member.stale\"")
        .json(json!({ "qualifiers": [] }))
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    let theirs = progress(&app, &other).await;
    assert_eq!(items_of(&theirs, "vice_principal", "observations").len(), 1);
    let me = app
        .get("/v1/me")
        .token(&other.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        me.body["memberships"][0]["qualifiers"],
        json!(["in_charge_of_teaching"])
    );
    app.put(&path)
        .token(&principal.token)
        .header("if-match", &named.etag())
        .json(json!({ "qualifiers": [] }))
        .send()
        .await
        .expect_status(200);
    let theirs = progress(&app, &other).await;
    assert!(items_of(&theirs, "vice_principal", "observations").is_empty());

    // A qualifier names a role the member holds, and only a known one.
    let qualified = |phone: &str, roles: Value, qualifiers: Value| {
        app.post(&format!("/v1/schools/{school}/members"))
            .token(&principal.token)
            .json(json!({
                "name": "新人", "phone": phone, "password": PASSWORD,
                "roles": roles, "qualifiers": qualifiers
            }))
            .send()
    };
    qualified(
        "13622220002",
        json!(["teacher"]),
        json!(["in_charge_of_teaching"]),
    )
    .await
    .expect_problem(422, "qualifier_not_allowed");
    qualified(
        "13622220003",
        json!(["vice_principal"]),
        json!(["in_charge_of_sports"]),
    )
    .await
    .expect_problem(422, "unknown_qualifier");
    let second = qualified(
        "13622220004",
        json!(["vice_principal"]),
        json!(["in_charge_of_teaching"]),
    )
    .await
    .expect_status(201);
    assert_eq!(second.body["qualifiers"], json!(["in_charge_of_teaching"]));

    // A district may bind every vice principal again, beside the qualified rule.
    let admin = app.admin().await;
    let path = format!("/v1/districts/{}/quota-rules", principal.district_id());
    let both = json!({ "rules": [
        { "role": "vice_principal", "qualifier": "in_charge_of_teaching",
          "activity": "observations", "period": "term", "minimum": 20 },
        { "role": "vice_principal", "activity": "observations", "period": "term", "minimum": 10 }
    ]});
    app.put(&path)
        .token(&admin.token)
        .json(both)
        .send()
        .await
        .expect_status(200);
    let theirs = progress(&app, &other).await;
    let observed = items_of(&theirs, "vice_principal", "observations");
    assert_eq!(observed.len(), 1);
    assert_eq!(observed[0]["required"], 10);
    assert_eq!(
        items_of(
            &progress(&app, &in_charge).await,
            "vice_principal",
            "observations"
        )
        .len(),
        2
    );
    app.put(&path)
        .token(&admin.token)
        .json(json!({ "rules": [
            { "role": "dean", "qualifier": "in_charge_of_teaching",
              "activity": "observations", "period": "term", "minimum": 20 }
        ]}))
        .send()
        .await
        .expect_problem(422, "invalid_quota_rule");
}

#[tokio::test]
async fn a_school_sets_rules_stricter_than_the_districts_and_never_looser() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    let path = format!("/v1/schools/{school}/quota-rules");
    let listed = app
        .get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert!(listed.items().iter().all(|r| r["source"] == "district"));
    let district_count = listed.items().len();

    let stricter = json!({ "rules": [
        { "role": "principal", "activity": "observations", "period": "term", "minimum": 40 },
        { "role": "dean", "activity": "unannounced_observations", "period": "week", "minimum": 2,
          "feedback_min_chars": 30 }
    ]});
    let saved = app
        .put(&path)
        .token(&principal.token)
        .json(stricter.clone())
        .send()
        .await
        .expect_status(200);
    assert_eq!(saved.items().len(), district_count + 2);
    let own: Vec<&Value> = saved
        .items()
        .iter()
        .filter(|r| r["source"] == "school")
        .collect();
    assert_eq!(own.len(), 2);
    assert!(own.iter().all(|r| r["school_id"] == school.as_str()));
    let forty = own.iter().find(|r| r["role"] == "principal").unwrap();
    assert_eq!(
        forty["feedback_min_chars"], 5,
        "without its own, a school's rule asks the district's written feedback"
    );
    let etag = saved.etag();
    let again = app
        .get(&path)
        .token(&principal.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);

    // Both rules appear in progress, each marked with where it comes from.
    let mine = progress(&app, &principal).await;
    let observed = items_of(&mine, "principal", "observations");
    let mut sources: Vec<(&str, i64)> = observed
        .iter()
        .map(|i| {
            (
                i["source"].as_str().unwrap(),
                i["required"].as_i64().unwrap(),
            )
        })
        .collect();
    sources.sort();
    assert_eq!(sources, [("district", 30), ("school", 40)]);
    // The school report shows them; another school's principal is bound by the district's only.
    let term = mine.str("term_id").to_string();
    let report = app
        .get(&format!("/v1/schools/{school}/compliance?term_id={term}"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let row = report.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == principal.id())
        .unwrap();
    assert!(row["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["source"] == "school"));
    let csv = app
        .get(&format!(
            "/v1/schools/{school}/compliance?term_id={term}&format=csv"
        ))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert!(
        csv.text
            .lines()
            .any(|l| l.contains("王校长") && l.contains(",40,") && l.ends_with(",校")),
        "{}",
        csv.text
    );
    let other = app.demo(PRINCIPAL_B).await;
    let theirs = progress(&app, &other).await;
    assert!(theirs.items().iter().all(|i| i["source"] == "district"));

    // Never looser, and only what a school may set.
    for (rules, code) in [
        (
            json!([{ "role": "principal", "activity": "observations", "period": "term", "minimum": 29 }]),
            "school_rule_not_stricter",
        ),
        (
            json!([{ "role": "principal", "activity": "observations", "period": "term", "minimum": 30 }]),
            "school_rule_not_stricter",
        ),
        (
            json!([{ "role": "principal", "activity": "observations", "period": "school_year",
                     "minimum": 40 }]),
            "school_rule_not_stricter",
        ),
        (
            json!([{ "role": "principal", "activity": "observations", "period": "term",
                     "minimum": 40, "feedback_min_chars": 2 }]),
            "school_rule_not_stricter",
        ),
        (
            json!([{ "target": "group", "group_kind": "subject", "activity": "research_activities",
                     "period": "week", "minimum": 2 }]),
            "invalid_quota_rule",
        ),
        (
            json!([{ "role": "researcher", "activity": "observations", "period": "term", "minimum": 40 }]),
            "invalid_quota_rule",
        ),
        (
            json!([{ "role": "dean", "activity": "observations", "period": "term", "minimum": 40 },
                   { "role": "dean", "activity": "observations", "period": "term", "minimum": 50 }]),
            "duplicate_quota_rule",
        ),
    ] {
        app.put(&path)
            .token(&principal.token)
            .json(json!({ "rules": rules }))
            .send()
            .await
            .expect_problem(422, code);
    }
    // A stale If-Match is refused; who may set them.
    app.put(&path)
        .token(&principal.token)
        .header("if-match", "\"rules.stale\"")
        .json(stricter.clone())
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    app.put(&path)
        .token(&app.demo(TEACHER_A).await.token)
        .json(stricter.clone())
        .send()
        .await
        .expect_problem(403, "forbidden");
    app.put(&path)
        .token(&other.token)
        .json(stricter.clone())
        .send()
        .await
        .expect_problem(404, "not_found");

    // The district replacing its rules leaves the school's; its list shows its own only.
    let admin = app.admin().await;
    let district_path = format!("/v1/districts/{}/quota-rules", principal.district_id());
    let district = app
        .put(&district_path)
        .token(&admin.token)
        .json(json!({ "rules": [
            { "role": "principal", "activity": "observations", "period": "term", "minimum": 30 }
        ]}))
        .send()
        .await
        .expect_status(200);
    assert!(district.items().iter().all(|r| r["source"] == "district"));
    let listed = app
        .get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(listed.items().len(), 3, "{}", listed.text);
    // Emptied, the school's rules are gone and the district's stay.
    let emptied = app
        .put(&path)
        .token(&principal.token)
        .json(json!({ "rules": [] }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(emptied.items().len(), 1);
}

#[tokio::test]
async fn an_observation_without_written_feedback_is_not_yet_ting_ping_ke() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let colleague = app.demo(TEACHER_A2).await;
    let school = principal.school_id();
    let submitted = |by: &Session, body: Value| {
        let (app, token) = (&app, by.token.clone());
        async move {
            let draft = app
                .post("/v1/observations")
                .token(&token)
                .json(body)
                .send()
                .await
                .expect_status(201);
            app.post(&format!("/v1/observations/{}/submit", draft.str("id")))
                .token(&token)
                .send()
                .await
                .expect_status(200)
        }
    };
    let mut scores_only = lesson(&school, teacher.id(), 3, 40);
    scores_only["strengths"] = json!(" 好 ");
    scores_only["suggestions"] = json!("不错");
    let bare = submitted(&principal, scores_only.clone()).await;
    assert_eq!(
        (&bare.body["counted"], bare.str("not_counted_reason")),
        (&json!(false), "no_written_feedback")
    );
    // A teacher's note on a colleague's lesson: no rule of theirs asks written feedback.
    let mut by_teacher = scores_only.clone();
    by_teacher["id"] = json!(uuid::Uuid::now_v7().to_string());
    by_teacher["teacher_id"] = json!(colleague.id());
    let noted = submitted(&teacher, by_teacher).await;
    assert_eq!(noted.body["counted"], true, "{}", noted.text);

    // What did not count takes no slot: the same lesson with feedback counts.
    let mut written = lesson(&school, teacher.id(), 3, 40);
    written["started_at"] = scores_only["started_at"].clone();
    written["ended_at"] = scores_only["ended_at"].clone();
    written["strengths"] = json!("情境导入自然,学生参与度高");
    let counted = submitted(&principal, written).await;
    assert_eq!(counted.body["counted"], true, "{}", counted.text);

    // A leader's correction that adds the feedback makes an observation count, judged again.
    let mut later = lesson(&school, teacher.id(), 6, 40);
    later["strengths"] = json!("");
    later["suggestions"] = json!("");
    let bare = submitted(&principal, later).await;
    assert_eq!(bare.str("not_counted_reason"), "no_written_feedback");
    let corrected = app
        .post(&format!("/v1/observations/{}/corrections", bare.str("id")))
        .token(&app.demo(DEAN_A).await.token)
        .json(json!({ "reason": "补写评课意见", "suggestions": "小组讨论时间可以再充分一些" }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(
        (
            &corrected.body["counted"],
            &corrected.body["not_counted_reason"]
        ),
        (&json!(true), &Value::Null)
    );

    // The district sets the length: 20 characters, and the short note no longer counts.
    let admin = app.admin().await;
    app.put(&format!(
        "/v1/districts/{}/quota-rules",
        principal.district_id()
    ))
    .token(&admin.token)
    .json(json!({ "rules": [
        { "role": "principal", "activity": "observations", "period": "term", "minimum": 30,
          "feedback_min_chars": 20 }
    ]}))
    .send()
    .await
    .expect_status(200);
    let mut short = lesson(&school, teacher.id(), 9, 40);
    short["strengths"] = json!("情境导入自然,学生参与度高");
    let judged = submitted(&principal, short).await;
    assert_eq!(judged.str("not_counted_reason"), "no_written_feedback");
}

/// Eight overlapping lessons of one observer (eight classes at once, as phones replaying a
/// day's queue might send them) submitted in parallel, in five rounds: one of each round
/// counts, the others are `duplicate_slot`. On PostgreSQL the submissions run at once on
/// their own connections; the observer's row lock orders them (without it this test fails).
#[tokio::test]
async fn overlapping_lessons_submitted_at_once_count_once() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = principal.school_id();
    for round in 0..5 {
        // 20:00 China time, three to seven days ago: clear of the demo's lessons (10:00 every
        // other day, and the open week's) whatever the hour the test runs, and not yet late.
        let day = chrono::Utc::now().date_naive() - chrono::Days::new(3 + round);
        let start = day.and_hms_opt(12, 0, 0).unwrap().and_utc();
        let mut ids = Vec::new();
        for class in 1..=8 {
            let mut body = lesson(&school, teacher.id(), 50, 40);
            body["class_name"] = json!(format!("四年级{class}班"));
            body["started_at"] = json!((start + chrono::Duration::minutes(class)).to_rfc3339());
            body["ended_at"] = json!((start + chrono::Duration::minutes(40 + class)).to_rfc3339());
            let draft = create(&app, &principal, &body).await.expect_status(201);
            ids.push(draft.str("id").to_string());
        }
        let answers =
            futures_util::future::join_all(ids.iter().map(|id| submit(&app, &principal, id))).await;
        let mut counted = 0;
        for a in answers {
            let a = a.expect_status(200);
            match a.body["counted"].as_bool().unwrap() {
                true => counted += 1,
                false => assert_eq!(a.str("not_counted_reason"), "duplicate_slot"),
            }
        }
        assert_eq!(
            counted, 1,
            "round {round}: one person watches one lesson at a time"
        );
    }
}

/// District staff (issue 20): a bureau leader observes in every school of their district and in
/// no other, reads the district's reports and counts against the rules the district sets for
/// them; a researcher gives a demonstration lesson in a school and is observed in it.
#[tokio::test]
async fn a_bureau_leader_observes_and_a_researcher_is_observed_in_the_right_schools() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let researcher = app.demo(RESEARCHER).await;
    let district = principal.district_id();
    let school = principal.school_id();
    app.post(&format!("/v1/districts/{district}/members"))
        .token(&admin.token)
        .json(json!({
            "name": "刘局长", "phone": "13644440001", "password": PASSWORD,
            "roles": ["bureau_leader"]
        }))
        .send()
        .await
        .expect_status(201);
    app.post(&format!("/v1/schools/{school}/members"))
        .token(&principal.token)
        .json(json!({
            "name": "局长", "phone": "13644440002", "password": PASSWORD,
            "roles": ["bureau_leader"]
        }))
        .send()
        .await
        .expect_problem(422, "role_not_allowed");
    let bureau = app.login("13644440001", PASSWORD).await;

    // The district binds its bureau leaders: 10 observations a term.
    let rules_path = format!("/v1/districts/{district}/quota-rules");
    let mut rules: Vec<Value> = app
        .get(&rules_path)
        .token(&admin.token)
        .send()
        .await
        .expect_status(200)
        .items()
        .iter()
        .map(|r| {
            json!({ "target": r["target"], "role": r["role"], "qualifier": r["qualifier"],
                    "group_kind": r["group_kind"], "activity": r["activity"],
                    "period": r["period"], "minimum": r["minimum"],
                    "feedback_min_chars": r["feedback_min_chars"] })
        })
        .collect();
    rules.push(
        json!({ "role": "bureau_leader", "activity": "observations", "period": "term",
                       "minimum": 10, "feedback_min_chars": 5 }),
    );
    app.put(&rules_path)
        .token(&admin.token)
        .json(json!({ "rules": rules }))
        .send()
        .await
        .expect_status(200);

    // A bureau leader observes in a school of the district.
    let body = lesson(&school, teacher.id(), 5, 40);
    let draft = create(&app, &bureau, &body).await.expect_status(201);
    let done = submit(&app, &bureau, draft.str("id"))
        .await
        .expect_status(200);
    assert_eq!(done.body["counted"], true, "{}", done.text);
    let mine = progress(&app, &bureau).await;
    let observed = items_of(&mine, "bureau_leader", "observations");
    assert_eq!(
        (&observed[0]["done"], &observed[0]["required"]),
        (&json!(1), &json!(10))
    );
    // … and in no school of another district.
    let other = app
        .post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "邻区" }))
        .send()
        .await
        .expect_status(201);
    let far = app
        .post("/v1/schools")
        .token(&admin.token)
        .json(json!({ "name": "邻区小学", "district_id": other.str("id") }))
        .send()
        .await
        .expect_status(201);
    let elsewhere = lesson(far.str("id"), teacher.id(), 7, 40);
    create(&app, &bureau, &elsewhere)
        .await
        .expect_problem(404, "not_found");
    // The district's reports are theirs to read; they are listed with the district staff.
    let term = mine.str("term_id").to_string();
    let report = app
        .get(&format!(
            "/v1/districts/{district}/compliance?term_id={term}"
        ))
        .token(&bureau.token)
        .send()
        .await
        .expect_status(200);
    let staff = report.body["researchers"].as_array().unwrap();
    assert!(
        staff.iter().any(|r| r["user_id"] == bureau.id()),
        "{}",
        report.text
    );
    app.get(&format!("/v1/schools/{school}/compliance?term_id={term}"))
        .token(&bureau.token)
        .send()
        .await
        .expect_status(200);
    app.get(&format!(
        "/v1/districts/{}/compliance?term_id={term}",
        other.str("id")
    ))
    .token(&bureau.token)
    .send()
    .await
    .expect_problem(404, "not_found");

    // A researcher gives a demonstration lesson in school A: the principal observes it.
    let mut demo_lesson = lesson(&school, researcher.id(), 9, 40);
    demo_lesson["kind"] = json!("demonstration");
    let draft = create(&app, &principal, &demo_lesson)
        .await
        .expect_status(201);
    submit(&app, &principal, draft.str("id"))
        .await
        .expect_status(200);
    let seen = app
        .get(&format!("/v1/observations/{}", draft.str("id")))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(seen.body["teacher_id"], researcher.id());
    app.post(&format!("/v1/observations/{}/acknowledge", draft.str("id")))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    // A bureau leader gives no lessons in schools; nobody of another district does.
    let mut by_bureau = lesson(&school, bureau.id(), 9, 40);
    by_bureau["kind"] = json!("demonstration");
    create(&app, &principal, &by_bureau)
        .await
        .expect_problem(422, "teacher_not_in_school");
    let other_researcher = app
        .post(&format!("/v1/districts/{}/members", other.str("id")))
        .token(&admin.token)
        .json(json!({
            "name": "外区教研员", "phone": "13644440003", "password": PASSWORD,
            "roles": ["researcher"]
        }))
        .send()
        .await
        .expect_status(201);
    let stranger = lesson(&school, other_researcher.str("user_id"), 9, 40);
    create(&app, &principal, &stranger)
        .await
        .expect_problem(422, "teacher_not_in_school");
}

/// A researcher's contact schools (联系点): set by an admin, schools of the district only, and the
/// district report narrowed to them.
#[tokio::test]
async fn a_researchers_report_narrows_to_their_contact_schools() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let researcher = app.demo(RESEARCHER).await;
    let district = principal.district_id();
    let school = principal.school_id();
    let membership = researcher.user["memberships"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/memberships/{membership}/contact-schools");
    app.put(&path)
        .token(&researcher.token)
        .json(json!({ "school_ids": [school] }))
        .send()
        .await
        .expect_problem(403, "forbidden");
    let other = app
        .post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "邻区" }))
        .send()
        .await
        .expect_status(201);
    let far = app
        .post("/v1/schools")
        .token(&admin.token)
        .json(json!({ "name": "邻区小学", "district_id": other.str("id") }))
        .send()
        .await
        .expect_status(201);
    app.put(&path)
        .token(&admin.token)
        .json(json!({ "school_ids": [school, far.str("id")] }))
        .send()
        .await
        .expect_problem(422, "school_not_in_district");
    let set = app
        .put(&path)
        .token(&admin.token)
        .json(json!({ "school_ids": [school, school] }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(set.body["contact_school_ids"], json!([school]));
    let me = app
        .get("/v1/me")
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        me.body["memberships"][0]["contact_school_ids"],
        json!([school])
    );

    let term = app
        .get(&format!("/v1/districts/{district}/terms"))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200)
        .items()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let report = |contact: bool| {
        let (app, token, district, term) = (&app, researcher.token.clone(), &district, &term);
        async move {
            app.get(&format!(
                "/v1/districts/{district}/compliance?term_id={term}&contact_schools={contact}"
            ))
            .token(&token)
            .send()
            .await
            .expect_status(200)
        }
    };
    let all = report(false).await;
    assert_eq!(all.body["schools"].as_array().unwrap().len(), 2);
    let mine = report(true).await;
    let schools = mine.body["schools"].as_array().unwrap();
    assert_eq!(schools.len(), 1);
    assert_eq!(schools[0]["school_id"], school.as_str());
    assert!(mine.body["researchers"].as_array().unwrap().is_empty());
    assert_eq!(mine.body["totals"]["people"], schools[0]["people"]);
    // The admin has no contact schools: narrowed, nothing is left.
    let none = app
        .get(&format!(
            "/v1/districts/{district}/compliance?term_id={term}&contact_schools=true"
        ))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert!(none.body["schools"].as_array().unwrap().is_empty());
}
