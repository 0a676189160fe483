//! A school's groups (issue 18): made by the school's leaders, their people managed by the
//! school's leaders and the group's own leaders, seen by the school, synced to its phones.

use crate::helpers::*;
use serde_json::{json, Value};

struct School {
    app: TestApp,
    principal: Session,
    dean: Session,
    leader: Session,
    teacher: Session,
    other: Session,
    school: String,
}

async fn school() -> School {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let dean = app.demo(DEAN_A).await;
    let leader = app.demo(TEACHER_A).await;
    let teacher = app.demo(TEACHER_A2).await;
    let other = app.demo(PRINCIPAL_B).await;
    let school = principal.school_id();
    School {
        app,
        principal,
        dean,
        leader,
        teacher,
        other,
        school,
    }
}

impl School {
    /// 三年级数学备课组: teacher A leads, teacher A2 is in it.
    fn body(&self) -> Value {
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": "preparation", "name": "三年级数学备课组", "subject": "数学", "grade": "三年级",
            "members": [
                { "user_id": self.leader.id(), "leader": true },
                { "user_id": self.teacher.id() }
            ]
        })
    }

    async fn create(&self, by: &Session, body: &Value) -> Response {
        self.app
            .post(&format!("/v1/schools/{}/groups", self.school))
            .token(&by.token)
            .json(body.clone())
            .send()
            .await
    }

    async fn set_members(&self, by: &Session, group: &Response, members: Value) -> Response {
        self.app
            .put(&format!("/v1/groups/{}/members", group.str("id")))
            .token(&by.token)
            .header("if-match", &group.etag())
            .json(json!({ "members": members }))
            .send()
            .await
    }
}

