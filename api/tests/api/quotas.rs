//! Quota rules as data, progress against them, and the compliance reports.

use crate::helpers::*;
use crate::observations::{create, lesson, submit};
use serde_json::{json, Value};

async fn demo_term(app: &TestApp, s: &Session) -> String {
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

fn item<'a>(res: &'a Response, role: &str, activity: &str) -> &'a Value {
    res.items()
        .iter()
        .find(|i| i["role"] == role && i["activity"] == activity)
        .unwrap_or_else(|| panic!("no {role} {activity} in {}", res.text))
}

#[tokio::test]
async fn every_new_district_gets_the_default_rules_and_an_admin_changes_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = app
        .post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "新区" }))
        .send()
        .await
        .expect_status(201);
    let path = format!("/v1/districts/{}/quota-rules", district.str("id"));
    let rules = app
        .get(&path)
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        rules.items().len(),
        15,
        "nine for people (a researcher's open lesson a term too), three for pairs, two for \
         groups, one for schools"
    );
    let preparation = rules
        .items()
        .iter()
        .find(|r| r["target"] == "group" && r["group_kind"] == "preparation")
        .unwrap();
    assert_eq!(
        (&preparation["activity"], &preparation["period"]),
        (&json!("collective_preparations"), &json!("week"))
    );
    let principal = rules
        .items()
        .iter()
        .find(|r| r["role"] == "principal" && r["period"] == "term")
        .unwrap();
    assert_eq!(principal["minimum"], 30);
    let replaced = app
        .put(&path)
        .token(&admin.token)
        .json(json!({ "rules": [
            { "role": "principal", "activity": "observations", "period": "term", "minimum": 25 },
            { "role": "teacher", "activity": "observations", "period": "term", "minimum": 10 }
        ]}))
        .send()
        .await
        .expect_status(200);
    assert_eq!(replaced.items().len(), 2);
    let again = app
        .get(&path)
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(again.body, replaced.body);
    for (rules, code) in [
        (
            json!([{ "role": "dean", "activity": "observations", "period": "term", "minimum": 1 },
                   { "role": "dean", "activity": "observations", "period": "term", "minimum": 2 }]),
            "duplicate_quota_rule",
        ),
        (
            json!([{ "role": "dean", "activity": "observations", "period": "term", "minimum": 0 }]),
            "invalid_quota_rule",
        ),
        (
            json!([{ "role": "janitor", "activity": "observations", "period": "term", "minimum": 1 }]),
            "wrong_type",
        ),
        (
            json!([{ "role": "mentor", "activity": "observations", "period": "term", "minimum": 1 }]),
            "invalid_quota_rule",
        ),
        (
            json!([{ "role": "teacher", "activity": "guidance", "period": "term", "minimum": 1 }]),
            "invalid_quota_rule",
        ),
    ] {
        app.put(&path)
            .token(&admin.token)
            .json(json!({ "rules": rules }))
            .send()
            .await
            .expect_problem(422, code);
    }
    assert_eq!(
        app.get(&path).token(&admin.token).send().await.body,
        replaced.body
    );
}

