//! The console's insight pages in a real browser: the import wizard (template, upload, the
//! preview's problems, commit, the login sheet) and compliance at a glance (district → school →
//! person → their observations).

use super::browser::Browser;
use crate::helpers::*;
use crate::imports::xlsx;

/// Writes `bytes` to a file the browser's file input can be given (chromedriver takes a path).
fn workbook_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write workbook");
    let path = path.to_str().expect("utf-8 path").to_string();
    (dir, path)
}

fn people(phone_of_wang: &str) -> Vec<[&str; 5]> {
    vec![
        ["李校长", "13910000001", "第一小学", "校长", ""],
        ["王老师", phone_of_wang, "第一小学", "教师", "数学"],
        ["钱研", "13910000004", "", "教研员", "数学"],
    ]
}

/// Journey: the admin imports a new district from the console: a workbook with a wrong phone
/// shows the problem's sheet, row, column and code and cannot be committed; the corrected one is
/// committed and its login sheet handed to the page once; the API then has the people.
#[actix_web::test]
async fn journey_the_admin_imports_a_district() {
    let app = spawn_app().await;
    let Some(mut b) = Browser::start(&app, "import").await else {
        return;
    };
    let admin = app.admin().await;
    let term = [["秋季学期", "2026-2027", "2026-09-01", "2027-01-20"]];
    let wrong = xlsx(&["第一小学"], &people("1391000"), &term);
    let right = xlsx(&["第一小学"], &people("13910000002"), &term);
    let (_keep_wrong, wrong) = workbook_file("wrong.xlsx", &wrong);
    let (_keep_right, right) = workbook_file("right.xlsx", &right);

    b.log_in(ADMIN_PHONE, PASSWORD).await;
    // A new district, created from the import page's chooser, opens its import page.
    b.click("#top nav a[href='/console/import']").await;
    b.wait_path("/console/import").await;
    b.type_in("#new-district input[name=name]", "新区").await;
    b.click("#new-district button[type=submit]").await;
    let started = std::time::Instant::now();
    while !b.path().await.ends_with("/import") || b.path().await == "/console/import" {
        assert!(
            started.elapsed().as_secs() < 30,
            "never reached the import page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.ready().await;
    let path = b.path().await;
    let district = path
        .trim_start_matches("/console/districts/")
        .trim_end_matches("/import")
        .to_string();
    app.get(&format!("/v1/districts/{district}/terms"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let template = b.find("a.template").await;
    assert_eq!(
        template.attr("href").await.unwrap().as_deref(),
        Some("/v1/imports/template.xlsx")
    );
    b.shot("import-page").await;

    // The workbook with a mistake: the problem's row and code, and no commit.
    b.find("#upload input[type=file]")
        .await
        .send_keys(&wrong)
        .await
        .expect("choose the file");
    b.click("#upload button[type=submit]").await;
    let problems = b.wait_text("#preview .problems", "invalid_phone").await;
    assert!(problems.contains("人员"), "{problems}");
    let row = b
        .run(
            "return [...document.querySelectorAll('#preview .problems tbody tr')]\
             .map(tr => [...tr.cells].map(td => td.textContent));",
            vec![],
        )
        .await;
    assert_eq!(row[0][0], "人员", "{row}");
    assert_eq!(row[0][1], "3", "{row}");
    assert_eq!(row[0][2], "B", "{row}");
    assert_eq!(row[0][3], "invalid_phone", "{row}");
    let disabled = b
        .run(
            "return document.querySelector('#preview button.commit').disabled;",
            vec![],
        )
        .await;
    assert_eq!(
        disabled, true,
        "a preview with problems cannot be committed"
    );
    b.shot("problems").await;

    // The corrected workbook: committed, and the login sheet offered once.
    b.find("#upload input[type=file]")
        .await
        .send_keys(&right)
        .await
        .expect("choose the file");
    b.click("#upload button[type=submit]").await;
    b.wait_text("#preview .import-state", "没有问题").await;
    let created = b.wait_text("#preview table.counts", "3").await;
    assert!(created.contains("人员"), "{created}");
    b.shot("ready").await;
    let permalink = b
        .find("#preview .permalink a")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let import_id = permalink
        .trim_start_matches("/console/imports/")
        .to_string();
    b.click("#preview button.commit").await;
    b.click("#preview button.login-sheet").await;
    let saved = b.wait_text("#preview a.sheet-file", ".xlsx").await;
    b.shot("login-sheet").await;
    // The offered file is the workbook the API answered (an xlsx of some size, named by the
    // answer's Content-Disposition), kept as an object URL.
    let offered = b
        .run(
            "const a = document.querySelector('#preview a.sheet-file');\
             return [a.href, a.download, Number(a.dataset.bytes)];",
            vec![],
        )
        .await;
    assert!(
        offered[0].as_str().unwrap().starts_with("blob:"),
        "{offered} ({saved})"
    );
    assert!(offered[1].as_str().unwrap().ends_with(".xlsx"), "{offered}");
    assert!(offered[2].as_u64().unwrap() > 1000, "{offered}");

    // The API: the import is committed, its sheet taken, and the people are there.
    let state = app
        .get(&format!("/v1/imports/{import_id}"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(state.str("status"), "committed");
    let schools = app
        .get("/v1/schools")
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let school = schools.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["district_id"] == district.as_str())
        .expect("the new school");
    let members = app
        .get(&format!(
            "/v1/schools/{}/members",
            school["id"].as_str().unwrap()
        ))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let names: Vec<&str> = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(
        names.contains(&"李校长") && names.contains(&"王老师"),
        "{names:?}"
    );

    // Reopened, the import says it is committed; the sheet is not handed out twice.
    b.open(&permalink).await;
    b.wait_text("main .import-state", "已导入").await;
    b.click("main button.login-sheet").await;
    b.wait_text("main .problem", "import_committed").await;
    b.shot("reopened").await;

    // The admin's compliance chooser now offers the new district.
    b.click("#top nav a[href='/console/compliance']").await;
    b.wait_path("/console/compliance").await;
    b.wait_text("main ul.choices", "新区").await;
    b.click(&format!(
        "main a[href='/console/districts/{district}/compliance']"
    ))
    .await;
    b.wait_path(&format!("/console/districts/{district}/compliance"))
        .await;
    b.wait_text("main table.grid", "第一小学").await;
    b.shot("new-district-compliance").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// Journey: the district's researcher reads compliance at a glance: the chart of the schools,
/// then school A, then a teacher, then that teacher's observations.
#[actix_web::test]
async fn journey_compliance_from_the_district_to_a_teacher() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "compliance").await else {
        return;
    };
    let principal = app.demo("13800000001").await;
    let district = principal.district_id();
    let school_a = principal.school_id();
    let teacher = app.demo("13800000005").await;

    b.log_in("13800000021", DEMO_PASSWORD).await;
    let to_district = format!("/console/districts/{district}/compliance");
    b.click(&format!("#top nav a[href='{to_district}']")).await;
    b.wait_path(&to_district).await;
    b.find("main .chart canvas").await;
    b.wait_text("main table.grid", "实验小学").await;
    b.shot("district").await;

    b.click(&format!(
        "main a[href^='/console/schools/{school_a}/compliance']"
    ))
    .await;
    b.wait_path(&format!("/console/schools/{school_a}/compliance"))
        .await;
    b.wait_text("main h1", "实验小学").await;
    b.find("main .chart canvas").await;
    // The pace of the term, week by week (the demo's observations fall in its teaching weeks).
    b.find("main .pace-chart canvas").await;
    b.shot("school").await;

    b.click(&format!("main a[href^='/console/people/{}']", teacher.id()))
        .await;
    b.wait_path(&format!("/console/people/{}", teacher.id()))
        .await;
    b.wait_text("main h1", "陈老师").await;
    let observations = b
        .run(
            "return [...document.querySelectorAll('main a[href^=\"/console/observations/\"]')].length;",
            vec![],
        )
        .await;
    assert!(observations.as_u64().unwrap() > 0, "{observations}");
    b.find(&format!(
        "main a[href='/console/people/{}/archive']",
        teacher.id()
    ))
    .await;
    b.shot("teacher").await;

    // The export is the API's CSV of the same view, opened with the cookie.
    b.open(&to_district).await;
    let csv = b
        .run(
            "return fetch(document.querySelector('main a.export').href).then(r =>\
               r.text().then(t => [r.status, r.headers.get('content-type'), t.length]));",
            vec![],
        )
        .await;
    assert_eq!(csv[0], 200, "{csv}");
    assert!(csv[1].as_str().unwrap().contains("text/csv"), "{csv}");

    // On a tablet, in English: the school's page still reads (its chart redrawn to the width).
    b.client
        .set_window_size(820, 1180)
        .await
        .expect("tablet size");
    b.open(&format!("/console/schools/{school_a}/compliance"))
        .await;
    b.click("header .lang").await;
    b.ready().await;
    b.wait_text("main h1", "School compliance").await;
    b.find("main .chart canvas").await;
    b.shot("school-tablet-english").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// A principal's "Import" leads to their district's import page for their own school only.
#[actix_web::test]
async fn journey_a_principal_imports_their_school() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "principal-import").await else {
        return;
    };
    let principal = app.demo("13800000001").await;
    let (district, school) = (principal.district_id(), principal.school_id());
    b.log_in("13800000001", DEMO_PASSWORD).await;
    let wizard = format!("/console/districts/{district}/import?school_id={school}");
    b.click(&format!("#top nav a[href='{wizard}']")).await;
    b.wait_path(&format!("/console/districts/{district}/import"))
        .await;
    b.find("#upload input[type=file]").await;
    // Compliance leads the principal to their school's report.
    b.click(&format!(
        "#top nav a[href='/console/schools/{school}/compliance']"
    ))
    .await;
    b.wait_path(&format!("/console/schools/{school}/compliance"))
        .await;
    b.wait_text("main h1", "实验小学").await;
    b.shot("principal-school").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}
