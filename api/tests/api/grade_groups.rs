//! What a grade-group leader (年级组长) reads (issue 18; POLICY.md, "Groups and collective
//! preparation"): the submitted observations, documents, progress and archive of the people of
//! the grade groups they lead, and nothing else of the school; the principal, vice principals
//! and deans read the whole school.
//!
//! The demo school A: 刘组长 (the grade-group leader) leads 四年级组 with 陈老师 (teacher A),
//! 杨老师 and 赵老师. Each test adds a teacher of another grade.

use crate::documents::{new_document, upload};
use crate::helpers::*;
use crate::observations::{create, lesson, submit};
use crate::sync::sync_all;
use serde_json::{json, Value};
use tingke_api::photo::testimages;

struct School {
    app: TestApp,
    principal: Session,
    vice: Session,
    leader: Session,
    teacher: Session,
    /// A teacher of school A in no group of the leader's.
    fifth: Session,
    school: String,
    term: String,
    school_year: String,
}

async fn school() -> School {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    add_member(&app, &admin, &school, "13600000001", &["teacher"])
        .await
        .expect_status(201);
    let terms = app
        .get(&format!("/v1/districts/{}/terms", principal.district_id()))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    School {
        vice: app.demo(VICE_PRINCIPAL_A).await,
        leader: app.demo(GRADE_LEADER_A).await,
        teacher: app.demo(TEACHER_A).await,
        fifth: app.login("13600000001", PASSWORD).await,
        term: terms.items()[0]["id"].as_str().unwrap().to_string(),
        school_year: terms.items()[0]["school_year"]
            .as_str()
            .unwrap()
            .to_string(),
        principal,
        school,
        app,
    }
}

impl School {
    /// A submitted observation of `teacher`'s lesson by `by`; answers its id.
    async fn observed(&self, by: &Session, teacher: &Session, hours_ago: i64) -> String {
        let made = create(
            &self.app,
            by,
            &lesson(&self.school, teacher.id(), hours_ago, 40),
        )
        .await
        .expect_status(201);
        let id = made.str("id").to_string();
        submit(&self.app, by, &id).await.expect_status(200);
        id
    }

    /// A submitted lesson plan of `by`; answers its id.
    async fn document(&self, by: &Session, seed: u64) -> String {
        let id = self
            .app
            .post("/v1/documents")
            .token(&by.token)
            .json(new_document(&self.school, "lesson_plan"))
            .send()
            .await
            .expect_status(201)
            .str("id")
            .to_string();
        let photo = testimages::page_jpeg(seed, 600, 800, 80);
        upload(&self.app, by, &id, &photo).await.expect_status(201);
        self.app
            .post(&format!("/v1/documents/{id}/submit"))
            .token(&by.token)
            .send()
            .await
            .expect_status(200);
        id
    }

    async fn status(&self, by: &Session, path: &str) -> u16 {
        self.app.get(path).token(&by.token).send().await.status
    }