#[tokio::test]
async fn a_principal_makes_a_preparation_group_that_the_school_sees() {
    let s = school().await;
    let body = s.body();
    let made = s.create(&s.principal, &body).await.expect_status(201);
    assert_eq!(made.body["kind"], "preparation");
    assert_eq!(made.body["members"][0]["user_id"], s.leader.id());
    assert_eq!(made.body["members"][0]["leader"], true);
    assert_eq!(made.body["members"][1]["leader"], false);
    // A retry with the same id and body is the same group; another body under it is a conflict.
    let again = s.create(&s.principal, &body).await.expect_status(200);
    assert_eq!(again.body["id"], made.body["id"]);
    let mut changed = body.clone();
    changed["name"] = json!("三年级语文备课组");
    s.create(&s.principal, &changed)
        .await
        .expect_problem(409, "id_conflict");
    // Every member of the school sees it; another school does not.
    let path = format!("/v1/schools/{}/groups", s.school);
    let listed = s
        .app
        .get(&path)
        .token(&s.teacher.token)
        .send()
        .await
        .expect_status(200);
    assert!(listed.items().iter().any(|g| g["id"] == made.body["id"]));
    s.app
        .get(&path)
        .token(&s.other.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    let one = format!("/v1/groups/{}", made.str("id"));
    let read = s
        .app
        .get(&one)
        .token(&s.teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(read.etag(), made.etag());
    s.app
        .get(&one)
        .token(&s.teacher.token)
        .header("if-none-match", &made.etag())
        .send()
        .await
        .expect_status(304);
    s.app
        .get(&one)
        .token(&s.other.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    // Only the school's leaders make groups.
    s.create(&s.teacher, &s.body())
        .await
        .expect_problem(403, "forbidden");
    s.create(&s.other, &s.body())
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn a_group_is_what_its_kind_needs_with_one_or_two_leaders_of_the_school() {
    let s = school().await;
    let with = |change: Value| {
        let mut body = s.body();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (json!({ "grade": null }), "missing_field"),
        (json!({ "kind": "band" }), "invalid_kind"),
        (
            json!({ "members": [{ "user_id": s.teacher.id() }] }),
            "invalid_leaders",
        ),
        (
            json!({ "members": [{ "user_id": s.leader.id(), "leader": true }, { "user_id": s.leader.id() }] }),
            "duplicate_member",
        ),
        (
            json!({ "members": [{ "user_id": s.other.id(), "leader": true }] }),
            "member_not_in_school",
        ),
        (json!({ "name": "  " }), "invalid_length"),
        (json!({ "name": "数学\u{7}组" }), "invalid_text"),
    ];
    for (change, code) in cases {
        let res = s.create(&s.principal, &with(change.clone())).await;
        assert_eq!(
            (res.status, res.code()),
            (422, code),
            "{change}: {}",
            res.text
        );
    }
    // A subject group keeps its subject and drops a grade.
    let subject = with(json!({ "kind": "subject", "name": "数学教研组", "grade": "三年级" }));
    let made = s.create(&s.dean, &subject).await.expect_status(201);
    assert_eq!(made.body["grade"], Value::Null);
    assert_eq!(made.body["subject"], "数学");
    s.create(&s.dean, &with(json!({ "name": "数学教研组" })))
        .await
        .expect_problem(409, "group_exists");
    // Names are normalised (issue 26, item 3): an invisible character or full-width letters do
    // not make another group of the same name.
    s.create(&s.dean, &with(json!({ "name": "数学\u{200B}教研组" })))
        .await
        .expect_problem(409, "group_exists");
    let wide = s
        .create(
            &s.dean,
            &with(json!({ "name": "ＡＢ组", "grade": "三\u{200B}年级" })),
        )
        .await
        .expect_status(201);
    assert_eq!(wide.body["name"], "AB组");
    assert_eq!(wide.body["grade"], "三年级");
}

#[tokio::test]
async fn a_group_leader_changes_the_members_but_not_who_leads() {
    let s = school().await;
    let group = s.create(&s.principal, &s.body()).await.expect_status(201);
    let grade_leader = s.app.demo(GRADE_LEADER_A).await;
    let leader = json!({ "user_id": s.leader.id(), "leader": true });
    let added = json!([leader, { "user_id": s.teacher.id() }, { "user_id": grade_leader.id() }]);
    let changed = s
        .set_members(&s.leader, &group, added.clone())
        .await
        .expect_status(200);
    assert_eq!(changed.body["members"].as_array().unwrap().len(), 3);
    assert_ne!(changed.etag(), group.etag());
    // The old version is stale now; without If-Match the write is refused.
    s.set_members(&s.leader, &group, added.clone())
        .await
        .expect_problem(412, "precondition_failed");
    s.app
        .put(&format!("/v1/groups/{}/members", group.str("id")))
        .token(&s.leader.token)
        .json(json!({ "members": added }))
        .send()
        .await
        .expect_problem(428, "precondition_required");
    // Who leads is for the school's leaders.
    let new_leader = json!([leader, { "user_id": s.teacher.id(), "leader": true }]);
    s.set_members(&s.leader, &changed, new_leader.clone())
        .await
        .expect_problem(403, "forbidden");
    s.set_members(&s.teacher, &changed, added.clone())
        .await
        .expect_problem(403, "forbidden");
    let led = s
        .set_members(&s.dean, &changed, new_leader)
        .await
        .expect_status(200);
    let leaders = led.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["leader"] == true);
    assert_eq!(leaders.count(), 2);
    s.set_members(&s.other, &led, added)
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn leaders_rename_and_delete_groups_and_phones_sync_them() {
    let s = school().await;
    let first = s
        .app
        .get("/v1/sync")
        .token(&s.teacher.token)
        .send()
        .await
        .expect_status(200);
    let cursor = first.str("cursor").to_string();
    let group = s.create(&s.principal, &s.body()).await.expect_status(201);
    let principal_cursor = s
        .app
        .get("/v1/sync")
        .token(&s.principal.token)
        .send()
        .await
        .expect_status(200)
        .str("cursor")
        .to_string();
    let one = format!("/v1/groups/{}", group.str("id"));
    let synced = s
        .app
        .get(&format!("/v1/sync?since={cursor}"))
        .token(&s.teacher.token)
        .send()
        .await
        .expect_status(200);
    // Joining a group changes what the phone holds (the group's sheets): its sync starts over.
    assert_eq!(synced.body["full"], true);
    assert!(
        synced.body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == group.body["id"]),
        "{}",
        synced.text
    );
    let rename = json!({ "name": "三年级数学组" });
    s.app
        .patch(&one)
        .token(&s.leader.token)
        .header("if-match", &group.etag())
        .json(rename.clone())
        .send()
        .await
        .expect_problem(403, "forbidden");
    let renamed = s
        .app
        .patch(&one)
        .token(&s.dean.token)
        .header("if-match", &group.etag())
        .json(rename)
        .send()
        .await
        .expect_status(200);
    assert_eq!(renamed.body["name"], "三年级数学组");
    assert_eq!(renamed.body["grade"], "三年级");
    s.app
        .delete(&one)
        .token(&s.teacher.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    s.app
        .delete(&one)
        .token(&s.principal.token)
        .send()
        .await
        .expect_status(204);
    s.app
        .get(&one)
        .token(&s.principal.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    let after = s
        .app
        .get(&format!("/v1/sync?since={}", synced.str("cursor")))
        .token(&s.teacher.token)
        .send()
        .await
        .expect_status(200);
    // A member of the deleted group starts over (its sheets are no longer the phone's to
    // hold): the full answer has no such group. Someone else of the school gets a tombstone.
    assert_eq!(after.body["full"], true);
    assert!(!after.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == group.body["id"]));
    let principal_after = s
        .app
        .get(&format!("/v1/sync?since={principal_cursor}"))
        .token(&s.principal.token)
        .send()
        .await
        .expect_status(200);
    let gone = principal_after.body["deleted"].as_array().unwrap();
    assert!(
        gone.iter()
            .any(|t| t["kind"] == "group" && t["id"] == group.body["id"]),
        "{gone:?}"
    );
    // The name is free again.
    s.create(&s.principal, &s.body()).await.expect_status(201);
}

impl School {
    async fn meeting(&self, by: &Session, group: &str, body: Value) -> Response {
        self.app
            .post(&format!("/v1/groups/{group}/meetings"))
            .token(&by.token)
            .json(body)
            .send()
            .await
    }
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// A week of the three-grade mathematics group: the main preparer brings her draft (a lesson
/// plan of her own), the group discusses it and agrees revisions; attendance is kept.
#[tokio::test]
async fn a_preparation_group_records_its_collective_preparation() {
    let s = school().await;
    let group = s.create(&s.principal, &s.body()).await.expect_status(201);
    let gid = group.str("id").to_string();
    let draft = crate::documents::create_document(&s.app, &s.teacher, "lesson_plan")
        .await
        .expect_status(201);
    let body = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "kind": "collective_preparation", "held_on": today(), "topic": "第三单元 分数的意义",
        "lessons": "第1-3课时", "main_preparer_id": s.teacher.id(), "document_id": draft.str("id"),
        "discussion": "例题顺序调整\n练习分层", "revisions": "增加一道生活情境题",
        "attendance": [
            { "user_id": s.teacher.id(), "status": "present" },
            { "user_id": s.leader.id(), "status": "excused" }
        ]
    });
    let made = s
        .meeting(&s.teacher, &gid, body.clone())
        .await
        .expect_status(201);
    assert_eq!(made.body["kind"], "collective_preparation");
    assert_eq!(made.body["attendance"][1]["status"], "excused");
    assert_eq!(made.body["recorded_by"], s.teacher.id());
    // The phone's retry is the same meeting.
    let again = s
        .meeting(&s.teacher, &gid, body.clone())
        .await
        .expect_status(200);
    assert_eq!(again.body["id"], made.body["id"]);
    // The group's rules.
    let with = |change: Value| {
        let mut b = body.clone();
        b["id"] = json!(uuid::Uuid::now_v7().to_string());
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let dean = s.dean.id().to_string();
    let cases = [
        (json!({ "kind": "research_activity" }), "wrong_meeting_kind"),
        (json!({ "main_preparer_id": dean }), "member_not_in_group"),
        (json!({ "main_preparer_id": null }), "missing_field"),
        (
            json!({ "attendance": [{ "user_id": dean, "status": "present" }] }),
            "member_not_in_group",
        ),
        (
            json!({ "attendance": [{ "user_id": s.leader.id(), "status": "late" }] }),
            "invalid_kind",
        ),
        (
            json!({ "document_id": uuid::Uuid::now_v7().to_string() }),
            "document_not_found",
        ),
        (json!({ "held_on": "2026-02-30" }), "invalid_date"),
    ];
    for (change, code) in cases {
        let res = s.meeting(&s.teacher, &gid, with(change.clone())).await;
        assert_eq!(
            (res.status, res.code()),
            (422, code),
            "{change}: {}",
            res.text
        );
    }
    // Outside the group: the dean records (a school leader); another teacher may not; another
    // school does not see the group.
    let outsider = s.app.demo("13800000007").await;
    s.meeting(&outsider, &gid, with(json!({ "document_id": null })))
        .await
        .expect_problem(403, "forbidden");
    s.meeting(&s.other, &gid, with(json!({})))
        .await
        .expect_problem(404, "not_found");
    let listed = s
        .app
        .get(&format!("/v1/groups/{gid}/meetings"))
        .token(&outsider.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(listed.items().len(), 1);
}

#[tokio::test]
async fn a_subject_group_records_an_activity_with_its_observations_and_phones_sync_it() {
    let s = school().await;
    let mut body = s.body();
    body["kind"] = json!("subject");
    body["name"] = json!("数学教研组");
    let group = s.create(&s.principal, &body).await.expect_status(201);
    let gid = group.str("id").to_string();
    let lesson = crate::observations::lesson(&s.school, s.teacher.id(), 3, 40);
    let observation = crate::observations::create(&s.app, &s.principal, &lesson)
        .await
        .expect_status(201);
    let oid = observation.str("id").to_string();
    let activity = |observations: Value| {
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": "research_activity", "held_on": today(), "topic": "分数教学研讨课",
            "activity": "lesson_critique", "observation_ids": observations,
            "attendance": [{ "user_id": s.leader.id(), "status": "present" }]
        })
    };
    // A draft is nobody's to link but its observer's, and not before it is submitted.
    s.meeting(&s.principal, &gid, activity(json!([oid])))
        .await
        .expect_problem(422, "observation_not_found");
    crate::observations::submit(&s.app, &s.principal, &oid)
        .await
        .expect_status(200);
    let cursor = s
        .app
        .get("/v1/sync")
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200)
        .str("cursor")
        .to_string();
    let made = s
        .meeting(&s.principal, &gid, activity(json!([oid])))
        .await
        .expect_status(201);
    assert_eq!(made.body["observation_ids"][0], oid.as_str());
    let synced = s
        .app
        .get(&format!("/v1/sync?since={cursor}"))
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(synced.body["meetings"][0]["id"], made.body["id"]);
    // The group's leader changes the record; a member who neither recorded nor leads may not.
    let one = format!("/v1/meetings/{}", made.str("id"));
    let mut record = activity(json!([oid]));
    record.as_object_mut().unwrap().remove("id");
    record.as_object_mut().unwrap().remove("kind");
    record["topic"] = json!("分数教学研讨课(第二次)");
    s.app
        .patch(&one)
        .token(&s.teacher.token)
        .header("if-match", &made.etag())
        .json(record.clone())
        .send()
        .await
        .expect_problem(403, "forbidden");
    let changed = s
        .app
        .patch(&one)
        .token(&s.leader.token)
        .header("if-match", &made.etag())
        .json(record)
        .send()
        .await
        .expect_status(200);
    assert_eq!(changed.body["topic"], "分数教学研讨课(第二次)");
    s.app
        .delete(&one)
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(204);
    let after = s
        .app
        .get(&format!("/v1/sync?since={}", synced.str("cursor")))
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200);
    let gone = after.body["deleted"].as_array().unwrap();
    assert!(
        gone.iter()
            .any(|t| t["kind"] == "meeting" && t["id"] == made.body["id"]),
        "{gone:?}"
    );
}

/// A submitted guided-learning sheet of `grade` by `teacher`, with one page.
async fn sheet(s: &School, teacher: &Session, grade: &str) -> String {
    let mut body = crate::documents::new_document(&s.school, "guided_learning_sheet");
    body["grade"] = json!(grade);
    let doc = s
        .app
        .post("/v1/documents")
        .token(&teacher.token)
        .json(body)
        .send()
        .await
        .expect_status(201);
    let id = doc.str("id").to_string();
    let page = tingke_api::photo::testimages::page_jpeg(5, 900, 1200, 85);
    crate::documents::upload(&s.app, teacher, &id, &page)
        .await
        .expect_status(201);
    s.app
        .post(&format!("/v1/documents/{id}/submit"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    id
}

/// "再经年级组长审核": a sheet is approved by the leader of its grade's group, not by any
/// grade-group leader of the school; a school without a group for the grade keeps the old rule.
#[tokio::test]
async fn a_sheet_is_approved_by_the_leader_of_its_grades_group() {
    let s = school().await;
    let grade_leader = s.app.demo(GRADE_LEADER_A).await; // leads the demo's 四年级组
    add_member(
        &s.app,
        &s.principal,
        &s.school,
        "13700000077",
        &["grade_leader", "teacher"],
    )
    .await
    .expect_status(201);
    let other_grade_leader = s.app.login("13700000077", PASSWORD).await;
    let approve = |by: &Session, id: &str| {
        s.app
            .post(&format!("/v1/documents/{id}/approve"))
            .token(&by.token)
            .send()
    };
    let fourth = sheet(&s, &s.leader, "四年级").await;
    // Not theirs to approve, nor to read: teacher A is not of their grade group.
    approve(&other_grade_leader, &fourth)
        .await
        .expect_problem(404, "not_found");
    approve(&grade_leader, &fourth).await.expect_status(200);
    // A teacher who leads the fifth grade's group (no grade-leader role) approves its sheets.
    let mut fifth = s.body();
    fifth["kind"] = json!("grade");
    fifth["name"] = json!("五年级组");
    fifth["grade"] = json!("五年级");
    fifth["members"] = json!([{ "user_id": s.teacher.id(), "leader": true }]);
    s.create(&s.principal, &fifth).await.expect_status(201);
    let fifth_sheet = sheet(&s, &s.leader, "五年级").await;
    // Teacher A is of the 四年级组: its leader reads the sheet but does not approve it.
    approve(&grade_leader, &fifth_sheet)
        .await
        .expect_problem(403, "forbidden");
    approve(&s.teacher, &fifth_sheet).await.expect_status(200);
    // No group for the sixth grade yet: any grade-group leader of the school, as before.
    let sixth = sheet(&s, &s.leader, "六年级").await;
    approve(&other_grade_leader, &sixth)
        .await
        .expect_status(200);
}

/// The weekly collective preparation of the policy is the group's rule: its meetings count, its
/// progress is read by the school, and the school's report lists it (JSON and spreadsheet).
#[tokio::test]
async fn a_groups_weekly_preparation_counts_against_its_rule_and_shows_in_the_report() {
    let s = school().await;
    let group = s.create(&s.principal, &s.body()).await.expect_status(201);
    let gid = group.str("id").to_string();
    let path = format!("/v1/groups/{gid}/progress");
    let read = |who: &Session| s.app.get(&path).token(&who.token).send();
    let before = read(&s.teacher).await.expect_status(200);
    assert_eq!(before.body["group_id"], gid.as_str());
    let items = before.items();
    assert_eq!(items.len(), 1, "{}", before.text);
    assert_eq!(
        (
            &items[0]["activity"],
            &items[0]["period"],
            &items[0]["done"]
        ),
        (&json!("collective_preparations"), &json!("week"), &json!(0))
    );
    let body = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "kind": "collective_preparation", "held_on": today(), "topic": "第四单元 小数",
        "lessons": "第1课时", "main_preparer_id": s.teacher.id(),
        "attendance": [{ "user_id": s.teacher.id(), "status": "present" }]
    });
    s.meeting(&s.teacher, &gid, body).await.expect_status(201);
    let after = read(&s.principal).await.expect_status(200);
    assert_eq!(after.items()[0]["done"], 1, "{}", after.text);
    assert_eq!(after.body["term_id"], before.body["term_id"]);
    read(&s.other).await.expect_problem(404, "not_found");

    // A grade group: no rule binds its kind by default.
    let grade = json!({
        "id": uuid::Uuid::now_v7().to_string(), "kind": "grade", "name": "三年级组",
        "grade": "三年级", "members": [{ "user_id": s.leader.id(), "leader": true }]
    });
    let grade = s.create(&s.principal, &grade).await.expect_status(201);
    let none = s
        .app
        .get(&format!("/v1/groups/{}/progress", grade.str("id")))
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200);
    assert!(none.items().is_empty(), "{}", none.text);

    // The school's report: the group against its rule, the school against its own.
    let term = after.str("term_id").to_string();
    let report_path = format!("/v1/schools/{}/compliance?term_id={term}", s.school);
    let report = s
        .app
        .get(&report_path)
        .token(&s.principal.token)
        .send()
        .await
        .expect_status(200);
    let row = report.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == gid.as_str())
        .unwrap_or_else(|| panic!("the group is in the report: {}", report.text));
    assert_eq!(row["items"], after.body["items"]);
    assert!(
        !report.body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["group_id"] == grade.body["id"]),
        "a group no rule binds is left out"
    );
    assert_eq!(report.body["school"][0]["activity"], "open_weeks");
    let csv = s
        .app
        .get(&format!("{report_path}&format=csv"))
        .token(&s.principal.token)
        .send()
        .await
        .expect_status(200);
    assert!(
        csv.text
            .lines()
            .any(|l| l.starts_with("三年级数学备课组,") && l.contains(",备课组,集体备课,每周,")),
        "{}",
        csv.text
    );
}

