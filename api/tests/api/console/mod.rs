//! The console (`/console`): its pages and their policy, its cookie session with CSRF, and the
//! journeys of the people who use it, in a real headless Chromium (`browser.rs`).

pub mod browser;
mod copies;
mod insight;
mod setup;
mod work;

use crate::helpers::*;
use browser::Browser;
use serde_json::json;

/// The console's cookie from a login answer (`name=value`, to send back as `Cookie`), and the
/// whole `Set-Cookie` line.
fn cookie_of(res: &Response) -> (String, String) {
    let line = res.header("set-cookie").expect("a Set-Cookie").to_string();
    let pair = line.split(';').next().unwrap_or("").trim().to_string();
    (pair, line)
}

async fn console_login(app: &TestApp, phone: &str, password: &str) -> (String, String) {
    let res = app
        .post("/console/session")
        .json(json!({ "phone": phone, "password": password }))
        .send()
        .await
        .expect_status(200);
    let (cookie, _) = cookie_of(&res);
    (cookie, res.str("csrf_token").to_string())
}

#[actix_web::test]
async fn the_console_is_served_from_the_binary_with_a_policy_of_its_own() {
    let app = spawn_app().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    for path in ["/console", "/console/login", "/console/schools/abc"] {
        let res = get(path).await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let html = res.text().await.unwrap();
        assert!(html.contains("/console/static/app.js"), "{path}: {html}");
        assert!(!html.contains("<script>"), "no inline script: {html}");
    }
    let res = get("/console/static/app.js").await.unwrap();
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.contains("javascript"), "{kind}");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let again = app
        .client
        .get(format!("{}/console/static/app.js", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "an unchanged script is not sent again");
    let chart = get("/console/static/vendor/echarts.min.js").await.unwrap();
    assert_eq!(chart.status(), 200, "the chart library is in the binary");
    for missing in [
        "/console/static/nope.js",
        "/console/static/..%2fCargo.toml",
        "/console/static/%2e%2e/%2e%2e/Cargo.toml",
    ] {
        let res = get(missing).await.unwrap();
        assert_eq!(res.status(), 404, "{missing}");
    }
}

#[actix_web::test]
async fn a_console_login_is_an_http_only_strict_cookie_and_writes_need_its_csrf_token() {
    let app = spawn_app().await;
    let res = app
        .post("/console/session")
        .json(json!({ "phone": ADMIN_PHONE, "password": PASSWORD }))
        .send()
        .await
        .expect_status(200);
    assert!(
        res.body.get("access_token").is_none(),
        "no token in the page's reach"
    );
    let (cookie, line) = cookie_of(&res);
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );
    assert!(!line.contains("Secure"), "plain HTTP on 127.0.0.1: {line}");
    let csrf = res.str("csrf_token").to_string();

    // The cookie reads the API as the person…
    let me = app.get("/v1/me").header("cookie", &cookie).send().await;
    assert_eq!(me.expect_status(200).str("phone"), ADMIN_PHONE);
    // …and writes only with the session's CSRF token.
    let district = json!({ "name": "示范区" });
    app.post("/v1/districts")
        .header("cookie", &cookie)
        .json(district.clone())
        .send()
        .await
        .expect_problem(403, "csrf_failed");
    app.post("/v1/districts")
        .header("cookie", &cookie)
        .header("x-csrf-token", &"0".repeat(64))
        .json(district.clone())
        .send()
        .await
        .expect_problem(403, "csrf_failed");
    app.post("/v1/districts")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(district)
        .send()
        .await
        .expect_status(201);
    let current = app
        .get("/console/session")
        .header("cookie", &cookie)
        .send()
        .await;
    assert_eq!(current.expect_status(200).str("csrf_token"), csrf);

    // Behind a TLS proxy the cookie is Secure.
    let res = app
        .post("/console/session")
        .header("x-forwarded-proto", "https")
        .json(json!({ "phone": ADMIN_PHONE, "password": PASSWORD }))
        .send()
        .await
        .expect_status(200);
    assert!(cookie_of(&res).1.contains("Secure"));
}

#[actix_web::test]
async fn the_console_and_the_phone_share_one_login_lock() {
    let app = spawn_app_with(|c| c.login.max_failures = 3).await;
    for _ in 0..3 {
        app.post("/console/session")
            .json(json!({ "phone": ADMIN_PHONE, "password": "wrong-password" }))
            .send()
            .await
            .expect_problem(401, "invalid_credentials");
    }
    app.post("/v1/auth/login")
        .json(json!({ "phone": ADMIN_PHONE, "password": PASSWORD }))
        .send()
        .await
        .expect_problem(429, "too_many_attempts");
    app.post("/console/session")
        .json(json!({ "phone": ADMIN_PHONE, "password": PASSWORD }))
        .send()
        .await
        .expect_problem(429, "too_many_attempts");
    app.post("/console/session")
        .json(json!({ "phone": "12", "password": "" }))
        .send()
        .await
        .expect_status(422);
}

