//! Reading and reviewing work at a desk (issue 22): the review queue, a lesson plan's pages in
//! the viewer, a review sent from the desk, observations and mentorships, a teacher's archive
//! that prints on A4, and what an apprentice is refused.

use super::browser::Browser;
use crate::documents::upload;
use crate::helpers::*;
use serde_json::{json, Value};
use tingke_api::photo::testimages;

const APPRENTICE_A: &str = "13800000007";

/// A lesson plan of `teacher` with two photographed pages, submitted for review: its id.
async fn submitted_plan(app: &TestApp, teacher: &Session, topic: &str) -> String {
    submitted(app, teacher, "lesson_plan", topic).await
}

/// A document of `kind` of `teacher` with two photographed pages, submitted for review: its id.
async fn submitted(app: &TestApp, teacher: &Session, kind: &str, topic: &str) -> String {
    let doc = app
        .post("/v1/documents")
        .token(&teacher.token)
        .json(json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": kind, "school_id": teacher.school_id(), "subject": "数学",
            "grade": "五年级", "topic": topic,
            "lesson_date": chrono::Utc::now().format("%Y-%m-%d").to_string()
        }))
        .send()
        .await
        .expect_status(201);
    let id = doc.str("id").to_string();
    for seed in [7001, 7002] {
        upload(
            app,
            teacher,
            &id,
            &testimages::page_jpeg(seed, 1200, 1600, 85),
        )
        .await
        .expect_status(201);
    }
    app.post(&format!("/v1/documents/{id}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    id
}

/// Journey "review-a-plan": the principal finds a submitted lesson plan in the review queue,
/// reads it (zoom, turn, next page, by buttons and keys), approves it with a comment, and the
/// API has the review and the new status.
#[actix_web::test]
async fn journey_review_a_plan() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "review-a-plan").await else {
        return;
    };
    let teacher = app.demo(TEACHER_A).await;
    let topic = "圆的认识·审阅旅程";
    let id = submitted_plan(&app, &teacher, topic).await;

    b.log_in(PRINCIPAL_A, DEMO_PASSWORD).await;
    b.find("header nav a[href='/console/reviews']").await;
    b.click("header nav a[href='/console/reviews']").await;
    b.wait_path("/console/reviews").await;
    b.wait_text("main", topic).await;
    b.wait_text("main", "逾期未整改").await;
    b.shot("review-queue").await;

    b.click(&format!("main a[href='/console/documents/{id}']"))
        .await;
    b.wait_path(&format!("/console/documents/{id}")).await;
    b.wait_text("main h1", topic).await;
    b.wait_text(".work-counter", "共 2 页").await;
    b.find(".work-viewer[data-page='1'][data-zoom='1'][data-turn='0']")
        .await;
    b.shot("the-plan").await;

    // Buttons…
    b.click(".work-zoom-in").await;
    b.click(".work-turn-right").await;
    b.find(".work-viewer[data-zoom='1.5'][data-turn='90']")
        .await;
    b.shot("zoomed-and-turned").await;
    // …and keys on the focused viewer: zoom in, turn right, next page.
    let stage = b.find(".work-stage").await;
    stage.send_keys("+").await.expect("keys");
    stage.send_keys("r").await.expect("keys");
    stage.send_keys("\u{E014}").await.expect("arrow right");
    b.find(".work-viewer[data-page='2'][data-zoom='2'][data-turn='180']")
        .await;
    b.wait_text(".work-counter", "第 2 页").await;
    let drawn = b
        .run(
            "const c = document.querySelector('.work-canvas'); return [c.width, c.height];",
            vec![],
        )
        .await;
    assert_eq!(drawn, json!([1200, 1600]), "turned twice: upright size");
    b.shot("page-two-by-keys").await;

    b.type_in(
        "#work-review textarea[name=comments]",
        "教学目标清楚，重难点突出。",
    )
    .await;
    b.shot("review-written").await;
    b.click("#work-review button[type=submit]").await;
    b.wait_text("main h1 .work-status", "已通过").await;
    b.wait_text("main table.grid", "教学目标清楚").await;
    b.shot("approved").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;

    let principal = app.demo(PRINCIPAL_A).await;
    let doc = app
        .get(&format!("/v1/documents/{id}"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(doc.str("status"), "approved");
    let reviews = doc.body["reviews"].as_array().expect("reviews");
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert_eq!(reviews[0]["verdict"], "approved");
    assert_eq!(reviews[0]["comments"], "教学目标清楚，重难点突出。");
    assert_eq!(reviews[0]["reviewer_id"], json!(principal.id()));
}

/// A review sent from a page opened before someone else changed the document is refused with
/// 412 and the page says to reload; a page of a document that resembles another shows both.
#[actix_web::test]
async fn journey_a_stale_review_and_a_page_seen_twice() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "stale-review").await else {
        return;
    };
    let teacher = app.demo(TEACHER_A).await;
    let other = app.demo(TEACHER_A2).await;
    let id = submitted_plan(&app, &teacher, "分数的初步认识·相似").await;
    // The other teacher hands in the very same photos, as a guided-learning sheet.
    let copy = submitted(&app, &other, "guided_learning_sheet", "分数的初步认识·抄").await;

    b.log_in(PRINCIPAL_A, DEMO_PASSWORD).await;
    b.open(&format!("/console/documents/{copy}")).await;
    b.wait_text("main", "相似页面").await;
    b.wait_text(".work-pair figcaption", "同一文件").await;
    b.find(&format!(
        ".work-pair a.work-other[href^='/console/documents/{id}']"
    ))
    .await;
    b.find(".work-pair img + img").await;
    b.find("main .work-similar-notice a[href='#work-similar']")
        .await;
    b.shot("similar-notice").await;
    b.run(
        "document.getElementById('work-similar').scrollIntoView();",
        vec![],
    )
    .await;
    b.shot("similar-pages").await;

    // Someone reviews it in the meantime (through the API): the sheet stays submitted, but the
    // desk's form was drawn from the version before, so its If-Match is refused.
    let dean = app.demo(DEAN_A).await;
    app.post(&format!("/v1/documents/{copy}/reviews"))
        .token(&dean.token)
        .json(json!({ "verdict": "approved", "comments": "先审了" }))
        .send()
        .await
        .expect_status(201);
    b.type_in("#work-review textarea[name=comments]", "我也来审")
        .await;
    b.click("#work-review button[type=submit]").await;
    b.wait_text(".work-result .problem", "precondition_failed")
        .await;
    b.wait_text(".work-result", "重新加载").await;
    b.shot("stale-review-refused").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// Journey "archive": the principal opens a teacher's archive of this school year; it shows the
