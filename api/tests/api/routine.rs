//! The monthly routine check, rectification notices, follow-ups of lessons below standard,
//! the overdue lists and district inspections (issue 19), over HTTP on the demo district.

use crate::documents::{new_document, upload};
use crate::helpers::*;
use crate::observations::{full_scores, lesson};
use serde_json::{json, Value};
use tingke_api::photo::testimages;

const PRINCIPAL: &str = "13800000001";
const DEAN: &str = "13800000003";
const GRADE_LEADER: &str = "13800000004";
/// 赵老师, whom the demo's routine leaves alone (its round checked 陈老师 and 杨老师).
const TEACHER: &str = "13800000007";
const OTHER_TEACHER: &str = "13800000006";
const PRINCIPAL_B: &str = "13800000011";
const RESEARCHER: &str = "13800000021";

/// A demo login with its app, to call as.
struct Who<'a> {
    app: &'a TestApp,
    s: Session,
}

async fn who<'a>(app: &'a TestApp, phone: &str) -> Who<'a> {
    Who {
        app,
        s: app.demo(phone).await,
    }
}

impl Who<'_> {
    fn id(&self) -> &str {
        self.s.id()
    }
    fn school_id(&self) -> String {
        self.s.school_id()
    }
    fn district_id(&self) -> String {
        self.s.district_id()
    }
    fn get(&self, path: &str) -> Call<'_> {
        self.app.get(path).token(&self.s.token)
    }
    fn post(&self, path: &str) -> Call<'_> {
        self.app.post(path).token(&self.s.token)
    }
    fn put(&self, path: &str) -> Call<'_> {
        self.app.put(path).token(&self.s.token)
    }
    fn patch(&self, path: &str) -> Call<'_> {
        self.app.patch(path).token(&self.s.token)
    }
    fn delete(&self, path: &str) -> Call<'_> {
        self.app.delete(path).token(&self.s.token)
    }
}

async fn read(s: &Who<'_>, path: &str) -> Response {
    s.get(path).send().await
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn day(from_today: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(from_today))
        .format("%Y-%m-%d")
        .to_string()
}

/// A document of `kind` by `by`, with one page, handed in; `lesson_in` days from today.
async fn handed_in(app: &TestApp, by: &Who<'_>, kind: &str, lesson_in: i64) -> String {
    let mut body = new_document(&by.school_id(), kind);
    body["lesson_date"] = json!(day(lesson_in));
    let doc = by
        .post("/v1/documents")
        .json(body)
        .send()
        .await
        .expect_status(201);
    let doc = doc.str("id").to_string();
    let page = testimages::page_jpeg(lesson_in as u64 + 40, 900, 1200, 85);
    upload(app, &by.s, &doc, &page).await.expect_status(201);
    by.post(&format!("/v1/documents/{doc}/submit"))
        .send()
        .await
        .expect_status(200);
    doc
}

async fn open_round(dean: &Who<'_>) -> Value {
    let path = format!("/v1/schools/{}/check-rounds", dean.school_id());
    let body = json!({
        "id": id(), "title": "十二月教学常规检查", "starts_on": day(-4), "ends_on": day(26)
    });
    dean.post(&path)
        .json(body)
        .send()
        .await
        .expect_status(201)
        .body
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["user_id"].as_str())
        .collect()
}

