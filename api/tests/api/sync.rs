//! `GET /v1/sync`: a full first view, then only changes, tombstones, pages, scoping, restarts.

use crate::helpers::*;
use crate::observations::{create, lesson, submit};
use serde_json::{json, Value};

/// Everything a caller gets by syncing from `since` until `has_more` is false, a page of at most
/// `limit` at a time; answers the merged pages and the final cursor.
pub async fn sync_all(app: &TestApp, by: &Session, since: Option<&str>, limit: u32) -> Synced {
    let mut synced = Synced::default();
    let mut since = since.map(str::to_string);
    loop {
        let path = match &since {
            Some(c) => format!("/v1/sync?since={c}&limit={limit}"),
            None => format!("/v1/sync?limit={limit}"),
        };
        let page = app
            .get(&path)
            .token(&by.token)
            .send()
            .await
            .expect_status(200);
        let body = page.body;
        synced.pages += 1;
        synced.full |= body["full"].as_bool().unwrap();
        for (kind, items) in body.as_object().unwrap() {
            if let (Value::Array(items), false) = (items, kind == "progress") {
                synced
                    .entries
                    .extend(items.iter().map(|v| (kind.clone(), v.clone())));
            }
        }
        since = Some(body["cursor"].as_str().unwrap().to_string());
        if !body["has_more"].as_bool().unwrap() {
            synced.cursor = since.unwrap();
            // A lean answer leaves an empty list out: the app reads it as empty.
            synced.progress = body.get("progress").cloned().unwrap_or(json!([]));
            return synced;
        }
        assert!(
            body.get("progress").is_none(),
            "progress only on the last page"
        );
    }
}

#[derive(Debug, Default)]
pub struct Synced {
    pub entries: Vec<(String, Value)>,
    pub cursor: String,
    pub full: bool,
    pub pages: usize,
    pub progress: Value,
}

impl Synced {
    /// Ids of one kind (`observations`, `documents`, …, or `deleted`).
    pub fn ids(&self, kind: &str) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, v)| v["id"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn of(&self, kind: &str) -> Vec<&Value> {
        self.entries
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, v)| v)
            .collect()
    }
}