/// teacher's observations and documents, and its print rules hide the bars and buttons.
#[actix_web::test]
async fn journey_archive() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "archive").await else {
        return;
    };
    let teacher = app.demo(TEACHER_A).await;
    submitted_plan(&app, &teacher, "长方形的面积·档案").await;
    let principal = app.demo(PRINCIPAL_A).await;

    b.log_in(PRINCIPAL_A, DEMO_PASSWORD).await;
    b.open(&format!("/console/people/{}/archive", teacher.id()))
        .await;
    let heading = b.wait_text("main h1", "陈老师").await;
    let year = b
        .run("return document.querySelector('#rec-year').value;", vec![])
        .await;
    let year = year.as_str().expect("a school year").to_string();
    assert!(heading.contains(&year), "{heading} {year}");
    let archive = app
        .get(&format!(
            "/v1/users/{}/archive?school_year={year}",
            teacher.id()
        ))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let observations = archive.body["observations"].as_array().unwrap().len();
    let documents = archive.body["documents"].as_array().unwrap().len();
    assert!(observations > 0, "the demo teacher has observed lessons");
    b.wait_text("main", &format!("被听课记录（{observations}）"))
        .await;
    b.wait_text("main", &format!("教案、导学案（{documents}）"))
        .await;
    b.wait_text("main", "长方形的面积·档案").await;
    let first: Value = archive.body["observations"][0]["topic"].clone();
    b.wait_text("main", first.as_str().unwrap()).await;
    b.find("button.work-print").await;
    b.shot("archive").await;

    // The print rules: no top bar, no buttons, rows kept whole, black on white.
    let print = b
        .run(
            r#"const rules = [];
               for (const sheet of document.styleSheets) for (const r of sheet.cssRules) {
                 if (r.media && [...r.media].includes('print')) rules.push(r.cssText);
               }
               return rules.join('\n');"#,
            vec![],
        )
        .await;
    let print = print.as_str().unwrap();
    for wanted in [
        ".top",
        "button",
        ".work-print-bar",
        "break-inside: avoid",
        "color: rgb(0, 0, 0)",
    ] {
        assert!(print.contains(wanted), "print rules lack {wanted}: {print}");
    }
    // The archive as WebDriver prints it (A4), kept beside the screenshots, and a screenshot of
    // the page with its print rules applied on screen at the width of an A4 sheet.
    let pdf = b
        .client
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .expect("print to PDF");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let shots = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("console-screenshots/archive/archive-a4.pdf");
    let _ = std::fs::write(shots, &pdf);
    b.run(
        r#"for (const sheet of document.styleSheets) for (const r of sheet.cssRules) {
             if (r.media && [...r.media].includes('print')) r.media.appendMedium('screen');
           }"#,
        vec![],
    )
    .await;
    b.client.set_window_size(840, 1188).await.expect("A4 width");
    b.shot("archive-as-printed").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// The principal reads an observation (rubric items by name, feedback, acknowledgement) and a
