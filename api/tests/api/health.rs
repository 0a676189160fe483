use crate::helpers::*;
use diesel::prelude::*;
use tingke_api::config::Config;
use tingke_api::startup::Application;

#[tokio::test]
async fn liveness_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.get("/healthz").send().await.expect_status(200);
    assert_eq!(health.body["status"], "ok");
    let ready = app.get("/readyz").send().await.expect_status(200);
    assert_eq!(ready.body["status"], "ready");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let res = app.get("/healthz").send().await;
    assert!(!res.header("x-request-id").unwrap_or("").is_empty());
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!(res
        .header("content-security-policy")
        .is_some_and(|p| p.contains("default-src 'none'")));
}

#[tokio::test]
async fn only_configured_web_origins_may_call_across_origins() {
    let app =
        spawn_app_with(|c| c.cors_origins = vec!["https://admin.example.edu.cn".into()]).await;
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/v1/me", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header(
                "access-control-request-headers",
                "authorization,if-none-match",
            )
            .send()
    };
    let allowed = preflight("https://admin.example.edu.cn").await.unwrap();
    assert_eq!(allowed.status(), 200);
    let allow = |r: &reqwest::Response, h: &str| {
        r.headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(
        allow(&allowed, "access-control-allow-origin").as_deref(),
        Some("https://admin.example.edu.cn")
    );
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert_eq!(allow(&refused, "access-control-allow-origin"), None);
    // An answer to the allowed origin exposes what the client needs to read.
    let res = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("origin", "https://admin.example.edu.cn")
        .send()
        .await
        .unwrap();
    assert!(allow(&res, "access-control-expose-headers").is_some_and(|h| h.contains("etag")));

    // Without configured origins no cross-origin headers are sent at all.
    let plain = spawn_app().await;
    let res = plain
        .client
        .get(format!("{}/healthz", plain.address))
        .header("origin", "https://admin.example.edu.cn")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    let res = app
        .get("/v1/nothing-here")
        .send()
        .await
        .expect_problem(404, "route_not_found");
    assert_eq!(
        res.body["request_id"].as_str(),
        res.header("x-request-id"),
        "the problem names the request"
    );
    app.delete("/v1/schools")
        .send()
        .await
        .expect_problem(405, "method_not_allowed");
}

#[tokio::test]
async fn problems_speak_chinese_by_default_and_english_on_request() {
    let app = spawn_app().await;
    let zh = app.get("/v1/me").send().await.expect_status(401);
    assert_eq!(zh.header("content-language"), Some("zh-CN"));
    assert!(
        zh.str("title").chars().any(|c| c > '\u{2e80}'),
        "{}",
        zh.text
    );
    let en = app
        .get("/v1/me")
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect_status(401);
    assert_eq!(en.header("content-language"), Some("en"));
    assert!(en.str("title").is_ascii());
    assert_eq!(
        zh.code(),
        en.code(),
        "the code does not depend on the language"
    );
}

#[tokio::test]
async fn the_spec_is_served() {
    let app = spawn_app().await;
    let res = app.get("/openapi.yaml").send().await.expect_status(200);
    assert_eq!(res.text, include_str!("../../../openapi.yaml"));
}

#[tokio::test]
async fn metrics_are_exposed() {
    let app = spawn_app().await;
    app.get("/healthz").send().await;
    let res = app.get("/metrics").send().await.expect_status(200);
    assert!(
        res.text.contains("tingke_http_requests_total"),
        "{}",
        res.text
    );
}

