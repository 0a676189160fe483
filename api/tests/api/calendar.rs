//! The school calendar (issue 20): a term's holidays, exam weeks and make-up working days set by
//! the district, days off added by a school, and weekly rules that count teaching weeks only.

use crate::helpers::*;
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn day(v: &Value) -> NaiveDate {
    v.as_str().unwrap().parse().unwrap()
}

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

async fn calendar(app: &TestApp, s: &Session, term: &str, school: Option<&str>) -> Response {
    let query = school
        .map(|id| format!("?school_id={id}"))
        .unwrap_or_default();
    app.get(&format!("/v1/terms/{term}/calendar{query}"))
        .token(&s.token)
        .send()
        .await
        .expect_status(200)
}

/// The weekly unannounced rule of a person's progress.
async fn weekly(app: &TestApp, s: &Session, role: &str) -> Value {
    let res = app
        .get("/v1/quotas/progress")
        .token(&s.token)
        .send()
        .await
        .expect_status(200);
    res.items()
        .iter()
        .find(|i| i["role"] == role && i["activity"] == "unannounced_observations")
        .unwrap_or_else(|| panic!("no weekly rule in {}", res.text))
        .clone()
}

/// Teaching weeks of a calendar over before today.
fn finished_teaching_weeks(cal: &Response) -> i64 {
    cal.body["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| !w["teaching_week"].is_null() && day(&w["ends_on"]) < today())
        .count() as i64
}

#[tokio::test]
async fn the_demo_term_has_the_real_calendar_and_a_holiday_week_is_never_missed() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let term = term_of(&app, &principal).await;
    let cal = calendar(&app, &principal, &term, None).await;
    let entries = cal.body["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["source"] == "district"));
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"期末考试") && (names.contains(&"暑假") || names.contains(&"寒假")),
        "{names:?}"
    );
    let starts = day(&cal.body["starts_on"]);
    if starts.year() == 2026 && starts.month() == 8 {
        // The first term of 2026–2027: National Day and its make-up Saturday.
        assert!(names.contains(&"国庆节") && names.contains(&"国庆节调休上班"));
        let first = &cal.body["weeks"].as_array().unwrap()[0];
        assert!(first["teaching_week"].is_null(), "the summer break");
    }
    let current = &cal.body["current_week"];
    assert!(day(&current["starts_on"]) <= today() && today() <= day(&current["ends_on"]));

    // A new dean has done nothing: every finished teaching week is missed, no other.
    let admin = app.admin().await;
    add_member(
        &app,
        &principal,
        &principal.school_id(),
        "13633330001",
        &["dean"],
    )
    .await
    .expect_status(201);
    let dean = app.login("13633330001", PASSWORD).await;
    let before = weekly(&app, &dean, "dean").await;
    assert_eq!(before["weeks_missed"], finished_teaching_weeks(&cal));
    assert_eq!(
        before["required"], cal.body["teaching_weeks"],
        "one a teaching week"
    );

    // The district makes the last finished teaching week a holiday: it is missed no longer.
    let last = cal.body["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|w| !w["teaching_week"].is_null() && day(&w["ends_on"]) < today())
        .cloned();
    let mut kept: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({ "kind": e["kind"], "starts_on": e["starts_on"], "ends_on": e["ends_on"],
                    "name": e["name"] })
        })
        .collect();
    if let Some(last) = last {
        kept.push(json!({ "kind": "holiday", "starts_on": last["starts_on"],
                          "ends_on": last["ends_on"], "name": "校庆" }));
        let changed = app
            .put(&format!("/v1/terms/{term}/calendar"))
            .token(&admin.token)
            .header("if-match", &cal.etag())
            .json(json!({ "entries": kept }))
            .send()
            .await
            .expect_status(200);
        assert_eq!(
            finished_teaching_weeks(&changed),
            finished_teaching_weeks(&cal) - 1
        );
        let after = weekly(&app, &dean, "dean").await;
        assert_eq!(
            after["weeks_missed"].as_i64().unwrap(),
            before["weeks_missed"].as_i64().unwrap() - 1,
            "a holiday week is never a missed week"
        );
        assert_eq!(
            after["required"].as_i64().unwrap(),
            before["required"].as_i64().unwrap() - 1
        );
        // The stale tag of the calendar before is refused.
        app.put(&format!("/v1/terms/{term}/calendar"))
            .token(&admin.token)
            .header("if-match", &cal.etag())
            .json(json!({ "entries": [] }))
            .send()
            .await
            .expect_problem(412, "precondition_failed");
    }
}