#[tokio::test]
async fn a_first_sync_is_the_full_view_then_only_changes_come() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = principal.school_id();

    // In pages of 3, the teacher gets exactly what the single reads show them.
    let first = sync_all(&app, &teacher, None, 3).await;
    assert!(first.full && first.pages > 2, "{first:?}");
    let listed = app
        .get("/v1/observations?limit=200")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    let mut expected: Vec<String> = listed
        .items()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    let mut got = first.ids("observations");
    expected.sort();
    got.sort();
    assert!(!got.is_empty());
    assert_eq!(got, expected, "the same observations as the list");
    assert!(first
        .of("observations")
        .iter()
        .all(|o| o["teacher_id"] == teacher.id()));
    assert!(first.ids("members").len() >= 7, "the school's members");
    assert_eq!(first.ids("terms").len(), 1);
    // The demo's pair is not the teacher's and the teacher leads nothing.
    assert!(first.ids("mentorships").is_empty());
    assert!(first.ids("deleted").is_empty(), "{:?}", first.of("deleted"));
    assert_eq!(first.progress[0]["user_id"], teacher.id());

    // Nothing changed: nothing comes.
    let again = sync_all(&app, &teacher, Some(&first.cursor), 50).await;
    assert!(!again.full);
    assert_eq!(again.entries.len(), 0, "{again:?}");
    assert_eq!(again.cursor, first.cursor);

    // A draft about the teacher reaches its observer, not the teacher; once submitted, both.
    let p0 = sync_all(&app, &principal, None, 200).await;
    let draft = create(&app, &principal, &lesson(&school, teacher.id(), 2, 45))
        .await
        .expect_status(201);
    let id = draft.str("id").to_string();
    let t1 = sync_all(&app, &teacher, Some(&first.cursor), 50).await;
    assert!(t1.ids("observations").is_empty(), "{t1:?}");
    let p1 = sync_all(&app, &principal, Some(&p0.cursor), 50).await;
    assert_eq!(p1.ids("observations"), vec![id.clone()]);
    submit(&app, &principal, &id).await.expect_status(200);
    let t2 = sync_all(&app, &teacher, Some(&t1.cursor), 50).await;
    assert_eq!(t2.ids("observations"), vec![id.clone()]);
    assert_eq!(t2.of("observations")[0]["status"], "submitted");

    // A deleted draft leaves a tombstone for its observer.
    let other = create(&app, &principal, &lesson(&school, teacher.id(), 5, 45))
        .await
        .expect_status(201);
    let other_id = other.str("id").to_string();
    let p2 = sync_all(&app, &principal, Some(&p1.cursor), 50).await;
    app.delete(&format!("/v1/observations/{other_id}"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(204);
    let p3 = sync_all(&app, &principal, Some(&p2.cursor), 50).await;
    assert_eq!(p3.ids("deleted"), vec![other_id.clone()]);
    assert_eq!(p3.of("deleted")[0]["kind"], "observation");
    // The teacher never saw the draft and gets no tombstone for it.
    let t3 = sync_all(&app, &teacher, Some(&t2.cursor), 50).await;
    assert!(t3.ids("deleted").is_empty(), "{t3:?}");
}

#[tokio::test]
async fn a_cursor_survives_a_restart() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let before = sync_all(&app, &principal, None, 500).await;
    let made = create(
        &app,
        &principal,
        &lesson(&principal.school_id(), teacher.id(), 3, 40),
    )
    .await
    .expect_status(201);

    let restarted = app.restarted().await;
    let res = reqwest::Client::new()
        .get(format!("{restarted}/v1/sync?since={}", before.cursor))
        .bearer_auth(&principal.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["full"], false);
    let ids: Vec<&str> = body["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![made.str("id")]);
}

#[tokio::test]
async fn other_schools_changes_never_reach_a_caller() {
    let app = spawn_demo_app().await;
    let principal_a = app.demo(PRINCIPAL_A).await;
    let teacher_a = app.demo(TEACHER_A).await;
    let principal_b = app.demo(PRINCIPAL_B).await;
    let teacher_b = app.demo(TEACHER_B).await;
    let researcher = app.demo(RESEARCHER).await;
    let a0 = sync_all(&app, &principal_a, None, 500).await;
    let t0 = sync_all(&app, &teacher_a, None, 500).await;
    let r0 = sync_all(&app, &researcher, None, 500).await;
    assert!(
        a0.of("members")
            .iter()
            .all(|m| m["school_id"] == principal_a.school_id()),
        "school A's principal sees only school A's members"
    );

    let b = create(
        &app,
        &principal_b,
        &lesson(&principal_b.school_id(), teacher_b.id(), 2, 45),
    )
    .await
    .expect_status(201);
    submit(&app, &principal_b, b.str("id"))
        .await
        .expect_status(200);

    for (who, since) in [(&principal_a, &a0.cursor), (&teacher_a, &t0.cursor)] {
        let later = sync_all(&app, who, Some(since), 50).await;
        assert!(later.entries.is_empty(), "{later:?}");
    }
    // The district's researcher sees every school's submitted work.
    let r1 = sync_all(&app, &researcher, Some(&r0.cursor), 50).await;
    assert_eq!(r1.ids("observations"), vec![b.str("id").to_string()]);
}

#[tokio::test]
async fn a_change_of_roles_starts_the_sync_over() {
    // The roles change behind the server's back (no route changes them but an import): it must
    // not answer the caller from memory (`auth::cache`), which no one told of the change.
    let app = spawn_demo_app_with(|c| c.session_cache = std::time::Duration::ZERO).await;
    let teacher = app.demo(TEACHER_A).await;
    let before = sync_all(&app, &teacher, None, 500).await;
    app.execute(&format!(
        "UPDATE memberships SET roles = '[\"teacher\",\"dean\"]' WHERE user_id = '{}'",
        teacher.id()
    ));
    let after = sync_all(&app, &teacher, Some(&before.cursor), 500).await;
    assert!(after.full, "a new scope starts over");
    // As a dean the teacher now reads the school's submitted observations.
    assert!(after.ids("observations").len() > before.ids("observations").len());
}

#[tokio::test]
async fn a_broken_cursor_or_limit_is_refused() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    for since in [
        "nonsense",
        "s1.-4.00",
        "s1.5.zz",
        "s1.5",
        "s1.99999999999999999999.0",
        // The progress fingerprint comes only in `s2` cursors, and whole.
        "s1.5.0000000000000000.0000000000000000",
        "s2.5.0000000000000000",
        "s2.5.0000000000000000.zz",
        "s2.5.0000000000000000.0000000000000000.0",
    ] {
        app.get(&format!("/v1/sync?since={since}"))
            .token(&teacher.token)
            .send()
            .await
            .expect_problem(400, "invalid_cursor");
    }
    // A real cursor with characters cut off (issue 26, item 12) used to read as another scope
    // and restart a full sync without a word; the spec promises 400 `invalid_cursor`.
    let cursor = app
        .get("/v1/sync")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200)
        .str("cursor")
        .to_string();
    for cut in 1..4 {
        app.get(&format!("/v1/sync?since={}", &cursor[..cursor.len() - cut]))
            .token(&teacher.token)
            .send()
            .await
            .expect_problem(400, "invalid_cursor");
    }
    let leading_zero = cursor.replacen('.', ".0", 1);
    app.get(&format!("/v1/sync?since={leading_zero}"))
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(400, "invalid_cursor");
    for limit in ["0", "501", "x"] {
        app.get(&format!("/v1/sync?limit={limit}"))
            .token(&teacher.token)
            .send()
            .await
            .expect_problem(400, "invalid_query");
    }
    app.get("/v1/sync")
        .send()
        .await
        .expect_problem(401, "missing_token");
}