#[actix_web::test]
async fn logging_out_ends_the_console_session_and_everywhere_ends_the_phones_too() {
    let app = spawn_app().await;
    let phone = app.admin().await;
    let (cookie, csrf) = console_login(&app, ADMIN_PHONE, PASSWORD).await;
    let out = app
        .delete("/console/session")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect_status(204);
    assert!(
        cookie_of(&out).1.contains("Max-Age=0"),
        "the cookie is cleared"
    );
    app.get("/v1/me")
        .header("cookie", &cookie)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.get("/v1/me")
        .token(&phone.token)
        .send()
        .await
        .expect_status(200);

    let (cookie, csrf) = console_login(&app, ADMIN_PHONE, PASSWORD).await;
    app.delete("/console/session?everywhere=true")
        .header("cookie", &cookie)
        .send()
        .await
        .expect_problem(403, "csrf_failed");
    app.delete("/console/session?everywhere=true")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect_status(204);
    app.get("/v1/me")
        .token(&phone.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.get("/console/session")
        .send()
        .await
        .expect_problem(401, "missing_token");
}

/// Journey: a teacher given a one-time password logs in at the desk, must choose their own, then
/// sees the console's home; the wrong password shows the API's message on the page.
#[actix_web::test]
async fn journey_first_login_at_the_desk() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "first-login").await else {
        return;
    };
    let admin = app.admin().await;
    let teacher = app.demo("13800000005").await;
    let reset = app
        .post(&format!("/v1/users/{}/password-reset", teacher.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let one_time = reset.str("initial_password").to_string();

    b.open("/console/login").await;
    b.shot("login-page").await;
    b.type_in("#login input[name=phone]", "13800000005").await;
    b.type_in("#login input[name=password]", "not-the-password")
        .await;
    b.click("#login button[type=submit]").await;
    b.wait_text(".problem", "invalid_credentials").await;
    b.shot("wrong-password").await;

    b.log_in("13800000005", &one_time).await;
    assert_eq!(b.path().await, "/console/password");
    b.shot("choose-a-password").await;
    b.type_in("#password input[name=old_password]", &one_time)
        .await;
    b.type_in("#password input[name=new_password]", "my-own-pass-2026")
        .await;
    b.type_in("#password input[name=again]", "my-own-pass-2026")
        .await;
    b.click("#password button[type=submit]").await;
    b.wait_path("/console").await;
    b.wait_text("main h1", "陈老师").await;
    b.shot("home").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
    app.login("13800000005", "my-own-pass-2026").await;
}

/// Journey: an apprentice who opens the district's pages is refused by the API, and the page
/// says so; the English switch turns the page into English.
#[actix_web::test]
async fn journey_an_apprentice_is_refused_the_district_pages() {
    let app = spawn_demo_app().await;
    let Some(mut b) = Browser::start(&app, "apprentice-refused").await else {
        return;
    };
    let district = app.demo("13800000001").await.district_id();
    b.log_in("13800000007", DEMO_PASSWORD).await;
    b.shot("apprentice-home").await;
    b.open(&format!("/console/districts/{district}/compliance"))
        .await;
    b.wait_text("main .forbidden", "没有权限").await;
    b.shot("refused").await;
    b.click("header .lang").await;
    b.ready().await;
    b.wait_text("main .forbidden", "may not").await;
    b.shot("refused-in-english").await;
    assert!(b.errors().await.is_empty(), "{:?}", b.errors().await);
    b.close().await;
}

/// Every string a page shows by its key (`t('key')`) is in both the Chinese and the English
/// table of some module (`addStrings({ zh: {…}, en: {…} })`), and the two tables name the same
/// keys: switching the language never shows a bare key.
#[test]
fn every_string_of_the_console_is_in_chinese_and_english() {
    use std::collections::BTreeSet;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
    let mut files = vec![root.join("app.js"), root.join("core.js")];
    for entry in std::fs::read_dir(root.join("pages")).expect("pages") {
        files.push(entry.expect("entry").path());
    }
    let used_re = regex::Regex::new(r"\bt\('([a-z_.0-9]+)'").unwrap();
    let tables_re = regex::Regex::new(
        r"(?s)addStrings\(\{\s*zh:\s*\{(.*?)\n\s*\},\s*en:\s*\{(.*?)\n\s*\},\s*\}\)",
    )
    .unwrap();
    let key_re = regex::Regex::new(r"'([a-z_.0-9]+)':").unwrap();
    let keys = |text: &str| -> BTreeSet<String> {
        key_re
            .captures_iter(text)
            .map(|c| c[1].to_string())
            .collect()
    };
    let (mut used, mut zh, mut en) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "js"))
    {
        let text = std::fs::read_to_string(file).expect("read");
        used.extend(used_re.captures_iter(&text).map(|c| c[1].to_string()));
        for tables in tables_re.captures_iter(&text) {
            zh.extend(keys(&tables[1]));
            en.extend(keys(&tables[2]));
        }
    }
    assert!(
        used.len() > 300,
        "the pages' strings were found: {}",
        used.len()
    );
    let missing = |table: &BTreeSet<String>| used.difference(table).cloned().collect::<Vec<_>>();
    assert_eq!(missing(&zh), Vec::<String>::new(), "used, not in Chinese");
    assert_eq!(missing(&en), Vec::<String>::new(), "used, not in English");
    assert_eq!(zh, en, "the Chinese and English tables name the same keys");
}