#[tokio::test]
async fn a_school_adds_days_off_and_its_people_count_its_weeks() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let other = app.demo(PRINCIPAL_B).await;
    let term = term_of(&app, &principal).await;
    let school = principal.school_id();
    let cal = calendar(&app, &principal, &term, Some(&school)).await;
    let week = cal.body["current_week"].clone();
    if week["teaching_week"].is_null() {
        return; // the demo term's break: nothing to take off
    }
    let mine = weekly(&app, &principal, "principal").await;
    assert_eq!(mine["this_week"]["teaching_week"], week["teaching_week"]);

    // The school takes this week off (a sports meet and its rest days), within the term.
    let starts = day(&week["starts_on"]).max(day(&cal.body["starts_on"]));
    let ends = day(&week["ends_on"]).min(day(&cal.body["ends_on"]));
    let days_off = json!({ "term_id": term, "entries": [
        { "kind": "day_off", "starts_on": starts.to_string(), "ends_on": ends.to_string(),
          "name": "运动会" }
    ]});
    app.put(&format!("/v1/schools/{school}/calendar"))
        .token(&app.demo(TEACHER_A).await.token)
        .json(days_off.clone())
        .send()
        .await
        .expect_problem(403, "forbidden");
    let changed = app
        .put(&format!("/v1/schools/{school}/calendar"))
        .token(&principal.token)
        .json(days_off)
        .send()
        .await
        .expect_status(200);
    let own: Vec<&Value> = changed.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "school")
        .collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["kind"], "day_off");
    assert!(changed.body["current_week"]["teaching_week"].is_null());
    let mine = weekly(&app, &principal, "principal").await;
    assert!(
        mine["this_week"].is_null(),
        "no teaching week under way: {mine}"
    );
    // Another school keeps the district's calendar.
    let theirs = weekly(&app, &other, "principal").await;
    assert_eq!(theirs["this_week"]["teaching_week"], week["teaching_week"]);
    let district = calendar(&app, &principal, &term, None).await;
    assert!(district.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["source"] == "district"));

    // Only days off are a school's to set; the district's entries stay when it changes them.
    app.put(&format!("/v1/schools/{school}/calendar"))
        .token(&principal.token)
        .json(json!({ "term_id": term, "entries": [
            { "kind": "holiday", "starts_on": starts.to_string(), "ends_on": ends.to_string(),
              "name": "放假" }
        ]}))
        .send()
        .await
        .expect_problem(422, "invalid_calendar");
    let admin = app.admin().await;
    app.put(&format!("/v1/terms/{term}/calendar"))
        .token(&admin.token)
        .json(json!({ "entries": [] }))
        .send()
        .await
        .expect_status(200);
    let left = calendar(&app, &principal, &term, Some(&school)).await;
    let entries = left.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "the school's day off stays");
    app.get(&format!("/v1/terms/{term}/calendar?school_id={school}"))
        .token(&other.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

async fn sync(app: &TestApp, s: &Session, since: Option<&str>) -> Response {
    let query = since.map(|c| format!("?since={c}")).unwrap_or_default();
    app.get(&format!("/v1/sync{query}"))
        .token(&s.token)
        .send()
        .await
        .expect_status(200)
}

#[tokio::test]
async fn phones_sync_the_calendar_and_only_their_schools_days_off() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let elsewhere = app.demo(TEACHER_B).await;
    let term = term_of(&app, &principal).await;
    let school = principal.school_id();
    let first = sync(&app, &teacher, None).await;
    let entries = first.body["calendar_entries"].as_array().unwrap();
    assert!(
        !entries.is_empty(),
        "the district's calendar comes with a first sync"
    );
    assert!(entries.iter().all(|e| e["term_id"] == term.as_str()));
    let other_first = sync(&app, &elsewhere, None).await;

    let cal = calendar(&app, &principal, &term, Some(&school)).await;
    let day = cal.body["starts_on"].as_str().unwrap().to_string();
    let set = app
        .put(&format!("/v1/schools/{school}/calendar"))
        .token(&principal.token)
        .json(json!({ "term_id": term, "entries": [
            { "kind": "day_off", "starts_on": day, "ends_on": day, "name": "运动会" }
        ]}))
        .send()
        .await
        .expect_status(200);
    let day_off = set.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == "school")
        .unwrap()["id"]
        .clone();
    let next = sync(&app, &teacher, Some(first.str("cursor"))).await;
    let came: Vec<&Value> = next.body["calendar_entries"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(came.len(), 1, "{}", next.text);
    assert_eq!(came[0]["id"], day_off);
    let theirs = sync(&app, &elsewhere, Some(other_first.str("cursor"))).await;
    assert!(
        theirs.body.get("calendar_entries").is_none(),
        "lean: no list"
    );

    app.put(&format!("/v1/schools/{school}/calendar"))
        .token(&principal.token)
        .json(json!({ "term_id": term, "entries": [] }))
        .send()
        .await
        .expect_status(200);
    let after = sync(&app, &teacher, Some(next.str("cursor"))).await;
    let gone = after.body["deleted"].as_array().unwrap();
    assert!(
        gone.iter()
            .any(|t| t["kind"] == "calendar_entry" && t["id"] == day_off),
        "{}",
        after.text
    );
}
