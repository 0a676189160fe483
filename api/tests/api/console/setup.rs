//! Setting up a district and a school from the desk (issue 22): the routes the pages added
//! (`GET /v1/districts`, `GET /v1/quota-rules/defaults`, `q` on a school's members) and the
//! journeys of an admin, a principal and a teacher in a real browser.

use super::browser::Browser;
use crate::helpers::*;
use serde_json::json;

fn names(res: &Response) -> Vec<String> {
    res.items()
        .iter()
        .map(|m| m["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[actix_web::test]
async fn districts_are_listed_to_admins_all_and_to_district_staff_their_own() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let demo = app.demo(PRINCIPAL_A).await.district_id();
    let other = app
        .post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "第二区" }))
        .send()
        .await
        .expect_status(201);
    let other = other.str("id").to_string();

    let all = app
        .get("/v1/districts")
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let ids: Vec<&str> = all
        .items()
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert!(ids.contains(&demo.as_str()) && ids.contains(&other.as_str()));

    let paged = app
        .get("/v1/districts?limit=1")
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let cursor = paged.body["next_cursor"].as_str().expect("a next page");
    let rest = app
        .get(&format!("/v1/districts?limit=1&cursor={cursor}"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert_ne!(paged.items()[0]["id"], rest.items()[0]["id"]);

    let researcher = app.demo(RESEARCHER).await;
    let theirs = app
        .get("/v1/districts")
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    let ids: Vec<&str> = theirs
        .items()
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(ids, vec![demo.as_str()], "the researcher's district only");

    for phone in [PRINCIPAL_A, TEACHER_A] {
        let s = app.demo(phone).await;
        app.get("/v1/districts")
            .token(&s.token)
            .send()
            .await
            .expect_problem(403, "forbidden");
    }
    app.get("/v1/districts")
        .send()
        .await
        .expect_problem(401, "missing_token");
}

#[actix_web::test]
async fn the_policy_defaults_are_the_rules_a_new_district_starts_with() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let district = app
        .post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "新区" }))
        .send()
        .await
        .expect_status(201);
    let id = district.str("id");
    let rules = app
        .get(&format!("/v1/districts/{id}/quota-rules"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let teacher = app.demo(TEACHER_A).await;
    let defaults = app
        .get("/v1/quota-rules/defaults")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(defaults.items().len(), rules.items().len());
    let key = |r: &serde_json::Value| {
        format!(
            "{}|{}|{}|{}|{}|{}|{}",
            r["target"],
            r["role"],
            r["qualifier"],
            r["group_kind"],
            r["activity"],
            r["period"],
            r["minimum"]
        )
    };
    let mut a: Vec<String> = defaults.items().iter().map(key).collect();
    let mut b: Vec<String> = rules.items().iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let principal = defaults
        .items()
        .iter()
        .find(|r| r["role"] == "principal" && r["activity"] == "observations")
        .expect("the principal's observations");
    assert_eq!(principal["minimum"], 30);
}

#[actix_web::test]
async fn a_schools_people_are_found_by_part_of_a_name_or_a_phone() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    let search = |q: &str| format!("/v1/schools/{school}/members?q={}", url_encode(q));
    let find = |token: &str, path: String| app.get(&path).token(token).send();

    // Part of a phone, part of a name.
    let res = find(&principal.token, search("0000005"))
        .await
        .expect_status(200);
    assert_eq!(names(&res), vec!["陈老师"]);
    let res = find(&principal.token, search("杨"))
        .await
        .expect_status(200);
    assert_eq!(names(&res), vec!["杨老师"]);
    let res = find(&principal.token, search("老师"))
        .await
        .expect_status(200);
    assert!(names(&res).len() >= 3, "{:?}", names(&res));

    // Case does not matter; LIKE's wildcards are taken as they are.
    let admin = app.admin().await;
    app.post(&format!("/v1/schools/{school}/members"))
        .token(&admin.token)
        .json(json!({ "name": "Anna Li", "phone": "13700000077", "roles": ["teacher"] }))
        .send()
        .await
        .expect_status(201);
    let res = find(&principal.token, search("aNNa"))
        .await
        .expect_status(200);
    assert_eq!(names(&res), vec!["Anna Li"]);
    for wild in [
        "%",
        "_",
        "\\",
        "a%i",
        "'; DROP TABLE users;--",
        "\" OR \"1\"=\"1",
    ] {
        let res = find(&principal.token, search(wild))
            .await
            .expect_status(200);
        assert!(res.items().is_empty(), "{wild}: {:?}", names(&res));
    }

    // A teacher, who sees names only, finds people by name but not by phone.
    let teacher = app.demo(TEACHER_A).await;
    let res = find(&teacher.token, search("0000006"))
        .await
        .expect_status(200);
    assert!(res.items().is_empty(), "{:?}", names(&res));
    let res = find(&teacher.token, search("杨")).await.expect_status(200);
    assert_eq!(names(&res), vec!["杨老师"]);
    assert!(res.items()[0].get("phone").is_none());

    // Pages of a search, and a search of a school the caller may not see.
    let res = find(
        &principal.token,
        format!("/v1/schools/{school}/members?q=%E8%80%81%E5%B8%88&limit=1"),
    )
    .await
    .expect_status(200);
    assert!(res.body["next_cursor"].is_string());
    let other = app.demo(TEACHER_B).await;
    app.get(&search("陈"))
        .token(&other.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get(&search(&"长".repeat(51)))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_query");
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Journey: the admin opens the demo district, adds a school and a term, sets a holiday in the
/// term's calendar and changes a district quota rule; the API shows each afterwards.
#[actix_web::test]
async fn journey_district_setup() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "district-setup").await else {
        return;
    };
    let admin = app.admin().await;
    let district = app.demo(PRINCIPAL_A).await.district_id();

    b.log_in(ADMIN_PHONE, PASSWORD).await;
    b.wait_text("header nav", "区县设置").await;
    b.open("/console/districts").await;
    b.shot("districts").await;
    b.click(&format!("a[href='/console/districts/{district}']"))
        .await;
    b.wait_path(&format!("/console/districts/{district}")).await;
    b.wait_text("#schools", "实验小学").await;
    b.shot("the-demo-district").await;

    // A school.
    b.type_in("#new-school input[name=name]", "新城小学").await;
    b.click("#new-school button[type=submit]").await;
    b.wait_text("#schools", "新城小学").await;
    b.wait_text("#new-school .result", "新城小学").await;
    b.shot("school-added").await;

    // A term (after the demo's), then its calendar.
    b.type_in("#new-term input[name=name]", "2030-2031学年第二学期")
        .await;
    b.type_in("#new-term input[name=school_year]", "2030-2031")
        .await;
    set_value(&b, "#new-term input[name=starts_on]", "2031-02-17").await;
    set_value(&b, "#new-term input[name=ends_on]", "2031-07-04").await;
    b.click("#new-term button[type=submit]").await;
    b.wait_text("#terms", "2030-2031学年第二学期").await;
    b.shot("term-added").await;
    let terms = app
        .get(&format!("/v1/districts/{district}/terms"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let term = terms
        .items()
        .iter()
        .find(|x| x["name"] == "2030-2031学年第二学期")
        .expect("the new term")["id"]
        .as_str()
        .unwrap()
        .to_string();

    b.click(&format!("#terms a[href='/console/terms/{term}/calendar']"))
        .await;
    b.wait_path(&format!("/console/terms/{term}/calendar"))
        .await;
    b.click("#term-calendar .add-day").await;
    b.run(
        "const row = document.querySelector('#term-calendar tr.day:last-child');
         row.querySelector('[name=kind]').value = 'holiday';
         row.querySelector('[name=starts_on]').value = '2031-05-01';
         row.querySelector('[name=ends_on]').value = '2031-05-05';",
        vec![],
    )
    .await;
    b.type_in(
        "#term-calendar tr.day:last-child input[name=name]",
        "劳动节",
    )
    .await;
    b.click("#term-calendar button[type=submit]").await;
    b.wait_text("#term-calendar .result", "校历已保存").await;
    b.shot("holiday-set").await;
    let cal = app
        .get(&format!("/v1/terms/{term}/calendar"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let holiday = cal.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "劳动节")
        .expect("the holiday");
    assert_eq!(holiday["kind"], "holiday");
    assert_eq!(holiday["starts_on"], "2031-05-01");
    assert_eq!(holiday["ends_on"], "2031-05-05");

    // A quota rule: the principal's observations a term, 30 by default, now 32.
    b.open(&format!("/console/districts/{district}")).await;
    let row = "#district-rules tr[data-duty='person|principal|||observations|term']";
    b.wait_text(&format!("{row} td.default"), "30").await;
    b.type_in(&format!("{row} input[name^=min]"), "32").await;
    b.click("#district-rules button[type=submit]").await;
    b.wait_text("#district-rules .result", "已保存").await;
    b.shot("quota-rule-changed").await;
    let rules = app
        .get(&format!("/v1/districts/{district}/quota-rules"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let rule = rules
        .items()
        .iter()
        .find(|r| {
            r["role"] == "principal"
                && r["activity"] == "observations"
                && r["period"] == "term"
                && r["qualifier"].is_null()
        })
        .expect("the principal's rule");
    assert_eq!(rule["minimum"], 32);

    let schools = app
        .get("/v1/schools")
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert!(schools.items().iter().any(|s| s["name"] == "新城小学"));

    b.click("header .lang").await;
    b.ready().await;
    b.wait_text("main h2", "Schools").await;
    b.shot("in-english").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// Sets a date field's value (typing into a date input depends on the browser's locale).
async fn set_value(b: &Browser, css: &str, value: &str) {
    b.run(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![json!(css), json!(value)],
    )
    .await;
}

/// Journey: the demo principal finds their people by part of a phone and by a name, adds a
/// teacher of school B as a second-school member, resets a teacher's password and reads the
/// one-time password on the page, ends their sessions, edits the rubric; the admin ends sessions
/// from the same page too.
#[actix_web::test]
async fn journey_school_people() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "school-people").await else {
        return;
    };
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    let teacher = app.demo(TEACHER_A).await;
    let teacher_b = app.demo(TEACHER_B).await;
    let teacher_b_name = teacher_b.user["name"].as_str().unwrap().to_string();

    b.log_in(PRINCIPAL_A, DEMO_PASSWORD).await;
    b.click("header nav a[href^='/console/schools/']").await;
    b.wait_path(&format!("/console/schools/{school}")).await;
    b.wait_text("#people", "陈老师").await;
    b.shot("school-page").await;

    b.type_in("#people-search input[name=q]", "0000005").await;
    b.click("#people-search button[type=submit]").await;
    b.find("#people[data-count='1']").await;
    b.wait_text("#people", "陈老师").await;
    b.shot("found-by-phone").await;
    b.type_in("#people-search input[name=q]", "杨").await;
    b.click("#people-search button[type=submit]").await;
    b.wait_text("#people", "杨老师").await;
    let text = b.wait_text("#people", "杨老师").await;
    assert!(!text.contains("陈老师"), "{text}");
    b.shot("found-by-name").await;

    // 杨老师 is made grade-group leader: the roles form of the row, then the API says so.
    let yang = app.demo(TEACHER_A2).await;
    let membership = yang.user["memberships"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.click(&format!("button.edit-roles[data-member='{membership}']"))
        .await;
    b.click("#roles-form input[value=grade_leader]").await;
    b.shot("roles-form").await;
    b.click("#roles-form button[type=submit]").await;
    b.wait_text("#handover .roles-saved", "杨老师").await;
    b.wait_text("#people", "年级组长").await;
    let me = app.get("/v1/me").token(&yang.token).send().await;
    let roles = me.expect_status(200).body["memberships"][0]["roles"].clone();
    assert!(
        roles.as_array().unwrap().contains(&json!("grade_leader")),
        "{roles}"
    );

    // A teacher of school B joins school A as a second school.
    b.type_in("#new-person input[name=name]", &teacher_b_name)
        .await;
    b.type_in("#new-person input[name=phone]", TEACHER_B).await;
    b.click("#new-person button[type=submit]").await;
    b.wait_text("#new-person .result", "已有账号").await;
    b.shot("second-school").await;
    let found = app
        .get(&format!("/v1/schools/{school}/members?q={TEACHER_B}"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(names(&found), vec![teacher_b_name.clone()]);
    let me = app
        .get("/v1/me")
        .token(&teacher_b.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(me.body["memberships"].as_array().unwrap().len(), 2);

    // A teacher's password reset: the one-time password is on the page, once.
    b.type_in("#people-search input[name=q]", "陈").await;
    b.click("#people-search button[type=submit]").await;
    b.find("#people[data-count='1']").await;
    b.run("window.confirm = () => true;", vec![]).await;
    b.click(&format!(
        "button.reset-password[data-user='{}']",
        teacher.id()
    ))
    .await;
    let shown = b.find("#handover .one-time-password").await;
    let one_time = shown.text().await.expect("text").trim().to_string();
    assert!(one_time.len() >= 8, "{one_time:?}");
    b.shot("one-time-password").await;
    app.get("/v1/me")
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    let again = app
        .post("/v1/auth/login")
        .json(json!({ "phone": TEACHER_A, "password": one_time }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(again.body["password_change_required"], json!(true));
    let fresh_token = again.str("access_token").to_string();

    // The principal ends the teacher's sessions too (a phone lost): the new login ends.
    b.click(&format!(
        "button.end-sessions[data-user='{}']",
        teacher.id()
    ))
    .await;
    b.wait_text("#handover .sessions-ended", "陈老师").await;
    b.shot("sessions-ended-by-the-principal").await;
    app.get("/v1/me")
        .token(&fresh_token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    let fresh_token = app.login(TEACHER_A, &one_time).await.token;

    // The rubric: a new version.
    let before = app
        .get(&format!("/v1/schools/{school}/rubric"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let version = before.body["version"].as_i64().unwrap();
    b.click("#rubric-link").await;
    b.wait_path(&format!("/console/schools/{school}/rubric"))
        .await;
    b.wait_text("#rubric-version", &version.to_string()).await;
    b.type_in(
        "#rubric tr.rubric-item:first-child input[name=title]",
        "教学设计与目标",
    )
    .await;
    b.type_in(
        "#rubric tr.rubric-item:first-child input[name=max_score]",
        "25",
    )
    .await;
    b.click("#rubric button[type=submit]").await;
    b.wait_text("#rubric-version", &(version + 1).to_string())
        .await;
    b.shot("rubric-saved").await;
    let after = app
        .get(&format!("/v1/schools/{school}/rubric"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(after.body["version"].as_i64(), Some(version + 1));
    assert_eq!(after.body["items"][0]["title"], "教学设计与目标");
    assert_eq!(after.body["items"][0]["max_score"], 25);

    // A save over a version someone else saved meanwhile: the API's 412, plainly.
    let items = after.body["items"].clone();
    app.put(&format!("/v1/schools/{school}/rubric"))
        .token(&principal.token)
        .json(json!({ "items": items }))
        .send()
        .await
        .expect_status(200);
    b.click("#rubric button[type=submit]").await;
    b.wait_text("#rubric-result .problem", "precondition_failed")
        .await;
    b.wait_text("#rubric-result .stale", "重新加载").await;
    b.shot("rubric-stale").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);

    // The admin ends the teacher's sessions from the school's page.
    b.log_in(ADMIN_PHONE, PASSWORD).await;
    b.open(&format!("/console/schools/{school}?q={TEACHER_A}"))
        .await;
    b.find("#people[data-count='1']").await;
    b.run("window.confirm = () => true;", vec![]).await;
    b.click(&format!(
        "button.end-sessions[data-user='{}']",
        teacher.id()
    ))
    .await;
    b.wait_text("#handover .sessions-ended", "陈老师").await;
    b.shot("sessions-ended").await;
    app.get("/v1/me")
        .token(&fresh_token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// Journey: a teacher who opens the districts or saves the school's rubric is refused by the
/// API, and the page says so.
#[actix_web::test]
async fn journey_a_teacher_is_refused_the_setup_pages() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "setup-refused").await else {
        return;
    };
    let school = app.demo(PRINCIPAL_A).await.school_id();
    b.log_in(TEACHER_A, DEMO_PASSWORD).await;
    let nav = b.find("header nav").await.text().await.expect("text");
    assert!(!nav.contains("区县设置") && !nav.contains("本校"), "{nav}");
    b.open("/console/districts").await;
    b.wait_text("main h1.forbidden", "没有权限").await;
    b.shot("districts-refused").await;
    b.open(&format!("/console/schools/{school}/rubric")).await;
    b.click("#rubric button[type=submit]").await;
    b.wait_text("#rubric-result h1.forbidden", "没有权限").await;
    b.shot("rubric-refused").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// Journey: the demo principal makes a subject group and gives it people and a leader, asks
/// more of the school's principals than the district does, and sets a day off; the API shows
/// each afterwards.
#[actix_web::test]
async fn journey_school_groups_rules_and_days_off() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "school-groups-rules").await else {
        return;
    };
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    let teacher = app.demo(TEACHER_A).await;

    b.log_in(PRINCIPAL_A, DEMO_PASSWORD).await;
    b.open(&format!("/console/schools/{school}")).await;

    // A group, then its name, people and leader.
    b.type_in("#new-group input[name=name]", "科学教研组").await;
    b.type_in("#new-group input[name=subject]", "科学").await;
    let leader = app.demo(TEACHER_A2).await;
    b.run(
        "document.querySelector('#new-group select[name=leader]').value = arguments[0];",
        vec![json!(leader.id())],
    )
    .await;
    b.click("#new-group button[type=submit]").await;
    b.wait_text("#groups", "科学教研组").await;
    b.click("#groups tbody tr:last-child button.edit-group")
        .await;
    b.type_in("#group-edit input[name=name]", "科学组").await;
    b.click(&format!(
        "#group-edit input[name=member][value='{}']",
        teacher.id()
    ))
    .await;
    b.click(&format!(
        "#group-edit input[name=leader][value='{}']",
        teacher.id()
    ))
    .await;
    b.click("#group-edit button[type=submit]").await;
    b.wait_text("#group-edit .result", "已保存").await;
    b.wait_text("#groups", "陈老师（组长）").await;
    b.wait_text("#groups", "杨老师（组长）").await;
    b.shot("group-saved").await;
    let groups = app
        .get(&format!("/v1/schools/{school}/groups"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let group = groups
        .items()
        .iter()
        .find(|g| g["name"] == "科学组")
        .expect("the group renamed");
    assert_eq!(group["subject"], "科学");
    let people = group["members"].as_array().unwrap();
    assert_eq!(people.len(), 2, "{people:?}");
    for p in people {
        assert_eq!(p["leader"], true, "{p}");
    }
    assert!(people.iter().any(|p| p["user_id"] == teacher.id()));

    // A rule of the school's own, stricter than the district's first (the principal's 30).
    b.click("#add-stricter button[type=submit]").await;
    let row = "#school-rules tr[data-duty='person|principal|||observations|term']";
    b.wait_text(&format!("{row} td.default"), "30").await;
    b.type_in(&format!("{row} input[name^=min]"), "35").await;
    b.click("#school-rules button[type=submit]").await;
    b.wait_text("#school-rules .result", "已保存").await;
    b.shot("school-rule-saved").await;
    let rules = app
        .get(&format!("/v1/schools/{school}/quota-rules"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let own = rules
        .items()
        .iter()
        .find(|r| r["source"] == "school" && r["role"] == "principal")
        .expect("the school's own rule");
    assert_eq!(own["minimum"], 35);

    // A day off in the current term.
    b.click("#school-days .add-day").await;
    b.run(
        "const row = document.querySelector('#school-days tr.day:last-child');
         row.querySelector('[name=starts_on]').value = '2026-12-18';
         row.querySelector('[name=ends_on]').value = '2026-12-18';",
        vec![],
    )
    .await;
    b.type_in("#school-days tr.day:last-child input[name=name]", "运动会")
        .await;
    b.click("#school-days button[type=submit]").await;
    b.wait_text("#school-days .result", "校历已保存").await;
    b.shot("day-off-saved").await;
    let term = b
        .run("return document.querySelector('#days-off').closest('section').querySelector('select').value;", vec![])
        .await;
    let term = term.as_str().expect("a term").to_string();
    let cal = app
        .get(&format!("/v1/terms/{term}/calendar?school_id={school}"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert!(cal.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "运动会" && e["kind"] == "day_off" && e["source"] == "school"));
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}