/// Sync answers are lean (issue 25): no nulls, no empty lists, and the caller's progress only
/// when it changed since the cursor's sync; the single reads keep their nulls.
#[tokio::test]
async fn a_sync_answer_leaves_out_nulls_empty_lists_and_progress_the_phone_has() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let first = app
        .get("/v1/sync?limit=500")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(first.body["has_more"], false);
    assert_no_nulls(&first.body, "");
    let page = first.body.as_object().unwrap();
    assert!(page.values().all(|v| v != &json!([])), "{page:?}");
    assert!(page["progress"].as_array().is_some_and(|p| !p.is_empty()));
    // An observation with no reply yet leaves `teacher_reply` out; its single read answers null.
    let synced = page["observations"].as_array().unwrap();
    let unreplied = synced.iter().find(|o| o.get("teacher_reply").is_none());
    let id = unreplied.expect("a synced observation without a reply")["id"]
        .as_str()
        .unwrap();
    let single = app
        .get(&format!("/v1/observations/{id}"))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(single.body.get("teacher_reply"), Some(&Value::Null));

    // Nothing new: the page is its cursor and two flags, progress included (the phone has it).
    let cursor = first.str("cursor").to_string();
    let quiet = sync_page(&app, &teacher, &cursor).await;
    let mut keys: Vec<&String> = quiet.body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["cursor", "full", "has_more"], "{}", quiet.body);
    assert_eq!(quiet.str("cursor"), cursor);

    // The teacher observes a lesson: their progress changes and comes once.
    let lesson = lesson(&principal.school_id(), principal.id(), 2, 45);
    let made = create(&app, &teacher, &lesson).await.expect_status(201);
    submit(&app, &teacher, made.str("id"))
        .await
        .expect_status(200);
    let changed = sync_page(&app, &teacher, &cursor).await;
    assert_eq!(changed.body["observations"][0]["id"], made.body["id"]);
    assert_ne!(changed.body["progress"], first.body["progress"]);
    let after = sync_page(&app, &teacher, changed.str("cursor")).await;
    assert!(after.body.get("progress").is_none(), "{}", after.body);

    // A cursor of before fingerprints (`s1`, what phones hold) is still read: progress comes.
    let (seq_and_scope, _) = cursor[3..].rsplit_once('.').unwrap();
    let old = sync_page(&app, &teacher, &format!("s1.{seq_and_scope}")).await;
    assert!(old.body["progress"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    assert!(old.str("cursor").starts_with("s2."));
}

async fn sync_page(app: &TestApp, by: &Session, since: &str) -> Response {
    app.get(&format!("/v1/sync?since={since}"))
        .token(&by.token)
        .send()
        .await
        .expect_status(200)
}

fn assert_no_nulls(value: &Value, at: &str) {
    match value {
        Value::Null => panic!("{at}: null in a sync answer"),
        Value::Object(fields) => fields
            .iter()
            .for_each(|(k, v)| assert_no_nulls(v, &format!("{at}/{k}"))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| assert_no_nulls(v, &format!("{at}/{i}"))),
        _ => {}
    }
}

#[tokio::test]
async fn writes_committing_while_phones_sync_are_never_skipped() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = principal.school_id();
    let start = sync_all(&app, &principal, None, 500).await;

    // Twenty drafts created concurrently while the principal's phone keeps syncing from its
    // cursor: whatever order the writes commit in, every one arrives exactly by the last sync.
    let writes = futures_util::future::join_all((0..20).map(|i| {
        let body = lesson(&school, teacher.id(), 2 + i, 45);
        let (app, principal) = (&app, &principal);
        async move {
            let made = create(app, principal, &body).await.expect_status(201);
            made.str("id").to_string()
        }
    }));
    let syncing = async {
        let mut seen = Vec::new();
        let mut cursor = start.cursor.clone();
        for _ in 0..15 {
            let page = sync_all(&app, &principal, Some(&cursor), 3).await;
            seen.extend(page.ids("observations"));
            cursor = page.cursor;
        }
        (seen, cursor)
    };
    let (mut made, (mut seen, cursor)) = tokio::join!(writes, syncing);
    seen.extend(
        sync_all(&app, &principal, Some(&cursor), 500)
            .await
            .ids("observations"),
    );
    made.sort();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, made);
}