/// mentorship's record from the school's pairs.
#[actix_web::test]
async fn journey_an_observation_and_a_mentorship() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "observation-and-mentorship").await else {
        return;
    };
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let list = app
        .get(&format!("/v1/observations?teacher_id={}", teacher.id()))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let obs = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["status"] == "submitted")
        .expect("a submitted observation of the demo teacher")
        .clone();
    let rubric = app
        .get(&format!("/v1/schools/{}/rubric", principal.school_id()))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let key = obs["scores"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let title = rubric.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == json!(key))
        .map(|i| i["title"].as_str().unwrap().to_string())
        .expect("the item in the rubric");

    b.log_in(PRINCIPAL_A, DEMO_PASSWORD).await;
    b.open(&format!(
        "/console/observations/{}",
        obs["id"].as_str().unwrap()
    ))
    .await;
    b.wait_text("main", &title).await;
    b.wait_text(".work-total", &obs["total_score"].to_string())
        .await;
    b.find(".work-ack").await;
    b.shot("observation").await;

    b.open(&format!(
        "/console/schools/{}/mentorships",
        principal.school_id()
    ))
    .await;
    b.wait_text("main table", "杨老师").await;
    b.shot("school-pairs").await;
    b.click("a.work-pair-link").await;
    b.ready().await;
    b.wait_text("main h1", "赵老师").await;
    b.wait_text("main", "学期考核").await;
    b.shot("mentorship").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// The apprentice opening the review queue or another teacher's document is refused by the API,
/// and the page says so; the top bar offers no review link.
#[actix_web::test]
async fn journey_the_apprentice_is_refused_reviews() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "apprentice-reviews").await else {
        return;
    };
    let teacher = app.demo(TEACHER_A).await;
    let id = submitted_plan(&app, &teacher, "平行四边形·不给徒弟看").await;

    b.log_in(APPRENTICE_A, DEMO_PASSWORD).await;
    let links = b
        .run(
            "return document.querySelectorAll(\"header a[href='/console/reviews']\").length;",
            vec![],
        )
        .await;
    assert_eq!(links, json!(0), "no review link for an apprentice");
    b.open("/console/reviews").await;
    b.wait_text("main h1.forbidden", "没有权限").await;
    b.shot("queue-refused").await;
    b.open(&format!("/console/documents/{id}")).await;
    b.wait_text("main .problem", "not_found").await;
    b.shot("document-refused").await;
    b.open(&format!("/console/people/{}/archive", teacher.id()))
        .await;
    b.wait_text("main .problem", "not_found").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// A guided-learning sheet's chain from the desk: approved for the grade group, then signed off
/// for use (an admin does both here; the API decides who may).
#[actix_web::test]
async fn journey_a_sheet_approved_and_signed_off_at_the_desk() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "sheet-sign-off").await else {
        return;
    };
    app.admin().await;
    let teacher = app.demo(TEACHER_A).await;
    let id = submitted(&app, &teacher, "guided_learning_sheet", "小数的加法·导学案").await;

    b.log_in(ADMIN_PHONE, PASSWORD).await;
    b.open(&format!("/console/documents/{id}")).await;
    b.wait_text("main h1 .work-status", "待审阅").await;
    b.click(".work-approve button[type=submit]").await;
    b.wait_text("main h1 .work-status", "年级组已审核").await;
    b.find(".work-done").await;
    b.shot("grade-approved").await;
    b.click(".work-sign-off button[type=submit]").await;
    b.wait_text("main h1 .work-status", "已签发使用").await;
    b.shot("signed-off").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;

    let admin = app.admin().await;
    let doc = app
        .get(&format!("/v1/documents/{id}"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(doc.str("status"), "in_use");
    assert_eq!(doc.body["signed_off_by"], json!(admin.id()));
}
