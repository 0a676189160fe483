//! Late observations and closed terms (issue 26, item 8): observations typed in today and dated
//! into past weeks count for totals but fill no missed week, and a term closed for more than a
//! week gains no counts.

use crate::helpers::*;
use crate::observations::{create, full_scores, submit};
use chrono::{Datelike, Days, NaiveDate, Utc};
use serde_json::{json, Value};

/// Today in China.
fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn ago(days: u64) -> NaiveDate {
    today() - Days::new(days)
}

fn ahead(days: u64) -> NaiveDate {
    today() + Days::new(days)
}

/// A 40-minute unannounced lesson at 10:00 China time on `day` (a day before today).
fn lesson_on(school: &str, teacher: &str, day: NaiveDate) -> Value {
    let start = day.and_hms_opt(2, 0, 0).unwrap().and_utc();
    json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "school_id": school,
        "teacher_id": teacher,
        "kind": "unannounced",
        "subject": "数学",
        "grade": "四年级",
        "class_name": "四年级1班",
        "topic": "小数的意义",
        "started_at": start.to_rfc3339(),
        "ended_at": (start + chrono::Duration::minutes(40)).to_rfc3339(),
        "scores": full_scores(8),
        "strengths": "情境导入自然",
        "suggestions": "练习可以分层",
    })
}

/// A new district with one school, its principal and a teacher.
struct District {
    app: TestApp,
    admin: Session,
    principal: Session,
    teacher: String,
}

async fn district() -> District {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let principal = app.new_school(&admin, "13622220001").await;
    let teacher = add_member(
        &app,
        &admin,
        &principal.school_id(),
        "13622220002",
        &["teacher"],
    )
    .await
    .expect_status(201);
    let teacher = teacher.str("user_id").to_string();
    District {
        app,
        admin,
        principal,
        teacher,
    }
}

impl District {
    async fn term(&self, school_year: &str, starts_on: NaiveDate, ends_on: NaiveDate) -> String {
        self.app
            .post(&format!(
                "/v1/districts/{}/terms",
                self.principal.district_id()
            ))
            .token(&self.admin.token)
            .json(json!({
                "name": format!("{starts_on} 起的学期"),
                "school_year": school_year,
                "starts_on": starts_on.to_string(),
                "ends_on": ends_on.to_string(),
            }))
            .send()
            .await
            .expect_status(201)
            .str("id")
            .to_string()
    }

    /// The principal observes the teacher's lesson on `day` and submits it.
    async fn observe(&self, day: NaiveDate) -> Response {
        let body = lesson_on(&self.principal.school_id(), &self.teacher, day);
        let created = create(&self.app, &self.principal, &body)
            .await
            .expect_status(201);
        submit(&self.app, &self.principal, created.str("id"))
            .await
            .expect_status(200)
    }

    async fn progress(&self, term: &str) -> Response {
        self.app
            .get(&format!("/v1/quotas/progress?term_id={term}"))
            .token(&self.principal.token)
            .send()
            .await
            .expect_status(200)
    }
}

fn item<'a>(res: &'a Response, activity: &str) -> &'a Value {
    res.items()
        .iter()
        .find(|i| i["role"] == "principal" && i["activity"] == activity)
        .unwrap_or_else(|| panic!("no principal {activity} in {}", res.text))
}