/// The heart of the cursor's promise on PostgreSQL, where writers run side by side: a change
/// whose transaction commits late is numbered after every change committed before it, however
/// early it began. (SQLite has one writer at a time.)
#[tokio::test]
async fn a_change_committed_late_is_numbered_after_those_committed_before_it() {
    use diesel::RunQueryDsl;
    let app = spawn_demo_app().await;
    if app.db.backend() != tingke_models::Backend::Postgres {
        return;
    }
    let run = |conn: &mut tingke_models::DbConn, sql: &str| {
        diesel::sql_query(sql).execute(conn).expect(sql);
    };
    let newest = |conn: &mut tingke_models::DbConn, kind: &str| {
        tingke_models::sync::after(conn, 0, None, 100_000)
            .expect("changes")
            .into_iter()
            .filter(|c| c.kind == kind)
            .filter_map(|c| c.seq)
            .max()
            .expect("a change")
    };
    let mut slow = app.db.write_conn().expect("connection");
    let mut fast = app.db.write_conn().expect("connection");
    run(&mut slow, "BEGIN");
    run(&mut slow, "UPDATE terms SET name = name || ' '");
    run(&mut fast, "UPDATE rubrics SET items = items");
    let fast_seq = newest(&mut fast, "rubric");
    run(&mut slow, "COMMIT");
    let slow_seq = newest(&mut fast, "term");
    assert!(
        slow_seq > fast_seq,
        "the term changed first but committed last: {slow_seq} must follow {fast_seq}"
    );
}
