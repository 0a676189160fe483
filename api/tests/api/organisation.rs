use crate::helpers::*;
use serde_json::{json, Value};

#[tokio::test]
async fn an_admin_builds_a_district_with_schools_terms_and_people() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = app
        .post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "  海淀区 " }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(district.str("name"), "海淀区", "names are trimmed");
    let district_id = district.str("id");
    let school = app
        .post("/v1/schools")
        .token(&admin.token)
        .json(json!({ "name": "中关村一小", "district_id": district_id }))
        .send()
        .await
        .expect_status(201);
    let school_id = school.str("id");
    app.get(&format!("/v1/schools/{school_id}"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let term = app
        .post(&format!("/v1/districts/{district_id}/terms"))
        .token(&admin.token)
        .json(json!({
            "name": "2026-2027 学年第一学期", "school_year": "2026-2027",
            "starts_on": "2026-09-01", "ends_on": "2027-01-20"
        }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(term.str("starts_on"), "2026-09-01");
    let member = add_member(
        &app,
        &admin,
        school_id,
        "13611112222",
        &["principal", "teacher"],
    )
    .await
    .expect_status(201);
    assert_eq!(member.str("school_id"), school_id);
    assert_eq!(member.body["roles"], json!(["principal", "teacher"]));
    let researcher = app
        .post(&format!("/v1/districts/{district_id}/members"))
        .token(&admin.token)
        .json(json!({
            "name": "教研员", "phone": "13611113333", "password": PASSWORD,
            "roles": ["researcher"], "subjects": ["数学"]
        }))
        .send()
        .await
        .expect_status(201);
    assert!(researcher.body["school_id"].is_null());

    // The principal logs in and sees their school and its people.
    let principal = app.login("13611112222", PASSWORD).await;
    let me = app
        .get("/v1/me")
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(me.body["memberships"][0]["school_id"], school_id);
    let people = app
        .get(&format!("/v1/schools/{school_id}/members"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(people.items().len(), 1);
    let terms = app
        .get(&format!("/v1/districts/{district_id}/terms"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(terms.items()[0]["id"], term.body["id"]);
    // The researcher sees the district's schools.
    let researcher = app.login("13611113333", PASSWORD).await;
    let schools = app
        .get("/v1/schools")
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(schools.items().len(), 1);
}

#[tokio::test]
async fn only_admins_create_districts_schools_and_terms() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let district_id = principal.district_id();
    app.post("/v1/districts")
        .token(&principal.token)
        .json(json!({ "name": "我的区" }))
        .send()
        .await
        .expect_problem(403, "forbidden");
    app.post("/v1/schools")
        .token(&principal.token)
        .json(json!({ "name": "我的学校", "district_id": district_id }))
        .send()
        .await
        .expect_problem(403, "forbidden");
    app.post(&format!("/v1/districts/{district_id}/terms"))
        .token(&principal.token)
        .json(json!({
            "name": "学期", "school_year": "2030-2031",
            "starts_on": "2030-09-01", "ends_on": "2031-01-20"
        }))
        .send()
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("districts"), 1);
    assert_eq!(app.count("schools"), 2);
    assert_eq!(app.count("terms"), 1);
}

#[tokio::test]
async fn a_school_in_an_unknown_district_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.post("/v1/schools")
        .token(&admin.token)
        .json(json!({ "name": "无区小学", "district_id": "nope" }))
        .send()
        .await
        .expect_problem(422, "district_not_found");
    assert_eq!(app.count("schools"), 0);
}

#[tokio::test]
async fn overlapping_and_backwards_terms_are_refused() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let district_id = app.demo(PRINCIPAL_A).await.district_id();
    let path = format!("/v1/districts/{district_id}/terms");
    let term = |starts: &str, ends: &str| json!({ "name": "学期", "school_year": "2040-2041", "starts_on": starts, "ends_on": ends });
    app.post(&path)
        .token(&admin.token)
        .json(term("2040-09-01", "2041-01-31"))
        .send()
        .await
        .expect_status(201);
    app.post(&path)
        .token(&admin.token)
        .json(term("2041-01-31", "2041-07-01"))
        .send()
        .await
        .expect_problem(409, "term_overlap");
    app.post(&path)
        .token(&admin.token)
        .json(term("2041-07-01", "2041-02-01"))
        .send()
        .await
        .expect_problem(422, "invalid_date_range");
    app.post(&path)
        .token(&admin.token)
        .json(term("2041-02-30", "2041-07-01"))
        .send()
        .await
        .expect_problem(422, "invalid_date");
    // Back to back is fine.
    app.post(&path)
        .token(&admin.token)
        .json(term("2041-02-01", "2041-07-01"))
        .send()
        .await
        .expect_status(201);
    app.post("/v1/districts/nope/terms")
        .token(&admin.token)
        .json(term("2050-02-01", "2050-07-01"))
        .send()
        .await
        .expect_problem(404, "not_found");
    assert_eq!(app.count("terms"), 3);
}

#[tokio::test]
async fn a_principal_manages_their_own_school_only() {
    let app = spawn_demo_app().await;
    let principal_a = app.demo(PRINCIPAL_A).await;
    let principal_b = app.demo(PRINCIPAL_B).await;
    let school_a = principal_a.school_id();
    let school_b = principal_b.school_id();
    add_member(&app, &principal_a, &school_a, "13611110001", &["teacher"])
        .await
        .expect_status(201);
    // Another school's id answers as if it did not exist.
    add_member(&app, &principal_a, &school_b, "13611110002", &["teacher"])
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("/v1/schools/{school_b}"))
        .token(&principal_a.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("/v1/schools/{school_b}/members"))
        .token(&principal_a.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    // Teachers and other leaders of the school do not add people.
    for phone in [VICE_PRINCIPAL_A, DEAN_A, GRADE_LEADER_A, TEACHER_A] {
        let leader = app.demo(phone).await;
        add_member(&app, &leader, &school_a, "13611110003", &["teacher"])
            .await
            .expect_problem(403, "forbidden");
    }
    // Nor can a principal hand out district roles.
    add_member(
        &app,
        &principal_a,
        &school_a,
        "13611110004",
        &["researcher"],
    )
    .await
    .expect_problem(422, "role_not_allowed");
    app.post(&format!(
        "/v1/districts/{}/members",
        principal_a.district_id()
    ))
    .token(&principal_a.token)
    .json(json!({
        "name": "假教研员", "phone": "13611110005", "password": PASSWORD,
        "roles": ["researcher"], "subjects": []
    }))
    .send()
    .await
    .expect_problem(403, "forbidden");
    let users_before = app.count("users");
    add_member(&app, &principal_a, &school_a, "13611110006", &["janitor"])
        .await
        .expect_problem(422, "unknown_role");
    assert_eq!(app.count("users"), users_before, "refusals store nothing");
}

#[tokio::test]
async fn nobody_sees_another_schools_people() {
    let app = spawn_demo_app().await;
    let teacher_b = app.demo(TEACHER_B).await;
    let school_a = app.demo(PRINCIPAL_A).await.school_id();
    let schools = app
        .get("/v1/schools")
        .token(&teacher_b.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        schools.items().len(),
        1,
        "a teacher sees their own school only"
    );
    assert_eq!(schools.items()[0]["id"], teacher_b.school_id());
    app.get(&format!("/v1/schools/{school_a}/members"))
        .token(&teacher_b.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get(&format!(
        "/v1/districts/{}/members",
        teacher_b.district_id()
    ))
    .token(&teacher_b.token)
    .send()
    .await
    .expect_problem(404, "not_found");
    // The district's researcher sees both schools and their people.
    let researcher = app.demo(RESEARCHER).await;
    let schools = app
        .get("/v1/schools")
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(schools.items().len(), 2);
    app.get(&format!("/v1/schools/{school_a}/members"))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    let district = app
        .get(&format!(
            "/v1/districts/{}/members",
            researcher.district_id()
        ))
        .token(&researcher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(district.items().len(), 1);
    // Someone of another district sees none of it.
    let admin = app.admin().await;
    let stranger = app.new_school(&admin, "13611119999").await;
    app.get(&format!("/v1/schools/{school_a}"))
        .token(&stranger.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("/v1/districts/{}/terms", researcher.district_id()))
        .token(&stranger.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn a_phone_number_belongs_to_one_person() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let users_before = app.count("users");
    // Another name with a taken phone: refused, not a second person.
    add_member(
        &app,
        &principal,
        &principal.school_id(),
        TEACHER_A2,
        &["teacher"],
    )
    .await
    .expect_problem(409, "phone_other_name");
    // The person themselves, again in the same school: a member already.
    let teacher = app.demo(TEACHER_A2).await;
    app.post(&format!("/v1/schools/{}/members", principal.school_id()))
        .token(&principal.token)
        .json(serde_json::json!({
            "name": teacher.user["name"], "phone": TEACHER_A2, "roles": ["teacher"]
        }))
        .send()
        .await
        .expect_problem(409, "already_member");
    assert_eq!(app.count("users"), users_before);
}

#[tokio::test]
async fn lists_are_paginated_with_cursors() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let path = format!("/v1/schools/{}/members", principal.school_id());
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=3&cursor={c}"),
            None => format!("{path}?limit=3"),
        };
        let page = app
            .get(&url)
            .token(&principal.token)
            .send()
            .await
            .expect_status(200);
        assert!(page.items().len() <= 3);
        seen.extend(
            page.items()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (7, 7), "every member once");
    app.get(&format!("{path}?cursor=!!not-a-cursor"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_cursor");
    // A next cursor cut short is refused, not read as an earlier place in the list.
    let first = app
        .get(&format!("{path}?limit=2"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    let next = first.str("next_cursor");
    app.get(&format!("{path}?cursor={}", &next[..next.len() - 2]))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_cursor");
    app.get(&format!("{path}?limit=lots"))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(400, "invalid_query");
}

/// Sends `body` to `path` three times: twice as it is (201, then 200 with the same record) and
/// once with `changed` values under the same id (409 `id_conflict`).
async fn retried(app: &TestApp, by: &Session, path: &str, body: Value, changed: Value) -> Response {
    let first = app
        .post(path)
        .token(&by.token)
        .json(body.clone())
        .send()
        .await
        .expect_status(201);
    assert_eq!(first.str("id"), body["id"].as_str().unwrap());
    let again = app
        .post(path)
        .token(&by.token)
        .json(body)
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        again.body, first.body,
        "{path}: a retry answers the same record"
    );
    app.post(path)
        .token(&by.token)
        .json(changed)
        .send()
        .await
        .expect_problem(409, "id_conflict");
    first
}

#[tokio::test]
async fn admin_creates_retried_with_their_id_make_one_record_each() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let id = || uuid::Uuid::now_v7().to_string();
    let (d, s, t, m) = (id(), id(), id(), id());
    retried(
        &app,
        &admin,
        "/v1/districts",
        json!({ "id": d, "name": "东城区" }),
        json!({ "id": d, "name": "西城区" }),
    )
    .await;
    retried(
        &app,
        &admin,
        "/v1/schools",
        json!({ "id": s, "name": "东城一小", "district_id": d }),
        json!({ "id": s, "name": "东城二小", "district_id": d }),
    )
    .await;
    let term = json!({ "id": t, "name": "第一学期", "school_year": "2026-2027",
        "starts_on": "2026-09-01", "ends_on": "2027-01-20" });
    let mut other = term.clone();
    other["name"] = json!("第二学期");
    retried(
        &app,
        &admin,
        &format!("/v1/districts/{d}/terms"),
        term,
        other,
    )
    .await;
    let member = json!({ "id": m, "name": "李校长", "phone": "13622223333", "password": PASSWORD,
        "roles": ["principal"] });
    let mut other = member.clone();
    other["roles"] = json!(["teacher"]);
    retried(
        &app,
        &admin,
        &format!("/v1/schools/{s}/members"),
        member,
        other,
    )
    .await;
    assert_eq!(app.count("districts"), 1);
    assert_eq!(app.count("schools"), 1);
    assert_eq!(app.count("memberships"), 1);
    assert_eq!(app.count("users"), 2, "the admin and the principal");

    app.post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "id": "not-a-uuid", "name": "北区" }))
        .send()
        .await
        .expect_problem(422, "invalid_id");
}

/// Colleagues' phone numbers are for the school's leaders and, for their group's people, the
/// group's leaders (issue 18): a teacher or an apprentice listing the school, or syncing it,
/// sees names and roles, and their own number.
#[tokio::test]
async fn teachers_see_their_colleagues_names_but_not_their_phones() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo("13800000007").await; // 赵老师 leads no group
    let group_leader = app.demo(TEACHER_A).await; // 陈老师 leads 语文教研组 (with 王校长)
    let path = format!("/v1/schools/{}/members?limit=100", principal.school_id());
    let phones = |res: Response| -> Vec<(String, Option<String>)> {
        res.items()
            .iter()
            .map(|m| {
                let phone = m["phone"].as_str().map(str::to_string);
                (m["user_id"].as_str().unwrap().to_string(), phone)
            })
            .collect()
    };
    let seen = phones(
        app.get(&path)
            .token(&principal.token)
            .send()
            .await
            .expect_status(200),
    );
    assert!(seen.len() > 3 && seen.iter().all(|(_, p)| p.is_some()));
    let seen = phones(
        app.get(&path)
            .token(&teacher.token)
            .send()
            .await
            .expect_status(200),
    );
    assert!(seen.len() > 3);
    for (user, phone) in seen {
        assert_eq!(phone.is_some(), user == teacher.id(), "{user}: {phone:?}");
    }
    let seen = phones(
        app.get(&path)
            .token(&group_leader.token)
            .send()
            .await
            .expect_status(200),
    );
    let shown: Vec<&String> = seen
        .iter()
        .filter(|(_, p)| p.is_some())
        .map(|(u, _)| u)
        .collect();
    let mut expected = vec![group_leader.id(), principal.id()];
    expected.sort();
    let mut shown: Vec<&str> = shown.iter().map(|s| s.as_str()).collect();
    shown.sort();
    assert_eq!(
        shown, expected,
        "the group leader sees their group's numbers only"
    );
    let sync = app
        .get("/v1/sync")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let members = sync.body["members"].as_array().expect("members");
    assert!(!members.is_empty());
    for m in members {
        assert_eq!(
            m.get("phone").is_some(),
            m["user_id"] == teacher.id(),
            "{m}"
        );
    }
}

/// A principal sets the roles a person holds in the school (a teacher made grade-group leader,
/// a vice principal who steps down): a lost role's qualifier goes, a stale
/// `If-Match` is refused, and nobody changes their own roles or another school's people.
#[actix_web::test]
async fn a_principal_sets_the_roles_people_hold_in_the_school() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let membership = |s: &Session| s.user["memberships"][0]["id"].as_str().unwrap().to_string();
    // 杨老师 (…06) made grade-group leader.
    let mentor = app.demo(TEACHER_A2).await;
    let path = format!("/v1/memberships/{}/roles", membership(&mentor));
    let set = app
        .put(&path)
        .token(&principal.token)
        .json(json!({ "roles": ["teacher", "grade_leader"] }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(set.body["roles"], json!(["teacher", "grade_leader"]));
    let tag = set.etag();
    let me = app.get("/v1/me").token(&mentor.token).send().await;
    let roles = me.expect_status(200).body["memberships"][0]["roles"].clone();
    assert!(
        roles.as_array().unwrap().contains(&json!("grade_leader")),
        "{roles}"
    );
    // A stale tag is refused; the current one is not.
    app.put(&path)
        .token(&principal.token)
        .header("if-match", "\"member.stale\"")
        .json(json!({ "roles": ["teacher"] }))
        .send()
        .await
        .expect_problem(412, "precondition_failed");
    app.put(&path)
        .token(&principal.token)
        .header("if-match", &tag)
        .json(json!({ "roles": ["teacher"] }))
        .send()
        .await
        .expect_status(200);

    // The vice principal in charge of teaching steps down: the qualifier goes with the role.
    let vice = app.demo(VICE_PRINCIPAL_A).await;
    let stepped = app
        .put(&format!("/v1/memberships/{}/roles", membership(&vice)))
        .token(&principal.token)
        .json(json!({ "roles": ["teacher"] }))
        .send()
        .await
        .expect_status(200);
    assert_eq!(stepped.body["qualifiers"], json!([]));

    // Nobody sets their own roles; another school's principal does not see these people.
    app.put(&format!("/v1/memberships/{}/roles", membership(&principal)))
        .token(&principal.token)
        .json(json!({ "roles": ["teacher"] }))
        .send()
        .await
        .expect_problem(403, "forbidden");
    let other = app.demo(PRINCIPAL_B).await;
    app.put(&path)
        .token(&other.token)
        .json(json!({ "roles": ["principal"] }))
        .send()
        .await
        .expect_problem(404, "not_found");
}