#[tokio::test]
async fn observations_dated_into_past_weeks_count_but_fill_no_missed_week() {
    let d = district().await;
    let term = d.term("2026-2027", ago(140), ahead(60)).await;
    let before = d.progress(&term).await;
    let weekly = item(&before, "unannounced_observations");
    let missed = weekly["weeks_missed"].as_i64().unwrap();
    assert!(missed >= 19, "twenty weeks of the term are over: {weekly}");
    assert_eq!(
        (
            &weekly["this_week"]["done"],
            &weekly["this_week"]["required"]
        ),
        (&json!(0), &json!(1)),
        "the week under way is shown, not judged"
    );

    // Fifteen lessons, one in each of fifteen past weeks, all typed in today.
    for week in 2..17 {
        let o = d.observe(ago(7 * week)).await;
        assert_eq!(o.body["counted"], true, "{}", o.text);
        assert_eq!(o.body["late"], true, "{}", o.text);
    }
    let after = d.progress(&term).await;
    let weekly = item(&after, "unannounced_observations");
    assert_eq!(weekly["weeks_missed"], missed, "late ones fill no week");
    assert_eq!(weekly["late"], 15);
    let total = item(&after, "observations");
    assert_eq!((&total["done"], &total["late"]), (&json!(15), &json!(15)));
    assert!(total["this_week"].is_null(), "a term rule has no week");

    // Last week's Sunday is at most seven days ago: on time, and it fills its week.
    let sunday = ago(u64::from(today().weekday().num_days_from_monday()) + 1);
    let on_time = d.observe(sunday).await;
    assert_eq!(on_time.body["late"], false, "{}", on_time.text);
    let filled = d.progress(&term).await;
    let weekly = item(&filled, "unannounced_observations");
    assert_eq!(weekly["weeks_missed"], missed - 1);
    assert_eq!(weekly["late"], 15);
    assert_eq!(item(&filled, "observations")["done"], 16);

    // The school's report shows the late ones too, in JSON and in the spreadsheet.
    let report = d
        .app
        .get(&format!(
            "/v1/schools/{}/compliance?term_id={term}",
            d.principal.school_id()
        ))
        .token(&d.principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        report.body["totals"]["late"], 30,
        "15 for each of two rules"
    );
    let row = report.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == d.principal.id())
        .unwrap();
    let weekly = row["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["period"] == "week")
        .unwrap();
    assert_eq!(
        weekly["weeks_missed"],
        missed - 1,
        "the report counts as progress does"
    );
    let csv = d
        .app
        .get(&format!(
            "/v1/schools/{}/compliance?term_id={term}&format=csv",
            d.principal.school_id()
        ))
        .token(&d.principal.token)
        .send()
        .await
        .expect_status(200);
    assert!(csv.text.lines().next().unwrap().ends_with(",补录,规则来源"));
    assert!(csv
        .text
        .lines()
        .any(|l| l.contains("每周") && l.ends_with(",15,区")));
}

#[tokio::test]
async fn a_term_closed_for_more_than_a_week_gains_no_counts() {
    let d = district().await;
    let closed = d.term("2025-2026", ago(200), ago(100)).await;
    let just_ended = d.term("2026-2027", ago(99), ago(3)).await;
    d.term("2026-2027", ago(2), ahead(100)).await;

    let o = d.observe(ago(150)).await;
    assert_eq!(o.body["term_id"], closed);
    assert_eq!(o.body["counted"], false, "{}", o.text);
    assert_eq!(o.body["not_counted_reason"], "term_closed");
    assert_eq!(o.body["late"], false);
    assert_eq!(item(&d.progress(&closed).await, "observations")["done"], 0);

    // A term that ended three days ago is still open to the week's stragglers.
    let on_time = d.observe(ago(5)).await;
    assert_eq!(on_time.body["term_id"], just_ended);
    assert_eq!(
        (&on_time.body["counted"], &on_time.body["late"]),
        (&json!(true), &json!(false))
    );
    let late = d.observe(ago(20)).await;
    assert_eq!(
        (&late.body["counted"], &late.body["late"]),
        (&json!(true), &json!(true))
    );
    let progress = d.progress(&just_ended).await;
    let total = item(&progress, "observations");
    assert_eq!((&total["done"], &total["late"]), (&json!(2), &json!(1)));
}

#[tokio::test]
async fn a_pair_logs_nothing_into_a_closed_term() {
    let d = district().await;
    let closed = d.term("2025-2026", ago(200), ago(30)).await;
    let open = d.term("2026-2027", ago(29), ahead(100)).await;
    let mentor = add_member(
        &d.app,
        &d.admin,
        &d.principal.school_id(),
        "13622220003",
        &["teacher"],
    )
    .await
    .expect_status(201);
    let pair = d
        .app
        .post("/v1/mentorships")
        .token(&d.principal.token)
        .json(json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "school_id": d.principal.school_id(),
            "mentor_id": mentor.str("user_id"),
            "apprentice_id": d.teacher,
            "term_ids": [closed, open],
            "subjects": ["数学"],
            "goals": "站稳讲台",
        }))
        .send()
        .await
        .expect_status(201);
    let guidance = |day: NaiveDate| {
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": "guidance",
            "occurred_at": day.and_hms_opt(8, 0, 0).unwrap().and_utc().to_rfc3339(),
        })
    };
    let path = format!("/v1/mentorships/{}/activities", pair.str("id"));
    let mentor = d.app.login("13622220003", PASSWORD).await;
    d.app
        .post(&path)
        .token(&mentor.token)
        .json(guidance(ago(60)))
        .send()
        .await
        .expect_problem(422, "term_closed");
    d.app
        .post(&path)
        .token(&mentor.token)
        .json(guidance(ago(10)))
        .send()
        .await
        .expect_status(201);
    assert_eq!(d.app.count("mentorship_activities"), 1);
}