#[tokio::test]
async fn an_unreachable_database_answers_503_not_500() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: every connection attempt fails.
    let mut config = Config::for_data_dir(
        dir.path(),
        Some("postgres://postgres@127.0.0.1:1/none".into()),
    );
    config.pool.connect_timeout = std::time::Duration::from_millis(500);
    let db = tingke_models::Db::connect(&config.database_url, &config.pool).unwrap();
    let store = tingke_api::storage::open(&config.storage).await.unwrap();
    let app = Application::build_with(config, db, store).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{address}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert!(ready.headers().contains_key("retry-after"));
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["code"], "not_ready");
    let login = client
        .post(format!("{address}/v1/auth/login"))
        .json(&serde_json::json!({"phone": "13800000001", "password": "whatever"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 503);
    assert!(login.headers().contains_key("retry-after"));
    let body: serde_json::Value = login.json().await.unwrap();
    assert_eq!(body["code"], "service_unavailable");
    SPEC.check(
        "POST",
        "/v1/auth/login",
        503,
        "application/problem+json",
        &body,
    )
    .unwrap();
}

/// Pooled connections are not tested with a round trip each time they are taken. When the
/// database ends them all (a restart; here `pg_terminate_backend`), the first request to meet a
/// dead one answers 503 and makes the pool drop every connection as old as it: the next requests
/// succeed on new connections, instead of one more failure for each connection in the pool.
#[tokio::test]
async fn connections_ended_by_the_database_fail_one_request_at_most() {
    let Some(admin_url) = test_database_url() else {
        return; // SQLite's connections are files in this process: nothing can end them.
    };
    // Every request must reach the pool: no caller answered from memory (`auth::cache`).
    let app = spawn_app_with(|c| c.session_cache = std::time::Duration::ZERO).await;
    let admin = app.admin().await;
    // Four connections in the pool, idle.
    let held: Vec<_> = (0..4)
        .map(|_| app.db.read_conn().expect("connection"))
        .collect();
    drop(held);
    let me = || app.get("/v1/me").token(&admin.token).send();
    me().await.expect_status(200);

    let database = app.config.database_url.rsplit('/').next().expect("name");
    let mut pg = PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
    let started = "SELECT now()::text AS t";
    #[derive(diesel::QueryableByName)]
    struct Now {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    let before: Now = diesel::sql_query(started).get_result(&mut pg).expect("now");
    let ended = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    );
    diesel::sql_query(ended)
        .execute(&mut pg)
        .expect("terminate");
    // The caller notifications' listener connects again at once (`auth::cache`): only the
    // connections that were ended are waited for.
    wait_until_no_backends(&mut pg, database, &before.t);

    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(me().await.status);
    }
    let failed = statuses.iter().filter(|s| **s != 200).count();
    assert!(
        failed <= 1,
        "answers after the database ended the connections: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    app.get("/readyz").send().await.expect_status(200);
}

/// Waits until no connection to `database` that began before `before` is left.
fn wait_until_no_backends(pg: &mut PgConnection, database: &str, before: &str) {
    #[derive(diesel::QueryableByName)]
    struct Left {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{database}' \
         AND backend_start < '{before}'::timestamptz"
    );
    for _ in 0..100 {
        let left: Left = diesel::sql_query(&count).get_result(pg).expect("count");
        if left.n == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("PostgreSQL did not end the connections of {database}");
}

/// 3,000 requests to made-up paths took `/metrics` from 3.5 KB to 4.7 MB (issue 26, item 9):
/// every path was a series of its own. Unmatched paths now share one label, and routes are
/// labelled by their pattern, not by the ids in them.
#[tokio::test]
async fn made_up_paths_do_not_grow_the_metrics() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let metrics = || async {
        let res = app
            .client
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap();
        res.text().await.unwrap()
    };
    for i in 0..5 {
        app.get(&format!("/v1/nope-{i}")).send().await;
        app.get(&format!("/v1/observations/{}", uuid::Uuid::now_v7()))
            .token(&principal.token)
            .send()
            .await;
    }
    metrics().await;
    let series = |text: &str| text.lines().filter(|l| !l.starts_with('#')).count();
    let before = series(&metrics().await);
    for i in 5..400 {
        app.get(&format!("/v1/nope-{i}")).send().await;
        app.get(&format!("/v1/observations/{}", uuid::Uuid::now_v7()))
            .token(&principal.token)
            .send()
            .await;
    }
    let after = metrics().await;
    assert!(!after.contains("nope-"), "an unmatched path became a label");
    assert!(after.contains("endpoint=\"unmatched\""));
    assert!(after.contains("endpoint=\"/v1/observations/{id}\""));
    // Only counts changed, not the series: none per request.
    assert_eq!(series(&after), before);
}

/// The first sync of a school, as a phone on a shared Wi-Fi asks for it: gzip or br when the
/// phone offers them, plain otherwise; a page photo is never compressed again.
#[tokio::test]
async fn answers_are_compressed_as_the_client_asks_and_photos_are_not() {
    use std::io::Read;
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let sync = |encoding: &'static str| {
        app.client
            .get(format!("{}/v1/sync", app.address))
            .bearer_auth(&principal.token)
            .header("accept-encoding", encoding)
            .send()
    };
    let plain = sync("identity").await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain: serde_json::Value = plain.json().await.unwrap();

    let gzip = sync("gzip").await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let bytes = gzip.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    let unzipped: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped["observations"], plain["observations"]);
    assert!(
        bytes.len() * 3 < text.len(),
        "gzip makes a sync a third or less: {} of {}",
        bytes.len(),
        text.len()
    );

    let br = sync("br;q=1.0, gzip;q=0.5").await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    let bytes = br.bytes().await.unwrap();
    let mut text = String::new();
    brotli::Decompressor::new(&bytes[..], 4096)
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["groups"],
        plain["groups"]
    );

    // A page photo through its signed URL: a JPEG as it is, whatever the phone offers.
    let teacher = app.demo(TEACHER_A).await;
    let doc = crate::documents::create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let photo = tingke_api::photo::testimages::portrait_photo_with_exif(3, 800, 600);
    let page = crate::documents::upload(&app, &teacher, doc.str("id"), &photo)
        .await
        .expect_status(201);
    let url = page.str("image_url").to_string();
    let photo = app
        .client
        .get(url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200);
    assert_ne!(
        photo
            .headers()
            .get("content-encoding")
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    assert_eq!(photo.headers()["content-type"], "image/jpeg");

    // The metrics, whose answer is made around the app's, are compressed whole too.
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.headers()["content-encoding"], "gzip");
    let bytes = metrics.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("a gzip body");
    assert!(text.contains("tingke_http_requests_total"), "{text}");
}

#[tokio::test]
async fn a_method_a_path_does_not_have_names_those_it_has() {
    let app = spawn_app().await;
    let res = app
        .delete("/v1/schools")
        .send()
        .await
        .expect_problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("POST, GET"));
}