#[tokio::test]
async fn only_admins_change_rules_and_other_districts_see_none() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let path = format!("/v1/districts/{}/quota-rules", principal.district_id());
    app.get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    app.put(&path)
        .token(&principal.token)
        .json(json!({ "rules": [] }))
        .send()
        .await
        .expect_problem(403, "forbidden");
    let admin = app.admin().await;
    let stranger = app.new_school(&admin, "13611119999").await;
    app.get(&path)
        .token(&stranger.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn the_demo_principal_has_some_done_and_some_remaining() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let term = demo_term(&app, &principal).await;
    let res = app
        .get(&format!("/v1/quotas/progress?term_id={term}"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(res.str("user_id"), principal.id());
    let observed = item(&res, "principal", "observations");
    assert_eq!(
        (
            &observed["required"],
            &observed["done"],
            &observed["remaining"]
        ),
        (&json!(30), &json!(9), &json!(21))
    );
    assert!(observed["weeks_missed"].is_null());
    let weekly = item(&res, "principal", "unannounced_observations");
    assert_eq!(weekly["period"], "week");
    assert!(weekly["weeks_missed"].is_i64());
    // The principal also teaches: the report-lesson rule applies too.
    item(&res, "teacher", "report_lessons_given");
}

#[tokio::test]
async fn progress_follows_submissions_and_only_those() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A2).await;
    let term = demo_term(&app, &principal).await;
    let path = format!("/v1/quotas/progress?term_id={term}");
    let done = |res: &Response| {
        item(res, "principal", "observations")["done"]
            .as_i64()
            .unwrap()
    };
    let before = done(&app.get(&path).token(&principal.token).send().await);
    let mut body = lesson(&principal.school_id(), teacher.id(), 2, 45);
    body["kind"] = json!("report_lesson");
    let draft = create(&app, &principal, &body).await.expect_status(201);
    let now = app.get(&path).token(&principal.token).send().await;
    assert_eq!(done(&now), before, "a draft does not count");
    submit(&app, &principal, draft.str("id"))
        .await
        .expect_status(200);
    let after = app.get(&path).token(&principal.token).send().await;
    assert_eq!(done(&after), before + 1);
    // The observed teacher's report lesson is done.
    let theirs = app
        .get(&path)
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let report = item(&theirs, "teacher", "report_lessons_given");
    assert_eq!(
        (&report["done"], &report["remaining"]),
        (&json!(1), &json!(0))
    );
}

#[tokio::test]
async fn whose_progress_one_may_read() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let term = demo_term(&app, &principal).await;
    let of = |user: &Session| format!("/v1/quotas/progress?term_id={term}&user_id={}", user.id());
    app.get(&of(&teacher))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    app.get(&of(&teacher))
        .token(&app.demo(RESEARCHER).await.token)
        .send()
        .await
        .expect_status(200);
    app.get(&of(&principal))
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get(&of(&teacher))
        .token(&app.demo(PRINCIPAL_B).await.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get("/v1/quotas/progress?term_id=nope")
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(404, "term_not_found");
    // Without a term: the one today falls in.
    let current = app
        .get("/v1/quotas/progress")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(current.str("term_id"), demo_term(&app, &teacher).await);
    app.get("/v1/quotas/progress?term_id=")
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(404, "term_not_found");
}