/// "导学案初稿经过反复研讨、修改,再经年级组长审核,最后由领导签印方可使用": the lesson-preparation
/// group drafts its sheet together (any of its people adds pages and submits), the grade's
/// leader approves, a school leader signs off, and the sheet is in use for every member.
#[tokio::test]
async fn a_groups_sheet_is_drafted_together_and_in_use_for_every_member() {
    let s = school().await;
    let group = s.create(&s.principal, &s.body()).await.expect_status(201);
    let gid = group.str("id").to_string();
    let mut body = crate::documents::new_document(&s.school, "guided_learning_sheet");
    body["grade"] = json!("四年级");
    body["group_id"] = json!(gid);
    let doc = s
        .app
        .post("/v1/documents")
        .token(&s.teacher.token)
        .json(body.clone())
        .send()
        .await
        .expect_status(201);
    assert_eq!(doc.body["group_id"], gid.as_str());
    let id = doc.str("id").to_string();
    let path = format!("/v1/documents/{id}");

    // The group's leader (not the sheet's author) reads the draft and adds its page.
    s.app
        .get(&path)
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200);
    let page = tingke_api::photo::testimages::page_jpeg(5, 900, 1200, 85);
    crate::documents::upload(&s.app, &s.leader, &id, &page)
        .await
        .expect_status(201);
    // A teacher outside the group neither reads the draft nor adds to it.
    let outsider = s.app.demo("13800000007").await;
    s.app
        .get(&path)
        .token(&outsider.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    crate::documents::upload(&s.app, &outsider, &id, &page)
        .await
        .expect_problem(404, "not_found");
    s.app
        .post(&format!("{path}/submit"))
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200);
    let grade_leader = s.app.demo(GRADE_LEADER_A).await; // leads the 四年级组
    s.app
        .post(&format!("{path}/approve"))
        .token(&grade_leader.token)
        .send()
        .await
        .expect_status(200);
    let signed = s
        .app
        .post(&format!("{path}/sign-off"))
        .token(&s.dean.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(signed.body["status"], "in_use");

    // In use for every member: in the member's list and on the member's phone.
    let listed = s
        .app
        .get("/v1/documents?kind=guided_learning_sheet")
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200);
    assert!(
        listed
            .items()
            .iter()
            .any(|d| d["id"] == id.as_str() && d["status"] == "in_use"),
        "{}",
        listed.text
    );
    let synced = s
        .app
        .get("/v1/sync")
        .token(&s.leader.token)
        .send()
        .await
        .expect_status(200);
    assert!(
        synced.body["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == id.as_str()),
        "{}",
        synced.text
    );
    // The author alone deletes it (it is in use now anyway).
    s.app
        .delete(&path)
        .token(&s.leader.token)
        .send()
        .await
        .expect_problem(403, "not_your_document");

    // Only a sheet, of a lesson-preparation group of the school, made by one of its people.
    let with = |change: Value| {
        let mut b = body.clone();
        b["id"] = json!(uuid::Uuid::now_v7().to_string());
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let mut grade = s.body();
    grade["kind"] = json!("grade");
    grade["name"] = json!("三年级组");
    grade["grade"] = json!("三年级");
    let grade = s.create(&s.principal, &grade).await.expect_status(201);
    let cases = [
        (
            &s.teacher,
            json!({ "kind": "lesson_plan" }),
            "not_a_group_document",
        ),
        (
            &s.teacher,
            json!({ "group_id": uuid::Uuid::now_v7().to_string() }),
            "group_not_found",
        ),
        (
            &s.teacher,
            json!({ "group_id": grade.str("id") }),
            "wrong_group_kind",
        ),
        (&s.dean, json!({}), "member_not_in_group"),
    ];
    for (who, change, code) in cases {
        let res = s
            .app
            .post("/v1/documents")
            .token(&who.token)
            .json(with(change.clone()))
            .send()
            .await;
        assert_eq!(
            (res.status, res.code()),
            (422, code),
            "{change}: {}",
            res.text
        );
    }
}

/// A subject group's research activity keeps its record photos (活动记录) as a document of the
/// group: its people read them from the start, the school's leaders once handed in, and nobody
/// reviews them.
#[tokio::test]
async fn a_research_activity_keeps_its_record_photos() {
    let s = school().await;
    let mut subject = s.body();
    subject["kind"] = json!("subject");
    subject["name"] = json!("数学教研组");
    let group = s.create(&s.principal, &subject).await.expect_status(201);
    let gid = group.str("id").to_string();
    let mut body = crate::documents::new_document(&s.school, "activity_record");
    body["group_id"] = json!(gid);
    let record = s
        .app
        .post("/v1/documents")
        .token(&s.teacher.token)
        .json(body)
        .send()
        .await
        .expect_status(201);
    let id = record.str("id").to_string();
    let photo = tingke_api::photo::testimages::page_jpeg(7, 1200, 900, 80);
    crate::documents::upload(&s.app, &s.leader, &id, &photo)
        .await
        .expect_status(201);
    let meeting = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "kind": "research_activity", "activity": "lesson_study", "held_on": today(),
        "topic": "小数的意义 同课异构", "document_id": id,
        "attendance": [{ "user_id": s.teacher.id(), "status": "present" }]
    });
    let made = s.meeting(&s.leader, &gid, meeting).await.expect_status(201);
    assert_eq!(made.body["document_id"], id.as_str());
    let path = format!("/v1/documents/{id}");
    s.app
        .get(&path)
        .token(&s.principal.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    s.app
        .post(&format!("{path}/submit"))
        .token(&s.teacher.token)
        .send()
        .await
        .expect_status(200);
    s.app
        .get(&path)
        .token(&s.principal.token)
        .send()
        .await
        .expect_status(200);
    s.app
        .post(&format!("{path}/reviews"))
        .token(&s.principal.token)
        .json(json!({ "verdict": "approved" }))
        .send()
        .await
        .expect_problem(409, "invalid_transition");
}

