//! Keyed writes that never finished (issue 26, items 1 and 2): a body cut off halfway by a
//! dropped connection, and a server killed in the middle of a request. In both the retry with
//! the same `Idempotency-Key` must be handled, not answered a remembered refusal or a 409 for 24
//! hours.

use crate::documents::multipart;
use crate::helpers::*;
use crate::observations::lesson;
use crate::process::*;
use serde_json::Value;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Opens a connection and sends the request's head and the first half of `body`: a phone
/// whose network went away in the middle of the body (the caller drops the stream).
async fn half_sent(
    address: &str,
    path: &str,
    (token, key): (&str, &str),
    content_type: &str,
    body: &[u8],
) -> TcpStream {
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: {key}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream
        .write_all(&body[..body.len() / 2])
        .await
        .expect("half");
    stream.flush().await.expect("flush");
    stream
}

/// The retry of the whole request with the same key, sent again while the first is still
/// being handled (409 `idempotency_key_in_use`), for at most `patience`.
async fn retry(
    app: &TestApp,
    path: &str,
    (token, key): (&str, &str),
    (content_type, body): (&str, &[u8]),
    patience: Duration,
) -> Response {
    let started = std::time::Instant::now();
    loop {
        let res = app
            .post(path)
            .token(token)
            .header("idempotency-key", key)
            .raw(body.to_vec(), content_type)
            .send()
            .await;
        if res.code() != "idempotency_key_in_use" || started.elapsed() > patience {
            return res;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_keyed_create_cut_off_halfway_is_created_by_its_retry() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let body = lesson(&principal.school_id(), teacher.id(), 2, 45);
    let bytes = serde_json::to_vec(&body).unwrap();
    let auth = (principal.token.as_str(), "create-cut-off");
    let stream = half_sent(
        &app.address,
        "/v1/observations",
        auth,
        "application/json",
        &bytes,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stream);
    let json = ("application/json", bytes.as_slice());
    let res = retry(
        &app,
        "/v1/observations",
        auth,
        json,
        Duration::from_secs(10),
    )
    .await;
    let res = res.expect_status(201);
    assert!(res.header("idempotent-replayed").is_none());
    app.get(&format!(
        "/v1/observations/{}",
        body["id"].as_str().unwrap()
    ))
    .token(&principal.token)
    .send()
    .await
    .expect_status(200);
}

#[tokio::test]
async fn a_keyed_upload_cut_off_halfway_is_stored_by_its_retry() {
    let app = spawn_demo_app().await;
    let teacher = app.demo(TEACHER_A).await;
    let doc = crate::documents::create_document(&app, &teacher, "lesson_plan")
        .await
        .expect_status(201);
    let path = format!("/v1/documents/{}/pages", doc.str("id"));
    let photo = tingke_api::photo::testimages::page_jpeg(3, 800, 600, 85);
    let (bytes, content_type) = multipart(&[("file", Some("page.jpg"), &photo)]);
    let auth = (teacher.token.as_str(), "upload-cut-off");
    let stream = half_sent(&app.address, &path, auth, &content_type, &bytes).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stream);
    let upload = (content_type.as_str(), bytes.as_slice());
    let res = retry(&app, &path, auth, upload, Duration::from_secs(10)).await;
    res.expect_status(201);
    let pages = app
        .get(&format!("/v1/documents/{}", doc.str("id")))
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(pages.body["pages"].as_array().map(Vec::len), Some(1));
}

/// The real binary is killed (SIGKILL) while a keyed create is in its handler. After the
/// restart the retry answers 409 with `Retry-After` while the dead request's lease runs, and
/// then creates the record: not 409 for 24 hours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_held_by_a_killed_server_is_free_once_its_lease_runs_out() {
    let (config, dir, pg) = test_config();
    let start = |dir: &std::path::Path, port: u16| {
        let mut cmd = tingke(dir, &config.database_url);
        with_storage(&mut cmd, &config.storage);
        cmd.env("TINGKE_IDEMPOTENCY_LEASE_SECONDS", "10");
        serve_with(cmd, port)
    };
    let port = free_port();
    let mut server = start(dir.path(), port);
    let address = format!("http://127.0.0.1:{port}");
    wait_ready(&address).await;
    let mut app = attach(config.clone(), dir, pg, address);
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let body = lesson(&principal.school_id(), teacher.id(), 2, 45);
    let bytes = serde_json::to_vec(&body).unwrap();
    let auth = (principal.token.as_str(), "create-then-killed");
    // Half the body sent and the connection kept open: the request waits in its handler.
    let stream = half_sent(
        &app.address,
        "/v1/observations",
        auth,
        "application/json",
        &bytes,
    )
    .await;
    for _ in 0..100 {
        if app.count("idempotency_keys WHERE status = 0") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count("idempotency_keys WHERE status = 0"),
        1,
        "the key was claimed"
    );
    server.sigkill();
    drop(stream);

    let port = free_port();
    let _server = start(app.dir(), port);
    app.address = format!("http://127.0.0.1:{port}");
    wait_ready(&app.address).await;
    let json = ("application/json", bytes.as_slice());
    let early = retry(&app, "/v1/observations", auth, json, Duration::ZERO).await;
    let early = early.expect_problem(409, "idempotency_key_in_use");
    let wait: u64 = early
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "Retry-After {wait}");
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(500)).await;
    let late = retry(&app, "/v1/observations", auth, json, Duration::from_secs(5)).await;
    late.expect_status(201);
    let stored: Value = app
        .get(&format!(
            "/v1/observations/{}",
            body["id"].as_str().unwrap()
        ))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200)
        .body;
    assert_eq!(stored["class_name"], body["class_name"]);
}