#[tokio::test]
async fn the_school_report_lists_everyone_with_a_quota_as_json_and_csv() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let term = demo_term(&app, &principal).await;
    let path = format!(
        "/v1/schools/{}/compliance?term_id={term}",
        principal.school_id()
    );
    let report = app
        .get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let rows = report.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 7, "every member of 实验小学 teaches or leads");
    let row = rows
        .iter()
        .find(|r| r["user_id"] == principal.id())
        .unwrap();
    assert_eq!(
        row["behind"], true,
        "8 of 30 is behind pace by late November"
    );
    assert_eq!(report.body["totals"]["people"], 7);
    assert!(report.body["totals"]["done"].as_i64().unwrap() >= 9);
    // The pace of the term, teaching week by teaching week up to this one: what was done so far
    // never shrinks, and the even pace climbs to what the term rules ask in all.
    let weeks = report.body["weeks"].as_array().unwrap();
    assert!(
        weeks.len() >= 3,
        "the demo term has run for weeks: {weeks:?}"
    );
    let field = |w: &Value, f: &str| w[f].as_i64().unwrap();
    for (i, pair) in weeks.windows(2).enumerate() {
        assert_eq!(field(&pair[0], "week"), i as i64 + 1);
        assert_eq!(field(&pair[1], "week"), i as i64 + 2);
        assert!(field(&pair[1], "done_so_far") >= field(&pair[0], "done_so_far"));
        assert!(field(&pair[1], "expected_so_far") >= field(&pair[0], "expected_so_far"));
        let added = field(&pair[1], "done_so_far") - field(&pair[0], "done_so_far");
        assert_eq!(field(&pair[1], "done"), added);
    }
    let last = weeks.last().unwrap();
    assert!(
        field(last, "done_so_far") >= 5,
        "the demo observations: {last}"
    );

    let csv = app
        .get(&format!("{path}&format=csv"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text.starts_with('\u{feff}'), "a BOM for spreadsheets");
    assert!(csv.text.contains("王校长") && csv.text.contains("听评课"));
    let by_accept = app
        .get(&path)
        .token(&principal.token)
        .header("accept", "text/csv")
        .send()
        .await
        .expect_status(200);
    assert_eq!(by_accept.text, csv.text);

    app.get(&path)
        .token(&app.demo(TEACHER_A).await.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    app.get(&path)
        .token(&app.demo(GRADE_LEADER_A).await.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    app.get(&path)
        .token(&app.demo(RESEARCHER).await.token)
        .send()
        .await
        .expect_status(200);
    app.get(&path)
        .token(&app.demo(PRINCIPAL_B).await.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("{path}&format=pdf"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_query");
}

#[tokio::test]
async fn the_district_report_sums_each_school_and_lists_researchers() {
    let app = spawn_demo_app().await;
    let researcher = app.demo(RESEARCHER).await;
    let term = demo_term(&app, &researcher).await;
    let path = format!(
        "/v1/districts/{}/compliance?term_id={term}",
        researcher.district_id()
    );
    let report = app
        .get(&path)
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    let schools = report.body["schools"].as_array().unwrap();
    assert_eq!(schools.len(), 2);
    let total: i64 = schools.iter().map(|s| s["people"].as_i64().unwrap()).sum();
    let researchers = report.body["researchers"].as_array().unwrap();
    assert_eq!(researchers.len(), 1);
    assert_eq!(report.body["totals"]["people"].as_i64().unwrap(), total + 1);
    let admin = app.admin().await;
    app.get(&path)
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let csv = app
        .get(&format!("{path}&format=csv"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert!(csv.text.contains("孙教研员"));
    app.get(&path)
        .token(&app.demo(PRINCIPAL_A).await.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
}

/// Every report row's items equal that person's progress (their own rules, pairs aside), as
/// `by` reads it.
async fn assert_rows_are_progress(app: &TestApp, by: &Session, term: &str, rows: &Value) {
    for row in rows.as_array().unwrap() {
        let user_id = row["user_id"].as_str().unwrap();
        let progress = app
            .get(&format!(
                "/v1/quotas/progress?term_id={term}&user_id={user_id}"
            ))
            .token(&by.token)
            .send()
            .await
            .expect_status(200);
        let items: Vec<Value> = progress
            .items()
            .iter()
            .filter(|i| i["mentorship_id"].is_null())
            .cloned()
            .collect();
        assert_eq!(row["items"].as_array().unwrap(), &items, "{user_id}");
    }
}

// The reports sum counts in the database; a person's progress counts their rows one by one.
// Both must give every person the same figures, weekly rules and report lessons included.
#[tokio::test]
async fn the_reports_agree_with_each_persons_progress() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A2).await;
    let term = demo_term(&app, &principal).await;
    let mut report_lesson = lesson(&principal.school_id(), teacher.id(), 3, 45);
    report_lesson["kind"] = json!("report_lesson");
    for body in [
        lesson(&principal.school_id(), teacher.id(), 2, 45),
        report_lesson,
    ] {
        let draft = create(&app, &principal, &body).await.expect_status(201);
        submit(&app, &principal, draft.str("id"))
            .await
            .expect_status(200);
    }
    let school = app
        .get(&format!(
            "/v1/schools/{}/compliance?term_id={term}",
            principal.school_id()
        ))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_rows_are_progress(&app, &principal, &term, &school.body["rows"]).await;
    let rows = school.body["rows"].as_array().unwrap();
    let weekly = rows
        .iter()
        .flat_map(|r| r["items"].as_array().unwrap())
        .find(|i| i["period"] == "week" && i["done"].as_i64() > Some(0));
    assert!(weekly.is_some(), "a weekly rule with work done is compared");
    let given = rows
        .iter()
        .filter(|r| r["user_id"] == teacher.id())
        .flat_map(|r| r["items"].as_array().unwrap())
        .find(|i| i["activity"] == "report_lessons_given")
        .unwrap();
    assert_eq!(given["done"], 1, "the report lesson is the teacher's");

    let researcher = app.demo(RESEARCHER).await;
    let district = app
        .get(&format!(
            "/v1/districts/{}/compliance?term_id={term}",
            principal.district_id()
        ))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_rows_are_progress(&app, &researcher, &term, &district.body["researchers"]).await;
    let ours = district.body["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["school_id"] == principal.school_id())
        .unwrap();
    for key in ["people", "behind", "required", "done"] {
        assert_eq!(ours[key], school.body["totals"][key], "{key}");
    }
}

/// Rules and terms are kept in memory for a second; a change made through this server shows in
/// the very next read.
#[tokio::test]
async fn a_changed_rule_or_a_new_term_shows_in_the_next_progress_read() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let researcher = app.demo(RESEARCHER).await;
    let terms = app
        .get(&format!("/v1/districts/{}/terms", researcher.district_id()))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    let term = &terms.items()[0];
    let path = format!(
        "/v1/quotas/progress?term_id={}",
        term["id"].as_str().unwrap()
    );
    let yearly = |res: &Response| item(res, "researcher", "observations").clone();
    let before = yearly(&app.get(&path).token(&researcher.token).send().await);
    assert_eq!(before["period_starts_on"], term["starts_on"]);

    let rules = format!("/v1/districts/{}/quota-rules", researcher.district_id());
    app.put(&rules)
        .token(&admin.token)
        .json(json!({ "rules": [
            { "role": "researcher", "activity": "observations", "period": "school_year", "minimum": 7 }
        ]}))
        .send()
        .await
        .expect_status(200);
    let after = yearly(&app.get(&path).token(&researcher.token).send().await);
    assert_eq!(after["required"], 7);

    let starts: chrono::NaiveDate = term["starts_on"].as_str().unwrap().parse().unwrap();
    let earlier = json!({
        "name": "早一学期",
        "school_year": term["school_year"],
        "starts_on": (starts - chrono::Days::new(40)).to_string(),
        "ends_on": (starts - chrono::Days::new(1)).to_string(),
    });
    app.post(&format!("/v1/districts/{}/terms", researcher.district_id()))
        .token(&admin.token)
        .json(earlier.clone())
        .send()
        .await
        .expect_status(201);
    let widened = yearly(&app.get(&path).token(&researcher.token).send().await);
    assert_eq!(widened["period_starts_on"], earlier["starts_on"]);
}

#[tokio::test]
async fn a_newcomers_first_progress_is_the_current_terms_or_a_clear_404() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    // A teacher added today, whose phone knows no term yet.
    app.post(&format!("/v1/schools/{}/members", principal.school_id()))
        .token(&principal.token)
        .json(json!({
            "name": "新来的老师", "phone": "13930000009", "password": PASSWORD,
            "roles": ["teacher"], "subjects": ["数学"]
        }))
        .send()
        .await
        .expect_status(201);
    let newcomer = app.login("13930000009", PASSWORD).await;
    let progress = app
        .get("/v1/quotas/progress")
        .token(&newcomer.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(progress.str("term_id"), demo_term(&app, &principal).await);
    assert_eq!(progress.str("user_id"), newcomer.id());
    assert!(!progress.items().is_empty(), "{}", progress.text);
    // In a district with no term today: 404 saying so, not "no such term".
    let admin = app.admin().await;
    let elsewhere = app.new_school(&admin, "13930000010").await;
    app.get("/v1/quotas/progress")
        .token(&elsewhere.token)
        .send()
        .await
        .expect_problem(404, "no_current_term");
    // Asked about someone else, the answer tells no more than before.
    app.get(&format!("/v1/quotas/progress?user_id={}", elsewhere.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_problem(404, "term_not_found");
}
