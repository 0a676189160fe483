//! The `tingke` binary: migrate, create-admin, and serve --demo from an empty data directory.

use crate::helpers::*;
use crate::process::*;
use std::process::Stdio;

#[test]
fn migrate_and_create_admin() {
    let (config, dir, _pg) = test_config();
    let url = &config.database_url;
    let out = tingke(dir.path(), url).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = ["create-admin", "--phone", "13700000000", "--name", "管理员"];
    // The password never on the command line (issue 21): refused there…
    let out = tingke(dir.path(), url)
        .args(args)
        .args(["--password", "long-enough"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // …read from the environment…
    let out = tingke(dir.path(), url)
        .env(tingke_api::cli::ADMIN_PASSWORD_VAR, "long-enough")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Twice: refused with a message, not a panic.
    let out = tingke(dir.path(), url)
        .env(tingke_api::cli::ADMIN_PASSWORD_VAR, "long-enough")
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("taken"), "{stderr}");
    // …or from standard input when it is not a terminal.
    let mut child = tingke(dir.path(), url)
        .env_remove(tingke_api::cli::ADMIN_PASSWORD_VAR)
        .args([
            "create-admin",
            "--phone",
            "13700000009",
            "--name",
            "管理员二",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"piped-password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = tingke_api::startup::open_database(&config).unwrap();
    let mut conn = db.read_conn().unwrap();
    let admin = tingke_models::users::find_by_phone(&mut conn, "13700000009")
        .unwrap()
        .unwrap();
    assert!(tingke_api::auth::password::verify(
        "piped-password",
        &admin.password_hash
    ));
    let bad = ["create-admin", "--phone", "123", "--name", "x"];
    let out = tingke(dir.path(), url)
        .env(tingke_api::cli::ADMIN_PASSWORD_VAR, "long-enough")
        .args(bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// A signing key of one character made every token forgeable (issue 26, item 15): the server
/// refuses to start with a key under 32 bytes and says why.
#[test]
fn a_short_signing_key_is_refused_at_start() {
    let (config, dir, _pg) = test_config();
    for (key, starts) in [
        ("x", false),
        (&"k".repeat(31)[..], false),
        (&"k".repeat(32)[..], true),
    ] {
        let out = tingke(dir.path(), &config.database_url)
            .env("TINGKE_JWT_SECRET", key)
            .arg("migrate")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.success(),
            starts,
            "{} bytes: {stderr}",
            key.len()
        );
        if !starts {
            assert!(stderr.contains("TINGKE_JWT_SECRET"), "{stderr}");
        }
    }
}

#[tokio::test]
async fn serve_demo_seeds_once_and_keeps_its_secret_across_restarts() {
    let (config, dir, _pg) = test_config();
    let url = config.database_url.clone();
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let mut server = serve(dir.path(), &url, port);
    wait_ready(&address).await;
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{address}/v1/auth/login"))
        .json(&serde_json::json!({"phone": PRINCIPAL_A, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token = login.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The demo has documents with photographed pages, served through signed URLs.
    let teacher = client
        .post(format!("{address}/v1/auth/login"))
        .json(&serde_json::json!({"phone": TEACHER_A, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let docs = get_json(
        &client,
        format!("{address}/v1/documents?teacher_id=me"),
        teacher["access_token"].as_str().unwrap(),
    )
    .await;
    let docs = docs["items"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    let one = get_json(
        &client,
        format!("{address}/v1/documents/{}", docs[0]["id"].as_str().unwrap()),
        teacher["access_token"].as_str().unwrap(),
    )
    .await;
    let image = one["pages"][0]["image_url"].as_str().unwrap();
    assert_eq!(client.get(image).send().await.unwrap().status(), 200);
    let secret = dir.path().join("jwt_secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the secret is readable by its owner only"
        );
    }
    let _ = server.0.kill();
    let mut stdout = String::new();
    use std::io::Read;
    server
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(
        stdout.contains(PRINCIPAL_A) && stdout.contains(DEMO_PASSWORD),
        "{stdout}"
    );
    drop(server);

    // Restarted on the same data: no second seed, and the old token is still good.
    let server = serve(dir.path(), &url, port);
    wait_ready(&address).await;
    let me = client
        .get(format!("{address}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let schools = get_json(&client, format!("{address}/v1/schools"), &token).await;
    assert_eq!(schools["items"].as_array().unwrap().len(), 1);
    drop(server);
}

/// Passwords, tokens and URL signatures never reach the server's logs, even at debug level.
#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let (config, dir, _pg) = test_config();
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = tingke(dir.path(), &config.database_url)
        .args(["serve", "--demo"])
        .env("TINGKE_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start tingke");
    let server = Server(child);
    wait_ready(&address).await;
    let client = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut req = client.post(format!("{address}{path}")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let json = |res: reqwest::Response| res.json::<serde_json::Value>();
    let mut secrets = vec![DEMO_PASSWORD.to_string()];
    let login = json(
        post(
            "/v1/auth/login",
            None,
            serde_json::json!({"phone": TEACHER_A, "password": DEMO_PASSWORD}),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    let refreshed = json(
        post(
            "/v1/auth/refresh",
            None,
            serde_json::json!({"refresh_token": login["refresh_token"]}),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    let token = refreshed["access_token"].as_str().unwrap().to_string();
    // A wrong password is a secret too (it is often the right one with a typo).
    post(
        "/v1/auth/login",
        None,
        serde_json::json!({"phone": TEACHER_A, "password": "Tingke2026!typo"}),
    )
    .await
    .unwrap();
    secrets.push("Tingke2026!typo".into());
    let docs = json(
        client
            .get(format!("{address}/v1/sync"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    let image = docs["documents"][0]["pages"][0]["image_url"]
        .as_str()
        .expect("a page URL")
        .to_string();
    assert_eq!(client.get(&image).send().await.unwrap().status(), 200);
    let signature = image
        .split("sig=")
        .nth(1)
        .expect("a signed URL")
        .to_string();
    for field in ["access_token", "refresh_token"] {
        secrets.push(login[field].as_str().unwrap().to_string());
        secrets.push(refreshed[field].as_str().unwrap().to_string());
    }
    secrets.push(signature);
    // One-time passwords (a member made without one, a reset) and a login sheet's key (issue 21).
    let admin = json(
        post(
            "/v1/auth/login",
            None,
            serde_json::json!({"phone": "13800000000", "password": DEMO_PASSWORD}),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    let admin = admin["access_token"].as_str().unwrap().to_string();
    let school = login["user"]["memberships"][0]["school_id"]
        .as_str()
        .unwrap()
        .to_string();
    let district = login["user"]["memberships"][0]["district_id"]
        .as_str()
        .unwrap()
        .to_string();
    let made = json(
        post(
            &format!("/v1/schools/{school}/members"),
            Some(&admin),
            serde_json::json!({"name": "日志老师", "phone": "13950000001", "roles": ["teacher"]}),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    secrets.push(made["initial_password"].as_str().unwrap().to_string());
    let reset = json(
        post(
            &format!(
                "/v1/users/{}/password-reset",
                made["user_id"].as_str().unwrap()
            ),
            Some(&admin),
            serde_json::json!({}),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    secrets.push(reset["initial_password"].as_str().unwrap().to_string());
    let book = crate::imports::xlsx(
        &[],
        &[["表老师", "13950000002", "实验小学", "教师", ""]],
        &[],
    );
    let (body, ct) = crate::documents::multipart(&[("file", Some("d.xlsx"), &book)]);
    let preview = json(
        client
            .post(format!("{address}/v1/districts/{district}/imports"))
            .bearer_auth(&admin)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    let import = preview["id"].as_str().unwrap().to_string();
    let done = json(
        post(
            &format!("/v1/imports/{import}/commit"),
            Some(&admin),
            serde_json::json!({}),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    let key = done["login_sheet"]["key"].as_str().unwrap().to_string();
    let sheet = post(
        &format!("/v1/imports/{import}/login-sheet"),
        Some(&admin),
        serde_json::json!({ "key": key }),
    )
    .await
    .unwrap();
    assert_eq!(sheet.status(), 200);
    secrets.push(key);
    drop(server);

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("/v1/auth/login"),
        "the requests were logged:\n{logs}"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret ({}…) is in the logs",
            &secret[..6.min(secret.len())]
        );
    }
}

/// Scale 0.02 (four schools, 400 teachers, about 20,000 observations) is large enough that the
/// bulk inserts split into several statements, as at scale 1.
#[tokio::test]
async fn demo_scale_fills_an_empty_database_that_the_server_then_serves() {
    let (config, dir, _pg) = test_config();
    let url = config.database_url.clone();
    let out = tingke(dir.path(), &url)
        .args(["demo", "--scale", "0.02"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {stdout}"))
            .to_string()
    };
    let (principal, term_id) = (field("principal"), field("term_id"));
    // Only into an empty database.
    let again = tingke(dir.path(), &url)
        .args(["demo", "--scale", "0.02"])
        .output()
        .unwrap();
    assert!(!again.status.success());

    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let server = serve(dir.path(), &url, port);
    wait_ready(&address).await;
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{address}/v1/auth/login"))
        .json(&serde_json::json!({"phone": principal, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let progress = client
        .get(format!("{address}/v1/quotas/progress?term_id={term_id}"))
        .bearer_auth(login["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(progress.status(), 200);
    let progress = progress.json::<serde_json::Value>().await.unwrap();
    let observed = progress["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "principal" && i["activity"] == "observations")
        .unwrap_or_else(|| panic!("no principal rule in {progress}"));
    assert!(observed["done"].as_i64().unwrap() > 0, "{progress}");
    // The school's groups held their weekly meetings, nine teaching weeks in ten; the
    // calendar's holiday and exam weeks are not required.
    let token = login["access_token"].as_str().unwrap();
    let me = get_json(&client, format!("{address}/v1/me"), token).await;
    let school = me["memberships"][0]["school_id"].as_str().unwrap();
    let report = get_json(
        &client,
        format!("{address}/v1/schools/{school}/compliance?term_id={term_id}"),
        token,
    )
    .await;
    let groups = report["groups"].as_array().unwrap();
    assert!(!groups.is_empty(), "{report}");
    let mut behind = 0;
    for group in groups {
        let weekly = &group["items"][0];
        let (done, required) = (
            weekly["done"].as_i64().unwrap(),
            weekly["required"].as_i64().unwrap(),
        );
        assert!((10..=required).contains(&done), "{group}");
        assert!(required < 22, "only teaching weeks are required: {group}");
        behind += i64::from(done < required);
    }
    assert!(behind > 0, "one week in ten is missed: {report}");
    // A monthly check round for each month of the year, nine teachers in ten checked.
    let rounds = get_json(
        &client,
        format!("{address}/v1/schools/{school}/check-rounds?limit=50"),
        token,
    )
    .await;
    let rounds = rounds["items"].as_array().unwrap();
    assert!((10..=12).contains(&rounds.len()), "{rounds:?}");
    let round = rounds[0]["id"].as_str().unwrap();
    let summary = get_json(
        &client,
        format!("{address}/v1/check-rounds/{round}/summary"),
        token,
    )
    .await;
    let (checked, teachers) = (
        summary["checked"].as_i64().unwrap(),
        summary["teachers"].as_i64().unwrap(),
    );
    assert!(
        checked * 10 >= teachers * 7 && checked < teachers + 1,
        "{summary}"
    );
    drop(server);
}

/// A GET with a bearer token, answered as JSON.
async fn get_json(client: &reqwest::Client, url: String, token: &str) -> serde_json::Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `tingke import` (issue 21): the preview, then the commit writing the login sheet (only its
/// owner may read it), whose passwords log in; a second run changes nothing and refuses to
/// overwrite the sheet.
#[test]
fn import_previews_commits_and_writes_the_login_sheet() {
    let (config, dir, _pg) = test_config();
    let url = &config.database_url;
    let db = tingke_api::startup::open_database(&config).unwrap();
    let district = tingke_models::new_id();
    {
        let mut conn = db.write_conn().unwrap();
        tingke_models::districts::insert(
            &mut conn,
            &tingke_models::districts::District {
                id: district.clone(),
                name: "命令行区".into(),
                created_at: tingke_models::now(),
            },
        )
        .unwrap();
    }
    let book = crate::imports::xlsx(
        &["命令行小学"],
        &[
            ["周校长", "13940000001", "命令行小学", "校长", ""],
            ["吴老师", "13940000002", "命令行小学", "教师", "数学"],
        ],
        &[],
    );
    let file = dir.path().join("district.xlsx");
    std::fs::write(&file, &book).unwrap();
    let run = |extra: &[&str]| {
        tingke(dir.path(), url)
            .arg("import")
            .arg(&file)
            .args(["--district", &district])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("people: 2 new"), "{stdout}");
    assert_eq!(count_users(&db), 0, "a preview changes nothing");
    let out = run(&["--commit"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sheet = dir.path().join("district.xlsx.logins.xlsx");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&sheet).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let bytes = std::fs::read(&sheet).unwrap();
    let mut book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes)).unwrap();
    let range = calamine::Reader::worksheet_range(&mut book, "登录信息").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let mut conn = db.read_conn().unwrap();
    for row in &rows[1..] {
        let user = tingke_models::users::find_by_phone(&mut conn, &row[2])
            .unwrap()
            .unwrap();
        assert!(user.password_change_required);
        assert!(tingke_api::auth::password::verify(
            &row[3],
            &user.password_hash
        ));
    }
    drop(conn);
    // Again: nothing new, and the sheet is never overwritten.
    let out = run(&["--commit"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("never overwritten"),
        "{stderr}"
    );
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("people: 0 new, 0 changed, 2 unchanged"),
        "{stdout}"
    );
    assert_eq!(count_users(&db), 2);
    // A hostile file: refused with its code, nothing changed.
    std::fs::write(&file, crate::imports::hostile_workbook("workbook_formula")).unwrap();
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("formula_not_allowed"),
        "{stderr}"
    );
}

fn count_users(db: &tingke_models::Db) -> i64 {
    use diesel::prelude::*;
    let mut conn = db.read_conn().unwrap();
    tingke_models::schema::users::table
        .count()
        .get_result(&mut **conn)
        .unwrap()
}

/// `tingke import --school` (issue 21): the import is limited to one school as a principal's
/// over HTTP is: rows of other schools, new schools and terms are problems and nothing is
/// imported; rows of that school are; a school outside the district is refused.
#[test]
fn import_into_one_school_leaves_the_others_alone() {
    let (config, dir, _pg) = test_config();
    let url = &config.database_url;
    let db = tingke_api::startup::open_database(&config).unwrap();
    let (district, school) = (tingke_models::new_id(), tingke_models::new_id());
    {
        let mut conn = db.write_conn().unwrap();
        let now = tingke_models::now();
        tingke_models::districts::insert(
            &mut conn,
            &tingke_models::districts::District {
                id: district.clone(),
                name: "一校区".into(),
                created_at: now,
            },
        )
        .unwrap();
        tingke_models::schools::insert(
            &mut conn,
            &tingke_models::schools::School {
                id: school.clone(),
                district_id: district.clone(),
                name: "本校".into(),
                created_at: now,
            },
        )
        .unwrap();
    }
    let file = dir.path().join("school.xlsx");
    let run = |school: &str, extra: &[&str]| {
        tingke(dir.path(), url)
            .arg("import")
            .arg(&file)
            .args(["--district", &district, "--school", school])
            .args(extra)
            .output()
            .unwrap()
    };
    let beyond = crate::imports::xlsx(
        &["别的小学"],
        &[
            ["郑校长", "13950000001", "本校", "校长", ""],
            ["冯老师", "13950000002", "别的小学", "教师", "数学"],
        ],
        &[["秋季学期", "2026-2027", "2026-09-01", "2027-01-20"]],
    );
    std::fs::write(&file, &beyond).unwrap();
    let out = run(&school, &["--commit"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    for code in ["school_out_of_scope", "admin_only"] {
        assert!(stdout.contains(code), "{code}: {stdout}");
    }
    assert_eq!(count_users(&db), 0);
    let own = crate::imports::xlsx(&[], &[["郑校长", "13950000001", "本校", "校长", ""]], &[]);
    std::fs::write(&file, &own).unwrap();
    let out = run(&school, &["--commit"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count_users(&db), 1);
    let out = run(&tingke_models::new_id(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("no school"),
        "{stderr}"
    );
}
