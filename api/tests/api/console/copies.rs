//! Copied plans at the desk (issue 24): the district's report of teachers with the same pages,
//! the school's, and a document's page found again in another school, in a real browser.

use super::browser::Browser;
use crate::copies::{flat_on_a_desk, scanned, submitted_page};
use crate::helpers::*;

/// Journey: a teacher of school A hands in a plan; a teacher of school B photographs the same page
/// flat on a desk. School A's principal sees on the plan that the page was found in another
/// school, not whose, and the school's report (both pages in the school) has no pair. The
/// district's researcher goes from the compliance page to the district's report and opens the
/// pair: both teachers named, both pages side by side, each a link to its document.
#[actix_web::test]
async fn journey_the_same_page_in_two_schools() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "same-pages").await else {
        return;
    };
    let (teacher_a, teacher_b) = (app.demo(TEACHER_A).await, app.demo(TEACHER_B).await);
    let (district, school_a) = (teacher_a.district_id(), teacher_a.school_id());
    let (doc_a, _) = submitted_page(&app, &teacher_a, &scanned(7)).await;
    let (doc_b, _) = submitted_page(&app, &teacher_b, &flat_on_a_desk(7)).await;

    b.log_in(PRINCIPAL_A, DEMO_PASSWORD).await;
    b.open(&format!("/console/documents/{doc_a}")).await;
    b.wait_text("main .work-similar-notice", "区内其他教师")
        .await;
    b.wait_text(".work-pair figcaption", "另一位教师").await;
    b.wait_text(".work-pair .work-hidden", "区内另一所学校")
        .await;
    let links = b
        .run(
            "return document.querySelectorAll('.work-pair a.work-other').length;",
            vec![],
        )
        .await;
    assert_eq!(links, 0, "the other school's document is not named");
    b.shot("principal-sees-a-page-found-elsewhere").await;
    b.open(&format!("/console/schools/{school_a}/compliance"))
        .await;
    b.click("main a.same-pages-link").await;
    b.wait_path(&format!("/console/schools/{school_a}/same-pages"))
        .await;
    b.wait_text("main .copies-other", "没有发现").await;
    b.shot("school-report-empty").await;

    b.log_in(RESEARCHER, DEMO_PASSWORD).await;
    b.open(&format!("/console/districts/{district}/compliance"))
        .await;
    b.click("main a.same-pages-link").await;
    b.wait_path(&format!("/console/districts/{district}/same-pages"))
        .await;
    b.wait_text("main .copies-other h2", "1 对").await;
    let pair = b
        .wait_text(
            "main .copies-pair[data-kind='other_teacher'] summary",
            "1 页",
        )
        .await;
    for who in [&teacher_a, &teacher_b] {
        let name = who.user["name"].as_str().expect("a name");
        assert!(pair.contains(name), "{pair} names {name}");
    }
    b.click("main .copies-pair summary").await;
    for doc in [&doc_a, &doc_b] {
        b.find(&format!(
            "main .copies-pair a.copies-document[href='/console/documents/{doc}']"
        ))
        .await;
    }
    // Both thumbnails are drawn, not only linked.
    let drawn = b
        .run(
            "const imgs = [...document.querySelectorAll('main .copies-pair img')];\
             return Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth)));",
            vec![],
        )
        .await;
    let widths = drawn.as_array().expect("widths");
    assert_eq!(widths.len(), 2, "{drawn}");
    assert!(widths.iter().all(|w| w.as_u64() > Some(0)), "{drawn}");
    b.shot("district-report").await;
    b.click(&format!(
        "main a.copies-document[href='/console/documents/{doc_b}']"
    ))
    .await;
    b.wait_path(&format!("/console/documents/{doc_b}")).await;
    // The researcher reads both schools: the page found is named, a link to the first plan.
    b.find(&format!(
        ".work-pair a.work-other[href^='/console/documents/{doc_a}']"
    ))
    .await;
    b.shot("researcher-sees-both").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}