/// Phone numbers are for the school's leaders and, for their own people, a group's leaders: a
/// grade-group leader sees those of their grade group, not the principal's.
#[tokio::test]
async fn a_grade_leader_sees_the_phones_of_their_grade_group_only() {
    let s = school().await;
    let grade_leader = s.app.demo(GRADE_LEADER_A).await; // leads the 四年级组
    let members = s
        .app
        .get(&format!("/v1/schools/{}/members?limit=200", s.school))
        .token(&grade_leader.token)
        .send()
        .await
        .expect_status(200);
    let phone_of = |id: &str| {
        members
            .items()
            .iter()
            .find(|m| m["user_id"] == id)
            .unwrap_or_else(|| panic!("{id} is listed"))
            .get("phone")
            .cloned()
    };
    assert_eq!(phone_of(s.leader.id()), Some(json!(TEACHER_A)));
    assert_eq!(phone_of(s.principal.id()), None);
    assert_eq!(phone_of(s.dean.id()), None);
    let dean_view = s
        .app
        .get(&format!("/v1/schools/{}/members?limit=200", s.school))
        .token(&s.dean.token)
        .send()
        .await
        .expect_status(200);
    assert!(dean_view.items().iter().all(|m| m.get("phone").is_some()));
}

/// The demo's fourth-grade mathematics group has a sheet in use (`serve --demo` seeds the
/// documents): its people see it, a teacher outside the group does not.
#[tokio::test]
async fn the_demo_groups_sheet_is_in_use_for_its_people() {
    let s = school().await;
    let store = tingke_api::storage::open(&s.app.config.storage)
        .await
        .expect("store");
    tingke_api::demo::seed_documents(&s.app.db, store.as_ref())
        .await
        .expect("demo documents");
    let find = |res: &Response| {
        res.items()
            .iter()
            .find(|d| d["topic"] == "小数的意义(集体备课)")
            .cloned()
    };
    let member = s.app.demo("13800000002").await; // the vice principal, one of the group
    let listed = s
        .app
        .get("/v1/documents?kind=guided_learning_sheet")
        .token(&member.token)
        .send()
        .await
        .expect_status(200);
    let sheet = find(&listed).unwrap_or_else(|| panic!("{}", listed.text));
    assert_eq!(sheet["status"], "in_use");
    assert!(sheet["group_id"].is_string());
    let outsider = s.app.demo("13800000007").await;
    let theirs = s
        .app
        .get("/v1/documents?kind=guided_learning_sheet")
        .token(&outsider.token)
        .send()
        .await
        .expect_status(200);
    assert!(find(&theirs).is_none(), "{}", theirs.text);
}