#[tokio::test]
async fn a_dean_runs_a_months_check_and_sees_who_is_left() {
    let app = spawn_demo_app().await;
    let dean = who(&app, DEAN).await;
    let teacher = who(&app, TEACHER).await;
    let other = who(&app, OTHER_TEACHER).await;
    // A plan written ten days before its lesson, one written two days before, and homework.
    let early = handed_in(&app, &teacher, "lesson_plan", 10).await;
    let late = handed_in(&app, &teacher, "lesson_plan", 2).await;
    let homework = handed_in(&app, &teacher, "homework", 0).await;
    let round = open_round(&dean).await;
    let round_id = round["id"].as_str().unwrap();

    let coverage = dean
        .get(&format!("/v1/check-rounds/{round_id}/coverage"))
        .send()
        .await
        .expect_status(200)
        .body;
    assert_eq!(coverage["checked"], 0);
    let to_check = coverage["to_check"].as_i64().unwrap();
    assert!(to_check >= 3, "the demo school's teachers: {coverage}");

    // Homework that is a plan, or another teacher's document, is refused.
    let results = format!("/v1/check-rounds/{round_id}/results");
    let body = |plans: Vec<&str>, homework: Vec<&str>, grade: &str| {
        json!({
            "id": id(), "teacher_id": teacher.id(), "plan_ids": plans, "homework_ids": homework,
            "grade": grade, "comments": "教案书写工整", "guidance": "作业批改再细一些"
        })
    };
    dean.post(&results)
        .json(body(vec![&early], vec![&late], "good"))
        .send()
        .await
        .expect_problem(422, "wrong_document_kind");
    let others = handed_in(&app, &other, "lesson_plan", 9).await;
    dean.post(&results)
        .json(body(vec![&others], vec![], "good"))
        .send()
        .await
        .expect_problem(422, "document_not_found");
    dean.post(&results)
        .json(body(vec![&early], vec![], "A+"))
        .send()
        .await
        .expect_problem(422, "invalid_grade");

    let record = body(vec![&early, &late], vec![&homework], "good");
    let result = dean
        .post(&results)
        .json(record.clone())
        .send()
        .await
        .expect_status(201);
    // 超周备课 as a fact: the first plan ten days ahead, the second two.
    let plans = result.body["plans"].as_array().unwrap();
    assert_eq!(plans[0]["days_ahead"], 10);
    assert_eq!(plans[0]["a_week_ahead"], true);
    assert_eq!(plans[1]["days_ahead"], 2);
    assert_eq!(result.body["prepared_ahead"], false);
    assert_eq!(result.body["homework_ids"], json!([homework]));
    // A retry answers the same result; a second result for the teacher is refused.
    dean.post(&results)
        .json(record)
        .send()
        .await
        .expect_status(200);
    dean.post(&results)
        .json(body(vec![], vec![], "pass"))
        .send()
        .await
        .expect_problem(409, "already_checked");

    let coverage = dean
        .get(&format!("/v1/check-rounds/{round_id}/coverage"))
        .send()
        .await
        .expect_status(200)
        .body;
    assert_eq!(coverage["checked"], 1);
    let groups = coverage["groups"].as_array().unwrap();
    let checked: Vec<&str> = groups.iter().flat_map(|g| names(&g["checked"])).collect();
    let left: Vec<&str> = groups.iter().flat_map(|g| names(&g["unchecked"])).collect();
    assert!(checked.contains(&teacher.id()));
    assert!(left.contains(&other.id()) && !left.contains(&teacher.id()));

    // The teacher reads the result and replies; a colleague does not see it.
    let result_path = format!("/v1/check-results/{}", result.str("id"));
    other
        .get(&result_path)
        .send()
        .await
        .expect_problem(404, "not_found");
    let mine = teacher.get(&result_path).send().await.expect_status(200);
    // A phone holding this version is told nothing changed.
    teacher
        .get(&result_path)
        .header("if-none-match", &mine.etag())
        .send()
        .await
        .expect_status(304);
    teacher
        .post(&format!("{result_path}/reply"))
        .header("if-match", &mine.etag())
        .json(json!({ "reply": "下周起提前一周备课" }))
        .send()
        .await
        .expect_status(200);
    dean.post(&format!("{result_path}/reply"))
        .json(json!({ "reply": "代答" }))
        .send()
        .await
        .expect_problem(403, "forbidden");

    // The summary, as JSON and as a spreadsheet.
    let summary = dean
        .get(&format!("/v1/check-rounds/{round_id}/summary"))
        .send()
        .await
        .expect_status(200)
        .body;
    assert_eq!(summary["grades"]["good"], 1);
    assert_eq!(summary["checked"], 1);
    assert_eq!(summary["not_prepared_ahead"], 1);
    assert_eq!(
        summary["unchecked"].as_array().unwrap().len() as i64,
        to_check - 1
    );
    let csv = dean
        .get(&format!("/v1/check-rounds/{round_id}/summary.csv"))
        .send()
        .await
        .expect_status(200);
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(csv.text.contains("良好") && csv.text.contains("未检查"));
    assert!(csv.text.contains("下周起提前一周备课"));
    teacher
        .get(&format!("/v1/check-rounds/{round_id}/summary"))
        .send()
        .await
        .expect_problem(403, "forbidden");

    // A closed round takes no more results.
    let r = dean
        .get(&format!("/v1/check-rounds/{round_id}"))
        .send()
        .await;
    dean.patch(&format!("/v1/check-rounds/{round_id}"))
        .header("if-match", &r.etag())
        .json(json!({ "closed": true }))
        .send()
        .await
        .expect_status(200);
    let other_result = json!({ "id": id(), "teacher_id": other.id(), "grade": "pass" });
    dean.post(&results)
        .json(other_result)
        .send()
        .await
        .expect_problem(409, "round_closed");
    dean.delete(&format!("/v1/check-rounds/{round_id}"))
        .send()
        .await
        .expect_problem(409, "round_has_results");

    // The annual archive holds the check.
    let year = school_year();
    let archive = dean
        .get(&format!(
            "/v1/users/{}/archive?school_year={year}",
            teacher.id()
        ))
        .send()
        .await
        .expect_status(200)
        .body;
    let checks = archive["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "{archive}");
    assert_eq!(checks[0]["id"], result.body["id"]);
    assert_eq!(checks[0]["reply"], "下周起提前一周备课");
    assert_eq!(archive["award_eligible"], true);
}

/// The school year of today in the demo district's terms.
fn school_year() -> String {
    let today = chrono::Utc::now().date_naive();
    let y = chrono::Datelike::year(&today);
    match chrono::Datelike::month(&today) >= 8 {
        true => format!("{y}-{}", y + 1),
        false => format!("{}-{y}", y - 1),
    }
}

async fn issue(
    by: &Who<'_>,
    school: &str,
    teacher: Option<&str>,
    about: Option<Value>,
) -> Response {
    let mut body = json!({
        "id": id(), "school_id": school, "problem": "教案未写教学反思", "required": "补写反思并按时上交",
        "due_on": day(7)
    });
    if let Some(t) = teacher {
        body["teacher_id"] = json!(t);
    }
    if let Some(a) = about {
        body["about"] = a;
    }
    by.post("/v1/notices").json(body).send().await
}

#[tokio::test]
async fn a_notice_goes_through_its_three_rounds() {
    let app = spawn_demo_app().await;
    let dean = who(&app, DEAN).await;
    let teacher = who(&app, TEACHER).await;
    let other = who(&app, OTHER_TEACHER).await;
    let school = dean.school_id();
    let n = issue(&dean, &school, Some(teacher.id()), None)
        .await
        .expect_status(201);
    let path = format!("/v1/notices/{}", n.str("id"));
    assert_eq!(n.body["round"], 1);
    assert_eq!(n.body["status"], "open");
    assert_eq!(n.body["last_round"], 3);

    dean.post(&format!("{path}/verify"))
        .send()
        .await
        .expect_problem(409, "not_answered");
    other
        .post(&format!("{path}/answer"))
        .json(json!({ "text": "不是我的" }))
        .send()
        .await
        .expect_problem(404, "not_found");
    // The teacher answers with photos of their own.
    let evidence = handed_in(&app, &teacher, "rectification_evidence", 0).await;
    let answered = teacher
        .post(&format!("{path}/answer"))
        .json(json!({ "text": "已补写", "document_ids": [evidence] }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(answered.body["status"], "answered");

    // Not good enough: a second round, then a third, each with a new deadline.
    dean.post(&format!("{path}/escalate"))
        .json(json!({ "due_on": day(0) }))
        .send()
        .await
        .expect_problem(422, "invalid_due_on");
    let second = dean
        .post(&format!("{path}/escalate"))
        .json(json!({ "due_on": day(14), "problem": "反思流于形式" }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(second.body["round"], 2);
    assert_eq!(second.body["status"], "open");
    assert_eq!(second.body["due_on"], day(14));
    let rounds = second.body["rounds"].as_array().unwrap();
    assert_eq!(rounds[0]["outcome"], "escalated");
    assert_eq!(rounds[0]["answer"]["text"], "已补写");
    assert_eq!(rounds[1]["problem"], "反思流于形式");
    assert_eq!(rounds[1]["required"], "补写反思并按时上交");
    let third = dean
        .post(&format!("{path}/escalate"))
        .header("if-match", &second.etag())
        .json(json!({ "due_on": day(21) }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(third.body["round"], 3);
    dean.post(&format!("{path}/escalate"))
        .json(json!({ "due_on": day(28) }))
        .send()
        .await
        .expect_problem(422, "rounds_exhausted");
    // A stale If-Match is refused.
    teacher
        .post(&format!("{path}/answer"))
        .header("if-match", &second.etag())
        .json(json!({ "text": "再次整改" }))
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    teacher
        .post(&format!("{path}/answer"))
        .json(json!({ "text": "再次整改" }))
        .send()
        .await
        .expect_status(200);
    let verified = dean
        .post(&format!("{path}/verify"))
        .send()
        .await
        .expect_status(200);
    assert_eq!(verified.body["status"], "verified");
    teacher
        .post(&format!("{path}/answer"))
        .json(json!({ "text": "还要改吗" }))
        .send()
        .await
        .expect_problem(409, "notice_closed");

    // The teacher sees it in their list; a colleague does not.
    let list = format!("/v1/schools/{school}/notices");
    let mine = read(&teacher, &list).await.expect_status(200);
    assert!(mine.items().iter().any(|v| v["id"] == n.body["id"]));
    let theirs = read(&other, &list).await.expect_status(200);
    assert!(theirs.items().iter().all(|v| v["id"] != n.body["id"]));
}

#[tokio::test]
async fn who_may_issue_and_what_a_notice_may_be_about() {
    let app = spawn_demo_app().await;
    let dean = who(&app, DEAN).await;
    let teacher = who(&app, TEACHER).await;
    let principal_b = who(&app, PRINCIPAL_B).await;
    let school = dean.school_id();
    // A school does not send notices to itself; a teacher sends none.
    issue(&dean, &school, None, None)
        .await
        .expect_problem(403, "forbidden");
    issue(&teacher, &school, Some(dean.id()), None)
        .await
        .expect_problem(403, "forbidden");
    // Another school's principal does not see the school; another school's teacher is refused.
    issue(&principal_b, &school, Some(teacher.id()), None)
        .await
        .expect_problem(404, "not_found");
    issue(&dean, &school, Some(principal_b.id()), None)
        .await
        .expect_problem(422, "teacher_not_in_school");
    let about = json!({ "kind": "observation", "id": id() });
    issue(&dean, &school, Some(teacher.id()), Some(about))
        .await
        .expect_problem(422, "about_not_found");
    let about = json!({ "kind": "lunch", "id": id() });
    issue(&dean, &school, Some(teacher.id()), Some(about))
        .await
        .expect_problem(422, "invalid_about");
}

#[tokio::test]
async fn a_lesson_below_the_pass_line_is_followed_up_and_late_ones_are_overdue() {
    let app = spawn_demo_app().await;
    let principal = who(&app, PRINCIPAL).await;
    let dean = who(&app, DEAN).await;
    let grade_leader = who(&app, GRADE_LEADER).await;
    let teacher = who(&app, TEACHER).await;
    let school = principal.school_id();
    // The school sets a pass line of 60 on its rubric.
    let rubric = principal
        .get(&format!("/v1/schools/{school}/rubric"))
        .send()
        .await
        .expect_status(200);
    let items = rubric.body["items"].clone();
    principal
        .put(&format!("/v1/schools/{school}/rubric"))
        .json(json!({ "items": items, "pass_line": 1000 }))
        .send()
        .await
        .expect_problem(422, "score_out_of_range");
    let set = principal
        .put(&format!("/v1/schools/{school}/rubric"))
        .json(json!({ "items": items, "pass_line": 60 }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(set.body["pass_line"], 60);

    let observe = |hours_ago: i64, score: i64| {
        let mut body = lesson(&school, teacher.id(), hours_ago, 40);
        body["scores"] = full_scores(score);
        body
    };
    let submitted = |body: Value| async {
        let id = body["id"].as_str().unwrap().to_string();
        principal
            .post("/v1/observations")
            .json(body)
            .send()
            .await
            .expect_status(201);
        principal
            .post(&format!("/v1/observations/{id}/submit"))
            .send()
            .await
            .expect_status(200);
        id
    };
    // 7 items: 9 each is 63, above the line; 5 each is 35, below it.
    // Hours ago, after every lesson the demo seeds (the pair's of yesterday among them), so that
    // no demo lesson is the teacher's next one.
    let good = submitted(observe(6, 9)).await;
    let low = submitted(observe(5, 5)).await;
    let follow = |obs: &str, due: String| {
        dean.post(&format!("/v1/observations/{obs}/follow-ups"))
            .json(json!({ "id": id(), "due_on": due, "note": "两周内再听一次" }))
            .send()
    };
    follow(&good, day(7))
        .await
        .expect_problem(422, "not_below_pass_line");
    teacher
        .post(&format!("/v1/observations/{low}/follow-ups"))
        .json(json!({ "id": id(), "due_on": day(7) }))
        .send()
        .await
        .expect_problem(403, "forbidden");
    let f = follow(&low, day(7)).await.expect_status(201);
    assert_eq!(f.body["done_by_observation_id"], Value::Null);
    assert_eq!(f.body["overdue"], false);

    // A late review of the school, and the follow-up's day gone by: both on the overdue list.
    app.execute(&format!(
        "UPDATE follow_ups SET due_on = '{}' WHERE id = '{}'",
        day(-2),
        f.str("id")
    ));
    let n = issue(&dean, &school, Some(teacher.id()), None)
        .await
        .expect_status(201);
    app.execute(&format!(
        "UPDATE notices SET due_on = '{}' WHERE id = '{}'",
        day(-3),
        n.str("id")
    ));
    let overdue_path = format!("/v1/schools/{school}/overdue");
    let list = read(&dean, &overdue_path).await.expect_status(200);
    let kinds: Vec<&str> = list
        .items()
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"follow_up") && kinds.contains(&"notice"),
        "{}",
        list.text
    );
    let late_notice = list.items().iter().find(|i| i["kind"] == "notice").unwrap();
    assert_eq!(late_notice["days_overdue"], 3);
    assert_eq!(late_notice["round"], 1);
    // The grade-group leader of the teacher's group hears of it too; a teacher may not ask.
    let theirs = read(&grade_leader, &overdue_path).await.expect_status(200);
    assert_eq!(theirs.items().len(), list.items().len());
    read(&teacher, &overdue_path)
        .await
        .expect_problem(403, "forbidden");

    // An overdue notice bars the year's awards.
    let year = school_year();
    let archive = dean
        .get(&format!(
            "/v1/users/{}/archive?school_year={year}",
            teacher.id()
        ))
        .send()
        .await
        .expect_status(200)
        .body;
    assert_eq!(archive["award_eligible"], false);
    assert_eq!(
        archive["not_eligible_because"],
        json!(["rectification_overdue"])
    );

    // A later lesson of the teacher does the follow-up: it leaves the list.
    let again = submitted(observe(3, 8)).await;
    let done = dean
        .get(&format!("/v1/follow-ups/{}", f.str("id")))
        .send()
        .await
        .expect_status(200);
    assert_eq!(done.body["done_by_observation_id"], json!(again));
    let list = read(&dean, &overdue_path).await.expect_status(200);
    assert!(list.items().iter().all(|i| i["kind"] != "follow_up"));
}

/// The notices of a school not verified yet, as the district's overview counts them.
async fn open_notices(by: &Who<'_>, district: &str, school: &str) -> i64 {
    let overview = read(by, &format!("/v1/districts/{district}/inspections")).await;
    overview
        .expect_status(200)
        .items()
        .iter()
        .find(|l| l["school_id"] == json!(school))
        .and_then(|l| l["open_notices"].as_i64())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_district_inspects_a_school_and_follows_its_notices() {
    let app = spawn_demo_app().await;
    let researcher = who(&app, RESEARCHER).await;
    let principal = who(&app, PRINCIPAL).await;
    let teacher = who(&app, TEACHER).await;
    let school = principal.school_id();
    let district = principal.district_id();
    let terms = researcher
        .get(&format!("/v1/districts/{district}/terms"))
        .send()
        .await
        .expect_status(200);
    let term = terms.items()[0]["id"].as_str().unwrap().to_string();
    let path = format!("/v1/schools/{school}/inspections");
    let report = |parts: Value| {
        json!({
            "id": id(), "term_id": term, "inspected_on": day(-1), "grade": "good",
            "findings": "教学常规落实,作业批改偏简", "parts": parts
        })
    };
    researcher
        .post(&path)
        .json(report(json!([{ "part": "listen" }, { "part": "listen" }])))
        .send()
        .await
        .expect_problem(422, "duplicate_part");
    researcher
        .post(&path)
        .json(report(json!([{ "part": "sing" }])))
        .send()
        .await
        .expect_problem(422, "invalid_part");
    principal
        .post(&path)
        .json(report(json!([{ "part": "listen" }])))
        .send()
        .await
        .expect_problem(403, "forbidden");
    let parts = json!([
        { "part": "listen", "note": "听课 4 节" }, { "part": "check", "note": "查教案 20 本" },
        { "part": "talk", "note": "与教研组长座谈" }
    ]);
    let open_before = open_notices(&researcher, &district, &school).await;
    let inspection = researcher
        .post(&path)
        .json(report(parts))
        .send()
        .await
        .expect_status(201);
    let about = json!({ "kind": "inspection", "id": inspection.str("id") });
    let n = issue(&researcher, &school, None, Some(about))
        .await
        .expect_status(201);
    assert_eq!(n.body["to"], "school");

    // The school reads its inspection and the notice; a teacher reads neither.
    let read = principal
        .get(&format!("/v1/inspections/{}", inspection.str("id")))
        .send()
        .await
        .expect_status(200);
    principal
        .get(&format!("/v1/inspections/{}", inspection.str("id")))
        .header("if-none-match", &read.etag())
        .send()
        .await
        .expect_status(304);
    assert_eq!(read.body["notice_ids"], json!([n.str("id")]));
    teacher
        .get(&format!("/v1/inspections/{}", inspection.str("id")))
        .send()
        .await
        .expect_problem(404, "not_found");
    principal
        .post(&format!("/v1/notices/{}/answer", n.str("id")))
        .json(json!({ "text": "已组织作业批改专项检查" }))
        .send()
        .await
        .expect_status(200);

    // The district sees every school's last inspection and its open notices.
    let overview = researcher
        .get(&format!("/v1/districts/{district}/inspections"))
        .send()
        .await
        .expect_status(200);
    let line = overview
        .items()
        .iter()
        .find(|l| l["school_id"] == json!(school))
        .unwrap();
    assert_eq!(line["last_inspection"]["id"], json!(inspection.str("id")));
    assert_eq!(line["open_notices"], open_before + 1);
    principal
        .get(&format!("/v1/districts/{district}/inspections"))
        .send()
        .await
        .expect_problem(403, "forbidden");

    // A school notice past its day is on the district's overdue list.
    let late = issue(&researcher, &school, None, None)
        .await
        .expect_status(201);
    app.execute(&format!(
        "UPDATE notices SET due_on = '{}' WHERE id = '{}'",
        day(-1),
        late.str("id")
    ));
    let list = researcher
        .get(&format!("/v1/districts/{district}/overdue"))
        .send()
        .await
        .expect_status(200);
    assert_eq!(list.items().len(), 1, "{}", list.text);
    assert_eq!(list.items()[0]["id"], json!(late.str("id")));
    assert!(list.items()[0]["school_name"].as_str().is_some());
}

#[tokio::test]
async fn sync_carries_the_routine_to_those_who_may_see_it() {
    let app = spawn_demo_app().await;
    let dean = who(&app, DEAN).await;
    let teacher = who(&app, TEACHER).await;
    let other = who(&app, OTHER_TEACHER).await;
    let round = open_round(&dean).await;
    let results = format!("/v1/check-rounds/{}/results", round["id"].as_str().unwrap());
    let result = dean
        .post(&results)
        .json(json!({ "id": id(), "teacher_id": teacher.id(), "grade": "fail" }))
        .send()
        .await
        .expect_status(201);
    let n = issue(&dean, &dean.school_id(), Some(teacher.id()), None)
        .await
        .expect_status(201);
    let sync = |s, since: Option<String>| async move {
        let path = match since {
            Some(c) => format!("/v1/sync?since={c}"),
            None => "/v1/sync".to_string(),
        };
        read(s, &path).await
    };
    let ids = |b: &Value, field: &str| -> Vec<String> {
        b[field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    };
    let mine = sync(&teacher, None).await.expect_status(200).body;
    assert!(ids(&mine, "check_results").contains(&result.str("id").to_string()));
    assert!(ids(&mine, "notices").contains(&n.str("id").to_string()));
    assert!(ids(&mine, "check_rounds").contains(&round["id"].as_str().unwrap().to_string()));
    let theirs = sync(&other, None).await.expect_status(200).body;
    assert!(!ids(&theirs, "check_results").contains(&result.str("id").to_string()));
    assert!(!ids(&theirs, "notices").contains(&n.str("id").to_string()));

    // The failed check bars the year's awards.
    let archive = teacher
        .get(&format!(
            "/v1/users/{}/archive?school_year={}",
            teacher.id(),
            school_year()
        ))
        .send()
        .await
        .expect_status(200)
        .body;
    assert_eq!(archive["award_eligible"], false);
    assert_eq!(
        archive["not_eligible_because"],
        json!(["below_standard_in_last_check"])
    );

    // A withdrawn notice and a deleted result leave the teacher's phone.
    let cursor = mine["cursor"].as_str().unwrap().to_string();
    dean.delete(&format!("/v1/notices/{}", n.str("id")))
        .send()
        .await
        .expect_status(204);
    dean.delete(&format!("/v1/check-results/{}", result.str("id")))
        .send()
        .await
        .expect_status(204);
    let next = sync(&teacher, Some(cursor)).await.expect_status(200).body;
    let gone: Vec<(String, String)> = next["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().into(),
                t["id"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        gone.contains(&("notice".into(), n.str("id").into())),
        "{next}"
    );
    assert!(gone.contains(&("check_result".into(), result.str("id").into())));
}