    /// Ids of a list of `path` (limit 200) as `by` reads it.
    async fn listed(&self, by: &Session, path: &str) -> Vec<String> {
        self.app
            .get(&format!("{path}?limit=200"))
            .token(&by.token)
            .send()
            .await
            .expect_status(200)
            .items()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn progress(&self, of: &Session) -> String {
        format!(
            "/v1/quotas/progress?term_id={}&user_id={}",
            self.term,
            of.id()
        )
    }

    fn archive(&self, of: &Session) -> String {
        format!(
            "/v1/users/{}/archive?school_year={}",
            of.id(),
            self.school_year
        )
    }

    /// The demo 四年级组, as its school reads it.
    async fn fourth_grade(&self) -> Response {
        let groups = self
            .app
            .get(&format!("/v1/schools/{}/groups", self.school))
            .token(&self.principal.token)
            .send()
            .await
            .expect_status(200);
        let id = groups
            .items()
            .iter()
            .find(|g| g["name"] == "四年级组")
            .expect("the demo grade group")["id"]
            .as_str()
            .unwrap()
            .to_string();
        self.app
            .get(&format!("/v1/groups/{id}"))
            .token(&self.principal.token)
            .send()
            .await
            .expect_status(200)
    }
}

#[tokio::test]
async fn a_grade_leader_reads_the_work_of_their_grade_group_and_nothing_else_of_the_school() {
    let s = school().await;
    // Of the group: the principal's observation of teacher A, teacher A's lesson plan.
    let of_group = s.observed(&s.principal, &s.teacher, 30).await;
    let group_plan = s.document(&s.teacher, 1).await;
    // Not of the group: the principal's observation of a teacher of another grade, the vice
    // principal's of the principal's own lesson, and that teacher's lesson plan.
    let of_fifth = s.observed(&s.principal, &s.fifth, 31).await;
    let of_principal = s.observed(&s.vice, &s.principal, 32).await;
    let fifth_plan = s.document(&s.fifth, 2).await;

    let l = &s.leader;
    assert_eq!(
        s.status(l, &format!("/v1/observations/{of_group}")).await,
        200
    );
    assert_eq!(
        s.status(l, &format!("/v1/documents/{group_plan}")).await,
        200
    );
    for hidden in [&of_fifth, &of_principal] {
        let path = format!("/v1/observations/{hidden}");
        s.app
            .get(&path)
            .token(&l.token)
            .send()
            .await
            .expect_problem(404, "not_found");
    }
    s.app
        .get(&format!("/v1/documents/{fifth_plan}"))
        .token(&l.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    // A reviewer of their group's plans, not of others'.
    let review = json!({ "verdict": "approved", "comments": "书写工整" });
    for (plan, status) in [(&group_plan, 201), (&fifth_plan, 404)] {
        let res = s
            .app
            .post(&format!("/v1/documents/{plan}/reviews"))
            .token(&l.token)
            .json(review.clone())
            .send()
            .await;
        assert_eq!(res.status, status, "{}", res.text);
    }

    // Lists and sync: the group's work, none of the rest.
    let observations = s.listed(l, "/v1/observations").await;
    assert!(observations.contains(&of_group));
    assert!(!observations.contains(&of_fifth) && !observations.contains(&of_principal));
    let documents = s.listed(l, "/v1/documents").await;
    assert!(documents.contains(&group_plan) && !documents.contains(&fifth_plan));
    let synced = sync_all(&s.app, l, None, 100).await;
    let synced_obs = synced.ids("observations");
    assert!(synced_obs.contains(&of_group));
    assert!(!synced_obs.contains(&of_fifth) && !synced_obs.contains(&of_principal));
    let synced_docs = synced.ids("documents");
    assert!(synced_docs.contains(&group_plan) && !synced_docs.contains(&fifth_plan));
    // Every observation and document the leader gets concerns the group's people (or the
    // leader): the demo's own observations of the school are filtered as well.
    let group = s.fourth_grade().await;
    let people: Vec<&str> = group.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    for o in synced.of("observations") {
        let (by, of) = (
            o["observer_id"].as_str().unwrap(),
            o["teacher_id"].as_str().unwrap(),
        );
        assert!(people.contains(&by) || people.contains(&of), "{o}");
    }
    for d in synced.of("documents") {
        assert!(people.contains(&d["teacher_id"].as_str().unwrap()), "{d}");
    }

    // Progress and archive: the group's people, not others (nor the principal).
    assert_eq!(s.status(l, &s.progress(&s.teacher)).await, 200);
    assert_eq!(s.status(l, &s.archive(&s.teacher)).await, 200);
    for other in [&s.fifth, &s.principal] {
        assert_eq!(s.status(l, &s.progress(other)).await, 404);
        assert_eq!(s.status(l, &s.archive(other)).await, 404);
    }
    let archive = s
        .app
        .get(&s.archive(&s.teacher))
        .token(&l.token)
        .send()
        .await
        .expect_status(200);
    assert!(archive.body["observations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == of_group.as_str()));

    // The school's compliance report stays with its senior leaders.
    let report = format!("/v1/schools/{}/compliance?term_id={}", s.school, s.term);
    assert_eq!(s.status(l, &report).await, 403);
    // The principal and the vice principal still read the whole school.
    for senior in [&s.principal, &s.vice] {
        for path in [
            format!("/v1/observations/{of_fifth}"),
            format!("/v1/documents/{fifth_plan}"),
            s.progress(&s.fifth),
        ] {
            assert_eq!(s.status(senior, &path).await, 200, "{path}");
        }
    }
}

#[tokio::test]
async fn a_grade_leader_who_leads_no_grade_group_reads_only_their_own() {
    let s = school().await;
    let admin = s.app.admin().await;
    add_member(
        &s.app,
        &admin,
        &s.school,
        "13600000002",
        &["grade_leader", "teacher"],
    )
    .await
    .expect_status(201);
    let lone = s.app.login("13600000002", PASSWORD).await;
    let of_teacher = s.observed(&s.principal, &s.teacher, 30).await;
    let plan = s.document(&s.teacher, 3).await;
    let of_lone = s.observed(&s.principal, &lone, 31).await;

    assert_eq!(
        s.status(&lone, &format!("/v1/observations/{of_teacher}"))
            .await,
        404
    );
    assert_eq!(s.status(&lone, &format!("/v1/documents/{plan}")).await, 404);
    assert_eq!(
        s.status(&lone, &format!("/v1/observations/{of_lone}"))
            .await,
        200
    );
    assert_eq!(s.status(&lone, &s.progress(&s.teacher)).await, 404);
    assert_eq!(s.status(&lone, &s.archive(&s.teacher)).await, 404);
    assert_eq!(
        s.listed(&lone, "/v1/observations").await,
        vec![of_lone.clone()]
    );
    assert_eq!(s.listed(&lone, "/v1/documents").await, Vec::<String>::new());
    let synced = sync_all(&s.app, &lone, None, 100).await;
    assert_eq!(synced.ids("observations"), vec![of_lone]);
    assert!(synced.ids("documents").is_empty());
    // Nor do the school's pairs show: the demo pair is of the 四年级组's people.
    assert!(s.listed(&lone, "/v1/mentorships").await.is_empty());
}

#[tokio::test]
async fn a_teacher_taken_out_of_the_group_is_no_longer_read_and_the_phone_starts_over() {
    let s = school().await;
    let l = &s.leader;
    let of_teacher = s.observed(&s.principal, &s.teacher, 30).await;
    let plan = s.document(&s.teacher, 4).await;
    let before = sync_all(&s.app, l, None, 100).await;
    assert!(before.ids("observations").contains(&of_teacher));
    assert!(before.ids("documents").contains(&plan));
    assert_eq!(s.status(l, &s.progress(&s.teacher)).await, 200);

    // The principal takes teacher A out of 四年级组.
    let group = s.fourth_grade().await;
    let members: Vec<Value> = group.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["user_id"] != s.teacher.id())
        .map(|m| json!({ "user_id": m["user_id"], "leader": m["leader"] }))
        .collect();
    s.app
        .put(&format!("/v1/groups/{}/members", group.str("id")))
        .token(&s.principal.token)
        .header("if-match", &group.etag())
        .json(json!({ "members": members }))
        .send()
        .await
        .expect_status(200);

    assert_eq!(
        s.status(l, &format!("/v1/observations/{of_teacher}")).await,
        404
    );
    assert_eq!(s.status(l, &format!("/v1/documents/{plan}")).await, 404);
    assert_eq!(s.status(l, &s.progress(&s.teacher)).await, 404);
    assert_eq!(s.status(l, &s.archive(&s.teacher)).await, 404);
    assert!(!s.listed(l, "/v1/observations").await.contains(&of_teacher));
    assert!(!s.listed(l, "/v1/documents").await.contains(&plan));
    // The phone's cursor was for another view: the next sync starts over without them.
    let after = sync_all(&s.app, l, Some(&before.cursor), 100).await;
    assert!(after.full);
    assert!(!after.ids("observations").contains(&of_teacher));
    assert!(!after.ids("documents").contains(&plan));
    // The teacher still reads their own, and the principal still reads it.
    assert_eq!(
        s.status(&s.teacher, &format!("/v1/observations/{of_teacher}"))
            .await,
        200
    );
    assert_eq!(
        s.status(&s.principal, &format!("/v1/documents/{plan}"))
            .await,
        200
    );
}
